"""Writers: RDF graphs and SPARQL results to bytes, in a format of the negotiation
table. Used by the resource pages, the SPARQL endpoint and its workers alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from twinned.rdf import jsonld
from twinned.rdf.negotiation import CSV, JSONLD, SPARQL_JSON, SPARQL_XML, TSV, Format
from twinned.rdf.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def sort_key(t: ox.Triple) -> tuple[str, str, str]:
    return (str(t.subject), str(t.predicate), str(t.object))


def _plain(triples: Sequence[ox.Triple]) -> bool:
    """True when no triple term occurs (our JSON-LD writer needs that)."""
    return all(not isinstance(t.subject, ox.Triple) and not isinstance(t.object, ox.Triple) for t in triples)


def write_graph(triples: Iterable[ox.Triple], fmt: Format, base: str | None = None,
                focus: str | None = None) -> bytes:
    """Serialise triples, sorted so the same graph gives the same bytes; with a
    ``focus`` IRI its own triples come first, then those of the resources under it."""
    def key(t: ox.Triple) -> tuple[int, str, str, str]:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
        rank = 0 if s == focus else 1 if focus and s.startswith(focus.rstrip("/") + "/") else 2
        return (rank, *sort_key(t))

    ordered = sorted(set(triples), key=key)
    if fmt is JSONLD and _plain(ordered):
        return jsonld.to_jsonld(ordered, base).encode("utf-8")
    if fmt.rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    out = ox.serialize(ordered, format=fmt.rdf_format, prefixes=dict(PREFIXES))
    return out if out is not None else b""


# -- SPARQL results -------------------------------------------------------------------

Row = Sequence[Term | None]


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                       "predicate": _json_term(term.predicate),
                                       "object": _json_term(term.object)}}


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
            f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object></triple>")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _solutions_json(variables: Sequence[str], rows: Iterable[Row], truncated: bool) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    doc: dict[str, object] = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    if truncated:
        doc["twinned"] = {"truncated": True}
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")


def _solutions_xml(variables: Sequence[str], rows: Iterable[Row], _truncated: bool) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out += ["</head>", "<results>"]
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True) if t is not None]
        out.append("</result>")
    out += ["</results>", "</sparql>", ""]
    return "\n".join(out).encode("utf-8")


def _solutions_csv(variables: Sequence[str], rows: Iterable[Row], _truncated: bool) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(t) for t in row] for row in rows)
    return buf.getvalue().encode("utf-8")


def _solutions_tsv(variables: Sequence[str], rows: Iterable[Row], _truncated: bool) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _boolean_json(value: bool) -> bytes:
    return (json.dumps({"head": {}, "boolean": value}) + "\n").encode("utf-8")


def _boolean_xml(value: bool) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head/>\n'
            f"<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()


# The one table of SPARQL results formats: (SELECT writer, ASK writer) by format. CSV and
# TSV answer ASK as common practice does (one ``_askResult`` column).
RESULTS: dict[Format, tuple[Callable[[Sequence[str], Iterable[Row], bool], bytes], Callable[[bool], bytes]]] = {
    SPARQL_JSON: (_solutions_json, _boolean_json),
    SPARQL_XML: (_solutions_xml, _boolean_xml),
    CSV: (_solutions_csv, lambda v: f"_askResult\r\n{'true' if v else 'false'}\r\n".encode()),
    TSV: (_solutions_tsv, lambda v: f"?_askResult\n{'true' if v else 'false'}\n".encode()),
}


def write_solutions(variables: Sequence[str], rows: Iterable[Row], fmt: Format,
                    truncated: bool = False) -> bytes:
    """SELECT results as SPARQL JSON, SPARQL XML, CSV or TSV. A truncated JSON result
    also says so in the body (``"twinned": {"truncated": true}``); every format says
    it in the response headers."""
    if fmt not in RESULTS:
        raise ValueError(f"{fmt.name} is not a results format")
    return RESULTS[fmt][0](variables, rows, truncated)


def write_boolean(value: bool, fmt: Format) -> bytes:
    """ASK results, in any format of ``RESULTS``."""
    if fmt not in RESULTS:
        raise ValueError(f"{fmt.name} is not a results format")
    return RESULTS[fmt][1](value)
