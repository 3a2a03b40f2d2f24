"""Field-level precision, recall and F1 of a draft against curated records.

Both sides are reduced to multisets of facts per field (docs/extraction.md):

- ``partners``      (partner)                      one per partnership
- ``types``         (partner, agreement type)       one per document
- ``dates``         (partner, role, date)           one per dated signing (role ``signed``),
                                                    the partnership's ``began``, and each
                                                    membership's ``since`` (partner = the network)
- ``places``        (partner, signing place)        one per signing with a place
- ``areas``         (partner, area)                 a set: the areas of the partnership and of
                                                    all its documents together
- ``memberships``   (network)                       one per membership
- ``first-years``   (partner, year)                 one per partnership with a date: the earliest
                                                    year among its ``began`` and signing dates

Places (partners and signing places) are compared by their Wikidata QID when the
gazetteer (places.yaml, the Wikidata extract) gives one, else by key; a gold file may
name them by QID directly (``partner: Q2079``) and its ``city`` may be a QID.

A fact matches when it is equal on both sides (place keys, concept keys, dates at
their precision: 1992-01 is not 1992-01-15); matched = the size of the multiset
intersection; precision = matched / found, recall = matched / gold, F1 their
harmonic mean. A field with nothing found and nothing to find scores 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twinned.errors import InputError, Problem
from twinned.extract.model import Draft
from twinned.extract.pipeline import Extractor, read_page
from twinned.records.model import Gazetteer

FIELDS = ("partners", "types", "dates", "places", "areas", "memberships", "first-years")
Facts = dict[str, Counter[tuple[str, ...]]]


@dataclass(frozen=True)
class Score:
    field: str
    gold: int
    found: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else (1.0 if not self.found else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _empty() -> Facts:
    return {f: Counter() for f in FIELDS}


Identify = Callable[[str], str]


def _same(key: str) -> str:
    return key


def identify_by(gazetteer: Gazetteer) -> Identify:
    """A place key → its QID in the gazetteer, else the key itself."""
    def identify(key: str) -> str:
        place = gazetteer.places.get(key)
        return place.identity.wikidata if place and place.identity.wikidata else key
    return identify


def _first_year(dates: list[str]) -> str | None:
    years = sorted(d[:4] for d in dates if d[:4].isdigit())
    return years[0] if years else None


def gold_facts(path: Path, identify: Identify = _same) -> tuple[str, Facts]:
    """The publishing city and the facts of a curated record file."""
    try:
        data: Any = yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError([Problem(str(path), 0, "gold", f"a readable YAML record file ({exc})")]) from None
    if not isinstance(data, dict) or "city" not in data:
        raise InputError([Problem(str(path), 0, "gold", "a record file with 'city' and 'partnerships'")])
    try:
        return data["city"], _gold(data, identify)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError([Problem(str(path), 0, "partnerships", f"records in the record format ({exc!r} is "
                                                                 "missing or malformed)")]) from None


def _gold(data: dict[str, Any], identify: Identify) -> Facts:
    facts = _empty()
    for p in data.get("partnerships") or []:
        partner = identify(p["partner"])
        facts["partners"][(partner,)] += 1
        areas = {a["area"] for a in p.get("areas") or []}
        dates = []
        if p.get("began"):
            facts["dates"][(partner, "began", p["began"]["date"])] += 1
            dates.append(p["began"]["date"])
        for doc in p.get("documents") or []:
            facts["types"][(partner, doc["type"])] += 1
            areas |= {a["area"] for a in doc.get("areas") or []}
            for s in doc.get("signed") or []:
                if s.get("date"):
                    facts["dates"][(partner, "signed", s["date"])] += 1
                    dates.append(s["date"])
                if s.get("place"):
                    facts["places"][(partner, identify(s["place"]))] += 1
        facts["areas"].update((partner, a) for a in areas)
        first = _first_year(dates)
        if first:
            facts["first-years"][(partner, first)] += 1
    for m in data.get("memberships") or []:
        facts["memberships"][(m["network"],)] += 1
        if m.get("since"):
            facts["dates"][(m["network"], "since", m["since"]["date"])] += 1
    return facts


def draft_facts(draft: Draft) -> Facts:
    facts = _empty()
    identify = identify_by(draft.gazetteer)
    for p in draft.partnerships:
        partner = identify(p.partner)
        facts["partners"][(partner,)] += 1
        areas = {a.area for a in p.areas}
        dates = []
        if p.began:
            facts["dates"][(partner, "began", str(p.began.date))] += 1
            dates.append(str(p.began.date))
        for doc in p.documents:
            facts["types"][(partner, doc.type)] += 1
            areas |= {a.area for a in doc.areas}
            for s in doc.signings:
                if s.date:
                    facts["dates"][(partner, "signed", str(s.date.date))] += 1
                    dates.append(str(s.date.date))
                if s.place:
                    facts["places"][(partner, identify(s.place))] += 1
        facts["areas"].update((partner, a) for a in areas)
        first = _first_year(dates)
        if first:
            facts["first-years"][(partner, first)] += 1
    for m in draft.memberships:
        facts["memberships"][(m.network,)] += 1
        if m.since:
            facts["dates"][(m.network, "since", str(m.since.date))] += 1
    return facts


def score(found: Facts, gold: Facts) -> list[Score]:
    return [Score(f, sum(gold[f].values()), sum(found[f].values()), sum((found[f] & gold[f]).values()))
            for f in FIELDS]


def differences(found: Facts, gold: Facts) -> dict[str, tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    """Per field: the facts found but not in the gold, and the gold facts not found."""
    return {f: (sorted((found[f] - gold[f]).elements()), sorted((gold[f] - found[f]).elements())) for f in FIELDS}


def report(scores: list[Score], page: str, gold: str) -> str:
    lines = [f"{page} against {gold}",
             f"{'field':<12} {'gold':>5} {'found':>6} {'match':>6} {'precision':>10} {'recall':>7} {'F1':>6}"]
    for s in scores:
        lines.append(f"{s.field:<12} {s.gold:>5} {s.found:>6} {s.matched:>6} {s.precision:>10.3f} "
                     f"{s.recall:>7.3f} {s.f1:>6.3f}")
    return "\n".join(lines) + "\n"


PAGE_SUFFIXES = (".html", ".htm", ".txt")


def gold_of(page: Path) -> Path:
    return page.with_name(page.name.rsplit(".", 1)[0] + ".gold.yaml")


def pages_of(folder: Path) -> list[Path]:
    """The pages of an evaluation set: each .html/.htm/.txt file with a .gold.yaml beside it."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PAGE_SUFFIXES and gold_of(p).is_file())


