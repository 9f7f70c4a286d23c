"""The Airflow tier: a real Airflow installation (.venv-airflow, `make airflow-venv`) with its
own AIRFLOW_HOME and SQLite database in a temporary directory, the DAG folder jobs/airflow/,
and a node's Python: the wheel that `make dist` builds installed in a virtualenv over this
venv's packages (tests/nodeenv.py), where the DAG's tasks run piisweep.

Airflow reads its configuration when it is first imported, so the environment is set here,
before any test module imports it. spark-submit is the one of this venv's pyspark (first on
PATH), and Spark runs locally.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from nodeenv import build_wheel, node_python


def airflow_installed() -> bool:
    """Looked up, not imported: Airflow reads its configuration on import, set below. (With
    tests/ on sys.path, this directory passes for a namespace package named airflow.)"""
    spec = importlib.util.find_spec("airflow")
    return spec is not None and spec.origin is not None


REPO = Path(__file__).resolve().parents[2]
DAG_FOLDER = REPO / "jobs" / "airflow"
AIRFLOW_HOME = Path(tempfile.gettempdir()) / f"piisweep-airflow-{os.getpid()}"
BIN = Path(sys.executable).parent

ENV = {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FOLDER),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME}/airflow.db",
    # The DAG's Spark connection: a local master (a run's `master` param overrides it).
    "AIRFLOW_CONN_PIISWEEP_SPARK": '{"conn_type": "spark", "host": "local[2]"}',
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "SPARK_LOCAL_IP": "127.0.0.1",
    "PYSPARK_PYTHON": sys.executable,
    "PYSPARK_DRIVER_PYTHON": sys.executable,
}
if airflow_installed():
    os.environ.update(ENV)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/airflow/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.airflow)


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """`airflow db migrate` into the temporary SQLite database, removed at the end."""
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    yield AIRFLOW_HOME
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def node_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make dist` into a temporary directory and the wheel installed in a node's virtualenv
    (its own `piisweep` script included); its Python imports piisweep from there."""
    wheel = build_wheel(tmp_path_factory.mktemp("dist"))
    env_dir = tmp_path_factory.mktemp("node") / "env"
    node_python(env_dir, wheel)
    assert (env_dir / "bin" / "piisweep").is_file()
    return env_dir
