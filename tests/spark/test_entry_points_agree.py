"""Issue #14: the same object gives the same answer whatever the entry point.

The same small objects (a text log, a JSON Lines file, a CSV with a header, JSON Lines
named ``.json`` and a JSON document) go through
``piisweep scan`` (real local Spark), ``piisweep detect`` and ``piisweep redact``, and the
JSON records once more through ``piisweep redact-records``, under every shipped policy
(``conf/policy.yaml`` and each file in ``conf/policies/``). Required to agree:

- findings: ``detect`` gives exactly the scan's findings rows (source, line, record, field,
  offsets, entity, detector, score, action, fingerprint, preview), ``keep`` included;
- redacted values: ``redact``'s output, line by line or cell by cell, is the scan's copy;
- ``redact-records`` gives each record the scan's redacted JSON and ``is_pii``;
- validate's residual check, reading each copy with the same policy, finds nothing to
  redact again.

Differences by design, not compared:

- ``detect`` does not redact and ``redact`` reports no findings; ``redact-records`` reports
  neither findings nor line numbers (its input is a CSV of records, not the JSONL);
- the scan's copy is Parquet and says ``is_pii`` per record under a policy with
  ``records:``; ``redact`` writes the input back in its own format, without that column;
  a cell a ``drop`` empties is null in Parquet and empty in CSV (no shipped policy drops);
- a JSON line that cannot be repaired is written back unwrapped as redacted text by the
  scan and ``redact`` (line-oriented outputs) and as ``{"_unparsed": ...}`` by
  ``redact-records`` (its output column holds JSON);
- ``redact-records`` keeps a repaired record's repair, the scan's JSONL copy too: both
  write the repaired JSON.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from detectors.config import load_engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs import storage
from jobs.cli import main as cli_main
from jobs.findings import COLUMNS
from jobs.scan import ScanRequest, run_scan
from jobs.validate import ResidualJob, residual_scan

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "conf"
POLICIES = [CONF / "policy.yaml", *sorted((CONF / "policies").glob("*.yaml"))]

# Synthetic values only: example.in/example.com addresses, a documentation-range IP, the
# Luhn test card, a mobile number and an Aadhaar number that pass their validators.
LOG = (
    "2024-05-01T10:00:00Z INFO login ok for asha.rao@example.in from 203.0.113.7\n"
    "2024-05-01T10:00:01Z INFO callback to 9876543210 for order ORD-77\n"
    "2024-05-01T10:00:02Z WARN card 4111 1111 1111 1111 declined for ravi.kumar@example.com\n"
    "2024-05-01T10:00:03Z INFO heartbeat\n"
    "2024-05-01T10:00:04Z INFO aadhaar 2345 6789 0124 verified for Asha Rao\n"
)
RECORDS = [
    # a lone e-mail (not PII under iscp) and an id that looks like a phone number
    '{"event": "signup", "email": "asha.rao@example.in", "order_id": "9123456780"}',
    # a full name and an e-mail: two combinatorial kinds
    '{"event": "profile", "name": "Asha Rao", "email": "asha.rao@example.in", '
    '"city": "Pune", "pin_code": "411001"}',
    # a standalone phone number
    '{"event": "call", "phone": "9876543210", "note": "callback"}',
    # Aadhaar under its key, and an IP address
    '{"event": "kyc", "aadhar": "2345 6789 0124", "ip": "203.0.113.7"}',
    # a card number (redacted, not a reason for is_pii) and a device next to a user id
    '{"event": "pay", "card": "4111111111111111", "user_id": "u-1001", '
    '"device_id": "dev-8f3a2b1c"}',
    '{"event": "heartbeat"}',
    # malformed but unambiguous: single quotes and a trailing comma
    "{'event': 'legacy', 'email': 'ravi.kumar@example.com', 'phone': '9845012345',}",
    # malformed beyond repair: read as text
    '{"event": "broken", "email": "ravi.kumar@example.com" "phone": "9845012345"',
]
CSV_TEXT = (
    "id,name,email,phone,city,pin_code\n"
    "1,,asha.rao@example.in,,Pune,411001\n"
    "2,Asha Rao,asha.rao@example.in,,Pune,411001\n"
    "3,,,9876543210,,\n"
    "4,Ravi Kumar,,,Mumbai,400001\n"
    "5,,ravi.kumar@example.com,,,\n"
)
PARSED = [json.loads(r) for r in RECORDS[:6]]  # the records that are valid JSON
OBJECTS = {
    "app.log": LOG,
    "events.jsonl": "".join(r + "\n" for r in RECORDS),
    "people.csv": CSV_TEXT,
    # JSON Lines under .json, as Spark's DataFrame.write.json names it, and a document
    "part-00000.json": "".join(json.dumps(r) + "\n" for r in PARSED),
    "export.json": json.dumps(PARSED, indent=2),
}


def run_cli(argv: list[str]) -> int:
    """One command in this process; every output goes to a file (``detect`` and
    ``redact`` write stdout's binary buffer, which a redirect to a StringIO lacks)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli_main(argv)
    assert code == 0, err.getvalue()
    return code


@pytest.fixture(scope="module", params=POLICIES, ids=lambda p: p.stem)
def runs(request: pytest.FixtureRequest, spark: Any, tmp_path_factory: pytest.TempPathFactory):
    policy: Path = request.param
    root = tmp_path_factory.mktemp(f"agree-{policy.stem}")
    src = root / "src"
    src.mkdir()
    for name, text in OBJECTS.items():
        (src / name).write_text(text, encoding="utf-8")
    out = root / "out"
    result = run_scan(
        ScanRequest(
            sources=[str(src)],
            out=str(out),
            policy_path=str(policy),
            conf_dir=str(CONF),
            scan_id="agree",
            progress=False,
        ),
        spark=spark,
    )
    assert result.ok
    manifest = pq.read_table(out / "manifests" / "agree.parquet").to_pylist()
    copies = {r["uri"].rsplit("/", 1)[-1]: r for r in manifest}
    scanned = pq.read_table(out / "findings").to_pylist()
    common = ["--policy", str(policy), "--conf-dir", str(CONF)]
    detected: dict[str, list[dict[str, Any]]] = {}
    redacted: dict[str, str] = {}
    for name in OBJECTS:
        found = root / f"found-{name}.jsonl"
        run_cli(["detect", str(src / name), "-o", str(found), *common])
        detected[name] = [json.loads(line) for line in found.read_text().splitlines()]
        target = root / f"redacted-{name}"
        run_cli(["redact", str(src / name), "-o", str(target), *common])
        redacted[name] = target.read_text(encoding="utf-8")
    records_in = root / "records.csv"
    with records_in.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "data_json"])
        writer.writerows([f"R{i}", r] for i, r in enumerate(RECORDS))
    records_out = root / "records-out.csv"
    run_cli(
        ["redact-records", str(records_in), "--out", str(records_out), "--mode", "local", *common]
    )
    with records_out.open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    return {
        "policy": policy,
        "src": src,
        "copies": copies,
        "scanned": scanned,
        "detected": detected,
        "redacted": redacted,
        "records": records,
    }


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in COLUMNS)


