"""Tests of twinned.cli."""
