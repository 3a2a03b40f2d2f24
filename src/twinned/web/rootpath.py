"""Serving under a path prefix (``twinned serve --root-path /twinned``), behind a reverse
proxy that publishes the server at ``https://example.org/twinned/``.

The app itself always works at ``/``: this outermost middleware takes the prefix off
the request path (a proxy may strip it or pass it on; both work) and puts it on what the
app answers with: the ``Location``, ``Content-Location`` and ``Link`` headers, and the
root-relative links (``href``, ``src``, ``action``) of HTML and SVG bodies, moved the
way the static export moves them (``relink``, which the static export uses too). The scripts find the
prefix from their own address; the OpenAPI description's ``servers`` and the SPARQL
service description read the setting.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LINK_TARGET = re.compile(r"<(/(?!/))")
_REWRITTEN = (b"text/html", b"image/svg+xml")
_ROOT_RELATIVE = re.compile(rb'(\s(?:href|src|action)=")/(?!/)')


def relink(html: bytes, prefix: str) -> bytes:
    """Move a page's root-relative links (``href``, ``src``, ``action``) under ``prefix``.
    Attribute values are always double-quoted by the templates, and a ``"`` in text or
    in the embedded JSON-LD is escaped, so only real attributes match."""
    return _ROOT_RELATIVE.sub(lambda m: m.group(1) + prefix.encode("utf-8") + b"/", html) if prefix else html


def strip(path: str, root: str) -> str:
    """The app's path of a request path, with or without the prefix."""
    if path == root:
        return "/"
    return path[len(root):] if path.startswith(root + "/") else path


def _header(name: bytes, value: bytes, root: str) -> bytes:
    text = value.decode("latin-1")
    if name in (b"location", b"content-location") and text.startswith("/") and not text.startswith("//"):
        text = root + text
    elif name == b"link":
        text = _LINK_TARGET.sub(lambda m: "<" + root + m.group(1), text)
    return text.encode("latin-1")


class RootPath:
    """ASGI middleware: the app at ``/`` served under ``root`` (see the module's docstring)."""

    def __init__(self, app: ASGIApp, root: str) -> None:
        self.app = app
        self.root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.root:
            await self.app(scope, receive, send)
            return
        path = strip(scope["path"], self.root)
        raw = scope.get("raw_path")
        if raw is not None:  # the undecoded path loses the same prefix (a prefix has no escapes)
            raw = strip(raw.decode("latin-1"), self.root).encode("latin-1")
        scope = {**scope, "path": path, "raw_path": raw}
        await self.app(scope, receive, _Sender(send, self.root, scope["method"] == "HEAD"))


class _Sender:
    """Rewrites one response on its way out; buffers only HTML and SVG bodies."""

    def __init__(self, send: Send, root: str, head: bool) -> None:
        self.send, self.root, self.head = send, root, head
        self.start: MutableMapping[str, Any] | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, _header(k.lower(), v, self.root)) for k, v in message["headers"]]
            kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            message = {**message, "headers": headers}
            if kind.startswith(_REWRITTEN) and message["status"] != 304:
                self.start = message  # sent with the body, whose length changes
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"" if self.head else relink(b"".join(self.chunks), self.root)
            headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
            if not self.head:
                headers.append((b"content-length", str(len(body)).encode("ascii")))
            await self.send({**self.start, "headers": headers})
            message = {"type": "http.response.body", "body": body, "more_body": False}
        await self.send(message)
