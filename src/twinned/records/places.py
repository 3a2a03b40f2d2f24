"""The gazetteer: ``data/places.yaml`` (countries, places, networks, each with its
Wikidata QID or why not) read into a :class:`~twinned.records.model.Gazetteer`.
"""

from __future__ import annotations

import re
from pathlib import Path

from twinned.errors import Problem
from twinned.rdf.vocab import PLACE_KINDS, Vocabulary
from twinned.records.model import Country, Gazetteer, Identity, Located, Network, Place
from twinned.records.reader import COUNTRY_CODE, SLUG, RecordReader
from twinned.records.yamlnodes import Node, brief


def read_places(path: Path, name: str, vocabulary: Vocabulary) -> tuple[Gazetteer, list[Problem]]:
    r = RecordReader(name, vocabulary)
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


def _coordinates(r: RecordReader, node: Node) -> tuple[tuple[float, float] | None, str | None]:
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


def _check_unique_qids(r: RecordReader, gaz: Gazetteer) -> None:
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
