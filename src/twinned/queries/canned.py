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

This module reads the query files and documents them; it also gathers the canned-query
API in one place (``from twinned.queries import canned as q``): the parameters live in
:mod:`~twinned.queries.params`, the binding in :mod:`~twinned.queries.binding`, running
and writing results in :mod:`~twinned.queries.results`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from twinned.errors import InputError, Problem
from twinned.queries.binding import CannedQuery, bind, values_block
from twinned.queries.params import (
    TYPES,
    Parameter,
    ParameterError,
    Term,
    shorten,
)

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HEADER_PREFIX = "#+"


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
        out: list[Parameter] = []
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
            substitutions: dict[ox.Variable, Term | ox.Triple] = dict(bound.substitutions)
            result = ox.Store().query(bound.sparql, substitutions=substitutions)
            ox.Store().query(bound.bound_sparql)  # the text that runs parses too
        except (SyntaxError, RuntimeError, ParameterError) as exc:
            m = re.match(r"error at (\d+):", str(exc))
            self.problems.append(Problem(self.file, int(m[1]) if m else 1, "query",
                                         f"a valid SPARQL SELECT or CONSTRUCT ({shorten(str(exc), 200)})"))
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
