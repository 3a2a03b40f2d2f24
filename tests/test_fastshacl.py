"""The compiled shapes (fastshacl.py, minisparql.py) give pySHACL's results: on every
approved shape fixture of tests/shapes/, on the seed graph, and with the real clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import Graph

from twinned import ntriples as nt
from twinned.build import dataset_graph
from twinned.config import load_settings
from twinned.fastshacl import Data, Unsupported, compile_shapes, validate_fast
from twinned.minisparql import parse_select
from twinned.validation import load_shapes, validate_triples
from twinned.vocab import schemes_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "shapes"
TW = "https://w3id.org/twinned/def/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def schemes() -> list[nt.Triple]:
    return nt.from_graph(schemes_graph(ROOT / "ontology"))


def fixture_triples(path: Path, schemes: list[nt.Triple]) -> list[nt.Triple]:
    g = Graph()
    g.parse(path, format="turtle")
    return nt.canonical(nt.from_graph(g) + schemes)


def lines(triples: list[nt.Triple], shapes: Graph) -> tuple[bool, list[str]]:
    report = validate_fast(triples, shapes)
    return report.conforms, sorted(f"{r.focus} | {r.path} | {r.component} | {r.severity}" for r in report.results)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.ttl")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_fixture_gets_the_approved_report(path: Path, shapes: Graph, schemes: list[nt.Triple]) -> None:
    conforms, found = lines(fixture_triples(path, schemes), shapes)
    if path.name.startswith("valid-"):
        assert (conforms, found) == (True, [])
    else:
        assert not conforms
        assert found == path.with_suffix(".expected").read_text("utf-8").splitlines()


def test_the_seed_graph_conforms_with_the_same_report(shapes: Graph) -> None:
    triples = nt.canonical(nt.from_graph(dataset_graph(load_settings(ROOT, env={}))[1]))
    fast = validate_fast(triples, shapes)
    reference = validate_triples(triples, shapes)  # small: pySHACL
    assert fast.conforms and reference.conforms and fast.results == reference.results == ()
    assert fast.graph.serialize(format="turtle") == reference.graph.serialize(format="turtle")


def _dated(value: str) -> list[nt.Triple]:
    return [("<https://example.org/signing>", f"<{TW}date>", value)]


def test_the_real_clock(shapes: Graph) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    for value in (nt.typed(f"{today.year:04d}", "gYear"), nt.typed(f"{today.year:04d}-{today.month:02d}", "gYearMonth"),
                  nt.typed((today - dt.timedelta(days=2)).isoformat(), "date")):
        assert lines(_dated(value), shapes) == (True, [])
    for value in (nt.typed(f"{today.year + 1:04d}", "gYear"),
                  nt.typed((today + dt.timedelta(days=2)).isoformat(), "date")):
        conforms, found = lines(_dated(value), shapes)
        assert not conforms and found == [f"https://example.org/signing | {TW}date | SPARQLConstraintComponent | Violation"]


def test_messages_fill_in_the_bound_values(shapes: Graph) -> None:
    report = validate_fast(_dated(nt.typed("2999", "gYear")), shapes)
    assert report.results[0].message == "Date 2999 lies in the future."
    assert "Does not conform: 1 result(s)." in report.text()
    assert (None, None, None) in report.graph  # a report graph to publish


def test_an_unknown_construct_falls_back_to_pyshacl(schemes: list[nt.Triple]) -> None:
    g = Graph()
    g.parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix tw: <https://w3id.org/twinned/def/> .
        <urn:s> a sh:NodeShape ; sh:targetClass tw:Partnership ;
            sh:property [ sh:path tw:party ; sh:equals tw:document ] .""", format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(g)
    triples = [("<urn:p>", nt.RDF_TYPE, f"<{TW}Partnership>"), ("<urn:p>", f"<{TW}party>", "<urn:a>")]
    report = validate_fast(nt.canonical(triples), g)  # answered by pySHACL
    assert not report.conforms and report.results[0].component == "EqualsConstraintComponent"


def test_minisparql_paths_filters_and_exists() -> None:
    ex = "http://example.org/"
    triples = nt.canonical([
        (f"<{ex}a>", f"<{ex}knows>", f"<{ex}b>"), (f"<{ex}b>", f"<{ex}knows>", f"<{ex}c>"),
        (f"<{ex}c>", f"<{ex}name>", '"Cé"@fr'), (f"<{ex}b>", f"<{ex}name>", '"Bee"'),
        (f"<{ex}a>", f"<{ex}likes>", f"<{ex}c>"),
    ])
    data = Data(triples)
    now = dt.datetime.now(dt.timezone.utc)
    query = parse_select("""PREFIX ex: <http://example.org/>
        SELECT $this ?value WHERE { $this (ex:knows|ex:likes)/ex:name ?value .
            FILTER(LANG(?value) = "fr" && STRSTARTS(STR(?value), "C"))
            FILTER NOT EXISTS { ?value ^ex:name/ex:knows ?x } }""", {})
    rows = query.solutions(data, {"this": f"<{ex}a>"}, now)
    assert rows == [{"this": f"<{ex}a>", "value": '"Cé"@fr'}]
    bound = parse_select("SELECT ?n WHERE { ?s <http://example.org/name> ?n BIND(CONCAT(?n, \"!\") AS ?m) "
                         "FILTER(?m IN (\"Bee!\")) }", {})
    assert bound.solutions(data, {}, now) == [{"n": '"Bee"'}]
    for text in ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "SELECT * WHERE { ?s <urn:p>* ?o }",
                 "SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o } }"):
        with pytest.raises(Unsupported):
            parse_select(text, {})
