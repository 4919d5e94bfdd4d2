//! A run's tables, written as Parquet while the run goes: an [`Observer`] that appends rows
//! and flushes a row group every [`ROW_GROUP`] rows, so memory stays bounded however long the
//! run. Each table is written under a temporary name (`.NAME.partial`) and renamed only by
//! [`RunTables::finish`]: an interrupted run leaves no table that looks complete. A table
//! dropped before it was finished (a run that failed or was stopped) removes its partial file.
//!
//! Tables (schemas documented column by column in `reports/README.md`):
//! - `neurons.parquet`: one row per uid per epoch, names as an integer `neuron` id;
//! - `dim_neurons.parquet`: the names once per `neuron` id (one per subnet, uid and hotkey
//!   registered there, so a uid reused after deregistration gets a new id);
//! - `subnets.parquet`: one row per subnet per epoch;
//! - `network.parquet`: one row every 360 blocks;
//! - `agents.parquet`: one row per agent at the end.
//!
//! File metadata: `yumalab.version`, `scenario.name`, `scenario.hash`, `scenario.seed`,
//! `scenario.regime`, `metrics.conventions`.
//!
//! Compression is zstd in row groups of up to [`ROW_GROUP_MAX`] rows; floats that are rarely
//! repeated are written with the byte-stream-split encoding (which zstd compresses better
//! than plain floats), `neuron` ids with deltas, the rest with dictionaries. The scenario's `outputs:`
//! ([`crate::scenario::outputs`]) chooses which epochs and subnets `neurons` and `subnets`
//! keep.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt16Array, UInt32Array,
    UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use yumalab_agents::units::{HotkeyId, NetUid};

use super::replay::ReportError;
use crate::chain::block::EpochRecord;
use crate::chain::state::Chain;
use crate::engine::{Observer, Simulation};
use crate::population::Member;
use crate::report::analysis::{AgentRow, Analysis, NetworkRow, NeuronRow, Results, SubnetRow};
use crate::report::summary::all_holdings;
use crate::scenario::outputs::{Every, Outputs, TableOutput};

/// Rows per record batch handed to the Parquet writer.
pub const ROW_GROUP: usize = 65_536;

/// Rows per Parquet row group at most (the writer closes a group when it has this many).
pub const ROW_GROUP_MAX: usize = 1 << 20;

/// Columns written with the byte-stream-split encoding and no dictionary: floats that
/// change from row to row (a dictionary would only be given up, at a cost).
const SPLIT_FLOATS: &[&str] = &[
    "stake",
    "consensus",
    "incentive",
    "dividends",
    "validator_trust",
    "quality",
    "value",
    "holdings_tao",
    "profit_tao",
];

/// Integer columns written with delta encoding and no dictionary: `neuron` ids run up by
/// one along an epoch's rows (a dictionary costs about 2 bytes a row, deltas almost nothing).
const DELTAS: &[&str] = &["neuron"];

/// Blocks in a day, for `outputs: {TABLE: {every: day}}`.
const DAY: u64 = 7200;

/// One column being filled.
enum Col {
    U64(Vec<u64>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    Str(Vec<String>),
}

impl Col {
    fn of(t: &DataType) -> Col {
        match t {
            DataType::UInt64 => Col::U64(Vec::new()),
            DataType::UInt16 => Col::U16(Vec::new()),
            DataType::UInt32 => Col::U32(Vec::new()),
            DataType::Boolean => Col::Bool(Vec::new()),
            DataType::Utf8 => Col::Str(Vec::new()),
            _ => Col::F64(Vec::new()),
        }
    }

