"""Factories for planted PII values, each structurally valid by ``bench.oracle``.

Everything draws from one ``random.Random`` handed in by the generator, so a seed fixes the
corpus. Name lists come from Faker's locale data (en_IN, en_US) read once as plain lists: a
Faker instance per value would cost tens of microseconds and make 50 MB take minutes.
"""

from __future__ import annotations

import random

import phonenumbers
from faker.providers.person.en_IN import Provider as PersonIN
from faker.providers.person.en_US import Provider as PersonUS

from bench import oracle
from bench.places import BUILDINGS, CITIES, HOUSE_FORMATS, LANDMARKS, ROADS
from bench.tech_values import ALNUM, DIGITS, UPPER, TechValues

IN_FIRST = sorted(set(PersonIN.first_names_male) | set(PersonIN.first_names_female))
IN_LAST = sorted(set(PersonIN.last_names))
US_FIRST = sorted(set(PersonUS.first_names_male) | set(PersonUS.first_names_female))
US_LAST = sorted(set(PersonUS.last_names))

EMAIL_DOMAINS = (
    ("gmail.com", 40),
    ("yahoo.co.in", 8),
    ("yahoo.com", 5),
    ("rediffmail.com", 5),
    ("outlook.com", 6),
    ("hotmail.com", 5),
    ("icloud.com", 3),
    ("protonmail.com", 1),
    ("shopkart.in", 2),
    ("tcs.com", 1),
    ("infosys.com", 1),
)
UPI_HANDLES = (
    "okaxis",
    "okhdfcbank",
    "okicici",
    "oksbi",
    "ybl",
    "ibl",
    "axl",
    "paytm",
    "upi",
    "apl",
    "ptyes",
    "ptsbi",
    "axisbank",
    "icici",
    "sbi",
    "fbl",
    "kotak",
    "yapl",
)
IFSC_BANKS = (
    "HDFC",
    "ICIC",
    "SBIN",
    "UTIB",
    "KKBK",
    "PUNB",
    "BARB",
    "CNRB",
    "YESB",
    "IDIB",
    "IOBA",
    "UBIN",
    "INDB",
    "FDRL",
)
# Country -> BBAN layout: 'a' upper letter, 'n' digit, 'c' upper alnum.
IBAN_LAYOUTS = {
    "GB": "aaaa" + "n" * 14,
    "DE": "n" * 18,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "AE": "n" * 19,
    "NL": "aaaa" + "n" * 10,
    "ES": "n" * 20,
    "CH": "n" * 5 + "c" * 12,
    "SA": "nn" + "c" * 18,
}
INTL_REGIONS = ("US", "GB", "AE", "SG", "DE", "AU", "CA")
PASSPORT_LETTERS = "ABCDEFGHJKLMNPRSTUVWYZ"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


