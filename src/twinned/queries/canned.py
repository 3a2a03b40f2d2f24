"""Canned queries: one ``.rq`` file in ``queries/`` per question, with a header of
``#+`` YAML lines (grlc style) that names it and types its parameters::

    #+ title: Partners of a city
    #+ description: Every administrative body twinned with the city ...
    #+ parameters:
    #+   - name: city          # the query variable ?city it binds
    #+     type: qid           # iri qid string langstring date year integer enum
    #+     description: the city's Wikidata item
    #+     default: Q25409     # used when the parameter is not given
    #+     example: Q4115712   # for the docs and the OpenAPI description
    #+     required: false     # a required parameter has no default
    #+     multiple: false     # true: a list, bound through the query's VALUES block
    #+     allowed: [a, b]     # enum only: the values it takes
    #+ construct: true         # the query is a CONSTRUCT (checked against the text)
    #+ result: what one row (or the graph) holds

Parameter values are parsed into RDF terms and bound by the engine, never pasted
into the query text as given:

* the single values are bound by a ``VALUES`` block the engine adds at the start of
  the query's WHERE clause, written from the parsed terms (``Binding.bound_sparql``;
  the same text runs on the embedded store and on an external one). Every SELECT
  projects its parameters, so each row echoes the values used;
* a list replaces the contents of the query's one ``VALUES ?name { ... }`` block
  with the N-Triples serialisation of the parsed terms (``UNDEF`` when empty).

Writing a query: use the parameters in the top-level group of the WHERE clause (a
nested group is evaluated before the values join it). An optional parameter without
default stays unbound. Test it with ``COALESCE`` rather than ``BOUND()``, and use it in a
triple pattern only where "unbound" should mean "any".

Errors: a broken header raises :class:`InputError` (``file:line: field: expected``);
a bad value raises :class:`ParameterError` naming the parameter and what was
expected; an unknown name :class:`QueryNotFound`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import pyoxigraph as ox
import yaml

from twinned.errors import InputError, Problem, TwinnedError
from twinned.queries.describe import compact
from twinned.rdf.negotiation import CSV, JSONLD, NTRIPLES, SPARQL_JSON, TSV, TURTLE, Format
from twinned.rdf.vocab import WD
from twinned.rdf.writers import write_graph, write_solutions
from twinned.records.dates import PartialDate

Term = ox.NamedNode | ox.BlankNode | ox.Literal
XSD = "http://www.w3.org/2001/XMLSchema#"
NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_VALUE_CHARS = 1000
MAX_VALUES = 20
HEADER_PREFIX = "#+"


class ParameterError(TwinnedError):
    """A parameter value is missing, unknown or not of its type (HTTP 400)."""

    status = 400

    def __init__(self, query: str, parameter: str, expected: str, value: str | None = None) -> None:
        self.query = query
        self.parameter = parameter
        self.expected = expected
        self.value = value
        shown = "" if value is None else f", not {_shorten(value)!r}"
        super().__init__(f"query {query!r}: parameter {parameter!r}: expected {expected}{shown}")


class QueryNotFound(TwinnedError):
    """No canned query has that name (HTTP 404)."""

    status = 404

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        super().__init__(f"no canned query named {_shorten(name)!r}; known: {', '.join(sorted(known))}")


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- parameter types ----------------------------------------------------------------

IRI_CHARS = re.compile(r'[^\s<>"{}|\\^`]+')
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
QID = re.compile(r"Q[1-9][0-9]{0,11}")  # used with fullmatch: no "$" that lets a "\n" through
YEAR = re.compile(r"[1-9][0-9]{3}")
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
# language[-script][-region][-variant]: the well-formed BCP 47 tags a name needs
LANGTAG_PATTERN = r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))?"
LANGTAG = re.compile(LANGTAG_PATTERN)
PARTIAL_DATE = "^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2]))?$"  # a year (not 0) or a month


def _iri(text: str, base: str) -> Term:
    if not IRI_CHARS.fullmatch(text):
        raise ValueError
    return ox.NamedNode(text if SCHEME.match(text) else urljoin(base, text))


def _qid(text: str, base: str) -> Term:
    if not QID.fullmatch(text):
        raise ValueError
    return ox.NamedNode(WD[text])


def _string(text: str, base: str) -> Term:
    return ox.Literal(text)


def _langstring(text: str, base: str) -> Term:
    value, at, lang = text.rpartition("@")
    if not at or not LANGTAG.fullmatch(lang):
        raise ValueError
    return ox.Literal(value, language=lang.lower())


def _date(text: str, base: str) -> Term:
    date = PartialDate.parse(text) if text == text.strip() else None
    if date is None or str(date) != text:
        raise ValueError
    return ox.Literal(str(date), datatype=ox.NamedNode(XSD + date.xsd_name))


def _year(text: str, base: str) -> Term:
    if not YEAR.fullmatch(text):
        raise ValueError
    return ox.Literal(int(text))


def _integer(text: str, base: str) -> Term:
    if not INTEGER.fullmatch(text):
        raise ValueError
    return ox.Literal(int(text))


@dataclass(frozen=True)
class ParamType:
    """How one type of parameter is read, described and bound."""

    name: str
    expected: str
    parse: Callable[[str, str], Term]
    schema: Mapping[str, Any]


TYPES: dict[str, ParamType] = {t.name: t for t in (
    ParamType("iri", "an IRI, absolute or relative to the base URI (place/kaunas)", _iri,
              {"type": "string", "format": "iri-reference"}),
    ParamType("qid", "a Wikidata item id such as Q25409", _qid,
              {"type": "string", "pattern": "^Q[1-9][0-9]{0,11}$"}),
    ParamType("string", "a text", _string, {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_CHARS}),
    ParamType("langstring", "a text with a language tag, such as Kassa@hu", _langstring,
              {"type": "string", "pattern": f"@{LANGTAG_PATTERN}$"}),
    ParamType("date", "a date as YYYY, YYYY-MM or YYYY-MM-DD", _date,
              {"type": "string", "anyOf": [{"format": "date"}, {"pattern": PARTIAL_DATE}]}),
    ParamType("year", "a year as four digits (YYYY)", _year,
              {"type": "integer", "minimum": 1000, "maximum": 9999}),
    ParamType("integer", "a whole number", _integer,
              {"type": "integer", "minimum": -(10**18 - 1), "maximum": 10**18 - 1}),
    ParamType("enum", "one of the allowed values", _string, {"type": "string"}),
)}


@dataclass(frozen=True)
class Parameter:
    """One typed parameter of a canned query; values stay text until bound."""

    name: str
    type: str
    description: str
    default: tuple[str, ...] = ()
    example: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = False

    @property
    def expected(self) -> str:
        if self.type == "enum":
            return "one of " + ", ".join(self.allowed)
        return TYPES[self.type].expected

    def parse(self, text: str, base: str) -> Term:
        """The RDF term for one value; ValueError (with what was expected) if it is not one."""
        if len(text) > MAX_VALUE_CHARS or "\x00" in text:
            raise ValueError(f"{self.expected} of at most {MAX_VALUE_CHARS} characters")
        if self.type == "enum" and text not in self.allowed:
            raise ValueError(self.expected)
        try:
            return TYPES[self.type].parse(text, base)
        except ValueError:
            raise ValueError(self.expected) from None

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the parameter (for OpenAPI)."""
        item: dict[str, Any] = dict(TYPES[self.type].schema)
        if self.type == "enum":
            item["enum"] = list(self.allowed)
        if self.multiple:
            out: dict[str, Any] = {"type": "array", "items": item, "maxItems": MAX_VALUES}
            if self.default:
                out["default"] = [self.json_value(v) for v in self.default]
            return out
        if self.default:
            item["default"] = self.json_value(self.default[0])
        return item

    def json_value(self, text: str) -> Any:
        """A value as JSON (numbers for year and integer parameters)."""
        return int(text) if self.type in ("year", "integer") else text

    def example_values(self) -> tuple[str, ...]:
        return self.example or self.default


