"""Areas of cooperation: the fields a sentence names, mapped onto the SKOS scheme
(ontology/cooperation-areas.ttl) with the source's wording kept.

Only sentences that speak of cooperation are read: those with a cooperation word
(cooperation, collaborate ...) or a field phrase ("in the fields of", "such areas as",
"the following spheres:"). Values the parties adhere to ("the principles of
friendship, democracy, peace ...") are not fields and are skipped. Each concept has
keywords (:data:`KEYWORDS`, general English terms, with the concept's own prefLabel);
the wording kept is the list item that names it ("city economy and development").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

from twinned.rdf.vocab import COOPERATION_AREAS

KEYWORDS: dict[str, str] = {
    "education": r"educat\w*|schools?|school\w*|universit\w*|pupils?|students?|teachers?|training|gymnasi\w*|"
                 r"academ\w*|kindergartens?|vocational",
    "culture": r"cultur\w*|arts?|artists?|exhibitions?|librar\w*|museums?|theat(?:re|er)s?|music\w*|festivals?|"
               r"cinema|films?|literature",
    "sport": r"sport\w*|athlet\w*|olympi\w*",
    "tourism": r"touris\w*",
    "economy": r"econom\w*|business\w*|trade|commerc\w*|industr\w*|investments?|investors?|marketing|"
               r"entrepreneur\w*|enterprises?|companies|employment|agricultur\w*|ports?|harbou?rs?|logistics",
    "environment": r"environment\w*|ecolog\w*|green areas?|water treatment|climate|waste|nature protection|"
                   r"sustainab\w*",
    "health": r"health(?!y)\w*|hospitals?|medic\w*|clinics?",
    "social-affairs": r"social(?!is| media| networks?)\w*|welfare|child ?care|elderly|disabilit\w*",
    "science": r"scien\w*|research\w*",
    "urban-planning": r"urban \w+|city planning|town planning|spatial planning|architect\w*|"
                      r"city (?:[\w-]+ and )?development",
    "public-administration": r"administration|municipal (?:government|management|specialists|officers|officials|"
                             r"staff|employees|services)|local government|public (?:management|services)|"
                             r"preparation of laws|legislat\w*",
    "democracy": r"democra\w*|self-government|elections?|political parties|human rights|civil society",
    "youth": r"youth|young people",
    "transport": r"transport\w*|traffic|mobility",
    "energy": r"energy|heating|power supply|renewables?",
    "cultural-heritage": r"(?:cultural )?heritage|historic(?:al)? monuments?",
    "information-exchange": r"(?:exchange|exchanging|distribution|sharing) (?:of )?(?:information|experience|"
                            r"knowledge)|information exchange",
    "public-safety": r"police|fire (?:prevention|protection|fighting|brigades?)|firefight\w*|civil protection|"
                     r"public safety|emergenc\w*|rescue",
    "technology": r"technolog\w*|digital\w*|innovation\w*|e-government",
    "international-relations": r"international (?:activities|relations|cooperation|affairs|projects)|"
                               r"EU program\w*|European (?:Union )?program\w*|people-to-people",
}
# a longer match of these absorbs the shorter matches inside it ("cultural heritage" is not also culture)
ABSORBING = frozenset({"cultural-heritage", "information-exchange"})
TRIGGER = re.compile(
    r"\bco-?operat\w*|\bcollaborat\w*|\b(?:in|to|within) the (?:following )?(?:fields?|areas?|spheres?|realms?|"
    r"domains?)\b|\b(?:fields?|areas?|spheres?|realms?|domains?) of\b|"
    r"\bsuch (?:fields?|areas?|spheres?|activities) as\b|"
    r"\bfollowing (?:fields?|areas?|spheres?|activities)\b|\b(?:fields?|areas?|spheres?)\s*[:,]|"
    r"\bexchange programm?e?s?\b|\bfocus(?:es|ed)? on\b|"
    r"\bexchanges? (?:of )?(?:experience|knowledge|information|best practices?) (?:in|on)\b",
    re.IGNORECASE,
)
ITEM_START = re.compile(
    r"(?:\b(?:in|to|within) the (?:following )?(?:fields?|areas?|spheres?|realms?|domains?)(?: of)?|\bsuch \w+ as|"
    r"\bfollowing \w+|\bnamely|\bincluding|\b(?:co-?operat\w*|collaborat\w*|exchanges?) (?:in|between|among|on|and)|"
    r"\b(?:fields?|areas?|spheres?|realms?) of|\bfocus(?:es|ed)? on|\b(?:covers?|includes?|involves?|comprises?)|"
    r"\bexchanges? (?:of )?(?:experience|knowledge|information|best practices?) (?:in|on))\b\s*:?\s*", re.IGNORECASE)
TITLE_FIELDS = re.compile(r"\b(?:in|on) the (?:fields?|areas?|spheres?) of\b", re.IGNORECASE)
VALUES = re.compile(r"\b(?:principles|values|ideals) of\b", re.IGNORECASE)


@dataclass(frozen=True)
class AreaMention:
    area: str
    start: int           # the keyword's span
    end: int
    as_written: str      # the list item that names it
    item_start: int
    item_end: int
    confidence: float


class AreaScheme:
    """The cooperation-areas scheme: its concepts with their keywords and prefLabels."""

    def __init__(self, patterns: dict[str, re.Pattern[str]]) -> None:
        self.patterns = patterns

    @classmethod
    def load(cls, ontology_dir: Path) -> AreaScheme:
        g = Graph()
        g.parse(ontology_dir / "cooperation-areas.ttl", format="turtle")
        prefix = f"{COOPERATION_AREAS}/"
        patterns: dict[str, re.Pattern[str]] = {}
        for concept, label in sorted(g.subject_objects(SKOS.prefLabel)):
            key = str(concept).removeprefix(prefix)
            if not str(concept).startswith(prefix):
                continue
            words = [re.escape(str(label).lower())] + ([KEYWORDS[key]] if key in KEYWORDS else [])
            patterns[key] = re.compile(r"(?<![\w-])(?:" + "|".join(words) + r")(?![\w-])", re.IGNORECASE)
        return cls(patterns)

    def in_sentence(self, text: str, start: int, end: int, titles: list[tuple[int, int]] | None = None,
                    force: bool = False) -> list[AreaMention]:
        """The areas a sentence text[start:end] names, if it speaks of cooperation outside the
        document titles it contains (``titles``, offsets in text); a title's own "in the field of
        X" counts. ``force``: the text is known to list fields (a table's "Fields" column)."""
        sentence = text[start:end]
        inside = [(a - start, b - start) for a, b in titles or []]
        triggers = [m for m in TRIGGER.finditer(sentence) if not any(a <= m.start() < b for a, b in inside)]
        title_fields = [(m.end(), b) for a, b in inside for m in TITLE_FIELDS.finditer(sentence, a, b)]
        if not triggers and not title_fields and not force:
            return []
        skipped = _value_lists(sentence)
        if not triggers and not force:   # only the fields a title names
            skipped += [(0, min(a for a, _ in title_fields))]
        hits: list[tuple[int, int, str]] = []
        for key, pattern in self.patterns.items():
            for m in pattern.finditer(sentence):
                if not any(a <= m.start() < b for a, b in skipped):
                    hits.append((m.start(), m.end(), key))
        hits = [h for h in hits if not any(o[2] in ABSORBING and o[2] != h[2] and o[0] <= h[0] and h[1] <= o[1]
                                           and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)]
        out: dict[str, AreaMention] = {}
        for s, e, key in sorted(hits):
            item_s, item_e = _item(sentence, s, e)
            if key in out:
                continue
            out[key] = AreaMention(key, start + s, start + e, sentence[item_s:item_e], start + item_s,
                                   start + item_e, 0.85 if sentence[s:e].lower() in _EXACT else 0.75)
        return list(out.values())


