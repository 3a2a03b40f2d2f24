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
import unicodedata
from dataclasses import dataclass

from .records import Gazetteer

_LETTERS = {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
            "þ": "th", "’": " ", "'": " ", "`": " ", "´": " ", "‘": " ", "‐": " ", "-": " ", "‑": " ",
            "–": " ",
            "—": " ", ".": " "}

# Country names pages use beside the gazetteer's labels (ISO 3166-1 alpha-2 codes).
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AL": ("Albania",), "AM": ("Armenia",), "AR": ("Argentina", "Argentine Republic"),
    "AT": ("Austria", "Republic of Austria"), "AU": ("Australia",), "AZ": ("Azerbaijan",),
    "BA": ("Bosnia and Herzegovina", "Bosnia"), "BE": ("Belgium", "Kingdom of Belgium"),
    "BG": ("Bulgaria", "Republic of Bulgaria"), "BR": ("Brazil",),
    "BY": ("Belarus", "Republic of Belarus"), "CA": ("Canada",),
    "CH": ("Switzerland", "Swiss Confederation"), "CL": ("Chile",),
    "CN": ("China", "People's Republic of China", "PRC", "P. R. China"), "CY": ("Cyprus",),
    "CZ": ("Czech Republic", "Czechia"), "DE": ("Germany", "Federal Republic of Germany"),
    "DK": ("Denmark", "Kingdom of Denmark"), "EE": ("Estonia", "Republic of Estonia"), "EG": ("Egypt",),
    "ES": ("Spain", "Kingdom of Spain"), "FI": ("Finland", "Republic of Finland"),
    "FR": ("France", "French Republic"), "GB": ("United Kingdom", "UK", "Great Britain", "England",
                                               "Scotland", "Wales", "Northern Ireland"),
    "GE": ("Georgia",), "GR": ("Greece", "Hellenic Republic"), "HR": ("Croatia", "Republic of Croatia"),
    "HU": ("Hungary",), "IE": ("Ireland",), "IL": ("Israel", "State of Israel"), "IN": ("India",),
    "IS": ("Iceland",), "IT": ("Italy", "Italian Republic"), "JP": ("Japan",),
    "KR": ("South Korea", "Republic of Korea", "Korea"), "KZ": ("Kazakhstan",), "LT": ("Lithuania",),
    "LU": ("Luxembourg",), "LV": ("Latvia", "Republic of Latvia"), "MD": ("Moldova", "Republic of Moldova"),
    "ME": ("Montenegro",), "MK": ("North Macedonia", "Macedonia"), "MN": ("Mongolia",), "MT": ("Malta",),
    "MX": ("Mexico",), "NL": ("Netherlands", "The Netherlands", "Holland"),
    "NO": ("Norway", "Kingdom of Norway"), "NZ": ("New Zealand",), "PL": ("Poland", "Republic of Poland"),
    "PT": ("Portugal",), "RO": ("Romania",), "RS": ("Serbia", "Republic of Serbia"),
    "RU": ("Russia", "Russian Federation"), "SE": ("Sweden", "Kingdom of Sweden"),
    "SI": ("Slovenia", "Republic of Slovenia"), "SK": ("Slovakia", "Slovak Republic"),
    "TR": ("Turkey", "Türkiye", "Republic of Turkey"), "TW": ("Taiwan",),
    "UA": ("Ukraine",), "US": ("United States", "United States of America", "USA", "U.S.A.", "U.S."),
    "UZ": ("Uzbekistan",), "VN": ("Vietnam", "Viet Nam", "Socialist Republic of Vietnam"),
    "AD": ("Andorra",), "AE": ("United Arab Emirates", "UAE"), "AF": ("Afghanistan",), "AO": ("Angola",),
    "BD": ("Bangladesh",), "BO": ("Bolivia",), "CD": ("Democratic Republic of the Congo",), "CM": ("Cameroon",),
    "CO": ("Colombia",), "CR": ("Costa Rica",), "CU": ("Cuba",), "DO": ("Dominican Republic",), "DZ": ("Algeria",),
    "EC": ("Ecuador",), "ET": ("Ethiopia",), "GH": ("Ghana",), "GT": ("Guatemala",), "ID": ("Indonesia",),
    "IQ": ("Iraq",), "IR": ("Iran",), "JO": ("Jordan",), "KE": ("Kenya",), "KG": ("Kyrgyzstan",),
    "KH": ("Cambodia",), "LB": ("Lebanon",), "LI": ("Liechtenstein",), "LK": ("Sri Lanka",), "MA": ("Morocco",),
    "MC": ("Monaco",), "MM": ("Myanmar",), "MY": ("Malaysia",), "MZ": ("Mozambique",), "NG": ("Nigeria",),
    "NP": ("Nepal",), "PA": ("Panama",), "PE": ("Peru",), "PH": ("Philippines",), "PK": ("Pakistan",),
    "PS": ("Palestine",), "PY": ("Paraguay",), "QA": ("Qatar",), "SA": ("Saudi Arabia",), "SG": ("Singapore",),
    "SM": ("San Marino",), "SN": ("Senegal",), "SY": ("Syria",), "TH": ("Thailand",), "TJ": ("Tajikistan",),
    "TM": ("Turkmenistan",), "TN": ("Tunisia",), "TZ": ("Tanzania", "United Republic of Tanzania"),
    "UG": ("Uganda",), "UY": ("Uruguay",), "VE": ("Venezuela",), "ZA": ("South Africa",), "ZM": ("Zambia",),
    "ZW": ("Zimbabwe",),
}

