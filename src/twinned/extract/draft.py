"""Writing a :class:`~twinned.extract.model.Draft` as YAML in the record format, ready to review.

Each partnership and membership carries ``evidence`` (field path → the text as
found, its character offsets in the page text, a confidence, a note) and, when any
field is below the threshold, a ``review`` list. Places the gazetteer does not know
are written as stubs under a final ``places:`` section (and ``countries:`` when the
country is missing too), which is not part of a city file: move them to
data/places.yaml and resolve them before the draft is loaded. The output is
deterministic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from twinned.extract.countries import COUNTRY_NAMES
from twinned.extract.dates import DateMention
from twinned.extract.model import Document, Draft, Evidence, Membership, Partnership, Signing

_PLAIN = re.compile(r"[\w\u00c0-\u024f][\w\u00c0-\u024f .'’()/\-]*")
_RESERVED = frozenset("true false yes no on off null y n ~".split())


def scalar(value: object, strict: bool = False) -> str:
    """A YAML scalar that reads back as the same text, in block and in flow context. The record
    loader reads every scalar as text, so ``1996`` may stay plain; ``strict`` quotes whatever a
    plain YAML reader would take for a number or a date (evidence is read by other tools too)."""
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not text.endswith((" ", ".")) \
            and ": " not in text and " #" not in text and not (strict and re.match(r"[\d.+-]", text)):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(entries: dict[str, object], strict: tuple[str, ...] = ()) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v, k in strict)}" for k, v in entries.items() if v is not None) + "}"


def block_text(value: str, indent: str) -> str:
    """A folded block scalar (``>-``) if it reads back exactly, else a quoted one."""
    paragraphs = value.split("\n")
    if all(p and p == p.strip() and "\t" not in p for p in paragraphs):
        body = "\n\n".join(f"{indent}{p}" for p in paragraphs)
        candidate = f">-\n{body}"
        try:
            if yaml.safe_load(f"x: {candidate}\n") == {"x": value}:
                return candidate
        except yaml.YAMLError:
            pass
    return scalar(value)


@dataclass
class _Notes:
    """Evidence and review items of one record, collected while it is written."""

    threshold: float

    def __post_init__(self) -> None:
        self.evidence: dict[str, Evidence] = {}
        self.review: list[str] = []

    def add(self, path: str, ev: Evidence | None, what: str | None = None) -> None:
        if ev is None:
            return
        self.evidence[path] = ev
        if ev.confidence < self.threshold:
            why = f" ({ev.note})" if ev.note else ""
            self.review.append(f"{path}: {what or repr(ev.text)}{why}, confidence {ev.confidence:.2f}")

    def flag(self, text: str) -> None:
        self.review.append(text)

    def lines(self, indent: str) -> Iterator[str]:
        yield f"{indent}evidence:"
        for path, ev in self.evidence.items():
            entries: dict[str, object] = {}
            if path != "passage":
                entries["text"] = ev.text
            entries |= {"start": ev.start, "end": ev.end, "confidence": f"{ev.confidence:.2f}", "note": ev.note}
            yield f"{indent}  {scalar(path)}: {flow(entries, strict=('text',))}"
        if self.review:
            yield f"{indent}review:"
            for item in self.review:
                yield f"{indent}  - {scalar(item)}"


def _date_ev(d: DateMention) -> Evidence:
    note = f"qualifier {d.qualifier}" if d.qualifier else None
    if d.kind == "numeric" and d.confidence < 0.9:
        note = "day and month could be swapped: no date on the page settles the order (see --date-order)"
    return Evidence(d.as_written, d.start, d.end, d.confidence, note)


def _date(d: DateMention, qualifier: str | None = None) -> dict[str, object]:
    return {"date": str(d.date), "as_written": d.as_written, "qualifier": qualifier or d.qualifier}


def write_draft(draft: Draft, source_id: str, language: str = "en") -> str:
    out = [
        f"# Draft records extracted by `twinned extract` from {draft.page}: review before publishing.",
        "# Every field has evidence (the text as found, its character offsets in the page text, a",
        f"# confidence); fields below {draft.threshold:.2f} and unresolved places are listed under `review:`.",
    ]
    if draft.stubs or _new_places(draft):
        out.append(f"# {len(draft.stubs) + len(_new_places(draft))} place(s) not in data/places.yaml: "
                   "see `places:` at the end.")
    out += [f"city: {draft.city}", "source:", f"  id: {source_id}", f"  title: {scalar(draft.title)}",
            f"  file: {scalar(draft.page)}", f"  language: {language}", ""]
    if draft.partnerships:
        out.append("partnerships:")
        for p in draft.partnerships:
            out += list(_partnership(draft, p))
    if draft.memberships:
        out.append("memberships:")
        for m in draft.memberships:
            out += list(_membership(draft, m))
    out += list(_stubs(draft))
    return "\n".join(out).rstrip("\n") + "\n"


def _origin(draft: Draft, key: str) -> str | None:
    origin = draft.world.origins.get(key) if draft.world else None
    return origin.source if origin else None


def _partner_comment(draft: Draft, p: Partnership) -> str:
    if not p.resolved:
        return f"UNRESOLVED: {p.party.name!r} is not in data/places.yaml (see places: below)"
    place = draft.gazetteer.places[p.partner]
    said = f"{place.labels.get('en', p.partner)}, {place.country}"
    origin = _origin(draft, p.partner)
    if origin == "wikidata-extract":
        return f"{said}, {place.identity.wikidata} (Wikidata extract; add its entry from places: below)"
    if origin == "geonames":
        return f"UNRESOLVED: {p.party.name!r} is {said} in GeoNames, which gives no QID (see places: below)"
    return f"{said}, {place.identity.wikidata}" if place.identity.wikidata else said


def _partnership(draft: Draft, p: Partnership) -> Iterator[str]:
    notes = _Notes(draft.threshold)
    yield f"  - partner: {p.partner}   # {_partner_comment(draft, p)}"
    yield f"    passage: {block_text(p.passage.text, '      ')}"
    notes.add("passage", p.passage)
    how = (p.party.mention.how if p.party.mention else
           "not in data/places.yaml: resolve the stub under places: below")
    confidence = 0.4 if not p.resolved else (0.95 if p.party.mention and p.party.mention.exact else 0.9)
    if p.party.mention and "ambiguous" in p.party.mention.how:
        confidence = 0.5
    if p.resolved and _origin(draft, p.partner) == "geonames":
        confidence, how = 0.5, f"{how}; a GeoNames city without QID: resolve its entry under places: below"
    if not p.resolved and p.party.mention and p.party.mention.candidates:
        how = f"{p.party.mention.how}; ambiguous: {len(p.party.mention.candidates)} places so named"
    if p.party.role == "heading":
        confidence = min(confidence, 0.75)
    notes.add("partner", Evidence(p.party.name, p.party.start, p.party.end, confidence, how))
    _country(draft, p, notes)
    if p.began:
        yield f"    began: {flow(_date(p.began))}"
        notes.add("began", _date_ev(p.began))
    if p.areas:
        yield "    areas:"
        for i, a in enumerate(p.areas):
            yield f"      - {flow({'area': a.area, 'as_written': a.as_written})}"
            notes.add(f"areas[{i}]", Evidence(a.as_written, a.item_start, a.item_end, a.confidence, a.area))
    yield "    documents:"
    if p.placeholder:
        yield "      - id: twinning-agreement"
        yield "        type: twinning-agreement"
        yield '        title: "TODO: the page names no document"'
        notes.flag("documents[0]: the page names no document for this partner; type and title are placeholders")
    for i, doc in enumerate(p.documents):
        yield from _document(doc, f"documents[{i}]", notes)
    yield from notes.lines("    ")


def _country(draft: Draft, p: Partnership, notes: _Notes) -> None:
    if p.country is None:
        return
    code, ev = p.country
    known = draft.gazetteer.places[p.partner].country if p.resolved else None
    if known and known != code:
        notes.add("country", Evidence(ev.text, ev.start, ev.end, 0.3,
                                      f"the page says {code}, data/places.yaml has {known}"))
    else:
        notes.add("country", ev)


def _document(doc: Document, path: str, notes: _Notes) -> Iterator[str]:
    m = doc.mention
    yield f"      - id: {doc.id}"
    yield f"        type: {doc.type}"
    yield f"        title: {scalar(m.title)}"
    notes.add(f"{path}.type", Evidence(m.title, m.start, m.end, doc.reading.confidence, doc.reading.how),
              f"{m.title!r} read as {doc.type}")
    if not any(s.date for s in doc.signings):
        notes.flag(f"{path}.signed: the page gives no date for {m.title!r}")
    if doc.signings:
        yield "        signed:"
        for j, s in enumerate(doc.signings):
            yield from _signing(s, f"{path}.signed[{j}]", notes)
    if doc.areas:
        yield "        areas:"
        for k, a in enumerate(doc.areas):
            yield f"          - {flow({'area': a.area, 'as_written': a.as_written})}"
            notes.add(f"{path}.areas[{k}]", Evidence(a.as_written, a.item_start, a.item_end, a.confidence, a.area))
    if doc.renews is not None:
        yield f"        renews: {doc.renews.id}"
    if doc.follows is not None:
        yield f"        follows: {doc.follows.id}"


def _signing(s: Signing, path: str, notes: _Notes) -> Iterator[str]:
    fields: list[tuple[str, object]] = []
    if s.date:
        fields += [("date", str(s.date.date)), ("as_written", s.date.as_written), ("qualifier", s.date.qualifier)]
        ev = _date_ev(s.date)
        if s.doubt:
            ev = Evidence(ev.text, ev.start, ev.end, min(ev.confidence, 0.6), s.doubt)
        notes.add(f"{path}.date", ev)
    if s.place:
        fields.append(("place", s.place))
        notes.add(f"{path}.place", s.place_evidence)
    if s.venue:
        fields.append(("venue", s.venue))
        notes.add(f"{path}.venue", s.venue_evidence)
    first = True
    for key, value in fields:
        if value is None:
            continue
        yield f"          {'- ' if first else '  '}{key}: {scalar(value)}"
        first = False


def _membership(draft: Draft, m: Membership) -> Iterator[str]:
    notes = _Notes(draft.threshold)
    passage = "\n".join(line.text for line in m.lines)
    yield f"  - network: {m.network}"
    notes.add("network", Evidence(m.mention.text, m.mention.start, m.mention.end,
                                  0.95 if m.mention.exact else 0.9, m.mention.how))
    if m.since:
        yield f"    since: {flow(_date(m.since, m.since_qualifier))}"
        notes.add("since", _date_ev(m.since))
    yield f"    passage: {block_text(passage, '      ')}"
    notes.add("passage", Evidence(passage, m.lines[0].start, m.lines[-1].end, 0.9))
    yield from notes.lines("    ")


def _new_places(draft: Draft) -> list[str]:
    """Keys of the places the draft uses that come from the Wikidata extract or GeoNames."""
    used = [draft.city] + [p.partner for p in draft.partnerships]
    used += [s.place for p in draft.partnerships for d in p.documents for s in d.signings if s.place]
    return sorted({k for k in used if _origin(draft, k)})


def _stubs(draft: Draft) -> Iterator[str]:
    new = _new_places(draft)
    if not draft.stubs and not new:
        return
    yield ""
    yield "# NOT PART OF A CITY FILE: places the page names that data/places.yaml does not know."
    yield "# Resolve each one (an existing key, or a new gazetteer entry in data/places.yaml with"
    yield "# its Wikidata QID or the reason why not), then delete this section. Entries with a"
    yield "# `wikidata:` QID come from the Wikidata twin-cities extract: check them and move them."
    places = draft.gazetteer.places
    codes = {s.country for s in draft.stubs if s.country} | {places[k].country for k in new}
    missing = sorted(c for c in codes if c not in draft.gazetteer.countries)
    if missing:
        yield "countries:"
        for code in missing:
            name = draft.world.country_names.get(code) if draft.world else None
            yield f"  {scalar(code) if code != 'NO' else json.dumps(code)}:"
            yield f"    labels: {flow({'en': name or COUNTRY_NAMES.get(code, (code,))[0]})}"
            yield "    unresolved: \"TODO: not in data/places.yaml\""
    yield "places:"
    for key in new:
        yield from _known_place(draft, key)
    for s in draft.stubs:
        yield f"  {s.key}:"
        yield f"    kind: {s.kind}"
        yield f"    labels: {flow({'en': s.name})}"
        yield f"    country: {json.dumps(s.country) if s.country else 'null   # TODO: the page names no country'}"
        reason = f"TODO: found as {s.name!r} at {s.evidence.start}-{s.evidence.end}; not in data/places.yaml"
        if s.candidates:
            reason += f"; the gazetteer has {len(s.candidates)} places of that name: none is settled by the page"
        yield f"    unresolved: {scalar(reason)}"
        qids = [q for q in (places[k].identity.wikidata for k in s.candidates if k in places) if q]
        if qids:
            yield f"    candidates: [{', '.join(sorted(set(qids), key=lambda q: int(q[1:])))}]"


def _known_place(draft: Draft, key: str) -> Iterator[str]:
    place = draft.gazetteer.places[key]
    yield f"  {key}:"
    yield f"    kind: {place.kind}"
    yield f"    labels: {flow(dict(place.labels))}"
    yield f"    country: {json.dumps(place.country)}"
    if place.identity.wikidata:
        yield f"    wikidata: {place.identity.wikidata}"
    if place.coordinates:
        yield f"    coordinates: {{lat: {place.coordinates[0]}, long: {place.coordinates[1]}}}"
    assert draft.world is not None
    origin = draft.world.origins[key]
    if origin.source == "wikidata-extract":
        yield f"    note: {scalar(f'from the Wikidata twin-cities extract (nodes.tsv line {place.at.line})')}"
    else:
        reason = (f"TODO: GeoNames city {origin.ref} ({place.labels.get('en')}, {place.country}), not in the "
                  "Wikidata extract: find its QID or say why not")
        yield f"    unresolved: {scalar(reason)}"
