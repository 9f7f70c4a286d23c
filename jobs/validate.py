"""``piisweep validate``: run the Great Expectations suites of ``conf/expectations/`` over one
committed scan and write their results and Data Docs under ``OUT/validation/<scan_id>/``.

The suites are data (GX 1.x ExpectationSuite JSON). Each names, in ``meta.piisweep.batch``,
which of three Spark DataFrames it checks:

* ``findings``: the scan's rows of the findings table (its ``part-<scan_id>-*.parquet``
  files), plus two computed columns: ``preview_looks_raw`` (the detector engine finds the
  row's own entity in its preview, unmasked) and ``source_in_manifest``.
* ``objects``: the manifest, one row per object, plus ``findings_in_table`` and
  ``copy_exists``.
* ``redacted_copies``: the objects with a redacted copy, plus the residual scan of each copy
  (``copy_rows``, ``residual_findings``, ``residual_entities``, ``residual_at``,
  ``copy_error``), computed in Spark tasks that read the copies through :mod:`jobs.storage`.

Checks GE has no built-in for become computed columns checked by built-in expectations
(``preview_looks_raw`` in ``[false]``), so every rule stays visible in the suite files and in
Data Docs, and each failure names a column and the rows it concerns.

No raw value is ever printed or written: GE's unexpected values and index lists are kept only
for columns on :data:`PRINTABLE` (scores, counts, offsets, statuses); for any other column a
failure reports counts and row locations (object URI, line, record), never the values.
Suite parameters (``$PARAMETER``) carry what depends on the run: the scan id, the entity
types the engine knows (vocabulary plus custom detectors), the summary's object count.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detectors.config import DEFAULT_ENGINE, load_engine
from detectors.engine import Engine
from detectors.entities import VOCABULARY
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.operators import PREVIEW_MAX_REVEALED
from detectors.policy import Policy
from detectors.records import process_json_text, rules_of
from jobs import commit, storage
from jobs.blocks import CsvTable, Shared, judge_lines, keyed_lines
from jobs.fieldnames import field_names
from jobs.findings import arrow_schema
from jobs.nested import as_text, leaves
from jobs.parts import read_parts

log = logging.getLogger("piisweep.validate")

REPO_CONF = Path(__file__).resolve().parent.parent / "conf"
#: Columns whose values may appear in messages, results JSON and Data Docs. Every other
#: column (preview, fingerprint, field_path, …) is reported by counts and locations only.
PRINTABLE = frozenset(
    {
        "scan_id",
        "source_uri",
        "line_number",
        "record_index",
        "char_start",
        "char_end",
        "entity_type",
        "detector",
        "score",
        "action",
        "preview_looks_raw",
        "source_in_manifest",
        "uri",
        "status",
        "format",
        "compression",
        "error_class",
        "units",
        "records",
        "findings",
        "findings_in_table",
        "copy_exists",
        "redacted_uri",
        "copy_rows",
        "residual_findings",
        "residual_entities",
        "residual_at",
    }
)
#: Columns that say where an unexpected row is, per batch.
LOCATION_COLUMNS = {
    "findings": ["source_uri", "line_number", "record_index"],
    "objects": ["uri"],
    "redacted_copies": ["redacted_uri", "residual_at"],
}
MAX_LOCATIONS = 10
RESIDUAL_AT_MAX = 5
_KEYS_WITH_VALUES = ("partial_unexpected_list", "unexpected_list", "partial_unexpected_counts")
#: Expectations whose observed value is about structure (a type, columns, a row count).
STRUCTURAL = frozenset(
    {
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
        "expect_table_column_count_to_equal",
    }
)
_TEXT_COPY = ["line_number", "line"]
_JSON_COPY = ["record_index", "record"]


class ValidateError(PiisweepError):
    """Validation cannot run: no committed scan, an unreadable suite, a missing output."""


# ------------------------------------------------------------------------- results
@dataclass
class Failure:
    """One failed expectation, in words that never carry a raw value."""

    suite: str
    expectation: str
    columns: list[str]
    description: str | None
    unexpected: int | None = None
    total: int | None = None
    values: list[Any] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    observed: Any = None
    error: str | None = None

    def message(self) -> str:
        on = f" on column {', '.join(self.columns)}" if self.columns else ""
        text = f"{self.suite}: {self.expectation}{on} failed"
        if self.description:
            text += f" ({self.description})"
        if self.error:
            return f"{text}: {self.error}"
        if self.unexpected is not None:
            text += f": {self.unexpected:,} of {self.total:,} rows"
        if self.values:
            text += f"; unexpected values: {', '.join(map(str, self.values))}"
        if self.observed is not None:
            text += f"; observed: {self.observed}"
        if self.locations:
            text += "; at " + "; ".join(self.locations)
        return text


@dataclass
class SuiteOutcome:
    name: str
    success: bool
    evaluated: int
    successful: int


@dataclass
class ValidationOutcome:
    scan_id: str
    out: str
    success: bool
    suites: list[SuiteOutcome]
    failures: list[Failure]
    results_uri: str
    docs_uri: str | None
    results: dict[str, Any] = field(repr=False, default_factory=dict)

    def summary(self) -> str:
        lines = [f"validation of scan {self.scan_id}: {'passed' if self.success else 'FAILED'}"]
        for s in self.suites:
            state = "ok" if s.success else "FAILED"
            lines.append(f"  {s.name:<12} {s.successful}/{s.evaluated} expectations  {state}")
        lines.append(f"  results:   {self.results_uri}")
        if self.docs_uri:
            lines.append(f"  data docs: {self.docs_uri}")
        return "\n".join(lines)


# ------------------------------------------------------------------------- inputs
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
    if all(u.startswith("file://") for u in files):
        return spark.read.parquet(*files)
    return read_parts(spark, files, s3)


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


# ------------------------------------------------------------------------- suites
@dataclass
class Suite:
    name: str
    batch: str
    doc: dict[str, Any]
    path: Path

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc.get("meta", {}).get("piisweep", {})


def load_suites(suites_dir: Path) -> list[Suite]:
    """Every ``*.json`` suite of ``suites_dir``; each expectation must be one GX knows."""
    import great_expectations as gx

    paths = sorted(suites_dir.glob("*.json"))
    if not paths:
        raise ValidateError(f"no expectation suites (*.json) in {suites_dir}")
    suites = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidateError(f"{path}: not a readable suite: {type(exc).__name__}") from None
        batch = doc.get("meta", {}).get("piisweep", {}).get("batch")
        if batch not in LOCATION_COLUMNS:
            raise ValidateError(
                f"{path}: meta.piisweep.batch must be one of {', '.join(LOCATION_COLUMNS)}"
            )
        # GX logs and drops an expectation it cannot build; a suite must not shrink silently.
        built = gx.ExpectationSuite(
            name=doc["name"], expectations=doc.get("expectations", []), meta=doc.get("meta")
        )
        if len(built.expectations) != len(doc.get("expectations", [])):
            raise ValidateError(f"{path}: some expectations are not valid GX expectations")
        suites.append(Suite(doc["name"], batch, doc, path))
    return suites


def default_suites_dir(conf_dir: str | None) -> Path:
    for base in (Path(conf_dir) if conf_dir else None, Path("conf"), REPO_CONF):
        if base is not None and (base / "expectations").is_dir():
            return base / "expectations"
    raise ValidateError("no conf/expectations directory; pass --suites")


def policy_entities(policy: Policy) -> set[str]:
    """Entity types the policy names: its entity rules, and its record rules' kinds, parts
    and field rules (``records.fields`` make values such as CITY or PIN_CODE findings)."""
    names = set(policy.model.entities)
    rules = policy.records
    if rules is not None:
        names.update(rules.standalone)
        for kind in rules.combinatorial:
            names.update(kind.entities, kind.parts)
        names.update(f.entity for f in rules.fields)
    return names


# ------------------------------------------------------------------------- computed columns
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


def _with_preview_check(df: Any, engine: Engine) -> Any:
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
            if names[:2] == _TEXT_COPY:
                # Lines judged by jobs.blocks, as the scan judged them (JSONL records by
                # the record rules), with the actions the scan would take.
                numbers, lines = batch.column(0).to_pylist(), batch.column(1)
                texts = lines.to_pylist()
                found = {i: (texts[i] or "", sp) for i, sp in engine.scan_arrow(lines)}
                if fmt == "jsonl":
                    for i in keyed_lines(lines, rules):
                        found.setdefault(i, (texts[i] or "", []))
                judged = judge_lines(found, len(texts), fmt == "jsonl", shared)
                for f in judged.findings:
                    place = f"line {numbers[f.row]}" + (f" {f.field_path}" if f.field_path else "")
                    hit(f.span.entity_type, f.action, f.span.score, place)
            elif names[:2] == _JSON_COPY:
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
    for f in table.judge(rows).findings:
        column = f.field_path
        if positional:
            column = f"#{at.index(column)}" if column in at else "#?"
        hit(f.span.entity_type, f.action, f.span.score, f"row {first + f.row} column {column}")


_RESIDUAL_SCHEMA = pa.schema(
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
        return _RESIDUAL_SCHEMA.empty_table()
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
            yield pa.RecordBatch.from_pylist(rows, schema=_RESIDUAL_SCHEMA)

    sc.setJobDescription(f"piisweep validate: residual scan of {len(todo)} redacted copies")
    try:
        return df.mapInArrow(run, _spark_ddl(_RESIDUAL_SCHEMA)).toArrow()
    finally:
        sc.setJobDescription(None)


def _spark_ddl(schema: pa.Schema) -> str:
    names = {pa.string(): "string", pa.int64(): "bigint", pa.bool_(): "boolean"}
    return ", ".join(f"`{f.name}` {names[f.type]}" for f in schema)


# ------------------------------------------------------------------------- batches
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
    findings = _with_preview_check(raw, preview_engine)
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
    empty = dict.fromkeys(_RESIDUAL_SCHEMA.names[1:])
    for r in rows:
        r["findings_in_table"] = counts.get(r["uri"], 0)
        r.update({k: v for k, v in residual.get(r["uri"], empty).items() if k != "uri"})
        r["copy_exists"] = bool(r["copy_exists"])
    schema = manifest.schema.append(pa.field("findings_in_table", pa.int64()))
    for f in _RESIDUAL_SCHEMA:
        if f.name != "uri":
            schema = schema.append(f)
    table = pa.Table.from_pylist(rows, schema=schema)
    objects = spark.createDataFrame(table).cache()
    copies = objects.where(F.col("redacted_uri").isNotNull()).cache()
    return {"findings": findings, "objects": objects, "redacted_copies": copies}


# ------------------------------------------------------------------------- running
def validate(
    out: str,
    scan_id: str | None = None,
    *,
    spark: Any = None,
    master: str | None = None,
    conf_dir: str | None = None,
    policy_path: str | None = None,
    threshold: float | None = None,
    engine: str = DEFAULT_ENGINE,
    suites_dir: str | None = None,
    docs: bool = True,
) -> ValidationOutcome:
    """Validate one committed scan; write ``results.json`` and ``data_docs/`` under
    ``OUT/validation/<scan_id>/``. Uses the detectors and policy the scan used: pass the
    same ``conf_dir``, ``policy_path`` and ``threshold``. ``engine`` is the kind of detector
    engine that runs the preview check and the residual scan ("native" or "python")."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    s3 = storage.S3Settings.from_env()
    out = storage.parse_uri(out).uri
    summary = resolve_scan(out, scan_id, s3)
    scan_id = summary["scan_id"]
    policy = Policy.load(policy_path) if policy_path else Policy.default()
    if threshold is not None:
        policy = policy.with_threshold(threshold)
    detector_engine = load_engine(
        Path(conf_dir) if conf_dir else None, policy.threshold, engine=engine
    )
    policy.check_entities(detector_engine.entity_types)
    suites = load_suites(Path(suites_dir) if suites_dir else default_suites_dir(conf_dir))
    ignore = frozenset(
        a for s in suites for a in s.meta.get("residual_scan", {}).get("ignore_actions", ["keep"])
    )
    parameters = {
        "scan_ids": [scan_id],
        "entity_types": sorted(
            set(VOCABULARY) | detector_engine.entity_types | policy_entities(policy)
        ),
        "summary_objects": summary.get("objects", 0),
    }

    from jobs.spark import session

    spark = spark or session(master)
    sc = spark.sparkContext
    sc.setJobGroup(f"piisweep-validate-{scan_id}", f"piisweep validate {scan_id}")
    job = ResidualJob(detector_engine, policy, KeyRing.load(), ignore, s3)
    batches = build_batches(spark, out, summary, job)
    try:
        results = _run_suites(suites, batches, parameters)
    finally:
        for df in batches.values():
            df.unpersist()
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setJobDescription(None)

    failures = [f for name, res in results for f in _failures(name, res)]
    doc = {
        "scan_id": scan_id,
        "out": out,
        "validated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "success": all(res["success"] for _, res in results),
        "parameters": {k: v for k, v in parameters.items()},
        "failures": [f.message() for f in failures],
        "suites": {name: res for name, res in results},
    }
    base = f"{out}/validation/{scan_id}"
    results_uri = f"{base}/results.json"
    storage.write_bytes(
        json.dumps(doc, indent=2, sort_keys=True, default=str).encode() + b"\n", results_uri, s3
    )
    docs_uri = _data_docs(suites, results, f"{base}/data_docs", s3) if docs else None
    outcomes = [
        SuiteOutcome(
            name,
            res["success"],
            res["statistics"]["evaluated_expectations"],
            res["statistics"]["successful_expectations"],
        )
        for name, res in results
    ]
    return ValidationOutcome(
        scan_id, out, doc["success"], outcomes, failures, results_uri, docs_uri, doc
    )


