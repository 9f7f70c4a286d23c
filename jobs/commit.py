"""Turning staged task outputs into the scan's visible outputs, once every unit has a status.

Tasks stage under ``OUT/_staging/<scan_id>/`` with names fixed by the plan, so a retried
or speculative attempt overwrites its own earlier attempt instead of adding rows. Only the
commit writes under ``findings/``, ``redacted/``, ``manifests/`` and ``scans/``, and
``scans/<scan_id>.json`` is written last: a scan is committed when, and only when, that
file exists (``committed_scans`` is what readers should trust).

Byte-range units number their lines from 1 and their records from 0; the commit adds the
lines and the records of the earlier ranges of the same object to findings, and the lines
to the ``line_number`` of text and JSON Lines copies as their parts are merged. The two
offsets differ for CSV/TSV: a record may span lines, and the header is a line but no
record. A CSV copy has no line numbers; its parts are concatenated.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jobs import storage
from jobs.findings import FINDINGS_WRITE, arrow_schema, final_findings
from jobs.storage import S3Settings, Sse, parse_uri

MANIFEST_SCHEMA = pa.schema(
    [
        ("scan_id", pa.string()),
        ("uri", pa.string()),
        ("size", pa.int64()),
        ("mtime_ms", pa.int64()),
        ("etag", pa.string()),
        ("format", pa.string()),
        ("compression", pa.string()),
        ("status", pa.string()),
        ("error_class", pa.string()),
        ("reason", pa.string()),
        ("units", pa.int64()),
        ("records", pa.int64()),
        ("findings", pa.int64()),
        ("flags", pa.string()),
        ("redacted_uri", pa.string()),
        ("last_scanned_by", pa.string()),
    ]
)


# The longest file name local filesystems and HDFS accept, in bytes.
NAME_MAX = 255


def redacted_uri(root: str, source_uri: str) -> str:
    """Where the copy of ``source_uri`` goes: the source's scheme, host or bucket and path
    mirrored under ``root``, plus ``.parquet`` (``s3://b/logs/a.gz`` →
    ``root/s3/b/logs/a.gz.parquet``), so several sources never collide."""
    loc = parse_uri(source_uri)
    parts = [loc.scheme] + ([loc.netloc.replace(":", "_")] if loc.netloc else [])
    return "/".join([root.rstrip("/"), *parts, loc.path.strip("/") + ".parquet"])


def unsafe_reason(root: str, source_uri: str) -> str | None:
    """Why the copy of ``source_uri`` cannot go under ``root``, or None when it can.

    S3 keys are kept literally, so ``a/../../etc/x`` or ``a//b`` would, under a local or
    HDFS root, normalise to a path outside ``root`` or onto another object's copy. The
    copy's path is proven inside: no ``.``, ``..`` or empty segment below ``root``, and
    the normalised path still starts with ``root/``."""
    loc = parse_uri(source_uri)
    segments = loc.path.strip("/").split("/")
    if any(seg in ("", ".", "..") for seg in segments) or loc.path.endswith("/"):
        return "unsafe key: a '.', '..' or empty path segment cannot be mirrored under the output"
    dest = parse_uri(redacted_uri(root, source_uri))
    # An S3 key segment may hold 1,024 bytes; a local or HDFS file name 255 (ENAMETOOLONG
    # failed the whole commit). Checked on the copy's own segments, ``.parquet`` included.
    below = dest.path[len(parse_uri(root).path.rstrip("/")) :]
    if any(len(seg.encode("utf-8", "surrogateescape")) > NAME_MAX for seg in below.split("/")):
        return f"unsafe key: a path segment of its redacted copy exceeds {NAME_MAX} bytes"
    base = parse_uri(root)
    path = posixpath.normpath(dest.path)
    inside = (dest.scheme, dest.netloc) == (base.scheme, base.netloc) and path.startswith(
        base.path.rstrip("/") + "/"
    )
    if not inside or path != dest.path:
        return "unsafe key: its redacted copy would fall outside the output"
    return None


def colliding(dests: dict[str, str]) -> set[str]:
    """The keys of ``dests`` (source uri -> copy uri) whose copy's path is a directory of
    another copy's path, or under another copy's path: S3 holds both ``x`` and
    ``x.parquet/y``, but their copies ``…/x.parquet`` (a file) and ``…/x.parquet/y.parquet``
    (which needs ``…/x.parquet`` as a directory) cannot both exist on a local or HDFS root,
    and the second write failed the whole commit (EEXIST). Both sides are returned, so the
    outcome does not depend on which object is written first."""
    by_dest = {dest: uri for uri, dest in dests.items()}
    clash: set[str] = set()
    for uri, dest in dests.items():
        parent = dest.rsplit("/", 1)[0]
        while parent and "/" in parent:
            other = by_dest.get(parent)
            if other is not None:
                clash.update((uri, other))
            parent = parent.rsplit("/", 1)[0]
    return clash


# Formats whose copies number their lines (``line_number``): their merged parts are shifted.
LINE_COPIES = ("text", "jsonl")


def unit_offsets(statuses: Sequence[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """unit_id -> (lines, records) in the earlier ranges of its object, for byte-range
    units after the first (Parquet units carry their record offset from the plan)."""
    by_uri: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in statuses:
        if row["parts"] > 1 and row["fmt"] != "parquet":
            by_uri[row["uri"]].append(row)
    offsets: dict[str, tuple[int, int]] = {}
    for rows in by_uri.values():
        lines = records = 0
        for row in sorted(rows, key=lambda r: r["seq"]):
            if lines or records:
                offsets[row["unit_id"]] = (lines, records)
            lines += row["lines"]
            records += row["records"]
    return offsets


def line_offsets(statuses: Sequence[dict[str, Any]]) -> dict[str, int]:
    """unit_id -> lines in the earlier ranges of its object, for units after the first."""
    return {u: lines for u, (lines, _) in unit_offsets(statuses).items() if lines}


def staged_findings(staging: str, partition: int, renumber: bool = False) -> str:
    """Where a scan task stages its partition's findings: ``part-<p>`` in the table's own
    form, ``renumber-<p>`` for those of byte ranges after their object's first."""
    return f"{staging}/findings/{'renumber' if renumber else 'part'}-{partition:05d}.parquet"


