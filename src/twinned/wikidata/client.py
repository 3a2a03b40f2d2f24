"""A polite client of a Wikidata SPARQL endpoint (the Wikidata Query Service by
default, or any SPARQL 1.1 endpoint holding Wikidata-shaped data).

Queries go through SPARQLWrapper (GET, SPARQL JSON results) with a User-Agent that
names twinned, its version and the publisher's contact, as the Wikimedia User-Agent
policy asks. Item ids are sent in ``VALUES`` blocks of at most ``BATCH`` ids. An
answer 429 or 5xx, a timeout or a refused connection is retried a bounded number of
times with exponential backoff, honouring ``Retry-After``; when the endpoint still
fails, ``EndpointError`` says what happened (and the caller writes nothing).
"""

from __future__ import annotations

import http.client
import json
import math
import re
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import NamedTuple

import SPARQLWrapper as sw
from SPARQLWrapper import GET, JSON, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from twinned import __version__
from twinned.errors import TwinnedError

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
ENTITY = "http://www.wikidata.org/entity/"
BATCH = 50
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
QID = re.compile(r"^Q[1-9][0-9]{0,11}$")

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""


class EndpointError(TwinnedError):
    """The SPARQL endpoint could not be reached or did not answer usefully (exit 2)."""


class Term(NamedTuple):
    """One value of a SPARQL JSON result row."""

    value: str
    kind: str  # uri | literal | bnode
    lang: str | None = None


Row = dict[str, Term]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``retries`` more attempts after the first, waiting ``backoff``
    seconds and doubling, or what ``Retry-After`` asks if it is at most ``max_wait``."""

    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 60.0


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def user_agent(contact: str | None = None) -> str:
    who = f"https://w3id.org/twinned/; {contact}" if contact else "https://w3id.org/twinned/"
    return f"twinned/{__version__} ({who}) SPARQLWrapper/{sw.__version__}"


def qid_of(uri: str) -> str | None:
    """``Q123`` for a Wikidata entity URI, None for anything else."""
    if not uri.startswith(ENTITY):
        return None
    qid = uri[len(ENTITY):]
    return qid if QID.match(qid) else None


def values(qids: Iterable[str]) -> str:
    """The body of a VALUES block; only well-formed QIDs are accepted."""
    out = []
    for qid in qids:
        if not QID.match(qid):
            raise ValueError(f"not a QID: {qid!r}")
        out.append(f"wd:{qid}")
    return " ".join(out)


def batches(items: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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


class Endpoint:
    """SELECT queries against one endpoint, with bounded retries."""

    def __init__(self, url: str = WIKIDATA_SPARQL, *, agent: str | None = None,
                 policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.agent = agent or user_agent()
        self.policy = policy
        self.sleep = sleep

    def select(self, query: str) -> list[Row]:
        """The rows of a SELECT query (PREFIXES are added); EndpointError when it fails."""
        text = PREFIXES + query
        attempt = 0
        while True:
            try:
                return self._once(text)
            except _Transient as exc:
                if attempt >= self.policy.retries:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    raise EndpointError(f"the SPARQL endpoint {self.url} failed after {tries}: {exc.reason}; "
                                        "nothing was written") from None
                wait = exc.retry_after if exc.retry_after is not None else self.policy.backoff * 2 ** attempt
                if wait > self.policy.max_wait:
                    raise EndpointError(f"the SPARQL endpoint {self.url} answered {exc.reason} and asks to "
                                        f"wait {wait:g} s (Retry-After), longer than {self.policy.max_wait:g} s; "
                                        "try again later; nothing was written") from None
                self.sleep(wait)
                attempt += 1

    def select_batched(self, template: str, qids: Sequence[str], **more: str) -> list[Row]:
        """Run ``template`` once per batch of ``qids``, filling ``{items}`` with a VALUES body."""
        rows: list[Row] = []
        for batch in batches(sorted(set(qids), key=_qid_number)):
            rows += self.select(template.format(items=values(batch), **more))
        return rows

    def _once(self, query: str) -> list[Row]:
        client = SPARQLWrapper(self.url, agent=self.agent)
        client.setMethod(GET)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, math.ceil(self.policy.timeout)))  # SPARQLWrapper: 0 = no limit
        client.setQuery(query)
        try:
            with closing(client.query().response) as response:
                body = response.read()
        except EndPointInternalError:
            raise _Transient("HTTP 500 (internal server error)") from None
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_STATUSES:
                raise _Transient(f"HTTP {exc.code} ({exc.reason})",
                                 retry_after(exc.headers.get("Retry-After"))) from None
            raise EndpointError(f"the SPARQL endpoint {self.url} answered HTTP {exc.code} ({exc.reason}); "
                                "nothing was written") from None
        except (QueryBadFormed, EndPointNotFound, Unauthorized, URITooLong) as exc:
            raise EndpointError(f"the SPARQL endpoint {self.url} refused the query: "
                                f"{type(exc).__name__}; nothing was written") from None
        except urllib.error.URLError as exc:
            raise _Transient(f"cannot connect ({exc.reason})") from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise _Transient(f"network error ({exc or type(exc).__name__})") from None
        return self._rows(body)

    def _rows(self, body: bytes) -> list[Row]:
        try:
            doc = json.loads(body)
            bindings = doc["results"]["bindings"]
            return [{name: Term(b["value"], b["type"], b.get("xml:lang")) for name, b in row.items()}
                    for row in bindings]
        except (ValueError, KeyError, TypeError):
            raise EndpointError(f"the SPARQL endpoint {self.url} did not answer SPARQL JSON results; "
                                "nothing was written") from None


def _qid_number(qid: str) -> int:
    return int(qid[1:])
