"""The redaction policy: which operator each entity type gets, and the score threshold.

A policy is data (``conf/policy.yaml``), validated strictly so that a typo such as
``acton: mask`` or ``action: masked`` fails at start-up with the file, the key path and the
valid choices, instead of silently redacting with the default. The packaged default is
``DEFAULT_POLICY`` below; ``conf/policy.yaml`` is the same policy written out for people to
copy and edit, and a unit test keeps the two equal.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)

from detectors import yamltext
from detectors.colspans import ColumnSpans
from detectors.entities import VOCABULARY
from detectors.errors import ConfigError, OperatorError
from detectors.keys import KeyRing
from detectors.operators import (
    ACTIONS,
    FALLIBLE_ACTIONS,
    MASK_OPTIONS,
    REPLACE_OPTIONS,
    Operator,
    operator_for,
    replace,
)
from detectors.recordrules import RecordRules
from detectors.spans import Span

logger = logging.getLogger(__name__)

Action = Literal["mask", "replace", "hash", "tokenize", "encrypt", "drop", "generalize", "keep"]
EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
_KEEP = Annotated[int, Field(ge=0, le=64, strict=True)]

_MASK = {"action": "mask"}
_REPLACE = {"action": "replace"}
DEFAULT_POLICY: dict[str, Any] = {
    "version": 1,
    "threshold": 0.5,
    "default": _REPLACE,
    "entities": {
        "PHONE_NUMBER": {"action": "mask", "keep_prefix": 2, "keep_suffix": 2},
        "EMAIL_ADDRESS": _MASK,
        "CREDIT_CARD": {"action": "mask", "keep_prefix": 0, "keep_suffix": 4},
        "CVV": _REPLACE,
        "IBAN_CODE": {"action": "mask", "keep_prefix": 2, "keep_suffix": 2},
        "US_SSN": {"action": "mask", "keep_prefix": 0, "keep_suffix": 4},
        "IN_AADHAAR": {"action": "mask", "keep_prefix": 0, "keep_suffix": 4},
        "IN_PAN": _MASK,
        "IN_PASSPORT": _MASK,
        "IN_UPI_ID": _MASK,
        "IN_GSTIN": _MASK,
        "IN_VOTER": _MASK,
        "IN_IFSC": {"action": "mask", "keep_prefix": 4, "keep_suffix": 0},
        "IP_ADDRESS": {"action": "generalize"},
        "MAC_ADDRESS": _MASK,
        "DEVICE_ID": {"action": "hash"},
        "DATE_OF_BIRTH": {"action": "generalize"},
        "PERSON": _MASK,
        "STREET_ADDRESS": _REPLACE,
        "OTP_CODE": _REPLACE,
        "AWS_ACCESS_KEY": _REPLACE,
        "JWT": _REPLACE,
        "PRIVATE_KEY": _REPLACE,
        "SECRET": _REPLACE,
    },
}


class EntityRule(BaseModel):
    """What one entity type becomes; the ``keep_*``/``mask_*`` options belong to mask,
    ``text`` (a fixed replacement such as ``[REDACTED_PII]``) to replace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action
    keep_prefix: _KEEP | None = None
    keep_suffix: _KEEP | None = None
    mask_char: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    mask_length: Annotated[int, Field(ge=1, le=64, strict=True)] | None = None
    per_word: StrictBool | None = None
    text: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _options_need_mask(self) -> EntityRule:
        given = [name for name in MASK_OPTIONS if getattr(self, name) is not None]
        if given and self.action != "mask":
            raise ValueError(f"{', '.join(given)} only apply to action mask")
        if self.text is not None and self.action != "replace":
            raise ValueError("text only applies to action replace")
        return self

    def options(self) -> dict[str, Any]:
        """The operator options that were set, as keyword arguments for ``apply_action``."""
        return {
            name: getattr(self, name)
            for name in (*MASK_OPTIONS, *REPLACE_OPTIONS)
            if getattr(self, name) is not None
        }


