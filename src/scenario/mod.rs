//! Scenarios: a YAML file describing a network, its subnets and mechanisms, the people who
//! show up (agent groups), how long to run, and what to vary in a sweep.
//!
//! `ScenarioFile` text → located tree ([`crate::yaml::parse_tree`]) → overrides applied
//! (`--set path=value`, sweep points) → [`Scenario::from_tree`], which checks every field and
//! reports **every** problem at once ([`Problems`]) → [`Scenario::build`] into a
//! [`crate::engine::SimulationBuilder`].
//!
//! The format is documented field by field in `scenarios/README.md`; `yumalab schema` prints
//! a JSON Schema for editors.

pub mod network;
pub mod outputs;
mod python;
pub mod reader;
pub mod schema;
pub mod stakes;
pub mod units;

use crate::chain::emission::TOTAL_SUPPLY;
use crate::chain::params::{ChainParams, EpochConsensus, Regime, SubnetParams};
use crate::yaml::{Node, Value};
use crate::yuma::bonds;
use crate::yuma::fixed::u16_proportion;
use crate::yuma::{LiquidAlpha, LiquidAlphaConsensus, YumaParams};
pub use network::{Network, ReadFile, SnapshotWorld, no_files};
pub use reader::{Problem, Problems};
use reader::{Reader, join};
pub use stakes::StakeDistribution;
pub use units::{Costs, PricePath, TaoUsd};
use yumalab_agents::mechanism::Mechanism;
use yumalab_agents::units::NetUid;

/// Rao per TAO.
const TAO: f64 = 1e9;
/// Blocks per day at 12 s blocks.
pub const BLOCKS_PER_DAY: u64 = 7200;

/// Behaviours a population group may have.
pub const KINDS: &[&str] = &[
    "honest-miner",
    "copying-miner",
    "sybil-miner",
    "colluding-miner",
    "honest-validator",
    "lazy-validator",
    "weight-copier",
    "colluding-validator",
    "speculator",
    "root-staker",
    "scripted-validator",
    "scripted-miner",
    "python",
];

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name (used for output directories).
    pub name: String,
    /// The question the scenario answers.
    pub description: String,
    /// Master seed: every random stream derives from it and a stable id.
    pub seed: u64,
    /// The world it runs in ([`network`]).
    pub network: Network,
    /// The regime the chain rules come from.
    pub regime: Regime,
    /// Chain parameters (regime defaults plus overrides).
    pub chain: ChainParams,
    /// How many blocks to run.
    pub blocks: u64,
    /// TAO (rao) issued before the simulation and held outside it (isolated; a snapshot
    /// world's is its own).
    pub external_issuance: u64,
    /// Subnets, in file order (isolated: netuids 1, 2, …; see [`SubnetSpec::netuid`]).
    pub subnets: Vec<SubnetSpec>,
    /// Agent groups.
    pub population: Vec<Group>,
    /// The sweep, if any.
    pub sweep: Option<Sweep>,
    /// TAO's price in USD ([`units`]), for the reports only: the engine never sees it.
    pub tao_usd: Option<TaoUsd>,
    /// Which big tables a run writes, how often, for which subnets ([`outputs`]).
    pub outputs: outputs::Outputs,
}

/// One subnet of a scenario.
#[derive(Clone, Debug)]
pub struct SubnetSpec {
    /// Its name (groups refer to it).
    pub name: String,
    /// Its netuid at genesis: its position + 1 when isolated; in a snapshot world the adopted
    /// netuid or the one its registration takes ([`crate::world::plan`]).
    pub netuid: NetUid,
    /// In a snapshot world, the snapshot netuid it adopts and how `adopt` was written
    /// (`64`, `median`, `p25`); `None`: created (isolated) or registered (world).
    pub adopt: Option<(NetUid, String)>,
    /// In a snapshot world, the lock of its registration (genesis TAO seeding its pool), rao;
    /// 0 otherwise.
    pub lock: u64,
    /// In a snapshot world, the subnet its registration pruned at the subnet limit.
    pub pruned: Option<NetUid>,
    /// On an adopted subnet, what the snapshot holders' stake (less the population's genesis
    /// stakes) does ([`Stakers`]).
    pub stakers: Stakers,
    /// On an adopted subnet, whether the world's market trades it as a background subnet's
    /// (`market: moving`; `still`, the default: only the scenario's agents and the chain move
    /// its price), [`crate::world::market::list`].
    pub market_moving: bool,
    /// Hyperparameters.
    pub params: SubnetParams,
    /// First block with emission (`None`: never started).
    pub start_block: Option<u64>,
    /// Number of evaluation environments miners are scored on.
    pub environments: usize,
    /// How validators turn observed work into weights.
    pub mechanism: Mechanism,
    /// The unit of the value the subnet produces (for reports).
    pub value_unit: String,
    /// Value produced per tempo by a miner serving quality 1 (linear in quality).
    pub value_per_quality: f64,
    /// What one value unit is worth in USD (`value_usd`), for reports; `None`: not priced.
    pub value_usd: Option<f64>,
    /// Initial pool TAO reserve, rao (in a snapshot world: the adopted or registered pool's).
    pub pool_tao: u64,
    /// Initial pool price, TAO per alpha (in a snapshot world: its genesis spot price).
    pub pool_price: f64,
    /// The owner's free TAO at genesis, rao.
    pub owner_balance: u64,
    /// Miner hotkeys the owner runs itself (their incentive is burned by the chain).
    pub owner_miners: u32,
    /// The owner's behaviour parameters (`subnet-owner`), when it runs miners.
    pub owner_params: serde_json::Value,
    /// Hyperparameter changes the owner makes, by block.
    pub owner_changes: Vec<(u64, yumalab_agents::Hyperparameter)>,
}

/// What the stake of an adopted subnet's holders does (`stakers:`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stakers {
    /// Nominated to the scenario's validators on the subnet, in proportion to their genesis
    /// stakes (equally if none has any), as delegators stake on chain: the validators' stake
    /// weight is the subnet's, and its dividends are shared with the nominators after the
    /// validators' take.
    #[default]
    Delegate,
    /// Held by the unregistered `snN-stakers` hotkey: it takes no part in epochs and earns
    /// nothing, so the scenario's validators take every dividend.
    Passive,
}

/// A group of agents with one behaviour.
#[derive(Clone, Debug)]
pub struct Group {
    /// The group's name (unique).
    pub name: String,
    /// The behaviour (one of [`KINDS`]).
    pub kind: String,
    /// `kind: python`: the class (`module:Class`) its agents are instances of, resolved by
    /// the Python package before a run ([`python`]); `None` for the built-in kinds.
    pub class: Option<yumalab_agents::external::ExternalAgent>,
    /// Index into [`Scenario::subnets`].
    pub subnet: usize,
    /// How many agents.
    pub count: u32,
    /// Hotkeys per agent (sybil operators run several).
    pub hotkeys: u32,
    /// Free TAO per agent at genesis, rao.
    pub balance: u64,
    /// TAO each agent stakes to its own (first) hotkey on its subnet at block 1, rao.
    pub stake: u64,
    /// TAO each agent stakes to its own hotkey on root at block 1, rao.
    pub root_stake: u64,
    /// Alpha each agent holds staked to its own (first) hotkey at genesis, rao: minted with the
    /// subnet, no swap (for exact stake ratios, e.g. the chain's test cases).
    pub genesis_stake: u64,
    /// How `count × genesis_stake` is split among the agents ([`stakes`]).
    pub stake_distribution: StakeDistribution,
    /// Each agent's genesis stake, rao (`count` entries, summing to `count × genesis_stake`;
    /// all equal unless `stake_distribution` says otherwise).
    pub genesis_stakes: Vec<u64>,
    /// Off-chain costs per agent per day, in USD and TAO ([`units`]): converted and charged
    /// by the analysis, not the engine.
    pub costs: Costs,
    /// Whether the agents' hotkeys register at block 1.
    pub register: bool,
    /// The cartel a colluding agent belongs to.
    pub cartel: Option<String>,
    /// Behaviour parameters, as written (checked by [`Scenario::from_tree`] against the
    /// behaviour's parameter type).
    pub params: serde_json::Value,
    /// When dormant agents join (`None`: they start in).
    pub entry: Option<yumalab_agents::behaviours::dynamic::Entry>,
    /// When active agents leave (`None`: never).
    pub exit: Option<yumalab_agents::behaviours::dynamic::Exit>,
}

