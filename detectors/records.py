"""Record-level rules: whether a whole record is personal data, and which of its values to
redact, when some values are PII only in combination.

A policy's optional ``records:`` section (``RecordRules``) sorts entity types into

- ``standalone``: PII on their own (a phone number, an Aadhaar number): the record is PII
  and the value is redacted wherever it appears;
- ``combinatorial`` kinds: quasi-identifiers (a full name, an e-mail, a postal address, a
  device id) that make a record PII only when ``min_kinds`` different kinds qualify in the
  same record. A kind can require more than one detected value: ``full_name`` (a first and
  a last name), ``full_address`` (street, city and PIN code), ``user_context`` (a device
  or IP address counts only next to something that identifies a user);
- everything else the engine detects (``other_entities``): counted as standalone (the
  default, so a policy with an empty ``records:`` section redacts exactly what a policy
  without one does), only redacted, or kept.

Values are judged by their key as well as their content: ``fields`` rules say that a value
under a key such as ``aadhar`` or ``passport_no`` is that entity when it has the entity's
shape (no checksum needed: the key says what it is), and ``not_pii_keys`` say that a value
which is entirely an id (``order_id``, ``transaction_id``) is not PII even when it looks
like a phone number. The detectors stay as they are; this layer only adds what the key says.

The rules are pure functions of ``(path, text, spans)`` triples, the output of
``detectors.structured.scan_record``, so any caller that already scanned a record can ask
:meth:`RecordRules.judge` for a :class:`RecordVerdict`. :func:`process_record`,
:func:`process_json_text` and :func:`process_row` do the whole job for one JSON value, one
line of JSON text (repairing or conservatively redacting malformed JSON) and one CSV row.
Nothing here imports Spark; no raw value ever enters a verdict's reasons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from detectors.context import key_before, normalize_field
from detectors.normalize import scalar_text
from detectors.overlaps import resolve
from detectors.spans import Span

if TYPE_CHECKING:
    from detectors.engine import Engine
    from detectors.keys import KeyRing
    from detectors.policy import Policy

EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
KindName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
FIELD_RULE_DETECTOR = "record_field_rule"
UNPARSED_KEY = "_unparsed"
# Conservative redaction of malformed records: runs of ten or more digits.
DIGIT_RUN = "DIGIT_RUN"
_DIGIT_RUN = re.compile(r"(?<![\w])\d(?:[ \-]?\d){9,}(?![\w])")
_PIN = re.compile(r"(?<!\d)[1-9]\d{2}\s?\d{3}(?!\d)")
_NAME_WORD = re.compile(r"[^\W\d_]{2,}")


def _normalize_key(key: str) -> str:
    """A rule's key as the engine normalises field names; ``*`` stays a wildcard."""
    if "*" in key:
        return "*".join(normalize_field(part) if part.strip() else "" for part in key.split("*"))
    return normalize_field(key)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _keys_validator(value: list[str]) -> list[str]:
    out = []
    for key in value:
        norm = _normalize_key(str(key))
        if not norm.strip("*_"):
            raise ValueError(f"{key!r} is not a field name (letters, digits, _ and * only)")
        out.append(norm)
    return out


class FieldRule(_Strict):
    """A value under one of ``keys`` whose whole (stripped) text matches ``pattern`` is an
    ``entity``: ``{keys: [aadhar, aadhaar], entity: IN_AADHAAR, pattern: '\\d{4} ?...'}``.
    Keys are compared after the engine's normalisation (``aadharNo`` is ``aadhar_no``);
    ``*`` matches any run (``*_phone``). Without ``pattern`` any non-blank value matches."""

    keys: list[str] = Field(min_length=1)
    entity: EntityName
    pattern: str | None = None
    score: Annotated[float, Field(ge=0.0, le=1.0)] = 0.9

    @field_validator("keys")
    @classmethod
    def _norm_keys(cls, value: list[str]) -> list[str]:
        return _keys_validator(value)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern is not None else None


Requirement = Literal["any", "full_name", "full_address", "user_context"]


