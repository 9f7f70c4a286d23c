"""Driver memory of ``piisweep validate`` (or ``exposure``) on a large findings table on S3.

    python -m bench.validate_memory [--rows 5000000 ...] [--parts 40] [--master local[2]]
                                    [--code-dir DIR] [--command validate|exposure]

Why: validate used to read an S3 or HDFS findings table whole into the driver (pyarrow) and
hand it to ``createDataFrame``, so the driver grew with the table; it now lists the parts and
lets the executors read them (``jobs.parts``). This measures the driver's peak memory
(the Python process and the JVM it starts) for tables of growing size: flat means bounded.

1. A small sample lake is generated and scanned locally (``piisweep scan``): real findings,
   manifest and summary.
2. The moto S3 server is started (``tests/s3server.py``); for each ``--rows`` figure the
   findings are repeated until the table has that many rows (each copy on other line
   numbers, so every row is distinct), written as ``--parts`` parts under
   ``s3://…/out/findings/``, with a summary listing them and a manifest whose per-object
   counts match; the redacted copies stay local (the residual scan reads them there).
3. ``piisweep validate s3://…/out`` runs as a subprocess, its process tree polled from /proc
   (``bench.scan.TreeStats``): peak RSS of the driver's Python process and of the JVM,
   seconds, and whether the suites passed.

``--command exposure`` runs ``piisweep exposure s3://…/out --all-entities`` instead (it used
to group every finding on the driver with pyarrow; it groups in Spark now) and writes
``bench/results/exposure-memory-latest.json``. ``--master`` is not passed to it, so a
checkout from before its ``--master`` runs too (both use ``local[*]``).

``--code-dir`` runs the command from another checkout (e.g. a worktree of an earlier
commit), for a before/after. Writes ``bench/results/validate-memory-latest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.scan import BENCH_KEYS, POLL_SECONDS, TreeStats, git, machine_info

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
SCAN_ID = "vm"
LINE_STRIDE = 10_000_000  # line numbers of copy r start at r * LINE_STRIDE


def _cli(args: list[str], env: dict[str, str], code_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jobs.cli", *args],
        cwd=code_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def small_scan(work: Path, env: dict[str, str]) -> Path:
    """A 2 MB sample lake scanned locally: the findings, manifest and summary to grow."""
    lake, out = work / "lake", work / "out0"
    for args in (
        ["sample-lake", str(lake), "--size-mb", "2", "--seed", "7"],
        ["scan", str(lake), "--out", str(out), "--scan-id", SCAN_ID, "--no-progress"],
    ):
        done = _cli(args, env, REPO)
        if done.returncode != 0:
            raise SystemExit(f"piisweep {args[0]} failed:\n{done.stderr[-3000:]}")
    return out


def grow(out0: Path, rows: int, parts: int, dest: str, s3: Any) -> dict[str, Any]:
    """Write an output root at ``dest`` (S3) whose scan ``SCAN_ID`` has ``rows`` findings."""
    from jobs import storage

    summary = json.loads((out0 / "scans" / f"{SCAN_ID}.json").read_text())
    base = pa.concat_tables(
        pq.read_table(out0 / "findings" / rel) for rel in summary["findings_parts"]
    )
    copies = math.ceil(rows / base.num_rows)
    per_part = math.ceil(rows / parts)
    written, names, counts = 0, [], Counter()
    date = summary["scan_date"]
    part_no = 0
    batch: list[pa.Table] = []
    pending = 0

    def flush() -> None:
        nonlocal part_no, batch, pending
        table = pa.concat_tables(batch)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, row_group_size=1 << 20)
        rel = f"scan_date={date}/part-{SCAN_ID}-{part_no:05d}.parquet"
        storage.write_bytes(sink.getvalue().to_pybytes(), f"{dest}/findings/{rel}", s3)
        names.append(rel)
        part_no += 1
        batch, pending = [], 0

    for r in range(copies):
        take = min(base.num_rows, rows - written)
        if take <= 0:
            break
        t = base.slice(0, take)
        lines = t.column("line_number")
        shifted = pc.add(lines, pa.scalar(r * LINE_STRIDE, lines.type))
        t = t.set_column(t.schema.get_field_index("line_number"), "line_number", shifted)
        counts.update(Counter(t.column("source_uri").to_pylist()))
        batch.append(t)
        pending += take
        written += take
        if pending >= per_part:
            flush()
    if batch:
        flush()
    manifest = pq.read_table(out0 / "manifests" / f"{SCAN_ID}.parquet")
    findings = pa.array([counts.get(u, 0) for u in manifest.column("uri").to_pylist()], pa.int64())
    at = manifest.schema.get_field_index("findings")
    manifest = manifest.set_column(
        at, manifest.schema.field(at), findings.cast(manifest.schema.field(at).type)
    )
    sink = pa.BufferOutputStream()
    pq.write_table(manifest, sink)
    storage.write_bytes(sink.getvalue().to_pybytes(), f"{dest}/manifests/{SCAN_ID}.parquet", s3)
    summary["findings_parts"] = names
    summary["findings"] = written
    storage.write_bytes(json.dumps(summary).encode(), f"{dest}/scans/{SCAN_ID}.json", s3)
    return {"rows": written, "parts": len(names)}


def run_validate(
    dest: str, master: str, env: dict[str, str], code_dir: Path, command: str = "validate"
) -> dict[str, Any]:
    """One ``piisweep validate`` (or ``exposure``) subprocess, polled until it exits."""
    conf = REPO / "conf"
    args = ["validate", dest, "--master", master, "--no-docs",
            "--conf-dir", str(conf), "--policy", str(conf / "policy.yaml")]  # fmt: skip
    if command == "exposure":
        args = ["exposure", dest, "--all-entities", "--json"]
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", *args], cwd=code_dir, env=env, stdout=so, stderr=se
        )
        tree = TreeStats(proc.pid, t0)
        while proc.poll() is None:
            tree.poll()
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - t0
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read().decode(errors="replace"), se.read().decode(errors="replace")
    stats = tree.as_dict()
    return {
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "driver_python_peak_rss_mb": stats["peak_rss_mb"].get("driver"),
        "jvm_peak_rss_mb": stats["peak_rss_mb"].get("jvm"),
        "workers_peak_rss_sum_mb": stats["peak_rss_sum_mb"].get("worker"),
        "stdout_tail": stdout[-600:],
        # validate prints failed expectations and errors there, never a raw value
        "stderr_tail": stderr[-1500:],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, nargs="+", default=[500_000, 5_000_000])
    ap.add_argument("--parts", type=int, default=40)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--code-dir", type=Path, default=REPO, help="checkout validate runs from")
    ap.add_argument("--command", choices=("validate", "exposure"), default="validate")
    ap.add_argument("--out", type=Path, help="default: bench/results/<command>-memory-latest.json")
    args = ap.parse_args(argv)
    args.out = args.out or RESULTS / f"{args.command}-memory-latest.json"

    sys.path.insert(0, str(REPO / "tests"))
    from s3server import moto_s3_env, moto_server

    from jobs import storage

    env = {**os.environ, **BENCH_KEYS, "PYSPARK_PYTHON": sys.executable}
    env["PYTHONPATH"] = os.pathsep.join(
        x for x in (str(args.code_dir.resolve()), os.environ.get("PYTHONPATH")) if x
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="validate-memory-") as tmp, moto_server() as endpoint:
        out0 = small_scan(Path(tmp), env)
        s3_env = moto_s3_env(endpoint)
        os.environ.update(s3_env)
        env.update(s3_env)
        storage.clear_caches()
        s3 = storage.S3Settings.from_env()
        client = storage.s3_client(s3)
        for i, rows in enumerate(args.rows):
            bucket = f"vm-{i}"
            client.create_bucket(Bucket=bucket)
            dest = f"s3://{bucket}/out"
            grown = grow(out0, rows, args.parts, dest, s3)
            print(
                f"  {grown['rows']:,} findings in {grown['parts']} parts: {args.command} …",
                flush=True,
            )
            measured = run_validate(dest, args.master, env, args.code_dir.resolve(), args.command)
            run = {**grown, **measured}
            runs.append(run)
            print(
                f"    exit {run['exit_code']}, {run['seconds']} s, driver Python peak "
                f"{run['driver_python_peak_rss_mb']} MB, JVM peak {run['jvm_peak_rss_mb']} MB",
                flush=True,
            )
            for key in list(client.list_objects_v2(Bucket=bucket).get("Contents", [])):
                client.delete_object(Bucket=bucket, Key=key["Key"])
    results = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "code_dir": str(args.code_dir),
        "command": args.command,
        "master": args.master,
        "machine": machine_info(),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{'rows':>12} {'parts':>6} {'exit':>5} {'s':>7} {'driver Py MB':>13} {'JVM MB':>8}")
    for r in runs:
        print(
            f"{r['rows']:>12,} {r['parts']:>6} {r['exit_code']:>5} {r['seconds']:>7} "
            f"{r['driver_python_peak_rss_mb']!s:>13} {r['jvm_peak_rss_mb']!s:>8}"
        )
    print(f"written: {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
