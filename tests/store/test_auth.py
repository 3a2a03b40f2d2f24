"""Credentials for external stores (storeauth.py): from the environment or a netrc file,
never from a URL; HTTP Basic against a real nginx guarding a real Oxigraph server
(Digest against Virtuoso is in test_virtuoso.py); no credential in any message."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import free_port
from tests.support.nginx import nginx_command
from tests.support.oxigraph import OXIGRAPH, Oxigraph, stop_process, wait_until_up
from twinned.config import Settings
from twinned.store.auth import (
    ChallengeAuth,
    Credentials,
    CredentialsError,
    credentials_in_url,
    display_url,
    find_credentials,
    store_auth,
)
from twinned.store.external import RemoteStore, StoreError, push_release
from twinned.store.release import load_release

SECRET = "s3cret-Pa55"


def test_credentials_come_from_the_environment_first(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine store.example login netrc-user password netrc-pw\n", "utf-8")
    env = {"TWINNED_STORE_USER": "env-user", "TWINNED_STORE_PASSWORD": SECRET, "NETRC": str(netrc)}
    found = find_credentials("http://store.example/sparql", env)
    assert found is not None and (found.user, found.password) == ("env-user", SECRET)
    found = find_credentials("http://store.example:8890/sparql", {"NETRC": str(netrc)})
    assert found is not None and (found.user, found.password) == ("netrc-user", "netrc-pw")
    assert find_credentials("http://other.example/sparql", {"NETRC": str(netrc)}) is None
    assert find_credentials("http://store.example/", {"HOME": str(tmp_path)}) is None  # no ~/.netrc there
    (tmp_path / ".netrc").write_text("default login any password pw\n", "utf-8")
    found = find_credentials("http://other.example/", {"HOME": str(tmp_path)})
    assert found is not None and (found.user, found.password) == ("any", "pw")


def test_half_a_credential_is_an_error() -> None:
    with pytest.raises(CredentialsError, match="TWINNED_STORE_PASSWORD is not set"):
        find_credentials("http://h/", {"TWINNED_STORE_USER": "u"})
    with pytest.raises(CredentialsError, match="TWINNED_STORE_USER is not set"):
        find_credentials("http://h/", {"TWINNED_STORE_PASSWORD": SECRET})


def test_a_broken_netrc_is_named_without_its_tokens(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine h login u password {SECRET}\n{SECRET}-stray\n", "utf-8")
    with pytest.raises(CredentialsError) as caught:
        find_credentials("http://h/", {"NETRC": str(netrc)})
    assert f"{netrc}:3: not a netrc file" in str(caught.value) and SECRET not in str(caught.value)
    with pytest.raises(CredentialsError, match="not a file"):
        find_credentials("http://h/", {"NETRC": str(tmp_path / "missing")})


def test_urls_with_credentials_are_refused_without_echoing_them() -> None:
    with pytest.raises(CredentialsError) as caught:
        credentials_in_url(f"http://admin:{SECRET}@h:8890/sparql?token=t", "--sparql-endpoint")
    message = str(caught.value)
    assert "http://h:8890/sparql?…" in message and SECRET not in message and "admin" not in message
    credentials_in_url("http://h:8890/sparql", "--sparql-endpoint")  # no credentials: fine
    with pytest.raises(CredentialsError):
        RemoteStore(f"http://u:{SECRET}@h/sparql")
    assert display_url("https://u:p@h/store?access-token=T#x") == "https://h/store?…"


def test_secrets_stay_out_of_reprs_and_messages() -> None:
    credentials = Credentials("user", SECRET, "$TWINNED_STORE_USER")
    auth = ChallengeAuth(credentials)
    assert SECRET not in repr(credentials) and SECRET not in repr(auth)
    assert auth.scrub(f"echo user:{SECRET} and {SECRET}") == "echo … and …"


# -- HTTP Basic: nginx with auth_basic in front of a real Oxigraph server ----------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """Oxigraph behind nginx asking for HTTP Basic authentication (user 'loader')."""
    work = tmp_path_factory.mktemp("basic")
    store_port, port = free_port(), free_port()
    (work / "htpasswd").write_text(f"loader:{{PLAIN}}{SECRET}\n", "utf-8")
    command = nginx_command(work, f"""
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        location / {{
            auth_basic "twinned test";
            auth_basic_user_file {work / "htpasswd"};
            proxy_pass http://127.0.0.1:{store_port};
        }}
    }}""")
    store = subprocess.Popen([OXIGRAPH, "serve", "--bind", f"127.0.0.1:{store_port}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{store_port}/", store)
        wait_until_up(f"http://127.0.0.1:{port}/", nginx)
        yield Oxigraph(f"http://127.0.0.1:{port}/")
    finally:
        stop_process(nginx)
        stop_process(store)


def _env(password: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "NETRC"}
    return env | {"TWINNED_STORE_USER": "loader", "TWINNED_STORE_PASSWORD": password}


@pytest.mark.slow  # a real nginx in front of a real Oxigraph server
def test_basic_authentication_end_to_end(built: Settings, guarded: Oxigraph) -> None:
    assert httpx.get(guarded.query, params={"query": "ASK {}"}, timeout=10).status_code == 401
    done = subprocess.run([sys.executable, "-m", "twinned.cli", "load", "--project", str(built.project_dir),
                           "--graph-store", guarded.store], env=_env(SECRET), text=True, timeout=120,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode == 0, done.stdout
    auth = store_auth(guarded.query, _env(SECRET))
    assert auth is not None
    with RemoteStore(guarded.query, auth=auth) as store:
        assert bool(store.query("ASK { ?s a <https://w3id.org/twinned/def/Partnership> }"))
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        embedded = load_release(built.output_dir.resolve()).store
        assert list(store.query(count))[0]["n"] == list(embedded.query(count))[0]["n"]
    assert auth.scheme == "basic"


@pytest.mark.slow  # a real nginx in front of a real Oxigraph server
def test_a_wrong_basic_password_is_refused_without_echo(built: Settings, guarded: Oxigraph) -> None:
    wrong = SECRET + "-wrong"
    auth = store_auth(guarded.store, _env(wrong))
    with pytest.raises(StoreError) as caught:
        push_release(built.output_dir, built.base_uri, guarded.store, auth=auth)
    message = str(caught.value)
    assert "401" in message and "refused the credentials" in message and "Basic" in message
    assert wrong not in message and SECRET not in message


def test_an_access_token_echoed_by_a_store_is_scrubbed() -> None:
    from twinned.store.external import _refusal

    request = httpx.Request("PUT", "http://h/store?access-token=T0kenSecret&graph=urn%3Ag")
    response = httpx.Response(403, text="no write with access-token=T0kenSecret to urn:g", request=request)
    message = _refusal(response, None)
    assert "T0kenSecret" not in message and "403" in message and "urn:g" in message
