"""Redaction operators: what a detected value becomes in the redacted copy and the preview.

Every operator is a pure function of the value, its entity type and (for keyed operators)
the ``KeyRing``, so the same input, policy and keys always give the same bytes. Operators
raise ``OperatorError`` when they cannot apply (a value too short to tokenize, a date they
cannot parse); the policy then falls back to ``replace``, never to the raw value. Their
messages never contain the value.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import re
import string
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from detectors.errors import ConfigError, KeyMaterialError, OperatorError
from detectors.fpe import fpe_text
from detectors.keys import KeyRing, derive_key
from detectors.normalize import fingerprint

__all__ = [
    "ACTIONS",
    "FALLIBLE_ACTIONS",
    "MASK_OPTIONS",
    "REPLACE_OPTIONS",
    "apply_action",
    "decrypt",
    "detokenize",
    "drop",
    "encrypt",
    "generalize",
    "hash_value",
    "mask",
    "operator_for",
    "preview",
    "replace",
    "tokenize",
]

ACTIONS = ("mask", "replace", "hash", "tokenize", "encrypt", "drop", "generalize", "keep")
MASK_OPTIONS = ("keep_prefix", "keep_suffix", "mask_char", "mask_length", "per_word")
REPLACE_OPTIONS = ("text",)
# The actions whose operator may refuse a value (OperatorError: the policy then falls back
# to ``replace``). The others apply to any value once their options are validated (the
# policy model checks them at load), so a value's action is its rule's, and ``detect``,
# which reports actions but writes no redacted text, need not run them.
FALLIBLE_ACTIONS = frozenset({"generalize", "tokenize"})

SECRET_ENTITIES = frozenset({"AWS_ACCESS_KEY", "JWT", "PRIVATE_KEY", "SECRET"})
# Short one-time or card-verification codes: any revealed digit is a real guessing advantage.
FULLY_MASKED_ENTITIES = SECRET_ENTITIES | {"CVV", "OTP_CODE"}
_AT_SPLIT = frozenset({"EMAIL_ADDRESS", "IN_UPI_ID"})
_URL_AT = re.compile(r"@|%(?:25)?40")
# AWS key-id prefixes are public type markers (access key, temporary key, role, ...).
_AWS_PREFIXES = frozenset(
    {"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA"}
)
PREVIEW_MAX_CHARS = 64
PREVIEW_MAX_REVEALED = 4

_ENC_TOKEN = re.compile(r"ENC\[v1:([A-Za-z0-9][A-Za-z0-9._-]{0,63}):([A-Za-z0-9_-]+={0,2})\]")
_NONCE_BYTES = 12


def _entity_defaults(entity_type: str) -> tuple[int, int]:
    # PCI DSS allows the last four digits of a PAN to be shown; nothing at the front.
    return (0, 4) if entity_type == "CREDIT_CARD" else (2, 2)


_ALNUM = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W_]+")


# A letter/digit that continues a word: masking these keeps each word's initial.
_NOT_INITIAL = re.compile(r"(?<=[^\W_])[^\W_]")


def _masked(value: str, mask_char: str) -> tuple[str, int]:
    """``value`` with every letter/digit replaced by ``mask_char``, and how many there were.

    This runs for every finding of a scan (mask and preview). An ASCII value, the usual
    kind, goes through ``str.translate`` (several times cheaper than a regex substitution
    that builds the result match by match); the letters/digits are then the mask
    characters that were not already in the value as punctuation. Either way the result
    has the length of ``value``, so positions in one are positions in the other.
    """
    if value.isascii():
        masked = value.translate(_ascii_mask_table(mask_char))
        punctuation = 0 if mask_char.isalnum() else value.count(mask_char)
        return masked, masked.count(mask_char) - punctuation
    return _ALNUM.subn(_literal(mask_char), value)


@functools.cache
def _ascii_mask_table(mask_char: str) -> dict[int, str]:
    """``str.translate`` table: every ASCII letter/digit (``_ALNUM`` on ASCII) to ``mask_char``."""
    return dict.fromkeys(map(ord, string.ascii_letters + string.digits), mask_char)


def _literal(text: str) -> str:
    """``text`` as a regex replacement template that inserts it literally."""
    return text.replace("\\", "\\\\")


def _reveal_ends(value: str, masked: str, head: int, tail: int) -> str:
    """``masked`` (``value`` through :func:`_masked`) showing again the first ``head`` and
    the last ``tail`` letters/digits of ``value``; ``head + tail`` must not exceed their
    number. Whatever lies between revealed letters/digits is not masked anyway, so the
    result is three slices; Python only walks to the few revealed characters."""
    if not head and not tail:
        return masked
    start = 0
    while head:  # str.isalnum is exactly _ALNUM's class, character by character
        if value[start].isalnum():
            head -= 1
        start += 1
    stop = len(value)
    while tail:
        stop -= 1
        if value[stop].isalnum():
            tail -= 1
    return value[:start] + masked[start:stop] + value[stop:]


def _split_at(value: str, entity_type: str) -> tuple[str, str] | None:
    """``(local, "@domain")`` for e-mail and UPI ids; the domain or handle is not secret.

    The ``@`` may be URL-encoded, once or twice (``ravi%40gmail.com``, ``ravi%2540gmail.com``,
    as query strings and URL userinfo carry them): the split is at the last one, so the copy
    reads ``raXX%40gmail.com``, not ``raXX%XXXXXXX.Xom``.
    """
    if entity_type not in _AT_SPLIT:
        return None
    at = max((m.start() for m in _URL_AT.finditer(value)), default=-1)
    if at < 0:
        return None
    return value[:at], value[at:]


def _fixed_length(
    value: str, prefix: int, suffix: int, mask_char: str, length: int, fully: bool
) -> str:
    """``value`` as its first ``prefix`` and last ``suffix`` letters/digits (with whatever
    sits between them) around exactly ``length`` mask characters: the masked part's length
    is hidden too (``joXXX@…`` whatever the local part's length)."""
    positions = [m.start() for m in _ALNUM.finditer(value)]
    n = len(positions)
    if fully or n <= prefix + suffix:
        prefix = suffix = 0
    head = value[: positions[prefix - 1] + 1] if prefix else ""
    tail = value[positions[n - suffix] :] if suffix else ""
    return head + mask_char * length + tail


def mask(
    value: str,
    entity_type: str,
    keep_prefix: int | None = None,
    keep_suffix: int | None = None,
    mask_char: str = "X",
    mask_length: int | None = None,
    per_word: bool = False,
) -> str:
    """Mask letters and digits, keep separators and length (``98XXXXXX10``).

    ``keep_prefix``/``keep_suffix`` default per entity: 2/2, except CREDIT_CARD 0/4 (PCI).
    E-mail and UPI ids keep ``keep_prefix`` characters of the local part and the domain;
    PERSON keeps each part's initial; secrets, CVV and OTP codes, and any value of at most
    four letters/digits are masked completely, because there a kept character is a large
    part of the secret.

    ``mask_length`` (off by default) writes exactly that many mask characters in place of
    the masked run, so the output no longer tells the value's length: an e-mail becomes
    ``joXXX@gmail.com`` and a name ``JXXX SXXX`` (per word: initial plus the run).

    ``per_word`` (off by default) masks each word (run of letters/digits) on its own,
    keeping its first ``keep_prefix`` characters whatever its length: ``John`` becomes
    ``JXXX`` with ``keep_prefix: 1``, where the default masks a four-letter value fully.
    """
    if len(mask_char) != 1:
        raise OperatorError("mask: mask_char must be exactly one character")
    default_prefix, default_suffix = _entity_defaults(entity_type)
    prefix = default_prefix if keep_prefix is None else keep_prefix
    suffix = default_suffix if keep_suffix is None else keep_suffix
    if prefix < 0 or suffix < 0:
        raise OperatorError("mask: keep_prefix and keep_suffix must be non-negative")
    if mask_length is not None and mask_length < 1:
        raise OperatorError("mask: mask_length must be at least 1")
    if per_word and entity_type not in FULLY_MASKED_ENTITIES:
        if mask_length is not None:
            return _WORD.sub(
                lambda m: _fixed_length(m.group(), prefix, 0, mask_char, mask_length, False),
                value,
            )
        return _WORD.sub(lambda m: m.group()[:prefix] + mask_char * len(m.group()[prefix:]), value)
    masked, n = _masked(value, mask_char)
    fully = entity_type in FULLY_MASKED_ENTITIES or n <= 4
    if mask_length is not None:
        return _mask_fixed(value, entity_type, prefix, suffix, mask_char, mask_length, fully)
    if fully:
        return masked
    if parts := _split_at(value, entity_type):
        local, domain = parts
        # The prefix is kept only when at least as many characters stay masked: a short
        # local part ("ro.xy") keeping two would show half of itself, and "roX.X" would not
        # even look masked to a rescan of the copy.
        local_masked, n_local = _masked(local, mask_char)
        head = prefix if 2 * prefix < n_local else 0
        return _reveal_ends(local, local_masked, head, 0) + domain
    if entity_type == "PERSON":
        return _NOT_INITIAL.sub(_literal(mask_char), value)
    if prefix + suffix >= n:
        return masked
    return _reveal_ends(value, masked, prefix, suffix)


def _mask_fixed(
    value: str,
    entity_type: str,
    prefix: int,
    suffix: int,
    mask_char: str,
    length: int,
    fully: bool,
) -> str:
    if parts := _split_at(value, entity_type):
        local, domain = parts
        return _fixed_length(local, prefix, 0, mask_char, length, fully) + domain
    if entity_type == "PERSON" and not fully:
        return _WORD.sub(lambda m: _fixed_length(m.group(), 1, 0, mask_char, length, False), value)
    return _fixed_length(value, prefix, suffix, mask_char, length, fully)


def preview(value: str, entity_type: str) -> str:
    """The findings-table preview: recognisable to an analyst, useless to an attacker.

    At most ``min(4, n // 3)`` of the n letters/digits are revealed (a 10-digit phone shows
    three: ``98XXXXXXX0``; a CVV or an OTP none), e-mail and UPI ids apply that budget to
    the local part and keep the domain, names show initials within the budget, cards show
    only trailing digits, and secrets show only their length (plus a public AWS key-type
    prefix such as ``AKIA``). Long values are cut to 64 characters.
    """
    if entity_type in SECRET_ENTITIES:
        compact = value.strip()
        if entity_type == "AWS_ACCESS_KEY" and compact[:4] in _AWS_PREFIXES:
            return f"{compact[:4]}…({len(compact)})"
        return f"[{entity_type} len={len(compact)}]"
    parts = _split_at(value, entity_type)
    local, domain = parts if parts else (value, "")
    masked, n = _masked(local, "X")
    budget = 0 if entity_type in FULLY_MASKED_ENTITIES else min(PREVIEW_MAX_REVEALED, n // 3)
    if not budget:
        shown = masked
    elif parts:
        shown = _reveal_ends(local, masked, min(budget, 2), 0)
    elif entity_type == "PERSON":
        shown = _reveal_initials(local, masked, budget)
    elif entity_type == "CREDIT_CARD":
        shown = _reveal_ends(local, masked, 0, budget)
    else:
        head = (budget + 1) // 2
        shown = _reveal_ends(local, masked, head, budget - head)
    shown += domain
    if len(shown) > PREVIEW_MAX_CHARS:
        return shown[: PREVIEW_MAX_CHARS - 1] + "…"
    return shown


def _reveal_initials(value: str, masked: str, budget: int) -> str:
    """``masked`` showing the first letter/digit of each of the first ``budget`` words."""
    chars = list(masked)
    for m in islice(_WORD.finditer(value), budget):
        chars[m.start()] = value[m.start()]
    return "".join(chars)


def replace(value: str, entity_type: str, text: str | None = None) -> str:
    """``[REDACTED:ENTITY_TYPE]``: says what was there, reveals nothing about it; or the
    policy's fixed ``text`` (``[REDACTED_PII]``), which does not even say that."""
    return f"[REDACTED:{entity_type}]" if text is None else text


def drop(value: str, entity_type: str) -> str:
    """The empty string; a structured field whose whole value is dropped becomes null."""
    return ""


def hash_value(value: str, entity_type: str, keys: KeyRing) -> str:
    """``HASH[ENTITY_TYPE:<64 hex>]``, the hex being exactly the findings ``fingerprint``.

    The pseudonym joins with the findings table and across scans (same normalised value,
    same key, same hex) but cannot be reversed or recomputed without the fingerprint key.
    """
    return f"HASH[{entity_type}:{fingerprint(entity_type, value, keys.fingerprint_key)}]"


# --- tokenize -------------------------------------------------------------------------------


def _fpe_apply(value: str, entity_type: str, keys: KeyRing, forward: bool) -> str:
    parts = _split_at(value, entity_type)
    local, domain = parts if parts else (value, "")
    key = derive_key(keys.token_key, "tokenize/ff1/v1")
    try:
        return fpe_text(key, entity_type.encode(), local, forward=forward) + domain
    except OperatorError:
        raise OperatorError(
            f"tokenize: {entity_type} value has too few letters/digits to tokenize safely"
        ) from None


def tokenize(value: str, entity_type: str, keys: KeyRing) -> str:
    """Format-preserving, reversible pseudonym under ``keys.token_key`` (FF1, AES-256).

    Digits stay digits, letters stay letters of the same case, every other character stays
    in place; e-mail and UPI ids keep their domain/handle so they still look like one. All
    letters and digits are encrypted together as one mixed-radix number (see
    ``detectors.fpe``), tweaked by the entity type, so ``ABCDE1234F`` tokenizes although its
    four digits alone are below FF1's minimum domain. Values with fewer than a million
    possible forms raise OperatorError. Tokens are deterministic, hence joinable.
    """
    return _fpe_apply(value, entity_type, keys, forward=True)


def detokenize(token: str, entity_type: str, keys: KeyRing) -> str:
    """The value :func:`tokenize` turned into ``token`` under the same keys and entity type."""
    return _fpe_apply(token, entity_type, keys, forward=False)


# --- encrypt --------------------------------------------------------------------------------


def encrypt(value: str, entity_type: str, keys: KeyRing) -> str:
    """``ENC[v1:<key_id>:<base64url(nonce | ciphertext | tag)>]``, AES-256-GCM, active key.

    Deterministic on purpose (same input, policy and keys, same bytes): the nonce is the
    first 12 bytes of HMAC-SHA256 of ``entity_type NUL value`` under a subkey of the
    encryption key, a synthetic IV, so a nonce repeats only for an identical plaintext.
    Trade-off: equal values give equal ciphertexts, so anyone who sees the redacted copy
    learns which records share a value (and can count them), though not the value. Use
    ``hash`` when that linkage is the point, ``replace`` when even that is too much.

    The token carries only the key id; the entity type travels inside the ciphertext, and
    the header ``v1:<key_id>`` is the AEAD associated data, so neither can be altered.
    """
    key_id, key = keys.encryption_key()
    # surrogatepass: values decoded with surrogateescape must encrypt and round-trip, not crash
    plaintext = entity_type.encode() + b"\x00" + value.encode("utf-8", "surrogatepass")
    nonce_key = derive_key(key, "encrypt/nonce/v1")
    nonce = hmac.new(nonce_key, plaintext, hashlib.sha256).digest()[:_NONCE_BYTES]
    sealed = AESGCM(key).encrypt(nonce, plaintext, f"v1:{key_id}".encode())
    return f"ENC[v1:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}]"


def decrypt(token: str, keys: KeyRing) -> tuple[str, str]:
    """``(entity_type, value)`` from an :func:`encrypt` token, with the key it names.

    Unknown key ids and failed authentication (wrong key, altered token) raise
    KeyMaterialError; a string that is not a token at all raises OperatorError.
    """
    match = _ENC_TOKEN.fullmatch(token.strip())
    if not match:
        raise OperatorError("decrypt: expected a token of the form ENC[v1:<key_id>:<base64url>]")
    key_id, payload = match.groups()
    _, key = keys.encryption_key(key_id)
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise OperatorError("decrypt: token payload is not base64url") from None
    if len(blob) < _NONCE_BYTES + 16:
        raise OperatorError("decrypt: token payload is too short")
    try:
        plaintext = AESGCM(key).decrypt(
            blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], f"v1:{key_id}".encode()
        )
    except InvalidTag:
        raise KeyMaterialError(
            f"decrypt: authentication failed with key {key_id!r} (wrong key or altered token)"
        ) from None
    entity_type, _, value = plaintext.partition(b"\x00")
    return entity_type.decode(), value.decode("utf-8", "surrogatepass")


# --- generalize -----------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_ENTITIES = frozenset({"DATE_OF_BIRTH", "DATE", "DATE_TIME"})
_ORD = r"(?:st|nd|rd|th)?"
_DATE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?"), "ymd"),
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"), "dmy"),
    (re.compile(rf"(\d{{1,2}}){_ORD}[\s/.-]*([A-Za-z]{{3,9}})\.?[\s/.,-]*(\d{{4}})"), "dMy"),
    (re.compile(rf"([A-Za-z]{{3,9}})\.?\s*(\d{{1,2}}){_ORD},?\s+(\d{{4}})"), "Mdy"),
)
_PIN = re.compile(r"(?<!\d)([1-9]\d{2})\s?\d{3}(?!\d)")


