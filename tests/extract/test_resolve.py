"""extract.resolve: the country beside a place name (a card's heading alone on its line,
the country on the next), whatever list marker stands before the name."""

from __future__ import annotations

import pytest

from twinned.extract.mentions import NameMention
from twinned.extract.resolve import country_beside


def mentions(text: str, place: str, country: str) -> tuple[list[NameMention], NameMention]:
    p, c = text.index(place), text.index(country)
    here = NameMention(p, p + len(place), place, "place", "aarhus", "label (en)", True)
    there = NameMention(c, c + len(country), country, "country", "DK", "country name", True)
    return [here, there], here


@pytest.mark.parametrize("marker", ["", "• ", "- ", "* ", "3. ", "12. ", "12) ", "# "])
def test_a_name_alone_in_its_line_takes_the_country_of_the_next(marker: str) -> None:
    text = f"Our partners\n{marker}Aarhus\nDenmark\nSince 1964."
    found, aarhus = mentions(text, "Aarhus", "Denmark")
    assert country_beside(text, found, aarhus) == "DK"


@pytest.mark.parametrize("before", ["Visit ", "12 km from ", "Partner 4: "])
def test_a_name_with_words_before_it_is_not_alone(before: str) -> None:
    text = f"Our partners\n{before}Aarhus\nDenmark\nSince 1964."
    found, aarhus = mentions(text, "Aarhus", "Denmark")
    assert country_beside(text, found, aarhus) is None
