"""Ingress-layer logs: nginx and envoy access lines and the gateway debug lines that dump
partner bodies unsanitized."""

from __future__ import annotations

import json

from jobs.sample_lake.outputs import Factory, Lake, TextOut, table
from jobs.sample_lake.pools import CITIES, LB_IPS, SEARCHES, SERVICES, UPSTREAMS, b64url


class Ingress:
    """Access logs of ingress-nginx and envoy plus the API gateway's debug lines."""

    PII_RATE = 0.05

    def __init__(self, lake: Lake) -> None:
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
        self.table = weighted(clean, pii, self.PII_RATE)

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

    def nginx_clean(self, out: TextOut) -> str:
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

    def envoy_clean(self, out: TextOut) -> str:
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

    def gateway_clean(self, out: TextOut) -> str:
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
            cursor = b64url(f'{{"page":{v.num(2, 40)},"after":"{v.hex(8)}"}}'.encode())
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

    def kafka_clean(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self.c.java()} INFO  [order-events-consumer-{v.num(0, 7)}] "
            "o.a.k.c.c.i.ConsumerCoordinator - "
            f"committed offset={v.pick('123456789')}{v.digits(9)} partition={v.num(0, 23)} "
            f"topic=order-events lag={v.num(0, 40)} ts={self.c.epoch_ms()}"
        )

    def probe_clean(self, out: TextOut) -> str:
        return self._nginx("GET", self.v.pick(("/healthz", "/readyz", "/metrics")), 200)

    # -- PII lines --
    def nginx_query_pii(self, out: TextOut) -> str:
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

    def courier_body_pii(self, out: TextOut) -> str:
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

    def otp_sms_pii(self, out: TextOut) -> str:
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

    def card_callback_pii(self, out: TextOut) -> str:
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

    def kyc_pii(self, out: TextOut) -> str:
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

    def upi_pii(self, out: TextOut) -> str:
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

    def bearer_pii(self, out: TextOut) -> str:
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

    def aws_debug_pii(self, out: TextOut) -> str:
        v = self.v
        key, secret = v.aws_key(), v.aws_secret()
        out.plant("AWS_ACCESS_KEY", key)
        out.plant("SECRET", secret)
        return (
            f"{self.c.java()} DEBUG [invoice-uploader] botocore.credentials - Loaded credentials "
            f"from env: aws_access_key_id={key} aws_secret_access_key={secret} "
            f"region=ap-south-1 bucket=shopkart-invoices-prod"
        )

    def login_pii(self, out: TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email, ip = v.email(first, last), v.public_ip()
        out.plant("EMAIL_ADDRESS", email)
        out.plant("IP_ADDRESS", ip)
        return (
            f"{self._prefix('INFO', 'users-svc')} login success user={email} client_ip={ip} "
            f"device={v.pick(('android', 'ios', 'web'))} session=sess_{v.hex(16)}"
        )

    def support_pii(self, out: TextOut) -> str:
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

    def address_patch_pii(self, out: TextOut) -> str:
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


def weighted(
    clean: list[tuple[Factory, float]], pii: list[tuple[Factory, float]], rate: float
) -> tuple[list[Factory], list[float]]:
    c_total = sum(w for _, w in clean)
    p_total = sum(w for _, w in pii)
    pairs = [(f, w / c_total * (1 - rate)) for f, w in clean]
    pairs += [(f, w / p_total * rate) for f, w in pii]
    return table(pairs)