def _month(name: str) -> int:
    prefix = name[:3].lower()
    if prefix not in _MONTHS:
        raise OperatorError("generalize: unrecognised month name")
    return _MONTHS.index(prefix) + 1


def _year_month(value: str) -> str:
    """``YYYY-MM`` of a date in ISO, day-first numeric or month-name form."""
    text = value.strip()
    for pattern, order in _DATE_FORMS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        a, b, c = m.groups()
        if order == "ymd":
            y, mo, d = int(a), int(b), int(c)
        elif order == "dmy":
            # Day first (India, UK); only an impossible day-first reading flips to US order.
            d, mo, y = (int(a), int(b), int(c)) if int(b) <= 12 else (int(b), int(a), int(c))
        elif order == "dMy":
            d, mo, y = int(a), _month(b), int(c)
        else:
            mo, d, y = _month(a), int(b), int(c)
        try:
            dt.date(y, mo, d)
        except ValueError:
            raise OperatorError("generalize: not a valid calendar date") from None
        return f"{y:04d}-{mo:02d}"
    raise OperatorError("generalize: unrecognised date format")


# A dotted-quad IPv4 address exactly as ``ipaddress`` accepts one: four ASCII decimal
# octets of at most 255, no leading zeros.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


_HEX_COLON = re.compile(r"[0-9A-Fa-f:]+")


