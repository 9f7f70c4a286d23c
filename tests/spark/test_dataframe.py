"""The DataFrame API on real local Spark: findings of flat, nested and integer columns, and
the redacted DataFrame with its schema, rows and order kept.

One small DataFrame plants one value per entity (and look-alikes that must stay quiet) in a
single partition, so record indexes are the row positions; a second, two-partition copy
shows what ``monotonically_increasing_id`` indexes look like and that they join back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from detectors.checksums import verhoeff_valid
from detectors.engine import Engine
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from detectors.operators import preview
from detectors.policy import Policy
from jobs.dataframe import redact_dataframe, scan_dataframe
from jobs.findings import arrow_schema
from jobs.recordbatch import scan_batch

pytestmark = pytest.mark.spark

# The same keys tests/conftest.py puts in the environment for every test; module-scoped
# fixtures cannot see that per-test environment, so they pass these explicitly.
KEYS = KeyRing(bytes.fromhex("11" * 32), bytes.fromhex("22" * 32))

AADHAAR = next(f"45612378901{d}" for d in "0123456789" if verhoeff_valid(f"45612378901{d}"))
PHONE = "+91 98765 43210"
EMAIL = "priya.sharma@example.com"
NAME = "Priya Sharma"
MOBILE = 9123456780  # an int64 phone column
NESTED_EMAIL = "rahul.k@example.org"
NESTED_PHONE = "9988776655"
ITEM_PHONE = "+91 90000 12345"
LIST_EMAIL = "anita.d@example.net"
PLANTED = [PHONE, EMAIL, NAME, AADHAAR, str(MOBILE), NESTED_EMAIL, NESTED_PHONE, ITEM_PHONE]
PLANTED += [LIST_EMAIL]

SCHEMA = (
    "row_no bigint, order_id string, created_ms bigint, session_id string, amount bigint, "
    "phone string, email string, full_name string, aadhaar string, mobile bigint, "
    "profile struct<email:string, city:string, contact:struct<phone:string>>, "
    "items array<struct<sku:string, phone:string>>, contacts array<string>, price double"
)
ROWS: list[tuple[Any, ...]] = [
    (
        100,
        "ORD-99812345",
        1700000000000,
        "123e4567-e89b-12d3-a456-426614174000",
        4999,
        PHONE,
        EMAIL,
        NAME,
        AADHAAR,
        MOBILE,
        {"email": NESTED_EMAIL, "city": "Pune", "contact": {"phone": NESTED_PHONE}},
        [{"sku": "SKU-1", "phone": None}, {"sku": "SKU-2", "phone": None}],
        ["none", LIST_EMAIL],
        12.5,
    ),
    # look-alikes only: order ids, epoch milliseconds, UUIDs, a 10-digit amount
    (
        101,
        "ORD-10000001",
        1712345678901,
        "8f14e45f-ceea-467a-9b36-0b2c3c1d9e1a",
        9876543210,
        "n/a",
        None,
        None,
        "1712345678901",
        1700000000000,
        {"email": None, "city": "Delhi", "contact": None},
        [],
        None,
        None,
    ),
    (
        102,
        "ORD-20000002",
        1712345678999,
        "0b6f3c2e-5d4a-4e7b-9c1d-2a3b4c5d6e7f",
        1,
        None,
        None,
        None,
        None,
        None,
        None,
        [
            {"sku": "SKU-3", "phone": None},
            {"sku": "SKU-4", "phone": None},
            {"sku": "S", "phone": ITEM_PHONE},
        ],
        [],
        0.0,
    ),
]

# (record_index, field_path, entity_type, the raw value the span covers)
EXPECTED = {
    (0, "phone", "PHONE_NUMBER", PHONE),
    (0, "email", "EMAIL_ADDRESS", EMAIL),
    (0, "full_name", "PERSON", NAME),
    (0, "aadhaar", "IN_AADHAAR", AADHAAR),
    (0, "mobile", "PHONE_NUMBER", str(MOBILE)),
    (0, "profile.email", "EMAIL_ADDRESS", NESTED_EMAIL),
    (0, "profile.contact.phone", "PHONE_NUMBER", NESTED_PHONE),
    (0, "contacts[1]", "EMAIL_ADDRESS", LIST_EMAIL),
    (2, "items[2].phone", "PHONE_NUMBER", ITEM_PHONE),
}
RAW = {(i, path): raw for i, path, _, raw in EXPECTED}


@pytest.fixture(scope="module")
def frame(spark: Any) -> Any:
    return spark.createDataFrame(ROWS, SCHEMA).coalesce(1)


@pytest.fixture(scope="module")
def found(frame: Any) -> list[dict[str, Any]]:
    result = scan_dataframe(frame, keys=KEYS, scan_id="test-scan")
    assert result.columns == arrow_schema().names
    return [r.asDict() for r in result.collect()]


@pytest.fixture(scope="module")
def redacted(frame: Any) -> tuple[Any, list[dict[str, Any]]]:
    out = redact_dataframe(frame, Policy.default(), keys=KEYS)
    return out, [r.asDict(recursive=True) for r in out.collect()]


# ------------------------------------------------------------------------- findings
def test_findings_are_the_planted_values_at_their_paths(found: list[dict[str, Any]]) -> None:
    got = {(r["record_index"], r["field_path"], r["entity_type"]) for r in found}
    assert got == {(i, path, entity) for i, path, entity, _ in EXPECTED}
    assert len(found) == len(EXPECTED)


def test_findings_follow_the_contract(spark: Any, found: list[dict[str, Any]]) -> None:
    types = {
        "string": "string",
        "int64": "bigint",
        "int32": "int",
        "double": "double",
    }
    result = scan_dataframe(spark.createDataFrame(ROWS[:1], SCHEMA), keys=KEYS)
    declared = [(f.name, f.dataType.simpleString()) for f in result.schema.fields]
    assert declared == [(f.name, types[str(f.type)]) for f in arrow_schema()]
    for r in found:
        raw = RAW[(r["record_index"], r["field_path"])]
        assert r["scan_id"] == "test-scan"
        assert r["source_uri"] == "dataframe"
        assert r["line_number"] is None
        assert (r["char_start"], r["char_end"]) == (0, len(raw))
        assert 0.5 <= r["score"] <= 1.0
        assert r["action"] == ("drop" if r["field_path"] == "mobile" else "mask")
        assert re.fullmatch(r"[0-9a-f]{64}", r["fingerprint"])
        assert r["fingerprint"] == fingerprint(r["entity_type"], raw, KEYS.fingerprint_key)
        assert "X" in r["preview"] and raw not in r["preview"]
        # digested a batch at a time by the compiled core: the Python functions' answer
        assert r["preview"] == preview(raw, r["entity_type"])


def test_findings_hold_no_raw_value(found: list[dict[str, Any]]) -> None:
    text = repr(found)
    for raw in PLANTED:
        assert raw not in text
    engine = Engine.default()
    for r in found:  # a preview, read as text, holds nothing the engine would report
        assert engine.scan_text(r["preview"]) == []


def test_look_alikes_give_no_findings(found: list[dict[str, Any]]) -> None:
    quiet = {"row_no", "order_id", "created_ms", "session_id", "amount", "price"}
    assert not [r for r in found if r["field_path"] in quiet]
    assert not [r for r in found if r["record_index"] == 1]


def test_when_the_python_engine_is_named_then_findings_and_redaction_equal_the_default(
    frame: Any, found: list[dict[str, Any]], redacted: tuple[Any, list[dict[str, Any]]]
) -> None:
    """The default (no ``engine``) is the native engine; ``engine="python"`` the reference."""
    python = scan_dataframe(frame, keys=KEYS, scan_id="test-scan", engine="python")
    assert sorted((r.asDict() for r in python.collect()), key=repr) == sorted(found, key=repr)
    out = redact_dataframe(frame, Policy.default(), keys=KEYS, engine="python")
    assert [r.asDict(recursive=True) for r in out.collect()] == redacted[1]
    with pytest.raises(PiisweepError, match="expected one of native, python"):
        scan_dataframe(frame, keys=KEYS, engine="bogus")


def test_threshold_default_keys_and_policy_path(frame: Any, tmp_path: Path) -> None:
    """A policy file: its threshold filters findings, its actions decide them; without
    ``keys`` the driver's KeyRing.load() reads the environment tests/conftest.py set."""
    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\nthreshold: 0.9\nentities:\n  PHONE_NUMBER: {action: drop}\n",
        encoding="utf-8",
    )
    rows = scan_dataframe(frame, policy=str(path), columns=["phone", "mobile", "profile"])
    got = {(r.field_path, r.action, r.fingerprint) for r in rows.collect()}
    assert got == {
        ("phone", "drop", fingerprint("PHONE_NUMBER", PHONE, KEYS.fingerprint_key)),
        (
            "profile.email",
            "replace",
            fingerprint("EMAIL_ADDRESS", NESTED_EMAIL, KEYS.fingerprint_key),
        ),
    }  # mobile and profile.contact.phone score 0.85, under 0.9
    out = redact_dataframe(frame, str(path), columns=["phone"]).collect()
    assert [r.phone for r in out] == [None, "n/a", None]


