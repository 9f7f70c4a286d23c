"""Storage: the one module that knows about local files, S3 and HDFS.

Every other part of piisweep speaks in URIs (``file:///abs/path``, ``s3://bucket/key``,
``hdfs://host:port/path``) and calls the functions here, so that adding a store, changing how
credentials or encryption work, or fixing an endpoint quirk happens in one place.

Why two client libraries:

* **boto3** for S3 listing, writing and housekeeping. Listing needs ``ListObjectsV2``
  paginators and a parallel fan-out, uploads need server-side encryption arguments
  (``ServerSideEncryption``, ``SSEKMSKeyId``) that pyarrow's S3 filesystem cannot set, and
  botocore's exceptions carry the S3 error code we turn into one clear operator message.
* **pyarrow filesystems** for reading (random access for byte ranges and Parquet row groups,
  C++ I/O without the GIL) and for everything on local disks and HDFS.

Settings and credentials: :class:`S3Settings` (endpoint and region) is resolved once on the
Spark driver and shipped to tasks inside the plan; it holds no secret. Credentials are never
passed around: every process (driver, executor, notebook kernel) resolves them through the
standard AWS chain (environment, profile, web identity, instance role), so they are not
pickled into task closures, not shown in the Spark UI and not logged.

Errors: operator mistakes (missing source, missing bucket, no credentials, access denied,
endpoint unreachable, read-only output) become a :class:`StorageError` whose message is one
line naming the URI or endpoint and the error class or code. Messages never carry a
library's raw error text (it may quote request details) nor any object content.

Clients and filesystems are cached per process; forked children (Spark Python workers)
start with empty caches because an HTTP connection pool must not be shared across a fork.
"""

from __future__ import annotations

import contextlib
import errno as errno_mod
import fnmatch
import io
import logging
import os
import posixpath
import re
import secrets
import shutil
import stat as stat_mod
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from detectors.errors import PiisweepError

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
READ_BLOCK_ENV = "PIISWEEP_S3_READ_BLOCK_MB"
DEFAULT_READ_BLOCK = 8 << 20
#: Threads listing first-level S3 prefixes in parallel; S3 scales per prefix, and eight
#: concurrent paginators already saturate one driver's listing throughput in practice.
LIST_FANOUT_WORKERS = 8
#: Name of the object :func:`check_writable` writes and deletes again.
WRITE_PROBE_NAME = "_piisweep_write_probe"
_S3_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request
_COPY_CHUNK = 8 << 20

_SCHEMES = {"file": "file", "s3": "s3", "s3a": "s3", "s3n": "s3", "hdfs": "hdfs"}
_URI_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)
_HDFS_HINT = (
    "an HDFS client needs a JVM (JAVA_HOME), libhdfs.so (ARROW_LIBHDFS_DIR or HADOOP_HOME) "
    "and CLASSPATH=$(hadoop classpath --glob)"
)
_CREDENTIALS_HINT = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role"


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


# --------------------------------------------------------------------------------------------
# Locations


