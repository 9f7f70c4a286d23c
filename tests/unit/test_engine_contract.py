"""The engine's contract with the jobs that call it, independent of any one detector:
code-point offsets, one entity per value, scores, determinism, ``scan_lines`` and
``scan_values`` agreeing with ``scan_text``, the pure-Python fallback agreeing with
Hyperscan, undecodable bytes, very long lines, and entities that exist only with context."""

from __future__ import annotations

import itertools
import json
import pickle
import subprocess
import sys
import textwrap

import pytest

# tests/unit has no __init__.py, so pytest puts it on sys.path and the sibling tables and
# helpers import by module name.
from test_detectors_lookalikes import LOOKALIKES, NOISE
from test_detectors_true import GSTIN_MH, JWT_HS, TRUE_CASES, VISA, case_values, pem

from detectors.engine import Engine
from detectors.spans import Span

try:
    import hyperscan  # noqa: F401

    HAS_HYPERSCAN = True
except ImportError:  # pragma: no cover - the project depends on it
    HAS_HYPERSCAN = False


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.fixture(scope="module")
def fallback() -> Engine:
    return Engine.default(use_hyperscan=False)


@pytest.fixture(scope="module", params=["hyperscan", "python"])
def any_engine(request, engine, fallback) -> Engine:
    return engine if request.param == "hyperscan" else fallback


def texts_of(cases) -> list[str]:
    return [case_values(c)[0] for c in cases]


# Every single-line text of the true and look-alike tables: a few hundred mixed log lines.
MIXED_LINES = sorted(
    {
        t
        for t in texts_of(TRUE_CASES) + texts_of(LOOKALIKES) + [t for t, _ in NOISE]
        if "\n" not in t
    }
)


# The same without PEM armour: a private key may legitimately continue on the lines after its
# BEGIN line (see the PEM tests below), so only these lines must scan alike one by one.
PLAIN_LINES = [t for t in MIXED_LINES if "-----BEGIN" not in t]


def spans_as_text(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start : s.end]) for s in spans]


# --- offsets are code points ----------------------------------------------------------------

NON_ASCII = [
    ("नमस्ते ग्राहक 9876543210", "PHONE_NUMBER", "9876543210"),
    ("₹ 500 paid by 9876543210", "PHONE_NUMBER", "9876543210"),
    ("ग्राहक का ईमेल: rahul.s@gmail.com", "EMAIL_ADDRESS", "rahul.s@gmail.com"),
    ("😀🎉 feedback from rahul.s@gmail.com", "EMAIL_ADDRESS", "rahul.s@gmail.com"),
    ("Zahlung von José Müller, Karte " + VISA, "CREDIT_CARD", VISA),
    ("விலை ₹1,299 — UPI priya92@paytm", "IN_UPI_ID", "priya92@paytm"),
    ("配送先 client_ip=49.36.112.7", "IP_ADDRESS", "49.36.112.7"),
    ("ग्राहक GSTIN: " + GSTIN_MH, "IN_GSTIN", GSTIN_MH),
    ("🙏 आपका OTP है 482913 (otp=482913)", "OTP_CODE", "482913"),
    ("café ☕ Authorization: Bearer " + JWT_HS, "JWT", JWT_HS),
]


@pytest.mark.parametrize(("text", "entity", "value"), NON_ASCII)
def test_when_non_ascii_text_precedes_value_then_offsets_are_code_points(
    engine, text, entity, value
):
    start = text.rindex(value)
    spans = [s for s in engine.scan_text(text) if s.entity_type == entity]
    assert (start, start + len(value)) in [(s.start, s.end) for s in spans]


@pytest.mark.parametrize(("text", "entity", "value"), NON_ASCII)
def test_when_non_ascii_line_is_scanned_as_bytes_then_offsets_are_code_points_of_the_line(
    engine, text, entity, value
):
    data = ("first line without anything\n" + text + "\n").encode()
    results = list(engine.scan_lines(data))
    assert [li for li, _, _ in results] == [1]
    _, line, spans = results[0]
    assert line == text
    assert value in [line[s.start : s.end] for s in spans if s.entity_type == entity]


# --- one value, one entity ------------------------------------------------------------------

ONE_ENTITY = [
    ("vpa: 9876543210@ybl", "9876543210@ybl", "IN_UPI_ID"),
    ("paid via 9876543210@paytm", "9876543210@paytm", "IN_UPI_ID"),
    (f"GSTIN: {GSTIN_MH}", GSTIN_MH, "IN_GSTIN"),
    (f"seller {GSTIN_MH} invoice", GSTIN_MH, "IN_GSTIN"),
    (f"Authorization: Bearer {JWT_HS}", JWT_HS, "JWT"),
    ("upi=rahul.sharma@okhdfcbank", "rahul.sharma@okhdfcbank", "IN_UPI_ID"),
]