/// What a sweep varies (read by [`crate::experiment::spec::read`]).
pub use crate::experiment::spec::Sweep;

impl Scenario {
    /// Reads and checks a scenario from text. `file` names it in problems.
    ///
    /// # Errors
    /// Every problem found.
    pub fn parse(
        text: &str,
        file: &str,
        overrides: &[(String, String)],
    ) -> Result<Scenario, Problems> {
        Scenario::parse_with(text, file, overrides, &no_files)
    }

    /// [`Scenario::parse`], reading the files the scenario names (a snapshot) with `read`.
    ///
    /// # Errors
    /// Every problem found, the snapshot file's with its own positions.
    pub fn parse_with(
        text: &str,
        file: &str,
        overrides: &[(String, String)],
        read: ReadFile<'_>,
    ) -> Result<Scenario, Problems> {
        let mut tree = crate::yaml::parse_tree(text).map_err(|e| {
            Problems(vec![Problem {
                file: file.into(),
                line: e.line,
                column: e.column,
                path: String::new(),
                message: e.message,
            }])
        })?;
        let mut problems = Vec::new();
        for (path, value) in overrides {
            if let Err(message) = set_path(
                &mut tree,
                path,
                Node::detached(crate::yaml::parse_scalar(value)),
            ) {
                problems.push(Problem {
                    file: file.into(),
                    line: 0,
                    column: 0,
                    path: path.clone(),
                    message: format!("--set: {message}"),
                });
            }
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        Scenario::from_tree_with(&tree, file, read).map_err(|mut e| {
            // Only `--set` values have no place in the file.
            for p in e.0.iter_mut().filter(|p| p.line == 0) {
                p.message.push_str(" (a `--set` value)");
            }
            e
        })
    }

    /// Checks a located tree (a snapshot file it names is not read: see
    /// [`Scenario::from_tree_with`]).
    ///
    /// # Errors
    /// Every problem found.
    pub fn from_tree(tree: &Node, file: &str) -> Result<Scenario, Problems> {
        Scenario::from_tree_with(tree, file, &no_files)
    }

    /// Checks a located tree, reading the files it names with `read`.
    ///
    /// # Errors
    /// Every problem found: the scenario's in file order, then a snapshot file's.
    pub fn from_tree_with(
        tree: &Node,
        file: &str,
        read: ReadFile<'_>,
    ) -> Result<Scenario, Problems> {
        let mut r = Reader::new(file);
        let scenario = read_scenario(&mut r, tree, file, read);
        match scenario {
            Some(s) if r.problems.is_empty() => Ok(s),
            _ => {
                r.problems
                    .sort_by_key(|p| (p.file != file, p.line == 0, p.line, p.column));
                Err(Problems(r.problems))
            }
        }
    }
}

/// Splits a `--set PATH=VALUE` argument at its first `=` (both sides trimmed); the value is
/// read by [`crate::yaml::parse_scalar`] when it is applied.
///
/// # Errors
/// No `=`, or an empty path.
pub fn parse_override(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(p, v)| (p.trim().to_owned(), v.trim().to_owned()))
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| format!("expected PATH=VALUE, got `{s}`"))
}

/// Replaces the value at `path` (`subnets[0].yuma.kappa`, `population[copiers].count`) in
/// the tree, creating missing mapping fields. A `[name]` index selects the list item whose
/// `name` or `group` field is `name`.
///
/// # Errors
/// Why the path does not lead anywhere.
pub fn set_path(tree: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let mut node = tree;
    let segments = parse_path(path)?;
    for (k, seg) in segments.iter().enumerate() {
        let last = k + 1 == segments.len();
        node = match seg {
            Segment::Field(name) => {
                if node.value == Value::Null {
                    node.value = Value::Map(Vec::new());
                }
                let Value::Map(entries) = &mut node.value else {
                    return Err(format!("`{name}` is inside a value that is not a mapping"));
                };
                let pos = entries.iter().position(|(key, _)| key.key_text() == *name);
                let pos = match pos {
                    Some(p) => p,
                    None => {
                        entries.push((
                            Node::detached(Value::Str(name.clone())),
                            Node::detached(Value::Null),
                        ));
                        entries.len() - 1
                    }
                };
                &mut entries[pos].1
            }
            Segment::Index(i) => {
                let Value::Seq(items) = &mut node.value else {
                    return Err(format!("`[{i}]` indexes a value that is not a list"));
                };
                let n = items.len();
                items.get_mut(*i).ok_or(format!(
                    "index {i} is out of range (the list has {n} items)"
                ))?
            }
            Segment::Named(name) => {
                let Value::Seq(items) = &mut node.value else {
                    return Err(format!("`[{name}]` indexes a value that is not a list"));
                };
                let found = items.iter().position(|item| match &item.value {
                    Value::Map(e) => e.iter().any(|(k, v)| {
                        matches!(k.key_text().as_str(), "name" | "group")
                            && v.value == Value::Str(name.clone())
                    }),
                    _ => false,
                });
                let i = found.ok_or(format!("no item named `{name}`"))?;
                &mut items[i]
            }
        };
        if last {
            *node = value;
            return Ok(());
        }
    }
    Err("empty path".into())
}

enum Segment {
    Field(String),
    Index(usize),
    Named(String),
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (field, rest) = part
            .split_once('[')
            .map_or((part, None), |(f, r)| (f, Some(r)));
        if !field.is_empty() {
            out.push(Segment::Field(field.to_owned()));
        }
        let mut rest = rest.map(|r| format!("[{r}"));
        while let Some(r) = rest {
            let r = r.strip_prefix('[').ok_or(format!("bad path `{path}`"))?;
            let (inside, after) = r
                .split_once(']')
                .ok_or(format!("bad path `{path}`: missing `]`"))?;
            out.push(match inside.parse::<usize>() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Named(inside.to_owned()),
            });
            rest = (!after.is_empty()).then(|| after.to_owned());
        }
    }
    if out.is_empty() {
        return Err("empty path".into());
    }
    Ok(out)
}

pub(crate) const TOP: &[&str] = &[
    "name",
    "description",
    "seed",
    "network",
    "regime",
    "duration",
    "chain",
    "subnets",
    "population",
    "sweep",
    "tao_usd",
    "outputs",
];

