"""Canonical forms of detected values, so one person's number hashes to one fingerprint
whether it was written ``+91 98765 43210``, ``098765-43210`` or ``9876543210``."""

from __future__ import annotations

import hmac
import re
from typing import Any

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_NON_DIGIT = re.compile(r"\D")

# Entities whose identity is their letters and digits; separators and case are formatting.
_ALNUM_UPPER = frozenset(
    {
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "IN_AADHAAR",
        "IN_PAN",
        "IN_PASSPORT",
        "IN_GSTIN",
        "IN_VOTER",
        "IN_IFSC",
        "MAC_ADDRESS",
        "CVV",
        "OTP_CODE",
    }
)


def normalize_phone(value: str) -> str:
    """E.164-like digits: Indian numbers gain +91, others keep their country code."""
    digits = _NON_DIGIT.sub("", value)
    if value.lstrip().startswith("+"):
        return "+" + digits
    if digits.startswith("00") and len(digits) > 10:  # 0091 98765 43210: "00" dials "+"
        return "+" + digits[2:]
    if len(digits) == 10:
        return "+91" + digits
    if len(digits) == 11 and digits.startswith("0"):
        return "+91" + digits[1:]
    if len(digits) == 12 and digits.startswith("91"):
        return "+" + digits
    return "+" + digits


def normalize(entity_type: str, value: str) -> str:
    """The canonical form under which ``value`` is fingerprinted and looked up."""
    if entity_type == "PHONE_NUMBER":
        return normalize_phone(value)
    if entity_type in _ALNUM_UPPER:
        return _NON_ALNUM.sub("", value).upper()
    if entity_type in ("EMAIL_ADDRESS", "IN_UPI_ID"):
        return value.strip().lower()
    if entity_type in ("PERSON", "STREET_ADDRESS"):
        # Whitespace runs collapsed to one space, none at the ends: str.split's whitespace
        # is regex \s, and this is several times cheaper than a substitution.
        return " ".join(value.split()).casefold()
    return value.strip()


def fingerprint(entity_type: str, value: str, key: bytes) -> str:
    """Hex HMAC-SHA256 of the normalised value: joinable across scans, useless without key."""
    # One-shot hmac.digest runs entirely in OpenSSL: cheaper per finding than copying a
    # keyed HMAC object, whose Python wrapper costs more than the key schedule it saves.
    data = normalize(entity_type, value).encode("utf-8", "surrogatepass")
    return hmac.digest(key, data, "sha256").hex()


def scalar_text(value: Any) -> str | None:
    """The text a JSON scalar is scanned as: strings as they are, numbers as written."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None
