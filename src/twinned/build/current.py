"""The current release of ``dist/``, built first when it is missing or stale: what
``twinned serve``, ``query``, ``export-static`` and ``load`` start from, and what a
reload (SIGHUP) swaps in.

It lives in the build layer, not beside the store: opening a built release
(``store.release``) needs nothing of the build, while making sure there is a current
one needs all of it. The CLI and the reloader (``web.reloading``) call it; the store
layer never does.
"""

from __future__ import annotations

from pathlib import Path

from twinned.build.pipeline import build, is_stale
from twinned.build.releasestore import BUILD_INFO
from twinned.config import Settings
from twinned.errors import PublishError


def ensure_built(settings: Settings) -> Path:
    """Build when dist/ is missing or stale; return the current release directory."""
    if is_stale(settings):
        build(settings)
    dist = settings.output_dir
    if not (dist / BUILD_INFO).exists():
        raise PublishError(f"{dist} holds no release; run 'twinned build'")
    return dist.resolve()
