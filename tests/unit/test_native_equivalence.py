"""The compiled core against the Python reference on generated adversarial input.

Lines are assembled from fragments that matter to detectors (valid identifiers, their
look-alikes, keywords, keys, names, masks, URL escapes, PEM markers) mixed with multi-byte
text, invalid UTF-8, carriage returns and random characters. Both engines must return the
same spans, the same decoded lines and the same stream state, byte for byte: any difference
is a bug in the port, whichever engine is right about the data.
"""

from __future__ import annotations

import functools
import gzip
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.builtin import builtin_detectors
from detectors.engine import Engine, StreamState
from detectors.native import NativeEngine


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _verhoeff_digit(body: str) -> str:
    from detectors.checksums import verhoeff_valid

    return next(d for d in "0123456789" if verhoeff_valid(body + d))


def _values(rng: random.Random) -> list[str]:
    """Valid identifiers and their near misses, freshly drawn."""
    digits = "".join(rng.choice("0123456789") for _ in range(14))
    aadhaar = rng.choice("23456789") + digits[:10]
    aadhaar += _verhoeff_digit(aadhaar)
    card = "4" + digits[:14]
    card += _luhn_digit(card)
    mobile = rng.choice("6789") + digits[:9]
    return [
        aadhaar,
        f"{aadhaar[:4]} {aadhaar[4:8]} {aadhaar[8:]}",
        aadhaar[:-1] + str((int(aadhaar[-1]) + 1) % 10),
        card,
        f"{card[:4]}-{card[4:8]}-{card[8:12]}-{card[12:]}",
        card[:-1] + str((int(card[-1]) + 3) % 10),
        mobile,
        f"+91 {mobile[:5]} {mobile[5:]}",
        f"0{mobile}",
        f"+44 20 7946 {digits[:4]}",
        f"({digits[:3]}) {digits[3:6]}-{digits[6:10]}",
        "ABCPE1234F",
        "27ABCPE1234F1Z5",
        "SBIN0001234",
        "rahul.sharma@gmail.com",
        "rahul%40gmail.com",
        "rahul%2540gmail.com",
        f"https://{mobile}%40163.com@p28-contacts.icloud.com/",
        f"%252B91{mobile}",
        "98765%2B43210",
        "rahul@okaxis",
        "49.36.12.7",
        "10.0.0.5",
        "fe80::1ff:fe23:4567:890a",
        "00:1A:2B:3C:4D:5E",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "123-45-6789",
        "GB82WEST12345698765432",
        "12/04/1990",
        "482913",
        "98XXXXXX10",
        "****1234",
        "081111 060015 21733",
        "3552 3534 3375 4530 3515 3479",
        "2024-03-11T10:15:22.123Z",
        "blk_-1608999687919862906",
        "v1.2.3.4",
    ]


_WORDS = [
    "phone=",
    "mobile: ",
    '"aadhaar": "',
    "otp is ",
    "OTP ",
    "cvv=",
    "card ",
    "pan ",
    "email=",
    "upi://pay?pa=",
    "&pn=",
    "Mr. ",
    "Dear ",
    "Customer ",
    "Smt. ",
    "श्री ",
    "Rahul Sharma",
    "Priya Patel",
    "Calvin Klein",
    "name=",
    "customer_name=",
    "address=",
    "Flat 4B, 12 MG Road, Bengaluru 560001",
    "passport no ",
    "voter id ",
    "dob: ",
    "password=",
    "Authorization: Bearer ",
    "Authorization: Basic ",
    "Cookie: sid=",
    "https://user:pa55word@host/x",
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEA",
    "-----END RSA PRIVATE KEY-----",
    "device_id=",
    "imei ",
    "ssn ",
    "iban ",
    "ip=",
    "client ",
    "order_id=",
    "txn ",
    "version ",
    "Fan speeds ( ",
    " )",
    "%40",
    "%2B",
    "%25",
    "@",
    "message-id=<",
    "pam_unix(chpasswd:",
    "chauthtok)",
    '"ElevatedToken":"',
    "%%1842",
    "\\t\\t",
    "\\r\\n",
    '"NextToken":"',
    "Source Address:",
    "addresses: ",
    " -> EndPoint(",
    "+support@embed.ly",
    "Message-ID: <",
    "<",
    ">",
    ":",
    "+",
    "=",
    "&",
    ",",
    ";",
    '"',
    "'",
    " ",
    "  ",
    "\t",
    "/",
    "-",
    ".",
    ":",
    "@",
]
_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "M", "N", "P", "S", "Zs"),
    ),
    max_size=12,
)


