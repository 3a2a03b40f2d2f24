"""The parameters of canned queries: their types (how a value given as text is
parsed into an RDF term, and its JSON Schema) and :class:`ParameterError` for a value
that is missing, unknown or not of its type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox

from twinned.errors import TwinnedError
from twinned.rdf.vocab import WD
from twinned.records.dates import PartialDate

Term = ox.NamedNode | ox.BlankNode | ox.Literal
XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_VALUE_CHARS = 1000
MAX_VALUES = 20


class ParameterError(TwinnedError):
    """A parameter value is missing, unknown or not of its type (HTTP 400)."""

    status = 400

    def __init__(self, query: str, parameter: str, expected: str, value: str | None = None) -> None:
        self.query = query
        self.parameter = parameter
        self.expected = expected
        self.value = value
        shown = "" if value is None else f", not {shorten(value)!r}"
        super().__init__(f"query {query!r}: parameter {parameter!r}: expected {expected}{shown}")



def shorten(text: str, limit: int = 60) -> str:
    """The text, cut to ``limit`` characters with an ellipsis (for error messages)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- parameter types ----------------------------------------------------------------

IRI_CHARS = re.compile(r'[^\s<>"{}|\\^`]+')
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
QID = re.compile(r"Q[1-9][0-9]{0,11}")  # used with fullmatch: no "$" that lets a "\n" through
YEAR = re.compile(r"[1-9][0-9]{3}")
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
# language[-script][-region][-variant]: the well-formed BCP 47 tags a name needs
LANGTAG_PATTERN = (r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
                   r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))?")
LANGTAG = re.compile(LANGTAG_PATTERN)
PARTIAL_DATE = "^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2]))?$"  # a year (not 0) or a month


def _iri(text: str, base: str) -> Term:
    if not IRI_CHARS.fullmatch(text):
        raise ValueError
    return ox.NamedNode(text if SCHEME.match(text) else urljoin(base, text))


def _qid(text: str, base: str) -> Term:
    if not QID.fullmatch(text):
        raise ValueError
    return ox.NamedNode(WD[text])


def _string(text: str, base: str) -> Term:
    return ox.Literal(text)


def _langstring(text: str, base: str) -> Term:
    value, at, lang = text.rpartition("@")
    if not at or not LANGTAG.fullmatch(lang):
        raise ValueError
    return ox.Literal(value, language=lang.lower())


def _date(text: str, base: str) -> Term:
    date = PartialDate.parse(text) if text == text.strip() else None
    if date is None or str(date) != text:
        raise ValueError
    return ox.Literal(str(date), datatype=ox.NamedNode(XSD + date.xsd_name))


def _year(text: str, base: str) -> Term:
    if not YEAR.fullmatch(text):
        raise ValueError
    return ox.Literal(int(text))


def _integer(text: str, base: str) -> Term:
    if not INTEGER.fullmatch(text):
        raise ValueError
    return ox.Literal(int(text))


@dataclass(frozen=True)
class ParamType:
    """How one type of parameter is read, described and bound."""

    name: str
    expected: str
    parse: Callable[[str, str], Term]
    schema: Mapping[str, Any]


TYPES: dict[str, ParamType] = {t.name: t for t in (
    ParamType("iri", "an IRI, absolute or relative to the base URI (place/kaunas)", _iri,
              {"type": "string", "format": "iri-reference"}),
    ParamType("qid", "a Wikidata item id such as Q25409", _qid,
              {"type": "string", "pattern": "^Q[1-9][0-9]{0,11}$"}),
    ParamType("string", "a text", _string, {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_CHARS}),
    ParamType("langstring", "a text with a language tag, such as Kassa@hu", _langstring,
              {"type": "string", "pattern": f"@{LANGTAG_PATTERN}$"}),
    ParamType("date", "a date as YYYY, YYYY-MM or YYYY-MM-DD", _date,
              {"type": "string", "anyOf": [{"format": "date"}, {"pattern": PARTIAL_DATE}]}),
    ParamType("year", "a year as four digits (YYYY)", _year,
              {"type": "integer", "minimum": 1000, "maximum": 9999}),
    ParamType("integer", "a whole number", _integer,
              {"type": "integer", "minimum": -(10**18 - 1), "maximum": 10**18 - 1}),
    ParamType("enum", "one of the allowed values", _string, {"type": "string"}),
)}


@dataclass(frozen=True)
class Parameter:
    """One typed parameter of a canned query; values stay text until bound."""

    name: str
    type: str
    description: str
    default: tuple[str, ...] = ()
    example: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = False

    @property
    def expected(self) -> str:
        if self.type == "enum":
            return "one of " + ", ".join(self.allowed)
        return TYPES[self.type].expected

    def parse(self, text: str, base: str) -> Term:
        """The RDF term for one value; ValueError (with what was expected) if it is not one."""
        if len(text) > MAX_VALUE_CHARS or "\x00" in text:
            raise ValueError(f"{self.expected} of at most {MAX_VALUE_CHARS} characters")
        if self.type == "enum" and text not in self.allowed:
            raise ValueError(self.expected)
        try:
            return TYPES[self.type].parse(text, base)
        except ValueError:
            raise ValueError(self.expected) from None

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the parameter (for OpenAPI)."""
        item: dict[str, Any] = dict(TYPES[self.type].schema)
        if self.type == "enum":
            item["enum"] = list(self.allowed)
        if self.multiple:
            out: dict[str, Any] = {"type": "array", "items": item, "maxItems": MAX_VALUES}
            if self.default:
                out["default"] = [self.json_value(v) for v in self.default]
            return out
        if self.default:
            item["default"] = self.json_value(self.default[0])
        return item

    def json_value(self, text: str) -> int | str:
        """A value as JSON (numbers for year and integer parameters)."""
        return int(text) if self.type in ("year", "integer") else text

    def example_values(self) -> tuple[str, ...]:
        return self.example or self.default
