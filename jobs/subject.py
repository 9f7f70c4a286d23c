"""Data subjects in the findings table: every location of one person (GDPR access and
erasure requests) and the table of all exposed subjects (fraud step-up verification).

    piisweep subject OUT --phone "+91 98765 43210" --email asha@x.in [--erase-plan PLAN]
    piisweep exposure OUT [--output PATH]

Identifiers are normalised and fingerprinted exactly as the scan fingerprints what it
finds (``detectors.normalize.fingerprint`` under the deployment's fingerprint key), so
``+91 98765 43210``, ``09876543210`` and ``9876543210`` are one subject. Only committed
scans are read (``OUT/scans/<scan_id>.json`` exists). Nothing here prints, logs or writes a
raw identifier: identifiers are echoed as masked previews, and errors describe what was
expected, never what was given.

A location is *current* when its scan is the latest committed scan that covered its
object (an ``unchanged`` manifest row points at the scan that last read it); locations in
objects rescanned since without the subject are history, kept for the access report but
left out of the erasure plan.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from detectors.entities import IDENTIFIER_OPTIONS
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from detectors.operators import preview
from jobs import commit, storage
from jobs.parts import conform, parts_frame

# What each identifier must look like; checked so a typo fails loudly instead of finding
# nothing. Messages say what was expected, never echo the value.
_SHAPES = {
    "PHONE_NUMBER": (re.compile(r"\+?[\d\s().\-]{7,20}"), "a phone number (7-15 digits)"),
    "EMAIL_ADDRESS": (re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"), "an e-mail address"),
    "IN_AADHAAR": (re.compile(r"\d{4}[\s\-]?\d{4}[\s\-]?\d{4}"), "12 digits"),
    "IN_PAN": (re.compile(r"[A-Za-z]{5}\d{4}[A-Za-z]"), "a PAN (ABCDE1234F)"),
    "IN_PASSPORT": (re.compile(r"[A-Za-z]\s?\d{7}"), "a passport number (A1234567)"),
    "IN_UPI_ID": (re.compile(r"[\w.\-]{2,256}@[A-Za-z][\w]{1,64}"), "a UPI id (name@bank)"),
    "CREDIT_CARD": (re.compile(r"[\d\s\-]{12,23}"), "a card number"),
}
_ANY_ENTITY = re.compile(r"[A-Z][A-Z0-9_]*")
_HEX64 = re.compile(r"[0-9a-f]{64}")

# Entity types that identify a person on their own: what a fraud team joins on.
EXPOSURE_ENTITIES = (
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IN_AADHAAR",
    "IN_PAN",
    "IN_PASSPORT",
    "IN_UPI_ID",
    "IN_VOTER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "DEVICE_ID",
)
MAX_SOURCES = 20
LOCATION_COLUMNS = (
    "scan_id",
    "scan_date",
    "source_uri",
    "line_number",
    "record_index",
    "field_path",
    "char_start",
    "char_end",
    "entity_type",
    "detector",
    "action",
    "preview",
    "fingerprint",
)
EXPOSURE_SCHEMA = pa.schema(
    [
        ("fingerprint", pa.string()),
        ("entity_types", pa.list_(pa.string())),
        ("first_seen", pa.date32()),
        ("last_seen", pa.date32()),
        ("sources", pa.list_(pa.string())),
        ("source_count", pa.int64()),
        ("count", pa.int64()),
    ]
)


class SubjectError(PiisweepError):
    """A lookup cannot run: a malformed identifier, an output without committed scans."""


# ------------------------------------------------------------------------- identifiers
@dataclass(frozen=True)
class Identifier:
    """One identifier of the subject, as fingerprints (the canonical one first, then the
    other spellings the scan's normalisation keeps apart) and a masked preview."""

    entity_type: str
    fingerprints: tuple[str, ...]
    preview: str

    def __repr__(self) -> str:
        return f"Identifier({self.entity_type}, {self.preview})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "preview": self.preview,
            "fingerprint": self.fingerprints[0],
        }


def identifier(entity_type: str, value: str, keys: KeyRing) -> Identifier:
    """The fingerprints of ``value`` as an ``entity_type``; SubjectError if it does not
    have that entity's shape (the message does not contain the value)."""
    value = value.strip()
    shape = _SHAPES.get(entity_type)
    if shape is not None and not shape[0].fullmatch(value):
        raise SubjectError(f"{entity_type}: the value given is not {shape[1]}")
    if not value:
        raise SubjectError(f"{entity_type}: empty value")
    fp = fingerprint(entity_type, value, keys.fingerprint_key)
    return Identifier(entity_type, (fp,), preview(value, entity_type))


