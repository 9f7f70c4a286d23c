"""Engine mechanisms that no single detector owns: multi-line PEM blocks, deny-lists, the
vectorised checksum prefilters and the on-disk scanner cache."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from detectors.checksums import luhn_valid, verhoeff_valid
from detectors.config import load_engine
from detectors.engine import Engine
from detectors.prefilter import aadhaar_hits, luhn_plain_hits


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def test_when_a_private_key_spans_lines_then_every_line_to_the_end_marker_is_reported(
    engine: Engine,
) -> None:
    data = (
        b"2024 INFO loaded key\n-----BEGIN RSA PRIVATE KEY-----\n"
        b"MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumLV5dXJZ6IBmbN3LOGLU\n"
        b"bSm5HYhEVE0SHHKnLjH9UVbE6tIx2Ns+Xy6Tl5GVQ8S7dtsj/VqzgYNw4n1x\n"
        b"-----END RSA PRIVATE KEY-----\nphone 9876543210 after\n"
    )
    found = {li: [s.entity_type for s in spans] for li, _, spans in engine.scan_lines(data)}
    assert found == {
        1: ["PRIVATE_KEY"],
        2: ["PRIVATE_KEY"],
        3: ["PRIVATE_KEY"],
        4: ["PRIVATE_KEY"],
        5: ["PHONE_NUMBER"],
    }


def test_when_a_deny_list_names_a_value_then_it_is_reported_wherever_it_stands(
    tmp_path: Path,
) -> None:
    (tmp_path / "detectors").mkdir()
    (tmp_path / "detectors" / "deny.yaml").write_text(
        "deny_list:\n  - entity_type: PERSON\n    values: ['Zorawar Quixley']\n"
    )
    engine = load_engine(tmp_path)
    text = "ticket raised by zq; escalate to Zorawar Quixley today"
    spans = engine.scan_text(text)
    assert [(s.entity_type, text[s.start : s.end]) for s in spans] == [
        ("PERSON", "Zorawar Quixley")
    ]


def _hits(values: list[str], tail: str) -> tuple[np.ndarray, np.ndarray]:
    buf = b""
    ends = []
    for v in values:
        buf += b"id=" + v.encode() + tail.encode()
        ends.append(len(buf))
        buf += b"\n"
    return np.frombuffer(buf, dtype=np.uint8), np.asarray(ends, dtype=np.int64)


@pytest.mark.parametrize("tail", ["", " ", '"', ".x", ","])
@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_when_aadhaar_hits_are_prefiltered_then_exactly_the_verhoeff_failures_go(
    sep: str, tail: str
) -> None:
    rng = random.Random(f"{sep}{tail}")
    digits = ["".join(rng.choice("0123456789") for _ in range(12)) for _ in range(400)]
    values = [d if not sep else sep.join((d[:4], d[4:8], d[8:])) for d in digits]
    keep = aadhaar_hits(*_hits(values, tail))
    assert keep.tolist() == [verhoeff_valid(d) for d in digits]


@pytest.mark.parametrize("tail", ["", " ", '"', ".x"])
def test_when_card_hits_are_prefiltered_then_exactly_the_luhn_failures_go(tail: str) -> None:
    rng = random.Random(tail)
    digits = [
        "".join(rng.choice("0123456789") for _ in range(rng.randint(13, 19))) for _ in range(400)
    ]
    keep = luhn_plain_hits(*_hits(digits, tail))
    assert keep.tolist() == [luhn_valid(d) for d in digits]


def test_when_card_hits_are_separated_then_the_prefilter_leaves_them_to_python() -> None:
    keep = luhn_plain_hits(*_hits(["4111 1111 1111 1112", "4111-1111-1111-1112"], ""))
    assert keep.tolist() == [True, True]


def test_when_the_scanner_cache_is_warm_then_a_new_engine_finds_the_same_spans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(tmp_path))
    text = "Customer Rahul Sharma paid 4111 1111 1111 1111 from 49.36.12.7"
    cold = Engine.default().scan_text(text)
    assert list(tmp_path.glob("triggers-*.hsdb"))
    warm = Engine.default().scan_text(text)
    assert cold == warm and len(cold) == 3


def test_when_the_native_scanner_cache_is_warm_or_corrupt_then_spans_stay_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiered pass keeps its Hyperscan tier on disk (compiling it costs ~0.2 s a
    process); a new engine loads it, and a damaged file is compiled over, not trusted."""
    from detectors.native import NativeEngine

    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(tmp_path))
    text = "otp 482913 for Rahul Sharma, upi: rahul@okaxis, card 4111 1111 1111 1111"
    cold = NativeEngine.default().scan_text(text)
    (cached,) = tmp_path.glob("native-triggers-*.hsdb")
    warm = NativeEngine.default().scan_text(text)
    cached.write_bytes(b"not a database")
    recompiled = NativeEngine.default().scan_text(text)
    assert cold == warm == recompiled
    assert cached.read_bytes() != b"not a database"  # the compiled database replaced it
    assert {s.entity_type for s in cold} >= {"OTP_CODE", "PERSON", "IN_UPI_ID", "CREDIT_CARD"}


