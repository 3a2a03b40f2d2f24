"""Geography for the pictures: the Equal Earth projection, great circles, the world
outline shipped with the package, and the continent of each country code.

The outline (``assets/world-110m.json``) is Natural Earth's 1:110m land and country
borders (public domain), as redistributed in TopoJSON by the npm package
``world-atlas`` 2.0.2 (ISC licence), converted once by :func:`outline_from_topojson`::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m twinned.geo package/countries-110m.json > src/twinned/assets/world-110m.json

Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

LonLat = tuple[float, float]
Line = list[LonLat]
TopoJSON = dict[str, Any]  # a parsed TopoJSON document (json.load types it no better)

# -- the Equal Earth projection (Šavrič, Patterson & Jenny 2018) -------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
X_MAX = 2.7066300  # x of (180°, 0°)
Y_MAX = 1.3173627  # y of (0°, 90°)


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Projected (x, y) of a point in degrees; y grows northwards."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


# -- great circles ---------------------------------------------------------------------------------

def _vector(lon: float, lat: float) -> tuple[float, float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def angle(a: LonLat, b: LonLat) -> float:
    """The angle between two points, in degrees (0 to 180)."""
    va, vb = _vector(*a), _vector(*b)
    dot = max(-1.0, min(1.0, sum(x * y for x, y in zip(va, vb, strict=True))))
    return math.degrees(math.acos(dot))


def great_circle(a: LonLat, b: LonLat, step: float = 3.0) -> list[Line]:
    """The shorter great-circle arc from a to b as lines of (lon, lat), about one point
    every ``step`` degrees, cut where it crosses the antimeridian."""
    omega = math.radians(angle(a, b))
    n = max(1, math.ceil(math.degrees(omega) / step))
    va, vb = _vector(*a), _vector(*b)
    points: Line = []
    for i in range(n + 1):
        t = i / n
        if omega < 1e-9:
            v = va
        else:
            wa, wb = math.sin((1 - t) * omega) / math.sin(omega), math.sin(t * omega) / math.sin(omega)
            v = (wa * va[0] + wb * vb[0], wa * va[1] + wb * vb[1], wa * va[2] + wb * vb[2])
        lon = math.degrees(math.atan2(v[1], v[0]))
        lat = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
        points.append((lon, lat))
    return split_antimeridian(points)


def split_antimeridian(points: Sequence[LonLat]) -> list[Line]:
    """Cut a line where consecutive points are more than 180° of longitude apart,
    adding the crossing point on both sides so that the pieces meet the map's edge."""
    lines: list[Line] = [[points[0]]] if points else []
    for (lon0, lat0), (lon1, lat1) in zip(points, points[1:], strict=False):
        if abs(lon1 - lon0) > 180:
            edge = 180.0 if lon0 > 0 else -180.0
            unwrapped = lon1 + (360 if lon0 > 0 else -360)
            t = (edge - lon0) / (unwrapped - lon0) if unwrapped != lon0 else 0.0
            lat = lat0 + t * (lat1 - lat0)
            lines[-1].append((edge, lat))
            lines.append([(-edge, lat)])
        lines[-1].append((lon1, lat1))
    return lines


# -- the world outline -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outline:
    """Land as closed rings and the borders between countries as open lines."""

    land: tuple[Line, ...]
    borders: tuple[Line, ...]


def decode_arcs(topology: TopoJSON) -> list[Line]:
    """A TopoJSON topology's arcs as lines of (lon, lat) (delta-decoded and unquantized)."""
    scale = topology.get("transform", {}).get("scale", (1, 1))
    shift = topology.get("transform", {}).get("translate", (0, 0))
    quantized = "transform" in topology
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0.0
        line: Line = []
        for px, py in (p[:2] for p in arc):
            x, y = (x + px, y + py) if quantized else (px, py)
            line.append((x * scale[0] + shift[0], y * scale[1] + shift[1]))
        arcs.append(line)
    return arcs


