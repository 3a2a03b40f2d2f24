"""``twinned link``: candidate Wikidata items for a place name, and the chosen one
written into ``data/places.yaml``.

Candidates come from the offline gazetteer — our own ``places.yaml`` (labels in every
language, aliases, verified QIDs and the candidates considered for unresolved places)
and the ``nodes.tsv`` of the Wikidata extract — compared without diacritics, case or
punctuation; and, when an endpoint is given, from Wikidata itself: items whose label
or alias is the name, restricted to human settlements and administrative areas
(``wdt:P31/wdt:P279*``). Each candidate says why it matched; they are ranked by how
closely and how many sources agree.

Nothing is chosen on its own unless exactly one candidate matched exactly. Writing
edits the text of the one entry (``unresolved`` and ``candidates`` give way to
``wikidata``) and keeps everything else, comments included, byte for byte.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twinned.errors import TwinnedError
from twinned.records.model import Gazetteer
from twinned.records.names import fold, overlaps, same
from twinned.records.reader import QID
from twinned.wikidata.client import Endpoint, EndpointError, Row, qid_of
from twinned.wikidata.view import Item

LANGUAGES = ("en", "mul", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "hu", "lt", "lv", "et", "fi",
             "sv", "da", "nb", "nn", "uk", "ru", "be", "bg", "sr", "hr", "sl", "ro", "tr", "el", "he", "ja",
             "zh", "vi")
SETTLEMENT_OR_AREA = {"Q486972": "a human settlement", "Q56061": "an administrative territorial entity"}

SEARCH = """SELECT DISTINCT ?item ?name ?how ?class ?cc ?label ?description WHERE {{
  VALUES ?name {{ {names} }}
  {{ ?item rdfs:label ?name . BIND("label" AS ?how) }}
  UNION {{ ?item skos:altLabel ?name . BIND("alias" AS ?how) }}
  VALUES ?class {{ {classes} }}
  ?item wdt:P31/wdt:P279* ?class .
  OPTIONAL {{ ?item wdt:P17/wdt:P297 ?cc }}
  OPTIONAL {{ ?item rdfs:label ?label . FILTER(LANG(?label) = "en") }}
  OPTIONAL {{ ?item schema:description ?description . FILTER(LANG(?description) = "en") }}
}}
LIMIT 500"""


class LinkError(TwinnedError):
    """No choice can be made or written (exit 2): ambiguous, unknown key, QID in use."""


@dataclass(frozen=True)
class Reason:
    source: str   # places.yaml | extract | Wikidata
    text: str
    exact: bool   # the name matched exactly (not just some of its words)
    weight: int
    asserts: bool = True  # False for a QID only considered for a place, never verified


@dataclass
class Candidate:
    qid: str
    label: str
    country: str | None = None
    description: str | None = None
    reasons: list[Reason] = field(default_factory=list)
    label_from: int = 0  # how far the label is the item's own (_label_trust)

    @property
    def exact(self) -> bool:
        """Some source names this item exactly so (a QID merely considered does not count)."""
        return any(r.exact and r.asserts for r in self.reasons)

    @property
    def score(self) -> int:
        """The best match, and 10 more for every further source that found it."""
        return max(r.weight for r in self.reasons) + 10 * (len({r.source for r in self.reasons}) - 1)


@dataclass(frozen=True)
class Entry:
    """A places.yaml entry whose name matches (with or without a QID)."""

    key: str
    label: str
    country: str
    wikidata: str | None
    unresolved: str | None


@dataclass
class Proposal:
    name: str
    country: str | None
    candidates: list[Candidate]
    entries: list[Entry]
    searched: list[str]
    not_searched: list[str]

    @property
    def unambiguous(self) -> Candidate | None:
        """The one candidate, when there is exactly one and it matched exactly."""
        if len(self.candidates) == 1 and self.candidates[0].exact:
            return self.candidates[0]
        return None


def _label_trust(reason: Reason) -> int:
    """Wikidata's own label first, then the extract's and ours; never a merely considered place's."""
    if not reason.asserts:
        return 0
    return {"Wikidata": 3, "extract": 2}.get(reason.source, 1)


