//! Replays a recorded or hand-made sequence of (stakes, weights) epochs through the Yuma
//! epoch ([`crate::yuma`]) and keeps what each epoch produced.
//!
//! Lifecycle: text → [`ReplayFile`] (the wire format, `serde`) → [`Replay`] (validated: every
//! problem in the file is reported at once, as [`ReplayErrors`]) → [`Replay::run`] →
//! [`ReplayResult`]. Nothing here reads files or prints; `yumalab replay` (the binary) and
//! [`crate::report::replay`] do that.
//!
//! # The network a replay drives
//! Validators are uids `0..V`, miners uids `V..V+M`. Every validator is active in every
//! epoch. Validator permits are carried as the chain carries them (spec §3.4, §3.11): every
//! validator holds one in the first epoch; from then on the permits used are the ones the
//! previous epoch wrote, `P_new` = the top-`K` uids by non-zero `I32F32` stake
//! (`K` = `yuma.max_validators`, default 64). A validator whose stake is 0 (or truncates to 0)
//! therefore loses its permit: its bond row is stored empty by that epoch, and from the next
//! one its weight row is not used. Everyone registered at block 0; epoch `e` runs at block
//! `e + 1` with tempo 1, validators' weights were set at that block, and the previous epoch is
//! the subnet's last mechanism step. No stake threshold, no owner, commit-reveal off, and each
//! epoch distributes 10⁹ rao.
//!
//! Stakes are raw per-validator numbers (the epoch normalises them). A weight row is stored as
//! the chain stores a submitted row: max-upscaled to u16 ([`max_upscale_u16`]), entries for
//! the miner uids; whether zero entries are kept is [`ZeroWeights`]. Bonds carry over from one
//! epoch to the next; a bond reset deletes one miner's column from every stored bond row
//! before the epoch it names.
//!
//! ```
//! use yumalab::replay::{Format, Replay};
//! let text = r#"{
//!   "validators": ["A", "B"], "miners": ["M"],
//!   "epochs": [{"stakes": [3, 1], "weights": [[1], [1]]}, {}]
//! }"#;
//! let replay = Replay::parse(text, "example.json", Format::Json).unwrap();
//! let result = replay.run().unwrap();
//! assert_eq!(result.epochs.len(), 2);
//! assert_eq!(result.incentive(0), &[1.0]);
//! ```

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use serde::Deserialize;

use crate::yuma::fixed::u16_proportion;
use crate::yuma::{
    EpochInput, EpochOutput, EpochShapeError, LiquidAlpha, LiquidAlphaConsensus, SparseRow,
    Workspace, YumaParams, bonds, run_epoch_into,
};

/// The alpha each replayed epoch distributes, in rao.
pub const EPOCH_EMISSION: u64 = 1_000_000_000;

/// The largest raw stake a replay accepts, and the largest sum of an epoch's stakes: the whole
/// 21 000 000 TAO supply counted in rao, so stakes may be written in any unit from TAO to rao.
pub const MAX_STAKE: f64 = 21e15;

// ------------------------------------------------------------------------------------ wire

/// A replay file as written: JSON or YAML, checked only for shape. See [`Replay`] for the
/// validated form.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayFile {
    /// The subnet's Yuma parameters; absent or null means all defaults.
    #[serde(default)]
    pub yuma: Option<YumaFile>,
    /// Validator names; validator `i` is uid `i`.
    pub validators: Vec<String>,
    /// Miner names; miner `j` is uid `V + j`.
    pub miners: Vec<String>,
    /// One entry per epoch, in order.
    pub epochs: Vec<EpochFile>,
    /// Bond columns to delete before given epochs.
    #[serde(default)]
    pub bond_resets: Vec<BondResetFile>,
    /// Whether weights that are 0 after the u16 upscale are stored as explicit entries.
    #[serde(default)]
    pub zero_weights: ZeroWeights,
}

/// The `yuma` section of a [`ReplayFile`]; every field is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YumaFile {
    /// A name in [`bonds::VARIANTS`]; default `yuma3`.
    pub version: Option<String>,
    /// κ as a fraction in `[0, 1]`; default 0.5.
    pub kappa: Option<f64>,
    /// β as a fraction in `[0, 1]`; default 1.
    pub bonds_penalty: Option<f64>,
    /// `BondsMovingAverage` as a fraction in `[0, 1]` (0.9 is the chain's 900 000); default 0.9.
    pub bonds_moving_average: Option<f64>,
    /// `MaxAllowedValidators`, an integer in `1..=65535`: how many uids (by stake) hold a
    /// validator permit from the second epoch on; default 64.
    pub max_validators: Option<i64>,
    /// Liquid alpha; absent or null means off.
    pub liquid_alpha: Option<LiquidAlphaFile>,
    /// The consensus the liquid-alpha sigmoid reads (§13.10): `current` (default), `previous`
    /// or `auto` (previous when `bonds_penalty` is 1).
    pub liquid_alpha_consensus: Option<String>,
}

/// The `yuma.liquid_alpha` section; absent fields take the chain's defaults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidAlphaFile {
    /// Fraction in `[0, 1]`; default the chain's 45 875/65 535 (≈ 0.7).
    pub alpha_low: Option<f64>,
    /// Fraction in `[0, 1]`, at least `alpha_low`; default the chain's 58 982/65 535 (≈ 0.9).
    pub alpha_high: Option<f64>,
    /// Integer in the i16 range; default 1000.
    pub steepness: Option<i64>,
}

/// One epoch of a [`ReplayFile`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochFile {
    /// Raw stake per validator; absent or null keeps the previous epoch's (required in the
    /// first epoch).
    #[serde(default)]
    pub stakes: Option<Vec<f64>>,
    /// One row per validator, one column per miner; absent or null keeps the previous epoch's
    /// weights (none in the first epoch).
    #[serde(default)]
    pub weights: Option<Vec<Vec<f64>>>,
}

