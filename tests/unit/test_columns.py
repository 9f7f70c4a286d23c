"""Arrow string columns are scanned from their buffers, with the same answers as Python
lists of the same values."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.columns import broken_values, joined_buffer, joined_column
from detectors.engine import Engine

VALUES = [
    "call 9876543210 today",
    None,
    "",
    "line one\nmail rahul.s@gmail.com",  # a newline inside a value
    "₹ 500 paid by 9876543211",  # non-ASCII before the value
    "9876543212",
    "order_id 8745123698",
    "Priya Nair",
]


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.mark.parametrize("field", [None, "customer_name", "note"])
@pytest.mark.parametrize("kind", ["string", "large_string", "sliced", "chunked"])
def test_when_an_arrow_column_is_scanned_then_spans_equal_the_python_list_path(
    engine: Engine, field: str | None, kind: str
) -> None:
    if kind == "sliced":
        array = pa.array(["pad 9876543219", *VALUES], pa.string()).slice(1)
    elif kind == "chunked":
        array = pa.chunked_array([VALUES[:3], VALUES[3:]], pa.string())
    else:
        array = pa.array(VALUES, getattr(pa, kind)())
    expected = list(engine.scan_values(VALUES, field=field))
    assert list(engine.scan_arrow(array, field=field)) == expected
    assert {i for i, _ in expected} >= {0, 3, 4, 5}


def test_when_values_hold_newlines_then_the_joined_buffer_keeps_one_line_per_row() -> None:
    data = joined_buffer(pa.array(["a\nb", None, "c\r"]))
    assert data == b"a b\n\nc "


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.none() | st.text(alphabet="ab\n\r é₹\x00", max_size=6), max_size=12),
    st.sampled_from([pa.string(), pa.large_string()]),
    st.integers(0, 4),
    st.integers(0, 4),
)
def test_the_core_joins_a_column_into_the_bytes_the_reference_joins(
    values: list[str | None], kind: pa.DataType, head: int, tail: int
) -> None:
    """The native column scan reads ``joined_column``; the reference engine reads
    ``joined_buffer``: slices (an offset into shared buffers), nulls, wide offsets and line
    breaks inside values must give the same bytes, and the values with a break that the
    core tells must be those ``broken_values`` finds."""
    array = pa.array(values, kind)
    array = array.slice(min(head, len(array)), max(0, len(array) - head - tail))
    joined, broken = joined_column(array)
    assert joined == joined_buffer(array)
    assert broken() == broken_values(array)


def test_when_offsets_do_not_ascend_then_the_core_refuses_them() -> None:
    import numpy as np

    from detectors import _native

    offsets = np.array([0, 3, 1], dtype=np.int32).tobytes()
    with pytest.raises(ValueError, match="ascend"):
        _native.joined_values(b"abc", offsets, False, 2)
    with pytest.raises(ValueError, match="ascend"):  # past the data
        _native.joined_values(b"ab", np.array([0, 3], dtype=np.int32).tobytes(), False, 1)
    with pytest.raises(ValueError, match="short"):
        _native.joined_values(b"ab", offsets, False, 3)
    with pytest.raises(ValueError, match="short"):  # a length whose byte count wraps
        _native.joined_values(b"ab", offsets, True, 2**64 - 1)


@pytest.mark.parametrize(
    "array",
    [
        pa.chunked_array([["a\nb", None], [], ["c", "d\re"]]),
        pa.chunked_array([], pa.string()),
        pa.array([1, None, 30]),  # cast to strings, as an int64 phone column is
        pa.array([], pa.string()),
    ],
    ids=["chunked", "no-chunks", "int64", "empty"],
)
def test_joined_column_reads_chunked_other_and_empty_columns_as_the_reference(
    array: pa.Array | pa.ChunkedArray,
) -> None:
    joined, broken = joined_column(array)
    assert joined == joined_buffer(array)
    assert broken() == broken_values(array)
