"""Global entities: phones, e-mail, cards, bank and network identifiers, dates of birth,
and the codes (CVV, OTP) that are only personal data when the text says what they are."""

from __future__ import annotations

import ipaddress
import re

import phonenumbers

from detectors.builtin.common import ID_WORDS, NUM_LEFT, NUM_RIGHT, TRIG_LEFT, TRIG_RIGHT
from detectors.checksums import iban_valid, luhn_valid
from detectors.prefilter import luhn_plain_hits
from detectors.registry import Detector, Trigger, detector

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


def _indian_mobile(value: str, line: str, start: int, end: int) -> float | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) > 10 and not digits.startswith(("91", "0")):
        return None
    # A prefix (+91 / 0) or the usual 5-5 grouping is what people write; a bare run of
    # ten digits is weaker evidence.
    return 0.2 if len(digits) > 10 or not value.isdigit() else 0.0


def _international(value: str, line: str, start: int, end: int) -> float | None:
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

# ---------------------------------------------------------------- e-mail
_COMMON_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "name",
        "pro",
        "mobi",
        "app",
        "dev",
        "io",
        "ai",
        "co",
        "me",
        "tv",
        "xyz",
        "online",
        "site",
        "store",
        "shop",
        "tech",
        "cloud",
        "email",
        "live",
        "today",
        "world",
        "life",
        "news",
        "blog",
        "club",
        "top",
        "vip",
        "work",
        "space",
        "website",
        "digital",
        "agency",
        "solutions",
        "services",
        "company",
        "network",
        "media",
        "global",
        "group",
        "systems",
        "bank",
        "insure",
        "health",
        "academy",
        "school",
        "university",
        "travel",
        "finance",
        "money",
        "ltd",
        "llc",
        "inc",
        "page",
        "one",
        "art",
        "design",
        "studio",
        "fashion",
        "food",
        "guru",
        "ninja",
        "rocks",
        "social",
        "team",
        "tips",
        "zone",
        "in",
    ]
)
# Two-letter endings that are file types far more often than country domains in logs.
_FILE_LIKE = frozenset(
    [
        "js",
        "ts",
        "py",
        "sh",
        "rb",
        "pm",
        "gz",
        "db",
        "so",
        "md",
        "rs",
        "cs",
        "go",
        "kt",
        "hs",
        "ml",
        "jar",
    ]
)


_TOKEN_USER = re.compile(r"^(?:gh[pousr]_|glpat-|xox[abprs]-)")


def _email(value: str, line: str, start: int, end: int) -> float | None:
    if (start and line[start - 1] == "*") or _TOKEN_USER.match(value):
        return None  # r*****a@gmail.com is already masked; ghp_…@github.com is a token
    tld = value.rsplit(".", 1)[-1].lower()
    if tld in _COMMON_TLDS or (len(tld) == 2 and tld not in _FILE_LIKE):
        return 0.0
    return None


EMAIL = detector(
    "email",
    "EMAIL_ADDRESS",
    [r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}"],
    r"(?<![\w.%+\-])(?P<v>[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![\w\-@]|\.[A-Za-z0-9])",
    0.9,
    validate=_email,
    context=("email", "e-mail", "mail"),
    field_hints=("email", "mail", "e_mail"),
    reach=(70, 32),
)

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


def _card(value: str, line: str, start: int, end: int) -> float | None:
    digits = re.sub(r"\D", "", value)
    seps = set(re.findall(r"\D", value))
    if len(seps) > 1:
        return None
    if seps and tuple(len(g) for g in re.split(r"\D", value)) not in _CARD_GROUPS:
        return None
    if not luhn_valid(digits) or len(set(digits)) < 2:
        return None
    for (low, high), width, lengths in _CARD_LENGTHS:
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return 0.15 if seps else 0.0
    return None


