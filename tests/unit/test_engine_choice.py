"""Which engine runs: ``load_engine(engine=...)``, ``--engine`` on every sub-command that
detects, a broken native install, and the worker's engine cache. The native engine is the
default everywhere; ``--engine python`` runs the reference and must give the same output."""

from __future__ import annotations

import csv
import json
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from detectors.config import ENGINE_KINDS, engine_kind, load_engine
from detectors.engine import Engine
from detectors.errors import ConfigError
from detectors.native import NativeEngine
from jobs import worker
from jobs.cli import build_parser, main

DATA = Path(__file__).resolve().parents[1] / "data"
INPUTS = sorted(p for p in DATA.iterdir() if p.suffix in (".txt", ".csv"))
# Every sub-command that runs detection, with its required arguments.
DETECTING = {
    "detect": ["detect", "in.log"],
    "redact": ["redact", "in.log"],
    "scan": ["scan", "lake/", "--out", "out/"],
    "redact-records": ["redact-records", "in.csv", "--out", "out.csv"],
    "validate": ["validate", "out/"],
}


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A conf dir with a custom detector, an allow-listed value and an allow pattern."""
    (tmp_path / "detectors").mkdir()
    (tmp_path / "detectors" / "mine.yaml").write_text(
        "detectors:\n  - name: emp\n    entity_type: EMPLOYEE_ID\n    regex: '\\bEMP\\d{6}\\b'\n"
        "allow_list:\n  values: ['support@shop.example']\n  patterns: ['.*@corp\\.example']\n"
    )
    return tmp_path


def test_when_no_engine_is_named_then_load_engine_builds_the_native_one() -> None:
    engine = load_engine(None)
    assert type(engine) is NativeEngine and engine_kind(engine) == "native"


def test_when_engine_is_python_then_the_same_detectors_and_lists_run_in_the_reference(
    conf: Path,
) -> None:
    native = load_engine(conf, 0.4)
    python = load_engine(conf, 0.4, engine="python")
    assert type(python) is Engine and engine_kind(python) == "python"
    assert [d.name for d in python.detectors] == [d.name for d in native.detectors]
    assert "emp" in {d.name for d in python.detectors}
    assert python.allow_values == native.allow_values == frozenset({"support@shop.example"})
    assert [p.pattern for p in python.allow_patterns] == [r".*@corp\.example"]
    assert [p.pattern for p in native.allow_patterns] == [r".*@corp\.example"]
    assert python.threshold == native.threshold == 0.4
    text = "badge EMP123456 mailed support@shop.example, ops@corp.example and asha.k@gmail.com"
    assert python.scan_text(text) == native.scan_text(text)
    assert [s.entity_type for s in native.scan_text(text)] == ["EMPLOYEE_ID", "EMAIL_ADDRESS"]


def test_when_the_engine_is_unknown_then_a_config_error_names_the_choices() -> None:
    with pytest.raises(ConfigError) as raised:
        load_engine(None, engine="bogus")
    message = str(raised.value)
    assert "'bogus'" in message and all(kind in message for kind in ENGINE_KINDS)


def test_when_the_native_module_cannot_be_imported_then_native_fails_clearly_never_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "detectors._native", None)  # what a broken install does
    with pytest.raises(ConfigError) as raised:
        load_engine(None)
    message = str(raised.value)
    assert "pip install -e ." in message and "--engine python" in message
    assert type(load_engine(None, engine="python")) is Engine  # the reference still runs
    log = tmp_path / "a.log"
    log.write_text("call 9876543210\n")
    assert main(["detect", str(log)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--engine python" in err
    assert "Traceback" not in err
    assert main(["detect", str(log), "--engine", "python"]) == 0
    assert json.loads(capsys.readouterr().out)["entity_type"] == "PHONE_NUMBER"


@pytest.mark.parametrize("command", sorted(DETECTING))
def test_when_a_detecting_subcommand_is_parsed_then_engine_is_native_unless_python_is_asked(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = DETECTING[command]
    parser = build_parser()
    assert parser.parse_args(argv).engine == "native"
    assert parser.parse_args([*argv, "--engine", "python"]).engine == "python"
    with pytest.raises(SystemExit) as raised:
        parser.parse_args([*argv, "--engine", "bogus"])
    assert raised.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_when_a_test_file_is_detected_and_redacted_with_either_engine_then_outputs_are_identical(
    path: Path, tmp_path: Path
) -> None:
    outputs: dict[str, tuple[bytes, bytes]] = {}
    for kind in ENGINE_KINDS:
        found, redacted = tmp_path / f"{kind}.jsonl", tmp_path / f"{kind}{path.suffix}"
        assert main(["detect", str(path), "--engine", kind, "-o", str(found)]) == 0
        assert main(["redact", str(path), "--engine", kind, "-o", str(redacted)]) == 0
        outputs[kind] = (found.read_bytes(), redacted.read_bytes())
    assert outputs["native"][0].count(b"\n") > 0  # every test file holds PII
    assert outputs["native"][0] == outputs["python"][0]
    assert outputs["native"][1] == outputs["python"][1]


@pytest.mark.parametrize("path", [p for p in INPUTS if p.suffix == ".txt"], ids=lambda p: p.name)
def test_when_a_text_file_is_scanned_as_a_unit_with_either_engine_then_outputs_are_identical(
    path: Path, tmp_path: Path
) -> None:
    """The scan task's text path: the native engine's array path (``jobs.textrows``)
    against the Python engine's reference, small blocks included."""
    from tests.unit.hostile import scan_path

    for chunk in (4096, 8 << 20):
        outputs = []
        for kind in ENGINE_KINDS:
            engine = load_engine(None, engine=kind)
            scanned = scan_path(
                path, tmp_path / f"{kind}{chunk}", fmt="text", engine_=engine, chunk_bytes=chunk
            )
            assert scanned.copy is not None
            outputs.append((scanned.findings.to_pylist(), scanned.copy.to_pylist()))
        assert outputs[0][0]  # every test file holds PII
        assert outputs[0] == outputs[1]


def test_when_records_are_redacted_with_either_engine_then_the_outputs_are_identical(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "data_json"])
        writer.writerow(["1", json.dumps({"name": "Asha Rao", "phone": "9876543210"})])
        writer.writerow(["2", json.dumps({"email": "solo@gmail.com"})])
        writer.writerow(["3", '{"note": "pan ABCPE1234F", "city": "Pune"'])  # malformed
    outputs = {}
    for kind in ENGINE_KINDS:
        out = tmp_path / f"{kind}.csv"
        argv = ["redact-records", str(src), "--out", str(out), "--engine", kind]
        assert main([*argv, "--mode", "local"]) == 0
        outputs[kind] = out.read_bytes()
    assert b"9876543210" not in outputs["native"]
    assert outputs["native"] == outputs["python"]


def test_when_two_engine_kinds_share_a_token_then_the_worker_cache_keeps_them_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "_ENGINES", OrderedDict())
    python, native = Engine.default(), NativeEngine.default()
    assert worker.worker_engine("call", python) is python
    assert worker.worker_engine("call", native) is native
    assert worker.worker_engine("call", Engine.default()) is python  # kept for that call
    assert worker.worker_engine("call", NativeEngine.default()) is native
