"""A real Oxigraph server (the `oxigraph` binary from PyPI) for the external-store tests, and
the comparison of every canned query's answer from the embedded store and a remote one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from twinned.config import Settings
from twinned.queries import canned as q
from twinned.queries.binding import CannedQuery
from twinned.queries.results import execute, write
from twinned.rdf.negotiation import SPARQL_JSON, TURTLE
from twinned.store.external import RemoteStore
from twinned.store.release import load_release

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


@dataclass(frozen=True)
class Oxigraph:
    url: str

    @property
    def query(self) -> str:
        return self.url + "query"

    @property
    def store(self) -> str:
        return self.url + "store"


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Return once ``url`` answers; fail if ``process`` exits or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate, and kill if it has not gone in ten seconds."""
    process.terminate()
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def cases(queries: dict[str, CannedQuery]) -> list[tuple[str, dict[str, list[str]]]]:
    """Every canned query with its example values, and with its defaults alone."""
    out = []
    for name, query in queries.items():
        out.append((name, query.example_params()))
        if not any(p.required for p in query.parameters):
            out.append((name, {}))
    return out


def assert_canned_queries_match(built: Settings, remote: RemoteStore) -> None:
    """Every canned query (each case of its parameters) written the same from the release's
    embedded store and from ``remote``."""
    embedded = load_release(built.output_dir.resolve()).store
    queries = q.load_queries(built.queries_dir)
    for name, params in cases(queries):
        query = queries[name]
        fmt = TURTLE if query.construct else SPARQL_JSON
        b1, r1 = execute(embedded, query, params, built.base_uri)
        b2, r2 = execute(remote, query, params, built.base_uri)
        assert write(r1, b1, fmt, built.base_uri) == write(r2, b2, fmt, built.base_uri), (name, params)
