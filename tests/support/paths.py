"""The paths the tests read: the repository, ../shared beside it, and the fixture folders."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
SHARED = ROOT.parent / "shared"
CORPUS = TESTS / "corpus"
FIXTURES = TESTS / "fixtures"
SHAPE_FIXTURES = TESTS / "shapes"
PAGES = TESTS / "pages"
CKAN = TESTS / "ckan"
