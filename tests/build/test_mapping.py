"""The built graph says what the seed pages say, linked to the brief's QIDs."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from tests.support.paths import ROOT
from twinned.build.pipeline import dataset_graph
from twinned.config import load_settings
from twinned.rdf.vocab import PQ, PS, TW, WD, WDT, P

BASE = "https://w3id.org/twinned/"

# From ../shared/BRIEF.md ("QIDs verified from two or more independent public copies").
BRIEF_QIDS = {
    "kosice": "Q25409", "kaunas": "Q4115712", "wuppertal": "Q2107", "raahe": "Q622592",
    "rzeszow": "Q598", "mobile": "Q79875", "verona": "Q2028", "cottbus": "Q3214",
    "uzhhorod": "Q156711", "saint-petersburg": "Q656", "miskolc": "Q102397", "budapest": "Q1781",
    "bursa": "Q40738", "plovdiv": "Q459", "nis": "Q129259", "ostrava": "Q8385", "katowice": "Q588",
    "krosno": "Q826068", "wuhan": "Q11746", "xiamen": "Q68744", "da-nang": "Q25282",
    "vitebsk": "Q102217", "ho-chi-minh-city": "Q1854", "grenoble": "Q1289", "ferrara": "Q13362",
    "brescia": "Q6221", "tartu": "Q13972", "linkoping": "Q25413", "bialystok": "Q761",
    "tampere": "Q40840", "odense": "Q25331", "kharkiv": "Q42308", "brno": "Q14960", "lutsk": "Q7550",
    "riga": "Q1773", "torun": "Q47554", "los-angeles": "Q65", "wroclaw": "Q1799",
    "hiratsuka": "Q502199", "vaxjo": "Q26152", "rishon-lezion": "Q201051", "mysliborz": "Q640453",
    "lviv-oblast": "Q164193", "vestfold": "Q50619", "hordaland": "Q50625",
    "vysoke-tatry": "Q612516", "cava-de-tirreni": "Q19272",
}
UNRESOLVED = {"yaotsu", "rende", "kreis-lippe", "san-martin-argentina", "abaujszanto"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return dataset_graph(load_settings(ROOT, env={}))[1]


def place(key: str) -> URIRef:
    return URIRef(f"{BASE}place/{key}")


def partnership(a: str, b: str) -> URIRef:
    x, y = sorted((a, b))
    return URIRef(f"{BASE}partnership/{x}--{y}")


def test_all_fifty_partnerships(graph: Graph) -> None:
    parts = set(graph.subjects(RDF.type, TW.Partnership))
    assert len(parts) == 50
    partners = {c: {str(o) for p in parts if (p, TW.party, place(c)) in graph for o in graph.objects(p, TW.party)}
                - {str(place(c))} for c in ("kosice", "kaunas")}
    assert len(partners["kosice"]) == 22
    assert len(partners["kaunas"]) == 28


@pytest.mark.parametrize("key", sorted(BRIEF_QIDS))
def test_every_verified_place_links_to_the_brief_qid(graph: Graph, key: str) -> None:
    assert set(graph.objects(place(key), OWL.sameAs)) == {WD[BRIEF_QIDS[key]]}
    assert (place(key), TW.unresolvedReason, None) not in graph


@pytest.mark.parametrize("key", sorted(UNRESOLVED))
def test_unverified_places_are_unresolved_with_a_reason(graph: Graph, key: str) -> None:
    assert (place(key), OWL.sameAs, None) not in graph
    reason = graph.value(place(key), TW.unresolvedReason)
    assert reason is not None and len(str(reason)) > 20


def test_every_party_is_in_the_brief_or_unresolved(graph: Graph) -> None:
    parties = {str(o).removeprefix(f"{BASE}place/") for o in graph.objects(None, TW.party)}
    assert parties == set(BRIEF_QIDS) | UNRESOLVED


def _dates(graph: Graph, doc: URIRef) -> list[Literal]:
    return sorted(graph.objects(s, TW.date) for s in graph.objects(doc, TW.signing))  # type: ignore[misc]


def _doc(graph: Graph, a: str, b: str, doc_id: str) -> URIRef:
    uri = URIRef(f"{partnership(a, b)}/document/{doc_id}")
    assert (uri, RDF.type, TW.Document) in graph
    return uri


def test_dates_keep_source_precision(graph: Graph) -> None:
    wup = _doc(graph, "kosice", "wuppertal", "cooperation-agreement")
    assert [d for s in graph.objects(wup, TW.signing) for d in graph.objects(s, TW.date)] == [
        Literal("1980-05-22", datatype=XSD.date)]
    lin = _doc(graph, "kaunas", "linkoping", "cooperation-agreement-1992")
    assert [d for s in graph.objects(lin, TW.signing) for d in graph.objects(s, TW.date)] == [
        Literal("1992-01", datatype=XSD.gYearMonth)]
    mys = partnership("kaunas", "mysliborz")
    assert graph.value(mys, TW.began) == Literal("1996", datatype=XSD.gYear)
    fer = partnership("kaunas", "ferrara")
    assert graph.value(fer, TW.began) == Literal("1998", datatype=XSD.gYear)
    assert str(graph.value(fer, TW.beganQualifier)).endswith("/date-qualifiers/early")


def test_no_date_is_padded(graph: Graph) -> None:
    for d in graph.objects(None, TW.date):
        assert isinstance(d, Literal) and d.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
    years = [d for d in graph.objects(None, TW.date) if d.datatype == XSD.gYear]  # type: ignore[union-attr]
    assert len(years) >= 17  # Vestfold's renewals, Linköping 1995, Växjö, Myślibórz, Wuppertal, Raahe ...


def test_two_signings_in_two_places(graph: Graph) -> None:
    doc = _doc(graph, "kosice", "mobile", "partnership-agreement")
    signings = {(str(graph.value(s, TW.date)), graph.value(s, TW.place)) for s in graph.objects(doc, TW.signing)}
    assert signings == {("1991-04-12", place("mobile")), ("1992-03-20", place("kosice"))}


def test_renewal_chain(graph: Graph) -> None:
    vest = partnership("kaunas", "vestfold")
    docs = set(graph.objects(vest, TW.document))
    renewals = [d for d in docs if (d, TW.renews, None) in graph]
    assert len(docs) == 14 and len(renewals) == 13
    # the chain runs back from the last renewal to the first agreement
    d = URIRef(f"{vest}/document/cooperation-agreement-renewal-2018")
    steps = 0
    while (nxt := graph.value(d, TW.renews)) is not None:
        d, steps = nxt, steps + 1  # type: ignore[assignment]
    assert steps == 13 and str(d).endswith("cooperation-agreement-1991")


def test_letter_of_intent_followed_by_agreement(graph: Graph) -> None:
    agreement = _doc(graph, "kaunas", "xiamen", "twinning-agreement-2001")
    assert graph.value(agreement, TW.follows) == _doc(graph, "kaunas", "xiamen", "letter-of-intent-2000")


def test_memberships(graph: Graph) -> None:
    from rdflib.namespace import ORG

    nets = {str(graph.value(m, ORG.organization)).rsplit("/", 1)[-1]
            for m in graph.subjects(ORG.member, place("kaunas"))}
    assert nets == {"ubc", "european-cities-marketing", "new-hanseatic-league", "ecad"}
    ubc = URIRef(f"{BASE}membership/kaunas/ubc")
    assert graph.value(ubc, TW.memberSince) == Literal("1994", datatype=XSD.gYear)


def test_provenance_passage_is_verbatim_from_the_seed(graph: Graph) -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    text = " ".join((seeds / "000_d9b2ea80efc1cf89.txt").read_text("utf-8").split())
    p = partnership("kosice", "mobile")
    assert str(graph.value(p, TW.sourcePassage)) in text
    assert graph.value(p, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == URIRef(
        f"{BASE}source/kosice-twin-cities")


def test_shortcut_is_symmetric(graph: Graph) -> None:
    for a, b in graph.subject_objects(TW.twinnedWith):
        assert (b, TW.twinnedWith, a) in graph
    assert len(list(graph.subject_objects(TW.twinnedWith))) == 100


def test_wikidata_shaped_view(graph: Graph) -> None:
    kosice, mobile = WD.Q25409, WD.Q79875
    assert (kosice, WDT.P190, mobile) in graph and (mobile, WDT.P190, kosice) in graph
    statements = [s for s in graph.objects(kosice, P.P190) if graph.value(s, PS.P190) == mobile]
    assert len(statements) == 1
    assert graph.value(statements[0], PQ.P580) == Literal("1991-04-12T00:00:00Z", datatype=XSD.dateTime)
    # no Wikidata statement for a partnership with an unresolved party
    assert (None, WDT.P190, None) in graph
    yaotsu_partnership = partnership("kaunas", "yaotsu")
    assert not list(graph.subjects(TW.statementOf, yaotsu_partnership))
    # 50 partnerships, 5 with an unresolved party: 45 pairs, both directions
    assert len(list(graph.subject_objects(WDT.P190))) == 90
