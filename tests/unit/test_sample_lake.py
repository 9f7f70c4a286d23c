"""The sample lake generator (jobs/sample_lake/) writes a deterministic, realistic lake of
every supported format, and its truth file lists values that really are where it says."""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.checksums import gstin_valid, luhn_valid, verhoeff_valid
from detectors.entities import VOCABULARY
from jobs.sample_lake import LakeStats, SampleLakeError, generate_lake

ROOT = Path(__file__).resolve().parents[2]


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _decompressed(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)
    if path.suffix == ".bz2":
        return bz2.decompress(data)
    if path.suffix == ".zst":
        stream = pa.CompressedInputStream(pa.BufferReader(data), "zstd")
        return stream.read()
    return data


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LakeStats, list[dict]]:
    base = tmp_path_factory.mktemp("lake")
    stats = generate_lake(base / "lake", size_mb=1, seed=7, truth_path=base / "truth.jsonl")
    rows = [json.loads(x) for x in (base / "truth.jsonl").read_text("utf-8").splitlines()]
    return base / "lake", stats, rows


def test_when_same_seed_in_another_process_then_identical_bytes(lake, tmp_path: Path) -> None:
    root, _, _ = lake
    code = (
        "import sys; from jobs.sample_lake import generate_lake; "
        "generate_lake(sys.argv[1], size_mb=1, seed=7, truth_path=sys.argv[2])"
    )
    env = dict(os.environ, PYTHONHASHSEED="4242")
    other, truth = tmp_path / "again", tmp_path / "again.truth.jsonl"
    subprocess.run(
        [sys.executable, "-c", code, str(other), str(truth)], check=True, cwd=ROOT, env=env
    )
    assert _digest(other) == _digest(root)
    assert truth.read_bytes() == (root.parent / "truth.jsonl").read_bytes()


def test_when_seed_differs_then_same_layout_different_content(lake, tmp_path: Path) -> None:
    root, _, _ = lake
    generate_lake(tmp_path / "s8", size_mb=1, seed=8)
    a, b = _digest(root), _digest(tmp_path / "s8")
    assert sorted(a) == sorted(b)
    empty = hashlib.sha256(b"").hexdigest()
    assert all(a[k] != b[k] for k in a if a[k] != empty)


def test_when_1_mb_then_every_kind_of_file_is_present(lake) -> None:
    root, stats, _ = lake
    patterns = {
        "ingress-log": "ingress/2024/03/*/ingress-*.log",
        "ingress-log-gz": "ingress/2024/03/*/ingress-*.log.gz",
        "partner-log-gz": "partner-api/*/2024-03-*.log.gz",
        "payloads-jsonl": "api-payloads/2024-03-*/payloads-*.jsonl",
        "payloads-jsonl-zst": "api-payloads/2024-03-*/payloads-*.jsonl.zst",
        "payloads-jsonl-bz2": "api-payloads/2024-03-*/payloads-*.jsonl.bz2",
        "payloads-json": "api-payloads/2024-03-*/*.json",
        "customers-csv": "exports/customers/customers-*.csv",
        "customers-tsv": "exports/customers/customers-kyc-*.tsv",
        "orders-parquet": "exports/orders/orders-*.parquet",
        "success-marker": "exports/*/_SUCCESS",
    }
    for kind, pattern in patterns.items():
        found = list(root.glob(pattern))
        assert found, kind
        assert len(found) == stats.by_kind[kind], kind
    partners = {p.parent.name for p in root.glob("partner-api/*/*.log.gz")}
    assert partners == {"shipfast", "paynexa", "textbee"}
    files = [p for p in root.rglob("*") if p.is_file()]
    assert stats.files == len(files) == sum(stats.by_kind.values())
    assert stats.bytes == sum(p.stat().st_size for p in files)


def test_success_markers_are_empty_files(lake) -> None:
    root, _, _ = lake
    for d in ("exports/customers", "exports/orders"):
        assert (root / d / "_SUCCESS").read_bytes() == b""


@pytest.mark.parametrize("size_mb", [2, 5])
def test_when_size_given_then_total_on_disk_within_25_percent(tmp_path: Path, size_mb) -> None:
    stats = generate_lake(tmp_path / "lake", size_mb=size_mb, seed=3)
    on_disk = sum(p.stat().st_size for p in (tmp_path / "lake").rglob("*") if p.is_file())
    assert on_disk == stats.bytes
    assert 0.75 * size_mb * 1e6 <= on_disk <= 1.25 * size_mb * 1e6


