"""Findings rows as the contract defines them; never a raw value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def rows_table(rows: Sequence[tuple[Any, ...]], schema: Any) -> Any:
    """Rows given as tuples in ``schema``'s column order, as an Arrow table built column by
    column: several times cheaper than ``Table.from_pylist`` on a dict per row."""
    import pyarrow as pa

    if not rows:
        return schema.empty_table()
    columns = zip(*rows, strict=True)
    arrays = [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)]
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
