"""Reading documents in a partner's lines: which mentions are new documents and which refer to
earlier ones, their dates, renewals, signing places and venues, and the areas they name
(steps 6–10 of docs/extraction.md). A mixin of the extractor's run (:class:`twinned.extract.run.Run`)."""

from __future__ import annotations

import re
from typing import Protocol

from twinned.extract.areas import AreaMention, AreaScheme
from twinned.extract.blocks import Line, PartyFinder, cells_of, sentences
from twinned.extract.dates import DateMention
from twinned.extract.mentions import NameMention
from twinned.extract.model import Document, Evidence, Partnership, Signing
from twinned.extract.types import DocMention, TypeReading, TypeScheme

INTENT_TYPES = frozenset({"letter-of-intent", "protocol-of-intent", "letter-of-interest", "declaration-of-intent",
                          "council-decision"})
BROADER = {"twinning-agreement": "agreement", "cooperation-agreement": "agreement",
           "partnership-agreement": "agreement", "friendship-agreement": "agreement",
           "memorandum-of-understanding": "memorandum", "memorandum-of-cooperation": "memorandum",
           "letter-of-intent": "intent", "protocol-of-intent": "intent", "letter-of-interest": "intent",
           "declaration-of-intent": "intent"}
HEAD_CLASS = {"agreement": "agreement", "memorandum": "memorandum", "letter": "intent", "protocol": "protocol",
              "declaration": "declaration"}
NAMED_BEFORE = re.compile(r"\b(?:called|named|so-called|known as|referred to as)\s+(?:the\s+|a\s+|an\s+)?$",
                          re.IGNORECASE)
REFERENCE_BEFORE = re.compile(r"(?:\b(?:concerning|regarding|about|under|following|towards|called|named|"
                              r"so-called|known as|according to|in accordance with|pursuant to|by this|in this|"
                              r"this|that|these|said|same|such)\s+(?:the\s+|a\s+|an\s+)?)$", re.IGNORECASE)
SIGNED_AFTER = re.compile(r"^[^.;]{0,80}?\b(?:signed|concluded|adopted|took place|entered into|was approved|"
                          r"were approved|dated)\b", re.IGNORECASE)
