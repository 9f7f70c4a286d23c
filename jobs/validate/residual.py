"""Columns GX has no built-in for: previews that look raw, and the residual scan of every
redacted copy (read as the scan read its source, with the same policy), run in Spark tasks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.operators import PREVIEW_MAX_REVEALED
from detectors.policy import Policy
from detectors.records import process_json_text, rules_of
from jobs import storage
from jobs.blocks import CsvTable, Shared, judge_lines, scan_line_block
from jobs.fieldnames import field_names
from jobs.nested import as_text, leaves
from jobs.validate.base import JSON_COPY, RESIDUAL_AT_MAX, TEXT_COPY, log


def reveals_too_much(value: str, entity_type: str) -> bool:
    """Whether ``value`` shows more letters/digits than a preview may: a raw value."""
    part = value.partition("@")[0] if entity_type in ("EMAIL_ADDRESS", "IN_UPI_ID") else value
    shown = sum(ch.isalnum() and ch != "X" for ch in part)
    return shown > PREVIEW_MAX_REVEALED


def previews_look_raw(engine: Engine, previews: pa.Array, entities: Sequence[str]) -> list[bool]:
    """For each preview: does the engine find the row's own entity in it, unmasked?"""
    raw = [False] * len(previews)
    texts: list[str | None] | None = None
    for i, spans in engine.scan_arrow(previews):
        texts = texts if texts is not None else previews.to_pylist()
        text = texts[i] or ""
        raw[i] = any(
            s.entity_type == entities[i] and reveals_too_much(text[s.start : s.end], entities[i])
            for s in spans
        )
    return raw