/// A bond reset: before epoch `epoch` runs, delete `miner`'s column from every stored bond row.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BondResetFile {
    /// The epoch index (0-based) before which the reset happens.
    pub epoch: i64,
    /// The miner's name.
    pub miner: String,
}

/// How weight entries that are 0 after the u16 upscale are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZeroWeights {
    /// Left out of the sparse row, as a client that sends only non-zero weights does.
    #[default]
    Omitted,
    /// Stored as explicit `(uid, 0)` entries, as the chain's tests submit them. This matters
    /// for Yuma3 with liquid alpha, where a bond whose entry is absent is dropped, not decayed.
    Submitted,
}

/// The syntax of a replay file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// `.json` (any case) is JSON; anything else is YAML.
    pub fn from_path(path: &Path) -> Format {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

// ---------------------------------------------------------------------------------- errors

/// One thing wrong with a replay file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The parser refused the text: bad syntax, a value of the wrong type, an unknown or
    /// missing field. The parser stops at the first of these.
    Syntax {
        /// 1-based line; 0 if unknown.
        line: u64,
        /// 1-based column; 0 if unknown.
        column: u64,
        /// The field path where parsing stopped, if known.
        path: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// A value parsed but is not acceptable.
    Invalid {
        /// 1-based line of the value (or of its closest enclosing value in the file); 0 if
        /// unknown.
        line: u64,
        /// 1-based column; 0 if unknown.
        column: u64,
        /// The field path, e.g. `epochs[3].weights[1][0]`.
        path: String,
        /// What was expected and what was found, e.g. ``must be a finite number >= 0, got `-5` ``.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Problem::Syntax {
                line,
                column,
                path: Some(path),
                message,
            } => format!("{line}:{column}: `{path}`: {message}"),
            Problem::Syntax {
                line,
                column,
                path: None,
                message,
            } => format!("{line}:{column}: {message}"),
            Problem::Invalid {
                line: 0,
                path,
                message,
                ..
            } => format!("`{path}`: {message}"),
            Problem::Invalid {
                line,
                column,
                path,
                message,
            } => format!("{line}:{column}: `{path}`: {message}"),
        };
        // Paths and values echo the file; keep control characters from reaching a terminal.
        for c in text.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Every problem found in one replay file. Displayed one problem per line, each starting
/// with the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayErrors {
    /// The file name the problems refer to.
    pub file: String,
    /// The problems, in the order the file is read (never empty).
    pub problems: Vec<Problem>,
}

impl fmt::Display for ReplayErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, p) in self.problems.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            // `file:line:col: ...` wherever the place is known, `file: `path`: ...` otherwise.
            let sep = if matches!(
                p,
                Problem::Syntax { .. } | Problem::Invalid { line: 1.., .. }
            ) {
                ":"
            } else {
                ": "
            };
            write!(f, "{}{sep}{p}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ReplayErrors {}

// ------------------------------------------------------------------------------- validated

/// A validated replay: the subnet's parameters, the neurons, and what changes before each
/// epoch. Built by [`Replay::parse`] or [`Replay::from_file`]; run by [`Replay::run`].
#[derive(Clone, Debug)]
pub struct Replay {
    params: YumaParams,
    validators: Vec<String>,
    miners: Vec<String>,
    epochs: Vec<EpochPlan>,
}

/// What changes before one epoch.
#[derive(Clone, Debug, Default)]
struct EpochPlan {
    /// New raw stake per validator; `None` keeps the previous.
    stake: Option<Vec<f64>>,
    /// New stored weight rows, one per validator; `None` keeps the previous.
    weights: Option<Vec<SparseRow>>,
    /// Miner uids whose bond column is deleted before this epoch.
    resets: Vec<u16>,
}

/// Collects problems while a [`ReplayFile`] is checked.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::Invalid {
            line: 0,
            column: 0,
            path: path.into(),
            message: message.into(),
        });
    }

    /// A fraction in `[0, 1]`, or `default` if absent.
    fn fraction(&mut self, path: &str, x: Option<f64>, default: f64) -> f64 {
        match x {
            None => default,
            Some(v) if v.is_finite() && (0.0..=1.0).contains(&v) => v,
            Some(v) => {
                self.add(path, format!("must be a fraction in [0, 1], got `{v}`"));
                default
            }
        }
    }

    /// A vector of length `len` of finite non-negative numbers.
    fn amounts(&mut self, path: &str, v: &[f64], len: usize, what: &str) -> bool {
        let mut ok = true;
        if v.len() != len {
            self.add(
                path,
                format!("must have {len} entries (one per {what}), got {}", v.len()),
            );
            ok = false;
        }
        for (k, x) in v.iter().enumerate() {
            if !(x.is_finite() && *x >= 0.0) {
                self.add(
                    format!("{path}[{k}]"),
                    format!("must be a finite number >= 0, got `{x}`"),
                );
                ok = false;
            }
        }
        ok
    }

    /// Stakes (already finite and >= 0) within the supply: each, and their sum, at most
    /// [`MAX_STAKE`]. The epoch normalises by the sum, so a sum that is not finite would zero
    /// every stake.
    fn stakes(&mut self, path: &str, v: &[f64]) -> bool {
        let mut ok = true;
        for (k, x) in v.iter().enumerate() {
            if *x > MAX_STAKE {
                self.add(
                    format!("{path}[{k}]"),
                    format!(
                        "must be at most 21e15 (the 21 000 000 TAO supply in rao), got `{}`",
                        show(*x)
                    ),
                );
                ok = false;
            }
        }
        let total: f64 = v.iter().sum();
        if ok && total > MAX_STAKE {
            self.add(
                path,
                format!(
                    "must sum to at most 21e15 (the 21 000 000 TAO supply in rao), got `{}`",
                    show(total)
                ),
            );
            ok = false;
        }
        ok
    }

    /// Names: at least one, each non-empty and unique across validators and miners.
    fn names<'a>(
        &mut self,
        field: &str,
        what: &str,
        names: &'a [String],
        seen: &mut BTreeMap<&'a str, String>,
    ) {
        if names.is_empty() {
            self.add(field, format!("must name at least one {what}, got none"));
        }
        for (k, name) in names.iter().enumerate() {
            let path = format!("{field}[{k}]");
            if name.trim().is_empty() {
                self.add(&path, format!("must be a non-empty name, got `{name}`"));
            } else if let Some(first) = seen.get(name.as_str()) {
                self.add(
                    &path,
                    format!("must be unique, got `{name}` again (first at `{first}`)"),
                );
            } else {
                seen.insert(name, path);
            }
        }
    }
}

