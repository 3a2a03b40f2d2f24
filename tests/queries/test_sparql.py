"""The SPARQL endpoint (sparql.py, writers.py): what is refused, how queries run and
are capped, and the SPARQL 1.1 Protocol in-process. The real-socket tests (real
clients, the time limit) are in test_live.py."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twinned import httperrors as he
from twinned.config import Settings
from twinned.queries.sparql import QueryRequest, check_query, execute, keywords, load_store
from twinned.store.release import load_release
from twinned.web.querypool import QueryPool
from twinned.web.server import create_app

BASE = "https://w3id.org/twinned/"
PREFIXES = "PREFIX tw: <https://w3id.org/twinned/def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
PLACES = PREFIXES + ("SELECT ?place ?label WHERE { ?place a tw:AdministrativeBody ; rdfs:label ?label "
                     "FILTER(LANG(?label) = 'en') } ORDER BY ?label")
SRX = "{http://www.w3.org/2005/sparql-results#}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def release_dir(built: Settings) -> Path:
    return built.output_dir.resolve()


@pytest.fixture(scope="module")
def store(release_dir: Path) -> ox.Store:
    return load_store(release_dir, BASE)


@pytest.fixture(scope="module")
def client(built: Settings, release_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(built, load_release(release_dir))) as c:
        yield c


@pytest.fixture(scope="module")
def capped(built: Settings, release_dir: Path) -> Iterator[TestClient]:
    app = create_app(replace(built, max_rows=3), load_release(release_dir), query_workers=1)
    with TestClient(app) as c:
        yield c


# -- refusing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/sparql> { }" }',
    "SELECT * WHERE { ?s ?p 'INSERT DATA { <a:b> <a:c> <a:d> }' }",
    'SELECT * WHERE { ?s ?p """LOAD <http://example.org/>\nDROP ALL""" }',
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT ?service WHERE { ?service ex:load ex:insert }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/> and DELETE are only words here",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    'SELECT * WHERE { ?s ?p "drop"@en }',
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'service')) }",
])
def test_no_false_positives(query: str) -> None:
    assert check_query(query) == "SELECT"


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
    "PREFIX x: <http://x/> delete where { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR DEFAULT",
    "DROP ALL",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <http://a/b> <http://a/c> 1 }",
])
def test_updates_are_refused(query: str) -> None:
    with pytest.raises(he.QueryRefused, match="read-only"):
        check_query(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?a<?b)SERVICE?g#>\n{ ?x ?y ?z } }",
])
def test_service_is_refused(query: str) -> None:
    with pytest.raises(he.QueryRefused, match="SERVICE"):
        check_query(query)


