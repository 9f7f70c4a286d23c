"""The formats layer every entry point shares: a block of lines (plain text, JSON Lines) or
a batch of CSV/TSV rows in; its findings, their actions and its redacted lines or cells out.

The entry points read objects their own way: ``piisweep scan`` (``jobs.unit_scan``) in
Spark tasks, from storage, by byte range; ``detect`` and ``redact`` (``jobs.local_detect``)
from a local file or a pipe, in chunks; validate's residual check (``jobs.validate``) from
a redacted Parquet copy. What they do with what they read is here, once, so the same lines
under the same policy give the same findings (entity, location, action) and the same
redacted values whichever command read them (issue #14: ``scan`` kept a lone e-mail under
the ``iscp`` preset, ``redact`` masked it, because ``redact`` never applied the record
rules). A JSON Lines record and a CSV row are judged by the policy's record rules through
``detectors.records``, which ``redact-records`` and the scan of JSON documents use too.

Reading stays with the callers because it differs by design: the scan decodes invalid
UTF-8 as Windows-1252 (its copies are Parquet strings) where ``redact`` keeps the bytes it
cannot decode (surrogateescape) so that unchanged bytes go out as they came in.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors import _native
from detectors.colspans import ColumnSpans
from detectors.context import normalize_field
from detectors.jsonrepair import repair_json, without_lone_surrogates
from detectors.leafscan import scan_leaf_flat
from detectors.recordrules import RecordRules
from detectors.records import judged_walked_record, process_json_texts, process_record, process_row
from detectors.spanactions import SpanActions
from detectors.spans import Span
from detectors.structured import Leaf
from jobs.recordbatch import LeafFindings

if TYPE_CHECKING:
    from detectors.engine import Engine, StreamState
    from detectors.jsonwalk import JsonLeaves
    from detectors.keys import KeyRing
    from detectors.policy import Policy

csv.field_size_limit(1 << 30)  # the default (128 KiB) fails on a long free-text field
_JSON_FLAGS = {
    "repaired": "malformed_json_lines_repaired",
    "unparsed": "malformed_json_lines_redacted_as_text",
}


class Found(NamedTuple):
    """One finding of a block, before its place in the object: ``row`` is the line in the
    block or the row in the batch (-1: the CSV header), ``text`` the string the span's
    offsets are into, ``action`` what the redacted output holds instead (``keep`` when the
    record rules left the value)."""

    row: int
    field_path: str | None
    text: str
    span: Span
    action: str


@dataclass
class Shared:
    """What judging a block needs: the engine, the policy with its record rules, the keys."""

    engine: Engine
    policy: Policy
    keys: KeyRing
    rules: RecordRules
    flags: Counter[str] = field(default_factory=Counter)


# ------------------------------------------------------------------------- lines
@dataclass
class LineBlock:
    """A judged block of ``n`` lines: the new text of each changed line, ``is_pii`` per
    line (JSON Lines records under the record rules; False for text) and the findings."""

    n: int
    changed: dict[int, str]
    pii: np.ndarray
    findings: list[Found]


def line_count(block: bytes) -> int:
    """Lines in a block of ``\\n``-separated lines (the last may lack its newline), counted
    by the core's vectorised newline search: numpy's compare allocated an 8 MiB temporary
    per block, whose page faults made it ~9 ms a block inside a scan."""
    return _native.line_count(block)  # type: ignore[no-any-return]


def line_array(
    block: bytes, kind: pa.DataType | None = None, changed: Mapping[int, str] | None = None
) -> pa.Array:
    """The ``\\n``-separated lines of ``block`` as an Arrow string (or ``kind``: binary)
    array, without Python per line: the core copies the bytes between the newlines once and
    gives their offsets (``_native.split_lines``), the two buffers of the array. The line at
    each index of ``changed`` is its new text instead: a block's redacted copy in the same
    single copy."""
    kind = kind or pa.string()
    at = sorted(changed) if changed else []
    new = [changed[i] for i in at] if changed else None
    data, offsets, wide, n = _native.split_lines(block, np.asarray(at, np.int64).tobytes(), new)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    if not wide:
        return pa.Array.from_buffers(kind, n, buffers)
    # 2 GiB of bytes or more: built with 64-bit offsets, then cast (which refuses).
    big = pa.large_binary() if pa.types.is_binary(kind) else pa.large_string()
    return pa.Array.from_buffers(big, n, buffers).cast(kind)


def keyed_lines(lines: pa.Array, rules: RecordRules) -> list[int]:
    """Lines holding a key one of the record rules' field rules is about (``aadhar``…):
    judged as records even when the engine found nothing in them. ``lines`` may be binary
    (a block that is not valid UTF-8)."""
    if not rules.key_pattern or not len(lines):
        return []
    keyed = pc.match_substring_regex(lines, rules.key_pattern, ignore_case=True)
    return np.flatnonzero(keyed.to_numpy(zero_copy_only=False)).tolist()  # type: ignore[no-any-return]


def scan_line_block(
    block: bytes, state: StreamState | None, jsonl: bool, ctx: Shared, *, redact: bool = True
) -> LineBlock:
    """Scan and judge one block of whole lines (CRLF or LF) of a text or JSON Lines
    object; a caller that feeds one object in several blocks passes the same ``state``.
    ``redact`` False: see :func:`judge_lines` (text only: a JSON Lines record's actions
    come from its redaction under the record rules)."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    if jsonl:
        return _json_line_block(block, state, ctx)
    found = {li: (line, spans) for li, line, spans in ctx.engine.scan_lines(block, state)}
    return judge_lines(found, line_count(block), ctx, redact=redact)


