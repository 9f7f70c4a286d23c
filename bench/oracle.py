"""Checksum oracle for the benchmark corpus.

The generator plants values that must be structurally valid, and the tests check that they
are. Both use this module, written from the public specifications, instead of importing
``detectors``: a benchmark that borrowed the code under test to build its ground truth would
agree with that code's bugs.
"""

from __future__ import annotations

ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Verhoeff (dihedral group D5) multiplication, permutation and inverse tables.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def digits_only(text: str) -> str:
    """Strip separators so formatted values ("2345 6789 0123") can be checked."""
    return "".join(ch for ch in text if ch.isdigit())


def verhoeff_valid(number: str) -> bool:
    """True when a digit string (check digit last) passes Verhoeff, as Aadhaar numbers do."""
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` Verhoeff-valid."""
    c = 0
    for i, ch in enumerate(reversed(payload)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return str(_VERHOEFF_INV[c])


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn (mod 10) check used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` Luhn-valid."""
    for d in "0123456789":
        if luhn_valid(payload + d):
            return d
    raise AssertionError("unreachable: one of ten digits always completes Luhn")


def _iban_numeric(text: str) -> int:
    return int("".join(str(ALNUM36.index(ch)) for ch in text))


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check on an IBAN with or without spaces."""
    compact = iban.replace(" ", "").upper()
    if len(compact) < 5 or not compact.isalnum():
        return False
    return _iban_numeric(compact[4:] + compact[:4]) % 97 == 1


def iban_from_bban(country: str, bban: str) -> str:
    """Compose an IBAN from a country code and BBAN, computing the two check digits."""
    check = 98 - _iban_numeric(bban + country + "00") % 97
    return f"{country}{check:02d}{bban}"


def gstin_check_char(first14: str) -> str:
    """GSTIN check character: mod-36 with alternating weights 1 and 2, digits of base 36."""
    total = 0
    for i, ch in enumerate(first14):
        product = ALNUM36.index(ch) * (1 if i % 2 == 0 else 2)
        total += product // 36 + product % 36
    return ALNUM36[(36 - total % 36) % 36]


def gstin_valid(gstin: str) -> bool:
    """Structure (state code, embedded PAN, 'Z') plus the check character of a GSTIN."""
    if len(gstin) != 15 or not gstin.isalnum() or not gstin.isupper():
        return False
    state = gstin[:2]
    if not state.isdigit() or not 1 <= int(state) <= 38:
        return False
    return pan_valid(gstin[2:12]) and gstin[13] == "Z" and gstin[14] == gstin_check_char(gstin[:14])


PAN_HOLDER_TYPES = "PCHFATBLJG"


def pan_valid(pan: str) -> bool:
    """Income-tax PAN shape: 5 letters (4th is the holder type), 4 digits, 1 letter."""
    return (
        len(pan) == 10
        and pan[:5].isalpha()
        and pan[:5].isupper()
        and pan[3] in PAN_HOLDER_TYPES
        and pan[5:9].isdigit()
        and pan[9].isalpha()
        and pan[9].isupper()
    )


def ssn_valid(ssn: str) -> bool:
    """SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    d = digits_only(ssn)
    if len(d) != 9:
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


def aadhaar_valid(value: str) -> bool:
    """12 digits, first digit 2-9, Verhoeff-valid."""
    d = digits_only(value)
    return len(d) == 12 and d[0] not in "01" and verhoeff_valid(d)


def card_valid(value: str) -> bool:
    """Luhn-valid 13-19 digit number."""
    d = digits_only(value)
    return 13 <= len(d) <= 19 and luhn_valid(d)
