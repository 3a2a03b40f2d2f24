"""Tests of the whole system: crashes, hostile clients, fuzzing, the corpus, benchmarks, load,
a browser, live clients, portals, external stores."""
