"""``piisweep redact-records``: a CSV of JSON records in, the same records redacted out.

    piisweep redact-records INPUT.csv --out OUTPUT.csv [--policy P] [--master M]

Input columns ``record_id, data_json`` (a JSON value per record, usually an object);
output ``record_id, redacted_data_json, is_pii``, one row per input row, in input order.
Every record goes through ``detectors.records.process_json_text``: judged under the
policy's record rules, malformed JSON repaired when the repair is unambiguous and
otherwise redacted as text into ``{"_unparsed": ...}``. A record never goes out raw: one
that cannot be processed at all is withheld (``{"_withheld": ...}``, ``is_pii`` True).

Small inputs run in this process, streaming; large ones (over ``--local-max-mb``, or
whenever ``--master`` is given) on Spark. The driver finds record boundaries with one
vectorised pass over the bytes (a newline outside quotes: an even number of ``"`` before
it, which holds for RFC 4180 escaping), cuts the file into units of about ``--unit-mb``,
and each Spark task redacts one unit into its own part; the parts are concatenated in
order. Both modes write the same bytes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import numpy as np

from detectors.config import DEFAULT_ENGINE, load_engine
from detectors.engine import Engine
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.recordrules import RecordRules
from detectors.records import process_json_text, rules_of
from jobs import storage

log = logging.getLogger("piisweep.records")
MB = 1 << 20
OUTPUT_COLUMNS = ("record_id", "redacted_data_json", "is_pii")
ID_COLUMN, DATA_COLUMN = "record_id", "data_json"
FIELD_LIMIT = 1 << 30  # csv's default 128 KiB per cell is too small for real records
_SCAN_CHUNK = 8 << 20
WITHHELD = {"_withheld": "record could not be processed; nothing of it is written"}


class RecordsError(PiisweepError):
    """The input or output cannot be used; the message names it, never a record."""


@dataclass
class RecordsRequest:
    """One ``redact-records`` run, as the CLI or a notebook asks for it."""

    input: str
    out: str
    policy_path: str | None = None
    conf_dir: str | None = None
    threshold: float | None = None
    engine: str = DEFAULT_ENGINE  # "native" (the compiled core) or "python" (the reference)
    mode: str = "auto"  # auto | local | spark
    master: str | None = None
    local_max_mb: float = 64.0
    unit_mb: float = 32.0


@dataclass
class Counts:
    rows: int = 0
    pii: int = 0
    repaired: int = 0
    unparsed: int = 0
    withheld: int = 0

    def add(self, other: Counts) -> None:
        for name in ("rows", "pii", "repaired", "unparsed", "withheld"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RecordsResult:
    mode: str
    units: int
    seconds: float
    counts: Counts = field(default_factory=Counts)

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "units": self.units,
            "seconds": self.seconds,
            **asdict(self.counts),
        }


@dataclass
class Context:
    """What processing a record needs; built on the driver, pickled to Spark tasks."""

    engine: Engine
    policy: Policy
    keys: KeyRing
    # Names this run's engine in a Spark worker's cache (jobs.worker), so only the first
    # task in each Python worker compiles the trigger scanner.
    token: str = ""

    @property
    def rules(self) -> RecordRules:
        return rules_of(self.policy)


def build_context(
    policy_path: str | None,
    conf_dir: str | None,
    threshold: float | None,
    engine: str = DEFAULT_ENGINE,
) -> Context:
    policy = Policy.load(policy_path) if policy_path else Policy.default()
    if threshold is not None:
        policy = policy.with_threshold(threshold)
    keys = KeyRing.load()
    policy.check_keys(keys)
    detector_engine = load_engine(
        Path(conf_dir) if conf_dir else None, threshold=policy.threshold, engine=engine
    )
    policy.check_entities(detector_engine.entity_types)
    return Context(detector_engine, policy, keys)


# ------------------------------------------------------------------------- one row
class RowProcessor:
    """Turns input rows into output rows; the same code in both modes."""

    def __init__(self, ctx: Context, header: Sequence[str]) -> None:
        names = [h.strip().lstrip("\ufeff").lower() for h in header]
        missing = [c for c in (ID_COLUMN, DATA_COLUMN) if c not in names]
        if missing:
            shown = ", ".join(repr(h[:40]) for h in header[:10])
            raise RecordsError(
                f"input needs columns {ID_COLUMN} and {DATA_COLUMN}; "
                f"missing {', '.join(missing)} (header: {shown})"
            )
        self.ctx = ctx
        self.rules = ctx.rules
        self.width = len(header)
        self.id_at = names.index(ID_COLUMN)
        self.data_at = names.index(DATA_COLUMN)
        self.counts = Counts()

    def __call__(self, row: list[str]) -> list[str]:
        if len(row) > self.width and self.data_at == self.width - 1:
            # An unquoted JSON cell split at its commas: the extra cells are its rest.
            row = [*row[: self.width - 1], ",".join(row[self.width - 1 :])]
        record_id = row[self.id_at] if self.id_at < len(row) else ""
        data = row[self.data_at] if self.data_at < len(row) else ""
        self.counts.rows += 1
        try:
            result = process_json_text(
                self.ctx.engine, data, self.ctx.policy, self.ctx.keys, self.rules
            )
            text, is_pii = result.json(), result.is_pii
            self.counts.repaired += result.status == "repaired"
            self.counts.unparsed += result.status == "unparsed"
        except Exception as exc:  # a bug must cost this record's content, never leak it
            log.warning("record %d withheld: %s", self.counts.rows, type(exc).__name__)
            text, is_pii = json.dumps(WITHHELD), True
            self.counts.withheld += 1
        self.counts.pii += is_pii
        return [record_id, text, "True" if is_pii else "False"]


def _writer(out: TextIO) -> Any:
    return csv.writer(out, lineterminator="\n")


def process_rows(rows: Iterable[list[str]], processor: RowProcessor, out: TextIO) -> None:
    """Redact ``rows`` (header excluded) into ``out``; blank lines are not records."""
    write = _writer(out).writerow
    for row in rows:
        if row:
            write(processor(row))


def _csv_reader(text: TextIO) -> Iterator[list[str]]:
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    return csv.reader(text)


# ------------------------------------------------------------------------- entry point
def redact_records(request: RecordsRequest, spark: Any = None) -> RecordsResult:
    """Run one request; ``spark`` (a session) forces Spark mode on that session."""
    started = time.time()
    ctx = build_context(request.policy_path, request.conf_dir, request.threshold, request.engine)
    s3 = storage.S3Settings.from_env()
    mode = _choose_mode(request, s3, spark)
    if mode == "local":
        counts = _run_local(request, ctx, s3)
        units = 1
    else:
        counts, units = _run_spark(request, ctx, s3, spark)
    return RecordsResult(mode, units, round(time.time() - started, 3), counts)


def _is_stream(path: str) -> bool:
    return path == "-"


def _choose_mode(request: RecordsRequest, s3: storage.S3Settings, spark: Any) -> str:
    if request.mode not in ("auto", "local", "spark"):
        raise RecordsError(f"--mode: expected auto, local or spark (got {request.mode!r})")
    streams = _is_stream(request.input) or _is_stream(request.out)
    if request.mode == "spark" or spark is not None:
        if streams:
            raise RecordsError("Spark mode reads and writes files or URIs, not - (stdin/stdout)")
        return "spark"
    if request.mode == "local" or _is_stream(request.input):
        return "local"
    if request.master:
        return "local" if streams else "spark"
    size = _size(request.input, s3)
    return "spark" if size > request.local_max_mb * MB and not streams else "local"


def _size(uri: str, s3: storage.S3Settings) -> int:
    loc = storage.parse_uri(uri)
    if loc.scheme == "file":
        try:
            return os.path.getsize(loc.path)
        except OSError:
            raise RecordsError(f"input not found: {uri}") from None
    fs, path = storage.filesystem(loc, s3)
    info = fs.get_file_info(path)
    if info.size is None:
        raise RecordsError(f"input not found: {uri}")
    return int(info.size)


_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zX", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))


def _open_input(uri: str, s3: storage.S3Settings) -> tuple[BinaryIO, str | None]:
    """A binary stream of the input (path, URI or ``-``), decompressed when its magic bytes
    say so, and that compression (None: the stream is the raw, seekable file)."""
    if _is_stream(uri):
        from jobs.localfiles import open_input

        stream, _ = open_input(uri)
        return stream, None
    loc = storage.parse_uri(uri)
    raw: Any
    if loc.scheme == "file":
        try:
            raw = open(loc.path, "rb")  # noqa: SIM115 - returned to the caller
        except OSError as exc:
            raise RecordsError(f"cannot read input {uri}: {exc.strerror}") from None
        head = raw.peek(4)[:4]
    else:
        raw = storage.open_sequential(loc.uri, s3)
        head = raw.read(4)
        raw.seek(0)
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    from jobs.readers import decompressed

    return decompressed(raw, kind), kind


class _Output:
    """The output file: a temporary local file moved into place (or uploaded) on success,
    so a failed run never leaves a half-written output; ``-`` is stdout."""

    def __init__(self, out: str, s3: storage.S3Settings) -> None:
        self.out, self.s3 = out, s3
        self.tmpdir = tempfile.mkdtemp(prefix="piisweep-records-")
        self.path = os.path.join(self.tmpdir, "out.csv")

    def open(self) -> TextIO:
        if _is_stream(self.out):
            return io.TextIOWrapper(
                sys.stdout.buffer,
                encoding="utf-8",
                errors="surrogateescape",
                newline="",
                write_through=True,
            )
        return open(self.path, "w", encoding="utf-8", errors="surrogateescape", newline="")

    def commit(self) -> None:
        if not _is_stream(self.out):
            storage.write_file(self.path, storage.parse_uri(self.out).uri, self.s3)

    def close(self) -> None:
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _run_local(request: RecordsRequest, ctx: Context, s3: storage.S3Settings) -> Counts:
    stream, _ = _open_input(request.input, s3)
    output = _Output(request.out, s3)
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        reader = _csv_reader(text)
        header = next(reader, None)
        if header is None:
            raise RecordsError(f"input is empty: {request.input}")
        processor = RowProcessor(ctx, header)
        out = output.open()
        try:
            _writer(out).writerow(OUTPUT_COLUMNS)
            process_rows(reader, processor, out)
        except csv.Error as exc:
            raise RecordsError(
                f"input is not readable CSV after {processor.counts.rows} rows "
                f"({type(exc).__name__})"
            ) from None
        finally:
            out.flush()
            if _is_stream(request.out):
                out.detach()  # leave sys.stdout open
            else:
                out.close()
        output.commit()
        return processor.counts
    finally:
        stream.close()
        output.close()


# ------------------------------------------------------------------------- Spark mode
@dataclass
class Unit:
    seq: int
    start: int
    end: int  # -1: to the end (a compressed input is one unit)


def plan_units(
    stream: BinaryIO, unit_bytes: int, chunk: int = _SCAN_CHUNK
) -> tuple[bytes, list[Unit]]:
    """The header record's bytes and units of whole records of about ``unit_bytes``.

    A record ends at a newline with an even number of ``"`` before it. If the quotes never
    balance (a malformed file), the whole body is one unit: csv would read it as one
    stream anyway, and a cut inside a quoted field would change how it parses.
    """
    header_end = -1
    head = bytearray()
    cuts: list[int] = []
    parity = 0
    offset = 0
    target = -1
    while True:
        block = stream.read(chunk)
        if not block:
            break
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = np.cumsum(arr == 34, dtype=np.int64)
        even = ((quotes + parity) & 1) == 0
        ends = np.flatnonzero((arr == 10) & even) + offset + 1  # record ends (exclusive)
        if header_end < 0:
            head += block
            if len(ends):
                header_end = int(ends[0])
                target = header_end + unit_bytes
                del head[header_end:]
        if header_end >= 0 and len(ends):
            while True:
                k = int(np.searchsorted(ends, target))
                if k >= len(ends):
                    break
                cuts.append(int(ends[k]))
                target = int(ends[k]) + unit_bytes
        parity = int((quotes[-1] + parity) & 1) if len(quotes) else parity
        offset += len(block)
    total = offset
    if header_end < 0:  # one line, no newline: a header and nothing else
        return bytes(head), []
    if parity:
        cuts = []
    bounds = [header_end, *[c for c in cuts if header_end < c < total], total]
    spans = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    return bytes(head), [Unit(i, a, b) for i, (a, b) in enumerate(spans)]


def _parse_header(head: bytes) -> list[str]:
    text = head.decode("utf-8", "surrogateescape")
    row = next(_csv_reader(io.StringIO(text, newline="")), None)
    if not row:
        raise RecordsError("input has no header row")
    return row


def _run_spark(
    request: RecordsRequest, ctx: Context, s3: storage.S3Settings, spark: Any
) -> tuple[Counts, int]:
    uri = storage.parse_uri(request.input).uri
    ctx = Context(ctx.engine, ctx.policy, ctx.keys, token=secrets.token_hex(8))
    stream, compression = _open_input(uri, s3)
    try:
        if compression is None:
            head, units = plan_units(stream, max(1, int(request.unit_mb * MB)))
        else:  # not splittable: one task reads it through the decompressor
            head = stream.readline()
            units = [Unit(0, len(head), -1)]
    finally:
        stream.close()
    if not head:
        raise RecordsError(f"input is empty: {request.input}")
    header = _parse_header(head)
    RowProcessor(ctx, header)  # fail on a bad header before Spark starts
    out_uri = storage.parse_uri(request.out).uri
    staging = f"{out_uri}.parts-{secrets.token_hex(4)}"
    from jobs.spark import session

    spark = spark or session(request.master)
    try:
        counts = _spark_units(spark, units, uri, compression, header, ctx, s3, staging)
        _assemble(units, staging, out_uri, s3)
    finally:
        storage.delete_tree(staging, s3)
    return counts, len(units)


_STATS = ("seq", "rows", "pii", "repaired", "unparsed", "withheld")


def _spark_units(
    spark: Any,
    units: list[Unit],
    uri: str,
    compression: str | None,
    header: list[str],
    ctx: Context,
    s3: storage.S3Settings,
    staging: str,
) -> Counts:
    import pyarrow as pa

    if not units:
        return Counts()
    sc = spark.sparkContext
    rows = [(u.seq, u.start, u.end) for u in units]
    df = spark.createDataFrame(sc.parallelize(rows, len(rows)), "seq long, start long, end long")
    schema = pa.schema([(name, pa.int64()) for name in _STATS])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        done = []
        for batch in batches:
            columns = (batch.column(i).to_pylist() for i in range(3))
            for seq, start, end in zip(*columns, strict=True):
                counts = _redact_unit(
                    Unit(seq, start, end), uri, compression, header, ctx, s3, staging
                )
                done.append({"seq": seq, **asdict(counts)})
        yield pa.RecordBatch.from_pylist(done, schema=schema)

    sc.setJobDescription(f"piisweep redact-records: {len(units)} units")
    try:
        stats = df.mapInArrow(run, ", ".join(f"{n} bigint" for n in _STATS)).toArrow().to_pylist()
    finally:
        sc.setJobDescription(None)
    missing = {u.seq for u in units} - {s["seq"] for s in stats}
    if missing:  # cannot happen unless Spark lost output; never write a partial file
        raise RecordsError(f"{len(missing)} units have no output; nothing written")
    total = Counts()
    for s in stats:
        total.add(Counts(**{k: s[k] for k in _STATS if k != "seq"}))
    return total


def _redact_unit(
    unit: Unit,
    uri: str,
    compression: str | None,
    header: list[str],
    ctx: Context,
    s3: storage.S3Settings,
    staging: str,
) -> Counts:
    """A Spark task's work: the records of one unit, redacted into its own part."""
    if ctx.token:
        from jobs.worker import worker_engine

        ctx = Context(worker_engine(ctx.token, ctx.engine), ctx.policy, ctx.keys, ctx.token)
    processor = RowProcessor(ctx, header)
    tmp = tempfile.mkdtemp(prefix="piisweep-records-")
    try:
        stream, _ = _open_input(uri, s3)
        try:
            if compression is None:
                stream.seek(unit.start)
                data = stream.read(unit.end - unit.start)
                text: TextIO = io.StringIO(data.decode("utf-8", "surrogateescape"), newline="")
            else:
                stream.readline()  # the header
                text = io.TextIOWrapper(
                    stream, encoding="utf-8", errors="surrogateescape", newline=""
                )
            path = os.path.join(tmp, "part.csv")
            with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
                try:
                    process_rows(_csv_reader(text), processor, out)
                except csv.Error as exc:
                    raise RecordsError(
                        f"unit {unit.seq} is not readable CSV ({type(exc).__name__})"
                    ) from None
        finally:
            stream.close()
        storage.write_file(path, f"{staging}/part-{unit.seq:06d}.csv", s3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return processor.counts


def _assemble(units: list[Unit], staging: str, out_uri: str, s3: storage.S3Settings) -> None:
    """The output: the header, then every unit's part in order."""
    tmp = tempfile.mkdtemp(prefix="piisweep-records-")
    try:
        path = os.path.join(tmp, "out.csv")
        with open(path, "wb") as out:
            buf = io.StringIO()
            _writer(buf).writerow(OUTPUT_COLUMNS)
            out.write(buf.getvalue().encode())
            for unit in units:
                with storage.open_input(f"{staging}/part-{unit.seq:06d}.csv", s3) as part:
                    while chunk := part.read(_SCAN_CHUNK):
                        out.write(chunk)
        storage.write_file(path, out_uri, s3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
