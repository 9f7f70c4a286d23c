"""Merging a split object's redacted parts into one copy (``commit.finalize_object``): the
core copies the parts' column chunks as they are and rewrites only ``line_number``
(``pqmerge.rs``); the decoded merge stays for parts it cannot take. Either way the copy
must equal the parts read back and concatenated, line numbers moved by each offset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from jobs import commit, storage
from jobs.unit_scan import TEXT_PII_SCHEMA, TEXT_SCHEMA, part_options

S3 = storage.S3Settings.from_env({})


def _lines(first: int, n: int, schema: pa.Schema) -> pa.Table:
    cols: dict[str, list[object]] = {
        "line_number": list(range(first, first + n)),
        "line": [f"GET /o/{i} user=ra****@example.com é {i * 7}" for i in range(first, first + n)],
    }
    if "is_pii" in schema.names:
        cols["is_pii"] = [None if i % 5 == 0 else i % 2 == 0 for i in range(n)]
    return pa.table(cols, schema=schema)


def _write(table: pa.Table, path: Path, row_group: int = 1000, **options: object) -> str:
    opts = options or part_options(table.schema)
    with pq.ParquetWriter(str(path), table.schema, **opts) as w:  # type: ignore[arg-type]
        w.write_table(table, row_group_size=row_group)
    return path.as_uri()


def _expected(tables: list[pa.Table], offsets: list[int]) -> pa.Table:
    moved = []
    for t, off in zip(tables, offsets, strict=True):
        if (
            off
            and "line_number" in t.schema.names
            and t.schema.field("line_number").type == pa.int64()
        ):
            i = t.schema.get_field_index("line_number")
            t = t.set_column(i, "line_number", pc.add(t.column(i), off))
        moved.append(t)
    return pa.concat_tables(moved)


def _merge(
    tmp_path: Path, tables: list[pa.Table], offsets: list[int], **options: object
) -> pq.ParquetFile:
    parts = [
        (_write(t, tmp_path / f"p{n}.parquet", **options), off)
        for n, (t, off) in enumerate(zip(tables, offsets, strict=True))
    ]
    dest = (tmp_path / "out" / "copy.parquet").as_uri()
    commit.finalize_object(parts, dest, S3, None)
    return pq.ParquetFile(str(tmp_path / "out" / "copy.parquet"))


@pytest.mark.parametrize("schema", [TEXT_SCHEMA, TEXT_PII_SCHEMA], ids=["text", "jsonl"])
def test_a_line_copy_is_merged_chunk_by_chunk_with_line_numbers_moved(
    tmp_path: Path, schema: pa.Schema
) -> None:
    # Each unit counts its lines from 1; an empty part (a unit that owned no line) too.
    tables = [
        _lines(1, 2500, schema),
        _lines(1, 0, schema),
        _lines(1, 1800, schema),
        _lines(1, 7, schema),
    ]
    offsets = [0, 2500, 2500, 4300]
    got = _merge(tmp_path, tables, offsets)
    assert "parquet-rs" in got.metadata.created_by  # the core merged it, not the fallback
    table = got.read()
    assert table.schema == schema
    assert table.equals(_expected(tables, offsets))
    assert table.column("line_number").to_pylist() == list(range(1, 4308))
    # The text column's chunks are the parts' own bytes, still zstd.
    lines = [got.metadata.row_group(g).column(1) for g in range(got.metadata.num_row_groups)]
    assert {c.compression for c in lines} == {"ZSTD"}


def test_a_table_copy_is_merged_as_it_is_whatever_its_types(tmp_path: Path) -> None:
    """A Parquet or CSV copy has no line numbers to move, even in a column of that name."""

    def part(k: int) -> pa.Table:
        n = 300 * (k + 1)
        return pa.table(
            {
                "line_number": pa.array([f"r{i}" for i in range(n)]),  # data, not a line count
                "amount": pa.array([i * 0.5 for i in range(n)]),
                "at": pa.array(
                    [dt.datetime(2024, 3, 11, tzinfo=dt.timezone.utc)] * n,
                    pa.timestamp("ms", "UTC"),
                ),
                "tags": pa.array(
                    [[f"t{i}", None] if i % 3 else None for i in range(n)], pa.list_(pa.string())
                ),
                "kind": pa.array(["a", "b", "c"] * (n // 3)).dictionary_encode(),
            }
        )

    tables = [part(k) for k in range(3)]
    got = _merge(tmp_path, tables, [0, 0, 0])
    assert "parquet-rs" in got.metadata.created_by
    table = got.read()
    assert table.schema == tables[0].schema  # Arrow types (tz, dictionary) kept
    assert table.equals(pa.concat_tables(tables))


def test_parts_the_core_cannot_take_are_merged_by_decoding(tmp_path: Path) -> None:
    """Line numbers under zstd (parts of another writer) cannot be shifted by the core,
    which has no codecs: the decoded merge gives the same copy."""
    tables = [_lines(1, 900, TEXT_SCHEMA), _lines(1, 400, TEXT_SCHEMA)]
    got = _merge(tmp_path, tables, [0, 900], compression="zstd")
    assert "parquet-rs" not in got.metadata.created_by
    assert got.read().equals(_expected(tables, [0, 900]))


def test_parts_of_different_schemas_are_left_to_the_decoded_merge(tmp_path: Path) -> None:
    a = _lines(1, 10, TEXT_SCHEMA)
    b = _lines(1, 10, TEXT_PII_SCHEMA)
    with pytest.raises((ValueError, pa.ArrowInvalid)):  # as before the core merge
        _merge(tmp_path, [a, b], [0, 10])
