"""The one way to build a Jinja2 environment for the site's pages, so every page
(resources, canned queries, Wikidata comparison) shares filters and globals."""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from twinned import __version__
from twinned.config import Settings
from twinned.store.release import LoadedRelease


def json_script(text: str) -> Markup:
    """JSON made safe to embed in a <script type="application/ld+json"> data block."""
    return Markup(str(text).replace("</", "<\\/"))


def environment(settings: Settings, release: LoadedRelease,
                templates: dict[str, str] | None = None) -> jinja2.Environment:
    """Package templates (plus ``templates`` given inline), strict about undefined names."""
    from twinned.records.extract_files import extract_for

    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("twinned", "templates")]
    if templates:
        loaders.insert(0, jinja2.DictLoader(templates))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_script"] = json_script
    env.globals.update(settings=settings, release=release, version=__version__, alternates=[],
                       jsonld=None, wikidata_diff=extract_for(settings) is not None)
    return env
