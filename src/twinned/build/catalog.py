"""The catalogue: DCAT-AP 3 (for portals) and VoID (for linked-data tools),
made by the build from the data and the settings.

URIs (after the base): ``catalog``, ``dataset``, ``distribution/{name}``,
``service/sparql``, ``service/queries``, ``publisher``, ``contact``,
``dataset/links/wikidata``, ``dataset/class/{n}``, ``dataset/property/{n}``,
``dataset/spatial`` (the location covering the whole dataset).
Every node has a URI (no blank nodes), so the output is deterministic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD

from twinned.build.extents import Extent, country_extents, union
from twinned.build.stats import DataStats
from twinned.config import Settings
from twinned.rdf.vocab import TW

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SCHEMA = Namespace("https://schema.org/")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
WIKIDATA_DATASET = URIRef("http://www.wikidata.org/")
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_LABELS = {  # the ADMS publisher-type vocabulary's English labels
    "Academia-ScientificOrganisation": "Academia/Scientific organisation", "Company": "Company",
    "IndustryConsortium": "Industry consortium", "LocalAuthority": "Local Authority",
    "NationalAuthority": "National authority", "NonGovernmentalOrganisation": "Non-Governmental Organisation",
    "NonProfitOrganisation": "Non-Profit Organisation", "PrivateIndividual(s)": "Private Individual(s)",
    "RegionalAuthority": "Regional authority", "StandardisationBody": "Standardisation body",
    "SupraNationalAuthority": "Supra-national authority",
}
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
GEOJSON = URIRef("https://www.iana.org/assignments/media-types/application/vnd.geo+json")

# Licences a portal's licence register knows, by their deed URL: the EU licence authority's
# URI (registers keyed by URI), the title CKAN's built-in register gives the licence family
# (registers keyed by title) and the licence's full name.
LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": (
        f"{EU}licence/CC_BY_4_0", "Creative Commons Attribution", "Creative Commons Attribution 4.0 International"),
    "https://creativecommons.org/licenses/by-sa/4.0/": (
        f"{EU}licence/CC_BY_SA_4_0", "Creative Commons Attribution Share-Alike",
        "Creative Commons Attribution-ShareAlike 4.0 International"),
}

CATALOG_PREFIXES = {"dcat": str(DCAT), "dcterms": str(DCTERMS), "foaf": str(FOAF), "spdx": str(SPDX),
                    "vcard": str(VCARD), "void": str(VOID), "xsd": str(XSD), "rdfs": str(RDFS),
                    "skos": str(SKOS), "owl": str(OWL), "dcatap": str(DCATAP),
                    "gsp": str(GSP)}

# ISO 3166-1 alpha-2 → alpha-3, for the EU country authority table
ISO3 = {
    "AR": "ARG", "BG": "BGR", "BY": "BLR", "CN": "CHN", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
    "EE": "EST", "FI": "FIN", "FR": "FRA", "HU": "HUN", "IL": "ISR", "IT": "ITA", "JP": "JPN",
    "LT": "LTU", "LV": "LVA", "NO": "NOR", "PL": "POL", "RS": "SRB", "RU": "RUS", "SE": "SWE",
    "SK": "SVK", "TR": "TUR", "UA": "UKR", "US": "USA", "VN": "VNM", "GB": "GBR", "ES": "ESP",
    "NL": "NLD", "BE": "BEL", "AT": "AUT", "CH": "CHE", "PT": "PRT", "GR": "GRC", "RO": "ROU",
    "HR": "HRV", "SI": "SVN", "IE": "IRL", "LU": "LUX", "MT": "MLT", "CY": "CYP",
}

# the dataset's keywords, in the catalogue (dcat:keyword) and the landing page (schema:keywords)
KEYWORDS = ("town twinning", "twin towns", "sister cities", "international cooperation", "linked data",
            "Wikidata")


@dataclass(frozen=True)
class DumpFile:
    """A published file the catalogue describes."""

    name: str  # file name under /dumps/
    media_type: str  # IANA media type of the (uncompressed) content
    file_type: str  # EU file-type code
    data: bytes
    compressed: bool = False
    size: int | None = None  # given instead of data for a file written in pieces
    sha256: str | None = None

    @property
    def byte_size(self) -> int:
        return self.size if self.size is not None else len(self.data)

    @property
    def checksum(self) -> str:
        return self.sha256 if self.sha256 is not None else hashlib.sha256(self.data).hexdigest()


def _license(g: Graph, url: str) -> URIRef:
    """The licence document: the EU licence authority's URI with its title when the setting
    is a licence it lists (so portals' licence registers recognise it), else the URL."""
    known = LICENCES.get(url if url.endswith("/") else url + "/")
    license_ = URIRef(known[0] if known else url)
    g.add((license_, RDF.type, DCTERMS.LicenseDocument))
    if known:
        g.add((license_, DCTERMS.title, Literal(known[1], lang="en")))
        g.add((license_, SKOS.prefLabel, Literal(known[2], lang="en")))
        g.add((license_, FOAF.page, URIRef(url)))
        kind = URIRef("http://purl.org/adms/licencetype/Attribution")  # ADMS licence type: both require it
        g.add((license_, DCTERMS.type, kind))
        g.add((kind, RDF.type, SKOS.Concept))
        g.add((kind, SKOS.prefLabel, Literal("Attribution", lang="en")))
    return license_


def _location(g: Graph, loc: URIRef, extent: Extent | None, encoding: URIRef) -> None:
    """A dct:Location with its bounding box and centroid as literals of ``encoding``
    (GeoSPARQL WKT for the countries, GeoJSON for the whole dataset)."""
    g.add((loc, RDF.type, DCTERMS.Location))
    if extent is None:
        return
    w, s, e, n = extent.west, extent.south, extent.east, extent.north
    if encoding == GSP.wktLiteral:
        g.add((loc, DCAT.bbox, Literal(f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))", datatype=encoding)))
        if extent.centroid:
            g.add((loc, DCAT.centroid, Literal(f"POINT({extent.centroid[0]} {extent.centroid[1]})", datatype=encoding)))
    else:
        g.add((loc, DCAT.bbox, Literal(extent.geojson_bbox(), datatype=encoding)))
        centroid = extent.geojson_centroid()
        if centroid:
            g.add((loc, DCAT.centroid, Literal(centroid, datatype=encoding)))


def _spatial(g: Graph, catalog: URIRef, dataset: URIRef, codes: list[str], base: str) -> None:
    """The countries of the data, each with its box and centroid (Natural Earth), and one
    location covering the whole dataset, whose box encloses them all and whose centroid is
    their geographic midpoint. The whole-dataset geometry is GeoJSON and the countries'
    WKT: a reader that keeps one location (ckanext-dcat keeps the last GeoJSON value, else
    the first WKT one) then keeps the one that covers all."""
    extents = country_extents()
    for code in codes:
        loc = URIRef(f"{EU}country/{ISO3[code]}") if code in ISO3 else URIRef(f"{base}country/{code.lower()}")
        g.add((dataset, DCTERMS.spatial, loc))
        g.add((catalog, DCTERMS.spatial, loc))
        _location(g, loc, extents.get(code), GSP.wktLiteral)
    whole = union(extents[c] for c in codes if c in extents)
    if whole is not None:
        coverage = URIRef(f"{dataset}/spatial")
        g.add((dataset, DCTERMS.spatial, coverage))
        _location(g, coverage, whole, GEOJSON)
        g.add((coverage, SKOS.prefLabel, Literal(f"The {len(codes)} countries of the dataset's places", lang="en")))


def _agent(g: Graph, s: Settings, base: str) -> tuple[URIRef, URIRef]:
    publisher = URIRef(f"{base}publisher")
    g.add((publisher, RDF.type, FOAF.Agent))
    kind = URIRef(ADMS_PUBLISHER_TYPE + s.publisher_type)
    g.add((publisher, DCTERMS.type, kind))
    g.add((kind, RDF.type, SKOS.Concept))
    g.add((kind, SKOS.inScheme, URIRef(ADMS_PUBLISHER_TYPE.rstrip("/"))))
    g.add((kind, SKOS.prefLabel, Literal(PUBLISHER_TYPE_LABELS[s.publisher_type], lang="en")))
    g.add((publisher, FOAF.name, Literal(s.publisher_name, lang="en")))
    g.add((publisher, FOAF.homepage, URIRef(s.publisher_url)))
    contact = URIRef(f"{base}contact")
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(s.publisher_name)))
    g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{s.contact_email}")))
    return publisher, contact


