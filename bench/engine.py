"""Engine benchmark: piisweep's detector on a generated, labelled corpus, and Presidio beside it.

    python -m bench.engine [--size-mb 50] [--seed 42] [--presidio-lines 20000] [--skip-presidio]

Measures throughput on one pinned core (MB/s = input bytes / wall seconds, and / CPU
seconds) and quality (per-entity precision, recall, F1 against the labels; see
bench/README.md for the matching rules). Writes bench/results/engine-latest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import presidio, scoring, stages
from bench.generate import MB, generate
from bench.scoring import Span
from detectors.entities import VOCABULARY

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
TARGETS = {
    **{
        e: 0.95
        for e in (
            "PHONE_NUMBER",
            "EMAIL_ADDRESS",
            "IN_AADHAAR",
            "IN_PAN",
            "IN_UPI_ID",
            "CREDIT_CARD",
            "IP_ADDRESS",
        )
    },
    "PERSON/structured": 0.85,
    "STREET_ADDRESS/structured": 0.85,
}
WARMUP_LINES = 2000
GENERATOR_MODULES = ("generate", "parts", "kit", "values", "tech_values", "places", "lookalikes",
                     "lines", "infra", "pii_customer", "pii_finance", "pii_secrets")  # fmt: skip


def generator_digest() -> str:
    """Digest of the generator's sources and data packages: a corpus made by other code is
    regenerated instead of silently scored against labels it was not made with."""
    from importlib.metadata import version

    h = hashlib.sha256()
    for name in GENERATOR_MODULES:
        h.update((BENCH / f"{name}.py").read_bytes())
    h.update(f"faker={version('faker')} phonenumbers={version('phonenumbers')}".encode())
    return h.hexdigest()[:16]


def ensure_corpus(size_mb: float, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """Generate the corpus once per (size, seed, generator digest); stats are kept beside it."""
    stem = DATA / f"corpus-{size_mb:g}mb-{seed}"
    log, labels, stats_path = (
        stem.with_suffix(s) for s in (".log", ".labels.jsonl", ".stats.json")
    )
    digest = generator_digest()
    if log.exists() and labels.exists() and stats_path.exists():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        if stats.get("generator_digest") == digest:
            return log, labels, stats
    print(f"generating {log.name} ({size_mb:g} MB, seed {seed})…", flush=True)
    stats = {**generate(seed, log, labels, size_mb=size_mb).as_dict(), "generator_digest": digest}
    stats_path.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return log, labels, stats


def head_file(src: Path, dst: Path, lines: int) -> Path:
    """The first ``lines`` lines of ``src`` (the warm-up input and the Presidio slice)."""
    with src.open("rb") as f, dst.open("wb") as out:
        for i, raw in enumerate(f):
            if i >= lines:
                break
            out.write(raw)
    return dst


def pin_one_core() -> list[int] | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    os.sched_setaffinity(0, {0})
    return sorted(os.sched_getaffinity(0))


def run_piisweep(corpus: Path, findings: Path, engine: str = "native") -> dict[str, Any]:
    """Warm up on a small file (imports, pattern compilation), then time the full run."""
    try:
        from jobs.cli import main as cli_main
    except ImportError as exc:
        return {"ok": False, "reason": f"piisweep CLI not importable: {exc}"}

    def call(src: Path, out: Path) -> int:
        try:
            rc = cli_main(["detect", str(src), "--output", str(out), "--engine", engine])
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return int(rc or 0)

    try:
        return _timed_runs(call, corpus, findings)
    except Exception as exc:  # a broken CLI must not lose the Presidio half of the report
        return {"ok": False, "reason": f"piisweep raised {type(exc).__name__}: {str(exc)[:200]}"}


def _timed_runs(call: Callable[[Path, Path], int], corpus: Path, findings: Path) -> dict[str, Any]:
    warm = head_file(corpus, DATA / "warmup.log", WARMUP_LINES)
    rc = call(warm, DATA / "warmup.findings.jsonl")
    if rc != 0:
        return {"ok": False, "reason": f"warm-up `piisweep detect` exited {rc}"}
    findings.unlink(missing_ok=True)  # never score a previous run's output
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0, t0 = time.process_time(), time.perf_counter()
    rc = call(corpus, findings)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
    if rc != 0 or not findings.exists():
        return {"ok": False, "reason": f"`piisweep detect` exited {rc}"}
    size = corpus.stat().st_size
    return {
        "ok": True,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "mb_per_s_wall": round(size / MB / wall, 3),
        "mb_per_s_cpu": round(size / MB / cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def time_redact(corpus: Path, engine: str = "native") -> dict[str, Any]:
    """`piisweep redact` of the corpus to /dev/null, warm (detect's run imported and
    compiled everything): the redacted copy is the scan's other output."""
    from jobs.cli import main as cli_main

    t0 = time.perf_counter()
    rc = cli_main(["redact", str(corpus), "--output", os.devnull, "--engine", engine])
    wall = time.perf_counter() - t0
    size = corpus.stat().st_size
    return {
        "ok": rc == 0,
        "wall_seconds": round(wall, 3),
        "mb_per_s_wall": round(size / MB / wall, 3),
    }


