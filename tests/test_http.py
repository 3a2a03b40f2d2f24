"""twinned.http, the one HTTP client: a real local server on a free port answers in turn
(503 with Retry-After, 502, 201 ...); the retries, their waits, their bound, and a Graph
Store push asked again after "later"."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from twinned import __version__
from twinned import http as th
from twinned.store.external import StoreError, push_release


@dataclass
class Stub:
    answers: list[tuple[int, dict[str, str]]]
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # method, user agent, body length
    url: str = ""


@contextmanager
def stub(*answers: tuple[int, dict[str, str]]) -> Iterator[Stub]:
    """A server answering ``answers`` in turn (the last one again and again)."""
    s = Stub(list(answers))

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            s.seen.append((self.command, self.headers.get("User-Agent", ""), length))
            status, headers = s.answers[min(len(s.seen), len(s.answers)) - 1]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_PUT = do_POST = do_HEAD = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.url = f"http://127.0.0.1:{server.server_address[1]}/store"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield s
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def get(url: str, policy: th.RetryPolicy, waits: list[float], statuses: frozenset[int] = th.RETRY_STATUSES,
        network: bool = False) -> httpx.Response:
    with th.client(timeout=5) as c:
        return th.send(c, lambda c: c.get(url), policy, statuses=statuses, network=network, sleep=waits.append)


def test_retry_after_then_backoff_then_an_answer() -> None:
    waits: list[float] = []
    with stub((503, {"Retry-After": "3"}), (502, {}), (200, {})) as s:
        response = get(s.url, th.RetryPolicy(retries=3, backoff=0.5), waits)
    assert response.status_code == 200 and len(s.seen) == 3
    assert waits == [3.0, 1.0]  # what the server asked, then the backoff of the second retry


def test_retries_are_bounded() -> None:
    waits: list[float] = []
    with stub((504, {})) as s:
        with pytest.raises(th.GaveUp, match=r"HTTP 504 \(Gateway Timeout\) \(after 3 attempts\)") as e:
            get(s.url, th.RetryPolicy(retries=2, backoff=1), waits)
    assert e.value.attempts == 3 and len(s.seen) == 3 and waits == [1.0, 2.0]


def test_a_refusal_is_returned_at_once() -> None:
    with stub((403, {})) as s:
        assert get(s.url, th.RetryPolicy(), []).status_code == 403
    assert len(s.seen) == 1


def test_a_long_retry_after_gives_up_at_once() -> None:
    with stub((429, {"Retry-After": "3600"})) as s:
        with pytest.raises(th.WaitTooLong, match="3600 s"):
            get(s.url, th.RetryPolicy(max_wait=60), [])
    assert len(s.seen) == 1


def test_only_the_named_statuses_are_retried() -> None:
    with stub((500, {}), (200, {})) as s:
        assert get(s.url, th.RetryPolicy(), []).status_code == 500
        assert get(s.url, th.RetryPolicy(), [], statuses=frozenset({500})).status_code == 200


@pytest.mark.slow  # (httpx's own connect retries wait seconds)
def test_a_refused_connection_is_an_error_or_a_retry() -> None:
    with stub((200, {})) as s:
        url = s.url  # the port is free again once the server is gone
    with pytest.raises(httpx.ConnectError):
        get(url, th.RetryPolicy(), [])
    waits: list[float] = []
    with pytest.raises(th.GaveUp, match=r"cannot connect .*after 2 attempts"):
        get(url, th.RetryPolicy(retries=1, backoff=0.25), waits, network=True)
    assert waits == [0.25]


def test_the_user_agent_names_twinned_and_the_contact() -> None:
    agent = th.user_agent("data@example.org")
    assert agent == f"twinned/{__version__} (https://w3id.org/twinned/; data@example.org) httpx/{httpx.__version__}"
    with stub((200, {})) as s:
        get(s.url, th.RetryPolicy(), [])
    assert s.seen[0][1] == th.user_agent()


def release(tmp_path: Path) -> Path:
    (tmp_path / "twinned.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "ontology.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    return tmp_path


def test_a_push_is_sent_again_after_a_busy_answer(tmp_path: Path) -> None:
    waits: list[float] = []
    with stub((503, {"Retry-After": "1"}), (201, {})) as s:
        lines = push_release(release(tmp_path), "https://example.org/", s.url, sleep=waits.append)
    assert [m for m, _, _ in s.seen] == ["PUT", "PUT", "PUT"] and waits == [1.0]
    assert all(n == 26 for _, _, n in s.seen)  # the whole file each time
    assert lines[0].startswith("PUT twinned.nt into the default graph: 201")


def test_an_append_is_not_sent_again_after_a_bad_gateway(tmp_path: Path) -> None:
    with stub((502, {})) as s:
        with pytest.raises(StoreError, match="502"):
            push_release(release(tmp_path), "https://example.org/", s.url, append=True, sleep=lambda _s: None)
    assert [m for m, _, _ in s.seen] == ["POST"]


def test_a_push_gives_up_after_its_bounded_attempts(tmp_path: Path) -> None:
    waits: list[float] = []
    with stub((503, {})) as s:
        with pytest.raises(StoreError, match=r"HTTP 503 .*after 4 attempts"):
            push_release(release(tmp_path), "https://example.org/", s.url, sleep=waits.append)
    assert len(s.seen) == 4 and waits == [2.0, 4.0, 8.0]
