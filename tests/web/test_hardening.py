"""The hardening middleware (hardening.py), in-process: request limits answered in the
one error shape, security headers on every response, and pages that keep to their own
Content-Security-Policy (no inline script or style, scripts only from this site)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.store.release import load_release
from twinned.web.hardening import MAX_BODY_BYTES, MAX_URL_BYTES, SECURITY_HEADERS
from twinned.web.server import site_app


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    app = site_app(built, load_release(built.output_dir.resolve()))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def error(response: object) -> dict[str, object]:
    doc: dict[str, dict[str, object]] = json.loads(response.text)  # type: ignore[attr-defined]
    return doc["error"]


@pytest.mark.parametrize(("path", "headers"), [
    ("/", {"Accept": "text/html"}),
    ("/place/kosice", {"Accept": "text/turtle"}),
    ("/dumps/twinned.nt", {}),
    ("/static/twinned.css", {}),
    ("/sparql?query=ASK%7B%7D", {}),
    ("/queries/partners.csv", {}),
    ("/nowhere", {}),
    ("/nowhere", {"Accept": "text/html"}),
])
def test_every_response_carries_the_security_headers(client: TestClient, path: str,
                                                     headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "script-src 'self'" in csp


def test_a_304_and_a_preflight_carry_them_too(client: TestClient) -> None:
    etag = client.get("/place/kosice.ttl").headers["etag"]
    assert client.get("/place/kosice.ttl", headers={"If-None-Match": etag}).headers["x-frame-options"] == "DENY"
    pre = client.options("/sparql", headers={"Origin": "https://example.org",
                                             "Access-Control-Request-Method": "POST"})
    assert pre.headers["x-content-type-options"] == "nosniff"


def test_a_long_url_is_414(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {} #" + "x" * MAX_URL_BYTES})
    assert response.status_code == 414
    assert error(response)["title"] == "URI Too Long"
    assert response.headers["content-security-policy"]
    assert client.get("/place/" + "a" * (MAX_URL_BYTES + 1)).status_code == 414


def test_a_declared_body_over_the_limit_is_413_on_any_route(client: TestClient) -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    for path in ("/sparql", "/place/kosice"):
        response = client.post(path, content=body, headers={"Content-Type": "application/sparql-query"})
        assert response.status_code == 413, path
        assert error(response)["status"] == 413


@pytest.mark.parametrize("path", ["/%00", "/place/kosice%00.ttl", "/place/kosice%0d%0aSet-Cookie:%20x=1",
                                  "/static/%0a", "/queries/partners%09"])
def test_a_control_character_in_the_path_is_400(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "set-cookie" not in response.headers


# -- pages and their Content-Security-Policy ----------------------------------------------------------

class Inline(HTMLParser):
    """What a page holds that its CSP would block: inline scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and "src" not in a and a.get("type") not in ("application/ld+json",
                                                                         "application/json"):
            self.problems.append(f"inline <script type={a.get('type')!r}>")
        if tag == "script" and "src" in a and not (a["src"] or "").startswith("/"):
            self.problems.append(f"script from elsewhere: {a['src']}")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{tag} {name}={value!r}")
            if name == "href" and value and value.startswith("javascript:"):
                self.problems.append(f"javascript: link {value!r}")
        if tag == "a" and a.get("href", "").startswith("/") and not a["href"].startswith("//"):
            self.links.add(a["href"].split("#")[0])


def test_pages_keep_to_their_content_security_policy(client: TestClient) -> None:
    """The landing page and every page it links to: JSON-LD is a data block (allowed),
    anything executable or styled inline is not."""
    landing = Inline()
    landing.feed(client.get("/", headers={"Accept": "text/html"}).text)
    pages = sorted(landing.links)
    assert len(pages) > 10
    pages = pages[:: max(1, len(pages) // 40)]  # a spread of at most about 40 pages
    problems = [f"/: {p}" for p in landing.problems]
    for path in [*pages, "/sparql", "/queries", "/nowhere"]:
        response = client.get(path, headers={"Accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page = Inline()
        page.feed(response.text)
        problems += [f"{path}: {p}" for p in page.problems]
    assert problems == []
    place = client.get("/place/kosice", headers={"Accept": "text/html"}).text
    assert '<script type="application/ld+json">' in place  # data, which script-src does not govern
