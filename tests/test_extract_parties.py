"""Lines naming several partners: enumerations share their clause, chained clauses are cut,
and a continuing clause reads its date with the lead of the clause it continues."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinned.extract import Extractor, Page
from twinned.extract_eval import draft_facts

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ROOT)


def facts(extractor: Extractor, text: str, city: str) -> dict[str, set[tuple[str, ...]]]:
    found = draft_facts(extractor.extract(Page("page.txt", text, None, False), city))
    return {field: set(counter) for field, counter in found.items()}


def test_an_enumeration_shares_its_clause(extractor: Extractor) -> None:
    f = facts(extractor, "Turku has been twinned with Gothenburg, Bergen and Aarhus since 1946.\n", "Q38511")
    assert f["dates"] == {("Q25287", "began", "1946"), ("Q26793", "began", "1946"), ("Q25319", "began", "1946")}


def test_chained_clauses_each_keep_their_own_document_and_date(extractor: Extractor) -> None:
    f = facts(extractor, "The city has been twinned with Bremen since 1976 and with Turku since 1958; it signed a "
                         "cooperation agreement with Marseille in 1992 and a friendship agreement with Helsingør on "
                         "2 October 1998.\n", "Q1792")
    assert f["dates"] == {("Q24879", "began", "1976"), ("Q38511", "began", "1958"),
                          ("Q23482", "signed", "1992"), ("Q26881", "signed", "1998-10-02")}
    assert f["types"] == {("Q23482", "cooperation-agreement"), ("Q26881", "friendship-agreement")}


def test_a_continuing_clause_reads_with_the_lead(extractor: Extractor) -> None:
    f = facts(extractor, "The city signed sister city agreements with Tashkent, Uzbekistan on 6/30/1973 and with "
                         "Bergen, Norway on 9/24/1967. Seattle became a sister city of Christchurch, New Zealand in "
                         "1981, of Mazatlán, Mexico in 1979 and of Nantes, France in 1980.\n", "Q5083")
    assert {("Q269", "twinning-agreement"), ("Q26793", "twinning-agreement")} <= f["types"]
    assert {("Q26793", "signed", "1967-09-24"), ("Q79990", "began", "1981"), ("Q40194", "began", "1979"),
            ("Q12191", "began", "1980")} <= f["dates"]


def test_an_unknown_name_in_prose_is_no_partner(extractor: Extractor) -> None:
    f = facts(extractor, "The Letter of Intent between Kaunas and Brescia was signed in 2002. An association "
                         "develops close partnership with Children's Right Division.\n", "kaunas")
    assert f["partners"] == {("Q6221",)}


def test_a_sentence_listing_the_twin_towns(extractor: Extractor) -> None:
    f = facts(extractor, "About our partnerships\nOur twin towns are Lyon, Nuremberg and Kleinmoorbach in Germany. "
                         "The partnership with Lyon dates back to 1962.\n", "Q31487")
    assert f["partners"] == {("Q456",), ("Q2090",), ("kleinmoorbach",)}
    assert ("Q456", "began", "1962") in f["dates"]


def test_a_city_the_page_says_is_not_a_twin_is_no_partner(extractor: Extractor) -> None:
    f = facts(extractor, "Twin towns\nTurku has been twinned with Gothenburg since 1946.\nFlorence in Italy is not a "
                         "twin town, but the universities of the two cities have cooperated since 2008.\n", "Q38511")
    assert f["partners"] == {("Q25287",)}


def test_a_one_line_list_after_partner_towns(extractor: Extractor) -> None:
    f = facts(extractor, "Partner towns: Randers (Denmark, 1947); Akureyri (Iceland, 1947); Suhl (Germany, 1965).\n",
              "Q28911")
    assert f["dates"] == {("Q27168", "began", "1947"), ("Q29042", "began", "1947"), ("Q14891", "began", "1965")}


def test_clauses_of_a_list_of_partners(extractor: Extractor) -> None:
    f = facts(extractor, "The mayor recalled the city's other partners: Esztergom in Hungary, whose friendship treaty "
                         "dates from 1989, Nagaoka in Japan (partner city since 1989), Prague, with which a "
                         "cooperation agreement was concluded on 27 April 2007, and Carlos Paz in Argentina.\n", "Q3936")
    assert f["partners"] == {("Q171353",), ("Q540312",), ("Q1085",), ("Q48285",)}
    assert f["types"] == {("Q171353", "friendship-agreement"), ("Q1085", "cooperation-agreement")}


def test_a_date_after_a_semicolon_is_another_clause_s(extractor: Extractor) -> None:
    f = facts(extractor, "In 1991 Tampere and Hamelin signed a friendship agreement; Hamelin's mayor visited us "
                         "again in 2016.\n", "tampere")
    assert f["dates"] == {("Q4062", "signed", "1991")}


def test_enumerated_partners_with_their_own_dates(extractor: Extractor) -> None:
    f = facts(extractor, "Debrecen is also twinned with Lublin (since 1972), Oradea (since 1991) and Paterson in the "
                         "United States, with which a sister city agreement was signed in 1993.\n", "Q79880")
    assert {("Q37333", "began", "1972"), ("Q93358", "began", "1991"), ("Q138391", "signed", "1993")} == f["dates"]
    assert f["types"] == {("Q138391", "twinning-agreement")}


def test_list_items_without_bullets(extractor: Extractor) -> None:
    f = facts(extractor, "Potsdam – Partner Cities\n\nBobigny (France) · 1974\nBonn (Germany) · 1988\n", "Q1711")
    assert f["dates"] == {("bobigny", "began", "1974"), ("Q586", "began", "1988")}
