"""``piisweep validate`` and ``piisweep report``: arguments, printed outcome, exit codes.

``validate`` exits 0 when every suite passed, 1 when an expectation failed (each failure is
printed on stderr: suite, expectation, column, counts and row locations, never a value), 2
for operator mistakes (no committed scan, an unknown scan id, an invalid suite).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

DEFAULT_CONF = Path("conf")


def add_parsers(sub: Any) -> None:
    from jobs.cli import add_engine_option

    validate = sub.add_parser(
        "validate", help="run the expectation suites over a committed scan's outputs"
    )
    validate.add_argument("out", metavar="OUT", help="the scan's output root (path or URI)")
    validate.add_argument("--scan-id", help="scan to validate (default: latest committed)")
    validate.add_argument(
        "--policy", help="the scan's redaction policy (default: conf/policy.yaml if present)"
    )
    validate.add_argument(
        "--conf-dir", help="the scan's custom detectors directory (default: conf/)"
    )
    validate.add_argument("--threshold", type=float, help="the scan's threshold override")
    add_engine_option(validate)
    validate.add_argument(
        "--suites", help="directory of suite JSON files (default: conf/expectations)"
    )
    validate.add_argument("--master", help="Spark master (default: local[*])")
    validate.add_argument("--no-docs", action="store_true", help="skip the Data Docs site")

    report = sub.add_parser("report", help="write a self-contained HTML report of a scan")
    report.add_argument("out", metavar="OUT", help="the scan's output root (path or URI)")
    report.add_argument("--scan-id", help="scan to report (default: latest committed)")
    report.add_argument("--output", "-o", help="where to write (default: OUT/reports/ID.html)")
    report.add_argument("--master", help="Spark master for the counts (default: local[*])")


def _default(given: str | None, name: str) -> str | None:
    if given:
        return given
    candidate = DEFAULT_CONF / name
    return str(candidate) if candidate.exists() else None


def validate_args(args: argparse.Namespace, spark: Any = None, stdout: TextIO | None = None) -> int:
    """Validate with the CLI's conf defaults; print the outcome (on ``stdout``, failures on
    stderr); the exit code. ``args`` may be ``piisweep scan``'s own (``--validate``)."""
    from jobs.validate import validate

    conf_dir = args.conf_dir or (str(DEFAULT_CONF) if DEFAULT_CONF.is_dir() else None)
    outcome = validate(
        args.out,
        args.scan_id,
        spark=spark,
        master=args.master,
        conf_dir=conf_dir,
        policy_path=_default(args.policy, "policy.yaml"),
        threshold=args.threshold,
        engine=args.engine,
        suites_dir=getattr(args, "suites", None),
        docs=not getattr(args, "no_docs", False),
    )
    print(outcome.summary(), file=stdout or sys.stdout)
    for failure in outcome.failures:
        print(f"piisweep: FAILED {failure.message()}", file=sys.stderr)
    return 0 if outcome.success else 1


def run_validate(args: argparse.Namespace) -> int:
    return validate_args(args)


def run_report(args: argparse.Namespace) -> int:
    from jobs.report import write_report
    from jobs.spark import session

    print(write_report(args.out, args.scan_id, args.output, spark=session(args.master)))
    return 0


COMMANDS = {"validate": run_validate, "report": run_report}
