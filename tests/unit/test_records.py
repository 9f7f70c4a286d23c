"""Record-level rules (detectors/records.py), the iscp preset, the new operator options,
and malformed JSON: repaired when the repair is unambiguous, else redacted as text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from detectors.engine import Engine
from detectors.errors import ConfigError
from detectors.jsonrepair import Unrepairable, repair_json
from detectors.keys import KeyRing
from detectors.operators import apply_action, mask, replace
from detectors.policy import Policy
from detectors.recordrules import RecordRules
from detectors.records import (
    process_json_text,
    process_record,
    process_row,
    redact_record_with_rules,
    scan_fields,
)
from detectors.spans import Span
from detectors.structured import redact_record, scan_record

REPO = Path(__file__).resolve().parents[2]
ISCP = REPO / "conf" / "policies" / "iscp.yaml"
_rng = random.Random(11)
KEYS = KeyRing(_rng.randbytes(32), _rng.randbytes(32))


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.fixture(scope="module")
def iscp() -> Policy:
    return Policy.load(ISCP)


def run(engine: Engine, policy: Policy, text: str):
    return process_json_text(engine, text, policy, KEYS)


# --- operator options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "entity", "options", "expected"),
    [
        ("john@gmail.com", "EMAIL_ADDRESS", {"keep_prefix": 2, "mask_length": 3},
         "joXXX@gmail.com"),
        ("john.doe@gmail.com", "EMAIL_ADDRESS", {"mask_length": 3}, "joXXX@gmail.com"),
        ("jo@gmail.com", "EMAIL_ADDRESS", {"mask_length": 3}, "XXX@gmail.com"),
        ("9876543210", "PHONE_NUMBER", {"mask_length": 4}, "98XXXX10"),
        ("John Smith", "PERSON", {"mask_length": 3}, "JXXX SXXX"),
        ("4111111111111111", "CREDIT_CARD", {"mask_length": 6}, "XXXXXX1111"),
        ("123", "CVV", {"mask_length": 4}, "XXXX"),
        ("John", "PERSON", {"keep_prefix": 1, "per_word": True}, "JXXX"),
        ("John Smith", "PERSON", {"keep_prefix": 1, "per_word": True}, "JXXX SXXXX"),
        ("Ravi K. Rao", "PERSON", {"keep_prefix": 1, "per_word": True}, "RXXX K. RXX"),
        ("John Smith", "PERSON", {"keep_prefix": 1, "per_word": True, "mask_length": 2}, "JXX SXX"),
        ("John", "PERSON", {}, "XXXX"),  # the default is unchanged: short values fully masked
        ("John Smith", "PERSON", {}, "JXXX SXXXX"),
        ("john@gmail.com", "EMAIL_ADDRESS", {}, "XXXX@gmail.com"),  # 2 of 4 would be half
        ("johnny@gmail.com", "EMAIL_ADDRESS", {}, "joXXXX@gmail.com"),
    ],
)  # fmt: skip
def test_when_mask_options_given_then_masked_in_that_style(value, entity, options, expected):
    assert mask(value, entity, **options) == expected
    assert apply_action("mask", value, entity, KEYS, options) == expected


def test_when_replace_text_given_then_fixed_text_else_entity_label():
    assert replace("x", "IN_AADHAAR", "[REDACTED_PII]") == "[REDACTED_PII]"
    assert replace("x", "IN_AADHAAR") == "[REDACTED:IN_AADHAAR]"
    assert apply_action("replace", "x", "CVV", KEYS, {"text": "[REDACTED_PII]"}) == "[REDACTED_PII]"


@pytest.mark.parametrize(
    ("action", "options"),
    [("mask", {"text": "x"}), ("hash", {"text": "x"}), ("replace", {"per_word": True})],
)
def test_when_option_belongs_to_another_action_then_config_error(action, options):
    with pytest.raises(ConfigError, match="not valid for action"):
        apply_action(action, "9876543210", "PHONE_NUMBER", KEYS, options)


def test_when_mask_length_below_one_then_operator_error():
    from detectors.errors import OperatorError

    with pytest.raises(OperatorError, match="mask_length"):
        mask("9876543210", "PHONE_NUMBER", mask_length=0)


def test_when_operator_cannot_apply_then_fallback_uses_policy_replace_text():
    policy = Policy.from_dict(
        {
            "version": 1,
            "default": {"action": "replace", "text": "[REDACTED_PII]"},
            "entities": {"IP_ADDRESS": {"action": "generalize"}},
        }
    )
    assert policy.replacement("not an ip", "IP_ADDRESS", KEYS) == ("[REDACTED_PII]", "replace")
    text = "abcdef"
    spans = [Span("PHONE_NUMBER", 0, 4, 0.9, "t"), Span("EMAIL_ADDRESS", 2, 6, 0.8, "t")]
    assert policy.redact_text(text, spans, KEYS) == "[REDACTED_PII]"
    # a policy without text keeps the old labels
    assert Policy.default().replacement("x", "CVV", KEYS) == ("[REDACTED:CVV]", "replace")


# --- policy validation ----------------------------------------------------------------------

BAD = [
    pytest.param(
        "entities:\n  EMAIL_ADDRESS: {action: replace, mask_length: 3}\n",
        "entities.EMAIL_ADDRESS: mask_length only apply to action mask",
        id="mask-length-without-mask",
    ),
    pytest.param(
        "entities:\n  EMAIL_ADDRESS: {action: mask, text: X}\n",
        "entities.EMAIL_ADDRESS: text only applies to action replace",
        id="text-without-replace",
    ),
    pytest.param(
        "entities:\n  PERSON: {action: mask, per_word: maybe}\n",
        "entities.PERSON.per_word: Input should be a valid boolean",
        id="per-word-not-bool",
    ),
    pytest.param(
        "entities:\n  PERSON: {action: mask, mask_length: 0}\n",
        "entities.PERSON.mask_length: Input should be greater than or equal to 1",
        id="mask-length-zero",
    ),
    pytest.param(
        "default: {action: replace, text: ''}\n",
        "default.text: String should have at least 1 character",
        id="text-empty",
    ),
    pytest.param(
        "records: {standalon: [PHONE_NUMBER]}\n",
        "records.standalon: unknown key; expected one of: standalone, combinatorial, min_kinds",
        id="records-unknown-key",
    ),
    pytest.param(
        "records: {combinatorial: [{name: email, entities: [EMAIL_ADDRESS], requires: any}]}\n",
        "records.combinatorial.0.requires: unknown key; expected one of: name, entities, parts, "
        "require",
        id="kind-unknown-key",
    ),
    pytest.param(
        "records: {fields: [{key: [aadhar], entity: IN_AADHAAR}]}\n",
        "records.fields.0.key: unknown key; expected one of: keys, entity, pattern, score",
        id="field-rule-unknown-key",
    ),
    pytest.param(
        "records: {fields: [{keys: [aadhar], entity: IN_AADHAAR, pattern: '(\\d'}]}\n",
        "records.fields.0.pattern: not a valid regular expression",
        id="field-rule-bad-regex",
    ),
    pytest.param(
        "records: {fields: [{keys: ['**'], entity: IN_AADHAAR}]}\n",
        "records.fields.0.keys: '**' is not a field name",
        id="field-rule-bad-key",
    ),
    pytest.param(
        "records: {fields: [{keys: [aadhar], entity: aadhaar}]}\n",
        "records.fields.0.entity: entity names are UPPER_SNAKE_CASE",
        id="field-rule-lowercase-entity",
    ),
    pytest.param(
        "records:\n  standalone: [EMAIL_ADDRESS]\n"
        "  combinatorial: [{name: email, entities: [EMAIL_ADDRESS]}]\n  min_kinds: 1\n",
        "records: EMAIL_ADDRESS is in standalone and in combinatorial kind 'email'",
        id="entity-twice",
    ),
    pytest.param(
        "records:\n  combinatorial: [{name: email, entities: [EMAIL_ADDRESS]}]\n",
        "records: min_kinds is 2 but only 1 combinatorial kinds are defined",
        id="min-kinds-unreachable",
    ),
    pytest.param(
        "records:\n  combinatorial:\n    - {name: a, entities: [EMAIL_ADDRESS]}\n"
        "    - {name: a, entities: [PERSON]}\n",
        "records: combinatorial: kind 'a' is listed twice",
        id="kind-twice",
    ),
    pytest.param(
        "records:\n  combinatorial:\n    - {name: a, entities: [EMAIL_ADDRESS], require: all}\n"
        "    - {name: b, entities: [PERSON]}\n",
        "records.combinatorial.0.require: Input should be 'any', 'full_name', 'full_address' or "
        "'user_context'",
        id="bad-require",
    ),
    pytest.param(
        "records: {other_entities: drop}\n",
        "records.other_entities: Input should be 'standalone', 'redact' or 'keep'",
        id="bad-other-entities",
    ),
    pytest.param(
        "records: {min_kinds: 0}\n",
        "records.min_kinds: Input should be greater than or equal to 1",
        id="min-kinds-zero",
    ),
    pytest.param(
        "records: {combinatorial: [{name: Email, entities: [EMAIL_ADDRESS]}], min_kinds: 1}\n",
        "records.combinatorial.0.name: names are lower_snake_case, e.g. full_name (got 'Email')",
        id="kind-name-case",
    ),
    pytest.param("records: [PHONE_NUMBER]\n", "records: Input should be", id="records-list"),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_when_new_policy_keys_are_wrong_then_config_error_names_key(tmp_path, body, message):
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\n" + body)
    with pytest.raises(ConfigError) as info:
        Policy.load(path)
    assert f"{path}: " in str(info.value)
    assert message in str(info.value)


def test_when_policy_has_no_records_then_redaction_is_as_before(engine):
    policy = Policy.default()
    assert policy.records is None
    record = {
        "email": "asha.rao@gmail.com",
        "first_name": "Priya",
        "order_id": 9876543210,
        "notes": ["call 9876543210", {"upi": "asha@okaxis"}],
        "asha.rao@gmail.com": {"n": 1},
    }
    redacted, is_pii = redact_record_with_rules(engine, record, policy, KEYS)
    assert redacted == redact_record(engine, record, policy, KEYS)
    assert is_pii
    clean, is_pii = redact_record_with_rules(engine, {"status": "ok", "n": 3}, policy, KEYS)
    assert clean == {"status": "ok", "n": 3} and not is_pii


def test_when_rule_keys_are_camel_or_dashed_then_normalised_like_field_names():
    rules = RecordRules.model_validate(
        {"fields": [{"keys": ["aadharNo", "Passport-Number", "*Phone"], "entity": "X"}]}
    )
    assert rules.fields[0].keys == ["aadhar_no", "passport_number", "*phone"]


def test_when_iscp_preset_loaded_then_valid_and_pickles():
    import pickle

    policy = Policy.load(ISCP)
    assert policy.records is not None and policy.records.standalone
    again = pickle.loads(pickle.dumps(policy))
    assert again.records == policy.records


# --- the iscp rules, one case per rule ------------------------------------------------------

# (input record, expected redacted record, is_pii)
ISCP_CASES = [
    # standalone PII: one is enough
    pytest.param({"phone": "9876543210", "order_value": 1299},
                 {"phone": "98XXXXXX10", "order_value": 1299}, True, id="phone"),
    pytest.param({"contact": "+91 98765 43210"}, {"contact": "+91 XXXXX XXX10"}, True,
                 id="phone-with-prefix"),
    pytest.param({"phone": "1234567890"}, {"phone": "12XXXXXX90"}, True,
                 id="phone-by-key-without-mobile-prefix"),
    pytest.param({"aadhar": "1234 5678 9012"}, {"aadhar": "[REDACTED_PII]"}, True,
                 id="aadhaar-by-key-without-checksum"),
    pytest.param({"aadhaar_number": 123456789012}, {"aadhaar_number": "[REDACTED_PII]"}, True,
                 id="aadhaar-as-json-number"),
    pytest.param({"passport": "P1234567"}, {"passport": "[REDACTED_PII]"}, True, id="passport"),
    pytest.param({"upi_id": "user@upi"}, {"upi_id": "[REDACTED_PII]"}, True, id="upi-handle"),
    pytest.param({"upi_id": "9876543210@ybl"}, {"upi_id": "[REDACTED_PII]"}, True,
                 id="upi-phone-handle"),
    pytest.param({"message": "reach me at 9876543210 after 6"},
                 {"message": "reach me at 98XXXXXX10 after 6"}, True, id="phone-in-text"),
    # combinatorial PII: two kinds in one record
    pytest.param({"name": "John Smith", "email": "john@gmail.com"},
                 {"name": "JXXX SXXXX", "email": "joXXX@gmail.com"}, True, id="name-email"),
    pytest.param({"first_name": "John", "last_name": "Smith", "email": "john.smith@gmail.com"},
                 {"first_name": "JXXX", "last_name": "SXXXX", "email": "joXXX@gmail.com"}, True,
                 id="first-last-email"),
    pytest.param({"name": "Priya Sharma", "address": "12 MG Road, Bengaluru 560001"},
                 {"name": "PXXXX SXXXXX", "address": "[REDACTED_PII]"}, True,
                 id="name-address-in-one-value"),
    pytest.param({"email": "priya@gmail.com", "address": "12 MG Road", "city": "Bengaluru",
                  "state": "Karnataka", "pin_code": "560001"},
                 {"email": "prXXX@gmail.com", "address": "[REDACTED_PII]",
                  "city": "[REDACTED_PII]", "state": "Karnataka", "pin_code": "[REDACTED_PII]"},
                 True, id="email-address-in-fields"),
    pytest.param({"name": "Rahul Verma", "device_id": "D1234567890"},
                 {"name": "RXXXX VXXXX", "device_id": "[REDACTED_PII]"}, True,
                 id="name-device"),
    pytest.param({"email": "rahul@gmail.com", "ip_address": "192.168.1.1", "user_id": "U77"},
                 {"email": "raXXX@gmail.com", "ip_address": "[REDACTED_PII]", "user_id": "U77"},
                 True, id="email-ip"),
    pytest.param({"customer": {"name": "Rahul Kumar", "emails": ["rahul.k@gmail.com"]}},
                 {"customer": {"name": "RXXXX KXXXX", "emails": ["raXXX@gmail.com"]}}, True,
                 id="nested-object-and-list"),
    # not PII
    pytest.param({"first_name": "John"}, {"first_name": "John"}, False, id="first-name-alone"),
    pytest.param({"last_name": "Smith", "order_id": 7}, {"last_name": "Smith", "order_id": 7},
                 False, id="last-name-alone"),
    pytest.param({"first_name": "John", "email": "john@gmail.com"},
                 {"first_name": "John", "email": "john@gmail.com"}, False,
                 id="first-name-and-email"),
    pytest.param({"email": "john.doe@gmail.com"}, {"email": "john.doe@gmail.com"}, False,
                 id="email-alone"),
    pytest.param({"name": "John Smith", "order_id": "ORD12345"},
                 {"name": "John Smith", "order_id": "ORD12345"}, False, id="full-name-alone"),
    pytest.param({"city": "Mumbai"}, {"city": "Mumbai"}, False, id="city-alone"),
    pytest.param({"state": "Maharashtra"}, {"state": "Maharashtra"}, False, id="state-alone"),
    pytest.param({"pin_code": "400001"}, {"pin_code": "400001"}, False, id="pin-alone"),
    pytest.param({"city": "Mumbai", "pin_code": "400001", "email": "a.b@gmail.com"},
                 {"city": "Mumbai", "pin_code": "400001", "email": "a.b@gmail.com"}, False,
                 id="city-pin-email-no-street"),
    pytest.param({"address": "12 MG Road, Bengaluru 560001"},
                 {"address": "12 MG Road, Bengaluru 560001"}, False, id="address-alone"),
    pytest.param({"address": "12 MG Road", "email": "priya@gmail.com"},
                 {"address": "12 MG Road", "email": "priya@gmail.com"}, False,
                 id="street-without-city-and-pin-is-no-address"),
    pytest.param({"transaction_id": "TXN9876543210", "order_id": 9876543210,
                  "txn_id": "9123456780"},
                 {"transaction_id": "TXN9876543210", "order_id": 9876543210,
                  "txn_id": "9123456780"}, False, id="ids-shaped-like-phones"),
    pytest.param({"product_description": "Wireless Mouse", "order_id": "ORD123456"},
                 {"product_description": "Wireless Mouse", "order_id": "ORD123456"}, False,
                 id="product-description"),
    pytest.param({"device_id": "D1234567890", "ip_address": "192.168.1.1"},
                 {"device_id": "D1234567890", "ip_address": "192.168.1.1"}, False,
                 id="device-and-ip-without-user"),
    pytest.param({"device_id": "D1234567890", "user_id": "U77"},
                 {"device_id": "D1234567890", "user_id": "U77"}, False,
                 id="device-with-user-is-one-item"),
    # a standalone value does not drag a single combinatorial item along
    pytest.param({"phone": "9876543210", "email": "asha@gmail.com"},
                 {"phone": "98XXXXXX10", "email": "asha@gmail.com"}, True,
                 id="phone-and-single-email"),
    # what the rules do not cover is still redacted, without making the record PII
    pytest.param({"card": "4111 1111 1111 1111", "order_id": 5},
                 {"card": "[REDACTED_PII]", "order_id": 5}, False, id="other-entity"),
]  # fmt: skip


@pytest.mark.parametrize(("record", "expected", "is_pii"), ISCP_CASES)
def test_iscp_rules(engine, iscp, record, expected, is_pii):
    result = run(engine, iscp, json.dumps(record))
    assert result.status == "ok"
    assert result.record == expected
    assert result.is_pii is is_pii
    assert result.json() == json.dumps(expected, ensure_ascii=False)


def test_when_record_is_pii_then_reasons_name_rules_not_values(engine, iscp):
    result = run(
        engine, iscp, '{"name": "John Smith", "email": "john@gmail.com", "phone": 9876543210}'
    )
    assert result.reasons == ("standalone:PHONE_NUMBER", "combination:email+full_name")
    assert "John" not in repr(result.reasons)


def test_when_values_left_by_rules_then_findings_say_keep(engine, iscp):
    result = run(engine, iscp, '{"email": "john@gmail.com", "phone": "9876543210"}')
    actions = {(f.field_path, f.span.entity_type): f.action for f in result.findings}
    assert actions == {("$.email", "EMAIL_ADDRESS"): "keep", ("$.phone", "PHONE_NUMBER"): "mask"}


def test_when_key_holds_pii_then_key_redacted_with_path_as_scan_record(engine, iscp):
    record = {"9876543210": {"status": "ok"}}
    result = process_record(engine, record, iscp, KEYS)
    assert result.is_pii and result.record == {"98XXXXXX10": {"status": "ok"}}
    assert [f.field_path for f in result.findings] == [p for p, _, _ in scan_record(engine, record)]


# --- judge() on scan_record output ----------------------------------------------------------


def test_when_judge_given_scan_record_output_then_verdict_indexes_its_spans(engine, iscp):
    rules = iscp.records
    record = {"name": "John Smith", "email": "john@gmail.com", "city": "Pune"}
    fields = scan_record(engine, record)
    verdict = rules.judge(fields)
    assert verdict.is_pii
    assert verdict.keep == verdict.redact == {(0, 0), (1, 0)}
    assert [s.entity_type for s in verdict.to_redact(0)] == ["PERSON"]
    # scan() adds the fields the rules read although the engine found nothing there
    assert [p for p, _, _ in scan_fields(rules, engine, record)] == ["$.name", "$.email", "$.city"]
    alone = rules.judge(scan_record(engine, {"email": "john@gmail.com"}))
    assert not alone.is_pii and not alone.redact


def test_when_no_records_section_then_every_span_is_pii():
    verdict = RecordRules().judge([("$.email", "a@b.co", [Span("EMAIL_ADDRESS", 0, 6, 1.0, "t")])])
    assert verdict.is_pii and verdict.redact == {(0, 0)}
    assert verdict.reasons == ("other:EMAIL_ADDRESS",)


def test_when_combinatorial_redaction_when_pii_then_single_items_go_with_standalone(engine):
    data = json.loads(json.dumps(Policy.load(ISCP).model.model_dump()))
    data["records"]["combinatorial_redaction"] = "when_pii"
    strict = Policy.from_dict(data)
    result = run(engine, strict, '{"phone": "9876543210", "email": "asha@gmail.com"}')
    assert result.record == {"phone": "98XXXXXX10", "email": "asXXX@gmail.com"}


def test_when_line_has_no_rule_key_then_might_match_is_false(iscp):
    rules = iscp.records
    assert rules.might_match('{"aadharNo": "1"}') and rules.might_match("Passport_Number=")
    assert not rules.might_match('{"status": "ok", "n": 3}')
    assert not RecordRules().might_match("aadhar")


def test_when_row_spans_given_then_same_result_without_rescanning(engine, iscp):
    names = ["name", "email", "aadhar", "city"]
    values = ["John Smith", "john@gmail.com", "1234 5678 9012", None]
    column_wise = [[], [], [], []]
    for col, name in enumerate(names):
        for _, found in engine.scan_values([values[col]], field=name):
            column_wise[col] = found
    given = process_row(engine, names, values, iscp, KEYS, spans=column_wise)
    assert given == process_row(engine, names, values, iscp, KEYS)
    assert given.record == ["JXXX SXXXX", "joXXX@gmail.com", "[REDACTED_PII]", None]
    with pytest.raises(ValueError, match="one list per cell"):
        process_row(engine, names, values, iscp, KEYS, spans=[[]])


def test_when_lines_tested_as_arrow_then_key_pattern_agrees_with_might_match(iscp):
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = ['{"aadharNo": 1}', '{"status": "ok"}', "Passport-Number=X", "upi_id: a@b", "n=1"]
    mask = pc.match_substring_regex(pa.array(lines), iscp.records.key_pattern, ignore_case=True)
    assert mask.to_pylist() == [iscp.records.might_match(line) for line in lines]
    assert mask.to_pylist() == [True, False, True, True, False]
    assert RecordRules().key_pattern is None


def test_when_json_is_a_scalar_or_array_then_scanned_as_a_record(engine, iscp):
    assert run(engine, iscp, "9876543210").record == "98XXXXXX10"
    result = run(engine, iscp, '[{"name": "John Smith"}, {"email": "john@gmail.com"}]')
    assert result.is_pii and result.record == [{"name": "JXXX SXXXX"}, {"email": "joXXX@gmail.com"}]


def test_when_csv_row_judged_then_cells_redacted_and_paths_are_columns(engine, iscp):
    names = ["record_id", "Full Name", "email", "note"]
    result = process_row(engine, names, ["7", "John Smith", "john@gmail.com", None], iscp, KEYS)
    assert result.record == ["7", "JXXX SXXXX", "joXXX@gmail.com", None]
    assert result.is_pii
    assert {f.field_path for f in result.findings} == {"Full Name", "email"}


# --- malformed JSON -------------------------------------------------------------------------

REPAIRS = [
    ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}, ("trailing_comma",)),
    ("{'a': 'x', 'b': 'it\\'s'}", {"a": "x", "b": "it's"}, ("single_quotes",)),
    ('{a: 1, b_c: "x"}', {"a": 1, "b_c": "x"}, ("unquoted_keys",)),
    ('{"a": True, "b": None, "c": False}', {"a": True, "b": None, "c": False},
     ("python_literals",)),
    ('{"a": {"b": [1, 2', {"a": {"b": [1, 2]}}, ("missing_closing_bracket",)),
    ('{"a": 1', {"a": 1}, ("missing_closing_bracket",)),
    ("{'a': True,", None, None),  # truncated after a comma: ambiguous
    ('{"a": 1}', {"a": 1}, ()),
    ('{"a": "two\nlines"}', {"a": "two\nlines"}, ("control_characters",)),
    ("{'a': 'two\nlines',}", {"a": "two\nlines"}, ("control_characters", "single_quotes",
                                                    "trailing_comma")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "repairs"), REPAIRS)
def test_when_json_has_one_obvious_fix_then_repaired(text, value, repairs):
    if value is None:
        with pytest.raises(Unrepairable):
            repair_json(text)
        return
    assert repair_json(text) == (value, repairs)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "unterminated}',
        "{\"a\": 1, 'b': 2}",  # mixed quotes
        '{"a": hello}',  # unquoted value
        '{"a": 1}}',  # text after the value
        '{"a": 1} {"b": 2}',
        '{"a" 1}',  # missing colon
        '{"a": }',
        '{"a": 1 "b": 2}',
        '{"a": NaN}',
        "",
        "   ",
        "[1, 2}",
    ],
)
def test_when_json_repair_is_ambiguous_then_unrepairable(text):
    with pytest.raises(Unrepairable):
        repair_json(text)


MALFORMED = [
    # (data_json, status, is_pii, raw values that must not survive)
    pytest.param('{"name": "John Smith", "phone": "9876543210",}', "repaired", True,
                 ["9876543210"], id="trailing-comma"),
    pytest.param("{'phone': '9876543210', 'email': 'john@gmail.com'}", "repaired", True,
                 ["9876543210"], id="single-quotes"),
    pytest.param('{name: "John Smith", email: "john@gmail.com"}', "repaired", True,
                 ["John Smith", "john@gmail.com"], id="unquoted-keys"),
    pytest.param('{"aadhar": "1234 5678 9012", "vip": True}', "repaired", True,
                 ["1234 5678 9012"], id="python-literal"),
    pytest.param('{"name": "John Smith", "phone": "9876543210"', "repaired", True,
                 ["9876543210"], id="missing-brace"),
    pytest.param('{"name": "John Smith", \'phone\': "9876543210"}', "unparsed", True,
                 ["9876543210", "John Smith"], id="mixed-quotes"),
    pytest.param('{"aadhar": "1234 5678 9012", "x": }', "unparsed", True,
                 ["1234 5678 9012"], id="missing-value"),
    pytest.param('{"acct" 123456789012345, "n": 1}', "unparsed", False,
                 ["123456789012345"], id="digit-run"),
    pytest.param('{"email": "john@gmail.com" "name": "Jo', "unparsed", False,
                 ["john@gmail.com"], id="truncated-string"),
    pytest.param("phone 9876543210 then garbage", "unparsed", True, ["9876543210"],
                 id="not-json"),
    pytest.param("", "unparsed", False, [], id="empty"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "status", "is_pii", "secrets"), MALFORMED)
def test_when_record_malformed_then_repaired_or_redacted_never_raw(
    engine, iscp, text, status, is_pii, secrets
):
    result = run(engine, iscp, text)
    assert result.status == status
    assert result.is_pii is is_pii
    out = result.json()
    json.loads(out)  # always valid JSON
    for secret in secrets:
        assert secret not in out
    if status == "unparsed":
        assert set(result.record) == {"_unparsed"}
        assert result.line == result.record["_unparsed"]  # unwrapped, for line copies
        assert all(f.field_path is None for f in result.findings)
    else:
        assert result.line == out


# --- the per-line contract a scan relies on ----------------------------------------------------


def test_when_line_has_no_span_and_no_rule_key_then_processing_it_changes_nothing(engine, iscp):
    """A scan may skip the record pass for a line where the engine found nothing and
    ``might_match`` is False: such a line is never PII and comes out unchanged."""
    lines = [json.dumps(p.values[0]) for p in ISCP_CASES] + [p.values[0] for p in MALFORMED]
    lines += ['{"status": "ok", "n": 3}', '{"items": [1, 2], "note": "fine"}']
    skipped = 0
    for line in lines:
        if engine.scan_text(line) or iscp.records.might_match(line):
            continue
        skipped += 1
        result = run(engine, iscp, line)
        assert not result.is_pii and not result.findings
        if result.status == "ok":
            assert result.line == json.dumps(json.loads(line), ensure_ascii=False)
    assert skipped >= 3


def test_when_findings_built_from_a_result_then_contract_rows_without_raw_values(engine, iscp):
    from jobs.findings import finding

    line = '{"name": "John Smith", "email": "john@gmail.com", "aadhar": "1234 5678 9012"}'
    result = run(engine, iscp, line)
    rows = [
        finding(
            source_uri="file:///x.jsonl", line_number=1, record_index=0,
            field_path=f.field_path, text=f.text, span=f.span, keys=KEYS, policy=iscp,
            action=f.action,
        )
        for f in result.findings
    ]  # fmt: skip
    assert {(r["field_path"], r["action"]) for r in rows} == {
        ("$.name", "mask"), ("$.email", "mask"), ("$.aadhar", "replace")
    }  # fmt: skip
    for raw in ("John Smith", "john@gmail.com", "1234 5678 9012"):
        assert raw not in repr(rows)
