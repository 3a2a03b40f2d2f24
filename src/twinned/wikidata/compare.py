"""Our partnerships compared with Wikidata's P190 ("twinned administrative body").

For each publishing city, the partnerships in the records (its own page, and any
other record naming it) are compared with the P190 statements Wikidata holds,
read either from a SPARQL endpoint (``fetch``) or from the offline extract of the
P190 network between cities (``read_extract``: nodes.tsv and links.tsv, undirected):

    missing-in-wikidata   a partner of ours with a Wikidata item, no P190 either way
    only-in-wikidata      a P190 partner the records do not name (ended? never formalised?)
    start-date            P580 start time disagreeing with our tw:startDate at the
                          coarser of the two precisions           (endpoint only)
    non-reciprocal        P190 stated by one side only            (endpoint only)
    different-kind        the item is not the kind of place we record: a municipality
                          for a city, a district, a historic entity (endpoint only)
    no-wikidata-item      a partner of ours with no verified QID: not compared

``quickstatements`` writes the P190 statements Wikidata lacks as QuickStatements V1
commands, with the start time and our partnership page as reference URL.

Our side is read in ``wikidata.ours`` (``our_cities``), Wikidata's in ``wikidata.view``
(``fetch``, ``read_extract``); callers import those names from there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twinned.records.dates import PartialDate, Precision
from twinned.records.names import fold, overlaps
from twinned.records.qualified import QualifiedDate, quickstatements_cells
from twinned.wikidata.ours import City, OurPartner
from twinned.wikidata.view import KIND_CLASSES, Item, Statement, WikidataTime, WikidataView

CHECKS: dict[str, str] = {
    "missing-in-wikidata": "In our records, not in Wikidata",
    "only-in-wikidata": "In Wikidata, not in our records (possibly ended or never formalised)",
    "start-date": "Start dates that disagree",
    "non-reciprocal": "Stated by one side only",
    "different-kind": "Linked to a different kind of item",
    "no-wikidata-item": "Not compared: no verified Wikidata item",
}

KIND_ORDER = tuple(dict.fromkeys(name for name, _ in KIND_CLASSES))
HISTORIC = frozenset({"former entity", "historical country"})
EXPECTED: dict[str, frozenset[str]] = {
    "city": frozenset({"settlement"}),
    "town": frozenset({"settlement"}),
    "district": frozenset({"district", "second-level subdivision"}),
    "county": frozenset({"county", "first-level subdivision", "second-level subdivision"}),
    "region": frozenset({"first-level subdivision", "second-level subdivision", "county"}),
}


# -- the comparison ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    check: str
    partner: str              # the partner's name
    qid: str | None = None
    key: str | None = None    # our place key, when we record the partner
    ours: str = ""
    wikidata: str = ""
    detail: str = ""


@dataclass(frozen=True)
class CityDiff:
    city: City
    findings: tuple[Finding, ...]
    wikidata_partners: int
    in_both: int
    not_checked: tuple[str, ...]
    lacking: tuple[tuple[str, str, OurPartner], ...] = ()  # (subject, object, partner): P190 Wikidata lacks

    def of(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]


@dataclass(frozen=True)
class Diff:
    view: WikidataView
    cities: tuple[CityDiff, ...]

    @property
    def source(self) -> dict[str, str]:
        return {"kind": self.view.kind, "location": self.view.location}


@dataclass
class _Sides:
    forward: dict[str, list[Statement]] = field(default_factory=dict)   # city → partner
    backward: dict[str, list[Statement]] = field(default_factory=dict)  # partner → city

    @property
    def partners(self) -> set[str]:
        return set(self.forward) | set(self.backward)

    def of(self, qid: str) -> list[Statement]:
        return self.forward.get(qid, []) + self.backward.get(qid, [])


def _sides(qid: str, view: WikidataView) -> _Sides:
    sides = _Sides()
    for s in view.statements:
        if s.subject == qid and s.object != qid:
            sides.forward.setdefault(s.object, []).append(s)
        elif s.object == qid and s.subject != qid:
            sides.backward.setdefault(s.subject, []).append(s)
    return sides


def compare(city: City, view: WikidataView) -> CityDiff:
    if city.qid is None:
        finding = Finding("no-wikidata-item", city.label, key=city.key,
                          detail="the city itself has no verified Wikidata item: nothing was compared")
        return CityDiff(city, (finding,), 0, 0, view.not_checked)
    sides = _sides(city.qid, view)
    ours = {p.qid: p for p in city.partners if p.qid}
    findings = [*_unresolved(city), *_missing(city, sides, view), *_only_in_wikidata(city, sides, view)]
    if view.dates:
        findings += _start_dates(ours, sides)
    if view.directed:
        findings += _non_reciprocal(city, ours, sides, view)
    if view.kinds:
        findings += _kinds(ours, sides, view)
    order = list(CHECKS)
    findings.sort(key=lambda f: (order.index(f.check), fold(f.partner), f.qid or ""))
    return CityDiff(city, tuple(findings), len(sides.partners), len(sides.partners & set(ours)),
                    view.not_checked, _lacking(city, ours, sides, view))


def _unresolved(city: City) -> list[Finding]:
    return [Finding("no-wikidata-item", p.label, None, p.key, detail=p.reason or "")
            for p in city.partners if p.qid is None]


def _missing(city: City, sides: _Sides, view: WikidataView) -> list[Finding]:
    out = []
    for p in city.partners:
        if p.qid is None or p.qid in sides.partners:
            continue
        detail = ""
        if view.known is not None and p.qid not in view.known:
            detail = f"{p.qid} is not in the extract, which holds only cities with P190 links"
            if p.kind != "city":
                detail += f" (we record a {p.kind}: absent by construction)"
        out.append(Finding("missing-in-wikidata", p.label, p.qid, p.key, str(p.qualified_start or ""), "",
                           detail))
    return out


def _only_in_wikidata(city: City, sides: _Sides, view: WikidataView) -> list[Finding]:
    ours = {p.qid for p in city.partners if p.qid}
    unmatched = [p for p in city.partners if p.qid is None or p.qid not in sides.partners]
    out = []
    for qid in sorted(sides.partners - ours):
        item = view.items.get(qid, Item(qid))
        notes = [f"ended {s.end} (P582)" for s in sides.of(qid) if s.end]
        for p in unmatched:
            if any(overlaps(item.name, n) for n in p.names):
                was = p.qid or "no verified item"
                notes.append(f"same name as our partner {p.label} ({was}): the same place under another item?")
        starts = sorted({str(s.start) for s in sides.of(qid) if s.start})
        said = ", ".join(x for x in (item.country or "", *(f"since {s}" for s in starts)) if x)
        out.append(Finding("only-in-wikidata", item.name, qid, None, "", said, "; ".join(notes)))
    return out


def agrees(ours: PartialDate, theirs: WikidataTime) -> bool | None:
    """Do the dates agree at the coarser precision? None when Wikidata's cannot be read."""
    d = theirs.date()
    if d is None:
        return None
    step = theirs.coarse()
    if step:
        return ours.year // step == d.year // step
    p = min(ours.precision, d.precision)

    def cut(x: PartialDate) -> tuple[int, int | None, int | None]:
        return x.year, x.month if p >= Precision.MONTH else None, x.day if p >= Precision.DAY else None

    return cut(ours) == cut(d)


