//! Columnar output: an Apache Parquet file with typed columns (integers, floats, booleans,
//! timestamps, and text, which Parquet dictionary-encodes: states and verdicts become small
//! dictionaries), readable by DuckDB, Spark and pandas. Rows are written in row groups of
//! [`ROW_GROUP`], so memory stays bounded however long the capture.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// Rows per row group.
pub const ROW_GROUP: usize = 65_536;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INT64.
    Int,
    /// DOUBLE.
    Float,
    /// BOOLEAN.
    Bool,
    /// UTF-8 text (dictionary-encoded by the writer).
    Text,
    /// Microseconds since the epoch, UTC (TIMESTAMP(MICROS): Spark reads no finer unit).
    Time,
}

#[derive(Default)]
struct Column {
    ints: Vec<i64>,
    floats: Vec<f64>,
    bools: Vec<bool>,
    texts: Vec<ByteArray>,
    /// Definition levels: 1 a value, 0 null.
    defs: Vec<i16>,
}

/// A Parquet file being written, row by row.
pub struct Table {
    writer: SerializedFileWriter<File>,
    kinds: Vec<Kind>,
    cols: Vec<Column>,
    /// Values given to the current row, by column (a column not given one is null).
    given: Vec<bool>,
    rows: usize,
}

fn io_err(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e.to_string())
}

/// A Parquet column name for a field name: dots become underscores (Spark reads a dotted name
/// as a nested field).
pub fn column_name(field: &str) -> String {
    field.replace(['.', '-'], "_")
}

impl Table {
    /// Create `path` with these (name, type) columns, all nullable.
    pub fn create(path: &Path, columns: &[(String, Kind)]) -> io::Result<Table> {
        let mut fields = Vec::with_capacity(columns.len());
        for (name, kind) in columns {
            let (physical, logical) = match kind {
                Kind::Int => (Physical::INT64, None),
                Kind::Float => (Physical::DOUBLE, None),
                Kind::Bool => (Physical::BOOLEAN, None),
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                Kind::Time => (Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS))),
            };
            let t = Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map_err(io_err)?;
            fields.push(Arc::new(t));
        }
        let schema = Type::group_type_builder("synack").with_fields(fields).build().map_err(io_err)?;
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let file = File::create(path)?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).map_err(io_err)?;
        Ok(Table {
            writer,
            kinds: columns.iter().map(|c| c.1).collect(),
            cols: columns.iter().map(|_| Column::default()).collect(),
            given: vec![false; columns.len()],
            rows: 0,
        })
    }

    /// The type of column `c`.
    pub fn kind(&self, c: usize) -> Kind {
        self.kinds[c]
    }

    fn mark(&mut self, c: usize) -> Option<&mut Column> {
        let given = self.given.get_mut(c)?;
        if *given {
            return None;
        }
        *given = true;
        let col = &mut self.cols[c];
        col.defs.push(1);
        Some(col)
    }

    /// An integer in column `c` of the current row.
    pub fn int(&mut self, c: usize, v: i64) {
        if let Some(col) = self.mark(c) {
            col.ints.push(v);
        }
    }

    /// A time (nanoseconds since the epoch) in column `c`, kept to the microsecond.
    pub fn time(&mut self, c: usize, ns: i128) {
        if let Ok(us) = i64::try_from(ns.div_euclid(1000)) {
            self.int(c, us);
        }
    }

    /// A float in column `c`.
    pub fn float(&mut self, c: usize, v: f64) {
        if let Some(col) = self.mark(c) {
            col.floats.push(v);
        }
    }

    /// A boolean in column `c`.
    pub fn bool(&mut self, c: usize, v: bool) {
        if let Some(col) = self.mark(c) {
            col.bools.push(v);
        }
    }

    /// Text in column `c`.
    pub fn text(&mut self, c: usize, v: &str) {
        if let Some(col) = self.mark(c) {
            col.texts.push(ByteArray::from(v.as_bytes().to_vec()));
        }
    }

    /// The current row is complete: columns given nothing are null.
    pub fn end_row(&mut self) -> io::Result<()> {
        for (given, col) in self.given.iter_mut().zip(&mut self.cols) {
            if !*given {
                col.defs.push(0);
            }
            *given = false;
        }
        self.rows += 1;
        if self.rows.is_multiple_of(ROW_GROUP) {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.cols.first().is_none_or(|c| c.defs.is_empty()) {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(io_err)?;
        let mut i = 0;
        while let Some(mut w) = group.next_column().map_err(io_err)? {
            let Some(col) = self.cols.get_mut(i) else { break };
            let defs = Some(&col.defs[..]);
            use parquet::column::writer::ColumnWriter as W;
            match w.untyped() {
                W::Int64ColumnWriter(t) => t.write_batch(&col.ints, defs, None),
                W::DoubleColumnWriter(t) => t.write_batch(&col.floats, defs, None),
                W::BoolColumnWriter(t) => t.write_batch(&col.bools, defs, None),
                W::ByteArrayColumnWriter(t) => t.write_batch(&col.texts, defs, None),
                _ => Ok(0),
            }
            .map_err(io_err)?;
            w.close().map_err(io_err)?;
            *col = Column::default();
            i += 1;
        }
        group.close().map_err(io_err)?;
        Ok(())
    }

    /// Write what is held and the file's footer.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        self.writer.close().map_err(io_err)?;
        Ok(())
    }
}

