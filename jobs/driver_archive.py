"""A class-data archive (AppCDS) for the driver JVM that the CLI, notebooks and tests start.

A local scan spends most of its fixed cost starting Spark's driver: loading, parsing and
verifying some 15,000 classes of Spark's jars. On one core that was 9–10 s before the session
existed and ~13 CPU s of JVM in all; with the classes mapped from an archive, 5.7 s and 7.5
CPU s (docs/performance.md). Java 13+ writes such an archive of the classes a run loaded
when it exits (``-XX:ArchiveClassesAtExit``) and maps it on later starts
(``-XX:SharedArchiveFile``). Nothing else changes: the same classes, the same bytecode.

The archive is kept with the engine's other cached files (``detectors.cache``:
``PIISWEEP_CACHE_DIR``, ``off`` keeps nothing), named by a digest of the JVM and the driver's
classpath, so a new JDK, Spark or jar list writes a new one. The first session without one
writes it: when that process exits, the session is stopped, the JVM is asked to exit and
waited for while it writes (a few seconds, once), and the file is renamed into place only
when the JVM exited cleanly, so a reader sees a whole archive or none. An archive the JVM
cannot use (another JDK build, a changed jar) is ignored by the JVM itself (``-Xshare`` is
``auto``), and CDS's log lines are switched off: the JVM's stdout is the CLI's.

The options go to the launcher through ``SPARK_SUBMIT_OPTS``, which it puts before
``spark.driver.extraJavaOptions``: a value of that key in ``spark-defaults.conf`` or the
session's configuration is kept, and wins where the two disagree. Under ``spark-submit``, or
when this process's JVM is running already, nothing is done; nor when the operator's options
already name CDS, or for a JVM older than 13 or one that cannot be identified (an option it
does not know would stop it from starting).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from detectors.cache import cache_file

log = logging.getLogger(__name__)

OPTIONS_KEY = "spark.driver.extraJavaOptions"
#: Where the launcher takes the driver JVM's options from besides the configuration.
ENV_KEY = "SPARK_SUBMIT_OPTS"
#: Options an operator may already have set CDS in.
_OPERATOR_OPTIONS = (ENV_KEY, "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "PYSPARK_SUBMIT_ARGS")
#: CDS's log lines (which classes it skipped) would land on the CLI's stdout.
QUIET = "-Xlog:cds*=off"
#: How long an exiting process waits for the JVM to write the archive.
DUMP_TIMEOUT_S = 120.0
#: A claim whose process is gone is removed; one this old too (another host's, on a shared
#: cache directory, whose process cannot be asked).
STALE_S = 86400.0

#: Archives are ``<PREFIX>-<digest>.jsa``, claims ``.tmp-<PREFIX>-<digest>-<pid>.jsa``.
PREFIX = "spark-driver"
#: Archives kept in the cache: one for each of the last few JDKs or Spark installs used.
KEEP = 3

_CLASSPATH_KEYS = ("spark.jars", "spark.jars.packages", "spark.driver.extraClassPath")


@dataclass(frozen=True)
class Plan:
    """The driver's archive option for one session: map ``archive``, or write it (to
    ``partial`` first) when the session's process exits."""

    archive: Path
    partial: Path | None

    @property
    def option(self) -> str:
        if self.partial is None:
            return f"-XX:SharedArchiveFile={self.archive} {QUIET}"
        return f"-XX:ArchiveClassesAtExit={self.partial} {QUIET}"


def java_home(env: Mapping[str, str]) -> Path | None:
    """The JDK Spark's launcher runs: ``JAVA_HOME``, else the ``java`` on the PATH."""
    if env.get("JAVA_HOME"):
        return Path(env["JAVA_HOME"])
    found = shutil.which("java", path=env.get("PATH"))
    return Path(os.path.realpath(found)).parent.parent if found else None


