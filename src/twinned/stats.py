"""Statistics of the data graph, computed once by the build: the VoID numbers of the
catalogue and the counts the landing page shows (so no request has to count a
million triples).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from . import ntriples as nt

_SAME_AS = "<http://www.w3.org/2002/07/owl#sameAs>"
_COUNTRY_CODE = "<https://w3id.org/twinned/def/countryCode>"
_DATE = "<https://w3id.org/twinned/def/date>"


@dataclass(frozen=True)
class DataStats:
    """What the catalogue says about the data graph (terms as N-Triples text)."""

    triples: int
    entities: int  # distinct subjects under the base URI
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int]  # class IRI -> rdf:type triples
    properties: dict[str, int]  # property IRI -> triples
    same_as: int
    country_codes: tuple[str, ...]
    first_date: str | None  # tw:date literals (N-Triples), earliest and latest by lexical form
    last_date: str | None
    subjects: frozenset[str] = field(default_factory=frozenset, repr=False)

    @classmethod
    def from_graph(cls, graph: Graph, base: str, keep: Iterable[str] = ()) -> DataStats:
        """From a small rdflib graph (loaded into an in-memory store)."""
        store = ox.Store()
        store.bulk_load(input=graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return cls.from_store(store, base, keep)

    @classmethod
    def from_store(cls, store: Any, base: str, keep: Iterable[str] = ()) -> DataStats:
        """From a store's default graph (the data), by a few queries."""
        def rows(query: str) -> list[Any]:
            return list(store.query(query))

        def one(query: str) -> int:
            return int(rows(query)[0]["n"].value)

        dates = [str(r["d"]) for r in rows(f"SELECT ?d WHERE {{ ?s {_DATE} ?d }}")]
        return cls(
            triples=one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
            entities=one(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
                         f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {json.dumps(base)})) }}"),
            distinct_subjects=one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
            distinct_objects=one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
            classes=dict(sorted((r["c"].value, int(r["n"].value)) for r in rows(
                f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ ?s {nt.RDF_TYPE} ?c }} GROUP BY ?c"))),
            properties=dict(sorted((r["p"].value, int(r["n"].value)) for r in rows(
                "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"))),
            same_as=one(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {_SAME_AS} ?o }}"),
            country_codes=tuple(sorted({r["c"].value for r in rows(
                f"SELECT DISTINCT ?c WHERE {{ ?s {_COUNTRY_CODE} ?c }}")})),
            first_date=min(dates, key=lambda d: (nt.value(d), d)) if dates else None,
            last_date=max(dates, key=lambda d: (nt.value(d), d)) if dates else None,
            subjects=frozenset(k for k in keep if bool(store.query(f"ASK {{ <{k}> ?p ?o }}"))),
        )

    def has_subject(self, iri: str) -> bool:
        return iri in self.subjects

    def date_span(self) -> tuple[Literal, Literal] | None:
        if self.first_date is None or self.last_date is None:
            return None
        return _literal(self.first_date), _literal(self.last_date)


def _literal(term: str) -> Literal:
    lexical, lang, datatype = nt.literal_parts(term)
    return Literal(lexical, lang=lang, datatype=URIRef(datatype) if datatype else None)
