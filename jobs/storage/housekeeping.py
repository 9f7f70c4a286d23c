"""Existence checks, listings, deletes and moves of outputs, and the write probe a scan
runs before Spark starts."""

from __future__ import annotations

import errno as errno_mod
import os
import shutil
from typing import Any

import pyarrow.fs as pafs

from jobs.storage.clients import filesystem, s3_client
from jobs.storage.crawl import fs_path, s3_exact_object, s3_walk
from jobs.storage.errors import StorageError, classify, storage_error
from jobs.storage.locations import Location, as_location, parse_uri
from jobs.storage.settings import S3Settings, Sse, sse_args
from jobs.storage.write import (
    COPY_CHUNK,
    require_object,
    write_bytes,
    write_file,
    write_local_atomic,
)

#: Name of the object :func:`check_writable` writes and deletes again.
WRITE_PROBE_NAME = "_piisweep_write_probe"

_S3_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request


def _s3_keys_under(client: Any, loc: Location, *, markers: bool) -> list[str]:
    """Keys of the object ``loc`` itself and of everything below ``loc/`` (not siblings
    that merely share the prefix, like ``out-old/`` next to ``out``)."""
    bucket, key = loc.netloc, loc.key
    keys = []
    if key and s3_exact_object(client, bucket, key) is not None:
        keys.append(key)
    prefix = f"{key}/" if key else ""
    keys.extend(
        obj["Key"]
        for obj in s3_walk(client, bucket, prefix)
        if markers or not obj["Key"].endswith("/")
    )
    return keys


def exists(uri: str, s3: S3Settings) -> bool:
    """True if ``uri`` is an object/file or a non-empty directory/prefix (or a bucket)."""
    loc = as_location(uri)
    try:
        if loc.scheme == "s3":
            return _s3_exists(loc, s3)
        fs, path = filesystem(loc, s3)
        return bool(fs.get_file_info(path).type != pafs.FileType.NotFound)
    except Exception as exc:
        raise storage_error(exc, loc, s3, "object") from None


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
        if classify(exc)[0] not in ("missing", "no_bucket"):
            raise
    if loc.is_root:
        return False
    try:
        resp = client.list_objects_v2(Bucket=loc.netloc, Prefix=loc.key + "/", MaxKeys=1)
    except ClientError as exc:
        if classify(exc)[0] == "no_bucket":
            return False
        raise
    return bool(resp.get("KeyCount") or resp.get("Contents"))


def list_files(prefix_uri: str, s3: S3Settings) -> list[str]:
    """URIs of all files under ``prefix_uri`` (recursive, sorted, hidden ones included);
    ``[uri]`` if it names one file; ``[]`` if nothing is there (or the bucket is missing)."""
    loc = as_location(prefix_uri)
    try:
        if loc.scheme == "s3":
            try:
                keys = _s3_keys_under(s3_client(s3), loc, markers=False)
            except Exception as exc:
                if classify(exc)[0] == "no_bucket":
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
            Location(loc.scheme, loc.netloc, fs_path(i.path)).uri
            for i in infos
            if i.type == pafs.FileType.File
        )
    except Exception as exc:
        raise storage_error(exc, loc, s3, "prefix") from None


def delete_tree(prefix_uri: str, s3: S3Settings) -> None:
    """Delete ``prefix_uri`` and everything below it; nothing there is not an error.

    Refuses a filesystem or bucket root: no job of piisweep ever needs that, and a mistyped
    output option must not empty a bucket.
    """
    loc = as_location(prefix_uri)
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
        raise storage_error(exc, loc, s3, "prefix") from None


def _s3_delete_tree(loc: Location, s3: S3Settings) -> None:
    client = s3_client(s3)
    try:
        keys = _s3_keys_under(client, loc, markers=True)
    except Exception as exc:
        if classify(exc)[0] == "no_bucket":
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
    src, dst = as_location(src_uri), as_location(dst_uri)
    require_object(src)
    require_object(dst)
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
                write_local_atomic(dst.path, lambda out: _copy_from(src.path, out))
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
        raise storage_error(exc, src, s3, "object") from None


def move_file(local_path: str, uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """:func:`write_file`, after which ``local_path`` is gone. A local destination takes the
    file by :func:`move` (a rename; a copy only across filesystems), its bytes synced first
    as the copy syncs them: a scan writes each object's redacted copy to its scratch
    directory, and copying it into a local staging directory cost another read and write
    of every byte (~5% of a log's scan). Other stores get the copy, then the file is
    deleted."""
    if as_location(uri).scheme != "file":
        write_file(local_path, uri, s3, sse)
        os.unlink(local_path)
        return
    src = parse_uri(local_path)
    try:
        fd = os.open(local_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise storage_error(exc, src, s3, "object") from None
    move(src.uri, uri, s3, sse)


def _s3_move(src: Location, dst: Location, s3: S3Settings, sse: Sse | None) -> None:
    client = s3_client(s3)
    try:
        client.head_object(Bucket=src.netloc, Key=src.key)  # a clear "not found" first
    except Exception as exc:
        raise storage_error(exc, src, s3, "object") from None
    try:
        client.copy(
            {"Bucket": src.netloc, "Key": src.key},
            dst.netloc,
            dst.key,
            ExtraArgs=sse_args(sse) or None,
        )
    except Exception as exc:
        raise storage_error(exc, dst, s3, "destination") from None
    try:
        client.delete_object(Bucket=src.netloc, Key=src.key)
    except Exception as exc:
        raise storage_error(exc, src, s3, "object") from None


def _delete_object(loc: Location, s3: S3Settings) -> None:
    """Delete one object or file (only the permission to delete it is needed, no listing)."""
    try:
        if loc.scheme == "s3":
            s3_client(s3).delete_object(Bucket=loc.netloc, Key=loc.key)
        else:
            fs, path = filesystem(loc, s3)
            fs.delete_file(path)
    except Exception as exc:
        raise storage_error(exc, loc, s3, "object") from None


def _copy_from(path: str, out: Any) -> None:
    with open(path, "rb") as src:
        shutil.copyfileobj(src, out, COPY_CHUNK)


def check_writable(out_uri: str, s3: S3Settings, sse: Sse | None = None) -> None:
    """Fail fast, before any Spark work, if the output cannot be written.

    Writes and deletes ``<out>/_piisweep_write_probe`` with the same ``sse`` the job will
    use (a bucket policy may deny unencrypted or wrongly encrypted PUTs). A local output
    directory is created if missing, as the job would. Raises
    ``StorageError("output not writable: <uri> (<reason>)")``.
    """
    loc = as_location(out_uri)
    probe = loc.join(WRITE_PROBE_NAME)
    try:
        write_bytes(b"", probe.uri, s3, sse)
        _delete_object(probe, s3)
    except StorageError as exc:
        raise StorageError(
            f"output not writable: {loc.uri} ({exc.reason})", uri=loc.uri, reason=exc.reason
        ) from None
