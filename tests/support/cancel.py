"""Clients that give up: raw requests sent on their own sockets and abandoned, and waiting
for the server's log to say it stopped the query (the cancellation tests)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlencode

from tests.support.live_server import LiveServer

GAVE_UP = "stopped a query its client gave up on"


def request_bytes(server: LiveServer, method: str, path: str, form: dict[str, str] | None = None) -> bytes:
    body = urlencode(form).encode("ascii") if form else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Accept: application/sparql-results+json\r\n")
    if form:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode("ascii") + body


def abandon(server: LiveServer, requests: list[bytes], after: float = 0.5) -> None:
    """Send each request on its own raw socket, and hang up ``after`` seconds later."""
    sockets = []
    for request in requests:
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(request)
        sockets.append(s)
    time.sleep(after)
    for s in sockets:
        s.close()


def wait_for_log(server: LiveServer, text: str, count: int, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = server.log_text()
        if log.count(text) >= count:
            return log
        time.sleep(0.05)
    return server.log_text()
