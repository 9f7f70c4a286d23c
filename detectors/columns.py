"""Columns of Arrow string arrays as one buffer for the trigger scanner.

An Arrow string array is already one contiguous buffer of values plus offsets; the scanner
needs a separator between values (a trigger must not run from one value into the next), so
the buffer is copied once with a newline spliced in at every offset (``numpy.insert``), with
no Python per value. Newlines and carriage returns inside values become spaces, which keeps
every offset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _as_strings(array: Any) -> Any:
    """One pyarrow string array of the values (chunks joined, other types cast)."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = pa.concat_arrays(array.chunks) if array.num_chunks else pa.array([], pa.string())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    return array


def broken_values(array: Any) -> list[tuple[int, str]]:
    """(row, value) of the values of a pyarrow string array that hold a line break, which
    :func:`joined_buffer` turned into a space: whole-value detection judges a value as
    written, so the native column scan is given these few as they are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _as_strings(array)
    if len(array) == 0:
        return []
    mask = pc.or_(pc.match_substring(array, "\n"), pc.match_substring(array, "\r"))
    rows = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    if not len(rows):
        return []
    return list(zip(rows.tolist(), array.take(pa.array(rows)).to_pylist(), strict=True))


def joined_buffer(array: Any) -> bytes:
    """``\\n``-joined UTF-8 bytes of a pyarrow string array (nulls become empty lines)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _as_strings(array)
    if array.null_count:
        array = pc.fill_null(array, "")
    array = pc.replace_substring(pc.replace_substring(array, "\n", " "), "\r", " ")
    if len(array) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
    cuts = (offsets[1:-1] - offsets[0]).astype(np.int64)
    return np.insert(data, cuts, np.uint8(10)).tobytes()


def joined_column(array: Any) -> tuple[bytes, Callable[[], list[tuple[int, str]]]]:
    """:func:`joined_buffer` by the compiled core in one pass over the values (the numpy
    form copies the data four times: two replaces, the insert, ``tobytes``), and a call that
    gives :func:`broken_values` from the rows the core found a line break in (two Arrow
    substring searches over the column cost ~8% of an address column's scan). The tests
    hold both to the reference."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from detectors import _native

    array = _as_strings(array)
    if array.null_count:
        array = pc.fill_null(array, "")  # a null never holds a break: broken_values agrees
    if len(array) == 0:
        return b"", list
    wide = pa.types.is_large_string(array.type)
    _, offsets, data = array.buffers()
    width = 8 if wide else 4
    # Only this array's offsets and values: a slice of a batch shares the batch's buffers.
    own = offsets.slice(array.offset * width, (len(array) + 1) * width)
    ends = np.frombuffer(own, dtype=np.int64 if wide else np.int32)[[0, -1]]
    first, last = int(ends[0]), int(ends[1])
    values = data.slice(first, last - first).to_pybytes() if data is not None else b""
    joined, rows = _native.joined_values(values, own.to_pybytes(), wide, len(array))

    def broken() -> list[tuple[int, str]]:
        if not rows:
            return []
        return list(zip(rows, array.take(pa.array(rows, pa.int64())).to_pylist(), strict=True))

    return joined, broken
