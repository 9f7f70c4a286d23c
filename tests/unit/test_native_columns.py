"""The core's column scan (``Core.scan_column``) against the Python reference.

``NativeEngine.scan_arrow_flat`` runs a whole column in one call: the buffer pass plus the
whole-value detection of fields whose name says what they hold, merged and resolved per row.
``Engine.scan_arrow_flat`` builds the same from ``Engine.scan_arrow``; both must give the
same spans row by row, on realistic columns and on generated ones, with every field name
and allow-list the detectors react to.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.builtin import builtin_detectors
from detectors.engine import Engine, _joined_lines
from detectors.native import NativeEngine

FIELDS = [
    None,
    "customer_name",
    "full_name",
    "name",
    "Customer Name",
    "billing.firstName",
    "address",
    "shipping_address",
    "addr",
    "phone",
    "mobile",
    "email",
    "pan",
    "aadhaar",
    "passport",
    "voter_id",
    "cvv",
    "otp",
    "dob",
    "password",
    "device_id",
    "card_number",
    "notes",
    "$.orders[0].customer_name",
]

VALUES = [
    "Rahul Sharma",
    "  Priya Verma  ",
    "\tAnil Kumar\u00a0",
    "\u3000Sunita Devi\u2028",
    "Mr. Rajesh Gupta",
    "RXXX KXXXX",
    "KXXX YXXX",
    "राहुल शर्मा",
    "José Álvarez",
    "Zoë O'Brien-Smith",
    "Flat 4B, 12 MG Road, Bengaluru 560001",
    "221B Baker Street, London",
    "House No. 45, Sector 12, Dwarka, New Delhi - 110075",
    "9876543210",
    "+91 98765 43210",
    "98XXXXXX10",
    "ravi.kumar@gmail.com",
    "liXX.X@shopkart.in",
    "ABCPE1234F",
    "2345 6789 0123",
    "J8369854",
    "ABC1234567",
    "123",
    "482913",
    "12/04/1990",
    "s3cr3t-Passw0rd!",
    "changeme",
    "4111 1111 1111 1111",
    "call Rahul Sharma on 9876543210",
    "name: Priya Verma, ph 9876543210",
    "Rahul\nSharma",
    "line one\r\nline two 9876543210",
    "  ",
    "",
    None,
    "n/a",
    "Test User",
]


@functools.cache
def engines() -> tuple[Engine, NativeEngine]:
    """The reference and the core, built once (not a fixture: a falsifying example prints
    the input alone)."""
    return Engine.default(), NativeEngine.default()


@functools.cache
def allow_engines() -> tuple[Engine, NativeEngine]:
    """Both engines with an allow-list: exact values and a pattern."""
    allow = {
        "allow_values": frozenset({"Rahul Sharma", "9876543210", "ravi.kumar@gmail.com"}),
        "allow_patterns": (re.compile(r"(?i)test\s+user|.*@shopkart\.in"),),
    }
    return Engine(builtin_detectors(), **allow), NativeEngine(builtin_detectors(), **allow)


def assert_same(
    python: Engine, native: NativeEngine, values: list[str | None], field: str | None
) -> None:
    """Every column entry point of the core equals the reference on one column."""
    array = pa.array(values, pa.string())
    want = list(python.scan_arrow_flat(array, field).by_row())
    flat = native.scan_arrow_flat(array, field)
    assert list(flat.by_row()) == want
    assert list(native.scan_arrow(array, field)) == want
    assert list(native.scan_values(values, field)) == list(python.scan_values(values, field))
    data = _joined_lines(values).encode("utf-8", "surrogateescape")
    column = lambda: values  # noqa: E731
    assert native._scan_column(data, column, field) == python._scan_column(data, column, field)
    assert flat.rows.dtype == np.int64 and flat.sources.dtype == np.int32


@pytest.mark.parametrize("field", FIELDS)
def test_when_realistic_column_then_native_flat_spans_equal_python(field: str | None) -> None:
    assert_same(*engines(), VALUES, field)


@pytest.mark.parametrize("field", ["customer_name", "address", "email", "phone", None])
def test_when_allow_listed_then_native_flat_spans_equal_python(field: str | None) -> None:
    assert_same(*allow_engines(), VALUES, field)


def test_when_column_is_empty_or_all_null_then_no_spans() -> None:
    python, native = engines()
    for values in ([], [None], [None, None, ""], ["", " "]):
        assert_same(python, native, values, "customer_name")
        assert len(native.scan_arrow_flat(pa.array(values, pa.string()), "name")) == 0


def test_when_chunked_array_then_rows_number_across_chunks() -> None:
    python, native = engines()
    chunked = pa.chunked_array([VALUES[:7], VALUES[7:]], pa.string())
    want = list(python.scan_arrow_flat(chunked, "customer_name").by_row())
    assert list(native.scan_arrow_flat(chunked, "customer_name").by_row()) == want
    assert want  # the names in the first chunk are found


def test_when_name_hinted_then_padded_value_found_and_masked_one_not() -> None:
    _, native = engines()
    flat = native.scan_arrow_flat(pa.array(["  Priya Verma  ", "RXXX KXXXX"]), "customer_name")
    found = [(r, [(s.entity_type, s.start, s.end) for s in spans]) for r, spans in flat.by_row()]
    assert found == [(0, [("PERSON", 2, 13)])]


@pytest.mark.parametrize("field", ["customer_name", "address", "password", "otp"])
def test_when_values_hold_undecodable_bytes_then_scan_values_equals_python(field: str) -> None:
    python, native = engines()
    values = [b.decode("utf-8", "surrogateescape") for b in (b"Rahul \xff Sharma", b"\xc3abc123",
              b"  Priya\nVerma\xe0\xa4", b"s3cr3t\xed\xa0\x80pass", b"123456\xff")]  # fmt: skip
    assert list(native.scan_values(values, field)) == list(python.scan_values(values, field))


_PIECES = [v for v in VALUES if v] + [
    " ",
    "\n",
    "\t",
    "\u00a0",
    "\u2003",
    "\x1c",
    "X",
    "XX",
    "*",
    "@",
    "=",
    "name=",
    ": ",
    "क",
    "é",
    "\u200b",
]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.lists(st.sampled_from(_PIECES), max_size=4).map("".join),
            st.text(max_size=12),
        ),
        max_size=8,
    ),
    field=st.sampled_from(FIELDS),
    allow=st.booleans(),
)
def test_when_column_is_generated_then_native_flat_spans_equal_python(
    values: list[str | None], field: str | None, allow: bool
) -> None:
    # Lone surrogates cannot be Arrow strings; scan_values takes them (surrogateescape).
    values = [v if v is None else v.encode("utf-8", "replace").decode() for v in values]
    assert_same(*(allow_engines() if allow else engines()), values, field)


def test_when_column_is_scanned_then_no_python_runs_per_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole-value step is the core's: the Python one (once per value) is never called."""
    _, native = engines()
    array = pa.array(VALUES, pa.string())
    want = list(native.scan_arrow_flat(array, "customer_name").by_row())

    def refuse(*args: object) -> None:
        raise AssertionError("Python ran per value")

    monkeypatch.setattr(NativeEngine, "_field_spans", refuse)
    assert list(native.scan_arrow_flat(array, "customer_name").by_row()) == want