impl Replay {
    /// Parses and validates a replay file's text. `file` names the file in error messages.
    ///
    /// # Errors
    /// [`ReplayErrors`]: the parser's first error (with line, column and field path), or every
    /// semantic problem in the file.
    pub fn parse(text: &str, file: &str, format: Format) -> Result<Replay, ReplayErrors> {
        let wire = match format {
            Format::Json => parse_json(text),
            Format::Yaml => {
                crate::yaml::from_str::<ReplayFile>(text).map_err(|e| Problem::Syntax {
                    line: e.line,
                    column: e.column,
                    path: e.path,
                    message: e.message,
                })
            }
        };
        let wire = wire.map_err(|p| ReplayErrors {
            file: file.to_owned(),
            problems: vec![p],
        })?;
        Replay::from_file(&wire).map_err(|mut problems| {
            locate(text, &mut problems);
            ReplayErrors {
                file: file.to_owned(),
                problems,
            }
        })
    }

    /// Validates a parsed [`ReplayFile`].
    ///
    /// # Errors
    /// Every problem found, each with its field path and offending value.
    pub fn from_file(file: &ReplayFile) -> Result<Replay, Vec<Problem>> {
        let mut p = Problems::default();
        let params = yuma_params(file.yuma.as_ref(), &mut p);

        let mut seen = BTreeMap::new();
        p.names("validators", "validator", &file.validators, &mut seen);
        p.names("miners", "miner", &file.miners, &mut seen);
        let (v, m) = (file.validators.len(), file.miners.len());
        let max_uids = usize::from(u16::MAX) + 1;
        if v + m > max_uids {
            p.add(
                "miners",
                format!(
                    "validators and miners together must be at most {max_uids} uids, got {}",
                    v + m
                ),
            );
        }
        let uids_fit = v + m <= max_uids;

        if file.epochs.is_empty() {
            p.add("epochs", "must list at least one epoch, got none");
        }
        let mut epochs = Vec::with_capacity(file.epochs.len());
        for (e, epoch) in file.epochs.iter().enumerate() {
            let mut plan = EpochPlan::default();
            match &epoch.stakes {
                Some(s)
                    if p.amounts(&format!("epochs[{e}].stakes"), s, v, "validator")
                        && p.stakes(&format!("epochs[{e}].stakes"), s) =>
                {
                    plan.stake = Some(s.clone());
                }
                Some(_) => {}
                None if e == 0 => p.add(
                    "epochs[0].stakes",
                    "must be given in the first epoch, got nothing",
                ),
                None => {}
            }
            if let Some(rows) = &epoch.weights {
                let path = format!("epochs[{e}].weights");
                let mut ok = true;
                if rows.len() != v {
                    p.add(
                        &path,
                        format!("must have {v} rows (one per validator), got {}", rows.len()),
                    );
                    ok = false;
                }
                for (i, row) in rows.iter().enumerate() {
                    ok &= p.amounts(&format!("{path}[{i}]"), row, m, "miner");
                }
                if ok && uids_fit {
                    plan.weights = Some(
                        rows.iter()
                            .map(|row| sparse_row(row, v, file.zero_weights))
                            .collect(),
                    );
                }
            }
            epochs.push(plan);
        }

        for (k, reset) in file.bond_resets.iter().enumerate() {
            let epoch = usize::try_from(reset.epoch)
                .ok()
                .filter(|e| *e < file.epochs.len());
            if epoch.is_none() {
                p.add(
                    format!("bond_resets[{k}].epoch"),
                    format!(
                        "must be an epoch index in 0..{}, got `{}`",
                        file.epochs.len(),
                        reset.epoch
                    ),
                );
            }
            let miner = file.miners.iter().position(|n| *n == reset.miner);
            if miner.is_none() {
                p.add(
                    format!("bond_resets[{k}].miner"),
                    format!("must name one of the miners, got `{}`", reset.miner),
                );
            }
            if let (Some(e), Some(j), true) = (epoch, miner, uids_fit) {
                epochs[e].resets.push((v + j) as u16);
            }
        }

        if p.0.is_empty() {
            Ok(Replay {
                params,
                validators: file.validators.clone(),
                miners: file.miners.clone(),
                epochs,
            })
        } else {
            Err(p.0)
        }
    }

    /// The subnet's parameters.
    pub fn params(&self) -> &YumaParams {
        &self.params
    }

    /// Validator names, by uid.
    pub fn validators(&self) -> &[String] {
        &self.validators
    }

    /// Miner names; miner `j` is uid `validators().len() + j`.
    pub fn miners(&self) -> &[String] {
        &self.miners
    }

    /// The number of epochs.
    pub fn epoch_count(&self) -> usize {
        self.epochs.len()
    }

