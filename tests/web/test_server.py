"""The linked-data server in-process (server.py, describe.py, pages.py): dereferencing,
content negotiation, conditional requests, dumps, pages and the error shape."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from email.utils import formatdate

import pyoxigraph as ox
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.httperrors import Forbidden
from twinned.store.release import load_release
from twinned.web.pages import Addresses
from twinned.web.server import FILES, create_app

BASE = "https://w3id.org/twinned/"
TW = BASE + "def/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_TYPES = {".ttl": ("text/turtle", ox.RdfFormat.TURTLE),
             ".nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
             ".rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
             ".jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD)}

# one resource of every kind
RESOURCES = [
    "/place/kosice",
    "/country/sk",
    "/network/ubc",
    "/partnership/kosice--wuppertal",
    "/partnership/kosice--wuppertal/document/cooperation-agreement",
    "/partnership/kosice--mobile/document/partnership-agreement/signing/2",
    "/partnership/bialystok--kaunas/statement/Q4115712",
    "/membership/kaunas/ubc",
    "/source/kaunas-international",
    "/def/",
    "/def/Partnership",
    "/def/twinnedWith",
    "/def/agreement-types",
    "/def/agreement-types/letter-of-intent",
    "/dataset",
]


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    app = create_app(built, load_release(built.output_dir.resolve()), query_workers=1)
    with TestClient(app) as c:
        yield c


def triples(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=fmt)}


def subjects(body: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> set[str]:
    return {t.subject.value for t in triples(body, fmt) if isinstance(t.subject, ox.NamedNode)}


def embedded_jsonld(html: str) -> str:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "the page embeds no JSON-LD"
    return m.group(1)


# -- dereferencing and negotiation ------------------------------------------------------------------

def test_turtle_of_a_city(client: TestClient) -> None:
    r = client.get("/place/kosice", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert r.headers["content-location"] == "/place/kosice.ttl"
    assert "Accept" in r.headers["vary"]
    graph = triples(r.content, ox.RdfFormat.TURTLE)
    kosice = ox.NamedNode(BASE + "place/kosice")
    assert ox.Triple(kosice, RDFS_LABEL, ox.Literal("Košice", language="en")) in graph
    assert ox.Triple(kosice, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                     ox.NamedNode("http://www.wikidata.org/entity/Q25409")) in graph
    assert b"testserver" not in r.content  # RDF keeps the canonical URIs


def test_browser_gets_the_page(client: TestClient) -> None:
    r = client.get("/place/kosice", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-location"] == "/place/kosice.html"
    assert "<h1>Košice</h1>" in r.text
    assert 'href="/place/wuppertal"' in r.text  # links stay on this server
    assert not re.search(r'<a href="https://w3id\.org/twinned/', r.text)


def test_suffix_needs_no_header(client: TestClient) -> None:
    r = client.get("/place/kosice.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert "content-location" not in r.headers
    doc = json.loads(r.content)
    assert doc["@context"]["@base"] == BASE
    kosice = ox.NamedNode(BASE + "place/kosice")
    assert any(t.subject == kosice for t in triples(r.content, ox.RdfFormat.JSON_LD))


@pytest.mark.parametrize("suffix", sorted(RDF_TYPES))
def test_every_rdf_suffix(client: TestClient, suffix: str) -> None:
    media, fmt = RDF_TYPES[suffix]
    r = client.get(f"/partnership/kosice--wuppertal{suffix}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert BASE + "partnership/kosice--wuppertal" in subjects(r.content, fmt)


def test_html_suffix(client: TestClient) -> None:
    r = client.get("/place/kosice.html", headers={"Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("accept, media", [
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/n-triples;q=0.8, text/html;q=0.7", "application/n-triples"),
    ("text/html;q=0, */*;q=0.1", "text/turtle"),
    ("application/rdf+xml, */*", "application/rdf+xml"),
    ("*/*", "text/html"),
])
def test_q_values_at_a_resource(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/place/kaunas", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_406_lists_the_available_types(client: TestClient) -> None:
    r = client.get("/place/kosice", headers={"Accept": "image/png, application/pdf"})
    assert r.status_code == 406
    detail = r.json()["error"]["detail"]
    for media in ("text/html", "text/turtle", "application/ld+json", "application/n-triples",
                  "application/rdf+xml"):
        assert media in detail


@pytest.mark.parametrize("path", RESOURCES)
def test_every_kind_of_resource_dereferences(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200, path
    assert "<h1" in page.text
    iri = Addresses(BASE).iri(path)
    embedded = embedded_jsonld(page.text).replace("<\\/", "</")
    assert iri in subjects(embedded.encode(), ox.RdfFormat.JSON_LD)
    ttl = client.get(path, headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200
    assert iri in subjects(ttl.content)


def test_the_ontology_document(client: TestClient) -> None:
    r = client.get("/def", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/def/"
    r = client.get("/def/", headers={"Accept": "text/turtle"})
    assert r.headers["content-location"] == "/def/index.ttl"
    assert client.get("/def/index.ttl").content == r.content
    assert TW + "Partnership" in subjects(r.content)


def test_a_resource_whose_uri_ends_like_a_suffix(client: TestClient) -> None:
    r = client.get("/distribution/twinned.ttl", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-location"] == "/distribution/twinned.ttl.ttl"
    assert BASE + "distribution/twinned.ttl" in subjects(r.content)


def test_well_known_void(client: TestClient) -> None:
    r = client.get("/.well-known/void", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dataset"


# -- what a description holds ------------------------------------------------------------------------

def test_a_partnership_owns_its_documents_signings_and_statements(client: TestClient) -> None:
    r = client.get("/partnership/kosice--mobile.ttl")
    found = subjects(r.content)
    p = BASE + "partnership/kosice--mobile"
    assert p in found
    assert p + "/document/partnership-agreement" in found
    assert p + "/document/partnership-agreement/signing/1" in found
    assert p + "/document/partnership-agreement/signing/2" in found
    assert any(s.startswith(p + "/statement/") for s in found)
    assert all(s.startswith(p) or s == BASE + "dataset" for s in found)  # void:exampleResource


def test_a_place_includes_the_links_into_it(client: TestClient) -> None:
    graph = triples(client.get("/place/wuppertal.nt").content, ox.RdfFormat.N_TRIPLES)
    party = ox.NamedNode(TW + "party")
    wuppertal = ox.NamedNode(BASE + "place/wuppertal")
    assert ox.Triple(ox.NamedNode(BASE + "partnership/kosice--wuppertal"), party, wuppertal) in graph
    assert ox.Triple(ox.NamedNode(BASE + "place/kosice"), ox.NamedNode(TW + "twinnedWith"),
                     wuppertal) in graph


def test_a_concept_scheme_owns_its_concepts(client: TestClient) -> None:
    found = subjects(client.get("/def/agreement-types.ttl").content)
    assert TW + "agreement-types/letter-of-intent" in found


def test_descriptions_are_deterministic(client: TestClient) -> None:
    first = client.get("/place/kaunas.ttl").content
    assert client.get("/place/kaunas.ttl").content == first
    assert first.index(b"<https://w3id.org/twinned/place/kaunas> a") < first.index(b"tw:party")


# -- pages -------------------------------------------------------------------------------------------

def test_a_city_page_shows_partners_documents_and_provenance(client: TestClient) -> None:
    html = client.get("/place/kosice", headers={"Accept": BROWSER}).text
    assert "Wuppertal" in html and "Mobile" in html
    assert "22/5/1980" in html  # the date as written
    assert 'datetime="1980-05-22"' in html
    assert 'href="/place/mobile"' in html
    assert "Wikidata Q25409" in html
    assert "<blockquote" in html  # the source passage
    # documents in date order: the 1980 agreement before its 1996 renewal
    assert html.index("cooperation-agreement\"") < html.index("cooperation-agreement-renewal-1996")


def test_a_partner_page_shows_the_partnership_from_the_other_side(client: TestClient) -> None:
    html = client.get("/place/wuppertal", headers={"Accept": BROWSER}).text
    assert 'href="/place/kosice"' in html
    assert "recorded by" in html


def test_an_unresolved_place_says_why(client: TestClient) -> None:
    html = client.get("/place/san-martin-argentina", headers={"Accept": BROWSER}).text
    assert "unresolved: Ambiguous" in html
    assert "Wikidata Q" not in html


def test_kaunas_page_lists_its_networks(client: TestClient) -> None:
    html = client.get("/place/kaunas", headers={"Accept": BROWSER}).text
    assert "City networks" in html and 'href="/network/ubc"' in html
    assert html.count('class="partner"') == 28


def test_a_document_page(client: TestClient) -> None:
    html = client.get("/partnership/kosice--mobile/document/partnership-agreement",
                      headers={"Accept": BROWSER}).text
    assert html.count("<li>Signed") == 2
    assert 'href="/place/mobile"' in html and 'href="/place/kosice"' in html


def test_pages_embed_safe_json_ld(client: TestClient) -> None:
    html = client.get("/place/kaunas", headers={"Accept": BROWSER}).text
    script = embedded_jsonld(html)
    assert "</" not in script
    json.loads(script)


def test_the_landing_page(client: TestClient) -> None:
    r = client.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 200
    html = r.text
    assert "partnerships" in html and "Newest agreements" in html
    assert 'href="/dumps/twinned.ttl"' in html and 'href="/sparql"' in html
    dataset = json.loads(embedded_jsonld(html))
    assert dataset["@type"] == "Dataset" and dataset["@id"] == BASE + "dataset"
    assert re.search(r"<strong>50</strong>\s*partnerships", html)


def test_the_landing_page_in_turtle(client: TestClient) -> None:
    r = client.get("/", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert BASE + "dataset" in subjects(r.content)


def test_static_css(client: TestClient) -> None:
    r = client.get("/static/twinned.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


# -- HTTP details --------------------------------------------------------------------------------------

def test_head_sends_headers_only(client: TestClient) -> None:
    get = client.get("/place/kosice", headers={"Accept": "text/turtle"})
    head = client.head("/place/kosice", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["etag"] == get.headers["etag"]
    assert client.head("/nowhere").status_code == 404


def test_strong_etag_and_304(client: TestClient) -> None:
    r = client.get("/place/kosice.ttl")
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert client.get("/place/kosice.ttl").headers["etag"] == etag
    assert client.get("/place/kosice.nt").headers["etag"] != etag
    again = client.get("/place/kosice.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    listed = client.get("/place/kosice.ttl", headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304
    assert client.get("/place/kosice.ttl", headers={"If-None-Match": '"other"'}).status_code == 200


def test_negotiated_304_keeps_vary(client: TestClient) -> None:
    etag = client.get("/place/kosice", headers={"Accept": "text/turtle"}).headers["etag"]
    r = client.get("/place/kosice", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert r.status_code == 304 and "Accept" in r.headers["vary"]
    # the HTML representation has another tag, so the Turtle tag does not match it
    assert client.get("/place/kosice", headers={"Accept": BROWSER, "If-None-Match": etag}).status_code == 200


def test_cache_and_cors_headers(client: TestClient) -> None:
    r = client.get("/place/kosice", headers={"Accept": "text/turtle"})
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/place/kosice", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options("/sparql", headers={"Origin": "https://example.org",
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"


# -- errors ---------------------------------------------------------------------------------------------

def test_404_json_shape(client: TestClient) -> None:
    r = client.get("/place/atlantis", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ["status", "title", "detail"]
    assert body["error"]["status"] == 404 and body["error"]["title"] == "Not Found"
    assert "/place/atlantis" in body["error"]["detail"]
    assert r.headers["cache-control"] == "no-store"


def test_404_page_for_browsers(client: TestClient) -> None:
    r = client.get("/place/atlantis", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "404" in r.text and 'href="/sparql"' in r.text


def test_unsupported_method(client: TestClient) -> None:
    r = client.post("/place/kosice")
    assert r.status_code == 405
    assert r.json()["error"]["status"] == 405


# -- dumps -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(FILES))
def test_dumps(client: TestClient, built: Settings, path: str) -> None:
    name, media = FILES[path]
    data = (built.output_dir / name).read_bytes()
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["content-length"] == str(len(data))
    assert r.content == data
    info = json.loads((built.output_dir / "build-info.json").read_text())
    assert r.headers["etag"] == f'"{info["files"][name][:32]}"'
    assert "last-modified" in r.headers
    assert client.get(path, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_dump_if_modified_since(client: TestClient) -> None:
    later = formatdate(4102444800, usegmt=True)  # 2100
    assert client.get("/dumps/twinned.ttl", headers={"If-Modified-Since": later}).status_code == 304
    assert client.get("/dumps/twinned.ttl", headers={"If-Modified-Since": "garbage"}).status_code == 200


def test_gzipped_dump_is_the_dump(client: TestClient) -> None:
    plain = client.get("/dumps/twinned.nt").content
    packed = client.get("/dumps/twinned.nt.gz")
    assert packed.headers["content-type"] == "application/gzip"
    assert gzip.decompress(packed.content) == plain


# -- the base URI and the hook for more routes ------------------------------------------------------------

def test_addresses_map_the_server_onto_the_base() -> None:
    a = Addresses("https://example.org/towns/")
    assert a.iri("/place/kosice") == "https://example.org/towns/place/kosice"
    assert a.iri("/def/Partnership") == TW + "Partnership"  # the vocabulary namespace is fixed
    assert a.iri("/def/") == TW
    assert a.path("https://example.org/towns/place/kosice") == "/place/kosice"
    assert a.path(TW + "agreement-types") == "/def/agreement-types"
    assert a.path("http://www.wikidata.org/entity/Q214") is None


def test_extra_routes_come_before_resources(built: Settings) -> None:
    async def hello(request: object) -> object:
        from starlette.responses import PlainTextResponse
        return PlainTextResponse("hello")

    async def refuse(request: object) -> object:
        raise Forbidden("not here")

    app = create_app(built, load_release(built.output_dir.resolve()),
                     [Route("/hello", hello), Route("/place/refused", refuse)], query_workers=1)
    with TestClient(app) as c:
        assert c.get("/hello").text == "hello"
        r = c.get("/place/refused")
        assert r.status_code == 403 and r.json()["error"]["detail"] == "not here"
        assert c.get("/place/kosice.ttl").status_code == 200
