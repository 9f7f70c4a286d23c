"""A Python as a cluster node has it: the wheel that ``make dist`` builds (with the compiled
``detectors._native``) installed in a virtualenv, and that virtualenv packed for
``spark-submit --archives``. The cluster and Airflow tiers run their executors there, so
what they test is the wheel, not this checkout's editable install.

The virtualenv borrows the third-party packages of the interpreter running the tests
(pyspark, pyarrow, …) through a plain path entry to its site-packages: that directory's own
``.pth`` files, the editable install's among them, are not run, so the checkout stays off
``sys.path``. A packed copy is therefore only good on this machine, which is all a test
needs (an operator packs a whole environment with venv-pack, see the README).

``tests/`` is on ``sys.path`` because ``tests/conftest.py`` has no package around it::

    from nodeenv import build_wheel, node_python, pack
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_wheel(dist: Path) -> Path:
    """``make dist`` into ``dist`` (the .venv's maturin, as an operator builds it): the wheel."""
    proc = subprocess.run(
        ["make", "-s", "dist", f"DIST={dist}"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (wheel,) = dist.glob("piisweep-*.whl")
    return wheel


def node_python(env_dir: Path, wheel: Path | None = None) -> Path:
    """A virtualenv at ``env_dir`` with ``wheel`` installed (none: the dependencies only, as
    on a node that lacks piisweep); its Python. With a wheel, that Python is checked to
    import ``detectors._native`` and ``jobs`` from the virtualenv."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    if wheel is not None:
        # Before the path entry below: pip must not see the editable install as installed.
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
             "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
            check=True,
        )  # fmt: skip
    site = site_packages(env_dir)
    (site / "node_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if wheel is not None:
        where = imported_from(python, "detectors._native", "jobs.scan")
        assert all(Path(f).resolve().is_relative_to(site) for f in where.values()), where
    return python


def site_packages(env_dir: Path) -> Path:
    (site,) = (env_dir / "lib").glob("python3*/site-packages")
    return site.resolve()


def pack(env_dir: Path, archive: Path) -> Path:
    """``env_dir`` as a .tar.gz whose root is the virtualenv, for ``--archives ARCHIVE#env``
    and ``spark.pyspark.python=./env/bin/python``."""
    # compresslevel 1: the venv (pyspark alone is ~400 MB) packs in seconds instead of a
    # minute at the default 9, for an archive a few percent larger
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(env_dir, arcname=".")
    return archive


def imported_from(python: Path, *modules: str) -> dict[str, str]:
    """Where ``python`` imports each module from (its ``__file__``), run away from the repo."""
    code = (
        "import importlib, json, sys\n"
        "print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))"
    )
    proc = subprocess.run(
        [str(python), "-c", code, *modules], capture_output=True, text=True, cwd=python.parent
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))
