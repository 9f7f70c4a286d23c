"""Network and device identifiers: IPv4/IPv6 addresses of people's devices (not of
machines in a data centre), MAC addresses and advertising / device ids."""

from __future__ import annotations

import ipaddress
import re

from detectors.checksums import luhn_valid
from detectors.registry import Detector, Trigger, detector

# ---------------------------------------------------------------- network
# Keys that name a machine's address (server_ip=, upstream=); as free-text words they are
# too common ("[gateway] 203.0.113.45 - -") to count against an address.
_MACHINE_KEYS = tuple(
    ("server host node upstream gateway dns bind listen broker peer proxy").split()
)
_NOT_AN_ADDRESS_WORDS = tuple(
    (
        "version ver build release firmware oid snmp mib sdk agent chrome safari firefox android"
    ).split()
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
    field_hints=tuple(
        ("device_id deviceid idfa idfv gaid adid android_id imei udid advertising_id").split()
    ),
    field_value=_DEVICE_VALUE,
    reach=(0, 80),
)

DETECTORS: list[Detector] = [*NETWORK, MAC, DEVICE_ID]
