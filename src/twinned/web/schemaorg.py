"""What the landing page tells search engines and data portals: the schema.org
``Dataset`` it embeds as JSON-LD, and the links (``Link:`` header and ``<link>``
elements) from the page to the dumps, the catalogue and the VoID description.

Everything is read from the release: the downloads and their byte sizes from the
files, the partner countries and the span of the agreements' signing dates from the
data, the keywords from the catalogue's. Every node has a URI, so the page's RDF is
the same bytes on every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from twinned.build.catalog import KEYWORDS
from twinned.build.releasestore import GraphStore
from twinned.config import Settings
from twinned.rdf.vocab import SCHEMA, TW

File = Mapping[str, Any]  # one published file: path (on the server), name, type, size

WIKIDATA = "http://www.wikidata.org/entity/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS = "http://purl.org/dc/terms/"
LABELS = {"text/turtle": "Turtle", "application/n-triples": "N-Triples",
          "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF/XML"}
VOID = "/.well-known/void"


def is_dump(f: File) -> bool:
    return str(f["path"]).startswith("/dumps/")


def is_catalogue(f: File) -> bool:
    return str(f["path"]).startswith("/catalog.")


def _format(f: File) -> str:
    """The format of a file's content ("gzip-compressed Turtle" for twinned.ttl.gz)."""
    if f["type"] == "application/gzip":
        inner = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}
        return "gzip-compressed " + LABELS[inner[str(f["name"]).split(".")[-2]]]
    return LABELS.get(str(f["type"]), str(f["type"]))


def _rows(store: GraphStore, query: str) -> list[ox.QuerySolution]:
    result = store.query(query)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("the store answered a SELECT query with no solutions")
    return list(result)


