"""``piisweep detect`` and ``piisweep redact`` on one local file or a pipe, without Spark.

Both read the input here (a file or a pipe, in line-aligned chunks) and judge what they
read in ``jobs.blocks``, the code a scan's tasks run, so ``detect`` reports the findings
and ``redact`` writes the values a scan of the same object gives, record rules included.
Text and JSON Lines go through the engine's buffer path: one trigger pass per 8 MB chunk,
Python only on candidate lines; ``detect`` on plain text with the compiled engine has the
core write the rows too (``jobs.textrows``), the reference path kept for the Python engine
and held to the same bytes by the tests. JSON Lines candidates are parsed (repaired when
the repair is unambiguous) and scanned field by field so findings carry JSON paths; a line
that is not JSON is redacted as text, never passed through raw. CSV is scanned column by
column in batches of rows, its header too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from detectors.engine import Engine, StreamState
from detectors.keys import KeyRing
from detectors.native import NativeEngine
from detectors.policy import Policy
from detectors.records import rules_of
from detectors.spans import Span
from jobs.blocks import (
    CsvBatch,
    CsvTable,
    Found,
    JsonDocument,
    Shared,
    array_records,
    judge_json_document,
    line_count,
    scan_line_block,
)
from jobs.csvbatches import CsvReader, CsvRecords
from jobs.findings import digests, jsonl_rows
from jobs.jsonlrows import JudgedDocument, JudgedLines, flat_rules, judge_document
from jobs.localfiles import (
    InputError,
    corrupt_as_input_error,
    line_chunks,
    read_document,
    text_reader,
)
from jobs.readers import valid_utf8
from jobs.recordbatch import LeafFindings
from jobs.textrows import TextRows

CSV_BATCH_ROWS = 5000
_DELIMITERS = {"csv": ",", "tsv": "\t"}


@dataclass
class Context:
    engine: Engine
    policy: Policy
    keys: KeyRing
    source_uri: str
    max_json_bytes: int = 256 << 20  # a JSON document is read whole; the scan's limit

    def shared(self) -> Shared:
        return Shared(self.engine, self.policy, self.keys, rules_of(self.policy))


# ------------------------------------------------------------------------- detect
def detect(stream: BinaryIO, fmt: str, ctx: Context) -> Iterator[tuple[int, bytes]]:
    """The findings of ``stream`` (what ``piisweep scan`` reports for the same object) as
    JSON Lines, a batch at a time: (rows, their UTF-8 bytes, as written: the compiled
    rows arrive as bytes, and a round trip through str cost ~3% of ``detect``)."""
    if fmt in _DELIMITERS:
        yield from _detect_csv(stream, _DELIMITERS[fmt], ctx)
        return
    if fmt == "json":
        yield from _detect_json(stream, ctx)
        return
    if fmt != "jsonl" and _compiled_text(ctx):
        yield from _detect_text_native(stream, ctx)
        return
    batches = _detect_lines(stream, fmt == "jsonl", ctx)
    for found in batches:
        if found:
            yield len(found), _encoded(_rows(ctx, found))


def _detect_lines(stream: BinaryIO, jsonl: bool, ctx: Context) -> Iterator[list[_Found]]:
    base = 0
    state = StreamState()
    shared = ctx.shared()
    for chunk in line_chunks(stream):
        judged = scan_line_block(chunk, state, jsonl, shared, redact=False)
        if jsonl:
            yield [(base + f.row + 1, base + f.row, f) for f in judged.findings]
        else:
            yield [(base + f.row + 1, None, f) for f in judged.findings]
        base += judged.n  # every chunk but the last ends with its newline


def _compiled_text(ctx: Context) -> bool:
    """Whether plain text takes the compiled rows path: with the native engine; the Python
    engine (and any other) keeps the reference path, which the tests hold it to."""
    return isinstance(ctx.engine, NativeEngine)


def _detect_text_native(stream: BinaryIO, ctx: Context) -> Iterator[tuple[int, bytes]]:
    """:func:`_detect_lines` on plain text with the compiled engine, rows and all built
    from the core's flat spans (``jobs.textrows``): the same text, no Python per finding.
    Record rules never apply to text lines, so the policy's entity rules are all it
    needs."""
    rows = TextRows(ctx.engine, ctx.policy, ctx.keys, ctx.source_uri)  # type: ignore[arg-type]
    base = 0
    state = StreamState()
    for chunk in line_chunks(stream):
        if b"\r" in chunk:  # as scan_line_block: lines are split on LF after CRLF -> LF
            chunk = chunk.replace(b"\r\n", b"\n")
        flat = ctx.engine.scan_lines_flat(chunk, state)  # type: ignore[attr-defined]
        if len(flat.scores):
            found, text = rows.rows(chunk, flat, base)
            if found:
                yield found, text
        base += line_count(chunk)


def _detect_csv(stream: BinaryIO, delimiter: str, ctx: Context) -> Iterator[tuple[int, bytes]]:
    """The findings rows of a CSV/TSV stream: the header's, then each batch's, built from
    the batch's flat findings (``CsvBatch.found``); the cells are not redacted, ``detect``
    never writes them."""
    reader = _CsvReader(stream, delimiter, ctx)
    if reader.table is None:
        return
    header = [(1, None, f) for f in reader.table.header_findings]
    if header:
        yield len(header), _encoded(_rows(ctx, header))
    for records, first, judged in reader.batches(redact=False):
        if len(judged.found):
            rows = _leaf_rows(ctx, records.starts.tolist(), first, judged.found)
            yield len(judged.found), _encoded(rows)


def _encoded(text: str) -> bytes:
    """Rows as the bytes ``detect`` writes: a value's undecodable bytes back as they were."""
    return text.encode("utf-8", "surrogateescape")