@pytest.mark.parametrize(("text", "value", "entity"), ONE_ENTITY)
def test_when_value_contains_another_entity_then_only_the_outer_entity_is_reported(
    engine, text, value, entity
):
    start = text.index(value)
    end = start + len(value)
    touching = [s for s in engine.scan_text(text) if s.start < end and start < s.end]
    assert [(s.entity_type, s.start, s.end) for s in touching] == [(entity, start, end)]


@pytest.mark.parametrize("text", MIXED_LINES)
def test_when_any_line_is_scanned_then_spans_never_overlap(engine, text):
    spans = engine.scan_text(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start, spans_as_text(text, [a, b])


# --- scores -----------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_when_spans_are_reported_then_scores_are_in_unit_range_and_above_threshold(threshold):
    strict = Engine.default(threshold=threshold)
    seen = 0
    for text in MIXED_LINES:
        for s in strict.scan_text(text):
            seen += 1
            assert 0.0 <= s.score <= 1.0
            assert s.score >= strict.threshold
            assert 0 <= s.start < s.end <= len(text)
            assert s.entity_type and s.detector
    assert seen > 100


# --- determinism ------------------------------------------------------------------------------


def test_when_the_same_lines_are_scanned_twice_then_spans_are_identical(engine):
    first = [engine.scan_text(t) for t in MIXED_LINES]
    second = [engine.scan_text(t) for t in MIXED_LINES]
    fresh = Engine.default()
    third = [fresh.scan_text(t) for t in MIXED_LINES]
    assert first == second == third


def test_when_engine_is_pickled_as_for_spark_workers_then_it_finds_the_same_spans(engine):
    buffer = "\n".join(MIXED_LINES).encode()
    before = list(engine.scan_lines(buffer))
    clone = pickle.loads(pickle.dumps(engine))
    assert list(clone.scan_lines(buffer)) == before


# --- scan_lines agrees with scan_text ---------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_when_buffer_of_lines_is_scanned_then_indices_and_spans_equal_scan_text(
    any_engine, newline
):
    buffer = newline.join(PLAIN_LINES).encode()
    by_line = {li: (line, spans) for li, line, spans in any_engine.scan_lines(buffer)}
    for li, text in enumerate(PLAIN_LINES):
        expected = any_engine.scan_text(text)
        if expected:
            assert li in by_line, text
            line, spans = by_line[li]
            assert line == text
            assert spans == expected, text
        else:
            assert li not in by_line, text


def test_when_buffer_has_empty_lines_and_no_final_newline_then_indices_still_match(engine):
    lines = ["", "phone=9876543210", "", "", "email=rahul.s@gmail.com", "nothing here", "cvv=123"]
    got = [
        (li, spans_as_text(line, spans))
        for li, line, spans in engine.scan_lines("\n".join(lines).encode())
    ]
    assert got == [
        (1, [("PHONE_NUMBER", "9876543210")]),
        (4, [("EMAIL_ADDRESS", "rahul.s@gmail.com")]),
        (6, [("CVV", "123")]),
    ]


# --- private keys over several lines ------------------------------------------------------------


def test_when_pem_key_is_written_over_several_lines_then_each_of_its_lines_is_private_key(
    any_engine,
):
    key_lines = pem("RSA PRIVATE KEY", "multi", 3, "\n").split("\n")
    lines = [
        "2024-03-11 10:22:01 ERROR TlsLoader - rejected key:",
        *key_lines,
        "2024-03-11 10:22:02 INFO order placed phone=9876543210",
    ]
    got = {
        li: spans_as_text(line, spans)
        for li, line, spans in any_engine.scan_lines("\n".join(lines).encode())
    }
    for li in range(1, 1 + len(key_lines)):
        assert got[li] == [("PRIVATE_KEY", lines[li])], li
    assert got[len(lines) - 1] == [("PHONE_NUMBER", "9876543210")]
    assert 0 not in got


def test_when_a_truncated_pem_key_is_followed_by_log_lines_then_they_keep_their_own_spans(
    any_engine,
):
    lines = [
        "2024-03-11 10:22:01 ERROR failed to parse key: -----BEGIN RSA PRIVATE KEY-----"
        "\\nMIIEowIBAAKCAQEAu1SU1LfVLPHC",
        "2024-03-11 10:22:02 INFO order placed phone=9876543210",
        "2024-03-11 10:22:03 INFO payment ok email=rahul.s@gmail.com",
        "2024-03-11 10:22:04 INFO build 7 deployed",
        "2024-03-11 10:30:00 DEBUG tls chain: -----BEGIN CERTIFICATE-----\\nMIIDdzCCAl+gAwIBAgIE"
        "\\n-----END CERTIFICATE-----",
    ]
    got = {
        li: spans_as_text(line, spans)
        for li, line, spans in any_engine.scan_lines("\n".join(lines).encode())
    }
    assert got[0][0][0] == "PRIVATE_KEY"
    assert got.get(1) == [("PHONE_NUMBER", "9876543210")]
    assert got.get(2) == [("EMAIL_ADDRESS", "rahul.s@gmail.com")]
    assert 3 not in got
    assert 4 not in got


