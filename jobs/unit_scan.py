"""Scanning one work unit: read it, find values, write its redacted Parquet part, report.

This is what a Spark task runs for each unit it owns, and it has no Spark in it, so it is
tested directly. A unit never raises: whatever happens, it ends with a status (``ok``,
``skipped`` with a reason, ``failed`` with an error class) and whatever it read is in its
redacted part, redacted, so a corrupt tail never costs the lines before it. Reasons and
errors name kinds of problems, never content (exception messages from parsers can quote
the bad row, so they are dropped).

Redacted parts are staged under ``<staging>/redacted/<unit_id>.parquet`` and findings in
the partition's sink; the commit moves or merges them. Line numbers in both are relative
to the unit for byte-range units; the commit adds the lines of the earlier ranges (and,
to record indexes, their records: a CSV record may span lines, and its header is a line
but no record).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from detectors.colspans import ColumnSpans
from detectors.engine import Engine, StreamState
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.native import NativeEngine
from detectors.policy import Policy
from detectors.records import rules_of
from detectors.spans import Span
from jobs import storage
from jobs.blocks import (
    CsvTable,
    Shared,
    array_records,
    judge_json_document,
    line_array,
    scan_json_lines,
    scan_line_block,
)
from jobs.csvbatches import CsvReader
from jobs.fieldnames import RenamedSchema, redact_field_names
from jobs.findings import (
    FINDINGS_WRITE,
    arrow_schema,
    columns_table,
    digests,
    final_findings,
    finding_head,
    rows_table,
)
from jobs.formats import binary_reason, content_format
from jobs.jsonlrows import flat_rules, judge_document, judge_walked
from jobs.plan import Unit
from jobs.readers import (
    CHUNK_BYTES,
    DECODE_ERRORS,
    MAX_LINE_BYTES,
    CorruptInput,
    ExpandedSizeLimit,
    decompressed,
    line_blocks,
    read_or_corrupt,
    transcoded,
    unicode_bom,
    valid_utf8,
)
from jobs.recordbatch import LeafFindings, scan_batch
from jobs.textrows import TextRows


class FlatFindings(Protocol):
    """Findings as parallel arrays, one entry a finding (``LeafFindings``, a text block's
    ``RedactedBlock``, a JSON Lines block's ``JudgedLines``)."""

    @property
    def spans(self) -> ColumnSpans: ...
    @property
    def paths(self) -> Sequence[str | None]: ...
    @property
    def values(self) -> Sequence[str]: ...
    @property
    def actions(self) -> Sequence[str]: ...


TEXT_SCHEMA = pa.schema([("line_number", pa.int64()), ("line", pa.string())])
JSON_SCHEMA = pa.schema([("record_index", pa.int64()), ("record", pa.string())])
TEXT_PII_SCHEMA = TEXT_SCHEMA.append(pa.field("is_pii", pa.bool_()))
JSON_PII_SCHEMA = JSON_SCHEMA.append(pa.field("is_pii", pa.bool_()))
STAGED_FINDINGS_SCHEMA = pa.schema(
    [pa.field("unit_id", pa.string()), *arrow_schema(with_scan_id=False)]
)
PARQUET_BATCH_ROWS = 65536
MAX_EXPANDED_BYTES = 16 << 30
CSV_BATCH_ROWS = 20000
_DELIMITERS = {"csv": ",", "tsv": "\t"}


class Skip(PiisweepError):
    """The unit is not something piisweep reads (binary); the message is the reason."""


@dataclass
class ScanJob:
    """Everything a task needs, resolved on the driver and pickled into the closure."""

    engine: Engine
    policy: Policy
    keys: KeyRing
    s3: storage.S3Settings
    staging: str
    scan_id: str  # the findings rows' scan_id, set by the tasks (jobs.findings.final_findings)
    sse: storage.Sse | None = None
    chunk_bytes: int = CHUNK_BYTES
    max_json_bytes: int = 256 << 20
    # A line longer than this is replaced by readers.LONG_LINE (see its docstring); a
    # decompressed stream longer than this ends the unit as failed, its prefix kept.
    max_line_bytes: int = MAX_LINE_BYTES
    max_expanded_bytes: int | None = MAX_EXPANDED_BYTES
    # Names this scan's engine in a worker's cache (jobs.worker), so tasks after the first
    # in a Python worker reuse its compiled scanner.
    token: str = field(default_factory=lambda: secrets.token_hex(8))


@dataclass
class UnitStatus:
    """One row of the scan's unit table."""

    unit_id: str
    uri: str
    seq: int
    parts: int
    status: str = "ok"
    error_class: str | None = None
    reason: str | None = None
    fmt: str | None = None
    lines: int = 0
    records: int = 0
    bytes_read: int = 0
    findings: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_row(self) -> dict[str, Any]:
        row = {k: getattr(self, k) for k in STATUS_FIELDS}
        row["entities"] = json.dumps(dict(sorted(self.entities.items())))
        row["flags"] = json.dumps(dict(sorted(self.flags.items())))
        return row


STATUS_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("uri", pa.string()),
        ("seq", pa.int64()),
        ("parts", pa.int64()),
        ("status", pa.string()),
        ("error_class", pa.string()),
        ("reason", pa.string()),
        ("fmt", pa.string()),
        ("lines", pa.int64()),
        ("records", pa.int64()),
        ("bytes_read", pa.int64()),
        ("findings", pa.int64()),
        ("entities", pa.string()),
        ("flags", pa.string()),
        ("seconds", pa.float64()),
    ]
)
STATUS_FIELDS = tuple(STATUS_SCHEMA.names)