def _leaf_rows(
    ctx: Context, starts: list[int] | None, first: int, found: LeafFindings | JudgedLines
) -> str:
    """:func:`_rows` for flat findings (a CSV batch's, a JSON document's block): line
    ``starts[row]`` (none without ``starts``), record ``first + row``, the same text."""
    spans = found.spans
    names = spans.names
    heads = [
        (
            None if starts is None else starts[row],
            first + row,
            path,
            Span(names[s][0], a, b, score, names[s][1]),
            action,
        )
        for row, path, a, b, s, score, action in zip(
            spans.rows.tolist(),
            found.paths,
            spans.starts.tolist(),
            spans.ends.tolist(),
            spans.sources.tolist(),
            spans.scores.tolist(),
            found.actions,
            strict=True,
        )
    ]
    fps, previews = digests(spans.entity_types(), found.values, ctx.keys.fingerprint_key)
    return jsonl_rows(ctx.source_uri, heads, fps, previews)


def _detect_json(stream: BinaryIO, ctx: Context) -> Iterator[tuple[int, bytes]]:
    data, judged = _judged_document(stream, ctx)
    if isinstance(judged, JudgedDocument):
        for first, found in judged.blocks:
            if len(found):
                yield len(found), _encoded(_leaf_rows(ctx, None, first, found))
        return
    batches: Iterable[list[_Found]]
    if judged is None:  # not JSON: redacted as text, as the scan does
        batches = _detect_lines(io.BytesIO(data), False, ctx)
    else:
        batches = [[(None, f.row, f) for f in judged.findings]]
    for found in batches:
        if found:
            yield len(found), _encoded(_rows(ctx, found))


def _judged_document(
    stream: BinaryIO, ctx: Context
) -> tuple[bytes, JudgedDocument | JsonDocument | None]:
    """A whole JSON document read (bounded as the scan bounds it) and judged as the scan
    judges one: on arrays with the compiled engine under rules that judge each span on
    its own, else by ``judge_json_document``; None for a document that is not JSON, with
    the bytes as read, which the callers then take as text (a line of them that is not
    UTF-8 stays as it was, as ``redact`` keeps such lines). A document's lines that are not
    UTF-8 are judged as the scan reads them (cp1252); a document nested past what Python
    can walk is a clear error, as the scan fails its unit."""
    data = read_document(stream, ctx.max_json_bytes)
    text = valid_utf8(data)[0] if json.detect_encoding(data).startswith("utf-8") else data
    shared = ctx.shared()
    try:
        if _compiled_text(ctx) and flat_rules(shared.rules):
            records = array_records(text, shared)
            if records is not None:
                rows = TextRows(ctx.engine, ctx.policy, ctx.keys, ctx.source_uri)  # type: ignore[arg-type]
                return data, judge_document(records, shared, rows)
        return data, judge_json_document(text, shared)
    except RecursionError:
        raise InputError("JSON document nested too deeply to judge") from None


# A finding and its place in the object: (line number, record index, the block's finding).
_Found = tuple[int | None, int | None, Found]


def _rows(ctx: Context, found: list[_Found]) -> str:
    """Findings rows of a batch as JSON Lines, their fingerprints and previews derived in
    one call; the values themselves go no further."""
    heads = []
    entities = []
    values = []
    action_for = ctx.policy.action_for
    for line, record, f in found:
        span = f.span
        heads.append((line, record, f.field_path, span, f.action or action_for(span.entity_type)))
        entities.append(span.entity_type)
        values.append(f.text[span.start : span.end])
    fps, previews = digests(entities, values, ctx.keys.fingerprint_key)
    return jsonl_rows(ctx.source_uri, heads, fps, previews)


