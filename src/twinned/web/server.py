"""The linked-data server: resource pages with content negotiation, the SPARQL
endpoint (``sparql_protocol``) and the dumps of one loaded release (see docs/serving.md).
The handlers of other modules see the ``Server`` as a ``serving.Serving``.

``create_app(settings, release, extra_routes)`` builds the Starlette app; routes in
``extra_routes`` are tried before the catch-all resource route, and may raise any
``httperrors.HTTPProblem`` to answer in the server's one error shape; every request
passes ``hardening.Hardening`` first (limits, security headers). ``run`` serves it with
uvicorn through ``reloading.Reloader``, which swaps in a new release on SIGHUP.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from twinned import httperrors as he
from twinned.build.releasestore import SUBJECTS_FILE, is_local
from twinned.config import Settings
from twinned.errors import InputError, Problem
from twinned.queries.describe import SubjectIndex
from twinned.queries.sparql import add_catalog
from twinned.rdf.negotiation import (
    HTML,
    JSONLD,
    RDF_FORMATS,
    RESOURCE_OFFERS,
    SUFFIXES,
    Format,
    negotiate,
    prefers_html,
)
from twinned.rdf.writers import write_graph
from twinned.store.external import RemoteQueryPool, RemoteStore
from twinned.store.release import LoadedRelease
from twinned.web import schemaorg
from twinned.web.atlas import ATLAS_FILE
from twinned.web.explore import routes as explore_routes
from twinned.web.hardening import Hardening
from twinned.web.pages import Site
from twinned.web.pictures import Pictures
from twinned.web.querypool import DEFAULT_WORKERS, QueryPool
from twinned.web.responsecache import ResponseCache
from twinned.web.rootpath import RootPath
from twinned.web.serving import RESOURCE_CACHE, ServesQueries, Serving, etag_for, etag_matches, not_modified_since
from twinned.web.sparql_protocol import sparql
from twinned.web.templating import environment

log = logging.getLogger("twinned.server")

EXPOSED = ["ETag", "Content-Location", "Link", "Vary", "X-Twinned-Truncated",
           "X-Twinned-Row-Limit", "X-Twinned-Release"]


# -- files ----------------------------------------------------------------------------------------

DUMP_TYPES = {
    "twinned.ttl": "text/turtle",
    "twinned.nt": "application/n-triples",
    "twinned.jsonld": "application/ld+json",
}
FILES = {  # URL path -> (file in the release directory, media type)
    **{f"/dumps/{name}": (name, media) for name, media in DUMP_TYPES.items()},
    **{f"/dumps/{name}.gz": (f"{name}.gz", "application/gzip") for name in DUMP_TYPES},
    "/context.jsonld": ("context.jsonld", "application/ld+json"),
    "/ontology.ttl": ("ontology.ttl", "text/turtle"),
    "/shapes.ttl": ("shapes.ttl", "text/turtle"),
    "/validation-report.ttl": ("validation-report.ttl", "text/turtle"),
    "/catalog.ttl": ("catalog.ttl", "text/turtle"),
    "/catalog.jsonld": ("catalog.jsonld", "application/ld+json"),
    "/catalog.nt": ("catalog.nt", "application/n-triples"),
    "/catalog.rdf": ("catalog.rdf", "application/rdf+xml"),
}


# -- the app ---------------------------------------------------------------------------------------

class Server:
    """Everything the handlers share: settings, the release, the site, the query pool."""

    def __init__(self, settings: Settings, release: LoadedRelease, workers: int) -> None:
        self.settings = settings
        self.release = release
        # the catalogue's resources (/dataset, /distribution/...) dereference like the rest
        # (an external store got the catalogue from twinned load)
        remote = not is_local(release.store)
        if isinstance(release.store, ox.Store):  # an old release, loaded in memory
            add_catalog(release.store, release.directory, settings.base_uri)
        self.site = Site(release.store, settings.base_uri,
                         SubjectIndex.open(release.directory / SUBJECTS_FILE, release.store))
        store = release.store
        self.pool: ServesQueries = (
            RemoteQueryPool(store, settings.query_timeout) if isinstance(store, RemoteStore)
            else QueryPool(release.directory, settings.base_uri, workers, settings.query_timeout))
        self.templates = environment(settings, release)
        self.templates.filters["href"] = lambda iri: self.site.addresses.path(iri) or iri
        # maps, timelines, charts (pictures.py); the atlas the build computed, or (an older
        # release) the one read from the release's own dump
        self.pictures = Pictures(self.site, None if remote else release.directory / "twinned.nt",
                                 release.directory / ATLAS_FILE)
        self.templates.globals["pictures"] = self.pictures

    # -- responses -----------------------------------------------------------------------------

    def represent(self, request: Request, body: bytes, content_type: str, *, status: int = 200,
                  headers: dict[str, str] | None = None, cache: str = RESOURCE_CACHE) -> Response:
        """A response with ETag, 304 on If-None-Match, Cache-Control, CORS and HEAD."""
        etag = etag_for(self.release, content_type, body)
        h = {"ETag": etag, "Cache-Control": cache, "Access-Control-Allow-Origin": "*",
             "X-Twinned-Release": self.release.version, **(headers or {})}
        if status == 200 and etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=h)
        if request.method == "HEAD":
            h["Content-Length"] = str(len(body))
            return Response(b"", status_code=status, headers=h, media_type=content_type)
        return Response(body, status_code=status, headers=h, media_type=content_type)

    def render(self, template: str, **context: Any) -> bytes:
        context.setdefault("alternates", [])
        context.setdefault("jsonld", None)
        return self.templates.get_template(template).render(**context).encode("utf-8")

    def problem(self, request: Request, exc: he.HTTPProblem) -> Response:
        """The one error shape: JSON for API clients, a page for browsers."""
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store",
                   "Vary": "Accept", **exc.headers}
        if prefers_html(request.headers.get("accept")):
            body = self.render("error.html", error=exc, path=request.url.path)
            media = HTML.content_type
        else:
            body = (json.dumps(exc.as_json(), ensure_ascii=False) + "\n").encode("utf-8")
            media = "application/json"
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            body = b""
        return Response(body, status_code=exc.status, headers=headers, media_type=media)


def _server(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


# -- resources ------------------------------------------------------------------------------------

def document_path(path: str, fmt: Format) -> str:
    """The suffixed document of a resource path (``/def/`` -> ``/def/index.ttl``)."""
    return f"{path}index{fmt.suffix}" if path.endswith("/") else f"{path}{fmt.suffix}"


def split_suffix(path: str, exists: Callable[[str], bool]) -> tuple[str, Format | None]:
    """The resource path and the format a document suffix asks for. A path that is itself
    a resource (``/distribution/twinned.ttl``) has no suffix."""
    if exists(path):
        return path, None
    for suffix, fmt in SUFFIXES.items():
        if path.endswith(suffix):
            stem = path[: -len(suffix)]
            return (stem[: -len("index")] if stem.endswith("/index") else stem), fmt
    return path, None


def alternates(path: str) -> list[dict[str, str]]:
    return [{"label": f.label, "href": document_path(path, f), "type": f.media_type}
            for f in RESOURCE_OFFERS]


def link_header(path: str) -> str:
    return ", ".join(f'<{document_path(path, f)}>; rel="alternate"; type="{f.media_type}"'
                     for f in RDF_FORMATS)


def page_view(site: Site, iri: str, template: str) -> dict[str, Any]:
    if template == "place.html":
        return site.place(iri)
    if template == "partnership.html":
        return site.partnership(iri)
    if template == "document.html":
        return site.document(iri)
    return site.resource(iri)


def resource_body(server: Server, iri: str, path: str, fmt: Format) -> bytes:
    """A resource's representation in ``fmt``. A page gets only the view its template reads
    (the templates are strict about undefined names): the generic ``Site.resource`` view,
    once built for every page and read by none but resource.html (as its ``view``), took
    some 15% of a first-time partnership page (issue 14; figures in charts.py)."""
    triples = server.site.describer.describe(iri)
    base = server.settings.base_uri
    if fmt is not HTML:
        return write_graph(triples, fmt, base, focus=iri)
    template = server.site.template_for(iri)
    return server.render(template, view=page_view(server.site, iri, template), iri=iri,
                         jsonld=write_graph(triples, JSONLD, base).decode("utf-8"),
                         alternates=alternates(path))


async def resource(request: Request) -> Response:
    server = _server(request)
    site = server.site
    stem, fmt = split_suffix(request.url.path,
                             lambda p: site.describer.exists(site.addresses.iri(p)))
    iri = site.addresses.iri(stem)
    if not server.site.describer.exists(iri):
        if fmt is None and server.site.describer.exists(iri + "/"):
            return RedirectResponse(stem + "/", status_code=301)
        raise he.NotFound(f"There is no resource at {stem} (its URI would be <{iri}>). "
                          "Start from the home page or ask the SPARQL endpoint.")
    headers = {"Link": link_header(stem)}
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"), RESOURCE_OFFERS)
        if fmt is None:
            raise he.NotAcceptable([f.media_type for f in RESOURCE_OFFERS])
        headers.update({"Vary": "Accept", "Content-Location": document_path(stem, fmt)})
    body = await run_in_threadpool(resource_body, server, iri, stem, fmt)
    return server.represent(request, body, fmt.content_type, headers=headers)


# -- the landing page -----------------------------------------------------------------------------

def dumps(server: Server) -> list[dict[str, Any]]:
    out = []
    for path, (name, media) in FILES.items():
        file = server.release.directory / name
        if file.exists():
            out.append({"path": path, "name": name, "type": media, "size": file.stat().st_size})
    return out


def dataset_jsonld(server: Server) -> dict[str, Any]:
    """The schema.org Dataset the landing page describes (canonical URIs; see schemaorg.py)."""
    atlas = server.pictures.atlas
    countries = {place.country for link in atlas.links for end in (link.a, link.b)
                 if (place := atlas.place(end)).country}
    return schemaorg.dataset_jsonld(server.settings, server.release.store, server.release.version,
                                    server.release.info.get("triples", "?"), dumps(server), countries)


def landing_body(server: Server, fmt: Format) -> bytes:
    data = dataset_jsonld(server)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if fmt is HTML:
        counts = server.release.info.get("counts")
        view = server.site.landing(counts if isinstance(counts, dict) else None)
        return server.render("landing.html", view=view, dumps=dumps(server),
                             jsonld=text, alternates=[], info=server.release.info,
                             pool_size=server.pool.size, portal_links=schemaorg.portal_links(dumps(server)))
    triples = [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.JSON_LD)]
    return write_graph(triples, fmt, server.settings.base_uri)


async def landing(request: Request) -> Response:
    server = _server(request)
    fmt = negotiate(request.headers.get("accept"), RESOURCE_OFFERS)
    if fmt is None:
        raise he.NotAcceptable([f.media_type for f in RESOURCE_OFFERS], "the home page")
    body = await run_in_threadpool(landing_body, server, fmt)
    links = schemaorg.link_header(schemaorg.portal_links(dumps(server)))
    return server.represent(request, body, fmt.content_type, headers={"Vary": "Accept", "Link": links})


# -- files ----------------------------------------------------------------------------------------

async def well_known_void(request: Request) -> Response:
    """VoID's well-known address: the dataset description (303 See Other)."""
    server = _server(request)
    dataset = server.settings.base_uri + "dataset"
    if not server.site.describer.exists(dataset):
        raise he.NotFound("This release has no VoID description (no catalogue was built).")
    return RedirectResponse(server.site.addresses.path(dataset) or dataset, status_code=303,
                            headers={"Access-Control-Allow-Origin": "*"})


