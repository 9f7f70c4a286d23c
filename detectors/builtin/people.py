"""PERSON and STREET_ADDRESS without an NLP model.

Most names and addresses that leak from an e-commerce platform sit in fields that say what
they are (``customer_name``, ``shipping_address``); those are found by the field name plus a
check that the value has the shape of a name or an address. In free text, a ``First Last``
pair from the name dictionaries, a title (``Mr.``, ``Smt.``) or an address's structure
(house number, road/nagar/sector word, city, 6-digit PIN) is required.
"""

from __future__ import annotations

import re

from detectors.context import key_before
from detectors.names import all_first_names, first_names, last_names
from detectors.registry import Detector, Trigger, detector

# ------------------------------------------------------------------ PERSON
PERSON_KEY_PARTS = frozenset(
    (
        "customer cust contact recipient receiver sender consignee consignor beneficiary "
        "holder cardholder buyer payee payer passenger guest patient employee father mother "
        "spouse nominee applicant owner person full first last given family middle billing "
        "shipping delivery driver rider account legal display"
    ).split()
)
# `name` alone is a person only when its value says so; these `*_name` keys never are.
NOT_PERSON_KEY_PARTS = frozenset(
    (
        "file host user service thread app application bucket table class method event "
        "product item city state country company merchant bank branch device model brand "
        "category queue topic cluster node pod container job task db database schema column "
        "field key domain server region zone project env stage module package plugin browser "
        "os"
    ).split()
)
_STOP_VALUES = frozenset(
    (
        "null none nil unknown test tester na n/a user admin guest customer default anonymous "
        "true false sample demo name first last"
    ).split()
)
# Placeholders that guest checkouts and test data put where a name belongs.
_STOP_VALUES = _STOP_VALUES | {
    "guest user",
    "guest customer",
    "walk-in customer",
    "walkin customer",
    "test customer",
    "test user",
    "anonymous user",
    "default user",
}
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*\.?")


_PERSON_LEAVES = frozenset(
    "name names fullname firstname lastname surname holder cardholder consignee recipient "
    "beneficiary payee nominee".split()
)


def is_person_key(key: str) -> bool:
    """``customer_name``, ``card_holder``, ``recipient``, ``lastName``, ``name_on_card``,
    ``name_as_per_aadhaar``: yes; ``hostname``, ``file_name``, ``merchant_name``: no."""
    parts = key.split("_")
    if len(parts) > 2 and parts[0] == "name" and parts[1] in ("on", "as", "per", "in"):
        return True
    if not parts or parts[-1] not in _PERSON_LEAVES:
        return False
    if any(p in NOT_PERSON_KEY_PARTS for p in parts[:-1]):
        return False
    if parts[-1] not in ("name", "names"):
        return True
    return len(parts) == 1 or any(p in PERSON_KEY_PARTS for p in parts[:-1])


def looks_like_name(value: str, explicit_key: bool) -> float | None:
    """Score delta for a value in a name field, or None when it has no name's shape."""
    tokens = [t for t in _SPACES_PLUS.split(value.strip()) if t]
    if not 1 <= len(tokens) <= 4 or value.strip().lower() in _STOP_VALUES:
        return None
    if not all(_TOKEN.fullmatch(t) for t in tokens):
        return None
    known = sum(t.title() in first_names() or t.title() in last_names() for t in tokens)
    # Under a key that says "person" (customer_name, card_holder) any name-shaped value is
    # one, in whatever case it was typed (`customer_name=rubiya waghmare`): the dictionary
    # cannot know every Indian name. Under a bare `name` key ("Wireless Mouse" is a
    # product, `name=Checkout` a step) a known first or last name is needed.
    if not known and not explicit_key:
        return None
    return 0.1 if known and len(tokens) > 1 else 0.0


def _person_key_value(value: str, line: str, start: int, end: int) -> float | None:
    key = key_before(line, start)
    if key == "pn":  # payee name of a UPI payment link: upi://pay?pa=…&pn=…
        if "upi:" not in line[:start].lower():
            return None
        return looks_like_name(value, explicit_key=True)
    if key is not None and not is_person_key(key):
        return None
    return looks_like_name(value, explicit_key=key != "name")


def _person_pair(value: str, line: str, start: int, end: int) -> float | None:
    tokens = _SPACE_OR_PLUS.split(value)
    if tokens[0] not in first_names():
        return None
    return 0.0 if tokens[-1] in last_names() else None


