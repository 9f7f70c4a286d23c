"""FF1 against the NIST SP 800-38G sample vectors, its domain rule, and the mixed-radix
wrapper that tokenize uses."""

from __future__ import annotations

import random

import pytest

from detectors.errors import OperatorError
from detectors.fpe import (
    decrypt_mixed,
    encrypt_mixed,
    ff1_decrypt,
    ff1_encrypt,
    fpe_text,
)

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
KEY_128 = "2B7E151628AED2A6ABF7158809CF4F3C"
KEY_192 = KEY_128 + "EF4359D8D580AA4F"
KEY_256 = KEY_192 + "7F036D6F04FC6A94"
TWEAK_10 = "39383736353433323130"
TWEAK_11 = "3737373770717273373737"
PT_10 = "0123456789"
PT_36 = "0123456789abcdefghi"

# NIST SP 800-38G FF1 samples 1-9 (AES-128, AES-192, AES-256; samples 7-9 are AES-256).
NIST_SAMPLES = [
    pytest.param(KEY_128, "", 10, PT_10, "2433477484", id="sample1-aes128"),
    pytest.param(KEY_128, TWEAK_10, 10, PT_10, "6124200773", id="sample2-aes128"),
    pytest.param(KEY_128, TWEAK_11, 36, PT_36, "a9tv40mll9kdu509eum", id="sample3-aes128"),
    pytest.param(KEY_192, "", 10, PT_10, "2830668132", id="sample4-aes192"),
    pytest.param(KEY_192, TWEAK_10, 10, PT_10, "2496655549", id="sample5-aes192"),
    pytest.param(KEY_192, TWEAK_11, 36, PT_36, "xbj3kv35jrawxv32ysr", id="sample6-aes192"),
    pytest.param(KEY_256, "", 10, PT_10, "6657667009", id="sample7-aes256"),
    pytest.param(KEY_256, TWEAK_10, 10, PT_10, "1001623463", id="sample8-aes256"),
    pytest.param(KEY_256, TWEAK_11, 36, PT_36, "xs8a0azh2avyalyzuwd", id="sample9-aes256"),
]


def numerals(text: str) -> list[int]:
    return [ALPHABET.index(ch) for ch in text]


def text(values: list[int]) -> str:
    return "".join(ALPHABET[v] for v in values)


@pytest.mark.parametrize(("key", "tweak", "radix", "plaintext", "ciphertext"), NIST_SAMPLES)
def test_when_nist_sample_encrypted_then_ciphertext_matches(
    key, tweak, radix, plaintext, ciphertext
):
    out = ff1_encrypt(bytes.fromhex(key), bytes.fromhex(tweak), radix, numerals(plaintext))
    assert text(out) == ciphertext


@pytest.mark.parametrize(("key", "tweak", "radix", "plaintext", "ciphertext"), NIST_SAMPLES)
def test_when_nist_sample_decrypted_then_plaintext_matches(
    key, tweak, radix, plaintext, ciphertext
):
    out = ff1_decrypt(bytes.fromhex(key), bytes.fromhex(tweak), radix, numerals(ciphertext))
    assert text(out) == plaintext


@pytest.mark.parametrize(
    ("radix", "length"),
    [(10, 5), (10, 2), (2, 19), (26, 4), (36, 3)],
)
def test_when_domain_below_one_million_then_operator_error(radix, length):
    with pytest.raises(OperatorError, match="below 1,000,000"):
        ff1_encrypt(bytes(32), b"", radix, [1] * length)


@pytest.mark.parametrize(("radix", "length"), [(10, 6), (2, 20), (26, 5), (36, 4)])
def test_when_domain_at_least_one_million_then_round_trips(radix, length):
    plain = [radix - 1] * length
    cipher = ff1_encrypt(bytes(32), b"t", radix, plain)
    assert len(cipher) == length
    assert ff1_decrypt(bytes(32), b"t", radix, cipher) == plain


@pytest.mark.parametrize(
    ("key", "radix", "values", "message"),
    [
        (bytes(31), 10, [1] * 10, "16, 24 or 32 bytes"),
        (bytes(32), 1, [0] * 30, "radix"),
        (bytes(32), 37, [1] * 10, "radix"),
        (bytes(32), 10, [1] * 9 + [10], "numeral"),
        (bytes(32), 10, [1] * 9 + [-1], "numeral"),
    ],
)
def test_when_parameters_invalid_then_operator_error(key, radix, values, message):
    with pytest.raises(OperatorError, match=message):
        ff1_encrypt(key, b"", radix, values)


@pytest.mark.parametrize("seed", range(40))
def test_when_random_numerals_encrypted_then_decrypt_inverts(seed):
    rng = random.Random(seed)
    radix = rng.randint(2, 36)
    length = 2
    while radix**length < 1_000_000:
        length += 1
    length += rng.randint(0, 25)
    plain = [rng.randrange(radix) for _ in range(length)]
    key, tweak = rng.randbytes(32), rng.randbytes(rng.randint(0, 20))
    cipher = ff1_encrypt(key, tweak, radix, plain)
    assert all(0 <= x < radix for x in cipher)
    assert ff1_decrypt(key, tweak, radix, cipher) == plain


def test_when_tweak_differs_then_ciphertext_differs():
    plain = numerals("0123456789")
    assert ff1_encrypt(bytes(32), b"PHONE", 10, plain) != ff1_encrypt(bytes(32), b"CARD", 10, plain)


@pytest.mark.parametrize("seed", range(30))
def test_when_mixed_radix_encrypted_then_shape_kept_and_inverted(seed):
    rng = random.Random(seed)
    radices = [rng.choice((10, 26)) for _ in range(rng.randint(7, 20))]
    digits = [rng.randrange(r) for r in radices]
    key = rng.randbytes(32)
    cipher = encrypt_mixed(key, b"IN_PAN", digits, radices)
    assert all(0 <= x < r for x, r in zip(cipher, radices, strict=True))
    assert decrypt_mixed(key, b"IN_PAN", cipher, radices) == digits


@pytest.mark.parametrize("radices", [[10] * 5, [26] * 4, [10, 10, 26, 26]])
def test_when_mixed_domain_below_one_million_then_operator_error(radices):
    with pytest.raises(OperatorError, match="too short"):
        encrypt_mixed(bytes(32), b"", [1] * len(radices), radices)


def test_when_whole_small_mixed_domain_encrypted_then_it_is_a_permutation():
    # 10**6 values exactly: every one must map to a distinct value (cycle walking is a bijection)
    radices = [10] * 6
    rng = random.Random(7)
    sample = {tuple(rng.randrange(10) for _ in radices) for _ in range(300)}
    images = {tuple(encrypt_mixed(bytes(32), b"", list(s), radices)) for s in sample}
    assert len(images) == len(sample)


@pytest.mark.parametrize(
    "value", ["ABCDE1234F", "98765-43210", "john.doe", "SBIN0001234", "A1234567"]
)
def test_when_text_encrypted_in_place_then_classes_case_and_separators_kept(value):
    token = fpe_text(bytes(32), b"T", value)
    assert len(token) == len(value)
    for a, b in zip(value, token, strict=True):
        assert a.isdigit() == b.isdigit()
        assert a.isupper() == b.isupper() and a.islower() == b.islower()
        if not a.isalnum():
            assert a == b
    assert fpe_text(bytes(32), b"T", token, forward=False) == value


def test_when_text_has_non_ascii_letters_then_operator_error():
    with pytest.raises(OperatorError, match="ASCII"):
        fpe_text(bytes(32), b"T", "José Müller")
