"""Architecture rules of DESIGN.md that a careless import would break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_when_the_detectors_package_is_used_then_no_spark_storage_or_network_module_loads() -> None:
    code = (
        "import sys, detectors.engine, detectors.config, detectors.policy, detectors.structured\n"
        "from detectors.engine import Engine\n"
        "Engine.default().scan_text('call 9876543210')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('pyspark', 'py4j', 'boto3', 'botocore', 'great_expectations', 'requests', 'jobs')]\n"
        "print(','.join(sorted(bad)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_when_the_source_tree_is_read_then_detectors_never_imports_jobs_or_spark() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "detectors").rglob("*.py")
        for line in path.read_text().splitlines()
        if line.lstrip().startswith(("import ", "from "))
        and any(name in line for name in ("pyspark", "jobs", "boto3", "great_expectations"))
    ]
    assert offenders == []


def test_when_the_builtins_and_the_default_policy_are_read_then_both_cover_the_vocabulary() -> None:
    from detectors.engine import Engine
    from detectors.entities import VOCABULARY
    from detectors.policy import DEFAULT_POLICY

    assert Engine.default().entity_types == set(VOCABULARY)
    assert set(DEFAULT_POLICY["entities"]) == set(VOCABULARY)
