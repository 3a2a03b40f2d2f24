"""The SPARQL 1.1 Protocol endpoint: reading requests, refusing what a public
read-only endpoint must not run, and running queries under a time limit and a row cap.

Queries run in a pool of worker *processes*, each opening the release's store
read-only. pyoxigraph cannot interrupt a query from another
thread, so a query that runs past the limit is stopped by killing its worker, which
is then replaced; the server and the other workers keep serving meanwhile. A query
whose client disconnects before the answer is ready is stopped the same way
(``run_while_connected``). The canned queries (``queries_api``) run in the same
workers (``CannedRequest``), under the same time limit.

The default graph holds the data; the ontology is the named graph
``<https://w3id.org/twinned/def/>`` and the DCAT/VoID catalogue the named graph
``<BASE/catalog>``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import re
import signal
import time
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request

from twinned import httperrors as he
from twinned.build.releasestore import STORE_DIR, hold
from twinned.queries import canned as q
from twinned.rdf.negotiation import ASK_OFFERS, FORMATS, GRAPH_OFFERS, SELECT_OFFERS, Format
from twinned.rdf.vocab import TW
from twinned.rdf.writers import write_boolean, write_graph, write_solutions

log = logging.getLogger("twinned.sparql")

ONTOLOGY_GRAPH = str(TW)
CATALOG_FILE = "catalog.nt"
DEFAULT_WORKERS = 2
STARTUP_GRACE = 30.0  # seconds a request may wait for a worker that is (re)starting
STOP_GRACE = 5.0  # seconds a handler waits for a query it cancelled to let its worker go
MAX_QUERY_BYTES = 1_000_000
WORKER_MEMORY = 2 << 30  # bytes of address space a query worker may use (RLIMIT_AS)
MAX_RESULT_BYTES = 64 << 20  # a serialised result larger than this is refused

QueryForm = str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
OFFERS: dict[QueryForm, tuple[Format, ...]] = {
    "SELECT": SELECT_OFFERS, "ASK": ASK_OFFERS, "CONSTRUCT": GRAPH_OFFERS, "DESCRIBE": GRAPH_OFFERS,
}

# -- looking at the query text ---------------------------------------------------------------

_STRING = "|".join((
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n\r]|\\.)*"',
    r"'(?:[^'\\\n\r]|\\.)*'",
))
_TOKENS = re.compile(
    r"(?P<space>\s+)|(?P<comment>#[^\n\r]*)|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    rf"|(?P<string>{_STRING})|(?P<var>[?$][\w\u00b7-\uffff]+)|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<word>[\w\u00b7-\uffff][\w\-.:%\\\u00b7-\uffff]*|:[\w\-.:%\\\u00b7-\uffff]*)|(?P<other>.)",
    re.S,
)
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                             "ADD", "MOVE", "COPY", "WITH"})
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# A '<' read as an IRI start may be a less-than in an expression; the text it would
# hide can then hold ") ... SERVICE?var" (an IRI cannot hold spaces, '{' or '<').
_HIDDEN_SERVICE = re.compile(r"\).*service[?$]", re.I | re.S)


def keywords(query: str) -> list[str]:
    """The bare words of a query in order (upper-cased), outside strings, IRIs and
    comments; prefixed names (``ex:service``) and variables are not bare words."""
    out = []
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "word" and ":" not in m.group():
            out.append(m.group().upper())
    return out


def _hides_service(query: str) -> bool:
    return any(m.lastgroup == "iri" and _HIDDEN_SERVICE.search(m.group())
               for m in _TOKENS.finditer(query))


def strip_comments(query: str) -> str:
    """The query without its comments (the tokens read them; IRIs holding '#' stay)."""
    return "".join(m.group() for m in _TOKENS.finditer(query) if m.lastgroup != "comment")


def bind_values(query: str, values: Mapping[ox.Variable, Any] | None) -> str:
    """The query with variables bound by a ``VALUES`` block at the start of its WHERE
    clause (its first group when it has no WHERE keyword), written from RDF terms: the
    values of canned-query parameters, never text a client sent."""
    if not values:
        return query
    names = " ".join(f"?{v.value}" for v in values)
    row = " ".join(str(t) for t in values.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    seen_where, first_brace = False, None
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "word" and m.group().upper() == "WHERE":
            seen_where = True
        elif m.lastgroup == "other" and m.group() == "{":
            if seen_where:
                return query[:m.end()] + block + query[m.end():]
            if first_brace is None:
                first_brace = m.end()
    if first_brace is None:
        raise he.QuerySyntaxError("The query has no group pattern to bind its parameters in.")
    return query[:first_brace] + block + query[first_brace:]


def check_query(query: str) -> QueryForm:
    """The query's form; raise QueryRefused for an update, SERVICE or LOAD."""
    words = keywords(query)
    updates = [w for w in words if w in UPDATE_KEYWORDS]
    if updates:
        raise he.QueryRefused(
            f"This endpoint is read-only: SPARQL Update ({updates[0]}) is not accepted"
            + (", and LOAD would make the server fetch a URL." if "LOAD" in updates else ".")
        )
    if "SERVICE" in words or _hides_service(query):
        raise he.QueryRefused(
            "SERVICE (federated query) is disabled: this endpoint does not fetch other URLs. "
            "Download the other data and query it where both are loaded."
        )
    for w in words:
        if w in QUERY_FORMS:
            return w
    raise he.QuerySyntaxError("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")


