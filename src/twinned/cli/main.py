"""The ``twinned`` command. Exit codes: 0 success (the graph conforms), 1 the graph
does not conform to the shapes, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from twinned import __version__
from twinned.cli.extract import add_parser as extract_parser
from twinned.cli.get import add_parser as get_parser
from twinned.cli.wikidata import add_parsers as wikidata_parsers
from twinned.cli.world import register as world_parsers
from twinned.config import Settings, load_settings
from twinned.errors import InputError, NotConformant, Problem, TwinnedError

if TYPE_CHECKING:
    from twinned.store.release import LoadedRelease

EPILOG = """exit status: 0 success, 1 the graph does not conform to the SHACL shapes,
2 usage or input error (every problem is listed as file:line: field: expected).
Settings: flags, then TWINNED_* environment variables, then twinned.toml [twinned]."""

Handler = Callable[[argparse.Namespace, Settings], int]


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Progress on a terminal (nothing with --quiet or when stderr is not a terminal, as in
    CI). A message starting with a carriage return redraws the current line: a bar."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return lambda _msg: None
    state = {"open": False}

    def show(msg: str) -> None:
        if msg.startswith("\r"):
            print(f"\rtwinned: {msg[1:]}\x1b[K", end="", file=sys.stderr, flush=True)
            state["open"] = True
            return
        if state["open"]:
            print(file=sys.stderr)
            state["open"] = False
        print(f"twinned: {msg}", file=sys.stderr)
    return show


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.web.current import build_site

    result = build_site(settings, _progress(args))
    n = result.counts
    print(
        f"Built {result.triples} triples: {n['partnerships']} partnerships, "
        f"{n['places']} places, {n['memberships']} memberships; "
        f"conforms. Published {settings.output_dir} -> {result.release_dir}"
    )
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """The project's records against its shapes, or ``--data`` files against ``--shapes``
    files (the project's shapes when none are named, its records when no data is)."""
    from twinned.rdf.files import graph_of, read_quads
    from twinned.validation.engine import load_shapes, validate_files, validate_store

    if args.data:
        shapes = args.shapes or sorted(settings.shapes_dir.glob("*.ttl"))
        if not shapes:
            raise InputError([Problem(str(settings.shapes_dir), 0, "shapes",
                                      "expected SHACL shapes (*.ttl) here, or files named with --shapes")])
        report = validate_files(args.data, shapes)
    else:
        from twinned.build.incremental import units_store
        from twinned.rdf.vocab import load_vocabulary
        from twinned.records.load import load_records

        records = load_records(settings.data_dir, load_vocabulary(settings.ontology_dir))
        shapes_graph = graph_of(read_quads(args.shapes)) if args.shapes else load_shapes(settings.shapes_dir)
        report = validate_store(units_store(settings, records), shapes_graph)
    if args.format == "turtle":
        sys.stdout.buffer.write(report.turtle())
        sys.stdout.flush()
    else:
        print(report.text(), end="")
    return 0 if report.conforms else 1


def _key_value(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name, value


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.queries import canned as q
    from twinned.queries.binding import find
    from twinned.queries.params import ParameterError
    from twinned.queries.results import FORMAT_NAMES, execute, format_names, write
    from twinned.store.release import load_release
    from twinned.web.current import ensure_built

    queries = q.load_queries(settings.queries_dir)
    if args.list or args.name is None:
        if args.format == "json":
            print(json.dumps([q.summary(x) for x in queries.values()], ensure_ascii=False, indent=1))
        else:
            print(q.render_markdown(queries) if args.format == "markdown" else q.listing(queries), end="")
        return 0
    query = find(queries, args.name)
    if args.show:
        print(query.text, end="")
        return 0
    params: dict[str, list[str]] = {}
    for name, value in args.param:
        params.setdefault(name, []).append(value)
    fmt = FORMAT_NAMES.get(args.format or "table")
    if fmt is None or args.format not in (None, *format_names(query.construct)):
        raise ParameterError(query.name, "--format", "one of " + ", ".join(format_names(query.construct)),
                               args.format)
    release = load_release(ensure_built(settings))
    binding, result = execute(release.store, query, params, settings.base_uri, settings.max_rows)
    sys.stdout.buffer.write(write(result, binding, fmt, settings.base_uri))
    sys.stdout.flush()
    return 0


QUERY_EPILOG = """examples:
  twinned query --list
  twinned query partners --param city=Q4115712
  twinned query common-partners -p cities=Q25409 -p cities=Q8385 --format csv
  twinned query documents -p partnership=partnership/kaunas--vestfold
  twinned query wikidata-p190 -p item=Q8385 --format turtle
  twinned query --list --format markdown     (the list in README)

parameter types: iri (absolute, or relative to the base URI: place/kaunas), qid (Q25409),
string, langstring (Kassa@hu), date (YYYY, YYYY-MM or YYYY-MM-DD), year (YYYY),
integer, enum (one of the allowed values). Repeat --param for a list parameter.
A value that is not of its parameter's type is refused (exit status 2).

""" + EPILOG


def _query_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("query", help="run a canned query of queries/ on the built graph",
                       description="List the canned queries in queries/ or run one on the built "
                       "graph (building dist/ first if it is missing or stale), without a server. "
                       "Parameter values are bound as RDF terms, never pasted into the query.",
                       epilog=QUERY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", metavar="NAME", help="the query to run (see --list)")
    p.add_argument("-l", "--list", action="store_true", help="list the queries and their parameters")
    p.add_argument("-p", "--param", action="append", default=[], type=_key_value, metavar="NAME=VALUE",
                   help="a parameter value (repeat for several parameters or a list)")
    p.add_argument("-f", "--format", metavar="FORMAT",
                   choices=["table", "json", "sparql-json", "csv", "tsv", "turtle", "ntriples", "jsonld",
                            "markdown"],
                   help="table (default), json (row objects), sparql-json, csv or tsv for SELECT "
                   "queries; turtle, ntriples, jsonld or table for CONSTRUCT; with --list: table, "
                   "json or markdown")
    p.add_argument("--show", action="store_true", help="print the query file instead of running it")
    _common(p)
    p.set_defaults(handler=cmd_query)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.store.release import load_release
    from twinned.web.current import ensure_built
    from twinned.web.server import run

    progress = _progress(args)
    progress("checking dist/ (building it if missing or stale)")
    directory = ensure_built(settings)
    if getattr(args, "sparql_endpoint", None):
        release = _external_release(args, settings, directory, progress)
    else:
        release = load_release(directory)
    print(f"twinned: serving release {release.version} at http://{settings.host}:{settings.port}/ "
          f"(resources under {settings.base_uri}; SPARQL at /sparql)", file=sys.stderr, flush=True)
    return run(settings, release, log_level="warning" if args.quiet else "info")


def _external_release(args: argparse.Namespace, settings: Settings, directory: Path,
                      progress: Callable[[str], None]) -> LoadedRelease:
    """The release served from an external SPARQL endpoint (pushed there first when
    --graph-store is given)."""
    from twinned.store.auth import credentials_in_url, display_url, store_auth
    from twinned.store.external import push_release, release_named_graphs
    from twinned.store.release import remote_opener

    credentials_in_url(args.sparql_endpoint, "--sparql-endpoint")
    if args.graph_store:
        credentials_in_url(args.graph_store, "--graph-store")
        for line in push_release(directory, settings.base_uri, args.graph_store, graph=args.default_graph,
                                 auth=store_auth(args.graph_store), progress=progress):
            print(f"twinned: {line}", file=sys.stderr)
    open_release = remote_opener(args.sparql_endpoint, default_graph=args.default_graph,
                                 named_graphs=release_named_graphs(settings.base_uri),
                                 timeout=settings.query_timeout, auth=store_auth(args.sparql_endpoint))
    print(f"twinned: pages, queries and /sparql answered by {display_url(args.sparql_endpoint)}"
          + (f" (data in <{args.default_graph}>)" if args.default_graph else ""), file=sys.stderr)
    return open_release(directory)


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the graph as a linked-data site with a SPARQL endpoint",
                       description="Build dist/ if it is missing or stale, load it into the embedded "
                       "store and serve it over HTTP: every resource URI with content negotiation "
                       "(HTML, Turtle, JSON-LD, N-Triples, RDF/XML), the dumps, and a read-only "
                       "SPARQL 1.1 endpoint at /sparql. The server maps its own address onto the "
                       "base URI: http://HOST:PORT/place/kosice is BASE/place/kosice. "
                       "See docs/serving.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", metavar="HOST", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="PORT", help="port to listen on (default: 8000)")
    p.add_argument("--processes", type=int, metavar="N",
                   help="serve from N processes sharing the port, one per core (default: 1; Linux); "
                   "see docs/serving.md")
    p.add_argument("--query-timeout", type=float, metavar="SECONDS",
                   help="stop a SPARQL query after this many seconds (default: 10)")
    p.add_argument("--max-rows", type=int, metavar="N",
                   help="return at most N rows or triples from a SPARQL query (default: 10000)")
    p.add_argument("--root-path", metavar="PATH",
                   help="the path prefix the server is reached under behind a reverse proxy (/twinned for "
                   "https://example.org/twinned/): every link, redirect and Link or Content-Location header "
                   "carries it (default: none); see docs/serving.md")
    p.add_argument("--sparql-endpoint", metavar="URL",
                   help="serve pages, canned queries and /sparql from this SPARQL 1.1 endpoint instead of "
                   "the embedded store (load the release into it first: twinned load, or --graph-store); "
                   "see docs/external-store.md. Credentials: TWINNED_STORE_USER and TWINNED_STORE_PASSWORD, "
                   "or a netrc file (never in the URL)")
    p.add_argument("--graph-store", metavar="URL",
                   help="with --sparql-endpoint: first push the release to this SPARQL 1.1 Graph Store "
                   "(as twinned load does)")
    p.add_argument("--default-graph", metavar="IRI",
                   help="with --sparql-endpoint: the graph holding the data, sent as default-graph-uri with "
                   "every query, the ontology's and catalogue's graphs as named-graph-uri (for stores whose "
                   "default graph is the union of all graphs, such as Virtuoso); with --graph-store, the "
                   "graph the data is loaded into")
    _common(p)
    p.set_defaults(handler=cmd_serve)


def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.web.reloading import pid_file, signal_reload

    pid = signal_reload(settings)
    print(f"twinned: asked the server (pid {pid}, {pid_file(settings).name}) to serve the current "
          "release of dist/; it logs the swap, and X-Twinned-Release names the release served")
    return 0


def _reload_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reload", help="make a running 'twinned serve' serve the current dist/",
                       description="Send SIGHUP to the 'twinned serve' of this project and port (found "
                       "by the pid file PROJECT/.twinned-serve-PORT.pid). The server checks dist/ "
                       "(building it if stale), loads the new release and its query workers, then "
                       "swaps it in atomically: every request is answered from the old release or "
                       "the new one, none fails. If the new release cannot be loaded the old one "
                       "keeps serving. See docs/serving.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, metavar="PORT", help="the port the server listens on (default: 8000)")
    _common(p)
    p.set_defaults(handler=cmd_reload)


def cmd_export_static(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.store.release import load_release
    from twinned.web.current import ensure_built
    from twinned.web.static_export import export_static

    _progress(args)("checking dist/ (building it if missing or stale)")
    release = load_release(ensure_built(settings))
    done = export_static(settings, release, Path(args.directory))
    print(f"Exported release {release.version}: {done.files} files, {done.resources} resources, "
          f"to {done.directory} (host it at {settings.base_uri}; rules for Apache in .htaccess, "
          f"for nginx in .hosting/)")
    return 0


def _export_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export-static", help="write the whole site as files for a static web host",
                       description="Build dist/ if it is missing or stale, then write the site as "
                       "files into DIR: every resource as .html, .ttl, .jsonld, .nt and .rdf, the "
                       "landing page as index.html, the dumps, the catalogue, the VoID description "
                       "(.well-known/void) and the stylesheet, with content-negotiation rules for "
                       "Apache (.htaccess) and nginx (.hosting/). Links use the base URI's path "
                       "(or --root-path): host DIR there. DIR must be new, empty or an earlier export, "
                       "which is replaced. See docs/static-hosting.md.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("directory", metavar="DIR", help="the directory to write the site into")
    p.add_argument("--root-path", metavar="PATH",
                   help="host the site under this path instead of the base URI's (/twinned)")
    _common(p)
    p.set_defaults(handler=cmd_export_static)


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

    p = sub.add_parser("validate", help="validate the records (or any RDF files) against SHACL shapes",
                       description="Load and map the records and print the SHACL validation report; "
                       "with --data, validate those RDF files instead (Turtle, N-Triples, RDF/XML, "
                       "JSON-LD, TriG or N-Quads, by extension; their union is the data graph) against "
                       "the --shapes files (default: the project's shapes/). The same validation as "
                       "the build's. Nothing is written.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    p.add_argument("--data", nargs="+", type=Path, metavar="FILE", help="RDF files to validate")
    p.add_argument("--shapes", nargs="+", type=Path, metavar="FILE", help="SHACL shapes files")
    p.add_argument("--format", choices=("text", "turtle"), default="text",
                   help="the report as text (default) or as a Turtle sh:ValidationReport")
    p.set_defaults(handler=cmd_validate)

    _query_parser(sub)
    _serve_parser(sub)
    _reload_parser(sub)
    _export_parser(sub)
    get_parser(sub, _common)
    wikidata_parsers(sub, _common)
    world_parsers(sub, _common)
    extract_parser(sub)
    return top


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name, None)
        for name in ("base_uri", "host", "port", "processes", "query_timeout", "max_rows", "root_path")
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
