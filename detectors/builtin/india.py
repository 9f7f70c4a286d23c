"""Indian identifiers: Aadhaar, PAN, passport, UPI, GSTIN, voter id (EPIC), IFSC.

Each carries structure a random token rarely has (Verhoeff, PAN's holder-type letter, GSTIN's
state code and mod-36 check); ids that carry none (passport, EPIC) need the text to say so.
"""

from __future__ import annotations

from detectors.builtin.common import (
    ID_WORDS,
    NUM_RIGHT,
    TRIG_LEFT,
    TRIG_RIGHT,
    inside_number_run,
)
from detectors.checksums import gstin_valid, verhoeff_valid
from detectors.prefilter import aadhaar_hits
from detectors.registry import Detector, Trigger, detector

_PAN_HOLDER_TYPES = "PCHFATBLJG"


def _aadhaar(value: str, line: str, start: int, end: int) -> float | None:
    digits = value.replace(" ", "").replace("-", "")
    if not verhoeff_valid(digits) or len(set(digits)) < 4:
        return None
    if inside_number_run(value, line, start, end):
        return None
    return 0.1 if digits != value else 0.0  # written 4-4-4 the way Aadhaar cards print it


AADHAAR = detector(
    "in_aadhaar",
    "IN_AADHAAR",
    [TRIG_LEFT + r"[2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4}" + TRIG_RIGHT],
    r"(?<![\w.+\-/])(?P<v>[2-9]\d{3}([ \-]?)\d{4}\2\d{4})" + NUM_RIGHT,
    0.6,
    validate=_aadhaar,
    prefilter=aadhaar_hits,
    context=("aadhaar", "aadhar", "adhaar", "uid", "uidai", "aadhaar_no", "aadhaar number"),
    negative_context=ID_WORDS,
    field_hints=("aadhaar", "aadhar", "uid", "aadhaar_number", "aadhaar_no", "uidai"),
    reach=(2, 8),
)

PAN = detector(
    "in_pan",
    "IN_PAN",
    [r"\b[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]\b"],
    r"(?<![\w])(?P<v>[A-Z]{3}[" + _PAN_HOLDER_TYPES + r"][A-Z]\d{4}[A-Z])(?![\w])",
    0.75,
    context=("pan", "pan_no", "pan number", "permanent account", "income tax", "tax"),
    field_hints=("pan", "pan_no", "pan_number", "pancard", "pan_card"),
    reach=(2, 8),
)

PASSPORT = detector(
    "in_passport",
    "IN_PASSPORT",
    [Trigger(r"passport", caseless=True)],
    r"(?i:passport)(?:[\s_\-]?(?i:no|number|num|#|id))?\.?[\"'\]]?\s{0,3}[:=\-]?\s{0,3}"
    r"(?:(?i:is)\s+)?[\"']?(?P<v>[A-Z][1-9]\d\s?\d{4}[1-9]|[A-Z]{1,2}\d{7})(?![\w])",
    0.85,
    field_hints=("passport", "passport_no", "passport_number"),
    field_value=r"[A-Z][1-9]\d\s?\d{4}[1-9]|[A-Z]{1,2}\d{7}",
    reach=(0, 48),
)

# Handles of UPI apps and banks (NPCI's published PSP list, the common ones).
UPI_HANDLES = (
    "upi ybl ibl axl okaxis okhdfcbank okicici oksbi paytm ptyes ptaxis pthdfc "
    "ptsbi apl yapl rapl abfspay axisbank axisb icici hdfcbank sbi kotak kmbl "
    "federal fbl yesbank yesbankltd ikwik freecharge airtel airtelpaymentsbank "
    "jio postbank barodampay unionbank unionbankofindia uboi idfcbank idfcfirst "
    "indus rbl aubank jupiteraxis fam slice waaxis wahdfcbank wasbi waicici "
    "naviaxis superyes timecosmos pingpay cnrb canarabank pnb mahb boi cboi "
    "indianbank idbi dbs hsbc citi citigold sc equitas kvb tjsb cub dlb jsb "
    "mairtel myicici ezeepay okbizaxis amazonpay apay zoicici tapicici"
).split()
_HANDLES = "|".join(sorted(UPI_HANDLES, key=len, reverse=True))