# -- running a query (in a worker) ------------------------------------------------------------------

_BY_NAME = {f.name: f for f in FORMATS}


@dataclass(frozen=True)
class QueryRequest:
    query: str
    format: str  # a Format name
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the data's base)


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    format: str
    form: QueryForm
    count: int
    truncated: bool
    elapsed: float = 0.0


def _graph_args(req: QueryRequest) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if req.base_iri:
        args["base_iri"] = req.base_iri
    if req.default_graphs:
        args["default_graph"] = [ox.NamedNode(g) for g in req.default_graphs]
    if req.named_graphs:
        args["named_graphs"] = [ox.NamedNode(g) for g in req.named_graphs]
    return args


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    out: list[Any] = []
    for item in items:
        if len(out) == limit:
            return out, True
        out.append(item)
    return out, False


def execute(store: ox.Store, req: QueryRequest) -> QueryResult:
    """Run one query and serialise its result (at most ``max_rows`` rows or triples)."""
    fmt = _BY_NAME[req.format]
    started = time.perf_counter()
    try:
        result = store.query(req.query, **_graph_args(req))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, truncated = _take((tuple(s[n] for n in names) for s in result), req.max_rows)
            body = write_solutions(names, rows, fmt, truncated)
            form, count = "SELECT", len(rows)
        elif isinstance(result, ox.QueryBoolean):
            body, form, count, truncated = write_boolean(bool(result), fmt), "ASK", 1, False
        else:
            triples, truncated = _take(result, req.max_rows)
            body, form, count = write_graph(triples, fmt), "CONSTRUCT", len(triples)
    except SyntaxError as exc:
        raise he.QuerySyntaxError(f"The query could not be parsed: {exc}") from None
    except (OSError, ValueError) as exc:
        raise he.BadRequest(f"The query failed: {exc}") from None
    if len(body) > MAX_RESULT_BYTES:
        raise he.QueryTooLarge(f"The result is larger than {MAX_RESULT_BYTES >> 20} MiB. "
                               "Select fewer or shorter values, or add a LIMIT.")
    return QueryResult(body, fmt.name, form, count, truncated, time.perf_counter() - started)


@dataclass(frozen=True)
class CannedRequest:
    """A canned query for a worker: ``queries.run`` then ``queries.write``, the code that
    runs it in-process (``twinned query``), so the answer is the same bytes. ``format``
    names one of ``queries.SELECT_FORMATS`` or ``CONSTRUCT_FORMATS``; None asks for the
    result itself (rows or triples, for a page the server renders)."""

    binding: q.Binding
    format: str | None
    max_rows: int
    base: str


@dataclass(frozen=True)
class CannedAnswer:
    body: bytes | None  # the written answer (None when the result itself was asked for)
    result: q.Result | None  # the rows or triples (pyoxigraph terms pickle), when asked for
    truncated: bool
    elapsed: float = 0.0


CANNED_FORMATS = {f.name: f for f in (*q.SELECT_FORMATS, *q.CONSTRUCT_FORMATS)}


def execute_canned(store: ox.Store, req: CannedRequest) -> CannedAnswer:
    """Run one canned query and write its answer (in a worker)."""
    started = time.perf_counter()
    result = q.run(store, req.binding, req.max_rows)
    if req.format is None:
        return CannedAnswer(None, result, result.truncated, time.perf_counter() - started)
    body = q.write(result, req.binding, CANNED_FORMATS[req.format], req.base)
    return CannedAnswer(body, None, result.truncated, time.perf_counter() - started)


