"""The release as a store: a persistent pyoxigraph store in every release directory.

``store/``
    what is served: the data in the default graph, the ontology in the named graph
    <https://w3id.org/twinned/def/> and the DCAT/VoID catalogue in <BASE/catalog>. The
    server, each of its forked processes and each SPARQL worker open it read-only
    (``ReadOnlyStore``): nothing is loaded at start, and the processes share its pages
    through the operating system's page cache. A rebuild starts from a hard-linked
    checkpoint of the last release's (``Store.backup``) and changes only what the
    inputs that changed added or removed (see ``incremental``).
``parts/``
    what the build keeps for the next build: each input unit's N-Triples (a record
    file, the SKOS schemes, the imported world), one file each, whose union is the data.

Both are written in the release's temporary directory and published with the rest of it
by the one atomic swap of ``dist`` (publishing.py); they are not part of the release id,
which hashes the published files (the dumps say what the store holds).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypedDict, Unpack
from urllib.parse import quote

import pyoxigraph as ox

from twinned.rdf.vocab import TW

SUBJECTS_FILE = "subjects.txt"  # in the release: every subject IRI, sorted, one a line (UTF-8)
BUILD_INFO = "build-info.json"  # in the release: what was built, from what, with each file's sum
STORE_DIR = "store"
PARTS_DIR = "parts"
ONTOLOGY_GRAPH = ox.NamedNode(str(TW))
UNIT_PREFIX = "urn:twinned:input:"


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class QueryOptions(TypedDict, total=False):
    """The options of ``pyoxigraph.Store.query`` a store must take (``GraphStore``)."""

    base_iri: str | None
    use_default_graph_as_union: bool
    default_graph: GraphName | list[GraphName] | None
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None
    substitutions: dict[ox.Variable, Term] | None


class GraphStore(Protocol):
    """What the site asks of a store: the subset of pyoxigraph's ``Store`` API in use
    (the same names, so a ``pyoxigraph.Store`` is one; so are ``ReadOnlyStore`` and
    ``store.external.RemoteStore``). ``LoadedRelease.store`` is one."""

    def query(self, query: str, /, **options: Unpack[QueryOptions]) -> QueryResult:
        """Solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE)."""
        ...

    def quads_for_pattern(self, subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
                          predicate: ox.NamedNode | None, object: Term | None,
                          graph_name: GraphName | None = None) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything)."""
        ...


def catalog_graph_name(base: str) -> ox.NamedNode:
    return ox.NamedNode(base + "catalog")


def unit_graph(unit: str) -> ox.NamedNode:
    """The named graph (in ``parts/``) of one input unit, e.g. ``cities/kosice.yaml``."""
    return ox.NamedNode(UNIT_PREFIX + quote(unit, safe="/._-"))


IN_USE = ".in-use"  # a release's lock file: shared-locked (flock) while a process reads it


def hold(release: Path) -> int | None:
    """Mark a release as read by this process (and the processes it forks) until the
    descriptor returned is closed: builds do not prune it meanwhile (``in_use``). None
    when the mark cannot be made (a read-only release folder): nothing is held."""
    try:
        fd = os.open(release / IN_USE, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def in_use(release: Path) -> bool:
    """True while some process holds the release (``hold``)."""
    try:
        fd = os.open(release / IN_USE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class ReadOnlyStore:
    """A release's ``store/`` opened read-only, once in each process that uses it: a
    process forked after the first use opens its own (a RocksDB handle must not cross a
    fork). Offers what the site asks of a store (``GraphStore``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid = -1
        self._store: ox.Store | None = None
        self._lock = threading.Lock()  # held only while opening, never across a request
        self._held = hold(path.parent)  # a build must not prune the release under us

    def __del__(self) -> None:
        held: int | None = getattr(self, "_held", None)  # (None too when __init__ failed early)
        if held is not None:
            os.close(held)

    def _open(self) -> ox.Store:
        store, pid = self._store, os.getpid()
        if store is not None and self._pid == pid:
            return store
        with self._lock:
            if self._store is None or self._pid != pid:
                self._store = ox.Store.read_only(str(self.path))
                self._pid = pid
            return self._store

    def query(self, query: str, /, **options: Unpack[QueryOptions]) -> QueryResult:
        return self._open().query(query, **options)

    def quads_for_pattern(self, subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
                          predicate: ox.NamedNode | None, object: Term | None,
                          graph_name: GraphName | None = None) -> Iterator[ox.Quad]:
        return self._open().quads_for_pattern(subject, predicate, object, graph_name)

    def __len__(self) -> int:
        """The number of quads, every graph (as ``pyoxigraph.Store``)."""
        return len(self._open())


def is_local(store: object) -> bool:
    """True for a store of this machine (not an external SPARQL endpoint)."""
    return isinstance(store, ox.Store | ReadOnlyStore)


def fsync_tree(root: Path) -> None:
    """fsync every file of a store directory and the directory itself."""
    for path in sorted(root.iterdir()):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
