"""Field names of an Arrow schema, scanned for PII and redacted like any other value.

A Parquet writer chooses every name in its schema: columns, struct fields at any depth, the
element of a list and the key, value and entries fields of a map. A column named after an
e-mail address, or a pivot keyed by customer, puts the value itself in the schema, and from
there into the redacted copy, ``field_path`` and validate's messages. This module finds
those names and gives the schema they must be replaced by; ``unit_scan`` writes the copy
under it and ``validate`` checks that a copy has none left.

Two ways to name one field are used:

* the *dotted path*, ``nested.Leaf.path``'s convention: ``contact.phone``, ``items[]``,
  ``attrs[].key``, ``attrs[].value`` (the element of a list and a map's key and value are
  named by their role, as a leaf's path names them);
* the *positional path*, the same shape with every name replaced by its position among
  its siblings: ``#3``, ``#3.#1``, ``#3[]``, ``#3[].key``. It repeats no name, so it is
  what a report about a name that may hold PII can say.

Only the nested types a Parquet file can be read as are walked: structs, lists, large and
fixed-size lists, maps and extension types (their storage). Unions, list views and
dictionaries of nested values never come out of a Parquet reader and are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.policy import Policy
from detectors.spans import Span


@dataclass(frozen=True)
class FieldName:
    """One name in a schema. ``derived`` marks a name a Parquet reader made from its
    parent's (a map's entries field, an old two-level list's element): it is redacted
    with the parent, but is the parent's name again, so it gets no finding of its own."""

    name: str
    path: str
    position: str
    derived: bool = False


@dataclass(frozen=True)
class NameFinding:
    """A name that holds PII: its spans (at or above the threshold), the raw name they
    are offsets into, and the field's dotted path under the *redacted* names."""

    path: str
    name: str
    spans: list[Span]


@dataclass
class RenamedSchema:
    """The schema a copy is written with, and what was found in the source's names.
    ``retyped[i]`` says whether column ``i``'s type changed (a name inside it did)."""

    source: pa.Schema
    schema: pa.Schema
    findings: list[NameFinding] = field(default_factory=list)
    retyped: list[bool] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.schema is not self.source

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """``batch`` (of the source schema) under the renamed schema, its data untouched.

        A column whose type changed is reinterpreted with ``Array.view``: a renamed
        struct, list or map has the same buffers as before, so a view is zero-copy and
        keeps every value, null and offset, position by position. ``Array.cast`` and
        ``RecordBatch.from_arrays(..., schema=)`` were tried and rejected: both match
        struct fields *by name*, so under new names (pyarrow 26) they return a struct of
        nulls without an error. A view to a type of another layout raises instead.
        """
        if not self.changed:
            return batch
        columns = [
            column.view(f.type) if retyped else column
            for column, f, retyped in zip(batch.columns, self.schema, self.retyped, strict=True)
        ]
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)


def field_names(schema: pa.Schema) -> Iterator[FieldName]:
    """Every name of ``schema``, parents before children."""
    for i, f in enumerate(schema):
        yield FieldName(f.name, f.name, f"#{i}")
        yield from _names_in(f.type, f.name, f"#{i}", f.name)


def _names_in(t: pa.DataType, path: str, position: str, parent: str) -> Iterator[FieldName]:
    if isinstance(t, pa.BaseExtensionType):
        yield from _names_in(t.storage_type, path, position, parent)
    elif pa.types.is_struct(t):
        for i, child in enumerate(t):
            child_path, child_position = f"{path}.{child.name}", f"{position}.#{i}"
            yield FieldName(child.name, child_path, child_position)
            yield from _names_in(child.type, child_path, child_position, child.name)
    elif pa.types.is_map(t):
        entries = t.field(0)
        yield FieldName(entries.name, f"{path}[]", f"{position}[]", entries.name == parent)
        for role, child in (("key", t.key_field), ("value", t.item_field)):
            child_path, child_position = f"{path}[].{role}", f"{position}[].{role}"
            yield FieldName(child.name, child_path, child_position)
            yield from _names_in(child.type, child_path, child_position, child.name)
    elif _is_list(t):
        child = t.value_field
        yield FieldName(child.name, f"{path}[]", f"{position}[]", child.name == parent)
        yield from _names_in(child.type, f"{path}[]", f"{position}[]", child.name)


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)


