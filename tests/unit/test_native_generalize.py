"""The compiled ``generalize`` (native/src/generalize.rs) against ``operators.generalize``,
which defines it: every ASCII value gets the same text, or the same refusal (OperatorError,
after which the policy writes ``replace``'s text); forms the core leaves to Python's
``ipaddress`` are answered "ask Python" and never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.errors import OperatorError
from detectors.operators import generalize

_native = pytest.importorskip("detectors._native")

ENTITIES = ("IP_ADDRESS", "DATE_OF_BIRTH", "DATE", "STREET_ADDRESS", "EMAIL_ADDRESS")
WHITE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _python(value: str, entity: str) -> tuple[int, str | None]:
    try:
        return 0, generalize(value, entity)
    except OperatorError:
        return 1, None


def _agree(value: str, entity: str) -> None:
    status, text = _native.generalize(value, entity)
    if status == 2:  # left to Python: only IP forms ipaddress parses, or non-ASCII
        assert entity == "IP_ADDRESS" or not value.isascii(), (value, entity)
        return
    assert (status, text) == _python(value, entity), (value, entity)


def _join(parts: list[str]) -> str:
    return "".join(parts)


octet = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["01", "00", "007", "255"]))
ipv4 = st.lists(octet, min_size=3, max_size=5).map(".".join)
hextet = st.one_of(
    st.text("0123456789abcdefABCDEF", min_size=0, max_size=5), st.sampled_from(["0", "ffff"])
)
ipv6 = st.lists(hextet, min_size=1, max_size=9).map(":".join)
number = st.integers(0, 10000).map(str)
sep = st.sampled_from([*"-/. ,", "", "th ", "st", ", "])
word = st.sampled_from(["Jan", "january", "FEB", "Mayo", "Sept", "Dec.", "Foo", "jun"])
date = st.lists(st.one_of(number, sep, word, st.sampled_from(["T10:00", "\n", "\x1c"])), max_size=7)
year = st.integers(0, 9999).map(lambda y: f"{y:04d}")
small = st.integers(0, 33).map(str) | st.integers(0, 13).map(lambda n: f"{n:02d}")
dash = st.sampled_from(["-", "/", ".", " ", ". ", "", "th ", ", "])
month = st.sampled_from(["Jan", "Feb.", "march", "APR", "Sept", "decem", "Xyz", "Ma"])
formed = st.one_of(
    st.tuples(year, dash, small, dash, small, st.sampled_from(["", "T10:00", " 12:00", "Z"])),
    st.tuples(small, dash, small, dash, year),
    st.tuples(small, st.sampled_from(["", "st", "nd", "th"]), dash, month, dash, year),
    st.tuples(month, dash, small, st.sampled_from(["", "rd", "th,", ","]), dash, year),
).map(_join)
pin = st.lists(
    st.one_of(
        st.sampled_from(["560001", "560 001", "0560001", "1100011", " ", ", ", "Road"]), number
    ),
    max_size=6,
)
pad = st.text(WHITE + "[]", max_size=2)


@settings(max_examples=600, deadline=None)
@given(pad, st.one_of(ipv4, ipv6), pad)
def test_ip_addresses_agree(left: str, value: str, right: str) -> None:
    _agree(left + value + right, "IP_ADDRESS")


@settings(max_examples=600, deadline=None)
@given(pad, date.map(_join) | formed, pad, st.sampled_from(["DATE_OF_BIRTH", "DATE", "DATE_TIME"]))
def test_dates_agree(left: str, value: str, right: str, entity: str) -> None:
    _agree(left + value + right, entity)


@settings(max_examples=400, deadline=None)
@given(pin.map(_join))
def test_addresses_agree(value: str) -> None:
    _agree(value, "STREET_ADDRESS")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=30), st.sampled_from(ENTITIES))
def test_any_ascii_text_agrees(value: str, entity: str) -> None:
    _agree(value, entity)


@pytest.mark.parametrize(
    ("value", "entity"),
    [
        ("49.36.12.7", "IP_ADDRESS"),
        ("[2001:db8::1]", "IP_ADDRESS"),
        ("1990-02-29", "DATE_OF_BIRTH"),
        ("29 Feb 2000", "DATE_OF_BIRTH"),
        ("Jul 4th, 1990", "DATE_OF_BIRTH"),
        ("4 Lake Rd, Pune 411 001", "STREET_ADDRESS"),
    ],
)
def test_common_values_are_answered_by_the_core(value: str, entity: str) -> None:
    status, _ = _native.generalize(value, entity)
    assert status != 2
    _agree(value, entity)


def test_non_ascii_values_are_left_to_python() -> None:
    assert _native.generalize("१९९०-०७-१४", "DATE_OF_BIRTH") == (2, None)
