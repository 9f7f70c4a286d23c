"""S3 settings (endpoint, region, read block) and server-side encryption: resolved once on
the driver, shipped to tasks inside the plan, holding no secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from jobs.storage.errors import StorageError

DEFAULT_REGION = "us-east-1"

READ_BLOCK_ENV = "PIISWEEP_S3_READ_BLOCK_MB"

DEFAULT_READ_BLOCK = 8 << 20


@dataclass(frozen=True)
class S3Settings:
    """Where S3 is and which region to sign for; no credentials.

    Resolved once on the driver (:meth:`from_env`) and shipped to Spark tasks, so every task
    talks to the same endpoint even if an executor's environment differs. An ``endpoint_url``
    of ``None`` means AWS itself.
    """

    endpoint_url: str | None = None
    region: str = DEFAULT_REGION
    # Bytes fetched per request when an object is read from start to end (logs, CSV, JSON):
    # every read of pyarrow's S3 file is one ranged GET, and the readers ask for 8-128 KiB
    # at a time, so without a read-ahead block a 100 MB gzip log costs ~12,800 GETs.
    read_block: int = DEFAULT_READ_BLOCK

    def __post_init__(self) -> None:
        if self.read_block < 64 << 10:
            raise StorageError(
                f"{READ_BLOCK_ENV} must be at least 0.0625 (64 KiB); "
                f"got {self.read_block / (1 << 20):g}"
            )
        if self.endpoint_url is not None:
            parts = urlsplit(self.endpoint_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise StorageError(
                    f"S3 endpoint must be an http:// or https:// URL: {self.endpoint_url}",
                    uri=self.endpoint_url,
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> S3Settings:
        """From ``AWS_ENDPOINT_URL_S3`` (else ``AWS_ENDPOINT_URL``) and ``AWS_REGION`` (else
        ``AWS_DEFAULT_REGION``, else ``us-east-1``): the variables the AWS SDKs read, so
        one environment drives boto3, pyarrow and the Spark job alike. ``environ`` defaults
        to ``os.environ``."""
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        block = env.get(READ_BLOCK_ENV)
        try:
            read_block = int(float(block) * (1 << 20)) if block else DEFAULT_READ_BLOCK
        except ValueError:
            raise StorageError(f"{READ_BLOCK_ENV} must be a number of MiB; got {block!r}") from None
        return cls(
            endpoint_url=endpoint.rstrip("/") if endpoint else None,
            region=region,
            read_block=read_block,
        )

    @property
    def endpoint_label(self) -> str:
        """How to name the endpoint in an error message."""
        return self.endpoint_url or f"AWS S3 ({self.region})"


@dataclass(frozen=True)
class Sse:
    """Server-side encryption for objects written to S3.

    ``mode`` is ``"AES256"`` (S3-managed keys) or ``"aws:kms"`` (with ``kms_key_id``, or the
    account's default ``aws/s3`` key when ``None``). Local and HDFS destinations ignore it:
    disks and HDFS encryption zones are configured outside the job.
    """

    mode: str
    kms_key_id: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("AES256", "aws:kms"):
            raise StorageError(
                f"unknown server-side encryption mode {self.mode!r} (expected AES256 or aws:kms)"
            )
        if self.kms_key_id is not None and self.mode != "aws:kms":
            raise StorageError("a KMS key id needs server-side encryption mode aws:kms")

    def extra_args(self) -> dict[str, str]:
        """The boto3 ``ExtraArgs`` / request parameters for PutObject and CopyObject."""
        args = {"ServerSideEncryption": self.mode}
        if self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args


def sse_args(sse: Sse | None) -> dict[str, str]:
    return sse.extra_args() if sse is not None else {}
