#!/usr/bin/env python3
"""twinned's benchmark: one command, a table on stdout, every figure in JSON.

    python benchmarks/run.py                            # seeds, W1 (the real world), W10
    python benchmarks/run.py --worlds seeds,w1 --quick  # smaller, faster
    python benchmarks/run.py --out bench.json --workdir /tmp/twinned-bench

For each world it measures, in separate processes so memory is measured alone:

* the full build (load, map, validate, every dump) and its peak memory, the time of
  each stage and each dump, and the rebuild after one changed record file;
* validation with the compiled shapes and with pySHACL (the reference, bounded);
* ``twinned serve``: time to the first page and to a ready SPARQL endpoint, canned-query
  latency (p50, p99) in-process and over HTTP, HTTP throughput of resource pages and of
  canned queries under concurrent clients on loopback, the server's peak memory;
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"
PYTHON = sys.executable
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
TARGETS = {"build_s": 30.0, "build_mb": 1536.0, "rebuild_s": 3.0, "http_vs_oxigraph": 1.5, "vs_rdflib": 10.0}


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
            tree_peak[0] = max(tree_peak[0], tree_rss_mb(proc.pid))

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


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, todo, seen = 0, [pid], set()
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


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
    """Stage by stage, in this (child) process: load+map, validation, each dump, catalogue."""
    import zlib

    from twinned import ntriples as nt
    from twinned.build import _nt_chunks, dataset_triples
    from twinned.config import load_settings
    from twinned.fastdumps import jsonld_chunks, turtle_chunks
    from twinned.stats import DataStats
    from twinned.validation import PYSHACL_MAX_TRIPLES, load_shapes, validate_graph, validate_triples

    settings = load_settings(Path(project), env={})
    out: dict[str, Any] = {}
    t = time.perf_counter()
    _records, triples = dataset_triples(settings)
    out["load_map_s"] = time.perf_counter() - t
    out["triples"] = len(triples)
    shapes = load_shapes(settings.shapes_dir)
    t = time.perf_counter()
    report = validate_triples(triples, shapes)
    out["validate_s"] = time.perf_counter() - t
    out["validator"] = "pySHACL" if len(triples) <= PYSHACL_MAX_TRIPLES else "compiled"
    assert report.conforms
    if len(triples) > PYSHACL_MAX_TRIPLES:
        from twinned.fastshacl import validate_fast

        out["validate_compiled_s"] = out["validate_s"]
    else:
        from twinned.fastshacl import validate_fast

        t = time.perf_counter()
        validate_fast(triples, shapes)
        out["validate_compiled_s"] = time.perf_counter() - t
        out["validate_pyshacl_s"] = out["validate_s"]
    for name, chunks in (("nt", lambda: _nt_chunks(triples)),
                         ("ttl", lambda: (c.encode() for c in turtle_chunks(triples))),
                         ("jsonld", lambda: (c.encode() for c in jsonld_chunks(triples, settings.base_uri)))):
        t = time.perf_counter()
        data = b"".join(chunks())
        out[f"dump_{name}_s"] = time.perf_counter() - t
        out[f"dump_{name}_mb"] = len(data) / 1e6
        level = 9 if len(triples) <= 100_000 else 6
        t = time.perf_counter()
        zlib.compress(data, level)
        out[f"gzip_{name}_s"] = time.perf_counter() - t
        del data
    t = time.perf_counter()
    DataStats.from_triples(triples, settings.base_uri)
    out["stats_s"] = time.perf_counter() - t
    if out["validator"] == "compiled" and not quick:
        out["validate_pyshacl_s"] = pyshacl_bounded(triples, shapes, validate_graph)
    return out


def pyshacl_bounded(triples: list[Any], shapes: Any, validate_graph: Any, limit: float = 120.0) -> float | str:
    """pySHACL on a large graph, given at most ``limit`` seconds (in a thread we abandon)."""
    from rdflib import Graph

    from twinned import ntriples as nt

    result: dict[str, float] = {}

    def work() -> None:
        t = time.perf_counter()
        g = Graph()
        g.parse(data=nt.nt_bytes(triples), format="nt")
        validate_graph(g, shapes)
        result["s"] = time.perf_counter() - t

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(limit)
    return result.get("s", f">{limit:.0f}")


def canned_cases(queries_dir: Path) -> list[tuple[str, dict[str, list[str]]]]:
    from twinned import queries as q

    out = []
    for name, query in q.load_queries(queries_dir).items():
        out.append((name, query.example_params()))
        if not any(p.required for p in query.parameters):
            out.append((name, {}))
    return out


def inprocess_latency(project: str, reps: int) -> dict[str, Any]:
    """Canned queries on the embedded store, bound and serialised (no HTTP, no cache)."""
    from twinned import queries as q
    from twinned.config import load_settings
    from twinned.store import load_release

    settings = load_settings(Path(project), env={})
    t = time.perf_counter()
    release = load_release(settings.output_dir.resolve())
    load_s = time.perf_counter() - t
    queries = q.load_queries(settings.queries_dir)
    times: list[float] = []
    per: dict[str, float] = {}
    for name, params in canned_cases(settings.queries_dir):
        query = queries[name]
        fmt = q.NTRIPLES if query.construct else q.SPARQL_JSON
        mine = []
        for _ in range(reps):
            t = time.perf_counter()
            binding, result = q.execute(release.store, query, params, settings.base_uri, settings.max_rows)
            q.write(result, binding, fmt, settings.base_uri)
            mine.append(time.perf_counter() - t)
        per[f"{name}{'*' if not params else ''}"] = statistics.median(mine)
        times += mine
    return {"store_load_s": load_s, **percentiles(times), "per_query_s": per}


def rdflib_pipeline(project: str, reps: int) -> dict[str, Any]:
    """The same data and queries with plain rdflib: parse, serialise, SPARQL."""
    from rdflib import Graph, Literal, URIRef

    from twinned import queries as q
    from twinned.config import load_settings

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
    failed: dict[str, str] = {}
    for name, params in canned_cases(settings.queries_dir):
        binding = q.bind(queries[name], params, settings.base_uri)
        init = {v.value: _rdflib_term(t, URIRef, Literal) for v, t in binding.substitutions.items()}
        for _ in range(reps):
            t0 = time.perf_counter()
            try:
                result = g.query(binding.sparql, initBindings=init)
                result.serialize(format="json" if not queries[name].construct else "nt")
            except Exception as exc:  # noqa: BLE001 - rdflib fails some queries; count them
                failed[name] = f"{type(exc).__name__}: {exc}"[:200]
                break
            times.append(time.perf_counter() - t0)
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


def http_latency(urls: list[tuple[str, dict[str, Any], str, bytes | None]], reps: int) -> dict[str, Any]:
    """(method, request kwargs...) per case: the first request of each, then ``reps`` more."""
    import httpx

    cold, warm = [], []
    with httpx.Client(timeout=120) as client:
        for url, kwargs, method, body in urls:
            for i in range(reps + 1):
                t = time.perf_counter()
                r = client.request(method, url, content=body, **kwargs)
                dt_ = time.perf_counter() - t
                assert r.status_code == 200, (url, r.status_code, r.text[:300])
                (cold if i == 0 else warm).append(dt_)
    return {"cold": percentiles(cold), "warm": percentiles(warm)}


def throughput(requests_: list[tuple[str, dict[str, Any], str, bytes | None]], clients: int,
               seconds: float) -> dict[str, Any]:
    """Concurrent clients (threads with keep-alive) for a bounded time: requests per second."""
    import httpx

    stop_at = time.perf_counter() + seconds
    done = [0] * clients
    errors = [0] * clients
    lat: list[list[float]] = [[] for _ in range(clients)]

    def client_loop(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() < stop_at:
                url, kwargs, method, body = rng.choice(requests_)
                t = time.perf_counter()
                try:
                    r = client.request(method, url, content=body, **kwargs)
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
    return {"rps": sum(done) / elapsed, "errors": sum(errors), "clients": clients, "seconds": elapsed,
            **{f"latency_{k}": v for k, v in percentiles([x for xs in lat for x in xs]).items()}}


def serve_and_measure(project: Path, reps: int, clients: int, seconds: float) -> dict[str, Any]:
    from twinned import queries as q

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "twinned.cli", "serve", "--project", str(project), "--port", str(port),
                             "--quiet", "--max-rows", "10000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, Any] = {}
    try:
        wait_for(url)
        out["first_page_s"] = time.perf_counter() - started
        wait_for(url + "sparql?query=ASK%7B%7D", ok=lambda r: r.status_code == 200)
        out["sparql_ready_s"] = time.perf_counter() - started
        queries = q.load_queries(project / "queries")
        cases = [(f"{url}queries/{n}{'.nt' if queries[n].construct else '.srj'}", {"params": p}, "GET", None)
                 for n, p in canned_cases(project / "queries")]
        out["canned_http"] = http_latency(cases, reps)
        pages = resource_pages(project, url)
        out["pages_http"] = http_latency([(u, {"headers": {"Accept": "text/html"}}, "GET", None)
                                          for u in pages[:10]], max(1, reps // 2))
        out["throughput_pages"] = throughput([(u, {"headers": {"Accept": "text/html"}}, "GET", None) for u in pages],
                                             clients, seconds)
        out["throughput_queries"] = throughput(cases, clients, seconds)
        out["peak_mb"] = peak_of(proc.pid)
    finally:
        stop(proc)
    return out


def resource_pages(project: Path, url: str, count: int = 200) -> list[str]:
    """Places and partnerships of the world, picked at random (the same each run)."""
    nt = (project / "dist" / "twinned.nt").read_text("utf-8")
    base = "https://w3id.org/twinned/"
    subjects = sorted({line.split(" ", 1)[0][1:-1] for line in nt.split("\n")
                       if line.startswith(("<" + base + "place/", "<" + base + "partnership/"))
                       and "/document/" not in line.split(" ", 1)[0] and "/statement/" not in line.split(" ", 1)[0]})
    rng = random.Random(7)
    return [url + s[len(base):] for s in rng.sample(subjects, min(count, len(subjects)))]


def oxigraph_side(project: Path, reps: int, clients: int, seconds: float) -> dict[str, Any]:
    """The oxigraph server from PyPI: bulk load the dump, answer the same queries over HTTP."""
    from twinned import queries as q
    from twinned.config import load_settings
    from twinned.external import bind_values, strip_comments

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
                                 f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(url + "query?query=ASK%7B%7D")
            out["start_s"] = time.perf_counter() - t
            queries = q.load_queries(settings.queries_dir)
            cases = []
            for name, params in canned_cases(settings.queries_dir):
                binding = q.bind(queries[name], params, settings.base_uri)
                text = strip_comments(bind_values(binding.sparql, binding.substitutions))
                accept = "application/n-triples" if queries[name].construct else "application/sparql-results+json"
                cases.append((url + "query", {"headers": {"Content-Type": "application/sparql-query",
                                                          "Accept": accept}}, "POST", text.encode()))
            out["canned_http"] = http_latency(cases, reps)
            out["throughput_queries"] = throughput(cases, clients, seconds)
            out["peak_mb"] = peak_of(proc.pid)
        finally:
            stop(proc)
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
    print(f"[{world}] stages", file=sys.stderr, flush=True)
    _s, mb, out = run_child([__file__, "--child", "phases", str(project)] + (["--quick"] if args.quick else []))
    result["stages"] = json.loads(out)
    _s, _mb, out = run_child([__file__, "--child", "inprocess", str(project), "--reps", str(reps)])
    result["canned_inprocess"] = json.loads(out)
    print(f"[{world}] serving", file=sys.stderr, flush=True)
    result["server"] = serve_and_measure(project, reps, args.clients, seconds)
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
    row("  validation, compiled shapes", lambda r: fmt_s(r["stages"]["validate_compiled_s"]))
    row("  validation, pySHACL (reference)", lambda r: fmt_s(r["stages"].get("validate_pyshacl_s")))
    for name in ("nt", "ttl", "jsonld"):
        row(f"  dump {name} (+ gzip)", lambda r, n=name: f"{fmt_s(r['stages'][f'dump_{n}_s'])} "
            f"(+{fmt_s(r['stages'][f'gzip_{n}_s'])}), {r['stages'][f'dump_{n}_mb']:.0f} MB")
    row("rebuild after one changed record file", lambda r: fmt_s(r["rebuild_one_file"]["seconds"]))
    row("server start: first page / SPARQL ready",
        lambda r: f"{fmt_s(r['server']['first_page_s'])} / {fmt_s(r['server']['sparql_ready_s'])}")
    row("canned query in-process p50 / p99",
        lambda r: f"{fmt_s(r['canned_inprocess']['p50'])} / {fmt_s(r['canned_inprocess']['p99'])}")
    row("canned query HTTP, first p50 / p99",
        lambda r: f"{fmt_s(r['server']['canned_http']['cold']['p50'])} / {fmt_s(r['server']['canned_http']['cold']['p99'])}")
    row("canned query HTTP, repeated p50 / p99",
        lambda r: f"{fmt_s(r['server']['canned_http']['warm']['p50'])} / {fmt_s(r['server']['canned_http']['warm']['p99'])}")
    row("oxigraph server HTTP, first p50 / p99",
        lambda r: f"{fmt_s(r['oxigraph']['canned_http']['cold']['p50'])} / {fmt_s(r['oxigraph']['canned_http']['cold']['p99'])}")
    row("oxigraph server HTTP, repeated p50 / p99",
        lambda r: f"{fmt_s(r['oxigraph']['canned_http']['warm']['p50'])} / {fmt_s(r['oxigraph']['canned_http']['warm']['p99'])}")
    row("rdflib SPARQL in-process p50 / p99", lambda r: f"{fmt_s(r['rdflib']['p50'])} / {fmt_s(r['rdflib']['p99'])}"
        if "p50" in r["rdflib"] else r["rdflib"].get("skipped", "—"))
    row("rdflib parse / Turtle / N-Triples", lambda r: f"{fmt_s(r['rdflib']['parse_s'])} / "
        f"{fmt_s(r['rdflib']['serialise_turtle_s'])} / {fmt_s(r['rdflib']['serialise_nt_s'])}")
    row("resource page HTTP p50 / p99", lambda r: f"{fmt_s(r['server']['pages_http']['warm']['p50'])} / "
        f"{fmt_s(r['server']['pages_http']['warm']['p99'])}")
    row(f"pages/s, {meta['clients']} clients",
        lambda r: f"{r['server']['throughput_pages']['rps']:.0f} (errors {r['server']['throughput_pages']['errors']})")
    row(f"canned queries/s, {meta['clients']} clients",
        lambda r: f"{r['server']['throughput_queries']['rps']:.0f} (errors {r['server']['throughput_queries']['errors']})")
    row(f"oxigraph queries/s, {meta['clients']} clients",
        lambda r: f"{r['oxigraph']['throughput_queries']['rps']:.0f}")
    row("server peak memory / oxigraph", lambda r: f"{fmt_mb(r['server']['peak_mb'])} / {fmt_mb(r['oxigraph']['peak_mb'])}")
    width = max(len(label) for label, _ in rows)
    widths = [max(len(c), max(len(cells[i]) for _l, cells in rows)) for i, c in enumerate(cols)]
    lines = [f"twinned benchmark — {meta['date']} — {meta['machine']}",
             " " * width + "  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    lines += [label.ljust(width) + "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)) for label, cells in rows]
    return "\n".join(lines) + "\n"


def targets(results: list[dict[str, Any]]) -> list[str]:
    out = []
    by = {r["world"]: r for r in results}
    big = by.get("w10")
    if big:
        s, mb = big["build"]["seconds"], big["build"]["peak_all_processes_mb"]
        out.append(f"{'MET' if s <= TARGETS['build_s'] else 'NOT MET'}: W10 full build ≤ 30 s ({s:.1f} s)")
        out.append(f"{'MET' if mb < TARGETS['build_mb'] else 'NOT MET'}: W10 build peak memory < 1.5 GB "
                   f"({mb:,.0f} MB, all processes together)")
        if "rebuild_one_file" in big:
            s = big["rebuild_one_file"]["seconds"]
            out.append(f"{'MET' if s <= TARGETS['rebuild_s'] else 'NOT MET'}: W10 rebuild after one changed file ≤ 3 s "
                       f"({s:.1f} s)")
    for r in results:
        try:
            ours = r["server"]["canned_http"]["cold"]["p50"]
            theirs = r["oxigraph"]["canned_http"]["cold"]["p50"]
            ratio = ours / theirs
            out.append(f"{'MET' if ratio <= TARGETS['http_vs_oxigraph'] else 'NOT MET'}: {r['world']} canned query over "
                       f"HTTP within 1.5x of the oxigraph server (first requests, p50: {ratio:.2f}x)")
        except (KeyError, TypeError, ZeroDivisionError):
            pass
        try:
            ratio = r["rdflib"]["p50"] / r["canned_inprocess"]["p50"]
            out.append(f"{'MET' if ratio >= TARGETS['vs_rdflib'] else 'NOT MET'}: {r['world']} canned queries ≥ 10x "
                       f"faster than plain rdflib (p50, in-process: {ratio:.0f}x)")
        except (KeyError, TypeError, ZeroDivisionError):
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
    p.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
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
        args.worlds, args.quick, args.clients = "seeds", True, 2
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    args.rdflib_worlds = {w.strip() for w in args.rdflib_worlds.split(",")}
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="twinned-bench-"))
    meta = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "clients": args.clients, "quick": args.quick}
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
