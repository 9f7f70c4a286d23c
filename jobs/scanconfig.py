"""``conf/scan.yaml``: the scan job's settings, validated strictly like the policy.

Command-line flags override the file; the file overrides the defaults here. An unknown key
(``max_objet_mb``) stops the job before any work, naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from detectors import yamltext
from detectors.errors import PiisweepError

# The shortest lease of a scan id's lock (jobs.scanlock), in minutes.
MIN_LEASE_MINUTES = 0.5


class ConfigError(PiisweepError):
    """conf/scan.yaml is unreadable or invalid; the message names the file and the key."""


class Sse(BaseModel):
    """Server-side encryption of everything the scan writes to S3."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["AES256", "aws:kms"]
    kms_key_id: str | None = None


class ScanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    unit_mb: float = Field(64, gt=0, description="target size of a work unit")
    max_object_mb: float | None = Field(None, gt=0, description="skip larger objects")
    partitions: int | None = Field(
        None, gt=0, description="default: partition_mb of work each, at least 2 per core"
    )
    partition_mb: float = Field(256, gt=0, description="estimated work per partition")
    max_failed_fraction: float = Field(0.0, ge=0, le=1)
    include: list[str] = []
    exclude: list[str] = []
    redacted_out: str | None = None
    sse: Sse | None = None
    chunk_mb: float = Field(8, gt=0, description="bytes of lines scanned per engine call")
    max_json_mb: float = Field(256, gt=0, description="largest JSON document read whole")
    lock_lease_minutes: float = Field(
        10, description="lease of a scan id's lock; renewed while the scan runs"
    )
    max_line_mb: float = Field(
        64, gt=0, description="longer lines are replaced by [REDACTED:LINE_TOO_LONG], flagged"
    )
    max_expanded_mb: float | None = Field(
        16384, gt=0, description="a unit decompressing to more fails, its prefix kept"
    )
    split_csv: bool = Field(
        True,
        description="cut large uncompressed CSV/TSV into record-aligned units (a pre-pass "
        "reads them once on the executors); false: one unit per CSV/TSV object",
    )
    follow_symlinks_outside: bool = Field(
        False, description="follow local symbolic links whose target is outside the source"
    )
    spark: dict[str, str] = {}

    @field_validator("lock_lease_minutes")
    @classmethod
    def _lease(cls, value: float) -> float:
        # The lock is renewed every third of its lease, but never more often than once a
        # second: a lease near or below that interval (plus store latency and clock skew)
        # ends while the scan is healthy, and another run takes the scan id over.
        if value < MIN_LEASE_MINUTES:
            raise ValueError(
                f"must be at least {MIN_LEASE_MINUTES} (30 seconds): the lock is renewed "
                "every third of its lease, and a shorter lease can expire under a running scan"
            )
        return value

    @field_validator("spark", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value


def load_scan_config(path: str | Path | None) -> ScanConfig:
    """The config at ``path``; None gives the defaults (conf/scan.yaml is optional)."""
    if path is None:
        return ScanConfig()
    p = Path(path)
    try:
        data = yamltext.safe_load(p.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read scan config: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{p}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of settings at the top level")
    try:
        return ScanConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(x) for x in first["loc"]) or "<top>"
        if first["type"] == "extra_forbidden":
            known = ", ".join(ScanConfig.model_fields)
            raise ConfigError(f"{p}: unknown key {key!r}; known keys: {known}") from None
        raise ConfigError(f"{p}: {key}: {first['msg']}") from None
