"""Key material for fingerprints, tokens and encryption, from the environment or a key file.

Keys never come from the repository's config: a policy says *what* to do with a value, the
deployment says *with which keys*. Nothing here logs, repr()s or puts key material into an
exception message, because such messages end up in Spark UIs, Airflow logs and tickets; an
error names the variable or file and what was expected, never what was found.

Where keys come from (``KeyRing.load``), first match wins:

1. ``PIISWEEP_KEY_FILE``: a YAML or JSON file with ``fingerprint_key``, ``token_key``,
   ``encryption_keys`` (``{key_id: base64 of 32 bytes}``) and optionally ``active_key_id``.
   A file readable by group or others is loaded with a WARNING rather than refused, because
   mounted secrets (Kubernetes, some CI runners) often cannot be chmod-ed by the job.
2. Any ``PIISWEEP_*`` key variable set: ``PIISWEEP_FINGERPRINT_KEY`` and ``PIISWEEP_TOKEN_KEY``
   (hex or base64, at least 32 bytes), ``PIISWEEP_ENCRYPTION_KEYS``
   (``kid1:<base64>,kid2:<base64>``), ``PIISWEEP_ACTIVE_KEY_ID`` (default: the first id). A
   partial configuration is an error rather than a silent fall-back to ephemeral keys.
3. Otherwise ephemeral random keys, one set per process, with one WARNING: fingerprints and
   tokens then differ between runs. Ephemeral keys carry no encryption key, so ``encrypt``
   fails loudly instead of producing ciphertext nobody can ever decrypt.

Jobs should load keys once on the driver and ship the (picklable) ``KeyRing`` to tasks, so
that every task of one scan uses the same keys even when they are ephemeral.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from detectors import yamltext
from detectors.errors import KeyMaterialError

logger = logging.getLogger(__name__)

ENV_KEY_FILE = "PIISWEEP_KEY_FILE"
ENV_FINGERPRINT_KEY = "PIISWEEP_FINGERPRINT_KEY"
ENV_TOKEN_KEY = "PIISWEEP_TOKEN_KEY"
ENV_ENCRYPTION_KEYS = "PIISWEEP_ENCRYPTION_KEYS"
ENV_ACTIVE_KEY_ID = "PIISWEEP_ACTIVE_KEY_ID"
_ENV_VARS = (ENV_FINGERPRINT_KEY, ENV_TOKEN_KEY, ENV_ENCRYPTION_KEYS, ENV_ACTIVE_KEY_ID)

MIN_KEY_BYTES = 32
ENCRYPTION_KEY_BYTES = 32
_FILE_FIELDS = ("fingerprint_key", "token_key", "encryption_keys", "active_key_id")
_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_PRINTABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")
_ENCRYPTION_HINT = (
    f"set {ENV_ENCRYPTION_KEYS}=<key_id>:<base64 of 32 bytes>[,...] "
    f"or encryption_keys in the file named by {ENV_KEY_FILE}"
)

_ephemeral_lock = threading.Lock()
_ephemeral: KeyRing | None = None


def derive_key(key: bytes, label: str) -> bytes:
    """A 32-byte subkey of ``key`` for one purpose, so no key serves two algorithms."""
    return hmac.new(key, b"piisweep/" + label.encode(), hashlib.sha256).digest()


def _decode_material(text: object, where: str, *, exact: int | None = None) -> bytes:
    """Hex (preferred when the text is valid hex) or standard/URL-safe base64, padded or not."""
    size = f"exactly {exact}" if exact else f"at least {MIN_KEY_BYTES}"
    expected = f"expected hex or base64 of {size} bytes"
    if not isinstance(text, str):
        raise KeyMaterialError(f"{where}: {expected} as a (quoted) string")
    s = text.strip()
    if s and len(s) % 2 == 0 and _HEX.fullmatch(s):
        raw = bytes.fromhex(s)
    else:
        b64 = s.replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise KeyMaterialError(f"{where}: {expected}") from None
    if len(raw) < MIN_KEY_BYTES or (exact is not None and len(raw) != exact):
        raise KeyMaterialError(f"{where}: {expected}, got {len(raw)} bytes")
    return raw


def _check_key_id(key_id: object, where: str) -> str:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise KeyMaterialError(
            f"{where}: key id must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    return key_id


@dataclass(frozen=True, repr=False)
class KeyRing:
    """All key material one scan needs. Immutable, picklable, and safe to print.

    ``encryption_keys`` maps key id to a 32-byte AES-256 key; old ids stay so that old
    ciphertext still decrypts after rotation, and ``active_key_id`` is the one new
    ciphertext uses. ``source`` says where the keys came from, for messages only.
    """

    fingerprint_key: bytes
    token_key: bytes
    encryption_keys: Mapping[str, bytes] = field(default_factory=dict, hash=False)
    active_key_id: str = ""
    source: str = field(default="explicit", compare=False)

    def __post_init__(self) -> None:
        for name in ("fingerprint_key", "token_key"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) < MIN_KEY_BYTES:
                raise KeyMaterialError(f"KeyRing.{name}: expected at least {MIN_KEY_BYTES} bytes")
        keys: dict[str, bytes] = {}
        for key_id, key in dict(self.encryption_keys).items():
            _check_key_id(key_id, "KeyRing.encryption_keys")
            if not isinstance(key, bytes) or len(key) != ENCRYPTION_KEY_BYTES:
                raise KeyMaterialError(
                    f"KeyRing.encryption_keys[{key_id!r}]: expected exactly "
                    f"{ENCRYPTION_KEY_BYTES} bytes"
                )
            keys[key_id] = key
        active = self.active_key_id or next(iter(keys), "")
        if active and active not in keys:
            raise KeyMaterialError(
                f"active key id {active!r} is not among the encryption keys "
                f"({', '.join(keys) or 'none configured'})"
            )
        object.__setattr__(self, "encryption_keys", MappingProxyType(keys))
        object.__setattr__(self, "active_key_id", active)

    def __repr__(self) -> str:
        return (
            f"KeyRing(source={self.source!r}, encryption_key_ids={tuple(self.encryption_keys)!r}, "
            f"active_key_id={self.active_key_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # MappingProxyType does not pickle; Spark ships the ring to tasks by pickling.
        return (
            KeyRing,
            (
                self.fingerprint_key,
                self.token_key,
                dict(self.encryption_keys),
                self.active_key_id,
                self.source,
            ),
        )

    @property
    def is_ephemeral(self) -> bool:
        """True for per-process random keys: tokens and ciphertext will not outlive the run."""
        return self.source == "ephemeral"

    def encryption_key(self, key_id: str | None = None) -> tuple[str, bytes]:
        """``(key_id, key)`` for ``key_id``, or for the active key when it is None."""
        if not self.encryption_keys:
            raise KeyMaterialError(
                f"no encryption key configured ({self.source}): {_ENCRYPTION_HINT}"
            )
        kid = self.active_key_id if key_id is None else key_id
        if kid not in self.encryption_keys:
            raise KeyMaterialError(
                f"unknown encryption key id {kid!r}; configured ids: "
                f"{', '.join(self.encryption_keys)} ({self.source})"
            )
        return kid, self.encryption_keys[kid]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KeyRing:
        """Keys from ``PIISWEEP_*`` variables (``environ`` defaults to ``os.environ``);
        fingerprint and token keys are required.

        The default is None rather than ``os.environ`` itself because a default value is
        part of the signature: ``help()``, ``inspect`` and API docs would print the whole
        environment, key variables included.
        """
        environ = os.environ if environ is None else environ
        material: dict[str, bytes] = {}
        for var in (ENV_FINGERPRINT_KEY, ENV_TOKEN_KEY):
            if not environ.get(var, "").strip():
                raise KeyMaterialError(
                    f"{var}: not set; expected hex or base64 of at least {MIN_KEY_BYTES} bytes"
                )
            material[var] = _decode_material(environ[var], var)
        keys = _parse_key_list(environ.get(ENV_ENCRYPTION_KEYS, ""))
        active = environ.get(ENV_ACTIVE_KEY_ID, "").strip()
        if active and active not in keys:
            raise KeyMaterialError(
                f"{ENV_ACTIVE_KEY_ID}: key id {active!r} is not in {ENV_ENCRYPTION_KEYS} "
                f"({', '.join(keys) or 'no keys set'})"
            )
        return cls(
            material[ENV_FINGERPRINT_KEY], material[ENV_TOKEN_KEY], keys, active, "environment"
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Keys from a YAML or JSON key file (JSON when the name ends in ``.json``)."""
        p = Path(path)
        try:
            mode = p.stat().st_mode
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise KeyMaterialError(f"{p}: cannot read key file: {reason}") from None
        if os.name == "posix" and mode & 0o077:
            logger.warning(
                "key file %s is accessible by group or others (mode %03o); run: chmod 600 %s",
                p,
                mode & 0o777,
                p,
            )
        data = _parse_key_file(p, text)
        where = str(p)
        unknown = [k for k in data if k not in _FILE_FIELDS]
        if unknown:
            shown = [k for k in unknown if isinstance(k, str) and _PRINTABLE_NAME.fullmatch(k)] or [
                "<unprintable>"
            ]
            raise KeyMaterialError(
                f"{where}: unknown field(s) {', '.join(shown)}; expected: {', '.join(_FILE_FIELDS)}"
            )
        for name in ("fingerprint_key", "token_key"):
            if name not in data:
                raise KeyMaterialError(
                    f"{where}: {name} is missing; expected hex or base64 of at least "
                    f"{MIN_KEY_BYTES} bytes"
                )
        raw = data.get("encryption_keys") or {}
        if isinstance(raw, str):
            keys = _parse_key_list(raw, where=f"{where}: encryption_keys")
        elif isinstance(raw, Mapping):
            keys = {
                _check_key_id(kid, f"{where}: encryption_keys"): _decode_material(
                    value, f"{where}: encryption_keys.{kid}", exact=ENCRYPTION_KEY_BYTES
                )
                for kid, value in raw.items()
            }
        else:
            raise KeyMaterialError(
                f"{where}: encryption_keys: expected a mapping of key id to base64 of 32 bytes"
            )
        active = data.get("active_key_id") or ""
        if not isinstance(active, str) or (active and active not in keys):
            raise KeyMaterialError(
                f"{where}: active_key_id: expected one of the encryption_keys ids "
                f"({', '.join(keys) or 'none configured'})"
            )
        return cls(
            _decode_material(data["fingerprint_key"], f"{where}: fingerprint_key"),
            _decode_material(data["token_key"], f"{where}: token_key"),
            keys,
            active,
            f"file {where}",
        )

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> KeyRing:
        """The deployment's keys: key file, else environment, else ephemeral (see module doc).
        ``environ`` defaults to ``os.environ``."""
        environ = os.environ if environ is None else environ
        key_file = environ.get(ENV_KEY_FILE, "").strip()
        if key_file:
            return cls.from_file(key_file)
        if any(environ.get(var, "").strip() for var in _ENV_VARS):
            return cls.from_env(environ)
        return cls.ephemeral()

    @classmethod
    def ephemeral(cls) -> KeyRing:
        """Random keys, the same for every call in this process; warns once."""
        global _ephemeral
        with _ephemeral_lock:
            if _ephemeral is None:
                logger.warning(
                    "no keys configured: using ephemeral random keys, so fingerprints and "
                    "tokens are not stable across runs and cannot be joined or reversed "
                    "later, and encrypt is unavailable. Set %s to a YAML/JSON key file, or "
                    "%s and %s (hex or base64 of at least 32 bytes, e.g. from "
                    "`python -c 'import secrets; print(secrets.token_hex(32))'`) and %s",
                    ENV_KEY_FILE,
                    ENV_FINGERPRINT_KEY,
                    ENV_TOKEN_KEY,
                    ENV_ENCRYPTION_KEYS,
                )
                _ephemeral = cls(
                    secrets.token_bytes(MIN_KEY_BYTES),
                    secrets.token_bytes(MIN_KEY_BYTES),
                    {},
                    "",
                    "ephemeral",
                )
            return _ephemeral


