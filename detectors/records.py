"""Applying the record rules (``detectors.recordrules``) to records: :func:`process_record`
for one JSON value, :func:`process_json_text` for one line of JSON text (repairing, or
conservatively redacting, malformed JSON) and :func:`process_row` for one CSV row; each
scans the record's values with their keys as context, asks the rules for a verdict and
redacts what the verdict says. Nothing here imports Spark; no raw value ever enters a
verdict's reasons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from detectors.context import key_before, normalize_field
from detectors.jsonrepair import Unrepairable, repair_json
from detectors.leafscan import scan_leaf_texts
from detectors.overlaps import resolve
from detectors.spans import Span

if TYPE_CHECKING:
    from detectors.engine import Engine
    from detectors.keys import KeyRing
    from detectors.policy import Policy

from detectors.recordrules import RecordRules, RecordVerdict
from detectors.structured import SAME, Leaf, leaf_texts, leaves, plain_leaf_texts, rebuild

UNPARSED_KEY = "_unparsed"
# Conservative redaction of malformed records: runs of ten or more digits.
DIGIT_RUN = "DIGIT_RUN"
_DIGIT_RUN = re.compile(r"(?<![\w])\d(?:[ \-]?\d){9,}(?![\w])")


# ---------------------------------------------------------------------- one JSON value


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
    found: list[Leaf], policy: Policy, keys: KeyRing, rules: RecordRules
) -> tuple[RecordVerdict, list[Any], list[Finding]]:
    threshold = policy.threshold
    for leaf in found:
        leaf.spans = [s for s in leaf.spans if s.score >= threshold]
    chosen = [
        i
        for i, leaf in enumerate(found)
        if leaf.spans or (not leaf.is_key and rules.relevant_key(leaf.field))
    ]
    verdict = rules.judge(
        [(found[i].path, found[i].text, found[i].spans) for i in chosen],
        keys=[None if found[i].is_key else found[i].field for i in chosen],
    )
    new: list[Any] = [SAME] * len(found)
    findings: list[Finding] = []
    for n, i in enumerate(chosen):
        leaf = found[i]
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
    spans: Iterable[list[Span]] | None = None,
) -> RecordResult:
    """Scan, judge and redact one JSON value (object, list or scalar) under ``policy``'s
    record rules (or ``rules``). Keys and values are scanned as ``scan_record`` does, with
    the same paths; numbers are scanned as text and become strings only when redacted.

    ``spans``, one list per leaf in ``leaf_texts(record)`` order, are the leaves' spans
    when the caller scanned them already (:func:`scan_leaf_texts`, a block at a time): the
    record is then judged and redacted without scanning again."""
    rules = rules if rules is not None else rules_of(policy)
    found = leaves(engine, record, None if spans is None else iter(spans))
    return judged_record(record, found, policy, keys, rules)


def judged_record(
    record: Any, found: list[Leaf], policy: Policy, keys: KeyRing, rules: RecordRules
) -> RecordResult:
    """A record judged and redacted from its scanned leaves (:func:`leaves` order)."""
    verdict, new, findings = _judge_leaves(found, policy, keys, rules)
    redacted = rebuild(record, iter(new)) if any(v is not SAME for v in new) else record
    return RecordResult(redacted, verdict.is_pii, findings, "ok", verdict.reasons)


def judged_walked_record(
    record: Any, found: list[Leaf], policy: Policy, keys: KeyRing, rules: RecordRules
) -> RecordResult:
    """:func:`judged_record` for a record the JSON Lines walk took (``detectors.jsonwalk``:
    identifier keys only, so every path names its place) and that the caller owns:
    ``found`` need only hold the leaves with a span or a key the rules are about (no other
    leaf can change the verdict, ``_judge_leaves`` drops them first), and the redacted
    values are set in place, where ``rebuild`` copies the whole record."""
    verdict, new, findings = _judge_leaves(found, policy, keys, rules)
    for leaf, value in zip(found, new, strict=True):
        if value is not SAME:
            record = set_at(record, leaf.path, value)
    return RecordResult(record, verdict.is_pii, findings, "ok", verdict.reasons)


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def set_at(record: Any, path: str, value: Any) -> Any:
    """``record`` with the leaf at ``path`` (``$.a.b[0]``, identifier keys) set to
    ``value``; the value itself for ``$``."""
    steps: list[str | int] = [key or int(index) for key, index in _STEP.findall(path, 1)]
    if not steps:
        return value
    parent = record
    for step in steps[:-1]:
        parent = parent[step]
    parent[steps[-1]] = value
    return record


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
    found = [
        Leaf(
            name,
            value,
            name,
            False,
            list(spans[i]) if spans is not None else engine.scan_text(value, field=name),
        )
        for i, (name, value) in enumerate(zip(names, values, strict=True))
        if value is not None
    ]
    verdict, new, findings = _judge_leaves(found, policy, keys, rules)
    it = iter(new)
    cells = [None if v is None else _pick(next(it), v) for v in values]
    return RecordResult(cells, verdict.is_pii, findings, "ok", verdict.reasons)


def _pick(replaced: Any, original: Any) -> Any:
    return original if replaced is SAME else replaced


def scan_fields(
    rules: RecordRules, engine: Engine, record: Any
) -> list[tuple[str, str, list[Span]]]:
    """``scan_record(engine, record)`` plus the fields ``rules`` read although the engine
    found nothing in them (an ``aadhar`` of 12 digits without a valid checksum, a
    ``user_id``), in document order: the input :meth:`RecordRules.judge` wants."""
    return [
        (leaf.path, leaf.text, leaf.spans)
        for leaf in leaves(engine, record)
        if leaf.spans or (not leaf.is_key and rules.relevant_key(leaf.field))
    ]


# ---------------------------------------------------------------------- JSON text
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


# ---------------------------------------------------------------------- many JSON texts
def process_json_texts(
    engine: Engine,
    texts: Sequence[str],
    policy: Policy,
    keys: KeyRing,
    rules: RecordRules | None = None,
) -> list[RecordResult]:
    """:func:`process_json_text` of each text, with the leaves of all the records scanned
    together, column by column (:func:`scan_leaf_texts`), rather than one ``scan_text``
    per leaf: a JSON Lines record has a dozen or more leaves, and one scanner call each
    cost more than everything else about the record (issue #14). Same results, in order.

    A record too deep to walk here is left to :func:`process_json_text` whole, so its
    outcome (walked, or redacted as text) is the reference's."""
    rules = rules if rules is not None else rules_of(policy)
    read: list[tuple[Any, tuple[str, ...], int, int, list[str] | None] | RecordResult] = []
    items: list[tuple[str, str | None]] = []
    for text in texts:
        try:
            value, repairs = repair_json(text)
            # Keys that are all identifiers (nearly every API payload): the leaves' paths
            # from this one walk; otherwise the paths wait for the keys' spans.
            plain = plain_leaf_texts(value)
            paths, found = (None, leaf_texts(value)) if plain is None else plain
        except (Unrepairable, RecursionError):
            read.append(process_json_text(engine, text, policy, keys, rules))
            continue
        read.append((value, repairs, len(items), len(found), paths))
        items += found
    spans = scan_leaf_texts(engine, items)
    out: list[RecordResult] = []
    for text, entry in zip(texts, read, strict=True):
        if isinstance(entry, RecordResult):
            out.append(entry)
            continue
        value, repairs, start, count, paths = entry
        try:
            if paths is None:
                result = process_record(
                    engine, value, policy, keys, rules, spans[start : start + count]
                )
            else:
                end = start + count
                leaf_items = zip(paths, items[start:end], spans[start:end], strict=True)
                found = [Leaf(p, t, f, False, s) for p, (t, f), s in leaf_items]
                result = judged_record(value, found, policy, keys, rules)
        except RecursionError:
            out.append(process_json_text(engine, text, policy, keys, rules))
            continue
        if repairs:
            result.status, result.repairs = "repaired", repairs
        out.append(result)
    return out
