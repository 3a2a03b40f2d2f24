"""The whole site as files, for a static web host (``twinned export-static DIR``;
see docs/static-hosting.md).

Every page and document is rendered by the server's own functions
(``server.resource_body``, ``server.landing_body``), so a file holds the bytes
``twinned serve`` answers at its path, with one difference: the pages' links, which
the server writes root-relative (``/place/kosice``), are moved under the base URI's
path (``/twinned/place/kosice`` for ``https://w3id.org/twinned/``), so the site works
when DIR is hosted at the base. The layout follows the server's URLs:

    index.html .ttl .jsonld .nt .rdf       the landing page and its schema.org Dataset
    {resource}.html .ttl .jsonld .nt .rdf  every resource (def/index.* for /def/)
    dumps/ catalog.* context.jsonld ...    the release files, as the server serves them
    .well-known/void                       the VoID description (Turtle)
    static/                                every file of the app's static mounts
    queries.html queries.json ...          every other fixed page of the app, as PATH.html
    queries/*.rq                           the canned queries' SPARQL
    404.html                               the not-found page
    .htaccess  .hosting/nginx-*.conf       content negotiation for Apache and nginx

Where the server has a release file and a resource document at the same path
(``/catalog.ttl``), the file wins, as on the server. What answers queries (``/sparql``,
``/queries/{name}``) needs ``twinned serve``. Output is deterministic: the same
release exports to the same bytes.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from twinned import httperrors as he
from twinned.config import Settings
from twinned.errors import PublishError
from twinned.rdf.negotiation import HTML, RESOURCE_OFFERS, TURTLE, Format
from twinned.store.release import LoadedRelease
from twinned.web.queries_api import QueryService
from twinned.web.rootpath import relink
from twinned.web.server import FILES, Server, document_path, landing_body, resource_body, site_app

MARKER = ".twinned-export"  # names the release; a DIR holding it may be replaced
HOSTING = ".hosting"
VOID_FILE = ".well-known/void"
DYNAMIC = ("/sparql",)  # answers queries: needs `twinned serve`

# Content-Type per file extension: the server's own types, for the hosting rules
EXTENSION_TYPES = {
    **{f.suffix: f.content_type for f in RESOURCE_OFFERS if f.suffix},
    ".gz": "application/gzip",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".rq": "text/plain; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

@dataclass(frozen=True)
class Exported:
    """What ``export_static`` wrote."""

    directory: Path
    files: int
    resources: int
    prefix: str


def site_prefix(base_uri: str) -> str:
    """The path the site is hosted at: ``/twinned`` for ``https://w3id.org/twinned/``."""
    return urlsplit(base_uri).path.rstrip("/")


def resource_paths(server: Server) -> list[tuple[str, str]]:
    """(path, IRI) of every resource the server dereferences, in path order. The base
    URI itself is the landing page."""
    site = server.site
    found = []
    for iri in site.describer.subjects:
        path = site.addresses.path(iri)
        if path is not None and path != "/":
            found.append((path, iri))
    return sorted(found)


def _page(body: bytes, fmt: Format, prefix: str) -> bytes:
    return relink(body, prefix) if fmt is HTML else body


def documents(app: Starlette, prefix: str) -> Iterator[tuple[str, bytes]]:
    """(URL path, body) of every file of the site, in a fixed order. A path is given once."""
    server: Server = app.state.server
    seen: set[str] = set()

    def once(path: str, body: bytes) -> Iterator[tuple[str, bytes]]:
        if path not in seen:
            seen.add(path)
            yield path, body

    for path, (name, _media) in sorted(FILES.items()):
        file = server.release.directory / name
        if file.exists():
            yield from once(path, file.read_bytes())
    for fmt in RESOURCE_OFFERS:
        yield from once(document_path("/", fmt), _page(landing_body(server, fmt), fmt, prefix))
    for path, iri in resource_paths(server):
        for fmt in RESOURCE_OFFERS:
            yield from once(document_path(path, fmt), _page(resource_body(server, iri, path, fmt), fmt, prefix))
    dataset = server.settings.base_uri + "dataset"
    if server.site.describer.exists(dataset):
        yield from once("/" + VOID_FILE, resource_body(server, dataset, "/dataset", TURTLE))
    for path, body in sorted(assets(app)):
        yield from once(path, body)
    for path, body in sorted(pages(app, prefix)):
        yield from once(path, body)
    queries = QueryService(server.settings, server.release)
    for query in sorted(queries.queries.values(), key=lambda x: x.name):
        yield from once(f"/queries/{query.name}.rq", query.text.encode("utf-8"))
    missing = he.NotFound("There is nothing at this address. Start from the home page.")
    yield from once("/404.html", relink(server.render("error.html", error=missing, path="/"), prefix))


