"""A redacted copy, scanned again, holds nothing the policy did not choose to keep: the
property the Great Expectations residual suite will check on every scan."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jobs.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_when_a_redacted_log_is_scanned_again_then_only_short_masked_local_parts_remain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate  # the seeded corpus generator

    log, labels = tmp_path / "app.log", tmp_path / "labels.jsonl"
    generate(lines=4000, seed=11, out=log, labels=labels)
    red, again = tmp_path / "red.log", tmp_path / "again.jsonl"
    assert main(["redact", str(log), "-o", str(red)]) == 0
    assert main(["detect", str(red), "-o", str(again)]) == 0
    capsys.readouterr()
    lines = red.read_text().splitlines()
    for row in map(json.loads, again.read_text().splitlines()):
        value = lines[row["line_number"] - 1][row["char_start"] : row["char_end"]]
        # The mask keeps two characters of an e-mail or VPA local part, so a three-letter
        # local part ("saX.X@gmail.com") still reads as an address; nothing else may remain.
        assert row["entity_type"] in ("EMAIL_ADDRESS", "IN_UPI_ID"), row["entity_type"]
        assert "X" in value.partition("@")[0]
