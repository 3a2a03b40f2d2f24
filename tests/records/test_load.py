"""The loader: the curated records load, and broken ones report every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT
from twinned.errors import InputError
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_records


def _load(project: Path):  # type: ignore[no-untyped-def]
    return load_records(project / "data", load_vocabulary(ROOT / "ontology"))


def _problems(project: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        _load(project)
    return [str(p) for p in info.value.problems]


def test_curated_records_load() -> None:
    records = _load(ROOT)
    assert {c.city for c in records.cities} == {"kosice", "kaunas"}
    counts = {c.city: len(c.partnerships) for c in records.cities}
    assert counts == {"kosice": 22, "kaunas": 28}
    assert len(records.memberships) == 4


BROKEN = """\
city: kosice
source:
  id: kosice-twin-cities
  title: Twin cities
  file: page.txt
  language: en
partnerships:
  - partner: wuppertal
    passage: text
    colour: blue
    documents:
      - id: agreement
        type: cooperation-agreement
        title: Agreement
        signed:
          - date: 2001-02-31
  - partner: atlantis
    passage: text
    documents:
      - id: agreement
        type: cooperation-agreement
        title: Agreement
  - partner: raahe
    documents:
      - id: agreement
        type: friendship-pact
        title: Agreement
  - partner: wuppertal
    passage: again
    documents:
      - id: agreement
        type: cooperation-agreement
        title: Agreement
"""


def test_a_file_with_many_mistakes_reports_all_of_them_with_lines(project: Path) -> None:
    (project / "data" / "cities" / "kosice.yaml").write_text(BROKEN, "utf-8")
    places = project / "data" / "places.yaml"
    places.write_text(places.read_text("utf-8").replace("wikidata: Q2107", "wikidata: Q21O7"), "utf-8")
    problems = _problems(project)
    text = "\n".join(problems)
    f = "data/cities/kosice.yaml"
    assert f"{f}:10: partnerships[0].colour: one of the keys" in text  # unknown field
    assert f"{f}:16: partnerships[0].documents[0].signed[0].date: a real calendar day, not '2001-02-31'" in text
    assert f"{f}:17: partnerships[1].partner: a place listed in places.yaml, not 'atlantis'" in text
    assert f"{f}:23: partnerships[2].passage: the required key 'passage'" in text  # missing field
    assert f"{f}:26: partnerships[2].documents[0].type: an agreement type" in text
    assert f"{f}:28: partnerships[3].partner: each partner once (also on line 8)" in text  # duplicate
    assert "data/places.yaml" in text and "a Wikidata QID like Q25409, not 'Q21O7'" in text  # malformed QID
    assert len(problems) >= 7


def test_bad_yaml_names_the_line(project: Path) -> None:
    (project / "data" / "cities" / "kosice.yaml").write_text("city: kosice\nsource: [unclosed\n", "utf-8")
    (problem,) = [p for p in _problems(project) if "kosice.yaml" in p]
    assert problem.startswith("data/cities/kosice.yaml:")
    assert "valid YAML" in problem


def test_other_files_are_still_checked_when_one_is_unreadable(project: Path) -> None:
    (project / "data" / "cities" / "kosice.yaml").write_bytes(b"city: kosice\n\xff\xfe\n")
    kaunas = project / "data" / "cities" / "kaunas.yaml"
    kaunas.write_text(kaunas.read_text("utf-8").replace("partner: riga", "partner: rigaa"), "utf-8")
    problems = _problems(project)
    assert any(p.startswith("data/cities/kosice.yaml:2: file: UTF-8 text") for p in problems)
    assert any("kaunas.yaml" in p and "'rigaa'" in p for p in problems)


def test_yaml_aliases_are_refused(project: Path) -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\ncity: kosice\n'
    (project / "data" / "cities" / "kosice.yaml").write_text(bomb, "utf-8")
    assert any("no anchors or aliases" in p for p in _problems(project))


def test_duplicate_keys_are_reported_not_overwritten(project: Path) -> None:
    path = project / "data" / "cities" / "kosice.yaml"
    path.write_text(path.read_text("utf-8").replace("city: kosice\n", "city: kosice\ncity: kaunas\n", 1), "utf-8")
    assert any("city: a key given once (also on line" in p for p in _problems(project))


def test_renewal_before_what_it_renews_is_refused(project: Path) -> None:
    path = project / "data" / "cities" / "kosice.yaml"
    text = path.read_text("utf-8")
    assert "date: 1996" in text
    path.write_text(text.replace("date: 1996", "date: 1979", 1), "utf-8")
    assert any("renews: a document dated no later than this one" in p for p in _problems(project))


def test_place_needs_qid_or_reason(project: Path) -> None:
    places = project / "data" / "places.yaml"
    text = places.read_text("utf-8")
    places.write_text(text.replace("    wikidata: Q25409\n", "", 1), "utf-8")
    assert any("either 'wikidata'" in p for p in _problems(project))


def test_same_qid_twice_is_refused(project: Path) -> None:
    places = project / "data" / "places.yaml"
    places.write_text(places.read_text("utf-8").replace("wikidata: Q2107", "wikidata: Q25409"), "utf-8")
    assert any("is also kosice" in p for p in _problems(project))
