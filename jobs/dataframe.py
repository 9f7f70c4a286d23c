"""Scanning and redacting a Spark DataFrame: the API for notebooks and tables.

A table that is already a DataFrame (a Delta or Hive table, a join a notebook built) should
not have to be exported to files to be scanned. ``scan_dataframe`` gives the same findings
rows as a file scan (the findings contract) and ``redact_dataframe`` the same redaction as
the redacted Parquet copies, because both run the same engine, policy and keys through the
same per-batch code as a Parquet unit (``jobs.recordbatch.scan_batch``, shared with
``unit_scan``).

Both go through ``mapInArrow``: columns reach the Python worker as Arrow buffers, the engine
(pickled into the task closure, so unpickled once per task; its scanner compiled once per
Python worker and call, see ``_Task``) scans whole leaf arrays, and Python runs only for
candidate values. :func:`scan_batch` (Parquet units too) reads every leaf type
``jobs.nested`` can read as text: strings, binaries, numbers, decimals, dates, inside
structs, lists and maps, and nulls the leaves it cannot read. The DataFrame functions still
choose their columns by Spark type first (string and integer columns and structs/arrays of
them, see ``_scannable``); other top-level columns are passed through untouched.

Under a policy with record rules (``records:``), a row is a record and its top-level scalar
columns its fields, judged together as a CSV row is (``detectors.records.process_row``,
see ``jobs.recordbatch``): a lone e-mail can be kept, a row with enough PII masked.

``record_index`` of a finding is, by default, the value of
``pyspark.sql.functions.monotonically_increasing_id()`` for its row, added just before the
``mapInArrow``: unique and increasing within a partition, but *not dense* (the partition
index sits in the upper 31 bits, the row within the partition in the lower 33). It is chosen
over a dense ``zipWithIndex`` because that needs an extra Spark job over the whole input
(the DataFrame evaluated twice unless cached) and turns every row into a Python object,
which the engine's design forbids. The same id is reproducible: evaluating
``df.withColumn("rid", F.monotonically_increasing_id())`` on the same DataFrame (same
source, same partitioning) gives every row the id its findings carry, so findings join
back to rows. Callers with a key of their own pass ``index_column=`` and get its values.

Nothing raw leaves these functions: findings hold only fingerprints and masked previews,
and an error inside a task is re-raised naming the column and the error class only, since
parser and library messages can quote the value they choked on.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from detectors.config import DEFAULT_ENGINE, load_engine
from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs.findings import arrow_schema, columns_table
from jobs.recordbatch import LeafFindings, scan_batch
from jobs.worker import worker_engine

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType

DEFAULT_SOURCE = "dataframe"
_ROW_ID = "__piisweep_record_index"


_SPARK_TYPES = {
    pa.string(): "string",
    pa.int64(): "bigint",
    pa.int32(): "int",
    pa.float64(): "double",
}


# ------------------------------------------------------------------------- public API
def scan_dataframe(
    df: DataFrame,
    *,
    engine: Engine | str | None = None,
    policy: Policy | str | os.PathLike[str] | None = None,
    keys: KeyRing | None = None,
    source: str | None = None,
    columns: Sequence[str] | None = None,
    scan_id: str | None = None,
    index_column: str | None = None,
) -> DataFrame:
    """The findings of ``df``, as a lazy DataFrame in the findings contract's columns.

    Every string, integer and nested struct/list column (or only ``columns``) is scanned;
    ``source_uri`` is ``source`` (default ``"dataframe"``), ``line_number`` null,
    ``field_path`` the column name or nested path (``a.b``, ``items[2].phone``), and
    ``record_index`` the row's ``monotonically_increasing_id()`` (see the module doc) or
    its ``index_column`` value. Only findings at or above the policy threshold are kept;
    ``action`` is what :func:`redact_dataframe` with the same policy puts in their place.
    ``scan_id`` defaults to a new ``YYYYmmddTHHMMSSZ-xxxxxx`` id. ``engine`` is an engine,
    or the kind of engine to build with the built-in detectors: "native" (the compiled core,
    the default when None) or "python" (the reference).
    """
    from pyspark.sql import functions as F

    engine, policy, keys = _resolve(engine, policy, keys)
    names = _scanned_columns(df, columns)
    schema = arrow_schema(with_scan_id=True)
    ddl = ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in schema)
    if not names:
        return df.sparkSession.createDataFrame([], ddl)
    if index_column is not None:
        index = _integral_column(df, index_column)
    else:
        index = F.monotonically_increasing_id()
    row_id = _unused_name(df.columns, _ROW_ID)
    selected = df.select(*[_col(n) for n in names], index.alias(row_id))
    job = _ScanTask(engine, policy, keys, source or DEFAULT_SOURCE, scan_id or new_scan_id())

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from job.run(batches, row_id)

    return selected.mapInArrow(run, ddl)


def redact_dataframe(
    df: DataFrame,
    policy: Policy | str | os.PathLike[str] | None = None,
    *,
    engine: Engine | str | None = None,
    keys: KeyRing | None = None,
    columns: Sequence[str] | None = None,
) -> DataFrame:
    """``df`` with every detected value redacted per ``policy``, as a lazy DataFrame.

    The schema is ``df.schema``, and every partition keeps its rows and their order (one
    ``mapInArrow`` with that schema), so the result can replace the table. A ``drop``
    covering a whole field gives null; so does an integer value whose redacted form is no
    longer a number of that type (``98XXXXXX10`` in a bigint phone column). That is why the
    one difference a schema can show is nullability: a scanned string or integer field
    declared NOT NULL (``spark.range``'s ``id``, a literal) is declared nullable in the
    result, since Spark fails a task that returns a null there. Columns outside ``columns``
    (and columns piisweep does not scan, see the module doc) are untouched. ``engine`` is as
    for :func:`scan_dataframe` (default: the native engine).
    """
    engine, policy, keys = _resolve(engine, policy, keys)
    names = _scanned_columns(df, columns)
    if not names:
        return df
    positions = [df.columns.index(n) for n in names]
    job = _RedactTask(engine, policy, keys, positions)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from job.run(batches)

    return df.mapInArrow(run, _nullable_leaves(df.schema, set(names)))


def new_scan_id() -> str:
    """A scan id in the file scan's format: UTC time stamp plus 6 random hex digits."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


# ------------------------------------------------------------------------- task closures
class _Task:
    """What a task needs, pickled into the ``mapInArrow`` closure: the engine is unpickled
    once per task, and compiled once per Python worker for all tasks of one call."""

    def __init__(self, engine: Engine, policy: Policy, keys: KeyRing) -> None:
        self._engine, self.policy, self.keys = engine, policy, keys
        self.token = secrets.token_hex(8)

    @property
    def engine(self) -> Engine:
        return worker_engine(self.token, self._engine)


class _ScanTask(_Task):
    def __init__(
        self, engine: Engine, policy: Policy, keys: KeyRing, source: str, scan_id: str
    ) -> None:
        super().__init__(engine, policy, keys)
        self.source, self.scan_id = source, scan_id

    def run(self, batches: Iterator[pa.RecordBatch], row_id: str) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for table in self._findings(batch, row_id):
                yield from table.to_batches()

    def _findings(self, batch: pa.RecordBatch, row_id: str) -> list[pa.Table]:
        """Findings of ``batch`` as tables in the findings schema, a leaf at a time, built
        as columns (:func:`columns_table`): fingerprints and previews of a leaf in one call
        to the compiled core, no Python object per finding."""
        position = batch.schema.get_field_index(row_id)
        ids = batch.column(position)
        schema = arrow_schema(with_scan_id=True)
        lead = {"scan_id": self.scan_id, "source_uri": self.source, "line_number": None}
        tables: list[pa.Table] = []

        def emit(found: LeafFindings) -> None:
            # an index_column may hold nulls: taken as Arrow, they stay nulls
            index = ids.take(pa.array(found.spans.rows, pa.int64())).cast(pa.int64())
            tables.append(
                columns_table(
                    schema,
                    lead,
                    index,
                    found.paths,
                    found.spans,
                    found.values,
                    found.actions,
                    self.keys.fingerprint_key,
                )
            )

        scanned = [i for i in range(batch.num_columns) if i != position]
        scan_batch(batch, self.engine, self.policy, self.keys, emit, redact=False, columns=scanned)
        return tables


class _RedactTask(_Task):
    def __init__(
        self, engine: Engine, policy: Policy, keys: KeyRing, positions: Sequence[int]
    ) -> None:
        super().__init__(engine, policy, keys)
        self.positions = list(positions)

    def run(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = self.engine
        for batch in batches:
            yield scan_batch(
                batch, engine, self.policy, self.keys, redact=True, columns=self.positions
            )


# ------------------------------------------------------------------------- driver helpers
def _resolve(
    engine: Engine | str | None,
    policy: Policy | str | os.PathLike[str] | None,
    keys: KeyRing | None,
) -> tuple[Engine, Policy, KeyRing]:
    """Defaults on the driver: the packaged policy (or the file at ``policy``), the built-in
    detectors at the policy's threshold run by the native engine (or the kind named by
    ``engine``), the deployment's keys; and the start-up check that
    the policy's actions have their keys, so a task never fails on the first value."""
    if policy is None:
        policy = Policy.default()
    elif not isinstance(policy, Policy):
        policy = Policy.load(policy)
    if engine is None or isinstance(engine, str):
        engine = load_engine(None, policy.threshold, engine=engine or DEFAULT_ENGINE)
    if keys is None:
        keys = KeyRing.load()
    policy.check_keys(keys)
    policy.check_entities(engine.entity_types)
    return engine, policy, keys


def _scanned_columns(df: DataFrame, columns: Sequence[str] | None) -> list[str]:
    """The top-level columns to scan: all scannable ones, or the named ones (each must exist
    once and hold something scannable, so a typo or a map column is not silently ignored)."""
    fields = df.schema.fields
    counts: dict[str, int] = {}
    for f in fields:
        counts[f.name] = counts.get(f.name, 0) + 1
    if columns is None:
        names = [f.name for f in fields if _scannable(f.dataType)]
    else:
        if isinstance(columns, str):
            columns = [columns]
        names = list(dict.fromkeys(columns))
        unknown = [n for n in names if n not in counts]
        if unknown:
            raise ValueError(
                f"columns: no column named {', '.join(map(repr, unknown))}; "
                f"the DataFrame has {', '.join(map(repr, counts))}"
            )
        types = {f.name: f.dataType for f in fields}
        unscannable = [n for n in names if not _scannable(types[n])]
        if unscannable:
            raise ValueError(
                f"columns: {', '.join(map(repr, unscannable))} hold no string or integer "
                "values (maps, binaries, floats, decimals and dates are not scanned)"
            )
    repeated = [n for n in names if counts[n] > 1]
    if repeated:
        raise ValueError(
            f"column name(s) {', '.join(map(repr, repeated))} occur more than once; "
            "rename or select them before scanning"
        )
    return names


def _scannable(t: DataType) -> bool:
    """Whether a Spark type has a leaf ``jobs.nested.leaves`` scans (mirrors
    ``nested.scannable`` on the Spark side, so unscanned columns are never shipped)."""
    from pyspark.sql import types as T

    if _leaf(t):
        return True
    if isinstance(t, T.StructType):
        return any(_scannable(f.dataType) for f in t.fields)
    if isinstance(t, T.ArrayType):
        return _scannable(t.elementType)
    return False


def _nullable_leaves(schema: Any, names: set[str]) -> Any:
    """``schema`` with every scannable leaf under the columns ``names`` made nullable (the
    same object when none was declared NOT NULL, which is the usual case)."""
    from pyspark.sql import types as T

    def relax(t: DataType) -> DataType:
        if isinstance(t, T.StructType):
            return T.StructType(
                [
                    T.StructField(
                        f.name,
                        relax(f.dataType),
                        f.nullable or _leaf(f.dataType),
                        f.metadata,
                    )
                    for f in t.fields
                ]
            )
        if isinstance(t, T.ArrayType):
            element = relax(t.elementType)
            return T.ArrayType(element, t.containsNull or _leaf(t.elementType))
        return t

    relaxed = T.StructType(
        [
            T.StructField(f.name, relax(f.dataType), f.nullable or _leaf(f.dataType), f.metadata)
            if f.name in names
            else f
            for f in schema.fields
        ]
    )
    return schema if relaxed == schema else relaxed


def _leaf(t: DataType) -> bool:
    from pyspark.sql import types as T

    return isinstance(t, (T.StringType, T.CharType, T.VarcharType, T.IntegralType))


def _integral_column(df: DataFrame, name: str) -> Any:
    from pyspark.sql import types as T

    types = {f.name: f.dataType for f in df.schema.fields}
    if not isinstance(types.get(name), T.IntegralType):
        raise ValueError(f"index_column: {name!r} is not an integer column of the DataFrame")
    return _col(name).cast("bigint")


def _col(name: str) -> Any:
    """A column by its exact name, even with dots or backticks in it."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _unused_name(existing: Sequence[str], base: str) -> str:
    name, n = base, 0
    while name in existing:
        n += 1
        name = f"{base}_{n}"
    return name
