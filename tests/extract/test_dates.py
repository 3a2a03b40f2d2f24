"""Dates in the forms pages write them, kept at the precision given."""

from __future__ import annotations

import pytest

from twinned.extract.dates import find_dates, numeric_order


def one(text: str, order: str | None = None) -> tuple[str, str, str | None]:
    found = find_dates(text, order)
    assert len(found) == 1, found
    d = found[0]
    return str(d.date), d.as_written, d.qualifier


@pytest.mark.parametrize(("text", "date", "as_written", "qualifier"), [
    ("Agreement on Cooperation between the Cities 22/5/1980.", "1980-05-22", "22/5/1980", None),
    ("was signed on February 22, 2019 in Kaunas", "2019-02-22", "on February 22, 2019", None),
    ("On the 8th of February in 1997 in Kaunas City Hall", "1997-02-08", "On the 8th of February in 1997", None),
    ("signed the Letter of Intent on the 13th of September, 1989.", "1989-09-13", "on the 13th of September, 1989",
     None),
    ("was acknowledged in January, 1992, when", "1992-01", "in January, 1992", None),
    ("The Agreement was renewed in 1996.", "1996", "in 1996", None),
    ("began at the beginning of 1998, when", "1998", "at the beginning of 1998", "early"),
    ("Since 1996 Kaunas City has friendly relations", "1996", "Since 1996", None),
    ("a cooperation agreement on 25th November, 2023 in Kaunas Castle", "2023-11-25", "on 25th November, 2023", None),
    ("Memorandum of Cooperation signed on June 20th, 2007 in Košice", "2007-06-20", "on June 20th, 2007", None),
    ("was signed on 3 July 2019, in Kaunas City.", "2019-07-03", "on 3 July 2019", None),
    ("Renewal of the Agreement, 1996", "1996", "1996", None),
    ("partnership treaty of 14.05.2001", "2001-05-14", "14.05.2001", None),
    ("a partnership treaty was signed in Graz on 29 June 1959, months", "1959-06-29", "on 29 June 1959", None),
    ("Relations go back to the 1950s, when students", "1950", "the 1950s", "not-before"),
    ("sister city of Tucson since 2004.", "2004", "since 2004", None),
    ("It was renewed on its 50th anniversary in 2009.", "2009", "in 2009", None),
    ("signed on October 20th, 1991.", "1991-10-20", "on October 20th, 1991", None),
    ("dated June 20, 1991 and", "1991-06-20", "dated June 20, 1991", None),
    ("In September, 1997, the delegation", "1997-09", "In September, 1997", None),
    ("joined after the approval in 2003", "2003", "in 2003", None),
    ("signed in about 1965", "1965", "about 1965", "circa"),
    ("signed on 2004-03-03 in Lutsk", "2004-03-03", "on 2004-03-03", None),
    ("signed 12.5.2000", "2000-05-12", "12.5.2000", None),
])
def test_forms_and_precision(text: str, date: str, as_written: str, qualifier: str | None) -> None:
    assert one(text) == (date, as_written, qualifier)


def test_year_ranges_are_periods_not_dates() -> None:
    assert find_dates("the guidelines for 1992-1993 and co-operation in 1990–1991") == []


def test_a_list_of_years() -> None:
    years = [str(d.date) for d in find_dates("renewed several times (1992, 1993, 1994, 2018).")]
    assert years == ["1992", "1993", "1994", "2018"]


def test_numbers_that_are_not_years() -> None:
    assert find_dates("more than 120 members from 100 cities in 32 countries, the 640th anniversary") == []


def test_numeric_order_is_read_from_the_page() -> None:
    assert numeric_order("22/5/1980 and 6/7/1992") == ("dmy", True)
    assert numeric_order("10/14/2010 and 6/7/1992") == ("mdy", True)
    assert numeric_order("6/7/1992") == ("dmy", False)
    assert one("signed on 10/14/2010; renewed 6/7/2012".split(";")[0]) == ("2010-10-14", "on 10/14/2010", None)
    mdy = find_dates("signed on 10/14/2010, renewed 6/7/2012")
    assert [str(d.date) for d in mdy] == ["2010-10-14", "2012-06-07"]
    assert [str(d.date) for d in find_dates("6/7/2012", order="mdy")] == ["2012-06-07"]


def test_ambiguous_numeric_dates_are_less_sure() -> None:
    settled = find_dates("22/5/1980, 6/7/1992")
    assert [d.confidence for d in settled] == [0.95, 0.9]
    assert find_dates("6/7/1992")[0].confidence < 0.7


def test_impossible_days_are_not_dates() -> None:
    assert find_dates("31/2/2001") == []


def test_month_first_dates_with_a_day_past_19() -> None:
    found = find_dates("signed 03/21/1983; renewed 6/7/1988")
    assert [str(d.date) for d in found] == ["1983-03-21", "1988-06-07"]
