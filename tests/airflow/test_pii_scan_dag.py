"""The Airflow DAG ``jobs/airflow/pii_scan_dag.py`` in a real Airflow: it loads, its tasks
run in order, its spark-submit command is the one an operator expects (also with a packed
virtualenv for the executors), and one run with ``dag.test()`` scans, validates and reports
a sample lake on local Spark, every task on the Python of a node where the wheel is
installed; a failed validation fails the run."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from jobs.sample_lake import generate_lake
from jobs.storage import bookkeeping_reason

_spec = importlib.util.find_spec("airflow")
if _spec is None or _spec.origin is None:  # tests/airflow itself is no Airflow
    pytest.skip("runs in .venv-airflow: make airflow-test", allow_module_level=True)

pytestmark = pytest.mark.usefixtures("airflow_db")
REPO = Path(__file__).resolve().parents[2]
DAG_FOLDER = REPO / "jobs" / "airflow"
DAG_ID = "piisweep_pii_scan"


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def dag_env(node_env: Path) -> Iterator[None]:
    """Deployment settings the DAG file reads when it is parsed: piisweep installed on the
    nodes (the node's virtualenv, its path the same everywhere here), its Python for the
    scan's executors and driver, its CLI for validate and report. Spark's local sessions in
    those two take their Python workers from PYSPARK_PYTHON."""
    python = str(node_env / "bin" / "python")
    with _environ(
        PIISWEEP_SPARK_PYTHON=python,
        PIISWEEP_SPARK_DRIVER_PYTHON=python,
        PIISWEEP_CLI=str(node_env / "bin" / "piisweep"),
        PYSPARK_PYTHON=python,
        PYSPARK_DRIVER_PYTHON=python,
    ):
        yield


def _dagbag() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3
    except ImportError:  # pragma: no cover - Airflow 2
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(DAG_FOLDER))


@pytest.fixture(scope="module")
def dag(dag_env: None) -> Any:
    bag = _dagbag()
    assert bag.import_errors == {}
    return bag.get_dag(DAG_ID)


def test_dag_folder_loads_without_import_errors(dag_env: None) -> None:
    bag = _dagbag()
    assert bag.import_errors == {}
    assert list(bag.dag_ids) == [DAG_ID]
    dag = bag.get_dag(DAG_ID)
    assert dag.timetable.expression in ("@daily", "0 0 * * *")
    assert set(dag.params.keys()) == {"sources", "out", "master", "conf_dir", "scan_id"}
    assert dag.params["master"] == "local[*]"


def test_tasks_run_scan_then_validate_then_report(dag: Any) -> None:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    scan, validate, report = (dag.get_task(t) for t in ("scan", "validate", "report"))
    assert isinstance(scan, SparkSubmitOperator)
    assert scan.upstream_task_ids == set()
    assert scan.downstream_task_ids == {"validate"}
    assert validate.downstream_task_ids == {"report"}
    assert report.downstream_task_ids == set()
    assert [t.task_id for t in dag.topological_sort()] == ["scan", "validate", "report"]


def _rendered(dag: Any, task_id: str, run_id: str, **params: Any) -> Any:
    """The task with its templates rendered for a run with these params."""
    task = dag.get_task(task_id)
    values = {name: dag.params[name] for name in dag.params}
    values.update(params)
    task.render_template_fields({"params": values, "run_id": run_id, "dag": dag})
    return task


RUN_ID = "scheduled__2026-03-01T00:00:00+00:00"
RUN_SCAN_ID = "scheduled__2026-03-01T00-00-00-00-00"


def test_rendered_spark_submit_command(dag_env: None, node_env: Path) -> None:
    from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

    dag = _dagbag().get_dag(DAG_ID)  # rendering changes the task: a fresh copy of the DAG
    task = _rendered(
        dag,
        "scan",
        RUN_ID,
        sources=["s3://lake/raw/", "/data/exports dir"],
        out="s3://lake/piisweep",
        master="spark://10.1.2.3:7077",
    )
    hook = task._get_hook()
    assert isinstance(hook, SparkSubmitHook)
    cmd = hook._build_spark_submit_command(task.application)
    conf = f"{REPO}/conf"
    assert cmd[0] == "spark-submit"
    assert cmd[cmd.index("--master") + 1] == "spark://10.1.2.3:7077"
    python = node_env / "bin" / "python"
    assert f"spark.pyspark.python={python}" in cmd
    assert f"spark.pyspark.driver.python={python}" in cmd
    assert "--archives" not in cmd and "--py-files" not in cmd
    assert cmd[cmd.index("--properties-file") + 1] == f"{conf}/spark-defaults.conf"
    app = cmd.index(str(REPO / "jobs" / "scan.py"))
    assert cmd[app + 1 :] == [
        "s3://lake/raw/", "/data/exports dir",
        "--out", "s3://lake/piisweep",
        "--scan-id", RUN_SCAN_ID,
        "--config", f"{conf}/scan.yaml",
        "--policy", f"{conf}/policy.yaml",
        "--conf-dir", conf,
        "--no-progress",
    ]  # fmt: skip

    # An empty master: the connection's (AIRFLOW_CONN_PIISWEEP_SPARK, local[2] here).
    dag = _dagbag().get_dag(DAG_ID)
    task = _rendered(dag, "scan", RUN_ID, sources=["/lake"], out="/out", master="", scan_id="s-1")
    cmd = task._get_hook()._build_spark_submit_command(task.application)
    assert cmd[cmd.index("--master") + 1] == "local[2]"
    assert cmd[cmd.index("--scan-id") + 1] == "s-1"


def test_rendered_command_ships_a_packed_env(dag_env: None) -> None:
    """A packed virtualenv for the executors (YARN, cluster mode): --archives, the executors'
    Python inside it, no driver Python unless one is set."""
    archive = "hdfs://namenode:8020/artifacts/piisweep-env.tar.gz#env"
    with _environ(
        PIISWEEP_ARCHIVES=archive,
        PIISWEEP_SPARK_PYTHON="./env/bin/python",
        PIISWEEP_SPARK_DRIVER_PYTHON="",
    ):
        dag = _dagbag().get_dag(DAG_ID)
    task = _rendered(dag, "scan", RUN_ID, sources=["hdfs://namenode:8020/logs/"], out="/out")
    cmd = task._get_hook()._build_spark_submit_command(task.application)
    assert cmd[cmd.index("--archives") + 1] == archive
    assert "spark.pyspark.python=./env/bin/python" in cmd
    assert not [c for c in cmd if c.startswith("spark.pyspark.driver.python=")]
    assert cmd.index("--archives") < cmd.index(str(REPO / "jobs" / "scan.py"))


def test_rendered_validate_and_report_commands(dag_env: None, node_env: Path) -> None:
    dag = _dagbag().get_dag(DAG_ID)
    out = "/data/piisweep out"
    validate = _rendered(dag, "validate", RUN_ID, out=out, master="yarn").bash_command
    conf = f"{REPO}/conf"
    assert f" validate '{out}' --scan-id {RUN_SCAN_ID} " in validate
    assert f"--conf-dir {conf} --policy {conf}/policy.yaml --suites {conf}/expectations" in validate
    assert validate.rstrip().endswith("--master yarn")
    report = _rendered(dag, "report", RUN_ID, out=out).bash_command
    assert report.endswith(f" report '{out}' --scan-id {RUN_SCAN_ID}")
    assert report.split()[0] == validate.split()[0] == str(node_env / "bin" / "piisweep")


# ------------------------------------------------------------------------- runs
@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("airflow-lake") / "lake"
    generate_lake(root, size_mb=2.0, seed=5)
    return root


def _committed_id(out: Path) -> str:
    (marker,) = (out / "scans").glob("*.json")
    return marker.stem


def _states(run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


@pytest.fixture(scope="module")
def sources(lake: Path) -> list[str]:
    """The whole lake as its four top-level prefixes: four sources, four arguments."""
    return [str(p) for p in sorted(lake.iterdir())]


@pytest.fixture(scope="module")
def daily_run(
    dag: Any, sources: list[str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("airflow-out") / "out"
    keys = {"PIISWEEP_FINGERPRINT_KEY": "11" * 32, "PIISWEEP_TOKEN_KEY": "22" * 32}
    with _environ(**keys):  # the run's tasks read keys from the environment
        run = dag.test(run_conf={"sources": sources, "out": str(out), "master": "local[2]"})
    return {"run": run, "out": out}


def test_dag_test_scans_validates_and_reports(
    daily_run: dict[str, Any], sources: list[str]
) -> None:
    run, out = daily_run["run"], daily_run["out"]
    assert _states(run) == {"scan": "success", "validate": "success", "report": "success"}
    assert str(run.state) == "success"
    scan_id = _committed_id(out)
    assert scan_id.startswith("manual__")  # made from the run id
    summary = json.loads((out / "scans" / f"{scan_id}.json").read_text())
    # every object ok but the sample lake's _SUCCESS markers, listed as skipped bookkeeping
    marker = f"skipped: {bookkeeping_reason('_SUCCESS', directory=False)}"
    markers = summary["reasons"].get(marker, 0)
    assert markers and summary["reasons"] == {marker: markers}
    assert summary["objects_by_status"] == {"ok": summary["objects"] - markers, "skipped": markers}
    assert summary["sources"] == [f"file://{s}" for s in sources]
    assert summary["findings"] > 0
    assert list((out / "findings").rglob(f"part-{scan_id}-*.parquet"))
    assert (out / "reports" / f"{scan_id}.html").is_file()
    assert (out / "validation" / scan_id).is_dir()


def test_failed_validation_fails_the_run(
    dag: Any, daily_run: dict[str, Any], sources: list[str], tmp_path: Path
) -> None:
    """Validate a doctored copy of the committed scan (one finding's score set to 1.7): the
    scan task sees the id committed and does not scan, validate exits 1, the run fails and
    no report is written."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    source = daily_run["out"]
    scan_id = _committed_id(source)
    out = tmp_path / "out"
    shutil.copytree(source, out)
    shutil.rmtree(out / "reports", ignore_errors=True)
    part = sorted((out / "findings").rglob("*.parquet"))[0]
    table = pq.read_table(part)
    score = table.column("score")
    doctored = pc.if_else(pc.equal(pa.array(range(len(score))), 0), 1.7, score)
    pq.write_table(table.set_column(table.schema.get_field_index("score"), "score", doctored), part)
    again = dag.test(
        run_conf={"sources": sources, "out": str(out), "master": "local[2]", "scan_id": scan_id}
    )
    assert _states(again) == {"scan": "success", "validate": "failed", "report": "upstream_failed"}
    assert str(again.state) == "failed"
    assert not (out / "reports").exists()
    assert len(list((out / "scans").glob("*.json"))) == 1  # nothing was scanned again