def assets(app: Starlette) -> Iterator[tuple[str, bytes]]:
    """The files of every static mount (``/static/...``)."""
    for route in app.routes:
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            for directory in route.app.all_directories:
                root = Path(directory)
                for file in sorted(root.rglob("*")):
                    if file.is_file():
                        yield f"{route.path}/{file.relative_to(root).as_posix()}", file.read_bytes()


_HREF = re.compile(rb'href="(/[^"#?]*)"')
MAX_LINKED_PAGES = 10_000


def _linked_routes(app: Starlette) -> list[Route]:
    """Routes with parameters (``/wikidata-diff/{name}``) other than the resource catch-all."""
    return [r for r in app.routes if isinstance(r, Route) and r.param_convertors
            and "GET" in (r.methods or ()) and r.path != "/{path:path}"]


def pages(app: Starlette, prefix: str) -> Iterator[tuple[str, bytes]]:
    """Every other fixed address the app answers (the list of queries, ...), and the pages
    of parameterised routes those pages link to: an HTML page as PATH.html, any other
    document at its own path when the path has a suffix."""
    paths = sorted({r.path for r in app.routes if isinstance(r, Route) and not r.param_convertors
                    and "GET" in (r.methods or ()) and r.path not in (*FILES, *DYNAMIC, "/", "/" + VOID_FILE)})
    linked = _linked_routes(app)
    fixed, seen = frozenset(paths), set(paths)
    while paths:
        found: set[str] = set()
        for path, (status, media, body) in zip(paths, asyncio.run(_get_all(app, paths)), strict=True):
            if status != 200:
                continue
            if media == "text/html":
                yield document_path(path, HTML), relink(body, prefix)
                for href in _HREF.findall(body):
                    target = href.decode("utf-8", "replace")
                    if target not in seen and any(r.path_regex.match(target) for r in linked):
                        found.add(target)
            elif "." in path.rsplit("/", 1)[-1] or path not in fixed:
                yield path, body  # a linked document (such as QuickStatements) at its own path
        seen |= found
        paths = sorted(found) if len(seen) <= MAX_LINKED_PAGES else []


async def _get_all(app: Starlette, paths: list[str]) -> list[tuple[int, str, bytes]]:
    return [await _get(app, path) for path in paths]


async def _get(app: Starlette, path: str) -> tuple[int, str, bytes]:
    """One GET through the app in-process (no server, no lifespan: no query workers)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"localhost"), (b"accept", b"text/html")],
             "client": ("127.0.0.1", 0), "server": ("localhost", 80)}
    status, headers, body = 500, [], bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    media = next((v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), "")
    return status, media.split(";")[0].strip(), bytes(body)


# -- hosting rules ---------------------------------------------------------------------------------

def _pattern(media_types: tuple[str, ...]) -> str:
    return "|".join(m.replace("+", "[+]") for m in media_types)


def accept_rules() -> list[tuple[str, str]]:
    """(case-insensitive regex on Accept, document suffix), first match wins: the first media
    type the client names (aliases included), else any primary type named, else HTML."""
    first = [(f"^\\s*({_pattern((f.media_type, *f.aliases))})", str(f.suffix)) for f in RESOURCE_OFFERS]
    anywhere = [(_pattern((f.media_type,)), str(f.suffix)) for f in RESOURCE_OFFERS]
    return first + anywhere


def nginx_http_conf() -> str:
    rules = "\n".join(f'    "~*{regex}" {suffix};' for regex, suffix in accept_rules())
    return f"""# twinned: content negotiation for a static export (docs/static-hosting.md).
# Include inside http {{ }}; nginx-server.conf (inside server {{ }}) uses the variable.
# The document suffix chosen by the Accept header: the first media type the client
# names that the site offers (q-values are not weighed), else HTML.
map $http_accept $twinned_suffix {{
    default .html;
{rules}
}}
"""


def nginx_server_conf(prefix: str) -> str:
    loc = prefix + "/"
    types = "\n".join(f"        {t.split(';')[0]} {ext.lstrip('.')};" for ext, t in EXTENSION_TYPES.items())
    charset = " ".join(sorted({t.split(";")[0] for t in EXTENSION_TYPES.values() if "charset" in t}
                              - {"text/html"}))  # text/html is always one
    return f"""# twinned: content negotiation for a static export (docs/static-hosting.md).
