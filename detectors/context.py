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
_KEY_BEFORE = re.compile(
    r"""([A-Za-z_][A-Za-z0-9_.\-]{0,48})["'\]]?\s{0,3}(?:[:=]|=>|</?[a-z]*>?)\s{0,3}\[?["'(]?\s?$"""
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def key_before(line: str, start: int) -> str | None:
    """The normalised key whose value starts at ``start``, if the value follows one.

    Called for every candidate, so it first checks the few characters before the value for
    a ``=`` / ``:`` / ``>`` and only then runs the regex on a short slice.
    """
    j = start
    lowest = max(0, start - 6)
    while j > lowest and line[j - 1] in " \"'([\t":
        j -= 1
    if j == 0 or line[j - 1] not in "=:>":
        return None
    m = _KEY_BEFORE.search(line, max(0, start - 64), start)
    if m is None:
        return None
    return normalize_field(m.group(1))


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


def field_matches(field: str | None, hints: tuple[str, ...]) -> bool:
    """A hint matches a whole underscore-separated part run of the field: ``phone`` matches
    ``customer_phone`` and ``phone_no`` but not ``headphones``."""
    if not field or not hints:
        return False
    padded = f"_{field}_"
    return any(f"_{hint}_" in padded for hint in hints)
