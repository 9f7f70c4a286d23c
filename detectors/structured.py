"""Structured records: every scalar of a JSON object is scanned with its key as context, and
redacted in place, keeping the record's shape.

Paths follow the findings contract: ``$.a.b[0].c``. Numbers are scanned as their text (a
phone stored as a JSON number is still a phone) and replaced by a string when redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.spans import Span

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def leaves(value: Any, path: str = "$", key: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(path, key, text) for every string or number in ``value``, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, child_path(path, str(k)), str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, child_path(path, i), key)
    elif isinstance(value, str):
        yield path, key or "", value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, key or "", str(value)


def scan_record(engine: Engine, record: Any) -> list[tuple[str, str, list[Span]]]:
    """(path, text, spans) for every leaf of ``record`` with at least one span."""
    found = []
    for path, key, text in leaves(record):
        spans = engine.scan_text(text, field=key or None)
        if spans:
            found.append((path, text, spans))
    return found


def redact_record(engine: Engine, record: Any, policy: Policy, keys: KeyRing) -> Any:
    """A copy of ``record`` with every detected value redacted by ``policy``."""
    if isinstance(record, dict):
        return {k: _redact_leaf(engine, v, str(k), policy, keys) for k, v in record.items()}
    return _redact_leaf(engine, record, None, policy, keys)


def _redact_leaf(engine: Engine, value: Any, key: str | None, policy: Policy, keys: KeyRing) -> Any:
    if isinstance(value, dict):
        return {k: _redact_leaf(engine, v, str(k), policy, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_leaf(engine, v, key, policy, keys) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (str, int, float)):
        text = value if isinstance(value, str) else str(value)
        spans = engine.scan_text(text, field=key)
        if not spans:
            return value
        return policy.redact_value(text, spans, keys)
    return value