class Values(TechValues):
    """One source of planted values; methods return the value exactly as written in the log."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self._intl_phones = self._build_intl_phones(240)

    # ---- small helpers -------------------------------------------------------------------
    # ---- people --------------------------------------------------------------------------
    def name_parts(self) -> tuple[str, str]:
        if self.rng.random() < 0.75:
            return self.rng.choice(IN_FIRST), self.rng.choice(IN_LAST)
        return self.rng.choice(US_FIRST), self.rng.choice(US_LAST)

    def person(self, first: str | None = None, last: str | None = None) -> str:
        """Mostly 'First Last'; some with a middle initial, upper-cased, or a lone first name."""
        if first is None or last is None:
            first, last = self.name_parts()
        r = self.rng.random()
        if r < 0.08:
            return f"{first} {self.rng.choice(UPPER)}. {last}"
        if r < 0.12:
            return first
        if r < 0.17:
            return f"{first} {last}".upper()
        return f"{first} {last}"

    def email(self, first: str | None = None, last: str | None = None) -> str:
        if first is None or last is None:
            first, last = self.name_parts()
        f, la = first.lower(), last.lower()
        local = self.rng.choice(
            (
                f"{f}.{la}",
                f"{f}{la}",
                f"{f}_{la}",
                f"{f}.{la[0]}",
                f"{f}{self.digits(2)}",
                f"{f[0]}{la}{self.digits(3)}",
                f"{la}.{f}",
                f"{f}.{la}{self.digits(4)}",
            )
        )
        return f"{local}@{self.weighted(EMAIL_DOMAINS)}"

    def dob(self) -> str:
        y, m, d = self.rng.randint(1950, 2006), self.rng.randint(1, 12), self.rng.randint(1, 28)
        months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        return self.rng.choice(
            (
                f"{y}-{m:02d}-{d:02d}",
                f"{d:02d}/{m:02d}/{y}",
                f"{d:02d}-{m:02d}-{y}",
                f"{d} {months[m - 1]} {y}",
                f"{d:02d}.{m:02d}.{y}",
            )
        )

    def address(self) -> str:
        """An Indian postal address: house, road, locality, city and a PIN in the city's range."""
        city, state, pin3, localities = self.rng.choice(CITIES)
        pin = f"{pin3}{self.rng.randint(1, 99):03d}"
        house = self.rng.choice(HOUSE_FORMATS).format(
            n=self.rng.randint(1, 999), a=self.rng.choice("ABCDE"), b=self.rng.randint(1, 40)
        )
        k = self.rng.randint(1, 40)
        road = self.rng.choice(ROADS).format(n=k, o=_ordinal(k), s=self.rng.choice(IN_LAST))
        locality = self.rng.choice(localities)
        r = self.rng.random()
        if r < 0.35:
            return f"{house}, {road}, {locality}, {city} {pin}"
        if r < 0.55:
            building = self.rng.choice(BUILDINGS).format(s=self.rng.choice(IN_LAST))
            return f"{house}, {building}, {road}, {locality}, {city}, {state} - {pin}"
        if r < 0.75:
            return f"{house} {road}, {locality}, {city}-{pin}"
        if r < 0.9:
            landmark = self.rng.choice(LANDMARKS)
            return f"{house}, {road}, Near {landmark}, {locality}, {city} {pin}"
        return f"{house}, {road}, {locality}, {city}, {state} {pin}"

    # ---- phones --------------------------------------------------------------------------
    def _build_intl_phones(self, n: int) -> list[str]:
        """Valid foreign mobiles per ``phonenumbers``, found once by rejection sampling."""
        out: list[str] = []
        fmts = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        while len(out) < n:
            region = self.rng.choice(INTL_REGIONS)
            ex = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
            nsn = str(ex.national_number)
            cand = nsn[:2] + self.digits(len(nsn) - 2)
            num = phonenumbers.parse(f"+{ex.country_code}{cand}")
            if phonenumbers.is_valid_number(num):
                out.append(phonenumbers.format_number(num, self.rng.choice(fmts)))
        return out

    def mobile10(self) -> str:
        """A 10-digit Indian mobile number whose 91-prefixed form is not Aadhaar-valid."""
        while True:
            n = self.rng.choice("6789") + self.digits(9)
            if not oracle.verhoeff_valid("91" + n):
                return n

    def phone(self) -> str:
        """Indian mobiles in the formats people and apps really write; ~8% foreign numbers."""
        if self.rng.random() < 0.08:
            return self.rng.choice(self._intl_phones)
        n = self.mobile10()
        a, b = n[:5], n[5:]
        return self.weighted(
            (
                (n, 22),
                (f"+91{n}", 16),
                (f"+91 {a} {b}", 12),
                (f"+91-{a}-{b}", 8),
                (f"+91 {n}", 8),
                (f"91{n}", 7),
                (f"0{n}", 7),
                (f"{a} {b}", 6),
                (f"+91-{n}", 6),
                (f"0{a} {b}", 3),
                (f"{a}-{b}", 5),
            )
        )

    # ---- payment and banking -------------------------------------------------------------
    def card(self) -> tuple[str, str]:
        """(formatted number, brand) with real IIN ranges and a Luhn check digit."""
        brand = self.weighted((("visa", 30), ("mc", 25), ("rupay", 25), ("amex", 8), ("mc2", 7)))
        if brand == "visa":
            prefix, length = "4", 16
        elif brand == "mc":
            prefix, length = str(self.rng.randint(51, 55)), 16
        elif brand == "mc2":
            prefix, length, brand = str(self.rng.randint(2221, 2720)), 16, "mc"
        elif brand == "amex":
            prefix, length = self.rng.choice(("34", "37")), 15
        else:
            prefix, length = self.rng.choice(("60", "65", "81", "82", "508")), 16
        body = prefix + self.digits(length - len(prefix) - 1)
        number = body + oracle.luhn_check_digit(body)
        sep = self.rng.choice(("", "", " ", "-"))
        if length == 15:
            groups = [number[:4], number[4:10], number[10:]]
        else:
            groups = [number[i : i + 4] for i in range(0, 16, 4)]
        return sep.join(groups), brand

    def cvv(self, brand: str = "visa") -> str:
        return self.digits(4 if brand == "amex" else 3)

    def iban(self) -> str:
        country = self.rng.choice(tuple(IBAN_LAYOUTS))
        alpha = {"a": UPPER, "n": DIGITS, "c": UPPER + DIGITS}
        bban = "".join(self.rng.choice(alpha[k]) for k in IBAN_LAYOUTS[country])
        iban = oracle.iban_from_bban(country, bban)
        if self.rng.random() < 0.4:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ifsc(self) -> str:
        tail = self.digits(6) if self.rng.random() < 0.9 else self.chars(UPPER + DIGITS, 6)
        return f"{self.rng.choice(IFSC_BANKS)}0{tail}"

    def upi(self, first: str | None = None) -> str:
        r = self.rng.random()
        if r < 0.3:
            local = self.mobile10()
        else:
            f = (first or self.name_parts()[0]).lower()
            local = self.rng.choice((f, f"{f}{self.digits(2)}", f"{f}.{self.digits(4)}", f"{f}123"))
        return f"{local}@{self.rng.choice(UPI_HANDLES)}"

    # ---- government ids ------------------------------------------------------------------
    def aadhaar(self) -> str:
        body = self.rng.choice("23456789") + self.digits(10)
        n = body + oracle.verhoeff_check_digit(body)
        return self.weighted(
            ((f"{n[:4]} {n[4:8]} {n[8:]}", 45), (n, 45), (f"{n[:4]}-{n[4:8]}-{n[8:]}", 10))
        )

    def pan(self, holder: str | None = None, surname: str | None = None) -> str:
        kind = holder or self.weighted(
            (("P", 80), ("C", 8), ("F", 4), ("H", 3), ("A", 2), ("T", 3))
        )
        fifth = surname[0].upper() if surname else self.rng.choice(UPPER)
        return f"{self.letters(3)}{kind}{fifth}{self.digits(4)}{self.rng.choice(UPPER)}"

    def gstin(self) -> str:
        state = f"{self.rng.randint(1, 38):02d}"
        pan = self.pan(holder=self.rng.choice("CFPHA"))
        first14 = f"{state}{pan}{self.rng.choice('123456789A')}Z"
        return first14 + oracle.gstin_check_char(first14)

    def passport(self) -> str:
        """Letter + 7 digits; the 2nd and last digits are never 0, as in issued passports."""
        r = self.rng
        return f"{r.choice(PASSPORT_LETTERS)}{r.randint(1, 9)}{self.digits(5)}{r.randint(1, 9)}"

    def voter(self) -> str:
        return f"{self.letters(3)}{self.digits(7)}"

    def ssn(self) -> str:
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        n = f"{area:03d}{self.rng.randint(1, 99):02d}{self.rng.randint(1, 9999):04d}"
        return self.weighted(
            ((f"{n[:3]}-{n[3:5]}-{n[5:]}", 85), (n, 10), (f"{n[:3]} {n[3:5]} {n[5:]}", 5))
        )

    def password(self) -> str:
        first, _ = self.name_parts()
        return self.rng.choice(
            (
                f"{first}@{self.rng.randint(1970, 2005)}",
                f"Welcome@{self.digits(3)}",
                f"{self.chars(ALNUM, 6)}!{self.chars(ALNUM, 6)}",
                f"P@ss{self.chars(ALNUM, 8)}",
                self.chars(ALNUM + "!#$%^*_-", self.rng.randint(10, 18)),
            )
        )
