"""Approval tests for the SHACL shapes in shapes/ (in the style of cube-link).

Each targeted node shape has a folder ``tests/shapes/<ShapeName>/`` with

- ``valid-*.ttl``: small, self-contained graphs that must conform with no result at all;
- ``invalid-<what>.ttl``: the same kind of graph with one planted defect, and next to it
  ``invalid-<what>.expected``: the exact report it must produce, one line per validation
  result, sorted, ``focus | path | component | severity`` (see ``summarize()``; the
  message is left out so that rewording one does not break the tests).

Every fixture is validated together with the SKOS schemes from ontology/, as the
build does, by the build's validation (``validate_graph``: the ``shacl`` engine and
pyoxigraph); each also gives the same results with pySHACL, the reference. To (re)write
the .expected files after changing a shape or a fixture, run

    TWINNED_UPDATE_EXPECTED=1 pytest tests/validation/test_shapes.py

and read every changed file before committing it: each must report exactly the planted
defect and nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD

from tests.support.paths import ROOT, SHAPE_FIXTURES
from twinned.build.pipeline import dataset_graph
from twinned.config import load_settings
from twinned.rdf.vocab import TW, schemes_graph
from twinned.validation.engine import load_shapes, validate_graph, validate_graph_reference
from twinned.validation.report import Report, Result

FIXTURES = SHAPE_FIXTURES
TWS = Namespace("https://w3id.org/twinned/shapes/")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
UPDATE = os.environ.get("TWINNED_UPDATE_EXPECTED") == "1"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def schemes() -> Graph:
    return schemes_graph(ROOT / "ontology")


def targeted_node_shapes() -> list[str]:
    """Local names of the node shapes in the shapes file that have a target."""
    g = load_shapes(ROOT / "shapes")
    names = set()
    for shape in g.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef) and any((shape, t, None) in g for t in TARGETS):
            assert str(shape).startswith(str(TWS)), f"{shape} is not in the tws: namespace"
            names.add(str(shape).removeprefix(str(TWS)))
    return sorted(names)


def fixtures(kind: str) -> list[Path]:
    return sorted(FIXTURES.glob(f"*/{kind}-*.ttl"))


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def line(r: Result) -> str:
    return f"{r.focus} | {r.path} | {r.component} | {r.severity}"


def run(path: Path, shapes: Graph, schemes: Graph) -> Report:
    data = Graph()
    data.parse(path, format="turtle")
    data += schemes
    return validate_graph(data, shapes)


@pytest.mark.parametrize("path", fixtures("valid"), ids=fixture_id)
def test_valid_fixture_conforms(path: Path, shapes: Graph, schemes: Graph) -> None:
    report = run(path, shapes, schemes)
    assert [line(r) for r in report.results] == []
    assert report.conforms


@pytest.mark.parametrize("path", fixtures("invalid"), ids=fixture_id)
def test_invalid_fixture_gives_expected_report(path: Path, shapes: Graph, schemes: Graph) -> None:
    report = run(path, shapes, schemes)
    actual = sorted(line(r) for r in report.results)
    expected_file = path.with_suffix(".expected")
    if UPDATE:
        expected_file.write_text("".join(f"{x}\n" for x in actual), "utf-8")
    assert expected_file.is_file(), f"missing {expected_file.name}; run with TWINNED_UPDATE_EXPECTED=1"
    expected = expected_file.read_text("utf-8").splitlines()
    assert not report.conforms
    assert expected, f"{expected_file.name} is empty"
    assert actual == expected


@pytest.mark.slow  # pySHACL, the reference, on every fixture
@pytest.mark.parametrize("path", fixtures("valid") + fixtures("invalid"), ids=fixture_id)
def test_pyshacl_gives_the_same_report(path: Path, shapes: Graph, schemes: Graph) -> None:
    data = Graph()
    data.parse(path, format="turtle")
    data += schemes
    ours, reference = validate_graph(data, shapes), validate_graph_reference(data, shapes)
    assert ours.conforms == reference.conforms
    assert [line(r) for r in ours.results] == [line(r) for r in reference.results]


def test_every_targeted_shape_has_valid_and_invalid_fixtures() -> None:
    names = targeted_node_shapes()
    assert names, "no targeted node shapes found"
    missing = [
        f"{name}: {kind}"
        for name in names
        for kind in ("valid", "invalid")
        if not list((FIXTURES / name).glob(f"{kind}-*.ttl"))
    ]
    assert missing == []


def test_fixture_folders_and_files_match_shapes() -> None:
    """No folder for a shape that is gone, no stray file, no .expected without its fixture."""
    names = set(targeted_node_shapes())
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders - names == set()
    stray = []
    for folder in FIXTURES.iterdir():
        for f in folder.iterdir():
            if f.suffix == ".ttl" and f.name.startswith(("valid-", "invalid-")):
                continue
            if f.suffix == ".expected" and f.name.startswith("invalid-") and f.with_suffix(".ttl").is_file():
                continue
            stray.append(f"{folder.name}/{f.name}")
    assert stray == []


# --- NotInFuture against the real clock: the fixtures can only use fixed dates --------

def _future_report(value: Literal, shapes: Graph) -> Report:
    g = Graph()
    g.add((URIRef("https://example.org/signing"), TW.date, value))
    return validate_graph(g, shapes)


def test_this_year_and_month_are_not_in_the_future(shapes: Graph) -> None:
    today = dt.datetime.now(dt.UTC).date()
    for value in (
        Literal(f"{today.year:04d}", datatype=XSD.gYear),
        Literal(f"{today.year:04d}-{today.month:02d}", datatype=XSD.gYearMonth),
        Literal((today - dt.timedelta(days=2)).isoformat(), datatype=XSD.date),
    ):
        report = _future_report(value, shapes)
        assert report.conforms, (value, report.text())


def test_next_year_is_in_the_future(shapes: Graph) -> None:
    today = dt.datetime.now(dt.UTC).date()
    for value in (
        Literal(f"{today.year + 1:04d}", datatype=XSD.gYear),
        Literal(f"{today.year + 1:04d}-01", datatype=XSD.gYearMonth),
        Literal((today + dt.timedelta(days=2)).isoformat(), datatype=XSD.date),
    ):
        report = _future_report(value, shapes)
        assert [(r.path, r.component) for r in report.results] == [
            (str(TW.date), "SPARQLConstraintComponent")], value


# --- the real data ------------------------------------------------------------------

def test_real_graph_conforms(shapes: Graph) -> None:
    _, graph = dataset_graph(load_settings(ROOT, env={}))
    report = validate_graph(graph, shapes)
    assert report.conforms, report.text()
    assert report.results == ()
