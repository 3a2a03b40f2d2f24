"""Serving from several processes: ``twinned serve --processes N`` (setting ``processes``).

One Python process answers a few thousand cached requests a second on one core; a
second process on a second core doubles that. The parent makes the app once and
forks N children; each child binds its own listening socket to the same address with
``SO_REUSEPORT`` (Linux spreads new connections over them evenly) and runs uvicorn on
it with its own app: its own response cache and its own SPARQL workers (the
``query_workers`` of one server, shared out between the children).

* Each child opens the release's store read-only itself (``releasestore.ReadOnlyStore``:
  a store handle never crosses a fork); the children share its pages through the page
  cache, so N processes do not hold N copies of the release.
* The listening sockets are made with ``IPPROTO_TCP`` so that asyncio sets
  ``TCP_NODELAY`` on every accepted connection (a socket made with protocol 0 loses it,
  and small responses then wait ~40 ms for the peer's delayed ACK).
* The parent writes the pid file and forwards SIGHUP (``twinned reload``) to every
  child, each of which swaps in the new release as a single server does
  (reloading.py); SIGINT and SIGTERM stop the children gracefully. When a child dies
  unexpectedly the parent stops the others and exits with status 1, for the service
  manager to restart the whole server.

Needs ``os.fork`` and ``SO_REUSEPORT`` (Linux); elsewhere serve with one process.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("twinned.processes")

BACKLOG = 2048


def supported() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes may bind as well (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(False)
    except OSError:
        sock.close()
        raise
    return sock


def workers_per_process(query_workers: int, processes: int) -> int:
    """The SPARQL workers of one server, shared out between its processes (at least one each)."""
    return max(1, round(query_workers / processes))


def supervise(count: int, child: Callable[[int], None], pid_path: Path | None,
              write_pid: Callable[[Path], None], remove_pid: Callable[[Path], None]) -> int:
    """Fork ``count`` children running ``child(index)``; forward signals; the exit status."""
    children: dict[int, int] = {}  # pid -> index
    for index in range(count):
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            code = 0
            try:
                for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, signal.SIG_DFL)
                child(index)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("server process %d failed", index)
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = index

    stopping = False

    def forward(sig: int, _frame: object) -> None:
        nonlocal stopping
        if sig in (signal.SIGINT, signal.SIGTERM):
            stopping = True
            sig = signal.SIGTERM
        for pid in list(children):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    if pid_path is not None:
        write_pid(pid_path)
    status = 0
    try:
        while children:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid not in children:
                continue
            index = children.pop(pid)
            code = os.waitstatus_to_exitcode(wait_status)
            if not stopping:
                log.error("server process %d (pid %d) stopped unexpectedly (status %d); stopping the others",
                          index, pid, code)
                status = 1
                stopping = True
                forward(signal.SIGTERM, None)
                _reap(children, timeout=10.0)
                break
    finally:
        if pid_path is not None:
            remove_pid(pid_path)
    return status


def _reap(children: dict[int, int], timeout: float) -> None:
    """Wait for the children to stop; kill those that do not in time."""
    deadline = time.monotonic() + timeout
    while children and time.monotonic() < deadline:
        pid, _status = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.05)
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        children.pop(pid, None)
