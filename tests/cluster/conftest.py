"""The cluster tier: a Spark standalone master and two workers started from the pyspark
install, on 127.0.0.1, for the whole session; a seeded sample lake; the scan settings.

Each scan runs as ``piisweep scan`` in its own process (its own driver JVM), as an operator
runs it. Executors run the Python of a node (``PYSPARK_PYTHON``): a virtualenv where the
wheel of ``make dist`` is installed, compiled ``detectors._native`` included, over this
interpreter's third-party packages (``tests/nodeenv.py``); the driver runs this checkout.
``test_executors_import_the_installed_wheel`` shows where the executors import it from;
``test_archived_env_ships_the_code`` ships the same virtualenv with ``--archives``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nodeenv import build_wheel, node_python
from standalone import StandaloneCluster

from jobs.sample_lake import generate_lake

LAKE_MB = 2.0
LAKE_SEED = 11


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cluster/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make dist`` into a temporary directory: the wheel the nodes install."""
    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def node_env(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A node's virtualenv with the wheel installed; its Python imports piisweep from there."""
    env_dir = tmp_path_factory.mktemp("node") / "env"
    node_python(env_dir, wheel)
    return env_dir


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, node_env: Path
) -> Iterator[StandaloneCluster]:
    root = tmp_path_factory.mktemp("standalone")
    python = str(node_env / "bin" / "python")
    with StandaloneCluster(root, workers=2, cores=1, memory="1g", python=python) as c:
        yield c


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cluster-lake") / "lake"
    generate_lake(root, size_mb=LAKE_MB, seed=LAKE_SEED)
    return root


@pytest.fixture(scope="session")
def scan_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small units and 16 partitions: many tasks, so a scan is still running when a test
    kills an executor, and every partition holds several units."""
    path = tmp_path_factory.mktemp("cluster-conf") / "scan.yaml"
    path.write_text(
        "unit_mb: 0.1\n"
        "partitions: 16\n"
        "spark:\n"
        '  spark.ui.enabled: "false"\n'  # no 4040 port fights with other Spark processes
        '  spark.executor.memory: "768m"\n'  # fits the workers' 1g
    )
    return path
