"""A real ``twinned serve`` on a loopback port, for the tests that need a socket, signals
or concurrency (reloading, hostile requests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def hup(self) -> None:
        os.kill(self.process.pid, signal.SIGHUP)

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Until the server answers and a query worker has answered too."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "twinned serve exited"
        try:
            if httpx.get(url + "sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("twinned serve did not become ready")


@contextmanager
def live_server(project: Path, *args: str) -> Iterator[LiveServer]:
    """``twinned serve --project PROJECT ARGS`` on a free port until the block ends."""
    port = free_port()
    log = project / f"serve-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "twinned.cli", "serve", "--project", str(project),
             "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, process)
        yield LiveServer(url, port, process, log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
