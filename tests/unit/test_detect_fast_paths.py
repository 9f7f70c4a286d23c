"""``piisweep detect``'s fast paths against the reference code they stand in for.

``detect`` reports actions without building redacted text (``Policy.span_actions``),
writes findings rows from one template per batch (``jobs.findings.jsonl_rows``), and
generalizes dotted-quad IPs without ``ipaddress``. Each must give exactly what the
reference gives: the same actions in the same order, the same bytes per row, the same
network text, on random input (non-ASCII text, code-point offsets, overlapping spans).
"""

from __future__ import annotations

import io
import ipaddress
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import load_engine
from detectors.errors import OperatorError
from detectors.keys import KeyRing
from detectors.operators import _network, generalize
from detectors.policy import Policy
from detectors.spans import Span
from jobs import local_detect
from jobs.blocks import Found
from jobs.findings import COLUMNS, finding_values, jsonl_rows

ROOT = Path(__file__).resolve().parents[2]
KEYS = KeyRing(b"f" * 32, b"t" * 32, {"k1": b"e" * 32}, "k1")
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


# ------------------------------------------------------------------ IP generalize
def _reference_network(value: str) -> str:
    """The ``ipaddress``-only version the fast path replaced."""
    try:
        ip = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        raise OperatorError("not an address") from None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip.compressed.split('%')[0]}/{prefix}", strict=False))


def _outcome(fn: object, value: str) -> str:
    try:
        return fn(value)  # type: ignore[operator,no-any-return]
    except OperatorError:
        return "<refused>"


_octet = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(0, 999).map(str),  # out of range
    st.integers(0, 99).map(lambda n: f"0{n}"),  # leading zeros: refused by ipaddress
    st.sampled_from(["", "١", "٢٥٥", "1a", "+1", " 1"]),  # empty, non-ASCII digits, junk
)
_quads = st.builds(
    lambda parts, sep, left, right: left + sep.join(parts) + right,
    st.lists(_octet, min_size=3, max_size=5),
    st.sampled_from([".", ".", ".", ":", ".."]),
    st.sampled_from(["", " ", "[", "\t", "::ffff:"]),
    st.sampled_from(["", " ", "]", "\n", "%eth0", "/24"]),
)
_ipv6ish = st.text(alphabet="0123456789abcdefABCDEF:.%[] g", max_size=45)


@st.composite
def _ipv6(draw: st.DrawFn) -> str:
    """IPv6 text as people write it: 0 to 9 groups of 0 to 5 hex digits (zeros likely),
    with or without one or two ``::``."""
    group = st.one_of(
        st.just("0"), st.just(""), st.text(alphabet="0123456789abcdefABCDEF", max_size=5)
    )
    groups = draw(st.lists(group, max_size=9))
    text = ":".join(groups)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "::" + text[at:]
    return text


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_quads, _ipv6ish, _ipv6()))
def test_ip_generalize_equals_ipaddress(value: str) -> None:
    assert _outcome(_network, value) == _outcome(_reference_network, value)


@pytest.mark.parametrize(
    "value", ["1.2.3.4", " 10.0.0.255 ", "[0.0.0.0]", "255.255.255.255", "2001:db8::1", "::1"]
)
def test_ip_generalize_hand_picked(value: str) -> None:
    assert generalize(value, "IP_ADDRESS") == _reference_network(value)


# ------------------------------------------------------------------ actions without text
def _policies() -> list[Policy]:
    every_action = Policy.from_dict(
        {
            "version": 1,
            "default": {"action": "mask", "mask_char": "*"},
            "entities": {
                "IP_ADDRESS": {"action": "generalize"},
                "DATE_OF_BIRTH": {"action": "generalize"},
                "STREET_ADDRESS": {"action": "generalize"},
                "PHONE_NUMBER": {"action": "tokenize"},
                "EMAIL_ADDRESS": {"action": "encrypt"},
                "IN_PAN": {"action": "hash"},
                "OTP_CODE": {"action": "drop"},
                "PERSON": {"action": "keep"},
            },
        }
    )
    return [Policy.default(), Policy.load(ROOT / "conf/policies/iscp.yaml"), every_action]


POLICIES = _policies()
_ENTITIES = [
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "STREET_ADDRESS",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IN_PAN",
    "OTP_CODE",
    "PERSON",
    "CREDIT_CARD",
]
# Values operators may refuse or accept: IPs, dates, addresses, short and long numbers.
_PIECES = ["10.1.2.3", "::1", "31/02/1990", "1990-05-04", "Road 560001", "12", "98765 43210"]


@st.composite
def _line_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    parts = draw(
        st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), min_size=1, max_size=6)
    )
    text = " ".join(parts)
    n = len(text)
    if n == 0:
        return text, []
    spans = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        entity = draw(st.sampled_from(_ENTITIES))
        score = draw(st.sampled_from([0.2, 0.5, 0.7, 0.95]))
        spans.append(Span(entity, start, end, score, "d"))
    return text, spans


@settings(max_examples=600, deadline=None)
@given(_line_and_spans(), st.sampled_from(range(len(POLICIES))))
def test_span_actions_equal_the_redaction_s(case: tuple[str, list[Span]], which: int) -> None:
    text, spans = case
    policy = POLICIES[which]
    assert (
        policy.span_actions(text, spans, KEYS)
        == (policy.redact_text_with_actions(text, spans, KEYS)[1])
    )


