"""The build: load records → map → validate → publish ``dist/``.

Nothing is published unless every stage succeeds.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from rdflib import Graph

from twinned import __version__
from twinned.build.catalog import EXAMPLES, DumpFile, catalog_graph
from twinned.build.incremental import (
    UNITS_FILE,
    Segments,
    previous_digests,
    segment_file,
    segments,
    union_store,
    units,
    update,
)
from twinned.build.publishing import GZIP_LEVEL_LARGE, ReleaseWriter, catalog_serializations, current_release
from twinned.build.releasestore import (
    BUILD_INFO,
    ONTOLOGY_GRAPH,
    PARTS_DIR,
    STORE_DIR,
    SUBJECTS_FILE,
    catalog_graph_name,
    fsync_tree,
)
from twinned.build.stats import DataStats
from twinned.config import Settings
from twinned.errors import NotConformant
from twinned.rdf import jsonld
from twinned.rdf.vocab import PREFIXES, load_vocabulary
from twinned.records.load import load_records
from twinned.records.model import Records
from twinned.records.world import counts

if TYPE_CHECKING:
    from twinned.validation.report import Report



class Product(Protocol):
    """A file an upper layer derives from the whole graph, written into the release by the
    build so that no server computes it at start (the web layer's atlas: ``web.atlas``).
    Given the union of the data with the ontology and catalogue graphs, the settings, and
    the sorted subject index (``SUBJECTS_FILE``); gives the file's name and bytes."""

    def __call__(self, store: ox.Store, settings: Settings, subjects: bytes,
                 progress: Callable[[str], None]) -> tuple[str, bytes]: ...


@dataclass(frozen=True)
class BuildResult:
    release_dir: Path
    records: Records
    triples: int
    report: Report
    counts: dict[str, int] = field(default_factory=dict)


def input_files(settings: Settings) -> list[Path]:
    """Every file whose content the build depends on."""
    files: list[Path] = []
    for folder, pattern in (
        (settings.data_dir, "**/*.yaml"),
        (settings.data_dir, "**/*.tsv"),
        (settings.ontology_dir, "*.ttl"),
        (settings.shapes_dir, "*.ttl"),
    ):
        files += sorted(folder.glob(pattern))
    return files


def input_digest(settings: Settings) -> str:
    h = hashlib.sha256(f"twinned {__version__}\n{settings.base_uri}\n".encode())
    for path in input_files(settings):
        h.update(str(path.relative_to(settings.project_dir)).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def is_stale(settings: Settings) -> bool:
    """True when dist/ is missing or was built from other inputs or settings."""
    info = settings.output_dir / BUILD_INFO
    try:
        built: object = json.loads(info.read_text("utf-8")).get("input_digest")
    except (OSError, ValueError):
        return True
    return built != input_digest(settings)


def dataset_graph(settings: Settings) -> tuple[Records, Graph]:
    """Records and the published data graph (records mapped, plus the SKOS schemes and
    the imported world) as an rdflib graph: for small graphs and tests."""
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    graph = Graph()
    for unit in units(settings, records):
        graph.parse(data=unit.triples(), format="nt")
    return records, graph


DUMP_TYPES = {
    "twinned.ttl": ("text/turtle", "RDF_TURTLE"),
    "twinned.nt": ("application/n-triples", "RDF_N_TRIPLES"),
    "twinned.jsonld": ("application/ld+json", "JSON_LD"),
}


def _concat_ttl(paths: list[Path]) -> bytes:
    return b"\n".join(p.read_bytes() for p in paths)


LARGE_GRAPH = 100_000  # triples; a larger graph's dumps are gzipped at GZIP_LEVEL_LARGE, not 9


def _dumped(writer: ReleaseWriter) -> Iterator[ox.Triple]:
    """The triples of the N-Triples dump just written (read back by pyoxigraph's parser)."""
    return (q.triple for q in ox.parse(path=str(writer.path("twinned.nt")), format=ox.RdfFormat.N_TRIPLES))


def write_ntriples(writer: ReleaseWriter, union: ox.Store) -> list[bytes]:
    """The N-Triples dump of the data (``union``'s default graph) with its gzipped copy:
    pyoxigraph's lines, sorted (so the order is the triples', whatever the store's: a
    subject's triples are together, and an incremental build writes what a full one
    does); its lines."""
    path = writer.path("twinned.nt")  # (read back as lines: the dump is never one more object in memory)
    union.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    with path.open("rb") as fh:
        lines = fh.readlines()
    path.unlink()
    lines.sort()
    level = GZIP_LEVEL_LARGE if len(lines) > LARGE_GRAPH else 9
    writer.stream("twinned.nt", _batches(lines), level)
    return lines


def _batches(lines: list[bytes], size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(lines), size):
        yield b"".join(lines[i:i + size])


def write_dumps(writer: ReleaseWriter, base: str, triples: int,
                progress: Callable[[str], None] = lambda _m: None) -> list[DumpFile]:
    """The Turtle and JSON-LD dumps of the data (each also gzipped), made from the
    N-Triples dump (``write_ntriples``) in its order, and their JSON-LD context; the
    catalogue's view of the three. Turtle is pyoxigraph's, JSON-LD our compact writer's
    (jsonld.py). (Measured at W10: pyoxigraph serialises the parsed dump as Turtle in
    about 2 s; a dump of the on-disk store took 8-10 s.)"""
    level = GZIP_LEVEL_LARGE if triples > LARGE_GRAPH else 9
    progress("writing twinned.ttl")
    ox.serialize(_dumped(writer), str(writer.path("twinned.ttl")), ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    writer.adopt("twinned.ttl", level)
    progress("writing twinned.jsonld")
    writer.stream("twinned.jsonld", (c.encode("utf-8") for c in jsonld.chunks(_dumped(writer), base)), level)
    writer.write("context.jsonld", (json.dumps({"@context": jsonld.context()}, ensure_ascii=False, indent=1)
                                    + "\n").encode("utf-8"))
    dumps = []
    for name, (media, ftype) in DUMP_TYPES.items():
        for file, gz in ((name, False), (f"{name}.gz", True)):
            dumps.append(DumpFile(file, media, ftype, b"", compressed=gz, size=writer.sizes[file],
                                  sha256=writer.digests[file]))
    return dumps


def _subjects(data_subjects: set[str], store: ox.Store) -> bytes:
    """The sorted subject IRIs of every graph of the served store (the data's noted while
    the statistics read its dump's lines, the ontology's and the catalogue's from their
    small graphs)."""
    found = set(data_subjects)
    found |= {q.subject.value for graph in store.named_graphs()  # (not a scan of the default graph too)
              for q in store.quads_for_pattern(None, None, None, graph) if isinstance(q.subject, ox.NamedNode)}
    return "".join(f"{iri}\n" for iri in sorted(found)).encode("utf-8")


PIECE = 16 << 20  # bytes of N-Triples per bulk load of the on-disk store: its memory stays small


def _pieces(path: Path) -> Iterator[bytes]:
    """An N-Triples file in pieces of about PIECE bytes, cut at line ends."""
    with path.open("rb") as fh:
        while piece := fh.read(PIECE):
            yield piece + fh.readline()


class ServedStore:
    """The new release's ``store/``: a checkpoint of the last release's brought up to
    date (``incremental.update``: milliseconds), or, for a first build, the union bulk
    loaded in a thread beside the rest of the build (pyoxigraph releases the GIL).
    Measured at W10: the bulk load takes 9-14 s and, in one piece, 1 GB more memory; in
    16 MB pieces, 200 MB."""

    def __init__(self, path: Path, previous: Path | None, parts: Segments, union: ox.Store,
                 files: list[Path]) -> None:
        """``files``: the units' N-Triples (``parts/``), what a first build loads."""
        self.failed: list[BaseException] = []
        if previous is not None:
            ox.Store.read_only(str(previous / STORE_DIR)).backup(str(path))
            self.store = ox.Store(str(path))
            update(self.store, union, parts)
            self.thread: threading.Thread | None = None
            return
        self.store = ox.Store(str(path))
        self.thread = threading.Thread(target=self._load, args=(files,), name="bulk-load", daemon=True)
        self.thread.start()

    def _load(self, files: list[Path]) -> None:
        try:
            for file in files:
                for piece in _pieces(file):
                    self.store.bulk_load(input=piece, format=ox.RdfFormat.N_TRIPLES)
        except BaseException as exc:
            self.failed.append(exc)

    def ready(self) -> ox.Store:
        """The store, once loaded (raises what the loading raised)."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.failed:
            raise self.failed[0]
        return self.store


def _add_graphs(store: ox.Store, settings: Settings, catalog_nt: bytes) -> None:
    """The ontology's and the catalogue's named graphs (replacing the last release's)."""
    store.remove_graph(ONTOLOGY_GRAPH)
    store.bulk_load(path=str(settings.ontology_dir / "twinned.ttl"), format=ox.RdfFormat.TURTLE,
                    to_graph=ONTOLOGY_GRAPH)
    store.remove_graph(catalog_graph_name(settings.base_uri))
    store.bulk_load(input=catalog_nt, format=ox.RdfFormat.N_TRIPLES, to_graph=catalog_graph_name(settings.base_uri))


def build(settings: Settings, progress: Callable[[str], None] = lambda _: None,
          products: Sequence[Product] = ()) -> BuildResult:
    """See ``_build``; Python's cyclic garbage collector is held off meanwhile (the build
    makes millions of objects that live until its end, and each full collection walks
    them all: measured at W10, it cost seconds)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(settings, progress, products)
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def _build(settings: Settings, progress: Callable[[str], None], products: Sequence[Product]) -> BuildResult:
    """Map (only what changed since the last release), hold the data's union in memory,
    write the dumps from it, validate it, and publish the release with its on-disk
    served store. Measured at W10 (1.42M triples, 2-core machine shared with other jobs,
    2026-12-03): the design with two on-disk stores (the units as named graphs, and the
    served union) and dumps read from them took 58 s and 1.45 GB."""
    from twinned.validation.engine import load_shapes, validate_store  # (pySHACL: imported when a build runs)

    progress("loading the records")
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    wanted = units(settings, records)
    shapes = load_shapes(settings.shapes_dir)
    previous = current_release(settings.output_dir)
    had = previous_digests(previous)
    writer = ReleaseWriter(settings.output_dir)
    served: ServedStore | None = None
    try:
        progress("mapping the records that changed" if had else "mapping the records")
        parts = segments(wanted, had, previous, writer.path(PARTS_DIR), progress)
        union = union_store(parts.now)
        files = [writer.path(PARTS_DIR) / segment_file(name) for name in parts.now]
        parts.now.clear()  # (kept in parts/ and in the union: 200 MB at W10)
        progress("writing twinned.nt")
        lines = write_ntriples(writer, union)
        examples = [settings.base_uri + k for k in EXAMPLES]
        stats, data_subjects = DataStats.from_lines(lines, settings.base_uri, examples)
        del lines  # (before the validation, which holds the graph once more)
        progress("validating")
        report = validate_store(union, shapes, union_nt=writer.path("twinned.nt"))
        if not report.conforms:
            raise NotConformant(report.text())
        # (started after the validation, so that the two never hold their memory at once)
        served = ServedStore(writer.path(STORE_DIR), previous if had else None, parts, union, files)
        dumps = write_dumps(writer, settings.base_uri, stats.triples, progress)
        progress("writing the catalogue")
        catalog = catalog_serializations(catalog_graph(settings, stats, dumps), settings.base_uri)
        for name, data in catalog.items():
            writer.write(name, data)
        _add_graphs(union, settings, catalog["catalog.nt"])  # (now it holds what the served store will)
        subjects = _subjects(data_subjects, union)
        writer.write(SUBJECTS_FILE, subjects)  # the server's index of resources
        for product in products:  # (the web layer's atlas: given the index, it reads no store scan for it)
            name, data = product(union, settings, subjects, progress)
            writer.write(name, data)
        progress("writing the reports")
        del union
        writer.write("ontology.ttl", (settings.ontology_dir / "twinned.ttl").read_bytes())
        writer.write("shapes.ttl", _concat_ttl(sorted(settings.shapes_dir.glob("*.ttl"))))
        writer.write("validation-report.txt", report.text().encode("utf-8"))
        writer.write("validation-report.ttl", report.turtle())
        numbers = counts(records)
        numbers["documents"] = stats.classes.get("https://w3id.org/twinned/def/Document", 0)
        info = {
            "twinned": __version__,
            "base_uri": settings.base_uri,
            "input_digest": input_digest(settings),
            "triples": stats.triples,
            "partnerships": numbers["partnerships"],
            "places": numbers["places"],
            "memberships": numbers["memberships"],
            "counts": numbers,
            "files": dict(sorted(writer.digests.items())),
        }
        writer.write(BUILD_INFO, (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
        progress("finishing the served store")
        store = served.ready()
        _add_graphs(store, settings, catalog["catalog.nt"])
        store.flush()
        del store  # closed: the files are complete, and open read-only elsewhere
        served = None  # (its thread has ended: ready() joined it)
        gc.collect()
        for folder in (PARTS_DIR, STORE_DIR):
            fsync_tree(writer.path(folder))
        # not a published file (not in the release id): what the next build starts from
        with open(writer.path(UNITS_FILE), "w", encoding="utf-8") as fh:
            fh.write(json.dumps({u.name: u.digest for u in sorted(wanted, key=lambda u: u.name)},
                                indent=1, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        release_dir = writer.finish()
    except BaseException:
        if served is not None and served.thread is not None:
            served.thread.join()  # (the folder it writes is about to go)
        writer.abandon()
        raise
    progress(f"published {release_dir.name}")
    return BuildResult(release_dir, records, stats.triples, report, numbers)
