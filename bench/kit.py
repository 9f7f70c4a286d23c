"""Shared helpers for every template family (background and PII).

One ``Kit`` holds the generator's RNG, value factories and clock, so all templates draw from
the same stream in a fixed order: that order is what makes a seed reproduce a corpus.
"""

from __future__ import annotations

import random

from bench.lookalikes import Lookalikes
from bench.parts import FIELD, FREE, KV, Clock, Line, Part, Pii
from bench.values import Values

THREADS = (
    "nio-8080-exec-{n}",
    "http-nio-8080-exec-{n}",
    "scheduling-1",
    "pool-3-thread-{n}",
    "kafka-consumer-{n}",
    "main",
    "ForkJoinPool.commonPool-worker-{n}",
)
JsonValue = Part | Line | int | float


class Kit:
    """RNG, values, look-alikes and clock, plus the small formatting helpers templates share."""

    def __init__(self, rng: random.Random, values: Values, clock: Clock) -> None:
        self.rng = rng
        self.v = values
        self.x = Lookalikes(rng)
        self.c = clock

    def n(self, lo: int = 1, hi: int = 64) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def ip(
        self, public: float = 0.0, ctx: str = FREE, client: bool = False, v6: bool = True
    ) -> Pii | str:
        """An IP address. Public addresses and IPv6 are labelled wherever they appear; a
        private-range address (10/8, 172.16/12, 192.168/16) is labelled only where the text
        ties it to a client (``client``), following piisweep's IP_ADDRESS contract
        (docs/decisions.md): a data-centre node address is not a person's. ``v6=False`` where
        a ``:port`` follows, since an unbracketed IPv6 address cannot carry one."""
        v = self.v
        r = self.rng.random()
        if r < public:
            return Pii(v.ipv4_public(), "IP_ADDRESS", ctx)
        if v6 and r > 0.97:
            return Pii(v.ipv6(), "IP_ADDRESS", ctx)
        private = v.ipv4_private()
        return Pii(private, "IP_ADDRESS", ctx) if client else private

    def spring_prefix(self, level: str = "INFO") -> str:
        """Spring Boot's default console pattern up to the message."""
        thread = self.rng.choice(THREADS).format(n=self.n(1, 12))
        cls = self.x.class_name().split(".")
        short = ".".join(p[0] for p in cls[:-1]) + "." + cls[-1]
        pid = self.n(1000, 65000)
        return f"{self.c.spring()} {level:>5} {pid} --- [{thread:>15}] {short:<40} : "

    def logback_prefix(self, logger: str, level: str = "INFO") -> str:
        """Logback's ``%d [%thread] %-5level %logger - `` pattern, used by partner clients."""
        return f"{self.c.spring()} [{logger}-{self.n(1, 16)}] {level:<5} c.s.{logger} - "

    @staticmethod
    def json_obj(items: list[tuple[str, JsonValue]]) -> Line:
        """A compact JSON object as parts.

        ``Pii`` and str values become JSON strings; a list is spliced in as raw JSON (a nested
        object, or a quoted string that carries a value inside prose).
        """
        parts: Line = ["{"]
        for i, (key, value) in enumerate(items):
            parts.append(("," if i else "") + f'"{key}":')
            if isinstance(value, list):
                parts.extend(value)
            elif isinstance(value, Pii):
                parts.extend(['"', value, '"'])
            elif isinstance(value, str):
                parts.append(f'"{value}"')
            else:
                parts.append(str(value))
        parts.append("}")
        return _merge(parts)

    def kv(self, key: str, value: Pii, quote: float = 0.0) -> Line:
        """`` key=value`` (quoted with probability ``quote``), value labelled without quotes."""
        if self.chance(quote):
            return [f' {key}="', value, '"']
        return [f" {key}=", value]

    @staticmethod
    def field(text: str, entity: str) -> Pii:
        return Pii(text, entity, FIELD)

    @staticmethod
    def kvp(text: str, entity: str) -> Pii:
        return Pii(text, entity, KV)

    @staticmethod
    def free(text: str, entity: str) -> Pii:
        return Pii(text, entity, FREE)


def _merge(parts: Line) -> Line:
    """Join adjacent literal strings; fewer parts make assembly cheaper."""
    out: Line = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + p
        else:
            out.append(p)
    return out
