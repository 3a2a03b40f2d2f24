"""The command line: ``twinned`` and its subcommands (``main`` is the console script)."""

from twinned.cli.main import main

__all__ = ["main"]  # the console script's entry point (pyproject: twinned.cli:main)