_UPPER = "".join(chr(c) for c in range(0x41, 0x530) if chr(c).isupper())
NAME_WORD = rf"[{_UPPER}][\w'’\-]*"
CONNECTORS = r"(?:de|de'|del|della|di|da|do|dos|das|la|le|les|am|an der|an|upon|on|sur|en|im|ob|nad|pod|y|van|von)"
PROPER_NAME = re.compile(rf"{NAME_WORD}(?:[ \u00a0](?:{CONNECTORS}[ \u00a0])?{NAME_WORD}){{0,4}}")


def fold_char(ch: str) -> str:
    low = ch.lower()
    if low in _LETTERS:
        return _LETTERS[low]
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the offset it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            out.append(" " if c.isspace() else c)
            where.append(i)
    where.append(len(text))
    return "".join(out), where


def fold_name(name: str) -> str:
    return re.sub(r"\s+", " ", fold(name)[0]).strip()


@dataclass(frozen=True)
class NameMention:
    start: int
    end: int
    text: str          # as the page writes it
    kind: str          # place | country | network
    key: str           # place key, ISO code or network key
    how: str           # "label (en)", "alias", "short name", "country name"
    exact: bool        # written exactly as the gazetteer writes it (diacritics and case)


@dataclass(frozen=True)
class _Name:
    written: str
    kind: str
    key: str
    how: str


class NameIndex:
    """Every name of the gazetteer (and the country names above), searchable in text."""

    PRIORITY = {"place": 0, "network": 1, "country": 2}

    def __init__(self, gazetteer: Gazetteer) -> None:
        names: dict[str, list[_Name]] = {}

        def add(written: str, kind: str, key: str, how: str) -> None:
            folded = fold_name(written)
            if len(folded) >= 2:
                names.setdefault(folded, []).append(_Name(written, kind, key, how))

        for key, place in gazetteer.places.items():
            for lang, label in place.labels.items():
                add(label, "place", key, f"label ({lang})")
            for alias in place.aliases:
                add(alias, "place", key, "alias")
        for key, network in gazetteer.networks.items():
            for lang, label in network.labels.items():
                add(label, "network", key, f"label ({lang})")
            if network.short_name:
                add(network.short_name, "network", key, "short name")
        for code, country in gazetteer.countries.items():
            for label in country.labels.values():
                add(label, "country", code, "country name")
        for code, written_names in COUNTRY_NAMES.items():
            for written in written_names:
                add(written, "country", code, "country name")
        self.names = {k: sorted(v, key=lambda n: self.PRIORITY[n.kind]) for k, v in names.items()}
        alternatives = sorted(self.names, key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r" +") for a in alternatives)
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    def find(self, text: str) -> list[NameMention]:
        folded, where = fold(text)
        out: list[NameMention] = []
        for m in self.pattern.finditer(folded):
            start, end = where[m.start()], where[m.end() - 1] + 1
            written = text[start:end]
            if not written[:1].isupper():
                continue
            key = re.sub(" +", " ", m.group(0))
            candidates = self.names[key]
            best = next((n for n in candidates if n.written == written), candidates[0])
            if best.kind == "network" and best.how == "short name" and written != best.written:
                continue   # short names ("UBC") only as written
            keys = {(n.kind, n.key) for n in candidates if n.kind == best.kind}
            if len(keys) > 1:
                best = _Name(best.written, best.kind, best.key, best.how + ", ambiguous")
            out.append(NameMention(start, end, written, best.kind, best.key, best.how, written == best.written))
        return out


def proper_name_at(text: str, start: int) -> re.Match[str] | None:
    """The proper name (capitalised words, connectors allowed) starting at ``start``."""
    return PROPER_NAME.match(text, start)
