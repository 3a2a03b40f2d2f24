"""Namespaces, and the controlled values read from the SKOS schemes in ontology/.

The vocabulary namespace is fixed (a published promise); the data base URI is a
setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

TW = Namespace("https://w3id.org/twinned/def/")
AGREEMENT_TYPES = URIRef(TW + "agreement-types")
COOPERATION_AREAS = URIRef(TW + "cooperation-areas")
DATE_QUALIFIERS = URIRef(TW + "date-qualifiers")
PLACE_KINDS = {"city": TW.City, "town": TW.Town, "district": TW.District,
               "county": TW.County, "region": TW.Region}

SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
DBO = Namespace("http://dbpedia.org/ontology/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
GREGORIAN = WD.Q1985727
CIRCA = WD.Q5727902  # "circa", the value of P1480 (sourcing circumstances) for an approximate date

PREFIXES: dict[str, str] = {
    "tw": str(TW),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "time": str(TIME),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "dbo": str(DBO),
    "wd": str(WD),
    "wdt": str(WDT),
    "p": str(P),
    "ps": str(PS),
    "pq": str(PQ),
    "pqv": str(PQV),
    "pr": str(PR),
    "wikibase": str(WIKIBASE),
}

SCHEME_FILES = ("agreement-types.ttl", "cooperation-areas.ttl", "date-qualifiers.ttl")


@dataclass(frozen=True)
class Vocabulary:
    """The controlled values (concept keys) each scheme allows."""

    agreement_types: frozenset[str]
    cooperation_areas: frozenset[str]
    date_qualifiers: frozenset[str]


def concept(scheme: URIRef, key: str) -> URIRef:
    return URIRef(f"{scheme}/{key}")


def schemes_graph(ontology_dir: Path) -> Graph:
    g = Graph()
    for name in SCHEME_FILES:
        g.parse(ontology_dir / name, format="turtle")
    return g


@cache
def _load(ontology_dir: Path) -> Vocabulary:
    g = schemes_graph(ontology_dir)

    def keys(scheme: URIRef) -> frozenset[str]:
        prefix = f"{scheme}/"
        return frozenset(
            str(c).removeprefix(prefix)
            for c in g.subjects(SKOS.inScheme, scheme)
            if str(c).startswith(prefix)
        )

    return Vocabulary(keys(AGREEMENT_TYPES), keys(COOPERATION_AREAS), keys(DATE_QUALIFIERS))


def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    return _load(ontology_dir.resolve())