# Words that follow a title-like word without being a name: Sri Lanka, Dr. Martens.
_NOT_AFTER_TITLE = frozenset({"Lanka", "Martens", "Pepper", "Oetker"})
_HONORIFIC_BEFORE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Shri|Smt|Sri|Kumari)\.?\s+$")
# Validators run per candidate: their patterns are compiled once, here.
_SPACES_PLUS = re.compile(r"[\s+]+")
_SPACE_OR_PLUS = re.compile(r"[ +]")
_SPACES = re.compile(r"\s+")
_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")
_HEXISH = re.compile(r"(?:0x)?[0-9a-fA-F:.\-/]+")
_IPV4_START = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}\b")
# An arrow or a call (`EndPoint(kafka0,9092)`): code and log structure, never a street.
_CODE_LIKE = re.compile(r"->|=>|[A-Za-z0-9_]\([A-Za-z0-9_]")
_DIGIT = re.compile(r"\d")
_PIN = re.compile(r"(?<!\d)[1-8]\d{5}(?!\d)")
_PIN_AT_END = re.compile(r"(?<!\d)[1-8]\d{5}$")


def _person_titled(value: str, line: str, start: int, end: int) -> float | None:
    tokens = _SPACES.split(value)
    if tokens[0].lower() in _STOP_VALUES or tokens[0] in _NOT_AFTER_TITLE:
        return None
    if line[end : end + 2] in ("'s", "’s"):
        return None  # Dr. Reddy's, Mr. Cooper's: a company or a brand
    known = any(t in all_first_names() or t in last_names() for t in tokens)
    if known:
        return 0.0
    # After Mr./Smt. any capitalised pair is a name; after "customer" it must be a name we
    # know, or "Customer Service Desk" would be one. A salutation closed by a comma
    # (`Dear Rupachand,`, `Hi Laili!`) addresses a person unless it addresses a role.
    honorific = _HONORIFIC_BEFORE.search(line[max(0, start - 12) : start])
    if honorific and len(tokens) > 1:
        return 0.0
    if (
        line[end : end + 1] in (",", "!")
        and tokens[0].lower() not in _NOT_ADDRESSEES
        and _SALUTATION_BEFORE.search(line[max(0, start - 8) : start])
    ):
        return 0.0
    return None


_SALUTATION_BEFORE = re.compile(r"(?:Dear|dear|Hi|Hello)\s+$")
# Whom a greeting addresses when it is no person: `Dear Team,`, `Hello Everyone!`.
_NOT_ADDRESSEES = frozenset(
    (
        "team sir madam all friend friends colleague colleagues member members subscriber "
        "subscribers partner partners seller sellers merchant merchants valued everyone there "
        "support shopper shoppers folks client clients reader readers sender applicant"
    ).split()
)


PERSON_CONTEXT = (
    "customer",
    "mr",
    "mrs",
    "ms",
    "dear",
    "name",
    "contact",
    "recipient",
    "consignee",
    "beneficiary",
    "payee",
    "deliver",
    "delivered to",
    "hi",
    "hello",
    "user",
    "by",
    "called",
)
# Honorifics and salutations (English, and Hindi: प्रिय "dear", श्री / श्रीमती "Mr" / "Mrs").
_HONORIFIC = r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Shri|Smt|Sri|Kumari)\.?|श्रीमती|श्री)"
_SALUTATION = r"(?:\b(?:[Cc]ustomer|Dear|dear|Hi|Hello)|प्रिय)"
# "Dear Ms. Rao" as well as "Dear Rao" and "Ms. Rao".
_TITLES = rf"(?:{_SALUTATION}\s+(?:{_HONORIFIC}\s+)?|{_HONORIFIC}\s+)"
_TITLE_TRIGGER = Trigger(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Shri|Smt|Sri|Kumari)\.?|\b(?:[Cc]ustomer|Dear|dear|Hi|Hello)"
    r"|\xe0\xa4\xaa\xe0\xa5\x8d\xe0\xa4\xb0\xe0\xa4\xbf\xe0\xa4\xaf|\xe0\xa4\xb6\xe0\xa5\x8d\xe0\xa4\xb0\xe0\xa5\x80)"
    r"[ ]+[A-Z][a-z]"
)
_NAME_TOKENS = r"[A-Z][a-z]+(?:[ +][A-Z]\.)?[ +][A-Z][a-z]+"


def person_triggers() -> list[Trigger]:
    """One literal trigger per dictionary first name followed by a capitalised word."""
    return [Trigger(rf"\b{name}[ +][A-Z]", width=len(name) + 2) for name in sorted(first_names())]


