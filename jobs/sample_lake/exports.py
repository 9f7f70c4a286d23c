"""Exports: the customer master as CSV/TSV and orders as Parquet with nested shipping structs
and list columns, built column-wise."""

from __future__ import annotations

import calendar
import csv
import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jobs.sample_lake.base import EPOCH0
from jobs.sample_lake.outputs import Lake
from jobs.sample_lake.pools import DOUBLE, ORDER_STATUS, PAY_METHODS, VDP, VINV

CUSTOMER_HEADER = ["customer_id", "full_name", "email", "mobile", "address", "city", "pincode",
                   "pan", "dob", "gender", "loyalty_tier", "created_at"]  # fmt: skip
KYC_HEADER = ["customer_id", "full_name", "pan", "aadhaar", "dob", "kyc_status", "verified_at"]
_CSV_COLUMNS = (("PERSON", 1), ("EMAIL_ADDRESS", 2), ("PHONE_NUMBER", 3),
                ("STREET_ADDRESS", 4), ("IN_PAN", 7), ("DATE_OF_BIRTH", 8))  # fmt: skip
_TSV_COLUMNS = (("PERSON", 1), ("IN_PAN", 2), ("IN_AADHAAR", 3), ("DATE_OF_BIRTH", 4))
_CUSTOMERS_FROM = calendar.timegm((2019, 1, 1, 0, 0, 0))


def customer_rows(lake: Lake, kind: str, rel: str, target: float, tsv: bool) -> None:
    """A customer master export (CSV) or KYC export (TSV), rows in order of creation."""
    v, clock = lake.v, lake.clock
    r = v.r
    path = lake.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    header, columns = (KYC_HEADER, _TSV_COLUMNS) if tsv else (CUSTOMER_HEADER, _CSV_COLUMNS)
    n_addr = len(v.addresses)
    # CSV rows were created from 2019 until the lake's first day; KYC rows verified since.
    clock.t = float(_CUSTOMERS_FROM)
    row_bytes = 110.0 if tsv else 190.0
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t" if tsv else ",", lineterminator="\n")
    writer.writerow(header)
    size = row = 0
    with path.open("wb") as f:
        while size < target:
            block = []
            step = 2 * (EPOCH0 - clock.t) / max(1000.0, (target - size) / row_bytes)
            for _ in range(1000):
                first, last = v.name_parts()
                if tsv:  # a KYC'd customer of the master export
                    cid = 10_000_000 + int(r() * max(1, lake.customers)) * 7 + int(r() * 7)
                else:
                    lake.customers += 1
                    cid = 10_000_000 + lake.customers * 7 + int(r() * 7)
                clock.t += r() * step
                if tsv:
                    status = "VERIFIED" if r() < 0.8 else "PENDING"
                    block.append((cid, f"{first} {last}", v.pan(last), v.aadhaar(), v.dob(),
                                  status, clock.local()))  # fmt: skip
                else:
                    full, _l1, _loc, city, pin = v.addresses[int(r() * n_addr)]
                    block.append((cid, f"{first} {last}", v.email(first, last), v.phone(), full,
                                  city, pin, v.pan(last), v.dob(), "MFMFU"[int(r() * 5)],
                                  ("SILVER", "GOLD", "PLUS", "")[int(r() * 4)],
                                  clock.local()))  # fmt: skip
            writer.writerows(block)
            if lake.truth_on:
                for i, rec in enumerate(block, row):
                    for entity, col in columns:
                        lake.record(rel, entity, rec[col], i + 2, i, header[col])
            for entity, _ in columns:
                lake.stats.planted[entity] += len(block)
            row += len(block)
            data = buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            f.write(data)
            size += len(data)
            row_bytes = size / row
            lake.flush_truth()
    lake.done(kind, path, size)


_ADDRESS_T = pa.struct([("line1", pa.string()), ("city", pa.string()), ("pin", pa.string())])
_SHIPPING_T = pa.struct([("name", pa.string()), ("phone", pa.string()), ("address", _ADDRESS_T)])
ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.int64()),
        ("order_ts", pa.timestamp("ms", tz="Asia/Kolkata")),
        ("status", pa.string()),
        ("payment_method", pa.string()),
        ("amount_paise", pa.int64()),
        ("discount_paise", pa.int64()),
        ("shipping_fee_paise", pa.int32()),
        ("item_count", pa.int16()),
        ("skus", pa.list_(pa.string())),
        ("seller_id", pa.int32()),
        ("warehouse_id", pa.int32()),
        ("weight_g", pa.int32()),
        ("billing_phone", pa.int64()),
        ("shipping", _SHIPPING_T),
        ("contacts", pa.list_(pa.string())),
        ("coupon_code", pa.string()),
        ("txn_ref", pa.string()),
    ]
)
_BYTES_PER_ORDER = 190  # on disk, snappy; only sizes the row groups
_NP_DOUBLE = np.array(DOUBLE, dtype=np.int64)
_NP_VDP = np.array(VDP, dtype=np.int64)
_NP_VINV = np.array(VINV, dtype=np.int64)


def _np_wrong_check(body: np.ndarray, width: int, verhoeff: bool, g: np.random.Generator) -> Any:
    """``body * 10 + d`` where d is any digit but the Luhn (or Verhoeff) check digit of the
    ``width``-digit bodies: ids that look like cards (or Aadhaar numbers) and are not."""
    x = body.copy()
    acc = np.zeros(len(body), dtype=np.int64)
    for i in range(1, width + 1):
        d = x % 10
        x //= 10
        if verhoeff:
            acc = _NP_VDP[i & 7][acc, d]
        else:
            acc += _NP_DOUBLE[d] if i % 2 else d
    check = _NP_VINV[acc] if verhoeff else (-acc) % 10
    return body * 10 + (check + 1 + g.integers(0, 9, len(body))) % 10


