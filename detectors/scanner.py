"""One multi-pattern pass over a whole buffer: which trigger fired, and where it ended.

Hyperscan runs every trigger of every detector in a single pass over the bytes of a whole
batch (hundreds of MB/s on one core); Python then looks only at the lines it selected. Where
Hyperscan is not installed, the same triggers run through ``re`` — slower, same answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from detectors.errors import ConfigError
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
            _write_atomically(cache, hyperscan.dumpb(db))
        return db

    def _compile_hyperscan_fresh(self):  # type: ignore[no-untyped-def]
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [t.regex.encode() for _, t in self._triggers]
        flags = [
            hyperscan.HS_FLAG_MULTILINE
            | hyperscan.HS_FLAG_SOM_LEFTMOST
            | (hyperscan.HS_FLAG_CASELESS if t.caseless else 0)
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
        caseless: dict[int, bool] = {}
        for i, t in self._triggers:
            by_id[i].append(f"(?:{t.regex})" if not t.caseless else f"(?i:{t.regex})")
            caseless[i] = caseless.get(i, False) or t.caseless
        return [(i, re.compile("|".join(parts).encode(), re.M)) for i, parts in by_id.items()]

    def scan(self, data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trigger ids, match starts and match ends (exclusive) of every match in ``data``.

        Starts are leftmost (Hyperscan's SOM_LEFTMOST), so Python can try a detector's
        precise pattern right where the candidate is instead of searching the whole line.
        """
        ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        if self.backend == "hyperscan":

            def on_match(i: int, start: int, end: int, _flags: int, _ctx: object) -> None:
                ids.append(i)
                starts.append(start)
                ends.append(end)

            self._db.scan(data, match_event_handler=on_match)
        else:
            for i, rx in self._compiled:
                for m in rx.finditer(data):
                    ids.append(i)
                    starts.append(m.start())
                    ends.append(m.end())
        return (
            np.asarray(ids, dtype=np.int64),
            np.asarray(starts, dtype=np.int64),
            np.asarray(ends, dtype=np.int64),
        )


def _cache_path(triggers: Sequence[tuple[int, Trigger]]) -> Path | None:
    root = os.environ.get("PIISWEEP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "piisweep"
    )
    if root.lower() in ("", "off", "none"):
        return None
    digest = hashlib.sha256(repr((hyperscan.__version__, list(triggers))).encode()).hexdigest()
    return Path(root) / f"triggers-{digest[:32]}.hsdb"


def _write_atomically(path: Path, payload: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home is no reason to fail a scan
        log.debug("scanner cache not written to %s: %s", path, exc)
