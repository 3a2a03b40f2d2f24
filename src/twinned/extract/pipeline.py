"""Extracting draft records from a municipal page (see docs/extraction.md).

page → text (HTML reduced) → lines → blocks (one per partner or network, see
extract.blocks) → in each block: the documents named (extract.types), their dates
(extract.dates), signing places and venues, renewals, the areas of cooperation
(extract.areas) and when relations began → a :class:`Draft` whose every field
carries :class:`Evidence` (the text it was read from, its character offsets in the
page text, a confidence).

This module loads what the reading needs (:class:`Extractor`) and reads a page
(:func:`read_page`); one run over a page's text is ``extract.run``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from twinned.errors import InputError, Problem
from twinned.extract import cache as extract_cache
from twinned.extract.areas import AreaScheme
from twinned.extract.gazetteer import load_world
from twinned.extract.model import Draft, Evidence, Home, Page, Stub
from twinned.extract.names import NameIndex
from twinned.extract.resolve import read_links
from twinned.extract.run import Run, stub_key
from twinned.extract.text import html_to_text, looks_like_html
from twinned.extract.types import TypeScheme
from twinned.rdf.vocab import load_vocabulary
from twinned.records.extract_files import default_extract
from twinned.records.load import load_gazetteer
from twinned.records.reader import QID as QID_RE


def read_page(path: Path, kind: str = "auto") -> Page:
    """The page's text: the file itself for text, the reduced text for HTML."""
    try:
        raw = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), 0, "page", f"a readable UTF-8 page ({exc})")]) from None
    html = kind == "html" or (kind == "auto" and (path.suffix.lower() in (".html", ".htm") or looks_like_html(raw)))
    if html:
        text, title = html_to_text(raw)
        return Page(path.name, text, title, True)
    return Page(path.name, raw, None, False)


class Extractor:
    """Reads pages against one project's gazetteer (extended with the Wikidata extract and GeoNames,
    see extract.gazetteer) and schemes."""

    def __init__(self, project_dir: Path, threshold: float = 0.7, date_order: str | None = None,
                 extract: Path | None = None, geonames: bool = True) -> None:
        vocabulary = load_vocabulary(project_dir / "ontology")
        self.curated = load_gazetteer(project_dir / "data", vocabulary)
        self.extract_dir = extract if extract is not None else default_extract(project_dir)
        key = extract_cache.fingerprint(project_dir / "data" / "places.yaml", self.extract_dir, geonames)
        cached = extract_cache.load(key)
        if isinstance(cached, tuple) and len(cached) == 3 and isinstance(cached[2], NameIndex):
            self.world, self.links, self.index = cached
        else:
            self.world = load_world(self.curated, self.extract_dir, geonames)
            self.links = read_links(self.extract_dir)
            self.index = NameIndex(self.world.gazetteer, self.world)
            extract_cache.store(key, (replace(self.world, alternates={}), self.links, self.index))
        self.gazetteer = self.world.gazetteer
        self.types = TypeScheme.load(project_dir / "ontology")
        self.areas = AreaScheme.load(project_dir / "ontology")
        self.threshold = threshold
        self.date_order = date_order

    def city(self, given: str) -> Home:
        """The publishing city: a key or QID of the gazetteer, or a name it knows (settled by a
        country written after a comma: "Springfield, US"); any other name becomes a stub."""
        for key, place in self.gazetteer.places.items():
            if given in (key, place.identity.wikidata):
                return Home(key, given, None)
        if QID_RE.fullmatch(given):
            raise InputError([Problem("--city", 0, "city", f"a QID of data/places.yaml or of the Wikidata extract "
                                                          f"(not {given!r}), or the city's name")])
        name, _, country = given.partition(",")
        found = [n for n in self.index.find(name.strip()) if n.start == 0 and n.end == len(name.strip())]
        if found and found[0].kind == "place":
            return Home(found[0].key, given, None)
        candidates = found[0].candidates if found and found[0].kind == "unsure" else ()
        code = country.strip().upper() or None
        same = [k for k in candidates if self.gazetteer.places[k].country == code]
        if len(same) == 1:
            return Home(same[0], given, None)
        key = stub_key(name.strip(), self.gazetteer)
        stub = Stub(key, name.strip(), "city", code, Evidence(given, 0, 0, 0.4, "--city"), candidates=candidates)
        return Home(key, given, stub)

    def city_key(self, given: str) -> str:
        return self.city(given).key

    def extract(self, page: Page, city: str) -> Draft:
        home = self.city(city)
        run = Run(self, page.text, home)
        partnerships, memberships = run.blocks()
        title = page.title or _first_heading(run, page)
        return Draft(run.home, page.name, title, page.text, partnerships, memberships, run.stub_list(),
                     self.gazetteer, self.threshold, self.world)


def _first_heading(run: Run, page: Page) -> str:
    for line in run.lines:
        if line.kind == "heading":
            return line.text
    return Path(page.name).stem