def orders_parquet(lake: Lake, kind: str, rel: str, target: float) -> None:
    """Orders with a nested shipping struct, a contacts list and an int64 phone column, in
    row groups of about a sixth of the file (a 1 MB file has about six). Person columns are
    built row by row; ids and amounts with numpy seeded from the lake's RNG."""
    v, clock = lake.v, lake.clock
    r = v.r
    g = np.random.Generator(np.random.PCG64(lake.rng.getrandbits(64)))
    path = lake.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    group = int(min(50_000, max(100, target / _BYTES_PER_ORDER / 6)))
    n_addr = len(v.addresses)
    skus, status, methods = pa.array(v.skus), pa.array(ORDER_STATUS), pa.array(PAY_METHODS)
    coupons = pa.array(v.coupons)
    sink = pa.OSFile(str(path), "wb")
    writer = pq.ParquetWriter(sink, ORDERS_SCHEMA, compression="snappy")
    row = raw = 0
    while True:
        n = group
        names, phones, line1s, cities, pins, contacts = [], [], [], [], [], []
        for _ in range(n):
            first, last = v.name_parts()
            _full, line1, _loc, city, pin = v.addresses[int(r() * n_addr)]
            phone = v.phone()
            names.append(v.person(first, last))
            phones.append(phone)
            line1s.append(line1)
            cities.append(city)
            pins.append(pin)
            email = v.email(first, last)
            contacts.append([email] if r() < 0.5 else [email, phone])
        items = 1 + (g.random(n) * g.random(n) * 5).astype(np.int64)
        offsets = np.concatenate(([0], np.cumsum(items))).astype(np.int32)
        od_body = 40_000_000_000_000_000 + g.integers(0, 10**16, n)
        order_ids = pc.binary_join_element_wise(
            "OD", pc.cast(pa.array(_np_wrong_check(od_body, 17, False, g)), pa.string()), ""
        )
        txn_body = g.integers(20_000_000_000, 100_000_000_000, n)
        txn = pc.cast(pa.array(_np_wrong_check(txn_body, 11, True, g)), pa.string())
        start_ms = int(clock.t * 1000)
        ts = start_ms + np.cumsum(g.integers(1, 8000, n))
        clock.t = float(ts[-1]) / 1000
        amount = g.integers(4900, 10_000_000, n)
        has_coupon = g.random(n) < 0.2
        address = pa.StructArray.from_arrays(
            [
                pa.array(line1s, pa.string()),
                pa.array(cities, pa.string()),
                pa.array(pins, pa.string()),
            ],
            fields=list(_ADDRESS_T),
        )
        billing = 6_000_000_000 + g.integers(0, 4_000_000_000, n)
        arrays = [
            order_ids,
            pa.array(g.integers(10_000_000, 100_000_000, n)),
            pa.array(ts, pa.timestamp("ms", tz="Asia/Kolkata")),
            status.take(pa.array(g.integers(0, len(status), n))),
            methods.take(pa.array(g.integers(0, len(methods), n))),
            pa.array(amount),
            pa.array(np.where(has_coupon, amount // 10, 0)),
            pa.array(np.where(amount > 49_900, 0, 4_000).astype(np.int32)),
            pa.array(items.astype(np.int16)),
            pa.ListArray.from_arrays(
                offsets, skus.take(pa.array(g.integers(0, len(skus), int(offsets[-1]))))
            ),
            pa.array(g.integers(10_000, 99_999, n).astype(np.int32)),
            pa.array(g.integers(100, 160, n).astype(np.int32)),
            pa.array(g.integers(80, 25_000, n).astype(np.int32)),
            pa.array(billing),
            pa.StructArray.from_arrays(
                [pa.array(names, pa.string()), pa.array(phones, pa.string()), address],
                fields=list(_SHIPPING_T),
            ),
            pa.array(contacts, pa.list_(pa.string())),
            coupons.take(pa.array(g.integers(0, len(coupons), n), mask=~has_coupon)),
            txn,
        ]
        table = pa.Table.from_arrays(arrays, schema=ORDERS_SCHEMA)
        raw += table.nbytes
        writer.write_table(table, row_group_size=n)
        planted = lake.stats.planted
        planted["PERSON"] += n
        planted["STREET_ADDRESS"] += n
        planted["EMAIL_ADDRESS"] += n
        planted["PHONE_NUMBER"] += 2 * n + sum(len(c) - 1 for c in contacts)
        if lake.truth_on:
            bill = billing.tolist()
            for i in range(n):
                rec = row + i
                lake.record(rel, "PERSON", names[i], None, rec, "shipping.name")
                lake.record(rel, "PHONE_NUMBER", phones[i], None, rec, "shipping.phone")
                lake.record(rel, "STREET_ADDRESS", line1s[i], None, rec, "shipping.address.line1")
                lake.record(rel, "PHONE_NUMBER", str(bill[i]), None, rec, "billing_phone")
                for c in contacts[i]:
                    entity = "EMAIL_ADDRESS" if "@" in c else "PHONE_NUMBER"
                    lake.record(rel, entity, c, None, rec, "contacts")
            lake.flush_truth()
        row += n
        if sink.tell() >= target:
            break
    writer.close()
    sink.close()
    lake.done(kind, path, raw)
