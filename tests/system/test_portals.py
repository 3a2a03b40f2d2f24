"""What open-data portals and crawlers harvest, checked over HTTP (in-process): the
landing page's schema.org Dataset and links, the DCAT-AP catalogue's sizes and
checksums against the bytes served, and the VoID statistics against the served dump
(schemaorg.py, catalog.py, server.py)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twinned.build.catalog import KEYWORDS
from twinned.config import Settings
from twinned.store.release import load_release
from twinned.web.pages import Addresses
from twinned.web.server import create_app

pytestmark = pytest.mark.slow  # a whole system test: what portals and crawlers harvest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SCHEMA = "https://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
TW = "https://w3id.org/twinned/def/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CATALOGUE = {"/catalog.ttl": ("text/turtle", ox.RdfFormat.TURTLE),
             "/catalog.jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
             "/catalog.rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
             "/catalog.nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES)}


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    app = create_app(built, load_release(built.output_dir.resolve()), query_workers=1)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def base(built: Settings) -> str:
    return built.base_uri


class Head(HTMLParser):
    """The JSON-LD scripts and the <link> elements of a page, read by a real HTML parser."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[dict[str, str]] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.scripts.append("")
        elif tag == "link":
            self.links.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.scripts[-1] += data


def read_head(html: str) -> Head:
    head = Head()
    head.feed(html)
    head.close()
    return head


