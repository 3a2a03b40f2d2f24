"""Statistics of the data graph (twinned.build.stats): the VoID numbers and the landing
page's counts, computed in one pass; the same from an rdflib graph as from triples."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from twinned.build.stats import DataStats

BASE = "https://w3id.org/twinned/"
TW = BASE + "def/"
KOSICE, WUPPERTAL = URIRef(BASE + "place/kosice"), URIRef(BASE + "place/wuppertal")
SIGNING = URIRef(BASE + "partnership/kosice-wuppertal/signing")
ELSEWHERE = URIRef("http://www.wikidata.org/entity/Q25409")


def graph() -> Graph:
    g = Graph()
    for place, code in ((KOSICE, "SK"), (WUPPERTAL, "DE")):
        g.add((place, RDF.type, URIRef(TW + "AdministrativeBody")))
        g.add((place, URIRef(TW + "countryCode"), Literal(code)))
    g.add((KOSICE, OWL.sameAs, ELSEWHERE))
    g.add((KOSICE, RDFS.label, Literal("Košice", lang="sk")))
    g.add((SIGNING, RDF.type, URIRef(TW + "Signing")))
    g.add((SIGNING, URIRef(TW + "date"), Literal("1980-05-09", datatype=XSD.date)))
    g.add((SIGNING, URIRef(TW + "date"), Literal("1975", datatype=XSD.gYear)))
    g.add((ELSEWHERE, RDFS.label, Literal("Košice", lang="en")))
    return g


def test_counts() -> None:
    stats = DataStats.from_graph(graph(), BASE, keep=[str(KOSICE), BASE + "place/nowhere"])
    assert stats.triples == 10
    assert stats.entities == 3  # subjects under the base: the two places and the signing
    assert stats.distinct_subjects == 4
    assert stats.distinct_objects == 9
    assert stats.classes == {TW + "AdministrativeBody": 2, TW + "Signing": 1}
    assert list(stats.properties) == sorted(stats.properties)
    assert stats.properties[str(RDF.type)] == 3 and stats.properties[str(RDFS.label)] == 2
    assert stats.same_as == 1
    assert stats.country_codes == ("DE", "SK")
    assert stats.has_subject(str(KOSICE)) and not stats.has_subject(BASE + "place/nowhere")
    assert not stats.has_subject(str(WUPPERTAL))  # only what was asked about is kept


def test_the_date_span_is_by_lexical_form_with_its_datatype() -> None:
    stats = DataStats.from_graph(graph(), BASE)
    assert stats.first_date == '"1975"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    assert stats.last_date == '"1980-05-09"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert stats.date_span() == (Literal("1975", datatype=XSD.gYear), Literal("1980-05-09", datatype=XSD.date))


def test_no_dates_no_span() -> None:
    g = Graph()
    g.add((KOSICE, RDFS.label, Literal("Košice")))
    stats = DataStats.from_graph(g, BASE)
    assert stats.first_date is None and stats.date_span() is None
    assert stats.classes == {} and stats.country_codes == () and stats.same_as == 0


def test_from_triples_is_from_graph() -> None:
    g = graph()
    triples = [q.triple for q in ox.parse(g.serialize(format="nt", encoding="utf-8"),
                                          format=ox.RdfFormat.N_TRIPLES)]
    assert DataStats.from_triples(triples, BASE) == DataStats.from_graph(g, BASE)
    assert DataStats.from_triples(iter(triples), BASE).triples == len(triples)  # one pass will do
