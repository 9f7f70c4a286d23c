"""Lake-scan benchmark: ``piisweep scan`` end to end on a generated sample lake.

    python -m bench.scan [--size-mb 500] [--seed 7] [--keep DIR] [--big-log-mb 1024] [--quick]
                         [--code head|worktree] [--wait-idle S] [--no-profile] [--no-pin]

Every measurement runs the ``piisweep scan`` CLI as a subprocess (a fresh JVM and fresh
Python workers each time), so the figures hold everything a user pays. By default the scans
import jobs/, detectors/ and conf/ from a snapshot of the committed HEAD (``--code head``), so
uncommitted edits made meanwhile cannot change or break a run half-way. ``local[N]`` runs are
pinned to N cores (``sched_setaffinity``, inherited by the JVM and its Python workers), so
"per core" means per core the whole scan was allowed to use.

1. A sample lake (``jobs.sample_lake.generate_lake``), cached in ``bench/data/lake-<size>mb-<seed>``
   and regenerated when the generator's source or its data packages change.
2. Start-up: a one-file lake scanned with ``local[1]`` and ``local[2]``; its job seconds are
   the fixed cost (JVM, Spark session, worker start, commit) subtracted for the "net" figures.
   An untimed scan of it runs first, so the driver's class-data archive
   (``jobs.driver_archive``) is written before anything is timed.
3. The lake scanned with ``local[1]`` and ``local[2]``: job seconds (the summary's
   ``seconds``: crawl to commit, Spark session start included), decompressed and on-disk MB/s,
   per core, peak RSS of the JVM and of the Python workers (polled from /proc every second),
   CPU seconds by process kind, speed-up. Both runs must give the same findings rows and the
   same redacted bytes.
4. Memory: one large uncompressed log and the same log gzip-compressed (built once by
   concatenating the lake's plain logs), each scanned with ``local[1]``: peak worker RSS must
   not grow with the object.
5. A py-spy profile of the Python workers during the ``local[1]`` lake run (``--nonblocking``,
   on the cores the scan is not pinned to): top functions by own and inclusive samples.

Writes ``bench/results/scan-latest.json`` (``--quick``: ``bench/data/scan-quick.json``, so a
smoke run never replaces the committed figures). MB = 10^6 bytes, MiB = 2^20 bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.lakes import ensure_lake

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
MB = 1_000_000
MIB = 1 << 20
# The poller shares the cores of a local[2] run: at 0.2 s, listing /proc and reading every
# worker's smaps_rollup (which takes the process's mmap lock) cost ~28 ms a poll, 6% of the
# run's CPU, and slowed local[2] by 15% against an unobserved run. Peaks need no fast polls:
# VmHWM is each process's own high-water mark.
POLL_SECONDS = 1.0
PSS_EVERY = 5  # polls between PSS readings
TARGET_MB_S_PER_CORE = 50.0
TARGET_SPEEDUP = 1.8
# Fixed benchmark keys (32 bytes each, hex): stable fingerprints, no ephemeral-key warning.
BENCH_KEYS = {
    "PIISWEEP_FINGERPRINT_KEY": "62656e63682d66696e6765727072696e742d6b65792d30303030303030303031",
    "PIISWEEP_TOKEN_KEY": "62656e63682d746f6b656e2d6b65792d30303030303030303030303030303031",
}
FINDING_KEY = (
    "source_uri",
    "line_number",
    "record_index",
    "field_path",
    "char_start",
    "entity_type",
    "fingerprint",
)
WORKER_MARKS = ("pyspark.daemon", "pyspark/worker", "pyspark.worker")
JVM_MARK = "org.apache.spark.deploy.SparkSubmit"


# ------------------------------------------------------------------------- inputs
def lake_logs(root: Path) -> list[Path]:
    """The lake's plain text logs, largest kind first (the source of the big log)."""
    return sorted(p for p in root.rglob("*.log") if p.is_file())


