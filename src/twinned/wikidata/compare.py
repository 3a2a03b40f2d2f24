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
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twinned.build.mapping import URIs
from twinned.errors import InputError, Problem
from twinned.records.dates import PartialDate, Precision
from twinned.records.extract_files import LINKS, NODES
from twinned.records.load import Partnership, Records
from twinned.records.names import fold, overlaps
from twinned.records.qualified import QualifiedDate, earliest, quickstatements_cells  # the same rule as tw:startDate
from twinned.records.qualified import quickstatements_time as quickstatements_time
from twinned.wikidata.client import Endpoint, Row, qid_of

CHECKS: dict[str, str] = {
    "missing-in-wikidata": "In our records, not in Wikidata",
    "only-in-wikidata": "In Wikidata, not in our records (possibly ended or never formalised)",
    "start-date": "Start dates that disagree",
    "non-reciprocal": "Stated by one side only",
    "different-kind": "Linked to a different kind of item",
    "no-wikidata-item": "Not compared: no verified Wikidata item",
}

# kinds of item, recognised through wdt:P31/wdt:P279* (most telling first)
# Wikidata classes used to tell kinds of item apart (used in queries, never published).
# Each QID was checked against several independent public SPARQL queries and scripts.
KIND_CLASSES: tuple[tuple[str, str], ...] = (
    ("former entity", "Q19953632"),          # former administrative territorial entity
    ("historical country", "Q3024240"),
    ("settlement", "Q486972"),               # human settlement
    ("settlement", "Q515"),                  # city
    ("settlement", "Q3957"),                 # town
    ("district", "Q149621"),
    ("municipality", "Q15284"),
    ("county", "Q28575"),
    ("second-level subdivision", "Q13220204"),
    ("first-level subdivision", "Q10864048"),
)
KIND_ORDER = tuple(dict.fromkeys(name for name, _ in KIND_CLASSES))
HISTORIC = frozenset({"former entity", "historical country"})
EXPECTED: dict[str, frozenset[str]] = {
    "city": frozenset({"settlement"}),
    "town": frozenset({"settlement"}),
    "district": frozenset({"district", "second-level subdivision"}),
    "county": frozenset({"county", "first-level subdivision", "second-level subdivision"}),
    "region": frozenset({"first-level subdivision", "second-level subdivision", "county"}),
}


# -- our side ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OurPartner:
    key: str
    label: str
    kind: str
    country: str
    qid: str | None
    reason: str | None        # why there is no QID
    names: tuple[str, ...]    # labels and aliases
    start: PartialDate | None  # tw:startDate: the earliest document's date
    page: str                 # the partnership's URI
    start_qualifier: str | None = None  # tw:startDateQualifier: how the start date is approximate

    @property
    def qualified_start(self) -> QualifiedDate | None:
        return QualifiedDate(self.start, self.start_qualifier) if self.start else None


@dataclass(frozen=True)
class City:
    key: str
    label: str
    qid: str | None
    partners: tuple[OurPartner, ...]


def start_date(p: Partnership) -> QualifiedDate | None:
    return earliest([d for doc in p.documents for d in doc.qualified_dates])


def our_cities(records: Records, base_uri: str, only: str | None = None) -> list[City]:
    """The publishing cities (or the one named by key or QID) with their partners."""
    places = records.gazetteer.places
    keys = [c.city for c in records.cities]
    if only is not None:
        chosen = [k for k in keys if only in (k, places[k].identity.wikidata)]
        if not chosen:
            raise InputError([Problem("--city", 0, "city", f"a publishing city ({', '.join(keys)}), "
                                                          f"by key or QID, not {only!r}")])
        keys = chosen
    uris = URIs(base_uri)
    cities = []
    for key in keys:
        partners = []
        for p in records.partnerships:
            if key not in p.parties:
                continue
            other = places[p.partner if p.city == key else p.city]
            start = start_date(p)
            partners.append(OurPartner(
                other.key, other.labels["en"], other.kind, other.country, other.identity.wikidata,
                other.identity.unresolved, (*other.labels.values(), *other.aliases),
                start.date if start else None, str(uris.partnership(*p.parties)),
                start.qualifier if start else None))
        city = places[key]
        cities.append(City(key, city.labels["en"], city.identity.wikidata,
                           tuple(sorted(partners, key=lambda x: fold(x.label)))))
    return cities


