"""State a Spark Python worker keeps between tasks.

Spark reuses Python workers across tasks (``spark.python.worker.reuse``), while every task
unpickles its closure afresh. Compiling the engine's trigger scanner costs about a second,
which every task of a many-partition job would pay again; so the first task of a call in a
worker keeps its engine here, and later tasks of the same call (same token) take it.
"""

from __future__ import annotations

from collections import OrderedDict

from detectors.engine import Engine

# Keyed by the call's token and the engine's class: a token names one call's engine, and
# the class keeps a native and a Python engine apart should two calls ever share a token.
_ENGINES: OrderedDict[tuple[str, type[Engine]], Engine] = OrderedDict()
_MAX_ENGINES = 4  # one per recent call: a notebook may alternate between a few


def worker_engine(token: str, engine: Engine) -> Engine:
    """The engine of ``engine``'s kind this worker already built for ``token``, else
    ``engine`` (kept)."""
    key = (token, type(engine))
    cached = _ENGINES.get(key)
    if cached is None:
        cached = _ENGINES[key] = engine
        while len(_ENGINES) > _MAX_ENGINES:
            _ENGINES.popitem(last=False)
    return cached