@dataclass(frozen=True)
class Location:
    """A parsed, normalised storage location.

    ``scheme`` is ``file``, ``s3`` or ``hdfs``; ``netloc`` is empty for files, the bucket for
    S3 and ``host:port`` (or empty for the cluster's default namenode) for HDFS; ``path``
    always starts with ``/`` and has no trailing slash except at the root. S3 keys are kept
    literally (no ``..`` or ``//`` folding: both are legal in keys); local and HDFS paths are
    normalised like POSIX paths.
    """

    scheme: str
    netloc: str
    path: str

    @property
    def uri(self) -> str:
        """Canonical text form; ``parse_uri(loc.uri) == loc``."""
        return f"{self.scheme}://{self.netloc}{self.path}"

    @property
    def key(self) -> str:
        """The path without its leading slash: the S3 object key (empty at a bucket root)."""
        return self.path[1:]

    @property
    def name(self) -> str:
        """Last path component; empty at a root."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> Location:
        """The enclosing directory or prefix; a root is its own parent."""
        if self.path == "/":
            return self
        return Location(self.scheme, self.netloc, self.path.rsplit("/", 1)[0] or "/")

    @property
    def is_root(self) -> bool:
        return self.path == "/"

    def join(self, *parts: str) -> Location:
        """Append path components. Parts may contain ``/``; leading, trailing and empty
        components are ignored, so ``join("a/", "/b")`` is ``…/a/b``."""
        segments = [seg for part in parts for seg in part.split("/") if seg]
        if not segments:
            return self
        path = self.path.rstrip("/") + "/" + "/".join(segments)
        if self.scheme != "s3":
            path = _normalise_posix(path)
        return Location(self.scheme, self.netloc, path)

    def __str__(self) -> str:
        return self.uri


def _normalise_posix(path: str) -> str:
    path = posixpath.normpath("/" + path.lstrip("/"))
    return "/" + path.lstrip("/")  # normpath keeps a leading "//"


def parse_uri(text: str) -> Location:
    """Parse a URI or a plain local path into a :class:`Location`.

    Plain paths (relative, absolute or ``~``) become absolute ``file://`` locations, resolved
    against the current directory of the process that parses them: parse on the driver and
    ship the URI, never the relative path. ``s3a://`` and ``s3n://`` (Hadoop's names) are
    the same store as ``s3://``. Any other scheme raises :class:`StorageError` naming it.
    """
    if not isinstance(text, str) or not text.strip():
        raise StorageError(f"empty storage location: {text!r}", uri=str(text))
    match = _URI_RE.match(text)
    if match is None:
        if text.startswith("file:"):  # Hadoop's single-slash form file:/abs/path
            rest = text[len("file:") :]
            if not rest.startswith("/"):
                raise StorageError(f"file URI must hold an absolute path: {text}", uri=text)
            return Location("file", "", _normalise_posix(rest))
        return Location("file", "", _normalise_posix(os.path.abspath(os.path.expanduser(text))))
    raw_scheme, rest = match.group(1), match.group(2)
    scheme = _SCHEMES.get(raw_scheme.lower())
    if scheme is None:
        raise StorageError(
            f"unsupported storage scheme {raw_scheme!r} in {text} "
            "(supported: file://, s3:// (s3a://, s3n://), hdfs://)",
            uri=text,
        )
    netloc, _, path = rest.partition("/")
    path = "/" + path
    if scheme == "file":
        if netloc not in ("", "localhost"):
            raise StorageError(f"file URI with a remote host is not supported: {text}", uri=text)
        return Location("file", "", _normalise_posix(path))
    if scheme == "s3":
        if not netloc:
            raise StorageError(f"S3 URI without a bucket: {text}", uri=text)
        return Location("s3", netloc, path.rstrip("/") or "/")
    return Location("hdfs", netloc, _normalise_posix(path))


def _loc(uri: str | Location) -> Location:
    return uri if isinstance(uri, Location) else parse_uri(uri)


# --------------------------------------------------------------------------------------------
# Settings


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


def _sse_args(sse: Sse | None) -> dict[str, str]:
    return sse.extra_args() if sse is not None else {}


# --------------------------------------------------------------------------------------------
# Per-process clients


_cache_lock = threading.Lock()
_fs_cache: dict[tuple[Any, ...], pafs.FileSystem] = {}
_client_cache: dict[S3Settings, Any] = {}


def clear_caches() -> None:
    """Forget cached filesystems and boto3 clients, e.g. after credentials changed in a
    long-lived notebook kernel (a client keeps the credentials it resolved first)."""
    with _cache_lock:
        _fs_cache.clear()
        _client_cache.clear()


def _after_fork_in_child() -> None:
    global _cache_lock
    _cache_lock = threading.Lock()  # the parent may have held it at fork time
    _fs_cache.clear()
    _client_cache.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def s3_client(s3: S3Settings) -> Any:
    """A boto3 S3 client for these settings, cached per process (clients are thread-safe;
    creating one costs tens of milliseconds and a credential lookup)."""
    with _cache_lock:
        client = _client_cache.get(s3)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                region_name=s3.region,
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
                max_pool_connections=max(10, 2 * LIST_FANOUT_WORKERS),
                # Custom endpoints (MinIO, Ceph, moto, VPC endpoints by IP) need path-style
                # addressing; pyarrow uses path style with an endpoint override too.
                s3={"addressing_style": "path"} if s3.endpoint_url else None,
            )
            client = boto3.session.Session().client(
                "s3", endpoint_url=s3.endpoint_url, region_name=s3.region, config=config
            )
            _client_cache[s3] = client
        return client


def filesystem(loc: Location, s3: S3Settings) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem for ``loc`` and the path within it (``bucket/key`` on S3).

    Filesystems are cached per process, keyed by scheme, netloc and settings.
    """
    if loc.scheme == "file":
        return _cached_fs(("file",), pafs.LocalFileSystem), loc.path
    if loc.scheme == "s3":
        path = loc.netloc + ("/" + loc.key if loc.key else "")
        if s3.endpoint_url:
            return _cached_fs(("s3", "", s3), lambda: _make_s3_fs(s3, s3.region)), path
        # On AWS itself a bucket lives in one region and pyarrow does not follow S3's
        # region redirects, so resolve each bucket's region once.
        return _cached_fs(
            ("s3", loc.netloc, s3), lambda: _make_s3_fs(s3, _bucket_region(loc.netloc, s3))
        ), path
    if loc.scheme == "hdfs":
        return _cached_fs(("hdfs", loc.netloc), lambda: _make_hdfs_fs(loc)), loc.path
    raise StorageError(f"unsupported storage scheme in {loc.uri}", uri=loc.uri)


def _cached_fs(key: tuple[Any, ...], make: Callable[[], pafs.FileSystem]) -> pafs.FileSystem:
    with _cache_lock:
        fs = _fs_cache.get(key)
        if fs is None:
            fs = _fs_cache[key] = make()
        return fs


def _bucket_region(bucket: str, s3: S3Settings) -> str:
    try:
        return str(pafs.resolve_s3_region(bucket))
    except (OSError, ValueError):
        return s3.region


def _make_s3_fs(s3: S3Settings, region: str) -> pafs.FileSystem:
    kwargs: dict[str, Any] = {"region": region}
    scheme = "https"
    if s3.endpoint_url:
        parts = urlsplit(s3.endpoint_url)
        scheme = parts.scheme
        kwargs["endpoint_override"] = parts.netloc + parts.path.rstrip("/")
        kwargs["scheme"] = scheme
    # boto3 honours AWS_CA_BUNDLE but the AWS C++ SDK does not; pass it on so both trust the
    # same private CA (MinIO or a TLS-inspecting proxy).
    ca_bundle = os.environ.get("AWS_CA_BUNDLE")
    if scheme == "https" and ca_bundle and os.path.isfile(ca_bundle):
        kwargs["tls_ca_file_path"] = ca_bundle
    return pafs.S3FileSystem(**kwargs)


def _make_hdfs_fs(loc: Location) -> pafs.FileSystem:
    host, _, port = loc.netloc.partition(":")
    try:
        return pafs.HadoopFileSystem(host or "default", int(port) if port else 0)
    except ValueError:
        raise StorageError(f"bad HDFS port in {loc.uri}", uri=loc.uri) from None
    except OSError as exc:
        text = str(exc)
        if "libjvm" in text:
            why = "libjvm not found"
        elif "libhdfs" in text:
            why = "libhdfs not found"
        else:
            why = f"cannot connect to the namenode: {type(exc).__name__}"
        raise StorageError(
            f"HDFS unavailable for {loc.uri} ({why}): {_HDFS_HINT}",
            uri=loc.uri,
            reason=f"HDFS unavailable: {why}",
        ) from None


