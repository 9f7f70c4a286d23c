"""Leaves of nested Arrow columns, and the same columns rebuilt with some leaves replaced.

A Parquet export nests customers in structs and lists (``shipping.address.pin``,
``contacts[2]``). The engine scans flat string arrays, so each leaf is handed over as one
flat array plus, for every value, its row and its list positions; redaction swaps leaf
arrays and rebuilds the parents with their original offsets and null masks, so the copy
keeps the source schema exactly.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    # A leaf whose type piisweep cannot read as text (a union, an extension type): it is
    # nulled in the copy and counted, never passed through unread (``opaque``).
    opaque: bool = False

    def field_paths(self, values: np.ndarray) -> list[str]:
        """The concrete path of each value index in ``values`` (``items[3].phone``), built
        level by level over the whole list: a dense export's list leaves have a finding in
        most values."""
        if not self.indexes:
            return [self.path] * len(values)
        parts = self.path.split("[]")
        out = [parts[0]] * len(values)
        for level, rest in enumerate(parts[1:]):
            indexes = self.indexes[level][values].tolist()
            out = [f"{head}[{i}]{rest}" for head, i in zip(out, indexes, strict=True)]
        return out


def scannable(t: pa.DataType) -> bool:
    """Leaf types that can hold a value a detector reads, all scanned as text: strings;
    binaries (decoded as UTF-8, else Latin-1, see :func:`as_text`); integers, decimals and
    floats (a phone stored as a number); dates and timestamps (a date of birth)."""
    if pa.types.is_dictionary(t):
        return scannable(t.value_type)
    return (
        _stringy(t)
        or _binary(t)
        or pa.types.is_integer(t)
        or pa.types.is_decimal(t)
        or (pa.types.is_floating(t) and t != pa.float16())
        or pa.types.is_date(t)
        or pa.types.is_timestamp(t)
    )


def inert(t: pa.DataType) -> bool:
    """Leaf types that cannot hold text or an identifier, kept as they are."""
    return (
        pa.types.is_null(t)
        or pa.types.is_boolean(t)
        or t == pa.float16()  # three significant digits: no identifier fits
        or pa.types.is_time(t)
        or pa.types.is_duration(t)
        or pa.types.is_interval(t)
    )


def _stringy(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _binary(t: pa.DataType) -> bool:
    return (
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_binary_view(t)
    )


def leaves(batch: pa.RecordBatch, positional: bool = False) -> Iterator[Leaf]:
    """Every leaf of every column of ``batch`` that is not :func:`inert`: the scannable
    ones, and the opaque ones (``Leaf.opaque``) the caller must not copy unread.

    With ``positional``, paths name each field by its position among its siblings
    (``#3.#1``, ``#2[].value``; see ``jobs.fieldnames``) instead of its name: for reports
    about a copy whose field names may hold PII. ``Leaf.key`` stays the name, the context
    the engine scores with."""
    rows = np.arange(batch.num_rows, dtype=np.int64)
    for i, (name, column) in enumerate(zip(batch.schema.names, batch.columns, strict=True)):
        yield from _walk(column, f"#{i}" if positional else name, name, rows, [], positional)


def _children(array: pa.Array) -> tuple[pa.Array, np.ndarray, list[pa.Array]] | None:
    """The entries of a list-like array: relative offsets, and its child arrays sliced to
    the entries this (possibly sliced) array owns: one child for lists, keys and items for
    maps. None for other types."""
    t = array.type
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        rel = np.arange(len(array) + 1, dtype=np.int64) * size
        return array, rel, [array.values.slice(array.offset * size, len(array) * size)]
    if not (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t)):
        return None
    offsets = np.asarray(array.offsets, dtype=np.int64)
    first, n = int(offsets[0]), int(offsets[-1] - offsets[0])
    if pa.types.is_map(t):
        kids = [array.keys.slice(first, n), array.items.slice(first, n)]
    else:
        kids = [array.values.slice(first, n)]
    return array, offsets - offsets[0], kids


def _walk(
    array: pa.Array,
    path: str,
    key: str,
    rows: np.ndarray,
    indexes: list[np.ndarray],
    positional: bool = False,
) -> Iterator[Leaf]:
    t = array.type
    if isinstance(t, pa.BaseExtensionType):  # UUID, JSON, user types: read their storage
        yield from _walk(array.storage, path, key, rows, indexes, positional)
        return
    listed = _children(array)
    if pa.types.is_struct(t):
        for i, (child_field, child) in enumerate(zip(t, array.flatten(), strict=True)):
            step = f"#{i}" if positional else child_field.name
            yield from _walk(child, f"{path}.{step}", child_field.name, rows, indexes, positional)
    elif listed is not None:
        _, rel, kids = listed
        pos = np.arange(len(kids[0]), dtype=np.int64)
        parent = np.searchsorted(rel, pos, side="right") - 1
        inner = [ix[parent] for ix in indexes] + [pos - rel[parent]]
        at = rows[parent]
        if pa.types.is_map(t):  # a map is a list of key/value pairs; both can be PII
            yield from _walk(kids[0], f"{path}[].key", key, at, inner, positional)
            yield from _walk(kids[1], f"{path}[].value", key, at, inner, positional)
        else:
            yield from _walk(kids[0], f"{path}[]", key, at, inner, positional)
    elif scannable(t):
        yield Leaf(path, key, array, rows, indexes)
    elif not inert(t):
        yield Leaf(path, key, array, rows, indexes, opaque=True)


def as_text(values: pa.Array) -> pa.Array:
    """A leaf as a string array for the engine: numbers, decimals, dates and timestamps as
    their text; binaries as UTF-8 where every value is UTF-8 (no copy), otherwise value by
    value, UTF-8 where it decodes and Latin-1 where not (every byte a character, so an
    e-mail inside a blob is still seen)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return values
    if _binary(t):
        try:
            return pc.cast(values, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.array([_decode(v) for v in values.to_pylist()], pa.string())
    if pa.types.is_timestamp(t) and t.tz is not None:
        return zoned_text(values)
    return pc.cast(values, pa.string())


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def zoned_text(values: pa.Array) -> pa.Array:
    """``pc.cast(values, pa.string())`` for a timestamp with a time zone, ten times faster:
    Arrow formats such a value through its zone one at a time (~1.1 µs each, a quarter of
    the column scans of an orders export), while the wall time (``local_timestamp``) and a
    naive timestamp's text are array operations. The text is the wall time followed by
    ``Z`` for the zone named ``UTC`` and by the offset as ``±HHMM`` for any other, as
    Arrow writes it; an offset that is not whole minutes (a zone's local mean time before
    1900), or a value Arrow cannot convert this way, takes Arrow's own cast."""
    t = values.type
    try:
        local = pc.local_timestamp(values)
        text = pc.cast(local, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pc.cast(values, pa.string())
    if t.tz == "UTC":
        return pc.binary_join_element_wise(text, "Z", "")
    wall = pc.fill_null(local.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    instant = pc.fill_null(values.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    seconds, rest = np.divmod(wall - instant, _PER_SECOND[t.unit])
    if rest.any() or (seconds % 60).any():
        return pc.cast(values, pa.string())
    offsets, which = np.unique(seconds // 60, return_inverse=True)
    labels = [
        f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}{abs(m) % 60:02d}" for m in offsets.tolist()
    ]
    suffix = pa.array(labels, pa.string()).take(pa.array(which.astype(np.int64)))
    return pc.binary_join_element_wise(text, suffix, "")


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def from_text(
    texts: list[str | None], like: pa.Array, originals: list[Any] | None = None
) -> tuple[pa.Array, list[bool]]:
    """Redacted texts back in the leaf's own type, and which values became null because
    the redacted form does not fit the type (a masked phone in an int64 or decimal column,
    a replacement longer than a fixed-size binary). A binary value gets the text's UTF-8
    bytes, or Latin-1 when its ``originals`` entry was not UTF-8 (untouched bytes stay)."""
    t = like.type
    value_type = t.value_type if pa.types.is_dictionary(t) else t
    nulled = [False] * len(texts)
    if _stringy(value_type):
        array = pa.array(texts, type=value_type)
    else:
        out: list[Any] = []
        for i, s in enumerate(texts):
            was = originals[i] if originals is not None else None
            v = None if s is None else to_value(s, value_type, was)
            nulled[i] = s is not None and v is None
            out.append(v)
        array = pa.array(out, type=value_type)
    if pa.types.is_dictionary(t):
        array = pc.dictionary_encode(array).cast(t)
    return array, nulled


# ASCII characters ``int()`` never accepts (it takes digits, whitespace, signs and '_', and
# non-ASCII digits and spaces, which this leaves to it).
_NOT_AN_INT = re.compile(r"[\x00-\x08\x0e-\x1f!-*,./:-^`-~]")


@functools.cache
def _int_range(t: pa.DataType) -> tuple[int, int]:
    info = np.iinfo(t.to_pandas_dtype())
    return int(info.min), int(info.max)


def unfit(texts: Sequence[str | None], t: pa.DataType) -> list[int]:
    """The indexes of the texts (not None) that do not fit type ``t``: :func:`to_value`
    gives None. For an integer type, the texts holding a character ``int()`` never takes
    (a masked number: most redacted values of a numeric leaf) are found by one regex pass
    over the array; only the others are tried one by one."""
    rest: Iterable[int] = range(len(texts))
    out: list[int] = []
    if pa.types.is_integer(t) and len(texts):
        try:
            array = pa.array(texts, pa.string())
        except (UnicodeEncodeError, pa.ArrowException):
            array = None
        if array is not None:
            bad = pc.match_substring_regex(array, _NOT_AN_INT.pattern)
            marked = pc.fill_null(bad, False).to_numpy(zero_copy_only=False)
            out = np.flatnonzero(marked).tolist()
            rest = np.flatnonzero(~marked).tolist()
    out += [j for j in rest if (s := texts[j]) is not None and to_value(s, t) is None]
    return sorted(out)


def to_value(text: str, t: pa.DataType, original: Any = None) -> Any:
    """``text`` as a Python value of type ``t``, or None when it does not fit."""
    if pa.types.is_integer(t):
        return _to_int(text, t)
    if _binary(t):
        data = text.encode("utf-8")
        if isinstance(original, bytes) and not _is_utf8(original):
            with contextlib.suppress(UnicodeEncodeError):  # as_text used Latin-1: same way back
                data = text.encode("latin-1")
        return None if pa.types.is_fixed_size_binary(t) and len(data) != t.byte_width else data
    try:
        return pc.cast(pa.array([text], pa.string()), t)[0].as_py()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None


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
    if isinstance(t, pa.BaseExtensionType):
        return pa.ExtensionArray.from_storage(t, _rebuild(array.storage, path, replaced))
    mask = array.is_null() if array.null_count else None
    if pa.types.is_struct(t):
        children = [
            _rebuild(child, f"{path}.{f.name}", replaced)
            for f, child in zip(t, array.flatten(), strict=True)
        ]
        return pa.StructArray.from_arrays(children, fields=list(t), mask=mask)
    listed = _children(array)
    if listed is None:
        return array
    _, rel, kids = listed
    if pa.types.is_fixed_size_list(t):
        new_child = _rebuild(kids[0], f"{path}[]", replaced)
        return pa.FixedSizeListArray.from_arrays(new_child, type=t, mask=mask)
    if pa.types.is_map(t):
        keys = _rebuild(kids[0], f"{path}[].key", replaced)
        items = _rebuild(kids[1], f"{path}[].value", replaced)
        offsets = pa.array(rel, type=pa.int32())
        return pa.MapArray.from_arrays(offsets, keys, items, type=t, mask=mask)
    new_child = _rebuild(kids[0], f"{path}[]", replaced)
    cls = pa.ListArray if pa.types.is_list(t) else pa.LargeListArray
    width = pa.int32() if pa.types.is_list(t) else pa.int64()
    return cls.from_arrays(pa.array(rel, type=width), new_child, type=t, mask=mask)


def _to_int(text: str, t: pa.DataType) -> int | None:
    if _NOT_AN_INT.search(text):  # a masked number ("98XXXXXX10"): no int() to raise
        return None
    try:
        n = int(text)
    except ValueError:
        return None
    low, high = _int_range(t)
    return n if low <= n <= high else None
