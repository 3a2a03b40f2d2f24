"""The pictures in a real browser: Debian's headless Chromium, driven by Playwright,
against ``twinned serve`` on loopback. Maps, timelines, the network and the query
editor render and respond; every request the browser makes stays on this machine.
Screenshots of the landing page, a place page, the network and the editor are
written to test-artifacts/ (open them to see what a person sees)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.paths import ROOT
from twinned.config import Settings
from twinned.store.release import LoadedRelease

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
BASE = "https://w3id.org/twinned/"
PREFIXES = ("PREFIX tw: <https://w3id.org/twinned/def/>\n"
            "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

sync_api.expect.set_options(timeout=10_000)
# Outside CI a machine without Chromium skips these; in CI (.ci/run installs it) a missing
# browser is a failure, never a silent skip.
pytestmark = [pytest.mark.slow,  # a real Chromium
              pytest.mark.skipif(not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
                                 reason="no chromium: apt-get install chromium (.ci/run does)")]


# -- the server and the browser -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(built: Settings) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "twinned.cli", "serve", "--project", str(built.project_dir),
         "--port", str(port), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "twinned serve exited"
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "twinned serve did not become ready"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: sync_api.Browser, server: str) -> Iterator[sync_api.Page]:
    """A page that records every request and every error (a script's, a refused load, a
    Content-Security-Policy violation); both are checked after the test: nothing leaves
    loopback, nothing fails."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(f"{m.text} ({m.location.get('url')})")
            if m.type == "error" and not expected(m) else None)
    try:
        yield page
    finally:
        context.close()
    assert requests, "the test made no request"
    for url in requests:
        parts = urlsplit(url.removeprefix("blob:"))
        assert parts.hostname in LOOPBACK, f"a request left this machine: {url}"
    assert errors == []


def expected(message: sync_api.ConsoleMessage) -> bool:
    """The browser's own favicon request, and the 400 of the editor's bad query."""
    url = str(message.location.get("url", ""))
    return url.endswith("/favicon.ico") or (url.endswith("/sparql") and "status of 400" in message.text)


def count(release: LoadedRelease, where: str, what: str) -> int:
    [row] = list(release.store.query(f"{PREFIXES}SELECT (COUNT(DISTINCT {what}) AS ?n) WHERE {{ {where} }}"))
    return int(row["n"].value)  # type: ignore[union-attr]


def partners_on_the_map(release: LoadedRelease, place: str) -> int:
    me = f"<{BASE}place/{place}>"
    return count(release, f"?p a tw:Partnership ; tw:party {me}, ?o . FILTER(?o != {me}) "
                          "?o geo:lat ?lat ; geo:long ?long", "?o")


def screenshot(page: sync_api.Page, name: str, height: int | None = None) -> None:
    """The page (its top ``height`` pixels) as test-artifacts/name."""
    ARTIFACTS.mkdir(exist_ok=True)
    clip = {"x": 0, "y": 0, "width": 1200, "height": height} if height else None
    page.screenshot(path=str(ARTIFACTS / name), full_page=True, clip=clip)  # type: ignore[arg-type]


# -- the pages ------------------------------------------------------------------------------------

def test_the_landing_page_shows_the_map_and_the_chart(page: sync_api.Page, release: LoadedRelease) -> None:
    page.goto("/")
    svg = page.locator("svg.map")
    sync_api.expect(svg).to_be_visible()
    places = count(release, "?p a tw:Partnership ; tw:party ?o . ?o geo:lat ?lat ; geo:long ?long", "?o")
    sync_api.expect(svg.locator("a.marker")).to_have_count(places)
    sync_api.expect(svg.locator("a.marker.publisher")).to_have_count(2)
    years = count(release, "?d a tw:Document ; tw:firstSigned ?date . BIND(SUBSTR(STR(?date), 1, 4) AS ?y)", "?y")
    sync_api.expect(page.locator("svg.chart a.bar")).to_have_count(years)
    assert svg.bounding_box()["width"] > 900  # type: ignore[index]
    page.locator("svg.map a.marker.publisher").first.hover()
    sync_api.expect(page.locator("#map-figure .tip")).to_contain_text("partners")
    screenshot(page, "landing.png", height=1900)


@pytest.mark.parametrize(("place", "partners"), [("kosice", 22), ("kaunas", 28)])
def test_a_place_page_shows_map_timeline_and_network(page: sync_api.Page, release: LoadedRelease, server: str,
                                                     place: str, partners: int) -> None:
    page.goto(f"/place/{place}")
    on_map = partners_on_the_map(release, place)
    assert 0 < on_map <= partners
    sync_api.expect(page.locator("svg.map a.marker.partner")).to_have_count(on_map)
    sync_api.expect(page.locator("svg.map a.marker.focus")).to_have_count(1)
    sync_api.expect(page.locator("#map-figure details.as-table tbody tr")).to_have_count(partners)
    dated = count(release, f"?p tw:party <{BASE}place/{place}> ; tw:document ?d . ?d tw:firstSigned ?date", "?d")
    sync_api.expect(page.locator("svg.timeline a.event")).to_have_count(dated)
    network = page.locator(".network-view")
    sync_api.expect(network).to_have_attribute("data-state", "ready")
    around = httpx.get(f"{server}/network.json", params={"focus": f"/place/{place}"}).json()
    assert network.get_attribute("data-nodes") == str(len(around["nodes"])) and len(around["nodes"]) > partners
    if place == "kosice":
        screenshot(page, "place-kosice.png", height=2100)