def read_identifier_file(text: str) -> list[tuple[str, str]]:
    """``ENTITY_TYPE=value`` or ``option=value`` (``phone=…``) per line; ``#`` comments.
    Keeps identifiers out of the process list and shell history."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        entity = IDENTIFIER_OPTIONS.get(name.lower(), name)
        if not sep or not _ANY_ENTITY.fullmatch(entity):
            raise SubjectError(
                f"identifier file line {number}: expected ENTITY_TYPE=value or "
                f"{'|'.join(IDENTIFIER_OPTIONS)}=value"
            )
        pairs.append((entity, value))
    return pairs


# ------------------------------------------------------------------------- reading OUT
def _committed(out: str, s3: storage.S3Settings) -> list[dict[str, Any]]:
    docs = commit.committed_scans(out, s3)
    if not docs:
        raise SubjectError(f"no committed scan under {out} (no scans/<scan_id>.json)")
    return docs


def _committed_ids(out: str, s3: storage.S3Settings) -> list[str]:
    return [d["scan_id"] for d in _committed(out, s3)]


def _findings(out: str, s3: storage.S3Settings, scan_ids: Sequence[str]) -> ds.Dataset | None:
    """The committed findings of ``scan_ids``: only the parts their summaries list, never
    every file under ``findings/`` (a run that lost its lock can leave parts carrying a
    committed scan id that its summary does not vouch for)."""
    wanted = set(scan_ids)
    uris = [
        uri
        for doc in commit.committed_scans(out, s3)
        if doc["scan_id"] in wanted
        for uri in commit.findings_files(out, doc, s3)
    ]
    if not uris:
        return None
    loc = storage.parse_uri(f"{out.rstrip('/')}/findings")
    fs, base = storage.filesystem(loc, s3)
    paths = [storage.filesystem(storage.parse_uri(u), s3)[1] for u in uris]
    partitioning = ds.partitioning(pa.schema([("scan_date", pa.string())]), flavor="hive")
    return ds.dataset(
        paths, filesystem=fs, format="parquet", partitioning=partitioning, partition_base_dir=base
    )


def _read(
    out: str,
    s3: storage.S3Settings,
    columns: Sequence[str],
    scan_ids: Sequence[str],
    extra: ds.Expression | None = None,
) -> pa.Table:
    data = _findings(out, s3, scan_ids)
    if data is None:
        return pa.table({c: pa.array([], pa.string()) for c in columns})
    condition = pc.field("scan_id").isin(list(scan_ids))
    if extra is not None:
        condition = condition & extra
    return data.to_table(columns=list(columns), filter=condition, use_threads=False)


def _manifest_rows(
    out: str, s3: storage.S3Settings, scan_ids: Sequence[str], uris: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """For each uri: the scan whose findings describe it now, that scan's redacted copy
    and record count, from the manifests of the committed scans (oldest first)."""
    wanted = sorted(set(uris))
    state: dict[str, dict[str, Any]] = {}
    copies: dict[tuple[str, str], tuple[str | None, int | None]] = {}
    if not wanted:
        return state
    for scan_id in scan_ids:
        uri = f"{out.rstrip('/')}/manifests/{scan_id}.parquet"
        if not storage.exists(uri, s3):
            continue
        table = pq.read_table(
            storage.open_input(uri, s3),
            columns=["uri", "status", "redacted_uri", "records", "last_scanned_by"],
            filters=pc.field("uri").isin(wanted),
        )
        for row in table.to_pylist():
            effective = row["last_scanned_by"] or scan_id
            if row["status"] != "unchanged":
                copies[(effective, row["uri"])] = (row["redacted_uri"], row["records"])
            redacted, records = copies.get((effective, row["uri"]), (None, None))
            state[row["uri"]] = {
                "scan_id": effective,
                "status": row["status"],
                "redacted_uri": redacted,
                "records": records,
            }
    return state


# ------------------------------------------------------------------------- lookup
@dataclass
class Lookup:
    identifiers: list[Identifier]
    scans: list[str]
    locations: list[dict[str, Any]]
    objects: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        current = [o for o in self.objects if o["current_locations"]]
        return {
            "identifiers": [i.as_dict() for i in self.identifiers],
            "scans_searched": self.scans,
            "found": bool(self.locations),
            "objects": self.objects,
            "objects_holding_subject_now": len(current),
            "locations": self.locations,
        }

    def erase_plan(self, out: str) -> dict[str, Any]:
        """The objects an erasure request has to rewrite (or delete, when every record in
        them holds the subject), with their redacted copies; history apart."""
        plan = []
        for obj in self.objects:
            if not obj["current_locations"]:
                continue
            whole = obj["records"] is not None and obj["records_with_subject"] >= obj["records"]
            plan.append(
                {
                    "uri": obj["uri"],
                    "redacted_uri": obj["redacted_uri"],
                    "action": "delete" if whole else "rewrite",
                    "locations": obj["current_locations"],
                    "records_with_subject": obj["records_with_subject"],
                    "records": obj["records"],
                    "entity_types": obj["entity_types"],
                    "scan_id": obj["current_scan"],
                    "scans": obj["scans"],
                }
            )
        return {
            "out": out,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "identifiers": [i.as_dict() for i in self.identifiers],
            "scans_searched": self.scans,
            "objects": plan,
            "superseded": [
                {"uri": o["uri"], "scans": o["scans"]}
                for o in self.objects
                if not o["current_locations"]
            ],
        }


def lookup(out: str, identifiers: Sequence[Identifier], s3: storage.S3Settings) -> Lookup:
    """Every committed location of the subject's identifiers under ``out``."""
    if not identifiers:
        raise SubjectError("give at least one identifier (--phone, --email, ... or --from-file)")
    scan_ids = _committed_ids(out, s3)
    by_fp = {fp: ident for ident in identifiers for fp in ident.fingerprints}
    table = _read(out, s3, LOCATION_COLUMNS, scan_ids, pc.field("fingerprint").isin(sorted(by_fp)))
    rows = [r for r in table.to_pylist() if by_fp[r["fingerprint"]].entity_type == r["entity_type"]]
    state = _manifest_rows(out, s3, scan_ids, (r["source_uri"] for r in rows))
    order = {s: i for i, s in enumerate(scan_ids)}
    rows.sort(
        key=lambda r: (
            r["source_uri"],
            order[r["scan_id"]],
            r["line_number"] or 0,
            r["record_index"] or 0,
            r["field_path"] or "",
            r["char_start"],
        )
    )
    by_object: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        r["current"] = state.get(r["source_uri"], {}).get("scan_id") == r["scan_id"]
        r["subject_fingerprint"] = by_fp[r["fingerprint"]].fingerprints[0]
        by_object[r["source_uri"]].append(r)
    objects = []
    for uri, found in by_object.items():
        info = state.get(uri, {})
        current = [r for r in found if r["current"]]
        objects.append(
            {
                "uri": uri,
                "redacted_uri": info.get("redacted_uri"),
                "current_scan": info.get("scan_id"),
                "current_locations": len(current),
                "records_with_subject": len(
                    {(r["record_index"], r["line_number"]) for r in current}
                ),
                "records": info.get("records"),
                "locations": len(found),
                "entity_types": sorted({r["entity_type"] for r in found}),
                "scans": sorted({r["scan_id"] for r in found}, key=order.__getitem__),
            }
        )
    return Lookup(list(identifiers), scan_ids, rows, objects)


