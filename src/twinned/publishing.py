"""Publishing: write a release directory and swap it in atomically.

``dist`` is a symbolic link to ``.dist/<release-id>/``. A build writes a new
release beside the old one, fsyncs it, then replaces the link with one
``rename``: a reader (or a server) sees the old release or the new one, never a
torn mix; a build that fails or is killed leaves ``dist`` as it was.

Outputs are deterministic: the same graph gives byte-identical files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from . import jsonld
from .errors import PublishError
from .vocab import PREFIXES

RELEASES = ".dist"
KEEP_RELEASES = 3


@dataclass(frozen=True)
class Dump:
    """One dump file of the dataset."""

    name: str
    media_type: str
    rdf_format: ox.RdfFormat | None


DUMPS = (
    Dump("twinned.ttl", "text/turtle", ox.RdfFormat.TURTLE),
    Dump("twinned.nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    Dump("twinned.jsonld", "application/ld+json", None),
)


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples with one triple a line, sorted: canonical enough to diff and hash."""
    text = graph.serialize(format="nt", encoding="utf-8")
    lines = sorted({line for line in text.decode("utf-8").splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def _triples(nt: bytes) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]


def turtle(nt: bytes, base: str | None = None) -> bytes:
    prefixes = dict(PREFIXES)
    out = ox.serialize(_triples(nt), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert out is not None
    return out


def catalog_serializations(catalog: Graph, base_uri: str) -> dict[str, bytes]:
    from .catalog import CATALOG_PREFIXES

    nt = sorted_ntriples(catalog)
    triples = _triples(nt)
    prefixes = {**CATALOG_PREFIXES, "tw": PREFIXES["tw"]}
    ttl = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    rdf = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    js = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    assert ttl is not None and rdf is not None and js is not None
    return {"catalog.ttl": ttl, "catalog.rdf": rdf, "catalog.jsonld": js, "catalog.nt": nt}


def _gzip(data: bytes) -> bytes:
    # mtime=0 and no file name: the same input gives the same bytes
    return gzip.compress(data, compresslevel=9, mtime=0)


@dataclass(frozen=True)
class Release:
    """The files of one build, by name, before they are written."""

    files: dict[str, bytes]

    @property
    def release_id(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode())
            h.update(hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()[:16]


def dump_files(data: Graph, base_uri: str) -> dict[str, bytes]:
    """The dataset dumps (Turtle, N-Triples, JSON-LD, each also gzipped) and the context."""
    nt = sorted_ntriples(data)
    files = {
        "twinned.nt": nt,
        "twinned.ttl": turtle(nt),
        "twinned.jsonld": jsonld.to_jsonld(
            ((s, p, o) for s, p, o in data), base_uri  # type: ignore[misc]
        ).encode("utf-8"),
        "context.jsonld": (
            json.dumps({"@context": jsonld.context()}, ensure_ascii=False, indent=1) + "\n"
        ).encode("utf-8"),
    }
    for d in DUMPS:
        files[d.name + ".gz"] = _gzip(files[d.name])
    return files


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in sorted(files.items()):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    for d in sorted({(root / n).parent for n in files}, key=lambda p: -len(p.parts)):
        _fsync_dir(d)


def current_release(dist: Path) -> Path | None:
    return dist.resolve() if dist.is_symlink() and dist.exists() else None


def publish(release: Release, dist: Path) -> Path:
    """Write the release and point ``dist`` at it atomically; return its directory."""
    releases = dist.parent / RELEASES
    if dist.exists() and not dist.is_symlink():
        raise PublishError(
            f"{dist} is a plain directory; twinned manages it as a link to {releases}/. "
            "Move it away and build again."
        )
    final = releases / release.release_id
    try:
        releases.mkdir(parents=True, exist_ok=True)
        if not final.exists():
            tmp = releases / f".tmp-{release.release_id}-{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            _write_tree(tmp, release.files)
            os.rename(tmp, final)
            _fsync_dir(releases)
        link_tmp = dist.parent / f".{dist.name}.link-{os.getpid()}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(os.path.relpath(final, dist.parent), link_tmp)
        os.replace(link_tmp, dist)
        _fsync_dir(dist.parent)
    except OSError as exc:
        raise PublishError(f"could not publish to {dist}: {exc}") from exc
    _prune(releases, keep={final.name})
    return final


def _releases_by_age(releases: Path) -> Iterator[Path]:
    entries = [p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")]
    yield from sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)


def _prune(releases: Path, keep: set[str]) -> None:
    """Keep the newest few releases (a running server may still read the previous one)."""
    for i, path in enumerate(_releases_by_age(releases)):
        if i >= KEEP_RELEASES and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for tmp in releases.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
