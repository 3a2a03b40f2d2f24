"""Tests of twinned.validation."""
