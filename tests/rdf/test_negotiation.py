"""Content negotiation: the media-type table and the Accept rules (negotiation.py)."""

from __future__ import annotations

import pytest

from twinned.rdf.negotiation import (
    ASK_OFFERS,
    CSV,
    FORMATS,
    GRAPH_OFFERS,
    HTML,
    JSONLD,
    NTRIPLES,
    RDFXML,
    RESOURCE_OFFERS,
    SELECT_OFFERS,
    SPARQL_JSON,
    SPARQL_XML,
    SUFFIXES,
    TSV,
    TURTLE,
    by_name,
    negotiate,
    parse_accept,
    prefers_html,
    quality,
)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_the_table_has_one_entry_per_name_and_suffix() -> None:
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names))
    assert set(SUFFIXES) == {".html", ".ttl", ".jsonld", ".nt", ".rdf"}
    assert all(f.rdf_format is not None for f in GRAPH_OFFERS)


def test_no_accept_header_means_anything() -> None:
    assert negotiate(None, RESOURCE_OFFERS) is HTML
    assert negotiate("", SELECT_OFFERS) is SPARQL_JSON


@pytest.mark.parametrize("accept, expected", [
    ("text/turtle", TURTLE),
    ("application/ld+json", JSONLD),
    ("application/n-triples", NTRIPLES),
    ("application/rdf+xml", RDFXML),
    ("text/html", HTML),
    (BROWSER, HTML),
    ("application/json", JSONLD),
    ("text/n3", TURTLE),
    ("*/*", HTML),
])
def test_resource_types(accept: str, expected: object) -> None:
    assert negotiate(accept, RESOURCE_OFFERS) is expected


def test_q_values_rank_offers() -> None:
    accept = "text/turtle;q=0.5, application/ld+json;q=0.9, text/html;q=0.1"
    assert negotiate(accept, RESOURCE_OFFERS) is JSONLD


def test_q_zero_rules_an_offer_out() -> None:
    assert negotiate("text/html;q=0, */*", RESOURCE_OFFERS) is TURTLE
    assert negotiate("text/turtle;q=0", RESOURCE_OFFERS) is None


def test_the_most_specific_range_decides_the_quality() -> None:
    # text/* would give Turtle 0.3, but text/turtle;q=0.1 is more specific
    accept = "text/*;q=0.3, text/turtle;q=0.1, application/ld+json;q=0.5"
    assert quality(parse_accept(accept), TURTLE) == (0.1, 3)
    assert negotiate(accept, GRAPH_OFFERS) is JSONLD
    assert negotiate("text/*;q=0.3, text/turtle;q=0.1", (TURTLE, HTML)) is HTML


def test_an_exact_match_beats_a_wildcard_of_equal_quality() -> None:
    assert negotiate("*/*, application/rdf+xml", RESOURCE_OFFERS) is RDFXML
    assert negotiate("text/*", RESOURCE_OFFERS) is HTML


def test_server_order_breaks_remaining_ties() -> None:
    assert negotiate("application/ld+json, text/turtle", RESOURCE_OFFERS) is TURTLE


def test_nothing_acceptable_gives_none() -> None:
    assert negotiate("image/png", RESOURCE_OFFERS) is None
    assert negotiate("text/turtle", SELECT_OFFERS) is None


def test_malformed_elements_are_skipped() -> None:
    assert parse_accept("garbage, text/turtle;q=abc, application/ld+json;q=2, */html") == []
    assert negotiate("nonsense, text/turtle;q=0.4", RESOURCE_OFFERS) is TURTLE


def test_parameters_other_than_q_are_ignored() -> None:
    accept = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted";q=0.9'
    assert negotiate(accept, RESOURCE_OFFERS) is JSONLD


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+json", SPARQL_JSON),
    ("application/json", SPARQL_JSON),
    ("application/sparql-results+xml", SPARQL_XML),
    ("application/xml", SPARQL_XML),
    ("text/csv", CSV),
    ("text/tab-separated-values", TSV),
])
def test_results_types(accept: str, expected: object) -> None:
    assert negotiate(accept, SELECT_OFFERS) is expected
    assert negotiate(accept, ASK_OFFERS) is expected


@pytest.mark.parametrize("value, offers, expected", [
    ("json", SELECT_OFFERS, SPARQL_JSON),
    ("json", GRAPH_OFFERS, JSONLD),
    ("xml", SELECT_OFFERS, SPARQL_XML),
    ("xml", GRAPH_OFFERS, RDFXML),
    ("rdf+xml", GRAPH_OFFERS, None),
    ("application/rdf+xml", GRAPH_OFFERS, RDFXML),
    ("ttl", GRAPH_OFFERS, TURTLE),
    ("n3", GRAPH_OFFERS, TURTLE),
    ("json-ld", GRAPH_OFFERS, JSONLD),
    ("CSV", SELECT_OFFERS, CSV),
    ("text/tab-separated-values", SELECT_OFFERS, TSV),
    ("csv", GRAPH_OFFERS, None),
    ("", SELECT_OFFERS, None),
])
def test_format_parameter(value: str, offers: tuple, expected: object) -> None:
    assert by_name(value, offers) is expected


def test_prefers_html_is_for_browsers() -> None:
    assert prefers_html(BROWSER)
    assert prefers_html("text/html")
    assert not prefers_html(None)
    assert not prefers_html("*/*")
    assert not prefers_html("application/json, text/html;q=0.5")
    assert not prefers_html("application/sparql-results+json")


def test_content_types_declare_utf8() -> None:
    assert TURTLE.content_type == "text/turtle; charset=utf-8"
