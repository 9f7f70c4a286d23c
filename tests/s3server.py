"""The real moto S3 server over HTTP on 127.0.0.1, for tests at every tier.

It runs in a subprocess rather than in a thread of the test process so that Spark's Python
workers, the JVM and pyarrow's C++ S3 client all reach it over the network exactly as they
would reach a real endpoint: nothing is patched in-process, and state lives in one place.

Usage from any test module or conftest (``tests/`` is on ``sys.path`` because
``tests/conftest.py`` has no package around it)::

    from s3server import moto_endpoint, moto_s3_env   # session fixture + env helper

    def test_x(moto_endpoint, monkeypatch):
        for k, v in moto_s3_env(moto_endpoint).items():
            monkeypatch.setenv(k, v)

or, outside pytest, ``with moto_server() as endpoint: ...``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def moto_server() -> Iterator[str]:
    """Start ``python -m moto.server`` on a free port, yield ``http://127.0.0.1:<port>``.

    The server's request log goes to a temporary file (a pipe nobody reads would fill up and
    block the server); its tail is shown if the server fails to start. A port taken between
    choosing and binding it is retried with another port.
    """
    last_error = "not started"
    for _attempt in range(3):
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        log = tempfile.NamedTemporaryFile(prefix="moto-server-", suffix=".log", delete=False)  # noqa: SIM115
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None and not _answers(endpoint):
            time.sleep(0.05)
        if proc.poll() is None and _answers(endpoint):
            _REQUEST_LOGS[endpoint] = log.name
            try:
                yield endpoint
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
                os.unlink(log.name)
                _REQUEST_LOGS.pop(endpoint, None)
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        with open(log.name, encoding="utf-8", errors="replace") as fh:
            last_error = fh.read()[-2000:]
        os.unlink(log.name)
    raise RuntimeError(f"moto server did not start:\n{last_error}")


# The request log of each running server, by endpoint: werkzeug writes one line per HTTP
# request (`"GET /bucket/key HTTP/1.1" 206`), which is how a test counts what a client sent.
_REQUEST_LOGS: dict[str, str] = {}


def requests_logged(endpoint: str, method: str, path: str) -> int:
    """How many ``method`` requests for exactly ``path`` (``/bucket/key``, no query) the
    server at ``endpoint`` has answered so far."""
    with open(_REQUEST_LOGS[endpoint], encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    return len(re.findall(rf"{re.escape(method)} {re.escape(path)} HTTP/", text))


def moto_s3_env(endpoint: str) -> dict[str, str]:
    """Environment that points boto3, pyarrow and Spark workers at the moto server with fake
    credentials, and keeps the SDKs from probing EC2 instance metadata (slow timeouts)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def drop_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Leave the standard AWS credential chain nothing to find: no AWS_* variable but the
    endpoint and region, credential and config files that do not exist, no instance
    metadata. Callers clear cached clients, which keep what they resolved first."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name not in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def reset_moto(endpoint: str) -> None:
    """Forget every bucket, object and key on the server (between independent tests)."""
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10):
        pass


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the whole session; tests use distinct bucket names or
    :func:`reset_moto` to stay independent."""
    with moto_server() as endpoint:
        yield endpoint
