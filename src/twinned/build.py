"""The build: load records → map → validate → publish ``dist/``.

Nothing is published unless every stage succeeds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import __version__
from .catalog import DumpFile, catalog_graph
from .config import Settings
from .errors import NotConformant
from .mapping import map_records
from .publishing import Release, catalog_serializations, dump_files, publish
from .records import Records, load_records
from .validation import Report, load_shapes, validate_graph
from .vocab import load_vocabulary, schemes_graph

BUILD_INFO = "build-info.json"


@dataclass(frozen=True)
class BuildResult:
    release_dir: Path
    records: Records
    triples: int
    report: Report


def input_files(settings: Settings) -> list[Path]:
    """Every file whose content the build depends on."""
    files: list[Path] = []
    for folder, pattern in (
        (settings.data_dir, "**/*.yaml"),
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
    """Records and the published data graph (records mapped, plus the SKOS schemes)."""
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    graph = map_records(records, settings.base_uri)
    graph += schemes_graph(settings.ontology_dir)
    return records, graph


DUMP_TYPES = {
    "twinned.ttl": ("text/turtle", "RDF_TURTLE"),
    "twinned.nt": ("application/n-triples", "RDF_N_TRIPLES"),
    "twinned.jsonld": ("application/ld+json", "JSON_LD"),
}


def catalog_files(settings: Settings, graph: Graph, files: dict[str, bytes]) -> dict[str, bytes]:
    """The DCAT-AP + VoID catalogue describing the dumps, as Turtle, JSON-LD and RDF/XML."""
    dumps = []
    for name, (media, ftype) in DUMP_TYPES.items():
        dumps.append(DumpFile(name, media, ftype, files[name]))
        dumps.append(DumpFile(name + ".gz", media, ftype, files[name + ".gz"], compressed=True))
    return catalog_serializations(catalog_graph(settings, graph, dumps), settings.base_uri)


def _concat_ttl(paths: list[Path]) -> bytes:
    return b"\n".join(p.read_bytes() for p in paths)


def build(settings: Settings, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    progress("loading records")
    records, graph = dataset_graph(settings)
    progress(f"validating {len(graph)} triples")
    shapes = load_shapes(settings.shapes_dir)
    report = validate_graph(graph, shapes)
    if not report.conforms:
        raise NotConformant(report.text())
    progress("writing dumps")
    files = dump_files(graph, settings.base_uri)
    files.update(catalog_files(settings, graph, files))
    files["ontology.ttl"] = (settings.ontology_dir / "twinned.ttl").read_bytes()
    files["shapes.ttl"] = _concat_ttl(sorted(settings.shapes_dir.glob("*.ttl")))
    files["validation-report.txt"] = report.text().encode("utf-8")
    files["validation-report.ttl"] = report.graph.serialize(format="turtle", encoding="utf-8")
    info = {
        "twinned": __version__,
        "base_uri": settings.base_uri,
        "input_digest": input_digest(settings),
        "triples": len(graph),
        "partnerships": len(records.partnerships),
        "places": len(records.gazetteer.places),
        "memberships": len(records.memberships),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files[BUILD_INFO] = (json.dumps(info, indent=2, sort_keys=True) + "\n").encode()
    release_dir = publish(Release(files), settings.output_dir)
    progress(f"published {release_dir.name}")
    return BuildResult(release_dir, records, len(graph), report)
