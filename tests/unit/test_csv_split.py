"""Splitting a large CSV/TSV into record-aligned units (issue #14): the range summaries, the
choice of cuts, and a split scan (every unit through ``scan_unit``, the commit's offsets and
merge) against the same object scanned whole, without Spark."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from csvdata import HEADER_EMAIL, PLANTED, multiline_export

import jobs.csvsplit
from detectors.policy import Policy
from jobs import commit, storage
from jobs.csvsplit import (
    Cuts,
    RangeSummary,
    choose_cuts,
    csv_units,
    pending,
    summarize_range,
)
from jobs.plan import CUTS_PENDING, ObjectEntry, plan_units
from jobs.unit_scan import FindingsSink, ScanJob, scan_unit
from tests.unit.hostile import KEYS, engine

REPO = Path(__file__).resolve().parents[2]


def summaries(data: bytes, step: int, delimiter: str = ",") -> list[RangeSummary | None]:
    f = io.BytesIO(data)
    return [
        summarize_range(f, a, min(len(data), a + step), delimiter)
        for a in range(0, len(data), step)
    ]


def cuts_of(data: bytes, step: int, delimiter: str = ",") -> Cuts | None:
    return choose_cuts(len(data), summaries(data, step, delimiter))


def rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    text = io.StringIO(data.decode("utf-8", "surrogateescape"), newline="")
    return list(csv.reader(text, delimiter=delimiter))


def assert_records_intact(data: bytes, cuts: Cuts, delimiter: str = ",") -> None:
    """The header and each unit's bytes, parsed on their own, give the whole file's rows."""
    header = rows(data[: cuts.header_end], delimiter)
    assert len(header) == 1
    got = []
    for i, (a, b) in enumerate(cuts.bounds(len(data))):
        got += rows(data[a:b], delimiter)[1 if i == 0 else 0 :]
    assert header + got == rows(data, delimiter)


# ------------------------------------------------------------------------- cut choice
def test_a_quoted_field_straddling_a_candidate_cut_moves_the_cut_to_the_record_end() -> None:
    data = b'id,note\n1,"line one\nline two\nline three"\n2,plain\n3,"x\ny"\n4,z\n'
    step = data.index(b"line two")  # the second range starts inside the quoted field
    got = cuts_of(data, step)
    assert got is not None
    assert got.header_end == data.index(b"1,")
    # Not at the newline after "line two" (odd quotes before it), but after the field.
    assert got.cuts[0] == data.index(b"2,plain")
    assert all(data[c - 1 : c] == b"\n" for c in got.cuts)
    assert_records_intact(data, got)


def test_parity_at_each_range_start_is_the_prefix_sum_of_the_quote_counts() -> None:
    """Summaries alone decide: the second range starts inside quotes (one quote before it),
    so its cut is its first newline with an odd count of its own quotes before it."""
    got = choose_cuts(
        100,
        [
            RangeSummary(quotes=1, first_even=9, first_odd=20, irregular_even=0, irregular_odd=0),
            RangeSummary(quotes=3, first_even=35, first_odd=44, irregular_even=2, irregular_odd=0),
            RangeSummary(quotes=0, first_even=70, first_odd=-1, irregular_even=0, irregular_odd=0),
        ],
    )
    assert got == Cuts(header_end=10, cuts=[45, 71])


def test_a_range_without_a_record_end_is_merged_into_the_one_before() -> None:
    by_summary = choose_cuts(
        100,
        [
            RangeSummary(1, 9, 20, 0, 0),  # header ends at 9; a quoted field opens
            RangeSummary(0, 30, -1, 0, 0),  # inside the field throughout: no cut
            RangeSummary(1, 66, 55, 0, 0),  # the field closes; the record ends at 55
        ],
    )
    assert by_summary == Cuts(10, [56])
    long_field = "\n".join(f"part {i}" for i in range(12))
    data = f'id,note\n1,short\n2,"{long_field}"\n3,after\n4,more\n'.encode()
    step = 16
    found = summaries(data, step)
    got = choose_cuts(len(data), found)
    assert got is not None
    assert len(got.cuts) < len(found) - 1  # ranges inside the long field were merged
    assert data.index(b"3,after") in got.cuts
    assert not any(data.index(b'"part') < c <= data.index(b'11"') for c in got.cuts)
    assert_records_intact(data, got)


def test_quotes_that_never_balance_keep_the_object_whole() -> None:
    data = b'id,note\n1,a\n2,b\n3,"unterminated\n4,c\n5,d\n6,e\n'
    assert cuts_of(data, 8) is None
    assert choose_cuts(100, [RangeSummary(0, 9, -1, 0, 0), RangeSummary(1, 60, 70, 0, 0)]) is None


def test_crlf_exports_are_cut_after_the_line_feed() -> None:
    export = multiline_export(400, newline="\r\n")
    got = cuts_of(export.data, 2000)
    assert got is not None and len(got.cuts) > 5
    assert all(export.data[c - 2 : c] == b"\r\n" for c in got.cuts)
    assert_records_intact(export.data, got)


def test_a_tsv_is_cut_at_records_with_tab_as_the_delimiter() -> None:
    export = multiline_export(400, delimiter="\t")
    got = cuts_of(export.data, 2000, "\t")
    assert got is not None and len(got.cuts) > 5
    assert_records_intact(export.data, got, "\t")
    # A quote after a comma starts a field in a CSV and is a literal inside one in a TSV.
    odd = re.sub(rb"plain note (\d+)\t", rb'plain,"note" \1\t', export.data, count=1)
    assert odd != export.data
    assert cuts_of(odd, 2000, "\t") is None
    assert cuts_of(odd.replace(b"\t", b","), 2000, ",") is not None


def test_a_quote_inside_an_unquoted_field_keeps_the_object_whole() -> None:
    """csv reads ``5"x`` as a literal quote, where parity says a field opened: quotes
    balance at the end (a second inch mark), but a cut chosen by parity alone would fall
    inside the field ``"b\nc"``."""
    plain = b"".join(b"%d,plain\n" % i for i in range(20))
    data = b"id,size\n" + plain + b'a,5"x\n"b\nc",d\n' + plain + b'e,7"y\n' + plain
    assert rows(data)[22] == ["b\nc", "d"]
    step = data.index(b'"b')  # a range starts at the quoted field
    found = summaries(data, step)
    assert choose_cuts(len(data), found) is None
    parity_only = [dataclasses.replace(s, irregular_even=0, irregular_odd=0) for s in found]
    wrong = choose_cuts(len(data), parity_only)
    assert wrong is not None and data.index(b'c",d') in wrong.cuts
    # The same data with the inch marks quoted is regular, and splits.
    fixed = data.replace(b'5"x', b'"5""x"').replace(b'7"y', b'"7""y"')
    got = cuts_of(fixed, step)
    assert got is not None and got.cuts
    assert_records_intact(fixed, got)


def test_a_utf8_bom_before_a_quoted_header_is_regular_but_utf16_and_binary_heads_stay_whole() -> (
    None
):
    body = b"".join(b'%d,"x\ny"\n' % i for i in range(30))
    bom = b'\xef\xbb\xbf"id","note"\n' + body
    got = cuts_of(bom, 40)
    assert got is not None and got.cuts
    assert cuts_of(("id,note\n" + body.decode()).encode("utf-16"), 40) is None
    assert cuts_of(b"id,note\n\x00\x01" + body, 40) is None


def test_summaries_cut_random_csv_only_where_csv_agrees() -> None:
    """Fuzz: CSV-like bytes of quotes, delimiters, CR, LF and letters, cut at random
    candidate sizes. Whenever cuts are chosen, parsing the header and each unit on its own
    gives the whole file's rows; well-formed exports are split (the test is not vacuous)."""
    rng = random.Random(1414)
    alphabet = [b'"', b",", b"\n", b"\r\n", b"a", b"b", b'""', b" "]
    split = 0
    for _ in range(600):
        data = b"h1,h2\n" + b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        got = cuts_of(data, rng.randint(1, 20))
        if got is not None:
            try:
                assert_records_intact(data, got)
            except csv.Error:  # a bare CR in an unquoted field: csv fails whole and split
                with pytest.raises(csv.Error):
                    rows(data)
    for seed in range(40):
        export = multiline_export(rng.randint(5, 60), seed=seed, newline=rng.choice(("\n", "\r\n")))
        got = cuts_of(export.data, rng.randint(30, 400))
        if got is not None:
            split += 1
            assert_records_intact(export.data, got)
    assert split >= 35


