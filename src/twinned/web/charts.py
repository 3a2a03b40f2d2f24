"""Pictures drawn on the server as inline SVG: maps, timelines and a bar chart.

They need no JavaScript: points and bars are links with a ``<title>`` (the browser's
tooltip) and an ``aria-label``; the pages put a table beside each picture. The input
is plain data (``Marker``, ``Arc``, ``TimelineRow``, counts); ``pictures`` reads it
from the store. Colours come from the ``Kind`` of each thing drawn.

Speed (issue 14, measured 2026-12-03 in-process: ``resource_body`` of some 450 distinct
subjects of each release in one process, templates warm, best of three alternating runs
on a shared 2-core machine): a first-time place page spent some 60% of its time drawing
its map, 50% on the basemap alone (some 3,400 outline points projected into each map's own
frame; frames differ per place, so there is nothing to share between pages). With
``projected_path`` and ``_seen`` inlining that loop (byte-identical SVG) the basemap draws
1.5-2x faster; together with ``server.resource_body`` no longer building a view no template
reads, the page mix went from 301 to 390 pages/s at W1 and from 300 to 387 pages/s at W10
(1.42M triples), place pages from about 7.5 to 5.5 ms, partnership pages from 1.35 to
1.1 ms (single runs varied by up to 40% with the machine's load). The basemap is still the
largest single cost of a place page (about 3 ms). Reading each subject's statements in
one lookup (instead of one per property) was tried and left out: +8% at W1, none at W10.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from twinned import geo

WIDTH, HEIGHT = 1000, 500
INK, MUTED, LAND, SEA, BORDER, GRID = "#1d2330", "#5f6878", "#e4e7de", "#f4f8fb", "#ffffff", "#dde2ea"


@dataclass(frozen=True)
class Kind:
    """A class of documents drawn in one colour (see ``atlas.KINDS``)."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Marker:
    href: str
    label: str
    lon: float
    lat: float
    kind: Kind
    tip: str  # tooltip and accessible name
    role: str = "partner"  # focus | partner | place | publisher


@dataclass(frozen=True)
class Arc:
    a: geo.LonLat
    b: geo.LonLat
    kind: Kind
    tip: str


