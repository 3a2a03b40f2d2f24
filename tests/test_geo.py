"""geo.py: the projection, great circles, the shipped world outline and continents."""

from __future__ import annotations

import csv
import math
import os

import pytest

from tests.support.paths import SHARED
from twinned import geo

NODES = SHARED / "data" / "wikidata-twin-cities" / "nodes.tsv"


def test_equal_earth_corners() -> None:
    assert geo.equal_earth(0, 0) == (0.0, 0.0)
    assert geo.equal_earth(180, 0)[0] == pytest.approx(geo.X_MAX, abs=1e-6)
    assert geo.equal_earth(0, 90)[1] == pytest.approx(geo.Y_MAX, abs=1e-6)
    x, y = geo.equal_earth(-30, -45)
    assert (x, y) == pytest.approx(tuple(-v for v in geo.equal_earth(30, 45)))


def test_great_circle_runs_between_its_ends_and_bends_towards_the_pole() -> None:
    kosice, mobile = (21.25, 48.72), (-88.05, 30.73)
    [line] = geo.great_circle(kosice, mobile)
    assert line[0] == pytest.approx(kosice) and line[-1] == pytest.approx(mobile)
    assert max(lat for _, lat in line) > 55  # north of both ends, not along a parallel
    steps = [geo.angle(a, b) for a, b in zip(line, line[1:], strict=False)]
    assert max(steps) <= 3.0 + 1e-9


def test_great_circle_is_cut_at_the_antimeridian() -> None:
    east, west = geo.great_circle((170.0, 0.0), (-170.0, 10.0))
    assert east[-1][0] == 180.0 and west[0][0] == -180.0
    assert east[-1][1] == pytest.approx(west[0][1])
    assert all(lon > 0 for lon, _ in east) and all(lon < 0 for lon, _ in west)


def test_cut_ring_splits_an_island_on_the_antimeridian() -> None:
    ring = [(179.0, -16.0), (-179.0, -16.0), (-179.0, -17.0), (179.0, -17.0), (179.0, -16.0)]
    pieces = geo.cut_ring(ring)
    assert len(pieces) == 2
    for piece in pieces:
        signs = {math.copysign(1, lon) for lon, _ in piece}
        assert len(signs) == 1


def test_cut_ring_closes_a_polar_ring_through_the_pole() -> None:
    ring = [(-180.0 + 30 * i, -70.0) for i in range(12)] + [(179.0, -70.0), (-180.0, -70.0)]
    [piece] = geo.cut_ring(ring)
    assert piece[-2:] == [(piece[-3][0], -90.0), (piece[0][0], -90.0)]


def test_outline_from_topojson_draws_shared_arcs_as_borders() -> None:
    topology = {
        "type": "Topology",
        "arcs": [[[0, 0], [0, 10]], [[0, 10], [-10, 10], [-10, 0], [0, 0]], [[0, 0], [10, 0], [10, 10], [0, 10]],
                 [[-10, 0], [-10, 10], [10, 10], [10, 0], [-10, 0]]],
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]]}, {"type": "MultiPolygon", "arcs": [[[2, -1]]]}]},
            "land": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[3]]}]},
        },
    }
    outline = geo.outline_from_topojson(topology)
    assert outline.borders == ([(0, 0), (0, 10)],)
    assert outline.land == ([(-10, 0), (-10, 10), (10, 10), (10, 0), (-10, 0)],)


def test_the_shipped_outline_is_the_whole_world_without_jumps() -> None:
    world = geo.world()
    assert len(world.land) > 100 and len(world.borders) > 200
    points = [p for line in world.land + world.borders for p in line]
    assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points)
    for ring in world.land:
        jumps = [(a, b) for a, b in zip(ring, ring[1:], strict=False) if abs(b[0] - a[0]) > 180]
        assert all(abs(a[1]) == abs(b[1]) == 90 for a, b in jumps)  # only along a pole


def test_continents() -> None:
    assert geo.continent("sk") == "Europe"
    assert geo.continent("AR") == "South America"
    assert geo.continent("CN-TW") == "Asia"
    assert geo.continent("ZZ") is None and geo.continent(None) is None
    codes = [c for codes in geo._BY_CONTINENT.values() for c in codes.split()]
    assert len(codes) == len(set(codes)) and set(geo.CONTINENT_OF.values()) <= set(geo.CONTINENTS)


@pytest.mark.skipif(not NODES.exists() and not os.environ.get("CI"),
                    reason="the Wikidata twin-cities data is not beside the project")
def test_continents_agree_with_the_wikidata_twin_cities_data() -> None:
    with NODES.open(encoding="utf-8") as f:
        pairs = {(r["countrycd"], r["continent"]) for r in csv.DictReader(f, delimiter="\t")}
    assert {(code, geo.continent(code)) for code, _ in pairs} == pairs
