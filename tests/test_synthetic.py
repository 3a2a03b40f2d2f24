"""Synthetic worlds (synthetic.py, `twinned generate-world`): N times the extract, the
same degree distribution, publishing cities with documents; they build and conform."""

from __future__ import annotations

import csv
import os
import random
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT, SHARED
from twinned.cli import main
from twinned.cli.world import synthetic_module
from twinned.config import load_settings
from twinned.records.world_import import read_links, read_nodes
from twinned.web.current import build_site

SYNTHETIC_QID_BASE, synthetic_extract = synthetic_module().SYNTHETIC_QID_BASE, synthetic_module().synthetic_extract

EXTRACT = SHARED / "data" / "wikidata-twin-cities"
# CI has ../shared beside the project: there, a missing extract fails rather than skips
pytestmark = pytest.mark.skipif(not (EXTRACT / "nodes.tsv").exists() and not os.environ.get("CI"),
                                reason="no Wikidata extract in ../shared")


@pytest.fixture(scope="module")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extract's best-connected corner: 400 cities and the links among them."""
    with open(EXTRACT / "links.tsv", encoding="utf-8") as f:
        links = [(r["source"], r["target"]) for r in csv.DictReader(f, delimiter="\t")]
    degree = Counter(q for link in links for q in link)
    keep = {q for q, _n in degree.most_common(400)} | {"Q25409", "Q4115712"}  # with Kosice and Kaunas
    folder = tmp_path_factory.mktemp("extract")
    with open(EXTRACT / "nodes.tsv", encoding="utf-8") as f:
        lines = f.read().splitlines()
    (folder / "nodes.tsv").write_text("\n".join([lines[0]] + [x for x in lines[1:] if x.split("\t")[0] in keep])
                                      + "\n", "utf-8")
    (folder / "links.tsv").write_text("source\ttarget\n" + "".join(f"{a}\t{b}\n" for a, b in links
                                                                   if a in keep and b in keep), "utf-8")
    return folder


def test_copies_keep_every_degree(small_extract: Path) -> None:
    nodes = read_nodes(small_extract / "nodes.tsv")
    links = read_links(small_extract / "links.tsv", {n.qid for n in nodes})
    all_nodes, all_links = synthetic_extract(nodes, links, 3, random.Random(1))
    assert len(all_nodes) == 3 * len(nodes) and len(all_links) == 3 * len(links)
    assert len({frozenset(link) for link in all_links}) == len(all_links)  # no pair twice
    real = Counter(q for link in links for q in link)
    copies = Counter(q for link in all_links for q in link)
    for n in all_nodes:
        original = n.qid if int(n.qid[1:]) < SYNTHETIC_QID_BASE else f"Q{int(n.qid[1:]) % 1_000_000_000}"
        assert copies[n.qid] == real[original]
    crossing = sum(1 for a, b in all_links if (int(a[1:]) // 1_000_000_000) != (int(b[1:]) // 1_000_000_000))
    assert crossing > len(all_links) // 4  # the copies make one network, not three


@pytest.mark.slow  # a generated world, built and validated
def test_a_generated_world_builds_and_conforms(small_extract: Path, tmp_path: Path) -> None:
    target = tmp_path / "w3"
    assert main(["generate-world", "--project", str(ROOT), "--scale", "3", "--publishers", "2",
                 "--from", str(small_extract), "-q", str(target)]) == 0
    publishers = sorted(p for p in (target / "data" / "cities").glob("*.yaml")
                        if p.name not in ("kosice.yaml", "kaunas.yaml"))
    assert len(publishers) == 2
    records = [yaml.load(p.read_text("utf-8"), Loader=yaml.BaseLoader) for p in publishers]
    documents = [d for r in records for p in r["partnerships"] for d in p["documents"]]
    dates = [s["date"] for d in documents for s in d.get("signed", []) if "date" in s]
    assert documents and dates and any(len(x) < 10 for x in dates)  # partial dates too
    result = build_site(load_settings(target, env={}))
    assert result.report.conforms
    assert result.counts["cities"] >= 3 * 400 and result.counts["curated_partnerships"] > 50
    assert main(["generate-world", "--project", str(ROOT), "--scale", "3", "-q", str(target)]) == 2  # not empty


def test_generate_world_says_what_is_missing_outside_a_source_checkout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from twinned.cli import world

    monkeypatch.setattr(world, "GENERATOR", tmp_path / "benchmarks" / "synthetic.py")
    assert main(["generate-world", "--project", str(ROOT), "--scale", "2", "-q", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert "benchmarks/synthetic.py of a source checkout" in err and str(tmp_path / "benchmarks") in err
    assert not (tmp_path / "w").exists()
