"""What the HTML pages show: plain view models (dicts) read from the store, for the
templates in ``templates/``. Links point at the server's own address (root-relative
paths); the RDF behind each page keeps the canonical URIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, SKOS, TIME

from twinned.build.releasestore import GraphStore
from twinned.queries.describe import Describer, Labels, SubjectIndex, compact
from twinned.rdf.vocab import GEO, PQ, PQV, PS, SCHEMA, TW, WIKIBASE, P

View = dict[str, Any]
Term = ox.NamedNode | ox.BlankNode | ox.Literal  # (the data holds no RDF-star triple terms)

PLACE_TYPES = {str(TW.AdministrativeBody)}
LANDING_PLACES = 400  # more places than this, and the landing page lists countries instead
TYPE_TEMPLATES = (
    (str(TW.AdministrativeBody), "place.html"),
    (str(TW.Partnership), "partnership.html"),
    (str(TW.Document), "document.html"),
)


@dataclass(frozen=True)
class Addresses:
    """Maps the server's own paths onto the canonical URIs and back.

    ``/def/...`` is the vocabulary namespace (fixed); every other path hangs off the
    configured base URI.
    """

    base: str

    def iri(self, path: str) -> str:
        """The canonical URI of a request path (``/place/kosice``)."""
        rest = path.lstrip("/")
        if rest == "def/" or rest.startswith("def/"):
            return str(TW) + rest[4:]
        return self.base + rest

    def path(self, iri: str) -> str | None:
        """The local path of a canonical URI, or None for a URI elsewhere."""
        if iri.startswith(str(TW)):
            return "/def/" + iri[len(TW):]
        if iri.startswith(self.base):
            return "/" + iri[len(self.base):]
        return None


def date_key(lexical: str) -> tuple[int, ...]:
    """Sort key of an xsd:date, gYearMonth or gYear lexical form ("1997" < "1997-05")."""
    parts = []
    for piece in lexical.split("-")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class Site:
    """Reads page models from the loaded store."""

    def __init__(self, store: GraphStore, base: str, subjects: SubjectIndex | None = None) -> None:
        self.store = store
        self.base = base
        self.addresses = Addresses(base)
        self.describer = Describer(store, subjects)
        self.labels = Labels.from_store(store)
        self._landing: View | None = None

    # -- reading -----------------------------------------------------------------------

    def values(self, iri: str, prop: str) -> list[Term]:
        seen: dict[str, Term] = {}
        for q in self.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(prop), None, None):
            if not isinstance(q.object, ox.Triple):
                seen.setdefault(str(q.object), q.object)
        return [seen[k] for k in sorted(seen)]

    def first(self, iri: str, prop: str) -> Term | None:
        found = self.values(iri, prop)
        return found[0] if found else None

    def text(self, iri: str, prop: str) -> str | None:
        term = self.first(iri, prop)
        return term.value if isinstance(term, ox.Literal) else None

    def iris(self, iri: str, prop: str) -> list[str]:
        return [t.value for t in self.values(iri, prop) if isinstance(t, ox.NamedNode)]

    def first_iri(self, iri: str, prop: str) -> str | None:
        return next(iter(self.iris(iri, prop)), None)

    def subjects(self, prop: str, obj: str) -> list[str]:
        found = {q.subject.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(prop), ox.NamedNode(obj), None) if isinstance(q.subject, ox.NamedNode)}
        return sorted(found)

    def types(self, iri: str) -> list[str]:
        return self.iris(iri, str(RDF.type))

    # -- small views ---------------------------------------------------------------------

    def link(self, iri: str | None) -> View | None:
        if iri is None:
            return None
        local = self.addresses.path(iri)
        return {"iri": iri, "href": local or iri, "local": local is not None,
                "label": self.labels.label(iri, self.base)}

    def term(self, term: Term) -> View:
        if isinstance(term, ox.NamedNode):
            return {"kind": "link", **(self.link(term.value) or {})}
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if not term.language else None
            return {"kind": "literal", "text": term.value, "lang": term.language,
                    "datatype": None if dt is None or dt.endswith("#string") else compact(dt)}
        return {"kind": "literal", "text": str(term), "lang": None, "datatype": None}

    def template_for(self, iri: str) -> str:
        types = set(self.types(iri))
        for type_iri, template in TYPE_TEMPLATES:
            if type_iri in types:
                return template
        return "resource.html"

    def identity(self, iri: str) -> View:
        """Wikidata link, or the reason it is unresolved and the candidates considered."""
        same = [i for i in self.iris(iri, str(OWL.sameAs)) if "wikidata.org" in i]
        return {
            "wikidata": [{"iri": i, "qid": i.rsplit("/", 1)[-1]} for i in same],
            "unresolved": self.text(iri, str(TW.unresolvedReason)),
            "candidates": [{"iri": i, "qid": i.rsplit("/", 1)[-1]}
                           for i in self.iris(iri, str(TW.candidate))],
        }

    def areas(self, iri: str) -> View:
        return {"concepts": [self.link(c) for c in self.iris(iri, str(TW.cooperationArea))],
                "as_written": [t.value for t in self.values(iri, str(TW.areaAsWritten))]}

    def provenance(self, iri: str) -> View:
        passage = self.first(iri, str(TW.sourcePassage))
        sources = self.iris(iri, str(PROV.wasDerivedFrom))
        source = sources[0] if sources else None
        url = self.first(source, str(SCHEMA.url)) if source else None
        return {"passage": passage.value if isinstance(passage, ox.Literal) else None,
                "passage_lang": passage.language if isinstance(passage, ox.Literal) else None,
                "source": self.link(source),
                "source_url": url.value if isinstance(url, ox.NamedNode) else None}

    def place_summary(self, iri: str) -> View:
        country = self.iris(iri, str(TW.country))
        return {**(self.link(iri) or {}), "country": self.link(country[0] if country else None)}

    # -- documents, partnerships, places --------------------------------------------------------

    def signing(self, iri: str) -> View:
        qualifier = self.iris(iri, str(TW.dateQualifier))
        places = self.iris(iri, str(TW.place))
        return {"iri": iri, "href": self.addresses.path(iri),
                "date": self.text(iri, str(TW.date)),
                "as_written": self.text(iri, str(TW.dateAsWritten)),
                "qualifier": self.link(qualifier[0]) if qualifier else None,
                "place": self.link(places[0]) if places else None,
                "venue": self.text(iri, str(TW.venue))}

    def qualifier(self, iri: str | None, prop: str) -> View | None:
        """The date qualifier of a (derived) date, as a link with its label, or None."""
        found = self.iris(iri, str(prop)) if iri else []
        return self.link(found[0]) if found else None

    def dated(self, iri: str) -> View:
        """A link to a document, told apart from its namesakes by its date."""
        view = self.link(iri) or {}
        first = self.text(iri, str(TW.firstSigned))
        qualifier = self.qualifier(iri, str(TW.firstSignedQualifier))
        if first and qualifier:
            first = f"{qualifier['label'].lower()} {first}"
        return {**view, "label": f"{view['label']} ({first})"} if first else view

    def document(self, iri: str) -> View:
        title = self.first(iri, str(DCTERMS.title))
        dtype = self.iris(iri, str(TW.documentType))
        partnership = self.iris(iri, str(TW.partnership))
        signings = [self.signing(s) for s in self.iris(iri, str(TW.signing))]
        signings.sort(key=lambda s: (int(s["iri"].rsplit("/", 1)[-1])
                                     if s["iri"].rsplit("/", 1)[-1].isdigit() else 0))
        return {
            **(self.link(iri) or {}),
            "title": title.value if isinstance(title, ox.Literal) else self.labels.label(iri),
            "title_lang": title.language if isinstance(title, ox.Literal) else None,
            "type": self.link(dtype[0]) if dtype else None,
            "first_signed": self.text(iri, str(TW.firstSigned)),
            "first_signed_qualifier": self.qualifier(iri, TW.firstSignedQualifier),
            "signings": signings,
            "areas": self.areas(iri),
            "renews": [self.dated(d) for d in self.iris(iri, str(TW.renews))],
            "follows": [self.dated(d) for d in self.iris(iri, str(TW.follows))],
            "renewed_by": [self.dated(d) for d in self.subjects(str(TW.renews), iri)],
            "followed_by": [self.dated(d) for d in self.subjects(str(TW.follows), iri)],
            "note": self.text(iri, str(SKOS.note)),
            "partnership": self.link(partnership[0]) if partnership else None,
            "provenance": self.provenance(iri),
        }

    def documents(self, partnership: str) -> list[View]:
        docs = [self.document(d) for d in self.iris(partnership, str(TW.document))]
        return sorted(docs, key=lambda d: (d["first_signed"] is None,
                                           date_key(d["first_signed"] or ""), d["iri"]))

    def time(self, statement: str, prop: str) -> str | None:
        """A Wikidata time qualifier at its precision (year, month or day), never padded."""
        value = self.text(statement, str(PQ[prop]))
        nodes = self.iris(statement, str(PQV[prop]))
        precision = self.text(nodes[0], str(WIKIBASE.timePrecision)) if nodes else None
        if value is None:
            return None
        return value[:{"9": 4, "10": 7}.get(precision or "", 10)]

    def statement(self, iri: str) -> View:
        subject = self.subjects(str(P.P190), iri)
        return {"iri": iri, "href": self.addresses.path(iri),
                "subject": self.link(subject[0]) if subject else None,
                "object": self.link(self.first_iri(iri, str(PS.P190))),
                "start": self.time(iri, "P580") or ("unknown value" if self.iris(iri, str(PQ.P580)) else None),
                "earliest": self.time(iri, "P1319"), "latest": self.time(iri, "P1326"),
                "circa": bool(self.iris(iri, str(PQ.P1480)))}

    def partnership(self, iri: str) -> View:
        began_q = self.iris(iri, str(TW.beganQualifier))
        statements = self.subjects(str(TW.statementOf), iri)
        return {
            **(self.link(iri) or {}),
            "parties": [{**self.place_summary(p), **self.identity(p)}
                        for p in self.iris(iri, str(TW.party))],
            "recorded_by": self.link(self.first_iri(iri, str(TW.recordedBy))),
            "began": self.text(iri, str(TW.began)),
            "began_as_written": self.text(iri, str(TW.beganAsWritten)),
            "began_qualifier": self.link(began_q[0]) if began_q else None,
            "start_date": self.text(iri, str(TW.startDate)),
            "start_date_qualifier": self.qualifier(iri, TW.startDateQualifier),
            "areas": self.areas(iri),
            "documents": self.documents(iri),
            "note": self.text(iri, str(SKOS.note)),
            "provenance": self.provenance(iri),
            "statements": [self.statement(s) for s in statements],
        }

    def partner_row(self, place: str, partnership: str) -> View:
        parties = self.iris(partnership, str(TW.party))
        others = [p for p in parties if p != place] or parties
        return {
            "partnership": self.link(partnership),
            "partner": self.place_summary(others[0]),
            "start_date": self.text(partnership, str(TW.startDate)),
            "start_date_qualifier": self.qualifier(partnership, TW.startDateQualifier),
            "began_as_written": self.text(partnership, str(TW.beganAsWritten)),
            "recorded_by": self.link(self.first_iri(partnership, str(TW.recordedBy))),
            "documents": self.documents(partnership),
            "areas": self.areas(partnership),
            "provenance": self.provenance(partnership),
        }

    def membership(self, iri: str) -> View:
        period = self.iris(iri, str(ORG.memberDuring))
        start = self.iris(period[0], str(TIME.hasBeginning)) if period else []
        return {
            **(self.link(iri) or {}),
            "network": self.link(self.first_iri(iri, str(ORG.organization))),
            "since": self.text(iri, str(TW.memberSince)),
            "since_as_written": self.text(start[0], str(TW.dateAsWritten)) if start else None,
            "since_qualifier": self.qualifier(iri, TW.memberSinceQualifier),
            "implied": self.text(iri, str(TW.impliedBecause)),
            "provenance": self.provenance(iri),
        }

    def place(self, iri: str) -> View:
        partnerships = self.subjects(str(TW.party), iri)
        rows = [self.partner_row(iri, p) for p in partnerships]
        rows.sort(key=lambda r: r["partner"]["label"].casefold())
        kinds = [self.link(t) for t in self.types(iri) if t not in PLACE_TYPES and t.startswith(str(TW))]
        lat, long = self.text(iri, str(GEO.lat)), self.text(iri, str(GEO.long))
        return {
            **self.place_summary(iri),
            "names": {lang: text for lang, text in sorted(self.labels.all(iri).items())
                      if lang not in ("en", "")},
            "aliases": [t.value for t in self.values(iri, str(SKOS.altLabel))],
            "kinds": kinds,
            **self.identity(iri),
            "coordinates": (lat, long) if lat and long else None,
            "note": self.text(iri, str(SKOS.note)),
            "partnerships": rows,
            "memberships": [self.membership(m) for m in self.subjects(str(ORG.member), iri)],
            "sources": [self.link(s) for s in self.subjects(str(DCTERMS.publisher), iri)],
            "signed_here": len(self.subjects(str(TW.place), iri)),
        }

    # -- any resource ------------------------------------------------------------------------

    def rows(self, iri: str) -> list[View]:
        """The resource's own statements, grouped by property (rdf:type left out)."""
        by_prop: dict[str, list[Term]] = {}
        for t in self.describer.outgoing(iri):
            if t.predicate.value != str(RDF.type) and not isinstance(t.object, ox.Triple):
                by_prop.setdefault(t.predicate.value, []).append(t.object)
        return [{"property": self.link(p), "values": [self.term(v) for v in sorted(set(vs), key=str)]}
                for p, vs in sorted(by_prop.items(), key=lambda kv: self.labels.label(kv[0]).casefold())]

    def resource(self, iri: str) -> View:
        """Any resource: its statements, what it owns, and the links into it."""
        incoming = sorted({(t.subject.value, t.predicate.value) for t in self.describer.incoming(iri)
                           if isinstance(t.subject, ox.NamedNode)})
        return {
            **(self.link(iri) or {}),
            "names": {lang: text for lang, text in sorted(self.labels.all(iri).items())
                      if lang not in ("en", "")},
            "types": [self.link(t) for t in self.types(iri)],
            "rows": self.rows(iri),
            "owned": [{**(self.link(s) or {}), "types": [self.link(t) for t in self.types(s)],
                       "rows": self.rows(s)} for s in self.describer.owned(iri)],
            "incoming": [{"subject": self.link(s), "property": self.link(p)} for s, p in incoming],
            "identity": self.identity(iri),
        }

    # -- landing -----------------------------------------------------------------------------

    def count(self, type_iri: str) -> int:
        return len({q.subject for q in self.store.quads_for_pattern(
            None, ox.NamedNode(str(RDF.type)), ox.NamedNode(type_iri), ox.DefaultGraph())})

    def newest_documents(self, limit: int = 10) -> list[View]:
        dated = [(q.object.value, q.subject.value) for q in self.store.quads_for_pattern(
            None, ox.NamedNode(str(TW.firstSigned)), None, ox.DefaultGraph())
            if isinstance(q.object, ox.Literal) and isinstance(q.subject, ox.NamedNode)]
        dated.sort(key=lambda d: (date_key(d[0]), d[1]), reverse=True)
        return [self.document(iri) for _, iri in dated[:limit]]

    def by_country(self) -> list[View]:
        groups: dict[str, list[View]] = {}
        for place in self.subjects(str(RDF.type), str(TW.AdministrativeBody)):
            summary = self.place_summary(place)
            key = summary["country"]["iri"] if summary["country"] else ""
            groups.setdefault(key, []).append(summary)
        out = [{"country": self.link(c) if c else None,
                "places": sorted(ps, key=lambda p: p["label"].casefold())}
               for c, ps in groups.items()]
        return sorted(out, key=lambda g: g["country"]["label"] if g["country"] else "~")

    def countries_with_counts(self) -> list[View]:
        """Each country with how many places it has (for a world too large to list)."""
        per: dict[str, int] = {}
        for q in self.store.quads_for_pattern(None, ox.NamedNode(str(TW.country)), None, ox.DefaultGraph()):
            if isinstance(q.object, ox.NamedNode):
                per[q.object.value] = per.get(q.object.value, 0) + 1
        out = [{"country": self.link(c), "count": n} for c, n in per.items()]
        return sorted(out, key=lambda g: g["country"]["label"].casefold())

    def landing(self, counts: dict[str, int] | None = None) -> View:
        """The landing page's model, computed once per loaded release. ``counts``: the
        build's statistics (build-info.json), so a large graph is not counted per request."""
        if self._landing is None:
            self._landing = self._landing_view(counts or {})
        return self._landing

    def _landing_view(self, known: dict[str, int]) -> View:
        counts = {
            "partnerships": known.get("partnerships") or self.count(str(TW.Partnership)),
            "documents": known["documents"] if "documents" in known else self.count(str(TW.Document)),
            "places": known.get("places") or self.count(str(TW.AdministrativeBody)),
            "cities": known["cities"] if "cities" in known else self.count(str(TW.City)),
            "countries": known.get("countries") or self.count(str(TW.Country)),
            "networks": self.count(str(TW.CityNetwork)),
            "memberships": known["memberships"] if "memberships" in known else self.count(str(ORG.Membership)),
        }
        listed = counts["places"] <= LANDING_PLACES
        view = self._landing_base()
        view["counts"] = counts
        view["countries"] = self.by_country() if listed else []
        view["country_counts"] = [] if listed else self.countries_with_counts()
        return view

    def _landing_base(self) -> View:
        recorders = sorted({t.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(str(TW.recordedBy)), None, ox.DefaultGraph())
            for t in [q.object] if isinstance(t, ox.NamedNode)})
        return {
            "newest": self.newest_documents(),
            "publishers": [self.link(r) for r in recorders],
            "networks": [self.link(n) for n in self.subjects(str(RDF.type), str(TW.CityNetwork))],
            "schemes": [self.link(s) for s in self.subjects(
                str(RDF.type), str(SKOS.ConceptScheme))],
            "ontology": self.link(str(TW)),
        }
