"""Areas of cooperation read from sentences that speak of cooperation."""

from __future__ import annotations

import pytest

from tests.support.paths import ROOT
from twinned.extract.areas import AreaScheme


@pytest.fixture(scope="module")
def scheme() -> AreaScheme:
    return AreaScheme.load(ROOT / "ontology")


def areas(scheme: AreaScheme, sentence: str) -> dict[str, str]:
    return {a.area: a.as_written for a in scheme.in_sentence(sentence, 0, len(sentence))}


def test_a_field_list_keeps_the_wording(scheme: AreaScheme) -> None:
    found = areas(scheme, "This document foresees the cooperation in such area as education, culture, "
                          "sports, cultural heritage and city economy and development.")
    assert found == {"education": "education", "culture": "culture", "sport": "sports",
                     "cultural-heritage": "cultural heritage", "economy": "city economy",
                     "urban-planning": "city economy and development"}


def test_general_keywords(scheme: AreaScheme) -> None:
    found = areas(scheme, "It was designed to start co-operation and exchange of cultural groups, initiate the "
                          "contacts among schools, hospitals, Chambers of Commerce, and police.")
    assert set(found) == {"culture", "education", "health", "economy", "public-safety"}


def test_only_sentences_about_cooperation(scheme: AreaScheme) -> None:
    assert areas(scheme, "The delegation visited the schools and the museum.") == {}


def test_values_are_not_fields(scheme: AreaScheme) -> None:
    found = areas(scheme, "Both cities would adhere to the principles of friendship, democracy and human rights "
                          "and would collaborate in the fields of urban planning and science.")
    assert set(found) == {"urban-planning", "science"}


def test_country_names_are_not_fields(scheme: AreaScheme) -> None:
    assert areas(scheme, "Socialist Republic of Vietnam Da Nang Memorandum of Understanding on Cooperation") == {}


def test_a_title_names_its_field(scheme: AreaScheme) -> None:
    text = "Hungary Budapest Declaration on Cooperation in the Field of Culture, 9/5/1997"
    title = (text.index("Declaration"), text.index(","))
    assert {a.area for a in scheme.in_sentence(text, 0, len(text), [title])} == {"culture"}