class PolicyModel(BaseModel):
    """The validated file. Unknown entity names are allowed (custom detectors add their own)
    as long as they look like entity names, so a lower-case typo is still caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    threshold: Annotated[float, Field(ge=0.0, le=1.0, strict=True)] = 0.5
    default: EntityRule = EntityRule(action="replace")
    entities: dict[EntityName, EntityRule] = Field(default_factory=dict)
    # Record-level combination rules (detectors/records.py); absent: every detected value
    # is redacted on its own, as before.
    records: RecordRules | None = None


def _model_at(loc: Sequence[str]) -> type[BaseModel]:
    """The model whose field list explains an error at ``loc`` (all parts but the last):
    ``entities.PHONE_NUMBER`` -> EntityRule, ``records.fields.0`` -> FieldRule."""
    model: type[BaseModel] = PolicyModel
    parts = list(loc[:-1])
    while parts:
        info = model.model_fields.get(parts.pop(0))
        if info is None:
            break
        nested = _nested_model(info.annotation)
        if nested is None:
            break
        if _is_container(info.annotation) and parts:
            parts.pop(0)  # the dict key or list index
        model = nested
    return model


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _is_container(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, dict, tuple):
        return True
    return any(_is_container(arg) for arg in get_args(annotation))


def _describe(error: Mapping[str, Any]) -> str:
    """One validation error as ``key.path: what was expected``, with the valid choices."""
    loc = [str(part) for part in error["loc"] if part != "[key]"]
    path = ".".join(loc) or "<top level>"
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        expected = f"unknown key; expected one of: {', '.join(model.model_fields)}"
    elif kind == "literal_error" and loc[-1] == "action":
        expected = f"expected one of: {', '.join(ACTIONS)}"
    elif kind == "literal_error" and loc == ["version"]:
        expected = "expected 1 (the only policy format version)"
    elif kind == "string_pattern_mismatch" and "A-Z" in str(error.get("ctx", {}).get("pattern")):
        expected = "entity names are UPPER_SNAKE_CASE, e.g. PHONE_NUMBER or MY_CUSTOM_ID"
    elif kind == "string_pattern_mismatch":
        expected = "names are lower_snake_case, e.g. full_name"
    elif kind == "missing":
        expected = "required key is missing"
    else:
        expected = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind != "missing" and isinstance(value, str | int | float) and len(str(value)) <= 40:
        expected += f" (got {value!r})"
    return f"{path}: {expected}"


@functools.cache
def _default_model() -> PolicyModel:
    return PolicyModel.model_validate(DEFAULT_POLICY)


@dataclass(frozen=True)
class Policy:
    """A validated policy plus the redaction it implies; cheap to pickle to Spark tasks."""

    model: PolicyModel
    source: str = field(default="<default>", compare=False)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Policy:
        """Validate ``data``; ConfigError lists every problem as ``source: key.path: ...``."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"{source}: expected a mapping with keys {', '.join(PolicyModel.model_fields)}"
            )
        try:
            return cls(PolicyModel.model_validate(dict(data)), source)
        except ValidationError as exc:
            problems = [f"{source}: {_describe(e)}" for e in exc.errors()]
            raise ConfigError("\n".join(problems)) from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Read and validate a policy YAML file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConfigError(f"{p}: cannot read policy file: {reason}") from None
        try:
            data = yamltext.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise ConfigError(f"{p}: not valid YAML{where}: {problem}") from None
        return cls.from_dict(data, str(p))

    def with_threshold(self, threshold: float) -> Policy:
        """The same policy with another score threshold (``--threshold``), validated like
        the file's own, so detection and redaction always agree on one number."""
        data = self.model.model_dump()
        data["threshold"] = threshold
        return Policy.from_dict(data, f"{self.source} (threshold override)")

    @classmethod
    def default(cls) -> Policy:
        """The packaged default policy (``DEFAULT_POLICY``, mirrored in conf/policy.yaml)."""
        return cls(_default_model(), "<default>")

    @property
    def threshold(self) -> float:
        """Findings scoring below this are neither reported nor redacted."""
        return self.model.threshold

    @property
    def records(self) -> RecordRules | None:
        """The record-level rules (``records:``), or None: every value on its own."""
        return self.model.records

    def replaced(self, value: str, entity_type: str) -> str:
        """What ``replace`` writes for ``entity_type``, honouring a ``text`` option on its
        rule or, failing that, on the default rule; used where another operator cannot
        apply, so a preset that says ``[REDACTED_PII]`` says it everywhere."""
        for rule in (self.rule_for(entity_type), self.model.default):
            if rule.action == "replace" and rule.text is not None:
                return replace(value, entity_type, rule.text)
        return replace(value, entity_type)

    def rule_for(self, entity_type: str) -> EntityRule:
        return self.model.entities.get(entity_type, self.model.default)

    def action_for(self, entity_type: str) -> str:
        # From the per-entity cache: every finding asks (the findings row's ``action``).
        return self._operator(entity_type)[0]

    def check_entities(self, known: Iterable[str]) -> None:
        """Refuse entity names no detector produces: a rule for ``PHONE_NUMBR`` would
        otherwise be accepted and never apply, leaving phone numbers under the default
        action. ``known`` is the engine's entity types (custom detectors included); the
        DESIGN.md vocabulary is always known. The error names the nearest valid entity."""
        valid = set(known) | set(VOCABULARY)
        problems = []
        for name in self.model.entities:
            if name in valid:
                continue
            near = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else ""
            problems.append(
                f"{self.source}: entities.{name}: unknown entity {name!r}: no detector "
                f"produces it{hint} (custom detectors' entities are valid)"
            )
        if problems:
            raise ConfigError("\n".join(problems))

    def check_keys(self, keys: KeyRing) -> None:
        """Fail at start-up, not on the first value, when the policy needs absent keys."""
        rules = [self.model.default, *self.model.entities.values()]
        actions = {rule.action for rule in rules}
        if "encrypt" in actions:
            keys.encryption_key()  # raises KeyMaterialError naming what to configure
        if keys.is_ephemeral and actions & {"tokenize", "hash"}:
            logger.warning(
                "policy %s uses tokenize or hash with ephemeral keys: the pseudonyms of this "
                "run cannot be reversed or joined with any other run",
                self.source,
            )

    def replacement(self, value: str, entity_type: str, keys: KeyRing) -> tuple[str, str]:
        """``(text, action)``: what ``value`` becomes and the action actually applied.

        An operator that cannot handle the value (OperatorError) falls back to ``replace``,
        the conservative choice; the returned action says so, for the findings table.
        Missing keys (KeyMaterialError) propagate: that is a deployment error, not a value.
        """
        action, operator = self._operator(entity_type)
        if action == "keep":
            return value, "keep"
        try:
            return operator(value, keys), action
        except OperatorError:
            logger.debug("%s not applicable to a %s value; replaced", action, entity_type)
            return self.replaced(value, entity_type), "replace"

    def _operator(self, entity_type: str) -> tuple[str, Operator]:
        """The action and bound operator of ``entity_type``'s rule, built on first use:
        resolving the rule and checking its options once, not once per value."""
        cache = self._operators
        found = cache.get(entity_type)
        if found is None:
            rule = self.rule_for(entity_type)
            found = (rule.action, operator_for(rule.action, entity_type, rule.options()))
            cache[entity_type] = found
        return found

    @functools.cached_property
    def _operators(self) -> dict[str, tuple[str, Operator]]:
        return {}

    @functools.cached_property
    def _native_rules(self) -> dict[str, NativeRule | None]:
        return {}

    def _native_rule(self, entity_type: str) -> NativeRule | None:
        """``entity_type``'s rule as the compiled ``redact_cells`` takes it, built on first
        use like :meth:`_operator`: (entity, action, keep_prefix, keep_suffix, mask_char,
        mask_length, per_word, replace's text, :meth:`replaced`'s text). An action without
        a port, or a rule whose operator cannot be built, goes as ``"python"``: its spans'
        rows are redacted here, which raises what the Python path raises. None when a text
        cannot cross to Rust (not encodable as UTF-8): the whole column stays in Python."""
        cache = self._native_rules
        if entity_type in cache:
            return cache[entity_type]
        rule = self.rule_for(entity_type)
        action = rule.action if rule.action in _NATIVE_ACTIONS else "python"
        try:
            self._operator(entity_type)
        except ConfigError:
            action = "python"
        text = replace("", entity_type, rule.text) if action == "replace" else ""
        found: NativeRule | None = (
            entity_type,
            action,
            rule.keep_prefix,
            rule.keep_suffix,
            rule.mask_char,
            rule.mask_length,
            bool(rule.per_word),
            text,
            self.replaced("", entity_type),
        )
        if not all(_utf8(s) for s in (entity_type, rule.mask_char or "", text, found[-1])):
            found = None
        cache[entity_type] = found
        return found

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_operators", None)  # closures: rebuilt on first use after unpickling
        state.pop("_native_rules", None)
        return state

    def redact_text_with_actions(
        self, text: str, spans: Sequence[Span], keys: KeyRing
    ) -> tuple[str, list[tuple[Span, str]]]:
        """The redacted text and, per span at or above the threshold, the action applied.

        Spans should not overlap; if they do, the union is replaced as the highest-scoring
        entity, because redacting one and skipping the other could leave part of a value.
        """
        if len(spans) == 1:
            return self._redact_one(text, spans[0], keys)
        pieces: list[str] = []
        applied: list[tuple[Span, str]] = []
        cursor = 0
        for group in self._groups(text, spans):
            start, end = group[0].start, max(s.end for s in group)
            if len(group) == 1:
                new, action = self.replacement(text[start:end], group[0].entity_type, keys)
            else:
                top = max(group, key=lambda s: s.score)
                new, action = self.replaced(text[start:end], top.entity_type), "replace"
            pieces += (text[cursor:start], new)
            applied += ((span, action) for span in group)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), applied

    def span_actions(
        self, text: str, spans: Sequence[Span], keys: KeyRing
    ) -> list[tuple[Span, str]]:
        """The actions of :meth:`redact_text_with_actions`, in its order, without building
        the redacted text: what ``piisweep detect`` needs, since it never writes that text.

        An action depends on the value only where its operator may refuse it (``generalize``
        an unparseable date, ``tokenize`` a short value: the policy falls back to
        ``replace``); only those operators still run here. Overlapping spans are
        ``replace``, as there.
        """
        threshold = self.threshold
        if len(spans) == 1:
            span = spans[0]
            if span.score < threshold:
                return []
            _check_fits(span, text)
            return [(span, self._action_of(text, span, keys))]
        applied: list[tuple[Span, str]] = []
        for group in self._groups(text, spans):
            if len(group) == 1:
                applied.append((group[0], self._action_of(text, group[0], keys)))
            else:
                applied += ((span, "replace") for span in group)
        return applied

    def _action_of(self, text: str, span: Span, keys: KeyRing) -> str:
        """The action :meth:`replacement` reports for ``span``'s value in ``text``."""
        action = self._operator(span.entity_type)[0]
        if action not in FALLIBLE_ACTIONS:
            return action
        return self.replacement(text[span.start : span.end], span.entity_type, keys)[1]

    def _groups(self, text: str, spans: Sequence[Span]) -> list[list[Span]]:
        """The spans at or above the threshold, by start, in runs of overlapping spans."""
        kept = sorted(
            (s for s in spans if s.score >= self.threshold), key=lambda s: (s.start, -s.end)
        )
        groups: list[list[Span]] = []
        group_end = -1
        for span in kept:
            _check_fits(span, text)
            if groups and span.start < group_end:
                groups[-1].append(span)
                group_end = max(group_end, span.end)
            else:
                groups.append([span])
                group_end = span.end
        return groups

    def _redact_one(
        self, text: str, span: Span, keys: KeyRing
    ) -> tuple[str, list[tuple[Span, str]]]:
        """:meth:`redact_text_with_actions` for one span, the usual case for a field's
        value: nothing to sort, group or join."""
        if span.score < self.threshold:
            return text, []
        _check_fits(span, text)
        start, end = span.start, span.end
        new, action = self.replacement(text[start:end], span.entity_type, keys)
        return text[:start] + new + text[end:], [(span, action)]

    def redact_text(self, text: str, spans: Sequence[Span], keys: KeyRing) -> str:
        """``text`` with every span at or above the threshold redacted per its entity's rule."""
        return self.redact_text_with_actions(text, spans, keys)[0]

    def redact_value(self, value: str, spans: Sequence[Span], keys: KeyRing) -> str | None:
        """Like :meth:`redact_text` for a structured field's value, except that a ``drop``
        span covering the whole value (up to surrounding whitespace) gives None, so the field
        becomes null instead of an empty string that looks like a real value."""
        for span in spans:
            if (
                span.score >= self.threshold
                and self.action_for(span.entity_type) == "drop"
                and not value[: span.start].strip()
                and not value[span.end :].strip()
            ):
                return None
        return self.redact_text(value, spans, keys)

    def redact_cells(
        self, values: Sequence[str | None], spans: ColumnSpans, keys: KeyRing
    ) -> list[str | None]:
        """The redacted value of each row with a span (``spans.row_bounds()``'s rows, in
        order; ``values`` holds those rows' values): :meth:`redact_value` row by row.
        A None value stays None.

        The compiled core answers the rows it can (ASCII values under mask, replace,
        hash, drop and keep: ~1 µs a value where this loop takes 4-9); the others
        (non-ASCII values, tokenize/encrypt/generalize, a span that does not fit its
        value) and a build without the core go through :meth:`redact_value`, which
        defines the result. :meth:`_redact_cells_reference` is the loop the tests hold
        the core to."""
        try:
            # import_module, not `from detectors import _native`: it consults sys.modules.
            native = importlib.import_module("detectors._native")
        except ImportError:
            return self._redact_cells_reference(values, spans, keys)
        plan = [self._native_rule(entity) for entity, _ in spans.names]
        if not all(plan):
            return self._redact_cells_reference(values, spans, keys)
        _, bounds = spans.row_bounds()
        out, fallback = native.redact_cells(
            values if isinstance(values, list) else list(values),
            _raw(bounds, np.int64),
            _raw(spans.starts, np.int64),
            _raw(spans.ends, np.int64),
            _raw(spans.sources, np.int32),
            _raw(spans.scores, np.float64),
            plan,
            self.threshold,
            keys.fingerprint_key,
        )
        for j in fallback:
            value = values[j]
            assert value is not None  # the core answers None values itself
            out[j] = self.redact_value(value, _row_spans(spans, bounds[j], bounds[j + 1]), keys)
        return out

    def _redact_cells_reference(
        self, values: Sequence[str | None], spans: ColumnSpans, keys: KeyRing
    ) -> list[str | None]:
        """:meth:`redact_cells` in Python, row by row: the reference the core is held to."""
        out: list[str | None] = []
        for value, (_, row_spans) in zip(values, spans.by_row(), strict=True):
            out.append(None if value is None else self.redact_value(value, row_spans, keys))
        return out