def _rows(copy_uri: str) -> list[dict[str, Any]]:
    return pq.read_table(storage.open_input(copy_uri, storage.S3Settings.from_env())).to_pylist()


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_detect_gives_the_scans_findings(runs: dict[str, Any], name: str) -> None:
    uri = runs["copies"][name]["uri"]
    scanned = sorted(_key(r) for r in runs["scanned"] if r["source_uri"] == uri)
    detected = sorted(_key(r) for r in runs["detected"][name])
    assert scanned, f"the scan found nothing in {name}: the objects no longer test anything"
    assert detected == scanned


def test_a_lone_email_is_kept_by_every_entry_point_under_iscp(runs: dict[str, Any]) -> None:
    """The issue's own example: ``scan`` kept a lone e-mail, ``redact`` masked it."""
    if runs["policy"].stem != "iscp":
        pytest.skip("the iscp preset's record rules")
    first = json.loads(runs["redacted"]["events.jsonl"].splitlines()[0])
    assert first["email"] == "asha.rao@example.in"
    kept = [r for r in runs["detected"]["events.jsonl"] if r["record_index"] == 0]
    assert [(r["entity_type"], r["action"]) for r in kept] == [("EMAIL_ADDRESS", "keep")]
    assert runs["records"][0]["redacted_data_json"] == RECORDS[0]


def test_redact_writes_the_scans_copies(runs: dict[str, Any]) -> None:
    copies, redacted = runs["copies"], runs["redacted"]
    log = _rows(copies["app.log"]["redacted_uri"])
    assert [r["line"] for r in log] == redacted["app.log"].splitlines()
    assert log[1]["line"] != LOG.splitlines()[1]  # the phone is redacted
    events = _rows(copies["events.jsonl"]["redacted_uri"])
    assert [r["line"] for r in events] == redacted["events.jsonl"].splitlines()
    people = _rows(copies["people.csv"]["redacted_uri"])
    out = list(csv.reader(io.StringIO(redacted["people.csv"], newline="")))
    columns = [c for c in people[0] if c != "is_pii"]
    assert out[0] == columns
    assert out[1:] == [["" if r[c] is None else r[c] for c in columns] for r in people]
    spark_part = _rows(copies["part-00000.json"]["redacted_uri"])
    assert [r["line"] for r in spark_part] == redacted["part-00000.json"].splitlines()
    assert copies["part-00000.json"]["format"] == "jsonl"
    document = _rows(copies["export.json"]["redacted_uri"])
    assert [json.loads(r["record"]) for r in document] == json.loads(redacted["export.json"])
    assert len(document) == len(PARSED)


