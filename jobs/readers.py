"""Streaming the bytes of one unit: decompression, line-aligned byte ranges, UTF-8 repair.

Every reader yields blocks of whole lines of bounded size (``chunk_bytes``, or one line if
a single line is longer), so a task's memory does not grow with the object. Byte ranges
follow Hadoop's line-record rule: a range owns the lines that *start* inside it; it skips
the partial line at its start (the previous range finishes it) and reads past its end to
finish its last line. Concatenating the lines of all ranges gives every line exactly once.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
from collections.abc import Iterator
from typing import Any, BinaryIO

from detectors.errors import PiisweepError

CHUNK_BYTES = 8 << 20


class CorruptInput(PiisweepError):
    """The object's bytes end early or do not decompress; the message names no content."""


def decompressed(raw: Any, compression: str | None) -> BinaryIO:
    """A decompressing reader over ``raw`` (a pyarrow NativeFile or any binary file)."""
    if compression is None:
        return raw  # type: ignore[no-any-return]
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(raw)  # type: ignore[return-value]
    if compression == "zstd":
        import pyarrow as pa

        return pa.CompressedInputStream(raw, "zstd")  # type: ignore[return-value]
    raise ValueError(f"unknown compression {compression!r}")


def _read(stream: BinaryIO, size: int) -> bytes:
    try:
        return stream.read(size)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise CorruptInput(f"stream ends early or is corrupt ({type(exc).__name__})") from None


def line_blocks(
    stream: BinaryIO, start: int = 0, end: int = -1, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """Blocks of whole lines of ``stream`` owned by the byte range ``[start, end)``.

    ``end == -1`` reads to the end. A block ends with ``\\n`` except, possibly, the last
    line of the object. The stream must be positioned at 0, or seekable when start > 0.
    If the stream turns out corrupt (a truncated gzip), everything read before the damage
    is yielded first, then CorruptInput is raised: the caller keeps the good prefix.
    """
    here = 0  # absolute offset of buf[0]
    buf = b""
    if start > 0:
        stream.seek(start - 1)
        here = start - 1
        while True:  # the first owned line starts after the first newline at >= start-1
            block = _read(stream, 64 << 10)
            if not block:
                return
            buf += block
            cut = buf.find(b"\n")
            if cut >= 0:
                here += cut + 1
                buf = buf[cut + 1 :]
                break
            here += len(buf)
            buf = b""
    while True:
        if end >= 0 and here >= end:
            return
        if end >= 0 and here + len(buf) > end:
            # The last owned line is the one holding byte end-1; finish it and stop.
            nl = buf.find(b"\n", end - 1 - here)
            if nl >= 0:
                yield buf[: nl + 1]
                return
        elif len(buf) >= chunk_bytes:
            cut = buf.rfind(b"\n")
            if cut >= 0:
                yield buf[: cut + 1]
                here += cut + 1
                buf = buf[cut + 1 :]
                continue
        try:
            block = _fill(stream, max(chunk_bytes - len(buf), _READ_BYTES))
        except _Partial as partial:
            tail = buf + partial.data
            if tail:
                yield tail
            raise partial.error from None
        if not block:
            if buf:
                yield buf
            return
        buf = buf + block if buf else block


_READ_BYTES = 64 << 10


class _Partial(Exception):
    """What was read before a stream failed, and the error to raise after using it."""

    def __init__(self, data: bytes, error: CorruptInput) -> None:
        self.data, self.error = data, error


def _fill(stream: BinaryIO, want: int) -> bytes:
    """Up to ``want`` bytes, read in 64 KiB pieces so a failure loses at most one piece."""
    pieces: list[bytes] = []
    got = 0
    while got < want:
        try:
            piece = _read(stream, min(_READ_BYTES, want - got))
        except CorruptInput as exc:
            raise _Partial(b"".join(pieces), exc) from None
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


def valid_utf8(block: bytes) -> tuple[bytes, int]:
    """``block`` as valid UTF-8, and how many lines had to be decoded with the fallback.

    Legacy exports are often Windows-1252 or Latin-1: a line that is not UTF-8 is decoded
    as cp1252 (Latin-1 for the five bytes cp1252 leaves undefined), so every byte becomes a
    character, no value is lost, and offsets are code points of what the copy holds.
    """
    try:
        block.decode("utf-8")
        return block, 0
    except UnicodeDecodeError:
        pass
    lines = block.split(b"\n")
    bad = 0
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            lines[i] = _legacy(line).encode("utf-8")
            bad += 1
    return b"\n".join(lines), bad


def _legacy(line: bytes) -> str:
    return "".join(
        bytes([b]).decode("cp1252", errors="strict") if b not in _CP1252_HOLES else chr(b)
        for b in line
    )


_CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


# UTF-32 first: its little-endian BOM starts with UTF-16's.
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def unicode_bom(head: bytes) -> str | None:
    """``utf-16`` or ``utf-32`` when the text starts with that encoding's byte-order mark.

    Windows tools (PowerShell redirection, Excel's "Unicode text", SQL Server exports)
    write UTF-16 with a BOM; its NUL bytes would otherwise make it look binary and a whole
    export would be skipped unread. Without a BOM, UTF-16 stays "binary": guessing the
    encoding of bytes with NULs is how scanners produce noise.
    """
    return next((enc for bom, enc in _UNICODE_BOMS if head.startswith(bom)), None)


class Utf8Transcoder(io.RawIOBase):
    """A raw stream of UTF-8 bytes decoded incrementally from a UTF-16/32 stream (BOM
    consumed), 64 KiB at a time, so memory stays bounded. Malformed code units (a lone
    surrogate, an odd trailing byte) become U+FFFD: nothing is passed through undecoded."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._out = memoryview(b"")
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._out and not self._eof:
            piece = _read(self._stream, _READ_BYTES)
            self._eof = not piece
            text = self._decoder.decode(piece, final=self._eof)
            self._out = memoryview(text.encode("utf-8"))
        n = min(len(b), len(self._out))
        b[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


def transcoded(stream: BinaryIO, encoding: str) -> BinaryIO:
    """``stream`` (UTF-16/32 with a BOM) as a buffered UTF-8 stream with ``peek``."""
    return io.BufferedReader(Utf8Transcoder(stream, encoding), 1 << 16)  # type: ignore[return-value]
