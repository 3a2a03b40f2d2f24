"""SPARQL query text and running it on a store: the words of a query (``keywords``),
refusing what a public read-only endpoint must not run (``check_query``), binding
values (``bind_values``), and running one query under a row cap into a serialised
result (``execute``), on the store of a release as the endpoint sees it (``load_store``).

The default graph holds the data; the ontology is the named graph
``<https://w3id.org/twinned/def/>`` and the DCAT/VoID catalogue the named graph
``<BASE/catalog>``. The pool of worker processes that runs these for the server is
:mod:`twinned.web.querypool`; the SPARQL 1.1 Protocol itself is
:mod:`twinned.web.sparql_protocol`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from twinned import httperrors as he
from twinned.build.releasestore import STORE_DIR, GraphStore, hold
from twinned.rdf.negotiation import ASK_OFFERS, FORMATS, GRAPH_OFFERS, SELECT_OFFERS, Format
from twinned.rdf.vocab import TW
from twinned.rdf.writers import write_boolean, write_graph, write_solutions

ONTOLOGY_GRAPH = str(TW)
CATALOG_FILE = "catalog.nt"
MAX_RESULT_BYTES = 64 << 20  # a serialised result larger than this is refused
T = TypeVar("T")

QueryForm = str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
OFFERS: dict[QueryForm, tuple[Format, ...]] = {
    "SELECT": SELECT_OFFERS, "ASK": ASK_OFFERS, "CONSTRUCT": GRAPH_OFFERS, "DESCRIBE": GRAPH_OFFERS,
}

# -- looking at the query text ---------------------------------------------------------------

_STRING = "|".join((
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n\r]|\\.)*"',
    r"'(?:[^'\\\n\r]|\\.)*'",
))
_TOKENS = re.compile(
    r"(?P<space>\s+)|(?P<comment>#[^\n\r]*)|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    rf"|(?P<string>{_STRING})|(?P<var>[?$][\w\u00b7-\uffff]+)|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<word>[\w\u00b7-\uffff][\w\-.:%\\\u00b7-\uffff]*|:[\w\-.:%\\\u00b7-\uffff]*)|(?P<other>.)",
    re.S,
)
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                             "ADD", "MOVE", "COPY", "WITH"})
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# A '<' read as an IRI start may be a less-than in an expression; the text it would
# hide can then hold ") ... SERVICE?var" (an IRI cannot hold spaces, '{' or '<').
_HIDDEN_SERVICE = re.compile(r"\).*service[?$]", re.I | re.S)


def keywords(query: str) -> list[str]:
    """The bare words of a query in order (upper-cased), outside strings, IRIs and
    comments; prefixed names (``ex:service``) and variables are not bare words."""
    out = []
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "word" and ":" not in m.group():
            out.append(m.group().upper())
    return out


def _hides_service(query: str) -> bool:
    return any(m.lastgroup == "iri" and _HIDDEN_SERVICE.search(m.group())
               for m in _TOKENS.finditer(query))


def strip_comments(query: str) -> str:
    """The query without its comments (the tokens read them; IRIs holding '#' stay)."""
    return "".join(m.group() for m in _TOKENS.finditer(query) if m.lastgroup != "comment")


def bind_values(query: str, values: Mapping[ox.Variable, object] | None) -> str:
    """The query with variables bound by a ``VALUES`` block at the start of its WHERE
    clause (its first group when it has no WHERE keyword), written from RDF terms: the
    values of canned-query parameters, never text a client sent."""
    if not values:
        return query
    names = " ".join(f"?{v.value}" for v in values)
    row = " ".join(str(t) for t in values.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    seen_where, first_brace = False, None
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "word" and m.group().upper() == "WHERE":
            seen_where = True
        elif m.lastgroup == "other" and m.group() == "{":
            if seen_where:
                return query[:m.end()] + block + query[m.end():]
            if first_brace is None:
                first_brace = m.end()
    if first_brace is None:
        raise he.QuerySyntaxError("The query has no group pattern to bind its parameters in.")
    return query[:first_brace] + block + query[first_brace:]


def check_query(query: str) -> QueryForm:
    """The query's form; raise QueryRefused for an update, SERVICE or LOAD."""
    words = keywords(query)
    updates = [w for w in words if w in UPDATE_KEYWORDS]
    if updates:
        raise he.QueryRefused(
            f"This endpoint is read-only: SPARQL Update ({updates[0]}) is not accepted"
            + (", and LOAD would make the server fetch a URL." if "LOAD" in updates else ".")
        )
    if "SERVICE" in words or _hides_service(query):
        raise he.QueryRefused(
            "SERVICE (federated query) is disabled: this endpoint does not fetch other URLs. "
            "Download the other data and query it where both are loaded."
        )
    for w in words:
        if w in QUERY_FORMS:
            return w
    raise he.QuerySyntaxError("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")


