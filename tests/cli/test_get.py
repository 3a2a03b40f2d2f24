"""``twinned get PATH``: one request answered in-process by the app ``serve`` runs; the
command is run as a user runs it (a real process), its bytes compared with the app's."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twinned.config import Settings
from twinned.store.release import LoadedRelease
from twinned.web.server import site_app

BASE = "https://w3id.org/twinned/"


def twinned_get(project: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "twinned.cli", "get", *args, "--project", str(project), "-q"],
                          capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def client(built: Settings, release: LoadedRelease) -> Iterator[TestClient]:
    with TestClient(site_app(built, release, query_workers=1)) as c:
        yield c


def test_turtle_of_a_resource_is_what_the_server_sends(built: Settings, client: TestClient) -> None:
    done = twinned_get(built.project_dir, "/place/kosice", "--accept", "text/turtle")
    assert done.returncode == 0, done.stderr
    triples = list(ox.parse(done.stdout, format=ox.RdfFormat.TURTLE))
    kosice = ox.NamedNode(BASE + "place/kosice")
    assert any(t.subject == kosice for t in triples)
    assert done.stdout == client.get("/place/kosice", headers={"accept": "text/turtle"}).content
    assert done.stderr == b""


@pytest.mark.slow  # (a process each: the developer run keeps the Turtle and 404 ones)
def test_the_home_page_as_html(built: Settings) -> None:
    done = twinned_get(built.project_dir, "/", "--accept", "text/html")
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Twin towns and sister cities" in page  # the title of twinned.toml


@pytest.mark.slow  # (a process each: the developer run keeps the Turtle and 404 ones)
def test_a_canned_query_as_csv(built: Settings) -> None:
    done = twinned_get(built.project_dir, "/queries/partners.csv?city=Q25409")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"))))
    assert rows and {r["city"] for r in rows} == {"http://www.wikidata.org/entity/Q25409"}
    assert "Budapest" in {r["partnerLabel"] for r in rows}


@pytest.mark.slow  # (a process each: the developer run keeps the Turtle and 404 ones)
def test_a_sparql_query_runs_in_its_worker(built: Settings) -> None:
    done = twinned_get(built.project_dir, "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
                       "--accept", "application/sparql-results+json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["boolean"] is True


def test_not_found_exits_1_and_says_the_status(built: Settings) -> None:
    done = twinned_get(built.project_dir, "/place/nowhere-at-all")
    assert done.returncode == 1
    assert b"404 Not Found" in done.stderr and b"/place/nowhere-at-all" in done.stderr
    assert json.loads(done.stdout)["error"]["status"] == 404  # the body is printed all the same


@pytest.mark.slow  # (a process each: the developer run keeps the Turtle and 404 ones)
def test_a_redirect_exits_0_and_names_its_location(built: Settings, client: TestClient) -> None:
    answer = client.get("/.well-known/void", follow_redirects=False)
    assert 300 <= answer.status_code < 400  # (VoID's well-known address: 303 to the dataset)
    done = twinned_get(built.project_dir, "/.well-known/void")
    assert done.returncode == 0, done.stderr
    assert f"{answer.status_code}".encode() in done.stderr
    assert answer.headers["location"].encode() in done.stderr


def test_a_path_must_start_with_a_slash(built: Settings) -> None:
    done = twinned_get(built.project_dir, "place/kosice")
    assert done.returncode == 2
    assert b"PATH" in done.stderr and done.stdout == b""


@pytest.mark.slow  # (a process each: the developer run keeps the Turtle and 404 ones)
def test_a_missing_release_is_built_first(project: Path) -> None:
    assert not (project / "dist").exists()
    done = twinned_get(project, "/place/kaunas", "--accept", "application/n-triples")
    assert done.returncode == 0, done.stderr
    assert f"<{BASE}place/kaunas>".encode() in done.stdout
    assert (project / "dist" / "build-info.json").is_file()
