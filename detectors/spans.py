"""The one value type every part shares: a detected span inside a string."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A detected value: ``text[start:end]`` is of ``entity_type``.

    Offsets are code-point offsets into the string that was scanned (a log line, or one
    field's value), as the findings contract requires. A span never carries the value itself,
    so it can be logged, pickled to Spark workers or written anywhere without leaking it.
    """

    entity_type: str
    start: int
    end: int
    score: float
    detector: str
