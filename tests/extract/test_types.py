"""Document titles read as concepts of the agreement-types scheme; document mentions found."""

from __future__ import annotations

import pytest

from tests.support.paths import ROOT
from twinned.extract.types import TypeScheme, find_documents


@pytest.fixture(scope="module")
def scheme() -> TypeScheme:
    return TypeScheme.load(ROOT / "ontology")


@pytest.mark.parametrize(("title", "head", "key"), [
    ("Agreement on Cooperation between the Cities", "agreement", "cooperation-agreement"),
    ("Agreement on Twin-Town Relations between the Cities", "agreement", "twinning-agreement"),
    ("Town Twinning Agreement", "agreement", "twinning-agreement"),
    ("Twinning and Co-operation Agreement", "agreement", "twinning-agreement"),
    ("Sister City Agreement", "agreement", "twinning-agreement"),
    ("Agreement on Partnership Relations and Mutual Cooperation between the Cities", "agreement",
     "partnership-agreement"),
    ("official partnership agreement", "agreement", "partnership-agreement"),
    ("agreement on friendship and cooperation", "agreement", "friendship-agreement"),
    ("Memorandum on Mutual Cooperation", "memorandum", "memorandum-of-cooperation"),
    ("Memorandum of Understanding on the Establishment of Friendship and Cooperation", "memorandum",
     "memorandum-of-understanding"),
    ("Protocol on partnership and cooperation between the Cities", "protocol", "protocol"),
    ("intent protocol", "protocol", "protocol-of-intent"),
    ("Letter of Intend", "letter", "letter-of-intent"),
    ("Letter of Interest", "letter", "letter-of-interest"),
    ("Declaration of Co-operation", "declaration", "declaration"),
    ("Declaration of Intent to place a memorial tablet", "declaration", "declaration-of-intent"),
    ("Decision of Kaunas City Council", "decision", "council-decision"),
    ("Certificate of Friendship", "certificate", "certificate-of-friendship"),
])
def test_types(scheme: TypeScheme, title: str, head: str, key: str) -> None:
    reading = scheme.read(title, head)
    assert reading.type == key
    assert reading.confidence >= 0.8


def test_a_bare_head_is_the_broader_concept_and_unsure(scheme: TypeScheme) -> None:
    reading = scheme.read("Memorandum", "memorandum")
    assert (reading.type, reading.confidence < 0.7) == ("memorandum", True)


@pytest.mark.parametrize(("text", "titles"), [
    ("Germany Wuppertal Agreement on Cooperation between the Cities 22/5/1980. Renewal of the Agreement, 1996",
     ["Agreement on Cooperation between the Cities", "Renewal of the Agreement"]),
    ("The Protocol of Intent between Kaunas City and Riga City was signed", ["Protocol of Intent"]),
    ("Hungary Budapest Declaration on Cooperation in the Field of Culture, 9/5/1997",
     ["Declaration on Cooperation in the Field of Culture"]),
    ("Kaunas City and Hiratsuka signed a cooperation agreement on 25th November, 2023",
     ["cooperation agreement"]),
    ("Letter of intent concerning the twinning agreement between the cities of Kaunas and Xiamen",
     ["Letter of intent", "twinning agreement"]),
    ("Socialist Republic of Vietnam Ho Chi Minh City Memorandum of Understanding (15/12/2016)",
     ["Memorandum of Understanding"]),
])
def test_titles_as_written(text: str, titles: list[str]) -> None:
    from twinned.extract.dates import find_dates

    spans = [(d.start, d.end) for d in find_dates(text)]
    assert [d.title for d in find_documents(text, dates=spans)] == titles


@pytest.mark.parametrize(("text", "title", "key", "review"), [
    ("a partnership treaty of 14.05.2001", "partnership treaty", "partnership-agreement", False),
    ("sister city agreement signed 11/17/1959", "sister city agreement", "twinning-agreement", False),
    ("friendship city agreement signed 6/7/1988", "friendship city agreement", "friendship-agreement", False),
    ("a letter of intent, 1996", "letter of intent", "letter-of-intent", False),
    ("a memorandum of friendship signed in 1988", "memorandum of friendship", "memorandum", True),
])
def test_more_wordings(scheme: TypeScheme, text: str, title: str, key: str, review: bool) -> None:
    [doc] = find_documents(text, dates=[(text.index(d), len(text)) for d in ("14.", "11/", "6/", "1996", "1988")
                                       if d in text][:1])
    reading = scheme.read(doc.title, doc.head)
    assert (doc.title, reading.type, reading.confidence < 0.7) == (title, key, review)
