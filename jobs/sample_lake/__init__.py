"""A seeded sample data lake: the logs and exports of an Indian e-commerce platform, on a
local directory, for demos, the Spark tier and benchmarks of ``piisweep scan``.

    from jobs.sample_lake import generate_lake
    stats = generate_lake("/tmp/lake", size_mb=20, seed=7, truth_path="/tmp/lake.truth.jsonl")

Layout (days from 2024-03-11 IST: 2 for lakes under 100 MB, up to 7 for 500 MB and more)::

    ingress/YYYY/MM/DD/ingress-<n>.log.gz        night hours, rotated; then ingress-<n>.log
                                                 nginx / envoy access logs, gateway debug lines
                                                 that dump partner bodies unsanitized
    partner-api/<partner>/YYYY-MM-DD.log.gz      shipfast (courier), paynexa (payments),
                                                 textbee (SMS gateway) HTTP-client logs
    api-payloads/YYYY-MM-DD/payloads-<n>.jsonl   request/response records (nested customer,
        payloads-<n>.jsonl.zst (every day)       address lists, phones and PINs as JSON
        payloads-<n>.jsonl.bz2 (first day)       numbers); replay-batch-0.json on the last
        replay-batch-0.json                      day is one JSON array, a record per line
    exports/customers/customers-<n>.csv          customer master (full_name, email, mobile,
        customers-kyc-0.tsv, _SUCCESS            address, city, pincode, pan, dob, …); KYC
    exports/orders/orders-<n>.parquet, _SUCCESS  row groups of ~1/6 file; struct shipping
                                                 {name, phone, address{line1, city, pin}},
                                                 list contacts, int64 billing_phone

``size_mb`` is the size on disk (10^6 bytes), split by fixed shares between the kinds (about
half plain ingress logs, a fifth Parquet, 4% compressed text); every kind is present even at
1 MB. About 5% of log lines carry planted values (names, phones, e-mails, addresses, UPI ids,
OTPs, cards with CVV, Aadhaar, PAN, GSTIN, JWTs, bearer tokens, AWS keys, public client IPs);
the rest are clean lines full of look-alikes (OD order ids, numeric order ids, epoch-ms
timestamps, UUIDs, trace ids, 12-digit RRNs that fail Verhoeff, 16- and 19-digit references
that fail Luhn, masked cards and phones, versions, private IPs, prices, SKUs, PAN-shaped
coupons). Exports are PII by nature. Values come from pools built once (Faker en_IN/en_US
name lists, an Indian address table with real PIN districts, user agents, SKUs), never
from a Faker call per line.

Determinism: one ``random.Random(seed)`` drives everything in a fixed order (numpy, for the
Parquet id and amount columns, is seeded from it), timestamps come from a simulated clock,
gzip headers carry mtime 0 and no name, so a seed gives byte-identical files in any process.
The outside inputs are the installed Faker name lists, ``phonenumbers`` metadata, numpy's
PCG64 and pyarrow (Parquet ``created_by``, zstd frames).

Ground truth, when ``truth_path`` is given (it must lie outside the lake): one JSON object per
planted value, ``{"uri_suffix", "entity_type", "value", "line_number", "record_index",
"field"}`` with the value exactly as written (URL-encoded if it was, a JSON number's digits);
``line_number`` is the 1-based physical line of text files (null for Parquet),
``record_index`` the 0-based JSONL/CSV/JSON-array/Parquet record (null for plain logs),
``field`` the JSON path, CSV column or dotted Parquet column (null for free text).

This package is part of the installed ``jobs`` package and never imports ``bench``. Its
modules, in the order they build on each other: ``base`` (shares, sizes, stats), ``pools``
(name, address and agent pools, check digits), ``values`` (planted values and look-alikes),
``clock``, ``outputs`` (files, rotation, compression, truth), one module per kind of data
(``ingress``, ``partners``, ``payloads``, ``exports``) and ``lake`` (the plan and
``generate_lake``).
"""

from jobs.sample_lake.base import (
    NEEDS_FAKER,
    LakeStats,
    SampleLakeError,
    SamplesExtraMissing,
)
from jobs.sample_lake.lake import generate_lake

__all__ = [
    "NEEDS_FAKER",
    "LakeStats",
    "SampleLakeError",
    "SamplesExtraMissing",
    "generate_lake",
]