    /// Runs every epoch in order (see the module docs for the network it drives).
    ///
    /// # Errors
    /// [`EpochShapeError`] only if this module built an inconsistent epoch input: a bug, not
    /// a problem with the file.
    pub fn run(&self) -> Result<ReplayResult, EpochShapeError> {
        let v = self.validators.len();
        let n = v + self.miners.len();
        // First epoch: every validator holds a permit; then the previous epoch's `P_new`.
        let mut permits: Vec<bool> = (0..n).map(|i| i < v).collect();
        // `Consensus` as stored by the previous epoch (zero before the first).
        let mut previous_consensus = vec![0u16; n];
        let registered_at = vec![0u64; n];
        let mut last_update = vec![0u64; n];
        let mut stake = vec![0.0; n];
        let mut weights: Vec<SparseRow> = Vec::new();
        let mut bonds: Vec<SparseRow> = Vec::new();
        let mut ws = Workspace::default();
        let mut out = EpochOutput::default();
        let mut records = Vec::with_capacity(self.epochs.len());
        for (e, plan) in self.epochs.iter().enumerate() {
            if let Some(s) = &plan.stake {
                stake[..v].copy_from_slice(s);
            }
            if let Some(w) = &plan.weights {
                weights.clone_from(w);
            }
            for &uid in &plan.resets {
                for row in &mut bonds {
                    row.retain(|&(j, _)| j != uid);
                }
            }
            let block = e as u64 + 1;
            last_update[..v].fill(block);
            let input = EpochInput {
                block,
                tempo: 1,
                activity_cutoff: u64::MAX / 2,
                last_mechanism_step_block: block - 1,
                stake: &stake,
                stake_threshold: 0,
                last_update: &last_update,
                registered_at: &registered_at,
                permits: &permits,
                owner: None,
                weights: &weights,
                bonds: &bonds,
                first_commit_block: &[],
                previous_consensus: &previous_consensus,
                emission: EPOCH_EMISSION,
            };
            run_epoch_into(&input, &self.params, &mut ws, &mut out)?;
            records.push(EpochRecord::new(e as u32, &out, &permits, v, n));
            // The new bonds, permits and consensus are what the next epoch reads; `out` reuses
            // the old rows.
            std::mem::swap(&mut bonds, &mut out.bonds);
            permits.copy_from_slice(&out.permits);
            for (p, c) in previous_consensus.iter_mut().zip(&out.consensus) {
                *p = u16_proportion(*c);
            }
        }
        Ok(ReplayResult {
            validators: self.validators.clone(),
            miners: self.miners.clone(),
            epochs: records,
        })
    }
}

/// A number as written in a message: in exponent form when it is huge (`1e20`).
fn show(x: f64) -> String {
    if x.abs() >= 1e16 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Gives each [`Problem::Invalid`] the line and column of its value in `text`, or of the
/// closest enclosing value the file has (a missing field is reported at its parent). JSON is
/// read as YAML (its flow syntax) for this; if even that fails, problems keep no location.
fn locate(text: &str, problems: &mut [Problem]) {
    let Ok(tree) = crate::yaml::parse_tree(text) else {
        return;
    };
    for p in problems {
        if let Problem::Invalid {
            line, column, path, ..
        } = p
        {
            let node = node_at(&tree, path);
            (*line, *column) = (node.line, node.column);
        }
    }
}

/// The deepest node of `tree` along `path` (`epochs[3].weights[1]`).
fn node_at<'n>(tree: &'n crate::yaml::Node, path: &str) -> &'n crate::yaml::Node {
    use crate::yaml::Value;
    let mut node = tree;
    for part in path.split('.') {
        let mut pieces = part.split('[');
        let name = pieces.next().unwrap_or_default();
        let mut next = if name.is_empty() {
            Some(node)
        } else {
            match &node.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.key_text() == name)
                    .map(|(_, v)| v),
                _ => None,
            }
        };
        for index in pieces {
            let k = index.trim_end_matches(']').parse::<usize>().ok();
            next = match (next.map(|n| &n.value), k) {
                (Some(Value::Seq(items)), Some(k)) => items.get(k),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return node,
            }
        }
        match next {
            Some(n) => node = n,
            None => return node,
        }
    }
    node
}

fn parse_json(text: &str) -> Result<ReplayFile, Problem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let syntax = |e: serde_json::Error, path: Option<String>| {
        let mut message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message.truncate(stripped.len());
        }
        Problem::Syntax {
            line: e.line() as u64,
            column: e.column() as u64,
            path,
            message,
        }
    };
    let file: ReplayFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = (path != ".").then_some(path);
        syntax(e.into_inner(), path)
    })?;
    de.end().map_err(|e| syntax(e, None))?;
    Ok(file)
}

