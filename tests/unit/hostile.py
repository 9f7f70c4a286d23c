"""Running one object through ``jobs.unit_scan.scan_unit`` without Spark, for the
hostile-input tests: the task's code path exactly, with its staged part and findings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.native import NativeEngine
from detectors.policy import Policy
from jobs import storage
from jobs.findings import final_findings
from jobs.formats import from_name
from jobs.plan import Unit
from jobs.unit_scan import FindingsSink, ScanJob, UnitStatus, scan_unit

KEYS = KeyRing(fingerprint_key=b"f" * 32, token_key=b"t" * 32)
_ENGINE: list[NativeEngine] = []


def count_calls(m: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """``owner.name`` replaced, through ``m``, by a wrapper that calls it and counts each
    call in the returned list: how a test checks which of two paths ran."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counted(*a: Any, **k: Any) -> Any:
        calls.append(1)
        return real(*a, **k)

    m.setattr(owner, name, counted)
    return calls


def engine() -> NativeEngine:
    if not _ENGINE:
        _ENGINE.append(NativeEngine.default())
    return _ENGINE[0]


@dataclass
class Scanned:
    status: UnitStatus
    copy: pa.Table | None
    findings: pa.Table

    def out_bytes(self, staging: Path) -> bytes:
        """Every byte the scan wrote: the part (decompressed column values) and findings."""
        chunks = [str(self.findings.to_pylist()).encode("utf-8", "surrogateescape")]
        if self.copy is not None:
            chunks.append(str(self.copy.schema).encode())
            chunks.append(str(self.copy.to_pylist()).encode("utf-8", "surrogateescape"))
        for root, _, files in os.walk(staging):
            for f in files:
                chunks.append(Path(root, f).read_bytes())
        return b"\n".join(chunks)


def scan_path(
    path: Path,
    work: Path,
    *,
    policy: Policy | None = None,
    fmt: str | None = None,
    start: int = 0,
    end: int = -1,
    seq: int = 0,
    parts: int = 1,
    pin: storage.ObjectInfo | None = None,
    engine_: Engine | None = None,
    **job_args: Any,
) -> Scanned:
    """Scan ``path`` as one unit (or one byte range of it); the kind comes from its name.
    With ``pin`` (the crawl's entry of ``path``) the unit carries its real path and inode,
    as a scan's units of local files do. ``engine_``: another engine than the shared
    native one (the Python reference)."""
    kind = from_name(path.name)
    staging = work / "staging"
    tmp = work / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    job = ScanJob(
        engine=engine_ or engine(),
        policy=policy or Policy.default(),
        keys=KEYS,
        s3=storage.S3Settings.from_env({}),
        staging=str(staging),
        scan_id="hostile",
        **job_args,
    )
    size = pin.size if pin is not None else path.stat().st_size
    unit = Unit(
        pin.uri if pin is not None else path.resolve().as_uri(),
        fmt or kind.fmt,
        kind.compression,
        seq,
        parts,
        start,
        end if end >= 0 else (size if parts > 1 else -1),
        size,
        real_path=pin.real_path if pin is not None else None,
        dev=pin.dev if pin is not None else None,
        ino=pin.ino if pin is not None else None,
    )
    sink = FindingsSink(str(tmp), job.keys.fingerprint_key, job.scan_id)
    status = scan_unit(unit, job, sink, str(tmp))
    path_, renumbered = sink.close()
    findings = pq.read_table(path_)
    if renumbered is not None:  # a byte range after the first: numbered from its own start
        later = final_findings(pq.read_table(renumbered), job.scan_id)
        findings = pa.concat_tables([findings, later])
    part = staging / "redacted" / f"{unit.unit_id}.parquet"
    copy = pq.read_table(part) if part.exists() else None
    return Scanned(status, copy, findings)
