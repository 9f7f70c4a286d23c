"""Issue #16 items 1, 5 and 7 on real local Spark: one bad object never sinks a scan, no
output path leaves OUT, and a scan id is run by one attempt at a time.

Every case mixes good and bad objects in one scan and holds the good ones to a scan of only
the good objects: their findings and redacted copies must be identical, so a bad neighbour
can neither fail the commit nor cost a good object a row.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lakes import EMAIL, NAME, PHONE, PHONE2
from s3server import moto_s3_env, moto_server
from test_scan import assert_no_raw, copy_rows, everything_written, findings, manifest, scan

from jobs import storage
from jobs.scan import ScanRequest, run_scan
from jobs.scanconfig import ScanConfig
from jobs.scanlock import LockError, lock_uri
from jobs.validate import findings_files

_VOLATILE = ("scan_id", "scan_date")


def _good(root: Path) -> list[Path]:
    """Good objects of every reader: text, JSON Lines, CSV, a JSON document, Parquet in
    several row groups."""
    root.mkdir(parents=True, exist_ok=True)
    log = "".join(
        f"2026-03-01 INFO order {i} phone={PHONE} email={EMAIL}\n"
        if i % 7 == 0
        else f"2026-03-01 INFO order {i} ok\n"
        for i in range(300)
    )
    (root / "app.log").write_text(log)
    (root / "events.jsonl").write_text(
        "".join(
            json.dumps({"i": i, "phone": PHONE2 if i % 3 == 0 else None}) + "\n" for i in range(30)
        )
    )
    (root / "customers.csv").write_text(f"id,name,mobile\n1,{NAME},{PHONE}\n2,,\n")
    (root / "kyc.json").write_text(json.dumps([{"contact": {"email": EMAIL}}, {"ok": True}]))
    table = pa.table(
        {"id": list(range(300)), "email": [EMAIL if i % 10 == 0 else "" for i in range(300)]}
    )
    pq.write_table(table, root / "orders.parquet", row_group_size=50)
    return sorted(p for p in root.iterdir() if p.is_file())


def _findings_by_object(out: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(v for k, v in r.items() if k not in _VOLATILE) for r in findings(out))


def _assert_good_identical(out: str, good_out: str, good: list[Path]) -> None:
    """The good objects' findings and copies equal those of the scan of only them."""
    uris = {storage.parse_uri(str(p)).uri for p in good}
    mine = [r for r in _findings_by_object(out) if r[0] in uris]
    theirs = _findings_by_object(good_out)
    assert mine == theirs and len(theirs) > 0
    for path in good:
        rel = f"redacted/file{path}.parquet"
        assert copy_rows(f"{out}/{rel}") == copy_rows(f"{good_out}/{rel}"), path.name


def _parquet_bytes() -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"email": [EMAIL] * 200, "n": list(range(200))}), sink)
    return sink.getvalue().to_pybytes()


