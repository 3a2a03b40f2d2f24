"""The canned queries over HTTP: a JSON/CSV API described in OpenAPI 3.1.

    GET /queries                 the list: HTML (a form per query) or JSON (/queries.json)
    GET /queries/{name}          run it: rows as JSON, SPARQL JSON, CSV, TSV, or RDF for a
                                 CONSTRUCT, by Accept or by suffix (.json .srj .csv .tsv
                                 .ttl .nt .jsonld .html); parameters in the query string
    GET /queries/{name}.rq       the query file itself
    GET /openapi.json            every query as an operation with typed parameters

``routes(settings, release)`` gives the routes, to mount with ``server.create_app``
(whose error handler writes the one JSON error shape for the ``HTTPProblem`` raised
here). Results carry an ETag made of the release, the query file and the parameter
values, so a revalidation is answered 304 without running the query.

The queries run in the server's pool of query workers (``app.state.server.pool``), like
the SPARQL endpoint's: under its time limit, and stopped when the client disconnects.
With an external store (or an app run without its lifespan, as ``export-static`` does)
they run in-process, on the release's store.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2
import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twinned import httperrors as he
from twinned.config import Settings
from twinned.queries import canned as q
from twinned.queries.binding import Binding, CannedQuery, QueryNotFound, bind, find
from twinned.queries.describe import compact
from twinned.queries.params import Parameter, ParameterError, Term
from twinned.queries.results import ROWS_JSON, CannedRequest, GraphResult, Result, plain, run, write
from twinned.rdf.negotiation import CSV, HTML, JSONLD, NTRIPLES, SPARQL_JSON, TSV, TURTLE, Format, negotiate
from twinned.store.release import LoadedRelease
from twinned.web.querypool import QueryPool
from twinned.web.sparql_protocol import while_connected
from twinned.web.templating import environment

CACHE = "public, max-age=60"
SUFFIXES: dict[str, Format] = {
    ".json": ROWS_JSON, ".srj": SPARQL_JSON, ".csv": CSV, ".tsv": TSV,
    ".ttl": TURTLE, ".nt": NTRIPLES, ".jsonld": JSONLD, ".html": HTML,
}
SELECT_OFFERS: tuple[Format, ...] = (ROWS_JSON, SPARQL_JSON, CSV, TSV, HTML)
CONSTRUCT_OFFERS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, HTML)
QUERY_TEXT = "application/sparql-query"


class InvalidParameter(he.BadRequest):
    """A parameter value the query refuses; the error names the parameter."""

    title = "Invalid parameter"

    def __init__(self, exc: ParameterError) -> None:
        self.parameter = exc.parameter
        super().__init__(str(exc))

    def as_json(self) -> dict[str, object]:
        doc = super().as_json()
        error = doc["error"]
        if isinstance(error, dict):
            error["parameter"] = self.parameter
        return doc


def offers(query: CannedQuery) -> tuple[Format, ...]:
    return CONSTRUCT_OFFERS if query.construct else SELECT_OFFERS


def suffix_of(fmt: Format) -> str:
    return next(s for s, f in SUFFIXES.items() if f is fmt)


def form_params(request: Request) -> dict[str, list[str]]:
    """The query string as lists of values; empty values (blank form fields) are dropped."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if value != "":
            params.setdefault(key, []).append(value)
    return params


# -- pages -------------------------------------------------------------------------------------------

def _environment(settings: Settings, release: LoadedRelease) -> jinja2.Environment:
    """The site's environment with the form macro (templates queries.html, query.html, form.html)."""
    env = environment(settings, release)
    env.globals["form"] = vars(env.get_template("form.html").module)["form"]  # (a macro: exported names)
    return env


# -- the service --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    body: bytes
    truncated: bool


class AnswerCache:
    """Answers of one release by (query, values, format), the most recently used kept,
    up to a total size; safe to use from the threads that answer requests."""

    MAX_BYTES = 64_000_000
    MAX_ANSWER = 4_000_000

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[str, str, str], Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Answer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, str], answer: Answer) -> None:
        if len(answer.body) > self.MAX_ANSWER:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += len(answer.body)
            while self._bytes > self.MAX_BYTES:
                _key, old = self._answers.popitem(last=False)
                self._bytes -= len(old.body)