_EXACT = frozenset({"education", "culture", "sport", "sports", "tourism", "economy", "environment", "health",
                    "science", "energy", "youth", "transport", "democracy", "administration", "business",
                    "cultural heritage", "urban planning", "technology", "environmental protection"})


def _value_lists(sentence: str) -> list[tuple[int, int]]:
    spans = []
    for m in VALUES.finditer(sentence):
        nxt = TRIGGER.search(sentence, m.end())
        spans.append((m.start(), nxt.start() if nxt else len(sentence)))
    return spans


def _item(sentence: str, s: int, e: int) -> tuple[int, int]:
    """The list item (between commas, colons, semicolons or 'and') around a keyword."""
    left = max([sentence.rfind(c, 0, s) for c in ",;:("] + [m.end() - 1 for m in ITEM_START.finditer(sentence, 0, s)])
    right_candidates = [i for i in (sentence.find(c, e) for c in ",;.)") if i >= 0]
    right = min(right_candidates) if right_candidates else len(sentence)
    item_s, item_e = left + 1, right
    segment = sentence[item_s:item_e]
    # within the segment, the part of an "X and Y" that holds the keyword, if the other part is a field too
    parts = [(m.start(), m.end()) for m in re.finditer(r"(?:(?! and ).)+", segment)]
    spanned = [(ps, pe) for ps, pe in parts if ps < e - item_s and s - item_s < pe]
    if len(parts) > 1 and spanned:
        item_s, item_e = item_s + spanned[0][0], item_s + spanned[-1][1]
    lead = re.match(r"\s*(?:(?:and|or|such as|as|namely|including|in the fields? of|in the areas? of|"
                    r"the fields? of|the areas? of|in|of|the|etc)\b\s*)*", sentence[item_s:item_e], re.IGNORECASE)
    if lead:
        item_s += lead.end()
    if "(" in sentence[item_s:item_e] and ")" not in sentence[item_s:item_e]:
        item_e = item_s + sentence[item_s:item_e].index("(")   # "youth questions (promoting of contacts, ..."
    while item_e > item_s and sentence[item_e - 1] in " ,.;:(":
        item_e -= 1
    if item_e <= item_s:
        return s, e
    return item_s, item_e
