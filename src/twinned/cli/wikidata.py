"""The Wikidata subcommands of ``twinned``: ``wikidata-diff`` and ``link``.

``add_parsers(sub, common)`` adds them to the main parser (``common`` adds the
shared --project, --base-uri, --dist and --quiet flags).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from twinned.config import Settings
from twinned.errors import InputError, Problem
from twinned.records.extract_files import EXTRACT_DIR, LINKS, NODES, default_extract

if TYPE_CHECKING:  # the modules below are imported when a command runs, not for --help
    from twinned.records.model import Records
    from twinned.wikidata.client import Endpoint

Common = Callable[[argparse.ArgumentParser], None]
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"  # the same as wikidata.client.WIKIDATA_SPARQL


def _extract(settings: Settings, given: str | None) -> Path:
    path = Path(given) if given else default_extract(settings.project_dir)
    if path is None:
        raise InputError([Problem("--offline", 0, "PATH", f"the folder of the P190 extract ({NODES}, "
                                                          f"{LINKS}); none at data/{EXTRACT_DIR} or "
                                                          f"../shared/data/{EXTRACT_DIR}")])
    return path


def _records(settings: Settings) -> Records:
    from twinned.rdf.vocab import load_vocabulary
    from twinned.records.load import load_records

    return load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))


def _endpoint(args: argparse.Namespace, settings: Settings, url: str) -> Endpoint:
    from twinned.http import RetryPolicy, user_agent
    from twinned.wikidata.client import Endpoint

    policy = RetryPolicy(retries=args.retries, timeout=args.timeout)
    return Endpoint(url, agent=user_agent(settings.contact_email), policy=policy)


def _retries(value: str) -> int:
    n = int(value) if value.isdigit() else -1
    if not 0 <= n <= 10:
        raise argparse.ArgumentTypeError(f"from 0 to 10, not {value}")
    return n


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"a number of seconds from 0 to 3600, not {value}")
    return seconds


def _endpoint_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retries", type=_retries, default=3, metavar="N",
                   help="retry a 429, 5xx or network failure N times, with backoff (default: 3, at most 10)")
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="time limit of one request to the endpoint (default: 60)")


# -- wikidata-diff ----------------------------------------------------------------------------------


def cmd_wikidata_diff(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.wikidata import compare as wd
    from twinned.wikidata.ours import our_cities
    from twinned.wikidata.view import fetch, read_extract

    records = _records(settings)
    cities = our_cities(records, settings.base_uri, args.city)
    if args.offline is not None:
        view = read_extract(_extract(settings, args.offline), cities)
    else:
        view = fetch(_endpoint(args, settings, args.endpoint or WIKIDATA_SPARQL), cities)
    d = wd.diff(cities, view)
    if args.quickstatements:
        text = wd.quickstatements(d)
    elif args.format == "json":
        text = json.dumps(wd.to_json(d), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        text = wd.to_csv(d)
    else:
        text = wd.report(d)
    sys.stdout.write(text)
    return 0


DIFF_EPILOG = """checks (per publishing city, or the one given with --city):
  missing-in-wikidata  partners we record with a Wikidata item, and no P190 either way
  only-in-wikidata     P190 partners the records do not name (possibly ended or never formalised)
  start-date           P580 start time vs our start date, at the coarser precision  (endpoint only)
  non-reciprocal       P190 stated by one side only                                 (endpoint only)
  different-kind       a municipality, district or historic item for our city      (endpoint only)
  no-wikidata-item     partners without a verified QID: not compared

examples:
  twinned wikidata-diff                               (asks query.wikidata.org)
  twinned wikidata-diff --offline ../shared/data/wikidata-twin-cities --city kaunas
  twinned wikidata-diff --endpoint http://127.0.0.1:7878/query --format csv
  twinned wikidata-diff --quickstatements > p190.tsv  (paste into QuickStatements)

