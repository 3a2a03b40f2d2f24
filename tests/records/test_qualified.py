"""A date's qualifier travels to everything derived from it (issue 15): first signed, start
date, the Wikidata view's P580, the canned queries and QuickStatements."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, SKOS, TIME, XSD

from tests.support.paths import ROOT
from tests.support.project import copy_project
from twinned.build.pipeline import dataset_graph
from twinned.config import Settings, load_settings
from twinned.rdf.vocab import CIRCA, PQ, PQV, TW, WIKIBASE
from twinned.records.dates import PartialDate
from twinned.records.qualified import QUALIFIERS, QualifiedDate, earliest, quickstatements_cells, wikidata_start

DQ = "https://w3id.org/twinned/def/date-qualifiers/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return dataset_graph(load_settings(ROOT, env={}))[1]


def qualified(g: Graph, s: URIRef, prop: URIRef, qualifier_prop: URIRef) -> QualifiedDate | None:
    value = g.value(s, prop)
    if value is None:
        return None
    q = g.value(s, qualifier_prop)
    return QualifiedDate(PartialDate.parse(str(value)), str(q).removeprefix(DQ) if q else None)


def signings(g: Graph, document: URIRef) -> list[QualifiedDate]:
    out = [qualified(g, s, TW.date, TW.dateQualifier) for s in g.objects(document, TW.signing)]
    return [d for d in out if d is not None]


def time_of(g: Graph, statement: URIRef, prop: str) -> PartialDate | None:
    """A Wikidata time qualifier read back at its precision."""
    node = g.value(statement, PQV[prop])
    if node is None:
        return None
    value, precision = str(g.value(node, WIKIBASE.timeValue)), int(g.value(node, WIKIBASE.timePrecision))
    return PartialDate.parse(value[: {9: 4, 10: 7, 11: 10}[precision]])


def check_statement(g: Graph, statement: URIRef, start: QualifiedDate) -> None:
    """The P580 of a Wikidata-shaped statement says no more than the start date."""
    w = wikidata_start(start)
    p580 = g.value(statement, PQ.P580)
    if w.value is None:
        assert isinstance(p580, URIRef) and (p580, RDF.type, TW.UnknownValue) in g
    else:
        assert time_of(g, statement, "P580") == w.value
        assert p580 == Literal(w.value.wikidata_time(), datatype=XSD.dateTime)
    assert time_of(g, statement, "P1319") == w.earliest
    assert time_of(g, statement, "P1326") == w.latest
    assert ((statement, PQ.P1480, CIRCA) in g) == w.circa


def walk(g: Graph) -> dict[str, int]:
    """Check every derived date of the graph against the dates it comes from; count them."""
    seen = {"firstSigned": 0, "startDate": 0, "memberSince": 0, "statements": 0}
    for doc in g.subjects(RDF.type, TW.Document):
        expected = earliest(signings(g, doc))
        assert qualified(g, doc, TW.firstSigned, TW.firstSignedQualifier) == expected, doc
        seen["firstSigned"] += bool(expected and expected.qualifier)
    for p in g.subjects(RDF.type, TW.Partnership):
        expected = earliest([d for doc in g.objects(p, TW.document) for d in signings(g, doc)])
        assert qualified(g, p, TW.startDate, TW.startDateQualifier) == expected, p
        seen["startDate"] += bool(expected and expected.qualifier)
        for statement in g.subjects(TW.statementOf, p):
            if expected is None:
                assert g.value(statement, PQ.P580) is None
            else:
                check_statement(g, statement, expected)
                seen["statements"] += bool(expected.qualifier)
    for m in g.subjects(RDF.type, ORG.Membership):
        start = g.value(g.value(m, ORG.memberDuring), TIME.hasBeginning) if g.value(m, ORG.memberDuring) else None
        since = qualified(g, m, TW.memberSince, TW.memberSinceQualifier)
        if start is None:
            assert since is None
            continue
        value = next(v for p, v in g.predicate_objects(start) if str(p).startswith(str(TIME) + "inXSD"))
        q = g.value(start, TW.dateQualifier)
        assert since == QualifiedDate(PartialDate.parse(str(value)), str(q).removeprefix(DQ) if q else None)
        seen["memberSince"] += bool(since and since.qualifier)
    return seen


def test_every_qualified_date_of_the_graph_reaches_its_derived_forms(graph: Graph) -> None:
    seen = walk(graph)
    # not vacuous: Kaunas–Tampere's agreement (not before 14 May 1997) and ECAD (not before 2003)
    assert seen["firstSigned"] >= 1 and seen["memberSince"] >= 1
    tampere = URIRef("https://w3id.org/twinned/partnership/kaunas--tampere/document/twinning-agreement-1997")
    assert graph.value(tampere, TW.firstSignedQualifier) == URIRef(DQ + "not-before")
    began = graph.value(URIRef("https://w3id.org/twinned/partnership/ferrara--kaunas"), TW.beganQualifier)
    assert began == URIRef(DQ + "early")


def test_the_council_approval_is_a_document_of_its_own(graph: Graph) -> None:
    base = "https://w3id.org/twinned/partnership/kaunas--tampere"
    approval = URIRef(f"{base}/document/council-approval-1997")
    assert graph.value(approval, TW.documentType) == URIRef("https://w3id.org/twinned/def/agreement-types/council-decision")
    assert graph.value(approval, TW.firstSigned) == Literal("1997-05-14", datatype=XSD.date)
    assert (URIRef(f"{base}/document/twinning-agreement-1997"), TW.follows, approval) in graph
    # the partnership starts with the dated approval: its start date is firm
    assert graph.value(URIRef(base), TW.startDate) == Literal("1997-05-14", datatype=XSD.date)
    assert graph.value(URIRef(base), TW.startDateQualifier) is None


def test_every_qualifier_is_a_concept_of_the_scheme(graph: Graph) -> None:
    scheme = URIRef("https://w3id.org/twinned/def/date-qualifiers")
    assert {str(c).removeprefix(DQ) for c in graph.subjects(SKOS.inScheme, scheme)} == set(QUALIFIERS)


def _tampere_with(project: Path, qualifier: str, date: str) -> None:
    """Kaunas–Tampere with the agreement as the only document, dated ``date`` ``qualifier``."""
    path = project / "data" / "cities" / "kaunas.yaml"
    text = path.read_text(encoding="utf-8")
    approval = re.search(r"      - id: council-approval-1997\n(?:        .*\n|          .*\n)+?(?=      - id:)", text)
    assert approval is not None
    text = text.replace(approval[0], "").replace("        follows: council-approval-1997\n", "")
    text = text.replace("          - date: 1997-05-14\n            qualifier: not-before\n",
                        f"          - date: {date}\n            qualifier: {qualifier}\n")
    path.write_text(text, encoding="utf-8")


DATES = ("1997-05-14", "1997-05", "1997")
# every qualifier at every precision; the developer run (-m "not slow") takes each qualifier once
# and each precision twice, CI the whole matrix (each case copies and maps the project)
DEVELOPER_CASES = {(DATES[i % len(DATES)], q) for i, q in enumerate(QUALIFIERS)}


@pytest.mark.parametrize(("date", "qualifier"), [
    pytest.param(date, qualifier, id=f"{date}-{qualifier}",
                 marks=() if (date, qualifier) in DEVELOPER_CASES else pytest.mark.slow)
    for qualifier in QUALIFIERS for date in DATES])
def test_a_qualified_start_date_reaches_p580(tmp_path: Path, qualifier: str, date: str) -> None:
    project = copy_project(tmp_path / "project")
    _tampere_with(project, qualifier, date)
    g = dataset_graph(load_settings(project, env={}))[1]
    p = URIRef("https://w3id.org/twinned/partnership/kaunas--tampere")
    expected = QualifiedDate(PartialDate.parse(date), qualifier)
    assert qualified(g, p, TW.startDate, TW.startDateQualifier) == expected
    statements = list(g.subjects(TW.statementOf, p))
    assert len(statements) == 2
    for statement in statements:
        check_statement(g, statement, expected)
        if qualifier in ("not-before", "not-after"):  # never a day the source does not give
            assert time_of(g, statement, "P580") is None
    walk(g)


def test_wikidata_start_never_states_more_than_the_source() -> None:
    day = PartialDate.parse("1997-05-14")
    assert wikidata_start(QualifiedDate(day)).value == day
    assert wikidata_start(QualifiedDate(day, "not-before")).value is None
    assert wikidata_start(QualifiedDate(day, "not-before")).earliest == day
    assert wikidata_start(QualifiedDate(day, "not-after")).latest == day
    assert wikidata_start(QualifiedDate(day, "circa")).circa
    for q in ("early", "mid", "late"):
        assert wikidata_start(QualifiedDate(PartialDate.parse("1998"), q)).value == PartialDate.parse("1998")


@pytest.mark.parametrize(("qualifier", "cells"), [
    (None, ["P580", "+1997-05-14T00:00:00Z/11"]),
    ("not-before", ["P580", "somevalue", "P1319", "+1997-05-14T00:00:00Z/11"]),
    ("not-after", ["P580", "somevalue", "P1326", "+1997-05-14T00:00:00Z/11"]),
    ("circa", ["P580", "+1997-05-14T00:00:00Z/11", "P1480", "Q5727902"]),
    ("early", ["P580", "+1997-05-14T00:00:00Z/11"]),
])
def test_quickstatements_cells(qualifier: str | None, cells: list[str]) -> None:
    assert quickstatements_cells(QualifiedDate(PartialDate.parse("1997-05-14"), qualifier)) == cells


def test_a_firm_date_beats_a_bound_on_the_same_day() -> None:
    day = PartialDate.parse("1997-05-14")
    assert earliest([QualifiedDate(day, "not-before"), QualifiedDate(day)]) == QualifiedDate(day)


# -- the Wikidata diff, QuickStatements, pages and the timeline ---------------------------------------


@pytest.mark.parametrize(("qualifier", "year", "agree"), [
    ("not-before", 1998, True), ("not-before", 1997, True), ("not-before", 1996, False),
    ("not-after", 1996, True), ("not-after", 1998, False), ("circa", 1999, True), ("early", 1998, False),
    (None, 1997, True),
])
def test_the_diff_compares_a_qualified_start_as_what_it_says(qualifier: str | None, year: int, agree: bool) -> None:
    from twinned.wikidata import compare as wd
    from twinned.wikidata.view import WikidataTime

    ours = QualifiedDate(PartialDate.parse("1997-05-14"), qualifier)
    assert wd.agrees_qualified(ours, WikidataTime(f"{year}-01-01T00:00:00Z", 9)) is agree


def test_the_diff_and_quickstatements_carry_the_qualifier(tmp_path: Path) -> None:
    from twinned.rdf.vocab import load_vocabulary
    from twinned.records.load import load_records
    from twinned.wikidata import compare as wd
    from twinned.wikidata.ours import our_cities
    from twinned.wikidata.view import WikidataView

    project = copy_project(tmp_path / "project")
    _tampere_with(project, "not-before", "1997-05-14")
    records = load_records(project / "data", load_vocabulary(project / "ontology"))
    (kaunas,) = our_cities(records, "https://w3id.org/twinned/", "kaunas")
    tampere = next(p for p in kaunas.partners if p.key == "tampere")
    assert str(tampere.qualified_start) == "not before 1997-05-14"
    view = WikidataView("offline", "test", (), {}, directed=True, dates=True, kinds=False)
    line = wd.quickstatements(wd.Diff(view, (wd.CityDiff(kaunas, (), 0, 0, (), (("Q4115712", "Q40840", tampere),)),)))
    assert line == ("Q4115712\tP190\tQ40840\tP580\tsomevalue\tP1319\t+1997-05-14T00:00:00Z/11\tS854\t"
                    '"https://w3id.org/twinned/partnership/kaunas--tampere"\n')


def test_pages_and_the_timeline_show_the_qualifier(built: Settings) -> None:
    from starlette.testclient import TestClient

    from twinned.store.release import load_release
    from twinned.web.server import site_app

    html = {"Accept": "text/html"}
    with TestClient(site_app(built, load_release(built.output_dir.resolve()), query_workers=1)) as client:
        doc = client.get("/partnership/kaunas--tampere", headers=html).text
        assert '<span class="tag">Not before</span>' in doc  # the agreement's signing
        assert "Follows <a" in doc and "Kaunas City Council approval (1997-05-14)" in doc
        place = client.get("/place/kaunas", headers=html).text
        assert "not before 1997-05-14" in place  # the timeline's mark and table
        assert "implied, not stated" in place  # European Cities Marketing
        assert '<span class="tag">Not before</span>' in place  # ECAD: member since 2003, not before


def test_canned_queries_give_each_qualified_date_its_qualifier(tmp_path: Path) -> None:
    """Every qualified first-signed and start date of a graph, read back through the canned
    queries that publish it (documents, partnerships, partners, signed-between)."""
    import pyoxigraph as ox

    from twinned.queries import canned as q
    from twinned.queries.results import Solutions, execute

    project = copy_project(tmp_path / "project")
    _tampere_with(project, "circa", "1997")
    g = dataset_graph(load_settings(project, env={}))[1]
    store = ox.Store()
    store.bulk_load(g.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    canned = q.load_queries(ROOT / "queries")
    base = "https://w3id.org/twinned/"
    scheme = URIRef(DQ.rstrip("/"))
    labels = {str(c).removeprefix(DQ): str(g.value(c, SKOS.prefLabel)) for c in g.subjects(SKOS.inScheme, scheme)}

    def rows(name: str, params: dict[str, str]) -> list[dict[str, str | None]]:
        _b, result = execute(store, canned[name], params, base)
        assert isinstance(result, Solutions)
        return [{v: (t.value if t is not None else None) for v, t in zip(result.variables, row, strict=True)}
                for row in result.rows]

    checked = 0
    for doc in g.subjects(TW.firstSignedQualifier, None):
        partnership = str(g.value(doc, TW.partnership)).removeprefix(base)
        (row,) = [r for r in rows("documents", {"partnership": partnership}) if r["document"] == str(doc)]
        assert row["dateQualifier"] == labels[str(g.value(doc, TW.firstSignedQualifier)).removeprefix(DQ)]
        checked += 1
    for p in g.subjects(TW.startDateQualifier, None):
        label = labels[str(g.value(p, TW.startDateQualifier)).removeprefix(DQ)]
        assert {r["startDateQualifier"] for r in rows("partnerships", {}) if r["partnership"] == str(p)} == {label}
        assert {r["startDateQualifier"] for r in rows("partners", {"city": "Q4115712"})
                if r["partnership"] == str(p)} == {label}
        assert {r["startDateQualifier"] for r in rows("signed-between", {"from": "1990", "to": "1999"})
                if r["partnership"] == str(p)} == {label}
        checked += 1
    assert checked >= 2  # the agreement's circa 1997, and the partnership it starts
