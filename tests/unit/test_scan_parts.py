"""The scan job's Spark-free parts: formats, planning, byte ranges, nested leaves, config."""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from detectors import _native
from jobs.commit import line_offsets, redacted_uri
from jobs.formats import (
    FORMATS,
    binary_reason,
    compression_of,
    content_format,
    from_name,
    sniff_format,
)
from jobs.nested import from_text, leaves, rebuild, to_value, unfit
from jobs.plan import ObjectEntry, Unit, assign, describe, partition_count, plan_units
from jobs.readers import CUT_LINE, CorruptInput, line_blocks, valid_utf8
from jobs.scanconfig import ConfigError, load_scan_config


@pytest.mark.parametrize(
    ("name", "fmt", "comp"),
    [
        ("a/app.log", "text", None),
        ("a/app.log.gz", "text", "gzip"),
        ("x.JSONL.ZST", "jsonl", "zstd"),
        ("export.csv.bz2", "csv", "bz2"),
        ("t.tsv", "tsv", None),
        ("o.parquet", "parquet", None),
        ("dump", None, None),
        ("data.gz", None, "gzip"),
    ],
)
def test_kind_from_name(name: str, fmt: str | None, comp: str | None) -> None:
    kind = from_name(name)
    assert (kind.fmt, kind.compression) == (fmt, comp)


def test_content_sniffing() -> None:
    assert compression_of(gzip.compress(b"x")) == "gzip"
    assert compression_of(bz2.compress(b"x")) == "bz2"
    assert compression_of(b"plain text") is None
    assert binary_reason(b"\x89PNG\r\n") == "binary content (PNG image)"
    assert binary_reason(b"abc\x00def") == "binary content (NUL bytes in the first 8 KiB)"
    assert binary_reason("naïve café\n".encode()) is None
    assert sniff_format(b'{"a": 1}\n{"a": 2}\n') == "jsonl"
    assert sniff_format(b'{"a": 1, broken\n') == "json"
    assert sniff_format(b'[{"a": 1}]') == "json"
    assert sniff_format(b"2026-01-01 INFO a=1, b=2\n") == "text"
    # .json is JSON Lines when it holds JSON Lines (Spark's DataFrame.write.json)
    assert content_format("json", b'{"a": 1}\n{"a": 2}\n') == "jsonl"
    assert content_format("json", b'[{"a": 1},\n {"a": 2}]') == "json"
    assert content_format("json", b'{\n  "a": 1\n}') == "json"
    assert content_format(None, b'{"a": 1}\n') == "jsonl"
    assert content_format("text", b'{"a": 1}\n') == "text"  # the name wins otherwise


def test_a_large_json_file_is_split_only_when_it_holds_json_lines() -> None:
    objects = [_entry("file:///l/lines.json", 250), _entry("file:///l/doc.json", 250)]
    heads = {"lines.json": b'{"a": 1}\n{"a": 2}\n', "doc.json": b'[\n{"a": 1},\n'}
    units, _ = plan_units(
        objects,
        unit_bytes=100,
        row_groups=lambda uri: [],
        head=lambda uri, n: heads[uri.rsplit("/", 1)[1]][:n],
    )
    by_name = [(u.uri.rsplit("/", 1)[1], u.fmt, u.parts) for u in units]
    assert by_name == [("lines.json", "jsonl", 3)] * 3 + [("doc.json", "json", 1)]


def test_line_blocks_partition_every_line_exactly_once() -> None:
    rnd = random.Random(5)
    for _ in range(1500):
        lines = [b"y" * rnd.choice([0, 1, 3, 40]) for _ in range(rnd.randint(0, 30))]
        data = b"\n".join(lines) + (b"\n" if rnd.random() < 0.5 else b"")
        cuts = sorted({0, len(data), *(rnd.randint(0, len(data)) for _ in range(4))})
        got = b"".join(
            block
            for a, b in itertools.pairwise(cuts)
            for block in line_blocks(io.BytesIO(data), a, b, chunk_bytes=rnd.choice([1, 7, 64]))
        )
        assert got == data