def findings_part_name(dest_dir: str, scan_id: str, attempt: str, n: int) -> str:
    """Where the commit puts findings part ``n`` (the attempt keeps a crashed run's parts
    apart)."""
    return f"{dest_dir}/part-{scan_id}-{attempt}-{n:05d}.parquet"


def move_findings_part(uri: str, dest: str, s3: S3Settings, sse: Sse | None) -> str | None:
    """A part a task staged in the table's own form (``scan_id`` set, no unit to renumber),
    moved to ``dest``: a rename, or an S3 server-side copy, where rewriting it cost a read
    and a zstd write of every finding. None when it holds no rows. A retried commit task
    that finds the part already moved takes the moved file."""
    try:
        source = storage.open_input(uri, s3)
    except storage.StorageError:
        if storage.exists(dest, s3):
            return dest
        raise
    try:
        rows = pq.ParquetFile(source).metadata.num_rows
    finally:
        source.close()
    if rows == 0:
        return None
    storage.move(uri, dest, s3, sse)
    return dest


def finalize_findings_part(
    uri: str,
    dest: str,
    offsets: dict[str, tuple[int, int]],
    scan_id: str,
    s3: S3Settings,
    sse: Sse | None,
) -> str | None:
    """A part a task staged with ``unit_id`` (findings of byte ranges after their object's
    first), rewritten to ``dest`` in the table's form with absolute line numbers and record
    indexes (``offsets``: :func:`unit_offsets`); None when it is empty. Streams in batches,
    so memory stays bounded by a batch, not a part."""
    source = pq.ParquetFile(storage.open_input(uri, s3))
    if source.metadata.num_rows == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="piisweep-findings-") as tmp:
        path = os.path.join(tmp, "part.parquet")
        with pq.ParquetWriter(path, arrow_schema(), **FINDINGS_WRITE) as writer:
            for batch in source.iter_batches(batch_size=65536, use_threads=False):
                table = pa.Table.from_batches([batch])
                if offsets:
                    table = _shift(table, offsets)
                writer.write_table(final_findings(table, scan_id))
        storage.move_file(path, dest, s3, sse)
    return dest


