"""What the pictures show, read from the loaded store: places with their coordinates,
partnerships coloured by their strongest document, documents in time, and the whole
network. ``Pictures`` gives the templates ready-drawn SVG (``charts``) with the rows of
the table that stands beside each picture, and ``/network.json`` its data.

The atlas (every place and partnership) needs the whole graph, so the build computes it
once and writes it into the release as ``atlas.json`` (``write_atlas``); the server reads
that file when the atlas is first needed. Measured at W10 (1.42M triples, 2-core machine,
2026-12-03): reading the atlas from the release's N-Triples dump made ``twinned serve``
answer its first request after 12-13 s; the JSON file is read in about a second.
Without the file (an external store, a release of an older build) the atlas is read from
the dump or the store as before.

A partnership's *kind* is the class of its strongest document: the agreement-types
scheme's ``skos:broader`` hierarchy (read from the ontology graph) puts each
document type under one of ``KINDS``, strongest first.
"""

from __future__ import annotations

import gc
import json
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import pyoxigraph as ox

from . import charts, geo
from .charts import Kind
from .describe import LABEL_PROPERTIES
from .pages import Site, date_key
from .qualified import WORDS
from .vocab import TW

KINDS = (
    Kind("twinning", "Twinning agreement", "#0072b2"),
    Kind("agreement", "Cooperation or other agreement", "#009e73"),
    Kind("memorandum", "Memorandum, protocol or declaration", "#e69f00"),
    Kind("intent", "Statement of intent", "#cc79a7"),
    Kind("other", "Other document", "#8c6d31"),
    Kind("none", "No document recorded", "#8a8f98"),
)
KIND = {k.key: k for k in KINDS}
_RANK = {k.key: n for n, k in enumerate(KINDS)}


def rank(kind: Kind) -> int:
    """A kind's place in ``KINDS``, strongest first (``KINDS.index``, without comparing
    kinds field by field: the landing map sorts 106,003 partnerships at W10)."""
    return _RANK[kind.key]
TYPES = str(TW) + "agreement-types/"
# concepts of the agreement-types scheme -> kind; narrower concepts inherit it
KIND_OF_CONCEPT = {TYPES + "twinning-agreement": "twinning", TYPES + "agreement": "agreement",
                   TYPES + "memorandum": "memorandum", TYPES + "protocol": "memorandum",
                   TYPES + "declaration": "memorandum", TYPES + "intent": "intent"}
BROADER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader")
T = TypeVar("T")
_MISSING = object()
LANDING_ARCS = 600  # more partnerships than this: the landing map draws the strongest

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
DATA = ox.DefaultGraph()
ATLAS_PROPERTIES = (RDF_TYPE.value, GEO + "lat", GEO + "long", str(TW.country), str(TW.countryCode),
                    str(TW.documentType), str(TW.firstSigned), str(TW.renews), str(TW.document), str(TW.party),
                    str(TW.recordedBy), str(TW.startDate),
                    str(TW.startDateQualifier), str(TW.firstSignedQualifier))


@dataclass(frozen=True)
class Place:
    iri: str
    href: str
    label: str
    country: str | None  # the country's IRI
    country_label: str | None
    code: str | None  # ISO 3166-1 alpha-2
    lon: float | None
    lat: float | None

    @property
    def where(self) -> geo.LonLat | None:
        return (self.lon, self.lat) if self.lon is not None and self.lat is not None else None


@dataclass(frozen=True)
class Document:
    iri: str
    href: str
    title: str
    type_label: str | None
    kind: Kind
    first: str | None  # first signed, lexical
    renewal: bool
    qualifier: str | None = None  # how the first signing date is approximate ("not before")

    @property
    def when(self) -> str | None:
        """The first signing date as published, with its qualifier."""
        return f"{self.qualifier} {self.first}" if self.first and self.qualifier else self.first


@dataclass(frozen=True)
class Link:
    """A partnership between two places."""

    iri: str
    href: str
    a: str
    b: str
    recorder: str | None
    start: str | None
    documents: tuple[Document, ...]
    start_qualifier: str | None = None  # how the start date is approximate ("not before")

    @cached_property  # (asked for hundreds of thousands of times by the landing map at W10)
    def kind(self) -> Kind:
        """The kind of the strongest document (``none`` without documents)."""
        return min((d.kind for d in self.documents), key=rank, default=KIND["none"])

    def other(self, place: str) -> str:
        return self.b if place == self.a else self.a


