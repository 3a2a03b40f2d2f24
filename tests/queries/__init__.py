"""Tests of twinned.queries."""
