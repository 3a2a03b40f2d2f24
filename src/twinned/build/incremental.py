"""Incremental rebuilds: the data as units, one per input, and the release's stores
brought up to date by replacing only the units whose inputs changed.

A unit is the triples of one input (``places.yaml``, one record file, the SKOS schemes,
the imported world), kept as a named graph of ``parts/`` (releasestore.py). Each unit
has a digest of everything its triples depend on (its file; the gazetteer for a record
file; for the world its files, the gazetteer and the curated partnerships' pairs). A
build starts from a hard-linked checkpoint of the last release's stores, maps only the
units whose digest changed, and replaces their graphs; the served store's default graph
(the union of the units) gains what they added and loses what they removed and no other
unit still holds. A first build is the same, from empty stores, so an incremental
build and a full one follow the same path and give the same store, hence the same dumps
(tests/test_incremental.py edits records at random and compares the two byte for byte).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph

from twinned import __version__
from twinned.build.mapping import map_city, map_gazetteer
from twinned.build.releasestore import PARTS_DIR, STORE_DIR, unit_graph
from twinned.config import Settings
from twinned.rdf import ntriples as nt
from twinned.rdf.vocab import SCHEME_FILES, schemes_graph
from twinned.records.load import PLACES_FILE, CityFile, Records
from twinned.records.world import WORLD_DIR, world_triples

UNITS_FILE = "units.json"  # in the release directory: each unit's digest
NT = ox.RdfFormat.N_TRIPLES


@dataclass(frozen=True)
class Unit:
    """One input's triples: a name (its graph), a digest of its inputs, a way to map it."""

    name: str
    digest: str
    triples: Callable[[], bytes]  # N-Triples


def _digest(settings: Settings, *parts: bytes) -> str:
    h = hashlib.sha256(f"twinned {__version__}\n{settings.base_uri}\n".encode())
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _nt(triples: list[nt.Triple]) -> bytes:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode("utf-8")


def _mapped(fill: Callable[[Graph], object]) -> bytes:
    sink = nt.TripleSink()
    fill(cast(Graph, sink))
    return _nt(sink.triples)


def _city_mapper(records: Records, city: CityFile, base: str) -> Callable[[], bytes]:
    return lambda: _mapped(lambda g: map_city(records, city, base, g))


def units(settings: Settings, records: Records) -> list[Unit]:
    """The units of the data graph, with their digests (nothing is mapped yet)."""
    data, base = settings.data_dir, settings.base_uri
    gazetteer = (data / PLACES_FILE).read_bytes()
    out = [Unit(f"{data.name}/{PLACES_FILE}", _digest(settings, gazetteer),
                lambda: _mapped(lambda g: map_gazetteer(records, base, g)))]
    for city in records.cities:
        path = Path(city.path) if Path(city.path).is_absolute() else data.parent / city.path
        out.append(Unit(city.path, _digest(settings, gazetteer, path.read_bytes()), _city_mapper(records, city, base)))
    schemes = [(settings.ontology_dir / name).read_bytes() for name in SCHEME_FILES]
    out.append(Unit("ontology/schemes", _digest(settings, *schemes),
                    lambda: _mapped(lambda g: [g.add(t) for t in schemes_graph(settings.ontology_dir)])))
    if records.world is not None:
        world_files = sorted((data / WORLD_DIR).rglob("*"))
        pairs = "\n".join(sorted(f"{a} {b}" for a, b in {p.parties for p in records.partnerships}))
        inputs = [p.read_bytes() for p in world_files if p.is_file()]
        out.append(Unit(f"{data.name}/{WORLD_DIR}", _digest(settings, gazetteer, pairs.encode(), *inputs),
                        lambda: _nt(world_triples(records, base))))
    return out


def units_store(settings: Settings, records: Records) -> ox.Store:
    """Every unit mapped into an in-memory store, one named graph each (what ``parts/``
    holds): for validating without building."""
    store = ox.Store()
    for unit in units(settings, records):
        store.bulk_load(input=unit.triples(), format=NT, to_graph=unit_graph(unit.name))
    return store


def previous_digests(release: Path | None) -> dict[str, str]:
    """The units of the release a build may start from (none: start from empty stores)."""
    if release is None or not (release / PARTS_DIR).is_dir() or not (release / STORE_DIR).is_dir():
        return {}
    try:
        found = json.loads((release / UNITS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _graph_triples(parts: ox.Store, graph: ox.NamedNode) -> set[ox.Triple]:
    return {q.triple for q in parts.quads_for_pattern(None, None, None, graph)}


def _held_elsewhere(parts: ox.Store, t: ox.Triple) -> bool:
    return any(True for _ in parts.quads_for_pattern(t.subject, t.predicate, t.object))


def update(parts: ox.Store, served: ox.Store, wanted: list[Unit], had: dict[str, str],
           progress: Callable[[str], None] = lambda _m: None) -> dict[str, str]:
    """Bring the stores from the units ``had`` (name -> digest) to ``wanted``; the new
    name -> digest table. The served store's default graph stays the union of the units."""
    names = {u.name for u in wanted}
    gone = sorted(set(had) - names)
    changed = [u for u in wanted if had.get(u.name) != u.digest]
    removed: set[ox.Triple] = set()
    if had and (changed or gone):
        progress(f"{len(changed)} input(s) changed, {len(gone)} removed")
    for name in gone:
        graph = unit_graph(name)
        removed |= _graph_triples(parts, graph)
        parts.remove_graph(graph)
    for unit in changed:
        graph = unit_graph(unit.name)
        data = unit.triples()
        if unit.name not in had:  # new: loaded as it is, in bulk
            parts.bulk_load(input=data, format=NT, to_graph=graph)
            served.bulk_load(input=data, format=NT)
            continue
        old = _graph_triples(parts, graph)
        new = {q.triple for q in ox.parse(data, format=NT)}
        parts.remove_graph(graph)
        parts.bulk_load(input=data, format=NT, to_graph=graph)
        removed |= old - new
        served.extend([ox.Quad(t.subject, t.predicate, t.object) for t in new - old])
    for t in sorted(removed, key=str):
        if not _held_elsewhere(parts, t):
            served.remove(ox.Quad(t.subject, t.predicate, t.object))
    return {u.name: u.digest for u in sorted(wanted, key=lambda u: u.name)}
