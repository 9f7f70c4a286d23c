"""CSV/TSV records in batches: the one reader of the scan (``jobs.unit_scan``) and of
``piisweep detect`` / ``redact`` (``jobs.local_detect``), so both read an object alike.

A batch of lines goes to ``pyarrow.csv`` when the two parsers must read it the same
(:func:`arrow_columns`) and its Arrow columns go to the column scan as they are; any
other batch is read by the ``csv`` module, record by record, each fitted to the header
(``CsvTable.fit``). Either way a batch says on which line each record starts, which
findings carry and a quoted line break moves (docs/decisions.md, Formats)."""

from __future__ import annotations

import csv
import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    from jobs.blocks import CsvBatch, CsvTable


@dataclass
class CsvRecords:
    """One batch of records: ``starts``, the 1-based line (the reader's count) where each
    begins, and either the ``columns`` ``pyarrow.csv`` parsed or the fitted ``rows`` the
    csv module read."""

    starts: np.ndarray
    rows: list[list[str]] | None = None
    columns: list[pa.Array] | None = None

    def __len__(self) -> int:
        return len(self.starts)

    def judge(self, table: CsvTable, *, redact: bool = True) -> CsvBatch:
        """The batch judged by ``table`` (``CsvTable.judge_columns`` or ``judge``)."""
        if self.columns is not None:
            return table.judge_columns(list(self.columns), len(self), redact=redact)
        assert self.rows is not None
        return table.judge(self.rows, redact=redact)


class CsvReader:
    """The records of a CSV/TSV text stream (lines with their endings, ``newline=""``):
    :meth:`header` first, then :meth:`batches` of at most ``batch_rows`` records. A row
    the csv module cannot parse raises ``csv.Error`` (the caller names the record)."""

    def __init__(self, lines: Iterable[str], delimiter: str, batch_rows: int) -> None:
        self.delimiter = delimiter
        self.batch_rows = batch_rows
        # Lines the fast path looked at but left to the csv module go back to it first.
        self._pending: deque[str] = deque()
        self._source = iter(lines)
        self._reader = csv.reader(_pending_first(self._pending, self._source), delimiter=delimiter)
        self._fast_lines = 0  # lines the fast path read, which the reader's count leaves out

    @property
    def line_num(self) -> int:
        """Lines read so far."""
        return self._reader.line_num + self._fast_lines

    def header(self) -> list[str] | None:
        """The first record (None for an empty stream), always read by the csv module."""
        return next(self._reader, None)

    def batches(self, table: CsvTable) -> Iterator[CsvRecords]:
        """The records after the header, in batches; rows fitted to ``table``'s width."""
        pending, limit = self._pending, self.batch_rows
        while True:
            last = self.line_num
            pending.extend(itertools.islice(self._source, limit - len(pending)))
            columns = arrow_columns(pending, table.width, self.delimiter)
            if columns is not None:  # one line a record: the lines are consecutive
                n = len(pending)
                pending.clear()
                self._fast_lines += n
                yield CsvRecords(np.arange(last + 1, last + n + 1, dtype=np.int64), None, columns)
                continue
            rows: list[list[str]] = []
            starts: list[int] = []
            for row in self._reader:
                starts.append(last + 1)
                last = self.line_num
                rows.append(table.fit(row))
                if len(rows) >= limit:
                    break
            if not rows:
                return
            yield CsvRecords(np.array(starts, dtype=np.int64), rows)


def _pending_first(pending: deque[str], source: Iterator[str]) -> Iterator[str]:
    """The csv reader's lines: those the fast path took from ``source`` and left (a batch
    it could not parse), then ``source`` on. The reader reads a line only to finish a
    record, so what it leaves in ``pending`` starts the next batch."""
    while True:
        while pending:
            yield pending.popleft()
        line = next(source, None)
        if line is None:
            return
        yield line


def arrow_columns(lines: deque[str], width: int, delimiter: str) -> list[pa.Array] | None:
    """The batch's columns parsed by ``pyarrow.csv`` (0.42 µs a record against 3.65 for the
    csv module and the transposition: docs/decisions.md, Formats), or None to leave the
    batch to the csv module. Only where both read the same:

    - every line one record: no quoted line break, which makes fewer records than lines,
      or at the batch's end a cell ending in the newline, where the csv module reads on
      (quotes otherwise, stray ones too, are read alike: ``test_csv_fast_path`` holds the
      two to it on hostile lines);
    - no CR (line ends the two treat differently), no empty line (a record of no cells to
      the csv module, skipped or one empty cell to pyarrow), each line ending in a newline
      but the object's last (lines joined are the same lines), no NUL (the csv module
      refuses one before Python 3.11), no BOM starting the batch (pyarrow drops it: a
      line of a second export appended to a first);
    - every line of the header's width (pyarrow refuses a ragged row, the scan keeps it:
      ``CsvTable.fit``).

    The lines are the repaired text the csv module would read, so the UTF-8 repairs and
    long-line replacements apply alike."""
    text = "".join(lines)
    if (
        not width
        or not text
        or "\r" in text
        or "\x00" in text  # the csv module refuses a NUL before Python 3.11
        or text.startswith("\ufeff")  # pyarrow drops a BOM that starts its input
        or text.startswith("\n")
        or "\n\n" in text
        or text.count("\n") != len(lines) - (not text.endswith("\n"))
    ):
        return None
    quoted = '"' in text
    try:
        data = text.encode()
    except UnicodeEncodeError:  # undecodable bytes ``redact`` keeps as lone surrogates
        return None
    if len(data) >= 1 << 30:  # pyarrow's block size is an int32
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(data) + 1
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"' if quoted else False,
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # a row of another width
        return None
    if table.num_rows != len(lines):
        return None
    columns = [column.combine_chunks() for column in table.columns]
    if quoted and any(pc.any(pc.match_substring(c, "\n")).as_py() for c in columns):
        return None  # a quote still open at the batch's end: the record goes on after it
    return columns
