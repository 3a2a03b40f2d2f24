"""The imported world's folder (twinned.records.world): read with the curated gazetteer,
every problem located by file, line and column, counted, and mapped to N-Triples.

The rows are real ones of the Wikidata twin-city extract (../shared/data/wikidata-twin-cities:
Andorra la Vella Q1863 -- Mexico City Q1489; Kryvyi Rih Q157137 -- Košice Q25409)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.support.paths import ROOT
from twinned.rdf.vocab import load_vocabulary
from twinned.records import world as w
from twinned.records.load import load_records
from twinned.records.model import Records, WorldPlace

BASE = "https://w3id.org/twinned/"
SOURCE = """\
id: wikidata-twin-cities
title: Wikidata twin-city network
url: https://github.com/bothness/twin-cities
publisher: https://www.wikidata.org/
license: http://creativecommons.org/publicdomain/zero/1.0/
files:
  - {name: nodes.tsv}
"""
COUNTRIES = "code\tname\nAD\tAndorra\nMX\tMexico\n"
PLACES = ("key\twikidata\tname\tlat\tlong\tcountry\n"
          "andorra-la-vella\tQ1863\tAndorra la Vella\t42.5\t1.5\tAD\n"
          "mexico-city\tQ1489\tMexico City\t19.419444444\t-99.145555555\tMX\n"
          "kryvyi-rih\tQ157137\tKryvyi Rih\t47.91\t33.39\tUA\n")
PAIRS = "a\tb\nandorra-la-vella\tmexico-city\nkosice\tkryvyi-rih\n"


@pytest.fixture(scope="module")
def curated() -> Records:
    return load_records(ROOT / "data", load_vocabulary(ROOT / "ontology"))


def folder(tmp_path: Path, **files: str) -> Path:
    world = tmp_path / w.WORLD_DIR
    world.mkdir()
    texts = {w.SOURCE_FILE: SOURCE, w.COUNTRIES_FILE: COUNTRIES, w.PLACES_FILE: PLACES, w.PARTNERSHIPS_FILE: PAIRS}
    for name, text in texts.items():
        given = files.get(name.replace(".", "_"), text)
        if given != "-":
            (world / name).write_text(given, "utf-8")
    return world


def problems(tmp_path: Path, curated: Records, **files: str) -> list[str]:
    world, found = w.load_world(folder(tmp_path, **files), curated.gazetteer, "data/world")
    assert world is None
    return [str(p) for p in found]


def test_a_good_folder(tmp_path: Path, curated: Records) -> None:
    world, found = w.load_world(folder(tmp_path), curated.gazetteer, "data/world")
    assert found == [] and world is not None
    assert world.source.id == "wikidata-twin-cities" and world.source.files[0].name == "nodes.tsv"
    assert world.countries == {"AD": "Andorra", "MX": "Mexico"}
    assert world.places["mexico-city"] == WorldPlace("mexico-city", "Q1489", "Mexico City", "19.419444444",
                                                       "-99.145555555", "MX", 3)
    assert world.partnerships == [("andorra-la-vella", "mexico-city"), ("kosice", "kryvyi-rih")]
    assert world.qids() == {"Q1863", "Q1489", "Q157137"}


def test_no_folder_is_no_world(tmp_path: Path, curated: Records) -> None:
    assert w.load_world(tmp_path / "world", curated.gazetteer, "data/world") == (None, [])


def test_missing_files_are_named(tmp_path: Path, curated: Records) -> None:
    assert problems(tmp_path, curated, places_tsv="-", source_yaml="-") == [
        "data/world/source.yaml:0: file: the file (run twinned import-wikidata to write it)",
        "data/world/places.tsv:0: file: the file (run twinned import-wikidata to write it)",
    ]


def test_every_bad_row_is_located(tmp_path: Path, curated: Records) -> None:
    places = PLACES + ("Bad Key\tQ1\tX\t0\t0\tAD\n"
                       "mexico-city\tQ2\tX\t0\t0\tAD\n"
                       "kosice\tQ3\tX\t0\t0\tAD\n"
                       "q-less\tX1\tX\t0\t0\tAD\n"
                       "curated-qid\tQ25409\tX\t0\t0\tAD\n"
                       "again\tQ1489\tX\t0\t0\tAD\n"
                       "far\tQ4\tX\t91\t1e3\tAD\n"
                       "nowhere\tQ5\tX\t0\t0\tZZ\n"
                       "short\tQ6\n")
    assert problems(tmp_path, curated, places_tsv=places, countries_tsv=COUNTRIES + "xx\tLower\nAD\tAgain\n",
                    partnerships_tsv=PAIRS + "mexico-city\tandorra-la-vella\nkosice\tatlantis\n"
                                             "andorra-la-vella\tmexico-city\n") == [
        "data/world/countries.tsv:4: code: a two-letter country code in capitals, not 'xx'",
        "data/world/countries.tsv:5: code: each code once (AD is listed twice)",
        "data/world/places.tsv:5: key: a slug (lowercase letters, digits, single hyphens), not 'Bad Key'",
        "data/world/places.tsv:6: key: a key used once (also in line 3)",
        "data/world/places.tsv:7: key: a key used once (also in places.yaml)",
        "data/world/places.tsv:8: wikidata: a Wikidata QID like Q25409, not 'X1'",
        "data/world/places.tsv:9: wikidata: a QID no curated place has (Q25409 is place kosice in places.yaml; "
        "run twinned import-wikidata again to merge them)",
        "data/world/places.tsv:10: wikidata: a QID used once (also on line 3)",
        "data/world/places.tsv:11: lat: a decimal number from -90 to 90, not '91'",
        "data/world/places.tsv:11: long: a decimal number from -180 to 180, not '1e3'",
        "data/world/places.tsv:12: country: a code listed in countries.tsv or places.yaml, not 'ZZ'",
        "data/world/places.tsv:13: row: 6 tab-separated values, not 2",
        "data/world/partnerships.tsv:4: b: two different keys in sorted order, not 'mexico-city' then "
        "'andorra-la-vella'",
        "data/world/partnerships.tsv:5: b: a key of places.tsv or places.yaml, not 'atlantis'",
        "data/world/partnerships.tsv:6: b: each pair once (andorra-la-vella -- mexico-city is listed twice)",
    ]


def test_a_wrong_header_and_a_bad_source(tmp_path: Path, curated: Records) -> None:
    assert problems(tmp_path, curated, countries_tsv="code,name\nAD,Andorra\n",
                    source_yaml=SOURCE.replace("wikidata-twin-cities", "Wikidata Twins")
                    .replace("https://www.wikidata.org/", "Wikidata")) == [
        "data/world/source.yaml:1: id: a slug, not 'Wikidata Twins'",
        "data/world/source.yaml:4: publisher: an http(s) URL, not 'Wikidata'",
        "data/world/countries.tsv:1: header: the columns code\\tname",
        "data/world/places.tsv:2: country: a code listed in countries.tsv or places.yaml, not 'AD'",
        "data/world/places.tsv:3: country: a code listed in countries.tsv or places.yaml, not 'MX'",
        "data/world/partnerships.tsv:2: a: a key of places.tsv or places.yaml, not 'andorra-la-vella'",
    ]


def test_at_most_so_many_problems_a_file(tmp_path: Path, curated: Records) -> None:
    bad = "code\tname\n" + "x\ty\n" * (w.MAX_PROBLEMS_PER_FILE + 7)
    found = problems(tmp_path, curated, countries_tsv=bad)
    countries = [p for p in found if p.startswith("data/world/countries.tsv")]
    assert len(countries) == w.MAX_PROBLEMS_PER_FILE + 1
    assert countries[-1] == "data/world/countries.tsv:0: file: ... and 7 more problem(s)"


@pytest.mark.parametrize(("text", "lexical"), [("42.5", "42.5"), ("1", "1.0"), ("-99.145555555", "-99.145555555"),
                                                ("+0.00001", "0.00001"), (".5", "0.5")])
def test_decimal_lexical(text: str, lexical: str) -> None:
    assert w.decimal_lexical(text) == lexical


def with_world(tmp_path: Path, curated: Records) -> Records:
    world, found = w.load_world(folder(tmp_path), curated.gazetteer, "data/world")
    assert found == []
    return Records(curated.gazetteer, curated.cities, world)


def test_counts(tmp_path: Path, curated: Records) -> None:
    before = w.counts(curated)
    after = w.counts(with_world(tmp_path, curated))
    assert after["places"] == before["places"] + 3 and after["cities"] == before["cities"] + 3
    assert after["imported_partnerships"] == 2 and before["imported_partnerships"] == 0
    assert after["partnerships"] == before["partnerships"] + 2
    assert after["countries"] == before["countries"] + 2  # AD and MX; UA is curated


def test_the_triples(tmp_path: Path, curated: Records) -> None:
    records = with_world(tmp_path, curated)
    assert w.world_triples(curated, BASE) == []
    triples = w.world_triples(records, BASE)
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
    store = ox.Store()
    store.load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)  # every line is valid N-Triples
    assert len(store) == len(set(triples))

    def ask(pattern: str) -> bool:
        result = store.query(f"PREFIX tw: <{BASE}def/> PREFIX wd: <http://www.wikidata.org/entity/> "
                             f"PREFIX owl: <http://www.w3.org/2002/07/owl#> ASK {{ {pattern} }}")
        assert isinstance(result, ox.QueryBoolean)
        return bool(result)

    src = f"<{BASE}source/wikidata-twin-cities>"
    assert ask(f"<{BASE}country/ad> tw:countryCode 'AD' ; tw:unresolvedReason ?why ; "
               f"<http://www.w3.org/ns/prov#wasDerivedFrom> {src}")
    assert not ask(f"<{BASE}country/ua> ?p ?o")  # a curated country is not written again
    assert ask(f"<{BASE}place/mexico-city> a tw:City ; owl:sameAs wd:Q1489 ; tw:country <{BASE}country/mx> ; "
               "<http://www.w3.org/2003/01/geo/wgs84_pos#lat> 19.419444444")
    assert ask(f"<{BASE}partnership/andorra-la-vella--mexico-city> a tw:Partnership ; "
               f"tw:party <{BASE}place/andorra-la-vella>, <{BASE}place/mexico-city>")
    assert ask(f"<{BASE}place/kosice> tw:twinnedWith <{BASE}place/kryvyi-rih> . "
               f"<{BASE}place/kryvyi-rih> tw:twinnedWith <{BASE}place/kosice> . "
               "wd:Q25409 <http://www.wikidata.org/prop/direct/P190> wd:Q157137 . "
               "wd:Q157137 <http://www.wikidata.org/prop/direct/P190> wd:Q25409")


def test_a_curated_pair_is_only_attested(tmp_path: Path, curated: Records) -> None:
    a, b = sorted(curated.partnerships[0].parties)
    world, found = w.load_world(folder(tmp_path, partnerships_tsv=f"a\tb\n{a}\t{b}\n"), curated.gazetteer,
                                "data/world")
    assert found == [] and world is not None
    triples = w.world_triples(Records(curated.gazetteer, curated.cities, world), BASE)
    about = [t for t in triples if t[0] == f"<{BASE}partnership/{a}--{b}>"]
    assert about == [(f"<{BASE}partnership/{a}--{b}>", "<http://www.w3.org/ns/prov#wasDerivedFrom>",
                      f"<{BASE}source/wikidata-twin-cities>")]
    assert not any(p == f"<{BASE}def/twinnedWith>" for _, p, _ in triples)
