"""The one validation path (validation.py, sparql_constraints.py, rdffiles.py): a store's
union of graphs, ``twinned validate --data/--shapes`` and its exit codes, byte-identical
reports, and the SPARQL constraints run as whole-graph queries equal to pySHACL's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from tests.support.paths import ROOT
from twinned.build.pipeline import dataset_graph
from twinned.cli import main
from twinned.config import load_settings
from twinned.errors import ShapesError
from twinned.validation.engine import (
    load_shapes,
    validate_graph,
    validate_graph_reference,
    validate_store,
)

SHAPES = ROOT / "shapes" / "twinned.shapes.ttl"
EX = "http://example.org/"
PREFIXES = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
SHAPE = PREFIXES + """
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ] ;
    sh:sparql [ sh:message "{?friend} does not know {$this} back" ; sh:prefixes ex:prefixes ;
                sh:select "SELECT $this ?friend ?value WHERE { $this ex:knows ?friend . BIND(?friend AS ?value) \
FILTER NOT EXISTS { ?friend ex:knows $this } }" ] .
ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
"""


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


def _graph(text: str) -> Graph:
    g = Graph()
    g.parse(data=PREFIXES + text, format="turtle")
    return g


def _shape_graph() -> Graph:
    g = Graph()
    g.parse(data=SHAPE, format="turtle")
    return g


def _quad(s: str, p: str, o: str | ox.Literal, g: str | None) -> ox.Quad:
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(EX + o)
    graph = ox.NamedNode(EX + g) if g else ox.DefaultGraph()
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + p), obj, graph)


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def test_the_store_is_validated_as_the_union_of_its_graphs() -> None:
    """A person typed in one named graph, named in the default graph, known back in a
    third: conforms only because every graph counts."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "ann"), RDF_TYPE, ox.NamedNode(EX + "Person"), ox.NamedNode(EX + "g1")))
    store.add(_quad("ann", "name", ox.Literal("Ann"), None))
    store.add(_quad("ann", "knows", "bob", "g2"))
    store.add(_quad("bob", "knows", "ann", "g3"))
    assert validate_store(store, _shape_graph()).conforms
    store.remove(_quad("bob", "knows", "ann", "g3"))
    report = validate_store(store, _shape_graph())
    assert not report.conforms
    assert [(r.focus, r.component, r.message) for r in report.results] == [
        (EX + "ann", "SPARQLConstraintComponent", f"{EX}bob does not know {EX}ann back")]
    store.remove(_quad("ann", "name", ox.Literal("Ann"), None))
    assert {r.component for r in validate_store(store, _shape_graph()).results} == {
        "SPARQLConstraintComponent", "MinCountConstraintComponent"}


def test_the_whole_graph_queries_give_pyshacls_results() -> None:
    data = _graph("""ex:ann a ex:Person ; ex:name "Ann" ; ex:knows ex:bob, ex:cy .
        ex:bob a ex:Person ; ex:name "Bob" ; ex:knows ex:ann, ex:cy .
        ex:cy ex:knows ex:dee . ex:dee a ex:Person ; ex:name 7 .""")
    ours, reference = validate_graph(data, _shape_graph()), validate_graph_reference(data, _shape_graph())
    assert [(r.focus, r.path, r.component) for r in ours.results] == [
        (r.focus, r.path, r.component) for r in reference.results]
    assert len(ours.results) == 3 and not ours.conforms and not reference.conforms


def test_a_shape_reached_through_sh_node_keeps_pre_binding() -> None:
    """Such a shape's SPARQL constraint stays with the core engine (it is checked for the
    nodes sh:node leads to, not for targets of its own)."""
    shapes = Graph()
    shapes.parse(data=PREFIXES + """
        ex:Outer a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:node ex:Inner ] .
        ex:Inner a sh:NodeShape ; sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/bad> ?x }" ] .
        """, format="turtle")
    data = _graph("ex:a ex:p ex:b . ex:b ex:bad 1 .")
    ours, reference = validate_graph(data, shapes), validate_graph_reference(data, shapes)
    lines = sorted((r.focus, r.component) for r in ours.results)
    assert lines == sorted((r.focus, r.component) for r in reference.results)
    assert lines == [(EX + "a", "NodeConstraintComponent"), (EX + "b", "SPARQLConstraintComponent")]


@pytest.mark.parametrize("select", [
    "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }",
    "SELECT $this WHERE { VALUES ?o { 1 } $this ?p ?o }",
    "SELECT ?x (1 AS $this) WHERE { ?x ?p ?o }",
    "SELECT $this WHERE { $this ?p ?o . { SELECT ?o WHERE { ?o ?q ?r } } }",
    "SELECT $this WHERE { $this ?p ?o ",
])
def test_a_query_shacl_does_not_allow_is_refused(select: str) -> None:
    shapes = Graph()
    shapes.parse(data=PREFIXES + f'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select """{select}""" ] .',
                 format="turtle")
    with pytest.raises(ShapesError):
        validate_graph(_graph("ex:a ex:p ex:b ."), shapes)


