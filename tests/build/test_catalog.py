"""The DCAT-AP 3 catalogue and VoID description written by the build."""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID

from tests.support.paths import SHARED
from twinned.config import Settings

DCAT_AP = SHARED / "vocab" / "dcat-ap-3" / "3.0.1" / "html" / "shacl"
SPDX = "http://spdx.org/rdf/terms#"


@pytest.fixture(scope="module")
def catalog(built: Settings) -> Graph:
    return Graph().parse(built.output_dir / "catalog.ttl")


def test_catalogue_passes_dcat_ap_mandatory_and_range_shapes(catalog: Graph) -> None:
    shapes = Graph().parse(DCAT_AP / "shapes.ttl").parse(DCAT_AP / "range.ttl")
    conforms, _report, text = validate(catalog, shacl_graph=shapes)
    assert conforms, text


def test_recommended_properties_missing_are_only_the_documented_ones(catalog: Graph) -> None:
    _c, report, _t = validate(catalog, shacl_graph=Graph().parse(DCAT_AP / "shapes_recommended.ttl"))
    sh = "http://www.w3.org/ns/shacl#"
    paths = {str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for p in report.objects(None, URIRef(sh + "resultPath"))}
    assert paths == set(), paths  # every recommended property is there


def test_country_locations_have_box_and_centroid_from_the_atlas(catalog: Graph, built: Settings) -> None:
    from twinned.build.extents import country_extents

    dataset = URIRef(built.base_uri + "dataset")
    finland = URIRef("http://publications.europa.eu/resource/authority/country/FIN")
    assert (dataset, DCTERMS.spatial, finland) in catalog
    fi = country_extents()["FI"]
    assert str(catalog.value(finland, DCAT.bbox)) == (
        f"POLYGON(({fi.west} {fi.south},{fi.east} {fi.south},{fi.east} {fi.north},{fi.west} {fi.north},"
        f"{fi.west} {fi.south}))")
    assert str(catalog.value(finland, DCAT.centroid)) == f"POINT({fi.centroid[0]} {fi.centroid[1]})"  # type: ignore[index]
    assert 20 < fi.west < fi.east < 32 and 59 < fi.south < fi.north < 71  # Finland, roughly
    countries = [o for o in catalog.objects(dataset, DCTERMS.spatial) if "/country/" in str(o)]
    assert len(countries) == 26
    assert all(catalog.value(c, DCAT.bbox) is not None and catalog.value(c, DCAT.centroid) is not None
               for c in countries)
    whole = URIRef(f"{dataset}/spatial")
    assert (dataset, DCTERMS.spatial, whole) in catalog and catalog.value(whole, DCAT.bbox) is not None
    lon, lat = json.loads(str(catalog.value(whole, DCAT.centroid)))["coordinates"]
    assert 20 < lon < 40 and 50 < lat < 60  # the midpoint of the partner countries: eastern Europe


def test_licence_and_publisher_type_are_the_eu_and_adms_uris(catalog: Graph, built: Settings) -> None:
    dataset = URIRef(built.base_uri + "dataset")
    licence = catalog.value(dataset, DCTERMS.license)
    assert licence == URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert catalog.value(licence, DCTERMS.title) == Literal("Creative Commons Attribution", lang="en")
    assert catalog.value(licence, FOAF.page) == URIRef(built.license_url)
    publisher = catalog.value(dataset, DCTERMS.publisher)
    assert catalog.value(publisher, DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation")


def test_formats_agree(built: Settings) -> None:
    graphs = [Graph().parse(built.output_dir / "catalog.ttl"),
              Graph().parse(built.output_dir / "catalog.jsonld", format="json-ld"),
              Graph().parse(built.output_dir / "catalog.rdf", format="xml")]
    assert set(graphs[0]) == set(graphs[1]) == set(graphs[2])


def test_checksums_and_sizes_match_the_files(catalog: Graph, built: Settings) -> None:
    dists = list(catalog.subjects(RDF.type, DCAT.Distribution))
    assert len(dists) == 6
    for d in dists:
        url = str(catalog.value(d, DCAT.downloadURL))
        assert url.startswith(built.base_uri + "dumps/")
        data = (built.output_dir / url.rsplit("/", 1)[-1]).read_bytes()
        assert int(catalog.value(d, DCAT.byteSize)) == len(data)  # type: ignore[arg-type]
        checksum = catalog.value(d, URIRef(SPDX + "checksum"))
        assert catalog.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(SPDX + "checksumAlgorithm_sha256")
        assert str(catalog.value(checksum, URIRef(SPDX + "checksumValue"))) == hashlib.sha256(data).hexdigest()


def _count(store: ox.Store, query: str) -> int:
    (row,) = list(store.query(query))  # type: ignore[arg-type]
    return int(row[0].value)


def test_void_statistics_match_independent_counts(catalog: Graph, built: Settings) -> None:
    store = ox.Store()
    store.bulk_load(path=str(built.output_dir / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    dataset = URIRef(built.base_uri + "dataset")

    def stat(p: URIRef) -> int:
        return int(catalog.value(dataset, p))  # type: ignore[arg-type]

    assert stat(VOID.triples) == _count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert stat(VOID.distinctSubjects) == _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }")
    assert stat(VOID.distinctObjects) == _count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }")
    assert stat(VOID.properties) == _count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }")
    assert stat(VOID.classes) == _count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    base = built.base_uri
    assert stat(VOID.entities) == _count(
        store, f'SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), "{base}") }}')
    for part in catalog.objects(dataset, VOID.classPartition):
        cls = catalog.value(part, VOID["class"])
        n = _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{cls}> }}")
        assert catalog.value(part, VOID.entities) == Literal(n)
    for part in catalog.objects(dataset, VOID.propertyPartition):
        prop = catalog.value(part, VOID.property)
        count = _count(store, f"SELECT (COUNT(*) AS ?n) {{ ?s <{prop}> ?o }}")
        assert catalog.value(part, VOID.triples) == Literal(count)
    links = URIRef(f"{dataset}/links/wikidata")
    assert catalog.value(links, VOID.triples) == Literal(
        _count(store, "SELECT (COUNT(*) AS ?n) { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }"))
