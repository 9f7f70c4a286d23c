"""What every part of the generator shares: the Faker check (the samples extra), the sizes and
shares of each kind of file, the lake statistics and the errors."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from detectors.errors import PiisweepError

# Faker is the `samples` extra, not a dependency of the wheel executors install: this module
# is the only runtime code that needs it (detectors.names ships Faker's name lists).
NEEDS_FAKER = (
    "sample-lake needs Faker, which piisweep does not install by default: "
    "pip install 'piisweep[samples]'"
)


class SamplesExtraMissing(PiisweepError):
    """Faker is not installed; the message says what to install."""


MB = 1_000_000
# 2024-03-11 00:00:00 IST; the lake's first day.
EPOCH0 = calendar.timegm((2024, 3, 10, 18, 30, 0))
IST = 19800
DAY = 86400

# Share of the on-disk size per kind of file. Compressed kinds cost several times their
# share in generated text, so they stay a modest part of the lake.
SHARES: tuple[tuple[str, float], ...] = (
    ("ingress-log", 0.47),
    ("ingress-log-gz", 0.018),
    ("partner-log-gz", 0.022),
    ("payloads-jsonl", 0.14),
    ("payloads-jsonl-zst", 0.006),
    ("payloads-jsonl-bz2", 0.002),
    ("payloads-json", 0.01),
    ("customers-csv", 0.11),
    ("customers-tsv", 0.025),
    ("orders-parquet", 0.197),
)
# Largest file per kind before another one is started (bytes on disk).
MAX_FILE = {
    "ingress-log": 16 * MB,
    "ingress-log-gz": 4 * MB,
    "payloads-jsonl": 8 * MB,
    "customers-csv": 16 * MB,
    "orders-parquet": 32 * MB,
}
DEFAULT_RATIO = {None: 1.0, "gzip": 6.0, "zstd": 7.0, "bz2": 8.0}


class SampleLakeError(PiisweepError):
    """The lake cannot be written where asked (non-empty directory, truth file inside it)."""


@dataclass
class LakeStats:
    """What ``generate_lake`` wrote."""

    root: str
    seed: int
    size_mb: float
    files: int = 0
    bytes: int = 0
    uncompressed_bytes: int = 0
    log_lines: int = 0
    log_lines_with_pii: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    bytes_by_kind: Counter[str] = field(default_factory=Counter)
    planted: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "seed": self.seed,
            "size_mb": self.size_mb,
            "files": self.files,
            "bytes": self.bytes,
            "mb": round(self.bytes / MB, 3),
            "uncompressed_bytes": self.uncompressed_bytes,
            "log_lines": self.log_lines,
            "log_lines_with_pii": self.log_lines_with_pii,
            "log_pii_line_rate": round(self.log_lines_with_pii / max(1, self.log_lines), 4),
            "files_by_kind": dict(sorted(self.by_kind.items())),
            "bytes_by_kind": dict(sorted(self.bytes_by_kind.items())),
            "planted_total": sum(self.planted.values()),
            "planted_by_entity": dict(sorted(self.planted.items())),
        }
