"""The engines every detector table runs against: the Python reference and the compiled
core. A case that holds for one and not the other is an equivalence bug."""

from __future__ import annotations

import pytest

from detectors.engine import Engine
from detectors.native import NativeEngine

ENGINES: dict[str, type[Engine]] = {"python": Engine, "native": NativeEngine}


@pytest.fixture(scope="session", params=sorted(ENGINES))
def engine_class(request: pytest.FixtureRequest) -> type[Engine]:
    return ENGINES[request.param]


@pytest.fixture(scope="session")
def native_engine() -> NativeEngine:
    return NativeEngine.default()


@pytest.fixture(scope="session")
def python_engine() -> Engine:
    return Engine.default()