PERSON: list[Detector] = [
    detector(
        "person_key_value",
        "PERSON",
        [
            Trigger(
                # `name` as a whole key or after a person word; never `hostname=`.
                r"(?:\bname|(?:customer|cust|full|first|last|given|family|middle|contact"
                r"|recipient|receiver|sender|consignee|beneficiary|holder|buyer|payee|payer"
                r"|passenger|guest|patient|billing|shipping|delivery|father|mother|spouse"
                r"|nominee|applicant|owner|person|display)[_\- ]?name|surname|holder|recipient"
                r"|consignee|beneficiary|payee|nominee|\bname_(?:on|as|per|in)_[a-z_]{1,24})"
                r"[\"']?[ ]{0,3}[:=]",
                caseless=True,
            ),
            Trigger(r"[?&]pn=[A-Za-z%]"),
        ],
        r"(?<![A-Za-z0-9])[A-Za-z_][\w.\-]{0,40}[\"']?\s{0,3}[:=]\s{0,3}"
        r"(?:\"(?P<v>[^\"\\]{1,80})\"|'(?P<v2>[^'\\]{1,80})'"
        r"|(?P<v3>[A-Z][\w.'\-]*(?:(?: |\+)[A-Z][\w.'\-]*){0,3}))",
        0.85,
        validate=_person_key_value,
        field_hints=("name", "full_name", "first_name", "last_name", "customer_name"),
        field_check=is_person_key,
        reach=(28, 100),
    ),
    detector(
        "person_titled",
        "PERSON",
        [_TITLE_TRIGGER],
        _TITLES + r"(?P<v>[A-Z][a-z]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z]+){0,2})(?![\w@])",
        0.8,
        validate=_person_titled,
        reach=(0, 40),
    ),
    detector(
        "person_name_pair",
        "PERSON",
        [],  # one per dictionary first name: more_triggers=person_triggers
        # A lookahead, so that every capitalised word is tried as a first name: in
        # "Customer Rahul Sharma" the pair starts at the second word.
        r"(?<![\w@.])(?=(?P<v>" + _NAME_TOKENS + r")(?![\w@]))",
        0.6,
        validate=_person_pair,
        context=PERSON_CONTEXT,
        reach=(2, 40),
        more_triggers=person_triggers,
    ),
]


# ------------------------------------------------------------------ STREET_ADDRESS
ADDRESS_KEY_PARTS = frozenset(
    (
        "shipping billing delivery home residential permanent current postal street customer "
        "mailing full pickup drop return office communication correspondence registered "
        "present local billing shipto"
    ).split()
)
NOT_ADDRESS_KEY_PARTS = frozenset(
    (
        "id ids uuid type status verified hash count index ref code key ip mac email e mail "
        "remote server host bind listen wallet contract memory hw ether peer local_ip "
        "client_ip node web url ipv4 ipv6 src dst source destination"
    ).split()
)
STREET_WORDS = (
    "Road Rd Street St Marg Nagar Colony Sector Lane Layout Cross Main Avenue "
    "Ave Vihar Enclave Bagh Ganj Puram Halli Palya Pet Peth Chowk Bazaar Bazar "
    "Gali Mohalla Society Apartments Apartment Apts Towers Tower Residency "
    "Block Phase Extension Extn Park Garden Gardens Circle Path Highway Nivas "
    "Niwas Bhavan Bhawan Complex Plaza Market Village Wadi"
).split()
_STREET = "(?:" + "|".join(sorted(STREET_WORDS, key=len, reverse=True)) + ")"
_STREET_LOWER = re.compile(r"\b" + _STREET.lower() + r"\b")


def is_address_key(key: str) -> bool:
    parts = [p for p in key.split("_") if p and not p.isdigit()]
    if not parts:
        return False
    core = {"address", "addr", "address1", "address2", "addressline", "street", "line1", "line2"}
    if not any(p in core or p.startswith(("address", "addr")) for p in parts):
        return False
    if any(p in NOT_ADDRESS_KEY_PARTS for p in parts):
        return False
    return len(parts) == 1 or any(p in ADDRESS_KEY_PARTS or p in core for p in parts)


