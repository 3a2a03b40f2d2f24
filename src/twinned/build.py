"""The build: load records → map → validate → publish ``dist/``.

Nothing is published unless every stage succeeds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rdflib import Graph

from . import __version__
from . import ntriples as nt
from .catalog import EXAMPLES, DumpFile, catalog_graph
from .config import Settings
from .errors import NotConformant
from .fastdumps import jsonld_chunks, turtle_chunks
from .jsonld import context as jsonld_context
from .mapping import map_records
from .publishing import GZIP_LEVEL_LARGE, ReleaseWriter, catalog_serializations
from .records import Records, load_records
from .stats import DataStats
from .validation import Report, load_shapes, start_validation
from .vocab import load_vocabulary, schemes_graph
from .world import counts, world_triples

BUILD_INFO = "build-info.json"


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
    the imported world) as an rdflib graph: for small graphs (the build uses triples)."""
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    graph = map_records(records, settings.base_uri)
    graph += schemes_graph(settings.ontology_dir)
    world = world_triples(records, settings.base_uri)
    if world:
        graph.parse(data=nt.nt_bytes(nt.canonical(world)), format="nt")
    return records, graph


def dataset_triples(settings: Settings) -> tuple[Records, list[nt.Triple]]:
    """Records and the published data graph as sorted N-Triples terms (see ntriples):
    the same graph as ``dataset_graph``, without an rdflib graph of it."""
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    sink = nt.TripleSink()
    map_records(records, settings.base_uri, cast(Graph, sink))
    triples = sink.triples
    triples += nt.from_graph(schemes_graph(settings.ontology_dir))
    triples += world_triples(records, settings.base_uri)
    return records, nt.canonical(triples)


DUMP_TYPES = {
    "twinned.ttl": ("text/turtle", "RDF_TURTLE"),
    "twinned.nt": ("application/n-triples", "RDF_N_TRIPLES"),
    "twinned.jsonld": ("application/ld+json", "JSON_LD"),
}


def _concat_ttl(paths: list[Path]) -> bytes:
    return b"\n".join(p.read_bytes() for p in paths)


LARGE_GRAPH = 100_000  # triples; a larger graph's dumps are gzipped at GZIP_LEVEL_LARGE, not 9
CHUNK_LINES = 20_000


def _nt_chunks(triples: Sequence[nt.Triple]) -> Iterator[bytes]:
    if not triples:
        yield b"\n"
    for i in range(0, len(triples), CHUNK_LINES):
        yield "".join(f"{s} {p} {o} .\n" for s, p, o in triples[i:i + CHUNK_LINES]).encode("utf-8")


def _bar(chunks: Iterable[bytes], name: str, total: int, progress: Callable[[str], None]) -> Iterator[bytes]:
    """The chunks, drawing a progress bar of the bytes written (against an estimate)."""
    done, shown = 0, -1
    for chunk in chunks:
        done += len(chunk)
        tenth = min(10, done * 10 // max(total, 1))
        if tenth != shown:
            shown = tenth
            progress(f"\rwriting {name} [{'#' * tenth}{'.' * (10 - tenth)}] {done / 1e6:,.0f} MB")
        yield chunk
    progress(f"wrote {name}, {done / 1e6:,.1f} MB")


def write_dumps(writer: ReleaseWriter, triples: Sequence[nt.Triple], base: str,
                progress: Callable[[str], None] = lambda _m: None) -> list[DumpFile]:
    """The dumps (each also gzipped) and their JSON-LD context; the catalogue's view of them."""
    large = len(triples) > LARGE_GRAPH
    level = GZIP_LEVEL_LARGE if large else 9

    def jsonld() -> Iterator[bytes]:
        return (c.encode("utf-8") for c in jsonld_chunks(triples, base))

    jsonld_done = writer.stream_forked("twinned.jsonld", jsonld, level) if large else None
    estimate = 140 * len(triples)  # bytes of N-Triples per triple, about; Turtle about a third
    writer.stream("twinned.nt", _bar(_nt_chunks(triples), "twinned.nt", estimate, progress), level)
    writer.stream("twinned.ttl", _bar((c.encode("utf-8") for c in turtle_chunks(triples)), "twinned.ttl",
                                      estimate // 3, progress), level)
    if jsonld_done is not None:
        jsonld_done()  # the JSON-LD was written beside the others, in a process of its own
    else:
        writer.stream("twinned.jsonld", jsonld(), level)
    writer.write("context.jsonld", (json.dumps({"@context": jsonld_context()}, ensure_ascii=False, indent=1)
                                    + "\n").encode("utf-8"))
    dumps = []
    for name, (media, ftype) in DUMP_TYPES.items():
        for file, gz in ((name, False), (f"{name}.gz", True)):
            dumps.append(DumpFile(file, media, ftype, b"", compressed=gz, size=writer.sizes[file],
                                  sha256=writer.digests[file]))
    return dumps


def build(settings: Settings, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    progress("loading and mapping the records")
    records, triples = dataset_triples(settings)
    progress(f"validating {len(triples)} triples")
    examples = [settings.base_uri + k for k in EXAMPLES]
    validation = start_validation(triples, load_shapes(settings.shapes_dir),
                                  also=lambda: DataStats.from_triples(triples, settings.base_uri, examples))
    writer: ReleaseWriter | None = None
    try:
        if validation.ready:
            report = validation.result()  # a small graph: validated, publish nothing if it fails
            if not report.conforms:
                raise NotConformant(report.text())
        progress("writing dumps")
        writer = ReleaseWriter(settings.output_dir)
        dumps = write_dumps(writer, triples, settings.base_uri, progress)
        if not validation.ready:
            progress("dumps written; waiting for the validation")
        report = validation.result()
        if not report.conforms:
            raise NotConformant(report.text())
        progress("writing the catalogue")
        stats: DataStats = validation.extra
        for name, data in catalog_serializations(catalog_graph(settings, stats, dumps), settings.base_uri).items():
            writer.write(name, data)
        writer.write("ontology.ttl", (settings.ontology_dir / "twinned.ttl").read_bytes())
        writer.write("shapes.ttl", _concat_ttl(sorted(settings.shapes_dir.glob("*.ttl"))))
        writer.write("validation-report.txt", report.text().encode("utf-8"))
        writer.write("validation-report.ttl", report.graph.serialize(format="turtle", encoding="utf-8"))
        numbers = counts(records)
        numbers["documents"] = stats.classes.get("https://w3id.org/twinned/def/Document", 0)
        info = {
            "twinned": __version__,
            "base_uri": settings.base_uri,
            "input_digest": input_digest(settings),
            "triples": len(triples),
            "partnerships": numbers["partnerships"],
            "places": numbers["places"],
            "memberships": numbers["memberships"],
            "counts": numbers,
            "files": dict(sorted(writer.digests.items())),
        }
        writer.write(BUILD_INFO, (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
        release_dir = writer.finish()
    except BaseException:
        validation.cancel()
        if writer is not None:
            writer.abandon()
        raise
    progress(f"published {release_dir.name}")
    return BuildResult(release_dir, records, len(triples), report, numbers)