def agrees_qualified(ours: QualifiedDate, theirs: WikidataTime) -> bool | None:
    """Like ``agrees``, for a start date that may be approximate: a bound (not before, not
    after) agrees with any date on its side of it, a circa date with any date."""
    d = theirs.date()
    if d is None:
        return None
    if ours.qualifier == "not-before":
        return d.latest() >= ours.date.earliest()
    if ours.qualifier == "not-after":
        return d.earliest() <= ours.date.latest()
    if ours.qualifier == "circa":
        return True
    return agrees(ours.date, theirs)  # early, mid, late lie within the period given


def _start_dates(ours: Mapping[str, OurPartner], sides: _Sides) -> list[Finding]:
    out = []
    for qid, p in ours.items():
        starts = [s.start for s in sides.of(qid) if s.start]
        if p.start is None or not starts:
            continue
        verdicts = [agrees_qualified(QualifiedDate(p.start, p.start_qualifier), t) for t in starts]
        if any(verdicts) or all(v is None for v in verdicts):
            continue
        shown = ", ".join(sorted({str(t) for t in starts}))
        out.append(Finding("start-date", p.label, qid, p.key, str(p.qualified_start), shown,
                           "P580 start time differs from the earliest document's date at the coarser "
                           "precision of the two"))
    return out


def _non_reciprocal(city: City, ours: Mapping[str, OurPartner], sides: _Sides,
                    view: WikidataView) -> list[Finding]:
    out = []
    for qid in sorted(sides.partners):
        if (qid in sides.forward) == (qid in sides.backward):
            continue
        name = ours[qid].label if qid in ours else view.items.get(qid, Item(qid)).name
        a, b = (city.label, name) if qid in sides.forward else (name, city.label)
        recorded = "recorded" if qid in ours else "not recorded"
        out.append(Finding("non-reciprocal", name, qid, ours[qid].key if qid in ours else None, recorded,
                           f"{a} → {b}", f"{b} has no P190 statement for {a}"))
    return out


def describe_kind(item: Item) -> str:
    kind = next((k for k in KIND_ORDER if k in item.kinds), None)
    if item.dissolved and kind not in HISTORIC:
        kind = f"dissolved {item.dissolved}"
    types = f"instance of: {', '.join(item.types)}" if item.types else "no P31"
    return f"{kind or 'none of the kinds checked'} ({types})"


def _kind_problem(item: Item, our_kind: str | None) -> str | None:
    if item.dissolved or item.kinds & HISTORIC:
        return "a historic entity, not a present-day place"
    if our_kind is not None:
        expected = EXPECTED[our_kind]
        return None if item.kinds & expected else f"not a {' or '.join(sorted(expected))} item"
    if "settlement" not in item.kinds and item.kinds & {"municipality", "district"}:
        return "a municipality or district item, not the settlement"
    return None


