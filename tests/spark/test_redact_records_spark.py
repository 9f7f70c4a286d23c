"""``piisweep redact-records`` on Spark: the input cut into several units, redacted by
tasks and concatenated, is byte for byte the local result; on local files and on S3."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from jobs import storage
from jobs.records import RecordsRequest, redact_records

REPO = Path(__file__).resolve().parents[2]
ISCP = str(REPO / "conf" / "policies" / "iscp.yaml")
PHONE, AADHAAR, EMAIL = "9876543210", "1234 5678 9012", "john.smith@gmail.com"

CELLS = [
    json.dumps({"phone": PHONE, "order_value": 1299}),
    json.dumps({"name": "John Smith", "email": EMAIL, "note": "two\nlines"}, indent=1),
    json.dumps({"order_id": 9123456780, "product_description": "Mouse"}),
    "{'aadhar': '" + AADHAAR + "', 'vip': True}",
    '{"name": "Ravi Kumar", \'phone\': "' + PHONE + '"}',
    "",
    json.dumps({"city": "Pune", "pin_code": "411001"}),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("records")
    src = root / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "data_json"])
        for i in range(700):
            writer.writerow([f"R{i:05d}", CELLS[i % len(CELLS)]])
    local = root / "local.csv"
    result = redact_records(RecordsRequest(str(src), str(local), policy_path=ISCP, mode="local"))
    assert result.mode == "local" and result.counts.rows == 700
    return {"src": src, "local": local, "root": root}


def test_spark_mode_output_equals_local_mode(spark: Any, inputs: dict[str, Any]) -> None:
    out = inputs["root"] / "spark.csv"
    request = RecordsRequest(str(inputs["src"]), str(out), policy_path=ISCP, unit_mb=0.01)
    result = redact_records(request, spark=spark)
    assert result.mode == "spark" and result.units > 2
    assert result.counts.rows == 700
    assert out.read_bytes() == inputs["local"].read_bytes()
    text = out.read_text()
    for raw in (PHONE, AADHAAR, EMAIL):
        assert raw not in text
    assert not list(inputs["root"].glob("spark.csv.parts-*"))  # staging removed


def test_spark_mode_reads_and_writes_s3(spark: Any, s3_bucket: str, inputs: dict[str, Any]) -> None:
    s3 = storage.S3Settings.from_env()
    storage.write_file(str(inputs["src"]), f"s3://{s3_bucket}/in/records.csv", s3)
    request = RecordsRequest(
        f"s3://{s3_bucket}/in/records.csv",
        f"s3://{s3_bucket}/out/records.csv",
        policy_path=ISCP,
        unit_mb=0.02,
    )
    result = redact_records(request, spark=spark)
    assert result.mode == "spark" and result.units > 1
    written = storage.read_bytes(f"s3://{s3_bucket}/out/records.csv", s3)
    assert written == inputs["local"].read_bytes()
    assert storage.list_files(f"s3://{s3_bucket}/out", s3) == [f"s3://{s3_bucket}/out/records.csv"]
