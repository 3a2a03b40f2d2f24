"""Records: the curated YAML in data/ read into typed objects, with every problem
of every file reported at once (see docs/records.md for the format).

This module reads the city files and is the entry point (``load_records``,
``load_gazetteer``); places.yaml is read by ``records.places``, the imported world by
``records.world``, and the classes are in ``records.model``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from twinned.errors import InputError, Problem
from twinned.rdf.vocab import Vocabulary
from twinned.records.model import (
    CityFile,
    Document,
    Gazetteer,
    Membership,
    Partnership,
    Records,
    Signing,
    Source,
)
from twinned.records.places import read_places
from twinned.records.reader import LANG, URL, RecordReader
from twinned.records.world import WORLD_DIR, load_world
from twinned.records.yamlnodes import Node, brief

REVIEW_KEYS = ("evidence", "review")   # extraction notes on a record, not mapped (docs/records.md)
PLACES_FILE = "places.yaml"
CITIES_DIR = "cities"


def _read_city(path: Path, name: str, vocabulary: Vocabulary, gaz: Gazetteer) -> tuple[CityFile | None, list[Problem]]:
    r = RecordReader(name, vocabulary)
    root = r.parse(path)
    if root is None:
        return None, r.problems
    top = r.mapping(root, required=("city", "source"), optional=("partnerships", "memberships")) or {}
    city = _place_ref(r, top["city"], gaz) if "city" in top else None
    source = _source(r, top["source"], city or "") if "source" in top else None
    partnerships: list[Partnership] = []
    memberships: list[Membership] = []
    # the records are read even when the city or the source is wrong: every problem at once
    city_key, source_id = city or "", source.id if source else ""
    seen: dict[str, int] = {}
    for node in r.sequence(top["partnerships"]) if "partnerships" in top else ():
        p = _partnership(r, node, city_key, source_id, gaz)
        if p is None:
            continue
        if p.partner in seen:
            r.add(node.problem(f"each partner once (also on line {seen[p.partner]})", f"{node.field}.partner"))
            continue
        seen[p.partner] = node.line
        partnerships.append(p)
    seen_networks: dict[str, int] = {}
    for node in r.sequence(top["memberships"]) if "memberships" in top else ():
        m = _membership(r, node, city_key, source_id, gaz)
        if m is None:
            continue
        if m.network in seen_networks:
            r.add(node.problem(f"each network once (also on line {seen_networks[m.network]})",
                               f"{node.field}.network"))
            continue
        seen_networks[m.network] = node.line
        memberships.append(m)
    if r.problems or city is None or source is None:
        return None, r.problems
    return CityFile(name, city, source, tuple(partnerships), tuple(memberships)), []


def _place_ref(r: RecordReader, node: Node, gaz: Gazetteer) -> str | None:
    key = r.slug(node, "a place key")
    if key is not None and key not in gaz.places:
        r.add(node.problem(f"a place listed in {PLACES_FILE}, not {brief(key)}"))
        return None
    return key


def _source(r: RecordReader, node: Node, city: str) -> Source | None:
    e = r.mapping(node, required=("id", "title", "file", "language"), optional=("url",))
    if e is None:
        return None
    sid = r.slug(e["id"]) if "id" in e else None
    title = r.text(e["title"]) if "title" in e else None
    file = r.text(e["file"]) if "file" in e else None
    url = r.opt_text(e, "url")
    if url is not None and not _is_url(url):
        r.add(e["url"].problem(f"an http(s) URL, not {brief(url)}"))
    language = r.text(e["language"]) if "language" in e else None
    if language is not None and not LANG.match(language):
        r.add(e["language"].problem(f"a BCP 47 language tag, not {brief(language)}"))
        language = None
    if sid and title and file and language:
        return Source(sid, title, file, url, language, city)
    return None


def _is_url(text: str) -> bool:
    """An absolute http(s) URL that is also a valid IRI (it becomes one in the graph)."""
    if not URL.match(text):
        return False
    try:
        return bool(urlsplit(text).hostname)
    except ValueError:  # such as an unclosed [IPv6 host
        return False


def _partnership(r: RecordReader, node: Node, city: str, source: str, gaz: Gazetteer) -> Partnership | None:
    node = _set_aside_review_keys(r, node)
    e = r.mapping(node, required=("partner", "passage", "documents"),
                  optional=("began", "areas", "note"))
    if e is None:
        return None
    partner = _place_ref(r, e["partner"], gaz) if "partner" in e else None
    if partner == city:
        r.add(e["partner"].problem(f"a partner other than the city itself ({city})"))
        partner = None
    passage = r.text(e["passage"]) if "passage" in e else None
    began = r.date(e["began"]) if "began" in e else None
    areas = r.areas(e["areas"]) if "areas" in e else ()
    documents: list[Document] = []
    ids: dict[str, int] = {}
    for doc_node in r.sequence(e["documents"]) if "documents" in e else ():
        doc = _document(r, doc_node, gaz)
        if doc is None:
            continue
        if doc.id in ids:
            r.add(doc_node.problem(f"a document id used once in the partnership (also on line {ids[doc.id]})",
                                   f"{doc_node.field}.id"))
            continue
        ids[doc.id] = doc_node.line
        documents.append(doc)
    if "documents" in e and e["documents"].is_empty_list:
        r.add(e["documents"].problem("at least one document"))
    _check_links(r, documents, e.get("documents"))
    if partner is None or passage is None:
        return None
    return Partnership(city, partner, passage, began, areas, tuple(documents), r.opt_text(e, "note"),
                       source, r.at(node))


def _document(r: RecordReader, node: Node, gaz: Gazetteer) -> Document | None:
    e = r.mapping(node, required=("id", "type", "title"),
                  optional=("signed", "areas", "renews", "follows", "note"))
    if e is None:
        return None
    doc_id = r.slug(e["id"], "a document id") if "id" in e else None
    dtype = r.choice(e["type"], r.vocabulary.agreement_types, "an agreement type") if "type" in e else None
    title = r.text(e["title"]) if "title" in e else None
    signings: list[Signing] = []
    for s_node in r.sequence(e["signed"]) if "signed" in e else ():
        s = r.mapping(s_node, optional=("date", "as_written", "qualifier", "place", "venue"))
        if s is None:
            continue
        date = r.date_fields(s) if "date" in s else None
        if "date" not in s and ("as_written" in s or "qualifier" in s):
            r.add(s_node.problem("a 'date' beside 'as_written' or 'qualifier'", f"{s_node.field}.date"))
        place = _place_ref(r, s["place"], gaz) if "place" in s else None
        signings.append(Signing(date, place, r.opt_text(s, "venue")))
    areas = r.areas(e["areas"]) if "areas" in e else ()
    renews = r.slug(e["renews"], "a document id") if "renews" in e else None
    follows = r.slug(e["follows"], "a document id") if "follows" in e else None
    if doc_id is None or dtype is None or title is None:
        return None
    return Document(doc_id, dtype, title, tuple(signings), areas, renews, follows, r.opt_text(e, "note"),
                    r.at(node))


def _check_links(r: RecordReader, documents: list[Document], node: Node | None) -> None:
    """renews/follows name a document of the same partnership, not dated after the later one."""
    by_id = {d.id: d for d in documents}
    for doc in documents:
        for rel in ("renews", "follows"):
            target_id = getattr(doc, rel)
            if target_id is None:
                continue
            field = f"{node.field if node else 'documents'}[{doc.id}].{rel}"
            target = by_id.get(target_id)
            if target is None or target is doc:
                r.add(Problem(doc.at.file, doc.at.line, field,
                              f"the id of another document of this partnership, not {brief(target_id)}"))
                continue
            if doc.dates and target.dates and max(d.latest() for d in doc.dates) < min(
                d.earliest() for d in target.dates
            ):
                r.add(Problem(doc.at.file, doc.at.line, field,
                              f"a document dated no later than this one ({target_id} is dated after it)"))


def _membership(r: RecordReader, node: Node, city: str, source: str, gaz: Gazetteer) -> Membership | None:
    node = _set_aside_review_keys(r, node)
    e = r.mapping(node, required=("network", "passage"), optional=("since", "implied"))
    if e is None:
        return None
    network = r.slug(e["network"], "a network key") if "network" in e else None
    if network is not None and network not in gaz.networks:
        r.add(e["network"].problem(f"a network listed in {PLACES_FILE}, not {brief(network)}"))
        network = None
    since = r.date(e["since"]) if "since" in e else None
    passage = r.text(e["passage"]) if "passage" in e else None
    if network is None or passage is None:
        return None
    return Membership(city, network, since, passage, source, r.at(node), r.opt_text(e, "implied"))


def _set_aside_review_keys(r: RecordReader, node: Node) -> Node:
    """``evidence`` (a mapping) and ``review`` (a list of text), written by ``twinned extract``, are
    checked for shape and set aside: the record is read without them and they are not mapped."""
    if not isinstance(node.raw, yaml.MappingNode):
        return node
    kept = []
    for key, value in node.raw.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in REVIEW_KEYS:
            kept.append((key, value))
            continue
        child = Node(value, node.file, f"{node.field}.{name}")
        if name == "evidence":
            r.mapping(child, open_keys=True)
        else:
            for item in r.sequence(child):
                r.text(item)
    raw = yaml.MappingNode(node.raw.tag, kept, node.raw.start_mark, node.raw.end_mark, node.raw.flow_style)
    return Node(raw, node.file, node.field)


def _check_across(files: list[CityFile]) -> list[Problem]:
    problems: list[Problem] = []
    pairs: dict[tuple[str, str], Partnership] = {}
    sources: dict[str, str] = {}
    cities: dict[str, str] = {}
    for f in files:
        if f.source.id in sources:
            problems.append(Problem(f.path, 0, "source.id", f"a source id used once (also in {sources[f.source.id]})"))
        sources[f.source.id] = f.path
        if f.city in cities:
            problems.append(Problem(f.path, 0, "city", f"one file per city ({f.city} is also in {cities[f.city]})"))
        cities[f.city] = f.path
        for p in f.partnerships:
            if p.parties in pairs:
                other = pairs[p.parties]
                problems.append(Problem(p.at.file, p.at.line, "partner",
                                        f"a partnership recorded once (also in {other.at.file}:{other.at.line})"))
            else:
                pairs[p.parties] = p
    return problems


def load_records(data_dir: Path, vocabulary: Vocabulary) -> Records:
    """Read data/places.yaml and data/cities/*.yaml; raise InputError with every problem."""
    root = data_dir.parent

    def name(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    places_path = data_dir / PLACES_FILE
    gaz, problems = read_places(places_path, name(places_path), vocabulary)
    files: list[CityFile] = []
    city_paths = sorted((data_dir / CITIES_DIR).glob("*.yaml"))
    if not city_paths:
        problems.append(Problem(name(data_dir / CITIES_DIR), 0, "files", "at least one <city>.yaml record file"))
    for path in city_paths:
        city_file, city_problems = _read_city(path, name(path), vocabulary, gaz)
        problems += city_problems
        if city_file:
            files.append(city_file)
    problems += _check_across(files)
    world, world_problems = load_world(data_dir / WORLD_DIR, gaz, name(data_dir / WORLD_DIR))
    problems += world_problems
    if problems:
        raise InputError(problems)
    return Records(gaz, tuple(files), world)


def load_gazetteer(data_dir: Path, vocabulary: Vocabulary) -> Gazetteer:
    """Read data/places.yaml alone; raise InputError with every problem."""
    gaz, problems = read_places(data_dir / PLACES_FILE, str(data_dir / PLACES_FILE), vocabulary)
    if problems:
        raise InputError(problems)
    return gaz
