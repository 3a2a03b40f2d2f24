"""`twinned wikidata-diff` (wikidata.py, wikidata_client.py): the comparison with the
offline P190 extract (checked against lists computed here from the TSV and YAML files),
with a real Oxigraph server holding a Wikidata-shaped fixture (through SPARQLWrapper),
the endpoint's failures, the QuickStatements export, and the published pages
(wikidata_api.py).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from tests.support.paths import ROOT
from tests.support.wikidata_servers import Answer, closed_port_url, oxigraph_endpoint, stub_endpoint
from twinned import __version__
from twinned.cli import main
from twinned.config import Settings
from twinned.http import retry_after
from twinned.records.dates import PartialDate
from twinned.records.qualified import quickstatements_time
from twinned.store.release import load_release
from twinned.web.server import create_app
from twinned.web.wikidata_api import routes
from twinned.wikidata import client as wc
from twinned.wikidata import compare as wd
from twinned.wikidata.view import WikidataTime

EXTRACT = ROOT.parent / "shared" / "data" / "wikidata-twin-cities"
BASE = "https://w3id.org/twinned/"
KOSICE, KAUNAS = "Q25409", "Q4115712"


@pytest.fixture(autouse=True)
def no_real_wikidata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a test forget --endpoint, it fails on loopback instead of calling Wikidata."""
    closed = closed_port_url()
    monkeypatch.setattr(wc, "WIKIDATA_SPARQL", closed)
    monkeypatch.setattr("twinned.cli.wikidata.WIKIDATA_SPARQL", closed)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def findings(doc: dict[str, Any], city: str, check: str) -> list[dict[str, Any]]:
    entry = next(c for c in doc["cities"] if c["city"] == city)
    found: list[dict[str, Any]] = entry["findings"][check]
    return found


def qids(doc: dict[str, Any], city: str, check: str) -> set[str]:
    return {f["qid"] for f in findings(doc, city, check)}


# -- the offline extract, checked against the files themselves ------------------------------------------


def extract_partners(qid: str) -> set[str]:
    with (EXTRACT / "links.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {r["target"] for r in rows if r["source"] == qid} | {r["source"] for r in rows if r["target"] == qid}


def extract_nodes() -> set[str]:
    with (EXTRACT / "nodes.tsv").open(encoding="utf-8", newline="") as f:
        return {r["id"] for r in csv.DictReader(f, delimiter="\t")}


def recorded_partners(city: str) -> tuple[set[str], set[str]]:
    """The QIDs of the city's partners in data/, and the keys of those without a QID."""
    places = yaml.safe_load((ROOT / "data" / "places.yaml").read_text("utf-8"))["places"]
    with_qid, without = set(), set()
    for path in sorted((ROOT / "data" / "cities").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for p in doc.get("partnerships", []):
            if city not in (doc["city"], p["partner"]):
                continue
            other = p["partner"] if doc["city"] == city else doc["city"]
            if "wikidata" in places[other]:
                with_qid.add(places[other]["wikidata"])
            else:
                without.add(other)
    return with_qid, without


def offline_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(EXTRACT),
                         "--format", "json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.mark.parametrize(("city", "qid"), [("kosice", KOSICE), ("kaunas", KAUNAS)])
def test_offline_lists_match_the_files(capsys: pytest.CaptureFixture[str], city: str, qid: str) -> None:
    doc = offline_json(capsys)
    ours, unresolved = recorded_partners(city)
    theirs = extract_partners(qid)
    assert qids(doc, city, "only-in-wikidata") == theirs - ours
    assert qids(doc, city, "missing-in-wikidata") == ours - theirs
    assert {f["key"] for f in findings(doc, city, "no-wikidata-item")} == unresolved
    entry = next(c for c in doc["cities"] if c["city"] == city)
    assert entry["wikidata_partners"] == len(theirs) and entry["in_both"] == len(theirs & ours)
    # the checks the extract cannot make are said, not silently passed
    for check in ("start-date", "non-reciprocal", "different-kind"):
        assert entry["findings"][check] == []
    assert any(n.startswith("start dates") for n in entry["not_checked"])
    assert any(n.startswith("reciprocity") for n in entry["not_checked"])
    assert any(n.startswith("kinds of item") for n in entry["not_checked"])


def test_offline_names_the_partners_wikidata_has(capsys: pytest.CaptureFixture[str]) -> None:
    doc = offline_json(capsys)
    # Kryvyi Rih, Buenos Aires, Lyon, Oradea, Aksaray, Paphos; Addis Ababa, Tyumen
    assert qids(doc, "kosice", "only-in-wikidata") == {"Q157137", "Q1486", "Q456", "Q93358", "Q182025", "Q180918"}
    assert qids(doc, "kaunas", "only-in-wikidata") == {"Q3624", "Q5815"}
    names = {f["partner"] for f in findings(doc, "kaunas", "only-in-wikidata")}
    assert names == {"Addis Ababa", "Tyumen"}


def test_offline_says_why_a_partner_is_absent(capsys: pytest.CaptureFixture[str]) -> None:
    doc = offline_json(capsys)
    vestfold = next(f for f in findings(doc, "kaunas", "missing-in-wikidata") if f["key"] == "vestfold")
    assert "not in the extract" in vestfold["detail"] and "county" in vestfold["detail"]
    riga = next(f for f in findings(doc, "kaunas", "missing-in-wikidata") if f["key"] == "riga")
    assert riga["detail"] is None and riga["ours"] == "2013-01-25"


def test_offline_one_city_csv_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(EXTRACT),
                       "--city", "Q25409", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["city"] for r in rows} == {"kosice"}
    assert {r["partner_qid"] for r in rows if r["check"] == "only-in-wikidata"} == extract_partners(KOSICE) - \
        recorded_partners("kosice")[0]
    code, out, _ = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(EXTRACT),
                       "--city", "kaunas")
    assert code == 0
    assert "Kaunas (kaunas, Q4115712)" in out and "Košice" not in out
    assert "Addis Ababa  Q3624" in out and "Not checked with this source: start dates" in out


