"""The embedded SPARQL store: the published release's pyoxigraph store, opened read-only.

The store holds the data in the default graph, the ontology in the named graph
<https://w3id.org/twinned/def/> and the catalogue in <BASE/catalog> (query them with
GRAPH); see releasestore.py.

``GraphStore`` is the seam between the site and its store: the two methods of
pyoxigraph's ``Store`` that descriptions, pages, canned queries and the SPARQL endpoint
use. An external SPARQL endpoint stands in for the embedded store through the same
seam (``external.RemoteStore``, docs/external-store.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from twinned.build.releasestore import BUILD_INFO, ONTOLOGY_GRAPH, STORE_DIR, ReadOnlyStore
from twinned.config import Settings
from twinned.errors import PublishError


class GraphStore(Protocol):
    """What the site asks of a store (pyoxigraph's Store API, the subset in use)."""

    def query(self, query: str, **options: Any) -> Any:
        """``QuerySolutions``, ``QueryBoolean`` or an iterable of ``Triple``; options:
        ``substitutions``, ``default_graph``, ``named_graphs``."""
        ...

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = None) -> Iterator[ox.Quad]: ...


@dataclass(frozen=True)
class LoadedRelease:
    """A release directory and the store that holds it (in memory, or an external one)."""

    directory: Path
    store: Any  # a GraphStore: releasestore.ReadOnlyStore, pyoxigraph.Store, or external.RemoteStore
    info: dict[str, object]
    opener: Callable[[Path], LoadedRelease] | None = field(default=None, compare=False, repr=False)

    def reopen(self, directory: Path) -> LoadedRelease:
        """Another release from the same kind of store (a reload opens the new one so)."""
        return (self.opener or load_release)(directory)

    @property
    def version(self) -> str:
        """The release id: changes whenever any published byte changes (used in ETags)."""
        return self.directory.name


def load_release(directory: Path) -> LoadedRelease:
    """A release to serve: its store opened read-only (in each process that uses it), or,
    for a release built before releases held a store, its dump loaded in memory."""
    info = json.loads((directory / BUILD_INFO).read_text("utf-8"))
    if (directory / STORE_DIR).is_dir():
        return LoadedRelease(directory.resolve(), ReadOnlyStore(directory.resolve() / STORE_DIR), info)
    store = ox.Store()
    store.bulk_load(path=str(directory / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(directory / "ontology.ttl"), format=ox.RdfFormat.TURTLE,
                    to_graph=ONTOLOGY_GRAPH)
    return LoadedRelease(directory.resolve(), store, info)


def remote_opener(endpoint: str, **options: Any) -> Callable[[Path], LoadedRelease]:
    """Opens a release whose graphs are served by an external SPARQL endpoint (the release
    directory still gives the dumps, the catalogue files and build-info.json). ``options``
    go to ``external.RemoteStore``: default_graph, named_graphs, timeout, auth."""
    from twinned.store.external import RemoteStore

    def open_release(directory: Path) -> LoadedRelease:
        info = json.loads((directory / BUILD_INFO).read_text("utf-8"))
        store = RemoteStore(endpoint, **options)
        return LoadedRelease(directory.resolve(), store, info, open_release)

    return open_release


def ensure_built(settings: Settings) -> Path:
    """Build when dist/ is missing or stale; return the current release directory."""
    from twinned.build.pipeline import build, is_stale  # (serving a built release needs none of the build)

    if is_stale(settings):
        build(settings)
    dist = settings.output_dir
    if not (dist / BUILD_INFO).exists():
        raise PublishError(f"{dist} holds no release; run 'twinned build'")
    return dist.resolve()


def open_store(settings: Settings) -> LoadedRelease:
    return load_release(ensure_built(settings))
