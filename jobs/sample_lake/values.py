"""Planted values and their look-alikes: names, phones, e-mails, addresses, ids and secrets,
drawn from the pools by one seeded random stream."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import phonenumbers

from detectors.checksums import gstin_check_char
from jobs.sample_lake.base import DAY, EPOCH0
from jobs.sample_lake.pools import (
    ALNUM,
    B64URL,
    BUILDINGS,
    CARD_IIN,
    CHROME,
    CITIES,
    EMAIL_DOMAINS,
    HOUSES,
    IN_FIRST,
    IN_LAST,
    LANDMARKS,
    MONTHS,
    N_IN_FIRST,
    N_IN_LAST,
    N_US_FIRST,
    N_US_LAST,
    NON_PAN_4TH,
    PUBLIC_PREFIXES,
    ROADS,
    SKU_FAMILIES,
    UPI_HANDLES,
    UPPER,
    UPSTREAMS,
    US_FIRST,
    US_LAST,
    USER_AGENTS,
    b64url,
    luhn_digit,
    verhoeff_digit,
    wrong,
)


class Values:
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
            return IN_FIRST[int(r() * N_IN_FIRST)], IN_LAST[int(r() * N_IN_LAST)]
        return US_FIRST[int(r() * N_US_FIRST)], US_LAST[int(r() * N_US_LAST)]

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
        return f"+91{n}" if verhoeff_digit("91" + n[:-1]) == ord(n[-1]) - 48 else f"91{n}"

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
                f"{d} {MONTHS[m - 1]} {y}")[k]  # fmt: skip

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
        n = f"{body}{verhoeff_digit(body)}"
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
        n = f"{body}{luhn_digit(body)}"
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
        header = b64url(f'{{"alg":"{alg}","typ":"JWT"}}'.encode())
        iat = EPOCH0 + self.num(0, 7 * DAY)
        body = f'{{"sub":"{sub}","iat":{iat},"exp":{iat + 3600},"scope":"orders:read cart:write"}}'
        sig = self.chars(B64URL, 43 if alg == "HS256" else 86)
        return f"{header}.{b64url(body.encode())}.{sig}"

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
        return f"OD{body}{wrong(luhn_digit(body), self.r())}"

    def order_num(self) -> str:
        """10-12 digit numeric order id; a 12-digit one fails Verhoeff."""
        n = self.num(10, 12)
        body = str(self.num(10 ** (n - 2), 10 ** (n - 1) - 1))
        if n == 12:
            return body + wrong(verhoeff_digit(body), self.r())
        return body + str(int(self.r() * 10))

    def txn12(self) -> str:
        """12-digit RRN / UTR, first digit 2-9 like an Aadhaar number, failing Verhoeff."""
        body = str(20_000_000_000 + int(self.r() * 80_000_000_000))
        return body + wrong(verhoeff_digit(body), self.r())

    def ref16(self) -> str:
        """16-digit bank reference starting like a Visa or RuPay card, failing Luhn."""
        body = self.pick("4456") + self.digits(14)
        return body + wrong(luhn_digit(body), self.r())

    def awb(self) -> str:
        """Courier waybill: 12 digits failing Verhoeff or 13 failing Luhn."""
        if self.r() < 0.5:
            body = self.pick("1235") + self.digits(10)
            return body + wrong(verhoeff_digit(body), self.r())
        body = self.pick("1235") + self.digits(11)
        return body + wrong(luhn_digit(body), self.r())

    def dlt(self) -> str:
        """19-digit DLT template / entity id (TRAI), failing Luhn."""
        body = "1107" + self.digits(14)
        return body + wrong(luhn_digit(body), self.r())

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
