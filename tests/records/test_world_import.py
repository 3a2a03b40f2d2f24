"""The imported world (wikidata_import.py, world.py): `twinned import-wikidata` on the
real Wikidata twin-city extract, merged with the curated records, built and served."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH
from starlette.testclient import TestClient

from tests.support.paths import SHARED
from tests.support.project import copy_project
from twinned.build.pipeline import is_stale
from twinned.cli import main
from twinned.config import Settings, load_settings
from twinned.errors import InputError
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_records
from twinned.records.world_import import Node, assign_keys, slug
from twinned.store.release import load_release
from twinned.web.current import build_site
from twinned.web.server import create_app

EXTRACT = SHARED / "data" / "wikidata-twin-cities"
BASE = "https://w3id.org/twinned/"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
SOURCE = f"<{BASE}source/wikidata-twin-cities>"

# CI has ../shared beside the project: there, a missing extract fails rather than skips
pytestmark = pytest.mark.skipif(not (EXTRACT / "nodes.tsv").exists() and not os.environ.get("CI"),
                                reason="no Wikidata extract in ../shared")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project with the real extract imported (the README's command) and built."""
    project = copy_project(tmp_path_factory.mktemp("world") / "project")
    assert main(["import-wikidata", "--project", str(project), "--from", str(EXTRACT), "-q"]) == 0
    settings = load_settings(project, env={})
    build_site(settings)
    return settings


@pytest.fixture(scope="module")
def client(world: Settings) -> TestClient:
    return TestClient(create_app(world, load_release(world.output_dir.resolve()), query_workers=1))


