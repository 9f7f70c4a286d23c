"""Findings per second of the engine alone on a dense export: every row holds six values.

    python -m bench.dense [--rows 200000] [--seed 3]
                          [--engine native|native-flat|native-columns|python|all]

An all-PII export (a customer table dumped to CSV) is where the cost per finding, not per
byte, decides the speed: the scan lake has ~11,000 findings per MB. Rows are generated here
(name, Indian mobile, e-mail, Aadhaar, PAN, card; checksums valid) and scanned as one buffer
of lines on one pinned core, as `scan_lines` runs them in a scan task. Prints MB/s, findings
per second and µs per finding, and writes bench/results/dense-latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detectors.checksums import luhn_valid, verhoeff_valid
from detectors.config import load_engine

RESULTS = Path(__file__).resolve().parent / "results"
_FIRST = ["Rahul", "Priya", "Amit", "Sneha", "Vikram", "Anjali", "Arjun", "Kavya"]
_LAST = ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Das"]


def _with_check(body: str, valid: Any) -> str:
    return next(body + d for d in "0123456789" if valid((body + d).encode()))


def rows(n: int, seed: int) -> bytes:
    """``n`` CSV-like rows of six values each, as one buffer."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        digits = "".join(rng.choice("0123456789") for _ in range(15))
        mobile = rng.choice("6789") + digits[:9]
        aadhaar = _with_check(rng.choice("23456789") + digits[:10], _verhoeff_bytes)
        card = _with_check("4" + digits[:14], _luhn_bytes)
        pan = "".join(rng.choice("ABCDEFGHJK") for _ in range(3)) + "P" + last[0] + digits[:4]
        pan += rng.choice("ABCDEFGHJK")
        email = f"{first.lower()}.{last.lower()}{i % 97}@gmail.com"
        out.append(
            f"{i},{first} {last},+91 {mobile},{email},{aadhaar[:4]} {aadhaar[4:8]} "
            f"{aadhaar[8:]},{pan},{card[:4]} {card[4:8]} {card[8:12]} {card[12:]}"
        )
    return ("\n".join(out) + "\n").encode()


def _verhoeff_bytes(b: bytes) -> bool:
    return verhoeff_valid(b.decode())


def _luhn_bytes(b: bytes) -> bool:
    return luhn_valid(b.decode())


#: The columns of :func:`rows`, as an export's header would name them.
COLUMNS = ("id", "name", "mobile", "email", "aadhaar", "pan", "card")


def _scanner(kind: str, data: bytes) -> tuple[str, Callable[[], int]]:
    """The engine and a call that scans ``data`` once and counts the findings:

    - ``native``/``python``: ``scan_lines``, a ``Span`` per finding (the reference form);
    - ``native-flat``: the core's flat spans (``scan_lines_flat``), what ``detect`` and
      the text scan consume: the core alone;
    - ``native-columns``: the rows as CSV columns, each scanned whole with its column name
      as context (``scan_arrow_flat``), as the scan reads an export: the core alone.
    """
    import pyarrow as pa

    engine = load_engine(None, engine=kind.split("-")[0])
    if kind == "native-flat":
        return "native", lambda: len(engine.scan_lines_flat(data).scores)
    if kind == "native-columns":
        cells = list(zip(*(line.split(",") for line in data.decode().splitlines()), strict=True))
        columns = [(name, pa.array(c, pa.string())) for name, c in zip(COLUMNS, cells, strict=True)]
        return "native", lambda: sum(len(engine.scan_arrow_flat(a, field=n)) for n, a in columns)
    return kind, lambda: sum(len(spans) for _, _, spans in engine.scan_lines(data))


def measure(kind: str, data: bytes, runs: int = 3) -> dict[str, Any]:
    _, scan = _scanner(kind, data[:65536])
    scan()  # build the engine outside the timings
    _, scan = _scanner(kind, data)
    best, findings = float("inf"), 0
    for _ in range(runs):
        t0 = time.process_time()
        findings = scan()
        best = min(best, time.process_time() - t0)
    mb = len(data) / 2**20
    return {
        "engine": kind,
        "cpu_seconds": round(best, 3),
        "findings": findings,
        "mb_per_s": round(mb / best, 1),
        "findings_per_s": round(findings / best),
        "us_per_finding": round(best / findings * 1e6, 3) if findings else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument(
        "--engine",
        choices=("native", "native-flat", "native-columns", "python", "all"),
        default="all",
    )
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    data = rows(args.rows, args.seed)
    every = ("native-flat", "native-columns", "native", "python")
    kinds = every if args.engine == "all" else (args.engine,)
    out: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rows": args.rows,
        "mb": round(len(data) / 2**20, 2),
        "values_per_row": 6,
        "runs": [],
    }
    print(f"dense export: {args.rows} rows, {out['mb']} MB, 6 values a row, one core")
    for kind in kinds:
        r = measure(kind, data)
        out["runs"].append(r)
        print(
            f"  {kind:14s} {r['mb_per_s']:8.1f} MB/s  {r['findings_per_s']:>10,} findings/s  "
            f"{r['us_per_finding']} µs per finding  ({r['findings']} findings)"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dense-latest.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
