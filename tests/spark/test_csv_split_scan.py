"""A large CSV is scanned as several record-aligned units (issue #14), on local Spark and
over S3: the findings (line numbers and record indexes included) and the redacted copy
are those of the same CSV scanned as one unit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from csvdata import PLANTED, multiline_export
from test_scan import assert_no_raw, everything_written, findings, manifest, scan

from jobs import storage
from jobs.scanconfig import ScanConfig

# 3 MB of CSV: ~12 units of 2 MB of cost (256 KB) each when split, one unit when not.
RECORDS = 40_000
SPLIT = ScanConfig(unit_mb=2)
WHOLE = ScanConfig(unit_mb=1000)


def table(out: str) -> list[tuple[Any, ...]]:
    dropped = ("scan_id", "scan_date", "source_uri")
    return sorted(tuple(v for k, v in r.items() if k not in dropped) for r in findings(out))


def copy_of(out: str, scan_id: str) -> Any:
    uri = manifest(out, scan_id)["export.csv"]["redacted_uri"]
    return pq.read_table(storage.open_input(uri, storage.S3Settings.from_env()))


@pytest.fixture(scope="module")
def scans(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("csvsplit")
    export = multiline_export(RECORDS)
    (root / "src").mkdir()
    (root / "src" / "export.csv").write_bytes(export.data)
    whole = scan(spark, [str(root / "src")], str(root / "whole"), config=WHOLE, scan_id="w")
    split = scan(spark, [str(root / "src")], str(root / "split"), config=SPLIT, scan_id="s")
    return {"root": root, "export": export, "whole": whole, "split": split}


def test_a_split_csv_gives_the_findings_and_copy_of_the_whole_csv(scans: dict[str, Any]) -> None:
    root, export = scans["root"], scans["export"]
    whole_out, split_out = str(root / "whole"), str(root / "split")
    assert scans["whole"].ok and scans["split"].ok
    w, s = manifest(whole_out, "w")["export.csv"], manifest(split_out, "s")["export.csv"]
    assert w["units"] == 1 and s["units"] >= 8
    assert s["status"] == w["status"] == "ok"
    assert s["records"] == w["records"] == RECORDS
    assert json.loads(s["flags"]) == json.loads(w["flags"]) == {"pii_header_cells_redacted": 1}
    assert table(split_out) == table(whole_out)
    assert len(table(whole_out)) > RECORDS // 2
    located = {(r["line_number"], r["record_index"], r["entity_type"]) for r in findings(split_out)}
    assert set(export.planted) <= located
    # the last record's line number counts every multi-line record before it
    assert max(r["line_number"] for r in findings(split_out)) == export.planted[-1][0]
    split_copy, whole_copy = copy_of(split_out, "s"), copy_of(whole_out, "w")
    assert split_copy.schema == whole_copy.schema
    assert split_copy.to_pylist() == whole_copy.to_pylist()
    summary = scans["split"].summary
    assert summary["units"] == s["units"] and "csv_cuts" in summary["phase_seconds"]
    assert summary["bytes_scanned"] == len(export.data)
    written = everything_written(split_out)
    assert_no_raw(written)
    for value in PLANTED:
        assert value not in written, f"a planted value ({len(value)} chars) leaked"


def test_split_csv_can_be_turned_off(spark: Any, scans: dict[str, Any], tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    cfg = ScanConfig(unit_mb=2, split_csv=False)
    result = scan(spark, [str(scans["root"] / "src")], out, config=cfg, scan_id="off")
    assert manifest(out, "off")["export.csv"]["units"] == 1
    assert "csv_cuts" not in result.summary["phase_seconds"]


def test_a_split_csv_on_s3_matches_the_local_whole_scan(
    spark: Any, s3_bucket: str, scans: dict[str, Any]
) -> None:
    s3 = storage.S3Settings.from_env()
    storage.s3_client(s3).put_object(
        Bucket=s3_bucket, Key="raw/export.csv", Body=scans["export"].data
    )
    out = f"s3://{s3_bucket}/piisweep"
    result = scan(spark, [f"s3://{s3_bucket}/raw/"], out, config=SPLIT, scan_id="s3")
    assert result.ok
    assert manifest(out, "s3")["export.csv"]["units"] >= 8
    whole_out = str(scans["root"] / "whole")
    assert table(out) == table(whole_out)
    assert copy_of(out, "s3").to_pylist() == copy_of(whole_out, "w").to_pylist()