class KindRule(_Strict):
    """One kind of quasi-identifier. Spans of ``entities`` are its values; spans of
    ``parts`` (a city, a PIN code) only complete it and are redacted with it.

    ``require``: ``any`` (one value is enough), ``full_name`` (a value of two or more name
    words, or values under a first-name and a last-name key), ``full_address`` (a street
    value plus a PIN code and a city, in the value or in ``parts``), ``user_context`` (only
    next to another qualifying kind, a standalone value or a non-empty ``user_keys`` field).
    """

    name: KindName
    entities: list[EntityName] = Field(min_length=1)
    parts: list[EntityName] = Field(default_factory=list)
    require: Requirement = "any"


class RecordRules(_Strict):
    """The ``records:`` section of a policy; see the module docstring."""

    standalone: list[EntityName] = Field(default_factory=list)
    combinatorial: list[KindRule] = Field(default_factory=list)
    min_kinds: Annotated[int, Field(ge=1, le=32, strict=True)] = 2
    other_entities: Literal["standalone", "redact", "keep"] = "standalone"
    combinatorial_redaction: Literal["when_combined", "when_pii"] = "when_combined"
    fields: list[FieldRule] = Field(default_factory=list)
    not_pii_keys: list[str] = Field(default_factory=list)
    first_name_keys: list[str] = Field(
        default_factory=lambda: ["first_name", "firstname", "given_name", "fname", "forename"]
    )
    last_name_keys: list[str] = Field(
        default_factory=lambda: ["last_name", "lastname", "surname", "family_name", "lname"]
    )
    user_keys: list[str] = Field(
        default_factory=lambda: [
            "user_id",
            "userid",
            "customer_id",
            "username",
            "user_name",
            "account_id",
            "member_id",
            "login",
        ]
    )

    @field_validator("not_pii_keys", "first_name_keys", "last_name_keys", "user_keys")
    @classmethod
    def _norm_keys(cls, value: list[str]) -> list[str]:
        return _keys_validator(value)

    @model_validator(mode="after")
    def _consistent(self) -> RecordRules:
        seen: dict[str, str] = {e: "standalone" for e in self.standalone}
        names: set[str] = set()
        for kind in self.combinatorial:
            if kind.name in names:
                raise ValueError(f"combinatorial: kind {kind.name!r} is listed twice")
            names.add(kind.name)
            for entity in (*kind.entities, *kind.parts):
                if entity in seen:
                    raise ValueError(
                        f"{entity} is in {seen[entity]} and in combinatorial kind {kind.name!r}; "
                        "an entity belongs to one place"
                    )
                seen[entity] = f"combinatorial kind {kind.name!r}"
        if self.combinatorial and self.min_kinds > len(self.combinatorial):
            raise ValueError(
                f"min_kinds is {self.min_kinds} but only {len(self.combinatorial)} "
                "combinatorial kinds are defined: the combination could never apply"
            )
        return self

    # ------------------------------------------------------------------ lookups
    @cached_property
    def _role(self) -> dict[str, tuple[str, KindRule | None]]:
        role: dict[str, tuple[str, KindRule | None]] = {
            e: ("standalone", None) for e in self.standalone
        }
        for kind in self.combinatorial:
            role.update({e: ("core", kind) for e in kind.entities})
            role.update({e: ("part", kind) for e in kind.parts})
        return role

    @cached_property
    def _key_regex(self) -> re.Pattern[str] | None:
        """Any key a field rule names, as it may be written in raw text (``aadharNo``,
        ``"aadhar_no"``, ``Aadhar-No``): the cheap test of :meth:`might_match`."""
        alternatives = set()
        for rule in self.fields:
            for key in rule.keys:
                pieces = [p for p in re.split(r"[_*]+", key) if p]
                if pieces:
                    alternatives.add(r"[\W_]*".join(re.escape(p) for p in pieces))
        if not alternatives:
            return None
        return re.compile("|".join(sorted(alternatives)), re.IGNORECASE)

    @property
    def key_pattern(self) -> str | None:
        """:meth:`might_match` as a regular expression (RE2-compatible, to be matched
        case-insensitively), for a vectorised test over a whole Arrow array of lines:
        ``pc.match_substring_regex(lines, rules.key_pattern, ignore_case=True)``."""
        regex = self._key_regex
        return regex.pattern if regex is not None else None

    def might_match(self, text: str) -> bool:
        """False only when no field rule can add a span anywhere in ``text``: a record
        whose text the engine found nothing in and this says False is not PII and stays as
        it is, so a scan can skip the per-record work for it."""
        regex = self._key_regex
        return regex is not None and regex.search(text) is not None

    @staticmethod
    def _matches(key: str | None, patterns: Sequence[str]) -> bool:
        if not key:
            return False
        return any(fnmatchcase(key, p) if "*" in p else key == p for p in patterns)

    @cached_property
    def _key_cache(self) -> dict[str, _KeyInfo]:
        return {}

    def _key_info(self, key: str | None) -> _KeyInfo:
        """What the rules say about a normalised key; decided once per key (an export
        repeats the same keys in every record)."""
        if not key:
            return _NO_KEY
        cache = self._key_cache
        info = cache.get(key)
        if info is None:
            if len(cache) > 100_000:
                cache.clear()
            info = cache[key] = _KeyInfo(
                tuple(rule for rule in self.fields if self._matches(key, rule.keys)),
                self._matches(key, self.not_pii_keys),
                self._matches(key, self.user_keys),
                self._matches(key, self.first_name_keys),
                self._matches(key, self.last_name_keys),
            )
        return info

    def relevant_key(self, key: str | None) -> bool:
        """Whether the value under ``key`` matters to the rules even without a span."""
        if not key:
            return False
        info = self._key_info(normalize_field(key))
        return bool(info.rules) or info.user

    # ------------------------------------------------------------------ per field
    def field_spans(self, key: str | None, text: str, spans: Sequence[Span]) -> list[Span]:
        """``spans`` of one value as its key makes them: a whole-value id under a
        ``not_pii_keys`` key goes; a value a field rule recognises becomes that entity
        (replacing other entities' spans over it)."""
        out = list(spans)
        if not key:
            return out
        stripped = text.strip()
        if not stripped:
            return out
        start = text.index(stripped[0])
        end = start + len(stripped)
        info = self._key_info(key)
        if info.not_pii:
            out = [s for s in out if not (s.start <= start and s.end >= end)]
        for rule in info.rules:
            regex = rule.regex
            if regex is not None and not regex.fullmatch(stripped):
                continue
            if any(s.entity_type == rule.entity and s.start < end and start < s.end for s in out):
                return out  # the engine found it already, with its own offsets and score
            kept = [s for s in out if s.end <= start or s.start >= end]
            return sorted(
                [*kept, Span(rule.entity, start, end, rule.score, FIELD_RULE_DETECTOR)],
                key=lambda s: s.start,
            )
        return out

    # ------------------------------------------------------------------ the verdict
    def judge(
        self,
        fields: Sequence[tuple[str, str, Sequence[Span]]],
        keys: Sequence[str | None] | None = None,
    ) -> RecordVerdict:
        """Whether the record made of ``fields`` — ``(path, text, spans)`` as
        ``scan_record`` returns them — is PII, and which spans to redact.

        Each field's key is the last name in its path (``$.customer.phone`` → ``phone``,
        a CSV column's name → itself) unless ``keys`` gives them. Fields without spans may
        be included and are useful: field rules may find a value in them, and a non-empty
        ``user_keys`` field ties a device to a user. ``RecordRules.scan`` returns exactly
        the fields that matter. Span indices in the verdict refer to ``verdict.spans``,
        which are the fields' spans after the key rules (``field_spans``).
        """
        field_keys = [
            (normalize_field(k) if k else None)
            for k in (keys if keys is not None else [_path_key(p) for p, _, _ in fields])
        ]
        spans = tuple(
            tuple(self.field_spans(k, text, sp))
            for (_, text, sp), k in zip(fields, field_keys, strict=True)
        )
        standalone: list[tuple[int, int]] = []
        other: list[tuple[int, int]] = []
        core: dict[str, list[tuple[int, int]]] = {k.name: [] for k in self.combinatorial}
        parts: dict[str, list[tuple[int, int]]] = {k.name: [] for k in self.combinatorial}
        role = self._role
        for i, field_spans in enumerate(spans):
            for j, span in enumerate(field_spans):
                where, kind = role.get(span.entity_type, ("other", None))
                if where == "standalone":
                    standalone.append((i, j))
                elif where == "core" and kind is not None:
                    core[kind.name].append((i, j))
                elif where == "part" and kind is not None:
                    parts[kind.name].append((i, j))
                else:
                    other.append((i, j))

        def text_of(ij: tuple[int, int]) -> str:
            span = spans[ij[0]][ij[1]]
            return fields[ij[0]][1][span.start : span.end]

        qualifying: list[str] = []
        for kind in self.combinatorial:
            found = core[kind.name]
            if not found or kind.require == "user_context":
                continue
            if kind.require == "full_name" and not self._full_name(found, text_of, field_keys):
                continue
            if kind.require == "full_address" and not _full_address(
                [text_of(ij) for ij in found], [text_of(ij) for ij in parts[kind.name]]
            ):
                continue
            qualifying.append(kind.name)
        counted_other = other if self.other_entities == "standalone" else []
        user_field = any(
            self._key_info(k).user and text.strip()
            for (_, text, _), k in zip(fields, field_keys, strict=True)
        )
        for kind in self.combinatorial:
            tied = bool(qualifying or standalone or counted_other or user_field)
            if kind.require == "user_context" and core[kind.name] and tied:
                qualifying.append(kind.name)

        reasons = [
            f"standalone:{e}" for e in sorted({spans[i][j].entity_type for i, j in standalone})
        ]
        reasons += [
            f"other:{e}" for e in sorted({spans[i][j].entity_type for i, j in counted_other})
        ]
        combined = len(qualifying) >= self.min_kinds and bool(self.combinatorial)
        if combined:
            reasons.append("combination:" + "+".join(sorted(qualifying)))
        is_pii = bool(standalone or counted_other or combined)

        redact = set(standalone)
        if self.other_entities != "keep":
            redact.update(other)
        if combined or (is_pii and self.combinatorial_redaction == "when_pii"):
            for kind in self.combinatorial:
                redact.update(core[kind.name])
                if core[kind.name]:
                    redact.update(parts[kind.name])
        return RecordVerdict(is_pii, spans, frozenset(redact), tuple(reasons))

    def _full_name(
        self,
        found: list[tuple[int, int]],
        text_of: Callable[[tuple[int, int]], str],
        field_keys: Sequence[str | None],
    ) -> bool:
        if any(len(_NAME_WORD.findall(text_of(ij))) >= 2 for ij in found):
            return True
        first = any(self._key_info(field_keys[i]).first_name for i, _ in found)
        last = any(self._key_info(field_keys[i]).last_name for i, _ in found)
        return first and last

    # ------------------------------------------------------------------ fields of a record
    def scan(self, engine: Engine, record: Any) -> list[tuple[str, str, list[Span]]]:
        """``scan_record(engine, record)`` plus the fields the rules read although the
        engine found nothing in them (an ``aadhar`` of 12 digits without a valid checksum,
        a ``user_id``), in document order: the input :meth:`judge` wants."""
        return [
            (leaf.path, leaf.text, leaf.spans)
            for leaf in _leaves(engine, record)
            if leaf.spans or (not leaf.is_key and self.relevant_key(leaf.field))
        ]


