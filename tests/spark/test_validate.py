"""``piisweep validate`` on a real scan: the clean scan passes; a raw phone number in a
preview, a score of 1.7 and an e-mail left in a redacted copy each fail it, with a message
that names the expectation and the column and never prints the raw value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sample_scan import (  # noqa: F401 - session fixture
    CONF,
    SampleScan,
    run_cli,
    sample_scan,
)

from detectors.config import load_engine
from jobs import storage
from jobs.validate import ValidateError, load_suites, previews_look_raw, reveals_too_much

ARGS = ["--conf-dir", str(CONF), "--policy", str(CONF / "policy.yaml"), "--no-docs"]


def _everything(root: Path) -> str:
    """Every page and result under ``root`` (not Data Docs' fonts and images)."""
    return "\n".join(
        p.read_text(errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".html", ".json", ".txt")
    )


def _column(kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("column") or kwargs.get("column_A"))


def _copy_out(scan: SampleScan, dest: Path) -> Path:
    """The scan's findings, manifest and summary in a new output root (redacted copies stay
    where the manifest says they are)."""
    for name in ("findings", "manifests", "scans"):
        shutil.copytree(scan.out / name, dest / name)
    return dest


def _parts(out: Path) -> list[Path]:
    return sorted((out / "findings").rglob("part-*.parquet"))


def _set_cell(path: Path, column: str, row: int, value: Any) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    table = table.set_column(i, column, pa.array(values, table.schema.field(i).type))
    pq.write_table(table, path)


def _first_row(out: Path, entity: str) -> tuple[Path, int, dict[str, Any]]:
    for part in _parts(out):
        rows = pq.read_table(part).to_pylist()
        for i, row in enumerate(rows):
            if row["entity_type"] == entity and row["line_number"] is not None:
                return part, i, row
    raise AssertionError(f"no {entity} finding with a line number")


# ------------------------------------------------------------------------- clean
def test_the_clean_scan_passes(sample_scan: SampleScan) -> None:  # noqa: F811
    assert sample_scan.validate_code == 0, sample_scan.validate_stderr[-3000:]
    assert "FAILED" not in sample_scan.validate_stdout + sample_scan.validate_stderr


def test_clean_scan_results_and_data_docs(sample_scan: SampleScan) -> None:  # noqa: F811
    scan = sample_scan
    base = scan.out / "validation" / scan.scan_id
    assert f"validation of scan {scan.scan_id}" in scan.validate_stdout
    results = json.loads((base / "results.json").read_text())
    assert set(results["suites"]) == {"findings", "manifest", "redacted"}
    findings = results["suites"]["findings"]
    assert findings["success"], findings
    assert results["suites"]["manifest"]["success"]
    stats = findings["statistics"]
    assert stats["evaluated_expectations"] == len(
        load_suites(CONF / "expectations")[0].doc["expectations"]
    )
    # every check of the redacted suite passes on a clean scan, the residual scan included
    redacted = {
        _column(r["expectation_config"]["kwargs"]): r["success"]
        for r in results["suites"]["redacted"]["results"]
    }
    assert all(redacted.values()), redacted
    index = (base / "data_docs" / "index.html").read_text()
    assert "findings" in index and "redacted" in index
    pages = list((base / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 3
    with pytest.raises(AssertionError, match="1 planted values leaked"):
        scan.assert_no_raw(f"x {scan.raw_values()[0]} y", "a check of the check")
    scan.assert_no_raw(_everything(base), "validation outputs")
    scan.assert_no_raw(scan.validate_stdout + scan.validate_stderr, "validate's output")


def test_suites_are_data_and_every_expectation_is_known(tmp_path: Path) -> None:
    suites = {s.name: s for s in load_suites(CONF / "expectations")}
    assert {s.batch for s in suites.values()} == {"findings", "objects", "redacted_copies"}
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "name": "bad",
                "meta": {"piisweep": {"batch": "findings"}},
                "expectations": [{"type": "expect_column_values_to_be_nonsense", "kwargs": {}}],
            }
        )
    )
    with pytest.raises(ValidateError, match="not valid GX expectations"):
        load_suites(tmp_path)