def _distribution(g: Graph, base: str, dump: DumpFile, license_: URIRef) -> URIRef:
    d = URIRef(f"{base}distribution/{dump.name}")
    url = URIRef(f"{base}dumps/{dump.name}")
    media = URIRef(IANA + dump.media_type)
    ftype = URIRef(f"{EU}file-type/{dump.file_type}")
    g.add((d, RDF.type, DCAT.Distribution))
    g.add((d, DCTERMS.title, Literal(f"{dump.name}", lang="en")))
    kind = "gzip-compressed " if dump.compressed else ""
    g.add((d, DCTERMS.description, Literal(f"The whole dataset as {kind}{dump.file_type.replace('_', ' ')} "
                                           f"({dump.media_type}).", lang="en")))
    g.add((d, DCAT.accessURL, url))
    g.add((d, DCAT.downloadURL, url))
    g.add((d, DCAT.mediaType, media))
    g.add((media, RDF.type, DCTERMS.MediaType))
    g.add((d, DCTERMS.format, ftype))
    g.add((ftype, RDF.type, DCTERMS.MediaTypeOrExtent))
    if dump.compressed:
        gz = URIRef(IANA + "application/gzip")
        g.add((d, DCAT.compressFormat, gz))
        g.add((gz, RDF.type, DCTERMS.MediaType))
    g.add((d, DCAT.byteSize, Literal(dump.byte_size, datatype=XSD.nonNegativeInteger)))
    checksum = URIRef(f"{d}/checksum")
    g.add((d, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(dump.checksum, datatype=XSD.hexBinary)))
    g.add((d, DCTERMS.license, license_))
    stable = URIRef(f"{EU}planned-availability/STABLE")
    g.add((d, DCATAP.availability, stable))
    g.add((stable, RDF.type, SKOS.Concept))
    g.add((stable, SKOS.prefLabel, Literal("stable", lang="en")))
    return d


