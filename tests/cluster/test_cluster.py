"""``piisweep scan --master spark://…`` on a real standalone cluster gives exactly the scan
of local Spark, also when an executor is killed mid-scan, and ``spark-submit --py-files``
ships the code to executors that do not have it installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scanrun import (
    KEYS,
    REPO,
    assert_same_scan,
    duplicates,
    findings,
    finish,
    manifest,
    run_scan,
    start_scan,
)
from standalone import SPARK_HOME, StandaloneCluster

SCAN_ID = "cluster-1"


@pytest.fixture(scope="module")
def local_scan(lake: Path, scan_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same lake, settings and scan id on local Spark."""
    out = tmp_path_factory.mktemp("local") / "out"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    summary = run_scan([str(lake)], out, SCAN_ID, "local[2]", scan_config, env)
    assert summary["objects_by_status"] == {"ok": summary["objects"]}
    return out


@pytest.fixture(scope="module")
def cluster_scan(cluster: StandaloneCluster, lake: Path, scan_config: Path) -> dict[str, Any]:
    out = Path(cluster.root) / "clean" / "out"
    summary = run_scan([str(lake)], out, SCAN_ID, cluster.master_url, scan_config, cluster.env())
    return {"out": out, "summary": summary}


def _apps(cluster: StandaloneCluster) -> list[dict[str, Any]]:
    state = cluster.state()
    return [*state.get("activeapps", []), *state.get("completedapps", [])]


def test_cluster_scan_ran_on_both_workers(
    cluster: StandaloneCluster, cluster_scan: dict[str, Any]
) -> None:
    apps = [a for a in _apps(cluster) if a["name"] == "piisweep"]
    assert apps, "the scan did not run as an application of the standalone master"
    app_id = apps[0]["id"]
    # every worker started an executor for the application (its work dir has the app's)
    used = [(cluster.root / f"worker-{i}" / app_id).is_dir() for i in range(cluster.workers)]
    assert used == [True] * cluster.workers
    summary = cluster_scan["summary"]
    assert summary["units"] > 16  # several units per partition
    assert summary["objects_by_status"] == {"ok": summary["objects"]}


def test_cluster_scan_equals_local_scan(local_scan: Path, cluster_scan: dict[str, Any]) -> None:
    assert_same_scan(local_scan, cluster_scan["out"], SCAN_ID)
    assert cluster_scan["summary"]["findings"] == len(findings(local_scan, SCAN_ID))


def test_scan_survives_a_killed_executor(
    cluster: StandaloneCluster, lake: Path, scan_config: Path, cluster_scan: dict[str, Any]
) -> None:
    """SIGKILL one executor JVM once the first units are staged: the standalone master starts
    a new executor, Spark reruns the lost tasks, and the commit is the clean scan's."""
    out = Path(cluster.root) / "fault" / "out"
    staged = out / "_staging" / SCAN_ID / "redacted"
    total_units = cluster_scan["summary"]["units"]
    proc = start_scan([str(lake)], out, SCAN_ID, cluster.master_url, scan_config, cluster.env())
    killed: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            done = len(list(staged.glob("*.parquet"))) if staged.is_dir() else 0
            executors = cluster.executor_pids()
            if done >= 1 and len(executors) == cluster.workers:
                killed = {"pid": executors[0], "staged_units": done}
                cluster.kill_executor(executors[0])
                break
            time.sleep(0.05)
        summary = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed, "the scan ended before an executor could be killed"
    # the kill landed mid-scan: units were still to be scanned, nothing was committed yet
    assert killed["staged_units"] < total_units
    assert "lost executor" in summary["_stderr"].lower()
    assert summary["units"] == total_units
    assert_same_scan(cluster_scan["out"], out, SCAN_ID)
    assert not duplicates(findings(out, SCAN_ID))


def _python_without_piisweep(root: Path) -> Path:
    """A venv that sees .venv's third-party packages but not the editable piisweep install
    (a plain path entry: site-packages' own .pth files, the editable finder among them, are
    not run), as on a cluster node that has the dependencies but not this project."""
    env_dir = root / "node-python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    base = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    (site / "node_deps.pth").write_text(base + "\n")
    return env_dir / "bin" / "python"


@pytest.fixture(scope="module")
def py_files_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make dist`` into a temporary directory: the zip that --py-files ships."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        ["make", "-s", "dist", f"DIST={dist}"], cwd=REPO, check=True, capture_output=True
    )
    return dist / "piisweep-py.zip"


def test_py_files_zip_ships_the_code(
    cluster: StandaloneCluster,
    lake: Path,
    scan_config: Path,
    cluster_scan: dict[str, Any],
    py_files_zip: Path,
    tmp_path: Path,
) -> None:
    import zipfile

    names = set(zipfile.ZipFile(py_files_zip).namelist())
    # every module of the two packages, nothing else (no tests, caches, DAG files)
    sources = {
        str(p.relative_to(REPO))
        for package in ("detectors", "jobs")
        for p in (REPO / package).rglob("*.py")
        if (p.parent / "__init__.py").exists() and "__pycache__" not in p.parts
    }
    assert {n for n in names if not n.startswith("piisweep-")} == sources
    assert "jobs/scan.py" in names and not [n for n in names if n.startswith("jobs/airflow/")]

    python = _python_without_piisweep(tmp_path)
    probe = subprocess.run(
        [str(python), "-c", "import pyarrow, pyspark\nimport detectors"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert "No module named 'detectors'" in probe.stderr, probe.stderr

    # The application file on its own, away from the source tree, as an operator ships it.
    app = tmp_path / "app" / "scan.py"
    app.parent.mkdir()
    shutil.copy(REPO / "jobs" / "scan.py", app)
    source = lake / "partner-api"
    out = tmp_path / "out"
    env = cluster.env(PYSPARK_PYTHON=str(python), PYSPARK_DRIVER_PYTHON=str(python), **KEYS)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [
            str(SPARK_HOME / "bin" / "spark-submit"),
            "--master", cluster.master_url,
            "--properties-file", str(REPO / "conf" / "spark-defaults.conf"),
            "--conf", "spark.executor.memory=768m",
            "--conf", "spark.driver.memory=1g",
            "--conf", "spark.ui.enabled=false",
            "--py-files", str(py_files_zip),
            str(app), str(source),
            "--out", str(out), "--scan-id", SCAN_ID,
            "--config", str(scan_config),
            "--policy", str(REPO / "conf" / "policy.yaml"),
            "--conf-dir", str(REPO / "conf"),
            "--no-progress", "--json",
        ],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    # the same findings as the clean cluster scan has for these objects
    prefix = f"file://{source}/"
    expected = [
        r for r in findings(cluster_scan["out"], SCAN_ID) if r["source_uri"].startswith(prefix)
    ]
    got = findings(out, SCAN_ID)
    assert expected and got == expected
    expected_manifest = [
        r for r in manifest(cluster_scan["out"], SCAN_ID) if r["uri"].startswith(prefix)
    ]
    assert manifest(out, SCAN_ID) == expected_manifest
