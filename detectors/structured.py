"""Structured records: every scalar of a JSON object is scanned with its key as context, and
redacted in place, keeping the record's shape. Object keys are scanned too: exports keyed by
e-mail or phone (``{"rahul@x.com": {...}}``) are common.

Paths follow the findings contract: ``$.a.b[0].c``. A key that is not a plain identifier is
written quoted, with any detected value in it masked, so a path never carries raw PII. A
finding inside a key has the path of that member and offsets into the key. Numbers are
scanned as their text (a phone stored as a JSON number is still a phone) and become strings
when redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.normalize import scalar_text
from detectors.operators import preview
from detectors.policy import Policy
from detectors.spans import Span

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def key_label(engine: Engine, key: str, spans: list[Span]) -> str:
    """A key as a JSON path step: as it is when it is an identifier, else quoted with its
    PII spans masked (a key may hold an e-mail: a path must never repeat it)."""
    if _PLAIN_KEY.match(key):
        return key
    for s in reversed(spans):
        key = key[: s.start] + preview(key[s.start : s.end], s.entity_type) + key[s.end :]
    return repr(key)


def scan_record(engine: Engine, record: Any) -> list[tuple[str, str, list[Span]]]:
    """(path, text, spans) for every key and scalar of ``record`` with at least one span."""
    return list(_walk(engine, record, "$", None))


def _walk(
    engine: Engine, value: Any, path: str, key: str | None
) -> Iterator[tuple[str, str, list[Span]]]:
    if isinstance(value, dict):
        for k, v in value.items():
            k = str(k)
            key_spans = engine.scan_text(k) if not _PLAIN_KEY.match(k) else []
            member = (
                f"{path}.{k}"
                if _PLAIN_KEY.match(k)
                else f"{path}[{key_label(engine, k, key_spans)}]"
            )
            if key_spans:
                yield member, k, key_spans
            yield from _walk(engine, v, member, k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(engine, v, f"{path}[{i}]", key)
    elif (text := scalar_text(value)) is not None:
        spans = engine.scan_text(text, field=key)
        if spans:
            yield path, text, spans


def redact_record(engine: Engine, record: Any, policy: Policy, keys: KeyRing) -> Any:
    """A copy of ``record`` with every detected value, in keys and values, redacted."""
    return _redact(engine, record, None, policy, keys)


def _redact(engine: Engine, value: Any, key: str | None, policy: Policy, keys: KeyRing) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            k = str(k)
            spans = engine.scan_text(k) if not _PLAIN_KEY.match(k) else []
            new_key = policy.redact_text(k, spans, keys) if spans else k
            while new_key in out:  # two keys masked alike must not overwrite each other
                new_key += "#"
            out[new_key] = _redact(engine, v, k, policy, keys)
        return out
    if isinstance(value, list):
        return [_redact(engine, v, key, policy, keys) for v in value]
    text = scalar_text(value)
    if text is None:
        return value
    spans = engine.scan_text(text, field=key)
    return policy.redact_value(text, spans, keys) if spans else value