CARD_CONTEXT = (
    "card",
    "cc",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "amex",
    "rupay",
    "maestro",
    "card_no",
    "cardnumber",
    "card_number",
    "pan",
    "payment",
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

# ---------------------------------------------------------------- OTP
_OTP_WORDS = (
    r"(?:(?<![a-z0-9])otp(?![a-z])|one[\s\-]?time[\s\-]?(?:password|pin|passcode|code)|verification\s+code"
    r"|passcode|security\s+code|auth(?:entication)?\s+code)"
)
_NOT_A_CODE_AFTER = re.compile(
    r"\s*(?:s|sec|secs|seconds|ms|min|mins|minutes|hours?|attempts?|retries|times|tries|chars|"
    r"characters|digits)\b",
    re.IGNORECASE,
)


def _otp(value: str, line: str, start: int, end: int) -> float | None:
    return None if _NOT_A_CODE_AFTER.match(line, end) else 0.0


_OTP_TRIGGER = Trigger(
    r"(?:(?:\b|_)otp|one[ \-]?time[ \-]?(?:password|pin|passcode|code)|verification code|passcode|"
    r"security code|auth code|authentication code)",
    caseless=True,
)
OTP: list[Detector] = [
    detector(
        "otp_after_word",
        "OTP_CODE",
        [_OTP_TRIGGER],
        # keyword, an optional "code"/"no", a separator, at most a few words ("for login
        # is"), then the code standing alone: never digits further along a URL or a word.
        r"(?i)" + _OTP_WORDS + r"(?:[\s_\-]*(?:code|no\.?|number|value))?[\"'\]]?\s{0,3}"
        r"(?:[:=\-]|is|was)?\s{0,3}[\"']?(?:[a-z0-9 ,.₹]{0,32}?(?:\bis|:)\s{1,3})?"
        r"(?P<v>\d{4,8})(?![\w])",
        0.85,
        validate=_otp,
        field_hints=("otp", "otp_code", "passcode", "verification_code"),
        field_value=r"\d{4,8}",
        reach=(0, 48),
    ),
    detector(
        "otp_before_word",
        "OTP_CODE",
        [_OTP_TRIGGER],
        r"(?i)(?<![\d\w])(?P<v>\d{4,8})\s+is\s+(?:your|the)\s+" + _OTP_WORDS,
        0.9,
        reach=(40, 8),
    ),
]

# ---------------------------------------------------------------- IBAN, SSN
_IBAN_LENGTHS = dict(
    (item[:2], int(item[2:]))
    for item in [
        "AD24",
        "AE23",
        "AL28",
        "AT20",
        "AZ28",
        "BA20",
        "BE16",
        "BG22",
        "BH22",
        "BR29",
        "CH21",
        "CR22",
        "CY28",
        "CZ24",
        "DE22",
        "DK18",
        "DO28",
        "EE20",
        "EG29",
        "ES24",
        "FI18",
        "FO18",
        "FR27",
        "GB22",
        "GE22",
        "GI23",
        "GL18",
        "GR27",
        "GT28",
        "HR21",
        "HU28",
        "IE22",
        "IL23",
        "IQ23",
        "IS26",
        "IT27",
        "JO30",
        "KW30",
        "KZ20",
        "LB28",
        "LC32",
        "LI21",
        "LT20",
        "LU20",
        "LV21",
        "MC27",
        "MD24",
        "ME22",
        "MK19",
        "MR27",
        "MT31",
        "MU30",
        "NL18",
        "NO15",
        "PK24",
        "PL28",
        "PS29",
        "PT25",
        "QA29",
        "RO24",
        "RS22",
        "SA24",
        "SC31",
        "SE24",
        "SI19",
        "SK24",
        "SM27",
        "ST25",
        "SV28",
        "TL23",
        "TN24",
        "TR26",
        "UA29",
        "VA22",
        "VG24",
        "XK20",
    ]
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
    digits = re.sub(r"\D", "", value)
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
        negative_context=(
            "order",
            "txn",
            "invoice",
            "phone",
            "tracking",
            "isbn",
            "sku",
            "item",
            "product",
            "part",
            "model",
            "serial",
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

# ---------------------------------------------------------------- network
# Keys that name a machine's address (server_ip=, upstream=); as free-text words they are
# too common ("[gateway] 203.0.113.45 - -") to count against an address.
_MACHINE_KEYS = (
    "server",
    "host",
    "node",
    "upstream",
    "gateway",
    "dns",
    "bind",
    "listen",
    "broker",
    "peer",
    "proxy",
)
_NOT_AN_ADDRESS_WORDS = (
    "version",
    "ver",
    "build",
    "release",
    "firmware",
    "oid",
    "snmp",
    "mib",
    "sdk",
    "agent",
    "chrome",
    "safari",
    "firefox",
    "android",
)


def _ipv4(value: str, line: str, start: int, end: int) -> float | None:
    if start > 1 and line[start - 1] == "/" and line[start - 2].isalpha():
        return None  # a product version in a user agent: OPR/106.0.0.0, Edg/124.0.0.0
    if line[end : end + 1] == "/" and line[end + 1 : end + 2].isdigit():
        return None  # a CIDR network (49.36.12.0/24): no one host, let alone a person
    parts = value.split(".")
    if any((len(p) > 1 and p[0] == "0") or int(p) > 255 for p in parts):
        return None  # 01.02.03.04 is a date or a version, 300.1.1.1 no address at all
    a, b = int(parts[0]), int(parts[1])
    if a in (0, 127, 255) or a >= 224:
        return None  # unspecified, loopback, broadcast, multicast: no person's device
    # Private ranges address machines inside a data centre far more often than a person's
    # device, so they count only where the text says they are a client's address.
    private = a == 10 or (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168)
    return -0.25 if private or (a == 169 and b == 254) else 0.05


def _ipv6(value: str, line: str, start: int, end: int) -> float | None:
    if value.count(":") < 2 or not any(ch.isdigit() for ch in value):
        return None
    try:
        ip = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        return None
    return 0.0


IP_FIELDS = ("ip", "ip_address", "client_ip", "remote_addr", "x_forwarded_for", "src_ip", "ipv6")
NETWORK: list[Detector] = [
    detector(
        "ipv4",
        "IP_ADDRESS",
        [
            # Private and loopback ranges (10/8, 127/8, 172.16/12, 192.168/16) are never a
            # person's address on their own: the trigger skips them, so infrastructure logs
            # full of node addresses cost nothing ...
            r"\b(?:(?:[1-9]|1[1-9]|[2-9]\d|1(?:[013-68]\d|2[0-689]|7[013-9]|9[013-9])|2\d\d)"
            r"\.\d{1,3}|172\.(?:\d|1[0-5]|3[2-9]|[4-9]\d|1\d\d|2\d\d)"
            r"|192\.(?:\d{1,2}|1[0-5]\d|16[0-79]|1[7-9]\d|2\d\d))\.\d{1,3}\.\d{1,3}\b",
            # ... unless the text says the address is a client's.
            Trigger(
                r"(?:client|remote|user|customer|\bip|_ip)[^\n]{0,24}"
                r"\b(?:10|127|172\.(?:1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}"
                r"(?:\.\d{1,3})?\b",
                caseless=True,
            ),
        ],
        r"(?<![\w.\-])(?P<v>(?:\d{1,3}\.){3}\d{1,3})(?![\w\-]|\.\d)",
        0.65,
        validate=_ipv4,
        # Not a bare "ip": host names such as ip-10-0-1-5 carry it. A key `ip` still counts
        # through field_hints.
        context=(
            "client",
            "client_ip",
            "remote",
            "remote_addr",
            "user",
            "customer",
            "ip_address",
        ),
        negative_context=_NOT_AN_ADDRESS_WORDS,
        negative_keys=_MACHINE_KEYS,
        field_hints=IP_FIELDS,
        reach=(2, 8),
    ),
    detector(
        "ipv6",
        "IP_ADDRESS",
        # Eight groups or a `::`, so that clock times (2024:12:00:01) never fire it.
        [r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}", r"[0-9A-Fa-f]{0,4}::[0-9A-Fa-f]{1,4}\b"],
        r"(?<![\w:.])(?P<v>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:.])",
        0.65,
        validate=_ipv6,
        context=("ip", "client", "remote", "addr", "forwarded", "src"),
        field_hints=IP_FIELDS,
        reach=(40, 40),
    ),
]


def _mac(value: str, line: str, start: int, end: int) -> float | None:
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).lower()
    if "." in value and digits.isdigit():
        return None  # 2024.0311.1502 is a CalVer build, not a Cisco-style MAC
    if len(set(digits)) < 2:
        return None  # 00:00:00:00:00:00 and ff:ff:… are placeholders
    return 0.0


MAC = detector(
    "mac",
    "MAC_ADDRESS",
    [
        r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-]"
        r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}",
        r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
    ],
    r"(?<![\w:\-.])(?P<v>[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\2[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:\-]|\.[0-9A-Fa-f])",
    0.65,
    validate=_mac,
    context=("mac", "hwaddr", "ether", "bssid", "wifi", "device"),
    field_hints=("mac", "mac_address", "hwaddr", "bssid"),
    reach=(2, 8),
)

