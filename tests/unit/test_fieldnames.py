"""Field names of a Parquet schema are data too (issue #16): ``jobs.fieldnames`` finds the
ones that hold PII at any depth and gives the schema a copy is written under, with the data
reinterpreted, not copied. All values are synthetic."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.policy import Policy
from jobs import storage
from jobs.fieldnames import RenamedSchema, field_names, redact_field_names
from jobs.nested import leaves
from jobs.validate import ResidualJob, residual_scan
from tests.unit.hostile import KEYS, engine, scan_path

EMAIL = "asha.verma@example.in"
EMAIL2 = "asha.verna@example.in"  # masks to the same name as EMAIL
EMAIL3 = "ravi.kumar@example.in"
PHONE = "9812345678"
RAW = (EMAIL, EMAIL2, EMAIL3, PHONE)


def _rename(schema: pa.Schema, policy: Policy | None = None) -> RenamedSchema:
    return redact_field_names(schema, engine(), policy or Policy.default(), KEYS)


def _all_names(schema: pa.Schema) -> list[str]:
    return [n.name for n in field_names(schema)]


def _values(x: Any) -> Any:
    """A value with struct field names forgotten: rows compared by position only."""
    if isinstance(x, dict):
        return [_values(v) for v in x.values()]
    if isinstance(x, list | tuple):
        return [_values(v) for v in x]
    return x


def _nested_batch() -> pa.RecordBatch:
    contact = pa.struct(
        [
            (PHONE, pa.string()),
            ("city", pa.string()),
            ("tags", pa.list_(pa.field(EMAIL3, pa.string()))),
        ]
    )
    attrs = pa.map_(pa.field(EMAIL, pa.string(), nullable=False), pa.field(EMAIL3, pa.int64()))
    return pa.RecordBatch.from_pydict(
        {
            EMAIL: pa.array(["a", None, "c"]),
            "contact": pa.array(
                [{PHONE: "p", "city": "Pune", "tags": ["t", None]}, None, {"tags": []}], contact
            ),
            "attrs": pa.array([[("k", 1)], None, [("j", 2), ("l", None)]], attrs),
            "fixed": pa.array([[1, 2], None, [3, 4]], pa.list_(pa.field(PHONE, pa.int8()), 2)),
            "big": pa.array(
                [[{EMAIL: 1}], [], None], pa.large_list(pa.struct([(EMAIL, pa.int32())]))
            ),
            "id": pa.array([1, 2, 3]),
        }
    )


def test_names_holding_pii_are_redacted_at_every_depth_and_reported_once_each() -> None:
    batch = _nested_batch()
    renamed = _rename(batch.schema)
    assert renamed.changed
    names = _all_names(renamed.schema)
    assert not any(raw in name for raw in RAW for name in names), names
    assert renamed.schema.names == [
        "asXX.XXXXX@example.in",
        "contact",
        "attrs",
        "fixed",
        "big",
        "id",
    ]
    contact = renamed.schema.field("contact").type
    assert [f.name for f in contact] == ["98XXXXXX78", "city", "tags"]
    assert contact.field("tags").type.value_field.name == "raXX.XXXXX@example.in"
    attrs = renamed.schema.field("attrs").type
    assert (attrs.key_field.name, attrs.item_field.name) == (
        "asXX.XXXXX@example.in",
        "raXX.XXXXX@example.in",
    )
    assert not attrs.key_field.nullable  # a field keeps everything but its name
    assert renamed.schema.field("fixed").type.list_size == 2
    assert pa.types.is_large_list(renamed.schema.field("big").type)
    # one finding per name, under the redacted dotted path (nested.Leaf's convention)
    found = [(f.path, f.name, [s.entity_type for s in f.spans]) for f in renamed.findings]
    assert found == [
        ("asXX.XXXXX@example.in", EMAIL, ["EMAIL_ADDRESS"]),
        ("contact.98XXXXXX78", PHONE, ["PHONE_NUMBER"]),
        ("contact.tags[]", EMAIL3, ["EMAIL_ADDRESS"]),
        ("attrs[].key", EMAIL, ["EMAIL_ADDRESS"]),
        ("attrs[].value", EMAIL3, ["EMAIL_ADDRESS"]),
        ("fixed[]", PHONE, ["PHONE_NUMBER"]),
        ("big[].asXX.XXXXX@example.in", EMAIL, ["EMAIL_ADDRESS"]),
    ]


def test_the_renamed_batch_holds_the_same_data_without_copying_it() -> None:
    batch = _nested_batch()
    renamed = _rename(batch.schema)
    out = renamed.apply(batch)
    out.validate(full=True)
    assert out.schema == renamed.schema
    assert [_values(c.to_pylist()) for c in out.columns] == [
        _values(c.to_pylist()) for c in batch.columns
    ]
    # a view, not a copy: the renamed struct column shares the source's buffers
    before, after = batch.column(1), out.column(1)
    assert [b.address if b else None for b in before.buffers()] == [
        b.address if b else None for b in after.buffers()
    ]


def test_a_struct_cast_to_new_names_would_lose_the_data_which_is_why_apply_views() -> None:
    """The trap ``RenamedSchema.apply`` avoids: pyarrow matches struct fields by name."""
    st = pa.array([{PHONE: "p"}], pa.struct([(PHONE, pa.string())]))
    target = pa.struct([("98XXXXXX78", pa.string())])
    assert st.cast(target).to_pylist() == [{"98XXXXXX78": None}]
    assert st.view(target).to_pylist() == [{"98XXXXXX78": "p"}]


def test_redacted_names_that_collide_get_suffixes_and_kept_names_win() -> None:
    # EMAIL and EMAIL2 both mask to asXX.XXXXX@example.in, a name an untouched column
    # already has: the kept name stays, the redacted ones take _2 and _3.
    schema = pa.schema(
        [(EMAIL, pa.string()), ("asXX.XXXXX@example.in", pa.string()), (EMAIL2, pa.string())]
    )
    renamed = _rename(schema)
    assert renamed.schema.names == [
        "asXX.XXXXX@example.in_2",
        "asXX.XXXXX@example.in",
        "asXX.XXXXX@example.in_3",
    ]
    assert [f.path for f in renamed.findings] == [
        "asXX.XXXXX@example.in_2",
        "asXX.XXXXX@example.in_3",
    ]
    inner = pa.schema([("s", pa.struct([(EMAIL, pa.int8()), (EMAIL2, pa.int8())]))])
    assert [f.name for f in _rename(inner).schema.field("s").type] == [
        "asXX.XXXXX@example.in",
        "asXX.XXXXX@example.in_2",
    ]


def test_a_name_redacted_to_nothing_becomes_its_position() -> None:
    drop = Policy.from_dict({"version": 1, "entities": {"EMAIL_ADDRESS": {"action": "drop"}}})
    schema = pa.schema(
        [("id", pa.int64()), ("s", pa.struct([("x", pa.int8()), (EMAIL, pa.int8())]))]
    )
    schema = schema.append(pa.field(EMAIL3, pa.string()))
    renamed = _rename(schema, drop)
    assert renamed.schema.names == ["id", "s", "_c2"]
    assert [f.name for f in renamed.schema.field("s").type] == ["x", "_c1"]
    assert [(f.path, f.name) for f in renamed.findings] == [("s._c1", EMAIL), ("_c2", EMAIL3)]


def test_a_schema_without_pii_names_comes_back_unchanged() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "email": pa.array([EMAIL]),  # the value holds PII, the name does not
            "contact": pa.array([{"phone": PHONE}]),
            "attrs": pa.array([[("k", "v")]], pa.map_(pa.string(), pa.string())),
        }
    ).replace_schema_metadata({"pandas": "{}"})
    renamed = _rename(batch.schema)
    assert not renamed.changed and renamed.schema is batch.schema and not renamed.findings
    assert renamed.apply(batch) is batch


def test_schema_metadata_naming_the_old_columns_is_dropped_when_a_name_changes() -> None:
    schema = pa.schema([(EMAIL, pa.string())], metadata={"pandas": f'{{"columns": ["{EMAIL}"]}}'})
    renamed = _rename(schema)
    assert renamed.schema.metadata is None
    assert EMAIL not in str(renamed.schema)


def test_a_map_read_from_parquet_repeats_its_column_name_in_its_entries(tmp_path: Path) -> None:
    """A Parquet reader names a map's entries field after the map: renaming the column
    alone would leave the raw name in the copy's stored Arrow schema."""
    path = tmp_path / "m.parquet"
    table = pa.table({EMAIL: pa.array([[("k", "v")]], pa.map_(pa.string(), pa.string()))})
    pq.write_table(table, path)
    source = pq.ParquetFile(path)
    assert source.schema_arrow.field(0).type.field(0).name == EMAIL
    renamed = _rename(source.schema_arrow)
    assert [f.path for f in renamed.findings] == ["asXX.XXXXX@example.in"]  # once
    out = tmp_path / "copy.parquet"
    pq.write_table(pa.Table.from_batches([renamed.apply(b) for b in source.iter_batches()]), out)
    stored = pq.ParquetFile(out).metadata.metadata[b"ARROW:schema"]
    assert EMAIL.encode() not in base64.b64decode(stored) + out.read_bytes()
    assert pq.read_table(out).column(0).to_pylist() == [[("k", "v")]]