/// The column type of a field: numbers, booleans and times typed, the rest as `-T fields`
/// prints it.
pub fn kind_of(t: dissector_core::FieldType) -> Kind {
    use dissector_core::FieldType as F;
    match t {
        F::U8 | F::U16 | F::U24 | F::U32 | F::I32 | F::FrameNum => Kind::Int,
        F::Bool => Kind::Bool,
        F::RelTime => Kind::Float,
        F::AbsTime => Kind::Time,
        _ => Kind::Text,
    }
}

/// `synack -T parquet -e ... -w FILE`: a row per packet shown, a column per field.
pub struct FieldsTable<'c> {
    table: Table,
    c: &'c crate::Config,
    spare: Vec<dissector_core::fields::Value<'static>>,
    text: String,
    /// Fields already warned about (several values in a typed column).
    warned: Vec<bool>,
}

impl<'c> FieldsTable<'c> {
    /// Create `path` with a column per field of `c`.
    pub fn create(c: &'c crate::Config, path: &Path) -> io::Result<Self> {
        let columns: Vec<(String, Kind)> =
            c.fields.iter().map(|f| (column_name(f.info().abbrev), kind_of(f.info().ftype))).collect();
        Ok(FieldsTable {
            table: Table::create(path, &columns)?,
            c,
            spare: Vec::new(),
            text: String::new(),
            warned: vec![false; columns.len()],
        })
    }

    /// One packet's row. A typed column holds one value: with several (`-E occurrence=a`, the
    /// default), the first, said once per field on `err`; text columns hold them all, joined as
    /// `-T fields` joins them.
    pub fn packet(&mut self, pkt: &dissector_core::Packet<'_>, err: &mut dyn io::Write) -> io::Result<()> {
        use dissector_core::fields::{values_indexed, write_value, LayerIndex, Value};
        let mut vals: Vec<Value<'_>> = std::mem::take(&mut self.spare);
        let index = LayerIndex::new(pkt);
        for (i, &f) in self.c.fields.iter().enumerate() {
            vals.clear();
            values_indexed(pkt, &index, f, &mut vals);
            let chosen = self.c.occurrence.pick(&vals);
            let Some(first) = chosen.first() else { continue };
            let kind = self.table.kind(i);
            if kind == Kind::Text {
                self.text.clear();
                for (k, v) in chosen.iter().enumerate() {
                    if k > 0 {
                        self.text.push_str(&self.c.aggregator);
                    }
                    write_value(&mut self.text, f.info(), v);
                }
                self.table.text(i, &self.text);
                continue;
            }
            if chosen.len() > 1 && !self.warned[i] {
                self.warned[i] = true;
                let _ = writeln!(
                    err,
                    "synack: warning: -T parquet: {} has {} values in frame {}; its column holds the first (-E \
                     occurrence=f says so, -T fields shows them all)",
                    f.info().abbrev,
                    chosen.len(),
                    pkt.meta.number
                );
            }
            let as_int = match first {
                Value::U(u) => i64::try_from(*u).ok(),
                Value::I(n) => Some(*n),
                Value::Hex16(h) => Some(i64::from(*h)),
                Value::Bool(b) => Some(i64::from(*b)),
                Value::Time(ns) => i64::try_from(*ns).ok(),
                other => {
                    self.text.clear();
                    write_value(&mut self.text, f.info(), other);
                    self.text.parse().ok()
                }
            };
            match (kind, first) {
                (Kind::Float, Value::Time(ns)) => self.table.float(i, *ns as f64 / 1e9),
                (Kind::Time, Value::Time(ns)) => self.table.time(i, *ns),
                (Kind::Float, _) => {
                    if let Some(n) = as_int {
                        self.table.float(i, n as f64)
                    }
                }
                (Kind::Bool, _) => {
                    if let Some(n) = as_int {
                        self.table.bool(i, n != 0)
                    }
                }
                _ => {
                    if let Some(n) = as_int {
                        self.table.int(i, n)
                    }
                }
            }
        }
        vals.clear();
        #[allow(clippy::unnecessary_filter_map)]
        let spare = vals.into_iter().filter_map(|_| None).collect();
        self.spare = spare;
        self.table.end_row()
    }

    /// Write the file's end.
    pub fn finish(self) -> io::Result<()> {
        self.table.finish()
    }
}