def _value(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def _float(term: object) -> float | None:
    try:
        return float(term.value) if isinstance(term, ox.Literal) else None
    except ValueError:
        return None


ATLAS_FILE = "atlas.json"  # in the release: the atlas the build computed (write_atlas)


class Atlas:
    """Every place and partnership of the store, read once."""

    def __init__(self, site: Site, dump: Path | None = None, triples: Iterable[ox.Triple] | None = None) -> None:
        """From the data's ``triples`` when given, else from the release's N-Triples
        ``dump``, else from scans of the store."""
        self.site = site
        facts = Facts(site.store, dump, triples)
        self._names: dict[str, dict[str, str]] | None = facts.names  # every name, while reading
        self.places = {p.iri: p for p in self._places(facts)}
        self.links = sorted(self._links(site.store, facts), key=lambda link: link.iri)
        self._names = None
        self._index()

    def _index(self) -> None:
        self.by_place: dict[str, list[Link]] = {}
        for link in self.links:
            self.by_place.setdefault(link.a, []).append(link)
            self.by_place.setdefault(link.b, []).append(link)

    def to_json(self) -> bytes:
        """The atlas as JSON (hrefs left out: the server's addresses give them)."""
        places = [[p.iri, p.label, p.country, p.country_label, p.code, p.lon, p.lat]
                  for p in sorted(self.places.values(), key=lambda p: p.iri)]
        links = [[k.iri, k.a, k.b, k.recorder, k.start, k.start_qualifier,
                  [[d.iri, d.title, d.type_label, d.kind.key, d.first, d.renewal, d.qualifier] for d in k.documents]]
                 for k in self.links]
        text = json.dumps({"places": places, "links": links}, ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")

    @classmethod
    def read(cls, site: Site, path: Path) -> Atlas:
        """The atlas a build wrote (``to_json``)."""
        gc.disable()  # (a few hundred thousand objects that all live: a third faster so)
        try:
            return cls._read(site, json.loads(path.read_bytes()))
        finally:
            gc.enable()

    @classmethod
    def _read(cls, site: Site, data: dict[str, Any]) -> Atlas:
        atlas = cls.__new__(cls)
        atlas.site, atlas._names = site, None
        href = atlas.href
        atlas.places = {p[0]: Place(p[0], href(p[0]), *p[1:]) for p in data["places"]}
        atlas.links = [Link(k[0], href(k[0]), k[1], k[2], k[3], k[4],
                            tuple(Document(d[0], href(d[0]), d[1], d[2], KIND[d[3]], *d[4:]) for d in k[6]), k[5])
                       for k in data["links"]]
        atlas._index()
        return atlas

    def label(self, iri: str) -> str:
        names = self._names.get(iri) if self._names is not None else None
        if names:
            return names.get("en") or names.get("") or names[sorted(names)[0]]
        return self.site.labels.label(iri, self.site.base)

    def place(self, iri: str) -> Place:
        """A place read from the store, or one known only by its IRI."""
        return self.places.get(iri) or Place(iri, self.href(iri), self.label(iri), None, None, None, None, None)

    def href(self, iri: str) -> str:
        return self.site.addresses.path(iri) or iri

    def _places(self, facts: Facts) -> Iterable[Place]:
        """Every administrative body with its coordinates and country."""
        lat, long = facts.of(GEO + "lat"), facts.of(GEO + "long")
        country, code = facts.of(str(TW.country)), facts.of(str(TW.countryCode))
        for iri in sorted(facts.typed(str(TW.AdministrativeBody))):
            where = iri in lat and iri in long
            c = _value(country[iri][0]) if iri in country else None
            yield Place(iri, self.href(iri), self.label(iri), c, self.label(c) if c else None,
                        _value(code[c][0]) if c in code else None,
                        _float(long[iri][0]) if where else None, _float(lat[iri][0]) if where else None)

    def _links(self, store: ox.Store, facts: Facts) -> Iterable[Link]:
        partnerships = facts.typed(str(TW.Partnership))
        kinds: dict[str, Kind] = {}
        docs: dict[str, list[Document]] = {}
        types, firsts = facts.of(str(TW.documentType)), facts.of(str(TW.firstSigned))
        renews, firstqs = facts.of(str(TW.renews)), facts.of(str(TW.firstSignedQualifier))
        for p, found in sorted(facts.of(str(TW.document)).items()):
            if p not in partnerships:
                continue
            for d in sorted({v for v in map(_value, found) if v is not None}):
                t = _value(types[d][0]) if d in types else None
                if t is not None and t not in kinds:
                    kinds[t] = kind_of_type(store, t)
                docs.setdefault(p, []).append(Document(
                    d, self.href(d), self.label(d), self.label(t) if t else None,
                    kinds[t] if t else KIND["other"], _value(firsts[d][0]) if d in firsts else None, d in renews,
                    _qualifier_words(_value(firstqs[d][0]) if d in firstqs else None)))
        parties, recorders = facts.of(str(TW.party)), facts.of(str(TW.recordedBy))
        starts, startqs = facts.of(str(TW.startDate)), facts.of(str(TW.startDateQualifier))
        for p in sorted(partnerships):
            ends = sorted({v for v in map(_value, parties.get(p, [])) if v is not None})
            if len(ends) < 2:
                continue
            ordered = sorted(docs.get(p, []), key=lambda d: (d.first is None, date_key(d.first or ""), d.iri))
            yield Link(p, self.href(p), ends[0], ends[1], _value(recorders[p][0]) if p in recorders else None,
                       _value(starts[p][0]) if p in starts else None, tuple(ordered),
                       _qualifier_words(_value(startqs[p][0]) if p in startqs else None))

    def publishers(self) -> set[str]:
        return {link.recorder for link in self.links if link.recorder}


class Facts:
    """The few properties the atlas reads, by subject: from the data's triples, from one
    pass over the release's N-Triples dump (pyoxigraph's parser; many times faster than
    scans of the on-disk store), or, without either (an external store), from one scan
    of the store per property. Values are sorted, so the atlas is the same either way."""

    def __init__(self, store: Any, dump: Path | None = None, triples: Iterable[Any] | None = None) -> None:
        self.objects: dict[str, dict[str, list[Any]]] = {p: {} for p in ATLAS_PROPERTIES}
        names: dict[str, dict[str, list[ox.Literal]]] = {p: {} for p in LABEL_PROPERTIES}
        if triples is not None:
            pass
        elif dump is not None and dump.is_file():
            triples = (q.triple for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_TRIPLES))
        else:
            triples = (q.triple for p in (*ATLAS_PROPERTIES, *LABEL_PROPERTIES)
                       for q in store.quads_for_pattern(None, ox.NamedNode(p), None, DATA))
        for t in triples:
            p, subject = t.predicate.value, t.subject
            if not isinstance(subject, ox.NamedNode):
                continue
            found = self.objects.get(p)
            if found is not None:
                found.setdefault(subject.value, []).append(t.object)
            elif p in names and isinstance(t.object, ox.Literal):
                names[p].setdefault(subject.value, []).append(t.object)
        for by_subject in self.objects.values():
            for values in by_subject.values():
                values.sort(key=str)
        self.names: dict[str, dict[str, str]] = {}
        for prop in LABEL_PROPERTIES:  # as describe.Labels reads them
            for iri, literals in names[prop].items():
                langs = self.names.setdefault(iri, {})
                for lit in sorted(literals, key=str):
                    langs.setdefault(lit.language or "", lit.value)

    def of(self, prop: str) -> dict[str, list[Any]]:
        return self.objects[prop]

    def typed(self, cls: str) -> set[str]:
        return {s for s, classes in self.objects[RDF_TYPE.value].items()
                if any(isinstance(c, ox.NamedNode) and c.value == cls for c in classes)}


def kind_of_type(store: ox.Store, type_iri: str) -> Kind:
    """The kind of a document type: its own or its nearest broader concept's."""
    frontier, seen = [type_iri], set()
    while frontier:
        iri = frontier.pop(0)
        if iri in KIND_OF_CONCEPT:
            return KIND[KIND_OF_CONCEPT[iri]]
        seen.add(iri)
        frontier += [q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), BROADER, None, None)
                     if isinstance(q.object, ox.NamedNode) and q.object.value not in seen]
    return KIND["other"]


