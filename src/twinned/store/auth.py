"""Credentials for an external store: where they come from, how they are sent, and how
they stay out of command lines, logs and error messages.

* **Where from**: ``TWINNED_STORE_USER`` and ``TWINNED_STORE_PASSWORD`` in the
  environment, else the ``machine`` entry for the store's host in a netrc file (``$NETRC``,
  else ``~/.netrc``; read with the stdlib ``netrc`` module). Never from the command line:
  a store URL with ``user:password@`` in it is refused (``credentials_in_url``), with a
  message that shows neither.
* **How sent**: ``ChallengeAuth`` (an ``httpx.Auth``) answers the server's challenge,
  HTTP Basic or Digest (Virtuoso's ``/sparql-graph-crud-auth`` asks for Digest), and from
  then on authorizes every request up front (Basic) or with the last challenge (Digest).
* **Kept out of messages**: ``display_url`` is a URL without its user information and
  its query string (which may carry an access token); every message about a store uses it.
"""

from __future__ import annotations

import netrc
import os
import threading
import urllib.parse
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from twinned.errors import TwinnedError

USER_VARIABLE = "TWINNED_STORE_USER"
PASSWORD_VARIABLE = "TWINNED_STORE_PASSWORD"


class CredentialsError(TwinnedError):
    """Credentials are missing, malformed, or were given where they must not be (exit 2)."""


@dataclass(frozen=True)
class Credentials:
    """A user and password for a store, and where they were found (for messages)."""

    user: str
    password: str = field(repr=False)
    source: str = ""

    def __repr__(self) -> str:
        return f"Credentials(from {self.source or 'the caller'})"


def display_url(url: str) -> str:
    """The URL as messages show it: no user information, no query string, no fragment."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    shown = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return shown + ("?…" if parts.query else "")


def credentials_in_url(url: str, what: str) -> None:
    """Refuse a store URL that carries a user or password (it would end up in the
    process list, the shell history and logs)."""
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        raise CredentialsError(
            f"{what} {display_url(url)}: the URL carries a user name or password (…@); credentials never go "
            f"on the command line: set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or give the host a "
            "'machine' entry in a netrc file ($NETRC or ~/.netrc); see docs/external-store.md")


def _from_environment(env: Mapping[str, str]) -> Credentials | None:
    user, password = env.get(USER_VARIABLE), env.get(PASSWORD_VARIABLE)
    if user is None and password is None:
        return None
    if not user or password is None:
        missing = USER_VARIABLE if not user else PASSWORD_VARIABLE
        raise CredentialsError(f"${missing} is not set (the store's credentials need both "
                               f"{USER_VARIABLE} and {PASSWORD_VARIABLE})")
    return Credentials(user, password, f"${USER_VARIABLE}")


def _netrc_path(env: Mapping[str, str]) -> Path | None:
    if env.get("NETRC"):
        return Path(env["NETRC"])
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".netrc" if home and home != "~" else None


def _from_netrc(host: str, env: Mapping[str, str]) -> Credentials | None:
    path = _netrc_path(env)
    if path is None or not path.is_file():
        if env.get("NETRC"):
            raise CredentialsError(f"$NETRC names {path}, which is not a file")
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except netrc.NetrcParseError as exc:  # its message may quote a token: say only where
        raise CredentialsError(f"{path}:{exc.lineno}: not a netrc file twinned can read "
                               "(expected: machine HOST login USER password PASSWORD)") from None
    except OSError as exc:
        raise CredentialsError(f"{path}: cannot be read ({exc.strerror})") from None
    if entry is None or not entry[0]:
        return None
    return Credentials(entry[0], entry[2] or "", f"{path} (machine {host})")


def find_credentials(url: str, env: Mapping[str, str] | None = None) -> Credentials | None:
    """The credentials for a store: the environment's, else the netrc entry for its host
    (or its ``default`` entry), else none."""
    env = os.environ if env is None else env
    found = _from_environment(env)
    host = urllib.parse.urlsplit(url).hostname
    if found is None and host:
        found = _from_netrc(host, env)
    return found


class ChallengeAuth(httpx.Auth):
    """HTTP Basic or Digest authentication, whichever the server's challenge asks for.

    The first request goes without credentials; a ``401`` with a ``WWW-Authenticate``
    challenge picks the scheme, and the request is sent again with it. Later requests
    are authorized up front. A request body is sent again after a challenge, so bodies
    must be bytes or re-iterable (see ``external.FileBody``); to upload a large file once,
    prime the scheme with a small request first (``push_release`` sends ``HEAD``)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials
        self._scheme: httpx.Auth | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChallengeAuth({self._credentials!r})"

    def scrub(self, text: str) -> str:
        """The text with the password (and user:password) replaced by '…'."""
        user, password = self._credentials.user, self._credentials.password
        for secret in (f"{user}:{password}", password):
            if secret:
                text = text.replace(secret, "…")
        return text

    @property
    def scheme(self) -> str | None:
        """'basic', 'digest', or None before the first challenge."""
        return None if self._scheme is None else type(self._scheme).__name__.removesuffix("Auth").lower()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        scheme = self._scheme
        if scheme is None:
            response = yield request
            scheme = self._choose(response)
            if scheme is None:
                return
        yield from scheme.auth_flow(request)

    def _choose(self, response: httpx.Response) -> httpx.Auth | None:
        if response.status_code != 401:
            return None
        offered = [h.split(" ", 1)[0].lower() for h in response.headers.get_list("www-authenticate")]
        user, password = self._credentials.user, self._credentials.password
        with self._lock:
            if "digest" in offered:
                self._scheme = self._scheme or httpx.DigestAuth(user, password)
            elif "basic" in offered:
                self._scheme = self._scheme or httpx.BasicAuth(user, password)
            return self._scheme


def store_auth(url: str, env: Mapping[str, str] | None = None) -> ChallengeAuth | None:
    """The authentication for requests to a store: None when no credentials are set."""
    found = find_credentials(url, env)
    return None if found is None else ChallengeAuth(found)