def test_unknown_city_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(EXTRACT),
                         "--city", "ostrava")
    assert code == 2 and out == ""
    assert "a publishing city (kaunas, kosice)" in err


def test_missing_extract_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(tmp_path))
    assert code == 2 and out == ""
    assert "nodes.tsv" in err


def test_offline_quickstatements_only_for_pairs_in_the_extract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "wikidata-diff", "--project", str(ROOT), "--offline", str(EXTRACT),
                       "--quickstatements")
    assert code == 0
    commands = [parse_quickstatement(line) for line in out.splitlines()]
    nodes = extract_nodes()
    expected = set()
    for city, qid in (("kosice", KOSICE), ("kaunas", KAUNAS)):
        for partner in (recorded_partners(city)[0] - extract_partners(qid)) & nodes:
            expected |= {(qid, partner), (partner, qid)}
    assert {(c["item"], c["value"]) for c in commands} == expected


# -- QuickStatements ------------------------------------------------------------------------------------

QID = re.compile(r"^Q[1-9][0-9]*$")
TIME = re.compile(r"^\+(\d{4})-(\d{2})-(\d{2})T00:00:00Z/(9|10|11)$")
URL = re.compile(r'^"(https?://[^"\s]+)"$')


def parse_quickstatement(line: str) -> dict[str, Any]:
    """A V1 command adding an item statement: ITEM TAB PROPERTY TAB VALUE, then qualifier pairs
    (Pnnn TAB value) and source pairs (Snnn TAB value), all tab-separated."""
    cells = line.split("\t")
    assert len(cells) >= 3 and len(cells) % 2 == 1, line
    item, prop, value = cells[:3]
    assert QID.match(item) and prop == "P190" and QID.match(value), line
    qualifiers, sources = {}, {}
    for name, val in zip(cells[3::2], cells[4::2], strict=True):
        if name.startswith("P"):
            assert name == "P580" and TIME.match(val), line
            qualifiers[name] = val
        else:
            assert name == "S854" and URL.match(val), line
            sources[name] = val[1:-1]
    assert "S854" in sources, line
    return {"item": item, "value": value, "qualifiers": qualifiers, "url": sources["S854"]}


@pytest.mark.parametrize(("date", "text"), [
    (PartialDate(1991, 4, 12), "+1991-04-12T00:00:00Z/11"),
    (PartialDate(1992, 1), "+1992-01-00T00:00:00Z/10"),
    (PartialDate(1996), "+1996-00-00T00:00:00Z/9"),
])
def test_quickstatements_time_keeps_the_precision(date: PartialDate, text: str) -> None:
    assert quickstatements_time(date) == text


