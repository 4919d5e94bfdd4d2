//! `network:` — the world a scenario runs in — and how its subnets join it (`adopt:`).
//!
//! - a named world (`mainnet-2026-08`, [`crate::world::NAMED`]; [`DEFAULT_WORLD`] when
//!   `network:` is not written) or `{snapshot: FILE}` (a
//!   snapshot file, its path relative to the scenario file): the chain starts after the
//!   snapshot's block with the snapshot's subnets as **background subnets**
//!   ([`crate::world::background`]); the scenario's subnets join at genesis, either as new
//!   registrations ([`crate::world::register`]) or by `adopt:`ing a snapshot subnet
//!   ([`crate::world::adopt`]).
//! - `isolated`: the scenario's subnets alone, each created at genesis from its `pool`,
//!   netuids 1, 2, … in file order; the chain starts at block 0 (Yuma-level studies, the
//!   reproductions and the validation suite).
//!
//! The long form `{world: NAME, markets: …}` or `{snapshot: FILE, markets: …}` says whether the
//! background subnets' markets move (`markets: moving`, the default: [`crate::world::market`])
//! or stay `frozen` (prices move only by the chain's own flows).
//!
//! Which parameters win: the regime is the scenario's `regime` if written, else the
//! snapshot's; the snapshot's globals (`tao_weight`, `owner_cut`, `moving_alpha`, `gate`,
//! `subnet_limit`) are set on that regime's defaults; the scenario's `chain:` fields override
//! both. `chain.issuance` is refused: the snapshot's `total_issuance` sets the issuance.
//!
//! Times in the scenario (`duration`, `start_block`, owner changes, stakes at block 1) count
//! from the world's genesis: block 1 of the scenario is the snapshot's block + 1.
//!
//! `adopt` takes a netuid of the snapshot, `median`, or `pNN` (NN in 0..=100): the subnet at
//! that quantile of TAO reserve among the emitting subnets (started by the snapshot's block
//! and with emission enabled), ranked by TAO reserve ascending with ties to the lower netuid,
//! at rank round(q·(n − 1)) of n.

use std::path::Path;
use std::sync::Arc;

use yumalab_agents::units::NetUid;

use super::reader::{Reader, join};
use super::{Group, SubnetSpec};
use crate::chain::emission::TOTAL_SUPPLY;
use crate::chain::params::ChainParams;
use crate::replay::Format;
use crate::world::snapshot::rao_text;
use crate::world::{self, Join, Snapshot};
use crate::yaml::{Node, Value};

/// Reads a file a scenario names (a snapshot), by path: the caller decides how (the library
/// does no I/O; `yumalab` reads the disk). The error is a message for the problem.
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> Result<String, String>;

/// A [`ReadFile`] that reads nothing (for parsing without files).
pub fn no_files(path: &Path) -> Result<String, String> {
    Err(format!(
        "files are not read here (`{}`): parse with a file reader, as `yumalab` does",
        path.display()
    ))
}

/// The world a scenario runs in.
#[derive(Clone, Debug)]
pub enum Network {
    /// The scenario's subnets alone.
    Isolated,
    /// A snapshot's network around the scenario's subnets.
    Snapshot(SnapshotWorld),
}

/// A world built from a snapshot.
#[derive(Clone, Debug)]
pub struct SnapshotWorld {
    /// How the scenario names it: the world's name, or the snapshot file as written.
    pub name: String,
    /// The snapshot file: the named world's repository file, or the path read.
    pub file: String,
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
    /// Whether the background subnets' markets move.
    pub markets: Markets,
}

/// Whether a snapshot world's background markets move (`network.markets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Markets {
    /// Prices follow the fitted return processes ([`crate::world::market`]).
    #[default]
    Moving,
    /// No market party: prices move only by the chain's own flows.
    Frozen,
}

impl Markets {
    /// The names `network.markets` accepts, in the order of the variants.
    pub const NAMES: &'static [&'static str] = &["moving", "frozen"];

    /// `moving` or `frozen`.
    pub fn name(self) -> &'static str {
        match self {
            Markets::Moving => "moving",
            Markets::Frozen => "frozen",
        }
    }
}

