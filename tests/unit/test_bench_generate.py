"""The benchmark corpus generator (bench/) plants valid, correctly located labels and nothing
else: a wrong label would make the engine benchmark blame or credit the detectors wrongly."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote_plus

import phonenumbers
import pytest

# bench/ is not an installed package (it is run as `python -m bench.…` from the repo root).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import oracle  # noqa: E402
from bench.generate import generate  # noqa: E402
from bench.scoring import Span, load_findings, load_labels, masked_context, score  # noqa: E402

LINES = 6000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str], list[dict]]:
    d = tmp_path_factory.mktemp("bench")
    log, labels = d / "app.log", d / "labels.jsonl"
    generate(7, log, labels, lines=LINES)
    lines = log.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    rows = [json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines()]
    return log, labels, lines[:-1], rows


def _text(lines: list[str], row: dict) -> str:
    return lines[row["line_number"] - 1][row["char_start"] : row["char_end"]]


def test_when_same_seed_in_another_process_then_identical_bytes(corpus, tmp_path: Path) -> None:
    log, labels, _, _ = corpus
    out, lab = tmp_path / "a.log", tmp_path / "a.jsonl"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    cmd = [sys.executable, "-m", "bench.generate", "--lines", str(LINES), "--seed", "7",
           "--out", str(out), "--labels", str(lab)]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, capture_output=True)
    assert out.read_bytes() == log.read_bytes()
    assert lab.read_bytes() == labels.read_bytes()


def test_when_seed_differs_then_corpus_differs(corpus, tmp_path: Path) -> None:
    log, *_ = corpus
    generate(8, tmp_path / "b.log", tmp_path / "b.jsonl", lines=500)
    assert (tmp_path / "b.log").read_bytes() != log.read_bytes()[
        : (tmp_path / "b.log").stat().st_size
    ]


def test_when_lines_requested_then_exact_count_and_no_carriage_returns(corpus) -> None:
    _, _, lines, _ = corpus
    assert len(lines) == LINES
    assert not any("\r" in line for line in lines)


def test_when_size_requested_then_bytes_reach_it(tmp_path: Path) -> None:
    stats = generate(3, tmp_path / "s.log", tmp_path / "s.jsonl", size_mb=0.2)
    assert (tmp_path / "s.log").stat().st_size == stats.bytes >= 200_000


def test_when_labels_read_then_spans_are_trimmed_values_inside_the_line(corpus) -> None:
    _, _, lines, rows = corpus
    for row in rows:
        line = lines[row["line_number"] - 1]
        assert 0 <= row["char_start"] < row["char_end"] <= len(line)
        text = _text(lines, row)
        assert text == text.strip(" \"'=:,"), row


def _jwt_header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


CARD_IIN = re.compile(
    r"^(4|5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|60|65|8[12]|508)"
)
VALIDATORS = {
    "CREDIT_CARD": lambda t: oracle.card_valid(t) and CARD_IIN.match(oracle.digits_only(t)),
    "IN_AADHAAR": oracle.aadhaar_valid,
    "IBAN_CODE": oracle.iban_valid,
    "IN_GSTIN": oracle.gstin_valid,
    "IN_PAN": oracle.pan_valid,
    "US_SSN": oracle.ssn_valid,
    "EMAIL_ADDRESS": lambda t: re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", t),
    "IN_UPI_ID": lambda t: re.fullmatch(r"[\w.-]+@[a-z]+", t),
    "IP_ADDRESS": lambda t: ipaddress.ip_address(t) is not None,
    "PHONE_NUMBER": lambda t: phonenumbers.is_valid_number(phonenumbers.parse(t, "IN")),
    "IN_PASSPORT": lambda t: re.fullmatch(r"[A-Z]\d{7}", t),
    "IN_VOTER": lambda t: re.fullmatch(r"[A-Z]{3}\d{7}", t),
    "IN_IFSC": lambda t: re.fullmatch(r"[A-Z]{4}0[A-Z0-9]{6}", t),
    "OTP_CODE": lambda t: re.fullmatch(r"\d{4,8}", t),
    "CVV": lambda t: re.fullmatch(r"\d{3,4}", t),
    "AWS_ACCESS_KEY": lambda t: re.fullmatch(r"AKIA[A-Z0-9]{16}", t),
    "JWT": lambda t: t.count(".") == 2 and "alg" in _jwt_header(t),
    # A BEGIN marker, an END marker, or a base64 body line of a multi-line block.
    "PRIVATE_KEY": lambda t: re.fullmatch(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*|-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=]+",
        t,
        re.S,
    ),
    "MAC_ADDRESS": lambda t: re.fullmatch(r"[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}", t),
}


def test_when_checksummed_entities_labelled_then_their_checksums_hold(corpus) -> None:
    _, _, lines, rows = corpus
    seen: dict[str, int] = defaultdict(int)
    for row in rows:
        check = VALIDATORS.get(row["entity_type"])
        if check is not None:
            text = _text(lines, row)
            value = unquote_plus(text) if row["ctx"] == "url" else text
            assert check(value), (row, text)
            seen[row["entity_type"]] += 1
    assert set(seen) == set(VALIDATORS), "every validated entity is planted in 6000 lines"


def test_when_value_is_url_encoded_then_label_covers_the_encoded_span(corpus) -> None:
    _, _, lines, rows = corpus
    encoded = [r for r in rows if r.get("encoded")]
    assert encoded
    for row in encoded:
        text = _text(lines, row)
        assert row["ctx"] == "url" and ("%" in text or "+" in text)
        if row["entity_type"] == "EMAIL_ADDRESS":
            assert "%40" in text and "@" in unquote_plus(text)


LOOKALIKES = re.compile(r"(?:order_id=|rrn=|txn_id=|\"rrn\":\"|bank_ref=|offset=|OD)(\d{10,19})")


def test_when_background_has_order_and_txn_ids_then_none_is_labelled(corpus) -> None:
    _, _, lines, rows = corpus
    by_line = defaultdict(list)
    for row in rows:
        by_line[row["line_number"]].append((row["char_start"], row["char_end"]))
    found = twelve_digit_fails = 0
    for n, line in enumerate(lines, start=1):
        for m in LOOKALIKES.finditer(line):
            s, e = m.span(1)
            assert not any(a < e and s < b for a, b in by_line[n]), (n, m.group(0))
            found += 1
            if len(m.group(1)) == 12 and m.group(1)[0] in "23456789":
                assert not oracle.verhoeff_valid(m.group(1))
                twelve_digit_fails += 1
    assert found > 200 and twelve_digit_fails > 20


def test_when_number_passes_a_checksum_then_it_is_labelled(corpus) -> None:
    """Outside hex/UUID ids, any Verhoeff-valid 12-digit or Luhn-valid 13-19 digit run is
    planted PII: look-alikes are generated to fail their checksum."""
    _, _, lines, rows = corpus
    by_line = defaultdict(list)
    for row in rows:
        by_line[row["line_number"]].append((row["char_start"], row["char_end"]))
    run = re.compile(r"(?<![0-9A-Za-z-])\d{12,19}(?![0-9A-Za-z-])")
    for n, line in enumerate(lines, start=1):
        for m in run.finditer(line):
            t = m.group()
            valid = oracle.aadhaar_valid(t) if len(t) == 12 else oracle.luhn_valid(t)
            if valid:
                assert any(a <= m.start() and m.end() <= b for a, b in by_line[n]), (n, t)


def test_when_findings_equal_labels_then_scores_are_perfect(corpus, tmp_path: Path) -> None:
    _, labels_path, _, rows = corpus
    findings = tmp_path / "f.jsonl"
    findings.write_text("".join(json.dumps({**r, "detector": "oracle"}) + "\n" for r in rows))
    labels = load_labels(labels_path)
    result = score(labels, load_findings(findings), {r["entity_type"] for r in rows})
    assert result["micro"]["f1"] == 1.0 and result["micro"]["fp"] == 0


def test_when_findings_shifted_split_or_retyped_then_matching_counts_them() -> None:
    labels = [
        Span(1, 10, 20, "PHONE_NUMBER"),
        Span(1, 30, 40, "EMAIL_ADDRESS"),
        Span(2, 0, 5, "PERSON"),
    ]
    findings = [
        Span(1, 12, 22, "PHONE_NUMBER"),  # overlapping: a match
        Span(1, 14, 18, "PHONE_NUMBER"),  # second piece of the same value: false positive
        Span(1, 30, 40, "PERSON"),  # wrong type: false positive, and the e-mail is missed
        Span(3, 0, 5, "PERSON"),  # other line: false positive, and line 2 is missed
    ]
    per = score(labels, findings, ["PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON"])["per_entity"]
    assert (per["PHONE_NUMBER"]["tp"], per["PHONE_NUMBER"]["fp"], per["PHONE_NUMBER"]["fn"]) == (
        1,
        1,
        0,
    )
    assert (per["EMAIL_ADDRESS"]["tp"], per["EMAIL_ADDRESS"]["fn"]) == (0, 1)
    assert (per["PERSON"]["tp"], per["PERSON"]["fp"], per["PERSON"]["fn"]) == (0, 2, 1)


def test_when_error_hint_built_then_no_value_or_digit_is_printed() -> None:
    line = 'login {"username":"rahul.s@gmail.com","otp":"482913","order_id":"9876543210"}'
    label = Span(1, line.index("rahul"), line.index('","otp'), "EMAIL_ADDRESS")
    start = line.index("9876543210")
    hint = masked_context(line, start, start + 10, [(label.start, label.end)])
    assert "rahul" not in hint and "gmail" not in hint and not re.search(r"[0-8]", hint)
    assert hint.endswith('order_id":"«9999999999»')
    assert "past the line" in masked_context(line, len(line) - 2, len(line) + 5, [])
