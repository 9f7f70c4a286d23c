"""Parquet files on any store as one Spark DataFrame, read by the executors through pyarrow.

Spark reads local paths itself, but S3 only through s3a (hadoop-aws and an AWS SDK of the
matching version on every JVM), which piisweep does not require; HDFS through a cluster's
own configuration. piisweep reaches both stores with pyarrow (``jobs.storage``), so a
findings table on S3 used to be read whole into the driver and handed to
``createDataFrame``: driver memory grew with the table (a 50 M-row table is gigabytes).
Here the driver only lists the parts; executors read the footers, then the rows, batch by
batch, so the driver holds one schema, whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jobs import storage

#: rows per Arrow batch handed to Spark: bounded executor memory per task
BATCH_ROWS = 65_536


def parts_frame(spark: Any, uris: Sequence[str], s3: storage.S3Settings) -> Any:
    """Parquet files (at least one) as one DataFrame: local ones through Spark's own
    reader, S3 and HDFS ones by the executors (:func:`read_parts`)."""
    if all(u.startswith("file://") for u in uris):
        return spark.read.parquet(*uris)
    return read_parts(spark, uris, s3)


def read_parts(spark: Any, uris: Sequence[str], s3: storage.S3Settings) -> Any:
    """The Parquet files ``uris`` as one DataFrame, with the columns of all their schemas
    unified as ``pyarrow.concat_tables(promote_options="permissive")`` would (a column a
    part lacks is null there; int32 and int64 become int64), so schema checks still see
    what was stored. Two Spark jobs: footers, then rows (again on every action unless the
    caller caches)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    if not uris:
        raise ValueError("read_parts needs at least one file")
    sc = spark.sparkContext
    listing = spark.createDataFrame(
        sc.parallelize([(u,) for u in uris], max(1, min(len(uris), 4 * sc.defaultParallelism))),
        "uri string",
    )

    def footers(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            found = [_schema_bytes(u, s3) for u in batch.column(0).to_pylist()]
            yield pa.RecordBatch.from_arrays([pa.array(found, pa.binary())], names=["schema"])

    serialized = set(listing.mapInArrow(footers, "schema binary").toArrow().column(0).to_pylist())
    schema = pa.unify_schemas(
        [pa.ipc.read_schema(pa.py_buffer(b)) for b in sorted(serialized)],
        promote_options="permissive",
    )

    def rows(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for uri in batch.column(0).to_pylist():
                yield from _read_rows(uri, s3, schema)

    return listing.mapInArrow(rows, from_arrow_schema(schema))


def _schema_bytes(uri: str, s3: storage.S3Settings) -> bytes:
    """One part's Arrow schema (its footer only), without metadata, serialized."""
    source = storage.open_input(uri, s3)
    try:
        return pq.read_schema(source).remove_metadata().serialize().to_pybytes()
    finally:
        source.close()


def _read_rows(uri: str, s3: storage.S3Settings, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    source = storage.open_input(uri, s3)
    try:
        part = pq.ParquetFile(source)
        for batch in part.iter_batches(batch_size=BATCH_ROWS, use_threads=False):
            yield conform(batch, schema)
    finally:
        source.close()


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with ``schema``'s columns in its order: each cast to the unified type, or
    null where the part has no such column."""
    present = set(batch.schema.names)
    columns = [
        batch.column(f.name).cast(f.type) if f.name in present else pa.nulls(len(batch), f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)
