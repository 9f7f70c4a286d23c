"""Values that look like PII but are not, for the background lines.

Each factory exists because a naive detector confuses it with a real entity: order ids and
Kafka offsets with phone numbers, RRNs with Aadhaar numbers, bank references with cards,
invoice numbers with voter ids, span ids with Android ids. None of them is ever labelled, and
the checksum-bearing ones are guaranteed to fail their checksum.
"""

from __future__ import annotations

import random

from bench import oracle

ASCII_UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOW = "abcdefghijklmnopqrstuvwxyz"
NON_PAN_4TH = "DEIKMNOQRSUVWXYZ"  # PAN's 4th letter is one of PCHFATBLJG; these are not

CHROME = ("120.0.6099.109", "119.0.6045.163", "121.0.6167.85", "118.0.5993.117", "122.0.6261.64")
USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 13; SM-M325F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{c} Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{c} Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "ShopKart/8.{m}.{p} (Android 14; Redmi Note 12 Pro; build 8{m}0{p}1)",
    "ShopKart/8.{m}.{p} (iOS 17.2; iPhone15,3)",
    "okhttp/4.12.0",
    "Dalvik/2.1.0 (Linux; U; Android 12; CPH2239 Build/SP1A.210812.016)",
    "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "kube-probe/1.28",
)
# Never exactly four arcs of 0-255: such an OID ("2.5.29.17") is also a valid IPv4 address.
OIDS = (
    "1.2.840.113549.1.1.11",
    "1.3.6.1.4.1.2021.10.1.3.1",
    "1.3.6.1.2.1.1.3.0",
    "2.16.840.1.101.3.4.2.1",
    "1.2.840.10045.4.3.2",
    "1.3.6.1.5.5.7.3.1",
)