# -- query files ----------------------------------------------------------------------


@dataclass(frozen=True)
class CannedQuery:
    """One ``.rq`` file: its header and its SPARQL text."""

    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = ()
    construct: bool = False
    result: str | None = None
    path: Path | None = None

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def example_params(self) -> dict[str, list[str]]:
        return {p.name: list(p.example_values()) for p in self.parameters if p.example_values()}


def values_block(name: str) -> re.Pattern[str]:
    """The ``VALUES ?name { ... }`` block a list parameter fills."""
    return re.compile(r"VALUES\s+[?$]" + re.escape(name) + r"\s*\{[^{}]*\}", re.IGNORECASE)


def _header_yaml(text: str) -> str:
    """The header as YAML, one line per file line so YAML lines are file lines."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if line.startswith(HEADER_PREFIX + " ") or line.rstrip() == HEADER_PREFIX:
            lines.append(line[len(HEADER_PREFIX) + 1:])
        else:
            lines.append("")
    return "\n".join(lines) + "\n"


class _HeaderReader:
    """Reads a header into a CannedQuery, collecting every problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.file = str(path)
        self.text = text
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | None, field: str, expected: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.file, line, field, expected))

    def compose(self) -> yaml.MappingNode | None:
        try:
            root = yaml.compose(_header_yaml(self.text), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.problems.append(Problem(self.file, mark.line + 1 if mark else 1, "header",
                                         f"valid YAML after '#+ ' ({exc.problem or exc})"))
            return None
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "header", "a '#+ ' YAML header with title and description")
            return None
        return root

    def entries(self, node: yaml.MappingNode, where: str, allowed: Sequence[str]) -> dict[str, yaml.Node]:
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name not in allowed:
                self.problem(key, f"{where}{name}", f"one of the keys {', '.join(allowed)}")
            elif name in out:
                self.problem(key, f"{where}{name}", "a key given once")
            else:
                out[name] = value
        return out

    def scalar(self, node: yaml.Node, field: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.problem(node, field, "a text value")
            return None
        return str(node.value)

    def flag(self, node: yaml.Node | None, field: str) -> bool:
        if node is None:
            return False
        value = self.scalar(node, field)
        if value not in ("true", "false"):
            self.problem(node, field, "true or false")
        return value == "true"

    def texts(self, node: yaml.Node | None, field: str, many: bool) -> tuple[str, ...]:
        if node is None:
            return ()
        if isinstance(node, yaml.SequenceNode):
            if not many:
                self.problem(node, field, "one value (the parameter is not multiple: true)")
                return ()
            values = [self.scalar(item, field) for item in node.value]
            return tuple(v for v in values if v is not None)
        value = self.scalar(node, field)
        return (value,) if value is not None else ()

    def read(self) -> CannedQuery | None:
        root = self.compose()
        if root is None:
            return None
        top = self.entries(root, "", ("title", "description", "parameters", "construct", "result"))
        for key in ("title", "description"):
            if key not in top:
                self.problem(root, key, f"the required key '{key}'")
        title = self.scalar(top["title"], "title") if "title" in top else None
        description = self.scalar(top["description"], "description") if "description" in top else None
        result = self.scalar(top["result"], "result") if "result" in top else None
        parameters = self.parameters(top.get("parameters"))
        construct = self.flag(top.get("construct"), "construct")
        if title is None or description is None:
            return None
        return CannedQuery(self.path.stem, title, " ".join(description.split()), self.text,
                           tuple(parameters), construct,
                           " ".join(result.split()) if result else None, self.path)

    def parameters(self, node: yaml.Node | None) -> list[Parameter]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "parameters", "a list of parameters")
            return []
        out = []
        for i, item in enumerate(node.value):
            param = self.parameter(item, f"parameters[{i}]")
            if param is not None:
                if any(p.name == param.name for p in out):
                    self.problem(item, f"parameters[{i}].name", "a name used once")
                out.append(param)
        return out

    def parameter(self, node: yaml.Node, where: str) -> Parameter | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, where, "a mapping with name, type and description")
            return None
        keys = ("name", "type", "description", "default", "example", "allowed", "multiple", "required")
        e = self.entries(node, f"{where}.", keys)
        for key in ("name", "type", "description"):
            if key not in e:
                self.problem(node, f"{where}.{key}", f"the required key '{key}'")
        if not all(k in e for k in ("name", "type", "description")):
            return None
        name = self.scalar(e["name"], f"{where}.name")
        kind = self.scalar(e["type"], f"{where}.type")
        description = self.scalar(e["description"], f"{where}.description")
        if name is not None and not VARIABLE.fullmatch(name):
            self.problem(e["name"], f"{where}.name", "a SPARQL variable name ([A-Za-z_][A-Za-z0-9_]*)")
            name = None
        if kind is not None and kind not in TYPES:
            self.problem(e["type"], f"{where}.type", f"one of {', '.join(TYPES)}")
            kind = None
        multiple = self.flag(e.get("multiple"), f"{where}.multiple")
        required = self.flag(e.get("required"), f"{where}.required")
        if name is None or kind is None or description is None:
            return None
        param = Parameter(
            name, kind, " ".join(description.split()),
            default=self.texts(e.get("default"), f"{where}.default", multiple),
            example=self.texts(e.get("example"), f"{where}.example", multiple),
            allowed=self.texts(e.get("allowed"), f"{where}.allowed", True),
            multiple=multiple, required=required,
        )
        self.check_parameter(param, e, node, where)
        return param

    def check_parameter(self, p: Parameter, e: dict[str, yaml.Node], node: yaml.Node, where: str) -> None:
        if (p.type == "enum") != bool(p.allowed):
            self.problem(e.get("allowed", node), f"{where}.allowed",
                         "a list of values for an enum, and only for an enum")
        if p.required and p.default:
            self.problem(e["default"], f"{where}.default", "no default for a required parameter")
        if not p.default and not p.example:
            self.problem(node, f"{where}.example", "an example (or a default) to document and test it")
        for key in ("default", "example"):
            for value in getattr(p, key):
                try:
                    p.parse(value, "https://example.org/")
                except ValueError as exc:
                    self.problem(e[key], f"{where}.{key}", f"{exc}, not {value!r}")

    def check_text(self, q: CannedQuery) -> None:
        """The SPARQL parses, has the declared form, and uses every parameter as it must."""
        for p in q.parameters:
            uses = len(values_block(p.name).findall(q.text))
            if p.multiple and uses != 1:
                self.problem(None, f"parameters.{p.name}",
                             f"exactly one 'VALUES ?{p.name} {{ ... }}' block in the query (found {uses})")
            elif not p.multiple and not re.search(r"[?$]" + p.name + r"\b", q.text):
                self.problem(None, f"parameters.{p.name}", f"the variable ?{p.name} used in the query")
        if re.search(r"^[^#]*\bSERVICE\b", q.text, re.IGNORECASE | re.MULTILINE):
            self.problem(None, "query", "no SERVICE: canned queries run on the local graph only")
        try:
            bound = bind(q, q.example_params(), "https://example.org/")
            # substitution refuses a parameter the SELECT does not project (each row echoes them)
            result = ox.Store().query(bound.sparql, substitutions=bound.substitutions)
            ox.Store().query(bound.bound_sparql)  # the text that runs parses too
        except (SyntaxError, RuntimeError, ParameterError) as exc:
            m = re.match(r"error at (\d+):", str(exc))
            self.problems.append(Problem(self.file, int(m[1]) if m else 1, "query",
                                         f"a valid SPARQL SELECT or CONSTRUCT ({_shorten(str(exc), 200)})"))
            return
        form = "construct" if isinstance(result, ox.QueryTriples) else (
            "select" if isinstance(result, ox.QuerySolutions) else "ask")
        if form == "ask" or (form == "construct") != q.construct:
            self.problem(None, "construct", f"'construct: true' exactly when the query is a CONSTRUCT "
                                            f"(the query is a {form.upper()})")