def num(v: float) -> str:
    """A coordinate with at most one decimal, without a trailing .0."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def path_data(points: Iterable[tuple[float, float]], closed: bool = False) -> str:
    """Compact SVG path data: integer pixels, relative moves, repeated points dropped."""
    out: list[str] = []
    last: tuple[int, int] | None = None
    for x, y in points:
        p = (round(x), round(y))
        if last is None:
            out.append(f"M{p[0]} {p[1]}")
        elif p != last:
            dx, dy = p[0] - last[0], p[1] - last[1]
            out.append(f"l{dx}{'' if dy < 0 else ' '}{dy}")
        last = p
    if closed and out:
        out.append("z")
    return "".join(out) if len(out) > 1 else ""


def attrs(**values: object) -> str:
    """XML attributes, escaped; None is left out; trailing _ and inner _ become - (class_)."""
    parts = []
    for name, value in values.items():
        if value is not None:
            parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
    return "".join(parts)


def tag(name: str, text: str | None = None, **values: object) -> str:
    """One element: ``<name attrs/>``, or with its text escaped."""
    if text is None:
        return f"<{name}{attrs(**values)}/>"
    return f"<{name}{attrs(**values)}>{escape(text)}</{name}>"


def svg_open(kind: str, ident: str, width: int, height: int, title: str, description: str) -> list[str]:
    """The start of a picture: its box, and a title and description that name it."""
    box = attrs(id=ident, viewBox=f"0 0 {width} {height}", aria_labelledby=f"{ident}-title {ident}-desc")
    return [f'<svg class="{kind}" xmlns="http://www.w3.org/2000/svg"{box}>',
            tag("title", title, id=f"{ident}-title") + tag("desc", description, id=f"{ident}-desc")]


# -- maps ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewport:
    """Projected Equal Earth coordinates mapped onto a width x height pixel box."""

    cx: float
    cy: float
    scale: float  # pixels per projected unit
    width: int = WIDTH
    height: int = HEIGHT

    @classmethod
    def fit(cls, points: Sequence[geo.LonLat], width: int = WIDTH, max_height: int = HEIGHT,
            min_height: int = 260, pad: float = 0.08, min_width: float = 0.9) -> Viewport:
        """The smallest frame around the points (padded, at least ``min_width`` projected
        units wide, at most the world), as wide as ``width`` and as high as it needs."""
        world_w, world_h = 2 * geo.X_MAX * 1.02, 2 * geo.Y_MAX * 1.02
        xy = [geo.equal_earth(lon, lat) for lon, lat in points]
        if not xy:
            return cls(0.0, 0.0, width / world_w, width, max_height)
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        w = max((max(xs) - min(xs)) * (1 + 2 * pad), min_width)
        h = max((max(ys) - min(ys)) * (1 + 2 * pad), min_width * min_height / width)
        scale = max(min(width / w, max_height / h), width / world_w)
        height = round(max(min_height, min(max_height, h * scale, world_h * scale)))
        w, h = width / scale, height / scale
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        cx = 0.0 if w >= world_w else max(-geo.X_MAX + w / 2, min(geo.X_MAX - w / 2, cx))
        cy = 0.0 if h >= world_h else max(-geo.Y_MAX + h / 2, min(geo.Y_MAX - h / 2, cy))
        return cls(cx, cy, scale, width, height)

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = geo.equal_earth(lon, lat)
        return (self.width / 2 + (x - self.cx) * self.scale, self.height / 2 - (y - self.cy) * self.scale)

    def px_xy(self, x: float, y: float) -> tuple[float, float]:
        """Pixels of an already projected point (the same arithmetic as ``px``)."""
        return (self.width / 2 + (x - self.cx) * self.scale, self.height / 2 - (y - self.cy) * self.scale)

    def sees_projected(self, line: geo.Projected) -> bool:
        """``sees`` for a projected line, from its box alone (pixels grow with x, shrink with y)."""
        left, top = self.px_xy(line.x_min, line.y_max)
        right, bottom = self.px_xy(line.x_max, line.y_min)
        return right >= 0 and left <= self.width and bottom >= 0 and top <= self.height


def _sphere(view: Viewport) -> str:
    edge = [(180.0, lat) for lat in range(-90, 91, 5)] + [(-180.0, lat) for lat in range(90, -91, -5)]
    return path_data((view.px(lon, lat) for lon, lat in edge), closed=True)


def projected_path(view: Viewport, points: Iterable[tuple[float, float]], closed: bool = False) -> str:
    """``path_data`` of already projected points in the view's pixels: the same bytes as
    ``path_data(view.px_xy(*p) for p in points)``, with ``px_xy``'s arithmetic inlined. It is
    the basemap's inner loop (thousands of points per map): drawing a place's map took
    80-85% of a first-time place page, and inlining it made the basemap about 3x faster."""
    w2, h2, cx, cy, scale = view.width / 2, view.height / 2, view.cx, view.cy, view.scale
    out: list[str] = []
    append = out.append
    lx = ly = 0
    started = False
    for x, y in points:
        px, py = round(w2 + (x - cx) * scale), round(h2 - (y - cy) * scale)
        if not started:
            append(f"M{px} {py}")
            started = True
        elif px != lx or py != ly:
            dy = py - ly
            append(f"l{px - lx}{dy}" if dy < 0 else f"l{px - lx} {dy}")
        lx, ly = px, py
    if closed and out:
        append("z")
    return "".join(out) if len(out) > 1 else ""


def _seen(view: Viewport, lines: Iterable[geo.Projected]) -> list[geo.Projected]:
    """The lines ``view.sees_projected`` keeps (its arithmetic inlined: some 450 boxes a map)."""
    w2, h2, cx, cy, scale = view.width / 2, view.height / 2, view.cx, view.cy, view.scale
    width, height = view.width, view.height
    return [line for line in lines
            if w2 + (line.x_max - cx) * scale >= 0 and w2 + (line.x_min - cx) * scale <= width
            and h2 - (line.y_min - cy) * scale >= 0 and h2 - (line.y_max - cy) * scale <= height]


def _basemap(view: Viewport) -> list[str]:
    rings, lines = geo.projected_world()  # projected once per process, not per map
    land = "".join(projected_path(view, ring.points, closed=True) for ring in _seen(view, rings))
    borders = "".join(projected_path(view, line.points) for line in _seen(view, lines))
    return [f'<path class="sea"{attrs(d=_sphere(view), fill=SEA, stroke=GRID)}/>',
            f'<path class="land"{attrs(d=land, fill=LAND)}/>',
            f'<path class="borders"{attrs(d=borders, fill="none", stroke=BORDER, stroke_width=0.8)}/>']


def _arc(view: Viewport, arc: Arc, step: float) -> str:
    d = "".join(path_data(view.px(*p) for p in line) for line in geo.great_circle(arc.a, arc.b, step))
    return (f'<path class="arc"{attrs(d=d, stroke=arc.kind.colour, data_kind=arc.kind.key)}>'
            f"<title>{escape(arc.tip)}</title></path>")


MARKER_RADIUS = {"focus": 7.0, "publisher": 6.0, "partner": 5.0, "place": 3.5}


def _marker(view: Viewport, m: Marker) -> str:
    x, y = view.px(m.lon, m.lat)
    fill = INK if m.role in ("focus", "publisher") else m.kind.colour
    circle = f"<circle{attrs(cx=num(x), cy=num(y), r=MARKER_RADIUS[m.role], fill=fill)}/>"
    return (f'<a class="marker {m.role}"{attrs(href=m.href, aria_label=m.tip, data_kind=m.kind.key)}>'
            f"<title>{escape(m.tip)}</title>{circle}</a>")


@dataclass
class _Labeller:
    """Greedy label placement: a label is drawn only where it overlaps nothing placed."""

    view: Viewport
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)

    def free(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        if x0 < 2 or y0 < 2 or x1 > self.view.width - 2 or y1 > self.view.height - 2:
            return False
        return all(x1 < a0 or x0 > a1 or y1 < b0 or y0 > b1 for a0, b0, a1, b1 in self.boxes)

    def place(self, m: Marker, size: float, force: bool = False) -> str | None:
        """The label beside its marker, right or left, where it is free (or forced)."""
        x, y = self.view.px(m.lon, m.lat)
        w, r = len(m.label) * size * 0.56, MARKER_RADIUS[m.role] + 2
        options = (("start", x + r), ("end", x - r - w))
        for n, (anchor, x0) in enumerate(options * 2 if force else options):
            box = (x0, y - size * 0.75, x0 + w, y + size * 0.3)
            if self.free(box) or (n >= 2 and 0 <= x0 and x0 + w <= self.view.width):
                self.boxes.append(box)
                tx = x + r if anchor == "start" else x - r
                weight = "bold" if m.role in ("focus", "publisher") else None
                return tag("text", m.label, x=num(tx), y=num(y + size * 0.3), text_anchor=anchor,
                           font_size=size, font_weight=weight, data_mx=num(x), data_my=num(y))
        return None


def _labels(view: Viewport, markers: Sequence[Marker], limit: int) -> list[str]:
    labeller = _Labeller(view)
    for m in markers:  # markers take their room first
        x, y = view.px(m.lon, m.lat)
        r = MARKER_RADIUS[m.role]
        labeller.boxes.append((x - r, y - r, x + r, y + r))
    ranked = sorted(markers, key=lambda m: m.role not in ("focus", "publisher"))
    out = []
    for m in ranked[:limit]:
        major = m.role in ("focus", "publisher")
        text = labeller.place(m, 15.0 if major else 12.0, force=major)
        if text:
            out.append(text)
    return out


def map_svg(markers: Sequence[Marker], arcs: Sequence[Arc], *, ident: str, title: str,
            description: str, labels: int = 40, arc_step: float = 3.0) -> Markup:
    """A map of the markers and arcs, framed around them (the world when they span it)."""
    reach = [p for a in arcs for line in geo.great_circle(a.a, a.b, 10.0) for p in line]
    view = Viewport.fit([(m.lon, m.lat) for m in markers] + reach)
    parts = [*svg_open("map", ident, view.width, view.height, title, description),
             tag("rect", width=view.width, height=view.height, fill="#fbfbf8"),
             *_basemap(view),
             '<g class="arcs" fill="none" stroke-width="1.6" stroke-opacity="0.8" stroke-linecap="round">',
             *(_arc(view, a, arc_step) for a in arcs), "</g>",
             '<g class="markers" stroke="#ffffff" stroke-width="1.5">',
             *(_marker(view, m) for m in markers), "</g>",
             f'<g class="labels" aria-hidden="true"{attrs(fill=INK)}>', *_labels(view, markers, labels), "</g>",
             "</svg>"]
    return Markup("\n".join(parts))


# -- timelines -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    href: str
    date: str  # xsd:date, gYearMonth or gYear lexical form
    kind: Kind
    tip: str
    renewal: bool = False


@dataclass(frozen=True)
class TimelineRow:
    href: str
    label: str
    events: tuple[Event, ...]


def year_span(date: str) -> tuple[float, float]:
    """The period a partial date stands for, in fractional years (1997 -> 1997..1998)."""
    parts = [int(p) for p in date.lstrip("-").split("-")[:3] if p.isdigit()]
    if not parts:
        raise ValueError(f"not a date: {date!r}")
    year = parts[0]
    if len(parts) == 1:
        return year, year + 1
    month = parts[1]
    if len(parts) == 2:
        return year + (month - 1) / 12, year + month / 12
    day = min(parts[2], 28)
    start = year + (month - 1) / 12 + (day - 1) / 365
    return start, start + 1 / 365


def _ticks(first: int, last: int, target: int = 10) -> list[int]:
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if (last - first) / s <= target)
    return list(range(math.ceil(first / step) * step, last + 1, step))


def timeline_svg(rows: Sequence[TimelineRow], *, ident: str, title: str, description: str) -> Markup:
    """One line per partnership, a mark per dated document (renewals hollow); a date
    known only to the year or month spans that year or month."""
    spans = [year_span(e.date) for r in rows for e in r.events]
    first = math.floor(min(s[0] for s in spans) / 5) * 5 if spans else 1990
    last = math.ceil(max(s[1] for s in spans) / 5) * 5 if spans else 2020
    left, right, top, row_h = 210, WIDTH - 20, 34, 22
    height = top + row_h * len(rows) + 12

    def x(year: float) -> float:
        return left + (year - first) / max(last - first, 1) * (right - left)

    parts = [*svg_open("timeline", ident, WIDTH, height, title, description),
             f'<g class="axis"{attrs(fill=MUTED, font_size=12, text_anchor="middle")}>']
    for t in _ticks(first, last):
        parts.append(f'<line{attrs(x1=num(x(t)), x2=num(x(t)), y1=top - 8, y2=height - 8, stroke=GRID)}/>'
                     f'<text{attrs(x=num(x(t)), y=top - 14)}>{t}</text>')
    parts.append("</g>")
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        name = tag("text", row.label, x=left - 10, y=num(y + 4), text_anchor="end", font_size=13, fill=INK)
        parts.append(f'<g class="row"><a{attrs(href=row.href)}>{name}</a>')
        row_spans = [year_span(e.date) for e in row.events]
        if row_spans:
            x0, x1 = x(min(s[0] for s in row_spans)), x(max(s[1] for s in row_spans))
            parts.append(tag("line", x1=num(x0), x2=num(x1), y1=num(y), y2=num(y), stroke="#b9c0cc", stroke_width=2))
        for event, (s0, s1) in zip(row.events, row_spans, strict=True):
            parts.append(_event(event, x(s0), x(s1), y))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _event(e: Event, x0: float, x1: float, y: float) -> str:
    w = max(x1 - x0, 9.0)
    cx = (x0 + x1) / 2
    fill = "#ffffff" if e.renewal else e.kind.colour
    shape = tag("rect", x=num(cx - w / 2), y=num(y - 6), width=num(w), height=12, rx=6, fill=fill,
                stroke=e.kind.colour, stroke_width=2.5 if e.renewal else 1.5,
                fill_opacity=1 if e.renewal else 0.85)
    return (f'<a class="event"{attrs(href=e.href, aria_label=e.tip, data_kind=e.kind.key, data_date=e.date)}>'
            f"<title>{escape(e.tip)}</title>{shape}</a>")


# -- documents per year ----------------------------------------------------------------------------

def per_year_svg(counts: Mapping[int, Mapping[str, int]], kinds: Sequence[Kind], *, ident: str,
                 title: str, description: str, href: str = "") -> Markup:
    """Stacked bars of documents per year, coloured by kind, with decade totals above
    the axis. ``href`` + year links each bar (``/queries/signings-in?when=``)."""
    height, left, right, top, bottom = 300, 44, WIDTH - 12, 34, 260
    if counts:
        first, last = math.floor(min(counts) / 10) * 10, math.floor(max(counts) / 10) * 10 + 9
    else:
        first, last = 1990, 2019
    peak = max((sum(c.values()) for c in counts.values()), default=1)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if peak / s <= 6)
    top_value = math.ceil(peak / step) * step
    bar = (right - left) / (last - first + 1)

    def y(v: float) -> float:
        return bottom - v / top_value * (bottom - top)

    parts = [*svg_open("chart", ident, WIDTH, height, title, description),
             f'<g class="axis"{attrs(fill=MUTED, font_size=12)}>']
    for v in range(0, top_value + 1, step):
        parts.append(f'<line{attrs(x1=left, x2=right, y1=num(y(v)), y2=num(y(v)), stroke=GRID)}/>'
                     f'<text{attrs(x=left - 6, y=num(y(v) + 4), text_anchor="end")}>{v}</text>')
    for decade in range(first, last + 1, 10):
        total = sum(sum(counts.get(yr, {}).values()) for yr in range(decade, decade + 10))
        x0 = left + (decade - first) * bar
        parts.append(f'<line{attrs(x1=num(x0), x2=num(x0), y1=top - 4, y2=bottom + 6, stroke=GRID)}/>'
                     f'<text{attrs(x=num(x0 + 3), y=bottom + 20)}>{decade}s</text>'
                     f'<text{attrs(x=num(x0 + 3), y=top - 8, fill=INK)}>{total} in the {decade}s</text>')
    parts.append("</g>")
    for year in sorted(counts):
        parts.append(_bar(year, counts[year], kinds, left + (year - first) * bar, bar, y, href))
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _bar(year: int, count: Mapping[str, int], kinds: Sequence[Kind], x0: float, width: float,
         scale: Callable[[float], float], href: str) -> str:
    total = sum(count.values())
    tip = f"{year}: {total} document{'s' if total != 1 else ''} (" + ", ".join(
        f"{count[k.key]} {k.label.lower()}" for k in kinds if count.get(k.key)) + ")"
    rects, base = [], 0
    for k in kinds:
        n = count.get(k.key, 0)
        if n:
            top, bottom = scale(base + n), scale(base)
            rects.append(tag("rect", x=num(x0 + 1), y=num(top), width=num(max(width - 2, 1)),
                             height=num(bottom - top), fill=k.colour))
            base += n
    inner = f"<title>{escape(tip)}</title>{''.join(rects)}"
    if href:
        return f'<a class="bar"{attrs(href=f"{href}{year}", aria_label=tip, data_year=year)}>{inner}</a>'
    return f'<g class="bar"{attrs(data_year=year)}>{inner}</g>'
