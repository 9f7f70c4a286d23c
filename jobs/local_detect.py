"""``piisweep detect`` and ``piisweep redact`` on one local file or a pipe, without Spark.

Text and JSON Lines go through the engine's buffer path: one trigger pass per 8 MB chunk,
Python only on candidate lines. JSON Lines candidates are parsed and scanned field by field
so findings carry JSON paths; a line that is not valid JSON is scanned and redacted as text,
never passed through raw. CSV is scanned column by column in batches of rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from detectors.engine import Engine, StreamState
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.spans import Span
from detectors.structured import redact_record, scan_record
from jobs.findings import COLUMNS, digests, finding_head
from jobs.localfiles import line_chunks, text_reader

CSV_BATCH_ROWS = 5000
_DELIMITERS = {"csv": ",", "tsv": "\t"}
Row = dict[str, Any]


@dataclass
class Context:
    engine: Engine
    policy: Policy
    keys: KeyRing
    source_uri: str


# ------------------------------------------------------------------------- detect
def detect(stream: BinaryIO, fmt: str, ctx: Context) -> Iterator[Row]:
    if fmt in _DELIMITERS:
        yield from _detect_csv(stream, _DELIMITERS[fmt], ctx)
    else:
        yield from _detect_lines(stream, fmt == "jsonl", ctx)


def _detect_lines(stream: BinaryIO, jsonl: bool, ctx: Context) -> Iterator[Row]:
    base = 0
    state = StreamState()
    for chunk in line_chunks(stream):
        found: list[_Found] = []
        for li, line, spans in ctx.engine.scan_lines(chunk, state):
            index = base + li
            record = _parse_json(line) if jsonl else None
            fields = scan_record(ctx.engine, record) if record is not None else []
            if fields:
                for path, text, field_spans in fields:
                    for s in field_spans:
                        found.append(_found(ctx, index + 1, index, path, text, s))
            else:
                for s in spans:
                    found.append(_found(ctx, index + 1, index if jsonl else None, None, line, s))
        yield from _rows(ctx, found)
        base += chunk.count(b"\n")


def _detect_csv(stream: BinaryIO, delimiter: str, ctx: Context) -> Iterator[Row]:
    for batch in _csv_batches(stream, delimiter):
        found = [
            _found(ctx, batch.start_lines[ri], batch.first_index + ri, batch.names[col], v[ri], s)
            for col, v, ri, spans in _column_spans(batch, ctx)
            for s in spans
        ]
        yield from _rows(ctx, found)


# A finding before its fingerprint and preview: the row's other columns, entity, value.
_Found = tuple[tuple[Any, ...], str, str]


def _found(
    ctx: Context,
    line_number: int,
    record_index: int | None,
    path: str | None,
    text: str,
    span: Span,
) -> _Found:
    head = finding_head(ctx.source_uri, line_number, record_index, path, span, ctx.policy)
    return head, span.entity_type, text[span.start : span.end]


def _rows(ctx: Context, found: list[_Found]) -> Iterator[Row]:
    """Findings rows of a chunk, their fingerprints and previews derived in one batch."""
    if not found:
        return
    heads, entities, values = zip(*found, strict=True)
    fps, previews = digests(entities, values, ctx.keys.fingerprint_key)
    for head, fp, pv in zip(heads, fps, previews, strict=True):
        yield dict(zip(COLUMNS, (*head, fp, pv), strict=True))


# ------------------------------------------------------------------------- redact
def redact(stream: BinaryIO, out: BinaryIO, fmt: str, ctx: Context, line_mode: bool) -> None:
    """Write ``stream`` back to ``out`` redacted, in its own format. ``line_mode`` flushes
    after every line, for ``tail -f app.log | piisweep redact -``."""
    if fmt in _DELIMITERS:
        _redact_csv(stream, out, _DELIMITERS[fmt], ctx)
        return
    fix = _json_line_fixer(ctx) if fmt == "jsonl" else _text_line_fixer(ctx)
    state = StreamState()
    if line_mode:
        for raw in iter(stream.readline, b""):
            out.write(_redact_chunk(raw, ctx, fix, state))
            out.flush()
        return
    for chunk in line_chunks(stream):
        out.write(_redact_chunk(chunk, ctx, fix, state))
    out.flush()


LineFixer = Callable[[str, list[Any]], str]


def _redact_chunk(chunk: bytes, ctx: Context, fix: LineFixer, state: StreamState) -> bytes:
    changed = {li: fix(line, spans) for li, line, spans in ctx.engine.scan_lines(chunk, state)}
    if not changed:
        return chunk
    lines = chunk.split(b"\n")
    for li, new in changed.items():
        cr = b"\r" if lines[li].endswith(b"\r") else b""
        lines[li] = new.encode("utf-8", "surrogateescape") + cr
    return b"\n".join(lines)


def _text_line_fixer(ctx: Context) -> LineFixer:
    return lambda line, spans: ctx.policy.redact_text(line, spans, ctx.keys)


def _json_line_fixer(ctx: Context) -> LineFixer:
    def fix(line: str, spans: list[Any]) -> str:
        record = _parse_json(line)
        if record is None:  # malformed: redact as text, never pass through raw
            return ctx.policy.redact_text(line, spans, ctx.keys)
        redacted = redact_record(ctx.engine, record, ctx.policy, ctx.keys)
        return json.dumps(redacted, ensure_ascii=False)

    return fix


def _redact_csv(stream: BinaryIO, out: BinaryIO, delimiter: str, ctx: Context) -> None:
    writer_buffer = text_reader(out)  # a text view of the output with the same error rule
    writer = csv.writer(writer_buffer, delimiter=delimiter, lineterminator="\n")
    wrote_header = False
    for batch in _csv_batches(stream, delimiter):
        if not wrote_header:
            writer.writerow(batch.header)
            wrote_header = True
        for col, values, ri, spans in _column_spans(batch, ctx):
            new = ctx.policy.redact_value(values[ri], spans, ctx.keys)
            batch.rows[ri][col] = "" if new is None else new
        writer.writerows(batch.rows)
    writer_buffer.flush()
    writer_buffer.detach()


# ------------------------------------------------------------------------- helpers
def _parse_json(line: str) -> Any:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, (dict, list)) else None


@dataclass
class CsvBatch:
    """Up to CSV_BATCH_ROWS records. ``names`` extends the header with ``_c<N>`` for cells
    past it in a ragged row, so those are scanned too; ``header`` is the file's own."""

    header: list[str]
    names: list[str]
    rows: list[list[str]]
    start_lines: list[int]  # 1-based physical line where each record starts
    first_index: int  # 0-based index of the first record


def _column_spans(batch: CsvBatch, ctx: Context) -> Iterator[tuple[int, list[str], int, Any]]:
    """(column, column values, row, spans) for every cell with spans, column by column."""
    for col, name in enumerate(batch.names):
        values = [row[col] if col < len(row) else "" for row in batch.rows]
        for ri, spans in ctx.engine.scan_values(values, field=name):
            yield col, values, ri, spans


def _csv_batches(stream: BinaryIO, delimiter: str) -> Iterator[CsvBatch]:
    reader = csv.reader(text_reader(stream), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    rows: list[list[str]] = []
    starts: list[int] = []
    index = 0
    last_line = reader.line_num
    for row in reader:
        starts.append(last_line + 1)
        last_line = reader.line_num
        rows.append(row)
        if len(rows) >= CSV_BATCH_ROWS:
            yield _batch(header, rows, starts, index)
            index += len(rows)
            rows, starts = [], []
    if rows:
        yield _batch(header, rows, starts, index)


def _batch(header: list[str], rows: list[list[str]], starts: list[int], index: int) -> CsvBatch:
    width = max(len(header), *(len(r) for r in rows))
    names = header + [f"_c{i}" for i in range(len(header), width)]
    return CsvBatch(header, names, rows, starts, index)
