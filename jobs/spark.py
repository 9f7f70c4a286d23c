"""The SparkSession every job and notebook uses, configured the same way everywhere.

Local masters get task retries (``local[N]`` becomes ``local[N,2]``: Spark ignores
``spark.task.maxFailures`` in local mode otherwise), Python workers run the driver's own
interpreter (a virtualenv's packages, not the system's), and Spark's console progress bar
is off because the scan draws its own. Under ``spark-submit`` the master comes from there.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import Any

DEFAULT_MASTER = "local[*]"
_LOCAL = re.compile(r"^local(\[(\*|\d+)\])?$")


def with_retries(master: str, failures: int = 2) -> str:
    """``local[N]`` → ``local[N,failures]``; any other master unchanged."""
    m = _LOCAL.match(master)
    if not m:
        return master
    return f"local[{m.group(2) or 1},{failures}]"


def under_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The active session, or a new one on ``master`` (default ``local[*]``)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("piisweep")
    if master or not under_spark_submit():
        chosen = master or DEFAULT_MASTER
        builder = builder.master(with_retries(chosen))
        if chosen.startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.python.worker.reuse": "true",
        "spark.sql.session.timeZone": "UTC",
        **(conf or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