def test_line_blocks_hold_every_line_when_reads_cut_lines_into_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reads of a few bytes put a line's bytes, and a range's first newline, in several
    pieces: each block is still whole lines, and the ranges still partition the object."""
    import jobs.readers

    rnd = random.Random(9)
    for read_bytes in (1, 2, 5, 13):
        monkeypatch.setattr(jobs.readers, "_READ_BYTES", read_bytes)
        for _ in range(300):
            lines = [b"z" * rnd.choice([0, 1, 4, 30]) for _ in range(rnd.randint(0, 25))]
            data = b"\n".join(lines) + (b"\n" if rnd.random() < 0.5 else b"")
            cuts = sorted({0, len(data), *(rnd.randint(0, len(data)) for _ in range(3))})
            blocks = [
                block
                for a, b in itertools.pairwise(cuts)
                for block in line_blocks(io.BytesIO(data), a, b, chunk_bytes=rnd.choice([1, 9, 50]))
            ]
            assert b"".join(blocks) == data
            assert all(block.endswith(b"\n") for block in blocks[:-1])


def test_line_array_and_line_count_equal_a_split_on_newlines() -> None:
    from jobs.blocks import line_array, line_count

    rnd = random.Random(3)
    pieces = [b"", b"a", b"\xc3\xa9", b"\xff", b"\r", b" ", b"x" * 70]
    for _ in range(500):
        lines = [
            b"".join(rnd.choices(pieces, k=rnd.randint(0, 4))) for _ in range(rnd.randint(0, 9))
        ]
        block = b"\n".join(lines) + (b"\n" if lines and rnd.random() < 0.5 else b"")
        want = block.split(b"\n")
        if block.endswith(b"\n") or not block:
            want.pop()
        assert line_array(block, pa.binary()).to_pylist() == want
        assert line_count(block) == len(want)
    assert line_array("é\nb\n".encode()).to_pylist() == ["é", "b"]


def test_line_array_with_changed_lines_equals_the_split_with_those_lines_replaced() -> None:
    from jobs.blocks import line_array

    rnd = random.Random(5)
    pieces = ["", "a", "é", "\r", " ", "x" * 70, "𝄞"]
    for _ in range(300):
        lines = [
            "".join(rnd.choices(pieces, k=rnd.randint(0, 4))) for _ in range(rnd.randint(0, 9))
        ]
        block = "\n".join(lines).encode() + (b"\n" if lines and rnd.random() < 0.5 else b"")
        want = block.decode().split("\n")
        if block.endswith(b"\n") or not block:
            want.pop()
        changed = {
            i: "".join(rnd.choices(pieces, k=rnd.randint(0, 3)))
            for i in rnd.sample(range(len(want)), rnd.randint(0, len(want)))
        }
        for i, text in changed.items():
            want[i] = text
        assert line_array(block, changed=changed).to_pylist() == want


def test_line_array_refuses_changes_it_cannot_place() -> None:
    from jobs.blocks import line_array

    with pytest.raises(ValueError, match="out of range"):
        line_array(b"a\nb\n", changed={2: "x"})
    with pytest.raises(ValueError, match="ascend"):
        _native.split_lines(b"a\nb\n", np.array([1, 0], np.int64).tobytes(), ["x", "y"])
    with pytest.raises(UnicodeEncodeError):  # as pa.array(..., pa.string()) refuses it
        line_array(b"a\n", changed={0: "\ud800"})


def test_truncated_stream_yields_its_prefix_then_raises() -> None:
    data = b"".join(b"line %d\n" % i for i in range(200_000))
    gz = gzip.compress(data)
    got = []
    with pytest.raises(CorruptInput):
        for block in line_blocks(gzip.GzipFile(fileobj=io.BytesIO(gz[: len(gz) // 2]))):
            got.append(block)
    prefix = b"".join(got)
    # the line the damage cut is replaced whole, never copied as a fragment
    if prefix.endswith(CUT_LINE):
        prefix = prefix.removesuffix(CUT_LINE)
    assert prefix.endswith(b"\n")
    assert len(prefix) > len(data) // 4 and data.startswith(prefix)


def test_invalid_utf8_lines_fall_back_to_cp1252() -> None:
    block = b"ok line\n" + "café €5\n".encode("cp1252") + b"\x81 hole\n"
    fixed, bad = valid_utf8(block)
    assert bad == 2
    assert fixed.decode("utf-8").splitlines() == ["ok line", "café €5", "\x81 hole"]
    assert valid_utf8(b"fine\n") == (b"fine\n", 0)


def _entry(uri: str, size: int) -> ObjectEntry:
    kind = from_name(uri)
    return ObjectEntry(uri, size, 0, None, kind.fmt, kind.compression)


def _planned(objects: list[ObjectEntry]) -> list[Unit]:
    """The units of ``objects``, none of them Parquet (no row groups) nor JSON (no head)."""
    units, _ = plan_units(objects, row_groups=lambda uri: [], head=lambda uri, n: b"")
    return units


def test_plan_splits_what_can_be_split() -> None:
    objects = [
        _entry("file:///l/big.log", 250),
        _entry("file:///l/big.log.gz", 250),
        _entry("file:///l/big.csv", 250),
        _entry("file:///l/o.parquet", 250),
        _entry("file:///l/small.log", 10),
        _entry("file:///l/huge.log", 10_000),
    ]
    groups = [(10, 60)] * 5  # five row groups of 60 bytes
    units, skipped = plan_units(
        objects,
        unit_bytes=100,
        max_object_bytes=5000,
        row_groups=lambda uri: groups,
        head=lambda uri, n: b"text\n",
    )
    by_uri: dict[str, list] = {}
    for u in units:
        by_uri.setdefault(u.uri.rsplit("/", 1)[1], []).append(u)
    assert [(u.start, u.end) for u in by_uri["big.log"]] == [(0, 84), (84, 168), (168, 250)]
    assert len(by_uri["big.log.gz"]) == 1 and len(by_uri["big.csv"]) == 1
    assert [(u.start, u.end, u.record_offset) for u in by_uri["o.parquet"]] == [
        (0, 1, 0),
        (1, 2, 10),
        (2, 3, 20),
        (3, 4, 30),
        (4, 5, 40),
    ]
    assert [s.uri for s in skipped] == ["file:///l/huge.log"]
    assert len({u.unit_id for u in units}) == len(units)


def test_unnamed_objects_are_sniffed_once() -> None:
    entry = describe("s3://b/dump", 100, 0, "e", head=lambda uri, n: gzip.compress(b"x")[:n])
    assert (entry.fmt, entry.compression) == (None, "gzip")
    entry = describe("s3://b/x", 100, 0, None, head=lambda uri, n: b"PAR1"[:n])
    assert entry.fmt == "parquet"


def test_assign_balances_bytes_deterministically() -> None:
    sizes = [50, 40, 30, 30, 20, 10, 10, 10]
    units = _planned([_entry(f"file:///l/{i}.log.gz", s) for i, s in enumerate(sizes)])
    bins = assign(units, 3)
    loads = sorted(sum(u.size for u in b) for b in bins)
    assert loads == [66, 67, 67] or max(loads) - min(loads) <= 10
    assert assign(units, 3) == bins
    assert sorted(u.unit_id for b in bins for u in b) == sorted(u.unit_id for u in units)


def test_units_are_sized_and_packed_by_estimated_cost() -> None:
    """An export byte costs more than a log byte: a Parquet file splits into row-group runs
    while a log of the same size stays whole, and a gzip log outweighs a plain one."""
    groups = [(10, 5)] * 8  # eight row groups of 5 bytes
    units, _ = plan_units(
        [_entry("file:///l/o.parquet", 40), _entry("file:///l/a.log", 40)],
        unit_bytes=100,
        row_groups=lambda uri: groups,
        head=lambda uri, n: b"text\n",
    )
    parquet = [(u.start, u.end) for u in units if u.fmt == "parquet"]
    assert parquet == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert [u.parts for u in units if u.uri.endswith(".log")] == [1]
    assert (
        Unit("u", "text", "gzip", 0, 1, 0, -1, 10).cost
        > Unit("u", "text", None, 0, 1, 0, -1, 30).cost
    )


def test_record_formats_are_weighed_between_logs_and_exports_and_documents_above() -> None:
    """A byte of JSON Lines costs more than a byte of a log and less than one of an export;
    a JSON document, one unit judged whole, more than either. Weighed like a log, the
    sample lake's JSON document was packed last and one core scanned it alone at the end."""
    cost = {fmt: Unit("u", fmt, None, 0, 1, 0, -1, 100).cost for fmt in FORMATS}
    assert cost["text"] < cost["jsonl"] < cost["csv"] == cost["parquet"] < cost["json"]
    units = _planned(
        [
            _entry("file:///l/a.log", 60),
            _entry("file:///l/b.log", 50),
            _entry("file:///l/c.log", 40),
            _entry("file:///l/d.json", 5),
        ]
    )
    bins = assign(units, 2)
    assert "d.json" in [u.uri.rsplit("/", 1)[1] for u in bins[0]]  # the bin Spark starts first


