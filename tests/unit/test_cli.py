"""The Spark-free CLI end to end: `piisweep detect` and `piisweep redact` on text, JSON Lines,
CSV and gzip, from files and from a pipe, plus the operator-error contract."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.cli import main
from jobs.findings import COLUMNS

PHONE = "9876543210"
EMAIL = "rahul.sharma@gmail.com"
AADHAAR = "2341 2341 2346"  # Verhoeff-valid
PAN = "ABCPE1234F"
NAME = "Priya Nair"
PLANTED = (PHONE, EMAIL, AADHAAR, PAN, NAME, "Rahul Sharma")

TEXT = (
    "2024-11-23 10:50:03 INFO Started Application in 3.2 s\n"
    f"2024-11-23 10:50:04 INFO Customer Rahul Sharma called from {PHONE} mail {EMAIL}\n"
    "2024-11-23 10:50:05 INFO order_id=8745123698 amount=1299.00 status=PAID\n"
    f"2024-11-23 10:50:06 WARN kyc aadhaar {AADHAAR} pan {PAN}\n"
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def findings(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text(TEXT)
    return path


def test_when_text_is_detected_then_rows_follow_the_contract_and_point_at_the_values(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.jsonl"
    code, _, _ = run(["detect", str(log), "--output", str(out)], capsys)
    rows = findings(out)
    lines = TEXT.splitlines()
    got = {
        (r["entity_type"], lines[r["line_number"] - 1][r["char_start"] : r["char_end"]])
        for r in rows
    }
    assert code == 0
    assert {
        ("PERSON", "Rahul Sharma"),
        ("PHONE_NUMBER", PHONE),
        ("EMAIL_ADDRESS", EMAIL),
        ("IN_AADHAAR", AADHAAR),
        ("IN_PAN", PAN),
    } <= got
    assert not any(r["line_number"] in (1, 3) for r in rows)  # look-alikes stay silent
    for r in rows:
        assert tuple(r) == COLUMNS  # the findings-table columns, in contract order
        assert r["source_uri"] == log.resolve().as_uri()
        assert r["record_index"] is None and r["field_path"] is None
        assert len(r["fingerprint"]) == 64 and 0 <= r["score"] <= 1


def test_when_the_same_input_is_detected_twice_then_findings_are_identical(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run(["detect", str(log), "-o", str(a)], capsys)
    run(["detect", str(log), "-o", str(b)], capsys)
    assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 0


def test_when_input_is_gzip_then_findings_equal_the_plain_file(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(TEXT.encode()))
    plain, packed = tmp_path / "p.jsonl", tmp_path / "g.jsonl"
    run(["detect", str(log), "-o", str(plain)], capsys)
    run(["detect", str(gz), "-o", str(packed)], capsys)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "source_uri"} for r in rows]  # noqa: E731
    assert strip(findings(plain)) == strip(findings(packed)) != []


def test_when_jsonl_is_detected_then_field_paths_and_record_indexes_are_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"event": "signup", "status": "ok"},
        {"customer": {"name": NAME, "phones": ["x", int(PHONE)]}, "order_id": 8745123698},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    out = tmp_path / "f.jsonl"
    run(["detect", str(path), "-o", str(out)], capsys)
    rows = {r["field_path"]: r for r in findings(out)}
    assert rows["$.customer.name"]["entity_type"] == "PERSON"
    assert rows["$.customer.phones[1]"]["entity_type"] == "PHONE_NUMBER"
    assert rows["$.customer.name"]["record_index"] == 1
    assert rows["$.customer.name"]["line_number"] == 2
    assert (rows["$.customer.name"]["char_start"], rows["$.customer.name"]["char_end"]) == (0, 10)
    assert "$.order_id" not in rows  # a 10-digit order id under its key is no phone


def test_when_csv_is_detected_then_columns_rows_and_record_start_lines_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "id,customer_name,note,mobile\n"
        f'1,{NAME},"two\nlines",{PHONE}\n'
        "2,,Checkout Service on Monday,8745123698x\n"
    )
    out = tmp_path / "f.jsonl"
    run(["detect", str(path), "-o", str(out)], capsys)
    rows = findings(out)
    by_field = {r["field_path"]: r for r in rows}
    assert by_field["customer_name"]["entity_type"] == "PERSON"
    assert by_field["mobile"]["entity_type"] == "PHONE_NUMBER"
    assert {r["record_index"] for r in rows} == {0}
    assert {r["line_number"] for r in rows} == {2}  # record 0 starts on line 2, spans two


def test_when_text_is_redacted_then_values_are_gone_and_everything_else_is_byte_identical(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "red.log"
    code, _, _ = run(["redact", str(log), "-o", str(out)], capsys)
    red = out.read_text().splitlines()
    orig = TEXT.splitlines()
    assert code == 0 and len(red) == len(orig)
    assert red[0] == orig[0] and red[2] == orig[2]
    for value in PLANTED:
        assert value not in out.read_text()
    assert "98XXXXXX10" in red[1]  # the policy's mask for phones


def test_when_jsonl_is_redacted_then_records_stay_json_and_a_malformed_line_is_not_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        json.dumps({"customer_name": NAME, "phone": int(PHONE), "ok": True})
        + "\n"
        + f'{{"broken": "{EMAIL}", "phone": {PHONE}\n'
    )
    out = tmp_path / "red.jsonl"
    run(["redact", str(path), "-o", str(out)], capsys)
    first, second = out.read_text().splitlines()
    record = json.loads(first)
    assert record["ok"] is True and record["customer_name"] == "PXXXX NXXX"
    assert isinstance(record["phone"], str) and PHONE not in record["phone"]
    assert EMAIL not in second and PHONE not in second and second.startswith('{"broken"')


def test_when_csv_is_redacted_then_header_row_count_and_untouched_cells_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        f"id,customer_name,mobile,city\n1,{NAME},{PHONE},Pune\n2,,,Delhi\n3,a,b,c,extra {EMAIL}\n"
    )
    out = tmp_path / "r.csv"
    run(["redact", str(path), "-o", str(out)], capsys)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["id", "customer_name", "mobile", "city"]
    assert len(rows) == 4 and rows[1][3] == "Pune" and rows[2] == ["2", "", "", "Delhi"]
    assert NAME not in out.read_text() and PHONE not in out.read_text()
    assert EMAIL not in out.read_text()  # a ragged row's extra cell is scanned too


def test_when_input_has_invalid_utf8_then_it_is_redacted_and_other_bytes_survive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = b"caf\xe9 \xff\xfe phone " + PHONE.encode() + b" end\n"
    path = tmp_path / "latin1.log"
    path.write_bytes(raw)
    out = tmp_path / "r.log"
    assert run(["redact", str(path), "-o", str(out)], capsys)[0] == 0
    data = out.read_bytes()
    assert data.startswith(b"caf\xe9 \xff\xfe phone ") and PHONE.encode() not in data


def test_when_an_input_is_missing_then_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["detect", str(tmp_path / "nope.log")], capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        f"piisweep: error: input not found: {tmp_path / 'nope.log'}"
    ]


def test_when_the_policy_has_a_wrong_action_then_exit_2_naming_file_and_key(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nentities:\n  PHONE_NUMBER: {action: masked}\n")
    code, _, err = run(["redact", str(log), "--policy", str(policy)], capsys)
    assert code == 2 and str(policy) in err and "entities.PHONE_NUMBER.action" in err
    assert "Traceback" not in err


def test_when_a_custom_detector_file_is_wrong_then_exit_2_naming_file_and_key(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "detectors").mkdir()
    bad = tmp_path / "detectors" / "mine.yaml"
    bad.write_text(
        "detectors:\n  - name: emp\n    entity_type: EMP_ID\n"
        "    regex: 'EMP\\d{6}'\n    scor: 0.9\n"
    )
    code, _, err = run(["detect", str(log), "--conf-dir", str(tmp_path)], capsys)
    assert code == 2 and str(bad) in err and "scor" in err


def test_when_a_custom_detector_and_allow_list_are_configured_then_both_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "detectors").mkdir()
    (tmp_path / "detectors" / "mine.yaml").write_text(
        "detectors:\n  - name: emp\n    entity_type: EMPLOYEE_ID\n    regex: '\\bEMP\\d{6}\\b'\n"
        "allow_list:\n  values: ['support@shop.example']\n"
    )
    log = tmp_path / "a.log"
    log.write_text("badge EMP123456 mailed support@shop.example and asha.k@gmail.com\n")
    out = tmp_path / "f.jsonl"
    run(["detect", str(log), "--conf-dir", str(tmp_path), "-o", str(out)], capsys)
    assert sorted(r["entity_type"] for r in findings(out)) == ["EMAIL_ADDRESS", "EMPLOYEE_ID"]


def test_when_findings_and_errors_are_written_then_no_planted_value_appears_raw(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.jsonl"
    _, stdout, stderr = run(["-v", "detect", str(log), "-o", str(out)], capsys)
    for text in (out.read_text(), stdout, stderr):
        for value in PLANTED:
            assert value not in text
            assert value.replace(" ", "") not in text


def test_when_redact_reads_a_pipe_then_each_line_comes_back_before_the_input_ends(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "redact", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin and proc.stdout
    try:
        proc.stdin.write(f"login from {PHONE}\n".encode())
        proc.stdin.flush()
        first = proc.stdout.readline()  # would block forever if redact waited for EOF
        proc.stdin.write(b"plain line\n")
        proc.stdin.close()
        rest = proc.stdout.read()
    finally:
        proc.wait(timeout=60)
    assert first == b"login from 98XXXXXX10\n" and rest == b"plain line\n"
    assert proc.returncode == 0


def test_when_detect_reads_stdin_then_findings_name_it_and_carry_no_raw_value(
    tmp_path: Path,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "detect", "-"],
        input=gzip.compress(f"ok\nlogin from {PHONE}\n".encode()),  # sniffed, not named
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [(r["source_uri"], r["line_number"], r["entity_type"]) for r in rows] == [
        ("stdin", 2, "PHONE_NUMBER")
    ]
    assert rows[0]["char_start"] == len("login from ") and PHONE not in proc.stdout.decode()


def test_when_gzip_is_truncated_then_exit_2_and_a_reason_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut.log.gz"
    path.write_bytes(gzip.compress((TEXT * 200).encode())[:-40])
    code, _, err = run(["detect", str(path), "-o", str(tmp_path / "f.jsonl")], capsys)
    assert code == 2 and "ends early or is corrupt" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["broken.log.gz", "broken.csv.gz", "broken.json.gz"])
def test_when_a_gzip_block_is_broken_then_exit_2_and_a_reason_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from tests.unit.test_hostile_inputs import broken_deflate

    body = {
        "broken.log.gz": TEXT * 2000,
        "broken.csv.gz": "name,phone\n" + "Ravi,9876543210\n" * 20000,
        "broken.json.gz": '[{"phone": "9876543210"}' + ', {"phone": "9876543210"}' * 20000,
    }[name]
    path = tmp_path / name
    path.write_bytes(broken_deflate(body.encode()))
    code, _, err = run(["detect", str(path), "-o", str(tmp_path / "f.jsonl")], capsys)
    assert code == 2 and "ends early or is corrupt" in err and "Traceback" not in err


@pytest.mark.parametrize("suffix", ["bin", "log.gz"])
def test_when_input_is_binary_then_exit_2_naming_it_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    payload = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PHONE.encode() + bytes(range(256))
    path = tmp_path / f"image.{suffix}"
    path.write_bytes(gzip.compress(payload) if suffix.endswith("gz") else payload)
    out = tmp_path / "f.jsonl"
    code, _, err = run(["detect", str(path), "-o", str(out)], capsys)
    assert code == 2 and "looks binary" in err and str(path) in err
    assert not out.exists()


def test_when_input_is_zstd_then_it_is_read_like_plain_text(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow as pa

    packed = tmp_path / "app.log.zst"
    with pa.CompressedOutputStream(str(packed), "zstd") as sink:
        sink.write(TEXT.encode())
    out = tmp_path / "z.jsonl"
    assert run(["detect", str(packed), "-o", str(out)], capsys)[0] == 0
    assert {r["entity_type"] for r in findings(out)} >= {"PHONE_NUMBER", "IN_PAN"}


def test_when_version_is_asked_then_the_installed_version_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import importlib.metadata

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"piisweep {importlib.metadata.version('piisweep')}"


PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumLV5dXJZ6IBmbN3LOGLU\n"
    "bSm5HYhEVE0SHHKnLjH9UVbE6tIx2Ns+Xy6Tl5GVQ8S7dtsj/VqzgYNw4n1x\n"
    "-----END RSA PRIVATE KEY-----\n"
)


def test_when_a_private_key_is_redacted_line_by_line_then_no_body_line_survives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys.log"
    path.write_text("loading key\n" + PEM + f"after {PHONE}\n")
    out = tmp_path / "r.log"
    run(["redact", str(path), "--line-buffered", "-o", str(out)], capsys)
    red = out.read_text()
    assert "MIIEpAIB" not in red and "bSm5HYh" not in red and "-----END" not in red
    assert red.splitlines()[0] == "loading key" and red.splitlines()[-1] == "after 98XXXXXX10"


def test_when_redact_threshold_is_overridden_then_redaction_follows_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.log"
    path.write_text(f"txn ref {PHONE} ok\n")  # an id word nearby: a low-scoring phone
    default, low = tmp_path / "d.log", tmp_path / "l.log"
    run(["redact", str(path), "-o", str(default)], capsys)
    run(["redact", str(path), "--threshold", "0.05", "-o", str(low)], capsys)
    detected = tmp_path / "f.jsonl"
    run(["detect", str(path), "--threshold", "0.05", "-o", str(detected)], capsys)
    assert PHONE in default.read_text()
    assert PHONE not in low.read_text() and len(findings(detected)) == 1


def test_when_a_json_key_holds_pii_then_it_is_reported_masked_and_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k.jsonl"
    path.write_text(json.dumps({"contacts": {EMAIL: "primary", "x": PHONE}}) + "\n")
    found, red = tmp_path / "f.jsonl", tmp_path / "r.jsonl"
    run(["detect", str(path), "-o", str(found)], capsys)
    run(["redact", str(path), "-o", str(red)], capsys)
    rows = findings(found)
    assert {r["entity_type"] for r in rows} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert EMAIL not in found.read_text()  # the key's path is masked too
    assert EMAIL not in red.read_text() and PHONE not in red.read_text()
    assert json.loads(red.read_text())["contacts"]  # still a JSON object with members


def test_when_compression_and_name_disagree_then_the_content_decides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow as pa

    plain_gz = tmp_path / "plain.log.gz"  # not gzip at all
    plain_gz.write_text(f"call {PHONE}\n")
    zst_csv = tmp_path / "export.csv"  # zstd inside, CSV once decompressed
    with pa.CompressedOutputStream(str(zst_csv), "zstd") as sink:
        sink.write(f"id,mobile\n1,{PHONE}\n".encode())
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run(["detect", str(plain_gz), "-o", str(a)], capsys)[0] == 0
    assert run(["detect", str(zst_csv), "-o", str(b)], capsys)[0] == 0
    assert [r["entity_type"] for r in findings(a)] == ["PHONE_NUMBER"]
    assert [r["field_path"] for r in findings(b)] == ["mobile"]


def test_when_gzip_header_is_corrupt_then_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    code, _, err = run(["detect", str(path)], capsys)
    assert code == 2 and "corrupt" in err and "Traceback" not in err


def test_when_csv_columns_repeat_or_are_named_like_overflow_cells_then_each_cell_is_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(f"note,note,_c2\nhello,{PHONE},{EMAIL}\n")
    out = tmp_path / "r.csv"
    run(["redact", str(path), "-o", str(out)], capsys)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["note", "note", "_c2"]  # the file's own header, untouched
    assert rows[1][0] == "hello" and rows[1][1] == "98XXXXXX10" and EMAIL not in rows[1][2]


def test_when_a_customer_export_has_human_column_names_then_each_pii_column_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = Path(__file__).parents[1] / "data" / "customer_export.csv"
    out = tmp_path / "f.jsonl"
    run(["detect", str(export), "-o", str(out)], capsys)
    found: dict[tuple[str, str], int] = {}
    for r in findings(out):
        key = (r["field_path"], r["entity_type"])
        found[key] = found.get(key, 0) + 1
    assert found == {
        ("First Name", "PERSON"): 3,
        ("Last Name", "PERSON"): 3,
        ("Mobile No", "PHONE_NUMBER"): 3,
        ("Email ID", "EMAIL_ADDRESS"): 3,
        ("Address Line 1", "STREET_ADDRESS"): 3,
        ("Address Line 2", "STREET_ADDRESS"): 2,
        ("UPI", "IN_UPI_ID"): 1,
    }  # and nothing in Order ID, City, State, Pincode, Amount or Payment Mode


def test_when_a_json_file_holds_json_lines_then_it_is_read_as_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What Spark's DataFrame.write.json writes: JSON Lines under a .json name.
    path = tmp_path / "part-00000.json"
    path.write_text(
        json.dumps({"customer_name": NAME, "phone": PHONE})
        + "\n"
        + json.dumps({"email": EMAIL})
        + "\n"
    )
    found, red = tmp_path / "f.jsonl", tmp_path / "r.json"
    assert run(["detect", str(path), "-o", str(found)], capsys)[0] == 0
    rows = findings(found)
    got = {(r["record_index"], r["field_path"], r["entity_type"]) for r in rows}
    assert got == {
        (0, "$.customer_name", "PERSON"),
        (0, "$.phone", "PHONE_NUMBER"),
        (1, "$.email", "EMAIL_ADDRESS"),
    }
    assert {r["line_number"] for r in rows} == {1, 2}
    run(["redact", str(path), "-o", str(red)], capsys)
    records = [json.loads(line) for line in red.read_text().splitlines()]
    assert len(records) == 2 and records[0]["phone"] != PHONE and PHONE not in red.read_text()


def test_when_a_json_document_is_detected_then_records_are_its_array_elements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "export.json"
    doc = [{"customer": {"name": NAME, "phone": PHONE}}, {"note": "ok"}, {"email": EMAIL}]
    path.write_text(json.dumps(doc, indent=2))
    found, red = tmp_path / "f.jsonl", tmp_path / "r.json"
    assert run(["detect", str(path), "-o", str(found)], capsys)[0] == 0
    got = {(r["record_index"], r["field_path"], r["line_number"]) for r in findings(found)}
    want = {(0, "$.customer.name", None), (0, "$.customer.phone", None), (2, "$.email", None)}
    assert got == want
    run(["redact", str(path), "-o", str(red)], capsys)
    out = json.loads(red.read_text())  # still one JSON document, an array of 3 records
    assert len(out) == 3 and out[1] == {"note": "ok"}
    assert NAME not in red.read_text() and PHONE not in red.read_text()
    assert EMAIL not in red.read_text()


def test_when_a_json_document_is_broken_then_it_is_redacted_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"phone": "' + PHONE + '",\n  "x": }\n')
    red = tmp_path / "r.json"
    assert run(["redact", str(path), "-o", str(red)], capsys)[0] == 0
    assert PHONE not in red.read_text() and red.read_text().startswith('[{"phone": "')
