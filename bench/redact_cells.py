"""µs per value of ``Policy.redact_cells``: the compiled core against the Python loop.

    python -m bench.redact_cells [--values 100000] [--seed 5] [--policy conf/policy.yaml]

A structured export's redaction is one ``redact_value`` per value with a span. Values are
drawn from bench.values (phones, e-mails, names, cards, UPI ids, Aadhaar numbers, and a
free-text column with a phone inside), each with its span, as the column path hands them
over; both paths must give the same list (checked), and the best of a few runs is kept.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from bench.values import Values
from detectors.colspans import ColumnSpans
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.spans import Span


def _kinds(v: Values) -> list[tuple[str, Callable[[], str]]]:
    return [
        ("PHONE_NUMBER", v.phone),
        ("EMAIL_ADDRESS", v.email),
        ("PERSON", v.person),
        ("CREDIT_CARD", lambda: v.card()[0]),
        ("IN_UPI_ID", v.upi),
        ("IN_AADHAAR", v.aadhaar),
    ]


def column(n: int, seed: int) -> tuple[list[str | None], ColumnSpans]:
    """``n`` values with their spans: a whole-value span each, one in eight a phone inside
    a sentence."""
    rng = random.Random(seed)
    kinds = _kinds(Values(rng))
    hits: list[tuple[int, list[Span]]] = []
    values: list[str | None] = []
    for row in range(n):
        entity, make = rng.choice(kinds)
        value = make()
        if rng.random() < 0.125:
            entity, phone = "PHONE_NUMBER", Values(rng).mobile10()
            value = f"customer asked to call back on {phone} after 6pm"
            start = value.index(phone)
            spans = [Span(entity, start, start + len(phone), 0.85, "phone")]
        else:
            spans = [Span(entity, 0, len(value), 0.9, entity.lower())]
        values.append(value)
        hits.append((row, spans))
    return values, ColumnSpans.from_hits(hits)


def _best_of(runs: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--policy", default=None, help="policy YAML (default: the packaged one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    policy = Policy.load(args.policy) if args.policy else Policy.default()
    keys = KeyRing(b"f" * 32, b"t" * 32)
    values, spans = column(args.values, args.seed)
    native = policy.redact_cells(values, spans, keys)
    if native != policy._redact_cells_reference(values, spans, keys):
        raise SystemExit("native and reference differ")
    n = len(values)
    t_native = _best_of(args.runs, lambda: policy.redact_cells(values, spans, keys))
    t_ref = _best_of(args.runs, lambda: policy._redact_cells_reference(values, spans, keys))
    print(f"{n} values, {len(spans)} spans, policy {policy.source}")
    print(f"native    {t_native * 1e6 / n:6.2f} µs/value  ({t_native * 1e3:.1f} ms)")
    print(f"reference {t_ref * 1e6 / n:6.2f} µs/value  ({t_ref * 1e3:.1f} ms)")
    print(f"speed-up  {t_ref / t_native:6.1f}x")


if __name__ == "__main__":
    main()
