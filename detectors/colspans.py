"""A column's spans as flat arrays: the form the column path passes between its stages.

A structured export has millions of findings; one ``Span`` object per finding, one list per
row and one dict entry per cell cost more than finding the values (issue #13). The column
path keeps them as five parallel arrays instead, sorted by row and, within a row, in the
order the engine resolved them. ``by_row`` gives the per-row ``Span`` view the reference
code paths use, so each stage can be held to them by the equivalence tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from detectors.spans import Span


@dataclass(frozen=True)
class ColumnSpans:
    """Spans of one column's values: span ``k`` is ``values[rows[k]][starts[k]:ends[k]]``
    (code points), of ``names[sources[k]]`` = (entity type, detector), scored
    ``scores[k]``. Rows ascend; a row's spans are in the engine's order."""

    rows: np.ndarray  # int64
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64
    sources: np.ndarray  # int32
    scores: np.ndarray  # float64
    names: Sequence[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def empty(cls, names: Sequence[tuple[str, str]] = ()) -> ColumnSpans:
        i64 = np.zeros(0, dtype=np.int64)
        return cls(i64, i64, i64, np.zeros(0, np.int32), np.zeros(0, np.float64), list(names))

    @classmethod
    def from_hits(
        cls,
        hits: Iterable[tuple[int, Sequence[Span]]],
        names: Sequence[tuple[str, str]] = (),
    ) -> ColumnSpans:
        """From ``(row, spans)`` pairs in row order (``Engine.scan_arrow``'s output).
        ``names`` seeds the sources' numbering; a name not in it is appended."""
        index = {n: i for i, n in enumerate(names)}
        known = list(names)
        rows: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        sources: list[int] = []
        scores: list[float] = []
        for row, spans in hits:
            for s in spans:
                key = (s.entity_type, s.detector)
                source = index.get(key)
                if source is None:
                    source = index[key] = len(known)
                    known.append(key)
                rows.append(row)
                starts.append(s.start)
                ends.append(s.end)
                sources.append(source)
                scores.append(s.score)
        return cls(
            np.array(rows, dtype=np.int64),
            np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64),
            np.array(sources, dtype=np.int32),
            np.array(scores, dtype=np.float64),
            known,
        )

    @classmethod
    def concat(cls, parts: Sequence[ColumnSpans]) -> ColumnSpans:
        """The parts' spans one after another, their sources renumbered into one list of
        names in order of first appearance (the Python engine numbers each call its own
        way; the native engine's parts share one list, kept as it is)."""
        if not parts:
            return cls.empty()
        index: dict[tuple[str, str], int] = {}
        sources = []
        for part in parts:
            remap = np.array([index.setdefault(n, len(index)) for n in part.names], dtype=np.int32)
            sources.append(remap[part.sources] if len(remap) else part.sources)
        return cls(
            np.concatenate([p.rows for p in parts]).astype(np.int64),
            np.concatenate([p.starts for p in parts]),
            np.concatenate([p.ends for p in parts]),
            np.concatenate(sources).astype(np.int32),
            np.concatenate([p.scores for p in parts]),
            list(index),
        )

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, keep: np.ndarray) -> ColumnSpans:
        """The spans where the boolean ``keep`` is true (order kept)."""
        return ColumnSpans(
            self.rows[keep],
            self.starts[keep],
            self.ends[keep],
            self.sources[keep],
            self.scores[keep],
            self.names,
        )

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct rows with a span and, per row, where its spans start in the arrays
        (one more entry than rows: the end)."""
        if not len(self.rows):
            return np.zeros(0, np.int64), np.zeros(1, np.int64)
        first = np.flatnonzero(np.r_[True, self.rows[1:] != self.rows[:-1]])
        return self.rows[first], np.r_[first, len(self.rows)].astype(np.int64)

    def per_value(self) -> ColumnSpans:
        """These spans with each row replaced by its index among the rows with a span
        (:meth:`row_bounds` order): the index into a list of just those rows' values."""
        _, bounds = self.row_bounds()
        owner = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
        return ColumnSpans(owner, self.starts, self.ends, self.sources, self.scores, self.names)

    def texts(self, values: Sequence[str | None]) -> list[str]:
        """Each span's text, ``values`` being the values of :meth:`row_bounds`' rows in
        order (a missing value holds no span). One comprehension over the spans, each
        paired with its row's value by ``repeat``: a generator per row costs three times
        as much."""
        _, bounds = self.row_bounds()
        owner = np.repeat(np.arange(len(values)), np.diff(bounds)).tolist()
        return [
            values[j][a:b]  # type: ignore[index]
            for j, a, b in zip(owner, self.starts.tolist(), self.ends.tolist(), strict=True)
        ]

    def by_row(self) -> Iterator[tuple[int, list[Span]]]:
        """``(row, spans)`` per row with a span: the form ``Engine.scan_arrow`` yields."""
        rows, bounds = self.row_bounds()
        names = self.names
        starts, ends = self.starts.tolist(), self.ends.tolist()
        sources, scores = self.sources.tolist(), self.scores.tolist()
        b = bounds.tolist()
        for j, row in enumerate(rows.tolist()):
            yield (
                row,
                [
                    Span(names[sources[k]][0], starts[k], ends[k], scores[k], names[sources[k]][1])
                    for k in range(b[j], b[j + 1])
                ],
            )

    def entity_types(self) -> list[str]:
        """The entity type of each span."""
        names = self.names
        return [names[s][0] for s in self.sources.tolist()]

    def entity_counts(self) -> dict[str, int]:
        """Spans per entity type, counted on the source indexes (no string per span)."""
        counts = np.bincount(self.sources, minlength=len(self.names)).tolist()
        out: dict[str, int] = {}
        for (entity, _), n in zip(self.names, counts, strict=True):
            if n:
                out[entity] = out.get(entity, 0) + n
        return out
