"""Faker is the ``samples`` extra (issue #14): the wheel executors install does not require
it, nothing a scan runs imports it, and ``piisweep sample-lake`` without it says in one
line what to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Run a snippet in a fresh interpreter in which ``import faker`` fails, as on an executor
# that installed only the wheel's runtime dependencies.
NO_FAKER = "import sys; sys.modules['faker'] = None\n"


def _without_faker(code: str) -> subprocess.CompletedProcess[str]:
    # No cache: the name lists are built from their sources in the child.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIISWEEP_CACHE_DIR": "off"}
    return subprocess.run(
        [sys.executable, "-c", NO_FAKER + code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def _requirement_name(requirement: str) -> str:
    from packaging.requirements import Requirement

    return Requirement(requirement).name.lower()


def test_runtime_dependencies_do_not_include_faker_and_the_samples_extra_does() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    assert "faker" not in runtime
    assert "faker" in {_requirement_name(r) for r in project["optional-dependencies"]["samples"]}


def test_sample_lake_without_faker_prints_one_line_saying_what_to_install(
    tmp_path: Path,
) -> None:
    proc = _without_faker(
        f"from jobs.cli import main\nsys.exit(main(['sample-lake', {str(tmp_path / 'lake')!r}]))"
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "piisweep: error: sample-lake needs Faker, which piisweep does not install by "
        "default: pip install 'piisweep[samples]'"
    ]
    assert not (tmp_path / "lake").exists()


def test_the_person_dictionary_is_the_same_without_faker() -> None:
    """The PERSON dictionary ships Faker's name lists (detectors/faker_names.txt): the same
    on an executor without Faker as here, so detect and a scan on a cluster agree."""
    import hashlib

    from detectors.names import all_first_names, first_names, last_names

    def digest(*lists: frozenset[str]) -> str:
        return hashlib.sha256(repr([sorted(x) for x in lists]).encode()).hexdigest()

    proc = _without_faker(
        "import hashlib\n"
        "from detectors.names import all_first_names, first_names, last_names\n"
        "lists = (first_names(), last_names(), all_first_names())\n"
        "print(hashlib.sha256(repr([sorted(x) for x in lists]).encode()).hexdigest())\n"
        "print(len(first_names()), 'Asha' in first_names(), 'Rao' in last_names())"
    )
    assert proc.returncode == 0, proc.stderr
    theirs, sizes = proc.stdout.splitlines()
    assert theirs == digest(first_names(), last_names(), all_first_names())
    assert sizes.endswith("True True") and int(sizes.split()[0]) > 1000
