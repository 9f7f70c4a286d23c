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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detectors.normalize import scalar_text
from detectors.operators import preview
from detectors.spans import Span

if TYPE_CHECKING:
    from detectors.engine import Engine
    from detectors.keys import KeyRing
    from detectors.policy import Policy

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def key_label(engine: Engine, key: str, spans: list[Span]) -> str:
    """A key as a JSON path step: as it is when it is an identifier, else quoted with its
    PII spans masked (a key may hold an e-mail: a path must never repeat it)."""
    if _PLAIN_KEY.match(key):
        return key
    for s in reversed(spans):
        key = key[: s.start] + preview(key[s.start : s.end], s.entity_type) + key[s.end :]
    return repr(key)


@dataclass
class Leaf:
    """A key that is not an identifier, or a string or number, of a JSON value: where it is
    (``path``), its text, the key it is scanned under and its spans."""

    path: str
    text: str
    field: str | None  # the key the value is scanned under (its member's, in a list too)
    is_key: bool
    spans: list[Span]


def leaves(engine: Engine, record: Any, spans: Iterator[list[Span]] | None = None) -> list[Leaf]:
    """Every non-identifier key and every string or number of ``record``, in document
    order, with its spans and the path ``scan_record`` gives it.

    ``spans`` gives each leaf's spans, in :func:`leaf_texts` order, when the caller scanned
    them already (a block of JSON Lines scans all its records' leaves column by column):
    then nothing is scanned here."""
    out: list[Leaf] = []
    if spans is None:
        scan = engine.scan_text
    else:
        given = spans

        def scan(text: str, field: str | None = None) -> list[Span]:
            return next(given)

    def walk(value: Any, path: str, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                k = str(k)
                if _PLAIN_KEY.match(k):
                    member = f"{path}.{k}"
                else:
                    key_spans = scan(k)
                    member = f"{path}[{key_label(engine, k, key_spans)}]"
                    out.append(Leaf(member, k, None, True, key_spans))
                walk(v, member, k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", key)
        elif (text := scalar_text(value)) is not None:
            out.append(Leaf(path, text, key, False, scan(text, field=key)))

    walk(record, "$", None)
    return out


def leaf_texts(record: Any) -> list[tuple[str, str | None]]:
    """What :func:`leaves` scans, in its order, without scanning: ``(text, field)`` per
    leaf, ``field`` being the ``field=`` it passes to ``scan_text`` (None for a key). A
    caller scans these its own way and hands the spans back to ``leaves(spans=...)``."""
    out: list[tuple[str, str | None]] = []

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                k = str(k)
                if not _PLAIN_KEY.match(k):
                    out.append((k, None))
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif (text := scalar_text(value)) is not None:
            out.append((text, key))

    walk(record, None)
    return out


class _KeyNotPlain(Exception):
    """A key that is not an identifier: its path step waits for its spans."""


def plain_leaf_texts(record: Any) -> tuple[list[str], list[tuple[str, str | None]]] | None:
    """:func:`leaf_texts` and the paths :func:`leaves` gives those leaves, from one walk,
    for a record whose keys are all identifiers (a caller builds the leaves once their
    spans are known, where :func:`leaves` walked the record again). None when a key is not
    an identifier: its label, and so every path under it, depends on what the scan finds
    in it. Paths and texts are kept apart from ``Leaf`` objects on purpose: a block's
    records are walked before any is judged, and tens of thousands of live containers make
    every garbage collection pass slower."""
    paths: list[str] = []
    texts: list[tuple[str, str | None]] = []

    def walk(value: Any, path: str, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                k = str(k)
                if not _PLAIN_KEY.match(k):
                    raise _KeyNotPlain
                walk(v, f"{path}.{k}", k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", key)
        elif (text := scalar_text(value)) is not None:
            paths.append(path)
            texts.append((text, key))

    try:
        walk(record, "$", None)
    except _KeyNotPlain:
        return None
    return paths, texts


def rebuild(record: Any, new: Iterator[Any]) -> Any:
    """``record`` with its leaves (in :func:`leaves` order) replaced by ``new``'s items;
    ``SAME`` keeps a leaf as it was (a number stays a number)."""

    def build(value: Any) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                k = str(k)
                if not _PLAIN_KEY.match(k):
                    replaced = next(new)
                    k = k if replaced is SAME else replaced
                while k in out:  # two keys masked alike must not overwrite each other
                    k += "#"
                out[k] = build(v)
            return out
        if isinstance(value, list):
            return [build(v) for v in value]
        if scalar_text(value) is None:
            return value
        replaced = next(new)
        return value if replaced is SAME else replaced

    return build(record)


#: In the items :func:`rebuild` takes: keep this leaf as it was.
SAME = object()


def scan_record(engine: Engine, record: Any) -> list[tuple[str, str, list[Span]]]:
    """(path, text, spans) for every key and scalar of ``record`` with at least one span."""
    return [(leaf.path, leaf.text, leaf.spans) for leaf in leaves(engine, record) if leaf.spans]


def redact_record(engine: Engine, record: Any, policy: Policy, keys: KeyRing) -> Any:
    """A copy of ``record`` with every detected value, in keys and values, redacted (no
    record rules: ``detectors.records.process_record`` applies those)."""
    new = [
        SAME
        if not leaf.spans
        else policy.redact_text(leaf.text, leaf.spans, keys)
        if leaf.is_key
        else policy.redact_value(leaf.text, leaf.spans, keys)
        for leaf in leaves(engine, record)
    ]
    return rebuild(record, iter(new))
