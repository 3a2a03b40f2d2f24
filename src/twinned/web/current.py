"""The current release of ``dist/``, built first when it is missing or stale: what
``twinned build``, ``serve``, ``query``, ``get``, ``export-static`` and ``load`` start
from, and what a reload (SIGHUP) swaps in.

It lives in the web layer, not beside the build: a release the site serves carries the
files the site derives from the whole graph (``SITE_PRODUCTS``: the atlas of the
pictures), which the build writes but cannot import. Opening a built release
(``store.release``) needs nothing of the build; the store layer never builds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from twinned.build.pipeline import BuildResult, Product, build, is_stale
from twinned.build.releasestore import BUILD_INFO
from twinned.config import Settings
from twinned.errors import PublishError
from twinned.web.atlas import atlas_product

SITE_PRODUCTS: tuple[Product, ...] = (atlas_product,)


def build_site(settings: Settings, progress: Callable[[str], None] = lambda _m: None) -> BuildResult:
    """A build of the release with the site's own files (``twinned build``)."""
    return build(settings, progress, SITE_PRODUCTS)


def ensure_built(settings: Settings) -> Path:
    """Build when dist/ is missing or stale; return the current release directory."""
    if is_stale(settings):
        build_site(settings)
    dist = settings.output_dir
    if not (dist / BUILD_INFO).exists():
        raise PublishError(f"{dist} holds no release; run 'twinned build'")
    return dist.resolve()
