"""Each span's action, as ``Policy.redact_text_with_actions`` reports it, decided on arrays.

An action is its entity's rule's, except that a run of overlapping spans is ``replace``
(their union is replaced as the top-scoring entity), an operator that may refuse a value
(``generalize`` an unparseable date, ``tokenize`` a short value) falls back to
``replace``, and every span of a value a whole-value ``drop`` empties says ``drop`` (a
structured value becomes null). The column paths (``jobs.textrows``, ``jobs.jsonlrows``,
CSV batches and Parquet leaves) all report their findings' actions through
:class:`SpanActions`, so a finding never says ``generalize`` where the copy holds a
replacement; ``generalize`` is answered by the core for a whole buffer at once, the rest
in Python per distinct value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from detectors import _native
from detectors.colspans import ColumnSpans
from detectors.native import FLAT_COLUMNS
from detectors.operators import FALLIBLE_ACTIONS

if TYPE_CHECKING:
    from detectors.keys import KeyRing
    from detectors.policy import Policy

LINE, LO, HI, START, END, SOURCE, LAST = range(len(FLAT_COLUMNS))
_MEMO_LIMIT = 1 << 16  # (source, value) -> action of operators that may refuse a value


class SpanActions:
    """The actions of spans numbered by ``names`` (``(entity, detector)`` per source) under
    ``policy``, as indexes into :attr:`actions`. Built per unit or batch: it remembers the
    answers of operators that may refuse a value by the raw value, which must not outlive
    the unit that read it."""

    def __init__(self, policy: Policy, keys: KeyRing, names: Sequence[tuple[str, str]]) -> None:
        self.policy = policy
        self.keys = keys
        self.entities = [entity for entity, _ in names]
        self.actions: list[str] = []
        self._codes: dict[str, int] = {}
        # Per source: the index of its entity's action (Policy.action_for), and whether
        # that operator may refuse a value and fall back to replace.
        self.by_source = np.array(
            [self.code(policy.action_for(e)) for e in self.entities], dtype=np.int64
        )
        self.fallible = np.array([self.actions[c] in FALLIBLE_ACTIONS for c in self.by_source])
        self.generalizing = np.array([self.actions[c] == "generalize" for c in self.by_source])
        self._memo: dict[tuple[int, str], int] = {}

    def code(self, action: str) -> int:
        """The index of ``action`` in :attr:`actions`, added on first use."""
        found = self._codes.get(action)
        if found is None:
            found = self._codes[action] = len(self.actions)
            self.actions.append(action)
        return found

    def codes(self, data: bytes, cols: np.ndarray) -> np.ndarray:
        """Each span's action index (``cols``: rows of ``FLAT_COLUMNS`` over ``data``, in
        ``jobs.textrows.reported`` order: by line, start, longest first): its source's,
        ``replace`` in a run of overlapping spans, and what the operator reports where it
        may refuse the value."""
        sources = cols[:, SOURCE]
        codes = self.by_source[sources]
        runs = in_runs(cols)
        if runs.any():
            codes[runs] = self.code("replace")
        asked = np.flatnonzero(self.fallible[sources] & ~runs)
        batch = asked[self.generalizing[sources[asked]]]
        if len(batch):
            # generalize answered by the core for the whole buffer at once; 2: Python's.
            statuses = np.frombuffer(
                _native.generalize_statuses(
                    data, np.ascontiguousarray(cols[batch], dtype=np.int64).tobytes(), self.entities
                ),
                dtype=np.uint8,
            )
            codes[batch[statuses == 0]] = self.code("generalize")
            codes[batch[statuses == 1]] = self.code("replace")
            asked = np.union1d(np.setdiff1d(asked, batch), batch[statuses == 2])
        values = SpanValues(data)
        for k, row in zip(asked.tolist(), cols[asked].tolist(), strict=True):
            codes[k] = self._fallible(row[SOURCE], values.of(row))
        return codes

    def _fallible(self, source: int, value: str) -> int:
        """The action index :meth:`Policy.replacement` reports for ``value``, remembered per
        (source, value): IPs and dates repeat across a log, and the answer depends on
        nothing else. The memory is bounded; past it, it starts again. ``generalize`` asks
        the core first for an ASCII value (a log's IPs are mostly distinct, so the memory
        seldom answers); it leaves the forms only ``ipaddress`` parses to the operator."""
        memo = self._memo
        found = memo.get((source, value))
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            entity = self.entities[source]
            status = 2
            if self.actions[self.by_source[source]] == "generalize" and value.isascii():
                status = _native.generalize(value, entity)[0]
            if status == 2:
                found = self.code(self.policy.replacement(value, entity, self.keys)[1])
            else:
                found = self.code("generalize" if status == 0 else "replace")
            memo[(source, value)] = found
        return found

    def of_values(
        self,
        values: Sequence[str | None],
        spans: ColumnSpans,
        texts: pa.Array | None = None,
    ) -> list[str]:
        """Each span's action, in ``spans``' order, its value being ``values[spans.rows]``
        (``rows`` index ``values``, ascending; ``texts`` the same values as an Arrow string
        array when the caller has one). Every span must be at or above the threshold: a
        span under it neither redacts nor reports (the callers drop them first). The
        values' UTF-8 is one buffer for :meth:`codes`; values that cannot be UTF-8 (a lone
        surrogate) take ``Policy.span_actions``."""
        n = len(spans)
        if not n:
            return []
        rows = spans.rows
        if not self.fallible[spans.sources].any() and not (rows[1:] == rows[:-1]).any():
            codes = self.by_source[spans.sources]  # one span a value, none to ask the value
        else:
            codes = self._asked(values, spans, texts)
            if codes is None:
                return self._of_values_in_python(values, spans)
        emptied = self._emptied(values, spans)
        if emptied.any():
            codes[emptied[rows]] = self.code("drop")
        actions = self.actions
        return [actions[c] for c in codes.tolist()]

    def _asked(
        self, values: Sequence[str | None], spans: ColumnSpans, texts: pa.Array | None
    ) -> np.ndarray | None:
        """:meth:`codes` of ``spans`` over the values' UTF-8 as one buffer; None when a
        value cannot be UTF-8 (a lone surrogate)."""
        n = len(spans)
        if texts is None or not _is_text(texts.type):
            try:
                texts = pa.array(values, pa.large_string())
            except (UnicodeEncodeError, pa.ArrowException):
                return None
        width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
        offsets = np.frombuffer(texts.buffers()[1], dtype=width)[texts.offset :].astype(np.int64)
        data = texts.buffers()[2]
        rows = spans.rows
        cols = np.zeros((n, len(FLAT_COLUMNS)), dtype=np.int64)
        cols[:, LINE] = rows
        cols[:, LO] = offsets[rows]
        cols[:, HI] = offsets[rows + 1]
        cols[:, START] = spans.starts
        cols[:, END] = spans.ends
        cols[:, SOURCE] = spans.sources
        order = np.lexsort((np.arange(n), -cols[:, END], cols[:, START], cols[:, LINE]))
        codes = np.empty(n, dtype=np.int64)
        codes[order] = self.codes(b"" if data is None else data.to_pybytes(), cols[order])
        return codes

    def _emptied(self, values: Sequence[str | None], spans: ColumnSpans) -> np.ndarray:
        """Per value, whether a ``drop`` span covers all of it but surrounding whitespace
        (``Policy.redact_value`` makes it None, and each of its spans says ``drop``)."""
        emptied = np.zeros(len(values), dtype=bool)
        drop = self._codes.get("drop")
        if drop is None:
            return emptied
        dropping = (self.by_source[spans.sources] == drop) & (spans.scores >= self.policy.threshold)
        for k in np.flatnonzero(dropping).tolist():
            row = int(spans.rows[k])
            value = values[row]
            if value is not None and not value[: spans.starts[k]].strip():
                emptied[row] |= not value[spans.ends[k] :].strip()
        return emptied

    def _of_values_in_python(self, values: Sequence[str | None], spans: ColumnSpans) -> list[str]:
        """:meth:`of_values` by ``Policy.span_actions``, value by value."""
        out: list[str] = []
        emptied = self._emptied(values, spans)
        for row, found in spans.by_row():
            value = values[row]
            assert value is not None
            applied = dict(self.policy.span_actions(value, found, self.keys))
            out += ("drop" if emptied[row] else applied.get(s, "keep") for s in found)
        return out


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


class SpanValues:
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


def in_runs(cols: np.ndarray) -> np.ndarray:
    """Whether each span (in ``jobs.textrows.reported`` order) is in a run of overlapping spans of
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