def expected_counts(settings: Settings) -> tuple[int, int]:
    """Cities and partnerships counted from the TSVs and the curated records, apart from the code."""
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    gaz = records.gazetteer
    key_of = {p.identity.wikidata: p.key for p in gaz.places.values() if p.identity.wikidata}
    with open(EXTRACT / "nodes.tsv", encoding="utf-8") as f:
        nodes = [row["id"] for row in csv.DictReader(f, delimiter="\t")]
    with open(EXTRACT / "links.tsv", encoding="utf-8") as f:
        links = [(row["source"], row["target"]) for row in csv.DictReader(f, delimiter="\t")]
    cities = sum(1 for p in gaz.places.values() if p.kind == "city") + sum(1 for q in nodes if q not in key_of)
    curated = {frozenset(p.parties) for p in records.partnerships}
    extract = {frozenset((key_of.get(a, a), key_of.get(b, b))) for a, b in links}
    return cities, len(curated) + len(extract - curated)


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_the_landing_page_shows_the_merged_counts(world: Settings, client: TestClient) -> None:
    cities, partnerships = expected_counts(world)
    info = json.loads((world.output_dir / "build-info.json").read_text("utf-8"))
    assert (info["counts"]["cities"], info["counts"]["partnerships"]) == (cities, partnerships)
    assert cities > 5000 and partnerships > 10000
    page = client.get("/", headers={"Accept": "text/html"}).text
    assert f"<strong>{cities}</strong> cities" in page
    assert f"<strong>{partnerships}</strong> partnerships" in page
    assert 'href="/country/na"' in page and 'href="/country/tw"' in page  # Namibia is not "missing"


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_an_imported_city_page(client: TestClient) -> None:
    page = client.get("/place/aachen", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Wikidata Q1017" in page.text and "Cape Town" in page.text
    kosice = client.get("/place/kosice", headers={"Accept": "text/html"}).text
    assert "Mobile" in kosice  # curated partners and imported ones on one page


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_same_city_same_resource_and_provenance(world: Settings) -> None:
    wanted = (f"<{BASE}place/", f"<{BASE}partnership/aachen--", f"<{BASE}partnership/kosice--mobile>",
              SOURCE, f"<{BASE}country/")
    lines = (line for line in (world.output_dir / "twinned.nt").read_text("utf-8").split("\n")
             if line.startswith(wanted))
    by_subject: dict[str, set[tuple[str, str]]] = {}
    for q in ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        by_subject.setdefault(str(q.subject), set()).add((str(q.predicate), str(q.object)))
    # Kosice (Q25409 in places.yaml and in the extract) is one place, with the curated label
    kosice = by_subject[f"<{BASE}place/kosice>"]
    assert ("<http://www.w3.org/2002/07/owl#sameAs>", "<http://www.wikidata.org/entity/Q25409>") in kosice
    assert not any("Q25409" in s for s in by_subject if s.startswith(f"<{BASE}place/"))
    # an imported partnership derives from the extract, and has no passage or recorder
    aachen = by_subject[f"<{BASE}partnership/aachen--cape-town>"]
    assert (DERIVED, SOURCE) in aachen
    assert not any(p.endswith("sourcePassage>") or p.endswith("recordedBy>") for p, _o in aachen)
    # a curated partnership the extract also holds keeps its page and is attested by both
    mobile = by_subject[f"<{BASE}partnership/kosice--mobile>"]
    assert (DERIVED, f"<{BASE}source/kosice-twin-cities>") in mobile and (DERIVED, SOURCE) in mobile
    assert (DERIVED, "<https://www.wikidata.org/>") not in mobile
    source = by_subject[SOURCE]
    assert ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://www.w3.org/ns/prov#Entity>") in source
    # countries: curated QIDs where verified, the others unresolved
    namibia = by_subject[f"<{BASE}country/na>"]
    assert any(p.endswith("unresolvedReason>") for p, _o in namibia)
    assert ("<http://www.w3.org/2002/07/owl#sameAs>", "<http://www.wikidata.org/entity/Q214>") in \
        by_subject[f"<{BASE}country/sk>"]


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_keys_are_readable_unique_and_stable(world: Settings, tmp_path: Path) -> None:
    places = (world.data_dir / "world" / "places.tsv").read_text("utf-8").splitlines()[1:]
    keys = [line.split("\t")[0] for line in places]
    assert len(keys) == len(set(keys)) and all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)
    assert {"aachen", "halle-saale", "portsmouth-gb"} <= set(keys)  # Portsmouth: one in GB, two in the US
    assert sum(1 for k in keys if k.startswith("portsmouth-q")) == 2
    assert sum(1 for k in keys if k.startswith("springfield-q")) == 3  # three in the US: name-qid
    # a second import of the same extract changes nothing
    before = (world.data_dir / "world" / "places.tsv").read_bytes()
    assert main(["import-wikidata", "--project", str(world.project_dir), "--from", str(EXTRACT), "-q"]) == 0
    assert (world.data_dir / "world" / "places.tsv").read_bytes() == before


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_a_new_namesake_does_not_rename_an_imported_city(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    extract = tmp_path / "extract"
    extract.mkdir()
    nodes = "id\tname\tlng\tlat\tcountry\tcountrycd\tcontinent\n"
    first = nodes + ("Q1017\tAachen\t6.08\t50.77\tGermany\tDE\tEurope\n"
                     "Q5465\tCape Town\t18.4\t-33.9\tSouth Africa\tZA\tAfrica\n")
    (extract / "nodes.tsv").write_text(first, "utf-8")
    (extract / "links.tsv").write_text("source\ttarget\nQ1017\tQ5465\n", "utf-8")
    assert main(["import-wikidata", "--project", str(project), "--from", str(extract), "-q"]) == 0
    second = first + "Q999\tAachen\t-80.0\t40.0\tUnited States of America\tUS\tNorth America\n" \
        + "Q998\tGrootfontein\t18.1\t-19.5\tNamibia\tNA\tAfrica\n"
    (extract / "nodes.tsv").write_text(second, "utf-8")
    (extract / "links.tsv").write_text("source\ttarget\nQ1017\tQ5465\nQ999\tQ998\n", "utf-8")
    assert main(["import-wikidata", "--project", str(project), "--from", str(extract), "-q"]) == 0
    rows = {r.split("\t")[1]: r.split("\t") for r in
            (project / "data" / "world" / "places.tsv").read_text("utf-8").splitlines()[1:]}
    assert rows["Q1017"][0] == "aachen" and rows["Q999"][0] == "aachen-us"
    assert rows["Q998"][5] == "NA"
    countries = (project / "data" / "world" / "countries.tsv").read_text("utf-8")
    assert "NA\tNamibia\n" in countries


def test_key_rules() -> None:
    assert slug("Halle (Saale)") == "halle-saale"
    assert slug("Białystok") == "bialystok" and slug("Fada N’Gourma") == "fada-n-gourma"

    def node(qid: str, name: str, cc: str) -> Node:
        return Node(qid, name, "0", "0", cc, cc, 0)

    keys = assign_keys([node("Q1", "Paris", "FR"), node("Q2", "Paris", "US"), node("Q3", "Paris", "US"),
                        node("Q4", "Lyon", "FR"), node("Q5", "Kaunas", "US")], taken={"kaunas"})
    assert keys == {"Q1": "paris-fr", "Q2": "paris-q2", "Q3": "paris-q3", "Q4": "lyon", "Q5": "kaunas-us"}


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_world_files_are_checked_with_their_lines(world: Settings, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "data" / "world").mkdir()
    for f in (world.data_dir / "world").iterdir():
        (project / "data" / "world" / f.name).write_bytes(f.read_bytes())
    places = project / "data" / "world" / "places.tsv"
    lines = places.read_text("utf-8").splitlines()
    lines[1] = lines[1].split("\t", 2)[0] + "\tQ25409\t" + lines[1].split("\t", 2)[2]  # a curated QID
    places.write_text("\n".join(lines) + "\n", "utf-8")
    pairs = project / "data" / "world" / "partnerships.tsv"
    pairs.write_text(pairs.read_text("utf-8") + "atlantis\tkosice\n", "utf-8")
    with pytest.raises(InputError) as exc:
        load_records(project / "data", load_vocabulary(project / "ontology"))
    text = str(exc.value)
    assert "data/world/places.tsv:2: wikidata: a QID no curated place has (Q25409 is place kosice" in text
    assert re.search(r"data/world/partnerships.tsv:\d+: a: a key of places.tsv or places.yaml, not 'atlantis'", text)


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_a_changed_world_file_makes_dist_stale(world: Settings) -> None:
    assert not is_stale(world)
    pairs = world.data_dir / "world" / "partnerships.tsv"
    text = pairs.read_text("utf-8")
    try:
        pairs.write_text(text + "\n", "utf-8")
        assert is_stale(world)
    finally:
        pairs.write_text(text, "utf-8")


@pytest.mark.slow  # imports and builds the world: 5,470 cities
def test_the_world_graph_conforms_with_the_same_validation(world: Settings) -> None:
    """The world is validated by the same engines as the seeds (one path, any size)."""
    report = (world.output_dir / "validation-report.txt").read_text("utf-8")
    assert report.startswith("Conforms")
    ttl = Graph()
    ttl.parse(world.output_dir / "validation-report.ttl", format="turtle")
    assert (None, SH.conforms, Literal(True)) in ttl
    info = json.loads((world.output_dir / "build-info.json").read_text("utf-8"))
    assert info["triples"] > 100_000
