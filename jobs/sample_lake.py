"""A seeded sample data lake: the logs and exports of an Indian e-commerce platform, on a
local directory, for demos, the Spark tier and benchmarks of ``piisweep scan``.

    from jobs.sample_lake import generate_lake
    stats = generate_lake("/tmp/lake", size_mb=20, seed=7, truth_path="/tmp/lake.truth.jsonl")

Layout (days from 2024-03-11 IST: 2 for lakes under 100 MB, up to 7 for 500 MB and more)::

    ingress/YYYY/MM/DD/ingress-<n>.log.gz        night hours, rotated; then ingress-<n>.log
                                                 nginx / envoy access logs, gateway debug lines
                                                 that dump partner bodies unsanitized
    partner-api/<partner>/YYYY-MM-DD.log.gz      shipfast (courier), paynexa (payments),
                                                 textbee (SMS gateway) HTTP-client logs
    api-payloads/YYYY-MM-DD/payloads-<n>.jsonl   request/response records (nested customer,
        payloads-<n>.jsonl.zst (every day)       address lists, phones and PINs as JSON
        payloads-<n>.jsonl.bz2 (first day)       numbers); replay-batch-0.json on the last
        replay-batch-0.json                      day is one JSON array, a record per line
    exports/customers/customers-<n>.csv          customer master (full_name, email, mobile,
        customers-kyc-0.tsv, _SUCCESS            address, city, pincode, pan, dob, …); KYC
    exports/orders/orders-<n>.parquet, _SUCCESS  row groups of ~1/6 file; struct shipping
                                                 {name, phone, address{line1, city, pin}},
                                                 list contacts, int64 billing_phone

``size_mb`` is the size on disk (10^6 bytes), split by fixed shares between the kinds (about
half plain ingress logs, a fifth Parquet, 4% compressed text); every kind is present even at
1 MB. About 5% of log lines carry planted values (names, phones, e-mails, addresses, UPI ids,
OTPs, cards with CVV, Aadhaar, PAN, GSTIN, JWTs, bearer tokens, AWS keys, public client IPs);
the rest are clean lines full of look-alikes (OD order ids, numeric order ids, epoch-ms
timestamps, UUIDs, trace ids, 12-digit RRNs that fail Verhoeff, 16- and 19-digit references
that fail Luhn, masked cards and phones, versions, private IPs, prices, SKUs, PAN-shaped
coupons). Exports are PII by nature. Values come from pools built once (Faker en_IN/en_US
name lists, an Indian address table with real PIN districts, user agents, SKUs), never
from a Faker call per line.

Determinism: one ``random.Random(seed)`` drives everything in a fixed order (numpy, for the
Parquet id and amount columns, is seeded from it), timestamps come from a simulated clock,
gzip headers carry mtime 0 and no name, so a seed gives byte-identical files in any process.
The outside inputs are the installed Faker name lists, ``phonenumbers`` metadata, numpy's
PCG64 and pyarrow (Parquet ``created_by``, zstd frames).

Ground truth, when ``truth_path`` is given (it must lie outside the lake): one JSON object per
planted value, ``{"uri_suffix", "entity_type", "value", "line_number", "record_index",
"field"}`` with the value exactly as written (URL-encoded if it was, a JSON number's digits);
``line_number`` is the 1-based physical line of text files (null for Parquet),
``record_index`` the 0-based JSONL/CSV/JSON-array/Parquet record (null for plain logs),
``field`` the JSON path, CSV column or dotted Parquet column (null for free text).

This module is part of the installed ``jobs`` package and never imports ``bench``.
"""

from __future__ import annotations

import base64
import bz2
import calendar
import csv
import gzip
import io
import json
import math
import random
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from detectors.checksums import gstin_check_char
from detectors.errors import PiisweepError

# Faker is the `samples` extra, not a dependency of the wheel executors install: this module
# is the only runtime code that needs it (detectors.names ships Faker's name lists).
NEEDS_FAKER = (
    "sample-lake needs Faker, which piisweep does not install by default: "
    "pip install 'piisweep[samples]'"
)


class SamplesExtraMissing(PiisweepError):
    """Faker is not installed; the message says what to install."""


try:
    from faker.providers.person.en_IN import Provider as _PersonIN
    from faker.providers.person.en_US import Provider as _PersonUS
except ImportError:
    raise SamplesExtraMissing(NEEDS_FAKER) from None

MB = 1_000_000
# 2024-03-11 00:00:00 IST; the lake's first day.
_EPOCH0 = calendar.timegm((2024, 3, 10, 18, 30, 0))
_IST = 19800
_DAY = 86400

# Share of the on-disk size per kind of file. Compressed kinds cost several times their
# share in generated text, so they stay a modest part of the lake.
_SHARES: tuple[tuple[str, float], ...] = (
    ("ingress-log", 0.47),
    ("ingress-log-gz", 0.018),
    ("partner-log-gz", 0.022),
    ("payloads-jsonl", 0.14),
    ("payloads-jsonl-zst", 0.006),
    ("payloads-jsonl-bz2", 0.002),
    ("payloads-json", 0.01),
    ("customers-csv", 0.11),
    ("customers-tsv", 0.025),
    ("orders-parquet", 0.197),
)
# Largest file per kind before another one is started (bytes on disk).
_MAX_FILE = {
    "ingress-log": 16 * MB,
    "ingress-log-gz": 4 * MB,
    "payloads-jsonl": 8 * MB,
    "customers-csv": 16 * MB,
    "orders-parquet": 32 * MB,
}
_DEFAULT_RATIO = {None: 1.0, "gzip": 6.0, "zstd": 7.0, "bz2": 8.0}


class SampleLakeError(PiisweepError):
    """The lake cannot be written where asked (non-empty directory, truth file inside it)."""


@dataclass
class LakeStats:
    """What ``generate_lake`` wrote."""

    root: str
    seed: int
    size_mb: float
    files: int = 0
    bytes: int = 0
    uncompressed_bytes: int = 0
    log_lines: int = 0
    log_lines_with_pii: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    bytes_by_kind: Counter[str] = field(default_factory=Counter)
    planted: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "seed": self.seed,
            "size_mb": self.size_mb,
            "files": self.files,
            "bytes": self.bytes,
            "mb": round(self.bytes / MB, 3),
            "uncompressed_bytes": self.uncompressed_bytes,
            "log_lines": self.log_lines,
            "log_lines_with_pii": self.log_lines_with_pii,
            "log_pii_line_rate": round(self.log_lines_with_pii / max(1, self.log_lines), 4),
            "files_by_kind": dict(sorted(self.by_kind.items())),
            "bytes_by_kind": dict(sorted(self.bytes_by_kind.items())),
            "planted_total": sum(self.planted.values()),
            "planted_by_entity": dict(sorted(self.planted.items())),
        }


# ---- static data ----------------------------------------------------------------------------
def _names(seq: Any) -> list[str]:
    """Sorted (so the seed alone fixes the picks), ASCII letters only (they become e-mails)."""
    return sorted({str(x) for x in seq if str(x).isascii() and str(x).isalpha()})


IN_FIRST = _names(list(_PersonIN.first_names_male) + list(_PersonIN.first_names_female))
IN_LAST = _names(_PersonIN.last_names)
US_FIRST = _names(list(_PersonUS.first_names_male) + list(_PersonUS.first_names_female))
US_LAST = _names(_PersonUS.last_names)
_N_IN_FIRST, _N_IN_LAST, _N_US_FIRST, _N_US_LAST = map(len, (IN_FIRST, IN_LAST, US_FIRST, US_LAST))

# (city, state, 3-digit PIN sorting district, localities)
CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Bengaluru", "Karnataka", "560", ("Koramangala", "Indiranagar", "HSR Layout",
     "Jayanagar 4th Block", "Whitefield", "Malleshwaram", "BTM Layout 2nd Stage")),
    ("Mumbai", "Maharashtra", "400", ("Andheri East", "Bandra West", "Powai", "Dadar",
     "Goregaon West", "Chembur", "Borivali East")),
    ("New Delhi", "Delhi", "110", ("Lajpat Nagar", "Karol Bagh", "Dwarka Sector 7",
     "Pitampura", "Saket", "Vasant Kunj")),
    ("Chennai", "Tamil Nadu", "600", ("T. Nagar", "Adyar", "Velachery", "Anna Nagar West",
     "Porur")),
    ("Hyderabad", "Telangana", "500", ("Madhapur", "Kondapur", "Banjara Hills", "Kukatpally",
     "Begumpet")),
    ("Kolkata", "West Bengal", "700", ("Salt Lake", "Ballygunge", "Tollygunge", "New Town",
     "Behala")),
    ("Pune", "Maharashtra", "411", ("Kothrud", "Wakad", "Viman Nagar", "Aundh", "Hadapsar")),
    ("Ahmedabad", "Gujarat", "380", ("Navrangpura", "Satellite", "Vastrapur", "Maninagar")),
    ("Jaipur", "Rajasthan", "302", ("Malviya Nagar", "Vaishali Nagar", "Mansarovar", "Raja Park")),
    ("Lucknow", "Uttar Pradesh", "226", ("Gomti Nagar", "Aliganj", "Indira Nagar", "Hazratganj")),
    ("Gurugram", "Haryana", "122", ("DLF Phase 2", "Sector 45", "Sohna Road", "South City 1")),
    ("Noida", "Uttar Pradesh", "201", ("Sector 62", "Sector 50", "Sector 137")),
    ("Kochi", "Kerala", "682", ("Kakkanad", "Edappally", "Panampilly Nagar")),
    ("Bhopal", "Madhya Pradesh", "462", ("Arera Colony", "MP Nagar", "Kolar Road")),
    ("Patna", "Bihar", "800", ("Boring Road", "Kankarbagh", "Patliputra Colony")),
    ("Guwahati", "Assam", "781", ("Dispur", "Ganeshguri", "Beltola")),
    ("Coimbatore", "Tamil Nadu", "641", ("RS Puram", "Peelamedu", "Saibaba Colony")),
    ("Chandigarh", "Chandigarh", "160", ("Sector 17", "Sector 35", "Manimajra")),
    ("Visakhapatnam", "Andhra Pradesh", "530", ("MVP Colony", "Seethammadhara", "Gajuwaka")),
    ("Indore", "Madhya Pradesh", "452", ("Vijay Nagar", "Palasia", "Bhawarkua")),
)  # fmt: skip
HOUSES = ("Flat {n}", "Flat No. {n}{a}", "#{n}", "No. {n}", "H.No. {b}-{n}", "Plot {n}",
          "{a}-{n}", "Door No. {b}/{n}", "House No. {n}", "{n}")  # fmt: skip
