"""``jobs.parts.read_parts``: Parquet parts on S3 (the moto server over HTTP) read by the
executors, the way validate reads a findings table that lives on S3."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs import storage
from jobs.parts import BATCH_ROWS, read_parts

pytestmark = pytest.mark.spark


def _put(table: pa.Table, uri: str, s3: storage.S3Settings) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=BATCH_ROWS // 2)
    storage.write_bytes(sink.getvalue().to_pybytes(), uri, s3)


def test_parts_on_s3_are_read_whole_with_their_schemas_unified(spark: Any, s3_bucket: str) -> None:
    """Three parts whose schemas differ as parts written by different versions would: a
    column only some have (null elsewhere), an int32 beside an int64. Every row arrives,
    in the types ``concat_tables(promote_options="permissive")`` gives, and a part larger
    than one batch is read in full."""
    s3 = storage.S3Settings.from_env()
    big = BATCH_ROWS + 1234
    parts = [
        pa.table({"k": pa.array(range(big), pa.int64()), "s": [f"a{i}" for i in range(big)]}),
        pa.table({"k": pa.array([7, 8], pa.int32()), "s": ["b", None], "extra": [1.5, 2.5]}),
        pa.table({"s": ["c"]}),
    ]
    uris = [f"s3://{s3_bucket}/findings/part-{i}.parquet" for i in range(len(parts))]
    for table, uri in zip(parts, uris, strict=True):
        _put(table, uri, s3)

    got = read_parts(spark, uris, s3).toArrow()

    expected = pa.concat_tables(parts, promote_options="permissive")
    assert got.num_rows == expected.num_rows == big + 3
    assert {f.name: f.type for f in got.schema} == {f.name: f.type for f in expected.schema}
    key = ["s", "k", "extra"]
    assert sorted(got.select(key).to_pylist(), key=str) == sorted(
        expected.select(key).to_pylist(), key=str
    )


def test_a_missing_part_fails_the_read(spark: Any, s3_bucket: str) -> None:
    """A part the summary lists but the store lacks is an error, not fewer rows."""
    s3 = storage.S3Settings.from_env()
    present = f"s3://{s3_bucket}/findings/part-0.parquet"
    _put(pa.table({"k": [1]}), present, s3)
    with pytest.raises(Exception, match=r"(?i)not ?found|NoSuchKey|does not exist"):
        read_parts(spark, [present, f"s3://{s3_bucket}/findings/gone.parquet"], s3).count()
