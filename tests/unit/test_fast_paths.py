"""Fast paths of the per-finding code against the plain versions they replaced.

The mask, preview and single-span redaction paths avoid per-character Python for speed;
these tests pin them to straightforward per-character specifications (the earlier
implementations), on hand-picked and on random values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from itertools import islice

import pytest

from detectors.builtin import builtin_detectors
from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.normalize import normalize
from detectors.operators import FULLY_MASKED_ENTITIES, SECRET_ENTITIES, mask, preview
from detectors.overlaps import resolve
from detectors.policy import Policy
from detectors.spans import Span

KEYS = KeyRing(fingerprint_key=b"f" * 32, token_key=b"t" * 32)
_ALNUM = re.compile(r"[^\W_]")
_AT_SPLIT = {"EMAIL_ADDRESS", "IN_UPI_ID"}


# ------------------------------------------------------------------ reference versions
def _keep_only(value: str, keep: Callable[[int, int], bool], mask_char: str) -> str:
    """Every letter/digit masked except the k-th of n where ``keep(k, n)``."""
    n = sum(ch.isalnum() for ch in value)
    out, k = [], 0
    for ch in value:
        if ch.isalnum():
            out.append(ch if keep(k, n) else mask_char)
            k += 1
        else:
            out.append(ch)
    return "".join(out)


def _reference_mask(
    value: str,
    entity_type: str,
    keep_prefix: int | None = None,
    keep_suffix: int | None = None,
    mask_char: str = "X",
) -> str:
    card = entity_type == "CREDIT_CARD"  # PCI: last four by default
    prefix = (0 if card else 2) if keep_prefix is None else keep_prefix
    suffix = (4 if card else 2) if keep_suffix is None else keep_suffix
    if entity_type in FULLY_MASKED_ENTITIES or sum(ch.isalnum() for ch in value) <= 4:
        return _keep_only(value, lambda k, n: False, mask_char)
    if entity_type in _AT_SPLIT and "@" in value:
        local, _, domain = value.rpartition("@")
        kept = _keep_only(local, lambda k, n: k < prefix and 2 * prefix < n, mask_char)
        return kept + "@" + domain
    if entity_type == "PERSON":
        out, start = [], True
        for ch in value:
            out.append(mask_char if ch.isalnum() and not start else ch)
            start = not ch.isalnum()
        return "".join(out)
    return _keep_only(
        value,
        lambda k, n: n > 4 and prefix + suffix < n and (k < prefix or k >= n - suffix),
        mask_char,
    )


def _reference_preview(value: str, entity_type: str) -> str:
    if entity_type in SECRET_ENTITIES:
        return preview(value, entity_type)  # only lengths and public prefixes: no fast path
    split = entity_type in _AT_SPLIT and "@" in value
    local, domain = (
        (value.rpartition("@")[0], "@" + value.rpartition("@")[2]) if split else (value, "")
    )
    positions = [m.start() for m in _ALNUM.finditer(local)]
    n = len(positions)
    budget = 0 if entity_type in FULLY_MASKED_ENTITIES else min(4, n // 3)
    if split:
        reveal = positions[: min(budget, 2)]
    elif entity_type == "PERSON":
        starts = (p for p in positions if p == 0 or not local[p - 1].isalnum())
        reveal = list(islice(starts, budget))
    elif entity_type == "CREDIT_CARD":
        reveal = positions[n - budget :] if budget else []
    else:
        head = (budget + 1) // 2
        reveal = positions[:head] + (positions[n - (budget - head) :] if budget - head else [])
    chars = [("X" if ch.isalnum() else ch) for ch in local]
    for p in reveal:
        chars[p] = local[p]
    shown = "".join(chars) + domain
    return shown if len(shown) <= 64 else shown[:63] + "…"


# ------------------------------------------------------------------ cases
ENTITIES = [
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IN_UPI_ID",
    "PERSON",
    "CREDIT_CARD",
    "CVV",
    "IN_PAN",
    "STREET_ADDRESS",
    "MY_CUSTOM_ID",
]
VALUES = [
    "",
    "a",
    "1234",
    "12345",
    "9876543210",
    "+91 98765-43210",
    "ravi.kumar@example.com",
    "ro.xy@ybl",
    "@handle",
    "a@b@c.d",
    "Ravi  Kumar-Singh",
    "  Ravi K ",
    "ABCDE1234F",
    "4111 1111 1111 1111",
    "__x__y__",
    "Zoë Ørsted",
    "١٢٣٤٥٦٧",
    "long " * 30,
    "X\\X\\X\\X\\X\\X",
    "\udc80abc\udc81def",
]
OPTIONS = [
    {},
    {"keep_prefix": 0, "keep_suffix": 4},
    {"keep_prefix": 4, "keep_suffix": 0},
    {"keep_prefix": 3, "keep_suffix": 3},
    {"keep_prefix": 0, "keep_suffix": 0},
    {"mask_char": "*"},
    {"mask_char": "\\"},
    {"mask_char": "•"},
    {"mask_char": "Ж"},
    {"mask_char": "7"},
]


def _random_values(count: int) -> list[str]:
    """ASCII values (the translate path) and values with other letters/digits (regex)."""
    ascii_only = _random(count, "aZ09 -._@+/\\X*7_\t", seed=7)
    return ascii_only + _random(count, "aZ09 -.@X*•éß٣Ⅻ_", seed=8)


def _random(count: int, alphabet: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 3, 5, 8, 12, 20, 70])))
        for _ in range(count)
    ]


@pytest.mark.parametrize("entity_type", ENTITIES)
def test_mask_equals_the_per_character_reference(entity_type: str) -> None:
    for value in VALUES + _random_values(400):
        for options in OPTIONS:
            expected = _reference_mask(value, entity_type, **options)
            assert mask(value, entity_type, **options) == expected, (value, options)


@pytest.mark.parametrize("entity_type", [*ENTITIES, "OTP_CODE", "SECRET", "AWS_ACCESS_KEY"])
def test_preview_equals_the_per_character_reference(entity_type: str) -> None:
    for value in VALUES + _random_values(400):
        assert preview(value, entity_type) == _reference_preview(value, entity_type), value


def test_alnum_pattern_and_isalnum_agree_on_every_code_point() -> None:
    # The fast paths mix the two; they must be the same class of characters.
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert "".join(_ALNUM.findall(chars)) == "".join(ch for ch in chars if ch.isalnum())


# ------------------------------------------------------------------ single-span redaction
SPAN_CASES = [
    ("9876543210", Span("PHONE_NUMBER", 0, 10, 0.9, "phone")),
    ("call 9876543210 now", Span("PHONE_NUMBER", 5, 15, 0.9, "phone")),
    ("mail ravi@example.com", Span("EMAIL_ADDRESS", 5, 21, 0.8, "email")),
    ("Ravi Kumar", Span("PERSON", 0, 10, 0.7, "person")),
    ("10.1.2.3", Span("IP_ADDRESS", 0, 8, 0.9, "ip")),
    ("dob 31/02/1990", Span("DATE_OF_BIRTH", 4, 14, 0.9, "dob")),  # invalid: replaced
    ("x 1234 y", Span("CVV", 2, 6, 0.6, "cvv")),
    ("low score 9876543210", Span("PHONE_NUMBER", 10, 20, 0.1, "phone")),
    ("device abc-123", Span("DEVICE_ID", 7, 14, 0.9, "device")),
]


@pytest.mark.parametrize(("text", "span"), SPAN_CASES)
def test_single_span_redaction_equals_the_general_path(text: str, span: Span) -> None:
    policy = Policy.default()
    # A span below the threshold is filtered out by the general path, so both see one span.
    decoy = Span("PERSON", 0, 1, 0.0, "decoy")
    assert policy.redact_text_with_actions(text, [span], KEYS) == (
        policy.redact_text_with_actions(text, [span, decoy], KEYS)
    )


def test_single_span_outside_its_text_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        Policy.default().redact_text("short", [Span("PHONE_NUMBER", 2, 9, 0.9, "p")], KEYS)


# ------------------------------------------------------------------ allow-list patterns
@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], ["a@example.com", "b@example.com"]),
        ([r"a@example\.com"], ["b@example.com"]),
        ([r"zzz", r"a@example\.com"], ["b@example.com"]),
        ([r"a@example", r"zzz"], ["a@example.com", "b@example.com"]),  # must match whole
    ],
)
def test_allow_patterns_drop_exactly_the_values_one_of_them_fullmatches(
    patterns: list[str], expected: list[str]
) -> None:
    engine = Engine(builtin_detectors(), allow_patterns=tuple(re.compile(p) for p in patterns))
    text = "mail a@example.com or b@example.com"
    assert [text[s.start : s.end] for s in engine.scan_text(text)] == expected


# ------------------------------------------------------------------ overlap resolution
def test_resolving_two_spans_equals_the_general_path() -> None:
    # A third span far to the right sends the same pair through the general path, and
    # cannot interact with it.
    rng = random.Random(5)
    far = Span("PERSON", 100, 110, 0.6, "far")
    for _ in range(5000):
        pair = []
        for _ in range(2):
            start = rng.randint(0, 8)
            end = rng.randint(start + 1, 10)
            score = rng.choice([0.5, 0.7, 0.9])
            pair.append(Span(rng.choice("AB"), start, end, score, rng.choice("xy")))
        assert resolve(pair) == resolve([*pair, far])[:-1], pair


# ------------------------------------------------------------------ normalisation
def test_whitespace_of_str_split_and_regex_agree_on_every_code_point() -> None:
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert re.findall(r"\s", chars) == [ch for ch in chars if ch.isspace()]


@pytest.mark.parametrize("entity_type", ["PERSON", "STREET_ADDRESS"])
def test_name_and_address_normalisation_equals_the_regex_reference(entity_type: str) -> None:
    values = [*_random(500, " \t\n\x0b\x1c\u2003\u00a0aB.ẞİ", seed=9), "  Ravi\t Kumar ", ""]
    for value in values:
        expected = re.sub(r"\s+", " ", value).strip().casefold()
        assert normalize(entity_type, value) == expected, value