@dataclass
class WalkedBlock:
    """A block of JSON Lines scanned (:func:`scan_json_lines`): ``judged``, the lines the
    walk refused, judged; the walk (None when it took no line), its leaves' spans flat
    (``spans.rows`` are leaf indexes, ascending), and ``chosen``, the walked lines to judge
    as records (a leaf with a span, or a key a record rule is about)."""

    raw: pa.Array
    judged: LineBlock
    walk: JsonLeaves | None = None
    spans: ColumnSpans = field(default_factory=ColumnSpans.empty)
    chosen: list[int] = field(default_factory=list)


def scan_json_lines(
    block: bytes, state: StreamState | None, ctx: Shared, *, document: bool = False
) -> WalkedBlock:
    """A block of JSON Lines records scanned, each once, as the leaves it is judged by.

    The records the engine can walk (``Engine.json_leaves``: strict JSON with identifier
    keys, nearly every API payload) are scanned as their leaves only, column by column
    under each key. The others (to be repaired, with keys that need labels, or not JSON)
    go through the buffer pass, and the JSON ones among them with no span there through
    it again with their escapes read (:func:`_hidden_by_escapes`); the lines with a span
    are judged by :func:`_judge_json_lines`, in a block of their own, and come back judged.

    ``document``: the lines are a JSON document's records (:func:`array_records`), each
    valid JSON. The ones the walk refuses are all judged, as ``judge_json_document``
    judges them (:func:`_judge_document_records`), which is what the reference does: no
    pass picks among them."""
    n = line_count(block)
    walk = ctx.engine.json_leaves(block)
    groups, group_fields = _key_groups(walk)
    walked = walk.walked
    if len(group_fields) > MAX_WALKED_KEYS:
        walked = np.zeros_like(walked)  # one column call a key would cost more than it saves
    raw = line_array(block, pa.binary())
    keyed = set(keyed_lines(raw, ctx.rules))
    rest = np.flatnonzero(~walked)
    if document:
        lines = raw.take(pa.array(rest, pa.int64())).to_pylist()
        refused = {li: line.decode("utf-8") for li, line in zip(rest.tolist(), lines, strict=True)}
        judged = _judge_document_records(refused, n, ctx)
    else:
        found: dict[int, tuple[str, list[Span]]] = {}
        if len(rest):
            lines = raw.take(pa.array(rest)).to_pylist()
            sub = b"\n".join(lines)
            for li, line, spans in ctx.engine.scan_lines(sub, state):
                found[int(rest[li])] = (line, spans)
            for li in _hidden_by_escapes(rest.tolist(), lines, found, ctx.engine):
                keyed.add(li)  # judged as a rule's key line is: parsed, its leaves scanned
            for li in rest.tolist():
                if li in keyed and li not in found:
                    found[li] = (raw[li].as_py().decode("utf-8", "surrogateescape"), [])
        judged = _judge_json_lines(found, n, ctx)
    if not walked.any():
        return WalkedBlock(raw, judged)
    spans = _leaf_spans(walk, groups, group_fields, ctx.engine)
    lines_with_spans = set(np.unique(walk.line[spans.rows]).tolist())
    chosen = sorted(lines_with_spans | (keyed - set(rest.tolist())))
    return WalkedBlock(raw, judged, walk, spans, chosen)


