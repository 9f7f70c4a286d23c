"""``piisweep detect`` on plain text through the compiled rows path (``jobs.textrows``)
against the reference path it stands in for (``scan_line_block`` with ``redact=False``,
``local_detect._rows``): the same bytes out, through the CLI, on real and generated logs,
on lines with non-ASCII text, undecodable bytes, CRLF, control characters, a private key
split across chunks, and on random lines, under the default policy, the ISCP preset and
a policy with the operators that may refuse a value.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import load_engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs import cli, local_detect, textrows
from jobs.localfiles import line_chunks

ROOT = Path(__file__).resolve().parents[2]
KEYS = KeyRing(b"f" * 32, b"t" * 32, {"k1": b"e" * 32}, "k1")
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

EVERY_FALLIBLE = {
    "version": 1,
    "threshold": 0.6,
    "default": {"action": "mask", "mask_char": "*"},
    "entities": {
        "IP_ADDRESS": {"action": "generalize"},
        "DATE_OF_BIRTH": {"action": "generalize"},
        "STREET_ADDRESS": {"action": "generalize"},
        "PHONE_NUMBER": {"action": "tokenize"},
        "EMAIL_ADDRESS": {"action": "tokenize"},
        "IN_PAN": {"action": "hash"},
        "DEVICE_ID": {"action": "hash"},
        "OTP_CODE": {"action": "drop"},
        "CVV": {"action": "drop"},
        "PERSON": {"action": "keep"},
    },
}
POLICY_FILES = ["conf/policy.yaml", "conf/policies/iscp.yaml", "every-fallible"]

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "".join(
        "MIIEowIBAAKCAQEA" + "x7Qz" * 12 + "\n" if i % 2 else "Ab3+/" * 12 + "Zq==\n"
        for i in range(8)
    )
    + "-----END RSA PRIVATE KEY-----\n"
)
SPECIAL = b"".join(
    [
        "Ünïcödé — call +91 98765 43210, mail ravi.kumar@example.com\n".encode(),
        b"\xff\xfe undecodable then 9876543210 and r\xffavi@example.com end \xe2\x82\n",
        "name: Ravi Kumär, email: rávi@exämple.com, ip 10.1.2.3\r\n".encode(),
        b"ctrl \x01\x1f tab\tphone 9876543210\x0c card 4111 1111 1111 1111\x7f\n",
        b'quote "ravi@example.com" back\\slash 10.1.2.3 and \\"x\\"\n',
        b"ip 10.0.0.1\r\r\n",
        b"dob 31/02/1990 dob 1990-05-04 ips ::1 1.2.3.999 2001:db8::7334\n",
        "wide 𝄞 then 9876543210 and PAN ABCPE1234F otp 482913\n".encode(),
        b"mail \xc3\xa9ric.d@example.com and \xed\xa0\x80@x.in aadhaar 2345 6789 0124\n",
        "address: 12 Müller Straße, Bengaluru 560001; password=sécret123abc!\n".encode(),
        b"password=ab\xffcd12345678 api_key=\xff\xfeABCDEF1234567890abcdef\n",
        "addr: 221B Baker Street, Münich 560001 by Ravi Kumar ☃\n".encode(),
        PEM.encode(),
        b"key=AKIAIOSFODNN7EXAMPLE secret after the key, no final newline 9876543210",
    ]
)


def _policy_path(name: str, tmp_path: Path) -> Path:
    if name != "every-fallible":
        return ROOT / name
    path = tmp_path / "every-fallible.yaml"
    path.write_text(json.dumps(EVERY_FALLIBLE))
    return path


@pytest.fixture(autouse=True)
def _stable_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys from the environment: ephemeral keys would differ from run to run."""
    monkeypatch.delenv("PIISWEEP_KEY_FILE", raising=False)
    monkeypatch.setenv("PIISWEEP_FINGERPRINT_KEY", "ab" * 32)
    monkeypatch.setenv("PIISWEEP_TOKEN_KEY", "cd" * 32)


def _cli_detect(
    monkeypatch: pytest.MonkeyPatch,
    path: Path,
    policy: Path,
    compiled: bool,
    chunk: int | None,
    tmp_out: Path,
) -> bytes:
    """``piisweep detect`` of ``path`` as text, its output's bytes; ``compiled`` False takes
    the reference path, ``chunk`` makes line_chunks read that many bytes at a time."""
    out = tmp_out / f"{path.name}.{compiled}.jsonl"
    calls: list[int] = []
    real_rows = textrows.TextRows.rows
    with monkeypatch.context() as m:
        if not compiled:
            m.setattr(local_detect, "_compiled_text", lambda ctx: False)
        if chunk is not None:
            m.setattr(local_detect, "line_chunks", functools.partial(line_chunks, size=chunk))

        def counted(self, *args):  # type: ignore[no-untyped-def]
            calls.append(1)
            return real_rows(self, *args)

        m.setattr(textrows.TextRows, "rows", counted)
        argv = ["detect", str(path), "--format", "text", "--engine", "native"]
        assert cli.main([*argv, "--policy", str(policy), "--output", str(out)]) == 0
    assert bool(calls) == compiled  # each path is the one meant
    return out.read_bytes()


