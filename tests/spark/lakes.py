"""Small lakes with known planted values, in every format and compression the scan reads.

Each planted value is recorded with the object and the line or record it is in, so tests
can check findings by fingerprint and location, and search every output for the raw value.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from detectors.checksums import verhoeff_valid

PHONE = "9876543210"
PHONE2 = "9845012345"
EMAIL = "asha.rao@gmail.com"
EMAIL2 = "ravi.kumar77@yahoo.co.in"
AADHAAR = next(f"2345 6789 012{d}" for d in "0123456789" if verhoeff_valid(f"23456789012{d}"))
NAME = "Asha Rao"
CARD = "4111111111111111"
UPI = "asha.rao@okaxis"
PLANTED = (PHONE, PHONE2, EMAIL, EMAIL2, AADHAAR, AADHAAR.replace(" ", ""), CARD, UPI, NAME)


@dataclass
class Lake:
    root: Path
    # relative path -> expected number of rows in the redacted copy
    rows: dict[str, int] = field(default_factory=dict)
    # (relative path, 1-based line or None, 0-based record or None, entity) per planted value
    planted: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)


def _log_lines(n: int, every: int, lake: Lake, rel: str) -> bytes:
    out = []
    for i in range(n):
        if i % every == 0:
            out.append(
                f"2026-03-01T10:00:{i % 60:02d}Z INFO api-gw POST /v1/orders customer "
                f"phone={PHONE} email={EMAIL} upi={UPI} order_id=40{i:08d}"
            )
            lake.planted += [
                (rel, i + 1, None, "PHONE_NUMBER"),
                (rel, i + 1, None, "EMAIL_ADDRESS"),
            ]
        else:
            out.append(
                f"2026-03-01T10:00:{i % 60:02d}Z INFO api-gw GET /v1/items/{i} 200 "
                f"took={i % 97}ms trace=5f1c{i:012x} ts=17400000{i:05d}"
            )
    lake.rows[rel] = n
    return ("\n".join(out) + "\n").encode()


def every_format(root: Path) -> Lake:
    """Text (plain, gzip, bz2, zstd, no extension), JSONL, JSON, CSV, TSV and Parquet."""
    lake = Lake(root)
    (root / "logs").mkdir(parents=True)
    (root / "exports").mkdir()
    (root / "api").mkdir()
    (root / "logs" / "app.log").write_bytes(_log_lines(3000, 40, lake, "logs/app.log"))
    (root / "logs" / "gw.log.gz").write_bytes(
        gzip.compress(_log_lines(2000, 25, lake, "logs/gw.log.gz"), mtime=0)
    )
    (root / "logs" / "old.log.bz2").write_bytes(
        bz2.compress(_log_lines(500, 10, lake, "logs/old.log.bz2"))
    )
    (root / "logs" / "noext").write_bytes(
        gzip.compress(_log_lines(300, 10, lake, "logs/noext"), mtime=0)
    )
    records = []
    for i in range(200):
        rec: dict[str, object] = {"event": "checkout", "order_id": 4000000000 + i}
        if i % 20 == 0:
            rec["customer"] = {"full_name": NAME, "phone": int(PHONE), "emails": [EMAIL]}
            lake.planted += [("api/payloads.jsonl.zst", i + 1, i, "PHONE_NUMBER")]
        records.append(rec)
    jsonl = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as z:
        z.write(jsonl)
    (root / "api" / "payloads.jsonl.zst").write_bytes(sink.getvalue().to_pybytes())
    lake.rows["api/payloads.jsonl.zst"] = 200
    doc = [{"kyc": {"aadhaar": AADHAAR, "name": NAME}, "ok": True}, {"ok": False}]
    (root / "api" / "kyc.json").write_text(json.dumps(doc, indent=2))
    lake.rows["api/kyc.json"] = 2
    lake.planted.append(("api/kyc.json", None, 0, "IN_AADHAAR"))
    csv_rows = ["customer_id,full_name,mobile,email,city"]
    for i in range(100):
        if i % 10 == 0:
            csv_rows.append(f"C{i:05d},{NAME},{PHONE2},{EMAIL2},Pune")
            lake.planted.append(("exports/customers.csv", i + 2, i, "PHONE_NUMBER"))
        else:
            csv_rows.append(f"C{i:05d},,,,Pune")
    (root / "exports" / "customers.csv").write_text("\n".join(csv_rows) + "\n")
    lake.rows["exports/customers.csv"] = 100
    tsv = "id\tcard\tnote\n1\t" + CARD + "\tpaid\n2\t4000000000000000\tref\n"
    (root / "exports" / "payments.tsv").write_text(tsv)
    lake.rows["exports/payments.tsv"] = 2
    lake.planted.append(("exports/payments.tsv", 2, 0, "CREDIT_CARD"))
    orders = pa.table(
        {
            "order_id": pa.array(range(600), pa.int64()),
            "phone": pa.array([int(PHONE) if i % 50 == 0 else None for i in range(600)]),
            "shipping": pa.array(
                [{"name": NAME if i % 50 == 0 else None, "pin": "411001"} for i in range(600)]
            ),
            "contacts": pa.array([[EMAIL] if i % 50 == 0 else [] for i in range(600)]),
            # incompressible filler, so the file is big enough to split by row group
            "blob": pa.array([hashlib.sha256(b"%d" % i).hexdigest() * 4 for i in range(600)]),
        }
    )
    pq.write_table(orders, root / "exports" / "orders.parquet", row_group_size=100)
    lake.rows["exports/orders.parquet"] = 600
    lake.planted += [("exports/orders.parquet", None, i, "PHONE_NUMBER") for i in range(0, 600, 50)]
    (root / "exports" / "_SUCCESS").write_bytes(b"")
    return lake


def broken(root: Path) -> dict[str, str]:
    """Damaged and hostile objects; name -> the status each must end with."""
    root.mkdir(parents=True)
    good = ("".join(f"line {i} phone={PHONE}\n" for i in range(20000))).encode()
    gz = gzip.compress(good, mtime=0)
    (root / "truncated.log.gz").write_bytes(gz[: len(gz) // 2])
    (root / "latin1.log").write_bytes(f"café user phone={PHONE} naïve\n".encode("cp1252"))
    (root / "events.jsonl").write_text(
        json.dumps({"phone": PHONE}) + "\n" + '{"email": "' + EMAIL + '", \n' + '{"ok": 1}\n'
    )
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (root / "empty.log").write_bytes(b"")
    (root / "oneline.log").write_bytes(b"x" * (20 << 20) + f" phone={PHONE}".encode())
    (root / "ragged.csv").write_text(
        f"id,name,mobile\n1,{NAME},{PHONE}\n2,{NAME},{PHONE2},{EMAIL}\n3\n"
    )
    (root / "bigfield.csv").write_text(f"id,note\n1,{'lorem ipsum ' * 100_000} {PHONE}\n")
    return {
        "bigfield.csv": "ok",
        "truncated.log.gz": "failed",
        "latin1.log": "ok",
        "events.jsonl": "ok",
        "image.png": "skipped",
        "empty.log": "ok",
        "oneline.log": "ok",
        "ragged.csv": "ok",
    }
