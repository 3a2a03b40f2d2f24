"""The record reader: YAML nodes read into the values the record format shares (labels,
identities, dates, areas...), each problem reported with its file, line and field.
Used by ``records.places`` (places.yaml) and ``records.load`` (the city files).
"""

from __future__ import annotations

import re

from twinned.rdf.vocab import Vocabulary
from twinned.records.dates import PartialDate
from twinned.records.model import Area, DateRecord, Identity, Located
from twinned.records.yamlnodes import Node, Reader, brief

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]{0,11}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x20\x7f]+$")


class RecordReader(Reader):
    """Reader with the value checks the record format shares."""

    def __init__(self, file: str, vocabulary: Vocabulary) -> None:
        super().__init__(file)
        self.vocabulary = vocabulary

    def at(self, node: Node) -> Located:
        return Located(node.file, node.line)

    def opt_text(self, entries: dict[str, Node], key: str) -> str | None:
        return self.text(entries[key]) if key in entries else None

    def slug(self, node: Node, what: str = "a slug") -> str | None:
        value = self.text(node)
        if value is not None and not SLUG.match(value):
            self.add(node.problem(f"{what}: lowercase letters, digits and single hyphens, not {brief(value)}"))
            return None
        return value

    def choice(self, node: Node, allowed: frozenset[str], what: str) -> str | None:
        value = self.text(node)
        if value is not None and value not in allowed:
            self.add(node.problem(f"{what}, one of {', '.join(sorted(allowed))}; not {brief(value)}"))
            return None
        return value

    def qid(self, node: Node) -> str | None:
        value = self.text(node)
        if value is not None and not QID.match(value):
            self.add(node.problem(f"a Wikidata QID like Q25409, not {brief(value)}"))
            return None
        return value

    def labels(self, node: Node) -> dict[str, str]:
        entries = self.mapping(node, open_keys=True) or {}
        out: dict[str, str] = {}
        for lang, value_node in entries.items():
            if not LANG.match(lang):
                self.add(value_node.problem(f"a BCP 47 language tag as key, not {brief(lang)}"))
                continue
            value = self.text(value_node)
            if value is not None:
                out[lang] = value
        if entries and "en" not in out:
            self.add(node.problem("an English label (en)"))
        return out

    def identity(self, entries: dict[str, Node], node: Node) -> Identity:
        wikidata = self.qid(entries["wikidata"]) if "wikidata" in entries else None
        unresolved = self.opt_text(entries, "unresolved")
        if ("wikidata" in entries) == ("unresolved" in entries):
            self.add(node.problem("either 'wikidata' (a verified QID) or 'unresolved' (a reason), not both or neither",
                                  f"{node.field}.wikidata"))
        candidates: list[str] = []
        if "candidates" in entries:
            for item in self.sequence(entries["candidates"]):
                q = self.qid(item)
                if q:
                    candidates.append(q)
        return Identity(wikidata, unresolved, tuple(candidates))

    def date(self, node: Node) -> DateRecord | None:
        entries = self.mapping(node, required=("date",), optional=("as_written", "qualifier"))
        if entries is None or "date" not in entries:
            return None
        return self.date_fields(entries)

    def date_fields(self, entries: dict[str, Node]) -> DateRecord | None:
        raw = self.text(entries["date"])
        qualifier = None
        if "qualifier" in entries:
            qualifier = self.choice(entries["qualifier"], self.vocabulary.date_qualifiers, "a date qualifier")
        if raw is None:
            return None
        try:
            value = PartialDate.parse(raw)
        except ValueError as exc:
            self.add(entries["date"].problem(str(exc)))
            return None
        if value.is_future():
            self.add(entries["date"].problem(f"a date that is not in the future, not {raw!r}"))
            return None
        return DateRecord(value, self.opt_text(entries, "as_written"), qualifier)

    def areas(self, node: Node) -> tuple[Area, ...]:
        out: list[Area] = []
        seen: dict[str, int] = {}
        for item in self.sequence(node):
            entries = self.mapping(item, required=("area",), optional=("as_written",))
            if not entries or "area" not in entries:
                continue
            key = self.choice(entries["area"], self.vocabulary.cooperation_areas, "a cooperation area")
            if key is None:
                continue
            if key in seen:
                self.add(item.problem(f"each area once (also on line {seen[key]})", f"{item.field}.area"))
                continue
            seen[key] = item.line
            out.append(Area(key, self.opt_text(entries, "as_written")))
        return tuple(out)
