"""What validation shares: the columns whose values GX may keep (PRINTABLE), location columns,
limits, the error class."""

from __future__ import annotations

import logging
from pathlib import Path

from detectors.errors import PiisweepError

log = logging.getLogger("piisweep.validate")

REPO_CONF = Path(__file__).resolve().parents[2] / "conf"
#: Columns whose values may appear in messages, results JSON and Data Docs. Every other
#: column (preview, fingerprint, field_path, …) is reported by counts and locations only.
PRINTABLE = frozenset(
    {
        "scan_id",
        "source_uri",
        "line_number",
        "record_index",
        "char_start",
        "char_end",
        "entity_type",
        "detector",
        "score",
        "action",
        "preview_looks_raw",
        "source_in_manifest",
        "uri",
        "status",
        "format",
        "compression",
        "error_class",
        "units",
        "records",
        "findings",
        "findings_in_table",
        "copy_exists",
        "redacted_uri",
        "copy_rows",
        "residual_findings",
        "residual_entities",
        "residual_at",
    }
)
#: Columns that say where an unexpected row is, per batch.
LOCATION_COLUMNS = {
    "findings": ["source_uri", "line_number", "record_index"],
    "objects": ["uri"],
    "redacted_copies": ["redacted_uri", "residual_at"],
}
MAX_LOCATIONS = 10
RESIDUAL_AT_MAX = 5
KEYS_WITH_VALUES = ("partial_unexpected_list", "unexpected_list", "partial_unexpected_counts")
#: Expectations whose observed value is about structure (a type, columns, a row count).
STRUCTURAL = frozenset(
    {
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
        "expect_table_column_count_to_equal",
    }
)
TEXT_COPY = ["line_number", "line"]
JSON_COPY = ["record_index", "record"]


class ValidateError(PiisweepError):
    """Validation cannot run: no committed scan, an unreadable suite, a missing output."""
