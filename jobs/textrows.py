"""``piisweep detect`` on plain text without Python per finding.

The reference path (``jobs.blocks.scan_line_block`` with ``redact=False``, then
``local_detect._rows``) builds a ``Span``, a decoded line, a ``Found`` and a row string per
finding: about 17 µs each, more than the core spends finding them. Here the core hands a
buffer's spans over as arrays (``NativeEngine.scan_lines_flat``), the actions
``Policy.span_actions`` would report are decided on those arrays, and the core writes the
rows (``_native.text_rows``). Python still runs per value only where the answer needs it:
an operator that may refuse a value (``FALLIBLE_ACTIONS``) and the fingerprint and preview
of a value that is not ASCII. The tests hold the output to the reference byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]

import numpy as np

from detectors.keys import KeyRing
from detectors.native import FLAT_COLUMNS, FlatSpans, NativeEngine
from detectors.normalize import fingerprint
from detectors.operators import FALLIBLE_ACTIONS, preview
from detectors.policy import Policy

LINE, LO, HI, START, END, SOURCE, LAST = range(len(FLAT_COLUMNS))
_MEMO_LIMIT = 1 << 16  # (source, value) -> action of operators that may refuse a value


def _json(text: str) -> bytes:
    """``text`` as the JSON encoder writes a string, in the bytes ``detect`` writes."""
    return encode_basestring(text).encode("utf-8", "surrogateescape")  # type: ignore[no-any-return]


@dataclass
class TextRows:
    """What writing one object's rows needs, built once per object: the engine's span
    sources with their JSON, the policy's action per source, the keys."""

    engine: NativeEngine
    policy: Policy
    keys: KeyRing
    source_uri: str

    def __post_init__(self) -> None:
        names = self.engine.span_names
        self.entities = [entity for entity, _ in names]
        self.heads = [
            b'"entity_type": ' + _json(e) + b', "detector": ' + _json(d) + b', "score": '
            for e, d in names
        ]
        self.lead = b'{"source_uri": ' + _json(self.source_uri) + b', "line_number": '
        self.actions: list[str] = []
        self._codes: dict[str, int] = {}
        # Per source: the index of its entity's action (Policy.action_for), and whether
        # that operator may refuse a value and fall back to replace.
        self.by_source = np.array([self.code(self.policy.action_for(e)) for e in self.entities])
        self.fallible = np.array([self.actions[c] in FALLIBLE_ACTIONS for c in self.by_source])
        self._memo: dict[tuple[int, str], int] = {}

    def code(self, action: str) -> int:
        """The index of ``action`` in :attr:`actions`, added on first use."""
        found = self._codes.get(action)
        if found is None:
            found = self._codes[action] = len(self.actions)
            self.actions.append(action)
        return found

    def rows(self, data: bytes, flat: FlatSpans, base: int) -> tuple[int, str]:
        """(findings, their JSON Lines) of the buffer ``data`` whose first line is line
        ``base + 1``; ``flat`` its spans. The text equals ``local_detect._rows`` on the
        findings ``judge_lines(..., redact=False)`` gives."""
        from detectors import _native

        cols, scores = reported(flat, self.policy.threshold)
        ascii_value = cols[:, LAST].copy()
        actions = self._actions(data, cols)
        cols[:, LAST] = actions
        overrides = self._digests(data, cols, np.flatnonzero(ascii_value == 0))
        text = _native.text_rows(
            data,
            np.ascontiguousarray(cols, dtype=np.int64).tobytes(),
            np.ascontiguousarray(scores, dtype=np.float64).tobytes(),
            base,
            self.lead,
            self.heads,
            self.entities,
            [_json(a) for a in self.actions],
            self.keys.fingerprint_key,
            overrides,
        )
        return len(scores), text.decode("utf-8", "surrogateescape")

    def _actions(self, data: bytes, cols: np.ndarray) -> np.ndarray:
        """Each reported span's action index: its source's, ``replace`` in a run of
        overlapping spans, and what the operator reports where it may refuse the value."""
        sources = cols[:, SOURCE]
        codes = self.by_source[sources]
        runs = in_runs(cols)
        if runs.any():
            codes[runs] = self.code("replace")
        asked = np.flatnonzero(self.fallible[sources] & ~runs)
        values = _Values(data)
        for k, row in zip(asked.tolist(), cols[asked].tolist(), strict=True):
            codes[k] = self._fallible(row[SOURCE], values.of(row))
        return codes

    def _fallible(self, source: int, value: str) -> int:
        """The action index :meth:`Policy.replacement` reports for ``value``, remembered per
        (source, value): IPs and dates repeat across a log, and the answer depends on
        nothing else. The memory is bounded; past it, it starts again."""
        memo = self._memo
        found = memo.get((source, value))
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            entity = self.entities[source]
            found = self.code(self.policy.replacement(value, entity, self.keys)[1])
            memo[(source, value)] = found
        return found

    def _digests(
        self, data: bytes, cols: np.ndarray, rows: np.ndarray
    ) -> dict[int, tuple[str, bytes]]:
        """Fingerprint and preview (as JSON) of the values the core leaves to Python: those
        that are not ASCII, by the functions that define both."""
        values = _Values(data)
        key = self.keys.fingerprint_key
        out = {}
        for k, row in zip(rows.tolist(), cols[rows].tolist(), strict=True):
            entity = self.entities[row[SOURCE]]
            value = values.of(row)
            out[k] = (fingerprint(entity, value, key), _json(preview(value, entity)))
        return out


class _Values:
    """Values of spans, their lines decoded once: a buffer's lines as the engine decodes
    them (UTF-8, undecodable bytes kept as surrogates)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._line: tuple[tuple[int, int], str] | None = None

    def of(self, row: list[int]) -> str:
        """The value of a span given as a row of ``FLAT_COLUMNS``."""
        lo, hi = row[LO], row[HI]
        if self._line is None or self._line[0] != (lo, hi):
            self._line = ((lo, hi), self._data[lo:hi].decode("utf-8", "surrogateescape"))
        return self._line[1][row[START] : row[END]]


def reported(flat: FlatSpans, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The spans ``Policy.span_actions`` reports, in its order: at or above the
    threshold, by line, then by start and longest first (ties in the core's order)."""
    keep = flat.scores >= threshold
    cols, scores = flat.cols[keep], flat.scores[keep]
    order = np.lexsort((np.arange(len(cols)), -cols[:, END], cols[:, START], cols[:, LINE]))
    return cols[order], scores[order]


def in_runs(cols: np.ndarray) -> np.ndarray:
    """Whether each span (in :func:`reported` order) is in a run of overlapping spans of
    its line, as ``Policy._groups`` forms them: a span joins the run when it starts before
    the furthest end so far. Lines are kept apart by offsetting each by its index times a
    width no span reaches, so one running maximum serves the whole buffer."""
    n = len(cols)
    if n < 2:
        return np.zeros(n, dtype=bool)
    width = int(cols[:, END].max()) + 1
    offset = cols[:, LINE] * width
    reach = np.maximum.accumulate(cols[:, END] + offset)
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    starts[1:] = cols[1:, START] + offset[1:] >= reach[:-1]
    run = np.cumsum(starts) - 1
    return np.bincount(run)[run] > 1  # type: ignore[no-any-return]
