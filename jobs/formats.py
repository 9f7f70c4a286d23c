"""What an object is: its format and compression, from its name first and its bytes second.

The planner needs both before any task runs (a gzip stream cannot be split, a Parquet file
splits by row group), so the name decides when it can; only an object whose name says
nothing (``events``, ``dump.bin``) is sniffed, from its first bytes. Tasks sniff again after
decompression to refuse binary content.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("text", "jsonl", "json", "csv", "tsv", "parquet")
COMPRESSIONS = ("gzip", "bz2", "zstd", "xz")

_COMPRESSION_SUFFIXES = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".zst": "zstd",
    ".zstd": "zstd",
    ".xz": "xz",
}
_FORMAT_SUFFIXES = {
    ".log": "text",
    ".txt": "text",
    ".out": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Magic numbers of compressed streams, and of binary formats piisweep does not read.
_COMPRESSION_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
)
_BINARY_MAGIC = (
    (b"PK\x03\x04", "zip archive"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF", "PDF document"),
    (b"GIF8", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"ORC", "ORC file"),
    (b"Obj\x01", "Avro file"),
    (b"SQLite format 3", "SQLite database"),
)


@dataclass(frozen=True)
class Kind:
    """Format and compression of one object; ``fmt`` None means "decide from the content"."""

    fmt: str | None
    compression: str | None

    @property
    def splittable(self) -> bool:
        return self.compression is None and self.fmt in ("text", "jsonl", None)


def from_name(name: str) -> Kind:
    """The kind the object's name promises: ``app.log.gz`` is gzip text, ``x.csv`` CSV."""
    lower = name.lower().rsplit("/", 1)[-1]
    compression = None
    for suffix, comp in _COMPRESSION_SUFFIXES.items():
        if lower.endswith(suffix):
            compression = comp
            lower = lower[: -len(suffix)]
            break
    fmt = next((f for s, f in _FORMAT_SUFFIXES.items() if lower.endswith(s)), None)
    return Kind(fmt, compression)


def compression_of(head: bytes) -> str | None:
    """The compression a stream's first bytes announce, whatever the name says."""
    return next((comp for magic, comp in _COMPRESSION_MAGIC if head.startswith(magic)), None)


def binary_reason(head: bytes) -> str | None:
    """Why decompressed bytes are not text piisweep reads, or None if they look like text.

    NUL bytes in the first 8 KiB mean binary (images, archives, UTF-16); a known magic
    number says which. The reason names the kind of file, never its content.
    """
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return f"binary content ({what})"
    if head.startswith(b"PAR1"):
        return "binary content (Parquet without a .parquet name)"
    if b"\x00" in head[:8192]:
        return "binary content (NUL bytes in the first 8 KiB)"
    return None


def sniff_format(head: bytes) -> str:
    """Format of decompressed text from its first line: JSON Lines when a line holds a
    whole object (even a malformed one: it is redacted as text), JSON when the text opens
    an array or an object spanning lines, otherwise plain text. CSV is never guessed: a
    log line with commas would turn into columns."""
    stripped = head.lstrip()
    first = stripped.split(b"\n", 1)[0].strip()
    if first.startswith(b"{") and first.endswith(b"}"):
        return "jsonl"
    if first.startswith((b"{", b"[")):
        return "json"
    return "text"


def content_format(named: str | None, head: bytes) -> str:
    """The format to read decompressed text as, given the format its name gives (``named``)
    and its first bytes: the name's, except that a ``.json`` object holding JSON Lines is
    JSON Lines, and an object whose name says nothing is sniffed.

    ``.json`` is JSON Lines more often than not in a lake: Spark's ``DataFrame.write.json``
    (and ``spark.read.json`` by default) use JSON Lines under that suffix. Read as one
    document, such a file failed to parse and was redacted as plain text, its values
    scanned without their field names."""
    if named is None:
        return sniff_format(head)
    if named == "json" and sniff_format(head) == "jsonl":
        return "jsonl"
    return named
