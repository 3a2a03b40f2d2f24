"""Lines that name several partners: prose enumerations and chained clauses.

"Turku has been twinned with Gothenburg, Bergen and Aarhus since 1946" names three
partners that share one clause: each gets the whole clause (and so "since 1946").
"The city has been twinned with Bremen since 1976 and with Turku since 1958; it signed
a cooperation agreement with Marseille in 1992" names partners in clauses of their own:
the line is cut before each clause ("and with", "; it signed ... with", ", and a
friendship agreement with"), and each partner gets its clause. What precedes the
first partner's sentence stays an ordinary line.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from twinned.extract.blocks import EVENT_PLACE, Line, Party, PartyFinder, sentences

# after a partner: another one of the same enumeration (", Y", " and Y", ", and Y", " & Y")
ENUMERATION = re.compile(r"(?:\s*\([^()\n]{0,60}\))?"          # "Agadir (Morocco, 2002) and Tbilisi"
                         r"(?:\s*[,;]\s*(?:and\s+|as well as\s+)?|\s+(?:and|&|as well as)\s+)(?:the\s+)?")
# a further partner in a clause of its own: "... and with Y", "; ... with Y", "sister city of Y"
CHAINED_WITH = re.compile(r"(?:\b(?:and|also|as well as)|,|;)\s+(?:also\s+)?(?:with|of|to)\s+(?:the\s+)?$",
                          re.IGNORECASE)
SISTER_OF = re.compile(r"\b(?:sister|twin|partner|friendship)[\s-](?:city|cities|town|towns)\s+(?:of|to)\s+"
                       r"(?:the\s+)?$", re.IGNORECASE)
# "Our twin towns are X, Y and Z", "partner cities include X and Y"
LIST_INTRO = re.compile(r"\b(?:(?:twin|sister|partner|friendship)[\s-](?:cities|towns|municipalities)|partners)"
                        r"(?:\s+(?:are|include|includes|comprise)|\s*:)\s+(?:the\s+)?$", re.IGNORECASE)
# after such an introduction, each place starting a clause of the list ("...; Akureyri (Iceland, 1947);",
# ", Nagaoka in Japan (partner city since 1989),", ", and Carlos Paz in Argentina")
LIST_ITEM_BEFORE = re.compile(r"(?:[,;:]|\band)\s*$")
PARTNERSHIP_WORD = re.compile(r"\b(?:agreements?|treaty|memorandum|protocol|charter|twinn(?:ed|ing)|twin|sister|"
                              r"partners?|partnership|friendship|joined)\b", re.IGNORECASE)
YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b")
CLAUSE_CUT = re.compile(r";|,\s+and\b|\band\b|,")


def parties(finder: PartyFinder, line: Line) -> list[tuple[Party, bool]]:
    """The partners a line names in party positions, in order, each with whether it continues the
    enumeration of the one before it."""
    found = {p.start: p for p in finder.parties_in(line)}
    for m in re.finditer(r"(?:\b(?:with|of|to|are|include|includes|comprise)|:)\s+(?:the\s+)?",
                         finder.text[line.start:line.end]):
        pos = line.start + m.end()
        before = finder.text[line.start:pos]
        if pos in found or not (SISTER_OF.search(before) or LIST_INTRO.search(before)
                                or (found and CHAINED_WITH.search(before))):
            continue
        p = finder.name_at(pos, line)
        if p is not None:
            found[p.start] = p
    _listed_after_intro(finder, line, found)
    if found:
        _sentence_subjects(finder, line, found)
    if any(p.key for p in found.values()):
        found = {k: p for k, p in found.items() if p.key or p.mention or _beside_country(finder, p)}
    out: list[tuple[Party, bool]] = []
    for p in sorted(found.values(), key=lambda p: p.start):
        out.append((p, False))
        out += _enumerated(finder, line, p, found)
    seen: set[str] = set()
    unique: list[tuple[Party, bool]] = []
    for p, enumerated in sorted(out, key=lambda x: x[0].start):
        ident = p.key or p.name
        if ident not in seen:
            seen.add(ident)
            if unique and not enumerated and ENUMERATION.fullmatch(finder.text, unique[-1][0].end, p.start):
                enumerated = True
            if unique and enumerated and YEAR.search(finder.text, unique[-1][0].end, p.start):
                enumerated = False     # "Lublin (since 1972), Oradea (since 1991)": each item has its own date
            unique.append((p, enumerated))
    return unique


def _listed_after_intro(finder: PartyFinder, line: Line, found: dict[int, Party]) -> None:
    """The places that begin the clauses of a list introduced by "partners:" or "twin towns are"."""
    intro = [m for m in re.finditer(r"(?:\b(?:are|include|includes|comprise)|:)\s+", finder.text[line.start:line.end])
             if LIST_INTRO.search(finder.text, line.start, line.start + m.end())]
    if not intro:
        return
    start = line.start + intro[0].end()
    end = next((e for s, e in sentences(finder.text, line.start, line.end) if s <= start < e), line.end)
    for n in finder.in_line(line):
        if start <= n.start < end and n.kind in ("place", "unsure") and n.key != finder.home and \
                n.start not in found and (n.start == start or LIST_ITEM_BEFORE.search(finder.text, start, n.start)):
            p = finder.name_at(n.start, line)
            if p is not None:
                found[n.start] = replace(p, role="introduced")    # named in a list of partners


def _sentence_subjects(finder: PartyFinder, line: Line, found: dict[int, Party]) -> None:
    """In a line whose other sentences name partners in party positions, a sentence that names none but
    speaks of a partnership is about the first place it names (not where something happened): "The
    Commonwealth is represented by Kingston in Jamaica: a partnership agreement was signed there ..."."""
    for start, end in sentences(finder.text, line.start, line.end):
        if any(start <= pos < end for pos in found) or not PARTNERSHIP_WORD.search(finder.text, start, end):
            continue
        for n in finder.in_line(line):
            if start <= n.start < end and n.kind == "place" and n.key != finder.home and not n.weak:
                if not EVENT_PLACE.search(finder.text[max(start, n.start - 40):n.start]):
                    p = finder.name_at(n.start, line)
                    if p is not None:
                        found[n.start] = p
                break


