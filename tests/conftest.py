"""Shared fixtures: the repository paths and a throw-away copy of the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from twinned.config import Settings, load_settings
from twinned.store.release import LoadedRelease, load_release

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(target: Path, data: Path | None = None) -> Path:
    """Copy data/ (or the records in ``data``), ontology/, shapes/, queries/ and
    twinned.toml into target (no dist/)."""
    for name in ("data", "ontology", "shapes", "queries"):
        source = data if name == "data" and data is not None else ROOT / name
        if source.exists():  # (data/world, a local twinned import-wikidata, stays behind)
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("world"))
    shutil.copy(ROOT / "twinned.toml", target / "twinned.toml")
    extract = SHARED / "data" / "wikidata-twin-cities"
    with open(target / "twinned.toml", "a", encoding="utf-8") as toml:
        toml.write(f'wikidata_extract = "{extract.as_posix()}"\n')
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project to build and break."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(project: Path) -> Settings:
    return load_settings(project, env={})


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A project copy built once for the whole session (read-only for tests)."""
    from twinned.web.current import build_site

    settings = load_settings(copy_project(tmp_path_factory.mktemp("built") / "project"), env={})
    build_site(settings)
    return settings


@pytest.fixture(scope="module")
def release(built: Settings) -> LoadedRelease:
    """The built project's release loaded into a store, once per test module."""
    return load_release(built.output_dir.resolve())