# Include inside the server {{ }} whose root + "{loc}" is the export directory, after
# including nginx-http.conf inside http {{ }}.
location = {loc}.well-known/void {{
    add_header Access-Control-Allow-Origin * always;
    return 303 {loc}dataset;
}}
location ~ ^{re.escape(loc)}\\.(?!well-known/) {{
    return 404;
}}
location = {loc}def {{
    return 301 {loc}def/;
}}
location {loc} {{
    types {{
{types}
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types {charset};
    add_header Vary Accept always;
    add_header Access-Control-Allow-Origin * always;
    error_page 404 {loc}404.html;
    # a file by its own name; else the resource's document in the negotiated format
    try_files $uri $uri$twinned_suffix ${{uri}}index$twinned_suffix =404;
}}
"""


def htaccess(prefix: str) -> str:
    loc = prefix + "/"
    types = "\n".join(f'AddType "{t}" {ext}' for ext, t in EXTENSION_TYPES.items())
    blocks = []
    for regex, suffix in [*accept_rules(), ("", ".html")]:
        accept = f"RewriteCond %{{HTTP:Accept}} {regex} [NC]\n" if regex else ""
        blocks.append(
            f"{accept}RewriteCond %{{REQUEST_FILENAME}} !-f\n"
            f"RewriteCond %{{REQUEST_FILENAME}}{suffix} -f\n"
            f"RewriteRule ^(.*)$ $1{suffix} [L]\n"
            f"{accept}RewriteCond %{{REQUEST_FILENAME}} -d\n"
            f"RewriteCond %{{REQUEST_FILENAME}}/index{suffix} -f\n"
            f"RewriteRule ^(.*/)?$ $1index{suffix} [L]")
    blocks.append("RewriteCond %{REQUEST_FILENAME} -d\nRewriteRule ^(.+[^/])$ $1/ [R=301,L]")
    rules = "\n\n".join(blocks)
    return f"""# twinned: content negotiation for a static export (docs/static-hosting.md).
# Apache 2.4 with mod_rewrite (mod_headers for Vary/CORS); AllowOverride FileInfo Indexes Options.
# The document chosen by the Accept header: the first media type the client names that
# the site offers (q-values are not weighed), else any type it names, else HTML.
# MultiViews (off unless enabled) would guess by file name: these rules replace it.
Options -Indexes
# a resource can be a directory too (/partnership/a--b holds its documents): the rules
# below choose its document, and add the slash only to a directory that is no resource
DirectorySlash Off
RemoveEncoding .gz
{types}
ErrorDocument 404 {loc}404.html
<IfModule mod_headers.c>
Header always merge Vary Accept
Header always set Access-Control-Allow-Origin "*"
</IfModule>

RewriteEngine On
RewriteBase {loc}
RewriteRule ^\\.well-known/void$ dataset [R=303,L]
RewriteRule ^\\.(?!well-known/) - [R=404,L]

{rules}
"""


def hosting_files(prefix: str) -> dict[str, str]:
    return {"/.htaccess": htaccess(prefix), f"/{HOSTING}/nginx-http.conf": nginx_http_conf(),
            f"/{HOSTING}/nginx-server.conf": nginx_server_conf(prefix)}


# -- writing ---------------------------------------------------------------------------------------

def _target(root: Path, path: str) -> Path:
    parts = unquote(path).lstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise PublishError(f"cannot export {path!r}: not a plain file path")
    return root.joinpath(*parts)


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).exists())):
        raise PublishError(f"{target} exists and is not an earlier export (no {MARKER} in it); "
                           "choose a new or empty directory")


def export_static(settings: Settings, release: LoadedRelease, target: Path) -> Exported:
    """Write the site into ``target``: built beside it, then swapped in, so a failed
    export leaves an earlier one as it was. Refuses a non-empty directory that is not
    an earlier export."""
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the pages are moved under the root path when one is set, else under the base URI's path
    app = site_app(replace(settings, root_path=""), release)
    server: Server = app.state.server
    prefix = settings.root_path or site_prefix(settings.base_uri)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    count = 0
    try:
        for path, body in documents(app, prefix):
            _write(_target(staging, path), body)
            count += 1
        for path, text in hosting_files(prefix).items():
            _write(_target(staging, path), text.encode("utf-8"))
        _write(staging / MARKER, f"{release.version}\n".encode())
        staging.chmod(0o755)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Exported(target, count, len(resource_paths(server)), prefix)


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


def _swap(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f"{staging.name}.old"
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old)
