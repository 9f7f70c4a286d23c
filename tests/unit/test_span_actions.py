"""A finding's action is what the redacted copy holds (``detectors.spanactions``): on the
column paths (CSV batches, Parquet leaves, JSON Lines, text) an operator that refuses a
value (``generalize`` of an impossible date) reports ``replace``, a run of overlapping
spans ``replace``, every span of a value a whole-value ``drop`` empties ``drop``, as
``Policy.redact_text_with_actions`` reports them value by value. The CSV and Parquet
paths reported the rule's action whatever the value (a finding said ``generalize`` where
the copy held ``[REDACTED:DATE_OF_BIRTH]``)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.colspans import ColumnSpans
from detectors.policy import Policy
from detectors.spanactions import SpanActions
from tests.unit.hostile import KEYS, engine, scan_path
from tests.unit.test_detect_text_rows import EVERY_FALLIBLE

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    ("Ravi Kumar", "31/02/1990", "fe80::1%eth0"),  # no 31 February: generalize refuses
    ("Sita Devi", "1990-05-04", "10.20.30.40"),
]


def _actions_by_entity(findings: pa.Table) -> list[tuple[int, str, str]]:
    return [(r["record_index"], r["entity_type"], r["action"]) for r in findings.to_pylist()]


def test_csv_findings_say_replace_where_generalize_refused_the_value(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,dob,ip\n" + "".join(",".join(r) + "\n" for r in ROWS))
    scanned = scan_path(path, tmp_path / "w", policy=Policy.load(ROOT / "conf/policy.yaml"))
    got = _actions_by_entity(scanned.findings)
    assert (0, "DATE_OF_BIRTH", "replace") in got
    assert (1, "DATE_OF_BIRTH", "generalize") in got
    assert scanned.copy is not None
    dobs = scanned.copy.column("dob").to_pylist()
    assert dobs[0].startswith("[") and dobs[1] == "1990-05"


def test_parquet_findings_say_replace_where_generalize_refused_the_value(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    table = pa.table(
        {
            "name": [r[0] for r in ROWS],
            "dob": [r[1] for r in ROWS],
            "phone": pa.array([9876543210, 9123456789], pa.int64()),
        }
    )
    pq.write_table(table, path)
    scanned = scan_path(path, tmp_path / "w", policy=Policy.load(ROOT / "conf/policy.yaml"))
    got = _actions_by_entity(scanned.findings)
    assert (0, "DATE_OF_BIRTH", "replace") in got
    assert (1, "DATE_OF_BIRTH", "generalize") in got
    # A masked phone no longer fits int64: nulled, and its finding says so.
    assert {a for _, e, a in got if e == "PHONE_NUMBER"} == {"drop"}
    assert scanned.copy is not None
    assert scanned.copy.column("phone").to_pylist() == [None, None]


_VALUES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "31/02/1990",
                "1990-05-04",
                "dob 1990-05-04 and 31/13/1990",
                "fe80::1%eth0",
                "10.1.2.3 and ::ffff:10.1.2.3",
                "ravi.kumar@example.com9876543210",
                "  ravi@example.com ",
                "Ravi Kumär +91 98765 43210",
                "482913",
                "4111 1111 1111 1111",
                "ABCPE1234F",
            ]
        ),
        st.text(max_size=20),
    ),
    min_size=1,
    max_size=8,
)


@given(values=_VALUES)
@settings(max_examples=60, deadline=None)
def test_actions_on_arrays_equal_span_actions_value_by_value(values: list[str]) -> None:
    """``SpanActions.of_values`` against ``Policy.span_actions`` (and the whole-value drop
    of ``redact_value``) on each value's own spans, under a policy where every operator
    that may refuse a value is used and ``drop`` is one of the actions."""
    policy = Policy.from_dict(EVERY_FALLIBLE)
    found = [(i, s) for i, v in enumerate(values) for s in [engine().scan_text(v)] if s]
    flat = ColumnSpans.from_hits(found, engine().span_names)
    kept = flat.select(flat.scores >= policy.threshold)
    rows, _ = kept.row_bounds()
    with_spans = [values[r] for r in rows.tolist()]
    got = SpanActions(policy, KEYS, kept.names).of_values(with_spans, kept.per_value())
    want: list[str] = []
    for row, spans in kept.by_row():
        value = values[row]
        applied = dict(policy.span_actions(value, spans, KEYS))
        emptied = policy.redact_value(value, spans, KEYS) is None
        want += ("drop" if emptied else applied[s] for s in spans)
    assert got == want
