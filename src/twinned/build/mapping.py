"""Mapping: records → RDF in the twinned vocabulary, plus a Wikidata-shaped view.

URI patterns (relative to the base URI; documented in docs/uris.md, never changed):

    place/{key}                           an administrative body
    country/{iso-code}                    a country (lower-case ISO 3166-1 alpha-2)
    network/{key}                         a city network
    partnership/{a}--{b}                  a partnership (place keys in sorted order)
    partnership/{a}--{b}/document/{id}    a document behind it
    .../document/{id}/signing/{n}         its n-th signing (1-based, in record order)
    partnership/{a}--{b}/statement/{Q}    the Wikidata-shaped P190 statement of party Q
    membership/{city}/{network}           a network membership
    source/{id}                           a source page the records come from
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

from twinned.rdf.vocab import (
    AGREEMENT_TYPES,
    CIRCA,
    COOPERATION_AREAS,
    DATE_QUALIFIERS,
    GEO,
    GREGORIAN,
    PLACE_KINDS,
    PQ,
    PQV,
    PR,
    PS,
    SCHEMA,
    TW,
    WD,
    WDT,
    WIKIBASE,
    P,
    concept,
)
from twinned.records.dates import PartialDate
from twinned.records.model import Area, CityFile, DateRecord, Document, Identity, Membership, Partnership, Records
from twinned.records.qualified import QualifiedDate, WikidataStart, earliest, wikidata_start


@dataclass(frozen=True)
class URIs:
    """Mints the URIs of every resource from the base URI."""

    base: str

    def place(self, key: str) -> URIRef:
        return URIRef(f"{self.base}place/{key}")

    def country(self, code: str) -> URIRef:
        return URIRef(f"{self.base}country/{code.lower()}")

    def network(self, key: str) -> URIRef:
        return URIRef(f"{self.base}network/{key}")

    def partnership(self, a: str, b: str) -> URIRef:
        first, second = sorted((a, b))
        return URIRef(f"{self.base}partnership/{first}--{second}")

    def document(self, partnership: URIRef, doc_id: str) -> URIRef:
        return URIRef(f"{partnership}/document/{doc_id}")

    def membership(self, city: str, network: str) -> URIRef:
        return URIRef(f"{self.base}membership/{city}/{network}")

    def source(self, source_id: str) -> URIRef:
        return URIRef(f"{self.base}source/{source_id}")


def date_literal(date: PartialDate) -> Literal:
    return Literal(str(date), datatype=XSD[date.xsd_name])


def coordinates_source(source: str) -> URIRef:
    """The gazetteer entry coordinates come from: a GeoNames feature or a Wikidata item."""
    scheme, ident = source.split(":", 1)
    return URIRef(f"https://sws.geonames.org/{ident}/") if scheme == "geonames" else _wd(ident)


def _wd(qid: str) -> URIRef:
    return WD[qid]


class _Mapper:
    def __init__(self, records: Records, uris: URIs, sink: Graph | None = None) -> None:
        self.records = records
        self.uris = uris
        self.g = Graph() if sink is None else sink
        self.lang = {c.source.id: c.source.language for c in records.cities}

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.g.add((s, p, o))

    def labels(self, s: URIRef, labels: dict[str, str]) -> None:
        for lang, text in labels.items():
            self.add(s, RDFS.label, Literal(text, lang=lang))

    def identity(self, s: URIRef, identity: Identity) -> None:
        if identity.wikidata:
            self.add(s, OWL.sameAs, _wd(identity.wikidata))
        if identity.unresolved:
            self.add(s, TW.unresolvedReason, Literal(identity.unresolved, lang="en"))
        for qid in identity.candidates:
            self.add(s, TW.candidate, _wd(qid))

    def text(self, s: URIRef, p: URIRef, value: str | None, lang: str = "en") -> None:
        if value:
            self.add(s, p, Literal(value, lang=lang))

    # -- gazetteer -------------------------------------------------------------

    def gazetteer(self) -> None:
        gaz = self.records.gazetteer
        for c in gaz.countries.values():
            s = self.uris.country(c.code)
            self.add(s, RDF.type, TW.Country)
            self.add(s, RDF.type, SCHEMA.Country)
            self.labels(s, c.labels)
            self.add(s, TW.countryCode, Literal(c.code))
            self.identity(s, c.identity)
            self.text(s, SKOS.note, c.note)
        for pl in gaz.places.values():
            s = self.uris.place(pl.key)
            self.add(s, RDF.type, TW.AdministrativeBody)
            self.add(s, RDF.type, PLACE_KINDS[pl.kind])
            self.labels(s, pl.labels)
            for alias in pl.aliases:
                self.add(s, SKOS.altLabel, Literal(alias))
            self.add(s, TW.country, self.uris.country(pl.country))
            self.identity(s, pl.identity)
            if pl.coordinates:
                self.add(s, GEO.lat, Literal(f"{pl.coordinates[0]}", datatype=XSD.decimal))
                self.add(s, GEO.long, Literal(f"{pl.coordinates[1]}", datatype=XSD.decimal))
            if pl.coordinates_source:
                self.add(s, TW.coordinatesFrom, coordinates_source(pl.coordinates_source))
            self.text(s, TW.noCoordinatesReason, pl.no_coordinates)
            self.text(s, SKOS.note, pl.note)
        for n in gaz.networks.values():
            s = self.uris.network(n.key)
            self.add(s, RDF.type, TW.CityNetwork)
            self.add(s, RDF.type, ORG.Organization)
            self.labels(s, n.labels)
            if n.short_name:
                self.add(s, SKOS.altLabel, Literal(n.short_name))
            self.identity(s, n.identity)
            self.text(s, SKOS.note, n.note)

    # -- sources ---------------------------------------------------------------

    def sources(self) -> None:
        for c in self.records.cities:
            self.source(c)

    def source(self, c: CityFile) -> None:
        src = c.source
        s = self.uris.source(src.id)
        self.add(s, RDF.type, PROV.Entity)
        self.add(s, RDF.type, SCHEMA.WebPage)
        self.add(s, DCTERMS.title, Literal(src.title, lang=src.language))
        self.add(s, DCTERMS.publisher, self.uris.place(src.publisher))
        self.add(s, DCTERMS.language, Literal(src.language))
        self.add(s, TW.capturedAs, Literal(src.file))
        if src.url:
            self.add(s, SCHEMA.url, URIRef(src.url))

    # -- partnerships ----------------------------------------------------------

    def qualified(self, s: URIRef, prop: URIRef, qualifier_prop: URIRef, d: QualifiedDate) -> None:
        """A derived date and, when it is approximate, its qualifier beside it."""
        self.add(s, prop, date_literal(d.date))
        if d.qualifier:
            self.add(s, qualifier_prop, concept(DATE_QUALIFIERS, d.qualifier))

    def date_parts(self, s: URIRef, prop: URIRef, d: DateRecord) -> None:
        self.add(s, prop, date_literal(d.date))
        if d.as_written:
            self.add(s, TW.dateAsWritten, Literal(d.as_written))
        if d.qualifier:
            self.add(s, TW.dateQualifier, concept(DATE_QUALIFIERS, d.qualifier))

    def areas(self, s: URIRef, areas: Iterable[Area], lang: str) -> None:
        for a in areas:
            self.add(s, TW.cooperationArea, concept(COOPERATION_AREAS, a.area))
            if a.as_written:
                self.add(s, TW.areaAsWritten, Literal(a.as_written, lang=lang))

    def partnership(self, p: Partnership) -> None:
        gaz = self.records.gazetteer
        s = self.uris.partnership(p.city, p.partner)
        a, b = (self.uris.place(k) for k in p.parties)
        lang = self.lang[p.source]
        self.add(s, RDF.type, TW.Partnership)
        names = " – ".join(gaz.places[k].labels["en"] for k in p.parties)
        self.add(s, RDFS.label, Literal(names, lang="en"))
        self.add(s, TW.party, a)
        self.add(s, TW.party, b)
        self.add(a, TW.twinnedWith, b)
        self.add(b, TW.twinnedWith, a)
        self.add(s, TW.recordedBy, self.uris.place(p.city))
        self.add(s, PROV.wasDerivedFrom, self.uris.source(p.source))
        self.add(s, TW.sourcePassage, Literal(p.passage, lang=lang))
        self.text(s, SKOS.note, p.note)
        if p.began:
            self.add(s, TW.began, date_literal(p.began.date))
            if p.began.as_written:
                self.add(s, TW.beganAsWritten, Literal(p.began.as_written, lang=lang))
            if p.began.qualifier:
                self.add(s, TW.beganQualifier, concept(DATE_QUALIFIERS, p.began.qualifier))
        self.areas(s, p.areas, lang)
        dates: list[QualifiedDate] = []
        for doc in p.documents:
            self.document(s, p, doc, lang)
            dates += doc.qualified_dates
        start = earliest(dates)
        if start is not None:
            self.qualified(s, TW.startDate, TW.startDateQualifier, start)
        self.wikidata_view(s, p, start)

    def document(self, partnership: URIRef, p: Partnership, doc: Document, lang: str) -> None:
        s = self.uris.document(partnership, doc.id)
        self.add(s, RDF.type, TW.Document)
        self.add(partnership, TW.document, s)
        self.add(s, TW.partnership, partnership)
        self.add(s, TW.documentType, concept(AGREEMENT_TYPES, doc.type))
        self.add(s, DCTERMS.title, Literal(doc.title, lang=lang))
        self.add(s, PROV.wasDerivedFrom, self.uris.source(p.source))
        self.text(s, SKOS.note, doc.note)
        for i, signing in enumerate(doc.signings, start=1):
            sg = URIRef(f"{s}/signing/{i}")
            self.add(s, TW.signing, sg)
            self.add(sg, RDF.type, TW.Signing)
            if signing.date:
                self.date_parts(sg, TW.date, signing.date)
            if signing.place:
                self.add(sg, TW.place, self.uris.place(signing.place))
            if signing.venue:
                self.add(sg, TW.venue, Literal(signing.venue, lang=lang))
        first = earliest(doc.qualified_dates)
        if first is not None:
            self.qualified(s, TW.firstSigned, TW.firstSignedQualifier, first)
        self.areas(s, doc.areas, lang)
        if doc.renews:
            self.add(s, TW.renews, self.uris.document(partnership, doc.renews))
        if doc.follows:
            self.add(s, TW.follows, self.uris.document(partnership, doc.follows))

    def time_value(self, st: URIRef, prop: str, date: PartialDate) -> None:
        """A pq: time qualifier and its pqv: value node with the precision."""
        self.add(st, PQ[prop], Literal(date.wikidata_time(), datatype=XSD.dateTime))
        tv = URIRef(f"{st}/{prop}")
        self.add(st, PQV[prop], tv)
        self.add(tv, RDF.type, WIKIBASE.TimeValue)
        self.add(tv, WIKIBASE.timeValue, Literal(date.wikidata_time(), datatype=XSD.dateTime))
        self.add(tv, WIKIBASE.timePrecision, Literal(int(date.precision)))
        self.add(tv, WIKIBASE.timeTimezone, Literal(0))
        self.add(tv, WIKIBASE.timeCalendarModel, GREGORIAN)

    def start_time(self, st: URIRef, w: WikidataStart) -> None:
        """P580 at no more than the source's precision (see qualified.py)."""
        if w.value is not None:
            self.time_value(st, "P580", w.value)
        else:  # "unknown value": a node of our own, so the dumps stay deterministic
            unknown = URIRef(f"{st}/P580")
            self.add(st, PQ.P580, unknown)
            self.add(unknown, RDF.type, TW.UnknownValue)
        if w.circa:
            self.add(st, PQ.P1480, CIRCA)
        if w.earliest is not None:
            self.time_value(st, "P1319", w.earliest)
        if w.latest is not None:
            self.time_value(st, "P1326", w.latest)

    def wikidata_view(self, s: URIRef, p: Partnership, start: QualifiedDate | None) -> None:
        """``wd:Qa wdt:P190 wd:Qb`` and Wikidata's p:/ps:/pq: statement pattern."""
        places = self.records.gazetteer.places
        qa, qb = (places[k].identity.wikidata for k in p.parties)
        if not qa or not qb:
            return
        for subj, obj in ((qa, qb), (qb, qa)):
            self.add(_wd(subj), WDT.P190, _wd(obj))
            st = URIRef(f"{s}/statement/{subj}")
            self.add(_wd(subj), P.P190, st)
            self.add(st, RDF.type, WIKIBASE.Statement)
            self.add(st, PS.P190, _wd(obj))
            self.add(st, WIKIBASE.rank, WIKIBASE.NormalRank)
            self.add(st, TW.statementOf, s)
            if start is not None:
                self.start_time(st, wikidata_start(start))
            ref = URIRef(f"{st}/reference")
            self.add(st, PROV.wasDerivedFrom, ref)
            self.add(ref, RDF.type, WIKIBASE.Reference)
            self.add(ref, PR.P854, s)

    # -- memberships -----------------------------------------------------------

    def membership(self, m: Membership) -> None:
        s = self.uris.membership(m.city, m.network)
        lang = self.lang[m.source]
        self.add(s, RDF.type, ORG.Membership)
        if m.implied:  # implied by the source, not stated: marked so, with the reason
            self.add(s, RDF.type, TW.ImpliedMembership)
            self.add(s, TW.impliedBecause, Literal(m.implied, lang="en"))
        self.add(s, ORG.member, self.uris.place(m.city))
        self.add(s, ORG.organization, self.uris.network(m.network))
        net = self.records.gazetteer.networks[m.network].labels["en"]
        city = self.records.gazetteer.places[m.city].labels["en"]
        self.add(s, RDFS.label, Literal(f"{city} in {net}", lang="en"))
        self.add(s, PROV.wasDerivedFrom, self.uris.source(m.source))
        self.add(s, TW.sourcePassage, Literal(m.passage, lang=lang))
        if m.since:
            period = URIRef(f"{s}/period")
            start = URIRef(f"{s}/period/start")
            self.qualified(s, TW.memberSince, TW.memberSinceQualifier,
                           QualifiedDate(m.since.date, m.since.qualifier))
            self.add(s, ORG.memberDuring, period)
            self.add(period, RDF.type, TIME.Interval)
            self.add(period, TIME.hasBeginning, start)
            self.add(start, RDF.type, TIME.Instant)
            time_prop = {"date": TIME.inXSDDate, "gYearMonth": TIME.inXSDgYearMonth, "gYear": TIME.inXSDgYear}
            self.add(start, time_prop[m.since.date.xsd_name], date_literal(m.since.date))
            if m.since.as_written:
                self.add(start, TW.dateAsWritten, Literal(m.since.as_written))
            if m.since.qualifier:
                self.add(start, TW.dateQualifier, concept(DATE_QUALIFIERS, m.since.qualifier))


def map_gazetteer(records: Records, base_uri: str, sink: Graph | None = None) -> Graph:
    """The triples of the gazetteer (``places.yaml``): countries, places, networks."""
    m = _Mapper(records, URIs(base_uri), sink)
    m.gazetteer()
    return m.g


def map_city(records: Records, city: CityFile, base_uri: str, sink: Graph | None = None) -> Graph:
    """The triples of one record file: its source, partnerships and memberships (the
    build keeps them as a unit, see incremental.py)."""
    m = _Mapper(records, URIs(base_uri), sink)
    m.source(city)
    for p in city.partnerships:
        m.partnership(p)
    for ms in city.memberships:
        m.membership(ms)
    return m.g
