"""``twinned export-static``: the site as files (static_export.py), the same bytes as
the server, served by a plain static file server by explicit suffix and by a real
nginx with the generated content-negotiation rules."""

from __future__ import annotations

import functools
import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from tests.support.nginx import binary, nginx_command
from twinned.cli import main
from twinned.config import Settings
from twinned.errors import PublishError
from twinned.rdf.negotiation import RESOURCE_OFFERS, negotiate
from twinned.store.release import load_release
from twinned.web.queries_api import routes as query_routes
from twinned.web.rootpath import relink
from twinned.web.server import create_app
from twinned.web.static_export import EXTENSION_TYPES, MARKER, export_static, nginx_http_conf, site_prefix

PREFIX = "/twinned"  # the path of the default base URI, https://w3id.org/twinned/
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SUFFIXES = [f.suffix for f in RESOURCE_OFFERS]
RDF = {".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD, ".nt": ox.RdfFormat.N_TRIPLES,
       ".rdf": ox.RdfFormat.RDF_XML}
RESOURCES = [  # one of every kind, and the landing page
    "/place/kosice", "/country/sk", "/network/ubc", "/partnership/kosice--mobile",
    "/partnership/kosice--mobile/document/partnership-agreement",
    "/partnership/kosice--mobile/document/partnership-agreement/signing/2",
    "/membership/kaunas/ubc", "/source/kaunas-international", "/def/", "/def/Partnership",
    "/def/agreement-types", "/dataset", "/distribution/twinned.ttl", "/",
]
FILES = ["/dumps/twinned.ttl", "/dumps/twinned.nt.gz", "/catalog.ttl", "/catalog.jsonld", "/catalog.rdf",
         "/context.jsonld", "/static/twinned.css", "/queries/partners.rq", "/queries.json"]


def document(path: str, suffix: str) -> str:
    return f"{path}index{suffix}" if path.endswith("/") else f"{path}{suffix}"


