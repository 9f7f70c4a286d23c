"""The compiled IPv6 validator (``native/src/validators.rs`` ``ipv6``) against
``network._ipv6``, which calls ``ipaddress``: the same verdict on every value the
detector's pattern can give (hex digits and colons) and on the edge forms ``ipaddress``
is strict about (several ``::``, a leading or trailing lone colon, five-digit groups,
loopback, unspecified, multicast)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.builtin.network import _ipv6

_native = pytest.importorskip("detectors._native")


def _agree(value: str) -> None:
    line = f"client {value} ok"
    start = len("client ")
    end = start + len(value)
    want = _ipv6(value, line, start, end)
    got = _native._validate("ipv6", line.encode(), start, end)
    assert got == want, value


group = st.one_of(
    st.text("0123456789abcdefABCDEF", max_size=5),
    st.sampled_from(["", "0", "1", "ff", "ff02", "FFFF", "0000", "00001"]),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(group, min_size=1, max_size=10))
def test_random_hex_and_colons_agree(groups: list[str]) -> None:
    _agree(":".join(groups))


@pytest.mark.parametrize(
    "value",
    [
        "2001:db8::1",
        "2401:4900:1c3e:8a2f:1d2c:5b6e:9f10:2233",
        "::1",
        "::",
        "::0:1",
        "ff02::1",
        "FF00::",
        "fe80::1",
        "1::2::3",
        ":1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:",
        "1:2:3:4:5:6:7::",
        "::1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9",
        "12345::1",
        "1:2:3",
        "abc:def::",
        "2024:12:00:01",
    ],
)
def test_edge_forms_agree(value: str) -> None:
    _agree(value)