def test_redact_records_gives_the_scans_jsonl_records(runs: dict[str, Any]) -> None:
    events = _rows(runs["copies"]["events.jsonl"]["redacted_uri"])
    records = runs["records"]
    assert [r["record_id"] for r in records] == [f"R{i}" for i in range(len(RECORDS))]
    for copy, rec in zip(events, records, strict=True):
        line = copy["line"]
        parsed = json.loads(rec["redacted_data_json"])
        if isinstance(parsed, dict) and set(parsed) == {"_unparsed"}:
            assert parsed["_unparsed"] == line  # by design: unwrapped in a line copy
        else:
            assert rec["redacted_data_json"] == line
        if "is_pii" in copy:
            assert rec["is_pii"] == str(copy["is_pii"])


def test_validate_finds_no_residual_in_any_copy(runs: dict[str, Any]) -> None:
    policy = Policy.load(runs["policy"])
    job = ResidualJob(
        engine=load_engine(CONF, threshold=policy.threshold),
        policy=policy,
        keys=KeyRing.load(),
        ignore_actions=frozenset(),
        s3=storage.S3Settings.from_env(),
    )
    for name, row in runs["copies"].items():
        result = residual_scan(row["redacted_uri"], row["format"], job)
        assert result["copy_exists"], name
        assert result["residual_findings"] == 0, (name, result["residual_at"])


def test_a_dataframe_of_the_csv_rows_gives_the_scans_findings_and_copy(
    runs: dict[str, Any], spark: Any
) -> None:
    """``scan_dataframe`` and ``redact_dataframe`` judge a row as a record, as the scan
    judges a CSV row: same findings (record, column, offsets, entity, action, fingerprint)
    and the same redacted cells, under every policy (iscp keeps a lone e-mail)."""
    from jobs.dataframe import redact_dataframe, scan_dataframe

    header, *rows = list(csv.reader(io.StringIO(CSV_TEXT, newline="")))
    df = spark.createDataFrame(
        [(*r, i) for i, r in enumerate(rows)],
        ", ".join([*(f"`{h}` string" for h in header), "_row bigint"]),
    ).coalesce(1)
    policy = Policy.load(runs["policy"])
    engine = load_engine(CONF, threshold=policy.threshold)
    columns = ("record_index", "field_path", "char_start", "char_end", "entity_type", "action",
               "fingerprint", "preview")  # fmt: skip
    uri = runs["copies"]["people.csv"]["uri"]
    scanned = sorted(
        tuple(r[c] for c in columns) for r in runs["scanned"] if r["source_uri"] == uri
    )
    found = scan_dataframe(
        df, engine=engine, policy=policy, columns=header, index_column="_row"
    ).collect()
    assert scanned
    assert sorted(tuple(r[c] for c in columns) for r in found) == scanned

    copy = _rows(runs["copies"]["people.csv"]["redacted_uri"])
    redacted = redact_dataframe(df, policy, engine=engine, columns=header).orderBy("_row")
    assert [[r[h] for h in header] for r in redacted.collect()] == [
        [r[h] for h in header] for r in copy
    ]
    if runs["policy"].stem == "iscp":  # the lone e-mail of row 0 is kept, as the scan keeps it
        assert ("EMAIL_ADDRESS", "keep") in {(r[4], r[5]) for r in scanned if r[0] == 0}


def test_a_parquet_of_the_csv_rows_scans_as_the_csv(
    runs: dict[str, Any], spark: Any, tmp_path: Path
) -> None:
    """A Parquet unit judges each row as a record too (``scan_batch``, shared with the
    DataFrame API): the same rows as Parquet give the CSV's findings and redacted cells."""
    import pyarrow as pa

    header, *rows = list(csv.reader(io.StringIO(CSV_TEXT, newline="")))
    src = tmp_path / "src"
    src.mkdir()
    table = pa.table({h: [r[i] for r in rows] for i, h in enumerate(header)})
    pq.write_table(table, src / "people.parquet")
    out = tmp_path / "out"
    request = ScanRequest(sources=[str(src)], out=str(out), policy_path=str(runs["policy"]),
                          conf_dir=str(CONF), scan_id="pq", progress=False)  # fmt: skip
    assert run_scan(request, spark=spark).ok
    columns = ("record_index", "field_path", "char_start", "char_end", "entity_type", "action",
               "fingerprint", "preview")  # fmt: skip
    uri = runs["copies"]["people.csv"]["uri"]
    expected = sorted(
        tuple(r[c] for c in columns) for r in runs["scanned"] if r["source_uri"] == uri
    )
    got = sorted(tuple(r[c] for c in columns) for r in pq.read_table(out / "findings").to_pylist())
    assert got == expected
    manifest = pq.read_table(out / "manifests" / "pq.parquet").to_pylist()
    copy = _rows(manifest[0]["redacted_uri"])
    csv_copy = _rows(runs["copies"]["people.csv"]["redacted_uri"])
    assert [[r[h] for h in header] for r in copy] == [[r[h] for h in header] for r in csv_copy]