def test_query_forms() -> None:
    assert check_query("PREFIX a: <http://a/> ASK { ?s ?p ?o }") == "ASK"
    assert check_query("CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert check_query("describe <http://a/b>") == "DESCRIBE"
    assert check_query("SELECT * { { SELECT ?s { ?s ?p ?o } } }") == "SELECT"
    with pytest.raises(he.QuerySyntaxError):
        check_query("hello")


def test_keywords_skip_strings_iris_comments_and_names() -> None:
    q = 'PREFIX ex: <http://x/service> SELECT * WHERE { ?load ex:drop "SERVICE" . # INSERT\n }'
    assert keywords(q) == ["PREFIX", "SELECT", "WHERE"]


# -- running ------------------------------------------------------------------------------------------

def test_the_worker_store_is_the_release(store: ox.Store, built: Settings) -> None:
    release = load_release(built.output_dir.resolve())
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert next(iter(store.query(count)))["n"] == next(iter(release.store.query(count)))["n"]
    assert not bool(store.query(PREFIXES + "ASK { tw:Partnership a ?c }"))  # ontology not in default
    assert bool(store.query(PREFIXES + "ASK { GRAPH <https://w3id.org/twinned/def/> { tw:Partnership a ?c } }"))


def test_select_is_capped(store: ox.Store) -> None:
    result = execute(store, QueryRequest(PLACES, "json", max_rows=5))
    data = json.loads(result.body)
    assert len(data["results"]["bindings"]) == 5 and result.truncated
    assert data["twinned"] == {"truncated": True}
    full = execute(store, QueryRequest(PLACES, "json", max_rows=1000))
    assert not full.truncated and "twinned" not in json.loads(full.body)
    assert full.count == 52


def test_construct_is_capped(store: ox.Store) -> None:
    result = execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", "ntriples", max_rows=7))
    assert result.truncated and result.count == 7
    assert len(result.body.decode().strip().splitlines()) == 7


def test_syntax_error_carries_the_parser_message(store: ox.Store) -> None:
    with pytest.raises(he.QuerySyntaxError, match="error at 1:"):
        execute(store, QueryRequest("SELECT ?x WHERE { ?x ?y }", "json", 10))


def test_results_formats(store: ox.Store) -> None:
    q = PREFIXES + ("SELECT ?label ?missing WHERE { <https://w3id.org/twinned/place/kosice> rdfs:label ?label "
                    "OPTIONAL { ?label tw:nothing ?missing } } ORDER BY ?label")
    js = json.loads(execute(store, QueryRequest(q, "json", 10)).body)
    assert js["head"]["vars"] == ["label", "missing"]
    assert {"type": "literal", "value": "Kassa", "xml:lang": "hu"} == js["results"]["bindings"][0]["label"]
    xml = ET.fromstring(execute(store, QueryRequest(q, "xml", 10)).body)
    literals = xml.findall(f".//{SRX}literal")
    assert literals[0].text == "Kassa"
    rows = list(csv.reader(io.StringIO(execute(store, QueryRequest(q, "csv", 10)).body.decode())))
    assert rows[0] == ["label", "missing"] and rows[1] == ["Kassa", ""]
    tsv = execute(store, QueryRequest(q, "tsv", 10)).body.decode().splitlines()
    assert tsv[0] == "?label\t?missing" and tsv[1] == '"Kassa"@hu\t'


# -- the protocol ----------------------------------------------------------------------------------------

def test_get_form_post_and_direct_post_agree(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = client.get("/sparql", params={"query": PLACES}, headers=accept)
    by_form = client.post("/sparql", data={"query": PLACES}, headers=accept)
    direct = client.post("/sparql", content=PLACES.encode(),
                         headers={**accept, "Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == direct.status_code == 200
    assert by_get.json() == by_form.json() == direct.json()
    assert len(by_get.json()["results"]["bindings"]) == 52
    assert by_get.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert by_get.headers["x-twinned-truncated"] == "false"
    assert by_get.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_select_by_accept(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/sparql", params={"query": PLACES}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize("fmt, media", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("html", "text/html"),
])
def test_select_by_format_parameter(client: TestClient, fmt: str, media: str) -> None:
    r = client.get("/sparql", params={"query": PLACES, "format": fmt}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("fmt, rdf", [
    ("turtle", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD),
    ("nt", ox.RdfFormat.N_TRIPLES), ("rdfxml", ox.RdfFormat.RDF_XML),
])
def test_construct_and_describe_formats(client: TestClient, fmt: str, rdf: ox.RdfFormat) -> None:
    q = PREFIXES + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a tw:Partnership ; rdfs:label ?l }"
    r = client.get("/sparql", params={"query": q, "format": fmt})
    assert r.status_code == 200
    assert len([t for t in ox.parse(r.content, format=rdf)]) == 50
    d = client.get("/sparql", params={"query": f"DESCRIBE <{BASE}place/kosice>", "format": fmt})
    assert d.status_code == 200
    assert any(q.subject == ox.NamedNode(BASE + "place/kosice") for q in ox.parse(d.content, format=rdf))


def test_ask(client: TestClient) -> None:
    q = PREFIXES + f"ASK {{ <{BASE}place/kosice> tw:twinnedWith <{BASE}place/wuppertal> }}"
    assert client.get("/sparql", params={"query": q}).json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+xml"})
    assert ET.fromstring(xml.content).find(f"{SRX}boolean").text == "true"


def test_named_and_default_graph_parameters(client: TestClient) -> None:
    q = "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"
    plain = client.get("/sparql", params={"query": q}).json()
    assert plain["results"]["bindings"] == []
    onto = client.get("/sparql", params={"query": q, "default-graph-uri": BASE + "def/"}).json()
    assert len(onto["results"]["bindings"]) > 5


def test_406_for_a_result_type_that_does_not_fit(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": PLACES}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.json()["error"]["detail"]
    r = client.get("/sparql", params={"query": PLACES, "format": "turtle"})
    assert r.status_code == 406


def test_syntax_error_is_a_400_with_the_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["title"] == "SPARQL syntax error" and "error at 1:" in err["detail"]


@pytest.mark.parametrize("kwargs", [
    {"params": {"query": "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }"}},
    {"data": {"update": "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }"}},
    {"content": b"DELETE WHERE { ?s ?p ?o }", "headers": {"Content-Type": "application/sparql-update"}},
    {"params": {"query": "LOAD <http://example.org/x.ttl>"}},
    {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"}},
])
def test_refused_with_403(client: TestClient, kwargs: dict) -> None:
    method = client.get if "params" in kwargs else client.post
    r = method("/sparql", **kwargs)
    assert r.status_code == 403
    assert r.json()["error"]["title"] == "Query refused"


def test_wrong_content_type_is_415(client: TestClient) -> None:
    r = client.post("/sparql", content=b"SELECT * {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_post_without_query_and_two_queries(client: TestClient) -> None:
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400 and "exactly one" in r.json()["error"]["detail"]


def test_oversized_body_is_413(client: TestClient) -> None:
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 1_100_000
    r = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_service_description(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    graph = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
    endpoint = ox.NamedNode("http://testserver/sparql")
    assert ox.Triple(endpoint, ox.NamedNode(sd + "endpoint"), endpoint) in graph
    assert ox.Triple(endpoint, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")) in graph
    js = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/ld+json")


def test_html_form_for_browsers(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200 and "<form" in r.text and "<textarea" in r.text
    r = client.get("/sparql", params={"query": PLACES}, headers={"Accept": BROWSER})
    assert r.status_code == 200 and "<table" in r.text and "Košice" in r.text
    assert 'href="/place/kosice"' in r.text


def test_row_cap_is_signalled(capped: TestClient) -> None:
    r = capped.get("/sparql", params={"query": PLACES}, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["x-twinned-truncated"] == "true" and r.headers["x-twinned-row-limit"] == "3"
    assert len(r.text.strip().splitlines()) == 4  # header and three rows
    html = capped.get("/sparql", params={"query": PLACES}, headers={"Accept": BROWSER}).text
    assert "Truncated" in html
    small = capped.get("/sparql", params={"query": PLACES + " LIMIT 2"})
    assert small.headers["x-twinned-truncated"] == "false"


def test_get_results_are_cacheable_post_results_are_not(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": PLACES})
    assert r.headers["cache-control"] == "public, max-age=60"
    again = client.get("/sparql", params={"query": PLACES}, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert client.post("/sparql", data={"query": PLACES}).headers["cache-control"] == "no-store"


def test_a_pool_whose_workers_cannot_start_fails_fast(tmp_path: Path) -> None:
    async def scenario() -> None:
        pool = QueryPool(tmp_path, BASE, size=1, timeout=1.0)  # no release there
        await pool.start()
        for _ in range(400):
            if not pool._tasks:
                break
            await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(he.ServiceUnavailable, match="No query worker"):
            await pool.run(QueryRequest("ASK {}", "json", 10))
        assert time.monotonic() - started < 1
        await pool.close()

    asyncio.run(scenario())


def test_a_dead_worker_is_replaced(release_dir: Path) -> None:
    async def scenario() -> None:
        pool = QueryPool(release_dir, BASE, size=1, timeout=5.0)
        await pool.start()
        assert (await pool.run(QueryRequest("ASK {}", "json", 10))).body
        for worker in list(pool._workers):
            worker.process.kill()
        with pytest.raises(he.WorkerFailed):
            await pool.run(QueryRequest("ASK {}", "json", 10))
        assert (await pool.run(QueryRequest("ASK {}", "json", 10))).body  # a new worker
        await pool.close()

    asyncio.run(scenario())


def test_relative_iris_resolve_against_the_base(client: TestClient) -> None:
    """SPARQL 1.1 Protocol: a query's relative IRIs resolve against a base IRI (the data's)."""
    r = client.post("/sparql", content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/n-triples")
    assert r.text.strip() == ('<https://w3id.org/twinned/s> <https://w3id.org/twinned/p> '
                              '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    # and a relative IRI names a resource of the data
    ask = client.get("/sparql", params={"query": "ASK { <place/kaunas> a ?type }"},
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.json()["boolean"] is True
