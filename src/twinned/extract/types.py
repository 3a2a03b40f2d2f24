"""Documents named in page text, and their types in the agreement-types scheme.

A document mention is a head noun (agreement, treaty, memorandum, protocol,
declaration, letter of intent/interest, certificate of friendship, decision of a
council, renewal) with the premodifiers before it ("Town Twinning Agreement",
"official partnership agreement") and the complements after it ("Agreement on
Cooperation between the Cities", "Declaration of Intent to place a memorial
tablet ..."): the title as written.

Its type is read from the scheme itself (ontology/agreement-types.ttl): a title that
is, or begins with, a concept's prefLabel or altLabel gets that concept; otherwise
general keyword rules decide (a letter/protocol/declaration with "intent" is a
statement of intent of that kind, an agreement naming twinning, friendship,
partnership or cooperation is an agreement of that kind, ...). What no rule
settles gets the broader concept (agreement, memorandum) and a low confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

from twinned.rdf.vocab import AGREEMENT_TYPES

# the last alternative is a title or a table cell followed by a date: "Town Twinning 1948", "Twinning | 1947"
HEAD = re.compile(
    r"\b(?:(?P<renewal>renewal)s?\s+of\b|"
    r"(?P<letter>letters?)\s+of\s+(?P<letter_of>intent|intend|intents|intention|interest)\b|"
    r"(?P<certificate>certificates?)\s+of\s+friendship\b|(?P<decision>decision)\s+of\b(?=[^.;\n]{0,60}\bcouncil\b)|"
    r"(?P<noun>agreements?|treaty|treaties|memorand(?:um|a)|protocols?|declarations?|accord|contract|pacts?|"
    r"(?:twinning|partnership|friendship) charter|"
    r"(?-i:(?:Town )?Twinning)(?=,?\s+(?:\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}\b|on\s+\d)"
    r"|\s*\|\s*(?:\d|[A-Z][a-z]+\s+\d))))\b",
    re.IGNORECASE,
)
PREMODIFIERS = frozenset("""town twin twinning twin-town sister sister-city co-operation cooperation
partnership friendship official intent mutual framework cultural economic trade and""".split())
# words that end a title after its head
STOPS = frozenset("""was were is are has have had will would shall can could should signed took dated
confirmed confirms foresees foresaw foresee provides provided provide committed concerning regarding with by
which that who whom whose during when while after before upon under at since as so through via
came aims includes determines defines contains states enables""".split())
GENERIC_PARTIES = re.compile(r"^between\s+(?:the\s+|both\s+|our\s+)?(?:two\s+)?(?:cities|towns|municipalities|"
                             r"parties|regions|sides|communities)\b(?!\s+of\b)", re.IGNORECASE)
WORD = re.compile(r"[\w'’\-]+|[^\w\s]")


@dataclass(frozen=True)
class DocMention:
    start: int
    end: int
    title: str
    head: str          # the head noun, lower case ("agreement", "letter", "renewal" ...)
    head_start: int


@dataclass(frozen=True)
class TypeReading:
    type: str          # a concept key of the agreement-types scheme
    confidence: float
    how: str


def _extend_left(text: str, head_start: int, floor: int) -> int:
    start = head_start
    words = list(re.finditer(r"[\w\-]+", text[floor:head_start]))
    for i in range(len(words) - 1, -1, -1):
        m = words[i]
        gap = text[floor + m.end():start]
        word = m.group(0).lower()
        sister_city = word in ("city", "cities", "town") and i and \
            words[i - 1].group(0).lower() in ("sister", "twin", "friendship", "partner")
        if gap.strip() or (word not in PREMODIFIERS and not sister_city):
            break
        start = floor + m.start()
    title_words = text[start:head_start].split()
    while title_words and title_words[0].lower() == "and":   # never begin a title with "and"
        start += text[start:].index(title_words[0]) + len(title_words[0])
        start += len(text[start:]) - len(text[start:].lstrip())
        title_words = title_words[1:]
    return start


def _extend_right(text: str, pos: int, limit: int, dates: list[tuple[int, int]]) -> int:
    start = pos
    """Complements after the head: up to a stop word, a date, punctuation or a named party."""
    end = pos
    while pos < limit:
        m = WORD.search(text, pos, limit)
        if m is None or text[end:m.start()].count("\n"):
            break
        word = m.group(0)
        lower = word.lower()
        if any(a <= m.start() < b for a, b in dates) or word in ",.;:()[]!?\"“”–—|" or lower in STOPS:
            break
        if lower == "between" and not GENERIC_PARTIES.match(text[m.start():limit]):
            break
        if lower in ("in", "at") and re.match(r"\s+(?:\d|[A-ZÀ-Þ](?!he\b))", text[m.end():limit]):
            break
        if word.islower() and len(word) > 4 and word.endswith("ed"):
            break   # a verb in the past tense: the sentence goes on, the title has ended
        if lower == "and" and re.match(r"\s+(?:by|the|\w+ed\b)", text[m.end():limit]):
            break
        end = m.end()
        pos = m.end()
    trailing = re.search(r"(?:\s+(?:of|on|from|in|at|the|and|with|for))+$", text[:end], re.IGNORECASE)
    return trailing.start() if trailing and trailing.start() >= start else end


def find_documents(text: str, start: int = 0, end: int | None = None,
                   dates: list[tuple[int, int]] | None = None) -> list[DocMention]:
    """Document mentions in text[start:end]; a mention inside another's title is not a new one."""
    end = len(text) if end is None else end
    spans = dates or []
    out: list[DocMention] = []
    for m in HEAD.finditer(text, start, end):
        if out and m.start() < out[-1].end:
            continue
        if re.match(r"\s*:", text[m.end():m.end() + 3]) and \
                len(text[text.rfind("\n", 0, m.start()) + 1:m.start()].split()) <= 3:
            continue    # a field's label ("Agreement: twinning agreement", "Kind of agreement:"), not a document
        head = next(k for k in ("renewal", "letter", "certificate", "decision", "noun") if m.group(k))
        head_word = m.group(head).lower()
        floor = out[-1].end if out else start
        line_start = text.rfind("\n", 0, m.start()) + 1
        left = _extend_left(text, m.start(), max(floor, line_start))
        right = _extend_right(text, m.end(), end, spans)
        title = text[left:right].strip(" ,")
        out.append(DocMention(left, left + len(title), title, _head_name(head, head_word), m.start()))
    return out


