"""The core's context word lists (native/src/words.rs) against the regex they replace.

The Python engine scores context with ``registry._words_regex``; the core matches the same
word lists without a regex. Both must agree on every text: the built-in detectors' own
lists over texts assembled from their words, glue characters and multi-byte text, and
random lists (empty and overlapping words included) over random text.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import _native
from detectors.builtin import builtin_detectors
from detectors.registry import CONTEXT_JOINERS, NEGATIVE_JOINERS, _words_regex

_LISTS = sorted(
    {
        (tuple(words), joiners)
        for d in builtin_detectors()
        for words, joiners in (
            (d.context, CONTEXT_JOINERS),
            (d.negative_context, NEGATIVE_JOINERS),
            (d.negative_keys, NEGATIVE_JOINERS),
        )
        if words
    }
)
# Characters at the edges of the regex's classes: letters, digits, the joiners, `s`, `_`,
# separators, upper case (never lowered here: the engine lowers the window first) and
# multi-byte letters, digits and marks.
_EDGES = [*"as-/_ :=.0S\n\t\"'", "é", "ग", "٣", "\u0301", "ß", "İ"]


def _agree(words: list[str], joiners: str, text: str) -> None:
    regex = _words_regex(words, joiners)
    assert regex is not None
    expected = regex.search(text) is not None
    lowered = [w.lower() for w in words]
    assert _native.words_match(lowered, joiners, text) is expected, (words, joiners, text)


@pytest.mark.parametrize("words,joiners", _LISTS, ids=lambda v: str(v)[:20])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_builtin_lists_agree_with_their_regex(
    words: tuple[str, ...], joiners: str, data: st.DataObject
) -> None:
    piece = st.one_of(
        st.sampled_from(words).map(str.lower),
        st.sampled_from(_EDGES),
        st.text(max_size=3),
    )
    text = "".join(data.draw(st.lists(piece, max_size=12)))
    _agree(list(words), joiners, text)


_SMALL = st.text(alphabet="abs-/0 é", max_size=4)


@settings(max_examples=600, deadline=None)
@given(
    words=st.lists(_SMALL, min_size=1, max_size=5),
    joiners=st.sampled_from([CONTEXT_JOINERS, NEGATIVE_JOINERS, "", "/"]),
    text=st.text(alphabet="abs-/0 é_:", max_size=16),
)
def test_random_lists_agree_with_their_regex(words: list[str], joiners: str, text: str) -> None:
    _agree(words, joiners, text)


def test_known_cases() -> None:
    """The cases the regex's docstring names, so a failure reads plainly."""
    assert _native.words_match(["otp"], CONTEXT_JOINERS, "otp_code")
    assert _native.words_match(["otp"], CONTEXT_JOINERS, "otp:")
    assert not _native.words_match(["otp"], CONTEXT_JOINERS, "footprint")
    assert not _native.words_match(["id"], CONTEXT_JOINERS, "idle")
    assert not _native.words_match(["client"], CONTEXT_JOINERS, "go-http-client")
    assert _native.words_match(["order"], CONTEXT_JOINERS, "orders")
    assert _native.words_match(["order"], NEGATIVE_JOINERS, "/orders/8745123698")
    assert not _native.words_match(["order"], CONTEXT_JOINERS, "/orders/8745123698")
