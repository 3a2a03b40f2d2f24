"""Synthetic worlds for benchmarks: the Wikidata twin-city network made N times
larger with the same shape, as a complete project directory.

It lives with the benchmarks, outside the package, since the worlds it writes must never
be published; ``twinned generate-world`` loads it from here in a source checkout
(``twinned.cli.world.synthetic_module``).

* Cities: N copies of the extract's cities. Copy 1 is the extract itself (real QIDs,
  so the curated seed cities merge with it as in the real import); copies 2..N get
  the name with a number ("Fukaya 7"), coordinates moved a little and QIDs from
  Q901000000000 on, which Wikidata does not use.
* Twinnings: each link of the extract is copied N times; the copy in copy k joins
  ``a`` of copy k with ``b`` of copy k, or (for half the links, chosen at random once)
  of another copy shifted by a fixed amount. Every city keeps its number of twins, so
  the degree distribution is the real one, and the copies make one network.
* Publishing cities: like Košice and Kaunas, some cities publish a page: their
  partnerships with documents (types, titles, partial dates, signing places, renewals,
  areas of cooperation) and network memberships, modelled on the seed pages'
  records, in ``data/cities/<key>.yaml`` with their partners in ``places.yaml``.
  By default twice N of them, each with up to 25 partnerships: the real share of
  partnerships with documents, scaled.

Then the world is imported as ``twinned import-wikidata`` imports the real one (the
synthetic extract is kept in ``extract/``).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twinned.config import Settings
from twinned.errors import InputError, Problem
from twinned.rdf.vocab import load_vocabulary
from twinned.records.extract_files import LINKS, NODES
from twinned.records.load import load_records
from twinned.records.model import Partnership, Records
from twinned.records.world import counts
from twinned.records.world_import import (
    DEFAULT_FROM,
    LINK_COLUMNS,
    NODE_COLUMNS,
    Node,
    assign_keys,
    import_wikidata,
    read_links,
    read_nodes,
)

SYNTHETIC_QID_BASE = 900_000_000_000
MAX_SCALE = 99
PARTNERSHIPS_PER_PUBLISHER = 25
PROJECT_PARTS = ("ontology", "shapes", "queries")
UNRESOLVED = "synthetic world: no QID asserted"
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass(frozen=True)
class Generated:
    cities: int
    partnerships: int
    curated: int
    publishers: int


def _copy(node: Node, k: int, rng: random.Random) -> Node:
    if k == 0:
        return node
    qid = f"Q{SYNTHETIC_QID_BASE + k * 1_000_000_000 + int(node.qid[1:])}"
    lat = max(-89.9, min(89.9, float(node.lat) + rng.uniform(-0.05, 0.05)))
    lng = max(-179.9, min(179.9, float(node.long) + rng.uniform(-0.05, 0.05)))
    return Node(qid, f"{node.name} {k + 1}", f"{lat:.6f}", f"{lng:.6f}", node.country, node.country_name, node.line)


def synthetic_extract(nodes: list[Node], links: list[tuple[str, str]], scale: int,
                      rng: random.Random) -> tuple[list[Node], list[tuple[str, str]]]:
    """N copies of the cities; N copies of each link, joined across copies (see above)."""
    copies = [[_copy(n, k, rng) for n in nodes] for k in range(scale)]
    index = {n.qid: i for i, n in enumerate(nodes)}
    out_links = []
    for a, b in links:
        shift = 0 if scale == 1 or rng.random() < 0.5 else rng.randrange(1, scale)
        ia, ib = index[a], index[b]
        for k in range(scale):
            out_links.append((copies[k][ia].qid, copies[(k + shift) % scale][ib].qid))
    return [n for c in copies for n in c], out_links


def _write_extract(folder: Path, nodes: list[Node], links: list[tuple[str, str]], scale: int) -> None:
    folder.mkdir(parents=True)
    continents = "Synthetic"
    rows = ["\t".join(NODE_COLUMNS)]
    rows += ["\t".join((n.qid, n.name, n.long, n.lat, n.country_name,
                        "CN-TW" if n.country == "TW" else n.country, continents)) for n in nodes]
    (folder / NODES).write_text("\n".join(rows) + "\n", "utf-8")
    rows = ["\t".join(LINK_COLUMNS)] + [f"{a}\t{b}" for a, b in links]
    (folder / LINKS).write_text("\n".join(rows) + "\n", "utf-8")
    (folder / "README.md").write_text(
        f"# Synthetic twin-city network ({scale} times the Wikidata extract)\n\n"
        "Written by `twinned generate-world`: not real data, never publish it.\n", "utf-8")


# -- publishing cities -------------------------------------------------------------------


def _templates(records: Records) -> list[tuple[Partnership, str]]:
    """The seed partnerships, each with its city's key, as models for synthetic records."""
    return [(p, p.city) for p in records.partnerships if p.documents]


