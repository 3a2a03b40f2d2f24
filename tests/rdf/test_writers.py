"""Writers (twinned.rdf.writers): graphs in every RDF format, the same bytes for the same
graph in any order, the focus first; SELECT and ASK results in SPARQL JSON, XML, CSV and
TSV as their specifications write them."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from twinned.rdf.negotiation import CSV, HTML, JSONLD, NTRIPLES, RDFXML, SPARQL_JSON, SPARQL_XML, TSV, TURTLE, Format
from twinned.rdf.writers import write_boolean, write_graph, write_solutions

BASE = "https://w3id.org/twinned/"
KOSICE = ox.NamedNode(BASE + "place/kosice")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
CODE = ox.NamedNode(BASE + "vocab#countryCode")
TRIPLES = [
    ox.Triple(ox.NamedNode(BASE + "partnership/kosice-wuppertal"), LABEL,
              ox.Literal("Košice – Wuppertal", language="en")),
    ox.Triple(KOSICE, LABEL, ox.Literal("Košice", language="sk")),
    ox.Triple(KOSICE, CODE, ox.Literal("SK")),
    ox.Triple(ox.NamedNode(BASE + "place/kosice/area"), LABEL, ox.Literal('a "quoted"\nlabel')),
]
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"


@pytest.mark.parametrize("fmt", [TURTLE, NTRIPLES, RDFXML, JSONLD], ids=lambda f: f.name)
def test_a_graph_reads_back_the_same_in_every_format(fmt: Format) -> None:
    body = write_graph(TRIPLES, fmt, BASE)
    parsed = list(ox.parse(body, format=fmt.rdf_format))
    assert sorted(map(str, parsed)) == sorted(map(str, TRIPLES))


def test_the_same_graph_gives_the_same_bytes_in_any_order_and_with_repeats() -> None:
    once = write_graph(TRIPLES, TURTLE, BASE)
    assert write_graph(list(reversed(TRIPLES)) + TRIPLES, TURTLE, BASE) == once
    assert b"@prefix" in once  # the project's prefixes are declared


def test_the_focus_comes_first_then_what_is_under_it() -> None:
    body = write_graph(TRIPLES, NTRIPLES, focus=str(KOSICE.value)).decode("utf-8").splitlines()
    subjects = [line.split(" ", 1)[0] for line in body]
    assert subjects == [f"<{KOSICE.value}>", f"<{KOSICE.value}>", f"<{BASE}place/kosice/area>",
                        f"<{BASE}partnership/kosice-wuppertal>"]


def test_a_results_format_is_not_a_graph_format() -> None:
    with pytest.raises(ValueError, match="csv is not an RDF format"):
        write_graph(TRIPLES, CSV)
    with pytest.raises(ValueError, match="html is not an RDF format"):
        write_graph(TRIPLES, HTML)


VARIABLES = ["place", "label", "missing"]
ROWS = [[KOSICE, ox.Literal("Košice", language="sk"), None],
        [ox.BlankNode("b0"), ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
         ox.Literal('plain, "with" a comma')]]


def test_select_as_sparql_json() -> None:
    doc = json.loads(write_solutions(VARIABLES, ROWS, SPARQL_JSON))
    assert doc["head"] == {"vars": VARIABLES}
    first, second = doc["results"]["bindings"]
    assert first == {"place": {"type": "uri", "value": KOSICE.value},
                     "label": {"type": "literal", "value": "Košice", "xml:lang": "sk"}}
    assert second["place"] == {"type": "bnode", "value": "b0"}
    assert second["label"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert second["missing"] == {"type": "literal", "value": 'plain, "with" a comma'}  # no xsd:string said
    assert "twinned" not in doc
    truncated = json.loads(write_solutions(VARIABLES, ROWS, SPARQL_JSON, truncated=True))
    assert truncated["twinned"] == {"truncated": True}


def test_select_as_sparql_xml() -> None:
    root = ET.fromstring(write_solutions(VARIABLES, ROWS, SPARQL_XML))
    ns = {"r": SPARQL_RESULTS}
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == VARIABLES
    results = root.findall("r:results/r:result", ns)
    assert len(results) == 2
    assert [b.get("name") for b in results[0].findall("r:binding", ns)] == ["place", "label"]
    label = results[0].find("r:binding[@name='label']/r:literal", ns)
    assert label is not None and label.text == "Košice"
    assert label.get("{http://www.w3.org/XML/1998/namespace}lang") == "sk"
    assert results[1].find("r:binding[@name='place']/r:bnode", ns) is not None


def test_select_as_csv_and_tsv() -> None:
    rows = list(csv.reader(io.StringIO(write_solutions(VARIABLES, ROWS, CSV).decode("utf-8"))))
    assert rows == [VARIABLES, [KOSICE.value, "Košice", ""], ["_:b0", "7", 'plain, "with" a comma']]
    assert write_solutions(VARIABLES, ROWS, CSV).endswith(b"\r\n")
    tsv = write_solutions(VARIABLES, ROWS, TSV).decode("utf-8").split("\n")
    assert tsv[0] == "?place\t?label\t?missing"
    assert tsv[1] == f'<{KOSICE.value}>\t"Košice"@sk\t'
    assert tsv[-1] == ""


def test_ask_in_every_results_format() -> None:
    assert json.loads(write_boolean(True, SPARQL_JSON)) == {"head": {}, "boolean": True}
    root = ET.fromstring(write_boolean(False, SPARQL_XML))
    assert root.findtext(f"{{{SPARQL_RESULTS}}}boolean") == "false"
    assert write_boolean(True, CSV) == b"_askResult\r\ntrue\r\n"
    assert write_boolean(False, TSV) == b"?_askResult\nfalse\n"


def test_a_graph_format_is_not_a_results_format() -> None:
    with pytest.raises(ValueError, match="turtle is not a results format"):
        write_solutions(VARIABLES, ROWS, TURTLE)
    with pytest.raises(ValueError, match="turtle is not a results format"):
        write_boolean(True, TURTLE)
