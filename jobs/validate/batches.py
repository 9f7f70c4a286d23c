"""The batches each suite runs on: the findings, the manifest, the residual scans, the summary."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyarrow as pa

from jobs.validate.inputs import findings_dataframe, read_manifest
from jobs.validate.residual import RESIDUAL_SCHEMA, ResidualJob, residual_scans, with_preview_check


def build_batches(
    spark: Any,
    out: str,
    summary: dict[str, Any],
    job: ResidualJob,
) -> dict[str, Any]:
    """The three DataFrames the suites check, cached (GX runs a Spark job per metric)."""
    from pyspark.sql import functions as F

    scan_id, engine, s3 = summary["scan_id"], job.engine, job.s3
    manifest = read_manifest(out, scan_id, s3)
    raw = findings_dataframe(spark, out, summary, s3)
    uris = spark.createDataFrame(
        [(u,) for u in manifest.column("uri").to_pylist()], "uri string"
    ).distinct()
    # the scan's detectors and allow-lists at threshold 0, run by the same kind of engine
    preview_engine = replace(engine, threshold=0.0)
    findings = with_preview_check(raw, preview_engine)
    if "source_uri" not in findings.columns:  # the schema checks report it
        findings = findings.withColumn("source_uri", F.lit(None).cast("string"))
    findings = (
        findings.join(
            F.broadcast(uris.withColumnRenamed("uri", "_m_uri")),
            findings["source_uri"] == F.col("_m_uri"),
            "left",
        )
        .withColumn("source_in_manifest", F.col("_m_uri").isNotNull())
        .drop("_m_uri")
    ).cache()
    counts = {
        r["source_uri"]: r["count"]
        for r in findings.groupBy("source_uri").count().collect()
        if r["source_uri"] is not None
    }
    residual = {r["uri"]: r for r in residual_scans(spark, manifest, job).to_pylist()}
    rows = manifest.to_pylist()
    empty = dict.fromkeys(RESIDUAL_SCHEMA.names[1:])
    for r in rows:
        r["findings_in_table"] = counts.get(r["uri"], 0)
        r.update({k: v for k, v in residual.get(r["uri"], empty).items() if k != "uri"})
        r["copy_exists"] = bool(r["copy_exists"])
    schema = manifest.schema.append(pa.field("findings_in_table", pa.int64()))
    for f in RESIDUAL_SCHEMA:
        if f.name != "uri":
            schema = schema.append(f)
    table = pa.Table.from_pylist(rows, schema=schema)
    objects = spark.createDataFrame(table).cache()
    copies = objects.where(F.col("redacted_uri").isNotNull()).cache()
    return {"findings": findings, "objects": objects, "redacted_copies": copies}