class _Pool:
    def __init__(self, country: str | None) -> None:
        self.country = country
        self.by_qid: dict[str, Candidate] = {}

    def add(self, qid: str, label: str, country: str | None, reason: Reason,
            description: str | None = None) -> None:
        if self.country and country and country != self.country:
            return
        c = self.by_qid.setdefault(qid, Candidate(qid, label, country, label_from=_label_trust(reason)))
        if _label_trust(reason) > c.label_from:
            c.label, c.label_from = label, _label_trust(reason)
        c.country = c.country or country
        c.description = c.description or description
        if reason not in c.reasons:
            c.reasons.append(reason)

    def ranked(self) -> list[Candidate]:
        return sorted(self.by_qid.values(), key=lambda c: (-c.score, not c.exact, int(c.qid[1:])))


def _how(query: str, text: str) -> bool | None:
    """True for the same name, False for a name with words added, None for no match."""
    if same(query, text):
        return True
    return False if overlaps(query, text) else None


def search_gazetteer(pool: _Pool, gaz: Gazetteer, name: str) -> list[Entry]:
    entries = []
    for place in gaz.places.values():
        names = [(t, f"label \"{t}\" ({lang})", 100 if lang == "en" else 95) for lang, t in place.labels.items()]
        names += [(a, f"alias \"{a}\"", 90) for a in place.aliases]
        hits = [(exact, why, weight) for text, why, weight in names if (exact := _how(name, text)) is not None]
        if not hits or (pool.country and place.country != pool.country):
            continue
        exact, why, weight = max(hits, key=lambda h: (h[0], h[2]))
        weight = weight if exact else weight // 2
        identity = place.identity
        entries.append(Entry(place.key, place.labels["en"], place.country, identity.wikidata, identity.unresolved))
        if identity.wikidata:
            pool.add(identity.wikidata, place.labels["en"], place.country,
                     Reason("places.yaml", f"{why} of our place {place.key}, whose QID is verified", exact,
                            weight + 5))
        for qid in identity.candidates:
            pool.add(qid, place.labels["en"], place.country,
                     Reason("places.yaml", f"considered, never verified, for our place {place.key} ({why})",
                            exact, weight - 10, asserts=False))
    return entries


def search_extract(pool: _Pool, nodes: dict[str, Item], name: str) -> None:
    for item in nodes.values():
        if item.label is None or (exact := _how(name, item.label)) is None:
            continue
        why = f"name \"{item.label}\" ({item.country or 'no country'})"
        pool.add(item.qid, item.label, item.country, Reason("extract", why, exact, 80 if exact else 40))