def _shift(table: pa.Table, offsets: dict[str, tuple[int, int]]) -> pa.Table:
    """Add each row's unit offsets: the lines of the earlier ranges to ``line_number``, their
    records to ``record_index`` (where set: a JSON Lines line, a CSV record; null stays
    null, like the line and record of a CSV header cell). The offsets are looked up once per
    unit and spread by its dictionary indexes: a lookup per finding cost ~0.2 µs each."""
    encoded = pc.dictionary_encode(table.column("unit_id")).combine_chunks()
    units = encoded.dictionary.to_pylist()
    for column, k in (("line_number", 0), ("record_index", 1)):
        per_unit = pa.array([offsets.get(u, (0, 0))[k] for u in units], pa.int64())
        shift = pc.fill_null(per_unit.take(encoded.indices), 0)
        i = table.schema.get_field_index(column)
        table = table.set_column(i, column, pc.add(table.column(column), shift))
    return table


def finalize_object_or_reason(
    parts: Sequence[tuple[str, int]], dest: str, s3: S3Settings, sse: Sse | None
) -> str | None:
    """:func:`finalize_object`, returning why it failed instead of raising: one copy that
    cannot be written (its path taken by a directory an earlier scan left, a store error)
    is that object's failure, not the scan's. The reason holds an error code or class, never
    a path or a library message (which could quote the key)."""
    try:
        finalize_object(parts, dest, s3, sse)
    except Exception as exc:
        # A StorageError's reason is a short code unless none was given (then it is the
        # message, which names the uri): take only the former.
        code = None
        if isinstance(exc, storage.StorageError) and exc.reason != str(exc):
            code = exc.reason
        return f"redacted copy could not be written: {code or type(exc).__name__}"
    return None


def finalize_object(
    parts: Sequence[tuple[str, int]], dest: str, s3: S3Settings, sse: Sse | None
) -> None:
    """The redacted copy of one object from its staged parts ``(uri, line offset)``, in
    order: moved when there is one part to leave as it is, merged otherwise."""
    if len(parts) == 1 and parts[0][1] == 0:
        storage.move(parts[0][0], dest, s3, sse)
        return
    with tempfile.TemporaryDirectory(prefix="piisweep-merge-") as tmp:
        path = os.path.join(tmp, "merged.parquet")
        if not _merge_chunks(parts, path, tmp, s3):
            _merge_decoded(parts, path, s3)
        storage.move_file(path, dest, s3, sse)


def _merge_chunks(parts: Sequence[tuple[str, int]], path: str, tmp: str, s3: S3Settings) -> bool:
    """The parts merged into ``path`` by the core, their column chunks copied as they are
    and only ``line_number`` rewritten (``pqmerge.rs``): a split log's copy was decoded and
    encoded again at ~0.35 s per 64 MB, serially at the end of the scan. Parts not on the
    local disk are fetched first. False when the core cannot merge them (schemas differ,
    a line-number column it cannot decode); the caller then decodes them."""
    from detectors import _native

    local = []
    for n, (uri, offset) in enumerate(parts):
        loc = parse_uri(uri)
        if loc.scheme == "file":
            local.append((loc.path, offset))
            continue
        fetched = os.path.join(tmp, f"part-{n:05d}.parquet")
        with storage.open_input(uri, s3) as source, open(fetched, "wb") as out:
            while block := source.read(8 << 20):
                out.write(block)
        local.append((fetched, offset))
    try:
        _native.merge_parquet(local, path, shift="line_number")
    except ValueError:  # its message may name a column: never logged
        return False
    return True


