"""Project exceptions. Messages name the file, key or field and what was expected, and never
quote a scanned value."""

from __future__ import annotations


class PiisweepError(Exception):
    """Base class: everything piisweep raises on purpose."""


class ConfigError(PiisweepError):
    """A configuration file or option is wrong; the message names file, key and expectation."""


class OperatorError(PiisweepError):
    """A redaction operator cannot be applied to a value (e.g. too short to tokenize)."""


class KeyMaterialError(PiisweepError):
    """Keys are missing or malformed. The message never contains key material."""
