"""External stores: a release pushed into any SPARQL 1.1 Graph Store, and the site
served from any SPARQL 1.1 endpoint instead of the embedded store.

The seam between the site and its store (``store.GraphStore``) is two methods of
pyoxigraph's ``Store``:

* ``query(text, substitutions=..., default_graph=..., named_graphs=...)``, answering
  pyoxigraph results: ``QuerySolutions`` (SELECT), ``QueryBoolean`` (ASK) or an
  iterable of ``Triple`` (CONSTRUCT, DESCRIBE);
* ``quads_for_pattern(subject, predicate, object, graph_name)``, answering ``Quad``\\ s.

Descriptions and pages (``describe``, ``pages``), canned queries (``queries``) and the
SPARQL endpoint (``sparql.execute``) use nothing else. ``RemoteStore`` implements both
over the SPARQL 1.1 Protocol (SPARQLWrapper): results come back as SPARQL JSON or
N-Triples and are read by pyoxigraph, so every layer above sees the same objects as
with the embedded store. Parameter values are bound with a ``VALUES`` block at the
start of the query's ``WHERE`` clause (the protocol has no bindings), built from the
parsed RDF terms, never from the text a client sent.

``push_release`` sends a release with the Graph Store HTTP Protocol: the data into the
default graph (or a named one), the ontology and the catalogue into their named graphs,
as the embedded store holds them.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from . import httperrors as he
from .errors import TwinnedError
from .sparql import bind_values, strip_comments
from .vocab import TW

log = logging.getLogger("twinned.external")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
ONTOLOGY_GRAPH = str(TW)
CATALOG_FILE = "catalog.nt"
CACHE_ENTRIES = 20_000  # quad patterns remembered (the store is read-only while served)
DATA_MEDIA = {".nt": "application/n-triples", ".ttl": "text/turtle"}


class StoreError(TwinnedError):
    """The external store could not be reached or refused a request (exit 2)."""


class StoreUnavailable(he.ServiceUnavailable):
    """The store behind the server failed a request (HTTP 503, in the server's error shape)."""


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- pushing a release: the Graph Store HTTP Protocol ----------------------------------------


def _split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without user:password, and the Basic authorization for them."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), f"Basic {token}"


def graph_url(store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol address of a graph: ``?default`` or ``?graph=IRI``, added to
    whatever query string the store URL has (an access token, say)."""
    parts = urllib.parse.urlsplit(store_url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    extra = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
    query = "&".join(q for q in (urllib.parse.urlencode(params), extra) if q)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _send(url: str, path: Path, method: str, timeout: float) -> int:
    plain, auth = _split_credentials(url)
    size = path.stat().st_size
    headers = {"Content-Type": DATA_MEDIA[path.suffix], "Content-Length": str(size)}
    if auth:
        headers["Authorization"] = auth
    with open(path, "rb") as body:
        request = urllib.request.Request(plain, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (an URL the user gave)
                return int(response.status)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            raise StoreError(f"{method} {plain}: {exc.code} {exc.reason}{': ' + detail if detail else ''}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"{method} {plain}: {getattr(exc, 'reason', exc)}") from None


def release_graphs(directory: Path, base: str, graph: str | None) -> list[tuple[Path, str | None]]:
    """The files of a release and the graph each goes into (None: the default graph)."""
    out: list[tuple[Path, str | None]] = [(directory / "twinned.nt", graph),
                                          (directory / "ontology.ttl", ONTOLOGY_GRAPH)]
    if (directory / CATALOG_FILE).exists():
        out.append((directory / CATALOG_FILE, base + "catalog"))
    return out


def push_release(directory: Path, base: str, store_url: str, *, graph: str | None = None, append: bool = False,
                 timeout: float = 600.0, progress: Callable[[str], None] = lambda _m: None) -> list[str]:
    """PUT (or POST) the release's graphs into a Graph Store; one line per graph sent."""
    method = "POST" if append else "PUT"
    lines = []
    for path, target in release_graphs(directory, base, graph):
        url = graph_url(store_url, target)
        progress(f"{method} {path.name} ({path.stat().st_size:,} bytes) -> {target or 'the default graph'}")
        started = time.perf_counter()
        status = _send(url, path, method, timeout)
        lines.append(f"{method} {path.name} into {'<' + target + '>' if target else 'the default graph'}: "
                     f"{status} ({time.perf_counter() - started:.1f} s)")
    return lines


# -- querying: the SPARQL 1.1 Protocol ------------------------------------------------------


def _form(query: str) -> str:
    from .sparql import keywords

    for word in keywords(query):
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


def _graph_term(term: Any) -> str | None:
    return None if term is None or isinstance(term, ox.DefaultGraph) else str(term)


class RemoteStore:
    """A SPARQL 1.1 endpoint seen through pyoxigraph's Store API (see the module docstring).

    ``default_graph``: sent as ``default-graph-uri`` with every query, for stores whose
    default graph is the union of all graphs (GraphDB, Virtuoso) or that hold the data in
    a named graph."""

    def __init__(self, endpoint: str, *, default_graph: str | None = None, timeout: float = 30.0) -> None:
        self.endpoint, self._auth = _split_credentials(endpoint)
        self.default_graph = default_graph
        self.timeout = timeout
        self._cache: OrderedDict[tuple[str | None, ...], list[ox.Quad]] = OrderedDict()

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- the protocol

    def _request(self, query: str, accept: str, default_graphs: Iterable[str] = (),
                 named_graphs: Iterable[str] = ()) -> tuple[bytes, str]:
        w = SPARQLWrapper(self.endpoint)
        w.setMethod(POST)
        w.setRequestMethod(POSTDIRECTLY)
        w.setOnlyConneg(True)
        w.setTimeout(int(max(1, self.timeout)))
        w.addCustomHttpHeader("Accept", accept)
        if self._auth:
            w.addCustomHttpHeader("Authorization", self._auth)
        graphs = list(default_graphs) or ([self.default_graph] if self.default_graph else [])
        for g in graphs:
            w.addDefaultGraph(g)
        for g in named_graphs:
            w.addNamedGraph(g)
        w.setQuery(query)
        try:
            response = w.query().response
            body = response.read()
            media = response.headers.get("Content-Type", "")
        except QueryBadFormed as exc:
            raise he.QuerySyntaxError(f"The store refused the query: {_short(exc)}") from None
        except (SPARQLWrapperException, urllib.error.HTTPError) as exc:
            raise StoreUnavailable(f"The store at {self.endpoint} failed: {_short(exc)}") from None
        except (urllib.error.URLError, OSError) as exc:
            if "timed out" in str(exc).lower():
                raise he.QueryTimeout(f"The store did not answer within {self.timeout:g} s.") from None
            raise StoreUnavailable(f"The store at {self.endpoint} cannot be reached: {_short(exc)}") from None
        return body, media.split(";")[0].strip().lower()

    def query(self, query: str, *, substitutions: Mapping[ox.Variable, Term] | None = None,
              default_graph: Any = None, named_graphs: Any = None,
              use_default_graph_as_union: bool = False, base_iri: str | None = None, **_other: Any) -> Any:
        text = strip_comments(bind_values(query, substitutions))
        if base_iri:  # relative IRIs resolve against it there too (a BASE of the query's own wins)
            text = f"BASE <{base_iri}>\n{text}"
        defaults = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
        default_iris = [g for g in (_graph_term(x) for x in defaults) if g]
        named = [str(g.value) for g in named_graphs or []]
        form = _form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body, media = self._request(text, "application/n-triples, text/turtle;q=0.9",
                                        [d.strip("<>") for d in default_iris], named)
            fmt = ox.RdfFormat.TURTLE if "turtle" in media else ox.RdfFormat.N_TRIPLES
            return [q.triple for q in ox.parse(body, format=fmt)]
        body, _media = self._request(text, "application/sparql-results+json",
                                     [d.strip("<>") for d in default_iris], named)
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,  # noqa: A002 (pyoxigraph's name)
                          graph_name: Any = None) -> Iterator[ox.Quad]:
        """Quads matching a pattern. A pattern with a subject (or, failing that, an object)
        is answered from all the quads of that subject (object), fetched once: a page
        asks for one property after another of the same few resources."""
        if subject is not None and (predicate is not None or object is not None):
            quads = self._cached(subject, None, None, graph_name)
        elif object is not None and predicate is not None and not isinstance(object, ox.Literal):
            quads = self._cached(None, None, object, graph_name)
        else:
            return iter(self._cached(subject, predicate, object, graph_name))
        return (q for q in quads if (predicate is None or q.predicate == predicate)
                and (object is None or q.object == object) and (subject is None or q.subject == subject))

    def _cached(self, subject: Any, predicate: Any, object: Any, graph_name: Any) -> list[ox.Quad]:  # noqa: A002
        key = (_graph_term(subject), _graph_term(predicate), _graph_term(object),
               "default" if isinstance(graph_name, ox.DefaultGraph) else _graph_term(graph_name))
        found = self._cache.get(key)
        if found is None:
            found = self._quads(subject, predicate, object, graph_name)
            self._cache[key] = found
            if len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found

    def _quads(self, s: Any, p: Any, o: Any, g: Any) -> list[ox.Quad]:
        def term(t: Any, var: str) -> str:
            return str(t) if t is not None else f"?{var}"

        pattern = f"{term(s, 's')} {term(p, 'p')} {term(o, 'o')}"
        if isinstance(g, ox.DefaultGraph):
            where = f"{{ {pattern} }}"
        elif g is not None:
            where = f"{{ GRAPH {g} {{ {pattern} }} }}"
        else:
            where = f"{{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
        rows = self.query(f"SELECT * WHERE {where}")
        out = []
        for r in rows:
            graph = r["g"] if g is None else g
            out.append(ox.Quad(s if s is not None else r["s"], p if p is not None else r["p"],
                               o if o is not None else r["o"],
                               graph if graph is not None else ox.DefaultGraph()))
        return out


def is_remote(store: Any) -> bool:
    return isinstance(store, RemoteStore)


# -- the SPARQL endpoint in front of a remote store --------------------------------------------


@dataclass(eq=False)
class RemoteQueryPool:
    """QueryPool's interface over a RemoteStore: queries run in threads, the store's own
    time limit and ours (the HTTP timeout) stop them."""

    store: RemoteStore
    timeout: float = 10.0
    size: int = 1

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def wait_ready(self, *_args: Any, **_kwargs: Any) -> int:
        return self.size

    @property
    def ready_workers(self) -> int:
        return self.size

    async def run(self, req: Any) -> Any:
        from .sparql import execute

        try:
            return await asyncio.wait_for(asyncio.to_thread(execute, self.store, req), self.timeout + 1)
        except TimeoutError:
            raise he.QueryTimeout(
                f"The query ran longer than the limit of {self.timeout:g} s and was stopped.") from None
