"""Place names compared as people read them (twinned.records.names)."""

from __future__ import annotations

import pytest

from twinned.records.names import fold, overlaps, same


@pytest.mark.parametrize(("name", "folded"), [
    ("Košice", "kosice"),
    ("Białystok", "bialystok"),
    ("Cava de' Tirreni", "cava de tirreni"),
    ("Straßburg", "strassburg"),
    ("Tromsø", "tromso"),
    ("  Saint-Étienne_du--Rouvray ", "saint etienne du rouvray"),
    ("Þórshöfn", "thorshofn"),
    ("ŁÓDŹ", "lodz"),
    ("İzmir", "izmir"),  # the dotted capital decomposes to I and a dot
])
def test_fold(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_same_names_differ_only_in_what_readers_ignore() -> None:
    assert same("Košice", "KOSICE")
    assert same("Cava de' Tirreni", "Cava de Tirreni")
    assert not same("Wien", "Vienna")
    assert not same("", "")  # nothing is not a name
    assert not same("!!", "--")


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Linköping", "Linköping Municipality", True),
    ("Kreis Lippe", "Lippe", True),
    ("Lippe", "Lippe", True),
    ("Frankfurt am Main", "Frankfurt (Oder)", False),  # a shared word is not a run
    ("Linz", "Linz am Rhein", True),
    ("Bad", "Bad Ischl", True),
    ("Ei", "Ei Town", False),  # too short to say
    ("York", "New York", True),
    ("Yorkshire", "York", False),  # words, not letters
    ("", "Anything", False),
])
def test_overlaps(a: str, b: str, expected: bool) -> None:
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected
