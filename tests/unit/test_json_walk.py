"""The JSON Lines walk (``detectors.jsonwalk``, the core's ``jsonwalk.rs``): which lines
are walked and the leaves they give, the core held to the Python reference on generated
and mutated records, and both held to ``structured.plain_leaf_texts`` (#14)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from detectors.engine import Engine
from detectors.jsonwalk import (
    MAX_DEPTH,
    PATH_BUDGET,
    JsonLeaves,
    path_budget,
    walk_block,
    walk_line,
)
from detectors.keys import KeyRing
from detectors.native import NativeEngine
from detectors.policy import Policy
from detectors.records import judged_record, judged_walked_record, rules_of, set_at
from detectors.structured import leaves, plain_leaf_texts

ISCP = Path(__file__).resolve().parents[2] / "conf" / "policies" / "iscp.yaml"
KEYS = KeyRing(b"k" * 32, b"t" * 32)

_KEYS = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.sampled_from(["a\n", "a b", "é", "", "9x", "rahul@x.com", "a\n\n", "_"]),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["9876543210", "rahul.s@gmail.com", "line\nbreak", "\u00e9\u4e2d"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_SEPARATORS = st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])
# Pieces a mutation splices into a serialised record: each one a way strict JSON breaks or
# bends (an escape cut short, a lone surrogate, a duplicate key, a constant, a leading
# zero, an exponent without digits, raw control bytes, invalid UTF-8, a trailing comma).
_PIECES = st.sampled_from(
    [
        b'"',
        b"\\",
        b",",
        b"}",
        b"]",
        b"[",
        b"{",
        b":",
        b"\\u",
        b"\\ud800",
        b"\\udc00",
        b"\\ud83d\\ude00",
        b'"a": 1, "a": 2',
        b"NaN",
        b"-Infinity",
        b"01",
        b"-0",
        b"1e",
        b"1.",
        b"1e999",
        b"-0.0",
        b"\t",
        b"\r",
        b"\x00",
        b"\xff",
        b"\xc3",
        b" ",
        b"true",
        b"nul",
        b",]",
        b"\xef\xbb\xbf",
    ]
)


# The iscp preset, and the same rules with the operators whose actions or results depend
# on the value: a phone dropped (null when it is the whole value), hashed e-mails, IPs
# and dates of birth generalized (refused on 31/02: then ``replace``), names tokenized.
_OPERATORS = {
    "PHONE_NUMBER: {action: mask, keep_prefix: 2, keep_suffix: 2}": "PHONE_NUMBER: {action: drop}",
    "EMAIL_ADDRESS: {action: mask, keep_prefix: 2, mask_length: 3}": (
        "EMAIL_ADDRESS: {action: hash}"
    ),
    "PERSON: {action: mask, keep_prefix: 1, per_word: true}": (
        "PERSON: {action: tokenize}\n  IP_ADDRESS: {action: generalize}\n"
        "  DATE_OF_BIRTH: {action: generalize}"
    ),
}


@pytest.fixture(scope="module", params=["iscp", "iscp-operators"])
def iscp_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Engine, Policy]:
    text = ISCP.read_text()
    if request.param == "iscp-operators":
        for old, new in _OPERATORS.items():
            assert old in text
            text = text.replace(old, new)
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(text)
    return NativeEngine.default(), Policy.load(path)


def _leaves(walk: JsonLeaves) -> list[tuple[int, str | None, str, str]]:
    """(line, field name, text, path) per leaf: field ids are each walker's own."""
    texts, paths = walk.texts.to_pylist(), walk.paths.to_pylist()
    return [(int(walk.line[i]), walk.field_name(i), texts[i], paths[i]) for i in range(len(texts))]


def _both(block: bytes) -> tuple[JsonLeaves, JsonLeaves]:
    return walk_block(block), NativeEngine.default().json_leaves(block)


def _assert_same(block: bytes) -> JsonLeaves:
    ref, core = _both(block)
    assert core.walked.tolist() == ref.walked.tolist()
    assert _leaves(core) == _leaves(ref)
    return ref


