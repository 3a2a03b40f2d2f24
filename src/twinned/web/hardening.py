"""Hardening of the public server: request limits and security headers, in one ASGI
middleware in front of every route (see docs/threat-model.md).

Before any route runs, a request is refused when

- its URL (path and query string) is longer than ``MAX_URL_BYTES``: **414**
  (long SPARQL queries go in a POST body);
- it declares a body longer than ``MAX_BODY_BYTES``: **413** (a body sent without a
  length is cut off at the same size where one is read, by the SPARQL endpoint);
- its path, once percent-decoded, holds a control character (NUL, CR, LF ...): **400**.

Every response gets ``SECURITY_HEADERS``: a Content-Security-Policy that lets a page
load only this site's own scripts, styles and images and submit forms only to it (the
``<script type="application/ld+json">`` blocks the pages embed are data, never run, so
no ``'unsafe-inline'`` is needed), may not be framed, and ``nosniff`` and
``no-referrer``. Refusals use the server's one error shape (``Server.problem``).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twinned import httperrors as he

MAX_URL_BYTES = 8192
MAX_BODY_BYTES = 1_000_000
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refusal(scope: Scope) -> he.HTTPProblem | None:
    """Why the request is refused before routing, or None."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    if len(raw_path) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
        return he.URITooLong(f"A URL may be at most {MAX_URL_BYTES} bytes long. "
                             "Send a long SPARQL query with POST.")
    if _CONTROL.search(scope["path"]):
        return he.BadRequest("The path holds a control character.")
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            return he.PayloadTooLarge(f"A request body may hold at most {MAX_BODY_BYTES} bytes.")
    return None


class Hardening:
    """The middleware: refuse what ``refusal`` names, add the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in _RAW_HEADERS if k not in present)]
            await send(message)

        problem = refusal(scope)
        if problem is None:
            await self.app(scope, receive, send_hardened)
            return
        request = Request(scope, receive)
        response = scope["app"].state.server.problem(request, problem)
        await response(scope, receive, send_hardened)
