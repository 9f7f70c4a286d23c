"""Ctrl-C during `piisweep scan`, as a terminal sends it: SIGINT to the whole foreground
process group (the CLI, Spark's JVM and its Python workers). The scan must stop with one
line and status 130, no Python or Py4J traceback, no process left behind, nothing
committed, and the scan id's lock released for the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs.sample_lake import generate_lake

PIISWEEP = Path(sys.executable).with_name("piisweep")


def _group_members(pgid: int) -> list[str]:
    members = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(pid)
    return members


def test_when_a_scan_gets_ctrl_c_then_it_stops_cleanly_and_commits_nothing(tmp_path):
    lake, out = tmp_path / "lake", tmp_path / "out"
    generate_lake(lake, size_mb=10, seed=3)
    err = (tmp_path / "stderr").open("w+")
    proc = subprocess.Popen(
        [str(PIISWEEP), "scan", str(lake), "--out", str(out), "--scan-id", "cut"],
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,  # its own process group, like a shell's foreground job
        env={**os.environ, "PIISWEEP_FINGERPRINT_KEY": "11" * 32, "PIISWEEP_TOKEN_KEY": "22" * 32},
    )
    try:
        deadline = time.monotonic() + 240
        while "units" not in Path(err.name).read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, Path(err.name).read_text()[-2000:]
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        status = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr = Path(err.name).read_text()
    assert status == 130, stderr[-3000:]
    assert "piisweep: interrupted; nothing was committed" in stderr
    assert "Traceback" not in stderr and "Py4JJavaError" not in stderr
    deadline = time.monotonic() + 30
    while _group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)  # the JVM and the workers end with their parent
    assert _group_members(proc.pid) == []
    assert not (out / "scans" / "cut.json").exists()
    assert not (out / "_locks" / "cut.json").exists()