# ------------------------------------------------------------------------- item 1
def test_bad_local_objects_fail_alone_and_the_rest_commits_identically(
    spark: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Truncated, empty and garbled-footer Parquet, a `.gz` holding plain text, a JSON
    document 10,000 deep (and the same value on one line, JSON Lines, which is read), an
    unreadable file (chmod 000; root still reads it) and objects
    deleted between the crawl and their task (one without an extension, whose format the
    driver sniffs), and a file replaced by a link to a key file after the crawl: each ends
    as its own failed object with the exact status and reason it earns, and no copy."""
    src = tmp_path / "src"
    good = _good(src / "good")
    bad = src / "bad"
    bad.mkdir()
    data = _parquet_bytes()
    (bad / "truncated.parquet").write_bytes(data[: len(data) // 2])
    (bad / "empty.parquet").write_bytes(b"")
    (bad / "garbled.parquet").write_bytes(data[:-12] + b"\xff" * 8 + data[-4:])
    (bad / "plain.log.gz").write_text(f"not gzip at all phone={PHONE}\n" * 50)
    deep = '{"a":' * 10_000 + f'"{EMAIL}"' + "}" * 10_000
    (bad / "deep.json").write_text("[\n" + deep + "\n]\n")  # a document: parsed whole
    # On one line the same value is JSON Lines (jobs.formats.content_format): a record too
    # deep to walk is redacted as text, and the object is read, not failed.
    (bad / "deep-line.json").write_text(deep + "\n")
    noperm = bad / "noperm"
    noperm.write_text(f"phone={PHONE}\n")
    noperm.chmod(0)
    vanishing = [bad / "gone.log", bad / "gone.parquet", bad / "gone-noext"]
    for p in vanishing:
        p.write_bytes(data if p.suffix == ".parquet" else f"phone={PHONE}\n".encode())

    swapped = bad / "swapped.log"
    swapped.write_text("ok\n")
    secret = tmp_path / "keys.yaml"
    secret.write_text(f"token_key: {EMAIL}\n")

    def delete_mid_scan() -> None:
        for p in vanishing:
            p.unlink()
        swapped.unlink()
        swapped.symlink_to(secret)  # after the crawl checked it: must never be read

    out, good_out = str(tmp_path / "out"), str(tmp_path / "good-out")
    cfg = ScanConfig(unit_mb=0.002)  # several units for the log and the Parquet
    result = scan(
        spark, [str(src)], out, config=cfg, scan_id="mixed", max_failed_fraction=1.0,
        before_scan=delete_mid_scan,
    )  # fmt: skip
    scan(spark, [str(p) for p in good], good_out, config=cfg, scan_id="good")

    rows = manifest(out, "mixed")
    for p in good:
        assert rows[p.name]["status"] == "ok", p.name
    as_root = os.geteuid() == 0
    corrupt = ("failed", "CorruptInput", "not a readable Parquet file (ArrowInvalid)")
    gone = ("failed", "StorageError", "object not found")
    expected = {
        "truncated.parquet": corrupt,
        "empty.parquet": corrupt,
        "garbled.parquet": corrupt,
        "plain.log.gz": ("failed", "CorruptInput", "stream ends early or is corrupt"),
        "deep.json": ("failed", "RecursionError", "unexpected error while scanning"),
        "gone.log": gone,
        "gone.parquet": gone,
        "gone-noext": gone,
        "swapped.log": ("failed", "StorageError", "file changed since the crawl"),
    }
    if not as_root:  # root reads through chmod 000
        expected["noperm"] = ("failed", "StorageError", "access denied")
    deep_line = rows["deep-line.json"]
    assert (deep_line["status"], deep_line["format"]) == ("ok", "jsonl")
    assert json.loads(deep_line["flags"]) == {"json_lines_too_deep_redacted_as_text": 1}
    for name, (status, error_class, reason) in expected.items():
        row = rows[name]
        assert (row["status"], row["error_class"]) == (status, error_class), name
        assert row["reason"].startswith(reason), (name, row["reason"])
        assert row["redacted_uri"] is None, name
    expected_failed = set(expected)
    summary = result.summary
    assert summary["objects_by_status"]["failed"] == len(expected_failed)
    # the good objects, deep-line.json, and noperm when root reads it
    assert summary["objects_by_status"]["ok"] == len(good) + 1 + (1 if as_root else 0)
    _assert_good_identical(out, good_out, good)
    assert not Path(out, "_staging").exists() or not any(Path(out, "_staging").rglob("*.parquet"))
    captured = capfd.readouterr()
    reasons = json.dumps([r["reason"] for r in rows.values()])
    assert_no_raw(reasons + everything_written(out) + captured.out + captured.err)


# ------------------------------------------------------------------------- field names
NAME_EMAIL = "asha.verma@example.in"  # synthetic: a column named after a customer
NAME_PHONE = "9812345678"  # synthetic, a valid Indian mobile: a struct field named by it


def _named_by_pii(path: Path) -> None:
    """A pivot-like export: a column and a struct field named by a customer's e-mail and
    phone, holding values to find too, in 8 row groups."""
    n = 400
    contact = pa.struct([(NAME_PHONE, pa.string()), ("city", pa.string())])
    table = pa.table(
        {
            "id": list(range(n)),
            NAME_EMAIL: [f"mail {EMAIL}" if i % 50 == 7 else "none" for i in range(n)],
            "contact": pa.array(
                [{NAME_PHONE: PHONE if i % 50 == 9 else "", "city": "Pune"} for i in range(n)],
                contact,
            ),
        }
    )
    pq.write_table(table, path, row_group_size=50)


def _all_names(schema: pa.Schema) -> list[str]:
    from jobs.fieldnames import field_names

    return [f.name for f in field_names(schema)]


def test_parquet_field_names_holding_pii_are_redacted_everywhere_and_validate_passes(
    spark: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A Parquet object whose column and struct-field names are an e-mail and a phone,
    split into several units by row groups: the names reach no output raw, each name's
    finding exists once, the values under them carry the redacted path, and the scan
    validates; a copy whose schema is put back to the raw name fails the residual check
    without the name being printed."""
    from jobs.validate import validate

    src = tmp_path / "src"
    src.mkdir()
    _named_by_pii(src / "pivot.parquet")
    out = tmp_path / "out"
    cfg = ScanConfig(unit_mb=0.002)
    result = scan(spark, [str(src)], str(out), config=cfg, scan_id="names")
    assert result.ok
    row = manifest(str(out), "names")["pivot.parquet"]
    assert row["status"] == "ok" and row["units"] > 1 and row["records"] == 400
    assert json.loads(row["flags"]) == {"pii_field_names_redacted": 2}

    copy = Path(row["redacted_uri"].removeprefix("file://"))
    schema = pq.read_schema(copy)
    names = _all_names(schema)
    assert names == ["id", "asXX.XXXXX@example.in", "contact", "98XXXXXX78", "city"]
    stored = base64.b64decode(pq.ParquetFile(copy).metadata.metadata[b"ARROW:schema"])
    copy_rows_ = pq.read_table(copy).to_pylist()
    assert len(copy_rows_) == 400 and copy_rows_[9]["contact"]["city"] == "Pune"

    rows = findings(str(out), "names")
    by_path: dict[tuple[Any, ...], int] = {}
    for r in rows:
        key = (r["field_path"], r["record_index"] is None, r["entity_type"])
        by_path[key] = by_path.get(key, 0) + 1
    assert by_path == {
        # each name once, though four units read the object
        ("asXX.XXXXX@example.in", True, "EMAIL_ADDRESS"): 1,
        ("contact.98XXXXXX78", True, "PHONE_NUMBER"): 1,
        # the values under them, by the redacted path
        ("asXX.XXXXX@example.in", False, "EMAIL_ADDRESS"): 8,
        ("contact.98XXXXXX78", False, "PHONE_NUMBER"): 8,
    }
    names_found = [r for r in rows if r["record_index"] is None]
    assert all(r["line_number"] is None for r in names_found)

    summary = (out / "scans" / "names.json").read_text()
    written = everything_written(str(out)) + str(schema) + summary
    raw_bytes = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file()) + stored
    for raw in (NAME_EMAIL, NAME_PHONE, EMAIL, PHONE):
        assert raw not in written and raw.encode() not in raw_bytes, f"{len(raw)} chars leaked"

    outcome = validate(str(out), "names", spark=spark, docs=False)
    assert outcome.success, [f.message() for f in outcome.failures]

    # A copy whose schema holds the raw name again (an older version's copy, or
    # tampered with) fails the residual check, which names the field by position only.
    table = pq.read_table(copy)
    pq.write_table(table.rename_columns(["id", NAME_EMAIL, "contact"]), copy)
    outcome = validate(str(out), "names", spark=spark, docs=False)
    assert not outcome.success
    messages = "\n".join(f.message() for f in outcome.failures)
    assert "field name at #1: EMAIL_ADDRESS" in messages, messages
    captured = capfd.readouterr()
    results = (out / "validation" / "names" / "results.json").read_text()
    for text in (messages, results, captured.out, captured.err):
        assert NAME_EMAIL not in text


