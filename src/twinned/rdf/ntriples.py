"""N-Triples terms as text: how the mapper and the world importer emit triples (each
input's N-Triples, which the build loads into the release's stores: incremental.py).

A triple is a tuple of three N-Triples terms written exactly as rdflib's N-Triples
serialiser writes them (``<iri>``, ``"text"@lang``, ``"lexical"^^<datatype>``,
``"text"``), so a triple made here and one made through rdflib give the same line.
"""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

Triple = tuple[str, str, str]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def iri(value: str) -> str:
    return f"<{value}>"


def quote(text: str) -> str:
    """The quoted lexical form, escaped as rdflib's N-Triples writer escapes it."""
    return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    if lang:
        return f"{quote(text)}@{lang}"
    if datatype:
        return f"{quote(text)}^^<{datatype}>"
    return quote(text)


def typed(text: str, xsd_name: str) -> str:
    return f"{quote(text)}^^<{XSD}{xsd_name}>"


# -- rdflib terms ---------------------------------------------------------------------


class TermWriter:
    """rdflib terms to N-Triples text, as rdflib's own writer would write them
    (IRIs are remembered: the same ones come back again and again)."""

    def __init__(self) -> None:
        self._iris: dict[URIRef, str] = {}

    def __call__(self, term: object) -> str:
        if isinstance(term, URIRef):
            found = self._iris.get(term)
            if found is None:
                found = self._iris[term] = term.n3()  # n3() refuses an invalid IRI
            return found
        if isinstance(term, Literal):
            if term.language:
                return f"{quote(term)}@{term.language}"
            if term.datatype:
                return f"{quote(term)}^^<{term.datatype}>"
            return quote(term)
        if isinstance(term, BNode):
            return term.n3()
        raise TypeError(f"not an RDF term: {term!r}")


class TripleSink:
    """Collects the triples a mapper adds (it quacks like an rdflib Graph for ``add``)."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self._term = TermWriter()

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        term = self._term
        self.triples.append((term(triple[0]), term(triple[1]), term(triple[2])))


def unquote(body: str) -> str:
    """The text of a quoted lexical form's inside (N-Triples escapes undone)."""
    if "\\" not in body:
        return body
    out = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                out.append(chr(int(body[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def literal_parts(term: str) -> tuple[str, str | None, str | None]:
    """(lexical form, language, datatype IRI) of a literal term."""
    end = term.rindex('"')
    lexical = unquote(term[1:end])
    rest = term[end + 1:]
    if rest.startswith("@"):
        return lexical, rest[1:], None
    if rest.startswith("^^<"):
        return lexical, None, rest[3:-1]
    return lexical, None, None


def value(term: str) -> str:
    """The string value of a term: an IRI, or a literal's lexical form."""
    if term[:1] == "<":
        return term[1:-1]
    if term[:1] == '"':
        return literal_parts(term)[0]
    return term
