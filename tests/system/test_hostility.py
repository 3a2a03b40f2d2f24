"""A live server under hostile requests, over a real socket: pathological SPARQL stopped
by the time, memory and row limits while other clients keep being served; request-size
limits on the wire; path tricks sent byte for byte; and no request — SERVICE, LOAD,
FROM, graph parameters, IRIs to describe — makes the server fetch a URL."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, live_server
from twinned.config import Settings

pytestmark = pytest.mark.slow  # hostile clients against a real server, waiting out time limits

TIMEOUT = 1.0
MAX_ROWS = 500
PREFIX = "PREFIX tw: <https://w3id.org/twinned/def/>\n"
CONCAT = "SELECT (STRLEN(?v30) AS ?n) WHERE { BIND(\"0123456789\" AS ?v0) " + " ".join(
    f"BIND(CONCAT(?v{i},?v{i}) AS ?v{i + 1})" for i in range(30)) + " }"
PATHOLOGICAL = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "sorted cartesian product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
    "deep property paths": PREFIX + "SELECT * WHERE { ?s (tw:party|^tw:party)*/(tw:document|^tw:document)* ?o }",
    "any-path closure": "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x>|^!<urn:x>)* ?o }",
    "regex over a product":
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f FILTER REGEX(CONCAT(STR(?c), STR(?f)), \"(x+x+)+y\") }",
    "huge regex": "SELECT * WHERE { ?s ?p ?o FILTER REGEX(STR(?o), \"((a{100}){100}){100}\") }",
    "string doubling": CONCAT,
    "group_concat of a product": "SELECT (GROUP_CONCAT(CONCAT(STR(?c), STR(?f))) AS ?g) WHERE { ?a ?b ?c . ?d ?e ?f }",
    "huge VALUES": "SELECT * WHERE { VALUES ?x { " + " ".join(f"<urn:x:{i}>" for i in range(40000)) + " } ?x ?p ?o }",
    "every triple": "SELECT * WHERE { ?s ?p ?o }",
    "construct a product": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }",
}


@pytest.fixture(scope="module")
def live(built: Settings) -> Iterator[LiveServer]:
    with live_server(built.project_dir, "--query-timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS),
                     "--quiet") as server:
        yield server


def post_query(live: LiveServer, query: str) -> httpx.Response:
    return httpx.post(live.url + "sparql", content=query.encode(), timeout=60,
                      headers={"Content-Type": "application/sparql-query"})


class Bystander:
    """A client fetching a page and asking a simple query over and over, timing each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.slowest = 0.0
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self.stop.is_set():
                for path, params in (("/place/kosice.ttl", {}), ("/sparql", {"query": "ASK { ?s ?p ?o }"})):
                    started = time.monotonic()
                    r = http.get(path, params=params)
                    self.slowest = max(self.slowest, time.monotonic() - started)
                    if r.status_code != 200:
                        self.failures.append(f"{path}: {r.status_code} {r.text[:200]}")
                time.sleep(0.02)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_are_stopped_while_others_are_served(live: LiveServer, name: str) -> None:
    bystander = Bystander(live.url)
    bystander.thread.start()
    try:
        started = time.monotonic()
        response = post_query(live, PATHOLOGICAL[name])
        elapsed = time.monotonic() - started
    finally:
        bystander.stop.set()
        bystander.thread.join(30)
    assert response.status_code in (200, 503), response.text[:300]
    assert elapsed < TIMEOUT + 8  # the limit, plus room for a busy machine
    if response.status_code == 503:
        assert response.json()["error"]["title"] in ("Query timed out", "Query too large")
    else:
        assert response.headers["x-twinned-row-limit"] == str(MAX_ROWS)
    assert bystander.failures == []
    assert bystander.slowest < TIMEOUT + 5


