"""Data-subject lookup and the exposure table on a scanned sample lake: every planted
location of one subject is found, nothing of another; only committed scans count; and no
identifier is ever printed or written raw."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.normalize import fingerprint
from jobs import storage
from jobs.cli import main as cli_main
from jobs.scan import ScanRequest, run_scan
from jobs.scanconfig import ScanConfig
from jobs.subject import (
    EXPOSURE_ENTITIES,
    EXPOSURE_SCHEMA,
    MAX_SOURCES,
    SubjectError,
    exposure_table,
    identifier,
    lookup,
    read_identifier_file,
)

# Subject A is written four ways across the lake; B and C are other people.
A_PHONE, A_EMAIL = "9876543210", "asha.rao@gmail.com"
B_PHONE, B_EMAIL = "9845012345", "ravi.kumar77@yahoo.co.in"
C_PHONE = "9123400000"  # never in the lake
A_SPELLINGS = ("+91 98765 43210", "09876543210", "9876543210", "+91-9876543210")
RAW = (A_PHONE, A_EMAIL, B_PHONE, B_EMAIL, "98765 43210")

Planted = tuple[str, int | None, int | None, str]


def build_lake(root: Path) -> dict[str, set[Planted]]:
    """Text, JSONL, CSV and Parquet with both subjects; (object, line, record, entity)
    of every planted value, per subject."""
    planted: dict[str, set[Planted]] = {"A": set(), "B": set()}
    (root / "logs").mkdir(parents=True)
    (root / "exports").mkdir()
    lines = []
    for i in range(60):
        if i % 15 == 3:
            lines.append(f"INFO otp sent to phone={A_SPELLINGS[i // 15]} order_id=77{i:08d}")
            planted["A"].add(("logs/app.log", i + 1, None, "PHONE_NUMBER"))
        elif i % 15 == 7:
            lines.append(f"INFO login email={B_EMAIL} phone={B_PHONE}")
            planted["B"] |= {
                ("logs/app.log", i + 1, None, "EMAIL_ADDRESS"),
                ("logs/app.log", i + 1, None, "PHONE_NUMBER"),
            }
        elif i == 40:
            lines.append(f"WARN bounce for {A_EMAIL}")
            planted["A"].add(("logs/app.log", i + 1, None, "EMAIL_ADDRESS"))
        else:
            lines.append(f"DEBUG GET /v1/items/{i} 200 took={i}ms")
    (root / "logs" / "app.log").write_text("\n".join(lines) + "\n")

    events = []
    for i in range(30):
        event: dict[str, Any] = {"event": "checkout", "order_id": 5000000000 + i}
        if i == 4:
            event["customer"] = {"phone": int(A_PHONE), "emails": [A_EMAIL]}
            planted["A"] |= {
                ("logs/events.jsonl", i + 1, i, "PHONE_NUMBER"),
                ("logs/events.jsonl", i + 1, i, "EMAIL_ADDRESS"),
            }
        elif i == 9:
            event["customer"] = {"phone": B_PHONE}
            planted["B"].add(("logs/events.jsonl", i + 1, i, "PHONE_NUMBER"))
        events.append(event)
    (root / "logs" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))

    rows = ["customer_id,mobile,email,city"]
    for i in range(20):
        if i == 2:
            rows.append(f"C{i:03d},{A_SPELLINGS[1]},,Pune")
            planted["A"].add(("exports/customers.csv", i + 2, i, "PHONE_NUMBER"))
        elif i == 5:
            rows.append(f"C{i:03d},{B_PHONE},{B_EMAIL},Delhi")
            planted["B"] |= {
                ("exports/customers.csv", i + 2, i, "PHONE_NUMBER"),
                ("exports/customers.csv", i + 2, i, "EMAIL_ADDRESS"),
            }
        else:
            rows.append(f"C{i:03d},,,Pune")
    (root / "exports" / "customers.csv").write_text("\n".join(rows) + "\n")

    phones = [
        int(A_PHONE) if i in (0, 7) else (int(B_PHONE) if i == 3 else None) for i in range(10)
    ]
    pq.write_table(
        pa.table({"order_id": pa.array(range(10), pa.int64()), "phone": pa.array(phones)}),
        root / "exports" / "orders.parquet",
    )
    planted["A"] |= {("exports/orders.parquet", None, i, "PHONE_NUMBER") for i in (0, 7)}
    planted["B"].add(("exports/orders.parquet", None, 3, "PHONE_NUMBER"))
    return planted


def scan(spark: Any, src: Path, out: str, scan_id: str, incremental: bool = False) -> None:
    request = ScanRequest(
        sources=[str(src)],
        out=out,
        config=ScanConfig(),
        scan_id=scan_id,
        incremental=incremental,
        progress=False,
    )
    assert run_scan(request, spark=spark).ok


def located(result: Any, root: Path) -> set[Planted]:
    prefix = root.as_uri() + "/"
    return {
        (
            r["source_uri"].removeprefix(prefix),
            r["line_number"],
            r["record_index"],
            r["entity_type"],
        )
        for r in result.locations
    }


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("subject")
    src = root / "src"
    planted = build_lake(src)
    out = str(root / "out")
    scan(spark, src, out, "first")
    return {"src": src, "out": storage.parse_uri(out).uri, "planted": planted, "spark": spark}


def ident(entity: str, value: str) -> Any:
    return identifier(entity, value, KeyRing.load())


S3 = storage.S3Settings()


def test_lookup_finds_every_planted_location_of_a_subject_and_nothing_else(lake):
    src, out, planted = lake["src"], lake["out"], lake["planted"]
    a = lookup(out, [ident("PHONE_NUMBER", "+91 98765 43210"), ident("EMAIL_ADDRESS", A_EMAIL)], S3)
    assert located(a, src) == planted["A"]
    assert all(r["current"] for r in a.locations)
    b = lookup(out, [ident("PHONE_NUMBER", B_PHONE), ident("EMAIL_ADDRESS", B_EMAIL)], S3)
    assert located(b, src) == planted["B"]
    assert not located(a, src) & located(b, src)
    c = lookup(out, [ident("PHONE_NUMBER", C_PHONE)], S3)
    assert c.locations == [] and c.as_dict()["found"] is False


@pytest.mark.parametrize("spelling", ["09876543210", "+91-98765-43210", "919876543210"])
def test_every_spelling_of_a_phone_finds_the_same_locations(lake, spelling):
    base = lookup(lake["out"], [ident("PHONE_NUMBER", A_PHONE)], S3)
    other = lookup(lake["out"], [ident("PHONE_NUMBER", spelling)], S3)
    assert located(other, lake["src"]) == located(base, lake["src"]) != set()


def test_objects_carry_their_redacted_copy_and_counts(lake):
    a = lookup(lake["out"], [ident("PHONE_NUMBER", A_PHONE), ident("EMAIL_ADDRESS", A_EMAIL)], S3)
    objects = {o["uri"].rsplit("/src/", 1)[1]: o for o in a.objects}
    assert set(objects) == {p[0] for p in lake["planted"]["A"]}
    log = objects["logs/app.log"]
    assert log["redacted_uri"].endswith(
        "/redacted/file" + str(lake["src"]) + "/logs/app.log.parquet"
    )
    assert storage.exists(log["redacted_uri"], S3)
    assert log["current_locations"] == 5 and log["records"] == 60
    assert log["entity_types"] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]
    assert objects["exports/orders.parquet"]["records_with_subject"] == 2


def test_cli_subject_reports_json_csv_and_erase_plan_without_raw_values(lake, tmp_path, capsys):
    out = lake["out"]
    plan = tmp_path / "plan.json"
    code = cli_main(
        ["subject", out, "--phone", "+91 98765 43210", "--email", A_EMAIL,
         "--erase-plan", str(plan)]
    )  # fmt: skip
    assert code == 0
    printed, err = capsys.readouterr()
    report = json.loads(printed)
    assert report["found"] is True and report["scans_searched"] == ["first"]
    assert {i["preview"] for i in report["identifiers"]} == {
        "+91 XXXXX XXX10",
        "asXX.XXX@gmail.com",
    }
    assert len(report["locations"]) == len(lake["planted"]["A"])
    erase = json.loads(plan.read_text())
    assert {o["uri"] for o in erase["objects"]} == {o["uri"] for o in report["objects"]}
    assert all(o["redacted_uri"] and o["action"] == "rewrite" for o in erase["objects"])
    assert erase["superseded"] == []
    assert "4 objects" in err
    csv_out = tmp_path / "a.csv"
    assert (
        cli_main(["subject", out, "--phone", A_PHONE, "--format", "csv", "-o", str(csv_out)]) == 0
    )
    header, *rows = csv_out.read_text().splitlines()
    assert header.startswith("scan_id,scan_date,source_uri,line_number")
    assert len(rows) == sum(1 for p in lake["planted"]["A"] if p[3] == "PHONE_NUMBER")
    for text in (printed, err, plan.read_text(), csv_out.read_text(), capsys.readouterr().err):
        for raw in RAW:
            assert raw not in text


def test_cli_subject_from_file_and_operator_errors(lake, tmp_path, capsys):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# subject 17\nphone={A_SPELLINGS[0]}\nEMAIL_ADDRESS={A_EMAIL}\n")
    assert cli_main(["subject", lake["out"], "--from-file", str(ids)]) == 0
    assert len(json.loads(capsys.readouterr().out)["locations"]) == len(lake["planted"]["A"])
    assert cli_main(["subject", lake["out"], "--aadhaar", "98765"]) == 2
    err = capsys.readouterr().err
    assert "IN_AADHAAR: the value given is not 12 digits" in err and "98765" not in err
    assert cli_main(["subject", lake["out"]]) == 2
    assert "give at least one identifier" in capsys.readouterr().err
    assert cli_main(["subject", str(tmp_path / "nothing"), "--phone", A_PHONE]) == 2
    assert "no committed scan under" in capsys.readouterr().err


def test_uncommitted_findings_are_invisible(lake, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(storage.parse_uri(lake["out"]).path, out)
    part = next((out / "findings").rglob("*.parquet"))
    ghost = pq.read_table(part)
    ghost = ghost.set_column(0, "scan_id", pa.array(["ghost"] * ghost.num_rows))
    pq.write_table(ghost, part.parent / "part-ghost-00000.parquet")
    before = lookup(lake["out"], [ident("PHONE_NUMBER", A_PHONE)], S3)
    after = lookup(out.as_uri(), [ident("PHONE_NUMBER", A_PHONE)], S3)
    assert len(after.locations) == len(before.locations)
    assert {r["scan_id"] for r in after.locations} == {"first"}


def test_exposure_table_counts_each_subject_once_per_location(lake, capsys):
    out, keys = lake["out"], KeyRing.load()
    table = exposure_table(out, S3, spark=lake["spark"])
    assert table.schema == EXPOSURE_SCHEMA
    rows = {r["fingerprint"]: r for r in table.to_pylist()}
    a_phone = rows[fingerprint("PHONE_NUMBER", A_PHONE, keys.fingerprint_key)]
    a_phones = {p for p in lake["planted"]["A"] if p[3] == "PHONE_NUMBER"}
    assert a_phone["count"] == len(a_phones)
    assert a_phone["entity_types"] == ["PHONE_NUMBER"]
    assert a_phone["source_count"] == len({p[0] for p in a_phones}) == len(a_phone["sources"])
    assert a_phone["sources"] == sorted(a_phone["sources"])
    assert a_phone["first_seen"] == a_phone["last_seen"]
    b_email = rows[fingerprint("EMAIL_ADDRESS", B_EMAIL, keys.fingerprint_key)]
    assert b_email["count"] == sum(1 for p in lake["planted"]["B"] if p[3] == "EMAIL_ADDRESS")
    one = exposure_table(out, S3, max_sources=1, spark=lake["spark"])
    assert max(len(s) for s in one.column("sources").to_pylist()) == 1
    assert cli_main(["exposure", out, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["output"] == f"{out}/exposure/first.parquet"
    written = pq.read_table(storage.open_input(summary["output"], S3))
    assert written.equals(table)  # deterministic: the same findings give the same table


# What makes a location: the same place found again by a later scan counts once.
LOCATION = ("fingerprint", "entity_type", "source_uri", "line_number", "record_index",
            "field_path", "char_start")  # fmt: skip


def plain_exposure(out: Path, max_sources: int) -> list[dict[str, Any]]:
    """The exposure table computed the obvious way, in Python, from the parts the
    summaries list: the oracle the Spark grouping must match."""
    places: dict[tuple[Any, ...], list[dt.date]] = {}
    for doc_path in sorted((out / "scans").glob("*.json")):
        doc = json.loads(doc_path.read_text())
        day = dt.date.fromisoformat(doc["scan_date"])
        for rel in doc["findings_parts"]:
            for r in pq.read_table(out / "findings" / rel).to_pylist():
                if r["scan_id"] != doc["scan_id"] or r["entity_type"] not in EXPOSURE_ENTITIES:
                    continue
                seen = places.setdefault(tuple(r[c] for c in LOCATION), [day, day])
                seen[:] = [min(seen[0], day), max(seen[1], day)]
    by_fp: dict[str, list[tuple[tuple[Any, ...], list[dt.date]]]] = {}
    for key, seen in places.items():
        by_fp.setdefault(key[0], []).append((key, seen))
    return [
        {
            "fingerprint": fp,
            "entity_types": sorted({k[1] for k, _ in found}),
            "first_seen": min(s[0] for _, s in found),
            "last_seen": max(s[1] for _, s in found),
            "sources": sorted({k[2] for k, _ in found})[:max_sources],
            "source_count": len({k[2] for k, _ in found}),
            "count": len(found),
        }
        for fp, found in sorted(by_fp.items())
    ]


def test_exposure_is_the_plain_grouping_of_committed_findings_locally_and_on_s3(
    lake, tmp_path, s3_bucket, capsys
):
    """Two committed scans on different days (the second sees a subset of the first's
    locations again, and one new location), plus a lost attempt's part no summary lists:
    the Spark grouping gives the oracle's rows, and the same bytes from a copy on S3."""
    out = tmp_path / "out"
    shutil.copytree(storage.parse_uri(lake["out"]).path, out)
    first = json.loads((out / "scans" / "first.json").read_text())
    part = out / "findings" / first["findings_parts"][0]
    table = pq.read_table(part)
    later = table.slice(0, table.num_rows // 2)
    later = later.set_column(0, "scan_id", pa.array(["later"] * later.num_rows))
    lines = later.schema.get_field_index("line_number")
    moved = pa.array([(n or 0) + 1_000_000 for n in later.column(lines).to_pylist()], pa.int64())
    extra = later.slice(0, 1).set_column(lines, "line_number", moved.slice(0, 1))
    fps = later.schema.get_field_index("fingerprint")
    day = out / "findings" / "scan_date=2031-02-03"
    day.mkdir()
    pq.write_table(pa.concat_tables([later, extra]), day / "part-later-aaaa-00000.parquet")
    pq.write_table(later.set_column(fps, "fingerprint", pa.array(["0" * 64] * later.num_rows)),
                   day / "part-later-bbbb-00000.parquet")  # fmt: skip
    (out / "scans" / "later.json").write_text(
        json.dumps(
            {
                **first,
                "scan_id": "later",
                "scan_date": "2031-02-03",
                "started_at": "2031-02-03T00:00:00+00:00",
                "findings_parts": ["scan_date=2031-02-03/part-later-aaaa-00000.parquet"],
            }
        )
    )
    expected = plain_exposure(out, MAX_SOURCES)
    assert any(r["first_seen"] < r["last_seen"] for r in expected)
    assert "0" * 64 not in {r["fingerprint"] for r in expected}
    local = exposure_table(out.as_uri(), S3, spark=lake["spark"])
    assert local.to_pylist() == expected
    assert exposure_table(out.as_uri(), S3, max_sources=1, spark=lake["spark"]).column(
        "sources"
    ).to_pylist() == [r["sources"][:1] for r in expected]

    s3 = storage.S3Settings.from_env()  # the moto server's, set by the s3_env fixture
    remote = f"s3://{s3_bucket}/out"
    for path in out.rglob("*"):
        if path.is_file():
            storage.write_bytes(path.read_bytes(), f"{remote}/{path.relative_to(out)}", s3)
    assert exposure_table(remote, s3, spark=lake["spark"]).equals(local)
    assert cli_main(["exposure", remote, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"output": f"{remote}/exposure/later.parquet", "subjects": len(expected)}
    assert pq.read_table(storage.open_input(summary["output"], s3)).equals(local)


def test_erase_plan_leaves_out_objects_rescanned_without_the_subject(lake, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(lake["src"], src)
    out = str(tmp_path / "out")
    scan(lake["spark"], src, out, "one")
    csv_path = src / "exports" / "customers.csv"
    csv_path.write_text(csv_path.read_text().replace(A_SPELLINGS[1], ""))
    scan(lake["spark"], src, out, "two", incremental=True)
    result = lookup(storage.parse_uri(out).uri, [ident("PHONE_NUMBER", A_PHONE)], S3)
    plan = result.erase_plan(out)
    names = {o["uri"].rsplit("/src/", 1)[1] for o in plan["objects"]}
    assert names == {"logs/app.log", "logs/events.jsonl", "exports/orders.parquet"}
    assert [s["uri"].rsplit("/src/", 1)[1] for s in plan["superseded"]] == ["exports/customers.csv"]
    # unchanged objects keep the redacted copy of the scan that last read them
    orders = next(o for o in plan["objects"] if o["uri"].endswith("orders.parquet"))
    assert orders["scan_id"] == "one" and orders["redacted_uri"]


def test_identifiers_never_show_their_value():
    keys = KeyRing.load()
    phone = identifier("PHONE_NUMBER", "+91 98765 43210", keys)
    assert A_PHONE not in repr(phone) and "98765" not in json.dumps(phone.as_dict())
    assert phone.fingerprints[0] == fingerprint("PHONE_NUMBER", "9876543210", keys.fingerprint_key)
    with pytest.raises(SubjectError) as info:
        identifier("EMAIL_ADDRESS", "asha.rao-at-gmail", keys)
    assert "asha" not in str(info.value)
    with pytest.raises(SubjectError, match="line 2: expected ENTITY_TYPE=value"):
        read_identifier_file("phone=1\nnot an identifier\n")
    assert issubclass(SubjectError, PiisweepError)