class FindingsSink:
    """Findings of a partition, spilled to local Parquet files in bounded batches.

    Rows arrive as tuples in ``STAGED_FINDINGS_SCHEMA`` order (``unit_id`` first, then the
    columns of ``jobs.findings.finding_values``), turned into Arrow column by column, or as
    whole tables (:meth:`add_table`, the column path's); they are written in arrival order.

    Two files: the rows of units the commit renumbers (:attr:`Unit.renumbered`, byte
    ranges after their object's first) keep ``unit_id`` for it; all others are written in
    the findings table's own form (``scan_id`` for ``unit_id``, its compression), so the
    commit moves that file instead of rewriting every finding.
    """

    def __init__(
        self, tmpdir: str, fingerprint_key: bytes, scan_id: str, flush_rows: int = 50_000
    ) -> None:
        self.path = os.path.join(tmpdir, "findings.parquet")
        self.renumbered_path = os.path.join(tmpdir, "findings-renumbered.parquet")
        self._scan_id = scan_id
        self._renumbered: set[str] = set()  # unit ids whose rows go to renumbered_path
        self._rows: list[tuple[Any, ...]] = []
        # Rows added by add_value: their index in _rows, entity type and value; their
        # fingerprint (under _key) and preview are derived for the whole batch at flush.
        self._pending: list[tuple[int, str, str]] = []
        self._tables: list[pa.Table] = []  # tables and row batches, in arrival order
        self._buffered = 0
        self._key = fingerprint_key
        self._writer: pq.ParquetWriter | None = None
        self._renumbered_writer: pq.ParquetWriter | None = None
        self._flush_rows = flush_rows
        self.count = 0

    def start_unit(self, unit: Unit) -> None:
        """Called before ``unit``'s rows arrive: where they go depends on the unit. A
        renumbered unit opens the second file even if it finds nothing, so the commit can
        tell a lost file from an empty one."""
        if unit.renumbered:
            self._renumbered.add(unit.unit_id)
            if self._renumbered_writer is None:
                self._renumbered_writer = pq.ParquetWriter(
                    self.renumbered_path, STAGED_FINDINGS_SCHEMA
                )

    def add(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        self._added(1)

    def add_value(self, head: tuple[Any, ...], entity: str, value: str) -> None:
        """A row without its last two columns, ``fingerprint`` and ``preview``: they are
        derived from ``value`` when the batch is flushed, in one call."""
        self._pending.append((len(self._rows), entity, value))
        self.add(head)

    def add_table(self, table: pa.Table) -> None:
        """Rows already built as a table in ``STAGED_FINDINGS_SCHEMA``
        (``jobs.findings.columns_table``)."""
        self._seal_rows()
        self._tables.append(table)
        self._added(table.num_rows)

    def _added(self, n: int) -> None:
        self.count += n
        self._buffered += n
        if self._buffered >= self._flush_rows:
            self.flush()

    def _seal_rows(self) -> None:
        """The tuple rows buffered so far as one table, their digests derived."""
        if self._pending:
            _, entities, values = zip(*self._pending, strict=True)
            fps, previews = digests(entities, values, self._key)
            rows = self._rows
            for (i, _, _), fp, pv in zip(self._pending, fps, previews, strict=True):
                rows[i] = (*rows[i], fp, pv)
            self._pending = []
        if self._rows:
            self._tables.append(rows_table(self._rows, STAGED_FINDINGS_SCHEMA))
            self._rows = []

    def flush(self) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, arrow_schema(), **FINDINGS_WRITE)
        self._seal_rows()
        if self._tables:
            table = pa.concat_tables(self._tables)
            self._tables = []
            if self._renumbered_writer is not None:
                later = pc.is_in(table.column("unit_id"), pa.array(sorted(self._renumbered)))
                if pc.any(later).as_py():
                    self._renumbered_writer.write_table(table.filter(later))
                table = table.filter(pc.invert(later))
            if table.num_rows:  # an empty write would add an empty row group
                self._writer.write_table(final_findings(table, self._scan_id))
        self._buffered = 0

    def close(self) -> tuple[str, str | None]:
        """The two files, each written even when empty so the commit can tell a lost one:
        the table's own form, and the rows to renumber (None when no unit was renumbered)."""
        self.flush()
        assert self._writer is not None
        self._writer.close()
        if self._renumbered_writer is None:
            return self.path, None
        self._renumbered_writer.close()
        return self.path, self.renumbered_path


