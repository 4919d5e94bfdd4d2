//! What a sweep directory records so that a killed sweep can resume and shards can merge:
//! `manifest.json` (the scenario, its hash, the design, the seeds, the run count, each
//! shard's completion and timings) and one line per finished run in `runs.jsonl` (or
//! `runs-shard-I-of-N.jsonl`). Timings live only here, never in the byte-compared tables.
//! (Serialization only; the command line reads and writes the files.)

use serde::{Deserialize, Serialize};

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this file.
    pub format: u32,
    /// yumalab's version.
    pub yumalab_version: String,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// Hash of the scenario text and the `--set` overrides ([`scenario_hash`]).
    pub scenario_hash: String,
    /// The scenario text.
    pub scenario_text: String,
    /// `--set` overrides, in order.
    pub overrides: Vec<(String, String)>,
    /// The design's name.
    pub design: String,
    /// The master seed.
    pub master_seed: u64,
    /// The replicate seeds.
    pub seeds: Vec<u64>,
    /// Points of the design.
    pub points: usize,
    /// Runs of the whole sweep.
    pub runs: usize,
    /// Which shard this directory holds (`None`: the whole sweep).
    pub shard: Option<(usize, usize)>,
    /// Completion of the shards this directory holds.
    pub shards: Vec<ShardState>,
    /// Timings (wall clock; informative only).
    #[serde(default)]
    pub timings: Timings,
}

/// How far one shard got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardState {
    /// `I/N`, or `whole`.
    pub shard: String,
    /// Runs in the shard.
    pub runs: usize,
    /// Runs finished (succeeded or failed).
    pub finished: usize,
    /// Of which failed.
    pub failed: usize,
    /// Whether every run of the shard finished.
    pub complete: bool,
}

/// Wall-clock timings of the last invocation, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    /// The whole command.
    pub wall_seconds: f64,
    /// Reading the scenario, expanding the design and checking every point.
    pub design_seconds: f64,
    /// Runs done by this invocation.
    pub runs_run: usize,
    /// Runs taken from the resumed directory.
    pub runs_resumed: usize,
    /// The sum of the runs' own times.
    pub run_seconds: f64,
    /// Writing the tables, the sensitivity analysis and the report.
    pub analysis_seconds: f64,
}

/// One finished run, a line of `runs*.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The scenario hash (a line from another scenario is refused).
    pub hash: String,
    /// The run index.
    pub run: usize,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Metrics, name and the value's IEEE-754 bits (exact round trip, NaN included).
    #[serde(default)]
    pub metrics: Vec<(String, u64)>,
}

impl RunRecord {
    /// The metrics as numbers.
    pub fn values(&self) -> Vec<(String, f64)> {
        self.metrics
            .iter()
            .map(|(n, b)| (n.clone(), f64::from_bits(*b)))
            .collect()
    }
}

/// The hash that identifies a sweep: FNV-1a of the scenario text and the overrides.
pub fn scenario_hash(text: &str, overrides: &[(String, String)]) -> String {
    let mut all = text.to_owned();
    for (p, v) in overrides {
        all.push_str(&format!("\u{0}{p}={v}"));
    }
    format!("{:016x}", yumalab_agents::stable_id(&all))
}

/// Name of the run log of a shard.
pub fn log_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((i, n)) => format!("runs-shard-{i}-of-{n}.jsonl"),
        None => "runs.jsonl".into(),
    }
}

/// Reads run records from a log's text; a last line cut short by a kill is ignored.
///
/// # Errors
/// A line that is not a record (other than a cut-short last line), with its line number.
pub fn parse_log(text: &str) -> Result<Vec<RunRecord>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RunRecord>(line) {
            Ok(r) => out.push(r),
            Err(_) if k + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => return Err(format!("line {}: not a run record: {e}", k + 1)),
        }
    }
    Ok(out)
}
