"""Harvested by a real portal (issue 15): CKAN's own DCAT parser (ckanext-dcat 2.4.4,
profile euro_dcat_ap_3, in .venv-ckan, made by tests/ckan/make-venv when missing) reads the built catalogue
and gives the dataset its licence and a spatial coverage spanning every partner."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT
from twinned.config import Settings
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_gazetteer

CKAN_PYTHON = ROOT / ".venv-ckan" / "bin" / "python"
EU_CC_BY = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"

pytestmark = pytest.mark.slow  # the first run installs CKAN into .venv-ckan (about a minute)


@pytest.fixture(scope="module")
def ckan_python() -> Path:
    """CKAN's own Python, with ckanext-dcat: installed into .venv-ckan on first use."""
    if not CKAN_PYTHON.exists():
        subprocess.run(["bash", str(ROOT / "tests" / "ckan" / "make-venv")], check=True, timeout=900)
    return CKAN_PYTHON


def harvest(python: Path, built: Settings, name: str, fmt: str) -> dict[str, Any]:
    out = subprocess.run([str(python), str(ROOT / "tests" / "ckan" / "harvest.py"),
                          str(built.output_dir / name), fmt],
                         capture_output=True, text=True, timeout=120, check=True)
    (dataset,) = json.loads(out.stdout)
    return dataset  # type: ignore[no-any-return]


def extras(dataset: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset["extras"]}


@pytest.mark.parametrize(("name", "fmt"), [("catalog.ttl", "turtle"), ("catalog.rdf", "xml"),
                                           ("catalog.jsonld", "json-ld")])
def test_ckan_gives_the_dataset_its_licence(ckan_python: Path, built: Settings, name: str, fmt: str) -> None:
    dataset = harvest(ckan_python, built, name, fmt)
    assert dataset["license_id"] == "cc-by"  # CKAN's own licence register knows it
    assert len(dataset["resources"]) == 6
    assert {r["license"] for r in dataset["resources"]} == {EU_CC_BY}


@pytest.mark.parametrize(("name", "fmt"), [("catalog.ttl", "turtle"), ("catalog.rdf", "xml"),
                                           ("catalog.jsonld", "json-ld")])
def test_ckan_keeps_a_spatial_coverage_spanning_every_partner(ckan_python: Path, built: Settings, name: str,
                                                               fmt: str) -> None:
    found = extras(harvest(ckan_python, built, name, fmt))
    assert found["spatial_uri"] == f"{built.base_uri}dataset/spatial"
    box = json.loads(found["spatial_bbox"])
    assert box["type"] == "Polygon"
    lons = [p[0] for p in box["coordinates"][0]]
    lats = [p[1] for p in box["coordinates"][0]]
    places = load_gazetteer(built.data_dir, load_vocabulary(built.ontology_dir)).places.values()
    located = [p for p in places if p.coordinates]
    assert len(located) == 47  # every city and town but San Martín (unidentified)
    for place in located:
        lat, lon = place.coordinates  # type: ignore[misc]
        assert min(lons) <= lon <= max(lons) and min(lats) <= lat <= max(lats), place.key
    assert json.loads(found["spatial_centroid"])["coordinates"] == [28.54, 56.34]  # the whole's, no country's
    assert found["publisher_type"] == "http://purl.org/adms/publishertype/NonProfitOrganisation"