def test_preview_check_flags_raw_values_only() -> None:
    engine = load_engine(CONF, 0.0)
    raw = ["9876543210", "asha.rao@gmail.com", "ABCPD1234E", "4111111111111111"]
    masked = ["98XXXXXXX0", "asXX.XXX@gmail.com", "ABXXXXXXXE", "XXXXXXXXXXXX1111", "roX.X@x.in"]
    entities = ["PHONE_NUMBER", "EMAIL_ADDRESS", "IN_PAN", "CREDIT_CARD", "EMAIL_ADDRESS"]

    assert previews_look_raw(engine, pa.array(raw), entities[:4]) == [True] * 4
    assert previews_look_raw(engine, pa.array(masked), entities) == [False] * 5
    assert not reveals_too_much("JXXX SXXXX", "PERSON")


def test_unknown_scan_id_is_an_operator_error(sample_scan: SampleScan) -> None:  # noqa: F811
    code, _, err = run_cli(["validate", str(sample_scan.out), "--scan-id", "nope", *ARGS])
    assert code == 2 and "scan nope is not committed" in err


# ------------------------------------------------------------------------- tampered
def test_a_raw_phone_number_in_a_preview_fails(sample_scan: SampleScan, tmp_path: Path) -> None:  # noqa: F811
    engine = load_engine(CONF, 0.5)
    phone = next(
        str(t["value"])
        for t in sample_scan.truth
        if t["entity_type"] == "PHONE_NUMBER"
        and len(str(t["value"])) >= 10
        and any(s.entity_type == "PHONE_NUMBER" for s in engine.scan_text(str(t["value"])))
    )
    out = _copy_out(sample_scan, tmp_path / "out")
    part, row, finding = _first_row(out, "PHONE_NUMBER")
    _set_cell(part, "preview", row, phone)

    code, stdout, stderr = run_cli(["validate", str(out), "--conf-dir", str(CONF)])
    assert code == 1
    assert (
        "findings: expect_column_values_to_be_in_set on column preview_looks_raw failed" in stderr
    )
    line = next(x for x in stderr.splitlines() if "preview_looks_raw" in x)
    assert f"1 of {sample_scan.summary['findings']:,} rows" in line
    assert f"{finding['source_uri']} line {finding['line_number']}" in line
    written = _everything(out / "validation")
    for text in (stdout, stderr, written):
        assert phone not in text
    assert "data_docs" in stdout


def test_a_score_of_1_7_fails(sample_scan: SampleScan, tmp_path: Path) -> None:  # noqa: F811
    out = _copy_out(sample_scan, tmp_path / "out")
    part, row, finding = _first_row(out, "EMAIL_ADDRESS")
    _set_cell(part, "score", row, 1.7)

    code, _, stderr = run_cli(["validate", str(out), *ARGS])
    assert code == 1
    line = next(x for x in stderr.splitlines() if "column score" in x)
    assert "findings: expect_column_values_to_be_between on column score failed" in line
    assert "score is a confidence in [0, 1]" in line
    assert "unexpected values: 1.7" in line  # scores are not PII
    assert f"{finding['source_uri']} line {finding['line_number']}" in line