def read_query(path: Path) -> CannedQuery:
    """Read and check one query file; InputError lists every problem."""
    if not NAME.fullmatch(path.stem):
        raise InputError([Problem(str(path), 0, "file", "a name of lowercase words joined by '-' (.rq)")])
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), 0, "file", f"a readable UTF-8 file ({exc})")]) from None
    reader = _HeaderReader(path, text)
    query = reader.read()
    if query is not None and not reader.problems:
        reader.check_text(query)
    if reader.problems or query is None:
        raise InputError(reader.problems or [Problem(str(path), 1, "header", "a header")])
    return query


def load_queries(directory: Path) -> dict[str, CannedQuery]:
    """Every ``*.rq`` file of the directory by name; all problems of all files at once."""
    queries: dict[str, CannedQuery] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.rq"), key=lambda p: p.stem):
        try:
            queries[path.stem] = read_query(path)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return queries


def find(queries: Mapping[str, CannedQuery], name: str) -> CannedQuery:
    try:
        return queries[name]
    except KeyError:
        raise QueryNotFound(name, queries) from None


# -- binding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A canned query with its parameter values parsed (defaults applied)."""

    query: CannedQuery
    texts: dict[str, tuple[str, ...]]
    terms: dict[str, tuple[Term, ...]]

    @property
    def substitutions(self) -> dict[ox.Variable, Term]:
        return {ox.Variable(p.name): self.terms[p.name][0]
                for p in self.query.parameters if not p.multiple and self.terms[p.name]}

    @property
    def bound_sparql(self) -> str:
        """The query as it runs: ``sparql`` with the single values bound by a ``VALUES``
        block at the start of its WHERE clause (``sparql.bind_values``). The store's
        optimiser sees the values there: a lookup of one city, where SEP-0007 substitution
        made pyoxigraph scan every partnership (600 ms against 1.5 ms on a million triples)."""
        from twinned.queries.sparql import bind_values

        return bind_values(self.sparql, self.substitutions)

    @property
    def sparql(self) -> str:
        """The query text with each list parameter's VALUES block filled with its terms."""
        text = self.query.text
        for p in self.query.parameters:
            if p.multiple:
                body = " ".join(str(t) for t in self.terms[p.name]) or "UNDEF"
                block = f"VALUES ?{p.name} {{ {body} }}"
                text = values_block(p.name).sub(lambda _m, b=block: b, text, count=1)
        return text

    def canonical(self) -> str:
        """The values as a canonical query string (for cache keys and links)."""
        pairs = [(name, v) for name in sorted(self.texts) for v in self.texts[name]]
        return urlencode(pairs)

    def echo(self) -> dict[str, Any]:
        """The values used, as JSON (lists for list parameters, null when unbound)."""
        out: dict[str, Any] = {}
        for p in self.query.parameters:
            values = list(self.texts[p.name])
            out[p.name] = values if p.multiple else (values[0] if values else None)
        return out