# --- Hyperscan and the pure-Python fallback give the same answers -----------------------------


@pytest.mark.skipif(not HAS_HYPERSCAN, reason="hyperscan not installed")
def test_when_fallback_scans_mixed_lines_then_spans_equal_hyperscan(engine, fallback):
    assert len(MIXED_LINES) >= 300
    assert fallback._scanner.backend == "re"
    assert engine._scanner.backend == "hyperscan"
    for text in MIXED_LINES:
        assert fallback.scan_text(text) == engine.scan_text(text), text
    buffer = "\n".join(PLAIN_LINES).encode()
    assert list(fallback.scan_lines(buffer)) == list(engine.scan_lines(buffer))


# --- scan_values: structured fields --------------------------------------------------------------

FIELD_VALUES = [
    (
        "customer_name",
        ["Rahul Sharma", None, "", "priya patel", "Anita", "  Vikram Singh  ", "Lakshmi N. Iyer"],
        "PERSON",
    ),
    ("customerName", ["Kavya Reddy", "ROHAN GUPTA"], "PERSON"),
    ("$.order.shipping.recipient_name", ["Deepak Verma"], "PERSON"),
    (
        "shipping_address",
        [
            "Flat 402, Sunshine Apartments, 12th Main Road, Indiranagar, Bengaluru 560038",
            None,
            "12 MG Road, Pune 411001",
            "Near Hanuman Mandir, Sector 4, Dwarka, New Delhi 110075",
            "H.No 12-3-45, Ameerpet, Hyderabad 500016",
        ],
        "STREET_ADDRESS",
    ),
    ("billingAddress", ["B-12, Koramangala 5th Block, Bengaluru 560095"], "STREET_ADDRESS"),
    ("phone", ["9876543210", "+91 98765 43210", "+919812345678", "098201 23456"], "PHONE_NUMBER"),
]


@pytest.mark.parametrize(("field", "values", "entity"), FIELD_VALUES)
def test_when_field_name_says_what_values_hold_then_whole_values_are_found(
    any_engine, field, values, entity
):
    found = dict(any_engine.scan_values(values, field))
    for row, value in enumerate(values):
        if not value:
            assert row not in found
            continue
        assert row in found, value
        whole = [(s.start, s.end) for s in found[row] if s.entity_type == entity]
        start = value.index(value.strip())
        assert (start, start + len(value.strip())) in whole, (value, found[row])


def test_when_field_value_contains_newlines_then_offsets_index_the_original_value(any_engine):
    value = "Flat 402,\nSunshine Apartments,\r\nIndiranagar, Bengaluru 560038"
    found = dict(any_engine.scan_values(["x", value], "shipping_address"))
    assert [(s.entity_type, s.start, s.end) for s in found[1]] == [
        ("STREET_ADDRESS", 0, len(value))
    ]


def test_when_field_name_is_not_personal_then_a_name_shaped_value_is_no_person(any_engine):
    values = ["Spring Boot", "Kafka Consumer", "Order Service"]
    for field in ("service_name", "thread_name", "product_name", "event_name"):
        found = dict(any_engine.scan_values(values, field))
        assert not any(s.entity_type == "PERSON" for spans in found.values() for s in spans)


def test_when_values_are_scanned_then_rows_match_scan_text_with_the_field(any_engine):
    values = [case_values(c)[0] for c in TRUE_CASES[:80] if "\n" not in case_values(c)[0]]
    found = dict(any_engine.scan_values(values, "message"))
    for row, value in enumerate(values):
        assert found.get(row, []) == any_engine.scan_text(value, field="message"), value


# --- undecodable bytes ------------------------------------------------------------------------


def test_when_lines_hold_invalid_utf8_then_scan_survives_and_offsets_fit_the_valid_part(engine):
    data = (
        b"\xff\xfe\x00 binary junk \x80\x81\n"
        + b"caf\xc3 truncated \xe0\xa4 then phone=9876543210 ok\n"
        + b"\x00\x01\x02\x03" * 64
        + b"\n"
        + "ग्राहक \xa0".encode()
        + b"\xed\xa0\x80 mail rahul.s@gmail.com\n"
        + b"last \xf0\x9f\x98 line card "
        + VISA.encode()
    )
    got = {li: (line, spans) for li, line, spans in engine.scan_lines(data)}
    assert set(got) == {1, 3, 4}
    expected = {1: "9876543210", 3: "rahul.s@gmail.com", 4: VISA}
    raw_lines = data.split(b"\n")
    for li, value in expected.items():
        line, spans = got[li]
        assert line == raw_lines[li].decode("utf-8", "surrogateescape")
        start = line.index(value)
        assert (start, start + len(value)) in [(s.start, s.end) for s in spans]


