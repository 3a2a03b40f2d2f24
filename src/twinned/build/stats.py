"""Statistics of the data graph, computed once by the build: the VoID numbers of the
catalogue and the counts the landing page shows (so no request has to count a
million triples).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from twinned.rdf import ntriples as nt

_SAME_AS = "<http://www.w3.org/2002/07/owl#sameAs>"
_COUNTRY_CODE = "<https://w3id.org/twinned/def/countryCode>"
_DATE = "<https://w3id.org/twinned/def/date>"
_RDF_TYPE_IRI = nt.RDF_TYPE[1:-1]
_COUNTRY_CODE_IRI = _COUNTRY_CODE[1:-1]
_DATE_IRI = _DATE[1:-1]


def _date_order(literal: str) -> tuple[str, str]:
    """tw:date literals (N-Triples) by their lexical value, then as written."""
    return nt.value(literal), literal


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
        """From a small rdflib graph."""
        data = graph.serialize(format="nt", encoding="utf-8")
        return cls.from_triples({q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}, base, keep)

    @classmethod
    def from_triples(cls, triples: Iterable[ox.Triple], base: str, keep: Iterable[str] = ()) -> DataStats:
        """From the triples of the data (unique: a dump's), in one pass."""
        subjects: set[str] = set()
        objects: set[str] = set()
        classes: Counter[str] = Counter()
        properties: Counter[str] = Counter()
        codes: set[str] = set()
        dates: list[str] = []
        count = 0
        for t in triples:
            count += 1
            p = t.predicate.value
            subjects.add(str(t.subject))
            objects.add(str(t.object))
            properties[p] += 1
            if p == _RDF_TYPE_IRI:
                classes[_value(t.object)] += 1
            elif p == _COUNTRY_CODE_IRI:
                codes.add(_value(t.object))
            elif p == _DATE_IRI:
                dates.append(str(t.object))
        prefix = "<" + base
        return cls._counted(count, sum(1 for s in subjects if s.startswith(prefix)), len(subjects), len(objects),
                            classes, properties, codes, dates, frozenset(k for k in keep if f"<{k}>" in subjects))

    @classmethod
    def from_lines(cls, lines: Iterable[bytes], base: str, keep: Iterable[str] = ()) -> tuple[DataStats, set[str]]:
        """From a dump's N-Triples lines as pyoxigraph writes them (``<s> <p> o .``, each
        term written as ``str(term)``, no line twice), in one pass without parsing them:
        the numbers ``from_triples`` gives (checked in the tests), and the IRIs of the
        subjects. Measured at W10 (1.42M
        triples): parsing the dump and reading each term took about 6 s of the build."""
        subjects: set[bytes] = set()
        objects: set[bytes] = set()
        properties: Counter[bytes] = Counter()
        picked: list[bytes] = []  # the lines whose object's value is wanted
        wanted = {f"<{iri}>".encode() for iri in (_RDF_TYPE_IRI, _COUNTRY_CODE_IRI, _DATE_IRI)}
        count = 0
        for line in lines:
            count += 1
            s, p, rest = line.split(b" ", 2)
            subjects.add(s)
            objects.add(rest[:-3])  # (" .\n")
            properties[p] += 1
            if p in wanted:
                picked.append(line)
        classes: Counter[str] = Counter()
        codes: set[str] = set()
        dates: list[str] = []
        for q in ox.parse(b"".join(picked), format=ox.RdfFormat.N_TRIPLES):
            t = q.triple
            p_iri = t.predicate.value
            if p_iri == _RDF_TYPE_IRI:
                classes[_value(t.object)] += 1
            elif p_iri == _COUNTRY_CODE_IRI:
                codes.add(_value(t.object))
            else:
                dates.append(str(t.object))
        prefix = ("<" + base).encode()
        stats = cls._counted(count, sum(1 for s in subjects if s.startswith(prefix)), len(subjects), len(objects),
                             classes, {p[1:-1].decode(): n for p, n in properties.items()}, codes, dates,
                             frozenset(k for k in keep if f"<{k}>".encode() in subjects))
        return stats, {s[1:-1].decode() for s in subjects if s.startswith(b"<")}

    @classmethod
    def _counted(cls, count: int, entities: int, subjects: int, objects: int, classes: Counter[str],
                 properties: dict[str, int], codes: set[str], dates: list[str], kept: frozenset[str]) -> DataStats:
        """The statistics from what one pass counted (``from_triples`` and ``from_lines`` alike)."""
        return cls(triples=count, entities=entities, distinct_subjects=subjects, distinct_objects=objects,
                   classes=dict(sorted(classes.items())), properties=dict(sorted(properties.items())),
                   same_as=properties.get(_SAME_AS[1:-1], 0), country_codes=tuple(sorted(codes)),
                   first_date=min(dates, key=_date_order) if dates else None,
                   last_date=max(dates, key=_date_order) if dates else None, subjects=kept)

    def has_subject(self, iri: str) -> bool:
        return iri in self.subjects

    def date_span(self) -> tuple[Literal, Literal] | None:
        if self.first_date is None or self.last_date is None:
            return None
        return _literal(self.first_date), _literal(self.last_date)


def _value(term: object) -> str:
    """An IRI's or a literal's value (any other term as N-Triples)."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def _literal(term: str) -> Literal:
    lexical, lang, datatype = nt.literal_parts(term)
    return Literal(lexical, lang=lang, datatype=URIRef(datatype) if datatype else None)
