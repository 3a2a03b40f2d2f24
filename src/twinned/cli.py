"""The ``twinned`` command. Exit codes: 0 success (the graph conforms), 1 the graph
does not conform to the shapes, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .config import Settings, load_settings
from .errors import InputError, NotConformant, TwinnedError

EPILOG = """exit status: 0 success, 1 the graph does not conform to the SHACL shapes,
2 usage or input error (every problem is listed as file:line: field: expected).
Settings: flags, then TWINNED_* environment variables, then twinned.toml [twinned]."""

Handler = Callable[[argparse.Namespace, Settings], int]


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return lambda _msg: None
    return lambda msg: print(f"twinned: {msg}", file=sys.stderr)


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from .build import build

    result = build(settings, _progress(args))
    print(
        f"Built {result.triples} triples: {len(result.records.partnerships)} partnerships, "
        f"{len(result.records.gazetteer.places)} places, {len(result.records.memberships)} memberships; "
        f"conforms. Published {settings.output_dir} -> {result.release_dir}"
    )
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from .build import dataset_graph
    from .validation import load_shapes, validate_graph

    _records, graph = dataset_graph(settings)
    report = validate_graph(graph, load_shapes(settings.shapes_dir))
    print(report.text(), end="")
    return 0 if report.conforms else 1


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", default=".", metavar="DIR",
                   help="project directory holding data/, ontology/, shapes/, queries/ (default: .)")
    p.add_argument("--base-uri", metavar="URI",
                   help="persistent base URI of every resource (default: https://w3id.org/twinned/)")
    p.add_argument("--dist", metavar="DIR", help="publication directory (default: PROJECT/dist)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="twinned",
        description="Publish town-twinning and sister-city agreements as linked data: "
        "YAML records → RDF linked to Wikidata → SHACL-validated dumps → a linked-data server.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"twinned {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="load, map, validate and publish dist/",
                       description="Load the records in data/, map them to RDF, validate them with the "
                       "shapes in shapes/ and publish dist/ (Turtle, N-Triples, JSON-LD, gzipped too, "
                       "the ontology, the shapes and the validation report). The previous dist/ is "
                       "replaced atomically, and only when everything succeeded.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    p.set_defaults(handler=cmd_build)

    p = sub.add_parser("validate", help="validate the records against the shapes, publish nothing",
                       description="Load and map the records and print the SHACL validation report. "
                       "Nothing is written.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    p.set_defaults(handler=cmd_validate)
    return top


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name, None)
        for name in ("base_uri", "host", "port", "query_timeout", "max_rows")
    }
    overrides["dist_dir"] = getattr(args, "dist", None)
    return load_settings(Path(args.project), **overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, _settings(args))
    except InputError as exc:
        print(f"twinned: {len(exc.problems)} problem(s) in the input; nothing was published:",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except NotConformant as exc:
        print("twinned: the graph does not conform to the shapes; nothing was published.",
              file=sys.stderr)
        print(exc.report_text, file=sys.stderr, end="")
        return exc.exit_code
    except TwinnedError as exc:
        print(f"twinned: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
