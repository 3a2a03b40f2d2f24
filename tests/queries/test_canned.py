"""Canned queries: every query's exact answer on the seed graph, checked against the
source pages; typed parameters that refuse bad and hostile values; the header checks;
the output formats; the generated list of queries in the docs; the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.paths import ROOT
from twinned.cli import main
from twinned.config import Settings
from twinned.errors import InputError
from twinned.queries import canned as q
from twinned.queries.binding import CannedQuery, QueryNotFound, bind, find, values_block
from twinned.queries.params import MAX_VALUE_CHARS, MAX_VALUES, TYPES, Parameter, ParameterError
from twinned.queries.results import ROWS_JSON, TABLE, GraphResult, Solutions, execute, plain, run, write
from twinned.rdf.negotiation import CSV, NTRIPLES, SPARQL_JSON, TSV, TURTLE
from twinned.rdf.vocab import load_vocabulary
from twinned.records.load import load_records
from twinned.store.release import LoadedRelease, load_release
from twinned.web.current import ensure_built

SEEDS = ROOT.parent / "shared" / "seeds"
BASE = "https://w3id.org/twinned/"
WD = "http://www.wikidata.org/entity/"
KOSICE, KAUNAS, OSTRAVA = "Q25409", "Q4115712", "Q8385"


@pytest.fixture(scope="session")
def release(built: Settings) -> LoadedRelease:
    return load_release(ensure_built(built))


@pytest.fixture(scope="session")
def queries() -> dict[str, CannedQuery]:
    return q.load_queries(ROOT / "queries")


def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> object:
    """A term, short: wd:Q.., at:<agreement type>, a path under the base, a plain value."""
    if isinstance(term, ox.NamedNode):
        for ns, short in ((WD, "wd:"), (BASE + "def/agreement-types/", "at:"), (BASE, "")):
            if term.value.startswith(ns):
                return short + term.value[len(ns):]
        return term.value
    return plain(term)


def answer(store: ox.Store, query: CannedQuery, params: Mapping[str, str | Sequence[str]] | None = None,
           columns: Sequence[str] | None = None) -> list[object]:
    """The rows (tuples, or single values for one column) of the columns asked for."""
    _binding, result = execute(store, query, params or {}, BASE)
    assert isinstance(result, Solutions)
    columns = columns or result.variables
    idx = [result.variables.index(c) for c in columns]
    rows = [tuple(cell(row[i]) for i in idx) for row in result.rows]
    return [r[0] for r in rows] if len(idx) == 1 else rows


# -- the answers -----------------------------------------------------------------------

KOSICE_PARTNERS = [  # partner, name, Wikidata item, country, start date; by name
    ("place/abaujszanto", "Abaújszántó", None, "Hungary", "2007-06-20"),
    ("place/budapest", "Budapest", "wd:Q1781", "Hungary", "1997-05-09"),
    ("place/bursa", "Bursa", "wd:Q40738", "Turkey", "2000-03-29"),
    ("place/cottbus", "Cottbus", "wd:Q3214", "Germany", "1992-07-06"),
    ("place/da-nang", "Da Nang", "wd:Q25282", "Vietnam", "2015-04-16"),
    ("place/ho-chi-minh-city", "Ho Chi Minh City", "wd:Q1854", "Vietnam", "2016-12-15"),
    ("place/katowice", "Katowice", "wd:Q588", "Poland", "2009-05-06"),
    ("place/krosno", "Krosno", "wd:Q826068", "Poland", "2009-09-18"),
    ("place/miskolc", "Miskolc", "wd:Q102397", "Hungary", "1997-05-07"),
    ("place/mobile", "Mobile", "wd:Q79875", "United States", "1991-04-12"),
    ("place/nis", "Niš", "wd:Q129259", "Serbia", "2001-03-22"),
    ("place/ostrava", "Ostrava", "wd:Q8385", "Czech Republic", "2001-05-25"),
    ("place/plovdiv", "Plovdiv", "wd:Q459", "Bulgaria", "2000-11-29"),
    ("place/raahe", "Raahe", "wd:Q622592", "Finland", "1987-06-28"),
    ("place/rzeszow", "Rzeszów", "wd:Q598", "Poland", "1991-11-23"),
    ("place/saint-petersburg", "Saint Petersburg", "wd:Q656", "Russia", "1995-10-28"),
    ("place/uzhhorod", "Uzhhorod", "wd:Q156711", "Ukraine", "1993-01-16"),
    ("place/verona", "Verona", "wd:Q2028", "Italy", "1992-08-20"),
    ("place/vitebsk", "Vitebsk", "wd:Q102217", "Belarus", "2015-07-08"),
    ("place/vysoke-tatry", "Vysoké Tatry", "wd:Q612516", "Slovakia", "2006-06-30"),
    ("place/wuhan", "Wuhan", "wd:Q11746", "China", "2012-11-06"),
    ("place/wuppertal", "Wuppertal", "wd:Q2107", "Germany", "1980-05-22"),
]

KAUNAS_PARTNERS = [
    ("place/bialystok", "Białystok", "wd:Q761", "Poland", "1994-02-12"),
    ("place/brescia", "Brescia", "wd:Q6221", "Italy", "2002-07-13"),
    ("place/brno", "Brno", "wd:Q14960", "Czech Republic", "1994-11-14"),
    ("place/cava-de-tirreni", "Cava de' Tirreni", "wd:Q19272", "Italy", "2008-06-10"),
    ("place/ferrara", "Ferrara", "wd:Q13362", "Italy", None),
    ("place/grenoble", "Grenoble", "wd:Q1289", "France", "1997-02-08"),
    ("place/hiratsuka", "Hiratsuka", "wd:Q502199", "Japan", "2023-11-25"),
    ("place/hordaland", "Hordaland", "wd:Q50625", "Norway", "1998-08-28"),
    ("place/kharkiv", "Kharkiv", "wd:Q42308", "Ukraine", "2001-04-23"),
    ("place/kreis-lippe", "Kreis Lippe", None, "Germany", "1989-09-13"),
    ("place/linkoping", "Linköping", "wd:Q25413", "Sweden", "1992-01"),
    ("place/los-angeles", "Los Angeles", "wd:Q65", "United States", "1991-06-20"),
    ("place/lutsk", "Lutsk", "wd:Q7550", "Ukraine", "2013-11-27"),
    ("place/lviv-oblast", "Lviv Oblast", "wd:Q164193", "Ukraine", "2012-12-06"),
    ("place/mysliborz", "Myślibórz", "wd:Q640453", "Poland", "2012"),
    ("place/odense", "Odense", "wd:Q25331", "Denmark", "1993-07-07"),
    ("place/rende", "Rende", None, "Italy", "2003-10-10"),
    ("place/riga", "Riga", "wd:Q1773", "Latvia", "2013-01-25"),
    ("place/rishon-lezion", "Rishon LeZion", "wd:Q201051", "Israel", "2019-07-03"),
    ("place/san-martin-argentina", "San Martín", None, "Argentina", "2006-10-05"),
    ("place/tampere", "Tampere", "wd:Q40840", "Finland", "1997-05-14"),
    ("place/tartu", "Tartu", "wd:Q13972", "Estonia", "1993-05-04"),
    ("place/torun", "Toruń", "wd:Q47554", "Poland", "2016-02-26"),
    ("place/vestfold", "Vestfold", "wd:Q50619", "Norway", "1991-10-20"),
    ("place/vaxjo", "Växjö", "wd:Q26152", "Sweden", "1990-09-07"),
    ("place/wroclaw", "Wrocław", "wd:Q1799", "Poland", "1996-11-03"),
    ("place/xiamen", "Xiamen", "wd:Q68744", "China", "2000-10-27"),
    ("place/yaotsu", "Yaotsu", None, "Japan", "2019-02-22"),
]
PARTNER_COLUMNS = ["partner", "partnerLabel", "partnerItem", "countryLabel", "startDate"]


def test_partners_of_kosice_by_default(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["partners"]
    assert answer(release.store, query, columns=PARTNER_COLUMNS) == KOSICE_PARTNERS
    assert len(KOSICE_PARTNERS) == 22
    assert set(answer(release.store, query, columns=["city"])) == {"wd:Q25409"}
    partnerships = answer(release.store, query, columns=["partner", "partnership"])
    assert all(ps == "partnership/" + "--".join(sorted(("kosice", p.removeprefix("place/"))))
               for p, ps in partnerships)


def test_partners_of_kaunas(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    rows = answer(release.store, queries["partners"], {"city": KAUNAS}, PARTNER_COLUMNS)
    assert rows == KAUNAS_PARTNERS
    assert len(rows) == 28


def test_partners_of_an_unknown_item_are_none(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    assert answer(release.store, queries["partners"], {"city": "Q1"}) == []


def test_partners_of_place_by_uri(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["partners-of-place"]
    assert answer(release.store, query, columns=PARTNER_COLUMNS) == KAUNAS_PARTNERS  # default: Kaunas
    assert answer(release.store, query, {"place": "place/kreis-lippe"}) == [
        ("place/kreis-lippe", "place/kaunas", "Kaunas", "wd:Q4115712", "Lithuania",
         "partnership/kaunas--kreis-lippe", "1989-09-13", None),
    ]
    absolute = answer(release.store, query, {"place": BASE + "place/kosice"}, PARTNER_COLUMNS)
    assert absolute == KOSICE_PARTNERS


def test_partner_names_and_start_dates_are_those_of_the_source_pages(
    built: Settings, release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    """Every partner is named on its city's page; Košice's lines give the start dates."""
    records = load_records(built.data_dir, load_vocabulary(built.ontology_dir))
    places = records.gazetteer.places
    pages = {KOSICE: (SEEDS / "000_d9b2ea80efc1cf89.txt").read_text("utf-8"),
             KAUNAS: (SEEDS / "001_e17eb88f6923dd8f.txt").read_text("utf-8")}
    for city, page in pages.items():
        for partner in answer(release.store, queries["partners"], {"city": city}, ["partner"]):
            place = places[str(partner).removeprefix("place/")]
            assert any(name in page for name in (*place.labels.values(), *place.aliases)), partner
    starts = dict(answer(release.store, queries["partners"], {}, ["partnerLabel", "startDate"]))
    checked = 0
    for line in pages[KOSICE].splitlines():
        date = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", line)
        named = [n for n in starts if n in line or any(a in line for a in _aliases(places, n))]
        if date and len(named) == 1 and not line.startswith("Declaration of Intent"):
            d, m, y = date.groups()
            assert starts[named[0]] == f"{y}-{int(m):02d}-{int(d):02d}", line
            checked += 1
    assert checked == 20  # all but Sankt Peterburg (dated on a later line) and Abaújszántó (spelt out)


def _aliases(places: Mapping[str, object], label: str) -> tuple[str, ...]:
    for place in places.values():
        if place.labels["en"] == label:  # type: ignore[attr-defined]
            return tuple(place.aliases)  # type: ignore[attr-defined]
    return ()


PARTNERSHIPS = [  # partnership, start date, document type, documents of that type
    ("partnership/ferrara--kaunas", None, "at:friendship-agreement", 1),
    ("partnership/kosice--wuppertal", "1980-05-22", "at:cooperation-agreement", 2),
    ("partnership/kosice--raahe", "1987-06-28", "at:twinning-agreement", 2),
    ("partnership/kaunas--kreis-lippe", "1989-09-13", "at:letter-of-intent", 1),
    ("partnership/kaunas--vaxjo", "1990-09-07", "at:letter-of-intent", 4),
    ("partnership/kaunas--vaxjo", "1990-09-07", "at:twinning-agreement", 1),
    ("partnership/kosice--mobile", "1991-04-12", "at:partnership-agreement", 1),
    ("partnership/kaunas--los-angeles", "1991-06-20", "at:certificate-of-friendship", 1),
    ("partnership/kaunas--los-angeles", "1991-06-20", "at:council-decision", 1),
    ("partnership/kaunas--vestfold", "1991-10-20", "at:cooperation-agreement", 14),
    ("partnership/kosice--rzeszow", "1991-11-23", "at:declaration", 1),
    ("partnership/kaunas--linkoping", "1992-01", "at:cooperation-agreement", 3),
    ("partnership/cottbus--kosice", "1992-07-06", "at:twinning-agreement", 1),
    ("partnership/kosice--verona", "1992-08-20", "at:declaration", 1),
    ("partnership/kosice--uzhhorod", "1993-01-16", "at:cooperation-agreement", 1),
    ("partnership/kaunas--tartu", "1993-05-04", "at:letter-of-interest", 1),
    ("partnership/kaunas--odense", "1993-07-07", "at:twinning-agreement", 1),
    ("partnership/bialystok--kaunas", "1994-02-12", "at:letter-of-intent", 1),
    ("partnership/brno--kaunas", "1994-11-14", "at:letter-of-intent", 1),
    ("partnership/kosice--saint-petersburg", "1995-10-28", "at:protocol", 1),
    ("partnership/kaunas--wroclaw", "1996-11-03", "at:declaration", 1),
    ("partnership/grenoble--kaunas", "1997-02-08", "at:twinning-agreement", 1),
    ("partnership/kosice--miskolc", "1997-05-07", "at:cooperation-agreement", 1),
    ("partnership/kosice--miskolc", "1997-05-07", "at:declaration-of-intent", 1),
    ("partnership/budapest--kosice", "1997-05-09", "at:declaration", 1),
    ("partnership/kaunas--tampere", "1997-05-14", "at:council-decision", 1),
    ("partnership/kaunas--tampere", "1997-05-14", "at:twinning-agreement", 1),
    ("partnership/hordaland--kaunas", "1998-08-28", "at:cooperation-agreement", 1),
    ("partnership/bursa--kosice", "2000-03-29", "at:partnership-agreement", 1),
    ("partnership/kaunas--xiamen", "2000-10-27", "at:letter-of-intent", 1),
    ("partnership/kaunas--xiamen", "2000-10-27", "at:twinning-agreement", 1),
    ("partnership/kosice--plovdiv", "2000-11-29", "at:cooperation-agreement", 1),
    ("partnership/kosice--nis", "2001-03-22", "at:cooperation-agreement", 1),
    ("partnership/kaunas--kharkiv", "2001-04-23", "at:letter-of-intent", 1),
    ("partnership/kosice--ostrava", "2001-05-25", "at:cooperation-agreement", 1),
    ("partnership/brescia--kaunas", "2002-07-13", "at:letter-of-intent", 1),
    ("partnership/kaunas--rende", "2003-10-10", "at:protocol-of-intent", 1),
    ("partnership/kosice--vysoke-tatry", "2006-06-30", "at:memorandum-of-cooperation", 1),
    ("partnership/kaunas--san-martin-argentina", "2006-10-05", "at:protocol-of-intent", 1),
    ("partnership/abaujszanto--kosice", "2007-06-20", "at:memorandum-of-cooperation", 1),
    ("partnership/cava-de-tirreni--kaunas", "2008-06-10", "at:partnership-agreement", 1),
    ("partnership/katowice--kosice", "2009-05-06", "at:partnership-agreement", 1),
    ("partnership/kosice--krosno", "2009-09-18", "at:cooperation-agreement", 1),
    ("partnership/kaunas--mysliborz", "2012", "at:letter-of-intent", 1),
    ("partnership/kosice--wuhan", "2012-11-06", "at:memorandum-of-cooperation", 1),
    ("partnership/kaunas--lviv-oblast", "2012-12-06", "at:letter-of-intent", 1),
    ("partnership/kaunas--riga", "2013-01-25", "at:protocol-of-intent", 1),
    ("partnership/kaunas--lutsk", "2013-11-27", "at:letter-of-intent", 1),
    ("partnership/da-nang--kosice", "2015-04-16", "at:memorandum-of-understanding", 1),
    ("partnership/kosice--vitebsk", "2015-07-08", "at:memorandum-of-cooperation", 1),
    ("partnership/kaunas--torun", "2016-02-26", "at:cooperation-agreement", 1),
    ("partnership/kaunas--torun", "2016-02-26", "at:protocol-of-intent", 1),
    ("partnership/ho-chi-minh-city--kosice", "2016-12-15", "at:memorandum-of-understanding", 1),
    ("partnership/kaunas--yaotsu", "2019-02-22", "at:twinning-agreement", 1),
    ("partnership/kaunas--rishon-lezion", "2019-07-03", "at:cooperation-agreement", 1),
    ("partnership/hiratsuka--kaunas", "2023-11-25", "at:cooperation-agreement", 1),
]


def test_partnerships_with_start_dates_and_document_types(
    release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    rows = answer(release.store, queries["partnerships"], {},
                  ["partnership", "startDate", "documentType", "documents"])
    assert rows == PARTNERSHIPS
    assert len({r[0] for r in rows}) == 50
    labels = answer(release.store, queries["partnerships"], {}, ["label", "typeLabel"])
    assert labels[0] == ("Ferrara – Kaunas", "Friendship agreement")
    assert labels[-1] == ("Hiratsuka – Kaunas", "Cooperation agreement")


def test_partnerships_begun_in_a_period(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["signed-between"]
    nineties = answer(release.store, query, {"from": "1990", "to": "1999"}, ["partnership", "startDate"])
    assert nineties == [(p, d) for p, d, _t, _n in dict.fromkeys(
        (p, d, None, None) for p, d, _t, _n in PARTNERSHIPS) if d and "1990" <= d[:4] <= "1999"]
    assert len(nineties) == 20
    assert answer(release.store, query, {"from": "2015"}) == [
        (2015, None, "partnership/da-nang--kosice", "Da Nang – Košice", "2015-04-16", None),
        (2015, None, "partnership/kosice--vitebsk", "Košice – Vitebsk", "2015-07-08", None),
        (2015, None, "partnership/kaunas--torun", "Kaunas – Toruń", "2016-02-26", None),
        (2015, None, "partnership/ho-chi-minh-city--kosice", "Ho Chi Minh City – Košice", "2016-12-15", None),
        (2015, None, "partnership/kaunas--yaotsu", "Kaunas – Yaotsu", "2019-02-22", None),
        (2015, None, "partnership/kaunas--rishon-lezion", "Kaunas – Rishon LeZion", "2019-07-03", None),
        (2015, None, "partnership/hiratsuka--kaunas", "Hiratsuka – Kaunas", "2023-11-25", None),
    ]
    assert len(answer(release.store, query)) == 49  # open both ends: all but undated Ferrara
    assert answer(release.store, query, {"from": "1980", "to": "1980"}, ["partnership"]) == [
        "partnership/kosice--wuppertal"]
    assert answer(release.store, query, {"from": "2000", "to": "1999"}) == []


PER_YEAR = [  # first year, label, documents first signed, partnerships begun
    (1980, "1980", 1, 1), (1987, "1987", 1, 1), (1989, "1989", 1, 1), (1990, "1990", 1, 1),
    (1991, "1991", 6, 4), (1992, "1992", 5, 3), (1993, "1993", 4, 3), (1994, "1994", 4, 2),
    (1995, "1995", 2, 1), (1996, "1996", 3, 1), (1997, "1997", 8, 4), (1998, "1998", 1, 1),
    (1999, "1999", 1, 0), (2000, "2000", 3, 3), (2001, "2001", 5, 3), (2002, "2002", 1, 1),
    (2003, "2003", 1, 1), (2004, "2004", 1, 0), (2006, "2006", 2, 2), (2007, "2007", 2, 1),
    (2008, "2008", 1, 1), (2009, "2009", 4, 2), (2011, "2011", 1, 0), (2012, "2012", 3, 3),
    (2013, "2013", 3, 2), (2015, "2015", 2, 2), (2016, "2016", 3, 2), (2018, "2018", 2, 0),
    (2019, "2019", 2, 2), (2023, "2023", 1, 1),
]


def test_agreements_per_year_and_decade(
    built: Settings, release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    query = queries["agreements-per-period"]
    assert answer(release.store, query, {}, ["start", "label", "documents", "partnershipsBegun"]) == PER_YEAR
    assert answer(release.store, query, {"period": "decade"}) == [
        ("decade", 1980, "1980s", 3, 3, 0),
        ("decade", 1990, "1990s", 35, 20, 1),  # Kaunas–Tampere's agreement: not before 14 May 1997
        ("decade", 2000, "2000s", 20, 14, 0),
        ("decade", 2010, "2010s", 16, 11, 0),
        ("decade", 2020, "2020s", 1, 1, 0),
    ]
    # the same counts straight from the YAML records
    records = load_records(built.data_dir, load_vocabulary(built.ontology_dir))
    documents: dict[int, int] = {}
    begun: dict[int, int] = {}
    for p in records.partnerships:
        firsts = [min(d.dates, key=lambda x: x.earliest()).year for d in p.documents if d.dates]
        for year in firsts:
            documents[year] = documents.get(year, 0) + 1
        if firsts:
            begun[min(firsts)] = begun.get(min(firsts), 0) + 1
    assert [(y, str(y), documents[y], begun.get(y, 0)) for y in sorted(documents)] == PER_YEAR


def test_partnerships_per_partner_country(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["partners-per-country"]
    rows = answer(release.store, query, {}, ["countryLabel", "countryItem", "partnerships"])
    assert rows == [
        ("Poland", "wd:Q36", 7), ("Italy", "wd:Q38", 5), ("Ukraine", "wd:Q212", 4),
        ("Germany", "wd:Q183", 3), ("Hungary", "wd:Q28", 3), ("China", "wd:Q148", 2),
        ("Czech Republic", "wd:Q213", 2), ("Finland", "wd:Q33", 2), ("Japan", "wd:Q17", 2),
        ("Norway", "wd:Q20", 2), ("Sweden", "wd:Q34", 2), ("United States", "wd:Q30", 2),
        ("Vietnam", "wd:Q881", 2), ("Argentina", "wd:Q414", 1), ("Belarus", "wd:Q184", 1),
        ("Bulgaria", "wd:Q219", 1), ("Denmark", "wd:Q35", 1), ("Estonia", "wd:Q191", 1),
        ("France", "wd:Q142", 1), ("Israel", "wd:Q801", 1), ("Latvia", "wd:Q211", 1),
        ("Russia", "wd:Q159", 1), ("Serbia", "wd:Q403", 1), ("Slovakia", "wd:Q214", 1),
        ("Turkey", "wd:Q43", 1),
    ]
    assert sum(r[2] for r in rows) == 50
    assert answer(release.store, query, {"min": "3"}) == [
        (3, "country/pl", "Poland", "wd:Q36", 7),
        (3, "country/it", "Italy", "wd:Q38", 5),
        (3, "country/ua", "Ukraine", "wd:Q212", 4),
        (3, "country/de", "Germany", "wd:Q183", 3),
        (3, "country/hu", "Hungary", "wd:Q28", 3),
    ]
    assert answer(release.store, query, {"min": "8"}) == []


def test_common_partners(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    """Košice and Ostrava share no partner in the seed records (Ostrava's only partner is
    Košice), nor do Košice and Kaunas; a partnership added to a copy shows the query works."""
    query = queries["common-partners"]
    assert answer(release.store, query, {"cities": [KOSICE, OSTRAVA]}) == []
    assert answer(release.store, query, {"cities": [KOSICE, KAUNAS]}) == []
    assert answer(release.store, query, {"cities": [OSTRAVA]}, ["partner"]) == ["place/kosice"]
    assert len(answer(release.store, query, {"cities": [KAUNAS]})) == 28
    assert len(answer(release.store, query, {"cities": [KAUNAS, KAUNAS]})) == 28
    assert answer(release.store, query, {"cities": [KOSICE, "Q1"]}) == []

    copy = ox.Store()  # a writable copy of the data (the release's store opens read-only)
    copy.bulk_load(path=str(release.directory / "twinned.nt"), format=ox.RdfFormat.N_TRIPLES)
    tw = "https://w3id.org/twinned/def/twinnedWith"
    for a, b in (("ostrava", "kaunas"), ("kaunas", "ostrava")):
        copy.add(ox.Quad(ox.NamedNode(BASE + "place/" + a), ox.NamedNode(tw), ox.NamedNode(BASE + "place/" + b)))
    assert answer(copy, query, {"cities": [KOSICE, KAUNAS]}) == [
        ("place/ostrava", "Ostrava", "wd:Q8385", "Czech Republic"),
    ]
    assert answer(copy, query, {"cities": [KOSICE, KAUNAS, OSTRAVA]}) == []


AREA_COLUMNS = ["area", "partnership", "cityLabel", "partner", "partnerItem"]


def test_partnerships_by_area_of_cooperation(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["partners-by-area"]
    environment = [
        ("environment", "partnership/kaunas--linkoping", "Kaunas", "place/linkoping", "wd:Q25413"),
        ("environment", "partnership/kaunas--los-angeles", "Kaunas", "place/los-angeles", "wd:Q65"),
        ("environment", "partnership/kaunas--odense", "Kaunas", "place/odense", "wd:Q25331"),
        ("environment", "partnership/kaunas--rishon-lezion", "Kaunas", "place/rishon-lezion", "wd:Q201051"),
        ("environment", "partnership/kaunas--tampere", "Kaunas", "place/tampere", "wd:Q40840"),
        ("environment", "partnership/kaunas--vaxjo", "Kaunas", "place/vaxjo", "wd:Q26152"),
        ("environment", "partnership/kaunas--wroclaw", "Kaunas", "place/wroclaw", "wd:Q1799"),
    ]
    assert answer(release.store, query, {}, AREA_COLUMNS) == environment  # the default
    assert answer(release.store, query, {"area": ["environment", "energy"]}, AREA_COLUMNS) == [
        ("energy", "partnership/kaunas--linkoping", "Kaunas", "place/linkoping", "wd:Q25413"),
        ("energy", "partnership/kaunas--odense", "Kaunas", "place/odense", "wd:Q25331"),
        ("energy", "partnership/kaunas--vaxjo", "Kaunas", "place/vaxjo", "wd:Q26152"),
        *environment,
    ]
    assert answer(release.store, query, {"area": "cultural-heritage"}) == [
        ("cultural-heritage", "partnership/kaunas--torun", "Kaunas – Toruń", "Kaunas", "place/torun",
         "Toruń", "wd:Q47554"),
    ]
    culture = answer(release.store, query, {"area": "culture"}, ["partnership"])
    assert "partnership/budapest--kosice" in culture  # Košice's one area: culture with Budapest
    assert "partnership/hordaland--kaunas" in culture  # "education, culture, medicine and social security"
    assert "partnership/kaunas--odense" not in culture and len(culture) == 25


def test_partners_by_area_allows_exactly_the_cooperation_areas(
    built: Settings, queries: dict[str, CannedQuery]
) -> None:
    allowed = queries["partners-by-area"].parameter("area").allowed  # type: ignore[union-attr]
    assert set(allowed) == load_vocabulary(built.ontology_dir).cooperation_areas
    assert len(allowed) == len(set(allowed)) == 20


VESTFOLD = "partnership/kaunas--vestfold/document/cooperation-agreement-"


def test_documents_of_a_partnership_in_order(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["documents"]
    renewals = ["1992", "1993", "1994", "1997", "1999", "2001", "2004", "2007", "2009", "2011",
                "2013", "2016", "2018"]
    ids = ["1991", *(f"renewal-{y}" for y in renewals)]
    assert answer(release.store, query, {}, ["document", "date", "renews", "follows"]) == [
        (VESTFOLD + ids[i], date, VESTFOLD + ids[i - 1] if i else None, None)
        for i, date in enumerate(["1991-10-20", *renewals])
    ]
    page = (SEEDS / "001_e17eb88f6923dd8f.txt").read_text("utf-8")
    listed = re.search(r"renewed several times \(([\d, ]+)\)", page)
    assert listed and listed[1].split(", ") == renewals  # 13 renewals, as the page lists them
    assert len(renewals) == 13

    vaxjo = "partnership/kaunas--vaxjo/document/"
    assert answer(release.store, query, {"partnership": "partnership/kaunas--vaxjo"},
                  ["document", "typeLabel", "title", "date", "renews", "follows"]) == [
        (vaxjo + "twinning-agreement-1990", "Twinning agreement", "Twinning and Co-operation Agreement",
         "1990-09-07", None, None),
        (vaxjo + "letter-of-intent-1992", "Letter of intent", "Letter of Intend", "1992", None,
         vaxjo + "twinning-agreement-1990"),
        (vaxjo + "letter-of-intent-1994", "Letter of intent", "Letter of Intend", "1994", None,
         vaxjo + "letter-of-intent-1992"),
        (vaxjo + "letter-of-intent-1996", "Letter of intent", "Letter of Intend", "1996", None,
         vaxjo + "letter-of-intent-1994"),
        (vaxjo + "letter-of-intent-renewal-1997", "Letter of intent", "Co-operation Agreement", "1997",
         vaxjo + "letter-of-intent-1996", None),
    ]
    linkoping = "partnership/kaunas--linkoping/document/cooperation-agreement-"
    assert answer(release.store, query, {"partnership": "partnership/kaunas--linkoping"},
                  ["document", "title", "date", "renews"]) == [
        (linkoping + "1992", "Agreement of Co-operation", "1992-01", None),
        (linkoping + "renewal-1995", "Agreement", "1995", linkoping + "1992"),
        (linkoping + "renewal-1997", "Co-operation Agreement", "1997-09", linkoping + "renewal-1995"),
    ]
    assert answer(release.store, query, {"partnership": "partnership/ferrara--kaunas"}) == [
        ("partnership/ferrara--kaunas", "partnership/ferrara--kaunas/document/friendship-agreement",
         "Friendship agreement", "Friendship agreement", None, None, None, None),
    ]
    assert answer(release.store, query, {"partnership": "partnership/kaunas--nowhere"}) == []


def test_dates_keep_the_precision_of_the_source(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    _b, result = execute(release.store, queries["documents"], {"partnership": "partnership/kaunas--linkoping"},
                           BASE)
    assert isinstance(result, Solutions)
    dates = [row[result.variables.index("date")] for row in result.rows]
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert [(d.value, d.datatype.value) for d in dates if isinstance(d, ox.Literal)] == [
        ("1992-01", xsd + "gYearMonth"), ("1995", xsd + "gYear"), ("1997-09", xsd + "gYearMonth")]


def test_memberships(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["memberships"]
    implied = ("The page describes European Cities Marketing among the networks Kaunas is a member of, but "
               "unlike the other three never says that Kaunas is a member of it.")
    kaunas = [
        ("place/kaunas", "Kaunas", "network/ecad", "European Cities Against Drugs", "ECAD", "2003",
         "after the approval of Kaunas City Council in 2003", "Not before", None),
        ("place/kaunas", "Kaunas", "network/european-cities-marketing", "European Cities Marketing", "ECM",
         None, None, None, implied),
        ("place/kaunas", "Kaunas", "network/new-hanseatic-league", "New Hanseatic League", None, None, None,
         None, None),
        ("place/kaunas", "Kaunas", "network/ubc", "Union of the Baltic Cities", "UBC", "1994", "since 1994",
         None, None),
    ]
    assert [(None, *r) for r in kaunas] == answer(release.store, query)
    assert [("wd:Q4115712", *r) for r in kaunas] == answer(release.store, query, {"city": KAUNAS})
    assert answer(release.store, query, {"city": KOSICE}) == []


def test_partnerships_resting_only_on_intent(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    rows = answer(release.store, queries["intent-only"], {}, ["partnership", "typeLabel", "title", "date"])
    assert rows == [
        ("partnership/bialystok--kaunas", "Letter of intent", "Letter of intent", "1994-02-12"),
        ("partnership/brescia--kaunas", "Letter of intent", "Letter of Intent", "2002-07-13"),
        ("partnership/brno--kaunas", "Letter of intent", "Letter of Intent", "1994-11-14"),
        ("partnership/kaunas--kharkiv", "Letter of intent", "Letter of Intent", "2001-04-23"),
        ("partnership/kaunas--kreis-lippe", "Letter of intent", "Letter of Intent", "1989-09-13"),
        ("partnership/kaunas--lutsk", "Letter of intent", "Letter of Intent", "2013-11-27"),
        ("partnership/kaunas--lviv-oblast", "Letter of intent", "Letter of Intent", "2012-12-06"),
        ("partnership/kaunas--mysliborz", "Letter of intent", "Letter of Intent", "2012"),
        ("partnership/kaunas--rende", "Protocol of intent", "intent protocol", "2003-10-10"),
        ("partnership/kaunas--riga", "Protocol of intent", "Protocol of Intent", "2013-01-25"),
        ("partnership/kaunas--san-martin-argentina", "Protocol of intent", "Protocol of Intent", "2006-10-05"),
        ("partnership/kaunas--tartu", "Letter of interest", "Letter of Interest", "1993-05-04"),
    ]
    # not Toruń, Xiamen, Växjö or Miskolc: an agreement followed (or came first)
    intent_too = {"partnership/kaunas--torun", "partnership/kaunas--xiamen", "partnership/kaunas--vaxjo",
                  "partnership/kosice--miskolc"}
    assert intent_too.isdisjoint(r[0] for r in rows)


def test_wikidata_shaped_statements(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["wikidata-p190"]
    _b, result = execute(release.store, query, {"item": OSTRAVA}, BASE)
    assert isinstance(result, GraphResult)
    st = BASE + "partnership/kosice--ostrava/statement/Q8385"
    p = "http://www.wikidata.org/prop/"
    wikibase, prov = "http://wikiba.se/ontology#", "http://www.w3.org/ns/prov#"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    expected = {
        (WD + OSTRAVA, p + "direct/P190", WD + KOSICE),
        (WD + OSTRAVA, p + "P190", st),
        (st, rdf_type, wikibase + "Statement"),
        (st, p + "statement/P190", WD + KOSICE),
        (st, wikibase + "rank", wikibase + "NormalRank"),
        (st, p + "qualifier/P580", '"2001-05-25T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'),
        (st, p + "qualifier/value/P580", st + "/P580"),
        (st + "/P580", rdf_type, wikibase + "TimeValue"),
        (st + "/P580", wikibase + "timeValue", '"2001-05-25T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'),
        (st + "/P580", wikibase + "timePrecision", '"11"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (st, prov + "wasDerivedFrom", st + "/reference"),
        (st + "/reference", p + "reference/P854", BASE + "partnership/kosice--ostrava"),
    }
    got = {(t.subject.value, t.predicate.value, t.object.value if isinstance(t.object, ox.NamedNode)
            else str(t.object)) for t in result.triples}
    assert got == expected

    _b, everything = execute(release.store, query, {}, BASE)
    assert isinstance(everything, GraphResult)
    direct = {(t.subject.value, t.object.value) for t in everything.triples
              if t.predicate.value == p + "direct/P190"}
    assert len(direct) == 90  # 45 partnerships between two resolved places, both directions
    assert all((b, a) in direct for a, b in direct)
    assert (WD + KOSICE, WD + "Q79875") in direct  # Mobile, Alabama, not another Mobile
    starts = [t for t in everything.triples if t.predicate.value == p + "qualifier/P580"]
    assert len(starts) == 88  # Ferrara's partnership is undated: no start time


def test_unresolved_places(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    one_copy = "seen in only one public copy of Wikidata; not verified"
    unverified = "QID not verified in two independent public copies of Wikidata"
    assert answer(release.store, queries["unresolved"], {},
                  ["partnership", "place", "reason", "candidate"]) == [
        ("partnership/abaujszanto--kosice", "place/abaujszanto", f"Q305749 {one_copy}", "wd:Q305749"),
        ("partnership/kaunas--kreis-lippe", "place/kreis-lippe", unverified, None),
        ("partnership/kaunas--rende", "place/rende", unverified, None),
        ("partnership/kaunas--san-martin-argentina", "place/san-martin-argentina",
         'Ambiguous: several Argentine places are called San Martín; the source says only '
         '"San Martin City (Argentina)".', "wd:Q781245"),
        ("partnership/kaunas--yaotsu", "place/yaotsu", unverified, None),
    ]


def test_signings_in_a_period(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["signings-in"]
    columns = ["date", "asWritten", "document", "placeLabel", "venue"]
    assert answer(release.store, query, {"when": "1997-05"}, columns) == [
        ("1997-05-07", "7/5/1997", "partnership/kosice--miskolc/document/cooperation-agreement", "Košice", None),
        ("1997-05-09", "9/5/1997", "partnership/budapest--kosice/document/declaration-on-cooperation-in-culture",
         None, None),
        ("1997-05-11", "11/5/1997", "partnership/kosice--miskolc/document/cooperation-agreement", "Miskolc", None),
        # the council approval, not the agreement: that was signed not before it, maybe later
        ("1997-05-14", "on May 14, 1997", "partnership/kaunas--tampere/document/council-approval-1997", None, None),
    ]
    assert answer(release.store, query, {"when": "1992"}, ["date", "asWritten", "partnership", "placeLabel"]) == [
        ("1992", "in 1992", "partnership/kaunas--vaxjo", None),
        ("1992", "1992", "partnership/kaunas--vestfold", None),
        ("1992-01", "January, 1992", "partnership/kaunas--linkoping", None),
        ("1992-03-20", "20/3/1992", "partnership/kosice--mobile", "Košice"),  # Mobile's second signing
        ("1992-07-06", "6/7/1992", "partnership/cottbus--kosice", None),
        ("1992-08-20", "20/8/1992", "partnership/kosice--verona", None),
    ]
    assert answer(release.store, query, {"when": "1991-04-12"}) == [
        ("1991-04-12", "1991-04-12", "12/4/1991", "partnership/kosice--mobile/document/partnership-agreement",
         "Partnership Agreement", "partnership/kosice--mobile", "Mobile", None, None),
    ]
    assert answer(release.store, query, {"when": "1997-09-01"}) == []  # Linköping's 1997-09 is not known to


def test_find_places_and_place_by_label(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    find_places = queries["find-places"]
    assert answer(release.store, find_places, {"text": "ryga"}) == [
        ("ryga", "place/riga", "Riga", "wd:Q1773", "Ryga")]
    assert answer(release.store, find_places, {"text": "tatr"}) == [
        ("tatr", "place/vysoke-tatry", "Vysoké Tatry", "wd:Q612516", "Vysoke Tatry")]
    assert answer(release.store, find_places, {"text": "KASSA"}) == [
        ("KASSA", "place/kosice", "Košice", "wd:Q25409", "Kassa")]
    assert answer(release.store, find_places, {"text": "burg"}, ["place", "matched"]) == [
        ("place/saint-petersburg", "Saint Petersburg")]
    by_label = queries["place-by-label"]
    assert answer(release.store, by_label, {"name": "Kassa@hu"}) == [
        ("Kassa", "place/kosice", "Košice", "wd:Q25409", "Slovakia")]
    assert answer(release.store, by_label, {"name": "Brahestad@SV"}) == [
        ("Brahestad", "place/raahe", "Raahe", "wd:Q622592", "Finland")]
    assert answer(release.store, by_label, {"name": "Kassa@en"}) == []


def test_every_query_is_tested_and_runs_with_its_examples(
    release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    source = Path(__file__).read_text("utf-8")
    for name, query in queries.items():
        assert f'queries["{name}"]' in source, f"no test for {name}"
        _b, result = execute(release.store, query, query.example_params(), BASE)
        size = len(result.rows) if isinstance(result, Solutions) else len(result.triples)
        assert size > 0 or name == "common-partners", name
    assert len(queries) >= 12


def test_select_queries_echo_their_single_parameters(
    release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    for query in queries.values():
        binding, result = execute(release.store, query, query.example_params(), BASE)
        if isinstance(result, Solutions):
            for p in query.parameters:
                assert p.multiple or p.name in result.variables, (query.name, p.name)


# -- parameters -------------------------------------------------------------------------------

GOOD = [
    ("iri", "place/kaunas", ox.NamedNode(BASE + "place/kaunas")),
    ("iri", "https://example.org/x?a=1#f", ox.NamedNode("https://example.org/x?a=1#f")),
    ("iri", "urn:isbn:0451450523", ox.NamedNode("urn:isbn:0451450523")),
    ("qid", "Q25409", ox.NamedNode(WD + "Q25409")),
    ("string", 'any "text" } #', ox.Literal('any "text" } #')),
    ("langstring", "Kassa@hu", ox.Literal("Kassa", language="hu")),
    ("langstring", "a@b@zh-Hans", ox.Literal("a@b", language="zh-hans")),
    ("date", "1997", ox.Literal("1997", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))),
    ("date", "1997-05", ox.Literal("1997-05", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth"))),
    ("date", "2024-02-29", ox.Literal("2024-02-29", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
    ("year", "1990", ox.Literal(1990)),
    ("integer", "-3", ox.Literal(-3)),
    ("integer", "+0042", ox.Literal(42)),
]

BAD = [
    ("iri", "place/kaunas> } ; DROP ALL #"), ("iri", "a b"), ("iri", "<x>"), ("iri", ""), ("iri", 'x"y'),
    ("iri", "http://a/{x}"),
    ("qid", "Q1> } ; DROP ALL #"), ("qid", "25409"), ("qid", "q25409"), ("qid", "Q025409"), ("qid", "Q"),
    ("qid", " Q1"), ("qid", "Q1\n"), ("qid", "P190"), ("qid", WD + "Q1"),
    ("langstring", "Kassa"), ("langstring", "Kassa@"), ("langstring", 'x"@en } #'),
    ("langstring", "x@en us"),
    ("date", "1997-13"), ("date", "1997-02-30"), ("date", "97"), ("date", "1997-5"), ("date", " 1997"),
    ("date", "1997-05-07T00:00:00"), ("date", '1997" || true'),
    ("year", "99"), ("year", "0999"), ("year", "1990\n"), ("integer", "7\n"), ("langstring", "x@en\n"),
    ("year", "1990 || true"), ("year", "1990.0"), ("year", "-1990"),
    ("integer", "1; DROP ALL"), ("integer", "1.5"), ("integer", "1e3"), ("integer", ""), ("integer", "٣"),
    ("string", "x" * (MAX_VALUE_CHARS + 1)), ("string", "nul\x00"),
]


@pytest.mark.parametrize(("kind", "text", "term"), GOOD)
def test_values_are_parsed_into_terms(kind: str, text: str, term: object) -> None:
    assert Parameter("p", kind, "d", example=("x",)).parse(text, BASE) == term


@pytest.mark.parametrize(("kind", "text"), BAD)
def test_values_of_the_wrong_type_are_refused(kind: str, text: str) -> None:
    with pytest.raises(ValueError):
        Parameter("p", kind, "d", example=("x",)).parse(text, BASE)


def test_enum_values_must_be_allowed() -> None:
    p = Parameter("period", "enum", "d", allowed=("year", "decade"), default=("year",))
    assert p.parse("decade", BASE) == ox.Literal("decade")
    for text in ("Decade", "century", 'year" || true', ""):
        with pytest.raises(ValueError, match="one of year, decade"):
            p.parse(text, BASE)


INJECTIONS = [
    "Q1> } ; DROP ALL #",
    '") } ; DROP ALL #',
    "x' } UNION { ?s ?p ?o } #",
    "} } SELECT * WHERE { ?s ?p ?o } #",
    "1 || true",
    "<http://example.org/> } #",
    "\" . } INSERT DATA { <a:b> <a:b> <a:b> } #@en",
]


def test_injection_attempts_are_refused_or_bound_as_plain_values(
    release: LoadedRelease, queries: dict[str, CannedQuery]
) -> None:
    """Every hostile value is either refused, naming the parameter, or bound as one
    RDF term: the query text is never changed and the store never written."""
    size = len(release.store)
    for query in queries.values():
        for p in query.parameters:
            for hostile in INJECTIONS:
                params = {**query.example_params(), p.name: [hostile] if p.multiple else hostile}
                try:
                    binding, result = execute(release.store, query, params, BASE)
                except ParameterError as exc:
                    assert exc.parameter == p.name and exc.query == query.name
                    assert p.name in str(exc) and exc.expected in str(exc)
                    continue
                assert p.type in ("string", "langstring"), (query.name, p.name, hostile)
                assert binding.sparql == query.text
                assert isinstance(result, Solutions) and result.rows == ()
    assert len(release.store) == size


@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_text_in_a_values_block_stays_one_value(texts: list[str]) -> None:
    """Whatever the text (quotes, braces, newlines, '#'), a list value is one literal."""
    param = Parameter("v", "string", "d", example=("x",), multiple=True)
    query = CannedQuery("t", "T", "d", "SELECT ?v WHERE { VALUES ?v { } }", (param,))
    texts = [t for t in texts if t and "\x00" not in t]
    if not texts:
        return
    binding = bind(query, {"v": texts}, BASE)
    rows = [s["v"].value for s in ox.Store().query(binding.sparql)]  # type: ignore[union-attr]
    assert rows == texts


@given(st.text(max_size=40))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_text_is_refused_or_parsed_into_a_term_of_its_type(text: str) -> None:
    for kind in TYPES:
        param = Parameter("p", kind, "d", example=("year",), allowed=("year",) if kind == "enum" else ())
        try:
            term = param.parse(text, BASE)
        except ValueError:
            continue
        if kind in ("iri", "qid"):
            assert isinstance(term, ox.NamedNode) and not any(c in term.value for c in ' <>"{}\n')
        else:
            assert isinstance(term, ox.Literal)
        if kind == "qid":
            assert re.fullmatch(r"Q[1-9][0-9]*", text)
        if kind in ("year", "integer"):
            assert re.fullmatch(r"[+-]?[0-9]+", text)


def test_list_values_fill_only_the_values_block(queries: dict[str, CannedQuery]) -> None:
    query = queries["common-partners"]
    binding = bind(query, {"cities": [KOSICE, OSTRAVA, KAUNAS]}, BASE)
    block = f"VALUES ?cities {{ <{WD}{KOSICE}> <{WD}{OSTRAVA}> <{WD}{KAUNAS}> }}"
    assert block in binding.sparql
    before, after = values_block("cities").split(query.text)
    assert binding.sparql == before + block + after
    area = bind(queries["partners-by-area"], {"area": ["energy", "youth"]}, BASE)
    assert 'VALUES ?area { "energy" "youth" }' in area.sparql


def test_missing_unknown_and_repeated_parameters(queries: dict[str, CannedQuery]) -> None:
    with pytest.raises(ParameterError, match="parameter 'cities': expected a value .* required"):
        bind(queries["common-partners"], {}, BASE)
    with pytest.raises(ParameterError, match="parameter 'cities': expected a value"):
        bind(queries["common-partners"], {"cities": []}, BASE)
    with pytest.raises(ParameterError, match=r"parameter 'town': expected a parameter of this query \(known: city\)"):
        bind(queries["partners"], {"town": "Q1"}, BASE)
    with pytest.raises(ParameterError, match="parameter 'city': expected a single value"):
        bind(queries["partners"], {"city": ["Q1", "Q2"]}, BASE)
    with pytest.raises(ParameterError, match=f"at most {MAX_VALUES} values"):
        bind(queries["common-partners"], {"cities": [f"Q{i}" for i in range(1, MAX_VALUES + 2)]}, BASE)
    with pytest.raises(ParameterError) as exc:
        bind(queries["signed-between"], {"from": "1990", "to": "nineties"}, BASE)
    assert (exc.value.parameter, exc.value.value, exc.value.status) == ("to", "nineties", 400)
    assert str(exc.value) == ("query 'signed-between': parameter 'to': expected a year as four digits (YYYY), "
                              "not 'nineties'")


def test_defaults_apply_when_a_parameter_is_not_given(queries: dict[str, CannedQuery]) -> None:
    binding = bind(queries["partners"], {}, BASE)
    assert binding.echo() == {"city": "Q25409"}
    assert binding.substitutions == {ox.Variable("city"): ox.NamedNode(WD + "Q25409")}
    open_ended = bind(queries["signed-between"], {"to": "1999"}, BASE)
    assert open_ended.echo() == {"from": None, "to": "1999"}
    assert open_ended.substitutions == {ox.Variable("to"): ox.Literal(1999)}
    assert bind(queries["partners-by-area"], {}, BASE).echo() == {"area": ["environment"]}
    assert bind(queries["common-partners"], {"cities": [OSTRAVA, KOSICE]}, BASE).canonical() == \
        "cities=Q8385&cities=Q25409"


def test_find_unknown_query(queries: dict[str, CannedQuery]) -> None:
    with pytest.raises(QueryNotFound, match="no canned query named 'nope'; known: agreements-per-period"):
        find(queries, "nope")


# -- query files -------------------------------------------------------------------------------

GOOD_FILE = """\
#+ title: Test
#+ description: A test query.
#+ parameters:
#+   - name: city
#+     type: qid
#+     description: a city
#+     default: Q1

