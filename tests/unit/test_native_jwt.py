"""The compiled JWT screen (``native/src/validators/jwt.rs``) against ``secrets._jwt``:
where the screen decides, its verdict is the Python validator's; where it cannot be sure
(escaped keys, ``NaN``, deep or odd JSON, text that is not UTF-8) it asks Python. Real
headers, headers without ``alg``, broken base64 and generated JSON, each as the first part
of a token."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.builtin.secrets import _jwt

_native = pytest.importorskip("detectors._native")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_PAYLOAD = _b64(b'{"sub":"1"}')


def _token(header: str) -> str:
    return f"{header}.{_PAYLOAD}.c2lnbmF0dXJl"


def _answer(value: str) -> tuple[bool, float | None]:
    """The screen's answer, held to Python's verdict where it decides."""
    decided, verdict = _native._screen("jwt", value)
    if decided:
        assert verdict == _jwt(value, value, 0, len(value)), value
    return decided, verdict


REAL = [
    {"alg": "HS256", "typ": "JWT"},
    {"alg": "RS256", "kid": "2024-05-key", "typ": "JWT"},
    {"typ": "JWT", "alg": "ES384", "x5t": "a-b_c"},
    {"alg": "none"},
    {"alg": "HS256", "crit": ["exp"], "exp": 1715000000, "nested": {"a": [1.5, -2e10, None]}},
    {"alg": "HS256", "name": "Śrī Rāma", "note": 'quote " and \\ and \n'},
]
NO_ALG = [{"typ": "JWT"}, {"a": []}, {"Alg": "HS256"}, {"algo": "x", "alg_": 1}]


@pytest.mark.parametrize(
    ("raw", "verdict"),
    [
        (b'{"alg":1,"\\u0061lg":2}', 0.0),  # a raw `alg` decides, escaped keys or not
        (b'{"\\u0074yp":"JWT","alg":1,"alg":2}', 0.0),
        (b'{"typ":1,"typ":2}', None),
        (b'{"alg\x7f":1,"\xc3\xa5lg":2}', None),
    ],
)
def test_when_keys_repeat_or_are_escaped_then_a_raw_alg_decides(
    raw: bytes, verdict: float | None
) -> None:
    assert _answer(_token(_b64(raw))) == (True, verdict)


@pytest.mark.parametrize("header", REAL + NO_ALG)
@pytest.mark.parametrize("compact", [True, False])
def test_when_a_header_is_plain_json_then_the_screen_decides_as_python(
    header: dict[str, object], compact: bool
) -> None:
    separators = (",", ":") if compact else (" ,\t", " :\r\n")
    text = json.dumps(header, separators=separators, ensure_ascii=compact)
    decided, verdict = _answer(_token(_b64(text.encode())))
    assert decided
    assert verdict == (0.0 if "alg" in header else None)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"\\u0061lg": "HS256"}',  # the key is `alg` once decoded
        b'{"alg": NaN}',
        b'{"alg": Infinity}',
        b'{"alg": 1,}',
        b'{"alg": 01}',
        b'{"alg": "x"} trailing',
        b'{"alg": "tab\there"}',
        b'{"alg": "\\q"}',
        b'{"alg": ' + b"9" * 5000 + b"}",  # over CPython's 4,300 digits
        b'{"alg": ' + b"[" * 40 + b"]" * 40 + b"}",
        b'{"\xed\xa0\x80": 1, "alg": 2}',  # a surrogate: json reads it (surrogatepass)
        b'{"\xff": 1}',
        b'{"alg": "HS256"',
        b'\n{"alg": "HS256"}',  # json skips the newline; not a token's `eyJ` start
    ],
)
def test_when_a_header_is_not_plain_json_then_python_decides(raw: bytes) -> None:
    value = _token(_b64(raw))
    decided, _ = _answer(value)
    assert not decided, raw


def test_when_the_base64_is_broken_then_the_verdict_is_still_pythons() -> None:
    header = _b64(json.dumps({"alg": "HS256"}).encode())
    for cut in range(3, len(header) + 1):
        _answer(_token(header[:cut]))
    assert _answer(_token(header[: 4 * 5 + 1])) == (True, None)  # one past a multiple of 4
    # Outside the token alphabet, or not an object's start: Python's answer.
    for value in ("eyJhbGci+OiJIUzI1NiJ9.x.y", "abcdefghijk.x.y", "eyJhbGciOiJI UzI1NiJ9"):
        assert _answer(value) == (False, None)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["\ud800", "\x7f", "é", "\u2028"]),  # a lone surrogate, DEL, …
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["alg", "typ", "kid", "a\nb", "ålg"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(
    doc=st.dictionaries(st.sampled_from(["alg", "typ", "kid", "x"]), _JSON, max_size=4),
    ascii_only=st.booleans(),
    spaced=st.booleans(),
    cut=st.integers(min_value=0, max_value=6),
)
def test_when_headers_are_generated_then_every_decided_verdict_is_pythons(
    doc: dict[str, object], ascii_only: bool, spaced: bool, cut: int
) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only, separators=(", ", ": ") if spaced else None)
    header = _b64(text.encode("utf-8", "surrogatepass"))
    _answer(_token(header))
    _answer(_token(header[: max(3, len(header) - cut)]))
