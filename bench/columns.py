"""CPU per value of the column scan (``scan_arrow``), before and after the core took over the
whole-value field detection (``Core.scan_column``).

    python -m bench.columns [--size-mb 50] [--seed 7] [--runs 3]

Columns come from the benchmark lake (``bench.lakes.ensure_lake``): the customers CSV's
``full_name``, ``address``, ``email`` and ``mobile`` (name-hinted: every value is a
candidate) and the ingress log's lines as a free-text column (no field name). Each column
is scanned by the native engine three ways: ``old`` (the buffer pass in the core, then
``Engine._field_spans`` in Python per value and a ``Span`` per finding, the path before
``scan_column``), ``scan_arrow`` (now: the core does the column, Python builds the Spans)
and ``flat`` (``scan_arrow_flat``: flat arrays, no Span). The best of ``--runs`` is kept.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.lakes import ensure_lake


def _columns(lake: Path) -> dict[str, tuple[Any, str | None]]:
    """Name → (pyarrow string array, field name it is scanned as)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    csv_path = next(lake.glob("exports/customers/customers-[0-9]*.csv"))
    options = pcsv.ConvertOptions(column_types={c: pa.string() for c in ("mobile", "pincode")})
    table = pcsv.read_csv(csv_path, convert_options=options)
    cols: dict[str, tuple[Any, str | None]] = {
        f: (table.column(f).cast(pa.string()), f)
        for f in ("full_name", "address", "email", "mobile")
    }
    log_path = next(p for p in sorted(lake.glob("ingress/**/*.log")))
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    cols["log lines"] = (pa.array(lines, pa.string()), None)
    return cols


def _best(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from detectors.columns import joined_buffer
    from detectors.engine import Engine
    from detectors.native import NativeEngine

    engine = NativeEngine.default()
    lake, _ = ensure_lake(args.size_mb, args.seed)
    print(f"{'column':<12} {'values':>8} {'spans':>8}   µs/value: old  scan_arrow    flat")
    for name, (array, field) in _columns(lake).items():
        engine.scan_arrow_flat(array[:100], field)  # compile and warm up

        def old(array: Any = array, field: str | None = field) -> object:
            return Engine._scan_column(engine, joined_buffer(array), array.to_pylist, field)

        def new(array: Any = array, field: str | None = field) -> object:
            return list(engine.scan_arrow(array, field))

        def flat(array: Any = array, field: str | None = field) -> object:
            return engine.scan_arrow_flat(array, field)

        n = len(array)
        spans = len(engine.scan_arrow_flat(array, field))
        per = [_best(fn, args.runs) / n * 1e6 for fn in (old, new, flat)]
        print(f"{name:<12} {n:>8} {spans:>8}   {per[0]:13.2f} {per[1]:11.2f} {per[2]:7.2f}")


if __name__ == "__main__":
    main()