# ------------------------------------------------------------------------- redact
def redact(stream: BinaryIO, out: BinaryIO, fmt: str, ctx: Context, line_mode: bool) -> None:
    """Write ``stream`` back to ``out`` redacted, in its own format: what ``piisweep
    scan`` writes into its copy of the same object. ``line_mode`` flushes after every
    line, for ``tail -f app.log | piisweep redact -``."""
    if fmt in _DELIMITERS:
        _redact_csv(stream, out, _DELIMITERS[fmt], ctx)
        return
    if fmt == "json":
        data, judged = _judged_document(stream, ctx)
        if isinstance(judged, JudgedDocument):
            judged = JsonDocument(judged.records, [], [], True)
        if judged is None:  # not JSON: redacted as text, as the scan does
            out.write(_redact_chunk(data, False, ctx.shared(), StreamState()))
        else:
            out.write(judged.text().encode("utf-8", "surrogateescape"))
        out.flush()
        return
    jsonl = fmt == "jsonl"
    state = StreamState()
    shared = ctx.shared()
    if line_mode:
        for raw in iter(stream.readline, b""):
            out.write(_redact_chunk(raw, jsonl, shared, state))
            out.flush()
        return
    for chunk in line_chunks(stream):
        out.write(_redact_chunk(chunk, jsonl, shared, state))
    out.flush()


def _redact_chunk(chunk: bytes, jsonl: bool, shared: Shared, state: StreamState) -> bytes:
    """The chunk with its changed lines replaced; every other byte as it came in (a line
    ending in CRLF keeps it, undecodable bytes of an unchanged line stay)."""
    changed = scan_line_block(chunk, state, jsonl, shared).changed
    if not changed:
        return chunk
    # Only the changed lines are cut out: splitting an 8 MB chunk into its lines and
    # joining them again cost more than redacting the few that change.
    ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10).tolist()
    pieces = []
    cursor = 0
    for li in sorted(changed):
        start = ends[li - 1] + 1 if li else 0
        end = ends[li] if li < len(ends) else len(chunk)
        cr = b"\r" if chunk[start:end].endswith(b"\r") else b""
        pieces += (chunk[cursor:start], changed[li].encode("utf-8", "surrogateescape"), cr)
        cursor = end
    pieces.append(chunk[cursor:])
    return b"".join(pieces)


def _redact_csv(stream: BinaryIO, out: BinaryIO, delimiter: str, ctx: Context) -> None:
    reader = _CsvReader(stream, delimiter, ctx)
    if reader.table is None:
        return
    writer_buffer = text_reader(out)  # a text view of the output with the same error rule
    writer = csv.writer(writer_buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(reader.table.header)
    for records, _, judged in reader.batches():
        cells = [c.to_pylist() if isinstance(c, pa.Array) else c for c in judged.cells]
        rows = list(zip(*cells, strict=True)) or [() for _ in range(len(records))]
        # A short row is written short again; a drop's null is an empty cell in CSV.
        widths = [len(r) for r in records.rows] if records.rows is not None else None
        writer.writerows(
            ["" if cell is None else cell for cell in row[: widths[i] if widths else None]]
            for i, row in enumerate(rows)
        )
    writer_buffer.flush()
    writer_buffer.detach()


# ------------------------------------------------------------------------- helpers
class _CsvReader:
    """The records of a CSV/TSV stream in batches (``jobs.csvbatches``, the scan's reader),
    judged by ``jobs.blocks.CsvTable`` as the scan judges them; ``table`` is None for an
    empty input."""

    def __init__(self, stream: BinaryIO, delimiter: str, ctx: Context) -> None:
        self._records = CsvReader(text_reader(stream), delimiter, CSV_BATCH_ROWS)
        with corrupt_as_input_error():
            header = self._records.header()
        self.table = None if header is None else CsvTable(header, delimiter, ctx.shared())

    def batches(self, *, redact: bool = True) -> Iterator[tuple[CsvRecords, int, CsvBatch]]:
        """(the batch's records, 0-based index of its first record, the judged batch),
        ``CSV_BATCH_ROWS`` records at a time; ``redact`` False: see ``CsvTable.judge``."""
        assert self.table is not None
        index = 0
        with corrupt_as_input_error():
            for records in self._records.batches(self.table):
                yield records, index, records.judge(self.table, redact=redact)
                index += len(records)
