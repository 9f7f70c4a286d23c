"""Storage: the one package that knows about local files, S3 and HDFS.

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

The package, by concern: ``locations`` (URIs), ``settings`` (S3 settings, encryption),
``clients`` (cached per-process clients and filesystems), ``errors`` (the mapping onto
:class:`StorageError`), ``crawl`` (listing sources), ``read``, ``write`` (atomic writes) and
``housekeeping`` (exists, list, delete, move, the write probe). Callers use the names
below, as ``storage.open_input(...)``.
"""

from jobs.storage.clients import clear_caches, filesystem, s3_client
from jobs.storage.crawl import ObjectInfo, bookkeeping_reason, crawl, crawl_fs, is_bookkeeping
from jobs.storage.errors import StorageError, storage_error
from jobs.storage.housekeeping import (
    WRITE_PROBE_NAME,
    check_writable,
    delete_tree,
    exists,
    list_files,
    move,
    move_file,
)
from jobs.storage.locations import Location, parse_uri
from jobs.storage.read import (
    CHANGED_SINCE_CRAWL,
    open_input,
    open_pinned,
    open_sequential,
    read_bytes,
)
from jobs.storage.settings import DEFAULT_READ_BLOCK, READ_BLOCK_ENV, S3Settings, Sse
from jobs.storage.write import write_bytes, write_file, write_fs_atomic

__all__ = [
    "CHANGED_SINCE_CRAWL",
    "DEFAULT_READ_BLOCK",
    "READ_BLOCK_ENV",
    "WRITE_PROBE_NAME",
    "Location",
    "ObjectInfo",
    "S3Settings",
    "Sse",
    "StorageError",
    "bookkeeping_reason",
    "check_writable",
    "clear_caches",
    "crawl",
    "crawl_fs",
    "delete_tree",
    "exists",
    "filesystem",
    "is_bookkeeping",
    "list_files",
    "move",
    "move_file",
    "open_input",
    "open_pinned",
    "open_sequential",
    "parse_uri",
    "read_bytes",
    "s3_client",
    "storage_error",
    "write_bytes",
    "write_file",
    "write_fs_atomic",
]
