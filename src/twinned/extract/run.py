"""One extraction run over a page's text (steps 3–11 of docs/extraction.md): its lines and
blocks, the partner or network each block is about, when relations began, and the memberships.
:class:`Run` reads with what an :class:`~twinned.extract.pipeline.Extractor` loaded (the
:class:`Setting` it needs); the document rules are mixed in from ``extract.documents``.
"""

from __future__ import annotations

import re
from typing import Protocol

from twinned.extract.areas import TRIGGER as AREA_TRIGGER
from twinned.extract.blocks import (
    BULLET,
    TOWN_HEADER,
    Block,
    Line,
    Party,
    PartyFinder,
    area_column,
    classify,
    heading_place,
    lines_of,
    sentences,
    town_columns,
)
from twinned.extract.dates import DateMention, find_dates
from twinned.extract.documents import BROADER, RENEWAL_WORD, DocumentReader, Schemes, _name_documents
from twinned.extract.fold import fold_name
from twinned.extract.mentions import NameMention
from twinned.extract.model import (
    Document,
    Evidence,
    Home,
    Membership,
    Partnership,
    Signing,
    Stub,
)
from twinned.extract.names import NameIndex, proper_name_at
from twinned.extract.parties import Segment, split
from twinned.extract.resolve import Links
from twinned.extract.text import is_boilerplate
from twinned.extract.types import TypeReading, find_documents
from twinned.records.model import Gazetteer

BEGAN = re.compile(r"\b(?:since|began|begun|begins|started|starts|commenced|goes back to|go back to|became|"
                   r"dates back to|date back to|dates from|date from|joined|initiated|established|first contacts?|"
                   r"roots|twinned|formali[sz]ed|"
                   r"beginning of (?:the )?(?:relations|partnership|cooperation|co-operation|friendship))\b",
                   re.IGNORECASE)
ANNOTATION = re.compile(r"(?:\s*(?:City|Town|County|Region))?(?:\s*,\s*[^,()\d]{2,40}?)?\s*\(")
ITEM_SEPARATOR = re.compile(r"\s*(?:\(|,|–|—|-|·|:|\|)")
NOT_A_PARTNER = re.compile(r"\b(?:is|are|was|were)\s+(?:not|no longer)\s+(?:an?\s+|our\s+)?(?:official\s+)?"
                           r"(?:twin|sister|partner)", re.IGNORECASE)
ENDED = re.compile(r"\b(?:suspend\w*|ended|end|terminat\w*|until|froze\w*|cancel\w*|dissolv\w*)\W+(?:\w+\W+)?$",
                   re.IGNORECASE)
MEMBER = re.compile(r"\b(?:member|members|membership|joined|join)\b", re.IGNORECASE)
PARTNERSHIP_CUES = re.compile(r"\b(?:twin\w*|sister|partner\w*|friendship|friendly relations|relations|"
                              r"co-?operation)\b", re.IGNORECASE)


class Setting(Schemes, Protocol):
    """What a run reads with: the names, the gazetteer, the links and the schemes (an Extractor)."""

    @property
    def index(self) -> NameIndex: ...
    @property
    def gazetteer(self) -> Gazetteer: ...
    @property
    def links(self) -> Links: ...
    @property
    def date_order(self) -> str | None: ...