# ------------------------------------------------------------------------- items 1 and 5 (S3)
def _put(client: Any, bucket: str, key: str, body: bytes) -> None:
    client.put_object(Bucket=bucket, Key=key, Body=body)


def test_s3_keys_with_dotdot_or_empty_segments_are_skipped_and_nothing_leaves_out(
    spark: Any, s3_bucket: str, tmp_path: Path
) -> None:
    """`raw/a/../../../escape.log` would mirror to a copy outside a local OUT, and
    `raw/b//c.log` onto `raw/b/c.log`'s copy; `raw/x` and `raw/x.parquet/y` need
    `x.parquet` as both a file and a directory (EEXIST), and a 300-byte segment is longer
    than a local file name may be (ENAMETOOLONG): each of these failed the whole commit.
    All are listed in the manifest as skipped with the reason, nothing is written outside
    OUT, and the good keys scan as alone."""
    s3 = storage.S3Settings.from_env()
    client = storage.s3_client(s3)
    body = f"phone={PHONE} email={EMAIL}\n".encode() * 5
    good_keys = ["raw/ok.log", "raw/b/c.log"]
    bad_keys = [
        "raw/a/../../../escape.log", "raw/b//c.log", "raw/../up.log", "raw/./dot.log",
        "raw/x", "raw/x.parquet/y", "raw/" + "n" * 300 + ".log",
    ]  # fmt: skip
    for key in good_keys + bad_keys:
        _put(client, s3_bucket, key, body)
    stored = {o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert set(bad_keys) <= stored  # the store kept them literally: a real test of the mapping
    out_dir = tmp_path / "deep" / "out"
    out, good_out = str(out_dir), str(tmp_path / "good-out")
    scan(spark, [f"s3://{s3_bucket}/raw/"], out, scan_id="keys")
    scan(spark, [f"s3://{s3_bucket}/{k}" for k in good_keys], good_out, scan_id="keys-good")
    table = pq.read_table(f"{out}/manifests/keys.parquet").to_pylist()
    by_uri = {r["uri"]: r for r in table}
    for key in bad_keys:
        row = by_uri[f"s3://{s3_bucket}/{key}"]
        assert row["status"] == "skipped" and row["reason"].startswith("unsafe key"), key
        assert row["redacted_uri"] is None and key not in row["reason"]
    for key in good_keys:
        assert by_uri[f"s3://{s3_bucket}/{key}"]["status"] == "ok"
    # nothing was created next to OUT or above it
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]
    assert not any("escape" in str(p) or "up.log" in str(p) for p in tmp_path.rglob("*"))

    def table_of(root: str) -> list[tuple[Any, ...]]:
        return _findings_by_object(root)

    assert table_of(out) == table_of(good_out)
    for key in good_keys:
        rel = f"redacted/s3/{s3_bucket}/{key}.parquet"
        assert copy_rows(f"{out}/{rel}") == copy_rows(f"{good_out}/{rel}")


