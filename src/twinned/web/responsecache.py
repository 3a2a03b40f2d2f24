"""Whole responses of one release, kept in memory (an ASGI middleware).

A release never changes, so neither does what the server answers for it: the same
URL asked with the same ``Accept`` (and ``Host`` and scheme, which a proxy may set)
gets the same bytes. ``ResponseCache`` keeps the complete ``200`` answers to ``GET``
requests that carry an ``ETag`` and a ``public`` ``Cache-Control`` (resource pages in
every format, the landing page, canned query and SPARQL answers), the most recently
used first, up to ``max_bytes`` in all and ``max_entry`` each (bigger answers, and
streamed ones such as the dumps, pass through). A later ``GET`` or ``HEAD`` is
answered from it without touching the store or the templates; an ``If-None-Match``
naming the ETag gets a ``304`` with the same headers. It runs on the event loop alone
(no locks).

Each release's app has its own cache, so a reload (reloading.py) starts an empty one and
no answer of the old release is served after the swap. Requests with ``Range``,
``If-Modified-Since`` (which only files answer), ``Cookie`` or ``Authorization`` always
reach the app.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BYTES = 64_000_000
MAX_ENTRY = 1_000_000
_BYPASS = {b"range", b"if-modified-since", b"authorization", b"cookie"}
_KEYED = (b"accept", b"host")
_NOT_IN_304 = {b"content-type", b"content-length", b"content-encoding"}


@dataclass(frozen=True, slots=True)
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes

    @property
    def not_modified_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in self.headers if k not in _NOT_IN_304]


def _etag_matches(header: bytes, etag: bytes) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2)."""
    if header.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(t.strip().removeprefix(b"W/") == bare for t in header.split(b","))


def cacheable(status: int, headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The ETag of a response worth keeping, or None."""
    if status != 200:
        return None
    etag = control = None
    for k, v in headers:
        if k == b"etag":
            etag = v
        elif k == b"cache-control":
            control = v
        elif k == b"set-cookie":
            return None
    if etag is None or control is None or b"public" not in control or b"no-store" in control:
        return None
    return etag


class ResponseCache:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BYTES, max_entry: int = MAX_ENTRY) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._entries: OrderedDict[tuple[bytes, ...], Entry] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        keyed: dict[bytes, bytes] = {}
        if_none_match: bytes | None = None
        for name, value in scope["headers"]:
            if name in _BYPASS:
                await self.app(scope, receive, send)
                return
            if name == b"if-none-match":
                if_none_match = value
            elif name in _KEYED:
                keyed[name] = value
        key = (scope["path"].encode("utf-8"), scope.get("query_string", b""), keyed.get(b"accept", b""),
               keyed.get(b"host", b""), scope.get("scheme", "http").encode())
        entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            await self._answer(entry, scope["method"], if_none_match, send)
            return
        self.misses += 1
        if scope["method"] == "HEAD" or if_none_match is not None:
            await self.app(scope, receive, send)  # nothing to keep: no body, or perhaps a 304
            return
        await self._fill(key, scope, receive, send)

    async def _answer(self, entry: Entry, method: str, if_none_match: bytes | None, send: Send) -> None:
        if if_none_match is not None and _etag_matches(if_none_match, entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": entry.not_modified_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else entry.body})

    async def _fill(self, key: tuple[bytes, ...], scope: Scope, receive: Receive, send: Send) -> None:
        start: tuple[int, list[tuple[bytes, bytes]]] | None = None
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":  # a copy: outer middleware adds to it
                start = (message["status"], [(bytes(k), bytes(v)) for k, v in message.get("headers", [])])
            elif message["type"] == "http.response.body" and keep:
                body = message.get("body", b"")
                size += len(body)
                if size > self.max_entry:
                    keep, chunks[:] = False, []
                else:
                    chunks.append(body)
                if not message.get("more_body", False) and keep and start is not None:
                    self._store(key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key: tuple[bytes, ...], start: tuple[int, list[tuple[bytes, bytes]]], body: bytes) -> None:
        status, headers = start
        etag = cacheable(status, headers)
        if etag is None:
            return
        if key in self._entries:
            return
        self._entries[key] = Entry(headers, body, etag)
        self._bytes += len(body)
        while self._bytes > self.max_bytes and self._entries:
            _old_key, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)
