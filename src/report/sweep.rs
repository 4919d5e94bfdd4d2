//! A sweep's summary table: one row per run, with the run's swept values and every group's
//! key results as columns, written as Parquet (one file per shard; read them back as one table
//! with `polars.read_parquet("DIR/summary*.parquet")`); a sweep's sensitivity indices
//! (`sensitivity.parquet`), its SALib export and the report's sensitivity section.
//!
//! Columns: `run`, `point`, `replicate`, `seed`; in a sweep's table `status` and `message`;
//! one column per swept path (Float64 when every value is a number, Utf8 otherwise); then every
//! metric of [`super::analysis`], by name (Float64, null when a run lacks it or failed). A
//! single run's `summary.parquet` is the same table with one row, no status and no swept
//! paths. File metadata: the run's (see `reports/README.md`) plus `sweep.shard` and
//! `sweep.design`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use super::charts::{Bars, Figure, render};
use super::document::{Block, num};
use super::replay::{ReportError, write_atomically};
use crate::experiment::sensitivity::{self, Estimate};
use crate::experiment::spec::{Design, Dist};
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
    build(results, None)
}

/// Builds a sweep's summary table: [`table`]'s columns with `status` (`ok` / `failed`) and
/// `message` (why a run failed; null otherwise) after `seed`. A failed run's metrics are null.
///
/// # Errors
/// [`ReportError::Arrow`] if the columns disagree (a bug).
pub fn sweep_table(
    results: &[RunResult],
    failures: &[Option<String>],
) -> Result<RecordBatch, ReportError> {
    build(results, Some(failures))
}

fn build(
    results: &[RunResult],
    failures: Option<&[Option<String>]>,
) -> Result<RecordBatch, ReportError> {
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
    if let Some(failures) = failures {
        fields.push(Field::new("status", DataType::Utf8, false));
        fields.push(Field::new("message", DataType::Utf8, true));
        columns.push(Arc::new(StringArray::from_iter_values(
            failures
                .iter()
                .map(|f| if f.is_some() { "failed" } else { "ok" }),
        )));
        columns.push(Arc::new(StringArray::from(failures.to_vec())));
    }
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
    write_table(table(results)?, metadata, shard, dir)
}

/// Writes a sweep's summary ([`sweep_table`]) as [`write`] does.
///
/// # Errors
/// As [`write`].
pub fn write_sweep_summary(
    results: &[RunResult],
    failures: &[Option<String>],
    metadata: &[(String, String)],
    shard: Option<(usize, usize)>,
    dir: &Path,
) -> Result<PathBuf, ReportError> {
    write_table(sweep_table(results, failures)?, metadata, shard, dir)
}

fn write_table(
    batch: RecordBatch,
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

/// One metric's sensitivity estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// The metric (a summary column).
    pub metric: String,
    /// Its label in reports.
    pub label: String,
    /// The estimates, or why there are none.
    pub estimates: Result<Vec<Estimate>, String>,
}

/// The output of each design point: the mean of its replicates' finite values of `metric`
/// (NaN when none).
pub fn point_means(results: &[RunResult], points: usize, metric: &str) -> Vec<f64> {
    let mut sum = vec![0.0; points];
    let mut n = vec![0usize; points];
    for r in results {
        if let Some((_, v)) = r.metrics.iter().find(|(m, _)| m == metric)
            && v.is_finite()
            && r.spec.point < points
        {
            sum[r.spec.point] += v;
            n[r.spec.point] += 1;
        }
    }
    sum.iter()
        .zip(&n)
        .map(|(s, &k)| if k == 0 { f64::NAN } else { s / k as f64 })
        .collect()
}

