"""Dump writers for large graphs, over sorted N-Triples terms (see ``ntriples``).

They write the same bytes as the small-graph writers, only faster and in pieces:

* ``turtle_chunks``: Turtle exactly as pyoxigraph's serialiser writes it with the
  project's prefixes (prefixed names where the local part allows, ``a`` for
  ``rdf:type``, inline numbers and booleans, ``;`` and ``,`` for repeated subjects and
  predicates). A term this module is not sure about is written by pyoxigraph itself.
* ``jsonld_chunks``: the compact JSON-LD of ``jsonld.to_jsonld``, formatted as
  ``json.dumps(..., indent=1, ensure_ascii=False)`` formats it.

Both take the triples in N-Triples order and yield text a few thousand subjects at a
time, so the caller can compress and write while the next piece is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from . import jsonld
from .ntriples import XSD, Triple, literal_parts
from .vocab import PREFIXES

RDF_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = XSD + "string"
CHUNK_SUBJECTS = 2000
_SIMPLE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_./-]*[A-Za-z0-9_/-])?")
_INLINE = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)"),
    XSD + "boolean": re.compile(r"true|false"),
}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_TURTLE_ESCAPES = {"\t": "\\t", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}


# -- Turtle ---------------------------------------------------------------------------


class TurtleWriter:
    """Terms in Turtle with a fixed prefix table, as pyoxigraph writes them."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self.by_length = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self.iris: dict[str, str] = {}

    @property
    def header(self) -> str:
        probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
        text = (ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=self.prefixes) or b"").decode()
        return "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))

    def iri(self, value: str) -> str:
        found = self.iris.get(value)
        if found is None:
            found = self.iris[value] = self._iri(value)
        return found

    def _iri(self, value: str) -> str:
        for prefix, ns in self.by_length:
            if value.startswith(ns):
                local = value[len(ns):]
                if local == "":
                    return f"{prefix}:"
                if _SIMPLE_LOCAL.fullmatch(local):
                    return f"{prefix}:{local.replace('/', chr(92) + '/')}"
                return _by_oxigraph(ox.NamedNode(value), self.prefixes)
        return f"<{value}>"

    def term(self, term: str) -> str:
        if term[0] == "<":
            return self.iri(term[1:-1])
        if term[0] == '"':
            return self.literal(term)
        return term  # a blank node label

    def literal(self, term: str) -> str:
        end = term.rindex('"')
        body, rest = term[1:end], term[end + 1:]
        if _CONTROLS.search(body):
            body = _CONTROLS.sub(_escape_control, body)
        if not rest:
            return f'"{body}"'
        if rest[0] == "@":
            return f'"{body}"{rest.lower()}'
        datatype = rest[3:-1]
        if datatype == XSD_STRING:
            return f'"{body}"'
        inline = _INLINE.get(datatype)
        if inline is not None and "\\" not in body and inline.fullmatch(body):
            return body
        return f'"{body}"^^{self.iri(datatype)}'


def _escape_control(m: re.Match[str]) -> str:
    ch = m.group()
    return _TURTLE_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _by_oxigraph(term: ox.NamedNode, prefixes: Mapping[str, str]) -> str:
    """The term as pyoxigraph writes it in object position (for the unusual ones)."""
    probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), term)
    text = (ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=dict(prefixes)) or b"").decode()
    last = text.rstrip("\n").splitlines()[-1]
    return last[len("<urn:x:s> <urn:x:p> "):-len(" .")]


def turtle_chunks(triples: Sequence[Triple], prefixes: Mapping[str, str] = PREFIXES) -> Iterator[str]:
    """The Turtle document of sorted triples, in pieces."""
    w = TurtleWriter(prefixes)
    if not triples:
        return
    yield w.header
    out: list[str] = []
    term, iri = w.term, w.iri
    prev_s = prev_p = None
    subjects = 0
    for s, p, o in triples:
        if s == prev_s:
            if p == prev_p:
                out.append(f" , {term(o)}")
            else:
                out.append(f" ;\n\t{_predicate(iri, p)} {term(o)}")
        else:
            if prev_s is not None:
                out.append(" .\n")
                subjects += 1
                if subjects >= CHUNK_SUBJECTS:
                    yield "".join(out)
                    out.clear()
                    subjects = 0
            out.append(f"{term(s)} {_predicate(iri, p)} {term(o)}")
        prev_s, prev_p = s, p
    out.append(" .\n")
    yield "".join(out)