def _date(d: Any) -> dict[str, str]:
    out = {"date": str(d.date)}
    if d.as_written:
        out["as_written"] = d.as_written
    if d.qualifier:
        out["qualifier"] = d.qualifier
    return out


def _partnership_yaml(template: Partnership, city: str, partner: str, partner_name: str) -> dict[str, Any]:
    def place(key: str | None) -> str | None:
        if key == template.city:
            return city
        if key == template.partner:
            return partner
        return None

    docs = []
    for d in template.documents:
        doc: dict[str, Any] = {"id": d.id, "type": d.type, "title": d.title}
        signed = []
        for s in d.signings:
            entry: dict[str, Any] = _date(s.date) if s.date else {}
            where = place(s.place)
            if where:
                entry["place"] = where
            if s.venue:
                entry["venue"] = s.venue
            signed.append(entry)
        if signed:
            doc["signed"] = signed
        if d.areas:
            doc["areas"] = [{"area": a.area, **({"as_written": a.as_written} if a.as_written else {})} for a in d.areas]
        for rel in ("renews", "follows"):
            if getattr(d, rel):
                doc[rel] = getattr(d, rel)
        docs.append(doc)
    out: dict[str, Any] = {"partner": partner,
                           "passage": f"Synthetic record of the partnership with {partner_name}, modelled on the "
                           f"seed record of {template.city} and {template.partner}."}
    if template.began:
        out["began"] = _date(template.began)
    if template.areas:
        out["areas"] = [{"area": a.area, **({"as_written": a.as_written} if a.as_written else {})}
                        for a in template.areas]
    out["documents"] = docs
    return out


def _gazetteer_entry(n: Node) -> dict[str, Any]:
    return {"kind": "city", "labels": {"en": n.name}, "country": n.country, "wikidata": n.qid,
            "coordinates": {"lat": n.lat, "long": n.long}}


def _publishers(nodes: list[Node], links: list[tuple[str, str]], count: int, curated_qids: set[str],
                rng: random.Random) -> dict[str, list[str]]:
    """Publishing city QID -> the QIDs of the partners its page records."""
    partners: dict[str, list[str]] = {}
    for a, b in links:
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    candidates = sorted(q for q, ps in partners.items() if len(ps) >= 10 and q not in curated_qids
                        and int(q[1:]) > SYNTHETIC_QID_BASE)
    chosen = rng.sample(candidates, min(count, len(candidates)))
    out = {}
    taken: set[frozenset[str]] = set()
    for q in sorted(chosen, key=lambda q: int(q[1:])):
        mine = [p for p in partners[q] if p not in chosen and frozenset((q, p)) not in taken]
        out[q] = mine[:PARTNERSHIPS_PER_PUBLISHER]
        taken |= {frozenset((q, p)) for p in out[q]}
    return out


