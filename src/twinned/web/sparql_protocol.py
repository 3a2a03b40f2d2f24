"""The SPARQL 1.1 Protocol endpoint's request handling: reading GET, URL-encoded
POST and direct POST requests, the service description, and stopping a query whose
client disconnects before its answer is ready (``while_connected``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request

from twinned import httperrors as he
from twinned.queries.sparql import ONTOLOGY_GRAPH, QueryRequest, QueryResult
from twinned.web.querypool import RunsQueries

log = logging.getLogger("twinned.sparql")

STOP_GRACE = 5.0  # seconds a handler waits for a query it cancelled to let its worker go
MAX_QUERY_BYTES = 1_000_000
T = TypeVar("T")


class ClientGone(he.HTTPProblem):
    """The client closed its connection before its answer was ready. The problem is
    never seen: the server drops what is sent on a closed connection."""

    status = 499  # nginx's "Client Closed Request"
    title = "Client Closed Request"


async def _disconnect(request: Request) -> bool:
    """True when the client disconnects: what is left of the body (nothing after
    ``read_request``; a GET's one empty ``http.request``) is skipped, and the next
    ``receive`` waits for ``http.disconnect``. False at once when the server cannot tell
    (its ``receive`` answers again after the body's end without waiting, as an in-process
    caller's may)."""
    ended = False
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return True
        if ended:
            return False
        ended = not message.get("more_body", False)


def _saw_disconnect(watcher: asyncio.Future[bool]) -> bool:
    if not watcher.done() or watcher.cancelled():
        return False
    return watcher.exception() is None and watcher.result()  # (an error: nothing to watch)


async def while_connected(request: Request, work: Awaitable[T]) -> T:
    """``work``'s result, unless the client disconnects first: then ``work`` is cancelled
    (a pool's query stops and its worker is replaced), that is logged, and ClientGone is
    raised so that nothing more is done for the request."""
    started = time.monotonic()
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # this handler was cancelled itself (the server is stopping)
        task.cancel()
        watcher.cancel()
        raise
    gone = _saw_disconnect(watcher)
    if task.done() or not gone:  # answered (or failed), or the server cannot tell
        watcher.cancel()
        return await task
    task.cancel()
    await asyncio.wait({task}, timeout=STOP_GRACE)  # its worker is killed, a new one starting
    if task.done() and not task.cancelled():
        task.exception()  # (retrieved: the client is not there to be told)
    log.info("stopped a query its client gave up on after %.1f s", time.monotonic() - started)
    raise ClientGone("The client closed the connection before the answer was ready.")


async def run_while_connected(pool: RunsQueries, req: QueryRequest, request: Request) -> QueryResult:
    """``pool.run(req)``, stopped when the client of ``request`` disconnects first."""
    return await while_connected(request, pool.run(req))


# -- the service description ---------------------------------------------------------------------

def service_description(endpoint: str, base: str, max_rows: int, timeout: float) -> str:
    """SPARQL 1.1 Service Description of the endpoint, in Turtle."""
    formats = "\n".join(
        f"    sd:resultFormat <{iri}> ;" for iri in (
            "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
            "http://www.w3.org/ns/formats/SPARQL_Results_XML",
            "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
            "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
            "http://www.w3.org/ns/formats/Turtle",
            "http://www.w3.org/ns/formats/JSON-LD",
            "http://www.w3.org/ns/formats/N-Triples",
            "http://www.w3.org/ns/formats/RDF_XML",
        )
    )
    comment = (f"Read-only. SERVICE, LOAD and SPARQL Update are refused. Queries stop after {timeout:g} s; "
               f"results are capped at {max_rows} rows (truncation is signalled by the header "
               "X-Twinned-Truncated: true).")
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
{formats}
    rdfs:comment "{comment}"@en ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:dataDump <{base}dumps/twinned.nt> ] ;
        sd:namedGraph [ a sd:NamedGraph ; sd:name <{ONTOLOGY_GRAPH}> ;
                        sd:graph [ a sd:Graph ; void:dataDump <{base}ontology.ttl> ] ] ,
                      [ a sd:NamedGraph ; sd:name <{base}catalog> ;
                        sd:graph [ a sd:Graph ; void:dataDump <{base}catalog.ttl> ] ]
    ] .
"""


# -- reading a protocol request ------------------------------------------------------------------

@dataclass(frozen=True)
class ProtocolRequest:
    """What a SPARQL Protocol request asks for (the query may be absent: a bare GET)."""

    query: str | None
    formats: tuple[str, ...] = ()  # ``format`` parameters, in order
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_QUERY_BYTES:
        raise he.PayloadTooLarge(f"A request body may hold at most {MAX_QUERY_BYTES} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            raise he.PayloadTooLarge(f"A request body may hold at most {MAX_QUERY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise he.BadRequest("The request body is not UTF-8.") from None


def _graph_iris(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    """The graph IRIs of a ``default-graph-uri`` or ``named-graph-uri`` parameter (names of
    graphs in the store: nothing is fetched)."""
    iris = tuple(v for k, v in params if k == name)
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise he.BadRequest(f"{name} must be an absolute IRI, not {iri[:200]!r}.") from None
    return iris


async def read_request(request: Request) -> ProtocolRequest:
    """Read GET, URL-encoded POST or direct POST (SPARQL 1.1 Protocol §2.1)."""
    params = list(request.query_params.multi_items())
    queries: list[str] = []
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            params += parse_qsl(_text(await _body(request)), keep_blank_values=True)
        elif media == "application/sparql-query":
            queries.append(_text(await _body(request)))
        elif media == "application/sparql-update":
            raise he.QueryRefused("This endpoint is read-only: SPARQL Update is not accepted.")
        else:
            raise he.UnsupportedMediaType(
                "POST a query as application/x-www-form-urlencoded (query=...) or as "
                f"application/sparql-query, not {media or 'a body without a Content-Type'}."
            )
    if any(key == "update" for key, _ in params):
        raise he.QueryRefused("This endpoint is read-only: SPARQL Update is not accepted.")
    queries += [value for key, value in params if key == "query"]
    if len(queries) > 1:
        raise he.BadRequest("Give exactly one query (the request holds several).")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        formats=tuple(value for key, value in params if key == "format" and value),
        default_graphs=_graph_iris(params, "default-graph-uri"),
        named_graphs=_graph_iris(params, "named-graph-uri"),
    )
