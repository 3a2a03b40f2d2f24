"""What the pictures show, read from the loaded store: places with their coordinates,
partnerships coloured by their strongest document, documents in time, and the whole
network. ``Pictures`` gives the templates ready-drawn SVG (``charts``) with the rows of
the table that stands beside each picture, and ``/network.json`` its data.

What is drawn comes from the :mod:`~twinned.web.atlas` (places, partnerships, and
their kinds), read once per release.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

from twinned import geo
from twinned.web import charts
from twinned.web.atlas import KIND, KINDS, Atlas, Link, Place, rank
from twinned.web.charts import Kind
from twinned.web.pages import Site, date_key

T = TypeVar("T")
_MISSING = object()
LANDING_ARCS = 600  # more partnerships than this: the landing map draws the strongest


def _since(link: Link) -> str:
    if not link.start:
        return ""
    return f", since {link.start_qualifier} {link.start}" if link.start_qualifier else f", since {link.start}"


def _named(place: Place) -> str:
    """The place and its country, for a tooltip."""
    return f"{place.label}, {place.country_label}" if place.country_label else place.label


def _between(a: str, b: str, link: Link) -> str:
    return f"{a} – {b}: {link.kind.label.lower()}{_since(link)}"


class Pictures:
    """The pictures of one loaded release, drawn on first use and kept."""

    def __init__(self, site: Site, dump: Path | None = None, atlas_file: Path | None = None) -> None:
        self.site = site
        self.dump = dump  # the release's N-Triples dump, read for the atlas when there is no atlas file
        self.atlas_file = atlas_file  # the atlas the build computed
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}

    @cached_property
    def atlas(self) -> Atlas:
        if self.atlas_file is not None and self.atlas_file.is_file():
            return Atlas.read(self.site, self.atlas_file)
        return Atlas(self.site, self.dump)

    def _kept(self, name: str, key: str, make: Callable[[], T]) -> T:
        """A picture drawn once and kept. Drawn outside the lock (two threads asking for the
        same new picture at once may both draw it; the first kept wins), so no request ever
        waits for another's drawing."""
        found: Any = self._cache.get((name, key), _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        made = make()
        with self._lock:
            if len(self._cache) > 512:
                self._cache.clear()
            return cast(T, self._cache.setdefault((name, key), made))

    # -- maps ------------------------------------------------------------------------------------

    def place_map(self, iri: str) -> dict[str, Any]:
        """The place and its partners, partnerships as great-circle arcs."""
        return self._kept("place_map", iri, lambda: self._place_map(iri))

    def _place_map(self, iri: str) -> dict[str, Any]:
        atlas = self.atlas
        here = atlas.places.get(iri)
        links = sorted(atlas.by_place.get(iri, []), key=lambda link: (rank(link.kind), link.iri))
        markers: list[charts.Marker] = []
        arcs: list[charts.Arc] = []
        rows: list[dict[str, Any]] = []
        for link in links:
            partner = atlas.place(link.other(iri))
            tip = f"{_named(partner)}: {link.kind.label.lower()}{_since(link)}"
            on_map = partner.where is not None
            if on_map:
                markers.append(charts.Marker(partner.href, partner.label, partner.lon or 0, partner.lat or 0,
                                             link.kind, tip))
                if here is not None and here.where is not None and partner.where is not None:
                    arcs.append(charts.Arc(here.where, partner.where, link.kind,
                                           _between(here.label, partner.label, link)))
            rows.append({"partner": partner, "link": link, "kind": link.kind, "on_map": on_map})
        if here is not None and here.where is not None:
            markers.append(charts.Marker(here.href, here.label, here.lon or 0, here.lat or 0, KIND["none"],
                                         f"{here.label} (this place)", role="focus"))
        rows.sort(key=lambda r: r["partner"].label.casefold())
        label = here.label if here else self.site.labels.label(iri)
        partners = sum(1 for m in markers if m.role == "partner")
        svg = charts.map_svg(markers, arcs, ident="map-svg", title=f"Map of {label} and its partners",
                             description=f"{partners} of {len(rows)} partners of {label} drawn at their "
                                         "coordinates, joined by great-circle arcs coloured by the kind of "
                                         "the strongest document of each partnership.") if markers else None
        return {"svg": svg, "rows": rows, "markers": partners, "missing": [r for r in rows if not r["on_map"]],
                "kinds": self._used(link.kind for link in links), "here_on_map": bool(here and here.where)}

    def landing_map(self) -> dict[str, Any]:
        return self._kept("landing_map", "", self._landing_map)

    def _landing_map(self) -> dict[str, Any]:
        atlas = self.atlas
        publishers = atlas.publishers()
        links = sorted(atlas.links, key=lambda link: (rank(link.kind), link.iri))
        drawn = [link for link in links if atlas.place(link.a).where and atlas.place(link.b).where]
        shown = drawn[:LANDING_ARCS]
        arcs = [charts.Arc(atlas.place(link.a).where or (0, 0), atlas.place(link.b).where or (0, 0), link.kind,
                           _between(atlas.label(link.a), atlas.label(link.b), link)) for link in shown]
        ends = {p for link in (shown if len(drawn) > LANDING_ARCS else links) for p in (link.a, link.b)}
        markers = []
        for iri in sorted(ends, key=lambda i: atlas.place(i).label.casefold()):
            place = atlas.place(iri)
            if place.where is None:
                continue
            strongest = min((link.kind for link in atlas.by_place.get(iri, [])), key=rank,
                            default=KIND["none"])
            n = len(atlas.by_place.get(iri, []))
            tip = f"{_named(place)}: {n} partner{'s' if n != 1 else ''}"
            markers.append(charts.Marker(place.href, place.label, place.lon or 0, place.lat or 0, strongest, tip,
                                         role="publisher" if iri in publishers else "place"))
        svg = charts.map_svg(markers, arcs, ident="map-svg", title="Map of the partnerships",
                             description=f"{len(markers)} places drawn at their coordinates and {len(arcs)} "
                                         "partnerships as great-circle arcs, coloured by the kind of the "
                                         "strongest document.", labels=12, arc_step=4.0)
        unplaced = sorted((atlas.place(i) for i in ends if atlas.place(i).where is None),
                          key=lambda p: p.label.casefold())
        return {"svg": svg, "markers": len(markers), "arcs": len(arcs), "partnerships": len(links),
                "drawable": len(drawn), "unplaced": unplaced, "kinds": self._used(link.kind for link in links),
                "counts": self._kind_counts(links)}

    def _used(self, kinds: Iterable[Kind]) -> list[Kind]:
        used = set(kinds)
        return [k for k in KINDS if k in used]

    def _kind_counts(self, links: Iterable[Link]) -> list[dict[str, Any]]:
        counts = Counter(link.kind.key for link in links)
        return [{"kind": k, "count": counts[k.key]} for k in KINDS if counts[k.key]]

    # -- time ------------------------------------------------------------------------------------

    def timeline(self, iri: str) -> dict[str, Any]:
        return self._kept("timeline", iri, lambda: self._timeline(iri))

    def _timeline(self, iri: str) -> dict[str, Any]:
        atlas = self.atlas
        rows: list[charts.TimelineRow] = []
        table: list[dict[str, Any]] = []
        undated: list[dict[str, Any]] = []
        for link in atlas.by_place.get(iri, []):
            partner = atlas.place(link.other(iri))
            events = []
            for d in link.documents:
                entry = {"document": d, "partner": partner, "link": link}
                if d.first is None:
                    undated.append(entry)
                    continue
                kind = (d.type_label or d.kind.label).lower() + (", renewal" if d.renewal else "")
                events.append(charts.Event(d.href, d.first, d.kind, f"{partner.label}: {d.title} ({kind}), {d.when}",
                                           d.renewal))
                table.append(entry)
            if events:
                rows.append(charts.TimelineRow(link.href, partner.label, tuple(events)))
        rows.sort(key=lambda r: (date_key(r.events[0].date), r.label.casefold()))
        table.sort(key=lambda e: (date_key(e["document"].first), e["partner"].label.casefold()))
        label = atlas.label(iri)
        svg = charts.timeline_svg(rows, ident="timeline-svg", title=f"Timeline of the documents of {label}",
                                  description=f"{len(table)} dated documents of {len(rows)} partnerships, one "
                                              "line per partnership; renewals are hollow.") if rows else None
        kinds = self._used(e["document"].kind for e in table)
        return {"svg": svg, "rows": table, "undated": undated, "kinds": kinds}

    def per_year(self) -> dict[str, Any]:
        return self._kept("per_year", "", self._per_year)

    def _per_year(self) -> dict[str, Any]:
        counts: dict[int, Counter[str]] = {}
        for link in self.atlas.links:
            for d in link.documents:
                if d.first:
                    counts.setdefault(date_key(d.first)[0], Counter())[d.kind.key] += 1
        kinds = self._used(KIND[k] for c in counts.values() for k in c)
        total = sum(sum(c.values()) for c in counts.values())
        svg = charts.per_year_svg(counts, kinds, ident="per-year-svg", title="Documents signed per year",
                                  description=f"{total} dated documents by the year they were first signed, "
                                              "coloured by kind, with the total of each decade above.",
                                  href="/queries/signings-in?when=") if counts else None
        decades: dict[int, Counter[str]] = {}
        for year, c in counts.items():
            decades.setdefault(year // 10 * 10, Counter()).update(c)
        table = [{"decade": d, "counts": [decades[d][k.key] for k in kinds], "total": sum(decades[d].values())}
                 for d in sorted(decades)]
        return {"svg": svg, "kinds": kinds, "decades": table, "total": total}

    # -- the network -------------------------------------------------------------------------------

    def network(self, focus: str | None = None, depth: int = 2) -> dict[str, Any]:
        """Places and partnerships as JSON for ``static/twinned-network.js``: the whole
        network, or the places within ``depth`` partnerships of ``focus``."""
        return self._kept("network", f"{focus}|{depth}", lambda: self._network(focus, depth))

    def _network(self, focus: str | None, depth: int) -> dict[str, Any]:
        atlas = self.atlas
        keep = set(atlas.by_place) if focus is None else self._around(focus, depth)
        places = sorted((atlas.place(i) for i in keep), key=lambda p: (p.label.casefold(), p.iri))
        countries = sorted({p.country for p in places if p.country})
        country_index = {c: n for n, c in enumerate(countries)}
        index = {p.iri: n for n, p in enumerate(places)}
        nodes = []
        for p in places:
            xy = geo.equal_earth(*p.where) if p.where else None
            nodes.append([p.href, p.label, country_index.get(p.country or "", -1),
                          round(xy[0], 4) if xy else None, round(xy[1], 4) if xy else None])
        kind_index = {k.key: n for n, k in enumerate(KINDS)}
        edges = [[index[link.a], index[link.b], kind_index[link.kind.key]]
                 for link in self.atlas.links if link.a in index and link.b in index]
        return {
            "focus": atlas.href(focus) if focus else None,
            "kinds": [{"key": k.key, "label": k.label, "colour": k.colour} for k in KINDS],
            "countries": [self._country(c) for c in countries],
            "nodes": nodes, "edges": edges,
        }

    def _country(self, iri: str) -> dict[str, Any]:
        code = next((p.code for p in self.atlas.places.values() if p.country == iri and p.code), None)
        return {"href": self.atlas.href(iri), "label": self.atlas.label(iri), "code": code,
                "continent": geo.continent(code)}

    def _around(self, focus: str, depth: int) -> set[str]:
        seen, frontier = {focus}, {focus}
        for _ in range(depth):
            frontier = {link.other(p) for p in frontier for link in self.atlas.by_place.get(p, [])} - seen
            seen |= frontier
        return seen if focus in self.atlas.by_place or focus in self.atlas.places else set()

    def countries(self) -> list[dict[str, Any]]:
        """Countries with their continent and how many places and partnerships they have."""
        return self._kept("countries", "", self._countries)

    def _countries(self) -> list[dict[str, Any]]:
        atlas = self.atlas
        rows: dict[str, dict[str, Any]] = {}
        for iri, links in atlas.by_place.items():
            place = atlas.place(iri)
            key = place.country or ""
            row = rows.setdefault(key, {"country": place.country, "label": place.country_label or "No country",
                                        "href": atlas.href(place.country) if place.country else None,
                                        "code": place.code, "continent": geo.continent(place.code),
                                        "places": 0, "partnerships": set()})
            row["places"] += 1
            row["partnerships"].update(link.iri for link in links)
        out = [{**r, "partnerships": len(r["partnerships"])} for r in rows.values()]
        return sorted(out, key=lambda r: r["label"].casefold())

    def places_in(self, code: str | None = None, continent: str | None = None,
                  text: str | None = None) -> list[dict[str, Any]]:
        """The places of a country (ISO code) or continent, or whose name contains the
        text, with their partners."""
        atlas = self.atlas
        out = []
        for iri, links in atlas.by_place.items():
            place = atlas.place(iri)
            if code and (place.code or "").upper() != code.upper():
                continue
            if continent and geo.continent(place.code) != continent:
                continue
            if text and fold(text) not in fold(place.label):
                continue
            partners = sorted((atlas.place(link.other(iri)) for link in links), key=lambda p: p.label.casefold())
            out.append({"place": place, "partners": partners})
        return sorted(out, key=lambda r: r["place"].label.casefold())


def fold(text: str) -> str:
    """Text for matching: lower case without accents (Košice matches kosice)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))