class Lookalikes:
    """Factories for never-labelled look-alike values; shares the generator's RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def digits(self, n: int) -> str:
        return "".join(self.rng.choices("0123456789", k=n))

    def hex(self, n: int) -> str:
        return "".join(self.rng.choices("0123456789abcdef", k=n))

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=n))

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def od_order_id(self) -> str:
        """Marketplace order id: 'OD' glued to 10-18 digits (no word boundary before them)."""
        return "OD" + scrub(self.rng.choice("123456789") + self.digits(self.rng.randint(9, 17)))

    def numeric_order_id(self) -> str:
        """10-12 digit numeric order id; ~30% start with 6-9 like a mobile number. A 12-digit
        one never passes Verhoeff: context, not luck, must tell it from an Aadhaar number."""
        return scrub(self.rng.choice("12345123456789") + self.digits(self.rng.randint(9, 11)))

    def txn12(self) -> str:
        """12-digit transaction id / RRN with first digit 2-9 that fails Verhoeff."""
        while True:
            n = self.rng.choice("23456789") + self.digits(11)
            if not oracle.verhoeff_valid(n) and not n.startswith(("916", "917", "918", "919")):
                return n

    def ref16(self) -> str:
        """16-digit bank reference that fails Luhn, often starting like a Visa or RuPay."""
        while True:
            n = self.rng.choice("4456789") + self.digits(15)
            if not oracle.luhn_valid(n):
                return n

    def offset10(self) -> str:
        """10-digit Kafka offset or byte count, first digit anywhere in 1-9."""
        return self.rng.choice("123456789") + self.digits(9)

    def six(self) -> str:
        """A 6-digit number that is a batch id or count, not a PIN code."""
        return self.rng.choice("123456789") + self.digits(5)

    def hex_ptr(self) -> str:
        return "0x7f" + self.hex(2) + self.digits(8)

    def session_id(self) -> str:
        """``sess_a9f8765432109b``: a 10-digit run inside an id, never a longer one."""
        r = self.rng
        head = r.choice(ASCII_LOW) + r.choice("0123456789") + r.choice(ASCII_LOW)
        return f"sess_{head}{self.digits(10)}{r.choice(ASCII_LOW)}"

    def java_identity(self) -> str:
        return self.hex(8)

    def blk(self) -> str:
        digits = scrub(self.rng.choice("123456789") + self.digits(18))
        return "blk_" + self.rng.choice(("", "-")) + digits

    def long_id(self, prefix: str, n: int) -> str:
        """A long numeric id (DLT template, OAuth client id) that passes no checksum."""
        return scrub(prefix + self.digits(n - len(prefix)))

    def version(self) -> str:
        """Semantic version with three parts, so it can never parse as an IPv4 address."""
        return f"v{self.rng.randint(1, 9)}.{self.rng.randint(0, 30)}.{self.rng.randint(0, 40)}"

    def user_agent(self) -> str:
        return self.rng.choice(USER_AGENTS).format(
            c=self.rng.choice(CHROME), m=self.rng.randint(10, 60), p=self.rng.randint(0, 9)
        )

    def price(self) -> str:
        rupees = self.rng.choice((199, 299, 499, 999, 1299, 1999, 2499, 14999, 64999, 129999))
        return f"₹{rupees:,}.00"

    def amount(self) -> str:
        return f"{self.rng.randint(49, 99999)}.{self.rng.choice(('00', '50', '99'))}"

    def coupon(self) -> str:
        """PAN-shaped coupon code whose 4th letter is not a PAN holder type."""
        r = self.rng
        letters = "".join(r.choices(ASCII_UP, k=3)) + r.choice(NON_PAN_4TH) + r.choice(ASCII_UP)
        return f"{letters}{self.digits(4)}{r.choice(ASCII_UP)}"

    def invoice(self) -> str:
        """Voter-id-shaped invoice number (3 letters + 7 digits) with no voter context."""
        return self.rng.choice(("INV", "CRN", "DBN", "GRN")) + self.digits(7)

    def awb(self) -> str:
        """Courier air waybill number, 12-13 digits, never Verhoeff-valid at 12."""
        return scrub(self.rng.choice("1235") + self.digits(self.rng.randint(11, 12)))

    def sku(self) -> str:
        family = self.rng.choice(("MOB", "LAP", "TSH", "SHO", "KIT"))
        return f"SKU-{family}-{self.digits(4)}{self.rng.choice(ASCII_UP)}"

    def masked_card(self) -> str:
        return self.rng.choice(
            ("XXXX-XXXX-XXXX-", "**** **** **** ", "411111******")
        ) + self.digits(4)

    def masked_phone(self) -> str:
        return self.rng.choice("6789") + self.digits(1) + "XXXXXX" + self.digits(2)

    def masked_aadhaar(self) -> str:
        return "XXXX XXXX " + self.digits(4)

    def oid(self) -> str:
        return self.rng.choice(OIDS)

    def class_name(self) -> str:
        pkg = self.rng.choice(
            (
                "com.shopkart.order",
                "com.shopkart.payments",
                "com.shopkart.catalog",
                "com.shopkart.checkout",
                "in.shopkart.logistics",
            )
        )
        cls = self.rng.choice(
            (
                "OrderService",
                "CartController",
                "PaymentGatewayClient",
                "InventoryReservationService",
                "CheckoutFlowHandler",
                "ShipmentTrackingPoller",
                "PriceComputationEngine",
                "RefundReconciliationJob",
                "SellerPayoutScheduler",
            )
        )
        return f"{pkg}.{cls}"


def scrub(number: str) -> str:
    """Change the last digit until a digit run passes neither Verhoeff (at 12 digits, the
    Aadhaar length) nor Luhn (at 13-19, card lengths). Look-alikes must be wrong on their
    checksum, so that only context-free structure, not luck, decides whether they are PII."""
    while (len(number) == 12 and oracle.verhoeff_valid(number)) or (
        13 <= len(number) <= 19 and oracle.luhn_valid(number)
    ):
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    return number