class Run(DocumentReader):
    """One extraction: the page's names, dates and lines, and what was built from them."""

    ex: Setting

    def __init__(self, ex: Setting, text: str, home: Home) -> None:
        self.ex = ex
        self.text = text
        self.home = home.key
        self.names = ex.index.find(text, ex.gazetteer.places[home.key].identity.wikidata
                                   if home.key in ex.gazetteer.places else None, ex.links)
        if home.stub is not None:
            self.names = _home_names(text, home.stub, self.names)
        self.dates = find_dates(text, ex.date_order)
        self.date_spans = [(d.start, d.end) for d in self.dates]
        self.docs = find_documents(text, dates=self.date_spans)
        self.finder = PartyFinder(text, self.names, self.home)
        self.lines = self._lines()
        self.finder.town_columns = town_columns(text, self.lines, self.names, self.home)
        self.area_columns = {line.table: c for line in self.lines if line.table is not None
                             for c in [area_column(text, line)] if c is not None}
        self.used: set[int] = set()          # starts of dates already given to a field
        self.stubs: dict[str, Stub] = {home.key: home.stub} if home.stub else {}

    # -- lines and blocks --------------------------------------------------------------

    def _lines(self) -> list[Line]:
        out: list[Line] = []
        table: int | None = None
        for s, e in lines_of(self.text):
            has_doc = any(s <= d.start < e for d in self.docs)
            has_full = any(s <= d.start < e and (d.kind in ("day", "iso", "numeric", "month")
                                                 or d.preposition == "since"
                                                 or bool(PARTNERSHIP_CUES.search(self.text, s, e)))
                           for d in self.dates)
            row = " | " in self.text[s:e]
            table = (table if table is not None else s) if row else None
            item = self._item(s, e) and not is_boilerplate(self.text[s:e])
            listed = row or item or bool(BULLET.match(self.text, s, e))
            kind = "content" if item else classify(self.text, s, e, has_doc, has_full)
            out.append(Line(s, e, self.text[s:e], kind, listed, table))
        return out

    def _item(self, s: int, e: int) -> bool:
        """A list item without a bullet: a line that begins with a place, then a separator, and gives
        a date ("Bobigny (France) · 1974", "Tartu, Estonia — 1990")."""
        lead = next((n for n in self.names if n.start == s and n.kind in ("place", "unsure")), None)
        end = lead.end if lead else (m.end() if (m := proper_name_at(self.text, s)) and m.end() <= e else None)
        return end is not None and bool(ITEM_SEPARATOR.match(self.text, end, e)) and \
            any(s <= d.start < e for d in self.dates) and len(self.text[s:e].split()) <= 12

    def blocks(self) -> tuple[list[Partnership], list[Membership]]:
        blocks: list[Block] = []
        current: Block | None = None
        for line in self._segments():
            if isinstance(line, tuple):
                sub, group, lead = line
                blocks += [Block("partnership", _party_key(p), p, [sub], lead=lead) for p in group]
                current = blocks[-1]
                continue
            if line.kind == "debris":
                continue
            networks = [n for n in self.finder.in_line(line) if n.kind == "network"]
            party = heading_place(self.finder, line) if line.kind == "heading" else self.finder.party(line)
            if networks and (party is None or party.role in ("mention", "event")):
                if current is not None and current.kind == "network" and current.key == networks[0].key:
                    current.lines.append(line)
                    current.networks += networks
                else:
                    current = Block("network", networks[0].key, None, [line], networks)
                    blocks.append(current)
                continue
            if party is not None and (current is None or current.kind == "network" or
                                      _party_key(party) != current.key) and \
                    (party.role != "event" or current is None or current.kind == "network"):
                current = Block("partnership", _party_key(party), party, [line])
                blocks.append(current)
            elif current is not None and self._connects(line):
                current.lines.append(line)
        partnerships = self._merge([self._partnership(b) for b in blocks if b.kind == "partnership"])
        memberships: dict[str, Membership] = {}
        for b in blocks:
            for m in self._memberships(b) if b.kind == "network" else ():
                if m.network in memberships:
                    first = memberships[m.network]
                    first.lines += [line for line in m.lines if line not in first.lines]
                    if first.since is None:
                        first.since, first.since_qualifier = m.since, m.since_qualifier
                else:
                    memberships[m.network] = m
        return partnerships, list(memberships.values())

    def _segments(self) -> list[Line | Segment]:
        """The page's lines, a line naming several partners cut into their clauses (extract.parties)."""
        out: list[Line | Segment] = []
        for line in self.lines:
            parts = split(self.finder, line) if line.kind == "content" else None
            if parts is None:
                out.append(line)
                continue
            out += [sub if not group else (sub, group, lead) for sub, group, lead in parts]
        return out

    def _connects(self, line: Line) -> bool:
        """A line naming no partner continues the block before it only if it says something a record
        can use: a document, a date, a place, a renewal or cooperation in some field."""
        inside = [x for x in (self.docs + self.dates + self.names) if line.start <= x.start < line.end]
        if line.kind == "heading":
            return False
        return bool(inside) or bool(RENEWAL_WORD.search(line.text) or AREA_TRIGGER.search(line.text))

    def _merge(self, found: list[Partnership | None]) -> list[Partnership]:
        by_key: dict[str, Partnership] = {}
        for p in found:
            if p is None:
                continue
            if p.partner in by_key:
                first = by_key[p.partner]
                first.lines += p.lines
                first.documents += p.documents
                first.areas += [a for a in p.areas if a.area not in {x.area for x in first.areas}]
                first.began = first.began or p.began
            else:
                by_key[p.partner] = p
        for p in by_key.values():
            _drop_repeats(p)
        return list(by_key.values())

    # -- one partner ---------------------------------------------------------------------

    def _partnership(self, block: Block) -> Partnership | None:
        assert block.party is not None
        self.used = set()      # lines a partner shares with others (an enumeration) give each the same dates
        content = [line for line in block.lines if line.kind == "content"]
        party = self._best_party(block)
        if self._denied(party, content):
            return None
        resolved = party.key is not None
        key = party.key if party.key is not None else stub_key(party.name, self.ex.gazetteer)
        p = Partnership(key, party, resolved, self._passage_lines(block))
        annotations = self._annotations(block)
        self.used |= {d.start for d in annotations}
        for line in content:
            self._read_line(p, line)
        self._began(p, content)
        years = {doc.year for doc in p.documents}
        for d in annotations:
            if (d.preposition == "since" or d.date.year not in years) and (p.began is None or d.date < p.began.date):
                p.began = d
        p.country = self._country(block, party)
        if block.lead and not p.documents:
            self._from_lead(p, block.lead, content)
        if not p.documents and not self._table_of_partners(block):
            return None
        if not p.documents:
            if not content or not (p.began or any(PARTNERSHIP_CUES.search(line.text) for line in content)
                                   or self._in_a_list_of_partners(block, party)
                                   or (block.party.role == "introduced" and party.key is not None)):
                return None
            p.placeholder = True
        _name_documents(p)
        if not resolved:
            self._stub(p, block)
        return p

    def _table_of_partners(self, block: Block) -> bool:
        """A table row names a partner only in a table about partners: its header row or the heading
        before it speaks of towns or twinning (not "Events 2026 | Date | Event | Venue")."""
        table = block.lines[0].table
        if table is None:
            return True
        header = next((line for line in self.lines if line.start == table), None)
        before = [line for line in self.lines if line.end <= table and line.kind != "debris"]
        return any(x is not None and bool(TOWN_HEADER.search(x.text) or PARTNERSHIP_CUES.search(x.text))
                   for x in (header, before[-1] if before else None))

    def _denied(self, party: Party, content: list[Line]) -> bool:
        """The sentence naming the partner says it is not one ("Florence is not a twin town, but ...")."""
        for line in content:
            for s, e in sentences(self.text, line.start, line.end):
                if s <= party.start < e and NOT_A_PARTNER.search(self.text, s, e):
                    return True
        return False

    def _in_a_list_of_partners(self, block: Block, party: Party) -> bool:
        """A list item or table row that begins with a known partner (or an unknown one with its country),
        in a list whose heading or introduction speaks of twinning ("Nantes is twinned with:")."""
        first = block.lines[0]
        if not first.listed or party.role not in ("list", "content") or \
                (party.key is None and self._country(block, party) is None):
            return False
        before = [line for line in self.lines if line.end <= first.start and not line.listed and line.kind != "debris"]
        return bool(before) and bool(PARTNERSHIP_CUES.search(before[-1].text))

    def _from_lead(self, p: Partnership, lead: tuple[int, int], content: list[Line]) -> None:
        """A clause continuing another ("... and with Bergen, Norway on 9/24/1967") reads its date with the
        lead of the clause it continues: a document named there, or a wording of when relations began."""
        dates = [d for line in content for d in self._free_dates(line.start, line.end)]
        named = [m for m in self.docs if lead[0] <= m.start < lead[1]]
        if named:
            reading = self.ex.types.read(named[-1].title, named[-1].head)
            doc = Document(named[-1], reading.type, TypeReading(reading.type, min(reading.confidence, 0.8),
                                                                f"{reading.how}; named in the clause it continues"))
            if dates:
                doc.signings = [Signing(dates[0])]
                self.used.add(dates[0].start)
            p.documents.append(doc)
        elif dates and BEGAN.search(self.text, lead[0], lead[1]) and p.began is None:
            p.began = dates[0]
            self.used.add(dates[0].start)

    def _best_party(self, block: Block) -> Party:
        """The block's party as named in its content if it is named there (better evidence than a heading)."""
        assert block.party is not None
        for line in block.lines:
            if line.kind != "content":
                continue
            for n in self.finder.in_line(line):
                if n.kind == "place" and n.key == block.party.key:
                    return Party(n.key, n.text, n.start, n.end, n, "content")
        return block.party

    def _annotations(self, block: Block) -> list[DateMention]:
        """Years in parentheses right after the partner's name (and country): "Odense, Denmark (1946)",
        "Yaotsu, Japan (2019)". They say when the partnership began: the year of its first document,
        or a start of its own."""
        assert block.party is not None
        out = []
        for line in block.lines:
            names = [n for n in self.finder.in_line(line) if n.kind == "place" and n.key == block.party.key]
            starts = [n.end for n in names] + ([block.party.end] if line.start <= block.party.start < line.end else [])
            for end in starts:
                m = ANNOTATION.match(self.text[end:line.end])
                if not m:
                    continue
                inside = [d for d in self.dates if d.start >= end + m.end() - 1 and
                          re.fullmatch(r"\s*(?:[^\W\d][^(),\d]{1,40},\s*)?", self.text[end + m.end():d.start]) and
                          re.match(r"\s*\)", self.text[d.end:line.end])]
                out += [d for d in inside if d not in out]
        return out

    def _passage_lines(self, block: Block) -> list[Line]:
        lines = [line for line in block.lines if line.kind == "content" or re.search(r"\d{4}", line.text)]
        return lines or block.lines

    def _stub(self, p: Partnership, block: Block) -> None:
        party, key = p.party, p.partner
        if key not in self.stubs:
            country = self._country(block, party)
            kind = "city"
            for word, k in (("county", "county"), ("region", "region"), ("province", "region"), ("oblast", "region"),
                            ("district", "district"), ("kreis", "district"), ("town", "town")):
                if word in party.name.lower().split():
                    kind = k
            self.stubs[key] = Stub(key, party.name, kind, country[0] if country else None,
                                   Evidence(party.name, party.start, party.end, 0.4, "not in data/places.yaml"),
                                   party.mention.candidates if party.mention else ())

    def stub_list(self) -> list[Stub]:
        return sorted(self.stubs.values(), key=lambda s: s.key)

    def _country(self, block: Block, party: Party) -> tuple[str, Evidence] | None:
        """A country named right beside the partner ("Germany Wuppertal", "Toruń City (Poland)")."""
        for line in block.lines:
            for n in self.finder.in_line(line):
                if n.kind != "country":
                    continue
                between = self.text[min(n.end, party.end):max(n.start, party.start)]
                if line.start <= party.start < line.end and len(between) <= 25 and "\n" not in between:
                    return n.key, Evidence(n.text, n.start, n.end, 0.9, n.key)
        return None

    # -- began, memberships -----------------------------------------------------------------

    def _began(self, p: Partnership, content: list[Line]) -> None:
        """When relations began: a date no document took, after "since", "began", "goes back to" ..."""
        for line in content:
            for s, e in sentences(self.text, line.start, line.end):
                for d in self._free_dates(s, e):
                    lo = max([s, d.start - 60] + [m.end for m in self.docs if s <= m.end <= d.start])
                    if d.preposition != "since" and not BEGAN.search(self.text, lo, d.end):
                        continue
                    if p.began is None or d.date < p.began.date:
                        p.began = d
        if p.began is None and not p.documents:
            p.began = self._listed_date(content)
        if p.began:
            self.used.add(p.began.start)

    def _listed_date(self, content: list[Line]) -> DateMention | None:
        """A list item or table row naming a partner and a date but no document ("Tartu, Estonia — 1990",
        "Germany | Wiesbaden | twin city | 1961"): the date is when the partnership began."""
        for line in content:
            if not line.listed or any(line.start <= d.start < line.end for d in self.docs):
                continue
            for d in self._free_dates(line.start, line.end):
                if not ENDED.search(self.text, max(line.start, d.start - 25), d.start):
                    return d
        return None

    def _memberships(self, block: Block) -> list[Membership]:
        home_names = {n.text for n in self.names if n.kind == "place" and n.key == self.home}
        statements = [line for line in block.lines if MEMBER.search(line.text)
                      and (any(h in line.text for h in home_names) or re.search(r"\b(?:we|our)\b", line.text, re.I))]
        if not statements:
            return []
        since, qualifier = None, None
        for line in statements:
            for s, e in sentences(self.text, line.start, line.end):
                if not MEMBER.search(self.text[s:e]):
                    continue
                for d in self._free_dates(s, e):
                    if since is None:
                        since = d
                        joined = re.search(r"\bjoined\b(.*)$", self.text[s:d.start], re.IGNORECASE)
                        qualifier = "not-before" if joined and re.search(r"\bafter\b", joined.group(1)) else None
        out = []
        seen: set[str] = set()
        for n in block.networks:
            if n.key in seen:
                continue
            seen.add(n.key)
            first = n is block.networks[0]
            out.append(Membership(n.key, n, block.lines, since if first else None, qualifier if first else None))
        return out


