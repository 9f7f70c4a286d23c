"""The lake scan end to end on real local Spark, on local files and on S3 (moto over HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from lakes import EMAIL, PHONE, PLANTED, broken, every_format
from s3server import drop_aws_credentials

from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from jobs import storage
from jobs.cli import main as cli_main
from jobs.scan import ScanRequest, ScanResult, run_scan
from jobs.scanconfig import ScanConfig

REPO = Path(__file__).resolve().parents[2]
HIDDEN_FILE = "bookkeeping file (name starts with _ or ., Spark's rule): not scanned"
HIDDEN_DIR = "bookkeeping directory (name starts with _ or ., Spark's rule): not scanned"


def scan(spark: Any, sources: list[str], out: str, **kw: Any) -> ScanResult:
    config = kw.pop("config", ScanConfig())
    request = ScanRequest(sources=sources, out=out, config=config, progress=False, **kw)
    return run_scan(request, spark=spark)


def findings(out: str, scan_id: str | None = None) -> list[dict[str, Any]]:
    s3 = storage.S3Settings.from_env()
    loc = storage.parse_uri(out)
    fs, path = storage.filesystem(loc, s3)
    table = ds.dataset(f"{path}/findings", filesystem=fs, partitioning="hive").to_table()
    rows = table.to_pylist()
    return [r for r in rows if scan_id is None or r["scan_id"] == scan_id]


def manifest(out: str, scan_id: str) -> dict[str, dict[str, Any]]:
    s3 = storage.S3Settings.from_env()
    table = pq.read_table(storage.open_input(f"{out}/manifests/{scan_id}.parquet", s3))
    return {r["uri"].rsplit("/", 1)[-1]: r for r in table.to_pylist()}


def copy_rows(uri: str) -> list[dict[str, Any]]:
    return pq.read_table(storage.open_input(uri, storage.S3Settings.from_env())).to_pylist()


def everything_written(out: str) -> str:
    """Every output of a scan, decoded: Parquet as its rows, JSON as text."""
    s3 = storage.S3Settings.from_env()
    texts = []
    for uri in storage.list_files(out, s3):
        data = storage.read_bytes(uri, s3)
        if uri.endswith(".parquet"):
            texts.append(repr(copy_rows(uri)))
        else:
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def assert_no_raw(text: str) -> None:
    for value in PLANTED:
        assert value not in text, f"a planted value ({len(value)} chars) leaked"


# ------------------------------------------------------------------------- local
@pytest.fixture(scope="module")
def local_scan(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("lake")
    lake = every_format(root / "src")
    out = str(root / "out")
    # Small units so the 3,000-line log and the Parquet file split into several units.
    result = scan(spark, [str(lake.root)], out, config=ScanConfig(unit_mb=0.05), scan_id="full")
    return {"lake": lake, "out": out, "result": result}


def test_every_format_is_scanned_and_committed(local_scan: dict[str, Any]) -> None:
    lake, out, result = local_scan["lake"], local_scan["out"], local_scan["result"]
    assert result.ok
    rows = manifest(out, "full")
    expected = {Path(rel).name for rel in lake.rows}
    # _SUCCESS is not data: listed in the manifest as skipped, with its reason, never read
    assert set(rows) == expected | {"_SUCCESS"}
    marker = rows.pop("_SUCCESS")
    assert (marker["status"], marker["reason"]) == ("skipped", HIDDEN_FILE)
    assert marker["units"] == 0 and marker["redacted_uri"] is None
    assert {r["status"] for r in rows.values()} == {"ok"}
    assert rows["app.log"]["units"] > 1 and rows["orders.parquet"]["units"] > 1
    assert rows["noext"]["compression"] == "gzip" and rows["noext"]["format"] == "text"
    assert rows["payloads.jsonl.zst"]["format"] == "jsonl"
    summary = json.loads(Path(out, "scans", "full.json").read_text())
    assert summary["objects_by_status"] == {"ok": len(expected), "skipped": 1}
    assert summary["reasons"] == {f"skipped: {HIDDEN_FILE}": 1}
    assert summary["findings"] == len(findings(out, "full"))


def test_planted_values_are_found_where_they_are(local_scan: dict[str, Any]) -> None:
    lake, out = local_scan["lake"], local_scan["out"]
    keys = KeyRing.load()
    got = findings(out, "full")
    index = {
        (
            r["source_uri"].rsplit("/src/", 1)[1],
            r["line_number"],
            r["record_index"],
            r["entity_type"],
        )
        for r in got
    }
    for planted in lake.planted:
        assert planted in index, planted
    phone_fp = fingerprint("PHONE_NUMBER", PHONE, keys.fingerprint_key)
    phones = [r for r in got if r["entity_type"] == "PHONE_NUMBER"]
    assert phone_fp in {r["fingerprint"] for r in phones}
    for r in got:
        assert 0.0 <= r["score"] <= 1.0 and len(r["fingerprint"]) == 64
        assert r["scan_date"]  # hive partition column
    # nested Parquet: a struct member and a list element are reported at their own paths
    nested = {
        (r["record_index"], r["field_path"], r["entity_type"])
        for r in got
        if r["source_uri"].endswith("orders.parquet")
    }
    for i in range(0, 600, 50):
        assert {(i, "shipping.name", "PERSON"), (i, "contacts[0]", "EMAIL_ADDRESS")} <= nested
    # the byte-range units of app.log are numbered as one file: line numbers are absolute
    app = sorted(r["line_number"] for r in got if r["source_uri"].endswith("app.log"))
    assert app[-1] == max(i for rel, i, _, _ in lake.planted if rel == "logs/app.log")


def test_redacted_copies_mirror_sources(local_scan: dict[str, Any]) -> None:
    lake, out = local_scan["lake"], local_scan["out"]
    rows = manifest(out, "full")
    for rel, n in lake.rows.items():
        entry = rows[Path(rel).name]
        assert entry["redacted_uri"].endswith(f"{lake.root}/{rel}.parquet".lstrip("/"))
        copy = copy_rows(entry["redacted_uri"])
        assert len(copy) == n, rel
    app = copy_rows(rows["app.log"]["redacted_uri"])
    assert [r["line_number"] for r in app] == list(range(1, 3001))
    original = (lake.root / "logs/app.log").read_text().splitlines()
    assert app[1]["line"] == original[1]  # clean lines are unchanged
    assert PHONE in original[0] and PHONE not in app[0]["line"]
    csv_copy = pq.read_table(rows["customers.csv"]["redacted_uri"])
    assert csv_copy.column_names == ["customer_id", "full_name", "mobile", "email", "city"]
    parquet_copy = pq.read_table(rows["orders.parquet"]["redacted_uri"])
    source = pq.read_table(lake.root / "exports/orders.parquet")
    assert parquet_copy.schema == source.schema
    assert parquet_copy.column("order_id").to_pylist() == list(range(600))
    assert parquet_copy.column("phone").to_pylist()[0] is None  # masked phone does not fit int64


def test_no_planted_value_in_any_output(local_scan: dict[str, Any]) -> None:
    assert_no_raw(everything_written(local_scan["out"]))


def test_when_a_scan_runs_with_engine_python_then_findings_and_copies_equal_the_default_scan(
    spark: Any, local_scan: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    """`piisweep scan --engine python` against the module's scan (the default engine, native),
    with the same units, detectors and policy; each summary records its engine."""
    lake = local_scan["lake"]
    (tmp_path / "scan.yaml").write_text("unit_mb: 0.05\n")
    (tmp_path / "conf").mkdir()  # no custom detectors, like the module's scan
    out = str(tmp_path / "out")
    code = cli_main(
        ["scan", str(lake.root), "--out", out, "--scan-id", "py", "--engine", "python",
         "--config", str(tmp_path / "scan.yaml"), "--conf-dir", str(tmp_path / "conf"),
         "--policy", str(REPO / "conf" / "policy.yaml"), "--no-progress"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert ", python engine" in capsys.readouterr().out
    python = json.loads(Path(out, "scans", "py.json").read_text())
    native = json.loads(Path(local_scan["out"], "scans", "full.json").read_text())
    assert (python["engine"], native["engine"]) == ("python", "native")
    assert python["units"] == native["units"]

    def table(root: str) -> list[tuple[Any, ...]]:
        dropped = ("scan_id", "scan_date")
        return sorted(tuple(v for k, v in r.items() if k not in dropped) for r in findings(root))

    assert table(out) == table(local_scan["out"])
    assert len(table(out)) == native["findings"] > 0
    for rel in lake.rows:
        copy = f"redacted/file{lake.root}/{rel}.parquet"
        assert copy_rows(f"{out}/{copy}") == copy_rows(f"{local_scan['out']}/{copy}"), rel


def test_byte_ranges_equal_whole_object_scan(
    spark: Any, local_scan: dict[str, Any], tmp_path: Path
) -> None:
    lake = local_scan["lake"]
    out = str(tmp_path / "out")
    scan(spark, [str(lake.root / "logs/app.log")], out, scan_id="full")
    whole = findings(out)
    split = [r for r in findings(local_scan["out"]) if r["source_uri"].endswith("app.log")]
    assert manifest(out, "full")["app.log"]["units"] == 1
    key = ("line_number", "char_start", "char_end", "entity_type", "fingerprint")
    assert sorted(tuple(r[k] for k in key) for r in whole) == sorted(
        tuple(r[k] for k in key) for r in split
    )


# ------------------------------------------------------------------------- broken
def test_broken_inputs_each_get_a_status_and_nothing_raw(
    spark: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    expected = broken(tmp_path / "src")
    out = str(tmp_path / "out")
    result = scan(spark, [str(tmp_path / "src")], out, scan_id="b", max_failed_fraction=0.5)
    assert result.ok and 0 < result.failed_fraction <= 0.5
    rows = manifest(out, "b")
    assert {name: r["status"] for name, r in rows.items()} == expected
    assert rows["truncated.log.gz"]["error_class"] == "CorruptInput"
    assert rows["image.png"]["reason"].startswith("binary content")
    assert json.loads(rows["latin1.log"]["flags"]) == {"lines_decoded_as_cp1252": 1}
    assert json.loads(rows["events.jsonl"]["flags"]) == {"malformed_json_lines_redacted_as_text": 1}
    assert json.loads(rows["ragged.csv"]["flags"]) == {"ragged_rows": 2}
    # the good prefix of the truncated stream is kept, redacted
    prefix = copy_rows(rows["truncated.log.gz"]["redacted_uri"])
    assert len(prefix) > 1000 and all(PHONE not in r["line"] for r in prefix)
    assert rows["image.png"]["redacted_uri"] is None
    # an ok object needs no reason; the empty one still gets its (empty) copy, and the 20 MB
    # line is scanned whole: its phone, 20 MB in, is found and masked
    assert rows["empty.log"]["reason"] is None and rows["oneline.log"]["reason"] is None
    assert copy_rows(rows["empty.log"]["redacted_uri"]) == []
    oneline = copy_rows(rows["oneline.log"]["redacted_uri"])
    assert len(oneline) == 1 and oneline[0]["line"].startswith("x" * 1000)
    assert PHONE not in oneline[0]["line"] and len(oneline[0]["line"]) == (20 << 20) + 17
    assert any(
        r["source_uri"].endswith("oneline.log") and r["char_start"] == (20 << 20) + 7
        for r in findings(out, "b")
    )
    assert copy_rows(rows["latin1.log"]["redacted_uri"])[0]["line"].startswith("café")
    ragged = copy_rows(rows["ragged.csv"]["redacted_uri"])
    assert len(ragged) == 3 and ragged[2]["mobile"] is None
    written = everything_written(out)
    captured = capfd.readouterr()
    assert_no_raw(written + captured.out + captured.err)


def test_an_output_inside_the_source_is_not_scanned(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(f"phone={PHONE}\n")
    first = scan(spark, [str(tmp_path)], str(tmp_path / "audit"), scan_id="in1")
    second = scan(spark, [str(tmp_path)], str(tmp_path / "audit"), scan_id="in2")
    assert first.summary["objects"] == second.summary["objects"] == 1
    # nor is its bookkeeping (OUT/_locks/, OUT/_staging/: the second run's lock was there
    # during its crawl) listed as skipped
    assert second.summary["reasons"] == {}
    # a hidden OUT is not reported as a bookkeeping directory either
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "a.log").write_text(f"phone={PHONE}\n")
    for scan_id in ("h1", "h2"):
        result = scan(spark, [str(lake)], str(lake / "_piisweep"), scan_id=scan_id)
        assert result.summary["objects_by_status"] == {"ok": 1}


def test_bookkeeping_paths_are_listed_as_skipped_and_the_rest_of_the_scan_is_unchanged(
    spark: Any, tmp_path: Path
) -> None:
    """Issue #16: `_SUCCESS`, a failed job's `_temporary/` and a `.env` used to vanish from
    the crawl. They are now manifest rows (skipped, with the reason; a directory is one row
    ending in `/`), are never read (their planted values reach no output), and change
    nothing else: the same findings, copies and ok/failed rows as the same lake without
    them, and the same failed fraction, so the same exit code."""
    import gzip
    import shutil

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.log").write_text(f"call {PHONE}\n")
    (clean / "b.csv").write_text(f"id,mail\n1,{EMAIL}\n")
    (clean / "bad.log.gz").write_bytes(gzip.compress(f"{PHONE}\n".encode() * 9)[:-12])
    lake = tmp_path / "lake"
    shutil.copytree(clean, lake)
    (lake / "_SUCCESS").write_bytes(b"")
    (lake / ".env").write_text(f"OWNER_EMAIL={EMAIL}\n")
    for i in range(3):  # one row for the directory, whatever it holds
        part = lake / "_temporary" / "0" / f"task_{i}"
        part.mkdir(parents=True)
        (part / "b.csv").write_text(f"id,phone\n1,{PHONE}\n")
    cfg = ScanConfig(max_failed_fraction=0.25)  # 1 failed of 3 is over it
    want = scan(spark, [str(clean)], str(tmp_path / "out-clean"), config=cfg, scan_id="c")
    got = scan(spark, [str(lake)], str(tmp_path / "out-lake"), config=cfg, scan_id="c")

    rows = manifest(str(tmp_path / "out-lake"), "c")
    skipped = {n: r for n, r in rows.items() if r["status"] == "skipped"}
    assert {n: r["reason"] for n, r in skipped.items()} == {
        "_SUCCESS": HIDDEN_FILE,
        ".env": HIDDEN_FILE,
        "": HIDDEN_DIR,  # the directory's uri ends in "/"
    }
    assert skipped[""]["uri"] == f"file://{lake}/_temporary/"
    assert skipped[".env"]["size"] == (lake / ".env").stat().st_size
    assert all(r["units"] == 0 and r["redacted_uri"] is None for r in skipped.values())

    def same(out: str, root: Path) -> list[tuple[Any, ...]]:
        got = manifest(out, "c")
        return sorted(
            (r["uri"].removeprefix(f"file://{root}/"), r["status"], r["error_class"],
             r["units"], r["records"], r["findings"])
            for r in got.values() if r["status"] != "skipped"
        )  # fmt: skip

    assert same(str(tmp_path / "out-lake"), lake) == same(str(tmp_path / "out-clean"), clean)
    assert {r["status"] for r in rows.values() if r["status"] != "skipped"} == {"ok", "failed"}

    def located(out: str, root: Path) -> list[tuple[Any, ...]]:
        keys = ("line_number", "record_index", "field_path", "entity_type", "fingerprint")
        return sorted(
            (r["source_uri"].removeprefix(f"file://{root}/"), *(r[k] for k in keys))
            for r in findings(out, "c")
        )

    assert located(str(tmp_path / "out-lake"), lake) == located(str(tmp_path / "out-clean"), clean)
    assert got.failed_fraction == want.failed_fraction == 1 / 3
    assert not got.ok and not want.ok
    assert got.summary["bytes_listed"] == want.summary["bytes_listed"]
    assert got.summary["objects_by_status"] == {**want.summary["objects_by_status"], "skipped": 3}
    # never read: the values planted only in bookkeeping reach no output
    written = everything_written(str(tmp_path / "out-lake"))
    assert PHONE in (lake / "_temporary/0/task_0/b.csv").read_text()
    assert written.count(f"file://{lake}/_temporary/0") == 0
    assert_no_raw(written)


def test_failed_objects_over_the_allowed_fraction_fail_the_scan(spark: Any, tmp_path: Path) -> None:
    broken(tmp_path / "src")
    result = scan(spark, [str(tmp_path / "src")], str(tmp_path / "out"), scan_id="f")
    assert not result.ok  # one failed object, none allowed
    assert (tmp_path / "out/scans/f.json").exists()  # still committed, to be read


# ------------------------------------------------------------------------- retries
def test_a_retried_task_gives_the_same_scan(spark: Any, tmp_path: Path) -> None:
    lake = every_format(tmp_path / "src")
    cfg = ScanConfig(unit_mb=0.05, partitions=3)
    clean, retried = str(tmp_path / "clean"), str(tmp_path / "retried")
    scan(spark, [str(lake.root)], clean, config=cfg, scan_id="same")
    scan(
        spark, [str(lake.root)], retried, config=cfg, scan_id="same", inject_failure_in_partition=0
    )

    def rows(out: str) -> list[tuple[Any, ...]]:
        return sorted(tuple(r.values()) for r in findings(out))

    tracker = spark.sparkContext.statusTracker()
    stages = [
        stage
        for job in tracker.getJobIdsForGroup("piisweep-same")
        for stage in (tracker.getJobInfo(job).stageIds if tracker.getJobInfo(job) else [])
    ]
    failed = sum(tracker.getStageInfo(s).numFailedTasks for s in stages if tracker.getStageInfo(s))
    assert failed >= 1  # the injected failure really happened and was retried
    assert rows(clean) == rows(retried)
    for rel in lake.rows:
        a = copy_rows(f"{clean}/redacted/file{lake.root}/{rel}.parquet")
        b = copy_rows(f"{retried}/redacted/file{lake.root}/{rel}.parquet")
        assert a == b, rel


# ------------------------------------------------------------------------- incremental
def test_incremental_rescans_only_changed_objects(spark: Any, tmp_path: Path) -> None:
    lake = every_format(tmp_path / "src")
    out = str(tmp_path / "out")
    scan(spark, [str(lake.root)], out, scan_id="one")
    log = lake.root / "logs/app.log"
    log.write_text(log.read_text() + f"late line phone={PHONE}\n")
    (lake.root / "logs/new.log").write_text(f"email={EMAIL}\n")
    result = scan(spark, [str(lake.root)], out, scan_id="two", incremental=True)
    rows = manifest(out, "two")
    scanned = {name for name, r in rows.items() if r["status"] == "ok"}
    assert scanned == {"app.log", "new.log"}
    assert rows["orders.parquet"]["status"] == "unchanged"
    assert rows["orders.parquet"]["reason"] == "unchanged since scan one"
    assert result.summary["objects_by_status"]["unchanged"] == len(lake.rows) - 1
    assert {r["source_uri"].rsplit("/", 1)[1] for r in findings(out, "two")} == scanned
    third = scan(spark, [str(lake.root)], out, scan_id="three", incremental=True)
    assert third.summary["units"] == 0
    assert manifest(out, "three")["orders.parquet"]["reason"] == "unchanged since scan one"


# ------------------------------------------------------------------------- S3
def test_s3_scan_with_encrypted_outputs_matches_local(
    spark: Any, s3_bucket: str, local_scan: dict[str, Any]
) -> None:
    lake = local_scan["lake"]
    s3 = storage.S3Settings.from_env()
    client = storage.s3_client(s3)
    for path in lake.root.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), s3_bucket, f"raw/{path.relative_to(lake.root)}")
    out = f"s3://{s3_bucket}/piisweep"
    cfg = ScanConfig(unit_mb=0.05, sse={"mode": "AES256"})
    result = scan(spark, [f"s3://{s3_bucket}/raw/"], out, config=cfg, scan_id="full")
    assert result.ok
    rows = manifest(out, "full")
    assert rows.pop("_SUCCESS")["reason"] == HIDDEN_FILE
    assert {r["status"] for r in rows.values()} == {"ok"}

    def located(rows: list[dict[str, Any]], marker: str) -> list[tuple[Any, ...]]:
        keys = ("line_number", "record_index", "field_path", "char_start", "entity_type")
        return sorted(
            (r["source_uri"].split(marker, 1)[1], *(r[k] for k in keys), r["fingerprint"])
            for r in rows
        )

    assert located(findings(out), "/raw/") == located(findings(local_scan["out"]), "/src/")
    written = storage.list_files(out, s3)
    assert any("/redacted/s3/" in uri for uri in written)
    for uri in written:
        head = client.head_object(Bucket=s3_bucket, Key=storage.parse_uri(uri).key)
        assert head.get("ServerSideEncryption") == "AES256", uri
    assert_no_raw(everything_written(out))


# ------------------------------------------------------------------------- operator errors
def test_operator_mistakes_stop_before_any_work(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "out"
    with pytest.raises(PiisweepError, match="source not found"):
        run_scan(ScanRequest(sources=[str(tmp_path / "nope")], out=str(out), progress=False))
    bad = tmp_path / "scan.yaml"
    bad.write_text("unit_mb: 8\nmax_objet_mb: 3\n")
    assert cli_main(["scan", str(tmp_path), "--out", str(out), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "max_objet_mb" in err and str(bad) in err and "Traceback" not in err
    assert not (out / "scans").exists()


def test_unwritable_outputs_and_missing_buckets_are_named(
    s3_env: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.log").write_text("hello\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    for out, needle in [
        (str(blocker / "out"), "output not writable"),
        ("s3://no-such-bucket-here/out", "no-such-bucket-here"),
    ]:
        assert cli_main(["scan", str(src), "--out", out, "--no-progress"]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert cli_main(["scan", "s3://no-such-bucket-here/x", "--out", str(tmp_path / "o")]) == 2
    assert "no-such-bucket-here" in capsys.readouterr().err


def test_cli_scan_prints_the_summary(spark: Any, tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.log").write_text(f"call me on {PHONE}\nnothing here\n")
    code = cli_main(
        ["scan", str(src), "--out", str(tmp_path / "out"), "--scan-id", "c1", "--no-progress"]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "scan c1 committed" in text and "PHONE_NUMBER" in text and PHONE not in text


def test_cli_flags_choose_objects_and_where_copies_go(
    spark: Any, tmp_path: Path, capsys: Any
) -> None:
    src = tmp_path / "src"
    (src / "logs").mkdir(parents=True)
    (src / "logs" / "a.log").write_text(f"call me on {PHONE}\n")
    (src / "logs" / "debug.log").write_text(f"debug {EMAIL}\n")
    (src / "logs" / "notes.txt").write_text(f"note {EMAIL}\n")
    (src / "logs" / "huge.log").write_text(f"{'x' * 1_200_000} {PHONE}\n")
    out, copies = tmp_path / "out", tmp_path / "copies"
    code = cli_main(
        ["scan", str(src), "--out", str(out), "--scan-id", "flags", "--no-progress",
         "--redacted-out", str(copies), "--include", "*.log", "--exclude", "debug*",
         "--max-object-mb", "1"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = manifest(str(out), "flags")
    assert set(rows) == {"a.log", "huge.log"}  # notes.txt not included, debug.log excluded
    assert rows["a.log"]["status"] == "ok" and rows["huge.log"]["status"] == "skipped"
    assert "--max-object-mb" in rows["huge.log"]["reason"]
    copy = Path(rows["a.log"]["redacted_uri"].removeprefix("file://"))
    assert copy.is_relative_to(copies) and copy.exists()
    assert not (out / "redacted").exists()  # --redacted-out replaces OUT/redacted
    assert [r["entity_type"] for r in findings(str(out), "flags")] == ["PHONE_NUMBER"]


def test_missing_s3_credentials_are_an_operator_mistake(
    s3_bucket: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_aws_credentials(monkeypatch, tmp_path)
    storage.clear_caches()  # a cached client would keep the credentials it resolved first
    try:
        code = cli_main(
            ["scan", f"s3://{s3_bucket}/logs/", "--out", str(tmp_path / "o"), "--no-progress"]
        )
    finally:
        storage.clear_caches()
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "no AWS credentials found" in err
    assert not (tmp_path / "o" / "scans").exists()


@pytest.mark.skipif(not os.access(sys.executable, os.X_OK), reason="no interpreter")
def test_spark_submit_runs_the_job_file(s3_env: dict[str, str], tmp_path: Path) -> None:
    """`spark-submit jobs/scan.py` is the same job, with spark-submit's own JVM."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.log").write_text(f"mail {EMAIL}\n")
    submit = Path(sys.executable).parent / "spark-submit"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    proc = subprocess.run(
        [str(submit), "--master", "local[1]", str(REPO / "jobs/scan.py"), str(src),
         "--out", str(tmp_path / "out"), "--scan-id", "sub", "--no-progress", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert summary["findings_by_entity"] == {"EMAIL_ADDRESS": 1}
    assert EMAIL not in proc.stdout + proc.stderr


# ------------------------------------------------------------------------- record rules
def test_record_rules_mark_pii_records_in_jsonl_csv_and_json_copies(
    spark: Any, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"order_id": 9876543210, "email": EMAIL},  # a lone email, an id that looks like a phone
        {"name": "Asha Rao", "email": EMAIL},  # two combinatorial kinds: PII
        {"phone": PHONE, "product": "kettle"},  # standalone: PII
    ]
    (src / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (src / "people.json").write_text(json.dumps(records))
    (src / "people.csv").write_text(
        f"id,name,email,phone\n1,,{EMAIL},\n2,Asha Rao,{EMAIL},\n3,,,{PHONE}\n"
    )
    out = str(tmp_path / "out")
    policy = str(REPO / "conf/policies/iscp.yaml")
    result = scan(spark, [str(src)], out, scan_id="r", policy_path=policy)
    assert result.ok
    rows = manifest(out, "r")
    jsonl = copy_rows(rows["events.jsonl"]["redacted_uri"])
    doc = copy_rows(rows["people.json"]["redacted_uri"])
    csv_copy = copy_rows(rows["people.csv"]["redacted_uri"])
    for copy in (jsonl, doc, csv_copy):
        assert [r["is_pii"] for r in copy] == [False, True, True]
    assert EMAIL in jsonl[0]["line"] and "9876543210" in jsonl[0]["line"]  # not PII: kept
    assert EMAIL not in jsonl[1]["line"] and PHONE not in jsonl[2]["line"]
    assert csv_copy[0]["email"] == EMAIL and csv_copy[1]["name"] == "AXXX RXX"
    kept = [f for f in findings(out) if f["action"] == "keep"]
    assert {f["entity_type"] for f in kept} == {"EMAIL_ADDRESS"}
    assert_no_raw(repr(findings(out)))


def test_hostile_links_headers_and_parquet_types_in_one_scan(spark: Any, tmp_path: Path) -> None:
    """Issue #16 items 2-4 end to end: links are skipped in the manifest and never read, a
    PII header and PII in a map/binary Parquet column never reach OUT raw."""
    import pyarrow as pa

    secret = tmp_path / "keys.yaml"
    secret.write_text(f"token_key: {EMAIL}\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.log").write_text(f"call {PHONE}\n")
    (src / "export.csv").write_text(f"id,{EMAIL}\n1,x\n")
    pq.write_table(
        pa.table(
            {
                "attrs": pa.array([[("contact", EMAIL)]], pa.map_(pa.string(), pa.string())),
                "blob": pa.array([EMAIL.encode()], pa.binary()),
            }
        ),
        src / "typed.parquet",
    )
    os.symlink(secret, src / "keys.log")
    os.symlink(src, src / "loop")
    os.symlink(src / "app.log", src / "again.log")
    out = tmp_path / "out"
    result = scan(spark, [str(src)], str(out), scan_id="links")
    assert result.ok
    rows = manifest(str(out), "links")
    assert {n: r["status"] for n, r in rows.items()} == {
        "again.log": "skipped",
        "app.log": "ok",
        "export.csv": "ok",
        "keys.log": "skipped",
        "loop": "skipped",
        "typed.parquet": "ok",
    }
    assert "outside the source root" in rows["keys.log"]["reason"]
    assert rows["keys.log"]["redacted_uri"] is None
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".parquet":
                data = (
                    str(pq.read_table(path).to_pylist()).encode()
                    + str(pq.read_schema(path)).encode()
                )
            assert EMAIL.encode() not in data and PHONE.encode() not in data, path
