"""The driver JVM's JIT on a local master (``jobs.spark.jit_option``): C1 only, unless the
operator chose the JIT or the driver is not one this process starts for a local master.
tests/spark/test_driver_archive_jvm.py checks the option on a real JVM."""

from __future__ import annotations

import os

import pytest

from jobs import driver_archive as da
from jobs.spark import LOCAL_JIT, jit_option


@pytest.mark.parametrize("master", ["local", "local[1]", "local[2]", "local[*]"])
def test_a_local_master_gets_c1_only(master: str) -> None:
    assert jit_option(master, {}, {}) == LOCAL_JIT


@pytest.mark.parametrize(
    "master", ["spark://h:7077", "yarn", "k8s://https://h:6443", "local-cluster[2,1,1024]"]
)
def test_a_cluster_driver_keeps_its_jit(master: str) -> None:
    assert jit_option(master, {}, {}) is None


def test_under_spark_submit_the_driver_is_started_already() -> None:
    assert jit_option("local[2]", {}, {"PYSPARK_GATEWAY_PORT": "41234"}) is None


@pytest.mark.parametrize(
    "given", ["-XX:TieredStopAtLevel=4", "-XX:-TieredCompilation", "-Xint", "-Xcomp"]
)
def test_the_operators_own_jit_choice_is_left_alone(given: str) -> None:
    assert jit_option("local[2]", {da.OPTIONS_KEY: f"-Dx=1 {given}"}, {}) is None
    assert jit_option("local[2]", {"spark.driver.defaultJavaOptions": given}, {}) is None
    for var in ("SPARK_SUBMIT_OPTS", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"):
        assert jit_option("local[2]", {}, {var: given}) is None
    # Other options are no choice of the JIT.
    assert jit_option("local[2]", {da.OPTIONS_KEY: "-Xmx2g -Dfile.encoding=UTF-8"}, {}) == LOCAL_JIT


def test_the_option_reaches_the_launcher_after_the_operators_and_only_while_launching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(da.ENV_KEY, "-Dfoo=bar")
    with da.launching(None, LOCAL_JIT):
        assert os.environ[da.ENV_KEY] == f"-Dfoo=bar {LOCAL_JIT}"
    assert os.environ[da.ENV_KEY] == "-Dfoo=bar"
    monkeypatch.delenv(da.ENV_KEY)
    with da.launching(None):
        assert da.ENV_KEY not in os.environ
