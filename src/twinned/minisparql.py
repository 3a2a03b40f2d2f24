"""A small SPARQL SELECT evaluator over sorted N-Triples terms, for the SPARQL-based
SHACL constraints of ``fastshacl`` (pre-bound ``$this``, one evaluation per focus node).

Supported: ``PREFIX``; ``SELECT [DISTINCT] ?v ... | *``; ``WHERE`` groups with triple
patterns (``;`` ``,`` ``a``), property paths (``|``, ``/``, ``^``, parentheses), ``FILTER``,
``[NOT] EXISTS``, ``BIND``, ``OPTIONAL``, ``UNION`` and nested groups; expressions with
``|| && ! = != < > <= >= IN, NOT IN, + -`` and the functions STR, LANG, DATATYPE, BOUND,
sameTerm, isIRI, isURI, isLiteral, isBlank, isNumeric, STRSTARTS, STRENDS, CONTAINS,
SUBSTR, STRLEN, UCASE, LCASE, CONCAT, REGEX, LANGMATCHES, COALESCE, IF and NOW.
Anything else is refused while parsing (``fastshacl.Unsupported``).

Nested groups (UNION branches, OPTIONAL, EXISTS) are evaluated with the bindings of
the solution they extend, which is the SPARQL semantics for EXISTS and OPTIONAL; a
group whose FILTER reads a variable it does not bind itself is refused, as the two
semantics could differ there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import ntriples as nt
from .fastshacl import Data, Unsupported, numeric

XSD = nt.XSD
TRUE, FALSE = f'"true"^^<{XSD}boolean>', f'"false"^^<{XSD}boolean>'

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w:%-](?:[\w.:%-]*[\w:%-])?)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|[{}().;,|/^!=<>+*-])
""", re.X)


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    term: str


Node = Var | Const


@dataclass(frozen=True)
class Link:
    p: Node


@dataclass(frozen=True)
class Inv:
    path: Any


@dataclass(frozen=True)
class Seq:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Alt:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Pattern:
    s: Node
    path: Any
    o: Node


@dataclass(frozen=True)
class Filter:
    expr: Any


@dataclass(frozen=True)
class Bind:
    expr: Any
    var: str


@dataclass(frozen=True)
class Optional:
    group: Group