def redact_field_names(
    schema: pa.Schema, engine: Engine, policy: Policy, keys: KeyRing
) -> RenamedSchema:
    """``schema`` with every name that holds PII redacted, as ``jobs.blocks.CsvTable``
    redacts a CSV header: a name with a span at or above the policy threshold becomes
    ``policy.redact_value(name, spans, keys)``; a name redacted to nothing (``drop``, or
    blank) becomes ``_c<N>``, N its position among its siblings; a new name that repeats a
    sibling's gets ``_2``, ``_3``… Names without findings are kept as they are, and a
    schema without such names is returned itself (``RenamedSchema.changed`` false).

    When a name changes, the schema's key-value metadata is dropped: it describes the
    source schema by name (pandas' ``pandas``, Spark's row metadata), so it would repeat
    the raw name and no longer match the copy. Field metadata is kept. A map whose
    entries field is renamed gets Arrow's default name for it, ``entries`` (the only one
    ``pa.map_`` builds), and an extension type with a renamed field inside its storage
    is replaced by that storage type.

    Deterministic (the operators are), so every unit of a Parquet object split by row
    groups writes its part under the same schema and the parts merge.
    """
    names = list(field_names(schema))
    hits: dict[str, list[Span]] = {}
    for i, spans in engine.scan_values([n.name for n in names]):
        if any(s.score >= policy.threshold for s in spans):
            hits[names[i].position] = spans
    if not hits:
        return RenamedSchema(schema, schema)
    renamer = _Renamer(hits, {n.position: n for n in names}, policy, keys)
    positions = [f"#{i}" for i in range(len(schema))]
    new_names = renamer.siblings(list(schema), positions)
    fields, retyped = [], []
    for f, name, position in zip(schema, new_names, positions, strict=True):
        new_type, changed = renamer.type_of(f.type, name, position)
        fields.append(f.with_name(name).with_type(new_type))
        retyped.append(changed)
    renamed = pa.schema(fields)  # no metadata: see the docstring
    return RenamedSchema(schema, renamed, renamer.findings, retyped)


class _Renamer:
    """The second pass of :func:`redact_field_names`: rebuilds the types, finding each
    field's spans by its positional path, and collects the findings under new paths."""

    def __init__(
        self,
        hits: dict[str, list[Span]],
        by_position: dict[str, FieldName],
        policy: Policy,
        keys: KeyRing,
    ) -> None:
        self.hits, self.by_position, self.policy, self.keys = hits, by_position, policy, keys
        self.findings: list[NameFinding] = []

    def siblings(self, fields: list[pa.Field], positions: list[str]) -> list[str]:
        """New names of the fields of one level, at ``positions``: a name without PII is
        kept; a redacted one that comes out blank becomes ``_c<N>`` and one that repeats
        a sibling's (kept or already renamed) gets ``_2``, ``_3``…"""
        out = [f.name for f in fields]
        taken = {f.name for f, p in zip(fields, positions, strict=True) if p not in self.hits}
        for i, position in enumerate(positions):
            spans = self.hits.get(position)
            if spans is None:
                continue
            base = self.policy.redact_value(fields[i].name, spans, self.keys)
            if not base or not base.strip():
                base = f"_c{i}"
            new, n = base, 1
            while new in taken:
                n += 1
                new = f"{base}_{n}"
            taken.add(new)
            out[i] = new
        return out

    def _found(self, position: str, path: str) -> None:
        spans = self.hits.get(position)
        entry = self.by_position[position]
        if spans is not None and not entry.derived:
            kept = [s for s in spans if s.score >= self.policy.threshold]
            self.findings.append(NameFinding(path, entry.name, kept))

    def type_of(self, t: pa.DataType, path: str, position: str) -> tuple[pa.DataType, bool]:
        """``t``, the type of the field at ``position`` (now at dotted ``path``), with the
        names inside it redacted, and whether anything inside changed. Records the
        field's own finding first, so findings come parents first."""
        self._found(position, path)
        if isinstance(t, pa.BaseExtensionType):
            storage, changed = self._inside(t.storage_type, path, position)
            return (storage, True) if changed else (t, False)
        return self._inside(t, path, position)

    def _children(
        self, children: list[pa.Field], paths: list[str], positions: list[str]
    ) -> tuple[list[pa.Field], bool]:
        """One level's fields renamed, their types rebuilt; whether any changed. A path
        ending in ``.`` is completed with the field's new name (struct fields); the
        others name the field by its role (``[]``, ``[].key``)."""
        names = self.siblings(children, positions)
        fields, changed = [], False
        for child, name, path, position in zip(children, names, paths, positions, strict=True):
            full = f"{path}{name}" if path.endswith(".") else path
            child_type, inner = self.type_of(child.type, full, position)
            changed |= inner or name != child.name
            fields.append(child.with_name(name).with_type(child_type))
        return fields, changed

    def _inside(self, t: pa.DataType, path: str, position: str) -> tuple[pa.DataType, bool]:
        if pa.types.is_struct(t):
            children = list(t)
            fields, changed = self._children(
                children,
                [f"{path}." for _ in children],
                [f"{position}.#{i}" for i in range(len(children))],
            )
            return (pa.struct(fields), True) if changed else (t, False)
        if pa.types.is_map(t):
            entries = f"{position}[]"
            self._found(entries, f"{path}[]")
            kv, changed = self._children(
                [t.key_field, t.item_field],
                [f"{path}[].key", f"{path}[].value"],
                [f"{entries}.key", f"{entries}.value"],
            )
            if not changed and entries not in self.hits:
                return t, False
            return pa.map_(kv[0], kv[1], keys_sorted=t.keys_sorted), True
        if _is_list(t):
            (child,), changed = self._children([t.value_field], [f"{path}[]"], [f"{position}[]"])
            if not changed:
                return t, False
            if pa.types.is_fixed_size_list(t):
                return pa.list_(child, t.list_size), True
            return (pa.large_list(child) if pa.types.is_large_list(t) else pa.list_(child)), True
        return t, False
