"""The SPARQL 1.1 Protocol endpoint (``/sparql``): reading GET, URL-encoded POST and
direct POST requests, refusing what a read-only endpoint must not run, the service
description, the query's answer in the negotiated format (or as a page), and stopping a
query whose client disconnects before its answer is ready (``while_connected``)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from twinned import httperrors as he
from twinned.queries.sparql import OFFERS, ONTOLOGY_GRAPH, QueryRequest, QueryResult, check_query
from twinned.rdf.negotiation import HTML, RDF_FORMATS, TURTLE, Format, by_name, negotiate
from twinned.rdf.writers import write_graph
from twinned.web.querypool import RunsQueries
from twinned.web.serving import QUERY_CACHE, Serving, server_of

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


# -- the endpoint ----------------------------------------------------------------------------------------

def pick(names: Sequence[str], accept: str | None, offers: Sequence[Format], what: str) -> Format:
    """The first ``format`` parameter naming an offer, else the Accept header's choice."""
    named = [f for f in (by_name(n, offers) for n in names) if f is not None]
    fmt = named[0] if named else None if names else negotiate(accept, offers)
    if fmt is None:
        raise he.NotAcceptable([f.media_type for f in offers], what)
    return fmt


async def sparql(request: Request) -> Response:
    server = server_of(request)
    proto = await read_request(request)
    accept = request.headers.get("accept")
    if proto.query is None:
        if request.method == "POST":
            raise he.BadRequest("No query: send query=... (form) or an application/sparql-query body.")
        fmt = pick(proto.formats, accept, (HTML, *RDF_FORMATS), "the SPARQL endpoint")
        return sparql_description(request, server, fmt)
    form = check_query(proto.query)
    fmt = pick(proto.formats, accept, (*OFFERS[form], HTML), f"a {form} query")
    run_as = fmt if fmt is not HTML else OFFERS[form][0]
    result = await run_while_connected(server.pool, QueryRequest(  # (stopped if the client disconnects first)
        proto.query, run_as.name, server.settings.max_rows, proto.default_graphs, proto.named_graphs,
        server.settings.base_uri), request)
    headers = {"Vary": "Accept", "X-Twinned-Row-Limit": str(server.settings.max_rows),
               "X-Twinned-Truncated": "true" if result.truncated else "false"}
    cache = QUERY_CACHE if request.method in ("GET", "HEAD") else "no-store"
    if fmt is HTML:
        body = server.render("sparql.html", query=proto.query, result=result,
                             table=results_table(result), max_rows=server.settings.max_rows)
        return server.represent(request, body, HTML.content_type, headers=headers, cache=cache)
    return server.represent(request, result.body, fmt.content_type, headers=headers, cache=cache)


def results_table(result: QueryResult) -> dict[str, Any] | None:
    if result.form == "SELECT":
        data = json.loads(result.body)
        return {"vars": data["head"]["vars"], "rows": data["results"]["bindings"]}
    if result.form == "ASK":
        return {"boolean": json.loads(result.body)["boolean"]}
    return {"text": result.body.decode("utf-8")}


def sparql_description(request: Request, server: Serving, fmt: Format) -> Response:
    s = server.settings
    headers = {"Vary": "Accept"}
    if fmt is HTML:
        body = server.render("sparql.html", query=None, result=None, table=None, max_rows=s.max_rows)
        return server.represent(request, body, HTML.content_type, headers=headers)
    text = service_description(str(request.url.replace(path=s.root_path + request.url.path, query="")),
                               s.base_uri, s.max_rows,
                               s.query_timeout)
    body = text.encode("utf-8") if fmt is TURTLE else write_graph(
        [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)], fmt)
    return server.represent(request, body, fmt.content_type, headers=headers)