def test_columns_restrict_the_scan(frame: Any) -> None:
    rows = scan_dataframe(frame, keys=KEYS, columns=["email", "profile"]).collect()
    assert {r.field_path for r in rows} == {"email", "profile.email", "profile.contact.phone"}
    with pytest.raises(ValueError, match="no column named 'emial'"):
        scan_dataframe(frame, keys=KEYS, columns=["emial"])
    with pytest.raises(ValueError, match="'price' hold no string or integer"):
        redact_dataframe(frame, keys=KEYS, columns=["price"])


def test_record_index_is_monotonically_increasing_id_or_index_column(spark: Any) -> None:
    """Across partitions the index is not dense, but joins back to the row through the same
    ``monotonically_increasing_id()``; ``index_column`` gives the caller's own key."""
    from pyspark.sql import functions as F

    df = spark.createDataFrame(spark.sparkContext.parallelize(ROWS, 2), SCHEMA)
    found = scan_dataframe(df, keys=KEYS, columns=["phone", "items"]).collect()
    ids = {
        r.rid: r.row_no
        for r in df.withColumn("rid", F.monotonically_increasing_id())
        .select("rid", "row_no")
        .collect()
    }
    assert sorted((ids[r.record_index], r.field_path) for r in found) == [
        (100, "phone"),
        (102, "items[2].phone"),
    ]
    assert max(r.record_index for r in found) >= 1 << 33  # second partition: not dense
    own = scan_dataframe(df, keys=KEYS, columns=["phone", "items"], index_column="row_no")
    assert sorted((r.record_index, r.field_path) for r in own.collect()) == [
        (100, "phone"),
        (102, "items[2].phone"),
    ]


