"""Local stand-ins for Wikidata's SPARQL endpoint, for tests/test_wikidata*.py:

- ``oxigraph_endpoint``: a real Oxigraph server on loopback, on a free port, loaded with
  the Wikidata-shaped fixture tests/fixtures/wikidata-p190.ttl;
- ``StubEndpoint``: a tiny http.server that answers canned responses in turn (429, 500,
  a good SPARQL JSON result ...) and records the requests it got.

Nothing here, nor in the tests, reaches the internet.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "wikidata-p190.ttl"
EMPTY_RESULT = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port_url() -> str:
    """An endpoint URL on loopback where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/sparql"


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph server is missing: pip install -e '.[test]'")
    return found


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("oxigraph exited")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise TimeoutError("oxigraph did not become ready")


@contextmanager
def oxigraph_endpoint(tmp: Path) -> Iterator[str]:
    """The URL of a read-only Oxigraph SPARQL endpoint holding the fixture."""
    binary = _oxigraph()
    location = tmp / "oxigraph"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(FIXTURE)], check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([binary, "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        _wait(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = EMPTY_RESULT
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/sparql-results+json"),)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]

    @property
    def query(self) -> str:
        return parse_qs(urlsplit(self.path).query).get("query", [""])[0]


@dataclass
class StubEndpoint:
    """Answers ``answers`` in turn (the last one again and again); records every request."""

    answers: list[Answer]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


@contextmanager
def stub_endpoint(*answers: Answer) -> Iterator[StubEndpoint]:
    stub = StubEndpoint(list(answers))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            answer = stub.answers[min(len(stub.seen), len(stub.answers)) - 1]
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    # (a short poll: shutdown() waits for the loop to look, half a second by default)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
