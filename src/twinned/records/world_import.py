"""Import: the Wikidata twin-city network (``nodes.tsv``, ``links.tsv``) merged with
the curated records into ``data/world/`` (format in ``world``).

- A city whose QID a curated place has *is* that place: it gets no row of its own and
  its links attach to the curated key (curated details win).
- Every other city gets a key: its name as a slug if that is unique, else
  ``name-cc`` (country code) if that is, else ``name-q123``. Keys already in
  ``data/world/places.tsv`` are kept from one import to the next (they are published
  URIs); only new cities get new keys.
- Countries come from ``countrycd`` (``CN-TW`` is Taiwan, ``TW``; ``NA`` is Namibia,
  not a missing value). ``places.yaml`` holds the verified ones; the others stay
  unresolved.
- Links are undirected: one partnership per pair, its keys in sorted order.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from twinned.errors import InputError, Problem
from twinned.rdf.vocab import load_vocabulary
from twinned.records.extract_files import LINKS, NODES
from twinned.records.load import load_gazetteer
from twinned.records.world import COUNTRIES_FILE, PARTNERSHIPS_FILE, PLACES_FILE, SOURCE_FILE, WORLD_DIR

DEFAULT_FROM = Path("..") / "shared" / "data" / "wikidata-twin-cities"
NODE_COLUMNS = ("id", "name", "lng", "lat", "country", "countrycd", "continent")
LINK_COLUMNS = ("source", "target")
COUNTRY_CODES = {"CN-TW": "TW"}  # the extract's own codes for ISO 3166-1 alpha-2 ones
QID = re.compile(r"Q[1-9][0-9]{0,11}")
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# letters NFKD does not take apart
_LATIN = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
                        "Œ": "OE", "ß": "ss", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
                        "Þ": "Th", "ı": "i", "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L"})
SOURCE_YAML = """\
# Written by `twinned import-wikidata`. The extract every imported statement derives from
# (format: src/twinned/records/world.py). The keys in places.tsv are published URIs: keep them.
id: wikidata-twin-cities
title: Wikidata twin-city network (P190 "twinned administrative body" between cities)
description: >-
  Town twinning between cities as recorded in Wikidata property P190, curated by the
  GitHub repository bothness/twin-cities. Cities only; towns, districts and regions are
  left out by the extract.
