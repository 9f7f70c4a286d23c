"""Work units and their balance across Spark partitions.

A unit is the smallest piece of one object a task scans on its own: a line-aligned byte
range of an uncompressed text or JSON Lines file, a record-aligned byte range of an
uncompressed CSV/TSV file (its cuts chosen by ``jobs.csvsplit`` from a pre-pass on the
executors, since a quoted field may span lines), a run of row groups of a Parquet file, or
a whole object when the format cannot be split (a gzip stream, a JSON document). Units are
sized around ``unit_bytes`` so one huge object does not keep one core busy while the others
idle, and packed into partitions largest first (LPT), which keeps every partition within
about one unit of the mean.

"Largest" is by estimated cost, not stored bytes: scanning time follows the number of
candidate values, and a byte of a compressed stream or of a CSV/Parquet export holds many
more of them than a byte of a plain log (measured on the sample lake: an export costs 25–35
times the CPU per stored byte of a log, a gzip log about 4 times, a JSON Lines payload about
5 times, a JSON document 7 to 35 times). ``cost`` weighs bytes by format family with round
factors below; it orders and sizes work, it promises nothing.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jobs.formats import Kind, binary_reason, compression_of, content_format, from_name

DEFAULT_UNIT_BYTES = 64 << 20
SNIFF_BYTES = 64 << 10
# Cost per stored byte relative to an uncompressed log (see the module doc): a compressed
# stream expands several times; every cell of a tabular export is a field value that the
# field detectors read, where a log has a candidate in a few percent of its lines.
COMPRESSED_WEIGHT = 4
TABULAR_WEIGHT = 8
# Every value of a JSON Lines record is a field value under a key, as in an export, but keys
# and punctuation take much of its bytes. A JSON document is one unit whatever its size (it
# cannot be cut) and is parsed whole: weighed as a log, it was packed last and left one core
# scanning it alone at the end of the lake's scan on two cores. Its records cost about 7
# times a log byte on the array path and 35 times under rules that judge a record whole.
# These two only order the work: a JSON Lines object is still cut into ranges of
# ``unit_bytes`` stored bytes, as a log is.
JSON_LINES_WEIGHT = 4
JSON_DOCUMENT_WEIGHT = 16
_TABULAR = ("csv", "tsv", "parquet")
_DELIMITED = ("csv", "tsv")
CUTS_PENDING = -1  # Unit.header_end of a candidate CSV/TSV range (see jobs.csvsplit)


def weight(fmt: str | None, compression: str | None) -> int:
    """Estimated scan cost of one stored byte of this kind, in plain-log bytes."""
    if fmt in _TABULAR:
        w = TABULAR_WEIGHT
    elif fmt == "jsonl":
        w = JSON_LINES_WEIGHT
    elif fmt == "json":
        w = JSON_DOCUMENT_WEIGHT
    else:
        w = 1
    return w * (COMPRESSED_WEIGHT if compression else 1)


@dataclass(frozen=True)
class ObjectEntry:
    """One crawled object as the manifest records it."""

    uri: str
    size: int
    mtime_ms: int
    etag: str | None
    fmt: str | None
    compression: str | None


@dataclass(frozen=True)
class Unit:
    """``start``/``end`` are byte offsets for line files and row-group indexes for Parquet;
    ``end`` is -1 for "to the end of the object". ``record_offset`` is the number of rows
    before the first row group (Parquet), so record indexes are absolute without a fix-up.
    ``header_end`` (a CSV/TSV byte range) is where the object's header record ends: every
    range reads ``[0, header_end)`` for its column names. :data:`CUTS_PENDING` marks a
    candidate range whose cuts are not chosen yet (``jobs.csvsplit``); no task sees one."""

    uri: str
    fmt: str | None
    compression: str | None
    seq: int
    parts: int
    start: int
    end: int
    size: int
    record_offset: int = 0
    header_end: int = 0
    # A local file's real path and (device, inode) from the crawl: the task opens exactly
    # that file (storage.open_pinned), never the listed path, which may be a link.
    real_path: str | None = None
    dev: int | None = None
    ino: int | None = None

    @property
    def unit_id(self) -> str:
        """Stable across runs and retries: staged outputs are named by it."""
        digest = hashlib.sha256(self.uri.encode("utf-8", "surrogateescape")).hexdigest()[:20]
        return f"{digest}-{self.seq:05d}"

    @property
    def byte_range(self) -> bool:
        return self.fmt != "parquet" and self.parts > 1

    @property
    def renumbered(self) -> bool:
        """Whether the commit adds the earlier ranges' lines and records to its findings: a
        byte range after its object's first (a Parquet unit carries its record offset)."""
        return self.byte_range and self.seq > 0

    @property
    def cost(self) -> int:
        """Estimated scan cost, in plain-log bytes (at least 1, so empty objects count)."""
        return max(self.size, 1) * weight(self.fmt, self.compression)