@pytest.mark.parametrize(("ours", "value", "precision", "agree"), [
    (PartialDate(1991, 4, 12), "1991-04-12T00:00:00Z", 11, True),
    (PartialDate(1991, 4, 12), "1992-03-20T00:00:00Z", 11, False),
    (PartialDate(1987, 6, 28), "1987-01-01T00:00:00Z", 9, True),       # Wikidata knows the year only
    (PartialDate(2013, 1, 25), "2013-01-01T00:00:00Z", 10, True),
    (PartialDate(2013, 2, 25), "2013-01-01T00:00:00Z", 10, False),
    (PartialDate(1996), "1996-05-01T00:00:00Z", 11, True),             # we know the year only
    (PartialDate(1993, 5, 4), "1990-01-01T00:00:00Z", 8, True),         # the 1990s
])
def test_dates_agree_at_the_coarser_precision(ours: PartialDate, value: str, precision: int, agree: bool) -> None:
    assert wd.agrees(ours, WikidataTime(value, precision)) is agree


# -- a real SPARQL endpoint: Oxigraph with a Wikidata-shaped fixture ------------------------------------


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_endpoint(tmp_path_factory.mktemp("wikidata")) as url:
        yield url


@pytest.fixture(scope="module")
def online(endpoint: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["wikidata-diff", "--project", str(ROOT), "--endpoint", endpoint, "--format", "json"])
    assert code == 0
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def test_online_source(online: dict[str, Any], endpoint: str) -> None:
    assert online["source"] == {"kind": "endpoint", "location": endpoint}
    assert all(c["not_checked"] == [] for c in online["cities"])


def test_online_missing_and_only_in_wikidata(online: dict[str, Any]) -> None:
    ours, _ = recorded_partners("kosice")
    assert qids(online, "kosice", "missing-in-wikidata") == ours - {"Q2107", "Q79875", "Q622592", "Q2028"}
    # Lyon's statement has deprecated rank: not a partner
    assert qids(online, "kosice", "only-in-wikidata") == {"Q157137"}
    kryvyi_rih = findings(online, "kosice", "only-in-wikidata")[0]
    assert kryvyi_rih["partner"] == "Kryvyi Rih" and "ended 2014-03-01" in kryvyi_rih["detail"]
    assert qids(online, "kaunas", "only-in-wikidata") == {"Q3624", "Q4120832", "Q499410"}
    municipality = next(f for f in findings(online, "kaunas", "only-in-wikidata") if f["qid"] == "Q499410")
    assert "our partner Linköping (Q25413)" in municipality["detail"]


def test_online_start_dates(online: dict[str, Any]) -> None:
    [mobile] = findings(online, "kosice", "start-date")
    assert (mobile["qid"], mobile["ours"], mobile["wikidata"]) == ("Q79875", "1991-04-12", "1992-03-20")
    [tartu] = findings(online, "kaunas", "start-date")  # Riga (2013-01 at month precision) agrees
    assert (tartu["qid"], tartu["ours"], tartu["wikidata"]) == ("Q13972", "1993-05-04", "1994")


def test_online_non_reciprocal(online: dict[str, Any]) -> None:
    found = {f["qid"]: f for f in findings(online, "kosice", "non-reciprocal")}
    assert set(found) == {"Q622592", "Q2028"}
    assert found["Q622592"]["wikidata"] == "Košice → Raahe" and found["Q622592"]["ours"] == "recorded"
    assert found["Q2028"]["wikidata"] == "Verona → Košice"
    assert qids(online, "kaunas", "non-reciprocal") == {"Q3624", "Q4120832"}


def test_online_different_kind(online: dict[str, Any]) -> None:
    assert findings(online, "kosice", "different-kind") == []
    found = {f["qid"]: f for f in findings(online, "kaunas", "different-kind")}
    assert set(found) == {"Q499410", "Q4120832"}  # Vestfold (county) and Lviv Oblast (region) fit
    assert found["Q499410"]["wikidata"].startswith("municipality (instance of: municipality of Sweden)")
    assert "historic" in found["Q4120832"]["detail"]


