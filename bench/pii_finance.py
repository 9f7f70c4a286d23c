"""PII scenarios around money and identity: cards, UPI, KYC, seller onboarding, payouts.

PCI DSS (card number, CVV) and Indian KYC documents (Aadhaar, PAN, passport, voter id,
GSTIN, IFSC) leak through payment-gateway and onboarding logs; IBAN and US SSN come from the
cross-border seller flow and are deliberately rarer.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.kit import JsonValue, Kit
from bench.parts import FIELD, FREE, KV, Line, Pii, url_pii


class FinancePii(Kit):
    """Financial and identity-document scenarios."""

    def table(self) -> list[tuple[Callable[[], list[Line]], int]]:
        return [
            (self.card, 7),
            (self.upi, 8),
            (self.kyc, 14),
            (self.seller, 5),
            (self.payout, 4),
            (self.us_tax, 4),
        ]

    def card(self) -> list[Line]:
        v = self.v
        number, brand = v.card()
        cvv = v.cvv(brand)
        r = self.rng.random()
        prefix = self.logback_prefix("PaymentGatewayClient")
        if r < 0.5:
            items: list[tuple[str, JsonValue]] = [
                (self.pick("card_number", "cardNumber", "pan"), Pii(number, "CREDIT_CARD", FIELD))
            ]
            if self.chance(0.7):
                items.append((self.pick("cvv", "cvc", "card_cvv"), Pii(cvv, "CVV", FIELD)))
            items.append(("expiry", f"{self.n(1, 12):02d}/{self.n(25, 31)}"))
            if self.chance(0.5):
                holder = v.person()
                holder = holder.upper() if self.chance(0.5) else holder
                items.append(("card_holder", Pii(holder, "PERSON", FIELD)))
            items.append(("amount", self.n(100, 200000)))
            return [[prefix + "POST /v1/payments request=", *self.json_obj(items)]]
        if r < 0.8:
            parts: Line = [prefix + f"tokenise attempt merchant_txn={self.x.txn12()}"]
            parts += self.kv("card", Pii(number, "CREDIT_CARD", KV))
            if self.chance(0.7):
                parts += self.kv(self.pick("cvv", "cvc"), Pii(cvv, "CVV", KV))
            parts.append(f" exp={self.n(1, 12):02d}/{self.n(25, 31)}")
            return [parts]
        forms: tuple[Line, ...] = (
            [
                "Card ",
                Pii(number, "CREDIT_CARD", FREE),
                " declined by issuer: CVV ",
                Pii(cvv, "CVV", FREE),
                " mismatch",
            ],
            ["Saved card ", Pii(number, "CREDIT_CARD", FREE), f" for user {self.x.digits(8)}"],
            [
                "Customer read out card ",
                Pii(number, "CREDIT_CARD", FREE),
                " and card verification value ",
                Pii(cvv, "CVV", FREE),
                " on call",
            ],
        )
        return [[prefix, *self.rng.choice(forms)]]

    def upi(self) -> list[Line]:
        v, x = self.v, self.x
        first, last = v.name_parts()
        vpa = v.upi(first)
        prefix = self.logback_prefix("UpiService")
        r = self.rng.random()
        if r < 0.4:
            return [
                [
                    prefix + "collect request",
                    *self.kv("payer_vpa", Pii(vpa, "IN_UPI_ID", KV)),
                    f" amount={x.amount()} txn_id={x.txn12()} status=PENDING",
                ]
            ]
        if r < 0.7:
            body = self.json_obj(
                [
                    ("vpa", Pii(vpa, "IN_UPI_ID", FIELD)),
                    ("status", "SUCCESS"),
                    ("rrn", x.txn12()),
                    ("amount", float(x.amount())),
                ]
            )
            return [[prefix + "callback ", *body]]
        if r < 0.85:
            return [
                [
                    prefix + "refund intent upi://pay?pa=",
                    url_pii(vpa, "IN_UPI_ID"),
                    "&pn=",
                    url_pii(v.person(first, last), "PERSON"),
                    f"&am={x.amount()}&cu=INR&tn=Refund+{x.od_order_id()}",
                ]
            ]
        return [[prefix + f"Refund of {x.price()} credited to ", Pii(vpa, "IN_UPI_ID", FREE)]]

    def kyc(self) -> list[Line]:
        """Identity documents in KYC requests, in JSON, key=value and free text."""
        v = self.v
        first, last = v.name_parts()
        name = v.person(first, last)
        prefix = self.logback_prefix("KycService")
        doc = self.rng.choices(("aadhaar", "pan", "passport", "voter"), weights=(6, 5, 4, 4))[0]
        value = {
            "aadhaar": v.aadhaar,
            "pan": lambda: v.pan(surname=last),
            "passport": v.passport,
            "voter": v.voter,
        }[doc]()
        entity = {
            "aadhaar": "IN_AADHAAR",
            "pan": "IN_PAN",
            "passport": "IN_PASSPORT",
            "voter": "IN_VOTER",
        }[doc]
        r = self.rng.random()
        if r < 0.4:
            key = {
                "aadhaar": ("aadhaar_number", "aadhaar", "uid"),
                "pan": ("pan", "pan_number"),
                "passport": ("passport_number", "passport_no"),
                "voter": ("voter_id", "epic_no"),
            }[doc]
            items: list[tuple[str, JsonValue]] = [
                ("document_type", doc.upper()),
                (self.pick(*key), Pii(value, entity, FIELD)),
            ]
            if self.chance(0.6):
                items.append(("full_name", Pii(name, "PERSON", FIELD)))
            if self.chance(0.4):
                items.append(("date_of_birth", Pii(v.dob(), "DATE_OF_BIRTH", FIELD)))
            return [[prefix + "verify request=", *self.json_obj(items)]]
        if r < 0.7:
            key = {
                "aadhaar": "aadhaar",
                "pan": "pan",
                "passport": "passport_no",
                "voter": self.pick("voter_id", "epic_no"),
            }[doc]
            parts: Line = [prefix + "verifying", *self.kv(key, Pii(value, entity, KV))]
            if self.chance(0.5):
                parts += self.kv("name", Pii(name, "PERSON", KV), quote=0.8)
            if self.chance(0.4):
                parts += self.kv("dob", Pii(v.dob(), "DATE_OF_BIRTH", KV))
            return [parts]
        free = Pii(value, entity, FREE)
        forms = {
            "aadhaar": (
                ["Aadhaar ", free, " verified via UIDAI eKYC"],
                ["e-sign failed for aadhaar number ", free, ": UIDAI timeout"],
            ),
            "pan": (
                ["PAN ", free, " linked to seller account"],
                ["income tax PAN ", free, " does not match name on record"],
            ),
            "passport": (
                ["Customer uploaded passport ", free, " for international shipping"],
                ["passport number ", free, " expired"],
            ),
            "voter": (
                ["voter id ", free, " rejected: photo unclear"],
                ["EPIC ", free, " accepted as address proof"],
            ),
        }[doc]
        return [[prefix, *self.rng.choice(forms)]]

    def seller(self) -> list[Line]:
        v = self.v
        first, last = v.name_parts()
        prefix = self.logback_prefix("SellerOnboardingService")
        gstin = v.gstin()
        r = self.rng.random()
        if r < 0.45:
            parts: Line = [prefix + f"seller_id=SLR{self.x.digits(6)}"]
            parts += self.kv("gstin", Pii(gstin, "IN_GSTIN", KV))
            if self.chance(0.5):
                parts += self.kv("pan", Pii(gstin[2:12], "IN_PAN", KV))
            parts += self.kv("ifsc", Pii(v.ifsc(), "IN_IFSC", KV))
            if self.chance(0.6):
                parts += self.kv("account_holder", Pii(v.person(first, last), "PERSON", KV), 0.9)
            return [parts]
        if r < 0.75:
            bank = self.json_obj(
                [
                    ("ifsc_code", Pii(v.ifsc(), "IN_IFSC", FIELD)),
                    ("account_holder_name", Pii(v.person(first, last), "PERSON", FIELD)),
                    ("bank_name", self.pick("HDFC Bank", "State Bank of India")),
                ]
            )
            body = self.json_obj([("gstin", Pii(gstin, "IN_GSTIN", FIELD)), ("bank", bank)])
            return [[prefix + "onboarding payload=", *body]]
        forms: tuple[Line, ...] = (
            [
                "Settlement to IFSC ",
                Pii(v.ifsc(), "IN_IFSC", FREE),
                " failed: beneficiary bank offline",
            ],
            ["GSTIN ", Pii(gstin, "IN_GSTIN", FREE), f" verified for seller SLR{self.x.digits(6)}"],
            ["Payout via NEFT to bank branch ", Pii(v.ifsc(), "IN_IFSC", FREE), " returned R03"],
        )
        return [[prefix, *self.rng.choice(forms)]]

    def payout(self) -> list[Line]:
        """Cross-border seller payouts to foreign bank accounts."""
        v = self.v
        iban = v.iban()
        prefix = self.logback_prefix("CrossBorderPayoutJob")
        r = self.rng.random()
        if r < 0.5:
            body = self.json_obj(
                [
                    ("beneficiary_name", Pii(v.person(), "PERSON", FIELD)),
                    ("iban", Pii(iban, "IBAN_CODE", FIELD)),
                    ("swift", "NWBKGB2L"),
                    ("amount", float(self.x.amount())),
                    ("currency", "GBP"),
                ]
            )
            return [[prefix + "payout request=", *body]]
        if r < 0.8:
            return [
                [
                    prefix + f"batch={self.x.six()}",
                    *self.kv("iban", Pii(iban, "IBAN_CODE", KV), 0.5),
                    " status=SENT",
                ]
            ]
        return [[prefix + "IBAN ", Pii(iban, "IBAN_CODE", FREE), " rejected by correspondent bank"]]

    def us_tax(self) -> list[Line]:
        """US sellers' W-9 data, where SSNs appear."""
        v = self.v
        ssn = v.ssn()
        prefix = self.logback_prefix("W9Service")
        forms: tuple[Line, ...] = (
            [
                prefix + "tax_id_type=SSN",
                *self.kv("ssn", Pii(ssn, "US_SSN", KV)),
                *self.kv("name", Pii(v.person(), "PERSON", KV), 1.0),
            ],
            [
                prefix + "form ",
                *self.json_obj([("ssn", Pii(ssn, "US_SSN", FIELD)), ("form", "W-9")]),
            ],
            [prefix + "SSN ", Pii(ssn, "US_SSN", FREE), " on file does not match IRS records"],
        )
        return [self.rng.choice(forms)]
