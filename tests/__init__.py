"""The tests: one package per package of twinned (tests/<subpackage>/test_<module>.py), whole-system
tests in tests/system/, shared helpers in tests/support/."""