def test_an_email_left_in_a_redacted_copy_fails(
    sample_scan: SampleScan,  # noqa: F811
    tmp_path: Path,
) -> None:
    email = next(
        str(t["value"])
        for t in sample_scan.truth
        if t["entity_type"] == "EMAIL_ADDRESS" and len(str(t["value"])) >= 12
    )
    out = _copy_out(sample_scan, tmp_path / "out")
    manifest_path = out / "manifests" / f"{sample_scan.scan_id}.parquet"
    manifest = pq.read_table(manifest_path)
    rows = manifest.to_pylist()
    i = next(n for n, r in enumerate(rows) if r["format"] == "text" and r["records"] > 10)
    source_copy = Path(rows[i]["redacted_uri"].removeprefix("file://"))
    tampered = out / "redacted" / "tampered" / source_copy.name
    tampered.parent.mkdir(parents=True)
    copy = pq.read_table(source_copy)
    lines = copy.column("line").to_pylist()
    lines[4] = f"2024-03-11T10:00:00Z INFO notify-svc sent receipt to {email}"
    pq.write_table(copy.set_column(1, "line", pa.array(lines, pa.string())), tampered)
    uris = manifest.column("redacted_uri").to_pylist()
    uris[i] = tampered.as_uri()
    index = manifest.schema.get_field_index("redacted_uri")
    pq.write_table(manifest.set_column(index, "redacted_uri", pa.array(uris)), manifest_path)

    code, stdout, stderr = run_cli(["validate", str(out), *ARGS])
    assert code == 1
    line = next(x for x in stderr.splitlines() if "residual_findings" in x)
    assert "redacted: expect_column_values_to_be_between on column residual_findings" in line
    assert f"{tampered.as_uri()} (line 5: EMAIL_ADDRESS)" in line
    for text in (stdout, stderr, _everything(out / "validation")):
        assert email not in text
    # the manifest and findings suites still pass: only the copy is wrong
    results = json.loads((out / "validation" / sample_scan.scan_id / "results.json").read_text())
    assert results["suites"]["findings"]["success"] and results["suites"]["manifest"]["success"]


# ------------------------------------------------------------------------- scan --validate
def test_scan_with_validate_runs_the_suites_after_the_commit(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.log").write_text(
        "checkout customer email=asha.rao@gmail.com phone=9876543210 paid\nnothing here\n"
    )
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(
        ["scan", str(src), "--out", str(out), "--scan-id", "v1", "--no-progress",
         "--validate", "--conf-dir", str(CONF), "--policy", str(CONF / "policy.yaml")]
    )  # fmt: skip
    assert code == 0, stderr[-3000:]
    assert "scan v1 committed" in stdout and "validation of scan v1: passed" in stdout
    results = json.loads((out / "validation" / "v1" / "results.json").read_text())
    assert results["success"] and results["scan_id"] == "v1"
    assert "asha.rao@gmail.com" not in stdout + stderr + json.dumps(results)


# ------------------------------------------------------------------------- S3 outputs
def test_validate_and_report_read_and_write_s3_outputs(
    sample_scan: SampleScan,  # noqa: F811
    s3_bucket: str,
) -> None:
    """An output root on S3 (moto over HTTP): findings read with pyarrow through
    jobs.storage, results, Data Docs and the report written back there."""
    s3 = storage.S3Settings.from_env()
    out = f"s3://{s3_bucket}/audit"
    for name in ("findings", "manifests", "scans"):
        for path in sorted((sample_scan.out / name).rglob("*")):
            if path.is_file():
                rel = path.relative_to(sample_scan.out).as_posix()
                storage.write_file(str(path), f"{out}/{rel}", s3)

    code, stdout, stderr = run_cli(["validate", out, *ARGS[:-1]])
    assert f"validation of scan {sample_scan.scan_id}" in stdout
    results = json.loads(
        storage.read_bytes(f"{out}/validation/{sample_scan.scan_id}/results.json", s3)
    )
    assert results["suites"]["findings"]["success"] and results["suites"]["manifest"]["success"]
    assert code == (0 if results["success"] else 1), stderr[-2000:]
    written = storage.list_files(f"{out}/validation/{sample_scan.scan_id}/data_docs", s3)
    assert f"{out}/validation/{sample_scan.scan_id}/data_docs/index.html" in written

    code, stdout, _ = run_cli(["report", out])
    assert code == 0 and stdout.strip() == f"{out}/reports/{sample_scan.scan_id}.html"
    page = storage.read_bytes(stdout.strip(), s3).decode()
    assert 'id="chart-entity"' in page and 'id="validation"' in page
    sample_scan.assert_no_raw(page, "the report on S3")
