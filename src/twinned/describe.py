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

from bisect import bisect_left
from dataclasses import dataclass

import pyoxigraph as ox

from .releasestore import is_local
from .vocab import PREFIXES, TW

LABEL_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
)


def _iri(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


SUBJECTS = "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isIRI(?s)) }"


def subject_iris(store: ox.Store) -> set[str]:
    """The IRIs that are the subject of a triple, in any graph (by a query, so that an
    external store answers with the subjects rather than every quad)."""
    if is_local(store):
        return {q.subject.value for q in store.quads_for_pattern(None, None, None, None)
                if isinstance(q.subject, ox.NamedNode)}
    return {row["s"].value for row in store.query(SUBJECTS)}


class Describer:
    """Finds descriptions in a store; holds a sorted index of its subject IRIs."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.subjects = sorted(subject_iris(store))

    def exists(self, iri: str) -> bool:
        i = bisect_left(self.subjects, iri)
        return i < len(self.subjects) and self.subjects[i] == iri

    def owned(self, iri: str) -> list[str]:
        """The resources under R's path (R itself excluded), in IRI order."""
        prefix = iri if iri.endswith("/") else iri + "/"
        out = []
        for s in self.subjects[bisect_left(self.subjects, prefix):]:
            if not s.startswith(prefix):
                break
            if s != iri:
                out.append(s)
        return out

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


@dataclass(frozen=True)
class Labels:
    """Human-readable names: rdfs:label, then skos:prefLabel, then dcterms:title."""

    by_iri: dict[str, dict[str, str]]

    @classmethod
    def from_store(cls, store: ox.Store) -> Labels:
        by_iri: dict[str, dict[str, str]] = {}
        for prop in LABEL_PROPERTIES:
            for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, None):
                s, o = _iri(q.subject), q.object
                if s is None or not isinstance(o, ox.Literal):
                    continue
                langs = by_iri.setdefault(s, {})
                langs.setdefault(o.language or "", o.value)
        return cls(by_iri)

    def all(self, iri: str) -> dict[str, str]:
        return self.by_iri.get(iri, {})

    def get(self, iri: str) -> str | None:
        langs = self.by_iri.get(iri)
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