def _hidden_by_escapes(
    rest: list[int], lines: list[bytes], found: Mapping[int, object], engine: Any
) -> list[int]:
    """Of the refused lines ``rest`` (their bytes ``lines``), those with no span in the
    buffer pass (``found``) that hold JSON (parsed, or repaired as ``process_json_texts``
    repairs it) with a span once their escapes are read: in JSON text an escape hides
    what follows it (``"\\t9876543210"`` reads as t9876543210, ``"\\u0039876543210"`` as
    no number). A line that is no JSON is redacted as text, where its backslashes are
    characters like any other, so it is not picked here."""
    candidates = [(li, x) for li, x in zip(rest, lines, strict=True) if li not in found]
    candidates = [(li, x) for li, x in candidates if b"\\" in x and _json_like(x)]
    if not candidates:
        return []
    again = b"\n".join(_unescaped(x) for _, x in candidates)
    return [candidates[k][0] for k, _, _ in engine.scan_lines(again, None)]


def _json_like(line: bytes) -> bool:
    """Whether ``line`` reads as JSON the way a refused JSON Lines record is read."""
    try:
        repair_json(line.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):  # Unrepairable is a ValueError
        return False
    return True


_JSON_ESCAPE = re.compile(rb'\\(?:u([0-9a-fA-F]{4})|(["\\\\/bfnrt]))')
_SIMPLE_ESCAPES = {b'"': b'"', b"\\": b"\\", b"/": b"/"}


def _unescaped(line: bytes) -> bytes:
    """A line of JSON text with its string escapes read as the characters they stand
    for, for the pass that picks which refused lines to judge as records (only whether a
    line has a span matters there: a judged record is scanned again from its parsed
    values). Control characters, line breaks among them, and surrogates read as a space,
    so the line stays one line."""

    def char(m: re.Match[bytes]) -> bytes:
        if m.group(2) is not None:
            return _SIMPLE_ESCAPES.get(m.group(2), b" ")
        c = int(m.group(1), 16)
        return b" " if c < 0x20 or 0xD800 <= c <= 0xDFFF else chr(c).encode("utf-8")

    return _JSON_ESCAPE.sub(char, line)


def _json_line_block(block: bytes, state: StreamState | None, ctx: Shared) -> LineBlock:
    """A block of JSON Lines records (:func:`scan_json_lines`), judged by
    :func:`judge_records`."""
    return judge_records(scan_json_lines(block, state, ctx), ctx)


def judge_records(scanned: WalkedBlock, ctx: Shared) -> LineBlock:
    """A scanned block of JSON Lines, each walked record with a span or a rule's key
    judged by the record rules one by one (``detectors.records.judged_walked_record``):
    the reference ``jobs.jsonlrows`` is held to."""
    judged, walk, raw = scanned.judged, scanned.walk, scanned.raw
    if walk is None or not scanned.chosen:
        return judged
    spans = dict(scanned.spans.by_row())
    threshold = ctx.policy.threshold
    relevant = np.array([ctx.rules.relevant_key(f) for f in walk.fields] + [False])
    wanted = relevant[walk.field]  # field -1 picks the trailing False
    wanted[list(spans)] = True
    picked = np.flatnonzero(wanted)
    paths = walk.paths.take(pa.array(picked)).to_pylist()
    texts = walk.texts.take(pa.array(picked)).to_pylist()
    per_line: dict[int, list[Leaf]] = {}
    for n_, i in enumerate(picked.tolist()):
        leaf = Leaf(paths[n_], texts[n_], walk.field_name(i), False, spans.get(i, []))
        per_line.setdefault(int(walk.line[i]), []).append(leaf)
    for li in scanned.chosen:
        line = raw[li].as_py().decode("utf-8")
        res = judged_walked_record(
            json.loads(line), per_line.get(li, []), ctx.policy, ctx.keys, ctx.rules
        )
        judged.findings += (
            Found(li, f.field_path, f.text, f.span, f.action)
            for f in res.findings
            if f.span.score >= threshold
        )
        judged.pii[li] = res.is_pii
        new = res.line
        if new != line:
            judged.changed[li] = new
    judged.findings.sort(key=lambda f: f.row)  # stable: each line's findings keep their order
    return judged


