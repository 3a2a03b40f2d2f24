"""The embedded SPARQL store: the published release loaded into pyoxigraph.

The store holds the dataset dump in the default graph and the ontology in the
named graph <https://w3id.org/twinned/def/> (query it with GRAPH, or with
``union_default_graph``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .build import BUILD_INFO, build, is_stale
from .config import Settings
from .errors import PublishError
from .vocab import TW

ONTOLOGY_GRAPH = ox.NamedNode(str(TW))


@dataclass(frozen=True)
class LoadedRelease:
    """A release directory and the in-memory store built from it."""

    directory: Path
    store: ox.Store
    info: dict[str, object]

    @property
    def version(self) -> str:
        """The release id: changes whenever any published byte changes (used in ETags)."""
        return self.directory.name


def load_release(directory: Path) -> LoadedRelease:
    store = ox.Store()
    store.bulk_load(path=str(directory / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(directory / "ontology.ttl"), format=ox.RdfFormat.TURTLE,
                    to_graph=ONTOLOGY_GRAPH)
    info = json.loads((directory / BUILD_INFO).read_text("utf-8"))
    return LoadedRelease(directory.resolve(), store, info)


def ensure_built(settings: Settings) -> Path:
    """Build when dist/ is missing or stale; return the current release directory."""
    if is_stale(settings):
        build(settings)
    dist = settings.output_dir
    if not (dist / BUILD_INFO).exists():
        raise PublishError(f"{dist} holds no release; run 'twinned build'")
    return dist.resolve()


def open_store(settings: Settings) -> LoadedRelease:
    return load_release(ensure_built(settings))
