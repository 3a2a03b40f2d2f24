"""Tests of twinned.web."""