def ring_line(arcs: list[Line], indices: Iterable[int]) -> Line:
    """One ring of a polygon: its arcs joined (a negative index is an arc reversed)."""
    ring: Line = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def cut_ring(ring: Line) -> list[Line]:
    """A closed ring that crosses the antimeridian as rings that do not: the pieces on
    each side, closed along the map's edge (a ring around a pole through the pole)."""
    jumps = [i for i in range(len(ring) - 1) if abs(ring[i + 1][0] - ring[i][0]) > 180]
    if not jumps:
        return [ring]
    body = ring[:-1] if ring[0] == ring[-1] else ring
    start = (jumps[0] + 1) % len(body)
    rotated = body[start:] + body[:start] + [body[start]]
    pieces = split_antimeridian(rotated)
    pieces = [pieces[-1] + pieces[0][1:], *pieces[1:-1]] if len(pieces) > 1 else pieces
    if len(jumps) % 2:  # around a pole: close through it
        piece = pieces[0]
        pole = -90.0 if sum(lat for _, lat in piece) < 0 else 90.0
        piece += [(piece[-1][0], pole), (piece[0][0], pole)]
    return pieces


def polygon_rings(geometry: TopoJSON) -> Iterator[list[list[int]]]:
    """The polygons of a (Multi)Polygon geometry, each as its rings' arc indices."""
    if geometry.get("type") == "Polygon":
        yield geometry["arcs"]
    elif geometry.get("type") == "MultiPolygon":
        yield from geometry["arcs"]


def outline_from_topojson(topology: TopoJSON) -> Outline:
    """Land rings from the ``land`` object; borders from the arcs that two different
    countries of the ``countries`` object share (each drawn once)."""
    arcs = decode_arcs(topology)
    land = [piece for g in topology["objects"]["land"]["geometries"]
            for polygon in polygon_rings(g) for ring in polygon for piece in cut_ring(ring_line(arcs, ring))]
    users: dict[int, set[int]] = {}
    for n, g in enumerate(topology["objects"]["countries"]["geometries"]):
        for polygon in polygon_rings(g):
            for ring in polygon:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(n)
    borders = [arcs[i] for i in sorted(users) if len(users[i]) > 1]
    return Outline(tuple(land), tuple(borders))


def _round(lines: Iterable[Line]) -> list[list[float]]:
    return [[round(v, 2) for point in line for v in point] for line in lines]


def outline_json(outline: Outline) -> str:
    """The shipped form: flat [lon, lat, lon, lat, ...] lists, two decimals."""
    doc = {"source": "Natural Earth 1:110m (public domain) via world-atlas 2.0.2 (ISC)",
           "land": _round(outline.land), "borders": _round(outline.borders)}
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _pairs(flat: Sequence[float]) -> Line:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2)]


@cache
def world() -> Outline:
    """The outline shipped with the package."""
    doc = json.loads(files("twinned").joinpath("assets/world-110m.json").read_text("utf-8"))
    return Outline(tuple(_pairs(r) for r in doc["land"]), tuple(_pairs(b) for b in doc["borders"]))


@dataclass(frozen=True)
class Projected:
    """A line of the outline in Equal Earth coordinates, with its bounding box."""

    points: tuple[tuple[float, float], ...]
    x_min: float
    x_max: float
    y_min: float
    y_max: float


def _projected(line: Line) -> Projected:
    xy = tuple(equal_earth(lon, lat) for lon, lat in line)
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    return Projected(xy, min(xs), max(xs), min(ys), max(ys))


@cache
def projected_world() -> tuple[tuple[Projected, ...], tuple[Projected, ...]]:
    """The outline's land rings and borders projected once (every map reuses them)."""
    w = world()
    return tuple(_projected(r) for r in w.land), tuple(_projected(b) for b in w.borders)


# -- continents ------------------------------------------------------------------------------------

CONTINENTS = ("Africa", "Antarctica", "Asia", "Europe", "North America", "Oceania", "South America")
_BY_CONTINENT = {
    "Africa": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY "
              "MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA "
              "ZM ZW XS",
    "Antarctica": "AQ BV GS HM TF",
    "Asia": "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ "
            "LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE CN-TW XC",
    "Europe": "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
              "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
    "North America": "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF "
                     "MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI",
    "Oceania": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
    "South America": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
}
CONTINENT_OF = {code: name for name, codes in _BY_CONTINENT.items() for code in codes.split()}


def continent(country_code: str | None) -> str | None:
    """The continent of an ISO 3166-1 alpha-2 code (as the Wikidata twin-cities data
    assigns them: Russia and Ukraine in Europe, Turkey and Cyprus in Asia)."""
    return CONTINENT_OF.get((country_code or "").upper())


def main(argv: Sequence[str]) -> int:
    """``python -m twinned.geo countries-110m.json``: print the shipped outline."""
    if len(argv) != 1:
        print("usage: python -m twinned.geo COUNTRIES_TOPOJSON > src/twinned/assets/world-110m.json",
              file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        sys.stdout.write(outline_json(outline_from_topojson(json.load(f))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
