"""Crash safety of publishing: builds killed with SIGKILL at random moments never leave a
torn ``dist/``. After every kill ``dist`` resolves to one complete release whose files
all match the SHA-256 sums of its ``build-info.json``, and the next build succeeds and
clears what the killed ones left behind.

Two kinds of kill: ``twinned build`` itself at a random moment of its whole run, and —
to land many kills where it matters, without paying for a full build each time — a
process that does exactly the publishing step of a build (write the release, fsync it,
swap the link), killed at a random moment of that step.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.support.paths import CORPUS, ROOT
from twinned.cli import main

pytestmark = pytest.mark.slow  # builds killed at random moments, and built again

SEED = 20261124
BUILD_KILLS = 3
PUBLISH_KILLS = 10
STORES = {"store", "parts", "units.json"}

# The publishing step of a build as build.py does it (a ReleaseWriter: every file written
# and fsynced, build-info.json last, then finish() swaps dist), on a release read from a
# directory and made new by a marker line (an N-Triples comment).
PUBLISH = """
import json, shutil, sys
from pathlib import Path
from twinned.build.publishing import ReleaseWriter
source, dist, n = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
files = {p.name: p.read_bytes() for p in sorted(source.iterdir())
         if p.is_file() and p.name not in ("build-info.json", "units.json")}
files["twinned.nt"] += f"# crash test {n}\\n".encode()
info = json.loads((source / "build-info.json").read_text())
print("ready", flush=True)
writer = ReleaseWriter(dist)
for name, data in files.items():
    writer.write(name, data)
for folder in ("store", "parts"):  # the release's stores, copied as the build writes them
    shutil.copytree(source / folder, writer.path(folder))
shutil.copy(source / "units.json", writer.path("units.json"))
info["files"] = dict(sorted(writer.digests.items()))
writer.write("build-info.json", (json.dumps(info, indent=2, sort_keys=True) + "\\n").encode())
writer.finish()
print("published", flush=True)
"""


def check_dist(project: Path) -> str:
    """dist is a link to a complete release: every file present and matching its sum."""
    dist = project / "dist"
    assert dist.is_symlink()
    release = dist.resolve(strict=True)
    info = json.loads((release / "build-info.json").read_text("utf-8"))
    names = {p.name for p in release.iterdir()}
    assert STORES <= names  # the release's stores (not hashed: not published files)
    assert sorted(names - STORES) == sorted([*info["files"], "build-info.json"])
    for name, sha in info["files"].items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == sha, f"{release.name}/{name}"
    store = ox.Store.read_only(str(release / "store"))  # complete: it opens and holds the data
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == info["triples"]
    return release.name


def litter(project: Path) -> list[str]:
    """What killed builds leave behind: temporary release directories and links."""
    return sorted([p.name for p in (project / ".dist").glob(".tmp-*")]
                  + [p.name for p in project.glob(".dist.link-*")])


def kill_after(command: list[str], delay: float, *, after_line: bool = False) -> bool:
    """Run a command and SIGKILL it ``delay`` seconds in (counted from its first output
    line with ``after_line``); whether it was still running when killed."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    if after_line:
        assert process.stdout.readline() == b"ready\n"
    time.sleep(delay)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    return running


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copytree(CORPUS / "base" / "data", target / "data")
    shutil.copy(ROOT / "twinned.toml", target / "twinned.toml")
    assert main(["build", "--project", str(target), "-q"]) == 0
    return target


def edit(project: Path, n: int) -> None:
    """Change the records, so the next build makes a new release."""
    city = project / "data" / "cities" / "kaunas.yaml"
    text = city.read_text("utf-8").split("\n# edit", 1)[0]
    city.write_text(f"{text}\n# edit {n}\n".replace("since 1994.\n", f"since 1994 ({n}).\n"), "utf-8")


def timed(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return time.monotonic() - started


def test_killed_builds_never_tear_dist(project: Path) -> None:
    rng = random.Random(SEED)
    build = [sys.executable, "-m", "twinned.cli", "build", "--project", str(project), "-q"]
    edit(project, 0)
    duration = timed(build)  # a full build, to know how long one runs
    check_dist(project)
    for n in range(1, BUILD_KILLS + 1):
        edit(project, n)
        kill_after(build, rng.uniform(0, duration))
        check_dist(project)


def test_publishing_killed_at_random_moments_never_tears_dist(project: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    source = tmp_path / "release"
    shutil.copytree((project / "dist").resolve(), source)
    publish = [sys.executable, "-c", PUBLISH, str(source), str(project / "dist")]
    started = time.monotonic()
    process = subprocess.run([*publish, "0"], check=True, capture_output=True, timeout=60)
    window = time.monotonic() - started  # an upper bound of the publishing step
    assert process.stdout.endswith(b"published\n")
    before_swap = 0
    for n in range(1, PUBLISH_KILLS + 1):
        previous = check_dist(project)
        if kill_after([*publish, str(n)], rng.uniform(0, window / 2), after_line=True):
            before_swap += check_dist(project) == previous
        else:
            check_dist(project)
    assert before_swap > 0, "no kill landed before the link was swapped: the test proved nothing"
    # the next build completes and clears what the killed ones left behind
    edit(project, 99)
    assert main(["build", "--project", str(project), "-q"]) == 0
    check_dist(project)
    assert litter(project) == []

