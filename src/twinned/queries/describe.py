"""Resource descriptions: the triples the server answers with at a resource URI.

The description of a resource R is, over every graph of the store (data and
ontology):

* every triple whose subject is R or a resource that R *owns*: a URI under R's
  path, ``R/...``. A partnership owns its documents, their signings and its
  Wikidata-shaped statements; a membership owns its period; a concept scheme
  (``/def/agreement-types``) owns its concepts; the ontology (``/def/``) owns every
  term of the vocabulary;
* every triple whose object is R: the links into R (the partnerships a place is a
  party of, the signings that took place there, the documents of an agreement type).

The rule follows the URI patterns alone (see ``mapping``), so it is the same for
every kind of resource and needs no per-class configuration. A URI is a resource
when it is the subject of at least one triple.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from twinned.build.releasestore import GraphStore, is_local
from twinned.rdf.vocab import PREFIXES, TW

LABEL_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
)


def _iri(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


SUBJECTS = "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isIRI(?s)) }"


def subject_iris(store: GraphStore) -> set[str]:
    """The IRIs that are the subject of a triple, in any graph (by a query, so that an
    external store answers with the subjects rather than every quad)."""
    if is_local(store):
        return {q.subject.value for q in store.quads_for_pattern(None, None, None, None)
                if isinstance(q.subject, ox.NamedNode)}
    solutions = store.query(SUBJECTS)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("the store answered a SELECT query with no solutions")
    return {s.value for row in solutions if isinstance(s := row["s"], ox.NamedNode)}




def subjects_file(store: GraphStore) -> bytes:
    """The sorted subject IRIs of a store, as the build writes them beside it."""
    return "".join(f"{iri}\n" for iri in sorted(subject_iris(store))).encode("utf-8")


class SubjectIndex:
    """Sorted subject IRIs, searched by bisection: a release's ``subjects.txt`` mapped
    into memory (shared by every process through the page cache, nothing loaded), or,
    without one, a list read from the store."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data

    @classmethod
    def open(cls, path: Path | None, store: GraphStore) -> SubjectIndex:
        if path is not None and path.is_file() and path.stat().st_size:
            with open(path, "rb") as fh:
                return cls(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        return cls(subjects_file(store))

    def _line(self, pos: int) -> tuple[int, int]:
        start = self.data.rfind(b"\n", 0, pos) + 1
        end = self.data.find(b"\n", start)
        return start, len(self.data) if end < 0 else end

    def _lower_bound(self, key: bytes) -> int:
        """The offset of the first line not below ``key``."""
        lo, hi = 0, len(self.data)
        while lo < hi:
            start, end = self._line((lo + hi) // 2)
            if self.data[start:end] < key:
                lo = end + 1
            else:
                hi = start
        return lo

    def __contains__(self, iri: str) -> bool:
        key = iri.encode("utf-8")
        start = self._lower_bound(key)
        return self.data[start:start + len(key) + 1] == key + b"\n"

    def starting_with(self, prefix: str) -> Iterator[str]:
        key = prefix.encode("utf-8")
        pos = self._lower_bound(key)
        while pos < len(self.data):
            _start, end = self._line(pos)
            line = self.data[pos:end]
            if not line.startswith(key):
                return
            yield line.decode("utf-8")
            pos = end + 1

    def __iter__(self) -> Iterator[str]:
        return self.starting_with("")


class Describer:
    """Finds descriptions in a store, with the index of its subject IRIs."""

    def __init__(self, store: GraphStore, subjects: SubjectIndex | None = None) -> None:
        self.store = store
        self.subjects = subjects if subjects is not None else SubjectIndex(subjects_file(store))

    def exists(self, iri: str) -> bool:
        return iri in self.subjects

    def owned(self, iri: str) -> list[str]:
        """The resources under R's path (R itself excluded), in IRI order."""
        prefix = iri if iri.endswith("/") else iri + "/"
        return [s for s in self.subjects.starting_with(prefix) if s != iri]

    def outgoing(self, iri: str) -> list[ox.Triple]:
        return [q.triple for q in self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)]

    def incoming(self, iri: str) -> list[ox.Triple]:
        return [q.triple for q in self.store.quads_for_pattern(None, None, ox.NamedNode(iri), None)]

    def describe(self, iri: str) -> list[ox.Triple]:
        """R's description (empty when R is not a resource), without duplicates."""
        if not self.exists(iri):
            return []
        triples = set(self.outgoing(iri))
        for sub in self.owned(iri):
            triples.update(self.outgoing(sub))
        triples.update(self.incoming(iri))
        return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


class Labels:
    """Human-readable names: rdfs:label, then skos:prefLabel, then dcterms:title. Read
    from the store when first asked for (and kept, a bounded number); all at once from
    an external store, where each question would be a request."""

    KEPT = 1 << 16

    def __init__(self, store: Any, by_iri: dict[str, dict[str, str]] | None = None) -> None:
        # (store: a GraphStore of build.releasestore: pyoxigraph's Store or an external one)
        self.store = store
        self.by_iri = by_iri
        self._read = lru_cache(maxsize=self.KEPT)(self._names)

    @classmethod
    def from_store(cls, store: Any) -> Labels:
        return cls(store) if is_local(store) else cls.scanned(store)

    @classmethod
    def scanned(cls, store: Any) -> Labels:
        """Every name of the store read at once (for work that needs them all)."""
        by_iri: dict[str, dict[str, str]] = {}
        for prop in LABEL_PROPERTIES:
            for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, None):
                s, o = _iri(q.subject), q.object
                if s is None or not isinstance(o, ox.Literal):
                    continue
                langs = by_iri.setdefault(s, {})
                langs.setdefault(o.language or "", o.value)
        return cls(store, by_iri)

    def _names(self, iri: str) -> dict[str, str]:
        langs: dict[str, str] = {}
        subject = ox.NamedNode(iri)
        for prop in LABEL_PROPERTIES:
            for q in self.store.quads_for_pattern(subject, ox.NamedNode(prop), None, None):
                if isinstance(q.object, ox.Literal):
                    langs.setdefault(q.object.language or "", q.object.value)
        return langs

    def all(self, iri: str) -> dict[str, str]:
        """The names of an IRI by language tag ("" for none); not to be changed."""
        if self.by_iri is not None:
            return self.by_iri.get(iri, {})
        try:
            return self._read(iri)
        except ValueError:  # not an IRI the store accepts: nothing is named so
            return {}

    def get(self, iri: str) -> str | None:
        langs = self.all(iri)
        if not langs:
            return None
        return langs.get("en") or langs.get("") or langs[sorted(langs)[0]]

    def label(self, iri: str, base: str | None = None) -> str:
        """A label, or else a compact form of the IRI."""
        return self.get(iri) or compact(iri, base)


# for display only: the catalogue's vocabularies, besides the data's
DISPLAY_PREFIXES = {
    **PREFIXES,
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "dcatap": "http://data.europa.eu/r5r/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vann": "http://purl.org/vocab/vann/",
}


def compact(iri: str, base: str | None = None) -> str:
    """``tw:Partnership``, ``wd:Q214``, a path under the base, or the IRI itself."""
    if base and iri.startswith(base) and not iri.startswith(str(TW)):
        return iri[len(base):] or iri
    for prefix, ns in sorted(DISPLAY_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri
