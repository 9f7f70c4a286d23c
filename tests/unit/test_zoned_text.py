"""A zoned timestamp leaf's text (``nested.zoned_text``) is exactly Arrow's own cast to
string, which the engine used to scan: the same wall time, ``Z`` for the zone named UTC,
``±HHMM`` for any other, and Arrow's cast itself where an offset has seconds (a zone's
local mean time) or the values cannot be converted."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobs.nested import as_text, zoned_text

ZONES = [
    "UTC",
    "Etc/UTC",
    "+00:00",
    "+05:30",
    "-03:00",
    "-00:30",
    "Asia/Kolkata",  # +0530, and +055328 / +0521 before 1941
    "Asia/Kathmandu",  # +0545
    "America/New_York",  # daylight saving
    "America/St_Johns",  # -0330 / -0230
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Pacific/Chatham",  # +1245 / +1345
    "Africa/Monrovia",  # -004430 until 1972
    "Europe/London",
]
UNITS = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
YEAR = 31_556_952  # seconds


@st.composite
def zoned(draw: st.DrawFn) -> pa.Array:
    unit = draw(st.sampled_from(sorted(UNITS)))
    tz = draw(st.sampled_from(ZONES))
    scale = UNITS[unit]
    low, high = max(-(2**63), -200 * YEAR * scale), min(2**63 - 1, 330 * YEAR * scale)
    values = draw(st.lists(st.one_of(st.none(), st.integers(low, high)), max_size=30))
    return pa.array(values, pa.timestamp(unit, tz=tz))


def _same_as_arrow(array: pa.Array) -> None:
    try:
        want = pc.cast(array, pa.string())
    except pa.ArrowException as exc:
        with pytest.raises(type(exc)):
            zoned_text(array)
        return
    got = zoned_text(array)
    assert got.type == pa.string()
    assert got.to_pylist() == want.to_pylist()


@settings(max_examples=400, deadline=None)
@given(array=zoned())
@example(array=pa.array([-3_786_825_600], pa.timestamp("s", tz="Asia/Kolkata")))  # 1850
@example(array=pa.array([-631_152_000_000], pa.timestamp("ms", tz="Africa/Monrovia")))
@example(array=pa.array([None, None], pa.timestamp("us", tz="Pacific/Chatham")))
def test_zoned_text_is_arrows_cast(array: pa.Array) -> None:
    _same_as_arrow(array)
    _same_as_arrow(array[1:])  # a slice: its offset into the buffers


def test_a_leaf_with_a_zone_is_read_as_arrow_writes_it() -> None:
    array = pa.array([0, 1_720_000_000_000, None], pa.timestamp("ms", tz="America/New_York"))
    assert as_text(array).to_pylist() == [
        "1969-12-31 19:00:00.000-0500",
        "2024-07-03 05:46:40.000-0400",
        None,
    ]
