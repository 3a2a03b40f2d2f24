"""Served under a path prefix (issue 15): ``twinned serve --root-path /twinned`` behind a
reverse proxy at ``/twinned/``. Every link, Content-Location, Link header, redirect, the
OpenAPI ``servers``, the service description, the editor's endpoint and the static export
carry the prefix: in-process, behind a real nginx, and in Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from tests.support.live_server import free_port, live_server
from tests.support.nginx import nginx_command
from twinned.config import Settings, load_settings
from twinned.errors import InputError
from twinned.store.release import load_release
from twinned.web.rootpath import strip
from twinned.web.server import site_app
from twinned.web.static_export import export_static

ROOT = "/twinned"
ATTRIBUTE = re.compile(r'\s(?:href|src|action)="(/[^"]*)"')
PAGES = ["/", "/place/kaunas", "/partnership/kaunas--tampere", "/sparql", "/editor", "/queries", "/network",
         "/partnership/kaunas--tampere/document/twinning-agreement-1997", "/def/", "/wikidata-diff"]


def links(html: str) -> list[str]:
    return ATTRIBUTE.findall(html)


def unprefixed(html: str) -> list[str]:
    return [href for href in links(html) if not (href == ROOT or href.startswith(ROOT + "/"))]


@pytest.fixture(scope="module")
def rooted(built: Settings) -> Settings:
    return replace(built, root_path=ROOT)


@pytest.fixture(scope="module")
def client(rooted: Settings) -> Iterator[TestClient]:
    with TestClient(site_app(rooted, load_release(rooted.output_dir.resolve()), query_workers=1)) as c:
        yield c


def test_the_setting_comes_from_flags_environment_and_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path, env={}, root_path="/twinned").root_path == "/twinned"
    assert load_settings(tmp_path, env={"TWINNED_ROOT_PATH": "/a/b"}).root_path == "/a/b"
    (tmp_path / "twinned.toml").write_text('[twinned]\nroot_path = "/x"\n')
    assert load_settings(tmp_path, env={}).root_path == "/x"
    for bad in ("twinned", "/twinned/", "/a//b", "/a b"):
        with pytest.raises(InputError):
            load_settings(tmp_path, env={}, root_path=bad)


def test_strip_takes_the_prefix_off_only_a_whole_segment() -> None:
    assert strip("/twinned/place/kaunas", ROOT) == "/place/kaunas"
    assert strip("/twinned", ROOT) == "/"
    assert strip("/place/kaunas", ROOT) == "/place/kaunas"  # a proxy that strips it first
    assert strip("/twinnedx/a", ROOT) == "/twinnedx/a"


@pytest.mark.parametrize("path", PAGES)
def test_every_link_of_every_page_carries_the_prefix(client: TestClient, path: str) -> None:
    for requested in (ROOT + path, path):  # with the prefix kept by the proxy, or stripped
        r = client.get(requested, headers={"Accept": "text/html"})
        assert r.status_code == 200, (requested, r.status_code)
        assert links(r.text) and unprefixed(r.text) == [], requested
        assert int(r.headers["content-length"]) == len(r.content)


def test_headers_and_redirects_carry_the_prefix(client: TestClient) -> None:
    r = client.get(f"{ROOT}/place/kaunas", headers={"Accept": "text/turtle"})
    assert r.headers["content-location"] == f"{ROOT}/place/kaunas.ttl"
    targets = re.findall(r"<([^>]*)>", r.headers["link"])
    assert targets and all(t.startswith(ROOT + "/") or "://" in t for t in targets)
    q = client.get(f"{ROOT}/queries/partners", headers={"Accept": "text/csv"})
    assert q.status_code == 200 and q.headers["content-location"].startswith(f"{ROOT}/queries/partners.csv")
    redirect = client.get(f"{ROOT}/def", follow_redirects=False)
    assert redirect.status_code in (301, 303) and redirect.headers["location"] == f"{ROOT}/def/"


def test_openapi_servers_and_the_service_description(client: TestClient) -> None:
    assert client.get(f"{ROOT}/openapi.json").json()["servers"] == [{"url": f"{ROOT}/"}]
    sd = client.get(f"{ROOT}/sparql", headers={"Accept": "text/turtle"}).text
    assert f"<http://testserver{ROOT}/sparql>" in sd


def test_queries_dumps_and_sparql_answer_under_the_prefix(client: TestClient) -> None:
    assert client.get(f"{ROOT}/dumps/twinned.nt").content.startswith(b"<")
    assert client.get(f"{ROOT}/queries/partners.json").json()
    ask = client.post(f"{ROOT}/sparql", data={"query": "ASK { <place/kaunas> ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"})
    assert ask.json()["boolean"] is True


@pytest.mark.slow  # a whole static export
def test_the_static_export_takes_the_root_path(rooted: Settings, tmp_path: Path) -> None:
    exported = export_static(replace(rooted, root_path="/sites/twin"), load_release(rooted.output_dir.resolve()),
                             tmp_path / "site")
    assert exported.prefix == "/sites/twin"
    page = (tmp_path / "site" / "place" / "kaunas.html").read_text("utf-8")
    assert links(page) and all(h.startswith("/sites/twin/") for h in links(page))


# -- behind a real reverse proxy -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proxied(built: Settings) -> Iterator[str]:
    """``twinned serve --root-path /twinned`` behind nginx, which publishes it at /twinned/
    (and strips the prefix, as such proxies usually do)."""
    work = Path(tempfile.mkdtemp(prefix="twinned-proxy-"))
    with live_server(built.project_dir, "--dist", str(built.output_dir), "--root-path", ROOT) as server:
        port = free_port()
        command = nginx_command(work, f"""
    server {{
        listen 127.0.0.1:{port};
        location {ROOT}/ {{
            proxy_pass http://127.0.0.1:{server.port}/;
            proxy_set_header Host $host:$server_port;
        }}
    }}""")
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}{ROOT}"
            deadline = time.monotonic() + 15
            while True:
                try:
                    if httpx.get(url + "/", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow  # a real nginx in front of a real server
def test_pages_dumps_queries_and_sparql_through_the_proxy(proxied: str) -> None:
    for path in ("/", "/place/kaunas", "/editor", "/queries"):
        r = httpx.get(proxied + path, headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == 200 and links(r.text) and unprefixed(r.text) == [], path
        for href in links(r.text)[:12]:  # the links lead somewhere through the proxy
            target = httpx.get(proxied.removesuffix(ROOT) + href, timeout=30, follow_redirects=True)
            assert target.status_code == 200 and target.url.path.startswith(ROOT + "/"), href
    assert httpx.get(proxied + "/dumps/twinned.ttl", timeout=30).status_code == 200
    assert httpx.get(proxied + "/queries/partners.csv", timeout=30).text.startswith("city,")
    r = httpx.post(proxied + "/sparql", content=b"CONSTRUCT { <s> <p> 1 } WHERE {}", timeout=30,
                   headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
    assert r.status_code == 200 and "<https://w3id.org/twinned/s>" in r.text
    redirect = httpx.get(proxied + "/def", follow_redirects=False, timeout=30)
    assert redirect.headers["location"] == f"{ROOT}/def/"


@pytest.mark.slow  # a real Chromium through a real nginx
def test_the_editor_and_the_network_in_chromium_through_the_proxy(proxied: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium: .ci/run installs it")
        pytest.skip("no chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            failed: list[str] = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.on("pageerror", lambda e: failed.append(str(e)))
            page.goto(proxied + "/editor")
            page.locator("#editor-example").select_option("partners")
            results = page.locator("#editor-results")
            sync_api.expect(results).to_have_attribute("data-state", "shown", timeout=20_000)
            sync_api.expect(results.locator("tbody tr")).to_have_count(28)
            assert results.locator(f'tbody a[href^="{ROOT}/partnership/"]').count() == 28
            assert results.locator('tbody a[href^="/partnership/"]').count() == 0
            page.goto(proxied + "/network")
            view = page.locator(".network-view")
            sync_api.expect(view).to_have_attribute("data-state", re.compile("running|ready"), timeout=20_000)
            page.locator(".network-search").fill("Tampere")
            sync_api.expect(page.locator(f'ul.matches a[href="{ROOT}/place/tampere"]')).to_have_count(1)
            assert failed == []
        finally:
            browser.close()


def test_escaped_paths_answer_as_without_the_prefix(client: TestClient) -> None:
    for path in ("/queries/partners%2Ejson", "/place/ko%C5%A1ice", "/place/kaunas%2Fx"):
        with_prefix, without = client.get(ROOT + path), client.get(path)
        assert (with_prefix.status_code, with_prefix.headers["content-type"]) == (
            without.status_code, without.headers["content-type"]), path
