"""Wikidata's side of the comparison: the P190 statements touching our cities and what
their items are, read from the offline extract (``read_extract``) or asked of a SPARQL
endpoint (``fetch``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twinned.errors import InputError, Problem
from twinned.records.dates import PartialDate, Precision
from twinned.records.extract_files import LINKS, NODES
from twinned.wikidata.client import Endpoint, Row, qid_of
from twinned.wikidata.ours import City

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
