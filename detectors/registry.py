"""What a detector is: data plus two small hooks, in the manner of Presidio's recognizers.

A detector names its entity, the cheap *triggers* the multi-pattern scanner looks for in a
whole buffer, the precise Python *pattern* run only on lines a trigger selected, a base score,
the words and field names that raise or lower it, and a ``validate`` hook (checksums,
structure) that may reject a candidate or adjust its score. Built-ins and YAML detectors are
registered the same way, in one explicit list, so there is no import-time magic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# validate(value, line, start, end) -> None to reject, else a score delta (0.0 = keep base).
Validator = Callable[[str, str, int, int], float | None]


@dataclass(frozen=True, slots=True)
class Trigger:
    """A Hyperscan-compatible regex (no lookaround) that matches a superset of candidates."""

    regex: str
    caseless: bool = False
    # Longest possible match, when known; else the scanner derives it from the regex.
    width: int | None = None


@dataclass(frozen=True)
class Detector:
    name: str
    entity_type: str
    triggers: tuple[Trigger, ...]
    pattern: re.Pattern[str]
    score: float
    validate: Validator | None = None
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    field_hints: tuple[str, ...] = ()
    context_required: bool = False
    # Words that lower the score only as (part of) the key, never from the text around.
    negative_keys: tuple[str, ...] = ()
    # Whole-value matcher used when a structured field's name matches ``field_hints``.
    field_value: re.Pattern[str] | None = None
    field_score: float = 0.85
    # Decides whether a structured field's name means its whole value is this entity;
    # defaults to matching ``field_hints``.
    field_check: Callable[[str], bool] | None = None
    # Vectorised check over all trigger hits of a buffer (bytes array, hit ends) -> keep
    # mask; see detectors/prefilter.py. It may only drop hits that cannot validate.
    prefilter: Callable[[Any, Any], Any] | None = None
    # How far a value may start before its trigger hit and end after it. The precise
    # pattern is searched only in that window around each hit.
    reach: tuple[int, int] = (64, 64)
    # Triggers too many to build at import (one per dictionary name): made when an engine
    # compiles its scanner.
    more_triggers: Callable[[], list[Trigger]] | None = None
    _context_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _negative_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _value_groups: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _negative_keys_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = tuple(g for g in self.pattern.groupindex if g.startswith("v"))
        object.__setattr__(self, "_value_groups", groups)
        object.__setattr__(self, "_context_re", _words_regex(self.context, CONTEXT_JOINERS))
        object.__setattr__(
            self, "_negative_re", _words_regex(self.negative_context, NEGATIVE_JOINERS)
        )
        object.__setattr__(
            self, "_negative_keys_re", _words_regex(self.negative_keys, NEGATIVE_JOINERS)
        )

    @property
    def value_groups(self) -> tuple[str, ...]:
        """Named groups holding the value (``v``, ``v2``…); the first that matched wins."""
        return self._value_groups

    @property
    def context_re(self) -> re.Pattern[str] | None:
        return self._context_re

    @property
    def negative_keys_re(self) -> re.Pattern[str] | None:
        return self._negative_keys_re

    @property
    def negative_re(self) -> re.Pattern[str] | None:
        return self._negative_re


#: What glues a word to the one before it into a name: context words (``user-service``
#: is no "user"), and negative words, which may follow a ``/`` (a REST path's segment).
CONTEXT_JOINERS = "/-"
NEGATIVE_JOINERS = "-"


def _words_regex(words: Sequence[str], joiners: str) -> re.Pattern[str] | None:
    """One regex for a word list. A word must stand alone or as a snake_case part, so ``otp``
    hits ``otp_code`` and ``OTP:`` but not ``footprint``, and ``id`` does not hit ``idle``.
    A word glued to its neighbour by ``-`` or ``/`` is part of a name (``Go-http-client``,
    ``user-service``), not context. A plural counts: ``orders`` is ``order``. Negative
    words may follow a ``/``: ``/orders/8745123698`` is an order id in a REST path.
    The native core matches the same lists without a regex (``native/src/words.rs``)."""
    if not words:
        return None
    alternation = "|".join(sorted((re.escape(w.lower()) for w in words), key=len, reverse=True))
    before = "^a-z0-9" + re.escape(joiners)
    return re.compile(rf"(?:^|[{before}])(?:{alternation})s?(?![a-z\-])")


def detector(
    name: str,
    entity_type: str,
    triggers: Iterable[str | Trigger],
    pattern: str,
    score: float,
    *,
    flags: int = 0,
    field_value: str | None = None,
    **kwargs: object,
) -> Detector:
    """Build a detector from plain strings; the form the built-in modules use."""
    return Detector(
        name=name,
        entity_type=entity_type,
        triggers=tuple(t if isinstance(t, Trigger) else Trigger(t) for t in triggers),
        pattern=re.compile(pattern, flags),
        score=score,
        field_value=re.compile(field_value) if field_value else None,
        **kwargs,  # type: ignore[arg-type]
    )


class Registry:
    """The explicit, ordered list of detectors an engine is built from."""

    def __init__(self, detectors: Iterable[Detector] = ()) -> None:
        self._detectors: dict[str, Detector] = {}
        for d in detectors:
            self.add(d)

    def add(self, d: Detector) -> None:
        if d.name in self._detectors:
            raise ValueError(f"detector {d.name!r} is registered twice")
        self._detectors[d.name] = d

    def remove_entities(self, entity_types: Iterable[str]) -> None:
        drop = set(entity_types)
        self._detectors = {k: v for k, v in self._detectors.items() if v.entity_type not in drop}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._detectors.values())

    def __len__(self) -> int:
        return len(self._detectors)

    @property
    def entity_types(self) -> set[str]:
        return {d.entity_type for d in self._detectors.values()}