def sparql_literal(text: str, lang: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"@{lang}'


def name_forms(name: str) -> list[str]:
    forms = [name.strip()]
    if forms[0] == forms[0].lower():
        forms.append(forms[0].title())
    return list(dict.fromkeys(forms))


def search_wikidata(pool: _Pool, endpoint: Endpoint, name: str) -> None:
    """Items labelled (or aliased) with the name as given, or as the offline sources spell it."""
    spellings = [c.label for c in pool.ranked() if c.exact][:5]
    forms = list(dict.fromkeys([*name_forms(name), *spellings]))
    names = " ".join(sparql_literal(form, lang) for form in forms for lang in LANGUAGES)
    classes = " ".join(f"wd:{q}" for q in SETTLEMENT_OR_AREA)
    for row in endpoint.select(SEARCH.format(names=names, classes=classes)):
        _add_wikidata_row(pool, row)


def _add_wikidata_row(pool: _Pool, row: Row) -> None:
    qid = qid_of(row["item"].value)
    if qid is None:
        return
    matched = row["name"]
    kind = SETTLEMENT_OR_AREA.get(qid_of(row["class"].value) or "", "a place")
    why = f"{row['how'].value} \"{matched.value}\"@{matched.lang}; {kind}"
    weight = 100 if row["how"].value == "label" else 90
    label = row["label"].value if "label" in row else matched.value
    pool.add(qid, label, row["cc"].value if "cc" in row else None, Reason("Wikidata", why, True, weight),
             row["description"].value if "description" in row else None)


def propose(name: str, gaz: Gazetteer, *, country: str | None = None, nodes: dict[str, Item] | None = None,
            nodes_from: str = "", endpoint: Endpoint | None = None) -> Proposal:
    """Every candidate for the name, ranked; an unreachable endpoint is reported, not fatal."""
    if not fold(name):
        raise LinkError(f"a place name to look up, not {name!r}")
    pool = _Pool(country.upper() if country else None)
    entries = search_gazetteer(pool, gaz, name)
    searched, not_searched = ["data/places.yaml"], []
    if nodes is not None:
        search_extract(pool, nodes, name)
        searched.append(f"the P190 extract {nodes_from}")
    else:
        not_searched.append("the P190 extract: not found (give --offline PATH)")
    if endpoint is not None:
        try:
            search_wikidata(pool, endpoint, name)
            searched.append(f"Wikidata at {endpoint.url}")
        except EndpointError as exc:
            not_searched.append(f"Wikidata: {exc}")
    return Proposal(name, pool.country, pool.ranked(), entries, searched, not_searched)


def choose(proposal: Proposal, qid: str | None = None, number: int | None = None) -> str:
    """The QID to write: given, the N-th candidate, or the one unambiguous candidate."""
    if qid is not None:
        if not QID.match(qid):
            raise LinkError(f"--qid: a Wikidata QID like Q25409, not {qid!r}")
        return qid
    if number is not None:
        if not 1 <= number <= len(proposal.candidates):
            raise LinkError(f"--choose: a candidate number from 1 to {len(proposal.candidates)}, not {number}")
        return proposal.candidates[number - 1].qid
    only = proposal.unambiguous
    if only is None:
        n = len(proposal.candidates)
        what = "no candidate" if n == 0 else f"{n} candidates" if n > 1 else "one candidate, not an exact match"
        raise LinkError(f"{what} for {proposal.name!r}: nothing is chosen on its own; pick one with "
                        "--qid Q… or --choose N; nothing was written")
    return only.qid


# -- writing places.yaml ------------------------------------------------------------------------------

_TOP = re.compile(r"^[^\s#]")
_FIELD = re.compile(r"^    ([A-Za-z_]+):")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _entry_span(lines: Sequence[str], key: str) -> tuple[int, int]:
    """Lines [start, end) of the entry ``key`` under ``places:``."""
    try:
        top = next(i for i, line in enumerate(lines) if re.match(r"^places:\s*(#.*)?$", line))
    except StopIteration:
        raise LinkError("data/places.yaml has no 'places:' section") from None
    head = re.compile(rf"^  {re.escape(key)}:\s*(#.*)?$")
    for i in range(top + 1, len(lines)):
        if _TOP.match(lines[i]):
            break
        if head.match(lines[i]):
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > 2):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            return i, end
    raise LinkError(f"no place {key!r} in data/places.yaml (add its entry first: kind, labels, country)")


def _fields(lines: Sequence[str], start: int, end: int) -> dict[str, tuple[int, int]]:
    """Each field of an entry and its lines, continuation lines included."""
    out: dict[str, tuple[int, int]] = {}
    i = start + 1
    while i < end:
        m = _FIELD.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < end and (not lines[j].strip() or _indent(lines[j]) > 4):
            j += 1
        while j > i + 1 and not lines[j - 1].strip():
            j -= 1
        out[m[1]] = (i, j)
        i = j
    return out


def _edited(text: str, key: str, qid: str, replace: bool) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    start, end = _entry_span(lines, key)
    fields = _fields(lines, start, end)
    new = f"    wikidata: {qid}{newline}"
    if "wikidata" in fields:
        a, b = fields["wikidata"]
        was = lines[a].split(":", 1)[1].split("#")[0].strip()
        if was == qid:
            return text, f"{key} is already linked to {qid}; nothing was written"
        if not replace:
            raise LinkError(f"{key} is linked to {was} already; give --replace to change a published "
                            "identity; nothing was written")
        lines[a:b] = [new]
        return "".join(lines), f"{key}: wikidata {was} → {qid}"
    drops = sorted((span for name, span in fields.items() if name in ("unresolved", "candidates")), reverse=True)
    anchor = fields.get("unresolved", fields.get("country"))
    if anchor is None:
        raise LinkError(f"{key} has no 'country' field to place the QID after")
    at = anchor[0] if "unresolved" in fields else anchor[1]
    for a, b in drops:
        del lines[a:b]
        at -= (b - a) if b <= at else 0
    lines.insert(at, new)
    change = f"{key}: wikidata {qid}" + (" (was unresolved)" if "unresolved" in fields else "")
    return "".join(lines), change


