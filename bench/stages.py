"""Where `piisweep detect`'s time goes on the corpus, stage by stage.

The engine has two halves of very different kinds: the multi-pattern trigger pass
(Hyperscan) and the per-candidate work (precise regex, validators, context, overlaps: in the
compiled core with the native engine, in Python with the reference engine), followed by the
actions and the findings rows (fingerprint, preview, JSON). Timing each on the
same bytes says which half a throughput target depends on, and what each finding may cost
at that target: a budget that is below what one Python call costs cannot be met by tuning.

Each stage is run on the whole corpus as one process would: the same 8 MiB line chunks that
`piisweep detect` feeds the engine. A stage's time includes the stages before it, so the
differences are the stages' own costs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.generate import MB
from detectors.config import load_engine
from detectors.native import NativeEngine
from jobs.blocks import Shared, scan_line_block
from jobs.localfiles import line_chunks
from jobs.textrows import TextRows, reported


def _best_of(runs: int, fn: Any) -> float:
    """The fastest of ``runs`` timings: the stage's cost without the machine's noise."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def breakdown(
    corpus: Path, detect_seconds: float | None, engine: str = "native", runs: int = 2
) -> dict[str, Any]:
    """Seconds and MB/s of each stage, counts per MB, and the per-finding budgets.

    ``detect_seconds`` is the timed end-to-end `piisweep detect` run (None when it was not
    timed); without it the findings-rows stage is left out.
    """
    with corpus.open("rb") as fh:
        chunks = list(line_chunks(fh))
    size = sum(len(c) for c in chunks)
    mb = size / MB
    engine = load_engine(None, engine=engine)
    engine.trigger_pass(chunks[0][:65536])  # build the scanner outside the timings

    hits = candidates = 0
    for c in chunks:
        n_hits, n_kept = engine.trigger_pass(c)
        hits += n_hits
        candidates += n_kept
    findings = sum(len(spans) for c in chunks for _, _, spans in engine.scan_lines(c))

    trigger_s = _best_of(runs, lambda: [engine.trigger_pass(c) for c in chunks])
    shared = _shared(engine)
    if isinstance(engine, NativeEngine):
        # The stages of detect's compiled path (local_detect._detect_text_native): flat
        # spans from the core, then the actions decided on arrays (TextRows.rows before
        # the core writes the rows); the rows are the rest.
        rows = TextRows(engine, shared.policy, shared.keys, "bench")

        def actions(chunk: bytes, flat: Any) -> Any:
            cols, _ = reported(flat, shared.policy.threshold)
            return rows.decide.codes(chunk, cols)

        engine_s = _best_of(runs, lambda: [engine.scan_lines_flat(c) for c in chunks])
        judge_s = _best_of(runs, lambda: [actions(c, engine.scan_lines_flat(c)) for c in chunks])
    else:
        engine_s = _best_of(runs, lambda: [sum(1 for _ in engine.scan_lines(c)) for c in chunks])
        judge_s = _best_of(
            runs, lambda: [scan_line_block(c, None, False, shared, redact=False) for c in chunks]
        )
    stages: dict[str, Any] = {
        "trigger_pass": _stage(trigger_s, mb),
        "engine": _stage(engine_s, mb),
        "actions": _stage(judge_s, mb),
    }
    if detect_seconds is not None:
        stages["detect"] = _stage(detect_seconds, mb)
    per_finding_us = {
        "candidate_python": _us(engine_s - trigger_s, findings),
        # Everything after the core: the actions (judge_lines) plus the rows (fingerprint,
        # preview, JSON Lines); the second figure is the rows' share.
        "findings_rows": _us(detect_seconds - engine_s, findings) if detect_seconds else None,
        "rows_only": _us(detect_seconds - judge_s, findings) if detect_seconds else None,
    }
    return {
        "mb": round(mb, 3),
        "chunks": len(chunks),
        "trigger_hits": hits,
        "candidates_after_prefilter": candidates,
        "findings": findings,
        "per_mb": {
            "trigger_hits": round(hits / mb, 1),
            "candidates": round(candidates / mb, 1),
            "findings": round(findings / mb, 1),
        },
        "stages": stages,
        "per_finding_us": per_finding_us,
        "budget_us_per_finding": {
            f"{target:g}_mb_per_s": _budget(target, mb, trigger_s, findings)
            for target in (100.0, 50.0)
        },
    }


def _shared(engine: Any) -> Shared:
    """What ``piisweep detect`` judges lines with, run from the repository root: the
    policy it loads by default, throw-away keys."""
    from detectors.keys import KeyRing
    from detectors.policy import Policy
    from detectors.records import rules_of

    path = Path("conf/policy.yaml")
    policy = Policy.load(path) if path.exists() else Policy.default()
    keys = KeyRing(os.urandom(32), os.urandom(32))
    return Shared(engine, policy, keys, rules_of(policy))


def _stage(seconds: float, mb: float) -> dict[str, float]:
    return {"seconds": round(seconds, 3), "mb_per_s": round(mb / seconds, 1)}


def _us(seconds: float, n: int) -> float | None:
    return round(seconds / n * 1e6, 2) if n else None


def _budget(target: float, mb: float, trigger_s: float, findings: int) -> float | None:
    """What each finding may cost, all Python included, for the whole run to reach
    ``target`` MB/s, once the trigger pass has taken its share (negative: the trigger pass
    alone is slower than the target)."""
    return _us(mb / target - trigger_s, findings)


def print_breakdown(b: dict[str, Any]) -> None:
    print(f"\nwhere the time goes ({b['mb']} MB, {b['chunks']} chunks, best of the runs):")
    for name, st in b["stages"].items():
        print(f"  {name:13s} {st['seconds']:8.3f} s  {st['mb_per_s']:7.1f} MB/s (cumulative)")
    per = b["per_mb"]
    print(
        f"  per MB: {per['trigger_hits']} trigger hits, {per['candidates']} candidates, "
        f"{per['findings']} findings"
    )
    pf = b["per_finding_us"]
    print(
        f"  per finding: {pf['candidate_python']} µs of candidate Python"
        + (
            f", {pf['findings_rows']} µs after the core (of which rows {pf['rows_only']} µs)"
            if pf["findings_rows"]
            else ""
        )
    )
    for name, us in b["budget_us_per_finding"].items():
        target = name.removesuffix("_mb_per_s")
        print(f"  budget per finding at {target} MB/s after the trigger pass: {us} µs")
