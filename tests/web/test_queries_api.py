"""The canned queries over HTTP (queries_api.py), mounted in the real server app:
negotiation and suffixes, ETags and 304s, the one error shape naming the parameter,
the HTML forms, and an OpenAPI 3.1 description whose every operation answers 200.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.queries import canned as q
from twinned.queries.binding import CannedQuery
from twinned.store.release import load_release
from twinned.web.queries_api import routes
from twinned.web.server import create_app

BASE = "https://w3id.org/twinned/"
WD = "http://www.wikidata.org/entity/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    release = load_release(built.output_dir.resolve())
    app = create_app(built, release, routes(built, release), query_workers=1)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def queries(built: Settings) -> dict[str, CannedQuery]:
    return q.load_queries(built.queries_dir)


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"} and {"status", "title", "detail"} <= set(body["error"])
    assert body["error"]["status"] == status
    return body["error"]


# -- the list ------------------------------------------------------------------------------------------


def test_index_page_has_a_form_per_query(client: TestClient, queries: dict[str, CannedQuery]) -> None:
    response = client.get("/queries", headers={"accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    for name, query in queries.items():
        assert f'<form method="get" action="/queries/{name}"' in page
        assert f'href="/queries/{name}.rq"' in page
        for p in query.parameters:
            assert f'name="{p.name}"' in page
    assert page.count('<form method="get" action="/queries/') == len(queries)
    assert '<option selected>environment</option>' in page  # the enum default is preselected
    assert page.count('<input name="cities"') == 2  # a list parameter offers two fields


def test_json_listing(client: TestClient, queries: dict[str, CannedQuery]) -> None:
    listed = client.get("/queries.json").json()
    assert listed == client.get("/queries", headers={"accept": "application/json"}).json()
    assert [x["name"] for x in listed["queries"]] == list(queries)
    partners = next(x for x in listed["queries"] if x["name"] == "partners")
    assert partners["parameters"] == [{"name": "city", "type": "qid", "description": "the city's Wikidata item id",
                                       "multiple": False, "required": False, "default": "Q25409",
                                       "example": "Q4115712"}]
    assert partners["links"]["csv"] == "/queries/partners.csv"
    wikidata = next(x for x in listed["queries"] if x["name"] == "wikidata-p190")
    assert set(wikidata["links"]) == {"turtle", "jsonld", "ntriples", "sparql"} and wikidata["construct"]


# -- results -------------------------------------------------------------------------------------------


def test_rows_json_by_default(client: TestClient) -> None:
    response = client.get("/queries/partners", params={"city": "Q4115712"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-location"] == "/queries/partners.json?city=Q4115712"
    assert "Accept" in response.headers["vary"]
    body = response.json()
    assert body["parameters"] == {"city": "Q4115712"} and body["truncated"] is False
    assert len(body["rows"]) == 28
    assert body["rows"][0] == {"city": WD + "Q4115712", "partner": BASE + "place/bialystok",
                               "partnerLabel": "Białystok", "partnerItem": WD + "Q761", "countryLabel": "Poland",
                               "partnership": BASE + "partnership/bialystok--kaunas", "startDate": "1994-02-12",
                               "startDateQualifier": None}
    assert response.headers["x-twinned-truncated"] == "false"


@pytest.mark.parametrize(("accept", "suffix", "media"), [
    ("application/json", ".json", "application/json"),
    ("application/sparql-results+json", ".srj", "application/sparql-results+json; charset=utf-8"),
    ("text/csv", ".csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", ".tsv", "text/tab-separated-values; charset=utf-8"),
    ("text/html", ".html", "text/html; charset=utf-8"),
])
def test_select_formats_by_accept_and_by_suffix(client: TestClient, accept: str, suffix: str, media: str) -> None:
    negotiated = client.get("/queries/memberships", headers={"accept": accept})
    assert negotiated.status_code == 200 and negotiated.headers["content-type"] == media
    assert negotiated.headers["content-location"] == f"/queries/memberships{suffix}"
    direct = client.get(f"/queries/memberships{suffix}")
    assert direct.status_code == 200 and direct.headers["content-type"] == media
    assert direct.content == negotiated.content
    assert "content-location" not in direct.headers


def test_csv_and_sparql_json_hold_the_answer(client: TestClient) -> None:
    rows = list(csv.reader(io.StringIO(client.get("/queries/agreements-per-period.csv?period=decade").text)))
    assert rows == [["period", "start", "label", "documents", "partnershipsBegun", "approximate"],
                    ["decade", "1980", "1980s", "3", "3", "0"], ["decade", "1990", "1990s", "35", "20", "1"],
                    ["decade", "2000", "2000s", "20", "14", "0"], ["decade", "2010", "2010s", "16", "11", "0"],
                    ["decade", "2020", "2020s", "1", "1", "0"]]
    doc = client.get("/queries/common-partners.srj", params=[("cities", "Q8385")]).json()
    assert doc["head"]["vars"] == ["partner", "partnerLabel", "partnerItem", "countryLabel"]
    assert doc["results"]["bindings"] == [{
        "partner": {"type": "uri", "value": BASE + "place/kosice"},
        "partnerLabel": {"type": "literal", "value": "Košice", "xml:lang": "en"},
        "partnerItem": {"type": "uri", "value": WD + "Q25409"},
        "countryLabel": {"type": "literal", "value": "Slovakia", "xml:lang": "en"},
    }]


def test_list_parameters_repeat_in_the_query_string(client: TestClient) -> None:
    both = client.get("/queries/partners-by-area.json", params=[("area", "environment"), ("area", "energy")])
    assert both.status_code == 200
    assert [r["area"] for r in both.json()["rows"]] == ["energy"] * 3 + ["environment"] * 7
    assert both.json()["parameters"] == {"area": ["environment", "energy"]}
    assert client.get("/queries/common-partners.json?cities=Q25409&cities=Q8385").json()["rows"] == []


def test_blank_form_fields_count_as_not_given(client: TestClient) -> None:
    body = client.get("/queries/signed-between.json?from=&to=1980").json()
    assert body["parameters"] == {"from": None, "to": "1980"}
    assert [r["partnership"] for r in body["rows"]] == [BASE + "partnership/kosice--wuppertal"]
    assert client.get("/queries/partners.json?city=").json()["parameters"] == {"city": "Q25409"}


def test_construct_results_are_rdf(client: TestClient) -> None:
    turtle = client.get("/queries/wikidata-p190", params={"item": "Q8385"})
    assert turtle.status_code == 200 and turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert turtle.headers["content-location"] == "/queries/wikidata-p190.ttl?item=Q8385"
    assert "wd:Q8385 p:P190" in turtle.text
    jsonld = client.get("/queries/wikidata-p190", params={"item": "Q8385"}, headers={"accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json; charset=utf-8"
    json.loads(jsonld.text)
    nt = client.get("/queries/wikidata-p190.nt", params={"item": "Q8385"})
    assert nt.headers["content-type"] == "application/n-triples; charset=utf-8"
    assert len(nt.text.splitlines()) == 12  # with the start time's value node and its precision
    page = client.get("/queries/wikidata-p190", params={"item": "Q8385"}, headers={"accept": BROWSER})
    assert page.headers["content-type"].startswith("text/html") and "12 triples" in page.text


def test_html_results_page(client: TestClient) -> None:
    page = client.get("/queries/partners", params={"city": "Q4115712"}, headers={"accept": BROWSER}).text
    assert "<h1>Partners of a city</h1>" in page and "28 rows" in page
    assert '<input name="city" value="Q4115712"' in page
    assert '<a href="/place/bialystok">place/bialystok</a>' in page
    assert 'href="/queries/partners.csv?city=Q4115712"' in page


def test_query_text(client: TestClient, queries: dict[str, CannedQuery]) -> None:
    response = client.get("/queries/partners.rq")
    assert response.status_code == 200 and response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == queries["partners"].text
    typed = client.get("/queries/partners.rq", headers={"accept": "application/sparql-query"})
    assert typed.headers["content-type"].startswith("application/sparql-query")


# -- caching ----------------------------------------------------------------------------------------------


def test_etags_and_304(client: TestClient) -> None:
    first = client.get("/queries/partners")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    assert client.get("/queries/partners?city=Q25409").headers["etag"] == etag  # the default, spelt out
    assert client.get("/queries/partners?city=Q4115712").headers["etag"] != etag
    assert client.get("/queries/partners.csv").headers["etag"] != etag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/queries/partners", headers={"if-none-match": header})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/queries/partners", headers={"if-none-match": '"other"'}).status_code == 200
    head = client.head("/queries/partners")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    assert head.headers["content-length"] == str(len(first.content))


# -- errors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "parameter", "expected"), [
    ("/queries/partners?city=Q1>%20}%20;%20DROP%20ALL%20%23", "city", "a Wikidata item id such as Q25409"),
    ("/queries/partners?city=Q1&city=Q2", "city", "a single value"),
    ("/queries/partners?town=Q1", "town", "a parameter of this query (known: city)"),
    ("/queries/signed-between?from=1990%20||%20true", "from", "a year as four digits (YYYY)"),
    ("/queries/agreements-per-period?period=century", "period", "one of year, decade"),
    ("/queries/common-partners", "cities", "a value (a Wikidata item id such as Q25409): it is required"),
    ("/queries/signings-in?when=1997-02-30", "when", "a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ("/queries/place-by-label?name=Kassa", "name", "a text with a language tag"),
    ("/queries/documents.csv?partnership=%3Chttp://x%3E", "partnership", "an IRI"),
    ("/queries/partners-per-country?min=1;DROP", "min", "a whole number"),
])
def test_bad_values_are_400_naming_the_parameter(client: TestClient, url: str, parameter: str, expected: str) -> None:
    err = error(client.get(url), 400)
    assert err["title"] == "Invalid parameter" and err["parameter"] == parameter
    assert f"parameter '{parameter}': expected {expected}" in err["detail"]


def test_unknown_queries_wrong_suffixes_and_unacceptable_types(client: TestClient) -> None:
    assert "no canned query named 'nope'" in error(client.get("/queries/nope"), 404)["detail"]
    assert "no canned query" in error(client.get("/queries/nope.csv"), 404)["detail"]
    detail = error(client.get("/queries/wikidata-p190.csv"), 404)["detail"]
    assert detail == "wikidata-p190 is a CONSTRUCT query: its results are at .ttl, .jsonld, .nt, .html, not .csv."
    assert error(client.get("/queries/partners.ttl"), 404)["detail"].startswith("partners is a SELECT query")
    unacceptable = error(client.get("/queries/partners", headers={"accept": "image/png"}), 406)
    assert "text/csv" in unacceptable["detail"]
    assert client.post("/queries/partners").status_code == 405


# -- OpenAPI ----------------------------------------------------------------------------------------------


def test_openapi_is_valid_and_describes_every_query(spec: dict[str, Any], queries: dict[str, CannedQuery]) -> None:
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    operations = {op["operationId"]: (path, op) for path, item in spec["paths"].items() for op in item.values()}
    assert set(queries) <= set(operations)
    for name, query in queries.items():
        path, op = operations[name]
        assert path == f"/queries/{name}"
        assert [p["name"] for p in op["parameters"]] == [p.name for p in query.parameters]
        content = op["responses"]["200"]["content"]
        assert set(content) == ({"text/turtle", "application/ld+json", "application/n-triples"} if query.construct
                                else {"application/json", "application/sparql-results+json", "text/csv",
                                      "text/tab-separated-values"})
        assert op["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_openapi_parameters_are_typed(spec: dict[str, Any]) -> None:
    params = {(path, p["name"]): p for path, item in spec["paths"].items()
              for p in item["get"].get("parameters", [])}
    assert params[("/queries/partners", "city")]["schema"] == {
        "type": "string", "pattern": "^Q[1-9][0-9]{0,11}$", "default": "Q25409"}
    area = params[("/queries/partners-by-area", "area")]
    assert area["schema"]["type"] == "array" and area["explode"] is True and area["style"] == "form"
    assert "environment" in area["schema"]["items"]["enum"] and area["schema"]["default"] == ["environment"]
    assert params[("/queries/agreements-per-period", "period")]["schema"]["enum"] == ["year", "decade"]
    when = params[("/queries/signings-in", "when")]
    assert when["required"] is True and {"format": "date"} in when["schema"]["anyOf"]
    assert params[("/queries/signed-between", "from")]["schema"]["type"] == "integer"
    assert params[("/queries/partners-of-place", "place")]["schema"]["format"] == "iri-reference"
    for (path, name), p in params.items():  # examples and defaults fit their own schemas
        validator = Draft202012Validator(p["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER)
        assert not list(validator.iter_errors(p["example"])), (path, name)
        if "default" in p["schema"]:
            assert not list(validator.iter_errors(p["schema"]["default"])), (path, name)


def test_every_operation_answers_its_example_with_200(client: TestClient, spec: dict[str, Any]) -> None:
    called = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            params: list[tuple[str, str]] = []
            for p in op.get("parameters", []):
                values = p["example"] if isinstance(p["example"], list) else [p["example"]]
                params += [(p["name"], str(v)) for v in values]
            response = client.request(method.upper(), path, params=params)
            assert response.status_code == 200, (path, response.text)
            media = response.headers["content-type"].split(";")[0]
            assert media in op["responses"]["200"]["content"], (path, media)
            called += 1
    assert called == len(spec["paths"])
