"""Our side of the Wikidata comparison: the publishing cities and their partners, read
from the records with the dates and pages the site publishes for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from twinned.build.mapping import URIs
from twinned.errors import InputError, Problem
from twinned.records.dates import PartialDate
from twinned.records.model import Partnership, Records
from twinned.records.names import fold
from twinned.records.qualified import QualifiedDate, earliest  # the same rule as tw:startDate


@dataclass(frozen=True)
class OurPartner:
    key: str
    label: str
    kind: str
    country: str
    qid: str | None
    reason: str | None        # why there is no QID
    names: tuple[str, ...]    # labels and aliases
    start: PartialDate | None  # tw:startDate: the earliest document's date
    page: str                 # the partnership's URI
    start_qualifier: str | None = None  # tw:startDateQualifier: how the start date is approximate

    @property
    def qualified_start(self) -> QualifiedDate | None:
        return QualifiedDate(self.start, self.start_qualifier) if self.start else None


@dataclass(frozen=True)
class City:
    key: str
    label: str
    qid: str | None
    partners: tuple[OurPartner, ...]


def start_date(p: Partnership) -> QualifiedDate | None:
    return earliest([d for doc in p.documents for d in doc.qualified_dates])


def our_cities(records: Records, base_uri: str, only: str | None = None) -> list[City]:
    """The publishing cities (or the one named by key or QID) with their partners."""
    places = records.gazetteer.places
    keys = [c.city for c in records.cities]
    if only is not None:
        chosen = [k for k in keys if only in (k, places[k].identity.wikidata)]
        if not chosen:
            raise InputError([Problem("--city", 0, "city", f"a publishing city ({', '.join(keys)}), "
                                                          f"by key or QID, not {only!r}")])
        keys = chosen
    uris = URIs(base_uri)
    cities = []
    for key in keys:
        partners = []
        for p in records.partnerships:
            if key not in p.parties:
                continue
            other = places[p.partner if p.city == key else p.city]
            start = start_date(p)
            partners.append(OurPartner(
                other.key, other.labels["en"], other.kind, other.country, other.identity.wikidata,
                other.identity.unresolved, (*other.labels.values(), *other.aliases),
                start.date if start else None, str(uris.partnership(*p.parties)),
                start.qualifier if start else None))
        city = places[key]
        cities.append(City(key, city.labels["en"], city.identity.wikidata,
                           tuple(sorted(partners, key=lambda x: fold(x.label)))))
    return cities
