import datetime as dt

import pytest

from twinned.records.dates import PartialDate, Precision


@pytest.mark.parametrize(
    ("text", "precision", "xsd"),
    [("1996", Precision.YEAR, "gYear"), ("1992-01", Precision.MONTH, "gYearMonth"),
     ("1980-05-22", Precision.DAY, "date")],
)
def test_parse_keeps_precision(text: str, precision: Precision, xsd: str) -> None:
    d = PartialDate.parse(text)
    assert d.precision == precision
    assert d.xsd_name == xsd
    assert str(d) == text


@pytest.mark.parametrize("text", ["2001-02-31", "2001-02-29", "1999-13", "1999-00", "22/5/1980", "19", "1999-1-1", ""])
def test_impossible_or_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_leap_day_is_accepted() -> None:
    assert PartialDate.parse("2000-02-29").day == 29


def test_bounds_cover_the_whole_period() -> None:
    d = PartialDate.parse("1992-02")
    assert d.earliest() == dt.date(1992, 2, 1)
    assert d.latest() == dt.date(1992, 2, 29)
    assert PartialDate.parse("1998").latest() == dt.date(1998, 12, 31)


def test_wikidata_time_is_padded_only_in_the_wikidata_form() -> None:
    d = PartialDate.parse("1997")
    assert d.wikidata_time() == "1997-01-01T00:00:00Z"
    assert str(d) == "1997"


@pytest.mark.parametrize(("text", "future"), [("2026-11-24", False), ("2026-11-25", True), ("2026-11", False),
                                              ("2026-12", True), ("2026", False), ("2027", True)])
def test_a_partial_date_is_in_the_future_when_its_first_day_is(text: str, future: bool) -> None:
    assert PartialDate.parse(text).is_future(today=dt.date(2026, 11, 24)) is future


def test_there_is_no_year_zero() -> None:
    with pytest.raises(ValueError, match="no year 0"):
        PartialDate.parse("0000")
