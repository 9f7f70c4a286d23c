"""A simulated clock: timestamps advance by drawn gaps, so a seed gives the same lines in any
process."""

from __future__ import annotations

import time

from jobs.sample_lake.base import EPOCH0, IST
from jobs.sample_lake.pools import MONTHS


class Clock:
    """Simulated time; each format's per-second prefix is cached."""

    def __init__(self) -> None:
        self.t = float(EPOCH0)
        self._cache: dict[str, tuple[int, str]] = {}

    def _prefix(self, fmt: str) -> tuple[str, int]:
        sec = int(self.t)
        hit = self._cache.get(fmt)
        if hit is None or hit[0] != sec:
            if fmt == "utc":
                ut = time.gmtime(sec)
                text = (
                    f"{ut.tm_year}-{ut.tm_mon:02d}-{ut.tm_mday:02d}T"
                    f"{ut.tm_hour:02d}:{ut.tm_min:02d}:{ut.tm_sec:02d}"
                )
            else:
                lt = time.gmtime(sec + IST)
                hms = f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}"
                if fmt == "nginx":
                    text = f"{lt.tm_mday:02d}/{MONTHS[lt.tm_mon - 1]}/{lt.tm_year}:{hms} +0530"
                else:
                    sep = "T" if fmt == "iso" else " "
                    text = f"{lt.tm_year}-{lt.tm_mon:02d}-{lt.tm_mday:02d}{sep}{hms}"
            hit = (sec, text)
            self._cache[fmt] = hit
        return hit[1], int((self.t - sec) * 1000)

    def iso(self) -> str:
        text, ms = self._prefix("iso")
        return f"{text}.{ms:03d}+05:30"

    def java(self) -> str:
        text, ms = self._prefix("local")
        return f"{text},{ms:03d}"

    def local(self) -> str:
        return self._prefix("local")[0]

    def nginx(self) -> str:
        return self._prefix("nginx")[0]

    def utc(self) -> str:
        text, ms = self._prefix("utc")
        return f"{text}.{ms:03d}Z"

    def epoch_ms(self) -> str:
        """A real epoch-ms timestamp: 13 digits from 17…, some of which happen to pass Luhn,
        as in any log (no card IIN starts with 1)."""
        return str(int(self.t * 1000))
