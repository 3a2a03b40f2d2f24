"""External stores (external.py): a real Oxigraph server (the `oxigraph` binary from
PyPI) on loopback, `twinned load` into it, `twinned serve --sparql-endpoint` in front of
it, and the same answer to every canned query as the embedded store gives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.support.live_server import free_port
from tests.support.oxigraph import OXIGRAPH, Oxigraph, assert_canned_queries_match, cases, stop_process, wait_until_up
from twinned.cli import main
from twinned.config import Settings
from twinned.queries import canned as q
from twinned.queries.results import ROWS_JSON, execute, write
from twinned.queries.sparql import bind_values, strip_comments
from twinned.rdf.negotiation import TURTLE
from twinned.store.external import RemoteStore, graph_url
from twinned.store.release import load_release


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[Oxigraph]:
    assert Path(OXIGRAPH).exists(), "the oxigraph server is a test dependency: pip install -e '.[test]'"
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, process)
        yield Oxigraph(url)
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def loaded(built: Settings, oxigraph: Oxigraph) -> Oxigraph:
    code = main(["load", "--project", str(built.project_dir), "--graph-store", oxigraph.store, "-q"])
    assert code == 0
    return oxigraph


@pytest.fixture(scope="module")
def served(built: Settings, loaded: Oxigraph) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "twinned.cli", "serve", "--project", str(built.project_dir), "--port", str(port),
         "--sparql-endpoint", loaded.query, "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "queries.json", process)
        yield url
    finally:
        stop_process(process)


@pytest.mark.slow  # a real Oxigraph server
def test_load_puts_every_graph_in_the_store(built: Settings, loaded: Oxigraph) -> None:
    remote = RemoteStore(loaded.query)
    embedded = load_release(built.output_dir.resolve()).store
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert list(remote.query(count))[0]["n"] == list(embedded.query(count))[0]["n"]
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    graphs = {r["g"].value: int(r["n"].value) for r in remote.query(named)}
    assert set(graphs) == {"https://w3id.org/twinned/def/", built.base_uri + "catalog"}


@pytest.mark.slow  # a real Oxigraph server
def test_every_canned_query_answers_the_same_over_http(built: Settings, served: str) -> None:
    embedded = load_release(built.output_dir.resolve()).store
    queries = q.load_queries(built.queries_dir)
    for name, params in cases(queries):
        query = queries[name]
        binding, result = execute(embedded, query, params, built.base_uri, built.max_rows)
        fmt = TURTLE if query.construct else ROWS_JSON
        expected = write(result, binding, fmt, built.base_uri)
        suffix = ".ttl" if query.construct else ".json"
        response = httpx.get(f"{served}queries/{name}{suffix}", params=params, timeout=30)
        assert response.status_code == 200, (name, response.text)
        assert response.content == expected, name


@pytest.mark.slow  # a real Oxigraph server
def test_pages_and_the_endpoint_come_from_the_store(served: str) -> None:
    page = httpx.get(served + "place/kosice", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Mobile" in page.text
    turtle = httpx.get(served + "partnership/kosice--mobile.ttl", timeout=30)
    subjects = {t.subject.value for t in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)}
    assert "https://w3id.org/twinned/partnership/kosice--mobile/document/partnership-agreement" in subjects
    answer = httpx.get(served + "sparql", params={"query": "ASK { ?s a <https://w3id.org/twinned/def/Partnership> }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.json()["boolean"] is True
    refused = httpx.post(served + "sparql", data={"update": "DROP ALL"}, timeout=30)
    assert refused.status_code == 403
    relative = httpx.post(served + "sparql", content=b"ASK { <place/kosice> ?p ?o }", timeout=30,
                          headers={"Content-Type": "application/sparql-query",
                                   "Accept": "application/sparql-results+json"})
    assert relative.json()["boolean"] is True  # resolved against the base URI there too


@pytest.mark.slow  # a real Oxigraph server
def test_the_same_answers_in_process(built: Settings, loaded: Oxigraph) -> None:
    """Every canned query, SPARQL JSON, through RemoteStore directly (no server between)."""
    assert_canned_queries_match(built, RemoteStore(loaded.query))


# -- the pieces ---------------------------------------------------------------------------------


def test_values_are_bound_at_the_start_of_where() -> None:
    text = "PREFIX x: <urn:x#>\nCONSTRUCT { ?a x:p ?b } WHERE { ?a x:p ?b }"
    bound = bind_values(text, {ox.Variable("a"): ox.NamedNode("urn:a")})
    assert bound.endswith("WHERE { VALUES (?a) { (<urn:a>) }  ?a x:p ?b }")
    literal = bind_values("SELECT * { ?s ?p ?o }", {ox.Variable("o"): ox.Literal('say "hi"', language="en")})
    assert 'VALUES (?o) { ("say \\"hi\\""@en) }' in literal
    assert bind_values("SELECT * {}", {}) == "SELECT * {}"


def test_comments_go_but_iris_with_hashes_stay() -> None:
    text = "# delete me\nSELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } # load"
    assert strip_comments(text) == "\nSELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } "


def test_graph_urls() -> None:
    assert graph_url("http://h/store", None) == "http://h/store?default"
    assert graph_url("http://h/store", "https://w3id.org/twinned/def/") == \
        "http://h/store?graph=https%3A%2F%2Fw3id.org%2Ftwinned%2Fdef%2F"
    assert graph_url("http://h/?access-token=t", None) == "http://h/?access-token=t&default"


def test_an_unreachable_store_is_a_503(built: Settings) -> None:
    from twinned.store.external import StoreUnavailable

    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(StoreUnavailable):
        store.query("ASK {}")


@pytest.mark.slow  # a real Oxigraph server
def test_forked_processes_have_their_own_connections(built: Settings, loaded: Oxigraph) -> None:
    """serve --processes 2 in front of a store: the app (and the store's client) is made
    before the fork, and each child must open its own connections to the store."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.live_server import live_server

    with live_server(built.project_dir, "--processes", "2", "--sparql-endpoint", loaded.query, "--quiet") as server:
        paths = ["place/kosice.nt", "partnership/kosice--mobile.nt", "queries/partnerships.json"] * 12

        def fetch(path: str) -> tuple[str, int, bytes]:
            with httpx.Client() as client:  # a connection of its own: the kernel spreads them over the children
                answer = client.get(server.url + path, timeout=30)
                return path, answer.status_code, answer.content

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(fetch, paths))
    bodies: dict[str, set[bytes]] = {}
    for path, status, body in answers:
        assert status == 200, (path, body[:300])
        bodies.setdefault(path, set()).add(body)
    assert all(len(found) == 1 for found in bodies.values())