def test_assign_returns_the_heaviest_bin_first() -> None:
    """Spark starts tasks in partition order: the costliest work must not start last."""
    units = _planned(
        [
            _entry("file:///l/a.log", 30),
            _entry("file:///l/b.log", 20),
            _entry("file:///l/c.csv", 10),
        ]
    )
    bins = assign(units, 3)
    assert [[u.uri.rsplit("/", 1)[1] for u in b] for b in bins] == [["c.csv"], ["a.log"], ["b.log"]]
    loads = [sum(u.cost for u in b) for b in assign(units, 2)]
    assert loads == sorted(loads, reverse=True)


def test_nested_leaves_and_rebuild_keep_the_schema() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "id": [1, 2],
            "ship": [{"name": "A", "tags": ["x", "y"]}, None],
            "contacts": [["a@x.in"], ["b@y.in", "c@z.in"]],
            "groups": [[[{"p": "1"}, {"p": "2"}]], [[], [{"p": "3"}]]],
        }
    )
    found = {leaf.path: leaf for leaf in leaves(batch)}
    assert set(found) == {"id", "ship.name", "ship.tags[]", "contacts[]", "groups[][].p"}
    contacts = found["contacts[]"]
    assert contacts.field_paths(np.arange(3)) == ["contacts[0]", "contacts[0]", "contacts[1]"]
    assert found["groups[][].p"].field_paths(np.array([2, 0, 1])) == [
        "groups[1][0].p",
        "groups[0][0].p",
        "groups[0][1].p",
    ]
    assert found["ship.name"].field_paths(np.array([0, 1])) == ["ship.name", "ship.name"]
    assert contacts.rows.tolist() == [0, 1, 1]
    new, nulled = from_text(["A1", "B1", "C1"], contacts.values)
    rebuilt = rebuild(batch, {"contacts[]": new})
    assert rebuilt.schema == batch.schema
    assert rebuilt.column("contacts").to_pylist() == [["A1"], ["B1", "C1"]]
    assert rebuilt.column("ship").to_pylist() == batch.column("ship").to_pylist()
    ints, nulled = from_text(["98XXXXXX10", "42"], pa.array([1, 2]))
    assert ints.to_pylist() == [None, 42] and nulled == [True, False]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="0123456789+-_ \t\n\x0b\x0c\r\x7fX*.e٣\u2003", max_size=8),
    st.sampled_from([pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.uint64()]),
)
@example("1_000", pa.int64())
@example(" +12\t", pa.int32())
@example("\u2003٣٣\u2003", pa.int64())
@example("98XXXXXX10", pa.int64())
@example("-1", pa.uint16())
def test_a_redacted_text_fits_an_integer_leaf_exactly_when_int_reads_it_in_range(
    text: str, t: pa.DataType
) -> None:
    """to_value skips ``int()`` where a character rules a number out (a masked phone):
    the answer must stay int()'s, with Unicode digits and spaces and '_' left to it."""
    try:
        n: int | None = int(text)
    except ValueError:
        n = None
    info = np.iinfo(t.to_pandas_dtype())
    expected = n if n is not None and info.min <= n <= info.max else None
    assert to_value(text, t) == expected


