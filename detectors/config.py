"""Custom detectors, allow-lists, deny-lists and switched-off built-ins from
``conf/detectors/*.yaml``, validated strictly: a mistake names the file, the key and what was
expected, before any data is read; and which engine runs them (``--engine``)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from detectors import yamltext
from detectors.builtin import builtin_detectors
from detectors.checksums import luhn_valid, verhoeff_valid
from detectors.engine import Engine
from detectors.errors import ConfigError
from detectors.registry import Detector, Registry, Trigger, detector

# The engines every entry point can run (``--engine``): the compiled core, the default, and
# the pure-Python reference it is held to (for debugging a difference between the two).
ENGINE_KINDS = ("native", "python")
DEFAULT_ENGINE = "native"

_ENTITY = r"^[A-Z][A-Z0-9_]*$"
_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": lambda v: luhn_valid(re.sub(r"\D", "", v)),
    "verhoeff": lambda v: verhoeff_valid(re.sub(r"\D", "", v)),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomDetector(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    entity_type: str = Field(pattern=_ENTITY)
    regex: str
    trigger: str | None = None
    score: float = Field(default=0.8, ge=0.0, le=1.0)
    context: list[str] = []
    field_hints: list[str] = []
    context_required: bool = False
    validator: Literal["luhn", "verhoeff"] | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
        return value


class DenyEntry(_Strict):
    entity_type: str = Field(pattern=_ENTITY)
    values: list[str] = Field(min_length=1)


class AllowList(_Strict):
    values: list[str] = []
    patterns: list[str] = []


class DetectorsFile(_Strict):
    detectors: list[CustomDetector] = []
    allow_list: AllowList = AllowList()
    deny_list: list[DenyEntry] = []
    disable: list[str] = []


def _load_file(path: Path) -> DetectorsFile:
    try:
        data = yamltext.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML ({type(exc).__name__})") from None
    try:
        return DetectorsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "<top>"
        raise ConfigError(f"{path}: {where}: {err['msg']}") from None


def _custom(spec: CustomDetector, source: Path) -> Detector:
    check = _VALIDATORS.get(spec.validator or "")
    trigger = spec.trigger or spec.regex
    if re.search(r"\(\?<?[=!]|\\\d", trigger):
        raise ConfigError(
            f"{source}: detectors.{spec.name}.regex: uses lookaround or a backreference, "
            "which the multi-pattern scanner cannot run; add `trigger:`, a simpler regex "
            "matching a superset of the values"
        )
    return detector(
        spec.name,
        spec.entity_type,
        [trigger],
        spec.regex,
        spec.score,
        validate=(lambda v, *_: 0.0 if check(v) else None) if check else None,
        context=tuple(spec.context),
        field_hints=tuple(spec.field_hints),
        context_required=spec.context_required,
    )


def _deny(entry: DenyEntry, n: str) -> Detector:
    alternation = "|".join(re.escape(v) for v in entry.values)
    return detector(
        f"deny_list_{n}",
        entry.entity_type,
        [Trigger(re.escape(v)) for v in entry.values],
        rf"(?<![\w])(?P<v>{alternation})(?![\w])",
        1.0,
    )


def engine_class(kind: str) -> type[Engine]:
    """The engine class of ``kind`` (one of :data:`ENGINE_KINDS`). "native" needs the compiled
    module: a broken install is an operator mistake here, never a silent fall-back."""
    if kind not in ENGINE_KINDS:
        raise ConfigError(
            f"engine: unknown engine {kind!r}; expected one of {', '.join(ENGINE_KINDS)}"
        )
    if kind == "python":
        return Engine
    try:
        # import_module rather than `from detectors import _native`: it consults sys.modules,
        # so a module that was imported and then removed is not found again by attribute.
        importlib.import_module("detectors._native")
    except ImportError as exc:
        raise ConfigError(
            f"engine: the native engine cannot be loaded ({type(exc).__name__}: {exc}); "
            "rebuild it with `pip install -e .` (or `make venv`), or run with --engine python"
        ) from None
    from detectors.native import NativeEngine

    return NativeEngine


def engine_kind(engine: Engine) -> str:
    """The :data:`ENGINE_KINDS` name of ``engine`` (a subclass of either counts as it)."""
    from detectors.native import NativeEngine

    return "native" if isinstance(engine, NativeEngine) else "python"


def load_engine(
    conf_dir: Path | None, threshold: float = 0.5, engine: str = DEFAULT_ENGINE
) -> Engine:
    """The built-in detectors plus everything ``conf_dir/detectors/*.yaml`` adds, run by the
    engine of kind ``engine`` ("native": the compiled core; "python": the reference)."""
    cls = engine_class(engine)
    registry = Registry(builtin_detectors())
    allow_values: set[str] = set()
    allow_patterns: list[re.Pattern[str]] = []
    files = sorted((conf_dir / "detectors").glob("*.yaml")) if conf_dir else []
    for path in files:
        spec = _load_file(path)
        disabled = set(spec.disable)
        unknown = disabled - registry.entity_types
        if unknown:
            raise ConfigError(
                f"{path}: disable: unknown entity {sorted(unknown)[0]}; "
                f"expected one of {', '.join(sorted(registry.entity_types))}"
            )
        registry.remove_entities(disabled)
        for custom in spec.detectors:
            try:
                registry.add(_custom(custom, path))
            except ValueError as exc:
                raise ConfigError(f"{path}: detectors.{custom.name}: {exc}") from None
        for n, entry in enumerate(spec.deny_list):
            try:
                registry.add(_deny(entry, f"{path.stem}_{n}"))
            except ValueError as exc:
                raise ConfigError(f"{path}: deny_list[{n}]: {exc}") from None
        allow_values.update(spec.allow_list.values)
        for pattern in spec.allow_list.patterns:
            try:
                allow_patterns.append(re.compile(pattern))
            except re.error as exc:
                raise ConfigError(f"{path}: allow_list.patterns: {pattern!r}: {exc}") from None
    return cls(
        list(registry),
        threshold=threshold,
        allow_values=frozenset(allow_values),
        allow_patterns=tuple(allow_patterns),
    )
