"""Pages to explore the graph: the network view and the SPARQL query editor.

    GET /network         the network page: a canvas drawn by static/twinned-network.js,
                         and without JavaScript a table (?country=SK or ?continent=Europe)
    GET /network.json    the places and partnerships it draws (?focus=/place/kosice&depth=2
                         for the places within two partnerships of one)
    GET /editor          the query editor (static/twinned-editor.js): the canned queries as
                         examples (?example=partners), runs queries at /sparql, results as
                         a table with links, downloads as CSV or JSON

``routes()`` gives the routes for ``server.create_app``; the handlers find the
server (``serving.Serving``: settings, site, pictures, templates) at
``request.app.state.server``.
"""

from __future__ import annotations

import json
import re
import textwrap

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twinned import geo
from twinned import httperrors as he
from twinned.errors import TwinnedError
from twinned.queries import canned as q
from twinned.queries.binding import CannedQuery, bind
from twinned.queries.params import ParameterError
from twinned.rdf.negotiation import HTML
from twinned.web.atlas import KINDS
from twinned.web.serving import Serving, server_of

JSON_TYPE = "application/json"
MAX_DEPTH = 3
WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


# -- the network --------------------------------------------------------------------------------

def _focus(server: Serving, request: Request) -> str | None:
    path = request.query_params.get("focus")
    if not path:
        return None
    iri = server.site.addresses.iri(path)
    if iri not in server.pictures.atlas.places:
        raise he.NotFound(f"There is no place at {path} to centre the network on.")
    return iri


def _depth(request: Request) -> int:
    text = request.query_params.get("depth", "2")
    if not text.isdigit() or not 1 <= int(text) <= MAX_DEPTH:
        raise he.BadRequest(f"depth: a whole number from 1 to {MAX_DEPTH}, not {text!r}")
    return int(text)


async def network_json(request: Request) -> Response:
    server = server_of(request)
    focus, depth = _focus(server, request), _depth(request)
    data = await run_in_threadpool(server.pictures.network, focus, depth)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return server.represent(request, body, JSON_TYPE)


async def network_page(request: Request) -> Response:
    server = server_of(request)
    country = request.query_params.get("country") or None
    continent = request.query_params.get("continent") or None
    text = (request.query_params.get("q") or "").strip() or None
    if continent and continent not in geo.CONTINENTS:
        raise he.BadRequest(f"continent: one of {', '.join(geo.CONTINENTS)}, not {continent!r}")
    pictures = server.pictures
    countries = await run_in_threadpool(pictures.countries)
    places = (await run_in_threadpool(pictures.places_in, country, continent, text)
              if country or continent or text else None)
    body = server.render("network.html", countries=countries, continents=geo.CONTINENTS, country=country,
                         continent=continent, text=text, places=places, kinds=KINDS)
    return server.represent(request, body, HTML.content_type)


# -- the query editor ---------------------------------------------------------------------------

def example_text(query: CannedQuery, base: str) -> str:
    """A canned query as text to run at /sparql: its title and description as comments,
    list parameters in their VALUES block and the others in a VALUES block at the start
    of the WHERE clause, with the query's example values (or defaults)."""
    binding = bind(query, query.example_params(), base)
    text = "\n".join(line for line in binding.sparql.splitlines() if not line.startswith("#+")).strip()
    single = [(p.name, binding.terms[p.name][0]) for p in query.parameters
              if not p.multiple and binding.terms[p.name]]
    if single:
        names = " ".join(f"?{name}" for name, _ in single)
        terms = " ".join(str(term) for _, term in single)
        block = f"VALUES ({names}) {{ ({terms}) }}  # the parameters"
        text = WHERE.sub(lambda m: f"{m.group(0)}\n  {block}", text, count=1)
    head = "\n".join(f"# {line}" for line in textwrap.wrap(f"{query.title}. {query.description}", 86))
    return f"{head}\n\n{text}\n"


def examples(server: Serving) -> dict[str, dict[str, str]]:
    try:
        canned = q.load_queries(server.settings.queries_dir)
    except (TwinnedError, OSError):
        return {}
    out = {}
    for name, query in canned.items():
        try:
            out[name] = {"title": query.title, "text": example_text(query, server.settings.base_uri)}
        except ParameterError:
            continue
    return out


DEFAULT_QUERY = """PREFIX tw: <https://w3id.org/twinned/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Partnerships with the date of their first document
SELECT ?partnership ?label ?start WHERE {
  ?partnership a tw:Partnership ;
               rdfs:label ?label .
  OPTIONAL { ?partnership tw:startDate ?start }
}
ORDER BY DESC(?start)
LIMIT 20
"""


async def editor_page(request: Request) -> Response:
    server = server_of(request)
    found = await run_in_threadpool(examples, server)
    chosen = request.query_params.get("example")
    if chosen is not None and chosen not in found:
        raise he.NotFound(f"There is no canned query {chosen!r}; the list is at /queries.")
    text = request.query_params.get("query") or (found[chosen]["text"] if chosen else DEFAULT_QUERY)
    data = {"base": server.settings.base_uri, "examples": found, "maxRows": server.settings.max_rows}
    body = server.render("editor.html", query=text, examples=found, chosen=chosen,
                         editor_data=json.dumps(data, ensure_ascii=False), max_rows=server.settings.max_rows)
    return server.represent(request, body, HTML.content_type)


def routes() -> list[BaseRoute]:
    methods = ["GET", "HEAD"]
    return [
        Route("/network", network_page, methods=methods),
        Route("/network.json", network_json, methods=methods),
        Route("/editor", editor_page, methods=methods),
    ]