def java_release(home: Path) -> str | None:
    """The JDK's ``release`` file: its version without starting a JVM to ask."""
    try:
        return (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def java_major(release: str) -> int | None:
    """The major version a ``release`` file names."""
    m = re.search(r'^JAVA_VERSION="(?:1\.)?(\d+)', release, re.MULTILINE)
    return int(m.group(1)) if m else None


def _identity(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_size, st.st_mtime_ns)


def _spark_jars() -> list[tuple[str, int, int]]:
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    return sorted(filter(None, (_identity(p) for p in jars.glob("*.jar"))))


def given(settings: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
    """The driver JVM options the operator set: in the session's configuration or in the
    environment variables the launcher or the JVM reads."""
    found = [settings.get(OPTIONS_KEY, ""), settings.get("spark.driver.defaultJavaOptions", "")]
    return found + [env.get(k, "") for k in _OPERATOR_OPTIONS]


def plan(settings: Mapping[str, str], env: Mapping[str, str] | None = None) -> Plan | None:
    """The archive option for a session configured with ``settings``, or None."""
    env = os.environ if env is None else env
    if env.get("PYSPARK_GATEWAY_PORT"):  # spark-submit started the driver already
        return None
    if any(re.search(r"SharedArchive|ArchiveClasses|-Xshare", g) for g in given(settings, env)):
        return None  # the operator chose the driver's CDS options
    home = java_home(env)
    release = java_release(home) if home else None
    major = java_major(release) if release else None
    if home is None or release is None or major is None or major < 13:
        return None
    key = (
        "spark-driver-cds",
        release,
        _identity(home / "lib" / "modules"),
        _spark_jars(),
        {k: settings.get(k) for k in _CLASSPATH_KEYS},
    )
    archive = cache_file(PREFIX, key, suffix=".jsa")
    if archive is None or re.search(r"[\s\"'\\]", str(archive)):
        return None  # Spark splits the options on blanks: such a path would not reach Java
    archive = archive.absolute()  # the JVM and the exit may see different working directories
    if archive.is_file():
        with contextlib.suppress(OSError):
            os.utime(archive)  # used: the last to be pruned (_prune)
        return Plan(archive, None)
    return _claim(archive)


def _claim(archive: Path) -> Plan | None:
    """A plan to write ``archive``, unless another process is writing it: its claim (the
    empty file its JVM will write the archive to) is there. Only one process pays for the
    write; the others start without an archive until it lands."""
    root = archive.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root)
        if any(root.glob(f".tmp-{archive.stem}-*.jsa")):
            return None
        partial = root / f".tmp-{archive.stem}-{os.getpid()}.jsa"
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        return None  # a read-only home is no reason to fail a scan
    return Plan(archive, partial)


def release(chosen: Plan) -> None:
    """Give up ``chosen``'s claim (the session did not start)."""
    if chosen.partial is not None:
        chosen.partial.unlink(missing_ok=True)


def _remove_stale(root: Path) -> None:
    """Remove the claims of processes that are gone (a crash, a kill, a Ctrl-C: their JVM
    wrote there, or is writing, and nobody will move it into place)."""
    now = time.time()
    for p in root.glob(f".tmp-{PREFIX}-*.jsa"):
        with contextlib.suppress(OSError, ValueError):
            if not _alive(int(p.stem.rsplit("-", 1)[1])) or now - p.stat().st_mtime > STALE_S:
                p.unlink()


def _prune(written: Path) -> None:
    """Keep the :data:`KEEP` archives used last (``written`` among them): each new virtualenv
    or JDK gets an archive of ~150–190 MB, and CI makes a fresh one every run. A JVM that
    maps a removed archive keeps its pages."""

    def used(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    others = sorted((p for p in written.parent.glob(f"{PREFIX}-*.jsa") if p != written), key=used)
    for p in others[: max(0, len(others) - (KEEP - 1))]:
        with contextlib.suppress(OSError):
            p.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextlib.contextmanager
def launching(chosen: Plan | None, *extra: str) -> Iterator[None]:
    """Within: a JVM the launcher starts gets ``chosen``'s options and ``extra`` (the
    session's other driver options) through ``SPARK_SUBMIT_OPTS``, after the operator's."""
    options = ([chosen.option] if chosen is not None else []) + list(extra)
    if not options:
        yield
        return
    before = os.environ.get(ENV_KEY)
    os.environ[ENV_KEY] = " ".join([before or "", *options]).strip()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_KEY, None)
        else:
            os.environ[ENV_KEY] = before


def write_at_exit(chosen: Plan) -> None:
    """After a session was started under ``chosen`` (or failed to start): when this process
    exits, let the driver JVM write the archive and move it into place. Without a JVM this
    process launched, the claim is given up."""
    if chosen.partial is None:
        return
    proc = _gateway_proc()
    if not isinstance(proc, subprocess.Popen) or proc.stdin is None:
        release(chosen)
        return
    if not _pending:
        atexit.register(write_now)
    _pending.append((proc, chosen))


#: The archives this process's JVMs are to write, for :func:`write_now`.
_pending: list[tuple[subprocess.Popen[bytes], Plan]] = []


def write_now() -> None:
    """Stop this process's session and let its JVM write the pending archive now, not at
    exit: for a test session's teardown (pytest-xdist cuts a worker's exit short after
    10 s, before a JVM may have written it). Runs at exit otherwise; nothing to do twice."""
    while _pending:
        _finish(*_pending.pop())


def _finish(proc: subprocess.Popen[bytes], chosen: Plan) -> None:
    from jobs.spark import interrupted

    partial = chosen.partial
    assert partial is not None
    if interrupted.is_set():
        # Ctrl-C: no waiting on the way out. The JVM exits on EOF as it always did (its
        # shutdown hooks run) and writes to the claim; the next plan() removes both.
        return
    try:
        _stop_session(proc)
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]  # the gateway exits on EOF
        try:
            code = proc.wait(timeout=DUMP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            code = None
    except KeyboardInterrupt:
        return  # a Ctrl-C while waiting: as above
    try:
        if code == 0 and partial.is_file() and partial.stat().st_size > 0:
            os.replace(partial, chosen.archive)
            log.debug("driver class archive written: %s", chosen.archive)
            _prune(chosen.archive)
        else:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("driver class archive not kept: %s", exc)


def _stop_session(proc: subprocess.Popen[bytes]) -> None:
    """Stop the active context if it runs on ``proc``'s JVM (and only then: another
    session of this process is not ours to stop)."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None or _gateway_proc() is not proc:
        return
    with contextlib.suppress(Exception):  # the JVM may be gone already
        sc.stop()


def _gateway_proc() -> object:
    """The process of the JVM this process launched for Spark (None without one)."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    # JavaGateway answers any missing attribute from the JVM: look in the instance only
    return vars(gateway).get("proc") if gateway is not None else None
