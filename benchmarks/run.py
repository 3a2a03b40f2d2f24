#!/usr/bin/env python3
"""twinned's benchmark: one command, a table on stdout, every figure in JSON.

    python benchmarks/run.py                            # seeds, W1 (the real world), W10
    python benchmarks/run.py --worlds seeds,w1 --quick  # smaller, faster
    python benchmarks/run.py --out bench.json --workdir /tmp/twinned-bench

For each world it measures, in separate processes so memory is measured alone:

* the full build (load, map, validate, every dump) and its peak memory, the time of
  each stage and each dump, and the rebuild after one changed record file;
* validation through ``validation.validate_store`` (the build's one seam);
* ``twinned export-static`` (not of W10);
* ``twinned serve``: time to the first answer and to a ready SPARQL endpoint, canned-query
  latency (p50, p99) in-process and over HTTP, HTTP throughput of resource pages and of
  canned queries under concurrent clients on loopback (pages asked for the first time and
  again), the server's peak memory (PSS of the whole process tree);
* side by side: a plain rdflib pipeline on the same data (parse, serialise, the same
  SPARQL queries) and the ``oxigraph`` server from PyPI answering the same queries over
  HTTP with the same clients.

Worlds: ``seeds`` (this project), ``w1`` (the Wikidata extract imported, as the README's
command does), ``w10`` (``twinned generate-world --scale 10``). Not part of the test
suite (``--smoke`` runs the seeds alone, briefly, to check it still works).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"
PYTHON = sys.executable
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
SLOW = 0.5  # seconds: a query this slow is repeated fewer times
RDFLIB_QUERY_LIMIT = 120.0  # seconds one plain-rdflib query may take
TARGETS = {"build_s": 15.0, "build_mb": 1024.0, "rebuild_s": 2.0, "http_vs_oxigraph": 1.5, "vs_rdflib": 10.0,
           "pages_rps": 6000.0, "pages_p99_s": 0.050, "first_answer_s": 2.0, "validate_s": 6.0,
           "repeated_rps": 15000.0, "export_static_s": 30.0, "src_lines": 16943, "pss_vs_oxigraph": 2.0,
           "turtle_vs_describe": 0.5, "first_html_rps": 1000.0, "first_html_p99_s": 0.250}


# -- helpers ------------------------------------------------------------------------------------


def run_child(args: list[str], timeout: float | None = None) -> tuple[float, float, str]:
    """Run a Python child; (seconds, its peak resident MB, its stdout). Raises on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    streams: dict[str, str] = {}

    def drain(name: str, stream: Any) -> None:
        streams[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    tree_peak = [0.0]
    sampling = threading.Event()

    def sample() -> None:  # the sum over the process and its children (forked workers too)
        while not sampling.wait(0.05):
            tree_peak[0] = max(tree_peak[0], tree_sum(proc.pid, rss_bytes))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise subprocess.TimeoutExpired(args, timeout or 0)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    sampling.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{streams.get('err', '')[-3000:]}")
    LAST_TREE_PEAK[0] = max(tree_peak[0], usage.ru_maxrss / 1024)
    return seconds, usage.ru_maxrss / 1024, streams.get("out", "")


LAST_TREE_PEAK = [0.0]


def tree_sum(pid: int, measure: Callable[[int], int]) -> float:
    """``measure(pid)`` (bytes) summed over a process and all its descendants, in MB; a
    process that ends meanwhile counts for nothing."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            total += measure(p)
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 1e6


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def pss_bytes(pid: int) -> int:
    """Proportional set size: pages shared between processes are split between them."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "n": 0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50": statistics.median(ordered), "p99": p99, "n": len(ordered)}


def wait_for(url: str, seconds: float = 600, ok: Callable[[Any], bool] = lambda r: r.status_code == 200) -> float:
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            if ok(httpx.get(url, timeout=30)):
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(url)


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- worlds ---------------------------------------------------------------------------------------


def prepare(world: str, workdir: Path) -> Path:
    target = workdir / world
    if target.exists():
        shutil.rmtree(target)
    if world == "w10":
        run_child(["-m", "twinned.cli", "generate-world", "--project", str(ROOT), "--scale", "10", "--from",
                   str(EXTRACT), "-q", str(target)])
        return target
    target.mkdir(parents=True)
    for part in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("world"))
    shutil.copy(ROOT / "twinned.toml", target / "twinned.toml")
    if world == "w1":
        run_child(["-m", "twinned.cli", "import-wikidata", "--project", str(target), "--from", str(EXTRACT), "-q"])
    return target


def change_one_record(project: Path) -> str:
    """Edit one publishing city's file (a document title), as a curator would."""
    files = sorted((project / "data" / "cities").glob("*.yaml"), key=lambda p: p.stat().st_size)
    path = files[-1]
    text = path.read_text("utf-8")
    i = text.index("title:", text.index("documents:"))
    path.write_text(text[:i] + "title: (revised)" + text[i + len("title:"):], "utf-8")
    return path.name


# -- measurements inside a child process -------------------------------------------------------


