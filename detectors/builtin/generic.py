"""Global entities that are not numbers of a kind: e-mail addresses, one-time codes and
dates of birth (the last two only where the text says what they are)."""

from __future__ import annotations

import re

from detectors.registry import Detector, Trigger, detector

# ---------------------------------------------------------------- e-mail
_COMMON_TLDS = frozenset(
    (
        "com net org edu gov mil int info biz name pro mobi app dev io ai co me tv xyz online "
        "site store shop tech cloud email live today world life news blog club top vip work "
        "space website digital agency solutions services company network media global group "
        "systems bank insure health academy school university travel finance money ltd llc "
        "inc page one art design studio fashion food guru ninja rocks social team tips zone "
        "in"
    ).split()
)
# Two-letter endings that are file types far more often than country domains in logs.
_FILE_LIKE = frozenset(("js ts py sh rb pm gz db so md rs cs go kt hs ml jar").split())


_TOKEN_USER = re.compile(r"^(?:gh[pousr]_|glpat-|xox[abprs]-)")


# What names a message, not a mailbox: `message-id=<20081112.GA12@mail.example.com>` in
# every postfix line, `Message-ID: <CAKx8j3p=Rz9aQ@mail.gmail.com>`, In-Reply-To, References.
_MESSAGE_ID_KEY = re.compile(
    r"(?:message[-_]?id|in-reply-to|references|msgid)\s*[:=]?\s*$", re.IGNORECASE | re.ASCII
)


def _in_message_id(line: str, start: int) -> bool:
    """Whether the candidate starting at ``start`` sits inside ``<…>`` after a message-id
    key (``<`` before it with no space or ``>`` between)."""
    i = start - 1
    while i >= 0 and line[i] != "<":
        if line[i] == ">" or line[i].isspace():
            return False
        i -= 1
    return i >= 0 and _MESSAGE_ID_KEY.search(line[max(0, i - 40) : i]) is not None


def _email(value: str, line: str, start: int, end: int) -> float | None:
    if (start and line[start - 1] == "*") or _TOKEN_USER.match(value):
        return None  # r*****a@gmail.com is already masked; ghp_…@github.com is a token
    if _in_message_id(line, start):
        return None
    tld = value.rsplit(".", 1)[-1].lower()
    if tld in _COMMON_TLDS or (len(tld) == 2 and tld not in _FILE_LIKE):
        return 0.0
    return None


EMAIL = detector(
    "email",
    "EMAIL_ADDRESS",
    [r"[A-Za-z0-9._+\-]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}"],
    # Not after an `@` that ends a mailbox, and followed by an `@` only when a host follows:
    # in a URL's userinfo (`https://98xxxxxx00%40163.com@contacts.example.com/`, decoded)
    # the mailbox is the address, never `163.com@contacts.example.com`. After an `@` that
    # starts a word, a mention or fediverse handle (`@meera@example.org`), the address is
    # the rest. After a `+` only where the `+` starts a word (`Embedly +support@embed.ly`),
    # not inside a local part (`meera+shop@`).
    r"(?<![\w.%\-])(?<![\w.%+\-]@)(?<![\w.%+\-@]\+)(?P<v>[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![\w\-]|@(?![A-Za-z0-9])|\.[A-Za-z0-9])",
    0.9,
    validate=_email,
    context=("email", "e-mail", "mail"),
    field_hints=("email", "mail", "e_mail"),
    reach=(70, 32),
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
        # "482913 is your OTP", and the common SMS form that names the brand and purpose
        # first: "620806 is your ShopKart login OTP" (at most three words in between).
        r"(?i)(?<![\d\w])(?P<v>\d{4,8})\s+is\s+(?:your|the)\s+(?:[a-z][\w\-]*\s+){0,3}"
        + _OTP_WORDS,
        0.9,
        reach=(40, 8),
    ),
]


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


DETECTORS: list[Detector] = [EMAIL, *OTP, DATE_OF_BIRTH]
