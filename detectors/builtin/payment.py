"""Payment data: card numbers (Luhn, IIN ranges, groupings), CVVs by context, IBANs
(mod 97 with country lengths) and US SSNs, which card and KYC flows log beside them."""

from __future__ import annotations

import re

from detectors.builtin.common import (
    ID_WORDS,
    NUM_LEFT,
    NUM_RIGHT,
    TRIG_LEFT,
    TRIG_RIGHT,
    inside_number_run,
)
from detectors.checksums import iban_valid, luhn_valid
from detectors.prefilter import luhn_plain_hits
from detectors.registry import Detector, Trigger, detector

# ---------------------------------------------------------------- cards
_CARD_LENGTHS: tuple[tuple[tuple[int, int], int, tuple[int, ...]], ...] = (
    ((4, 4), 1, (13, 16, 19)),  # Visa
    ((51, 55), 2, (16,)),  # Mastercard
    ((2221, 2720), 4, (16,)),  # Mastercard 2-series
    ((34, 34), 2, (15,)),  # Amex
    ((37, 37), 2, (15,)),
    ((6011, 6011), 4, (16, 19)),  # Discover
    ((644, 649), 3, (16, 19)),
    ((65, 65), 2, (16, 19)),  # Discover / RuPay
    ((60, 60), 2, (16,)),  # RuPay
    ((81, 82), 2, (16,)),  # RuPay
    ((508, 508), 3, (16,)),  # RuPay
    ((3528, 3589), 4, (16, 19)),  # JCB
    ((300, 305), 3, (14, 16)),  # Diners
    ((36, 36), 2, (14,)),
    ((38, 39), 2, (14, 16)),
    ((62, 62), 2, (16, 17, 18, 19)),  # UnionPay
    ((50, 50), 2, (16, 19)),  # Maestro
    ((56, 58), 2, (16, 19)),
    ((67, 67), 2, (16, 19)),
)
_CARD_GROUPS = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3), (4, 4, 4, 2), (4, 4, 4, 3)}
_NON_DIGIT = re.compile(r"\D")  # validators run per candidate: compiled once


def _card(value: str, line: str, start: int, end: int) -> float | None:
    digits = _NON_DIGIT.sub("", value)
    seps = set(_NON_DIGIT.findall(value))
    if len(seps) > 1:
        return None
    if seps and tuple(len(g) for g in _NON_DIGIT.split(value)) not in _CARD_GROUPS:
        return None
    if not luhn_valid(digits) or len(set(digits)) < 2:
        return None
    if inside_number_run(value, line, start, end):
        return None
    for (low, high), width, lengths in _CARD_LENGTHS:
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return 0.15 if seps else 0.0
    return None


CARD_CONTEXT = tuple(
    (
        "card cc credit debit visa mastercard amex rupay maestro card_no "
        "cardnumber card_number pan payment"
    ).split()
)
CREDIT_CARD = detector(
    "credit_card",
    "CREDIT_CARD",
    [
        TRIG_LEFT
        + r"[2-68]\d{3}(?:\d{9,15}|[ \-]\d{4}[ \-]\d{4}[ \-]\d{1,7}|[ \-]\d{6}[ \-]\d{4,5})"
        + TRIG_RIGHT
    ],
    # Plain, 4-4-4-4(-1..3) or Amex/Diners 4-6-5/4-6-4; the lazy tail lets "4111 … 1111 12/28"
    # end before the expiry month.
    NUM_LEFT + r"(?P<v>[2-68]\d{12,18}|[2-68]\d{3}([ \-])\d{4}\2\d{4}\2\d{1,4}(?:\2\d{1,3})??"
    r"|[2-68]\d{3}([ \-])\d{6}\3\d{4,5})" + NUM_RIGHT,
    0.6,
    validate=_card,
    prefilter=luhn_plain_hits,
    context=CARD_CONTEXT,
    negative_context=ID_WORDS,
    field_hints=("card", "card_number", "cc_number", "pan_number", "ccnum"),
    reach=(2, 8),
)

CVV = detector(
    "cvv",
    "CVV",
    [Trigger(r"(?:cvv2?|cvc2?|csc|card verification)[^0-9\n]{0,16}\d{3,4}", caseless=True)],
    r"(?i)(?<![a-z])(?:cvv2?|cvc2?|csc|card\s+verification(?:\s+(?:value|code))?)"
    r"[\"'\]]?\s{0,3}(?:[:=]|is|was|-)?\s{0,3}[\"']?(?P<v>\d{3,4})(?!\d)",
    0.9,
    field_hints=("cvv", "cvc", "cvv2", "csc"),
    field_value=r"\d{3,4}",
    reach=(0, 32),
)


# ---------------------------------------------------------------- IBAN, SSN
_IBAN_LENGTHS = dict(
    (item[:2], int(item[2:]))
    for item in (
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 CH21 CR22 CY28 CZ24 "
        "DE22 DK18 DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 "
        "GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 "
        "LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 "
        "PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 "
        "TN24 TR26 UA29 VA22 VG24 XK20"
    ).split()
)


def _iban(value: str, line: str, start: int, end: int) -> float | None:
    compact = value.replace(" ", "")
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is None or len(compact) != expected:
        return None
    return 0.0 if iban_valid(compact) else None


IBAN = detector(
    "iban",
    "IBAN_CODE",
    [r"\b(?:" + "|".join(_IBAN_LENGTHS) + r")\d{2}[ ]?[A-Z0-9]{4}[ ]?[A-Z0-9]{4}[ ]?[A-Z0-9]{3}"],
    r"(?<![\w])(?P<v>[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?))"
    r"(?![\w])",
    0.85,
    validate=_iban,
    context=("iban", "account", "bank"),
    field_hints=("iban",),
    reach=(2, 40),
)


def _ssn(value: str, line: str, start: int, end: int) -> float | None:
    digits = _NON_DIGIT.sub("", value)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area >= "900" or group == "00" or serial == "0000":
        return None
    if digits in ("078051120", "219099999", "123456789") or len(set(digits)) == 1:
        return None
    return 0.0


SSN: list[Detector] = [
    detector(
        "us_ssn",
        "US_SSN",
        [r"\b\d{3}-\d{2}-\d{4}\b"],
        r"(?<![\w\-.])(?P<v>\d{3}-\d{2}-\d{4})(?![\w]|[.\-]\d)",
        0.6,
        validate=_ssn,
        context=("ssn", "social security", "social", "tax"),
        negative_context=tuple(
            ("order txn invoice phone tracking isbn sku item product part model serial").split()
        ),
        field_hints=("ssn", "social_security"),
        reach=(2, 8),
    ),
    detector(
        "us_ssn_plain",
        "US_SSN",
        [
            Trigger(
                r"(?:ssn|social security)[^0-9\n]{0,20}\d{3}[ \-]?\d{2}[ \-]?\d{4}\b", caseless=True
            )
        ],
        r"(?i)(?:ssn|social\s+security(?:\s+(?:number|no))?)[^\d\n]{0,20}?(?<!\d)"
        r"(?P<v>\d{3}([ \-]?)\d{2}\2\d{4})(?![\w]|[.\-]\d)",
        0.85,
        validate=_ssn,
        reach=(0, 40),
    ),
]

DETECTORS: list[Detector] = [CREDIT_CARD, CVV, IBAN, *SSN]
