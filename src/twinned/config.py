"""Settings, built once into a frozen object from (lowest to highest priority):
defaults, the optional project file ``twinned.toml``, ``TWINNED_*`` environment
variables, and command-line flags. Nothing is read at import time.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from twinned.errors import InputError, Problem

DEFAULT_BASE_URI = "https://w3id.org/twinned/"
# the ADMS publisher types (http://purl.org/adms/publishertype/...), for the catalogue's dct:type
PUBLISHER_TYPES = ("Academia-ScientificOrganisation", "Company", "IndustryConsortium", "LocalAuthority",
                   "NationalAuthority", "NonGovernmentalOrganisation", "NonProfitOrganisation",
                   "PrivateIndividual(s)", "RegionalAuthority", "StandardisationBody",
                   "SupraNationalAuthority")
PROJECT_FILE = "twinned.toml"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; every field is listed in the README (a test checks)."""

    project_dir: Path = Path(".")
    base_uri: str = DEFAULT_BASE_URI
    dist_dir: Path | None = None
    title: str = "Twin towns and sister cities"
    description: str = (
        "Town-twinning and sister-city partnerships, the documents behind them, "
        "their dates, places and areas of cooperation, as published by the cities "
        "themselves and linked to Wikidata."
    )
    publisher_name: str = "twinned"
    publisher_url: str = "https://w3id.org/twinned/"
    publisher_type: str = "NonProfitOrganisation"  # an ADMS publisher type (catalogue dct:type)
    contact_email: str = "twinned@example.org"
    license_url: str = "https://creativecommons.org/licenses/by/4.0/"
    issued: str | None = None
    wikidata_extract: Path | None = None
    modified: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    processes: int = 1
    query_timeout: float = 10.0
    max_rows: int = 10000
    root_path: str = ""  # the path prefix the server is reached under behind a proxy ("/twinned")

    @property
    def data_dir(self) -> Path:
        return self.project_dir / "data"

    @property
    def ontology_dir(self) -> Path:
        return self.project_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.project_dir / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.project_dir / "queries"

    @property
    def output_dir(self) -> Path:
        return self.dist_dir if self.dist_dir is not None else self.project_dir / "dist"


_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any, origin: str) -> Any:
    # Any: a TOML, environment or flag value in, the type of one Settings field out
    kind = str(_TYPES[name])
    try:
        if "Path" in kind:
            return Path(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        raise InputError([Problem(origin, 0, name, f"a {kind}, not {value!r}")]) from None
    return str(value)


def load_settings(
    project_dir: Path | str = ".",
    env: Mapping[str, str] | None = None,
    **overrides: Any,  # the flags of every command, each of its setting's type
) -> Settings:
    """Build the settings for one run. ``overrides`` are CLI flags (None = not given)."""
    project = Path(project_dir)
    values: dict[str, Any] = {"project_dir": project}  # (Settings(**values) takes each field's type)
    path = project / PROJECT_FILE
    if path.exists():
        try:
            table = tomllib.loads(path.read_text("utf-8")).get("twinned", {})
        except tomllib.TOMLDecodeError as exc:
            raise InputError([Problem(str(path), getattr(exc, "lineno", 0), "toml", str(exc))]) from exc
        for key, value in table.items():
            if key not in _TYPES or key == "project_dir":
                raise InputError(
                    [Problem(str(path), 0, key, "a known setting (see the README's Settings)")]
                )
            values[key] = _coerce(key, value, str(path))
    for key, value in (os.environ if env is None else env).items():
        if key.startswith("TWINNED_"):
            name = key.removeprefix("TWINNED_").lower()
            if name in _TYPES and name != "project_dir":
                values[name] = _coerce(name, value, f"${key}")
    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    settings = replace(Settings(), **values)
    if not settings.base_uri.endswith("/"):
        raise InputError(
            [Problem("settings", 0, "base_uri", f"a URI ending in '/', not {settings.base_uri!r}")]
        )
    if settings.publisher_type not in PUBLISHER_TYPES:
        raise InputError([Problem("settings", 0, "publisher_type",
                                  f"an ADMS publisher type ({', '.join(PUBLISHER_TYPES)}), "
                                  f"not {settings.publisher_type!r}")])
    root = settings.root_path
    if root and (not root.startswith("/") or root.endswith("/") or "//" in root or any(
            c in root for c in "?#%\\ \"<>")):
        raise InputError([Problem("settings", 0, "root_path",
                                  f"empty or a path like /twinned (a leading '/', none at the end), not {root!r}")])
    if settings.processes < 1:
        raise InputError([Problem("settings", 0, "processes", f"1 or more, not {settings.processes}")])
    return settings
