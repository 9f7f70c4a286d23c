"""``piisweep scan --master spark://…`` on a real standalone cluster, its executors on a node
Python where the wheel is installed, gives exactly the scan of local Spark, also when an
executor is killed mid-scan; the executors import the wheel's compiled module; and
``spark-submit --archives`` ships a packed virtualenv with the wheel to executors whose own
Python lacks it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from nodeenv import node_python, pack, site_packages
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
from standalone import StandaloneCluster

from jobs.storage import bookkeeping_reason

MARKER = bookkeeping_reason("_SUCCESS", directory=False)

SCAN_ID = "cluster-1"


def assert_all_ok_but_markers(summary: dict[str, Any]) -> None:
    """Every object ok, except the sample lake's `_SUCCESS` markers: listed as skipped
    bookkeeping (Spark's rule), never read."""
    markers = summary["reasons"].get(f"skipped: {MARKER}", 0)
    assert markers and summary["reasons"] == {f"skipped: {MARKER}": markers}
    assert summary["objects_by_status"] == {"ok": summary["objects"] - markers, "skipped": markers}


@pytest.fixture(scope="module")
def local_scan(lake: Path, scan_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same lake, settings and scan id on local Spark."""
    out = tmp_path_factory.mktemp("local") / "out"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    summary = run_scan([str(lake)], out, SCAN_ID, "local[2]", scan_config, env)
    assert_all_ok_but_markers(summary)
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
    assert_all_ok_but_markers(summary)


def test_cluster_scan_equals_local_scan(local_scan: Path, cluster_scan: dict[str, Any]) -> None:
    assert_same_scan(local_scan, cluster_scan["out"], SCAN_ID)
    assert cluster_scan["summary"]["findings"] == len(findings(local_scan, SCAN_ID))


def test_scan_survives_a_killed_executor(
    cluster: StandaloneCluster, lake: Path, scan_config: Path, cluster_scan: dict[str, Any]
) -> None:
    """SIGKILL one executor JVM once the first units are staged: the standalone master starts
    a new executor, Spark reruns the lost tasks, and the commit is the clean scan's."""
    out = Path(cluster.root) / "fault" / "out"
    staging = out / "_staging" / SCAN_ID  # one directory per attempt, its id random
    total_units = cluster_scan["summary"]["units"]
    proc = start_scan([str(lake)], out, SCAN_ID, cluster.master_url, scan_config, cluster.env())
    killed: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            done = len(list(staging.glob("*/redacted/*.parquet")))
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


# What a spark-submit of the tier sets beyond conf/spark-defaults.conf: executors that fit
# the workers' 1g, no web UI (no port fights), and every executor registered before the
# first task, so that the probe's tasks reach both.
SUBMIT_CONF = {
    "spark.executor.memory": "768m",
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
}


def _grafted(site: Path) -> set[str]:
    """The libraries auditwheel grafted into the wheel, as installed under ``site``."""
    return {p.name for p in (site / "piisweep.libs").glob("*")}


def _probe(
    cluster: StandaloneCluster,
    tmp_path: Path,
    env: dict[str, str],
    conf: dict[str, str],
    options: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Run probe_app.py on the cluster, copied away from the source tree: for each of its
    tasks, where the executor's Python worker imported piisweep from."""
    app = tmp_path / "probe" / "probe_app.py"
    app.parent.mkdir()
    shutil.copy(Path(__file__).with_name("probe_app.py"), app)
    proc = cluster.spark_submit(
        app, ["8"], conf={**SUBMIT_CONF, **conf}, env=env, cwd=app.parent, options=options
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(rows) == 8
    # every worker's executor ran some of the tasks (its working directory is the worker's)
    root = cluster.root.resolve()
    workers = {Path(r["cwd"]).resolve().relative_to(root).parts[0] for r in rows}
    assert workers == {f"worker-{i}" for i in range(cluster.workers)}
    assert len({r["native_version"] for r in rows}) == 1
    return rows


def test_wheel_ships_the_code(wheel: Path) -> None:
    """Every module of the two packages and the compiled core, one module for CPython 3.10
    and later (abi3) with a manylinux tag, and the shared libraries it links that manylinux
    does not allow (grafted by auditwheel); no tests, caches or DAG files."""
    files = [n for n in zipfile.ZipFile(wheel).namelist() if not n.endswith("/")]
    names = {n for n in files if n.split("/")[0] in ("detectors", "jobs")}
    grafted = [n for n in files if n.startswith("piisweep.libs/")]
    assert all(re.search(r"\.so(\.\d+)*$", n) for n in grafted), grafted
    assert set(files) - names - set(grafted) == {
        n for n in files if re.fullmatch(r"piisweep-[^/]+\.dist-info/.+", n)
    }
    sources = {
        str(p.relative_to(REPO))
        for package in ("detectors", "jobs")
        for p in (REPO / package).rglob("*.py")
        if (p.parent / "__init__.py").exists() and "__pycache__" not in p.parts
    }
    assert {n for n in names if n.endswith(".py")} == sources
    assert [n for n in names if n.endswith(".so")] == ["detectors/_native.abi3.so"]
    assert not [n for n in names if n.startswith("jobs/airflow/") or "__pycache__" in n]
    assert "jobs/scan.py" in names
    assert re.fullmatch(r"piisweep-[^-]+-cp310-abi3-manylinux_\d+_\d+_x86_64\.whl", wheel.name)


def test_executors_import_the_installed_wheel(
    cluster: StandaloneCluster, node_env: Path, tmp_path: Path
) -> None:
    """The Python workers of both executors import ``detectors._native``, ``detectors`` and
    ``jobs`` from the node's virtualenv (the wheel), not from this checkout."""
    python = str(node_env / "bin" / "python")
    env = cluster.env(PYSPARK_DRIVER_PYTHON=python)
    env.pop("PYTHONPATH", None)
    rows = _probe(cluster, tmp_path, env, conf={})
    site = site_packages(node_env)
    for r in rows:
        assert r["prefix"] == str(node_env), r
        for module in ("native", "detectors", "jobs"):
            assert Path(r[module]).resolve().is_relative_to(site), r
        # the wheel's own copies of the libraries it carries, not the system's
        assert {Path(p).name for p in r["grafted"]} == _grafted(site), r
        assert all(Path(p).resolve().is_relative_to(site) for p in r["grafted"]), r
    assert Path(rows[0]["native"]).name == "_native.abi3.so"


def test_archived_env_ships_the_code(
    cluster: StandaloneCluster,
    node_env: Path,
    lake: Path,
    scan_config: Path,
    cluster_scan: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The node's virtualenv packed and shipped with ``--archives ENV#env``, executors on
    ``./env/bin/python`` (``spark.pyspark.python``), the driver (client mode) on a Python
    where the wheel is installed. The nodes' own Python (``PYSPARK_PYTHON``) lacks piisweep:
    the executors import it from the unpacked archive, and ``jobs/scan.py`` on its own scans
    as ``piisweep scan`` did."""
    archive = pack(node_env, tmp_path / "piisweep-env.tar.gz")
    bare = node_python(tmp_path / "bare-env")
    probe = subprocess.run(
        [str(bare), "-c", "import pyarrow, pyspark\nimport detectors"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert "No module named 'detectors'" in probe.stderr, probe.stderr
    env = cluster.env(PYSPARK_PYTHON=str(bare), **KEYS)
    env.pop("PYTHONPATH", None)
    conf = {
        "spark.pyspark.python": "./env/bin/python",
        "spark.pyspark.driver.python": str(node_env / "bin" / "python"),
    }
    archives = ("--archives", f"{archive}#env")

    for r in _probe(cluster, tmp_path, env, conf, options=archives):
        unpacked = Path(r["cwd"]) / "env"
        assert r["prefix"] == str(unpacked), r
        for module in ("native", "detectors", "jobs"):
            assert Path(r[module]).is_relative_to(unpacked / "lib"), r
        assert {Path(p).name for p in r["grafted"]} == _grafted(site_packages(node_env)), r
        assert all(Path(p).is_relative_to(unpacked / "lib") for p in r["grafted"]), r

    # The application file on its own, away from the source tree, as an operator ships it.
    app = tmp_path / "app" / "scan.py"
    app.parent.mkdir()
    shutil.copy(REPO / "jobs" / "scan.py", app)
    source = lake / "partner-api"
    out = tmp_path / "out"
    proc = cluster.spark_submit(
        app,
        [
            str(source), "--out", str(out), "--scan-id", SCAN_ID,
            "--config", str(scan_config),
            "--policy", str(REPO / "conf" / "policy.yaml"),
            "--conf-dir", str(REPO / "conf"),
            "--no-progress", "--json",
        ],
        conf={**SUBMIT_CONF, **conf},
        env=env,
        cwd=app.parent,
        options=("--properties-file", str(REPO / "conf" / "spark-defaults.conf"), *archives),
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
