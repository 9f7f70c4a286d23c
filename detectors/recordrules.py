"""Record-level rules: whether a whole record is personal data, and which of its values to
redact, when some values are PII only in combination — the ``records:`` section of a policy.

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
:meth:`RecordRules.judge` for a :class:`RecordVerdict`. Applying them to records (walking a
JSON value, repairing JSON text, a CSV row) is ``detectors.records``; this module imports
neither it nor the policy, which holds a ``RecordRules``. Nothing here imports Spark; no raw
value ever enters a verdict's reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from detectors.context import normalize_field
from detectors.spans import Span

if TYPE_CHECKING:
    pass

EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
KindName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
FIELD_RULE_DETECTOR = "record_field_rule"
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
        """Whether the value under ``key`` matters to the rules even without a span;
        decided once per raw key (a record asks for each of its leaves)."""
        if not key:
            return False
        cache = self._relevant_cache
        answer = cache.get(key)
        if answer is None:
            if len(cache) > 100_000:
                cache.clear()
            info = self._key_info(normalize_field(key))
            answer = cache[key] = bool(info.rules) or info.user
        return answer

    @cached_property
    def _relevant_cache(self) -> dict[str, bool]:
        return {}

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
        ``user_keys`` field ties a device to a user. ``detectors.records.scan_fields``
        returns exactly the fields that matter. Span indices in the verdict refer to
        ``verdict.spans``, which are the fields' spans after the key rules (``field_spans``).
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
