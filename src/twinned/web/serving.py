"""What the request handlers share of the server, as types every web module can import
without importing the server: :class:`Serving` (the settings, the release, the site,
the pictures, the query pool, and how a response is made), :class:`ServesQueries` (the
query pool the server starts and stops), and the conditional-request rules (ETag,
If-None-Match, If-Modified-Since). ``server.Server`` is the one implementation; a
handler finds it at ``request.app.state.server`` (:func:`server_of`)."""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from twinned.config import Settings
from twinned.store.release import LoadedRelease
from twinned.web.pages import Site
from twinned.web.pictures import Pictures
from twinned.web.querypool import RunsQueries

RESOURCE_CACHE = "public, max-age=300"
QUERY_CACHE = "public, max-age=60"


class ServesQueries(RunsQueries, Protocol):
    """The server's query pool: a QueryPool of worker processes, or external.RemoteQueryPool."""

    size: int

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def wait_ready(self, timeout: float = ...) -> int: ...

    @property
    def ready_workers(self) -> int: ...


class Serving(Protocol):
    """What a handler needs of the server (``server.Server``)."""

    settings: Settings
    release: LoadedRelease
    site: Site
    pictures: Pictures
    pool: ServesQueries

    def represent(self, request: Request, body: bytes, content_type: str, *, status: int = 200,
                  headers: dict[str, str] | None = None, cache: str = RESOURCE_CACHE) -> Response: ...

    def render(self, template: str, **context: Any) -> bytes: ...


def server_of(request: Request) -> Serving:
    """The server behind a request's app."""
    server: Serving = request.app.state.server
    return server


# -- conditional requests -------------------------------------------------------------------------

def etag_for(release: LoadedRelease, content_type: str, body: bytes) -> str:
    """A strong ETag from the release id, the media type and the bytes."""
    h = hashlib.sha256(f"{release.version}\n{content_type}\n".encode())
    h.update(body)
    return f'"{h.hexdigest()[:32]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag.removeprefix("W/") in tags


def not_modified_since(request: Request, mtime: float) -> bool:
    if "if-none-match" in request.headers:
        return False
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return int(mtime) <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False
