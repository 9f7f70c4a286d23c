"""Secrets: cloud keys, JWTs, PEM private keys and the values of password/token/api-key
fields, bearer headers and credentials embedded in URLs."""

from __future__ import annotations

import base64
import json
import re

from detectors.context import key_before
from detectors.registry import Detector, Trigger, detector

_PLACEHOLDER = re.compile(
    r"^(?:\*+|x+|X+|#+|\.+|-+|null|none|nil|true|false|undefined|redacted|masked|hidden|secret|"
    r"password|changeme|<[^>]*>|\$\{[^}]*\}?|\{\{[^}]*\}\}|%s|%\(\w+\)s|\[REDACTED[^\]]*\]|"
    r"\[(?:FILTERED|MASKED|REDACTED)[^\]]*\]?)$",
    re.IGNORECASE,
)


_CLAIMED = re.compile(
    r"^(?:eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.|(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])|-----BEGIN)"
)


_NESTED_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# A Java/Android object's toString (AppWindowToken{9f4ef63 …}, Token@6d06d69c): a type name
# straight followed by a brace or an @hash, not a credential.
# The identity hash is hex with letters (6d06d69c); Name@1990 is a typical password, not one.
_OBJECT_DUMP = re.compile(r"^[A-Z][A-Za-z0-9_$.]*(?:\{|@(?=[0-9]*[a-f])[0-9a-f]{6,8}$)")


# A Windows event's message-table insert (`"ElevatedToken":"%%1842"` reads "Yes").
_WINDOWS_INSERT = re.compile(r"%%?\d+")
# Cursors an API hands back to page through results (CloudTrail's `NextToken`): opaque,
# long and random-looking, but they grant nothing.
_PAGING_KEYS = frozenset(
    (
        "next_token next_page_token page_token continuation_token pagination_token "
        "sync_token resume_token cursor next_cursor"
    ).split()
)


def _operation_pair(line: str, start: int, end: int) -> bool:
    """Whether the value ends ``(program:value)``, the facility notation of syslog and PAM:
    ``pam_unix(chpasswd:chauthtok)`` names the passwd program's change-token step."""
    if end >= len(line) or line[end] != ")" or start < 2 or line[start - 1] != ":":
        return False
    i = start - 1
    while i > 0 and (line[i - 1].isascii() and (line[i - 1].isalnum() or line[i - 1] in "_.-")):
        i -= 1
    return i < start - 1 and i > 0 and line[i - 1] == "("


def _not_placeholder(value: str, line: str, start: int, end: int) -> float | None:
    """A secret value, unless it is a placeholder, already masked, or a JWT / AWS key /
    PEM key, which their own detectors report under their own, more specific entity."""
    if _PLACEHOLDER.match(value) or "XXX" in value or _CLAIMED.match(value):
        return None
    if _NESTED_KEY.match(value) or _OBJECT_DUMP.match(value):
        return None  # `credentials: AccessKeyId=…` - the inner keys are scanned themselves
    if value[:1] in "/~" and line[max(0, start - 4) : start].upper().startswith("PWD"):
        return None  # PWD=/home/deploy/app in an environment dump is the working directory
    if _WINDOWS_INSERT.fullmatch(value) or _operation_pair(line, start, end):
        return None
    if key_before(line, start) in _PAGING_KEYS:
        return None
    return 0.0


def _bearer(value: str, line: str, start: int, end: int) -> float | None:
    # `token_type=Bearer expires_in=3600`: a word followed by `=` is the next key.
    if line[end : end + 1] in ("=", ":") or value.isalpha() or len(value) < 16:
        return None
    return _not_placeholder(value, line, start, end)


def _jwt(value: str, line: str, start: int, end: int) -> float | None:
    header = value.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return 0.0 if isinstance(decoded, dict) and "alg" in decoded else None


AWS_ACCESS_KEY = detector(
    "aws_access_key",
    "AWS_ACCESS_KEY",
    [r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|AKPA)[A-Z0-9]{16}\b"],
    r"(?<![\w])(?P<v>(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|AKPA)[A-Z0-9]{16})(?![\w])",
    0.9,
    reach=(2, 8),
)