    /// The column's values as an array; the column starts again with as much room as they
    /// took (a row group's worth, so that it does not grow by doubling, copying as it goes).
    fn take(&mut self) -> ArrayRef {
        fn again<T>(v: &mut Vec<T>) -> Vec<T> {
            let room = v.len();
            std::mem::replace(v, Vec::with_capacity(room))
        }
        match self {
            Col::U64(v) => Arc::new(UInt64Array::from(again(v))),
            Col::U16(v) => Arc::new(UInt16Array::from(again(v))),
            Col::U32(v) => Arc::new(UInt32Array::from(again(v))),
            Col::F64(v) => Arc::new(Float64Array::from(again(v))),
            Col::Bool(v) => Arc::new(BooleanArray::from(again(v))),
            Col::Str(v) => Arc::new(StringArray::from(again(v))),
        }
    }
}

/// A value for one cell.
enum Cell<'a> {
    U(u64),
    S(u16),
    I(u32),
    F(f64),
    B(bool),
    T(&'a str),
}

struct Table {
    path: PathBuf,
    tmp: PathBuf,
    schema: Arc<Schema>,
    cols: Vec<Col>,
    rows: usize,
    writer: Option<Sink>,
    /// A table kept in memory ([`RunTables::in_memory`]): its batches so far (no file).
    memory: Option<Vec<RecordBatch>>,
    /// Renamed into place: nothing to clean up.
    done: bool,
}

impl Drop for Table {
    fn drop(&mut self) {
        if !self.done {
            // Close the file first (a writer thread is told to stop and waited for); then the
            // partial file goes. Best effort: a table that was never finished must not be left
            // behind, and there is nobody to tell.
            if let Some(sink) = self.writer.take() {
                let _ = sink.close();
            }
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Where a table's batches are encoded: on the thread that fills the table, or on a thread
/// of the table's own ([`RunTables::encode_in_background`]). Either way the writer gets the
/// same batches in the same order, so the file is the same bytes.
enum Sink {
    /// Encoded and written by the caller of [`Table::flush`].
    Here(Box<ArrowWriter<File>>),
    /// Sent to a thread that encodes and writes them in turn; it returns the file when the
    /// sender is dropped, or the first error (after which it takes no more batches).
    Thread {
        batches: std::sync::mpsc::SyncSender<RecordBatch>,
        done: std::thread::JoinHandle<Result<File, parquet::errors::ParquetError>>,
    },
}

/// Batches a writer thread may hold besides the one it is encoding (memory stays bounded:
/// a filling table waits for it rather than queueing without end).
const QUEUED_BATCHES: usize = 2;

impl Sink {
    /// Moves the encoding to a thread of its own (`name` names it); stays here if no thread
    /// can be started. The thread is handed the writer once it runs.
    fn into_background(self, name: &str) -> Sink {
        let Sink::Here(writer) = self else {
            return self;
        };
        let (give, handed) = std::sync::mpsc::sync_channel::<Box<ArrowWriter<File>>>(1);
        let (batches, queue) = std::sync::mpsc::sync_channel::<RecordBatch>(QUEUED_BATCHES);
        let spawned = std::thread::Builder::new()
            .name(format!("yumalab-write-{name}"))
            .spawn(move || {
                let mut writer = handed
                    .recv()
                    .map_err(|_| general("the writer was never handed over"))?;
                for batch in queue {
                    writer.write(&batch)?;
                }
                (*writer).into_inner()
            });
        match spawned {
            // The thread holds the receiver until it has the writer, so this cannot fail.
            Ok(done) => match give.send(writer) {
                Ok(()) => Sink::Thread { batches, done },
                Err(back) => Sink::Here(back.0),
            },
            Err(_) => Sink::Here(writer),
        }
    }

    /// Encodes and writes `batch` here, or hands it to the writer thread: `Ok(false)` if that
    /// thread has stopped (its error comes from [`Sink::close`]).
    fn write(&mut self, batch: RecordBatch) -> Result<bool, parquet::errors::ParquetError> {
        match self {
            Sink::Here(w) => w.write(&batch).map(|()| true),
            Sink::Thread { batches, .. } => Ok(batches.send(batch).is_ok()),
        }
    }

    /// Closes the file (waiting for the writer thread to write what it was sent) and returns
    /// it.
    fn close(self) -> Result<File, parquet::errors::ParquetError> {
        match self {
            Sink::Here(w) => (*w).into_inner(),
            Sink::Thread { batches, done } => {
                drop(batches);
                done.join()
                    .unwrap_or_else(|_| Err(general("the writer thread panicked")))
            }
        }
    }
}

/// Why a table whose writer thread already failed takes no more rows.
const STOPPED: &str = "the table's writer stopped on an earlier error";

fn general(what: &str) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::General(what.to_owned())
}

impl Table {
    fn create(
        dir: &Path,
        name: &str,
        fields: Vec<Field>,
        metadata: &[(String, String)],
    ) -> Result<Table, ReportError> {
        let path = dir.join(format!("{name}.parquet"));
        let tmp = dir.join(format!(".{name}.parquet.partial"));
        let schema = Arc::new(Schema::new(fields));
        let file = File::create(&tmp).map_err(|source| ReportError::Io {
            path: tmp.clone(),
            source,
        })?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_MAX))
            .set_key_value_metadata(Some(
                metadata
                    .iter()
                    .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                    .collect(),
            ));
        for f in schema.fields() {
            let c = ColumnPath::from(f.name().as_str());
            if SPLIT_FLOATS.contains(&f.name().as_str()) {
                props = props
                    .set_column_dictionary_enabled(c.clone(), false)
                    .set_column_encoding(c, Encoding::BYTE_STREAM_SPLIT);
            } else if DELTAS.contains(&f.name().as_str()) {
                props = props
                    .set_column_dictionary_enabled(c.clone(), false)
                    .set_column_encoding(c, Encoding::DELTA_BINARY_PACKED);
            }
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|source| {
            let _ = fs::remove_file(&tmp);
            ReportError::Parquet {
                path: path.clone(),
                source,
            }
        })?;
        let cols = schema
            .fields()
            .iter()
            .map(|f| Col::of(f.data_type()))
            .collect();
        Ok(Table {
            path,
            tmp,
            schema,
            cols,
            rows: 0,
            writer: Some(Sink::Here(Box::new(writer))),
            memory: None,
            done: false,
        })
    }