@st.composite
def _line(draw: st.DrawFn) -> bytes:
    rng = random.Random(draw(st.integers(0, 2**32)))
    values = _values(rng)
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 9))
        if kind <= 3:
            parts.append(rng.choice(values).encode())
        elif kind <= 6:
            parts.append(rng.choice(_WORDS).encode())
        elif kind == 7:
            parts.append(draw(_TEXT).encode("utf-8"))
        elif kind == 8:
            parts.append(
                draw(
                    st.sampled_from(
                        [b"\xff", b"\xc3", b"\xe0\xa4", b"\r", b"\x00", b"\xed\xa0\x80"]
                    )
                )
            )
        else:
            parts.append(draw(st.binary(max_size=6)))
    return b"".join(parts)


@functools.cache
def engines() -> tuple[Engine, NativeEngine, NativeEngine]:
    """The reference, the core with Hyperscan and the core with its own scanner (built once;
    not a fixture, so a falsifying example prints the input alone)."""
    return (
        Engine.default(),
        NativeEngine.default(),
        NativeEngine(builtin_detectors(), scanner="anchored"),
    )


_FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@_FUZZ
@given(lines=st.lists(_line(), min_size=1, max_size=8))
def test_when_buffers_are_adversarial_then_native_lines_and_spans_equal_python(
    lines: list[bytes],
) -> None:
    python, native, anchored = engines()
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    want = list(python.scan_lines(data))
    assert list(native.scan_lines(data)) == want
    assert list(anchored.scan_lines(data)) == want


@_FUZZ
@given(lines=st.lists(_line(), min_size=2, max_size=6), cut=st.integers(0, 5))
def test_when_stream_is_split_into_buffers_then_state_and_spans_equal_python(
    lines: list[bytes], cut: int
) -> None:
    python, native, _ = engines()
    lines = [*lines[:cut], b"-----BEGIN EC PRIVATE KEY-----", *lines[cut:]]
    cut = min(cut + 1, len(lines) - 1)
    first = b"\n".join(lines[:cut]) + b"\n"
    second = b"\n".join(lines[cut:])
    results = []
    for engine in (python, native):
        state = StreamState()
        out = [list(engine.scan_lines(first, state)), list(engine.scan_lines(second, state))]
        results.append((out, state.in_pem))
    assert results[0] == results[1]


@_FUZZ
@given(
    line=_line(),
    field=st.sampled_from(
        [None, "phone", "customer_name", "shipping_address", "note", "$.a.b[0].upi"]
    ),
)
def test_when_text_is_scanned_whole_with_a_field_then_spans_equal_python(
    line: bytes, field: str | None
) -> None:
    python, native, _ = engines()
    text = line.decode("utf-8", "surrogateescape")
    assert native.scan_text(text, field) == python.scan_text(text, field)


@_FUZZ
@given(values=st.lists(st.one_of(st.none(), _line()), max_size=10),
       field=st.sampled_from([None, "mobile", "name", "email", "card_number", "address",
                              "shipping_address", "email_address"]))  # fmt: skip
def test_when_a_column_is_scanned_then_rows_and_spans_equal_python(
    values: list[bytes | None], field: str | None
) -> None:
    python, native, _ = engines()
    column = [None if v is None else v.decode("utf-8", "surrogateescape") for v in values]
    assert list(native.scan_values(column, field)) == list(python.scan_values(column, field))