def phase_timings(project: str, quick: bool) -> dict[str, Any]:
    """Stage by stage, in this (child) process, as a full build runs them: load + map every
    input, load the union in memory and the on-disk served store (the build does the
    second in a thread beside the rest; here one after the other), validate, each dump
    (and its gzip), the statistics."""
    import zlib

    import pyoxigraph as ox

    from twinned.build.incremental import union_store
    from twinned.build.incremental import units as input_units
    from twinned.build.pipeline import _pieces
    from twinned.build.stats import DataStats
    from twinned.config import load_settings
    from twinned.rdf import jsonld
    from twinned.rdf.vocab import PREFIXES, load_vocabulary
    from twinned.records.load import load_records
    from twinned.validation.engine import load_shapes, validate_store

    settings = load_settings(Path(project), env={})
    out: dict[str, Any] = {}
    scratch = Path(tempfile.mkdtemp(prefix="twinned-phases-"))
    try:
        t = time.perf_counter()
        records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
        units = input_units(settings, records)
        mapped = {u.name: u.triples() for u in units}
        out["load_map_s"] = time.perf_counter() - t
        files = []
        for i, data in enumerate(mapped.values()):  # (as the build: the units' files in parts/)
            files.append(scratch / f"unit-{i}.nt")
            files[-1].write_bytes(data)
        t = time.perf_counter()
        union = union_store(mapped)
        out["union_load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        served = ox.Store(str(scratch / "store"))
        for file in files:
            for piece in _pieces(file):
                served.bulk_load(input=piece, format=ox.RdfFormat.N_TRIPLES)
        out["store_load_s"] = time.perf_counter() - t
        out["triples"] = len(union)
        del mapped
        shapes = load_shapes(settings.shapes_dir)
        nt = scratch / "twinned.nt"  # as the build: the sorted lines of the union's dump

        def ntriples() -> bytes:
            union.dump(str(nt), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            with nt.open("rb") as fh:
                lines = fh.readlines()
            lines.sort()
            data = b"".join(lines)
            nt.write_bytes(data)
            return data

        def parsed() -> Any:
            return (q.triple for q in ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))

        dumps: dict[str, Callable[[], bytes]] = {
            "nt": ntriples,
            "ttl": lambda: ox.serialize(parsed(), format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b"",
            "jsonld": lambda: "".join(jsonld.chunks(parsed(), settings.base_uri)).encode("utf-8"),
        }
        for name, make in dumps.items():
            t = time.perf_counter()
            data = make()
            out[f"dump_{name}_s"] = time.perf_counter() - t
            out[f"dump_{name}_mb"] = len(data) / 1e6
            t = time.perf_counter()
            zlib.compress(data, 9 if out["triples"] <= 100_000 else 3)
            out[f"gzip_{name}_s"] = time.perf_counter() - t
            del data
            if name == "nt":
                t = time.perf_counter()
                report = validate_store(union, shapes, union_nt=nt)
                out["validate_s"] = time.perf_counter() - t
                assert report.conforms
        t = time.perf_counter()
        DataStats.from_lines(nt.read_bytes().splitlines(keepends=True), settings.base_uri)
        out["stats_s"] = time.perf_counter() - t  # (as the build: from its N-Triples dump's lines)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def export_static_seconds(project: Path) -> dict[str, Any]:
    """``twinned export-static`` of the built project into a fresh folder: time and files."""
    target = Path(tempfile.mkdtemp(prefix="twinned-static-")) / "site"
    try:
        s, mb, _ = run_child(["-m", "twinned.cli", "export-static", "--project", str(project), "-q", str(target)])
        return {"seconds": s, "peak_mb": mb, "files": sum(1 for p in target.rglob("*") if p.is_file())}
    finally:
        shutil.rmtree(target.parent, ignore_errors=True)


def source_lines() -> int:
    """Lines of src/'s Python (the issue's count: ``wc -l src/twinned/*.py``, with subpackages)."""
    return sum(len(p.read_bytes().splitlines()) for p in sorted((ROOT / "src" / "twinned").rglob("*.py")))


def canned_cases(queries_dir: Path) -> list[tuple[str, dict[str, list[str]]]]:
    from twinned.queries import canned as q
    from twinned.queries.binding import bind

    out = []
    for name, query in q.load_queries(queries_dir).items():
        example = query.example_params()
        out.append((name, example))
        same = bind(query, {}, "http://x/").canonical() == bind(query, example, "http://x/").canonical() \
            if not any(p.required for p in query.parameters) else True
        if not same:  # the defaults, when they differ from the example (else: the same query again)
            out.append((name, {}))
    return out


def inprocess_latency(project: str, reps: int) -> dict[str, Any]:
    """Canned queries on the embedded store, bound and serialised (no HTTP, no cache)."""
    from twinned.config import load_settings
    from twinned.queries import canned as q
    from twinned.queries.results import execute, write
    from twinned.rdf.negotiation import NTRIPLES, SPARQL_JSON
    from twinned.store.release import load_release

    settings = load_settings(Path(project), env={})
    t = time.perf_counter()
    release = load_release(settings.output_dir.resolve())
    load_s = time.perf_counter() - t
    queries = q.load_queries(settings.queries_dir)
    times: list[float] = []
    per: dict[str, float] = {}
    for name, params in canned_cases(settings.queries_dir):
        query = queries[name]
        fmt = NTRIPLES if query.construct else SPARQL_JSON
        mine: list[float] = []
        for _ in range(reps):
            t = time.perf_counter()
            binding, result = execute(release.store, query, params, settings.base_uri, settings.max_rows)
            write(result, binding, fmt, settings.base_uri)
            mine.append(time.perf_counter() - t)
            if mine[0] > SLOW and len(mine) >= 3:
                break
        per[f"{name}{'*' if not params else ''}"] = statistics.median(mine)
        times += mine
    return {"store_load_s": load_s, **percentiles(times), "per_query_s": per}


def rdflib_pipeline(project: str, reps: int) -> dict[str, Any]:
    """The same data and queries with plain rdflib: parse, serialise, SPARQL."""
    from rdflib import Graph, Literal, URIRef

    from twinned.config import load_settings
    from twinned.queries import canned as q
    from twinned.queries.binding import bind

    settings = load_settings(Path(project), env={})
    dist = settings.output_dir.resolve()
    out: dict[str, Any] = {}
    t = time.perf_counter()
    g = Graph()
    g.parse(dist / "twinned.nt", format="nt")
    out["parse_s"] = time.perf_counter() - t
    for fmt in ("turtle", "nt"):
        t = time.perf_counter()
        g.serialize(format=fmt)
        out[f"serialise_{fmt}_s"] = time.perf_counter() - t
    queries = q.load_queries(settings.queries_dir)
    times: list[float] = []
    per: dict[str, float] = {}
    out["per_query_s"] = per
    failed: dict[str, str] = {}
    cases = canned_cases(settings.queries_dir)
    for n, (name, params) in enumerate(cases):
        mine: list[float] = []
        binding = bind(queries[name], params, settings.base_uri)
        init = {v.value: _rdflib_term(t, URIRef, Literal) for v, t in binding.substitutions.items()}
        for _rep in range(reps):
            done: dict[str, Any] = {}

            def work(binding: Any = binding, init: dict[str, Any] = init, name: str = name,
                     done: dict[str, Any] = done) -> None:
                t0 = time.perf_counter()
                try:
                    result = g.query(binding.sparql, initBindings=init)
                    result.serialize(format="json" if not queries[name].construct else "nt")
                    done["s"] = time.perf_counter() - t0
                except Exception as exc:
                    done["error"] = f"{type(exc).__name__}: {exc}"[:200]

            worker = threading.Thread(target=work, daemon=True)
            worker.start()
            worker.join(RDFLIB_QUERY_LIMIT)
            if worker.is_alive():  # give up on the rest: the thread keeps the CPU busy
                out["stopped"] = f"{name} ran over {RDFLIB_QUERY_LIMIT:.0f} s; {n} of {len(cases)} cases done"
                out.update(percentiles(times))
                out["failed"] = failed
                return out
            if "error" in done:
                failed[name] = done["error"]
                break
            times.append(done["s"])
            mine.append(done["s"])
            if done["s"] > SLOW:
                break
        if mine:
            per[f"{name}{'' if params else '*'}"] = statistics.median(mine)
    out.update(percentiles(times))
    out["failed"] = failed
    return out


def _rdflib_term(term: Any, uri: Any, literal: Any) -> Any:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return uri(term.value)
    if term.language:
        return literal(term.value, lang=term.language)
    return literal(term.value, datatype=uri(term.datatype.value))


# -- HTTP ---------------------------------------------------------------------------------------


Case = tuple[str, str, dict[str, str], bytes | None]  # (label, url, headers, POST body or None)


def http_latency(cases: list[Case], reps: int) -> dict[str, Any]:
    """The first request of each case (cold: nothing cached), then ``reps`` more."""
    import httpx

    cold, warm = [], []
    first: dict[str, float] = {}
    failed: list[str] = []
    with httpx.Client(timeout=120) as client:
        for label, url, headers, body in cases:
            mine = reps
            for i in range(reps + 1):
                if i > mine:
                    break
                t = time.perf_counter()
                try:
                    r = client.request("POST" if body is not None else "GET", url, content=body, headers=headers)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt_ = time.perf_counter() - t
                if not ok:
                    failed.append(label)
                    break
                if i == 0:
                    cold.append(dt_)
                    first[label] = dt_
                else:
                    warm.append(dt_)
                if i == 0 and dt_ > SLOW:
                    mine = min(reps, 2)  # a slow query: fewer repetitions, the run stays bounded
    return {"cold": percentiles(cold), "warm": percentiles(warm), "first_s": first, "failed": failed}


WRK = shutil.which("wrk")
WRK_SCRIPT = """
local cases = {
%s
}
local n = #cases
local i = 0
local threads = 0
setup = function(thread)  -- each thread starts at its own place in the list
  thread:set("id", threads)
  threads = threads + 1
end
init = function(args)
  i = (id or 0) * math.floor(n / %d)
end
request = function()
  i = (i %% n) + 1
  local c = cases[i]
  return wrk.format(c[1], c[2], c[3], c[4])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua(text: str) -> str:
    assert "]==]" not in text
    return f"[==[{text}]==]"


def load(cases: list[Case], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent keep-alive connections for ``seconds``, cycling through the
    cases: requests per second (non-200 answers and socket errors counted apart) and the
    latency percentiles. wrk (Debian: apt-get install wrk) drives the load when installed,
    as a user's load test would; otherwise Python threads with httpx, which saturate long
    before a fast server does (the result says which client ran)."""
    if WRK is None:
        return {**python_load(cases, clients, seconds), "client": "python threads (wrk not installed)"}
    url = cases[0][1]
    host = url.split("/", 3)[2]
    lines = []
    for _label, u, headers, body in cases:
        path = "/" + u.split("/", 3)[3]
        h = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items())
        lines.append(f"  {{ {_lua('POST' if body is not None else 'GET')}, {_lua(path)}, {{ {h} }}, "
                     f"{_lua(body.decode()) if body is not None else 'nil'} }},")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        threads = min(clients, os.cpu_count() or 1)
        f.write(WRK_SCRIPT % ("\n".join(lines), threads))
        script = f.name
    try:
        proc = subprocess.run([WRK, f"-t{threads}", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "10s",
                               "-s", script, f"http://{host}/"], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    seconds_ = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    return {"rps": (r["requests"] - r["status"] - errors) / seconds_, "non_200": r["status"], "errors": errors,
            "clients": clients, "seconds": seconds_, "latency_p50": r["p50_us"] / 1e6,
            "latency_p99": r["p99_us"] / 1e6, "client": "wrk"}


def python_load(cases: list[Case], clients: int, seconds: float) -> dict[str, Any]:
    """The load without wrk: threads with keep-alive httpx clients."""
    import httpx

    stop_at = time.perf_counter() + seconds
    done = [0] * clients
    errors = [0] * clients
    lat: list[list[float]] = [[] for _ in range(clients)]

    def client_loop(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() < stop_at:
                _label, url, headers, body = rng.choice(cases)
                t = time.perf_counter()
                try:
                    r = client.request("POST" if body is not None else "GET", url, content=body, headers=headers)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                lat[i].append(time.perf_counter() - t)
                done[i] += ok
                errors[i] += not ok

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    pct = percentiles([x for xs in lat for x in xs])
    return {"rps": sum(done) / elapsed, "non_200": 0, "errors": sum(errors), "clients": clients,
            "seconds": elapsed, "latency_p50": pct["p50"], "latency_p99": pct["p99"]}


class MemorySampler:
    """The peak, over time, of the memory of a process tree (the sum of PSS: pages shared
    between forked processes are counted once, split between them)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, tree_sum(self.pid, pss_bytes))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def twinned_cases(project: Path, url: str) -> list[Case]:
    from twinned.queries import canned as q

    queries = q.load_queries(project / "queries")
    return [(f"{n}{'' if p else '*'}", f"{url}queries/{n}{'.nt' if queries[n].construct else '.srj'}"
             + (f"?{urlencode(p, doseq=True)}" if p else ""), {}, None)
            for n, p in canned_cases(project / "queries")]


def point_cases(places: list[str], url: str, base: str) -> list[Case]:
    """partners-of-place for each sampled place: a true point lookup, many different ones."""
    return [(f"partners-of-place {p}", f"{url}queries/partners-of-place.srj?{urlencode({'place': base + p})}", {}, None)
            for p in places]


def serve_and_measure(project: Path, reps: int, clients: int, seconds: float, processes: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "twinned.cli", "serve", "--project", str(project), "--port", str(port),
                             "--quiet", "--max-rows", "10000", "--processes", str(processes)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    memory = MemorySampler(proc.pid)
    out: dict[str, Any] = {"processes": processes}
    try:
        wait_for(url)
        out["first_page_s"] = time.perf_counter() - started
        for _ in range(4 * processes):  # every process's workers: each answers a fresh query
            wait_for(url + f"sparql?query=ASK%7B%3Fs%20%3Fp%20{random.randint(0, 10**9)}%7D")
        out["sparql_ready_s"] = time.perf_counter() - started
        cases = twinned_cases(project, url)
        out["canned_http"] = http_latency(cases, reps)
        places, base = resource_pages(project)
        html = [(p, url + p, {"Accept": "text/html"}, None) for p in places]
        turtle = [(p, url + p, {"Accept": "text/turtle"}, None) for p in places]
        out["pages_http"] = http_latency(html[:10], max(1, reps // 2))
        # pages never asked for before (a small world has none left: its sample, not yet asked for)
        others = resource_pages(project, 4000, seed=8, leave=set(places))[0] or places[10:]
        out["throughput_pages_uncached"] = load([(p, url + p, {"Accept": "text/html"}, None) for p in others],
                                                clients, min(5.0, seconds))
        fresh = resource_pages(project, 4000, seed=9, leave=set(places) | set(others))[0] or others
        out["throughput_turtle_uncached"] = load([(p, url + p, {"Accept": "text/turtle"}, None) for p in fresh],
                                                 clients, min(5.0, seconds))
        # warm-up (not counted): long enough for every process to have served every page
        load(html, clients, seconds)
        out["throughput_pages"] = load(html, clients, seconds)
        load(turtle, clients, min(5.0, seconds))
        out["throughput_turtle"] = load(turtle, clients, seconds)
        point = point_cases([p for p in places if p.startswith("place/")], url, base)
        load(point, clients, min(3.0, seconds))
        out["throughput_point"] = load(point, clients, seconds)
        out["throughput_queries"] = load(cases, clients, seconds)
    finally:
        stop(proc)
        out["peak_mb"] = memory.stop()
    return out


@functools.lru_cache(maxsize=4)
def _page_subjects(project: Path, base: str) -> tuple[str, ...]:
    """Every place and partnership in the project's N-Triples dump (read once per world)."""
    nt = (project / "dist" / "twinned.nt").read_text("utf-8")
    return tuple(sorted({line.split(" ", 1)[0][1:-1] for line in nt.split("\n")
                         if line.startswith(("<" + base + "place/", "<" + base + "partnership/"))
                         and "/document/" not in line.split(" ", 1)[0]
                         and "/statement/" not in line.split(" ", 1)[0]}))


def resource_pages(project: Path, count: int = 200, seed: int = 7,
                   leave: set[str] | frozenset[str] = frozenset()) -> tuple[list[str], str]:
    """Places and partnerships of the world, picked at random (the same each run), as
    paths relative to the base URI (none of ``leave``); and the base URI."""
    base = "https://w3id.org/twinned/"
    subjects = [s for s in _page_subjects(project, base) if s[len(base):] not in leave]
    rng = random.Random(seed)
    return [s[len(base):] for s in rng.sample(subjects, min(count, len(subjects)))], base


def oxigraph_side(project: Path, reps: int, clients: int, seconds: float) -> dict[str, Any]:
    """The oxigraph server from PyPI: bulk load the dump, answer the same queries (the
    same text twinned runs, values bound) over HTTP, with the same clients."""
    from twinned.config import load_settings
    from twinned.queries import canned as q
    from twinned.queries.binding import bind

    if not Path(OXIGRAPH).exists():
        return {"skipped": "oxigraph not installed (pip install oxigraph)"}
    settings = load_settings(project, env={})
    location = Path(tempfile.mkdtemp(prefix="oxigraph-bench-"))
    out: dict[str, Any] = {}
    try:
        t = time.perf_counter()
        subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file",
                        str(project / "dist" / "twinned.nt")], check=True, capture_output=True)
        out["load_s"] = time.perf_counter() - t
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        t = time.perf_counter()
        proc = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(location), "--bind",
                                 f"127.0.0.1:{port}"],  # no --timeout-s: under load it panics (0.5)
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        memory = MemorySampler(proc.pid)
        try:
            wait_for(url + "query?query=ASK%7B%7D")
            out["start_s"] = time.perf_counter() - t
            queries = q.load_queries(settings.queries_dir)

            def case(label: str, name: str, params: dict[str, Any]) -> Case:
                binding = bind(queries[name], params, settings.base_uri)
                accept = "application/n-triples" if queries[name].construct else "application/sparql-results+json"
                return (label, url + "query", {"Content-Type": "application/sparql-query", "Accept": accept},
                        binding.bound_sparql.encode())

            cases = [case(f"{n}{'' if p else '*'}", n, p) for n, p in canned_cases(settings.queries_dir)]
            out["canned_http"] = http_latency(cases, reps)
            places, base = resource_pages(project)
            describe = [(p, url + "query", {"Content-Type": "application/sparql-query", "Accept": "text/turtle"},
                         f"DESCRIBE <{base}{p}>".encode()) for p in places]
            load(describe, clients, min(3.0, seconds))
            out["throughput_describe"] = load(describe, clients, seconds)
            point = [case(f"partners-of-place {p}", "partners-of-place", {"place": [base + p]})
                     for p in places if p.startswith("place/")]
            out["throughput_point"] = load(point, clients, seconds)
            out["throughput_queries"] = load(cases, clients, seconds)
        finally:
            stop(proc)
            out["peak_mb"] = memory.stop()
    finally:
        shutil.rmtree(location, ignore_errors=True)
    return out


