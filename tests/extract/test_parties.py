"""Lines naming several partners: enumerations share their clause, chained clauses are cut,
and a continuing clause reads its date with the lead of the clause it continues."""

from __future__ import annotations

import pytest

from tests.support.paths import ROOT
from twinned.extract.eval import draft_facts
from twinned.extract.model import Page
from twinned.extract.pipeline import Extractor


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
                         "cooperation agreement was concluded on 27 April 2007, and Carlos Paz in Argentina.\n",
                         "Q3936")
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


def test_a_partner_introduced_by_its_kind_or_as_the_subject(extractor: Extractor) -> None:
    """"with the French city of X" names X (not "French"); "the Argentine city of Y has been a partner of
    <city>" and "Z, which ..., was twinned with <city>" name their subjects; "signed ... with X" is a relation."""
    f = facts(extractor, "In 1976 Braga signed a twinning agreement with the French city of Clermont-Ferrand. "
                         "Braga and Rio de Janeiro became sister cities in 1983, and the Argentine city of Santa Fe "
                         "has been a partner of Braga since 1992.\n"
                         "Ten years later, on 29 June 2015, a friendship agreement was signed in Braga with "
                         "Gaziantep in Turkey.\n", "Q83247")
    assert f["partners"] == {("Q42168",), ("Q8678",), ("Q44244",), ("Q93338",)}
    assert f["dates"] == {("Q42168", "signed", "1976"), ("Q8678", "began", "1983"), ("Q44244", "began", "1992"),
                          ("Q93338", "signed", "2015-06-29")}


def test_a_sentence_of_its_own_keeps_its_partner_and_an_adjective_is_no_place(extractor: Extractor) -> None:
    f = facts(extractor, "Friendship links were established with Bologna in Italy in 1960 and with Warsaw, the Polish "
                         "capital, in 1962. The Commonwealth is represented by Kingston in Jamaica: "
                         "a partnership agreement "
                         "was signed there on 14 March 1962. More recently, the city concluded a memorandum of "
                         "understanding with Jinan in 1983.\n", "Q6225")
    assert f["partners"] == {("Q1891",), ("Q270",), ("Q34692",), ("Q170247",)}
    assert ("Q34692", "signed", "1962-03-14") in f["dates"] and ("Q170247", "signed", "1983") in f["dates"]


def test_the_and_of_city_and_partner_stays_in_the_partner_s_clause(extractor: Extractor) -> None:
    f = facts(extractor, "Cooperation with Africa began in 1982 with Agadir, in Morocco; the friendship agreement "
                         "between Nantes and Dschang, in Cameroon, dates from 14.10.1991.\n", "Q12191")
    assert f["types"] == {("Q289267", "friendship-agreement")}
    assert f["dates"] == {("Q170525", "began", "1982"), ("Q289267", "signed", "1991-10-14")}


def test_a_twinning_title_and_a_document_named_again(extractor: Extractor) -> None:
    """"Town Twinning 1948" is a document; "where the agreement with Maribor was signed" is the one listed;
    "twinned in 1958" says when relations began."""
    f = facts(extractor, "Partner cities of the City of Graz\nUnited Kingdom Coventry Town Twinning 1948\n"
                         "Slovenia Maribor Agreement on Friendship and Cooperation 12.3.2001\n"
                         "Graz City Hall, where the agreement with Maribor was signed.\n"
                         "Graz also works with Groningen in the Netherlands, twinned in 1958.\n", "Q13298")
    assert f["types"] == {("Q6225", "twinning-agreement"), ("Q1010", "friendship-agreement")}
    assert f["dates"] == {("Q6225", "signed", "1948"), ("Q1010", "signed", "2001-03-12"), ("Q749", "began", "1958")}


def test_a_kind_before_the_name_and_a_state_named_like_a_country(extractor: Extractor) -> None:
    """"the Brazilian metropolis Rio de Janeiro" after "and with"; "Atlanta (Georgia)" is the US city;
    a table cell "Twinning" before the date is the document."""
    f = facts(extractor, "Liverpool has been twinned with the Argentine city of Rosario since 1989 and with the "
                         "Brazilian metropolis Rio de Janeiro since 2004.\n", "Q24826")
    assert f["dates"] == {("Q52535", "began", "1989"), ("Q8678", "began", "2004")}
    f = facts(extractor, "Partner city | Kind of link | Signed\nBristol | Twinning | 1947\n"
                         "Atlanta (Georgia) | Twinning | 1974\n", "Q7880")
    assert f["types"] == {("Q23154", "twinning-agreement"), ("Q23556", "twinning-agreement")}
    assert f["dates"] == {("Q23154", "signed", "1947"), ("Q23556", "signed", "1974")}


def test_a_short_exonym_with_a_diacritic(extractor: Extractor) -> None:
    """GeoNames' three-letter other spellings are mostly codes, but "Åbo" (Turku) is a name."""
    f = facts(extractor, "Gothenburg's twin cities:\n- Åbo, Finland — twinned since 1946\n", "Q25287")
    assert f["partners"] == {("Q38511",)}


def test_a_pact_an_update_line_and_links_to_a_city(extractor: Extractor) -> None:
    """"Friendship pact" is a document; "Updated: March 2026" is no partner; "linked to X since 1959"
    and "and to Y since 1988" name partners; "dates from 1975" says when relations began."""
    f = facts(extractor, "City | Nation | Agreement | Year\nDetroit | USA | Friendship pact | 1998\n"
                         "Updated: March 2026\n", "Q495")
    assert f["partners"] == {("Q12439",)} and f["types"] == {("Q12439", "friendship-agreement")}
    f = facts(extractor, "The partnership with Saint Louis, Missouri, dates from 1975. In Asia, Lyon has been "
                         "linked to Yokohama since 1959 and to Shanghai since 1988.\n", "Q456")
    assert f["dates"] == {("Q38022", "began", "1975"), ("Q38283", "began", "1959"), ("Q8686", "began", "1988")}


def test_the_publishing_city_s_homonym_is_the_city_and_a_letter_with_x_names_x(extractor: Extractor) -> None:
    """On Bristol's page "Bristol" is Bristol, UK (not a homonym to settle), so "Bristol and Kumamoto"
    names Kumamoto; "a letter of intent with Guangzhou" names Guangzhou; "Porto joined in 1984"."""
    f = facts(extractor, "In 2017 Bristol and Kumamoto in Japan agreed a memorandum of friendship, and a letter of "
                         "intent with Guangzhou was signed on 2 March 2001.\nPorto joined in 1984. Bristol's link with "
                         "Beira in Mozambique, begun in 1990, focuses on health.\n", "Q23154")
    assert f["partners"] == {("Q199889",), ("Q16572",), ("Q36433",), ("Q211563",)}
    assert {("Q199889", "signed", "2017"), ("Q16572", "signed", "2001-03-02"), ("Q36433", "began", "1984"),
            ("Q211563", "began", "1990")} <= f["dates"]
