//! A sweep's summary table: one row per run, with the run's swept values and every group's
//! key results as columns, written as Parquet (one file per shard; read them back as one table
//! with `polars.read_parquet("DIR/*.parquet")`).
//!
//! Columns: `run`, `point`, `replicate`, `seed`; one column per swept path (Float64 when every
//! value is a number, Utf8 otherwise); then every metric of [`super::analysis`], by name
//! (Float64, null when a run lacks it). A single run's `summary.parquet` is the same table
//! with one row and no swept paths. File metadata: the run's (see `reports/README.md`) plus
//! `sweep.shard`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use super::replay::{ReportError, write_atomically};
use crate::sweep::RunSpec;
use crate::yaml::Value;

/// One finished run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// What was run.
    pub spec: RunSpec,
    /// Every metric of the run, by name ([`super::analysis::Results::summary`]).
    pub metrics: Vec<(String, f64)>,
}

/// Builds the summary table.
///
/// # Errors
/// [`ReportError::Arrow`] if the columns disagree (a bug).
pub fn table(results: &[RunResult]) -> Result<RecordBatch, ReportError> {
    let mut fields = vec![
        Field::new("run", DataType::UInt32, false),
        Field::new("point", DataType::UInt32, false),
        Field::new("replicate", DataType::UInt32, false),
        Field::new("seed", DataType::UInt64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from_iter_values(
            results.iter().map(|r| r.spec.index as u32),
        )),
        Arc::new(UInt32Array::from_iter_values(
            results.iter().map(|r| r.spec.point as u32),
        )),
        Arc::new(UInt32Array::from_iter_values(
            results.iter().map(|r| r.spec.replicate),
        )),
        Arc::new(UInt64Array::from_iter_values(
            results.iter().map(|r| r.spec.seed),
        )),
    ];
    let paths: Vec<String> = results
        .first()
        .map(|r| r.spec.values.iter().map(|v| v.0.clone()).collect())
        .unwrap_or_default();
    for (k, path) in paths.iter().enumerate() {
        let values: Vec<&Value> = results.iter().map(|r| &r.spec.values[k].1.value).collect();
        let numeric = values
            .iter()
            .all(|v| matches!(v, Value::Int(_) | Value::Float(_)));
        if numeric {
            fields.push(Field::new(path, DataType::Float64, false));
            columns.push(Arc::new(Float64Array::from_iter_values(values.iter().map(
                |v| match v {
                    Value::Int(i) => *i as f64,
                    Value::Float(x) => *x,
                    _ => f64::NAN,
                },
            ))));
        } else {
            fields.push(Field::new(path, DataType::Utf8, false));
            let text: Vec<String> = results.iter().map(|r| r.spec.values[k].1.show()).collect();
            columns.push(Arc::new(StringArray::from(text)));
        }
    }
    // Metric names in first-seen order over the runs (runs of one sweep share them, except
    // where a point changes the population).
    let mut names: Vec<&str> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in results {
        for (n, _) in &r.metrics {
            if seen.insert(n.as_str()) {
                names.push(n);
            }
        }
    }
    for name in names {
        fields.push(Field::new(name, DataType::Float64, true));
        columns.push(Arc::new(Float64Array::from_iter(
            results
                .iter()
                .map(|r| r.metrics.iter().find(|(n, _)| n == name).map(|p| p.1)),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(ReportError::Arrow)
}

/// Writes `summary.parquet` (or `summary-shard-I-of-N.parquet`) into `dir`, atomically, with
/// `metadata` (and `sweep.shard`).
///
/// # Errors
/// [`ReportError`] if the directory or file cannot be written.
pub fn write(
    results: &[RunResult],
    metadata: &[(String, String)],
    shard: Option<(usize, usize)>,
    dir: &Path,
) -> Result<PathBuf, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let name = match shard {
        Some((i, n)) => format!("summary-shard-{i}-of-{n}.parquet"),
        None => "summary.parquet".into(),
    };
    let path = dir.join(&name);
    let batch = table(results)?;
    let mut metadata: Vec<(&str, String)> = metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    metadata.push((
        "sweep.shard",
        shard.map_or("whole".into(), |(i, n)| format!("{i}/{n}")),
    ));
    write_atomically(
        &batch,
        &path,
        &dir.join(format!(".{name}.partial")),
        &metadata,
    )?;
    Ok(path)
}
