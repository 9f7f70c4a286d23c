"""Leaves of nested Arrow columns, and the same columns rebuilt with some leaves replaced.

A Parquet export nests customers in structs and lists (``shipping.address.pin``,
``contacts[2]``). The engine scans flat string arrays, so each leaf is handed over as one
flat array plus, for every value, its row and its list positions; redaction swaps leaf
arrays and rebuilds the parents with their original offsets and null masks, so the copy
keeps the source schema exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Leaf:
    """``path`` is a template with ``[]`` per list level (``items[].phone``); ``key`` is the
    nearest field name, the context the engine scores with."""

    path: str
    key: str
    values: pa.Array
    rows: np.ndarray
    indexes: list[np.ndarray] = field(default_factory=list)

    def field_path(self, i: int) -> str:
        """The concrete path of value ``i``: ``items[3].phone``."""
        if not self.indexes:
            return self.path
        parts = self.path.split("[]")
        out = [parts[0]]
        for level, rest in enumerate(parts[1:]):
            out.append(f"[{int(self.indexes[level][i])}]{rest}")
        return "".join(out)


def scannable(t: pa.DataType) -> bool:
    """Leaf types worth scanning: text, and integers (a phone stored as int64)."""
    if pa.types.is_dictionary(t):
        return scannable(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)


def leaves(batch: pa.RecordBatch) -> Iterator[Leaf]:
    """Every scannable leaf of every column of ``batch``."""
    rows = np.arange(batch.num_rows, dtype=np.int64)
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        yield from _walk(column, name, name, rows, [])


def _walk(
    array: pa.Array, path: str, key: str, rows: np.ndarray, indexes: list[np.ndarray]
) -> Iterator[Leaf]:
    t = array.type
    if pa.types.is_struct(t):
        for child_field, child in zip(t, array.flatten(), strict=True):
            yield from _walk(child, f"{path}.{child_field.name}", child_field.name, rows, indexes)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        offsets = np.asarray(array.offsets, dtype=np.int64)
        child = array.values.slice(offsets[0], offsets[-1] - offsets[0])
        rel = offsets - offsets[0]
        pos = np.arange(len(child), dtype=np.int64)
        parent = np.searchsorted(rel, pos, side="right") - 1
        inner = [ix[parent] for ix in indexes] + [pos - rel[parent]]
        yield from _walk(child, f"{path}[]", key, rows[parent], inner)
    elif scannable(t):
        yield Leaf(path, key, array, rows, indexes)


def as_text(values: pa.Array) -> pa.Array:
    """A leaf as a string array for the engine (integers as their decimal text)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values
    return pc.cast(values, pa.string())


def from_text(texts: list[str | None], like: pa.Array) -> tuple[pa.Array, list[bool]]:
    """Redacted texts back in the leaf's own type, and which values became null because
    the redacted form does not fit the type (a masked phone in an int64 column)."""
    t = like.type
    value_type = t.value_type if pa.types.is_dictionary(t) else t
    nulled = [False] * len(texts)
    if pa.types.is_integer(value_type):
        out: list[int | None] = []
        for i, s in enumerate(texts):
            try:
                out.append(None if s is None else int(s))
            except ValueError:
                out.append(None)
                nulled[i] = True
        array = pa.array(out, type=value_type)
    else:
        array = pa.array(texts, type=value_type)
    if pa.types.is_dictionary(t):
        array = pc.dictionary_encode(array).cast(t)
    return array, nulled


def rebuild(batch: pa.RecordBatch, replaced: dict[str, pa.Array]) -> pa.RecordBatch:
    """``batch`` with the leaves named in ``replaced`` (by path template) swapped in."""
    if not replaced:
        return batch
    columns = [
        _rebuild(column, name, replaced)
        for name, column in zip(batch.schema.names, batch.columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _rebuild(array: pa.Array, path: str, replaced: dict[str, pa.Array]) -> pa.Array:
    if path in replaced:
        return replaced[path]
    if not any(p.startswith(path) for p in replaced):
        return array
    t = array.type
    mask = array.is_null() if array.null_count else None
    if pa.types.is_struct(t):
        children = [
            _rebuild(child, f"{path}.{f.name}", replaced)
            for f, child in zip(t, array.flatten(), strict=True)
        ]
        return pa.StructArray.from_arrays(children, fields=list(t), mask=mask)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        offsets = np.asarray(array.offsets, dtype=np.int64)
        child = array.values.slice(offsets[0], offsets[-1] - offsets[0])
        new_child = _rebuild(child, f"{path}[]", replaced)
        cls = pa.ListArray if pa.types.is_list(t) else pa.LargeListArray
        width = pa.int32() if pa.types.is_list(t) else pa.int64()
        rel = pa.array(offsets - offsets[0], type=width)
        return cls.from_arrays(rel, new_child, type=t, mask=mask)
    return array
