"""``piisweep detect`` on plain text without Python per finding.

The reference path (``jobs.blocks.scan_line_block`` with ``redact=False``, then
``local_detect._rows``) builds a ``Span``, a decoded line, a ``Found`` and a row string per
finding: about 17 µs each, more than the core spends finding them. Here the core hands a
buffer's spans over as arrays (``NativeEngine.scan_lines_flat``), the actions
``Policy.span_actions`` would report are decided on those arrays, and the core writes the
rows (``_native.text_rows``). Python still runs per value only where the answer needs it:
an operator that may refuse a value (``FALLIBLE_ACTIONS``) and the fingerprint and preview
of a value that is not ASCII. The tests hold the output to the reference byte for byte.

``piisweep scan`` on plain text (``jobs.unit_scan``) takes the same arrays further
(:meth:`TextRows.redact`): the lines with a span are redacted in one compiled call
(:meth:`Policy.redact_cells`) and the findings leave as columns (``jobs.findings
.columns_table``), where the reference builds a ``Span``, redacts its line
(``Policy.redact_text_with_actions``) and adds a row per finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING

import numpy as np

from detectors import _native
from detectors.colspans import ColumnSpans
from detectors.keys import KeyRing
from detectors.native import FLAT_COLUMNS, FlatSpans, NativeEngine
from detectors.normalize import fingerprint
from detectors.operators import preview
from detectors.policy import Policy
from detectors.spanactions import SpanActions, SpanValues
from detectors.spans import Span
from jobs.blocks import line_array, line_count

if TYPE_CHECKING:
    import pyarrow as pa

LINE, LO, HI, START, END, SOURCE, LAST = range(len(FLAT_COLUMNS))


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
        self.decide = SpanActions(self.policy, self.keys, names)

    def rows(self, data: bytes, flat: FlatSpans, base: int) -> tuple[int, bytes]:
        """(findings, their JSON Lines as UTF-8) of the buffer ``data`` whose first line is
        line ``base + 1``; ``flat`` its spans. The bytes are ``local_detect._rows``' text
        on the findings ``judge_lines(..., redact=False)`` gives, encoded as ``detect``
        writes it (surrogateescape)."""
        cols, scores = reported(flat, self.policy.threshold)
        ascii_value = cols[:, LAST].copy()
        actions = self.decide.codes(data, cols)
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
            [_json(a) for a in self.decide.actions],
            self.keys.fingerprint_key,
            overrides,
        )
        return len(scores), text

    def redact(self, data: bytes, flat: FlatSpans) -> RedactedBlock | None:
        """The findings and redacted lines of the buffer ``data`` (whole lines, LF, valid
        UTF-8), ``flat`` its spans: what ``judge_lines`` gives for text, as arrays. None
        when no span is reported."""
        cols, scores = reported(flat, self.policy.threshold)
        n = line_count(data) if len(cols) else 0
        if len(cols) and cols[-1, LINE] >= n:  # judge_lines skips such lines
            keep = cols[:, LINE] < n
            cols, scores = cols[keep], scores[keep]
        if not len(cols):
            return None
        line = cols[:, LINE]
        first = np.r_[True, line[1:] != line[:-1]]
        with_spans = line[first]
        row = np.cumsum(first) - 1  # each finding's index among the lines with a span
        # The text judge_lines redacts: the core's line range leaves a line's last CR out
        # (a CR before CRLF survives the CRLF -> LF step), so a redacted line ends without it.
        bounds = zip(cols[first, LO].tolist(), cols[first, HI].tolist(), strict=True)
        texts = [data[lo:hi].decode() for lo, hi in bounds]
        starts, ends = cols[:, START].copy(), cols[:, END].copy()
        spans = ColumnSpans(
            row, starts, ends, cols[:, SOURCE].astype(np.int32), scores, self.engine.span_names
        )
        new = self.policy.redact_cells(texts, spans, self.keys)
        changed = {}
        for j, (i, value, text) in enumerate(zip(with_spans.tolist(), new, texts, strict=True)):
            if value is None:  # a value a drop empties is null there, a shorter line here
                value = self.policy.redact_text(text, _spans_of(spans, row == j), self.keys)
            if value != text:
                changed[i] = value
        codes = self.decide.codes(data, cols)
        values = [
            texts[r][a:b]
            for r, a, b in zip(row.tolist(), starts.tolist(), ends.tolist(), strict=True)
        ]
        actions = self.decide.actions
        return RedactedBlock(
            line,
            spans,
            values,
            [actions[c] for c in codes.tolist()],
            line_array(data, changed=changed),
        )

    def _digests(
        self, data: bytes, cols: np.ndarray, rows: np.ndarray
    ) -> dict[int, tuple[str, bytes]]:
        """Fingerprint and preview (as JSON) of the values the core leaves to Python: those
        that are not ASCII, by the functions that define both."""
        values = SpanValues(data)
        key = self.keys.fingerprint_key
        out = {}
        for k, row in zip(rows.tolist(), cols[rows].tolist(), strict=True):
            entity = self.entities[row[SOURCE]]
            value = values.of(row)
            out[k] = (fingerprint(entity, value, key), _json(preview(value, entity)))
        return out


@dataclass
class RedactedBlock:
    """A text block judged on arrays (:meth:`TextRows.redact`), per reported finding in
    the reference's order: its line in the block, its span (``spans.rows`` index the
    lines with a span), its value (to fingerprint and preview, never stored) and its
    action; and the block's lines with the redacted ones replaced."""

    lines: np.ndarray
    spans: ColumnSpans
    values: list[str]
    actions: list[str]
    redacted: pa.Array

    @property
    def paths(self) -> list[str | None]:
        """A text line's findings have no field path."""
        return [None] * len(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


def _spans_of(spans: ColumnSpans, pick: np.ndarray) -> list[Span]:
    """The ``Span`` objects of the entries ``pick`` selects, in order: for the rare line
    the compiled redaction leaves to the reference."""
    names = spans.names
    return [
        Span(names[src][0], a, b, score, names[src][1])
        for a, b, src, score in zip(
            spans.starts[pick].tolist(),
            spans.ends[pick].tolist(),
            spans.sources[pick].tolist(),
            spans.scores[pick].tolist(),
            strict=True,
        )
    ]


def reported(flat: FlatSpans, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The spans ``Policy.span_actions`` reports, in its order: at or above the
    threshold, by line, then by start and longest first (ties in the core's order)."""
    keep = flat.scores >= threshold
    cols, scores = flat.cols[keep], flat.scores[keep]
    order = np.lexsort((np.arange(len(cols)), -cols[:, END], cols[:, START], cols[:, LINE]))
    return cols[order], scores[order]
