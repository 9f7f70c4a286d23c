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
from itertools import compress
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.context import key_before, normalize_field
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
            record = _set_at(record, leaf.path, value)
    return RecordResult(record, verdict.is_pii, findings, "ok", verdict.reasons)


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _set_at(record: Any, path: str, value: Any) -> Any:
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
    True/False/None, closing brackets missing at the end after a complete value, raw
    control characters (a line break) inside strings, and lone surrogate escapes
    (:func:`without_lone_surrogates`).

    Returns ``(value, repairs)``; raises :class:`Unrepairable` otherwise (an unterminated
    string, mixed quotes, an unquoted value, text after the value, a truncated pair).
    """
    value, repairs = _repair_json(text)
    value, replaced = without_lone_surrogates(value, text)
    return value, (*repairs, "lone_surrogates") if replaced else repairs


# A ``\uD800``-``\uDFFF`` escape: JSON allows one alone (JavaScript writes a string cut
# inside a pair so), but no UTF-8 text, Parquet string or scanner input can hold it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Lone surrogates but those ``surrogateescape`` gives undecodable bytes (U+DC80-U+DCFF),
# which ``detect`` and ``redact`` keep on purpose so that such bytes go out as they came.
_LONE_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def without_lone_surrogates(value: Any, text: str) -> tuple[Any, bool]:
    """``value`` (parsed from ``text``) with every lone surrogate in its strings and keys
    replaced by U+FFFD, and whether any was: a record holding ``"\\ud800"`` failed its
    whole object with UnicodeEncodeError when a leaf was scanned. Pairs were joined by the
    parser; only text with a surrogate escape is walked."""
    if not _SURROGATE_ESCAPE.search(text):
        return value, False
    replaced = False

    def fix(s: str) -> str:
        nonlocal replaced
        new = _LONE_SURROGATE.sub("\ufffd", s)
        replaced = replaced or new != s
        return new

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return fix(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {fix(k): walk(x) for k, x in v.items()}
        return v

    return walk(value), replaced


def _repair_json(text: str) -> tuple[Any, tuple[str, ...]]:
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


def scan_leaf_texts(engine: Engine, items: Sequence[tuple[str, str | None]]) -> list[list[Span]]:
    """``[engine.scan_text(text, field=field) for text, field in items]``, scanned as one
    column per field name (``Engine.scan_arrow_flat``: one core call for the column).

    The column scan is held to ``scan_text`` only where the engine's contract says they
    agree; the rest is scanned value by value: a value holding a line break (a column
    sees it as a space), one that is not valid UTF-8 (a lone surrogate), and every value
    of a column where a private key was found (a column scan reads the lines after a
    PEM BEGIN line as the key's body, a value on its own never does)."""
    out: list[list[Span]] = [[] for _ in items]
    groups: dict[str | None, tuple[str | None, list[int]]] = {}
    names: dict[str, str | None] = {}
    for i, (_, field_name) in enumerate(items):
        if field_name:
            group = names.get(field_name, "")
            if group == "":
                group = names[field_name] = normalize_field(field_name)
        else:
            group = None  # no field, or an empty one: scan_text scans both alike
        groups.setdefault(group, (field_name, []))[1].append(i)
    for field_name, rows in groups.values():
        values = [items[i][0] for i in rows]
        for row, spans in _scan_column(engine, values, field_name):
            out[rows[row]] = spans
    return out


def _scan_column(
    engine: Engine, values: list[str], field_name: str | None
) -> list[tuple[int, list[Span]]]:
    """(row, spans) of the rows with a span, each equal to ``scan_text(value, field)``."""
    odd = _odd_values(values)
    column = values
    if odd:
        column = list(values)
        for i in odd:
            column[i] = ""
    found = engine.scan_arrow_flat(pa.array(column, pa.string()), field=field_name)
    if any(found.names[s][0] == PRIVATE_KEY for s in set(found.sources.tolist())):
        odd = range(len(values))
        hits: list[tuple[int, list[Span]]] = []
    else:
        hits = list(found.by_row())
    for i in odd:
        spans = engine.scan_text(values[i], field=field_name)
        if spans:
            hits.append((i, spans))
    return hits


PRIVATE_KEY = "PRIVATE_KEY"


def scan_leaf_array(
    engine: Engine, values: pa.Array, field_name: str | None
) -> list[tuple[int, list[Span]]]:
    """:func:`_scan_column` for an Arrow string array (valid UTF-8, so only a line break
    makes a value odd): (row, spans) of the rows with a span, each equal to
    ``scan_text(value, field)``."""
    mask = pc.or_(pc.match_substring(values, "\n"), pc.match_substring(values, "\r"))
    odd = np.flatnonzero(mask.to_numpy(zero_copy_only=False)).tolist()
    column = pc.if_else(mask, "", values) if odd else values
    found = engine.scan_arrow_flat(column, field=field_name)
    if any(found.names[s][0] == PRIVATE_KEY for s in set(found.sources.tolist())):
        odd = range(len(values))
        hits: list[tuple[int, list[Span]]] = []
    else:
        hits = list(found.by_row())
    for i in odd:
        spans = engine.scan_text(values[i].as_py(), field=field_name)
        if spans:
            hits.append((i, spans))
    return hits


def _odd_values(values: list[str]) -> list[int]:
    """Rows a column scan would not see as ``scan_text`` does: a line break (or a CR) in
    the value, or text that does not encode as UTF-8 (a lone surrogate)."""
    joined = "\n".join(values)
    if "\r" not in joined and joined.count("\n") == len(values) - 1:
        try:
            joined.encode("utf-8")
            return []
        except UnicodeEncodeError:
            pass
    return list(compress(range(len(values)), map(_is_odd, values)))


def _is_odd(value: str) -> bool:
    if "\n" in value or "\r" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