def ensure_big_logs(lake: Path, lake_stats: dict[str, Any], mib: float) -> dict[str, Any]:
    """``big.log`` of ``mib`` MiB (whole lines of the lake's plain logs, repeated as needed)
    and ``big.log.gz`` (the same bytes, gzip level 6, mtime 0), built once."""
    d = DATA / f"biglog-{mib:g}mib-{lake.name}"
    plain, gz, info_path = d / "big.log", d / "big.log.gz", d / "info.json"
    if info_path.exists() and plain.exists() and gz.exists():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("lake_digest") == lake_stats.get("generator_digest"):
            return info
    sources = lake_logs(lake)
    if not sources:
        raise SystemExit(f"no plain .log files in {lake} to build the big log from")
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    target = int(mib * MIB)
    print(f"building {plain.relative_to(REPO)} ({mib:g} MiB) and its .gz…", flush=True)
    t0 = time.perf_counter()
    written, lines, rounds, full = 0, 0, 0, False
    with plain.open("wb") as out:
        while not full:  # whole lines, until the next one would pass the target
            rounds += 1
            for src in sources:
                with src.open("rb") as f:
                    for raw in f:
                        if written + len(raw) > target:
                            full = True
                            break
                        out.write(raw)
                        written += len(raw)
                        lines += 1
                if full:
                    break
    with (
        plain.open("rb") as f,
        gz.open("wb") as raw_out,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, compresslevel=6, mtime=0) as z,
    ):
        while chunk := f.read(8 * MIB):
            z.write(chunk)
    info = {
        "dir": str(d.relative_to(REPO)),
        "plain_bytes": plain.stat().st_size,
        "gz_bytes": gz.stat().st_size,
        "lines": lines,
        "passes_over_lake_logs": rounds,
        "lake_logs": len(sources),
        "lake_digest": lake_stats.get("generator_digest"),
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    info_path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def make_tiny_lake(lake: Path, lines: int = 200) -> Path:
    """A one-file lake: the first ``lines`` lines of the lake's first plain log."""
    tiny = DATA / "tiny-lake"
    shutil.rmtree(tiny, ignore_errors=True)
    tiny.mkdir(parents=True)
    src = lake_logs(lake)[0]
    with src.open("rb") as f, (tiny / "app.log").open("wb") as out:
        for i, raw in enumerate(f):
            if i >= lines:
                break
            out.write(raw)
    return tiny


def warm_page_cache(paths: list[Path]) -> None:
    """Read every input once so all runs read from the page cache alike."""
    for p in paths:
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        for f in files:
            with f.open("rb") as fh:
                while fh.read(16 * MIB):
                    pass


# ------------------------------------------------------------------------- /proc
def _proc_stat(pid: int) -> tuple[int, int, float] | None:
    """(ppid, start time in ticks, CPU seconds) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text[text.rindex(")") + 2 :].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(rest[1]), int(rest[19]), (int(rest[11]) + int(rest[12])) / tick


def _status_kb(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def classify(cmdline: str) -> str:
    if any(m in cmdline for m in WORKER_MARKS):
        return "worker"
    if JVM_MARK in cmdline:
        return "jvm"
    return "other"


@dataclass
class TreeStats:
    """Peaks over the process tree of one scan, from /proc polls."""

    root: int
    t0: float
    kinds: dict[tuple[int, int], str] = field(default_factory=dict)
    daemons: list[int] = field(default_factory=list)  # worker-kind pids not forked by a worker
    cpu: dict[tuple[int, int], float] = field(default_factory=dict)
    peak_kb: Counter[str] = field(default_factory=Counter)  # max VmRSS/VmHWM of one process
    peak_sum_kb: Counter[str] = field(default_factory=Counter)  # max over polls of the sum
    peak_worker_pss_sum_kb: int = 0
    max_workers: int = 0
    first_seen: dict[str, float] = field(default_factory=dict)
    polls: int = 0
    busy_workers_s: Counter[int] = field(default_factory=Counter)  # seconds with N busy
    _last: tuple[float, dict[tuple[int, int], float]] | None = None

    def poll(self) -> None:
        parents: dict[int, list[int]] = defaultdict(list)
        stats: dict[int, tuple[int, int, float]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _proc_stat(int(name))
                if st is not None:
                    stats[int(name)] = st
                    parents[st[0]].append(int(name))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                tree.append(pid)
                todo.extend(parents.get(pid, ()))
        sums: Counter[str] = Counter()
        pss_sum, workers = 0, 0
        now = time.perf_counter() - self.t0
        for pid in tree:
            key = (pid, stats[pid][1])
            if self.kinds.get(key, "other") == "other":  # spark-submit's bash execs java
                kind = "driver" if pid == self.root else classify(_cmdline(pid))
                self.kinds[key] = kind
                parent = stats[pid][0]
                parent_kind = (
                    self.kinds.get((parent, stats[parent][1])) if parent in stats else None
                )
                if kind == "worker" and parent_kind != "worker" and pid not in self.daemons:
                    self.daemons.append(pid)
            kind = self.kinds[key]
            self.first_seen.setdefault(kind, now)
            self.cpu[key] = stats[pid][2]
            mem = _status_kb(pid)
            rss = mem.get("VmRSS", 0)
            self.peak_kb[kind] = max(self.peak_kb[kind], rss, mem.get("VmHWM", 0))
            sums[kind] += rss
            if kind == "worker":
                workers += 1
                if self.polls % PSS_EVERY == 0:
                    pss_sum += _pss_kb(pid)
        worker_cpu = {k: c for k, c in self.cpu.items() if self.kinds[k] == "worker"}
        if self._last is not None and "worker" in self.first_seen:
            dt = now - self._last[0]
            before = self._last[1]
            busy = sum(1 for k, c in worker_cpu.items() if c - before.get(k, c) > 0.5 * dt)
            self.busy_workers_s[busy] += dt
        self._last = (now, worker_cpu)
        for kind, kb in sums.items():
            self.peak_sum_kb[kind] = max(self.peak_sum_kb[kind], kb)
        self.peak_worker_pss_sum_kb = max(self.peak_worker_pss_sum_kb, pss_sum)
        self.max_workers = max(self.max_workers, workers)
        self.polls += 1

    def as_dict(self) -> dict[str, Any]:
        cpu: Counter[str] = Counter()
        for key, seconds in self.cpu.items():
            cpu[self.kinds[key]] += seconds
        return {
            "peak_rss_mb": {k: round(v / 1024, 1) for k, v in sorted(self.peak_kb.items())},
            "peak_rss_sum_mb": {k: round(v / 1024, 1) for k, v in sorted(self.peak_sum_kb.items())},
            "peak_worker_pss_sum_mb": round(self.peak_worker_pss_sum_kb / 1024, 1),
            "max_worker_processes": self.max_workers,
            "cpu_seconds_by_kind": {k: round(v, 2) for k, v in sorted(cpu.items())},
            "first_seen_s": {k: round(v, 2) for k, v in sorted(self.first_seen.items())},
            "seconds_with_n_busy_workers": {
                str(n): round(v, 1) for n, v in sorted(self.busy_workers_s.items())
            },
            "polls": self.polls,
        }


# ------------------------------------------------------------------------- one scan
def _cores_for(master: str) -> int:
    inner = master[master.index("[") + 1 : master.index("]")] if "[" in master else "1"
    if inner == "*":
        return os.cpu_count() or 1
    return int(inner.split(",")[0])


@dataclass
class Settings:
    """How every scan of one benchmark runs."""

    code_dir: Path  # the checkout the scans import jobs/detectors/conf from
    pin: bool
    wait_idle: float  # seconds to wait, before each run, for other load to go away


def code_snapshot(mode: str) -> tuple[Path, dict[str, Any]]:
    """``head``: jobs/, detectors/ and conf/ of the committed HEAD, extracted once under
    bench/data (others' uncommitted edits cannot change, or break, a run half-way);
    ``worktree``: the repository as it is."""
    head = git("rev-parse", "HEAD")
    if mode == "worktree":
        return REPO, {"mode": mode, "commit": head, "dirty": git_dirty()}
    d = DATA / f"code-{head[:12]}"
    if not (d / "jobs" / "cli.py").exists():
        tmp = d.with_name(d.name + f".tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", head, "jobs", "detectors", "conf"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        _copy_native(tmp)
        shutil.rmtree(d, ignore_errors=True)
        tmp.rename(d)
    return d, {"mode": mode, "commit": head, "dir": str(d.relative_to(REPO))}


def _copy_native(dest: Path) -> None:
    """The compiled core is not in git: the snapshot takes the checkout's module, which is
    only right when the checkout's crate is HEAD's (else the scans would run other code
    than the commit they are reported under)."""
    native = REPO / "detectors" / "_native.abi3.so"
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "native"], cwd=REPO)
    if changed.returncode != 0 or not native.exists():
        raise SystemExit(
            "bench.scan --code head: the crate under native/ differs from HEAD or is not "
            "built; commit it and run `make native`, or use --code worktree"
        )
    shutil.copy2(native, dest / "detectors" / native.name)


def _cpu_jiffies() -> dict[str, tuple[int, int]]:
    """Per CPU (and ``cpu`` for all): (busy, total) jiffies from /proc/stat."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if not line.startswith("cpu"):
            break
        name, *vals = line.split()
        v = [int(x) for x in vals[:8]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal
        out[name] = (busy, busy + v[3] + v[4])
    return out


def _busy_seconds(a: dict[str, tuple[int, int]], b: dict[str, tuple[int, int]], cpus: Any) -> float:
    names = ["cpu"] if cpus is None else [f"cpu{c}" for c in cpus]
    return sum(b[n][0] - a[n][0] for n in names) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(limit: float, busy_max: float = 0.15, window: float = 3.0) -> dict[str, Any]:
    """Wait (at most ``limit`` s) until the machine is below ``busy_max`` CPU for one window."""
    t0 = time.perf_counter()
    ncpu = os.cpu_count() or 1
    share = 1.0
    told = False
    while True:
        a = _cpu_jiffies()
        time.sleep(window)
        share = _busy_seconds(a, _cpu_jiffies(), None) / (window * ncpu)
        waited = time.perf_counter() - t0
        if share <= busy_max or waited >= limit:
            break
        if not told:
            print(f"    (waiting for other load to stop: {min(share, 1):.0%} busy)…", flush=True)
            told = True
    return {"waited_s": round(time.perf_counter() - t0, 1), "busy_share_before": round(share, 3)}


def run_scan(
    label: str,
    source: Path,
    out: Path,
    master: str,
    cfg: Settings,
    profile: Path | None = None,
) -> dict[str, Any]:
    """One ``piisweep scan`` subprocess, polled until it exits."""
    shutil.rmtree(out, ignore_errors=True)
    scan_id = f"bench-{label}"
    args = ["scan", str(source), "--out", str(out), "--master", master, "--scan-id", scan_id,
            "--no-progress", "--json"]  # fmt: skip
    path = os.pathsep.join(x for x in (str(cfg.code_dir), os.environ.get("PYTHONPATH")) if x)
    env = {**os.environ, **BENCH_KEYS, "PYSPARK_PYTHON": sys.executable, "PYTHONPATH": path}
    cores = _cores_for(master)
    affinity = None
    if cfg.pin and hasattr(os, "sched_setaffinity") and cores <= len(os.sched_getaffinity(0)):
        affinity = sorted(os.sched_getaffinity(0))[:cores]
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = logs / f"scan-{label}.stdout", logs / f"scan-{label}.stderr"
    pinned = f" (cores {affinity})" if affinity else ""
    print(
        f"  {label}: piisweep scan {source.relative_to(REPO)} --master {master}{pinned}", flush=True
    )
    idle = wait_for_idle(cfg.wait_idle) if cfg.wait_idle > 0 else {}
    jiffies0 = _cpu_jiffies()
    own0 = time.process_time()
    t0 = time.perf_counter()
    with stdout_path.open("wb") as so, stderr_path.open("wb") as se:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", *args],
            cwd=cfg.code_dir,
            env=env,
            stdout=so,
            stderr=se,
            preexec_fn=(lambda: os.sched_setaffinity(0, affinity)) if affinity else None,
        )
        tree = TreeStats(proc.pid, t0)
        spies: dict[int, subprocess.Popen[bytes]] = {}
        while proc.poll() is None:
            tree.poll()
            for pid in tree.daemons if profile is not None else ():
                if pid not in spies:  # py-spy --subprocesses does not see past the JVM
                    raw = profile.with_name(f"{profile.stem}-{pid}.txt")
                    spies[pid] = start_py_spy(pid, raw, affinity)
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - t0
    busy = _busy_seconds(jiffies0, _cpu_jiffies(), affinity)
    own = time.process_time() - own0  # this poller (and py-spy's children are not counted)
    for spy in spies.values():
        try:
            spy.wait(timeout=120)
        except subprocess.TimeoutExpired:
            spy.terminate()
            spy.wait()
    stats = tree.as_dict()
    tree_cpu = sum(stats["cpu_seconds_by_kind"].values())
    ncores = len(affinity) if affinity else (os.cpu_count() or 1)
    foreign = max(0.0, busy - tree_cpu - (own if affinity is None else 0.0))
    run: dict[str, Any] = {
        "label": label,
        "source": str(source.relative_to(REPO)),
        "master": master,
        "cores": cores,
        "affinity": affinity,
        "command": shlex.join(["piisweep", *args]),
        "rc": proc.returncode,
        "process_wall_seconds": round(wall, 2),
        **stats,
        "cpu_seconds_total": round(tree_cpu, 2),
        "cpu_utilization": round(tree_cpu / (wall * cores), 3),
        "other_load": {
            **idle,
            "foreign_cpu_seconds": round(foreign, 1),
            "foreign_share": round(foreign / (wall * ncores), 3),
            "measured_on": f"cores {affinity}" if affinity else "all cores",
        },
    }
    summary = _read_summary(out, scan_id, stdout_path)
    load = run["other_load"]["foreign_share"]
    busy_note = f", other processes used {load:.0%} of its cores" if load >= 0.05 else ""
    if proc.returncode != 0 or summary is None:
        tail = stderr_path.read_text(errors="replace").splitlines()[-40:]
        run.update(ok=False, stderr_tail=tail, stderr_log=str(stderr_path.relative_to(REPO)))
        print(f"    FAILED (exit {proc.returncode}); stderr: {stderr_path.relative_to(REPO)}")
        if summary is not None:  # exit 1 = committed with too many failed objects
            run["summary"] = _summary_part(summary)
        return run
    run.update(ok=True, summary=_summary_part(summary))
    s = run["summary"]
    print(
        f"    {s['seconds']:.1f} s job, {wall:.1f} s process, "
        f"{s['findings']:,} findings{busy_note}",
        flush=True,
    )
    return run


def _read_summary(out: Path, scan_id: str, stdout_path: Path) -> dict[str, Any] | None:
    committed = out / "scans" / f"{scan_id}.json"
    if committed.exists():
        return json.loads(committed.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    text = stdout_path.read_text(errors="replace")
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else None  # type: ignore[no-any-return]
    except json.JSONDecodeError:
        return None


def _summary_part(s: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "seconds",
        "phase_seconds",
        "bytes_scanned",
        "bytes_listed",
        "objects",
        "objects_by_status",
        "units",
        "units_by_status",
        "reasons",
        "flags",
        "findings",
        "findings_by_entity",
        "versions",
        "config_digest",
    )
    return {k: s.get(k) for k in keys}


# ------------------------------------------------------------------------- py-spy
def py_spy() -> Path | None:
    exe = Path(sys.executable).parent / "py-spy"
    if exe.exists():
        return exe
    found = shutil.which("py-spy")
    return Path(found) if found else None


def start_py_spy(pid: int, raw_out: Path, scan_cores: list[int] | None) -> subprocess.Popen[bytes]:
    """``py-spy record`` of one pyspark.daemon and the workers it forks, raw stacks. It
    samples without pausing them (``--nonblocking``), on cores the scan does not use."""
    exe = py_spy()
    assert exe is not None
    raw_out.unlink(missing_ok=True)
    cmd = [
        str(exe),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--nonblocking",
        "--rate",
        "100",
        "--format",
        "raw",
        "--full-filenames",
        "--output",
        str(raw_out),
    ]
    others = sorted(os.sched_getaffinity(0) - set(scan_cores or ()))
    log = raw_out.with_suffix(".log").open("wb")
    return subprocess.Popen(
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=(lambda: os.sched_setaffinity(0, others)) if scan_cores and others else None,
    )


_PATH_PREFIX = re.compile(
    rf"^(.*(site-packages|pyspark\.zip|/bench/data/code-[0-9a-f]+|/python3\.\d+)/"
    rf"|{re.escape(str(REPO))}/)"
)


def _frame_name(frame: str) -> str:
    """``func (/abs/path/to/mod.py:123)`` → ``func (to/mod.py)``: per function, short path."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    path = _PATH_PREFIX.sub("", path)
    return f"{name} ({path})" if path else name


# The reader a unit went through (jobs/unit_scan.py ``_UnitScan.run`` dispatches on format).
_READER = re.compile(r"_UnitScan\._(parquet|csv|json|lines) \(jobs/unit_scan\.py\)$")
READER_OF_FORMAT = {"parquet": "parquet", "csv": "csv", "tsv": "csv", "json": "json"}
OUTSIDE, CUT_SHORT = "(outside a unit)", "(stack cut short)"


def reader_breakdown(out: Path, scan_id: str, profile: dict[str, Any], worker_cpu: float) -> Any:
    """Per reader (parquet, csv, json, lines = text logs and JSON Lines): objects, on-disk MB,
    records and findings from the scan's manifest, and the Python workers' CPU seconds
    estimated from the share of py-spy samples under that reader. Samples whose stack was cut
    short (no reader frame, not starting in runpy) are left out of the shares."""
    import pyarrow.parquet as pq

    path = out / "manifests" / f"{scan_id}.parquet"
    if not path.exists():
        return None
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for row in pq.read_table(path).to_pylist():
        g = groups[READER_OF_FORMAT.get(row["format"] or "", "lines")]
        g["objects"] += 1
        g["bytes"] += row["size"] or 0
        g["records"] += row["records"] or 0
        g["findings"] += row["findings"] or 0
    return reader_rows(groups, profile.get("samples_by_reader") or {}, worker_cpu)


def reader_rows(
    groups: dict[str, Counter[str]], by_reader: dict[str, int], worker_cpu: float
) -> dict[str, Any] | None:
    samples = {k: v for k, v in by_reader.items() if k != CUT_SHORT}
    total = sum(samples.values())
    if not total:
        return None
    out_rows = {}
    for reader in sorted(set(groups) | set(samples), key=lambda r: -samples.get(r, 0)):
        g = groups.get(reader, Counter())
        cpu = worker_cpu * samples.get(reader, 0) / total
        out_rows[reader] = {
            "objects": g["objects"],
            "mb_on_disk": round(g["bytes"] / MB, 1),
            "records": g["records"],
            "findings": g["findings"],
            "worker_cpu_share": round(samples.get(reader, 0) / total, 3),
            "worker_cpu_seconds_est": round(cpu, 1),
            "mb_on_disk_per_cpu_s": round(g["bytes"] / MB / cpu, 2) if cpu and g["bytes"] else None,
            "findings_per_cpu_s": round(g["findings"] / cpu) if cpu and g["findings"] else None,
        }
    return out_rows


def summarize_profile(raws: list[Path], top: int = 15) -> dict[str, Any]:
    """Where the Python workers spend their CPU, from py-spy raw stacks: functions by own
    samples, piisweep functions (jobs/, detectors/) by inclusive samples, files by own."""
    if not raws:
        return {"ok": False, "reason": "py-spy wrote no profile"}
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    by_reader: Counter[str] = Counter()
    total = 0
    for line in (ln for raw in raws for ln in raw.read_text(errors="replace").splitlines()):
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        procs = [f for f in frames if f.startswith("process ")]  # daemon, then forked worker
        if not any(m in p for p in procs for m in WORKER_MARKS):
            continue
        names = [_frame_name(f) for f in frames if not f.startswith(("process ", "thread "))]
        if not names:
            continue
        count = int(count_text)
        total += count
        own[names[-1]] += count
        by_file[names[-1].partition(" (")[2].rstrip(")") or "?"] += count
        for name in set(names):
            if name.endswith((".py)",)) and (" (jobs/" in name or " (detectors/" in name):
                incl[name] += count
        reader = next((m.group(1) for n in names if (m := _READER.match(n))), None)
        if reader is None:  # a whole stack starts in runpy; --nonblocking may cut one short
            whole = names[0].startswith("_run_module_as_main ")
            reader = OUTSIDE if whole else CUT_SHORT
        by_reader[reader] += count

    def rows(c: Counter[str], n: int = top) -> list[dict[str, Any]]:
        return [
            {"function": f, "samples": k, "percent": round(100 * k / max(1, total), 1)}
            for f, k in c.most_common(n)
        ]

    return {
        "ok": total > 0,
        "worker_samples": total,
        "top_own": rows(own),
        "top_inclusive_piisweep": rows(incl),
        "own_by_file": rows(by_file, 12),
        "samples_by_reader": dict(by_reader.most_common()),
    }


# ------------------------------------------------------------------------- checks
def findings_rows(out: Path) -> Counter[tuple[Any, ...]]:
    import pyarrow.dataset as ds

    path = out / "findings"
    if not path.exists():
        return Counter()
    table = ds.dataset(path, format="parquet", partitioning="hive").to_table(
        columns=list(FINDING_KEY)
    )
    cols = [table.column(c).to_pylist() for c in FINDING_KEY]
    return Counter(zip(*cols, strict=True))


def compare_findings(a: Path, b: Path) -> dict[str, Any]:
    ra, rb = findings_rows(a), findings_rows(b)
    only_a, only_b = ra - rb, rb - ra
    examples = [
        {
            "in": side,
            "source_uri": r[0].rsplit("/", 1)[-1],
            "line_number": r[1],
            "record_index": r[2],
            "field_path": r[3],
            "entity_type": r[5],
        }
        for side, rows in (("local[1] only", only_a), ("local[2] only", only_b))
        for r in list(sorted(rows, key=str))[:5]
    ]
    return {
        "same": ra == rb,
        "rows_a": sum(ra.values()),
        "rows_b": sum(rb.values()),
        "only_a": sum(only_a.values()),
        "only_b": sum(only_b.values()),
        "examples": examples,
    }


def _digest_tree(root: Path) -> dict[str, str]:
    out = {}
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        h = hashlib.sha256()
        with f.open("rb") as fh:
            while chunk := fh.read(8 * MIB):
                h.update(chunk)
        out[str(f.relative_to(root))] = h.hexdigest()
    return out


def compare_redacted(a: Path, b: Path) -> dict[str, Any]:
    da, db = _digest_tree(a / "redacted"), _digest_tree(b / "redacted")
    differ = sorted(k for k in da.keys() & db.keys() if da[k] != db[k])
    return {
        "same": da == db and bool(da),
        "files_a": len(da),
        "files_b": len(db),
        "missing_in_b": sorted(da.keys() - db.keys())[:10],
        "missing_in_a": sorted(db.keys() - da.keys())[:10],
        "differ": len(differ),
        "differ_examples": differ[:10],
    }


# ------------------------------------------------------------------------- figures
def throughput(run: dict[str, Any], startup: dict[str, Any] | None) -> dict[str, Any]:
    """MB/s (10^6 bytes) on decompressed bytes (the summary's ``bytes_scanned``) and on-disk
    bytes (``bytes_listed``), over job seconds, process wall seconds and net of start-up."""
    s = run.get("summary")
    if not s or not s.get("seconds"):
        return {}
    cores = run["cores"]
    scanned, listed = s["bytes_scanned"] / MB, s["bytes_listed"] / MB
    job, wall = s["seconds"], run["process_wall_seconds"]
    fixed = startup["summary"]["seconds"] if startup and startup.get("summary") else None
    net = job - fixed if fixed is not None and job > fixed else None
    fig: dict[str, Any] = {
        "mb_scanned": round(scanned, 1),
        "mb_listed": round(listed, 1),
        "job_seconds": job,
        "process_wall_seconds": wall,
        "startup_job_seconds": fixed,
        "net_seconds": round(net, 2) if net else None,
        "mb_per_s": round(scanned / job, 2),
        "mb_per_s_per_core": round(scanned / job / cores, 2),
        "mb_per_s_listed": round(listed / job, 2),
        "mb_per_s_listed_per_core": round(listed / job / cores, 2),
        "mb_per_s_process_wall_per_core": round(scanned / wall / cores, 2),
        "mb_per_s_net_per_core": round(scanned / net / cores, 2) if net else None,
    }
    # CPU-based figures do not move with other load on the machine (wall-based ones do).
    cpu, worker_cpu = run["cpu_seconds_total"], run["cpu_seconds_by_kind"].get("worker")
    fixed_cpu = startup.get("cpu_seconds_total") if startup and startup.get("ok") else None
    fig["mb_per_cpu_s"] = round(scanned / cpu, 2) if cpu else None
    fig["mb_per_cpu_s_net_of_startup"] = (
        round(scanned / (cpu - fixed_cpu), 2) if fixed_cpu and cpu > fixed_cpu else None
    )
    fig["mb_per_worker_cpu_s"] = round(scanned / worker_cpu, 2) if worker_cpu else None
    fig["target_per_core"] = TARGET_MB_S_PER_CORE
    fig["pass_per_core"] = fig["mb_per_s_per_core"] >= TARGET_MB_S_PER_CORE
    return fig


def memory_check(runs: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Peak worker RSS on one large object against the lake's (objects of a few MB)."""
    lake_peak = runs["lake-local1"]["peak_rss_mb"].get("worker")
    peaks = [runs[k]["peak_rss_mb"].get("worker") for k in ("big-plain-local1", "big-gz-local1")]
    if not lake_peak or not all(peaks):
        return None
    return {
        "rule": "peak worker RSS on the big object ≤ 1.5 × peak worker RSS on the lake",
        "baseline_tiny_worker_mb": runs["tiny-local1"]["peak_rss_mb"].get("worker"),
        "lake_worker_mb": lake_peak,
        "big_plain_worker_mb": peaks[0],
        "big_gz_worker_mb": peaks[1],
        "bounded": max(peaks) <= 1.5 * lake_peak,
    }


def _f(x: Any, nd: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def _status(s: dict[str, Any]) -> str:
    return ",".join(f"{k}={n}" for k, n in (s.get("objects_by_status") or {}).items())


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def _per_finding(r: dict[str, Any], s: dict[str, Any]) -> float | None:
    worker = r["cpu_seconds_by_kind"].get("worker")
    return _ratio(worker * 1e6 if worker else None, s.get("findings"))


def _finding_budget(s: dict[str, Any], g: dict[str, Any]) -> float | None:
    """CPU each finding may take, everything included (reading, detection, redaction,
    findings rows), for one core to scan this data at the target: density sets the bar."""
    per_mb = s.get("findings", 0) / g["mb_scanned"] if g.get("mb_scanned") else 0
    return round(1e6 / (TARGET_MB_S_PER_CORE * per_mb), 2) if per_mb else None


def _busy(r: dict[str, Any]) -> str:
    busy = r.get("seconds_with_n_busy_workers") or {}
    return "/".join(_f(busy.get(str(n), 0.0), 0) for n in (0, 1, 2))


def _phases(s: dict[str, Any]) -> str:
    p = s.get("phase_seconds") or {}
    return "/".join(_f(p.get(x), 0) for x in ("plan", "spark_start", "scan", "commit"))


def _cpu(r: dict[str, Any]) -> str:
    cpu = r["cpu_seconds_by_kind"]
    return "/".join(_f(cpu.get(x), 0) for x in ("worker", "jvm", "driver"))


LAKE_ROWS: list[tuple[str, Any]] = [
    ("process wall s (subprocess start → exit)", lambda r, s, g: r["process_wall_seconds"]),
    ("job s (summary `seconds`, crawl → commit)", lambda r, s, g: s.get("seconds")),
    ("  fixed start-up s (1-file lake, job s)", lambda r, s, g: g.get("startup_job_seconds")),
    ("  net s (job − start-up)", lambda r, s, g: g.get("net_seconds")),
    ("  plan / Spark start / scan / commit s", lambda r, s, g: _phases(s)),
    ("MB scanned (decompressed, bytes_scanned)", lambda r, s, g: g.get("mb_scanned")),
    ("MB listed (on disk, bytes_listed)", lambda r, s, g: g.get("mb_listed")),
    ("objects / units", lambda r, s, g: f"{_f(s.get('objects'))}/{_f(s.get('units'))}"),
    ("objects by status", lambda r, s, g: _status(s)),
    ("findings", lambda r, s, g: s.get("findings")),
    ("findings per MB scanned", lambda r, s, g: _ratio(s.get("findings"), g.get("mb_scanned"))),
    ("worker CPU µs per finding", lambda r, s, g: _per_finding(r, s)),
    ("  budget µs per finding at the target", lambda r, s, g: _finding_budget(s, g)),
    ("MB/s decompressed (job s)", lambda r, s, g: g.get("mb_per_s")),
    ("MB/s per core decompressed (job s)", lambda r, s, g: g.get("mb_per_s_per_core")),
    ("MB/s per core decompressed, net of start-up", lambda r, s, g: g.get("mb_per_s_net_per_core")),
    (
        "MB/s per core decompressed, process wall",
        lambda r, s, g: g.get("mb_per_s_process_wall_per_core"),
    ),
    ("MB/s per core on-disk bytes (job s)", lambda r, s, g: g.get("mb_per_s_listed_per_core")),
    ("MB per CPU-second, all scan processes", lambda r, s, g: g.get("mb_per_cpu_s")),
    ("  same, net of start-up CPU", lambda r, s, g: g.get("mb_per_cpu_s_net_of_startup")),
    ("MB per CPU-second of the Python workers", lambda r, s, g: g.get("mb_per_worker_cpu_s")),
    ("peak RSS one Python worker MB", lambda r, s, g: r["peak_rss_mb"].get("worker")),
    ("peak RSS sum of Python workers MB", lambda r, s, g: r["peak_rss_sum_mb"].get("worker")),
    ("peak PSS sum of Python workers MB", lambda r, s, g: r["peak_worker_pss_sum_mb"]),
    ("peak RSS JVM MB", lambda r, s, g: r["peak_rss_mb"].get("jvm")),
    ("peak RSS driver (CLI python) MB", lambda r, s, g: r["peak_rss_mb"].get("driver")),
    ("CPU s workers / JVM / driver", lambda r, s, g: _cpu(r)),
    ("s with 0/1/2 workers busy (> 50% CPU)", lambda r, s, g: _busy(r)),
    ("CPU utilisation of its cores", lambda r, s, g: f"{r['cpu_utilization']:.0%}"),
    (
        "other processes' CPU on its cores",
        lambda r, s, g: f"{r['other_load']['foreign_share']:.0%}",
    ),
]


def print_lake_table(runs: dict[str, dict[str, Any]], figs: dict[str, dict[str, Any]]) -> None:
    labels = list(runs)
    print(f"  {'':<46}" + "".join(f"{runs[k]['master']:>14}" for k in labels))
    for name, get in LAKE_ROWS:
        cells = [_f(get(runs[k], runs[k].get("summary") or {}, figs[k])) for k in labels]
        note = ""
        if name == "MB/s per core decompressed (job s)":
            verdicts = [_verdict(figs[k].get("pass_per_core")) for k in labels]
            note = f"  {' '.join(verdicts)} (target ≥ {TARGET_MB_S_PER_CORE:g})"
        print(f"  {name:<46}" + "".join(f"{c:>14}" for c in cells) + note)


# ------------------------------------------------------------------------- main
def machine_info() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "java": (java.stderr.splitlines() or ["unknown"])[0],
    }


def git(*args: str) -> str:
    r = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return r.stdout.strip()


def git_dirty() -> list[str]:
    return git("status", "--porcelain", "jobs", "detectors", "conf").splitlines()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.scan",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--size-mb", type=float, default=None, help="lake size on disk (default 500)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep every scan's output under DIR/<run> (default: deleted)",
    )
    ap.add_argument(
        "--big-log-mb",
        type=float,
        default=None,
        help="size of the one-object memory check in MiB (default 1024)",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 50 MB lake, 100 MiB big log")
    ap.add_argument("--no-profile", action="store_true", help="skip the py-spy profiled run")
    ap.add_argument("--no-pin", action="store_true", help="do not pin local[N] to N cores")
    ap.add_argument(
        "--code",
        choices=("head", "worktree"),
        default="head",
        help="scan with the committed HEAD (default; a snapshot under bench/data) or the "
        "working tree as it is",
    )
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=300,
        metavar="S",
        help="before each run, wait up to S seconds for other load to stop (default 300; 0: no)",
    )
    args = ap.parse_args(argv)
    size_mb = args.size_mb if args.size_mb is not None else (50 if args.quick else 500)
    big_mib = args.big_log_mb if args.big_log_mb is not None else (100 if args.quick else 1024)
    command = shlex.join(["python", "-m", "bench.scan", *(sys.argv[1:] if argv is None else argv)])

    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_root = (
        args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="scan-out-", dir=DATA))
    )
    out_root.mkdir(parents=True, exist_ok=True)
    code_dir, code = code_snapshot(args.code)
    cfg = Settings(code_dir=code_dir, pin=not args.no_pin, wait_idle=args.wait_idle)
    results: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "quick": args.quick,
        "machine": machine_info(),
        "code": code,
        "sample_lake_commit": git("log", "-1", "--format=%h %s", "--", "jobs/sample_lake"),
        "units": "MB = 10^6 bytes; MiB = 2^20 bytes; MB/s on decompressed bytes unless named",
        "targets": {"mb_per_s_per_core": TARGET_MB_S_PER_CORE, "speedup_local2": TARGET_SPEEDUP},
    }
    try:
        lake, lake_stats = ensure_lake(size_mb, args.seed)
        results["lake"] = lake_stats
        big = ensure_big_logs(lake, lake_stats, big_mib)
        results["big_log"] = big
        tiny = make_tiny_lake(lake)
        big_plain, big_gz = REPO / big["dir"] / "big.log", REPO / big["dir"] / "big.log.gz"
        warm_page_cache([lake, big_plain, big_gz, tiny])
        print(
            f"lake {lake.name}: {lake_stats['files']} files, {lake_stats['mb']} MB on disk; "
            f"big log {big['plain_bytes'] / MIB:,.0f} MiB (.gz {big['gz_bytes'] / MIB:,.0f} MiB)"
            f"; outputs under {out_root}"
        )

        runs: dict[str, dict[str, Any]] = {}
        # Untimed: the first local session without a class-data archive writes one
        # (jobs.driver_archive, ~12 s more); a timed start-up run that paid for it would
        # overstate the start-up and with it every net figure.
        print("warm-up (1-file lake, untimed):")
        run_scan("warm-up", tiny, out_root / "warm-up", "local[1]", cfg)
        shutil.rmtree(out_root / "warm-up", ignore_errors=True)
        print("start-up (1-file lake):")
        for n in (1, 2):
            runs[f"tiny-local{n}"] = run_scan(
                f"tiny-local{n}", tiny, out_root / f"tiny-local{n}", f"local[{n}]", cfg
            )
        print("lake:")
        raw = None
        if not args.no_profile and py_spy() is not None:
            raw = DATA / "logs" / "scan-lake-local1.pyspy.txt"
            for old in raw.parent.glob(f"{raw.stem}-*"):
                old.unlink()
        for n in (1, 2):
            runs[f"lake-local{n}"] = run_scan(
                f"lake-local{n}",
                lake,
                out_root / f"lake-local{n}",
                f"local[{n}]",
                cfg,
                profile=raw if n == 1 else None,
            )
        print("one large object (memory):")
        runs["big-plain-local1"] = run_scan(
            "big-plain-local1", big_plain, out_root / "big-plain-local1", "local[1]", cfg
        )
        if not args.keep:
            shutil.rmtree(out_root / "big-plain-local1", ignore_errors=True)
        runs["big-gz-local1"] = run_scan(
            "big-gz-local1", big_gz, out_root / "big-gz-local1", "local[1]", cfg
        )
        if not args.keep:
            shutil.rmtree(out_root / "big-gz-local1", ignore_errors=True)
        results["runs"] = runs

        figs = {
            f"lake-local{n}": throughput(runs[f"lake-local{n}"], runs[f"tiny-local{n}"])
            for n in (1, 2)
        }
        for k in ("big-plain-local1", "big-gz-local1"):
            figs[k] = throughput(runs[k], runs["tiny-local1"])
        results["figures"] = figs
        f1, f2 = figs["lake-local1"], figs["lake-local2"]
        speedup: dict[str, Any] = {}
        if f1 and f2:
            speedup = {
                "job_seconds": round(f2["mb_per_s"] / f1["mb_per_s"], 3),
                "net_of_startup": (
                    round(f1["net_seconds"] / f2["net_seconds"], 3)
                    if f1.get("net_seconds") and f2.get("net_seconds")
                    else None
                ),
                "process_wall": round(
                    runs["lake-local1"]["process_wall_seconds"]
                    / runs["lake-local2"]["process_wall_seconds"],
                    3,
                ),
            }
            speedup["pass"] = speedup["job_seconds"] >= TARGET_SPEEDUP
        results["speedup_local2"] = speedup

        profile: dict[str, Any] = {"ok": False, "reason": "--no-profile"}
        if raw is not None:
            profile = {
                **summarize_profile(sorted(raw.parent.glob(f"{raw.stem}-*.txt"))),
                "raw": str(raw.relative_to(REPO).with_name(f"{raw.stem}-<daemon pid>.txt")),
                "run": "lake-local1 (the timed run)",
            }
        elif not args.no_profile:
            profile["reason"] = "py-spy not installed (.venv/bin/pip install py-spy)"
        if profile.get("ok") and runs["lake-local1"]["ok"]:
            worker_cpu = runs["lake-local1"]["cpu_seconds_by_kind"].get("worker", 0.0)
            profile["by_reader"] = reader_breakdown(
                out_root / "lake-local1", "bench-lake-local1", profile, worker_cpu
            )
        results["profile"] = profile

        det: dict[str, Any] = {}
        if runs["lake-local1"]["ok"] and runs["lake-local2"]["ok"]:
            det["findings"] = compare_findings(out_root / "lake-local1", out_root / "lake-local2")
            det["redacted"] = compare_redacted(out_root / "lake-local1", out_root / "lake-local2")
        results["determinism"] = det
        results["memory_bounded"] = memory_check(runs)
        if not args.keep:
            for n in (1, 2):
                shutil.rmtree(out_root / f"lake-local{n}", ignore_errors=True)
                shutil.rmtree(out_root / f"tiny-local{n}", ignore_errors=True)

    finally:
        if not args.keep:
            shutil.rmtree(out_root, ignore_errors=True)

    out = DATA / "scan-quick.json" if args.quick else RESULTS / "scan-latest.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out)
    report(results)
    print(f"\nresults -> {out.relative_to(REPO)}")
    failed = [k for k, r in results["runs"].items() if not r["ok"]]
    return 1 if failed else 0


