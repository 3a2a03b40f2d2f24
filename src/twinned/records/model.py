"""The records as typed objects: the curated YAML (places.yaml, cities/*.yaml) and the
imported world (data/world/), with no reading in them.

``records.load`` reads the YAML into these classes and ``records.world`` reads the
imported extract; both import this module, which imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from twinned.records.dates import PartialDate
from twinned.records.qualified import QualifiedDate

# -- the curated records ------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    file: str
    line: int


@dataclass(frozen=True)
class Identity:
    """How an entity is linked to Wikidata: a QID, or why not."""

    wikidata: str | None
    unresolved: str | None
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Country:
    code: str
    labels: dict[str, str]
    identity: Identity
    note: str | None
    at: Located


@dataclass(frozen=True)
class Place:
    key: str
    kind: str
    labels: dict[str, str]
    aliases: tuple[str, ...]
    country: str
    identity: Identity
    coordinates: tuple[float, float] | None
    note: str | None
    at: Located
    coordinates_source: str | None = None  # "geonames:<id>" or "wikidata:<QID>"
    no_coordinates: str | None = None  # why a place has none (stated, never silent)


@dataclass(frozen=True)
class Network:
    key: str
    labels: dict[str, str]
    short_name: str | None
    identity: Identity
    note: str | None
    at: Located


@dataclass(frozen=True)
class DateRecord:
    date: PartialDate
    as_written: str | None = None
    qualifier: str | None = None


@dataclass(frozen=True)
class Signing:
    date: DateRecord | None
    place: str | None
    venue: str | None


@dataclass(frozen=True)
class Area:
    area: str
    as_written: str | None


@dataclass(frozen=True)
class Document:
    id: str
    type: str
    title: str
    signings: tuple[Signing, ...]
    areas: tuple[Area, ...]
    renews: str | None
    follows: str | None
    note: str | None
    at: Located

    @property
    def dates(self) -> list[PartialDate]:
        return [s.date.date for s in self.signings if s.date]

    @property
    def qualified_dates(self) -> list[QualifiedDate]:
        return [QualifiedDate(s.date.date, s.date.qualifier) for s in self.signings if s.date]


@dataclass(frozen=True)
class Partnership:
    city: str
    partner: str
    passage: str
    began: DateRecord | None
    areas: tuple[Area, ...]
    documents: tuple[Document, ...]
    note: str | None
    source: str
    at: Located

    @property
    def parties(self) -> tuple[str, str]:
        a, b = sorted((self.city, self.partner))
        return a, b


@dataclass(frozen=True)
class Membership:
    city: str
    network: str
    since: DateRecord | None
    passage: str
    source: str
    at: Located
    implied: str | None = None  # the source implies the membership but does not state it: why


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    file: str
    url: str | None
    language: str
    publisher: str


@dataclass(frozen=True)
class CityFile:
    path: str
    city: str
    source: Source
    partnerships: tuple[Partnership, ...]
    memberships: tuple[Membership, ...]


@dataclass(frozen=True)
class Gazetteer:
    countries: dict[str, Country] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)


@dataclass(frozen=True)
class Records:
    gazetteer: Gazetteer
    cities: tuple[CityFile, ...]
    world: World | None = None  # data/world/: the imported extract (see records.world)

    @property
    def partnerships(self) -> list[Partnership]:
        return [p for c in self.cities for p in c.partnerships]

    @property
    def memberships(self) -> list[Membership]:
        return [m for c in self.cities for m in c.memberships]


# -- the imported world (data/world/, see records.world) ----------------------------------


class WorldPlace(NamedTuple):
    key: str
    qid: str
    name: str
    lat: str  # xsd:decimal lexical forms, as the mapping writes them
    long: str
    country: str
    line: int


@dataclass(frozen=True)
class ExtractFile:
    name: str
    path: str | None
    commit: str | None
    sha256: str | None


@dataclass(frozen=True)
class ExtractSource:
    id: str
    title: str
    url: str
    publisher: str
    license: str | None
    description: str | None
    files: tuple[ExtractFile, ...]


@dataclass(frozen=True)
class World:
    source: ExtractSource
    countries: dict[str, str]  # code -> name, as the extract gives them
    places: dict[str, WorldPlace]
    partnerships: list[tuple[str, str]]
    folder: str

    def qids(self) -> set[str]:
        return {p.qid for p in self.places.values()}