def _beside_country(finder: PartyFinder, p: Party) -> bool:
    """An unknown name written with its country: "Mante (Mexico)", "Yateras, Cuba", "Kiruna in Sweden"."""
    return any(n.kind == "country" and 0 <= n.start - p.end <= 5 and
               re.fullmatch(r"\s*(?:\(|,|in)?\s*", finder.text[p.end:n.start]) for n in finder.names)


def _enumerated(finder: PartyFinder, line: Line, first: Party, found: dict[int, Party]) -> list[tuple[Party, bool]]:
    out: list[tuple[Party, bool]] = []
    last = first
    while True:
        m = ENUMERATION.match(finder.text, last.end, line.end)
        if not m or m.end() in found:
            return out
        p = finder.name_at(m.end(), line)
        if p is None or (p.key is None and first.key is not None and p.mention is None
                         and not _beside_country(finder, p)):
            return out
        out.append((p, True))
        last = p


Segment = tuple[Line, list[Party], tuple[int, int] | None]


def split(finder: PartyFinder, line: Line) -> list[Segment] | None:
    """A line naming several partners cut into segments, each with the partners it is about
    (none for a leading segment before the first partner's sentence) and, for a clause that
    continues another ("... and with Bergen on 9/24/1967"), the lead of the clause it continues
    ("the city signed sister city agreements with"); None for a line of one partner."""
    found = parties(finder, line)
    if len(found) < 2 or line.listed:
        return None
    groups: list[list[Party]] = []
    for p, enumerated in found:
        if enumerated and groups:
            groups[-1].append(p)
        else:
            groups.append([p])
    if len(groups) == 1 and len(groups[0]) == 1:
        return None
    first_sentence = next((s for s, e in sentences(finder.text, line.start, line.end) if s <= groups[0][0].start < e),
                          line.start)
    starts = [s for s, _ in sentences(finder.text, line.start, line.end)]
    homes = [n.end for n in finder.in_line(line) if n.key == finder.home]
    cuts = [first_sentence] + [_cut(finder.text, g_prev[-1].end, g[0].start, starts, homes)
                               for g_prev, g in itertools.pairwise(groups)]
    out: list[Segment] = []
    if first_sentence > line.start:
        out.append((_sub(line, finder.text, line.start, first_sentence), [], None))
    lead: tuple[int, int] | None = None
    last_end = next((e for s, e in sentences(finder.text, line.start, line.end) if s <= groups[-1][-1].start < e),
                    line.end)
    for i, group in enumerate(groups):
        end = cuts[i + 1] if i + 1 < len(cuts) else last_end
        segment = _sub(line, finder.text, cuts[i], end)
        own_sentence = any(s == segment.start for s in starts)
        if i == 0 or own_sentence:
            lead = (segment.start, group[0].start)
            out.append((segment, group, None))
        else:
            out.append((segment, group, lead))
    if last_end < line.end:       # the sentences after the last partner's: an ordinary line
        out.append((_sub(line, finder.text, last_end, line.end), [], None))
    return out


def _cut(text: str, previous: int, before: int, starts: list[int], homes: list[int]) -> int:
    """Where the clause of the next partner begins: the start of its sentence when the previous partner
    is in an earlier one (the sentence's opening date is the next partner's: "Ten years later, on 29 June
    2015, an agreement was signed with Y"), else the last ";", ", and", "and" or "," between the two
    (not the "and" of "<city> and Y", which belongs to Y's clause)."""
    own = [s for s in starts if previous <= s <= before]
    if own:
        return own[-1]
    cuts = [m for m in CLAUSE_CUT.finditer(text, previous, before)
            if not (m.group(0) == "and" and any(0 <= m.start() - h <= 6 for h in homes))]
    return cuts[-1].start() if cuts else previous


def _sub(line: Line, text: str, start: int, end: int) -> Line:
    while start < end and text[start] in " ,;":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return replace(line, start=start, end=end, text=text[start:end])
