"""Where the Wikidata P190 extract lives (``nodes.tsv`` and ``links.tsv`` in a folder named
``wikidata-twin-cities``): the one place the world import, the extractor's gazetteer and
the Wikidata comparison find it."""

from __future__ import annotations

from pathlib import Path

from twinned.config import Settings

NODES, LINKS = "nodes.tsv", "links.tsv"
EXTRACT_DIR = "wikidata-twin-cities"


def extract_for(settings: Settings) -> Path | None:
    """The extract a server uses: the ``wikidata_extract`` setting, else the default places."""
    return settings.wikidata_extract or default_extract(settings.project_dir)


def default_extract(project_dir: Path) -> Path | None:
    """The P190 extract in data/, or in the shared data folder beside the project, if there."""
    shared = project_dir.resolve().parent / "shared" / "data" / EXTRACT_DIR
    for folder in (project_dir / "data" / EXTRACT_DIR, shared):
        if (folder / NODES).is_file() and (folder / LINKS).is_file():
            return folder
    return None