# --------------------------------------------------------------------------------------------
# Error mapping

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


def _classify(exc: BaseException) -> tuple[str, str]:
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


def _error(exc: BaseException, loc: Location, s3: S3Settings, what: str) -> StorageError:
    """Turn a library exception about ``loc`` into a one-line :class:`StorageError`.

    ``what`` names the role of the location in a "not found" message (``source``,
    ``object``, ``destination``).
    """
    if isinstance(exc, StorageError):
        return exc
    kind, code = _classify(exc)
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


# --------------------------------------------------------------------------------------------
# Crawl


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object: the manifest's identity and change fingerprint.

    ``mtime_ms`` is milliseconds since the epoch; ``etag`` is the S3 ETag without quotes
    (``None`` on local disks and HDFS, where size and mtime are the fingerprint).
    """

    uri: str
    size: int
    mtime_ms: int
    etag: str | None
    # Set for a listed entry no task may open (a symbolic link the crawl does not follow,
    # a directory it cannot list): the scan reports it as skipped with this reason and
    # never reads it.
    skip_reason: str | None = None
    # Local files: the real path the crawl resolved and the file's (device, inode). A task
    # opens the real path without following links and checks the inode (open_pinned), so
    # a link repointed after the crawl (at a key file, say) is never read. Not part of the
    # object's identity.
    real_path: str | None = field(default=None, compare=False)
    dev: int | None = field(default=None, compare=False)
    ino: int | None = field(default=None, compare=False)


def _hidden_part(part: str) -> bool:
    """One path component that Spark's rule hides (see :func:`_is_hidden`)."""
    if part in ("", ".", ".."):
        return False
    return (
        part.startswith(".")
        or (part.startswith("_") and "=" not in part)
        or part.endswith("._COPYING_")
    )


def _is_hidden(relpath: str) -> bool:
    """Spark's rule for bookkeeping files, applied to every component below the source:
    ``_SUCCESS``, ``_temporary/``, ``.crc``, ``.hive-staging`` and files Hadoop is still
    copying (``…._COPYING_``). ``_col=v`` partition directories are data. An S3 key's
    ``.``, ``..`` or empty segment (``a/../b``, ``a//b``) is not bookkeeping: such keys are
    listed, and the scan reports them as skipped with a reason instead of losing them."""
    return any(_hidden_part(part) for part in relpath.split("/"))


def bookkeeping_reason(name: str, directory: bool) -> str:
    """The manifest's reason for a path the crawl does not read by Spark's rule. Every such
    reason starts with ``bookkeeping `` (:func:`is_bookkeeping`)."""
    copying = name.endswith("._COPYING_") and not name.startswith(("_", "."))
    rule = "name ends in ._COPYING_" if copying else "name starts with _ or ."
    kind = "directory" if directory else "file"
    return f"bookkeeping {kind} ({rule}, Spark's rule): not scanned"


def is_bookkeeping(reason: str | None) -> bool:
    """Whether a skip reason is Spark's bookkeeping convention (listed, deliberately not
    read), as opposed to something the scan could not read."""
    return reason is not None and reason.startswith("bookkeeping ")


def _hidden_entry(relpath: str, is_dir: bool) -> tuple[str, bool] | None:
    """``None`` when ``relpath`` (below a source) is data; otherwise the one manifest row
    that stands for it: its relative path and whether it is a directory. A path under a
    hidden directory is that directory's row (``_temporary/0/x`` -> ``_temporary``), so a
    failed job's thousand staged parts are one row, not a thousand."""
    parts = relpath.split("/")
    for i, part in enumerate(parts):
        if _hidden_part(part):
            return "/".join(parts[: i + 1]), is_dir or i < len(parts) - 1
    return None


def _bookkeeping_dir(uri: str, name: str) -> ObjectInfo:
    """The row of a hidden directory or prefix: its URI ends in ``/``; nothing under it is
    listed as a row of its own."""
    reason = bookkeeping_reason(name, directory=True)
    return ObjectInfo(uri.rstrip("/") + "/", 0, 0, None, skip_reason=reason)


