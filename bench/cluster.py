"""Cluster benchmark: ``piisweep scan`` throughput on a Spark standalone cluster with one
worker and with two (one core each), started from the pyspark install on 127.0.0.1.

    python -m bench.cluster [--size-mb 200] [--seed 7] [--unit-mb 16] [--worker-memory 2g]
    make bench-cluster

1. A sample lake (``jobs.sample_lake.generate_lake``), cached in
   ``bench/data/lake-<size>mb-<seed>`` (shared with ``bench.scan``; regenerated when the
   generator's source or its data packages change).
2. For 1 and then 2 workers: a fresh cluster (master + N workers, ``--cores 1``); a one-file
   lake scanned first (its job seconds are the fixed cost: driver JVM, executors, Python
   workers, commit), then the lake. Each scan is the ``piisweep scan --master spark://…``
   CLI as its own process, so the figures hold everything an operator pays.
3. MB/s on decompressed bytes (the summary's ``bytes_scanned``) and on bytes listed, per
   job and net of the fixed cost; speed-up of two workers over one. Both lake scans must
   commit the same findings rows and the same redacted bytes.

Writes ``bench/results/cluster-latest.json``. The machine has 2 cores: the driver, master,
worker and executor JVMs and the Python workers all share them, so two 1-core workers cannot
reach a 2× speed-up here; on real nodes each worker brings its own cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
MB = 1_000_000

sys.path.insert(0, str(REPO / "tests" / "cluster"))
from scanrun import run_scan  # noqa: E402
from standalone import StandaloneCluster  # noqa: E402

from bench.lakes import ensure_lake  # noqa: E402


# ------------------------------------------------------------------------- inputs
def tiny_lake(root: Path) -> Path:
    """One small log: scanning it costs what any scan costs before and after the work."""
    tiny = root / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    lines = [f"2024-03-11T10:00:{i % 60:02d}Z INFO GET /v1/items/{i} 200" for i in range(200)]
    lines.append("2024-03-11T10:01:00Z INFO customer phone=9876543210")
    (tiny / "app.log").write_text("\n".join(lines) + "\n")
    return tiny


# ------------------------------------------------------------------------- runs
def scan_on_cluster(
    workers: int, lake: Path, tiny: Path, config: Path, work: Path, memory: str
) -> dict[str, Any]:
    root = work / f"workers-{workers}"
    with StandaloneCluster(root, workers=workers, cores=1, memory=memory) as cluster:
        env = cluster.env()
        t0 = time.perf_counter()
        startup = run_scan([str(tiny)], root / "tiny-out", "tiny", cluster.master_url, config, env)
        tiny_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = run_scan([str(lake)], root / "out", "bench", cluster.master_url, config, env)
        wall = time.perf_counter() - t0
        apps = cluster.state().get("completedapps", [])
    job_s, fixed_s = summary["seconds"], startup["seconds"]
    scanned, listed = summary["bytes_scanned"] / MB, summary["bytes_listed"] / MB
    net_s = max(job_s - fixed_s, 1e-9)
    return {
        "workers": workers,
        "cores_per_worker": 1,
        "worker_memory": memory,
        "out": str(root / "out"),
        "units": summary["units"],
        "objects_by_status": summary["objects_by_status"],
        "findings": summary["findings"],
        "mb_scanned": round(scanned, 1),
        "mb_listed": round(listed, 1),
        "job_seconds": round(job_s, 1),
        "process_wall_seconds": round(wall, 1),
        "startup_job_seconds": round(fixed_s, 1),
        "startup_process_wall_seconds": round(tiny_wall, 1),
        "net_seconds": round(net_s, 1),
        "mb_per_s": round(scanned / job_s, 2),
        "mb_per_s_listed": round(listed / job_s, 2),
        "mb_per_s_net": round(scanned / net_s, 2),
        "mb_per_s_per_worker": round(scanned / job_s / workers, 2),
        "applications": [{k: a.get(k) for k in ("id", "name", "cores", "duration")} for a in apps],
    }


def _findings_table(out: str) -> Any:
    import pyarrow.dataset as ds

    table = ds.dataset(f"{out}/findings", format="parquet", partitioning="hive").to_table()
    table = table.drop_columns(["scan_date"])
    return table.sort_by([(c, "ascending") for c in table.column_names])


def _copy_digests(out: str) -> dict[str, str]:
    root = Path(out) / "redacted"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def same_outputs(a: str, b: str) -> dict[str, Any]:
    """The two lake scans committed the same findings rows and the same redacted bytes."""
    fa, fb = _findings_table(a), _findings_table(b)
    ca, cb = _copy_digests(a), _copy_digests(b)
    return {
        "findings_rows": [fa.num_rows, fb.num_rows],
        "findings_same": fa.equals(fb),
        "redacted_files": [len(ca), len(cb)],
        "redacted_same": ca == cb,
    }


def machine() -> dict[str, Any]:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "java": java.splitlines()[0] if java else None,
        "load_average": os.getloadavg(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("pyspark", "pyarrow", "hyperscan")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unit-mb", type=float, default=16.0, help="scan unit size")
    parser.add_argument("--worker-memory", default="2g")
    parser.add_argument("--out", type=Path, default=RESULTS / "cluster-latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the scans' outputs")
    args = parser.parse_args(argv)

    os.environ.setdefault("PIISWEEP_FINGERPRINT_KEY", "11" * 32)
    os.environ.setdefault("PIISWEEP_TOKEN_KEY", "22" * 32)
    lake, lake_stats = ensure_lake(args.size_mb, args.seed)
    started = machine()
    work = Path(tempfile.mkdtemp(prefix="piisweep-bench-cluster-"))
    try:
        config = work / "scan.yaml"
        config.write_text(
            f"unit_mb: {args.unit_mb}\n"
            "spark:\n"
            '  spark.ui.enabled: "false"\n'
            f'  spark.executor.memory: "{args.worker_memory}"\n'
        )
        tiny = tiny_lake(work)
        runs = {}
        for workers in (1, 2):
            print(f"scanning {lake.name} on {workers} worker(s)...", flush=True)
            runs[workers] = scan_on_cluster(workers, lake, tiny, config, work, args.worker_memory)
            r = runs[workers]
            print(
                f"  {r['mb_scanned']} MB in {r['job_seconds']} s: {r['mb_per_s']} MB/s "
                f"({r['mb_per_s_net']} MB/s net of {r['startup_job_seconds']} s start-up)",
                flush=True,
            )
        same = same_outputs(runs[1]["out"], runs[2]["out"])
        if not args.keep:
            for r in runs.values():
                r.pop("out")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    one, two = runs[1], runs[2]
    result = {
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python -m bench.cluster " + " ".join(argv or sys.argv[1:]),
        "units": "MB = 10^6 bytes; MB/s on decompressed bytes unless named",
        "machine": {**started, "load_average_end": os.getloadavg()},
        "versions": versions(),
        "lake": {
            k: lake_stats.get(k) for k in ("root", "seed", "files", "mb", "uncompressed_bytes")
        },
        "unit_mb": args.unit_mb,
        "runs": {f"{n}-worker{'s' if n > 1 else ''}": r for n, r in runs.items()},
        "speedup": {
            "job_seconds": round(one["job_seconds"] / two["job_seconds"], 2),
            "net_of_startup": round(one["net_seconds"] / two["net_seconds"], 2),
        },
        "same_outputs": same,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"speed-up with 2 workers: {result['speedup']['job_seconds']}x "
        f"({result['speedup']['net_of_startup']}x net of start-up); "
        f"same findings and copies: {same['findings_same'] and same['redacted_same']}"
    )
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0 if same["findings_same"] and same["redacted_same"] else 1


if __name__ == "__main__":
    sys.exit(main())
