"""``piisweep scan`` on JSON Lines without Python per finding, where the record rules allow.

The reference (``jobs.blocks._json_line_block``) judges each walked record with a span one
by one: a ``Leaf`` per value, the rules' verdict (``RecordRules.judge``), each value
redacted on its own (``Policy.redact_text_with_actions``) and a ``Found`` per finding that
the scan adds to its findings a row at a time. On API payloads that was ~80 µs a finding,
ten times the cost of a finding in a CSV export.

Most policies have no rule that looks at a record as a whole: no ``records:`` section (every
value is PII on its own), or one that only names standalone entities. Then the verdict of a
record is known from its spans alone: every span at or above the threshold is redacted,
and the record is PII when one of them counts (:func:`flat_rules`). Under such rules the
walked leaves are judged here as arrays, as ``jobs.textrows`` judges plain text: the values
with a span redacted in one compiled call (:meth:`Policy.redact_cells`), the actions
decided on arrays (``detectors.spanactions``) and the findings left as columns. Python still
parses and writes each record with a finding (its redacted values set at their paths), so
the copy holds exactly the reference's JSON. Other rules, and the Python engine, take the
reference; the tests hold this path to it.

A JSON document that is an array of records takes the same path (:func:`judge_document`):
its records become a block of JSON Lines, the ones the walk refuses judged as
``jobs.blocks.judge_json_document`` judges every record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.colspans import ColumnSpans
from detectors.recordrules import RecordRules
from detectors.records import set_at
from jobs.blocks import Found, Shared, WalkedBlock, judge_records, scan_json_lines
from jobs.textrows import TextRows


def flat_rules(rules: RecordRules) -> bool:
    """Whether ``rules`` judge every span on its own: no field rule, no key that hides an
    id, no combination, and spans of other entities redacted (``standalone`` or
    ``redact``). Then a record's verdict redacts each of its spans at or above the
    threshold, and the record is PII when one of them is standalone, or is of another
    entity and ``other_entities`` is ``standalone``."""
    return (
        not rules.fields
        and not rules.not_pii_keys
        and not rules.combinatorial
        and rules.other_entities != "keep"
    )


@dataclass
class JudgedLines:
    """A block of JSON Lines judged on arrays: the new text of each changed line, ``pii``
    per line, and per finding, in the reference's order (by line, then leaf, then the
    engine's order), its span (``spans.rows``: its line in the block), field path, value
    (to fingerprint and preview, never stored) and action."""

    changed: dict[int, str]
    pii: np.ndarray
    spans: ColumnSpans
    paths: list[str | None]
    values: list[str]
    actions: list[str]

    def __len__(self) -> int:
        return len(self.spans)


def judge_walked(scanned: WalkedBlock, ctx: Shared, text_rows: TextRows) -> JudgedLines:
    """The block ``scanned`` (``jobs.blocks.scan_json_lines``) judged as the reference
    judges it, under rules for which :func:`flat_rules` holds; ``text_rows`` holds the
    engine's span names and the policy's action per source."""
    policy = ctx.policy
    judged, walk = scanned.judged, scanned.walk
    names = list(text_rows.engine.span_names)
    if len(scanned.spans) and list(scanned.spans.names) != names:
        # Not numbered as the engine's sources (an engine whose column scan named a source
        # of its own): the reference judges the block, its findings kept in their order.
        ref = judge_records(scanned, ctx)
        out = JudgedLines(ref.changed, ref.pii, ColumnSpans.empty(names), [], [], [])
        return _with_refused(out, ref.findings)
    out = JudgedLines(judged.changed, judged.pii, ColumnSpans.empty(names), [], [], [])
    if walk is not None and scanned.chosen:
        spans = scanned.spans
        kept = spans.select(spans.scores >= policy.threshold)
        leaves, _ = kept.row_bounds()
        texts = walk.texts.take(pa.array(leaves))
        values = texts.to_pylist()
        local = kept.per_value()  # rows: the index of the span's leaf in ``leaves``
        new = policy.redact_cells(values, local, ctx.keys)
        paths = walk.paths.take(pa.array(leaves)).to_pylist()
        leaf_line = walk.line[leaves].astype(np.int64)
        _rewrite(scanned, leaf_line, paths, new, out.changed)
        line = leaf_line[local.rows]
        counted = _counted(ctx.rules, [e for e, _ in names])[local.sources]
        out.pii[np.unique(line[counted])] = True
        out.spans = ColumnSpans(line, kept.starts, kept.ends, kept.sources, kept.scores, names)
        out.paths = [paths[r] for r in local.rows.tolist()]
        out.values = local.texts(values)
        out.actions = text_rows.decide.of_values(values, local, texts)
    return _with_refused(out, judged.findings)


def _rewrite(
    scanned: WalkedBlock,
    leaf_line: np.ndarray,
    paths: list[str],
    new: list[str | None],
    changed: dict[int, str],
) -> None:
    """Each chosen line as the reference writes it: parsed, its redacted values set at
    their paths (``leaf_line`` ascends: the walk goes line by line), written back as JSON.
    A chosen line without a value to redact is written back too, in the same form."""
    raw = scanned.raw
    at = np.searchsorted(leaf_line, scanned.chosen, side="left").tolist()
    upto = np.searchsorted(leaf_line, scanned.chosen, side="right").tolist()
    for li, a, b in zip(scanned.chosen, at, upto, strict=True):
        line = raw[li].as_py().decode("utf-8")
        record = json.loads(line)
        for j in range(a, b):
            record = set_at(record, paths[j], new[j])
        text = json.dumps(record, ensure_ascii=False)
        if text != line:
            changed[li] = text


def _counted(rules: RecordRules, entities: list[str]) -> np.ndarray:
    """Per source, whether its span makes the record PII (:func:`flat_rules`)."""
    standalone = set(rules.standalone)
    other = rules.other_entities == "standalone"
    return np.array([e in standalone or other for e in entities], dtype=bool)


def _with_refused(out: JudgedLines, found: list[Found]) -> JudgedLines:
    """``out`` with the findings of the lines the walk refused (judged by the reference,
    ``found``) in their place: a stable sort by line, as the reference's."""
    if not found:
        return out
    refused = ColumnSpans.from_hits((f.row, [f.span]) for f in found)
    both = ColumnSpans.concat([out.spans, refused])
    order = np.argsort(both.rows, kind="stable")
    paths = out.paths + [f.field_path for f in found]
    values = out.values + [f.text[f.span.start : f.span.end] for f in found]
    actions = out.actions + [f.action for f in found]
    picks = order.tolist()
    out.spans = both.select(order)
    out.paths = [paths[k] for k in picks]
    out.values = [values[k] for k in picks]
    out.actions = [actions[k] for k in picks]
    return out