def _check_only_entry_changed(old: str, new: str, key: str, qid: str) -> None:
    expected: Any = copy.deepcopy(yaml.safe_load(old))
    entry = expected["places"][key]
    for name in ("unresolved", "candidates"):
        entry.pop(name, None)
    entry["wikidata"] = qid
    if yaml.safe_load(new) != expected:
        raise LinkError(f"could not edit the entry {key!r} of data/places.yaml safely (unusual layout); "
                        f"add 'wikidata: {qid}' by hand; nothing was written")


def _in_use(gaz: Gazetteer, key: str, qid: str) -> str | None:
    for kind, entries in (("country", gaz.countries), ("place", gaz.places), ("network", gaz.networks)):
        for other_key, e in entries.items():
            if e.identity.wikidata == qid and not (kind == "place" and other_key == key):
                return f"{kind} {other_key}"
    return None


def write_qid(path: Path, gaz: Gazetteer, key: str, qid: str, *, replace: bool = False) -> str:
    """Set ``wikidata: qid`` on one place of places.yaml; return what was done."""
    if key not in gaz.places:
        raise LinkError(f"no place {key!r} in {path.name} (add its entry first: kind, labels, country)")
    user = _in_use(gaz, key, qid)
    if user:
        raise LinkError(f"{qid} is already the QID of {user}; a QID identifies one entry only; "
                        "nothing was written")
    old = path.read_text("utf-8")
    new, message = _edited(old, key, qid, replace)
    if new == old:
        return message
    _check_only_entry_changed(old, new, key, qid)
    fd, tmp = tempfile.mkstemp(prefix=".places-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(new)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return message


# -- output --------------------------------------------------------------------------------------------


def to_json(p: Proposal) -> dict[str, Any]:
    only = p.unambiguous
    return {
        "name": p.name, "country": p.country,
        "candidates": [{"rank": i, "qid": c.qid, "label": c.label, "country": c.country,
                        "description": c.description, "score": c.score, "exact": c.exact,
                        "why": [{"source": r.source, "reason": r.text, "exact": r.exact, "asserts": r.asserts}
                                for r in c.reasons]}
                       for i, c in enumerate(p.candidates, start=1)],
        "entries": [{"key": e.key, "label": e.label, "country": e.country, "wikidata": e.wikidata,
                     "unresolved": e.unresolved} for e in p.entries],
        "unambiguous": only.qid if only else None,
        "searched": p.searched, "not_searched": p.not_searched,
    }


def _candidate_lines(i: int, c: Candidate) -> Iterable[str]:
    head = f"{i:>3}. {c.qid:<11} {c.label} ({c.country or '?'})  score {c.score}"
    yield head + (f" — {c.description}" if c.description else "")
    for r in c.reasons:
        yield f"       {r.source}: {r.text}{'' if r.exact else ' (partial match)'}"


def render(p: Proposal) -> str:
    where = f" in {p.country}" if p.country else ""
    lines = [f"Candidates for {p.name!r}{where}, from {', '.join(p.searched)}:"]
    for i, c in enumerate(p.candidates, start=1):
        lines += _candidate_lines(i, c)
    if not p.candidates:
        lines.append("  none")
    for e in p.entries:
        state = e.wikidata or f"unresolved: {e.unresolved}"
        lines.append(f"Our entry: {e.key} ({e.label}, {e.country}) — {state}")
    lines += [f"Not searched: {n}" for n in p.not_searched]
    only = p.unambiguous
    if only:
        lines.append(f"Unambiguous: {only.qid} is the only candidate and matched exactly.")
    elif p.candidates:
        lines.append(f"Ambiguous or inexact: {len(p.candidates)} candidate(s); nothing is chosen on its own "
                     "(write one with --write KEY --qid Q… or --choose N).")
    return "\n".join(lines) + "\n"
