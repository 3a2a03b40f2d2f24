"""Content negotiation: the one table of media types and formats, and Accept parsing.

Every place that writes RDF, query results or pages picks its format here: the
resource pages, the SPARQL endpoint (results and graphs) and the dumps. A format is
chosen by an explicit document suffix (``.ttl``), a ``format`` parameter, or the
``Accept`` header with q-values (RFC 9110 §12.5.1):

* a media range that names the type exactly beats ``type/*``, which beats ``*/*``;
  the offer's quality is the q of the most specific range that matches it;
* ``q=0`` rules an offer out;
* among offers of equal quality, one matched by an exact range wins over one matched
  by a wildcard, then the server's order of preference (HTML first, then Turtle ...).

No ``Accept`` header means ``*/*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

Kind = Literal["page", "rdf", "results"]


@dataclass(frozen=True)
class Format:
    """One representation the server can write."""

    name: str
    media_type: str
    kind: Kind
    suffix: str | None = None
    rdf_format: ox.RdfFormat | None = None
    aliases: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()  # other values accepted by ?format=
    label: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 is declared for every textual format)."""
        return f"{self.media_type}; charset=utf-8"

    def matches(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases


HTML = Format("html", "text/html", "page", ".html", aliases=("application/xhtml+xml",),
              label="HTML")
TURTLE = Format("turtle", "text/turtle", "rdf", ".ttl", ox.RdfFormat.TURTLE,
                aliases=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3"),
                synonyms=("ttl", "n3"), label="Turtle")  # Turtle is N3 too
JSONLD = Format("jsonld", "application/ld+json", "rdf", ".jsonld", ox.RdfFormat.JSON_LD,
                aliases=("application/json",), synonyms=("json-ld", "json"), label="JSON-LD")
NTRIPLES = Format("ntriples", "application/n-triples", "rdf", ".nt", ox.RdfFormat.N_TRIPLES,
                  aliases=("text/plain",), synonyms=("nt", "n-triples"), label="N-Triples")
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", ".rdf", ox.RdfFormat.RDF_XML,
                aliases=("application/xml", "text/xml"), synonyms=("rdf", "xml", "rdf-xml"),
                label="RDF/XML")
SPARQL_JSON = Format("json", "application/sparql-results+json", "results",
                     aliases=("application/json",), synonyms=("srj",), label="SPARQL JSON")
SPARQL_XML = Format("xml", "application/sparql-results+xml", "results",
                    aliases=("application/xml", "text/xml"), synonyms=("srx",), label="SPARQL XML")
CSV = Format("csv", "text/csv", "results", label="CSV")
TSV = Format("tsv", "text/tab-separated-values", "results", label="TSV")

FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML,
                               SPARQL_JSON, SPARQL_XML, CSV, TSV)

RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
RESOURCE_OFFERS: tuple[Format, ...] = (HTML, *RDF_FORMATS)
SELECT_OFFERS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
ASK_OFFERS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_OFFERS: tuple[Format, ...] = RDF_FORMATS
SUFFIXES: dict[str, Format] = {f.suffix: f for f in FORMATS if f.suffix}


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """3 exact, 2 ``type/*``, 1 ``*/*``, 0 no match."""
        t, _, s = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type != t:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == s else 0


def _q(params: list[str]) -> float | None:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed elements are skipped."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for element in header.split(","):
        media, *params = element.split(";")
        t, slash, s = media.strip().lower().partition("/")
        q = _q(params)
        if not slash or not t or not s or q is None or (t == "*" and s != "*"):
            continue
        ranges.append(MediaRange(t, s, q))
    return ranges


def quality(ranges: Sequence[MediaRange], fmt: Format) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching the format or an alias."""
    best = (0.0, 0)
    for media_type in (fmt.media_type, *fmt.aliases):
        for r in ranges:
            spec = r.specificity(media_type)
            if spec and (spec > best[1] or (spec == best[1] and r.q > best[0])):
                best = (r.q, spec)
    return best


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The best of ``offers`` (in server preference order) for an Accept header, or None."""
    ranges = parse_accept(accept)
    scored = []
    for rank, fmt in enumerate(offers):
        q, spec = quality(ranges, fmt)
        if q > 0:
            scored.append((-q, -(spec == 3), rank, fmt))
    return min(scored, key=lambda t: t[:3])[3] if scored else None


def by_name(value: str, offers: Sequence[Format]) -> Format | None:
    """The offer a ``format`` parameter names: a name, synonym, suffix or media type."""
    v = value.strip().lower()
    if not v:
        return None
    for fmt in offers:
        if v in (fmt.name, *fmt.synonyms, (fmt.suffix or "").lstrip(".")) or fmt.matches(v):
            return fmt
    return None


def prefers_html(accept: str | None) -> bool:
    """True when a client would rather read a page than JSON (a browser)."""
    ranges = parse_accept(accept)
    html, _ = quality(ranges, HTML)
    json, _ = quality(ranges, Format("json", "application/json", "results"))
    return html > 0 and html >= json and any(r.specificity("text/html") == 3 for r in ranges)
