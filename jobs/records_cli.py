"""``piisweep redact-records``, ``piisweep subject`` and ``piisweep exposure``.

Exit codes: 0 on success (a subject with no location is a success: the answer is
"nothing"), 2 for operator mistakes (missing columns, a malformed identifier, an output
without committed scans), which print one line without a traceback and never a value.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from detectors.entities import IDENTIFIER_OPTIONS

DEFAULT_CONF = Path("conf")


def _default(given: str | None, name: str) -> str | None:
    if given:
        return given
    candidate = DEFAULT_CONF / name
    return str(candidate) if candidate.exists() else None


def add_parsers(sub: Any) -> None:
    from jobs.cli import add_engine_option

    rr = sub.add_parser(
        "redact-records",
        help="redact a CSV of JSON records (record_id, data_json) under record-level rules",
        description="Input columns record_id, data_json; output record_id, "
        "redacted_data_json, is_pii, one row per input row, in order. Small inputs run "
        "locally, large ones (or with --master) on Spark.",
    )
    rr.add_argument("input", help="CSV path or URI (file://, s3://, hdfs://), or - for stdin")
    rr.add_argument("--out", required=True, help="output CSV path or URI, or - for stdout")
    rr.add_argument(
        "--policy",
        help="policy YAML, e.g. conf/policies/iscp.yaml (default: conf/policy.yaml if present)",
    )
    rr.add_argument("--conf-dir", help="custom detectors directory (default: conf/)")
    rr.add_argument("--threshold", type=float, help="override the policy's score threshold")
    add_engine_option(rr)
    rr.add_argument("--master", help="Spark master; implies Spark mode")
    rr.add_argument(
        "--mode",
        choices=("auto", "local", "spark"),
        default="auto",
        help="auto: Spark above --local-max-mb or with --master, else this process",
    )
    rr.add_argument("--local-max-mb", type=float, default=64.0)
    rr.add_argument("--unit-mb", type=float, default=32.0, help="bytes per Spark task")
    rr.add_argument("--json", action="store_true", help="print the summary as JSON")

    subj = sub.add_parser(
        "subject",
        help="every location of one data subject in the findings (GDPR access / erasure)",
        description="Identifiers are fingerprinted with the scans' key and looked up in the "
        "committed findings under OUT. Prefer --from-file: command-line arguments are "
        "visible to other users of the machine and stay in shell history.",
    )
    subj.add_argument("out", help="scan output root (path or URI)")
    for option, entity in _identifier_options():
        subj.add_argument(f"--{option}", action="append", default=[], metavar="VALUE",
                          help=f"identifier of type {entity} (repeatable)")  # fmt: skip
    subj.add_argument(
        "--from-file",
        metavar="PATH",
        help="identifiers, one ENTITY_TYPE=value (or phone=..., email=...) per line; - for stdin",
    )
    subj.add_argument("--format", choices=("json", "csv"), default="json")
    subj.add_argument("--output", "-o", help="write the report here (default: stdout)")
    subj.add_argument(
        "--erase-plan",
        metavar="PATH",
        help="write the objects to rewrite or delete for an erasure request (JSON)",
    )

    exp = sub.add_parser(
        "exposure",
        help="table of exposed subjects (fingerprint, entity types, first/last seen, sources)",
    )
    exp.add_argument("out", help="scan output root (path or URI)")
    exp.add_argument(
        "--output",
        "-o",
        help="Parquet path or URI (default: OUT/exposure/<latest scan id>.parquet)",
    )
    exp.add_argument(
        "--entity",
        action="append",
        default=[],
        help="entity types to include (repeatable; default: identifiers such as phone, "
        "e-mail, Aadhaar, PAN, card)",
    )
    exp.add_argument("--all-entities", action="store_true", help="every entity type")
    exp.add_argument("--max-sources", type=int, default=20, help="source URIs kept per row")
    exp.add_argument("--json", action="store_true", help="print the summary as JSON")
    exp.add_argument("--master", help="Spark master for the grouping (default: local[*])")


def _identifier_options() -> list[tuple[str, str]]:
    return list(IDENTIFIER_OPTIONS.items())


def run_redact_records(args: argparse.Namespace) -> int:
    from jobs.records import RecordsRequest, redact_records

    request = RecordsRequest(
        input=args.input,
        out=args.out,
        policy_path=_default(args.policy, "policy.yaml"),
        conf_dir=args.conf_dir or (str(DEFAULT_CONF) if DEFAULT_CONF.is_dir() else None),
        threshold=args.threshold,
        engine=args.engine,
        mode=args.mode,
        master=args.master,
        local_max_mb=args.local_max_mb,
        unit_mb=args.unit_mb,
    )
    result = redact_records(request)
    summary = result.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True), file=sys.stderr)
    else:
        print(
            f"piisweep: {summary['rows']:,} records ({summary['pii']:,} PII, "
            f"{summary['repaired']:,} repaired, {summary['unparsed']:,} redacted as text, "
            f"{summary['withheld']:,} withheld) in {summary['seconds']:.1f} s, "
            f"{result.mode} mode",
            file=sys.stderr,
        )
    return 0


def run_subject(args: argparse.Namespace) -> int:
    from detectors.keys import KeyRing
    from jobs import storage
    from jobs.subject import (
        identifier,
        locations_csv,
        lookup,
        read_identifier_file,
        to_json,
        write_text,
    )

    pairs = [(entity, v) for option, entity in _identifier_options() for v in getattr(args, option)]
    if args.from_file:
        if args.from_file == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(args.from_file).read_text(encoding="utf-8")
            except OSError as exc:
                from jobs.subject import SubjectError

                raise SubjectError(f"cannot read {args.from_file}: {exc.strerror}") from None
        pairs += read_identifier_file(text)
    keys = KeyRing.load()
    s3 = storage.S3Settings.from_env()
    out = storage.parse_uri(args.out).uri
    result = lookup(out, [identifier(e, v, keys) for e, v in pairs], s3)
    report = locations_csv(result) if args.format == "csv" else to_json(result.as_dict())
    if args.output:
        write_text(report, args.output, s3)
    else:
        sys.stdout.write(report)
    if args.erase_plan:
        write_text(to_json(result.erase_plan(out)), args.erase_plan, s3)
    shown = ", ".join(f"{i.entity_type} {i.preview}" for i in result.identifiers)
    objects = sum(1 for o in result.objects if o["current_locations"])
    print(
        f"piisweep: {shown}: {len(result.locations)} locations in {len(result.objects)} "
        f"objects ({objects} hold the subject now) across {len(result.scans)} scans",
        file=sys.stderr,
    )
    return 0


def run_exposure(args: argparse.Namespace) -> int:
    from jobs import storage
    from jobs.spark import session
    from jobs.subject import EXPOSURE_ENTITIES, default_exposure_uri, write_exposure

    s3 = storage.S3Settings.from_env()
    out = storage.parse_uri(args.out).uri
    entities = None if args.all_entities else (args.entity or list(EXPOSURE_ENTITIES))
    dest = storage.parse_uri(args.output).uri if args.output else default_exposure_uri(out, s3)
    spark = session(args.master)
    rows = write_exposure(out, dest, s3, entities, max_sources=args.max_sources, spark=spark)
    summary = {"output": dest, "subjects": rows}
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(f"piisweep: {rows:,} exposed values written to {dest}")
    return 0


COMMANDS = {
    "redact-records": run_redact_records,
    "subject": run_subject,
    "exposure": run_exposure,
}
