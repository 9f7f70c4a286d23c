"""One scan of a 2 MB sample lake, shared by the validate, report and notebook tests.

The scan (and its clean validation) runs once per test session whichever of those modules
asks first: the fixture is imported into each module and the result is kept here.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hyperscan
import pytest

from jobs.cli import main as cli_main
from jobs.sample_lake import generate_lake
from jobs.scan import ScanRequest, run_scan

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "conf"
SCAN_ID = "audit"
_CACHE: dict[str, Any] = {}


@dataclass
class SampleScan:
    lake: Path
    out: Path
    scan_id: str
    truth: list[dict[str, Any]]
    summary: dict[str, Any]
    validate_code: int = -1
    validate_stdout: str = ""
    validate_stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def raw_values(self, min_len: int = 8) -> list[str]:
        """Planted values long enough that finding one in an output means a leak."""
        return sorted({str(t["value"]) for t in self.truth if len(str(t["value"])) >= min_len})

    def assert_no_raw(self, text: str, where: str) -> None:
        """No planted value anywhere in ``text``: all of them in one Hyperscan pass (tens of
        thousands of values over megabytes of output)."""
        if "leaks" not in self.extra:
            values = self.raw_values()
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(
                expressions=[re.escape(v).encode() for v in values],
                ids=list(range(len(values))),
                flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(values),
            )
            self.extra["leaks"] = db
        found: set[int] = set()

        def on_match(i: int, start: int, end: int, flags: int, ctx: object) -> None:
            found.add(i)

        self.extra["leaks"].scan(
            text.encode("utf-8", "surrogateescape"), match_event_handler=on_match
        )
        assert not found, f"{len(found)} planted values leaked into {where}"


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def sample_scan(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> SampleScan:
    if "scan" not in _CACHE:
        root = tmp_path_factory.mktemp("audit")
        lake, out, truth = root / "lake", root / "out", root / "truth.jsonl"
        generate_lake(lake, size_mb=2, seed=11, truth_path=truth)
        request = ScanRequest(
            sources=[str(lake)],
            out=str(out),
            policy_path=str(CONF / "policy.yaml"),
            conf_dir=str(CONF),
            scan_id=SCAN_ID,
            progress=False,
        )
        result = run_scan(request, spark=spark)
        scan = SampleScan(
            lake=lake,
            out=out,
            scan_id=result.scan_id,
            truth=[json.loads(line) for line in truth.read_text().splitlines() if line],
            summary=result.summary,
        )
        # The clean validation, through the CLI, as an operator runs it.
        code, stdout, stderr = run_cli(
            ["validate", str(out), "--conf-dir", str(CONF), "--policy", str(CONF / "policy.yaml")]
        )
        scan.validate_code, scan.validate_stdout, scan.validate_stderr = code, stdout, stderr
        _CACHE["scan"] = scan
    return _CACHE["scan"]  # type: ignore[no-any-return]