def bind(query: CannedQuery, params: Mapping[str, Sequence[str] | str], base: str) -> Binding:
    """Parse the given values (text) into terms; ParameterError on the first bad one."""
    for name in params:
        if query.parameter(name) is None:
            known = ", ".join(p.name for p in query.parameters) or "none"
            raise ParameterError(query.name, name, f"a parameter of this query (known: {known})")
    texts: dict[str, tuple[str, ...]] = {}
    terms: dict[str, tuple[Term, ...]] = {}
    for p in query.parameters:
        given = params.get(p.name, ())
        values = (given,) if isinstance(given, str) else tuple(given)
        values = values or p.default
        if p.required and not values:
            raise ParameterError(query.name, p.name, f"a value ({p.expected}): it is required")
        if len(values) > (MAX_VALUES if p.multiple else 1):
            raise ParameterError(query.name, p.name,
                                 f"at most {MAX_VALUES} values" if p.multiple else "a single value")
        parsed = []
        for value in values:
            try:
                parsed.append(p.parse(value, base))
            except ValueError as exc:
                raise ParameterError(query.name, p.name, str(exc), value) from None
        texts[p.name], terms[p.name] = values, tuple(parsed)
    return Binding(query, texts, terms)


# -- running -----------------------------------------------------------------------------


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


