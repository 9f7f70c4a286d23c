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
