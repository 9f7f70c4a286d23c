"""Background lines from the application tier: web, app servers and partner API clients.

Together with ``bench.infra`` these are the ~95% of the corpus that must produce no findings
except IP addresses: an IP is personal data wherever it appears, so every one is labelled.
Everything else is a look-alike from ``bench.lookalikes`` and stays unlabelled.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.kit import Kit
from bench.parts import KV, Line, Pii

PATHS = (
    "/api/v2/catalog/products?category={cat}&page={n}&sort=price_asc",
    "/api/v1/cart/items",
    "/api/v1/orders/{od}/status",
    "/static/js/app.{hex}.js",
    "/api/v3/search?q={q}&page={n}&size=24",
    "/health",
    "/api/v1/payments/callback?txn_id={txn}&status=SUCCESS",
    "/product/{q}/p/itm{hex}?pid={sku}&lid=LST{sku}",
    "/api/v1/feed?cursor=eyJwYWdlIjo{n}fQ&limit=20",
    "/api/v1/invoices/{inv}.pdf",
    "/api/v2/recommendations?session={sess}&slot=home_{n}",
    "/api/v1/orders?order_id={num}&include=items",
)
QUERIES = (
    "running+shoes",
    "iphone+15",
    "saree",
    "air+fryer",
    "kurta+set",
    "redmi-note-13",
    "boat-airdopes",
    "wireless+mouse",
    "pressure+cooker",
    "school+bag",
)
CATEGORIES = ("electronics", "fashion", "home", "grocery", "books", "toys", "beauty")
COURIERS = ("Delhivery", "Blue Dart", "Ekart", "XpressBees", "Shadowfax", "India Post")
SCAN_POINTS = ("Bhiwandi_DC", "Hoskote_Hub", "Gurgaon_Sort", "Kolkata_MH", "Chennai_RPC")
EXCEPTIONS = (
    ("java.lang.IllegalStateException", "Inventory lock not acquired for {sku} after 3 attempts"),
    ("java.net.SocketTimeoutException", "Read timed out"),
    ("org.springframework.dao.DataIntegrityViolationException", "could not execute statement"),
    (
        "java.lang.NullPointerException",
        'Cannot invoke "com.shopkart.cart.Item.getSku()" because "item" is null',
    ),
    ("com.shopkart.payments.GatewayException", "upstream returned 502 for txn {txn}"),
)
FRAMES = (
    "com.shopkart.order.InventoryReservationService.reserve(InventoryReservationService.java:{n})",
    "com.shopkart.checkout.CheckoutFlowHandler.handle(CheckoutFlowHandler.java:{n})",
    "org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor"
    ".intercept(CglibAopProxy.java:{n})",
    "org.springframework.transaction.interceptor.TransactionInterceptor"
    ".invoke(TransactionInterceptor.java:{n})",
    "java.base/java.net.SocketInputStream.socketRead0(Native Method)",
    "org.apache.http.impl.execchain.MainClientExec.execute(MainClientExec.java:{n})",
    "jdk.internal.reflect.GeneratedMethodAccessor{n}.invoke(Unknown Source)",
)


class AppLines(Kit):
    """Application-tier background templates; each returns one or more complete lines."""

    def table(self) -> list[tuple[Callable[[], list[Line]], int]]:
        return [
            (self.nginx, 20),
            (self.spring, 15),
            (self.java_exception, 3),
            (self.python_app, 8),
            (self.logfmt, 10),
            (self.json_log, 10),
            (self.partner_payment, 4),
            (self.partner_logistics, 3),
            (self.partner_sms, 2),
            (self.pricing, 2),
            (self.auth_negatives, 2),
            (self.tls, 1),
        ]

    def path(self) -> str:
        x = self.x
        return self.rng.choice(PATHS).format(
            cat=self.pick(*CATEGORIES),
            n=self.n(),
            od=x.od_order_id(),
            hex=x.hex(8),
            q=self.pick(*QUERIES),
            txn=x.txn12(),
            sku=x.sku()[4:].replace("-", ""),
            inv=x.invoice(),
            sess=x.session_id(),
            num=x.numeric_order_id(),
        )

    def nginx(self) -> list[Line]:
        """ingress-nginx's upstream log format (or plain combined), client IP first."""
        x, c = self.x, self.c
        status = self.pick(*"200 200 200 200 201 204 301 304 400 401 404 429 499 502".split())
        method = self.pick("GET", "GET", "GET", "POST", "PUT", "DELETE")
        request = f'"{method} {self.path()} HTTP/1.1"'
        # Mostly service-to-service traffic through the internal ingress (private client
        # addresses); edge traffic with public client IPs is a PII template of its own.
        head: Line = [
            self.ip(public=0.1),
            f' - - [{c.nginx()}] {request} {status} {self.n(0, 90000)} "-" "{x.user_agent()}"',
        ]
        if self.chance(0.3):
            return [head]
        rt = self.rng.random() * 0.9
        upstream = f"[shop-{self.pick(*CATEGORIES)}-8080] []"
        tail = f":8080 {self.n(0, 90000)} {rt - 0.001:.3f} {status} {x.hex(32)}"
        return [[*head, f" {self.n(200, 3000)} {rt:.3f} {upstream} ", self.ip(v6=False), tail]]

    def spring(self) -> list[Line]:
        x, n = self.x, self.n
        msgs: tuple[Callable[[], str], ...] = (
            lambda: (
                f"Order {x.od_order_id()} placed, items={n(1, 9)} amount={x.amount()} "
                f"currency=INR latency_ms={n(5, 900)}"
            ),
            lambda: (
                f"Reserved inventory for order_id={x.numeric_order_id()} sku={x.sku()} "
                f"qty={n(1, 5)} warehouse=BLR-{n(1, 20):02d}"
            ),
            lambda: f"Payment captured txn_id={x.txn12()} bank_ref={x.ref16()} amount={x.price()}",
            lambda: f"Cache miss for key=cart:{x.session_id()} took {n(1, 80)}ms",
            lambda: f"Coupon {x.coupon()} applied to cart {x.uuid()}, discount={n(5, 60)}%",
            lambda: (
                f"Invoice {x.invoice()} generated for order {x.od_order_id()}, total={x.price()}"
            ),
            lambda: f"Refund initiated for order {x.od_order_id()} rrn={x.txn12()} status=PENDING",
            lambda: (
                f"Shipment {x.awb()} handed over to courier={self.pick(*COURIERS)} "
                f"eta=2024-11-{n(23, 30)}"
            ),
            lambda: "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
            lambda: (
                f"Started OrderServiceApplication in {self.rng.random() * 30:.3f} seconds "
                f"(process running for {self.rng.random() * 40:.3f})"
            ),
            lambda: f"Masked card {x.masked_card()} tokenised as tok_{x.alnum(14)}",
            lambda: (
                f"Notification sent to {x.masked_phone()} template=ORDER_SHIPPED batch={x.six()}"
            ),
            lambda: (
                f"KYC status VERIFIED for seller_id=SLR{x.digits(6)} aadhaar={x.masked_aadhaar()}"
            ),
            lambda: (
                f"Evicted key=cart:{x.session_id()} obj=org.apache.http.impl.client."
                f"CloseableHttpClient@{x.java_identity()} ptr={x.hex_ptr()}"
            ),
            lambda: (
                "Creating bean 'dataSource' instance "
                f"com.zaxxer.hikari.HikariDataSource@{x.java_identity()}"
            ),
        )
        level = self.pick("INFO", "INFO", "INFO", "DEBUG", "WARN")
        return [[self.spring_prefix(level) + self.rng.choice(msgs)()]]

    def java_exception(self) -> list[Line]:
        x = self.x
        exc, msg = self.rng.choice(EXCEPTIONS)
        lines: list[Line] = [
            [self.spring_prefix("ERROR") + f"Checkout failed for cart {x.uuid()}"],
            [f"{exc}: {msg.format(sku=x.sku(), txn=x.txn12())}"],
        ]
        for _ in range(self.n(2, 6)):
            lines.append([f"\tat {self.rng.choice(FRAMES).format(n=self.n(20, 900))}"])
        if self.chance(0.5):
            lines.append(["Caused by: java.net.SocketTimeoutException: Read timed out"])
            lines.append([f"\tat {self.rng.choice(FRAMES).format(n=self.n(20, 900))}"])
        lines.append([f"\t... {self.n(10, 90)} more"])
        return lines

    def python_app(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        r = self.rng.random()
        if r < 0.3:
            return [
                [
                    f"{c.py()} - payments.settlement - WARNING - Retrying settlement batch "
                    f"{x.six()} (attempt {n(1, 5)}/5) after HTTP 503 from gateway"
                ]
            ]
        if r < 0.5:
            return [
                [
                    f"[{c.spring()[:19]} +0530] [{n(1000, 60000)}] [INFO] "
                    f"Booting worker with pid: {n(1000, 60000)}"
                ]
            ]
        if r < 0.8:
            part = f"part-{n(0, 199):05d}.parquet"
            return [
                [
                    f"{c.py()} - recsys.features - INFO - Loaded {n(10**5, 10**7)} feature rows "
                    f"from s3://shopkart-ml/features/dt=2024-11-22/{part} "
                    f"in {self.rng.random() * 9:.2f}s"
                ]
            ]
        return [
            ["Traceback (most recent call last):"],
            [f'  File "/app/orders/tasks.py", line {n(20, 400)}, in sync_inventory'],
            ["    warehouse = payload['warehouse_id']"],
            ["KeyError: 'warehouse_id'"],
        ]

    def logfmt(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        r = self.rng.random()
        head = f"ts={c.iso()} level={self.pick('info', 'info', 'debug', 'warn')}"
        if r < 0.4:
            return [
                [
                    f'{head} svc=inventory msg="stock reserved" sku={x.sku()} qty={n(1, 4)} '
                    f"order_id={x.numeric_order_id()} trace_id={x.hex(32)} span_id={x.hex(16)} "
                    f"duration_ms={self.rng.random() * 40:.1f}"
                ]
            ]
        if r < 0.7:
            return [
                [
                    f'{head} svc=gateway msg="http request" method=GET path=/api/v1/cart '
                    f"status=200 bytes={x.offset10()} duration_ms={n(1, 400)} client_ip=",
                    Pii(self.v.ipv4_public(), "IP_ADDRESS", KV),
                    f" req_id={x.uuid()}",
                ]
            ]
        return [
            [
                f'{head} svc=search msg="slow query" took_ms={n(200, 5000)} '
                f"index=products-v{n(1, 9)} shard={n(0, 11)} offset={x.offset10()} "
                f"ts_ms={c.epoch_ms()}"
            ]
        ]

    def json_log(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        base = (
            f'{{"@timestamp":"{c.iso()}","level":"INFO","logger_name":"{x.class_name()}",'
            f'"thread_name":"http-nio-8080-exec-{n(1, 12)}",'
        )
        if self.chance(0.5):
            return [
                [
                    base + f'"message":"search completed","query":"{self.pick(*QUERIES)}",'
                    f'"results":{n(0, 500)},"took_ms":{n(3, 300)},"request_id":"{x.uuid()}",'
                    f'"app_version":"{x.version()}"}}'
                ]
            ]
        return [
            [
                base + f'"message":"order state changed","order_id":"{x.od_order_id()}",'
                f'"from":"PACKED","to":"SHIPPED","created_at":{c.epoch_ms()},'
                f'"awb":"{x.awb()}","invoice":"{x.invoice()}"}}'
            ]
        ]

    def partner_payment(self) -> list[Line]:
        x, c = self.x, self.c
        pay = f"pay_{x.alnum(14)}"
        method = self.pick("upi", "card", "netbanking")
        card = ""
        if method == "card":
            card = (
                f',"card":{{"last4":"{x.digits(4)}","network":"Visa","type":"credit",'
                '"issuer":"HDFC"}'
            )
        body = (
            f'{{"id":"{pay}","entity":"payment","amount":{self.n(4900, 9999900)},'
            f'"currency":"INR","status":"captured","method":"{method}",'
            f'"created_at":{c.epoch_s()},"bank_reference":"{x.ref16()}"{card},'
            f'"acquirer_data":{{"rrn":"{x.txn12()}"}}}}'
        )
        url = f"https://api.pgpartner.in/v1/payments/{pay}/capture"
        prefix = self.logback_prefix("PaymentGatewayClient")
        return [[f"{prefix}POST {url} status=200 latency={self.n(80, 2000)}ms response={body}"]]

    def partner_logistics(self) -> list[Line]:
        x, c = self.x, self.c
        awb = x.awb()
        body = (
            f'{{"awb":"{awb}","courier":"{self.pick(*COURIERS)}","status":"In Transit",'
            f'"scan_location":"{self.pick(*SCAN_POINTS)}","last_scan_epoch":{c.epoch_s()},'
            f'"weight_grams":{self.n(100, 20000)},"eta":"2024-11-{self.n(23, 30)}"}}'
        )
        url = f"https://track.logipartner.in/api/v2/shipments/{awb}"
        prefix = self.logback_prefix("LogisticsClient")
        return [[f"{prefix}GET {url} status=200 latency={self.n(40, 900)}ms response={body}"]]

    def partner_sms(self) -> list[Line]:
        x, c = self.x, self.c
        body = (
            f'{{"message_id":"{x.uuid()}","status":"DELIVERED","credits":1,'
            f'"sent_at":{c.epoch_ms()},"dlt_template_id":"{x.long_id("1107", 19)}"}}'
        )
        return [[f"{self.logback_prefix('SmsGatewayClient')}delivery report {body}"]]

    def pricing(self) -> list[Line]:
        x = self.x
        return [
            [
                self.spring_prefix() + f"sku={x.sku()} mrp={x.price()} sale={x.price()} "
                f"discount={self.n(5, 70)}% coupon={x.coupon()} valid_till=2024-12-31"
            ]
        ]

    def auth_negatives(self) -> list[Line]:
        """Secret- and OTP-flavoured lines whose values are masked or absent."""
        x = self.x
        msgs = (
            f"OTP verification succeeded for session={x.session_id()} attempts=1 "
            f"latency_ms={self.n(20, 900)}",
            f"event=password_reset status=sent channel=sms user_id={x.digits(8)}",
            "url=jdbc:mysql://orders-db.internal:3306/orders user=orders_app password=******",
            f"token expired token_type=Bearer expires_at={self.c.epoch_s()}",
            f'login request {{"username":"{x.masked_phone()}","password":"[REDACTED]",'
            '"otp":"******"}',
        )
        return [[self.spring_prefix() + self.rng.choice(msgs)]]

    def tls(self) -> list[Line]:
        x = self.x
        return [
            [
                self.spring_prefix() + f"x509 cert CN=api.shopkart.in sigAlg={x.oid()} "
                f"serial=0x{x.hex(16)} notAfter=2025-06-30T23:59:59Z"
            ]
        ]