def _predicate(iri: Any, p: str) -> str:
    value = p[1:-1]
    return "a" if value == RDF_TYPE_IRI else iri(value)


# -- JSON-LD --------------------------------------------------------------------------


def _sort_key(term: str) -> tuple[str, str]:
    """jsonld's value order, ``(o.n3(), str(o))``, for an N-Triples term."""
    if term[0] == "<":
        return term, term[1:-1]
    text = literal_parts(term)[0]
    return _rdflib_n3(term, text), text


def _rdflib_n3(term: str, text: str) -> str:
    """rdflib's ``Literal.n3()``: the N-Triples form, except that a text with a line
    break is triple-quoted."""
    if "\n" not in text:
        return term
    encoded = text.replace("\\", "\\\\")
    if '"""' in text:
        encoded = encoded.replace('"""', '\\"\\"\\"')
    if encoded[-1] == '"' and encoded[-2] != "\\":
        encoded = encoded[:-1] + "\\" + '"'
    end = term.rindex('"')
    return '"""%s"""' % encoded.replace("\r", "\\r") + term[end + 1:]


def _node(c: _Compactor, s: str, props: dict[str, list[str]]) -> str:
    """jsonld._node for N-Triples terms (the same rules), written straight to the text
    ``json.dumps(..., indent=1)`` makes of it in the ``@graph`` list. Entries that recur
    (the same types, the same country, the same source) are made once and remembered."""
    entries = [f'   "@id": {_encode(c.relative(s))}']
    order = c.orders.get(tuple(props))
    if order is None:
        terms = c.terms
        order = c.orders[tuple(props)] = sorted(
            (p for p in props if p != RDF_TYPE_IRI), key=lambda iri: terms.get(iri, (c.absolute(iri), None))[0])
    types = props.get(RDF_TYPE_IRI)
    if types:
        entries.append(c.entry(RDF_TYPE_IRI, tuple(types)))
    for p in order:
        values = props[p]
        entries.append(c.entry(p, tuple(values)) if len(values) == 1 and values[0][0] == "<"
                       or p in c.shared else _entry(c, p, values))
    return "{\n" + ",\n".join(entries) + "\n  }"


def _entry(c: _Compactor, p: str, values: list[str]) -> str:
    """One property of a node as its ``"term": value`` line(s)."""
    if p == RDF_TYPE_IRI:
        names = sorted(c.absolute(o[1:-1]) for o in values)
        return '   "@type": ' + (_encode(names[0]) if len(names) == 1 else _list(names, "   "))
    if len(values) > 1:
        values = sorted(values, key=_sort_key)
    term, kind = c.terms.get(p, (c.absolute(p), None))
    if kind == "@id" and all(v[0] == "<" for v in values):
        out: list[Any] = [c.relative(v[1:-1]) for v in values]
    elif kind == "@language" and all(v[0] == '"' and literal_parts(v)[1] for v in values):
        lang_map: dict[str, list[str]] = {}
        for v in values:
            text, lang, _dt = literal_parts(v)
            lang_map.setdefault(lang or "", []).append(text)
        mapped = {k: v[0] if len(v) == 1 else v for k, v in sorted(lang_map.items())}
        return f"   {_encode(term)}: {_dict(mapped, '   ')}"
    else:
        if kind is not None:
            term = c.absolute(p)
        out = [_plain_value(c, v) for v in values]
    value = out[0] if len(out) == 1 else out
    return f"   {_encode(term)}: {_json(value, '   ')}"