ROADS = ("{k}{o} Cross", "{k}{o} Main Road", "MG Road", "Station Road", "{s} Nagar",
         "Sector {k}", "{s} Colony", "Link Road", "{k}{o} Block", "Nehru Street",
         "100 Feet Road", "Gandhi Marg", "{s} Layout", "Church Street", "Ring Road")  # fmt: skip
BUILDINGS = ("Sai Residency", "Prestige Lakeside", "Green Park Apartments", "{s} Towers",
             "Lotus Enclave", "Shanti Kunj", "Royal Palms", "Silver Oak Residency")  # fmt: skip
LANDMARKS = ("City Hospital", "Bus Stand", "SBI ATM", "Hanuman Mandir", "Metro Station",
             "Post Office", "Government School", "Big Bazaar")  # fmt: skip
EMAIL_DOMAINS = ("gmail.com",) * 10 + ("yahoo.co.in", "yahoo.com", "rediffmail.com",
                 "outlook.com", "hotmail.com", "icloud.com", "gmail.com", "gmail.com")  # fmt: skip
UPI_HANDLES = ("okaxis", "okhdfcbank", "okicici", "oksbi", "ybl", "ibl", "axl", "paytm",
               "upi", "apl")  # fmt: skip
PUBLIC_PREFIXES = ("49.36", "49.207", "106.51", "106.215", "117.96", "117.230", "157.32",
                   "157.48", "223.181", "223.187", "27.61", "103.211", "122.161", "182.69",
                   "59.92", "110.226", "152.58", "42.106")  # fmt: skip
USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 13; SM-M336B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{c} Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{c} Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "ShopKart/9.{m}.{p} (Android 14; Redmi Note 13 Pro; build 9{m}0{p}2)",
    "ShopKart/9.{m}.{p} (iOS 17.3.1; iPhone14,5)",
    "okhttp/4.12.0",
    "Dalvik/2.1.0 (Linux; U; Android 12; RMX3511 Build/SP1A.210812.016)",
    "python-requests/2.31.0",
    "kube-probe/1.29",
)
CHROME = ("122.0.6261.94", "121.0.6167.178", "120.0.6099.230", "122.0.6261.119")
UPSTREAMS = (("orders-svc", 8080), ("cart-svc", 8080), ("catalog-svc", 8080),
             ("payments-svc", 8443), ("search-svc", 9200), ("users-svc", 8080),
             ("notify-svc", 8080), ("kyc-svc", 8443))  # fmt: skip
LB_IPS = ("10.0.4.21", "10.0.5.87", "10.0.6.142", "10.0.4.199")
SERVICES = ("api-gateway", "order-svc", "payments-svc", "cart-svc", "catalog-svc", "users-svc")
SKU_FAMILIES = ("MOB", "LAP", "TSH", "SHO", "KIT", "TOY", "BKS", "APL")
SEARCHES = ("iphone+15", "running+shoes", "kurta+for+men", "air+fryer", "boat+earbuds",
            "school+bag", "basmati+rice+5kg", "saree+silk")  # fmt: skip
# (IIN prefix, length, weight): Visa, Mastercard (51-55, 2-series), RuPay (60, 65, 508), Amex
CARD_IIN = (("4", 16, 30), ("51", 16, 8), ("53", 16, 8), ("55", 16, 6), ("2223", 16, 4),
            ("60", 16, 12), ("65", 16, 8), ("508", 16, 6), ("37", 15, 6),
            ("34", 15, 2))  # fmt: skip