@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet="0123456789 _-+X*#\u0663\u2003ab.\t", max_size=8)),
        max_size=12,
    ),
    t=st.sampled_from([pa.int64(), pa.int8(), pa.uint16(), pa.string(), pa.float64()]),
)
@settings(max_examples=200, deadline=None)
def test_unfit_finds_the_texts_to_value_rejects(texts: list[str | None], t: pa.DataType) -> None:
    """``unfit`` rules masked numbers out of an integer leaf by one regex pass over the
    array; the texts it names must be exactly those ``to_value`` gives None for."""
    want = [j for j, s in enumerate(texts) if s is not None and to_value(s, t) is None]
    assert unfit(texts, t) == want


def test_line_offsets_and_mirrored_paths() -> None:
    rows = [
        {"uri": "u", "unit_id": "a", "seq": 0, "parts": 3, "fmt": "text", "lines": 10},
        {"uri": "u", "unit_id": "c", "seq": 2, "parts": 3, "fmt": "text", "lines": 7},
        {"uri": "u", "unit_id": "b", "seq": 1, "parts": 3, "fmt": "text", "lines": 5},
        {"uri": "p", "unit_id": "p1", "seq": 1, "parts": 2, "fmt": "parquet", "lines": 0},
    ]
    for r in rows:  # a status row counts records too; a line file's are its lines
        r["records"] = r["lines"]
    assert line_offsets(rows) == {"b": 10, "c": 15}
    assert redacted_uri("s3://o/r", "s3://b/logs/a.gz") == "s3://o/r/s3/b/logs/a.gz.parquet"
    assert redacted_uri("file:///o", "file:///x/y.csv") == "file:///o/file/x/y.csv.parquet"