def test_the_network_around_a_place_is_cut_from_the_whole_network(page: sync_api.Page, server: str) -> None:
    """A static copy of the site answers /network.json?focus=... with the whole network."""
    whole = httpx.get(f"{server}/network.json").text
    page.route("**/network.json?focus=*", lambda route: route.fulfill(body=whole, content_type="application/json"))
    around = httpx.get(f"{server}/network.json", params={"focus": "/place/kosice"}).json()
    page.goto("/place/kosice")
    view = page.locator(".network-view")
    sync_api.expect(view).to_have_attribute("data-state", "ready")
    assert view.get_attribute("data-nodes") == str(len(around["nodes"]))
    assert view.get_attribute("data-edges") == str(len(around["edges"]))


def test_a_click_on_a_marker_opens_the_partners_page(page: sync_api.Page) -> None:
    page.goto("/place/kosice")
    marker = page.locator('svg.map a.marker.partner[href="/place/mobile"]')
    marker.focus()  # from the keyboard
    sync_api.expect(page.locator("#map-figure .tip")).to_contain_text("Mobile, United States")
    page.keyboard.press("Escape")
    marker.hover()
    sync_api.expect(page.locator("#map-figure .tip")).to_have_text("Mobile, United States: cooperation or "
                                                                   "other agreement, since 1991-04-12")
    marker.click()
    page.wait_for_url("**/place/mobile")
    sync_api.expect(page.locator("h1")).to_have_text("Mobile")


def test_the_map_zooms_and_keeps_its_points_the_same_size(page: sync_api.Page) -> None:
    page.goto("/place/kaunas")
    circle = page.locator('svg.map a.marker.focus circle')
    before = circle.bounding_box()
    page.get_by_role("button", name="Zoom in").first.click()
    after = circle.bounding_box()
    assert before and after and abs(before["width"] - after["width"]) < 1
    assert page.locator("svg.map").get_attribute("viewBox") != "0 0 1000 300"


def test_the_network_filters_searches_and_opens_a_page(page: sync_api.Page, release: LoadedRelease) -> None:
    page.goto("/network")
    view = page.locator(".network-view")
    sync_api.expect(view).to_have_attribute("data-state", "ready")
    places = count(release, "?p a tw:Partnership ; tw:party ?o", "?o")
    assert view.get_attribute("data-nodes") == str(places)
    assert view.get_attribute("data-edges") == str(count(release, "?p a tw:Partnership", "?p"))
    page.locator("select.network-country").select_option("SK")
    slovak_and_partners = count(release, "?p tw:party ?o, ?x . ?o tw:country <" + BASE + "country/sk>", "?x")
    sync_api.expect(view).to_have_attribute("data-nodes", str(slovak_and_partners))
    sync_api.expect(view).to_have_attribute("data-state", "ready")
    assert page.url.endswith("/network?country=SK")
    sync_api.expect(page.locator("section#places h2")).to_contain_text("Places in Slovakia")
    screenshot(page, "network.png")
    search = page.locator("input.network-search")
    search.fill("kauna")
    sync_api.expect(page.locator("ul.matches a")).to_have_text(["Kaunas"])
    search.press("Enter")
    sync_api.expect(view).to_have_attribute("data-selected", "/place/kaunas")
    sync_api.expect(page.locator(".network-info a").first).to_have_text("Kaunas")
    sync_api.expect(view).to_have_attribute("data-state", "ready")
    page.locator("canvas.network-canvas").click()  # the middle, where the place found now is
    page.wait_for_url("**/place/kaunas")


def test_the_query_editor_runs_a_query_and_shows_rows(page: sync_api.Page, release: LoadedRelease) -> None:
    page.goto("/editor")
    sync_api.expect(page.locator(".editor.highlighted pre .kw").first).to_have_text("PREFIX")
    page.locator("#editor-example").select_option("partners")
    results = page.locator("#editor-results")
    sync_api.expect(results).to_have_attribute("data-state", "shown")
    sync_api.expect(results.locator("tbody tr")).to_have_count(28)  # Kaunas's partners, the example
    sync_api.expect(results.locator('tbody a[href="/place/kosice"]')).to_have_count(0)
    assert results.locator('tbody a[href^="/partnership/"]').count() == 28
    screenshot(page, "editor.png", height=1800)
    query = "SELECT ?place WHERE { ?place a <https://w3id.org/twinned/def/AdministrativeBody> } ORDER BY ?place"
    page.locator("#editor-query").fill(query)
    page.locator("#editor-query").press("Control+Enter")
    places = count(release, "?p a tw:AdministrativeBody", "?p")
    sync_api.expect(results.locator("tbody tr")).to_have_count(places)
    sync_api.expect(page.locator(".editor-summary")).to_contain_text(f"{places} rows")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "twinned-results.csv"
    text = Path(download.path()).read_text("utf-8")
    assert text.splitlines()[0] == "place" and len(text.splitlines()) == places + 1
    page.locator("#editor-query").fill("SELECT * WHERE { ?s ?p }")
    page.get_by_role("button", name="Run").click()
    sync_api.expect(page.locator(".editor-status.error")).to_contain_text("could not be parsed")
    page.locator("#editor-query").fill(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 8")
    page.get_by_role("button", name="Run").click()
    sync_api.expect(results.locator("tbody tr")).to_have_count(8)
    sync_api.expect(page.locator("#editor-example")).to_have_value("")
