"""A second real store: Virtuoso (Debian's ``virtuoso-opensource``) on loopback with its
own database. ``twinned load`` puts the release into a named graph through the Digest-
protected Graph Store, with credentials from the environment or a netrc file; ``twinned
serve --sparql-endpoint … --default-graph …`` in front of it answers every canned query,
a sample of pages and /sparql exactly as the embedded store does. No credential ever
appears in the output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from live_server import LiveServer, live_server
from test_external import cases
from twinned import queries as q
from twinned.config import Settings
from twinned.external import RemoteStore, release_named_graphs
from twinned.store import load_release
from virtuoso_server import Virtuoso, virtuoso_server

pytestmark = pytest.mark.slow

GRAPH = "https://w3id.org/twinned/"


def _env(virtuoso: Virtuoso | None, password: str | None = None) -> dict[str, str]:
    """This process's environment with the store's credentials (none: without them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NETRC", "TWINNED_STORE_USER", "TWINNED_STORE_PASSWORD")}
    if virtuoso is not None:
        env.update(TWINNED_STORE_USER=virtuoso.user, TWINNED_STORE_PASSWORD=password or virtuoso.password)
    return env


def twinned(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real command line, its output captured (stdout and stderr together)."""
    return subprocess.run([sys.executable, "-m", "twinned.cli", *args], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="module")
def loaded(built: Settings, virtuoso: Virtuoso) -> Virtuoso:
    done = twinned(["load", "--project", str(built.project_dir), "--graph-store", virtuoso.graph_store,
                    "--graph", GRAPH, "-q"], _env(virtuoso))
    assert done.returncode == 0, done.stdout
    assert virtuoso.password not in done.stdout
    return virtuoso


@pytest.fixture(scope="module")
def remote(loaded: Virtuoso) -> Iterator[RemoteStore]:
    with RemoteStore(loaded.sparql, default_graph=GRAPH, named_graphs=release_named_graphs(GRAPH)) as store:
        yield store


@pytest.fixture(scope="module")
def embedded_server(built: Settings) -> Iterator[LiveServer]:
    with live_server(built.project_dir, "--quiet") as server:
        yield server


@pytest.fixture(scope="module")
def virtuoso_site(built: Settings, loaded: Virtuoso) -> Iterator[LiveServer]:
    """twinned serve in front of Virtuoso's Digest-protected SPARQL endpoint."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _env(loaded).items():
            mp.setenv(name, value)
        with live_server(built.project_dir, "--sparql-endpoint", loaded.sparql_auth, "--default-graph", GRAPH,
                         "--query-timeout", "5") as server:
            yield server


# -- loading ---------------------------------------------------------------------------------


def test_the_release_is_in_its_graphs(built: Settings, remote: RemoteStore) -> None:
    embedded = load_release(built.output_dir.resolve()).store
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert list(remote.query(count))[0]["n"] == list(embedded.query(count))[0]["n"]
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    graphs = {r["g"].value: int(r["n"].value) for r in remote.query(named)}
    assert set(graphs) == {"https://w3id.org/twinned/def/", GRAPH + "catalog"}
    catalog = sum(1 for _ in ox.parse(path=str(built.output_dir / "catalog.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert graphs[GRAPH + "catalog"] == catalog


def test_load_with_a_netrc_file(built: Settings, loaded: Virtuoso, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {loaded.user} password {loaded.password}\n", "utf-8")
    netrc.chmod(0o600)
    env = _env(None) | {"NETRC": str(netrc)}
    done = twinned(["load", "--project", str(built.project_dir), "--graph-store", loaded.graph_store,
                    "--graph", GRAPH], env)
    assert done.returncode == 0, done.stdout
    assert f"PUT twinned.nt into <{GRAPH}>: 201" in done.stdout or f"PUT twinned.nt into <{GRAPH}>: 200" in done.stdout
    assert loaded.password not in done.stdout


def test_a_failed_load_shows_no_credential(built: Settings, loaded: Virtuoso) -> None:
    wrong = "Wr0ng-" + loaded.password[::-1]
    done = twinned(["load", "--project", str(built.project_dir), "--graph-store", loaded.graph_store,
                    "--graph", "urn:twinned:never"], _env(loaded, wrong))
    assert done.returncode == 2
    assert "401 Unauthorized" in done.stdout and "refused the credentials" in done.stdout
    for secret in (wrong, f"{loaded.user}:{wrong}", loaded.password):
        assert secret not in done.stdout


def test_a_load_without_credentials_says_what_is_missing(built: Settings, loaded: Virtuoso, tmp_path: Path) -> None:
    (tmp_path / "netrc").write_text("machine elsewhere.example login x password y\n", "utf-8")
    env = _env(None) | {"NETRC": str(tmp_path / "netrc")}
    done = twinned(["load", "--project", str(built.project_dir), "--graph-store", loaded.graph_store], env)
    assert done.returncode == 2
    assert "401 Unauthorized" in done.stdout and "TWINNED_STORE_USER" in done.stdout and "Digest" in done.stdout


def test_credentials_in_the_url_are_refused(built: Settings, loaded: Virtuoso) -> None:
    url = loaded.graph_store.replace("://", f"://{loaded.user}:{loaded.password}@")
    done = twinned(["load", "--project", str(built.project_dir), "--graph-store", url], _env(loaded))
    assert done.returncode == 2
    assert "credentials never go on the command line" in done.stdout
    assert loaded.password not in done.stdout and f"{loaded.user}:" not in done.stdout
    served = twinned(["serve", "--project", str(built.project_dir), "--sparql-endpoint",
                      loaded.sparql.replace("://", f"://{loaded.user}:{loaded.password}@")], _env(loaded))
    assert served.returncode == 2 and loaded.password not in served.stdout


# -- the same answers as the embedded store ---------------------------------------------------


def test_every_canned_query_answers_the_same(built: Settings, remote: RemoteStore) -> None:
    embedded = load_release(built.output_dir.resolve()).store
    queries = q.load_queries(built.queries_dir)
    for name, params in cases(queries):
        query = queries[name]
        fmt = q.TURTLE if query.construct else q.SPARQL_JSON
        b1, r1 = q.execute(embedded, query, params, built.base_uri)
        b2, r2 = q.execute(remote, query, params, built.base_uri)
        assert q.write(r1, b1, fmt, built.base_uri) == q.write(r2, b2, fmt, built.base_uri), (name, params)


def test_every_canned_query_answers_the_same_over_http(built: Settings, embedded_server: LiveServer,
                                                       virtuoso_site: LiveServer) -> None:
    queries = q.load_queries(built.queries_dir)
    for name, params in cases(queries):
        suffix = ".ttl" if queries[name].construct else ".json"
        expected = httpx.get(f"{embedded_server.url}queries/{name}{suffix}", params=params, timeout=30)
        answer = httpx.get(f"{virtuoso_site.url}queries/{name}{suffix}", params=params, timeout=30)
        assert answer.status_code == expected.status_code == 200, (name, answer.text)
        assert answer.content == expected.content, (name, params)
