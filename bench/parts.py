"""The line model shared by background and PII templates.

A template returns lines as lists of parts: plain strings, or ``Pii`` values that carry their
label. Offsets are computed only when a line is assembled, from ``len`` of Python strings, so
labels are code-point offsets by construction and can never drift from the text as written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from urllib.parse import quote_plus

from bench.lookalikes import scrub

# How a value sits in its line; the scorer splits PERSON and STREET_ADDRESS on it.
FIELD = "field"  # the whole value of a JSON string field
KV = "kv"  # the value of key=value (possibly quoted) or "Key: value"
URL = "url"  # a query-string parameter or URL component (maybe percent-encoded)
FREE = "free"  # inside prose


@dataclass(frozen=True, slots=True)
class Pii:
    """A planted value: the text exactly as written and its label."""

    text: str
    entity: str
    ctx: str
    encoded: bool = False


Part = str | Pii
Line = list[Part]


def url_pii(value: str, entity: str) -> Pii:
    """A query-string value as a browser would send it (``@`` -> ``%40``, space -> ``+``)."""
    enc = quote_plus(value, safe="")
    return Pii(enc, entity, URL, encoded=enc != value)


def assemble(parts: Line) -> tuple[str, list[tuple[int, int, Pii]]]:
    """Join parts into the line text and the (start, end, pii) spans of its labels."""
    out: list[str] = []
    spans: list[tuple[int, int, Pii]] = []
    pos = 0
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            pos += len(part)
        else:
            out.append(part.text)
            end = pos + len(part.text)
            spans.append((pos, end, part))
            pos = end
    return "".join(out), spans


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Clock:
    """Simulated log time: monotonic, seed-driven, no wall clock involved.

    Formatting is cached per second because many lines share one; that keeps the per-line
    cost of seven timestamp styles to a dictionary look-up and an f-string.
    """

    START_MS = 1_732_300_000_000  # 2024-11-22 18:26:40 UTC

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ms = self.START_MS + rng.randint(0, 86_400_000)
        self._sec = -1
        self._t: time.struct_time = time.gmtime(0)

    def tick(self) -> None:
        self.ms += int(self.rng.expovariate(1 / 40.0)) + 1
        sec = self.ms // 1000
        if sec != self._sec:
            self._sec = sec
            self._t = time.gmtime(sec + 19_800)  # render in IST, as the platform's hosts do

    @property
    def frac(self) -> int:
        return self.ms % 1000

    def _date(self) -> str:
        t = self._t
        return f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d}"

    def _hms(self) -> str:
        t = self._t
        return f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"

    def iso(self) -> str:
        return f"{self._date()}T{self._hms()}.{self.frac:03d}+05:30"

    def spring(self) -> str:
        return f"{self._date()} {self._hms()}.{self.frac:03d}"

    def py(self) -> str:
        return f"{self._date()} {self._hms()},{self.frac:03d}"

    def nginx(self) -> str:
        t = self._t
        return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{self._hms()} +0530"

    def syslog(self) -> str:
        t = self._t
        return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} {self._hms()}"

    def hdfs(self) -> str:
        t = self._t
        return f"{t.tm_year % 100:02d}{t.tm_mon:02d}{t.tm_mday:02d} {self._hms().replace(':', '')}"

    def epoch_s(self) -> int:
        return self.ms // 1000

    def epoch_ms(self) -> int:
        """Epoch milliseconds, nudged (< 10 ms) so the 13 digits never pass Luhn."""
        return int(scrub(str(self.ms)))
