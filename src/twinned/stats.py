"""Statistics of the data graph, computed once by the build: the VoID numbers of the
catalogue and the counts the landing page shows (so no request has to count a
million triples).
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    def from_triples(cls, triples: Sequence[nt.Triple], base: str, keep: Iterable[str] = ()) -> DataStats:
        """From sorted, unique triples. ``keep``: IRIs whose presence as subject is asked later."""
        subjects: set[str] = set()
        objects: set[str] = set()
        classes: Counter[str] = Counter()
        properties: Counter[str] = Counter()
        codes: set[str] = set()
        dates: list[str] = []
        for s, p, o in triples:
            subjects.add(s)
            objects.add(o)
            properties[p] += 1
            if p == nt.RDF_TYPE:
                classes[o] += 1
            elif p == _COUNTRY_CODE:
                codes.add(nt.value(o))
            elif p == _DATE:
                dates.append(o)
        prefix = "<" + base
        by_lexical = sorted(dates, key=nt.value)
        present = frozenset(k for k in keep if f"<{k}>" in subjects)
        return cls(
            triples=len(triples),
            entities=sum(1 for s in subjects if s.startswith(prefix)),
            distinct_subjects=len(subjects),
            distinct_objects=len(objects),
            classes={k[1:-1]: v for k, v in classes.items()},
            properties={k[1:-1]: v for k, v in properties.items()},
            same_as=properties.get(_SAME_AS, 0),
            country_codes=tuple(sorted(codes)),
            first_date=by_lexical[0] if by_lexical else None,
            last_date=max(dates, key=nt.value) if dates else None,
            subjects=present,
        )

    @classmethod
    def from_graph(cls, graph: Graph, base: str, keep: Iterable[str] = ()) -> DataStats:
        return cls.from_triples(nt.canonical(nt.from_graph(graph)), base, keep)

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


def has_subject(triples: Sequence[nt.Triple], iri: str) -> bool:
    term = f"<{iri}>"
    i = bisect.bisect_left(triples, (term,))
    return i < len(triples) and triples[i][0] == term
