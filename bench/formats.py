"""CPU per record of each reader, the scan task's code path without Spark (issue #14).

Each object of a generated sample lake is scanned as one unit by
``jobs.unit_scan.scan_unit`` in this process — the function a Spark task calls — and the
process CPU time is charged to the object's format: plain text logs (gzip too), JSON Lines
(zstd, bz2 too), JSON documents, CSV/TSV and Parquet. The best of ``--runs`` runs per object
is kept, so a busy machine inflates the figures less. Printed per format: records, findings,
µs of CPU per record and per finding, MB/s of decompressed input per core.

    python -m bench.formats                    # 50 MB lake, seed 7
    python -m bench.formats --size-mb 20 --runs 3 --json bench/results/formats-latest.json

To compare two commits, run it from each checkout (``PYTHONPATH=<checkout>``) on the same
lake: the lake is cached under ``bench/data`` by size, seed and generator digest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.lakes import REPO, ensure_lake

MB = 1_000_000


def _kind(path: Path) -> str | None:
    """The reader an object goes through, by the name the scan dispatches on."""
    from jobs.formats import from_name

    if path.name.startswith(("_", ".")):
        return None  # bookkeeping (_SUCCESS): the crawl lists it as skipped, never reads it
    fmt = from_name(path.name).fmt or "text"  # no known suffix: sniffed; the lake's are logs
    return "csv" if fmt == "tsv" else fmt


def scan_once(path: Path, work: Path) -> tuple[float, dict[str, Any]]:
    """CPU seconds of one whole-object scan and the unit's status row."""
    from detectors.keys import KeyRing
    from detectors.native import NativeEngine
    from detectors.policy import Policy
    from jobs import storage
    from jobs.formats import from_name
    from jobs.plan import Unit
    from jobs.unit_scan import FindingsSink, ScanJob, scan_unit

    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    job = ScanJob(
        engine=_engine(NativeEngine),
        policy=Policy.default(),
        keys=KeyRing(fingerprint_key=b"f" * 32, token_key=b"t" * 32),
        s3=storage.S3Settings.from_env({}),
        staging=str(work / "staging"),
        scan_id="bench",
    )
    kind = from_name(path.name)
    size = path.stat().st_size
    unit = Unit(path.resolve().as_uri(), kind.fmt, kind.compression, 0, 1, 0, -1, size)
    sink = FindingsSink(str(work / "tmp"), job.keys.fingerprint_key, job.scan_id)
    t0 = time.process_time()
    status = scan_unit(unit, job, sink, str(work / "tmp"))
    sink.close()
    return time.process_time() - t0, status.as_row()


_ENGINES: dict[str, Any] = {}


def _engine(cls: Any) -> Any:
    if "e" not in _ENGINES:
        _ENGINES["e"] = cls.default()
    return _ENGINES["e"]


def measure(root: Path, runs: int) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    work = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    try:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            kind = _kind(path)
            if kind is None:
                continue
            best, row = min((scan_once(path, work) for _ in range(runs)), key=lambda r: r[0])
            if row["status"] != "ok":
                print(f"  {path.name}: {row['status']} ({row.get('reason')})")
                continue
            t = totals[kind]
            t["objects"] += 1
            t["cpu_seconds"] += best
            t["records"] += row["records"] or 0
            t["findings"] += row["findings"] or 0
            t["bytes_read"] += row["bytes_read"] or 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = {}
    for kind, t in sorted(totals.items()):
        cpu, rec, fnd = t["cpu_seconds"], t["records"], t["findings"]
        out[kind] = {
            "objects": int(t["objects"]),
            "records": int(rec),
            "findings": int(fnd),
            "cpu_seconds": round(cpu, 3),
            "us_per_record": round(cpu / rec * 1e6, 2) if rec else None,
            "us_per_finding": round(cpu / fnd * 1e6, 2) if fnd else None,
            "mb_per_cpu_s": round(t["bytes_read"] / MB / cpu, 2)
            if cpu and t["bytes_read"]
            else None,
        }
    return out


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    root, stats = ensure_lake(args.size_mb, args.seed)
    per_format = measure(root, args.runs)
    print(
        f"{'format':8} {'objects':>7} {'records':>9} {'findings':>9} {'µs/record':>10} "
        f"{'µs/finding':>10} {'MB/cpu-s':>9}"
    )
    for kind, r in per_format.items():
        print(
            f"{kind:8} {r['objects']:>7} {r['records']:>9} {r['findings']:>9} "
            f"{r['us_per_record'] or '-':>10} {r['us_per_finding'] or '-':>10} "
            f"{r['mb_per_cpu_s'] or '-':>9}"
        )
    if args.json:
        doc = {
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": "python -m bench.formats "
            + f"--size-mb {args.size_mb:g} --seed {args.seed} --runs {args.runs}",
            "code": _commit(),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "lake": {"root": stats.get("root"), "mb": stats.get("mb"), "seed": args.seed},
            "per_format": per_format,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
