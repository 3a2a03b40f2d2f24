"""The pool of query worker processes that runs SPARQL and canned queries for the
server, each worker holding the release's store opened read-only.

pyoxigraph cannot interrupt a query from another thread, so a query that runs past the
limit is stopped by killing its worker, which is then replaced; the server and the other
workers keep serving meanwhile. A query whose client disconnects before the answer is
ready is stopped the same way (``sparql_protocol.run_while_connected``). The canned
queries (``queries_api``) run in the same workers (``CannedRequest``), under the same
time limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from twinned import httperrors as he
from twinned.queries.results import CannedAnswer, CannedRequest, execute_canned
from twinned.queries.sparql import QueryRequest, QueryResult, execute, load_store

log = logging.getLogger("twinned.sparql")

DEFAULT_WORKERS = 2
STARTUP_GRACE = 30.0  # seconds a request may wait for a worker that is (re)starting
WORKER_MEMORY = 2 << 30  # bytes of address space a query worker may use (RLIMIT_AS)


class RunsQueries(Protocol):
    """What the server needs of a query pool: a QueryPool, or external.RemoteQueryPool."""

    async def run(self, req: QueryRequest) -> QueryResult: ...


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
        idle = self._queue()
        if not self._workers and not self._tasks:
            raise he.ServiceUnavailable("No query worker could be started; see the server log.")
        try:
            # (asyncio.timeout, not wait_for: a cancelled wait must raise, never hand back
            # a worker nobody will use, and Queue.get gives none away when cancelled)
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline - time.monotonic()):
                return await idle.get()
        except TimeoutError:
            raise he.ServiceUnavailable(
                f"Every query worker stayed busy (or was starting) for the whole time limit of "
                f"{self.timeout:g} s; try again in a moment.",
                headers={"Retry-After": str(max(1, math.ceil(self.timeout)))},
            ) from None

    def _queue(self) -> asyncio.Queue[Worker]:
        """The idle workers (there is a queue once start() was called)."""
        assert self._idle is not None, "QueryPool.start() was not called"
        return self._idle

    async def run(self, req: QueryRequest) -> QueryResult:
        """Run a query in a worker; stop it (and replace the worker) at the time limit."""
        result: QueryResult = await self._call(req, "Narrow its patterns, avoid cartesian products, "
                                                    "or add a LIMIT.")
        return result

    async def run_canned(self, req: CannedRequest) -> CannedAnswer:
        """Run a canned query in a worker, under the same time limit."""
        answer: CannedAnswer = await self._call(req, "Try narrower parameter values.")
        return answer

    async def _call(self, req: QueryRequest | CannedRequest, advice: str) -> Any:  # (unpickled from the pipe)
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
                self._queue().put_nowait(worker)
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