fn read_scenario(
    r: &mut Reader<'_>,
    tree: &Node,
    file: &str,
    read: ReadFile<'_>,
) -> Option<Scenario> {
    let f = r.map(tree, "", TOP)?;
    let name = r
        .required(&f, "name")
        .and_then(|n| r.string(n, "name"))
        .unwrap_or_default();
    if !name.is_empty()
        && !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        r.problem(
            f.get("name").expect("present"),
            "name",
            format!("must use only letters, digits, `-` and `_`, got `{name}`"),
        );
    }
    let description = r
        .required(&f, "description")
        .and_then(|n| r.string(n, "description"))
        .unwrap_or_default();
    let seed = r.integer_or(&f, "seed", 0, 0, u64::MAX);
    // The world first: a snapshot's regime and globals are the chain's starting point.
    let network = network::read_network(r, f.get("network"), file, read);
    let snapshot = network.as_ref().and_then(Network::snapshot);
    let regime_names: Vec<&str> = Regime::ALL.iter().map(|(_, n)| *n).collect();
    let regime = f
        .get("regime")
        .and_then(|n| r.choice(n, "regime", &regime_names))
        .and_then(Regime::from_name)
        .or(snapshot.map(|s| s.regime))
        .unwrap_or(Regime::Y2026_10);
    let mut chain = ChainParams::for_regime(regime);
    if let Some(s) = snapshot {
        s.apply_globals(&mut chain);
    }
    let mut external_issuance = 0;
    if let Some(n) = f.get("chain") {
        external_issuance = read_chain(r, n, &mut chain);
        if let (Some(_), Some(i)) = (snapshot, field(n, "issuance")) {
            r.problem(
                i,
                "chain.issuance",
                "cannot be given in a snapshot world: the snapshot's `globals.total_issuance` sets the issuance",
            );
        }
    }
    let blocks = match r.required(&f, "duration") {
        Some(n) => read_duration(r, n, "duration"),
        None => 0,
    };
    let mut subnets = Vec::new();
    // The list item each subnet and group was read from (an item that did not read as a
    // mapping has no entry, so indices can differ from positions).
    let mut subnet_items = Vec::new();
    if let Some(n) = r.required(&f, "subnets") {
        for (k, item) in r.seq(n, "subnets").iter().enumerate() {
            let fee = chain.tx_fees.map(|f| f.other);
            if let Some(s) = read_subnet(r, item, &format!("subnets[{k}]"), fee) {
                if subnets.iter().any(|o: &SubnetSpec| o.name == s.name) {
                    r.problem(
                        item,
                        &format!("subnets[{k}].name"),
                        format!("subnet name `{}` is used twice", s.name),
                    );
                }
                subnets.push(s);
                subnet_items.push(k);
            }
        }
        if subnets.is_empty() {
            r.problem(n, "subnets", "must list at least one subnet");
        }
    }
    for (k, s) in subnets.iter_mut().enumerate() {
        s.netuid = NetUid(k as u16 + 1);
    }
    network::join_subnets(r, network.as_ref(), f.get("subnets"), &chain, &mut subnets);
    let mut population = Vec::new();
    let mut group_items = Vec::new();
    if let Some(n) = f.get("population") {
        for (k, item) in r.seq(n, "population").iter().enumerate() {
            if let Some(g) = read_group(r, item, &format!("population[{k}]"), &subnets) {
                if population.iter().any(|o: &Group| o.name == g.name) {
                    r.problem(
                        item,
                        &format!("population[{k}].group"),
                        format!("group name `{}` is used twice", g.name),
                    );
                }
                population.push(g);
                group_items.push(k);
            }
        }
    }
    if let Some(n) = f.get("population") {
        check_scripted_columns(r, n, &population);
    }
    let world = World {
        tree,
        external_issuance,
        subnets: &subnets,
        subnet_items: &subnet_items,
        population: &population,
        group_items: &group_items,
    };
    // The TAO at genesis: the scenario's own when isolated; in a snapshot world the snapshot's
    // issuance plus the scenario's genesis money (`network::check_supply`).
    if matches!(network, Some(Network::Isolated)) {
        world.check_tao_supply(r);
    }
    network::check_supply(
        r,
        network.as_ref(),
        f.get("network").unwrap_or(tree),
        &subnets,
        &population,
    );
    world.check_alpha_supply(r);
    if let Some(snapshot) = network.as_ref().and_then(Network::snapshot) {
        world.check_adopted_stakes(r, snapshot);
    }
    world.check_size(r);
    // The starting population is registered at genesis: it must fit the subnets.
    for (k, sn) in subnets.iter().enumerate() {
        let n = 1 + population
            .iter()
            .filter(|g| g.subnet == k && g.register)
            .map(|g| u64::from(g.count) * u64::from(g.hotkeys))
            .sum::<u64>();
        if n > u64::from(sn.params.max_uids) {
            r.problem(
                f.get("population").unwrap_or(tree),
                "population",
                format!(
                    "subnet `{}` starts with {n} uids (owner included) but has max_uids {}",
                    sn.name, sn.params.max_uids
                ),
            );
        }
    }
    check_liquid_alpha_consensus(r, &f, &chain);
    let sweep = f
        .get("sweep")
        .and_then(|n| crate::experiment::spec::read(r, n, "sweep", file, read));
    let tao_usd = f
        .get("tao_usd")
        .and_then(|n| units::read_tao_usd(r, n, "tao_usd"));
    check_usd(r, &f, tree, tao_usd.is_some(), &population, &group_items);
    let outputs = f
        .get("outputs")
        .map(|n| outputs::read_outputs(r, n, &subnets))
        .unwrap_or_default();
    Some(Scenario {
        name,
        description,
        seed,
        network: network.unwrap_or(Network::Isolated),
        regime,
        chain,
        blocks,
        external_issuance,
        subnets,
        population,
        sweep,
        tao_usd,
        outputs,
    })
}

/// Amounts in USD need a price: refuse USD costs and `value_usd` without `tao_usd`, each
/// where it is written.
fn check_usd(
    r: &mut Reader<'_>,
    f: &reader::Fields<'_>,
    tree: &Node,
    priced: bool,
    population: &[Group],
    group_items: &[usize],
) {
    if priced {
        return;
    }
    let why = "needs `tao_usd` (TAO's price in USD) at the top level of the scenario to convert USD to TAO";
    for (g, &k) in population.iter().zip(group_items) {
        if g.costs.usd_per_day > 0.0 {
            let item = f.get("population").and_then(|p| match &p.value {
                Value::Seq(items) => items.get(k),
                _ => None,
            });
            let at = item
                .and_then(|i| field(i, "costs"))
                .and_then(|c| field(c, "usd_per_day"))
                .unwrap_or(tree);
            r.problem(
                at,
                &format!("population[{k}].costs.usd_per_day"),
                format!("`{}` USD a day {why}", g.costs.usd_per_day),
            );
        }
    }
    if let Some(Value::Seq(items)) = f.get("subnets").map(|n| &n.value) {
        for (k, item) in items.iter().enumerate() {
            if let Some(v) = field(item, "value_usd") {
                r.problem(
                    v,
                    &format!("subnets[{k}].value_usd"),
                    format!("`{}` {why}", v.show()),
                );
            }
        }
    }
}

/// A subnet's `yuma.liquid_alpha_consensus` only acts under a chain that has the mode (§13.10,
/// from 2026-10): refuse it elsewhere rather than ignore it.
fn check_liquid_alpha_consensus(r: &mut Reader<'_>, f: &reader::Fields<'_>, chain: &ChainParams) {
    use crate::chain::params::LiquidAlphaConsensusRule;
    if chain.liquid_alpha_consensus != LiquidAlphaConsensusRule::Current {
        return;
    }
    let Some(Value::Seq(items)) = f.get("subnets").map(|n| &n.value) else {
        return;
    };
    for (k, item) in items.iter().enumerate() {
        if let Some(m) = field(item, "yuma").and_then(|y| field(y, "liquid_alpha_consensus")) {
            r.problem(
                m,
                &format!("subnets[{k}].yuma.liquid_alpha_consensus"),
                format!(
                    "has no effect under regime `{}`: the Liquid Alpha consensus mode exists from 2026-10 (§13.10); set `chain.liquid_alpha_consensus: subnet_mode` to use it",
                    chain.regime.name()
                ),
            );
        }
    }
}

/// Hotkeys a scenario may create in all (agents × hotkeys per agent, over every group): a
/// bound on memory, far above any network the chain runs.
pub const MAX_HOTKEYS: u64 = 1_000_000;

/// What exists at genesis, for the checks that look at the whole scenario: the TAO supply,
/// each subnet's alpha supply, the number of hotkeys.
struct World<'a> {
    tree: &'a Node,
    external_issuance: u64,
    subnets: &'a [SubnetSpec],
    subnet_items: &'a [usize],
    population: &'a [Group],
    group_items: &'a [usize],
}

/// Whole tokens of an amount in rao, for messages.
fn tokens(rao: u128) -> String {
    (rao as f64 / TAO).to_string()
}

