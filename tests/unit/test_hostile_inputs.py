"""Hostile inputs (issue #16) through one task's code path, no Spark: each must end with a
status, keep the good records around the bad one, and leave nothing raw in the copy or the
findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.errors import ConfigError
from detectors.policy import Policy
from tests.unit.hostile import engine, scan_path

EMAIL = "ravi.kumar.1987@example.com"
PHONE = "+91 98765 43210"


def _raw_free(scanned: object, work: Path, *values: str) -> None:
    blob = scanned.out_bytes(work)  # type: ignore[attr-defined]
    for value in values:
        assert value.encode() not in blob, f"raw {value[:3]}… in the outputs"


def test_csv_header_cell_with_pii_is_redacted_everywhere(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_text(f"id,{EMAIL},note\n1,x,call {PHONE}\n2,y,ok\n", encoding="utf-8")
    got = scan_path(src, tmp_path / "w")
    assert got.status.status == "ok"
    assert got.status.flags["pii_header_cells_redacted"] == 1
    assert got.copy is not None and got.copy.num_rows == 2
    names = got.copy.schema.names
    assert names[0] == "id" and names[2] == "note" and EMAIL not in names[1]
    paths = got.findings.column("field_path").to_pylist()
    assert all(EMAIL not in (p or "") for p in paths)
    header = [r for r in got.findings.to_pylist() if r["record_index"] is None]
    assert [(r["line_number"], r["entity_type"]) for r in header] == [(1, "EMAIL_ADDRESS")]
    assert header[0]["field_path"] == names[1]
    _raw_free(got, tmp_path / "w", EMAIL, PHONE)


def test_csv_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbfphone,city\n" + PHONE.encode() + b",Pune\n")
    got = scan_path(src, tmp_path / "w")
    assert got.copy is not None and got.copy.schema.names == ["phone", "city"]
    assert got.findings.column("field_path").to_pylist() == ["phone"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_with_a_bom_is_decoded_not_skipped(
    tmp_path: Path, encoding: str
) -> None:
    text = f"first line\nmail {EMAIL} here\nlast ✓ line\n"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    src = tmp_path / "export.txt"
    src.write_bytes(bom + text.encode(encoding))
    got = scan_path(src, tmp_path / "w")
    assert got.status.status == "ok", got.status.reason
    assert got.copy is not None
    lines = got.copy.column("line").to_pylist()
    assert lines[0] == "first line" and lines[2] == "last ✓ line"
    assert "[REDACTED" in lines[1] or EMAIL not in lines[1]
    assert got.findings.column("entity_type").to_pylist() == ["EMAIL_ADDRESS"]
    _raw_free(got, tmp_path / "w", EMAIL)


def test_utf16_csv_and_utf16_byte_ranges(tmp_path: Path) -> None:
    src = tmp_path / "sheet.csv"
    src.write_bytes(f"name,email\nA,{EMAIL}\n".encode("utf-16"))
    got = scan_path(src, tmp_path / "w")
    assert got.copy is not None and got.copy.schema.names == ["name", "email"]
    assert got.status.records == 1 and got.status.findings == 1
    # A UTF-16 log split into byte ranges: the first range reads it all, the others stay
    # empty, so every line is read exactly once.
    log = tmp_path / "big.log"
    log.write_bytes("".join(f"line {i} {EMAIL}\n" for i in range(200)).encode("utf-16"))
    size = log.stat().st_size
    first = scan_path(log, tmp_path / "r0", seq=0, parts=2, start=0, end=size // 2)
    second = scan_path(log, tmp_path / "r1", seq=1, parts=2, start=size // 2, end=size)
    assert first.status.records == 200 and first.status.findings == 200
    assert second.status.records == 0 and second.copy is not None
    assert second.status.flags["unicode_object_read_by_first_range"] == 1
    _raw_free(first, tmp_path / "r0", EMAIL)


def test_a_10000_deep_jsonl_line_is_redacted_as_text_and_the_others_keep_findings(
    tmp_path: Path,
) -> None:
    deep = "[" * 10000 + json.dumps(EMAIL) + "]" * 10000
    lines = [json.dumps({"email": EMAIL}), deep, json.dumps({"phone": PHONE}), "{}"]
    src = tmp_path / "events.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = scan_path(src, tmp_path / "w")
    assert got.status.status == "ok" and got.status.records == 4
    assert got.status.flags["json_lines_too_deep_redacted_as_text"] == 1
    assert got.copy is not None and got.copy.num_rows == 4
    by_line = got.findings.column("line_number").to_pylist()
    assert sorted(set(by_line)) == [1, 2, 3]
    _raw_free(got, tmp_path / "w", EMAIL, PHONE.replace(" ", ""), PHONE)


def test_unknown_entity_in_a_policy_names_the_nearest() -> None:
    policy = Policy.from_dict(
        {"version": 1, "entities": {"PHONE_NUMBR": {"action": "mask"}}}, "p.yaml"
    )
    with pytest.raises(ConfigError, match=r"PHONE_NUMBR.*did you mean PHONE_NUMBER\?"):
        policy.check_entities(engine().entity_types)
    custom = Policy.from_dict({"version": 1, "entities": {"EMPLOYEE_ID": {"action": "hash"}}})
    custom.check_entities({*engine().entity_types, "EMPLOYEE_ID"})  # custom detector: fine
    Policy.default().check_entities(engine().entity_types)


def test_long_lines_are_replaced_and_ranges_still_cover_every_line_once() -> None:
    import io
    import random

    from jobs.readers import LONG_LINE, line_blocks

    rng = random.Random(16)
    lines = []
    for i in range(300):
        n = rng.choice([0, 3, 40, 700, 5000, 20000])
        lines.append(f"{i}:" + "x" * n)
    data = "\n".join(lines).encode()  # no newline at the end: the last line is open
    limit = 4096
    want = [ln.encode() if len(ln) <= limit else LONG_LINE for ln in lines]
    calls: list[int] = []

    def count() -> None:
        calls.append(1)

    for pieces in (1, 3, 7):
        got: list[bytes] = []
        calls.clear()
        step = -(-len(data) // pieces)
        for k in range(pieces):
            a, b = k * step, min(len(data), (k + 1) * step)
            owned = b"".join(line_blocks(io.BytesIO(data), a, b, 8192, limit, count))
            got += owned.removesuffix(b"\n").split(b"\n") if owned else []
        assert got == want, pieces
        assert len(calls) == sum(len(ln) > limit for ln in lines)


def test_a_single_line_zstd_bomb_is_read_in_linear_time(tmp_path: Path) -> None:
    import time

    import pyarrow as pa

    src = tmp_path / "bomb.log.zst"
    head = f"before {EMAIL}\n".encode()
    with pa.CompressedOutputStream(str(src), "zstd") as out:
        out.write(head)
        piece = b"A" * (1 << 20)
        for _ in range(1024):  # one 1 GiB line
            out.write(piece)
        out.write(f"\nafter {PHONE}\n".encode())
    assert src.stat().st_size < 1 << 20
    started = time.perf_counter()
    got = scan_path(src, tmp_path / "w")
    assert time.perf_counter() - started < 30
    assert got.status.status == "ok"
    assert got.status.flags["lines_over_max_line_bytes"] == 1
    assert got.copy is not None
    lines = got.copy.column("line").to_pylist()
    assert len(lines) == 3 and lines[1] == "[REDACTED:LINE_TOO_LONG]"
    assert sorted(got.findings.column("line_number").to_pylist()) == [1, 3]
    _raw_free(got, tmp_path / "w", EMAIL, PHONE)


def test_expanded_size_limit_fails_the_unit_and_keeps_the_redacted_prefix(
    tmp_path: Path,
) -> None:
    import gzip

    src = tmp_path / "many.log.gz"
    src.write_bytes(gzip.compress(b"".join(f"{i} {EMAIL}\n".encode() for i in range(50000))))
    got = scan_path(src, tmp_path / "w", max_expanded_bytes=256 << 10, chunk_bytes=64 << 10)
    assert got.status.status == "failed"
    assert got.status.error_class == "ExpandedSizeLimit"
    assert EMAIL not in (got.status.reason or "")
    assert got.copy is not None and 0 < got.copy.num_rows < 50000
    lines = got.copy.column("line").to_pylist()
    assert lines[-1] == "[REDACTED:LINE_CUT_BY_STREAM_ERROR]"
    assert got.status.findings == got.copy.num_rows - 1
    _raw_free(got, tmp_path / "w", EMAIL)


def broken_deflate(data: bytes) -> bytes:
    """A gzip member holding ``data`` in stored deflate blocks, then a block of the reserved
    type 3: every inflater stops there with its own error class (zlib's ``error``, ISA-L's
    ``IsalError``), neither an OSError nor an EOFError, after giving all of ``data``."""
    import struct

    out = bytearray(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # header, no name
    for i in range(0, len(data), 0xFFFF):
        piece = data[i : i + 0xFFFF]
        out += b"\x00" + struct.pack("<HH", len(piece), len(piece) ^ 0xFFFF) + piece
    return bytes(out + b"\x07" + b"\x00" * 32)  # BFINAL=1, BTYPE=11: invalid


def test_a_broken_deflate_block_fails_the_unit_as_corrupt_and_keeps_the_prefix(
    tmp_path: Path,
) -> None:
    src = tmp_path / "broken.log.gz"
    src.write_bytes(broken_deflate(b"".join(f"{i} {EMAIL}\n".encode() for i in range(20000))))
    got = scan_path(src, tmp_path / "w", chunk_bytes=64 << 10)
    assert got.status.status == "failed"
    assert got.status.error_class == "CorruptInput"  # not an engine bug's "unexpected error"
    assert "corrupt" in (got.status.reason or "") and EMAIL not in (got.status.reason or "")
    assert got.copy is not None and got.copy.num_rows >= 19000
    assert got.status.findings >= 19000
    _raw_free(got, tmp_path / "w", EMAIL)


def _typed_batch() -> object:
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    mail = EMAIL.encode()
    deep = pa.map_(pa.string(), pa.list_(pa.struct([("email", pa.string())])))
    return pa.table(
        {
            "id": [1, 2],
            "attrs": pa.array(
                [[(EMAIL, "k"), ("contact", EMAIL)], None], pa.map_(pa.string(), pa.string())
            ),
            "blob": pa.array([b"mail " + mail, None], pa.binary()),
            "latin": pa.array([b"\xe9t\xe9 " + mail, b"\x00\x01"], pa.large_binary()),
            "fixed": pa.array([mail, b"x" * len(mail)], pa.binary(len(mail))),
            "phone": pa.array([Decimal("9876543210"), Decimal("12")], pa.decimal128(12, 0)),
            "nested": pa.array([[("k", [{"email": EMAIL}])], []], deep),
            "dob": pa.array([dt.date(1987, 4, 12), None], pa.date32()),
            "uuid": pa.ExtensionArray.from_storage(
                pa.uuid(), pa.array([bytes(range(16)), None], pa.binary(16))
            ),
        }
    )


def test_parquet_maps_binaries_decimals_and_unions_never_reach_the_copy_raw(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    from jobs import storage
    from jobs.validate import ResidualJob, residual_scan

    table = _typed_batch()
    src = tmp_path / "typed.parquet"
    pq.write_table(table, src)  # type: ignore[arg-type]
    got = scan_path(src, tmp_path / "w")
    assert got.status.status == "ok", got.status.error_class
    assert got.copy is not None and got.copy.schema == table.schema  # type: ignore[attr-defined]
    rows = got.copy.to_pylist()
    assert EMAIL not in str(rows) and "9876543210" not in str(rows)
    assert rows[0]["latin"].startswith(b"\xe9t\xe9 ")  # untouched bytes keep their encoding
    assert rows[1]["latin"] == b"\x00\x01" and rows[0]["id"] == 1
    assert rows[0]["phone"] is None and rows[1]["phone"] == 12  # a masked phone fits no decimal
    assert rows[0]["dob"] is None and rows[0]["uuid"].bytes == bytes(range(16))
    paths = sorted(set(got.findings.column("field_path").to_pylist()))
    assert paths == [
        "attrs[0].key",
        "attrs[1].value",
        "blob",
        "dob",
        "fixed",
        "latin",
        "nested[0].value[0].email",
        "phone",
    ]
    # The residual check reads every one of these types: it fails on the raw source and
    # passes on the copy.
    job = ResidualJob(engine(), Policy.default(), _keys(), frozenset({"keep"}), _s3())
    raw = residual_scan(src.as_uri(), "parquet", job)
    assert raw["residual_findings"] == 8 and EMAIL not in (raw["residual_at"] or "")
    copy_uri = next((tmp_path / "w" / "staging" / "redacted").iterdir()).as_uri()
    clean = residual_scan(copy_uri, "parquet", job)
    assert clean["copy_exists"] and clean["residual_findings"] == 0, clean
    del storage


def test_a_type_that_cannot_be_read_as_text_is_nulled_and_counted() -> None:
    import pyarrow as pa

    from jobs.recordbatch import scan_batch

    union = pa.UnionArray.from_sparse(
        pa.array([0, 1], pa.int8()), [pa.array([EMAIL, None]), pa.array([None, 7])]
    )
    batch = pa.RecordBatch.from_pydict({"u": union, "ok": pa.array([True, False])})
    seen: list[tuple[str, int]] = []
    out = scan_batch(
        batch, engine(), Policy.default(), _keys(), on_opaque=lambda p, n: seen.append((p, n))
    )
    assert seen == [("u", 2)] and out.schema == batch.schema
    assert out.column(0).to_pylist() == [None, None]
    assert out.column(1).to_pylist() == [True, False]


def _keys() -> object:
    from tests.unit.hostile import KEYS

    return KEYS


def _s3() -> object:
    from jobs import storage

    return storage.S3Settings.from_env({})


def test_crawl_detects_link_loops_lists_each_file_once_and_stays_inside_the_root(
    tmp_path: Path,
) -> None:
    import os

    from jobs import storage

    secret = tmp_path / "keys.yaml"
    secret.write_text("fingerprint_key: not-for-the-lake\n")
    src = tmp_path / "lake"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "app.log").write_text("hello\n")
    (src / "top.log").write_text("top\n")
    os.symlink(src / "a", src / "a" / "b" / "up")  # a loop: a/b/up -> a
    os.symlink(src / "loop2", src / "loop1")  # a loop of two links
    os.symlink(src / "loop1", src / "loop2")
    for i in range(5):  # five links to one file
        os.symlink(src / "top.log", src / f"alias{i}.log")
    os.symlink(secret, src / "keys.log")  # outside the root
    os.symlink(tmp_path / "gone", src / "broken.log")
    os.link(src / "top.log", src / "hard.log")

    s3 = storage.S3Settings.from_env({})
    listed = storage.crawl([str(src)], s3)
    ok = sorted(o.uri.rsplit("/lake/", 1)[1] for o in listed if not o.skip_reason)
    assert ok == ["a/b/app.log", "hard.log", "top.log"]  # a hard link is a name of its own
    reasons = {o.uri.rsplit("/lake/", 1)[1]: o.skip_reason for o in listed if o.skip_reason}
    assert reasons["keys.log"] == "symbolic link points outside the source root (not followed)"
    assert reasons["a/b/up"] == "symbolic link loop or directory already listed"
    assert reasons["alias3.log"] == "symbolic link to a file already listed"
    assert "broken" in reasons["broken.log"] and "loop1" in reasons
    assert all(o.size == 0 for o in listed if o.skip_reason)
    # Asked to, it follows a link out of the root, still once per file.
    followed = storage.crawl([str(src)], s3, follow_links_outside=True)
    assert any(o.uri.endswith("/keys.log") and not o.skip_reason for o in followed)


def test_a_link_or_file_swapped_after_the_crawl_is_never_read(tmp_path: Path) -> None:
    """The crawl checks where a link points; the task used to open the link path later and
    follow it again, so repointing `lake/a.log` at the key file in between copied the keys
    into the output. A task opens the real path the crawl saw, without following links,
    and fails its unit if the file is not the one the crawl listed."""
    import os

    from jobs import storage

    secret = tmp_path / "keys.yaml"
    secret.write_text(f"token_key: {EMAIL}\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "a.log").write_text(f"call {PHONE}\n")
    lake = tmp_path / "lake"
    lake.mkdir()
    os.symlink(shared / "a.log", lake / "a.log")  # followed: the operator asked for it
    for name in ("b.log", "c.log", "d.log"):
        (lake / name).write_text(f"call {PHONE}\n")
    listed = storage.crawl([str(lake)], storage.S3Settings(), follow_links_outside=True)
    pins = {o.uri.rsplit("/", 1)[-1]: o for o in listed}
    assert pins["a.log"].real_path == str(shared / "a.log")

    unchanged = scan_path(lake / "d.log", tmp_path / "wd", pin=pins["d.log"])
    assert unchanged.status.status == "ok" and unchanged.findings.num_rows == 1

    (lake / "a.log").unlink()
    os.symlink(secret, lake / "a.log")  # the link repointed at the key file
    os.unlink(shared / "a.log")
    os.symlink(secret, shared / "a.log")  # and the crawl's target made a link to it too
    (tmp_path / "new").write_text(f"{EMAIL}\n")
    os.replace(tmp_path / "new", lake / "b.log")  # another file under the same name
    (lake / "c.log").unlink()
    os.symlink(secret, lake / "c.log")  # a link where the file was
    for name in ("a.log", "b.log", "c.log"):
        got = scan_path(lake / name, tmp_path / f"w{name}", pin=pins[name])
        assert (got.status.status, got.status.error_class) == ("failed", "StorageError"), name
        assert got.status.reason.startswith("file changed since the crawl: "), name
        assert got.copy is None or got.copy.num_rows == 0, name
        _raw_free(got, tmp_path / f"w{name}", EMAIL)


@pytest.mark.parametrize("name", ["events.jsonl", "events.json"])
def test_a_lone_surrogate_escape_is_replaced_and_the_object_still_scans(
    tmp_path: Path, name: str
) -> None:
    """``"\\ud800"`` is valid JSON (JavaScript writes a string cut inside a pair so) but no
    UTF-8 text can hold it: it failed the whole object with UnicodeEncodeError. It becomes
    U+FFFD, flagged, and the record's PII is still found and redacted."""
    record = '{"name": "Ravi Kumar", "note": "cut \\ud800 here", "\\udfff": "' + EMAIL + '"}'
    text = record + "\n" + json.dumps({"mail": EMAIL}) + "\n"
    if name.endswith(".json"):
        text = "[" + text.replace("\n", ",", 1).rstrip("\n") + "]\n"
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    got = scan_path(src, tmp_path / "w")
    assert got.status.status == "ok", got.status.reason
    flag = (
        "malformed_json_lines_repaired" if name.endswith("l") else "json_lone_surrogates_replaced"
    )
    assert got.status.flags[flag] == 1
    entities = got.findings.column("entity_type").to_pylist()
    assert entities.count("EMAIL_ADDRESS") == 2 and "PERSON" in entities
    assert got.copy is not None
    copied = "\n".join(str(v) for v in got.copy.column(1).to_pylist())
    assert "\ufffd" in copied and EMAIL not in copied
