"""The scan's CSV fast path (issue #14: a batch of plain lines parsed by ``pyarrow.csv``,
its Arrow columns handed to ``CsvTable.judge_columns``) held to the csv module's path:
generated CSV/TSV objects mixing plain rows with every case the fast path must leave to
the csv module (quotes, quoted line breaks, ragged rows, empty lines, CRLF and lone CR,
invalid UTF-8, over-long lines, a BOM, no final newline), scanned in small batches
so that some batches take the fast path and others not, must give the same status, flags,
findings (line numbers and record indexes too) and redacted copy with the fast path as
without it (``arrow_columns`` answering None for every batch)."""

from __future__ import annotations

import csv
import io
import random
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.policy import Policy
from jobs import csvbatches, unit_scan
from tests.unit.hostile import Scanned, scan_path
from tests.unit.test_csv_column_path import PIECES, POLICIES

# The column-path tests' synthetic values that hold no quote, comma, tab, line break or
# undecodable byte (``isprintable``): every row of them is one record of the header's width.
# Plus a cell with two values in it (the column path's own has a comma).
PLAIN = [p for p in PIECES if p.isprintable() and '"' not in p and "," not in p] + [
    "mail ravi.kumar@example.com or call 9876543210"
]
HEADER = ["name", "email", "phone", "note"]
KINDS = [
    *("plain", "quoted", "quoted_break", "ragged", "empty", "crlf", "lone_cr", "cp1252"),
    *("long", "stray_quote", "after_quote", "open_after_stray", "spaced_quote"),
    *("quoted_pii", "split_quote", "bom_line"),
]
ORIGINAL = csvbatches.arrow_columns


def _row(rng: random.Random, kind: str, sep: str) -> bytes:
    cells = [rng.choice(PLAIN) for _ in HEADER]
    end = "\n"
    if kind == "quoted":
        cells[rng.randrange(len(cells))] = f'"a{sep}b ""{rng.choice(PLAIN)}"""'
    elif kind == "quoted_pii":  # well-formed quoting: the fast path reads these too
        cells[rng.randrange(len(cells))] = f'"{rng.choice(PLAIN)}"'
        cells[rng.randrange(len(cells))] = rng.choice(['""', '""""', f'"x{sep}""y"""'])
    elif kind == "stray_quote":  # a quote inside an unquoted cell is a character
        cells[rng.randrange(len(cells))] = f'ab"{rng.choice(PLAIN)}"'
    elif kind == "after_quote":  # text after the closing quote joins the cell
        cells[rng.randrange(len(cells))] = f'"{rng.choice(PLAIN)}"tail'
    elif kind == "open_after_stray":  # an even count of quotes, yet a record on two lines
        cells[0] = 'x"y'
        cells[-1] = f'"{rng.choice(PLAIN)}\nnext line"'
    elif kind == "split_quote":  # a quoted break whose two lines each look a full record
        head = sep.join([*cells[:-1], f'"{cells[-1]}'])
        tail = sep.join([f'{rng.choice(PLAIN)}"', *cells[1:]])
        return f"{head}\n{tail}\n".encode()
    elif kind == "spaced_quote":  # a space before the opening quote: no quoting
        cells[rng.randrange(len(cells))] = f' "{rng.choice(PLAIN)}"'
    elif kind == "quoted_break":
        cells[rng.randrange(len(cells))] = f'"line one\n{rng.choice(PLAIN)}\nthree"'
    elif kind == "ragged":
        cells = cells[: rng.choice([1, 2, 3])] if rng.random() < 0.5 else [*cells, "extra", "x"]
    elif kind == "empty":
        return b"\n"
    elif kind == "crlf":
        end = "\r\n"
    elif kind == "bom_line":  # a second export appended: its BOM starts a line
        cells[0] = "\ufeff" + cells[0]
    elif kind == "lone_cr":
        cells[0] = f"a\r{cells[0]}"
    elif kind == "long":
        cells[-1] = "asha.rao@example.in " + "z" * 700  # over max_line_bytes below
    line = (sep.join(cells) + end).encode()
    if kind == "cp1252":  # Windows-1252 bytes, invalid UTF-8: repaired and flagged
        line = b"caf\xe9" + line[:-1] + b"\x92\n"
    return line