def partner_countries(store: GraphStore, countries: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The countries of the parties of the partnerships, as schema.org Countries. Given
    those countries' IRIs (the server knows them from its atlas), only their details are
    read, by lookups; else one query finds them."""
    if countries is not None:
        return [_country(store, iri) for iri in sorted(set(countries))]
    rows = _rows(store, f"""
        SELECT DISTINCT ?c ?code ?name ?wd {{
          ?p a <{TW.Partnership}> ; <{TW.party}> ?place . ?place <{TW.country}> ?c .
          OPTIONAL {{ ?c <{TW.countryCode}> ?code }}
          OPTIONAL {{ ?c <{RDFS_LABEL}> ?name FILTER(LANGMATCHES(LANG(?name), "en")) }}
          OPTIONAL {{ ?c <http://www.w3.org/2002/07/owl#sameAs> ?wd FILTER STRSTARTS(STR(?wd), "{WIKIDATA}") }}
        }} ORDER BY ?c""")
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = row["c"].value
        country = out.setdefault(iri, {"@id": iri, "@type": "Country"})
        for key, var in (("name", "name"), ("identifier", "code")):
            if row[var] is not None:
                country.setdefault(key, row[var].value)
        if row["wd"] is not None:
            country.setdefault("sameAs", {"@id": row["wd"].value})
    return list(out.values())


def _country(store: GraphStore, iri: str) -> dict[str, Any]:
    """One country, as ``partner_countries``'s query describes it."""
    def values(prop: str) -> list[Any]:
        return sorted((q.object for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(prop), None,
                                                                  ox.DefaultGraph())), key=str)

    country: dict[str, Any] = {"@id": iri, "@type": "Country"}
    names = [v for v in values(RDFS_LABEL) if isinstance(v, ox.Literal) and v.language
             and (v.language.lower() == "en" or v.language.lower().startswith("en-"))]
    codes = values(str(TW.countryCode))
    if names:
        country["name"] = names[0].value
    if codes:
        country["identifier"] = codes[0].value
    wd = [v for v in values("http://www.w3.org/2002/07/owl#sameAs") if v.value.startswith(WIKIDATA)]
    if wd:
        country["sameAs"] = {"@id": wd[0].value}
    return country


def agreement_period(store: GraphStore) -> str | None:
    """The earliest and latest signing dates as an ISO 8601 interval ("1980-05-22/2023-11-25"),
    each at the precision the source gives; None when no document is dated."""
    dates = sorted(r["d"].value for r in _rows(store, f"SELECT DISTINCT ?d {{ ?s <{TW.date}> ?d }}"))
    return f"{dates[0]}/{dates[-1]}" if dates else None


def sources(store: GraphStore) -> list[dict[str, Any]]:
    """The web pages the records were curated from."""
    rows = _rows(store, f"""
        SELECT ?s ?title ?url {{ ?s a <{SCHEMA.WebPage}> .
          OPTIONAL {{ ?s <{DCTERMS}title> ?title }} OPTIONAL {{ ?s <{SCHEMA.url}> ?url }} }} ORDER BY ?s""")
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        page = out.setdefault(row["s"].value, {"@id": row["s"].value, "@type": "WebPage"})
        if row["title"] is not None:
            page.setdefault("name", row["title"].value)
        if row["url"] is not None:
            page.setdefault("url", {"@id": row["url"].value})
    return list(out.values())


def download(base: str, f: File) -> dict[str, Any]:
    """A file as a schema.org DataDownload (the dumps' URIs are their DCAT distributions)."""
    name, url = str(f["name"]), base + str(f["path"]).lstrip("/")
    what = "The whole dataset" if is_dump(f) else "The DCAT-AP 3 and VoID catalogue"
    return {"@id": base + "distribution/" + name if is_dump(f) else url, "@type": "DataDownload",
            "name": name, "description": f"{what} as {_format(f)}.", "contentUrl": {"@id": url},
            "encodingFormat": f["type"], "contentSize": str(f["size"])}


def dataset_jsonld(settings: Settings, store: GraphStore, version: str, triples: object,
                   files: Sequence[File], countries: Iterable[str] | None = None) -> dict[str, Any]:
    """The schema.org Dataset of the landing page (canonical URIs)."""
    s, base = settings, settings.base_uri
    publisher = {"@id": s.publisher_url, "@type": "Organization", "name": s.publisher_name,
                 "url": {"@id": s.publisher_url}, "email": s.contact_email}
    data: dict[str, Any] = {
        "@context": {"@vocab": str(SCHEMA)},
        "@id": base + "dataset", "@type": "Dataset", "name": s.title, "description": s.description,
        "url": {"@id": base}, "identifier": base + "dataset", "license": {"@id": s.license_url},
        "isAccessibleForFree": True, "version": version, "keywords": list(KEYWORDS),
        "creator": publisher, "publisher": publisher,
        "includedInDataCatalog": {"@id": base + "catalog", "@type": "DataCatalog",
                                  "name": f"{s.title}: catalogue"},
        "isBasedOn": sources(store),
        "spatialCoverage": partner_countries(store, countries),
        "variableMeasured": f"{triples} triples",
        "distribution": [download(base, f) for f in files if is_dump(f) or is_catalogue(f)],
    }
    period = agreement_period(store)
    if period:
        data["temporalCoverage"] = period
    if s.issued:
        data["datePublished"] = s.issued
    if s.modified:
        data["dateModified"] = s.modified
    return data


def portal_links(files: Sequence[File]) -> list[dict[str, str]]:
    """Where the landing page points portals and crawlers: the dumps as alternates of the
    dataset, the catalogue and the VoID description as what describes it."""
    out = [{"rel": "alternate", "href": str(f["path"]), "type": str(f["type"]),
            "title": f"The whole dataset ({_format(f)})"}
           for f in files if is_dump(f) and f["type"] != "application/gzip"]
    out += [{"rel": "describedby", "href": str(f["path"]), "type": str(f["type"]),
             "title": f"DCAT-AP catalogue ({_format(f)})"} for f in files if is_catalogue(f)]
    if any(is_catalogue(f) for f in files):
        out.append({"rel": "describedby", "href": VOID, "type": "", "title": "VoID description"})
    return out


def link_header(links: Sequence[Mapping[str, str]]) -> str:
    """The links as one RFC 8288 ``Link`` header value."""
    return ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"'
                     + (f'; type="{link["type"]}"' if link["type"] else "")
                     + f'; title="{link["title"]}"' for link in links)
