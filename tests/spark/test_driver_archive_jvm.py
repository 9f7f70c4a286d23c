"""The driver JVM's class-data archive with real JVMs: the first session writes it when its
process exits, the next one loads Spark's classes from it, and neither prints a CDS line on
the stdout the CLI's JSON goes to (``jobs.driver_archive``). Also the JIT a local master's
driver runs with (``jobs.spark.jit_option``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from jobs.spark import session
spark = session("local[1]", {"spark.ui.enabled": "false", **json.loads(sys.argv[1])})
print(json.dumps({"count": spark.range(100).count()}))
"""


def _session_process(cache: Path, conf: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIISWEEP_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(conf)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_the_first_session_writes_the_archive_and_the_next_loads_spark_from_it(tmp_path):
    cache = tmp_path / "cache"
    first = _session_process(cache, {})
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout == '{"count": 100}\n'  # no CDS warnings among the CLI's output
    archives = sorted(cache.glob("spark-driver-*.jsa"))
    assert len(archives) == 1 and archives[0].stat().st_size > 1_000_000
    assert not list(cache.glob(".tmp-*")), "the partial archive was not moved into place"

    loaded = tmp_path / "class-load.log"
    second = _session_process(
        cache, {"spark.driver.extraJavaOptions": f"-Xlog:class+load=info:file={loaded}"}
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout == '{"count": 100}\n'
    assert sorted(cache.glob("spark-driver-*.jsa")) == archives  # mapped, not written again
    lines = loaded.read_text().splitlines()
    spark_context = [line for line in lines if " org.apache.spark.SparkContext " in line]
    assert spark_context and "shared objects file (top)" in spark_context[0], spark_context


JIT_SCRIPT = """
import json, sys
from jobs.spark import session
spark = session("local[1]", {"spark.ui.enabled": "false", **json.loads(sys.argv[1])})
jvm = spark.sparkContext._jvm
args = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
print(json.dumps({"args": [a for a in args if "Tiered" in a]}))
"""


def _jit_args(tmp_path: Path, conf: dict[str, str]) -> list[str]:
    env = {**os.environ, "PIISWEEP_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", JIT_SCRIPT, json.dumps(conf)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["args"]


def test_a_local_drivers_jvm_compiles_with_c1_unless_the_operator_chose(tmp_path):
    from jobs.spark import LOCAL_JIT

    assert _jit_args(tmp_path, {}) == [LOCAL_JIT]
    mine = "-XX:TieredStopAtLevel=4"
    assert _jit_args(tmp_path, {"spark.driver.extraJavaOptions": mine}) == [mine]
