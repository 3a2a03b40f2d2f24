"""The validation report: the results in the terms a reader needs (``Result``), the
``sh:ValidationReport`` graph with its blank nodes labelled deterministically, and its
text and Turtle forms (``Report``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True, order=True)
class Result:
    """One validation result, in the terms a reader needs."""

    focus: str
    path: str
    severity: str
    component: str
    message: str

    def __str__(self) -> str:
        path = f" {self.path}" if self.path else ""
        return f"{self.severity}: <{self.focus}>{path}: {self.message or self.component}"


@dataclass(frozen=True)
class Report:
    conforms: bool
    results: tuple[Result, ...]
    graph: Graph

    def text(self) -> str:
        if self.conforms:
            return "Conforms: the graph passes every shape.\n"
        lines = [f"Does not conform: {len(self.results)} result(s)."]
        lines += [str(r) for r in self.results]
        return "\n".join(lines) + "\n"

    def turtle(self) -> bytes:
        """The report graph as Turtle, written by pyoxigraph in sorted order (rdflib's
        writer gives the same graph, slowly for a large report)."""
        from twinned.rdf.files import triple_to_oxigraph

        triples = [triple_to_oxigraph(s, p, o) for s, p, o in self.graph]
        data = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE,
                            prefixes={"sh": str(SH), "xsd": "http://www.w3.org/2001/XMLSchema#"})
        return data or b""


PATH_FORMS = ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
              (SH.zeroOrOnePath, "{}?"))


def path_text(node: Node, graph: Graph) -> str:
    """A SHACL path in SPARQL syntax; a sequence path is shown as ``(list)``."""
    if not isinstance(node, BNode):
        return str(node)
    if (node, RDF.first, None) in graph:
        return "(list)"
    for pred, form in PATH_FORMS:
        inner = graph.value(node, pred)
        if inner is not None:
            return form.format(f"<{inner}>" if isinstance(inner, URIRef) else path_text(inner, graph))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return " | ".join(path_text(n, graph) for n in Collection(graph, alternatives))
    return "(path)"


def _text(node: Node | None) -> str:
    return "" if node is None else str(node)


def summarize(report_graph: Graph) -> tuple[Result, ...]:
    out: list[Result] = []
    for r in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = report_graph.value(r, SH.resultSeverity)
        messages = sorted(str(m) for m in report_graph.objects(r, SH.resultMessage))
        path = report_graph.value(r, SH.resultPath)
        out.append(Result(
            focus=_text(report_graph.value(r, SH.focusNode)),
            path="" if path is None else path_text(path, report_graph),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            component=_text(report_graph.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            message=messages[0] if messages else "",
        ))
    return tuple(sorted(out))


def report_graph(core: Graph, top: list[Node], extra: Iterable[Triple]) -> Graph:
    """One ``sh:ValidationReport`` with the core engine's results (``top``: those that
    are not details) and the others, its blank nodes relabelled canonically (the same
    data, the same bytes)."""
    merged = Graph()
    results: set[Node] = set(top)
    for triple in core:
        merged.add(triple)
    for s, p, o in extra:
        merged.add((s, p, o))
        if p == RDF.type and o == SH.ValidationResult:
            results.add(s)
    report = BNode()
    merged.add((report, RDF.type, SH.ValidationReport))
    merged.add((report, SH.conforms, Literal(not results)))
    for r in results:
        merged.add((report, SH.result, r))
    return canonical(merged)


CANONICAL_ROUNDS = 4


def canonical(graph: Graph) -> Graph:
    """The graph with each blank node labelled from its surroundings (its edges, and
    theirs, four steps out), so the same report gives the same bytes. Blank nodes no
    four steps can tell apart are alike, so which gets which label changes nothing
    written. (rdflib's ``to_canonical_graph`` does this exactly, but takes minutes for
    thousands of results.)"""
    outgoing: dict[BNode, list[tuple[str, Node]]] = {}
    incoming: dict[BNode, list[tuple[str, Node]]] = {}
    text: dict[Node, str] = {}
    for s, p, o in graph:
        for n in (s, p, o):
            if n not in text and not isinstance(n, BNode):
                text[n] = n.n3()
        if isinstance(s, BNode):
            outgoing.setdefault(s, []).append((text[p], o))
            incoming.setdefault(s, [])
        if isinstance(o, BNode):
            incoming.setdefault(o, []).append((text[p], s))
            outgoing.setdefault(o, [])
    signature: dict[Node, str] = {b: "" for b in outgoing}
    for _ in range(CANONICAL_ROUNDS):
        term: dict[Node, str] = dict(text)
        term.update(signature)
        signature = {b: hashlib.sha256("\n".join(
            [signature[b]] + sorted(f">{p} {term[o]}" for p, o in outgoing[b])
            + sorted(f"<{p} {term[s]}" for p, s in incoming[b])).encode()).hexdigest() for b in outgoing}
    labels: dict[Node, Node] = {}
    seen: dict[str, int] = {}
    for b in sorted(outgoing, key=lambda n: signature[n]):
        count = seen[signature[b]] = seen.get(signature[b], -1) + 1
        labels[b] = BNode(f"b{signature[b][:16]}{'_' + str(count) if count else ''}")
    out = Graph()
    out.bind("sh", SH)
    for s, p, o in graph:
        out.add((labels.get(s, s), p, labels.get(o, o)))
    return out