async def release_file(request: Request) -> Response:
    server = _server(request)
    name, media = FILES[request.url.path]
    path = server.release.directory / name
    if not path.exists():
        raise he.NotFound(f"This release has no {name}.")
    digest = server.release.info.get("files", {})
    sha = digest.get(name) if isinstance(digest, dict) else None
    etag = f'"{sha[:32]}"' if sha else etag_for(server.release, media, path.read_bytes())
    mtime = path.stat().st_mtime
    headers = {"ETag": etag, "Cache-Control": RESOURCE_CACHE, "Access-Control-Allow-Origin": "*",
               "Last-Modified": formatdate(mtime, usegmt=True), "X-Twinned-Release": server.release.version}
    if etag_matches(request.headers.get("if-none-match"), etag) or not_modified_since(request, mtime):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media if not media.startswith("text/") else
                        f"{media}; charset=utf-8", headers=headers)


# -- errors ---------------------------------------------------------------------------------------

async def on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, he.HTTPProblem)
    return _server(request).problem(request, exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, method not allowed) in the same shape."""
    assert isinstance(exc, HTTPException)
    problem = he.HTTPProblem(str(exc.detail), headers=exc.headers)
    problem.status, problem.title = exc.status_code, HTTPStatus(exc.status_code).phrase
    return _server(request).problem(request, problem)


async def on_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error at %s", request.url.path, exc_info=exc)
    return _server(request).problem(request, he.HTTPProblem(
        "Something went wrong on the server; it has been logged."))


# -- assembly -------------------------------------------------------------------------------------

def create_app(settings: Settings, release: LoadedRelease,
               extra_routes: Sequence[BaseRoute] = (), *, query_workers: int = DEFAULT_WORKERS) -> Starlette:
    """The Starlette app serving one release. ``extra_routes`` come before the catch-all
    resource route; ``app.state.server`` gives them the settings, release, site and pool."""
    server = Server(settings, release, query_workers)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await server.pool.start()
        try:
            yield
        finally:
            await server.pool.close()

    routes: list[BaseRoute] = [
        Route("/", landing, methods=["GET", "HEAD"]),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST"]),
        Route("/.well-known/void", well_known_void, methods=["GET", "HEAD"]),
        *(Route(path, release_file, methods=["GET", "HEAD"]) for path in FILES),
        Mount("/static", StaticFiles(packages=[("twinned", "static")]), name="static"),
        *explore_routes(),
        *extra_routes,
        Route("/{path:path}", resource, methods=["GET", "HEAD"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={he.HTTPProblem: on_problem, HTTPException: on_http_exception,
                            Exception: on_error},
        middleware=[*([Middleware(RootPath, root=settings.root_path)] if settings.root_path else []),
                    Middleware(Hardening),
                    Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST"],
                               allow_headers=["*"], expose_headers=EXPOSED, max_age=86400),
                    Middleware(ResponseCache)],
    )
    app.state.server = server
    _: Serving = server  # (checked: the handlers of other modules take it for a Serving)
    return app


def site_app(settings: Settings, release: LoadedRelease, *, query_workers: int = DEFAULT_WORKERS) -> Starlette:
    """The app ``twinned serve`` runs (and ``twinned export-static`` writes out): the site,
    the SPARQL endpoint and the canned queries API."""
    from twinned.web.queries_api import routes as query_routes
    from twinned.web.wikidata_api import routes as wikidata_routes

    extra = [*query_routes(settings, release), *wikidata_routes(settings, release)]
    app = create_app(settings, release, extra, query_workers=query_workers)
    if is_local(release.store):  # drawn now, not in a first request (seconds for the world)
        _ = app.state.server.pictures.atlas
    return app


def run(settings: Settings, release: LoadedRelease, log_level: str = "info") -> int:
    """Serve until interrupted; on SIGHUP (``twinned reload``) swap in dist/'s current
    release without dropping a request (see reloading.py). With ``settings.processes``
    above 1, serve from that many processes sharing the port (see processes.py). The
    exit status."""
    import uvicorn

    from twinned.web import processes as mp
    from twinned.web.reloading import Reloader, pid_file, remove_pid, write_pid

    twinned_log = logging.getLogger("twinned")
    if not twinned_log.handlers:  # reloads and errors, told like the CLI tells things
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("twinned: %(message)s"))
        twinned_log.addHandler(handler)
        twinned_log.setLevel(logging.WARNING if log_level == "warning" else logging.INFO)
    # request heads up to 64 KiB reach the app, which answers a URL over 8 KiB with a 414
    options: dict[str, Any] = {"log_level": log_level, "server_header": False, "lifespan": "on",
                               "h11_max_incomplete_event_size": 64 * 1024}
    if settings.processes <= 1:
        app = Reloader(settings, release, lambda new: site_app(settings, new), write_pid=True)
        gc.freeze()  # the release's objects live as long as the server: collections skip them
        uvicorn.run(app, host=settings.host, port=settings.port, **options)
        return 0
    if not mp.supported():
        raise InputError([Problem("settings", 0, "processes", "1 here: several processes need os.fork "
                                  "and SO_REUSEPORT (Linux)")])
    workers = mp.workers_per_process(DEFAULT_WORKERS, settings.processes)
    try:  # the address is free: say so here, once, rather than in every child
        mp.listening_socket(settings.host, settings.port).close()
    except OSError as exc:
        raise InputError([Problem("settings", 0, "port", f"a port free on {settings.host}, not one "
                                  f"in use ({exc.strerror})")]) from None

    # the app (its site, pictures, caches) is made before the fork: the children share it
    app = Reloader(settings, release, lambda new: site_app(settings, new, query_workers=workers))
    gc.freeze()  # what exists now is never collected: no collection touches (and copies) its pages

    def child(_index: int) -> None:
        sock = mp.listening_socket(settings.host, settings.port)
        uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])

    return mp.supervise(settings.processes, child, pid_file(settings), write_pid, remove_pid)
