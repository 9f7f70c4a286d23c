"""Run ``piisweep scan`` as its own process (a fresh driver JVM, as an operator runs it) and
read back what a scan committed, for comparing two scans of the same lake.

Used by the cluster tier and ``bench/cluster.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
PIISWEEP = Path(sys.executable).parent / "piisweep"
# Fixed keys (hex, 32 bytes): fingerprints are comparable across scans and processes.
KEYS = {"PIISWEEP_FINGERPRINT_KEY": "11" * 32, "PIISWEEP_TOKEN_KEY": "22" * 32}


def scan_command(
    sources: list[str], out: str | Path, scan_id: str, master: str, config: str | Path | None
) -> list[str]:
    cmd = [str(PIISWEEP), "scan", *sources, "--out", str(out), "--scan-id", scan_id]
    cmd += ["--master", master, "--no-progress", "--json"]
    if config is not None:
        cmd += ["--config", str(config)]
    return cmd


@dataclass
class RunningScan:
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def start_scan(
    sources: list[str],
    out: str | Path,
    scan_id: str,
    master: str,
    config: str | Path | None = None,
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> RunningScan:
    """Start a scan; stdout (the JSON summary) and stderr go to files under ``log_dir``."""
    log_dir = Path(log_dir or Path(out).parent)
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{Path(out).name}-{scan_id}"
    stdout, stderr = log_dir / f"{stem}.out", log_dir / f"{stem}.err"
    full_env = {**(env or os.environ), **KEYS}
    with stdout.open("wb") as fout, stderr.open("wb") as ferr:
        # The project's conf/ (policy, custom detectors) applies, as for an operator in the repo.
        proc = subprocess.Popen(
            scan_command(sources, out, scan_id, master, config),
            stdout=fout,
            stderr=ferr,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=REPO,
        )
    return RunningScan(proc, stdout, stderr)


def finish(scan: RunningScan, timeout: float = 900) -> dict[str, Any]:
    """Wait for a scan started by :func:`start_scan`; its summary, or an error with stderr."""
    code = scan.proc.wait(timeout=timeout)
    stdout, stderr = scan.stdout.read_text(), scan.stderr.read_text(errors="replace")
    if code != 0:
        raise AssertionError(f"scan exited {code}:\n{stderr[-4000:]}")
    summary: dict[str, Any] = json.loads(stdout[stdout.index("{") :])
    summary["_stderr"] = stderr
    return summary


def run_scan(*args: Any, timeout: float = 900, **kw: Any) -> dict[str, Any]:
    return finish(start_scan(*args, **kw), timeout=timeout)


# ------------------------------------------------------------------------- outputs
def findings(out: str | Path, scan_id: str) -> list[dict[str, Any]]:
    """The scan's findings rows, every column of the files, in a canonical order (duplicates
    kept). ``scan_date``, the hive partition, is the day the scan ran, not part of a row."""
    table = ds.dataset(Path(out) / "findings", format="parquet", partitioning="hive").to_table()
    rows = [r for r in table.drop_columns(["scan_date"]).to_pylist() if r["scan_id"] == scan_id]
    return sorted(rows, key=lambda r: repr(tuple(r.values())))


def manifest(out: str | Path, scan_id: str) -> list[dict[str, Any]]:
    """The scan's manifest rows, with redacted-copy URIs relative to ``OUT``."""
    prefix = f"file://{Path(out).resolve()}/"
    rows = pq.read_table(Path(out) / "manifests" / f"{scan_id}.parquet").to_pylist()
    for r in rows:
        if r["redacted_uri"]:
            assert r["redacted_uri"].startswith(prefix), r["redacted_uri"]
            r["redacted_uri"] = r["redacted_uri"][len(prefix) :]
    return sorted(rows, key=lambda r: r["uri"])


def redacted_copies(out: str | Path) -> dict[str, bytes]:
    """Every redacted copy, by path under ``OUT/redacted``, as bytes."""
    root = Path(out) / "redacted"
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def duplicates(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    counts = Counter(tuple(r.items()) for r in rows)
    return [row for row, n in counts.items() if n > 1]


def assert_same_scan(a: str | Path, b: str | Path, scan_id: str) -> None:
    """Two outputs of ``scan_id`` hold the same findings rows, manifest and redacted bytes."""
    fa, fb = findings(a, scan_id), findings(b, scan_id)
    assert fa, f"no findings under {a}"
    assert not duplicates(fb), f"{len(duplicates(fb))} duplicated findings rows under {b}"
    assert len(fa) == len(fb), (len(fa), len(fb))
    assert fa == fb
    assert manifest(a, scan_id) == manifest(b, scan_id)
    ca, cb = redacted_copies(a), redacted_copies(b)
    assert sorted(ca) == sorted(cb)
    differing = [name for name in ca if ca[name] != cb[name]]
    assert not differing, f"redacted copies differ: {differing[:5]}"
    assert not (Path(b) / "_staging").exists() or not any((Path(b) / "_staging").iterdir())