def _object(seed: int, sep: str) -> bytes:
    """A header and runs of rows of one kind each; mostly plain, so whole batches are."""
    rng = random.Random(seed)
    out = [b"\xef\xbb\xbf" if rng.random() < 0.2 else b"", sep.join(HEADER).encode() + b"\n"]
    for _ in range(rng.randrange(1, 12)):
        kind = "plain" if rng.random() < 0.5 else rng.choice(KINDS)
        out += [_row(rng, kind, sep) for _ in range(rng.randrange(1, 9))]
    data = b"".join(out)
    return data.removesuffix(b"\n") if rng.random() < 0.3 else data


def _scan(
    path: Path, work: Path, policy: Policy, arrow_columns: Any, mp: pytest.MonkeyPatch
) -> Scanned:
    """One scan with ``arrow_columns`` as the fast path's parser (None for every batch:
    the csv module's path alone), in small blocks and with lines over 512 bytes replaced."""
    mp.setattr(csvbatches, "arrow_columns", arrow_columns)
    return scan_path(path, work, policy=policy, chunk_bytes=1024, max_line_bytes=512)


def _outputs(s: Scanned) -> tuple[Any, ...]:
    status = {k: v for k, v in s.status.as_row().items() if k != "seconds"}
    copy = None if s.copy is None else (s.copy.schema, s.copy.to_pylist())
    return status, s.findings.to_pylist(), copy


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
@pytest.mark.parametrize("batch_rows", [1, 3, 7, 50])
def test_fast_path_equals_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy_name: str, batch_rows: int
) -> None:
    policy = POLICIES[policy_name]()
    monkeypatch.setattr(unit_scan, "CSV_BATCH_ROWS", batch_rows)
    taken = {True: 0, False: 0, "quoted": 0}

    def counted(lines: Any, *args: Any) -> Any:
        got = ORIGINAL(lines, *args)
        taken[got is not None] += 1
        taken["quoted"] += got is not None and any('"' in line for line in lines)
        return got

    for seed in range(40):
        sep, name = ("\t", "t.tsv") if seed % 5 == 4 else (",", "t.csv")
        path = tmp_path / f"{seed}" / name
        path.parent.mkdir()
        path.write_bytes(_object(seed, sep))
        fast = _scan(path, tmp_path / f"{seed}" / "fast", policy, counted, monkeypatch)
        slow = _scan(path, tmp_path / f"{seed}" / "slow", policy, lambda *a: None, monkeypatch)
        assert _outputs(fast) == _outputs(slow), seed
        assert slow.status.status == "ok", (seed, slow.status.reason)
    # The objects did exercise both paths (else the comparison proves nothing).
    assert taken[True] > 0 and taken[False] > 0 and taken["quoted"] > 0, taken


