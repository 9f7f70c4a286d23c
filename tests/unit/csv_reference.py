"""The per-value CSV judge that ``jobs.blocks.CsvTable.judge`` replaced (issue #13): each
column through ``Engine.scan_values``, a ``Span`` list per cell, each cell redacted with
``Policy.redact_value`` and a finding object per span. Kept here, unchanged but for its
output form, as the reference the column path is held to."""

from __future__ import annotations

from collections.abc import Sequence

from detectors.records import process_row
from detectors.spans import Span
from jobs.blocks import CsvTable, Found
from jobs.recordbatch import LeafFindings

#: One finding, comparable: (batch row, field path, start, end, entity type, detector,
#: score, action, the span's text).
Row = tuple[int, str | None, int, int, str, str, float, str, str]


def reference_judge(
    table: CsvTable, rows: Sequence[Sequence[str | None]]
) -> tuple[list[list[str | None]], list[bool] | None, list[Found]]:
    """(cells column by column, ``pii`` per row, findings) as the old ``judge`` gave them."""
    engine, policy, keys = table.ctx.engine, table.ctx.policy, table.ctx.keys
    rows = list(rows)
    width = table.width
    cells = [[r[col] if col < len(r) else None for r in rows] for col in range(width)]
    spans_at: dict[tuple[int, int], list[Span]] = {}
    for col in range(width):
        field_name = table.header[col] if col < len(table.header) else table.names[col]
        for ri, spans in engine.scan_values(cells[col], field=field_name):
            if cells[col][ri] is not None:
                spans_at[(ri, col)] = spans
    threshold = policy.threshold
    found: list[Found] = []
    if not table.records_on:
        for (ri, col), spans in sorted(spans_at.items()):
            value = cells[col][ri]
            assert value is not None
            found += (
                Found(ri, table.names[col], value, s, policy.action_for(s.entity_type))
                for s in spans
                if s.score >= threshold
            )
            cells[col][ri] = policy.redact_value(value, spans, keys)
        return cells, None, found
    pii = [False] * len(rows)
    keyed = any(table.ctx.rules.relevant_key(n) for n in table.names)
    judged = range(len(rows)) if keyed else sorted({ri for ri, _ in spans_at})
    for ri in judged:
        values = [cells[col][ri] for col in range(width)]
        spans = [spans_at.get((ri, col), []) for col in range(width)]
        res = process_row(engine, table.names, values, policy, keys, table.ctx.rules, spans=spans)
        found += (
            Found(ri, f.field_path, f.text, f.span, f.action)
            for f in res.findings
            if f.span.score >= threshold
        )
        for col, new in enumerate(res.record):
            cells[col][ri] = new
        pii[ri] = res.is_pii
    return cells, pii, found


def found_rows(found: Sequence[Found]) -> list[Row]:
    """The reference's findings as :data:`Row` tuples."""
    return [
        (
            f.row,
            f.field_path,
            f.span.start,
            f.span.end,
            f.span.entity_type,
            f.span.detector,
            float(f.span.score),
            f.action,
            f.text[f.span.start : f.span.end],
        )
        for f in found
    ]


def leaf_rows(found: LeafFindings) -> list[Row]:
    """The column path's flat findings as :data:`Row` tuples, in their order."""
    spans = found.spans
    names = spans.names
    out: list[Row] = []
    for k, (row, start, end, source, score) in enumerate(
        zip(
            spans.rows.tolist(),
            spans.starts.tolist(),
            spans.ends.tolist(),
            spans.sources.tolist(),
            spans.scores.tolist(),
            strict=True,
        )
    ):
        entity, detector = names[source]
        out.append(
            (
                row,
                found.paths[k],
                start,
                end,
                entity,
                detector,
                score,
                found.actions[k],
                found.values[k],
            )
        )
    return out
