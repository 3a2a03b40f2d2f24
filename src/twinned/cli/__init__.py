"""The command line: ``twinned`` and its subcommands (``main`` is the console script)."""

from twinned.cli.main import main, parser

__all__ = ["main", "parser"]