@pytest.mark.parametrize(
    ("size_mb", "filler"),
    # 4 MB: the Python reference slows down more than linearly on one long line (minutes
    # at 20 MB); the scan tests take the native engine through a 20 MB line on their own.
    [(4, " text "), (1, " कुछ text ")],
    ids=["4mb-ascii", "1mb-devanagari"],
)
def test_when_line_is_long_then_offsets_and_spans_equal_python(size_mb: int, filler: str) -> None:
    """One line of many values: windows around hits on an ASCII line, the whole line where
    code points and bytes differ (offsets must still be code points)."""
    python, native, _ = engines()
    rng = random.Random(7)
    pieces = []
    while sum(map(len, pieces)) < size_mb * 2**20:
        pieces.append(f"{filler}{rng.choice(_values(rng))} ".encode() + b"x" * rng.randrange(900))
    data = b"".join(pieces)
    want = list(python.scan_lines(data))
    got = list(native.scan_lines(data))
    assert len(got) == 1 and got[0][2][-1].end > size_mb * 2**20 // 2
    assert got == want


_ENTITIES = sorted(
    {d.entity_type for d in builtin_detectors()} | {"CVV", "OTP_CODE", "MY_CUSTOM_ID"}
)
_VALUE_CHARS = st.sampled_from(
    [*"aZ09 .-+@%_X\t\x1c'/", "%40", "%2540", "é", "क", "\udc80", "  ", "AKIA"]
)


@settings(max_examples=400, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(_ENTITIES), st.lists(_VALUE_CHARS, max_size=40).map("".join)),
        min_size=1,
        max_size=20,
    ),
    key=st.binary(min_size=32, max_size=64),
)
def test_when_findings_are_digested_in_a_batch_then_fingerprints_and_previews_equal_python(
    pairs, key
) -> None:
    """The core's batch of fingerprints and previews (ASCII values; others fall back) must
    be exactly what detectors.normalize and operators.preview give one by one."""
    from detectors import _native  # the core must be there: no silent Python-only pass
    from detectors.normalize import fingerprint
    from detectors.operators import preview
    from jobs.findings import digests

    assert callable(_native.fingerprints_previews)

    entities = [e for e, _ in pairs]
    values = [v for _, v in pairs]
    fps, previews = digests(entities, values, key)
    assert fps == [fingerprint(e, v, key) for e, v in pairs]
    assert previews == [preview(v, e) for e, v in pairs]


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.integers(0, len(_ENTITIES) - 1),
            st.lists(_VALUE_CHARS.filter(lambda c: c != "\udc80"), max_size=40).map("".join),
        ),
        max_size=20,
    ),
    key=st.binary(min_size=32, max_size=64),
)
def test_when_findings_are_digested_as_columns_then_they_equal_python_value_by_value(
    pairs, key
) -> None:
    """The core writes a column's fingerprints and previews as Arrow buffers, the entity
    type of each picked by its source index; non-ASCII values are filled in by Python."""
    import numpy as np

    from detectors.normalize import fingerprint
    from detectors.operators import preview
    from jobs.findings import digest_arrays

    sources = np.array([s for s, _ in pairs], dtype=np.int32)
    values = [v for _, v in pairs]
    fps, previews = digest_arrays(sources, _ENTITIES, values, key)
    assert fps.to_pylist() == [fingerprint(_ENTITIES[s], v, key) for s, v in pairs]
    assert previews.to_pylist() == [preview(v, _ENTITIES[s]) for s, v in pairs]


