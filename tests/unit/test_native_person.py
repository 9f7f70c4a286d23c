"""The compiled name validator (``native/src/validators.rs`` ``person_key_value``) against
``people._person_key_value``: the same verdict for every placeholder value, key part and
key leaf of the Python lists, and on generated names and keys (mixed case, a curly
apostrophe, the Kelvin sign that lower-cases to ASCII ``k``, tokens longer than the port's
stack buffer, five tokens)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.builtin.people import (
    _PERSON_LEAVES,
    _STOP_VALUES,
    NOT_PERSON_KEY_PARTS,
    PERSON_KEY_PARTS,
    _person_key_value,
)
from tests.unit.ports import agree

_native = pytest.importorskip("detectors._native")


@pytest.fixture(autouse=True, scope="module")
def _name_lists() -> None:
    """The port reads the name lists the engine gives the core (once per process)."""
    from detectors.native import _give_dictionaries

    _give_dictionaries(_native)


def _agree(key: str | None, value: str) -> None:
    agree("person_key_value", _person_key_value, key, value)


@pytest.mark.parametrize("stop", sorted(_STOP_VALUES))
def test_each_placeholder_is_refused_in_both(stop: str) -> None:
    for form in (stop, stop.upper(), stop.title(), f" {stop} "):
        _agree("name", form)
        _agree("customer_name", form)


@pytest.mark.parametrize("part", sorted(PERSON_KEY_PARTS | NOT_PERSON_KEY_PARTS | _PERSON_LEAVES))
def test_each_key_part_decides_the_key_in_both(part: str) -> None:
    for key in (f"{part}_name", f"name_{part}", f"{part}_x_name", part, f"x_{part}"):
        _agree(key, "Rahul Sharma")
        _agree(key, "Qwerty Zxcv")


_TOKENS = st.sampled_from(
    ["Rahul", "rahul", "RAHUL", "Sharma", "Priya", "O'Brien", "D’Souza", "Jean-Luc", "J.",
     "Mr.", "null", "Test", "User", "\u212aumar", "walk-in", "Customer", "x" * 70, "Ab" * 40,
     "9876", "Ünal", "name", "Guest"]
)  # fmt: skip
_KEYS = st.sampled_from(
    [None, "name", "customer_name", "file_name", "name_on_card", "name_as_per_pan",
     "cardholder", "first_name", "host_name", "pn", "user_name", "full_name", "Name",
     "beneficiary_name", "a_b_c_name", "_name", "name_", "name_on", "_", ""]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(key=_KEYS, tokens=st.lists(_TOKENS, min_size=1, max_size=5),
       sep=st.sampled_from([" ", "+", "  ", "\t"]))  # fmt: skip
def test_generated_names_agree(key: str | None, tokens: list[str], sep: str) -> None:
    _agree(key, sep.join(tokens))
