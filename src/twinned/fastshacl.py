"""Compiled SHACL: the shapes in shapes/ turned into Python checks over sorted
N-Triples terms, for graphs too large for pySHACL (which validates a 4,000-triple
graph in a second, a million triples in an hour).

It implements the part of SHACL the shapes use, with pySHACL's reporting:

* targets: ``sh:targetClass`` (with ``rdfs:subClassOf*`` of the data graph),
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:targetNode``;
* node and property shapes (predicate paths, inverse paths), ``sh:minCount``,
  ``sh:maxCount``, ``sh:datatype`` (ill-typed literals fail), ``sh:class``,
  ``sh:nodeKind``, ``sh:pattern``/``sh:flags``, ``sh:in``, ``sh:hasValue``,
  ``sh:languageIn``, ``sh:uniqueLang``, ``sh:min/maxInclusive``, ``sh:min/maxExclusive``,
  ``sh:min/maxLength``, ``sh:node`` (with the nested results as details, which the
  report lists too), ``sh:and``, ``sh:or``, ``sh:xone``, ``sh:not``,
  ``sh:qualifiedValueShape`` with ``sh:qualifiedMin/MaxCount``, ``sh:severity``,
  ``sh:message``, ``sh:deactivated``;
* SPARQL-based constraints (``sh:sparql`` with ``sh:select``, ``$this`` pre-bound), run
  by a small evaluator of the SPARQL they use: basic graph patterns with ``;`` and
  ``,``, property paths with ``|``, ``/`` and ``^``, ``FILTER`` (comparisons, ``&&``,
  ``||``, ``!``, ``IN``, ``[NOT] EXISTS``, string functions, ``NOW()``), ``BIND``,
  ``OPTIONAL``, ``UNION`` and groups.

Anything else raises :class:`Unsupported` when the shapes are compiled, and
``validate_fast`` hands the graph to pySHACL instead. The tests run both validators
on every shape fixture and on the seed graph and require the same results.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from . import ntriples as nt
from .validation import Report, Result

Term = str  # an N-Triples term
XSD_NS = str(XSD)
RDF_LANGSTRING = str(RDF.langString)
SUBCLASS = f"<{RDFS.subClassOf}>"


class Unsupported(Exception):
    """A shape uses a construct this compiler does not implement."""


# -- the data graph ---------------------------------------------------------------------


class Data:
    """Sorted unique triples with the lookups validation needs (made in one pass)."""

    def __init__(self, triples: Sequence[nt.Triple]) -> None:
        self.triples = triples
        ranges: dict[str, tuple[int, int]] = {}
        by_predicate: dict[str, list[nt.Triple]] = defaultdict(list)
        prev, first = None, 0
        for i, t in enumerate(triples):
            if t[0] != prev:
                if prev is not None:
                    ranges[prev] = (first, i)
                prev, first = t[0], i
            by_predicate[t[1]].append(t)
        if prev is not None:
            ranges[prev] = (first, len(triples))
        self.ranges = ranges
        self.by_predicate = dict(by_predicate)
        self._reverse: dict[str, dict[str, list[str]]] = {}
        self._pair_sets: dict[str, set[tuple[str, str]]] = {}
        self._instances: dict[str, set[str]] = {}
        self._types: dict[str, frozenset[str]] = {}
        self._superclasses: dict[str, set[str]] | None = None

    def outgoing(self, s: Term) -> Sequence[nt.Triple]:
        r = self.ranges.get(s)
        return self.triples[r[0]:r[1]] if r else ()

    def objects(self, s: Term, p: Term) -> list[Term]:
        r = self.ranges.get(s)
        if r is None:
            return []
        return [t[2] for t in self.triples[r[0]:r[1]] if t[1] == p]

    def has(self, s: Term, p: Term, o: Term) -> bool:
        pairs = self._pair_sets.get(p)
        if pairs is None:
            pairs = self._pair_sets[p] = {(t[0], t[2]) for t in self.by_predicate.get(p, ())}
        return (s, o) in pairs

    def triples_of(self, p: Term) -> list[nt.Triple]:
        """Every triple with predicate p (in subject order)."""
        return self.by_predicate.get(p, [])

    def pairs(self, p: Term) -> list[tuple[str, str]]:
        return [(t[0], t[2]) for t in self.by_predicate.get(p, ())]

    def subjects(self, p: Term, o: Term) -> list[Term]:
        index = self._reverse.get(p)
        if index is None:
            built: dict[str, list[str]] = defaultdict(list)
            for t in self.by_predicate.get(p, ()):
                built[t[2]].append(t[0])
            index = self._reverse[p] = dict(built)
        return index.get(o, [])

    def superclasses(self, cls: Term) -> set[Term]:
        if self._superclasses is None:
            direct: dict[str, set[str]] = defaultdict(set)
            for t in self.by_predicate.get(SUBCLASS, ()):
                direct[t[0]].add(t[2])
            closure: dict[str, set[str]] = {}
            for c in direct:
                seen, todo = set(), [c]
                while todo:
                    for sup in direct.get(todo.pop(), ()):
                        if sup not in seen:
                            seen.add(sup)
                            todo.append(sup)
                closure[c] = seen
            self._superclasses = closure
        return self._superclasses.get(cls, set())

    def types(self, node: Term) -> frozenset[Term]:
        found = self._types.get(node)
        if found is None:
            direct = {t[2] for t in self.outgoing(node) if t[1] == nt.RDF_TYPE}
            for c in list(direct):
                direct |= self.superclasses(c)
            found = self._types[node] = frozenset(direct)
        return found

    def instances(self, cls: Term) -> set[Term]:
        found = self._instances.get(cls)
        if found is None:
            sub = {c for c in {t[2] for t in self.triples_of(nt.RDF_TYPE)} if cls in self.superclasses(c)}
            wanted = {cls} | sub
            found = self._instances[cls] = {t[0] for t in self.triples_of(nt.RDF_TYPE) if t[2] in wanted}
        return found


# -- literals ---------------------------------------------------------------------------

_LEXICAL = {
    "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    "integer": re.compile(r"[+-]?[0-9]+"),
    "nonNegativeInteger": re.compile(r"\+?[0-9]+|-0+"),
    "positiveInteger": re.compile(r"\+?0*[1-9][0-9]*"),
    "boolean": re.compile(r"true|false|1|0"),
    "double": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "float": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "gYear": re.compile(r"-?[0-9]{4,}(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    "gYearMonth": re.compile(r"-?[0-9]{4,}-(?:0[1-9]|1[0-2])(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    "date": re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    "dateTime": re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                           r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    "hexBinary": re.compile(r"(?:[0-9a-fA-F]{2})*"),
}
_NUMERIC = {XSD_NS + n for n in ("decimal", "integer", "double", "float", "nonNegativeInteger",
                                  "positiveInteger", "int", "long", "short", "byte", "negativeInteger",
                                  "nonPositiveInteger", "unsignedInt", "unsignedLong")}


def well_formed(lexical: str, datatype: str) -> bool:
    if not datatype.startswith(XSD_NS):
        return True
    pattern = _LEXICAL.get(datatype[len(XSD_NS):])
    if pattern is None:
        return True
    m = pattern.fullmatch(lexical)
    if m is None:
        return False
    if datatype.endswith(("#date", "#dateTime")):
        try:
            dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return False
    return True


_DECIMAL_TAIL = f'"^^<{XSD_NS}decimal>'


def numeric(term: Term) -> Decimal | float | None:
    if term.endswith(_DECIMAL_TAIL) and term[:1] == '"':  # the common case, quickly
        lexical = term[1:-len(_DECIMAL_TAIL)]
        if _LEXICAL["decimal"].fullmatch(lexical):
            return Decimal(lexical)
        return None
    if not nt.is_literal(term):
        return None
    lexical, _lang, datatype = nt.literal_parts(term)
    if datatype not in _NUMERIC or not well_formed(lexical, datatype):
        return None
    try:
        return Decimal(lexical) if "INF" not in lexical and "NaN" not in lexical else float(lexical)
    except InvalidOperation:
        return None


def _lang_matches(tag: str, ranges: Sequence[str]) -> bool:
    tag = tag.lower()
    for r in ranges:
        r = r.lower()
        if r == "*" or tag == r or tag.startswith(r + "-"):
            return True
    return False


# -- results ----------------------------------------------------------------------------


@dataclass
class Violation:
    focus: Term
    path: Term | None
    component: str
    shape: Any
    value: Term | None
    message: str
    severity: str = "Violation"
    details: list[Violation] = field(default_factory=list)

    def flatten(self) -> Iterator[Violation]:
        yield self
        for d in self.details:
            yield from d.flatten()


# -- compiling the shapes ----------------------------------------------------------------

class Values:
    """The value nodes of a set of focus nodes: ``focus`` (all of them) and ``of`` (the
    values of those that have some). For a node shape (``of`` None) each focus node is its
    own value."""

    __slots__ = ("focus", "of")

    def __init__(self, focus: set[Term], of: dict[Term, list[Term]] | None) -> None:
        self.focus = focus
        self.of = of

    def items(self) -> Iterable[tuple[Term, list[Term]]]:
        """(focus node, its values) for the focus nodes with values."""
        if self.of is None:
            return [(f, [f]) for f in self.focus]
        return self.of.items()

    def count(self, f: Term) -> int:
        return 1 if self.of is None else len(self.of.get(f, ()))

    def get(self, f: Term) -> list[Term]:
        return [f] if self.of is None else self.of.get(f, [])

    def nodes(self) -> set[Term]:
        if self.of is None:
            return set(self.focus)
        return {x for xs in self.of.values() for x in xs}


Check = Callable[["Validator", Values], list[Violation]]
FEW = 8  # a shape asked about fewer than 1/FEW of a predicate's subjects looks each one up


class Shape:
    """One node or property shape, compiled. It is evaluated a set of focus nodes at a
    time: each constraint makes one pass over the value nodes of all of them."""

    def __init__(self, node: Any, path: Term | None, inverse: bool) -> None:
        self.node = node
        self.path = path
        self.inverse = inverse
        self.checks: list[Check] = []
        self.properties: list[Shape] = []
        self.message: str | None = None
        self.severity = "Violation"
        self.deactivated = False

    def values(self, v: Validator, focus: Iterable[Term]) -> Values:
        focus = focus if isinstance(focus, set) else set(focus)
        if self.path is None:
            return Values(focus, None)
        data, p = v.data, self.path
        of: dict[Term, list[Term]] = {}
        if self.inverse:
            for f in focus:
                found = data.subjects(p, f)
                if found:
                    of[f] = found
            return Values(focus, of)
        triples = data.triples_of(p)
        if len(focus) * FEW < len(triples):
            for f in focus:
                found = data.objects(f, p)
                if found:
                    of[f] = found
            return Values(focus, of)
        for t in triples:
            s = t[0]
            if s in focus:
                found = of.get(s)
                if found is None:
                    of[s] = [t[2]]
                else:
                    found.append(t[2])
        return Values(focus, of)

    def violations(self, v: Validator, focus: Iterable[Term]) -> list[Violation]:
        """The results of these focus nodes (nested results as details)."""
        if self.deactivated:
            return []
        vals = self.values(v, focus)
        out: list[Violation] = []
        for check in self.checks:
            out += check(v, vals)
        if self.properties:
            nodes = vals.nodes()
            for prop in self.properties:
                out += prop.violations(v, nodes)
        return out

    def conforming(self, v: Validator, nodes: set[Term]) -> set[Term]:
        return nodes - {x.focus for x in self.violations(v, nodes)}


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.term = nt.TermWriter()
        self.compiled: dict[Any, Shape] = {}

    def first(self, node: Any, p: URIRef) -> Any:
        return next(iter(self.g.objects(node, p)), None)

    def all(self, node: Any, p: URIRef) -> list[Any]:
        return list(self.g.objects(node, p))

    def items(self, node: Any) -> list[Any]:
        return list(Collection(self.g, node))

    def message(self, node: Any) -> str | None:
        texts = sorted(str(m) for m in self.g.objects(node, SH.message))
        return texts[0] if texts else None

    def shape(self, node: Any) -> Shape:
        if node in self.compiled:
            return self.compiled[node]
        path_node = self.first(node, SH.path)
        path, inverse = None, False
        if path_node is not None:
            if isinstance(path_node, URIRef):
                path = self.term(path_node)
            elif isinstance(path_node, BNode) and self.first(path_node, SH.inversePath) is not None:
                inner = self.first(path_node, SH.inversePath)
                if not isinstance(inner, URIRef):
                    raise Unsupported(f"path {path_node}")
                path, inverse = self.term(inner), True
            else:
                raise Unsupported(f"the path of {node}")
        shape = Shape(node, path, inverse)
        self.compiled[node] = shape
        shape.message = self.message(node)
        severity = self.first(node, SH.severity)
        if severity is not None:
            shape.severity = str(severity).rsplit("#", 1)[-1]
        shape.deactivated = str(self.first(node, SH.deactivated) or "").lower() == "true"
        self._components(node, shape)
        return shape

    def _components(self, node: Any, shape: Shape) -> None:
        known = {SH.path, SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order,
                 SH.group, SH.defaultValue, RDF.type, RDFS.label, RDFS.comment, SH.targetClass,
                 SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.declare, SH.prefixes,
                 SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, SH.flags}
        made: set[Callable[[Compiler, Any, Shape], None]] = set()
        for p in sorted(set(self.g.predicates(node)), key=str):
            if p in known:
                continue
            maker = _COMPONENTS.get(p)
            if maker is None:
                if str(p).startswith(str(SH)):
                    raise Unsupported(f"{p} in {node}")
                continue
            if maker not in made:  # one maker makes minCount and maxCount, and so on
                made.add(maker)
                maker(self, node, shape)


def _result(shape: Shape, focus: Term, component: str, value: Term | None, default: str,
            path: Term | None = None) -> Violation:
    return Violation(focus, path if path is not None else shape.path, component, shape.node, value,
                     shape.message or default, shape.severity)


def _count(c: Compiler, node: Any, shape: Shape) -> None:
    for p, name, test in ((SH.minCount, "MinCount", lambda n, m: n >= m),
                          (SH.maxCount, "MaxCount", lambda n, m: n <= m)):
        limit = c.first(node, p)
        if limit is None:
            continue
        m = int(limit)
        word = "Less" if name == "MinCount" else "More"

        def check(v: Validator, vals: Values, m: int = m, test: Any = test, name: str = name,
                  word: str = word) -> list[Violation]:
            path = nt.value(shape.path or "")
            if name == "MinCount" and m > 0 and vals.of is not None:
                of = vals.of
                bad = [f for f in vals.focus if f not in of or len(of[f]) < m]
            else:
                bad = [f for f in vals.focus if not test(vals.count(f), m)]
            return [_result(shape, f, f"{name}ConstraintComponent", None,
                            f"{word} than {m} values on {nt.value(f)}->{path}") for f in bad]
        shape.checks.append(check)


def _value_check(component: str, default: str, ok: Callable[[Validator, Term], bool]) -> Callable[[Compiler, Any, Shape], None]:
    def make(c: Compiler, node: Any, shape: Shape) -> None:
        def check(v: Validator, vals: Values) -> list[Violation]:
            if vals.of is None:
                return [_result(shape, f, component, f, default) for f in vals.focus if not ok(v, f)]
            return [_result(shape, f, component, x, default) for f, values in vals.of.items()
                    for x in values if not ok(v, x)]
        shape.checks.append(check)
    return make


def _datatype(c: Compiler, node: Any, shape: Shape) -> None:
    rule = str(c.first(node, SH.datatype))

    def ok(v: Validator, x: Term) -> bool:
        if not nt.is_literal(x):
            return False
        lexical, lang, datatype = nt.literal_parts(x)
        if rule == RDF_LANGSTRING:
            return bool(lang)
        if rule == XSD_NS + "string":
            return not lang and datatype in (None, XSD_NS + "string")
        if rule == str(RDFS.Literal):
            return True
        return datatype == rule and well_formed(lexical, rule)
    _value_check("DatatypeConstraintComponent", f"Value is not Literal with datatype {rule}", ok)(c, node, shape)


def _class(c: Compiler, node: Any, shape: Shape) -> None:
    for cls in c.all(node, SH["class"]):
        term = c.term(cls)
        def check(v: Validator, vals: Values, term: str = term, cls: Any = cls) -> list[Violation]:
            members = v.data.instances(term)
            return [_result(shape, f, "ClassConstraintComponent", x, f"Value does not have class {cls}")
                    for f, values in vals.items() for x in values if x not in members]
        shape.checks.append(check)


_KINDS = {
    "IRI": lambda x: x[:1] == "<", "Literal": lambda x: x[:1] == '"', "BlankNode": lambda x: x[:2] == "_:",
    "BlankNodeOrIRI": lambda x: x[:1] != '"', "BlankNodeOrLiteral": lambda x: x[:1] != "<",
    "IRIOrLiteral": lambda x: x[:2] != "_:",
}


def _node_kind(c: Compiler, node: Any, shape: Shape) -> None:
    kind = str(c.first(node, SH.nodeKind)).rsplit("#", 1)[-1]
    test = _KINDS[kind]
    _value_check("NodeKindConstraintComponent", f"Value is not of Node Kind sh:{kind}",
                 lambda v, x: test(x))(c, node, shape)


def _pattern(c: Compiler, node: Any, shape: Shape) -> None:
    pattern = str(c.first(node, SH.pattern))
    flags = str(c.first(node, SH.flags) or "")
    regex = re.compile(pattern, (re.I if "i" in flags else 0) | (re.S if "s" in flags else 0)
                       | (re.M if "m" in flags else 0) | (re.X if "x" in flags else 0))
    _value_check("PatternConstraintComponent", f"Value does not match pattern '{pattern}'",
                 lambda v, x: x[:2] != "_:" and regex.search(nt.value(x)) is not None)(c, node, shape)


def _length(c: Compiler, node: Any, shape: Shape) -> None:
    for p, name, test in ((SH.minLength, "MinLength", lambda n, m: n >= m),
                          (SH.maxLength, "MaxLength", lambda n, m: n <= m)):
        limit = c.first(node, p)
        if limit is not None:
            m = int(limit)
            _value_check(f"{name}ConstraintComponent", f"String length not {name} {m}",
                         lambda v, x, m=m, test=test: x[:2] != "_:" and test(len(nt.value(x)), m))(c, node, shape)


def _range(c: Compiler, node: Any, shape: Shape) -> None:
    for p, name, test in ((SH.minInclusive, "MinInclusive", lambda a, b: a >= b),
                          (SH.maxInclusive, "MaxInclusive", lambda a, b: a <= b),
                          (SH.minExclusive, "MinExclusive", lambda a, b: a > b),
                          (SH.maxExclusive, "MaxExclusive", lambda a, b: a < b)):
        limit = c.first(node, p)
        if limit is None:
            continue
        bound = numeric(c.term(limit))
        if bound is None:
            raise Unsupported(f"a non-numeric {p}")

        def ok(v: Validator, x: Term, bound: Any = bound, test: Any = test) -> bool:
            n = numeric(x)
            try:
                return n is not None and bool(test(n, bound))
            except TypeError:
                return bool(test(float(n), float(bound))) if n is not None else False
        _value_check(f"{name}ConstraintComponent", f"Value is not within {name} {limit}", ok)(c, node, shape)


def _in(c: Compiler, node: Any, shape: Shape) -> None:
    allowed = {c.term(x) for x in c.items(c.first(node, SH["in"]))}
    _value_check("InConstraintComponent", "Value is not in the allowed list",
                 lambda v, x: x in allowed)(c, node, shape)


def _language_in(c: Compiler, node: Any, shape: Shape) -> None:
    ranges = [str(x) for x in c.items(c.first(node, SH.languageIn))]
    _value_check("LanguageInConstraintComponent", f"String language is not in {ranges}",
                 lambda v, x: nt.is_literal(x) and _lang_matches(nt.literal_parts(x)[1] or "", ranges)
                 and bool(nt.literal_parts(x)[1]))(c, node, shape)


def _has_value(c: Compiler, node: Any, shape: Shape) -> None:
    for value in c.all(node, SH.hasValue):
        term = c.term(value)

        def check(v: Validator, vals: Values, term: str = term) -> list[Violation]:
            return [_result(shape, f, "HasValueConstraintComponent", None, f"Node does not have value {term}")
                    for f in vals.focus if term not in vals.get(f)]
        shape.checks.append(check)


def _unique_lang(c: Compiler, node: Any, shape: Shape) -> None:
    if str(c.first(node, SH.uniqueLang)).lower() != "true":
        return

    def check(v: Validator, vals: Values) -> list[Violation]:
        out = []
        for f, values in vals.items():
            if len(values) < 2:
                continue
            seen: dict[str, int] = defaultdict(int)
            for x in values:
                if nt.is_literal(x):
                    lang = nt.literal_parts(x)[1]
                    if lang:
                        seen[lang.lower()] += 1
            out += [_result(shape, f, "UniqueLangConstraintComponent", None,
                            f"More than one String shares language '{lang}'")
                    for lang, n in sorted(seen.items()) if n > 1]
        return out
    shape.checks.append(check)


def _node(c: Compiler, node: Any, shape: Shape) -> None:
    for target in c.all(node, SH.node):
        inner = c.shape(target)

        def check(v: Validator, vals: Values, inner: Shape = inner, target: Any = target) -> list[Violation]:
            nested: dict[Term, list[Violation]] = defaultdict(list)
            for n in inner.violations(v, vals.nodes()):
                nested[n.focus].append(n)
            if not nested:
                return []
            out = []
            for f, values in vals.items():
                for x in values:
                    if x in nested:
                        r = _result(shape, f, "NodeConstraintComponent", x,
                                    f"Value does not conform to Shape {target}. See details for more information.")
                        r.details = nested[x]
                        out.append(r)
            return out
        shape.checks.append(check)


def _logical(name: str, p: URIRef, ok: Callable[[int, int], bool]) -> Callable[[Compiler, Any, Shape], None]:
    def make(c: Compiler, node: Any, shape: Shape) -> None:
        for lst in c.all(node, p):
            members = [c.shape(m) for m in c.items(lst)]

            def check(v: Validator, vals: Values, members: list[Shape] = members) -> list[Violation]:
                values = vals.nodes()
                passed: dict[Term, int] = defaultdict(int)
                for m in members:
                    for x in m.conforming(v, values):
                        passed[x] += 1
                return [_result(shape, f, f"{name}ConstraintComponent", x,
                                f"Node {nt.value(x)} does not conform to the sh:{name.lower()} shapes")
                        for f, xs in vals.items() for x in xs if not ok(passed[x], len(members))]
            shape.checks.append(check)
    return make


def _not(c: Compiler, node: Any, shape: Shape) -> None:
    for target in c.all(node, SH["not"]):
        inner = c.shape(target)
        def check(v: Validator, vals: Values, inner: Shape = inner, target: Any = target) -> list[Violation]:
            good = inner.conforming(v, vals.nodes())
            return [_result(shape, f, "NotConstraintComponent", x, f"Node conforms to shape {target}")
                    for f, xs in vals.items() for x in xs if x in good]
        shape.checks.append(check)


def _qualified(c: Compiler, node: Any, shape: Shape) -> None:
    if str(c.first(node, SH.qualifiedValueShapesDisjoint) or "").lower() == "true":
        raise Unsupported("sh:qualifiedValueShapesDisjoint")
    inner = c.shape(c.first(node, SH.qualifiedValueShape))
    low, high = c.first(node, SH.qualifiedMinCount), c.first(node, SH.qualifiedMaxCount)

    def check(v: Validator, vals: Values) -> list[Violation]:
        good = inner.conforming(v, vals.nodes())
        out = []
        for f in vals.focus:
            n = sum(1 for x in vals.get(f) if x in good)
            if low is not None and n < int(low):
                out.append(_result(shape, f, "QualifiedMinCountConstraintComponent", None,
                                   f"Focus node does not conform to shape; less than {low} conforming values"))
            if high is not None and n > int(high):
                out.append(_result(shape, f, "QualifiedMaxCountConstraintComponent", None,
                                   f"Focus node does not conform to shape; more than {high} conforming values"))
        return out
    shape.checks.append(check)


def _property(c: Compiler, node: Any, shape: Shape) -> None:
    for prop in c.all(node, SH.property):
        shape.properties.append(c.shape(prop))


def _sparql(c: Compiler, node: Any, shape: Shape) -> None:
    from .minisparql import parse_select

    if shape.path is not None:
        raise Unsupported("SPARQL constraints on property shapes ($PATH)")
    for constraint in c.all(node, SH.sparql):
        if str(c.first(constraint, SH.deactivated) or "").lower() == "true":
            continue
        text = c.first(constraint, SH.select)
        if text is None:
            raise Unsupported("a SPARQL constraint without sh:select")
        prefixes: dict[str, str] = {}
        for source in c.all(constraint, SH.prefixes):
            for decl in c.g.objects(source, SH.declare):
                prefixes[str(c.first(decl, SH.prefix))] = str(c.first(decl, SH.namespace))
        query = parse_select(str(text), prefixes)
        message = c.message(constraint) or shape.message

        def check(v: Validator, vals: Values, query: Any = query, message: str | None = message,
                  constraint: Any = constraint) -> list[Violation]:
            out = []
            for focus, row in v.sparql_rows(query, vals.focus):
                text = _fill(message, row) if message else f"Validation of focus node {nt.value(focus)} failed"
                out.append(Violation(focus, row.get("path") or shape.path, "SPARQLConstraintComponent",
                                     constraint, row.get("value"), text, shape.severity))
            return out
        shape.checks.append(check)


def _fill(message: str, row: dict[str, Term]) -> str:
    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}",
                  lambda m: nt.value(row[m.group(1)]) if m.group(1) in row else m.group(0), message)


_COMPONENTS: dict[URIRef, Callable[[Compiler, Any, Shape], None]] = {
    SH.minCount: _count, SH.maxCount: _count, SH.datatype: _datatype, SH["class"]: _class,
    SH.nodeKind: _node_kind, SH.pattern: _pattern, SH.minLength: _length, SH.maxLength: _length,
    SH.minInclusive: _range, SH.maxInclusive: _range, SH.minExclusive: _range, SH.maxExclusive: _range,
    SH["in"]: _in, SH.languageIn: _language_in, SH.hasValue: _has_value, SH.uniqueLang: _unique_lang,
    SH.node: _node, SH["and"]: _logical("And", SH["and"], lambda n, total: n == total),
    SH["or"]: _logical("Or", SH["or"], lambda n, total: n >= 1),
    SH.xone: _logical("Xone", SH.xone, lambda n, total: n == 1), SH["not"]: _not,
    SH.qualifiedValueShape: _qualified, SH.property: _property, SH.sparql: _sparql,
}


# -- validating ---------------------------------------------------------------------------


@dataclass
class Target:
    kind: str  # class, subjectsOf, objectsOf, node
    term: Term


class Validator:
    def __init__(self, shapes: Graph) -> None:
        c = Compiler(shapes)
        self.targets: list[tuple[Shape, list[Target]]] = []
        kinds = ((SH.targetClass, "class"), (SH.targetSubjectsOf, "subjectsOf"),
                 (SH.targetObjectsOf, "objectsOf"), (SH.targetNode, "node"))
        nodes = set()
        for p, _kind in kinds:
            nodes |= set(shapes.subjects(p, None))
        for node in shapes.subjects(RDF.type, RDFS.Class):
            if (node, RDF.type, SH.NodeShape) in shapes:
                raise Unsupported("implicit class targets")
        for node in sorted(nodes, key=str):
            targets = [Target(kind, c.term(t)) for p, kind in kinds for t in shapes.objects(node, p)]
            self.targets.append((c.shape(node), targets))
        self.data: Data
        self.now = dt.datetime.now(dt.timezone.utc)
        self._whole: dict[int, dict[Term, list[dict[str, Term]]]] = {}
        self.plans: dict[Any, Any] = {}

    def focus_nodes(self, targets: list[Target]) -> set[Term]:
        out: set[Term] = set()
        for t in targets:
            if t.kind == "class":
                out |= self.data.instances(t.term)
            elif t.kind == "subjectsOf":
                out |= {x[0] for x in self.data.triples_of(t.term)}
            elif t.kind == "objectsOf":
                out |= {x[2] for x in self.data.triples_of(t.term)}
            else:
                out.add(t.term)
        return out

    def sparql_rows(self, query: Any, focus: set[Term]) -> Iterator[tuple[Term, dict[str, Term]]]:
        """The solutions of a SPARQL constraint for these focus nodes ($this pre-bound).
        When the query's first pattern binds $this, it is evaluated once for the whole
        graph and its solutions grouped by $this (the same solutions)."""
        if query.binds_this_first and len(focus) > 50:
            by_this = self._whole.get(id(query))
            if by_this is None:
                grouped: dict[Term, list[dict[str, Term]]] = defaultdict(list)
                for row in query.solutions(self.data, {}, self.now, self.plans):
                    grouped[row["this"]].append(row)
                by_this = self._whole[id(query)] = dict(grouped)
            for f in sorted(focus & by_this.keys()):
                for row in by_this[f]:
                    yield f, row
            return
        for f in sorted(focus):
            for row in query.solutions(self.data, {"this": f}, self.now, self.plans):
                yield f, row

    def run(self, data: Data, only: Iterable[Term] | None = None) -> list[Violation]:
        self.data = data
        self._whole = {}
        self.plans: dict[Any, Any] = {}
        wanted = set(only) if only is not None else None
        out: list[Violation] = []
        for shape, targets in self.targets:
            focus = self.focus_nodes(targets)
            if wanted is not None:
                focus &= wanted
            out += shape.violations(self, focus)
        return out


def _report_graph(violations: list[Violation]) -> Graph:
    g = Graph()
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not violations)))

    def node_of(term: Term | None) -> Any:
        if term is None:
            return None
        if nt.is_iri(term):
            return URIRef(nt.iri_value(term))
        if nt.is_literal(term):
            lexical, lang, datatype = nt.literal_parts(term)
            return Literal(lexical, lang=lang, datatype=URIRef(datatype) if datatype else None)
        return BNode(term[2:])

    def add(v: Violation) -> BNode:
        r = BNode()
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((r, SH.focusNode, node_of(v.focus)))
        if v.path:
            g.add((r, SH.resultPath, node_of(v.path)))
        if v.value is not None:
            g.add((r, SH.value, node_of(v.value)))
        g.add((r, SH.resultSeverity, SH[v.severity]))
        g.add((r, SH.sourceConstraintComponent, SH[v.component]))
        if isinstance(v.shape, URIRef | BNode):
            g.add((r, SH.sourceShape, v.shape))
        g.add((r, SH.resultMessage, Literal(v.message)))
        for d in v.details:
            g.add((r, SH.detail, add(d)))
        return r

    for v in violations:
        g.add((report, SH.result, add(v)))
    return g


def summarize(violations: list[Violation]) -> tuple[Result, ...]:
    out = {Result(nt.value(x.focus), nt.value(x.path) if x.path else "", x.severity, x.component, x.message)
           for v in violations for x in v.flatten()}
    return tuple(sorted(out))


def compile_shapes(shapes: Graph) -> Validator:
    return Validator(shapes)


def validate_fast(triples: Sequence[nt.Triple], shapes: Graph) -> Report:
    """Validate sorted unique triples; pySHACL takes over when a shape is unsupported."""
    try:
        validator = compile_shapes(shapes)
    except Unsupported:
        from .validation import validate_graph

        graph = Graph()
        graph.parse(data=nt.nt_bytes(triples), format="nt")
        return validate_graph(graph, shapes)
    violations = validator.run(Data(triples))
    conforms = not any(v.severity == "Violation" for v in violations)
    return Report(conforms, summarize(violations), _report_graph(violations))
