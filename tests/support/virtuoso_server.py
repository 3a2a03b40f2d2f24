"""A real Virtuoso (Debian's ``virtuoso-opensource``) on loopback for the tests: its own
temporary database directory, its own virtuoso.ini with free ports, started in the
foreground and stopped when the block ends. A SPARQL user is created for the Graph Store
(``/sparql-graph-crud-auth``, HTTP Digest) with a random password."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.live_server import free_port

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
USER = "tw_loader"

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 4000
MaxQueryExecutionTime = 10
MaxQueryCostEstimationTime = 0
"""

# (ResultSetMaxRows below the release's 4,000-odd triples: test_a_cut_answer_is_refused)

# the user twinned loads with: SPARQL_UPDATE for the Graph Store, and write access to graphs
SETUP = """\
DB.DBA.USER_CREATE('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{user}', 7);
"""


@dataclass(frozen=True)
class Virtuoso:
    url: str  # http://127.0.0.1:PORT/
    user: str
    password: str = field(repr=False)
    directory: Path  # its database and log (stdout.log) in a db* folder

    @property
    def sparql(self) -> str:
        return self.url + "sparql"

    @property
    def sparql_auth(self) -> str:
        """The SPARQL endpoint that asks for Digest authentication."""
        return self.url + "sparql-auth"

    @property
    def graph_store(self) -> str:
        """The Graph Store endpoint that asks for Digest authentication."""
        return self.url + "sparql-graph-crud-auth"


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "virtuoso-t exited"
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"Virtuoso did not answer at {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start(directory: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    """Virtuoso on two free ports, its SQL port and HTTP address; tried again on other
    ports (in a fresh directory) if it exits at once, as when another process took a port
    between the choice and the start."""
    for attempt in range(3):
        work = directory / f"db{attempt}"
        work.mkdir()
        sql, http = free_port(), free_port()
        (work / "virtuoso.ini").write_text(INI.format(dir=work, sql=sql, http=http), "utf-8")
        with open(work / "stdout.log", "wb") as out:
            process = subprocess.Popen([VIRTUOSO, "+configfile", str(work / "virtuoso.ini"), "+foreground"],
                                       cwd=work, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{http}/"
        try:
            _wait(url + "sparql", process)
            return process, sql, url
        except AssertionError:  # it exited
            log = (work / "stdout.log").read_text("utf-8", errors="replace")
            if attempt == 2:
                raise AssertionError(f"virtuoso-t exited:\n{log[-2000:]}") from None
        except BaseException:
            _stop(process)
            raise
    raise AssertionError("unreachable")


@contextmanager
def virtuoso_server(directory: Path) -> Iterator[Virtuoso]:
    """Virtuoso with its database in ``directory`` until the block ends."""
    assert Path(VIRTUOSO).exists(), "Debian's virtuoso-opensource is needed (.ci/run installs it)"
    process, sql, url = _start(directory)
    try:
        password = secrets.token_urlsafe(12)
        # the statements go in on stdin; isql logs in with the fresh database's dba password
        subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", "dba"], input=SETUP.format(user=USER, password=password),
                       text=True, check=True, capture_output=True, timeout=60)
        yield Virtuoso(url, USER, password, directory)
    finally:
        _stop(process)