ORDER_STATUS = ("CREATED", "CONFIRMED", "PACKED", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED")
PAY_METHODS = ("upi", "card", "netbanking", "cod", "wallet", "emi")
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
NON_PAN_4TH = "DEIKMNOQRSUVWXYZ"  # PAN's 4th letter is a holder type (P, C, H, F, A, T, …)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


# Check digits computed directly (detectors.checksums only validates). Verhoeff: the
# dihedral group D5 and the position permutation (1 5 7 6 2 8 3 0 9 4) raised to i mod 8.
def _d5(j: int, k: int) -> int:
    if j < 5:
        return (j + k) % 5 if k < 5 else 5 + (j + k) % 5
    return 5 + (j - k) % 5 if k < 5 else (j - k) % 5


_PERM = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = [tuple(range(10))]
for _ in range(7):
    _P.append(tuple(_PERM[x] for x in _P[-1]))
# _VDP[i][c][d] = D[c][P[i][d]]: one lookup per digit.
_VDP = tuple(tuple(tuple(_d5(c, _P[i][d]) for d in range(10)) for c in range(10)) for i in range(8))
_VINV = tuple(next(k for k in range(10) if _d5(j, k) == 0) for j in range(10))
_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _verhoeff_digit(body: str) -> int:
    """The digit that makes ``body + digit`` Verhoeff-valid."""
    c = 0
    for i, ch in enumerate(reversed(body), 1):
        c = _VDP[i & 7][c][ord(ch) - 48]
    return _VINV[c]


def _luhn_digit(body: str) -> int:
    """The digit that makes ``body + digit`` Luhn-valid."""
    s = sum(map(_DOUBLE.__getitem__, map(int, body[::-2]))) + sum(map(int, body[-2::-2]))
    return -s % 10


def _wrong(check: int, x: float) -> str:
    """Any digit but ``check``: one wrong digit fails Luhn and Verhoeff alike."""
    return str((check + 1 + int(x * 9)) % 10)


# ---- values ---------------------------------------------------------------------------------
class _Values:
    """Planted values and look-alikes, all drawn from the lake's one RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.r = rng.random
        self.intl = self._intl_phones(40)
        # Pools for what a platform has a bounded number of: devices' user agents, pods,
        # catalogue SKUs, and addresses for the bulk exports (apartment blocks repeat).
        self.agents = [self._user_agent() for _ in range(96)]
        self.pods = [f"10.42.{self.num(0, 15)}.{self.num(2, 250)}" for _ in range(160)]
        self.skus = [self._sku() for _ in range(3000)]
        self.addresses = [self.address() for _ in range(6000)]
        self.coupons = [self.coupon() for _ in range(400)]
        self.dobs = [self._dob() for _ in range(4000)]
        self.versions = [
            f"v{self.num(1, 9)}.{self.num(0, 30)}.{self.num(0, 40)}" for _ in range(40)
        ]
        self.upstreams = [
            f"[prod-{up}-{port}] [] {self.pod_ip()}:{port}"
            for up, port in UPSTREAMS
            for _ in range(16)
        ]

    # small helpers
    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.r() * len(seq))]

    def num(self, lo: int, hi: int) -> int:
        return lo + int(self.r() * (hi - lo + 1))

    def digits(self, n: int) -> str:
        if n > 15:  # a double carries 53 bits, about 15.9 digits
            return self.digits(n - 9) + self.digits(9)
        return f"{int(self.r() * 10**n):0{n}d}"

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    # people
    def name_parts(self) -> tuple[str, str]:
        r = self.r
        if r() < 0.78:
            return IN_FIRST[int(r() * _N_IN_FIRST)], IN_LAST[int(r() * _N_IN_LAST)]
        return US_FIRST[int(r() * _N_US_FIRST)], US_LAST[int(r() * _N_US_LAST)]

    def person(self, first: str, last: str) -> str:
        x = self.r()
        if x < 0.07:
            return f"{first} {self.pick(UPPER)}. {last}"
        if x < 0.12:
            return f"{first} {last}".upper()
        return f"{first} {last}"

    def email(self, first: str, last: str) -> str:
        f, la = first.lower(), last.lower()
        k = int(self.r() * 7)
        if k == 0:
            local = f"{f}.{la}"
        elif k == 1:
            local = f"{f}{la}{self.num(1, 99)}"
        elif k == 2:
            local = f"{f}_{la}"
        elif k == 3:
            local = f"{f}.{la[0]}"
        elif k == 4:
            local = f"{f[0]}{la}{self.num(70, 99)}"
        elif k == 5:
            local = f"{la}.{f}"
        else:
            local = f"{f}{self.num(1000, 9999)}"
        return f"{local.replace(' ', '')}@{EMAIL_DOMAINS[int(self.r() * len(EMAIL_DOMAINS))]}"

    def mobile10(self) -> str:
        """A 10-digit Indian mobile number (6-9 first)."""
        return str(6_000_000_000 + int(self.r() * 4_000_000_000))

    @staticmethod
    def with91(n: str) -> str:
        """``91`` + mobile, unless that 12-digit run is Verhoeff-valid (an Aadhaar shape)."""
        return f"+91{n}" if _verhoeff_digit("91" + n[:-1]) == ord(n[-1]) - 48 else f"91{n}"

    def phone(self, n: str | None = None) -> str:
        """An Indian mobile in the forms people and apps write; some foreign numbers."""
        if n is None:
            if self.r() < 0.05:
                return self.intl[int(self.r() * len(self.intl))]
            n = self.mobile10()
        k = int(self.r() * 12)
        if k < 3:
            return n
        if k == 3:
            return f"+91{n}"
        if k == 4:
            return f"+91 {n[:5]} {n[5:]}"
        if k == 5:
            return f"+91-{n[:5]}-{n[5:]}"
        if k == 6:
            return f"+91 {n}"
        if k == 7:
            return f"0{n}"
        if k == 8:
            return f"{n[:5]} {n[5:]}"
        if k == 9:
            return f"0{n[:5]} {n[5:]}"
        if k == 10:
            return self.with91(n)
        return f"+91-{n}"

    def _intl_phones(self, count: int) -> list[str]:
        out: list[str] = []
        fmts = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        mobile = phonenumbers.PhoneNumberType.MOBILE
        while len(out) < count:
            region = self.pick(("US", "GB", "AE", "SG", "AU"))
            ex = phonenumbers.example_number_for_type(region, mobile)
            nsn = str(ex.national_number)
            num = phonenumbers.parse(f"+{ex.country_code}{nsn[:2]}{self.digits(len(nsn) - 2)}")
            if phonenumbers.is_valid_number(num):
                out.append(phonenumbers.format_number(num, self.pick(fmts)))
        return out

    def address(self) -> tuple[str, str, str, str, str]:
        """(full address, line1, locality, city, PIN) with the PIN in the city's range."""
        city, state, pin3, localities = self.pick(CITIES)
        pin = f"{pin3}{self.num(1, 99):03d}"
        house = self.pick(HOUSES).format(n=self.num(1, 480), a=self.pick("ABCD"), b=self.num(1, 30))
        k = self.num(1, 18)
        suffix = "th" if 10 <= k <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        road = self.pick(ROADS).format(k=k, o=suffix, s=self.pick(IN_LAST))
        locality = self.pick(localities)
        line1 = f"{house}, {road}"
        x = self.r()
        if x < 0.45:
            full = f"{line1}, {locality}, {city} {pin}"
        elif x < 0.65:
            building = self.pick(BUILDINGS).format(s=self.pick(IN_LAST))
            line1 = f"{house}, {building}, {road}"
            full = f"{line1}, {locality}, {city}, {state} - {pin}"
        elif x < 0.85:
            full = f"{line1}, Near {self.pick(LANDMARKS)}, {locality}, {city}-{pin}"
        else:
            full = f"{line1}, {locality}, {city}, {state} {pin}"
        return full, line1, locality, city, pin

    def dob(self) -> str:
        return self.dobs[int(self.r() * len(self.dobs))]

    def _dob(self) -> str:
        y, m, d = self.num(1955, 2005), self.num(1, 12), self.num(1, 28)
        k = int(self.r() * 4)
        return (f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}-{m:02d}-{y}",
                f"{d} {_MONTHS[m - 1]} {y}")[k]  # fmt: skip

    # ids and finance
    def pan(self, last: str | None = None, holder: str | None = None) -> str:
        r = self.r
        holder = holder or ("P" if r() < 0.9 else "CFHAT"[int(r() * 5)])
        fifth = last[0].upper() if last and last[0].isalpha() else UPPER[int(r() * 26)]
        abc = f"{UPPER[int(r() * 26)]}{UPPER[int(r() * 26)]}{UPPER[int(r() * 26)]}"
        if abc == "XXX":  # reads as a mask, not a PAN
            abc = "XXA"
        return f"{abc}{holder}{fifth}{int(r() * 10000):04d}{UPPER[int(r() * 26)]}"

    def aadhaar(self) -> str:
        body = str(20_000_000_000 + int(self.r() * 80_000_000_000))
        n = f"{body}{_verhoeff_digit(body)}"
        x = self.r()
        if x < 0.45:
            return f"{n[:4]} {n[4:8]} {n[8:]}"
        return n if x < 0.92 else f"{n[:4]}-{n[4:8]}-{n[8:]}"

    def gstin(self) -> str:
        first14 = f"{self.num(1, 37):02d}{self.pan(holder=self.pick('CFP'))}{self.num(1, 3)}Z"
        return first14 + gstin_check_char(first14)

    def upi(self, first: str, mobile: str | None = None) -> str:
        if mobile and self.r() < 0.4:
            return f"{mobile}@{self.pick(('ybl', 'paytm', 'ibl', 'axl'))}"
        f = first.lower()
        local = self.pick((f, f"{f}{self.num(1, 99)}", f"{f}.{self.digits(4)}", f"{f}123"))
        return f"{local}@{self.pick(UPI_HANDLES)}"

    def card(self) -> tuple[str, int]:
        iin, length, _ = self.pick(_CARD_TABLE)
        body = iin + self.digits(length - len(iin) - 1)
        n = f"{body}{_luhn_digit(body)}"
        sep = self.pick(("", "", " ", "-"))
        groups = (n[:4], n[4:10], n[10:]) if length == 15 else (n[:4], n[4:8], n[8:12], n[12:])
        return sep.join(groups), length

    def public_ip(self) -> str:
        if self.r() < 0.1:  # Jio's IPv6 block
            return "2405:201:" + ":".join(self.hex(4).lstrip("0") or "0" for _ in range(6))
        return f"{self.pick(PUBLIC_PREFIXES)}.{self.num(1, 254)}.{self.num(1, 254)}"

    # secrets
    def jwt(self, sub: str) -> str:
        alg = self.pick(("HS256", "RS256"))
        header = _b64url(f'{{"alg":"{alg}","typ":"JWT"}}'.encode())
        iat = _EPOCH0 + self.num(0, 7 * _DAY)
        body = f'{{"sub":"{sub}","iat":{iat},"exp":{iat + 3600},"scope":"orders:read cart:write"}}'
        sig = self.chars(B64URL, 43 if alg == "HS256" else 86)
        return f"{header}.{_b64url(body.encode())}.{sig}"

    def aws_key(self) -> str:
        return "AKIA" + self.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)

    def aws_secret(self) -> str:
        return self.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40)

    def token(self) -> str:
        return self.chars(ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", self.num(32, 40))

    # look-alikes (never planted)
    def od(self) -> str:
        """Marketplace order id: OD glued to 18 digits that fail Luhn."""
        body = "4" + self.digits(16)
        return f"OD{body}{_wrong(_luhn_digit(body), self.r())}"

    def order_num(self) -> str:
        """10-12 digit numeric order id; a 12-digit one fails Verhoeff."""
        n = self.num(10, 12)
        body = str(self.num(10 ** (n - 2), 10 ** (n - 1) - 1))
        if n == 12:
            return body + _wrong(_verhoeff_digit(body), self.r())
        return body + str(int(self.r() * 10))

    def txn12(self) -> str:
        """12-digit RRN / UTR, first digit 2-9 like an Aadhaar number, failing Verhoeff."""
        body = str(20_000_000_000 + int(self.r() * 80_000_000_000))
        return body + _wrong(_verhoeff_digit(body), self.r())

    def ref16(self) -> str:
        """16-digit bank reference starting like a Visa or RuPay card, failing Luhn."""
        body = self.pick("4456") + self.digits(14)
        return body + _wrong(_luhn_digit(body), self.r())

    def awb(self) -> str:
        """Courier waybill: 12 digits failing Verhoeff or 13 failing Luhn."""
        if self.r() < 0.5:
            body = self.pick("1235") + self.digits(10)
            return body + _wrong(_verhoeff_digit(body), self.r())
        body = self.pick("1235") + self.digits(11)
        return body + _wrong(_luhn_digit(body), self.r())

    def dlt(self) -> str:
        """19-digit DLT template / entity id (TRAI), failing Luhn."""
        body = "1107" + self.digits(14)
        return body + _wrong(_luhn_digit(body), self.r())

    def sku(self) -> str:
        return self.skus[int(self.r() * len(self.skus))]

    def _sku(self) -> str:
        return f"SKU-{self.pick(SKU_FAMILIES)}-{self.digits(4)}{self.pick(UPPER)}"

    def coupon(self) -> str:
        """PAN-shaped campaign code whose 4th letter is no PAN holder type."""
        head = f"{self.chars(UPPER, 3)}{self.pick(NON_PAN_4TH)}{self.pick(UPPER)}"
        return f"{head}{self.digits(4)}{self.pick(UPPER)}"

    def version(self) -> str:
        return self.versions[int(self.r() * len(self.versions))]

    def amount(self) -> str:
        return f"{self.num(49, 89999)}.{self.pick(('00', '50', '99'))}"

    def price(self) -> str:
        return f"₹{self.pick((199, 299, 499, 799, 999, 1299, 1999, 2499, 14999, 64999)):,}.00"

    def pod_ip(self) -> str:
        return self.pods[int(self.r() * len(self.pods))]

    def node(self) -> str:
        return f"ip-10-0-{self.num(1, 12)}-{self.num(2, 250)}.ap-south-1.compute.internal"

    def masked_card(self) -> str:
        return self.pick(("XXXX-XXXX-XXXX-", "**** **** **** ", "xxxxxxxxxxxx")) + self.digits(4)

    def masked_phone(self) -> str:
        return f"{self.pick('6789')}{self.num(0, 9)}XXXXXX{self.digits(2)}"

    def user_agent(self) -> str:
        return self.agents[int(self.r() * len(self.agents))]

    def _user_agent(self) -> str:
        return self.pick(USER_AGENTS).format(
            c=self.pick(CHROME), m=self.num(1, 40), p=self.num(0, 9)
        )

    def pay_id(self) -> str:
        return "pay_" + self.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 14
        )


_CARD_TABLE = tuple(x for iin, n, w in CARD_IIN for x in [(iin, n, w)] * w)


# ---- clock ----------------------------------------------------------------------------------
class _Clock:
    """Simulated time; each format's per-second prefix is cached."""

    def __init__(self) -> None:
        self.t = float(_EPOCH0)
        self._cache: dict[str, tuple[int, str]] = {}

    def _prefix(self, fmt: str) -> tuple[str, int]:
        sec = int(self.t)
        hit = self._cache.get(fmt)
        if hit is None or hit[0] != sec:
            if fmt == "utc":
                ut = time.gmtime(sec)
                text = (
                    f"{ut.tm_year}-{ut.tm_mon:02d}-{ut.tm_mday:02d}T"
                    f"{ut.tm_hour:02d}:{ut.tm_min:02d}:{ut.tm_sec:02d}"
                )
            else:
                lt = time.gmtime(sec + _IST)
                hms = f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}"
                if fmt == "nginx":
                    text = f"{lt.tm_mday:02d}/{_MONTHS[lt.tm_mon - 1]}/{lt.tm_year}:{hms} +0530"
                else:
                    sep = "T" if fmt == "iso" else " "
                    text = f"{lt.tm_year}-{lt.tm_mon:02d}-{lt.tm_mday:02d}{sep}{hms}"
            hit = (sec, text)
            self._cache[fmt] = hit
        return hit[1], int((self.t - sec) * 1000)

    def iso(self) -> str:
        text, ms = self._prefix("iso")
        return f"{text}.{ms:03d}+05:30"

    def java(self) -> str:
        text, ms = self._prefix("local")
        return f"{text},{ms:03d}"

    def local(self) -> str:
        return self._prefix("local")[0]

    def nginx(self) -> str:
        return self._prefix("nginx")[0]

    def utc(self) -> str:
        text, ms = self._prefix("utc")
        return f"{text}.{ms:03d}Z"

    def epoch_ms(self) -> str:
        """A real epoch-ms timestamp: 13 digits from 17…, some of which happen to pass Luhn,
        as in any log (no card IIN starts with 1)."""
        return str(int(self.t * 1000))