# -- Wikidata's side ---------------------------------------------------------------------------------

_TIME = re.compile(r"^\+?(-?\d{1,})-(\d\d)-(\d\d)T")


@dataclass(frozen=True)
class WikidataTime:
    """A time value as the endpoint gives it, read with its precision (9 year, 10 month, 11 day)."""

    value: str
    precision: int | None = None

    def date(self) -> PartialDate | None:
        m = _TIME.match(self.value)
        if not m or int(m[1]) < 1:
            return None
        precision = self.precision if self.precision is not None else Precision.DAY
        year, month, day = int(m[1]), int(m[2]) or None, int(m[3]) or None
        if precision <= Precision.YEAR or month is None:
            return PartialDate(year)
        if precision == Precision.MONTH or day is None:
            return PartialDate(year, month)
        return PartialDate(year, month, day)

    def coarse(self) -> int | None:
        """For precisions coarser than a year: 10 ** n years (8 decade, 7 century ...)."""
        return 10 ** (Precision.YEAR - self.precision) if self.precision is not None and self.precision < 9 else None

    def __str__(self) -> str:
        d = self.date()
        if d is None:
            return self.value
        step = self.coarse()
        return f"{d.year // step * step}s" if step else str(d)


@dataclass(frozen=True)
class Statement:
    subject: str
    object: str
    start: WikidataTime | None = None
    end: str | None = None


@dataclass(frozen=True)
class Item:
    qid: str
    label: str | None = None
    country: str | None = None
    kinds: frozenset[str] = frozenset()
    types: tuple[str, ...] = ()
    dissolved: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.qid


@dataclass(frozen=True)
class WikidataView:
    """What one source says: P190 statements touching the cities, and the items in them."""

    kind: str                 # "offline" | "endpoint"
    location: str
    statements: tuple[Statement, ...]
    items: Mapping[str, Item]
    directed: bool            # a statement has a direction (the extract's links do not)
    dates: bool               # P580 qualifiers are known
    kinds: bool               # P31 classes are known
    known: frozenset[str] | None = None  # offline: every QID in the extract

    @property
    def not_checked(self) -> tuple[str, ...]:
        out = []
        if not self.dates:
            out.append("start dates: the extract has no P580 qualifiers")
        if not self.directed:
            out.append("reciprocity: the extract's links have no direction")
        if not self.kinds:
            out.append("kinds of item: the extract has no P31 classes and holds cities only, so a "
                       "county, region, district or town partner is absent from it by construction")
        return tuple(out)


