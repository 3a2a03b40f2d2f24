"""The embedded SPARQL store: the published release's pyoxigraph store, opened read-only.

The store holds the data in the default graph, the ontology in the named graph
<https://w3id.org/twinned/def/> and the catalogue in <BASE/catalog> (query them with
GRAPH); see releasestore.py.

``GraphStore`` is the seam between the site and its store: the two methods of
pyoxigraph's ``Store`` that descriptions, pages, canned queries and the SPARQL endpoint
use. An external SPARQL endpoint stands in for the embedded store through the same
seam (``external.RemoteStore``, docs/external-store.md). The protocol is defined in
``build.releasestore`` (so that queries/, below this layer, can name it too), with the
types of its options; import them from there.

Opening a release needs nothing of the build: building ``dist/`` when it is missing or
stale is ``web.current.ensure_built``, called by the CLI before it opens a release.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from twinned.build.releasestore import (
    BUILD_INFO,
    ONTOLOGY_GRAPH,
    STORE_DIR,
    GraphStore,
    ReadOnlyStore,
)


@dataclass(frozen=True)
class LoadedRelease:
    """A release directory and the store that holds it (in memory, or an external one)."""

    directory: Path
    store: GraphStore  # releasestore.ReadOnlyStore, pyoxigraph.Store, or external.RemoteStore
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
    go to ``external.RemoteStore``: default_graph, named_graphs, timeout, auth (Any: they
    are its keyword arguments, typed there)."""
    from twinned.store.external import RemoteStore

    def open_release(directory: Path) -> LoadedRelease:
        info = json.loads((directory / BUILD_INFO).read_text("utf-8"))
        store = RemoteStore(endpoint, **options)
        return LoadedRelease(directory.resolve(), store, info, open_release)

    return open_release