@pytest.fixture(scope="module")
def www(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document root of a host: the export is at its /twinned/, as the base URI says."""
    root = tmp_path_factory.mktemp("www")
    code = main(["export-static", str(root / "twinned"), "--project", str(built.project_dir), "--quiet"])
    assert code == 0
    return root


@pytest.fixture(scope="module")
def site(www: Path) -> Path:
    return www / "twinned"


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[TestClient]:
    release = load_release(built.output_dir.resolve())
    app = create_app(built, release, query_routes(built, release), query_workers=1)
    with TestClient(app) as c:
        yield c


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# -- what is written ------------------------------------------------------------------------------------

def test_site_prefix_is_the_base_uris_path() -> None:
    assert site_prefix("https://w3id.org/twinned/") == "/twinned"
    assert site_prefix("https://example.org/") == ""
    assert site_prefix("https://example.org/a/b/") == "/a/b"


def test_relink_moves_only_root_relative_attributes() -> None:
    page = (b'<a href="/place/x">x</a> <link href="/static/a.css"> <form action="/sparql">'
            b' <a href="//cdn.example/x"> <a href="https://w3id.org/twinned/"> <p>href="/no"</p>'
            b'<script type="application/ld+json">{"a": "<a href=\\"/no\\">"}</script>')
    out = relink(page, "/twinned")
    assert out.count(b'="/twinned/') == 3
    assert b'href="//cdn.example/x"' in out and b'<p>href="/no"</p>' in out and b'href=\\"/no\\"' in out
    assert relink(page, "") == page


@pytest.mark.slow  # (a whole static export of the seeds)
def test_every_resource_has_every_document(site: Path, client: TestClient) -> None:
    server = client.app.state.server  # type: ignore[attr-defined]
    paths = [server.site.addresses.path(iri) for iri in server.site.describer.subjects]
    resources = [p for p in paths if p is not None and p != "/"]
    assert len(resources) > 700
    for path in resources:
        for suffix in SUFFIXES:
            assert (site / document(path, suffix).lstrip("/")).is_file(), (path, suffix)


@pytest.mark.parametrize("path", RESOURCES)
def test_documents_are_the_servers_bytes(site: Path, client: TestClient, path: str) -> None:
    for suffix, fmt in zip(SUFFIXES, RESOURCE_OFFERS, strict=True):
        r = client.get(path, headers={"Accept": fmt.media_type})
        assert r.status_code == 200
        served = relink(r.content, PREFIX) if suffix == ".html" else r.content
        assert (site / document(path, suffix).lstrip("/")).read_bytes() == served, suffix


@pytest.mark.parametrize("path", FILES)
def test_files_are_the_servers_bytes(site: Path, client: TestClient, path: str) -> None:
    assert (site / path.lstrip("/")).read_bytes() == client.get(path).content


def test_the_query_list_is_the_servers_page(site: Path, client: TestClient) -> None:
    page = client.get("/queries", headers={"Accept": BROWSER})
    assert (site / "queries.html").read_bytes() == relink(page.content, PREFIX)


def test_a_release_file_wins_over_a_resource_document(site: Path, built: Settings) -> None:
    # /catalog is a resource too; /catalog.ttl is the whole catalogue, as on the server
    assert (site / "catalog.ttl").read_bytes() == (built.output_dir / "catalog.ttl").read_bytes()
    assert (site / "catalog.html").is_file()


def test_well_known_void_and_the_hosting_files(site: Path) -> None:
    void = ox.Store()
    void.load((site / ".well-known" / "void").read_bytes(), format=ox.RdfFormat.TURTLE)
    assert void.query("ASK { ?d a <http://rdfs.org/ns/void#Dataset> ; <http://rdfs.org/ns/void#triples> ?n }")
    for name in (".htaccess", ".hosting/nginx-http.conf", ".hosting/nginx-server.conf", "404.html",
                 "queries.html", "queries.json", "index.html", MARKER):
        assert (site / name).is_file(), name
    assert "RewriteBase /twinned/" in (site / ".htaccess").read_text()
    assert "location /twinned/ {" in (site / ".hosting" / "nginx-server.conf").read_text()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value and value.startswith("/"):
                self.urls.add(value)


def test_links_work_when_hosted_at_the_base(site: Path) -> None:
    """Every root-relative link of every page lies under the base path and names a file,
    or a resource whose page the rules find (PATH.html, PATH/index.html)."""
    urls: set[str] = set()
    for page in site.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text("utf-8"))
        urls |= parser.urls
    # the SPARQL endpoint and the queries API need `twinned serve` (docs/static-hosting.md)
    dynamic = (f"{PREFIX}/sparql", f"{PREFIX}/queries/")
    broken = []
    for url in sorted(urls):
        assert url.startswith(PREFIX + "/"), url
        path = url.split("#")[0].split("?")[0].removeprefix(PREFIX + "/")
        if url.startswith(dynamic) and not path.endswith(".rq"):
            continue
        target = site / path
        if not (target.is_file() or Path(f"{target}.html").is_file() or (target / "index.html").is_file()):
            broken.append(url)
    assert not broken
    assert len(urls) > 700


@pytest.mark.slow  # two more whole static exports
def test_export_is_deterministic_and_replaces_an_earlier_one(site: Path, built: Settings, tmp_path: Path) -> None:
    release = load_release(built.output_dir.resolve())
    again = tmp_path / "again"
    export_static(built, release, again)
    assert tree(again) == tree(site)
    (again / "stale.html").write_text("from an older release")
    export_static(built, release, again)
    assert tree(again) == tree(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]  # nothing left beside it


def test_refuses_a_directory_that_is_not_an_export(built: Settings, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "precious.txt").write_text("keep me")
    with pytest.raises(PublishError):
        export_static(built, load_release(built.output_dir.resolve()), tmp_path / "mine")
    code = main(["export-static", str(tmp_path / "mine"), "--project", str(built.project_dir), "-q"])
    assert code == 2 and "not an earlier export" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["precious.txt"]


# -- served by a plain static file server -----------------------------------------------------------------

class Quiet(SimpleHTTPRequestHandler):
    extensions_map = {ext: media for ext, media in EXTENSION_TYPES.items()}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def static_server(www: Path) -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def fetch(port: int, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": accept} if accept is not None else {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", RESOURCES)
def test_a_static_file_server_returns_each_representation_by_suffix(static_server: int, site: Path,
                                                                   path: str) -> None:
    for suffix in SUFFIXES:
        status, headers, body = fetch(static_server, PREFIX + document(path, suffix))
        assert status == 200, suffix
        assert headers["content-type"] == EXTENSION_TYPES[suffix]
        assert body == (site / document(path, suffix).lstrip("/")).read_bytes()
        if suffix in RDF:
            assert list(ox.parse(body, format=RDF[suffix]))
        else:
            assert body.startswith(b"<!DOCTYPE html>")


def test_a_static_file_server_returns_the_files(static_server: int, site: Path) -> None:
    for path in FILES:
        status, _headers, body = fetch(static_server, PREFIX + path)
        assert status == 200 and body == (site / path.lstrip("/")).read_bytes(), path


# -- served by nginx and Apache with the generated rules ---------------------------------------------------

APACHE_MODULES = Path("/usr/lib/apache2/modules")  # Debian's layout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def site_nginx_command(www: Path, site: Path, work: Path, port: int) -> list[str]:
    return nginx_command(work, f"""
    include {site / ".hosting" / "nginx-http.conf"};
    server {{
        listen 127.0.0.1:{port};
        root {www};
        include {site / ".hosting" / "nginx-server.conf"};
    }}""")


def apache_command(www: Path, work: Path, port: int) -> list[str]:
    modules = "\n".join(f"LoadModule {m}_module {APACHE_MODULES / f'mod_{m}.so'}"
                         for m in ("mpm_prefork", "authz_core", "mime", "dir", "rewrite", "headers"))
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""  # Apache will not serve as root
    (work / "mime.types").write_text("text/html html\n")
    (work / "httpd.conf").write_text(f"""
ServerRoot {work}
{modules}
{user}
Listen 127.0.0.1:{port}
ServerName localhost
PidFile {work / "httpd.pid"}
ErrorLog {work / "error.log"}
LogLevel warn
Mutex file:{work}
TypesConfig {work / "mime.types"}
DocumentRoot {www}
<Directory {www}>
    AllowOverride FileInfo Indexes Options
    Require all granted
</Directory>
""")
    return [binary("apache2", "apache2"), "-X", "-f", str(work / "httpd.conf")]


@contextmanager
def running(command: list[str], port: int, log: Path) -> Iterator[int]:
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    errors = log.read_text() if log.exists() else ""
                    pytest.fail(f"{command[0]} did not start: {out}{errors}")
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="module", params=["nginx", "apache"])
def host(request: pytest.FixtureRequest, www: Path, site: Path) -> Iterator[int]:
    """A real web server on loopback serving the export with its generated rules."""
    work = Path(tempfile.mkdtemp(prefix="twinned-host-"))
    try:
        port = free_port()
        if request.param == "nginx":
            command = site_nginx_command(www, site, work, port)
        else:  # Apache drops root: it gets a world-readable copy
            shutil.copytree(www, work / "www")
            for d in (work, work / "www", *(p for p in (work / "www").rglob("*") if p.is_dir())):
                d.chmod(0o755)
            command = apache_command(work / "www", work, port)
        log = work / "error.log"
        with running(command, port, log):
            yield port
        errors = log.read_text() if log.exists() else ""
        assert not re.search(r"\[(\w+:)?(warn|error|crit|alert|emerg)\]", errors), errors
    finally:
        shutil.rmtree(work, ignore_errors=True)


ACCEPTS = [("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"), ("application/n-triples", ".nt"),
           ("text/html", ".html"), ("application/rdf+xml", ".rdf"), (BROWSER, ".html"), ("*/*", ".html"),
           (None, ".html"), ("text/turtle, text/html;q=0.5", ".ttl"), ("application/json", ".jsonld"),
           ("text/plain", ".nt"), ("application/n-triples;q=1.0, */*;q=0.1", ".nt")]


@pytest.mark.slow  # real nginx and Apache
@pytest.mark.parametrize(("accept", "suffix"), ACCEPTS)
def test_the_rules_negotiate_a_city(host: int, site: Path, accept: str | None, suffix: str) -> None:
    status, headers, body = fetch(host, f"{PREFIX}/place/kosice", accept)
    assert status == 200
    assert headers["content-type"] == EXTENSION_TYPES[suffix]
    assert "Accept" in headers["vary"]
    assert body == (site / f"place/kosice{suffix}").read_bytes()
    chosen = negotiate(accept, RESOURCE_OFFERS)  # the server chooses the same
    assert chosen is not None and chosen.suffix == suffix


@pytest.mark.slow  # real nginx and Apache
@pytest.mark.parametrize("path", RESOURCES)
def test_the_rules_negotiate_every_kind_of_resource(host: int, site: Path, path: str) -> None:
    for accept, suffix in ACCEPTS[:5]:
        status, headers, body = fetch(host, PREFIX + path, accept)
        assert status == 200 and headers["content-type"] == EXTENSION_TYPES[suffix], (accept, headers)
        assert body == (site / document(path, suffix).lstrip("/")).read_bytes()


@pytest.mark.slow  # real nginx and Apache
def test_the_rules_serve_files_by_name(host: int, site: Path) -> None:
    for path in FILES:
        status, headers, body = fetch(host, PREFIX + path, "text/html")
        assert status == 200 and body == (site / path.lstrip("/")).read_bytes(), path
        assert headers["content-type"] == EXTENSION_TYPES["." + path.rsplit(".", 1)[-1]]
        assert "content-encoding" not in headers  # a .gz is a file, not an encoding


@pytest.mark.slow  # real nginx and Apache
def test_the_rules_redirect_well_known_void_and_hide_the_hosting_files(host: int) -> None:
    status, headers, _body = fetch(host, f"{PREFIX}/.well-known/void")
    assert status == 303 and headers["location"].endswith(f"{PREFIX}/dataset")
    status, headers, body = fetch(host, f"{PREFIX}/dataset", "text/turtle")
    assert status == 200
    void = ox.Store()
    void.load(body, format=ox.RdfFormat.TURTLE)
    assert void.query("ASK { ?d <http://rdfs.org/ns/void#triples> ?n }")
    for hidden in (".htaccess", ".hosting/nginx-http.conf", MARKER):
        assert fetch(host, f"{PREFIX}/{hidden}")[0] == 404, hidden


def test_the_docs_show_the_generated_nginx_map(root: Path) -> None:
    doc = (root / "docs" / "static-hosting.md").read_text("utf-8")
    generated = nginx_http_conf()
    assert generated[generated.index("map $http_accept"):] in doc


@pytest.mark.slow  # real nginx and Apache
def test_the_rules_answer_like_the_server_at_the_edges(host: int) -> None:
    status, headers, _body = fetch(host, f"{PREFIX}/def", "text/turtle")
    assert status == 301 and headers["location"].endswith(f"{PREFIX}/def/")
    status, headers, body = fetch(host, f"{PREFIX}/place/atlantis", "text/html")
    assert status == 404 and b"Not Found" in body and f'href="{PREFIX}/"'.encode() in body
