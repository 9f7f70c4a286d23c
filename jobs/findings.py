"""Findings rows as the contract defines them; never a raw value."""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from detectors.colspans import ColumnSpans
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from detectors.operators import preview
from detectors.policy import Policy
from detectors.spans import Span

COLUMNS = (
    "source_uri",
    "line_number",
    "record_index",
    "field_path",
    "char_start",
    "char_end",
    "entity_type",
    "detector",
    "score",
    "action",
    "fingerprint",
    "preview",
)


def finding(**fields: Any) -> dict[str, Any]:
    """One findings row as a dict of ``COLUMNS``; ``fields`` are :func:`finding_values`'
    parameters, by name. The value itself only enters the fingerprint (keyed HMAC) and the
    masked preview."""
    return dict(zip(COLUMNS, finding_values(**fields), strict=True))


def finding_values(
    source_uri: str,
    line_number: int | None,
    record_index: int | None,
    field_path: str | None,
    text: str,
    span: Span,
    keys: KeyRing,
    policy: Policy,
    action: str | None = None,
) -> tuple[Any, ...]:
    """:func:`finding` as a tuple in ``COLUMNS`` order: what a sink that builds Arrow
    columns (:func:`rows_table`) keeps per finding, cheaper than a dict."""
    value = text[span.start : span.end]
    entity_type = span.entity_type
    return (
        *finding_head(source_uri, line_number, record_index, field_path, span, policy, action),
        fingerprint(entity_type, value, keys.fingerprint_key),
        preview(value, entity_type),
    )


def finding_head(
    source_uri: str,
    line_number: int | None,
    record_index: int | None,
    field_path: str | None,
    span: Span,
    policy: Policy,
    action: str | None = None,
) -> tuple[Any, ...]:
    """The columns of a findings row before ``fingerprint`` and ``preview``: those two are
    derived from the value, and a sink derives them for a whole batch in one call
    (:func:`digests`)."""
    return (
        source_uri,
        line_number,
        record_index,
        field_path,
        span.start,
        span.end,
        span.entity_type,
        span.detector,
        span.score,
        action or policy.action_for(span.entity_type),
    )


def digests(
    entities: Sequence[str], values: Sequence[str], key: bytes
) -> tuple[list[str], list[str]]:
    """The ``fingerprint`` and ``preview`` of each (entity, value), in order.

    The compiled core answers a whole batch at ~1 µs a value (a pre-keyed HMAC state copied
    per value, the mask in one pass); values it does not take (non-ASCII, surrogate-escaped
    bytes) and a build without it go through the Python functions, which define both.
    """
    fps: list[str | None]
    previews: list[str | None]
    try:
        from detectors import _native

        fps, previews = _native.fingerprints_previews(list(entities), list(values), key)
    except ImportError:
        fps, previews = [None] * len(values), [None] * len(values)
    for i, fp in enumerate(fps):
        if fp is None:
            fps[i] = fingerprint(entities[i], values[i], key)
            previews[i] = preview(values[i], entities[i])
    return fps, previews  # type: ignore[return-value]


# Values per core call of :func:`digest_arrays`: its int32 offsets hold 2 GiB.
_DIGEST_BATCH = 1 << 20


