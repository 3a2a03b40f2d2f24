"""Cutting page text into blocks, one per partner or city network.

The page is read line by line (a line is a paragraph, a list item or a table row).
A line is *debris* (boilerplate, or no letters), a *heading* (short, no document
and no full date: "ryga Ryga", "3 Linköping", "Images of logos ... Hiratsuka") or
*content*. A line's partner is the place in a party position: the other side of
"between <city> and X", "<city> and X", "relations with X" (or "with the French city of X"),
the subject of "X has been a partner of <city>", or the name a list or
table line begins with ("Germany Wuppertal ...", "Raahe (Finland) – ...",
"Raahe | Finland | ..."); failing that, the first gazetteer place the line names that
is not only where something happened ("in X", "visit to X"). A heading naming a
place opens that place's block; a content line naming another partner opens a new
block; a line naming none continues the block before it. A line naming a city
network opens a network block. Headings never make records by themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twinned.extract.mentions import NameMention
from twinned.extract.names import proper_name_at
from twinned.extract.resolve import LEAD_CHARS
from twinned.extract.text import is_boilerplate

ABBREVIATIONS = frozenset("mr mrs ms dr st prof no nr vs etc e.g i.e ca c approx h.e jan feb mar apr jun jul aug "
                          "sep sept oct nov dec co inc ltd jr sr gen hon rev".split())
PLACE_SUFFIX = r"(?:\s+(?:City|city|Town|town|Municipality|municipality|cities|towns|City Municipality))?"
PARTY_AFTER_HOME = re.compile(PLACE_SUFFIX + r"\s+and\s+(?:the\s+)?(?:(?:city|town|county|region) of\s+)?")
RELATION_WITH = re.compile(r"\b(?:relations?|relationships?|friendships?|friends|partners|partnerships?|"
                           r"co-?operation|agreements?|"
                           r"treat(?:y|ies)|memorand(?:um|a)|twinned|twinning|ties|links?|contacts|intent|charter|protocol|pact|"
                           r"signed|concluded|works|co-?operates|began|started)"
                           r"\s+(?:\w+\s+){0,2}with\s+(?:the\s+)?$",
                           re.IGNORECASE)
LINKED_TO = re.compile(r"\b(?:linked|tied|bound)\s+to\s+(?:the\s+)?$", re.IGNORECASE)     # "linked to Yokohama"
# "with the French city of Clermont-Ferrand", "the Argentine city of Santa Fe": the partner follows "of"
KIND_OF = re.compile(r"(?:the\s+)?(?:(?:[A-Z][\w-]+\s+){0,2}"
                     r"(?i:city|town|municipality|commune|village|port|borough)\s+of|"
                     r"(?:[A-Z][\w-]+\s+){1,2}(?i:metropolis|capital|port city|city|town))\s+")
ADJECTIVE_OF_KIND = re.compile(r"\s+(?:capital|city|town|port|village|municipality|region|province|county|"
                               r"government|people|side|partners?|delegation|embassy|ambassador)\b")
# "Santa Fe has been a partner of <city>", "Niigata became a partner in 1999", "Dresden, which had also been
# destroyed, was twinned with <city>": the partner is the subject
SUBJECT_PARTNER = re.compile(r"(?:\s*,[^,;.]{1,80},)?\s+(?:is|was|were|has\s+been|had\s+been|became|remains)\s+"
                             r"(?:also\s+|formally\s+|officially\s+)?(?:an?\s+|the\s+)?(?:\w+\s+){0,2}?"
                             r"(?:partners?|twin|twinned|sister)\b", re.IGNORECASE)
EVENT_PLACE = re.compile(r"(?:\b(?:in|at|to|visited|from)|visit to|came to|arrived in|\(\s*[^()]*\d{4},)"
                         r"\s*(?:the\s+)?$",
                         re.IGNORECASE)
LIST_SEPARATOR = re.compile(r"^\s*(?:,|\(|–|—|-|·|:|\|)")
NOT_NAMES = frozenset("The This That These Those Both Our Its Their It We They On In At Since With And Or A An "
                      "Letter Agreement Protocol Declaration Memorandum City Town Council Mayor Image Images Photo "
                      "Photos Picture Figure Caption Source Note Contact Information Gallery Video Map Logo Logos "
                      "Download Print Share Home Menu More News Partner Partners Sister Twin Friendship Country Nation "
                      "Signed Date "
                      "Year Since Established Population Region State Type Kind Status Website Notes Agreement "
                      "Partnership Cooperation Events Event Venue".split())
# a field of a key-value block naming the partner: "Partner city: Lübeck", "Twin town: Tours"
PARTNER_FIELD = re.compile(r"(?:[-–—*•·▪]\s*)?(?:(?:partner|twin|sister|friendship)\s+)?"
                           r"(?:city|town|municipality|partner)\s*:\s*", re.IGNORECASE)


NUMBER_CELL = re.compile(r"(?:#?\d{1,3}[.)]?\s*\|\s*)+")
BULLET = re.compile(r"(?:[-–—*•·▪‣]|\d{1,3}[.)])\s+")
AREA_HEADER = re.compile(r"\b(?:fields?|areas?|spheres?|topics?|themes?|domains?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str
    kind: str                      # debris | heading | content
    listed: bool = False           # a list item ("- Raahe, Finland ...") or a table row ("Raahe | Finland | ...")
    table: int | None = None       # the start of the table a row belongs to


def cells_of(text: str, line: Line) -> list[tuple[int, int]]:
    """The cells of a table row (`` | `` between them), as offsets."""
    out, pos = [], line.start
    for cell in line.text.split(" | "):
        s = pos + len(cell) - len(cell.lstrip())
        out.append((s, pos + len(cell.rstrip())))
        pos += len(cell) + 3
    return out


def area_column(text: str, line: Line) -> int | None:
    """The column of a header row that holds the fields of cooperation ("Fields of cooperation")."""
    if re.search(r"\d{4}", line.text):
        return None
    for i, (s, e) in enumerate(cells_of(text, line)):
        if AREA_HEADER.search(text[s:e]):
            return i
    return None


@dataclass(frozen=True)
class Party:
    """Who a line is about: a gazetteer key (resolved) or a name as found (unresolved)."""

    key: str | None
    name: str
    start: int
    end: int
    mention: NameMention | None
    role: str                      # party | list | mention | heading | event | content | introduced


@dataclass
class Block:
    kind: str                      # partnership | network
    key: str                       # place key, or name as found when unresolved; network key
    party: Party | None
    lines: list[Line] = field(default_factory=list)
    networks: list[NameMention] = field(default_factory=list)
    lead: tuple[int, int] | None = None   # a chained clause's lead ("signed sister city agreements with")


def lines_of(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        s = pos + len(raw) - len(raw.lstrip())
        e = pos + len(raw.rstrip())
        if e > s:
            out.append((s, e))
        pos += len(raw) + 1
    return out


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of text[start:end] (a line): split after . ! ? before a capital, digit or quote."""
    out, s = [], start
    for m in re.finditer(r"[.!?]+[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9À-Þ])", text[start:end]):
        cut = start + m.start()
        word = re.search(r"([\w.]+)$", text[s:cut])
        if word and (word.group(1).lower().rstrip(".") in ABBREVIATIONS
                     or word.group(1).lower().split(".")[-1] in ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        out.append((s, start + m.end()))
        s = start + m.end()
    if s < end:
        out.append((s, end))
    return [(a, b) for a, b in ((a, b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in out) if b > a]


def classify(text: str, start: int, end: int, has_document: bool, has_full_date: bool) -> str:
    line = text[start:end]
    if is_boilerplate(line) or not re.search(r"[^\W\d_]", line):
        return "debris"
    if BULLET.match(line) or " | " in line:
        return "content"
    words = line.split()
    if not has_document and not has_full_date and len(words) <= 8 and not re.search(r"[.!?]$", line):
        return "heading"
    return "content"


class PartyFinder:
    """Who a line is about, given the names found in the page and the publishing city."""

    def __init__(self, text: str, names: list[NameMention], home: str) -> None:
        self.text = text
        self.names = names
        self.home = home
        self.town_columns: dict[int, int] = {}     # table (its first row's start) → the partners' column

    def in_line(self, line: Line) -> list[NameMention]:
        return [n for n in self.names if line.start <= n.start and n.end <= line.end]

    def parties_in(self, line: Line) -> list[Party]:
        """Every partner the line names in a party position."""
        field = PARTNER_FIELD.match(self.text, line.start, line.end)
        if field:
            p = self._name_at(field.end(), line)
            return [Party(p.key, p.name, p.start, p.end, p.mention, "list")] if p else []
        names = self.in_line(line)
        homes = [n for n in names if n.kind == "place" and n.key == self.home]
        return (self._around_home(line, homes) + self._subjects(line, names) + self._relations(line)
                + self._list_head(line, names))

    def name_at(self, pos: int, line: Line) -> Party | None:
        """The place named at ``pos`` of a party position, after its kind ("the Brazilian metropolis X")."""
        kind = KIND_OF.match(self.text, pos, line.end)
        return self._name_at(kind.end() if kind else pos, line)

    def party(self, line: Line) -> Party | None:
        names = self.in_line(line)
        places = [n for n in names if n.kind == "place" and n.key != self.home and not n.weak]
        found = self.parties_in(line)
        known = [p for p in found if p.key]
        if known or found:
            return sorted(known or found, key=lambda p: p.start)[0]
        for n in places:
            before = self.text[max(line.start, n.start - 40):n.start]
            if not EVENT_PLACE.search(before):
                return Party(n.key, n.text, n.start, n.end, n, "mention")
        if places:
            return Party(places[0].key, places[0].text, places[0].start, places[0].end, places[0], "event")
        return None

    def _name_at(self, pos: int, line: Line) -> Party | None:
        """The place (known or not) whose name starts at ``pos``."""
        for n in self.names:
            if n.start == pos and n.kind == "place":
                return None if n.key == self.home else Party(n.key, n.text, n.start, n.end, n, "party")
            if n.start == pos and n.kind == "unsure":
                return Party(None, n.text, n.start, n.end, n, "party")
            if n.start == pos:
                return None
        m = proper_name_at(self.text, pos)
        if not m or m.end() > line.end:
            return None
        name = re.sub(r"(?:\s+(?:City|Town|Municipality|Council|City Council|Cities))+$", "", m.group(0))
        first = name.split()[0] if name.split() else ""
        if not name or first in NOT_NAMES or any(n.start < pos + len(name) and n.end > pos for n in self.names):
            return None
        if ADJECTIVE_OF_KIND.match(self.text, pos + len(name)):
            return None       # "the Polish capital", "the Welsh port": an adjective, not a place
        return Party(None, name, pos, pos + len(name), None, "party")

    def _around_home(self, line: Line, homes: list[NameMention]) -> list[Party]:
        """The other side of "<city> and X" and "between X and <city>"."""
        out = []
        for h in homes:
            after = PARTY_AFTER_HOME.match(self.text, h.end, line.end)
            if after:
                p = self._name_at(after.end(), line)
                if p:
                    out.append(p)
            before = self.text[line.start:h.start]
            tail = re.search(PLACE_SUFFIX + r"\s+and\s+$", before)
            if not tail:
                continue
            ends = line.start + tail.start()
            starts = [line.start + m.end() for m in re.finditer(
                r"(?:^|\b(?:between|of|with)\s+(?:the\s+)?(?:(?:cities|towns|municipalities)\s+of\s+)?)", before)]
            starts += [n.start for n in self.names if n.end == ends and n.kind in ("place", "unsure")]
            for pos in sorted(set(starts), reverse=True):
                p = self._name_at(pos, line)
                if p and p.end == ends:
                    out.append(p)
                    break
        return out

    def _subjects(self, line: Line, names: list[NameMention]) -> list[Party]:
        """A place that is the subject of "has been a partner of", "became a sister city", "was twinned"."""
        out = []
        for n in names:
            if n.kind == "place" and n.key != self.home and SUBJECT_PARTNER.match(self.text, n.end, line.end):
                p = self._name_at(n.start, line)
                if p:
                    out.append(p)
        return out

    def _relations(self, line: Line) -> list[Party]:
        out = []
        for m in re.finditer(r"\b(?:with|to)\s+(?:the\s+)?", self.text[line.start:line.end]):
            pos = line.start + m.end()
            if RELATION_WITH.search(self.text[line.start:pos]) or LINKED_TO.search(self.text[line.start:pos]):
                kind = KIND_OF.match(self.text, pos, line.end)
                p = self._name_at(kind.end() if kind else pos, line)
                if p:
                    out.append(p)
        return out

    def _list_head(self, line: Line, names: list[NameMention]) -> list[Party]:
        """A list or table line begins with the partner, or with its country and then the partner; a table
        row has it in the table's column of towns."""
        if line.table is not None and line.table in self.town_columns:
            cells = cells_of(self.text, line)
            column = self.town_columns[line.table]
            header = line.start == line.table and not re.search(r"\d{4}", line.text)
            p = self._name_at(cells[column][0], line) if column < len(cells) and not header else None
            return [Party(p.key, p.name, p.start, p.end, p.mention, "list")] if p else []
        bullet = BULLET.match(self.text, line.start, line.end)
        pos = bullet.end() if bullet else line.start
        number = NUMBER_CELL.match(self.text, pos, line.end) if line.table is not None else None
        pos = number.end() if number else pos      # a running number before the partner's cell
        lead = [n for n in names if n.start == pos]
        if lead and lead[0].kind == "country":
            rest = re.match(r"[\s\-–—,:|]*(?:[A-Z][\w.]*\s+)?", self.text[lead[0].end:line.end])
            pos = lead[0].end + (len(rest.group(0)) if rest else 0)
            following = [n for n in names if n.kind == "place" and lead[0].end <= n.start <= pos + 1]
            if following:
                n = following[0]
                return [] if n.key == self.home else [Party(n.key, n.text, n.start, n.end, n, "list")]
            p = self._name_at(pos, line)
            return [Party(p.key, p.name, p.start, p.end, p.mention, "list")] if p else []
        p = self._name_at(pos, line)
        if p and LIST_SEPARATOR.match(self.text[p.end:line.end]):
            return [Party(p.key, p.name, p.start, p.end, p.mention, "list")]
        if p and p.key and line.kind == "heading":
            return [Party(p.key, p.name, p.start, p.end, p.mention, "list")]
        return []


TOWN_HEADER = re.compile(r"\b(?:cit(?:y|ies)|towns?|partners?|municipalit(?:y|ies)|communes?|places?|name)\b",
                         re.IGNORECASE)


def town_columns(text: str, lines: list[Line], names: list[NameMention], home: str) -> dict[int, int]:
    """For each table, the column of its partners: the one whose cells most often begin with a place of
    the gazetteer (not the publishing city), else the one whose header names towns ("Sister City")."""
    rows: dict[int, list[Line]] = {}
    for line in lines:
        if line.table is not None:
            rows.setdefault(line.table, []).append(line)
    starts = {n.start for n in names if n.kind in ("place", "unsure") and n.key != home}
    out: dict[int, int] = {}
    for table, table_rows in rows.items():
        counts: dict[int, int] = {}
        for row in table_rows:
            for i, (s, _) in enumerate(cells_of(text, row)):
                if s in starts:
                    counts[i] = counts.get(i, 0) + 1
        best = max(sorted(counts), key=lambda i: counts[i], default=None)
        if best is not None and counts[best] * 2 >= len(table_rows) - 1:
            out[table] = best
            continue
        header = [i for i, (s, e) in enumerate(cells_of(text, table_rows[0])) if TOWN_HEADER.search(text[s:e])]
        if header and not re.search(r"\d{4}", table_rows[0].text):
            out[table] = header[0]
    return out


def heading_place(finder: PartyFinder, line: Line) -> Party | None:
    """The place a heading names (its last gazetteer place other than the publishing city)."""
    alone = [n for n in finder.in_line(line) if n.kind in ("place", "unsure") and n.key != finder.home
             and not finder.text[line.start:n.start].strip(LEAD_CHARS) and not finder.text[n.end:line.end].strip()]
    if alone:
        n = alone[0]
        return Party(n.key if n.kind == "place" else None, n.text, n.start, n.end, n, "heading")
    places = [n for n in finder.in_line(line) if n.kind == "place" and n.key != finder.home and not n.weak]
    if places:
        n = places[-1]
        return Party(n.key, n.text, n.start, n.end, n, "heading")
    return finder.party(line)
