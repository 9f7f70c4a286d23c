"""The benchmarks' sample lakes: generated once per (size, seed, generator) and cached
under bench/data/, shared by bench.scan and bench.cluster."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data"


def lake_digest() -> str:
    """The lake generator's source and the versions of the data it draws on."""
    from importlib.metadata import version

    h = hashlib.sha256()
    for path in sorted((REPO / "jobs" / "sample_lake").glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for pkg in ("faker", "phonenumbers", "pyarrow"):
        h.update(f"{pkg}={version(pkg)};".encode())
    return h.hexdigest()[:16]


def ensure_lake(size_mb: float, seed: int) -> tuple[Path, dict[str, Any]]:
    """Generate the lake once per (size, seed, generator digest); stats are kept beside it."""
    root = DATA / f"lake-{size_mb:g}mb-{seed}"
    stats_path = root.with_name(root.name + ".stats.json")
    digest = lake_digest()
    if root.is_dir() and stats_path.exists():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        if stats.get("generator_digest") == digest:
            return root, stats
    from jobs.sample_lake import generate_lake

    print(f"generating {root.name} ({size_mb:g} MB, seed {seed})…", flush=True)
    tmp = root.with_name(root.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    stats = generate_lake(tmp, size_mb=size_mb, seed=seed).as_dict()
    stats["root"] = str(root.relative_to(REPO))
    stats.update(generator_digest=digest, generate_seconds=round(time.perf_counter() - t0, 1))
    shutil.rmtree(root, ignore_errors=True)
    stats_path.unlink(missing_ok=True)
    tmp.rename(root)
    stats_path.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    print(f"  {stats['files']} files, {stats['mb']} MB in {stats['generate_seconds']} s")
    return root, stats