@dataclass(frozen=True)
class Skipped:
    """An object no task will open, with the reason."""

    uri: str
    reason: str


RowGroups = Callable[[str], Sequence[tuple[int, int]]]  # uri -> [(num_rows, bytes)]
Head = Callable[[str, int], bytes]  # uri, n -> first n bytes


def describe(uri: str, size: int, mtime_ms: int, etag: str | None, head: Head) -> ObjectEntry:
    """The manifest entry of one object; only a name that says nothing costs a read."""
    kind = from_name(uri)
    if kind.fmt is None and kind.compression is None and size > 0:
        raw = head(uri, 16)
        comp = compression_of(raw)
        if comp:
            kind = Kind(None, comp)
        elif raw.startswith(b"PAR1"):
            kind = Kind("parquet", None)
    return ObjectEntry(uri, size, mtime_ms, etag, kind.fmt, kind.compression)


def plan_units(
    objects: Sequence[ObjectEntry],
    *,
    unit_bytes: int = DEFAULT_UNIT_BYTES,
    max_object_bytes: int | None = None,
    row_groups: RowGroups,
    head: Head,
    split_csv: bool = False,
) -> tuple[list[Unit], list[Skipped]]:
    """Units for every object, in object order, and the objects skipped before scanning.

    With ``split_csv``, an uncompressed CSV/TSV of more than ``unit_bytes`` of estimated
    cost becomes candidate ranges of about that cost (``header_end`` :data:`CUTS_PENDING`),
    which ``jobs.csvsplit.csv_units`` turns into record-aligned units (or one whole unit)
    once the pre-pass has summarised them; without it, such an object is one unit."""
    units: list[Unit] = []
    skipped: list[Skipped] = []
    # A Parquet unit holds ``unit_bytes`` of estimated cost, so fewer stored bytes.
    parquet_bytes = max(1, unit_bytes // weight("parquet", None))
    csv_bytes = max(1, unit_bytes // weight("csv", None))
    for obj in objects:
        if max_object_bytes is not None and obj.size > max_object_bytes:
            skipped.append(
                Skipped(obj.uri, f"larger than --max-object-mb ({obj.size / 1e6:.1f} MB)")
            )
            continue
        if obj.fmt == "parquet" and obj.compression is None and obj.size > parquet_bytes:
            units += _parquet_units(obj, row_groups(obj.uri), parquet_bytes)
        elif (
            split_csv and obj.fmt in _DELIMITED and obj.compression is None and obj.size > csv_bytes
        ):
            units += _range_units(obj, obj.fmt, csv_bytes, CUTS_PENDING)
        elif _maybe_lines(obj) and obj.size > unit_bytes:
            fmt = obj.fmt
            if fmt in (None, "json"):  # decide once for all ranges, from the first bytes
                first = head(obj.uri, SNIFF_BYTES)
                fmt = None if binary_reason(first) else content_format(fmt, first)
                if fmt in (None, "json"):  # binary, or one JSON document: read whole
                    units.append(_whole(obj))
                    continue
            units += _range_units(obj, fmt, unit_bytes)
        else:
            units.append(_whole(obj))
    return units, skipped


def _maybe_lines(obj: ObjectEntry) -> bool:
    """Whether a large object may be cut into byte ranges of lines: text and JSON Lines,
    an unnamed object (sniffed), and a ``.json`` one, which is often JSON Lines
    (``jobs.formats.content_format``); uncompressed only."""
    return Kind(obj.fmt, obj.compression).splittable or (
        obj.fmt == "json" and obj.compression is None
    )


def _whole(obj: ObjectEntry) -> Unit:
    return Unit(obj.uri, obj.fmt, obj.compression, 0, 1, 0, -1, obj.size)


def _range_units(obj: ObjectEntry, fmt: str, unit_bytes: int, header_end: int = 0) -> list[Unit]:
    n = -(-obj.size // unit_bytes)
    step = -(-obj.size // n)
    bounds = [(i * step, min(obj.size, (i + 1) * step)) for i in range(n)]
    return [
        Unit(obj.uri, fmt, None, i, n, a, b, b - a, header_end=header_end)
        for i, (a, b) in enumerate(bounds)
    ]


def _parquet_units(
    obj: ObjectEntry, groups: Sequence[tuple[int, int]], unit_bytes: int
) -> list[Unit]:
    runs: list[tuple[int, int, int, int]] = []  # first group, end group, rows before, bytes
    first, rows_before, size, rows = 0, 0, 0, 0
    for i, (num_rows, nbytes) in enumerate(groups):
        if i > first and size + nbytes > unit_bytes:
            runs.append((first, i, rows_before, size))
            first, rows_before, size = i, rows, 0
        size += nbytes
        rows += num_rows
    if groups:
        runs.append((first, len(groups), rows_before, size))
    if len(runs) <= 1:
        return [_whole(obj)]
    return [
        Unit(obj.uri, "parquet", None, i, len(runs), a, b, size, rows_before)
        for i, (a, b, rows_before, size) in enumerate(runs)
    ]


def partition_count(units: Sequence[Unit], cores: int, partition_bytes: int) -> int:
    """How many partitions the scan of ``units`` gets on ``cores`` cores.

    As many as the work needs at ``partition_bytes`` of estimated cost each, so a task stays
    a few seconds long whatever the lake's size (a lost executor redoes little; a 1 TB lake
    is not squeezed into ``4 × cores`` huge tasks), but at least two per core while there
    are units enough, so cores that finish early have work to take; never more than there
    are units (an empty partition is a task for nothing).
    """
    total = sum(u.cost for u in units)
    wanted = max(2 * max(1, cores), -(-total // max(1, partition_bytes)))
    return max(1, min(len(units), wanted))


def assign(units: Sequence[Unit], partitions: int) -> list[list[Unit]]:
    """Units packed into at most ``partitions`` bins by estimated cost, costliest first onto
    the lightest bin; the bins are returned heaviest first.

    Spark launches a stage's tasks in partition order, so the heaviest bins start first and
    the light ones fill in the tail while the last heavy ones finish. Deterministic: ties
    go to the lower bin, and each bin keeps its units in plan order, so a retried task sees
    exactly the units of its first attempt.
    """
    partitions = max(1, min(partitions, len(units)))
    heap = [(0, b) for b in range(partitions)]
    bins: list[list[tuple[int, Unit]]] = [[] for _ in range(partitions)]
    order = sorted(range(len(units)), key=lambda i: (-units[i].cost, i))
    for i in order:
        load, b = heapq.heappop(heap)
        bins[b].append((i, units[i]))
        heapq.heappush(heap, (load + units[i].cost, b))
    loads = {b: load for load, b in heap}
    heaviest_first = sorted((b for b in range(partitions) if bins[b]), key=lambda b: -loads[b])
    return [[u for _, u in sorted(bins[b], key=lambda t: t[0])] for b in heaviest_first]