# ---- outputs --------------------------------------------------------------------------------
class _Lake:
    """Shared state: where files go, statistics, the truth file."""

    def __init__(self, root: Path, seed: int, size_mb: float, truth: BinaryIO | None) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.v = _Values(self.rng)
        self.clock = _Clock()
        self.stats = LakeStats(root=str(root), seed=seed, size_mb=size_mb)
        self._truth = truth
        self.truth_on = truth is not None
        self._encode = json.JSONEncoder(ensure_ascii=False).encode
        self._rows: list[str] = []
        self.customers = 0

    def plant(
        self,
        rel: str,
        entity: str,
        value: str,
        line: int | None,
        record: int | None,
        fld: str | None,
    ) -> None:
        """Count a planted value and list it in the truth file (when there is one)."""
        self.stats.planted[entity] += 1
        if self.truth_on:
            self.record(rel, entity, value, line, record, fld)

    def record(
        self,
        rel: str,
        entity: str,
        value: str,
        line: int | None,
        record: int | None,
        fld: str | None,
    ) -> None:
        """List a planted value in the truth file (the caller counts it)."""
        self._rows.append(
            self._encode(
                {
                    "uri_suffix": rel,
                    "entity_type": entity,
                    "value": value,
                    "line_number": line,
                    "record_index": record,
                    "field": fld,
                }
            )
        )
        if len(self._rows) >= 50_000:
            self.flush_truth()

    def flush_truth(self) -> None:
        if self._truth is not None and self._rows:
            self._truth.write(("\n".join(self._rows) + "\n").encode("utf-8"))
            self._rows.clear()

    def done(self, kind: str, path: Path, raw: int) -> None:
        size = path.stat().st_size
        self.stats.files += 1
        self.stats.bytes += size
        self.stats.uncompressed_bytes += raw
        self.stats.by_kind[kind] += 1
        self.stats.bytes_by_kind[kind] += size


class _TextOut:
    """A line-oriented file (plain, gzip, bz2 or zstd) written in blocks.

    ``line`` is the 1-based number of the line being built, so a factory plants its values
    before it hands the line over. The on-disk size of a compressed file is estimated from
    the compression ratio of its first block."""

    def __init__(
        self,
        lake: _Lake,
        kind: str,
        rel: str,
        codec: str | None = None,
        record_offset: int | None = None,
        is_log: bool = False,
    ) -> None:
        self.lake, self.kind, self.rel, self.codec = lake, kind, rel, codec
        self.path = lake.root / rel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = self.path.open("wb")
        self._stream: Any
        if codec == "gzip":
            self._stream = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=6, mtime=0
            )
        elif codec == "bz2":
            self._stream = bz2.BZ2File(self._raw, "wb", compresslevel=9)
        elif codec == "zstd":
            self._stream = pa.CompressedOutputStream(pa.PythonFile(self._raw, mode="w"), "zstd")
        else:
            self._stream = self._raw
        self.record_offset = record_offset
        self.is_log = is_log
        self.line = 1
        self.raw_bytes = 0
        self.ratio = _DEFAULT_RATIO[codec]
        self._measured = codec is None
        self._buf: list[str] = []
        self._pending = 0
        self._pii_line = 0
        self.pii_lines = 0

    def plant(self, entity: str, value: str, fld: str | None = None) -> None:
        rec = None if self.record_offset is None else self.line - self.record_offset
        self.lake.plant(self.rel, entity, value, self.line, rec, fld)
        if self._pii_line != self.line:
            self._pii_line = self.line
            self.pii_lines += 1

    def add(self, text: str) -> None:
        self._buf.append(text)
        self._pending += len(text) + 1
        self.line += 1

    def lines(self) -> int:
        return self.line - 1

    def disk_estimate(self) -> float:
        return (self.raw_bytes + self._pending) / self.ratio

    def avg_line(self) -> float:
        return (self.raw_bytes + self._pending) / max(1, self.line - 1) if self.line > 1 else 300.0

    def flush(self) -> None:
        if not self._buf:
            return
        data = ("\n".join(self._buf) + "\n").encode("utf-8")
        self._buf.clear()
        self._pending = 0
        if not self._measured:
            self.ratio = len(data) / max(1, len(_compress(self.codec, data)))
            self._measured = True
        self.raw_bytes += len(data)
        self._stream.write(data)

    def close(self) -> None:
        self.flush()
        self._stream.close()
        if not self._raw.closed:
            self._raw.close()
        self.lake.done(self.kind, self.path, self.raw_bytes)
        if self.is_log:
            self.lake.stats.log_lines += self.lines()
            self.lake.stats.log_lines_with_pii += self.pii_lines
        self.lake.flush_truth()


def _compress(codec: str | None, data: bytes) -> bytes:
    if codec == "gzip":
        return zlib.compress(data, 6)
    if codec == "bz2":
        return bz2.compress(data, 9)
    if codec == "zstd":
        return pa.compress(data, "zstd", asbytes=True)
    return data


Factory = Callable[[_TextOut], str]


def _table(pairs: Sequence[tuple[Factory, float]]) -> tuple[list[Factory], list[float]]:
    funcs, cum, total = [], [], 0.0
    for f, w in pairs:
        total += w
        funcs.append(f)
        cum.append(total)
    return funcs, cum


def _fill(
    lake: _Lake,
    out: _TextOut,
    table: tuple[list[Factory], list[float]],
    target: float,
    t_end: float,
) -> None:
    """Add lines from the weighted factories until the file reaches ``target`` bytes on disk;
    the clock advances evenly towards ``t_end``."""
    funcs, cum = table
    rng, clock = lake.rng, lake.clock
    first = True
    while first or out.disk_estimate() < target:
        remaining = (target - out.disk_estimate()) * out.ratio / out.avg_line()
        n = 256 if first else int(min(4096, max(8, remaining)))
        first = False
        lines_left = max(16.0, remaining)
        step = max(0.0, (t_end - clock.t) / lines_left) * 2
        r = rng.random
        for f in rng.choices(funcs, cum_weights=cum, k=n):
            clock.t += r() * step
            out.add(f(out))
        out.flush()