def _selected(relpath: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    name = relpath.rsplit("/", 1)[-1]

    def matches(patterns: Sequence[str]) -> bool:
        return any(
            fnmatch.fnmatchcase(relpath, p) or fnmatch.fnmatchcase(name, p) for p in patterns
        )

    if include and not matches(include):
        return False
    return not (exclude and matches(exclude))


def crawl(
    sources: Sequence[str],
    s3: S3Settings,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_links_outside: bool = False,
) -> list[ObjectInfo]:
    """Every object under ``sources``, sorted by URI and deduplicated.

    A source is one object or a directory/prefix (listed recursively). Below a directory
    source, bookkeeping paths (a path component starting with ``_`` or ``.``, Spark's rule)
    are not read but not lost either: each comes back with ``skip_reason`` set
    (:func:`bookkeeping_reason`), a hidden file as itself and a hidden directory or prefix
    as one entry whose URI ends in ``/`` (nothing under it is listed separately). S3
    directory markers are not objects and are dropped. An object named explicitly is
    always taken, and wins over a skipped entry of the same URI from another source; a
    hidden directory named as a source is walked, and its entry from a parent source is
    dropped.
    ``include`` / ``exclude`` are ``fnmatch`` globs tried against the path relative to the
    source and against the base name (``*.log`` and ``2024/*/app-*.log`` both work), for
    skipped entries too (a directory's path without its ``/``); with ``include``, only
    matching entries are kept. A source that does not exist is an operator error
    (:class:`StorageError` ``source not found: …``), not an empty scan.

    Local directories are walked by :func:`_crawl_local`, which does not trust symbolic
    links: see there. Entries it will not follow come back with ``skip_reason`` set.
    """
    found: dict[str, ObjectInfo] = {}
    walked: set[str] = set()  # sources, as a directory entry's URI would name them
    for source in sources:
        loc = parse_uri(source)
        walked.add(loc.uri.rstrip("/") + "/")
        if loc.scheme == "s3":
            listed = _crawl_s3(loc, s3)
        elif loc.scheme == "file" and os.path.isdir(loc.path):
            listed = _crawl_local(loc, follow_links_outside)
        else:
            listed = _crawl_fs(loc, s3)
        kept = skipped = 0
        for relpath, info in listed:
            if not _selected(relpath, include, exclude):
                continue
            if info.skip_reason:
                skipped += 1
                earlier = found.get(info.uri)
                if earlier is not None and not earlier.skip_reason:
                    continue  # named explicitly by another source: it is read
            else:
                kept += 1
            found[info.uri] = info
        log.info("crawled %s: %d objects selected, %d entries not read", loc.uri, kept, skipped)
    return sorted(
        (o for o in found.values() if not (is_bookkeeping(o.skip_reason) and o.uri in walked)),
        key=lambda o: o.uri,
    )


def _crawl_fs(loc: Location, s3: S3Settings) -> list[tuple[str, ObjectInfo]]:
    fs, path = filesystem(loc, s3)
    try:
        top = fs.get_file_info(path)
        if top.type == pafs.FileType.NotFound:
            raise StorageError(f"source not found: {loc.uri}", uri=loc.uri, reason="not found")
        if top.type == pafs.FileType.File:
            return [(loc.name, _fs_info(loc, top))]
        infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    except (OSError, StorageError) as exc:
        raise _error(exc, loc, s3, "source") from None
    base = path.rstrip("/") + "/"
    out = []
    # The recursive listing has already walked hidden directories (pyarrow cannot prune
    # it); what is under one is folded into that directory's single entry.
    hidden: dict[tuple[str, bool], tuple[str, ObjectInfo]] = {}
    for info in infos:
        child = _fs_path(info.path)
        relpath = child[len(base) :] if child.startswith(base) else child.rsplit("/", 1)[-1]
        entry = _hidden_entry(relpath, info.type == pafs.FileType.Directory)
        if entry is None:
            if info.type == pafs.FileType.File:
                out.append((relpath, _fs_info(Location(loc.scheme, loc.netloc, child), info)))
            continue
        rel, is_dir = entry
        if (rel, is_dir) in hidden:
            continue
        at = Location(loc.scheme, loc.netloc, child[: len(child) - len(relpath)] + rel)
        if is_dir:
            hidden[rel, True] = (rel, _bookkeeping_dir(at.uri, at.name))
        else:
            reason = bookkeeping_reason(at.name, directory=False)
            hidden[rel, False] = (rel, replace(_fs_info(at, info), skip_reason=reason))
    return out + list(hidden.values())


def _crawl_local(loc: Location, follow_outside: bool) -> list[tuple[str, ObjectInfo]]:
    """A local directory walked without trusting symbolic links (pyarrow's recursive
    listing follows them: a loop of two links grew a crawl without end, one link listed a
    file dozens of times, and a link to a key file copied the keys into the output).

    Real directories are walked first, then links, so a file reached both ways is listed
    under its real path. Each directory (by real path) is walked once and each file reached
    through a link is listed once; a link is followed only when its target lies inside the
    source root and is not hidden there (``g -> .git``), unless ``follow_outside``
    (``follow_symlinks_outside`` in conf/scan.yaml). A link that is not followed is returned
    with ``skip_reason``: broken, a loop or a directory already listed, a file already
    listed, hidden, or pointing outside the source root. Paths are compared after
    ``realpath``, so ``..`` inside a link cannot escape the check.

    Bookkeeping entries (Spark's rule, :func:`_is_hidden`) are returned with
    ``skip_reason`` and never opened: a hidden file as itself, a hidden directory as one
    entry (its URI ends in ``/``) that is not descended into. A hidden symbolic link is
    a file entry and is not followed.

    A lake changes while it is crawled: a file rotated away between the listing and its
    ``stat`` is dropped (it no longer exists to scan), and a directory that cannot be
    listed (permissions) is returned with ``skip_reason`` instead of aborting the crawl.
    Only the source root itself failing to list is an error. Every file carries its real
    path and (device, inode), which its task checks when it opens it.
    """
    root = loc.path.rstrip("/") or "/"
    real_root = os.path.realpath(root)
    seen_dirs = {real_root}
    seen_files: set[tuple[int, int]] = set()  # every file listed
    linked_files: set[tuple[int, int]] = set()  # those listed through a link
    out: list[tuple[str, ObjectInfo]] = []
    # (path as listed, its real path, relpath prefix)
    dirs: list[tuple[str, str, str]] = [(root, real_root, "")]
    links: list[tuple[str, str]] = []

    def skip(path: str, relpath: str, reason: str) -> None:
        info = ObjectInfo(Location("file", "", path).uri, 0, 0, None, skip_reason=reason)
        out.append((relpath, info))

    def inside(target: str) -> bool:
        return target == real_root or target.startswith(real_root.rstrip("/") + "/")

    def listed(path: str, relpath: str, real: str, st: os.stat_result) -> None:
        seen_files.add((st.st_dev, st.st_ino))
        info = ObjectInfo(
            Location("file", "", path).uri,
            st.st_size,
            st.st_mtime_ns // 10**6,
            None,
            real_path=real,
            dev=st.st_dev,
            ino=st.st_ino,
        )
        out.append((relpath, info))

    def code(exc: OSError) -> str:
        return errno_mod.errorcode.get(exc.errno or 0, type(exc).__name__)

    def bookkeeping(entry: os.DirEntry[str], relpath: str) -> None:
        """A hidden entry: listed with its reason, never opened, never descended into."""
        uri = Location("file", "", entry.path).uri
        if entry.is_dir(follow_symlinks=False):
            out.append((relpath, _bookkeeping_dir(uri, entry.name)))
            return
        st = entry.stat(follow_symlinks=False)
        size = st.st_size if stat_mod.S_ISREG(st.st_mode) else 0
        reason = bookkeeping_reason(entry.name, directory=False)
        info = ObjectInfo(uri, size, st.st_mtime_ns // 10**6, None, skip_reason=reason)
        out.append((relpath, info))

    def follow(path: str, relpath: str) -> None:
        """One symbolic link: followed, or skipped with a reason."""
        target = os.path.realpath(path)
        if not os.path.exists(target):
            skip(path, relpath, "symbolic link is broken")
        elif not inside(target) and not follow_outside:
            skip(path, relpath, "symbolic link points outside the source root (not followed)")
        elif inside(target) and target != real_root and _is_hidden(target[len(real_root) + 1 :]):
            # `g -> .git`: what the walk hides must stay hidden when reached through a link.
            skip(path, relpath, "symbolic link points to a hidden path (not followed)")
        elif os.path.isdir(target):
            if target in seen_dirs:
                skip(path, relpath, "symbolic link loop or directory already listed")
            else:
                seen_dirs.add(target)
                dirs.append((path, target, relpath + "/"))
        elif os.path.isfile(target):
            st = os.stat(target, follow_symlinks=False)
            if (st.st_dev, st.st_ino) in seen_files:
                skip(path, relpath, "symbolic link to a file already listed")
            else:
                linked_files.add((st.st_dev, st.st_ino))
                listed(path, relpath, target, st)
        else:
            skip(path, relpath, "symbolic link to something that is not a file or directory")

    while dirs or links:
        if dirs:
            here, real_here, prefix = dirs.pop()
            try:
                entries = sorted(os.scandir(here), key=lambda e: e.name)
            except OSError as exc:
                if not prefix:  # the source itself: an operator error
                    raise _error(exc, loc, S3Settings(), "source") from None
                skip(here, prefix.rstrip("/"), f"directory cannot be listed ({code(exc)})")
                continue
            for entry in entries:
                relpath = prefix + entry.name
                real = posixpath.join(real_here, entry.name)
                try:
                    if _is_hidden(relpath):
                        bookkeeping(entry, relpath)
                    elif entry.is_symlink():
                        links.append((entry.path, relpath))
                    elif entry.is_dir(follow_symlinks=False):
                        if real not in seen_dirs:  # else walked already, through a link
                            seen_dirs.add(real)
                            dirs.append((entry.path, real, relpath + "/"))
                    elif entry.is_file(follow_symlinks=False):
                        # Hard links are names in the tree like any other and are all
                        # listed; only files already listed through a link are skipped.
                        st = entry.stat(follow_symlinks=False)
                        if (st.st_dev, st.st_ino) not in linked_files:
                            listed(entry.path, relpath, real, st)
                except FileNotFoundError:
                    continue  # removed since the listing: nothing left to scan
                except OSError as exc:
                    skip(entry.path, relpath, f"cannot be read ({code(exc)})")
            continue
        path, relpath = links.pop(0)
        try:
            follow(path, relpath)
        except FileNotFoundError:
            continue
        except OSError as exc:
            skip(path, relpath, f"cannot be read ({code(exc)})")
    return out


def _fs_path(path: str) -> str:
    """HDFS listings may return full ``hdfs://host:port/path`` strings; keep the path."""
    return urlsplit(path).path if "://" in path else path


def _fs_info(loc: Location, info: pafs.FileInfo) -> ObjectInfo:
    mtime_ns = info.mtime_ns or 0
    return ObjectInfo(loc.uri, int(info.size or 0), int(mtime_ns // 1_000_000), None)


def _s3_info(bucket: str, obj: dict[str, Any]) -> ObjectInfo:
    etag = obj.get("ETag")
    return ObjectInfo(
        uri=f"s3://{bucket}/{obj['Key']}",
        size=int(obj.get("Size", 0)),
        mtime_ms=int(obj["LastModified"].timestamp() * 1000),
        etag=etag.strip('"') if etag else None,
    )


def _s3_exact_object(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The listing entry of ``key`` itself, if it is an object.

    A listing with ``Prefix=key`` returns keys in byte order and ``key`` sorts before every
    longer key it prefixes, so one ``MaxKeys=1`` request answers the question with the same
    permission (ListBucket) the crawl needs anyway, unlike HEAD (which needs GetObject).
    """
    resp = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    contents = resp.get("Contents") or []
    return contents[0] if contents and contents[0]["Key"] == key else None


def _s3_walk(client: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents") or ()


def _crawl_s3(loc: Location, s3: S3Settings) -> list[tuple[str, ObjectInfo]]:
    """List one S3 source: the object itself, or everything under ``key/``.

    The first level is listed with ``Delimiter='/'``; each common prefix below it is then
    listed recursively by its own paginator on a small thread pool, so a bucket laid out as
    ``table/dt=…/part-…`` lists in parallel instead of one 1000-key page at a time.

    Bookkeeping (Spark's rule) is returned with ``skip_reason``: a hidden first-level
    prefix (``_temporary/``) is one entry and is never listed; deeper down, the keys under
    a hidden prefix (``dt=1/_temporary/0/…``) are folded into one entry for that prefix;
    a hidden object is an entry of its own.
    """
    client = s3_client(s3)
    bucket, key = loc.netloc, loc.key
    try:
        if key:
            exact = _s3_exact_object(client, bucket, key)
            if exact is not None:
                return [(loc.name, _s3_info(bucket, exact))]
        prefix = f"{key}/" if key else ""
        objects: list[dict[str, Any]] = []
        subprefixes: list[str] = []
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
            objects.extend(page.get("Contents") or ())
            subprefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes") or ())
        if not objects and not subprefixes:
            raise StorageError(f"source not found: {loc.uri}", uri=loc.uri, reason="not found")
        wanted, pruned = [], []  # pruned: hidden, reported as one entry each, never listed
        for p in subprefixes:
            (pruned if _is_hidden(p[len(prefix) :].rstrip("/")) else wanted).append(p)
        if wanted:
            workers = min(LIST_FANOUT_WORKERS, len(wanted))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="s3-list") as pool:
                for listed in pool.map(lambda p: list(_s3_walk(client, bucket, p)), wanted):
                    objects.extend(listed)
    except Exception as exc:
        raise _error(exc, loc, s3, "source") from None
    out = []
    # by (relative path, is a directory): a key `_x` and a prefix `_x/` are two entries
    hidden: dict[tuple[str, bool], tuple[str, ObjectInfo]] = {}
    for p in pruned:
        rel = p[len(prefix) :].rstrip("/")
        hidden[rel, True] = (rel, _bookkeeping_dir(f"s3://{bucket}/{p}", rel))
    for obj in objects:
        obj_key = obj["Key"]
        relpath = obj_key[len(prefix) :]
        entry = _hidden_entry(relpath, obj_key.endswith("/"))
        if entry is None:
            if not obj_key.endswith("/"):  # a directory marker is not an object
                out.append((relpath, _s3_info(bucket, obj)))
            continue
        rel, is_dir = entry
        if (rel, is_dir) in hidden:
            continue
        name = rel.rsplit("/", 1)[-1]
        if is_dir:
            hidden[rel, True] = (rel, _bookkeeping_dir(f"s3://{bucket}/{prefix}{rel}/", name))
        else:
            reason = bookkeeping_reason(name, directory=False)
            hidden[rel, False] = (rel, replace(_s3_info(bucket, obj), skip_reason=reason))
    return out + list(hidden.values())


# --------------------------------------------------------------------------------------------
# Reading


def open_input(uri: str, s3: S3Settings) -> pa.NativeFile:
    """A random-access file (seek, ``read_at``) for byte ranges and Parquet row groups.

    On S3 each read is a ranged GET, so a task reading one row group does not download the
    object. The caller closes it.
    """
    loc = _loc(uri)
    fs, path = filesystem(loc, s3)
    try:
        return fs.open_input_file(path)
    except OSError as exc:
        raise _error(exc, loc, s3, "object") from None


def open_sequential(uri: str, s3: S3Settings) -> Any:
    """:func:`open_input` for reading an object from start to end, with ``seek``: on S3 and
    HDFS, reads are served from a read-ahead block of ``s3.read_block`` bytes (one request
    per block) instead of one request per small read. Local files need no block."""
    raw = open_input(uri, s3)
    if _loc(uri).scheme == "file":
        return raw
    return io.BufferedReader(raw, buffer_size=s3.read_block)


CHANGED_SINCE_CRAWL = "file changed since the crawl"


def open_pinned(uri: str, real_path: str, dev: int, ino: int) -> pa.NativeFile:
    """The local file the crawl listed as ``uri``, and only that file.

    The crawl checked where a link pointed; opening the link's path later would follow it
    again, and a link repointed in between (``lake/a.log`` -> the key file) would be read
    and copied into the output. So the task opens the real path the crawl resolved, with
    ``O_NOFOLLOW`` (a link put in its place fails), and compares the open file's (device,
    inode) with the crawl's: a different file (a directory above swapped for a link, the
    file replaced) raises :class:`StorageError` "file changed since the crawl" and no byte
    of it is read. A file deleted since the crawl is "not found", as elsewhere."""
    loc = _loc(uri)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    changed = StorageError(f"{CHANGED_SINCE_CRAWL}: {uri}", uri=uri, reason=CHANGED_SINCE_CRAWL)
    try:
        fd = os.open(real_path, flags)
    except OSError as exc:
        if exc.errno == errno_mod.ELOOP:  # a link now stands where the file was
            raise changed from None
        raise _error(exc, loc, S3Settings(), "object") from None
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (dev, ino) or not stat_mod.S_ISREG(st.st_mode):
            raise changed
    except BaseException:
        os.close(fd)
        raise
    return pa.PythonFile(os.fdopen(fd, "rb"), mode="r")


def read_bytes(uri: str, s3: S3Settings) -> bytes:
    """The whole object; only for small objects (manifests, state, configs)."""
    loc = _loc(uri)
    with open_input(loc.uri, s3) as f:
        try:
            return bytes(f.read())
        except OSError as exc:
            raise _error(exc, loc, s3, "object") from None


# --------------------------------------------------------------------------------------------
# Writing


def _require_object(loc: Location) -> None:
    if loc.is_root:
        raise StorageError(f"not an object location: {loc.uri}", uri=loc.uri)


def _tmp_sibling(path: str) -> str:
    """A temporary name next to ``path``: same directory, so the final rename stays on one
    filesystem; a leading dot, so crawlers and Spark skip it if a crash leaves it behind."""
    head, _, tail = path.rpartition("/")
    return f"{head}/.{tail}.tmp-{secrets.token_hex(6)}"


def _write_local_atomic(path: str, copy: Callable[[Any], None]) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = _tmp_sibling(path)
    # O_EXCL with mode 0o666 leaves permissions to the umask, like any other file the job
    # writes (mkstemp would force 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            copy(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_fs_atomic(fs: pafs.FileSystem, path: str, copy: Callable[[Any], None]) -> None:
    """Write through a pyarrow filesystem (HDFS) to a temporary name, then rename.

    HDFS renames do not replace an existing file, so an existing destination (a retried
    task's earlier attempt) is deleted first; readers only ever see a complete file.
    """
    fs.create_dir(path.rsplit("/", 1)[0] or "/", recursive=True)
    tmp = _tmp_sibling(path)
    try:
        with fs.open_output_stream(tmp) as out:
            copy(out)
        if fs.get_file_info(path).type != pafs.FileType.NotFound:
            fs.delete_file(path)
        fs.move(tmp, path)
    except BaseException:
        try:
            if fs.get_file_info(tmp).type != pafs.FileType.NotFound:
                fs.delete_file(tmp)
        except OSError:
            pass
        raise


def write_file(local_path: str, uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Copy a finished local file to ``uri``, overwriting what is there.

    S3 uses boto3's managed upload (multipart above 8 MiB) with ``sse`` as
    ``ServerSideEncryption``/``SSEKMSKeyId``; a PUT is atomic on S3, so readers see the old or
    the new object. Local files are written to a hidden temporary sibling and renamed; HDFS
    likewise through pyarrow. Overwriting is deliberate: a retried Spark task writes the same
    deterministic name as its failed attempt.
    """
    loc = _loc(uri)
    _require_object(loc)
    if not os.path.isfile(local_path):
        raise StorageError(f"local file to upload not found: {local_path}", uri=local_path)

    def copy(out: Any) -> None:
        with open(local_path, "rb") as src:
            while chunk := src.read(_COPY_CHUNK):
                out.write(chunk)

    try:
        if loc.scheme == "s3":
            s3_client(s3).upload_file(
                local_path, loc.netloc, loc.key, ExtraArgs=_sse_args(sse) or None
            )
        elif loc.scheme == "file":
            _write_local_atomic(loc.path, copy)
        else:
            fs, path = filesystem(loc, s3)
            _write_fs_atomic(fs, path, copy)
    except Exception as exc:
        raise _error(exc, loc, s3, "destination") from None


def write_bytes(data: bytes, uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Write ``data`` to ``uri`` (overwriting), with the guarantees of :func:`write_file`."""
    loc = _loc(uri)
    _require_object(loc)

    def copy(out: Any) -> None:
        out.write(data)

    try:
        if loc.scheme == "s3":
            s3_client(s3).put_object(Bucket=loc.netloc, Key=loc.key, Body=data, **_sse_args(sse))
        elif loc.scheme == "file":
            _write_local_atomic(loc.path, copy)
        else:
            fs, path = filesystem(loc, s3)
            _write_fs_atomic(fs, path, copy)
    except Exception as exc:
        raise _error(exc, loc, s3, "destination") from None


# --------------------------------------------------------------------------------------------
# Housekeeping


def _s3_keys_under(client: Any, loc: Location, *, markers: bool) -> list[str]:
    """Keys of the object ``loc`` itself and of everything below ``loc/`` (not siblings
    that merely share the prefix, like ``out-old/`` next to ``out``)."""
    bucket, key = loc.netloc, loc.key
    keys = []
    if key and _s3_exact_object(client, bucket, key) is not None:
        keys.append(key)
    prefix = f"{key}/" if key else ""
    keys.extend(
        obj["Key"]
        for obj in _s3_walk(client, bucket, prefix)
        if markers or not obj["Key"].endswith("/")
    )
    return keys


def exists(uri: str, s3: S3Settings) -> bool:
    """True if ``uri`` is an object/file or a non-empty directory/prefix (or a bucket)."""
    loc = _loc(uri)
    try:
        if loc.scheme == "s3":
            return _s3_exists(loc, s3)
        fs, path = filesystem(loc, s3)
        return bool(fs.get_file_info(path).type != pafs.FileType.NotFound)
    except Exception as exc:
        raise _error(exc, loc, s3, "object") from None


def _s3_exists(loc: Location, s3: S3Settings) -> bool:
    from botocore.exceptions import ClientError

    client = s3_client(s3)
    try:
        if loc.is_root:
            client.head_bucket(Bucket=loc.netloc)
            return True
        client.head_object(Bucket=loc.netloc, Key=loc.key)
        return True
    except ClientError as exc:
        if _classify(exc)[0] not in ("missing", "no_bucket"):
            raise
    if loc.is_root:
        return False
    try:
        resp = client.list_objects_v2(Bucket=loc.netloc, Prefix=loc.key + "/", MaxKeys=1)
    except ClientError as exc:
        if _classify(exc)[0] == "no_bucket":
            return False
        raise
    return bool(resp.get("KeyCount") or resp.get("Contents"))


def list_files(prefix_uri: str, s3: S3Settings) -> list[str]:
    """URIs of all files under ``prefix_uri`` (recursive, sorted, hidden ones included);
    ``[uri]`` if it names one file; ``[]`` if nothing is there (or the bucket is missing)."""
    loc = _loc(prefix_uri)
    try:
        if loc.scheme == "s3":
            try:
                keys = _s3_keys_under(s3_client(s3), loc, markers=False)
            except Exception as exc:
                if _classify(exc)[0] == "no_bucket":
                    return []
                raise
            return sorted(f"s3://{loc.netloc}/{k}" for k in keys)
        fs, path = filesystem(loc, s3)
        top = fs.get_file_info(path)
        if top.type == pafs.FileType.NotFound:
            return []
        if top.type == pafs.FileType.File:
            return [loc.uri]
        infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
        return sorted(
            Location(loc.scheme, loc.netloc, _fs_path(i.path)).uri
            for i in infos
            if i.type == pafs.FileType.File
        )
    except Exception as exc:
        raise _error(exc, loc, s3, "prefix") from None


def delete_tree(prefix_uri: str, s3: S3Settings) -> None:
    """Delete ``prefix_uri`` and everything below it; nothing there is not an error.

    Refuses a filesystem or bucket root: no job of piisweep ever needs that, and a mistyped
    output option must not empty a bucket.
    """
    loc = _loc(prefix_uri)
    if loc.is_root:
        raise StorageError(
            f"refusing to delete a filesystem or bucket root: {loc.uri}", uri=loc.uri
        )
    try:
        if loc.scheme == "s3":
            _s3_delete_tree(loc, s3)
            return
        fs, path = filesystem(loc, s3)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            fs.delete_dir(path)
        elif info.type != pafs.FileType.NotFound:
            fs.delete_file(path)
    except Exception as exc:
        raise _error(exc, loc, s3, "prefix") from None


def _s3_delete_tree(loc: Location, s3: S3Settings) -> None:
    client = s3_client(s3)
    try:
        keys = _s3_keys_under(client, loc, markers=True)
    except Exception as exc:
        if _classify(exc)[0] == "no_bucket":
            return
        raise
    for start in range(0, len(keys), _S3_DELETE_BATCH):
        batch = keys[start : start + _S3_DELETE_BATCH]
        resp = client.delete_objects(
            Bucket=loc.netloc,
            Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
        )
        errors = resp.get("Errors") or []
        if errors:
            code = errors[0].get("Code", "unknown")
            raise StorageError(
                f"delete failed: {loc.uri} ({len(errors)} objects not deleted, {code})",
                uri=loc.uri,
                reason=f"delete failed: {code}",
            )


def move(src_uri: str, dst_uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Move one object within a store (overwriting the destination).

    S3 has no rename: a server-side copy (multipart for large objects, nothing passes through
    this process) with the same ``sse`` arguments as a write, then a delete of the source.
    Local files use ``os.replace`` (atomic), HDFS a rename.
    """
    src, dst = _loc(src_uri), _loc(dst_uri)
    _require_object(src)
    _require_object(dst)
    if src.scheme != dst.scheme or (src.scheme != "s3" and src.netloc != dst.netloc):
        raise StorageError(
            f"move across filesystems is not supported: {src.uri} -> {dst.uri}", uri=src.uri
        )
    if src.scheme == "s3":
        _s3_move(src, dst, s3, sse)
        return
    try:
        if src.scheme == "file":
            os.makedirs(os.path.dirname(dst.path), exist_ok=True)
            try:
                os.replace(src.path, dst.path)
            except OSError as exc:
                if exc.errno != errno_mod.EXDEV:
                    raise
                _write_local_atomic(dst.path, lambda out: _copy_from(src.path, out))
                os.unlink(src.path)
        else:
            fs, src_path = filesystem(src, s3)
            _, dst_path = filesystem(dst, s3)
            if fs.get_file_info(src_path).type == pafs.FileType.NotFound:
                raise FileNotFoundError(src_path)
            fs.create_dir(dst_path.rsplit("/", 1)[0] or "/", recursive=True)
            if fs.get_file_info(dst_path).type != pafs.FileType.NotFound:
                fs.delete_file(dst_path)
            fs.move(src_path, dst_path)
    except Exception as exc:
        raise _error(exc, src, s3, "object") from None


def _s3_move(src: Location, dst: Location, s3: S3Settings, sse: Sse | None) -> None:
    client = s3_client(s3)
    try:
        client.head_object(Bucket=src.netloc, Key=src.key)  # a clear "not found" first
    except Exception as exc:
        raise _error(exc, src, s3, "object") from None
    try:
        client.copy(
            {"Bucket": src.netloc, "Key": src.key},
            dst.netloc,
            dst.key,
            ExtraArgs=_sse_args(sse) or None,
        )
    except Exception as exc:
        raise _error(exc, dst, s3, "destination") from None
    try:
        client.delete_object(Bucket=src.netloc, Key=src.key)
    except Exception as exc:
        raise _error(exc, src, s3, "object") from None


def _delete_object(loc: Location, s3: S3Settings) -> None:
    """Delete one object or file (only the permission to delete it is needed, no listing)."""
    try:
        if loc.scheme == "s3":
            s3_client(s3).delete_object(Bucket=loc.netloc, Key=loc.key)
        else:
            fs, path = filesystem(loc, s3)
            fs.delete_file(path)
    except Exception as exc:
        raise _error(exc, loc, s3, "object") from None


def _copy_from(path: str, out: Any) -> None:
    with open(path, "rb") as src:
        shutil.copyfileobj(src, out, _COPY_CHUNK)


def check_writable(out_uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Fail fast, before any Spark work, if the output cannot be written.

    Writes and deletes ``<out>/_piisweep_write_probe`` with the same ``sse`` the job will
    use (a bucket policy may deny unencrypted or wrongly encrypted PUTs). A local output
    directory is created if missing, as the job would. Raises
    ``StorageError("output not writable: <uri> (<reason>)")``.
    """
    loc = _loc(out_uri)
    probe = loc.join(WRITE_PROBE_NAME)
    try:
        write_bytes(b"", probe.uri, s3, sse)
        _delete_object(probe, s3)
    except StorageError as exc:
        raise StorageError(
            f"output not writable: {loc.uri} ({exc.reason})", uri=loc.uri, reason=exc.reason
        ) from None
