"""A name found in a page's text: where, as written, what it names and how sure
(``extract.names`` finds them, ``extract.resolve`` settles the ambiguous ones).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameMention:
    start: int
    end: int
    text: str          # as the page writes it
    kind: str          # place | country | network | unsure (a place name the page leaves ambiguous)
    key: str           # place key, ISO code or network key (unsure: the folded name)
    how: str           # "label (en)", "alias", "short name", "country name", "other spelling (GeoNames)"
    exact: bool        # written exactly as the gazetteer writes it (diacritics and case)
    candidates: tuple[str, ...] = ()   # unsure: the places it may be
    weak: bool = False                 # a common word or a city without QID: a place only in a party position
