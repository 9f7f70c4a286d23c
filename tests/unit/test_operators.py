"""Redaction operators: mask shapes, preview's disclosure bound, reversible and keyed
operators (tokenize, encrypt, hash), generalize, and the dispatcher."""

from __future__ import annotations

import random
import re
import string

import pytest
from faker import Faker

from detectors.errors import ConfigError, KeyMaterialError, OperatorError
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from detectors.operators import (
    ACTIONS,
    apply_action,
    decrypt,
    detokenize,
    drop,
    encrypt,
    generalize,
    hash_value,
    mask,
    preview,
    replace,
    tokenize,
)


def ring(seed: int = 1, active: str = "k1", **extra: bytes) -> KeyRing:
    rng = random.Random(seed)
    enc = {"k1": rng.randbytes(32), **extra}
    return KeyRing(rng.randbytes(32), rng.randbytes(32), enc, active)


KEYS = ring()
OTHER_KEYS = ring(2)

# --- mask -----------------------------------------------------------------------------------

MASK_CASES = [
    ("9876543210", "PHONE_NUMBER", {}, "98XXXXXX10"),
    ("+91 98765 43210", "PHONE_NUMBER", {}, "+91 XXXXX XXX10"),
    ("9876543210", "PHONE_NUMBER", {"mask_char": "*"}, "98******10"),
    ("98765", "PHONE_NUMBER", {"keep_prefix": 3, "keep_suffix": 2}, "XXXXX"),
    ("john.doe@gmail.com", "EMAIL_ADDRESS", {}, "joXX.XXX@gmail.com"),
    ("john.doe@gmail.com", "EMAIL_ADDRESS", {"keep_prefix": 1}, "jXXX.XXX@gmail.com"),
    ("jo@example.com", "EMAIL_ADDRESS", {}, "XX@example.com"),
    ("ravi.kumar@okhdfcbank", "IN_UPI_ID", {}, "raXX.XXXXX@okhdfcbank"),
    ("ravi.kumar%40gmail.com", "EMAIL_ADDRESS", {}, "raXX.XXXXX%40gmail.com"),
    ("ravi.kumar%2540gmail.com", "EMAIL_ADDRESS", {"mask_length": 3}, "raXXX%2540gmail.com"),
    ("9876543210%40paytm", "IN_UPI_ID", {}, "98XXXXXXXX%40paytm"),
    ("John Smith", "PERSON", {}, "JXXX SXXXX"),
    ("Mary-Jane Rao", "PERSON", {}, "MXXX-JXXX RXX"),
    ("4111 1111 1111 1111", "CREDIT_CARD", {}, "XXXX XXXX XXXX 1111"),
    (
        "4111-1111-1111-1111",
        "CREDIT_CARD",
        {"keep_prefix": 6, "keep_suffix": 4},
        "4111-11XX-XXXX-1111",
    ),
    ("123", "CVV", {}, "XXX"),
    ("1234", "CVV", {}, "XXXX"),
    ("482913", "OTP_CODE", {}, "XXXXXX"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY", {}, "X" * 20),
    ("hunter2!", "SECRET", {"keep_prefix": 3}, "XXXXXXX!"),
    ("ABCDE1234F", "IN_PAN", {}, "ABXXXXXX4F"),
    ("1234 5678 9012", "IN_AADHAAR", {"keep_prefix": 0, "keep_suffix": 4}, "XXXX XXXX 9012"),
    ("SBIN0001234", "IN_IFSC", {"keep_prefix": 4, "keep_suffix": 0}, "SBINXXXXXXX"),
    ("AB-12", "MY_CUSTOM_ID", {}, "XX-XX"),
    ("192.168.10.42", "IP_ADDRESS", {}, "19X.XXX.XX.42"),
]


@pytest.mark.parametrize(("value", "entity", "options", "expected"), MASK_CASES)
def test_when_masked_then_entity_shape_matches(value, entity, options, expected):
    assert mask(value, entity, **options) == expected


@pytest.mark.parametrize(
    "options", [{"mask_char": ""}, {"mask_char": "XX"}, {"keep_prefix": -1}, {"keep_suffix": -2}]
)
def test_when_mask_options_invalid_then_operator_error(options):
    with pytest.raises(OperatorError):
        mask("9876543210", "PHONE_NUMBER", **options)


# --- preview --------------------------------------------------------------------------------

PREVIEW_CASES = [
    ("9876543210", "PHONE_NUMBER", "98XXXXXXX0"),
    ("+91 98765 43210", "PHONE_NUMBER", "+91 XXXXX XXX10"),
    ("123", "CVV", "XXX"),
    ("482913", "OTP_CODE", "XXXXXX"),
    ("4111 1111 1111 1111", "CREDIT_CARD", "XXXX XXXX XXXX 1111"),
    ("john.doe@gmail.com", "EMAIL_ADDRESS", "joXX.XXX@gmail.com"),
    ("john@gmail.com", "EMAIL_ADDRESS", "jXXX@gmail.com"),
    ("jo@gmail.com", "EMAIL_ADDRESS", "XX@gmail.com"),
    ("John Smith", "PERSON", "JXXX SXXXX"),
    ("Jo Li", "PERSON", "JX XX"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY", "AKIA…(20)"),
    ("ZZZZIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY", "[AWS_ACCESS_KEY len=20]"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "JWT", "[JWT len=40]"),
    ("s3cr3t-p4ssw0rd-v4lue-42", "SECRET", "[SECRET len=24]"),
    (
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
        "PRIVATE_KEY",
        "[PRIVATE_KEY len=58]",
    ),
]


@pytest.mark.parametrize(("value", "entity", "expected"), PREVIEW_CASES)
def test_when_previewed_then_expected_form(value, entity, expected):
    assert preview(value, entity) == expected


def test_when_value_is_long_then_preview_is_capped():
    shown = preview("a" * 500, "STREET_ADDRESS")
    assert len(shown) == 64 and shown.endswith("…")


_NO_X = string.ascii_letters.replace("X", "") + string.digits


def _generated_values(seed: int) -> list[tuple[str, str]]:
    """Values shaped like each entity, plus short ones of every length, without 'X' so a
    revealed character can never be mistaken for a masked one."""
    rng = random.Random(seed)
    fake = Faker("en_IN")
    fake.seed_instance(seed)

    def digits(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    def letters(n: int, pool: str = string.ascii_uppercase.replace("X", "")) -> str:
        return "".join(rng.choice(pool) for _ in range(n))

    values = [
        (digits(10), "PHONE_NUMBER"),
        (f"+91 {digits(5)} {digits(5)}", "PHONE_NUMBER"),
        (
            f"{letters(rng.randint(1, 12), string.ascii_lowercase)}@{fake.free_email_domain()}",
            "EMAIL_ADDRESS",
        ),
        (f"{letters(rng.randint(1, 8), 'abc')}.{digits(2)}@okaxis", "IN_UPI_ID"),
        (" ".join(digits(4) for _ in range(4)), "CREDIT_CARD"),
        (digits(rng.choice((3, 4))), "CVV"),
        (digits(rng.randint(4, 8)), "OTP_CODE"),
        (" ".join(digits(4) for _ in range(3)), "IN_AADHAAR"),
        (letters(5) + digits(4) + letters(1), "IN_PAN"),
        (fake.name(), "PERSON"),
        (fake.address().replace("\n", ", "), "STREET_ADDRESS"),
        (fake.ipv4(), "IP_ADDRESS"),
        (fake.date_of_birth().strftime("%d/%m/%Y"), "DATE_OF_BIRTH"),
        (fake.uuid4(), "DEVICE_ID"),
        ("AKIA" + letters(16), "AWS_ACCESS_KEY"),
        (letters(rng.randint(8, 40), _NO_X), "SECRET"),
        (letters(rng.randint(8, 40), _NO_X), "JWT"),
    ]
    for n in range(1, 16):
        values.append((letters(n, _NO_X), rng.choice(["MY_CUSTOM_ID", "IN_VOTER", "US_SSN"])))
    return [(v, e) for v, e in values if "X" not in v]


ALL_GENERATED = [item for seed in range(60) for item in _generated_values(seed)]


@pytest.mark.parametrize(("value", "entity"), ALL_GENERATED)
def test_when_any_value_previewed_then_at_most_four_and_a_third_revealed(value, entity):
    shown = preview(value, entity)
    assert len(shown) <= 64
    if entity in {"AWS_ACCESS_KEY", "JWT", "PRIVATE_KEY", "SECRET"}:
        assert re.fullmatch(r"\[[A-Z_]+ len=\d+\]|A[A-Z]{3}…\(\d+\)", shown)
        return
    local, domain = value, ""
    if entity in {"EMAIL_ADDRESS", "IN_UPI_ID"}:
        local, _, rest = value.rpartition("@")
        domain = "@" + rest
        assert shown.endswith(domain)
    shown_local = shown[: len(shown) - len(domain)] if domain else shown
    alnum = [i for i, ch in enumerate(local) if ch.isalnum()]
    revealed = [i for i in alnum if i < len(shown_local) and shown_local[i] != "X"]
    for i in revealed:
        assert shown_local[i] == local[i]
    assert len(revealed) <= min(4, len(alnum) // 3)
    if entity in {"CVV", "OTP_CODE"}:
        assert revealed == []


# --- replace, drop, hash ------------------------------------------------------------------


def test_when_replaced_then_entity_tag():
    assert replace("9876543210", "PHONE_NUMBER") == "[REDACTED:PHONE_NUMBER]"


def test_when_dropped_then_empty():
    assert drop("9876543210", "PHONE_NUMBER") == ""


def test_when_hashed_then_equals_findings_fingerprint():
    out = hash_value("+91 98765 43210", "PHONE_NUMBER", KEYS)
    fp = fingerprint("PHONE_NUMBER", "9876543210", KEYS.fingerprint_key)
    assert out == f"HASH[PHONE_NUMBER:{fp}]"
    assert re.fullmatch(r"HASH\[PHONE_NUMBER:[0-9a-f]{64}\]", out)
    assert hash_value("9876543210", "PHONE_NUMBER", KEYS) == out
    assert hash_value("9876543210", "PHONE_NUMBER", OTHER_KEYS) != out


# --- tokenize -------------------------------------------------------------------------------

TOKEN_CASES = [
    ("9876543210", "PHONE_NUMBER"),
    ("+91 98765-43210", "PHONE_NUMBER"),
    ("2345 6789 0123", "IN_AADHAAR"),
    ("ABCDE1234F", "IN_PAN"),
    ("abcde1234f", "IN_PAN"),
    ("4111 1111 1111 1111", "CREDIT_CARD"),
    ("4111-1111-1111-1111", "CREDIT_CARD"),
    ("john.doe@gmail.com", "EMAIL_ADDRESS"),
    ("Priya.Sharma+orders@example.co.in", "EMAIL_ADDRESS"),
    ("ravi.kumar@okhdfcbank", "IN_UPI_ID"),
    ("9876543210@ybl", "IN_UPI_ID"),
    ("SBIN0001234", "IN_IFSC"),
    ("A1234567", "IN_PASSPORT"),
    ("27AAPFU0939F1ZV", "IN_GSTIN"),
    ("John Smith", "PERSON"),
]


@pytest.mark.parametrize(("value", "entity"), TOKEN_CASES)
def test_when_tokenized_then_format_kept_and_detokenize_inverts(value, entity):
    token = tokenize(value, entity, KEYS)
    assert token != value
    assert len(token) == len(value)
    for a, b in zip(value, token, strict=True):
        assert a.isdigit() == b.isdigit()
        assert (a.isupper(), a.islower()) == (b.isupper(), b.islower())
        if not a.isalnum():
            assert a == b
    if "@" in value:
        assert token.rpartition("@")[2] == value.rpartition("@")[2]
    assert detokenize(token, entity, KEYS) == value


@pytest.mark.parametrize(("value", "entity"), TOKEN_CASES)
def test_when_tokenized_twice_then_same_and_key_dependent(value, entity):
    token = tokenize(value, entity, KEYS)
    assert tokenize(value, entity, KEYS) == token
    assert tokenize(value, entity, OTHER_KEYS) != token


def test_when_entity_differs_then_token_differs():
    assert tokenize("123456789012", "IN_AADHAAR", KEYS) != tokenize(
        "123456789012", "PHONE_NUMBER", KEYS
    )


@pytest.mark.parametrize(
    ("value", "entity"),
    [("12345", "OTP_CODE"), ("jo@gmail.com", "EMAIL_ADDRESS"), ("AB-12", "MY_CUSTOM_ID")],
)
def test_when_too_short_to_tokenize_then_operator_error_without_value(value, entity):
    with pytest.raises(OperatorError, match="too few letters/digits") as info:
        tokenize(value, entity, KEYS)
    assert value not in str(info.value)


def test_when_non_ascii_letters_then_tokenize_refuses():
    with pytest.raises(OperatorError):
        tokenize("José Müller", "PERSON", KEYS)


# --- encrypt --------------------------------------------------------------------------------

ENC_VALUES = [
    *TOKEN_CASES,
    ("José Müller", "PERSON"),
    ("", "SECRET"),
    ("a\x00b", "SECRET"),
    ("pw\udcff\udc80", "SECRET"),  # undecodable bytes kept by surrogateescape
]
ENC_TOKEN = re.compile(r"ENC\[v1:k1:[A-Za-z0-9_-]+={0,2}\]")


@pytest.mark.parametrize(("value", "entity"), ENC_VALUES)
def test_when_encrypted_then_decrypt_returns_entity_and_value(value, entity):
    token = encrypt(value, entity, KEYS)
    assert ENC_TOKEN.fullmatch(token)
    assert not value or value not in token
    assert decrypt(token, KEYS) == (entity, value)


@pytest.mark.parametrize(("value", "entity"), TOKEN_CASES)
def test_when_encrypted_twice_then_same_bytes_and_key_dependent(value, entity):
    token = encrypt(value, entity, KEYS)
    assert encrypt(value, entity, KEYS) == token
    assert encrypt(value, entity, OTHER_KEYS) != token
    assert encrypt(value, "SOME_OTHER_TYPE", KEYS) != token


def test_when_decrypted_with_wrong_key_then_key_material_error():
    token = encrypt("9876543210", "PHONE_NUMBER", KEYS)
    with pytest.raises(KeyMaterialError, match="authentication failed with key 'k1'") as info:
        decrypt(token, OTHER_KEYS)
    assert "9876543210" not in str(info.value)


def test_when_key_id_unknown_then_key_material_error():
    token = encrypt("9876543210", "PHONE_NUMBER", KEYS).replace("v1:k1:", "v1:k9:")
    with pytest.raises(KeyMaterialError, match="unknown encryption key id 'k9'"):
        decrypt(token, KEYS)


def test_when_key_id_swapped_then_authentication_fails():
    both = ring(1, k2=bytes(32))
    token = encrypt("9876543210", "PHONE_NUMBER", both).replace("v1:k1:", "v1:k2:")
    with pytest.raises(KeyMaterialError, match="authentication failed"):
        decrypt(token, both)


def test_when_token_tampered_then_key_material_error():
    token = encrypt("9876543210", "PHONE_NUMBER", KEYS)
    i = len("ENC[v1:k1:") + 20
    flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    with pytest.raises(KeyMaterialError):
        decrypt(flipped, KEYS)


@pytest.mark.parametrize(
    "token", ["9876543210", "ENC[v2:k1:abc]", "ENC[v1:k1:]", "ENC[v1:k1:AAAA]"]
)
def test_when_not_a_token_then_operator_error(token):
    with pytest.raises(OperatorError):
        decrypt(token, KEYS)


def test_when_key_rotated_then_old_tokens_still_decrypt_and_new_use_active_key():
    old = encrypt("9876543210", "PHONE_NUMBER", KEYS)
    rotated = KeyRing(
        KEYS.fingerprint_key, KEYS.token_key, {**KEYS.encryption_keys, "k2": bytes(32)}, "k2"
    )
    assert decrypt(old, rotated) == ("PHONE_NUMBER", "9876543210")
    assert encrypt("9876543210", "PHONE_NUMBER", rotated).startswith("ENC[v1:k2:")


def test_when_no_encryption_keys_then_error_names_variable():
    bare = KeyRing(bytes(32), bytes(32))
    with pytest.raises(KeyMaterialError, match="PIISWEEP_ENCRYPTION_KEYS"):
        encrypt("9876543210", "PHONE_NUMBER", bare)


# --- generalize -----------------------------------------------------------------------------

GENERALIZE_CASES = [
    ("192.168.1.77", "IP_ADDRESS", "192.168.1.0/24"),
    ("10.0.0.1", "IP_ADDRESS", "10.0.0.0/24"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "IP_ADDRESS", "2001:db8:85a3::/48"),
    ("[2001:db8::1]", "IP_ADDRESS", "2001:db8::/48"),
    ("1990-05-17", "DATE_OF_BIRTH", "1990-05"),
    ("1990/05/17", "DATE_OF_BIRTH", "1990-05"),
    ("17/05/1990", "DATE_OF_BIRTH", "1990-05"),
    ("17-05-1990", "DATE_OF_BIRTH", "1990-05"),
    ("17.05.1990", "DATE_OF_BIRTH", "1990-05"),
    ("05/17/1990", "DATE_OF_BIRTH", "1990-05"),
    ("03/04/1990", "DATE_OF_BIRTH", "1990-04"),
    ("17 May 1990", "DATE_OF_BIRTH", "1990-05"),
    ("17th September 1990", "DATE_OF_BIRTH", "1990-09"),
    ("17-Sep-1990", "DATE_OF_BIRTH", "1990-09"),
    ("May 17, 1990", "DATE_OF_BIRTH", "1990-05"),
    ("1990-05-17T10:22:01Z", "DATE", "1990-05"),
    ("12, MG Road, Bengaluru 560001", "STREET_ADDRESS", "PIN 560XXX"),
    ("Flat 4, Andheri West, Mumbai - 400 053", "STREET_ADDRESS", "PIN 400XXX"),
]


@pytest.mark.parametrize(("value", "entity", "expected"), GENERALIZE_CASES)
def test_when_generalized_then_coarser_value(value, entity, expected):
    assert generalize(value, entity) == expected


@pytest.mark.parametrize(
    ("value", "entity"),
    [
        ("999.1.1.1", "IP_ADDRESS"),
        ("31/02/1990", "DATE_OF_BIRTH"),
        ("17 Foo 1990", "DATE_OF_BIRTH"),
        ("yesterday", "DATE_OF_BIRTH"),
        ("12, MG Road, Bengaluru", "STREET_ADDRESS"),
        ("9876543210", "PHONE_NUMBER"),
        ("John Smith", "PERSON"),
    ],
)
def test_when_no_generalization_applies_then_operator_error_without_value(value, entity):
    with pytest.raises(OperatorError) as info:
        generalize(value, entity)
    assert value not in str(info.value)


# --- dispatcher -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "options", "expected"),
    [
        ("mask", {}, "98XXXXXX10"),
        ("mask", {"keep_prefix": 0, "keep_suffix": 3}, "XXXXXXX210"),
        ("replace", {}, "[REDACTED:PHONE_NUMBER]"),
        ("drop", {}, ""),
        ("keep", {}, "9876543210"),
        ("hash", {}, hash_value("9876543210", "PHONE_NUMBER", KEYS)),
        ("tokenize", {}, tokenize("9876543210", "PHONE_NUMBER", KEYS)),
        ("encrypt", {}, encrypt("9876543210", "PHONE_NUMBER", KEYS)),
    ],
)
def test_when_action_dispatched_then_operator_applied(action, options, expected):
    assert apply_action(action, "9876543210", "PHONE_NUMBER", KEYS, options) == expected


def test_when_generalize_dispatched_then_operator_applied():
    assert apply_action("generalize", "10.1.2.3", "IP_ADDRESS", KEYS, None) == "10.1.2.0/24"


def test_when_every_action_listed_then_dispatcher_knows_it():
    for action in ACTIONS:
        apply_action(action, "192.168.10.42", "IP_ADDRESS", KEYS)


def test_when_action_unknown_then_config_error_lists_choices():
    with pytest.raises(ConfigError, match="expected one of: mask, replace, hash"):
        apply_action("scramble", "9876543210", "PHONE_NUMBER", KEYS)


@pytest.mark.parametrize(
    ("action", "options"), [("replace", {"keep_prefix": 1}), ("mask", {"colour": "red"})]
)
def test_when_options_do_not_fit_action_then_config_error(action, options):
    with pytest.raises(ConfigError, match="only mask takes options"):
        apply_action(action, "9876543210", "PHONE_NUMBER", KEYS, options)


@pytest.mark.parametrize(
    "spelling",
    ["9876543210", "+91 98765 43210", "098765 43210", "919876543210", "0091 98765 43210"],
)
def test_when_one_phone_is_written_differently_then_its_fingerprint_is_the_same(
    spelling: str,
) -> None:
    from detectors.normalize import fingerprint

    key = b"k" * 32
    assert fingerprint("PHONE_NUMBER", spelling, key) == fingerprint(
        "PHONE_NUMBER", "+919876543210", key
    )
