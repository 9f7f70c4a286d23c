"""Findings rows as the contract defines them; never a raw value."""

from __future__ import annotations

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


def finding(
    *,
    source_uri: str,
    line_number: int | None,
    record_index: int | None,
    field_path: str | None,
    text: str,
    span: Span,
    keys: KeyRing,
    policy: Policy,
    action: str | None = None,
) -> dict[str, Any]:
    """One findings row for ``span`` in ``text``; the value itself only enters the
    fingerprint (keyed HMAC) and the masked preview."""
    value = text[span.start : span.end]
    return {
        "source_uri": source_uri,
        "line_number": line_number,
        "record_index": record_index,
        "field_path": field_path,
        "char_start": span.start,
        "char_end": span.end,
        "entity_type": span.entity_type,
        "detector": span.detector,
        "score": span.score,
        "action": action or policy.action_for(span.entity_type),
        "fingerprint": fingerprint(span.entity_type, value, keys.fingerprint_key),
        "preview": preview(value, span.entity_type),
    }


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