# -- running a query (in a worker) ------------------------------------------------------------------

_BY_NAME = {f.name: f for f in FORMATS}


@dataclass(frozen=True)
class QueryRequest:
    query: str
    format: str  # a Format name
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the data's base)


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    format: str
    form: QueryForm
    count: int
    truncated: bool
    elapsed: float = 0.0


def _graph_args(req: QueryRequest) -> dict[str, Any]:
    """Keyword arguments of ``Store.query`` (any value type: pyoxigraph's own signature)."""
    args: dict[str, Any] = {}
    if req.base_iri:
        args["base_iri"] = req.base_iri
    if req.default_graphs:
        args["default_graph"] = [ox.NamedNode(g) for g in req.default_graphs]
    if req.named_graphs:
        args["named_graphs"] = [ox.NamedNode(g) for g in req.named_graphs]
    return args


def _take(items: Iterable[T], limit: int) -> tuple[list[T], bool]:
    out: list[T] = []
    for item in items:
        if len(out) == limit:
            return out, True
        out.append(item)
    return out, False


def execute(store: GraphStore, req: QueryRequest) -> QueryResult:
    """Run one query and serialise its result (at most ``max_rows`` rows or triples)."""
    fmt = _BY_NAME[req.format]
    started = time.perf_counter()
    try:
        result = store.query(req.query, **_graph_args(req))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, truncated = _take((tuple(s[n] for n in names) for s in result), req.max_rows)
            body = write_solutions(names, rows, fmt, truncated)
            form, count = "SELECT", len(rows)
        elif isinstance(result, ox.QueryBoolean):
            body, form, count, truncated = write_boolean(bool(result), fmt), "ASK", 1, False
        else:
            triples, truncated = _take(result, req.max_rows)
            body, form, count = write_graph(triples, fmt), "CONSTRUCT", len(triples)
    except SyntaxError as exc:
        raise he.QuerySyntaxError(f"The query could not be parsed: {exc}") from None
    except (OSError, ValueError) as exc:
        raise he.BadRequest(f"The query failed: {exc}") from None
    if len(body) > MAX_RESULT_BYTES:
        raise he.QueryTooLarge(f"The result is larger than {MAX_RESULT_BYTES >> 20} MiB. "
                               "Select fewer or shorter values, or add a LIMIT.")
    return QueryResult(body, fmt.name, form, count, truncated, time.perf_counter() - started)


def load_store(directory: Path, base: str) -> ox.Store:
    """The release as the workers see it: data in the default graph, the ontology and
    the catalogue (when built) in their named graphs. Its store opened read-only (a
    release built before releases held a store: its dump loaded in memory)."""
    if (directory / STORE_DIR).is_dir():
        hold(directory)  # for the worker's life: builds leave the release alone meanwhile
        return ox.Store.read_only(str(directory / STORE_DIR))
    store = ox.Store()
    store.bulk_load(path=str(directory / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(directory / "ontology.ttl"), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    add_catalog(store, directory, base)
    return store


def add_catalog(store: ox.Store, directory: Path, base: str) -> None:
    """Load the DCAT/VoID catalogue into the named graph <BASE/catalog>, if it was built."""
    path = directory / CATALOG_FILE
    if path.exists():
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(base + "catalog"))

