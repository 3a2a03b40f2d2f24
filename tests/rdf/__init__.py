"""Tests of twinned.rdf."""