def test_when_the_cache_keeps_the_dense_dfa_then_engines_load_it_and_shipped_ones_never_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiered pass's dense DFA costs ~2.4 s to build and saves ~55 ms a process: it is
    built by an engine that found the cache's payload (a cache that works), loaded by every
    later engine, and never built by an engine unpickled in a Spark worker, which would pay
    the build on every fresh node; a cache that cannot be written never asks for it."""
    import pickle
    import threading
    import time

    from detectors.native import NativeEngine

    text = "otp 482913 for Rahul Sharma, +91 98765 43210, card 4111 1111 1111 1111 from 49.36.12.7"
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(tmp_path))
    first = NativeEngine.default()
    assert first._core.trigger_dfa == "lazy"  # no payload yet: the lazy one, then written
    (cached,) = tmp_path.glob("native-triggers-*.hsdb")
    lazy = first.scan_text(text)
    assert {s.entity_type for s in lazy} >= {"OTP_CODE", "PHONE_NUMBER", "IP_ADDRESS"}
    shipped = pickle.loads(pickle.dumps(NativeEngine.default()))
    assert shipped._core.trigger_dfa == "lazy"  # a worker's engine does not build it
    ticks = [0]
    done = threading.Event()

    def tick() -> None:  # runs only while the build leaves the GIL to other threads
        while not done.is_set():
            time.sleep(0.001)
            ticks[0] += 1

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        built = NativeEngine.default()
        before = ticks[0]
        assert built._core.trigger_dfa == "dense"  # built here, seconds of compiling
        during = ticks[0] - before
    finally:
        done.set()
        ticker.join()
    assert during >= 100, f"other threads ran {during} times while the DFA was built"
    assert built.scan_text(text) == lazy
    written = cached.stat().st_mtime_ns, cached.stat().st_size
    assert written[1] > 1 << 20
    loaded = pickle.loads(pickle.dumps(NativeEngine.default()))
    assert loaded._core.trigger_dfa == "dense"  # from the cache, not built
    assert loaded.scan_text(text) == lazy
    assert loaded._core.compiled() is None  # nothing new: the file is left as it is
    assert (cached.stat().st_mtime_ns, cached.stat().st_size) == written
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", "off")
    assert NativeEngine.default()._core.trigger_dfa == "lazy"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(blocked / "cache"))
    for _ in range(2):
        assert NativeEngine.default()._core.trigger_dfa == "lazy"


def test_when_the_name_lists_are_cached_then_a_new_process_reads_the_same_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from detectors import names

    monkeypatch.setenv("PIISWEEP_CACHE_DIR", str(tmp_path))
    built = []

    def build() -> frozenset[str]:
        built.append(1)
        return names._build_first_names()

    cold = names._cached("first", build)
    assert len(list(tmp_path.glob("names-first-*.txt"))) == 1
    warm = names._cached("first", build)
    assert warm == cold == names._build_first_names() and built == [1]
    assert {"Priya", "Rahul"} <= warm


def test_when_a_private_key_header_is_followed_by_log_lines_then_they_are_not_swallowed(
    engine: Engine,
) -> None:
    data = (
        b"-----BEGIN RSA PRIVATE KEY-----\n"
        b"INFO next request from 9876543210\n"
        b"INFO unrelated line\n"
        b"-----END RSA PRIVATE KEY-----\n"
    )
    found = {li: [s.entity_type for s in spans] for li, _, spans in engine.scan_lines(data)}
    assert found == {0: ["PRIVATE_KEY"], 1: ["PHONE_NUMBER"]}


def test_when_a_private_key_is_split_across_buffers_then_the_stream_state_carries_it(
    engine: Engine,
) -> None:
    from detectors.engine import StreamState

    state = StreamState()
    first = list(engine.scan_lines(b"x\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBBBB\n", state))
    second = list(engine.scan_lines(b"AwEHoUQDQgAE\n-----END EC PRIVATE KEY-----\nok 1\n", state))
    assert [li for li, _, _ in first] == [1, 2]
    assert [li for li, _, _ in second] == [0, 1] and not state.in_pem


@pytest.mark.parametrize("password", ["Kumar@2024", "Terri@1978", "Rahul@1990"])
def test_when_a_password_looks_like_name_at_year_then_it_is_still_a_secret(
    engine: Engine, password: str
) -> None:
    text = f'{{"email":"a@b.in","password":"{password}"}}'
    spans = [s for s in engine.scan_text(text) if s.entity_type == "SECRET"]
    assert [text[s.start : s.end] for s in spans] == [password]


@pytest.mark.parametrize(
    "text",
    [
        "mobile 98XXXXXX10 verified",
        "mail liXX.X@shopkart.in bounced",
        "full_name=KXXX YXXX updated",
        "card ****-****-****-1234 saved",
        "client 49.36.12.0/24 blocked",
        "vpa waXXX@ybl linked",
        "contact X.X@yahoo.com and XX@ybl",
    ],
)
def test_when_a_value_is_already_masked_or_generalised_then_it_is_not_found_again(
    engine: Engine, text: str
) -> None:
    assert engine.scan_text(text) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", "PXXXX SXXXXX"), ("customer_name", "AXXX RXX"), ("address", "XXXXX XX")],
)
def test_when_a_named_field_holds_a_masked_value_then_it_is_not_found_again(
    engine: Engine, field: str, value: str
) -> None:
    assert engine.scan_text(value, field=field) == []
    assert [s.entity_type for s in engine.scan_text("Priya Sharma", field=field)] != []


def test_when_two_entities_tie_on_one_span_then_the_winner_does_not_depend_on_order() -> None:
    from detectors.overlaps import resolve
    from detectors.spans import Span

    a = Span("IN_AADHAAR", 4, 16, 0.7, "in_aadhaar")
    b = Span("PHONE_NUMBER", 4, 16, 0.7, "in_mobile")
    c = Span("EMAIL_ADDRESS", 10, 30, 0.9, "email")  # partly overlaps both, higher score
    assert resolve([a, b]) == resolve([b, a]) == [a]
    assert resolve([a, b, c]) == resolve([c, b, a]) == [c]


def test_when_the_prefilter_drops_every_hit_of_a_buffer_then_nothing_is_found(
    engine: Engine,
) -> None:
    # Twelve-digit ids failing Verhoeff and sixteen-digit refs failing Luhn: the trigger
    # fires, the numpy prefilter drops every hit before any line is looked at.
    data = b"txn=234567890123 ref=4111111111111112\nbatch=345678901234\n"
    assert list(engine.scan_lines(data)) == []


def test_when_the_trigger_pass_runs_alone_then_it_counts_what_python_would_be_handed(
    engine: Engine,
) -> None:
    # The benchmark's stage timing relies on trigger_pass doing the compiled half of
    # scan_lines: the hits the scanner reports, less the checksum failures the prefilter drops.
    bad, good = b"ref=4111111111111112\n", b"card=4111111111111111\n"
    bad_hits, bad_kept = engine.trigger_pass(bad)
    good_hits, good_kept = engine.trigger_pass(good)
    assert bad_hits == len(engine._scanner.scan(bad)[0]) > 0
    assert (bad_kept, good_kept) == (0, good_hits)  # only the Luhn failure is dropped
    both = engine.trigger_pass(bad + good + b"no digits here\n")
    assert both == (bad_hits + good_hits, good_hits)
    assert engine.trigger_pass(b"nothing to see\n") == (0, 0)
