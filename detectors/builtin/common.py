"""Boundaries and word lists shared by the built-in detectors."""

from __future__ import annotations

# A number that is not glued to a word, a decimal, a dash-joined id or a hex run. A comma
# after it is a CSV column break, not a decimal point: 9876543210,560038 is a phone.
NUM_LEFT = r"(?<![\w.\-+])"
NUM_RIGHT = r"(?![\w]|[.\-]\d)"

# The same boundaries for Hyperscan triggers, which have no lookaround: they consume the
# character before and after instead (only the line a trigger ends on matters).
TRIG_LEFT = r"(?:^|[^\w.+\-])"
TRIG_RIGHT = r"(?:$|[^\w.\-]|[.\-](?:$|[^\d]))"

# Keys and words that say a number is an identifier of a thing, not of a person.
ID_WORDS = tuple(
    (
        "order txn transaction trace span request req invoice ref reference awb "
        "tracking shipment offset size bytes len length ts timestamp epoch time "
        "duration elapsed latency seq sequence pid tid port count amount amt price "
        "total balance blk block utr rrn sku product item batch build version checksum "
        "crc hash nonce session sess uuid guid id partition msg_id message_id job task "
        "attempt container application isbn ean upc"
    ).split()
)


def inside_number_run(value: str, line: str, start: int, end: int) -> bool:
    """Whether a value written in space-separated groups is a window of a longer run of
    bare numbers: another number stands beside it across a single space.

    Real logs are full of such runs: HDFS writes ``081111 060015 21733`` (date, time, pid),
    whose last 11 digits read as ``0`` + a mobile written 5-5; a hardware log lists fan
    speeds ``3552 3534 3375 4530 3515 3479``, where any three groups can pass Verhoeff.
    A neighbour glued to ``:``, ``.``, ``-``, ``/`` or a word is not a bare number
    (``12:00:00 98765 43210`` is a timestamp and a mobile). A value written without spaces
    is a whole token and is not judged here.
    """
    if " " not in value:
        return False
    return _bare_number_before(line, start) or _bare_number_after(line, end)


def _not_a_number_edge(c: str) -> bool:
    return c.isalnum() or c == "_" or c in ":.-/"


def _bare_number_before(line: str, start: int) -> bool:
    i = start - 1
    if i < 1 or line[i] != " " or not line[i - 1].isdecimal():
        return False
    i -= 1
    while i > 0 and line[i - 1].isdecimal():
        i -= 1
    return i == 0 or not _not_a_number_edge(line[i - 1])


def _bare_number_after(line: str, end: int) -> bool:
    n = len(line)
    if end + 1 >= n or line[end] != " " or not line[end + 1].isdecimal():
        return False
    j = end + 1
    while j < n and line[j].isdecimal():
        j += 1
    return j == n or not _not_a_number_edge(line[j])