def test_a_copy_that_cannot_be_written_fails_its_object_and_the_scan_commits(
    spark: Any, tmp_path: Path
) -> None:
    """A directory left where one object's copy goes (an earlier scan's copy of
    `app.log.parquet/x`) makes that copy unwritable: the object is failed with a reason
    and no copy, and every other object commits as in a scan without it (the failed write
    used to fail the Spark job and so the scan)."""
    good = _good(tmp_path / "src")
    out, good_out = str(tmp_path / "out"), str(tmp_path / "good-out")
    blocker = Path(f"{out}/redacted/file{tmp_path}/src/app.log.parquet")
    blocker.mkdir(parents=True)
    (blocker / "x.parquet").write_bytes(b"earlier")
    others = [p for p in good if p.name != "app.log"]
    result = scan(spark, [str(tmp_path / "src")], out, scan_id="blocked", max_failed_fraction=1.0)
    scan(spark, [str(p) for p in others], good_out, scan_id="blocked-good")
    rows = manifest(out, "blocked")
    row = rows["app.log"]
    assert (row["status"], row["error_class"], row["redacted_uri"]) == (
        "failed",
        "CopyNotWritten",
        None,
    )
    assert row["reason"].startswith("redacted copy could not be written: ")
    assert "app.log" not in row["reason"] and str(tmp_path) not in row["reason"]
    assert result.summary["objects_by_status"] == {"failed": 1, "ok": len(others)}
    assert (blocker / "x.parquet").read_bytes() == b"earlier"
    uris = {storage.parse_uri(str(p)).uri for p in others}
    mine = [r for r in _findings_by_object(out) if r[0] in uris]
    assert mine == _findings_by_object(good_out)
    for path in others:
        rel = f"redacted/file{path}.parquet"
        assert copy_rows(f"{out}/{rel}") == copy_rows(f"{good_out}/{rel}"), path.name