def test_online_quickstatements(capsys: pytest.CaptureFixture[str], endpoint: str) -> None:
    code, out, _ = run(capsys, "wikidata-diff", "--project", str(ROOT), "--endpoint", endpoint,
                       "--quickstatements", "--base-uri", "https://example.org/tw/")
    assert code == 0 and out.endswith("\n")
    commands = [parse_quickstatement(line) for line in out.splitlines()]
    pairs = {(c["item"], c["value"]): c for c in commands}
    assert len(pairs) == len(commands)
    assert (KOSICE, "Q1781") in pairs and ("Q1781", KOSICE) in pairs          # Budapest: both directions
    assert ("Q622592", KOSICE) in pairs and (KOSICE, "Q622592") not in pairs  # Raahe states it, not back
    assert (KOSICE, "Q2028") in pairs and ("Q2028", KOSICE) not in pairs      # Verona: the other way
    assert not {(KOSICE, "Q2107"), ("Q2107", KOSICE), (KOSICE, "Q79875")} & set(pairs)  # already there
    assert not any("Q305749" in (c["item"], c["value"]) for c in commands)   # unresolved: nothing
    budapest = pairs[(KOSICE, "Q1781")]
    assert budapest["qualifiers"] == {"P580": "+1997-05-09T00:00:00Z/11"}
    assert budapest["url"] == "https://example.org/tw/partnership/budapest--kosice"
    assert pairs[(KAUNAS, "Q25413")]["qualifiers"]["P580"] == "+1992-01-00T00:00:00Z/10"
    assert pairs[(KAUNAS, "Q640453")]["qualifiers"]["P580"] == "+2012-00-00T00:00:00Z/9"
    assert pairs[(KAUNAS, "Q13362")]["qualifiers"] == {}  # Ferrara: the source gives no date


# -- the client: User-Agent, batches, failures ----------------------------------------------------------


def test_user_agent_names_twinned_and_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_endpoint(Answer()) as stub:
        code, out, _ = run(capsys, "wikidata-diff", "--project", str(ROOT), "--endpoint", stub.url,
                           "--city", "kosice", "--format", "csv")
    assert code == 0 and out.startswith("city,city_qid,check")
    agents = {s.headers["user-agent"] for s in stub.seen}
    [agent] = agents
    assert agent.startswith(f"twinned/{__version__} (") and "httpx/" in agent
    assert all("VALUES ?item" in s.query for s in stub.seen)


def test_qids_are_sent_in_batches_of_50() -> None:
    with stub_endpoint(Answer()) as stub:
        wc.Endpoint(stub.url).select_batched("SELECT * WHERE {{ VALUES ?item {{ {items} }} }}",
                                             [f"Q{n}" for n in range(1, 121)])
    sizes = [len(re.findall(r"wd:Q\d+", s.query)) for s in stub.seen]
    assert sizes == [50, 50, 20]


def fails(capsys: pytest.CaptureFixture[str], url: str, *more: str) -> str:
    code, out, err = run(capsys, "wikidata-diff", "--project", str(ROOT), "--endpoint", url, *more)
    assert code == 2
    assert out == ""  # no partial output
    assert err.startswith("twinned: the SPARQL endpoint ") and "nothing was written" in err
    assert "Traceback" not in err
    return err


def test_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert "cannot connect" in fails(capsys, closed_port_url(), "--retries", "0")


@pytest.mark.parametrize(("status", "said"), [(429, "HTTP 429"), (500, "HTTP 500"), (503, "HTTP 503")])
def test_http_errors(capsys: pytest.CaptureFixture[str], status: int, said: str) -> None:
    with stub_endpoint(Answer(status, b"busy", (("Retry-After", "0"),))) as stub:
        err = fails(capsys, stub.url, "--retries", "1", "--format", "json")
    assert said in err and "after 2 attempts" in err
    assert len(stub.seen) == 2


def test_failure_after_a_first_good_answer_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_endpoint(Answer(), Answer(500, b"oops")) as stub:
        fails(capsys, stub.url, "--retries", "0", "--quickstatements")
    assert len(stub.seen) == 2


def test_a_refusal_is_not_retried(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_endpoint(Answer(403, b"no")) as stub:
        assert "HTTP 403" in fails(capsys, stub.url)
    assert len(stub.seen) == 1


def test_not_sparql_json(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_endpoint(Answer(200, b"<html>maintenance</html>", (("Content-Type", "text/html"),))) as stub:
        assert "did not answer SPARQL JSON" in fails(capsys, stub.url)


def test_retries_back_off_and_honour_retry_after() -> None:
    waits: list[float] = []
    good = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "uri", "value": "http://www.wikidata.org/entity/Q1"}}]}}).encode()
    with stub_endpoint(Answer(429, b"", (("Retry-After", "7"),)), Answer(503, b""), Answer(200, good)) as stub:
        rows = wc.Endpoint(stub.url, sleep=waits.append).select("SELECT ?x WHERE {}")
    assert rows == [{"x": wc.Term("http://www.wikidata.org/entity/Q1", "uri")}]
    assert waits == [7.0, 2.0]  # Retry-After first, then the backoff of the second retry


