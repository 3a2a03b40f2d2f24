"""The comparison with Wikidata, published: one page per publishing city.

    GET /wikidata-diff                       the cities compared, with counts (HTML; .json)
    GET /wikidata-diff/{city}                the findings: HTML, JSON or CSV by Accept or by
                                             suffix (.html .json .csv)
    GET /wikidata-diff/{city}/quickstatements  the P190 statements Wikidata lacks, as
                                             QuickStatements V1 (text/plain)

The comparison is made once, when the routes are created, from the records and the
offline extract of Wikidata's P190 network (the server never calls Wikidata): what
the extract cannot tell (start dates, direction, kinds of item) is said on the page;
``twinned wikidata-diff`` against an endpoint checks those too.

``routes(settings, release)`` gives the routes, to mount with ``server.create_app``
(errors are ``HTTPProblem``s, answered in the server's one error shape).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twinned import httperrors as he
from twinned.config import Settings
from twinned.rdf.negotiation import CSV, HTML, Format, negotiate
from twinned.rdf.vocab import load_vocabulary
from twinned.records.extract_files import EXTRACT_DIR, LINKS, NODES, default_extract
from twinned.records.load import load_records
from twinned.store.release import LoadedRelease
from twinned.web.templating import environment
from twinned.wikidata import compare as wd
from twinned.wikidata.ours import our_cities
from twinned.wikidata.view import read_extract

CACHE = "public, max-age=300"
JSON = Format("json", "application/json", "results", ".json", label="JSON")
QUICKSTATEMENTS = "text/plain; charset=utf-8"
OFFERS: tuple[Format, ...] = (HTML, JSON, CSV)
SUFFIXES: dict[str, Format] = {".html": HTML, ".json": JSON, ".csv": CSV}
WIKIDATA_ITEM = "https://www.wikidata.org/wiki/"


class WikidataPages:
    """The comparison of one release's records with the offline extract."""

    def __init__(self, settings: Settings, release: LoadedRelease, extract: Path | None) -> None:
        self.settings = settings
        self.release = release
        self.diff: wd.Diff | None = None
        if extract is not None:
            records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
            cities = our_cities(records, settings.base_uri)
            view = replace(read_extract(extract, cities), location=f"{EXTRACT_DIR} ({NODES}, {LINKS})")
            self.diff = wd.diff(cities, view)
        self.templates = _environment(settings, release)

    def available(self) -> wd.Diff:
        if self.diff is None:
            raise he.NotFound("The comparison with Wikidata is not available on this server: no extract of "
                              f"Wikidata's P190 network ({EXTRACT_DIR}) was found.")
        return self.diff

    def city(self, key: str) -> wd.CityDiff:
        diff = self.available()
        for c in diff.cities:
            if c.city.key == key:
                return c
        keys = ", ".join(c.city.key for c in diff.cities)
        raise he.NotFound(f"{key} is not a publishing city; the comparisons are for {keys}.")

    def skipped(self) -> frozenset[str]:
        """The checks the source cannot make."""
        view = self.available().view
        cannot = {"start-date": not view.dates, "non-reciprocal": not view.directed, "different-kind": not view.kinds}
        return frozenset(check for check, skip in cannot.items() if skip)

    def source_note(self) -> str:
        return ("Wikidata's side is the offline extract of the P190 network between cities (the bothness/"
                "twin-cities data: nodes.tsv and links.tsv, one undirected link per pair), not the live "
                "Wikidata; partners that are not cities (towns, districts, counties, regions) are absent "
                "from it by construction.")

    def render_city(self, c: wd.CityDiff) -> bytes:
        single = wd.Diff(self.available().view, (c,))
        return self.templates.get_template("wikidata-city.html").render(
            c=c, skipped=self.skipped(), checks=wd.CHECKS, item=WIKIDATA_ITEM, source_note=self.source_note(),
            with_qid=sum(1 for p in c.city.partners if p.qid),
            statements=len(wd.quickstatements(single).splitlines()),
            alternates=[{"type": f.media_type, "href": f"/wikidata-diff/{c.city.key}{suffix}", "label": f.label}
                        for suffix, f in SUFFIXES.items() if f is not HTML]).encode("utf-8")

    def render_index(self) -> bytes:
        diff = self.available()
        return self.templates.get_template("wikidata-index.html").render(
            cities=diff.cities, skipped=self.skipped(), checks=wd.CHECKS,
            source_note=self.source_note()).encode("utf-8")

    def body(self, c: wd.CityDiff, fmt: Format) -> bytes:
        single = wd.Diff(self.available().view, (c,))
        if fmt is HTML:
            return self.render_city(c)
        if fmt is CSV:
            return wd.to_csv(single).encode("utf-8")
        return _json(wd.to_json(single))