class QueryService:
    """The queries of one release, run in a pool of query workers or in-process on its store."""

    def __init__(self, settings: Settings, release: LoadedRelease,
                 queries: Mapping[str, CannedQuery] | None = None) -> None:
        self.settings = settings
        self.release = release
        self.queries = dict(queries) if queries is not None else q.load_queries(settings.queries_dir)
        self.templates = _environment(settings, release)
        self.answers = AnswerCache()

    def query(self, name: str) -> CannedQuery:
        try:
            return find(self.queries, name)
        except QueryNotFound as exc:
            raise he.NotFound(f"{exc}. The list is at /queries.") from None

    def bind(self, query: CannedQuery, params: Mapping[str, Sequence[str]]) -> Binding:
        try:
            return bind(query, params, self.settings.base_uri)
        except ParameterError as exc:
            raise InvalidParameter(exc) from None

    def etag(self, binding: Binding, fmt: Format) -> str:
        """The release, the query file, the values and the format: the same answer."""
        text = hashlib.sha256(binding.query.text.encode("utf-8")).hexdigest()
        key = "\n".join((self.release.version, binding.query.name, text, binding.canonical(), fmt.name))
        return f'"{hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]}"'

    async def answer(self, binding: Binding, fmt: Format, pool: QueryPool | None = None,
                     request: Request | None = None) -> Answer:
        """The answer, from the cache when this release has given it before (a release
        never changes, so neither do its answers: an aggregate over a million triples is
        computed once per release, not once per request). Computed in a worker of ``pool``
        (stopped if the client of ``request`` disconnects first), else in-process."""
        key = (binding.query.name, binding.canonical(), fmt.name)
        found = self.answers.get(key)
        if found is not None:
            return found
        if pool is None:
            answer = await run_in_threadpool(self.answer_here, binding, fmt)
        else:
            pending = pool.run_canned(CannedRequest(binding, None if fmt is HTML else fmt.name,
                                                    self.settings.max_rows, self.settings.base_uri))
            done = await (pending if request is None else while_connected(request, pending))
            if done.result is not None:
                answer = Answer(await run_in_threadpool(self.result_page, binding, done.result), done.truncated)
            else:
                assert done.body is not None
                answer = Answer(done.body, done.truncated)
        self.answers.put(key, answer)
        return answer

    def answer_here(self, binding: Binding, fmt: Format) -> Answer:
        """The answer computed in-process, on the release's store."""
        result = run(self.release.store, binding, self.settings.max_rows)
        if fmt is HTML:
            return Answer(self.result_page(binding, result), result.truncated)
        return Answer(write(result, binding, fmt, self.settings.base_uri), result.truncated)

    def links(self, query: CannedQuery, canonical: str = "") -> list[tuple[str, str]]:
        qs = f"?{canonical}" if canonical else ""
        out = [(f.label, f"/queries/{query.name}{suffix_of(f)}{qs}") for f in offers(query) if f is not HTML]
        return [*out, ("SPARQL", f"/queries/{query.name}.rq")]

    def result_page(self, binding: Binding, result: Result) -> bytes:
        base = self.settings.base_uri
        context: dict[str, Any] = {"query": binding.query, "values": dict(binding.texts),
                                   "links": self.links(binding.query, binding.canonical()),
                                   "truncated": result.truncated, "turtle": None, "variables": [], "rows": []}
        if isinstance(result, GraphResult):
            context["turtle"] = write(result, binding, TURTLE, base).decode("utf-8")
            context["count"] = f"{len(result.triples)} triples"
        else:
            context["variables"] = result.variables
            context["rows"] = [[_cell(t, base) for t in row] for row in result.rows]
            context["count"] = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
        return self.templates.get_template("query.html").render(**context).encode("utf-8")

    def index_page(self) -> bytes:
        items = [{"query": x, "links": self.links(x, bind(x, x.example_params(), self.settings.base_uri)
                                                  .canonical())} for x in self.queries.values()]
        return self.templates.get_template("queries.html").render(items=items).encode("utf-8")

    def listing(self) -> bytes:
        items = []
        for x in self.queries.values():
            links = {f.name: f"/queries/{x.name}{suffix_of(f)}" for f in offers(x) if f is not HTML}
            items.append({**q.summary(x), "href": f"/queries/{x.name}",
                          "links": {**links, "sparql": f"/queries/{x.name}.rq"}})
        doc = {"queries": items, "openapi": "/openapi.json"}
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _cell(term: Term | None, base: str) -> dict[str, str | None]:
    """A table cell: IRIs as links (ours to this server's pages), the rest as text."""
    if not isinstance(term, ox.NamedNode):
        return {"text": "" if term is None else str(plain(term)), "href": None}
    href = "/" + term.value[len(base):] if term.value.startswith(base) else term.value
    return {"text": compact(term.value, base), "href": href}