def _read_tsv(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise InputError([Problem(str(path), 1, "header", f"the columns {', '.join(columns)} "
                                                                  f"(missing {', '.join(missing)})")])
            return list(reader)
    except OSError as exc:
        raise InputError([Problem(str(path), 0, "file", f"a readable {path.name} of the Wikidata "
                                                        f"extract ({exc.strerror})")]) from None


def read_nodes(directory: Path) -> dict[str, Item]:
    """nodes.tsv: every city of the extract with its English name and ISO country code."""
    rows = _read_tsv(directory / NODES, ("id", "name", "countrycd"))
    return {r["id"]: Item(r["id"], r["name"] or None, r["countrycd"] or None) for r in rows}


def read_extract(directory: Path, cities: Iterable[City]) -> WikidataView:
    """The offline extract: undirected P190 links between cities, no qualifiers."""
    items = read_nodes(directory)
    wanted = {c.qid for c in cities if c.qid}
    statements = tuple(Statement(r["source"], r["target"])
                       for r in _read_tsv(directory / LINKS, ("source", "target"))
                       if r["source"] in wanted or r["target"] in wanted)
    return WikidataView("offline", str(directory), statements, items, directed=False, dates=False,
                        kinds=False, known=frozenset(items))


STATEMENTS = """SELECT ?item ?other ?start ?precision ?end WHERE {{
  VALUES ?item {{ {items} }}
  {others}
  ?item p:P190 ?statement .
  ?statement ps:P190 ?other ;
             wikibase:rank ?rank .
  FILTER(?rank != wikibase:DeprecatedRank)
  OPTIONAL {{ ?statement pqv:P580 ?startValue .
             ?startValue wikibase:timeValue ?start ; wikibase:timePrecision ?precision }}
  OPTIONAL {{ ?statement pq:P580 ?start }}
  OPTIONAL {{ ?statement pq:P582 ?end }}
}}"""

FACTS = """SELECT ?item ?what ?value ?valueLabel WHERE {{
  VALUES ?item {{ {items} }}
  {{ ?item rdfs:label ?value . FILTER(LANG(?value) = "en") BIND("label" AS ?what) }}
  UNION {{ ?item wdt:P31 ?value .
          OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }}
          BIND("type" AS ?what) }}
  UNION {{ VALUES (?value ?class) {{ {kinds} }}
          ?item wdt:P31/wdt:P279* ?class . BIND("kind" AS ?what) }}
  UNION {{ ?item wdt:P576 ?value . BIND("dissolved" AS ?what) }}
  UNION {{ ?item wdt:P17/wdt:P297 ?value . BIND("country" AS ?what) }}
}}"""


def _statements(rows: list[Row]) -> set[Statement]:
    out = set()
    for row in rows:
        subject, other = qid_of(row["item"].value), qid_of(row["other"].value)
        if subject is None or other is None:
            continue  # "unknown value" or not an item
        start = None
        if "start" in row:
            precision = int(row["precision"].value) if "precision" in row else None
            start = WikidataTime(row["start"].value, precision)
        out.add(Statement(subject, other, start, row["end"].value[:10] if "end" in row else None))
    return out


def _items(qids: Iterable[str], rows: list[Row]) -> dict[str, Item]:
    facts: dict[str, dict[str, Any]] = {q: {"kinds": set(), "types": set()} for q in qids}
    for row in rows:
        qid = qid_of(row["item"].value)
        if qid not in facts:
            continue
        what, value = row["what"].value, row["value"].value
        f = facts[qid]
        if what == "kind":
            f["kinds"].add(value)
        elif what == "type":
            f["types"].add(row["valueLabel"].value if "valueLabel" in row else qid_of(value) or value)
        elif what in ("label", "country"):
            f[what] = min(f.get(what, value), value)
        elif what == "dissolved":
            f["dissolved"] = value[:10]
    return {q: Item(q, f.get("label"), f.get("country"), frozenset(f["kinds"]), tuple(sorted(f["types"])),
                    f.get("dissolved")) for q, f in facts.items()}


def fetch(endpoint: Endpoint, cities: Iterable[City]) -> WikidataView:
    """Ask the endpoint: the cities' P190 statements, the ones back to them, and what the items are."""
    cities = list(cities)
    city_qids = sorted({c.qid for c in cities if c.qid})
    statements = _statements(endpoint.select_batched(STATEMENTS, city_qids, others=""))
    partners = {s.object for s in statements} | {p.qid for c in cities for p in c.partners if p.qid}
    others = sorted(partners - set(city_qids))
    for batch in range(0, len(city_qids), 50):
        targets = " ".join(f"wd:{q}" for q in city_qids[batch:batch + 50])
        rows = endpoint.select_batched(STATEMENTS, others, others=f"VALUES ?other {{ {targets} }}")
        statements |= _statements(rows)
    kinds = " ".join(f'("{name}" wd:{qid})' for name, qid in KIND_CLASSES)
    everything = sorted(partners | set(city_qids))
    items = _items(everything, endpoint.select_batched(FACTS, everything, kinds=kinds))
    ordered = tuple(sorted(statements, key=lambda s: (s.subject, s.object, str(s.start), str(s.end))))
    return WikidataView("endpoint", endpoint.url, ordered, items, directed=True, dates=True, kinds=True)


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
    cut = (lambda x: (x.year, x.month if p >= Precision.MONTH else None, x.day if p >= Precision.DAY else None))
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