def _head_name(group: str, word: str) -> str:
    if group != "noun":
        return group
    for stem, name in (("agreement", "agreement"), ("treat", "agreement"), ("memorand", "memorandum"),
                       ("protocol", "protocol"), ("declaration", "declaration"), ("accord", "agreement"),
                       ("contract", "agreement"), ("charter", "agreement"), ("twinning", "agreement"),
                       ("pact", "agreement")):
        if word.startswith(stem) or stem in word:
            return name
    return word


# -- types -----------------------------------------------------------------------------

def _norm(text: str) -> str:
    text = text.lower().replace("co-operation", "cooperation").replace("co-operative", "cooperative")
    text = re.sub(r"[\-‐–]", " ", text)
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", " ", text).strip()


_LEADING = re.compile(r"^(?:the|a|an|this|that|first|second|third|new|official|initial|final|original|"
                      r"renewed|revised|\d+(?:st|nd|rd|th))\s+")

KEYWORD_RULES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("letter", (("interest", "letter-of-interest"), ("inten", "letter-of-intent"))),
    ("protocol", (("inten", "protocol-of-intent"),)),
    ("declaration", (("inten", "declaration-of-intent"),)),
    ("memorandum", (("understanding", "memorandum-of-understanding"), ("cooperat", "memorandum-of-cooperation"),
                    ("collaborat", "memorandum-of-cooperation"))),
    ("certificate", (("friendship", "certificate-of-friendship"),)),
    ("decision", (("council", "council-decision"),)),
    ("agreement", (("twin", "twinning-agreement"), ("sister", "twinning-agreement"),
                   ("friendship", "friendship-agreement"), ("partnership", "partnership-agreement"),
                   ("cooperat", "cooperation-agreement"), ("collaborat", "cooperation-agreement"))),
)
GROUPS = frozenset({"agreement", "memorandum", "intent"})   # top concepts: what kind, not which
HEAD_DEFAULTS = {"letter": ("letter-of-intent", 0.5), "protocol": ("protocol", 0.8),
                 "declaration": ("declaration", 0.8),
                 "memorandum": ("memorandum", 0.5), "certificate": ("certificate-of-friendship", 0.5),
                 "decision": ("council-decision", 0.7), "agreement": ("agreement", 0.5)}


class TypeScheme:
    """The agreement-types scheme's labels, for reading a title as a concept."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels      # normalised label -> concept key

    @classmethod
    def load(cls, ontology_dir: Path) -> TypeScheme:
        g = Graph()
        g.parse(ontology_dir / "agreement-types.ttl", format="turtle")
        prefix = f"{AGREEMENT_TYPES}/"
        labels: dict[str, str] = {}
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for concept, label in sorted(g.subject_objects(prop)):
                if str(concept).startswith(prefix):
                    labels.setdefault(_norm(str(label)), str(concept).removeprefix(prefix))
        return cls(labels)

    def read(self, title: str, head: str) -> TypeReading:
        norm = _norm(title)
        while _LEADING.match(norm):
            norm = _LEADING.sub("", norm, count=1)
        if norm in self.labels:
            key = self.labels[norm]
            return TypeReading(key, 0.5 if key in GROUPS else 0.95, f"label '{norm}'")
        prefixes = [lab for lab in self.labels if norm.startswith(lab + " ") and " " in lab]
        if prefixes:
            best = max(prefixes, key=len)
            return TypeReading(self.labels[best], 0.9, f"title begins with label '{best}'")
        for rule_head, rules in KEYWORD_RULES:
            if rule_head != head:
                continue
            hits = sorted((norm.find(word), word, key) for word, key in rules if word in norm)
            if hits:
                _pos, word, key = hits[0]
                return TypeReading(key, 0.8, f"keyword rule: {head} with '{word}'")
        key, confidence = HEAD_DEFAULTS.get(head, ("agreement", 0.4))
        return TypeReading(key, confidence, f"only the head noun '{head}'")
