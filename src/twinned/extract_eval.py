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

A fact matches when it is equal on both sides (place keys, concept keys, dates at
their precision: 1992-01 is not 1992-01-15); matched = the size of the multiset
intersection; precision = matched / found, recall = matched / gold, F1 their
harmonic mean. A field with nothing found and nothing to find scores 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem
from .extract import Draft

FIELDS = ("partners", "types", "dates", "places", "areas", "memberships")
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


def gold_facts(path: Path) -> tuple[str, Facts]:
    """The publishing city and the facts of a curated record file."""
    try:
        data: Any = yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError([Problem(str(path), 0, "gold", f"a readable YAML record file ({exc})")]) from None
    if not isinstance(data, dict) or "city" not in data:
        raise InputError([Problem(str(path), 0, "gold", "a record file with 'city' and 'partnerships'")])
    facts = _empty()
    for p in data.get("partnerships") or []:
        partner = p["partner"]
        facts["partners"][(partner,)] += 1
        areas = {a["area"] for a in p.get("areas") or []}
        if p.get("began"):
            facts["dates"][(partner, "began", p["began"]["date"])] += 1
        for doc in p.get("documents") or []:
            facts["types"][(partner, doc["type"])] += 1
            areas |= {a["area"] for a in doc.get("areas") or []}
            for s in doc.get("signed") or []:
                if s.get("date"):
                    facts["dates"][(partner, "signed", s["date"])] += 1
                if s.get("place"):
                    facts["places"][(partner, s["place"])] += 1
        facts["areas"].update((partner, a) for a in areas)
    for m in data.get("memberships") or []:
        facts["memberships"][(m["network"],)] += 1
        if m.get("since"):
            facts["dates"][(m["network"], "since", m["since"]["date"])] += 1
    return data["city"], facts


def draft_facts(draft: Draft) -> Facts:
    facts = _empty()
    for p in draft.partnerships:
        facts["partners"][(p.partner,)] += 1
        areas = {a.area for a in p.areas}
        if p.began:
            facts["dates"][(p.partner, "began", str(p.began.date))] += 1
        for doc in p.documents:
            facts["types"][(p.partner, doc.type)] += 1
            areas |= {a.area for a in doc.areas}
            for s in doc.signings:
                if s.date:
                    facts["dates"][(p.partner, "signed", str(s.date.date))] += 1
                if s.place:
                    facts["places"][(p.partner, s.place)] += 1
        facts["areas"].update((p.partner, a) for a in areas)
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
