"""A bounded load test of ``twinned serve`` on loopback.

    python benchmarks/loadtest.py                      # 64 clients for 60 s
    python benchmarks/loadtest.py --seconds 10 --clients 16 --json

It starts ``twinned serve`` on a free port for the project (building ``dist/`` if it is
missing or stale), lets CLIENTS concurrent clients request a mix of what the public
asks for — resource pages (HTML), resource descriptions (Turtle, JSON-LD), the dumps,
canned queries with the example values of their OpenAPI description, SPARQL queries
and revalidations (If-None-Match) — until SECONDS have passed, samples the resident
memory of the server and its query workers every second, then stops the server and
reports requests, errors, latency percentiles (p50, p90, p99, max) per kind and
overall, and memory over time. With ``--url`` it loads a server that is already
running instead (memory only with ``--pid``).

Every client loop ends by itself at the deadline. Exit status 0 when no request
failed (a failure is a transport error or any status other than 200 and 304).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SPARQL = [
    "SELECT ?p ?partner WHERE { ?p a <https://w3id.org/twinned/def/Partnership> ; "
    "<https://w3id.org/twinned/def/party> ?partner } LIMIT 100",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ASK { ?s a <https://w3id.org/twinned/def/Partnership> }",
]
# kind -> weight in the mix
MIX = {"page": 30, "rdf": 20, "dump": 8, "query": 20, "sparql": 12, "revalidate": 10}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    memory: list[dict[str, float]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class Targets:
    pages: list[str]
    queries: list[tuple[str, dict[str, Any]]]
    dumps: list[str]
    etags: dict[str, str]


# -- the server --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(project: Path, port: int, timeout: float = 120) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "twinned.cli", "serve", "--project", str(project), "--port", str(port),
         "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"twinned serve exited with status {process.returncode}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5)
            if r.status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("twinned serve did not become ready")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


async def sample_memory(pid: int, stats: Stats, started: float, deadline: float) -> None:
    while time.monotonic() < deadline:
        kids = children(pid)
        stats.memory.append({"t": round(time.monotonic() - started, 1), "server": rss_mib(pid),
                             "workers": sum(rss_mib(k) for k in kids), "processes": 1 + len(kids)})
        await asyncio.sleep(1.0)


# -- what to ask for -----------------------------------------------------------------------------------

async def discover(http: httpx.AsyncClient, base_uri: str) -> Targets:
    """Resource paths from the data, canned queries from the OpenAPI description."""
    r = await http.get("/sparql", params={"query": "SELECT DISTINCT ?s WHERE { ?s ?p ?o } LIMIT 2000"},
                       headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    pages = sorted({"/" + b["s"]["value"][len(base_uri):] for b in r.json()["results"]["bindings"]
                    if b["s"]["type"] == "uri" and b["s"]["value"].startswith(base_uri)
                    and "/statement/" not in b["s"]["value"]})
    spec = (await http.get("/openapi.json")).json()
    queries = []
    for path, item in spec["paths"].items():
        if not path.startswith("/queries/"):
            continue
        params = {p["name"]: p["example"] for p in item["get"].get("parameters", []) if "example" in p}
        queries.append((path + ".json" if "wikidata" not in path else path + ".ttl", params))
    dumps = ["/dumps/twinned.ttl", "/dumps/twinned.nt.gz", "/dumps/twinned.jsonld.gz", "/context.jsonld",
             "/catalog.ttl"]
    etags = {}
    for path in pages[:50]:
        etags[path] = (await http.get(path, headers={"Accept": "text/turtle"})).headers.get("etag", "")
    return Targets(pages, queries, dumps, etags)


def pick(rng: random.Random, t: Targets) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    if kind == "page":
        return kind, rng.choice(t.pages), {}, {"Accept": "text/html"}
    if kind == "rdf":
        accept = rng.choice(["text/turtle", "application/ld+json", "application/n-triples"])
        return kind, rng.choice(t.pages), {}, {"Accept": accept}
    if kind == "dump":
        return kind, rng.choice(t.dumps), {}, {}
    if kind == "query":
        path, params = rng.choice(t.queries)
        return kind, path, params, {}
    if kind == "sparql":
        return kind, "/sparql", {"query": rng.choice(SPARQL)}, {"Accept": "application/sparql-results+json"}
    path = rng.choice(list(t.etags))
    return kind, path, {}, {"Accept": "text/turtle", "If-None-Match": t.etags[path]}


# -- the clients -----------------------------------------------------------------------------------------

async def client(n: int, http: httpx.AsyncClient, targets: Targets, stats: Stats, deadline: float) -> None:
    rng = random.Random(n)
    while time.monotonic() < deadline:
        kind, path, params, headers = pick(rng, targets)
        started = time.perf_counter()
        try:
            r = await http.get(path, params=params, headers=headers)
            await r.aread()
        except httpx.HTTPError as exc:
            stats.errors[kind].append(f"{path}: {exc!r}")
            continue
        stats.latencies[kind].append(time.perf_counter() - started)
        stats.statuses[r.status_code] += 1
        if r.status_code not in (200, 304):
            stats.errors[kind].append(f"{path}: {r.status_code} {r.text[:200]}")


async def load(url: str, pid: int | None, clients: int, seconds: float, base_uri: str) -> Stats:
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        targets = await discover(http, base_uri)
        started = time.monotonic()
        deadline = started + seconds
        tasks = [client(n, http, targets, stats, deadline) for n in range(clients)]
        if pid is not None:
            tasks.append(sample_memory(pid, stats, started, deadline))
        await asyncio.gather(*tasks)
        stats.memory.append({"t": round(time.monotonic() - started, 1), "server": rss_mib(pid or 0),
                             "workers": sum(rss_mib(k) for k in children(pid)) if pid else 0.0,
                             "processes": 1 + len(children(pid)) if pid else 0})
    return stats


# -- the report ------------------------------------------------------------------------------------------

def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": q[49] * 1000, "p90": q[89] * 1000, "p99": q[98] * 1000, "max": ordered[-1] * 1000}


def report(stats: Stats, seconds: float, clients: int) -> dict[str, Any]:
    every = [x for v in stats.latencies.values() for x in v]
    errors = sum(len(v) for v in stats.errors.values())
    memory = stats.memory
    return {
        "clients": clients, "seconds": seconds, "requests": len(every), "errors": errors,
        "requests_per_second": round(len(every) / seconds, 1),
        "statuses": dict(sorted(stats.statuses.items())),
        "latency_ms": {k: round(v, 1) for k, v in percentiles(every).items()},
        "by_kind": {kind: {"requests": len(v), **{k: round(x, 1) for k, x in percentiles(v).items()}}
                    for kind, v in sorted(stats.latencies.items())},
        "error_samples": {k: v[:5] for k, v in stats.errors.items() if v},
        "memory_mib": {
            "server_start": round(memory[0]["server"], 1) if memory else None,
            "server_max": round(max(m["server"] for m in memory), 1) if memory else None,
            "server_end": round(memory[-1]["server"], 1) if memory else None,
            "total_max": round(max(m["server"] + m["workers"] for m in memory), 1) if memory else None,
            "samples": memory,
        },
    }


def print_report(r: dict[str, Any]) -> None:
    print(f"{r['requests']} requests in {r['seconds']:g} s by {r['clients']} clients "
          f"({r['requests_per_second']} req/s), {r['errors']} errors; statuses {r['statuses']}")
    lat = r["latency_ms"]
    print(f"latency ms: p50 {lat.get('p50')}  p90 {lat.get('p90')}  p99 {lat.get('p99')}  max {lat.get('max')}")
    for kind, k in r["by_kind"].items():
        print(f"  {kind:<11} {k['requests']:>7}  p50 {k.get('p50'):>8}  p99 {k.get('p99'):>8}  max {k.get('max'):>8}")
    m = r["memory_mib"]
    if m["samples"]:
        print(f"server RSS MiB: start {m['server_start']}, max {m['server_max']}, end {m['server_end']}; "
              f"with query workers max {m['total_max']}")
        step = max(1, len(m["samples"]) // 12)
        print("  t(s)  server  workers  (MiB)")
        for s in m["samples"][::step] + ([m["samples"][-1]] if len(m["samples"]) % step != 1 else []):
            print(f"  {s['t']:>5}  {s['server']:>6.1f}  {s['workers']:>7.1f}")
    for kind, samples in r["error_samples"].items():
        print(f"errors ({kind}):", *samples, sep="\n  ")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0, help="how long to load the server (default 60)")
    p.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    p.add_argument("--project", type=Path, default=ROOT, help="project to serve (default: this repository)")
    p.add_argument("--url", help="load a server that is already running at this URL instead")
    p.add_argument("--pid", type=int, help="with --url: the server's process id, to sample its memory")
    p.add_argument("--base-uri", default="https://w3id.org/twinned/", help="the served base URI")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)
    process = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.pid
    else:
        port = free_port()
        process = start_server(args.project, port)
        url, pid = f"http://127.0.0.1:{port}", process.pid
    try:
        stats = asyncio.run(load(url, pid, args.clients, args.seconds, args.base_uri))
    finally:
        if process is not None:
            stop_server(process)
    result = report(stats, args.seconds, args.clients)
    result.update(date=time.strftime("%Y-%m-%d"), cpus=os.cpu_count())
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_report(result)
    return 0 if result["errors"] == 0 and result["requests"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
