"""``piisweep scan`` on a JSON document that is an array of records, through the JSON Lines
array path (``jobs.jsonlrows.judge_document``: the records as blocks of JSON Lines, judged by
``judge_walked``) against the reference it stands in for
(``jobs.blocks.judge_json_document``: each record parsed and judged one by one, a row per
finding), and against the Python engine: the same findings rows in the same order (record
indexes, no line numbers), the same copy (each record's JSON and verdict) and the same
status. Inputs: hostile records pretty-printed over many lines, non-ASCII, escaped line
breaks, a lone surrogate, scalars and arrays as elements, records the walk refuses (keys
that need labels, a key twice), small blocks, UTF-16, and the sample lake's replay batch.
Documents that are not an array of records keep the reference path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detectors.policy import Policy
from jobs import blocks, jsonlrows, unit_scan
from tests.unit.hostile import Scanned, count_calls, scan_path
from tests.unit.test_scan_jsonl_columns import POLICIES, RECORDS
from tests.unit.test_scan_text_columns import _comparable, _python_engine

ROOT = Path(__file__).resolve().parents[2]


def _scan(
    path: Path, work: Path, policy: str, *, fast: bool, python: bool = False, **args: Any
) -> Scanned:
    """``path`` scanned as one unit: ``fast`` through the array path, else the reference
    (with the native engine unless ``python``); each is checked to be the one that ran."""
    with pytest.MonkeyPatch.context() as m:
        calls = count_calls(m, unit_scan, "judge_document")
        if not fast and not python:
            m.setattr(unit_scan, "flat_rules", lambda rules: False)
        engine = _python_engine() if python else None
        scanned = scan_path(path, work, policy=POLICIES[policy](), engine_=engine, **args)
    assert bool(calls) == fast, path.name  # each path is the one meant
    return scanned


def _hostile_document() -> str:
    """An array whose elements are laid out as people write them: indented over lines,
    compact, with escapes the reference must replace or keep."""
    elements = [json.dumps(r, ensure_ascii=False, indent=2) for r in RECORDS]
    elements += [json.dumps(r, separators=(",", ":")) for r in RECORDS[:4]]
    elements += [
        '{"e-mail": "ravi@example.com", "mobile no": "9876543210"}',  # keys need labels
        '{"email": "ravi@example.com", "email": "sita@example.com"}',  # a key twice
        '{"lone": "\\ud800 ravi@example.com", "pair": "\\ud83d\\ude00 9876543210"}',
        '"just ravi@example.com in a string"',
        '[1, 2, "+91 98765 43210"]',
        "42",
        "null",
        '{"msg": "two\\nlines ravi@example.com\\r\\n", "tab": "\\t9876543210"}',
    ]
    return "[\n" + ",\n".join(elements) + "\r\n]\n"


def _replay_batch(tmp_path: Path) -> Path:
    from jobs.sample_lake import generate_lake

    generate_lake(tmp_path / "lake", size_mb=2, seed=5)
    found = sorted((tmp_path / "lake").rglob("replay-batch*.json"))
    assert found, "the sample lake has no JSON document"
    return found[0]


@pytest.mark.parametrize("policy", list(POLICIES))
def test_json_array_document_equals_the_reference_path(policy: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_text(_hostile_document(), encoding="utf-8")
    utf16 = tmp_path / "utf16.json"
    utf16.write_text(_hostile_document(), encoding="utf-16")
    inputs = [
        (_replay_batch(tmp_path), {}),
        (hostile, {}),
        (hostile, {"chunk_bytes": 200}),  # a block of records at a time, numbered on
        (utf16, {}),
    ]
    for i, (path, args) in enumerate(inputs):
        fast = _scan(path, tmp_path / f"f{i}", policy, fast=True, **args)
        ref = _scan(path, tmp_path / f"r{i}", policy, fast=False, **args)
        assert fast.findings.num_rows, path.name  # an empty comparison proves nothing
        assert set(fast.findings.column("line_number").to_pylist()) == {None}
        assert _comparable(fast) == _comparable(ref), (path.name, args)


def test_json_array_document_equals_the_python_engine(tmp_path: Path) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(_hostile_document(), encoding="utf-8")
    fast = _scan(path, tmp_path / "f", "default", fast=True, chunk_bytes=300)
    ref = _scan(path, tmp_path / "p", "default", fast=False, python=True)
    assert _comparable(fast) == _comparable(ref)
    assert fast.status.flags["json_lone_surrogates_replaced"] == 1
    assert fast.status.records == len(RECORDS) + 4 + 8
    assert fast.copy is not None
    records = fast.copy.column("record").to_pylist()
    assert fast.copy.column("record_index").to_pylist() == list(range(len(records)))
    assert not any("ravi@example.com" in r for r in records)


ESCAPED = {
    # The walk refuses these records; their PII sits behind a JSON escape, where the buffer
    # pass over the record's text reads "t9876543210" (found by review: judged only when
    # that pass found something, the number stayed in the copy).
    "a key that needs a label": '[{"mobile no": "\\t9876543210"}]',
    "a scalar element": '["\\t9876543210", "x\\nravi@example.com"]',
    "70 levels deep": '[{"a": ' + "[" * 70 + '"\\t9876543210"' + "]" * 70 + "}]",
    "a block of too many keys": json.dumps(
        [{f"k{i}": "v"} for i in range(2100)] + [{"m": "\t9876543210"}]
    ),
    # NaN is not strict JSON: the walk refuses the record, the reference parses it.
    "NaN": '[{"a": NaN, "e": "ravi@example.com", "id": "order 12345678901"}]',
}


@pytest.mark.parametrize("name", list(ESCAPED))
def test_records_the_walk_refuses_are_judged_as_the_reference_judges_them(
    name: str, tmp_path: Path
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(ESCAPED[name], encoding="utf-8")
    fast = _scan(path, tmp_path / "f", "default", fast=True)
    ref = _scan(path, tmp_path / "r", "default", fast=False)
    assert fast.findings.num_rows
    assert _comparable(fast) == _comparable(ref)
    assert fast.copy is not None
    assert not any(
        "9876543210" in r or "ravi@" in r for r in fast.copy.column("record").to_pylist()
    )


def test_a_document_that_fails_half_way_leaves_what_the_reference_leaves(tmp_path: Path) -> None:
    """A record that fails its judging (here a stand-in error; in life, one nested past
    Python's recursion limit) fails the unit on both paths, and the blocks judged before
    it are not written: the reference judges every record, then writes."""
    path = tmp_path / "doc.json"
    path.write_text('[{"e": "ravi@example.com"},\n{"boom here": 1}]', encoding="utf-8")
    real = blocks.process_record

    def failing(engine: Any, record: Any, *a: Any) -> Any:
        if isinstance(record, dict) and "boom here" in record:
            raise RuntimeError("a record that cannot be judged")
        return real(engine, record, *a)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(blocks, "process_record", failing)
        fast = _scan(path, tmp_path / "f", "default", fast=True, chunk_bytes=16)
        ref = _scan(path, tmp_path / "r", "default", fast=False, chunk_bytes=16)
    assert fast.status.status == "failed"
    assert _comparable(fast) == _comparable(ref)
    assert fast.findings.num_rows == 0


@pytest.mark.parametrize(
    "text",
    [
        '{\n  "email": "ravi@example.com"\n}\n',  # one record, not an array
        "[]",
        '[{"email": "ravi@example.com"}, {"broken": ]',  # not JSON half-way
        '[{"email": "ravi@example.com"}] trailing',
    ],
)
def test_other_documents_keep_the_reference_path(text: str, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    plain = _scan(path, tmp_path / "f", "default", fast=False)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(unit_scan, "judge_document", lambda *a: pytest.fail("took the array path"))
        unpatched = scan_path(path, tmp_path / "u", policy=Policy.default())
    assert _comparable(unpatched) == _comparable(plain)


def _cli(argv: list[str], *, fast: bool) -> None:
    """``piisweep`` with ``argv``: ``fast`` through the array path, else the reference
    (with the engine ``argv`` names); each is checked to be the one that ran."""
    from jobs import local_detect
    from jobs.cli import main

    with pytest.MonkeyPatch.context() as m:
        calls = count_calls(m, local_detect, "judge_document")
        m.setattr(jsonlrows, "DOCUMENT_BLOCK_CHARS", 300)  # several blocks, numbered on
        if not fast:
            m.setattr(local_detect, "flat_rules", lambda rules: False)
        assert main(argv) == 0
    assert bool(calls) == (fast and "python" not in argv)


@pytest.mark.parametrize("doc", ["hostile", "escaped", "replay batch"])
def test_detect_and_redact_of_a_json_document_equal_the_reference(doc: str, tmp_path: Path) -> None:
    """``piisweep detect`` and ``redact`` take the scan's array path for a JSON document:
    the same findings rows and the same redacted document as the reference and as the
    Python engine, byte for byte."""
    path = tmp_path / "doc.json"
    if doc == "hostile":
        path.write_text(_hostile_document(), encoding="utf-8")
    elif doc == "escaped":
        records = [json.loads(ESCAPED[k])[0] for k in ESCAPED if k != "NaN"]
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_bytes(_replay_batch(tmp_path).read_bytes())
    outputs = {}
    for way, fast, engine in (
        ("fast", True, "native"),
        ("ref", False, "native"),
        ("py", False, "python"),
    ):
        found, red = tmp_path / f"{way}.jsonl", tmp_path / f"{way}.json"
        _cli(["detect", str(path), "-o", str(found), "--engine", engine], fast=fast)
        _cli(["redact", str(path), "-o", str(red), "--engine", engine], fast=fast)
        outputs[way] = (found.read_bytes(), red.read_bytes())
    assert outputs["fast"][0].count(b"\n") >= 3  # an empty comparison proves nothing
    assert outputs["fast"] == outputs["ref"] == outputs["py"]
    if doc == "escaped":
        assert b"9876543210" not in outputs["fast"][1]


@pytest.mark.parametrize("engine", ["native", "python"])
def test_detect_and_redact_read_a_json_document_that_is_not_utf8_as_the_scan_does(
    engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by review: a legacy byte (cp1252 é, a raw surrogate) stopped ``detect`` and
    ``redact`` with a UnicodeDecodeError; the scan reads such a line as cp1252."""
    from jobs.cli import main

    path = tmp_path / "legacy.json"
    path.write_bytes(b'[{"a": "caf\xe9 ravi.kumar@gmail.com"},\n{"b": "\xed\xa0\x80 9876543210"}]')
    found, red = tmp_path / "f.jsonl", tmp_path / "r.json"
    assert main(["detect", str(path), "-o", str(found), "--engine", engine]) == 0
    assert main(["redact", str(path), "-o", str(red), "--engine", engine]) == 0
    rows = [json.loads(x) for x in found.read_text().splitlines()]
    assert {(r["record_index"], r["entity_type"]) for r in rows} == {
        (0, "EMAIL_ADDRESS"),
        (1, "PHONE_NUMBER"),
    }
    out = red.read_text(encoding="utf-8")
    assert "café" in out and "ravi.kumar@gmail.com" not in out and "9876543210" not in out
    capsys.readouterr()


def test_a_json_document_too_deep_to_judge_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobs.cli import main

    path = tmp_path / "deep.json"
    path.write_text('[{"e": "ravi@example.com"}, ' + "[" * 3000 + "1" + "]" * 3000 + "]")
    for command in ("detect", "redact"):
        assert main([command, str(path), "-o", str(tmp_path / "out")]) != 0
        err = capsys.readouterr().err
        assert "nested too deeply" in err and "Traceback" not in err
        assert "ravi@example.com" not in err


def test_redact_keeps_the_bytes_of_a_broken_document_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document that is not JSON is redacted as text, where a line that is not UTF-8
    stays byte for byte unless it changes (review: it came out transcoded)."""
    from jobs.cli import main

    path = tmp_path / "broken.json"
    path.write_bytes(b'[{"a": "caf\xe9"},\n{"b": 9876543210 ]\n')
    red = tmp_path / "r.json"
    assert main(["redact", str(path), "-o", str(red)]) == 0
    out = red.read_bytes()
    assert out.startswith(b'[{"a": "caf\xe9"},\n')
    assert b"9876543210" not in out
    capsys.readouterr()