def _json(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _environment(settings: Settings, release: LoadedRelease) -> jinja2.Environment:
    """The site's environment (templates wikidata-index.html, wikidata-city.html)."""
    return environment(settings, release)


# -- responses ------------------------------------------------------------------------------------------


def respond(request: Request, pages: WikidataPages, body: bytes, media: str,
            headers: Mapping[str, str] | None = None) -> Response:
    digest = hashlib.sha256(f"{pages.release.version}\n{media}\n".encode() + body).hexdigest()[:32]
    etag = f'"{digest}"'
    h = {"ETag": etag, "Cache-Control": CACHE, "Access-Control-Allow-Origin": "*",
         "X-Twinned-Release": pages.release.version, **(headers or {})}
    tags = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
    if etag in tags or request.headers.get("if-none-match", "").strip() == "*":
        return Response(status_code=304, headers=h)
    if request.method == "HEAD":
        h["Content-Length"] = str(len(body))
        body = b""
    return Response(body, headers=h, media_type=media)


def _split(name: str) -> tuple[str, Format | None]:
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return name[: -len(suffix)], fmt
    return name, None


async def index(pages: WikidataPages, request: Request) -> Response:
    if request.url.path.endswith(".json"):
        return respond(request, pages, _json(wd.to_json(pages.available())), JSON.content_type)
    fmt = negotiate(request.headers.get("accept"), (HTML, JSON))
    if fmt is None:
        raise he.NotAcceptable([HTML.media_type, JSON.media_type], "the comparison with Wikidata")
    body = pages.render_index() if fmt is HTML else _json(wd.to_json(pages.available()))
    return respond(request, pages, body, fmt.content_type, {"Vary": "Accept"})


async def city(pages: WikidataPages, request: Request) -> Response:
    key, fmt = _split(request.path_params["name"])
    found = pages.city(key)
    headers: dict[str, str] = {}
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"), OFFERS)
        if fmt is None:
            raise he.NotAcceptable([f.media_type for f in OFFERS], f"the comparison of {key}")
        headers = {"Vary": "Accept", "Content-Location": f"/wikidata-diff/{key}{fmt.suffix}"}
    return respond(request, pages, pages.body(found, fmt), fmt.content_type, headers)


async def quickstatements(pages: WikidataPages, request: Request) -> Response:
    found = pages.city(request.path_params["name"])
    text = wd.quickstatements(wd.Diff(pages.available().view, (found,)))
    return respond(request, pages, text.encode("utf-8"), QUICKSTATEMENTS)


def routes(settings: Settings, release: LoadedRelease, extract: Path | None = None) -> list[BaseRoute]:
    """The comparison pages; ``extract`` defaults to ``records.extract_files.default_extract``. Without an
    extract the pages answer 404 saying so (the rest of the server is unaffected)."""
    pages = WikidataPages(settings, release,
                          extract or settings.wikidata_extract or default_extract(settings.project_dir))
    methods = ["GET", "HEAD"]
    return [
        Route("/wikidata-diff", partial(index, pages), methods=methods),
        Route("/wikidata-diff.json", partial(index, pages), methods=methods),
        Route("/wikidata-diff/{name}/quickstatements", partial(quickstatements, pages), methods=methods),
        Route("/wikidata-diff/{name}", partial(city, pages), methods=methods),
    ]