SELECT ?city ?x WHERE { ?x <http://example.org/p> ?city }
"""


def write_query(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.rq"
    path.write_text(text, "utf-8")
    return path


def problems(directory: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        q.load_queries(directory)
    return [str(p).removeprefix(str(directory) + "/") for p in exc.value.problems]


def test_a_good_file_loads(tmp_path: Path) -> None:
    write_query(tmp_path, "test", GOOD_FILE)
    query = q.load_queries(tmp_path)["test"]
    assert (query.title, query.description, query.construct) == ("Test", "A test query.", False)
    assert query.parameters == (Parameter("city", "qid", "a city", default=("Q1",)),)


@pytest.mark.parametrize(("change", "expected"), [
    (("#+ title: Test\n", ""), "test.rq:1: title: the required key 'title'"),
    (("#+ description: A test query.\n", "#+ description: A test query.\n#+ summary: no\n"),
     "test.rq:3: summary: one of the keys title, description, parameters, construct, result"),
    (("type: qid", "type: place"),
     "test.rq:5: parameters[0].type: one of iri, qid, string, langstring, date, year, integer, enum"),
    (("default: Q1", "default: Košice"),
     "test.rq:7: parameters[0].default: a Wikidata item id such as Q25409, not 'Košice'"),
    (("default: Q1", "default: Q1\n#+     required: true"),
     "test.rq:7: parameters[0].default: no default for a required parameter"),
    (("default: Q1", "default: [Q1, Q2]"),
     "test.rq:7: parameters[0].default: one value (the parameter is not multiple: true)"),
    (("default: Q1", "example: Q1\n#+     multiple: yes"), "test.rq:8: parameters[0].multiple: true or false"),
    (("#+     default: Q1\n", ""),
     "test.rq:4: parameters[0].example: an example (or a default) to document and test it"),
    (("name: city", "name: the-city"),
     "test.rq:4: parameters[0].name: a SPARQL variable name ([A-Za-z_][A-Za-z0-9_]*)"),
    (("type: qid", "type: enum"),
     "test.rq:4: parameters[0].allowed: a list of values for an enum, and only for an enum"),
    (("?city ?x WHERE { ?x <http://example.org/p> ?city }", "?x WHERE { ?x ?y ?z }"),
     "test.rq:1: parameters.city: the variable ?city used in the query"),
    (("SELECT ?city ?x WHERE { ?x <http://example.org/p> ?city }", "SELECT ?x WHERE { ?x ?p ?city }"),
     "test.rq:1: query: a valid SPARQL SELECT or CONSTRUCT (The SPARQL query does not contains variable ?city "
     "in its SELECT projection)"),
    (("?x WHERE {", "?x WERE {"), "test.rq:9: query: a valid SPARQL SELECT or CONSTRUCT (error at 9:"),
    (("#+ description: A test query.\n", "#+ description: A test query.\n#+ construct: true\n"),
     "test.rq:1: construct: 'construct: true' exactly when the query is a CONSTRUCT (the query is a SELECT)"),
    (("#+ description: A test query.", "#+ description: [unclosed"),
     "test.rq:3: header: valid YAML after '#+ ' (expected ',' or ']'"),
    (("SELECT ?city ?x WHERE { ?x", "SELECT ?city ?x WHERE { SERVICE <http://example.org/> { ?x ?q ?r } ?x"),
     "test.rq:1: query: no SERVICE: canned queries run on the local graph only"),
])
def test_header_problems_are_located(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD_FILE
    write_query(tmp_path, "test", GOOD_FILE.replace(old, new, 1))
    found = problems(tmp_path)
    assert any(p.startswith(expected) for p in found), found


def test_list_parameters_need_their_values_block(tmp_path: Path) -> None:
    text = GOOD_FILE.replace("default: Q1", "default: [Q1]\n#+     multiple: true")
    write_query(tmp_path, "test", text)
    assert problems(tmp_path) == [
        "test.rq:1: parameters.city: exactly one 'VALUES ?city { ... }' block in the query (found 0)"]
    write_query(tmp_path, "test", text.replace("{ ?x", "{ VALUES ?city { UNDEF } ?x"))
    assert q.load_queries(tmp_path)["test"].parameters[0].multiple


def test_all_problems_of_all_files_at_once(tmp_path: Path) -> None:
    write_query(tmp_path, "one", GOOD_FILE.replace("#+ title: Test\n", ""))
    write_query(tmp_path, "two", GOOD_FILE.replace("type: qid", "type: place"))
    write_query(tmp_path, "Bad_Name", GOOD_FILE)
    found = problems(tmp_path)
    assert [p.split(":")[0] for p in found] == ["Bad_Name.rq", "one.rq", "two.rq"]


def test_the_shipped_files_follow_the_rules(queries: dict[str, CannedQuery]) -> None:
    for query in queries.values():
        assert query.text.startswith("#+ title: ")
        assert query.description and query.result, query.name
        for p in query.parameters:
            assert p.example_values(), (query.name, p.name)


# -- output formats ---------------------------------------------------------------------------------


def run_fmt(release: LoadedRelease, query: CannedQuery, params: dict[str, str], fmt: object) -> str:
    binding, result = execute(release.store, query, params, BASE)
    return write(result, binding, fmt, BASE).decode("utf-8")  # type: ignore[arg-type]


def test_csv_tsv_and_json(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    query = queries["memberships"]
    text = run_fmt(release, query, {"city": KAUNAS}, CSV)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["city", "member", "memberLabel", "network", "networkLabel", "shortName", "since",
                       "sinceAsWritten", "sinceQualifier", "impliedBecause"]
    assert rows[4] == [WD + KAUNAS, BASE + "place/kaunas", "Kaunas", BASE + "network/ubc",
                       "Union of the Baltic Cities", "UBC", "1994", "since 1994", "", ""]
    assert text.endswith("\r\n")
    tsv = run_fmt(release, query, {"city": KAUNAS}, TSV).splitlines()
    assert tsv[0].startswith("?city\t?member\t")
    assert tsv[4].split("\t")[6] == '"1994"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    doc = json.loads(run_fmt(release, query, {"city": KAUNAS}, SPARQL_JSON))
    assert doc["head"]["vars"][:2] == ["city", "member"]
    assert doc["results"]["bindings"][3]["networkLabel"] == {"type": "literal", "value": "Union of the Baltic Cities",
                                                             "xml:lang": "en"}
    assert "shortName" not in doc["results"]["bindings"][2]  # unbound: left out
    simple = json.loads(run_fmt(release, queries["agreements-per-period"], {"period": "decade"}, ROWS_JSON))
    assert simple["parameters"] == {"period": "decade"} and simple["truncated"] is False
    assert simple["rows"][0] == {"period": "decade", "start": 1980, "label": "1980s", "documents": 3,
                                 "partnershipsBegun": 3, "approximate": 0}


def test_table_and_turtle(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    table = run_fmt(release, queries["agreements-per-period"], {"period": "decade"}, TABLE).splitlines()
    assert table[0].split() == ["period", "start", "label", "documents", "partnershipsBegun", "approximate"]
    assert table[2].split() == ["decade", "1980", "1980s", "3", "3", "0"]
    assert table[-1] == "(5 rows)"
    wikidata = queries["wikidata-p190"]
    ttl = run_fmt(release, wikidata, {"item": OSTRAVA}, TURTLE)
    assert "wd:Q8385 p:P190" in ttl
    parsed = [quad.triple for quad in ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE)]
    _b, result = execute(release.store, wikidata, {"item": OSTRAVA}, BASE)
    assert isinstance(result, GraphResult) and set(parsed) == set(result.triples)
    assert run_fmt(release, wikidata, {"item": OSTRAVA}, TURTLE) == ttl  # deterministic
    nt = run_fmt(release, wikidata, {"item": OSTRAVA}, NTRIPLES)
    assert len(nt.splitlines()) == 12  # with the start time's value node and its precision
    assert "wd:Q8385" in run_fmt(release, wikidata, {"item": OSTRAVA}, TABLE)
    with pytest.raises(ValueError):
        run_fmt(release, wikidata, {"item": OSTRAVA}, CSV)


def test_rows_beyond_the_cap_are_cut_and_flagged(release: LoadedRelease, queries: dict[str, CannedQuery]) -> None:
    binding = bind(queries["partners"], {}, BASE)
    result = run(release.store, binding, max_rows=5)
    assert isinstance(result, Solutions) and len(result.rows) == 5 and result.truncated
    full = run(release.store, binding, max_rows=22)
    assert isinstance(full, Solutions) and len(full.rows) == 22 and not full.truncated


# -- the list in the docs ------------------------------------------------------------------------------


@pytest.mark.parametrize(("doc", "prefix"), [("README.md", "queries/"), ("docs/queries.md", "../queries/")])
def test_docs_list_every_query(queries: dict[str, CannedQuery], doc: str, prefix: str) -> None:
    """README and docs/queries.md hold the generated list between the markers."""
    document = (ROOT / doc).read_text("utf-8")
    assert q.embedded_list(document) == q.render_markdown(queries, link_prefix=prefix), (
        "regenerate: twinned query --list --format markdown")
    for name in queries:
        assert f"[`{name}`]({prefix}{name}.rq)" in document


def test_embed_list_replaces_only_between_the_markers() -> None:
    doc = f"intro\n{q.START_MARKER}\nold\n{q.END_MARKER}\noutro\n"
    new = q.embed_list(doc, "- new\n")
    assert new == f"intro\n{q.START_MARKER}\n- new\n{q.END_MARKER}\noutro\n"
    assert q.embedded_list(new) == "- new\n"
    assert q.embedded_list("no markers") is None


# -- the command ------------------------------------------------------------------------------------------


def test_cli_lists_queries(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list", "--project", str(built.project_dir)]) == 0
    out = capsys.readouterr().out
    assert "partners               Partners of a city  [city=qid?]" in out
    assert "common-partners        Common partners of several cities  [cities=qid…]" in out
    assert main(["query", "--list", "--format", "json", "--project", str(built.project_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [x["name"] for x in listed][:2] == ["agreements-per-period", "common-partners"]


def test_cli_runs_a_query(built: Settings, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    args = ["query", "common-partners", "-p", "cities=Q8385", "--format", "csv",
            "--project", str(built.project_dir)]
    assert main(args) == 0
    out = capfdbinary.readouterr().out.decode()
    assert out == f"partner,partnerLabel,partnerItem,countryLabel\r\n{BASE}place/kosice,Košice,{WD}Q25409,Slovakia\r\n"
    assert main(["query", "partners", "--project", str(built.project_dir)]) == 0
    assert capfdbinary.readouterr().out.decode().endswith("(22 rows)\n")


def test_cli_refuses_bad_values(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(built.project_dir)]
    assert main(["query", "partners", "-p", "city=Q1> } ; DROP ALL #", *project]) == 2
    assert "parameter 'city': expected a Wikidata item id such as Q25409" in capsys.readouterr().err
    assert main(["query", "nope", *project]) == 2
    assert "no canned query named 'nope'" in capsys.readouterr().err
    assert main(["query", "wikidata-p190", "--format", "csv", *project]) == 2
    assert "expected one of table, turtle, ntriples, jsonld" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["query", "partners", "-p", "city", *project])
    assert exc.value.code == 2


def test_cli_shows_a_query(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "partners", "--show", "--project", str(built.project_dir)]) == 0
    assert capsys.readouterr().out == (ROOT / "queries" / "partners.rq").read_text("utf-8")
