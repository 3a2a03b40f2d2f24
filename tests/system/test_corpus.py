"""The bad-input corpus (``tests/corpus/``): every broken record file fails ``twinned
build`` cleanly — exit status 2, every problem listed as ``file:line: field: message``,
exactly the lines of its ``.expected`` file — and leaves the last good publication
untouched (the ``dist`` link and every byte under ``.dist/``).

Each case starts from ``corpus/base/data`` (small and valid, built once):

- ``cities/<case>.yaml`` replaces ``data/cities/kosice.yaml`` as ``data/cities/<case>.yaml``;
- ``places/<case>.yaml`` replaces ``data/places.yaml``;
- ``projects/<case>/`` is laid over the project (several files), and its ``remove`` file
  lists paths to delete first;
- a case stored as ``<name>.yaml.gz`` (huge documents) is installed decompressed.

After a deliberate change of the messages, rewrite the ``.expected`` files with
``python -m tests.system.test_corpus --update`` and review the diff.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import CORPUS, ROOT
from twinned.cli import main

pytestmark = pytest.mark.slow  # sixty broken projects, each built

HEADER = "twinned: {n} problem(s) in the input; nothing was published:"


@dataclass(frozen=True)
class Case:
    kind: str  # cities | places | projects
    source: Path

    @property
    def name(self) -> str:
        return self.source.name.removesuffix(".gz").removesuffix(".yaml")

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def expected(self) -> Path:
        return self.source.parent / f"{self.name}.expected"

    def content(self) -> bytes:
        data = self.source.read_bytes()
        return gzip.decompress(data) if self.source.suffix == ".gz" else data

    def install(self, project: Path) -> None:
        data = project / "data"
        if self.kind == "cities":
            (data / "cities" / "kosice.yaml").unlink()
            (data / "cities" / f"{self.name}.yaml").write_bytes(self.content())
        elif self.kind == "places":
            (data / "places.yaml").write_bytes(self.content())
        else:
            remove = self.source / "remove"
            for line in remove.read_text("utf-8").split() if remove.exists() else ():
                (project / line).unlink()
            overlay = self.source / "data"
            if overlay.exists():
                shutil.copytree(overlay, data, dirs_exist_ok=True)


def cases() -> list[Case]:
    out = []
    for kind in ("cities", "places"):
        out += [Case(kind, p) for p in sorted((CORPUS / kind).iterdir())
                if p.name.endswith((".yaml", ".yaml.gz"))]
    out += [Case("projects", p) for p in sorted((CORPUS / "projects").iterdir()) if p.is_dir()]
    return out


def make_base(target: Path) -> Path:
    """The base project: the repository's ontology, shapes and queries, the corpus's data."""
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copytree(CORPUS / "base" / "data", target / "data")
    shutil.copy(ROOT / "twinned.toml", target / "twinned.toml")
    return target


def build(project: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", "--project", str(project), "-q"])
    return code, out.getvalue(), err.getvalue()


def problem_lines(stderr: str) -> list[str]:
    return [line[2:] for line in stderr.splitlines() if line.startswith("  ")]


def snapshot(project: Path) -> tuple[str, dict[str, str]]:
    """Where dist points, and every entry under .dist/ with the hash of its bytes."""
    entries = {}
    for path in sorted((project / ".dist").rglob("*")):
        key = str(path.relative_to(project))
        entries[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return os.readlink(project / "dist"), entries


# -- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base project, built once: the last good publication."""
    base = make_base(tmp_path_factory.mktemp("corpus") / "base")
    code, _out, err = build(base)
    assert code == 0, err
    return base


def test_the_corpus_is_large_and_every_case_has_its_expected_errors() -> None:
    all_cases = cases()
    assert len(all_cases) >= 40
    for case in all_cases:
        assert case.expected.exists(), f"{case.id} has no {case.expected.name}"
        assert case.expected.read_text("utf-8").strip(), f"{case.expected.name} is empty"


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_bad_input_fails_cleanly_and_leaves_dist_alone(case: Case, published: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(published, project, symlinks=True)
    before = snapshot(project)
    case.install(project)
    code, out, err = build(project)
    expected = case.expected.read_text("utf-8").splitlines()
    assert code == 2, err
    assert out == ""
    assert err.splitlines()[0] == HEADER.format(n=len(expected))
    assert problem_lines(err) == expected
    assert "Traceback" not in err
    assert snapshot(project) == before


@pytest.mark.parametrize("name", ["cities/yaml-billion-laughs.yaml", "cities/not-utf8-latin2.yaml",
                                  "cities/future-dates.yaml"])
def test_the_console_script_exits_2(name: str, published: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(published, project, symlinks=True)
    before = snapshot(project)
    case = Case(name.split("/")[0], CORPUS / name)
    case.install(project)
    run = subprocess.run([sys.executable, "-m", "twinned.cli", "build", "--project", str(project)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert problem_lines(run.stderr) == case.expected.read_text("utf-8").splitlines()
    assert snapshot(project) == before


# -- rewriting the expectations ---------------------------------------------------------------------


def update(workdir: Path) -> None:
    base = make_base(workdir / "base")
    assert build(base)[0] == 0
    for case in cases():
        project = workdir / case.id.replace("/", "-")
        shutil.copytree(base, project, symlinks=True)
        case.install(project)
        code, _out, err = build(project)
        lines = problem_lines(err)
        if code != 2 or not lines:
            print(f"{case.id}: exit {code}, not a clean input error:\n{err}", file=sys.stderr)
            continue
        case.expected.write_text("\n".join(lines) + "\n", "utf-8")
        print(f"{case.id}: {len(lines)} problem(s)")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.system.test_corpus --update")
    with tempfile.TemporaryDirectory() as tmp:
        update(Path(tmp))