# --- a 2 MB line ------------------------------------------------------------------------------

_LONG_LINE_SCRIPT = textwrap.dedent(
    """
    import base64, json, sys, time
    from detectors.engine import Engine

    engine = Engine.default()
    engine.scan_text("warm up")
    rec = json.dumps({
        "order_id": "OD4238871923", "customer_name": "Priya Patel", "phone": "9876543210",
        "email": "priya@gmail.com", "amount": 1299.0, "sku": "MOBGTAGPTB3VS24W",
    })
    records = 2_000_000 // (len(rec) + 1)
    export = "[" + ",".join([rec] * records) + "]"
    blob = "upload body=data:image/png;base64," + base64.b64encode(
        bytes(range(256)) * 5900
    ).decode() + " phone=9876543210"
    out = {"records": records}
    for name, line in (("export", export), ("blob", blob)):
        t = time.perf_counter()
        results = list(engine.scan_lines(line.encode()))
        out[name + "_seconds"] = time.perf_counter() - t
        out[name + "_length"] = len(line)
        out[name + "_phones"] = [
            (s.start, s.end) for _, _, spans in results for s in spans
            if s.entity_type == "PHONE_NUMBER"
        ]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def long_line_run() -> dict:
    """Scan two 2 MB single lines (a JSON export with ~11k records, a base64 upload with a
    phone at the very end) in a child process, so that a pathological regex cannot hang the
    unit tier: it is killed after 60 s."""
    proc = subprocess.run(
        [sys.executable, "-c", _LONG_LINE_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_when_line_is_a_2mb_json_export_then_scan_completes_and_finds_every_phone(
    long_line_run,
):
    assert long_line_run["export_length"] >= 1_900_000
    assert long_line_run["export_seconds"] < 15
    assert len(long_line_run["export_phones"]) == long_line_run["records"]


def test_when_value_ends_a_2mb_line_then_it_is_found_at_its_exact_offset(long_line_run):
    assert long_line_run["blob_length"] >= 2_000_000
    assert long_line_run["blob_seconds"] < 15
    end = long_line_run["blob_length"]
    assert long_line_run["blob_phones"] == [[end - 10, end]]


# --- context-only entities --------------------------------------------------------------------

CONTEXT_ONLY = [
    ("CVV", "482", "ref 482 expiry 12/27", "cvv 482 expiry 12/27"),
    ("CVV", "4821", '{"code":"4821","exp":"11/26"}', '{"cvv":"4821","exp":"11/26"}'),
    ("CVV", "071", "card ending 4242 code=071", "card ending 4242 cvc=071"),
    ("OTP_CODE", "482913", "Your code is 482913", "Your OTP is 482913"),
    ("OTP_CODE", "5521", "sms sent: 5521", "sms sent: otp 5521"),
    ("OTP_CODE", "739201", '{"value":"739201"}', '{"otp":"739201"}'),
    ("IN_PASSPORT", "J8369854", "document J8369854 uploaded", "passport J8369854 uploaded"),
    ("IN_PASSPORT", "K1234567", '{"doc_no":"K1234567"}', '{"passport_no":"K1234567"}'),
    ("IN_PASSPORT", "Z4512378", "id=Z4512378", "passport=Z4512378"),
    ("IN_VOTER", "ABC1234567", "document ABC1234567 uploaded", "voter id ABC1234567 uploaded"),
    ("IN_VOTER", "TNX0123456", '{"doc":"TNX0123456"}', '{"epic":"TNX0123456"}'),
    ("IN_VOTER", "GDN0225185", "kyc_doc GDN0225185", "kyc_doc voter_id=GDN0225185"),
]


@pytest.mark.parametrize(("entity", "value", "without", "with_context"), CONTEXT_ONLY)
def test_when_context_only_entity_lacks_its_word_then_it_is_not_reported(
    engine, entity, value, without, with_context
):
    assert value in without
    assert [s for s in engine.scan_text(without) if s.entity_type == entity] == []


@pytest.mark.parametrize(("entity", "value", "without", "with_context"), CONTEXT_ONLY)
def test_when_context_only_entity_has_its_word_then_it_is_reported(
    engine, entity, value, without, with_context
):
    found = [
        with_context[s.start : s.end]
        for s in engine.scan_text(with_context)
        if s.entity_type == entity
    ]
    assert found == [value]
