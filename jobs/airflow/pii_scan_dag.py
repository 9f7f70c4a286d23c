"""Airflow DAG ``piisweep_pii_scan``: every day, scan the lake, validate the scan, report it.

    scan      spark-submit [--archives ENV.tar.gz#env] jobs/scan.py SOURCE... --out OUT
              --scan-id ID --config CONF/scan.yaml --policy CONF/policy.yaml --conf-dir CONF
    validate  piisweep validate OUT --scan-id ID ...   exit 1 (a failed expectation) fails
                                                       the task, so the run fails and no
                                                       report is written
    report    piisweep report OUT --scan-id ID         OUT/reports/ID.html

Params (defaults below; override per run with a trigger config, e.g.
``airflow dags trigger piisweep_pii_scan -c '{"sources": ["s3://lake/raw/"]}'``):

``sources``  list of prefixes (``s3://``, ``hdfs://``, ``file://`` or paths)
``out``      the scan output root
``master``   Spark master for the scan and validation (``local[*]``, ``spark://h:7077``,
             ``yarn``, ``k8s://…``); empty: the master of the Airflow connection
``conf_dir`` a piisweep conf directory (a copy of the repo's ``conf/``): scan.yaml,
             policy.yaml, detectors/, expectations/, spark-defaults.conf
``scan_id``  empty: derived from the run id (``scheduled__2026-03-01T00-00-00-00-00``), so
             a retried task reuses its run's id; give the id of a committed scan to validate
             and report it again without scanning

The scan id is fixed per run, and the scan task does nothing when that id is already
committed under ``out``: clearing a run, or a retry after the commit, never scans twice.

Deployment settings come from the environment of the scheduler and workers, read when the
file is parsed: ``PIISWEEP_SOURCES`` (comma-separated), ``PIISWEEP_OUT`` and
``PIISWEEP_MASTER`` (param defaults; set the master, or set it empty to use the connection's),
``PIISWEEP_CONF_DIR`` (default: the repo's ``conf/`` when the file is still in the repo),
``PIISWEEP_APPLICATION`` (default: the installed ``jobs/scan.py``),
``PIISWEEP_CLI`` (default: the ``piisweep`` beside this Python), ``PIISWEEP_SPARK_CONN_ID``
(default ``piisweep_spark``: a Spark connection with the cluster's master, deploy mode,
queue, namespace or ``spark-binary``).

Executors need piisweep, a compiled extension, in their Python (``--py-files`` cannot carry
it: Python does not import extension modules from a zip). Either it is installed on every
node (``pip install piisweep-*.whl``; set ``PIISWEEP_SPARK_PYTHON`` when that Python is not
the ``python3`` on the nodes' PATH), or a packed virtualenv travels with the job:
``PIISWEEP_ARCHIVES`` (``spark-submit --archives``, e.g.
``/opt/piisweep/piisweep-env.tar.gz#env``; empty, the default: none) with
``PIISWEEP_SPARK_PYTHON=./env/bin/python``. ``PIISWEEP_SPARK_PYTHON`` is
``spark.pyspark.python``, which the driver uses too unless ``PIISWEEP_SPARK_DRIVER_PYTHON``
(``spark.pyspark.driver.python``) is set: in client mode, where the driver runs on the Airflow
worker and no archive is unpacked for it, set that to a Python with piisweep installed.

Keys (``PIISWEEP_KEY_FILE`` or ``PIISWEEP_FINGERPRINT_KEY``/``PIISWEEP_TOKEN_KEY``…) come
from the workers' environment, as for the CLI; the scan ships them to its executors itself.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2.10
    from airflow import DAG  # type: ignore[no-redef]
    from airflow.models.param import Param  # type: ignore[no-redef]
    from airflow.operators.bash import BashOperator  # type: ignore[no-redef]

log = logging.getLogger(__name__)

DAG_ID = "piisweep_pii_scan"
_REPO = Path(__file__).resolve().parents[2]
_SCAN_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def _application() -> str:
    if os.environ.get("PIISWEEP_APPLICATION"):
        return os.environ["PIISWEEP_APPLICATION"]
    beside = Path(__file__).resolve().parents[1] / "scan.py"  # jobs/airflow/ -> jobs/scan.py
    if beside.is_file():
        return str(beside)
    spec = importlib.util.find_spec("jobs.scan")  # the installed package
    return spec.origin if spec and spec.origin else "jobs/scan.py"


def _spark_conf() -> dict[str, str]:
    """The Pythons of the scan's executors and driver (``PIISWEEP_SPARK_PYTHON``,
    ``PIISWEEP_SPARK_DRIVER_PYTHON``), when set."""
    conf = {}
    for var, key in (
        ("PIISWEEP_SPARK_PYTHON", "spark.pyspark.python"),
        ("PIISWEEP_SPARK_DRIVER_PYTHON", "spark.pyspark.driver.python"),
    ):
        if os.environ.get(var):
            conf[key] = os.environ[var]
    return conf


def _cli() -> str:
    if os.environ.get("PIISWEEP_CLI"):
        return os.environ["PIISWEEP_CLI"]
    beside = Path(sys.executable).parent / "piisweep"
    return shlex.quote(str(beside)) if beside.is_file() else "piisweep"


def _conf_dir() -> str:
    if os.environ.get("PIISWEEP_CONF_DIR"):
        return os.environ["PIISWEEP_CONF_DIR"]
    repo_conf = _REPO / "conf"  # the DAG file still in its repository
    return str(repo_conf) if (repo_conf / "scan.yaml").is_file() else "conf"


def scan_id_for_run(run_id: str) -> str:
    """A scan id from an Airflow run id: ``scheduled__2026-03-01T00:00:00+00:00`` becomes
    ``scheduled__2026-03-01T00-00-00-00-00`` (letters, digits, ``-_.``; at most 100)."""
    return _SCAN_ID_CHARS.sub("-", run_id).strip("-")[:100]


#: The scan id of a run, as a template: the ``scan_id`` param, or one made from the run id.
SCAN_ID = "{{ params.scan_id or (run_id | piisweep_scan_id) }}"


class PiisweepScanOperator(SparkSubmitOperator):
    """``spark-submit jobs/scan.py`` with the run's sources, output and scan id.

    ``master`` (templated) overrides the connection's master when not empty. The sources
    come from the ``sources`` param, a list, each one a separate argument. When the scan
    id is already committed under ``out`` the task succeeds without submitting."""

    template_fields: Sequence[str] = (
        *SparkSubmitOperator.template_fields,
        "master",
        "out",
        "scan_id",
    )

    def __init__(self, *, master: str, out: str, scan_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.master = master
        self.out = out
        self.scan_id = scan_id
        self._sources_added = False

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        super().render_template_fields(context, jinja_env)
        if not self._sources_added:  # a list param: one argument per source
            sources = [str(s) for s in context["params"]["sources"]]
            self.application_args = [*sources, *(self.application_args or [])]
            self._sources_added = True

    def _get_hook(self) -> Any:
        hook = super()._get_hook()
        if self.master:
            # The hook derives its mode from the connection's master when it is built.
            conn = hook._connection
            conn["master"] = self.master
            hook._is_yarn = "yarn" in self.master
            hook._is_yarn_cluster_mode = hook._is_yarn and conn["deploy_mode"] == "cluster"
            hook._is_kubernetes = "k8s" in self.master
            hook._should_track_driver_status = hook._resolve_should_track_driver_status()
        return hook

    def execute(self, context: Any) -> None:
        from jobs import storage

        marker = f"{self.out.rstrip('/')}/scans/{self.scan_id}.json"
        if storage.exists(marker, storage.S3Settings.from_env()):
            log.info(
                "scan %s is already committed under %s: not scanning again", self.scan_id, self.out
            )
            return
        super().execute(context)


def _piisweep(command: str, *args: str) -> str:
    """A ``piisweep`` command line as a template; values quoted for bash."""
    return " ".join(["{{ piisweep_cli }}", command, "{{ params.out | shquote }}", *args])


def build_dag(dag_id: str = DAG_ID, schedule: str | None = "@daily") -> DAG:
    sources = [s for s in os.environ.get("PIISWEEP_SOURCES", "").split(",") if s.strip()]
    conf = "{{ params.conf_dir }}"
    spark_conf = _spark_conf()
    with DAG(
        dag_id=dag_id,
        description="piisweep: scan the lake for PII, validate the findings, write the report",
        schedule=schedule,
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        catchup=False,
        max_active_runs=1,  # runs share OUT; incremental scans read the last committed one
        tags=["piisweep", "pii"],
        default_args={"owner": "data-platform", "retries": 0},
        params={
            "sources": Param(
                sources, type="array", items={"type": "string"}, description="prefixes to scan"
            ),
            "out": Param(
                os.environ.get("PIISWEEP_OUT", ""), type="string", description="output root"
            ),
            "master": Param(
                os.environ.get("PIISWEEP_MASTER", "local[*]"),
                type="string",
                description="Spark master (empty: the connection's)",
            ),
            "conf_dir": Param(_conf_dir(), type="string", description="piisweep conf directory"),
            "scan_id": Param("", type="string", description="empty: from the run id"),
        },
        user_defined_filters={"shquote": shlex.quote, "piisweep_scan_id": scan_id_for_run},
        user_defined_macros={"piisweep_cli": _cli()},
        doc_md=__doc__,
    ) as dag:
        scan = PiisweepScanOperator(
            task_id="scan",
            conn_id=os.environ.get("PIISWEEP_SPARK_CONN_ID", "piisweep_spark"),
            application=_application(),
            archives=os.environ.get("PIISWEEP_ARCHIVES") or None,
            properties_file=f"{conf}/spark-defaults.conf",
            conf=spark_conf or None,
            name="piisweep-scan",
            master="{{ params.master }}",
            out="{{ params.out }}",
            scan_id=SCAN_ID,
            application_args=[
                "--out", "{{ params.out }}",
                "--scan-id", SCAN_ID,
                "--config", f"{conf}/scan.yaml",
                "--policy", f"{conf}/policy.yaml",
                "--conf-dir", conf,
                "--no-progress",
            ],
            retries=2,  # a lost cluster or driver: the retry rescans under the same id
            retry_delay=dt.timedelta(minutes=5),
        )  # fmt: skip
        validate = BashOperator(
            task_id="validate",
            bash_command=_piisweep(
                "validate",
                f"--scan-id {SCAN_ID}",
                "--conf-dir {{ params.conf_dir | shquote }}",
                "--policy {{ (params.conf_dir ~ '/policy.yaml') | shquote }}",
                "--suites {{ (params.conf_dir ~ '/expectations') | shquote }}",
                "{% if params.master %}--master {{ params.master | shquote }}{% endif %}",
            ),
        )
        report = BashOperator(
            task_id="report",
            bash_command=_piisweep("report", f"--scan-id {SCAN_ID}"),
        )
        scan >> validate >> report
    return dag


dag = build_dag()
