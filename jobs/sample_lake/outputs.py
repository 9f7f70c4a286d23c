"""Writing the lake: files by kind under the root, text outputs rotated by size, compression
with fixed headers, ground truth rows."""

from __future__ import annotations

import bz2
import gzip
import json
import random
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from jobs.sample_lake.base import DEFAULT_RATIO, LakeStats
from jobs.sample_lake.clock import Clock
from jobs.sample_lake.values import Values


class Lake:
    """Shared state: where files go, statistics, the truth file."""

    def __init__(self, root: Path, seed: int, size_mb: float, truth: BinaryIO | None) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.v = Values(self.rng)
        self.clock = Clock()
        self.stats = LakeStats(root=str(root), seed=seed, size_mb=size_mb)
        self._truth = truth
        self.truth_on = truth is not None
        self._encode = json.JSONEncoder(ensure_ascii=False).encode
        self._rows: list[str] = []
        self.customers = 0

    def plant(
        self,
        rel: str,
        entity: str,
        value: str,
        line: int | None,
        record: int | None,
        fld: str | None,
    ) -> None:
        """Count a planted value and list it in the truth file (when there is one)."""
        self.stats.planted[entity] += 1
        if self.truth_on:
            self.record(rel, entity, value, line, record, fld)

    def record(
        self,
        rel: str,
        entity: str,
        value: str,
        line: int | None,
        record: int | None,
        fld: str | None,
    ) -> None:
        """List a planted value in the truth file (the caller counts it)."""
        self._rows.append(
            self._encode(
                {
                    "uri_suffix": rel,
                    "entity_type": entity,
                    "value": value,
                    "line_number": line,
                    "record_index": record,
                    "field": fld,
                }
            )
        )
        if len(self._rows) >= 50_000:
            self.flush_truth()

    def flush_truth(self) -> None:
        if self._truth is not None and self._rows:
            self._truth.write(("\n".join(self._rows) + "\n").encode("utf-8"))
            self._rows.clear()

    def done(self, kind: str, path: Path, raw: int) -> None:
        size = path.stat().st_size
        self.stats.files += 1
        self.stats.bytes += size
        self.stats.uncompressed_bytes += raw
        self.stats.by_kind[kind] += 1
        self.stats.bytes_by_kind[kind] += size


class TextOut:
    """A line-oriented file (plain, gzip, bz2 or zstd) written in blocks.

    ``line`` is the 1-based number of the line being built, so a factory plants its values
    before it hands the line over. The on-disk size of a compressed file is estimated from
    the compression ratio of its first block."""

    def __init__(
        self,
        lake: Lake,
        kind: str,
        rel: str,
        codec: str | None = None,
        record_offset: int | None = None,
        is_log: bool = False,
    ) -> None:
        self.lake, self.kind, self.rel, self.codec = lake, kind, rel, codec
        self.path = lake.root / rel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = self.path.open("wb")
        self._stream: Any
        if codec == "gzip":
            self._stream = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=6, mtime=0
            )
        elif codec == "bz2":
            self._stream = bz2.BZ2File(self._raw, "wb", compresslevel=9)
        elif codec == "zstd":
            self._stream = pa.CompressedOutputStream(pa.PythonFile(self._raw, mode="w"), "zstd")
        else:
            self._stream = self._raw
        self.record_offset = record_offset
        self.is_log = is_log
        self.line = 1
        self.raw_bytes = 0
        self.ratio = DEFAULT_RATIO[codec]
        self._measured = codec is None
        self._buf: list[str] = []
        self._pending = 0
        self._pii_line = 0
        self.pii_lines = 0

    def plant(self, entity: str, value: str, fld: str | None = None) -> None:
        rec = None if self.record_offset is None else self.line - self.record_offset
        self.lake.plant(self.rel, entity, value, self.line, rec, fld)
        if self._pii_line != self.line:
            self._pii_line = self.line
            self.pii_lines += 1

    def add(self, text: str) -> None:
        self._buf.append(text)
        self._pending += len(text) + 1
        self.line += 1

    def lines(self) -> int:
        return self.line - 1

    def disk_estimate(self) -> float:
        return (self.raw_bytes + self._pending) / self.ratio

    def avg_line(self) -> float:
        return (self.raw_bytes + self._pending) / max(1, self.line - 1) if self.line > 1 else 300.0

    def flush(self) -> None:
        if not self._buf:
            return
        data = ("\n".join(self._buf) + "\n").encode("utf-8")
        self._buf.clear()
        self._pending = 0
        if not self._measured:
            self.ratio = len(data) / max(1, len(_compress(self.codec, data)))
            self._measured = True
        self.raw_bytes += len(data)
        self._stream.write(data)

    def close(self) -> None:
        self.flush()
        self._stream.close()
        if not self._raw.closed:
            self._raw.close()
        self.lake.done(self.kind, self.path, self.raw_bytes)
        if self.is_log:
            self.lake.stats.log_lines += self.lines()
            self.lake.stats.log_lines_with_pii += self.pii_lines
        self.lake.flush_truth()


def _compress(codec: str | None, data: bytes) -> bytes:
    if codec == "gzip":
        return zlib.compress(data, 6)
    if codec == "bz2":
        return bz2.compress(data, 9)
    if codec == "zstd":
        return pa.compress(data, "zstd", asbytes=True)
    return data


Factory = Callable[[TextOut], str]


def table(pairs: Sequence[tuple[Factory, float]]) -> tuple[list[Factory], list[float]]:
    funcs, cum, total = [], [], 0.0
    for f, w in pairs:
        total += w
        funcs.append(f)
        cum.append(total)
    return funcs, cum


def fill(
    lake: Lake,
    out: TextOut,
    table: tuple[list[Factory], list[float]],
    target: float,
    t_end: float,
) -> None:
    """Add lines from the weighted factories until the file reaches ``target`` bytes on disk;
    the clock advances evenly towards ``t_end``."""
    funcs, cum = table
    rng, clock = lake.rng, lake.clock
    first = True
    while first or out.disk_estimate() < target:
        remaining = (target - out.disk_estimate()) * out.ratio / out.avg_line()
        n = 256 if first else int(min(4096, max(8, remaining)))
        first = False
        lines_left = max(16.0, remaining)
        step = max(0.0, (t_end - clock.t) / lines_left) * 2
        r = rng.random
        for f in rng.choices(funcs, cum_weights=cum, k=n):
            clock.t += r() * step
            out.add(f(out))
        out.flush()