def test_nothing_scannable_gives_no_findings(spark: Any) -> None:
    df = spark.createDataFrame([(1.5, b"\x00")], "price double, blob binary")
    assert scan_dataframe(df, keys=KEYS).count() == 0
    assert redact_dataframe(df, keys=KEYS) is df


# ------------------------------------------------------------------------- redaction
def test_redacted_keeps_schema_rows_and_order(frame: Any, redacted: Any) -> None:
    out, rows = redacted
    assert out.schema == frame.schema
    assert [r["row_no"] for r in rows] == [100, 101, 102]
    original = [r.asDict(recursive=True) for r in frame.collect()]
    unchanged = ("order_id", "created_ms", "session_id", "amount", "price")
    for before, after in zip(original, rows, strict=True):
        assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert rows[1] == original[1]  # the look-alike row is untouched
    assert rows[0]["profile"]["city"] == "Pune"
    assert rows[0]["contacts"][0] == "none"
    assert [i["sku"] for i in rows[2]["items"]] == ["SKU-3", "SKU-4", "S"]


def test_redacted_holds_no_planted_value(redacted: Any) -> None:
    _, rows = redacted
    text = repr(rows)
    for raw in PLANTED:
        assert raw not in text
    first = rows[0]
    assert first["mobile"] is None  # a masked phone does not fit a bigint
    assert first["phone"] == "+91 XXXXX XXX10"
    assert first["aadhaar"] == "XXXXXXXX" + AADHAAR[-4:]
    assert rows[2]["items"][2]["phone"].endswith("45") and "X" in rows[2]["items"][2]["phone"]


def test_redact_columns_and_not_null_fields(spark: Any, frame: Any) -> None:
    only_email = redact_dataframe(frame, keys=KEYS, columns=["email"]).collect()[0]
    assert only_email.phone == PHONE and EMAIL not in only_email.email
    df = spark.createDataFrame([(PHONE, MOBILE)], "phone string not null, mobile bigint not null")
    out = redact_dataframe(df, keys=KEYS)  # a NOT NULL column may become null: declared so
    assert [(f.name, f.nullable) for f in out.schema.fields] == [("phone", True), ("mobile", True)]
    assert out.collect()[0].asDict() == {"phone": "+91 XXXXX XXX10", "mobile": None}


def test_task_errors_name_the_column_not_the_value(spark: Any, frame: Any) -> None:
    class Exploding(Engine):
        def scan_arrow(self, array: Any, field: str | None = None) -> Any:
            raise RuntimeError(f"cannot scan {array.to_pylist()}")

    engine = Exploding(Engine.default().detectors)
    with pytest.raises(Exception) as caught:
        scan_dataframe(frame, engine=engine, keys=KEYS, columns=["email"]).collect()
    message = str(caught.value)
    assert "scanning email failed (RuntimeError)" in message
    assert EMAIL not in message
    assert not isinstance(caught.value, PiisweepError)  # it reaches the driver as Spark's


def test_redacted_rescans_clean(redacted: Any) -> None:
    """The redacted rows, rescanned by the same per-batch code (no Spark job needed)."""
    _, rows = redacted
    batch = pa.RecordBatch.from_pylist(rows)
    again: list[tuple[str, str]] = []
    policy = Policy.default()
    scan_batch(
        batch,
        Engine.default(),
        policy,
        KEYS,
        lambda found: again.extend(zip(found.paths, found.entity_types(), strict=True)),
        redact=False,
    )
    assert again == []