def test_span_actions_report_a_refused_value_as_replace() -> None:
    policy = POLICIES[2]
    text = "born 31/02/1990 at 10.0.0.1"
    spans = [Span("DATE_OF_BIRTH", 5, 15, 0.9, "d"), Span("IP_ADDRESS", 19, 27, 0.9, "d")]
    assert [a for _, a in policy.span_actions(text, spans, KEYS)] == ["replace", "generalize"]


# ------------------------------------------------------------------ rows as JSON Lines
_texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['a"b', "c\\d", "\x00\x1f\n", "é ☃ 𝄞", "\udc80\udcff", ""]),
)
_scores = st.one_of(st.floats(0, 1), st.sampled_from([0.7, 1.0, 0.1 + 0.2]), st.integers(0, 1))


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=20),
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 2**40)),
            st.one_of(st.none(), st.integers(-1, 2**40)),
            st.one_of(st.none(), _texts),
            st.builds(Span, _texts, st.integers(0, 99), st.integers(100, 200), _scores, _texts),
            _texts,
            _texts,
            _texts,
        ),
        max_size=6,
    ),
)
def test_jsonl_rows_equal_the_json_encoder(uri: str, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    heads = [row[:5] for row in rows]
    fps = [row[5] for row in rows]
    previews = [row[6] for row in rows]
    expected = ""
    for (line, rec, path, span, action), fp, pv in zip(heads, fps, previews, strict=True):
        where = (uri, line, rec, path, span.start, span.end)
        what = (span.entity_type, span.detector, span.score, action, fp, pv)
        expected += _ENCODE(dict(zip(COLUMNS, [*where, *what], strict=True))) + "\n"
    assert jsonl_rows(uri, heads, fps, previews) == expected


# ------------------------------------------------------------------ detect end to end
def _reference_detect(data: bytes, fmt: str, ctx: local_detect.Context) -> str:
    """The rows of :func:`local_detect.detect` built the reference way: the judged
    findings of a redacting pass, a dict per row through the JSON encoder."""
    rows = []
    jsonl = fmt == "jsonl"
    from jobs.blocks import scan_line_block
    from jobs.localfiles import line_chunks

    base = 0
    for chunk in line_chunks(io.BytesIO(data)):
        judged = scan_line_block(chunk, None, jsonl, ctx.shared())
        for f in judged.findings:
            n = base + f.row
            rows.append(_row(ctx, n + 1, n if jsonl else None, f))
        base += chunk.count(b"\n")
    return "".join(_ENCODE(r) + "\n" for r in rows)


def _row(ctx: local_detect.Context, line: int, record: int | None, f: Found) -> dict:  # type: ignore[type-arg]
    values = finding_values(
        ctx.source_uri, line, record, f.field_path, f.text, f.span, ctx.keys, ctx.policy, f.action
    )
    return dict(zip(COLUMNS, values, strict=True))


_LINES = (
    "login from 10.20.30.40 and 2001:db8:85a3::8a2e:370:7334 by ravi.kumar@example.com\n"
    "Ünïcödé prefix — call +91 98765 43210, dob 31/02/1990, card 4111 1111 1111 1111\n"
    '{"name": "Ravi Kumar", "phone": "9876543210", "email": "r@x.in", "ip": "1.2.3.4"}\n'
    "nothing here\n"
    "address: 12 MG Road, Bengaluru 560001; otp 482913\r\n"
)


@pytest.mark.parametrize("which", range(len(POLICIES)))
@pytest.mark.parametrize(
    "source",
    [
        "text:inline",
        "jsonl:inline",
        "text:tests/data/system_logs.txt",
        "text:tests/data/ecommerce_partner_logs.txt",
    ],
)
def test_detect_rows_equal_the_reference(which: int, source: str) -> None:
    fmt, where = source.split(":", 1)
    data = (_LINES * 3).encode() if where == "inline" else (ROOT / where).read_bytes()
    if fmt == "jsonl":
        data = b"\n".join(
            json.dumps({"msg": line.decode(), "ip": "10.0.0.7"}).encode()
            for line in data.splitlines()
        )
    policy = POLICIES[which]
    engine = load_engine(None, threshold=policy.threshold)
    ctx = local_detect.Context(engine, policy, KEYS, "file:///tmp/in ☃.log")
    rows = b"".join(text for _, text in local_detect.detect(io.BytesIO(data), fmt, ctx))
    got = rows.decode("utf-8", "surrogateescape")
    assert got == _reference_detect(data, fmt, ctx)
    assert got  # the inputs hold findings: an empty comparison proves nothing


# ------------------------------------------------------------------ redact splicing
def _reference_redact_chunk(chunk: bytes, changed: dict[int, str]) -> bytes:
    """The split-and-join version the splice replaced."""
    lines = chunk.split(b"\n")
    for li, new in changed.items():
        cr = b"\r" if lines[li].endswith(b"\r") else b""
        lines[li] = new.encode("utf-8", "surrogateescape") + cr
    return b"\n".join(lines)


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_redacted_chunk_equals_split_and_join(ending: bytes) -> None:
    chunk = (
        b"call 9876543210 now\r\n"
        b"\xff\xfe undecodable, no PII\n"
        b"\xe2\x98\x83 mobile 9123456789 and \xff\r\n"
        b"\n"
        b"mail ravi.kumar@example.com" + ending
    )
    policy = POLICIES[0]
    ctx = local_detect.Context(load_engine(None), policy, KEYS, "stdin")
    shared = ctx.shared()
    from jobs.blocks import scan_line_block

    changed = scan_line_block(chunk, None, False, shared).changed
    assert set(changed) == {0, 2, 4}
    got = local_detect._redact_chunk(chunk, False, shared, None)  # type: ignore[arg-type]
    assert got == _reference_redact_chunk(chunk, changed)
