"""Records: the curated YAML in data/ read into typed objects, with every problem
of every file reported at once (see docs/records.md for the format).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from twinned.errors import InputError, Problem
from twinned.rdf.vocab import PLACE_KINDS, Vocabulary
from twinned.records.dates import PartialDate
from twinned.records.model import (
    Area,
    CityFile,
    Country,
    DateRecord,
    Document,
    Gazetteer,
    Identity,
    Located,
    Membership,
    Network,
    Partnership,
    Place,
    Records,
    Signing,
    Source,
)
from twinned.records.world import WORLD_DIR, load_world
from twinned.records.yamlnodes import Node, Reader, brief

# the record classes live in records.model; they are named here too, where they were first
# (build, web and the tests import them from records.load)
__all__ = [
    "Area", "CityFile", "Country", "DateRecord", "Document", "Gazetteer", "Identity", "Located",
    "Membership", "Network", "Partnership", "Place", "Records", "Signing", "Source",
    "COUNTRY_CODE", "LANG", "PLACES_FILE", "CITIES_DIR", "QID", "REVIEW_KEYS", "SLUG", "URL",
    "load_gazetteer", "load_records",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]{0,11}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x20\x7f]+$")
REVIEW_KEYS = ("evidence", "review")   # extraction notes on a record, not mapped (docs/records.md)
PLACES_FILE = "places.yaml"
CITIES_DIR = "cities"


# -- reading -----------------------------------------------------------------------


class _RecordReader(Reader):
    """Reader with the value checks the record format shares."""

    def __init__(self, file: str, vocabulary: Vocabulary) -> None:
        super().__init__(file)
        self.vocabulary = vocabulary

    def at(self, node: Node) -> Located:
        return Located(node.file, node.line)

    def opt_text(self, entries: dict[str, Node], key: str) -> str | None:
        return self.text(entries[key]) if key in entries else None

    def slug(self, node: Node, what: str = "a slug") -> str | None:
        value = self.text(node)
        if value is not None and not SLUG.match(value):
            self.add(node.problem(f"{what}: lowercase letters, digits and single hyphens, not {brief(value)}"))
            return None
        return value

    def choice(self, node: Node, allowed: frozenset[str], what: str) -> str | None:
        value = self.text(node)
        if value is not None and value not in allowed:
            self.add(node.problem(f"{what}, one of {', '.join(sorted(allowed))}; not {brief(value)}"))
            return None
        return value

    def qid(self, node: Node) -> str | None:
        value = self.text(node)
        if value is not None and not QID.match(value):
            self.add(node.problem(f"a Wikidata QID like Q25409, not {brief(value)}"))
            return None
        return value

    def labels(self, node: Node) -> dict[str, str]:
        entries = self.mapping(node, open_keys=True) or {}
        out: dict[str, str] = {}
        for lang, value_node in entries.items():
            if not LANG.match(lang):
                self.add(value_node.problem(f"a BCP 47 language tag as key, not {brief(lang)}"))
                continue
            value = self.text(value_node)
            if value is not None:
                out[lang] = value
        if entries and "en" not in out:
            self.add(node.problem("an English label (en)"))
        return out

    def identity(self, entries: dict[str, Node], node: Node) -> Identity:
        wikidata = self.qid(entries["wikidata"]) if "wikidata" in entries else None
        unresolved = self.opt_text(entries, "unresolved")
        if ("wikidata" in entries) == ("unresolved" in entries):
            self.add(node.problem("either 'wikidata' (a verified QID) or 'unresolved' (a reason), not both or neither",
                                  f"{node.field}.wikidata"))
        candidates: list[str] = []
        if "candidates" in entries:
            for item in self.sequence(entries["candidates"]):
                q = self.qid(item)
                if q:
                    candidates.append(q)
        return Identity(wikidata, unresolved, tuple(candidates))

    def date(self, node: Node) -> DateRecord | None:
        entries = self.mapping(node, required=("date",), optional=("as_written", "qualifier"))
        if entries is None or "date" not in entries:
            return None
        return self.date_fields(entries)

    def date_fields(self, entries: dict[str, Node]) -> DateRecord | None:
        raw = self.text(entries["date"])
        qualifier = None
        if "qualifier" in entries:
            qualifier = self.choice(entries["qualifier"], self.vocabulary.date_qualifiers, "a date qualifier")
        if raw is None:
            return None
        try:
            value = PartialDate.parse(raw)
        except ValueError as exc:
            self.add(entries["date"].problem(str(exc)))
            return None
        if value.is_future():
            self.add(entries["date"].problem(f"a date that is not in the future, not {raw!r}"))
            return None
        return DateRecord(value, self.opt_text(entries, "as_written"), qualifier)

    def areas(self, node: Node) -> tuple[Area, ...]:
        out: list[Area] = []
        seen: dict[str, int] = {}
        for item in self.sequence(node):
            entries = self.mapping(item, required=("area",), optional=("as_written",))
            if not entries or "area" not in entries:
                continue
            key = self.choice(entries["area"], self.vocabulary.cooperation_areas, "a cooperation area")
            if key is None:
                continue
            if key in seen:
                self.add(item.problem(f"each area once (also on line {seen[key]})", f"{item.field}.area"))
                continue
            seen[key] = item.line
            out.append(Area(key, self.opt_text(entries, "as_written")))
        return tuple(out)


def _read_places(path: Path, name: str, vocabulary: Vocabulary) -> tuple[Gazetteer, list[Problem]]:
    r = _RecordReader(name, vocabulary)
    root = r.parse(path)
    gaz = Gazetteer()
    if root is None:
        return gaz, r.problems
    top = r.mapping(root, required=("countries", "places"), optional=("networks",)) or {}
    id_keys = ("wikidata", "unresolved", "candidates", "note")

    for code, node in (r.mapping(top["countries"], open_keys=True) or {}).items() if "countries" in top else ():
        if not COUNTRY_CODE.match(code):
            r.add(node.problem(f"an ISO 3166-1 alpha-2 code in capitals as key, not {brief(code)}"))
            continue
        e = r.mapping(node, required=("labels",), optional=id_keys)
        if e is None:
            continue
        labels = r.labels(e["labels"]) if "labels" in e else {}
        gaz.countries[code] = Country(code, labels, r.identity(e, node), r.opt_text(e, "note"), r.at(node))

    for key, node in (r.mapping(top["places"], open_keys=True) or {}).items() if "places" in top else ():
        if not SLUG.match(key):
            r.add(node.problem(f"a slug as place key (lowercase, digits, single hyphens), not {brief(key)}"))
            continue
        e = r.mapping(node, required=("kind", "labels", "country"),
                      optional=id_keys + ("aliases", "coordinates", "no_coordinates"))
        if e is None:
            continue
        kind = r.choice(e["kind"], frozenset(PLACE_KINDS), "a place kind") if "kind" in e else None
        labels = r.labels(e["labels"]) if "labels" in e else {}
        country = r.text(e["country"]) if "country" in e else None
        if country is not None and country not in gaz.countries:
            r.add(e["country"].problem(f"a country code listed under 'countries', not {brief(country)}"))
            country = None
        aliases = tuple(a for a in (r.text(n) for n in r.sequence(e["aliases"])) if a) if "aliases" in e else ()
        coords, coords_source = _coordinates(r, e["coordinates"]) if "coordinates" in e else (None, None)
        no_coords = r.opt_text(e, "no_coordinates")
        if coords and no_coords:
            r.add(e["no_coordinates"].problem("no reason for missing coordinates where coordinates are given"))
        identity = r.identity(e, node)
        if kind and country and labels:
            gaz.places[key] = Place(key, kind, labels, aliases, country, identity, coords,
                                    r.opt_text(e, "note"), r.at(node), coords_source, no_coords)

    if "networks" in top:
        for key, node in (r.mapping(top["networks"], open_keys=True) or {}).items():
            if not SLUG.match(key):
                r.add(node.problem(f"a slug as network key, not {brief(key)}"))
                continue
            e = r.mapping(node, required=("labels",), optional=id_keys + ("short_name",))
            if e is None:
                continue
            labels = r.labels(e["labels"]) if "labels" in e else {}
            gaz.networks[key] = Network(key, labels, r.opt_text(e, "short_name"), r.identity(e, node),
                                        r.opt_text(e, "note"), r.at(node))
    _check_unique_qids(r, gaz)
    return gaz, r.problems


COORDINATES_SOURCE = re.compile(r"^(geonames:[1-9][0-9]*|wikidata:Q[1-9][0-9]*)$")


def _coordinates(r: _RecordReader, node: Node) -> tuple[tuple[float, float] | None, str | None]:
    """WGS84 latitude and longitude, and the gazetteer entry they were read from
    (``geonames:<id>`` or ``wikidata:<QID>``, optional)."""
    e = r.mapping(node, required=("lat", "long"), optional=("source",))
    if not e or "lat" not in e or "long" not in e:
        return None, None
    out: list[float] = []
    for key, limit in (("lat", 90.0), ("long", 180.0)):
        text = r.text(e[key])
        try:
            value = float(text) if text is not None else None
        except ValueError:
            value = None
        if value is None or not -limit <= value <= limit:
            r.add(e[key].problem(f"a decimal number from -{limit:g} to {limit:g}"))
            return None, None
        out.append(value)
    source = r.text(e["source"]) if "source" in e else None
    if source is not None and not COORDINATES_SOURCE.match(source):
        r.add(e["source"].problem(f"geonames:<GeoNames id> or wikidata:<QID>, not {brief(source)}"))
        source = None
    return (out[0], out[1]), source


def _check_unique_qids(r: _RecordReader, gaz: Gazetteer) -> None:
    seen: dict[str, str] = {}
    entries: list[tuple[str, Identity, Located]] = (
        [(f"countries.{c.code}", c.identity, c.at) for c in gaz.countries.values()]
        + [(f"places.{p.key}", p.identity, p.at) for p in gaz.places.values()]
        + [(f"networks.{n.key}", n.identity, n.at) for n in gaz.networks.values()]
    )
    for key, identity, at in entries:
        if identity.wikidata is None:
            continue
        if identity.wikidata in seen:
            r.add(Problem(at.file, at.line, f"{key}.wikidata", "a QID used by one entry only "
                          f"({identity.wikidata} is also {seen[identity.wikidata].split('.', 1)[1]})"))
        else:
            seen[identity.wikidata] = key


def _read_city(path: Path, name: str, vocabulary: Vocabulary, gaz: Gazetteer) -> tuple[CityFile | None, list[Problem]]:
    r = _RecordReader(name, vocabulary)
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


def _place_ref(r: _RecordReader, node: Node, gaz: Gazetteer) -> str | None:
    key = r.slug(node, "a place key")
    if key is not None and key not in gaz.places:
        r.add(node.problem(f"a place listed in {PLACES_FILE}, not {brief(key)}"))
        return None
    return key


def _source(r: _RecordReader, node: Node, city: str) -> Source | None:
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


def _partnership(r: _RecordReader, node: Node, city: str, source: str, gaz: Gazetteer) -> Partnership | None:
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


def _document(r: _RecordReader, node: Node, gaz: Gazetteer) -> Document | None:
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


def _check_links(r: _RecordReader, documents: list[Document], node: Node | None) -> None:
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


def _membership(r: _RecordReader, node: Node, city: str, source: str, gaz: Gazetteer) -> Membership | None:
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


def _set_aside_review_keys(r: _RecordReader, node: Node) -> Node:
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
    gaz, problems = _read_places(places_path, name(places_path), vocabulary)
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
    gaz, problems = _read_places(data_dir / PLACES_FILE, str(data_dir / PLACES_FILE), vocabulary)
    if problems:
        raise InputError(problems)
    return gaz
