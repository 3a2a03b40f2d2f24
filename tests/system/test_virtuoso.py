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

from tests.support.live_server import LiveServer, live_server
from tests.support.oxigraph import assert_canned_queries_match, cases
from tests.support.virtuoso_server import Virtuoso, virtuoso_server
from twinned.config import Settings
from twinned.queries import canned as q
from twinned.store.external import RemoteStore, release_named_graphs
from twinned.store.release import load_release

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
def remote(built: Settings, loaded: Virtuoso) -> Iterator[RemoteStore]:
    named = release_named_graphs(built.base_uri)
    with RemoteStore(loaded.sparql, default_graph=GRAPH, named_graphs=named) as store:
        yield store


@pytest.fixture(scope="module")
def embedded_server(built: Settings) -> Iterator[LiveServer]:
    with live_server(built.project_dir, "--quiet", "--query-timeout", "5") as server:
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
    assert_canned_queries_match(built, remote)


def test_every_canned_query_answers_the_same_over_http(built: Settings, embedded_server: LiveServer,
                                                       virtuoso_site: LiveServer) -> None:
    queries = q.load_queries(built.queries_dir)
    for name, params in cases(queries):
        suffix = ".ttl" if queries[name].construct else ".json"
        expected = httpx.get(f"{embedded_server.url}queries/{name}{suffix}", params=params, timeout=30)
        answer = httpx.get(f"{virtuoso_site.url}queries/{name}{suffix}", params=params, timeout=30)
        assert answer.status_code == expected.status_code == 200, (name, answer.text)
        assert answer.content == expected.content, (name, params)


def _resources(built: Settings) -> list[str]:
    """Every resource of the release with a page of its own, the site's paths (sorted)."""
    embedded = load_release(built.output_dir.resolve()).store
    found = {t.subject.value for t in embedded.quads_for_pattern(None, None, None, ox.DefaultGraph())
             if isinstance(t.subject, ox.NamedNode)}
    return sorted(iri.removeprefix(built.base_uri) for iri in found
                  if iri.startswith(built.base_uri) and "#" not in iri)


