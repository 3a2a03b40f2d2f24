"""N-Triples terms as text (twinned.rdf.ntriples): the same bytes as rdflib's N-Triples
writer, and back again (unquote, literal_parts, value)."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from twinned.rdf import ntriples as nt

TEXTS = ["plain", 'say "hi"', "back\\slash", "two\nlines", "carriage\rreturn", "Košice – Kaşice", ""]


def rdflib_line(s: URIRef, p: URIRef, o: Literal | URIRef | BNode) -> str:
    g = Graph()
    g.add((s, p, o))
    return g.serialize(format="nt").strip()


@pytest.mark.parametrize("text", TEXTS)
def test_quote_escapes_as_rdflib_does(text: str) -> None:
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    assert f"<{s}> <{p}> {nt.literal(text)} ." == rdflib_line(s, p, Literal(text))
    assert f"<{s}> <{p}> {nt.literal(text, lang='sk')} ." == rdflib_line(s, p, Literal(text, lang="sk"))
    dt = "https://example.org/datatype"
    assert f"<{s}> <{p}> {nt.literal(text, datatype=dt)} ." == rdflib_line(s, p, Literal(text, datatype=URIRef(dt)))


def test_terms() -> None:
    assert nt.iri("https://w3id.org/twinned/place/kosice") == "<https://w3id.org/twinned/place/kosice>"
    assert nt.literal("1990", datatype=f"{nt.XSD}gYear") == nt.typed("1990", "gYear") == \
        '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    assert nt.literal("Wien", lang="de") == '"Wien"@de'
    assert nt.quote('a"b') == '"a\\"b"'


@pytest.mark.parametrize("text", TEXTS)
def test_literal_parts_undo_literal(text: str) -> None:
    assert nt.literal_parts(nt.literal(text)) == (text, None, None)
    assert nt.literal_parts(nt.literal(text, lang="en-GB")) == (text, "en-GB", None)
    assert nt.literal_parts(nt.typed(text, "date")) == (text, None, f"{nt.XSD}date")
    assert nt.value(nt.literal(text, lang="de")) == text


def test_unquote_reads_unicode_and_control_escapes() -> None:
    assert nt.unquote("Ko\\u0161ice") == "Košice"
    assert nt.unquote("\\U0001F600!") == "\U0001f600!"
    assert nt.unquote("a\\tb\\bc\\fd\\\\e\\\"f") == 'a\tb\bc\fd\\e"f'
    assert nt.unquote("no escapes") == "no escapes"


def test_value_of_an_iri_and_of_anything_else() -> None:
    assert nt.value("<https://example.org/x>") == "https://example.org/x"
    assert nt.value("_:b0") == "_:b0"


def test_term_writer_writes_what_rdflib_writes() -> None:
    write = nt.TermWriter()
    s = URIRef("https://example.org/s")
    assert write(s) == "<https://example.org/s>"
    assert write(s) == "<https://example.org/s>"  # (the remembered one)
    assert write(Literal("x", lang="fr")) == '"x"@fr'
    assert write(Literal("7", datatype=XSD.integer)) == '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert write(Literal('q"')) == '"q\\""'
    assert write(BNode("b1")) == "_:b1"
    with pytest.raises(TypeError, match="not an RDF term"):
        write("a plain string")


def test_term_writer_refuses_an_invalid_iri() -> None:
    with pytest.raises(Exception, match="IRI|iri|invalid|URI"):
        nt.TermWriter()(URIRef("https://example.org/a b"))


def test_the_sink_collects_triples_as_lines_rdflib_would_write() -> None:
    sink = nt.TripleSink()
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    sink.add((s, p, Literal("Bratislava", lang="sk")))
    sink.add((s, URIRef(nt.RDF_TYPE[1:-1]), URIRef("https://example.org/C")))
    assert sink.triples == [("<https://example.org/s>", "<https://example.org/p>", '"Bratislava"@sk'),
                            ("<https://example.org/s>", nt.RDF_TYPE, "<https://example.org/C>")]
    assert " ".join(sink.triples[0]) + " ." == rdflib_line(s, p, Literal("Bratislava", lang="sk"))
