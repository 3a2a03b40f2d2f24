"""Incremental rebuilds (incremental.py): a build that starts from the last release's
stores and maps only the inputs that changed publishes exactly what a full build of the
same inputs publishes: every file byte for byte (dumps, validation report, catalogue),
after random edits to the records (a seeded random, so a failure can be replayed)."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinned.build.incremental import UNITS_FILE, segment_file
from twinned.build.releasestore import PARTS_DIR, STORE_DIR
from twinned.config import load_settings
from twinned.web.current import build_site

SEED = 20261203
ROUNDS = 5


def files(release: Path) -> dict[str, str]:
    """The published files of a release and their sums (the stores are not files)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(release.iterdir())
            if p.is_file() and p.name != UNITS_FILE}


def _edit_title(rng: random.Random, project: Path, n: int) -> str:
    city = rng.choice(sorted((project / "data" / "cities").glob("*.yaml")))
    lines = city.read_text("utf-8").splitlines(keepends=True)
    titles = [i for i, line in enumerate(lines) if re.match(r"\s+title: ", line)]
    i = rng.choice(titles)
    lines[i] = lines[i].rstrip("\n") + f" (edit {n})\n"
    city.write_text("".join(lines), "utf-8")
    return f"title in {city.name}"


def _edit_note(rng: random.Random, project: Path, n: int) -> str:
    places = project / "data" / "places.yaml"
    lines = places.read_text("utf-8").splitlines(keepends=True)
    i = rng.choice([i for i, line in enumerate(lines) if re.match(r"\s+note: ", line)])
    lines[i] = lines[i].rstrip("\n") + f" (edit {n})\n"
    places.write_text("".join(lines), "utf-8")
    return "note in places.yaml"


def _drop_partnership(rng: random.Random, project: Path, _n: int) -> str:
    city = rng.choice(sorted((project / "data" / "cities").glob("*.yaml")))
    lines = city.read_text("utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - partner: ")]
    if len(starts) < 2:
        return "nothing"
    k = rng.randrange(len(starts))
    end = starts[k + 1] if k + 1 < len(starts) else next(
        (i for i in range(starts[k] + 1, len(lines)) if not lines[i].startswith((" ", "\n"))), len(lines))
    partner = lines[starts[k]].split(":", 1)[1].strip()
    del lines[starts[k]:end]
    city.write_text("".join(lines), "utf-8")
    return f"partnership with {partner} dropped from {city.name}"


def _restore(rng: random.Random, project: Path, _n: int, originals: dict[Path, bytes] | None = None) -> str:
    assert originals is not None
    path = rng.choice(sorted(originals))
    path.write_bytes(originals[path])
    return f"{path.name} restored"


EDITS = (_edit_title, _edit_note, _drop_partnership, _restore, _edit_title)


@pytest.mark.slow  # five rounds of random edits, each built incrementally and in full
def test_incremental_builds_publish_what_full_builds_publish(project: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    settings = load_settings(project, env={})
    originals = {p: p.read_bytes() for p in sorted((project / "data").rglob("*.yaml"))}
    build_site(settings)
    for n in range(ROUNDS):
        done = []
        for edit in [EDITS[n % len(EDITS)], *rng.choices(EDITS, k=rng.randint(0, 2))]:  # each kind, then any
            done.append(edit(rng, project, n, originals) if edit is _restore else edit(rng, project, n))
        said: list[str] = []
        incremental = build_site(settings, said.append).release_dir
        assert any("changed" in m for m in said) or "restored" in " ".join(done), (done, said)
        full = build_site(replace(settings, dist_dir=tmp_path / f"full-{n}" / "dist")).release_dir
        assert files(incremental) == files(full), done
        assert incremental.name == full.name  # the same release id


def test_a_rebuild_maps_only_the_changed_file(project: Path) -> None:
    settings = load_settings(project, env={})
    first = build_site(settings).release_dir
    kosice = project / "data" / "cities" / "kosice.yaml"
    kosice.write_text(kosice.read_text("utf-8").replace(
        "title: Agreement on Cooperation between the Cities", "title: Agreement on Co-operation", 1), "utf-8")
    said: list[str] = []
    second = build_site(settings, said.append).release_dir
    assert "1 input(s) changed, 0 removed" in said
    assert second != first
    title = ox.Literal("Agreement on Co-operation", language="en")
    holding = {f.name for f in (second / PARTS_DIR).iterdir()
               if any(q.object == title for q in ox.parse(path=str(f), format=ox.RdfFormat.N_TRIPLES))}
    assert holding == {segment_file("data/cities/kosice.yaml")}
    unchanged = second / PARTS_DIR / segment_file("data/cities/kaunas.yaml")
    assert unchanged.stat().st_ino == (first / PARTS_DIR / segment_file("data/cities/kaunas.yaml")).stat().st_ino
    served = ox.Store.read_only(str(second / STORE_DIR))
    assert list(served.quads_for_pattern(None, None, title, ox.DefaultGraph()))
    old = ox.Literal("Agreement on Cooperation between the Cities", language="en")
    assert not list(served.quads_for_pattern(None, None, old, ox.DefaultGraph()))


@pytest.mark.slow  # two builds and a reload of the stores
def test_a_removed_file_takes_only_its_own_triples(project: Path) -> None:
    """Triples a removed file shared with another (kept by the other) stay published."""
    settings = load_settings(project, env={})
    build_site(settings)
    (project / "data" / "cities" / "kosice.yaml").unlink()
    said: list[str] = []
    incremental = build_site(settings, said.append).release_dir
    assert "0 input(s) changed, 1 removed" in said
    full = build_site(replace(settings, dist_dir=project.parent / "full" / "dist")).release_dir
    assert files(incremental) == files(full)