def test_parquet_has_row_groups_and_nested_list_and_int_columns(lake) -> None:
    root, _, _ = lake
    (path,) = root.glob("exports/orders/*.parquet")
    f = pq.ParquetFile(path)
    assert f.metadata.num_row_groups >= 3
    schema = f.schema_arrow
    shipping = schema.field("shipping").type
    assert pa.types.is_struct(shipping)
    assert pa.types.is_struct(shipping.field("address").type)
    assert {shipping.field(i).name for i in range(shipping.num_fields)} == {
        "name",
        "phone",
        "address",
    }
    assert pa.types.is_list(schema.field("contacts").type)
    assert schema.field("billing_phone").type == pa.int64()
    table = f.read()
    phones = table.column("billing_phone").to_pylist()
    assert all(6_000_000_000 <= p < 10_000_000_000 for p in phones)
    assert all(c for c in table.column("contacts").to_pylist())


def test_a_1_mb_parquet_file_has_at_least_3_row_groups(tmp_path: Path) -> None:
    generate_lake(tmp_path / "lake", size_mb=6, seed=1)
    (path,) = (tmp_path / "lake").glob("exports/orders/*.parquet")
    assert path.stat().st_size > 1_000_000
    assert pq.ParquetFile(path).metadata.num_row_groups >= 3


def test_compressed_files_decompress_to_utf8_lines(lake) -> None:
    root, _, _ = lake
    compressed = [p for p in root.rglob("*") if p.suffix in (".gz", ".bz2", ".zst")]
    assert {p.suffix for p in compressed} == {".gz", ".bz2", ".zst"}
    for p in compressed:
        text = _decompressed(p).decode("utf-8")
        assert text.endswith("\n") and len(text) > len(p.read_bytes()), p
        if ".jsonl" in p.name:
            assert all(isinstance(json.loads(x), dict) for x in text.splitlines())
        if p.suffix == ".gz":  # no timestamp, no file name in the header
            head = p.read_bytes()[:10]
            assert head[3] == 0 and head[4:8] == b"\0\0\0\0"


def test_json_file_is_one_array_of_records(lake) -> None:
    root, _, _ = lake
    (path,) = root.glob("api-payloads/*/*.json")
    records = json.loads(path.read_text("utf-8"))
    assert isinstance(records, list) and len(records) > 10
    assert all("request" in r and "response" in r for r in records)


def _json_path(obj, path: str):
    for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        obj = obj[key] if key else obj[int(index)]
    return obj


def _parquet_value(table: pa.Table, row: int, field: str):
    parts = field.split(".")
    value = table.column(parts[0])[row].as_py()
    for p in parts[1:]:
        value = value[p]
    return value


def test_truth_values_are_where_the_truth_file_says(lake) -> None:
    root, stats, rows = lake
    assert rows and all(r["entity_type"] in VOCABULARY for r in rows)
    by_file: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_file[r["uri_suffix"]].append(r)
    checked = Counter()
    for rel, planted in by_file.items():
        path = root / rel
        assert path.is_file(), rel
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            for r in planted:
                cell = _parquet_value(table, r["record_index"], r["field"])
                found = r["value"] in cell if isinstance(cell, list) else str(cell) == r["value"]
                assert found, (rel, r["field"], r["record_index"])
                checked["parquet"] += 1
            continue
        lines = _decompressed(path).decode("utf-8").split("\n")
        for r in planted:
            line = lines[r["line_number"] - 1]
            assert r["value"] in line, (rel, r["line_number"], r["entity_type"])
            if rel.endswith((".csv", ".tsv")):
                (record,) = csv.DictReader(
                    io.StringIO(lines[0] + "\n" + line),
                    delimiter="\t" if rel.endswith(".tsv") else ",",
                )
                assert record[r["field"]] == r["value"]
                assert r["record_index"] == r["line_number"] - 2
                checked["csv"] += 1
            elif r["field"] is not None:  # JSON Lines, or one record per line of the array
                record = json.loads(line.rstrip(","))
                assert str(_json_path(record, r["field"])) == r["value"]
                checked["json"] += 1
            else:
                checked["text"] += 1
    assert min(checked.values()) > 20 and len(checked) == 4
    assert Counter(r["entity_type"] for r in rows) == stats.planted