def _inputs(tmp_path: Path) -> Iterator[tuple[str, Path, int | None]]:
    from bench.generate import generate

    for name in ["tests/data/system_logs.txt", "tests/data/ecommerce_partner_logs.txt"]:
        yield name, ROOT / name, None
    for name in ["apache_access/apache_logs.log.gz", "linux_auth/auth.log.gz"]:
        yield name, ROOT / "tests/data/reallogs" / name, None
    corpus = tmp_path / "corpus.log"
    generate(11, corpus, tmp_path / "corpus.labels", lines=2500)
    yield "generated", corpus, None
    yield "generated, 4 KB chunks", corpus, 4096
    special = tmp_path / "special.log"
    special.write_bytes(SPECIAL * 3)
    yield "special", special, None
    yield "special, 64-byte chunks", special, 64


@pytest.mark.parametrize("policy_name", POLICY_FILES)
def test_cli_detect_text_equals_the_reference(
    policy_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _policy_path(policy_name, tmp_path)
    for name, path, chunk in _inputs(tmp_path):
        fast = _cli_detect(monkeypatch, path, policy, True, chunk, tmp_path)
        reference = _cli_detect(monkeypatch, path, policy, False, chunk, tmp_path)
        assert fast == reference, name
        if name != "linux_auth/auth.log.gz":
            assert fast, name  # an empty comparison proves nothing


def test_a_private_key_split_across_chunks_is_reported_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pem.log"
    path.write_bytes(b"before\n" + PEM.encode() + b"after 9876543210\n")
    fast = _cli_detect(monkeypatch, path, ROOT / "conf/policy.yaml", True, 48, tmp_path)
    rows = [json.loads(line) for line in fast.decode().splitlines()]
    keys = [r["line_number"] for r in rows if r["entity_type"] == "PRIVATE_KEY"]
    assert keys == list(range(2, 12))  # BEGIN, eight body lines, END
    assert fast == _cli_detect(monkeypatch, path, ROOT / "conf/policy.yaml", False, 48, tmp_path)


# ------------------------------------------------------------------ random lines
@functools.cache
def _contexts() -> list[local_detect.Context]:
    policies = [Policy.load(ROOT / p) for p in POLICY_FILES[:2]]
    policies.append(Policy.from_dict(EVERY_FALLIBLE))
    return [
        local_detect.Context(load_engine(None, threshold=p.threshold), p, KEYS, "stdin ☃")
        for p in policies
    ]


_PIECES = [
    "9876543210",
    "+91 98765 43210",
    "ravi.kumar@example.com",
    "rávi@exämple.com",
    "10.1.2.3",
    "1.2.3.999",
    "2001:db8::1",
    "31/02/1990",
    "dob 1990-05-04",
    "4111 1111 1111 1111",
    "ABCPE1234F",
    "otp 482913",
    "Mr. Ravi Kumar",
    "12 MG Road, Bengaluru 560001",
    "AKIAIOSFODNN7EXAMPLE",
    "-----BEGIN PRIVATE KEY-----",
    "MIIEowIBAAKCAQEAx7Qz",
    "-----END PRIVATE KEY-----",
    '"',
    "\\",
    "\t",
    "\x00",
    "\r",
]
_RAW_PIECES = [
    "address: 12 Müller Straße, Bengaluru 560001".encode(),
    "password=sécret123abc!".encode(),
    b"password=ab\xffcd12345678",
    b"api_key=\xff\xfeABCDEF1234567890abcdef",
    b"user Ravi Kumar\xff called",
]
_piece = st.one_of(
    st.sampled_from(_PIECES).map(str.encode),
    st.sampled_from(_RAW_PIECES),
    st.text(max_size=8).map(str.encode),
    st.binary(max_size=4),
)
_line = st.lists(_piece, max_size=6).map(b" ".join)
_ending = st.sampled_from([b"\n", b"\r\n"])


def _detect(data: bytes, ctx: local_detect.Context, compiled: bool, chunk: int) -> bytes:
    chunks = functools.partial(line_chunks, size=chunk)
    saved = local_detect._compiled_text, local_detect.line_chunks
    local_detect.line_chunks = chunks  # type: ignore[assignment]
    if not compiled:
        local_detect._compiled_text = lambda ctx: False  # type: ignore[assignment]
    try:
        texts = [text for _, text in local_detect.detect(io.BytesIO(data), "text", ctx)]
    finally:
        local_detect._compiled_text, local_detect.line_chunks = saved  # type: ignore[assignment]
    return b"".join(texts)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_line, _ending), min_size=1, max_size=12),
    st.sampled_from(range(3)),
    st.sampled_from([16, 200, 1 << 20]),
)
def test_random_lines_equal_the_reference(
    lines: list[tuple[bytes, bytes]], which: int, chunk: int
) -> None:
    data = b"".join(line + end for line, end in lines)
    ctx = _contexts()[which]
    assert _detect(data, ctx, True, chunk) == _detect(data, ctx, False, chunk)


