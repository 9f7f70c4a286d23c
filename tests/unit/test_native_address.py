"""The compiled address validator (``native/src/validators.rs`` ``address_key_value``)
against ``people._address_key_value``: the same verdict for every street word and every key
part of the Python lists, alone and in generated values and keys (mixed case, non-ASCII
words whose lower case changes length, PINs, commas, code-like text).

The scan's equivalence tests rarely make the street word decide a verdict (a sample
address has a number, a comma and a PIN besides), so a word missing from the compiled list
passed them; here each word is the value's only signal."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.builtin.people import (
    ADDRESS_KEY_PARTS,
    NOT_ADDRESS_KEY_PARTS,
    STREET_WORDS,
    _address_key_value,
)
from tests.unit.ports import agree

_native = pytest.importorskip("detectors._native")


def _agree(key: str | None, value: str) -> None:
    agree("address_key_value", _address_key_value, key, value)


@pytest.mark.parametrize("word", STREET_WORDS)
def test_each_street_word_alone_is_a_signal_in_both(word: str) -> None:
    # "Shop" and the word: one signal (the street word) gives 0.0, none gives None.
    for form in (word, word.lower(), word.upper()):
        _agree("address", f"Shop {form}")
        _agree(None, f"Shop {form}")
    _agree("address", f"Shop {word}s")  # a longer word is not the street word


@pytest.mark.parametrize(
    "part", sorted(ADDRESS_KEY_PARTS | NOT_ADDRESS_KEY_PARTS | {"address", "addr", "line1"})
)
def test_each_key_part_decides_the_key_in_both(part: str) -> None:
    for key in (f"{part}_address", f"address_{part}", f"{part}_addr_2", part):
        _agree(key, "Shop Road")
        _agree(key, "12 MG Road, Bengaluru 560001")


_WORDS = st.sampled_from(
    [*STREET_WORDS, "Flat", "4B", "12", "560001", "999999", "MG", "Bengaluru", "नगर", "Straße",
     "İstanbul", "ǅemal", "Par\u212a", "x->y", "f(a)", "0x1f", "10.0.0.1", "a@b", "LINE", "_",
     "१२३४५६"]
)  # fmt: skip
_KEYS = st.sampled_from(
    [None, "address", "shipping_address", "email_address", "ip_addr", "address_line",
     "address_line_1", "line1", "addr_2", "customer_address_id", "123_address", "note",
     "Address", "billing__address", "street", "_address", "address_", "_", ""]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(key=_KEYS, words=st.lists(_WORDS, min_size=1, max_size=6),
       seps=st.lists(st.sampled_from([" ", ", ", "-", "  ", "/", ".", "\t"]), min_size=6,
                     max_size=6))  # fmt: skip
def test_generated_addresses_agree(key: str | None, words: list[str], seps: list[str]) -> None:
    value = "".join(w + s for w, s in zip(words, seps, strict=False)).rstrip()
    if value:
        _agree(key, value)