/// Sobol or Morris indices of every metric in `metrics` (name, label) for a `sobol` or
/// `morris` design; empty for other designs. `seed` seeds the bootstrap.
pub fn sensitivity(
    design: &Design,
    unit: &[Vec<f64>],
    results: &[RunResult],
    metrics: &[(String, String)],
    seed: u64,
) -> Vec<Sensitivity> {
    let names: Vec<String> = design.params().iter().map(|p| p.path.clone()).collect();
    let points = unit.len();
    metrics
        .iter()
        .filter_map(|(metric, label)| {
            let y = point_means(results, points, metric);
            let estimates = match design {
                Design::Sobol { second_order, .. } => {
                    sensitivity::sobol(&y, &names, *second_order, seed)
                }
                Design::Morris { .. } => sensitivity::morris(unit, &y, &names, seed),
                _ => return None,
            };
            Some(Sensitivity {
                metric: metric.clone(),
                label: label.clone(),
                estimates,
            })
        })
        .collect()
}

/// `sensitivity.parquet`: one row per metric × parameter × index (`S1`, `ST`, `S2`, `mu_star`,
/// `mu`, `sigma`) with `value`, `conf` (half-width of the 95 % interval), `low` and `high`.
///
/// # Errors
/// [`ReportError`] if the file cannot be written.
pub fn write_sensitivity(
    all: &[Sensitivity],
    metadata: &[(String, String)],
    dir: &Path,
) -> Result<PathBuf, ReportError> {
    let rows: Vec<(&str, &Estimate)> = all
        .iter()
        .filter_map(|s| s.estimates.as_ref().ok().map(|e| (s, e)))
        .flat_map(|(s, e)| e.iter().map(move |x| (s.metric.as_str(), x)))
        .collect();
    let schema = Schema::new(vec![
        Field::new("metric", DataType::Utf8, false),
        Field::new("parameter", DataType::Utf8, false),
        Field::new("index", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
        Field::new("conf", DataType::Float64, false),
        Field::new("low", DataType::Float64, false),
        Field::new("high", DataType::Float64, false),
    ]);
    let f = |g: &dyn Fn(&Estimate) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(_, e)| g(e)),
        ))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.1.parameter.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.1.index),
        )),
        f(&|e| e.value),
        f(&|e| e.conf),
        f(&|e| e.value - e.conf),
        f(&|e| e.value + e.conf),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).map_err(ReportError::Arrow)?;
    let path = dir.join("sensitivity.parquet");
    let meta: Vec<(&str, String)> = metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    write_atomically(
        &batch,
        &path,
        &dir.join(".sensitivity.parquet.partial"),
        &meta,
    )?;
    Ok(path)
}

