"""A scan's outputs as validation reads them: its summary, its manifest, its findings as a
Spark DataFrame read on the executors."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jobs import commit, storage
from jobs.findings import arrow_schema
from jobs.parts import parts_frame
from jobs.validate.base import ValidateError


def resolve_scan(out: str, scan_id: str | None, s3: storage.S3Settings) -> dict[str, Any]:
    """The summary of ``scan_id``, or of the latest committed scan (by ``started_at``)."""
    scans = commit.committed_scans(out, s3)
    if not scans:
        raise ValidateError(f"no committed scan under {out} (no scans/*.json)")
    if scan_id is None:
        return scans[-1]
    for doc in scans:
        if doc.get("scan_id") == scan_id:
            return doc
    known = ", ".join(d.get("scan_id", "?") for d in scans[-5:])
    raise ValidateError(f"scan {scan_id} is not committed under {out} (latest: {known})")


def read_manifest(out: str, scan_id: str, s3: storage.S3Settings) -> pa.Table:
    uri = f"{out}/manifests/{scan_id}.parquet"
    if not storage.exists(uri, s3):
        raise ValidateError(f"scan {scan_id} has no manifest at {uri}")
    return pq.read_table(storage.open_input(uri, s3))


def findings_files(out: str, summary: dict[str, Any], s3: storage.S3Settings) -> list[str]:
    """The findings parts this scan's commit wrote (:func:`jobs.commit.findings_files`)."""
    return commit.findings_files(out, summary, s3)


def findings_dataframe(
    spark: Any, out: str, summary: dict[str, Any], s3: storage.S3Settings
) -> Any:
    """This scan's findings as a Spark DataFrame, exactly as stored (no schema imposed):
    local files through Spark's reader, S3 and HDFS read by the executors through pyarrow
    (:func:`jobs.parts.read_parts`: no s3a needed, and the driver never holds the table)."""
    files = findings_files(out, summary, s3)
    if not files:
        from pyspark.sql.types import StructType

        return spark.createDataFrame([], StructType.fromJson(_spark_json(arrow_schema())))
    return parts_frame(spark, files, s3)


def _spark_json(schema: pa.Schema) -> dict[str, Any]:
    names = {
        pa.string(): "string",
        pa.int64(): "long",
        pa.int32(): "integer",
        pa.float64(): "double",
        pa.bool_(): "boolean",
    }
    return {
        "type": "struct",
        "fields": [
            {"name": f.name, "type": names[f.type], "nullable": True, "metadata": {}}
            for f in schema
        ],
    }