impl World<'_> {
    /// The node at a path of field names and list indices, if it is in the file.
    fn node(&self, steps: &[Step<'_>]) -> Option<&Node> {
        let mut node = self.tree;
        for step in steps {
            node = match (step, &node.value) {
                (Step::Field(name), _) => field(node, name)?,
                (Step::Item(k), Value::Seq(items)) => items.get(*k)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The TAO that exists at genesis (TAO issued before the simulation, subnet pools, owner
    /// balances, agent balances) must fit in the 21 000 000 TAO supply. The problem is
    /// reported at the amount that crosses it, in file order.
    fn check_tao_supply(&self, r: &mut Reader<'_>) {
        let supply = u128::from(TOTAL_SUPPLY);
        // (path, steps to its node, what it adds in rao, how it is written)
        let mut items: Vec<(String, Vec<Step<'_>>, u128, String)> = Vec::new();
        let external = u128::from(self.external_issuance);
        items.push((
            "chain.issuance".into(),
            vec![Step::Field("chain"), Step::Field("issuance")],
            external,
            format!("`{}` TAO", tokens(external)),
        ));
        for (s, &k) in self.subnets.iter().zip(self.subnet_items) {
            let steps = vec![Step::Field("subnets"), Step::Item(k)];
            let pool = u128::from(s.pool_tao);
            let mut at = steps.clone();
            at.extend([Step::Field("pool"), Step::Field("tao")]);
            items.push((
                format!("subnets[{k}].pool.tao"),
                at,
                pool,
                format!("`{}` TAO", tokens(pool)),
            ));
            let owner = u128::from(s.owner_balance);
            let mut at = steps;
            at.extend([Step::Field("owner"), Step::Field("balance")]);
            items.push((
                format!("subnets[{k}].owner.balance"),
                at,
                owner,
                format!("`{}` TAO", tokens(owner)),
            ));
        }
        for (g, &k) in self.population.iter().zip(self.group_items) {
            let total = u128::from(g.count) * u128::from(g.balance);
            items.push((
                format!("population[{k}].balance"),
                vec![
                    Step::Field("population"),
                    Step::Item(k),
                    Step::Field("balance"),
                ],
                total,
                format!(
                    "{} agents × `{}` TAO = {} TAO",
                    g.count,
                    tokens(u128::from(g.balance)),
                    tokens(total)
                ),
            ));
        }
        let all: u128 = items.iter().map(|i| i.2).sum();
        if all <= supply {
            return;
        }
        let part = |prefix: &str, suffix: &str| -> u128 {
            items
                .iter()
                .filter(|i| i.0.starts_with(prefix) && i.0.ends_with(suffix))
                .map(|i| i.2)
                .sum()
        };
        let mut sum = 0u128;
        for (path, steps, amount, shown) in &items {
            sum += amount;
            if sum > supply {
                let node = self.node(steps).unwrap_or(self.tree);
                r.problem(
                    node,
                    path,
                    format!(
                        "{shown} brings the TAO at genesis to {} TAO (chain.issuance {}, subnet pools {}, owner balances {}, agent balances {}), more than the 21 000 000 TAO supply",
                        tokens(all),
                        tokens(external),
                        tokens(part("subnets", ".pool.tao")),
                        tokens(part("subnets", ".owner.balance")),
                        tokens(part("population", ".balance")),
                    ),
                );
                return;
            }
        }
    }

    /// Each subnet's alpha at genesis (its pool reserve and the agents' genesis stake) must
    /// stay below the 21 000 000 alpha supply, at which it could never emit.
    fn check_alpha_supply(&self, r: &mut Reader<'_>) {
        let supply = u128::from(TOTAL_SUPPLY);
        for (i, sn) in self.subnets.iter().enumerate() {
            let pool = pool_alpha(sn.pool_tao, sn.pool_price);
            if pool > supply {
                continue; // reported at the pool
            }
            let mut sum = pool;
            for (g, &k) in self.population.iter().zip(self.group_items) {
                if g.subnet != i || g.genesis_stake == 0 {
                    continue;
                }
                let stake = u128::from(g.count) * u128::from(g.genesis_stake);
                sum += stake;
                if sum >= supply {
                    let total: u128 = pool
                        + self
                            .population
                            .iter()
                            .filter(|o| o.subnet == i)
                            .map(|o| u128::from(o.count) * u128::from(o.genesis_stake))
                            .sum::<u128>();
                    let node = self
                        .node(&[
                            Step::Field("population"),
                            Step::Item(k),
                            Step::Field("genesis_stake"),
                        ])
                        .unwrap_or(self.tree);
                    r.problem(
                        node,
                        &format!("population[{k}].genesis_stake"),
                        format!(
                            "{} agents × `{}` alpha = {} alpha brings subnet `{}` to {} alpha at genesis ({} in its pool, {} of genesis stake): at the 21 000 000 alpha supply it could never emit",
                            g.count,
                            tokens(u128::from(g.genesis_stake)),
                            tokens(stake),
                            sn.name,
                            tokens(total),
                            tokens(pool),
                            tokens(total - pool),
                        ),
                    );
                    break;
                }
            }
        }
    }

    /// On an adopted subnet the agents' genesis stakes come out of the alpha the snapshot's
    /// holders own ([`crate::world::adopt`]): they may not add up to more.
    fn check_adopted_stakes(&self, r: &mut Reader<'_>, snapshot: &crate::world::Snapshot) {
        for (i, sn) in self.subnets.iter().enumerate() {
            let Some((netuid, _)) = &sn.adopt else {
                continue;
            };
            let Some(state) = snapshot.subnets.iter().find(|s| s.netuid == *netuid) else {
                continue;
            };
            let held = u128::from(
                state.alpha_outstanding - state.protocol_alpha.min(state.alpha_outstanding),
            );
            let mut sum = 0u128;
            for (g, &k) in self.population.iter().zip(self.group_items) {
                if g.subnet != i || g.genesis_stake == 0 {
                    continue;
                }
                sum += u128::from(g.count) * u128::from(g.genesis_stake);
                if sum > held {
                    let node = self
                        .node(&[
                            Step::Field("population"),
                            Step::Item(k),
                            Step::Field("genesis_stake"),
                        ])
                        .unwrap_or(self.tree);
                    r.problem(
                        node,
                        &format!("population[{k}].genesis_stake"),
                        format!(
                            "the genesis stakes on subnet `{}` add up to {} alpha here, more than the {} alpha the holders of netuid {} own in the snapshot; on an adopted subnet the agents' genesis stakes are part of the holders' stake, so they must add up to at most that",
                            sn.name,
                            tokens(sum),
                            tokens(held),
                            netuid.0
                        ),
                    );
                    break;
                }
            }
        }
    }

    /// The population must not create more than [`MAX_HOTKEYS`] hotkeys.
    fn check_size(&self, r: &mut Reader<'_>) {
        let hotkeys: u64 = self
            .population
            .iter()
            .map(|g| u64::from(g.count) * u64::from(g.hotkeys))
            .sum::<u64>()
            + self
                .subnets
                .iter()
                .map(|s| 1 + u64::from(s.owner_miners))
                .sum::<u64>();
        if hotkeys > MAX_HOTKEYS {
            let node = self.node(&[Step::Field("population")]).unwrap_or(self.tree);
            r.problem(
                node,
                "population",
                format!(
                    "the scenario creates {hotkeys} hotkeys (agents × hotkeys per agent, owners included), more than {MAX_HOTKEYS}"
                ),
            );
        }
    }
}

/// A step of a path into the tree.
#[derive(Clone, Copy)]
enum Step<'a> {
    Field(&'a str),
    Item(usize),
}

/// The alpha (rao) a genesis pool of `tao` rao at `price` TAO per alpha holds: what
/// [`Scenario::build`] mints (saturating for an absurd price; validation refuses those).
fn pool_alpha(tao: u64, price: f64) -> u128 {
    let alpha = (tao as f64 / price).round();
    if (0.0..1e30).contains(&alpha) {
        alpha as u128
    } else {
        u128::MAX
    }
}

/// A scripted validator's group columns must name groups on its own subnet.
fn check_scripted_columns(r: &mut Reader<'_>, population: &Node, groups: &[Group]) {
    // Items and groups line up unless a group did not read (its problems are reported).
    let Value::Seq(items) = &population.value else {
        return;
    };
    if items.len() != groups.len() {
        return;
    }
    for (k, (item, g)) in items.iter().zip(groups).enumerate() {
        if g.kind != "scripted-validator" {
            continue;
        }
        let Ok(p) = serde_json::from_value::<
            yumalab_agents::behaviours::scripted_validator::ScriptedValidatorParams,
        >(g.params.clone()) else {
            continue; // reported by the parameter check
        };
        let columns = field(item, "params").and_then(|p| field(p, "columns"));
        for (c, col) in p.columns.iter().enumerate() {
            let yumalab_agents::behaviours::scripted_validator::Column::Group(name) = col else {
                continue;
            };
            let found = groups
                .iter()
                .find(|o| o.name == *name)
                .map(|o| o.subnet == g.subnet);
            let message = match found {
                Some(true) => continue,
                Some(false) => format!("group `{name}` is on another subnet"),
                None => {
                    let names: Vec<&str> = groups
                        .iter()
                        .filter(|o| o.subnet == g.subnet)
                        .map(|o| o.name.as_str())
                        .collect();
                    format!(
                        "no group `{name}` in the population; expected a group on this subnet ({}) or a uid",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            };
            let at = match columns.map(|n| &n.value) {
                Some(Value::Seq(cols)) => cols.get(c).unwrap_or(item),
                _ => item,
            };
            r.problem(at, &format!("population[{k}].params.columns[{c}]"), message);
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

fn read_duration(r: &mut Reader<'_>, n: &Node, path: &str) -> u64 {
    let Some(f) = r.map(n, path, &["days", "blocks", "tempos"]) else {
        return 0;
    };
    let given: Vec<&str> = ["days", "blocks", "tempos"]
        .into_iter()
        .filter(|k| f.get(k).is_some())
        .collect();
    if given.len() != 1 {
        r.problem(
            n,
            path,
            format!(
                "must give exactly one of `days`, `blocks`, `tempos`, got {}",
                given.len()
            ),
        );
        return 0;
    }
    match given[0] {
        "days" => r
            .number(
                f.get("days").expect("given"),
                &join(path, "days"),
                // At least one block once rounded (a day is 7200 blocks).
                |x| x * BLOCKS_PER_DAY as f64 >= 0.5 && x <= 36_500.0,
                "a number of days in (0, 36500] that is at least one block (1/7200 day)",
            )
            .map_or(0, |d| (d * BLOCKS_PER_DAY as f64).round() as u64),
        "blocks" => r
            .integer(
                f.get("blocks").expect("given"),
                &join(path, "blocks"),
                1,
                1 << 40,
            )
            .unwrap_or(0),
        // Tempos are counted at the default tempo (360 blocks) of a new subnet.
        _ => r
            .integer(
                f.get("tempos").expect("given"),
                &join(path, "tempos"),
                1,
                1 << 30,
            )
            .map_or(0, |t| t * 360),
    }
}

pub(crate) const CHAIN: &[&str] = &[
    "issuance",
    "tao_weight",
    "moving_alpha",
    "stake_threshold",
    "owner_cut",
    "swap_fee",
    "max_epochs_per_block",
    "share_rule",
    "injection_cap",
    "pool",
    "schedule",
    "burn_rule",
    "gate",
    "injection_order",
    "dividend_split",
    "root_dividends",
    "root_registration",
    "claim_threshold",
    "tx_fees",
    "safety_net",
    "epoch_cap",
    "liquid_alpha_consensus",
];

/// Reads `chain` overrides; returns the external issuance in rao.
fn read_chain(r: &mut Reader<'_>, n: &Node, chain: &mut ChainParams) -> u64 {
    use crate::chain::params::{BurnRule, EpochSchedule, InjectionCapRule, PoolRule, ShareRule};
    let path = "chain";
    let Some(f) = r.map(n, path, CHAIN) else {
        return 0;
    };
    let unit = |x: f64| (0.0..=1.0).contains(&x);
    chain.tao_weight = r.number_or(
        &f,
        "tao_weight",
        chain.tao_weight,
        unit,
        "a fraction in [0, 1]",
    );
    chain.subnet_moving_alpha = r.number_or(
        &f,
        "moving_alpha",
        chain.subnet_moving_alpha,
        unit,
        "a fraction in [0, 1] (SubnetMovingAlpha, per block)",
    );
    chain.stake_threshold = (r.amount_or(
        &f,
        "stake_threshold",
        chain.stake_threshold as f64 / TAO,
        "TAO",
        false,
    ) * TAO) as u64;
    if let Some(x) = f
        .get("owner_cut")
        .and_then(|n| r.number(n, "chain.owner_cut", unit, "a fraction in [0, 1]"))
    {
        chain.owner_cut = u16_proportion(x);
    }
    if let Some(x) = f.get("swap_fee").and_then(|n| {
        r.number(
            n,
            "chain.swap_fee",
            |x| (0.0..=0.1526).contains(&x),
            "a fraction in [0, 0.1526]",
        )
    }) {
        chain.swap_fee = u16_proportion(x);
    }
    chain.max_epochs_per_block = r.integer_or(
        &f,
        "max_epochs_per_block",
        u64::from(chain.max_epochs_per_block),
        1,
        1024,
    ) as u32;
    if let Some(n) = f.get("share_rule") {
        match r.choice(
            n,
            "chain.share_rule",
            &["price_ema", "net_flow", "early_price_ema"],
        ) {
            Some("price_ema") => chain.share_rule = ShareRule::PriceEma,
            Some("net_flow") => chain.share_rule = ShareRule::NetFlow,
            Some(_) => chain.share_rule = ShareRule::EarlyPriceEma,
            None => {}
        }
    }
    if let Some(n) = f.get("injection_cap") {
        match r.choice(
            n,
            "chain.injection_cap",
            &["root_proportion", "alpha_out_or_block_emission"],
        ) {
            Some("root_proportion") => chain.injection_cap = InjectionCapRule::RootProportion,
            Some(_) => chain.injection_cap = InjectionCapRule::AlphaOutOrBlockEmission,
            None => {}
        }
    }
    if let Some(n) = f.get("pool") {
        match r.choice(n, "chain.pool", &["balancer", "constant_product"]) {
            Some("balancer") => chain.pool = PoolRule::Balancer,
            Some(_) => chain.pool = PoolRule::ConstantProduct,
            None => {}
        }
    }
    if let Some(n) = f.get("schedule") {
        match r.choice(n, "chain.schedule", &["stateful", "modulo"]) {
            Some("stateful") => chain.schedule = EpochSchedule::Stateful,
            Some(_) => chain.schedule = EpochSchedule::Modulo,
            None => {}
        }
    }
    let issuance = r.number_or(
        &f,
        "issuance",
        0.0,
        |x| (0.0..21e6).contains(&x),
        "TAO in [0, 21 000 000)",
    );
    if let Some(n) = f.get("burn_rule") {
        match r.choice(n, "chain.burn_rule", &["half_life", "interval"]) {
            Some("half_life") => chain.burn_rule = BurnRule::HalfLife,
            Some(_) => chain.burn_rule = BurnRule::Interval,
            None => {}
        }
    }
    read_chain_2026_10(r, &f, chain);
    (issuance * TAO).round() as u64
}

/// The §13 rule overrides of `chain` (each one alone, over the regime's defaults).
fn read_chain_2026_10(r: &mut Reader<'_>, f: &reader::Fields<'_>, chain: &mut ChainParams) {
    use crate::chain::params::{
        DividendSplit, GateParams, InjectionOrder, RootDividends, RootRegistration, SafetyNet,
    };
    use crate::chain::params::{EpochCapRule, LiquidAlphaConsensusRule};
    if f.has("gate") && f.get("gate").is_none() {
        chain.gate = None;
    } else if let Some(g) = f.get("gate") {
        let gp = f.path_of("gate");
        if let Some(gf) = r.map(g, &gp, &["rank", "quantile", "exponent"]) {
            let d = chain.gate.unwrap_or_default();
            let rank = r.integer_or(&gf, "rank", u64::from(d.rank), 0, 4096) as u16;
            let quantile = r.number_or(
                &gf,
                "quantile",
                d.quantile,
                |x| x > 0.0 && x <= 1.0,
                "a fraction in (0, 1]",
            );
            let exponent = r.number_or(
                &gf,
                "exponent",
                d.exponent,
                |x| x > 0.0 && x <= 64.0,
                "a number in (0, 64]",
            );
            chain.gate = Some(GateParams {
                rank,
                quantile,
                exponent,
            });
        }
    }
    if let Some(n) = f.get("injection_order") {
        match r.choice(
            n,
            "chain.injection_order",
            &["chain_buy_first", "reweight_first"],
        ) {
            Some("chain_buy_first") => chain.injection_order = InjectionOrder::ChainBuyFirst,
            Some(_) => chain.injection_order = InjectionOrder::ReweightFirst,
            None => {}
        }
    }
    if let Some(n) = f.get("dividend_split") {
        match r.choice(
            n,
            "chain.dividend_split",
            &["root_registered", "any_root_stake"],
        ) {
            Some("root_registered") => chain.dividend_split = DividendSplit::RootRegistered,
            Some(_) => chain.dividend_split = DividendSplit::AnyRootStake,
            None => {}
        }
    }
    if let Some(n) = f.get("root_dividends") {
        match r.choice(n, "chain.root_dividends", &["baskets", "claim_at_once"]) {
            Some("baskets") => chain.root_dividends = RootDividends::Baskets,
            Some(_) => chain.root_dividends = RootDividends::ClaimAtOnce,
            None => {}
        }
    }
    if let Some(n) = f.get("root_registration") {
        match r.choice(n, "chain.root_registration", &["burn", "on_first_stake"]) {
            Some("burn") => chain.root_registration = RootRegistration::Burn,
            Some(_) => chain.root_registration = RootRegistration::OnFirstStake,
            None => {}
        }
    }
    if f.has("claim_threshold") {
        chain.basket.claimable_threshold = (r.number_or(
            f,
            "claim_threshold",
            chain.basket.claimable_threshold as f64 / TAO,
            |x| (0.0..=1_000.0).contains(&x),
            "TAO in [0, 1000]",
        ) * TAO)
            .round() as u64;
    }
    if f.has("tx_fees") {
        let on = r.bool_or(f, "tx_fees", chain.tx_fees.is_some());
        chain.tx_fees = on.then(|| chain.tx_fees.unwrap_or_default());
    }
    if let Some(n) = f.get("safety_net") {
        match r.choice(n, "chain.safety_net", &["tempo_capped", "max_tempo"]) {
            Some("tempo_capped") => chain.safety_net = SafetyNet::TempoCapped,
            Some(_) => chain.safety_net = SafetyNet::MaxTempo,
            None => {}
        }
    }
    if let Some(n) = f.get("epoch_cap") {
        match r.choice(n, "chain.epoch_cap", &["null_aware", "per_block"]) {
            Some("null_aware") => chain.epoch_cap = EpochCapRule::NullAware,
            Some(_) => chain.epoch_cap = EpochCapRule::PerBlock,
            None => {}
        }
    }
    if let Some(n) = f.get("liquid_alpha_consensus") {
        match r.choice(
            n,
            "chain.liquid_alpha_consensus",
            &["subnet_mode", "current"],
        ) {
            Some("subnet_mode") => {
                chain.liquid_alpha_consensus = LiquidAlphaConsensusRule::SubnetMode;
            }
            Some(_) => chain.liquid_alpha_consensus = LiquidAlphaConsensusRule::Current,
            None => {}
        }
    }
}

pub(crate) const SUBNET: &[&str] = &[
    "name",
    "tempo",
    "start_block",
    "environments",
    "mechanism",
    "value_unit",
    "value_per_quality",
    "value_usd",
    "pool",
    "yuma",
    "max_uids",
    "immunity_period",
    "collateral",
    "burn",
    "owner",
    "consensus",
    "adopt",
    "stakers",
    "market",
];

/// `fee`: the transaction fee of an owner's hyperparameter change under the regime (§13.7).
fn read_subnet(r: &mut Reader<'_>, n: &Node, path: &str, fee: Option<u64>) -> Option<SubnetSpec> {
    let f = r.map(n, path, SUBNET)?;
    let name = r
        .required(&f, "name")
        .and_then(|n| r.string(n, &join(path, "name")))
        .unwrap_or_default();
    let mut params = SubnetParams::default();
    params.tempo = r.integer_or(&f, "tempo", params.tempo, 1, 50_400);
    let start_block = if f.has("start_block") && f.get("start_block").is_none() {
        None
    } else {
        Some(r.integer_or(&f, "start_block", 1, 1, u64::MAX))
    };
    let environments = r.integer_or(&f, "environments", 1, 1, 64) as usize;
    let mechanism = match f.get("mechanism") {
        Some(m) => {
            let p = join(path, "mechanism");
            match serde_json::from_value::<Mechanism>(m.to_json()) {
                Ok(mech) => {
                    if let Err(e) = mech.validate() {
                        r.problem(m, &p, e);
                    }
                    mech
                }
                Err(e) => {
                    r.problem(m, &p, format!("{e}; expected `{{kind: proportional | winner_takes_all | top_k (k) | softmax (temperature) | pareto_winner_takes_all (margin) | python (function, params)}}`"));
                    Mechanism::Proportional
                }
            }
        }
        None => Mechanism::Proportional,
    };
    let value_unit = match f.get("value_unit") {
        Some(n) => r.string(n, &join(path, "value_unit")).unwrap_or_default(),
        None => "units".into(),
    };
    let value_per_quality =
        r.number_or(&f, "value_per_quality", 1.0, |x| x >= 0.0, "a number >= 0");
    let value_usd = f.get("value_usd").and_then(|v| {
        r.number(
            v,
            &join(path, "value_usd"),
            |x| (0.0..=1e12).contains(&x),
            "USD per value unit in [0, 1e12]",
        )
    });
    let (mut pool_tao, mut pool_price) = (1_000.0, 0.01);
    if let Some(pn) = f.get("pool") {
        let pp = join(path, "pool");
        if let Some(pf) = r.map(pn, &pp, &["tao", "price"]) {
            pool_tao = r.amount_or(&pf, "tao", pool_tao, "TAO", true);
            pool_price = r.number_or(
                &pf,
                "price",
                pool_price,
                |x| x > 0.0 && x <= 1e6,
                "TAO per alpha in (0, 1e6]",
            );
            let alpha = pool_alpha((pool_tao * TAO).round() as u64, pool_price);
            if alpha > u128::from(TOTAL_SUPPLY) {
                r.problem(
                    pn,
                    &pp,
                    format!(
                        "`tao` / `price` = {} / {pool_price} = {} alpha in the pool, more than the 21 000 000 alpha supply of a subnet",
                        pool_tao,
                        pool_tao / pool_price
                    ),
                );
                pool_tao = 1_000.0;
                pool_price = 0.01;
            }
        }
    }
    if let Some(y) = f.get("yuma") {
        read_yuma(r, y, &join(path, "yuma"), &mut params);
    }
    // `consensus: null` is YAML's null (or the string "null"): the Null epoch (§13.9).
    if f.has("consensus") && f.get("consensus").is_none() {
        params.epoch_consensus = EpochConsensus::Null;
    } else if let Some(c) = f.get("consensus") {
        match r.choice(c, &join(path, "consensus"), &["yuma", "null"]) {
            Some("null") => params.epoch_consensus = EpochConsensus::Null,
            Some(_) => params.epoch_consensus = EpochConsensus::Yuma,
            None => {}
        }
    }
    params.max_uids = r.integer_or(&f, "max_uids", u64::from(params.max_uids), 1, 4096) as u16;
    params.immunity_period =
        r.integer_or(&f, "immunity_period", params.immunity_period, 0, u64::MAX);
    if let Some(c) = f.get("collateral") {
        let cp = join(path, "collateral");
        if let Some(cf) = r.map(c, &cp, &["lock_share", "drain_ratio"]) {
            let max_share = f64::from(crate::chain::collateral::MAX_LOCK_SHARE) / 65535.0;
            params.collateral_lock_share = u16_proportion(r.number_or(
                &cf,
                "lock_share",
                0.0,
                |x| (0.0..=max_share).contains(&x),
                "a fraction in [0, 0.95] (CollateralLockShare, at most 62258/65535)",
            ));
            params.collateral_drain_ratio = r.number_or(
                &cf,
                "drain_ratio",
                params.collateral_drain_ratio,
                |x| x > 0.0 && x <= crate::chain::collateral::MAX_DRAIN_RATIO,
                "a number in (0, 10] (CollateralDrainRatio)",
            );
        }
    }
    let burn = r.number_or(
        &f,
        "burn",
        params.burn as f64 / TAO,
        |x| (0.0..=100.0).contains(&x),
        "TAO in [0, 100]",
    );
    params.burn = (burn * TAO).round() as u64;
    params.min_burn = params.min_burn.min(params.burn);
    let mut owner_balance = 0.0;
    let mut owner_miners = 0;
    let mut owner_changes = Vec::new();
    let mut owner_params = serde_json::Value::Object(Default::default());
    if let Some(on) = f.get("owner") {
        let op = join(path, "owner");
        if let Some(of) = r.map(on, &op, &["balance", "miners", "params", "changes"]) {
            if let Some(ch) = of.get("changes") {
                for (k, item) in r.seq(ch, &join(&op, "changes")).iter().enumerate() {
                    let cp = format!("{op}.changes[{k}]");
                    if let Some(c) = read_change(r, item, &cp) {
                        owner_changes.push(c);
                    }
                }
            }
            owner_balance = r.amount_or(&of, "balance", 0.0, "TAO", false);
            // Under recycled fees (§13.7) each change is an extrinsic the owner pays for; a
            // change the owner cannot pay would be refused during the run.
            let needed = fee.unwrap_or(0) as f64 * owner_changes.len() as f64 / TAO;
            if needed > owner_balance {
                r.problem(
                    of.get("balance").unwrap_or(on),
                    &join(&op, "balance"),
                    format!(
                        "must pay the transaction fees of the owner's {} change(s) ({needed} TAO under this regime), got `{owner_balance}`",
                        owner_changes.len()
                    ),
                );
            }
            owner_miners = r.integer_or(&of, "miners", 0, 0, 4096) as u32;
            if owner_miners > 0 {
                owner_params = of.get("params").map_or(owner_params, Node::to_json);
                if let Err(e) = crate::population::check_params("subnet-owner", &owner_params) {
                    r.problem(of.get("params").unwrap_or(on), &join(&op, "params"), e);
                }
            }
        }
    }
    let stakers = match f.get("stakers") {
        Some(n) => match r.choice(n, &join(path, "stakers"), &["delegate", "passive"]) {
            Some("passive") => Stakers::Passive,
            _ => Stakers::Delegate,
        },
        None => Stakers::Delegate,
    };
    let market_moving = f
        .get("market")
        .and_then(|n| r.choice(n, &join(path, "market"), &["still", "moving"]))
        == Some("moving");
    Some(SubnetSpec {
        name,
        netuid: NetUid(0),
        adopt: None,
        stakers,
        market_moving,
        lock: 0,
        pruned: None,
        params,
        start_block,
        environments,
        mechanism,
        value_unit,
        value_per_quality,
        value_usd,
        pool_tao: (pool_tao * TAO).round() as u64,
        pool_price,
        owner_balance: (owner_balance * TAO).round() as u64,
        owner_miners,
        owner_params,
        owner_changes,
    })
}

/// Hyperparameters an owner may change during a run.
pub(crate) const CHANGES: &[&str] = &[
    "block",
    "tempo",
    "bonds_moving_average",
    "bonds_penalty",
    "liquid_alpha",
    "commit_reveal",
    "reveal_period_epochs",
    "immunity_period",
    "max_validators",
    "yuma3",
];

/// One owner change: `{block: N, <hyperparameter>: value}`.
fn read_change(
    r: &mut Reader<'_>,
    n: &Node,
    path: &str,
) -> Option<(u64, yumalab_agents::Hyperparameter)> {
    use yumalab_agents::Hyperparameter as H;
    let f = r.map(n, path, CHANGES)?;
    let block = r
        .required(&f, "block")
        .and_then(|b| r.integer(b, &join(path, "block"), 1, u64::MAX))?;
    let given: Vec<&str> = CHANGES[1..].iter().copied().filter(|k| f.has(k)).collect();
    if given.len() != 1 {
        r.problem(
            n,
            path,
            format!(
                "must change exactly one hyperparameter besides `block`, got {}",
                given.len()
            ),
        );
        return None;
    }
    let name = given[0];
    let p = join(path, name);
    let unit = |x: f64| (0.0..=1.0).contains(&x);
    let frac = "a fraction in [0, 1]";
    let node = f.get(name);
    let h = match name {
        "tempo" => H::Tempo(r.integer(node?, &p, 360, 50_400)?),
        "bonds_moving_average" => H::BondsMovingAverage(
            (r.number(
                node?,
                &p,
                |x| (0.0..=0.975).contains(&x),
                "a fraction in [0, 0.975]",
            )? * 1e6)
                .round() as u64,
        ),
        "bonds_penalty" => H::BondsPenalty(u16_proportion(r.number(node?, &p, unit, frac)?)),
        "liquid_alpha" => match node {
            None => H::LiquidAlpha(None),
            Some(la) => {
                let lf = r.map(la, &p, &["alpha_low", "alpha_high"])?;
                let lo = r.required(&lf, "alpha_low").and_then(|x| {
                    r.number(
                        x,
                        &join(&p, "alpha_low"),
                        |x| (1.0 / 40.0..=1.0).contains(&x),
                        "a fraction in [0.025, 1]",
                    )
                })?;
                let hi = r
                    .required(&lf, "alpha_high")
                    .and_then(|x| r.number(x, &join(&p, "alpha_high"), unit, frac))?;
                if lo > hi {
                    r.problem(
                        la,
                        &p,
                        format!("`alpha_low` ({lo}) must not exceed `alpha_high` ({hi})"),
                    );
                }
                H::LiquidAlpha(Some((u16_proportion(lo), u16_proportion(hi))))
            }
        },
        "commit_reveal" => H::CommitReveal(r.bool_or(&f, name, false)),
        "reveal_period_epochs" => H::RevealPeriodEpochs(r.integer(node?, &p, 1, 100)?),
        "immunity_period" => H::ImmunityPeriod(r.integer(node?, &p, 0, u64::MAX)?),
        "max_validators" => H::MaxValidators(r.integer(node?, &p, 1, 4096)? as u16),
        _ => H::Yuma3(r.bool_or(&f, name, true)),
    };
    Some((block, h))
}

pub(crate) const YUMA: &[&str] = &[
    "version",
    "kappa",
    "bonds_penalty",
    "bonds_moving_average",
    "max_validators",
    "liquid_alpha",
    "commit_reveal",
    "reveal_period_epochs",
    "activity_cutoff",
    "bonds_reset",
    "liquid_alpha_consensus",
];

fn read_yuma(r: &mut Reader<'_>, n: &Node, path: &str, params: &mut SubnetParams) {
    let Some(f) = r.map(n, path, YUMA) else {
        return;
    };
    let y: &mut YumaParams = &mut params.yuma;
    if let Some(v) = f.get("version") {
        let names = bonds::variant_names();
        if let Some(name) = r.choice(v, &join(path, "version"), &names) {
            y.bonds = bonds::variant(name).expect("listed");
        }
    }
    let unit = |x: f64| (0.0..=1.0).contains(&x);
    let frac = "a fraction in [0, 1]";
    y.kappa = u16_proportion(r.number_or(&f, "kappa", f64::from(y.kappa) / 65535.0, unit, frac));
    y.bonds_penalty = u16_proportion(r.number_or(
        &f,
        "bonds_penalty",
        f64::from(y.bonds_penalty) / 65535.0,
        unit,
        frac,
    ));
    let bma = r.number_or(
        &f,
        "bonds_moving_average",
        y.bonds_moving_average as f64 / 1e6,
        unit,
        frac,
    );
    y.bonds_moving_average = (bma * 1e6).round() as u64;
    y.max_allowed_validators = r.integer_or(
        &f,
        "max_validators",
        u64::from(y.max_allowed_validators),
        1,
        4096,
    ) as u16;
    y.commit_reveal = r.bool_or(&f, "commit_reveal", y.commit_reveal);
    if let Some(m) = f.get("liquid_alpha_consensus") {
        let names: Vec<&str> = LiquidAlphaConsensus::NAMED
            .iter()
            .map(|(_, n)| *n)
            .collect();
        if let Some(name) = r.choice(m, &join(path, "liquid_alpha_consensus"), &names) {
            y.liquid_alpha_consensus = LiquidAlphaConsensus::from_name(name).expect("listed");
        }
    }
    params.bonds_reset = r.bool_or(&f, "bonds_reset", params.bonds_reset);
    params.reveal_period_epochs = r.integer_or(
        &f,
        "reveal_period_epochs",
        params.reveal_period_epochs,
        1,
        100,
    );
    if let Some(c) = f.get("activity_cutoff") {
        // In blocks; stored as the factor of tempo the chain uses.
        if let Some(b) = r.integer(c, &join(path, "activity_cutoff"), 1, u64::MAX) {
            params.activity_cutoff_factor_milli = (b * 1000).div_ceil(params.tempo.max(1));
            params.legacy_activity_cutoff = b;
        }
    }
    if let Some(la) = f.get("liquid_alpha") {
        let lp = join(path, "liquid_alpha");
        if let Some(lf) = r.map(la, &lp, &["alpha_low", "alpha_high", "steepness"]) {
            let d = LiquidAlpha::default();
            let lo = r.number_or(
                &lf,
                "alpha_low",
                f64::from(d.alpha_low) / 65535.0,
                |x| (1.0 / 40.0..=1.0).contains(&x),
                "a fraction in [0.025, 1]",
            );
            let hi = r.number_or(
                &lf,
                "alpha_high",
                f64::from(d.alpha_high) / 65535.0,
                unit,
                frac,
            );
            if lo > hi {
                r.problem(
                    la,
                    &lp,
                    format!("`alpha_low` ({lo}) must not exceed `alpha_high` ({hi})"),
                );
            }
            let steepness = r.integer_or(
                &lf,
                "steepness",
                u64::from(d.steepness as u16),
                0,
                i16::MAX as u64,
            ) as i16;
            y.liquid_alpha = Some(LiquidAlpha {
                alpha_low: u16_proportion(lo),
                alpha_high: u16_proportion(hi),
                steepness,
            });
        }
    }
}

pub(crate) const GROUP: &[&str] = &[
    "preset",
    "entry",
    "exit",
    "group",
    "kind",
    "class",
    "subnet",
    "count",
    "hotkeys",
    "balance",
    "stake",
    "root_stake",
    "genesis_stake",
    "stake_distribution",
    "costs",
    "register",
    "cartel",
    "params",
];

fn read_group(r: &mut Reader<'_>, n: &Node, path: &str, subnets: &[SubnetSpec]) -> Option<Group> {
    let f = r.map(n, path, GROUP)?;
    let name = r
        .required(&f, "group")
        .and_then(|n| r.string(n, &join(path, "group")))
        .unwrap_or_default();
    let preset = f.get("preset").and_then(|pn| {
        let names: Vec<&str> = yumalab_agents::presets::PRESETS
            .iter()
            .map(|p| p.name)
            .collect();
        r.choice(pn, &join(path, "preset"), &names)
            .and_then(yumalab_agents::presets::preset)
    });
    // With a preset, `kind` is optional (the preset's) but must agree if given.
    let kind = match (f.get("kind"), preset) {
        (Some(n), p) => {
            let k = r.choice(n, &join(path, "kind"), KINDS).unwrap_or("");
            match p.filter(|p| !k.is_empty() && p.kind != k) {
                Some(p) => {
                    r.problem(
                        n,
                        &join(path, "kind"),
                        format!("preset `{}` is a `{}`, got `{k}`", p.name, p.kind),
                    );
                    "" // the parameters cannot be checked against a contradictory kind
                }
                None => k,
            }
        }
        (None, Some(p)) => p.kind,
        (None, None) => {
            r.required(&f, "kind");
            ""
        }
    }
    .to_owned();
    let class = match (kind == "python", f.get("class")) {
        (true, Some(c)) => r.string(c, &join(path, "class")).and_then(|s| {
            if yumalab_agents::external::is_python_reference(&s) {
                Some(yumalab_agents::external::ExternalAgent::new(s))
            } else {
                r.problem(
                    c,
                    &join(path, "class"),
                    format!("must be `module:Class` (Python names, e.g. `my_agents:Arbitrageur`), got `{s}`"),
                );
                None
            }
        }),
        (true, None) => {
            r.required(&f, "class");
            None
        }
        (false, Some(c)) => {
            r.problem(
                c,
                &join(path, "class"),
                "`class` is only for `kind: python` groups (an agent class written in Python)",
            );
            None
        }
        (false, None) => None,
    };
    let subnet = match r.required(&f, "subnet") {
        Some(sn) => {
            let want = r.string(sn, &join(path, "subnet")).unwrap_or_default();
            let found = subnets.iter().position(|s| s.name == want);
            if found.is_none() && !want.is_empty() {
                let names: Vec<&str> = subnets.iter().map(|s| s.name.as_str()).collect();
                r.choice(sn, &join(path, "subnet"), &names);
            }
            found.unwrap_or(0)
        }
        None => 0,
    };
    let count = r.integer_or(&f, "count", 1, 0, 100_000) as u32;
    let hotkeys = r.integer_or(&f, "hotkeys", 1, 1, 4096) as u32;
    // Per agent, each amount is at most the token's supply (so sums below cannot overflow);
    // the group's total balance is checked with the rest of the world's TAO.
    let rao = |r: &mut Reader<'_>, name: &str, token: &str| {
        (r.amount_or(&f, name, 0.0, token, false) * TAO).round() as u64
    };
    let balance = rao(r, "balance", "TAO");
    let stake = rao(r, "stake", "TAO");
    let root_stake = rao(r, "root_stake", "TAO");
    let genesis_stake = rao(r, "genesis_stake", "alpha");
    let stake_distribution = f
        .get("stake_distribution")
        .and_then(|d| stakes::read_distribution(r, d, &join(path, "stake_distribution")))
        .unwrap_or_default();
    let genesis_stakes = match stake_distribution.split(
        genesis_stake.saturating_mul(u64::from(count)),
        count as usize,
    ) {
        Ok(s) => s,
        Err(e) => {
            let at = f.get("stake_distribution").unwrap_or(n);
            r.problem(at, &join(path, "stake_distribution"), e);
            vec![genesis_stake; count as usize]
        }
    };
    if let (Some(d), true) = (f.get("stake_distribution"), genesis_stake == 0) {
        r.problem(
            d,
            &join(path, "stake_distribution"),
            "splits the group's genesis stake, but `genesis_stake` is 0: give `genesis_stake` (alpha per agent; the group holds count × genesis_stake)",
        );
    }
    let costs = f
        .get("costs")
        .and_then(|c| units::read_costs(r, c, &join(path, "costs")))
        .unwrap_or_default();
    check_param_amounts(r, f.get("params"), &join(path, "params"));
    if stake + root_stake > balance {
        r.problem(
            n,
            path,
            format!(
                "`stake` + `root_stake` ({} TAO) must not exceed `balance` ({} TAO)",
                (stake + root_stake) as f64 / TAO,
                balance as f64 / TAO
            ),
        );
    }
    let register = r.bool_or(&f, "register", true);
    let cartel = f
        .get("cartel")
        .and_then(|c| r.string(c, &join(path, "cartel")));
    if kind.starts_with("colluding") && cartel.is_none() {
        r.problem(
            n,
            &join(path, "cartel"),
            format!("a `{kind}` group must name its cartel"),
        );
    }
    let mut params = preset
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p.params).ok())
        .unwrap_or(serde_json::Value::Object(Default::default()));
    if let Some(own) = f.get("params").map(Node::to_json) {
        match (params.as_object_mut(), own) {
            (Some(base), serde_json::Value::Object(over)) => base.extend(over),
            (_, other) => params = other,
        }
    }
    if !kind.is_empty()
        && let Err(e) = crate::population::check_params(&kind, &params)
    {
        let at = f.get("params").unwrap_or(n);
        r.problem(at, &join(path, "params"), e);
    }
    let entry = f.get("entry").and_then(|e| {
        r.typed(
            e,
            &join(path, "entry"),
            yumalab_agents::behaviours::dynamic::Entry::validate,
        )
    });
    let exit = f.get("exit").and_then(|e| {
        r.typed(
            e,
            &join(path, "exit"),
            yumalab_agents::behaviours::dynamic::Exit::validate,
        )
    });
    // A group that enters later does not register at block 1.
    let register = register && entry.is_none();
    Some(Group {
        name,
        kind,
        class,
        subnet,
        count,
        hotkeys,
        balance,
        stake,
        root_stake,
        genesis_stake,
        stake_distribution,
        genesis_stakes,
        costs,
        register,
        cartel,
        params,
        entry,
        exit,
    })
}

/// Behaviour parameters that are amounts of TAO (costs, budgets) are at most the supply. Their
/// other checks (a number >= 0) belong to the behaviour's parameter type.
fn check_param_amounts(r: &mut Reader<'_>, params: Option<&Node>, path: &str) {
    let Some(Value::Map(entries)) = params.map(|p| &p.value) else {
        return;
    };
    for (k, v) in entries {
        let name = k.key_text();
        if !crate::population::TAO_FIELDS.contains(&name.as_str()) {
            continue;
        }
        let x = match v.value {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            _ => continue,
        };
        if x > reader::SUPPLY {
            r.problem(
                v,
                &join(path, &name),
                format!(
                    "must be TAO in [0, 21 000 000] (the whole supply), got `{}`",
                    v.show()
                ),
            );
        }
    }
}
