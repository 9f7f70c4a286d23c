"""Shared fixtures: fixed keys so fingerprints are deterministic, and planted values."""

from __future__ import annotations

import pytest

FINGERPRINT_KEY = "11" * 32
TOKEN_KEY = "22" * 32


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with explicit keys, never the developer's own environment."""
    for var in ("PIISWEEP_KEY_FILE", "PIISWEEP_ENCRYPTION_KEYS", "PIISWEEP_ACTIVE_KEY_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIISWEEP_FINGERPRINT_KEY", FINGERPRINT_KEY)
    monkeypatch.setenv("PIISWEEP_TOKEN_KEY", TOKEN_KEY)
