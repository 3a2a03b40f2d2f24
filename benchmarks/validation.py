"""How long the validation takes on a large graph, stage by stage, and what the candidate
engines score on the W3C SHACL suite. Heavy: run it by hand, not in the tests.

    python benchmarks/validation.py --world DIR      # a project (e.g. generate-world --scale 10)
    python benchmarks/validation.py --suite          # W3C SHACL suite: pySHACL and ours

Each measurement runs in a fresh process (peak RSS is that process's). The figures of
one run are in docs/validation.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("store", "validate_store", "core_only", "sparql_only")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(stage: str, nt: Path) -> dict[str, float]:
    """One stage in this process: the W10 graph loaded into an in-memory store first."""
    import pyoxigraph as ox

    from twinned.validation import constraints as sc
    from twinned.validation import engine as v

    shapes = v.load_shapes(ROOT / "shapes")
    t = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    out = {"load_s": time.perf_counter() - t, "triples": float(len(store))}
    t = time.perf_counter()
    if stage == "validate_store":
        report = v.validate_store(store, shapes)
        out["conforms"] = float(report.conforms)
    elif stage == "core_only":
        compiled = v.compile_shapes(shapes)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.nt"
            t0 = time.perf_counter()
            v.dump_union(store, data)
            out["dump_s"] = time.perf_counter() - t0
            out["conforms"] = float(compiled.core.validate_file(str(data)).conforms)
    elif stage == "sparql_only":
        _core, taken = sc.split(shapes)
        out["results"] = float(sum(1 for c in taken for _ in sc.run(store, c)))
    out["seconds"] = time.perf_counter() - t
    out["peak_mb"] = _peak_mb()
    return out


def suite() -> dict[str, int]:
    sys.path.insert(0, str(ROOT))
    import logging

    from rdflib import Graph

    from tests.support.shacl_suite import Refused, cases, outcome, pyshacl_reference
    from twinned.errors import TwinnedError
    from twinned.validation.engine import validate_files

    logging.disable(logging.CRITICAL)

    def ours(data: Path, shapes: Path) -> Graph:
        try:
            return validate_files([data], [shapes]).graph
        except TwinnedError as exc:
            raise Refused(str(exc)) from exc

    all_cases = cases()
    return {"tests": len(all_cases),
            "pyshacl": sum(outcome(c, pyshacl_reference) == "pass" for c in all_cases),
            "twinned": sum(outcome(c, ours) == "pass" for c in all_cases)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--world", type=Path, help="a project directory to validate")
    ap.add_argument("--suite", action="store_true")
    ap.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--nt", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        print(json.dumps(measure(args.stage, args.nt)))
        return
    if args.suite:
        print(json.dumps(suite()))
    if args.world:
        from twinned.build.pipeline import dataset_graph
        from twinned.config import load_settings

        with tempfile.TemporaryDirectory() as tmp:
            nt = Path(tmp) / "world.nt"
            dataset_graph(load_settings(args.world, env={}))[1].serialize(nt, format="nt", encoding="utf-8")
            for stage in STAGES[1:]:
                done = subprocess.run([sys.executable, __file__, "--stage", stage, "--nt", str(nt)],
                                      check=True, capture_output=True, text=True)
                print(stage, done.stdout.strip())


if __name__ == "__main__":
    main()
