"""A polite client of a Wikidata SPARQL endpoint (the Wikidata Query Service by
default, or any SPARQL 1.1 endpoint holding Wikidata-shaped data).

Queries are sent with GET and answered as SPARQL JSON results, through twinned's one
HTTP client (``twinned.http``: httpx) with a User-Agent that names twinned, its version
and the publisher's contact, as the Wikimedia User-Agent policy asks. Item ids are sent
in ``VALUES`` blocks of at most ``BATCH`` ids. An answer 429 or 5xx, a timeout or a
refused connection is retried a bounded number of times with exponential backoff,
honouring ``Retry-After``; when the endpoint still fails, ``EndpointError`` says what
happened (and the caller writes nothing).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

import httpx

from twinned import http
from twinned.errors import TwinnedError
from twinned.http import RetryPolicy, user_agent

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
ENTITY = "http://www.wikidata.org/entity/"
BATCH = 50
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REFUSALS = frozenset({400, 401, 404, 414})  # the query or the address is wrong: said so, not retried
ACCEPT = "application/sparql-results+json"
DEFAULT_POLICY = RetryPolicy()
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


class Endpoint:
    """SELECT queries against one endpoint, with bounded retries."""

    def __init__(self, url: str = WIKIDATA_SPARQL, *, agent: str | None = None,
                 policy: RetryPolicy = DEFAULT_POLICY, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.agent = agent or user_agent()
        self.policy = policy
        self.sleep = sleep

    def select(self, query: str) -> list[Row]:
        """The rows of a SELECT query (PREFIXES are added); EndpointError when it fails."""
        params = {"query": PREFIXES + query}
        try:
            with http.client(timeout=self.policy.timeout, agent=self.agent, headers={"Accept": ACCEPT}) as client:
                response = http.send(client, lambda c: c.get(self.url, params=params), self.policy,
                                     statuses=RETRY_STATUSES, network=True, sleep=self.sleep)
                return self._answer(response)
        except http.GaveUp as exc:
            tries = f"{exc.attempts} attempt{'s' if exc.attempts > 1 else ''}"
            raise EndpointError(f"the SPARQL endpoint {self.url} failed after {tries}: {exc.reason}; "
                                "nothing was written") from None
        except http.WaitTooLong as exc:
            raise EndpointError(f"the SPARQL endpoint {self.url} answered {exc.reason} and asks to "
                                f"wait {exc.wait:g} s (Retry-After), longer than {exc.max_wait:g} s; "
                                "try again later; nothing was written") from None

    def select_batched(self, template: str, qids: Sequence[str], **more: str) -> list[Row]:
        """Run ``template`` once per batch of ``qids``, filling ``{items}`` with a VALUES body."""
        rows: list[Row] = []
        for batch in batches(sorted(set(qids), key=_qid_number)):
            rows += self.select(template.format(items=values(batch), **more))
        return rows

    def _answer(self, response: httpx.Response) -> list[Row]:
        if response.status_code in REFUSALS:
            raise EndpointError(f"the SPARQL endpoint {self.url} refused the query: "
                                f"{http.status_reason(response)}; nothing was written")
        if response.is_error:
            raise EndpointError(f"the SPARQL endpoint {self.url} answered {http.status_reason(response)}; "
                                "nothing was written")
        return self._rows(response.content)

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
