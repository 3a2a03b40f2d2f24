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
over the SPARQL 1.1 Protocol (twinned's HTTP client, ``twinned.http``: httpx; the query
POSTed as a form, with Basic or Digest authentication, see ``store.auth``; a query is not
retried on a busy store's answer: the site answers 503 at once and its client may try
again): results come back as SPARQL JSON or N-Triples and
are read by pyoxigraph, so every layer above sees the same objects as
with the embedded store. Parameter values are bound with a ``VALUES`` block at the
start of the query's ``WHERE`` clause (the protocol has no bindings), built from the
parsed RDF terms, never from the text a client sent.

``push_release`` sends a release with the Graph Store HTTP Protocol: the data into the
default graph (or a named one), the ontology and the catalogue into their named graphs,
as the embedded store holds them. A store that answers "later" (429, 503; and 502, 504 to
a PUT, which may be sent again) is asked again as ``twinned.http.send`` does, a bounded
number of times.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from twinned import http
from twinned import httperrors as he
from twinned.errors import TwinnedError
from twinned.queries.sparql import bind_values, keywords, strip_comments
from twinned.rdf.vocab import TW
from twinned.store.auth import ChallengeAuth, credentials_in_url, display_url

log = logging.getLogger("twinned.external")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
ONTOLOGY_GRAPH = str(TW)
CATALOG_FILE = "catalog.nt"
CACHE_ENTRIES = 20_000  # quad patterns remembered (the store is read-only while served)
DATA_MEDIA = {".nt": "application/n-triples", ".ttl": "text/turtle"}
CHUNK = 1 << 20  # bytes read from a release file at a time while it is sent
# Virtuoso's DESCRIBE gives the triples of a resource in both directions and in every
# graph; this pragma makes it the concise bounded description the embedded store gives
VIRTUOSO_DESCRIBE = 'DEFINE sql:describe-mode "CBD"\n'
# Virtuoso is asked to stop a query itself (its "timeout" parameter) at this share of the
# time limit: it then answers (in part: refused) before twinned gives up waiting, and a
# query nobody waits for any more does not run on in the store
VIRTUOSO_SHARE = 0.8
USER_AGENT = http.user_agent()
PUSH_POLICY = http.RetryPolicy(retries=3, backoff=2.0, max_wait=120.0)
NOT_TAKEN = frozenset({429, 503})  # the store says it did not take the request: an append may be sent again


class StoreError(TwinnedError):
    """The external store could not be reached or refused a request (exit 2)."""


class StoreUnavailable(he.ServiceUnavailable):
    """The store behind the server failed a request (HTTP 503, in the server's error shape)."""


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


OWN_PARAMETERS = {"graph", "default", "query", "default-graph-uri", "named-graph-uri"}


def _scrub(text: str, auth: httpx.Auth | None, url: str | httpx.URL = "") -> str:
    """A message with the store's credentials taken out, should a server echo them: the
    password, and the values of the store URL's own query string (an access token)."""
    for name, value in urllib.parse.parse_qsl(urllib.parse.urlsplit(str(url)).query):
        if name not in OWN_PARAMETERS and len(value) >= 4:
            text = text.replace(value, "…").replace(urllib.parse.quote(value, safe=""), "…")
    return auth.scrub(text) if isinstance(auth, ChallengeAuth) else text


def _refusal(response: httpx.Response, auth: httpx.Auth | None) -> str:
    """Why the store said no: its status, what a 401 means here, and the start of its answer."""
    detail = _short(response.text[:500]) if response.content else ""
    text = f"{response.status_code} {response.reason_phrase}{': ' + detail if detail else ''}"
    if response.status_code == 401:
        offered = ", ".join(sorted({h.split(" ", 1)[0] for h in response.headers.get_list("www-authenticate")}))
        text += (" (the store refused the credentials" if auth is not None else
                 " (the store asks for credentials: set TWINNED_STORE_USER and TWINNED_STORE_PASSWORD, or a "
                 "netrc entry for its host") + (f"; it offers {offered} authentication)" if offered else ")")
    return _scrub(text, auth, response.request.url)


# -- pushing a release: the Graph Store HTTP Protocol ----------------------------------------


