"""A throwaway nginx (Debian's package) for the tests: a main configuration of its own
around the ``http`` block a test gives — in the foreground, with its pid file, logs and
temporary folders in the test's own folder — and the command that runs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
TEMPS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def binary(name: str, package: str) -> str:
    """A Debian program's path: a failure in CI (.ci/run installs it), a skip elsewhere."""
    found = shutil.which(name, path=SEARCH)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run installs the Debian package {package}")
        pytest.skip(f"{name} is not installed (Debian package {package}; .ci/run installs it)")
    return found


def nginx_command(work: Path, http: str) -> list[str]:
    """Write ``work/nginx.conf`` with ``http`` (server blocks, includes) inside its ``http``
    block; the command line that runs it."""
    temps = " ".join(f"{kind}_temp_path {work / kind};" for kind in TEMPS)
    (work / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temps}
{http}
}}
""", "utf-8")
    return [binary("nginx", "nginx"), "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")]
