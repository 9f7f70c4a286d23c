"""The entity vocabulary of DESIGN.md: the names findings, policies, benchmarks and
expectation suites agree on. Custom detectors from YAML may add their own names."""

from __future__ import annotations

VOCABULARY: tuple[str, ...] = (
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "CVV",
    "IBAN_CODE",
    "US_SSN",
    "IN_AADHAAR",
    "IN_PAN",
    "IN_PASSPORT",
    "IN_UPI_ID",
    "IN_GSTIN",
    "IN_VOTER",
    "IN_IFSC",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "DEVICE_ID",
    "DATE_OF_BIRTH",
    "PERSON",
    "STREET_ADDRESS",
    "OTP_CODE",
    "AWS_ACCESS_KEY",
    "JWT",
    "PRIVATE_KEY",
    "SECRET",
)


# `piisweep subject --phone` and friends: option name -> entity type. Used by the CLI
# parser (which must not import pyarrow) and by jobs.subject.
IDENTIFIER_OPTIONS = {
    "phone": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "aadhaar": "IN_AADHAAR",
    "pan": "IN_PAN",
    "passport": "IN_PASSPORT",
    "upi": "IN_UPI_ID",
    "card": "CREDIT_CARD",
}
