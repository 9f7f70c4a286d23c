"""The plan of a lake (days, counts per kind) and the entry point, generate_lake."""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from pathlib import Path

from jobs.sample_lake.base import DAY, EPOCH0, IST, MAX_FILE, MB, SHARES, LakeStats, SampleLakeError
from jobs.sample_lake.exports import customer_rows, orders_parquet
from jobs.sample_lake.ingress import Ingress
from jobs.sample_lake.outputs import Lake, TextOut, fill
from jobs.sample_lake.partners import PARTNERS, Partners
from jobs.sample_lake.payloads import Payloads


def _day(i: int) -> tuple[str, str, float]:
    """(YYYY/MM/DD, YYYY-MM-DD, start epoch) of the lake's i-th day."""
    t = EPOCH0 + i * DAY
    lt = time.gmtime(t + IST)
    return (
        f"{lt.tm_year}/{lt.tm_mon:02d}/{lt.tm_mday:02d}",
        f"{lt.tm_year}-{lt.tm_mon:02d}-{lt.tm_mday:02d}",
        float(t),
    )


def _count(budget: float, kind: str, per: int = 1) -> int:
    return max(1, math.ceil(budget / per / MAX_FILE[kind]))


def generate_lake(
    root: str | Path,
    size_mb: float = 20,
    seed: int = 7,
    truth_path: str | Path | None = None,
) -> LakeStats:
    """Write a sample lake of about ``size_mb`` MB (10^6 bytes on disk) under ``root``.

    ``root`` must be missing or empty. With ``truth_path`` (outside ``root``) every planted
    value is listed there as JSON Lines. The same seed gives byte-identical files."""
    if not (size_mb > 0 and math.isfinite(size_mb)):
        raise SampleLakeError(f"size_mb must be a positive number, got {size_mb}")
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SampleLakeError(f"sample lake directory must be missing or empty: {root}")
    truth = Path(truth_path) if truth_path is not None else None
    if truth is not None and truth.resolve().is_relative_to(root.resolve()):
        raise SampleLakeError(f"truth file must lie outside the lake: {truth}")
    root.mkdir(parents=True, exist_ok=True)
    if truth is not None:
        truth.parent.mkdir(parents=True, exist_ok=True)
    with truth.open("wb") if truth is not None else nullcontext() as tf:
        lake = Lake(root, seed, size_mb, tf)
        _write(lake, size_mb * MB)
        lake.flush_truth()
    return lake.stats


def _write(lake: Lake, total: float) -> None:
    budget = {k: total * s for k, s in SHARES}
    days = max(2, min(7, 2 + int(total / MB // 100)))
    clock = lake.clock

    # ingress: per day, the quiet night hours (00-06) rotated and gzipped, the rest plain
    ingress = Ingress(lake)
    n_gz = _count(budget["ingress-log-gz"], "ingress-log-gz", days)
    n_plain = _count(budget["ingress-log"], "ingress-log", days)
    night = 6 * 3600
    for d in range(days):
        ymd, _, t0 = _day(d)
        gz = ("gzip", budget["ingress-log-gz"] / days / n_gz, night / n_gz)
        plain = (None, budget["ingress-log"] / days / n_plain, (DAY - night) / n_plain)
        slots = [gz] * n_gz + [plain] * n_plain
        start = t0
        for i, (codec, target, span) in enumerate(slots):
            suffix = ".log.gz" if codec else ".log"
            kind = "ingress-log-gz" if codec else "ingress-log"
            out = TextOut(lake, kind, f"ingress/{ymd}/ingress-{i}{suffix}", codec, is_log=True)
            clock.t = start
            start += span
            fill(lake, out, ingress.table, target, start)
            out.close()

    # partner APIs: one gzip file per partner and day
    partners = Partners(lake)
    for p in PARTNERS:
        for d in range(days):
            _, iso, t0 = _day(d)
            out = TextOut(
                lake, "partner-log-gz", f"partner-api/{p}/{iso}.log.gz", "gzip", is_log=True
            )
            clock.t = t0
            target = budget["partner-log-gz"] / len(PARTNERS) / days
            fill(lake, out, partners.tables[p], target, t0 + DAY)
            out.close()

    # API payloads: JSON Lines per day, a zstd file per day, one bz2 file, one JSON array
    payloads = Payloads(lake)
    n_jsonl = _count(budget["payloads-jsonl"], "payloads-jsonl", days)
    for d in range(days):
        _, iso, t0 = _day(d)
        files = [("payloads-jsonl", None, f"payloads-{i}.jsonl") for i in range(n_jsonl)]
        files.append(("payloads-jsonl-zst", "zstd", f"payloads-{n_jsonl}.jsonl.zst"))
        if d == 0:
            files.append(("payloads-jsonl-bz2", "bz2", f"payloads-{n_jsonl + 1}.jsonl.bz2"))
        span = DAY / len(files)
        for i, (kind, codec, name) in enumerate(files):
            out = TextOut(lake, kind, f"api-payloads/{iso}/{name}", codec, record_offset=1)
            clock.t = t0 + i * span
            share = budget[kind] if kind == "payloads-jsonl-bz2" else budget[kind] / days
            target = share / (n_jsonl if kind == "payloads-jsonl" else 1)
            fill(lake, out, payloads.table, target, t0 + (i + 1) * span)
            out.close()
    _, iso, t0 = _day(days - 1)
    clock.t = t0
    _json_array(lake, payloads, f"api-payloads/{iso}/replay-batch-0.json", budget["payloads-json"])

    # exports
    clock.t = EPOCH0 + days * DAY
    n_csv = _count(budget["customers-csv"], "customers-csv")
    for i in range(n_csv):
        rel = f"exports/customers/customers-{i}.csv"
        customer_rows(lake, "customers-csv", rel, budget["customers-csv"] / n_csv, tsv=False)
    customer_rows(
        lake, "customers-tsv", "exports/customers/customers-kyc-0.tsv",
        budget["customers-tsv"], tsv=True,
    )  # fmt: skip
    n_pq = _count(budget["orders-parquet"], "orders-parquet")
    clock.t = EPOCH0
    for i in range(n_pq):
        rel = f"exports/orders/orders-{i}.parquet"
        orders_parquet(lake, "orders-parquet", rel, budget["orders-parquet"] / n_pq)
    for d in ("exports/customers", "exports/orders"):
        marker = lake.root / d / "_SUCCESS"
        marker.write_bytes(b"")
        lake.done("success-marker", marker, 0)


def _json_array(lake: Lake, payloads: Payloads, rel: str, target: float) -> None:
    """One JSON array, one record per line (record i on line i + 2)."""
    out = TextOut(lake, "payloads-json", rel, None, record_offset=2)
    out.add("[")
    funcs, cum = payloads.table
    size, last = 2.0, ""
    while size < target:
        for f in lake.rng.choices(funcs, cum_weights=cum, k=64):
            lake.clock.t += lake.rng.random() * 20
            last = f(out)
            out.add(last + ",")
            size += len(last) + 2
    out._buf[-1] = last  # no comma after the last record
    out.add("]")
    out.close()
