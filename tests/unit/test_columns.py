"""Arrow string columns are scanned from their buffers, with the same answers as Python
lists of the same values."""

from __future__ import annotations

import pyarrow as pa
import pytest

from detectors.columns import joined_buffer
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