fn yuma_params(yuma: Option<&YumaFile>, p: &mut Problems) -> YumaParams {
    let default = YumaFile::default();
    let yuma = yuma.unwrap_or(&default);
    let mut params = YumaParams::default();
    if let Some(k) = yuma.max_validators {
        match u16::try_from(k) {
            Ok(k) if k >= 1 => params.max_allowed_validators = k,
            _ => p.add(
                "yuma.max_validators",
                format!("must be an integer in 1..=65535, got `{k}`"),
            ),
        }
    }
    if let Some(mode) = &yuma.liquid_alpha_consensus {
        match LiquidAlphaConsensus::from_name(mode) {
            Some(m) => params.liquid_alpha_consensus = m,
            None => {
                let known: Vec<String> = LiquidAlphaConsensus::NAMED
                    .iter()
                    .map(|(_, n)| format!("`{n}`"))
                    .collect();
                p.add(
                    "yuma.liquid_alpha_consensus",
                    format!("must be one of {}, got `{mode}`", known.join(", ")),
                );
            }
        }
    }
    let version = yuma.version.as_deref().unwrap_or("yuma3");
    match bonds::variant(version) {
        Some(model) => params.bonds = model,
        None => {
            let known: Vec<String> = bonds::variant_names()
                .iter()
                .map(|n| format!("`{n}`"))
                .collect();
            p.add(
                "yuma.version",
                format!("must be one of {}, got `{version}`", known.join(", ")),
            );
        }
    }
    params.kappa = u16_proportion(p.fraction("yuma.kappa", yuma.kappa, 0.5));
    params.bonds_penalty =
        u16_proportion(p.fraction("yuma.bonds_penalty", yuma.bonds_penalty, 1.0));
    let bma = p.fraction("yuma.bonds_moving_average", yuma.bonds_moving_average, 0.9);
    params.bonds_moving_average = (bma * 1e6).round() as u64;
    if let Some(la) = &yuma.liquid_alpha {
        let chain = LiquidAlpha::default();
        let quantise = |p: &mut Problems, field: &str, x: Option<f64>, default: u16| match x {
            None => default,
            Some(x) => {
                u16_proportion(p.fraction(&format!("yuma.liquid_alpha.{field}"), Some(x), 0.0))
            }
        };
        let alpha_low = quantise(p, "alpha_low", la.alpha_low, chain.alpha_low);
        let alpha_high = quantise(p, "alpha_high", la.alpha_high, chain.alpha_high);
        if alpha_low > alpha_high {
            p.add(
                "yuma.liquid_alpha.alpha_high",
                format!(
                    "must be at least `alpha_low` ({alpha_low}/65535), got `{alpha_high}/65535`"
                ),
            );
        }
        let steepness = match la.steepness {
            None => chain.steepness,
            Some(s) => i16::try_from(s).unwrap_or_else(|_| {
                p.add(
                    "yuma.liquid_alpha.steepness",
                    format!(
                        "must be an integer in {}..={}, got `{s}`",
                        i16::MIN,
                        i16::MAX
                    ),
                );
                chain.steepness
            }),
        };
        params.liquid_alpha = Some(LiquidAlpha {
            alpha_low,
            alpha_high,
            steepness,
        });
    }
    params
}

/// A weight row as the chain stores a submitted one: each entry `w` becomes
/// `round(w·65535 / max w)`, so the largest is 65 535. An all-zero row stays all zero.
///
/// Entries must be finite and non-negative (the replay validates them first); anything else
/// maps to 0.
pub fn max_upscale_u16(row: &[f64]) -> Vec<u16> {
    let max = row
        .iter()
        .copied()
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    row.iter()
        .map(|&w| {
            if max <= 0.0 || !(w.is_finite() && w > 0.0) {
                return 0;
            }
            // Multiply first (exact for u16-sized inputs, so halves round as on the chain);
            // divide first only if the product overflows.
            let mut u = w * 65535.0 / max;
            if !u.is_finite() {
                u = w / max * 65535.0;
            }
            u.round().min(65535.0) as u16
        })
        .collect()
}

/// A validator's weight row (one entry per miner) as a sparse row on miner uids
/// `first_miner + column`.
fn sparse_row(row: &[f64], first_miner: usize, zeros: ZeroWeights) -> SparseRow {
    max_upscale_u16(row)
        .into_iter()
        .enumerate()
        .filter(|(_, u)| *u != 0 || zeros == ZeroWeights::Submitted)
        .map(|(j, u)| ((first_miner + j) as u16, u))
        .collect()
}

// ---------------------------------------------------------------------------------- result

/// What one replayed epoch produced. Per-uid vectors are indexed by uid (validators first,
/// then miners); see [`ReplayResult`] for per-role views.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    /// The epoch's index in the replay (0-based).
    pub epoch: u32,
    /// Normalised stake `S`, per uid.
    pub stake: Vec<f64>,
    /// Consensus weight, per uid.
    pub consensus: Vec<f64>,
    /// Incentive, per uid.
    pub incentive: Vec<f64>,
    /// Dividends, per uid.
    pub dividends: Vec<f64>,
    /// Validator trust, per uid.
    pub validator_trust: Vec<f64>,
    /// Whether each uid held a validator permit in this epoch (every validator in epoch 0,
    /// then the permits the previous epoch wrote), per uid.
    pub permits: Vec<bool>,
    /// Stored bonds after the epoch, one row per validator, one column per miner, as the
    /// chain's u16 values (0 where there is no entry).
    pub bonds: Vec<Vec<u16>>,
}

impl EpochRecord {
    fn new(epoch: u32, out: &EpochOutput, permits: &[bool], v: usize, n: usize) -> EpochRecord {
        let bonds = (0..v)
            .map(|i| {
                let mut row = vec![0u16; n - v];
                for &(j, b) in out.bonds.get(i).map_or(&[][..], |r| r.as_slice()) {
                    if let Some(cell) = usize::from(j).checked_sub(v).and_then(|c| row.get_mut(c)) {
                        *cell = b;
                    }
                }
                row
            })
            .collect();
        EpochRecord {
            epoch,
            stake: out.stake.clone(),
            consensus: out.consensus.clone(),
            incentive: out.incentive.clone(),
            dividends: out.dividends.clone(),
            validator_trust: out.validator_trust.clone(),
            permits: permits.to_vec(),
            bonds,
        }
    }
}

/// Everything a replay produced, epoch by epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayResult {
    /// Validator names, by uid.
    pub validators: Vec<String>,
    /// Miner names; miner `j` is uid `validators.len() + j`.
    pub miners: Vec<String>,
    /// One record per epoch, in order.
    pub epochs: Vec<EpochRecord>,
}

