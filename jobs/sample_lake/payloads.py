"""API payloads: JSON Lines request and response records (nested customers, address lists,
phones and PINs as JSON numbers) and one JSON array."""

from __future__ import annotations

import json
from typing import Any

from jobs.sample_lake.ingress import weighted
from jobs.sample_lake.outputs import Lake, TextOut
from jobs.sample_lake.pools import CITIES, SEARCHES


class Payloads:
    """Request/response records of the platform's own APIs."""

    PII_RATE = 0.3

    def __init__(self, lake: Lake) -> None:
        self.v, self.c = lake.v, lake.clock
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.table = weighted(
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

    def catalog(self, out: TextOut) -> str:
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

    def cart(self, out: TextOut) -> str:
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

    def payment_status(self, out: TextOut) -> str:
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

    def search(self, out: TextOut) -> str:
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

    def order_create(self, out: TextOut) -> str:
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

    def kyc(self, out: TextOut) -> str:
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

    def profile(self, out: TextOut) -> str:
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
