"""The load test script (benchmarks/loadtest.py) runs from one command; a short smoke run:
two seconds, eight clients, no failed request, latency and memory reported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.paths import ROOT
from twinned.config import Settings

pytestmark = pytest.mark.slow  # the load test's smoke run

SCRIPT = ROOT / "benchmarks" / "loadtest.py"


def test_a_short_load_test_has_no_errors(built: Settings) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", "2", "--clients", "8", "--project",
         str(built.project_dir), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["errors"] == 0 and report["requests"] > 20
    assert set(report["by_kind"]) == {"page", "rdf", "dump", "query", "sparql", "revalidate"}
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p99"]
    memory = report["memory_mib"]
    assert memory["samples"] and memory["server_max"] > 0 and memory["total_max"] > memory["server_max"]
