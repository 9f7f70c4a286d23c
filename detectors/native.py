"""The engine with its hot path compiled: the same detectors, run by the Rust core.

``NativeEngine`` is an :class:`~detectors.engine.Engine` whose trigger pass and candidate
work (precise patterns, validators, context scoring, overlaps, private-key blocks,
URL-decoded values, a column's whole-value field detection) run in ``detectors._native``,
built from the very same detector definitions: their Python pattern strings, words, hints
and reaches. The Python engine stays the reference; the equivalence tests hold both to
identical spans. Python is called back only for validators the core has no port of
(libphonenumber, custom hooks), for the values a screen of such a validator cannot answer
for (an international number not written as a +91 mobile, a JWT header that is not plain
JSON) and for allow-list patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, ClassVar

import numpy as np

from detectors import urlencoded
from detectors.builtin import generic, india, network, payment, people, phones, secrets
from detectors.cache import cache_file, write_atomically
from detectors.colspans import ColumnSpans
from detectors.columns import joined_column
from detectors.context import normalize_field
from detectors.engine import Engine, StreamState, _joined_lines
from detectors.errors import ConfigError
from detectors.jsonwalk import JsonLeaves, from_core
from detectors.overlaps import resolve
from detectors.prefilter import aadhaar_hits, luhn_plain_hits
from detectors.registry import CONTEXT_JOINERS, NEGATIVE_JOINERS, Detector, Trigger
from detectors.scanner import _max_width as max_width
from detectors.spans import Span

# Built-in validators with a port (or a screen) in native/src/validators.rs, by the name the
# core knows them by. A validator not listed here is called back in Python.
PORTED: dict[Any, str] = {
    india._aadhaar: "aadhaar",
    india._gstin: "gstin",
    india._ifsc: "ifsc",
    phones._indian_mobile: "indian_mobile",
    # Screened in Rust (a +91 mobile is in_mobile's), the rest through libphonenumber.
    phones._international: "international",
    generic._email: "email",
    generic._otp: "otp",
    generic._birth_date: "birth_date",
    payment._card: "card",
    payment._iban: "iban",
    payment._ssn: "ssn",
    network._ipv4: "ipv4",
    network._ipv6: "ipv6",
    network._mac: "mac",
    network._device: "device",
    secrets._not_placeholder: "not_placeholder",
    secrets._bearer: "bearer",
    # Screened in Rust (a header that is plain JSON), the rest through `json`.
    secrets._jwt: "jwt",
    people._person_pair: "person_pair",
    people._person_titled: "person_titled",
    people._person_key_value: "person_key_value",
    people._address_key_value: "address_key_value",
    people._address_free: "address_free",
}
_PREFILTERS = {aadhaar_hits: "aadhaar", luhn_plain_hits: "luhn_plain"}
_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE
PEM_SPAN = ("PRIVATE_KEY", "private_key")
FLAT_COLUMNS = ("line", "lo", "hi", "start", "end", "source", "ascii")


def _triggers(d: Detector) -> list[Trigger]:
    return [*d.triggers, *(d.more_triggers() if d.more_triggers is not None else ())]


def _words(words: Sequence[str], joiners: str) -> tuple[list[str], str] | None:
    """A word list as the core matches it (``native/src/words.rs``), the one
    ``registry._words_regex`` compiles for the Python engine: lower-cased words and what
    glues a word to the one before it."""
    return ([w.lower() for w in words], joiners) if words else None


def _spec(d: Detector) -> dict[str, object]:
    triggers = _triggers(d)
    ported = PORTED.get(d.validate) if d.validate is not None else None
    return {
        "name": d.name,
        "entity_type": d.entity_type,
        "pattern": d.pattern.pattern,
        "flags": d.pattern.flags & _FLAGS,
        "groups": [d.pattern.groupindex[g] for g in d.value_groups],
        "score": d.score,
        "validator": None if d.validate is None else (ported or "python"),
        "hook": d.validate,
        "context_words": _words(d.context, CONTEXT_JOINERS),
        "negative_words": _words(d.negative_context, NEGATIVE_JOINERS),
        "negative_key_words": _words(d.negative_keys, NEGATIVE_JOINERS),
        "field_hints": list(d.field_hints),
        "context_required": d.context_required,
        "reach": tuple(d.reach),
        "prefilter": _PREFILTERS.get(d.prefilter) if d.prefilter is not None else None,
        "width": max(
            (t.width if t.width is not None else max_width(t.regex) for t in triggers), default=0
        ),
        "triggers": [(t.regex, t.caseless) for t in triggers],
        "field_value": d.field_value.pattern if d.field_value is not None else None,
        "field_flags": d.field_value.flags & _FLAGS if d.field_value is not None else 0,
        "field_score": d.field_score,
    }


def _broken(values: Sequence[str | None]) -> list[tuple[int, str]]:
    """(row, value) of the values holding a line break, which a joined column has as a
    space: whole-value detection judges them as written."""
    return [(i, v) for i, v in enumerate(values) if v and ("\n" in v or "\r" in v)]


def _joined_values(values: Sequence[str | None]) -> tuple[str, list[tuple[int, str]]]:
    """``_joined_lines(values)`` and :func:`_broken` of them. Values rarely hold a line
    break: the usual column is joined once and looked at no further."""
    flat = "\n".join(["" if v is None else v for v in values])
    if "\r" not in flat and flat.count("\n") < len(values):
        return flat, []
    return _joined_lines(values), _broken(values)


@cache
def _give_dictionaries(native: Any) -> None:
    """The name lists the ported PERSON validators read: the very sets Python uses. Once per
    process: the core keeps the first lists it is given."""
    from detectors.names import all_first_names, first_names, last_names

    native.set_dictionaries(
        {
            "first_names": sorted(first_names()),
            "last_names": sorted(last_names()),
            "all_first_names": sorted(all_first_names()),
        }
    )


@dataclass(frozen=True)
class FlatSpans:
    """A buffer's spans as :meth:`NativeEngine.scan_lines` finds them, in its order, as
    arrays rather than a ``Span`` per span: ``cols`` holds one row of ``FLAT_COLUMNS`` per
    span (line index, the line's byte range in the buffer, code-point start and end in the
    line, source index into :attr:`NativeEngine.span_names`, whether the value is ASCII)
    and ``scores`` its score. ``piisweep detect`` on text builds its rows from these
    without Python per finding."""

    cols: np.ndarray
    scores: np.ndarray


@dataclass
class NativeEngine(Engine):
    """:class:`Engine` with the hot path in the Rust core; same API, same spans.

    ``scanner`` picks the trigger pass: "auto" (the tiered pass: name pairs by a word
    lookup, keyword and wide-gap triggers by Hyperscan, the rest by one lazy DFA; ~1.7x one
    Hyperscan database of all triggers), "hyperscan" (that one database, as the Python
    engine runs it) or "anchored" (the pure-Rust scanner, for platforms without Hyperscan).
    All three give the same hits; the tests hold each to the reference.
    """

    scanner: str = "auto"
    # Set on an engine unpickled in a Spark worker: it never builds the dense DFA (below).
    _shipped: ClassVar[bool] = False

    @cached_property
    def _core(self) -> Any:
        from detectors import _native

        _give_dictionaries(_native)
        names = self._names
        specs = []
        for d in self.detectors:
            try:
                specs.append(_spec(d))
            except (re.error, ValueError) as exc:
                raise ConfigError(f"detector {d.name!r}: {exc}") from None
        # Hyperscan compiles slowly (the tiered pass's small database ~0.2 s, one database of
        # all triggers ~11 s): the compiled database is kept on disk, keyed by the scanner,
        # the triggers and the core's version, like the Python engine's. With it the tiered
        # pass keeps the dense DFA of its digit shapes: built once (~2.4 s), it saves every
        # later process the ~55 ms its lazy DFA spends building states on 50 MB. It is built
        # by the second process to find the cache (the first writes the payload without it),
        # and never by a Spark worker's engine: an executor keeps its engine for the whole
        # job, and on a cluster of fresh nodes every one of them would pay the build for a
        # few tens of milliseconds; it loads one if cached.
        triggers = [(i, s["triggers"]) for i, s in enumerate(specs)]
        cache = None
        if self.scanner != "anchored":
            key = (_native.__version__, self.scanner, triggers, urlencoded.TRIGGER)
            cache = cache_file("native-triggers", key)
        compiled = None
        if cache is not None and cache.exists():
            try:
                compiled = cache.read_bytes()
            except OSError:
                compiled = None
        try:
            core = _native.Core(
                specs,
                names,
                names.index(PEM_SPAN),
                urlencoded.TRIGGER,
                self.threshold,
                sorted(self.allow_values),
                self._allow_match,
                self.scanner,
                compiled,
                # A payload read is a cache that works: one that cannot be written would
                # otherwise cost every process the build.
                dense=compiled is not None and not self._shipped,
            )
        except ValueError as exc:
            raise ConfigError(f"the native engine cannot run these detectors: {exc}") from None
        if cache is not None:
            # Written when missing, and over a file the core could not load (it compiled).
            payload = core.compiled()
            if payload is not None and payload != compiled:
                write_atomically(cache, payload)
        return core

    @cached_property
    def _names(self) -> list[tuple[str, str]]:
        """(entity type, detector) of each span source the core numbers: the detectors, the
        URL-decoding pass (never a span of its own), and the private-key body lines'."""
        names = [(d.entity_type, d.name) for d in self.detectors]
        names.append(("", ""))
        if PEM_SPAN not in names:
            names.append(PEM_SPAN)
        return names

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state["_shipped"] = True
        state.pop("_core", None)
        state.pop("_names", None)
        state.pop("_detector_index", None)
        return state

    @cached_property
    def _detector_index(self) -> dict[int, int]:
        """Position of each detector (by identity) in the list the core numbers."""
        return {id(d): i for i, d in enumerate(self.detectors)}

    def _field_ids_for(self, fieldname: str | None) -> list[int]:
        """The core's numbers of :meth:`_field_detectors_for`: which detectors apply to a
        field name stays decided in Python, by the detectors' own ``field_check`` hooks."""
        index = self._detector_index
        return [index[id(d)] for d in self._field_detectors_for(fieldname)]

    @property
    def span_names(self) -> list[tuple[str, str]]:
        """(entity type, detector) of each span source, by the index ``FlatSpans`` uses."""
        return self._names

    def _spans(self, raw: Sequence[tuple[int, int, int, float]]) -> list[Span]:
        names = self._names
        return [Span(names[i][0], a, b, score, names[i][1]) for i, a, b, score in raw]

    def scan_text(self, text: str, field: str | None = None) -> list[Span]:
        fieldname = normalize_field(field) if field else None
        core = self._core
        spans = self._spans(core.scan_text(text.encode("utf-8", "surrogateescape"), fieldname))
        if fieldname:
            extra = self._field_spans(text, fieldname, self._field_detectors_for(fieldname))
            spans = resolve(spans + extra)
        return spans

    def scan_values(
        self, values: Sequence[str | None], field: str | None = None
    ) -> Iterator[tuple[int, list[Span]]]:
        text, broken = _joined_values(values)
        data = text.encode("utf-8", "surrogateescape")
        yield from self._column(data, field, lambda: broken).by_row()

    def scan_arrow(self, array: Any, field: str | None = None) -> Iterator[tuple[int, list[Span]]]:
        yield from self.scan_arrow_flat(array, field).by_row()

    def scan_arrow_flat(self, array: Any, field: str | None = None) -> ColumnSpans:
        """The column scanned by the core in one call, whole-value detection included: flat
        arrays straight from it, no Python per value and no ``Span`` per finding."""
        data, broken = joined_column(array)
        return self._column(data, field, broken)

    def _scan_column(
        self, data: bytes, values: Any, field: str | None
    ) -> list[tuple[int, list[Span]]]:
        """The reference's column step (``values`` gives the column's values), in the core."""
        return list(self._column(data, field, lambda: _broken(values())).by_row())

    def _column(
        self, data: bytes, field: str | None, broken: Callable[[], list[tuple[int, str]]]
    ) -> ColumnSpans:
        """:meth:`Engine._scan_column` in the core. ``broken`` gives the values with a line
        break (asked only when the field's name makes whole values candidates)."""
        fieldname = normalize_field(field) if field else None
        ids = self._field_ids_for(fieldname)
        overrides = [(i, v.encode("utf-8", "surrogateescape")) for i, v in broken()] if ids else []
        rows, starts, ends, sources, scores = self._core.scan_column(
            bytes(data), fieldname, ids, overrides
        )
        return ColumnSpans(
            np.frombuffer(rows, dtype=np.int64),
            np.frombuffer(starts, dtype=np.int64),
            np.frombuffer(ends, dtype=np.int64),
            np.frombuffer(sources, dtype=np.int32),
            np.frombuffer(scores, dtype=np.float64),
            self._names,
        )

    def json_leaves(self, block: bytes) -> JsonLeaves:
        from detectors import _native

        return from_core(_native.json_leaves(bytes(block)))

    def trigger_pass(self, data: bytes) -> tuple[int, int]:
        hits, kept = self._core.trigger_pass(bytes(data))
        return int(hits), int(kept)

    def _scan_buffer(
        self, data: bytes, fieldname: str | None, state: StreamState | None = None
    ) -> Iterator[tuple[int, str, list[Span]]]:
        data = bytes(data)
        core = self._core
        lines, still_open = core.scan_buffer(data, fieldname, bool(state and state.in_pem))
        if state is not None:
            state.in_pem = still_open
        spans_of = self._spans
        for li, lo, hi, raw in lines:
            yield li, data[lo:hi].decode("utf-8", "surrogateescape"), spans_of(raw)

    def scan_lines_flat(self, data: bytes, state: StreamState | None = None) -> FlatSpans:
        """:meth:`scan_lines`' spans (PEM blocks and ``state`` included) as flat arrays:
        no decoded line and no ``Span`` per finding, for callers that hand the spans back
        to the core (``jobs.textrows``)."""
        ints, scores, still_open = self._core.scan_buffer_flat(
            bytes(data), bool(state and state.in_pem)
        )
        if state is not None:
            state.in_pem = still_open
        cols = np.frombuffer(ints, dtype=np.int64).reshape(-1, len(FLAT_COLUMNS))
        return FlatSpans(cols, np.frombuffer(scores, dtype=np.float64))
