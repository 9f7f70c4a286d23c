"""The driver JVM's class-data archive: when a session maps one, writes one, or leaves the
JVM alone (``jobs.driver_archive``). These tests start no JVM: a JDK is a folder with a
``release`` file; tests/spark/test_driver_archive.py starts real ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from jobs import driver_archive as da


def _jdk(root: Path, version: str = "17.0.15") -> Path:
    home = root / f"jdk-{version}"
    (home / "lib").mkdir(parents=True)
    (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    (home / "lib" / "modules").write_bytes(b"modules of " + version.encode())
    return home


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "JAVA_HOME": str(_jdk(tmp_path)),
        "PIISWEEP_CACHE_DIR": str(tmp_path / "cache"),
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture(autouse=True)
def _cache_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # cache_file reads the process environment; plan() is given the same one
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", env["PIISWEEP_CACHE_DIR"])


def test_the_first_session_claims_the_archive_and_the_rest_start_without_one(env):
    first = da.plan({}, env)
    assert first is not None and first.partial is not None
    assert first.partial.is_file() and first.partial.stat().st_size == 0  # the claim
    assert first.option.split() == [f"-XX:ArchiveClassesAtExit={first.partial}", da.QUIET]
    assert not first.archive.exists()
    # another process while the first one runs: no second write of the same archive
    assert da.plan({}, env) is None


def test_a_written_archive_is_mapped(env):
    first = da.plan({}, env)
    assert first is not None and first.partial is not None
    first.partial.replace(first.archive)  # what _finish does once the JVM wrote it
    again = da.plan({}, env)
    assert again == da.Plan(first.archive, None)
    assert again.option.split() == [f"-XX:SharedArchiveFile={first.archive}", da.QUIET]


def test_a_released_claim_lets_the_next_session_write(env):
    first = da.plan({}, env)
    assert first is not None
    da.release(first)
    assert first.partial is not None and not first.partial.exists()
    assert da.plan({}, env) is not None


def test_a_stale_claim_of_a_dead_process_is_removed(env):
    first = da.plan({}, env)
    assert first is not None
    da.release(first)
    dead = first.archive.parent / f".tmp-{first.archive.stem}-999999.jsa"
    dead.touch()  # a claim another process holds now
    assert da.plan({}, env) is None
    old = time.time() - da.STALE_S - 60
    os.utime(dead, (old, old))  # ... or held an hour ago, then died
    second = da.plan({}, env)
    assert second is not None and second.partial is not None and second.partial.is_file()
    assert not dead.exists()


def test_another_jdk_or_classpath_gets_another_archive(env, tmp_path):
    base = da.plan({}, env)
    other_jdk = da.plan({}, {**env, "JAVA_HOME": str(_jdk(tmp_path, "21.0.2"))})
    jars = da.plan({"spark.jars": "/opt/extra.jar"}, env)
    assert base is not None and other_jdk is not None and jars is not None
    assert len({base.archive, other_jdk.archive, jars.archive}) == 3


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"PYSPARK_GATEWAY_PORT": "40001"}, id="under-spark-submit"),
        pytest.param({"PIISWEEP_CACHE_DIR": "off"}, id="cache-off"),
        pytest.param({"JAVA_HOME": "/nonexistent/jdk"}, id="no-release-file"),
    ],
)
def test_nothing_is_added_where_the_driver_cannot_take_it(env, change, monkeypatch):
    if "PIISWEEP_CACHE_DIR" in change:
        monkeypatch.setenv("PIISWEEP_CACHE_DIR", change["PIISWEEP_CACHE_DIR"])
    assert da.plan({}, {**env, **change}) is None


def test_a_jdk_older_than_13_gets_no_option_it_would_refuse(env, tmp_path):
    assert da.plan({}, {**env, "JAVA_HOME": str(_jdk(tmp_path, "11.0.22"))}) is None
    assert da.plan({}, {**env, "JAVA_HOME": str(_jdk(tmp_path, "1.8.0_392"))}) is None
    assert da.plan({}, {**env, "JAVA_HOME": str(_jdk(tmp_path, "13.0.1"))}) is not None


def test_the_operators_own_cds_options_are_left_alone(env):
    for given in ("-Xshare:off", "-XX:SharedArchiveFile=/srv/app.jsa"):
        assert da.plan({da.OPTIONS_KEY: given}, env) is None


def test_the_option_is_added_after_the_operators_java_options(env):
    chosen = da.plan({}, env)
    assert chosen is not None
    settings = {da.OPTIONS_KEY: "-Dfoo=bar -Xss4m", "spark.ui.enabled": "false"}
    out = da.with_option(settings, chosen)
    assert out[da.OPTIONS_KEY] == f"-Dfoo=bar -Xss4m {chosen.option}"
    assert out["spark.ui.enabled"] == "false"
    assert da.with_option({}, chosen)[da.OPTIONS_KEY] == chosen.option


def test_a_cache_path_with_blanks_gets_no_option(env, tmp_path, monkeypatch):
    spaced = tmp_path / "my cache"
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(spaced))
    assert da.plan({}, {**env, "PIISWEEP_CACHE_DIR": str(spaced)}) is None
    assert not spaced.exists()