def _home_names(text: str, stub: Stub, names: list[NameMention]) -> list[NameMention]:
    """The publishing city's own name, where the gazetteer does not know it."""
    own = [NameMention(m.start(), m.end(), m.group(0), "place", stub.key, "the publishing city (--city)", True)
           for m in re.finditer(rf"(?<!\w){re.escape(stub.name)}(?!\w)", text, re.IGNORECASE)]
    kept = [n for n in names if not any(o.start < n.end and n.start < o.end for o in own)]
    return sorted(kept + own, key=lambda n: n.start)


def _drop_repeats(p: Partnership) -> None:
    """A document named again (the headline's undated "partnership treaty"; "the agreement was signed on
    November 17, 1959" beside "sister city agreement signed 11/17/1959") is one document: an undated one of
    a dated one's type or broader type, or a broader-typed one of the same date, goes."""
    kept: list[Document] = []
    needed = {id(d.renews) for d in p.documents if d.renews} | {id(d.follows) for d in p.documents if d.follows}
    for doc in p.documents:
        dates = {str(s.date.date) for s in doc.signings if s.date}
        others = [d for d in p.documents if d is not doc]
        repeat = (not dates and any(doc.type in (d.type, BROADER.get(d.type)) and any(s.date for s in d.signings)
                                    for d in others)) or \
            (doc.type in ("agreement", "memorandum") and any(
                BROADER.get(d.type) == doc.type and dates and dates <= {str(s.date.date) for s in d.signings if s.date}
                for d in others))
        if repeat and id(doc) not in needed and doc.renews is None:
            continue
        kept.append(doc)
    if len(kept) < len(p.documents):
        p.documents = kept
        _name_documents(p)


def stub_key(name: str, gazetteer: Gazetteer) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold_name(name)).strip("-") or "unknown-place"
    return base if base not in gazetteer.places else f"{base}-unresolved"


def _party_key(party: Party) -> str:
    return party.key or f"?{fold_name(party.name)}"