def locations_csv(result: Lookup) -> str:
    buf = io.StringIO()
    columns = [*LOCATION_COLUMNS, "current"]
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(result.locations)
    return buf.getvalue()


# ------------------------------------------------------------------------- exposure
_LOCATION = (
    "fingerprint",
    "entity_type",
    "source_uri",
    "line_number",
    "record_index",
    "field_path",
    "char_start",
)
#: rows per row group of the written table; the driver holds about this many at a time
WRITE_ROWS = 65_536


def exposure_frame(
    spark: Any,
    out: str,
    s3: storage.S3Settings,
    entities: Sequence[str] | None = EXPOSURE_ENTITIES,
    max_sources: int = MAX_SOURCES,
) -> Any:
    """One row per exposed value (fingerprint) in the committed findings, as a Spark
    DataFrame sorted by fingerprint: its entity types, the first and last scan dates it was
    seen, up to ``max_sources`` source URIs (sorted) and how many there are, and ``count``,
    its distinct locations (the same location found again by a later scan counts once).
    ``entities=None``: every type.

    The grouping runs on the executors: the findings of every committed scan can be far
    larger than the driver (it used to group them all with pyarrow there). The driver
    lists the parts the summaries name and nothing else; S3 and HDFS parts are read by the
    executors through pyarrow (:func:`jobs.parts.read_parts`)."""
    from pyspark.sql import functions as F

    if max_sources < 0:
        raise SubjectError("max_sources must be 0 or more")
    docs = _committed(out, s3)
    uris = [uri for doc in docs for uri in commit.findings_files(out, doc, s3)]
    if not uris:
        return spark.createDataFrame([], _spark_schema(EXPOSURE_SCHEMA))
    # scan_date is the hive partition of the parts' paths, not a column in them; every
    # scan writes its parts under its summary's scan_date.
    dates = F.create_map(*[F.lit(x) for d in docs for x in (d["scan_id"], d["scan_date"])])
    findings = parts_frame(spark, uris, s3)
    condition = F.col("scan_id").isin([d["scan_id"] for d in docs])
    if entities is not None:
        condition = condition & F.col("entity_type").isin(list(entities))
    places = (
        findings.where(condition)
        .withColumn("scan_date", F.to_date(F.element_at(dates, F.col("scan_id"))))
        .groupBy(*_LOCATION)
        .agg(F.min("scan_date").alias("first"), F.max("scan_date").alias("last"))
    )
    return (
        places.groupBy("fingerprint")
        .agg(
            F.sort_array(F.collect_set("entity_type")).alias("entity_types"),
            F.min("first").alias("first_seen"),
            F.max("last").alias("last_seen"),
            F.slice(F.sort_array(F.collect_set("source_uri")), 1, max_sources).alias("sources"),
            F.count_distinct("source_uri").alias("source_count"),
            F.count("fingerprint").alias("count"),
        )
        .orderBy("fingerprint")
    )


