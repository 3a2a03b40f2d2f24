"""Shared fixtures: the repository paths and a throw-away copy of the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT, TESTS
from tests.support.project import copy_project
from twinned.config import Settings, load_settings
from twinned.store.release import LoadedRelease, load_release


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect tests/build (the tests of twinned.build), which pytest's default
    ``norecursedirs`` (it lists "build") would skip, unless ``--ignore`` names it; leave
    every other path to pytest."""
    if collection_path != TESTS / "build":
        return None
    ignored = {Path(p).resolve() for p in config.getoption("ignore") or []}
    return None if collection_path in ignored else False


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


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
    from twinned.build.pipeline import build

    settings = load_settings(copy_project(tmp_path_factory.mktemp("built") / "project"), env={})
    build(settings)
    return settings


@pytest.fixture(scope="module")
def release(built: Settings) -> LoadedRelease:
    """The built project's release loaded into a store, once per test module."""
    return load_release(built.output_dir.resolve())
