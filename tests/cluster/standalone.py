"""A Spark standalone cluster on 127.0.0.1, started from the pyspark install: one master and
N workers (``spark-class org.apache.spark.deploy.master.Master`` / ``...worker.Worker``).

For the cluster test tier and ``bench/cluster.py``::

    with StandaloneCluster(workers=2, root=tmp) as cluster:
        subprocess.run(["piisweep", "scan", lake, "--master", cluster.master_url, ...],
                       env=cluster.env())

Everything binds to 127.0.0.1 (``SPARK_LOCAL_IP``): the master, the workers, their web UIs
and, through :meth:`env`, the driver and its executors. Ports are picked free; the master's
REST submission server is off so it never claims 6066. Executors run the Python given as
``python`` (default: this interpreter), set as ``PYSPARK_PYTHON`` in :meth:`env` for drivers.

Only processes this object started are ever signalled: its master and workers (by the pids
it holds), and the executor JVMs whose parent is one of its workers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pyspark

SPARK_HOME = Path(pyspark.__file__).resolve().parent
START_TIMEOUT_S = 240.0  # JVM start-up on a loaded 2-core machine can take a while
EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend"


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Direct children of ``pid``, from /proc (no psutil needed)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # field 4 (ppid) follows the parenthesised command name, which may hold spaces
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class StandaloneCluster:
    def __init__(
        self,
        root: str | Path,
        workers: int = 2,
        cores: int = 1,
        memory: str = "1g",
        python: str = sys.executable,
    ) -> None:
        self.root = Path(root)
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.python = python
        self.port = free_port()
        self.webui_port = free_port()
        self.master: subprocess.Popen[bytes] | None = None
        self.worker_procs: list[subprocess.Popen[bytes]] = []
        self._executors_seen: set[int] = set()

    # ------------------------------------------------------------------ addresses
    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    @property
    def webui_url(self) -> str:
        return f"http://127.0.0.1:{self.webui_port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a driver (``piisweep scan``, ``spark-submit``) on this cluster."""
        return {
            **os.environ,
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": self.python,
            **extra,
        }

    def spark_submit(
        self,
        app: str | Path,
        args: list[str],
        conf: dict[str, str],
        env: dict[str, str],
        cwd: str | Path,
        options: tuple[str, ...] = (),
        timeout: float = 900,
    ) -> subprocess.CompletedProcess[str]:
        """``spark-submit`` of a Python application to this cluster (client mode), with
        ``--conf`` settings and other ``options``; its output captured."""
        cmd = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", self.master_url, *options]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        return subprocess.run(
            [*cmd, str(app), *args],
            capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout,
        )  # fmt: skip

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> StandaloneCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _daemon_env(self, opts_var: str, opts: str) -> dict[str, str]:
        return {**self.env(), opts_var: opts}

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.root / "logs" / f"{name}.log").open("wb")
        return subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.root,
            start_new_session=True,  # a Ctrl-C of the test run reaches us, not the JVMs
        )

    def start(self) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self.master = self._spawn(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1",
                "--port", str(self.port),
                "--webui-port", str(self.webui_port),
            ],
            self._daemon_env("SPARK_MASTER_OPTS", "-Dspark.master.rest.enabled=false"),
        )  # fmt: skip
        self._wait(lambda s: s.get("status") == "ALIVE", "the master to be ALIVE")
        for _ in range(self.workers):
            self.add_worker(wait=False)
        self.wait_for_workers(self.workers)

    def add_worker(self, wait: bool = True) -> None:
        i = len(self.worker_procs)
        work_dir = self.root / f"worker-{i}"
        work_dir.mkdir(parents=True, exist_ok=True)
        proc = self._spawn(
            f"worker-{i}",
            [
                "org.apache.spark.deploy.worker.Worker", self.master_url,
                "--host", "127.0.0.1",
                "--webui-port", str(free_port()),
                "--cores", str(self.cores),
                "--memory", self.memory,
                "--work-dir", str(work_dir),
            ],
            self._daemon_env("SPARK_WORKER_OPTS", "-Dspark.worker.cleanup.enabled=false"),
        )  # fmt: skip
        self.worker_procs.append(proc)
        if wait:
            self.wait_for_workers(len(self.worker_procs))

    def wait_for_workers(self, n: int) -> None:
        self._wait(lambda s: s.get("aliveworkers", 0) >= n, f"{n} ALIVE workers")

    def _wait(self, ready: Any, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for proc in [self.master, *self.worker_procs]:
                if proc is not None and proc.poll() is not None:
                    raise ClusterError(f"a Spark daemon exited ({proc.returncode}):\n{self.logs()}")
            try:
                if ready(self.state()):
                    return
            except (OSError, ValueError):
                pass  # the web UI is not up yet
            time.sleep(0.5)
        raise ClusterError(f"timed out waiting for {what}:\n{self.logs()}")

    def state(self) -> dict[str, Any]:
        """The master's JSON status (workers, active and completed applications)."""
        with urllib.request.urlopen(f"{self.webui_url}/json/", timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for path in sorted((self.root / "logs").glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    # ------------------------------------------------------------------ executors
    def executor_pids(self) -> list[int]:
        """Executor JVMs running under this cluster's workers, by worker order."""
        pids = []
        for proc in self.worker_procs:
            if proc.poll() is None:
                pids += [p for p in _children(proc.pid) if EXECUTOR_MAIN in _cmdline(p)]
        self._executors_seen.update(pids)
        return pids

    def kill_executor(self, pid: int) -> None:
        """SIGKILL one executor JVM: its worker reports it lost and the master starts another."""
        if pid not in self.executor_pids():
            raise ClusterError(f"{pid} is not an executor of this cluster")
        os.kill(pid, signal.SIGKILL)

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        self.executor_pids()  # remember the executors, in case a worker leaves one behind
        procs = [p for p in [*self.worker_procs, self.master] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 30
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for pid in self._executors_seen:
            # still alive and still an executor (pids are not reused that fast, but check)
            if EXECUTOR_MAIN in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)
