"""The W3C SHACL test suite (../shared/conformance/shacl-w3c/) through ``twinned validate
--data FILE --shapes FILE --format turtle``, the code the build validates with.

Every test must pass but those in EXPECTED_FAILURES (each listed, with its reason, in
docs/validation.md): a test that starts passing fails here too, so the list stays true.
pySHACL 0.40, the reference, is run on the same suite for comparison (PYSHACL_PASSES).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from rdflib import Graph

from tests.support.paths import ROOT
from tests.support.shacl_suite import Case, Refused, Validator, cases, outcome, pyshacl_reference, report_of
from twinned.cli import main

EXPECTED_FAILURES: dict[str, str] = {}  # test name -> why it fails
PYSHACL_PASSES = 118  # of 120: measured with pySHACL 0.40.1 (test_pyshacl_on_the_suite)

def _cli(capsysbinary: pytest.CaptureFixture[bytes]) -> Validator:
    def validate(data: Path, shapes: Path) -> Graph:
        code = main(["validate", "--project", str(ROOT), "--data", str(data), "--shapes", str(shapes),
                     "--format", "turtle"])
        out, err = capsysbinary.readouterr()
        if code == 2:
            raise Refused(err.decode("utf-8", "replace"))
        graph = Graph()
        graph.parse(data=out, format="turtle")
        assert code == (0 if report_of(graph)[0] else 1), "the exit status says what the report says"
        return graph
    return validate


def test_the_suite_is_there() -> None:
    assert len(cases()) == 120


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_w3c_case(case: Case, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    result = outcome(case, _cli(capsysbinary))
    if case.name in EXPECTED_FAILURES:
        assert result != "pass", f"{case.name} passes now: take it off EXPECTED_FAILURES and the docs"
    else:
        assert result == "pass"


def test_expected_failures_are_documented() -> None:
    doc = (ROOT / "docs" / "validation.md").read_text("utf-8")
    for name in EXPECTED_FAILURES:
        assert name in doc


@pytest.mark.slow  # pySHACL, the reference, on the whole W3C suite
def test_pyshacl_on_the_suite() -> None:
    """The reference passes PYSHACL_PASSES tests; we pass every one of those too."""
    logging.getLogger("pyshacl").setLevel(logging.CRITICAL)
    passed = {c.name for c in cases() if outcome(c, pyshacl_reference) == "pass"}
    assert len(passed) == PYSHACL_PASSES
    ours = {c.name for c in cases()} - set(EXPECTED_FAILURES)
    assert passed <= ours
    doc = (ROOT / "docs" / "validation.md").read_text("utf-8")
    assert re.search(rf"\b{PYSHACL_PASSES}\b", doc)
