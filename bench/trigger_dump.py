"""Writes the built-in engine's triggers for the Rust trigger-pass profile.

`native/src/triggers.rs`'s ignored `profile_corpus` test times each part of the trigger pass
(literal automata, byte-class pass, windowed automaton, Hyperscan per detector) on a corpus
and checks that the anchored scanner gives Hyperscan's hits there. It needs the very
triggers the native engine compiles, in the order and with the detector ids the core gives
them: one line each, ``id<TAB>caseless<TAB>regex``.

Usage: ``python -m bench.trigger_dump OUT.tsv``
"""

from __future__ import annotations

import sys
from pathlib import Path

from detectors import urlencoded
from detectors.config import load_engine
from detectors.native import _triggers


def rows() -> list[tuple[int, bool, str]]:
    """(detector index, caseless, regex) of every trigger, the URL-decoding pass's last."""
    engine = load_engine(None, engine="native")
    out = [(i, t.caseless, t.regex) for i, d in enumerate(engine.detectors) for t in _triggers(d)]
    out.append((len(engine.detectors), False, urlencoded.TRIGGER))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    lines = []
    for i, caseless, rx in rows():
        if "\t" in rx or "\n" in rx:
            raise SystemExit(f"detector {i}: a trigger holds a tab or newline")
        lines.append(f"{i}\t{int(caseless)}\t{rx}\n")
    Path(argv[0]).write_text("".join(lines), encoding="utf-8", errors="surrogateescape")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