def run(store: ox.Store, binding: Binding, max_rows: int = 10_000) -> Result:
    """Run a bound query; at most ``max_rows`` rows or triples are kept."""
    result = store.query(binding.bound_sparql)
    if not isinstance(result, ox.QuerySolutions):  # a CONSTRUCT (an external store answers with a list)
        triples = _take(result, max_rows)
        key: Callable[[ox.Triple], tuple[str, str, str]] = lambda t: (str(t.subject), str(t.predicate), str(t.object))
        return GraphResult(tuple(sorted(triples[:max_rows], key=key)), len(triples) > max_rows)
    variables = tuple(v.value for v in result.variables)
    rows = [tuple(s[v] for v in variables) for s in _take(result, max_rows)]
    return Solutions(variables, tuple(rows[:max_rows]), len(rows) > max_rows)


def _take(iterator: Iterable[Any], max_rows: int) -> list[Any]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) > max_rows:
            break
    return out


def execute(store: ox.Store, query: CannedQuery, params: Mapping[str, Sequence[str] | str],
            base: str, max_rows: int = 10_000) -> tuple[Binding, Result]:
    binding = bind(query, params, base)
    return binding, run(store, binding, max_rows)


# -- writing results ---------------------------------------------------------------------

NUMBERS = {XSD + "integer": int, XSD + "decimal": float, XSD + "double": float, XSD + "float": float}


