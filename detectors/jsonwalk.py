"""JSON Lines records walked into their leaves, a block at a time, so that the leaves are
the only thing scanned (issue #14: the buffer pass only chose the lines, and every chosen
line was then parsed, walked in Python and its leaves scanned a second time).

A line is *walked* when Python's own walk gives its leaves without a repair (see
:func:`walk_line`); every other line is left to ``detectors.records.process_json_texts``
as before (repaired, keys labelled, or redacted as text), chosen by the buffer pass.
:func:`walk_block` here is the reference; the compiled core's ``json_leaves``
(``native/src/jsonwalk.rs``) walks the same way without a Python object per leaf, and
the tests hold the two to each other.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.structured import _PLAIN_KEY, plain_leaf_texts

#: Containers deeper than this leave the line to the Python path (the core's MAX_DEPTH).
MAX_DEPTH = 64
#: A line's leaf paths may hold at most ``8 × its bytes + 4096`` bytes, and never past 64
#: MiB (the core's ``JSON_PATH_BUDGET``): every leaf repeats its whole path, so a long key
#: over a long array (``{"kk…k": [0,0,…]}``, 200 KB) would otherwise ask gigabytes. A real
#: record's paths are one to three times its length; a line over it is left to the
#: Python path, which builds paths only for the lines it judges.
PATH_BUDGET = (8, 4096, 64 << 20)


def path_budget(length: int) -> int:
    """The path bytes a line of ``length`` bytes may give (:data:`PATH_BUDGET`)."""
    per_byte, slack, cap = PATH_BUDGET
    return min(length * per_byte + slack, cap)


_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class JsonLeaves:
    """The leaves of a block's walked lines, flat: ``walked`` per line; per leaf its
    ``line``, its ``field`` (index into ``fields``, -1 for none), ``texts`` and ``paths``
    (Arrow ``large_string``), lines in order and each line's leaves in document order."""

    walked: np.ndarray
    line: np.ndarray
    field: np.ndarray
    fields: list[str]
    texts: pa.Array
    paths: pa.Array

    def field_name(self, leaf: int) -> str | None:
        f = int(self.field[leaf])
        return None if f < 0 else self.fields[f]


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key twice: ``json.loads`` keeps the last value at
    the first key's place, which a walk in document order would not see."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _paths_fit(value: Any, budget: int) -> bool:
    """Whether the paths of ``value``'s leaves (strings and numbers) add up to at most
    ``budget`` bytes, counted without building them (keys are identifiers: one byte a
    character)."""
    stack: list[tuple[Any, int]] = [(value, 1)]  # (value, length of its path: "$")
    while stack:
        item, length = stack.pop()
        if isinstance(item, dict):
            stack += ((v, length + 1 + len(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack += ((v, length + 2 + len(str(i))) for i, v in enumerate(item))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            budget -= length
            if budget < 0:
                return False
    return True


def _plain(value: Any, depth: int = 0) -> bool:
    """No container past :data:`MAX_DEPTH`, every key an identifier, no lone surrogate,
    every float finite."""
    if isinstance(value, dict):
        return depth < MAX_DEPTH and all(
            _PLAIN_KEY.match(k) and not _SURROGATE.search(k) and _plain(v, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return depth < MAX_DEPTH and all(_plain(v, depth + 1) for v in value)
    if isinstance(value, str):
        return not _SURROGATE.search(value)
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def walk_line(raw: bytes) -> tuple[list[str], list[tuple[str, str | None]]] | None:
    """``plain_leaf_texts`` of the record on this line (paths, (text, field) per leaf), or
    None when the line is not walked: not UTF-8, not strict JSON (``json.loads`` without
    NaN/Infinity; CPython also refuses an integer of more than 4,300 digits), a key twice
    in an object, a key that is not an identifier, a lone surrogate escape, a float that
    overflows, containers nested past :data:`MAX_DEPTH`, or leaf paths past
    :func:`path_budget`."""
    try:
        value = json.loads(
            raw.decode("utf-8"), parse_constant=_refuse, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError):
        return None
    if not _plain(value) or not _paths_fit(value, path_budget(len(raw))):
        return None
    return plain_leaf_texts(value)


def walk_block(block: bytes) -> JsonLeaves:
    """:func:`walk_line` over every ``\\n``-separated line of ``block`` (the last may lack
    its ``\\n``), flat."""
    body = block[:-1] if block.endswith(b"\n") else block
    lines = body.split(b"\n") if block else []
    walked, line, field, texts, paths = [], [], [], [], []
    ids: dict[str, int] = {}
    for i, raw in enumerate(lines):
        got = walk_line(raw)
        walked.append(got is not None)
        if got is None:
            continue
        for path, (text, key) in zip(*got, strict=True):
            line.append(i)
            field.append(-1 if key is None else ids.setdefault(key, len(ids)))
            texts.append(text)
            paths.append(path)
    return JsonLeaves(
        np.array(walked, dtype=bool),
        np.array(line, dtype=np.int32),
        np.array(field, dtype=np.int32),
        list(ids),
        pa.array(texts, pa.large_string()),
        pa.array(paths, pa.large_string()),
    )


def from_core(parts: tuple[Any, ...]) -> JsonLeaves:
    """:class:`JsonLeaves` from the core's ``json_leaves``: numpy and Arrow views of its
    buffers, no copy and no Python object per leaf."""
    walked, line, field, fields, (texts, text_offsets), (paths, path_offsets) = parts
    n = len(line) // 4

    def strings(data: bytes, offsets: bytes) -> pa.Array:
        return pa.Array.from_buffers(
            pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )

    return JsonLeaves(
        np.frombuffer(walked, dtype=np.uint8).astype(bool),
        np.frombuffer(line, dtype=np.int32),
        np.frombuffer(field, dtype=np.int32),
        list(fields),
        strings(texts, text_offsets),
        strings(paths, path_offsets),
    )