def graph_url(store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol address of a graph: ``?default`` or ``?graph=IRI``, added to
    whatever query string the store URL has (an access token, say)."""
    parts = urllib.parse.urlsplit(store_url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    extra = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
    query = "&".join(q for q in (urllib.parse.urlencode(params), extra) if q)
    return urllib.parse.urlunsplit(parts._replace(query=query))


class FileBody:
    """A file sent as a request body in chunks, readable again from the start (a Digest
    challenge answered after the body was sent makes the client send it again)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with open(self.path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                yield chunk


def _prime(client: httpx.Client, url: str) -> None:
    """A HEAD request, so that the store's authentication challenge is answered before a
    large body is sent (a store may reset the connection while an unauthorized body is
    still on its way)."""
    try:
        client.head(url)
    except httpx.HTTPError:
        pass  # the PUT that follows reports what is wrong


def _send(client: httpx.Client, url: str, path: Path, method: str, policy: http.RetryPolicy,
          sleep: Callable[[float], None]) -> int:
    headers = {"Content-Type": DATA_MEDIA[path.suffix], "Content-Length": str(path.stat().st_size)}
    where = f"{method} {path.name} to {display_url(url)}"
    statuses = http.RETRY_STATUSES if method == "PUT" else NOT_TAKEN
    try:
        response = http.send(client, lambda c: c.request(method, url, content=FileBody(path), headers=headers),
                             policy, statuses=statuses, sleep=sleep)
    except (http.GaveUp, http.WaitTooLong) as exc:
        raise StoreError(_scrub(f"{where}: {exc}", client.auth, url)) from None
    except httpx.TimeoutException:
        raise StoreError(f"{where}: no answer within {client.timeout.read:g} s (--timeout)") from None
    except httpx.HTTPError as exc:
        raise StoreError(_scrub(f"{where}: {type(exc).__name__}: {_short(str(exc))}", client.auth, url)) from None
    if response.is_error:
        raise StoreError(f"{where}: {_refusal(response, client.auth)}")
    return int(response.status_code)


def release_graphs(directory: Path, base: str, graph: str | None) -> list[tuple[Path, str | None]]:
    """The files of a release and the graph each goes into (None: the default graph)."""
    out: list[tuple[Path, str | None]] = [(directory / "twinned.nt", graph),
                                          (directory / "ontology.ttl", ONTOLOGY_GRAPH)]
    if (directory / CATALOG_FILE).exists():
        out.append((directory / CATALOG_FILE, base + "catalog"))
    return out


def push_release(directory: Path, base: str, store_url: str, *, graph: str | None = None, append: bool = False,
                 timeout: float = 600.0, auth: httpx.Auth | None = None,
                 progress: Callable[[str], None] = lambda _m: None, policy: http.RetryPolicy = PUSH_POLICY,
                 sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """PUT (or POST) the release's graphs into a Graph Store; one line per graph sent.
    ``auth``: see ``store.auth.store_auth`` (credentials never come in the URL)."""
    credentials_in_url(store_url, "the Graph Store")
    method = "POST" if append else "PUT"
    lines = []
    with http.client(timeout=timeout, auth=auth, agent=USER_AGENT) as client:
        if auth is not None:
            _prime(client, graph_url(store_url, graph))
        for path, target in release_graphs(directory, base, graph):
            progress(f"{method} {path.name} ({path.stat().st_size:,} bytes) -> {target or 'the default graph'}")
            started = time.perf_counter()
            status = _send(client, graph_url(store_url, target), path, method, policy, sleep)
            lines.append(f"{method} {path.name} into {'<' + target + '>' if target else 'the default graph'}: "
                         f"{status} ({time.perf_counter() - started:.1f} s)")
    return lines


def release_named_graphs(base: str) -> list[str]:
    """The named graphs of a release as ``push_release`` stores them (the ontology's and
    the catalogue's), which a store queried with ``--default-graph`` is asked to show."""
    return [ONTOLOGY_GRAPH, base + "catalog"]


# -- querying: the SPARQL 1.1 Protocol ------------------------------------------------------


def dict_list(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields in order, a name given several times keeping all its values."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


VIRTUOSO_TIMEOUT = "S1T00"  # Virtuoso's SQL state for a query stopped at its time limit


def _check(response: httpx.Response, endpoint: str, auth: httpx.Auth | None, limit: float | None = None) -> None:
    """Errors as the server reports them: a refused query is the client's 400, a store
    that gave up at its own time limit (Virtuoso answers 200 with what it found so far and
    an ``X-SQL-State`` header) a timeout, one that cut the answer at its own row limit
    (Virtuoso: ``X-SPARQL-MaxRows``) a 503 too, anything else a 503."""
    if response.status_code == 400:
        raise he.QuerySyntaxError(f"The store refused the query: {_refusal(response, auth)}")
    if response.is_error and VIRTUOSO_TIMEOUT in response.text[:2000]:
        ran = f"The query ran longer than the limit of {limit:g} s: the store" if limit else "The store"
        raise he.QueryTimeout(f"{ran} stopped the query at its own limit ({VIRTUOSO_TIMEOUT}) before it had a "
                              "partial answer.")
    if response.is_error:
        raise StoreUnavailable(f"The store at {display_url(endpoint)} failed: {_refusal(response, auth)}")
    cap = response.headers.get("X-SPARQL-MaxRows")
    if cap:
        raise he.QueryTooLarge(f"The store cut its answer at {_short(cap, 20)} rows (its own row limit, Virtuoso's "
                               "ResultSetMaxRows); the partial answer is not used.")
    state = response.headers.get("X-SQL-State")
    if state:
        message = _short(response.headers.get("X-SQL-Message", ""))
        ran = f"The query ran longer than the limit of {limit:g} s: the store" if limit else "The store"
        raise he.QueryTimeout(f"{ran} stopped the query at its own limit and answered in part "
                              f"({state}{': ' + message if message else ''}); the partial answer is not used.")


# an empty store: parses every query as the embedded store would (a query it refuses, a
# store's own extension such as Virtuoso's DEFINE, never reaches the store)
_PARSER = ox.Store()
_STAR = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.IGNORECASE)


def _embedded_order(order: list[str], body: bytes) -> bytes:
    """SPARQL JSON results with the variables of ``SELECT *`` in the order the embedded
    store gives them (the order is the store's choice: Virtuoso's differs)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if sorted(order) != sorted(answer.get("head", {}).get("vars", [])):
        return body
    answer["head"]["vars"] = order
    return json.dumps(answer).encode()


def _form(query: str) -> str:
    for word in keywords(query):
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


def _graph_term(term: Any) -> str | None:
    return None if term is None or isinstance(term, ox.DefaultGraph) else str(term)


class RemoteStore:
    """A SPARQL 1.1 endpoint seen through pyoxigraph's Store API (see the module docstring).

    ``default_graph``: the graph holding the data, for stores whose default graph is the
    union of all graphs (Virtuoso, GraphDB, QLever) or that hold the data in a named graph.
    It is sent as ``default-graph-uri`` with every query that names no dataset of its own
    (no ``FROM``, no protocol graphs), together with ``named_graphs`` as
    ``named-graph-uri`` (the ontology's and the catalogue's graphs: what the embedded
    store holds besides the data). ``auth``: see ``store.auth.store_auth``."""

    def __init__(self, endpoint: str, *, default_graph: str | None = None, named_graphs: Sequence[str] = (),
                 timeout: float = 30.0, auth: httpx.Auth | None = None) -> None:
        credentials_in_url(endpoint, "the SPARQL endpoint")
        self.endpoint = endpoint
        self.default_graph = default_graph
        self.named_graphs = tuple(named_graphs) if default_graph else ()
        self.timeout = timeout
        self._auth = auth
        self._client = self._new_client()
        self._cache: OrderedDict[tuple[str | None, ...], list[ox.Quad]] = OrderedDict()
        self._server: str | None = None  # the store's Server header, once it answered

    def __repr__(self) -> str:
        return f"RemoteStore({display_url(self.endpoint)!r})"

    def _new_client(self) -> httpx.Client:
        self._pid = os.getpid()
        return http.client(timeout=self.timeout, auth=self._auth, agent=USER_AGENT)

    @property
    def _http(self) -> httpx.Client:
        """The client of this process: a child forked by ``serve --processes`` opens its own
        connections (a pooled connection the parent opened must not be shared)."""
        if self._pid != os.getpid():
            self._client = self._new_client()  # (the parent's, left as it is, stays the parent's)
        return self._client

    def close(self) -> None:
        """Close the connections to the store (a reload drops the old store: closed then)."""
        self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None and getattr(self, "_pid", None) == os.getpid():
            client.close()

    # -- the protocol

    def _dataset(self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> list[tuple[str, str]]:
        """``default-graph-uri`` and ``named-graph-uri``: the caller's, else ours, unless the
        query names its own dataset (``FROM``), which the protocol's graphs would override."""
        if not default_graphs and not named_graphs:
            if not self.default_graph or "FROM" in keywords(query):
                return []
            default_graphs, named_graphs = [self.default_graph], self.named_graphs
        return [("default-graph-uri", g) for g in default_graphs] + [("named-graph-uri", g) for g in named_graphs]

    def _request(self, query: str, accept: str, default_graphs: Sequence[str] = (),
                 named_graphs: Sequence[str] = ()) -> tuple[bytes, str]:
        """POST the query as a form (the protocol's most widely supported way: Virtuoso 7.2
        does not answer a direct POST)."""
        form = [("query", query), *self._dataset(query, default_graphs, named_graphs)]
        if (self._server or "").startswith("Virtuoso/"):  # its own limit, in ms: it stops the work itself
            form.append(("timeout", str(max(1, int(self.timeout * VIRTUOSO_SHARE * 1000)))))
        try:
            response = self._http.post(self.endpoint, data=dict_list(form), headers={"Accept": accept})
        except httpx.TimeoutException:
            raise he.QueryTimeout(f"The store did not answer within {self.timeout:g} s.") from None
        except httpx.HTTPError as exc:
            why = f"{type(exc).__name__}: {_short(str(exc))}"
            raise StoreUnavailable(_scrub(f"The store at {display_url(self.endpoint)} cannot be reached: {why}",
                                          self._auth, self.endpoint)) from None
        _check(response, self.endpoint, self._auth, self.timeout)
        self._server = response.headers.get("Server", "")
        return response.content, response.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def _is_virtuoso(self) -> bool:
        """Whether the store is Virtuoso (by its Server header; asked once with ASK {})."""
        if self._server is None:
            self._request("ASK {}", "application/sparql-results+json")
        return (self._server or "").startswith("Virtuoso/")

    def query(self, query: str, *, substitutions: Mapping[ox.Variable, Term] | None = None,
              default_graph: Any = None, named_graphs: Any = None,
              use_default_graph_as_union: bool = False, base_iri: str | None = None, **_other: Any) -> Any:
        text = strip_comments(bind_values(query, substitutions))
        # SyntaxError as from the embedded store (its line numbers too), before the store sees it
        parsed = _PARSER.query(text, base_iri=base_iri) if base_iri else _PARSER.query(text)
        if base_iri:  # relative IRIs resolve against it there too (a BASE of the query's own wins)
            text = f"BASE <{base_iri}>\n{text}"
        defaults = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
        default_iris = [g.strip("<>") for g in (_graph_term(x) for x in defaults) if g]
        named = [str(g.value) for g in named_graphs or []]
        form = _form(text)
        virtuoso = self._is_virtuoso()
        if form == "DESCRIBE" and virtuoso:
            text = VIRTUOSO_DESCRIBE + text
        if form in ("CONSTRUCT", "DESCRIBE"):
            body, media = self._request(text, "application/n-triples, text/turtle;q=0.9", default_iris, named)
            fmt = ox.RdfFormat.TURTLE if "turtle" in media else ox.RdfFormat.N_TRIPLES
            return [q.triple for q in ox.parse(body, format=fmt)]
        body, _media = self._request(text, "application/sparql-results+json", default_iris, named)
        if _STAR.search(text) and isinstance(parsed, ox.QuerySolutions):
            body = _embedded_order([v.value for v in parsed.variables], body)
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
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

    def _cached(self, subject: Any, predicate: Any, object: Any, graph_name: Any) -> list[ox.Quad]:
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
        names = [f"?{n}" for n, t in (("s", s), ("p", p), ("o", o), ("g", g)) if t is None]
        rows = self.query(f"SELECT {' '.join(names) or '*'} WHERE {where}")
        out = []
        for r in rows:
            graph = r["g"] if g is None else g
            out.append(ox.Quad(s if s is not None else r["s"], p if p is not None else r["p"],
                               o if o is not None else r["o"],
                               graph if graph is not None else ox.DefaultGraph()))
        return out


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
        from twinned.queries.sparql import execute

        store: Any = self.store  # the seam: a pyoxigraph Store's API
        try:
            return await asyncio.wait_for(asyncio.to_thread(execute, store, req), self.timeout + 1)
        except TimeoutError:
            raise he.QueryTimeout(
                f"The query ran longer than the limit of {self.timeout:g} s and was stopped.") from None