impl Network {
    /// `isolated`, the world's name, or `snapshot FILE`.
    pub fn name(&self) -> String {
        match self {
            Network::Isolated => "isolated".into(),
            Network::Snapshot(w) => {
                let name = if world::named(&w.name).is_some() {
                    w.name.clone()
                } else {
                    format!("snapshot {}", w.name)
                };
                match w.markets {
                    Markets::Moving => name,
                    Markets::Frozen => format!("{name} (markets frozen)"),
                }
            }
        }
    }

    /// The snapshot, if any.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match self {
            Network::Isolated => None,
            Network::Snapshot(w) => Some(&w.snapshot),
        }
    }

    /// The chain's block at genesis: 0, or the snapshot's block (the scenario's block 1 is the
    /// one after it).
    pub fn genesis_block(&self) -> u64 {
        self.snapshot().map_or(0, |s| s.block)
    }
}

/// The world of a scenario that does not write `network:`: the real network as of the newest
/// calibration snapshot.
pub const DEFAULT_WORLD: &str = "mainnet-2026-08";

/// The scenario's `network` field. `None`: the world named could not be read (the problems
/// are recorded); world-dependent checks are then skipped.
pub(super) fn read_network(
    r: &mut Reader<'_>,
    node: Option<&Node>,
    file: &str,
    read: ReadFile<'_>,
) -> Option<Network> {
    let Some(n) = node else {
        let (file, snapshot) = world::named(DEFAULT_WORLD)?;
        return Some(Network::Snapshot(SnapshotWorld {
            name: DEFAULT_WORLD.to_owned(),
            file: file.to_owned(),
            snapshot: Arc::new(snapshot.clone()),
            markets: Markets::Moving,
        }));
    };
    let names: Vec<&str> = std::iter::once("isolated")
        .chain(world::NAMED.iter().map(|(n, _)| *n))
        .collect();
    let expected = format!(
        "{}, `{{world: NAME, markets: moving|frozen}}` or `{{snapshot: FILE, markets: moving|frozen}}`",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &n.value {
        Value::Str(s) if s == "isolated" => Some(Network::Isolated),
        Value::Str(s) => named_world(r, n, s, "network", &names, &expected, Markets::Moving),
        Value::Map(_) => {
            let f = r.map(n, "network", &["world", "snapshot", "markets"])?;
            let markets = match f.get("markets") {
                None => Some(Markets::Moving),
                Some(m) => match r.choice(m, "network.markets", Markets::NAMES) {
                    Some("frozen") => Some(Markets::Frozen),
                    Some(_) => Some(Markets::Moving),
                    None => {
                        r.problems.last_mut().expect("just recorded").message += " (`moving`: the background subnets' prices follow the fitted 2025 return processes; `frozen`: they move only by the chain's own flows)";
                        None
                    }
                },
            };
            let (world_at, snapshot_at) = (f.get("world"), f.get("snapshot"));
            let world = match (world_at, snapshot_at) {
                (Some(_), Some(s)) => {
                    r.problem(
                        s,
                        "network.snapshot",
                        "cannot be given with `network.world`: name a shipped world or a snapshot file, not both",
                    );
                    return None;
                }
                (None, None) => {
                    r.problem(
                        n,
                        "network",
                        format!("missing `world` or `snapshot`; expected {expected}"),
                    );
                    return None;
                }
                (Some(w), None) => match &w.value {
                    Value::Str(s) if s == "isolated" => {
                        r.problem(
                            w,
                            "network.world",
                            "`isolated` has no background subnets (nor markets): write `network: isolated`",
                        );
                        return None;
                    }
                    Value::Str(s) => {
                        let named: Vec<&str> = names[1..].to_vec();
                        named_world(r, w, s, "network.world", &named, &expected, Markets::Moving)
                    }
                    _ => {
                        r.problem(
                            w,
                            "network.world",
                            format!(
                                "must be a world's name, got `{}`; expected {expected}",
                                w.show()
                            ),
                        );
                        None
                    }
                },
                (None, Some(at)) => snapshot_file(r, at, file, read),
            };
            let (mut world, markets) = (world?, markets?);
            if let Network::Snapshot(w) = &mut world {
                w.markets = markets;
            }
            Some(world)
        }
        _ => {
            r.problem(
                n,
                "network",
                format!("must be {expected}, got `{}`", n.show()),
            );
            None
        }
    }
}

/// A world shipped with yumalab, by name (`network` or `network.world`).
fn named_world(
    r: &mut Reader<'_>,
    n: &Node,
    s: &str,
    path: &str,
    names: &[&str],
    expected: &str,
    markets: Markets,
) -> Option<Network> {
    match world::named(s) {
        Some((file, snapshot)) => Some(Network::Snapshot(SnapshotWorld {
            name: s.to_owned(),
            file: file.to_owned(),
            snapshot: Arc::new(snapshot.clone()),
            markets,
        })),
        None => {
            r.choice(n, path, names);
            r.problems.last_mut().expect("just recorded").message +=
                &format!(" (a world is one of {expected})");
            None
        }
    }
}

/// `network.snapshot`: a snapshot file, its path relative to the scenario file.
fn snapshot_file(r: &mut Reader<'_>, at: &Node, file: &str, read: ReadFile<'_>) -> Option<Network> {
    let written = r.string(at, "network.snapshot")?;
    let path = Path::new(file)
        .parent()
        .unwrap_or(Path::new(""))
        .join(&written);
    let shown = path.display().to_string();
    let text = match read(&path) {
        Ok(t) => t,
        Err(e) => {
            r.problem(
                at,
                "network.snapshot",
                format!(
                    "cannot read the snapshot file `{shown}` (relative to the scenario file): {e}"
                ),
            );
            return None;
        }
    };
    match Snapshot::parse(&text, &shown, Format::from_path(&path)) {
        Ok(snapshot) => Some(Network::Snapshot(SnapshotWorld {
            name: written,
            file: shown,
            snapshot: Arc::new(snapshot),
            markets: Markets::Moving,
        })),
        Err(problems) => {
            r.problem(
                at,
                "network.snapshot",
                format!(
                    "the snapshot file `{shown}` is invalid ({} problem(s), listed with its own positions)",
                    problems.0.len()
                ),
            );
            r.problems.extend(problems.0);
            None
        }
    }
}

/// The node of a mapping's field, if the node is a mapping and has it.
fn field<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.key_text() == name)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The emitting subnets of a snapshot (started by its block, emission enabled), ranked by
/// TAO reserve ascending, ties to the lower netuid.
pub fn emitting_by_reserve(snapshot: &Snapshot) -> Vec<NetUid> {
    let mut v: Vec<(u64, NetUid)> = snapshot
        .subnets
        .iter()
        .filter(|s| {
            s.emission_enabled && s.first_emission_block.is_some_and(|f| f <= snapshot.block)
        })
        .map(|s| (s.tao_reserve, s.netuid))
        .collect();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

/// The subnet `adopt: median` / `pNN` picks: quantile `q` of [`emitting_by_reserve`], at rank
/// round(q·(n − 1)); `None` if nothing emits.
pub fn quantile_subnet(snapshot: &Snapshot, q: f64) -> Option<NetUid> {
    let ranked = emitting_by_reserve(snapshot);
    let n = ranked.len();
    (n > 0).then(|| ranked[((q * (n - 1) as f64).round() as usize).min(n - 1)])
}

/// `a..=b` ranges of sorted netuids, for messages.
fn ranges(netuids: &[NetUid]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while k < netuids.len() {
        let start = netuids[k].0;
        let mut end = start;
        while k + 1 < netuids.len() && netuids[k + 1].0 == end + 1 {
            k += 1;
            end += 1;
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}..={end}")
        });
        k += 1;
    }
    out.join(", ")
}