# ---- ingress --------------------------------------------------------------------------------
class _Ingress:
    """Access logs of ingress-nginx and envoy plus the API gateway's debug lines."""

    PII_RATE = 0.05

    def __init__(self, lake: _Lake) -> None:
        self.v, self.c = lake.v, lake.clock
        clean = [
            (self.nginx_clean, 52),
            (self.envoy_clean, 16),
            (self.gateway_clean, 22),
            (self.kafka_clean, 5),
            (self.probe_clean, 5),
        ]
        pii = [
            (self.nginx_query_pii, 14),
            (self.courier_body_pii, 12),
            (self.otp_sms_pii, 12),
            (self.card_callback_pii, 8),
            (self.kyc_pii, 8),
            (self.upi_pii, 10),
            (self.bearer_pii, 9),
            (self.aws_debug_pii, 3),
            (self.login_pii, 10),
            (self.support_pii, 6),
            (self.address_patch_pii, 8),
        ]
        self.table = _weighted(clean, pii, self.PII_RATE)

    def _nginx(self, method: str, path: str, status: int, referer: str = "-") -> str:
        v = self.v
        r = v.r
        size, rt = 120 + int(r() * 24000), r() * 0.35
        http = "2.0" if r() < 0.6 else "1.1"
        return (
            f'{LB_IPS[int(r() * 4)]} - - [{self.c.nginx()}] "{method} {path} HTTP/{http}" '
            f'{status} {size} "{referer}" "{v.user_agent()}" {180 + int(r() * 1200)} {rt:.3f} '
            f"{v.pick(v.upstreams)} {size} {rt * 0.96:.3f} {status} {v.hex(32)}"
        )

    def nginx_clean(self, out: _TextOut) -> str:
        v = self.v
        k = int(v.r() * 12)
        if k == 0:
            return self._nginx("GET", f"/api/v2/orders/{v.od()}?fields=items,status", 200)
        if k == 1:
            return self._nginx(
                "GET", f"/api/v2/orders?page={v.num(1, 9)}&size=20&sort=created_at,desc", 200
            )
        if k == 2:
            return self._nginx("GET", f"/api/v1/products/{v.sku()}?pincode_check=false", 200)
        if k == 3:
            return self._nginx("POST", "/api/v1/cart/items", v.pick((200, 201, 409)))
        if k == 4:
            return self._nginx("GET", f"/static/js/main.{v.hex(8)}.chunk.js", v.pick((200, 304)))
        if k == 5:
            q = v.pick(SEARCHES)
            return self._nginx(
                "GET",
                f"/api/v1/search?q={q}&page=1&utm_source=google"
                f"&utm_campaign=holi_sale_{v.num(1, 9)}",
                200,
                "https://www.shopkart.in/",
            )
        if k == 6:
            return self._nginx("GET", f"/api/v2/payments/{v.pay_id()}/status", 200)
        if k == 7:
            return self._nginx("GET", f"/api/v1/tracking/{v.awb()}", v.pick((200, 404)))
        if k == 8:
            pin = f"{v.pick(CITIES)[2]}{v.num(1, 99):03d}"
            return self._nginx("GET", f"/api/v1/serviceability?pincode={pin}&sku={v.sku()}", 200)
        if k == 9:
            return self._nginx(
                "GET", f"/api/v1/recommendations?session=sess_{v.hex(16)}&limit=12", 200
            )
        if k == 10:
            return self._nginx(
                "POST", f"/api/v1/coupons/apply?code={v.coupon()}", v.pick((200, 422))
            )
        return self._nginx("GET", f"/api/v1/orders/{v.order_num()}/invoice.pdf", 200)

    def envoy_clean(self, out: _TextOut) -> str:
        v = self.v
        up, port = v.pick(UPSTREAMS)
        path = v.pick(
            ("/v1/cart/items", "/v1/orders", "/v1/catalog/price", "/v1/inventory/reserve")
        )
        method, code = v.pick(("GET", "POST", "PUT")), v.pick((200, 200, 201, 204, 503))
        return (
            f'{{"start_time":"{self.c.utc()}","method":"{method}","path":"{path}",'
            f'"protocol":"HTTP/2","response_code":{code},"response_flags":"-",'
            f'"bytes_received":{v.num(0, 4000)},"bytes_sent":{v.num(60, 30000)},'
            f'"duration":{v.num(1, 900)},"upstream_service_time":"{v.num(1, 880)}",'
            f'"x_request_id":"{v.uuid()}","authority":"{up}.prod.svc.cluster.local:{port}",'
            f'"upstream_host":"{v.pod_ip()}:{port}","trace_id":"{v.hex(32)}"}}'
        )

    def _prefix(self, level: str, service: str) -> str:
        return f"{self.c.iso()} {level:<5} {service} [{self.v.hex(32)},{self.v.hex(16)}]"

    def gateway_clean(self, out: _TextOut) -> str:
        v = self.v
        k = int(v.r() * 8)
        p = self._prefix("INFO", v.pick(SERVICES))
        if k == 0:
            return (
                f"{p} route=orders.create upstream=order-svc status=201 "
                f"latency_ms={v.num(20, 900)} "
                f"order_id={v.od()} amount={v.amount()} currency=INR items={v.num(1, 6)} "
                f"sku={v.sku()} build={v.version()}"
            )
        if k == 1:
            return (
                f"{p} payment captured txn_ref={v.txn12()} bank_ref={v.ref16()} "
                f"card={v.masked_card()} amount={v.price()} status=captured gateway=paynexa"
            )
        if k == 2:
            return (
                f"{p} OTP verification succeeded for request_id={v.uuid()} channel=sms "
                f"attempts={v.num(1, 3)}"
            )
        if k == 3:
            return (
                f"{p} coupon applied code={v.coupon()} discount=₹{v.num(50, 500)}.00 "
                f"order_id={v.order_num()} ts={self.c.epoch_ms()}"
            )
        if k == 4:
            client = v.pick(("android", "ios", "web"))
            return f"{p} token refreshed token_type=Bearer expires_in=3600 client={client}"
        if k == 5:
            cursor = _b64url(f'{{"page":{v.num(2, 40)},"after":"{v.hex(8)}"}}'.encode())
            return f"{p} list orders cursor={cursor} page_size=20 elapsed_ms={v.num(3, 200)}"
        if k == 6:
            return (
                f"{p} notification queued to={v.masked_phone()} template_id={v.dlt()} "
                f"node={v.node()} version={v.version()}"
            )
        return (
            f"{p} refund initiated refund_id=rfnd_{v.hex(14)} order_id={v.od()} "
            f"amount={v.amount()} utr={v.txn12()} eta_days={v.num(3, 7)}"
        )

    def kafka_clean(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self.c.java()} INFO  [order-events-consumer-{v.num(0, 7)}] "
            "o.a.k.c.c.i.ConsumerCoordinator - "
            f"committed offset={v.pick('123456789')}{v.digits(9)} partition={v.num(0, 23)} "
            f"topic=order-events lag={v.num(0, 40)} ts={self.c.epoch_ms()}"
        )

    def probe_clean(self, out: _TextOut) -> str:
        return self._nginx("GET", self.v.pick(("/healthz", "/readyz", "/metrics")), 200)

    # -- PII lines --
    def nginx_query_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email = v.email(first, last)
        enc_email = email.replace("@", "%40") if v.r() < 0.6 else email
        mobile = v.mobile10()
        phone = v.pick((mobile, f"%2B91{mobile}", f"%2B91-{mobile[:5]}-{mobile[5:]}", f"0{mobile}"))
        k = int(v.r() * 3)
        if k == 0:
            out.plant("PHONE_NUMBER", phone)
            out.plant("EMAIL_ADDRESS", enc_email)
            path = f"/api/v1/customers/lookup?mobile={phone}&email={enc_email}&src=crm"
        elif k == 1:
            otp = v.digits(6)
            out.plant("PHONE_NUMBER", phone)
            out.plant("OTP_CODE", otp)
            path = f"/api/v1/otp/verify?phone={phone}&otp={otp}&order_id={v.od()}"
        else:
            name = f"{first}+{last}" if v.r() < 0.5 else f"{first}%20{last}"
            out.plant("PERSON", name)
            out.plant("PHONE_NUMBER", phone)
            path = f"/api/v1/track?name={name}&mobile={phone}&awb={v.awb()}"
        return self._nginx("GET", path, v.pick((200, 200, 404)))

    def courier_body_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, phone = v.person(first, last), v.phone()
        full, _line1, _loc, city, pin = v.address()
        out.plant("PERSON", name)
        out.plant("PHONE_NUMBER", phone)
        out.plant("STREET_ADDRESS", full)
        body = json.dumps(
            {
                "order_id": v.od(),
                "consignee": {
                    "name": name,
                    "phone": phone,
                    "address": full,
                    "city": city,
                    "pincode": pin,
                },
                "cod_amount": float(v.num(199, 9999)),
                "weight_g": v.num(100, 9000),
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return (
            f"{self._prefix('DEBUG', 'api-gateway')} upstream=shipfast method=POST "
            f"path=/v2/shipments request_body={body}"
        )

    def otp_sms_pii(self, out: _TextOut) -> str:
        v = self.v
        m = v.mobile10()
        phone = v.pick((f"+91{m}", v.with91(m), m))
        otp = v.digits(v.pick((6, 6, 6, 4)))
        out.plant("PHONE_NUMBER", phone)
        out.plant("OTP_CODE", otp)
        k = int(v.r() * 3)
        if k == 0:
            text = f"OTP {otp} for order {v.od()}. Do not share it with anyone. -ShopKart"
        elif k == 1:
            text = f"{otp} is your ShopKart login OTP. Valid for 10 minutes. Do not share."
        else:
            text = f"आपका ShopKart OTP {otp} है। इसे किसी के साथ साझा न करें।"
        return (
            f"{self._prefix('INFO', 'notify-svc')} provider=textbee to={phone} "
            f'template_id={v.dlt()} text="{text}"'
        )

    def card_callback_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        card, length = v.card()
        cvv = v.digits(4 if length == 15 else 3)
        holder = f"{first} {last}".upper()
        email, contact = v.email(first, last), f"+91{v.mobile10()}"
        out.plant("CREDIT_CARD", card)
        out.plant("CVV", cvv)
        out.plant("PERSON", holder)
        out.plant("EMAIL_ADDRESS", email)
        out.plant("PHONE_NUMBER", contact)
        expiry = f"{v.num(1, 12):02d}/{v.num(25, 31)}"
        body = (
            f'{{"payment_id":"{v.pay_id()}","card":{{"number":"{card}","expiry":"{expiry}",'
            f'"cvv":"{cvv}","name_on_card":"{holder}"}},"email":"{email}","contact":"{contact}",'
            f'"amount":{v.num(4900, 9999900)},"currency":"INR"}}'
        )
        return (
            f"{self._prefix('WARN', 'api-gateway')} upstream=paynexa callback unparsed body={body}"
        )

    def kyc_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, pan, aadhaar, dob = f"{first} {last}", v.pan(last), v.aadhaar(), v.dob()
        out.plant("PERSON", name)
        out.plant("IN_PAN", pan)
        out.plant("IN_AADHAAR", aadhaar)
        out.plant("DATE_OF_BIRTH", dob)
        return (
            f"{self._prefix('DEBUG', 'kyc-svc')} upstream=kyc-verify POST /v3/ekyc request="
            f'{{"name":"{name}","pan":"{pan}","aadhaar":"{aadhaar}","dob":"{dob}",'
            f'"consent":true,"ref_id":"{v.txn12()}"}}'
        )

    def upi_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        mobile = v.mobile10()
        vpa = v.upi(first, mobile)
        out.plant("IN_UPI_ID", vpa)
        if v.r() < 0.5:
            payee = f"{first} {last}"
            out.plant("PERSON", payee)
            return (
                f"{self._prefix('INFO', 'payments-svc')} route=payments.upi.collect vpa={vpa} "
                f'payer_name="{payee}" amount={v.amount()} txn_ref={v.txn12()} status=PENDING'
            )
        return (
            f"{self._prefix('INFO', 'payments-svc')} upi intent created vpa={vpa} "
            f"order_id={v.od()} amount={v.amount()} expires_in=600"
        )

    def bearer_pii(self, out: _TextOut) -> str:
        v = self.v
        if v.r() < 0.6:
            tok = v.jwt(f"cust_{v.num(100000, 9999999)}")
            out.plant("JWT", tok)
        else:
            tok = v.token()
            out.plant("SECRET", tok)
        return (
            f"{self._prefix('DEBUG', 'api-gateway')} forwarding headers="
            f'{{"Authorization":"Bearer {tok}","X-Request-Id":"{v.uuid()}",'
            f'"X-Client-Version":"{v.version()}"}}'
        )

    def aws_debug_pii(self, out: _TextOut) -> str:
        v = self.v
        key, secret = v.aws_key(), v.aws_secret()
        out.plant("AWS_ACCESS_KEY", key)
        out.plant("SECRET", secret)
        return (
            f"{self.c.java()} DEBUG [invoice-uploader] botocore.credentials - Loaded credentials "
            f"from env: aws_access_key_id={key} aws_secret_access_key={secret} "
            f"region=ap-south-1 bucket=shopkart-invoices-prod"
        )

    def login_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email, ip = v.email(first, last), v.public_ip()
        out.plant("EMAIL_ADDRESS", email)
        out.plant("IP_ADDRESS", ip)
        return (
            f"{self._prefix('INFO', 'users-svc')} login success user={email} client_ip={ip} "
            f"device={v.pick(('android', 'ios', 'web'))} session=sess_{v.hex(16)}"
        )

    def support_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, phone = f"{first} {last}", v.phone()
        out.plant("PERSON", name)
        out.plant("PHONE_NUMBER", phone)
        return (
            f"{self._prefix('INFO', 'support-bot')} ticket=TKT-{v.digits(7)} "
            f'message="Hi, I am {name}, my order {v.od()} is not delivered yet. '
            f'Please call me on {phone}"'
        )

    def address_patch_pii(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        _full, line1, loc, city, pin = v.address()
        name, mobile = f"{first} {last}", v.mobile10()
        out.plant("STREET_ADDRESS", line1)
        out.plant("PERSON", name)
        out.plant("PHONE_NUMBER", mobile)
        return (
            f"{self._prefix('DEBUG', 'api-gateway')} PATCH /v1/addresses/{v.num(10**6, 10**7)} "
            f'body={{"name":"{name}","line1":"{line1}","locality":"{loc}","city":"{city}",'
            f'"pin":{pin},"phone":{mobile},"is_default":true}}'
        )


def _weighted(
    clean: list[tuple[Factory, float]], pii: list[tuple[Factory, float]], rate: float
) -> tuple[list[Factory], list[float]]:
    c_total = sum(w for _, w in clean)
    p_total = sum(w for _, w in pii)
    pairs = [(f, w / c_total * (1 - rate)) for f, w in clean]
    pairs += [(f, w / p_total * rate) for f, w in pii]
    return _table(pairs)


# ---- partner APIs ---------------------------------------------------------------------------
PARTNERS = ("shipfast", "paynexa", "textbee")


class _Partners:
    """HTTP client logs of a courier, a payment gateway and an SMS gateway."""

    PII_RATE = 0.06

    def __init__(self, lake: _Lake) -> None:
        self.v, self.c = lake.v, lake.clock
        self.tables = {
            "shipfast": _weighted(
                [(self.courier_track, 60), (self.courier_manifest, 25), (self.courier_webhook, 15)],
                [(self.courier_create, 70), (self.courier_ndr, 30)],
                self.PII_RATE,
            ),
            "paynexa": _weighted(
                [(self.pay_capture, 55), (self.pay_settlement, 25), (self.pay_refund, 20)],
                [(self.pay_webhook, 60), (self.pay_card, 25), (self.pay_gstin, 15)],
                self.PII_RATE,
            ),
            "textbee": _weighted(
                [(self.sms_dlr, 70), (self.sms_balance, 15), (self.sms_template, 15)],
                [(self.sms_submit, 100)],
                self.PII_RATE,
            ),
        }

    def _p(self, cls: str, level: str = "INFO") -> str:
        thread = f"http-nio-8080-exec-{self.v.num(1, 40)}"
        return f"{self.c.java()} {level:<5} [{thread}] c.s.partner.{cls} -"

    def courier_track(self, out: _TextOut) -> str:
        v = self.v
        status = v.pick(("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "RTO"))
        hub = v.pick(("Bhiwandi Hub", "Gurgaon Gateway", "Hoskote DC", "Kolkata Mother Hub"))
        return (
            f"{self._p('ShipFastClient')} <<< 200 GET /v2/track/{v.awb()} ({v.num(20, 900)} ms) "
            f'{{"status":"{status}","hub":"{hub}",'
            f'"updated_at":{self.c.epoch_ms()},"attempts":{v.num(0, 3)}}}'
        )

    def courier_manifest(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('ShipFastClient')} >>> POST /v2/manifests "
            f'{{"manifest_id":"MF{v.digits(9)}","pickup_location":"WH-BLR-{v.num(1, 9):02d}",'
            f'"awbs":["{v.awb()}","{v.awb()}","{v.awb()}"],"pickup_date":"{self.c.local()[:10]}"}}'
        )

    def courier_webhook(self, out: _TextOut) -> str:
        v = self.v
        location = f"{v.pick(('BLR', 'DEL', 'BOM', 'MAA'))}{v.num(10, 99)}"
        return (
            f"{self._p('ShipFastWebhook')} webhook awb={v.awb()} event=SCAN "
            f"location_code={location} "
            f"order_id={v.od()} scanned_at={self.c.epoch_ms()} signature={v.hex(64)}"
        )

    def courier_create(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, phone = v.person(first, last), v.phone()
        full, _l1, _loc, city, pin = v.address()
        alt = v.phone()
        out.plant("PERSON", name)
        out.plant("PHONE_NUMBER", phone)
        out.plant("PHONE_NUMBER", alt)
        out.plant("STREET_ADDRESS", full)
        return (
            f"{self._p('ShipFastClient')} >>> POST /v2/shipments "
            f'{{"order_id":"{v.od()}","payment_mode":"{v.pick(("COD", "Prepaid"))}",'
            f'"consignee":{{"name":"{name}","phone":"{phone}","alt_phone":"{alt}",'
            f'"address":"{full}","city":"{city}","pin":"{pin}"}},'
            f'"weight":{v.num(100, 9000) / 1000:.3f}}}'
        )

    def courier_ndr(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        phone = v.phone()
        out.plant("PHONE_NUMBER", phone)
        name = f"{first} {last}"
        out.plant("PERSON", name)
        return (
            f"{self._p('ShipFastWebhook', 'WARN')} NDR awb={v.awb()} reason=CUSTOMER_UNREACHABLE "
            f'remarks="Called {name} on {phone}, no response, reattempt tomorrow"'
        )

    def pay_capture(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaClient')} <<< 200 POST /v1/payments/{v.pay_id()}/capture "
            f'{{"status":"captured","amount":{v.num(4900, 9999900)},"currency":"INR",'
            f'"method":"card","card":{{"last4":"{v.digits(4)}",'
            f'"network":"{v.pick(("Visa", "MasterCard", "RuPay"))}",'
            f'"masked":"{v.masked_card()}"}},"rrn":"{v.txn12()}","bank_ref":"{v.ref16()}",'
            f'"created_at":{self.c.epoch_ms()[:10]}}}'
        )

    def pay_settlement(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaSettlementJob')} settlement setl_{v.hex(14)} utr={v.txn12()} "
            f"amount={v.amount()} fees={v.num(1, 900)}.{v.num(10, 99)} count={v.num(10, 5000)}"
        )

    def pay_refund(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaClient')} <<< 200 POST /v1/refunds "
            f'{{"id":"rfnd_{v.hex(14)}","payment_id":"{v.pay_id()}","amount":{v.num(100, 500000)},'
            f'"speed":"normal","acquirer_data":{{"arn":"{v.ref16()}"}},"status":"processed"}}'
        )

    def pay_webhook(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email, contact = v.email(first, last), v.pick((f"+91{v.mobile10()}", v.mobile10()))
        vpa = v.upi(first, contact[-10:])
        out.plant("EMAIL_ADDRESS", email)
        out.plant("PHONE_NUMBER", contact)
        out.plant("IN_UPI_ID", vpa)
        return (
            f"{self._p('PaynexaWebhook')} event=payment.captured payload="
            f'{{"id":"{v.pay_id()}","method":"upi","vpa":"{vpa}","email":"{email}",'
            f'"contact":"{contact}","amount":{v.num(4900, 9999900)},"fee":{v.num(100, 9000)}}}'
        )

    def pay_card(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        card, _ = v.card()
        holder = f"{first} {last}".upper()
        out.plant("CREDIT_CARD", card)
        out.plant("PERSON", holder)
        return (
            f"{self._p('PaynexaClient', 'ERROR')} tokenization failed card_number={card} "
            f'name_on_card="{holder}" error=BAD_REQUEST_ERROR retry=false'
        )

    def pay_gstin(self, out: _TextOut) -> str:
        v = self.v
        gstin = v.gstin()
        out.plant("IN_GSTIN", gstin)
        return (
            f"{self._p('PaynexaInvoice')} invoice generated inv_{v.hex(12)} seller_gstin={gstin} "
            f"taxable={v.amount()} igst=18%"
        )

    def sms_dlr(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} DLR "
            f'{{"msg_id":"{v.uuid()}",'
            f'"status":"{v.pick(("DELIVRD", "DELIVRD", "UNDELIV", "EXPIRED"))}",'
            f'"dlt_template_id":"{v.dlt()}","submitted_at":{self.c.epoch_ms()},'
            f'"parts":{v.num(1, 2)},"operator":"{v.pick(("JIO", "AIRTEL", "VI", "BSNL"))}"}}'
        )

    def sms_balance(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} balance credits={v.num(10000, 900000)} "
            "sender_id=SHPKRT route=transactional"
        )

    def sms_template(self, out: _TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} template approved dlt_template_id={v.dlt()} "
            f'entity_id={v.dlt()} text="Your order {{#var#}} has been shipped via {{#var#}}"'
        )

    def sms_submit(self, out: _TextOut) -> str:
        v = self.v
        m = v.mobile10()
        to = v.pick((v.with91(m), f"+91{m}"))
        otp = v.digits(6)
        out.plant("PHONE_NUMBER", to)
        out.plant("OTP_CODE", otp)
        return (
            f"{self._p('TextbeeClient')} >>> POST /api/v2/sms "
            f'{{"to":"{to}","sender":"SHPKRT","dlt_template_id":"{v.dlt()}",'
            f'"text":"{otp} is your OTP to confirm order {v.od()}. Do not share it. -ShopKart"}}'
        )


# ---- API payloads (JSON Lines and a JSON array) ---------------------------------------------
class _Payloads:
    """Request/response records of the platform's own APIs."""

    PII_RATE = 0.3

    def __init__(self, lake: _Lake) -> None:
        self.v, self.c = lake.v, lake.clock
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.table = _weighted(
            [(self.catalog, 40), (self.cart, 30), (self.payment_status, 20), (self.search, 10)],
            [(self.order_create, 50), (self.kyc, 20), (self.profile, 30)],
            self.PII_RATE,
        )

    def _rec(self, endpoint: str, status: int, request: Any, response: Any) -> str:
        v = self.v
        return self._dumps(
            {
                "ts": self.c.iso(),
                "request_id": v.uuid(),
                "endpoint": endpoint,
                "status": status,
                "latency_ms": v.num(2, 800),
                "request": request,
                "response": response,
            }
        )

    def catalog(self, out: _TextOut) -> str:
        v = self.v
        pin = int(f"{v.pick(CITIES)[2]}{v.num(1, 99):03d}")
        return self._rec(
            "GET /v1/catalog/price",
            200,
            {"sku": v.sku(), "pincode": pin},
            {
                "price": float(v.num(99, 99999)),
                "stock": v.num(0, 500),
                "seller_id": v.num(10000, 99999),
                "delivery_days": v.num(1, 7),
            },
        )

    def cart(self, out: _TextOut) -> str:
        v = self.v
        items = [
            {"sku": v.sku(), "qty": v.num(1, 3), "price": float(v.num(99, 9999))}
            for _ in range(v.num(1, 4))
        ]
        return self._rec(
            "PUT /v1/cart",
            200,
            {"customer_id": v.num(10**6, 10**8), "items": items, "coupon": v.coupon()},
            {"cart_id": v.uuid(), "total": sum(i["price"] * i["qty"] for i in items)},
        )

    def payment_status(self, out: _TextOut) -> str:
        v = self.v
        return self._rec(
            "GET /v1/payments/status",
            200,
            {"payment_id": v.pay_id()},
            {
                "status": v.pick(("captured", "failed", "pending")),
                "rrn": v.txn12(),
                "bank_ref": v.ref16(),
                "card": {"last4": v.digits(4)},
                "updated_at": int(self.c.epoch_ms()),
            },
        )

    def search(self, out: _TextOut) -> str:
        v = self.v
        return self._rec(
            "GET /v1/search",
            200,
            {"q": v.pick(SEARCHES).replace("+", " "), "page": v.num(1, 5), "trace_id": v.hex(32)},
            {
                "results": [{"sku": v.sku(), "score": round(v.r(), 4)} for _ in range(3)],
                "total": v.num(0, 9000),
            },
        )

    def order_create(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, mobile, email = v.person(first, last), v.mobile10(), v.email(first, last)
        as_number = v.r() < 0.5
        phone: Any = int(mobile) if as_number else v.phone(mobile)
        out.plant("PERSON", name, "$.request.customer.name")
        out.plant("PHONE_NUMBER", str(phone), "$.request.customer.phone")
        out.plant("EMAIL_ADDRESS", email, "$.request.customer.email")
        addresses = []
        for i in range(v.num(1, 2)):
            _full, line1, loc, city, pin = v.address()
            out.plant("STREET_ADDRESS", line1, f"$.request.customer.addresses[{i}].line1")
            addresses.append({"type": ("home", "work")[i], "line1": line1, "line2": loc,
                              "city": city, "pin": int(pin)})  # fmt: skip
        pay: dict[str, Any] = {"method": v.pick(("upi", "card", "cod"))}
        if pay["method"] == "upi":
            pay["vpa"] = v.upi(first, mobile)
            out.plant("IN_UPI_ID", pay["vpa"], "$.request.payment.vpa")
        return self._rec(
            "POST /v1/orders",
            201,
            {
                "customer": {
                    "id": v.num(10**6, 10**8),
                    "name": name,
                    "phone": phone,
                    "email": email,
                    "addresses": addresses,
                },
                "items": [{"sku": v.sku(), "qty": v.num(1, 3)}],
                "payment": pay,
            },
            {"order_id": v.od(), "eta_days": v.num(1, 7), "placed_at": int(self.c.epoch_ms())},
        )

    def kyc(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, pan, aadhaar, dob = f"{first} {last}", v.pan(last), v.aadhaar(), v.dob()
        out.plant("PERSON", name, "$.request.name")
        out.plant("IN_PAN", pan, "$.request.pan")
        out.plant("IN_AADHAAR", aadhaar, "$.request.aadhaar")
        out.plant("DATE_OF_BIRTH", dob, "$.request.dob")
        return self._rec(
            "POST /v1/kyc/verify",
            200,
            {
                "customer_id": v.num(10**6, 10**8),
                "name": name,
                "pan": pan,
                "aadhaar": aadhaar,
                "dob": dob,
            },
            {"verified": v.r() < 0.9, "ref": v.txn12(), "provider": "kyc-verify"},
        )

    def profile(self, out: _TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email = v.email(first, last)
        phones = [v.phone() for _ in range(v.num(1, 2))]
        out.plant("EMAIL_ADDRESS", email, "$.request.email")
        for i, p in enumerate(phones):
            out.plant("PHONE_NUMBER", p, f"$.request.alt_phones[{i}]")
        ip = v.public_ip()
        out.plant("IP_ADDRESS", ip, "$.request.client.ip")
        return self._rec(
            "PATCH /v1/profile",
            200,
            {
                "email": email,
                "alt_phones": phones,
                "marketing_opt_in": v.r() < 0.3,
                "client": {"ip": ip, "app_version": v.version()},
            },
            {"updated": True},
        )


# ---- exports --------------------------------------------------------------------------------
CUSTOMER_HEADER = ["customer_id", "full_name", "email", "mobile", "address", "city", "pincode",
                   "pan", "dob", "gender", "loyalty_tier", "created_at"]  # fmt: skip
KYC_HEADER = ["customer_id", "full_name", "pan", "aadhaar", "dob", "kyc_status", "verified_at"]
_CSV_COLUMNS = (("PERSON", 1), ("EMAIL_ADDRESS", 2), ("PHONE_NUMBER", 3),
                ("STREET_ADDRESS", 4), ("IN_PAN", 7), ("DATE_OF_BIRTH", 8))  # fmt: skip
_TSV_COLUMNS = (("PERSON", 1), ("IN_PAN", 2), ("IN_AADHAAR", 3), ("DATE_OF_BIRTH", 4))
_CUSTOMERS_FROM = calendar.timegm((2019, 1, 1, 0, 0, 0))


def _customer_rows(lake: _Lake, kind: str, rel: str, target: float, tsv: bool) -> None:
    """A customer master export (CSV) or KYC export (TSV), rows in order of creation."""
    v, clock = lake.v, lake.clock
    r = v.r
    path = lake.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    header, columns = (KYC_HEADER, _TSV_COLUMNS) if tsv else (CUSTOMER_HEADER, _CSV_COLUMNS)
    n_addr = len(v.addresses)
    # CSV rows were created from 2019 until the lake's first day; KYC rows verified since.
    clock.t = float(_CUSTOMERS_FROM)
    row_bytes = 110.0 if tsv else 190.0
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t" if tsv else ",", lineterminator="\n")
    writer.writerow(header)
    size = row = 0
    with path.open("wb") as f:
        while size < target:
            block = []
            step = 2 * (_EPOCH0 - clock.t) / max(1000.0, (target - size) / row_bytes)
            for _ in range(1000):
                first, last = v.name_parts()
                if tsv:  # a KYC'd customer of the master export
                    cid = 10_000_000 + int(r() * max(1, lake.customers)) * 7 + int(r() * 7)
                else:
                    lake.customers += 1
                    cid = 10_000_000 + lake.customers * 7 + int(r() * 7)
                clock.t += r() * step
                if tsv:
                    status = "VERIFIED" if r() < 0.8 else "PENDING"
                    block.append((cid, f"{first} {last}", v.pan(last), v.aadhaar(), v.dob(),
                                  status, clock.local()))  # fmt: skip
                else:
                    full, _l1, _loc, city, pin = v.addresses[int(r() * n_addr)]
                    block.append((cid, f"{first} {last}", v.email(first, last), v.phone(), full,
                                  city, pin, v.pan(last), v.dob(), "MFMFU"[int(r() * 5)],
                                  ("SILVER", "GOLD", "PLUS", "")[int(r() * 4)],
                                  clock.local()))  # fmt: skip
            writer.writerows(block)
            if lake.truth_on:
                for i, rec in enumerate(block, row):
                    for entity, col in columns:
                        lake.record(rel, entity, rec[col], i + 2, i, header[col])
            for entity, _ in columns:
                lake.stats.planted[entity] += len(block)
            row += len(block)
            data = buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            f.write(data)
            size += len(data)
            row_bytes = size / row
            lake.flush_truth()
    lake.done(kind, path, size)


_ADDRESS_T = pa.struct([("line1", pa.string()), ("city", pa.string()), ("pin", pa.string())])
_SHIPPING_T = pa.struct([("name", pa.string()), ("phone", pa.string()), ("address", _ADDRESS_T)])
ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.int64()),
        ("order_ts", pa.timestamp("ms", tz="Asia/Kolkata")),
        ("status", pa.string()),
        ("payment_method", pa.string()),
        ("amount_paise", pa.int64()),
        ("discount_paise", pa.int64()),
        ("shipping_fee_paise", pa.int32()),
        ("item_count", pa.int16()),
        ("skus", pa.list_(pa.string())),
        ("seller_id", pa.int32()),
        ("warehouse_id", pa.int32()),
        ("weight_g", pa.int32()),
        ("billing_phone", pa.int64()),
        ("shipping", _SHIPPING_T),
        ("contacts", pa.list_(pa.string())),
        ("coupon_code", pa.string()),
        ("txn_ref", pa.string()),
    ]
)
_BYTES_PER_ORDER = 190  # on disk, snappy; only sizes the row groups
_NP_DOUBLE = np.array(_DOUBLE, dtype=np.int64)
_NP_VDP = np.array(_VDP, dtype=np.int64)
_NP_VINV = np.array(_VINV, dtype=np.int64)


def _np_wrong_check(body: np.ndarray, width: int, verhoeff: bool, g: np.random.Generator) -> Any:
    """``body * 10 + d`` where d is any digit but the Luhn (or Verhoeff) check digit of the
    ``width``-digit bodies: ids that look like cards (or Aadhaar numbers) and are not."""
    x = body.copy()
    acc = np.zeros(len(body), dtype=np.int64)
    for i in range(1, width + 1):
        d = x % 10
        x //= 10
        if verhoeff:
            acc = _NP_VDP[i & 7][acc, d]
        else:
            acc += _NP_DOUBLE[d] if i % 2 else d
    check = _NP_VINV[acc] if verhoeff else (-acc) % 10
    return body * 10 + (check + 1 + g.integers(0, 9, len(body))) % 10


def _orders_parquet(lake: _Lake, kind: str, rel: str, target: float) -> None:
    """Orders with a nested shipping struct, a contacts list and an int64 phone column, in
    row groups of about a sixth of the file (a 1 MB file has about six). Person columns are
    built row by row; ids and amounts with numpy seeded from the lake's RNG."""
    v, clock = lake.v, lake.clock
    r = v.r
    g = np.random.Generator(np.random.PCG64(lake.rng.getrandbits(64)))
    path = lake.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    group = int(min(50_000, max(100, target / _BYTES_PER_ORDER / 6)))
    n_addr = len(v.addresses)
    skus, status, methods = pa.array(v.skus), pa.array(ORDER_STATUS), pa.array(PAY_METHODS)
    coupons = pa.array(v.coupons)
    sink = pa.OSFile(str(path), "wb")
    writer = pq.ParquetWriter(sink, ORDERS_SCHEMA, compression="snappy")
    row = raw = 0
    while True:
        n = group
        names, phones, line1s, cities, pins, contacts = [], [], [], [], [], []
        for _ in range(n):
            first, last = v.name_parts()
            _full, line1, _loc, city, pin = v.addresses[int(r() * n_addr)]
            phone = v.phone()
            names.append(v.person(first, last))
            phones.append(phone)
            line1s.append(line1)
            cities.append(city)
            pins.append(pin)
            email = v.email(first, last)
            contacts.append([email] if r() < 0.5 else [email, phone])
        items = 1 + (g.random(n) * g.random(n) * 5).astype(np.int64)
        offsets = np.concatenate(([0], np.cumsum(items))).astype(np.int32)
        od_body = 40_000_000_000_000_000 + g.integers(0, 10**16, n)
        order_ids = pc.binary_join_element_wise(
            "OD", pc.cast(pa.array(_np_wrong_check(od_body, 17, False, g)), pa.string()), ""
        )
        txn_body = g.integers(20_000_000_000, 100_000_000_000, n)
        txn = pc.cast(pa.array(_np_wrong_check(txn_body, 11, True, g)), pa.string())
        start_ms = int(clock.t * 1000)
        ts = start_ms + np.cumsum(g.integers(1, 8000, n))
        clock.t = float(ts[-1]) / 1000
        amount = g.integers(4900, 10_000_000, n)
        has_coupon = g.random(n) < 0.2
        address = pa.StructArray.from_arrays(
            [
                pa.array(line1s, pa.string()),
                pa.array(cities, pa.string()),
                pa.array(pins, pa.string()),
            ],
            fields=list(_ADDRESS_T),
        )
        billing = 6_000_000_000 + g.integers(0, 4_000_000_000, n)
        arrays = [
            order_ids,
            pa.array(g.integers(10_000_000, 100_000_000, n)),
            pa.array(ts, pa.timestamp("ms", tz="Asia/Kolkata")),
            status.take(pa.array(g.integers(0, len(status), n))),
            methods.take(pa.array(g.integers(0, len(methods), n))),
            pa.array(amount),
            pa.array(np.where(has_coupon, amount // 10, 0)),
            pa.array(np.where(amount > 49_900, 0, 4_000).astype(np.int32)),
            pa.array(items.astype(np.int16)),
            pa.ListArray.from_arrays(
                offsets, skus.take(pa.array(g.integers(0, len(skus), int(offsets[-1]))))
            ),
            pa.array(g.integers(10_000, 99_999, n).astype(np.int32)),
            pa.array(g.integers(100, 160, n).astype(np.int32)),
            pa.array(g.integers(80, 25_000, n).astype(np.int32)),
            pa.array(billing),
            pa.StructArray.from_arrays(
                [pa.array(names, pa.string()), pa.array(phones, pa.string()), address],
                fields=list(_SHIPPING_T),
            ),
            pa.array(contacts, pa.list_(pa.string())),
            coupons.take(pa.array(g.integers(0, len(coupons), n), mask=~has_coupon)),
            txn,
        ]
        table = pa.Table.from_arrays(arrays, schema=ORDERS_SCHEMA)
        raw += table.nbytes
        writer.write_table(table, row_group_size=n)
        planted = lake.stats.planted
        planted["PERSON"] += n
        planted["STREET_ADDRESS"] += n
        planted["EMAIL_ADDRESS"] += n
        planted["PHONE_NUMBER"] += 2 * n + sum(len(c) - 1 for c in contacts)
        if lake.truth_on:
            bill = billing.tolist()
            for i in range(n):
                rec = row + i
                lake.record(rel, "PERSON", names[i], None, rec, "shipping.name")
                lake.record(rel, "PHONE_NUMBER", phones[i], None, rec, "shipping.phone")
                lake.record(rel, "STREET_ADDRESS", line1s[i], None, rec, "shipping.address.line1")
                lake.record(rel, "PHONE_NUMBER", str(bill[i]), None, rec, "billing_phone")
                for c in contacts[i]:
                    entity = "EMAIL_ADDRESS" if "@" in c else "PHONE_NUMBER"
                    lake.record(rel, entity, c, None, rec, "contacts")
            lake.flush_truth()
        row += n
        if sink.tell() >= target:
            break
    writer.close()
    sink.close()
    lake.done(kind, path, raw)


# ---- plan and entry point -------------------------------------------------------------------
def _day(i: int) -> tuple[str, str, float]:
    """(YYYY/MM/DD, YYYY-MM-DD, start epoch) of the lake's i-th day."""
    t = _EPOCH0 + i * _DAY
    lt = time.gmtime(t + _IST)
    return (
        f"{lt.tm_year}/{lt.tm_mon:02d}/{lt.tm_mday:02d}",
        f"{lt.tm_year}-{lt.tm_mon:02d}-{lt.tm_mday:02d}",
        float(t),
    )


def _count(budget: float, kind: str, per: int = 1) -> int:
    return max(1, math.ceil(budget / per / _MAX_FILE[kind]))


def generate_lake(
    root: str | Path,
    size_mb: float = 20,
    seed: int = 7,
    truth_path: str | Path | None = None,
) -> LakeStats:
    """Write a sample lake of about ``size_mb`` MB (10^6 bytes on disk) under ``root``.

    ``root`` must be missing or empty. With ``truth_path`` (outside ``root``) every planted
    value is listed there as JSON Lines. The same seed gives byte-identical files."""
    if not (size_mb > 0 and math.isfinite(size_mb)):
        raise SampleLakeError(f"size_mb must be a positive number, got {size_mb}")
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SampleLakeError(f"sample lake directory must be missing or empty: {root}")
    truth = Path(truth_path) if truth_path is not None else None
    if truth is not None and truth.resolve().is_relative_to(root.resolve()):
        raise SampleLakeError(f"truth file must lie outside the lake: {truth}")
    root.mkdir(parents=True, exist_ok=True)
    if truth is not None:
        truth.parent.mkdir(parents=True, exist_ok=True)
    with truth.open("wb") if truth is not None else nullcontext() as tf:
        lake = _Lake(root, seed, size_mb, tf)
        _write(lake, size_mb * MB)
        lake.flush_truth()
    return lake.stats


def _write(lake: _Lake, total: float) -> None:
    budget = {k: total * s for k, s in _SHARES}
    days = max(2, min(7, 2 + int(total / MB // 100)))
    clock = lake.clock

    # ingress: per day, the quiet night hours (00-06) rotated and gzipped, the rest plain
    ingress = _Ingress(lake)
    n_gz = _count(budget["ingress-log-gz"], "ingress-log-gz", days)
    n_plain = _count(budget["ingress-log"], "ingress-log", days)
    night = 6 * 3600
    for d in range(days):
        ymd, _, t0 = _day(d)
        gz = ("gzip", budget["ingress-log-gz"] / days / n_gz, night / n_gz)
        plain = (None, budget["ingress-log"] / days / n_plain, (_DAY - night) / n_plain)
        slots = [gz] * n_gz + [plain] * n_plain
        start = t0
        for i, (codec, target, span) in enumerate(slots):
            suffix = ".log.gz" if codec else ".log"
            kind = "ingress-log-gz" if codec else "ingress-log"
            out = _TextOut(lake, kind, f"ingress/{ymd}/ingress-{i}{suffix}", codec, is_log=True)
            clock.t = start
            start += span
            _fill(lake, out, ingress.table, target, start)
            out.close()

    # partner APIs: one gzip file per partner and day
    partners = _Partners(lake)
    for p in PARTNERS:
        for d in range(days):
            _, iso, t0 = _day(d)
            out = _TextOut(
                lake, "partner-log-gz", f"partner-api/{p}/{iso}.log.gz", "gzip", is_log=True
            )
            clock.t = t0
            target = budget["partner-log-gz"] / len(PARTNERS) / days
            _fill(lake, out, partners.tables[p], target, t0 + _DAY)
            out.close()

    # API payloads: JSON Lines per day, a zstd file per day, one bz2 file, one JSON array
    payloads = _Payloads(lake)
    n_jsonl = _count(budget["payloads-jsonl"], "payloads-jsonl", days)
    for d in range(days):
        _, iso, t0 = _day(d)
        files = [("payloads-jsonl", None, f"payloads-{i}.jsonl") for i in range(n_jsonl)]
        files.append(("payloads-jsonl-zst", "zstd", f"payloads-{n_jsonl}.jsonl.zst"))
        if d == 0:
            files.append(("payloads-jsonl-bz2", "bz2", f"payloads-{n_jsonl + 1}.jsonl.bz2"))
        span = _DAY / len(files)
        for i, (kind, codec, name) in enumerate(files):
            out = _TextOut(lake, kind, f"api-payloads/{iso}/{name}", codec, record_offset=1)
            clock.t = t0 + i * span
            share = budget[kind] if kind == "payloads-jsonl-bz2" else budget[kind] / days
            target = share / (n_jsonl if kind == "payloads-jsonl" else 1)
            _fill(lake, out, payloads.table, target, t0 + (i + 1) * span)
            out.close()
    _, iso, t0 = _day(days - 1)
    clock.t = t0
    _json_array(lake, payloads, f"api-payloads/{iso}/replay-batch-0.json", budget["payloads-json"])

    # exports
    clock.t = _EPOCH0 + days * _DAY
    n_csv = _count(budget["customers-csv"], "customers-csv")
    for i in range(n_csv):
        rel = f"exports/customers/customers-{i}.csv"
        _customer_rows(lake, "customers-csv", rel, budget["customers-csv"] / n_csv, tsv=False)
    _customer_rows(
        lake, "customers-tsv", "exports/customers/customers-kyc-0.tsv",
        budget["customers-tsv"], tsv=True,
    )  # fmt: skip
    n_pq = _count(budget["orders-parquet"], "orders-parquet")
    clock.t = _EPOCH0
    for i in range(n_pq):
        rel = f"exports/orders/orders-{i}.parquet"
        _orders_parquet(lake, "orders-parquet", rel, budget["orders-parquet"] / n_pq)
    for d in ("exports/customers", "exports/orders"):
        marker = lake.root / d / "_SUCCESS"
        marker.write_bytes(b"")
        lake.done("success-marker", marker, 0)


def _json_array(lake: _Lake, payloads: _Payloads, rel: str, target: float) -> None:
    """One JSON array, one record per line (record i on line i + 2)."""
    out = _TextOut(lake, "payloads-json", rel, None, record_offset=2)
    out.add("[")
    funcs, cum = payloads.table
    size, last = 2.0, ""
    while size < target:
        for f in lake.rng.choices(funcs, cum_weights=cum, k=64):
            lake.clock.t += lake.rng.random() * 20
            last = f(out)
            out.add(last + ",")
            size += len(last) + 2
    out._buf[-1] = last  # no comma after the last record
    out.add("]")
    out.close()
