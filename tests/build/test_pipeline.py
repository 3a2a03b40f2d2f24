"""`twinned build`: exit codes, determinism, equivalent dumps, nothing published on failure."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinned.cli import main
from twinned.config import Settings

DUMPS = {"twinned.ttl": ox.RdfFormat.TURTLE, "twinned.nt": ox.RdfFormat.N_TRIPLES,
         "twinned.jsonld": ox.RdfFormat.JSON_LD}


def snapshot(dist: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(dist.iterdir()) if p.is_file()}


def run(project: Path, *args: str) -> int:
    return main(["build", "--project", str(project), "-q", *args])


def test_build_publishes_the_dumps(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project) == 0
    out = capsys.readouterr().out
    assert "50 partnerships" in out and "conforms" in out
    dist = project / "dist"
    for name in ("twinned.ttl", "twinned.nt", "twinned.jsonld", "twinned.ttl.gz", "twinned.nt.gz",
                 "twinned.jsonld.gz", "context.jsonld", "ontology.ttl", "shapes.ttl",
                 "validation-report.ttl", "validation-report.txt", "build-info.json"):
        assert (dist / name).is_file(), name
    for name in DUMPS:
        assert gzip.decompress((dist / f"{name}.gz").read_bytes()) == (dist / name).read_bytes()


def test_dumps_hold_the_same_graph(built: Settings) -> None:
    dist = built.output_dir
    graphs = {}
    for name, fmt in DUMPS.items():
        triples = {q.triple for q in ox.parse(path=str(dist / name), format=fmt)}
        assert not any(isinstance(t, ox.BlankNode) for tr in triples for t in (tr.subject, tr.object))
        graphs[name] = triples
    assert graphs["twinned.ttl"] == graphs["twinned.nt"] == graphs["twinned.jsonld"]
    assert len(graphs["twinned.nt"]) > 4000
    # rdflib reads the JSON-LD (with its inline @context and @base) to the same triples too
    from rdflib import Graph

    g = Graph().parse(dist / "twinned.jsonld", format="json-ld")
    nt = Graph().parse(dist / "twinned.nt", format="nt")
    assert set(g) == set(nt)


def test_two_builds_are_byte_identical(project: Path, tmp_path: Path) -> None:
    assert run(project) == 0
    first = snapshot(project / "dist")
    other = tmp_path / "elsewhere" / "dist"
    assert run(project, "--dist", str(other)) == 0
    assert snapshot(other) == first


def test_input_errors_exit_2_and_leave_dist_untouched(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project) == 0
    dist = project / "dist"
    before, target = snapshot(dist), dist.resolve()
    city = project / "data" / "cities" / "kosice.yaml"
    text = city.read_text("utf-8")
    text = text.replace("date: 1980-05-22", "date: 1980-02-31", 1).replace("partner: raahe", "partner: rahe", 1)
    city.write_text(text.replace("title: Partnership Agreement",
                                 "title: Partnership Agreement\n        colour: red", 1), "utf-8")
    capsys.readouterr()
    assert run(project) == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err and "nothing was published" in err
    assert "data/cities/kosice.yaml:" in err and "a real calendar day" in err and "'rahe'" in err and "colour" in err
    assert dist.resolve() == target and snapshot(dist) == before


def test_non_conforming_graph_exits_1_and_publishes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project) == 0
    before = snapshot(project / "dist")
    # the loader refuses what the shapes would (future dates too), so tighten the shapes
    (project / "shapes" / "stricter.ttl").write_text(STRICTER, "utf-8")
    capsys.readouterr()
    assert run(project) == 1
    err = capsys.readouterr().err
    assert "does not conform" in err and "every partnership has a colour" in err
    assert snapshot(project / "dist") == before


STRICTER = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix tw: <https://w3id.org/twinned/def/> .
<urn:test:ColourShape> a sh:NodeShape ; sh:targetClass tw:Partnership ;
    sh:property [ sh:path tw:colour ; sh:minCount 1 ; sh:message "every partnership has a colour" ] .
"""


def test_a_future_date_is_an_input_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = project / "data" / "cities" / "kosice.yaml"
    city.write_text(city.read_text("utf-8").replace("date: 1991-11-23", "date: 2999-11-23", 1), "utf-8")
    assert run(project) == 2
    assert "date: a date that is not in the future, not '2999-11-23'" in capsys.readouterr().err


def test_a_plain_dist_directory_is_not_overwritten(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "dist").mkdir()
    (project / "dist" / "mine.txt").write_text("keep me")
    assert run(project) == 2
    assert "plain directory" in capsys.readouterr().err
    assert (project / "dist" / "mine.txt").read_text() == "keep me"


@pytest.mark.slow  # a whole build in a subprocess
def test_console_script_runs(project: Path) -> None:
    exe = Path(sys.executable).with_name("twinned")
    proc = subprocess.run([str(exe), "build", "--project", str(project)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Built" in proc.stdout


def test_the_statistics_of_the_dump_lines_are_those_of_its_triples(built: Settings) -> None:
    """The build counts the N-Triples dump's lines without parsing them (stats.from_lines):
    the same numbers as from its parsed triples, and the same subjects."""
    from twinned.build.catalog import EXAMPLES
    from twinned.build.stats import DataStats

    dump = built.output_dir / "twinned.nt"
    keep = [built.base_uri + k for k in EXAMPLES]
    triples = [q.triple for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_TRIPLES)]
    by_lines, named = DataStats.from_lines(dump.read_bytes().splitlines(keepends=True), built.base_uri, keep)
    by_triples = DataStats.from_triples(triples, built.base_uri, keep)
    assert by_lines == by_triples and by_lines.triples == len(triples) > 1000
    assert by_lines.country_codes and by_lines.first_date and by_lines.classes and by_lines.subjects
    assert named == {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
