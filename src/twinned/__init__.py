"""twinned: publish town-twinning agreements as linked data."""

__version__ = "0.1.0"
