"""The world-scale commands of ``twinned``: ``import-wikidata``, ``generate-world`` and
``load`` (registered by ``cli.main.parser``; exit codes as for every command).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from twinned.config import Settings
from twinned.errors import InputError, Problem

EPILOG = """exit status: 0 success, 1 the graph does not conform to the SHACL shapes,
2 usage or input error (every problem is listed as file:line: field: expected)."""

Common = Callable[[argparse.ArgumentParser], None]
# the synthetic world generator is not in the package (its worlds must never be published):
# it is benchmarks/synthetic.py of the source checkout, beside src/ (the install is editable)
GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "synthetic.py"
GENERATOR_MODULE = "twinned_benchmarks_synthetic"


def progress_for(args: argparse.Namespace) -> Callable[[str], None]:
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return lambda _msg: None
    return lambda msg: print(f"twinned: {msg}", file=sys.stderr)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.records.extract_files import default_extract
    from twinned.records.world_import import DEFAULT_FROM, import_wikidata

    source = (Path(args.source) if args.source else settings.wikidata_extract
              or default_extract(settings.project_dir) or settings.project_dir / DEFAULT_FROM)
    result = import_wikidata(settings.data_dir, settings.ontology_dir, source, progress_for(args))
    merged = ", ".join(f"{key} ({qid})" for qid, key in result.merged[:6])
    more = f" and {len(result.merged) - 6} more" if len(result.merged) > 6 else ""
    print(f"Imported {result.cities} cities and {result.partnerships} twinnings from {source} into "
          f"{result.folder}: {len(result.merged)} cities are curated places, merged by QID "
          f"({merged}{more}); {result.new_keys} new keys; {result.countries} countries.")
    if result.dropped:
        print(f"Dropped {len(result.dropped)} key(s) of an earlier import (no longer in the extract, "
              f"or now curated): {', '.join(result.dropped[:10])}", file=sys.stderr)
    print("Next: twinned build (or twinned serve).")
    return 0


def _import_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    p = sub.add_parser(
        "import-wikidata", help="import the Wikidata twin-city network into data/world/",
        description="Read the Wikidata twin-city extract (nodes.tsv: cities with QIDs, names, "
        "coordinates and countries; links.tsv: undirected twinnings) and merge it with the curated "
        "records into data/world/: a city whose QID a curated place has is that place (curated "
        "details win), every other city gets a stable key (name, else name-cc, else name-qid; keys "
        "of an earlier import are kept), countries come from the country codes (verified QIDs only "
        "where places.yaml has them). Every imported statement derives from the extract. "
        "Then run twinned build or twinned serve. See docs/world.md.",
        epilog="example:\n  twinned import-wikidata --from ../shared/data/wikidata-twin-cities\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="source", metavar="DIR",
                   help="folder holding nodes.tsv and links.tsv (default: the wikidata_extract setting, "
                   "else data/wikidata-twin-cities or ../shared/data/wikidata-twin-cities beside the project)")
    common(p)
    p.set_defaults(handler=cmd_import)


def synthetic_module() -> ModuleType:
    """The synthetic world generator, benchmarks/synthetic.py of the source checkout;
    InputError naming what is missing when twinned is not run from one."""
    path = GENERATOR
    loaded = sys.modules.get(GENERATOR_MODULE)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(GENERATOR_MODULE, path) if path.is_file() else None
    if spec is None or spec.loader is None:
        raise InputError([Problem(str(path), 0, "generate-world",
                                  "the synthetic world generator, benchmarks/synthetic.py of a source checkout of "
                                  "twinned beside src/ (it is not part of the installed package): run generate-world "
                                  "from a clone installed with pip install -e .")])
    module = importlib.util.module_from_spec(spec)
    sys.modules[GENERATOR_MODULE] = module  # (dataclasses look their module up while it runs)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[GENERATOR_MODULE]
        raise
    return module


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    generate_world = synthetic_module().generate_world
    target = Path(args.directory)
    result = generate_world(settings, target, args.scale, seed=args.seed, source=Path(args.source)
                            if args.source else None, publishers=args.publishers,
                            progress=progress_for(args))
    print(f"Generated a world {args.scale}x the real one in {target}: {result.cities} cities, "
          f"{result.partnerships} partnerships ({result.curated} recorded by {result.publishers} "
          f"publishing cities with their documents). Build it with: twinned build --project {target}")
    return 0


def _generate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    p = sub.add_parser(
        "generate-world", help="write a synthetic world N times the real one (for benchmarks)",
        description="Write a project directory holding a synthetic world SCALE times the size of the "
        "imported Wikidata network, with the same shape: the same degree distribution of twinnings, "
        "the same countries, and publishing cities whose curated pages record partnerships with "
        "documents, partial dates, signing places and areas of cooperation, modelled on the seed "
        "pages. The first copy is the real extract; the others have synthetic names, keys and QIDs "
        "(from Q901000000000 on, which Wikidata does not use): never publish it. The project's "
        "records, ontology, shapes, queries and settings are copied. See docs/world.md.",
        epilog="example:\n  twinned generate-world --scale 10 /tmp/w10 && twinned build --project /tmp/w10\n\n"
        + EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("directory", metavar="DIR", help="the project directory to write (must not exist)")
    p.add_argument("--scale", type=int, default=10, metavar="N", help="how many times the real world (default 10)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1): the same seed, the same world")
    p.add_argument("--publishers", type=int, metavar="N",
                   help="how many synthetic cities publish a page of partnerships with documents "
                   "(default: twice SCALE, the real share of such partnerships)")
    p.add_argument("--from", dest="source", metavar="DIR",
                   help="the Wikidata extract to scale up (default: PROJECT/../shared/data/wikidata-twin-cities)")
    common(p)
    p.set_defaults(handler=cmd_generate)


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    from twinned.store.auth import credentials_in_url, store_auth
    from twinned.store.external import push_release
    from twinned.web.current import ensure_built

    credentials_in_url(args.graph_store, "--graph-store")
    auth = store_auth(args.graph_store)
    directory = ensure_built(settings)
    for line in push_release(directory, settings.base_uri, args.graph_store, graph=args.graph,
                             append=args.append, timeout=args.timeout, auth=auth, progress=progress_for(args)):
        print(line)
    print(f"Loaded release {directory.name}. Serve it from the store with: twinned serve --sparql-endpoint URL")
    return 0


def _load_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    p = sub.add_parser(
        "load", help="push the built graph to a SPARQL 1.1 Graph Store (Oxigraph, Fuseki, ...)",
        description="Build dist/ if it is missing or stale, then send the release to a SPARQL 1.1 "
        "Graph Store HTTP Protocol endpoint: the data (twinned.nt) into the default graph (or the "
        "graph given by --graph), the ontology into <https://w3id.org/twinned/def/> and the "
        "catalogue into <BASE/catalog>, each replacing what the graph held (PUT; --append POSTs "
        "instead). Then serve from that store with twinned serve --sparql-endpoint. "
        "Credentials come from TWINNED_STORE_USER and TWINNED_STORE_PASSWORD, or from the host's entry "
        "in a netrc file ($NETRC or ~/.netrc), never from the URL; the store's challenge picks HTTP Basic "
        "or Digest. See docs/external-store.md.",
        epilog="examples:\n"
        "  twinned load --graph-store http://localhost:7878/store                 (Oxigraph server)\n"
        "  twinned load --graph-store http://localhost:3030/twinned/data          (Apache Jena Fuseki)\n"
        "  twinned load --graph-store http://localhost:7200/repositories/twinned/rdf-graphs/service"
        "  (GraphDB)\n"
        "  twinned load --graph-store http://localhost:8890/sparql-graph-crud-auth --graph https://w3id.org/twinned/\n"
        "      (Virtuoso; the user and password from the environment or netrc)\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graph-store", required=True, metavar="URL",
                   help="the Graph Store Protocol endpoint (?default and ?graph= are added to it)")
    p.add_argument("--graph", metavar="IRI", help="load the data into this named graph, not the default graph")
    p.add_argument("--append", action="store_true", help="add to the graphs (POST) instead of replacing them (PUT)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="give up on one request after this long (default 600)")
    common(p)
    p.set_defaults(handler=cmd_load)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    _import_parser(sub, common)
    _generate_parser(sub, common)
    _load_parser(sub, common)
