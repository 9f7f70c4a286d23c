"""Shared fixtures: fixed keys so fingerprints are deterministic, and planted values."""

from __future__ import annotations

import sys

import pytest

# `make test` runs the suite in pytest-xdist workers (execnet), whose ``__main__`` has
# neither ``__spec__`` nor ``__file__``. pyspark.sql.connect (imported by
# great_expectations) takes such a process for a doctest run and calls sys.exit(0) when
# Spark Connect's optional dependencies are missing. Give the worker's main module a name.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"

FINGERPRINT_KEY = "11" * 32
TOKEN_KEY = "22" * 32


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with explicit keys, never the developer's own environment."""
    for var in ("PIISWEEP_KEY_FILE", "PIISWEEP_ENCRYPTION_KEYS", "PIISWEEP_ACTIVE_KEY_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIISWEEP_FINGERPRINT_KEY", FINGERPRINT_KEY)
    monkeypatch.setenv("PIISWEEP_TOKEN_KEY", TOKEN_KEY)
