"""`twinned serve` over a real socket: curl-like requests, SPARQLWrapper as a real
SPARQL client, and the time limit stopping a runaway query while others are served."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, TURTLE, XML, QueryResult, SPARQLWrapper

from tests.support.live_server import live_server
from twinned.config import Settings

pytestmark = pytest.mark.slow  # real clients against a real server

BASE = "https://w3id.org/twinned/"
PREFIXES = "PREFIX tw: <https://w3id.org/twinned/def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 1.0


@dataclass(frozen=True)
class Live:
    url: str
    process: subprocess.Popen[bytes]

    def endpoint(self, fmt: str, query: str) -> SPARQLWrapper:
        sparql = SPARQLWrapper(self.url + "sparql")
        sparql.setQuery(query)
        sparql.setReturnFormat(fmt)
        return sparql


@pytest.fixture(scope="module")
def live(built: Settings) -> Iterator[Live]:
    with live_server(built.project_dir, "--query-timeout", str(TIMEOUT), "--max-rows", "1000",
                     "--quiet") as server:
        yield Live(server.url, server.process)


# -- dereferencing like curl and a browser ------------------------------------------------------------

def test_curl_turtle(live: Live) -> None:
    r = httpx.get(live.url + "place/kosice", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert r.headers["content-location"] == "/place/kosice.ttl"
    subjects = {q.subject for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
    assert ox.NamedNode(BASE + "place/kosice") in subjects  # the canonical URI, not the server's


def test_browser_html(live: Live) -> None:
    r = httpx.get(live.url + "place/kosice", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Košice</h1>" in r.text


def test_jsonld_suffix(live: Live) -> None:
    r = httpx.get(live.url + "place/kosice.jsonld")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert json.loads(r.content)["@context"]["@base"] == BASE


# -- a real SPARQL client --------------------------------------------------------------------------------

PLACES = PREFIXES + ("SELECT ?place ?label WHERE { ?place a tw:AdministrativeBody ; rdfs:label ?label "
                     "FILTER(LANG(?label) = 'en') } ORDER BY ?label")


def test_sparqlwrapper_select_json(live: Live) -> None:
    result = live.endpoint(JSON, PLACES).queryAndConvert()
    assert isinstance(result, dict)
    bindings = result["results"]["bindings"]
    assert len(bindings) == 52
    assert {"type": "literal", "value": "Košice", "xml:lang": "en"} in [b["label"] for b in bindings]


def test_sparqlwrapper_select_xml(live: Live) -> None:
    doc = live.endpoint(XML, PLACES).queryAndConvert()
    results = doc.getElementsByTagName("result")  # type: ignore[union-attr]
    assert len(results) == 52


def test_sparqlwrapper_select_csv(live: Live) -> None:
    text = live.endpoint(CSV, PLACES).queryAndConvert()
    assert isinstance(text, bytes)
    lines = text.decode("utf-8").strip().splitlines()
    assert lines[0] == "place,label" and len(lines) == 53
    assert f"{BASE}place/kosice,Košice" in lines


def test_sparqlwrapper_ask(live: Live) -> None:
    q = PREFIXES + f"ASK {{ <{BASE}place/kosice> tw:twinnedWith <{BASE}place/kaunas> }}"
    assert live.endpoint(JSON, q).queryAndConvert() == {"head": {}, "boolean": False}
    q = PREFIXES + f"ASK {{ <{BASE}place/kosice> tw:twinnedWith <{BASE}place/wuppertal> }}"
    doc = live.endpoint(XML, q).queryAndConvert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]


def raw(result: QueryResult) -> tuple[str, bytes]:
    """The response's media type and body (SPARQLWrapper's own RDF conversion goes
    through a deprecated rdflib class, so the tests parse the bytes themselves)."""
    return result.info()["content-type"].split(";")[0], result.response.read()


def test_sparqlwrapper_construct(live: Live) -> None:
    q = PREFIXES + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a tw:Partnership ; rdfs:label ?l }"
    turtle = live.endpoint(TURTLE, q).queryAndConvert()
    assert isinstance(turtle, bytes)
    assert len(Graph().parse(data=turtle, format="turtle")) == 50
    media, body = raw(live.endpoint(XML, q).query())
    assert media == "application/rdf+xml"
    assert len(Graph().parse(data=body, format="xml")) == 50


def test_sparqlwrapper_describe(live: Live) -> None:
    media, body = raw(live.endpoint(JSONLD, f"DESCRIBE <{BASE}place/kosice>").query())
    assert media == "application/ld+json"
    graph = Graph().parse(data=body, format="json-ld")
    assert Literal("Kassa", lang="hu") in set(graph.objects(URIRef(BASE + "place/kosice"), RDFS.label))
    turtle = live.endpoint(TURTLE, f"DESCRIBE <{BASE}place/kosice>").queryAndConvert()
    assert isinstance(turtle, bytes) and b"Kassa" in turtle


def test_refusals_over_the_wire(live: Live) -> None:
    for query in ("INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
                  "LOAD <http://127.0.0.1:1/x.ttl>"):
        r = httpx.post(live.url + "sparql", data={"query": query})
        assert r.status_code == 403, query


# -- the time limit ------------------------------------------------------------------------------------------

def test_runaway_query_is_stopped_while_others_are_served(live: Live) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        r = httpx.get(live.url + "sparql", params={"query": CARTESIAN}, timeout=30)
        outcome.update(status=r.status_code, body=r.json(), elapsed=time.monotonic() - started,
                       finished=time.monotonic())

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    quick = httpx.get(live.url + "sparql", params={"query": PLACES}, timeout=30)
    quick_elapsed, quick_done = time.monotonic() - started, time.monotonic()
    page = httpx.get(live.url + "place/kaunas", timeout=30)
    thread.join(30)

    assert quick.status_code == 200 and len(quick.json()["results"]["bindings"]) == 52
    assert page.status_code == 200
    assert quick_elapsed < 0.5, f"a simple query took {quick_elapsed:.2f} s beside a runaway one"
    assert quick_done < outcome["finished"]  # type: ignore[operator]
    assert outcome["status"] == 503
    assert outcome["body"]["error"]["title"] == "Query timed out"  # type: ignore[index]
    assert TIMEOUT <= outcome["elapsed"] < TIMEOUT + 2  # type: ignore[operator]

    # the stopped worker was replaced: both workers answer again
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        results = [httpx.get(live.url + "sparql", params={"query": "ASK {}"}, timeout=30)
                   for _ in range(2)]
        if all(r.status_code == 200 for r in results):
            break
    assert all(r.status_code == 200 for r in results)


def test_server_survives_a_burst_of_runaways(live: Live) -> None:
    threads = [threading.Thread(target=lambda: httpx.get(live.url + "sparql", params={"query": CARTESIAN},
                                                         timeout=60)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    r = httpx.get(live.url + "sparql", params={"query": PLACES}, timeout=60)
    assert r.status_code == 200


def test_served_app_mounts_the_canned_queries(live: Live) -> None:
    """`twinned serve` exposes the canned-query API and its OpenAPI document."""
    r = httpx.get(live.url + "queries/partners.csv", params={"city": "Q4115712"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) == 1 + 28
    assert httpx.get(live.url + "openapi.json").json()["openapi"].startswith("3.1")
