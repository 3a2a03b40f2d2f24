"""Property-based fuzzing of the HTTP interface, in-process and bounded: the canned
queries API against its own ``/openapi.json`` (schemathesis, valid and invalid
requests), and hypothesis-made SPARQL texts, headers (``Accept``, ``If-None-Match``,
``If-Modified-Since``, ``Content-Type``) and paths. Never a 5xx; every error in the one
JSON shape; the security headers on every response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.store.release import LoadedRelease
from twinned.web.hardening import SECURITY_HEADERS
from twinned.web.server import site_app

pytestmark = pytest.mark.slow  # hypothesis and schemathesis, hundreds of requests

FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}


@pytest.fixture(scope="module")
def client(built: Settings, release: LoadedRelease) -> Iterator[TestClient]:
    app = site_app(built, release)
    with TestClient(app, raise_server_exceptions=False) as c:  # starts the query workers
        yield c


def check(response: httpx.Response) -> None:
    """No server error, the one error shape, the security headers."""
    assert response.status_code < 500, (response.request.url, response.text[:500])
    for name in SECURITY_HEADERS:
        assert name.lower() in response.headers, (name, response.request.url)
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        error = json.loads(response.text)["error"]
        assert error["status"] == response.status_code and error["title"] and error["detail"]


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
def test_the_queries_api_keeps_to_its_openapi_description(built: Settings, release: LoadedRelease,
                                                          mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", site_app(built, release))
    operations = [result.ok() for result in schema.get_all_operations()]
    if mode is GenerationMode.NEGATIVE:  # only a parameter can be wrong
        operations = [op for op in operations if op.query]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(FUZZ, max_examples=EXAMPLES[mode])
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text[:500])
            case.validate_response(response)

        fuzz()


# -- SPARQL ---------------------------------------------------------------------------------------

TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", ".", ";", ",", "*",
    "?s", "?p", "?o", "$x", "a", "<https://w3id.org/twinned/place/kosice>", "tw:party", "tw:",
    "FILTER", "REGEX", "STR", "LANG", "LANGMATCHES", "OPTIONAL", "UNION", "MINUS", "GRAPH", "VALUES",
    "BIND", "AS", "LIMIT", "OFFSET", "1", "0", "-5", "1e999", "99999999999999999999", '"x"', "'y'@en",
    '"""z"""', "^^", "xsd:integer", "ORDER BY", "DESC", "GROUP BY", "HAVING", "COUNT", "SUM",
    "DISTINCT", "REDUCED", "FROM", "NAMED", "BASE", "<urn:x>", "<http://127.0.0.1:9/x>", "SERVICE",
    "LOAD", "INSERT", "DELETE", "DATA", "CLEAR", "#", "\n", "!", "|", "/", "^", "+", "?", "&&", "||",
    "=", "<", ">", "IN", "NOT", "EXISTS", "IRI", "BNODE", "_:b", "[]", "()", "SUBSTR", "CONCAT",
    "xsd:dateTime", "NOW", "RAND", "UUID", "\\u0000", "\x00", "é", "\ud7ff",
]
PREFIX = "PREFIX tw: <https://w3id.org/twinned/def/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
queries = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=30).map(lambda ts: PREFIX + " ".join(ts)),
    st.text(max_size=300),
)


@given(query=queries, post=st.booleans())
@settings(FUZZ, max_examples=120)
def test_no_sparql_text_makes_a_server_error(client: TestClient, query: str, post: bool) -> None:
    if post:
        response = client.post("/sparql", content=query.encode("utf-8", "surrogatepass"),
                               headers={"Content-Type": "application/sparql-query"})
    else:
        response = client.get("/sparql", params={"query": query})
    check(response)


# -- headers and paths ------------------------------------------------------------------------------

header_values = st.one_of(
    st.sampled_from(["text/turtle", "*/*", "text/html;q=0.9, */*;q=0.1", "application/ld+json;q=0",
                     "text/*;q=nan", "*/*;q=1e999", "a/b;q=-1", ";;;,,,", '"abc"', 'W/"x", *', "*",
                     "Thu, 01 Jan 1970 00:00:00 GMT", "application/sparql-query; charset=latin1",
                     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]),
    st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=200).map(str.encode),
)
PATHS = ["/", "/place/kosice", "/place/kosice.ttl", "/partnership/kosice--mobile", "/def/", "/sparql",
         "/dumps/twinned.nt", "/dumps/twinned.ttl.gz", "/queries", "/queries/partners", "/openapi.json",
         "/static/twinned.css", "/catalog.ttl", "/.well-known/void", "/nowhere"]


@given(path=st.sampled_from(PATHS), accept=header_values, if_none_match=header_values,
       since=header_values)
@settings(FUZZ, max_examples=100)
def test_no_request_header_makes_a_server_error(client: TestClient, path: str, accept: bytes,
                                                if_none_match: bytes, since: bytes) -> None:
    check(client.get(path, headers={b"Accept": accept, b"If-None-Match": if_none_match,
                                    b"If-Modified-Since": since}))


@given(content_type=header_values, body=st.binary(max_size=300))
@settings(FUZZ, max_examples=80)
def test_no_post_body_makes_a_server_error(client: TestClient, content_type: bytes, body: bytes) -> None:
    check(client.post("/sparql", content=body, headers={b"Content-Type": content_type}))


segments = st.one_of(
    st.sampled_from(["..", ".", "%2e%2e", "%2E%2e", "%252e%252e", "%2f", "%252f", "%00", "%2500", "%5c",
                     "..%2f", "%c0%ae", "etc", "passwd", "place", "kosice", "static", "twinned.css",
                     "~", "%ff", "%", "%zz", "a%20b", "<x>", "{", "|", "^", "`"]),
    st.text(min_size=1, max_size=20).map(lambda t: quote(t, safe="")),
)


@given(parts=st.lists(segments, min_size=1, max_size=6))
@settings(FUZZ, max_examples=100)
def test_no_path_makes_a_server_error_or_leaks_a_file(client: TestClient, parts: list[str]) -> None:
    response = client.get("/" + "/".join(parts), headers={"Accept": "text/turtle"})
    check(response)
    assert "root:" not in response.text and "import " not in response.text