# Each branch of the phone, e-mail, name and id normal forms, which random strings rarely
# reach (an 11-digit number with a trunk 0, a 00 international prefix).
_NORMAL_FORMS = [
    ("PHONE_NUMBER", "+91 98765 43210"),
    ("PHONE_NUMBER", " +1 (415) 555-0100"),
    ("PHONE_NUMBER", "098765-43210"),
    ("PHONE_NUMBER", "9876543210"),
    ("PHONE_NUMBER", "919876543210"),
    ("PHONE_NUMBER", "0091 98765 43210"),
    ("PHONE_NUMBER", "00 12"),
    ("PHONE_NUMBER", "12345"),
    ("PHONE_NUMBER", ""),
    ("EMAIL_ADDRESS", " Ravi.Kumar@Example.COM\t"),
    ("IN_UPI_ID", "RAVI@okaxis"),
    ("PERSON", " Rahul \t Sharma "),
    ("STREET_ADDRESS", "12\x1cMG  Road"),
    ("IN_PAN", "abcpe-1234f"),
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
    ("SECRET", " s3cr3t "),
    ("PERSON", "R" * 70),
]


def test_when_each_normal_form_is_digested_as_a_column_then_it_equals_python() -> None:
    """Every value in one call, so each is normalised into the buffer the one before it
    left behind."""
    import numpy as np

    from detectors.normalize import fingerprint
    from detectors.operators import preview
    from jobs.findings import digest_arrays

    entities = sorted({e for e, _ in _NORMAL_FORMS})
    sources = np.array([entities.index(e) for e, _ in _NORMAL_FORMS], dtype=np.int32)
    values = [v for _, v in _NORMAL_FORMS]
    fps, previews = digest_arrays(sources, entities, values, b"k" * 32)
    assert fps.to_pylist() == [fingerprint(e, v, b"k" * 32) for e, v in _NORMAL_FORMS]
    assert previews.to_pylist() == [preview(v, e) for e, v in _NORMAL_FORMS]


def test_when_a_digest_column_is_longer_than_a_core_call_then_the_batches_are_joined(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    import jobs.findings
    from jobs.findings import digest_arrays

    values = [f"user{i}@example.com" for i in range(7)] + ["zoë@example.com"]
    sources = np.zeros(len(values), dtype=np.int32)
    whole = digest_arrays(sources, ["EMAIL_ADDRESS"], values, b"k" * 32)
    monkeypatch.setattr(jobs.findings, "_DIGEST_BATCH", 3)
    batched = digest_arrays(sources, ["EMAIL_ADDRESS"], values, b"k" * 32)
    assert batched[0].equals(whole[0]) and batched[1].equals(whole[1])
    assert len(batched[0]) == len(values)


def test_when_a_digest_column_is_asked_with_a_bad_source_then_the_core_refuses_it() -> None:
    import numpy as np

    from detectors import _native

    with pytest.raises(ValueError, match="source out of range"):
        _native.digest_columns(np.array([3], np.int32).tobytes(), ["EMAIL"], ["a"], b"k" * 32)
    with pytest.raises(ValueError, match="one source per value"):
        _native.digest_columns(np.array([0, 0], np.int32).tobytes(), ["EMAIL"], ["a"], b"k" * 32)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """A generated log (every entity, their look-alikes, names in prose and in JSON) and
    the real logs of tests/data/reallogs, each as one buffer."""
    from bench.generate import generate
    from bench.reallogs import DATA

    tmp = tmp_path_factory.mktemp("scanners")
    generate(5, tmp / "corpus.log", tmp / "corpus.labels", lines=6000)
    real = sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    return [(tmp / "corpus.log").read_bytes(), *map(_read, real)]


def test_when_logs_are_scanned_then_every_trigger_scanner_gives_the_same_hits(
    logs: list[bytes],
) -> None:
    """The tiered pass (the default), one Hyperscan database of all triggers (what the
    Python engine runs) and the anchored scanner count the same trigger hits, and the
    same hits past the checksum prefilters, on every log."""
    detectors = builtin_detectors()
    cores = [NativeEngine(detectors, scanner=s)._core for s in ("auto", "hyperscan", "anchored")]
    assert [c.scanner for c in cores] == ["tiered", "hyperscan", "anchored"]
    hits = []
    for data in logs:
        counts = [c.trigger_pass(data) for c in cores]
        assert counts[0] == counts[1] == counts[2]
        hits.append(counts[0][0])
    assert hits[0] > 2_000 and sum(hits[1:]) > 5_000, hits
