"""``twinned serve --processes N`` (processes.py): N real server processes on one port,
reloaded together, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, free_port, live_server
from tests.support.paths import CORPUS
from tests.support.project import copy_project
from twinned.cli import main
from twinned.config import load_settings
from twinned.web import processes as mp
from twinned.web.reloading import pid_file

pytestmark = pytest.mark.skipif(not mp.supported(), reason="needs os.fork and SO_REUSEPORT")


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def servers_of(pid: int) -> list[int]:
    """The serving children: forks of the parent, so the same command line."""
    own = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [c for c in children(pid) if Path(f"/proc/{c}/cmdline").read_bytes() == own]


def query_workers_of(pid: int) -> list[int]:
    """The SPARQL workers a serving process started (multiprocessing's spawn)."""
    return [c for c in children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_project(tmp_path_factory.mktemp("processes") / "project", data=CORPUS / "base" / "data")
    assert main(["build", "--project", str(target), "-q"]) == 0
    return target


@pytest.fixture(scope="module")
def live(project: Path) -> Iterator[LiveServer]:
    with live_server(project, "--processes", "2") as server:
        yield server


def release_of_fresh_connections(url: str, n: int) -> set[str]:
    """X-Twinned-Release of n requests, each on a new connection (the kernel spreads new
    connections over the processes)."""
    seen = set()
    for _ in range(n):
        with httpx.Client() as client:
            r = client.get(url + "place/kosice", headers={"Accept": "text/turtle"})
            assert r.status_code == 200
            seen.add(r.headers["x-twinned-release"])
    return seen


@pytest.mark.slow  # real multi-process servers
def test_two_processes_share_the_port(live: LiveServer) -> None:
    servers = servers_of(live.process.pid)
    assert len(servers) == 2
    # each serving process has its own query worker (the server's two, shared out)
    assert [len(query_workers_of(s)) for s in servers] == [1, 1]
    assert len(release_of_fresh_connections(live.url, 20)) == 1
    r = httpx.get(live.url + "sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                  headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) > 400


@pytest.mark.slow  # real multi-process servers
def test_reload_reaches_every_process(live: LiveServer, project: Path) -> None:
    settings = load_settings(project, env={}, port=live.port)
    assert int(pid_file(settings).read_text()) == live.process.pid  # the parent, not a child
    before = release_of_fresh_connections(live.url, 1).pop()
    city = project / "data" / "cities" / "kosice.yaml"
    city.write_text(city.read_text("utf-8").replace("City of Kosice", "City of Košice", 1), "utf-8")
    assert main(["build", "--project", str(project), "-q"]) == 0
    assert main(["reload", "--project", str(project), "--port", str(live.port)]) == 0
    deadline = time.monotonic() + 60
    seen = {before}
    while time.monotonic() < deadline:
        seen = release_of_fresh_connections(live.url, 20)
        if before not in seen:
            break
        time.sleep(0.2)
    assert len(seen) == 1 and before not in seen  # both processes swapped
    assert len(servers_of(live.process.pid)) == 2


@pytest.mark.slow  # real multi-process servers
def test_stopping_the_parent_stops_every_process(project: Path) -> None:
    with live_server(project, "--processes", "2") as server:
        servers = servers_of(server.process.pid)
        workers = [w for s in servers for w in query_workers_of(s)]
        assert len(workers) == 2
        port = server.port
        assert len(servers) == 2
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
    for pid in servers + workers:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists() or b"Z" in Path(f"/proc/{pid}/stat").read_bytes().split()[2]
    assert not pid_file(load_settings(project, env={}, port=port)).exists()


@pytest.mark.slow  # real multi-process servers
def test_a_child_that_dies_stops_the_server(project: Path) -> None:
    with live_server(project, "--processes", "2") as server:
        victim = servers_of(server.process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        assert server.process.wait(30) == 1
    assert "stopped unexpectedly" in server.log_text()


def test_a_port_in_use_is_a_clear_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        code = main(["serve", "--project", str(project), "--port", str(port), "--processes", "2", "-q"])
    assert code == 2
    assert "port" in capsys.readouterr().err


def test_processes_must_be_positive(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--project", str(project), "--processes", "0", "-q"]) == 2
    assert "processes: 1 or more, not 0" in capsys.readouterr().err


def test_sockets_keep_tcp_nodelay_and_share_the_port() -> None:
    port = free_port()
    a = mp.listening_socket("127.0.0.1", port)
    b = mp.listening_socket("127.0.0.1", port)  # SO_REUSEPORT: a second bind succeeds
    try:
        assert a.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        assert a.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY on what such a socket accepts
    finally:
        a.close()
        b.close()


def test_workers_are_shared_out() -> None:
    assert [mp.workers_per_process(2, n) for n in (1, 2, 3, 4)] == [2, 1, 1, 1]
    assert mp.workers_per_process(4, 2) == 2