def test_pages_have_the_same_triples(built: Settings, embedded_server: LiveServer, virtuoso_site: LiveServer) -> None:
    paths = _resources(built)
    sample = paths[::max(1, len(paths) // 60)] + ["dataset", "", "def/Partnership"]
    for path in sample:
        expected = httpx.get(embedded_server.url + path, headers={"Accept": "application/n-triples"}, timeout=30)
        answer = httpx.get(virtuoso_site.url + path, headers={"Accept": "application/n-triples"}, timeout=30)
        assert answer.status_code == expected.status_code, path
        assert sorted(answer.text.splitlines()) == sorted(expected.text.splitlines()), path
        html = httpx.get(virtuoso_site.url + path, headers={"Accept": "text/html"}, timeout=30)
        embedded = httpx.get(embedded_server.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert html.text == embedded.text, path


PREFIXES = "PREFIX tw: <https://w3id.org/twinned/def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
# queries whose answer SPARQL fixes (Virtuoso's dialect differs where it leaves a choice:
# see docs/external-store.md)
SPARQL = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/twinned/def/> WHERE { ?s ?p ?o }",
    "ASK { ?s a tw:Partnership }",
    "ASK { ?s a tw:NoSuchClass }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p",
    "SELECT DISTINCT ?t WHERE { ?s a ?t } ORDER BY ?t",
    "SELECT ?l WHERE { ?s a tw:Partnership ; rdfs:label ?l } ORDER BY ?l",
    "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = 'en') } ORDER BY ?s",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40",
    "SELECT ?d (YEAR(?d) AS ?y) WHERE { ?s tw:signed ?d } ORDER BY ?d ?s",
    "SELECT (STRLEN('abc') AS ?n) (CONCAT('a', 'b') AS ?c) (1 + 1 AS ?two) ('x'@en AS ?l) WHERE {}",
    "SELECT ?s WHERE { ?s a tw:Partnership FILTER NOT EXISTS { ?s tw:signed ?d } } ORDER BY ?s",
    "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }",
    "DESCRIBE <https://w3id.org/twinned/place/kosice>",
]


def test_the_sparql_endpoint_answers_the_same(embedded_server: LiveServer, virtuoso_site: LiveServer) -> None:
    for text in SPARQL:
        graph = text.startswith(("CONSTRUCT", "DESCRIBE"))
        accept = "application/n-triples" if graph else "application/sparql-results+json"
        answers = [httpx.post(server.url + "sparql", data={"query": PREFIXES + text}, headers={"Accept": accept},
                              timeout=30) for server in (embedded_server, virtuoso_site)]
        assert [a.status_code for a in answers] == [200, 200], (text, answers[1].text)
        expected, answer = (a.content for a in answers)
        if graph:  # a graph is a set of triples
            expected, answer = sorted(expected.splitlines()), sorted(answer.splitlines())  # type: ignore[assignment]
        assert answer == expected, text


def test_the_time_limit_holds(virtuoso_site: LiveServer) -> None:
    """A query longer than --query-timeout is stopped by Virtuoso itself (twinned sends it its
    limit) and answered 503, the partial answer refused; the site goes on."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answer = httpx.post(virtuoso_site.url + "sparql", data={"query": heavy}, timeout=60)
    detail = answer.json()["error"]["detail"]
    assert answer.status_code == 503 and "limit of 5 s: the store stopped the query" in detail, detail
    after = httpx.get(virtuoso_site.url + "queries/partnerships.json", timeout=30)
    assert after.status_code == 200


def test_a_partial_answer_is_a_timeout(loaded: Virtuoso) -> None:
    """Virtuoso stopped by its own limit answers 200 with what it found so far and an
    X-SQL-State header: twinned refuses the partial answer."""
    from twinned import httperrors as he
    from twinned.store.external import _check

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    for limit in ("500", "2000", "5000"):  # a busy machine may stop it before it has a partial answer
        response = httpx.post(loaded.sparql, data={"query": heavy, "timeout": limit},
                              headers={"Accept": "application/sparql-results+json"}, timeout=60)
        if response.status_code == 200:
            break
    assert response.status_code == 200 and response.headers.get("X-SQL-State")
    with pytest.raises(he.QueryTimeout, match="answered in part"):
        _check(response, loaded.sparql, None)


def test_the_site_logs_no_credential(virtuoso_site: LiveServer, loaded: Virtuoso) -> None:
    assert httpx.get(virtuoso_site.url + "place/kosice", timeout=30).status_code == 200
    assert loaded.password not in virtuoso_site.log_text()
    assert "sparql-auth" in virtuoso_site.log_text()  # the endpoint is named, its credentials are not


def test_virtuoso_extensions_never_reach_it(embedded_server: LiveServer, virtuoso_site: LiveServer) -> None:
    """Virtuoso's DEFINE pragmas (some make it fetch URLs) are refused as the embedded
    store refuses them: the query is parsed by pyoxigraph first."""
    text = 'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }'
    answers = [httpx.post(server.url + "sparql", data={"query": text}, timeout=30)
               for server in (embedded_server, virtuoso_site)]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()


def test_a_query_its_client_gave_up_on_is_let_go(virtuoso_site: LiveServer) -> None:
    """The handler stops waiting for the store when its client hangs up (the store's own
    limit, MaxQueryExecutionTime, ends the work there); the site goes on answering."""
    from tests.support.cancel import GAVE_UP, abandon, request_bytes, wait_for_log

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } # gave up"
    abandon(virtuoso_site, [request_bytes(virtuoso_site, "POST", "/sparql", {"query": heavy})])
    assert GAVE_UP in wait_for_log(virtuoso_site, GAVE_UP, 1)
    assert httpx.get(virtuoso_site.url + "place/kosice", timeout=30).status_code == 200


def test_a_cut_answer_is_refused(embedded_server: LiveServer, virtuoso_site: LiveServer) -> None:
    """Virtuoso cuts a SELECT answer at its ResultSetMaxRows (4,000 here, fewer than the
    data's triples) and says so in a header: twinned answers 503, never the cut rows."""
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    full = httpx.post(embedded_server.url + "sparql", data={"query": text}, timeout=30)
    assert full.status_code == 200 and len(full.json()["results"]["bindings"]) > 4000
    cut = httpx.post(virtuoso_site.url + "sparql", data={"query": text}, timeout=30)
    assert cut.status_code == 503 and "ResultSetMaxRows" in cut.json()["error"]["detail"]
