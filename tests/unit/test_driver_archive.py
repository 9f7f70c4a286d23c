"""The driver JVM's class-data archive: when a session maps one, writes one, or leaves the
JVM alone (``jobs.driver_archive``). These tests start no JVM: a JDK is a folder with a
``release`` file; tests/spark/test_driver_archive_jvm.py starts real ones."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
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


def test_the_claims_of_gone_processes_are_removed(env):
    first = da.plan({}, env)
    assert first is not None and first.partial is not None
    da.release(first)
    root, stem = first.archive.parent, first.archive.stem
    live = root / f".tmp-{stem}-{os.getppid()}.jsa"  # a running process writing it
    live.touch()
    assert da.plan({}, env) is None and live.exists()
    live.unlink()
    gone = root / f".tmp-{stem}-{2**22 + 1}.jsa"  # above Linux's pid_max: no such process
    gone.touch()
    second = da.plan({}, env)
    assert second is not None and second.partial is not None and second.partial.is_file()
    assert not gone.exists()


def test_a_claim_a_day_old_is_removed_even_if_its_pid_runs(env):
    first = da.plan({}, env)
    assert first is not None
    da.release(first)
    other_host = first.archive.parent / f".tmp-{first.archive.stem}-{os.getppid()}.jsa"
    other_host.touch()
    old = time.time() - da.STALE_S - 60
    os.utime(other_host, (old, old))
    assert da.plan({}, env) is not None and not other_host.exists()


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
        assert da.plan({"spark.driver.defaultJavaOptions": given}, env) is None
        for var in ("SPARK_SUBMIT_OPTS", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"):
            assert da.plan({}, {**env, var: f"-Dx=1 {given}"}) is None


def test_the_options_reach_the_launcher_beside_the_operators_and_only_while_launching(
    env, monkeypatch
):
    chosen = da.plan({}, env)
    assert chosen is not None
    monkeypatch.setenv(da.ENV_KEY, "-Dfoo=bar")
    with da.launching(chosen):
        assert os.environ[da.ENV_KEY] == f"-Dfoo=bar {chosen.option}"
    assert os.environ[da.ENV_KEY] == "-Dfoo=bar"
    monkeypatch.delenv(da.ENV_KEY)
    with pytest.raises(RuntimeError), da.launching(chosen):
        assert os.environ[da.ENV_KEY] == chosen.option
        raise RuntimeError("the session failed to start")
    assert da.ENV_KEY not in os.environ
    with da.launching(None):
        assert da.ENV_KEY not in os.environ


def test_a_relative_cache_directory_gives_an_absolute_archive_path(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", "rel-cache")
    chosen = da.plan({}, {**env, "PIISWEEP_CACHE_DIR": "rel-cache"})
    assert chosen is not None and chosen.archive.is_absolute()
    assert chosen.archive.parent == tmp_path / "rel-cache"


def test_a_cache_path_with_blanks_gets_no_option(env, tmp_path, monkeypatch):
    spaced = tmp_path / "my cache"
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(spaced))
    assert da.plan({}, {**env, "PIISWEEP_CACHE_DIR": str(spaced)}) is None
    assert not spaced.exists()


# ------------------------------------------------------------------ the exit: _finish
# A stand-in for the gateway JVM: it waits for EOF on stdin (as the gateway does), then
# writes what a dump would have written to the claim and exits with the given code.
FAKE_JVM = """
import sys
sys.stdin.read()
with open(sys.argv[1], "wb") as f:
    f.write(b"x" * int(sys.argv[2]))
