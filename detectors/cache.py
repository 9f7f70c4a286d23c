"""Files worth keeping between processes: compiled trigger databases and the name lists.

A Spark worker, a `piisweep detect` and every test process build the same engine; what costs
seconds to build (a Hyperscan database of 3,800 name triggers, the native core's dense DFA
of its digit shapes) or half a second (the name
lists parsed out of Faker, gender-guesser and indian-names) is kept under
``PIISWEEP_CACHE_DIR`` (else ``$XDG_CACHE_HOME/piisweep`` or ``~/.cache/piisweep``; ``off``
keeps nothing), named by a digest of everything it was built from.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def cache_file(prefix: str, key: object, suffix: str = ".hsdb") -> Path | None:
    """Where the cached artefact built from ``key`` lives, or None when caching is off."""
    root = os.environ.get("PIISWEEP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "piisweep"
    )
    if root.lower() in ("", "off", "none"):
        return None
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    return Path(root) / f"{prefix}-{digest[:32]}{suffix}"


def write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` so that readers see the old file or the whole new one, never half.
    A read-only home is no reason to fail a scan: the failure is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("cache not written to %s: %s", path, exc)
