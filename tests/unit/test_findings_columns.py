"""``jobs.findings.columns_table`` (findings built as columns from flat spans) against the
per-finding rows of ``finding_values``: the two sinks of the scan must write the same rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from detectors.colspans import ColumnSpans
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.spans import Span
from jobs.findings import arrow_schema, columns_table, finding_values, rows_table

KEY = b"k" * 32


def _spans() -> list[tuple[int, Span, str]]:
    """(row, span, text) of three findings on two rows; the texts are the whole values."""
    return [
        (0, Span("PHONE_NUMBER", 4, 14, 0.9, "in_mobile"), "tel 9876543210 ok"),
        (2, Span("PERSON", 0, 5, 0.85, "name_pair"), "Rahul Sharma"),
        (2, Span("EMAIL_ADDRESS", 6, 11, 1.0, "email"), "Rahul a@b.in"),
    ]


def _expected(lines: list[int | None], records: list[int | None]) -> pa.Table:
    keys = KeyRing(KEY, b"t" * 32)
    policy = Policy.default()
    rows = [
        finding_values("s3://b/k", line, record, None, text, span, keys, policy)
        for (_, span, text), line, record in zip(_spans(), lines, records, strict=True)
    ]
    return rows_table(rows, arrow_schema(with_scan_id=False))


def _columns(lead: dict, record_index: object) -> pa.Table:
    found = _spans()
    flat = ColumnSpans.from_hits((row, [span]) for row, span, _ in found)
    values = [text[s.start : s.end] for _, s, text in found]
    actions = [Policy.default().action_for(s.entity_type) for _, s, _ in found]
    return columns_table(
        arrow_schema(with_scan_id=False), lead, record_index, [None] * 3, flat, values, actions, KEY
    )


@pytest.mark.parametrize("kind", ["list", "numpy", "arrow"])
def test_per_finding_line_numbers_match_the_row_path(kind: str) -> None:
    lines = [7, 9, 9]
    given = {"list": lines, "numpy": np.array(lines), "arrow": pa.array(lines)}[kind]
    got = _columns({"source_uri": "s3://b/k", "line_number": given}, None)
    assert got.equals(_expected(lines, [None] * 3))
    assert got.column("record_index").null_count == 3


def test_constant_lead_and_record_indexes_match_the_row_path() -> None:
    got = _columns({"source_uri": "s3://b/k", "line_number": None}, np.array([0, 2, 2]))
    assert got.equals(_expected([None] * 3, [0, 2, 2]))
