"""pictures.py and the pages that show its pictures: maps, timelines and the chart on
the landing page and the place pages, in-process; each count is checked against the
graph itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.store.release import LoadedRelease
from twinned.web.atlas import KIND, TYPES, kind_of_type
from twinned.web.pictures import Pictures, fold
from twinned.web.server import create_app

BASE = "https://w3id.org/twinned/"
PREFIXES = ("PREFIX tw: <https://w3id.org/twinned/def/>\n"
            "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n")
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(built: Settings, release: LoadedRelease) -> Iterator[TestClient]:
    with TestClient(create_app(built, release, query_workers=1)) as c:
        yield c


@pytest.fixture(scope="module")
def pictures(client: TestClient) -> Pictures:
    found: Pictures = client.app.state.server.pictures  # type: ignore[attr-defined]
    return found


def count(release: LoadedRelease, where: str, what: str = "*") -> int:
    [row] = list(release.store.query(f"{PREFIXES}SELECT (COUNT(DISTINCT {what}) AS ?n) WHERE {{ {where} }}"))
    return int(row["n"].value)  # type: ignore[union-attr]


def partners_with_coordinates(release: LoadedRelease, place: str) -> int:
    return count(release, f"?p a tw:Partnership ; tw:party <{BASE}place/{place}>, ?o . "
                          f"FILTER(?o != <{BASE}place/{place}>) ?o geo:lat ?lat ; geo:long ?long", "?o")


def markers(html: str, role: str) -> list[str]:
    return re.findall(rf'<a class="marker {role}" href="([^"]+)"', html)


@pytest.mark.parametrize(("concept", "kind"), [
    ("twinning-agreement", "twinning"), ("cooperation-agreement", "agreement"),
    ("friendship-agreement", "agreement"), ("memorandum-of-understanding", "memorandum"),
    ("protocol", "memorandum"), ("declaration", "memorandum"), ("letter-of-intent", "intent"),
    ("declaration-of-intent", "intent"), ("council-decision", "other"), ("no-such-type", "other"),
])
def test_document_types_fall_into_kinds_through_skos_broader(release: LoadedRelease, concept: str,
                                                             kind: str) -> None:
    assert kind_of_type(release.store, TYPES + concept) is KIND[kind]


def test_a_partnership_takes_the_kind_of_its_strongest_document(pictures: Pictures) -> None:
    links = {link.iri: link for link in pictures.atlas.links}
    miskolc = links[BASE + "partnership/kosice--miskolc"]
    assert {d.kind.key for d in miskolc.documents} == {"agreement", "intent"}
    assert miskolc.kind is KIND["agreement"]


@pytest.mark.parametrize(("place", "partners"), [("kosice", 22), ("kaunas", 28)])
def test_the_place_map_has_a_marker_per_partner_with_coordinates(client: TestClient, release: LoadedRelease,
                                                                 place: str, partners: int) -> None:
    html = client.get(f"/place/{place}", headers=HTML).text
    expected = partners_with_coordinates(release, place)
    assert 0 < expected <= partners
    found = markers(html, "partner")
    assert len(found) == expected and len(set(found)) == expected
    assert markers(html, "focus") == [f"/place/{place}"]
    assert html.count('<path class="arc"') == expected
    # the partners left off the map are named under it, and every partner is in the table
    caption = html.split('<figure class="picture" id="map-figure">', 1)[1].split("</figcaption>", 1)[0]
    assert caption.count("<a href=") == partners - expected
    table = html.split("The map as a table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == partners + 1


def test_the_place_timeline_has_a_mark_per_dated_document(client: TestClient, release: LoadedRelease) -> None:
    html = client.get("/place/kosice", headers=HTML).text
    dated = count(release, f"?p tw:party <{BASE}place/kosice> ; tw:document ?d . ?d tw:firstSigned ?date", "?d")
    assert html.count('<a class="event"') == dated
    renewals = count(release, f"?p tw:party <{BASE}place/kosice> ; tw:document ?d . "
                              "?d tw:firstSigned ?date ; tw:renews ?r", "?d")
    assert renewals > 0 and html.count('<rect x=') >= dated


def test_the_landing_map_has_a_marker_per_place_with_coordinates(client: TestClient,
                                                                 release: LoadedRelease) -> None:
    html = client.get("/", headers=HTML).text
    expected = count(release, "?p a tw:Partnership ; tw:party ?o . ?o geo:lat ?lat ; geo:long ?long", "?o")
    assert len(markers(html, "publisher")) == 2
    assert len(markers(html, "publisher")) + len(markers(html, "place")) == expected
    drawable = count(release, "?p a tw:Partnership ; tw:party ?a, ?b . FILTER(STR(?a) < STR(?b)) "
                              "?a geo:lat ?alat . ?b geo:lat ?blat", "?p")
    assert html.count('<path class="arc"') == drawable


def test_the_landing_chart_counts_documents_per_year(client: TestClient, release: LoadedRelease) -> None:
    html = client.get("/", headers=HTML).text
    labels = re.findall(r'<a class="bar" href="/queries/signings-in\?when=(\d{4})" aria-label="\d{4}: (\d+) doc', html)
    assert sum(int(n) for _, n in labels) == count(release, "?d a tw:Document ; tw:firstSigned ?date", "?d")
    years = count(release, "?d a tw:Document ; tw:firstSigned ?date . BIND(SUBSTR(STR(?date), 1, 4) AS ?y)", "?y")
    assert len(labels) == years


@pytest.mark.parametrize("path", ["/", "/place/kosice", "/place/kaunas", "/network", "/editor",
                                  "/network?continent=Europe", "/place/wuppertal"])
def test_pages_stay_small_and_on_this_site(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    assert len(r.content) < 1_000_000
    # scripts, styles and images all come from this server
    assert not re.search(r'<(?:script|img|iframe)[^>]* src="(?!/)', r.text)
    assert not re.search(r'<link rel="stylesheet" href="(?!/)', r.text)
    for src in re.findall(r'<script[^>]* src="([^"]+)"', r.text):
        assert client.get(src).status_code == 200


def test_pictures_are_kept_once_drawn(pictures: Pictures) -> None:
    assert pictures.place_map(BASE + "place/kosice") is pictures.place_map(BASE + "place/kosice")
    assert pictures.landing_map() is pictures.landing_map()


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Košice") == fold("KOSICE") == "kosice"
    assert fold("Växjö") == "vaxjo"


def test_network_json_holds_every_partnership(client: TestClient, release: LoadedRelease) -> None:
    data = client.get("/network.json").json()
    places = count(release, "?p a tw:Partnership ; tw:party ?o", "?o")
    assert len(data["nodes"]) == places
    assert len(data["edges"]) == count(release, "?p a tw:Partnership")
    hrefs = [n[0] for n in data["nodes"]]
    assert "/place/kosice" in hrefs and all(h.startswith("/place/") for h in hrefs)
    assert {k["key"] for k in data["kinds"]} == set(KIND)
    sk = next(c for c in data["countries"] if c["code"] == "SK")
    assert sk == {"href": "/country/sk", "label": "Slovakia", "code": "SK", "continent": "Europe"}


def test_network_json_around_a_place(client: TestClient, release: LoadedRelease) -> None:
    data = client.get("/network.json", params={"focus": "/place/kosice", "depth": "1"}).json()
    assert data["focus"] == "/place/kosice"
    assert len(data["nodes"]) == 23 and len(data["edges"]) == 22
    two = client.get("/network.json", params={"focus": "/place/kosice"}).json()
    assert len(two["nodes"]) >= len(data["nodes"])
    assert client.get("/network.json", params={"focus": "/place/atlantis"}).status_code == 404
    assert client.get("/network.json", params={"focus": "/place/kosice", "depth": "9"}).status_code == 400


def test_the_atlas_the_build_wrote_is_the_atlas_read_from_the_dump_and_from_the_store(
        pictures: Pictures, release: LoadedRelease) -> None:
    """The server reads the atlas the build computed (atlas.json, fast); a release without
    it gives it from the release's N-Triples dump, an external store by scans of the
    store: the same places, partnerships and documents each way."""
    from twinned.web.atlas import Atlas

    from_file = pictures.atlas
    assert pictures.atlas_file is not None and pictures.atlas_file.is_file()
    assert pictures.dump is not None and pictures.dump.is_file()
    from_dump = Atlas(pictures.site, pictures.dump)
    from_store = Atlas(pictures.site, None)
    assert from_file.places == from_dump.places == from_store.places and len(from_file.places) > 50
    assert from_file.links == from_dump.links == from_store.links and len(from_file.links) == 50
    assert sum(len(link.documents) for link in from_file.links) > 50
    assert from_file.by_place == from_dump.by_place
