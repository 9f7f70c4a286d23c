"""Interval work on spans: one value, one entity; and merging the windows around trigger
hits, so a line is searched once per detector however many hits it has."""

from __future__ import annotations

from collections.abc import Sequence

from detectors.spans import Span


def resolve(spans: list[Span]) -> list[Span]:
    """One value, one entity: a span inside a longer one goes (a phone inside a UPI id,
    a PAN inside a GSTIN); of partly overlapping spans the higher score stays.

    O(n log n): a line of a million phone numbers must not take quadratic time.
    """
    if len(spans) < 2:
        return spans
    if len(spans) == 2:
        return _resolve_pair(spans[0], spans[1])
    outer: list[Span] = []
    max_end = -1
    # The entity and detector names break exact ties, so the winner never depends on the
    # order spans arrive in (nor on set order, which string hashing randomises per run).
    for s in sorted(set(spans), key=_position):
        if s.end > max_end:  # not inside an earlier-starting, longer span
            outer.append(s)
            max_end = s.end
    # Partial overlaps can only chain within a run of overlapping spans; resolve each
    # run on its own (greedy by score), so a line of a million values stays linear.
    kept: list[Span] = []
    run: list[Span] = []
    run_end = -1
    for s in outer:  # already in start order
        if run and s.start >= run_end:
            kept.extend(best_of(run))
            run = []
        run.append(s)
        run_end = max(run_end, s.end)
    kept.extend(best_of(run))
    return kept


def _position(s: Span) -> tuple[int, int, float, str, str]:
    """Start order, longer first, then higher score, then names: a total order."""
    return (s.start, -s.end, -s.score, s.entity_type, s.detector)


def _resolve_pair(a: Span, b: Span) -> list[Span]:
    """:func:`resolve` of two spans, the usual case of a structured field (the value's
    trigger-based span and its whole-field span), without the general machinery."""
    if a == b:
        return [a]
    first, second = (a, b) if _position(a) < _position(b) else (b, a)
    if second.end <= first.end:  # inside the first
        return [first]
    if second.start >= first.end:  # apart
        return [first, second]
    return best_of([first, second])


def best_of(run: list[Span]) -> list[Span]:
    """Non-overlapping spans of one run of overlapping ones, higher scores first."""
    if len(run) == 1:
        return run
    chosen: list[Span] = []
    for s in sorted(
        run, key=lambda s: (-s.score, s.start - s.end, s.start, s.entity_type, s.detector)
    ):
        if all(s.end <= c.start or c.end <= s.start for c in chosen):
            chosen.append(s)
    return sorted(chosen, key=lambda s: s.start)


def merged_ranges(
    windows: Sequence[tuple[int, int]], reach: tuple[int, int], n: int
) -> list[tuple[int, int]]:
    """Search ranges around trigger hits, widened by the detector's reach and merged where
    they overlap, so a line dense with hits is searched once, not once per hit."""
    before, after = reach
    if len(windows) == 1:  # the common case: one hit of this detector on the line
        start, end = windows[0]
        return [(0, n) if end < 0 else (max(0, start - before), min(n, end + after + 8))]
    # A range's start grows with its window's, so windows in start order give ranges in
    # start order, merged in the same pass.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if end < 0:
            return [(0, n)]  # the whole line: every other range lies inside it
        lo, hi = max(0, start - before), min(n, end + after + 8)
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged
