"""Partial dates kept at the precision the source gives: a year, a month or a day.

Never padded: 1996 stays ``"1996"^^xsd:gYear``, January 1992 stays
``"1992-01"^^xsd:gYearMonth``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from enum import IntEnum

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Precision(IntEnum):
    """Wikidata's precision codes, so the Wikidata view can reuse them."""

    YEAR = 9
    MONTH = 10
    DAY = 11


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError with why."""
        m = _PATTERN.match(text.strip())
        if not m:
            shown = repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text)} characters)"
            raise ValueError(f"a date as YYYY, YYYY-MM or YYYY-MM-DD, not {shown}")
        year = int(m[1])
        if year == 0:
            raise ValueError(f"a year from 0001 on (there is no year 0), not {text!r}")
        month = int(m[2]) if m[2] else None
        day = int(m[3]) if m[3] else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"a month from 01 to 12, not {text!r}")
        if day is not None:
            try:
                _dt.date(year, month or 1, day)
            except ValueError:
                raise ValueError(f"a real calendar day, not {text!r}") from None
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def xsd_name(self) -> str:
        return {Precision.DAY: "date", Precision.MONTH: "gYearMonth", Precision.YEAR: "gYear"}[
            self.precision
        ]

    def earliest(self) -> _dt.date:
        """The first day the date can denote (for ordering and comparisons)."""
        return _dt.date(self.year, self.month or 1, self.day or 1)

    def is_future(self, today: _dt.date | None = None) -> bool:
        """True when even the first day the date can denote is after today."""
        return self.earliest() > (today or _dt.date.today())

    def latest(self) -> _dt.date:
        """The last day the date can denote."""
        if self.day is not None:
            return _dt.date(self.year, self.month or 1, self.day)
        if self.month is not None:
            nxt = _dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
        return _dt.date(self.year, 12, 31)

    def wikidata_time(self) -> str:
        """Wikidata's simple-value form: padded, read together with the precision."""
        return f"{self.year:04d}-{self.month or 1:02d}-{self.day or 1:02d}T00:00:00Z"

    def __str__(self) -> str:
        s = f"{self.year:04d}"
        if self.month is not None:
            s += f"-{self.month:02d}"
        if self.day is not None:
            s += f"-{self.day:02d}"
        return s
