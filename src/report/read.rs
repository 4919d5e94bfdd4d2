//! Reading yumalab's own Parquet tables back: `yumalab report DIR` rebuilds the analysis,
//! charts and report from a run's tables alone, and `yumalab check` compares summaries.
//!
//! Columns are looked up by name, so files with extra columns read fine; a missing column or
//! one of an unexpected type is an error naming the file and the column.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::analysis::{AgentRow, Analysis, NetworkRow, NeuronRow, SubnetRow};

/// Why a table could not be read.
#[derive(Debug)]
pub struct ReadError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ReadError {}

fn err(path: &Path, message: impl Into<String>) -> ReadError {
    ReadError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Opens `path` and calls `f` with each record batch; returns the file's key-value metadata.
///
/// # Errors
/// [`ReadError`] if the file is missing or not Parquet, or `f` fails.
pub fn for_each_batch(
    path: &Path,
    mut f: impl FnMut(&RecordBatch) -> Result<(), ReadError>,
) -> Result<BTreeMap<String, String>, ReadError> {
    let file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| err(path, format!("not a Parquet file: {e}")))?;
    let metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| err(path, e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| err(path, e.to_string()))?;
        f(&batch)?;
    }
    Ok(metadata)
}

/// A file's key-value metadata alone.
fn file_metadata(path: &Path) -> Result<BTreeMap<String, String>, ReadError> {
    let file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| err(path, format!("not a Parquet file: {e}")))?;
    Ok(builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default())
}

/// The analysis the run fed, from its tables' metadata: a run in a snapshot world records its
/// genesis block and own subnets ([`Analysis::in_world`]).
fn analysis_for(metadata: &BTreeMap<String, String>) -> Analysis {
    match (
        metadata.get("scenario.genesis_block"),
        metadata.get("scenario.netuids"),
    ) {
        (Some(block), Some(netuids)) => Analysis::in_world(
            block.parse().unwrap_or(0),
            netuids.split(',').filter_map(|n| n.parse().ok()),
        ),
        _ => Analysis::new(),
    }
    .with_units(super::units::Units::from_metadata(metadata))
}

/// A column of a batch, by name and expected type.
struct Columns<'a> {
    path: &'a Path,
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    fn get(&self, name: &str) -> Result<&'a dyn Array, ReadError> {
        self.batch
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| err(self.path, format!("no column `{name}`")))
    }

    fn typed(&self, name: &str, t: DataType) -> Result<&'a dyn Array, ReadError> {
        let c = self.get(name)?;
        if c.data_type() != &t {
            return Err(err(
                self.path,
                format!("column `{name}`: expected {t}, found {}", c.data_type()),
            ));
        }
        Ok(c)
    }

    fn u64(&self, name: &str) -> Result<&'a [u64], ReadError> {
        Ok(self
            .typed(name, DataType::UInt64)?
            .as_primitive::<UInt64Type>()
            .values())
    }

    /// An integer column that tables written before it existed lack: `None` then.
    fn u64_opt(&self, name: &str) -> Result<Option<&'a [u64]>, ReadError> {
        if self.batch.column_by_name(name).is_none() {
            return Ok(None);
        }
        self.u64(name).map(Some)
    }

    fn u32(&self, name: &str) -> Result<&'a [u32], ReadError> {
        Ok(self
            .typed(name, DataType::UInt32)?
            .as_primitive::<UInt32Type>()
            .values())
    }

    fn u16(&self, name: &str) -> Result<&'a [u16], ReadError> {
        Ok(self
            .typed(name, DataType::UInt16)?
            .as_primitive::<UInt16Type>()
            .values())
    }

    fn f64(&self, name: &str) -> Result<&'a [f64], ReadError> {
        Ok(self
            .typed(name, DataType::Float64)?
            .as_primitive::<Float64Type>()
            .values())
    }

    /// A float column that tables written before it existed lack: `None` then.
    fn f64_opt(&self, name: &str) -> Result<Option<&'a [f64]>, ReadError> {
        if self.batch.column_by_name(name).is_none() {
            return Ok(None);
        }
        self.f64(name).map(Some)
    }

    fn bool(&self, name: &str) -> Result<Vec<bool>, ReadError> {
        let c = self.typed(name, DataType::Boolean)?.as_boolean();
        Ok((0..c.len()).map(|i| c.value(i)).collect())
    }

    fn str(&self, name: &str) -> Result<Vec<&'a str>, ReadError> {
        let c = self.typed(name, DataType::Utf8)?.as_string::<i32>();
        Ok((0..c.len()).map(|i| c.value(i)).collect())
    }
}