def _ipv6_network(address: str) -> str | None:
    """The /48 of an IPv6 address in plain hex-and-colon form, as ``ipaddress`` writes it
    (compressed); None for anything else (an embedded IPv4, a zone, an invalid address),
    which is left to ``ipaddress`` to judge."""
    if address.count("::") > 1:
        return None
    if "::" in address:
        head, tail = address.split("::")
        hp = head.split(":") if head else []
        tp = tail.split(":") if tail else []
        if len(hp) + len(tp) > 7:
            return None
        parts = hp + ["0"] * (8 - len(hp) - len(tp)) + tp
    else:
        parts = address.split(":")
        if len(parts) != 8:
            return None
    if not all(0 < len(p) <= 4 for p in parts):
        return None
    # Network address: three hextets then zeros, the zeros (the longest run) compressed.
    first = [int(p, 16) for p in parts[:3]]
    while first and not first[-1]:
        first.pop()
    return ":".join(f"{h:x}" for h in first) + "::/48"


def _network(value: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address. A plain dotted quad, most IPs a
    lake holds, is cut at its last dot and a plain IPv6 address parsed here: ``ipaddress``
    costs ~60 µs a value, and an IP-heavy log spent most of its redaction there. Other
    forms go through ``ipaddress``; the tests hold both paths to the same text."""
    address = value.strip().strip("[]")
    if _IPV4.fullmatch(address):
        return address[: address.rindex(".")] + ".0/24"
    if _HEX_COLON.fullmatch(address) and (network := _ipv6_network(address)):
        return network
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise OperatorError("generalize: not an IPv4 or IPv6 address") from None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip.compressed.split('%')[0]}/{prefix}", strict=False))


def generalize(value: str, entity_type: str) -> str:
    """A coarser value that keeps analytic use: IP to its /24 (IPv4) or /48 (IPv6) network,
    dates to ``YYYY-MM``, a street address to its postal district ``PIN 560XXX``.

    Raises OperatorError for other entities, unparseable values and addresses without a
    6-digit PIN; the policy then falls back to ``replace``.
    """
    if entity_type == "IP_ADDRESS":
        return _network(value)
    if entity_type in _DATE_ENTITIES:
        return _year_month(value)
    if entity_type == "STREET_ADDRESS":
        pins = _PIN.findall(value)
        if not pins:
            raise OperatorError("generalize: no 6-digit PIN code in the address")
        return f"PIN {pins[-1]}XXX"
    raise OperatorError(f"generalize: no generalization defined for {entity_type}")


# --- dispatch -------------------------------------------------------------------------------


#: A redaction operator with its entity type and options bound: ``(value, keys) -> text``.
Operator = Callable[[str, KeyRing], str]


def apply_action(
    action: str,
    value: str,
    entity_type: str,
    keys: KeyRing,
    options: Mapping[str, Any] | None = None,
) -> str:
    """Run the operator named by a policy ``action``; ``options`` apply to ``mask``
    (``MASK_OPTIONS``) and ``replace`` (``text``) only."""
    return operator_for(action, entity_type, options)(value, keys)


def operator_for(
    action: str, entity_type: str, options: Mapping[str, Any] | None = None
) -> Operator:
    """The operator of ``action`` for values of ``entity_type``, its options checked once
    here rather than per value, so a policy can keep one per entity type (a scan applies
    it to every finding). ConfigError for an unknown action or options it does not take."""
    opts = dict(options or {})
    valid = {"mask": MASK_OPTIONS, "replace": REPLACE_OPTIONS}.get(action, ())
    if set(opts) - set(valid):
        raise ConfigError(
            f"options {', '.join(sorted(opts))} are not valid for action {action!r}; "
            f"only mask takes options ({', '.join(MASK_OPTIONS)}), and replace takes "
            f"{', '.join(REPLACE_OPTIONS)}"
        )
    if action == "mask":
        return lambda value, keys: mask(value, entity_type, **opts)
    if action == "replace":
        text = replace("", entity_type, **opts)  # the same text whatever the value
        return lambda value, keys: text
    if action == "hash":
        return lambda value, keys: hash_value(value, entity_type, keys)
    if action == "tokenize":
        return lambda value, keys: tokenize(value, entity_type, keys)
    if action == "encrypt":
        return lambda value, keys: encrypt(value, entity_type, keys)
    if action == "drop":
        return lambda value, keys: drop(value, entity_type)
    if action == "generalize":
        return lambda value, keys: generalize(value, entity_type)
    if action == "keep":
        return lambda value, keys: value
    raise ConfigError(f"unknown action {action!r}; expected one of: {', '.join(ACTIONS)}")