def _dict(d: dict[str, Any], indent: str) -> str:
    inner = indent + " "
    return "{\n" + ",\n".join(f"{inner}{_encode(k)}: {_encode(v) if type(v) is str else _json(v, inner)}"
                              for k, v in d.items()) + "\n" + indent + "}"


def _list(items: list[Any], indent: str) -> str:
    inner = indent + " "
    return "[\n" + ",\n".join(inner + (_encode(x) if type(x) is str else _json(x, inner)) for x in items) \
        + "\n" + indent + "]"


def _plain_value(c: _Compactor, v: str) -> Any:
    if v[0] == "<":
        return {"@id": c.relative(v[1:-1])}
    text, lang, datatype = literal_parts(v)
    if lang:
        return {"@value": text, "@language": lang}
    if datatype is None or datatype == XSD_STRING:
        return text
    return {"@value": text, "@type": c.absolute(datatype)}


_encode = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _json(value: Any, indent: str) -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False)`` at a depth, for the shapes a
    node has (strings, lists and objects of them)."""
    if type(value) is str:
        return _encode(value)
    if isinstance(value, list):
        return _list(value, indent) if value else "[]"
    return _dict(value, indent) if value else "{}"


def _subjects_by_iri(triples: Sequence[Triple]) -> list[tuple[int, int]]:
    """Each subject's slice of the triples, ordered by its IRI (``<a/b>`` sorts after
    ``<a/b/c>`` as a term but before it as an IRI)."""
    ranges = []
    i, n = 0, len(triples)
    while i < n:
        s, j = triples[i][0], i + 1
        while j < n and triples[j][0] == s:
            j += 1
        ranges.append((i, j))
        i = j
    ranges.sort(key=lambda r: triples[r[0]][0][1:-1])
    return ranges


class _Compactor(jsonld._Compactor):
    """jsonld's compactor, remembering its answers."""

    def __init__(self, base: str | None) -> None:
        super().__init__(base)
        self.terms = jsonld._BY_IRI
        self._relative: dict[str, str] = {}
        self._absolute: dict[str, str] = {}
        self.orders: dict[tuple[str, ...], list[str]] = {}
        self.entries: dict[tuple[str, tuple[str, ...]], str] = {}
        self.shared = {RDF_TYPE_IRI}  # properties whose values repeat from node to node

    def entry(self, p: str, values: tuple[str, ...]) -> str:
        key = (p, values)
        found = self.entries.get(key)
        if found is None:
            found = _entry(self, p, list(values))
            if len(self.entries) < 200_000:
                self.entries[key] = found
        return found

    def relative(self, iri: str) -> str:
        found = self._relative.get(iri)
        if found is None:
            base = self.base
            if base and iri.startswith(base) and len(iri) > len(base) \
                    and ":" not in iri[len(base):].split("/", 1)[0]:
                found = iri[len(base):]  # what iri() answers for the data's own URIs, sooner
            else:
                found = self.iri(iri, True)
            self._relative[iri] = found
        return found

    def absolute(self, iri: str) -> str:
        found = self._absolute.get(iri)
        if found is None:
            found = self._absolute[iri] = self.iri(iri, False)
        return found


def jsonld_chunks(triples: Sequence[Triple], base: str | None) -> Iterator[str]:
    """The JSON-LD document of sorted triples (IRIs and literals only), in pieces."""
    c = _Compactor(base)
    context = json.dumps(jsonld.context(base), ensure_ascii=False, indent=1)
    context = context.replace("\n", "\n ")
    yield '{\n "@context": ' + context + ',\n "@graph": ['
    first = True
    out: list[str] = []
    for start, end in _subjects_by_iri(triples):
        props: dict[str, list[str]] = {}
        for _s, p, o in triples[start:end]:
            props.setdefault(p[1:-1], []).append(o)
        text = _node(c, triples[start][0][1:-1], props)
        out.append(("\n  " if first else ",\n  ") + text)
        first = False
        if len(out) >= CHUNK_SUBJECTS:
            yield "".join(out)
            out.clear()
    out.append("\n ]\n}\n" if not first else "]\n}\n")
    yield "".join(out)