class _KeyInfo(NamedTuple):
    rules: tuple[FieldRule, ...]
    not_pii: bool
    user: bool
    first_name: bool
    last_name: bool


_NO_KEY = _KeyInfo((), False, False, False, False)


def _path_key(path: str) -> str | None:
    return normalize_field(path) if path else None


def _full_address(streets: list[str], parts: list[str]) -> bool:
    """A street value, a PIN code and a city, in the street value or in the parts (a
    ``city`` field, a ``pin_code`` field). Without a gazetteer, a city inside the street
    value is a comma-separated segment after the first that has a word in it
    (``12 MG Road, Bengaluru 560001``)."""
    pin = any(_PIN.search(t) for t in (*streets, *parts))
    city = any(re.search(r"[^\W\d_]{2,}", p) and not _PIN.fullmatch(p.strip()) for p in parts)
    if not city:
        for street in streets:
            segments = [s for s in _PIN.sub(" ", street).split(",") if s.strip()]
            if len(segments) >= 2 and re.search(r"[^\W\d_]{3,}", segments[-1]):
                city = True
                break
    return pin and city


@dataclass(frozen=True)
class RecordVerdict:
    """What the rules say about one record.

    ``spans[i]`` are field ``i``'s spans after the key rules; ``redact`` holds the
    ``(field index, span index)`` pairs to redact (``keep`` is the same set: the spans
    kept for redaction). ``reasons`` name entity types and kinds, never values.
    """

    is_pii: bool
    spans: tuple[tuple[Span, ...], ...]
    redact: frozenset[tuple[int, int]]
    reasons: tuple[str, ...] = ()

    @property
    def keep(self) -> frozenset[tuple[int, int]]:
        return self.redact

    def to_redact(self, i: int) -> list[Span]:
        """The spans of field ``i`` to redact."""
        return [s for j, s in enumerate(self.spans[i]) if (i, j) in self.redact]


