"""Validation: the data checked against SHACL shapes by maintained engines, one path
whatever the size of the graph.

- The core constraints: ``shacl`` (PyPI, a SHACL validator written in Rust), given the
  union of the store's graphs as N-Triples and the shapes.
- The ``sh:sparql`` SELECT constraints of targeted node shapes: pyoxigraph, one
  whole-graph query each with the shape's targets joined in as ``?this``
  (sparql_constraints.py); ``shacl`` evaluates them per focus node, which at W10 takes
  minutes. SPARQL constraints that cannot run that way stay with ``shacl``.
- pySHACL, the reference implementation, checks both in the tests
  (``validate_graph_reference``): the same results on every shape fixture.

Measured (benchmarks/validation.py; 2-core machine shared with other jobs; W10 =
``generate-world --scale 10``, 1,415,622 triples, in memory; 2026-12-03):

| engine | W10 | peak RSS | W3C SHACL suite (120 tests) |
|---|---|---|---|
| pySHACL 0.40.1 (reference) | not run (minutes) | | 118 |
| ``shacl`` 0.3.4, core shapes, from an N-Triples file | 3.4 s | 246 MB | 119 alone |
| pyoxigraph 0.5.13, our five ``sh:select`` as whole-graph queries | 1.5-2.4 s | | |
| this module (dump of the store 1.8-2.2 s, then both side by side) | 7.4 s at load 3 | 1.25 GB (the store) | 120 |
| ``pyshacl-turbo`` 0.6.5 (pySHACL's API) | 34 s (issue 14) | | 118 |

The report is deterministic: its blank nodes are labelled from their surroundings
(``canonical``), so the same data gives byte-identical Turtle and text.
``sh:conforms`` follows the specification: true only when there is no result at all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
import shacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from twinned.errors import InputError, ShapesError
from twinned.validation import constraints as sparql_constraints
from twinned.validation.report import Report, path_text, report_graph, summarize

SHAPES_GLOB = "*.ttl"


def load_shapes(shapes_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(shapes_dir.glob(SHAPES_GLOB)):
        g.parse(path, format="turtle")
    return g


# --- the engines ---------------------------------------------------------------------

@dataclass(frozen=True)
class Compiled:
    """Shapes ready to validate with: the core engine's and the whole-graph queries."""

    core: shacl.Shapes
    core_graph: Graph
    sparql: tuple[sparql_constraints.Constraint, ...]


def _shacl_shapes(graph: Graph) -> shacl.Shapes:
    try:
        return shacl.Shapes.from_text(graph.serialize(format="nt"), "ntriples")
    except ValueError as exc:
        raise ShapesError(f"the shapes graph cannot be used: {exc}") from exc


def compile_shapes(shapes: Graph) -> Compiled:
    """Raises ShapesError when the shapes graph cannot be used."""
    core, taken = sparql_constraints.split(shapes)
    return Compiled(_shacl_shapes(core), core, tuple(taken))


def dump_union(store: ox.Store, path: Path) -> None:
    """Every graph of the store (default and named) into one N-Triples file: read as one
    graph, it is their union."""
    with path.open("wb") as out:
        store.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        for name in sorted(store.named_graphs(), key=str):
            store.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=name)


Found = list[tuple[Node, shacl.Result]]  # a result's node in the report graph, and the engine's view


def _run_core(shapes: shacl.Shapes, data: Path, into: Graph) -> Found:
    """The core engine's results, their triples added to ``into`` (without the report node)."""
    try:
        report = shapes.validate_file(str(data))
    except ValueError as exc:
        raise ShapesError(f"the shapes could not be applied: {exc}") from exc
    labels: dict[str, Node] = {}
    parsed = Graph()
    parsed.parse(data=report.serialize("ntriples"), format="nt", bnode_context=labels)
    top = labels.get("r0")
    for s, p, o in parsed:
        if s != top:
            into.add((s, p, o))
    return [(labels[f"r{i + 1}"], r) for i, r in enumerate(report.results)]


TARGET_TRIPLES = (*sparql_constraints.TARGETS, SH.target)
MAX_DETAIL_DEPTH = 8


def _node_shapes(shapes: Graph, graph: Graph, node: Node, found: shacl.Result) -> list[Node]:
    """The shapes named by the ``sh:node`` that gave this result."""
    root = found.root_shape
    if not root or not root.startswith("<"):
        return []
    shape = URIRef(root[1:-1])
    path = graph.value(node, SH.resultPath)
    if path is None:
        return sorted(shapes.objects(shape, SH.node), key=str)
    wanted = path_text(path, graph)
    return sorted((n for ps in shapes.objects(shape, SH.property)
                   if path_text(shapes.value(ps, SH.path) or BNode(), shapes) == wanted
                   for n in shapes.objects(ps, SH.node)), key=str)


def _targeted(shapes: Graph, shape: Node, values: list[Node]) -> Graph:
    """The shapes with every target removed but ``shape`` targeting ``values``."""
    out = Graph()
    for s, p, o in shapes:
        if p not in TARGET_TRIPLES and not (p == RDF.type and o in (RDFS.Class, OWL.Class)):
            out.add((s, p, o))
    for value in values:
        out.add((shape, SH.targetNode, value))
    return out