# Distinct keys (after ``normalize_field``) past which a block's JSON Lines are not walked:
# its leaves are scanned one column call a key, tens of µs each, so a block of records
# keyed by ids (``{"u10231": …}``) or one line of 100,000 keys would cost seconds; the
# buffer pass reads such a block at its own speed.
MAX_WALKED_KEYS = 2048


def _key_groups(walk: JsonLeaves) -> tuple[np.ndarray, list[str]]:
    """Per leaf, its key's group (-1 for no key): keys alike after ``normalize_field``
    are scanned as one column, as ``scan_text`` scans them alike; and the first raw key
    of each group, which the column is scanned under."""
    index: dict[str, int] = {}
    first: list[str] = []
    of_field = np.full(len(walk.fields) + 1, -1, dtype=np.int32)  # [-1]: no key
    for i, name in enumerate(walk.fields):
        group = index.setdefault(normalize_field(name), len(index))
        if group == len(first):
            first.append(name)
        of_field[i] = group
    return of_field[walk.field], first


def _leaf_spans(
    walk: JsonLeaves, groups: np.ndarray, group_fields: list[str], engine: Engine
) -> ColumnSpans:
    """The spans of the walked leaves, flat, ``rows`` being leaf indexes (ascending, each
    leaf's spans in the engine's order); the leaves of each key group scanned as one
    column (``scan_leaf_flat``, held to ``scan_text(text, field=key)``)."""
    if not len(groups):
        return ColumnSpans.empty()
    order = np.argsort(groups, kind="stable")
    keys = groups[order]
    cuts = [0, *(np.flatnonzero(np.diff(keys)) + 1).tolist(), len(keys)]
    texts = walk.texts.take(pa.array(order))
    parts: list[tuple[np.ndarray, ColumnSpans]] = []
    for a, b in itertools.pairwise(cuts):
        key = int(keys[a])
        name = None if key < 0 else group_fields[key]
        found = scan_leaf_flat(engine, texts.slice(a, b - a), name)
        if len(found):
            parts.append((order[a + found.rows], found))
    return _by_leaf(parts)


def _by_leaf(parts: Sequence[tuple[np.ndarray, ColumnSpans]]) -> ColumnSpans:
    """Column scans' spans as one set, ``rows`` the leaf index given with each part, in
    leaf order (stable: each leaf's spans keep the engine's order)."""
    merged = ColumnSpans.concat(
        [ColumnSpans(rows, f.starts, f.ends, f.sources, f.scores, f.names) for rows, f in parts]
    )
    return merged.select(np.argsort(merged.rows, kind="stable"))


def judge_lines(
    found: Mapping[int, tuple[str, list[Span]]],
    n: int,
    ctx: Shared,
    *,
    redact: bool = True,
) -> LineBlock:
    """Judge the text lines of a block of ``n`` that need it (``found``: line -> (text,
    spans)), each redacted span by span (JSON Lines: :func:`_json_line_block`).

    ``redact`` False (``piisweep detect``, which writes findings only): text lines get
    their findings and actions without their redacted text (``changed`` stays empty), the
    replacements being most of a text line's cost (:meth:`Policy.span_actions`)."""
    policy, keys = ctx.policy, ctx.keys
    threshold = policy.threshold
    changed: dict[int, str] = {}
    pii = np.zeros(n, dtype=bool)
    findings: list[Found] = []
    for li in sorted(found):
        if li >= n:
            continue
        line, spans = found[li]
        if not redact:
            applied = policy.span_actions(line, spans, keys)
            findings += (Found(li, None, line, s, action) for s, action in applied)
            continue
        else:
            new, applied = policy.redact_text_with_actions(line, spans, keys)
            findings += (
                Found(li, None, line, s, action) for s, action in applied if s.score >= threshold
            )
        if new != line:
            changed[li] = new
    return LineBlock(n, changed, pii, findings)