sys.exit(int(sys.argv[3]))
"""


def _fake_jvm(partial: Path, size: int, code: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", FAKE_JVM, str(partial), str(size), str(code)],
        stdin=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("size", "code", "kept"),
    [(4096, 0, True), (4096, 1, False), (0, 0, False)],
    ids=["clean-exit", "failed-exit", "empty-file"],
)
def test_the_archive_is_moved_into_place_only_after_a_clean_write(env, size, code, kept):
    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    proc = _fake_jvm(chosen.partial, size, code)
    da._finish(proc, chosen)
    assert proc.returncode == code  # it was waited for
    assert chosen.archive.is_file() is kept
    assert not chosen.partial.exists()
    if kept:
        assert chosen.archive.stat().st_size == size


def test_a_jvm_that_does_not_exit_in_time_leaves_no_archive(env, monkeypatch):
    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    hung = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE
    )
    monkeypatch.setattr(da, "DUMP_TIMEOUT_S", 0.5)
    try:
        da._finish(hung, chosen)
        assert hung.poll() is None and not chosen.archive.exists()
        assert not chosen.partial.exists()
    finally:
        hung.kill()
        hung.wait()


def test_after_ctrl_c_the_exit_does_not_wait_and_the_next_plan_clears_the_claim(env, monkeypatch):
    from jobs import spark

    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    proc = _fake_jvm(chosen.partial, 4096, 0)
    monkeypatch.setattr(spark, "interrupted", threading.Event())
    spark.interrupted.set()
    da._finish(proc, chosen)
    assert proc.poll() is None  # not waited for: stdin still open
    proc.stdin.close()  # type: ignore[union-attr]  # this process exiting, as far as it knows
    proc.wait(timeout=30)
    assert not chosen.archive.exists()  # never moved into place
    # the claim's process is gone (a claim named for a dead pid, as after the exit)
    dead = chosen.partial.with_name(chosen.partial.name.replace(f"-{os.getpid()}.", "-4194305."))
    chosen.partial.rename(dead)
    assert da.plan({}, env) is not None and not dead.exists()


def test_write_now_finishes_the_pending_archive_once(env, monkeypatch):
    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    proc = _fake_jvm(chosen.partial, 4096, 0)
    monkeypatch.setattr(da, "_pending", [(proc, chosen)])
    da.write_now()
    assert chosen.archive.stat().st_size == 4096 and da._pending == []
    da.write_now()  # at exit, again: nothing left to do
    assert chosen.archive.is_file()


def test_a_new_archive_leaves_only_the_last_used_ones(env, monkeypatch):
    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    root = chosen.archive.parent
    old = [root / f"spark-driver-{i:032x}.jsa" for i in range(4)]
    for age, p in enumerate(old):  # old[0] used last, old[3] longest ago
        p.write_bytes(b"x")
        t = time.time() - 3600 * (age + 1)
        os.utime(p, (t, t))
    da._finish(_fake_jvm(chosen.partial, 4096, 0), chosen)
    left = sorted(root.glob("spark-driver-*.jsa"))
    assert chosen.archive in left and len(left) == da.KEEP
    assert set(left) - {chosen.archive} == set(old[: da.KEEP - 1])


def test_mapping_an_archive_marks_it_used(env):
    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    chosen.partial.replace(chosen.archive)
    t = time.time() - 86400
    os.utime(chosen.archive, (t, t))
    assert da.plan({}, env) == da.Plan(chosen.archive, None)
    assert chosen.archive.stat().st_mtime > t + 3600


class _Context:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class _Gateway:
    def __init__(self, proc: object) -> None:
        self.proc = proc


def test_the_exit_stops_only_the_context_on_the_jvm_it_waits_for(env, monkeypatch):
    from pyspark import SparkContext

    chosen = da.plan({}, env)
    assert chosen is not None and chosen.partial is not None
    proc = _fake_jvm(chosen.partial, 4096, 0)
    context = _Context()
    monkeypatch.setattr(SparkContext, "_active_spark_context", context)
    monkeypatch.setattr(SparkContext, "_gateway", _Gateway(object()))  # another JVM's session
    da._finish(proc, chosen)
    assert not context.stopped and chosen.archive.is_file()

    again = da.plan({}, {**env, "JAVA_HOME": str(_jdk(Path(env["JAVA_HOME"]).parent, "21.0.1"))})
    assert again is not None and again.partial is not None
    ours = _fake_jvm(again.partial, 4096, 0)
    monkeypatch.setattr(SparkContext, "_gateway", _Gateway(ours))
    da._finish(ours, again)
    assert context.stopped