def _write_publishers(target: Path, source_data: Path, records: Records, nodes: list[Node],
                      publishers: dict[str, list[str]], rng: random.Random) -> int:
    by_qid = {n.qid: n for n in nodes}
    places_text = (source_data / "places.yaml").read_text("utf-8")
    gaz: dict[str, Any] = yaml.load(places_text, Loader=_LOADER)
    curated = {str(v.get("wikidata")): k for k, v in gaz["places"].items() if v.get("wikidata")}
    needed = sorted({q for q, ps in publishers.items() for q in [q, *ps]} - set(curated), key=lambda q: int(q[1:]))
    keys = assign_keys([by_qid[q] for q in needed], set(gaz["places"]) | set(gaz.get("networks", {})))
    key_of = {**curated, **keys}
    for q in needed:
        gaz["places"][keys[q]] = _gazetteer_entry(by_qid[q])
        code = by_qid[q].country
        if code not in gaz["countries"]:
            gaz["countries"][code] = {"labels": {"en": by_qid[q].country_name}, "unresolved": UNRESOLVED}
    (target / "data").mkdir(parents=True)
    (target / "data" / "places.yaml").write_text(
        "# Synthetic world (twinned generate-world): the seed gazetteer and the publishing cities' partners.\n"
        + yaml.dump(gaz, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000), "utf-8")
    cities = target / "data" / "cities"
    shutil.copytree(source_data / "cities", cities)
    templates = _templates(records)
    memberships = [m for m in records.memberships]
    curated_count = 0
    for q, partner_qids in publishers.items():
        city = key_of[q]
        entries = []
        for i, p in enumerate(partner_qids):
            template = templates[(i + rng.randrange(len(templates))) % len(templates)][0]
            entries.append(_partnership_yaml(template, city, key_of[p], by_qid[p].name))
        doc: dict[str, Any] = {
            "city": city,
            "source": {"id": f"{city}-twin-cities", "title": f"Twin cities of {by_qid[q].name} (synthetic)",
                       "file": f"{city}.txt", "language": "en"},
            "partnerships": entries,
        }
        mine = [m for m in memberships if rng.random() < 0.5]
        if mine:
            doc["memberships"] = [{"network": m.network, **({"since": _date(m.since)} if m.since else {}),
                                   "passage": f"{by_qid[q].name} is a member (synthetic)."} for m in mine]
        (cities / f"{city}.yaml").write_text(
            "# Synthetic publishing city (twinned generate-world)\n"
            + yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000), "utf-8")
        curated_count += len(entries)
    return curated_count


def generate_world(settings: Settings, target: Path, scale: int, *, seed: int = 1, source: Path | None = None,
                   publishers: int | None = None,
                   progress: Callable[[str], None] = lambda _m: None) -> Generated:
    """Write a project directory holding a synthetic world ``scale`` times the real one."""
    if not 1 <= scale <= MAX_SCALE:
        raise InputError([Problem("--scale", 0, "scale", f"a whole number from 1 to {MAX_SCALE}, not {scale}")])
    if target.exists() and any(target.iterdir()):
        raise InputError([Problem(str(target), 0, "directory", "a new or empty directory")])
    from twinned.records.extract_files import default_extract

    source = source or settings.wikidata_extract or default_extract(settings.project_dir) \
        or settings.project_dir / DEFAULT_FROM
    rng = random.Random(seed)
    progress(f"reading {source}")
    nodes = read_nodes(source / NODES)
    links = read_links(source / LINKS, {n.qid for n in nodes})
    records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
    progress(f"making {scale} copies of {len(nodes)} cities and {len(links)} links")
    all_nodes, all_links = synthetic_extract(nodes, links, scale, rng)
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        shutil.copytree(settings.project_dir / part, target / part)
    toml = settings.project_dir / "twinned.toml"
    if toml.exists():
        shutil.copy(toml, target / "twinned.toml")
    _write_extract(target / "extract", all_nodes, all_links, scale)
    count = 2 * scale if publishers is None else publishers
    curated_qids = {p.identity.wikidata for p in records.gazetteer.places.values() if p.identity.wikidata}
    chosen = _publishers(all_nodes, all_links, count, {q for q in curated_qids if q}, rng)
    progress(f"writing {len(chosen)} publishing cities")
    _write_publishers(target, settings.data_dir, records, all_nodes, chosen, rng)
    progress("importing the synthetic extract")
    import_wikidata(target / "data", target / "ontology", target / "extract", progress)
    numbers = counts(load_records(target / "data", load_vocabulary(target / "ontology")))
    return Generated(numbers["cities"], numbers["partnerships"], numbers["curated_partnerships"],
                     len(chosen) + len(records.cities))
