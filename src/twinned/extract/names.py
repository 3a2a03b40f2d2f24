"""Finding places, countries and city networks in page text.

Names are matched the way people read them: without diacritics, case or apostrophes
(Niš = Nis, Cava de' Tirreni = Cava de Tirreni, Rishon LeZion = Rishon Lezion), but
only where the page writes them as proper names (first letter upper case). Every
label (all languages), alias and short name of the gazetteer is a name; countries
also go by the common official forms in :data:`COUNTRY_NAMES` ("Slovak Republic",
"Russian Federation", "USA"). A match keeps its offsets in the original text.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from twinned.extract.countries import COUNTRY_NAMES
from twinned.extract.fold import _WORD, fold, fold_keys
from twinned.extract.gazetteer import COMMON_WORDS, WorldGazetteer, country_names, us_states
from twinned.extract.mentions import NameMention
from twinned.extract.resolve import Links, resolve
from twinned.records.model import Gazetteer

_UPPER = "".join(chr(c) for c in range(0x41, 0x530) if chr(c).isupper())
NAME_WORD = rf"[{_UPPER}][\w'’\-]*"
CONNECTORS = r"(?:de|de'|del|della|di|da|do|dos|das|la|le|les|am|an der|an|upon|on|sur|en|im|ob|nad|pod|y|van|von)"
PROPER_NAME = re.compile(rf"{NAME_WORD}(?:[ \u00a0](?:{CONNECTORS}[ \u00a0])?{NAME_WORD}){{0,4}}")


@dataclass(frozen=True)
class _Name:
    written: str
    kind: str
    key: str
    how: str


class NameIndex:
    """Every name of the gazetteer (and the country names above), searchable in text.

    Names are looked up word by word (the folded text's words, up to the longest name's
    count), longest first, so a gazetteer of tens of thousands of names costs a dictionary
    look-up per word rather than one huge regular expression."""

    PRIORITY = {"place": 0, "network": 1, "country": 2}

    def __init__(self, gazetteer: Gazetteer, world: WorldGazetteer | None = None) -> None:
        self.gazetteer = gazetteer
        self.names: dict[str, list[_Name]] = {}
        self._seen: set[tuple[str, str, str]] = set()
        entries: list[tuple[str, str, str, str]] = []
        for key, place in gazetteer.places.items():
            entries += [(label, "place", key, f"label ({lang})") for lang, label in place.labels.items()]
            entries += [(alias, "place", key, "alias") for alias in place.aliases]
        for key, spellings in (world.alternates.items() if world else ()):
            entries += [(written, "place", key, "other spelling (GeoNames)") for written in spellings]
        for key, network in gazetteer.networks.items():
            entries += [(label, "network", key, f"label ({lang})") for lang, label in network.labels.items()]
            if network.short_name:
                entries.append((network.short_name, "network", key, "short name"))
        for code, country in gazetteer.countries.items():
            entries += [(label, "country", code, "country name") for label in country.labels.values()]
        for code, written_names in COUNTRY_NAMES.items():
            entries += [(written, "country", code, "country name") for written in written_names]
        if world is not None:
            for code, written_names in country_names().items():
                entries += [(written, "country", code, "country name") for written in written_names]
            entries += [(written, "country", code, "a state of the country") for written, code in us_states().items()]
        for folded, (written, kind, key, how) in zip(fold_keys([e[0] for e in entries]), entries, strict=False):
            self._add(folded, written, kind, key, how)
        del self._seen
        self.longest = max((k.count(" ") + 1 for k in self.names), default=1)
        self.weak = world.weak if world else frozenset()
        self.curated = frozenset(k for k in gazetteer.places if not world or k not in world.origins)

    def _add(self, folded: str, written: str, kind: str, key: str, how: str) -> None:
        if len(folded) < 2:
            return
        how = sys.intern(how)
        if kind == "place":
            if (folded, key, written) in self._seen:
                return
            self._seen.add((folded, key, written))
        entries = self.names.get(folded)
        if entries is None:
            self.names[folded] = [_Name(written, kind, key, how)]
        else:
            entries.append(_Name(written, kind, key, how))

    def find(self, text: str, home_qid: str | None = None, links: Links | None = None) -> list[NameMention]:
        """Every name in ``text``; a place name several places share is settled by the country
        named beside it, else by the publishing city's twins (``links``), else left unsure."""
        folded, where = fold(text)
        words = [(m.start(), m.end()) for m in _WORD.finditer(folded)]
        out: list[NameMention] = []
        i = 0
        while i < len(words):
            found = self._longest(text, folded, where, words, i)
            if found is None:
                i += 1
                continue
            mention, n = found
            out.append(mention)
            i += n
        return resolve(text, out, self, home_qid, links)

    def _longest(self, text: str, folded: str, where: list[int], words: list[tuple[int, int]],
                 i: int) -> tuple[NameMention, int] | None:
        n_max = 1
        while n_max < self.longest and i + n_max < len(words):
            gap_start, gap_end = words[i + n_max - 1][1], words[i + n_max][0]
            if folded[gap_start:gap_end].strip(" ") or "\n" in text[where[gap_start]:where[gap_end]]:
                break
            n_max += 1
        for n in range(n_max, 0, -1):
            key = " ".join(folded[a:b] for a, b in words[i:i + n])
            candidates = self.names.get(key)
            if not candidates:
                continue
            start, end = where[words[i][0]], where[words[i + n - 1][1] - 1] + 1
            written = text[start:end]
            if not written[:1].isupper():
                continue
            mention = self._mention(start, end, written, key, candidates)
            if mention is not None:
                return mention, n
        return None

    def _mention(self, start: int, end: int, written: str, key: str, candidates: list[_Name]) -> NameMention | None:
        kinds = sorted({n.kind for n in candidates}, key=lambda k: self.PRIORITY[k])
        if "country" in kinds and not any(n.kind == "place" and n.key in self.curated for n in candidates):
            kinds = ["country"]      # "Mexico" is the country, not Mexico City's other spelling
        best_kind = kinds[0]
        same = [n for n in candidates if n.kind == best_kind]
        best = next((n for n in same if n.written == written), same[0])
        if best.kind == "network" and best.how == "short name" and written != best.written:
            return None   # short names ("UBC") only as written
        if best_kind == "place" and len({n.key for n in same}) > 1:
            keys = tuple(dict.fromkeys(n.key for n in same))
            return NameMention(start, end, written, "unsure", key, best.how, written == best.written, keys)
        weak = best_kind == "place" and (best.key in self.weak or (key in COMMON_WORDS and best.key not in
                                                                      self.curated))
        return NameMention(start, end, written, best.kind, best.key, best.how, written == best.written, (), weak)


def proper_name_at(text: str, start: int) -> re.Match[str] | None:
    """The proper name (capitalised words, connectors allowed) starting at ``start``."""
    return PROPER_NAME.match(text, start)