def digest_arrays(
    sources: Any, entities: Sequence[str], values: Sequence[str], key: bytes
) -> tuple[Any, Any]:
    """:func:`digests` as two Arrow string arrays, for findings that leave as columns:
    ``sources`` (an int array) picks each value's entity type from ``entities``. The core
    writes the arrays' buffers (no Python string per fingerprint or preview); the values
    it leaves to Python (not ASCII) are filled in by the functions that define both."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    sources = np.ascontiguousarray(sources, dtype=np.int32)
    try:
        from detectors import _native
    except ImportError:
        fps, previews = digests([entities[s] for s in sources.tolist()], values, key)
        return pa.array(fps, pa.string()), pa.array(previews, pa.string())
    if len(values) > _DIGEST_BATCH:
        cuts = range(0, len(values), _DIGEST_BATCH)
        parts = [
            digest_arrays(
                sources[i : i + _DIGEST_BATCH], entities, values[i : i + _DIGEST_BATCH], key
            )
            for i in cuts
        ]
        return (
            pa.concat_arrays([p[0] for p in parts]),
            pa.concat_arrays([p[1] for p in parts]),
        )
    values = values if isinstance(values, list) else list(values)
    n = len(values)
    data, offsets, text, missing = _native.digest_columns(
        sources.tobytes(), list(entities), values, key
    )
    step = pa.py_buffer(np.arange(0, 64 * (n + 1), 64, dtype=np.int32))
    fps = pa.Array.from_buffers(pa.string(), n, [None, step, pa.py_buffer(data)])
    previews = pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(text)]
    )
    if missing:
        mask = np.zeros(n, dtype=bool)
        mask[missing] = True
        pairs = [(entities[sources[i]], values[i]) for i in missing]
        fixed_fps = pa.array([fingerprint(e, v, key) for e, v in pairs], pa.string())
        fixed_previews = pa.array([preview(v, e) for e, v in pairs], pa.string())
        fps = pc.replace_with_mask(fps, pa.array(mask), fixed_fps)
        previews = pc.replace_with_mask(previews, pa.array(mask), fixed_previews)
    return fps, previews


def jsonl_rows(
    source_uri: str,
    heads: Sequence[tuple[int | None, int | None, str | None, Span, str]],
    fingerprints: Sequence[str],
    previews: Sequence[str],
) -> str:
    """Findings rows as JSON Lines, one string for a whole batch: the text
    ``json.JSONEncoder(ensure_ascii=False)`` gives for each row's dict (``COLUMNS`` in
    order), built from one template per batch. ``heads`` are (line_number, record_index,
    field_path, span, action); ``fingerprints`` are hex. A dict and an encoder call per
    row cost about as much as finding the value; the tests hold both forms to one text.
    """
    enc = encode_basestring
    # The columns from entity_type to fingerprint's opening quote, per (entity, detector,
    # score, action): a handful per batch. The score's type is in the key because 1 and
    # 1.0 are equal keys but not the same JSON.
    middles: dict[tuple[Any, ...], str] = {}
    lead = '{"source_uri": ' + enc(source_uri) + ', "line_number": '
    out = []
    append = out.append
    for (line, record, path, span, action), fp, pv in zip(
        heads, fingerprints, previews, strict=True
    ):
        score = span.score
        key = (span.entity_type, span.detector, score.__class__, score, action)
        middle = middles.get(key)
        if middle is None:
            middle = middles[key] = (
                f'"entity_type": {enc(span.entity_type)}, "detector": {enc(span.detector)}, '
                f'"score": {_json_scalar(score)}, "action": {enc(action)}, "fingerprint": '
            )
        if line.__class__ is not int:
            line = _json_scalar(line)
        record = record if record.__class__ is int else _json_scalar(record)
        append(
            f'{lead}{line}, "record_index": {record}, '
            f'"field_path": {"null" if path is None else enc(path)}, '
            f'"char_start": {span.start}, "char_end": {span.end}, {middle}{enc(fp)}, '
            f'"preview": {enc(pv)}}}\n'
        )
    return "".join(out)


def _json_scalar(value: Any) -> str:
    """A number or None as the JSON encoder writes it (an int without a float's ``.0``)."""
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return _encode(value)  # type: ignore[no-any-return]


_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def rows_table(rows: Sequence[tuple[Any, ...]], schema: Any) -> Any:
    """Rows given as tuples in ``schema``'s column order, as an Arrow table built column by
    column: several times cheaper than ``Table.from_pylist`` on a dict per row."""
    import pyarrow as pa

    if not rows:
        return schema.empty_table()
    columns = zip(*rows, strict=True)
    arrays = [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def columns_table(
    schema: Any,
    lead: dict[str, Any],
    record_index: Any,
    paths: Sequence[str | None],
    spans: ColumnSpans,
    values: Sequence[str],
    actions: Sequence[str],
    key: bytes,
) -> Any:
    """Findings rows built as columns, for findings that arrive flat (a leaf's, from the
    column path): ``lead`` gives the columns that are one value for all of them
    (``unit_id``, ``scan_id``, ``source_uri``, ``line_number``) or, given as a list or an
    array, one value per finding (a text block's line numbers, a CSV batch's lines);
    ``record_index`` one per finding (a list or an int64 array; None: all null, as for
    text), then the spans, their texts (to ``fingerprint`` and ``preview``, never stored)
    and actions. The table is in ``schema``'s order."""
    import numpy as np
    import pyarrow as pa

    n = len(spans)
    names = spans.names
    sources = pa.array(spans.sources, pa.int32())
    entities = [entity for entity, _ in names]
    fps, previews = digest_arrays(spans.sources, entities, values, key)
    built = {
        "record_index": (
            pa.nulls(n, pa.int64()) if record_index is None else pa.array(record_index, pa.int64())
        ),
        "field_path": pa.array(paths, pa.string()),
        "char_start": pa.array(spans.starts, pa.int32()),
        "char_end": pa.array(spans.ends, pa.int32()),
        "entity_type": pa.array(entities, pa.string()).take(sources),
        "detector": pa.array([d for _, d in names], pa.string()).take(sources),
        "score": pa.array(np.asarray(spans.scores, dtype=np.float64)),
        "action": pa.array(actions, pa.string()),
        "fingerprint": fps,
        "preview": previews,
    }
    arrays = []
    for f in schema:
        if f.name in built:
            arrays.append(built[f.name])
            continue
        value = lead[f.name]
        if isinstance(value, pa.Array):
            arrays.append(value.cast(f.type))
        elif isinstance(value, (list, np.ndarray)):
            arrays.append(pa.array(value, f.type))
        elif value is None:
            arrays.append(pa.nulls(n, f.type))
        else:  # one value for all: repeated by Arrow, not a Python list of n
            arrays.append(pa.repeat(pa.scalar(value, f.type), n))
    return pa.Table.from_arrays(arrays, schema=schema)


def arrow_schema(with_scan_id: bool = True) -> Any:
    """The findings table's Arrow schema, in the contract's column order (``scan_id``
    first); the hive partition column ``scan_date`` lives in the path, not the files."""
    import pyarrow as pa

    types = {
        "scan_id": pa.string(),
        "source_uri": pa.string(),
        "line_number": pa.int64(),
        "record_index": pa.int64(),
        "field_path": pa.string(),
        "char_start": pa.int32(),
        "char_end": pa.int32(),
        "entity_type": pa.string(),
        "detector": pa.string(),
        "score": pa.float64(),
        "action": pa.string(),
        "fingerprint": pa.string(),
        "preview": pa.string(),
    }
    names = (("scan_id",) if with_scan_id else ()) + COLUMNS
    return pa.schema([pa.field(n, types[n]) for n in names])


# How findings parts are written, by the scan's tasks and its commit alike. The fingerprint
# is a hash and the preview nearly unique: a dictionary for either only costs CPU (Parquet
# builds it, then falls back to plain pages once it grows past its limit).
FINDINGS_WRITE: dict[str, Any] = {
    "compression": "zstd",
    "use_dictionary": ["scan_id", "source_uri", "field_path", "entity_type", "detector", "action"],
}


def final_findings(table: Any, scan_id: str) -> Any:
    """Staged findings rows (``unit_id`` first, numbered as the commit wants them) in the
    table's own form: ``unit_id`` replaced by ``scan_id``, the contract's types."""
    import pyarrow as pa

    table = table.drop_columns(["unit_id"])
    column = pa.repeat(pa.scalar(scan_id, pa.string()), table.num_rows)
    return table.add_column(0, "scan_id", column).cast(arrow_schema())