@st.composite
def _lines(draw: st.DrawFn) -> bytes:
    value = draw(_VALUES)
    line = json.dumps(value, ensure_ascii=draw(st.booleans()), separators=draw(_SEPARATORS)).encode(
        "utf-8", "surrogatepass"
    )
    if draw(st.booleans()):
        at = draw(st.integers(0, len(line)))
        cut = draw(st.integers(0, 3))
        line = line[:at] + draw(_PIECES) + line[at + cut :]
    return line.replace(b"\n", b" ")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines(), min_size=1, max_size=6), st.booleans())
@example([b'{"a": 1, "a": 2}', b'{"a": "\\ud800"}', b'{"a": 1e400}', b'{"k\\n": "v"}'], True)
@example([b"70368744177664.125", b"[1e16, 1e15, 0.0001, 0.00001, -0.0, 5e-324]"], False)
def test_when_lines_are_generated_or_mutated_then_the_core_walks_them_as_the_reference(
    lines: list[bytes], trailing_newline: bool
) -> None:
    block = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    _assert_same(block)


@given(_VALUES)
@settings(max_examples=200, deadline=None)
def test_when_a_record_is_walked_then_its_leaves_are_plain_leaf_texts(value: object) -> None:
    line = json.dumps(value).encode()
    got = walk_line(line)
    want = plain_leaf_texts(json.loads(line))
    if got is not None:
        assert got == want
    plain_keys = want is not None
    assert (got is not None) == plain_keys, line  # generated JSON: only keys stop the walk


@pytest.mark.parametrize(
    ("line", "walked"),
    [
        (b'{"name": "Rahul", "phone": 9876543210, "f": 1.0, "ok": true}', True),
        (b'  ["x", {"y": null}]  ', True),
        (b'{"a": 1, "a": 2}', False),  # json.loads keeps 2 at the first key's place
        (b'{"a b": "x"}', False),  # the key's label waits for its spans
        (b'{"a": "\\udc00"}', False),  # a lone surrogate is repaired (and flagged)
        (b"{'a': 1}", False),
        (b'{"a": 1,}', False),
        (b'{"a": Infinity}', False),
        (b'{"a": 1e400}', False),
        (b'{"a": "\xff"}', False),
        (b"1" * 4300, True),
        (b"1" * 4301, False),  # CPython refuses to read an integer this long
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, True),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), False),
        (b"", False),
    ],
)
def test_when_a_line_is_walked_or_not_then_both_walkers_agree(line: bytes, walked: bool) -> None:
    ref = _assert_same(line + b"\n")
    assert ref.walked.tolist() == [walked]


def test_when_numbers_are_leaves_then_their_text_is_pythons_str() -> None:
    numbers = [
        0.1,
        1e16,
        1e15,
        1e-5,
        1e-4,
        -0.0,
        123456789012345678.0,
        5e-324,
        1.7976931348623157e308,
    ]
    line = json.dumps({"n": numbers, "i": [-0, 10**20]}).encode()
    ref = _assert_same(line)
    texts = ref.texts.to_pylist()
    assert texts == [repr(x) for x in numbers] + ["0", str(10**20)]
    assert all(math.isfinite(float(t)) for t in texts)


def test_when_a_line_is_not_walked_then_it_adds_no_leaf_and_later_lines_keep_their_numbers() -> (
    None
):
    block = b'{"a": "x"}\n{"a": 1,}\n\n{"b": ["y", "z"]}'
    ref, core = _both(block)
    assert core.walked.tolist() == [True, False, False, True]
    assert _leaves(core) == [
        (0, "a", "x", "$.a"),
        (3, "b", "y", "$.b[0]"),
        (3, "b", "z", "$.b[1]"),
    ]
    assert _leaves(ref) == _leaves(core)


def test_when_the_python_engine_walks_then_it_uses_the_reference() -> None:
    block = b'{"a": [1, "2"]}\n'
    assert _leaves(Engine.default().json_leaves(block)) == _leaves(walk_block(block))


