"""Storage errors: one operator-facing class, and the mapping of boto3, botocore and
pyarrow exceptions onto it. Messages are one line naming the URI or endpoint and the error
class or code, never a library's raw text (it may quote request details) nor content."""

from __future__ import annotations

import errno as errno_mod
import re
from typing import TYPE_CHECKING

from detectors.errors import PiisweepError

if TYPE_CHECKING:  # only in annotations: both modules raise StorageError
    from jobs.storage.locations import Location
    from jobs.storage.settings import S3Settings


class StorageError(PiisweepError):
    """A storage operation failed for a reason the operator can act on.

    ``str(err)`` is the one-line message; ``uri`` names the culprit and ``reason`` is a short
    phrase (``"bucket does not exist"``, ``"access denied: AccessDenied"``) that callers can
    embed in their own message, as :func:`check_writable` does.
    """

    def __init__(self, message: str, *, uri: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.uri = uri
        self.reason = reason or message


_CREDENTIALS_HINT = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role"


_AWS_DENIED = {
    "AccessDenied",
    "403",
    "Forbidden",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AccountProblem",
    "KMS.AccessDeniedException",
}
_AWS_MISSING = {"NoSuchKey", "404", "NotFound", "NoSuchUpload"}
_ARROW_AWS_CODE = re.compile(r"AWS Error \[?(?:code \d+)?\]?\s*([A-Z_]+)")


def classify(exc: BaseException) -> tuple[str, str]:
    """``(kind, code)`` for a storage exception; kind is one of ``missing``, ``no_bucket``,
    ``credentials``, ``denied``, ``unreachable``, ``other``. Only codes and class names come
    out, never the library's message text."""
    from boto3.exceptions import S3UploadFailedError
    from botocore import exceptions as bexc

    if isinstance(exc, S3UploadFailedError) and exc.__context__ is not None:
        exc = exc.__context__
    if isinstance(
        exc,
        bexc.NoCredentialsError
        | bexc.PartialCredentialsError
        | bexc.CredentialRetrievalError
        | bexc.ProfileNotFound,
    ):
        return "credentials", type(exc).__name__
    if isinstance(
        exc,
        bexc.EndpointConnectionError
        | bexc.ConnectTimeoutError
        | bexc.ConnectionClosedError
        | bexc.ReadTimeoutError,
    ):
        return "unreachable", type(exc).__name__
    if isinstance(exc, bexc.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "")) or type(exc).__name__
        if code == "NoSuchBucket":
            return "no_bucket", code
        if code in _AWS_MISSING:
            return "missing", code
        if code in _AWS_DENIED:
            return "denied", code
        return "other", code
    if isinstance(exc, OSError):
        # Local errors: the errno name (EACCES, EROFS, ENOSPC) says more than the class.
        code = errno_mod.errorcode.get(exc.errno or 0, type(exc).__name__)
        if isinstance(exc, FileNotFoundError):
            return "missing", code
        if isinstance(exc, PermissionError):
            return "denied", code
        found = _ARROW_AWS_CODE.search(str(exc))
        if found:  # pyarrow's S3 errors carry the AWS SDK's error enum
            code = found.group(1)
            if code == "NO_SUCH_BUCKET":
                return "no_bucket", code
            if code in ("NO_SUCH_KEY", "RESOURCE_NOT_FOUND"):
                return "missing", code
            if code in ("ACCESS_DENIED", "INVALID_ACCESS_KEY_ID", "SIGNATURE_DOES_NOT_MATCH"):
                return "denied", code
            if code in ("NETWORK_CONNECTION", "REQUEST_TIMEOUT"):
                return "unreachable", code
            return "other", code
        if exc.errno == errno_mod.ENOENT:
            return "missing", code
        if exc.errno in (errno_mod.EACCES, errno_mod.EPERM, errno_mod.EROFS):
            return "denied", code
        return "other", code
    return "other", type(exc).__name__


def storage_error(exc: BaseException, loc: Location, s3: S3Settings, what: str) -> StorageError:
    """Turn a library exception about ``loc`` into a one-line :class:`StorageError`.

    ``what`` names the role of the location in a "not found" message (``source``,
    ``object``, ``destination``).
    """
    if isinstance(exc, StorageError):
        return exc
    kind, code = classify(exc)
    uri = loc.uri
    if kind == "missing":
        return StorageError(f"{what} not found: {uri}", uri=uri, reason="not found")
    if kind == "no_bucket":
        return StorageError(
            f"{what} not found: {uri} (bucket {loc.netloc} does not exist)",
            uri=uri,
            reason="bucket does not exist",
        )
    if kind == "credentials":
        return StorageError(
            f"no AWS credentials found for {uri}: {_CREDENTIALS_HINT}",
            uri=uri,
            reason=f"no AWS credentials ({code})",
        )
    if kind == "denied":
        return StorageError(
            f"access denied: {uri} ({code})", uri=uri, reason=f"access denied: {code}"
        )
    if kind == "unreachable":
        endpoint = s3.endpoint_label if loc.scheme == "s3" else f"{loc.scheme}://{loc.netloc}"
        return StorageError(
            f"storage endpoint unreachable: {endpoint} (while accessing {uri}; {code})",
            uri=uri,
            reason=f"endpoint unreachable: {endpoint}",
        )
    return StorageError(f"storage operation failed on {uri} ({code})", uri=uri, reason=code)