_DEVICE_KEYS = (
    r"(?:device[\s_\-]?id|deviceid|idfa|idfv|gaid|adid|android[\s_\-]?id|advertising[\s_\-]?id"
    r"|imei|udid|install[\s_\-]?id)"
)
_DEVICE_VALUE = (
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{16}|[0-9a-fA-F]{16}|\d{15}|[0-9A-Fa-f]{40}"
)


def _device(value: str, line: str, start: int, end: int) -> float | None:
    if value.isdigit() and not luhn_valid(value):
        return None  # a 15-digit IMEI carries a Luhn check digit
    if len(set(value.replace("-", ""))) < 3:
        return None
    return 0.0


DEVICE_ID = detector(
    "device_id",
    "DEVICE_ID",
    [
        Trigger(
            r"(?:device[ _\-]?id|deviceid|idfa|idfv|gaid|adid|android[ _\-]?id"
            r"|advertising[ _\-]?id|imei|udid|install[ _\-]?id)",
            caseless=True,
        )
    ],
    r"(?i)(?<![a-z])" + _DEVICE_KEYS + r"[\"'\]]?\s{0,3}[:=]?\s{0,3}[\"']?"
    r"(?P<v>" + _DEVICE_VALUE + r")(?![\w\-])",
    0.85,
    validate=_device,
    field_hints=(
        "device_id",
        "deviceid",
        "idfa",
        "idfv",
        "gaid",
        "adid",
        "android_id",
        "imei",
        "udid",
        "advertising_id",
    ),
    field_value=_DEVICE_VALUE,
    reach=(0, 80),
)

