"""A Parquet/DataFrame batch's plain string leaves are redacted on arrays
(``recordbatch._replaced_strings``); a dictionary-encoded leaf still takes the general
path (``_replaced``: the changed rows picked out, converted back to the leaf's type). The
same values in a string, a large_string and a dictionary column must come out the same,
for both engines and a policy that uses every action; a leaf whose values all stay as
they are (``keep``) leaves the batch untouched."""

from __future__ import annotations

import pyarrow as pa
import pytest

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.native import NativeEngine
from detectors.policy import Policy
from jobs.recordbatch import scan_batch
from tests.unit.test_native_redact_cells import EVERY_ACTION

KEYS = KeyRing(b"f" * 32, b"t" * 32, {"k1": b"e" * 32}, "k1")
# Synthetic values only: example.in addresses, the Luhn test card, a mobile number and an
# Aadhaar number that pass their validators, documentation-range IPs.
VALUES = [
    "asha.rao@example.in",
    None,
    "no pii here",
    "mail ravi.kumar@example.com or call 9876543210, card 4111111111111111",
    "",
    "Zoë Ñúñez née Müller — ravi.kumar@example.com",
    "2345 6789 0124",
    "203.0.113.7",
    "Flat 4, 12 MG Road, Bengaluru 560001",
    "asha.rao@example.in",
]
ENGINES = {"native": NativeEngine.default, "python": Engine.default}
POLICIES = {"default": Policy.default, "every_action": lambda: Policy.from_dict(EVERY_ACTION)}


def _batch(values: list[str | None]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "note": pa.array(values, pa.string()),
            "note_large": pa.array(values, pa.large_string()),
            "note_dict": pa.array(values, pa.string()).dictionary_encode(),
        }
    )


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_string_leaves_redact_as_the_general_path_does(engine: str, policy: str) -> None:
    batch = _batch(VALUES)
    out = scan_batch(batch, ENGINES[engine](), POLICIES[policy](), KEYS)
    assert out.schema == batch.schema
    plain, large, general = (out.column(i).to_pylist() for i in range(3))
    if policy == "every_action":  # drop nulls the address's cell
        assert general[8] is None
    assert plain == large == general
    assert plain[1] is None and plain[2] == "no pii here" and plain[4] == ""
    assert plain[0] != VALUES[0] and plain[0] == plain[9]
    assert "ravi.kumar@example.com" not in (plain[3] or "")
    assert "9876543210" not in (plain[3] or "")


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_string_leaf_whose_values_all_stay_leaves_the_batch_as_it_was(engine: str) -> None:
    keep = Policy.from_dict({"version": 1, "entities": {"EMAIL_ADDRESS": {"action": "keep"}}})
    batch = _batch(["asha.rao@example.in", None, "write to ravi.kumar@example.com", "ok"])
    found: list[str] = []
    out = scan_batch(batch, ENGINES[engine](), keep, KEYS, lambda f: found.extend(f.entity_types()))
    assert found == ["EMAIL_ADDRESS"] * 6  # reported, each column's two, and kept
    assert out is batch
