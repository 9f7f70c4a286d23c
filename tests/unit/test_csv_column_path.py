"""``CsvTable.judge`` on the column path (issue #13) against the per-value judge it
replaced (``csv_reference.reference_judge``): the same redacted cells, ``is_pii`` and
findings, in the same order, for both engines, every shipped policy (``iscp`` takes the
record-rule path), a policy that uses every action (``drop`` nulls a whole cell) and a
raised threshold (spans under it must neither report nor redact), on hostile rows: ragged,
empty and missing cells, non-ASCII, cells with several spans, line breaks inside quoted
cells, undecodable bytes kept as surrogates (``piisweep redact``'s reading), PII in the
header. ``piisweep detect``'s rows for a CSV batch are held to the rows the reference's
findings give."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.records import rules_of
from jobs.blocks import CsvTable, Shared
from jobs.local_detect import Context, _leaf_rows, _rows
from tests.unit.csv_reference import found_rows, leaf_rows, reference_judge
from tests.unit.test_native_redact_cells import EVERY_ACTION

ROOT = Path(__file__).resolve().parents[2]
KEYS = KeyRing(b"f" * 32, b"t" * 32, {"k1": b"e" * 32}, "k1")
POLICIES = {
    "default": lambda: Policy.default(),
    "iscp": lambda: Policy.load(ROOT / "conf" / "policies" / "iscp.yaml"),
    "every_action": lambda: Policy.from_dict(EVERY_ACTION),
    "threshold_0.9": lambda: Policy.default().with_threshold(0.9),
}
# Synthetic values only: example.in addresses, the Luhn test card, a mobile number and an
# Aadhaar number that pass their validators, documentation-range IPs.
PIECES = [
    "asha.rao@example.in",
    "9876543210",
    "+91 98450 12345",
    "4111 1111 1111 1111",
    "2345 6789 0124",
    "ABCPE1234F",
    "203.0.113.7",
    "Asha Rao",
    "Ravi Kumar",
    "Zoë Ñúñez",
    "अनिल कुमार",
    "mail ravi.kumar@example.com or call 9876543210, card 4111111111111111",
    "née Müller — ravi.kumar@example.com",
    "line one\r\nasha.rao@example.in\nline three",
    "x\udcff asha.rao@example.in \udce9",
    "1985-04-12",
    "02:42:ac:11:00:02",
    "",
    "   ",
    "order ORD-77",
    "Flat 4, 12 MG Road, Bengaluru 560001",
    "  House No. 12, Sector 15, Noida 201301 ",
    "ok",
]
HEADER = [
    "name",
    "email",
    "asha.rao@example.in",
    "",
    "phone",
    "note",
    "note",
    "aadhar",
    "ip",
    "address",
]


def _hostile(seed: int, n: int, width: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        size = rng.choice([width, width, width, 0, 1, width - 3, width + 2])
        out.append([rng.choice(PIECES) if rng.random() < 0.6 else "ok" for _ in range(size)])
    return out


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
@pytest.mark.parametrize("seed", [1, 2])
def test_judge_equals_the_per_value_reference(
    engine_class: type[Engine], policy_name: str, seed: int
) -> None:
    engine = engine_class.default()
    policy = POLICIES[policy_name]()
    shared = Shared(engine, policy, KEYS, rules_of(policy))
    rows = _hostile(seed, 120, len(HEADER))
    new_table = CsvTable(HEADER, ",", shared)
    old_table = CsvTable(HEADER, ",", Shared(engine, policy, KEYS, rules_of(policy)))
    fitted = [new_table.fit(r) for r in rows]
    cells, pii, found = reference_judge(old_table, fitted)
    judged = new_table.judge(fitted)
    assert found, "the rows must hold findings for the comparison to mean anything"
    assert leaf_rows(judged.found) == found_rows(found)
    assert judged.cells == cells
    assert judged.pii == pii
    # detect and the residual check judge without redacting: the same findings.
    assert leaf_rows(new_table.judge(fitted, redact=False).found) == found_rows(found)


def test_header_pii_is_redacted_and_reported(engine_class: type[Engine]) -> None:
    policy = Policy.default()
    table = CsvTable(HEADER, ",", Shared(engine_class.default(), policy, KEYS, rules_of(policy)))
    assert "asha.rao@example.in" not in table.names
    assert [f.row for f in table.header_findings] and all(
        f.row == -1 for f in table.header_findings
    )
    assert len(set(table.names)) == len(table.names)


@pytest.mark.parametrize("policy_name", ["default", "iscp"])
def test_detect_rows_of_a_batch_equal_the_reference_rows(
    native_engine: Engine, policy_name: str
) -> None:
    """``_leaf_rows`` (flat findings) writes what ``_rows`` writes for the same findings
    as objects, the form ``detect`` wrote a CSV batch in before."""
    policy = POLICIES[policy_name]()
    ctx = Context(native_engine, policy, KEYS, "file:///lake/a.csv")
    table = CsvTable(HEADER, ",", ctx.shared())
    fitted = [table.fit(r) for r in _hostile(3, 200, len(HEADER))]
    starts = [2 + 2 * i for i in range(len(fitted))]
    first = 5000
    _, _, found = reference_judge(CsvTable(HEADER, ",", ctx.shared()), fitted)
    objects = [(starts[f.row], first + f.row, f) for f in found]
    judged = table.judge(fitted, redact=False)
    assert _leaf_rows(ctx, starts, first, judged.found) == _rows(ctx, objects)