def _context(mode: str, root: str | None = None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = (
        gx.get_context(mode="file", project_root_dir=root)
        if mode == "file"
        else gx.get_context(mode="ephemeral")
    )
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _run_suites(
    suites: list[Suite], batches: dict[str, Any], parameters: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Run every suite on its batch with GX's Spark data source; results scrubbed of values.

    Two passes: every expectation with ``BOOLEAN_ONLY`` (GX bundles their aggregates into a
    few Spark jobs), then the failed ones again with ``SUMMARY`` and the batch's location
    columns, so only failures pay for the jobs that find unexpected rows."""
    ctx = _context("ephemeral")
    source = ctx.data_sources.add_spark("piisweep", persist=False)
    results = []
    for suite in suites:
        expectations = suite.doc.get("expectations", [])
        doc, ids = _run_one(ctx, source, suite, expectations, batches, parameters, "BOOLEAN_ONLY")
        order = [ids.index(item["expectation_config"]["id"]) for item in doc["results"]]
        failed = [i for i, item in zip(order, doc["results"], strict=True) if not item["success"]]
        if failed:
            detail, detail_ids = _run_one(
                ctx,
                source,
                suite,
                [expectations[i] for i in failed],
                batches,
                parameters,
                {
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": 20,
                    "unexpected_index_column_names": LOCATION_COLUMNS[suite.batch],
                },
                tag="details",
            )
            by_index = {
                failed[detail_ids.index(item["expectation_config"]["id"])]: item
                for item in detail["results"]
            }
            doc["results"] = [
                by_index.get(i, item) for i, item in zip(order, doc["results"], strict=True)
            ]
        results.append((suite.name, scrub(doc)))
    return results


def _run_one(
    ctx: Any,
    source: Any,
    suite: Suite,
    expectations: list[dict[str, Any]],
    batches: dict[str, Any],
    parameters: dict[str, Any],
    result_format: Any,
    tag: str = "all",
) -> tuple[dict[str, Any], list[str]]:
    """One GX run of ``expectations`` on the suite's batch: the result as JSON and the ids
    GX gave the expectations, in the order given."""
    import great_expectations as gx

    name = f"{suite.name}-{tag}"
    definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("scan")
    gx_suite = ctx.suites.add(
        gx.ExpectationSuite(name=name, expectations=expectations, meta=suite.doc.get("meta"))
    )
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=definition, suite=gx_suite)
    )
    result = vd.run(
        batch_parameters={"dataframe": batches[suite.batch]},
        expectation_parameters=parameters,
        result_format=result_format,
    )
    doc = result.to_json_dict()
    doc["suite_name"] = suite.name
    return doc, [str(e.id) for e in gx_suite.expectations]


def _columns(kwargs: dict[str, Any]) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return []


def scrub(result: dict[str, Any]) -> dict[str, Any]:
    """A suite result with no value of a non-printable column: unexpected values, observed
    values and the value part of index lists are removed; locations and counts stay."""
    for item in result.get("results", []):
        config = item.get("expectation_config", {})
        columns = _columns(config.get("kwargs", {}))
        printable = config.get("type") in STRUCTURAL or all(c in PRINTABLE for c in columns)
        res = item.get("result") or {}
        if not printable:
            for key in (*_KEYS_WITH_VALUES, "observed_value"):
                res.pop(key, None)
        for key in ("partial_unexpected_index_list", "unexpected_index_list"):
            if key in res:
                res[key] = [_scrub_index(entry) for entry in res[key] or []]
        res.pop("unexpected_rows", None)
        item["result"] = res
        info = item.get("exception_info") or {}
        if info.get("exception_traceback"):
            info["exception_traceback"] = None  # may quote data; the message stays
    return result


def _scrub_index(entry: Any) -> Any:
    if isinstance(entry, dict):
        return {k: v for k, v in entry.items() if k in PRINTABLE}
    return None


def _locations(res: dict[str, Any]) -> list[str]:
    """Row locations from a (scrubbed) index list: object URI, line, record."""
    out: list[str] = []
    for entry in res.get("partial_unexpected_index_list") or []:
        if not isinstance(entry, dict):
            continue
        if entry and all(isinstance(v, list) for v in entry.values()):  # Spark: columnar
            keys = list(entry)
            rows = [
                dict(zip(keys, vals, strict=True)) for vals in zip(*entry.values(), strict=True)
            ]
        else:
            rows = [entry]
        for row in rows:
            text = _location(row)
            if text and text not in out:
                out.append(text)
    return out[:MAX_LOCATIONS]


def _location(row: dict[str, Any]) -> str:
    where = row.get("source_uri") or row.get("uri") or row.get("redacted_uri") or ""
    parts = [str(where)]
    if row.get("line_number") is not None:
        parts.append(f"line {row['line_number']}")
    if row.get("record_index") is not None:
        parts.append(f"record {row['record_index']}")
    if row.get("residual_at"):
        parts.append(f"({row['residual_at']})")
    return " ".join(p for p in parts if p)


def _failures(suite: str, result: dict[str, Any]) -> list[Failure]:
    failures = []
    for item in result.get("results", []):
        if item.get("success"):
            continue
        config = item.get("expectation_config", {})
        kwargs = config.get("kwargs", {})
        res = item.get("result") or {}
        columns = _columns(kwargs)
        info = item.get("exception_info") or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        values: list[Any] = []
        if config.get("type") in STRUCTURAL or all(c in PRINTABLE for c in columns):
            for v in res.get("partial_unexpected_list") or []:
                if v not in values:
                    values.append(v)
        failures.append(
            Failure(
                suite=suite,
                expectation=config.get("type", "?"),
                columns=columns,
                description=config.get("description"),
                unexpected=res.get("unexpected_count"),
                total=res.get("element_count"),
                values=values[:MAX_LOCATIONS],
                locations=_locations(res),
                observed=res.get("observed_value") if "unexpected_count" not in res else None,
                error=error.splitlines()[0][:200] if error else None,
            )
        )
    return failures


def _data_docs(
    suites: list[Suite],
    results: list[tuple[str, dict[str, Any]]],
    dest: str,
    s3: storage.S3Settings,
) -> str:
    """GX Data Docs for the scrubbed results, built in a file context in a temp dir and
    copied to ``dest`` through storage; returns the index page's URI."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    tmp = tempfile.mkdtemp(prefix="piisweep-gx-")
    try:
        ctx = _context("file", tmp)
        run_id = RunIdentifier(run_name="piisweep", run_time=dt.datetime.now(dt.timezone.utc))
        for suite, (name, res) in zip(suites, results, strict=True):
            ctx.suites.add(
                gx.ExpectationSuite(
                    name=name,
                    expectations=suite.doc.get("expectations", []),
                    meta=suite.doc.get("meta"),
                )
            )
            result = ExpectationSuiteValidationResult(**_result_kwargs(res, run_id))
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                run_id=run_id,
                batch_identifier=suite.batch,
            )
            ctx.validation_results_store.set(key, result)
        ctx.build_data_docs()
        site = Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site"
        storage.delete_tree(dest, s3)  # the site of an earlier validation of this scan
        for path in sorted(site.rglob("*")):
            if path.is_file():
                rel = path.relative_to(site).as_posix()
                storage.write_file(str(path), f"{dest}/{rel}", s3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return f"{dest}/index.html"


def _result_kwargs(res: dict[str, Any], run_id: Any) -> dict[str, Any]:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    items = []
    for item in res.get("results", []):
        config = dict(item["expectation_config"])
        result = dict(item.get("result") or {})
        if config["type"] == "expect_table_columns_to_match_ordered_list" and item["success"]:
            # a BOOLEAN_ONLY result has no observed value; the page renderer orders the
            # columns by it, and on success it is the expected list
            result.setdefault("observed_value", config["kwargs"]["column_list"])
        items.append(
            ExpectationValidationResult(
                success=item["success"],
                expectation_config=ExpectationConfiguration(
                    type=config["type"],
                    kwargs=config.get("kwargs", {}),
                    meta=config.get("meta"),
                    description=config.get("description"),
                ),
                result=result,
                meta=item.get("meta"),
                exception_info=item.get("exception_info"),
            )
        )
    return {
        "success": res["success"],
        "results": items,
        "suite_name": res.get("suite_name"),
        "statistics": res.get("statistics"),
        "meta": {
            **{k: v for k, v in (res.get("meta") or {}).items() if k != "run_id"},
            "run_id": run_id,
        },
    }
