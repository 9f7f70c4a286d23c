"""Context around a candidate: the key it is the value of, and the words just before it.

Real logs say what a value is right next to it (``phone=…``, ``"otp": "…"``, ``Your OTP is``),
so a short window and the nearest key carry most of the signal for a fraction of the cost of
an NLP model.
"""

from __future__ import annotations

import re
from functools import lru_cache

WINDOW = 48

# The key a value belongs to, read backwards from the value: `key=`, `key: `, `"key":"`,
# `key":[`, `<key>` ... Keys are identifiers with dots or dashes.
_OPENERS = frozenset(" \t\"'([")
_CLOSERS = frozenset(" \t\"']")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def key_before(line: str, start: int) -> str | None:
    """The normalised key whose value starts at ``start``, if the value follows one:
    ``key=``, ``key: ``, ``"key":"``, ``'key' => '``, ``key":[``.

    Called for every candidate, so it walks back over at most a few dozen characters
    instead of running a regex anchored at the value.
    """
    j = start
    floor = max(0, start - 6)
    while j > floor and line[j - 1] in _OPENERS:
        j -= 1
    if j == 0 or line[j - 1] not in "=:>":
        return None
    j -= 1
    if line[j] == ">" and j > 0 and line[j - 1] == "=":
        j -= 1
    floor = max(0, j - 4)
    while j > floor and line[j - 1] in _CLOSERS:
        j -= 1
    end = j
    floor = max(0, end - 49)
    while j > floor and (line[j - 1].isalnum() or line[j - 1] in "_.-"):
        j -= 1
    if j == end or not (line[j].isalpha() or line[j] == "_"):
        return None
    return normalize_field(line[j:end])


@lru_cache(maxsize=4096)
def normalize_field(name: str) -> str:
    """``customerPhone``, ``Customer-Phone`` and ``customer.phone`` all become
    ``customer_phone``; JSON paths keep only their last key."""
    last = re.split(r"[.\[\]$]+", name.strip("$."))
    leaf = next((part for part in reversed(last) if part and not part.isdigit()), name)
    snake = _CAMEL.sub("_", leaf).lower()
    return re.sub(r"[^a-z0-9]+", "_", snake).strip("_")


def window_before(line: str, start: int, width: int = WINDOW) -> str:
    return line[max(0, start - width) : start].lower()


@lru_cache(maxsize=4096)
def field_matches(field: str | None, hints: tuple[str, ...]) -> bool:
    """A hint matches a whole underscore-separated part run of the field: ``phone`` matches
    ``customer_phone`` and ``phone_no`` but not ``headphones``.

    Cached: a column's every candidate asks the same question of the same field name."""
    if not field or not hints:
        return False
    padded = f"_{field}_"
    return any(f"_{hint}_" in padded for hint in hints)
