"""False alarms on real system logs from public sources, which the detectors were never tuned on.

    python -m bench.reallogs [--engine native|python|both]

Each source is a folder of gzip'd log files under ``tests/data/reallogs/`` (provenance, licence
and line counts in its SOURCES.md). Every line is scanned on its own with ``Engine.scan_text``.
A source declares the entity types it can genuinely hold, judged by reading the files; a finding
of any other type is a **false alarm**. Printed per source: lines, findings by entity, false
alarms (line number and the value masked to its first and last two characters). Also the false
alarms per 10,000 lines over all sources (target: at most 1) and every URL-encoded ``@`` or
``+`` (``%40``, ``%2B``, also encoded twice) seen, with the findings that cover it. Writes
bench/results/reallogs-latest.json (masked values only).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.config import load_engine

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "reallogs"
RESULTS = ROOT / "bench" / "results"
TARGET_PER_10K = 1.0
_ENCODED = re.compile(r"%(?:25)*(?:40|2B)", re.IGNORECASE)
_TOKEN_END = " \t\"'<>&?=;,()[]{}"


@dataclass(frozen=True)
class Source:
    system: str
    holds: frozenset[str]
    why: str


# What each source can genuinely hold, judged by reading the files (SOURCES.md says the same).
SOURCES: dict[str, Source] = {
    "apache_access": Source(
        "Apache httpd access log (combined format)",
        frozenset({"IP_ADDRESS", "EMAIL_ADDRESS"}),
        "client IPs; crawler contact mailboxes in user agents (help@moz.com)",
    ),
    "linux_auth": Source(
        "Linux auth.log (sshd, sudo, systemd-logind, CRON)",
        frozenset({"IP_ADDRESS"}),
        "sshd client IPs (brute-force attempts); user names are account names, not persons",
    ),
    "kafka_broker": Source(
        "Apache Kafka 0.10 broker server.log and controller.log",
        frozenset({"IP_ADDRESS"}),
        "listener addresses only; broker ids, offsets, epochs and partitions are not PII",
    ),
    "jvm_gc": Source(
        "JVM G1 garbage-collector log of a Kafka broker",
        frozenset(),
        "timings, heap sizes and addresses only",
    ),
    "windows_security": Source(
        "Windows Security/Sysmon events as JSON (NXLog), lab domain",
        frozenset({"IP_ADDRESS"}),
        "network addresses of lab hosts; accounts are machine or lab accounts (SYSTEM, MORDORDC$)",
    ),
    "aws_cloud": Source(
        "AWS CloudTrail (JSON) and S3 honey-bucket access events (CSV)",
        frozenset({"IP_ADDRESS", "AWS_ACCESS_KEY"}),
        "caller IPs; accessKeyId values (ASIA… session key ids)",
    ),
    "ci_build": Source(
        "CI build console logs (Hudson/Jenkins: svn+ant, MSBuild, gcc, ninja, maven)",
        frozenset({"IP_ADDRESS", "EMAIL_ADDRESS"}),
        "one notification mailbox at the end of a Hudson build",
    ),
}


def mask(value: str) -> str:
    """First two and last two characters, the rest as X (all X when 4 or fewer); a value
    longer than 24 characters shows 16 X and its length."""
    if len(value) <= 4:
        return "X" * len(value)
    if len(value) > 24:
        return f"{value[:2]}{'X' * 16}{value[-2:]} ({len(value)} chars)"
    return value[:2] + "X" * (len(value) - 4) + value[-2:]


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _files(source: str) -> list[Path]:
    return sorted(p for p in (DATA / source).iterdir() if p.is_file())


def _token(line: str, at: int) -> tuple[int, int]:
    """The run of characters around ``at`` up to a separator (space, quote, &, ?, = …)."""
    start = at
    while start > 0 and line[start - 1] not in _TOKEN_END:
        start -= 1
    end = at
    while end < len(line) and line[end] not in _TOKEN_END:
        end += 1
    return start, end


def scan_source(engine: Any, name: str) -> dict[str, Any]:
    spec = SOURCES[name]
    by_entity: Counter[str] = Counter()
    false: list[dict[str, Any]] = []
    encoded: list[dict[str, Any]] = []
    n_lines = 0
    files = []
    for path in _files(name):
        lines = _lines(path)
        files.append({"file": path.name, "lines": len(lines)})
        for number, line in enumerate(lines, 1):
            spans = engine.scan_text(line)
            for s in spans:
                by_entity[s.entity_type] += 1
                if s.entity_type not in spec.holds:
                    false.append(
                        {
                            "file": path.name,
                            "line": number,
                            "entity_type": s.entity_type,
                            "detector": s.detector,
                            "score": round(s.score, 3),
                            "value_masked": mask(line[s.start : s.end]),
                        }
                    )
            seen: set[tuple[int, int]] = set()
            for m in _ENCODED.finditer(line):
                start, end = _token(line, m.start())
                if (start, end) in seen:
                    continue
                seen.add((start, end))
                covering = sorted({s.entity_type for s in spans if s.start < end and s.end > start})
                encoded.append(
                    {
                        "file": path.name,
                        "line": number,
                        "escape": m.group(0),
                        "token_masked": mask(line[start:end]),
                        "findings": covering,
                    }
                )
        n_lines += len(lines)
    return {
        "source": name,
        "system": spec.system,
        "holds": sorted(spec.holds),
        "lines": n_lines,
        "files": files,
        "findings_by_entity": dict(sorted(by_entity.items())),
        "false_alarms": len(false),
        "false_alarm_list": false,
        "url_encoded": encoded,
    }


def run(kind: str) -> dict[str, Any]:
    engine = load_engine(None, engine=kind)
    t0 = time.perf_counter()
    sources = [scan_source(engine, name) for name in SOURCES]
    seconds = time.perf_counter() - t0
    lines = sum(s["lines"] for s in sources)
    false = sum(s["false_alarms"] for s in sources)
    per_10k = false / lines * 10_000 if lines else 0.0
    return {
        "engine": kind,
        "seconds": round(seconds, 2),
        "lines": lines,
        "sources": sources,
        "false_alarms": false,
        "false_alarms_per_10k_lines": round(per_10k, 3),
        "target_per_10k_lines": TARGET_PER_10K,
        "target_met": per_10k <= TARGET_PER_10K,
    }


def report(result: dict[str, Any]) -> None:
    print(f"\nengine {result['engine']}: {result['lines']:,} lines in {result['seconds']} s")
    print(f"{'source':<18} {'lines':>6} {'false':>5}  findings by entity")
    for s in result["sources"]:
        found = ", ".join(f"{e} {n}" for e, n in s["findings_by_entity"].items()) or "-"
        print(f"{s['source']:<18} {s['lines']:>6} {s['false_alarms']:>5}  {found}")
    verdict = "PASS" if result["target_met"] else "MISS"
    print(
        f"false alarms: {result['false_alarms']} = {result['false_alarms_per_10k_lines']} per "
        f"10,000 lines (target <= {TARGET_PER_10K:g}: {verdict})"
    )
    for s in result["sources"]:
        for f in s["false_alarm_list"]:
            print(
                f"  FALSE {s['source']}/{f['file']}:{f['line']} {f['entity_type']} "
                f"{f['value_masked']} ({f['detector']}, {f['score']})"
            )
    encoded = [(s["source"], e) for s in result["sources"] for e in s["url_encoded"]]
    print(f"URL-encoded @/+ seen: {len(encoded)}")
    for source, e in encoded:
        covered = ", ".join(e["findings"]) or "no finding"
        print(f"  {source}/{e['file']}:{e['line']} {e['escape']} in {e['token_masked']}: {covered}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("native", "python", "both"), default="native")
    args = parser.parse_args(argv)
    kinds = ("native", "python") if args.engine == "both" else (args.engine,)
    runs = []
    for kind in kinds:
        result = run(kind)
        report(result)
        runs.append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reallogs-latest.json"
    out.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