def test_the_row_limit_cuts_big_results(live: LiveServer) -> None:
    response = post_query(live, "SELECT * WHERE { ?s ?p ?o }")
    assert response.headers["x-twinned-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS


# -- limits on the wire ------------------------------------------------------------------------------

def raw_request(live: LiveServer, request: bytes) -> bytes:
    """Send bytes exactly as given (no client normalising the path); the whole answer."""
    data = b""
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
        try:
            s.sendall(request)
            while chunk := s.recv(65536):
                data += chunk
        except (ConnectionResetError, BrokenPipeError):  # refused before it was all sent
            pass
    return data


def status_of(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def test_long_urls_are_refused(live: LiveServer) -> None:
    assert httpx.get(live.url + "place/" + "a" * 20_000, timeout=10).status_code == 414
    # beyond what the HTTP parser buffers, the connection is refused outright, not served
    head = raw_request(live, b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head == b"" or 400 <= status_of(head) < 500


def test_big_bodies_are_refused(live: LiveServer) -> None:
    big = b"ASK {} #" + b"x" * 1_100_000
    r = httpx.post(live.url + "sparql", content=big, timeout=30,
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while it is read
        for _ in range(40):
            yield b"#" + b"x" * 49_999

    r = httpx.post(live.url + "sparql", content=chunks(), timeout=30,
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


@pytest.mark.parametrize("path", [
    b"/../../../../etc/passwd", b"/static/../../../../etc/passwd", b"/static/..%2f..%2f..%2fserver.py",
    b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd", b"/static/%2e%2e/%2e%2e/twinned/server.py",
    b"/static/%252e%252e/%252e%252e/etc/passwd", b"/dumps/..%2f..%2ftwinned.toml", b"/..%5c..%5ctwinned.toml",
    b"/static/twinned.css%00.py", b"/static/..\\..\\server.py", b"//etc/passwd", b"/.dist/", b"/dist/twinned.nt",
    b"/twinned.toml", b"/data/places.yaml", b"/%c0%ae%c0%ae/etc/passwd",
])
def test_path_tricks_are_refused_without_leaking_files(live: LiveServer, path: bytes) -> None:
    answer = raw_request(live, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(answer) in (400, 404), answer[:300]
    for secret in (b"root:", b"import ", b"[twinned]", b"countries:", b"<https://w3id.org/twinned/place/kosice> <"):
        assert secret not in answer


# -- no fetching ---------------------------------------------------------------------------------------

class Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        Canary.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<urn:a> <urn:b> <urn:c> .\n")

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[str]:
    Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/canary"
    finally:
        server.shutdown()
        server.server_close()


def test_no_request_makes_the_server_fetch_a_url(live: LiveServer, canary: str, tmp_path: Path) -> None:
    answers = {
        "SERVICE": post_query(live, f"SELECT * WHERE {{ SERVICE <{canary}> {{ ?s ?p ?o }} }}"),
        "SERVICE SILENT": post_query(live, f"SELECT * WHERE {{ SERVICE SILENT <{canary}> {{ ?s ?p ?o }} }}"),
        "LOAD": post_query(live, f"LOAD <{canary}>"),
        "FROM": post_query(live, f"SELECT * FROM <{canary}> WHERE {{ ?s ?p ?o }}"),
        "FROM NAMED": post_query(live, f"SELECT * FROM NAMED <{canary}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        "GRAPH": post_query(live, f"SELECT * WHERE {{ GRAPH <{canary}> {{ ?s ?p ?o }} }}"),
        "DESCRIBE": post_query(live, f"DESCRIBE <{canary}>"),
        "default-graph-uri": httpx.get(live.url + "sparql", params={
            "query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": canary}, timeout=30),
        "named-graph-uri": httpx.get(live.url + "sparql", params={
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": canary}, timeout=30),
        "IRI()": post_query(live, f"SELECT * WHERE {{ BIND(IRI(\"{canary}\") AS ?x) ?x ?p ?o }}"),
    }
    time.sleep(0.5)
    assert Canary.hits == []
    for what in ("SERVICE", "SERVICE SILENT", "LOAD"):
        assert answers[what].status_code == 403, what
    for what in ("FROM", "FROM NAMED", "GRAPH", "default-graph-uri", "named-graph-uri", "IRI()"):
        assert answers[what].status_code == 200, (what, answers[what].text[:200])
        assert answers[what].json()["results"]["bindings"] == [], what
    assert answers["DESCRIBE"].status_code == 200