# -- one world, all figures ------------------------------------------------------------------------


def measure(world: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    reps = 3 if args.quick else 20
    seconds = 3.0 if args.quick else 10.0
    print(f"[{world}] preparing", file=sys.stderr, flush=True)
    project = prepare(world, workdir)
    result: dict[str, Any] = {"world": world}
    print(f"[{world}] building", file=sys.stderr, flush=True)
    s, mb, _ = run_child(["-m", "twinned.cli", "build", "--project", str(project), "-q"])
    result["build"] = {"seconds": s, "peak_mb": mb, "peak_all_processes_mb": LAST_TREE_PEAK[0]}
    if (project / "data" / "cities").exists():
        changed = change_one_record(project)
        s, mb, _ = run_child(["-m", "twinned.cli", "build", "--project", str(project), "-q"])
        result["rebuild_one_file"] = {"seconds": s, "peak_mb": mb, "file": changed}
    if world != "w10":  # the figure is W1's; W10's export would take the run's hour
        print(f"[{world}] export-static", file=sys.stderr, flush=True)
        result["export_static"] = export_static_seconds(project)
    print(f"[{world}] stages", file=sys.stderr, flush=True)
    _s, mb, out = run_child([__file__, "--child", "phases", str(project)] + (["--quick"] if args.quick else []))
    result["stages"] = json.loads(out)
    _s, _mb, out = run_child([__file__, "--child", "inprocess", str(project), "--reps", str(reps)])
    result["canned_inprocess"] = json.loads(out)
    print(f"[{world}] serving", file=sys.stderr, flush=True)
    result["server"] = serve_and_measure(project, reps, args.clients, seconds, args.processes)
    print(f"[{world}] oxigraph server", file=sys.stderr, flush=True)
    result["oxigraph"] = oxigraph_side(project, reps, args.clients, seconds)
    if world in args.rdflib_worlds:
        print(f"[{world}] plain rdflib", file=sys.stderr, flush=True)
        try:
            _s, mb, out = run_child([__file__, "--child", "rdflib", str(project), "--reps", str(max(1, reps // 4))],
                                    timeout=args.rdflib_timeout)
            result["rdflib"] = {**json.loads(out), "peak_mb": mb}
        except subprocess.TimeoutExpired:
            result["rdflib"] = {"skipped": f"did not finish in {args.rdflib_timeout:.0f} s"}
    else:
        result["rdflib"] = {"skipped": "not asked for (--rdflib-worlds)"}
    return result


# -- the table ------------------------------------------------------------------------------------


def fmt_s(x: Any) -> str:
    if isinstance(x, str):
        return x + " s"
    if x is None or x != x:
        return "—"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.1f} s"


def fmt_mb(x: Any) -> str:
    return "—" if x is None or x != x else f"{x:,.0f} MB"


def table(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    cols = [r["world"] for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, f: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for r in results:
            try:
                cells.append(f(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        rows.append((label, cells))

    row("triples", lambda r: f"{r['stages']['triples']:,}")
    row("full build (validate + all dumps)", lambda r: fmt_s(r["build"]["seconds"]))
    row("  peak memory (largest process / all)",
        lambda r: f"{fmt_mb(r['build']['peak_mb'])} / {fmt_mb(r['build']['peak_all_processes_mb'])}")
    row("  load + map", lambda r: fmt_s(r["stages"]["load_map_s"]))
    row("  load the union in memory / the served store on disk",
        lambda r: f"{fmt_s(r['stages'].get('union_load_s'))} / {fmt_s(r['stages']['store_load_s'])}")
    row("  validation (validate_store)", lambda r: fmt_s(r["stages"]["validate_s"]))
    for name in ("nt", "ttl", "jsonld"):
        row(f"  dump {name} (+ gzip)", lambda r, n=name: f"{fmt_s(r['stages'][f'dump_{n}_s'])} "
            f"(+{fmt_s(r['stages'][f'gzip_{n}_s'])}), {r['stages'][f'dump_{n}_mb']:.0f} MB")
    row("rebuild after one changed record file", lambda r: fmt_s(r["rebuild_one_file"]["seconds"]))
    row(f"serve --processes {meta['processes']}: first answer / SPARQL ready",
        lambda r: f"{fmt_s(r['server']['first_page_s'])} / {fmt_s(r['server']['sparql_ready_s'])}")
    row("  oxigraph server: first answer", lambda r: fmt_s(r["oxigraph"]["start_s"]))
    row("canned query in-process p50 / p99",
        lambda r: f"{fmt_s(r['canned_inprocess']['p50'])} / {fmt_s(r['canned_inprocess']['p99'])}")
    row("canned query HTTP, first p50 / p99",
        lambda r: f"{fmt_s(r['server']['canned_http']['cold']['p50'])} / "
                  f"{fmt_s(r['server']['canned_http']['cold']['p99'])}")
    row("canned query HTTP, repeated p50 / p99",
        lambda r: f"{fmt_s(r['server']['canned_http']['warm']['p50'])} / "
                  f"{fmt_s(r['server']['canned_http']['warm']['p99'])}")
    row("oxigraph server HTTP, first p50 / p99",
        lambda r: f"{fmt_s(r['oxigraph']['canned_http']['cold']['p50'])} / "
                  f"{fmt_s(r['oxigraph']['canned_http']['cold']['p99'])}")
    row("oxigraph server HTTP, repeated p50 / p99",
        lambda r: f"{fmt_s(r['oxigraph']['canned_http']['warm']['p50'])} / "
                  f"{fmt_s(r['oxigraph']['canned_http']['warm']['p99'])}")
    row("rdflib SPARQL in-process p50 / p99", lambda r: (f"{fmt_s(r['rdflib']['p50'])} / {fmt_s(r['rdflib']['p99'])}"
        + (" (stopped)" if "stopped" in r["rdflib"] else "")
        + (f" ({len(r['rdflib']['failed'])} failed)" if r["rdflib"].get("failed") else ""))
        if "p50" in r["rdflib"] else r["rdflib"].get("skipped", "—"))
    row("rdflib parse / Turtle / N-Triples", lambda r: f"{fmt_s(r['rdflib']['parse_s'])} / "
        f"{fmt_s(r['rdflib']['serialise_turtle_s'])} / {fmt_s(r['rdflib']['serialise_nt_s'])}")
    row("resource page HTTP (HTML), first / repeated p50",
        lambda r: f"{fmt_s(r['server']['pages_http']['cold']['p50'])} / "
                  f"{fmt_s(r['server']['pages_http']['warm']['p50'])}")

    def rate(x: dict[str, Any]) -> str:
        bad = x["errors"] + x["non_200"]
        return f"{x['rps']:,.0f}/s, p99 {fmt_s(x['latency_p99'])}" + (f" ({bad} failed)" if bad else "")

    c = f"{meta['clients']} clients"
    row(f"pages HTML, {c}", lambda r: rate(r["server"]["throughput_pages"]))
    row("  HTML, each page asked for the first time", lambda r: rate(r["server"]["throughput_pages_uncached"]))
    row(f"pages Turtle, {c}", lambda r: rate(r["server"]["throughput_turtle"]))
    row("  Turtle, each page asked for the first time", lambda r: rate(r["server"]["throughput_turtle_uncached"]))
    row(f"  oxigraph server DESCRIBE, {c}", lambda r: rate(r["oxigraph"]["throughput_describe"]))
    row(f"point query (partners of a place), {c}", lambda r: rate(r["server"]["throughput_point"]))
    row("  oxigraph server, same queries", lambda r: rate(r["oxigraph"]["throughput_point"]))
    row(f"all canned queries, {c}", lambda r: rate(r["server"]["throughput_queries"]))
    row("  oxigraph server, same queries", lambda r: rate(r["oxigraph"]["throughput_queries"]))
    row("server peak memory (all processes, PSS)", lambda r: fmt_mb(r["server"]["peak_mb"]))
    row("  oxigraph server peak memory", lambda r: fmt_mb(r["oxigraph"]["peak_mb"]))
    row("export-static", lambda r: f"{fmt_s(r['export_static']['seconds'])}, {r['export_static']['files']:,} files")
    row("lines of src/", lambda r: f"{meta['src_lines']:,}")
    width = max(len(label) for label, _ in rows)
    widths = [max(len(c), max(len(cells[i]) for _l, cells in rows)) for i, c in enumerate(cols)]
    lines = [f"twinned benchmark — {meta['date']} — {meta['machine']}",
             f"twinned serve --processes {meta['processes']}; HTTP load from {meta['load_client']}",
             " " * width + "  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=False))]
    lines += [label.ljust(width) + "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
              for label, cells in rows]
    return "\n".join(lines) + "\n"


def query_ratios(r: dict[str, Any]) -> dict[str, float]:
    """Per canned query: twinned's first answer over HTTP / the oxigraph server's."""
    ours, theirs = r["server"]["canned_http"]["first_s"], r["oxigraph"]["canned_http"]["first_s"]
    return {k: ours[k] / theirs[k] for k in ours if k in theirs and theirs[k] > 0}


def targets(results: list[dict[str, Any]]) -> list[str]:
    out = []

    def say(ok: bool, text: str) -> None:
        out.append(f"{'MET' if ok else 'NOT MET'}: {text}")

    by = {r["world"]: r for r in results}
    big = by.get("w10")
    if big:  # issue 14's targets, at W10
        s, mb = big["build"]["seconds"], big["build"]["peak_all_processes_mb"]
        say(s <= TARGETS["build_s"], f"W10 full build ≤ 15 s ({s:.1f} s)")
        say(mb <= TARGETS["build_mb"], f"W10 build peak memory ≤ 1 GB ({mb:,.0f} MB, all processes together)")
        if "rebuild_one_file" in big:
            s = big["rebuild_one_file"]["seconds"]
            say(s <= TARGETS["rebuild_s"], f"W10 rebuild after one changed file ≤ 2 s ({s:.1f} s)")
        with suppress(KeyError, TypeError):
            s = big["server"]["first_page_s"]
            say(s <= TARGETS["first_answer_s"], f"W10 serve --processes 2 answers ≤ 2 s after start ({s:.1f} s)")
        with suppress(KeyError, TypeError):
            s = big["stages"]["validate_s"]
            say(s <= TARGETS["validate_s"], f"W10 validation ≤ 6 s ({s:.1f} s)")
        with suppress(KeyError, TypeError):
            x = big["server"]["throughput_pages"]
            say(x["rps"] >= TARGETS["repeated_rps"], f"W10 pages asked again ≥ 15,000/s ({x['rps']:,.0f}/s)")
    if "w1" in by and "export_static" in by["w1"]:
        s = by["w1"]["export_static"]["seconds"]
        say(s <= TARGETS["export_static_s"], f"W1 export-static ≤ 30 s ({s:.1f} s)")
    if results:
        lines = source_lines()
        say(lines < TARGETS["src_lines"], f"lines of src/ fewer than 16,943 ({lines:,})")
    for r in results:
        w = r["world"]
        with suppress(KeyError, TypeError, ZeroDivisionError):
            ours, theirs = r["server"]["peak_mb"], r["oxigraph"]["peak_mb"]
            say(ours <= TARGETS["pss_vs_oxigraph"] * theirs,
                f"{w} server memory (PSS, whole tree) ≤ 2x the oxigraph server's ({ours:,.0f} MB against "
                f"{theirs:,.0f} MB)")
        with suppress(KeyError, TypeError):
            ours, theirs = r["server"]["throughput_turtle_uncached"], r["oxigraph"]["throughput_describe"]
            say(ours["rps"] >= TARGETS["turtle_vs_describe"] * theirs["rps"],
                f"{w} first-time Turtle pages ≥ ½ of the oxigraph server's DESCRIBE rate ({ours['rps']:,.0f}/s "
                f"against {theirs['rps']:,.0f}/s)")
        with suppress(KeyError, TypeError):
            x = r["server"]["throughput_pages_uncached"]
            say(x["rps"] >= TARGETS["first_html_rps"] and x["latency_p99"] < TARGETS["first_html_p99_s"],
                f"{w} first-time HTML pages ≥ 1,000/s with p99 < 250 ms ({x['rps']:,.0f}/s, p99 "
                f"{x['latency_p99'] * 1000:.0f} ms)")
    for r in results:
        w = r["world"]
        try:
            ratios = query_ratios(r)
            worst = max(ratios, key=ratios.__getitem__)
            slower = sorted(k for k, v in ratios.items() if v > TARGETS["http_vs_oxigraph"])
            say(not slower, f"{w} every canned query over HTTP within 1.5x of the oxigraph server (first request; "
                f"median {statistics.median(ratios.values()):.2f}x, worst {ratios[worst]:.2f}x: {worst})"
                + (f"; over 1.5x: {', '.join(slower)}" if slower else ""))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            pass
        try:
            ours, theirs = r["server"]["throughput_point"], r["oxigraph"]["throughput_point"]
            say(ours["rps"] * TARGETS["http_vs_oxigraph"] >= theirs["rps"],
                f"{w} point queries within 1.5x of the oxigraph server ({ours['rps']:,.0f}/s against "
                f"{theirs['rps']:,.0f}/s)")
        except (KeyError, TypeError):
            pass
        try:
            theirs, ours = r["rdflib"]["per_query_s"], r["canned_inprocess"]["per_query_s"]
            ratios = {k: theirs[k] / ours[k] for k in theirs if k in ours and ours[k] > 0}
            slower = sorted(k for k, v in ratios.items() if v < TARGETS["vs_rdflib"])
            say(bool(ratios) and not slower and "stopped" not in r["rdflib"],
                f"{w} every canned query ≥ 10x faster than plain rdflib (in-process, median of repeats; "
                f"median {statistics.median(ratios.values()):.0f}x, least {min(ratios.values()):.1f}x)"
                + (f"; under 10x: {', '.join(slower)}" if slower else "")
                + (f"; rdflib {r['rdflib']['stopped']}" if "stopped" in r["rdflib"] else ""))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            pass
        for key, what in (("throughput_pages", "HTML"), ("throughput_turtle", "Turtle")):
            try:
                x = r["server"][key]
                say(x["rps"] >= TARGETS["pages_rps"] and x["latency_p99"] < TARGETS["pages_p99_s"]
                    and not x["errors"] and not x["non_200"],
                    f"{w} resource pages ({what}) ≥ 6,000/s with p99 < 50 ms ({x['rps']:,.0f}/s, p99 "
                    f"{x['latency_p99'] * 1000:.0f} ms, {x['clients']} clients, {x.get('client', '')})")
            except (KeyError, TypeError):
                pass
    return out


def machine() -> str:
    mem = "?"
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    import pyoxigraph

    return (f"{os.cpu_count()} cores, {mem}, {platform.system()} {platform.machine()}, Python "
            f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worlds", default="seeds,w1,w10", help="comma-separated: seeds, w1, w10 (default: all)")
    p.add_argument("--workdir", help="where to write the worlds (default: a temporary directory)")
    p.add_argument("--out", default="benchmark.json", help="the JSON file to write (default: benchmark.json)")
    p.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients (default 64)")
    p.add_argument("--processes", type=int, default=2, help="twinned serve --processes (default 2)")
    p.add_argument("--rdflib-worlds", default="seeds,w1,w10", help="worlds to run plain rdflib on")
    p.add_argument("--rdflib-timeout", type=float, default=900, help="give plain rdflib at most this long")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, shorter throughput runs")
    p.add_argument("--smoke", action="store_true", help="seeds only, very short (for the test suite)")
    p.add_argument("--child", nargs=2, metavar=("WHAT", "PROJECT"), help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, default=10, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        what, project = args.child
        if what == "phases":
            print(json.dumps(phase_timings(project, args.quick)))
        elif what == "inprocess":
            print(json.dumps(inprocess_latency(project, args.reps)))
        else:
            print(json.dumps(rdflib_pipeline(project, args.reps)))
        return 0
    if args.smoke:
        args.worlds, args.quick, args.clients, args.processes = "seeds", True, 4, 2
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    args.rdflib_worlds = {w.strip() for w in args.rdflib_worlds.split(",")}
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="twinned-bench-"))
    meta = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "clients": args.clients, "processes": args.processes, "quick": args.quick,
            "load_client": "wrk" if WRK else "python threads", "src_lines": source_lines()}
    results = [measure(w, workdir, args) for w in worlds]
    text = table(results, meta)
    met = targets(results)
    print(text + "\n" + "\n".join(met))
    Path(args.out).write_text(json.dumps({"meta": meta, "results": results, "targets": met}, indent=1,
                                         default=str) + "\n", "utf-8")
    print(f"\n(figures in {args.out}; worlds in {workdir})")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