def evaluate(corpus: Path, labels: list[Span], findings: list[Span]) -> dict[str, Any]:
    """Score, infer contexts of PERSON/STREET_ADDRESS false positives, build error hints."""
    prelim = scoring.match(labels, findings)
    wanted_fp = [f for f in prelim.false_pos if f.entity in VOCABULARY]
    hint_fp = _sample_per_entity(wanted_fp, 400)
    hint_fn = _sample_per_entity(prelim.false_neg, 400)
    split_fp = [f for f in prelim.false_pos if f.entity in scoring.SPLIT_ENTITIES]
    lines = scoring.read_lines(corpus, {s.line for s in hint_fp + hint_fn + split_fp})
    fp_ctx = {f: scoring.infer_ctx(lines[f.line], f.start) for f in split_fp if f.line in lines}
    result = scoring.score(labels, findings, VOCABULARY, fp_ctx)
    result.pop("_match")
    by_line: dict[int, list[Span]] = defaultdict(list)
    for lab in labels:
        if lab.line in lines:
            by_line[lab.line].append(lab)
    result["false_positive_hints"] = scoring.error_hints(hint_fp, lines, by_line)
    result["false_negative_hints"] = scoring.error_hints(hint_fn, lines, by_line)
    return result


def _sample_per_entity(spans: list[Span], cap: int) -> list[Span]:
    """At most ``cap`` errors per entity (the first by line), to bound line reads."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for sp in sorted(spans, key=lambda s: (s.line, s.start)):
        if seen[sp.entity] < cap:
            seen[sp.entity] += 1
            out.append(sp)
    return out


def _fmt(x: object) -> str:
    return f"{x:.3f}" if isinstance(x, float) else "  -  "


def _target_cell(name: str, f1: object) -> str:
    target = TARGETS.get(name)
    if target is None:
        return ""
    ok = isinstance(f1, float) and f1 >= target
    return f"≥{target:.2f} {'PASS' if ok else 'FAIL'}"


def _row(name: str, c: dict[str, Any], target: str = "") -> str:
    counts = f"{c['support']:>8}{c['tp']:>8}{c['fp']:>7}{c['fn']:>7}"
    prf = "  ".join(_fmt(c[k]) for k in ("precision", "recall", "f1"))
    return f"  {name:<26}{counts}   {prf}  {target}"


def print_quality(title: str, q: dict[str, Any]) -> None:
    print(f"\n{title}")
    head = f"{'support':>8}{'tp':>8}{'fp':>7}{'fn':>7}   {'P':>5}  {'R':>5}  {'F1':>5}"
    print(f"  {'entity':<26}{head}  target")
    for name, c in {**q["per_entity"], **q["split"]}.items():
        print(_row(name, c, _target_cell(name, c["f1"])))
    print(_row("micro (all entities)", q["micro"]))
    print(f"  macro F1 over entities with support: {_fmt(q['macro_f1'])}")
    if q["unscored_entity_findings"]:
        print(f"  findings of entity types outside the vocabulary: {q['unscored_entity_findings']}")


def print_hints(title: str, hints: dict[str, list[dict[str, Any]]], per_entity: int = 3) -> None:
    if not hints:
        return
    print(f"\n{title} (count, example line:start-end, detector, masked context)")
    for entity, rows in hints.items():
        for h in rows[:per_entity]:
            print(
                f"  {entity:<16}{h['count']:>6}  L{h['line']}:{h['char_start']}-{h['char_end']}  "
                f"{h['detector'] or '-':<22} {h['hint']}"
            )


def print_side_by_side(ours: dict[str, Any], theirs: dict[str, Any], cut: dict[str, Any]) -> None:
    """piisweep vs Presidio as configured (score threshold 0, its default) and above a cut."""
    prf = "P/R/F1"
    print(f"\n  {'entity':<16}{'support':>8}   {'piisweep ' + prf:<21}  {'presidio ' + prf:<21}"
          f"  presidio≥{cut['min_score']} F1")  # fmt: skip
    for name, a in ours["per_entity"].items():
        b, c = theirs["per_entity"][name], cut["quality"]["per_entity"][name]
        fa = "/".join(_fmt(a[k]) for k in ("precision", "recall", "f1"))
        fb = "/".join(_fmt(b[k]) for k in ("precision", "recall", "f1"))
        print(f"  {name:<16}{a['support']:>8}   {fa:<21}  {fb:<21}  {_fmt(c['f1'])}")
    rows = (
        ("piisweep", ours),
        ("presidio", theirs),
        (f"presidio≥{cut['min_score']}", cut["quality"]),
    )
    for label, q in rows:
        m = q["micro"]
        print(
            f"  micro {label:<18} P {_fmt(m['precision'])} R {_fmt(m['recall'])} F1 {_fmt(m['f1'])}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.engine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--size-mb", type=float, default=50)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--presidio-lines", type=int, default=20_000)
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--spacy-model", default=None, help="installed spaCy model for Presidio NER")
    ap.add_argument("--presidio-min-score", type=float, default=0.5,
                    help="also score Presidio with findings below this score dropped")  # fmt: skip
    ap.add_argument(
        "--findings",
        type=Path,
        default=None,
        help="score this findings file instead of running piisweep",
    )
    ap.add_argument("--skip-stages", action="store_true",
                    help="do not time the stages (trigger pass, engine, rows)")  # fmt: skip
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    ap.add_argument("--engine", choices=("native", "python"), default="native",
                    help="the engine of `piisweep detect` and of the stages")  # fmt: skip
    args = ap.parse_args(argv)

    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    corpus, labels_path, corpus_stats = ensure_corpus(args.size_mb, args.seed)
    affinity = pin_one_core()
    results: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "engine": args.engine,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "affinity": affinity,
        },
        "corpus": {
            "path": str(corpus.relative_to(BENCH.parent)),
            "seed": args.seed,
            **corpus_stats,
        },
    }
    print(
        f"corpus {corpus.name}: {corpus_stats['lines']} lines, {corpus_stats['mb']} MB, "
        f"{corpus_stats['labels_total']} labels; pinned to cores {affinity}"
    )
    labels = scoring.load_labels(labels_path)

    if args.findings:
        run = {
            "ok": True,
            "findings_from": str(args.findings),
            "note": "scored a given file; not timed",
        }
        findings_path = args.findings
    else:
        findings_path = DATA / f"{corpus.stem}.piisweep.findings.jsonl"
        run = run_piisweep(corpus, findings_path, args.engine)
    results["piisweep"] = run
    ours_full: dict[str, Any] | None = None
    if run["ok"]:
        ours_full = evaluate(corpus, labels, scoring.load_findings(findings_path))
        results["piisweep"] = {**run, "quality": ours_full}
        if "mb_per_s_wall" in run:
            print(
                f"\npiisweep: {run['wall_seconds']} s wall, {run['cpu_seconds']} s CPU -> "
                f"{run['mb_per_s_wall']} MB/s per core (wall), {run['mb_per_s_cpu']} MB/s (CPU)"
            )
        print_quality(f"piisweep quality on the full corpus ({corpus_stats['mb']} MB)", ours_full)
        print_hints("top false positives", ours_full["false_positive_hints"])
        print_hints("top false negatives", ours_full["false_negative_hints"])
        if not args.findings:
            results["redact"] = time_redact(corpus, args.engine)
            print(
                f"piisweep redact: {results['redact']['wall_seconds']} s wall -> "
                f"{results['redact']['mb_per_s_wall']} MB/s per core"
            )
        if not args.skip_stages and not args.findings:
            results["stages"] = stages.breakdown(corpus, run.get("wall_seconds"), args.engine)
            stages.print_breakdown(results["stages"])
    else:
        print(f"\npiisweep run skipped: {run['reason']}")

    if not args.skip_presidio:
        results["presidio"] = compare_presidio(
            args, corpus, labels, findings_path if run["ok"] else None
        )

    out = RESULTS / ("engine-latest.json" if args.engine == "native" else "engine-python.json")
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nresults -> {out.relative_to(BENCH.parent)}")
    failed = [k for k in TARGETS if ours_full and not _passes(ours_full, k)]
    return 1 if args.strict and (failed or not run["ok"]) else 0


def _passes(q: dict[str, Any], name: str) -> bool:
    row = q["per_entity"].get(name) or q["split"].get(name)
    return isinstance(row["f1"], float) and row["f1"] >= TARGETS[name]


def compare_presidio(
    args: argparse.Namespace, corpus: Path, labels: list[Span], our_findings: Path | None
) -> dict[str, Any]:
    """Presidio and piisweep on the same first N lines, side by side."""
    n = args.presidio_lines
    slice_path = head_file(corpus, DATA / f"slice-{n}-{corpus.stem}.log", n)
    print(
        f"\nPresidio on the first {n} lines ({slice_path.stat().st_size / MB:.2f} MB)…", flush=True
    )
    pres = presidio.run(slice_path, DATA, args.spacy_model)
    if not pres.ok:
        print(f"Presidio not measured: {pres.reason}")
        return {"ok": False, "reason": pres.reason}
    st = pres.stats or {}
    size = int(st["bytes"])
    speed = {
        "mb_per_s_wall": round(size / MB / float(st["wall_seconds"]), 4),
        "mb_per_s_cpu": round(size / MB / float(st["cpu_seconds"]), 4),
    }
    slice_labels = [lab for lab in labels if lab.line <= n]
    assert pres.findings is not None
    theirs = evaluate(slice_path, slice_labels, scoring.load_findings(pres.findings, n))
    cut_findings = scoring.load_findings(pres.findings, n, min_score=args.presidio_min_score)
    cut = {"min_score": args.presidio_min_score,
           "quality": evaluate(slice_path, slice_labels, cut_findings)}  # fmt: skip
    out: dict[str, Any] = {"ok": True, "lines": n, **st, **speed, "quality": theirs,
                           "quality_above_min_score": cut}  # fmt: skip
    print(
        f"presidio {st.get('presidio_analyzer_version')} ({st.get('nlp')}): "
        f"{st['wall_seconds']} s wall -> {speed['mb_per_s_wall']} MB/s per core "
        f"({speed['mb_per_s_cpu']} MB/s CPU); unmapped entity findings dropped: "
        f"{st.get('unmapped_entities')}"
    )
    if our_findings is not None:
        ours = evaluate(slice_path, slice_labels, scoring.load_findings(our_findings, n))
        out["piisweep_same_slice"] = ours
        print_side_by_side(ours, theirs, cut)
    else:
        print_quality("presidio quality on the slice", theirs)
    return out


if __name__ == "__main__":
    sys.exit(main())