    /// A table that keeps its batches in memory (same schema and batches as the file).
    fn in_memory(name: &str, fields: Vec<Field>) -> Table {
        let schema = Arc::new(Schema::new(fields));
        let cols = schema
            .fields()
            .iter()
            .map(|f| Col::of(f.data_type()))
            .collect();
        Table {
            path: PathBuf::from(name),
            tmp: PathBuf::new(),
            schema,
            cols,
            rows: 0,
            writer: None,
            memory: Some(Vec::new()),
            done: true,
        }
    }

    /// The batches of an in-memory table, the last rows flushed.
    fn into_batches(mut self) -> Result<(Arc<Schema>, Vec<RecordBatch>), ReportError> {
        self.flush()?;
        Ok((self.schema.clone(), self.memory.take().unwrap_or_default()))
    }

    fn push(&mut self, row: &[Cell<'_>]) -> Result<(), ReportError> {
        for (c, v) in self.cols.iter_mut().zip(row) {
            match (c, v) {
                (Col::U64(c), Cell::U(x)) => c.push(*x),
                (Col::U16(c), Cell::S(x)) => c.push(*x),
                (Col::U32(c), Cell::I(x)) => c.push(*x),
                (Col::F64(c), Cell::F(x)) => c.push(*x),
                (Col::Bool(c), Cell::B(x)) => c.push(*x),
                (Col::Str(c), Cell::T(x)) => c.push((*x).to_owned()),
                _ => unreachable!("rows are built to match their table's schema"),
            }
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> Result<(), ReportError> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self.cols.iter_mut().map(Col::take).collect();
        self.rows = 0;
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(ReportError::Arrow)?;
        if let Some(m) = self.memory.as_mut() {
            m.push(batch);
            return Ok(());
        }
        // The writer closes a row group every ROW_GROUP_MAX rows by itself.
        let path = &self.path;
        let failed = |source| ReportError::Parquet {
            path: path.clone(),
            source,
        };
        let sink = self
            .writer
            .as_mut()
            .ok_or_else(|| failed(general(STOPPED)))?;
        if sink.write(batch).map_err(failed)? {
            return Ok(());
        }
        // The writer thread stopped: its error, now that it is waited for.
        let sink = self.writer.take().ok_or_else(|| failed(general(STOPPED)))?;
        Err(failed(sink.close().err().unwrap_or_else(|| {
            general("the writer thread stopped early")
        })))
    }

    /// Encodes this table's batches on a thread of its own from now on.
    fn encode_in_background(&mut self) {
        if let Some(sink) = self.writer.take() {
            let name = self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.writer = Some(sink.into_background(&name));
        }
    }

    fn finish(mut self) -> Result<PathBuf, ReportError> {
        self.flush()?;
        let sink = self.writer.take().ok_or_else(|| ReportError::Parquet {
            path: self.path.clone(),
            source: general(STOPPED),
        })?;
        let file = sink.close().map_err(|source| ReportError::Parquet {
            path: self.path.clone(),
            source,
        })?;
        file.sync_all().map_err(|source| ReportError::Io {
            path: self.tmp.clone(),
            source,
        })?;
        fs::rename(&self.tmp, &self.path).map_err(|source| ReportError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.done = true;
        Ok(self.path.clone())
    }
}

fn field(name: &str, t: DataType) -> Field {
    Field::new(name, t, false)
}

/// The five tables' names and columns, in file order (`reports/README.md` documents them).
fn layouts() -> [(&'static str, Vec<Field>); 5] {
    use DataType::{Boolean as B, Float64 as F, UInt16 as S, UInt32 as I, UInt64 as U, Utf8 as T};
    let f = |specs: &[(&str, DataType)]| {
        specs
            .iter()
            .map(|(n, t)| field(n, t.clone()))
            .collect::<Vec<_>>()
    };
    [
        (
            "neurons",
            f(&[
                ("block", U),
                ("epoch", U),
                ("netuid", S),
                ("uid", S),
                ("neuron", I),
                ("stake", F),
                ("permit", B),
                ("consensus", F),
                ("incentive", F),
                ("dividends", F),
                ("validator_trust", F),
                ("incentive_alpha", U),
                ("dividend_alpha", U),
                ("root_dividend_alpha", U),
                ("nominators_alpha", U),
                ("root_nominators_alpha", U),
                ("nominated_alpha", U),
                ("price", F),
                ("quality", F),
                ("value", F),
            ]),
        ),
        (
            "dim_neurons",
            f(&[
                ("neuron", I),
                ("netuid", S),
                ("uid", S),
                ("hotkey", T),
                ("operator", T),
                ("group", T),
                ("kind", T),
                ("first_block", U),
            ]),
        ),
        (
            "subnets",
            f(&[
                ("block", U),
                ("epoch", U),
                ("netuid", S),
                ("price", F),
                ("moving_price", F),
                ("tao_reserve", U),
                ("alpha_reserve", U),
                ("alpha_out", U),
                ("tao_in", U),
                ("alpha_in", U),
                ("alpha_emitted", U),
                ("excess_tao", U),
                ("share", F),
                ("share_before_gate", F),
                ("emission", U),
                ("owner_cut", U),
                ("burned", U),
                ("recycled", U),
            ]),
        ),
        (
            "network",
            f(&[
                ("block", U),
                ("total_issuance", U),
                ("block_emission", U),
                ("tao_minted", U),
                ("tao_recycled", U),
                ("root_stake", U),
                ("pool_tao", U),
                ("gate_bar", F),
            ]),
        ),
        (
            "agents",
            f(&[
                ("agent", U),
                ("group", T),
                ("kind", T),
                ("netuid", S),
                ("operator", T),
                ("hotkeys", U),
                ("genesis_tao", F),
                ("holdings_tao", F),
                ("costs_tao", F),
                ("profit_tao", F),
            ]),
        ),
    ]
}

/// The five tables' names and Arrow schemas, as written to Parquet.
pub fn schemas() -> Vec<(&'static str, Arc<Schema>)> {
    layouts()
        .into_iter()
        .map(|(n, f)| (n, Arc::new(Schema::new(f))))
        .collect()
}

/// Appends one row to `neurons.parquet`.
fn push_neuron(
    t: &mut Table,
    n: &NeuronRow<'_>,
    extra: &NeuronExtra,
    epoch: u64,
    id: u32,
) -> Result<(), ReportError> {
    t.push(&[
        Cell::U(n.block),
        Cell::U(epoch),
        Cell::S(n.netuid),
        Cell::S(n.uid),
        Cell::I(id),
        Cell::F(n.stake),
        Cell::B(n.permit),
        Cell::F(extra.consensus),
        Cell::F(extra.incentive),
        Cell::F(extra.dividends),
        Cell::F(extra.validator_trust),
        Cell::U(n.incentive_alpha),
        Cell::U(n.dividend_alpha),
        Cell::U(n.root_dividend_alpha),
        Cell::U(n.nominators_alpha),
        Cell::U(n.root_nominators_alpha),
        Cell::U(n.nominated_alpha),
        Cell::F(n.price),
        Cell::F(extra.quality),
        Cell::F(n.value),
    ])
}

/// The part of a neuron's `nominators_alpha` that is root dividends (§13.6.2): its root
/// dividend less the hotkey's take, less its owner's fraction of the hotkey's root stake, as
/// the epoch split it (the record gives the take and the queued credit together; this
/// recomputes them from the take rate, within a rao of the epoch's floors).
fn root_nominators(chain: &Chain, n: &crate::chain::block::NeuronRecord) -> u64 {
    if n.root_dividend_alpha == 0 {
        return 0;
    }
    let hk = &chain.hotkeys[n.hotkey.0 as usize];
    let (_, rest) = crate::chain::basket::take_and_queue(n.root_dividend_alpha, hk.take);
    let own = chain
        .root
        .pool(n.hotkey)
        .map_or(0.0, |p| p.fraction_of(hk.owner));
    (rest - (rest as f64 * own).floor() as u64).min(n.nominators_alpha)
}

/// The tables of one run. Create before the run, hand [`RunTables::observer`] to the
/// simulation, call [`RunTables::finish`] after it.
pub struct RunTables {
    neurons: Table,
    dim_neurons: Table,
    subnets: Table,
    network: Table,
    agents: Table,
    rows: Rows,
    /// The `neuron` id of each (netuid, uid, hotkey) seen, and the names of each id.
    ids: Dimension,
    /// The day of the last epoch written, by netuid: `neurons` and `subnets`
    /// (`outputs: {TABLE: {every: day}}`).
    neurons_day: BTreeMap<NetUid, u64>,
    subnets_day: BTreeMap<NetUid, u64>,
    error: Option<ReportError>,
}

/// The rows of `dim_neurons.parquet`, gathered while the run goes.
#[derive(Default)]
struct Dimension {
    ids: BTreeMap<(NetUid, u16, HotkeyId), u32>,
    /// By netuid, then uid: the hotkey last seen at the uid and its id (a cache of `ids`, which
    /// an epoch's rows almost always hit: a deep map lookup per row was a visible share of a
    /// 128-subnet run).
    last: Vec<Vec<Option<(HotkeyId, u32)>>>,
    /// By id: netuid, uid, hotkey, operator, group, kind, first block.
    names: Vec<(u16, u16, String, String, String, String, u64)>,
}

impl Dimension {
    /// The id of `n` (a new one the first time it is seen).
    fn id(&mut self, n: &NeuronRow<'_>, hotkey: HotkeyId) -> u32 {
        let (net, uid) = (usize::from(n.netuid), usize::from(n.uid));
        if let Some(&Some((h, id))) = self.last.get(net).and_then(|s| s.get(uid))
            && h == hotkey
        {
            return id;
        }
        let id = self.id_slow(n, hotkey);
        if self.last.len() <= net {
            self.last.resize_with(net + 1, Vec::new);
        }
        let slots = &mut self.last[net];
        if slots.len() <= uid {
            slots.resize(uid + 1, None);
        }
        slots[uid] = Some((hotkey, id));
        id
    }

    /// [`Dimension::id`] from the map.
    fn id_slow(&mut self, n: &NeuronRow<'_>, hotkey: HotkeyId) -> u32 {
        let next = self.names.len() as u32;
        *self
            .ids
            .entry((NetUid(n.netuid), n.uid, hotkey))
            .or_insert_with(|| {
                self.names.push((
                    n.netuid,
                    n.uid,
                    n.hotkey.to_owned(),
                    n.operator.to_owned(),
                    n.group.to_owned(),
                    n.kind.to_owned(),
                    n.block,
                ));
                next
            })
    }
}

/// Whether a table set to `t` takes the epoch of `netuid` at `block`, given the day of the
/// last epoch it took for that subnet (updated when it takes this one).
fn takes(
    t: &TableOutput,
    last_day: &mut BTreeMap<NetUid, u64>,
    netuid: NetUid,
    block: u64,
    genesis: u64,
) -> bool {
    if !t.takes(netuid) {
        return false;
    }
    if t.every == Every::Day {
        let day = block.saturating_sub(genesis + 1) / DAY;
        if last_day.get(&netuid) == Some(&day) {
            return false;
        }
        last_day.insert(netuid, day);
    }
    true
}

impl RunTables {
    /// Creates the (partial) table files in `dir`. `members` names each agent's hotkeys;
    /// `metadata` goes into every file.
    ///
    /// # Errors
    /// [`ReportError`] if the directory or a file cannot be created.
    pub fn create(
        dir: &Path,
        rows: Rows,
        metadata: &[(String, String)],
    ) -> Result<RunTables, ReportError> {
        fs::create_dir_all(dir).map_err(|source| ReportError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let [neurons, dim_neurons, subnets, network, agents] =
            layouts().map(|(name, fields)| Table::create(dir, name, fields, metadata));
        Ok(RunTables {
            neurons: neurons?,
            dim_neurons: dim_neurons?,
            subnets: subnets?,
            network: network?,
            agents: agents?,
            rows,
            ids: Dimension::default(),
            neurons_day: BTreeMap::new(),
            subnets_day: BTreeMap::new(),
            error: None,
        })
    }

    /// Tables kept in memory instead of files (the Python package's `Run` tables): the same
    /// schemas and batches as the files [`RunTables::create`] writes; take them with
    /// [`RunTables::finish_in_memory`].
    pub fn in_memory(rows: Rows) -> RunTables {
        let [neurons, dim_neurons, subnets, network, agents] =
            layouts().map(|(name, fields)| Table::in_memory(name, fields));
        RunTables {
            neurons,
            dim_neurons,
            subnets,
            network,
            agents,
            rows,
            ids: Dimension::default(),
            neurons_day: BTreeMap::new(),
            subnets_day: BTreeMap::new(),
            error: None,
        }
    }

    fn record_epoch(&mut self, chain: &Chain, r: &EpochRecord) -> Result<(), ReportError> {
        let RunTables {
            neurons,
            rows,
            ids,
            neurons_day,
            subnets_day,
            ..
        } = self;
        let genesis = rows.genesis;
        let mut result = Ok(());
        if takes(
            &rows.outputs.neurons,
            neurons_day,
            r.netuid,
            r.block,
            genesis,
        ) {
            rows.neurons(chain, r, |n, extra| {
                if result.is_ok() {
                    let id = ids.id(&n, extra.hotkey);
                    result = push_neuron(neurons, &n, &extra, r.epoch_index, id);
                }
            });
        }
        result?;
        if !takes(
            &rows.outputs.subnets,
            subnets_day,
            r.netuid,
            r.block,
            genesis,
        ) {
            return Ok(());
        }
        self.subnets.push(&[
            Cell::U(r.block),
            Cell::U(r.epoch_index),
            Cell::S(r.netuid.0),
            Cell::F(r.price),
            Cell::F(r.moving_price),
            Cell::U(r.tao_reserve),
            Cell::U(r.alpha_reserve),
            Cell::U(r.alpha_out),
            Cell::U(r.tao_in),
            Cell::U(r.alpha_in),
            Cell::U(r.alpha_emitted),
            Cell::U(r.excess_tao),
            Cell::F(r.share),
            Cell::F(r.share_before_gate),
            Cell::U(r.emission),
            Cell::U(r.owner_cut),
            Cell::U(r.burned),
            Cell::U(r.recycled),
        ])
    }

    fn record_block(&mut self, chain: &Chain, end: bool) -> Result<(), ReportError> {
        if Rows::network(chain, end).is_none() {
            return Ok(());
        }
        let pool_tao: u64 = chain.subnets.values().map(|s| s.pool.tao).sum();
        self.network.push(&[
            Cell::U(chain.block),
            Cell::U(chain.total_issuance),
            Cell::U(crate::chain::emission::block_emission(chain.total_issuance)),
            Cell::U(chain.ledger.tao.minted),
            Cell::U(chain.ledger.tao.recycled),
            Cell::U(chain.root.total()),
            Cell::U(pool_tao),
            Cell::F(chain.gate_bar),
        ])
    }

    /// Encodes and writes each table's row groups on a thread of the table's own from now on,
    /// so that the thread filling the tables (the simulation's) only builds rows. The files
    /// are the same bytes; memory stays bounded (a table holds at most a few row groups in
    /// flight). For runs given more than one thread (`--threads`).
    pub fn encode_in_background(&mut self) {
        for t in [
            &mut self.neurons,
            &mut self.dim_neurons,
            &mut self.subnets,
            &mut self.network,
            &mut self.agents,
        ] {
            t.encode_in_background();
        }
    }

    /// Writes the per-agent rows, closes every table and renames it into place.
    ///
    /// # Errors
    /// The first error met while writing (during the run or now).
    pub fn finish(
        mut self,
        sim: &Simulation,
        members: &[Member],
    ) -> Result<Vec<PathBuf>, ReportError> {
        self.push_agents(sim, members)?;
        self.push_dimension()?;
        Ok(vec![
            self.neurons.finish()?,
            self.dim_neurons.finish()?,
            self.subnets.finish()?,
            self.network.finish()?,
            self.agents.finish()?,
        ])
    }

    /// [`RunTables::finish`] for tables [`RunTables::in_memory`]: each table's name, schema
    /// and batches, in file order.
    ///
    /// # Errors
    /// The first error met while building the batches.
    #[allow(clippy::type_complexity)]
    pub fn finish_in_memory(
        mut self,
        sim: &Simulation,
        members: &[Member],
    ) -> Result<Vec<(&'static str, Arc<Schema>, Vec<RecordBatch>)>, ReportError> {
        self.push_agents(sim, members)?;
        self.push_dimension()?;
        let mut out = Vec::new();
        for (name, t) in [
            ("neurons", self.neurons),
            ("dim_neurons", self.dim_neurons),
            ("subnets", self.subnets),
            ("network", self.network),
            ("agents", self.agents),
        ] {
            let (schema, batches) = t.into_batches()?;
            out.push((name, schema, batches));
        }
        Ok(out)
    }

    fn push_dimension(&mut self) -> Result<(), ReportError> {
        for (id, (netuid, uid, hotkey, operator, group, kind, first)) in
            self.ids.names.iter().enumerate()
        {
            self.dim_neurons.push(&[
                Cell::I(id as u32),
                Cell::S(*netuid),
                Cell::S(*uid),
                Cell::T(hotkey),
                Cell::T(operator),
                Cell::T(group),
                Cell::T(kind),
                Cell::U(*first),
            ])?;
        }
        Ok(())
    }

    fn push_agents(&mut self, sim: &Simulation, members: &[Member]) -> Result<(), ReportError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let chain = sim.chain();
        for (m, a) in members.iter().zip(agent_rows(sim, members)) {
            let operator = &chain.coldkeys[m.identity.coldkey.0 as usize].name;
            self.agents.push(&[
                Cell::U(m.agent as u64),
                Cell::T(a.group),
                Cell::T(a.kind),
                Cell::S(m.netuid.0),
                Cell::T(operator),
                Cell::U(m.identity.hotkeys.len() as u64),
                Cell::F(a.genesis_tao),
                Cell::F(a.holdings_tao),
                Cell::F(a.costs_tao),
                Cell::F(a.profit_tao),
            ])?;
        }
        Ok(())
    }
}

/// The observer half of [`RunTables`], sharing it with the caller, who takes it back out of
/// the `Option` after the run to [`RunTables::finish`] it. Behind a mutex so that it may
/// watch epochs on another thread ([`crate::engine::SimulationBuilder::shared_observer`]);
/// nobody else locks it during the run.
pub struct TablesObserver(pub std::sync::Arc<std::sync::Mutex<Option<RunTables>>>);

impl TablesObserver {
    fn tables(&self) -> std::sync::MutexGuard<'_, Option<RunTables>> {
        lock_tables(&self.0)
    }
}

/// The tables a [`TablesObserver`] shares with its caller (nobody else holds the lock once
/// the run is over; a poisoned lock still gives them, to be cleaned up or finished).
pub fn lock_tables(
    tables: &std::sync::Mutex<Option<RunTables>>,
) -> std::sync::MutexGuard<'_, Option<RunTables>> {
    crate::team::lock(tables)
}

impl Observer for TablesObserver {
    fn on_epoch(&mut self, chain: &Chain, record: &EpochRecord) {
        if let Some(t) = self.tables().as_mut()
            && t.error.is_none()
            && let Err(e) = t.record_epoch(chain, record)
        {
            t.error = Some(e);
        }
    }

    fn on_block(&mut self, chain: &Chain) {
        if let Some(t) = self.tables().as_mut()
            && t.error.is_none()
            && let Err(e) = t.record_block(chain, false)
        {
            t.error = Some(e);
        }
    }

    fn on_end(&mut self, chain: &Chain) {
        if let Some(t) = self.tables().as_mut()
            && t.error.is_none()
            && let Err(e) = t.record_block(chain, true)
        {
            t.error = Some(e);
        }
    }
}

/// The epoch outputs a neuron row carries besides what [`Analysis`] reads.
#[derive(Clone, Copy, Debug)]
pub struct NeuronExtra {
    /// Consensus weight.
    pub consensus: f64,
    /// Incentive (fraction).
    pub incentive: f64,
    /// Dividends (fraction).
    pub dividends: f64,
    /// Validator trust.
    pub validator_trust: f64,
    /// Mean true quality of the uid's last served work (NaN: none).
    pub quality: f64,
    /// The hotkey registered at the uid.
    pub hotkey: HotkeyId,
}

/// Turns engine records into table rows: one place, so the tables, the live analysis of a
/// sweep run and `yumalab report` (which reads the tables back) see the same values.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    /// By hotkey id: the index in `labels` of its member's group and kind (`u32::MAX`: none).
    /// A dense table rather than a map: it is read for every neuron row of every epoch.
    names: Vec<u32>,
    /// Group and kind, one per member.
    labels: Vec<(String, String)>,
    /// By netuid.
    value_per_quality: BTreeMap<u16, f64>,
    /// Which epochs the tables keep (the analysis sees them all).
    outputs: Outputs,
    /// The block before the run's first (days of `every: day` count from it).
    genesis: u64,
}

impl Rows {
    /// Rows for a run of `members`; `value_per_quality[i]` is subnet `i + 1`'s value per
    /// unit of quality per tempo (subnets beyond the list: 1).
    pub fn new(members: &[Member], value_per_quality: Vec<f64>) -> Rows {
        let mut names = Vec::new();
        let mut labels = Vec::with_capacity(members.len());
        for m in members {
            let label = labels.len() as u32;
            labels.push((m.group.clone(), m.kind.clone()));
            for h in &m.identity.hotkeys {
                let i = h.0 as usize;
                if names.len() <= i {
                    names.resize(i + 1, u32::MAX);
                }
                // A hotkey listed by two members takes the later one's names.
                names[i] = label;
            }
        }
        Rows {
            names,
            labels,
            value_per_quality: (1..)
                .zip(value_per_quality)
                .map(|(n, v): (u16, f64)| (n, v))
                .collect(),
            outputs: Outputs::default(),
            genesis: 0,
        }
    }

