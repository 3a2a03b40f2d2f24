"""Tests of twinned.build."""