def _merge_decoded(parts: Sequence[tuple[str, int]], path: str, s3: S3Settings) -> None:
    """The parts read batch by batch and written again into ``path``, ``line_number``
    moved by each part's offset."""
    writer: pq.ParquetWriter | None = None
    for uri, offset in parts:
        source = pq.ParquetFile(storage.open_input(uri, s3))
        for batch in source.iter_batches(batch_size=65536, use_threads=False):
            if offset and "line_number" in batch.schema.names:
                i = batch.schema.get_field_index("line_number")
                batch = batch.set_column(i, "line_number", pc.add(batch.column(i), offset))
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
            writer.write_batch(batch)
        if writer is None:
            writer = pq.ParquetWriter(path, source.schema_arrow, compression="zstd")
    assert writer is not None
    writer.close()


@dataclass
class ObjectPlan:
    """A committed object's redacted parts and destination."""

    uri: str
    dest: str
    parts: list[tuple[str, int]]


def object_plans(
    statuses: Sequence[dict[str, Any]],
    staging: str,
    redacted_root: str,
    present: set[str] | None = None,
) -> list[ObjectPlan]:
    """Which staged parts make each object's copy. Objects with a skipped unit (binary)
    have no copy, nor (given the staged files ``present``) objects a unit of which staged
    no part: it could not open the object (corrupt footer, unreadable, deleted, store
    gone), and a copy without its rows would pass for a complete one."""
    offsets = line_offsets(statuses)  # only line copies hold line numbers to shift
    by_uri: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in statuses:
        by_uri[row["uri"]].append(row)
    plans = []
    for uri in sorted(by_uri):
        rows = sorted(by_uri[uri], key=lambda r: r["seq"])
        if any(r["status"] == "skipped" for r in rows):
            continue
        parts = [
            (
                f"{staging}/redacted/{r['unit_id']}.parquet",
                offsets.get(r["unit_id"], 0) if r["fmt"] in LINE_COPIES else 0,
            )
            for r in rows
        ]
        if present is not None and any(p not in present for p, _ in parts):
            continue
        if unsafe_reason(redacted_root, uri) is not None:  # planned out already; never write
            continue
        plans.append(ObjectPlan(uri, redacted_uri(redacted_root, uri), parts))
    return plans


def _write_table(table: pa.Table, dest: str, s3: S3Settings, sse: Sse | None) -> None:
    with tempfile.TemporaryDirectory(prefix="piisweep-commit-") as tmp:
        path = os.path.join(tmp, "part.parquet")
        pq.write_table(table, path, compression="zstd")
        storage.move_file(path, dest, s3, sse)


def write_manifest(rows: list[dict[str, Any]], dest: str, s3: S3Settings, sse: Sse | None) -> None:
    _write_table(pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA), dest, s3, sse)


def write_json(doc: dict[str, Any], dest: str, s3: S3Settings, sse: Sse | None) -> None:
    data = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    storage.write_bytes(data, dest, s3, sse)


def findings_files(out: str, summary: dict[str, Any], s3: S3Settings) -> list[str]:
    """The findings parts a committed scan's commit wrote: those its summary lists (since
    scans stage per attempt, ``findings_parts``), else, for older summaries,
    ``part-<scan_id>-NNNNN.parquet`` in its date partition. Readers take these and nothing
    else that matches the scan id: a run that lost its lock mid-commit, or a crashed one,
    can leave parts with the same scan id that no summary vouches for."""
    out = out.rstrip("/")
    if "findings_parts" in summary:
        return [f"{out}/findings/{rel}" for rel in summary["findings_parts"]]
    part = f"{out}/findings/scan_date={summary['scan_date']}"
    prefix = f"part-{summary['scan_id']}-"
    if not storage.exists(part, s3):
        return []
    return sorted(
        uri
        for uri in storage.list_files(part, s3)
        if uri.rsplit("/", 1)[-1].startswith(prefix) and uri.endswith(".parquet")
    )


def committed_scans(out: str, s3: S3Settings) -> list[dict[str, Any]]:
    """Every committed scan's summary under ``out``, oldest first."""
    docs = []
    for uri in storage.list_files(f"{out.rstrip('/')}/scans", s3):
        if uri.endswith(".json"):
            docs.append(json.loads(storage.read_bytes(uri, s3)))
    return sorted(docs, key=lambda d: (d.get("started_at", ""), d.get("scan_id", "")))
