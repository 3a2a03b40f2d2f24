"""Typed errors. They carry what a user needs; only the edges (CLI, HTTP) turn
them into messages and exit codes.

Every error twinned raises on purpose, wherever it is defined (module in brackets when
not here; tests/test_errors.py keeps this tree equal to the classes' real one):

    TwinnedError                    exit 2 unless a subclass says otherwise
    ├── InputError                  exit 2, records or settings are wrong; holds every Problem
    ├── NotConformant               exit 1, the graph fails its SHACL shapes
    ├── ShapesError                 exit 2, the SHACL shapes themselves are broken
    ├── PublishError                exit 2, dist/ could not be written
    ├── CredentialsError            exit 2, credentials missing or misplaced [store.auth]
    ├── StoreError                  exit 2, the external store failed a request [store.external]
    ├── EndpointError               exit 2, the Wikidata endpoint did not answer [wikidata.client]
    ├── LinkError                   exit 2, no QID link can be chosen or written [wikidata.linking]
    ├── ParameterError              exit 2, a canned query's parameter is wrong (HTTP 400) [queries.params]
    ├── QueryNotFound               exit 2, no canned query has that name (HTTP 404) [queries.binding]
    └── HTTPProblem                 exit 2, an error the server answers with [httperrors]
        ├── BadRequest              [httperrors]
        │   ├── QuerySyntaxError    [httperrors]
        │   └── InvalidParameter    [web.queries_api]
        ├── Forbidden               [httperrors]
        │   └── QueryRefused        [httperrors]
        ├── NotFound                [httperrors]
        ├── MethodNotAllowed        [httperrors]
        ├── NotAcceptable           [httperrors]
        ├── PayloadTooLarge         [httperrors]
        ├── URITooLong              [httperrors]
        ├── UnsupportedMediaType    [httperrors]
        ├── ClientGone              [web.sparql_protocol]
        ├── WorkerFailed            [httperrors]
        └── ServiceUnavailable      [httperrors]
            ├── QueryTimeout        [httperrors]
            ├── QueryTooLarge       [httperrors]
            └── StoreUnavailable    [store.external]

The HTTP statuses are drawn in httperrors.py.
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
