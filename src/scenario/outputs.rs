//! `outputs:`: which of a run's big tables are collected, how often and for which subnets.
//!
//! ```yaml
//! outputs:
//!   neurons: {every: day, subnets: [sn1]}   # epoch (default) | day | never
//!   subnets: {every: never}
//! ```
//!
//! The summary, `windows.parquet` and the report are computed from every epoch whatever these
//! say: they only choose what is *written* to `neurons.parquet` (with `dim_neurons.parquet`)
//! and `subnets.parquet`. `never` writes the table with its columns and no rows. `day` keeps,
//! for each subnet, its first epoch of each day of the run (day `d`: blocks `d·7200 + 1` to
//! `(d + 1)·7200` after the genesis block), so one row per neuron (or subnet) per day; the
//! per-epoch amounts of such a row are that epoch's, not the day's sum.

use yumalab_agents::units::NetUid;

use super::SubnetSpec;
use super::reader::Reader;
use crate::yaml::{Node, Value};

/// The tables `outputs:` configures.
pub const TABLES: &[&str] = &["neurons", "subnets"];
/// A table's settings.
pub const TABLE: &[&str] = &["every", "subnets"];
/// Values of `every`.
pub const EVERY: &[&str] = &["epoch", "day", "never"];

/// How often a table gets rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Every {
    /// Every epoch (the default).
    #[default]
    Epoch,
    /// Each subnet's first epoch of each day.
    Day,
    /// No rows.
    Never,
}

impl Every {
    /// As written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Every::Epoch => "epoch",
            Every::Day => "day",
            Every::Never => "never",
        }
    }
}

/// One table's collection settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableOutput {
    /// How often.
    pub every: Every,
    /// Only these subnets (`None`: every subnet), sorted by netuid.
    pub subnets: Option<Vec<NetUid>>,
}

impl TableOutput {
    /// Whether every epoch of every subnet is written (the default).
    pub fn is_complete(&self) -> bool {
        self.every == Every::Epoch && self.subnets.is_none()
    }

    /// Whether the table takes a row of `netuid` at all.
    pub fn takes(&self, netuid: NetUid) -> bool {
        self.every != Every::Never && self.subnets.as_ref().is_none_or(|s| s.contains(&netuid))
    }
}

/// The scenario's `outputs:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs {
    /// `neurons.parquet` (and `dim_neurons.parquet`).
    pub neurons: TableOutput,
    /// `subnets.parquet`.
    pub subnets: TableOutput,
}

impl Outputs {
    /// File metadata describing settings other than the default (`outputs.TABLE` = `every`,
    /// `outputs.TABLE.subnets` = netuids, comma-separated); nothing for the default, so the
    /// files of a scenario without `outputs:` are as before.
    pub fn metadata(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, t) in [("neurons", &self.neurons), ("subnets", &self.subnets)] {
            if t.is_complete() {
                continue;
            }
            out.push((format!("outputs.{name}"), t.every.name().to_owned()));
            if let Some(s) = &t.subnets {
                let list: Vec<String> = s.iter().map(|n| n.0.to_string()).collect();
                out.push((format!("outputs.{name}.subnets"), list.join(",")));
            }
        }
        out
    }
}

/// Reads `outputs:` at `node` (path `outputs`); subnets are named as in `population`.
pub(crate) fn read_outputs(r: &mut Reader<'_>, node: &Node, subnets: &[SubnetSpec]) -> Outputs {
    let mut out = Outputs::default();
    let Some(f) = r.map(node, "outputs", TABLES) else {
        return out;
    };
    for (name, slot) in [("neurons", &mut out.neurons), ("subnets", &mut out.subnets)] {
        if let Some(n) = f.get(name) {
            *slot = read_table(r, n, &f.path_of(name), subnets);
        }
    }
    out
}

fn read_table(r: &mut Reader<'_>, node: &Node, path: &str, subnets: &[SubnetSpec]) -> TableOutput {
    let mut t = TableOutput::default();
    let Some(f) = r.map(node, path, TABLE) else {
        return t;
    };
    if let Some(n) = f.get("every") {
        t.every = match r.choice(n, &f.path_of("every"), EVERY) {
            Some("day") => Every::Day,
            Some("never") => Every::Never,
            _ => Every::Epoch,
        };
    }
    if let Some(n) = f.get("subnets") {
        let list_path = f.path_of("subnets");
        if !matches!(n.value, Value::Seq(_)) {
            r.problem(
                n,
                &list_path,
                format!(
                    "expected a list of subnet names (e.g. `[{}]`), got `{}`",
                    subnets.first().map_or("sn1", |s| s.name.as_str()),
                    n.show()
                ),
            );
            return t;
        }
        let items = r.seq(n, &list_path);
        if items.is_empty() {
            r.problem(
                n,
                &list_path,
                "must name at least one subnet (leave `subnets` out for every subnet, or write \
                 `every: never` for none)",
            );
        }
        let names: Vec<&str> = subnets.iter().map(|s| s.name.as_str()).collect();
        let mut chosen = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let p = format!("{list_path}[{k}]");
            let Some(name) = r.string(item, &p) else {
                continue;
            };
            match subnets.iter().find(|s| s.name == name) {
                Some(s) if chosen.contains(&s.netuid) => {
                    r.problem(item, &p, format!("subnet `{name}` is listed twice"));
                }
                Some(s) => chosen.push(s.netuid),
                None => r.problem(
                    item,
                    &p,
                    format!(
                        "no subnet named `{name}`; expected one of the scenario's subnets: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        chosen.sort();
        t.subnets = Some(chosen);
    }
    t
}
