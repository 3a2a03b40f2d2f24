"""The per-release response cache (responsecache.py): what it keeps, what it answers
from memory (200, 304, HEAD), and what always reaches the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.store.release import load_release
from twinned.web.responsecache import ResponseCache, cacheable
from twinned.web.server import create_app

PUBLIC = "public, max-age=60"


class Counting:
    """A tiny app whose routes count how often they really ran."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def count(self, name: str) -> int:
        self.calls[name] = self.calls.get(name, 0) + 1
        return self.calls[name]

    def app(self, **cache: int) -> Starlette:
        async def page(request: Request) -> Response:
            n = self.count("page")
            accept = request.headers.get("accept", "")
            return Response(f"page {n} for {accept}", headers={"ETag": '"page"', "Cache-Control": PUBLIC,
                                                              "Vary": "Accept"})

        async def private(request: Request) -> Response:
            return Response(f"private {self.count('private')}", headers={"ETag": '"p"', "Cache-Control": "no-store"})

        async def untagged(request: Request) -> Response:
            return Response(f"untagged {self.count('untagged')}", headers={"Cache-Control": PUBLIC})

        async def missing(request: Request) -> Response:
            return Response(f"missing {self.count('missing')}", status_code=404,
                            headers={"ETag": '"m"', "Cache-Control": PUBLIC})

        async def big(request: Request) -> Response:
            n = self.count("big")
            return Response(b"x" * 2000 + str(n).encode(), headers={"ETag": f'"big{request.url.path}"',
                                                                    "Cache-Control": PUBLIC})

        async def stream(request: Request) -> StreamingResponse:
            n = self.count("stream")

            async def chunks() -> Iterator[bytes]:  # type: ignore[misc]
                for _ in range(3):
                    yield b"y" * 400
                yield str(n).encode()

            return StreamingResponse(chunks(), headers={"ETag": '"s"', "Cache-Control": PUBLIC})

        return Starlette(routes=[Route("/page", page, methods=["GET", "HEAD"]), Route("/private", private),
                                 Route("/untagged", untagged), Route("/missing", missing),
                                 Route("/big/{n}", big), Route("/stream", stream)],
                         middleware=[Middleware(ResponseCache, **cache)])


@pytest.fixture
def counting() -> Counting:
    return Counting()


def test_a_public_tagged_answer_is_kept_and_served_again(counting: Counting) -> None:
    client = TestClient(counting.app())
    first = client.get("/page", headers={"Accept": "text/html"})
    again = client.get("/page", headers={"Accept": "text/html"})
    assert first.text == again.text == "page 1 for text/html"
    assert dict(first.headers) == dict(again.headers)
    assert counting.calls["page"] == 1


def test_accept_query_string_and_host_are_part_of_the_key(counting: Counting) -> None:
    client = TestClient(counting.app())
    assert client.get("/page", headers={"Accept": "text/html"}).text == "page 1 for text/html"
    assert client.get("/page", headers={"Accept": "text/turtle"}).text == "page 2 for text/turtle"
    assert client.get("/page?x=1", headers={"Accept": "text/html"}).text == "page 3 for text/html"
    assert client.get("/page", headers={"Accept": "text/html", "Host": "other.example"}).text == "page 4 for text/html"
    assert client.get("/page", headers={"Accept": "text/turtle"}).text == "page 2 for text/turtle"
    assert counting.calls["page"] == 4


def test_if_none_match_and_head_are_answered_from_the_cache(counting: Counting) -> None:
    client = TestClient(counting.app())
    client.get("/page")
    not_modified = client.get("/page", headers={"If-None-Match": 'W/"other", "page"'})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == '"page"' and "content-type" not in not_modified.headers
    assert not_modified.headers["cache-control"] == PUBLIC
    changed = client.get("/page", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.text == "page 1 for */*"
    head = client.head("/page")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len("page 1 for */*"))
    assert counting.calls["page"] == 1


def test_what_is_never_kept(counting: Counting) -> None:
    client = TestClient(counting.app(max_entry=1000))
    for path in ("/private", "/untagged", "/missing", "/big/1", "/stream"):
        first, second = client.get(path), client.get(path)
        assert first.text != second.text, path
    assert counting.calls == {"private": 2, "untagged": 2, "missing": 2, "big": 2, "stream": 2}
    assert client.get("/stream").content.startswith(b"y" * 1200)  # passed through whole


def test_requests_that_must_reach_the_app(counting: Counting) -> None:
    client = TestClient(counting.app())
    client.get("/page")
    for headers in ({"Range": "bytes=0-3"}, {"If-Modified-Since": "Tue, 24 Nov 2026 00:00:00 GMT"},
                    {"Cookie": "a=b"}, {"Authorization": "Bearer x"}):
        client.get("/page", headers=headers)
    client.post("/page")  # 405 from the app, never from the cache
    assert counting.calls["page"] == 5


def test_the_least_recently_used_answers_go_first(counting: Counting) -> None:
    client = TestClient(counting.app(max_bytes=5000, max_entry=2100))
    for n in (1, 2):
        client.get(f"/big/{n}")
    client.get("/big/1")  # now the most recently used
    client.get("/big/3")  # 3 × 2001 bytes > 5000: /big/2 goes
    assert counting.calls["big"] == 3
    client.get("/big/1")
    client.get("/big/3")
    assert counting.calls["big"] == 3
    client.get("/big/2")
    assert counting.calls["big"] == 4


def test_headers_added_outside_are_not_kept(counting: Counting) -> None:
    """CORS (outside the cache) adds its headers to every answer once, hit or miss."""
    app = counting.app()
    outer = CORSMiddleware(app, allow_origins=["*"], expose_headers=["ETag"])
    client = TestClient(outer)
    answers = [client.get("/page", headers={"Origin": "https://example.org"}) for _ in range(3)]
    assert counting.calls["page"] == 1
    for r in answers:
        assert r.headers.get_list("access-control-expose-headers") == ["ETag"]
        assert r.headers["access-control-allow-origin"] == "*"


def test_cacheable() -> None:
    assert cacheable(200, [(b"etag", b'"a"'), (b"cache-control", b"public, max-age=1")]) == b'"a"'
    assert cacheable(200, [(b"etag", b'"a"'), (b"cache-control", b"public"), (b"set-cookie", b"x=1")]) is None
    assert cacheable(201, [(b"etag", b'"a"'), (b"cache-control", b"public")]) is None
    assert cacheable(200, [(b"etag", b'"a"'), (b"cache-control", b"private")]) is None


def test_the_site_answers_a_page_again_without_the_store(built: Settings) -> None:
    """In the real app: the second request for a page never reaches the describer."""
    app = create_app(built, load_release(built.output_dir.resolve()), query_workers=1)
    site = app.state.server.site
    calls: list[str] = []
    describe = site.describer.describe

    def counted(iri: str) -> object:
        calls.append(iri)
        return describe(iri)

    site.describer.describe = counted  # type: ignore[method-assign]
    with TestClient(app) as client:
        pages = [client.get("/place/kosice", headers={"Accept": accept})
                 for accept in ("text/html", "text/turtle", "text/html", "text/turtle")]
    assert [p.status_code for p in pages] == [200] * 4
    assert pages[0].content == pages[2].content and pages[1].content == pages[3].content
    assert pages[0].headers["etag"] == pages[2].headers["etag"] != pages[1].headers["etag"]
    assert len([c for c in calls if c.endswith("/place/kosice")]) == 2