def load_store(directory: Path, base: str) -> ox.Store:
    """The release as the workers see it: data in the default graph, the ontology and
    the catalogue (when built) in their named graphs. Its store opened read-only (a
    release built before releases held a store: its dump loaded in memory)."""
    if (directory / STORE_DIR).is_dir():
        hold(directory)  # for the worker's life: builds leave the release alone meanwhile
        return ox.Store.read_only(str(directory / STORE_DIR))
    store = ox.Store()
    store.bulk_load(path=str(directory / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(directory / "ontology.ttl"), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    add_catalog(store, directory, base)
    return store


def add_catalog(store: ox.Store, directory: Path, base: str) -> None:
    """Load the DCAT/VoID catalogue into the named graph <BASE/catalog>, if it was built."""
    path = directory / CATALOG_FILE
    if path.exists():
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(base + "catalog"))


def _problem(exc: he.HTTPProblem) -> tuple[str, str, str]:
    return ("problem", type(exc).__name__, exc.detail)


def _limit_memory(limit: int) -> None:
    """Cap the worker's address space: a query that needs more dies (the allocation fails
    and aborts the process) instead of exhausting the machine's memory."""
    try:
        import resource
    except ImportError:  # not on POSIX: the time limit alone applies
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(directory: str, base: str, conn: Connection) -> None:
    """A worker process: load the store, then answer QueryRequests and CannedRequests
    until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    _limit_memory(WORKER_MEMORY)
    try:
        store = load_store(Path(directory), base)
    except OSError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready",))
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = execute_canned(store, req) if isinstance(req, CannedRequest) else execute(store, req)
            conn.send(("ok", answer))
        except he.HTTPProblem as exc:
            conn.send(_problem(exc))
        except Exception as exc:
            conn.send(("problem", "WorkerFailed", f"The query failed in its worker ({type(exc).__name__})."))


# -- the pool (in the server) ---------------------------------------------------------------------

@dataclass(eq=False)
class Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection

    def stop(self) -> None:
        # kill first: the worker's end of the pipe closes with it, so a thread still
        # reading this end (a cancelled query's recv) sees EOF and ends, before the
        # descriptor is closed here and its number can be reused
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


async def _readable(conn: Connection, timeout: float) -> bool:
    """Whether the pipe has something to read (a reply, or EOF: the worker died) within
    ``timeout`` seconds. Waits in the event loop, not in a thread, so a wait that is
    cancelled (its client gave up) leaves nothing behind."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()
    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    try:
        loop.add_reader(fd, wake)
    except NotImplementedError:  # an event loop that cannot watch pipes (Windows' proactor)
        return await asyncio.to_thread(conn.poll, timeout)
    try:
        async with asyncio.timeout(timeout):
            await ready
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)  # uvloop's watcher leaves the pipe non-blocking: recv would fail (EAGAIN)


def _death(worker: Worker, exc: BaseException) -> he.HTTPProblem:
    """Why a worker died during a query: an aborted allocation is the memory cap."""
    worker.process.join(1)
    if worker.process.exitcode == -signal.SIGABRT:
        return he.QueryTooLarge(f"The query needed more than the {WORKER_MEMORY >> 20} MiB of memory a "
                                "query may use and was stopped. Narrow its patterns or add a LIMIT.")
    return he.WorkerFailed(f"The query worker stopped unexpectedly ({exc or 'no answer'}).")