# -- responses ----------------------------------------------------------------------------------------


def worker_pool(request: Request) -> QueryPool | None:
    """The server's pool of query workers, when it has one running (not with an external
    store, whose RemoteQueryPool has no workers: the store does the work)."""
    state = getattr(request.scope.get("app"), "state", None)
    pool = getattr(getattr(state, "server", None), "pool", None)
    return pool if isinstance(pool, QueryPool) and pool.started else None


def respond(request: Request, service: QueryService, body: bytes, media: str, etag: str | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    h = {"Cache-Control": CACHE, "Access-Control-Allow-Origin": "*",
         "X-Twinned-Release": service.release.version, **(headers or {})}
    if etag is not None:
        h["ETag"] = etag
    if request.method == "HEAD":
        h["Content-Length"] = str(len(body))
        body = b""
    return Response(body, headers=h, media_type=media)


def not_modified(request: Request, etag: str, headers: Mapping[str, str]) -> Response | None:
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    if header.strip() != "*" and etag not in tags:
        return None
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE,
                                              "Access-Control-Allow-Origin": "*", **headers})


def _negotiate(request: Request, choices: Sequence[Format], what: str) -> Format:
    fmt = negotiate(request.headers.get("accept"), choices)
    if fmt is None:
        raise he.NotAcceptable([f.media_type for f in choices], what)
    return fmt


def _split(path_name: str) -> tuple[str, str | None]:
    for suffix in (*SUFFIXES, ".rq"):
        if path_name.endswith(suffix):
            return path_name[: -len(suffix)], suffix
    return path_name, None


async def list_queries(service: QueryService, request: Request) -> Response:
    if request.url.path.endswith(".json"):
        fmt, headers = ROWS_JSON, {}
    else:
        fmt, headers = _negotiate(request, (HTML, ROWS_JSON), "the list of queries"), {"Vary": "Accept"}
    if fmt is HTML:
        body = await run_in_threadpool(service.index_page)
        return respond(request, service, body, HTML.content_type, headers=headers)
    return respond(request, service, service.listing(), "application/json", headers=headers)


async def run_query(service: QueryService, request: Request) -> Response:
    name, suffix = _split(request.path_params["name"])
    query = service.query(name)
    if suffix == ".rq":
        media = QUERY_TEXT if QUERY_TEXT in request.headers.get("accept", "") else "text/plain; charset=utf-8"
        return respond(request, service, query.text.encode("utf-8"), media)
    binding = service.bind(query, form_params(request))
    headers: dict[str, str] = {"X-Twinned-Row-Limit": str(service.settings.max_rows)}
    if suffix is None:
        fmt = _negotiate(request, offers(query), f"the query {name}")
        qs = f"?{binding.canonical()}" if binding.canonical() else ""
        headers.update({"Vary": "Accept", "Content-Location": f"/queries/{name}{suffix_of(fmt)}{qs}"})
    else:
        fmt = SUFFIXES[suffix]
        if fmt not in offers(query):
            kinds = ", ".join(suffix_of(f) for f in offers(query))
            raise he.NotFound(f"{name} is a {'CONSTRUCT' if query.construct else 'SELECT'} query: "
                              f"its results are at {kinds}, not {suffix}.")
    etag = service.etag(binding, fmt)
    cached = not_modified(request, etag, headers)
    if cached is not None:
        return cached
    answer = await service.answer(binding, fmt, worker_pool(request), request)
    headers["X-Twinned-Truncated"] = "true" if answer.truncated else "false"
    media = fmt.content_type if fmt is not ROWS_JSON else "application/json"
    return respond(request, service, answer.body, media, etag, headers)


