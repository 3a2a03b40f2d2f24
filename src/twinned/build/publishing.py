"""Publishing: write a release directory and swap it in atomically.

``dist`` is a symbolic link to ``.dist/<release-id>/``. A build writes a new
release beside the old one, fsyncs it, then replaces the link with one
``rename``: a reader (or a server) sees the old release or the new one, never a
torn mix; a build that fails or is killed leaves ``dist`` as it was.

Outputs are deterministic: the same graph gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from twinned.build.releasestore import in_use
from twinned.errors import PublishError
from twinned.rdf.vocab import PREFIXES

RELEASES = ".dist"
KEEP_RELEASES = 3


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples with one triple a line, sorted: canonical enough to diff and hash."""
    text = graph.serialize(format="nt", encoding="utf-8")
    lines = sorted({line for line in text.decode("utf-8").splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def _triples(nt: bytes) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]


def catalog_serializations(catalog: Graph, base_uri: str) -> dict[str, bytes]:
    from twinned.build.catalog import CATALOG_PREFIXES

    nt = sorted_ntriples(catalog)
    triples = _triples(nt)
    prefixes = {**CATALOG_PREFIXES, "tw": PREFIXES["tw"]}
    ttl = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    rdf = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    js = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    assert ttl is not None and rdf is not None and js is not None
    return {"catalog.ttl": ttl, "catalog.rdf": rdf, "catalog.jsonld": js, "catalog.nt": nt}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_release(dist: Path) -> Path | None:
    """The release directory ``dist`` points at (None when there is none)."""
    return dist.resolve() if dist.is_symlink() and dist.exists() else None


def _point(dist: Path, final: Path) -> None:
    """Swap ``dist`` to the release directory ``final`` in one rename."""
    link_tmp = dist.parent / f".{dist.name}.link-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(os.path.relpath(final, dist.parent), link_tmp)
    os.replace(link_tmp, dist)
    _fsync_dir(dist.parent)


GZIP_LEVEL_LARGE = 3  # for the dumps of a large graph: ten times faster than 9, a fifth larger


class ReleaseWriter:
    """Writes a release file by file (large ones streamed, with their gzipped copy) into a
    temporary directory, then publishes it as ``publish`` does: same release id, same
    atomic swap of ``dist``, nothing visible until ``finish``."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.releases = dist.parent / RELEASES
        if dist.exists() and not dist.is_symlink():
            raise PublishError(
                f"{dist} is a plain directory; twinned manages it as a link to {self.releases}/. "
                "Move it away and build again."
            )
        self.digests: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        try:
            self.releases.mkdir(parents=True, exist_ok=True)
            self.tmp = self.releases / f".tmp-build-{os.getpid()}"
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            self.tmp.mkdir()
        except OSError as exc:
            raise PublishError(f"could not write to {self.releases}: {exc}") from exc

    def write(self, name: str, data: bytes) -> None:
        self.stream(name, [data])

    def path(self, name: str) -> Path:
        """Where a file of the release is written (for writers that write files themselves)."""
        return self.tmp / name

    def adopt(self, name: str, gzip_level: int | None = None) -> None:
        """Take in a file written at ``path(name)`` by another writer: hash it (and
        write ``name.gz`` when a level is given), as ``stream`` does for its pieces."""
        source = self.path(name)
        source.rename(self.tmp / f".{name}.part")
        with open(self.tmp / f".{name}.part", "rb") as fh:
            self.stream(name, iter(lambda: fh.read(1 << 20), b""), gzip_level)
        (self.tmp / f".{name}.part").unlink()

    def stream(self, name: str, chunks: Iterable[bytes], gzip_level: int | None = None) -> None:
        """Write ``name`` from its pieces (and ``name.gz`` when a level is given). Hashing,
        compressing and writing happen in a thread (they release the GIL) while the caller
        makes the next piece."""
        pieces: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        failed: list[BaseException] = []
        worker = threading.Thread(target=self._write_pieces, args=(name, pieces, gzip_level, failed),
                                  name=f"write-{name}", daemon=True)
        worker.start()
        try:
            for chunk in chunks:
                if failed:
                    break
                pieces.put(chunk)
        finally:
            pieces.put(None)
            worker.join()
        if failed:
            raise PublishError(f"could not write {name}: {failed[0]}") from failed[0]

    def _write_pieces(self, name: str, pieces: queue.Queue[bytes | None], gzip_level: int | None,
                      failed: list[BaseException]) -> None:
        digest, size = hashlib.sha256(), 0
        gz = zlib.compressobj(gzip_level, zlib.DEFLATED, 31) if gzip_level is not None else None
        gz_digest, gz_size = hashlib.sha256(), 0
        try:
            with open(self.tmp / name, "wb") as out, \
                    (open(self.tmp / f"{name}.gz", "wb") if gz else open(os.devnull, "wb")) as gz_out:
                while (chunk := pieces.get()) is not None:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if gz is not None:
                        packed = gz.compress(chunk)
                        gz_out.write(packed)
                        gz_digest.update(packed)
                        gz_size += len(packed)
                if gz is not None:
                    packed = gz.flush()
                    gz_out.write(packed)
                    gz_digest.update(packed)
                    gz_size += len(packed)
                    gz_out.flush()
                    os.fsync(gz_out.fileno())
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            failed.append(exc)
            while pieces.get() is not None:  # let the producer finish
                pass
            return
        self.digests[name], self.sizes[name] = digest.hexdigest(), size
        if gz is not None:
            self.digests[f"{name}.gz"], self.sizes[f"{name}.gz"] = gz_digest.hexdigest(), gz_size

    @property
    def release_id(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.digests):
            h.update(name.encode())
            h.update(bytes.fromhex(self.digests[name]))
        return h.hexdigest()[:16]

    def finish(self) -> Path:
        final = self.releases / self.release_id
        try:
            _fsync_dir(self.tmp)
            if final.exists():
                shutil.rmtree(self.tmp)
            else:
                os.rename(self.tmp, final)
                _fsync_dir(self.releases)
            _point(self.dist, final)
        except OSError as exc:
            raise PublishError(f"could not publish to {self.dist}: {exc}") from exc
        _prune(self.releases, keep={final.name})
        _prune_links(self.dist)
        return final

    def abandon(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _releases_by_age(releases: Path) -> Iterator[Path]:
    entries = [p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")]
    yield from sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)


def _prune(releases: Path, keep: set[str]) -> None:
    """Keep the newest few releases, and any a process still reads (``releasestore.hold``:
    a server or query worker reads its store's files as it goes)."""
    for i, path in enumerate(_releases_by_age(releases)):
        if i >= KEEP_RELEASES and path.name not in keep and not in_use(path):
            shutil.rmtree(path, ignore_errors=True)  # (a release a server still reads stays)
    for tmp in releases.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _prune_links(dist: Path) -> None:
    """Remove the temporary links of builds that were killed before they swapped theirs in."""
    for link in dist.parent.glob(f".{dist.name}.link-*"):
        pid = link.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            link.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
