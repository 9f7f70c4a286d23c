"""Checksums over all trigger hits of a buffer at once, before any Python per candidate.

Logs are full of 12-digit transaction ids and 16-digit references; nine in ten fail the
Verhoeff or Luhn check their look-alike identifier would carry. Checking them with numpy
over the whole batch of hits removes them for a few nanoseconds each, instead of decoding
their line and running regexes on it. A hit whose shape is not recognised is kept, so the
Python validator still has the last word: a prefilter only ever removes certain misses.
"""

from __future__ import annotations

import numpy as np

from detectors.checksums import _VERHOEFF_D, _VERHOEFF_P

_D = np.array(_VERHOEFF_D, dtype=np.uint8)
_P = np.array(_VERHOEFF_P, dtype=np.uint8)
_ZERO = ord("0")


def _last_digit(buf: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Position of the last digit of each hit: triggers may consume up to two characters
    after the number (their right boundary); -1 where none of the three is a digit."""
    out = np.full(len(ends), -1, dtype=np.int64)
    for back in (3, 2, 1):  # the nearest digit to the end wins, so check it last
        pos = ends - back
        ok = (pos >= 0) & (pos < len(buf))
        digit = np.zeros(len(ends), dtype=bool)
        digit[ok] = (buf[pos[ok]] - _ZERO) < 10
        out = np.where(digit, pos, out)
    return out


def _window(buf: np.ndarray, last: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the ``width`` bytes ending at ``last``, mask of rows whose hit is known).

    Positions before the buffer read as NUL, which is no digit and no separator, so a
    number at the very start of a buffer is measured correctly.
    """
    idx = (last - width + 1)[:, None] + np.arange(width)[None, :]
    rows = buf[np.clip(idx, 0, len(buf) - 1)]
    rows = np.where(idx >= 0, rows, 0).astype(np.uint8)
    return rows, last >= 0


def verhoeff_rows(digits: np.ndarray) -> np.ndarray:
    """Verhoeff validity of each row of digit values (0-9)."""
    c = np.zeros(len(digits), dtype=np.uint8)
    width = digits.shape[1]
    for i in range(width):
        c = _D[c, _P[i % 8, digits[:, width - 1 - i]]]
    return c == 0


def aadhaar_hits(buf: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Keep hits that may be an Aadhaar number: 12 digits (plain or 4-4-4) passing Verhoeff."""
    keep = np.ones(len(ends), dtype=bool)
    last = _last_digit(buf, ends)
    plain, plain_in = _window(buf, last, 12)
    plain_digits = plain - _ZERO
    plain_ok = plain_in & (plain_digits < 10).all(axis=1)
    grouped, grouped_in = _window(buf, last, 14)
    sep_a, sep_b = grouped[:, 4], grouped[:, 9]
    grouped_digits = np.delete(grouped, (4, 9), axis=1) - _ZERO
    grouped_ok = (
        grouped_in
        & ~plain_ok
        & (sep_a == sep_b)
        & ((sep_a == ord(" ")) | (sep_a == ord("-")))
        & (grouped_digits < 10).all(axis=1)
    )
    keep[plain_ok] = verhoeff_rows(np.minimum(plain_digits[plain_ok], 9))
    keep[grouped_ok] = verhoeff_rows(np.minimum(grouped_digits[grouped_ok], 9))
    return keep


def luhn_plain_hits(buf: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Keep hits that may be a card number: an unseparated run of 13-19 digits must pass
    Luhn; separated forms are left to the Python validator."""
    keep = np.ones(len(ends), dtype=bool)
    last = _last_digit(buf, ends)
    window, inside = _window(buf, last, 20)
    digits = window.astype(np.int16) - _ZERO
    is_digit = (digits >= 0) & (digits < 10)
    # Length of the digit run that ends at `last` (the window's final column).
    run = np.argmin(is_digit[:, ::-1], axis=1)
    run[is_digit.all(axis=1)] = 20
    plain = inside & (run >= 13) & (run <= 19)
    if not plain.any():
        return keep
    rows = np.where(is_digit[plain], digits[plain], 0)[:, ::-1]  # rightmost digit first
    lengths = run[plain]
    col = np.arange(20)[None, :]
    rows = np.where(col < lengths[:, None], rows, 0)
    doubled = rows * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = np.where(col % 2 == 1, doubled, rows).sum(axis=1)
    keep[plain] = total % 10 == 0
    return keep
