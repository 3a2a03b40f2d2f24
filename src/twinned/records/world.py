"""The world: cities and partnerships imported from a data extract (the Wikidata
twin-city network), kept in ``data/world/`` beside the curated records.

``twinned import-wikidata`` writes the folder (see ``records.world_import``); the loader
reads it with the curated records and the mapper turns it into triples. Format
(every file UTF-8; TSV files have a header row and one record per line):

``source.yaml``
    what the extract is: ``id`` (slug, becomes ``source/{id}``), ``title``, ``url``,
    ``publisher``, ``license``, optional ``description`` and ``files`` (name, path,
    commit, sha256). It is the ``prov:Entity`` every imported statement derives from.
``countries.tsv``  ``code  name``
    the countries of the imported cities. A code that ``places.yaml`` lists is the
    curated country (curated details win); any other becomes a country of its own,
    unresolved (no QID is asserted for it).
``places.tsv``  ``key  wikidata  name  lat  long  country``
    one city per line. The keys are published URIs (``place/{key}``): the import keeps
    them from one run to the next. A city whose QID is a curated place's is not here:
    it is that place.
``partnerships.tsv``  ``a  b``
    one twinning per line, the two place keys in sorted order; a key is a city of
    ``places.tsv`` or a place of ``places.yaml``. A pair that a curated page also
    records is that partnership (the curated record wins; it is marked as attested
    in the extract too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from twinned.errors import Problem
from twinned.rdf import ntriples as nt
from twinned.records.model import ExtractFile, ExtractSource, Gazetteer, Records, World, WorldPlace
from twinned.records.yamlnodes import Node, Reader

WORLD_DIR = "world"
SOURCE_FILE = "source.yaml"
COUNTRIES_FILE = "countries.tsv"
PLACES_FILE = "places.tsv"
PARTNERSHIPS_FILE = "partnerships.tsv"
HEADERS = {
    COUNTRIES_FILE: ("code", "name"),
    PLACES_FILE: ("key", "wikidata", "name", "lat", "long", "country"),
    PARTNERSHIPS_FILE: ("a", "b"),
}
MAX_PROBLEMS_PER_FILE = 50
UNRESOLVED_COUNTRY = ("QID not verified in two independent public copies of Wikidata; code and name "
                      "as the extract gives them")

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
QID = re.compile(r"Q[1-9][0-9]{0,11}")
CODE = re.compile(r"[A-Z]{2}")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def decimal_lexical(text: str) -> str:
    """A coordinate as the curated mapping writes it (a float, as rdflib's xsd:decimal)."""
    shown = repr(float(text))
    return format(Decimal(shown), "f") if "e" in shown or "E" in shown else shown


# -- reading --------------------------------------------------------------------------


class _Problems:
    """Problems of one file, at most MAX_PROBLEMS_PER_FILE of them listed."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.listed: list[Problem] = []
        self.more = 0

    def add(self, line: int, field: str, expected: str) -> None:
        if len(self.listed) < MAX_PROBLEMS_PER_FILE:
            self.listed.append(Problem(self.file, line, field, expected))
        else:
            self.more += 1

    def all(self) -> list[Problem]:
        if self.more:
            return [*self.listed, Problem(self.file, 0, "file", f"... and {self.more} more problem(s)")]
        return self.listed


def _rows(path: Path, name: str, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    header = HEADERS[path.name]
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(0, "file", f"a readable UTF-8 file ({exc})")
        return
    lines = text.split("\n")
    if tuple(lines[0].rstrip("\r").split("\t")) != header:
        problems.add(1, "header", "the columns " + "\\t".join(header))
        return
    for number, raw in enumerate(lines[1:], start=2):
        if not raw:
            continue
        cells = raw.rstrip("\r").split("\t")
        if len(cells) != len(header):
            problems.add(number, "row", f"{len(header)} tab-separated values, not {len(cells)}")
            continue
        yield number, cells


def _source(path: Path, name: str) -> tuple[ExtractSource | None, list[Problem]]:
    r = Reader(name)
    root = r.parse(path)
    if root is None:
        return None, r.problems
    keys = ("id", "title", "url", "publisher")
    e = r.mapping(root, required=keys, optional=("license", "description", "files", "language"))
    if e is None or any(k not in e for k in keys):
        return None, r.problems
    values = {k: r.text(e[k]) for k in keys}
    if values["id"] and not SLUG.fullmatch(values["id"]):
        r.add(e["id"].problem(f"a slug, not {values['id']!r}"))
    for key in ("url", "publisher"):
        value = values[key]
        if value and not URL.fullmatch(value):
            r.add(e[key].problem(f"an http(s) URL, not {value!r}"))
    license_ = r.text(e["license"]) if "license" in e else None
    if license_ and not URL.fullmatch(license_):
        r.add(e["license"].problem(f"an http(s) URL, not {license_!r}"))
    files = tuple(f for f in (_file(r, n) for n in r.sequence(e["files"])) if f) if "files" in e else ()
    if r.problems or not all(values.values()):
        return None, r.problems
    return ExtractSource(values["id"] or "", values["title"] or "", values["url"] or "",
                         values["publisher"] or "", license_,
                         r.text(e["description"]) if "description" in e else None, files), []


def _file(r: Reader, node: Node) -> ExtractFile | None:
    e = r.mapping(node, required=("name",), optional=("path", "commit", "sha256"))
    if not e or "name" not in e:
        return None
    return ExtractFile(*(r.text(e[k]) if k in e else None for k in ("name", "path", "commit", "sha256")))  # type: ignore[arg-type]


def _countries(path: Path, name: str) -> tuple[dict[str, str], list[Problem]]:
    problems = _Problems(name)
    out: dict[str, str] = {}
    for line, (code, label) in _rows(path, name, problems):
        if not CODE.fullmatch(code):
            problems.add(line, "code", f"a two-letter country code in capitals, not {code!r}")
        elif code in out:
            problems.add(line, "code", f"each code once ({code} is listed twice)")
        elif not label.strip() or _CONTROL.search(label):
            problems.add(line, "name", "a name without control characters")
        else:
            out[code] = label
    return out, problems.all()


def _places(path: Path, name: str, countries: dict[str, str],
            gaz: Gazetteer) -> tuple[dict[str, WorldPlace], list[Problem]]:
    problems = _Problems(name)
    out: dict[str, WorldPlace] = {}
    curated_qids = {p.identity.wikidata: p.key for p in gaz.places.values() if p.identity.wikidata}
    qids: dict[str, int] = {}
    for line, (key, qid, label, lat, long, country) in _rows(path, name, problems):
        if not SLUG.fullmatch(key):
            problems.add(line, "key", f"a slug (lowercase letters, digits, single hyphens), not {key!r}")
            continue
        if key in out or key in gaz.places:
            where = "places.yaml" if key in gaz.places else f"line {out[key].line}"
            problems.add(line, "key", f"a key used once (also in {where})")
            continue
        if not QID.fullmatch(qid):
            problems.add(line, "wikidata", f"a Wikidata QID like Q25409, not {qid!r}")
            continue
        if qid in curated_qids:
            problems.add(line, "wikidata", f"a QID no curated place has ({qid} is place {curated_qids[qid]} in "
                         "places.yaml; run twinned import-wikidata again to merge them)")
            continue
        if qid in qids:
            problems.add(line, "wikidata", f"a QID used once (also on line {qids[qid]})")
            continue
        if not label.strip() or _CONTROL.search(label):
            problems.add(line, "name", "a name without control characters")
            continue
        coords = []
        for field, text, limit in (("lat", lat, 90.0), ("long", long, 180.0)):
            if DECIMAL.fullmatch(text) and -limit <= float(text) <= limit:
                coords.append(decimal_lexical(text))
            else:
                problems.add(line, field, f"a decimal number from -{limit:g} to {limit:g}, not {text!r}")
        if len(coords) != 2:
            continue
        if country not in countries and country not in gaz.countries:
            problems.add(line, "country", f"a code listed in {COUNTRIES_FILE} or places.yaml, not {country!r}")
            continue
        qids[qid] = line
        out[key] = WorldPlace(key, qid, label, coords[0], coords[1], country, line)
    return out, problems.all()


def _partnerships(path: Path, name: str, places: dict[str, WorldPlace],
                  gaz: Gazetteer) -> tuple[list[tuple[str, str]], list[Problem]]:
    problems = _Problems(name)
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for line, (a, b) in _rows(path, name, problems):
        bad = [k for k in (a, b) if k not in places and k not in gaz.places]
        if bad:
            problems.add(line, "a" if bad[0] == a else "b", f"a key of {PLACES_FILE} or places.yaml, not {bad[0]!r}")
        elif not a < b:
            problems.add(line, "b", f"two different keys in sorted order, not {a!r} then {b!r}")
        elif (a, b) in seen:
            problems.add(line, "b", f"each pair once ({a} -- {b} is listed twice)")
        else:
            seen.add((a, b))
            out.append((a, b))
    return out, problems.all()


def load_world(folder: Path, gaz: Gazetteer, name: str) -> tuple[World | None, list[Problem]]:
    """Read ``data/world/`` (None when there is no such folder)."""
    if not folder.is_dir():
        return None, []
    missing = [f for f in (SOURCE_FILE, *HEADERS) if not (folder / f).is_file()]
    if missing:
        return None, [Problem(f"{name}/{m}", 0, "file", "the file (run twinned import-wikidata to write it)")
                      for m in missing]
    source, problems = _source(folder / SOURCE_FILE, f"{name}/{SOURCE_FILE}")
    countries, more = _countries(folder / COUNTRIES_FILE, f"{name}/{COUNTRIES_FILE}")
    problems += more
    places, more = _places(folder / PLACES_FILE, f"{name}/{PLACES_FILE}", countries, gaz)
    problems += more
    pairs, more = _partnerships(folder / PARTNERSHIPS_FILE, f"{name}/{PARTNERSHIPS_FILE}", places, gaz)
    problems += more
    if problems or source is None:
        return None, problems
    return World(source, countries, places, pairs, name), []


# -- counting ---------------------------------------------------------------------------


def counts(records: Records) -> dict[str, int]:
    """What the landing page and build-info.json show: cities, places, partnerships..."""
    gaz = records.gazetteer
    world = records.world
    curated_pairs = {p.parties for p in records.partnerships}
    world_pairs = sum(1 for pair in world.partnerships if pair not in curated_pairs) if world else 0
    world_places = len(world.places) if world else 0
    countries = set(gaz.countries) | (set(world.countries) if world else set())
    return {
        "cities": sum(1 for p in gaz.places.values() if p.kind == "city") + world_places,
        "places": len(gaz.places) + world_places,
        "partnerships": len(curated_pairs) + world_pairs,
        "curated_partnerships": len(curated_pairs),
        "imported_partnerships": world_pairs,
        "memberships": len(records.memberships),
        "countries": len(countries),
    }


# -- mapping ------------------------------------------------------------------------------

_P = {
    "type": nt.RDF_TYPE,
    "label": "<http://www.w3.org/2000/01/rdf-schema#label>",
    "sameAs": "<http://www.w3.org/2002/07/owl#sameAs>",
    "derived": "<http://www.w3.org/ns/prov#wasDerivedFrom>",
    "title": "<http://purl.org/dc/terms/title>",
    "publisher": "<http://purl.org/dc/terms/publisher>",
    "license": "<http://purl.org/dc/terms/license>",
    "description": "<http://purl.org/dc/terms/description>",
    "language": "<http://purl.org/dc/terms/language>",
    "url": "<https://schema.org/url>",
    "lat": "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>",
    "long": "<http://www.w3.org/2003/01/geo/wgs84_pos#long>",
    "P190": "<http://www.wikidata.org/prop/direct/P190>",
}
_TW = "https://w3id.org/twinned/def/"
_WD = "http://www.wikidata.org/entity/"


def _tw(name: str) -> str:
    return f"<{_TW}{name}>"


def world_triples(records: Records, base: str) -> list[nt.Triple]:
    """The imported part of the graph (empty without a world). Places and countries
    come out as the curated mapping writes gazetteer entries, each also derived from
    the extract; partnerships as two parties, ``tw:twinnedWith`` both ways and the
    direct Wikidata claims ``wdt:P190`` both ways."""
    world = records.world
    if world is None:
        return []
    out: list[nt.Triple] = []
    add = out.append
    src = nt.iri(f"{base}source/{world.source.id}")
    _source_triples(add, src, world.source)
    gaz = records.gazetteer
    t, label, derived = _P["type"], _P["label"], _P["derived"]
    for code in sorted(world.countries):
        if code in gaz.countries:
            continue
        s = nt.iri(f"{base}country/{code.lower()}")
        for cls in (_tw("Country"), "<https://schema.org/Country>"):
            add((s, t, cls))
        add((s, label, nt.literal(world.countries[code], lang="en")))
        add((s, _tw("countryCode"), nt.quote(code)))
        add((s, _tw("unresolvedReason"), nt.literal(UNRESOLVED_COUNTRY, lang="en")))
        add((s, derived, src))
    body, city = _tw("AdministrativeBody"), _tw("City")
    country_p, same = _tw("country"), _P["sameAs"]
    lat_p, long_p = _P["lat"], _P["long"]
    decimal = f"^^<{nt.XSD}decimal>"
    place_iri: dict[str, str] = {}
    names: dict[str, str] = {}
    qid_of: dict[str, str | None] = {}
    for key, pl in world.places.items():
        s = place_iri[key] = nt.iri(f"{base}place/{key}")
        names[key] = pl.name
        qid_of[key] = pl.qid
        add((s, t, body))
        add((s, t, city))
        add((s, label, nt.literal(pl.name, lang="en")))
        add((s, country_p, nt.iri(f"{base}country/{pl.country.lower()}")))
        add((s, same, nt.iri(_WD + pl.qid)))
        add((s, lat_p, f'"{pl.lat}"{decimal}'))
        add((s, long_p, f'"{pl.long}"{decimal}'))
        add((s, derived, src))
    for key, cp in gaz.places.items():
        place_iri[key] = nt.iri(f"{base}place/{key}")
        names[key] = cp.labels["en"]
        qid_of[key] = cp.identity.wikidata
    curated = {p.parties for p in records.partnerships}
    party, twinned, partnership = _tw("party"), _tw("twinnedWith"), _tw("Partnership")
    p190 = _P["P190"]
    for a, b in world.partnerships:
        s = nt.iri(f"{base}partnership/{a}--{b}")
        if (a, b) in curated:
            add((s, derived, src))  # the curated record wins; the extract attests it too
            continue
        ia, ib = place_iri[a], place_iri[b]
        add((s, t, partnership))
        add((s, label, nt.literal(f"{names[a]} – {names[b]}", lang="en")))
        add((s, party, ia))
        add((s, party, ib))
        add((s, derived, src))
        add((ia, twinned, ib))
        add((ib, twinned, ia))
        qa, qb = qid_of[a], qid_of[b]
        if qa and qb:
            add((nt.iri(_WD + qa), p190, nt.iri(_WD + qb)))
            add((nt.iri(_WD + qb), p190, nt.iri(_WD + qa)))
    return out


def _source_triples(emit: Callable[[nt.Triple], None], src: str, source: ExtractSource) -> None:
    emit((src, _P["type"], "<http://www.w3.org/ns/prov#Entity>"))
    emit((src, _P["type"], "<https://schema.org/Dataset>"))
    emit((src, _P["title"], nt.literal(source.title, lang="en")))
    emit((src, _P["publisher"], nt.iri(source.publisher)))
    emit((src, _P["url"], nt.iri(source.url)))
    emit((src, _P["language"], nt.quote("en")))
    if source.license:
        emit((src, _P["license"], nt.iri(source.license)))
    if source.description:
        emit((src, _P["description"], nt.literal(source.description, lang="en")))
    for f in source.files:
        emit((src, _tw("capturedAs"), nt.quote(f.name)))