/// Reads each subnet's `adopt` against the world, plans how the subnets join it and fills in
/// their netuids and genesis pools; refuses `adopt` (and `pool` / `start_block` where they do
/// not apply) with their positions. `network` is `None` when the world could not be read.
pub(super) fn join_subnets(
    r: &mut Reader<'_>,
    network: Option<&Network>,
    subnets_node: Option<&Node>,
    chain: &ChainParams,
    subnets: &mut [SubnetSpec],
) {
    let items: &[Node] = match subnets_node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    };
    // Items and subnets line up unless a subnet did not read (its problems are reported).
    let aligned = items.len() == subnets.len();
    let Some(network) = network else {
        return;
    };
    let Network::Snapshot(w) = network else {
        for (k, item) in items.iter().enumerate() {
            for name in ["adopt", "stakers", "market"] {
                if let Some(a) = field(item, name) {
                    r.problem(
                        a,
                        &format!("subnets[{k}].{name}"),
                        "needs a snapshot world to adopt from: give `network: mainnet-2026-08` or `network: {snapshot: FILE}`",
                    );
                }
            }
        }
        return;
    };
    if !aligned {
        return;
    }
    let snapshot = &w.snapshot;
    let netuids: Vec<NetUid> = snapshot.subnets.iter().map(|s| s.netuid).collect();
    let mut joins = Vec::with_capacity(items.len());
    let mut ok = true;
    let mut taken: Vec<(NetUid, usize)> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let path = format!("subnets[{k}]");
        if let Some(m) = field(item, "market")
            && w.markets == Markets::Frozen
            && m.value == Value::Str("moving".into())
        {
            r.problem(
                m,
                &join(&path, "market"),
                "cannot be `moving` in a world whose markets are frozen (`network.markets: frozen`): drop one of the two",
            );
        }
        let Some(a) = field(item, "adopt").filter(|a| a.value != Value::Null) else {
            for (name, why) in [
                ("stakers", "the snapshot holders' stake"),
                ("market", "the market trades the snapshot holders' alpha"),
            ] {
                if let Some(p) = field(item, name) {
                    r.problem(
                        p,
                        &join(&path, name),
                        format!("applies to an adopted subnet only ({why}); a new registration has no holders: give `adopt` or drop `{name}`"),
                    );
                    ok = false;
                }
            }
            if let Some(p) = field(item, "pool") {
                r.problem(
                    p,
                    &join(&path, "pool"),
                    format!(
                        "cannot be given in a snapshot world (`{}`): a new subnet's pool is the chain's registration, the lock at the median price (§8.3, §6.5); give `adopt` to start from an existing subnet's pool, or `network: isolated`",
                        network.name()
                    ),
                );
                ok = false;
            }
            joins.push(Join::Register);
            continue;
        };
        let apath = join(&path, "adopt");
        let picked = match &a.value {
            Value::Int(0) => {
                r.problem(
                    a,
                    &apath,
                    "netuid 0 is root, which cannot be adopted; expected a subnet's netuid, `median` or `pNN`",
                );
                None
            }
            Value::Int(n) => match netuids.iter().find(|x| i128::from(x.0) == *n) {
                Some(x) => Some(*x),
                None => {
                    r.problem(
                        a,
                        &apath,
                        format!(
                            "the snapshot `{}` has no netuid {n}; expected one of {}, `median` or `pNN`",
                            w.file,
                            ranges(&netuids)
                        ),
                    );
                    None
                }
            },
            Value::Str(s) => {
                let q = match s.as_str() {
                    "median" => Some(0.5),
                    _ => s
                        .strip_prefix('p')
                        .and_then(|d| d.parse::<u8>().ok())
                        .filter(|d| *d <= 100 && s.len() > 1 && !s[1..].starts_with('+'))
                        .map(|d| f64::from(d) / 100.0),
                };
                match q {
                    Some(q) => {
                        let picked = quantile_subnet(snapshot, q);
                        if picked.is_none() {
                            r.problem(
                                a,
                                &apath,
                                format!(
                                    "the snapshot `{}` has no emitting subnet to take a quantile of",
                                    w.file
                                ),
                            );
                        }
                        picked
                    }
                    None => {
                        r.problem(
                            a,
                            &apath,
                            format!(
                                "must be a netuid of the snapshot, `median` or `pNN` (a percentile, 0..=100), got `{s}`"
                            ),
                        );
                        None
                    }
                }
            }
            _ => {
                r.problem(
                    a,
                    &apath,
                    format!(
                        "must be a netuid of the snapshot, `median` or `pNN` (a percentile, 0..=100), got `{}`",
                        a.show()
                    ),
                );
                None
            }
        };
        for name in ["pool", "start_block"] {
            if let Some(p) = field(item, name) {
                r.problem(
                    p,
                    &join(&path, name),
                    format!(
                        "cannot be given with `adopt`: the adopted subnet keeps the snapshot's {}",
                        if name == "pool" {
                            "pool and prices"
                        } else {
                            "first emission block"
                        }
                    ),
                );
                ok = false;
            }
        }
        match picked {
            Some(n) => {
                if let Some((_, first)) = taken.iter().find(|(t, _)| *t == n) {
                    r.problem(
                        a,
                        &apath,
                        format!(
                            "netuid {} is adopted twice (also by subnets[{first}] `{}`); each snapshot subnet can be adopted once",
                            n.0, subnets[*first].name
                        ),
                    );
                    ok = false;
                } else {
                    taken.push((n, k));
                }
                joins.push(Join::Adopt(n));
            }
            None => {
                ok = false;
                joins.push(Join::Register);
            }
        }
    }
    if !ok {
        return;
    }
    let planned = match world::plan(snapshot, chain.clone(), &joins) {
        Ok(p) => p,
        Err(e) => {
            r.problem(
                subnets_node.unwrap_or(&items[0]),
                "network",
                format!("the world does not build: {e}"),
            );
            return;
        }
    };
    for (k, (spec, p)) in subnets.iter_mut().zip(planned).enumerate() {
        match p {
            Ok(p) => {
                spec.netuid = p.netuid;
                spec.pool_tao = p.tao_reserve;
                spec.pool_price = p.price;
                spec.lock = p.lock;
                spec.pruned = p.pruned;
                if let Join::Adopt(n) = joins[k] {
                    let written = field(&items[k], "adopt").map_or(String::new(), Node::show);
                    spec.adopt = Some((n, written));
                    // The adopted subnet's own start (or none) replaces the default.
                    spec.start_block = None;
                }
            }
            Err(e) => r.problem(
                &items[k],
                &format!("subnets[{k}]"),
                format!("cannot join the world as a new subnet at genesis: {e}"),
            ),
        }
    }
}

