"""Settling place names that several places share (homonyms), never by guessing.

A name the gazetteer gives to more than one place ("Bristol": England or Connecticut;
"Carcovia": Kraków or Kharkiv) is settled, in this order, by

1. the country named beside it ("Bristol, Connecticut", "Florence | Italy", a card's
   "Italy · partner city since 1994" under the heading "Florence"): only places of that
   country remain;
2. the publishing city's twins in the Wikidata extract (``links.tsv``): a candidate already
   twinned with the city in Wikidata wins;
3. the curated gazetteer (data/places.yaml) over the extract and GeoNames, a place's label
   over another place's other spelling, a city with a QID over one without.

What stays ambiguous is marked ``unsure`` with its candidates: a person decides. A city
of the extract or GeoNames whose country is not the one the page names beside it is unsure
too (the page's town is another one).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from twinned.extract.fold import fold_key
from twinned.extract.mentions import NameMention
from twinned.records.model import Gazetteer

Links = dict[str, frozenset[str]]
# what may stand before a name alone in its line (a list's marker: "•", "-", "3.", "12)"):
# a set of characters, as str.strip reads it
LEAD_CHARS = " -–•*#.)" + "0123456789"
_COMMA_COLON = " ,:"
STATE_NAMED_COUNTRIES = frozenset({"GE"})   # countries named like a US state (Georgia)
AFTER = 60        # characters after a name in which its country is looked for
BEFORE = 30       # characters before it ("Germany Wuppertal")


class NameIndex(Protocol):
    """What settling reads of the name index (``extract.names.NameIndex``)."""

    @property
    def gazetteer(self) -> Gazetteer: ...
    @property
    def curated(self) -> frozenset[str]: ...
    @property
    def weak(self) -> frozenset[str]: ...


def read_links(extract: Path | None) -> Links:
    """links.tsv of the Wikidata extract: each city's twins (both directions)."""
    if extract is None or not (extract / "links.tsv").is_file():
        return {}
    out: dict[str, set[str]] = {}
    with (extract / "links.tsv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            a, b = row.get("source"), row.get("target")
            if a and b:
                out.setdefault(a, set()).add(b)
                out.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


def country_beside(text: str, mentions: list[NameMention], m: NameMention) -> str | None:
    """The country named right after the name (same line, no other place between), right before it,
    or at the start of the next line when the name stands alone on its line (a card's heading)."""
    line_end = text.find("\n", m.end)
    line_end = len(text) if line_end < 0 else line_end
    line_start = text.rfind("\n", 0, m.start) + 1
    after = [n for n in mentions if m.end <= n.start and n.end <= min(line_end, m.end + AFTER)]
    for n in after:
        if n.kind == "country":
            return n.key
        if n.kind in ("place", "unsure"):
            break
    before = [n for n in mentions if max(line_start, m.start - BEFORE) <= n.start and n.end <= m.start]
    if before and before[-1].kind == "country" and not re.search(r"[.;|]|\b(?:and|with|or|in|of)\b",
                                                                 text[before[-1].end:m.start]):
        return before[-1].key
    if not text[line_start:m.start].strip(LEAD_CHARS) and not text[m.end:line_end].strip(_COMMA_COLON):
        nxt = [n for n in mentions if line_end < n.start <= line_end + 6 and n.kind == "country"]
        if nxt and not re.search(r"\w", text[line_end:nxt[0].start]):
            return nxt[0].key
    return None


def resolve(text: str, mentions: list[NameMention], index: NameIndex, home_qid: str | None,
            links: Links | None) -> list[NameMention]:
    twins = (links or {}).get(home_qid or "", frozenset())
    settled = [_settle(text, mentions, m, index, twins) if m.kind in ("unsure", "place") else m for m in mentions]
    return [_home(m, index, home_qid) if m.kind == "unsure" and home_qid else m for m in settled]


def _home(m: NameMention, index: NameIndex, home_qid: str | None) -> NameMention:
    """A homonym of the publishing city on its own page is the city ("Bristol" on Bristol's page), unless
    the country named beside it is another's."""
    places = index.gazetteer.places
    home = [k for k in m.candidates if k in places and places[k].identity.wikidata == home_qid]
    if not home or "not a city of" in m.how:
        return m
    return replace(m, kind="place", key=home[0], how=f"{m.how}; the publishing city", candidates=())


def _settle(text: str, mentions: list[NameMention], m: NameMention, index: NameIndex,
            twins: frozenset[str]) -> NameMention:
    places = index.gazetteer.places
    candidates = list(m.candidates) if m.kind == "unsure" else [m.key]
    if m.kind == "place" and m.key in index.curated:
        return m
    country = country_beside(text, mentions, m)
    if country is not None:
        same_country = [k for k in candidates if places[k].country == country]
        if not same_country and country in STATE_NAMED_COUNTRIES:    # "Atlanta (Georgia)": the US state
            same_country = [k for k in candidates if places[k].country == "US"]
            country = "US" if same_country else country
        if not same_country:
            return replace(m, kind="unsure", how=f"{m.how}; not a city of {country} in the gazetteer",
                           candidates=tuple(candidates))
        candidates = same_country
    if len(candidates) > 1:
        candidates = _prefer(candidates, index, twins, m)
    if len(candidates) == 1:
        return _settled(m, candidates[0], country, index, twins)
    return replace(m, kind="unsure", candidates=tuple(candidates))


def _settled(m: NameMention, key: str, country: str | None, index: NameIndex, twins: frozenset[str]) -> NameMention:
    places = index.gazetteer.places
    if m.kind == "place" or key in index.curated:
        how = m.how
    elif country:
        how = f"{m.how}; one of {len(m.candidates)} places so named, settled by the country named ({country})"
    elif places[key].identity.wikidata in twins:
        how = f"{m.how}; one of {len(m.candidates)} places so named, the one the Wikidata extract twins with the city"
    else:
        how = f"{m.how}; ambiguous (one of {len(m.candidates)} places so named): the likeliest, check it"
    return replace(m, kind="place", key=key, how=how, candidates=(), weak=m.weak and country is None)


def _prefer(candidates: list[str], index: NameIndex, twins: frozenset[str], m: NameMention) -> list[str]:
    places = index.gazetteer.places
    rules: tuple[Callable[[str], bool], ...] = (
        lambda k: places[k].identity.wikidata in twins,
        lambda k: k in index.curated,
        lambda k: _label_of(index, k, m.key),
        lambda k: k not in index.weak)
    for keep in rules:
        kept = [k for k in candidates if keep(k)]
        if kept:
            candidates = kept
        if len(candidates) == 1:
            break
    return candidates


def _label_of(index: NameIndex, key: str, folded: str) -> bool:
    place = index.gazetteer.places[key]
    return any(fold_key(v) == folded for v in [*place.labels.values(), *place.aliases])