SIGNED_BEFORE = re.compile(r"\b(?:signed|concluded|adopted|sign|signing of)\s+(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE)
RENEWED = r"(?:renewed|reaffirmed|reconfirmed|extended|prolonged)"
RENEWED_AFTER = re.compile(rf"\s+(?:was|were|has been|had been|is|have been)\s+(?:\w+\s+)?{RENEWED}\b", re.IGNORECASE)
RENEWAL_WORD = re.compile(rf"\b(?:{RENEWED}|renewals?)\b", re.IGNORECASE)
THIS_OCCASION = re.compile(r"\b(?:during|on|at)\s+(?:this|that|the same)\s+(?:visit|stay|occasion|meeting|trip|"
                           r"event|ceremony)\b", re.IGNORECASE)
SIGNED_FIELD = re.compile(r"(?:[-–—*•·▪]\s*)?(?:signed|date|date of signing|concluded|agreement signed)\s*:",
                          re.IGNORECASE)
APPROVAL = re.compile(r"\b(?:approv\w*|decision|resolution|consent|vote)\b", re.IGNORECASE)
VENUE_BUILDING = re.compile(r"(?:['’]s)?(?:\s+[A-Z][\w-]*){0,3}\s+(?:Hall|Castle|Palace|Cathedral|Theatre|Theater|"
                            r"Hotel|Museum|Library|Chamber|Guildhall|Square|Plaza|Center|Centre|House|Building)\b")
VENUE_OCCASION = re.compile(r"\b(?:during|on the occasion of)\s+((?:the|a|an)\s+[^,.;()]+)", re.IGNORECASE)


class Schemes(Protocol):
    """The schemes the document rules read with (an Extractor has them)."""

    @property
    def types(self) -> TypeScheme: ...
    @property
    def areas(self) -> AreaScheme: ...


class DocumentReader:
    """The document, date and signing rules of one extraction run (mixed into ``_Run``)."""

    ex: Schemes
    text: str
    names: list[NameMention]
    dates: list[DateMention]
    docs: list[DocMention]
    finder: PartyFinder
    area_columns: dict[int | None, int]
    used: set[int]

    # -- documents -------------------------------------------------------------------------

    def _read_line(self, p: Partnership, line: Line) -> None:
        last_in_line: Document | None = None
        previous: tuple[int, int] | None = None
        party = self.finder.party(line)
        listed = line.listed or (party is not None and party.role == "list")
        if self._signed_field(p, line):
            return
        for s, e in sentences(self.text, line.start, line.end):
            mentions = [d for d in self.docs if s <= d.start < e]
            new_docs, referenced = self._documents(p, mentions, s, e, previous, listed)
            p.documents += new_docs
            renewals = self._renewal_dates(p, s, e, (new_docs + referenced)[-1:])
            p.documents += renewals
            new_docs += renewals
            if new_docs:
                last_in_line = new_docs[-1]
            target = (new_docs[-1] if new_docs and not new_docs[-1].from_list else referenced[-1] if referenced
                      else last_in_line if last_in_line and not last_in_line.from_list else None)
            areas = self.ex.areas.in_sentence(self.text, s, e, [(m.start, m.end) for m in mentions])
            areas += self._area_cells(line, s, e)
            holder = target.areas if target else p.areas
            holder += [a for a in areas if a.area not in {x.area for x in holder}]
            previous = (s, e)

    def _signed_field(self, p: Partnership, line: Line) -> bool:
        """A key-value line "Signed: 12 Mar 1968" (or "Date:") dates the block's last undated document."""
        if not SIGNED_FIELD.match(self.text, line.start, line.end):
            return False
        undated = [d for d in p.documents if not any(s.date for s in d.signings)]
        dates = self._doc_dates(line.start, line.end)
        if not undated or not dates:
            return False
        undated[-1].signings = [Signing(dates[0])] + [s for s in undated[-1].signings if not s.date][:0]
        self.used.add(dates[0].start)
        return True

    def _area_cells(self, line: Line, s: int, e: int) -> list[AreaMention]:
        """In a table whose header names a column of fields ("Fields of cooperation"), that column's cell."""
        column = self.area_columns.get(line.table)
        if column is None or " | " not in line.text:
            return []
        cells = cells_of(self.text, line)
        if column >= len(cells) or not (s <= cells[column][0] < e):
            return []
        return self.ex.areas.in_sentence(self.text, *cells[column], force=True)

    def _documents(self, p: Partnership, mentions: list[DocMention], s: int, e: int,
                   previous: tuple[int, int] | None, listed: bool) -> tuple[list[Document], list[Document]]:
        """The documents a sentence introduces (dated, signed, renewed, or listed) and those it refers to."""
        new: list[Document] = []
        referenced: list[Document] = []
        live = [m for m in mentions if not REFERENCE_BEFORE.search(self.text[s:m.start])]
        for i, m in enumerate(live):
            lo = live[i - 1].end if i else s
            hi = live[i + 1].start if i + 1 < len(live) else e
            renewal = m.head == "renewal" or bool(RENEWED_AFTER.match(self.text, m.end))
            after = [d for d in self._doc_dates(m.end, hi)
                     if renewal or not RENEWAL_WORD.search(self.text[m.end:d.start])]
            before = [d for d in self._doc_dates(lo, m.start)]
            clause_end = self.text.find(";", m.end, hi)
            if before and after and 0 <= clause_end < after[0].start:
                after = []      # "In 1991 X and Y signed a friendship agreement; ... again in 2016"
            signed = bool(SIGNED_AFTER.match(self.text[m.end:hi]) or SIGNED_BEFORE.search(self.text[lo:m.start]))
            dates = after or before[-1:]
            if not dates and previous and (renewal or signed) and THIS_OCCASION.search(self.text[s:e]):
                dates = self._doc_dates(*previous)[-1:]
                lo = previous[0]
            if renewal and p.documents + new:
                docs = self._renewals(p, new, m, list(dates) or [None], lo, hi)
            elif not dates and p.documents + new and _bare_definite(self.text, lo, m):
                ref = self._resolve(p.documents + new, m)     # "where the agreement with X was signed"
                if ref:
                    referenced.append(ref)
                continue
            elif dates or signed or (listed and not new and not p.documents):
                docs = [self._new_document(p, new, m, dates, lo, hi)]
            else:
                ref = self._resolve(p.documents + new, m)
                if ref:
                    referenced.append(ref)
                continue
            for d in dates:
                self.used.add(d.start)
            new += docs
        for m in mentions:
            if m in live:
                continue
            if NAMED_BEFORE.search(self.text[s:m.start]) and new:
                new[-1].aliases.append(self.ex.types.read(m.title, m.head).type)   # "(which is called X)"
                continue
            ref = self._resolve(p.documents + new, m)
            if ref:
                referenced.append(ref)
        return new, referenced

    def _free_dates(self, lo: int, hi: int) -> list[DateMention]:
        return [d for d in self.dates if lo <= d.start and d.end <= hi and d.start not in self.used]

    def _doc_dates(self, lo: int, hi: int) -> list[DateMention]:
        """Dates a document may have been signed on: not "since ..." (when relations began)."""
        return [d for d in self._free_dates(lo, hi) if d.preposition != "since"]

    def _new_document(self, p: Partnership, new: list[Document], m: DocMention, dates: list[DateMention],
                      lo: int, hi: int) -> Document:
        reading = self.ex.types.read(m.title, m.head)
        doc = Document(m, reading.type, reading)
        doc.signings = self._signings(p, dates[:1] + [d for d in dates[1:] if self._place_near(p, d)], lo, hi, m)
        if doc.signings and doc.signings[0].date and doc.signings[0].date.end <= m.start and \
                APPROVAL.search(self.text[max(lo, doc.signings[0].date.start - 40):doc.signings[0].date.start]):
            doc.signings[0].doubt = "the date of an approval the signing came with, not said to be the signing's"
        earlier = [d for d in p.documents + new if d.type in INTENT_TYPES and d.type != doc.type]
        if earlier and doc.type not in INTENT_TYPES:
            doc.follows = earlier[-1]
        return doc

    def _renewals(self, p: Partnership, new: list[Document], m: DocMention, dates: list[DateMention] | list[None],
                  lo: int, hi: int) -> list[Document]:
        target = self._renewed(p.documents + new, m)
        out: list[Document] = []
        for d in dates:
            reading = self._renewal_reading(target, m)
            doc = Document(m, target.type, reading, renews=_last_of_chain(p.documents + new + out, target))
            doc.signings = self._signings(p, [d] if d else [], lo, hi, m)
            out.append(doc)
        return out

    def _renewal_dates(self, p: Partnership, s: int, e: int, named: list[Document]) -> list[Document]:
        """Dates after "renewed" ("renewed in 1996", "renewed several times (1992, 1993, ...)"): one
        renewal each, of the document the sentence names, else of the partnership's last one."""
        words = list(RENEWAL_WORD.finditer(self.text, s, e))
        dates = [d for d in self._doc_dates(words[0].end(), e)] if words and p.documents else []
        if not dates:
            return []
        target = named[0] if named else p.documents[-1]
        while target.renews is not None:
            target = target.renews
        out: list[Document] = []
        for d in dates:
            self.used.add(d.start)
            reading = TypeReading(target.type, min(target.reading.confidence, 0.85), "renewal of the document before")
            doc = Document(target.mention, target.type, reading,
                           renews=_last_of_chain(p.documents + out, target), from_list=len(dates) > 1)
            doc.signings = self._signings(p, [d], words[0].start(), e, None) if len(dates) == 1 else [Signing(d)]
            out.append(doc)
        return out

    def _renewed(self, docs: list[Document], m: DocMention) -> Document:
        inner = re.sub(r"^renewals?\s+of\s+(?:the\s+)?", "", m.title, flags=re.IGNORECASE)
        head = m.head if m.head != "renewal" else _head_of(inner)
        reading = self.ex.types.read(inner, head)
        originals = [d for d in docs if d.renews is None] or docs
        same = [d for d in originals if d.known_as(reading.type)]
        if same:
            return same[-1]
        cls = HEAD_CLASS.get(head)
        similar = [d for d in originals if BROADER.get(d.type, d.type) == cls or d.type == cls]
        return (similar or originals)[-1]

    def _renewal_reading(self, target: Document, m: DocMention) -> TypeReading:
        inner = re.sub(r"^renewals?\s+of\s+(?:the\s+)?", "", m.title, flags=re.IGNORECASE)
        own = self.ex.types.read(inner, _head_of(inner))
        if own.type in target.aliases:
            return TypeReading(target.type, 0.75, f"renews the {target.type} the page also calls a {own.type}")
        if own.type not in (target.type, BROADER.get(target.type), "agreement", "memorandum") and own.confidence >= 0.8:
            return TypeReading(target.type, 0.55, f"renews a {target.type} but is titled as a {own.type}")
        return TypeReading(target.type, min(target.reading.confidence, 0.85), "the type of the document it renews")

    def _resolve(self, docs: list[Document], m: DocMention) -> Document | None:
        if not docs:
            return None
        reading = self.ex.types.read(m.title, m.head)
        same = [d for d in docs if d.known_as(reading.type)]
        cls = HEAD_CLASS.get(m.head)
        similar = [d for d in docs if BROADER.get(d.type, d.type) == cls or d.type == cls]
        return (same or similar or docs)[-1]

    # -- signings ----------------------------------------------------------------------------

    def _places(self, p: Partnership) -> list[NameMention]:
        """The gazetteer's places in the text, and the partner's name where the partner is unresolved."""
        if p.resolved:
            return self.names
        own = [NameMention(m.start(), m.end(), m.group(0), "place", p.partner, "the unresolved partner's name", True)
               for m in re.finditer(rf"(?<!\w){re.escape(p.party.name)}(?!\w)", self.text)]
        return sorted(self.names + own, key=lambda n: n.start)

    def _place_near(self, p: Partnership, d: DateMention) -> NameMention | None:
        """A place written right before ("in Mobile 12/4/1991") or after ("7/5/1997 in Košice") a date."""
        for n in self._places(p):
            if n.kind != "place":
                continue
            before = self.text[n.end:d.start]
            after = self.text[d.end:n.start]
            if n.end <= d.start and re.fullmatch(r"\s*", before) and re.search(r"\b(?:in|at)\s+$",
                                                                                self.text[max(0, n.start - 5):n.start]):
                return n
            if d.end <= n.start and re.fullmatch(r"\s*(?:,\s*|in\s+|at\s+)", after):
                return n
        return None

    def _signings(self, p: Partnership, dates: list[DateMention], lo: int, hi: int,
                  m: DocMention | None) -> list[Signing]:
        if len(dates) > 1:
            return [self._signing_at(d, self._place_near(p, d)) for d in dates]
        place = self._event_place(p, lo, hi)
        signing = self._signing_at(dates[0] if dates else None, place)
        signing.venue, signing.venue_evidence = self._venue(place, lo, hi, m)
        return [signing] if (signing.date or signing.place) else []

    def _signing_at(self, d: DateMention | None, n: NameMention | None) -> Signing:
        if n is None:
            return Signing(d)
        confidence = 0.85 if n.exact else 0.8
        return Signing(d, n.key, Evidence(n.text, n.start, n.end, confidence, n.how))

    def _event_place(self, p: Partnership, lo: int, hi: int) -> NameMention | None:
        """Where the document was signed: a place written "in X", "at X", "visit to X", "came to X"."""
        for n in self._places(p):
            if n.kind != "place" or not (lo <= n.start and n.end <= hi):
                continue
            before = self.text[max(lo, n.start - 30):n.start]
            if re.search(r"(?:\b(?:in|at)|visit to|came to|arrived in|\(\s*[^()]*\d{4},)\s*(?:the\s+)?$", before,
                         re.IGNORECASE) and not re.search(r"\b(?:between|of|and|with)\s+(?:the\s+)?$", before):
                return n
        return None

    def _venue(self, place: NameMention | None, lo: int, hi: int,
               doc: DocMention | None) -> tuple[str | None, Evidence | None]:
        """A building named with the signing place ("Kaunas City Hall"), or the occasion ("during the ...")."""
        if place is not None:
            m = VENUE_BUILDING.match(self.text, place.end, hi)
            if m:
                text = self.text[place.start:m.end()]
                return text, Evidence(text, place.start, m.end(), 0.8, "a building named with the place")
        for a, b in ((lo, doc.start), (doc.end, hi)) if doc else ((lo, hi),):
            m = VENUE_OCCASION.search(self.text, a, b)
            if m:
                text = re.sub(r"\s+(?:the|a|an|this|that)$", "", m.group(1).strip(), flags=re.IGNORECASE)
                return text, Evidence(text, m.start(1), m.start(1) + len(text), 0.7, "an occasion the page names")
        return None, None


def _head_of(title: str) -> str:
    m = re.search(r"\b(agreement|treaty|memorand|protocol|declaration|letter|certificate|decision)", title, re.I)
    if not m:
        return "agreement"
    word = m.group(1).lower()
    return {"treaty": "agreement", "memorand": "memorandum"}.get(word, word)


def _last_of_chain(docs: list[Document], target: Document) -> Document:
    last = target
    for d in docs:
        if d.renews is last:
            last = d
    return last


def _name_documents(p: Partnership) -> None:
    seen: set[str] = set()
    for doc in p.documents:
        base = doc.type + ("-renewal" if doc.renews else "") + (f"-{doc.year}" if doc.year else "")
        key, n = base, 2
        while key in seen:
            key, n = f"{base}-{n}", n + 1
        seen.add(key)
        doc.id = key


def _bare_definite(text: str, lo: int, m: DocMention) -> bool:
    """"the agreement" without a title or date of its own: the document already named, not a new one."""
    return m.title.lower() in (m.head, m.head + "s") and bool(re.search(r"\bthe\s+$", text[lo:m.start], re.I))