def plain(term: Term | None) -> Any:
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
        "rows": [dict(zip(result.variables, (plain(t) for t in row))) for row in result.rows],
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
                           tuple((t.subject, t.predicate, t.object) for t in result.triples),
                           result.truncated)
    cells = [list(result.variables)] + [[_cell(t, base) for t in row] for row in result.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(result.variables))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
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


# -- documentation ------------------------------------------------------------------------


def _param_doc(p: Parameter) -> str:
    bits = [p.type + (", list" if p.multiple else "")]
    if p.required:
        bits.append("required")
    if p.default:
        bits.append("default " + ", ".join(f"`{v}`" for v in p.default))
    if p.allowed:
        bits.append("one of " + ", ".join(f"`{v}`" for v in p.allowed))
    elif p.example:
        bits.append("e.g. " + ", ".join(f"`{v}`" for v in p.example))
    return f"`{p.name}` ({'; '.join(bits)}): {p.description}"


def render_markdown(queries: Mapping[str, CannedQuery], link_prefix: str = "queries/") -> str:
    """The list of canned queries as Markdown (README and docs embed it between markers)."""
    lines = []
    for q in queries.values():
        kind = " Returns RDF (CONSTRUCT)." if q.construct else ""
        lines.append(f"- [`{q.name}`]({link_prefix}{q.name}.rq) — **{q.title}.** {q.description}{kind}")
        for p in q.parameters:
            lines.append(f"  - {_param_doc(p)}")
    return "\n".join(lines) + "\n"


START_MARKER = "<!-- queries:start -->"
END_MARKER = "<!-- queries:end -->"


def embedded_list(document: str) -> str | None:
    """The text between the queries markers of a document, or None without markers."""
    start, end = document.find(START_MARKER), document.find(END_MARKER)
    if start < 0 or end < start:
        return None
    return document[start + len(START_MARKER):end].strip("\n") + "\n"


def embed_list(document: str, listing: str) -> str:
    """The document with the text between the markers replaced by ``listing``."""
    start, end = document.index(START_MARKER), document.index(END_MARKER)
    return f"{document[:start + len(START_MARKER)]}\n{listing}{document[end:]}"


def summary(query: CannedQuery) -> dict[str, Any]:
    """A query's header as JSON (for listings)."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "construct": query.construct,
        "result": query.result,
        "parameters": [
            {"name": p.name, "type": p.type, "description": p.description, "multiple": p.multiple,
             "required": p.required, "default": list(p.default) if p.multiple else next(iter(p.default), None),
             "example": list(p.example) if p.multiple else next(iter(p.example), None),
             **({"allowed": list(p.allowed)} if p.allowed else {})}
            for p in query.parameters
        ],
    }


def listing(queries: Mapping[str, CannedQuery]) -> str:
    """The queries for a terminal: name, title, and the parameters with their types."""
    width = max((len(name) for name in queries), default=0)
    lines = []
    for q in queries.values():
        params = " ".join(f"{p.name}={p.type}{'…' if p.multiple else ''}{'' if p.required else '?'}"
                          for p in q.parameters)
        lines.append(f"{q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))
    return "\n".join(lines) + "\n"
