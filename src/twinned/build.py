"""The build: load records → map → validate → publish ``dist/``.

Nothing is published unless every stage succeeds.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

import pyoxigraph as ox

from . import __version__, jsonld
from .catalog import EXAMPLES, DumpFile, catalog_graph
from .config import Settings
from .describe import SUBJECTS_FILE
from .errors import NotConformant
from .incremental import UNITS_FILE, previous_digests, units, update
from .publishing import GZIP_LEVEL_LARGE, ReleaseWriter, catalog_serializations, current_release
from .pages import Site
from .pictures import ATLAS_FILE, write_atlas
from .records import Records, load_records
from .releasestore import BUILD_INFO, ONTOLOGY_GRAPH, PARTS_DIR, STORE_DIR, catalog_graph_name, fsync_tree
from .stats import DataStats
from .vocab import PREFIXES, load_vocabulary
from .world import counts

if TYPE_CHECKING:
    from .validation import Report



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
        built = json.loads(info.read_text("utf-8")).get("input_digest")
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
    """The triples of the N-Triples dump just written (read back by pyoxigraph's parser:
    many times faster than reading the on-disk store again)."""
    return (q.triple for q in ox.parse(path=str(writer.path("twinned.nt")), format=ox.RdfFormat.N_TRIPLES))


def write_dumps(writer: ReleaseWriter, store: ox.Store, base: str, triples: int,
                progress: Callable[[str], None] = lambda _m: None) -> list[DumpFile]:
    """The dumps of the store's default graph (each also gzipped) and their JSON-LD
    context; the catalogue's view of them. N-Triples (already written by ``dump_ntriples``)
    and Turtle are pyoxigraph's, JSON-LD our compact writer's (jsonld.py)."""
    level = GZIP_LEVEL_LARGE if triples > LARGE_GRAPH else 9
    writer.adopt("twinned.nt", level)
    progress("writing twinned.ttl")
    store.dump(str(writer.path("twinned.ttl")), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
               prefixes=dict(PREFIXES))
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


def dump_ntriples(writer: ReleaseWriter, store: ox.Store) -> None:
    """The N-Triples dump of the store's default graph, in the store's (deterministic) order."""
    store.dump(str(writer.path("twinned.nt")), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def _noting_subjects(triples: Iterator[ox.Triple], found: set[str]) -> Iterator[ox.Triple]:
    """The triples, each named subject noted in ``found`` as they pass."""
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            found.add(t.subject.value)
        yield t


def _subjects(data_subjects: set[str], store: ox.Store) -> bytes:
    """The sorted subject IRIs of every graph of the served store (the data's noted while
    the statistics read its dump, the ontology's and the catalogue's from their small graphs)."""
    found = set(data_subjects)
    found |= {q.subject.value for graph in store.named_graphs()  # (not a scan of the default graph too)
              for q in store.quads_for_pattern(None, None, None, graph) if isinstance(q.subject, ox.NamedNode)}
    return "".join(f"{iri}\n" for iri in sorted(found)).encode("utf-8")


def _open_stores(writer: ReleaseWriter, previous: Path | None,
                 had: dict[str, str]) -> tuple[ox.Store, ox.Store]:
    """The new release's stores: checkpoints of the last release's (hard-linked, opened
    read-write at once) when it has them, else empty ones."""
    parts, served = writer.path(PARTS_DIR), writer.path(STORE_DIR)
    if had and previous is not None:
        ox.Store.read_only(str(previous / PARTS_DIR)).backup(str(parts))
        ox.Store.read_only(str(previous / STORE_DIR)).backup(str(served))
    return ox.Store(str(parts)), ox.Store(str(served))


def build(settings: Settings, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    from .validation import load_shapes, validate_store  # (pySHACL: imported when a build runs)

    progress("loading the records")
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    wanted = units(settings, records)
    shapes = load_shapes(settings.shapes_dir)
    previous = current_release(settings.output_dir)
    had = previous_digests(previous)
    writer = ReleaseWriter(settings.output_dir)
    try:
        parts, served = _open_stores(writer, previous, had)
        progress("mapping the records that changed" if had else "mapping the records")
        table = update(parts, served, wanted, had, progress)
        progress("writing twinned.nt")
        dump_ntriples(writer, served)  # the union of the parts: validated from this file
        progress("validating")
        report = validate_store(parts, shapes, union_nt=writer.path("twinned.nt"))
        if not report.conforms:
            raise NotConformant(report.text())
        served.remove_graph(ONTOLOGY_GRAPH)
        served.bulk_load(path=str(settings.ontology_dir / "twinned.ttl"), format=ox.RdfFormat.TURTLE,
                         to_graph=ONTOLOGY_GRAPH)
        examples = [settings.base_uri + k for k in EXAMPLES]
        data_subjects: set[str] = set()  # (one read of the dump for the statistics and the index)
        stats = DataStats.from_triples(_noting_subjects(_dumped(writer), data_subjects), settings.base_uri, examples)
        dumps = write_dumps(writer, served, settings.base_uri, stats.triples, progress)
        progress("writing the catalogue")
        catalog = catalog_serializations(catalog_graph(settings, stats, dumps), settings.base_uri)
        for name, data in catalog.items():
            writer.write(name, data)
        served.remove_graph(catalog_graph_name(settings.base_uri))
        served.bulk_load(input=catalog["catalog.nt"], format=ox.RdfFormat.N_TRIPLES,
                         to_graph=catalog_graph_name(settings.base_uri))
        writer.write(SUBJECTS_FILE, _subjects(data_subjects, served))  # the server's index of resources
        progress("writing the atlas")
        writer.write(ATLAS_FILE, write_atlas(Site(served, settings.base_uri), _dumped(writer)))
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
        parts.flush()
        served.flush()
        del parts, served  # closed: the files are complete, and open read-only elsewhere
        gc.collect()
        for folder in (PARTS_DIR, STORE_DIR):
            fsync_tree(writer.path(folder))
        # not a published file (not in the release id): what the next build starts from
        with open(writer.path(UNITS_FILE), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(table, indent=1, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        release_dir = writer.finish()
    except BaseException:
        writer.abandon()
        raise
    progress(f"published {release_dir.name}")
    return BuildResult(release_dir, records, stats.triples, report, numbers)
