"""CSV/TSV exports whose quoted fields span lines, with planted synthetic PII, for the tests
of record-aligned CSV splitting (jobs.csvsplit) in the unit and Spark tiers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

EMAILS = ("asha.verma@example.in", "rohan.mehta@example.co.in", "meera.iyer@example.org")
MOBILES = ("9876543210", "9845012345", "9123456780", "8765432109", "7012345678")
HEADER_EMAIL = "kiran.das@example.in"  # a column named by a person: header cells are data
PLANTED = (*EMAILS, *MOBILES, HEADER_EMAIL)


@dataclass
class Export:
    data: bytes
    records: int
    # (1-based line of the record's start, 0-based record, entity) of each planted cell
    planted: list[tuple[int, int, str]] = field(default_factory=list)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def multiline_export(
    records: int,
    *,
    seed: int = 14,
    delimiter: str = ",",
    newline: str = "\n",
    header_pii: bool = True,
) -> Export:
    """``records`` rows of ``id, name, note, mobile, email, city[, <e-mail>]``: about one in
    three notes is a quoted field spanning 2-4 lines, some with ``""`` escapes and the
    delimiter inside, some holding a mobile or an e-mail on a later line of the field."""
    rng = random.Random(seed)
    header = ["id", "name", "note", "mobile", "email", "city"]
    if header_pii:
        header.append(HEADER_EMAIL)
    lines = [delimiter.join(header)]
    line = 2  # the next record's first line
    planted: list[tuple[int, int, str]] = []
    for i in range(records):
        kind = rng.random()
        if kind < 0.35:
            parts = [f'follow-up {i}{delimiter} said "call back"']
            for _ in range(rng.randint(1, 3)):
                parts.append(rng.choice(("ok", "no answer", f"reach on {rng.choice(MOBILES)}")))
            note = _quoted(newline.join(parts))
        elif kind < 0.5:
            note = _quoted(f"mail {rng.choice(EMAILS)}{newline}then close ticket {i}")
        else:
            note = f"plain note {i}"
        mobile = rng.choice(MOBILES) if i % 3 == 0 else ""
        email = rng.choice(EMAILS) if i % 4 == 0 else ""
        cells = [f"C{i:06d}", f"Name {i}", note, mobile, email, "Pune"]
        if header_pii:
            cells.append("x")
        if mobile:
            planted.append((line, i, "PHONE_NUMBER"))
        if email:
            planted.append((line, i, "EMAIL_ADDRESS"))
        row = delimiter.join(cells)
        lines.append(row)
        line += row.count("\n") + 1
    return Export((newline.join(lines) + newline).encode(), records, planted)