@dataclass(eq=False)
class QueryPool:
    """Worker processes that each hold the store; one query at a time per worker."""

    directory: Path
    base: str
    size: int = DEFAULT_WORKERS
    timeout: float = 10.0
    _idle: asyncio.Queue[Worker] | None = None
    _workers: set[Worker] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _closed: bool = False

    async def start(self) -> None:
        """Start the workers in the background (they load the store in parallel)."""
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._spawn_soon()

    def _spawn_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._spawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _spawn(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=worker_main, args=(str(self.directory), self.base, child),
                              name="twinned-query-worker", daemon=True)
        try:
            await asyncio.to_thread(process.start)
        except (OSError, RuntimeError) as exc:
            log.error("could not start a query worker: %s", exc)
            parent.close()
            return
        finally:
            child.close()
        worker = Worker(process, parent)
        self._workers.add(worker)
        try:
            ready = await _readable(parent, STARTUP_GRACE)
            message = parent.recv() if ready else ("failed", "did not start in time")
        except (EOFError, OSError) as exc:
            message = ("failed", str(exc))
        if message[0] != "ready" or self._closed:
            if message[0] != "ready":
                log.error("query worker failed to start: %s", message[1])
            self._retire(worker)
            return
        assert self._idle is not None
        self._idle.put_nowait(worker)

    def _retire(self, worker: Worker) -> None:
        self._workers.discard(worker)
        worker.stop()

    def _replace(self, worker: Worker) -> None:
        self._retire(worker)
        if not self._closed:
            self._spawn_soon()

    async def _checkout(self, deadline: float) -> Worker:
        """An idle worker, waiting for one no later than ``deadline`` (the query's own time
        limit counts the wait: a query never waits past it); then 503 with Retry-After."""
        assert self._idle is not None, "QueryPool.start() was not called"
        if not self._workers and not self._tasks:
            raise he.ServiceUnavailable("No query worker could be started; see the server log.")
        try:
            # (asyncio.timeout, not wait_for: a cancelled wait must raise, never hand back
            # a worker nobody will use, and Queue.get gives none away when cancelled)
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline - time.monotonic()):
                return await self._idle.get()
        except TimeoutError:
            raise he.ServiceUnavailable(
                f"Every query worker stayed busy (or was starting) for the whole time limit of "
                f"{self.timeout:g} s; try again in a moment.",
                headers={"Retry-After": str(max(1, math.ceil(self.timeout)))},
            ) from None

    async def run(self, req: QueryRequest) -> QueryResult:
        """Run a query in a worker; stop it (and replace the worker) at the time limit."""
        result: QueryResult = await self._call(req, "Narrow its patterns, avoid cartesian products, "
                                                    "or add a LIMIT.")
        return result

    async def run_canned(self, req: CannedRequest) -> CannedAnswer:
        """Run a canned query in a worker, under the same time limit."""
        answer: CannedAnswer = await self._call(req, "Try narrower parameter values.")
        return answer

    async def _call(self, req: QueryRequest | CannedRequest, advice: str) -> Any:
        """Send a request to a worker and wait for its reply. A worker that does not reply
        in time, dies, or whose caller is cancelled (its client gave up) is killed and
        replaced: the ``finally`` runs on CancelledError too."""
        started = time.monotonic()
        deadline = started + self.timeout  # the time limit counts the wait for a worker
        worker = await self._checkout(deadline)
        waited = time.monotonic() - started
        healthy = False
        try:
            worker.conn.send(req)
            if not await _readable(worker.conn, max(deadline - time.monotonic(), 0.0)):
                queued = f" (of which {waited:.1f} s waiting for a worker)" if waited >= 0.1 else ""
                raise he.QueryTimeout(
                    f"The query ran longer than the limit of {self.timeout:g} s{queued} and was stopped. "
                    f"{advice}"
                )
            reply = await asyncio.to_thread(worker.conn.recv)
            healthy = True
        except (EOFError, OSError) as exc:
            raise _death(worker, exc) from None
        finally:
            if healthy:
                self._idle.put_nowait(worker)  # type: ignore[union-attr]
            else:
                self._replace(worker)
        if reply[0] == "problem":
            raise getattr(he, reply[1])(reply[2])
        return reply[1]

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # they stop watching their pipes
        for worker in list(self._workers):
            self._retire(worker)

    async def wait_ready(self, timeout: float = STARTUP_GRACE) -> int:
        """Wait until every worker has loaded the store or failed to; the number ready."""
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.ready_workers

    @property
    def ready_workers(self) -> int:
        return self._idle.qsize() if self._idle is not None else 0

    @property
    def started(self) -> bool:
        """Whether start() was called (an app run without its lifespan has no workers)."""
        return self._idle is not None and not self._closed


# -- stopping what a client gave up on -----------------------------------------------------------

T = TypeVar("T")


class RunsQueries(Protocol):
    """A QueryPool, or external.RemoteQueryPool."""

    async def run(self, req: QueryRequest) -> QueryResult: ...


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
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
{formats}
    rdfs:comment "Read-only. SERVICE, LOAD and SPARQL Update are refused. Queries stop after {timeout:g} s; results are capped at {max_rows} rows (truncation is signalled by the header X-Twinned-Truncated: true)."@en ;
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
