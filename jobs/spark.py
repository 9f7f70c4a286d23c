"""The SparkSession every job and notebook uses, configured the same way everywhere.

Local masters get task retries (``local[N]`` becomes ``local[N,2]``: Spark ignores
``spark.task.maxFailures`` in local mode otherwise), Python workers run the driver's own
interpreter (a virtualenv's packages, not the system's), and Spark's console progress bar
is off because the scan draws its own. Under ``spark-submit`` the master comes from there.
The driver JVM a session starts maps its classes from an archive written by the first such
start (``jobs.driver_archive``): 4 s less start-up a scan on one core. On a local master it
also compiles with C1 only (:func:`jit_option`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Mapping
from typing import Any

from jobs import driver_archive

DEFAULT_MASTER = "local[*]"
#: Set once Ctrl-C reached a process whose session was made here (the CLI quiets Py4J's
#: reports of the calls it cut short).
interrupted = threading.Event()
_LOCAL = re.compile(r"^local(\[(\*|\d+)\])?$")


def with_retries(master: str, failures: int = 2) -> str:
    """``local[N]`` → ``local[N,failures]``; any other master unchanged."""
    m = _LOCAL.match(master)
    if not m:
        return master
    return f"local[{m.group(2) or 1},{failures}]"


#: A local master's driver JVM stops its JIT at C1 (docs/decisions.md). There it plans
#: jobs and passes small Arrow batches to the Python workers, which do the scanning; C2's
#: faster code buys little, while its compile threads take the CPU the workers need: the
#: 500 MB lake on one core took 59.0 -> 51.8 s, 7,105,075 findings either way.
LOCAL_JIT = "-XX:TieredStopAtLevel=1"
_JIT_GIVEN = re.compile(r"Tiered|-Xint\b|-Xcomp\b|JVMCI")


def jit_option(master: str, settings: Mapping[str, str], env: Mapping[str, str]) -> str | None:
    """:data:`LOCAL_JIT` for a driver JVM this process launches on a local master, unless
    the operator's options already choose the JIT (a cluster's driver is left alone)."""
    if not _LOCAL.match(master) or "PYSPARK_GATEWAY_PORT" in env:
        return None
    if any(_JIT_GIVEN.search(g) for g in driver_archive.given(settings, env)):
        return None
    return LOCAL_JIT


def under_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The active session, or a new one on ``master`` (default ``local[*]``)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("piisweep")
    chosen = None
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
    # A JVM this process runs already (a stopped session's) takes no new options.
    launches = SparkContext._gateway is None
    archive = driver_archive.plan(settings) if launches else None
    jit = jit_option(chosen, settings, os.environ) if launches and chosen else None
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with driver_archive.launching(archive, *([jit] if jit else [])):
            spark = builder.getOrCreate()
    finally:
        if archive is not None:
            driver_archive.write_at_exit(archive)
    spark.sparkContext.setLogLevel("WARN")
    _cancel_on_interrupt(spark.sparkContext)
    return spark


def _cancel_on_interrupt(sc: Any) -> None:
    """Ctrl-C cancels the session's jobs from a thread of its own, then interrupts the main
    thread.

    PySpark's handler calls ``cancelAllJobs`` inside the signal handler, on the main
    thread's Py4J connection, which the interrupted call may be reading at that moment:
    Python refuses the reentrant read (``RuntimeError: reentrant call``) and Py4J logs
    tracebacks over the one line a Ctrl-C should print (seen under load). Another thread
    has its own connection (Py4J's pinned-thread mode), so the cancel always goes through.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread

    def cancel() -> None:
        with contextlib.suppress(Exception):  # the JVM may be gone already; we are exiting
            sc.cancelAllJobs()

    def handler(signum: int, frame: Any) -> None:
        interrupted.set()
        threading.Thread(target=cancel, name="piisweep-cancel", daemon=True).start()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
