"""Reloading a running server without dropping a request: ``twinned serve`` answers
SIGHUP (which ``twinned reload`` sends) by serving the current release of ``dist/``.

``Reloader`` is the ASGI app uvicorn runs. It holds the app of one release at a time
(made by ``app_for(release)``, the whole site) and serves each request from start to end
with the app that was current when it arrived. On SIGHUP it

1. checks ``dist/`` (building it when stale, as ``twinned serve`` does at start);
2. loads the new release fully and starts its app, whose SPARQL workers load the new
   release, and waits until they are ready;
3. swaps the new app in with one assignment;
4. shuts the old app down (stopping its workers) once its last request is answered.

So every response comes from exactly one release (its ``X-Twinned-Release`` and ETag say
which), and a reload that fails (broken records, a broken release) is logged while the
old release keeps serving. The pid file (``pid_file``) lets ``twinned reload`` find the
server; only the same user (or root) can signal it, so reloading is not reachable from
the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from twinned.config import Settings
from twinned.errors import PublishError, TwinnedError
from twinned.store.release import LoadedRelease
from twinned.web.current import ensure_built
from twinned.web.querypool import STARTUP_GRACE

log = logging.getLogger("twinned.reload")


def release_of(app: Starlette) -> LoadedRelease:
    release: LoadedRelease = app.state.server.release
    return release


class Reloader:
    """The app of the current release, swapped on SIGHUP (see the module docstring)."""

    def __init__(self, settings: Settings, release: LoadedRelease,
                 app_for: Callable[[LoadedRelease], Starlette], *, write_pid: bool = False) -> None:
        self.settings = settings
        self.app_for = app_for
        self.pid_path = pid_file(settings) if write_pid else None
        self.current = app_for(release)
        self._serving: dict[Starlette, int] = {}  # requests in progress, per app
        self._stacks: dict[Starlette, AsyncExitStack] = {}  # started apps, to shut down
        self._tasks: set[asyncio.Task[bool]] = set()
        self._lock: asyncio.Lock | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        app = self.current  # no await between reading and counting: the swap cannot fall between
        self._serving[app] = self._serving.get(app, 0) + 1
        try:
            await app(scope, receive, send)
        finally:
            self._serving[app] -= 1

    # -- starting and stopping apps -------------------------------------------------------------

    async def _start(self, app: Starlette) -> None:
        stack = AsyncExitStack()
        await stack.enter_async_context(app.router.lifespan_context(app))
        self._stacks[app] = stack

    async def _stop(self, app: Starlette) -> None:
        stack = self._stacks.pop(app, None)
        if stack is not None:
            await stack.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        try:
            await self._start(self.current)
        except (OSError, TwinnedError) as exc:
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        hup = self._listen()
        if hup and self.pid_path is not None:
            write_pid(self.pid_path)
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        if hup:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            if self.pid_path is not None:
                remove_pid(self.pid_path)
        for task in list(self._tasks):
            task.cancel()
        for app in list(self._stacks):
            await self._stop(app)
        await send({"type": "lifespan.shutdown.complete"})

    def _listen(self) -> bool:
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.reload_soon)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread (tests)
            log.info("SIGHUP is not available here; call Reloader.reload() to reload")
            return False
        return True

    # -- reloading ------------------------------------------------------------------------------

    def reload_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload(self) -> bool:
        """Serve dist/'s current release; False when it is the one served or it failed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one reload at a time; a signal meanwhile waits its turn
            old = self.current
            try:
                app = await self._prepare(release_of(old))
            except TwinnedError as exc:
                log.error("reload failed, still serving release %s: %s", release_of(old).version, exc)
                return False
            except Exception:
                log.exception("reload failed, still serving release %s", release_of(old).version)
                return False
            if app is None:
                return False
            self.current = app  # the swap
            log.info("serving release %s (was %s)", release_of(app).version, release_of(old).version)
        await self._retire(old)
        return True

    async def _prepare(self, serving: LoadedRelease) -> Starlette | None:
        """The started app of dist/'s release, or None when it is the one served."""
        directory = await asyncio.to_thread(ensure_built, self.settings)
        if directory == serving.directory:
            log.info("release %s is already being served", serving.version)
            return None
        release = await asyncio.to_thread(serving.reopen, directory)
        app = await asyncio.to_thread(self.app_for, release)
        await self._start(app)
        pool = app.state.server.pool
        if await pool.wait_ready() == 0:
            await self._stop(app)
            raise PublishError(f"no query worker could load release {release.version}")
        return app

    async def _retire(self, app: Starlette) -> None:
        """Shut an app down once its requests are answered (or they overran every limit)."""
        deadline = time.monotonic() + self.settings.query_timeout + STARTUP_GRACE
        while self._serving.get(app, 0) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self._stop(app)
        self._serving.pop(app, None)


# -- the pid file ------------------------------------------------------------------------------------


def pid_file(settings: Settings) -> Path:
    """Where ``twinned serve`` on this project and port writes its process id."""
    return settings.project_dir / f".twinned-serve-{settings.port}.pid"


def write_pid(path: Path) -> None:
    """Write this process's id, unless the file names another running server."""
    other = _read_pid(path)
    if other is not None and other != os.getpid() and _is_twinned(other):
        log.warning("%s names another running server (pid %d); reload this one with kill -HUP %d",
                    path, other, os.getpid())
        return
    try:
        path.write_text(f"{os.getpid()}\n", "utf-8")
    except OSError as exc:
        log.warning("could not write %s (%s); reload with kill -HUP %d", path, exc, os.getpid())


def remove_pid(path: Path) -> None:
    if _read_pid(path) == os.getpid():
        path.unlink(missing_ok=True)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text("utf-8").strip())
    except (OSError, ValueError):
        return None


def _is_twinned(pid: int) -> bool:
    """Whether the process is a twinned command (never signal one that merely reuses the id:
    SIGHUP would end most programs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        return b"twinned" in Path(f"/proc/{pid}/cmdline").read_bytes() if Path("/proc").is_dir() else True
    except OSError:
        return False


def signal_reload(settings: Settings) -> int:
    """Send SIGHUP to the server of this project and port; its process id."""
    path = pid_file(settings)
    pid = _read_pid(path)
    if pid is None:
        raise PublishError(f"no server is running for this project on port {settings.port} "
                           f"(no readable pid file at {path})")
    if not _is_twinned(pid):
        raise PublishError(f"the pid file {path} names process {pid}, which is not a running "
                           "twinned server; remove the file")
    os.kill(pid, signal.SIGHUP)
    return pid