    /// Rows for a run of `scenario`'s `members` (its subnets' `value_per_quality`, by their
    /// netuids).
    pub fn for_scenario(members: &[Member], scenario: &crate::scenario::Scenario) -> Rows {
        let mut rows = Rows::new(members, Vec::new());
        rows.value_per_quality = scenario
            .subnets
            .iter()
            .map(|s| (s.netuid.0, s.value_per_quality))
            .collect();
        rows.outputs = scenario.outputs.clone();
        rows.genesis = scenario.network.genesis_block();
        rows
    }

    /// Calls `f` with each neuron row of `r`, in uid order.
    pub fn neurons(
        &self,
        chain: &Chain,
        r: &EpochRecord,
        mut f: impl FnMut(NeuronRow<'_>, NeuronExtra),
    ) {
        let s = &chain.subnets[&r.netuid];
        let vpq = self
            .value_per_quality
            .get(&r.netuid.0)
            .copied()
            .unwrap_or(1.0);
        for n in &r.neurons {
            let hk = &chain.hotkeys[n.hotkey.0 as usize];
            let operator = &chain.coldkeys[hk.owner.0 as usize].name;
            let label = self.names.get(n.hotkey.0 as usize).copied();
            let (group, kind) = match label.and_then(|l| self.labels.get(l as usize)) {
                Some((g, k)) => (g.as_str(), k.as_str()),
                None if n.hotkey == s.owner_hotkey => ("owner", "subnet-owner"),
                None => ("", ""),
            };
            let served = s
                .served
                .get(usize::from(n.uid))
                .and_then(Option::as_ref)
                .filter(|w| !w.quality.is_empty());
            let quality = served.map_or(f64::NAN, |w| {
                w.quality.iter().sum::<f64>() / w.quality.len() as f64
            });
            let value = match served {
                Some(w) if w.copy_of.is_none() => quality.max(0.0) * vpq,
                _ => 0.0,
            };
            f(
                NeuronRow {
                    block: r.block,
                    netuid: r.netuid.0,
                    uid: n.uid,
                    hotkey: &hk.name,
                    operator,
                    group,
                    kind,
                    stake: n.stake,
                    permit: n.permit,
                    incentive_alpha: n.incentive_alpha,
                    dividend_alpha: n.dividend_alpha,
                    root_dividend_alpha: n.root_dividend_alpha,
                    nominators_alpha: n.nominators_alpha,
                    root_nominators_alpha: root_nominators(chain, n),
                    nominated_alpha: n.nominated_alpha,
                    price: r.price,
                    value,
                },
                NeuronExtra {
                    consensus: n.consensus,
                    incentive: n.incentive,
                    dividends: n.dividends,
                    validator_trust: n.validator_trust,
                    quality,
                    hotkey: n.hotkey,
                },
            );
        }
    }

    /// The subnet row of `r`.
    pub fn subnet(r: &EpochRecord) -> SubnetRow {
        SubnetRow {
            block: r.block,
            netuid: r.netuid.0,
            price: r.price,
            moving_price: r.moving_price,
            tao_reserve: r.tao_reserve,
            alpha_reserve: r.alpha_reserve,
            tao_in: r.tao_in,
            excess_tao: r.excess_tao,
            alpha_in: r.alpha_in,
            alpha_emitted: r.alpha_emitted,
            emission: r.emission,
            owner_cut: r.owner_cut,
            share: r.share,
            share_before_gate: r.share_before_gate,
        }
    }

    /// The network row at this block: every 360 blocks, and at the end of the run.
    pub fn network(chain: &Chain, end: bool) -> Option<NetworkRow> {
        // on_block gives the multiples of 360; on_end adds the last block unless it was one.
        (chain.block.is_multiple_of(360) != end).then_some(NetworkRow {
            block: chain.block,
            total_issuance: chain.total_issuance,
            tao_minted: chain.ledger.tao.minted,
            tao_recycled: chain.ledger.tao.recycled,
            gate_bar: chain.gate_bar,
        })
    }
}

/// Every agent's end-of-run row, in population order.
pub fn agent_rows<'a>(sim: &Simulation, members: &'a [Member]) -> Vec<AgentRow<'a>> {
    let all = all_holdings(sim.chain());
    members
        .iter()
        .map(|m| {
            let cost = sim.agents()[m.agent].cost() as f64 / 1e9;
            let held = all[m.identity.coldkey.0 as usize] / 1e9;
            let genesis = m.genesis as f64 / 1e9;
            AgentRow {
                group: &m.group,
                kind: &m.kind,
                genesis_tao: genesis,
                holdings_tao: held,
                costs_tao: cost,
                profit_tao: held - genesis - cost,
            }
        })
        .collect()
}

/// The analysis alone, without tables: what each run of a sweep keeps.
pub struct AnalysisObserver {
    rows: Rows,
    analysis: std::sync::Arc<std::sync::Mutex<Analysis>>,
}

impl AnalysisObserver {
    /// An observer feeding `analysis` (shared with the caller, who finishes it after the run
    /// with [`finish_analysis`]; behind a mutex so that it may watch epochs on another
    /// thread, and nobody else locks it during the run).
    pub fn new(rows: Rows, analysis: std::sync::Arc<std::sync::Mutex<Analysis>>) -> Self {
        AnalysisObserver { rows, analysis }
    }

    fn analysis(&self) -> std::sync::MutexGuard<'_, Analysis> {
        crate::team::lock(&self.analysis)
    }
}

impl Observer for AnalysisObserver {
    fn on_epoch(&mut self, chain: &Chain, record: &EpochRecord) {
        let mut a = self.analysis();
        self.rows.neurons(chain, record, |n, _| a.neuron(&n));
        a.subnet(&Rows::subnet(record));
    }

    fn on_block(&mut self, chain: &Chain) {
        if let Some(r) = Rows::network(chain, false) {
            self.analysis().network(&r);
        }
    }

    fn on_end(&mut self, chain: &Chain) {
        if let Some(r) = Rows::network(chain, true) {
            self.analysis().network(&r);
        }
    }
}

/// Feeds the agents' rows and finishes the analysis.
pub fn finish_analysis(mut analysis: Analysis, sim: &Simulation, members: &[Member]) -> Results {
    for a in agent_rows(sim, members) {
        analysis.agent(&a);
    }
    analysis.finish()
}