def test_the_s3_endpoint_going_away_mid_scan_fails_only_its_objects(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sources on a second S3 endpoint that stops after planning (before any task reads)
    and local sources in one scan: the S3 objects fail with "endpoint unreachable", the
    local ones commit exactly as in a scan of only them."""
    good = _good(tmp_path / "local")
    out, good_out = str(tmp_path / "out"), str(tmp_path / "good-out")
    with contextlib.ExitStack() as stack:
        endpoint = stack.enter_context(moto_server())
        for k, v in moto_s3_env(endpoint).items():
            monkeypatch.setenv(k, v)
        storage.clear_caches()
        s3 = storage.S3Settings.from_env()
        client = storage.s3_client(s3)
        client.create_bucket(Bucket="remote")
        _put(client, "remote", "logs/a.log", f"phone={PHONE}\n".encode() * 10)
        _put(client, "remote", "logs/b.parquet", _parquet_bytes())
        result = scan(
            spark, ["s3://remote/logs/", str(tmp_path / "local")], out, scan_id="gone",
            max_failed_fraction=1.0, before_scan=stack.close,
        )  # fmt: skip
    monkeypatch.undo()
    storage.clear_caches()
    scan(spark, [str(p) for p in good], good_out, scan_id="gone-good")
    rows = manifest(out, "gone")
    for name in ("a.log", "b.parquet"):
        assert rows[name]["status"] == "failed"
        assert rows[name]["error_class"] == "StorageError"
        assert "unreachable" in rows[name]["reason"] or "failed" in rows[name]["reason"]
    assert result.summary["objects_by_status"] == {"failed": 2, "ok": len(good)}
    _assert_good_identical(out, good_out, good)


# ------------------------------------------------------------------------- item 7
def _lock_doc(owner: str, expires_at: float) -> str:
    return json.dumps({"owner": owner, "attempt": "0123456789ab", "expires_at": expires_at})


def test_a_rerun_of_a_crashed_scan_id_adopts_nothing_and_a_live_one_is_refused(
    spark: Any, tmp_path: Path
) -> None:
    """A crashed run left a stale lock, staged parts and findings parts its interrupted
    commit wrote; the rerun takes the lock over, deletes them, and commits only its own
    parts (the summary lists them, and readers take that list). A second run of an id
    that is running (here: started from inside the first run, after planning) fails with
    a clear error and leaves the running one's staging alone, which then commits."""
    good = _good(tmp_path / "src")
    out = str(tmp_path / "out")
    reference = str(tmp_path / "ref")
    scan(spark, [str(tmp_path / "src")], reference, scan_id="retry")
    # what a crash in the middle of committing "retry" leaves behind
    ref_parts = list(Path(reference, "findings").rglob("part-retry-*.parquet"))
    orphan_dir = Path(out, "findings", "scan_date=2020-01-01")
    orphan_dir.mkdir(parents=True)
    for i, part in enumerate(ref_parts):
        shutil.copy(part, orphan_dir / f"part-retry-{i:05d}.parquet")
    stale = Path(out, "_staging", "retry", "deadbeef0000", "findings")
    stale.mkdir(parents=True)
    shutil.copy(ref_parts[0], stale / "part-00099.parquet")
    lock = Path(storage.parse_uri(lock_uri(out, "retry")).path)
    lock.parent.mkdir(parents=True)
    lock.write_text(_lock_doc("crashed-host:1:0123456789ab", time.time() - 60))

    second: dict[str, Any] = {}

    def concurrent_run() -> None:
        try:
            scan(spark, [str(tmp_path / "src")], out, scan_id="retry")
        except LockError as exc:
            second["error"] = str(exc)
        second["lock"] = json.loads(lock.read_text())["owner"]

    result = scan(spark, [str(tmp_path / "src")], out, scan_id="retry", before_scan=concurrent_run)
    assert "already running" in second["error"] and "retry" in second["error"]
    assert second["lock"].endswith(f":{result.summary['attempt']}")  # still the first run's
    assert not stale.parent.exists()  # the crashed attempt's staging is gone
    assert not orphan_dir.exists() or not list(orphan_dir.iterdir())
    assert not lock.exists()  # released
    mine = findings(out, "retry")
    assert len(mine) == result.summary["findings"] == len(findings(reference, "retry")) > 0
    listed = findings_files(out, result.summary, storage.S3Settings.from_env())
    assert [u.rsplit("/", 1)[-1] for u in listed] == [
        p.rsplit("/", 1)[-1] for p in result.summary["findings_parts"]
    ]
    assert all(f"-{result.summary['attempt']}-" in u for u in listed)
    assert _findings_by_object(out) == _findings_by_object(reference)
    for path in good:
        rel = f"redacted/file{path}.parquet"
        assert copy_rows(f"{out}/{rel}") == copy_rows(f"{reference}/{rel}")

    # a live lock held by another driver: refused before any work, its staging untouched
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(_lock_doc("other-host:42:0123456789ab", time.time() + 3600))
    theirs = Path(out, "_staging", "busy", "0123456789ab", "findings")
    theirs.mkdir(parents=True)
    (theirs / "part-00000.parquet").write_bytes(b"theirs")
    lock.rename(lock.with_name("busy.json"))
    with pytest.raises(LockError, match="other-host:42"):
        run_scan(
            ScanRequest(sources=[str(tmp_path / "src")], out=out, scan_id="busy", progress=False),
            spark=spark,
        )
    assert (theirs / "part-00000.parquet").read_bytes() == b"theirs"
    assert not Path(out, "scans", "busy.json").exists()