/// The names of one `neuron` id (a row of `dim_neurons.parquet`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeuronNames {
    /// Subnet.
    pub netuid: u16,
    /// Uid.
    pub uid: u16,
    /// Hotkey name.
    pub hotkey: String,
    /// Its coldkey's name.
    pub operator: String,
    /// Scenario group (`owner` for the subnet owner's uid).
    pub group: String,
    /// Behaviour.
    pub kind: String,
    /// Block of the first row with this id.
    pub first_block: u64,
}

/// Reads `dim_neurons.parquet`: the names of each `neuron` id, indexed by id.
///
/// # Errors
/// [`ReadError`] if the file is missing or unreadable, or its ids are not 0, 1, 2, … in order.
pub fn neuron_names(path: &Path) -> Result<Vec<NeuronNames>, ReadError> {
    let mut out = Vec::new();
    for_each_batch(path, |b| {
        let c = Columns { path, batch: b };
        let (id, netuid, uid) = (c.u32("neuron")?, c.u16("netuid")?, c.u16("uid")?);
        let (hotkey, operator) = (c.str("hotkey")?, c.str("operator")?);
        let (group, kind) = (c.str("group")?, c.str("kind")?);
        let first = c.u64("first_block")?;
        for i in 0..b.num_rows() {
            if id[i] as usize != out.len() {
                return Err(err(
                    path,
                    format!(
                        "row {}: expected neuron id {}, found {}",
                        out.len(),
                        out.len(),
                        id[i]
                    ),
                ));
            }
            out.push(NeuronNames {
                netuid: netuid[i],
                uid: uid[i],
                hotkey: hotkey[i].to_owned(),
                operator: operator[i].to_owned(),
                group: group[i].to_owned(),
                kind: kind[i].to_owned(),
                first_block: first[i],
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// Refuses tables that `outputs:` thinned (metadata `outputs.neurons`, `outputs.subnets`):
/// the analysis needs every epoch.
fn check_complete(path: &Path, metadata: &BTreeMap<String, String>) -> Result<(), ReadError> {
    let thinned: Vec<String> = ["neurons", "subnets"]
        .iter()
        .filter_map(|t| {
            let every = metadata.get(&format!("outputs.{t}"))?;
            let only = metadata
                .get(&format!("outputs.{t}.subnets"))
                .map_or(String::new(), |s| format!(", netuids {s} only"));
            Some(format!("{t} every {every}{only}"))
        })
        .collect();
    if thinned.is_empty() {
        return Ok(());
    }
    Err(err(
        path,
        format!(
            "the run wrote thinned tables (`outputs:` {}), so the analysis cannot be rebuilt              from them; its summary.json and report were computed from every epoch during the              run (run it again without `outputs:` to rebuild from tables)",
            thinned.join("; ")
        ),
    ))
}

/// Feeds a run's tables in `dir` to a new [`Analysis`], in the order the run wrote them;
/// returns it with the metadata of `neurons.parquet`. Names come from `dim_neurons.parquet`
/// through each row's `neuron` id.
///
/// # Errors
/// [`ReadError`] if a table is missing, unreadable or lacks a column, a `neuron` id is not in
/// `dim_neurons.parquet`, or the run's `outputs:` thinned its tables.
pub fn analysis_from_tables(dir: &Path) -> Result<(Analysis, BTreeMap<String, String>), ReadError> {
    let path = dir.join("neurons.parquet");
    let head = file_metadata(&path)?;
    check_complete(&path, &head)?;
    let names = neuron_names(&dir.join("dim_neurons.parquet"))?;
    let mut a = analysis_for(&head);
    let metadata = for_each_batch(&path, |b| {
        let c = Columns {
            path: &path,
            batch: b,
        };
        let (block, netuid, uid) = (c.u64("block")?, c.u16("netuid")?, c.u16("uid")?);
        let id = c.u32("neuron")?;
        let (stake, permit) = (c.f64("stake")?, c.bool("permit")?);
        let incentive = c.u64("incentive_alpha")?;
        let dividend = c.u64("dividend_alpha")?;
        let root = c.u64("root_dividend_alpha")?;
        let nominators = c.u64("nominators_alpha")?;
        // Tables written before the column: root nominators counted with the alpha ones.
        let root_nominators = c.u64_opt("root_nominators_alpha")?;
        let nominated = c.u64("nominated_alpha")?;
        let (price, value) = (c.f64("price")?, c.f64("value")?);
        for i in 0..b.num_rows() {
            let n = names.get(id[i] as usize).ok_or_else(|| {
                err(
                    &path,
                    format!(
                        "neuron id {} is not in dim_neurons.parquet ({} ids)",
                        id[i],
                        names.len()
                    ),
                )
            })?;
            a.neuron(&NeuronRow {
                block: block[i],
                netuid: netuid[i],
                uid: uid[i],
                hotkey: &n.hotkey,
                operator: &n.operator,
                group: &n.group,
                kind: &n.kind,
                stake: stake[i],
                permit: permit[i],
                incentive_alpha: incentive[i],
                dividend_alpha: dividend[i],
                root_dividend_alpha: root[i],
                nominators_alpha: nominators[i],
                root_nominators_alpha: root_nominators.map_or(0, |r| r[i]),
                nominated_alpha: nominated[i],
                price: price[i],
                value: value[i],
            });
        }
        Ok(())
    })?;
    let path = dir.join("subnets.parquet");
    for_each_batch(&path, |b| {
        let c = Columns {
            path: &path,
            batch: b,
        };
        let (block, netuid) = (c.u64("block")?, c.u16("netuid")?);
        let (price, moving) = (c.f64("price")?, c.f64("moving_price")?);
        let (tao_reserve, alpha_reserve) = (c.u64("tao_reserve")?, c.u64("alpha_reserve")?);
        let (tao_in, alpha_in) = (c.u64("tao_in")?, c.u64("alpha_in")?);
        let excess_tao = c.u64("excess_tao")?;
        let (emitted, emission) = (c.u64("alpha_emitted")?, c.u64("emission")?);
        let (owner_cut, share) = (c.u64("owner_cut")?, c.f64("share")?);
        let before_gate = c.f64_opt("share_before_gate")?.unwrap_or(share);
        for i in 0..b.num_rows() {
            a.subnet(&SubnetRow {
                block: block[i],
                netuid: netuid[i],
                price: price[i],
                moving_price: moving[i],
                tao_reserve: tao_reserve[i],
                alpha_reserve: alpha_reserve[i],
                tao_in: tao_in[i],
                excess_tao: excess_tao[i],
                alpha_in: alpha_in[i],
                alpha_emitted: emitted[i],
                emission: emission[i],
                owner_cut: owner_cut[i],
                share: share[i],
                share_before_gate: before_gate[i],
            });
        }
        Ok(())
    })?;
    let path = dir.join("network.parquet");
    for_each_batch(&path, |b| {
        let c = Columns {
            path: &path,
            batch: b,
        };
        let (block, issuance) = (c.u64("block")?, c.u64("total_issuance")?);
        let (minted, recycled) = (c.u64("tao_minted")?, c.u64("tao_recycled")?);
        let bar = c.f64_opt("gate_bar")?;
        for i in 0..b.num_rows() {
            a.network(&NetworkRow {
                block: block[i],
                total_issuance: issuance[i],
                tao_minted: minted[i],
                tao_recycled: recycled[i],
                gate_bar: bar.map_or(0.0, |b| b[i]),
            });
        }
        Ok(())
    })?;
    let path = dir.join("agents.parquet");
    for_each_batch(&path, |b| {
        let c = Columns {
            path: &path,
            batch: b,
        };
        let (group, kind) = (c.str("group")?, c.str("kind")?);
        let (genesis, holdings) = (c.f64("genesis_tao")?, c.f64("holdings_tao")?);
        let (costs, profit) = (c.f64("costs_tao")?, c.f64("profit_tao")?);
        for i in 0..b.num_rows() {
            a.agent(&AgentRow {
                group: group[i],
                kind: kind[i],
                genesis_tao: genesis[i],
                holdings_tao: holdings[i],
                costs_tao: costs[i],
                profit_tao: profit[i],
            });
        }
        Ok(())
    })?;
    Ok((a, metadata))
}

/// A summary table (one row per run) read back: identity columns as text, metrics as
/// numbers (null → NaN).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SummaryTable {
    /// Non-metric columns (`run`, `point`, `replicate`, `seed`, swept paths): name and the
    /// value of each row as text.
    pub keys: Vec<(String, Vec<String>)>,
    /// Numeric columns: swept numeric paths and metrics, name and one value per row.
    pub numbers: Vec<(String, Vec<f64>)>,
    /// File metadata of the first file.
    pub metadata: BTreeMap<String, String>,
}

impl SummaryTable {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.keys
            .first()
            .map(|k| k.1.len())
            .or_else(|| self.numbers.first().map(|n| n.1.len()))
            .unwrap_or(0)
    }

    /// A numeric column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.numbers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// A key column by name.
    pub fn key(&self, name: &str) -> Option<&[String]> {
        self.keys
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Reads `dir/summary.parquet`, or every `dir/summary-shard-*.parquet` (in name order, rows
/// then sorted by `run`), as one table.
///
/// # Errors
/// [`ReadError`] if there is no summary or a file cannot be read.
pub fn summary(dir: &Path) -> Result<SummaryTable, ReadError> {
    let mut files = Vec::new();
    let whole = dir.join("summary.parquet");
    if whole.is_file() {
        files.push(whole);
    } else {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| err(dir, format!("cannot read the directory: {e}")))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("summary-shard-") && name.ends_with(".parquet") {
                files.push(e.path());
            }
        }
        files.sort();
    }
    if files.is_empty() {
        return Err(err(
            dir,
            "no summary.parquet (or summary-shard-*.parquet) here: is this the output directory \
             of `yumalab run` or `yumalab sweep`?",
        ));
    }
    let mut t = SummaryTable::default();
    for (k, path) in files.iter().enumerate() {
        let metadata = for_each_batch(path, |b| {
            for (field, col) in b.schema().fields().iter().zip(b.columns()) {
                let name = field.name().clone();
                let numbers: Option<Vec<f64>> = match col.data_type() {
                    DataType::Float64 => {
                        let a = col.as_primitive::<Float64Type>();
                        Some(
                            (0..a.len())
                                .map(|i| if a.is_null(i) { f64::NAN } else { a.value(i) })
                                .collect(),
                        )
                    }
                    _ => None,
                };
                let text: Vec<String> = match col.data_type() {
                    DataType::Utf8 => {
                        let a = col.as_string::<i32>();
                        (0..a.len()).map(|i| a.value(i).to_owned()).collect()
                    }
                    DataType::UInt32 => {
                        let a = col.as_primitive::<UInt32Type>();
                        a.values().iter().map(u32::to_string).collect()
                    }
                    DataType::UInt64 => {
                        let a = col.as_primitive::<UInt64Type>();
                        a.values().iter().map(u64::to_string).collect()
                    }
                    _ => Vec::new(),
                };
                match numbers {
                    Some(v) => match t.numbers.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, c)) => c.extend(v),
                        None => t.numbers.push((name, v)),
                    },
                    None => match t.keys.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, c)) => c.extend(text),
                        None => t.keys.push((name, text)),
                    },
                }
            }
            Ok(())
        })?;
        if k == 0 {
            t.metadata = metadata;
        }
    }
    // Shards interleave runs: restore run order.
    if files.len() > 1
        && let Some(runs) = t.key("run")
    {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by_key(|&i| runs[i].parse::<u64>().unwrap_or(u64::MAX));
        for (_, c) in &mut t.keys {
            *c = order.iter().map(|&i| c[i].clone()).collect();
        }
        for (_, c) in &mut t.numbers {
            *c = order.iter().map(|&i| c[i]).collect();
        }
    }
    Ok(t)
}