def evaluate_page(extractor: Extractor, page: Path, gold: Path) -> tuple[Facts, Facts]:
    """The draft's facts and the gold's, places identified through the extractor's gazetteer."""
    city, gold_set = gold_facts(gold, identify_by(extractor.curated))
    return draft_facts(extractor.extract(read_page(page), city)), gold_set


def evaluate_set(extractor: Extractor, folder: Path) -> list[tuple[str, list[Score]]]:
    """Scores per page of an evaluation set, and a last row ``all pages`` pooling their facts."""
    rows: list[tuple[str, list[Score]]] = []
    pooled_found, pooled_gold = _empty(), _empty()
    for page in pages_of(folder):
        found, gold = evaluate_page(extractor, page, gold_of(page))
        rows.append((page.name, score(found, gold)))
        for f in FIELDS:
            pooled_found[f].update({(page.name, *k): v for k, v in found[f].items()})
            pooled_gold[f].update({(page.name, *k): v for k, v in gold[f].items()})
    if not rows:
        raise InputError([Problem(str(folder), 0, "pages", "pages (.html, .htm, .txt) each with a .gold.yaml")])
    rows.append(("all pages", score(pooled_found, pooled_gold)))
    return rows


def set_table(rows: list[tuple[str, list[Score]]]) -> str:
    """A Markdown table: F1 per field and page; for all pages, precision / recall / F1."""
    out = ["| page | " + " | ".join(FIELDS) + " |", "|---|" + "---|" * len(FIELDS)]
    for name, scores in rows[:-1]:
        out.append(f"| `{name}` | " + " | ".join(f"{s.f1:.3f}" for s in scores) + " |")
    name, scores = rows[-1]
    out.append(f"| **{name}** (P / R / F1) | " +
               " | ".join(f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}" for s in scores) + " |")
    return "\n".join(out) + "\n"
