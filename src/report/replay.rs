//! The output of `yumalab replay`: a [`ReplayResult`] as a text table, as JSON, or as two
//! Parquet tables.
//!
//! # Parquet tables
//! `epochs.parquet`, one row per (epoch, neuron):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `epoch` | u32 | epoch index in the replay |
//! | `role` | utf8 | `validator` or `miner` |
//! | `name` | utf8 | the neuron's name in the replay file |
//! | `uid` | u16 | validators `0..V`, miners `V..V+M` |
//! | `stake` | f64 | normalised stake `S` |
//! | `consensus`, `incentive`, `dividends`, `validator_trust` | f64 | as the epoch computed them |
//!
//! `bonds.parquet`, one row per (epoch, validator, miner): `epoch` (u32), `validator`, `miner`
//! (utf8), `bond` (f64, the stored value as a fraction `u/65535`), `bond_u16` (u16, the stored
//! value; 0 where the chain stores no entry).
//!
//! Each file is written under a temporary name in the output directory and renamed when
//! complete, so an interrupted run never leaves a complete-looking file.
//!
//! Read them with any Parquet reader, e.g. polars:
//! `pl.read_parquet("out/bonds.parquet").filter(pl.col("miner") == "M1")`.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt16Array, UInt32Array};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use crate::replay::ReplayResult;
use crate::yuma::fixed::from_u16_proportion;

/// The Parquet files [`write_parquet`] creates, in order.
pub const PARQUET_FILES: [&str; 2] = ["epochs.parquet", "bonds.parquet"];

/// Why the Parquet tables could not be written.
#[derive(Debug)]
pub enum ReportError {
    /// Creating, writing or renaming a file failed.
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Building a table failed (a bug: the columns are built to agree).
    Arrow(ArrowError),
    /// Encoding a table as Parquet failed.
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: ParquetError,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ReportError::Arrow(e) => write!(f, "building a table: {e}"),
            ReportError::Parquet { path, source } => {
                write!(f, "{}: writing parquet: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Io { source, .. } => Some(source),
            ReportError::Arrow(e) => Some(e),
            ReportError::Parquet { source, .. } => Some(source),
        }
    }
}

/// Per-validator rows of a bonds matrix as fractions `u/65535`.
fn bond_fractions(bonds: &[Vec<u16>]) -> Vec<Vec<f64>> {
    bonds
        .iter()
        .map(|row| row.iter().map(|&u| from_u16_proportion(u)).collect())
        .collect()
}

#[derive(Serialize)]
struct JsonReport<'a> {
    epochs: Vec<JsonEpoch<'a>>,
}

#[derive(Serialize)]
struct JsonEpoch<'a> {
    epoch: u32,
    consensus: &'a [f64],
    incentive: &'a [f64],
    dividends: &'a [f64],
    validator_trust: &'a [f64],
    bonds: Vec<Vec<f64>>,
}

/// Writes the result as one line of JSON: `{"epochs": [{"epoch", "consensus", "incentive",
/// "dividends", "validator_trust", "bonds"}]}`, consensus and incentive per miner, dividends
/// and validator trust per validator, bonds per validator per miner as fractions `u/65535`.
///
/// # Errors
/// Whatever `w` returns.
pub fn write_json<W: Write>(result: &ReplayResult, w: &mut W) -> io::Result<()> {
    let report = JsonReport {
        epochs: result
            .epochs
            .iter()
            .enumerate()
            .map(|(e, rec)| JsonEpoch {
                epoch: rec.epoch,
                consensus: result.consensus(e),
                incentive: result.incentive(e),
                dividends: result.dividends(e),
                validator_trust: result.validator_trust(e),
                bonds: bond_fractions(&rec.bonds),
            })
            .collect(),
    };
    serde_json::to_writer(&mut *w, &report)?;
    writeln!(w)
}