def store_of(body: bytes, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.load(body, format=fmt)
    return store


def select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    return list(store.query(query))  # type: ignore[arg-type]


def count(store: ox.Store, query: str) -> int:
    (row,) = select(store, query)
    return int(row[0].value)


@pytest.fixture(scope="module")
def landing(client: TestClient) -> Head:
    r = client.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 200
    return read_head(r.text)


@pytest.fixture(scope="module")
def dataset(landing: Head) -> ox.Store:
    """The landing page's embedded JSON-LD, parsed as JSON-LD into a graph."""
    (script,) = landing.scripts
    json.loads(script)  # plain JSON too
    return store_of(script.encode("utf-8"), ox.RdfFormat.JSON_LD)


@pytest.fixture(scope="module")
def dump(client: TestClient) -> ox.Store:
    """The served N-Triples dump, for counts made independently of the build."""
    r = client.get("/dumps/twinned.nt")
    assert r.status_code == 200
    return store_of(r.content, ox.RdfFormat.N_TRIPLES)


def local(base: str, url: str) -> str:
    path = Addresses(base).path(url)
    assert path is not None, f"{url} is not on this site"
    return path


# -- the schema.org Dataset in the landing page ---------------------------------------------------------

def test_the_landing_page_embeds_a_schema_org_dataset(dataset: ox.Store, base: str, built: Settings) -> None:
    (row,) = select(dataset, f"""PREFIX s: <{SCHEMA}>
        SELECT ?name ?description ?license ?creator ?cname ?publisher ?pname ?period {{
          <{base}dataset> a s:Dataset ; s:name ?name ; s:description ?description ; s:license ?license ;
            s:creator ?creator ; s:publisher ?publisher ; s:temporalCoverage ?period .
          ?creator s:name ?cname . ?publisher a s:Organization ; s:name ?pname }}""")
    assert row["name"].value == built.title and row["description"].value == built.description
    assert row["license"] == ox.NamedNode(built.license_url)
    assert row["pname"].value == row["cname"].value == built.publisher_name
    keywords = {r["k"].value for r in select(dataset, f"SELECT ?k {{ <{base}dataset> <{SCHEMA}keywords> ?k }}")}
    assert keywords == set(KEYWORDS)


def test_temporal_coverage_is_the_span_of_the_signing_dates(dataset: ox.Store, dump: ox.Store,
                                                             base: str) -> None:
    (row,) = select(dataset, f"SELECT ?t {{ <{base}dataset> <{SCHEMA}temporalCoverage> ?t }}")
    start, end = row["t"].value.split("/")
    (span,) = select(dump, f"""SELECT (MIN(STR(?d)) AS ?first) (MAX(STR(?d)) AS ?last) {{
        ?signing a <{TW}Signing> ; <{TW}date> ?d }}""")
    assert (start, end) == (span["first"].value, span["last"].value)
    assert re.fullmatch(r"\d{4}(-\d\d){0,2}", start) and start < end


def test_spatial_coverage_is_the_partner_countries(dataset: ox.Store, dump: ox.Store, base: str) -> None:
    covered = {r["c"].value: r["code"].value for r in select(dataset, f"""PREFIX s: <{SCHEMA}>
        SELECT ?c ?code {{ <{base}dataset> s:spatialCoverage ?c .
            ?c a s:Country ; s:identifier ?code ; s:name ?n }}""")}
    partners = {r["c"].value: r["code"].value for r in select(dump, f"""SELECT DISTINCT ?c ?code {{
        ?p a <{TW}Partnership> ; <{TW}party>/<{TW}country> ?c . ?c <{TW}countryCode> ?code }}""")}
    assert covered == partners and len(covered) > 20


def test_every_distribution_is_served_as_described(client: TestClient, dataset: ox.Store, base: str) -> None:
    rows = select(dataset, f"""PREFIX s: <{SCHEMA}>
        SELECT ?url ?type ?size {{ <{base}dataset> s:distribution ?d .
          ?d a s:DataDownload ; s:contentUrl ?url ; s:encodingFormat ?type ; s:contentSize ?size }}""")
    paths = sorted(local(base, r["url"].value) for r in rows)
    assert paths == sorted([*(f"/dumps/twinned.{x}{gz}" for x in ("ttl", "nt", "jsonld") for gz in ("", ".gz")),
                            *CATALOGUE])
    for r in rows:
        served = client.get(local(base, r["url"].value))
        assert served.status_code == 200
        assert served.headers["content-type"].split(";")[0] == r["type"].value
        assert len(served.content) == int(r["size"].value)


def test_the_landing_page_rdf_is_its_embedded_json_ld(client: TestClient, dataset: ox.Store) -> None:
    r = client.get("/", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    served = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
    assert served == {q.triple for q in dataset}
    assert client.get("/", headers={"Accept": "text/turtle"}).content == r.content  # no blank nodes


# -- links from the landing page --------------------------------------------------------------------------

def parse_link_header(value: str) -> list[dict[str, str]]:
    links = []
    for m in re.finditer(r'<([^>]*)>((?:\s*;\s*[a-z]+="[^"]*")*)', value):
        params = dict(re.findall(r'([a-z]+)="([^"]*)"', m.group(2)))
        links.append({"href": m.group(1), **params})
    return links


@pytest.mark.parametrize("accept", [BROWSER, "text/turtle", "application/ld+json"])
def test_the_landing_response_links_to_the_dumps_and_the_catalogue(client: TestClient, accept: str) -> None:
    r = client.get("/", headers={"Accept": accept})
    links = parse_link_header(r.headers["link"])
    alternates = {(x["href"], x["type"]) for x in links if x["rel"] == "alternate"}
    assert alternates == {("/dumps/twinned.ttl", "text/turtle"), ("/dumps/twinned.nt", "application/n-triples"),
                          ("/dumps/twinned.jsonld", "application/ld+json")}
    described = {(x["href"], x.get("type")) for x in links if x["rel"] == "describedby"}
    assert described == {*((p, t) for p, (t, _f) in CATALOGUE.items()), ("/.well-known/void", None)}


def test_the_landing_page_has_the_same_links_as_elements(client: TestClient, landing: Head) -> None:
    header = parse_link_header(client.get("/", headers={"Accept": BROWSER}).headers["link"])
    elements = [x for x in landing.links if x.get("rel") in ("alternate", "describedby")]
    assert sorted((x["rel"], x["href"], x.get("type", "")) for x in elements) == \
        sorted((x["rel"], x["href"], x.get("type", "")) for x in header)


def test_every_link_target_is_served_with_its_type(client: TestClient) -> None:
    for link in parse_link_header(client.get("/").headers["link"]):
        r = client.get(link["href"], headers={"Accept": "text/turtle"})
        assert r.status_code == 200, link
        if "type" in link:
            assert r.headers["content-type"].split(";")[0] == link["type"]


# -- the DCAT-AP catalogue over HTTP ------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(CATALOGUE))
def test_the_catalogue_is_served_in_each_format(client: TestClient, path: str) -> None:
    media, fmt = CATALOGUE[path]
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    turtle = client.get("/catalog.ttl").content
    assert {q.triple for q in ox.parse(r.content, format=fmt)} == \
        {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}


def test_checksums_and_sizes_match_the_bytes_served(client: TestClient, base: str) -> None:
    catalog = store_of(client.get("/catalog.ttl").content, ox.RdfFormat.TURTLE)
    rows = select(catalog, f"""PREFIX dcat: <{DCAT}> PREFIX spdx: <{SPDX}>
        SELECT ?d ?download ?access ?size ?algorithm ?value ?media {{ ?d a dcat:Distribution ;
          dcat:downloadURL ?download ; dcat:accessURL ?access ; dcat:byteSize ?size ; dcat:mediaType ?media ;
          spdx:checksum [ spdx:algorithm ?algorithm ; spdx:checksumValue ?value ] }}""")
    assert len(rows) == 6
    for row in rows:
        served = client.get(local(base, row["download"].value))
        assert served.status_code == 200
        assert int(row["size"].value) == len(served.content) == int(served.headers["content-length"])
        assert row["algorithm"] == ox.NamedNode(SPDX + "checksumAlgorithm_sha256")
        assert row["value"].value == hashlib.sha256(served.content).hexdigest()
        assert client.get(local(base, row["access"].value)).content == served.content
        media = row["media"].value.removeprefix("http://www.iana.org/assignments/media-types/")
        compressed = served.headers["content-type"] == "application/gzip"
        assert compressed or served.headers["content-type"].split(";")[0] == media


# -- VoID --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def void(client: TestClient) -> ox.Store:
    r = client.get("/.well-known/void", follow_redirects=False)
    assert r.status_code == 303
    described = client.get(r.headers["location"], headers={"Accept": "text/turtle"})
    assert described.status_code == 200 and described.headers["content-type"].startswith("text/turtle")
    return store_of(described.content, ox.RdfFormat.TURTLE)


def test_well_known_void_statistics_match_the_served_dump(void: ox.Store, dump: ox.Store, base: str) -> None:
    def stat(prop: str) -> int:
        (row,) = select(void, f"SELECT ?n {{ <{base}dataset> a <{VOID}Dataset> ; <{VOID}{prop}> ?n }}")
        return int(row["n"].value)

    assert stat("triples") == count(dump, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert stat("distinctSubjects") == count(dump, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }")
    assert stat("distinctObjects") == count(dump, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }")
    assert stat("properties") == count(dump, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }")
    assert stat("classes") == count(dump, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    assert stat("entities") == count(
        dump, f'SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), "{base}") }}')


def test_void_partitions_match_the_served_dump(void: ox.Store, dump: ox.Store, base: str) -> None:
    classes = {r["c"].value: int(r["n"].value) for r in select(void, f"""PREFIX void: <{VOID}>
        SELECT ?c ?n {{ <{base}dataset> void:classPartition [ void:class ?c ; void:entities ?n ] }}""")}
    assert classes == {r["c"].value: int(r["n"].value) for r in select(
        dump, "SELECT ?c (COUNT(?s) AS ?n) { ?s a ?c } GROUP BY ?c")}
    props = {r["p"].value: int(r["n"].value) for r in select(void, f"""PREFIX void: <{VOID}>
        SELECT ?p ?n {{ <{base}dataset> void:propertyPartition [ void:property ?p ; void:triples ?n ] }}""")}
    assert props == {r["p"].value: int(r["n"].value) for r in select(
        dump, "SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p")}
    (links,) = select(void, f"SELECT ?n {{ <{base}dataset/links/wikidata> <{VOID}triples> ?n }}")
    assert int(links["n"].value) == count(
        dump, "SELECT (COUNT(*) AS ?n) { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }")


def test_void_points_at_the_served_dumps_and_endpoint(void: ox.Store, client: TestClient, base: str) -> None:
    dumps = [r["d"].value for r in select(void, f"SELECT ?d {{ <{base}dataset> <{VOID}dataDump> ?d }}")]
    assert len(dumps) == 6
    for url in dumps:
        assert client.head(local(base, url)).status_code == 200
    (row,) = select(void, f"SELECT ?e {{ <{base}dataset> <{VOID}sparqlEndpoint> ?e }}")
    assert client.get(local(base, row["e"].value), params={"query": "ASK {}"}).json()["boolean"] is True
