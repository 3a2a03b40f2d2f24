"""A compact, deterministic JSON-LD writer for graphs without blank nodes.

rdflib's JSON-LD serialiser is slow and its output hard to read; this one groups
triples by subject, uses the published ``@context`` (terms for the common
properties, prefixes for the rest, ``@base`` for the data URIs) and sorts
everything, so the same graph always gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from .vocab import PREFIXES

# term -> (property IRI, "@id" for IRI values, or "@language" for language maps)
TERMS: dict[str, tuple[str, str | None]] = {
    "label": (PREFIXES["rdfs"] + "label", "@language"),
    "altLabel": (PREFIXES["skos"] + "altLabel", None),
    "prefLabel": (PREFIXES["skos"] + "prefLabel", "@language"),
    "sameAs": (PREFIXES["owl"] + "sameAs", "@id"),
    "country": (PREFIXES["tw"] + "country", "@id"),
    "twinnedWith": (PREFIXES["tw"] + "twinnedWith", "@id"),
    "party": (PREFIXES["tw"] + "party", "@id"),
    "recordedBy": (PREFIXES["tw"] + "recordedBy", "@id"),
    "document": (PREFIXES["tw"] + "document", "@id"),
    "partnership": (PREFIXES["tw"] + "partnership", "@id"),
    "documentType": (PREFIXES["tw"] + "documentType", "@id"),
    "signing": (PREFIXES["tw"] + "signing", "@id"),
    "place": (PREFIXES["tw"] + "place", "@id"),
    "renews": (PREFIXES["tw"] + "renews", "@id"),
    "follows": (PREFIXES["tw"] + "follows", "@id"),
    "cooperationArea": (PREFIXES["tw"] + "cooperationArea", "@id"),
    "candidate": (PREFIXES["tw"] + "candidate", "@id"),
    "derivedFrom": (PREFIXES["prov"] + "wasDerivedFrom", "@id"),
    "inScheme": (PREFIXES["skos"] + "inScheme", "@id"),
    "broader": (PREFIXES["skos"] + "broader", "@id"),
    "member": (PREFIXES["org"] + "member", "@id"),
    "organization": (PREFIXES["org"] + "organization", "@id"),
    "title": (PREFIXES["dcterms"] + "title", None),
    "note": (PREFIXES["skos"] + "note", None),
    "date": (PREFIXES["tw"] + "date", None),
    "dateAsWritten": (PREFIXES["tw"] + "dateAsWritten", None),
    "venue": (PREFIXES["tw"] + "venue", None),
    "sourcePassage": (PREFIXES["tw"] + "sourcePassage", None),
    "unresolvedReason": (PREFIXES["tw"] + "unresolvedReason", None),
}
_BY_IRI = {iri: (term, kind) for term, (iri, kind) in TERMS.items()}


def context(base: str | None = None) -> dict[str, Any]:
    """The ``@context``: prefixes, then terms. ``base`` adds ``@base`` for short @ids."""
    ctx: dict[str, Any] = {}
    if base:
        ctx["@base"] = base
    ctx.update(PREFIXES)
    for term, (iri, kind) in TERMS.items():
        if kind == "@id":
            ctx[term] = {"@id": iri, "@type": "@id"}
        elif kind == "@language":
            ctx[term] = {"@id": iri, "@container": "@language"}
        else:
            ctx[term] = iri
    return ctx


class _Compactor:
    def __init__(self, base: str | None) -> None:
        self.base = base
        # longest namespace first, so tw: wins over a shorter prefix of it
        self.prefixes = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))

    def iri(self, iri: str, relative: bool) -> str:
        if relative and self.base and iri.startswith(self.base) and len(iri) > len(self.base):
            rest = iri[len(self.base):]
            if ":" not in rest.split("/", 1)[0]:
                return rest
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return iri

    def value(self, obj: URIRef | Literal) -> Any:
        if isinstance(obj, URIRef):
            return {"@id": self.iri(str(obj), True)}
        if obj.language:
            return {"@value": str(obj), "@language": obj.language}
        if obj.datatype is None or obj.datatype == XSD.string:
            return str(obj)
        return {"@value": str(obj), "@type": self.iri(str(obj.datatype), False)}


def _node(c: _Compactor, s: str, props: dict[str, list[URIRef | Literal]]) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": c.iri(s, True)}
    types = sorted(c.iri(str(o), False) for o in props.pop(str(RDF.type), []))
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    for p in sorted(props, key=lambda iri: _BY_IRI.get(iri, (c.iri(iri, False), None))[0]):
        values = sorted(props[p], key=lambda o: (o.n3(), str(o)))
        term, kind = _BY_IRI.get(p, (c.iri(p, False), None))
        if kind == "@id" and all(isinstance(v, URIRef) for v in values):
            out: Any = [c.iri(str(v), True) for v in values]
        elif kind == "@language" and all(isinstance(v, Literal) and v.language for v in values):
            lang_map: dict[str, Any] = {}
            for v in values:
                assert isinstance(v, Literal) and v.language
                lang_map.setdefault(v.language, []).append(str(v))
            node[term] = {k: v[0] if len(v) == 1 else v for k, v in sorted(lang_map.items())}
            continue
        else:
            if kind is not None:  # the term's coercion does not fit: use the compact IRI
                term = c.iri(p, False)
            out = [c.value(v) for v in values]
        node[term] = out[0] if len(out) == 1 else out
    return node


def to_jsonld(triples: Iterable[tuple[URIRef, URIRef, URIRef | Literal]], base: str | None) -> str:
    """Serialise triples (IRIs and literals only) as compact JSON-LD text."""
    by_subject: dict[str, dict[str, list[URIRef | Literal]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(str(s), {}).setdefault(str(p), []).append(o)
    c = _Compactor(base)
    graph = [_node(c, s, by_subject[s]) for s in sorted(by_subject)]
    doc = {"@context": context(base), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