@pytest.mark.slow  # pySHACL, the reference, on the whole seed graph
def test_the_seed_graph_gives_pyshacls_report(shapes: Graph) -> None:
    settings = load_settings(ROOT, env={})
    _records, graph = dataset_graph(settings)
    ours, reference = validate_graph(graph, shapes), validate_graph_reference(graph, shapes)
    assert ours.conforms and reference.conforms and ours.results == reference.results == ()


# --- twinned validate --data/--shapes -------------------------------------------------

INVALID = ROOT / "tests" / "shapes" / "PartnershipShape" / "invalid-one-party.ttl"


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "twinned.cli", "validate", *args], capture_output=True,
                          cwd=ROOT, check=False)


def test_the_report_is_byte_identical_from_run_to_run() -> None:
    runs = [_cli("--data", str(INVALID), "--shapes", str(SHAPES), "--format", fmt)
            for fmt in ("turtle", "turtle", "text", "text")]
    assert [r.returncode for r in runs] == [1, 1, 1, 1]
    assert runs[0].stdout == runs[1].stdout and b"sh:ValidationReport" in runs[0].stdout
    assert runs[2].stdout == runs[3].stdout and runs[2].stdout.startswith(b"Does not conform")


@pytest.mark.parametrize("suffix, text", [
    (".nt", f"<{EX}ann> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Person> .\n"),
    (".trig", f"@prefix ex: <{EX}> . ex:g1 {{ ex:ann a ex:Person }}"),
    (".jsonld", f'{{"@id": "{EX}ann", "@type": "{EX}Person"}}'),
    (".rdf", f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
             f'<rdf:Description rdf:about="{EX}ann"><rdf:type rdf:resource="{EX}Person"/></rdf:Description></rdf:RDF>'),
])
def test_any_rdf_format_is_read(suffix: str, text: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    data, shapes, named = tmp_path / f"data{suffix}", tmp_path / "shapes.ttl", tmp_path / "name.ttl"
    data.write_text(text, "utf-8")
    shapes.write_text(SHAPE, "utf-8")
    named.write_text(f'<{EX}ann> <{EX}name> "Ann" .', "utf-8")
    assert main(["validate", "--data", str(data), "--shapes", str(shapes)]) == 1
    assert "MinCountConstraintComponent" in capsys.readouterr().out
    assert main(["validate", "--data", str(data), str(named), "--shapes", str(shapes)]) == 0
    assert capsys.readouterr().out == "Conforms: the graph passes every shape.\n"


def test_bad_files_are_refused_all_at_once_with_their_lines(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"@prefix ex: <{EX}> .\nex:a ex:b ex:c .\nex:a ex:b .\n", "utf-8")
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n", "utf-8")
    code = main(["validate", "--data", str(bad), str(tmp_path / "missing.nt"), str(odd),
                 "--shapes", str(SHAPES)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:3: syntax: not valid Turtle" in err
    assert f"{tmp_path / 'missing.nt'}:0: file: cannot be read" in err
    assert f"{odd}:0: format: expected a file ending in" in err


def test_broken_shapes_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(PREFIXES + 'ex:S a sh:NodeShape ; sh:targetNode ex:a ; '
                      'sh:sparql [ sh:select "SELECT $this WHERE { MINUS { $this ?p ?o } }" ] .', "utf-8")
    assert main(["validate", "--data", str(INVALID), "--shapes", str(shapes)]) == 2
    assert "MINUS" in capsys.readouterr().err


def test_without_data_the_project_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--project", str(ROOT)]) == 0
    assert capsys.readouterr().out == "Conforms: the graph passes every shape.\n"
    assert main(["validate", "--project", str(ROOT), "--format", "turtle"]) == 0
    out = capsys.readouterr().out
    assert "sh:conforms true" in out


def test_a_dump_the_caller_has_replaces_the_stores(tmp_path: Path) -> None:
    """``union_nt``: the release's N-Triples dump stands for the store's union."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "ann"), RDF_TYPE, ox.NamedNode(EX + "Person"), ox.NamedNode(EX + "g1")))
    store.add(_quad("ann", "name", ox.Literal("Ann"), "g2"))
    dump = tmp_path / "union.nt"
    store.dump(dump, ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(EX + "g1"))  # the name is missing
    assert validate_store(store, _shape_graph()).conforms
    partial = validate_store(store, _shape_graph(), union_nt=dump)
    assert [r.component for r in partial.results] == ["MinCountConstraintComponent"]


def test_forked_sparql_constraints_give_the_same_report(shapes: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large graph the SPARQL constraints run in a forked process beside the core
    engine: the same report as in place."""
    from twinned.validation import engine as validation

    _records, graph = dataset_graph(load_settings(ROOT, env={}))
    in_place = validate_graph(graph, shapes)
    monkeypatch.setattr(validation, "PARALLEL_MIN_BYTES", 0)
    forked = validate_graph(graph, shapes)
    assert (forked.conforms, forked.results) == (True, ())
    assert forked.turtle() == in_place.turtle()


def test_no_shapes_at_all_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Data named without --shapes, in a folder with no shapes/: refused, not "conforms"."""
    assert main(["validate", "--project", str(tmp_path), "--data", str(INVALID)]) == 2
    assert "expected SHACL shapes" in capsys.readouterr().err
