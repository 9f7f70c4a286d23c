"""Seeded generator of a labelled e-commerce log corpus.

    python -m bench.generate (--lines N | --size-mb M) --seed S --out PATH --labels PATH

Writes the log (UTF-8, "\\n" line ends) and one JSON object per planted value:
``{"line_number", "char_start", "char_end", "entity_type", "ctx"[, "encoded"]}`` with
1-based line numbers and code-point offsets into the line. The same seed (and the same
installed Faker and phonenumbers data) gives byte-identical output: one ``random.Random``
drives everything and nothing reads the clock.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.infra import InfraLines
from bench.lines import AppLines
from bench.parts import Clock, Line, assemble
from bench.pii_customer import CustomerPii
from bench.pii_finance import FinancePii
from bench.pii_secrets import SecretPii
from bench.values import Values

# Share of events that plant PII; background events average slightly more lines (stack
# traces), so this gives ~5% of lines with planted values.
PII_EVENT_RATE = 0.058
MB = 1_000_000
_FLUSH_LINES = 4096


@dataclass
class CorpusStats:
    """What was written; the benchmark reports it next to its results."""

    lines: int = 0
    bytes: int = 0
    pii_lines: int = 0
    labelled_lines: int = 0
    seconds: float = 0.0
    labels: Counter[str] = field(default_factory=Counter)
    labels_by_ctx: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "bytes": self.bytes,
            "mb": round(self.bytes / MB, 3),
            "pii_event_lines": self.pii_lines,
            "labelled_lines": self.labelled_lines,
            "labels_total": sum(self.labels.values()),
            "labels_by_entity": dict(sorted(self.labels.items())),
            "labels_by_ctx": dict(sorted(self.labels_by_ctx.items())),
            "seconds": round(self.seconds, 3),
        }


Template = Callable[[], list[Line]]


class CorpusGenerator:
    """Interleaves weighted background and PII events from one seeded RNG."""

    def __init__(self, seed: int, pii_rate: float = PII_EVENT_RATE) -> None:
        self.rng = random.Random(seed)
        values = Values(self.rng)
        self.clock = Clock(self.rng)
        args = (self.rng, values, self.clock)
        background = AppLines(*args).table() + InfraLines(*args).table()
        pii = CustomerPii(*args).table() + FinancePii(*args).table() + SecretPii(*args).table()
        self._bg = [f for f, _ in background]
        self._bg_cum = _cumulative([w for _, w in background])
        self._pii = [f for f, _ in pii]
        self._pii_cum = _cumulative([w for _, w in pii])
        self.pii_rate = pii_rate

    def events(self) -> Iterator[tuple[bool, list[Line]]]:
        """Endless (is_pii_event, lines) pairs."""
        rng, choices = self.rng, self.rng.choices
        while True:
            self.clock.tick()
            if rng.random() < self.pii_rate:
                yield True, choices(self._pii, cum_weights=self._pii_cum)[0]()
            else:
                yield False, choices(self._bg, cum_weights=self._bg_cum)[0]()


def _cumulative(weights: list[int]) -> list[int]:
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out


def generate(
    seed: int,
    out: Path,
    labels: Path,
    lines: int | None = None,
    size_mb: float | None = None,
) -> CorpusStats:
    """Write a corpus of ``lines`` lines or at least ``size_mb`` MB (10^6 bytes)."""
    if (lines is None) == (size_mb is None):
        raise ValueError("give exactly one of lines or size_mb")
    max_lines = lines if lines is not None else sys.maxsize
    max_bytes = int(size_mb * MB) if size_mb is not None else sys.maxsize
    stats = CorpusStats()
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    labels.parent.mkdir(parents=True, exist_ok=True)
    gen = CorpusGenerator(seed)
    text_buf: list[bytes] = []
    label_buf: list[str] = []
    with out.open("wb") as log_f, labels.open("w", encoding="utf-8", newline="\n") as lab_f:
        for is_pii, event in gen.events():
            for parts in event:
                text, spans = assemble(parts)
                data = text.encode("utf-8") + b"\n"
                stats.lines += 1
                stats.bytes += len(data)
                text_buf.append(data)
                if is_pii:
                    stats.pii_lines += 1
                if spans:
                    stats.labelled_lines += 1
                for start, end, pii in spans:
                    stats.labels[pii.entity] += 1
                    stats.labels_by_ctx[f"{pii.entity}/{pii.ctx}"] += 1
                    enc = ',"encoded":true' if pii.encoded else ""
                    label_buf.append(
                        f'{{"line_number":{stats.lines},"char_start":{start},"char_end":{end},'
                        f'"entity_type":"{pii.entity}","ctx":"{pii.ctx}"{enc}}}\n'
                    )
                if len(text_buf) >= _FLUSH_LINES:
                    log_f.write(b"".join(text_buf))
                    lab_f.write("".join(label_buf))
                    text_buf.clear()
                    label_buf.clear()
                if stats.lines >= max_lines or stats.bytes >= max_bytes:
                    break
            if stats.lines >= max_lines or stats.bytes >= max_bytes:
                break
        log_f.write(b"".join(text_buf))
        lab_f.write("".join(label_buf))
    stats.seconds = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--lines", type=int, help="number of lines to write")
    size.add_argument("--size-mb", type=float, help="stop once this many MB (10^6 B) are written")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="log file to write")
    parser.add_argument("--labels", type=Path, required=True, help="labels JSONL to write")
    args = parser.parse_args(argv)
    stats = generate(args.seed, args.out, args.labels, lines=args.lines, size_mb=args.size_mb)
    per_entity = ", ".join(f"{k}={v}" for k, v in sorted(stats.labels.items()))
    print(
        f"wrote {stats.lines} lines, {stats.bytes / MB:.2f} MB, "
        f"{sum(stats.labels.values())} labels in {stats.seconds:.2f}s -> {args.out}\n"
        f"labels: {per_entity}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
