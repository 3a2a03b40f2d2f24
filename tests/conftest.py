"""Shared fixtures: the repository paths and a throw-away copy of the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.project import copy_project
from twinned.config import Settings, load_settings
from twinned.store.release import LoadedRelease, load_release


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
    from twinned.web.current import build_site

    settings = load_settings(copy_project(tmp_path_factory.mktemp("built") / "project"), env={})
    build_site(settings)
    return settings


@pytest.fixture(scope="module")
def release(built: Settings) -> LoadedRelease:
    """The built project's release loaded into a store, once per test module."""
    return load_release(built.output_dir.resolve())
