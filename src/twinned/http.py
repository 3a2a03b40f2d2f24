"""The one HTTP client of twinned's outgoing requests (the Wikidata endpoint, external
stores): httpx, made by :func:`client`, sent by :func:`send`.

* **Who asks**: a User-Agent naming twinned, its version, its home page, the publisher's
  contact when there is one (as the Wikimedia User-Agent policy asks) and httpx.
* **Timeouts** on every request; **authentication** through any ``httpx.Auth`` (the
  stores' Basic or Digest, ``store.auth``), so credentials never go into a URL.
* **Connection errors** (refused, reset before the request went out) are retried by
  httpx's own transport (``HTTPTransport(retries=...)``), which retries only those.
* **Answers that say "later"** (429, 502, 503, 504 by default; a caller may name others)
  are retried by :func:`send`, a small loop rather than a library (the rules are four
  lines, and the waits must be exact and testable): up to ``RetryPolicy.retries`` more
  attempts, waiting what ``Retry-After`` asks or else ``backoff`` seconds doubling each
  time, and giving up at once when the server asks for longer than ``max_wait``. With
  ``network=True`` a timeout or a lost connection is retried the same way (for requests
  that may safely be sent again).

What went wrong is raised as :class:`GaveUp` or :class:`WaitTooLong`; each caller turns
them into its own error (``EndpointError``, ``StoreError``) with its own wording.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from twinned import __version__

HOME = "https://w3id.org/twinned/"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
CONNECT_RETRIES = 2  # httpx's transport: a refused or reset connection, tried again at once and after 0.5 s


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``retries`` more attempts after the first, waiting ``backoff``
    seconds and doubling, or what ``Retry-After`` asks if it is at most ``max_wait``;
    ``timeout`` seconds for each attempt."""

    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 60.0


NO_RETRIES = RetryPolicy(retries=0)


class GaveUp(Exception):
    """Every attempt failed: ``reason`` is the last failure ("HTTP 503 (Service
    Unavailable)", "cannot connect (...)"), ``attempts`` how many were made."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} (after {attempts} attempt{'s' if attempts != 1 else ''})")
        self.reason = reason
        self.attempts = attempts


class WaitTooLong(Exception):
    """The server asked (``Retry-After``) to wait ``wait`` seconds, longer than allowed."""

    def __init__(self, reason: str, wait: float, max_wait: float) -> None:
        super().__init__(f"{reason}, asking to wait {wait:g} s (more than {max_wait:g} s)")
        self.reason = reason
        self.wait = wait
        self.max_wait = max_wait


def user_agent(contact: str | None = None) -> str:
    """``twinned/VERSION (https://w3id.org/twinned/; CONTACT) httpx/VERSION``."""
    who = f"{HOME}; {contact}" if contact else HOME
    return f"twinned/{__version__} ({who}) httpx/{httpx.__version__}"


def client(*, timeout: float, auth: httpx.Auth | None = None, agent: str | None = None,
           headers: Mapping[str, str] | None = None, connect_retries: int = CONNECT_RETRIES) -> httpx.Client:
    """A client with twinned's User-Agent, a timeout for every request, ``auth`` answering
    the server's challenges and connection errors retried by the transport."""
    return httpx.Client(auth=auth, timeout=timeout, headers={"User-Agent": agent or user_agent(), **(headers or {})},
                        transport=httpx.HTTPTransport(retries=connect_retries))


def retry_after(header: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def status_reason(response: httpx.Response) -> str:
    return f"HTTP {response.status_code} ({response.reason_phrase})"


def network_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or type(exc).__name__})"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer in time ({type(exc).__name__})"
    return f"network error ({exc or type(exc).__name__})"


def send(session: httpx.Client, request: Callable[[httpx.Client], httpx.Response],
         policy: RetryPolicy = NO_RETRIES, *,
         statuses: frozenset[int] = RETRY_STATUSES, network: bool = False,
         sleep: Callable[[float], None] = time.sleep) -> httpx.Response:
    """``request(session)`` until it gives an answer that is not one of ``statuses`` (any other
    answer, an error too, is returned), retried as ``policy`` says; GaveUp when no attempt
    succeeded, WaitTooLong when the server asks for a longer wait than ``policy.max_wait``.
    Without ``network``, a transport error (after the transport's own retries) propagates."""
    attempt = 0
    while True:
        wait: float | None = None
        try:
            response = request(session)
        except httpx.TransportError as exc:
            if not network:
                raise
            reason = network_reason(exc)
        else:
            if response.status_code not in statuses:
                return response
            reason = status_reason(response)
            wait = retry_after(response.headers.get("Retry-After"))
            response.close()
        if attempt >= policy.retries:
            raise GaveUp(reason, attempt + 1)
        if wait is None:
            wait = min(policy.backoff * 2 ** attempt, policy.max_wait)
        elif wait > policy.max_wait:
            raise WaitTooLong(reason, wait, policy.max_wait)
        sleep(wait)
        attempt += 1
