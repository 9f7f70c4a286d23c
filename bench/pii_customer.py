"""PII scenarios around customers: orders, profiles, support, OTP SMS, devices, deliveries.

These are the leaks the project exists for (see DESIGN.md): partner API payloads and app logs
that carry names, phones, e-mails and addresses across the ingress layer unsanitised.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.kit import JsonValue, Kit
from bench.parts import FIELD, FREE, KV, Line, Pii, url_pii

NAME_KEYS = ("customer_name", "full_name", "name", "consignee_name", "customerName")
PHONE_KEYS = ("phone", "mobile", "customer_phone", "mobile_number", "contact_no")
ADDRESS_KEYS = ("shipping_address", "address", "delivery_address", "billing_address")
OTP_TEXTS = (
    "Your OTP is {}. Do not share it with anyone. -ShopKart",
    "{} is your one time password for login. Valid for 10 minutes.",
    "Use OTP {} to verify your mobile number on ShopKart",
    "आपका OTP {} है। इसे किसी के साथ साझा न करें।",
)


class CustomerPii(Kit):
    """Customer-data scenarios; each returns complete lines with labelled values."""

    def table(self) -> list[tuple[Callable[[], list[Line]], int]]:
        return [
            (self.checkout_json, 14),
            (self.profile_kv, 10),
            (self.access_log, 10),
            (self.support_text, 9),
            (self.sms_otp, 5),
            (self.otp_kv, 3),
            (self.ip_text, 3),
            (self.email_text, 4),
            (self.shipment, 5),
            (self.device, 7),
            (self.dob, 2),
        ]

    def _name_phone_email_addr(self, ctx: str) -> list[tuple[str, Pii]]:
        """1-3 of name/phone/e-mail/address for one person, name most often present."""
        v = self.v
        first, last = v.name_parts()
        pool = [
            (self.pick(*NAME_KEYS), Pii(v.person(first, last), "PERSON", ctx)),
            (self.pick(*PHONE_KEYS), Pii(v.phone(), "PHONE_NUMBER", ctx)),
            (
                self.pick("email", "email_id", "customer_email"),
                Pii(v.email(first, last), "EMAIL_ADDRESS", ctx),
            ),
            (self.pick(*ADDRESS_KEYS), Pii(v.address(), "STREET_ADDRESS", ctx)),
        ]
        k = self.rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
        keep = {0} if self.chance(0.7) else set()
        while len(keep) < k:
            keep.add(self.rng.randrange(4))
        return [pool[i] for i in sorted(keep)]

    def checkout_json(self) -> list[Line]:
        x = self.x
        items: list[tuple[str, JsonValue]] = [("order_id", x.od_order_id())]
        items += self._name_phone_email_addr(FIELD)
        items += [
            ("amount", float(x.amount())),
            ("currency", "INR"),
            ("payment_mode", self.pick("COD", "UPI", "CARD")),
        ]
        prefix = self.spring_prefix() + self.pick("create order payload=", "checkout request body=")
        return [[prefix, *self.json_obj(items)]]

    def profile_kv(self) -> list[Line]:
        parts: Line = [self.spring_prefix() + f"profile updated user_id={self.x.digits(8)}"]
        for key, pii in self._name_phone_email_addr(KV):
            needs_quotes = " " in pii.text and pii.entity != "PERSON"
            parts += self.kv(key, pii, quote=1.0 if needs_quotes else 0.7)
        parts.append(f" channel={self.pick('app', 'web', 'callcenter')}")
        return [parts]

    def access_log(self) -> list[Line]:
        """An ingress access log whose query string carries PII, mostly percent-encoded."""
        v, x, c = self.v, self.x, self.c
        first, last = v.name_parts()

        def q(value: str, entity: str) -> Pii:
            if re.fullmatch(r"[\w@.\-]+", value) and self.chance(0.3):
                return Pii(value, entity, "url")
            return url_pii(value, entity)

        r = self.rng.random()
        if r < 0.25:
            query: Line = [
                "/api/v1/auth/otp/send?mobile=",
                q(v.phone(), "PHONE_NUMBER"),
                "&channel=sms",
            ]
        elif r < 0.45:
            query = [
                "/newsletter/subscribe?email=",
                q(v.email(first, last), "EMAIL_ADDRESS"),
                "&utm_source=app",
            ]
        elif r < 0.6:
            query = [
                "/api/v2/address/validate?name=",
                q(v.person(first, last), "PERSON"),
                "&address=",
                q(v.address(), "STREET_ADDRESS"),
            ]
        elif r < 0.75:
            query = [
                "/api/v1/support/callback?name=",
                q(v.person(first, last), "PERSON"),
                "&phone=",
                q(v.phone(), "PHONE_NUMBER"),
                f"&order={x.od_order_id()}",
            ]
        elif r < 0.88:
            query = [
                "/api/v1/payments/upi/verify?vpa=",
                q(v.upi(first), "IN_UPI_ID"),
                f"&amount={x.amount()}",
            ]
        else:
            query = [
                f"/track?order={x.od_order_id()}&email=",
                q(v.email(first, last), "EMAIL_ADDRESS"),
            ]
        status = self.pick("200", "200", "204", "400", "429")
        tail = f' HTTP/1.1" {status} {self.n(0, 4000)} "-" "{x.user_agent()}"'
        method = self.pick("GET", "POST")
        return [[self.ip(public=0.9), f' - - [{c.nginx()}] "{method} ', *query, tail]]

    def support_text(self) -> list[Line]:
        """Free text from support tools and notification logs."""
        v, x = self.v, self.x
        first, last = v.name_parts()
        name = Pii(f"{first} {last}" if self.chance(0.85) else first, "PERSON", FREE)
        phone = Pii(v.phone(), "PHONE_NUMBER", FREE)
        od = x.od_order_id()
        forms: tuple[Line, ...] = (
            ["Customer ", name, " called from ", phone, f" regarding order {od}"],
            [
                f"Dear {self.pick('Mr.', 'Ms.', 'Mrs.')} ",
                name,
                f", your order {od} has been shipped",
            ],
            ["Callback requested by Mr. ", name, " on ", phone],
            ["Missed call from ", phone, f" for order {od}, IVR language=hi"],
            ["Customer asked to change contact number to ", phone],
            [
                "Delivery agent could not reach customer ",
                name,
                " at ",
                Pii(v.address(), "STREET_ADDRESS", FREE),
            ],
            [
                "Escalation: customer ",
                name,
                " (",
                Pii(v.email(first, last), "EMAIL_ADDRESS", FREE),
                f") reports double charge on order {od}",
            ],
            [
                "Customer ",
                name,
                " updated delivery address to ",
                Pii(v.address(), "STREET_ADDRESS", FREE),
            ],
            ["प्रिय ", name, f", आपका ऑर्डर {od} भेज दिया गया है"],
            [
                "Dear ",
                name,
                ", we could not deliver to ",
                Pii(v.address(), "STREET_ADDRESS", FREE),
                ". Call us at 1800-208-9898",
            ],
        )
        prefix = self.logback_prefix(self.pick("SupportTicketService", "NotificationService"))
        return [[prefix, *self.rng.choice(forms)]]

    def sms_otp(self) -> list[Line]:
        """SMS gateway request with the OTP inside the message text (often in Hindi)."""
        v, x = self.v, self.x
        text = self.rng.choice(OTP_TEXTS)
        before, after = text.split("{}")
        message: Line = ['"' + before, Pii(v.otp(), "OTP_CODE", FREE), after + '"']
        body = self.json_obj(
            [
                ("to", Pii(v.phone(), "PHONE_NUMBER", FIELD)),
                ("sender", "SHPKRT"),
                ("message", message),
                ("dlt_template_id", x.long_id("1107", 19)),
            ]
        )
        url = "https://api.smsgw-partner.in/v2/send"
        return [[self.logback_prefix("SmsGatewayClient") + f"POST {url} request=", *body]]

    def otp_kv(self) -> list[Line]:
        v, x = self.v, self.x
        otp = v.otp()
        forms: tuple[Line, ...] = (
            [
                "otp generated otp=",
                Pii(otp, "OTP_CODE", KV),
                " mobile=",
                Pii(v.phone(), "PHONE_NUMBER", KV),
                " ttl=300",
            ],
            ["one time password ", Pii(otp, "OTP_CODE", FREE), f" sent to {x.masked_phone()}"],
            [
                "verify request ",
                *self.json_obj(
                    [
                        ("mobile", Pii(v.phone(), "PHONE_NUMBER", FIELD)),
                        ("otp", Pii(otp, "OTP_CODE", FIELD)),
                    ]
                ),
            ],
        )
        return [[self.logback_prefix("AuthService"), *self.rng.choice(forms)]]

    def ip_text(self) -> list[Line]:
        x = self.x
        forms: tuple[Line, ...] = (
            [f"Login failed for user_id={x.digits(8)} from ", self.ip(public=0.8, client=True)],
            # The private hops after the client in X-Forwarded-For are proxies, not people.
            ["X-Forwarded-For: ", self.ip(public=1.0), ", ", self.ip(v6=False)],
            ["Rate limit exceeded for client ", self.ip(public=0.9, client=True), ", 120 req/min"],
            [
                "Blocked request from ",
                Pii(self.v.ipv6(), "IP_ADDRESS", FREE),
                f" reason=geo_mismatch session={x.session_id()}",
            ],
        )
        return [[self.logback_prefix("SecurityFilter", "WARN"), *self.rng.choice(forms)]]

    def email_text(self) -> list[Line]:
        v = self.v
        email = v.email()
        forms: tuple[Line, ...] = (
            ["Password reset link sent to ", Pii(email, "EMAIL_ADDRESS", FREE)],
            [
                "Mail delivery failed for ",
                Pii(email, "EMAIL_ADDRESS", FREE),
                ": 550 5.1.1 mailbox unavailable",
            ],
            [
                "queued ",
                *self.json_obj(
                    [
                        ("to", Pii(email, "EMAIL_ADDRESS", FIELD)),
                        ("template", "order_shipped"),
                        ("order_id", self.x.od_order_id()),
                    ]
                ),
            ],
            [
                f"bounce event user_id={self.x.digits(8)} user_email=",
                Pii(email, "EMAIL_ADDRESS", KV),
            ],
        )
        return [[self.logback_prefix("MailerService"), *self.rng.choice(forms)]]

    def shipment(self) -> list[Line]:
        """Logistics partner request with a nested consignee object."""
        v, x = self.v, self.x
        people: list[tuple[str, JsonValue]] = [("name", Pii(v.person(), "PERSON", FIELD))]
        if self.chance(0.8):
            people.append(("phone", Pii(v.phone(), "PHONE_NUMBER", FIELD)))
        if self.chance(0.85):
            people.append(("address", Pii(v.address(), "STREET_ADDRESS", FIELD)))
        consignee = self.json_obj(people)
        body = self.json_obj(
            [
                ("awb", x.awb()),
                ("consignee", consignee),
                ("cod_amount", float(x.amount())),
                ("weight_grams", self.n(100, 9000)),
            ]
        )
        url = "https://api.logipartner.in/v1/shipments"
        return [[self.logback_prefix("LogisticsClient") + f"POST {url} request=", *body]]

    def device(self) -> list[Line]:
        """Mobile analytics events: device and advertising ids, MAC and IP."""
        v, c = self.v, self.c
        key, dev = v.device_id()
        if self.chance(0.6):
            items: list[tuple[str, JsonValue]] = [
                ("event", self.pick("app_open", "add_to_cart")),
                ("ts", c.epoch_ms()),
                (key, Pii(dev, "DEVICE_ID", FIELD)),
            ]
            if self.chance(0.6):
                items.append(
                    (
                        self.pick("mac", "wifi_mac", "mac_address"),
                        Pii(v.mac(), "MAC_ADDRESS", FIELD),
                    )
                )
            if self.chance(0.5):
                items.append(("ip", Pii(v.ip(), "IP_ADDRESS", FIELD)))
            items.append(("app_version", f"8.{self.n(10, 60)}.{self.n(0, 9)}"))
            return [[self.logback_prefix("EventCollector") + "ingest ", *self.json_obj(items)]]
        parts: Line = [
            self.logback_prefix("DeviceRegistry") + "registered",
            *self.kv(key, Pii(dev, "DEVICE_ID", KV)),
        ]
        if self.chance(0.6):
            parts += self.kv(self.pick("mac", "wifi_mac", "bssid"), Pii(v.mac(), "MAC_ADDRESS", KV))
        parts += self.kv("ip", Pii(v.ip(), "IP_ADDRESS", KV))
        return [parts]

    def dob(self) -> list[Line]:
        v = self.v
        dob = v.dob()
        forms: tuple[Line, ...] = (
            [f"profile updated user_id={self.x.digits(8)} dob=", Pii(dob, "DATE_OF_BIRTH", KV)],
            [
                "age check failed: customer born on ",
                Pii(dob, "DATE_OF_BIRTH", FREE),
                " is under 18 for category=alcohol",
            ],
            [
                "insurance quote ",
                *self.json_obj(
                    [("date_of_birth", Pii(dob, "DATE_OF_BIRTH", FIELD)), ("sum_assured", 500000)]
                ),
            ],
        )
        return [[self.logback_prefix("ProfileService"), *self.rng.choice(forms)]]