def exposure_batches(frame: Any) -> Iterator[pa.RecordBatch]:
    """The rows of :func:`exposure_frame`, in order, as Arrow batches of
    ``EXPOSURE_SCHEMA``, fetched one partition at a time: the driver never holds the whole
    table (``toArrow`` would). Executors send each batch as one Arrow IPC stream."""

    def serialize(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            sink = pa.BufferOutputStream()
            conformed = conform(batch, EXPOSURE_SCHEMA)
            with pa.ipc.new_stream(sink, EXPOSURE_SCHEMA) as writer:
                writer.write_batch(conformed)
            ipc = pa.array([sink.getvalue().to_pybytes()], pa.binary())
            yield pa.RecordBatch.from_arrays([ipc], names=["ipc"])

    for row in frame.mapInArrow(serialize, "ipc binary").toLocalIterator():
        yield from pa.ipc.open_stream(pa.py_buffer(row["ipc"]))


def exposure_table(
    out: str,
    s3: storage.S3Settings,
    entities: Sequence[str] | None = EXPOSURE_ENTITIES,
    max_sources: int = MAX_SOURCES,
    spark: Any = None,
) -> pa.Table:
    """:func:`exposure_frame` as one Arrow table, for notebooks and tests (on ``spark``,
    default a session as ``piisweep`` starts one). The whole table is in memory: to write
    it, :func:`write_exposure` streams it instead."""
    from jobs.spark import session

    frame = exposure_frame(spark or session(), out, s3, entities, max_sources)
    return pa.Table.from_batches(list(exposure_batches(frame)), schema=EXPOSURE_SCHEMA)


def write_exposure(
    out: str,
    dest: str,
    s3: storage.S3Settings,
    entities: Sequence[str] | None = EXPOSURE_ENTITIES,
    max_sources: int = MAX_SOURCES,
    spark: Any = None,
) -> int:
    """Write the exposure table to ``dest`` (one Parquet file) and return its row count.
    The driver holds about ``WRITE_ROWS`` rows at a time: the rows arrive one partition at
    a time and go to a local file row group by row group, which is then uploaded."""
    from jobs.spark import session

    frame = exposure_frame(spark or session(), out, s3, entities, max_sources)
    rows = 0
    with tempfile.TemporaryDirectory(prefix="piisweep-exposure-") as tmp:
        path = os.path.join(tmp, "exposure.parquet")
        with pq.ParquetWriter(path, EXPOSURE_SCHEMA, compression="zstd") as writer:
            pending: list[pa.RecordBatch] = []
            held = 0
            for batch in exposure_batches(frame):
                pending.append(batch)
                held += batch.num_rows
                if held >= WRITE_ROWS:
                    writer.write_table(pa.Table.from_batches(pending, EXPOSURE_SCHEMA))
                    rows, pending, held = rows + held, [], 0
            if pending:
                writer.write_table(pa.Table.from_batches(pending, EXPOSURE_SCHEMA))
                rows += held
        storage.write_file(path, storage.parse_uri(dest).uri, s3)
    return rows


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def default_exposure_uri(out: str, s3: storage.S3Settings) -> str:
    """``OUT/exposure/<latest committed scan id>.parquet``: the exposure as of that scan."""
    return f"{out.rstrip('/')}/exposure/{_committed_ids(out, s3)[-1]}.parquet"


def write_text(text: str, uri: str, s3: storage.S3Settings) -> None:
    storage.write_bytes(text.encode("utf-8"), storage.parse_uri(uri).uri, s3)


def to_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
