"""Running a bound canned query and writing its result: rows or triples, in the
formats a canned query offers (JSON rows, SPARQL JSON, CSV, TSV, a text table; Turtle,
N-Triples, JSON-LD for a CONSTRUCT). :class:`CannedRequest` carries one to a query
worker, which answers with :func:`execute_canned`: the same code as in-process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import pyoxigraph as ox

from twinned.build.releasestore import GraphStore
from twinned.queries.binding import Binding, CannedQuery, bind
from twinned.queries.describe import compact
from twinned.queries.params import XSD, Term
from twinned.rdf.negotiation import CSV, JSONLD, NTRIPLES, SPARQL_JSON, TSV, TURTLE, Format
from twinned.rdf.writers import write_graph, write_solutions

T = TypeVar("T")


@dataclass(frozen=True)
class Solutions:
    """A SELECT result: the variables and the rows (None where unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    truncated: bool = False


@dataclass(frozen=True)
class GraphResult:
    """A CONSTRUCT result: its triples, sorted so that output is deterministic."""

    triples: tuple[ox.Triple, ...]
    truncated: bool = False


Result = Solutions | GraphResult


def run(store: GraphStore, binding: Binding, max_rows: int = 10_000) -> Result:
    """Run a bound query; at most ``max_rows`` rows or triples are kept."""
    result = store.query(binding.bound_sparql)
    if isinstance(result, ox.QueryBoolean):  # (read_query refuses an ASK)
        raise ValueError(f"query {binding.query.name!r} is an ASK: a canned query is a SELECT or a CONSTRUCT")
    if not isinstance(result, ox.QuerySolutions):  # a CONSTRUCT (an external store answers with a list)
        triples = _take(result, max_rows)
        return GraphResult(tuple(sorted(triples[:max_rows], key=_triple_key)), len(triples) > max_rows)
    variables = tuple(v.value for v in result.variables)
    rows = [tuple(s[v] for v in variables) for s in _take(result, max_rows)]
    return Solutions(variables, tuple(rows[:max_rows]), len(rows) > max_rows)


def _triple_key(t: ox.Triple) -> tuple[str, str, str]:
    return str(t.subject), str(t.predicate), str(t.object)


def _terms(t: ox.Triple) -> tuple[Term | None, ...]:
    """A triple's terms as a row (the data holds no RDF-star triple terms)."""
    return cast(tuple[Term, Term, Term], (t.subject, t.predicate, t.object))


def _take(iterator: Iterable[T], max_rows: int) -> list[T]:
    """The first ``max_rows`` items, and one more if there are more (that tells truncation)."""
    out: list[T] = []
    for item in iterator:
        out.append(item)
        if len(out) > max_rows:
            break
    return out


def execute(store: GraphStore, query: CannedQuery, params: Mapping[str, Sequence[str] | str],
            base: str, max_rows: int = 10_000) -> tuple[Binding, Result]:
    binding = bind(query, params, base)
    return binding, run(store, binding, max_rows)


# -- writing results ---------------------------------------------------------------------

NUMBERS: dict[str, type[int] | type[float]] = {
    XSD + "integer": int, XSD + "decimal": float, XSD + "double": float, XSD + "float": float,
}


def plain(term: Term | None) -> str | int | float | bool | None:
    """A term as a plain JSON value: IRIs and texts as strings, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMBERS:
            try:
                return NUMBERS[term.datatype.value](term.value)
            except ValueError:
                return term.value
        if term.datatype.value == XSD + "boolean":
            return term.value in ("true", "1")
    return term.value


def rows_json(result: Solutions, binding: Binding) -> bytes:
    """The simple form: the parameters used and one object per row."""
    doc = {
        "query": binding.query.name,
        "title": binding.query.title,
        "parameters": binding.echo(),
        "columns": list(result.variables),
        "rows": [dict(zip(result.variables, (plain(t) for t in row), strict=True)) for row in result.rows],
        "truncated": result.truncated,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _cell(term: Term | None, base: str, width: int = 60) -> str:
    if term is None:
        text = ""
    elif isinstance(term, ox.NamedNode):
        text = compact(term.value, base)
    else:
        text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(result: Result, base: str) -> bytes:
    """An aligned text table for people (a graph as subject, predicate, object)."""
    if isinstance(result, GraphResult):
        result = Solutions(("subject", "predicate", "object"),
                           tuple(_terms(t) for t in result.triples),
                           result.truncated)
    cells = [list(result.variables)] + [[_cell(t, base) for t in row] for row in result.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(result.variables))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''}{', truncated' if result.truncated else ''})")
    return ("\n".join(lines) + "\n").encode("utf-8")


ROWS_JSON = Format("rows", "application/json", "results", ".json", label="JSON rows")
TABLE = Format("table", "text/plain", "results", ".txt", label="text table")
SELECT_FORMATS: tuple[Format, ...] = (ROWS_JSON, SPARQL_JSON, CSV, TSV, TABLE)
CONSTRUCT_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, TABLE)
FORMAT_NAMES = {"json": ROWS_JSON, "sparql-json": SPARQL_JSON, "csv": CSV, "tsv": TSV,
                "table": TABLE, "turtle": TURTLE, "ntriples": NTRIPLES, "jsonld": JSONLD}


def format_names(construct: bool) -> list[str]:
    offers = CONSTRUCT_FORMATS if construct else SELECT_FORMATS
    return [name for name, fmt in FORMAT_NAMES.items() if fmt in offers]


def write(result: Result, binding: Binding, fmt: Format, base: str) -> bytes:
    """The result in a format of SELECT_FORMATS or CONSTRUCT_FORMATS (ValueError otherwise)."""
    if fmt is TABLE:
        return table(result, base)
    if isinstance(result, GraphResult):
        if fmt not in CONSTRUCT_FORMATS:
            raise ValueError(f"{fmt.name} does not fit a CONSTRUCT query")
        return write_graph(result.triples, fmt, base)
    if fmt is ROWS_JSON:
        return rows_json(result, binding)
    return write_solutions(result.variables, result.rows, fmt, result.truncated)


@dataclass(frozen=True)
class CannedRequest:
    """A canned query for a worker: ``run`` then ``write``, the code that
    runs it in-process (``twinned query``), so the answer is the same bytes. ``format``
    names one of ``SELECT_FORMATS`` or ``CONSTRUCT_FORMATS``; None asks for the
    result itself (rows or triples, for a page the server renders)."""

    binding: Binding
    format: str | None
    max_rows: int
    base: str


@dataclass(frozen=True)
class CannedAnswer:
    body: bytes | None  # the written answer (None when the result itself was asked for)
    result: Result | None  # the rows or triples (pyoxigraph terms pickle), when asked for
    truncated: bool
    elapsed: float = 0.0


CANNED_FORMATS = {f.name: f for f in (*SELECT_FORMATS, *CONSTRUCT_FORMATS)}


def execute_canned(store: GraphStore, req: CannedRequest) -> CannedAnswer:
    """Run one canned query and write its answer (in a worker)."""
    started = time.perf_counter()
    result = run(store, req.binding, req.max_rows)
    if req.format is None:
        return CannedAnswer(None, result, result.truncated, time.perf_counter() - started)
    body = write(result, req.binding, CANNED_FORMATS[req.format], req.base)
    return CannedAnswer(body, None, result.truncated, time.perf_counter() - started)
