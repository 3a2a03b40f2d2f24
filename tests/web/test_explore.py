"""explore.py: the network page (its tables without JavaScript) and the query editor
(its examples are the canned queries and give the same answers)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.queries import canned as q
from twinned.queries.binding import CannedQuery, bind
from twinned.store.release import LoadedRelease
from twinned.web.explore import example_text
from twinned.web.server import create_app

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(built: Settings, release: LoadedRelease) -> Iterator[TestClient]:
    with TestClient(create_app(built, release, query_workers=1)) as c:
        yield c


@pytest.fixture(scope="module")
def canned(built: Settings) -> dict[str, CannedQuery]:
    return q.load_queries(built.queries_dir)


def rows(result: object) -> set[tuple[str, ...]] | set[str]:
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return {tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in result}
    assert isinstance(result, ox.QueryTriples)
    return {str(t) for t in result}


def test_every_example_gives_the_canned_query_answer(built: Settings, release: LoadedRelease,
                                                     canned: dict[str, CannedQuery]) -> None:
    """The editor shows a canned query with its example values written into the text; run
    at the endpoint it answers as the canned query does with those values."""
    for name, query in canned.items():
        text = example_text(query, built.base_uri)
        binding = bind(query, query.example_params(), built.base_uri)
        expected = release.store.query(binding.sparql, substitutions=binding.substitutions)
        assert rows(release.store.query(text)) == rows(expected), name
        assert text.startswith(f"# {query.title}") and "#+" not in text


def test_the_example_of_a_parameterised_query_carries_its_values(built: Settings,
                                                                 canned: dict[str, CannedQuery]) -> None:
    text = example_text(canned["partners"], built.base_uri)
    assert "VALUES (?city) { (<http://www.wikidata.org/entity/Q4115712>) }" in text


def test_the_editor_lists_the_examples_and_starts_from_one(client: TestClient,
                                                           canned: dict[str, CannedQuery]) -> None:
    page = client.get("/editor", headers=HTML).text
    assert page.count('<option value="') == len(canned) + 1  # and "Choose a canned query"
    assert '<script type="application/json" id="editor-data">' in page
    assert '<textarea id="editor-query" name="query"' in page and "SELECT ?partnership ?label ?start" in page
    chosen = client.get("/editor", params={"example": "partners"}, headers=HTML).text
    assert "Q4115712" in chosen and '<option value="partners" selected>' in chosen
    assert client.get("/editor", params={"example": "nothing"}, headers=HTML).status_code == 404
    own = client.get("/editor", params={"query": "ASK {}"}, headers=HTML).text
    assert ">ASK {}</textarea>" in own


def test_the_editor_form_runs_and_downloads_without_javascript(client: TestClient) -> None:
    """Its buttons submit format=html, csv or json (and turtle for graph queries) to /sparql."""
    query = "SELECT ?p WHERE { ?p a <https://w3id.org/twinned/def/Partnership> } LIMIT 3"
    page = client.get("/sparql", params=[("query", query), ("format", "csv"), ("format", "turtle")])
    assert page.headers["content-type"].startswith("text/csv") and page.text.count("\n") == 4
    graph = client.get("/sparql", params=[("query", "CONSTRUCT WHERE { ?s a ?o } LIMIT 2"), ("format", "csv"),
                                          ("format", "turtle")])
    assert graph.headers["content-type"].startswith("text/turtle")


def test_the_network_page_lists_countries_without_javascript(client: TestClient) -> None:
    page = client.get("/network", headers=HTML).text
    assert '<a href="/network?country=SK">Slovakia</a>' in page
    assert '<a href="/network?continent=Europe">Europe</a>' in page
    assert 'class="network-view" data-src="/network.json"' in page


def test_the_network_page_lists_the_places_of_a_country_or_a_name(client: TestClient) -> None:
    sk = client.get("/network", params={"country": "SK"}, headers=HTML).text
    assert '<a href="/place/kosice">Košice</a>' in sk and '<option value="SK" selected>' in sk
    assert '<a href="/place/wuppertal">Wuppertal</a>' in sk  # a partner, listed beside Košice
    found = client.get("/network", params={"q": "kosi"}, headers=HTML).text
    assert '<a href="/place/kosice">Košice</a>' in found and "matching “kosi”" in found
    europe = client.get("/network", params={"continent": "Europe"}, headers=HTML).text
    assert '<a href="/place/kaunas">Kaunas</a>' in europe and "Mobile</a></td>" not in europe
    assert client.get("/network", params={"continent": "Atlantis"}, headers=HTML).status_code == 400
