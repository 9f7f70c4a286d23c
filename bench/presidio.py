"""Presidio side of the engine benchmark: its own venv, run out of process.

Presidio drags in spaCy, thinc and friends; installing them into the project venv would
change what piisweep runs with, so it lives in ``bench/.venv-presidio`` (git-ignored) and is
driven through ``bench/presidio_run.py`` as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
VENV = BENCH / ".venv-presidio"
REQUIREMENT = "presidio-analyzer>=2.2,<3"


@dataclass
class PresidioRun:
    ok: bool
    reason: str = ""
    findings: Path | None = None
    stats: dict[str, object] | None = None


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path = VENV) -> tuple[Path | None, str]:
    """Create the venv and install Presidio if needed; (python, "") or (None, why not)."""
    py = _venv_python(venv)
    probe = [str(py), "-c", "import presidio_analyzer, spacy"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py, ""
    print(f"[presidio] creating {venv} and installing {REQUIREMENT} (one-time)…", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(py), "-m", "pip", "install", "--quiet", REQUIREMENT],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return None, f"`{' '.join(cmd[:4])} …` failed: {' | '.join(tail)}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return None, "presidio_analyzer installed but does not import"
    return py, ""


def run(slice_path: Path, out_dir: Path, spacy_model: str | None = None) -> PresidioRun:
    """Analyze ``slice_path`` with Presidio pinned to core 0; never raises for Presidio's sake."""
    py, reason = ensure_venv()
    if py is None:
        return PresidioRun(False, reason)
    findings = out_dir / f"{slice_path.stem}.presidio.findings.jsonl"
    stats_path = out_dir / f"{slice_path.stem}.presidio.stats.json"
    cmd = [
        str(py),
        str(BENCH / "presidio_run.py"),
        "--input",
        str(slice_path),
        "--output",
        str(findings),
        "--stats",
        str(stats_path),
        "--pin-core",
        "0",
    ]
    if spacy_model:
        cmd += ["--spacy-model", spacy_model]
    env = dict(os.environ, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        return PresidioRun(False, "presidio_run.py failed: " + " | ".join(tail))
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    return PresidioRun(True, findings=findings, stats=stats)
