"""The leaves of records scanned as columns: every value under one field name in one core
call (``Engine.scan_arrow_flat``), held to ``Engine.scan_text`` value by value, with the
values a column scan would read otherwise (a line break, a lone surrogate, a private key's
body) scanned one by one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.colspans import ColumnSpans
from detectors.context import normalize_field
from detectors.spans import Span

if TYPE_CHECKING:
    from detectors.engine import Engine


def scan_leaf_texts(engine: Engine, items: Sequence[tuple[str, str | None]]) -> list[list[Span]]:
    """``[engine.scan_text(text, field=field) for text, field in items]``, scanned as one
    column per field name (``Engine.scan_arrow_flat``: one core call for the column).

    The column scan is held to ``scan_text`` only where the engine's contract says they
    agree; the rest is scanned value by value: a value holding a line break (a column
    sees it as a space), one that is not valid UTF-8 (a lone surrogate), and every value
    of a column where a private key was found (a column scan reads the lines after a
    PEM BEGIN line as the key's body, a value on its own never does)."""
    out: list[list[Span]] = [[] for _ in items]
    groups: dict[str | None, tuple[str | None, list[int]]] = {}
    names: dict[str, str | None] = {}
    for i, (_, field_name) in enumerate(items):
        if field_name:
            group = names.get(field_name, "")
            if group == "":
                group = names[field_name] = normalize_field(field_name)
        else:
            group = None  # no field, or an empty one: scan_text scans both alike
        groups.setdefault(group, (field_name, []))[1].append(i)
    for field_name, rows in groups.values():
        values = [items[i][0] for i in rows]
        for row, spans in _scan_column(engine, values, field_name):
            out[rows[row]] = spans
    return out


def _scan_column(
    engine: Engine, values: list[str], field_name: str | None
) -> list[tuple[int, list[Span]]]:
    """(row, spans) of the rows with a span, each equal to ``scan_text(value, field)``."""
    odd = _odd_values(values)
    column = values
    if odd:
        column = list(values)
        for i in odd:
            column[i] = ""
    array = pa.array(column, pa.string())
    found = engine.scan_arrow_flat(array, field=field_name)
    return _column_hits(engine, found, len(array), odd, values.__getitem__, field_name)


PRIVATE_KEY = "PRIVATE_KEY"


def scan_leaf_flat(engine: Engine, values: pa.Array, field_name: str | None) -> ColumnSpans:
    """:func:`_scan_column` for an Arrow string array (valid UTF-8, so only a line break
    makes a value odd), flat: each row's spans equal to ``scan_text(value, field)``. The
    column's spans come as the core gives them, without a ``Span`` per finding, unless a
    value is odd or the column holds a private key."""
    mask = pc.or_(pc.match_substring(values, "\n"), pc.match_substring(values, "\r"))
    odd = np.flatnonzero(mask.to_numpy(zero_copy_only=False)).tolist()
    column = pc.if_else(mask, "", values) if odd else values
    found = engine.scan_arrow_flat(column, field=field_name)
    if not odd and not _private_key(found):
        return found
    hits = _column_hits(engine, found, len(column), odd, lambda i: values[i].as_py(), field_name)
    return ColumnSpans.from_hits(sorted(hits, key=lambda hit: hit[0]), found.names)


def _private_key(found: ColumnSpans) -> bool:
    return any(found.names[s][0] == PRIVATE_KEY for s in set(found.sources.tolist()))


def _column_hits(
    engine: Engine,
    found: ColumnSpans,
    n: int,
    odd: Sequence[int],
    value_at: Callable[[int], str],
    field_name: str | None,
) -> list[tuple[int, list[Span]]]:
    """(row, spans) of a column of ``n`` values whose scan as a whole gave ``found``, its
    ``odd`` rows (blanked in that column) scanned one by one from ``value_at(row)``; every
    row one by one when the column holds a private key (a column scan reads the lines
    after a PEM BEGIN line as the key's body, a value on its own never does)."""
    if _private_key(found):
        odd = range(n)
        hits: list[tuple[int, list[Span]]] = []
    else:
        hits = list(found.by_row())
    for i in odd:
        spans = engine.scan_text(value_at(i), field=field_name)
        if spans:
            hits.append((i, spans))
    return hits


def _odd_values(values: list[str]) -> list[int]:
    """Rows a column scan would not see as ``scan_text`` does: a line break (or a CR) in
    the value, or text that does not encode as UTF-8 (a lone surrogate)."""
    joined = "\n".join(values)
    if "\r" not in joined and joined.count("\n") == len(values) - 1:
        try:
            joined.encode("utf-8")
            return []
        except UnicodeEncodeError:
            pass
    return list(compress(range(len(values)), map(_is_odd, values)))


def _is_odd(value: str) -> bool:
    if "\n" in value or "\r" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
