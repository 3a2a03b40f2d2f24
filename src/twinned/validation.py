"""Validation: the graph checked against the SHACL shapes in shapes/ with pySHACL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyshacl import validate
from rdflib import Graph, Node
from rdflib.plugins.sparql import prepareQuery
from rdflib.namespace import RDF, SH

from .errors import ShapesError

SHAPES_GLOB = "*.ttl"


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
        return f"{self.severity}: <{self.focus}>{path}: {self.message}"


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


def load_shapes(shapes_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(shapes_dir.glob(SHAPES_GLOB)):
        g.parse(path, format="turtle")
    return g


def _short(node: Node | None, graph: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, Node) and (node, RDF.first, None) in graph:
        return "(list)"
    return str(node)


def summarize(report_graph: Graph) -> tuple[Result, ...]:
    out: list[Result] = []
    for r in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = report_graph.value(r, SH.resultSeverity)
        messages = sorted(str(m) for m in report_graph.objects(r, SH.resultMessage))
        out.append(
            Result(
                focus=_short(report_graph.value(r, SH.focusNode), report_graph),
                path=_short(report_graph.value(r, SH.resultPath), report_graph),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                component=str(report_graph.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
                message=messages[0] if messages else "",
            )
        )
    return tuple(sorted(out))


class _PreparedQueries(Graph):
    """A view of a graph's store that parses each SPARQL text once.

    pySHACL runs every SPARQL-based constraint once per focus node, passing the same
    text each time; rdflib would parse it anew on every call (~50 ms each).
    """

    def __init__(self, graph: Graph) -> None:
        super().__init__(store=graph.store, identifier=graph.identifier,
                         namespace_manager=graph.namespace_manager)
        self._prepared: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}

    def query(  # type: ignore[override]
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Any = None,  # noqa: N803 (rdflib's name)
        initBindings: Any = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str):
            key = (query_object, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in self._prepared:
                self._prepared[key] = prepareQuery(query_object, initNs=dict(initNs or {}))
            query_object = self._prepared[key]
            initNs = None
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


def validate_graph(data: Graph, shapes: Graph) -> Report:
    """Validate without inference; the data graph is not changed."""
    conforms, report_graph, _ = validate(
        _PreparedQueries(data), shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=True, inplace=True,
    )
    if not isinstance(report_graph, Graph):  # pySHACL reports a broken shapes graph this way
        raise ShapesError(str(report_graph))
    return Report(bool(conforms), summarize(report_graph), report_graph)


PYSHACL_MAX_TRIPLES = 25_000  # above this, the compiled shapes (fastshacl) validate


def validate_triples(triples: list[tuple[str, str, str]], shapes: Graph) -> Report:
    """Validate sorted N-Triples terms: with pySHACL (the reference) when the graph is
    small, with the shapes compiled to Python checks (``fastshacl``, tested to give
    pySHACL's results on every shape fixture) when it is large."""
    if len(triples) <= PYSHACL_MAX_TRIPLES:
        from .ntriples import nt_bytes

        graph = Graph()
        graph.parse(data=nt_bytes(triples), format="nt")
        return validate_graph(graph, shapes)
    from .fastshacl import validate_fast

    return validate_fast(triples, shapes)


class Pending:
    """A validation running beside the build (see ``start_validation``)."""

    def __init__(self, report: Report | None = None, process: Any = None, conn: Any = None,
                 extra: Any = None) -> None:
        self._report = report
        self._process = process
        self._conn = conn
        self._extra = extra

    @property
    def extra(self) -> Any:
        """What ``also`` returned (after ``result``)."""
        return self._extra

    @property
    def ready(self) -> bool:
        return self._report is not None

    def result(self) -> Report:
        if self._report is None:
            try:
                message = self._conn.recv()
            except EOFError:
                message = ("failed", "the validation process stopped unexpectedly")
            finally:
                self._conn.close()
                self._process.join()
            if message[0] == "failed":
                raise ShapesError(message[1])
            _kind, conforms, results, ttl, self._extra = message
            graph = Graph()
            graph.parse(data=ttl, format="turtle")
            self._report = Report(conforms, results, graph)
        return self._report

    def cancel(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()


PARALLEL_MIN_TRIPLES = 100_000


def can_fork() -> bool:
    """Fork is there, and this process runs one thread (forking a threaded process, such as
    a server rebuilding on reload, can deadlock the child: then the work is done in place)."""
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def start_validation(triples: list[tuple[str, str, str]], shapes: Graph,
                     also: Callable[[], Any] = lambda: None) -> Pending:
    """Validate a large graph in a forked process (it shares the triples with the build,
    which writes the dumps meanwhile on the other core); a small one right away. ``also``
    runs there too (the build's statistics), its result in ``Pending.extra``."""
    import multiprocessing

    if len(triples) < PARALLEL_MIN_TRIPLES or not can_fork():
        return Pending(validate_triples(triples, shapes), extra=also())
    from . import fastshacl, minisparql  # noqa: F401 - imported before forking, not in the child

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_validate_child, args=(triples, shapes, also, child), daemon=True)
    process.start()
    child.close()
    return Pending(process=process, conn=parent)


def _validate_child(triples: list[tuple[str, str, str]], shapes: Graph, also: Callable[[], Any],
                    conn: Any) -> None:
    try:
        report = validate_triples(triples, shapes)
        conn.send(("ok", report.conforms, report.results,
                   report.graph.serialize(format="turtle", encoding="utf-8"), also()))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def validate_store(store: Any, shapes: Graph) -> Report:
    """Validate the union of every graph of a pyoxigraph store (the build's seam).

    A temporary adapter over ``validate_triples``: the store's quads as sorted, unique
    N-Triples terms. (Part B of issue 14 replaces it with maintained engines.)"""
    from .ntriples import canonical

    triples = canonical((str(q.subject), str(q.predicate), str(q.object))
                        for q in store.quads_for_pattern(None, None, None))
    return validate_triples(triples, shapes)
