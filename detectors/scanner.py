"""One multi-pattern pass over a whole buffer: which trigger fired, and where it ended.

Hyperscan runs every trigger of every detector in a single pass over the bytes of a whole
batch (hundreds of MB/s on one core); Python then looks only at the lines it selected. Where
Hyperscan is not installed, the same triggers run through ``re`` — slower, same answers.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from detectors.cache import cache_file, write_atomically
from detectors.errors import ConfigError

try:  # getwidth(): the longest match a trigger can have
    import re._parser as re_parser
except ImportError:  # Python 3.10
    import sre_parse as re_parser  # type: ignore[no-redef]
from detectors.registry import Trigger

log = logging.getLogger(__name__)

try:  # pragma: no cover - exercised by whichever is installed
    import hyperscan
except ImportError:  # pragma: no cover
    hyperscan = None


class TriggerScanner:
    """Finds, for a buffer, the (trigger id, match end) pairs of all triggers."""

    def __init__(self, triggers: Sequence[tuple[int, Trigger]], use_hyperscan: bool = True):
        self._triggers = list(triggers)
        self.backend = "hyperscan" if (use_hyperscan and hyperscan is not None) else "re"
        if self.backend == "hyperscan":
            self._db = self._compile_hyperscan()
        else:
            self._compiled = self._compile_re()

    def _compile_hyperscan(self):  # type: ignore[no-untyped-def]
        """Compile, or load the same trigger set compiled earlier: compiling thousands of
        name triggers takes seconds, loading the serialised database microseconds."""
        cache = _cache_path(self._triggers)
        if cache is not None and cache.exists():
            try:
                db = hyperscan.loadb(cache.read_bytes(), hyperscan.HS_MODE_BLOCK)
                db.scratch = hyperscan.Scratch(db)  # loadb leaves the scratch space unset
                return db
            except (hyperscan.error, OSError, ValueError):
                log.warning("ignoring unreadable scanner cache %s", cache)
        db = self._compile_hyperscan_fresh()
        if cache is not None:
            write_atomically(cache, hyperscan.dumpb(db))
        return db

    def _compile_hyperscan_fresh(self):  # type: ignore[no-untyped-def]
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [t.regex.encode() for _, t in self._triggers]
        flags = [
            hyperscan.HS_FLAG_MULTILINE | (hyperscan.HS_FLAG_CASELESS if t.caseless else 0)
            for _, t in self._triggers
        ]
        try:
            db.compile(
                expressions=expressions,
                ids=[i for i, _ in self._triggers],
                elements=len(expressions),
                flags=flags,
            )
        except hyperscan.error as exc:
            raise ConfigError(
                f"a detector trigger is not supported by Hyperscan ({exc}); triggers must be "
                "regexes without lookaround or backreferences"
            ) from exc
        return db

    def _compile_re(self) -> list[tuple[int, re.Pattern[bytes]]]:
        by_id: dict[int, list[str]] = defaultdict(list)
        for i, t in self._triggers:
            by_id[i].append(f"(?:{t.regex})" if not t.caseless else f"(?i:{t.regex})")
        return [(i, re.compile("|".join(parts).encode(), re.M)) for i, parts in by_id.items()]

    def scan(self, data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trigger ids, earliest possible match starts and match ends (exclusive).

        Hyperscan reports ends; asking it for exact starts (SOM) halves its speed, so a
        start is the end minus the trigger's longest possible match, which bounds where
        Python looks for the precise value.
        """
        ids_l: list[int] = []
        ends_l: list[int] = []
        if self.backend == "hyperscan":

            def on_match(i: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
                ids_l.append(i)
                ends_l.append(end)

            self._db.scan(data, match_event_handler=on_match)
        else:
            for i, rx in self._compiled:
                for m in rx.finditer(data):
                    ids_l.append(i)
                    ends_l.append(m.end())
        ids = np.asarray(ids_l, dtype=np.int64)
        ends = np.asarray(ends_l, dtype=np.int64)
        starts = np.maximum(ends - self._widths[ids], 0) if len(ids) else ends
        return ids, starts, ends

    @cached_property
    def _widths(self) -> np.ndarray:
        """Longest match of each trigger id (capped for unbounded repeats)."""
        size = max((i for i, _ in self._triggers), default=0) + 1
        widths = np.zeros(size, dtype=np.int64)
        for i, t in self._triggers:
            widths[i] = max(widths[i], t.width if t.width is not None else _max_width(t.regex))
        return widths


@lru_cache(maxsize=1024)
def _max_width(regex: str, cap: int = 256) -> int:
    try:
        return min(cap, int(re_parser.parse(regex).getwidth()[1]))
    except (re.error, OverflowError, ValueError, RecursionError):
        return cap


def _cache_path(triggers: Sequence[tuple[int, Trigger]]) -> Path | None:
    return cache_file("triggers", (hyperscan.__version__, list(triggers)))
