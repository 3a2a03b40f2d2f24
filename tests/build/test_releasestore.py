"""The release as a store (releasestore.py): what ``store/`` and ``parts/`` hold, and the
read-only handle every serving process opens for itself."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinned.build.incremental import segment_file
from twinned.build.releasestore import (
    ONTOLOGY_GRAPH,
    PARTS_DIR,
    STORE_DIR,
    ReadOnlyStore,
    catalog_graph_name,
    in_use,
    is_local,
)
from twinned.config import Settings
from twinned.store.release import load_release


def _triples(store: ox.Store, graph: object) -> set[ox.Triple]:
    return {q.triple for q in store.quads_for_pattern(None, None, None, graph)}


def test_the_served_store_holds_the_dump_the_ontology_and_the_catalogue(built: Settings) -> None:
    release = built.output_dir.resolve()
    store = ox.Store.read_only(str(release / STORE_DIR))
    dump = {q.triple for q in ox.parse(path=str(release / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert _triples(store, ox.DefaultGraph()) == dump
    ontology = {q.triple for q in ox.parse(path=str(release / "ontology.ttl"), format=ox.RdfFormat.TURTLE)}
    assert len(_triples(store, ONTOLOGY_GRAPH)) == len(ontology) > 100
    catalog = ox.Store()  # (a store keeps a literal's value: xsd:nonNegativeInteger comes back as xsd:integer)
    catalog.bulk_load(path=str(release / "catalog.nt"), format=ox.RdfFormat.N_TRIPLES)
    assert _triples(store, catalog_graph_name(built.base_uri)) == _triples(catalog, ox.DefaultGraph())
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {ONTOLOGY_GRAPH.value, built.base_uri + "catalog"}  # no input's graph is served


def test_the_parts_are_one_file_per_input_whose_union_is_the_data(built: Settings) -> None:
    release = built.output_dir.resolve()
    files = sorted(f.name for f in (release / PARTS_DIR).iterdir())
    assert files == sorted(segment_file(u) for u in (
        "data/places.yaml", "data/cities/kaunas.yaml", "data/cities/kosice.yaml", "ontology/schemes"))
    store = ox.Store()  # (a store keeps a literal's value: the dump's lexical forms are a store's)
    for f in files:
        store.bulk_load(path=str(release / PARTS_DIR / f), format=ox.RdfFormat.N_TRIPLES)
    union = _triples(store, ox.DefaultGraph())
    dump = {q.triple for q in ox.parse(path=str(release / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert union == dump
    kosice = {q.triple for q in ox.parse(path=str(release / PARTS_DIR / segment_file("data/cities/kosice.yaml")),
                                         format=ox.RdfFormat.N_TRIPLES)}
    assert ox.Triple(ox.NamedNode(built.base_uri + "source/kosice-twin-cities"),
                     ox.NamedNode("http://purl.org/dc/terms/title"),
                     ox.Literal("Twin cities of the City of Kosice", language="en")) in kosice


def test_a_release_is_opened_read_only_not_loaded(built: Settings) -> None:
    release = load_release(built.output_dir.resolve())
    assert isinstance(release.store, ReadOnlyStore) and is_local(release.store)
    assert release.store._store is None  # nothing opened until it is used
    assert bool(release.store.query("ASK { ?s a <https://w3id.org/twinned/def/Partnership> }"))
    first = release.store._store
    assert first is not None and release.store._open() is first  # opened once in a process


def test_a_forked_process_opens_its_own_handle(built: Settings) -> None:
    store = ReadOnlyStore(built.output_dir.resolve() / STORE_DIR)
    expected = len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    parent_handle = store._store
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count through the same object, report, leave
        code = 1
        try:
            count = len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
            own = store._store is not parent_handle and store._pid == os.getpid()
            os.write(write, f"{count} {own}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    answer = os.read(read, 100).decode()
    os.close(read)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert answer == f"{expected} True"


@pytest.mark.slow  # four builds and a reader process
def test_a_release_a_process_reads_is_not_pruned(project: Path) -> None:
    """A build keeps the newest releases and removes older ones, but never one a server
    (or a query worker) still reads: its store's files would vanish under it."""
    import gc
    from dataclasses import replace

    from twinned.build.publishing import KEEP_RELEASES
    from twinned.config import load_settings
    from twinned.web.current import build_site

    settings = load_settings(project, env={})
    city = project / "data" / "cities" / "kosice.yaml"
    text = city.read_text("utf-8")

    def build_edited(n: int) -> Path:
        city.write_text(text.replace("title: Agreement on Cooperation between the Cities",
                                     f"title: Agreement on Cooperation between the Cities ({n})", 1), "utf-8")
        return build_site(replace(settings)).release_dir

    first = build_edited(0)
    served = load_release(first)  # as a server holds it
    assert in_use(first)
    for n in range(1, KEEP_RELEASES + 2):
        build_edited(n)
    assert first.is_dir() and bool(served.store.query("ASK { ?s ?p ?o }"))
    del served
    gc.collect()
    assert not in_use(first)
    build_edited(99)
    assert not first.exists()  # pruned once nobody reads it