def _judge_json_lines(
    found: Mapping[int, tuple[str, list[Span]]], n: int, ctx: Shared
) -> LineBlock:
    """The JSON Lines lines the walk refused (``found``: line -> (text, spans), chosen by
    the buffer pass or a rule's key), each a record judged by the record rules
    (``process_json_texts``: repaired when the repair is unambiguous, else redacted as
    text; the leaves of all the block's records scanned column by column, each under its
    key)."""
    threshold = ctx.policy.threshold
    changed: dict[int, str] = {}
    pii = np.zeros(n, dtype=bool)
    findings: list[Found] = []
    judged = [li for li in sorted(found) if li < n]
    lines = [found[li][0] for li in judged]
    results = process_json_texts(ctx.engine, lines, ctx.policy, ctx.keys, ctx.rules)
    for li, line, res in zip(judged, lines, results, strict=True):
        if "too_deep" in res.repairs:
            ctx.flags["json_lines_too_deep_redacted_as_text"] += 1
        elif res.status != "ok":
            ctx.flags[_JSON_FLAGS[res.status]] += 1
        findings += (
            Found(li, f.field_path, f.text, f.span, f.action)
            for f in res.findings
            if f.span.score >= threshold
        )
        pii[li] = res.is_pii
        new = res.line
        if new != line:
            changed[li] = new
    return LineBlock(n, changed, pii, findings)


def _judge_document_records(lines: Mapping[int, str], n: int, ctx: Shared) -> LineBlock:
    """Records of a JSON document that the walk refused (``lines``: line -> the record's
    line of JSON, as :func:`array_records` wrote it), each parsed and judged as
    ``judge_json_document`` judges its records (``process_record``, the record rules
    included), whatever the buffer pass would find in its text."""
    changed: dict[int, str] = {}
    pii = np.zeros(n, dtype=bool)
    findings: list[Found] = []
    for li in sorted(lines):
        line = lines[li]
        found, pii[li], new = _judged_record(json.loads(line), li, ctx)
        findings += found
        if new != line:
            changed[li] = new
    return LineBlock(n, changed, pii, findings)


def _judged_record(record: Any, row: int, ctx: Shared) -> tuple[list[Found], bool, str]:
    """One record of a JSON document judged (``process_record``, the record rules
    included): its findings at or above the threshold as record ``row``'s, whether it is
    PII, and its redacted line of JSON."""
    res = process_record(ctx.engine, record, ctx.policy, ctx.keys, ctx.rules)
    threshold = ctx.policy.threshold
    found = [
        Found(row, f.field_path, f.text, f.span, f.action)
        for f in res.findings
        if f.span.score >= threshold
    ]
    return found, res.is_pii, res.json()


# ------------------------------------------------------------------------- JSON document
@dataclass
class JsonDocument:
    """A judged JSON document: its records (the elements of a top-level array, else the
    one value), each redacted as one line of JSON, ``pii`` per record under the record
    rules, and the findings (``row`` is the record's index)."""

    records: list[str]
    pii: list[bool]
    findings: list[Found]
    array: bool

    def text(self) -> str:
        """The redacted document as JSON text: an array keeps one record per line."""
        if not self.array:
            return self.records[0] + "\n"
        if not self.records:
            return "[]\n"
        return "[\n" + ",\n".join(self.records) + "\n]\n"


def judge_json_document(text: str | bytes, ctx: Shared) -> JsonDocument | None:
    """Parse, scan and judge a whole JSON document record by record (``process_record``,
    the record rules included); None when it is not JSON, which the callers then redact
    as plain text rather than pass through.

    A top-level array is read an element at a time (:func:`_array_elements`), so only one
    record is a Python value at once, never the whole document (up to ``max_json_mb``,
    256 MiB, which as Python objects would take gigabytes)."""
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads
    elements = _array_elements(text)
    out = JsonDocument([], [], [], elements is not None)
    replaced = False
    if elements is None:
        try:
            elements = iter([(json.loads(text), text)])
        except ValueError:
            return None
    while True:
        try:
            record, source = next(elements)
        except StopIteration:
            break
        except ValueError:  # an element, or what follows the array, is not JSON
            return None
        record, fixed = without_lone_surrogates(record, source)
        replaced |= fixed
        found, pii, line = _judged_record(record, len(out.records), ctx)
        out.findings += found
        out.records.append(line)
        out.pii.append(pii)
    if replaced:
        ctx.flags["json_lone_surrogates_replaced"] += 1
    return out


