"""Value pools built once per lake (Faker name lists, Indian addresses with real PIN districts,
user agents, SKUs) and the checksum digits planted values need (Verhoeff, Luhn) or must
fail."""

from __future__ import annotations

import base64
from typing import Any

from jobs.sample_lake.base import NEEDS_FAKER, SamplesExtraMissing

try:
    from faker.providers.person.en_IN import Provider as _PersonIN
    from faker.providers.person.en_US import Provider as _PersonUS
except ImportError:
    raise SamplesExtraMissing(NEEDS_FAKER) from None


def _names(seq: Any) -> list[str]:
    """Sorted (so the seed alone fixes the picks), ASCII letters only (they become e-mails)."""
    return sorted({str(x) for x in seq if str(x).isascii() and str(x).isalpha()})


IN_FIRST = _names(list(_PersonIN.first_names_male) + list(_PersonIN.first_names_female))
IN_LAST = _names(_PersonIN.last_names)
US_FIRST = _names(list(_PersonUS.first_names_male) + list(_PersonUS.first_names_female))
US_LAST = _names(_PersonUS.last_names)
N_IN_FIRST, N_IN_LAST, N_US_FIRST, N_US_LAST = map(len, (IN_FIRST, IN_LAST, US_FIRST, US_LAST))

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
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def b64url(raw: bytes) -> str:
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
# VDP[i][c][d] = D[c][P[i][d]]: one lookup per digit.
VDP = tuple(tuple(tuple(_d5(c, _P[i][d]) for d in range(10)) for c in range(10)) for i in range(8))
VINV = tuple(next(k for k in range(10) if _d5(j, k) == 0) for j in range(10))
DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def verhoeff_digit(body: str) -> int:
    """The digit that makes ``body + digit`` Verhoeff-valid."""
    c = 0
    for i, ch in enumerate(reversed(body), 1):
        c = VDP[i & 7][c][ord(ch) - 48]
    return VINV[c]


def luhn_digit(body: str) -> int:
    """The digit that makes ``body + digit`` Luhn-valid."""
    s = sum(map(DOUBLE.__getitem__, map(int, body[::-2]))) + sum(map(int, body[-2::-2]))
    return -s % 10


def wrong(check: int, x: float) -> str:
    """Any digit but ``check``: one wrong digit fails Luhn and Verhoeff alike."""
    return str((check + 1 + int(x * 9)) % 10)