def test_truth_covers_the_entities_and_checksummed_values_are_valid(lake) -> None:
    _, _, rows = lake
    entities = {r["entity_type"] for r in rows}
    assert {
        "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "STREET_ADDRESS", "IN_UPI_ID", "OTP_CODE",
        "CREDIT_CARD", "IN_AADHAAR", "IN_PAN", "JWT", "AWS_ACCESS_KEY", "SECRET", "IP_ADDRESS",
    } <= entities  # fmt: skip
    for r in rows:
        digits = re.sub(r"[ -]", "", r["value"])
        if r["entity_type"] == "CREDIT_CARD":
            assert luhn_valid(digits) and len(digits) in (15, 16)
        elif r["entity_type"] == "IN_AADHAAR":
            assert verhoeff_valid(digits) and len(digits) == 12 and digits[0] in "23456789"
        elif r["entity_type"] == "IN_GSTIN":
            assert gstin_valid(r["value"])
        elif r["entity_type"] == "IN_PAN":
            assert re.fullmatch(r"[A-Z]{3}[PCFHAT][A-Z]\d{4}[A-Z]", r["value"])
        elif r["entity_type"] == "AWS_ACCESS_KEY":
            assert re.fullmatch(r"AKIA[A-Z2-7]{16}", r["value"])
        elif r["entity_type"] == "JWT":
            assert r["value"].startswith("eyJ") and r["value"].count(".") == 2


_RUN = re.compile(r"(?<![0-9A-Za-z])\d{12,19}(?![0-9A-Za-z])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_clean_log_lines_hold_only_lookalikes_that_fail_their_checksum(lake) -> None:
    """Every standalone 12-digit run in a line without planted values fails Verhoeff and
    every 14-19 digit run fails Luhn (13 digits are epoch-ms timestamps, left as they are;
    a UUID's last group may be 12 digits by chance, as in real logs)."""
    root, _, rows = lake
    planted_lines = {(r["uri_suffix"], r["line_number"]) for r in rows}
    runs = Counter()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or not rel.startswith(("ingress/", "partner-api/", "api-pay")):
            continue
        for n, line in enumerate(_decompressed(path).decode("utf-8").split("\n"), 1):
            if (rel, n) in planted_lines:
                continue
            for run in _RUN.findall(_UUID.sub("", line)):
                if len(run) == 12:
                    assert not verhoeff_valid(run), (rel, n)
                elif len(run) >= 14:
                    assert not luhn_valid(run), (rel, n)
                runs[len(run)] += 1
    assert runs[12] > 100 and runs[16] > 20 and runs[13] > 100


def test_a_few_percent_of_log_lines_carry_pii(lake) -> None:
    root, stats, rows = lake
    logs = [r for r in rows if r["uri_suffix"].startswith(("ingress/", "partner-api/"))]
    with_pii = {(r["uri_suffix"], r["line_number"]) for r in logs}
    assert stats.log_lines_with_pii == len(with_pii)
    lines = sum(
        _decompressed(p).count(b"\n")
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix().startswith(("ingress/", "partner-api/"))
    )
    assert stats.log_lines == lines
    assert 0.03 <= len(with_pii) / lines <= 0.08


def test_stats_as_dict_is_json_and_consistent(lake) -> None:
    _, stats, rows = lake
    d = json.loads(json.dumps(stats.as_dict()))
    assert d["planted_total"] == len(rows)
    assert d["files"] == sum(d["files_by_kind"].values())
    assert d["bytes"] == sum(d["bytes_by_kind"].values())
    assert d["uncompressed_bytes"] > d["bytes"]


def test_refuses_a_non_empty_directory_and_a_truth_file_inside_the_lake(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(SampleLakeError, match="missing or empty"):
        generate_lake(tmp_path / "full", size_mb=1)
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    with pytest.raises(SampleLakeError, match="outside the lake"):
        generate_lake(tmp_path / "new", size_mb=1, truth_path=tmp_path / "new" / "t.jsonl")
    with pytest.raises(SampleLakeError, match="positive"):
        generate_lake(tmp_path / "zero", size_mb=0)


def test_when_run_from_the_cli_then_it_writes_a_lake_or_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobs.cli import main

    assert main(["sample-lake", str(tmp_path / "lake"), "--size-mb", "1", "--seed", "3"]) == 0
    assert "sample lake in" in capsys.readouterr().out
    assert any((tmp_path / "lake").rglob("*.parquet"))
    assert main(["sample-lake", str(tmp_path / "lake"), "--size-mb", "1"]) == 2  # not empty
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