def part_options(schema: pa.Schema) -> dict[str, Any]:
    """How a unit's redacted part is written. A line copy (``line_number``, ``line``) skips
    dictionaries, which its mostly distinct lines only fill and drop (writes ~13% faster),
    and keeps its line numbers delta-encoded without a codec: a few bits a line, and what
    the commit's chunk merge (``commit._merge_chunks``) decodes to add a unit's offset."""
    if schema.names[:2] != ["line_number", "line"] or schema.field(0).type != pa.int64():
        return {"compression": "zstd"}  # a table's copy, even one with such column names
    codecs = {name: "zstd" for name in schema.names}
    return {
        "compression": {**codecs, "line_number": "none"},
        "use_dictionary": False,
        "column_encoding": {"line_number": "DELTA_BINARY_PACKED"},
    }


class PartWriter:
    """The redacted Parquet part of one unit, written locally and staged on close."""

    def __init__(self, tmpdir: str, unit: Unit, job: ScanJob) -> None:
        self.path = os.path.join(tmpdir, f"{unit.unit_id}.parquet")
        self.uri = f"{job.staging}/redacted/{unit.unit_id}.parquet"
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None
        self._job = job

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        if self._writer is None:
            self.schema = batch.schema
            self._writer = pq.ParquetWriter(self.path, batch.schema, **part_options(batch.schema))
        if batch.num_rows:
            self._writer.write(batch)

    def close(self, schema: pa.Schema | None) -> None:
        """Stage the part; a unit that wrote nothing stages an empty file of ``schema``."""
        if self._writer is None:
            if schema is None:
                return
            self.write(schema.empty_table())
        assert self._writer is not None
        self._writer.close()
        storage.move_file(self.path, self.uri, self._job.s3, self._job.sse)


# ------------------------------------------------------------------------- entry point
def scan_unit(unit: Unit, job: ScanJob, sink: FindingsSink, tmpdir: str) -> UnitStatus:
    """Scan ``unit`` completely; never raises for anything about the object itself."""
    status = UnitStatus(unit.unit_id, unit.uri, unit.seq, unit.parts, fmt=unit.fmt)
    started = time.perf_counter()
    sink.start_unit(unit)
    part = PartWriter(tmpdir, unit, job)
    schema: pa.Schema | None = None
    scan = _UnitScan(unit, job, sink, part, status)
    try:
        schema = scan.run()
    except Skip as exc:
        status.status, status.reason = "skipped", str(exc)
    except CorruptInput as exc:  # ExpandedSizeLimit too: its class is the error class
        status.status, status.error_class, status.reason = "failed", type(exc).__name__, str(exc)
        schema = scan.schema
    except storage.StorageError as exc:
        status.status, status.error_class, status.reason = "failed", "StorageError", str(exc)
        schema = scan.schema
    except Exception as exc:  # an engine or parser bug: report its class, never its message
        status.status, status.error_class = "failed", type(exc).__name__
        status.reason = "unexpected error while scanning (see error_class)"
        schema = scan.schema
    if status.status != "skipped":
        part.close(schema)
    status.seconds = round(time.perf_counter() - started, 3)
    return status