# ------------------------------------------------------------------ the row writer
@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(allow_nan=False), st.sampled_from([0.95, 1.0, 0.1 + 0.2, 1e-5])))
def test_scores_are_written_as_python_writes_them(score: float) -> None:
    from detectors import _native

    cols = textrows.np.array([[0, 0, 3, 0, 1, 0, 0]], dtype=textrows.np.int64)
    head = b'"entity_type": "X", "detector": "d", "score": '
    text = _native.text_rows(
        b"abc", cols.tobytes(), textrows.np.array([score]).tobytes(), 0,
        b'{"line_number": ', [head], ["X"], [b'"keep"'], b"k" * 32, {},
    )  # fmt: skip
    assert json.loads(text)["score"] == score
    assert b'"score": ' + _ENCODE(score).encode() + b", " in text


# ------------------------------------------------------------------ actions on arrays
_ENTITIES = ["IP_ADDRESS", "DATE_OF_BIRTH", "STREET_ADDRESS", "PHONE_NUMBER", "IN_PAN", "PERSON"]
_VALUES = ["10.1.2.3", "::1", "31/02/1990", "1990-05-04", "Road 560001", "12", "98765 43210"]


@st.composite
def _lines_and_spans(draw: st.DrawFn) -> list[tuple[str, list[tuple[int, int, str, float]]]]:
    """Lines with spans that may overlap (the engine resolves overlaps; the policy must
    still treat a run of them as one ``replace``), scores around the thresholds."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        parts = draw(
            st.lists(
                st.one_of(st.sampled_from(_VALUES), st.text(max_size=5)), min_size=1, max_size=5
            )
        )
        text = " ".join(parts)
        spans = []
        for _ in range(draw(st.integers(0, 4)) if text else 0):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            score = draw(st.sampled_from([0.2, 0.5, 0.6, 0.7, 0.95]))
            spans.append((start, end, draw(st.sampled_from(_ENTITIES)), score))
        out.append((text, spans))
    return out


@settings(max_examples=300, deadline=None)
@given(_lines_and_spans(), st.sampled_from(range(3)))
def test_actions_on_arrays_equal_span_actions(
    lines: list[tuple[str, list[tuple[int, int, str, float]]]], which: int
) -> None:
    from detectors.native import FlatSpans
    from detectors.spans import Span

    ctx = _contexts()[which]
    rows = textrows.TextRows(ctx.engine, ctx.policy, ctx.keys, "stdin")  # type: ignore[arg-type]
    names = ctx.engine.span_names  # type: ignore[attr-defined]
    source = {entity: names.index(next(n for n in names if n[0] == entity)) for entity in _ENTITIES}
    data = b""
    cols, scores, expected = [], [], []
    for li, (text, spans) in enumerate(lines):
        lo = len(data)
        data += text.encode("utf-8", "surrogateescape")
        for start, end, entity, score in spans:
            cols.append([li, lo, len(data), start, end, source[entity], 1])
            scores.append(score)
        as_spans = [Span(e, a, b, sc, names[source[e]][1]) for a, b, e, sc in spans]
        applied = ctx.policy.span_actions(text, as_spans, ctx.keys)
        expected += [(li, s.start, s.end, s.entity_type, s.score, a) for s, a in applied]
        data += b"\n"
    flat = FlatSpans(
        textrows.np.array(cols, dtype=textrows.np.int64).reshape(-1, 7),
        textrows.np.array(scores, dtype=textrows.np.float64),
    )
    got_cols, got_scores = textrows.reported(flat, ctx.policy.threshold)
    codes = rows.decide.codes(data, got_cols)
    got = [
        (c[0], c[3], c[4], names[c[5]][0], sc, rows.decide.actions[a])
        for c, sc, a in zip(got_cols.tolist(), got_scores.tolist(), codes.tolist(), strict=True)
    ]
    assert got == expected