def test_summaries_do_not_depend_on_the_read_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A range is read in blocks of READ_BYTES (8 MiB); quote counts, parity and the
    previous byte carry across blocks, so tiny blocks give the same summaries."""
    export = multiline_export(300, newline="\r\n")
    data = export.data.replace(b"plain note 5,", b'plain "note" 5,', 1)  # one irregular quote
    assert data != export.data
    for step in (997, 4096):
        big = summaries(data, step)
        monkeypatch.setattr(jobs.csvsplit, "READ_BYTES", 7)
        small = summaries(data, step)
        monkeypatch.undo()
        assert small == big
        assert choose_cuts(len(data), big) is None
        assert choose_cuts(len(export.data), summaries(export.data, step)) is not None


# ------------------------------------------------------------------------- planning
def test_the_planner_cuts_large_csv_into_candidates_and_the_summaries_into_units(
    tmp_path: Path,
) -> None:
    export = multiline_export(300)
    path = tmp_path / "big.csv"
    path.write_bytes(export.data)
    uri = path.as_uri()
    size = len(export.data)
    objects = [
        ObjectEntry(uri, size, 0, None, "csv", None),
        ObjectEntry("file:///l/a.log", 100, 0, None, "text", None),
        ObjectEntry("file:///l/b.csv.gz", size, 0, None, "csv", "gzip"),
    ]
    unit_bytes = size  # a CSV byte weighs 8: about 8 candidate ranges
    kw: dict[str, Any] = {"row_groups": lambda uri: [], "head": lambda uri, n: b""}
    whole, _ = plan_units(objects, unit_bytes=unit_bytes, **kw)
    assert [u.parts for u in whole] == [1, 1, 1]
    units, _ = plan_units(objects, unit_bytes=unit_bytes, split_csv=True, **kw)
    candidates = pending(units)
    assert len(candidates) == 8 and {u.uri for u in candidates} == {uri}
    assert all(u.header_end == CUTS_PENDING for u in candidates)
    with open(path, "rb") as f:
        found = {u.unit_id: summarize_range(f, u.start, u.end, ",") for u in candidates}
    final = csv_units(units, found)
    csv_part = [u for u in final if u.uri == uri]
    assert 2 <= len(csv_part) <= 8 and not pending(final)
    assert [u.uri for u in final[len(csv_part) :]] == ["file:///l/a.log", "file:///l/b.csv.gz"]
    assert csv_part[0].start == 0 and csv_part[-1].end == size
    assert all(a.end == b.start for a, b in itertools.pairwise(csv_part))
    assert [u.seq for u in csv_part] == list(range(len(csv_part)))
    assert {u.header_end for u in csv_part} == {export.data.index(b"\n") + 1}
    assert len({u.unit_id for u in final}) == len(final)
    # A range that could not be read leaves the object whole.
    found[candidates[3].unit_id] = None
    again = [u for u in csv_units(units, found) if u.uri == uri]
    assert [(u.parts, u.start, u.end, u.size) for u in again] == [(1, 0, -1, size)]


def test_commit_offsets_add_lines_to_line_numbers_and_records_to_record_indexes() -> None:
    def row(uri: str, unit: str, seq: int, parts: int, fmt: str, lines: int, records: int) -> Any:
        return {"uri": uri, "unit_id": unit, "seq": seq, "parts": parts, "fmt": fmt,
                "lines": lines, "records": records, "status": "ok"}  # fmt: skip

    statuses = [
        row("c", "c0", 0, 3, "csv", 10, 6),  # the header is a line but no record
        row("c", "c2", 2, 3, "csv", 3, 3),
        row("c", "c1", 1, 3, "csv", 7, 4),  # multi-line records
        row("t", "t1", 1, 2, "jsonl", 5, 5),
        row("t", "t0", 0, 2, "jsonl", 4, 4),
    ]
    assert commit.unit_offsets(statuses) == {"c1": (10, 6), "c2": (17, 10), "t1": (4, 4)}
    table = pa.table(
        {
            "unit_id": ["c0", "c1", "c2", "t1", "c1"],
            "line_number": [1, 2, 1, 3, 5],
            "record_index": [None, 0, 2, 2, 1],
        }
    )
    shifted = commit._shift(table, commit.unit_offsets(statuses))
    assert shifted.column("line_number").to_pylist() == [1, 12, 18, 7, 15]
    assert shifted.column("record_index").to_pylist() == [None, 6, 12, 6, 7]
    # A CSV copy has no line numbers (and a column named line_number is data): its parts
    # are merged as they are.
    plans = commit.object_plans(statuses, "file:///s", "file:///o/redacted")
    assert {p.uri: [o for _, o in p.parts] for p in plans} == {"c": [0, 0, 0], "t": [0, 4]}


# ------------------------------------------------------------------------- split = whole
def _scan(units: list[Any], path: Path, work: Path, policy: Policy) -> dict[str, Any]:
    """Scan ``units`` as the scan's tasks do, then commit as the scan does: findings with
    the units' offsets, the copy merged from the parts."""
    staging = work / "staging"
    tmp = work / "tmp"
    tmp.mkdir(parents=True)
    job = ScanJob(
        engine=engine(),
        policy=policy,
        keys=KEYS,
        s3=storage.S3Settings.from_env({}),
        staging=str(staging),
        scan_id="split",
        chunk_bytes=4096,  # several blocks per unit
    )
    sink = FindingsSink(str(tmp), KEYS.fingerprint_key, job.scan_id, flush_rows=100)
    statuses = [scan_unit(u, job, sink, str(tmp)).as_row() for u in units]
    tables = []
    for n, path in enumerate(sink.close()):  # as the commit does: moved, or renumbered
        dest = str(work / "findings" / f"part-{n}.parquet")
        if path is not None and n == 0:
            commit.move_findings_part(path, dest, job.s3, None)
        elif path is not None:
            offsets = commit.unit_offsets(statuses)
            commit.finalize_findings_part(path, dest, offsets, job.scan_id, job.s3, None)
        if os.path.exists(dest):
            tables.append(pq.read_table(dest))
    found = pa.concat_tables(tables).drop_columns(["scan_id"])
    [plan] = commit.object_plans(statuses, str(staging), str(work / "redacted"))
    commit.finalize_object(plan.parts, plan.dest, job.s3, None)
    flags: Counter[str] = Counter()
    for s in statuses:
        flags.update(json.loads(s["flags"]))
    return {
        "statuses": statuses,
        "findings": sorted(found.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True)),
        "copy": pq.read_table(plan.dest),
        "flags": flags,
        "records": sum(s["records"] for s in statuses),
        "lines": sum(s["lines"] for s in statuses),
    }