JWT = detector(
    "jwt",
    "JWT",
    [r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\."],
    r"(?<![\w\-])(?P<v>eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)(?![\w\-])",
    0.95,
    validate=_jwt,
    reach=(0, 4096),
)

_PEM_LABEL = r"(?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?"
PRIVATE_KEY = detector(
    "private_key",
    "PRIVATE_KEY",
    [r"-----BEGIN [A-Z0-9 ]{0,30}PRIVATE KEY"],
    r"(?P<v>-----BEGIN " + _PEM_LABEL + r"-----(?:(?s:.{0,8000}?)-----END " + _PEM_LABEL + r"-----"
    r"|.*))",
    1.0,
    reach=(0, 8100),
)

_SECRET_KEYS = (
    r"(?:password|passwd|passphrase|pwd|secret|client[_\-]?secret|api[_\-]?key|apikey"
    r"|access[_\-]?token|auth[_\-]?token|refresh[_\-]?token|id[_\-]?token|session[_\-]?token"
    r"|token|secret[_\-]?key|private[_\-]?key|access[_\-]?key|signing[_\-]?key|credentials?)"
)
SECRETS: list[Detector] = [
    detector(
        "secret_key_value",
        "SECRET",
        [Trigger(_SECRET_KEYS + r"[\"']?[ ]{0,3}(?:[:=]|=>)", caseless=True)],
        r"(?i)(?<![a-z0-9])[a-z0-9_\-.]{0,30}?" + _SECRET_KEYS + r"[\"']?\s{0,3}(?:[:=]|=>)"
        # Spaces, or the `\t`/`\r\n` escapes of a message embedded in JSON (a Windows
        # event's "Elevated Token:\t\tYes\r\n…"), then the value.
        r"(?:\s|\\[tnr]){0,3}"
        # A quoted value runs to its closing quote (a password may hold & or ;); an
        # unquoted one stops at the next separator or escape.
        r"(?:\"(?P<v>[^\"\\\n]{6,512})\"|'(?P<v2>[^'\\\n]{6,512})'"
        r"|(?P<v3>(?:[^\s\"'&,;}<>\]\)\\]|\\(?![tnr\"])){6,512}))",
        0.8,
        validate=_not_placeholder,
        field_hints=tuple(
            (
                "password passwd pwd secret api_key apikey token access_token "
                "refresh_token client_secret secret_key private_key"
            ).split()
        ),
        field_value=r"\S{6,512}",
        reach=(40, 530),
    ),
    detector(
        "bearer_token",
        "SECRET",
        [Trigger(r"bearer [A-Za-z0-9\-._~+/]{8}", caseless=True)],
        r"(?i)(?<![a-z])bearer\s+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)",
        0.85,
        validate=_bearer,
        reach=(0, 4096),
    ),
    detector(
        "basic_auth",
        "SECRET",
        [Trigger(r"authorization[\"']?[ ]{0,3}[:=][ ]{0,3}[\"']?basic ", caseless=True)],
        r"(?i)authorization[\"']?\s{0,3}[:=]\s{0,3}[\"']?basic\s+(?P<v>[A-Za-z0-9+/]{8,}={0,2})",
        0.9,
        reach=(0, 600),
    ),
    detector(
        "url_credentials",
        "SECRET",
        # `redis://:password@host` has no user name at all.
        [r"://[^/\s:@]{0,64}:[^/\s@]{1,128}@"],
        r"(?i)\b[a-z][a-z0-9+.\-]{1,15}://[^\s:/@]{0,64}:(?P<v>[^\s@/]{1,128})@[\w.\-\[]",
        0.9,
        validate=_not_placeholder,
        reach=(20, 160),
    ),
]

# Tokens whose vendor prefix says what they are, wherever they stand (a URL's user part, a
# config value, free text): GitHub, GitLab, Slack, Stripe, Google API keys.
VENDOR_TOKENS = detector(
    "vendor_token",
    "SECRET",
    [
        r"\bgh[pousr]_[A-Za-z0-9]{36}",
        r"\bglpat-[A-Za-z0-9_\-]{20}",
        r"\bxox[abprs]-[A-Za-z0-9\-]{10}",
        r"\b[rs]k_live_[0-9A-Za-z]{24}",
        r"\bAIza[0-9A-Za-z_\-]{35}",
    ],
    r"(?<![\w\-])(?P<v>gh[pousr]_[A-Za-z0-9]{36,255}|glpat-[A-Za-z0-9_\-]{20,}|"
    r"xox[abprs]-[A-Za-z0-9\-]{10,}|[rs]k_live_[0-9A-Za-z]{24,}|AIza[0-9A-Za-z_\-]{35})"
    r"(?![\w\-])",
    0.95,
    reach=(2, 256),
)

# A cookie in a request or response header is a bearer credential (session hijacking).
COOKIE = detector(
    "cookie_header",
    "SECRET",
    [Trigger(r"(?:set-)?cookie:[ ]*[A-Za-z0-9_.\-]+=", caseless=True)],
    r"(?i)\b(?:set-)?cookie:\s*[A-Za-z0-9_.\-]+=(?P<v>[^;\s\"']{8,4096})",
    0.85,
    validate=_not_placeholder,
    reach=(0, 4096),
)

DETECTORS: list[Detector] = [AWS_ACCESS_KEY, JWT, PRIVATE_KEY, VENDOR_TOKENS, COOKIE, *SECRETS]