exit status: 0 the comparison was written (differences are not errors); 2 input error,
or the endpoint failed after its retries (nothing is written)."""


def _diff_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    p = sub.add_parser("wikidata-diff", help="compare our partnerships with Wikidata's P190 statements",
                       description="Compare each publishing city's partnerships with Wikidata's P190 "
                       "(twinned administrative body): from a SPARQL endpoint (the Wikidata Query Service "
                       "by default) or the offline extract of the P190 network. Optionally write the "
                       "missing P190 statements as QuickStatements.",
                       epilog=DIFF_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group()
    source.add_argument("--endpoint", metavar="URL",
                        help=f"a SPARQL endpoint with Wikidata's data (default: {WIKIDATA_SPARQL})")
    source.add_argument("--offline", nargs="?", const="", metavar="PATH",
                        help="compare with the offline extract (nodes.tsv, links.tsv) in PATH "
                        f"(default: data/{EXTRACT_DIR} or ../shared/data/{EXTRACT_DIR})")
    p.add_argument("--city", metavar="CITY", help="only this publishing city (place key or QID)")
    p.add_argument("-f", "--format", choices=["report", "json", "csv"], default="report",
                   help="report (default, for reading), json or csv (one row per finding)")
    p.add_argument("--quickstatements", action="store_true",
                   help="write QuickStatements V1 commands for the P190 statements Wikidata lacks (both "
                   "directions, P580 start time, S854 reference URL of our partnership) instead")
    _endpoint_flags(p)
    common(p)
    p.set_defaults(handler=cmd_wikidata_diff)


# -- link -------------------------------------------------------------------------------------------------


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.wikidata import linking
    from twinned.wikidata.view import read_nodes

    if (args.qid or args.choose) and not args.write:
        raise InputError([Problem("--write", 0, "KEY", "the place key to write the chosen QID to")])
    records = _records(settings)
    folder = Path(args.offline) if args.offline else default_extract(settings.project_dir)
    nodes = read_nodes(folder) if folder is not None else None
    endpoint = None
    if args.endpoint or args.online:
        endpoint = _endpoint(args, settings, args.endpoint or WIKIDATA_SPARQL)
    proposal = linking.propose(args.name, records.gazetteer, country=args.country, nodes=nodes,
                               nodes_from=str(folder), endpoint=endpoint)
    if args.format == "json":
        sys.stdout.write(json.dumps(linking.to_json(proposal), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(linking.render(proposal))
    if args.write:
        qid = linking.choose(proposal, args.qid, args.choose)
        message = linking.write_qid(settings.data_dir / "places.yaml", records.gazetteer, args.write, qid,
                                    replace=args.replace)
        print(f"twinned: data/places.yaml: {message}", file=sys.stderr)
        if qid not in [c.qid for c in proposal.candidates]:
            print(f"twinned: note: {qid} is not among the candidates; it is your choice", file=sys.stderr)
    return 0


LINK_EPILOG = """examples:
  twinned link Kosice
  twinned link "San Martin" --country AR --endpoint http://127.0.0.1:7878/query
  twinned link Rende --country IT --online --write rende --choose 1
  twinned link Lippe --write kreis-lippe --qid Q…

Nothing is chosen on its own unless exactly one candidate matched exactly; --write
edits only that place's entry of data/places.yaml (comments and layout kept).
exit status: 0 listed (and written); 2 input error, ambiguous without a choice,
unknown key or QID already used (nothing is written)."""


def _link_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    p = sub.add_parser("link", help="propose Wikidata items for a place name; write the chosen one",
                       description="List candidate Wikidata items for a place name from data/places.yaml "
                       "and the offline P190 extract (ignoring diacritics and case, aliases included), "
                       "and from Wikidata when an endpoint is given (human settlements and administrative "
                       "areas only), ranked, with why each matched.",
                       epilog=LINK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME", help="the place name, as the source writes it")
    p.add_argument("--country", metavar="CC", help="only places in this country (ISO 3166-1 alpha-2)")
    p.add_argument("--offline", metavar="PATH",
                   help=f"the P190 extract's folder (default: data/{EXTRACT_DIR} or ../shared/data/{EXTRACT_DIR})")
    p.add_argument("--endpoint", metavar="URL", help="also search this SPARQL endpoint with Wikidata's data")
    p.add_argument("--online", action="store_true", help=f"also search Wikidata ({WIKIDATA_SPARQL})")
    p.add_argument("--write", metavar="KEY", help="write the chosen QID into the place KEY of data/places.yaml")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--qid", metavar="QID", help="the QID to write (your choice)")
    choice.add_argument("--choose", type=int, metavar="N", help="write the N-th candidate of the list")
    p.add_argument("--replace", action="store_true", help="replace a QID the place already has")
    p.add_argument("-f", "--format", choices=["text", "json"], default="text", help="text (default) or json")
    _endpoint_flags(p)
    common(p)
    p.set_defaults(handler=cmd_link)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    _diff_parser(sub, common)
    _link_parser(sub, common)
