"""Place names compared the way people read them: without diacritics, case or
punctuation (Košice = Kosice, Cava de' Tirreni = Cava de Tirreni, Białystok = Bialystok).
"""

from __future__ import annotations

import re
import unicodedata

# letters that do not decompose into a base letter and a combining mark
_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                          "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ħ": "h",
                          "Ħ": "H", "þ": "th", "Þ": "Th"})
_NOT_WORD = re.compile(r"[\W_]+")


def fold(name: str) -> str:
    """Lower case, no diacritics, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def same(a: str, b: str) -> bool:
    return fold(a) == fold(b) != ""


def overlaps(a: str, b: str) -> bool:
    """One name is the other with words added ("Linköping" and "Linköping Municipality",
    "Kreis Lippe" and "Lippe"): the words of the shorter are a run of the longer's."""
    x, y = fold(a).split(), fold(b).split()
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if not short or len(" ".join(short)) < 3:
        return False
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))
