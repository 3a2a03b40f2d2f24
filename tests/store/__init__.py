"""Tests of twinned.store."""
