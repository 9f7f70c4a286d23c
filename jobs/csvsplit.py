"""Cutting a large uncompressed CSV/TSV into units that start and end on record boundaries.

A quoted field may hold newlines (RFC 4180), so a byte offset after a newline is a record
boundary only when the number of ``"`` before it is even. Counting them from the start of
the object is sequential, and reading a 10 GB export on the driver is what the scan must
not do, so it is split in two steps:

1. **Summaries, on the executors.** The planner cuts the object into candidate ranges
   (``jobs.plan``); one Spark job reads every candidate range of every such object and
   returns a :class:`RangeSummary` per range (:func:`summarize_range`): its number of
   quotes, its first newline with an even and with an odd number of quotes before it
   *within the range*, and its irregular quotes under either parity (below).
2. **Cuts, on the driver.** A prefix sum of the quote counts gives the parity at each
   range's start, so each range's cut is its first newline whose global parity is even
   (:func:`choose_cuts`). A range with no such newline is merged into its predecessor.
   The first range's cut is the end of the header, which every unit reads.

Parity is what RFC 4180 says, but the scan parses with Python's ``csv`` module, which
treats a ``"`` in the middle of an unquoted field (``5" pipe``, ``a, "b"``) as a literal.
There the two disagree and a parity cut could fall inside what ``csv`` reads as a quoted
field. Such a quote is *irregular*: a quote that parity says opens a field, but whose
previous byte is not a delimiter, newline, carriage return, quote or the start of the
object. Without irregular quotes, parity tracks ``csv``'s "inside a quoted field" state
exactly, so every cut is a record boundary for ``csv`` as well. An object with one, with
quotes that never balance, whose header does not end in its first range, or whose head is
binary or UTF-16/32 is not split: it is one unit, as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jobs.formats import binary_reason
from jobs.plan import CUTS_PENDING, Unit
from jobs.readers import unicode_bom

READ_BYTES = 8 << 20
HEAD_BYTES = 64 << 10  # what a whole-object task sniffs (unit_scan._peek)
_QUOTE, _NL, _CR = 34, 10, 13
_UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = {"csv": ",", "tsv": "\t"}


@dataclass(frozen=True)
class RangeSummary:
    """What the driver needs of one candidate range ``[start, end)``; offsets are absolute.

    ``first_even`` / ``first_odd``: the first ``\\n`` in the range with an even / odd number
    of ``"`` between the range's start and it (-1: none). ``irregular_even`` /
    ``irregular_odd``: irregular quotes (see the module doc) if the range starts outside /
    inside a quoted field. ``plain`` (the range at offset 0 only): the object's head is text
    a task reads as UTF-8 (not binary, no UTF-16/32 byte-order mark)."""

    quotes: int
    first_even: int
    first_odd: int
    irregular_even: int
    irregular_odd: int
    plain: bool = True


def summarize_range(f: Any, start: int, end: int, delimiter: str) -> RangeSummary | None:
    """Summarise ``[start, end)`` of the seekable binary file ``f`` with numpy, in blocks of
    ``READ_BYTES``; None when the object is shorter than planned (it changed: the object
    is then scanned whole and its task reports what it finds)."""
    delim = ord(delimiter)
    plain, bom = True, False
    prev = _NL  # the start of the object counts as a line start
    if start == 0:
        head = f.read(HEAD_BYTES)
        plain = binary_reason(head) is None and unicode_bom(head) is None
        bom = head.startswith(_UTF8_BOM)
    # The byte before the range comes with its first block: on S3 every read is a GET.
    lead = 1 if start > 0 else 0
    f.seek(start - lead)
    count = 0  # quotes in the range so far
    first = [-1, -1]  # first newline with even / odd quotes before it
    irregular = [0, 0]
    pos = start
    while pos < end:
        block = f.read(min(READ_BYTES, end - pos) + lead)
        if lead:
            if len(block) < 2:
                return None
            prev, block, lead = block[0], block[1:], 0
        if not block:
            return None
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = np.flatnonzero(arr == _QUOTE)
        if first[0] < 0 or first[1] < 0:
            nl = np.flatnonzero(arr == _NL)
            if len(nl):
                parity = (np.searchsorted(quotes, nl) + count) & 1
                for p in (0, 1):
                    hits = np.flatnonzero(parity == p)
                    if first[p] < 0 and len(hits):
                        first[p] = pos + int(nl[hits[0]])
        if len(quotes):
            before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], prev)
            ok = (before == delim) | (before == _NL) | (before == _CR) | (before == _QUOTE)
            if bom and pos == 0:  # a UTF-8 BOM is not part of the first field
                ok |= quotes == len(_UTF8_BOM)
            nth = np.arange(count, count + len(quotes)) & 1  # quotes in the range before it
            bad = ~ok
            irregular[0] += int(np.count_nonzero(bad & (nth == 0)))
            irregular[1] += int(np.count_nonzero(bad & (nth == 1)))
        count += len(quotes)
        prev = block[-1]
        pos += len(block)
    return RangeSummary(count, first[0], first[1], irregular[0], irregular[1], plain)


@dataclass(frozen=True)
class Cuts:
    """Where a CSV/TSV object is cut: ``header_end`` (the header record is
    ``[0, header_end)``) and the record starts between units (increasing, each after
    ``header_end`` and before the object's end)."""

    header_end: int
    cuts: list[int]

    def bounds(self, size: int) -> list[tuple[int, int]]:
        return list(itertools.pairwise([0, *self.cuts, size]))


def choose_cuts(size: int, summaries: Sequence[RangeSummary | None]) -> Cuts | None:
    """The cuts of an object of ``size`` bytes from the summaries of its candidate ranges,
    in order (the first starts at 0, each ends where the next starts); None when it is not
    to be split (see the module doc): a missing summary, a head that is not plain text,
    an irregular quote, a header that does not end in the first range, quotes that never
    balance, or no cut at all."""
    if not summaries or any(s is None for s in summaries):
        return None
    first = summaries[0]
    assert first is not None
    if not first.plain:
        return None
    parity = 0  # quotes before the current range, mod 2
    header_end = -1
    cuts: list[int] = []
    for s in summaries:
        assert s is not None
        if s.irregular_odd if parity else s.irregular_even:
            return None
        nl = s.first_odd if parity else s.first_even
        if header_end < 0:  # the first range: its first record end is the header's
            if nl < 0:
                return None
            header_end = nl + 1
        elif nl >= 0 and nl + 1 < size:
            cuts.append(nl + 1)
        parity = (parity + s.quotes) & 1
    if parity or not cuts:
        return None
    return Cuts(header_end, cuts)


def pending(units: Sequence[Unit]) -> list[Unit]:
    """The candidate ranges among ``units``, which the pre-pass must summarise."""
    return [u for u in units if u.header_end == CUTS_PENDING]


def csv_units(units: Sequence[Unit], summaries: Mapping[str, RangeSummary | None]) -> list[Unit]:
    """``units`` with each object's candidate ranges replaced, in place, by its units:
    record-aligned ranges ``[0, c1), [c1, c2), …`` carrying the header's end, or one whole
    unit when :func:`choose_cuts` says not to split. ``summaries`` maps a candidate's
    ``unit_id`` to its summary (None or missing: its range could not be read)."""
    out: list[Unit] = []
    for _, group in itertools.groupby(units, key=lambda u: (u.uri, u.header_end)):
        ranges = list(group)
        if ranges[0].header_end != CUTS_PENDING:
            out += ranges
            continue
        first = ranges[0]
        size = max(u.end for u in ranges)
        cuts = choose_cuts(size, [summaries.get(u.unit_id) for u in ranges])
        if cuts is None:
            out.append(replace(first, seq=0, parts=1, start=0, end=-1, size=size, header_end=0))
            continue
        bounds, h = cuts.bounds(size), cuts.header_end
        out += [
            replace(first, seq=i, parts=len(bounds), start=a, end=b, size=b - a, header_end=h)
            for i, (a, b) in enumerate(bounds)
        ]
    return out