def with_preview_check(df: Any, engine: Engine) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, StructField, StructType

    if not {"preview", "entity_type"} <= set(df.columns):  # the schema checks report it
        return df.withColumn("preview_looks_raw", F.lit(None).cast("boolean"))
    schema = StructType([*df.schema.fields, StructField("preview_looks_raw", BooleanType())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            previews = batch.column("preview").cast(pa.string())
            entities = batch.column("entity_type").to_pylist()
            flags = previews_look_raw(engine, previews, entities)
            yield batch.append_column("preview_looks_raw", pa.array(flags, pa.bool_()))

    return df.mapInArrow(run, schema)


@dataclass
class ResidualJob:
    """What a residual-scan task needs, resolved on the driver and pickled into the task
    (the engine compiles its scanner lazily, once per task)."""

    engine: Engine
    policy: Policy
    keys: KeyRing
    ignore_actions: frozenset[str]
    s3: storage.S3Settings


def residual_scan(copy_uri: str, fmt: str | None, job: ResidualJob) -> dict[str, Any]:
    """Read one redacted copy and scan it as the scan read its source, with the same
    policy. A *residual* is a value at or above the threshold that the policy would redact
    again: its action is not ``keep`` (nor in ``ignore_actions``) and, under ``records:``
    rules, the record rules would redact it. Text lines are scanned as lines; JSON Lines,
    JSON records and CSV rows go through the policy's record rules as in the scan; Parquet
    columns (nested leaves too) are scanned with their names as context. Locations name
    the line or row and the column or JSON path, never the value.

    Every field name of the copy's schema (columns, struct fields at any depth, list
    elements, map keys, values and entries) is scanned too, and a residual name is
    reported by its positional path (``field name at #3.#1``, see ``jobs.fieldnames``).
    When any name holds a span at or above the threshold (a copy from an older version,
    or tampered with), every location names columns by position, so no location repeats
    the raw name."""
    engine, policy, keys, ignore_actions = job.engine, job.policy, job.keys, job.ignore_actions
    counts: Counter[str] = Counter()
    where: list[str] = []
    rows = 0
    rules = rules_of(policy)
    shared = Shared(engine, policy, keys, rules)

    def hit(entity: str, action: str, score: float, place: str) -> None:
        if score < policy.threshold or action == "keep" or action in ignore_actions:
            return
        counts[entity] += 1
        if len(where) < RESIDUAL_AT_MAX:
            where.append(f"{place}: {entity}")

    def record(text: str | None, place: str) -> None:
        result = process_json_text(engine, text or "", policy, keys, rules)
        for f in result.findings:
            path = f" {f.field_path}" if f.field_path else ""
            hit(f.span.entity_type, f.action, f.span.score, f"{place}{path}")

    def spans(found: Sequence[Any], place: str) -> None:
        for sp in found:
            hit(sp.entity_type, policy.action_for(sp.entity_type), sp.score, place)

    try:
        source = pq.ParquetFile(storage.open_input(copy_uri, job.s3))
        names = source.schema_arrow.names
        # Field names are data too (a CSV header or a Parquet column holding an e-mail):
        # scanned and reported by position, so the location never repeats a raw name.
        every_name = list(field_names(source.schema_arrow))
        positional = False
        for i, found_spans in engine.scan_values([n.name for n in every_name]):
            positional |= any(sp.score >= policy.threshold for sp in found_spans)
            spans(found_spans, f"field name at {every_name[i].position}")
        for batch in source.iter_batches(batch_size=16384, use_threads=False):
            if names[:2] == TEXT_COPY:
                # Lines judged by jobs.blocks, as the scan judged them (JSONL records by
                # the record rules), with the actions the scan would take.
                numbers, lines = batch.column(0).to_pylist(), batch.column(1)
                texts = lines.to_pylist()
                if fmt == "jsonl":  # each row one record, none holding a line break
                    block = "\n".join(t or "" for t in texts).encode()
                    judged = scan_line_block(block, None, True, shared, redact=False)
                else:
                    found = {i: (texts[i] or "", sp) for i, sp in engine.scan_arrow(lines)}
                    judged = judge_lines(found, len(texts), shared)
                for f in judged.findings:
                    place = f"line {numbers[f.row]}" + (f" {f.field_path}" if f.field_path else "")
                    hit(f.span.entity_type, f.action, f.span.score, place)
            elif names[:2] == JSON_COPY:
                for index, text in zip(
                    batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True
                ):
                    record(text, f"record {index}")
            elif fmt in ("csv", "tsv"):
                _residual_rows(batch, rows, shared, hit, positional)
            else:
                for leaf in leaves(batch, positional=positional):
                    if leaf.opaque:  # a type the scan cannot read must reach the copy null
                        present = len(leaf.values) - leaf.values.null_count
                        for _ in range(present):
                            hit("UNREADABLE_TYPE", "replace", 1.0, f"column {leaf.path}")
                        continue
                    for i, found_spans in engine.scan_arrow(as_text(leaf.values), field=leaf.key):
                        spans(found_spans, f"row {rows + int(leaf.rows[i])} column {leaf.path}")
            rows += batch.num_rows
    except Exception as exc:  # any copy that cannot be read or scanned; the class only
        log.debug("redacted copy %s not scanned: %s", copy_uri, type(exc).__name__)
        return {
            "copy_exists": False,
            "copy_rows": None,
            "residual_findings": None,
            "residual_entities": None,
            "residual_at": None,
            "copy_error": type(exc).__name__,
        }
    return {
        "copy_exists": True,
        "copy_rows": rows,
        "residual_findings": sum(counts.values()),
        "residual_entities": json.dumps(dict(sorted(counts.items()))),
        "residual_at": "; ".join(where) or None,
        "copy_error": None,
    }


def _residual_rows(
    batch: pa.RecordBatch, first: int, shared: Shared, hit: Any, positional: bool = False
) -> None:
    """CSV/TSV copies: rows judged by ``jobs.blocks.CsvTable`` as the scan judged the
    source's rows (the policy's record rules included). The header is scanned apart. With
    ``positional`` (a name holds PII), a location names its column by position (``#2``),
    not by name."""
    names = [n for n in batch.schema.names if n != "is_pii"]
    table = CsvTable(names, ",", Shared(shared.engine, shared.policy, shared.keys, shared.rules))
    columns = [batch.column(n).cast(pa.string()).to_pylist() for n in names]
    rows = list(zip(*columns, strict=True)) if columns else []
    at = table.names  # the names findings carry (a name holding PII comes back redacted)
    found = table.judge(rows, redact=False).found
    for row, column, entity, action, score in zip(
        found.spans.rows.tolist(),
        found.paths,
        found.entity_types(),
        found.actions,
        found.spans.scores.tolist(),
        strict=True,
    ):
        if positional:
            column = f"#{at.index(column)}" if column in at else "#?"
        hit(entity, action, score, f"row {first + row} column {column}")


RESIDUAL_SCHEMA = pa.schema(
    [
        ("uri", pa.string()),
        ("copy_exists", pa.bool_()),
        ("copy_rows", pa.int64()),
        ("residual_findings", pa.int64()),
        ("residual_entities", pa.string()),
        ("residual_at", pa.string()),
        ("copy_error", pa.string()),
    ]
)


def residual_scans(spark: Any, manifest: pa.Table, job: ResidualJob) -> pa.Table:
    """The residual scan of every redacted copy the manifest names, as Spark tasks."""
    todo = [
        (r["uri"], r["redacted_uri"], r["format"])
        for r in manifest.select(["uri", "redacted_uri", "format"]).to_pylist()
        if r["redacted_uri"]
    ]
    if not todo:
        return RESIDUAL_SCHEMA.empty_table()
    sc = spark.sparkContext
    n = min(len(todo), 4 * sc.defaultParallelism)
    df = spark.createDataFrame(
        sc.parallelize(todo, n), "uri string, redacted_uri string, format string"
    )

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            rows = []
            for uri, copy, fmt in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                rows.append({"uri": uri, **residual_scan(copy, fmt, job)})
            yield pa.RecordBatch.from_pylist(rows, schema=RESIDUAL_SCHEMA)

    sc.setJobDescription(f"piisweep validate: residual scan of {len(todo)} redacted copies")
    try:
        return df.mapInArrow(run, _spark_ddl(RESIDUAL_SCHEMA)).toArrow()
    finally:
        sc.setJobDescription(None)


def _spark_ddl(schema: pa.Schema) -> str:
    names = {pa.string(): "string", pa.int64(): "bigint", pa.bool_(): "boolean"}
    return ", ".join(f"`{f.name}` {names[f.type]}" for f in schema)
