"""Phone numbers: Indian mobiles with their prefixes and groupings, and international
and landline numbers validated by phonenumbers (Google's libphonenumber metadata)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from detectors.builtin.common import ID_WORDS, NUM_RIGHT, TRIG_RIGHT, inside_number_run
from detectors.registry import Detector, detector

# ---------------------------------------------------------------- phones
PHONE_CONTEXT = (
    "phone",
    "mobile",
    "mob",
    "mobileno",
    "phoneno",
    "phonenumber",
    "msisdn",
    "tel",
    "telephone",
    "cell",
    "contact",
    "call",
    "called",
    "calling",
    "sms",
    "whatsapp",
    "ph",
    "number",
    "dial",
    "otp sent to",
    "reach",
)
PHONE_FIELDS = ("phone", "mobile", "msisdn", "tel", "telephone", "cell", "contact_no", "mob")
_NON_DIGIT = re.compile(r"\D")  # validators run per candidate: compiled once


def _indian_mobile(value: str, line: str, start: int, end: int) -> float | None:
    digits = _NON_DIGIT.sub("", value)
    if len(digits) > 10 and not digits.startswith(("91", "0")):
        return None
    if inside_number_run(value, line, start, end):
        return None
    # A prefix (+91 / 0) or the usual 5-5 grouping is what people write; a bare run of
    # ten digits is weaker evidence.
    return 0.2 if len(digits) > 10 or not value.isdigit() else 0.0


# +91 and a national number written the way in_mobile reads mobiles (10 digits, 5-5, 3-3-4).
_INDIAN_MOBILE_FORM = re.compile(
    r"(?:\+|00)91[ \-]?(?:[6-9]\d{9}|[6-9]\d{4}[ \-]\d{5}|[6-9]\d{2}[ \-]\d{3}[ \-]\d{4})"
)


def _international(value: str, line: str, start: int, end: int) -> float | None:
    if _INDIAN_MOBILE_FORM.fullmatch(value):
        # Written as an Indian mobile: in_mobile reads it (as a phone either way). Answered
        # without libphonenumber, whose parse costs ~100 us on every +91 number of a lake.
        return None
    return _international_checked(value)


@lru_cache(maxsize=65536)
def _international_checked(value: str) -> float | None:
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if parsed.country_code == 91 and (
        phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    ):
        return None  # an Indian mobile: in_mobile owns it; landlines (+91 80 …) are ours
    return 0.0


def _us_local(value: str, line: str, start: int, end: int) -> float | None:
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    return 0.0 if phonenumbers.is_valid_number(parsed) else None


PHONES: list[Detector] = [
    detector(
        "in_mobile",
        "PHONE_NUMBER",
        [
            r"(?:^|[^\w.\-])(?:\+?91|0091|\(\+?91\)|0)?[ \-]?[6-9]\d{4}[ \-]?\d{5}" + TRIG_RIGHT,
            r"(?:^|[^\w.\-])(?:\+?91|0091|\(\+?91\)|0)?[ \-]?[6-9]\d{2}[ \-]\d{3}[ \-]\d{4}"
            + TRIG_RIGHT,
        ],
        r"(?<![\w.+\-])(?P<v>(?:(?:\+|00)91[ \-]?|\(\+?91\)[ \-]?|91[ \-]?|0)?"
        r"(?:[6-9]\d{9}|[6-9]\d{4}[ \-]\d{5}|[6-9]\d{2}[ \-]\d{3}[ \-]\d{4}))" + NUM_RIGHT,
        0.5,
        validate=_indian_mobile,
        context=PHONE_CONTEXT,
        negative_context=ID_WORDS,
        field_hints=PHONE_FIELDS,
        reach=(4, 8),
    ),
    detector(
        "intl_phone",
        "PHONE_NUMBER",
        [r"\+[1-9]\d{0,3}[ \-.(]{0,2}\d{1,4}[ \-.)]{0,2}\d{2,5}"],
        r"(?<![\w+])(?P<v>\+[1-9]\d{0,3}(?:[ \-.]?\(?\d{1,5}\)?){2,5})(?![\w]|[.\-]\d)",
        0.7,
        validate=_international,
        context=PHONE_CONTEXT,
        negative_context=ID_WORDS,
        field_hints=PHONE_FIELDS,
        reach=(2, 24),
    ),
    detector(
        "us_phone",
        "PHONE_NUMBER",
        [r"\(?\b\d{3}\)?[ \-.]\d{3}[ \-.]\d{4}\b"],
        r"(?<![\w+\-.])(?P<v>\(?\d{3}\)?[ \-.]\d{3}[ \-.]\d{4})(?![\w]|[.\-]\d)",
        0.4,
        validate=_us_local,
        context=PHONE_CONTEXT,
        negative_context=ID_WORDS,
        field_hints=PHONE_FIELDS,
        context_required=True,
        reach=(2, 8),
    ),
]

DETECTORS: list[Detector] = [*PHONES]