# ---------------------------------------------------------------------- one JSON value
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class _Leaf:
    path: str
    text: str
    field: str | None  # the key the value is scanned under (its member's, in a list too)
    is_key: bool
    spans: list[Span]


def _leaves(engine: Engine, record: Any) -> list[_Leaf]:
    """Every non-identifier key and every string or number of ``record``, in document
    order, with its spans and the path ``scan_record`` gives it."""
    from detectors.structured import _label

    out: list[_Leaf] = []

    def walk(value: Any, path: str, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                k = str(k)
                if _PLAIN_KEY.match(k):
                    member = f"{path}.{k}"
                else:
                    key_spans = engine.scan_text(k)
                    member = f"{path}[{_label(engine, k, key_spans)}]"
                    out.append(_Leaf(member, k, None, True, key_spans))
                walk(v, member, k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", key)
        elif (text := scalar_text(value)) is not None:
            out.append(_Leaf(path, text, key, False, engine.scan_text(text, field=key)))

    walk(record, "$", None)
    return out


def _rebuild(record: Any, new: Iterator[Any]) -> Any:
    """``record`` with its leaves (in :func:`_leaves` order) replaced by ``new``'s items;
    ``_SAME`` keeps a leaf as it was (a number stays a number)."""

    def build(value: Any) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                k = str(k)
                if not _PLAIN_KEY.match(k):
                    replaced = next(new)
                    k = k if replaced is _SAME else replaced
                while k in out:  # two keys masked alike must not overwrite each other
                    k += "#"
                out[k] = build(v)
            return out
        if isinstance(value, list):
            return [build(v) for v in value]
        if scalar_text(value) is None:
            return value
        replaced = next(new)
        return value if replaced is _SAME else replaced

    return build(record)


_SAME = object()


class Finding(NamedTuple):
    """One detected value of a record and what the redacted copy holds instead (``keep``
    when the record rules left it): the inputs of ``jobs.findings.finding``. A record read
    as text (unparsed JSON) has no field: ``field_path`` is None and offsets are into
    the whole text, as for a plain-text line."""

    field_path: str | None
    text: str
    span: Span
    action: str


@dataclass
class RecordResult:
    """One processed record. ``record`` is the redacted JSON value (``{"_unparsed":
    redacted text}`` for JSON that could not be read) or, for a CSV row, the list of
    redacted cells; ``status`` is ``ok``, ``repaired`` or ``unparsed``."""

    record: Any
    is_pii: bool
    findings: list[Finding] = field(default_factory=list)
    status: str = "ok"
    reasons: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    unparsed_text: str | None = None  # the redacted text of an unparsed record

    def json(self) -> str:
        """The redacted record as one line of JSON (``{"_unparsed": ...}`` if unparsed)."""
        return json.dumps(self.record, ensure_ascii=False)

    @property
    def line(self) -> str:
        """For line-oriented copies (a JSONL scan): the redacted JSON, or for an unparsed
        record its redacted text as it was, unwrapped."""
        return self.unparsed_text if self.unparsed_text is not None else self.json()


def rules_of(policy: Policy) -> RecordRules:
    """The policy's record rules; without a ``records:`` section, every detected value is
    PII on its own (``RecordRules()``), which is what redaction did before records."""
    return policy.records if policy.records is not None else _EVERY_VALUE


_EVERY_VALUE = RecordRules()


def _redact_leaf(
    policy: Policy, text: str, spans: list[Span], keys: KeyRing, is_key: bool
) -> tuple[Any, dict[Span, str]]:
    """The redacted value (None when a ``drop`` covers a whole value) and each span's
    action; what ``Policy.redact_value`` does, with the actions."""
    if not is_key:
        for span in spans:
            if (
                span.score >= policy.threshold
                and policy.action_for(span.entity_type) == "drop"
                and not text[: span.start].strip()
                and not text[span.end :].strip()
            ):
                return None, {s: "drop" for s in spans}
    new, applied = policy.redact_text_with_actions(text, spans, keys)
    return new, dict(applied)


def _judge_leaves(
    leaves: list[_Leaf], policy: Policy, keys: KeyRing, rules: RecordRules
) -> tuple[RecordVerdict, list[Any], list[Finding]]:
    threshold = policy.threshold
    for leaf in leaves:
        leaf.spans = [s for s in leaf.spans if s.score >= threshold]
    chosen = [
        i
        for i, leaf in enumerate(leaves)
        if leaf.spans or (not leaf.is_key and rules.relevant_key(leaf.field))
    ]
    verdict = rules.judge(
        [(leaves[i].path, leaves[i].text, leaves[i].spans) for i in chosen],
        keys=[None if leaves[i].is_key else leaves[i].field for i in chosen],
    )
    new: list[Any] = [_SAME] * len(leaves)
    findings: list[Finding] = []
    for n, i in enumerate(chosen):
        leaf = leaves[i]
        spans = [s for s in verdict.spans[n] if s.score >= threshold]
        if not spans:
            continue
        redact = verdict.to_redact(n)
        actions: dict[Span, str] = {}
        if redact:
            new[i], actions = _redact_leaf(policy, leaf.text, redact, keys, leaf.is_key)
        for span in spans:
            findings.append(Finding(leaf.path, leaf.text, span, actions.get(span, "keep")))
    return verdict, new, findings


def process_record(
    engine: Engine,
    record: Any,
    policy: Policy,
    keys: KeyRing,
    rules: RecordRules | None = None,
) -> RecordResult:
    """Scan, judge and redact one JSON value (object, list or scalar) under ``policy``'s
    record rules (or ``rules``). Keys and values are scanned as ``scan_record`` does, with
    the same paths; numbers are scanned as text and become strings only when redacted."""
    rules = rules if rules is not None else rules_of(policy)
    leaves = _leaves(engine, record)
    verdict, new, findings = _judge_leaves(leaves, policy, keys, rules)
    redacted = _rebuild(record, iter(new)) if any(v is not _SAME for v in new) else record
    return RecordResult(redacted, verdict.is_pii, findings, "ok", verdict.reasons)


def redact_record_with_rules(
    engine: Engine, record: Any, policy: Policy, keys: KeyRing
) -> tuple[Any, bool]:
    """``(redacted record, is_pii)`` under the policy's record rules."""
    result = process_record(engine, record, policy, keys)
    return result.record, result.is_pii


def process_row(
    engine: Engine,
    names: Sequence[str],
    values: Sequence[str | None],
    policy: Policy,
    keys: KeyRing,
    rules: RecordRules | None = None,
    spans: Sequence[Sequence[Span]] | None = None,
) -> RecordResult:
    """One CSV/TSV row as a record: each cell scanned with its column name as the field,
    findings with the column name as ``field_path``; ``result.record`` is the list of
    redacted cells (None stays None, and so does a cell a ``drop`` empties).

    ``spans``, one list per cell, are the cells' spans when the caller scanned them
    already (column-wise, with ``Engine.scan_values(column, field=name)``): the row is
    then judged and redacted without scanning again."""
    rules = rules if rules is not None else rules_of(policy)
    if spans is not None and len(spans) != len(values):
        raise ValueError(f"spans: expected one list per cell ({len(values)}), got {len(spans)}")
    leaves = [
        _Leaf(
            name,
            value,
            name,
            False,
            list(spans[i]) if spans is not None else engine.scan_text(value, field=name),
        )
        for i, (name, value) in enumerate(zip(names, values, strict=True))
        if value is not None
    ]
    verdict, new, findings = _judge_leaves(leaves, policy, keys, rules)
    it = iter(new)
    cells = [None if v is None else _pick(next(it), v) for v in values]
    return RecordResult(cells, verdict.is_pii, findings, "ok", verdict.reasons)


def _pick(replaced: Any, original: Any) -> Any:
    return original if replaced is _SAME else replaced


# ---------------------------------------------------------------------- JSON text
class Unrepairable(ValueError):
    """The JSON text has no single obvious repair."""


_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<dq>"(?:[^"\\]|\\.)*")
      | (?P<sq>'(?:[^'\\]|\\.)*')
      | (?P<punct>[{}\[\]:,])
      | (?P<num>-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
      | (?P<word>[A-Za-z_$][\w$\-]*)
    """,
    re.VERBOSE | re.DOTALL,
)
_LITERALS = {"true": "true", "false": "false", "null": "null"}
_PYTHON_LITERALS = {"True": "true", "False": "false", "None": "null"}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str, strict: bool = True) -> Any:
    """``json.loads`` without the NaN/Infinity extensions (they would not round-trip);
    ``strict=False`` accepts raw control characters (a newline) inside strings."""
    return json.loads(text, parse_constant=_reject_constant, strict=strict)


def repair_json(text: str) -> tuple[Any, tuple[str, ...]]:
    """Parse JSON text, repairing only what has one obvious fix: trailing commas, single
    quotes when the text has no double quote at all, unquoted keys, Python's
    True/False/None, closing brackets missing at the end after a complete value, and raw
    control characters (a line break) inside strings.

    Returns ``(value, repairs)``; raises :class:`Unrepairable` otherwise (an unterminated
    string, mixed quotes, an unquoted value, text after the value, a truncated pair).
    """
    try:
        return loads(text), ()
    except ValueError:
        pass
    try:
        return loads(text, strict=False), ("control_characters",)
    except ValueError:
        pass
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        raise Unrepairable("not a JSON object or array")
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if m is None:
            raise Unrepairable("unterminated string or stray character")
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, m.group()))
        pos = m.end()
    kinds = {k for k, _ in tokens}
    if "sq" in kinds and "dq" in kinds:
        raise Unrepairable("single and double quotes mixed")
    repairs: set[str] = set()
    out: list[str] = []
    stack: list[str] = []
    expect = "value"  # key | colon | value | after
    done = False
    for n, (kind, tok) in enumerate(tokens):
        if done:
            raise Unrepairable("text after the JSON value")
        if kind == "sq":
            repairs.add("single_quotes")
            tok = '"' + tok[1:-1].replace("\\'", "'") + '"'
            kind = "dq"
        if kind == "punct":
            if tok in "{[":
                if expect not in ("value",):
                    raise Unrepairable("misplaced bracket")
                stack.append(tok)
                expect = "key" if tok == "{" else "value"
            elif tok in "}]":
                if not stack or {"}": "{", "]": "["}[tok] != stack[-1]:
                    raise Unrepairable("mismatched bracket")
                stack.pop()
                expect = "after"
                done = not stack
            elif tok == ":":
                if expect != "colon":
                    raise Unrepairable("misplaced colon")
                expect = "value"
            else:  # comma
                nxt = next((t for k, t in tokens[n + 1 :]), None)
                if expect != "after":
                    raise Unrepairable("misplaced comma")
                if nxt is not None and nxt in "}]":
                    repairs.add("trailing_comma")
                    continue
                expect = "key" if stack and stack[-1] == "{" else "value"
            out.append(tok)
            continue
        if expect == "key":
            if kind == "word":
                repairs.add("unquoted_keys")
                tok = json.dumps(tok)
            elif kind != "dq":
                raise Unrepairable("a key must be a string")
            expect = "colon"
        elif expect == "value":
            if kind == "word":
                if tok in _PYTHON_LITERALS:
                    repairs.add("python_literals")
                    tok = _PYTHON_LITERALS[tok]
                elif tok not in _LITERALS:
                    raise Unrepairable("unquoted value")
            expect = "after"
            done = not stack
        else:
            raise Unrepairable("two values without a separator")
        out.append(tok)
    if stack:
        if expect != "after" and not (out and out[-1] in "{["):
            raise Unrepairable("truncated inside a pair")
        repairs.add("missing_closing_bracket")
        out.extend("}" if b == "{" else "]" for b in reversed(stack))
    repaired = "".join(out)
    try:
        value = loads(repaired)
    except ValueError:
        try:
            value = loads(repaired, strict=False)
        except ValueError:
            raise Unrepairable("not valid JSON after repair") from None
        repairs.add("control_characters")
    return value, tuple(sorted(repairs))


_KEY_VALUE = re.compile(
    r"""["']?(?P<key>[A-Za-z_][\w\-.]{0,40})["']?\s*[:=]\s*
        (?:"(?P<v1>[^"\n]{1,300})"|'(?P<v2>[^'\n]{1,300})'|(?P<v3>[^\s,;}\]"'][^,;}\]"'\n]{0,300}))""",
    re.VERBOSE,
)


def _unparsed(
    engine: Engine, text: str, policy: Policy, keys: KeyRing, rules: RecordRules
) -> RecordResult:
    """Conservative redaction of a record that is not JSON: everything the engine finds
    in the text, every ``key: value`` pair a field rule recognises, and every run of ten
    or more digits, whatever the rules say about combinations. ``is_pii`` follows the
    rules applied to what was found, each value judged under the key before it."""
    spans = [s for s in engine.scan_text(text) if s.score >= policy.threshold]
    for m in _KEY_VALUE.finditer(text):
        group = next(g for g in ("v1", "v2", "v3") if m.group(g) is not None)
        start, end = m.span(group)
        value = text[start:end].rstrip()
        end = start + len(value)
        key = normalize_field(m.group("key"))
        for s in rules.field_spans(key, value, []):
            spans.append(Span(s.entity_type, start + s.start, start + s.end, s.score, s.detector))
    spans = resolve(spans)
    taken = [(s.start, s.end) for s in spans]
    digits = [
        Span(DIGIT_RUN, m.start(), m.end(), 1.0, "unparsed_digits")
        for m in _DIGIT_RUN.finditer(text)
        if not any(a < m.end() and m.start() < b for a, b in taken)
    ]
    # Each value is judged as a field of its own, under the key written before it.
    judged = [
        (
            key_before(text, s.start) or "",
            text[s.start : s.end],
            [Span(s.entity_type, 0, s.end - s.start, s.score, s.detector)],
        )
        for s in spans
    ]
    verdict = rules.judge(judged) if judged else RecordVerdict(False, (), frozenset())
    everything = sorted([*spans, *digits], key=lambda s: s.start)
    redacted, applied = policy.redact_text_with_actions(text, everything, keys)
    actions = dict(applied)
    findings = [Finding(None, text, s, actions.get(s, "keep")) for s in spans]
    return RecordResult(
        {UNPARSED_KEY: redacted},
        verdict.is_pii,
        findings,
        "unparsed",
        verdict.reasons,
        unparsed_text=redacted,
    )


def process_json_text(
    engine: Engine,
    text: str,
    policy: Policy,
    keys: KeyRing,
    rules: RecordRules | None = None,
) -> RecordResult:
    """One record given as JSON text (a JSONL line, a ``data_json`` cell): parsed, or
    repaired when the repair is unambiguous (``status == "repaired"``), or else redacted
    conservatively as text into ``{"_unparsed": "<redacted text>"}`` (``"unparsed"``;
    ``repairs == ("too_deep",)`` when it parsed but nests too deep to walk).
    Never returns any part of ``text`` unredacted. ``result.json()`` is the output line."""
    rules = rules if rules is not None else rules_of(policy)
    try:
        value, repairs = repair_json(text)
        result = process_record(engine, value, policy, keys, rules)
    except Unrepairable:
        return _unparsed(engine, text, policy, keys, rules)
    except RecursionError:
        # Nested deeper than Python's parser and walkers can recurse (``[[[[…`` 10,000
        # deep): this one record is redacted as text, so the lines around it still scan.
        result = _unparsed(engine, text, policy, keys, rules)
        result.repairs = ("too_deep",)
        return result
    if repairs:
        result.status, result.repairs = "repaired", repairs
    return result