@dataclass(frozen=True)
class Union:
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Group:
    elements: tuple[Any, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Exists:
    group: Group
    negated: bool


class ExprError(Exception):
    """A SPARQL expression error: the FILTER is false, the BIND leaves its variable unbound."""


# -- parsing ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, prefixes: dict[str, str]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise Unsupported(f"SPARQL text at {text[pos:pos + 20]!r}")
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup or "", m.group()))
            pos = m.end()
        self.i = 0
        self.prefixes = dict(prefixes)

    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else ("eof", "")

    def next(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def word(self, *words: str) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.upper() in {w.upper() for w in words}:
            self.i += 1
            return True
        return False

    def op(self, *ops: str) -> bool:
        kind, text = self.peek()
        if kind == "op" and text in ops:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.op(text):
            raise Unsupported(f"SPARQL: expected {text!r}, found {self.peek()[1]!r}")

    # -- the query

    def query(self) -> Query:
        while self.word("PREFIX"):
            kind, name = self.next()
            kind2, iri = self.next()
            if kind != "pname" or kind2 != "iri":
                raise Unsupported("SPARQL PREFIX")
            self.prefixes[name[:-1]] = iri[1:-1]
        if not self.word("SELECT"):
            raise Unsupported("a SPARQL query other than SELECT")
        distinct = self.word("DISTINCT")
        variables: list[str] = []
        if self.op("*"):
            variables = []
        else:
            while self.peek()[0] == "var":
                variables.append(self.next()[1][1:])
            if not variables:
                raise Unsupported("SPARQL projection")
        self.word("WHERE")
        group = self.group()
        if self.peek()[0] != "eof":
            raise Unsupported(f"SPARQL solution modifiers ({self.peek()[1]})")
        return Query(tuple(variables), distinct, group)

    def group(self) -> Group:
        self.expect("{")
        elements: list[Any] = []
        while not self.op("}"):
            kind, text = self.peek()
            if kind == "eof":
                raise Unsupported("an unclosed SPARQL group")
            if self.op("."):
                continue
            if self.word("FILTER"):
                elements.append(Filter(self.constraint()))
            elif self.word("BIND"):
                self.expect("(")
                expr = self.expr()
                if not self.word("AS"):
                    raise Unsupported("BIND without AS")
                kind, var = self.next()
                if kind != "var":
                    raise Unsupported("BIND target")
                self.expect(")")
                elements.append(Bind(expr, var[1:]))
            elif self.word("OPTIONAL"):
                elements.append(Optional(self.group()))
            elif text == "{":
                groups = [self.group()]
                while self.word("UNION"):
                    groups.append(self.group())
                elements.append(Union(tuple(groups)))
            elif kind == "word" and text.upper() in ("MINUS", "VALUES", "GRAPH", "SERVICE", "SELECT"):
                raise Unsupported(f"SPARQL {text.upper()}")
            else:
                elements += self.triples()
        return Group(tuple(elements))

    def triples(self) -> list[Pattern]:
        subject = self.node()
        out = []
        while True:
            path = self.verb()
            while True:
                out.append(Pattern(subject, path, self.node()))
                if not self.op(","):
                    break
            if not self.op(";"):
                break
            if self.peek()[1] in (".", "}"):
                break
        return out

    def verb(self) -> Any:
        kind, text = self.peek()
        if kind == "var":
            self.i += 1
            return Link(Var(text[1:]))
        return self.path()

    def path(self) -> Any:
        parts = [self.path_seq()]
        while self.op("|"):
            parts.append(self.path_seq())
        return parts[0] if len(parts) == 1 else Alt(tuple(parts))

    def path_seq(self) -> Any:
        parts = [self.path_elt()]
        while self.op("/"):
            parts.append(self.path_elt())
        return parts[0] if len(parts) == 1 else Seq(tuple(parts))

    def path_elt(self) -> Any:
        if self.op("^"):
            return Inv(self.path_elt())
        if self.op("("):
            inner = self.path()
            self.expect(")")
            primary = inner
        elif self.word("a"):
            primary = Link(Const(nt.RDF_TYPE))
        else:
            kind, text = self.next()
            if kind not in ("iri", "pname"):
                raise Unsupported(f"SPARQL path at {text!r}")
            primary = Link(Const(self.iri(kind, text)))
        if self.peek() in (("op", "*"), ("op", "+"), ("op", "?")) or self.peek()[1] == "?":
            raise Unsupported("SPARQL path modifiers")
        return primary

    def iri(self, kind: str, text: str) -> str:
        if kind == "iri":
            return text
        prefix, _, local = text.partition(":")
        if prefix not in self.prefixes:
            raise Unsupported(f"the undeclared prefix {prefix}:")
        local = re.sub(r"\\(.)", r"\1", local)
        return f"<{self.prefixes[prefix]}{local}>"

    def node(self) -> Node:
        kind, text = self.peek()
        if kind == "var":
            self.i += 1
            return Var(text[1:])
        term = self.literal_or_iri()
        if term is None:
            raise Unsupported(f"SPARQL term at {text!r}")
        return Const(term)

    def literal_or_iri(self) -> str | None:
        kind, text = self.peek()
        if kind in ("iri", "pname"):
            self.i += 1
            return self.iri(kind, text)
        if kind == "word" and text == "a":
            self.i += 1
            return nt.RDF_TYPE
        if kind == "string":
            self.i += 1
            body = text[3:-3] if text[:3] in ('"""', "'''") else text[1:-1]
            value = nt.unquote(body)
            if self.peek()[0] == "lang":
                return nt.literal(value, lang=self.next()[1][1:].lower())
            if self.op("^^"):
                kind, dt_text = self.next()
                return nt.literal(value, datatype=self.iri(kind, dt_text)[1:-1])
            return nt.quote(value)
        if kind == "number":
            self.i += 1
            name = "double" if "e" in text.lower() else "decimal" if "." in text else "integer"
            return nt.typed(text, name)
        if kind == "word" and text.lower() in ("true", "false"):
            self.i += 1
            return TRUE if text.lower() == "true" else FALSE
        return None

    # -- expressions

    def constraint(self) -> Any:
        if self.word("NOT"):
            if not self.word("EXISTS"):
                raise Unsupported("FILTER NOT without EXISTS")
            return Exists(self.group(), True)
        if self.word("EXISTS"):
            return Exists(self.group(), False)
        if self.peek() == ("op", "("):
            self.i += 1
            e = self.expr()
            self.expect(")")
            return e
        return self.primary()

    def expr(self) -> Any:
        left = self.and_expr()
        while self.op("||"):
            left = Call("||", (left, self.and_expr()))
        return left

    def and_expr(self) -> Any:
        left = self.relational()
        while self.op("&&"):
            left = Call("&&", (left, self.relational()))
        return left

    def relational(self) -> Any:
        left = self.additive()
        kind, text = self.peek()
        if kind == "op" and text in ("=", "!=", "<", ">", "<=", ">="):
            self.i += 1
            return Call(text, (left, self.additive()))
        negated = False
        if kind == "word" and text.upper() == "NOT" and self.peek(1)[1].upper() == "IN":
            self.i += 1
            negated = True
        if self.word("IN"):
            self.expect("(")
            items = []
            while not self.op(")"):
                items.append(self.expr())
                self.op(",")
            return Call("NOT IN" if negated else "IN", (left, *items))
        return left

    def additive(self) -> Any:
        left = self.unary()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.next()[1]
            left = Call(op, (left, self.unary()))
        return left

    def unary(self) -> Any:
        if self.op("!"):
            return Call("!", (self.unary(),))
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.peek()
        if self.op("("):
            e = self.expr()
            self.expect(")")
            return e
        if kind == "var":
            self.i += 1
            return Var(text[1:])
        if kind == "word" and text.upper() in ("NOT", "EXISTS"):
            return self.constraint()
        if kind == "word" and text.upper() in _FUNCTIONS:
            self.i += 1
            self.expect("(")
            args = []
            while not self.op(")"):
                args.append(self.expr())
                self.op(",")
            return Call(text.upper(), tuple(args))
        term = self.literal_or_iri()
        if term is not None:
            return Const(term)
        raise Unsupported(f"SPARQL expression at {text!r}")


@dataclass(frozen=True)
class Query:
    variables: tuple[str, ...]
    distinct: bool
    where: Group

    @property
    def binds_this_first(self) -> bool:
        """The first element of the WHERE clause is a triple pattern on ``$this``: evaluating
        it for the whole graph and keeping the solutions of each ``$this`` gives what
        pre-binding ``$this`` gives."""
        first = self.where.elements[0] if self.where.elements else None
        return isinstance(first, Pattern) and Var("this") in (first.s, first.o)

    def solutions(self, data: Data, initial: dict[str, str], now: dt.datetime,
                  plans: dict[Any, Any] | None = None) -> list[dict[str, str]]:
        """The solutions, projected (``$this`` kept), with ``initial`` pre-bound. The query
        is compiled into closures for the data graph and the pre-bound variables; ``plans``
        (one validation run's) keeps them for the next focus node."""
        key = (id(self), frozenset(initial))
        plan = plans.get(key) if plans is not None else None
        if plan is None:
            plan = _Planner(data, now).group(self.where, frozenset(initial))
            if plans is not None:
                plans[key] = plan
        rows = []
        seen = set()
        for mu in plan(dict(initial)):
            row = {v: mu[v] for v in (self.variables or tuple(mu)) if v in mu}
            if "this" in mu:
                row["this"] = mu["this"]
            if self.distinct:
                key = tuple(sorted(row.items()))
                if key in seen:
                    continue
                seen.add(key)
            rows.append(row)
        return rows


def parse_select(text: str, prefixes: dict[str, str]) -> Query:
    query = _Parser(text, prefixes).query()
    _check_scoping(query.where, set(), top=True)
    return query


def _bound_by(group: Group) -> set[str]:
    out: set[str] = set()
    for el in group.elements:
        if isinstance(el, Pattern):
            out |= {n.name for n in (el.s, el.o) if isinstance(n, Var)} | _path_vars(el.path)
        elif isinstance(el, Bind):
            out.add(el.var)
        elif isinstance(el, Optional):
            out |= _bound_by(el.group)
        elif isinstance(el, Union):
            for g in el.groups:
                out |= _bound_by(g)
    return out


def _path_vars(path: Any) -> set[str]:
    if isinstance(path, Link):
        return {path.p.name} if isinstance(path.p, Var) else set()
    if isinstance(path, Inv):
        return _path_vars(path.path)
    return set().union(*(_path_vars(p) for p in path.parts))


def _expr_vars(e: Any) -> set[str]:
    if isinstance(e, Var):
        return {e.name}
    if isinstance(e, Call):
        return set().union(set(), *(_expr_vars(a) for a in e.args))
    return set()


def _check_scoping(group: Group, outer: set[str], top: bool) -> None:
    own = _bound_by(group)
    for el in group.elements:
        if isinstance(el, Filter) and not isinstance(el.expr, Exists) and not top:
            loose = _expr_vars(el.expr) - own
            if loose & outer:
                raise Unsupported("a FILTER in a nested group reading a variable bound outside it")
        if isinstance(el, Union):
            for g in el.groups:
                _check_scoping(g, outer | own, top=False)


# -- evaluating ----------------------------------------------------------------------------


def _in_constants(group: Group) -> dict[str, set[str]]:
    """Variables a top-level FILTER restricts to constants (``?v IN (...)``, ``?v = c``)."""
    out: dict[str, set[str]] = {}

    def visit(e: Any) -> None:
        if isinstance(e, Call) and e.name == "&&":
            for a in e.args:
                visit(a)
        elif isinstance(e, Call) and e.name == "IN" and isinstance(e.args[0], Var) \
                and all(isinstance(a, Const) for a in e.args[1:]):
            out[e.args[0].name] = {a.term for a in e.args[1:]}

    for el in group.elements:
        if isinstance(el, Filter):
            visit(el.expr)
    return out


class _Evaluator:
    def __init__(self, data: Data, now: dt.datetime) -> None:
        self.data = data
        self.now = now
        self.restrictions: dict[int, dict[str, set[str]]] = {}

    def group(self, group: Group, mu: dict[str, str]) -> Iterator[dict[str, str]]:
        sols = [mu]
        filters = []
        restrict = self.restrictions.get(id(group))
        if restrict is None:
            restrict = self.restrictions[id(group)] = _in_constants(group)
        for el in group.elements:
            if isinstance(el, Pattern):
                sols = [m for s in sols for m in self.pattern(el, s, restrict)]
            elif isinstance(el, Filter):
                filters.append(el.expr)
            elif isinstance(el, Bind):
                nxt = []
                for s in sols:
                    if el.var in s:
                        raise ExprError("BIND of a bound variable")
                    try:
                        s = {**s, el.var: self.value(el.expr, s)}
                    except ExprError:
                        pass
                    nxt.append(s)
                sols = nxt
            elif isinstance(el, Optional):
                nxt = []
                for s in sols:
                    ext = list(self.group(el.group, s))
                    nxt += ext or [s]
                sols = nxt
            elif isinstance(el, Union):
                sols = [m for s in sols for g in el.groups for m in self.group(g, s)]
            if not sols:
                return
        if not filters:
            yield from sols
            return
        for s in sols:
            for f in filters:
                if not self.ebv_or_false(f, s):
                    break
            else:
                yield s

    def pattern(self, pat: Pattern, mu: dict[str, str], restrict: dict[str, set[str]]) -> Iterator[dict[str, str]]:
        s = self.resolve(pat.s, mu)
        o = self.resolve(pat.o, mu)
        path = pat.path
        if s is not None and o is not None and isinstance(path, Link):
            p = self.resolve(path.p, mu)
            if p is not None:  # everything bound: a lookup
                if self.data.has(s, p, o):
                    yield mu
                return
        if isinstance(path, Link) and isinstance(path.p, Var) and path.p.name not in mu:
            yield from self.var_predicate(pat, path.p.name, s, o, mu, restrict)
            return
        for x, y in self.pairs(path, s, o, mu):
            out = self.bind(mu, pat.s, x)
            if out is not None:
                out = self.bind(out, pat.o, y)
                if out is not None:
                    yield out

    def var_predicate(self, pat: Pattern, name: str, s: str | None, o: str | None, mu: dict[str, str],
                      restrict: dict[str, set[str]]) -> Iterator[dict[str, str]]:
        if name in restrict:
            candidates: Sequence[tuple[str, str, str]] = [
                (x, p, y) for p in sorted(restrict[name]) for x, y in self.pairs(Link(Const(p)), s, o, mu)]
        elif s is not None:
            candidates = self.data.outgoing(s)
        else:
            candidates = self.data.triples
        for x, p, y in candidates:
            if (s is not None and x != s) or (o is not None and y != o):
                continue
            out = self.bind(mu, pat.s, x)
            out = self.bind(out, Var(name), p) if out is not None else None
            out = self.bind(out, pat.o, y) if out is not None else None
            if out is not None:
                yield out

    @staticmethod
    def resolve(node: Node, mu: dict[str, str]) -> str | None:
        return node.term if isinstance(node, Const) else mu.get(node.name)

    @staticmethod
    def bind(mu: dict[str, str], node: Node, value: str) -> dict[str, str] | None:
        if isinstance(node, Const):
            return mu if node.term == value else None
        have = mu.get(node.name)
        if have is None:
            return {**mu, node.name: value}
        return mu if have == value else None

    def pairs(self, path: Any, s: str | None, o: str | None, mu: dict[str, str]) -> Iterator[tuple[str, str]]:
        data = self.data
        if isinstance(path, Link):
            p = self.resolve(path.p, mu)
            assert p is not None
            if s is not None:
                for _x, q, y in data.outgoing(s):
                    if q == p and (o is None or y == o):
                        yield s, y
            elif o is not None:
                for x in data.subjects(p, o):
                    yield x, o
            else:
                yield from data.pairs(p)
        elif isinstance(path, Inv):
            for x, y in self.pairs(path.path, o, s, mu):
                yield y, x
        elif isinstance(path, Alt):
            for part in path.parts:
                yield from self.pairs(part, s, o, mu)
        elif isinstance(path, Seq):
            first, rest = path.parts[0], path.parts[1:]
            tail = rest[0] if len(rest) == 1 else Seq(rest)
            if s is None and o is not None:
                for m, y in self.pairs(tail, None, o, mu):
                    for x, _m in self.pairs(first, None, m, mu):
                        yield x, y
            else:
                for x, m in self.pairs(first, s, None, mu):
                    for _m, y in self.pairs(tail, m, o, mu):
                        yield x, y
        else:
            raise Unsupported(f"path {path}")

    # -- expressions

    def ebv_or_false(self, e: Any, mu: dict[str, str]) -> bool:
        try:
            return self.ebv(e, mu)
        except ExprError:
            return False

    def ebv(self, e: Any, mu: dict[str, str]) -> bool:
        if isinstance(e, Exists):
            found = next(iter(self.group(e.group, mu)), None) is not None
            return not found if e.negated else found
        return _ebv(self.value(e, mu))

    def value(self, e: Any, mu: dict[str, str]) -> str:
        kind = type(e)
        if kind is Var:
            found = mu.get(e.name)
            if found is None:
                raise ExprError(f"unbound ?{e.name}")
            return found
        if kind is Const:
            return e.term
        if kind is Exists:
            return _bool(self.ebv(e, mu))
        name, args = e.name, e.args
        simple = _SIMPLE.get(name)
        if simple is not None:  # a function of its arguments' values
            return simple(*[self.value(a, mu) for a in args])
        if name == "||":
            errors = 0
            for a in args:
                try:
                    if self.ebv(a, mu):
                        return TRUE
                except ExprError:
                    errors += 1
            if errors:
                raise ExprError("||")
            return FALSE
        if name == "&&":
            errors = 0
            for a in args:
                try:
                    if not self.ebv(a, mu):
                        return FALSE
                except ExprError:
                    errors += 1
            if errors:
                raise ExprError("&&")
            return TRUE
        if name == "!":
            return _bool(not self.ebv(args[0], mu))
        if name == "BOUND":
            if not isinstance(args[0], Var):
                raise Unsupported("BOUND of an expression")
            return _bool(args[0].name in mu)
        if name == "COALESCE":
            for a in args:
                try:
                    return self.value(a, mu)
                except ExprError:
                    continue
            raise ExprError("COALESCE")
        if name == "IF":
            return self.value(args[1] if self.ebv(args[0], mu) else args[2], mu)
        if name in ("IN", "NOT IN"):
            left = self.value(args[0], mu)
            errors = 0
            for a in args[1:]:
                try:
                    if _equal(left, self.value(a, mu)):
                        return _bool(name == "IN")
                except ExprError:
                    errors += 1
            if errors:
                raise ExprError("IN")
            return _bool(name == "NOT IN")
        values = [self.value(a, mu) for a in args]
        if name == "NOW":
            return nt.typed(self.now.isoformat(), "dateTime")
        return _FUNCTIONS[name](*values)


# -- compiling to closures ------------------------------------------------------------------

Solutions = Iterator[dict[str, str]]
Step = Callable[[dict[str, str]], Solutions]
ExprFn = Callable[[dict[str, str]], str]
BoolFn = Callable[[dict[str, str]], bool]


def _extend(mu: dict[str, str], name: str, value: str) -> dict[str, str]:
    out = mu.copy()
    out[name] = value
    return out


class _Planner:
    """Compiles a group into nested closures, knowing at each step which variables are
    bound, so that each triple pattern becomes the one lookup it needs: an existence test,
    the objects of a subject, the subjects of an object, or the triples of a predicate.
    (The same semantics as ``_Evaluator``, which stays as the reference.)"""

    def __init__(self, data: Data, now: dt.datetime) -> None:
        self.data = data
        self.now = now
        self.reference = _Evaluator(data, now)

    # -- groups

    def group(self, group: Group, bound: frozenset[str]) -> Step:
        steps: list[Step] = []
        filters: list[Any] = []
        known = set(bound)
        restrict = _in_constants(group)
        for el in group.elements:
            if isinstance(el, Pattern):
                steps.append(self.pattern(el, frozenset(known), restrict))
                known |= {n.name for n in (el.s, el.o) if isinstance(n, Var)} | _path_vars(el.path)
            elif isinstance(el, Filter):
                filters.append(el.expr)
            elif isinstance(el, Bind):
                steps.append(self.bind(el, frozenset(known)))
                known.add(el.var)
            elif isinstance(el, Optional):
                inner = self.group(el.group, frozenset(known))
                steps.append(_optional(inner))
                known |= _bound_by(el.group)
            elif isinstance(el, Union):
                inners = [self.group(g, frozenset(known)) for g in el.groups]
                steps.append(_union(inners))
                known |= _bound_by(Group(tuple(el.groups)))
        tests = [self.ebv(f, frozenset(known)) for f in filters]
        return _chain(steps, tests)

    def pattern(self, pat: Pattern, bound: frozenset[str], restrict: dict[str, set[str]]) -> Step:
        s_kind = self._kind(pat.s, bound)
        o_kind = self._kind(pat.o, bound)
        path = pat.path
        if isinstance(path, Link) and (isinstance(path.p, Const) or path.p.name in bound) \
                and not (isinstance(pat.s, Var) and isinstance(pat.o, Var) and pat.s.name == pat.o.name):
            return self._link(pat, s_kind, o_kind)
        reference = self.reference

        def generic(mu: dict[str, str]) -> Solutions:
            return reference.pattern(pat, mu, restrict)
        return generic

    @staticmethod
    def _kind(node: Node, bound: frozenset[str]) -> str:
        return "const" if isinstance(node, Const) else "bound" if node.name in bound else "free"

    def _link(self, pat: Pattern, s_kind: str, o_kind: str) -> Step:
        data = self.data
        p_node = pat.path.p
        p_const = p_node.term if isinstance(p_node, Const) else None
        p_var = p_node.name if isinstance(p_node, Var) else ""

        def getter(node: Node) -> Callable[[dict[str, str]], str]:
            if isinstance(node, Const):
                term = node.term
                return lambda mu: term
            name = node.name
            return lambda mu: mu[name]

        get_s, get_o = getter(pat.s), getter(pat.o)
        s_name = pat.s.name if isinstance(pat.s, Var) else ""
        o_name = pat.o.name if isinstance(pat.o, Var) else ""
        has, objects, subjects, triples_of = data.has, data.objects, data.subjects, data.triples_of

        if s_kind != "free" and o_kind != "free":
            def check(mu: dict[str, str]) -> Solutions:
                if has(get_s(mu), p_const or mu[p_var], get_o(mu)):
                    yield mu
            return check
        if s_kind != "free":
            def forward(mu: dict[str, str]) -> Solutions:
                for o in objects(get_s(mu), p_const or mu[p_var]):
                    yield _extend(mu, o_name, o)
            return forward
        if o_kind != "free":
            def backward(mu: dict[str, str]) -> Solutions:
                for x in subjects(p_const or mu[p_var], get_o(mu)):
                    yield _extend(mu, s_name, x)
            return backward

        def scan(mu: dict[str, str]) -> Solutions:
            for t in triples_of(p_const or mu[p_var]):
                out = mu.copy()
                out[s_name] = t[0]
                out[o_name] = t[2]
                yield out
        return scan

    def bind(self, el: Bind, bound: frozenset[str]) -> Step:
        if el.var in bound:
            raise Unsupported("BIND of a bound variable")
        value = self.expr(el.expr, bound)
        name = el.var

        def step(mu: dict[str, str]) -> Solutions:
            try:
                yield _extend(mu, name, value(mu))
            except ExprError:
                yield mu
        return step

    # -- expressions

    def expr(self, e: Any, bound: frozenset[str]) -> ExprFn:
        if isinstance(e, Var):
            name = e.name

            def var(mu: dict[str, str]) -> str:
                found = mu.get(name)
                if found is None:
                    raise ExprError(f"unbound ?{name}")
                return found
            return var
        if isinstance(e, Const):
            term = e.term
            return lambda mu: term
        if isinstance(e, Exists) or (isinstance(e, Call) and e.name in _CONNECTIVES):
            strict = self.strict(e, bound)

            def logical(mu: dict[str, str]) -> str:
                value = strict(mu)
                if value is None:
                    raise ExprError("a boolean error")
                return TRUE if value else FALSE
            return logical
        name, args = e.name, e.args
        simple = _SIMPLE.get(name)
        if simple is not None:
            fns = [self.expr(a, bound) for a in args]
            if len(fns) == 1:
                f0 = fns[0]
                return lambda mu: simple(f0(mu))
            if len(fns) == 2:
                f0, f1 = fns
                return lambda mu: simple(f0(mu), f1(mu))
            return lambda mu: simple(*[f(mu) for f in fns])
        reference = self.reference
        return lambda mu: reference.value(e, mu)  # COALESCE, IF, NOW: rare

    def ebv(self, e: Any, bound: frozenset[str]) -> BoolFn:
        """The effective boolean value for a FILTER: an error is false."""
        strict = self.strict(e, bound)
        return lambda mu: strict(mu) is True

    def strict(self, e: Any, bound: frozenset[str]) -> Callable[[dict[str, str]], bool | None]:
        """True, False, or None for an error, with SPARQL's rules for ``!``, ``&&``, ``||``."""
        if isinstance(e, Exists):
            inner = self.group(e.group, bound)
            negated = e.negated
            return lambda mu: (next(inner(mu), None) is None) is negated
        if isinstance(e, Call) and e.name == "!":
            inner_strict = self.strict(e.args[0], bound)

            def negation(mu: dict[str, str]) -> bool | None:
                value = inner_strict(mu)
                return None if value is None else not value
            return negation
        if isinstance(e, Call) and e.name in ("&&", "||"):
            parts = [self.strict(a, bound) for a in e.args]
            decisive = e.name == "||"  # the value that decides it, whatever the others are

            def connective(mu: dict[str, str]) -> bool | None:
                error = False
                for part in parts:
                    value = part(mu)
                    if value is decisive:
                        return decisive
                    if value is None:
                        error = True
                return None if error else not decisive
            return connective
        if isinstance(e, Call) and e.name in ("<", ">", "<=", ">=", "=", "!="):
            f0, f1 = self.expr(e.args[0], bound), self.expr(e.args[1], bound)
            op = e.name
            if op in ("=", "!="):
                want = op == "="

                def equal(mu: dict[str, str]) -> bool | None:
                    try:
                        return _equal(f0(mu), f1(mu)) is want
                    except ExprError:
                        return None
                return equal
            compare = {"<": lambda c: c < 0, ">": lambda c: c > 0, "<=": lambda c: c <= 0,
                       ">=": lambda c: c >= 0}[op]

            def ordered(mu: dict[str, str]) -> bool | None:
                try:
                    return bool(compare(_compare(f0(mu), f1(mu))))
                except ExprError:
                    return None
            return ordered
        reference = self.reference
        if isinstance(e, Call) and e.name in ("IN", "NOT IN", "BOUND"):
            value = lambda mu: reference.value(e, mu)  # noqa: E731
        else:
            value = self.expr(e, bound)

        def effective(mu: dict[str, str]) -> bool | None:
            try:
                return _ebv(value(mu))
            except ExprError:
                return None
        return effective


def _chain(steps: list[Step], tests: list[BoolFn]) -> Step:
    def run(mu: dict[str, str]) -> Solutions:
        if not steps:
            if all(t(mu) for t in tests):
                yield mu
            return
        yield from _run(steps, 0, mu, tests)
    return run


def _run(steps: list[Step], i: int, mu: dict[str, str], tests: list[BoolFn]) -> Solutions:
    last = i == len(steps) - 1
    for out in steps[i](mu):
        if last:
            for t in tests:
                if not t(out):
                    break
            else:
                yield out
        else:
            yield from _run(steps, i + 1, out, tests)


def _optional(inner: Step) -> Step:
    def step(mu: dict[str, str]) -> Solutions:
        found = False
        for out in inner(mu):
            found = True
            yield out
        if not found:
            yield mu
    return step


def _union(inners: list[Step]) -> Step:
    def step(mu: dict[str, str]) -> Solutions:
        for inner in inners:
            yield from inner(mu)
    return step


# -- functions on terms ----------------------------------------------------------------------


def _bool(b: bool) -> str:
    return TRUE if b else FALSE


def _ebv(term: str) -> bool:
    if term is TRUE or term == TRUE:
        return True
    if term is FALSE or term == FALSE:
        return False
    if not nt.is_literal(term):
        raise ExprError("the effective boolean value of an IRI")
    lexical, lang, datatype = nt.literal_parts(term)
    if datatype == XSD + "boolean":
        return lexical in ("true", "1")
    n = numeric(term)
    if n is not None:
        return n != 0
    if datatype in (None, XSD + "string") or lang:
        return lexical != ""
    raise ExprError("no effective boolean value")


def _string(term: str) -> tuple[str, str | None]:
    """The lexical form and language of a string-like literal (ExprError otherwise)."""
    if term[-1:] == '"' and term[:1] == '"' and "\\" not in term:
        return term[1:-1], None
    if not nt.is_literal(term):
        raise ExprError("not a string")
    lexical, lang, datatype = nt.literal_parts(term)
    if datatype not in (None, XSD + "string"):
        raise ExprError("not a string")
    return lexical, lang


def _compatible(a: str, b: str) -> tuple[str, str]:
    (x, la), (y, lb) = _string(a), _string(b)
    if lb and la != lb:
        raise ExprError("incompatible language tags")
    return x, y


def _compare(a: str, b: str) -> int:
    if a[-1:] == '"' and b[-1:] == '"' and a[:1] == '"' and b[:1] == '"':  # two simple literals
        x, y = _string(a)[0], _string(b)[0]
        return (x > y) - (x < y)
    na, nb = numeric(a), numeric(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)  # type: ignore[operator]
    if nt.is_literal(a) and nt.is_literal(b):
        la, ga, da = nt.literal_parts(a)
        lb, gb, db = nt.literal_parts(b)
        if not ga and not gb and da in (None, XSD + "string") and db in (None, XSD + "string"):
            return (la > lb) - (la < lb)
        if da == db and da is not None and da.startswith(XSD) and da[len(XSD):] in (
                "date", "dateTime", "gYear", "gYearMonth", "boolean"):
            return (la > lb) - (la < lb)
    raise ExprError("values that cannot be ordered")


def _equal(a: str, b: str) -> bool:
    if a == b:
        return True
    if nt.is_literal(a) and nt.is_literal(b):
        try:
            return _compare(a, b) == 0
        except ExprError:
            la, ga, da = nt.literal_parts(a)
            lb, gb, db = nt.literal_parts(b)
            if ga or gb or da == db:
                return False
            raise
    return False


def _str(term: str) -> str:
    if term[:1] == "<":
        body = term[1:-1]
        return f'"{body}"' if '"' not in body and "\\" not in body else nt.quote(body)
    if term[:1] == '"':
        end = term.rindex('"')
        if "\\" not in term[:end]:
            return term[:end + 1]
    if nt.is_literal(term):
        return nt.quote(nt.literal_parts(term)[0])
    raise ExprError("STR of a blank node")


def _with_lang(text: str, lang: str | None) -> str:
    return nt.literal(text, lang=lang) if lang else nt.quote(text)


def _substr(s: str, start: str, length: str | None = None) -> str:
    text, lang = _string(s)
    a = numeric(start)
    if a is None:
        raise ExprError("SUBSTR start")
    begin = int(round(a)) - 1
    if length is None:
        piece = text[max(begin, 0):]
    else:
        n = numeric(length)
        if n is None:
            raise ExprError("SUBSTR length")
        end = begin + int(round(n))
        piece = text[max(begin, 0):max(end, 0)]
    return _with_lang(piece, lang)


def _regex(text: str, pattern: str, flags: str | None = None) -> str:
    value, _lang = _string(text)
    f = _string(flags)[0] if flags else ""
    rx = re.compile(_string(pattern)[0], (re.I if "i" in f else 0) | (re.S if "s" in f else 0)
                    | (re.M if "m" in f else 0))
    return _bool(rx.search(value) is not None)


def _arith(op: str) -> Any:
    def f(a: str, b: str) -> str:
        x, y = numeric(a), numeric(b)
        if x is None or y is None:
            raise ExprError("arithmetic on non-numbers")
        r = x + y if op == "+" else x - y  # type: ignore[operator]
        return nt.typed(str(r), "integer" if isinstance(r, Decimal) and r == r.to_integral_value()
                        and "." not in str(r) else "decimal")
    return f


_FUNCTIONS: dict[str, Any] = {
    "=": lambda a, b: _bool(_equal(a, b)),
    "!=": lambda a, b: _bool(not _equal(a, b)),
    "<": lambda a, b: _bool(_compare(a, b) < 0),
    ">": lambda a, b: _bool(_compare(a, b) > 0),
    "<=": lambda a, b: _bool(_compare(a, b) <= 0),
    ">=": lambda a, b: _bool(_compare(a, b) >= 0),
    "+": _arith("+"), "-": _arith("-"),
    "STR": _str,
    "LANG": lambda a: nt.quote((nt.literal_parts(a)[1] or "") if nt.is_literal(a) else _raise("LANG")),
    "DATATYPE": lambda a: (f"<{nt.literal_parts(a)[2] or (RDF_LANG if nt.literal_parts(a)[1] else XSD + 'string')}>"
                           if nt.is_literal(a) else _raise("DATATYPE")),
    "SAMETERM": lambda a, b: _bool(a == b),
    "ISIRI": lambda a: _bool(nt.is_iri(a)), "ISURI": lambda a: _bool(nt.is_iri(a)),
    "ISLITERAL": lambda a: _bool(nt.is_literal(a)), "ISBLANK": lambda a: _bool(a[:2] == "_:"),
    "ISNUMERIC": lambda a: _bool(numeric(a) is not None),
    "STRSTARTS": lambda a, b: _bool((lambda x, y: x.startswith(y))(*_compatible(a, b))),
    "STRENDS": lambda a, b: _bool((lambda x, y: x.endswith(y))(*_compatible(a, b))),
    "CONTAINS": lambda a, b: _bool((lambda x, y: y in x)(*_compatible(a, b))),
    "SUBSTR": _substr,
    "STRLEN": lambda a: nt.typed(str(len(_string(a)[0])), "integer"),
    "UCASE": lambda a: _with_lang(_string(a)[0].upper(), _string(a)[1]),
    "LCASE": lambda a: _with_lang(_string(a)[0].lower(), _string(a)[1]),
    "CONCAT": lambda *a: nt.quote("".join(_string(x)[0] for x in a)),
    "REGEX": _regex,
    "LANGMATCHES": lambda a, b: _bool((lambda t, r: t != "" and (r == "*" or t.lower() == r.lower()
                                                                  or t.lower().startswith(r.lower() + "-")))(
        _string(a)[0], _string(b)[0])),
    "BOUND": None, "COALESCE": None, "IF": None, "NOW": None,
}
RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_CONNECTIVES = ("||", "&&", "!", "IN", "NOT IN", "BOUND")
_SIMPLE = {k: f for k, f in _FUNCTIONS.items() if f is not None}


def _raise(what: str) -> str:
    raise ExprError(what)
