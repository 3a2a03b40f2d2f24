"""Qualified dates: a partial date with its qualifier, and the forms derived from it.

A qualifier of the date-qualifiers scheme (``ontology/date-qualifiers.ttl``) travels with
the date to everything derived from it: ``tw:firstSigned`` and ``tw:startDate`` get
``tw:firstSignedQualifier`` and ``tw:startDateQualifier``, pages and the timeline show it,
and the Wikidata view never states more than the source (docs/wikidata.md):

    (none), early, mid, late   P580 = the date at its own precision (the period the source
                               gives, which "early 1998" lies in)
    circa                      P580 = the date at its precision, qualified P1480
                               (sourcing circumstances) = Q5727902 (circa)
    not-before                 P580 = unknown value, qualified P1319 (earliest date) = the date
    not-after                  P580 = unknown value, qualified P1326 (latest date) = the date

Wikidata's Help:Dates models a date known only by its bounds as "unknown value" with the
qualifiers earliest date (P1319) and latest date (P1326); a start time that is itself a
qualifier cannot carry qualifiers, so they sit on the same statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twinned.records.dates import PartialDate

QUALIFIERS = ("early", "mid", "late", "circa", "not-before", "not-after")
CIRCA_QID = "Q5727902"  # Wikidata's "circa", the value of P1480 for an approximate date
WORDS = {"early": "early in", "mid": "in the middle of", "late": "late in", "circa": "about",
         "not-before": "not before", "not-after": "not after"}


@dataclass(frozen=True)
class QualifiedDate:
    """A date at the source's precision and how it is approximate (None: as stated)."""

    date: PartialDate
    qualifier: str | None = None

    def __str__(self) -> str:
        return f"{WORDS[self.qualifier]} {self.date}" if self.qualifier else str(self.date)


@dataclass(frozen=True)
class WikidataStart:
    """A P580 start time as Wikidata would state it: a value or "unknown value", and bounds."""

    value: PartialDate | None  # None: "unknown value" (somevalue)
    earliest: PartialDate | None = None  # P1319
    latest: PartialDate | None = None  # P1326
    circa: bool = False  # P1480 = Q5727902


def earliest(dates: Iterable[QualifiedDate]) -> QualifiedDate | None:
    """The earliest date with its qualifier; of two starting the same day the more precise,
    then the one stated without a qualifier (a firm date beats a bound on the same day)."""
    return min(dates, key=lambda d: (d.date.earliest(), -d.date.precision, d.qualifier is not None),
               default=None)


def wikidata_start(start: QualifiedDate) -> WikidataStart:
    """How Wikidata states a start time known as precisely as ``start``, and no more."""
    if start.qualifier == "not-before":
        return WikidataStart(None, earliest=start.date)
    if start.qualifier == "not-after":
        return WikidataStart(None, latest=start.date)
    return WikidataStart(start.date, circa=start.qualifier == "circa")


def quickstatements_time(date: PartialDate) -> str:
    """+1991-04-12T00:00:00Z/11; unknown month and day as 00 (/10 month, /9 year)."""
    return f"+{date.year:04d}-{date.month or 0:02d}-{date.day or 0:02d}T00:00:00Z/{int(date.precision)}"


def quickstatements_cells(start: QualifiedDate) -> list[str]:
    """The P580 cells of a QuickStatements V1 command, with its qualifiers."""
    w = wikidata_start(start)
    cells = ["P580", quickstatements_time(w.value) if w.value else "somevalue"]
    if w.circa:
        cells += ["P1480", CIRCA_QID]
    if w.earliest:
        cells += ["P1319", quickstatements_time(w.earliest)]
    if w.latest:
        cells += ["P1326", quickstatements_time(w.latest)]
    return cells