impl ReplayResult {
    fn miner_slice<'a>(&self, v: &'a [f64]) -> &'a [f64] {
        &v[self.validators.len()..]
    }

    fn validator_slice<'a>(&self, v: &'a [f64]) -> &'a [f64] {
        &v[..self.validators.len()]
    }

    /// Consensus of each miner in epoch `e`.
    ///
    /// # Panics
    /// If there is no epoch `e`.
    pub fn consensus(&self, e: usize) -> &[f64] {
        self.miner_slice(&self.epochs[e].consensus)
    }

    /// Incentive of each miner in epoch `e`.
    ///
    /// # Panics
    /// If there is no epoch `e`.
    pub fn incentive(&self, e: usize) -> &[f64] {
        self.miner_slice(&self.epochs[e].incentive)
    }

    /// Dividends of each validator in epoch `e`.
    ///
    /// # Panics
    /// If there is no epoch `e`.
    pub fn dividends(&self, e: usize) -> &[f64] {
        self.validator_slice(&self.epochs[e].dividends)
    }

    /// Validator trust of each validator in epoch `e`.
    ///
    /// # Panics
    /// If there is no epoch `e`.
    pub fn validator_trust(&self, e: usize) -> &[f64] {
        self.validator_slice(&self.epochs[e].validator_trust)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Replay, ReplayErrors> {
        Replay::parse(text, "t.json", Format::Json)
    }

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .to_string()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn upscale_makes_the_largest_65535_and_rounds() {
        let cases: &[(&[f64], &[u16])] = &[
            (&[1.0, 0.0], &[65535, 0]),
            (&[32767.0, 0.0, 32767.0], &[65535, 0, 65535]),
            (&[0.5, 0.25], &[65535, 32768]), // 32767.5 rounds half away from zero
            (&[1.0, 6.0], &[10923, 65535]),  // 10922.5 exactly: multiply before dividing
            (&[0.0, 0.0], &[0, 0]),
            (&[], &[]),
            (&[1e-9, 1.0], &[0, 65535]),
            (&[1e304, 1e308], &[7, 65535]), // overflowing product: divide first
        ];
        for (row, want) in cases {
            assert_eq!(max_upscale_u16(row), *want, "{row:?}");
        }
    }

    #[test]
    fn zero_entries_follow_the_zero_weights_mode() {
        assert_eq!(
            sparse_row(&[0.0, 2.0], 3, ZeroWeights::Omitted),
            vec![(4, 65535)]
        );
        assert_eq!(
            sparse_row(&[0.0, 2.0], 3, ZeroWeights::Submitted),
            vec![(3, 0), (4, 65535)]
        );
    }

    const GOOD: &str = r#"{
        "yuma": {"version": "yuma3", "kappa": 0.5, "bonds_penalty": 1.0,
                 "bonds_moving_average": 0.975,
                 "liquid_alpha": {"alpha_low": 0.1, "alpha_high": 0.3, "steepness": 1000}},
        "validators": ["A", "B", "C"],
        "miners": ["M1", "M2"],
        "epochs": [
            {"stakes": [0.8, 0.1, 0.1], "weights": [[1, 0], [1, 0], [1, 0]]},
            {"weights": null},
            {"weights": [[0, 1], [0, 1], [0, 1]]}
        ],
        "bond_resets": [{"epoch": 2, "miner": "M1"}]
    }"#;

    #[test]
    fn a_good_file_validates_to_the_chain_values() {
        let r = parse(GOOD).unwrap();
        let p = r.params();
        assert_eq!(p.bonds.name(), "yuma3");
        assert_eq!(p.kappa, 32767);
        assert_eq!(p.bonds_penalty, 65535);
        assert_eq!(p.bonds_moving_average, 975_000);
        assert_eq!(p.max_allowed_validators, 64);
        assert_eq!(p.liquid_alpha_consensus, LiquidAlphaConsensus::Current);
        assert_eq!(
            p.liquid_alpha,
            Some(LiquidAlpha {
                alpha_low: 6553,
                alpha_high: 19660,
                steepness: 1000
            })
        );
        assert_eq!(r.epoch_count(), 3);
        assert_eq!(r.epochs[0].weights.as_ref().unwrap()[0], vec![(3, 65535)]);
        assert!(r.epochs[1].weights.is_none());
        assert_eq!(r.epochs[2].resets, vec![3]);
    }

    #[test]
    fn defaults_fill_an_absent_yuma_section() {
        let r = parse(r#"{"validators": ["A"], "miners": ["M"], "epochs": [{"stakes": [1]}]}"#)
            .unwrap();
        let p = r.params();
        assert_eq!(p.bonds.name(), "yuma3");
        assert_eq!((p.kappa, p.bonds_penalty), (32767, 65535));
        assert_eq!(p.bonds_moving_average, 900_000);
        assert_eq!(p.liquid_alpha, None);
    }

    #[test]
    fn run_carries_bonds_and_applies_resets() {
        let result = parse(GOOD).unwrap().run().unwrap();
        assert_eq!(result.epochs.len(), 3);
        // Epoch 1 keeps epoch 0's weights: bonds on M1 grow.
        assert!(result.epochs[1].bonds[0][0] > result.epochs[0].bonds[0][0]);
        // Epoch 2: M1's column was reset, and nobody weights M1 any more.
        assert!(result.epochs[2].bonds.iter().all(|row| row[0] == 0));
        assert_eq!(result.incentive(0), &[1.0, 0.0]);
        assert_eq!(result.dividends(0).len(), 3);
    }

    /// Validators A, B, C (stakes 1:1:1, then B's goes to 0 in epoch 1), miners M1, M2; A and B
    /// weight M1, C weights M2; κ = 0.3, so both miners have consensus 1; Yuma3, a = 0.1.
    const ZERO_STAKE: &str = r#"{
        "yuma": {"kappa": 0.3},
        "validators": ["A", "B", "C"], "miners": ["M1", "M2"],
        "epochs": [
            {"stakes": [1, 1, 1], "weights": [[1, 0], [1, 0], [0, 1]]},
            {"stakes": [1, 0, 1]},
            {}, {}
        ]
    }"#;

    #[test]
    fn a_validator_without_stake_loses_its_permit_the_epoch_after() {
        let r = parse(ZERO_STAKE).unwrap().run().unwrap();
        let close = |got: &[f64], want: [f64; 3], e: usize| {
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "epoch {e}: {got:?} vs {want:?}");
            }
        };
        let permits: Vec<[bool; 3]> = r
            .epochs
            .iter()
            .map(|e| [e.permits[0], e.permits[1], e.permits[2]])
            .collect();
        assert_eq!(
            permits,
            [
                [true; 3],
                [true; 3],
                [true, false, true],
                [true, false, true]
            ]
        );
        // Miners never hold a permit (no stake).
        assert!(r.epochs.iter().all(|e| !e.permits[3] && !e.permits[4]));
        // Epoch 0: every bond is 0.1 (a·1); M1's column is shared by A and B, so
        // t = (1/2·2/3, 1/2·2/3, 1·1/3) and D ∝ t·S = 1/3 each.
        close(r.dividends(0), [1.0 / 3.0; 3], 0);
        // Epoch 1: B still holds the permit it got in epoch 0, so its weights still make a
        // bond in M1's column, but with no stake it earns nothing: t = (1/4, 1/4, 1/2),
        // D ∝ (1/2·1/4, 0, 1/2·1/2). Its new permit is false, so its bonds are stored empty.
        close(r.dividends(1), [1.0 / 3.0, 0.0, 2.0 / 3.0], 1);
        assert!(r.epochs[1].bonds[1].iter().all(|b| *b == 0));
        // From epoch 2 its row is not used: A and C each own their miner's column.
        for e in 2..4 {
            close(r.dividends(e), [0.5, 0.0, 0.5], e);
            assert_eq!(r.epochs[e].bonds[0][0], r.epochs[e].bonds[2][1]);
            assert!(r.epochs[e].bonds[1].iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn a_stake_that_truncates_to_zero_loses_the_permit_too() {
        // 1 rao against 2·10¹⁰: 5·10⁻¹¹ of the stake, below I32F32's 2⁻³².
        let text = r#"{"validators": ["A", "B", "C"], "miners": ["M"],
            "epochs": [{"stakes": [1e10, 1, 1e10], "weights": [[1], [1], [1]]}, {}]}"#;
        let r = parse(text).unwrap().run().unwrap();
        assert_eq!(r.epochs[0].stake[1], 0.0);
        assert_eq!(r.epochs[1].permits[..3], [true, false, true]);
    }

    #[test]
    fn max_validators_keeps_the_top_k_stakes() {
        let text = r#"{"yuma": {"max_validators": 2},
            "validators": ["A", "B", "C"], "miners": ["M"],
            "epochs": [{"stakes": [3, 1, 2], "weights": [[1], [1], [1]]}, {}, {}]}"#;
        let r = parse(text).unwrap();
        assert_eq!(r.params().max_allowed_validators, 2);
        let r = r.run().unwrap();
        assert_eq!(r.epochs[0].permits[..3], [true, true, true]);
        for e in 1..3 {
            assert_eq!(r.epochs[e].permits[..3], [true, false, true]);
            assert_eq!(r.dividends(e)[1], 0.0);
        }
    }

    #[test]
    fn liquid_alpha_consensus_and_max_validators_are_validated() {
        let r = parse(
            r#"{"yuma": {"liquid_alpha_consensus": "auto"}, "validators": ["A"], "miners": ["M"],
                "epochs": [{"stakes": [1]}]}"#,
        )
        .unwrap();
        assert_eq!(
            r.params().liquid_alpha_consensus,
            LiquidAlphaConsensus::Auto
        );
        let got = problems(
            r#"{"yuma": {"max_validators": 0, "liquid_alpha_consensus": "max"},
                "validators": ["A"], "miners": ["M"], "epochs": [{"stakes": [1]}]}"#,
        );
        assert_eq!(
            got,
            [
                "t.json:1:29: `yuma.max_validators`: must be an integer in 1..=65535, got `0`",
                "t.json:1:58: `yuma.liquid_alpha_consensus`: must be one of `current`, `previous`, `auto`, got `max`",
            ]
        );
        let got = problems(
            r#"{"yuma": {"max_validators": 65536}, "validators": ["A"], "miners": ["M"],
                "epochs": [{"stakes": [1]}]}"#,
        );
        assert_eq!(
            got,
            ["t.json:1:29: `yuma.max_validators`: must be an integer in 1..=65535, got `65536`"]
        );
    }

    #[test]
    fn previous_consensus_mode_reads_the_last_epochs_consensus() {
        // With liquid alpha and β = 1, `auto` is `previous`: epoch 0 reads a zero consensus,
        // so its buying rate is the sigmoid at d = W^b = 1, not at d = 0 as with `current`.
        let run = |mode: &str| {
            let text = format!(
                r#"{{"yuma": {{"liquid_alpha": {{"alpha_low": 0.1, "alpha_high": 0.3}},
                    "liquid_alpha_consensus": "{mode}"}},
                    "validators": ["A"], "miners": ["M"],
                    "epochs": [{{"stakes": [1], "weights": [[1]]}}, {{}}]}}"#
            );
            parse(&text).unwrap().run().unwrap()
        };
        let (cur, auto) = (run("current"), run("auto"));
        let lo = f64::from(6553u16) / 65535.0;
        let hi = f64::from(19660u16) / 65535.0;
        let rate =
            |d: f64| crate::yuma::bonds::yuma3::liquid_alpha_rate(d, 0.0, 0.0, lo, hi, 1000.0);
        assert_eq!(cur.epochs[0].bonds[0][0], u16_proportion(rate(0.0)));
        assert_eq!(auto.epochs[0].bonds[0][0], u16_proportion(rate(1.0)));
        // Epoch 1: the stored consensus is 65535/65535 = 1, as this epoch's: same rate.
        assert_eq!(cur.epochs[0].consensus[1], 1.0);
    }

    #[test]
    fn every_problem_is_reported_with_path_and_value() {
        let text = r#"{
            "yuma": {"version": "yuma9", "kappa": 1.5, "bonds_moving_average": -0.1,
                     "liquid_alpha": {"alpha_low": 0.5, "alpha_high": 0.2, "steepness": 40000}},
            "validators": ["A", "B", "A"],
            "miners": ["M1", "B"],
            "epochs": [
                {"weights": [[1, 0], [1], [1, 0]]},
                {"stakes": [1, -5, 1], "weights": [[1, 0], [1, 0]]}
            ],
            "bond_resets": [{"epoch": 7, "miner": "M9"}]
        }"#;
        let got = problems(text);
        let want = [
            "t.json:2:33: `yuma.version`: must be one of `yuma2`, `yuma3`, got `yuma9`",
            "t.json:2:51: `yuma.kappa`: must be a fraction in [0, 1], got `1.5`",
            "t.json:2:80: `yuma.bonds_moving_average`: must be a fraction in [0, 1], got `-0.1`",
            "t.json:3:71: `yuma.liquid_alpha.alpha_high`: must be at least `alpha_low` (32767/65535), got `13107/65535`",
            "t.json:3:89: `yuma.liquid_alpha.steepness`: must be an integer in -32768..=32767, got `40000`",
            "t.json:4:38: `validators[2]`: must be unique, got `A` again (first at `validators[0]`)",
            "t.json:5:30: `miners[1]`: must be unique, got `B` again (first at `validators[1]`)",
            "t.json:7:17: `epochs[0].stakes`: must be given in the first epoch, got nothing",
            "t.json:7:38: `epochs[0].weights[1]`: must have 2 entries (one per miner), got 1",
            "t.json:8:32: `epochs[1].stakes[1]`: must be a finite number >= 0, got `-5`",
            "t.json:8:51: `epochs[1].weights`: must have 3 rows (one per validator), got 2",
            "t.json:10:39: `bond_resets[0].epoch`: must be an epoch index in 0..2, got `7`",
            "t.json:10:51: `bond_resets[0].miner`: must name one of the miners, got `M9`",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn stakes_are_bounded_by_the_supply_each_and_in_sum() {
        let got = problems(
            r#"{"validators": ["A", "B"], "miners": ["M"], "epochs": [{"stakes": [1e308, 1e308]}, {"stakes": [2e15, 2e16]}]}"#,
        );
        assert_eq!(
            got,
            [
                "t.json:1:68: `epochs[0].stakes[0]`: must be at most 21e15 (the 21 000 000 TAO supply in rao), got `1e308`",
                "t.json:1:75: `epochs[0].stakes[1]`: must be at most 21e15 (the 21 000 000 TAO supply in rao), got `1e308`",
                "t.json:1:95: `epochs[1].stakes`: must sum to at most 21e15 (the 21 000 000 TAO supply in rao), got `2.2e16`",
            ]
        );
        // The whole supply in rao is accepted.
        parse(
            r#"{"validators": ["A", "B"], "miners": ["M"], "epochs": [{"stakes": [1e15, 20e15]}]}"#,
        )
        .unwrap();
    }

    #[test]
    fn empty_lists_are_refused() {
        let got = problems(r#"{"validators": [], "miners": [], "epochs": []}"#);
        assert_eq!(
            got,
            [
                "t.json:1:16: `validators`: must name at least one validator, got none",
                "t.json:1:30: `miners`: must name at least one miner, got none",
                "t.json:1:44: `epochs`: must list at least one epoch, got none",
            ]
        );
    }

    #[test]
    fn parser_errors_carry_line_column_and_path() {
        let text =
            "{\"validators\": [\"A\"], \"miners\": [\"M\"],\n \"epochs\": [{\"stakes\": [\"x\"]}]}";
        let got = problems(text);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("t.json:2:"), "{got:?}");
        assert!(got[0].contains("`epochs[0].stakes[0]`"), "{got:?}");

        let got = problems(r#"{"validators": ["A"], "miners": ["M"], "epochs": [], "extra": 1}"#);
        assert!(got[0].contains("unknown field `extra`"), "{got:?}");

        let got = problems(r#"{"validators": ["A"], "miners": ["M"], "epochs": []} trailing"#);
        assert!(got[0].starts_with("t.json:1:"), "{got:?}");
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let got = problems(
            "{\"validators\": [\"A\\u0007\"], \"miners\": [\"M\"], \"epochs\": [], \"x\\n\": 1}",
        );
        assert!(got[0].contains(r"x\n"), "{got:?}");
        let got = problems(
            "{\"validators\": [\"A\\u0007\", \"A\\u0007\"], \"miners\": [\"M\"], \"epochs\": [{\"stakes\": [1, 1]}]}",
        );
        assert_eq!(
            got,
            [
                "t.json:1:28: `validators[1]`: must be unique, got `A\\u{7}` again (first at `validators[0]`)"
            ]
        );
    }

    #[test]
    fn yaml_is_read_through_the_yaml_module() {
        let text = "validators: [A]\nminers: [M]\nepochs:\n  - stakes: [1]\n    weights: [[1]]\n";
        let r = Replay::parse(text, "t.yaml", Format::Yaml).unwrap();
        assert_eq!(r.validators(), ["A"]);
        let err = Replay::parse(
            "validators: [A]\nminers: [M]\nepochs: [{stakes: [x]}]\n",
            "t.yaml",
            Format::Yaml,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("t.yaml:3:"), "{err}");
        assert!(err.contains("`epochs[0].stakes[0]`"), "{err}");
    }

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(Format::from_path(Path::new("a/b.JSON")), Format::Json);
        assert_eq!(Format::from_path(Path::new("a/b.yaml")), Format::Yaml);
        assert_eq!(Format::from_path(Path::new("b")), Format::Yaml);
    }
}