# ---------------------------------------------------------------- date of birth
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (
    r"\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r",?\s+\d{4}|" + _MONTHS + r"\s+\d{1,2},?\s+\d{4}"
)


def _birth_date(value: str, line: str, start: int, end: int) -> float | None:
    years = [int(y) for y in re.findall(r"\d{4}", value)]
    if not years or not 1900 <= years[0] <= 2026:
        return None
    numbers = [int(n) for n in re.findall(r"\d{1,2}(?!\d)", value.replace(str(years[0]), ""))]
    if any(n == 0 or n > 31 for n in numbers):
        return None
    return 0.0


DATE_OF_BIRTH = detector(
    "date_of_birth",
    "DATE_OF_BIRTH",
    [
        Trigger(
            r"(?:dob|d\.o\.b|date[ _\-]?of[ _\-]?birth|birth[ _\-]?date|birthdate|birthday|born)",
            caseless=True,
        )
    ],
    r"(?i)(?<![a-z])(?:dob|d\.o\.b\.?|date[\s_\-]?of[\s_\-]?birth|birth[\s_\-]?date|birthdate"
    r"|birthday|born(?:\s+on)?)[\"'\]]?\s{0,3}[:=\-]?\s{0,3}[\"']?(?P<v>" + _DATE + r")(?!\d)",
    0.9,
    validate=_birth_date,
    field_hints=("dob", "date_of_birth", "birth_date", "birthdate", "birthday"),
    field_value=_DATE,
    reach=(0, 64),
)

DETECTORS: list[Detector] = [
    *PHONES,
    EMAIL,
    CREDIT_CARD,
    CVV,
    *OTP,
    IBAN,
    *SSN,
    *NETWORK,
    MAC,
    DEVICE_ID,
    DATE_OF_BIRTH,
]