/// In a snapshot world, the scenario's genesis TAO (balances and new subnets' locks) on top of
/// the snapshot's issuance must stay within the supply.
pub(super) fn check_supply(
    r: &mut Reader<'_>,
    network: Option<&Network>,
    at: &Node,
    subnets: &[SubnetSpec],
    population: &[Group],
) {
    let Some(snapshot) = network.and_then(Network::snapshot) else {
        return;
    };
    let balances: u128 = subnets
        .iter()
        .map(|s| u128::from(s.owner_balance))
        .chain(
            population
                .iter()
                .map(|g| u128::from(g.balance) * u128::from(g.count)),
        )
        .sum();
    let locks: u128 = subnets.iter().map(|s| u128::from(s.lock)).sum();
    let total = u128::from(snapshot.globals.total_issuance) + balances + locks;
    if total > u128::from(TOTAL_SUPPLY) {
        r.problem(
            at,
            "network",
            format!(
                "the snapshot's total_issuance ({} TAO) plus the scenario's genesis TAO ({} TAO of balances, {} TAO of new subnets' locks) is {} TAO; expected at most the supply, 21 000 000 TAO",
                rao_text(u128::from(snapshot.globals.total_issuance)),
                rao_text(balances),
                rao_text(locks),
                rao_text(total)
            ),
        );
    }
}
