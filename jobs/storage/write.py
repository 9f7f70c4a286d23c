"""Writing objects atomically: a temporary sibling renamed into place on local disks and
HDFS, single or multipart uploads with server-side encryption on S3."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from typing import Any

import pyarrow.fs as pafs

from jobs.storage.clients import filesystem, s3_client
from jobs.storage.errors import StorageError, storage_error
from jobs.storage.locations import Location, as_location
from jobs.storage.settings import S3Settings, Sse, sse_args

COPY_CHUNK = 8 << 20


def require_object(loc: Location) -> None:
    if loc.is_root:
        raise StorageError(f"not an object location: {loc.uri}", uri=loc.uri)


def _tmp_sibling(path: str) -> str:
    """A temporary name next to ``path``: same directory, so the final rename stays on one
    filesystem; a leading dot, so crawlers and Spark skip it if a crash leaves it behind."""
    head, _, tail = path.rpartition("/")
    return f"{head}/.{tail}.tmp-{secrets.token_hex(6)}"


def write_local_atomic(path: str, copy: Callable[[Any], None]) -> None:
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


def write_fs_atomic(fs: pafs.FileSystem, path: str, copy: Callable[[Any], None]) -> None:
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
    loc = as_location(uri)
    require_object(loc)
    if not os.path.isfile(local_path):
        raise StorageError(f"local file to upload not found: {local_path}", uri=local_path)

    def copy(out: Any) -> None:
        with open(local_path, "rb") as src:
            while chunk := src.read(COPY_CHUNK):
                out.write(chunk)

    def put(client: Any) -> None:
        client.upload_file(local_path, loc.netloc, loc.key, ExtraArgs=sse_args(sse) or None)

    _write(loc, s3, put, copy)


def write_bytes(data: bytes, uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Write ``data`` to ``uri`` (overwriting), with the guarantees of :func:`write_file`."""
    loc = as_location(uri)
    require_object(loc)

    def copy(out: Any) -> None:
        out.write(data)

    def put(client: Any) -> None:
        client.put_object(Bucket=loc.netloc, Key=loc.key, Body=data, **sse_args(sse))

    _write(loc, s3, put, copy)


def _write(
    loc: Location, s3: S3Settings, put: Callable[[Any], None], copy: Callable[[Any], None]
) -> None:
    """One write, by store: ``put`` with the S3 client, else ``copy`` into an atomically
    renamed temporary file (local disk, HDFS); any failure as one StorageError."""
    try:
        if loc.scheme == "s3":
            put(s3_client(s3))
        elif loc.scheme == "file":
            write_local_atomic(loc.path, copy)
        else:
            fs, path = filesystem(loc, s3)
            write_fs_atomic(fs, path, copy)
    except Exception as exc:
        raise storage_error(exc, loc, s3, "destination") from None