# A JSON document's records are judged this many characters at a time, as the blocks a JSON
# Lines object is read in (``ScanJob.chunk_bytes``' default).
DOCUMENT_BLOCK_CHARS = 8 << 20


@dataclass
class JudgedDocument:
    """A JSON document's array of records judged on arrays (:func:`judge_document`): the
    records, each its redacted line where it changed, and each block's first record with
    its judged lines (``spans.rows``: a record's index in the block)."""

    records: list[str]
    blocks: list[tuple[int, JudgedLines]]


def judge_document(
    records: list[str], ctx: Shared, text_rows: TextRows, block_chars: int | None = None
) -> JudgedDocument:
    """The records of a JSON document that is an array (``jobs.blocks.array_records``),
    judged in blocks as JSON Lines are (:func:`judge_walked`, under rules for which
    :func:`flat_rules` holds), the records the walk refuses as ``judge_json_document``
    judges them. ``records`` is changed in place and becomes the copy's records. Every
    block is judged before the caller writes anything, as the reference judges every
    record first."""
    judged = []
    first = 0
    for block_records in _blocks_of(records, block_chars or DOCUMENT_BLOCK_CHARS):
        block = "\n".join(block_records).encode("utf-8") + b"\n"
        lines = judge_walked(scan_json_lines(block, None, ctx, document=True), ctx, text_rows)
        for i, text in lines.changed.items():
            records[first + i] = text
        judged.append((first, lines))
        first += len(block_records)
    return JudgedDocument(records, judged)


def _blocks_of(records: list[str], size: int) -> Iterator[list[str]]:
    """``records`` in runs of about ``size`` characters."""
    first, total = 0, 0
    for i, text in enumerate(records):
        total += len(text) + 1
        if total >= size:
            yield records[first : i + 1]
            first, total = i + 1, 0
    if first < len(records):
        yield records[first:]