/// Writes the result as a readable table, one block per epoch.
///
/// # Errors
/// Whatever `w` returns.
pub fn write_text<W: Write>(result: &ReplayResult, w: &mut W) -> io::Result<()> {
    const NUM: usize = 17;
    let name_width = result
        .validators
        .iter()
        .chain(&result.miners)
        .map(|n| n.chars().count())
        .chain([9])
        .max()
        .unwrap_or(9);
    for (e, rec) in result.epochs.iter().enumerate() {
        if e > 0 {
            writeln!(w)?;
        }
        writeln!(w, "epoch {}", rec.epoch)?;
        writeln!(
            w,
            "  {:<name_width$}{:>NUM$}{:>NUM$}",
            "miner", "consensus", "incentive"
        )?;
        for (j, name) in result.miners.iter().enumerate() {
            let (c, i) = (result.consensus(e)[j], result.incentive(e)[j]);
            writeln!(w, "  {name:<name_width$}{c:>NUM$.6}{i:>NUM$.6}")?;
        }
        writeln!(
            w,
            "  {:<name_width$}{:>NUM$}{:>NUM$}{:>NUM$}",
            "validator", "stake", "dividends", "validator_trust"
        )?;
        for (i, name) in result.validators.iter().enumerate() {
            let (s, d, t) = (
                rec.stake[i],
                result.dividends(e)[i],
                result.validator_trust(e)[i],
            );
            writeln!(w, "  {name:<name_width$}{s:>NUM$.6}{d:>NUM$.6}{t:>NUM$.6}")?;
        }
        write!(w, "  {:<name_width$}", "bonds")?;
        for name in &result.miners {
            write!(w, "{name:>NUM$}")?;
        }
        writeln!(w)?;
        for (name, row) in result.validators.iter().zip(bond_fractions(&rec.bonds)) {
            write!(w, "  {name:<name_width$}")?;
            for b in row {
                write!(w, "{b:>NUM$.6}")?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

/// Writes `epochs.parquet` and `bonds.parquet` into `dir`, creating it if needed, and returns
/// their paths.
///
/// # Errors
/// [`ReportError`] if the directory or a file cannot be written; a file that was being written
/// is then removed and any older file of the same name is left as it was.
pub fn write_parquet(result: &ReplayResult, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let tables = [epochs_table(result)?, bonds_table(result)?];
    let mut written = Vec::with_capacity(tables.len());
    for (name, batch) in PARQUET_FILES.iter().zip(&tables) {
        let path = dir.join(name);
        write_atomically(batch, &path, &dir.join(format!(".{name}.partial")), &[])?;
        written.push(path);
    }
    Ok(written)
}

fn epochs_table(result: &ReplayResult) -> Result<RecordBatch, ReportError> {
    let v = result.validators.len();
    let n = v + result.miners.len();
    let rows = result.epochs.len() * n;
    let mut epoch = Vec::with_capacity(rows);
    let mut role = Vec::with_capacity(rows);
    let mut name = Vec::with_capacity(rows);
    let mut uid = Vec::with_capacity(rows);
    let mut cols: [Vec<f64>; 5] = Default::default();
    for rec in &result.epochs {
        for (k, who) in result.validators.iter().chain(&result.miners).enumerate() {
            epoch.push(rec.epoch);
            role.push(if k < v { "validator" } else { "miner" });
            name.push(who.as_str());
            uid.push(k as u16);
            let values = [
                &rec.stake,
                &rec.consensus,
                &rec.incentive,
                &rec.dividends,
                &rec.validator_trust,
            ];
            for (col, vals) in cols.iter_mut().zip(values) {
                col.push(vals[k]);
            }
        }
    }
    let [stake, consensus, incentive, dividends, validator_trust] = cols;
    let f64_col = |name: &str| Field::new(name, DataType::Float64, false);
    let schema = Schema::new(vec![
        Field::new("epoch", DataType::UInt32, false),
        Field::new("role", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("uid", DataType::UInt16, false),
        f64_col("stake"),
        f64_col("consensus"),
        f64_col("incentive"),
        f64_col("dividends"),
        f64_col("validator_trust"),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(epoch)),
        Arc::new(StringArray::from(role)),
        Arc::new(StringArray::from(name)),
        Arc::new(UInt16Array::from(uid)),
        Arc::new(Float64Array::from(stake)),
        Arc::new(Float64Array::from(consensus)),
        Arc::new(Float64Array::from(incentive)),
        Arc::new(Float64Array::from(dividends)),
        Arc::new(Float64Array::from(validator_trust)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).map_err(ReportError::Arrow)
}

fn bonds_table(result: &ReplayResult) -> Result<RecordBatch, ReportError> {
    let rows = result.epochs.len() * result.validators.len() * result.miners.len();
    let mut epoch = Vec::with_capacity(rows);
    let mut validator = Vec::with_capacity(rows);
    let mut miner = Vec::with_capacity(rows);
    let mut bond = Vec::with_capacity(rows);
    let mut bond_u16 = Vec::with_capacity(rows);
    for rec in &result.epochs {
        for (vname, row) in result.validators.iter().zip(&rec.bonds) {
            for (mname, &u) in result.miners.iter().zip(row) {
                epoch.push(rec.epoch);
                validator.push(vname.as_str());
                miner.push(mname.as_str());
                bond.push(from_u16_proportion(u));
                bond_u16.push(u);
            }
        }
    }
    let schema = Schema::new(vec![
        Field::new("epoch", DataType::UInt32, false),
        Field::new("validator", DataType::Utf8, false),
        Field::new("miner", DataType::Utf8, false),
        Field::new("bond", DataType::Float64, false),
        Field::new("bond_u16", DataType::UInt16, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(epoch)),
        Arc::new(StringArray::from(validator)),
        Arc::new(StringArray::from(miner)),
        Arc::new(Float64Array::from(bond)),
        Arc::new(UInt16Array::from(bond_u16)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).map_err(ReportError::Arrow)
}

/// Writes `batch` to `tmp` with `metadata` as file key-value metadata, syncs it, and renames
/// it to `path`; removes `tmp` on failure. A reader never sees a half-written `path`.
pub(crate) fn write_atomically(
    batch: &RecordBatch,
    path: &Path,
    tmp: &Path,
    metadata: &[(&str, String)],
) -> Result<(), ReportError> {
    let io_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ReportError::Io { path, source }
    };
    let write = || -> Result<(), ReportError> {
        let file = File::create(tmp).map_err(io_err(tmp))?;
        let kv = metadata
            .iter()
            .map(|(k, v)| parquet::file::metadata::KeyValue::new((*k).to_owned(), v.clone()))
            .collect();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(kv))
            .build();
        let parquet_err = |source| ReportError::Parquet {
            path: path.to_owned(),
            source,
        };
        let mut writer =
            ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(parquet_err)?;
        writer.write(batch).map_err(parquet_err)?;
        let file = writer.into_inner().map_err(parquet_err)?;
        file.sync_all().map_err(io_err(tmp))?;
        fs::rename(tmp, path).map_err(io_err(path))
    };
    let result = write();
    if result.is_err() {
        // Best effort: the error being returned is the one that matters.
        let _ = fs::remove_file(tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::{Format, Replay};

    fn small() -> ReplayResult {
        let text = r#"{"validators": ["A", "B"], "miners": ["M1", "M2"],
            "epochs": [{"stakes": [3, 1], "weights": [[1, 0], [1, 1]]}, {}]}"#;
        Replay::parse(text, "t.json", Format::Json)
            .unwrap()
            .run()
            .unwrap()
    }

    #[test]
    fn json_has_one_entry_per_role() {
        let mut out = Vec::new();
        write_json(&small(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(r#"{"epochs":[{"epoch":0,"consensus":"#),
            "{text}"
        );
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        let epochs = j["epochs"].as_array().unwrap();
        assert_eq!(epochs.len(), 2);
        assert_eq!(epochs[1]["epoch"], 1);
        assert_eq!(epochs[0]["consensus"].as_array().unwrap().len(), 2);
        assert_eq!(epochs[0]["dividends"].as_array().unwrap().len(), 2);
        assert_eq!(epochs[0]["bonds"].as_array().unwrap().len(), 2);
        assert_eq!(epochs[0]["bonds"][0].as_array().unwrap().len(), 2);
    }

    #[test]
    fn text_names_every_neuron_in_every_epoch() {
        let mut out = Vec::new();
        write_text(&small(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("epoch ").count(), 2);
        for name in ["A", "B", "M1", "M2", "validator_trust", "bonds"] {
            assert!(text.contains(name), "{name} missing in\n{text}");
        }
    }

    #[test]
    fn tables_have_one_row_per_neuron_and_bond() {
        let r = small();
        let epochs = epochs_table(&r).unwrap();
        assert_eq!(epochs.num_rows(), 2 * 4);
        let bonds = bonds_table(&r).unwrap();
        assert_eq!(bonds.num_rows(), 2 * 2 * 2);
    }
}