def test_an_extension_type_with_a_pii_name_inside_becomes_its_storage() -> None:
    class Pair(pa.ExtensionType):  # a user type whose storage names a field by e-mail
        def __init__(self) -> None:
            super().__init__(pa.struct([(EMAIL, pa.string())]), "test.pair")

        def __arrow_ext_serialize__(self) -> bytes:
            return b""

        @classmethod
        def __arrow_ext_deserialize__(cls, storage_type: Any, serialized: Any) -> Pair:
            return cls()

    storage_array = pa.array([{EMAIL: "x"}, None], pa.struct([(EMAIL, pa.string())]))
    batch = pa.RecordBatch.from_arrays(
        [pa.ExtensionArray.from_storage(Pair(), storage_array), pa.array(["kept", "u"])],
        names=["pair", "uuid"],
    )
    renamed = _rename(batch.schema)
    assert renamed.schema.field("pair").type == pa.struct([("asXX.XXXXX@example.in", pa.string())])
    assert renamed.apply(batch).column(0).to_pylist() == [{"asXX.XXXXX@example.in": "x"}, None]


def test_positional_leaf_paths_repeat_no_name() -> None:
    batch = _nested_batch()
    paths = sorted({leaf.path for leaf in leaves(batch, positional=True)})
    assert paths == [
        "#0",
        "#1.#0",
        "#1.#1",
        "#1.#2[]",
        "#2[].key",
        "#2[].value",
        "#3[]",
        "#4[].#0",
        "#5",
    ]
    by_name = [leaf.path for leaf in leaves(batch)]
    assert len(by_name) == len(paths) and "contact.city" in by_name