def looks_like_address(value: str) -> float | None:
    text = value.strip()
    if len(text) < 6 or "@" in text or "://" in text or not _TWO_LETTERS.search(text):
        return None
    if _HEXISH.fullmatch(text) or _IPV4_START.match(text):
        return None  # an IP, MAC, pointer or hex id in an `address` field
    if _CODE_LIKE.search(text):
        return None  # `addresses: PLAINTEXT -> EndPoint(kafka0,9092,PLAINTEXT)`
    signals = sum(
        (
            bool(_DIGIT.search(text)),
            bool(_STREET_LOWER.search(text.lower())),
            "," in text,
            bool(_PIN.search(text)),
        )
    )
    return 0.05 if signals >= 2 else (0.0 if signals == 1 else None)


def _before_escapes(line: str, start: int) -> int:
    """``start`` moved back over the ``\\t``/``\\r``/``\\n`` escapes the pattern lets stand
    between a key and its value in a message embedded in JSON (``Address:\\t\\t12 MG Rd``)."""
    while start >= 2 and line[start - 2] == "\\" and line[start - 1] in "tnr":
        start -= 2
    return start


def _address_key_value(value: str, line: str, start: int, end: int) -> float | None:
    key = key_before(line, _before_escapes(line, start))
    if key is not None and not is_address_key(key):
        return None
    score = looks_like_address(value)
    if score is None and key and "line" in key.split("_") and _LOCALITY.fullmatch(value.strip()):
        return 0.0  # address_line_2 = "Whitefield": a locality is part of the address
    return score


_LOCALITY = re.compile(r"[A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){0,3}")


def _address_free(value: str, line: str, start: int, end: int) -> float | None:
    has_pin = _PIN_AT_END.search(value) is not None
    return 0.2 if has_pin else 0.0


_HOUSE = (
    r"(?:(?:Flat|House|H\.?\s?No\.?|Plot|Door|Shop|Room|No\.?)\s*(?:No\.?\s*)?)?#?"
    r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?)?,?"
)
_WORD = r"[A-Z0-9][A-Za-z0-9.'\-]*"
_PIN_TAIL = r"(?:,?\s*(?:-\s*)?[1-8]\d{5})"
ADDRESS: list[Detector] = [
    detector(
        "address_key_value",
        "STREET_ADDRESS",
        [
            Trigger(
                # `address` as a whole key or after a postal word; never `ip_address=`.
                r"(?:\b(?:address|addr|street)|(?:shipping|billing|delivery|home|residential|permanent"
                r"|current|postal|street|customer|mailing|full|pickup|drop|return|office"
                r"|communication|correspondence|registered)[_\- ]?(?:address|addr))"
                r"[A-Za-z0-9_]{0,12}[\"']?[ ]{0,3}[:=]",
                caseless=True,
            )
        ],
        r"(?<![A-Za-z0-9])[A-Za-z_][\w.\-]{0,40}[\"']?\s{0,3}[:=]"
        # Spaces, or the `\t`/`\r\n` escapes of a message embedded in JSON (a Windows
        # event's "Source Address:\t\tfe80::1\r\n"): an unquoted value ends at one.
        r"(?:\s|\\[tnr]){0,3}"
        r"(?:\"(?P<v>[^\"\\]{4,300})\"|'(?P<v2>[^'\\]{4,300})'"
        r"|(?P<v3>[^&|;\t\"\s\\](?:[^&|;\t\"=\\]|\\(?![tnr])){3,300}?)"
        r"(?=\s+[A-Za-z_][\w.\-]*=|[&|;\t\"]|\\[tnr]|$))",
        0.85,
        validate=_address_key_value,
        field_hints=("address", "addr", "street", "address_line", "address1", "address2"),
        field_check=is_address_key,
        reach=(48, 320),
    ),
    detector(
        "address_free_text",
        "STREET_ADDRESS",
        # The street word alone: a literal set Hyperscan matches at memory speed. The house
        # number, locality and PIN around it are the precise pattern's job.
        [r"\b" + _STREET + r"\b"],
        r"(?<![\w])(?P<v>"
        + _HOUSE
        + r"\s+(?:"
        + _WORD
        + r",?\s+){0,6}?"
        + _STREET
        + r"(?:\s+"
        + _STREET
        + r")?\b\.?"
        # Up to eight more words (locality, city) when a PIN closes the address. One flat
        # lazy repeat: nested repeats backtrack exponentially on a line of street words.
        r"(?:(?:[ ,]+[A-Za-z0-9.'\-]+){0,8}?" + _PIN_TAIL + r")?)"
        r"(?![\w])",
        0.6,
        validate=_address_free,
        context=("address", "addr", "deliver", "ship", "resides", "located"),
        reach=(100, 200),
    ),
]

DETECTORS: list[Detector] = [*PERSON, *ADDRESS]
