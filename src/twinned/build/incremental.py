"""Incremental rebuilds: the data as units, one per input, and the release brought up
to date by mapping only the units whose inputs changed.

A unit is the triples of one input (``places.yaml``, one record file, the SKOS schemes,
the imported world), kept as an N-Triples file of ``parts/`` (``segment_file``). Each
unit has a digest of everything its triples depend on (its file; the gazetteer for a
record file; for the world its files, the gazetteer and the curated partnerships'
pairs). A build takes the unchanged units' files from the last release (hard-linked)
and maps the others (``segments``); the union of all of them is loaded into an
in-memory store (``union_store``), from which the build writes the dumps, so an
incremental build and a full one give the same dumps (tests/build/test_incremental.py edits
records at random and compares the two byte for byte). The served store is a
checkpoint of the last release's, to which ``update`` adds what the changed units added
and from which it removes what they removed and no other unit still holds.

Measured at W10 (1.42M triples, 2026-12-03): the units as named graphs of a second
on-disk store cost a bulk load of 9-14 s and 1 GB more memory on every full build; as
files they cost their writing (200 MB).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph

from twinned import __version__
from twinned.build.mapping import map_city, map_gazetteer
from twinned.build.releasestore import PARTS_DIR, STORE_DIR, unit_graph
from twinned.config import Settings
from twinned.rdf import ntriples as nt
from twinned.rdf.vocab import SCHEME_FILES, schemes_graph
from twinned.records.load import PLACES_FILE
from twinned.records.model import CityFile, Records
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


def _nt(triples: list[nt.Triple], batch: int = 1 << 16) -> bytes:
    """N-Triples text, encoded a batch of lines at a time (never the whole as a str too)."""
    return b"".join("".join(f"{s} {p} {o} .\n" for s, p, o in triples[i:i + batch]).encode("utf-8")
                    for i in range(0, len(triples), batch))


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


def segment_file(unit: str) -> str:
    """The file of ``parts/`` that keeps one unit's N-Triples."""
    return quote(unit, safe="") + ".nt"


def previous_digests(release: Path | None) -> dict[str, str]:
    """The units of the release a build may start from (none: start afresh): its served
    store and every unit's kept N-Triples must be there."""
    if release is None or not (release / PARTS_DIR).is_dir() or not (release / STORE_DIR).is_dir():
        return {}
    try:
        found = json.loads((release / UNITS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict) or not all((release / PARTS_DIR / segment_file(str(k))).is_file()
                                               for k in found):
        return {}  # (a release of an older build kept its parts as a store)
    return {str(k): str(v) for k, v in found.items()}


@dataclass
class Segments:
    """The units' N-Triples: ``now`` every unit's, in the order of the units; ``before``
    the previous release's of the units that changed or went, ``changed`` the new of the
    units that changed or came."""

    now: dict[str, bytes]
    before: dict[str, bytes]
    changed: dict[str, bytes]


def segments(wanted: list[Unit], had: dict[str, str], previous: Path | None, into: Path,
             progress: Callable[[str], None] = lambda _m: None) -> Segments:
    """Each unit's N-Triples: kept from the previous release when the unit's digest did
    not change, mapped otherwise; each also written into the folder ``into`` (the new
    release's ``parts/``; an unchanged one hard-linked)."""
    into.mkdir()
    kept_from = previous / PARTS_DIR if previous is not None and had else None
    changed = {u.name for u in wanted if had.get(u.name) != u.digest}
    gone = sorted(set(had) - {u.name for u in wanted})
    if had and (changed or gone):
        progress(f"{len(changed)} input(s) changed, {len(gone)} removed")
    out = Segments({}, {}, {})
    for unit in wanted:
        target = into / segment_file(unit.name)
        if kept_from is not None and unit.name not in changed:
            out.now[unit.name] = (kept_from / segment_file(unit.name)).read_bytes()
            try:
                os.link(kept_from / segment_file(unit.name), target)
                continue
            except OSError:
                pass
        else:
            out.now[unit.name] = out.changed[unit.name] = unit.triples()
        target.write_bytes(out.now[unit.name])
    if kept_from is not None:
        out.before = {name: (kept_from / segment_file(name)).read_bytes() for name in sorted(had)
                      if name in changed or name in gone}
    return out


def _parsed(data: bytes | None) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(data, format=NT)} if data else set()


def update(served: ox.Store, union: ox.Store, parts: Segments) -> None:
    """Bring the served store's default graph from the previous release's union of the
    units to the new one, which ``union``'s default graph holds: what a changed unit
    added is added; what it (or a unit gone) removed goes unless ``union`` still holds it
    (another unit has it too)."""
    removed: set[ox.Triple] = set()
    added: set[ox.Triple] = set()
    for name in sorted(set(parts.before) | set(parts.changed)):
        was, now = _parsed(parts.before.get(name)), _parsed(parts.changed.get(name))
        removed |= was - now
        added |= now - was
    served.extend([ox.Quad(t.subject, t.predicate, t.object) for t in sorted(added, key=str)])
    for t in sorted(removed, key=str):
        if not any(True for _ in union.quads_for_pattern(t.subject, t.predicate, t.object, ox.DefaultGraph())):
            served.remove(ox.Quad(t.subject, t.predicate, t.object))


def union_store(parts: dict[str, bytes]) -> ox.Store:
    """An in-memory store whose default graph is the union of the units' N-Triples."""
    store = ox.Store()
    for data in parts.values():
        store.bulk_load(input=data, format=NT)
    return store