def test_the_residual_check_reports_pii_names_by_position_only(tmp_path: Path) -> None:
    """A copy whose schema still holds PII names (an old version's copy, or tampered):
    every name is scanned, nested too, and no location repeats one."""
    job = ResidualJob(
        engine(), Policy.default(), KEYS, frozenset({"keep"}), storage.S3Settings.from_env({})
    )
    table = pa.table(
        {
            "id": [1, 2],
            EMAIL: ["ravi.k@example.in", "ok"],
            "c": pa.array([{PHONE: "call 9876543210"}, None], pa.struct([(PHONE, pa.string())])),
        }
    )
    src = tmp_path / "names.parquet"
    pq.write_table(table, src)
    raw = residual_scan(src.as_uri(), "parquet", job)
    assert raw["residual_findings"] == 4
    assert raw["residual_at"] == (
        "field name at #1: EMAIL_ADDRESS; field name at #2.#0: PHONE_NUMBER; "
        "row 0 column #1: EMAIL_ADDRESS; row 0 column #2.#0: PHONE_NUMBER"
    )
    # the scan renames them, and its copy passes
    got = scan_path(src, tmp_path / "w")
    assert got.status.flags["pii_field_names_redacted"] == 2
    copy = next((tmp_path / "w" / "staging" / "redacted").iterdir())
    clean = residual_scan(copy.as_uri(), "parquet", job)
    assert clean["residual_findings"] == 0, clean


def test_the_residual_check_of_a_csv_copy_with_a_pii_header_names_columns_by_position(
    tmp_path: Path,
) -> None:
    job = ResidualJob(
        engine(), Policy.default(), KEYS, frozenset({"keep"}), storage.S3Settings.from_env({})
    )
    copy = tmp_path / "old-copy.parquet"
    pq.write_table(pa.table({"id": ["1"], EMAIL: ["call 9876543210"]}), copy)
    got = residual_scan(copy.as_uri(), "csv", job)
    assert got["residual_at"] == "field name at #1: EMAIL_ADDRESS; row 0 column #1: PHONE_NUMBER"


@pytest.mark.parametrize("start", [0, 1])
def test_only_the_unit_at_row_group_0_reports_the_names(tmp_path: Path, start: int) -> None:
    src = tmp_path / "groups.parquet"
    pq.write_table(pa.table({EMAIL: [f"v{i}" for i in range(40)]}), src, row_group_size=10)
    got = scan_path(src, tmp_path / "w", start=start, end=start + 1, parts=4, seq=start)
    assert got.copy is not None and got.copy.schema.names == ["asXX.XXXXX@example.in"]
    assert got.copy.num_rows == 10
    names = [r for r in got.findings.to_pylist() if r["record_index"] is None]
    assert len(names) == (1 if start == 0 else 0)
    assert got.status.flags["pii_field_names_redacted"] == (1 if start == 0 else 0)
    if names:
        assert names[0]["field_path"] == "asXX.XXXXX@example.in"
        assert names[0]["line_number"] is None and names[0]["entity_type"] == "EMAIL_ADDRESS"
    assert EMAIL.encode() not in got.out_bytes(tmp_path / "w")