UPI: list[Detector] = [
    detector(
        "in_upi",
        "IN_UPI_ID",
        [Trigger(r"[A-Za-z0-9.\-_]@(?:" + _HANDLES + r")\b", caseless=True)],
        r"(?<![\w.\-])(?P<v>[A-Za-z0-9][A-Za-z0-9.\-_]{1,255}@(?i:" + _HANDLES + r"))"
        r"(?![\w\-@]|\.[A-Za-z])",
        0.85,
        context=("upi", "vpa", "payee", "collect", "pay", "paid"),
        field_hints=("upi", "vpa", "upi_id", "payee_vpa", "payer_vpa"),
        reach=(260, 16),
    ),
    detector(
        "in_upi_any_handle",
        "IN_UPI_ID",
        [Trigger(r"(?:upi|vpa)[^\n]{0,40}@[A-Za-z]", caseless=True)],
        r"(?<![\w.\-])(?P<v>[A-Za-z0-9][A-Za-z0-9.\-_]{1,255}@[A-Za-z][A-Za-z0-9]{1,30})"
        r"(?![\w\-@.])",
        0.5,
        context=("upi", "vpa", "upi_id", "payee_vpa", "payer_vpa"),
        field_hints=("upi", "vpa", "upi_id", "payee_vpa", "payer_vpa"),
        context_required=True,
        reach=(0, 320),
    ),
]


def _gstin(value: str, line: str, start: int, end: int) -> float | None:
    state = int(value[:2])
    if not (1 <= state <= 38 or state in (97, 99)) or value[5] not in _PAN_HOLDER_TYPES:
        return None
    return 0.0 if gstin_valid(value) else None


GSTIN = detector(
    "in_gstin",
    "IN_GSTIN",
    [r"\b\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]\b"],
    r"(?<![\w])(?P<v>\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z])(?![\w])",
    0.9,
    validate=_gstin,
    context=("gst", "gstin", "gst_no"),
    field_hints=("gstin", "gst", "gst_no", "gst_number"),
    reach=(2, 8),
)

VOTER = detector(
    "in_voter",
    "IN_VOTER",
    [Trigger(r"(?:voter|epic|electoral)", caseless=True)],
    r"(?i:voter|epic|electoral)[^\n]{0,24}?(?<![A-Z0-9])(?P<v>[A-Z]{3}\d{7})(?![\w])",
    0.85,
    field_hints=("voter_id", "epic", "epic_no", "voter"),
    field_value=r"[A-Z]{3}\d{7}",
    reach=(0, 48),
)

# Bank codes of the largest Indian banks: an IFSC from one of them is far likelier real.
_IFSC_BANKS = frozenset(
    (
        "SBIN HDFC ICIC UTIB PUNB KKBK BARB CNRB UBIN IDIB IOBA YESB INDB FDRL IDFB BKID CBIN "
        "MAHB UCBA PSIB KARB KVBL SIBL TMBL CIUB DBSS HSBC CITI SCBL RATN AUBL ESFB DLXB JAKA "
        "IBKL BDBL NKGS SVCB COSB ABHY APGB"
    ).split()
)


def _ifsc(value: str, line: str, start: int, end: int) -> float | None:
    return 0.1 if value[:4] in _IFSC_BANKS else -0.2


IFSC = detector(
    "in_ifsc",
    "IN_IFSC",
    [r"\b[A-Z]{4}0[A-Z0-9]{6}\b"],
    r"(?<![\w])(?P<v>[A-Z]{4}0[A-Z0-9]{6})(?![\w])",
    0.5,
    validate=_ifsc,
    context=("ifsc", "ifsc_code", "bank", "branch", "neft", "imps", "rtgs"),
    field_hints=("ifsc", "ifsc_code"),
    reach=(2, 8),
)

DETECTORS: list[Detector] = [AADHAAR, PAN, PASSPORT, *UPI, GSTIN, VOTER, IFSC]
