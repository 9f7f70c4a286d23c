"""Listing sources: boto3 paginators fanned out over the first level of S3 prefixes,
pyarrow selectors for local disks and HDFS; Spark's bookkeeping paths (``_x``, ``.x``,
``x._COPYING_``) are listed as skipped, never read."""

from __future__ import annotations

import errno as errno_mod
import fnmatch
import logging
import os
import posixpath
import stat as stat_mod
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from jobs.storage.clients import LIST_FANOUT_WORKERS, filesystem, s3_client
from jobs.storage.errors import StorageError, storage_error
from jobs.storage.locations import Location, parse_uri
from jobs.storage.settings import S3Settings

log = logging.getLogger(__name__)


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
            listed = crawl_fs(loc, s3)
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


def crawl_fs(loc: Location, s3: S3Settings) -> list[tuple[str, ObjectInfo]]:
    fs, path = filesystem(loc, s3)
    try:
        top = fs.get_file_info(path)
        if top.type == pafs.FileType.NotFound:
            raise StorageError(f"source not found: {loc.uri}", uri=loc.uri, reason="not found")
        if top.type == pafs.FileType.File:
            return [(loc.name, _fs_info(loc, top))]
        infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    except (OSError, StorageError) as exc:
        raise storage_error(exc, loc, s3, "source") from None
    base = path.rstrip("/") + "/"
    out = []
    # The recursive listing has already walked hidden directories (pyarrow cannot prune
    # it); what is under one is folded into that directory's single entry.
    hidden: dict[tuple[str, bool], tuple[str, ObjectInfo]] = {}
    for info in infos:
        child = fs_path(info.path)
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
                    raise storage_error(exc, loc, S3Settings(), "source") from None
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


def fs_path(path: str) -> str:
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


def s3_exact_object(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The listing entry of ``key`` itself, if it is an object.

    A listing with ``Prefix=key`` returns keys in byte order and ``key`` sorts before every
    longer key it prefixes, so one ``MaxKeys=1`` request answers the question with the same
    permission (ListBucket) the crawl needs anyway, unlike HEAD (which needs GetObject).
    """
    resp = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    contents = resp.get("Contents") or []
    return contents[0] if contents and contents[0]["Key"] == key else None


def s3_walk(client: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
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
            exact = s3_exact_object(client, bucket, key)
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
                for listed in pool.map(lambda p: list(s3_walk(client, bucket, p)), wanted):
                    objects.extend(listed)
    except Exception as exc:
        raise storage_error(exc, loc, s3, "source") from None
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