def array_records(text: str | bytes, ctx: Shared) -> list[str] | None:
    """The records of a JSON document that is a top-level array, each as the one line of
    JSON that ``judge_json_document`` writes for a record it leaves unchanged
    (``json.dumps``, lone surrogates replaced as there): a block of JSON Lines whose records
    the JSON Lines path judges as the document's own. None when the document is not an
    array, or is not JSON, or is an empty array: the callers then take
    ``judge_json_document``, which says what it is.

    Every element is decoded before any is judged, so a document that turns out not to
    be JSON half-way leaves nothing behind; the records are kept as text, as
    ``judge_json_document`` keeps its redacted ones."""
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads
    elements = _array_elements(text)
    if elements is None:
        return None
    records = []
    replaced = False
    try:
        for record, source in elements:
            record, fixed = without_lone_surrogates(record, source)
            replaced |= fixed
            records.append(json.dumps(record, ensure_ascii=False))
    except ValueError:
        return None
    if not records:
        return None
    if replaced:
        ctx.flags["json_lone_surrogates_replaced"] += 1
    return records


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _array_elements(text: str) -> Iterator[tuple[Any, str]] | None:
    """(value, its text) of each element of ``text`` when it is a JSON array, decoded one
    at a time as ``json.loads`` decodes them (``JSONDecoder.raw_decode``: its scanner);
    None when it is not an array. Iterating raises ValueError where ``json.loads(text)``
    would: an element that is not JSON, a missing comma, text after the closing bracket."""
    start = _WHITESPACE.match(text).end()
    if not text.startswith("[", start):
        return None

    def elements() -> Iterator[tuple[Any, str]]:
        pos = _WHITESPACE.match(text, start + 1).end()
        if text.startswith("]", pos):
            pos += 1
        else:
            while True:
                value, end = _DECODER.raw_decode(text, pos)
                yield value, text[pos:end]
                pos = _WHITESPACE.match(text, end).end()
                if text.startswith(",", pos):
                    pos = _WHITESPACE.match(text, pos + 1).end()
                    continue
                if not text.startswith("]", pos):
                    raise ValueError("expected ',' or ']' in the array")
                pos += 1
                break
        if _WHITESPACE.match(text, pos).end() != len(text):
            raise ValueError("text after the array")

    return elements()


# ------------------------------------------------------------------------- CSV / TSV
# A batch's column: Python values (rows the csv module parsed, transposed) or an Arrow
# string array (the scan's fast path, ``pyarrow.csv``), which is scanned and written as it
# is, without a Python object per cell.
CsvColumn = list[str | None] | pa.Array


@dataclass
class CsvBatch:
    """A judged batch of rows: ``cells`` column by column (None: no cell, or a value a
    ``drop`` emptied), ``pii`` per row (None without record rules) and the findings, flat
    (:class:`LeafFindings`: batch rows, the column's unique name as field path), in row
    order and, within a row, column by column, each cell's spans in the engine's order.
    A column is an Arrow array only where :meth:`CsvTable.judge_columns` was given one
    (and no record rules apply); :meth:`CsvTable.judge` gives lists."""

    cells: list[CsvColumn]
    pii: list[bool] | None
    found: LeafFindings


