"""A throw-away copy of the project (records, ontology, shapes, queries, twinned.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.paths import ROOT, SHARED


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