def _parse_key_list(text: str, where: str = ENV_ENCRYPTION_KEYS) -> dict[str, bytes]:
    """``kid1:<base64>,kid2:<base64>`` in order; the entry number, not its text, is reported."""
    keys: dict[str, bytes] = {}
    entries = [e.strip() for e in text.split(",")] if text.strip() else []
    for number, entry in enumerate(entries, start=1):
        kid, sep, material = entry.partition(":")
        if not sep:
            raise KeyMaterialError(
                f"{where}: entry {number}: expected <key_id>:<base64 of 32 bytes>"
            )
        kid = _check_key_id(kid.strip(), f"{where}: entry {number}")
        if kid in keys:
            raise KeyMaterialError(f"{where}: entry {number}: duplicate key id {kid!r}")
        keys[kid] = _decode_material(
            material, f"{where}: entry {number} ({kid})", exact=ENCRYPTION_KEY_BYTES
        )
    return keys


def _parse_key_file(path: Path, text: str) -> dict[Any, Any]:
    """Parse without letting the parser's message (which can quote the line) escape."""
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yamltext.safe_load(text)
    except json.JSONDecodeError as exc:
        raise KeyMaterialError(f"{path}: not valid JSON (line {exc.lineno})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise KeyMaterialError(f"{path}: not valid YAML{line}") from None
    if not isinstance(data, dict):
        raise KeyMaterialError(f"{path}: expected a mapping with fields {', '.join(_FILE_FIELDS)}")
    return data
