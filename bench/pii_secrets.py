"""Secret scenarios: passwords, API keys, bearer tokens, JWTs, AWS keys, private keys.

Label convention (see README): the secret value only. One value gets one label, the most
specific type: a bearer token that is a JWT is ``JWT``, an ``AKIA…`` id is ``AWS_ACCESS_KEY``,
anything else secret-shaped behind a secret-ish key is ``SECRET``.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.kit import Kit
from bench.parts import FIELD, FREE, KV, URL, Line, Pii


class SecretPii(Kit):
    """Credential-leak scenarios."""

    def table(self) -> list[tuple[Callable[[], list[Line]], int]]:
        return [
            (self.config_secret, 5),
            (self.headers, 4),
            (self.url_credentials, 2),
            (self.aws, 4),
            (self.jwt, 4),
            (self.login_body, 2),
            (self.private_key, 4),
        ]

    def config_secret(self) -> list[Line]:
        v = self.v
        r = self.rng.random()
        if r < 0.4:
            db = self.pick(
                "postgresql://orders-db.internal:5432/orders",
                "mysql://catalog-db.internal:3306/catalog",
            )
            return [
                [
                    self.spring_prefix() + f"DataSource url=jdbc:{db} user=app",
                    *self.kv(
                        self.pick("password", "db_password", "passwd"),
                        Pii(v.password(), "SECRET", KV),
                    ),
                ]
            ]
        if r < 0.7:
            key = self.pick("api_key", "apiKey", "secret_key", "token", "access_token")
            value = v.api_key() if "key" in key.lower() else v.token()
            return [
                [
                    self.spring_prefix() + "initialising partner client env=prod",
                    *self.kv(key, Pii(value, "SECRET", KV), quote=0.3),
                ]
            ]
        body = self.json_obj(
            [
                ("client_id", "shopkart-web"),
                ("client_secret", Pii(v.api_key(), "SECRET", FIELD)),
                ("grant_type", "client_credentials"),
            ]
        )
        return [[self.logback_prefix("OAuthClient") + "token request ", *body]]

    def headers(self) -> list[Line]:
        """Request header dumps from HTTP client debug logging."""
        v, x = self.v, self.x
        if self.chance(0.35):
            auth: Line = ["Authorization: Bearer ", Pii(v.jwt(), "JWT", KV)]
        elif self.chance(0.6):
            auth = ["Authorization: Bearer ", Pii(v.token(), "SECRET", KV)]
        else:
            auth = ["x-api-key: ", Pii(v.api_key(), "SECRET", KV)]
        return [
            [
                self.logback_prefix("HttpClientLogger", "DEBUG")
                + "request headers: Content-Type: application/json, ",
                *auth,
                f", X-Request-Id: {x.uuid()}",
            ]
        ]

    def url_credentials(self) -> list[Line]:
        """Credentials in a URL: only the password part is labelled."""
        v = self.v
        pw = Pii(v.url_password(), "SECRET", URL)
        if self.chance(0.6):
            user = self.pick("deploy", "ci-bot", "svc_reader", "admin")
            return [
                [
                    self.spring_prefix() + f"Fetching artifact from https://{user}:",
                    pw,
                    "@nexus.shopkart.internal/repository/releases/order-service-2.14.3.jar",
                ]
            ]
        return [
            [
                self.spring_prefix() + "Connecting to redis://:",
                pw,
                "@redis-cart.internal:6379/0 pool=16",
            ]
        ]

    def aws(self) -> list[Line]:
        v = self.v
        key = v.aws_key()
        r = self.rng.random()
        if r < 0.5:
            parts: Line = [
                self.logback_prefix("S3Uploader") + "using credentials",
                *self.kv("aws_access_key_id", Pii(key, "AWS_ACCESS_KEY", KV)),
            ]
            if self.chance(0.7):
                parts += self.kv("aws_secret_access_key", Pii(v.aws_secret(), "SECRET", KV))
            return [parts]
        if r < 0.8:
            body = self.json_obj(
                [
                    ("AccessKeyId", Pii(key, "AWS_ACCESS_KEY", FIELD)),
                    ("SecretAccessKey", Pii(v.aws_secret(), "SECRET", FIELD)),
                    ("Expiration", "2024-11-23T18:00:00Z"),
                ]
            )
            return [[self.logback_prefix("StsCredentialsProvider") + "loaded ", *body]]
        return [
            [
                self.logback_prefix("S3Uploader", "WARN") + "static key ",
                Pii(key, "AWS_ACCESS_KEY", FREE),
                " used from developer laptop",
            ]
        ]

    def jwt(self) -> list[Line]:
        v = self.v
        token = v.jwt()
        r = self.rng.random()
        if r < 0.4:
            body = self.json_obj(
                [
                    ("access_token", Pii(token, "JWT", FIELD)),
                    ("token_type", "Bearer"),
                    ("expires_in", 3600),
                ]
            )
            return [[self.logback_prefix("OAuthClient") + "token response ", *body]]
        if r < 0.7:
            return [
                [
                    self.ip(public=0.9),
                    f' - - [{self.c.nginx()}] "GET /api/v1/ws?token=',
                    Pii(token, "JWT", URL),
                    '&v=2 HTTP/1.1" 101 0 "-" "okhttp/4.12.0"',
                ]
            ]
        return [
            [self.spring_prefix() + "session refreshed", *self.kv("jwt", Pii(token, "JWT", KV))]
        ]

    def login_body(self) -> list[Line]:
        """A login request body logged whole: the username is an e-mail or phone too."""
        v = self.v
        if self.chance(0.5):
            user = Pii(v.email(), "EMAIL_ADDRESS", FIELD)
        else:
            user = Pii(v.phone(), "PHONE_NUMBER", FIELD)
        body = self.json_obj(
            [
                ("username", user),
                ("password", Pii(v.password(), "SECRET", FIELD)),
                ("remember_me", "true"),
            ]
        )
        return [[self.logback_prefix("AuthController", "DEBUG") + "login payload=", *body]]

    def private_key(self) -> list[Line]:
        """A PEM block dumped over several lines, or one-line escaped in JSON."""
        v = self.v
        kind = v.pem_kind()
        begin, end = f"-----BEGIN {kind}-----", f"-----END {kind}-----"
        if self.chance(0.5):
            lines: list[Line] = [
                [
                    self.spring_prefix("DEBUG")
                    + "loaded tls.key from vault path=secret/data/shop/tls:"
                ],
                [Pii(begin, "PRIVATE_KEY", FREE)],
            ]
            # Every line of the block is key material, so every line is labelled: a redacted
            # copy that blanks only the BEGIN line still leaks the key.
            lines += [[Pii(v.pem_body_line(), "PRIVATE_KEY", FREE)] for _ in range(self.n(2, 4))]
            lines.append([Pii(v.pem_body_line(self.n(8, 60)), "PRIVATE_KEY", FREE)])
            lines.append([Pii(end, "PRIVATE_KEY", FREE)])
            return lines
        body = "\\n".join(v.pem_body_line() for _ in range(self.n(2, 4)))
        pem = f"{begin}\\n{body}\\n{end}"
        creds = self.json_obj(
            [
                ("type", "service_account"),
                ("project_id", "shopkart-prod"),
                ("private_key", ['"', Pii(pem, "PRIVATE_KEY", FIELD), '\\n"']),
                ("client_id", self.x.long_id("1", 21)),
            ]
        )
        return [
            [self.logback_prefix("CredentialLoader", "WARN") + "parsed credentials json=", *creds]
        ]
