"""Dates as pages write them, read at the precision they are given.

Days ("22/5/1980", "February 22, 2019", "June 20th, 2007", "3 July 2019",
"25th November, 2023", "on the 8th of February in 1997", "the 13th of September,
1989"), months ("January, 1992", "In September 1997") and years ("in 1996",
"since 1996", a bare "1996") and decades ("the 1950s": 1950, qualifier not-before, to
review). A qualifying phrase before the date becomes a date
qualifier ("at the beginning of 1998" → early, "after ... 2003" → not-before, "about"
→ circa); the preposition is kept in ``as_written`` as the seeds write it ("on
February 22, 2019"). Year ranges ("1992-1993") are periods, not dates, and are
skipped. Numeric dates are read day first unless the page shows month-first dates
(a first number above 12 settles it; see :func:`numeric_order`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twinned.records.dates import PartialDate

MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"))) for name in names}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[89]\d\d|20\d\d)"
_END = r"(?![\d/.-]\d)"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    ("day", rf"\b(?:the\s+)?{_DAY}\s+of\s+{_MONTH},?\s+(?:in\s+|of\s+)?{_YEAR}\b"),
    ("day", rf"\b{_DAY}\.?\s+{_MONTH},?\s+{_YEAR}\b"),
    ("day", rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    ("iso", r"\b(?P<year>1[89]\d\d|20\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    ("numeric", r"(?<![\d/.])(?P<a>[0-3]?\d)(?P<sep>[./])\s?(?P<b>[0-3]?\d)(?P=sep)\s?(?P<year>1[89]\d\d|20\d\d)"
                + _END),
    ("month", rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b"),
    ("decade", r"\b(?:the\s+)?(?P<year>1[89]\d0|20\d0)['’]?s\b"),
    ("year", rf"(?<![\d/.\-–—]){_YEAR}(?!\s*[-–—/]\s*\d)(?![\d%])"),
))
RANGE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*[-–—]\s*(?:1[89]\d\d|20\d\d|\d\d)(?!\d)(?!-\d)")

# what may stand right before a date: a qualifier phrase, then a preposition
_LEFT = re.compile(
    r"(?P<phrase>\b(?:(?:at|in) the (?:very )?(?:beginning|start) of|(?:in )?early(?: in)?|"
    r"(?:in )?the middle of|in the middle of|(?:in )?mid-?|(?:at|in|towards|by) the end of|(?:in )?late(?: in)?|"
    r"about|around|circa|ca\.|c\.|approximately|some time in|after|not before|no earlier than|"
    r"before|not after|no later than|on|in|since|dated|from|as of)\s*)$",
    re.IGNORECASE,
)
QUALIFIERS = (
    (re.compile(r"beginning|start|early", re.I), "early"),
    (re.compile(r"middle|mid", re.I), "mid"),
    (re.compile(r"end of|late", re.I), "late"),
    (re.compile(r"about|around|circa|c\.|approximately|some time", re.I), "circa"),
    (re.compile(r"after|not before|no earlier", re.I), "not-before"),
    (re.compile(r"before|not after|no later", re.I), "not-after"),
)
BASE_CONFIDENCE = {"day": 0.95, "iso": 0.95, "numeric": 0.95, "month": 0.9, "year": 0.85, "decade": 0.6}


@dataclass(frozen=True)
class DateMention:
    """A date found in the text: its span, value, wording and how sure the reading is."""

    start: int            # start of as_written (preposition or qualifier included)
    end: int
    value_start: int      # start of the date proper ("February 22, 2019")
    date: PartialDate
    as_written: str
    qualifier: str | None
    confidence: float
    kind: str             # day | iso | numeric | month | year | decade
    bare: bool = False    # a year with nothing before it ("..., 1996")

    @property
    def preposition(self) -> str:
        return self.as_written[: self.value_start - self.start].strip().lower()


def numeric_order(text: str) -> tuple[str, bool]:
    """How the page writes numeric dates: ("dmy" | "mdy", whether the page shows it)."""
    first_big = second_big = False
    for m in PATTERNS[4][1].finditer(text):
        a, b = int(m["a"]), int(m["b"])
        first_big |= a > 12 >= b
        second_big |= b > 12 >= a
    if first_big != second_big:
        return ("dmy" if first_big else "mdy"), True
    return "dmy", False


def _value(kind: str, m: re.Match[str], order: str) -> PartialDate | None:
    year = int(m["year"])
    try:
        if kind in ("year", "decade"):
            return PartialDate(year)
        if kind == "month":
            return PartialDate.parse(f"{year:04d}-{MONTHS[m['month'].lower()]:02d}")
        if kind == "numeric":
            a, b = int(m["a"]), int(m["b"])
            day, month = (a, b) if order == "dmy" else (b, a)
            return PartialDate.parse(f"{year:04d}-{month:02d}-{day:02d}")
        month = int(m["month"]) if kind == "iso" else MONTHS[m["month"].lower()]
        return PartialDate.parse(f"{year:04d}-{month:02d}-{int(m['day']):02d}")
    except ValueError:
        return None


def _left(text: str, start: int) -> tuple[int, str | None]:
    """Extend a date leftwards over its preposition or qualifying phrase."""
    window = text[max(0, start - 40):start]
    m = _LEFT.search(window)
    if not m:
        return start, None
    phrase = m["phrase"]
    qualifier = next((q for pattern, q in QUALIFIERS if pattern.search(phrase)), None)
    return start - len(phrase), qualifier


def find_dates(text: str, order: str | None = None) -> list[DateMention]:
    """Every date in ``text``, in order, none overlapping another; year ranges left out."""
    page_order, shown = numeric_order(text) if order is None else (order, True)
    taken = [(m.start(), m.end()) for m in RANGE.finditer(text)]
    found: list[DateMention] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            value = _value(kind, m, page_order)
            if value is None:
                continue
            start, qualifier = _left(text, m.start())
            if kind == "decade":      # "the 1950s": from 1950 on, the year itself unknown
                start, qualifier = m.start(), "not-before"
            confidence = BASE_CONFIDENCE[kind]
            if kind == "numeric" and min(int(m["a"]), int(m["b"])) <= 12 and max(int(m["a"]), int(m["b"])) <= 12:
                confidence = 0.9 if shown else 0.6   # day and month could be swapped
            bare = kind == "year" and start == m.start()
            if bare:
                confidence = 0.75
            if qualifier:
                confidence -= 0.05
            taken.append((m.start(), m.end()))
            found.append(DateMention(start, m.end(), m.start(), value, text[start:m.end()].strip(), qualifier,
                                     round(confidence, 2), kind, bare))
    return sorted(found, key=lambda d: d.start)
