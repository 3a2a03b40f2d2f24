"""The extractor's gazetteer: places.yaml, the Wikidata twin-cities extract (../shared) and
GeoNames' other spellings; homonyms settled by the country named or the extract's links, or
left to review; --city by key, QID or name, or a stub."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT
from twinned.cli import main
from twinned.extract.draft import write_draft
from twinned.extract.mentions import NameMention
from twinned.extract.pipeline import Extractor, read_page

EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    assert (EXTRACT / "nodes.tsv").is_file(), "the tests need ../shared/data/wikidata-twin-cities beside the repo"
    return Extractor(ROOT)


def places(extractor: Extractor, text: str, home: str | None = None) -> list[NameMention]:
    return [n for n in extractor.index.find(text, home, extractor.links) if n.kind in ("place", "unsure")]


def qid(extractor: Extractor, key: str) -> str | None:
    return extractor.gazetteer.places[key].identity.wikidata


@pytest.mark.parametrize(("written", "expected"), [
    ("Cracow", "Q31487"), ("Krakau", "Q31487"), ("Kharkov", "Q42308"), ("Gothenburg", "Q25287"),
    ("Göteborg", "Q25287"), ("Florenz", "Q2044"), ("Wilno", "Q216"), ("Tiflis", "Q994"), ("Leipzig", "Q2079"),
])
def test_exonyms_and_other_spellings_reach_the_extract_s_qid(extractor: Extractor, written: str,
                                                              expected: str) -> None:
    found = places(extractor, f"The agreement with {written} was signed.")
    assert [(n.text, qid(extractor, n.key)) for n in found] == [(written, expected)]


def test_a_city_beyond_the_network_is_known_without_a_qid(extractor: Extractor) -> None:
    [n] = places(extractor, "Relations with Lemberg go back to 1950.")
    place = extractor.gazetteer.places[n.key]
    assert (n.key, place.country, place.identity.wikidata) == ("lviv", "UA", None)


def test_the_country_named_beside_a_town_settles_homonyms(extractor: Extractor) -> None:
    text = "Bristol, United Kingdom (1947)\nBristol, Connecticut (1962)\nPortland | United States | 1988\n"
    found = places(extractor, text)
    assert [(n.text, qid(extractor, n.key), extractor.gazetteer.places[n.key].country) for n in found] == [
        ("Bristol", "Q23154", "GB"), ("Bristol", "Q755149", "US"), ("Portland", "Q6106", "US")]


def test_a_card_s_heading_takes_the_country_on_the_next_line(extractor: Extractor) -> None:
    [n] = places(extractor, "Portland\nAustralia · partner city since 1990\n")
    assert qid(extractor, n.key) == "Q1663450"


def test_the_city_s_twins_in_the_extract_settle_homonyms(extractor: Extractor) -> None:
    [n] = places(extractor, "A friendship agreement with Portland was signed in 1988.", "Q1780")  # Bratislava
    assert qid(extractor, n.key) == "Q6106" and "twins with the city" in n.how


def test_what_nothing_settles_stays_unsure(extractor: Extractor) -> None:
    [n] = places(extractor, "A friendship agreement with Portland was signed in 1988.")
    assert n.kind == "unsure" and {qid(extractor, k) for k in n.candidates} >= {"Q6106", "Q1663450"}


def test_a_country_beats_a_city_s_other_spelling(extractor: Extractor) -> None:
    found = extractor.index.find("Mante | Mexico | 1998")
    assert [(n.text, n.kind) for n in found if n.text == "Mexico"] == [("Mexico", "country")]


def test_an_extract_city_of_another_country_than_the_page_says_is_not_taken(extractor: Extractor) -> None:
    [n] = places(extractor, "Nice (United States)")
    assert n.kind == "unsure"


def test_an_unsettled_partner_is_a_stub_with_its_candidates(extractor: Extractor, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Our partners\nA friendship agreement with Portland was signed on 4 May 1988.\n", "utf-8")
    draft = extractor.extract(read_page(page), "kosice")
    data = yaml.safe_load(write_draft(draft, "x"))
    assert data["partnerships"][0]["partner"] == "portland-unresolved"    # "portland" is a key of the gazetteer
    stub = data["places"]["portland-unresolved"]
    assert stub["unresolved"].startswith("TODO") and "Q6106" in stub["candidates"] and "wikidata" not in stub


@pytest.mark.parametrize(("given", "key", "stub"), [
    ("kosice", "kosice", False), ("Q25409", "kosice", False), ("Košice", "kosice", False),
    ("Q192517", "boulder", False), ("Boulder", "boulder", False), ("Portland, US", "portland", False),
    ("Nowhereville", "nowhereville", True),
])
def test_the_city_may_be_a_key_a_qid_a_name_or_a_stub(extractor: Extractor, given: str, key: str,
                                                      stub: bool) -> None:
    home = extractor.city(given)
    assert (home.key, home.stub is not None) == (key, stub)


def test_a_city_places_yaml_lacks_gets_its_entry_in_the_draft(extractor: Extractor, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "boulder.txt"
    page.write_text("Sister Cities\n- Dushanbe, Tajikistan: sister city agreement signed 10/21/1987\n"
                    "- Yamagata, Japan: sister city since 1994\n", "utf-8")
    assert main(["extract", str(page), "--city", "Boulder", "--project", str(ROOT), "-q"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["city"] == "boulder"
    assert data["places"]["boulder"]["wikidata"] == "Q192517"
    assert {p["partner"]: data["places"][p["partner"]]["wikidata"] for p in data["partnerships"]} == {
        "dushanbe": "Q9365", "yamagata": "Q205526"}
    [dushanbe, yamagata] = data["partnerships"]
    assert str(dushanbe["documents"][0]["signed"][0]["date"]) == "1987-10-21"      # month first: 21 > 12
    assert yamagata["began"]["date"] == 1994


def test_a_stub_city_is_recognised_on_its_page(extractor: Extractor, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Nowhereville and Tartu signed a twinning agreement on 3 May 2001.\n", "utf-8")
    draft = extractor.extract(read_page(page), "Nowhereville, EE")
    assert [p.partner for p in draft.partnerships] == ["tartu"]
    assert [(s.key, s.country) for s in draft.stubs] == [("nowhereville", "EE")]


@pytest.mark.slow  # builds the gazetteer's name index twice
def test_the_cached_gazetteer_reads_pages_as_the_built_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    page = read_page(ROOT / "tests" / "pages" / "krakow-cards.html")
    built = Extractor(ROOT)
    assert len(list((tmp_path / "cache" / "twinned").glob("*.pickle"))) == 1
    cached = Extractor(ROOT)
    assert cached.index is not built.index
    assert write_draft(cached.extract(page, "Q31487"), "x") == write_draft(built.extract(page, "Q31487"), "x")
    monkeypatch.setenv("TWINNED_CACHE", "off")
    assert write_draft(Extractor(ROOT).extract(page, "Q31487"), "x") == write_draft(built.extract(page, "Q31487"), "x")
