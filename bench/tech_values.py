"""Value factories for machine-made identifiers: network, devices, codes and secrets.

Split from ``bench.values`` (people, phones, money, government ids) only to keep each module
readable; ``Values`` inherits these methods, so callers see one factory.
"""

from __future__ import annotations

import base64
import json
import random
import string

UPPER = string.ascii_uppercase
DIGITS = string.digits
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64URL = string.ascii_letters + string.digits + "-_"
B64 = string.ascii_letters + string.digits + "+/"
PEM_KINDS = ("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY")


class TechValues:
    """Random identifiers and secrets, all drawn from the generator's one RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # ---- small helpers -------------------------------------------------------------------
    def digits(self, n: int) -> str:
        return "".join(self.rng.choices(DIGITS, k=n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choices(UPPER, k=n))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def hex(self, n: int) -> str:
        return self.chars(HEX, n)

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        h = h[:12] + "4" + h[13:16] + "89ab"[int(h[16], 16) % 4] + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def weighted(self, options: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]

    # ---- network and devices -------------------------------------------------------------
    def ipv4_public(self) -> str:
        first = self.rng.choice((49, 103, 106, 117, 122, 152, 157, 182, 223, 27, 59, 115, 1, 8))
        return f"{first}.{self._octet()}.{self._octet()}.{self.rng.randint(1, 254)}"

    def ipv4_private(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return f"10.{self._octet()}.{self._octet()}.{self.rng.randint(1, 254)}"
        if r < 0.8:
            return f"172.{self.rng.randint(16, 31)}.{self._octet()}.{self.rng.randint(1, 254)}"
        return f"192.168.{self._octet()}.{self.rng.randint(1, 254)}"

    def _octet(self) -> int:
        return self.rng.randint(0, 255)

    def ipv6(self) -> str:
        groups = [self.rng.choice(("2401", "2409", "2405", "2402", "2001"))]
        groups += [f"{self.rng.getrandbits(16):x}" for _ in range(7)]
        if self.rng.random() < 0.5:
            return ":".join(groups[:4]) + "::" + groups[7]
        return ":".join(groups)

    def ip(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return self.ipv4_public()
        if r < 0.9:
            return self.ipv4_private()
        return self.ipv6()

    def mac(self) -> str:
        octets = [f"{self.rng.getrandbits(8):02x}" for _ in range(6)]
        style = self.rng.random()
        if style < 0.5:
            return ":".join(octets)
        if style < 0.8:
            return ":".join(octets).upper()
        return "-".join(octets).upper()

    def device_id(self) -> tuple[str, str]:
        """(key, value): Android ids are 16 hex, IDFA upper-case UUIDs, GAIDs lower-case."""
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(("device_id", "android_id")), self.hex(16)
        if r < 0.7:
            return self.rng.choice(("gaid", "advertising_id", "adid")), self.uuid()
        return self.rng.choice(("idfa", "device_id")), self.uuid().upper()

    # ---- codes and secrets ---------------------------------------------------------------
    def otp(self) -> str:
        return self.digits(self.rng.choice((6, 6, 6, 4, 4, 8)))

    def aws_key(self) -> str:
        return "AKIA" + self.chars(UPPER + "234567", 16)

    def jwt(self) -> str:
        alg = self.rng.choice(("HS256", "RS256", "ES256", "HS512"))
        header = {"alg": alg, "typ": "JWT"}
        if alg != "HS256":
            header["kid"] = self.hex(8)
        iat = 1_730_000_000 + self.rng.randint(0, 9_000_000)
        payload = {
            "sub": f"usr_{self.digits(8)}",
            "iat": iat,
            "exp": iat + 3600,
            "iss": "https://auth.shopkart.in",
            "scope": "orders:read cart:write",
        }

        def enc(obj: dict[str, object]) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        return (
            f"{enc(header)}.{enc(payload)}.{self.chars(B64URL, 43 if alg.startswith('HS') else 86)}"
        )

    def url_password(self) -> str:
        return self.chars(ALNUM + "-_.", self.rng.randint(10, 20))

    def api_key(self) -> str:
        return self.rng.choice(
            (
                "sk_live_" + self.chars(ALNUM, 24),
                "AIza" + self.chars(ALNUM + "-_", 35),
                self.hex(32),
                "rzp_" + self.chars(ALNUM, 24),
                "key-" + self.hex(32),
            )
        )

    def token(self) -> str:
        return self.rng.choice(
            (
                self.chars(ALNUM, 40),
                "ghp_" + self.chars(ALNUM, 36),
                self.hex(40),
                "xoxb-" + self.digits(12) + "-" + self.chars(ALNUM, 24),
            )
        )

    def aws_secret(self) -> str:
        return self.chars(ALNUM + "/+", 40)

    def pem_kind(self) -> str:
        return self.rng.choice(PEM_KINDS)

    def pem_body_line(self, n: int = 64) -> str:
        return self.chars(B64, n)