url: https://github.com/bothness/twin-cities
publisher: https://www.wikidata.org/
license: http://creativecommons.org/publicdomain/zero/1.0/
files:
"""


@dataclass(frozen=True)
class Node:
    qid: str
    name: str
    lat: str
    long: str
    country: str
    country_name: str
    line: int


@dataclass(frozen=True)
class ImportResult:
    folder: Path
    cities: int  # rows written to places.tsv
    merged: tuple[tuple[str, str], ...]  # (qid, curated key) of cities that are curated places
    partnerships: int
    curated_pairs: int  # links between two curated places (the curated record may hold them)
    countries: int
    new_keys: int
    dropped: tuple[str, ...]  # keys of earlier imports no longer in the extract (or now curated)


def slug(name: str) -> str:
    """Lowercase ASCII words joined by hyphens: "Halle (Saale)" -> "halle-saale"."""
    text = unicodedata.normalize("NFKD", name.translate(_LATIN))
    text = "".join(ch if ch.isalnum() or unicodedata.combining(ch) else " " for ch in text)
    return "-".join(re.findall(r"[a-z0-9]+", text.encode("ascii", "ignore").decode().lower()))


def _table(path: Path, columns: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    try:
        lines = path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), 0, "file", f"a readable UTF-8 TSV file ({exc})")]) from None
    if tuple(lines[0].rstrip("\r").split("\t")) != columns:
        raise InputError([Problem(str(path), 1, "header", "the columns " + ", ".join(columns))])
    rows = []
    for number, raw in enumerate(lines[1:], start=2):
        if raw.strip():
            rows.append((number, raw.rstrip("\r").split("\t")))
    return rows


def read_nodes(path: Path) -> list[Node]:
    """The cities of nodes.tsv; every problem at once (InputError)."""
    problems: list[Problem] = []
    nodes: list[Node] = []
    seen: set[str] = set()
    for line, cells in _table(path, NODE_COLUMNS):
        if len(cells) != len(NODE_COLUMNS):
            problems.append(Problem(str(path), line, "row", f"{len(NODE_COLUMNS)} values, not {len(cells)}"))
            continue
        qid, name, lng, lat, country, code, _continent = cells
        code = COUNTRY_CODES.get(code, code)  # "NA" stays Namibia: a string, never a missing value
        if not QID.fullmatch(qid) or qid in seen:
            problems.append(Problem(str(path), line, "id", f"a QID listed once, not {qid!r}"))
        elif not name.strip() or _CONTROL.search(name) or _CONTROL.search(country):
            problems.append(Problem(str(path), line, "name", "a name without control characters"))
        elif not (NUMBER.fullmatch(lat) and NUMBER.fullmatch(lng)):
            problems.append(Problem(str(path), line, "lat", f"decimal coordinates, not {lat!r}, {lng!r}"))
        elif not re.fullmatch(r"[A-Z]{2}", code):
            problems.append(Problem(str(path), line, "countrycd", f"a two-letter country code, not {code!r}"))
        else:
            seen.add(qid)
            nodes.append(Node(qid, name.strip(), lat, lng, code, country.strip(), line))
    if problems:
        raise InputError(problems)
    return nodes


def read_links(path: Path, qids: set[str]) -> list[tuple[str, str]]:
    problems: list[Problem] = []
    links = []
    for line, cells in _table(path, LINK_COLUMNS):
        if len(cells) != 2 or any(q not in qids for q in cells) or cells[0] == cells[1]:
            problems.append(Problem(str(path), line, "source", "two different QIDs of nodes.tsv"))
            continue
        links.append((cells[0], cells[1]))
    if problems:
        raise InputError(problems)
    return links


def _registry(folder: Path) -> dict[str, str]:
    """QID -> key of an earlier import (its keys are kept)."""
    path = folder / PLACES_FILE
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text("utf-8").split("\n")[1:]:
        cells = line.split("\t")
        if len(cells) >= 2 and QID.fullmatch(cells[1]):
            out[cells[1]] = cells[0]
    return out


def assign_keys(nodes: list[Node], taken: set[str]) -> dict[str, str]:
    """QID -> key for new cities: name, else name-cc, else name-qid (never a taken key)."""
    groups: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        groups[slug(n.name) or n.qid.lower()].append(n)
    keys: dict[str, str] = {}
    order = sorted(groups)
    for name in order:  # 1: the name alone, when one new city has it and it is free
        group = groups[name]
        if len(group) == 1 and name not in taken:
            keys[group[0].qid] = name
            taken.add(name)
    for name in order:  # 2: name-cc, when one of them is in that country
        rest = [n for n in groups[name] if n.qid not in keys]
        per_country = Counter(n.country for n in rest)
        for n in sorted(rest, key=lambda n: int(n.qid[1:])):
            key = f"{name}-{n.country.lower()}"
            if per_country[n.country] == 1 and key not in taken:
                keys[n.qid] = key
                taken.add(key)
    for name in order:  # 3: name-qid, unique because QIDs are
        for n in groups[name]:
            if n.qid not in keys:
                key = f"{name}-{n.qid.lower()}"
                if key in taken:
                    raise InputError([Problem(NODES, n.line, "id", f"a city whose key {key} is free")])
                keys[n.qid] = key
                taken.add(key)
    return keys


def _commits(folder: Path) -> dict[str, tuple[str, str]]:
    """file name -> (path, commit), from the extract's README where it says so."""
    readme = folder / "README.md"
    if not readme.is_file():
        return {}
    text = readme.read_text("utf-8", errors="replace")
    return {Path(path).name: (path, commit)
            for path, commit in re.findall(r"`([^`\s]+)`\s+at\s+commit\s+`([0-9a-f]{40})`", text)}


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def _tsv(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    return "".join("\t".join(r) + "\n" for r in [header, *rows])


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _source_yaml(source: Path) -> str:
    commits = _commits(source)
    lines = [SOURCE_YAML]
    for name in (NODES, LINKS):
        digest = hashlib.sha256((source / name).read_bytes()).hexdigest()
        path, commit = commits.get(name, (None, None))
        extra = f", path: {path}, commit: {commit}" if commit else ""
        lines.append(f"  - {{name: {name}{extra}, sha256: {digest}}}\n")
    return "".join(lines)


def import_wikidata(data_dir: Path, ontology_dir: Path, source: Path,
                    progress: Callable[[str], None] = lambda _m: None) -> ImportResult:
    """Read the extract and write ``data_dir/world/``; InputError when it cannot be read."""
    if not (source / NODES).is_file() or not (source / LINKS).is_file():
        raise InputError([Problem(str(source), 0, "from", f"a folder holding {NODES} and {LINKS}")])
    progress(f"reading {source}")
    nodes = read_nodes(source / NODES)
    links = read_links(source / LINKS, {n.qid for n in nodes})
    gaz = load_gazetteer(data_dir, load_vocabulary(ontology_dir))
    folder = data_dir / WORLD_DIR
    curated = {p.identity.wikidata: p.key for p in gaz.places.values() if p.identity.wikidata}
    earlier = _registry(folder)
    in_extract = {n.qid for n in nodes}
    kept = {q: k for q, k in earlier.items() if q in in_extract and q not in curated and k not in gaz.places}
    dropped = tuple(sorted(k for q, k in earlier.items() if q not in kept))
    new = [n for n in nodes if n.qid not in curated and n.qid not in kept]
    keys = {**kept, **assign_keys(new, set(gaz.places) | set(kept.values()))}
    progress(f"{len(nodes)} cities, {len(links)} links; {len(keys) - len(kept)} new keys")
    key_of = {**keys, **{q: curated[q] for q in in_extract if q in curated}}

    by_qid = {n.qid: n for n in nodes}
    places = sorted((keys[n.qid], n.qid, n.name, n.lat, n.long, n.country) for n in nodes if n.qid in keys)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for n in nodes:
        if n.qid in keys:
            names[n.country][n.country_name] += 1
    countries = sorted((code, counter.most_common(1)[0][0]) for code, counter in names.items())
    pairs = sorted({_pair(key_of[a], key_of[b]) for a, b in links})
    both_curated = sum(1 for a, b in pairs if a in gaz.places and b in gaz.places)

    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / SOURCE_FILE, _source_yaml(source))
    _write(folder / COUNTRIES_FILE, _tsv(("code", "name"), countries))
    _write(folder / PLACES_FILE, _tsv(("key", "wikidata", "name", "lat", "long", "country"), places))
    _write(folder / PARTNERSHIPS_FILE, _tsv(("a", "b"), pairs))
    merged = tuple(sorted((q, curated[q]) for q in by_qid if q in curated))
    return ImportResult(folder, len(places), merged, len(pairs), both_curated, len(countries),
                        len(keys) - len(kept), dropped)
