"""``twinned get PATH [--accept TYPE]``: one request to the site, answered in-process
by the app ``twinned serve`` runs (as ``datasette --get`` does), without a server or a
socket: the body goes to stdout, byte for byte; the exit status is 0 for a 2xx or 3xx
answer and 1 otherwise, with the status on stderr. Handy in docs, tests and pipelines::

    twinned get /place/kosice --accept text/turtle
    twinned get '/queries/partners.csv?city=Q25409'

dist/ is built first when it is missing or stale, as ``serve`` does. The app runs with
its lifespan, so ``/sparql`` has its query worker as when served.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, BinaryIO

from twinned.config import Settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

ORIGIN = "http://localhost"  # the app maps whatever address it is asked at onto the base URI
WORKERS = 1  # query workers for /sparql: one request needs one


@dataclass(frozen=True)
class Reply:
    """What the app answered."""

    status: int
    location: str | None
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


def target(path: str) -> str:
    """The request target for PATH: a path (with its query string) on the site."""
    if not path.startswith("/"):
        raise ValueError(f"PATH: a path on the site starting with '/', such as /place/kosice, not {path!r}")
    return path


async def fetch(app: Starlette, path: str, accept: str | None = None) -> Reply:
    """GET ``path`` from ``app`` in-process, its lifespan running (redirects not followed)."""
    import httpx  # (here: the other commands need none of it)

    headers = {"accept": accept} if accept else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            response = await client.get(path, headers=headers)
            return Reply(response.status_code, response.headers.get("location"), response.content)


def _status_line(reply: Reply) -> str:
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = ""
    moved = f" (Location: {reply.location})" if reply.location else ""
    return f"{reply.status} {phrase}".rstrip() + moved


def get(settings: Settings, path: str, accept: str | None, out: BinaryIO, err: Callable[[str], None]) -> int:
    """Answer one request for the current release (built first if stale); the exit status."""
    from twinned.store.release import load_release
    from twinned.web.current import ensure_built
    from twinned.web.server import site_app

    release = load_release(ensure_built(settings))
    app = site_app(settings, release, query_workers=WORKERS)
    reply = asyncio.run(fetch(app, target(path), accept))
    out.write(reply.body)
    out.flush()
    if reply.status >= 300:
        err(f"twinned: GET {path}: {_status_line(reply)}")
    return 0 if reply.ok else 1


def cmd_get(args: argparse.Namespace, settings: Settings) -> int:
    try:
        path = target(args.path)
    except ValueError as exc:
        print(f"twinned: {exc}", file=sys.stderr)
        return 2
    return get(settings, path, args.accept, sys.stdout.buffer, lambda line: print(line, file=sys.stderr))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
               common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("get", help="answer one request to the site in-process and print the body",
                       description="Answer one GET request with the app 'twinned serve' runs, in-process "
                       "(no server, no port), building dist/ first if it is missing or stale. The body is "
                       "written to stdout as it is; the exit status is 0 for a 2xx or 3xx answer, else 1 "
                       "with the status on stderr. See docs/serving.md.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="PATH",
                   help="the path on the site, with its query string: /place/kosice, /queries/partners.csv?city=Q25409")
    p.add_argument("--accept", metavar="TYPE",
                   help="the Accept header (text/turtle, text/html, text/csv, ...; default: */*)")
    common(p)
    p.set_defaults(handler=cmd_get)
