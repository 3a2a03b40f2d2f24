"""RDF files named on the command line (``twinned validate --data/--shapes``), read by
pyoxigraph in the format their extension names; every unreadable or ill-formed file of a
run is reported, with its line."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from twinned.errors import InputError, Problem

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}


def _read(path: Path, into: list[ox.Quad]) -> Problem | None:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return Problem(str(path), 0, "format", "expected a file ending in " + ", ".join(sorted(FORMATS)))
    try:
        into += ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    except SyntaxError as exc:
        message = str(exc.msg if hasattr(exc, "msg") else exc)
        return Problem(str(path), exc.lineno or 0, "syntax", f"not valid {fmt.name}: {message}")
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Problem(str(path), 0, "file", f"cannot be read: {reason}")
    return None


def read_quads(paths: list[Path]) -> list[ox.Quad]:
    """The quads of every file, literals as written (a store would normalise
    ``"4.0"^^xsd:decimal`` to ``"4"``). Raises InputError listing every file that could
    not be read."""
    quads: list[ox.Quad] = []
    problems = [p for p in (_read(path, quads) for path in paths) if p is not None]
    if problems:
        raise InputError(problems)
    return quads


def to_rdflib(term: object) -> Node:
    """A pyoxigraph term as rdflib's, its lexical form kept."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"not an RDF term: {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as pyoxigraph's."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise TypeError(f"not an RDF term: {term!r}")


def triple_to_oxigraph(subject: Node, predicate: Node, object: Node) -> ox.Triple:
    """An rdflib triple as pyoxigraph's (rdflib types each position only as a Node)."""
    s, p = to_oxigraph(subject), to_oxigraph(predicate)
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {subject!r} {predicate!r} {object!r}")
    return ox.Triple(s, p, to_oxigraph(object))


def graph_of(quads: list[ox.Quad]) -> Graph:
    """The union of the quads' graphs as one rdflib graph."""
    graph = Graph()
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph
