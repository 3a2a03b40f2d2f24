"""Places, countries and networks found in text through the gazetteer."""

from __future__ import annotations

import pytest

from tests.support.paths import ROOT
from twinned.extract.fold import fold
from twinned.extract.names import NameIndex
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_gazetteer


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(load_gazetteer(ROOT / "data", load_vocabulary(ROOT / "ontology")))


@pytest.mark.parametrize(("written", "key"), [
    ("Kharkov", "kharkiv"), ("Kharkiv", "kharkiv"), ("Uzhorod", "uzhhorod"), ("Uzhhorod", "uzhhorod"),
    ("Sankt Peterburg", "saint-petersburg"), ("Saint Petersburg", "saint-petersburg"), ("Ryga", "riga"),
    ("Riga", "riga"), ("Siamen", "xiamen"), ("Xiamen", "xiamen"), ("Niš", "nis"), ("Nis", "nis"),
    ("Kosice", "kosice"), ("Košice", "kosice"), ("Cava de Tirreni", "cava-de-tirreni"),
    ("Rishon Lezion", "rishon-lezion"), ("Lviv Region", "lviv-oblast"), ("Vestfold County", "vestfold"),
    ("BIAŁYSTOK", "bialystok"),
])
def test_spellings(index: NameIndex, written: str, key: str) -> None:
    found = index.find(f"The agreement with {written} was signed.")
    assert [(n.kind, n.key, n.text) for n in found] == [("place", key, written)]


def test_exact_spellings_are_marked(index: NameIndex) -> None:
    assert [n.exact for n in index.find("Niš and Nis and Nïs")] == [True, True, False]


def test_lowercase_heading_fragments_are_not_names(index: NameIndex) -> None:
    assert index.find("ryga lipe myslibuz grenobl 02") == []


def test_countries_and_networks(index: NameIndex) -> None:
    found = index.find("Slovak Republic, Russian Federation, People's Republic of China, USA; "
                       "member of the Union of the Baltic Cities (UBC) and of ECAD")
    assert [(n.kind, n.key) for n in found] == [("country", "SK"), ("country", "RU"), ("country", "CN"),
                                                ("country", "US"), ("network", "ubc"), ("network", "ubc"),
                                                ("network", "ecad")]


def test_offsets_survive_folding() -> None:
    folded, where = fold("Łódź’s")
    assert folded == "lodz s"
    assert where[:4] == [0, 1, 2, 3]
