"""FF1 format-preserving encryption (NIST SP 800-38G) and a mixed-radix wrapper over it.

Tokenization must turn ``9876543210`` into another ten-digit string and ``ABCDE1234F`` into
another five-letters-four-digits-one-letter string, reversibly, so redacted copies keep
their schema, validators and joins. FF1 is the NIST-approved way to do that; it is built here
on the AES primitive of ``cryptography`` (CBC-MAC for the round PRF, ECB for the extra
keystream blocks) because no maintained FF1 package is in the dependency set.

FF1 needs one radix for the whole string. Real identifiers mix classes per position (PAN:
five letters, four digits, a letter; IFSC: four letters, a zero, six digits) and their
letter or digit runs alone are often below FF1's minimum domain of one million, so
``encrypt_mixed`` treats the whole value as one number in a per-position mixed radix and
encrypts it with binary FF1 plus cycle walking (Black and Rogaway): the permutation stays a
bijection on exactly the values of that shape, and a walk takes fewer than two FF1 calls on
average because the binary domain is less than twice the mixed one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from detectors.errors import OperatorError

logger = logging.getLogger(__name__)

MIN_DOMAIN = 1_000_000
"""SP 800-38G Rev. 1: radix**minlen must be at least one million."""

_ROUNDS = 10
_BLOCK = 16
_ZERO_IV = bytes(_BLOCK)
_MAX_TWEAK = 256
_MAX_LEN = 4096  # far above any identifier; bounds the big-integer work per value


def _check(key: bytes, tweak: bytes, radix: int, numerals: Sequence[int]) -> None:
    if len(key) not in (16, 24, 32):
        raise OperatorError("FF1: key must be 16, 24 or 32 bytes (AES-128/192/256)")
    if not 2 <= radix <= 36:
        raise OperatorError(f"FF1: radix must be in 2..36, got {radix}")
    if len(tweak) > _MAX_TWEAK:
        raise OperatorError(f"FF1: tweak must be at most {_MAX_TWEAK} bytes")
    n = len(numerals)
    if n < 2 or n > _MAX_LEN:
        raise OperatorError(f"FF1: input must have 2..{_MAX_LEN} numerals, got {n}")
    if radix**n < MIN_DOMAIN:
        raise OperatorError(
            f"FF1: domain radix**length = {radix}**{n} is below {MIN_DOMAIN:,}; "
            "the value is too short to encrypt format-preservingly"
        )
    if any(not 0 <= x < radix for x in numerals):
        raise OperatorError(f"FF1: every numeral must be in 0..{radix - 1}")


def _num(numerals: Sequence[int], radix: int) -> int:
    value = 0
    for x in numerals:
        value = value * radix + x
    return value


def _str(value: int, radix: int, length: int) -> list[int]:
    out = [0] * length
    for i in range(length - 1, -1, -1):
        value, out[i] = divmod(value, radix)
    return out


class _Rounds:
    """The parts of FF1 shared by encryption and decryption, precomputed once per call."""

    def __init__(self, key: bytes, tweak: bytes, radix: int, n: int) -> None:
        self.key = key
        self.tweak = tweak
        self.radix = radix
        self.u = n // 2
        self.v = n - self.u
        # b = ceil(ceil(v * log2(radix)) / 8), computed exactly with integers.
        self.b = ((radix**self.v - 1).bit_length() + 7) // 8
        self.d = 4 * ((self.b + 3) // 4) + 4
        t = len(tweak)
        self.p = (
            bytes([1, 2, 1])
            + radix.to_bytes(3, "big")
            + bytes([10, self.u % 256])
            + n.to_bytes(4, "big")
            + t.to_bytes(4, "big")
        )
        self.q_prefix = tweak + bytes((-t - self.b - 1) % 16)
        self.ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()

    def y(self, i: int, half: int) -> int:
        """The round function output for round ``i`` keyed on the numeric value ``half``."""
        q = self.q_prefix + bytes([i]) + half.to_bytes(self.b, "big")
        cbc = Cipher(algorithms.AES(self.key), modes.CBC(_ZERO_IV)).encryptor()
        r = (cbc.update(self.p + q) + cbc.finalize())[-_BLOCK:]
        s = r
        r_int = int.from_bytes(r, "big")
        j = 1
        while len(s) < self.d:
            s += self.ecb.update((r_int ^ j).to_bytes(_BLOCK, "big"))
            j += 1
        return int.from_bytes(s[: self.d], "big")


def ff1_encrypt(key: bytes, tweak: bytes, radix: int, numerals: Sequence[int]) -> list[int]:
    """FF1.Encrypt (SP 800-38G, Algorithm 7) of a numeral string in base ``radix``."""
    _check(key, tweak, radix, numerals)
    rounds = _Rounds(key, tweak, radix, len(numerals))
    u, v = rounds.u, rounds.v
    a, b = _num(numerals[:u], radix), _num(numerals[u:], radix)
    for i in range(_ROUNDS):
        m = u if i % 2 == 0 else v
        c = (a + rounds.y(i, b)) % radix**m
        a, b = b, c
    return _str(a, radix, u) + _str(b, radix, v)


def ff1_decrypt(key: bytes, tweak: bytes, radix: int, numerals: Sequence[int]) -> list[int]:
    """FF1.Decrypt (SP 800-38G, Algorithm 8): the inverse of :func:`ff1_encrypt`."""
    _check(key, tweak, radix, numerals)
    rounds = _Rounds(key, tweak, radix, len(numerals))
    u, v = rounds.u, rounds.v
    a, b = _num(numerals[:u], radix), _num(numerals[u:], radix)
    for i in range(_ROUNDS - 1, -1, -1):
        m = u if i % 2 == 0 else v
        c = (b - rounds.y(i, a)) % radix**m
        b, a = a, c
    return _str(a, radix, u) + _str(b, radix, v)


def _mixed_to_int(digits: Sequence[int], radices: Sequence[int]) -> int:
    value = 0
    for x, r in zip(digits, radices, strict=True):
        if not 0 <= x < r:
            raise OperatorError("mixed-radix FPE: a digit is out of range for its position")
        value = value * r + x
    return value


def _int_to_mixed(value: int, radices: Sequence[int]) -> list[int]:
    out = [0] * len(radices)
    for i in range(len(radices) - 1, -1, -1):
        value, out[i] = divmod(value, radices[i])
    return out


def _domain(radices: Sequence[int]) -> tuple[int, int]:
    size = 1
    for r in radices:
        if r < 2:
            raise OperatorError("mixed-radix FPE: every position needs a radix of at least 2")
        size *= r
    if size < MIN_DOMAIN:
        raise OperatorError(
            f"mixed-radix FPE: the value has fewer than {MIN_DOMAIN:,} possible forms; "
            "too short to encrypt format-preservingly"
        )
    return size, (size - 1).bit_length()  # >= 20 bits, since size >= one million


def _walk(
    key: bytes, tweak: bytes, digits: Sequence[int], radices: Sequence[int], enc: bool
) -> list[int]:
    size, bits = _domain(radices)
    step = ff1_encrypt if enc else ff1_decrypt
    x = _mixed_to_int(digits, radices)
    # Cycle walking terminates: the FF1 permutation's cycle through x returns into [0, size).
    while True:
        x = _num(step(key, tweak, 2, _str(x, 2, bits)), 2)
        if x < size:
            return _int_to_mixed(x, radices)


def encrypt_mixed(
    key: bytes, tweak: bytes, digits: Sequence[int], radices: Sequence[int]
) -> list[int]:
    """Encrypt ``digits`` (position i in base ``radices[i]``) to digits of the same radices.

    Raises OperatorError when the product of the radices is below one million: such a small
    domain can be enumerated, so encrypting it would only pretend to protect the value.
    """
    return _walk(key, tweak, digits, radices, enc=True)


def decrypt_mixed(
    key: bytes, tweak: bytes, digits: Sequence[int], radices: Sequence[int]
) -> list[int]:
    """Inverse of :func:`encrypt_mixed` under the same key, tweak and radices."""
    return _walk(key, tweak, digits, radices, enc=False)


def _text_shape(text: str) -> tuple[list[int], list[int]]:
    """Per-position digits and radices of the ASCII letters (26) and digits (10) of ``text``."""
    digits: list[int] = []
    radices: list[int] = []
    for ch in text:
        if "0" <= ch <= "9":
            digits.append(ord(ch) - 48)
            radices.append(10)
        elif ch.isascii() and ch.isalpha():
            digits.append(ord(ch.lower()) - 97)
            radices.append(26)
        elif ch.isalnum():
            # A non-ASCII letter or digit would pass through in clear; refuse instead.
            raise OperatorError("FPE: only ASCII letters and digits can be encrypted in place")
    return digits, radices


def fpe_text(key: bytes, tweak: bytes, text: str, *, forward: bool = True) -> str:
    """Encrypt (or with ``forward=False`` decrypt) the ASCII letters and digits of ``text``
    in place: digits stay digits, letters stay letters of the same case, anything else stays
    where it is. Letters are encrypted case-insensitively so ``abc`` and ``ABC`` agree."""
    digits, radices = _text_shape(text)
    step = encrypt_mixed if forward else decrypt_mixed
    new = iter(step(key, tweak, digits, radices))
    out = []
    for ch in text:
        if "0" <= ch <= "9":
            out.append(chr(48 + next(new)))
        elif ch.isascii() and ch.isalpha():
            letter = chr(97 + next(new))
            out.append(letter.upper() if ch.isupper() else letter)
        else:
            out.append(ch)
    return "".join(out)
