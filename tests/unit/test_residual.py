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


_JSONL = [
    '{"event": "signup", "email": "asha.rao@example.in", "order_id": "9123456780"}',
    '{"event": "profile", "name": "Asha Rao", "city": "Pune", "pin_code": "411001"}',
    '{"event": "call", "phone": "9876543210", "note": "call 9876543210 back"}',
    "{'event': 'kyc', 'aadhar': '2345 6789 0124', ip: '203.0.113.7',}",  # repaired
    "not json: card 4111 1111 1111 1111",
    '{"a b": "ravi.kumar@example.com", "x": {"y": [1, "4111 1111 1111 1111"]}}',
]


@pytest.mark.parametrize("policy_path", ["conf/policy.yaml", "conf/policies/iscp.yaml"])
def test_a_jsonl_copy_left_unredacted_shows_as_residuals_the_scan_would_redact(
    tmp_path: Path, policy_path: str
) -> None:
    """The residual check reads a JSON Lines copy as the scan reads JSON Lines
    (``scan_line_block``): a copy holding the source lines themselves reports, line by
    line, the findings the scan would redact there."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from detectors.config import load_engine
    from detectors.keys import KeyRing
    from detectors.policy import Policy
    from detectors.records import rules_of
    from jobs import storage
    from jobs.blocks import Shared, scan_line_block
    from jobs.validate import ResidualJob, residual_scan

    policy = Policy.load(ROOT / policy_path)
    engine = load_engine(ROOT / "conf", threshold=policy.threshold)
    keys = KeyRing(b"f" * 32, b"t" * 32)
    copy = tmp_path / "copy.parquet"
    numbers = list(range(1, len(_JSONL) + 1))
    pq.write_table(pa.table({"line_number": numbers, "line": _JSONL}), copy)
    job = ResidualJob(engine, policy, keys, frozenset(), storage.S3Settings.from_env())
    got = residual_scan(copy.as_uri(), "jsonl", job)
    judged = scan_line_block(
        "\n".join(_JSONL).encode(), None, True, Shared(engine, policy, keys, rules_of(policy))
    )
    want = [f for f in judged.findings if f.action != "keep"]
    assert want  # the lines hold what the policy redacts
    assert got["residual_findings"] == len(want)
    places = got["residual_at"].split("; ")  # the first RESIDUAL_AT_MAX, in order
    assert [int(p.split()[1].rstrip(":")) for p in places] == [f.row + 1 for f in want][:5]