async def openapi(service: QueryService, request: Request) -> Response:
    body = (json.dumps(openapi_document(service), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return respond(request, service, body, "application/json")


# -- OpenAPI ------------------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["status", "title", "detail"], "properties": {
        "status": {"type": "integer"}, "title": {"type": "string"}, "detail": {"type": "string"},
        "parameter": {"type": "string", "description": "the parameter refused (400)"}}}},
}
ROWS_SCHEMA = {
    "type": "object", "required": ["query", "parameters", "columns", "rows", "truncated"],
    "properties": {
        "query": {"type": "string"}, "title": {"type": "string"},
        "parameters": {"type": "object", "description": "the values used, defaults applied"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "description": "column name to value: "
                 "IRIs and texts as strings, numbers as numbers, null when unbound"}},
        "truncated": {"type": "boolean"},
    },
}
SPARQL_RESULTS_SCHEMA = {
    "type": "object", "description": "SPARQL 1.1 Query Results JSON Format",
    "properties": {"head": {"type": "object"}, "results": {"type": "object"}},
}
TEXT = {"schema": {"type": "string"}}


def _parameter(p: Parameter) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "in": "query", "required": p.required,
                           "description": p.description, "schema": p.schema()}
    if p.multiple:
        out.update({"style": "form", "explode": True})
    example = p.example_values()
    if example:
        value = [p.json_value(v) for v in example] if p.multiple else p.json_value(example[0])
        out["example"] = value
    return out


def _responses(query: CannedQuery) -> dict[str, Any]:
    if query.construct:
        content: dict[str, Any] = {TURTLE.media_type: TEXT, JSONLD.media_type: {"schema": {"type": "object"}},
                                   NTRIPLES.media_type: TEXT}
    else:
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Rows"}},
                   SPARQL_JSON.media_type: {"schema": {"$ref": "#/components/schemas/SparqlResults"}},
                   CSV.media_type: TEXT, TSV.media_type: TEXT}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "200": {"description": query.result or "The results.", "content": content,
                "headers": {"ETag": {"schema": {"type": "string"},
                                     "description": "the release, the query and the values"}}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        "400": {"description": "A parameter value is not of its type; the error names it.", "content": error},
        "406": {"description": "None of the accepted media types is offered.", "content": error},
    }


def openapi_document(service: QueryService) -> dict[str, Any]:
    s = service.settings
    paths: dict[str, Any] = {"/queries.json": {"get": {
        "operationId": "listQueries", "summary": "The canned queries and their parameters",
        "responses": {"200": {"description": "The list.", "content": {"application/json": {
            "schema": {"type": "object"}}}}}}}}
    for query in service.queries.values():
        paths[f"/queries/{query.name}"] = {"get": {
            "operationId": query.name, "summary": query.title, "description": query.description,
            "tags": ["canned queries"], "parameters": [_parameter(p) for p in query.parameters],
            "responses": _responses(query),
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{s.title}: canned queries", "version": service.release.version,
                 "description": "Named, parameterised SPARQL queries over the dataset. Parameter values "
                 "are bound as RDF terms of their type; a value of the wrong type is answered 400.",
                 "license": {"name": "Data licence", "url": s.license_url},
                 "contact": {"name": s.publisher_name, "url": s.publisher_url, "email": s.contact_email}},
        "servers": [{"url": s.root_path + "/"}],  # under --root-path behind a proxy
        "tags": [{"name": "canned queries", "description": "One operation per .rq file in queries/"}],
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA, "Rows": ROWS_SCHEMA,
                                   "SparqlResults": SPARQL_RESULTS_SCHEMA}},
    }


# -- routes ---------------------------------------------------------------------------------------------


def routes(settings: Settings, release: LoadedRelease) -> list[BaseRoute]:
    """The routes of the query API for one release (InputError if a query file is broken)."""
    service = QueryService(settings, release)
    methods = ["GET", "HEAD"]
    return [
        Route("/queries", partial(list_queries, service), methods=methods),
        Route("/queries.json", partial(list_queries, service), methods=methods),
        Route("/queries/{name}", partial(run_query, service), methods=methods),
        Route("/openapi.json", partial(openapi, service), methods=methods),
    ]
