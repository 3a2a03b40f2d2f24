"""Tests of twinned.extract."""