def test_retries_are_bounded() -> None:
    waits: list[float] = []
    with stub_endpoint(Answer(502, b"")) as stub:
        with pytest.raises(wc.EndpointError, match="after 4 attempts: HTTP 502"):
            wc.Endpoint(stub.url, sleep=waits.append).select("SELECT * WHERE {}")
    assert waits == [1.0, 2.0, 4.0] and len(stub.seen) == 4


def test_a_long_retry_after_gives_up_at_once() -> None:
    with stub_endpoint(Answer(429, b"", (("Retry-After", "3600"),))) as stub:
        with pytest.raises(wc.EndpointError, match="Retry-After"):
            wc.Endpoint(stub.url, sleep=lambda _s: None).select("SELECT * WHERE {}")
    assert len(stub.seen) == 1


def test_retry_after_as_a_date() -> None:
    assert retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=lambda: 1445412500.0) == 10.0
    assert retry_after("120") == 120.0
    assert retry_after("soon") is None and retry_after(None) is None


# -- the published pages --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    release = load_release(built.output_dir.resolve())
    app = create_app(built, release, routes(built, release, EXTRACT), query_workers=1)
    with TestClient(app) as c:
        yield c


def test_page_of_a_city(client: TestClient) -> None:
    response = client.get("/wikidata-diff/kosice", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-location"] == "/wikidata-diff/kosice.html"
    page = response.text
    assert "Košice compared with Wikidata" in page and "Kryvyi Rih" in page
    assert 'href="https://www.wikidata.org/wiki/Q157137"' in page and 'href="/place/raahe"' in page
    assert "Not checked with this source" in page and "/wikidata-diff/kosice/quickstatements" in page


def test_page_data_is_the_cli_comparison(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    doc = client.get("/wikidata-diff/kaunas.json").json()
    cli = offline_json(capsys)
    assert doc["cities"] == [c for c in cli["cities"] if c["city"] == "kaunas"]
    assert doc["source"]["kind"] == "offline" and "/" not in doc["source"]["location"]  # no local paths
    negotiated = client.get("/wikidata-diff/kaunas", headers={"Accept": "application/json"})
    assert negotiated.json() == doc and "Accept" in negotiated.headers["vary"]
    rows = list(csv.DictReader(io.StringIO(client.get("/wikidata-diff/kaunas.csv").text)))
    assert {r["partner_qid"] for r in rows if r["check"] == "only-in-wikidata"} == {"Q3624", "Q5815"}


def test_page_quickstatements_and_index(client: TestClient) -> None:
    text = client.get("/wikidata-diff/kosice/quickstatements")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    commands = [parse_quickstatement(line) for line in text.text.splitlines()]
    assert commands and all(KOSICE in (c["item"], c["value"]) for c in commands)
    index = client.get("/wikidata-diff")
    assert 'href="/wikidata-diff/kosice"' in index.text and 'href="/wikidata-diff/kaunas"' in index.text
    assert {c["city"] for c in client.get("/wikidata-diff.json").json()["cities"]} == {"kosice", "kaunas"}


def test_page_caching_and_errors(client: TestClient) -> None:
    first = client.get("/wikidata-diff/kosice.json")
    again = client.get("/wikidata-diff/kosice.json", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    missing = client.get("/wikidata-diff/ostrava")
    assert missing.status_code == 404 and "not a publishing city" in missing.json()["error"]["detail"]
    assert client.get("/wikidata-diff/kosice", headers={"Accept": "image/png"}).status_code == 406


def test_pages_without_an_extract(built: Settings) -> None:
    release = load_release(built.output_dir.resolve())
    no_extract = dataclasses.replace(built, wikidata_extract=None)  # and none beside the copy
    app = create_app(no_extract, release, routes(no_extract, release), query_workers=1)
    with TestClient(app) as c:
        response = c.get("/wikidata-diff/kosice")
    assert response.status_code == 404 and "not available" in response.json()["error"]["detail"]