def _qualifier_words(concept: str | None) -> str | None:
    """A date-qualifiers concept as words (".../not-before" -> "not before")."""
    return WORDS.get(concept.rsplit("/", 1)[-1]) if concept else None


def _since(link: Link) -> str:
    if not link.start:
        return ""
    return f", since {link.start_qualifier} {link.start}" if link.start_qualifier else f", since {link.start}"


def _named(place: Place) -> str:
    """The place and its country, for a tooltip."""
    return f"{place.label}, {place.country_label}" if place.country_label else place.label


def _between(a: str, b: str, link: Link) -> str:
    return f"{a} – {b}: {link.kind.label.lower()}{_since(link)}"


def write_atlas(site: Site, triples: Iterable[ox.Triple] | None = None) -> bytes:
    """The atlas of a release as the build writes it (``ATLAS_FILE``): ``site`` over (a
    copy of) the release's store, ``triples`` its data (else scans of the store's)."""
    gc.disable()  # (millions of objects that all live until the end: measured at W10, 5.3 s -> 3.1 s)
    try:
        return Atlas(site, triples=triples).to_json()
    finally:
        gc.enable()


class Pictures:
    """The pictures of one loaded release, drawn on first use and kept."""

    def __init__(self, site: Site, dump: Path | None = None, atlas_file: Path | None = None) -> None:
        self.site = site
        self.dump = dump  # the release's N-Triples dump, read for the atlas when there is no atlas file
        self.atlas_file = atlas_file  # the atlas the build computed
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}

    @cached_property
    def atlas(self) -> Atlas:
        if self.atlas_file is not None and self.atlas_file.is_file():
            return Atlas.read(self.site, self.atlas_file)
        return Atlas(self.site, self.dump)

    def _kept(self, name: str, key: str, make: Callable[[], T]) -> T:
        """A picture drawn once and kept. Drawn outside the lock (two threads asking for the
        same new picture at once may both draw it; the first kept wins), so no request ever
        waits for another's drawing."""
        found: Any = self._cache.get((name, key), _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        made = make()
        with self._lock:
            if len(self._cache) > 512:
                self._cache.clear()
            return cast(T, self._cache.setdefault((name, key), made))

    # -- maps ------------------------------------------------------------------------------------

    def place_map(self, iri: str) -> dict[str, Any]:
        """The place and its partners, partnerships as great-circle arcs."""
        return self._kept("place_map", iri, lambda: self._place_map(iri))

    def _place_map(self, iri: str) -> dict[str, Any]:
        atlas = self.atlas
        here = atlas.places.get(iri)
        links = sorted(atlas.by_place.get(iri, []), key=lambda link: (rank(link.kind), link.iri))
        markers, arcs, rows = [], [], []
        for link in links:
            partner = atlas.place(link.other(iri))
            tip = f"{_named(partner)}: {link.kind.label.lower()}{_since(link)}"
            on_map = partner.where is not None
            if on_map:
                markers.append(charts.Marker(partner.href, partner.label, partner.lon or 0, partner.lat or 0,
                                             link.kind, tip))
                if here is not None and here.where is not None and partner.where is not None:
                    arcs.append(charts.Arc(here.where, partner.where, link.kind,
                                           _between(here.label, partner.label, link)))
            rows.append({"partner": partner, "link": link, "kind": link.kind, "on_map": on_map})
        if here is not None and here.where is not None:
            markers.append(charts.Marker(here.href, here.label, here.lon or 0, here.lat or 0, KIND["none"],
                                         f"{here.label} (this place)", role="focus"))
        rows.sort(key=lambda r: r["partner"].label.casefold())
        label = here.label if here else self.site.labels.label(iri)
        partners = sum(1 for m in markers if m.role == "partner")
        svg = charts.map_svg(markers, arcs, ident="map-svg", title=f"Map of {label} and its partners",
                             description=f"{partners} of {len(rows)} partners of {label} drawn at their "
                                         "coordinates, joined by great-circle arcs coloured by the kind of "
                                         "the strongest document of each partnership.") if markers else None
        return {"svg": svg, "rows": rows, "markers": partners, "missing": [r for r in rows if not r["on_map"]],
                "kinds": self._used(link.kind for link in links), "here_on_map": bool(here and here.where)}

    def landing_map(self) -> dict[str, Any]:
        return self._kept("landing_map", "", self._landing_map)

    def _landing_map(self) -> dict[str, Any]:
        atlas = self.atlas
        publishers = atlas.publishers()
        links = sorted(atlas.links, key=lambda link: (rank(link.kind), link.iri))
        drawn = [link for link in links if atlas.place(link.a).where and atlas.place(link.b).where]
        shown = drawn[:LANDING_ARCS]
        arcs = [charts.Arc(atlas.place(link.a).where or (0, 0), atlas.place(link.b).where or (0, 0), link.kind,
                           _between(atlas.label(link.a), atlas.label(link.b), link)) for link in shown]
        ends = {p for link in (shown if len(drawn) > LANDING_ARCS else links) for p in (link.a, link.b)}
        markers = []
        for iri in sorted(ends, key=lambda i: atlas.place(i).label.casefold()):
            place = atlas.place(iri)
            if place.where is None:
                continue
            strongest = min((link.kind for link in atlas.by_place.get(iri, [])), key=rank,
                            default=KIND["none"])
            n = len(atlas.by_place.get(iri, []))
            tip = f"{_named(place)}: {n} partner{'s' if n != 1 else ''}"
            markers.append(charts.Marker(place.href, place.label, place.lon or 0, place.lat or 0, strongest, tip,
                                         role="publisher" if iri in publishers else "place"))
        svg = charts.map_svg(markers, arcs, ident="map-svg", title="Map of the partnerships",
                             description=f"{len(markers)} places drawn at their coordinates and {len(arcs)} "
                                         "partnerships as great-circle arcs, coloured by the kind of the "
                                         "strongest document.", labels=12, arc_step=4.0)
        unplaced = sorted((atlas.place(i) for i in ends if atlas.place(i).where is None),
                          key=lambda p: p.label.casefold())
        return {"svg": svg, "markers": len(markers), "arcs": len(arcs), "partnerships": len(links),
                "drawable": len(drawn), "unplaced": unplaced, "kinds": self._used(link.kind for link in links),
                "counts": self._kind_counts(links)}

    def _used(self, kinds: Iterable[Kind]) -> list[Kind]:
        used = set(kinds)
        return [k for k in KINDS if k in used]

    def _kind_counts(self, links: Iterable[Link]) -> list[dict[str, Any]]:
        counts = Counter(link.kind.key for link in links)
        return [{"kind": k, "count": counts[k.key]} for k in KINDS if counts[k.key]]

    # -- time ------------------------------------------------------------------------------------

    def timeline(self, iri: str) -> dict[str, Any]:
        return self._kept("timeline", iri, lambda: self._timeline(iri))

    def _timeline(self, iri: str) -> dict[str, Any]:
        atlas = self.atlas
        rows, table, undated = [], [], []
        for link in atlas.by_place.get(iri, []):
            partner = atlas.place(link.other(iri))
            events = []
            for d in link.documents:
                entry = {"document": d, "partner": partner, "link": link}
                if d.first is None:
                    undated.append(entry)
                    continue
                kind = (d.type_label or d.kind.label).lower() + (", renewal" if d.renewal else "")
                events.append(charts.Event(d.href, d.first, d.kind, f"{partner.label}: {d.title} ({kind}), {d.when}",
                                           d.renewal))
                table.append(entry)
            if events:
                rows.append(charts.TimelineRow(link.href, partner.label, tuple(events)))
        rows.sort(key=lambda r: (date_key(r.events[0].date), r.label.casefold()))
        table.sort(key=lambda e: (date_key(e["document"].first), e["partner"].label.casefold()))
        label = atlas.label(iri)
        svg = charts.timeline_svg(rows, ident="timeline-svg", title=f"Timeline of the documents of {label}",
                                  description=f"{len(table)} dated documents of {len(rows)} partnerships, one "
                                              "line per partnership; renewals are hollow.") if rows else None
        kinds = self._used(e["document"].kind for e in table)
        return {"svg": svg, "rows": table, "undated": undated, "kinds": kinds}

    def per_year(self) -> dict[str, Any]:
        return self._kept("per_year", "", self._per_year)

    def _per_year(self) -> dict[str, Any]:
        counts: dict[int, Counter[str]] = {}
        for link in self.atlas.links:
            for d in link.documents:
                if d.first:
                    counts.setdefault(date_key(d.first)[0], Counter())[d.kind.key] += 1
        kinds = self._used(KIND[k] for c in counts.values() for k in c)
        total = sum(sum(c.values()) for c in counts.values())
        svg = charts.per_year_svg(counts, kinds, ident="per-year-svg", title="Documents signed per year",
                                  description=f"{total} dated documents by the year they were first signed, "
                                              "coloured by kind, with the total of each decade above.",
                                  href="/queries/signings-in?when=") if counts else None
        decades: dict[int, Counter[str]] = {}
        for year, c in counts.items():
            decades.setdefault(year // 10 * 10, Counter()).update(c)
        table = [{"decade": d, "counts": [decades[d][k.key] for k in kinds], "total": sum(decades[d].values())}
                 for d in sorted(decades)]
        return {"svg": svg, "kinds": kinds, "decades": table, "total": total}

    # -- the network -------------------------------------------------------------------------------

    def network(self, focus: str | None = None, depth: int = 2) -> dict[str, Any]:
        """Places and partnerships as JSON for ``static/twinned-network.js``: the whole
        network, or the places within ``depth`` partnerships of ``focus``."""
        return self._kept("network", f"{focus}|{depth}", lambda: self._network(focus, depth))

    def _network(self, focus: str | None, depth: int) -> dict[str, Any]:
        atlas = self.atlas
        keep = set(atlas.by_place) if focus is None else self._around(focus, depth)
        places = sorted((atlas.place(i) for i in keep), key=lambda p: (p.label.casefold(), p.iri))
        countries = sorted({p.country for p in places if p.country})
        country_index = {c: n for n, c in enumerate(countries)}
        index = {p.iri: n for n, p in enumerate(places)}
        nodes = []
        for p in places:
            xy = geo.equal_earth(*p.where) if p.where else None
            nodes.append([p.href, p.label, country_index.get(p.country or "", -1),
                          round(xy[0], 4) if xy else None, round(xy[1], 4) if xy else None])
        kind_index = {k.key: n for n, k in enumerate(KINDS)}
        edges = [[index[link.a], index[link.b], kind_index[link.kind.key]]
                 for link in self.atlas.links if link.a in index and link.b in index]
        return {
            "focus": atlas.href(focus) if focus else None,
            "kinds": [{"key": k.key, "label": k.label, "colour": k.colour} for k in KINDS],
            "countries": [self._country(c) for c in countries],
            "nodes": nodes, "edges": edges,
        }

    def _country(self, iri: str) -> dict[str, Any]:
        code = next((p.code for p in self.atlas.places.values() if p.country == iri and p.code), None)
        return {"href": self.atlas.href(iri), "label": self.atlas.label(iri), "code": code,
                "continent": geo.continent(code)}

    def _around(self, focus: str, depth: int) -> set[str]:
        seen, frontier = {focus}, {focus}
        for _ in range(depth):
            frontier = {link.other(p) for p in frontier for link in self.atlas.by_place.get(p, [])} - seen
            seen |= frontier
        return seen if focus in self.atlas.by_place or focus in self.atlas.places else set()

    def countries(self) -> list[dict[str, Any]]:
        """Countries with their continent and how many places and partnerships they have."""
        return self._kept("countries", "", self._countries)

    def _countries(self) -> list[dict[str, Any]]:
        atlas = self.atlas
        rows: dict[str, dict[str, Any]] = {}
        for iri, links in atlas.by_place.items():
            place = atlas.place(iri)
            key = place.country or ""
            row = rows.setdefault(key, {"country": place.country, "label": place.country_label or "No country",
                                        "href": atlas.href(place.country) if place.country else None,
                                        "code": place.code, "continent": geo.continent(place.code),
                                        "places": 0, "partnerships": set()})
            row["places"] += 1
            row["partnerships"].update(link.iri for link in links)
        out = [{**r, "partnerships": len(r["partnerships"])} for r in rows.values()]
        return sorted(out, key=lambda r: r["label"].casefold())

    def places_in(self, code: str | None = None, continent: str | None = None,
                  text: str | None = None) -> list[dict[str, Any]]:
        """The places of a country (ISO code) or continent, or whose name contains the
        text, with their partners."""
        atlas = self.atlas
        out = []
        for iri, links in atlas.by_place.items():
            place = atlas.place(iri)
            if code and (place.code or "").upper() != code.upper():
                continue
            if continent and geo.continent(place.code) != continent:
                continue
            if text and fold(text) not in fold(place.label):
                continue
            partners = sorted((atlas.place(link.other(iri)) for link in links), key=lambda p: p.label.casefold())
            out.append({"place": place, "partners": partners})
        return sorted(out, key=lambda r: r["place"].label.casefold())


def fold(text: str) -> str:
    """Text for matching: lower case without accents (Košice matches kosice)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))

