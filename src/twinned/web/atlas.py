"""The atlas: what the pictures show, read once per release: places with their
coordinates and countries, partnerships with their documents, and each partnership's *kind*.

The atlas needs the whole graph, so the build computes it once and writes it into the
release as ``atlas.json`` (``atlas_product``, given to the build by the CLI); the server
reads that file when the atlas is first needed. Measured at W10 (1.42M triples, 2-core
machine, 2026-12-03): reading the atlas from the release's N-Triples dump made ``twinned
serve`` answer its first request after 12-13 s; the JSON file is read in about a second.
Without the file (an external store, a release of an older build) the atlas is read from
the dump or the store as before.

A partnership's *kind* is the class of its strongest document: the agreement-types
scheme's ``skos:broader`` hierarchy (read from the ontology graph) puts each
document type under one of ``KINDS``, strongest first.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from twinned import geo
from twinned.build.releasestore import GraphStore
from twinned.config import Settings
from twinned.queries.describe import LABEL_PROPERTIES, SubjectIndex
from twinned.rdf.vocab import TW
from twinned.records.qualified import WORDS
from twinned.web.charts import Kind
from twinned.web.pages import Site, date_key

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

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
DATA = ox.DefaultGraph()
Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple  # what a triple's object may be
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


ATLAS_FILE = "atlas.json"  # in the release: the atlas the build computed (atlas_product)


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
    def _read(cls, site: Site, data: dict[str, Any]) -> Atlas:  # (Any: parsed JSON)
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

    def _links(self, store: GraphStore, facts: Facts) -> Iterable[Link]:
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

    def __init__(self, store: GraphStore, dump: Path | None = None,  # (as Site's: or an external one)
                 triples: Iterable[ox.Triple] | None = None) -> None:
        self.objects: dict[str, dict[str, list[Object]]] = {p: {} for p in ATLAS_PROPERTIES}
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

    def of(self, prop: str) -> dict[str, list[Object]]:
        return self.objects[prop]

    def typed(self, cls: str) -> set[str]:
        return {s for s, classes in self.objects[RDF_TYPE.value].items()
                if any(isinstance(c, ox.NamedNode) and c.value == cls for c in classes)}


def kind_of_type(store: GraphStore, type_iri: str) -> Kind:
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


def write_atlas(site: Site, triples: Iterable[ox.Triple] | None = None) -> bytes:
    """The atlas of a release as the build writes it (``ATLAS_FILE``): ``site`` over (a
    copy of) the release's store, ``triples`` its data (else scans of the store's)."""
    gc.disable()  # (millions of objects that all live until the end: measured at W10, 5.3 s -> 3.1 s)
    try:
        return Atlas(site, triples=triples).to_json()
    finally:
        gc.enable()


def atlas_product(store: ox.Store, settings: Settings, subjects: bytes,
                  progress: Callable[[str], None]) -> tuple[str, bytes]:
    """The atlas as a file of the release (a ``build.pipeline.Product``): the CLI gives it to
    the build, which cannot import the web layer."""
    progress("writing the atlas")
    return ATLAS_FILE, write_atlas(Site(store, settings.base_uri, SubjectIndex(subjects)))