class CsvTable:
    """One CSV/TSV object: its header, redacted (a header is data too: an export whose first
    row is a record, or a pivot keyed by e-mail, would carry the value into column names and
    ``field_path``), its column ``names`` (unique, never empty: ``_c<N>``, ``name_2``), and
    its rows, judged batch by batch. ``header_findings`` have row -1 and, as field path,
    the redacted name; a cell that redacts to nothing becomes ``_c<N>``.

    ``report_header`` False (a byte range of a split object that does not hold the header):
    the header is redacted the same way, so every part has the same columns, but its
    findings and its ``pii_header_cells_redacted`` flag are left to the range that holds it.
    """

    def __init__(
        self, header: Sequence[str], delimiter: str, ctx: Shared, *, report_header: bool = True
    ) -> None:
        self.ctx = ctx
        self.delimiter = delimiter
        self.header_findings: list[Found] = []
        self._report_header = report_header
        self.header = self._redacted_header(list(header))
        self.names = column_names(self.header)
        self.width = len(self.names)
        self.records_on = ctx.policy.records is not None
        self._keyed = any(ctx.rules.relevant_key(n) for n in self.names)

    def _redacted_header(self, header: list[str]) -> list[str]:
        engine, policy, keys = self.ctx.engine, self.ctx.policy, self.ctx.keys
        out = list(header)
        for col, spans in engine.scan_values(header):
            kept = [s for s in spans if s.score >= policy.threshold]
            if not kept:
                continue
            new = policy.redact_value(header[col], spans, keys)
            out[col] = new if new and new.strip() else f"_c{col}"
            if not self._report_header:
                continue
            self.header_findings += (
                Found(-1, out[col], header[col], s, policy.action_for(s.entity_type)) for s in kept
            )
            self.ctx.flags["pii_header_cells_redacted"] += 1
        return out

    def fit(self, row: list[str]) -> list[str]:
        """A row of the header's width at most: extra cells are kept, joined with the
        delimiter into the last column (and flagged); a short row stays short."""
        if len(row) != self.width:
            self.ctx.flags["ragged_rows"] += 1
            if len(row) > self.width:
                return [*row[: self.width - 1], self.delimiter.join(row[self.width - 1 :])]
        return row

    def judge(self, rows: Iterable[Sequence[str | None]], *, redact: bool = True) -> CsvBatch:
        """Scan the rows (fitted: :meth:`fit`) column by column, each cell with its column
        name as context, and redact them: span by span, or under the record rules row by
        row (a row is judged when it has a span or a column a rule is about).

        Without record rules this is the column path (``jobs.recordbatch._scan_leaf``'s):
        each column is scanned whole into flat spans, the cells with a kept span are
        redacted in one call (:meth:`Policy.redact_cells`) and the findings stay arrays, so
        Python walks the cells with a span, never builds an object per finding. Spans under
        the threshold are dropped first: they neither report nor redact (``Policy._groups``).
        ``redact`` False (``piisweep detect``, validate's residual check: findings only)
        skips the redaction there: each span's action is decided on the values without it
        (``detectors.spanactions``); under record rules the row is still judged, which
        decides its actions."""
        rows = list(rows)
        cells: list[CsvColumn] = [
            [r[col] if col < len(r) else None for r in rows] for col in range(self.width)
        ]
        return self.judge_columns(cells, len(rows), redact=redact)

    def judge_columns(self, cells: list[CsvColumn], n: int, *, redact: bool = True) -> CsvBatch:
        """:meth:`judge` of a batch of ``n`` rows given column by column (one entry per
        column of the header, each as long as the batch): Python lists, or Arrow string
        arrays as ``pyarrow.csv`` parses them, which the scan hands over without building
        a Python string per cell (issue #14). An Arrow column is scanned as it is and,
        where cells redact, replaced by a new array; only the cells with a kept span become
        Python strings. Under record rules every column becomes a list (each row is judged
        from its values)."""
        if self.records_on:
            lists = [c.to_pylist() if isinstance(c, pa.Array) else c for c in cells]
            return self._judge_records(lists, n)
        policy, threshold = self.ctx.policy, self.ctx.policy.threshold
        parts: list[tuple[int, ColumnSpans, list[str], pa.Array | None]] = []
        for col in range(self.width):
            column = cells[col]
            flat = column_spans(self.ctx.engine, column, self.header[col])
            if len(flat):
                flat = flat.select(flat.scores >= threshold)
            if not len(flat):
                continue
            at, _ = flat.row_bounds()
            taken = column.take(at) if isinstance(column, pa.Array) else None
            values = [column[r] for r in at.tolist()] if taken is None else taken.to_pylist()
            if redact:
                new = policy.redact_cells(values, flat, self.ctx.keys)
                cells[col] = _with_cells(column, at, new)
            parts.append((col, flat, values, taken))
        found = batch_findings(parts, self.names, policy, self.ctx.keys)
        return CsvBatch(cells, None, found)

    def _judge_records(self, cells: list[list[str | None]], n: int) -> CsvBatch:
        """:meth:`judge` under the record rules: each column scanned whole, then the rows
        that need it judged one by one (``process_row``, given every span of the row,
        those under the threshold too, as the rules see them)."""
        engine, policy, keys = self.ctx.engine, self.ctx.policy, self.ctx.keys
        width = self.width
        spans_at: dict[tuple[int, int], list[Span]] = {}
        for col in range(width):
            for ri, spans in column_spans(engine, cells[col], self.header[col]).by_row():
                if cells[col][ri] is not None:
                    spans_at[(ri, col)] = spans
        threshold = policy.threshold
        found: list[tuple[int, Span]] = []
        paths: list[str] = []
        texts: list[str] = []
        actions: list[str] = []
        pii = [False] * n
        judged = range(n) if self._keyed else sorted({ri for ri, _ in spans_at})
        for ri in judged:
            values = [cells[col][ri] for col in range(width)]
            spans = [spans_at.get((ri, col), []) for col in range(width)]
            res = process_row(engine, self.names, values, policy, keys, self.ctx.rules, spans=spans)
            for f in res.findings:
                if f.span.score >= threshold:
                    found.append((ri, f.span))
                    paths.append(f.field_path)
                    texts.append(f.text[f.span.start : f.span.end])
                    actions.append(f.action or policy.action_for(f.span.entity_type))
            for col, new in enumerate(res.record):
                cells[col][ri] = new
            pii[ri] = res.is_pii
        spans_found = ColumnSpans.from_hits((row, [span]) for row, span in found)
        return CsvBatch(cells, pii, LeafFindings(spans_found, paths, texts, actions))


