"""Publishing (twinned.build.publishing): a release is written beside the last, named by
its content, and swapped in by one rename of the ``dist`` link; nothing shows before
``finish``; old releases are pruned; a plain ``dist`` directory is never touched."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from twinned.build import publishing as pub
from twinned.errors import PublishError


def release(dist: Path, files: dict[str, bytes], gzipped: tuple[str, ...] = ()) -> Path:
    writer = pub.ReleaseWriter(dist)
    for name, data in files.items():
        if name in gzipped:
            writer.stream(name, [data[:3], data[3:]], gzip_level=6)
        else:
            writer.write(name, data)
    return writer.finish()


def test_dist_points_at_a_release_named_by_its_content(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    assert pub.current_release(dist) is None
    first = release(dist, {"a.txt": b"one", "dump.nt": b"<a> <b> <c> .\n"}, gzipped=("dump.nt",))
    assert dist.is_symlink() and pub.current_release(dist) == first
    assert first.parent == tmp_path / pub.RELEASES and not os.path.isabs(os.readlink(dist))
    assert (dist / "a.txt").read_bytes() == b"one"
    assert gzip.decompress((dist / "dump.nt.gz").read_bytes()) == b"<a> <b> <c> .\n"
    again = release(dist, {"dump.nt": b"<a> <b> <c> .\n", "a.txt": b"one"}, gzipped=("dump.nt",))
    assert again == first  # the same files, in any order, are the same release
    other = release(dist, {"a.txt": b"two"})
    assert other != first and pub.current_release(dist) == other and first.exists()
    assert not list((tmp_path / pub.RELEASES).glob(".tmp-*"))  # nothing left behind
    assert not list(tmp_path.glob(".dist.link-*"))


def test_digests_and_sizes_are_of_the_bytes_written(tmp_path: Path) -> None:
    writer = pub.ReleaseWriter(tmp_path / "dist")
    writer.stream("big.nt", [b"x" * 1000, b"y" * 24], gzip_level=1)
    assert writer.sizes["big.nt"] == 1024
    assert writer.digests["big.nt"] == hashlib.sha256(b"x" * 1000 + b"y" * 24).hexdigest()
    packed = writer.path("big.nt.gz").read_bytes()
    assert writer.sizes["big.nt.gz"] == len(packed)
    assert writer.digests["big.nt.gz"] == hashlib.sha256(packed).hexdigest()
    writer.abandon()
    assert not writer.tmp.exists()


def test_nothing_shows_before_finish_and_an_abandoned_release_leaves_dist_alone(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    first = release(dist, {"a.txt": b"one"})
    writer = pub.ReleaseWriter(dist)
    writer.write("a.txt", b"two")
    assert (dist / "a.txt").read_bytes() == b"one"
    writer.abandon()
    assert pub.current_release(dist) == first and (dist / "a.txt").read_bytes() == b"one"


def test_adopt_takes_a_file_another_writer_wrote(tmp_path: Path) -> None:
    writer = pub.ReleaseWriter(tmp_path / "dist")
    writer.path("store.bin").write_bytes(b"\x00\x01" * 10)
    writer.adopt("store.bin", gzip_level=9)
    assert writer.sizes["store.bin"] == 20
    assert writer.digests["store.bin"] == hashlib.sha256(b"\x00\x01" * 10).hexdigest()
    final = writer.finish()
    assert sorted(p.name for p in final.iterdir()) == ["store.bin", "store.bin.gz"]
    assert gzip.decompress((final / "store.bin.gz").read_bytes()) == b"\x00\x01" * 10


def test_old_releases_are_pruned_the_newest_kept(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    made = []
    for i in range(pub.KEEP_RELEASES + 2):
        made.append(release(dist, {"n.txt": str(i).encode()}))
        os.utime(made[-1], (time.time() - 100 + i, time.time() - 100 + i))
    kept = sorted(p for p in (tmp_path / pub.RELEASES).iterdir())
    assert pub.current_release(dist) == made[-1]
    assert kept == sorted(made[-pub.KEEP_RELEASES:])


def test_a_killed_builds_leftovers_are_cleared(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    release(dist, {"a.txt": b"one"})
    dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    leftover = tmp_path / pub.RELEASES / f".tmp-build-{dead}"
    leftover.mkdir()
    os.symlink("nowhere", tmp_path / f".dist.link-{dead}")
    release(dist, {"a.txt": b"two"})
    assert not leftover.exists()
    assert not (tmp_path / f".dist.link-{dead}").is_symlink()


def test_a_plain_dist_directory_is_refused_and_kept(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("mine", "utf-8")
    with pytest.raises(PublishError, match="is a plain directory"):
        pub.ReleaseWriter(dist)
    assert (dist / "index.html").read_text("utf-8") == "mine"


def test_sorted_ntriples_is_canonical() -> None:
    g = Graph()
    g.add((URIRef("https://example.org/b"), URIRef("https://example.org/p"), Literal("2")))
    g.add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("1")))
    out = pub.sorted_ntriples(g)
    assert out == (b'<https://example.org/a> <https://example.org/p> "1" .\n'
                   b'<https://example.org/b> <https://example.org/p> "2" .\n')
    assert pub.sorted_ntriples(Graph()) == b"\n"
