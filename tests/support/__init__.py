"""Helpers the tests share (servers, paths, the project copy); no tests here."""
