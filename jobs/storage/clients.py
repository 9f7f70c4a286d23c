"""Per-process clients and filesystems (boto3 S3 clients, pyarrow S3/HDFS/local
filesystems), cached; a forked child (a Spark Python worker) starts with empty caches,
because an HTTP connection pool must not be shared across a fork."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from jobs.storage.errors import StorageError
from jobs.storage.locations import Location
from jobs.storage.settings import S3Settings

#: Threads listing first-level S3 prefixes in parallel; S3 scales per prefix, and eight
#: concurrent paginators already saturate one driver's listing throughput in practice.
LIST_FANOUT_WORKERS = 8

_HDFS_HINT = (
    "an HDFS client needs a JVM (JAVA_HOME), libhdfs.so (ARROW_LIBHDFS_DIR or HADOOP_HOME) "
    "and CLASSPATH=$(hadoop classpath --glob)"
)


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
