"""Errors the server answers with. Raised anywhere below the HTTP edge as typed
exceptions; only ``server`` turns them into responses, in one JSON shape for API
clients (``{"error": {"status": ..., "title": ..., "detail": ...}}``) or a
readable page for browsers.

Every ``HTTPProblem`` (a ``TwinnedError``), wherever it is defined (module in brackets
when not here; tests/test_errors.py keeps this tree and its statuses equal to the
classes' real ones):

    HTTPProblem                     500 unless a subclass says otherwise
    ├── BadRequest                  400
    │   ├── QuerySyntaxError        400, the SPARQL parser's message
    │   └── InvalidParameter        400, a canned query's parameter, named [web.queries_api]
    ├── Forbidden                   403
    │   └── QueryRefused            403, an update, SERVICE or LOAD
    ├── NotFound                    404
    ├── MethodNotAllowed            405
    ├── NotAcceptable               406, lists the media types on offer
    ├── PayloadTooLarge             413
    ├── URITooLong                  414
    ├── UnsupportedMediaType        415
    ├── ClientGone                  499, the client left before its answer [web.sparql_protocol]
    ├── WorkerFailed                500, a query worker died
    └── ServiceUnavailable          503
        ├── QueryTimeout            503, the query ran past the time limit
        ├── QueryTooLarge           503, it needed too much memory or its result is too large
        └── StoreUnavailable        503, the external store failed a request [store.external]

Two errors of the canned queries are not ``HTTPProblem`` but carry a ``status`` for the
server (``queries.params``: ``ParameterError`` 400; ``queries.binding``: ``QueryNotFound`` 404); errors.py
draws them in the whole tree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from twinned.errors import TwinnedError


class HTTPProblem(TwinnedError):
    """An error with an HTTP status, a short title and a detail for the user."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str, headers: Mapping[str, str] | None = None) -> None:
        self.detail = detail
        self.headers = dict(headers or {})
        super().__init__(detail)

    def as_json(self) -> dict[str, object]:
        return {"error": {"status": self.status, "title": self.title, "detail": self.detail}}


class BadRequest(HTTPProblem):
    status = 400
    title = "Bad Request"


class QuerySyntaxError(BadRequest):
    title = "SPARQL syntax error"


class Forbidden(HTTPProblem):
    status = 403
    title = "Forbidden"


class QueryRefused(Forbidden):
    title = "Query refused"


class NotFound(HTTPProblem):
    status = 404
    title = "Not Found"


class MethodNotAllowed(HTTPProblem):
    status = 405
    title = "Method Not Allowed"


class NotAcceptable(HTTPProblem):
    status = 406
    title = "Not Acceptable"

    def __init__(self, available: Sequence[str], what: str = "this resource") -> None:
        self.available = list(available)
        super().__init__(
            f"None of the media types in the Accept header is available for {what}. "
            f"Available: {', '.join(self.available)}."
        )


class PayloadTooLarge(HTTPProblem):
    status = 413
    title = "Payload Too Large"


class URITooLong(HTTPProblem):
    status = 414
    title = "URI Too Long"


class UnsupportedMediaType(HTTPProblem):
    status = 415
    title = "Unsupported Media Type"


class WorkerFailed(HTTPProblem):
    title = "Query worker failed"


class ServiceUnavailable(HTTPProblem):
    status = 503
    title = "Service Unavailable"


class QueryTimeout(ServiceUnavailable):
    title = "Query timed out"


class QueryTooLarge(ServiceUnavailable):
    title = "Query too large"