@pytest.mark.parametrize(
    ("delimiter", "newline", "policy_file"),
    [(",", "\n", None), (",", "\r\n", "iscp"), ("\t", "\n", None)],
)
def test_a_split_csv_scan_equals_the_whole_scan(
    tmp_path: Path, delimiter: str, newline: str, policy_file: str | None
) -> None:
    export = multiline_export(700, delimiter=delimiter, newline=newline)
    name = "export.tsv" if delimiter == "\t" else "export.csv"
    path = tmp_path / name
    # A Windows-1252 line among the records: flagged once, by the unit that holds it.
    data = re.sub(rb"(plain note \d+)", b"\\1 caf\xe9", export.data, count=1)
    assert data != export.data
    path.write_bytes(data)
    fmt = "tsv" if delimiter == "\t" else "csv"
    entry = ObjectEntry(path.as_uri(), len(data), 0, None, fmt, None)
    kw: dict[str, Any] = {"row_groups": lambda uri: [], "head": lambda uri, n: b""}
    [whole], _ = plan_units([entry], unit_bytes=len(data) * 8, split_csv=True, **kw)
    planned, _ = plan_units([entry], unit_bytes=8_000 * 8, split_csv=True, **kw)
    with open(path, "rb") as f:
        found = {u.unit_id: summarize_range(f, u.start, u.end, delimiter) for u in planned}
    split_units = csv_units(planned, found)
    assert whole.parts == 1 and len(split_units) >= 4
    policy = Policy.load(REPO / "conf/policies/iscp.yaml") if policy_file else Policy.default()
    a = _scan([whole], path, tmp_path / "whole", policy)
    b = _scan(split_units, path, tmp_path / "split", policy)
    assert {s["status"] for s in a["statuses"] + b["statuses"]} == {"ok"}
    assert b["findings"] == a["findings"] and len(a["findings"]) > 100
    assert b["copy"].schema == a["copy"].schema
    assert b["copy"].to_pylist() == a["copy"].to_pylist()
    assert (b["records"], b["lines"]) == (a["records"], a["lines"]) == (700, data.count(b"\n"))
    assert b["flags"] == a["flags"]
    assert a["flags"]["pii_header_cells_redacted"] == 1
    assert a["flags"]["lines_decoded_as_cp1252"] == 1
    if policy_file:
        assert any(name.endswith("is_pii") for name in a["copy"].schema.names)
    # The header cell's finding is made once, at line 1 with no record; the planted cells
    # are at their record's first line and index.
    header = [r for r in b["findings"] if r["record_index"] is None]
    assert [(r["line_number"], r["entity_type"]) for r in header] == [(1, "EMAIL_ADDRESS")]
    located = {(r["line_number"], r["record_index"], r["entity_type"]) for r in b["findings"]}
    if not policy_file:  # iscp keeps a lone e-mail, so those rows may have no finding
        assert set(export.planted) <= located
    assert HEADER_EMAIL not in str(b["copy"].schema)
    text = json.dumps(b["findings"]) + repr(b["copy"].to_pylist())
    for value in PLANTED if not policy_file else ():  # iscp keeps a lone e-mail by design
        assert value not in text