def add_details(shapes: Graph, data: Path, graph: Graph, found: Found, depth: int = 0) -> None:
    """For each ``sh:node`` result, the results of its value against that shape, linked
    by ``sh:detail`` (as pySHACL reports them)."""
    wanted: dict[Node, list[tuple[Node, Node]]] = {}
    for node, result in found:
        value = graph.value(node, SH.value)
        if result.component != "NodeConstraintComponent" or value is None or isinstance(value, BNode):
            continue
        for shape in _node_shapes(shapes, graph, node, result):
            wanted.setdefault(shape, []).append((node, value))
    if not wanted or depth >= MAX_DETAIL_DEPTH:
        return
    for shape, pairs in sorted(wanted.items(), key=lambda item: str(item[0])):
        values = sorted({v for _, v in pairs}, key=str)
        sub = _run_core(_shacl_shapes(_targeted(shapes, shape, values)), data, graph)
        for node, _result in sub:
            focus = graph.value(node, SH.focusNode)
            for parent, value in pairs:
                if focus == value:
                    graph.add((parent, SH.detail, node))
        add_details(shapes, data, graph, sub, depth + 1)


def _validate(data: Path, store: ox.Store, shapes: Graph) -> Report:
    """``data`` (N-Triples) is the data graph for the core engine, ``store`` the same
    graph for the SPARQL constraints."""
    compiled = compile_shapes(shapes)
    sparql = _start_sparql(store, compiled.sparql, data.stat().st_size >= PARALLEL_MIN_BYTES)
    core = Graph()
    found = _run_core(compiled.core, data, core)
    add_details(compiled.core_graph, data, core, found)
    extra = sparql()
    graph = report_graph(core, [node for node, _ in found], extra)
    conforms = [c.toPython() for c in graph.objects(None, SH.conforms) if isinstance(c, Literal)]
    return Report(conforms == [True], summarize(graph), graph)


PARALLEL_MIN_BYTES = 20_000_000  # of N-Triples: above, the SPARQL constraints run in a forked process


def _start_sparql(store: ox.Store, constraints: tuple[sparql_constraints.Constraint, ...],
                  large: bool) -> Callable[[], list[sparql_constraints.Triple]]:
    """The SPARQL constraints' results: on a large graph, computed in a forked process
    while this one runs the core engine (on the other core)."""
    def run() -> list[sparql_constraints.Triple]:
        return [t for c in constraints for t in sparql_constraints.run(store, c)]

    import multiprocessing

    if not constraints or not large or not can_fork() or multiprocessing.current_process().daemon:
        found = run()  # (a daemonic process, such as start_validation's, may not fork)
        return lambda: found

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_sparql_child, args=(run, child), daemon=True)
    process.start()
    child.close()

    def result() -> list[sparql_constraints.Triple]:
        try:
            kind, value = parent.recv()
        except EOFError:
            kind, value = "failed", "the SPARQL constraints' process stopped unexpectedly"
        finally:
            parent.close()
            process.join()
        if kind == "failed":
            raise ShapesError(value)
        return list(value)
    return result


def _sparql_child(run: Callable[[], list[sparql_constraints.Triple]], conn: Connection) -> None:
    try:
        conn.send(("ok", run()))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def validate_store(store: ox.Store, shapes: Graph, union_nt: Path | None = None) -> Report:
    """Validate the union of every graph in ``store`` against ``shapes``: the one
    validation of the build and of ``twinned validate``.

    ``union_nt``, when the caller has it (the N-Triples dump of a release), is the same
    union as a file: the store is then not dumped again (a dump of an on-disk store is
    slow: about 17 s at W10, against 2 s in memory)."""
    if union_nt is not None:
        return _validate(union_nt, store, shapes)
    with tempfile.TemporaryDirectory(prefix="twinned-validate-") as tmp:
        data = Path(tmp) / "data.nt"
        dump_union(store, data)
        return _validate(data, store, shapes)


def validate_files(data: list[Path], shapes: list[Path]) -> Report:
    """``twinned validate --data ... --shapes ...``: any RDF files against any shapes,
    their literals as written. Raises InputError (every file unreadable or ill-formed)
    or ShapesError."""
    from twinned.rdf.files import graph_of, read_quads

    problems = []
    quads: list[ox.Quad] = []
    shape_quads: list[ox.Quad] = []
    for paths, into in ((data, quads), (shapes, shape_quads)):
        try:
            into += read_quads(paths)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    store = ox.Store()
    store.extend(quads)
    with tempfile.TemporaryDirectory(prefix="twinned-validate-") as tmp:
        path = Path(tmp) / "data.nt"
        ox.serialize((q.triple for q in quads), path, ox.RdfFormat.N_TRIPLES)
        return _validate(path, store, graph_of(shape_quads))


def validate_graph(data: Graph, shapes: Graph) -> Report:
    """Validate an rdflib graph (the same path); ``data`` is not changed."""
    with tempfile.TemporaryDirectory(prefix="twinned-validate-") as tmp:
        path = Path(tmp) / "data.nt"
        data.serialize(path, format="nt", encoding="utf-8")
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        return _validate(path, store, shapes)


def validate_graph_reference(data: Graph, shapes: Graph) -> Report:
    """pySHACL, the reference implementation, for the tests to compare with (slow on a
    large graph: the build never uses it)."""
    from pyshacl import validate

    conforms, graph, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    if not isinstance(graph, Graph):
        raise ShapesError(str(graph))
    return Report(bool(conforms), summarize(graph), graph)


def can_fork() -> bool:
    """Fork is there, and this process runs one thread (forking a threaded process, such as
    a server rebuilding on reload, can deadlock the child: then the work is done in place)."""
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
