"""Typed errors. They carry what a user needs; only the edges (CLI, HTTP) turn
them into messages and exit codes.

    TwinnedError
    ├── InputError          records or settings are wrong (exit 2); holds every Problem
    ├── NotConformant       the graph fails its SHACL shapes (exit 1)
    ├── ShapesError         the SHACL shapes themselves are broken (exit 2)
    └── PublishError        dist/ could not be written (exit 2)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one input file: `file:line: field: what was expected`."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class TwinnedError(Exception):
    """Base class of every error twinned raises on purpose."""

    exit_code = 2


class InputError(TwinnedError):
    """The records (or settings) have problems; all of them are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class NotConformant(TwinnedError):
    """The built graph does not conform to the SHACL shapes."""

    exit_code = 1

    def __init__(self, report_text: str) -> None:
        self.report_text = report_text
        super().__init__(report_text)


class PublishError(TwinnedError):
    """The publication directory could not be written."""


class ShapesError(TwinnedError):
    """The shapes graph cannot be used (pySHACL refused it)."""