def column_spans(
    engine: Engine, values: CsvColumn | Sequence[str | None], field: str | None
) -> ColumnSpans:
    """A column's spans as flat arrays (``Engine.scan_arrow_flat``), of an Arrow column as
    it is. A value holding a lone surrogate (``redact`` keeps undecodable bytes that way)
    cannot become an Arrow string; such a column is scanned from its Python values, the
    same bytes to the engine."""
    if isinstance(values, pa.Array):
        return engine.scan_arrow_flat(values, field=field)
    try:
        array = pa.array(values, pa.string())
    except UnicodeEncodeError:
        return ColumnSpans.from_hits(engine.scan_values(values, field=field))
    return engine.scan_arrow_flat(array, field=field)


def _with_cells(column: CsvColumn, rows: np.ndarray, new: Sequence[str | None]) -> CsvColumn:
    """``column`` with the cells at ``rows`` (distinct, ascending: ``row_bounds``) set to
    ``new``: a list in place, an Arrow array as a new array (Arrow arrays are immutable)."""
    if isinstance(column, pa.Array):
        mask = np.zeros(len(column), dtype=bool)
        mask[rows] = True
        return pc.replace_with_mask(column, pa.array(mask), pa.array(new, pa.string()))
    for r, value in zip(rows.tolist(), new, strict=True):
        column[r] = value
    return column


def batch_findings(
    parts: Sequence[tuple[int, ColumnSpans, Sequence[str], pa.Array | None]],
    names: Sequence[str],
    policy: Policy,
    keys: KeyRing,
) -> LeafFindings:
    """The kept spans of a batch's columns (``parts``: column, its spans, the values of its
    rows with a span in ``row_bounds`` order, and those values as an Arrow array if the
    column is one) as one :class:`LeafFindings` in the order the findings of a batch have
    always had: by row, then by column, each cell's spans in the engine's order; each
    span's action as the redaction applies it (``detectors.spanactions``). Columns may
    number their span sources differently (the Python engine's do): they are renumbered
    into one list."""
    if not parts:
        return LeafFindings(ColumnSpans.empty(), [], [], [])
    cols, texts, actions = [], [], []
    for col, flat, values, taken in parts:
        actions += SpanActions(policy, keys, flat.names).of_values(values, flat.per_value(), taken)
        cols.append(np.full(len(flat), col, dtype=np.int64))
        texts += flat.texts(values)
    merged = ColumnSpans.concat([flat for _, flat, _, _ in parts])
    col = np.concatenate(cols)
    order = np.lexsort((col, merged.rows))  # stable: a cell's spans keep the engine's order
    spans = merged.select(order)
    picks = order.tolist()
    return LeafFindings(
        spans,
        [names[c] for c in col[order].tolist()],
        [texts[k] for k in picks],
        [actions[k] for k in picks],
    )


def column_names(header: Sequence[str]) -> list[str]:
    """Parquet-safe, unique column names: an empty name becomes ``_c<N>``, a repeated one
    gets ``_2``, ``_3``…, in the header's order."""
    seen: Counter[str] = Counter()
    names = []
    for i, name in enumerate(header):
        base = name.strip() or f"_c{i}"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names
