"""Tests of twinned.records."""