def test_quoted_batches_take_the_fast_path_and_a_crlf_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unit_scan, "CSV_BATCH_ROWS", 4)
    parsed: list[int] = []

    def counted(lines: Any, width: int, delimiter: str) -> Any:
        got = ORIGINAL(lines, width, delimiter)
        parsed.append(-1 if got is None else len(got[0]))
        return got

    monkeypatch.setattr(csvbatches, "arrow_columns", counted)
    rows = [f"{i},Asha Rao,asha.rao@example.in,ok\n" for i in range(10)]
    rows[1] = '1,"Rao, Asha","asha.rao@example.in",""\n'  # quoted: the first batch
    rows[6] = "6,Asha Rao,asha.rao@example.in,ok\r\n"  # a CR: the second batch (rows 4-7)
    rows[9] = '9,Rao "Asha",asha.rao@example.in,ok\n'  # a stray quote: the third
    path = tmp_path / "t.csv"
    path.write_text("id,name,email,note\n" + "".join(rows))
    scanned = scan_path(path, tmp_path / "w")
    # Batch 1 (4 rows) fast, batch 2 left to the csv module, batch 3 (2 rows) fast, and a
    # last look at the end of the object.
    assert parsed == [4, -1, 2, -1]
    assert scanned.status.records == 10 and scanned.status.lines == 11
    emails = [r for r in scanned.findings.to_pylist() if r["field_path"] == "email"]
    assert [(r["line_number"], r["record_index"]) for r in emails] == [
        (i + 2, i) for i in range(10)
    ]
    copy = scanned.copy.to_pylist()
    assert "asha.rao@example.in" not in str(copy)
    assert (copy[1]["name"], copy[1]["note"], copy[9]["name"]) == ("Rao, Asha", "", 'Rao "Asha"')


# Lines over an alphabet of what CSV quoting turns on: quotes (stray, doubled, opening a
# cell, after a closing one), both delimiters, spaces, a multi-byte letter, a BOM, a NUL.
_HOSTILE_LINES = st.lists(
    st.text(alphabet=list('ab,"\t é\ufeff\x00'), max_size=10).map(lambda t: t + "\n"),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(lines=_HOSTILE_LINES, more=_HOSTILE_LINES, delimiter=st.sampled_from([",", "\t"]))
def test_a_batch_pyarrow_accepts_is_read_as_the_csv_module_reads_it(
    lines: list[str], more: list[str], delimiter: str
) -> None:
    """Whatever lines ``arrow_columns`` accepts, the csv module reading those lines and
    the object's lines after them gives one record per line, the same cells: a quote left
    open at the batch's end (the csv module reads on into ``more``) is refused."""
    width = len(next(csv.reader(lines[:1], delimiter=delimiter), []))
    got = ORIGINAL(deque(lines), width, delimiter)
    if got is None:
        return
    reader = csv.reader(iter(lines + more), delimiter=delimiter)
    want = [next(reader) for _ in lines]
    assert reader.line_num == len(lines)
    assert [list(row) for row in zip(*(c.to_pylist() for c in got), strict=True)] == want


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
def test_detect_and_redact_read_csv_through_the_same_fast_path(
    monkeypatch: pytest.MonkeyPatch, policy_name: str
) -> None:
    """``piisweep detect`` and ``redact`` read CSV/TSV with the scan's reader: their rows
    and redacted bytes are the same with the fast path as with the csv module alone, on
    the generated objects (short and long rows written back as they came)."""
    from detectors.config import load_engine
    from detectors.keys import KeyRing
    from jobs import local_detect

    policy = POLICIES[policy_name]()
    ctx = local_detect.Context(
        load_engine(None, threshold=policy.threshold), policy, KeyRing(b"f" * 32, b"t" * 32), "in"
    )
    monkeypatch.setattr(local_detect, "CSV_BATCH_ROWS", 3)
    taken = {True: 0, False: 0}

    def counted(*args: Any) -> Any:
        got = ORIGINAL(*args)
        taken[got is not None] += 1
        return got

    def run(arrow_columns: Any, data: bytes, fmt: str) -> tuple[str, bytes]:
        monkeypatch.setattr(csvbatches, "arrow_columns", arrow_columns)
        rows = b"".join(text for _, text in local_detect.detect(io.BytesIO(data), fmt, ctx))
        out = io.BytesIO()
        local_detect.redact(io.BytesIO(data), out, fmt, ctx, False)
        return rows.decode("utf-8", "surrogateescape"), out.getvalue()

    for seed in range(20):
        sep, fmt = ("\t", "tsv") if seed % 5 == 4 else (",", "csv")
        data = _object(seed, sep)
        assert run(counted, data, fmt) == run(lambda *a: None, data, fmt), seed
    assert taken[True] > 0 and taken[False] > 0, taken
