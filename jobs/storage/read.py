"""Reading objects: random access for byte ranges and Parquet row groups, sequential
reads in large read-ahead blocks for whole streams, and local files pinned to the inode the
crawl saw."""

from __future__ import annotations

import errno as errno_mod
import io
import os
import stat as stat_mod
from typing import Any

import pyarrow as pa

from jobs.storage.clients import filesystem
from jobs.storage.errors import StorageError, storage_error
from jobs.storage.locations import as_location
from jobs.storage.settings import S3Settings


def open_input(uri: str, s3: S3Settings) -> pa.NativeFile:
    """A random-access file (seek, ``read_at``) for byte ranges and Parquet row groups.

    On S3 each read is a ranged GET, so a task reading one row group does not download the
    object. The caller closes it.
    """
    loc = as_location(uri)
    fs, path = filesystem(loc, s3)
    try:
        return fs.open_input_file(path)
    except OSError as exc:
        raise storage_error(exc, loc, s3, "object") from None


def open_sequential(uri: str, s3: S3Settings) -> Any:
    """:func:`open_input` for reading an object from start to end, with ``seek``: on S3 and
    HDFS, reads are served from a read-ahead block of ``s3.read_block`` bytes (one request
    per block) instead of one request per small read. Local files need no block."""
    raw = open_input(uri, s3)
    if as_location(uri).scheme == "file":
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
    loc = as_location(uri)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    changed = StorageError(f"{CHANGED_SINCE_CRAWL}: {uri}", uri=uri, reason=CHANGED_SINCE_CRAWL)
    try:
        fd = os.open(real_path, flags)
    except OSError as exc:
        if exc.errno == errno_mod.ELOOP:  # a link now stands where the file was
            raise changed from None
        raise storage_error(exc, loc, S3Settings(), "object") from None
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
    loc = as_location(uri)
    with open_input(loc.uri, s3) as f:
        try:
            return bytes(f.read())
        except OSError as exc:
            raise storage_error(exc, loc, s3, "object") from None