def _service(g: Graph, base: str, key: str, title: str, description: str, endpoint: str,
             endpoint_description: str, conforms: str | None, dataset: URIRef, license_: URIRef) -> URIRef:
    svc = URIRef(f"{base}service/{key}")
    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, DCTERMS.title, Literal(title, lang="en")))
    g.add((svc, DCTERMS.description, Literal(description, lang="en")))
    g.add((svc, DCAT.endpointURL, URIRef(base + endpoint)))
    g.add((svc, DCAT.endpointDescription, URIRef(base + endpoint_description)))
    g.add((svc, DCAT.servesDataset, dataset))
    g.add((svc, DCTERMS.license, license_))
    if conforms:
        g.add((svc, DCTERMS.conformsTo, URIRef(conforms)))
        g.add((URIRef(conforms), RDF.type, DCTERMS.Standard))
    return svc


def void_statistics(g: Graph, dataset: URIRef, data: DataStats, base: str) -> None:
    """VoID statistics of the data graph, with class and property partitions."""
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, VOID.triples, Literal(data.triples)))
    g.add((dataset, VOID.entities, Literal(data.entities)))
    g.add((dataset, VOID.distinctSubjects, Literal(data.distinct_subjects)))
    g.add((dataset, VOID.distinctObjects, Literal(data.distinct_objects)))
    g.add((dataset, VOID.classes, Literal(len(data.classes))))
    g.add((dataset, VOID.properties, Literal(len(data.properties))))
    for i, (cls, n) in enumerate(sorted(data.classes.items()), start=1):
        part = URIRef(f"{dataset}/class/{i}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n)))
    for i, (prop, n) in enumerate(sorted(data.properties.items()), start=1):
        part = URIRef(f"{dataset}/property/{i}")
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n)))
    links = URIRef(f"{dataset}/links/wikidata")
    g.add((dataset, VOID.subset, links))
    g.add((links, RDF.type, VOID.Linkset))
    g.add((links, VOID.subjectsTarget, dataset))
    g.add((links, VOID.objectsTarget, WIKIDATA_DATASET))
    g.add((WIKIDATA_DATASET, RDF.type, VOID.Dataset))
    g.add((WIKIDATA_DATASET, RDFS.label, Literal("Wikidata", lang="en")))
    g.add((links, VOID.linkPredicate, OWL.sameAs))
    g.add((links, VOID.triples, Literal(data.same_as)))


EXAMPLES = ("place/kosice", "place/kaunas", "partnership/kosice--mobile")


