"""Reloading a live server: while clients hammer it, the records change, ``dist/`` is
rebuilt and the server gets SIGHUP (from ``twinned reload`` or ``kill -HUP``). No
request fails, and every response comes from exactly one release: the release its
``X-Twinned-Release`` header names is the release its body was made from — resource
pages, dumps, and SPARQL answers from the query workers alike."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, live_server
from tests.support.paths import CORPUS
from tests.support.project import copy_project
from twinned.cli import main
from twinned.config import load_settings
from twinned.errors import PublishError
from twinned.web.reloading import pid_file, signal_reload

MEMBERSHIP = "https://w3id.org/twinned/membership/kaunas/ubc"
MARKER = re.compile(r"release marker (\d+)")
PASSAGE_QUERY = f"SELECT ?p WHERE {{ <{MEMBERSHIP}> <https://w3id.org/twinned/def/sourcePassage> ?p }}"
CLIENTS = 6

# what the clients ask for, and whether the body shows the release marker
REQUESTS: list[tuple[str, dict[str, str], bool]] = [
    ("membership/kaunas/ubc.ttl", {}, True),
    ("membership/kaunas/ubc", {}, True),  # the HTML page
    ("dumps/twinned.nt", {}, True),
    ("sparql", {"query": PASSAGE_QUERY}, True),  # answered by a query worker
    ("queries/memberships.json", {}, False),
    ("", {}, False),
]


def set_marker(project: Path, n: int) -> None:
    city = project / "data" / "cities" / "kaunas.yaml"
    text = re.sub(r"passage: >-\n      .*\n", f"passage: >-\n      Kaunas, release marker {n}.\n",
                  city.read_text("utf-8"))
    city.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_project(tmp_path_factory.mktemp("reload") / "project", data=CORPUS / "base" / "data")
    set_marker(target, 1)
    assert main(["build", "--project", str(target), "-q"]) == 0
    return target


@pytest.fixture(scope="module")
def live(project: Path) -> Iterator[LiveServer]:
    with live_server(project, "--query-timeout", "5") as server:
        yield server


class Hammer:
    """Clients requesting in a loop until stopped; every answer is recorded."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.seen: Counter[tuple[str, str]] = Counter()  # (release, marker)
        self.count = 0
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]

    def __enter__(self) -> Hammer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def client(self, i: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            n = i
            while not self.stop.is_set():
                path, params, marked = REQUESTS[n % len(REQUESTS)]
                n += 1
                try:
                    r = http.get("/" + path, params=params)
                except httpx.HTTPError as exc:
                    self.errors.append(f"{path}: {exc!r}")
                    continue
                self.count += 1
                release = r.headers.get("x-twinned-release", "")
                if r.status_code != 200 or not release:
                    self.errors.append(f"{path}: {r.status_code} {r.text[:200]}")
                    continue
                if marked:
                    markers = set(MARKER.findall(r.text))
                    if len(markers) != 1:
                        self.errors.append(f"{path}: markers {markers} in one response")
                        continue
                    self.seen[(release, markers.pop())] += 1


def served_release(live: LiveServer) -> str:
    return httpx.get(live.url + "dumps/twinned.nt", timeout=10).headers["x-twinned-release"]


def wait_for_release(live: LiveServer, other_than: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        release = served_release(live)
        if release != other_than:
            return release
        time.sleep(0.1)
    raise AssertionError(f"still serving {other_than}:\n{live.log_text()[-3000:]}")


@pytest.mark.slow  # clients hammering a real server through three swaps
def test_releases_swap_atomically_under_load(live: LiveServer, project: Path) -> None:
    first = served_release(live)
    settings = load_settings(project, env={}, port=live.port)
    with Hammer(live.url) as hammer:
        time.sleep(0.5)
        # 1. build outside the server, then `twinned reload` (the pid file names the server)
        set_marker(project, 2)
        assert main(["build", "--project", str(project), "-q"]) == 0
        assert main(["reload", "--project", str(project), "--port", str(live.port)]) == 0
        second = wait_for_release(live, first)
        time.sleep(0.5)
        # 2. only change the records and send SIGHUP: the server builds dist/ itself
        set_marker(project, 3)
        assert signal_reload(settings) == live.process.pid
        third = wait_for_release(live, second)
        time.sleep(0.5)
        # 3. SIGHUP with nothing new: nothing changes
        live.hup()
        time.sleep(0.5)
    assert hammer.errors == [], hammer.errors[:10]
    assert hammer.count > 50
    releases = {release: marker for release, marker in hammer.seen}
    assert len(releases) == len(hammer.seen), f"a release answered with two markers: {hammer.seen}"
    assert releases == {first: "1", second: "2", third: "3"}
    assert served_release(live) == third
    assert "already being served" in live.log_text()


def test_a_failed_reload_keeps_the_old_release(live: LiveServer, project: Path) -> None:
    before = served_release(live)
    places = project / "data" / "places.yaml"
    good = places.read_text("utf-8")
    places.write_text(good.replace("wikidata: Q214", "wikidata: Q0"), "utf-8")
    try:
        live.hup()
        deadline = time.monotonic() + 30
        while "reload failed" not in live.log_text():
            assert time.monotonic() < deadline, live.log_text()[-3000:]
            time.sleep(0.1)
    finally:
        places.write_text(good, "utf-8")
    assert "a Wikidata QID like Q25409, not 'Q0'" in live.log_text()
    assert served_release(live) == before
    r = httpx.get(live.url + "sparql", params={"query": PASSAGE_QUERY}, timeout=10)
    assert r.status_code == 200 and r.headers["x-twinned-release"] == before


def test_the_pid_file_names_the_server(live: LiveServer, project: Path) -> None:
    settings = load_settings(project, env={}, port=live.port)
    assert pid_file(settings).read_text("utf-8").strip() == str(live.process.pid)


def test_reload_without_a_server_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reload", "--project", str(project), "--port", "1"]) == 2
    assert "no server is running for this project on port 1" in capsys.readouterr().err


def test_reload_never_signals_a_stranger(project: Path) -> None:
    settings = load_settings(project, env={}, port=2)
    pid_file(settings).write_text("1\n", "utf-8")  # init, not a twinned server
    try:
        with pytest.raises(PublishError, match="not a running twinned server"):
            signal_reload(settings)
    finally:
        pid_file(settings).unlink()