/// The design and outputs in SALib's layout, under `dir/salib/`: `problem.json`
/// (`num_vars`, `names`, `bounds`, `dists`), `X.txt` (one row per point, the parameters'
/// values; a choice parameter as the index of its choice) and `Y.txt` (one row per point,
/// one column per metric, the mean over replicates; names in the `#` header line). Both
/// read with `numpy.loadtxt`. Returns the files written.
///
/// # Errors
/// [`ReportError::Io`] if a file cannot be written.
pub fn write_salib(
    design: &Design,
    unit: &[Vec<f64>],
    results: &[RunResult],
    metrics: &[(String, String)],
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let params = design.params();
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let out = dir.join("salib");
    std::fs::create_dir_all(&out).map_err(|source| ReportError::Io {
        path: out.clone(),
        source,
    })?;
    let dists: Vec<&str> = params
        .iter()
        .map(|p| match p.dist {
            Dist::LogUniform { .. } => "logunif",
            Dist::Normal { .. } => "norm",
            _ => "unif",
        })
        .collect();
    let problem = serde_json::json!({
        "num_vars": params.len(),
        "names": params.iter().map(|p| p.path.clone()).collect::<Vec<_>>(),
        "bounds": params.iter().map(|p| { let (a, b) = p.dist.bounds(); vec![a, b] }).collect::<Vec<_>>(),
        "dists": dists,
        "yumalab": {
            "design": design.name(),
            "distributions": params.iter().map(|p| p.dist.name()).collect::<Vec<_>>(),
            "second_order": matches!(design, Design::Sobol { second_order: true, .. }),
            "morris_levels": match design { Design::Morris { levels, .. } => Some(*levels), _ => None },
            "note": "X holds the values the runs used; Y the mean over replicates per point (nan when every replicate failed)"
        }
    });
    let mut x = String::new();
    for u in unit {
        let row: Vec<String> = params
            .iter()
            .zip(u)
            .map(|(p, &c)| match &p.dist {
                Dist::Choice(o) => {
                    ((c * o.len() as f64).floor().min((o.len() - 1) as f64)).to_string()
                }
                d => match d.value(c).value {
                    Value::Int(i) => i.to_string(),
                    Value::Float(v) => format!("{v:e}"),
                    _ => "nan".into(),
                },
            })
            .collect();
        x.push_str(&row.join(" "));
        x.push('\n');
    }
    let columns: Vec<Vec<f64>> = metrics
        .iter()
        .map(|(m, _)| point_means(results, unit.len(), m))
        .collect();
    let mut y = format!(
        "# {}\n",
        metrics
            .iter()
            .map(|m| m.0.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for k in 0..unit.len() {
        let row: Vec<String> = columns
            .iter()
            .map(|c| {
                if c[k].is_finite() {
                    format!("{:e}", c[k])
                } else {
                    "nan".into()
                }
            })
            .collect();
        y.push_str(&row.join(" "));
        y.push('\n');
    }
    let mut written = Vec::new();
    for (name, text) in [
        (
            "problem.json",
            serde_json::to_string_pretty(&problem).unwrap_or_default() + "\n",
        ),
        ("X.txt", x),
        ("Y.txt", y),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The report's sensitivity section: per metric a ranked bar chart of ST and S1 (or μ*)
/// with 95 % error bars, and a table; charts are drawn into `dir/charts/`. Returns the
/// blocks and chart warnings.
pub fn sensitivity_blocks(all: &[Sensitivity], dir: &Path) -> (Vec<Block>, Vec<String>) {
    let mut blocks = Vec::new();
    let mut warnings = Vec::new();
    if all.is_empty() {
        return (blocks, warnings);
    }
    blocks.push(Block::Heading(2, "Sensitivity".into()));
    blocks.push(Block::Text(
        "Sobol indices (S1: first order, ST: total order, S2: second order) from Saltelli's \
         design, or Morris's μ* (mean absolute elementary effect per unit of the parameter's \
         range), μ and σ; ± the half-width of a 95 % bootstrap interval (1000 resamples, \
         deterministic). Every index is in `sensitivity.parquet`; the design and outputs in \
         SALib's layout are in `salib/`."
            .into(),
    ));
    for (k, s) in all.iter().enumerate() {
        blocks.push(Block::Heading(3, s.label.clone()));
        let est = match &s.estimates {
            Ok(e) => e,
            Err(why) => {
                blocks.push(Block::Text(format!(
                    "No indices for `{}`: {why}.",
                    s.metric
                )));
                continue;
            }
        };
        let get = |p: &str, i: &str| est.iter().find(|e| e.parameter == p && e.index == i);
        let sobol = est.iter().any(|e| e.index == "ST");
        let (main, second) = if sobol {
            ("ST", "S1")
        } else {
            ("mu_star", "sigma")
        };
        let mut params: Vec<&Estimate> = est.iter().filter(|e| e.index == main).collect();
        params.sort_by(|a, b| b.value.total_cmp(&a.value));
        let head: Vec<String> = if sobol {
            vec!["parameter".into(), "ST".into(), "S1".into()]
        } else {
            vec!["parameter".into(), "μ*".into(), "μ".into(), "σ".into()]
        };
        let pm = |e: Option<&Estimate>| match e {
            Some(e) if e.conf.is_finite() => format!("{} ± {}", num(e.value), num(e.conf)),
            Some(e) => num(e.value),
            None => "–".into(),
        };
        let rows: Vec<Vec<String>> = params
            .iter()
            .map(|e| {
                let mut row = vec![format!("`{}`", e.parameter), pm(Some(e))];
                if sobol {
                    row.push(pm(get(&e.parameter, "S1")));
                } else {
                    row.push(pm(get(&e.parameter, "mu")));
                    row.push(pm(get(&e.parameter, "sigma")));
                }
                row
            })
            .collect();
        let categories: Vec<String> = params.iter().map(|e| e.parameter.clone()).collect();
        let series = |i: &str| -> (Vec<f64>, Vec<(f64, f64)>) {
            categories
                .iter()
                .map(|c| match get(c, i) {
                    Some(e) => (e.value, (e.value - e.conf, e.value + e.conf)),
                    None => (f64::NAN, (f64::NAN, f64::NAN)),
                })
                .unzip()
        };
        let (v1, e1) = series(main);
        let mut bars = vec![(if sobol { "ST" } else { "μ*" }.to_owned(), v1)];
        let mut errors = vec![e1];
        if sobol {
            let (v2, e2) = series(second);
            bars.push(("S1".to_owned(), v2));
            errors.push(e2);
        }
        let figure = Figure::ErrorBars(
            Bars {
                title: format!("Sensitivity of {}", s.label),
                y_label: if sobol {
                    "Sobol index".into()
                } else {
                    "μ* (per unit range)".into()
                },
                categories: categories.iter().map(|c| short_label(c)).collect(),
                bars,
            },
            errors,
        );
        let stem = format!("sensitivity-{k:02}");
        if let Err(e) = render(&figure, &dir.join("charts"), &stem) {
            warnings.push(e.to_string());
        }
        blocks.push(Block::Chart(
            stem,
            format!("Sensitivity of {}", s.label),
            format!(
                "Parameters ranked by {}; error bars: 95 % bootstrap intervals. Source: \
                 `sensitivity.parquet`, metric `{}`.",
                if sobol { "ST" } else { "μ*" },
                s.metric
            ),
        ));
        blocks.push(Block::Table(head, rows));
        if sobol {
            let s2: Vec<Vec<String>> = est
                .iter()
                .filter(|e| e.index == "S2")
                .map(|e| vec![format!("`{}`", e.parameter), pm(Some(e))])
                .collect();
            if !s2.is_empty() {
                blocks.push(Block::Table(vec!["pair".into(), "S2".into()], s2));
            }
        }
    }
    (blocks, warnings)
}

/// `mean ± half-width` of the 95 % t interval (just the mean for one value).
pub fn mean_ci_text(v: &[f64]) -> String {
    let (m, h) = sensitivity::mean_ci(v);
    if h.is_finite() {
        format!("{} ± {}", num(m), num(h))
    } else {
        num(m)
    }
}

/// A table turned so that its columns become rows (the first column becomes the header).
pub fn transpose(head: Vec<String>, rows: Vec<Vec<String>>) -> (Vec<String>, Vec<Vec<String>>) {
    let mut new_head = vec![head.first().cloned().unwrap_or_default()];
    new_head.extend(rows.iter().map(|r| r.first().cloned().unwrap_or_default()));
    let new_rows = (1..head.len())
        .map(|c| {
            let mut row = vec![head[c].clone()];
            row.extend(rows.iter().map(|r| r.get(c).cloned().unwrap_or_default()));
            row
        })
        .collect();
    (new_head, new_rows)
}

/// A swept path shortened for a chart axis: its last field, with the group it belongs to
/// (`population[copier].stake` → `copier stake`, `subnets[0].yuma.kappa` → `kappa`).
pub fn short_label(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    match path
        .strip_prefix("population[")
        .and_then(|r| r.split_once(']'))
    {
        Some((group, _)) => format!("{group} {last}"),
        None => last.to_owned(),
    }
}
