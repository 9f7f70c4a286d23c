"""``piisweep redact-records`` in local mode end to end, and the Spark mode's planning and
unit processing run without Spark: units cut at record boundaries, redacted one by one and
concatenated, give the same bytes as one local pass."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
from pathlib import Path

from jobs import storage
from jobs.cli import main
from jobs.records import (
    OUTPUT_COLUMNS,
    RecordsRequest,
    Unit,
    _assemble,
    _redact_unit,
    build_context,
    plan_units,
    redact_records,
)

REPO = Path(__file__).resolve().parents[2]
ISCP = str(REPO / "conf" / "policies" / "iscp.yaml")
PHONE = "9876543210"
AADHAAR = "1234 5678 9012"

# (record_id, data_json cell as written in the CSV, expected is_pii, raw values that must go)
ROWS = [
    ("1", json.dumps({"phone": PHONE, "order_value": 1299}), "True", [PHONE]),
    ("2", json.dumps({"name": "John Smith", "email": "john@gmail.com"}), "True",
     ["John Smith", "john@gmail.com"]),
    ("3", json.dumps({"order_id": 9123456780, "product_description": "Mouse"}), "False", []),
    ("4", json.dumps({"email": "solo@gmail.com"}), "False", []),
    ("5", json.dumps({"aadhar": AADHAAR, "note": "multi\nline"}, indent=1), "True", [AADHAAR]),
    ("6", "{'name': 'Asha Rao', 'phone': '9845012345'}", "True", ["9845012345"]),
    ("7", '{"name": "Arjun Mehta", "phone": "9812345678"', "True", ["9812345678"]),
    ("8", '{"name": "Ravi Kumar", \'passport\': "P1234567"}', "True", ["P1234567", "Ravi Kumar"]),
    ("9", "", "False", []),
    ("10", json.dumps({"first_name": "Neha", "last_name": "Gupta", "ip_address": "10.1.2.3",
                        "user_id": "U1"}), "True", ["Neha", "Gupta", "10.1.2.3"]),
]  # fmt: skip


def write_input(path: Path, rows=ROWS) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "data_json"])
        for record_id, cell, _, _ in rows:
            writer.writerow([record_id, cell])


def read_output(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_when_records_redacted_locally_then_one_row_per_input_in_order(tmp_path, capsys):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_input(src)
    code = main(["redact-records", str(src), "--out", str(dst), "--policy", ISCP])
    assert code == 0
    rows = read_output(dst)
    assert rows[0] == list(OUTPUT_COLUMNS)
    assert [r[0] for r in rows[1:]] == [r[0] for r in ROWS]
    assert [r[2] for r in rows[1:]] == [r[2] for r in ROWS]
    text = dst.read_text()
    for _, _, _, secrets in ROWS:
        for secret in secrets:
            assert secret not in text
    for _, redacted, _ in rows[1:]:
        json.loads(redacted)  # every output cell is JSON
    by_id = {r[0]: json.loads(r[1]) for r in rows[1:]}
    assert by_id["1"] == {"phone": "98XXXXXX10", "order_value": 1299}
    assert by_id["2"] == {"name": "JXXX SXXXX", "email": "joXXX@gmail.com"}
    assert by_id["3"] == {"order_id": 9123456780, "product_description": "Mouse"}
    assert by_id["4"] == {"email": "solo@gmail.com"}
    assert by_id["5"] == {"aadhar": "[REDACTED_PII]", "note": "multi\nline"}
    assert by_id["6"] == {"name": "Asha Rao", "phone": "98XXXXXX45"}
    assert by_id["7"] == {"name": "Arjun Mehta", "phone": "98XXXXXX78"}  # brace repaired
    assert set(by_id["8"]) == {"_unparsed"}  # mixed quotes: redacted as text
    assert by_id["9"] == {"_unparsed": ""}
    assert by_id["10"]["ip_address"] == "[REDACTED_PII]"
    err = capsys.readouterr().err
    assert "10 records (7 PII, 2 repaired, 2 redacted as text, 0 withheld)" in err
    assert "local mode" in err


def test_when_json_cell_is_unquoted_then_split_cells_are_joined_back(tmp_path, capsys):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "record_id,data_json\n"
        '1,{"name": "John Smith", "email": "john@gmail.com", "n": 1}\n'
        "2\n"
        "\n"
        '3,"{""phone"": ""9876543210""}",extra\n'
    )
    assert main(["redact-records", str(src), "--out", str(dst), "--policy", ISCP]) == 0
    rows = read_output(dst)[1:]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert json.loads(rows[0][1]) == {"name": "JXXX SXXXX", "email": "joXXX@gmail.com", "n": 1}
    assert rows[0][2] == "True"
    assert rows[1][1:] == ['{"_unparsed": ""}', "False"]
    assert json.loads(rows[2][1]) == {"_unparsed": '{"phone": "98XXXXXX10"},extra'}
    assert "9876543210" not in dst.read_text()


def test_when_input_gzipped_or_piped_then_same_output(tmp_path, capfdbinary):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_input(src)
    assert main(["redact-records", str(src), "--out", str(dst), "--policy", ISCP]) == 0
    expected = dst.read_bytes()
    gz = tmp_path / "in.csv.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    dst2 = tmp_path / "out2.csv"
    assert main(["redact-records", str(gz), "--out", str(dst2), "--policy", ISCP]) == 0
    assert dst2.read_bytes() == expected
    capfdbinary.readouterr()
    assert main(["redact-records", str(src), "--out", "-", "--policy", ISCP]) == 0
    assert capfdbinary.readouterr().out == expected


def test_when_columns_missing_then_exit_2_naming_them(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,payload\n1,{}\n")
    code = main(["redact-records", str(src), "--out", str(tmp_path / "o.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "needs columns record_id and data_json; missing record_id, data_json" in err
    assert not (tmp_path / "o.csv").exists()


def test_when_header_has_bom_and_other_case_then_columns_found(tmp_path, capsys):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text('\ufeffRecord_ID,Data_json\n1,"{""phone"": ""9876543210""}"\n', "utf-8")
    assert main(["redact-records", str(src), "--out", str(dst), "--policy", ISCP]) == 0
    assert read_output(dst)[1] == ["1", '{"phone": "98XXXXXX10"}', "True"]


def test_when_mode_auto_and_input_small_then_local_else_spark_chosen(tmp_path):
    from jobs.records import _choose_mode

    src = tmp_path / "in.csv"
    write_input(src)
    s3 = storage.S3Settings.from_env()
    small = RecordsRequest(str(src), str(tmp_path / "o.csv"))
    assert _choose_mode(small, s3, None) == "local"
    tiny_limit = RecordsRequest(str(src), str(tmp_path / "o.csv"), local_max_mb=1e-6)
    assert _choose_mode(tiny_limit, s3, None) == "spark"
    with_master = RecordsRequest(str(src), str(tmp_path / "o.csv"), master="local[1]")
    assert _choose_mode(with_master, s3, None) == "spark"
    assert _choose_mode(RecordsRequest("-", "-", master="local[1]"), s3, None) == "local"


# --- Spark mode's pieces, without Spark ------------------------------------------------------


def many_rows(n: int) -> list[tuple[str, str, str, list[str]]]:
    rows = []
    for i in range(n):
        base = ROWS[i % len(ROWS)]
        rows.append((str(i), base[1], base[2], base[3]))
    return rows


def test_when_planned_then_units_cut_at_record_boundaries_outside_quotes(tmp_path):
    src = tmp_path / "in.csv"
    write_input(src, many_rows(200))
    data = src.read_bytes()
    head, units = plan_units(io.BytesIO(data), unit_bytes=700, chunk=997)
    assert head == b"record_id,data_json\r\n"
    assert len(units) > 5
    assert units[0].start == len(head) and units[-1].end == len(data)
    for a, b in itertools.pairwise(units):
        assert a.end == b.start
        before = data[: a.end]
        assert before.endswith(b"\n") and before.count(b'"') % 2 == 0
    # each unit parses to whole rows: together, every row once, in order
    ids = []
    for u in units:
        text = data[u.start : u.end].decode()
        ids += [r[0] for r in csv.reader(io.StringIO(text, newline="")) if r]
    assert ids == [str(i) for i in range(200)]


def test_when_quotes_never_balance_then_one_unit(tmp_path):
    data = b'record_id,data_json\n1,"{\n2,{}\n3,{}\n' * 3
    head, units = plan_units(io.BytesIO(data), unit_bytes=5, chunk=7)
    assert head == b"record_id,data_json\n"
    assert [(u.start, u.end) for u in units] == [(len(head), len(data))]


def test_when_units_redacted_apart_and_assembled_then_bytes_equal_local(tmp_path):
    src = tmp_path / "in.csv"
    write_input(src, many_rows(120))
    local = tmp_path / "local.csv"
    redact_records(RecordsRequest(str(src), str(local), policy_path=ISCP, mode="local"))
    ctx = build_context(ISCP, None, None)
    s3 = storage.S3Settings.from_env()
    with src.open("rb") as f:
        _, units = plan_units(f, unit_bytes=900)
    assert len(units) > 3
    staging = (tmp_path / "staging").as_uri()
    header = ["record_id", "data_json"]
    total = 0
    for unit in reversed(units):  # tasks finish in any order
        counts = _redact_unit(unit, src.as_uri(), None, header, ctx, s3, staging)
        total += counts.rows
    assert total == 120
    out = tmp_path / "spark.csv"
    _assemble(units, staging, out.as_uri(), s3)
    assert out.read_bytes() == local.read_bytes()


def test_when_compressed_unit_then_whole_stream_after_header(tmp_path):
    src = tmp_path / "in.csv.gz"
    plain = tmp_path / "in.csv"
    write_input(plain, many_rows(30))
    src.write_bytes(gzip.compress(plain.read_bytes()))
    local = tmp_path / "local.csv"
    redact_records(RecordsRequest(str(plain), str(local), policy_path=ISCP, mode="local"))
    ctx = build_context(ISCP, None, None)
    s3 = storage.S3Settings.from_env()
    staging = (tmp_path / "staging").as_uri()
    unit = Unit(0, 0, -1)
    _redact_unit(unit, src.as_uri(), "gzip", ["record_id", "data_json"], ctx, s3, staging)
    out = tmp_path / "out.csv"
    _assemble([unit], staging, out.as_uri(), s3)
    assert out.read_bytes() == local.read_bytes()
