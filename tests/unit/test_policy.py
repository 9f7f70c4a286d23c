"""Policy loading (errors name file, key path and choices) and span redaction."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from detectors.errors import ConfigError, KeyMaterialError
from detectors.keys import KeyRing
from detectors.operators import hash_value
from detectors.policy import DEFAULT_POLICY, Policy
from detectors.spans import Span

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = [
    "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "CVV", "IBAN_CODE", "US_SSN", "IN_AADHAAR",
    "IN_PAN", "IN_PASSPORT", "IN_UPI_ID", "IN_GSTIN", "IN_VOTER", "IN_IFSC", "IP_ADDRESS",
    "MAC_ADDRESS", "DEVICE_ID", "DATE_OF_BIRTH", "PERSON", "STREET_ADDRESS", "OTP_CODE",
    "AWS_ACCESS_KEY", "JWT", "PRIVATE_KEY", "SECRET",
]  # fmt: skip
_rng = random.Random(3)
KEYS = KeyRing(_rng.randbytes(32), _rng.randbytes(32), {"k1": _rng.randbytes(32)}, "k1")
NO_ENC_KEYS = KeyRing(KEYS.fingerprint_key, KEYS.token_key)


def policy(entities: dict | None = None, threshold: float = 0.5) -> Policy:
    return Policy.from_dict(
        {"version": 1, "threshold": threshold, "entities": entities or {}}, "test.yaml"
    )


def span(text: str, value: str, entity: str, score: float = 0.9) -> Span:
    start = text.index(value)
    return Span(entity, start, start + len(value), score, "test")


# --- loading --------------------------------------------------------------------------------


def test_when_repo_policy_loaded_then_equals_packaged_default():
    assert Policy.load(REPO / "conf" / "policy.yaml") == Policy.default()


@pytest.mark.parametrize("entity", VOCABULARY)
def test_when_default_policy_then_every_vocabulary_entity_has_explicit_rule(entity):
    assert entity in DEFAULT_POLICY["entities"]


@pytest.mark.parametrize(
    ("entity", "action"),
    [
        ("SECRET", "replace"), ("JWT", "replace"), ("PRIVATE_KEY", "replace"),
        ("AWS_ACCESS_KEY", "replace"), ("CVV", "replace"), ("OTP_CODE", "replace"),
        ("PERSON", "mask"), ("STREET_ADDRESS", "replace"), ("DATE_OF_BIRTH", "generalize"),
        ("IP_ADDRESS", "generalize"), ("PHONE_NUMBER", "mask"), ("CREDIT_CARD", "mask"),
        ("SOME_CUSTOM_ENTITY", "replace"),
    ],
)  # fmt: skip
def test_when_default_policy_then_sensible_action(entity, action):
    assert Policy.default().action_for(entity) == action


def test_when_default_policy_then_threshold_and_card_options():
    default = Policy.default()
    assert default.threshold == 0.5
    assert default.rule_for("CREDIT_CARD").options() == {"keep_prefix": 0, "keep_suffix": 4}


BAD_POLICIES = [
    pytest.param(
        "version: 1\nentities:\n  PHONE_NUMBER: {action: masked}\n",
        "entities.PHONE_NUMBER.action: expected one of: mask, replace, hash, tokenize, encrypt, "
        "drop, generalize, keep (got 'masked')",
        id="unknown-action",
    ),
    pytest.param(
        "version: 1\nentities:\n  PHONE_NUMBER: {acton: mask}\n",
        "entities.PHONE_NUMBER.acton: unknown key; expected one of: action, keep_prefix, "
        "keep_suffix, mask_char",
        id="unknown-entity-key",
    ),
    pytest.param(
        "version: 1\nthreshhold: 0.5\n",
        "threshhold: unknown key; expected one of: version, threshold, default, entities",
        id="unknown-top-key",
    ),
    pytest.param(
        "version: 1\nthreshold: 1.5\n",
        "threshold: Input should be less than or equal to 1",
        id="threshold-high",
    ),
    pytest.param(
        "version: 1\nthreshold: -0.1\n",
        "threshold: Input should be greater than or equal to 0",
        id="threshold-negative",
    ),
    pytest.param(
        "version: 1\nthreshold: high\n",
        "threshold: Input should be a valid number (got 'high')",
        id="threshold-text",
    ),
    pytest.param("version: 2\n", "version: expected 1", id="version"),
    pytest.param("threshold: 0.5\n", "version: required key is missing", id="version-missing"),
    pytest.param(
        "version: 1\nentities:\n  phone_number: {action: mask}\n",
        "entities.phone_number: entity names are UPPER_SNAKE_CASE",
        id="lowercase-entity",
    ),
    pytest.param(
        "version: 1\nentities:\n  CVV: {action: replace, keep_prefix: 1}\n",
        "entities.CVV: keep_prefix only apply to action mask",
        id="mask-option-without-mask",
    ),
    pytest.param(
        "version: 1\nentities:\n  PERSON: {action: mask, mask_char: '**'}\n",
        "entities.PERSON.mask_char: String should have at most 1 character",
        id="mask-char-long",
    ),
    pytest.param(
        "version: 1\nentities:\n  PERSON: {action: mask, keep_prefix: -1}\n",
        "entities.PERSON.keep_prefix: Input should be greater than or equal to 0",
        id="keep-negative",
    ),
    pytest.param(
        "version: 1\ndefault: {action: nothing}\n",
        "default.action: expected one of: mask, replace",
        id="default-action",
    ),
    pytest.param(
        "version: 1\nentities: [PHONE_NUMBER]\n",
        "entities: Input should be a valid dictionary",
        id="entities-list",
    ),
    pytest.param(
        "- version\n", "expected a mapping with keys version, threshold", id="not-mapping"
    ),
    pytest.param(
        "version: 1\nentities: {PHONE_NUMBER: {action: mask}\n",
        "not valid YAML at line",
        id="yaml-syntax",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_POLICIES)
def test_when_policy_file_is_bad_then_config_error_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        Policy.load(path)
    assert f"{path}: " in str(info.value)
    assert message in str(info.value)
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_when_several_problems_then_each_is_reported(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\nthreshold: 7\nentities:\n  CVV: {action: nope}\n")
    with pytest.raises(ConfigError) as info:
        Policy.load(path)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["threshold", "entities.CVV.action"]


def test_when_policy_file_missing_then_config_error_names_file(tmp_path):
    with pytest.raises(ConfigError, match=r"absent\.yaml: cannot read policy file"):
        Policy.load(tmp_path / "absent.yaml")


def test_when_custom_upper_snake_entity_then_allowed():
    p = policy({"EMPLOYEE_ID": {"action": "hash"}})
    assert p.action_for("EMPLOYEE_ID") == "hash"
    assert p.action_for("UNLISTED") == "replace"


def test_when_pickled_then_policy_survives():
    p = Policy.default()
    assert pickle.loads(pickle.dumps(p)) == p


# --- redaction ------------------------------------------------------------------------------


def test_when_spans_given_unsorted_then_all_redacted_per_entity():
    text = "call 9876543210 or mail john.doe@gmail.com from 192.168.1.77"
    spans = [
        span(text, "192.168.1.77", "IP_ADDRESS"),
        span(text, "9876543210", "PHONE_NUMBER"),
        span(text, "john.doe@gmail.com", "EMAIL_ADDRESS"),
    ]
    assert Policy.default().redact_text(text, spans, KEYS) == (
        "call 98XXXXXX10 or mail joXX.XXX@gmail.com from 192.168.1.0/24"
    )


def test_when_span_below_threshold_then_left_alone():
    text = "order 123456 ref 9876543210"
    spans = [span(text, "123456", "OTP_CODE", 0.49), span(text, "9876543210", "PHONE_NUMBER")]
    out, applied = Policy.default().redact_text_with_actions(text, spans, KEYS)
    assert out == "order 123456 ref 98XXXXXX10"
    assert [(s.entity_type, a) for s, a in applied] == [("PHONE_NUMBER", "mask")]


@pytest.mark.parametrize(
    ("entities", "value", "entity", "expected", "action"),
    [
        (
            {"OTP_CODE": {"action": "tokenize"}},
            "12345",
            "OTP_CODE",
            "[REDACTED:OTP_CODE]",
            "replace",
        ),
        ({}, "12 MG Road, Bengaluru", "STREET_ADDRESS", "[REDACTED:STREET_ADDRESS]", "replace"),
        (
            {"STREET_ADDRESS": {"action": "generalize"}},
            "12 MG Road, Bengaluru",
            "STREET_ADDRESS",
            "[REDACTED:STREET_ADDRESS]",
            "replace",
        ),
        (
            {"STREET_ADDRESS": {"action": "generalize"}},
            "12 MG Road 560001",
            "STREET_ADDRESS",
            "PIN 560XXX",
            "generalize",
        ),
        (
            {"PERSON": {"action": "generalize"}},
            "John Smith",
            "PERSON",
            "[REDACTED:PERSON]",
            "replace",
        ),
        ({"IN_IFSC": {"action": "keep"}}, "SBIN0001234", "IN_IFSC", "SBIN0001234", "keep"),
        ({"PHONE_NUMBER": {"action": "drop"}}, "9876543210", "PHONE_NUMBER", "", "drop"),
        (
            {"DEVICE_ID": {"action": "hash"}},
            "dev-8f14e45f",
            "DEVICE_ID",
            hash_value("dev-8f14e45f", "DEVICE_ID", KEYS),
            "hash",
        ),
        (
            {"PHONE_NUMBER": {"action": "mask", "mask_char": "#", "keep_prefix": 0}},
            "9876543210",
            "PHONE_NUMBER",
            "########10",
            "mask",
        ),
    ],
)
def test_when_operator_applies_or_not_then_result_and_effective_action(
    entities, value, entity, expected, action
):
    text = f"<{value}>"
    out, applied = policy(entities).redact_text_with_actions(
        text, [span(text, value, entity)], KEYS
    )
    assert out == f"<{expected}>"
    assert [a for _, a in applied] == [action]


def test_when_spans_overlap_then_union_replaced_as_top_entity():
    text = "id 9876543210123 end"
    spans = [
        Span("PHONE_NUMBER", 3, 13, 0.7, "phone"),
        Span("CREDIT_CARD", 6, 16, 0.9, "card"),
    ]
    out, applied = Policy.default().redact_text_with_actions(text, spans, KEYS)
    assert out == "id [REDACTED:CREDIT_CARD] end"
    assert [a for _, a in applied] == ["replace", "replace"]


def test_when_text_has_astral_characters_then_code_point_offsets_hold():
    text = "😀 ph 9876543210 ✓"
    assert Policy.default().redact_text(text, [span(text, "9876543210", "PHONE_NUMBER")], KEYS) == (
        "😀 ph 98XXXXXX10 ✓"
    )


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (8, 4), (0, 99)])
def test_when_span_out_of_bounds_then_value_error_without_text(start, end):
    text = "secret 9876543210"
    with pytest.raises(ValueError, match="does not fit") as info:
        Policy.default().redact_text(text, [Span("PHONE_NUMBER", start, end, 0.9, "t")], KEYS)
    assert "9876543210" not in str(info.value)


def test_when_no_spans_then_text_unchanged():
    assert Policy.default().redact_text("nothing here", [], KEYS) == "nothing here"


@pytest.mark.parametrize(
    ("value", "value_span", "expected"),
    [
        ("9876543210", "9876543210", None),
        ("  9876543210 ", "9876543210", None),
        ("tel 9876543210", "9876543210", "tel "),
    ],
)
def test_when_drop_covers_field_then_null_else_removed(value, value_span, expected):
    p = policy({"PHONE_NUMBER": {"action": "drop"}})
    assert p.redact_value(value, [span(value, value_span, "PHONE_NUMBER")], KEYS) == expected


def test_when_drop_span_below_threshold_then_value_kept():
    p = policy({"PHONE_NUMBER": {"action": "drop"}})
    value = "9876543210"
    assert p.redact_value(value, [span(value, value, "PHONE_NUMBER", 0.1)], KEYS) == value


def test_when_field_value_masked_then_string_returned():
    value = "9876543210"
    out = Policy.default().redact_value(value, [span(value, value, "PHONE_NUMBER")], KEYS)
    assert out == "98XXXXXX10"


def test_when_policy_encrypts_without_keys_then_check_and_redaction_fail_loudly():
    p = policy({"PHONE_NUMBER": {"action": "encrypt"}})
    with pytest.raises(KeyMaterialError, match="PIISWEEP_ENCRYPTION_KEYS"):
        p.check_keys(NO_ENC_KEYS)
    with pytest.raises(KeyMaterialError):
        p.redact_text("9876543210", [Span("PHONE_NUMBER", 0, 10, 0.9, "t")], NO_ENC_KEYS)
    p.check_keys(KEYS)
    Policy.default().check_keys(NO_ENC_KEYS)


def test_when_encrypted_by_policy_then_no_raw_value_in_output():
    p = policy({"PHONE_NUMBER": {"action": "encrypt"}, "PERSON": {"action": "tokenize"}})
    text = "Ravi Kumar 9876543210"
    spans = [span(text, "Ravi Kumar", "PERSON"), span(text, "9876543210", "PHONE_NUMBER")]
    out = p.redact_text(text, spans, KEYS)
    assert "9876543210" not in out and "Ravi" not in out and "Kumar" not in out
    assert out.split(" ", 2)[2].startswith("ENC[v1:k1:")