# The actions the compiled ``redact_cells`` applies itself; a rule with another action
# (tokenize, encrypt) sends its spans' rows to Python, and so does ``generalize`` for the
# forms only ``ipaddress`` parses (an embedded IPv4, a zone id).
_NATIVE_ACTIONS = frozenset({"mask", "replace", "hash", "drop", "keep", "generalize"})

#: A rule as the compiled ``redact_cells`` takes it (see ``Policy._native_rule``).
NativeRule = tuple[str, str, int | None, int | None, str | None, int | None, bool, str, str]


def _utf8(text: str) -> bool:
    """Whether ``text`` can cross to Rust (a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _raw(array: np.ndarray, dtype: type[np.generic]) -> bytes:
    """An array's items as native-endian bytes of ``dtype``: one copy, no Python objects."""
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


def _row_spans(spans: ColumnSpans, lo: int, hi: int) -> list[Span]:
    """The ``Span`` objects of the arrays' entries ``lo..hi`` (one row's)."""
    names = spans.names
    return [
        Span(
            names[int(spans.sources[k])][0],
            int(spans.starts[k]),
            int(spans.ends[k]),
            float(spans.scores[k]),
            names[int(spans.sources[k])][1],
        )
        for k in range(int(lo), int(hi))
    ]


def _check_fits(span: Span, text: str) -> None:
    """A span outside its text is a detector bug; redacting around it could leak."""
    if not 0 <= span.start < span.end <= len(text):
        raise ValueError(
            f"span {span.entity_type} [{span.start}, {span.end}) from {span.detector} "
            f"does not fit a string of {len(text)} characters"
        )