def catalog_graph(settings: Settings, data: Graph | DataStats, dumps: list[DumpFile]) -> Graph:
    """The catalogue of a data graph, given as a graph or as the build's statistics of it."""
    base = settings.base_uri
    if isinstance(data, Graph):
        data = DataStats.from_graph(data, base, [base + key for key in EXAMPLES])
    g = Graph()
    catalog, dataset = URIRef(f"{base}catalog"), URIRef(f"{base}dataset")
    license_ = _license(g, settings.license_url)
    publisher, contact = _agent(g, settings, base)

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(f"{settings.title}: catalogue", lang="en")))
    g.add((catalog, DCTERMS.description, Literal(f"The catalogue of the twinned publication: {settings.description}",
                                                 lang="en")))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCTERMS.license, license_))
    g.add((catalog, DCAT.dataset, dataset))
    g.add((catalog, DCTERMS.language, URIRef(f"{EU}language/ENG")))
    g.add((URIRef(f"{EU}language/ENG"), RDF.type, DCTERMS.LinguisticSystem))
    if settings.issued:
        g.add((catalog, DCTERMS.issued, Literal(settings.issued, datatype=XSD.date)))
    if settings.modified:
        g.add((catalog, DCTERMS.modified, Literal(settings.modified, datatype=XSD.date)))

    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(settings.title, lang="en")))
    g.add((dataset, DCTERMS.description, Literal(settings.description, lang="en")))
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((dataset, DCTERMS.license, license_))
    g.add((dataset, DCAT.landingPage, URIRef(base)))
    g.add((URIRef(base), RDF.type, FOAF.Document))
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    if settings.issued:
        g.add((dataset, DCTERMS.issued, Literal(settings.issued, datatype=XSD.date)))
    if settings.modified:
        g.add((dataset, DCTERMS.modified, Literal(settings.modified, datatype=XSD.date)))
    for kw in KEYWORDS:
        g.add((dataset, DCAT.keyword, Literal(kw, lang="en")))
    for theme, label in (("GOVE", "Government and public sector"), ("INTR", "International issues")):
        t = URIRef(f"{EU}data-theme/{theme}")
        g.add((dataset, DCAT.theme, t))
        g.add((t, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((t, RDF.type, SKOS.Concept))
        g.add((t, SKOS.inScheme, URIRef(f"{EU}data-theme")))
    g.add((URIRef(f"{EU}data-theme"), RDF.type, SKOS.ConceptScheme))
    g.add((URIRef(f"{EU}data-theme"), DCTERMS.title, Literal("Data theme", lang="en")))
    _spatial(g, catalog, dataset, sorted(data.country_codes), base)
    span = data.date_span()
    if span:
        period = URIRef(f"{dataset}/period")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, span[0]))
        g.add((period, DCAT.endDate, span[1]))
    ontology = URIRef(str(TW))
    g.add((dataset, DCTERMS.conformsTo, ontology))
    g.add((ontology, RDF.type, DCTERMS.Standard))
    g.add((ontology, DCTERMS.title, Literal("twinned vocabulary", lang="en")))
    for dump in dumps:
        g.add((dataset, DCAT.distribution, _distribution(g, base, dump, license_)))
        g.add((dataset, VOID.dataDump, URIRef(f"{base}dumps/{dump.name}")))

    sparql = _service(g, base, "sparql", "SPARQL endpoint",
                      "A read-only SPARQL 1.1 Protocol endpoint over the whole dataset.", "sparql", "sparql",
                      "http://www.w3.org/TR/sparql11-protocol/", dataset, license_)
    queries = _service(g, base, "queries", "Canned queries API",
                       "Named, parameterised SPARQL queries answered as JSON or CSV (OpenAPI 3.1).",
                       "queries", "openapi.json", "https://spec.openapis.org/oas/v3.1.0", dataset, license_)
    for svc in (sparql, queries):
        g.add((catalog, DCAT.service, svc))
        g.add((svc, DCTERMS.publisher, publisher))
        g.add((svc, DCAT.contactPoint, contact))
        for kw in ("SPARQL", "linked data", "town twinning"):
            g.add((svc, DCAT.keyword, Literal(kw, lang="en")))
        for theme in ("GOVE", "INTR"):
            g.add((svc, DCAT.theme, URIRef(f"{EU}data-theme/{theme}")))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme")))

    g.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    g.add((dataset, VOID.uriSpace, Literal(base)))
    g.add((dataset, VOID.vocabulary, ontology))
    for key in EXAMPLES:
        if data.has_subject(base + key):
            g.add((dataset, VOID.exampleResource, URIRef(base + key)))
    void_statistics(g, dataset, data, base)
    return g
