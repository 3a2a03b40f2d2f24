"""charts.py: the SVG maps, timelines and bar chart, from plain data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from twinned.web import charts
from twinned.web.charts import Arc, Event, Kind, Marker, TimelineRow, Viewport

SVG = "{http://www.w3.org/2000/svg}"
RED, BLUE = Kind("red", "Red things", "#ff0000"), Kind("blue", "Blue things", "#0000ff")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_path_data_is_relative_and_drops_repeated_points() -> None:
    assert charts.path_data([(0.2, 0.4), (10, 5), (10.1, 5.2), (7, 9)]) == "M0 0l10 5l-3 4"
    assert charts.path_data([(1, 1), (2, 2)], closed=True) == "M1 1l1 1z"
    assert charts.path_data([(1, 1), (1.2, 1.1)]) == ""  # nothing left to draw


@pytest.mark.parametrize("frame", [
    [],  # the whole world
    [(21.26, 48.72), (23.9, 54.9)],  # Central Europe, zoomed in
    [(-122.4, 37.8), (139.7, 35.7), (18.4, -33.9)],  # wide, off centre
    [(174.8, -41.3)],  # a single point near the edge of the world
])
def test_projected_path_draws_the_same_bytes_as_path_data(frame: list[tuple[float, float]]) -> None:
    """The basemap's inlined loop gives exactly what path_data of px_xy gives, for every
    land ring and border of the world outline, open and closed."""
    from twinned import geo

    view = Viewport.fit(frame)
    rings, lines = geo.projected_world()
    for group in (rings, lines):
        assert charts._seen(view, group) == [line for line in group if view.sees_projected(line)]
    for line in (*rings, *lines):
        for closed in (False, True):
            expected = charts.path_data((view.px_xy(*p) for p in line.points), closed=closed)
            assert charts.projected_path(view, line.points, closed=closed) == expected
    assert charts.projected_path(view, [], closed=True) == ""
    assert charts.projected_path(view, [(0.0, 0.0), (1e-9, 1e-9)]) == ""  # one pixel: nothing to draw


def test_attrs_escape_and_leave_out_none() -> None:
    assert charts.attrs(class_="a", aria_label='"<x>"', fill=None) == ' class="a" aria-label="&#34;&lt;x&gt;&#34;"'


def test_viewport_frames_the_points_with_the_aspect_ratio() -> None:
    points = [(7.2, 51.3), (21.25, 48.7), (14.3, 51.8)]
    view = Viewport.fit(points)
    for lon, lat in points:
        x, y = view.px(lon, lat)
        assert 0 < x < view.width and 0 < y < view.height
    assert 260 <= view.height <= 500


def test_viewport_never_frames_more_than_the_world() -> None:
    view = Viewport.fit([(-179.0, 0.0), (179.0, 0.0), (0.0, 80.0), (0.0, -80.0)])
    left, _ = view.px(-180, 0)
    right, _ = view.px(180, 0)
    assert 0 <= left < 20 and view.width - 20 < right <= view.width


def test_map_svg_draws_a_linked_marker_per_point_and_an_arc_per_partnership() -> None:
    markers = [Marker("/place/a", "A <&>", 21.25, 48.7, RED, "A <&>: red", role="focus"),
               Marker("/place/b", "B", 7.2, 51.3, RED, "B: red"),
               Marker("/place/c", "C", -88.0, 30.7, BLUE, "C: blue")]
    arcs = [Arc((21.25, 48.7), (7.2, 51.3), RED, "A – B"), Arc((21.25, 48.7), (-88.0, 30.7), BLUE, "A – C")]
    svg = charts.map_svg(markers, arcs, ident="m", title="T", description="D")
    root = parse(svg)
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/place/a", "/place/b", "/place/c"]
    assert [a.get("aria-label") for a in links][0] == "A <&>: red"
    assert [a.find(f"{SVG}title").text for a in links][2] == "C: blue"  # type: ignore[union-attr]
    paths = root.findall(f".//{SVG}path[@class='arc']")
    assert [p.get("stroke") for p in paths] == ["#ff0000", "#0000ff"]
    assert root.get("aria-labelledby") == "m-title m-desc"
    assert "A &lt;&amp;&gt;" in svg
    assert not re.search(r'href="(?!/)', svg)  # every link stays on this site


def test_year_span_follows_the_precision() -> None:
    assert charts.year_span("1997") == (1997, 1998)
    start, end = charts.year_span("1997-05")
    assert start == pytest.approx(1997 + 4 / 12) and end == pytest.approx(1997 + 5 / 12)
    start, end = charts.year_span("1980-05-22")
    assert 1980 + 4 / 12 < start < end < 1980 + 5 / 12
    with pytest.raises(ValueError):
        charts.year_span("undated")


def test_timeline_svg_has_a_row_per_partnership_and_a_mark_per_document() -> None:
    rows = [TimelineRow("/partnership/a--b", "B", (Event("/d/1", "1980-05-22", RED, "first"),
                                                    Event("/d/2", "1996", RED, "renewal", renewal=True))),
            TimelineRow("/partnership/a--c", "C", (Event("/d/3", "2019-07", BLUE, "third"),))]
    root = parse(charts.timeline_svg(rows, ident="t", title="T", description="D"))
    events = root.findall(f".//{SVG}a[@class='event']")
    assert [e.get("href") for e in events] == ["/d/1", "/d/2", "/d/3"]
    hollow = events[1].find(f"{SVG}rect")
    assert hollow is not None and hollow.get("fill") == "#ffffff"
    years = [t.text for t in root.findall(f".//{SVG}g[@class='axis']/{SVG}text")]
    assert years[0] == "1980" and years[-1] == "2020"


def test_per_year_svg_stacks_kinds_and_totals_decades() -> None:
    counts = {1991: {"red": 2, "blue": 1}, 1997: {"blue": 1}, 2005: {"red": 1}}
    root = parse(charts.per_year_svg(counts, [RED, BLUE], ident="c", title="T", description="D",
                                     href="/queries/signings-in?when="))
    bars = root.findall(f".//{SVG}a[@class='bar']")
    assert [b.get("href") for b in bars] == [f"/queries/signings-in?when={y}" for y in (1991, 1997, 2005)]
    assert len(bars[0].findall(f"{SVG}rect")) == 2
    assert bars[0].get("aria-label") == "1991: 3 documents (2 red things, 1 blue things)"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1990s" in texts and "2000s" in texts and "4 in the 1990s" in texts
