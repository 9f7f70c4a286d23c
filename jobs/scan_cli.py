"""``piisweep scan`` and ``piisweep sample-lake``: arguments, the summary table, exit codes.

Exit codes: 0 when the scan committed and failed objects stay within
``--max-failed-fraction``; 1 when more failed (the scan is still committed, so the failures
can be read from it); 2 for operator mistakes, which stop before any work.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEFAULT_CONF = Path("conf")


def add_parsers(sub: Any) -> None:
    from jobs.cli import add_engine_option

    scan = sub.add_parser("scan", help="scan lake prefixes on Spark: findings + redacted copies")
    scan.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="path, file://, s3:// or hdfs://"
    )
    scan.add_argument("--out", required=True, help="output root (path or URI)")
    scan.add_argument("--config", help="scan settings YAML (default: conf/scan.yaml if present)")
    scan.add_argument(
        "--policy", help="redaction policy YAML (default: conf/policy.yaml if present)"
    )
    scan.add_argument("--conf-dir", help="custom detectors directory (default: conf/)")
    scan.add_argument("--master", help="Spark master (default: local[*], or spark-submit's)")
    scan.add_argument("--scan-id", help="id of this scan (default: UTC time + random suffix)")
    scan.add_argument("--incremental", action="store_true", help="only new or changed objects")
    scan.add_argument("--redacted-out", help="root for redacted copies (default: OUT/redacted)")
    scan.add_argument("--include", action="append", default=[], metavar="GLOB")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    scan.add_argument("--max-object-mb", type=float, help="skip larger objects, with a reason")
    scan.add_argument(
        "--max-failed-fraction",
        type=float,
        help="exit 0 while at most this fraction of objects failed (default 0)",
    )
    scan.add_argument("--threshold", type=float, help="override the policy's score threshold")
    add_engine_option(scan)
    scan.add_argument("--no-progress", action="store_true", help="no progress bar")
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")
    scan.add_argument(
        "--validate",
        action="store_true",
        help="run piisweep validate on the scan once committed; exit 1 if it fails",
    )

    lake = sub.add_parser("sample-lake", help="generate a realistic sample lake to scan")
    lake.add_argument("dir", help="directory to create")
    lake.add_argument("--size-mb", type=float, default=20.0)
    lake.add_argument("--seed", type=int, default=7)


def _default(given: str | None, name: str) -> str | None:
    if given:
        return given
    candidate = DEFAULT_CONF / name
    return str(candidate) if candidate.exists() else None


def run_scan(args: argparse.Namespace) -> int:
    import json

    from jobs.scan import ScanRequest
    from jobs.scan import run_scan as run
    from jobs.scanconfig import load_scan_config

    config = load_scan_config(_default(args.config, "scan.yaml"))
    conf_dir = args.conf_dir or (str(DEFAULT_CONF) if DEFAULT_CONF.is_dir() else None)
    request = ScanRequest(
        sources=args.sources,
        out=args.out,
        config=config,
        policy_path=_default(args.policy, "policy.yaml"),
        conf_dir=conf_dir,
        scan_id=args.scan_id,
        incremental=args.incremental,
        redacted_out=args.redacted_out,
        include=args.include,
        exclude=args.exclude,
        max_object_mb=args.max_object_mb,
        max_failed_fraction=args.max_failed_fraction,
        threshold=args.threshold,
        engine=args.engine,
        progress=not args.no_progress,
    )
    result = run(request, master=args.master)
    if args.json:
        print(json.dumps(result.summary, indent=2, sort_keys=True))
    else:
        print(summary_table(result.summary))
    code = 0
    if not result.ok:
        print(
            f"piisweep: {result.failed_fraction:.1%} of objects failed "
            f"(allowed {result.allowed_failed_fraction:.1%}); see the manifest",
            file=sys.stderr,
        )
        code = 1
    if args.validate:
        from jobs.validate_cli import validate_args

        checked = argparse.Namespace(**{**vars(args), "scan_id": result.scan_id})
        if validate_args(checked, stdout=sys.stderr if args.json else sys.stdout) != 0:
            code = 1
    return code


def summary_table(summary: dict[str, Any]) -> str:
    """The end-of-scan table: objects by status, findings by entity, volume and time."""
    engine = summary.get("engine")  # absent from summaries of older versions
    lines = [
        f"scan {summary['scan_id']} committed to {summary['out']}",
        f"  {summary['bytes_scanned'] / 1e6:,.1f} MB scanned in {summary['seconds']:.1f} s, "
        f"{summary['units']} units" + (f", {engine} engine" if engine else ""),
    ]
    phases = summary.get("phase_seconds")  # absent from summaries of older versions
    if phases:
        lines.append(
            "  " + " · ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in phases.items())
        )
    lines += [
        "",
        f"  {'objects by status':<28}{'count':>10}",
    ]
    for status, n in summary["objects_by_status"].items():
        lines.append(f"  {status:<28}{n:>10,}")
    for reason, n in summary["reasons"].items():
        lines.append(f"    {reason[:60]:<60}{n:>6,}")
    lines += ["", f"  {'findings by entity':<28}{'count':>10}"]
    for entity, n in summary["findings_by_entity"].items():
        lines.append(f"  {entity:<28}{n:>10,}")
    lines.append(f"  {'total':<28}{summary['findings']:>10,}")
    return "\n".join(lines)


def run_sample_lake(args: argparse.Namespace) -> int:
    from jobs.sample_lake import generate_lake

    stats = generate_lake(args.dir, size_mb=args.size_mb, seed=args.seed)
    d = stats.as_dict()
    print(f"sample lake in {args.dir}: {d.get('files')} files, {d.get('bytes', 0) / 1e6:.1f} MB")
    return 0


COMMANDS = {"scan": run_scan, "sample-lake": run_sample_lake}