class _UnitScan:
    """The per-format readers of one unit, sharing its outputs and counters."""

    def __init__(
        self, unit: Unit, job: ScanJob, sink: FindingsSink, part: PartWriter, status: UnitStatus
    ) -> None:
        self.unit, self.job, self.sink, self.part, self.status = unit, job, sink, part, status
        self.schema: pa.Schema | None = None
        # Unit.unit_id is a property that rebuilds the id; every finding carries it.
        self.unit_id = unit.unit_id
        self.threshold = job.policy.threshold
        # Without a records: section every detected value is PII on its own (rules_of);
        # with one, JSONL, JSON and CSV copies also say which records are PII (is_pii).
        self.rules = rules_of(job.policy)
        self.records_on = job.policy.records is not None
        # Lines and CSV rows are judged in jobs.blocks, as detect and redact judge them;
        # its flags are this unit's.
        self.shared = Shared(job.engine, job.policy, job.keys, self.rules, status.flags)

    def _open(self, sequential: bool) -> Any:
        return open_unit(self.unit, self.job.s3, sequential)

    def run(self) -> pa.Schema | None:
        if self.unit.fmt == "parquet":
            self.schema = None
            self._parquet()
            return self.schema
        raw = self._open(sequential=True)
        try:
            stream = _Counting(
                decompressed(raw, self.unit.compression), self.status, self.job.max_expanded_bytes
            )
            if self.unit.byte_range and self.unit.fmt in _DELIMITERS:
                # Split only when its head is plain UTF-8 text (jobs.csvsplit), at records.
                self.status.fmt = self.unit.fmt
                schema = self._csv(stream, _DELIMITERS[self.unit.fmt])
                self.status.bytes_read = self.unit.size  # the header re-read is not counted
                return schema
            if self.unit.byte_range:
                encoding = unicode_bom(_peek(stream, 4))
                if encoding:
                    return self._unicode_range(stream, encoding)
                schema = self._lines(stream, self.unit.fmt or "text")
                # A range reads past its end to finish its last line (and the next range
                # re-reads those bytes to skip them): count the bytes the range owns, so
                # the ranges of an object add up to its size.
                self.status.bytes_read = self.unit.size
                return schema
            head = _peek(stream)
            encoding = unicode_bom(head)
            if encoding:
                self.status.flags[f"decoded_from_{encoding.replace('-', '')}"] += 1
                stream = transcoded(stream, encoding)
                head = _peek(stream)
            reason = binary_reason(head)
            if reason:
                raise Skip(reason)
            fmt = content_format(self.unit.fmt, head)
            self.status.fmt = fmt
            if fmt in _DELIMITERS:
                return self._csv(stream, _DELIMITERS[fmt])
            if fmt == "json":
                return self._json(stream)
            return self._lines(stream, fmt)
        finally:
            raw.close()

    def _unicode_range(self, stream: Any, encoding: str) -> pa.Schema:
        """A byte range of a UTF-16/32 object: byte offsets do not fall on characters or
        newlines there, so the first range reads the whole object and the others stay
        empty (flagged); the object's lines are still all read exactly once."""
        self.status.bytes_read = self.unit.size
        if self.unit.start > 0:
            self.status.flags["unicode_object_read_by_first_range"] += 1
            self.schema = self._lines_schema(self.unit.fmt or "text")
            self.status.fmt = self.unit.fmt or "text"
            return self.schema
        self.status.flags[f"decoded_from_{encoding.replace('-', '')}"] += 1
        return self._lines(transcoded(stream, encoding), self.unit.fmt or "text", whole=True)

    def _long_line(self) -> None:
        self.status.flags["lines_over_max_line_bytes"] += 1

    def _lines_schema(self, fmt: str) -> pa.Schema:
        return TEXT_PII_SCHEMA if fmt == "jsonl" and self.records_on else TEXT_SCHEMA

    # ----------------------------------------------------------------- findings
    def _emit(
        self,
        line_number: int | None,
        record_index: int | None,
        path: str | None,
        text: str,
        span: Span,
        action: str | None = None,
    ) -> None:
        if span.score < self.threshold:
            return
        job = self.job
        uri = self.unit.uri
        head = finding_head(uri, line_number, record_index, path, span, job.policy, action)
        value = text[span.start : span.end]
        self.sink.add_value((self.unit_id, *head), span.entity_type, value)
        self.status.findings += 1
        self.status.entities[span.entity_type] += 1

    def _emit_leaf(self, first_row: int, found: LeafFindings) -> None:
        """A leaf's findings (:func:`jobs.recordbatch.scan_batch`), record indexes
        counted from ``first_row``, into the sink as one table."""
        if not len(found):
            return
        self._add_findings(None, found.spans.rows + first_row, found)

    def _add_findings(self, line_number: Any, record_index: Any, found: FlatFindings) -> None:
        """Findings that arrive flat into the sink as one table (``columns_table``):
        ``line_number`` and ``record_index`` None or one per finding; ``found`` gives each
        finding's span, field path, value (to fingerprint and preview) and action."""
        lead = {"unit_id": self.unit_id, "source_uri": self.unit.uri, "line_number": line_number}
        table = columns_table(
            STAGED_FINDINGS_SCHEMA,
            lead,
            record_index,
            found.paths,
            found.spans,
            found.values,
            found.actions,
            self.job.keys.fingerprint_key,
        )
        self.sink.add_table(table)
        self.status.findings += len(found.spans)
        self.status.entities.update(found.spans.entity_counts())

    # ----------------------------------------------------------------- text, JSONL
    def _lines(self, stream: BinaryIO, fmt: str, whole: bool = False) -> pa.Schema:
        """Text and JSON Lines, block by block, judged by ``jobs.blocks`` (as ``detect``
        and ``redact`` judge them). A JSONL line is read as a record (and judged by the
        policy's record rules) only when the engine found something in it or, with record
        rules, when it holds a key a rule is about."""
        jsonl = fmt == "jsonl"
        schema = self._lines_schema(fmt)
        self.schema = schema
        self.status.fmt = fmt
        ranged = self.unit.byte_range and not whole
        start, end = (self.unit.start, self.unit.end) if ranged else (0, -1)
        state = StreamState()
        base = 0
        rows = self._text_rows() if not jsonl else None
        walked = self._text_rows() if jsonl and flat_rules(self.shared.rules) else None
        for raw_block in line_blocks(
            stream, start, end, self.job.chunk_bytes, self.job.max_line_bytes, self._long_line
        ):
            block, bad = valid_utf8(raw_block)
            if bad:
                self.status.flags["lines_decoded_as_cp1252"] += bad
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n")
            if rows is not None:
                lines = self._text_block(rows, block, state, base)
                columns = [_numbers(base, len(lines)), lines]
            elif walked is not None:
                lines, pii = self._json_block(walked, block, state, base)
                columns = [_numbers(base, len(lines)), lines]
                if schema is TEXT_PII_SCHEMA:
                    columns.append(pa.array(pii))
            else:
                judged = scan_line_block(block, state, jsonl, self.shared)
                for f in judged.findings:
                    n = base + f.row
                    self._emit(n + 1, n if jsonl else None, f.field_path, f.text, f.span, f.action)
                lines = line_array(block, changed=judged.changed)
                columns = [_numbers(base, len(lines)), lines]
                if schema is TEXT_PII_SCHEMA:
                    columns.append(pa.array(judged.pii))
            self.part.write(pa.RecordBatch.from_arrays(columns, schema=schema))
            base += len(lines)
            self.status.lines = self.status.records = base
        return schema

    def _text_rows(self) -> TextRows | None:
        """The array path's tables for plain text (``jobs.textrows``), with the compiled
        engine; None for another engine (the Python one is the reference the tests hold
        the array path to). Record rules never apply to text lines."""
        job = self.job
        if not isinstance(job.engine, NativeEngine):
            return None
        return TextRows(job.engine, job.policy, job.keys, self.unit.uri)

    def _text_block(self, rows: TextRows, block: bytes, state: StreamState, base: int) -> pa.Array:
        """One block of plain text (whole LF lines, valid UTF-8) whose first line is line
        ``base + 1``: its findings into the sink as one table, its lines redacted. The
        same findings, in the same order, and the same lines as ``scan_line_block``."""
        flat = self.job.engine.scan_lines_flat(block, state)  # type: ignore[attr-defined]
        judged = rows.redact(block, flat) if len(flat.scores) else None
        if judged is None:
            return line_array(block)
        self._add_findings(judged.lines + (base + 1), None, judged)
        return judged.redacted

    def _json_block(
        self, rows: TextRows, block: bytes, state: StreamState, base: int
    ) -> tuple[pa.Array, np.ndarray]:
        """One block of JSON Lines (whole LF lines, valid UTF-8) whose first line is line
        ``base + 1``, judged on arrays (``jobs.jsonlrows``, under rules that judge each span
        on its own): its findings into the sink as one table; its lines redacted and each
        record's verdict, the same as ``scan_line_block`` gives."""
        judged = judge_walked(scan_json_lines(block, state, self.shared), self.shared, rows)
        if len(judged):
            line = judged.spans.rows + base
            self._add_findings(line + 1, line, judged)
        return line_array(block, changed=judged.changed), judged.pii

    # ----------------------------------------------------------------- JSON document
    def _json(self, stream: BinaryIO) -> pa.Schema:
        data = _read_all(stream, self.job.max_json_bytes)
        data, bad = valid_utf8(data)
        if bad:
            self.status.flags["lines_decoded_as_cp1252"] += bad
        self.status.lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        rows = self._text_rows() if flat_rules(self.shared.rules) else None
        records = array_records(data, self.shared) if rows is not None else None
        if rows is not None and records is not None:
            return self._json_array(rows, records)
        doc = judge_json_document(data, self.shared)
        if doc is None:
            self.status.flags["malformed_json_document_redacted_as_text"] += 1
            return self._lines(io.BytesIO(data), "text")
        for f in doc.findings:
            self._emit(None, f.row, f.field_path, f.text, f.span, f.action)
        schema = JSON_PII_SCHEMA if self.records_on else JSON_SCHEMA
        self.schema = schema
        n = len(doc.records)
        columns = [pa.array(np.arange(n, dtype=np.int64)), pa.array(doc.records, pa.string())]
        if self.records_on:
            columns.append(pa.array(doc.pii, pa.bool_()))
        self.part.write(pa.RecordBatch.from_arrays(columns, schema=schema))
        self.status.records = n
        return schema

    def _json_array(self, rows: TextRows, records: list[str]) -> pa.Schema:
        """A JSON document's array of records (``jobs.blocks.array_records``) judged as
        blocks of JSON Lines on arrays (``jobs.jsonlrows.judge_document``): the same
        findings, records and verdicts as ``judge_json_document``, without Python per
        finding. A finding keeps the document's numbering: its record's index, no line.
        As there, nothing is written before every record is judged: a document that fails
        leaves no part of itself."""
        schema = JSON_PII_SCHEMA if self.records_on else JSON_SCHEMA
        judged = judge_document(records, self.shared, rows, self.job.chunk_bytes)
        self.schema = schema
        n = len(records)
        columns = [pa.array(np.arange(n, dtype=np.int64)), pa.array(records, pa.string())]
        if self.records_on:
            pii = np.concatenate([j.pii for _, j in judged.blocks])
            columns.append(pa.array(pii, pa.bool_()))
        for first, found in judged.blocks:
            if len(found):
                self._add_findings(None, found.spans.rows + first, found)
        self.part.write(pa.RecordBatch.from_arrays(columns, schema=schema))
        self.status.records = n
        return schema

    # ----------------------------------------------------------------- CSV / TSV
    def _csv(self, stream: BinaryIO, delimiter: str) -> pa.Schema | None:
        """A CSV/TSV object, or one record-aligned byte range of it (``jobs.csvsplit``).

        A range that does not start the object reads the header record first
        (``[0, header_end)``, its flags not counted) and then its own records; it numbers
        its own lines from 1 and its records from 0 (the commit adds the earlier ranges'
        lines and records), redacts the header like the others so every part has the same
        columns, and leaves the header's findings to the range that holds it."""
        unit = self.unit
        start, end = (unit.start, unit.end) if unit.byte_range else (0, -1)
        header_lines = 0
        if start > 0:
            stream.seek(0)
            header_bytes = io.BytesIO(_read_exactly(stream, unit.header_end))
            head = self._csv_text(header_bytes, 0, -1, counted=False)
            lines: Iterator[str] = itertools.chain(head, self._csv_text(stream, start, end))
        else:
            lines = self._csv_text(stream, start, end)
        records = CsvReader(lines, delimiter, CSV_BATCH_ROWS)
        try:
            header = records.header()
        except csv.Error:
            raise CorruptInput("CSV header cannot be parsed") from None
        if header is None:
            self.schema = pa.schema([])
            return self.schema
        if start > 0:
            header_lines = records.line_num  # not this range's: its lines start after them
        table = CsvTable(header, delimiter, self.shared, report_header=start == 0)
        for f in table.header_findings:
            self._emit(1, None, f.field_path, f.text, f.span, f.action)
        names = table.names
        self.schema = pa.schema([(n, pa.string()) for n in names])
        if self.records_on:  # the copy says which rows the record rules judged PII
            self.schema = self.schema.append(pa.field(_unique("is_pii", names), pa.bool_()))
        index = 0
        batches = records.batches(table)
        while True:
            try:
                batch = next(batches, None)
            except csv.Error:  # a row it refuses (a NUL before Python 3.11): earlier ones kept
                raise CorruptInput(f"CSV cannot be parsed after record {index}") from None
            if batch is None:
                break
            judged = batch.judge(table)
            self._emit_csv_batch(judged.found, batch.starts - header_lines, index)
            columns = [
                c if isinstance(c, pa.Array) else pa.array(c, pa.string()) for c in judged.cells
            ]
            if judged.pii is not None:
                columns.append(pa.array(judged.pii, pa.bool_()))
            self.part.write(pa.RecordBatch.from_arrays(columns, schema=self.schema))
            index += len(batch)
        self.status.records = index
        self.status.lines = records.line_num - header_lines
        return self.schema

    def _emit_csv_batch(self, found: LeafFindings, starts: np.ndarray, first: int) -> None:
        """A CSV batch's findings (``CsvBatch.found``) into the sink as one table: each
        finding's line is where its record starts (``starts``, per batch row), its record
        index counts from ``first``, the batch's first record in the unit."""
        if not len(found):
            return
        rows = found.spans.rows
        self._add_findings(np.asarray(starts, dtype=np.int64)[rows], rows + first, found)

    def _csv_text(self, stream: BinaryIO, start: int, end: int, counted: bool = True) -> Any:
        """The lines of ``[start, end)`` as text for the csv reader: repaired to UTF-8
        (flagged), a UTF-8 BOM at the object's start dropped (it is not part of the first
        column's name). The header a later range re-reads is not ``counted``: its flags
        are the range's that holds it."""
        flags: Counter[str] = self.status.flags if counted else Counter()
        on_long_line = self._long_line if counted else (lambda: None)
        return io.TextIOWrapper(
            _RepairedLines(stream, self.job, flags, on_long_line, start, end),
            encoding="utf-8-sig" if start == 0 else "utf-8",
            newline="",
        )

    # ----------------------------------------------------------------- Parquet
    def _parquet(self) -> None:
        source = self._open(sequential=False)
        try:
            try:
                pf = pq.ParquetFile(source)
            except (pa.ArrowInvalid, OSError) as exc:
                raise CorruptInput(f"not a readable Parquet file ({type(exc).__name__})") from None
            names = self._redacted_field_names(pf.schema_arrow)
            self.schema = names.schema
            end = pf.num_row_groups if self.unit.end < 0 else self.unit.end
            groups = list(range(self.unit.start, end))
            self.status.bytes_read = sum(pf.metadata.row_group(g).total_byte_size for g in groups)
            row = self.unit.record_offset
            try:
                batches = pf.iter_batches(
                    batch_size=PARQUET_BATCH_ROWS, row_groups=groups, use_threads=False
                )
                for batch in batches:
                    self.part.write(self._parquet_batch(names.apply(batch), row))
                    row += batch.num_rows
            except (pa.ArrowInvalid, OSError) as exc:
                raise CorruptInput(f"Parquet data is corrupt ({type(exc).__name__})") from None
            self.status.records = row - self.unit.record_offset
        finally:
            source.close()

    def _redacted_field_names(self, schema: pa.Schema) -> RenamedSchema:
        """The source schema with PII in its field names redacted (``jobs.fieldnames``),
        the Parquet counterpart of a CSV header's (``jobs.blocks.CsvTable``). Every unit of
        the object renames its part the same way, but only the unit that starts at row group 0
        reports the names, so an object split by row groups has each name's findings
        once: line and record index None, ``field_path`` the redacted dotted path."""
        job = self.job
        names = redact_field_names(schema, job.engine, job.policy, job.keys)
        if self.unit.start == 0:
            for found in names.findings:
                for span in found.spans:
                    self._emit(None, None, found.path, found.name, span)
                self.status.flags["pii_field_names_redacted"] += 1
        return names

    def _parquet_batch(self, batch: pa.RecordBatch, first_row: int) -> pa.RecordBatch:
        """Findings of one batch of rows (already under the redacted field names, so
        paths in a renamed column carry the redacted names), and the batch redacted
        (schema unchanged): the same code as ``redact_dataframe``, so a table and its
        Parquet export agree."""

        def emit(found: LeafFindings) -> None:
            self._emit_leaf(first_row, found)

        def opaque(path: str, count: int) -> None:
            self.status.flags["unreadable_type_values_nulled"] += count

        return scan_batch(
            batch, self.job.engine, self.job.policy, self.job.keys, emit, on_opaque=opaque
        )


