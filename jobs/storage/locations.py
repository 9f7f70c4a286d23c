"""URIs and what they name: ``file://``, ``s3://`` (and ``s3a``/``s3n``), ``hdfs://``."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass

from jobs.storage.errors import StorageError

_SCHEMES = {"file": "file", "s3": "s3", "s3a": "s3", "s3n": "s3", "hdfs": "hdfs"}

_URI_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)


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


def as_location(uri: str | Location) -> Location:
    return uri if isinstance(uri, Location) else parse_uri(uri)