def _kinds(ours: Mapping[str, OurPartner], sides: _Sides, view: WikidataView) -> list[Finding]:
    out = []
    for qid in sorted(sides.partners):
        item = view.items.get(qid, Item(qid))
        p = ours.get(qid)
        problem = _kind_problem(item, p.kind if p else None)
        if problem:
            out.append(Finding("different-kind", p.label if p else item.name, qid, p.key if p else None,
                               p.kind if p else "", describe_kind(item), problem))
    return out


def _lacking(city: City, ours: Mapping[str, OurPartner], sides: _Sides,
             view: WikidataView) -> tuple[tuple[str, str, OurPartner], ...]:
    assert city.qid is not None
    out = []
    for qid, p in ours.items():
        if view.directed:
            if qid not in sides.forward:
                out.append((city.qid, qid, p))
            if qid not in sides.backward:
                out.append((qid, city.qid, p))
        elif qid not in sides.partners and view.known is not None and {qid, city.qid} <= view.known:
            out += [(city.qid, qid, p), (qid, city.qid, p)]  # both items are in the extract, unlinked
    return tuple(out)


def diff(cities: Iterable[City], view: WikidataView) -> Diff:
    return Diff(view, tuple(compare(c, view) for c in cities))


# -- output ------------------------------------------------------------------------------------------


def quickstatements(d: Diff) -> str:
    """QuickStatements V1: one tab-separated command per P190 statement Wikidata lacks."""
    lines: dict[str, None] = {}
    for c in d.cities:
        for subject, obj, p in c.lacking:
            cells = [subject, "P190", obj]
            if p.qualified_start is not None:
                cells += quickstatements_cells(p.qualified_start)
            cells += ["S854", f'"{p.page}"']
            lines["\t".join(cells)] = None
    return "".join(f"{line}\n" for line in lines)


def _finding_json(f: Finding) -> dict[str, str | None]:
    return {"partner": f.partner, "qid": f.qid, "key": f.key, "ours": f.ours or None,
            "wikidata": f.wikidata or None, "detail": f.detail or None}


def city_json(c: CityDiff) -> dict[str, Any]:
    return {
        "city": c.city.key, "label": c.city.label, "qid": c.city.qid,
        "partnerships": len(c.city.partners),
        "with_wikidata_item": sum(1 for p in c.city.partners if p.qid),
        "wikidata_partners": c.wikidata_partners, "in_both": c.in_both,
        "findings": {check: [_finding_json(f) for f in c.of(check)] for check in CHECKS},
        "not_checked": list(c.not_checked),
    }


def to_json(d: Diff) -> dict[str, Any]:
    return {"source": d.source, "checks": CHECKS, "cities": [city_json(c) for c in d.cities]}


CSV_COLUMNS = ("city", "city_qid", "check", "partner", "partner_qid", "partner_key", "ours", "wikidata",
               "detail")


def to_csv(d: Diff) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in d.cities:
        for f in c.findings:
            writer.writerow([c.city.key, c.city.qid or "", f.check, f.partner, f.qid or "", f.key or "",
                             f.ours, f.wikidata, f.detail])
    return out.getvalue()


def _line(f: Finding) -> str:
    text = f"    {f.partner}"
    text += f"  {f.qid}" if f.qid else ""
    text += f"  [{f.key}]" if f.key and f.check != "no-wikidata-item" else ""
    text += f"  ours: {f.ours}" if f.ours else ""
    text += f"  Wikidata: {f.wikidata}" if f.wikidata else ""
    return text + (f"  — {f.detail}" if f.detail else "")


def city_report(c: CityDiff) -> list[str]:
    with_qid = sum(1 for p in c.city.partners if p.qid)
    lines = [f"{c.city.label} ({c.city.key}, {c.city.qid or 'no Wikidata item'})",
             f"  {len(c.city.partners)} partnerships recorded, {with_qid} with a Wikidata item; "
             f"Wikidata has {c.wikidata_partners} P190 partners; {c.in_both} in both."]
    skipped = {"start-date": "start dates", "non-reciprocal": "reciprocity", "different-kind": "kinds of item"}
    for check, title in CHECKS.items():
        if check in skipped and any(n.startswith(skipped[check]) for n in c.not_checked):
            continue
        found = c.of(check)
        lines.append(f"  {title}: {len(found) or 'none'}")
        lines += [_line(f) for f in found]
    lines += [f"  Not checked with this source: {n}." for n in c.not_checked]
    return lines


def report(d: Diff) -> str:
    what = ("the offline extract (P190 links between cities, undirected)" if d.view.kind == "offline"
            else "the SPARQL endpoint")
    lines = [f"Wikidata P190 compared with our records, from {what} {d.view.location}", ""]
    for c in d.cities:
        lines += [*city_report(c), ""]
    return "\n".join(lines)
