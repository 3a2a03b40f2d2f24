"""The draft extraction builds: partnerships with their documents and signings, memberships,
stubs for unknown places, each field with its :class:`Evidence` (see docs/extraction.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from twinned.extract.areas import AreaMention
from twinned.extract.blocks import Line, Party
from twinned.extract.dates import DateMention
from twinned.extract.gazetteer import WorldGazetteer
from twinned.extract.mentions import NameMention
from twinned.extract.types import DocMention, TypeReading
from twinned.records.model import Gazetteer


@dataclass(frozen=True)
class Evidence:
    """Where a field was read: the text as found, its offsets in the page text, how sure."""

    text: str
    start: int
    end: int
    confidence: float
    note: str | None = None


@dataclass
class Signing:
    date: DateMention | None = None
    place: str | None = None
    place_evidence: Evidence | None = None
    venue: str | None = None
    venue_evidence: Evidence | None = None
    doubt: str | None = None          # why the date may not be the signing's own


@dataclass
class Document:
    mention: DocMention
    type: str
    reading: TypeReading
    signings: list[Signing] = field(default_factory=list)
    areas: list[AreaMention] = field(default_factory=list)
    renews: Document | None = None
    follows: Document | None = None
    from_list: bool = False
    aliases: list[str] = field(default_factory=list)   # types of other names the page gives it
    id: str = ""

    def known_as(self, type_key: str) -> bool:
        return type_key == self.type or type_key in self.aliases

    @property
    def year(self) -> int | None:
        years = [s.date.date.year for s in self.signings if s.date]
        return years[0] if years else None


@dataclass
class Partnership:
    partner: str                      # a place key, or the stub key of an unresolved place
    party: Party
    resolved: bool
    lines: list[Line]
    country: tuple[str, Evidence] | None = None
    began: DateMention | None = None
    areas: list[AreaMention] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    placeholder: bool = False         # the page names no document; one was added for review

    @property
    def passage(self) -> Evidence:
        text = "\n".join(line.text for line in self.lines)
        return Evidence(text, self.lines[0].start, self.lines[-1].end, 0.9)


@dataclass
class Membership:
    network: str
    mention: NameMention
    lines: list[Line]
    since: DateMention | None = None
    since_qualifier: str | None = None


@dataclass
class Stub:
    """A place the gazetteer does not know, written as found for a person to resolve."""

    key: str
    name: str
    kind: str
    country: str | None
    evidence: Evidence
    candidates: tuple[str, ...] = ()   # the gazetteer's places of that name, when it has several


@dataclass
class Draft:
    city: str
    page: str                         # file name
    title: str
    text: str
    partnerships: list[Partnership]
    memberships: list[Membership]
    stubs: list[Stub]
    gazetteer: Gazetteer
    threshold: float
    world: WorldGazetteer | None = None


@dataclass(frozen=True)
class Page:
    name: str
    text: str
    title: str | None
    html: bool


@dataclass(frozen=True)
class Home:
    """The publishing city: its key, as given, and its stub when the gazetteer does not know it."""

    key: str
    given: str
    stub: Stub | None
