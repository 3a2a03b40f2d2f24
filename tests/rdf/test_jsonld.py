"""The one compact JSON-LD writer (jsonld.py): a JSON-LD processor (pyld) expands what it
writes to exactly the graph it was given, for the dump and for awkward small graphs."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from pyld import jsonld as pyld
from rdflib import Graph
from rdflib.compare import isomorphic

from twinned.config import Settings
from twinned.rdf import jsonld

BASE = "https://example.org/twinned/"
TW = "https://w3id.org/twinned/def/"


def expanded(text: str) -> set[ox.Triple]:
    """The triples a JSON-LD processor reads in the text."""
    nquads = pyld.to_rdf(json.loads(text), {"format": "application/n-quads"})
    return {q.triple for q in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)}


def test_the_dump_expands_to_the_n_triples_graph(built: Settings) -> None:
    dist = built.output_dir
    nt = {q.triple for q in ox.parse(path=str(dist / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert len(nt) > 4000
    assert expanded((dist / "twinned.jsonld").read_text("utf-8")) == nt


def test_the_dump_is_formatted_as_json_dumps_formats_it(built: Settings) -> None:
    text = (built.output_dir / "twinned.jsonld").read_text("utf-8")
    doc = json.loads(text)
    assert text == json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    assert doc["@context"]["@base"] == built.base_uri
    ids = [node["@id"] for node in doc["@graph"]]
    assert len(ids) == len(set(ids))  # one node per subject
    assert any(not i.startswith("http") for i in ids)  # the data's own URIs are relative to @base


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


AWKWARD = [
    ox.Triple(n(BASE + "place/a"), n(jsonld.RDF_TYPE), n(TW + "AdministrativeBody")),
    ox.Triple(n(BASE + "place/a"), n(jsonld.RDF_TYPE), n("http://example.com/NoPrefix")),
    # rdfs:label is a language map: a plain literal among the tagged ones does not fit it
    ox.Triple(n(BASE + "place/a"), n(jsonld.TERMS["label"][0]), ox.Literal("Aa", language="en")),
    ox.Triple(n(BASE + "place/a"), n(jsonld.TERMS["label"][0]), ox.Literal("Ää", language="de")),
    ox.Triple(n(BASE + "place/b"), n(jsonld.TERMS["label"][0]), ox.Literal("B")),
    ox.Triple(n(BASE + "place/b"), n(jsonld.TERMS["label"][0]), ox.Literal("Bé", language="fr")),
    # an @id-coerced term with a literal value
    ox.Triple(n(BASE + "place/b"), n(TW + "country"), ox.Literal("not an IRI")),
    ox.Triple(n(BASE + "place/a"), n(TW + "country"), n(BASE + "country/xx")),
    ox.Triple(n(BASE + "place/a"), n(TW + "twinnedWith"), n(BASE + "place/b")),
    ox.Triple(n(BASE + "place/a"), n(TW + "twinnedWith"), n("http://elsewhere.example/x")),
    ox.Triple(n(BASE + "place/a"), n("http://www.w3.org/2003/01/geo/wgs84_pos#lat"),
              ox.Literal("48.7", datatype=n("http://www.w3.org/2001/XMLSchema#decimal"))),
    ox.Triple(n(BASE + "place/a"), n(TW + "date"),
              ox.Literal("1950", datatype=n("http://www.w3.org/2001/XMLSchema#gYear"))),
    ox.Triple(n(BASE + "place/a"), n("http://example.com/p"), ox.Literal('quote " and\nnewline')),
    ox.Triple(n("http://www.wikidata.org/entity/Q1"), n("http://www.wikidata.org/prop/direct/P190"),
              n("http://www.wikidata.org/entity/Q2")),
    ox.Triple(n(BASE + "odd:thing"), n(TW + "note"), ox.Literal("a colon in the first segment")),
]


def test_awkward_graphs_expand_to_what_was_written() -> None:
    text = jsonld.to_jsonld(AWKWARD, BASE)
    assert expanded(text) == set(AWKWARD)
    assert text == jsonld.to_jsonld(list(reversed(AWKWARD)), BASE)  # the order given does not matter


def test_blank_nodes_keep_their_shape() -> None:
    b = ox.BlankNode("b1")
    triples = [ox.Triple(n(BASE + "x"), n(TW + "party"), b),
               ox.Triple(b, n(jsonld.TERMS["label"][0]), ox.Literal("anonymous", language="en"))]
    text = jsonld.to_jsonld(triples, BASE)
    written = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    read = Graph().parse(data=ox.serialize(sorted(expanded(text), key=str), format=ox.RdfFormat.N_TRIPLES),
                         format="nt")
    assert isomorphic(written, read)


def test_an_empty_graph_is_an_empty_document(tmp_path: Path) -> None:
    text = jsonld.to_jsonld([], BASE)
    assert json.loads(text)["@graph"] == [] and expanded(text) == set()
