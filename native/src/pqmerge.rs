//! One Parquet file from the parts of a split object, without decoding what need not change.
//!
//! A split object's redacted copy is staged as one part per unit, and the contract wants
//! one file per object. Decoding every part and encoding it again took the commit ~0.35 s
//! per 64 MB of a log's copy, serially at the end of the scan (6 s of a 1 GiB log's 20).
//! A part's column chunks are kept byte for byte here, as `parquet-concat` does: the new
//! file is the parts' row groups one after another under a new footer. The one column
//! that must change, the line numbers of a line copy (each unit counted from its own
//! first line), is decoded and written again with the unit's offset added.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::reader::ColumnReader;
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::Int64Type;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;

/// Values of the shifted column read per call: bounded memory whatever the row group.
const BATCH: usize = 64 * 1024;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The leaf `name` at the top level, INT64 and not repeated: the column to shift.
fn shifted_leaf(meta: &ParquetMetaData, name: &str) -> Option<usize> {
    let schema = meta.file_metadata().schema_descr();
    (0..schema.num_columns()).find(|&i| {
        let c = schema.column(i);
        c.path().parts() == [name.to_string()]
            && c.physical_type() == PhysicalType::INT64
            && c.max_rep_level() == 0
    })
}

/// `parts` (path, offset) merged into `out`, in order; the leaf column `shift` (if any)
/// gets each part's offset added. All parts must have one schema. Returns the rows
/// written. An error leaves `out` incomplete: the caller merges another way.
pub fn merge(parts: &[(String, i64)], shift: Option<&str>, out: &str) -> Result<u64, String> {
    // The parquet crate panics on some inputs (its own FIXMEs): an error like any other.
    std::panic::catch_unwind(|| merge_parts(parts, shift, out))
        .unwrap_or_else(|_| Err("the Parquet writer panicked".into()))
}

fn merge_parts(parts: &[(String, i64)], shift: Option<&str>, out: &str) -> Result<u64, String> {
    let mut inputs = Vec::with_capacity(parts.len());
    for (path, offset) in parts {
        let file = File::open(path).map_err(err)?;
        let meta = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .map_err(err)?;
        inputs.push((file, meta, *offset));
    }
    let Some((_, first, _)) = inputs.first() else {
        return Err("no parts".into());
    };
    let schema = first.file_metadata().schema_descr_ptr();
    for (_, meta, _) in &inputs[1..] {
        if meta.file_metadata().schema_descr().root_schema() != schema.root_schema() {
            return Err("parts differ in schema".into());
        }
    }
    let leaf = shift.and_then(|name| shifted_leaf(first, name));
    // Chunk statistics and no page indexes, as the parts were written: a file whose
    // copied chunks have no offset index must not have one for the rewritten chunk.
    let mut props = WriterProperties::builder()
        .set_key_value_metadata(first.file_metadata().key_value_metadata().cloned())
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true);
    if let Some(i) = leaf {
        // Line numbers of consecutive lines: a few bits each, no codec needed.
        let path: ColumnPath = schema.column(i).path().clone();
        props = props
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
    }
    let mut writer = SerializedFileWriter::new(
        File::create(out).map_err(err)?,
        schema.root_schema_ptr(),
        Arc::new(props.build()),
    )
    .map_err(err)?;
    let mut rows = 0u64;
    for (file, meta, offset) in &inputs {
        let reader = match (leaf, *offset) {
            (Some(_), o) if o != 0 => {
                Some(SerializedFileReader::new(file.try_clone().map_err(err)?).map_err(err)?)
            }
            _ => None,
        };
        for (g, group) in meta.row_groups().iter().enumerate() {
            let mut group_out = writer.next_row_group().map_err(err)?;
            for (c, column) in group.columns().iter().enumerate() {
                if let (Some(reader), true) = (&reader, leaf == Some(c)) {
                    let column_reader = reader
                        .get_row_group(g)
                        .map_err(err)?
                        .get_column_reader(c)
                        .map_err(err)?;
                    let mut column_out = group_out
                        .next_column()
                        .map_err(err)?
                        .ok_or("no column to write")?;
                    let defined = schema.column(c).max_def_level() > 0;
                    let ColumnReader::Int64ColumnReader(mut values_in) = column_reader else {
                        return Err("shifted column is not INT64".into());
                    };
                    let typed = column_out.typed::<Int64Type>();
                    let (mut values, mut levels) = (Vec::new(), Vec::new());
                    loop {
                        values.clear();
                        levels.clear();
                        let (records, _, _) = values_in
                            .read_records(BATCH, defined.then_some(&mut levels), None, &mut values)
                            .map_err(err)?;
                        if records == 0 {
                            break;
                        }
                        for v in values.iter_mut() {
                            *v += offset;
                        }
                        typed
                            .write_batch(&values, defined.then_some(&levels[..]), None)
                            .map_err(err)?;
                    }
                    column_out.close().map_err(err)?;
                } else {
                    let result = ColumnCloseResult {
                        bytes_written: column.compressed_size() as _,
                        rows_written: group.num_rows() as _,
                        metadata: column.clone(),
                        bloom_filter: None,
                        column_index: None,
                        offset_index: None,
                    };
                    group_out.append_column(file, result).map_err(err)?;
                }
            }
            rows += group.num_rows() as u64;
            group_out.close().map_err(err)?;
        }
    }
    writer.close().map_err(err)?;
    Ok(rows)
}