def report(results: dict[str, Any]) -> None:
    m, lake, runs, figs = (results["machine"], results["lake"], results["runs"], results["figures"])
    print(f"\n{m['cpu_model']}, {m['cpus']} cores, {m['memory_gb']} GB; {m['java']}")
    print(
        f"lake {lake['root']}: {lake['files']} files, {lake['mb']} MB on disk, "
        f"{lake['uncompressed_bytes'] / MB:,.1f} MB uncompressed (generator's count)\n"
    )
    print_lake_table(
        {k: runs[k] for k in ("lake-local1", "lake-local2")},
        {k: figs[k] for k in ("lake-local1", "lake-local2")},
    )
    sp = results["speedup_local2"]
    if sp:
        print(
            f"\n  speed-up local[2]/local[1] (MB/s on job s): {sp['job_seconds']:.2f} "
            f"{_verdict(sp['pass'])} (target ≥ {TARGET_SPEEDUP}); net of start-up "
            f"{_f(sp['net_of_startup'], 2)}; process wall {_f(sp['process_wall'], 2)}"
        )
    det = results["determinism"]
    if det:
        fd, rd = det["findings"], det["redacted"]
        f_note = (
            "OK"
            if fd["same"]
            else (f"DIFF ({fd['only_a']} only in local[1], {fd['only_b']} only in local[2])")
        )
        r_note = "OK" if rd["same"] else f"DIFF ({rd['differ']} differ)"
        print(
            f"  determinism local[1] vs local[2]: findings rows {fd['rows_a']:,} vs "
            f"{fd['rows_b']:,} → {f_note}; redacted copies {rd['files_a']} vs "
            f"{rd['files_b']} files → {r_note}"
        )

    print("\n  one large object, local[1]:")
    print(
        f"  {'':<34}{'MB listed':>11}{'MB scanned':>12}{'job s':>8}{'MB/s':>8}{'net MB/s':>10}"
        f"{'worker peak MB':>16}{'JVM peak MB':>13}  status"
    )
    for k in ("tiny-local1", "lake-local1", "big-plain-local1", "big-gz-local1"):
        r, s, g = runs[k], runs[k].get("summary") or {}, figs.get(k) or {}
        mbps = (s["bytes_scanned"] / MB / s["seconds"]) if s.get("seconds") else None
        st = ",".join(f"{a}={b}" for a, b in (s.get("objects_by_status") or {}).items())
        print(
            f"  {k + ' (' + r['source'].rsplit('/', 1)[-1] + ')':<34}"
            f"{_f((s.get('bytes_listed') or 0) / MB):>11}"
            f"{_f((s.get('bytes_scanned') or 0) / MB):>12}"
            f"{_f(s.get('seconds')):>8}{_f(mbps):>8}{_f(g.get('mb_per_s_net_per_core')):>10}"
            f"{_f(r['peak_rss_mb'].get('worker')):>16}"
            f"{_f(r['peak_rss_mb'].get('jvm')):>13}  {st if r['ok'] else 'FAILED'}"
        )
    mem = results.get("memory_bounded")
    if mem:
        print(
            f"  memory bounded (big-object worker peak ≤ 1.5 × lake worker peak "
            f"{mem['lake_worker_mb']:,.0f} MB): {'OK' if mem['bounded'] else 'GROWS'}"
        )

    failed = {k: r for k, r in runs.items() if not r["ok"]}
    for k, r in failed.items():
        print(f"\n  run {k} FAILED (exit {r['rc']}); last stderr lines:")
        for line in r.get("stderr_tail", [])[-15:]:
            print(f"    {line[:200]}")
        s = r.get("summary") or {}
        if s:
            print(
                f"    committed anyway; units by status {s['units_by_status']}, "
                f"objects failed or skipped by reason {s['reasons']}"
            )
    prof = results.get("profile") or {}
    if prof.get("ok"):
        print(
            f"\n  py-spy, Python workers of a local[1] lake scan ({prof['worker_samples']:,} "
            f"samples; raw stacks in {prof['raw']}):"
        )
        titles = (
            ("functions by own samples", "top_own"),
            ("piisweep functions by inclusive samples", "top_inclusive_piisweep"),
            ("files by own samples", "own_by_file"),
        )
        for title, key in titles:
            print(f"    {title}:")
            for r in prof[key]:
                print(f"      {r['percent']:>5.1f}%  {r['function']}")
        if prof.get("by_reader"):
            print("    by reader (CPU estimated from the share of samples under it):")
            print(
                f"      {'reader':<18}{'objects':>8}{'MB on disk':>12}{'findings':>11}"
                f"{'CPU share':>11}{'CPU s':>8}{'MB/CPU-s':>10}{'findings/CPU-s':>16}"
            )
            for name, r in prof["by_reader"].items():
                print(
                    f"      {name:<18}{r['objects']:>8}{_f(r['mb_on_disk']):>12}"
                    f"{_f(r['findings']):>11}{r['worker_cpu_share']:>11.1%}"
                    f"{_f(r['worker_cpu_seconds_est'], 0):>8}{_f(r['mb_on_disk_per_cpu_s'], 2):>10}"
                    f"{_f(r['findings_per_cpu_s']):>16}"
                )
    elif prof:
        print(f"\n  profile: {prof.get('reason', 'no worker samples')}")


if __name__ == "__main__":
    sys.exit(main())