# ------------------------------------------------------------------------- helpers
def _numbers(base: int, n: int) -> pa.Array:
    """The line numbers of a block of ``n`` lines whose first is line ``base + 1``."""
    return pa.array(np.arange(base + 1, base + n + 1, dtype=np.int64))


class _Counting:
    """Counts decompressed bytes as they are read, for the unit's ``bytes_read``."""

    def __init__(self, stream: Any, status: UnitStatus, limit: int | None = None) -> None:
        self._stream, self._status = stream, status
        self._head = b""
        self._limit = limit

    def _count(self, n: int) -> None:
        self._status.bytes_read += n
        if self._limit is not None and self._status.bytes_read > self._limit:
            raise ExpandedSizeLimit(
                f"decompressed size exceeds max_expanded_mb ({self._limit >> 20} MiB); "
                "the copy holds what was read before, redacted"
            )

    def read(self, size: int = -1) -> bytes:
        head = self._head
        if head and 0 <= size <= len(head):
            self._head = head[size:]
            return head[:size]
        self._head = b""
        more = self._stream.read(-1 if size < 0 else size - len(head))
        self._count(len(more))
        return head + more if head else more  # type: ignore[no-any-return]

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes, still to be read (compressed streams cannot seek)."""
        if len(self._head) < size:
            more = self._stream.read(size - len(self._head))
            self._head += more
            self._count(len(more))
        return self._head[:size]

    def seek(self, pos: int) -> None:
        self._head = b""
        self._stream.seek(pos)


def _peek(stream: Any, size: int = 65536) -> bytes:
    try:
        return stream.peek(size)[:size]  # type: ignore[no-any-return]
    except DECODE_ERRORS as exc:
        raise CorruptInput(f"stream ends early or is corrupt ({type(exc).__name__})") from None


class _RepairedLines(io.RawIOBase):
    """A raw stream of the input's lines made valid UTF-8 (see readers.valid_utf8), so a
    CSV in Windows-1252 reads instead of failing, and is flagged."""

    def __init__(
        self,
        stream: BinaryIO,
        job: ScanJob,
        flags: Counter[str],
        on_long_line: Callable[[], None],
        start: int = 0,
        end: int = -1,
    ) -> None:
        self._blocks = line_blocks(
            stream, start, end, job.chunk_bytes, job.max_line_bytes, on_long_line
        )
        # The current block and how much of it was read: the reader asks for 8 KiB at a
        # time, and slicing the rest of a block off each time would copy it over and over.
        self._buf = memoryview(b"")
        self._pos = 0
        self._flags = flags

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._pos == len(self._buf):
            block = next(self._blocks, None)
            if block is None:
                return 0
            data, bad = valid_utf8(block)
            self._buf, self._pos = memoryview(data), 0
            if bad:
                self._flags["lines_decoded_as_cp1252"] += bad
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n


def open_unit(unit: Unit, s3: storage.S3Settings, sequential: bool) -> Any:
    """The unit's object; a local file pinned by the crawl is opened by its real path
    and checked to be the file the crawl listed (a repointed link is never read)."""
    if unit.real_path is not None and unit.dev is not None and unit.ino is not None:
        return storage.open_pinned(unit.uri, unit.real_path, unit.dev, unit.ino)
    if sequential:
        return storage.open_sequential(unit.uri, s3)
    return storage.open_input(unit.uri, s3)


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    """``n`` bytes from ``stream``; an object now shorter than planned is corrupt input."""
    chunks, got = [], 0
    while got < n:
        piece = read_or_corrupt(stream, min(n - got, 1 << 20))
        if not piece:
            raise CorruptInput("object is shorter than when the scan was planned")
        chunks.append(piece)
        got += len(piece)
    return b"".join(chunks)


def _read_all(stream: BinaryIO, limit: int) -> bytes:
    chunks = []
    total = 0
    while True:
        block = read_or_corrupt(stream, 8 << 20)
        if not block:
            return b"".join(chunks)
        total += len(block)
        if total > limit:
            raise Skip(f"JSON document larger than {limit >> 20} MiB; store it as JSON Lines")
        chunks.append(block)


def _unique(name: str, taken: list[str]) -> str:
    while name in taken:
        name = f"_{name}"
    return name


def temp_dir() -> str:
    """A private scratch directory for a task's local files."""
    return tempfile.mkdtemp(prefix="piisweep-")
