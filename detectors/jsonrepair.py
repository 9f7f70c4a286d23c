"""JSON text parsed strictly, or repaired where the repair has one obvious fix (trailing
commas, single quotes, unquoted keys, Python literals, missing closing brackets, raw
control characters, lone surrogate escapes); records that are not JSON are left to the
caller (``detectors.records`` redacts them as text)."""

from __future__ import annotations

import json
import re
from typing import Any


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
                # The next token by index: a slice of the rest at every comma made a long
                # line's repair quadratic (a 350 KB line of 40,000 pairs took 4.8 s).
                nxt = tokens[n + 1][1] if n + 1 < len(tokens) else None
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
