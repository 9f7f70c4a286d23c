"""How a scan task stages its findings and how the commit puts them in the table.

Findings of byte ranges after their object's first are numbered from the range's start;
the commit adds the earlier ranges' lines and records, so those rows keep ``unit_id`` and
are rewritten. All others are staged in the table's own form and moved, not rewritten.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs import commit, storage
from jobs.findings import arrow_schema
from jobs.plan import Unit
from jobs.unit_scan import STAGED_FINDINGS_SCHEMA, FindingsSink

S3 = storage.S3Settings.from_env({})
WHOLE = Unit("file:///lake/whole.log", "text", None, 0, 1, 0, -1, 100)
FIRST = Unit("file:///lake/split.log", "text", None, 0, 2, 0, 50, 100)
LATER = Unit("file:///lake/split.log", "text", None, 1, 2, 50, 100, 100)
TABLE = Unit("file:///lake/t.parquet", "parquet", None, 1, 2, 1, 2, 100, record_offset=40)


def _sink(tmp: Path, units: list[Unit], rows_each: int = 3) -> FindingsSink:
    sink = FindingsSink(str(tmp), b"k" * 32, "scan-1", flush_rows=2)
    for unit in units:
        sink.start_unit(unit)
        for line in range(1, rows_each + 1):
            head = (unit.unit_id, unit.uri, line, None, None, 0, 9, "EMAIL", "email", 1.0, "mask")
            sink.add_value(head, "EMAIL", f"user{line}@example.com")
    return sink


def test_when_a_partition_holds_later_ranges_then_only_their_rows_keep_unit_id(
    tmp_path: Path,
) -> None:
    final, renumbered = _sink(tmp_path, [WHOLE, LATER, FIRST, TABLE]).close()
    table = pq.read_table(final)
    assert table.schema == arrow_schema()
    assert set(table.column("scan_id").to_pylist()) == {"scan-1"}
    assert len(table.column("fingerprint").to_pylist()[0]) == 64
    # A Parquet unit after the first carries its record offset: nothing to renumber.
    sources = sorted(table.column("source_uri").to_pylist())
    assert sources == sorted([WHOLE.uri] * 3 + [FIRST.uri] * 3 + [TABLE.uri] * 3)
    assert renumbered is not None
    later = pq.read_table(renumbered)
    assert later.schema == STAGED_FINDINGS_SCHEMA
    assert later.column("unit_id").to_pylist() == [LATER.unit_id] * 3
    assert later.column("line_number").to_pylist() == [1, 2, 3]


def test_when_no_unit_is_renumbered_then_one_file_is_staged(tmp_path: Path) -> None:
    final, renumbered = _sink(tmp_path, [WHOLE, FIRST]).close()
    assert renumbered is None and pq.read_table(final).num_rows == 6


def test_a_staged_part_is_moved_once_and_a_retried_move_takes_the_moved_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "task").mkdir()
    final, _ = _sink(tmp_path / "task", [WHOLE]).close()
    staged = pq.read_table(final)
    dest = str(tmp_path / "findings" / "part-00000.parquet")
    assert commit.move_findings_part(final, dest, S3, None) == dest
    assert not Path(final).exists() and pq.read_table(dest).equals(staged)
    assert commit.move_findings_part(final, dest, S3, None) == dest  # a retried task
    Path(dest).unlink()
    with pytest.raises(storage.StorageError):  # neither there nor moved: the part is lost
        commit.move_findings_part(final, dest, S3, None)


def test_an_empty_staged_part_adds_no_file(tmp_path: Path) -> None:
    final, _ = _sink(tmp_path, [WHOLE], rows_each=0).close()
    dest = tmp_path / "findings" / "part-00000.parquet"
    assert commit.move_findings_part(final, str(dest), S3, None) is None
    assert not dest.exists()


def test_renumbered_rows_get_the_earlier_ranges_lines_and_the_scan_id(tmp_path: Path) -> None:
    _, renumbered = _sink(tmp_path, [FIRST, LATER]).close()
    assert renumbered is not None
    dest = str(tmp_path / "findings" / "part-00001.parquet")
    offsets = {LATER.unit_id: (120, 118)}
    assert commit.finalize_findings_part(renumbered, dest, offsets, "scan-1", S3, None) == dest
    table = pq.read_table(dest)
    assert table.schema == arrow_schema()
    assert table.column("line_number").to_pylist() == [121, 122, 123]
    assert table.column("record_index").to_pylist() == [None] * 3  # text: no record
    assert set(table.column("scan_id").to_pylist()) == {"scan-1"}


def test_a_partition_of_later_ranges_only_stages_an_empty_part_and_its_renumber_file(
    tmp_path: Path,
) -> None:
    final, renumbered = _sink(tmp_path, [LATER]).close()
    staged = pq.ParquetFile(final)
    assert staged.metadata.num_rows == 0 and staged.metadata.num_row_groups == 0
    assert renumbered is not None and pq.read_table(renumbered).num_rows == 3


def test_a_renumbered_unit_without_findings_still_stages_its_file(tmp_path: Path) -> None:
    """The commit requires a renumber file from every partition that held such a unit, so a
    lost one stops the commit instead of dropping findings silently."""
    _, renumbered = _sink(tmp_path, [WHOLE, LATER], rows_each=0).close()
    assert renumbered is not None and pq.read_table(renumbered).num_rows == 0
