"""`twinned link` (linking.py, names.py): candidates from data/places.yaml, the P190
extract and a real Oxigraph server holding a Wikidata-shaped fixture; no ambiguous
choice on its own; the chosen QID written into the one entry of places.yaml.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT
from tests.support.wikidata_servers import closed_port_url, oxigraph_endpoint
from twinned.cli import main
from twinned.config import load_settings
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_records
from twinned.records.names import fold, overlaps, same
from twinned.wikidata import client as wc
from twinned.wikidata.linking import name_forms, sparql_literal

EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"


@pytest.fixture(autouse=True)
def no_real_wikidata(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = closed_port_url()
    monkeypatch.setattr(wc, "WIKIDATA_SPARQL", closed)
    monkeypatch.setattr("twinned.cli.wikidata.WIKIDATA_SPARQL", closed)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_endpoint(tmp_path_factory.mktemp("wikidata")) as url:
        yield url


def link(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["link", *argv, "--project", str(project), "--offline", str(EXTRACT)])
    out, err = capsys.readouterr()
    return code, out, err


def proposal(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = link(capsys, ROOT, *argv, "--format", "json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


# -- names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [("Košice", "kosice"), ("Białystok", "Bialystok"), ("Växjö", "VAXJO"),
                                      ("Cava de' Tirreni", "Cava de Tirreni"), ("Niš", "Nis"),
                                      ("Myślibórz", "mysliborz"), ("Đà Nẵng", "Da Nang")])
def test_names_compare_without_diacritics(a: str, b: str) -> None:
    assert same(a, b)


def test_names_overlap_by_whole_words() -> None:
    assert overlaps("Linköping", "Linköping Municipality") and overlaps("Kreis Lippe", "Lippe")
    assert not overlaps("Riga", "Rigaer Straße") and not overlaps("Linz", "Linköping")
    assert fold("  Saint-Petersburg ") == "saint petersburg"


def test_sparql_literals_are_escaped() -> None:
    assert sparql_literal('a "b" \\ c\nd', "en") == '"a \\"b\\" \\\\ c\\nd"@en'
    assert name_forms("kaunas") == ["kaunas", "Kaunas"] and name_forms("Kaunas") == ["Kaunas"]


# -- offline --------------------------------------------------------------------------------------------


def test_offline_candidate_without_diacritics(capsys: pytest.CaptureFixture[str]) -> None:
    doc = proposal(capsys, "Kosice")
    [c] = doc["candidates"]
    assert (c["qid"], c["label"], c["country"], c["exact"]) == ("Q25409", "Košice", "SK", True)
    assert {w["source"] for w in c["why"]} == {"places.yaml", "extract"}
    assert doc["unambiguous"] == "Q25409"
    assert doc["entries"][0]["key"] == "kosice"


def test_aliases_match(capsys: pytest.CaptureFixture[str]) -> None:
    doc = proposal(capsys, "Ryga")  # the Kaunas page's spelling of Riga
    [c] = doc["candidates"]
    assert c["qid"] == "Q1773" and 'alias "Ryga"' in c["why"][0]["reason"]


def test_country_restricts(capsys: pytest.CaptureFixture[str]) -> None:
    everywhere = {c["qid"] for c in proposal(capsys, "San Martin")["candidates"]}
    in_argentina = proposal(capsys, "San Martin", "--country", "ar")
    assert {c["qid"] for c in in_argentina["candidates"]} < everywhere
    assert all(c["country"] == "AR" for c in in_argentina["candidates"])


def test_a_candidate_never_verified_is_not_a_choice(capsys: pytest.CaptureFixture[str]) -> None:
    doc = proposal(capsys, "San Martin", "--country", "AR")
    [c] = doc["candidates"]
    assert c["qid"] == "Q781245" and not c["exact"]
    assert doc["unambiguous"] is None
    assert doc["entries"][0]["unresolved"].startswith("Ambiguous")


def test_report_lists_why(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = link(capsys, ROOT, "Kosice")
    assert code == 0
    assert "1. Q25409" in out and "places.yaml: label \"Košice\" (en) of our place kosice" in out
    assert "Unambiguous: Q25409" in out


# -- online: a real endpoint ----------------------------------------------------------------------------


def test_online_search_is_restricted_to_places(capsys: pytest.CaptureFixture[str], endpoint: str) -> None:
    doc = proposal(capsys, "Linköping", "--endpoint", endpoint)
    by_qid = {c["qid"]: c for c in doc["candidates"]}
    assert set(by_qid) == {"Q25413", "Q499410"}  # not the football club Q9000002
    assert doc["candidates"][0]["qid"] == "Q25413"  # three sources agree
    assert {w["source"] for w in by_qid["Q25413"]["why"]} == {"places.yaml", "extract", "Wikidata"}
    [why] = by_qid["Q499410"]["why"]
    assert why["reason"] == 'alias "Linköping"@en; an administrative territorial entity'
    assert by_qid["Q499410"]["description"].startswith("municipality")
    assert doc["unambiguous"] is None and any(endpoint in s for s in doc["searched"])


def test_online_finds_what_the_gazetteer_lacks(capsys: pytest.CaptureFixture[str], endpoint: str) -> None:
    doc = proposal(capsys, "koenigsberg", "--endpoint", endpoint)
    assert doc["candidates"] == []  # not the same name (no transliteration guessing)
    doc = proposal(capsys, "Königsberg", "--endpoint", endpoint)
    assert [c["qid"] for c in doc["candidates"]] == ["Q4120832"]
    assert doc["candidates"][0]["why"][0]["reason"].endswith("an administrative territorial entity")


def test_a_quote_in_the_name_stays_in_the_literal(capsys: pytest.CaptureFixture[str], endpoint: str) -> None:
    doc = proposal(capsys, 'x" } ?item ?p ?o . #', "--endpoint", endpoint)
    assert doc["candidates"] == [] and doc["not_searched"] == []


def test_an_unreachable_endpoint_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = link(capsys, ROOT, "Riga", "--endpoint", closed_port_url(), "--retries", "0")
    assert code == 0
    assert "1. Q1773" in out and "Not searched: Wikidata: the SPARQL endpoint" in out


# -- writing places.yaml --------------------------------------------------------------------------------


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_write_edits_only_the_one_entry(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    places = project / "data" / "places.yaml"
    before = places.read_text("utf-8")
    code, _, err = link(capsys, project, "San Martin", "--country", "AR", "--write", "san-martin-argentina",
                        "--choose", "1")
    assert code == 0, err
    assert "san-martin-argentina: wikidata Q781245 (was unresolved)" in err
    after = places.read_text("utf-8")
    removed, added = changed_lines(before, after)
    assert added == ["    wikidata: Q781245"]
    assert removed == ["    unresolved: >-",
                       "      Ambiguous: several Argentine places are called San Martín; the source says only",
                       '      "San Martin City (Argentina)".',
                       "    candidates: [Q781245]"]
    assert "  # --- partners of Kaunas (page order) -------------------------------------" in after
    settings = load_settings(project, env={})
    place = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir)).gazetteer.places[
        "san-martin-argentina"]
    assert place.identity.wikidata == "Q781245" and place.identity.unresolved is None


def test_write_an_explicit_qid(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    places = project / "data" / "places.yaml"
    before = places.read_text("utf-8")
    code, _, err = link(capsys, project, "Kreis Lippe", "--write", "kreis-lippe", "--qid", "Q9000003")
    assert code == 0, err
    assert "not among the candidates" in err
    assert changed_lines(before, places.read_text("utf-8")) == (
        ["    unresolved: QID not verified in two independent public copies of Wikidata"],
        ["    wikidata: Q9000003"])


def test_nothing_ambiguous_is_written(capsys: pytest.CaptureFixture[str], project: Path, endpoint: str) -> None:
    places = project / "data" / "places.yaml"
    before = places.read_bytes()
    code, out, err = link(capsys, project, "Linköping", "--endpoint", endpoint, "--write", "linkoping")
    assert code == 2 and "2 candidates" in err and "nothing was written" in err
    assert "1. Q25413" in out  # the list is shown, to choose from
    code, _, err = link(capsys, project, "San Martin", "--write", "san-martin-argentina")
    assert code == 2 and "nothing is chosen on its own" in err
    assert places.read_bytes() == before


@pytest.mark.parametrize(("argv", "said"), [
    (("Kaunas", "--write", "kaunas", "--qid", "Q2"), "linked to Q4115712 already; give --replace"),
    (("Riga", "--write", "tartu", "--qid", "Q1773"), "Q1773 is already the QID of place riga"),
    (("Atlantis", "--write", "atlantis", "--qid", "Q5"), "no place 'atlantis'"),
    (("Riga", "--qid", "Q1773"), "--write"),
    (("Riga", "--write", "riga", "--choose", "3"), "a candidate number from 1 to 1"),
    (("Riga", "--write", "riga", "--qid", "Riga"), "a Wikidata QID like Q25409"),
])
def test_refusals_write_nothing(capsys: pytest.CaptureFixture[str], project: Path, argv: tuple[str, ...],
                                said: str) -> None:
    places = project / "data" / "places.yaml"
    before = places.read_bytes()
    code, _, err = link(capsys, project, *argv)
    assert code == 2 and said in err
    assert places.read_bytes() == before


def test_replace_and_the_same_qid(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    places = project / "data" / "places.yaml"
    before = places.read_text("utf-8")
    code, _, err = link(capsys, project, "Riga", "--write", "riga", "--choose", "1")
    assert code == 0 and "already linked to Q1773; nothing was written" in err
    assert places.read_text("utf-8") == before
    code, _, err = link(capsys, project, "Riga", "--write", "riga", "--qid", "Q999999", "--replace")
    assert code == 0 and "riga: wikidata Q1773 → Q999999" in err
    assert changed_lines(before, places.read_text("utf-8")) == (["    wikidata: Q1773"], ["    wikidata: Q999999"])
