"""The W3C SHACL test suite (../shared/conformance/shacl-w3c/): its tests read from the
manifests, and a validator's report compared with the expected one by the suite's rules.

Reports are compared as sets of results, each reduced to (focus node, path, value, source
shape, constraint component, severity) plus ``sh:conforms``; ``sh:resultMessage`` and nested
``sh:detail`` results are ignored, as the suite says. A blank node cannot be matched across
two graphs by its label: a path is compared by its structure, any other blank node (a
property shape written inline, a blank focus node) only as "a blank node".

Used by tests/validation/test_shacl_w3c.py and benchmarks/validation.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from tests.support.paths import SHARED

SUITE = SHARED / "conformance" / "shacl-w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

ResultKey = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class Case:
    """One ``sht:Validate`` entry."""

    name: str  # e.g. core/node/class-001
    data: Path
    shapes: Path
    failure: bool  # the shapes graph is ill-formed: a validator must refuse it
    conforms: bool
    results: Counter[ResultKey]


class Refused(Exception):
    """The validator refused the input (what a ``sht:Failure`` test expects)."""


def _path_text(node: Node, g: Graph) -> str:
    """A SHACL property path in SPARQL-like syntax, from its RDF form."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if (node, RDF.first, None) in g:
        return "(" + " / ".join(_path_text(n, g) for n in Collection(g, node)) + ")"
    for pred, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                      (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
        inner = g.value(node, pred)
        if inner is not None:
            return fmt.format(_path_text(inner, g))
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        return "(" + " | ".join(_path_text(n, g) for n in Collection(g, alt)) + ")"
    return "_:path"


def _term(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, BNode):
        return "_:"
    if isinstance(node, Literal):
        return node.n3()
    return f"<{node}>"


def result_keys(report: Node, g: Graph) -> Counter[ResultKey]:
    keys: Counter[ResultKey] = Counter()
    for r in g.objects(report, SH.result):
        path = g.value(r, SH.resultPath)
        keys[(
            _term(g.value(r, SH.focusNode)),
            _path_text(path, g) if path is not None else "",
            _term(g.value(r, SH.value)),
            _term(g.value(r, SH.sourceShape)),
            _term(g.value(r, SH.sourceConstraintComponent)),
            _term(g.value(r, SH.resultSeverity)),
        )] += 1
    return keys


def report_of(g: Graph) -> tuple[bool, Counter[ResultKey]]:
    """``sh:conforms`` and the results of the one validation report in ``g``."""
    reports = list(g.subjects(RDF.type, SH.ValidationReport))
    if len(reports) != 1:
        raise ValueError(f"expected one sh:ValidationReport, found {len(reports)}")
    conforms = g.value(reports[0], SH.conforms)
    return bool(conforms is not None and conforms.toPython() is True), result_keys(reports[0], g)


def _manifest_cases(path: Path, seen: set[Path]) -> list[Case]:
    if path in seen:
        return []
    seen.add(path)
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    cases: list[Case] = []
    for manifest in g.subjects(RDF.type, MF.Manifest):
        for inc in sorted(g.objects(manifest, MF.include)):
            cases += _manifest_cases(Path(str(inc).removeprefix("file://")), seen)
        entries = g.value(manifest, MF.entries)
        for entry in Collection(g, entries) if entries is not None else []:
            if (entry, RDF.type, SHT.Validate) not in g:
                continue
            action = g.value(entry, MF.action)
            result = g.value(entry, MF.result)
            data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
            name = str(entry).removeprefix(SUITE.as_uri() + "/")
            if result == SHT.Failure:
                cases.append(Case(name, data, shapes, True, False, Counter()))
                continue
            conforms = g.value(result, SH.conforms)
            cases.append(Case(name, data, shapes, False, bool(conforms and conforms.toPython() is True),
                              result_keys(result, g)))
    return cases


def cases() -> list[Case]:
    """Every test of the suite, in a stable order."""
    return sorted(_manifest_cases(SUITE / "manifest.ttl", set()), key=lambda c: c.name)


Validator = Callable[[Path, Path], Graph]  # (data file, shapes file) -> report graph; raises Refused


def outcome(case: Case, validator: Validator) -> str:
    """"pass", or why the test fails."""
    try:
        report = validator(case.data, case.shapes)
    except Refused as exc:
        return "pass" if case.failure else f"refused: {exc}"[:300]
    if case.failure:
        return "accepted an ill-formed shapes graph"
    conforms, results = report_of(report)
    if conforms != case.conforms:
        return f"sh:conforms {conforms}, expected {case.conforms}"
    if results != case.results:
        missing = sorted((case.results - results).elements())
        extra = sorted((results - case.results).elements())
        return f"results differ: missing {missing}, unexpected {extra}"[:600]
    return "pass"


def pyshacl_reference(data: Path, shapes: Path) -> Graph:
    """The reference implementation as a :data:`Validator`: pySHACL on the two files."""
    from twinned.validation.engine import validate_graph_reference

    d, s = Graph(), Graph()
    d.parse(data, format="turtle", publicID=data.as_uri())
    s.parse(shapes, format="turtle", publicID=shapes.as_uri())
    try:
        return validate_graph_reference(d, s).graph
    except Exception as exc:  # (whatever pySHACL raises on an ill-formed shapes graph)
        raise Refused(str(exc)) from exc
