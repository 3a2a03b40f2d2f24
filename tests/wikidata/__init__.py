"""Tests of twinned.wikidata."""