# Records as API payloads carry them: keys the iscp rules are about (phone, city, names,
# ids) next to others, values that are PII, look-alikes or neither.
_RULE_KEYS = st.sampled_from(
    [
        *("phone", "city", "pin_code", "first_name", "last_name", "order_id", "user_id"),
        *("ip", "dob", "note", "addr", "email", "x"),
    ]
)
_RULE_VALUES = (
    st.sampled_from(
        [
            *("9876543210", "+91 98765 43210", "Pune", "411001", "Rahul", "Sharma"),
            *("ORD9876543210", "rahul.s@gmail.com", "10.2.3.4", "hello", ""),
            *("4111 1111 1111 1111", "ABCPE1234F", "31/02/1990", "dob 14/08/1990"),
        ]
    )
    | _SCALARS
)
_RECORDS = st.recursive(
    _RULE_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_RULE_KEYS, inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(_RECORDS, min_size=1, max_size=4))
@example(records=[{"dob": "31/02/1990", "phone": "9876543210"}, {"dob": "14/08/1990"}])
@example(records=[{"a": [{"ip": "10.2.3.4", "user_id": "u1"}]}, "9876543210", ["x", "Pune"]])
def test_judging_walked_records_in_place_equals_the_rebuild(
    records: list[object], iscp_engine: tuple[Engine, Policy]
) -> None:
    """``judged_walked_record`` given only the leaves with a span or a key the rules are
    about, redacting in place, gives what ``judged_record`` gives from every leaf and a
    rebuilt copy: the same record, verdict, findings (actions included) and reasons."""
    engine, policy = iscp_engine
    rules = rules_of(policy)
    texts = [json.dumps(r) for r in records]
    full = [
        judged_record(json.loads(t), leaves(engine, json.loads(t)), policy, KEYS, rules)
        for t in texts
    ]
    picked = [
        [
            leaf
            for leaf in leaves(engine, json.loads(t))
            if leaf.spans or rules.relevant_key(leaf.field)
        ]
        for t in texts
    ]
    walked = [
        judged_walked_record(json.loads(t), found, policy, KEYS, rules)
        for t, found in zip(texts, picked, strict=True)
    ]
    for got, want in zip(walked, full, strict=True):
        assert json.dumps(got.record) == json.dumps(want.record)  # key order kept too
        assert (got.is_pii, got.findings, got.reasons) == (
            want.is_pii,
            want.findings,
            want.reasons,
        )


@pytest.mark.parametrize(
    ("record", "path", "expected"),
    [
        ({"a": {"b": [1, {"c": 2}]}}, "$.a.b[1].c", {"a": {"b": [1, {"c": "X"}]}}),
        ([[0, 1], 2], "$[0][1]", [[0, "X"], 2]),
        ({"a_1": 0}, "$.a_1", {"a_1": "X"}),
        (5, "$", "X"),
    ],
)
def test_set_at_follows_a_walked_path(record: object, path: str, expected: object) -> None:
    assert set_at(record, path, "X") == expected


def test_the_core_and_the_reference_share_the_path_budget() -> None:
    from detectors import _native

    assert tuple(_native.JSON_PATH_BUDGET) == PATH_BUDGET


@pytest.mark.parametrize("key_length", [40, 3000])
def test_a_line_is_walked_up_to_its_path_budget_and_not_past_it(key_length: int) -> None:
    """A long key over an array repeats the key in every leaf's path: walked while the
    paths fit ``path_budget`` (8 × the line + 4096 bytes), refused one leaf past it, by
    the core and the reference alike (a 200 KB line would otherwise ask gigabytes)."""
    key = "k" * key_length

    def line(n: int) -> bytes:
        return json.dumps({key: [0] * n}, separators=(",", ":")).encode()

    n, paths = 0, 0  # n: the first count of leaves whose paths do not fit
    while paths <= path_budget(len(line(n))):
        paths += len(f"$.{key}[{n}]")
        n += 1
    for count in (n - 1, n):
        block = line(count)
        ref, core = walk_block(block), NativeEngine.default().json_leaves(block)
        assert list(ref.walked) == list(core.walked) == [count < n]
        assert _leaves(ref) == _leaves(core)