def test_scan_config_is_strict(tmp_path: Path) -> None:
    assert load_scan_config(None).unit_mb == 64
    good = tmp_path / "ok.yaml"
    good.write_text("unit_mb: 16\nsse: {mode: 'aws:kms', kms_key_id: alias/x}\n")
    cfg = load_scan_config(good)
    assert cfg.unit_mb == 16 and cfg.sse is not None and cfg.sse.mode == "aws:kms"
    for text, needle in [
        ("unit_mb: 16\nmax_objet_mb: 3\n", "unknown key 'max_objet_mb'"),
        ("unit_mb: -1\n", "unit_mb"),
        ("sse: {mode: DES}\n", "sse.mode"),
        ("- a\n- b\n", "expected a mapping"),
        ("unit_mb: [\n", "not valid YAML"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=needle.replace("[", r"\[")) as info:
            load_scan_config(bad)
        assert str(bad) in str(info.value)


def test_partition_count_follows_the_work_not_the_cores() -> None:
    """A big lake gets a partition per ``partition_bytes`` of work (short tasks, cheap
    retries) instead of a fixed 4 per core; a small one at least two per core, and never
    more partitions than units."""
    sizes = [1000] * 100  # 100 plain logs of 1000 bytes: 100,000 bytes of work
    units = _planned([_entry(f"file:///l/{i}.log", s) for i, s in enumerate(sizes)])
    total = sum(u.cost for u in units)
    assert partition_count(units, cores=2, partition_bytes=total // 40) == 40
    assert partition_count(units, cores=2, partition_bytes=total) == 4  # two per core
    assert partition_count(units, cores=8, partition_bytes=total) == 16
    assert partition_count(units[:3], cores=8, partition_bytes=1) == 3  # no empty tasks
    assert partition_count([], cores=2, partition_bytes=10) == 1


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*b"a\n\x80\xbf\xc0\xc2\xdf\xe0\xed\xa0\xef\xf0\xf4\xf5\x90\x8f", *"é€😀".encode()]
        ),
        max_size=12,
    ).map(bytes)
)
def test_utf8_check_judges_as_python_decodes(block: bytes) -> None:
    """The vectorised check (Arrow's validator) against ``bytes.decode``: surrogates,
    overlong forms, truncated sequences, code points above U+10FFFF."""
    try:
        block.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    fixed, bad = valid_utf8(block)
    assert (bad == 0) == expected
    fixed.decode("utf-8")  # whatever came in, what goes on is UTF-8 (else this raises)
    if expected:
        assert fixed == block
