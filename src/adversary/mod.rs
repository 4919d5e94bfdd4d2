//! The adversary: families of deviations from a scenario, a noisy search for the one that pays
//! most (`yumalab exploit`), and an empirical game over a role's strategies (`yumalab game`).
//!
//! The engine knows nothing of this module. A deviation is a scenario: a family turns the base
//! scenario's tree ([`Node`]), the deviator and a parameter vector into a new tree by the same
//! mechanism as `--set` (editing the `population` list), and the result is validated like any
//! scenario file. Its *honest counterpart* is the same tree with the deviator playing honest
//! with the same capital, so that
//!
//! `gain = profit(deviator, deviating) − profit(deviator, honest)`
//!
//! is measured on the same replicate seeds (common random numbers, as sweeps use them).
//!
//! # The deviator
//!
//! `--deviator GROUP` names a population group; one of its agents deviates (the group keeps the
//! others under its own name, and the deviating agent becomes the group `deviator`, placed right
//! after it). Without `--deviator` each family picks the first group playing the honest
//! behaviour of its role (`honest-validator`, `honest-miner`, or for delegators any
//! `speculator`). Families that add agents (the cartel's miners) put them in the group
//! `deviator-miners`, and their profit counts towards the deviator's. Profit is the run
//! summary's (holdings at the end at spot prices − genesis balance − off-chain costs,
//! [`crate::report::summary`]).
//!
//! The owner family's deviator is a subnet's owner instead: `--deviator` names a subnet
//! (default: the first), and its profit is the owner coldkey's holdings at the end at spot
//! prices minus its genesis balance ([`Family::profit`]).
//!
//! # Families
//!
//! One file each under [`families`]; see [`families::all`] for the list and each file for its
//! parameter space.

pub mod exploit;
pub mod families;
pub mod game;
pub mod report;
pub mod search;
pub mod stats;

use crate::scenario::{Problems, Scenario};
use crate::yaml::{Node, Value};

/// The group name the deviating agent gets.
pub const DEVIATOR: &str = "deviator";
/// The group name of agents a family adds on the deviator's side (a cartel's miners).
pub const DEVIATOR_MINERS: &str = "deviator-miners";

/// What a parameter can take.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// A real number in `[lo, hi]`.
    Real {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// An integer in `[lo, hi]`.
    Int {
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// One of named options (the vector holds its index).
    Choice(Vec<&'static str>),
}

/// One bounded, typed parameter of a family.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Its name (as in `--bound FAMILY.NAME=LO..HI`).
    pub name: &'static str,
    /// Its type and bounds.
    pub kind: ParamKind,
    /// What it means, with its unit.
    pub doc: &'static str,
}

impl Param {
    /// A real parameter.
    pub fn real(name: &'static str, lo: f64, hi: f64, doc: &'static str) -> Param {
        Param {
            name,
            kind: ParamKind::Real { lo, hi },
            doc,
        }
    }

    /// An integer parameter.
    pub fn int(name: &'static str, lo: i64, hi: i64, doc: &'static str) -> Param {
        Param {
            name,
            kind: ParamKind::Int { lo, hi },
            doc,
        }
    }

    /// A choice among options.
    pub fn choice(name: &'static str, options: &[&'static str], doc: &'static str) -> Param {
        Param {
            name,
            kind: ParamKind::Choice(options.to_vec()),
            doc,
        }
    }

    /// `(lo, hi)` of the coordinate (a choice spans `0..=k-1`).
    pub fn bounds(&self) -> (f64, f64) {
        match &self.kind {
            ParamKind::Real { lo, hi } => (*lo, *hi),
            ParamKind::Int { lo, hi } => (*lo as f64, *hi as f64),
            ParamKind::Choice(o) => (0.0, o.len().saturating_sub(1) as f64),
        }
    }

    /// Whether the local optimiser moves this coordinate (reals and integers; choices stay
    /// where racing put them).
    pub fn continuous(&self) -> bool {
        !matches!(self.kind, ParamKind::Choice(_))
    }

    /// `x` clamped into bounds and rounded to the parameter's type.
    pub fn snap(&self, x: f64) -> f64 {
        let (lo, hi) = self.bounds();
        let x = if x.is_nan() { lo } else { x.clamp(lo, hi) };
        match self.kind {
            ParamKind::Real { .. } => x,
            _ => x.round(),
        }
    }

    /// The value as JSON (a number, an integer or the option's name).
    pub fn json(&self, x: f64) -> serde_json::Value {
        match &self.kind {
            ParamKind::Real { .. } => {
                // Six significant decimals: parameters print and compare stably.
                let r = (x * 1e6).round() / 1e6;
                serde_json::Number::from_f64(r).map_or(serde_json::Value::Null, Into::into)
            }
            ParamKind::Int { .. } => serde_json::Value::from(x.round() as i64),
            ParamKind::Choice(o) => {
                serde_json::Value::from(o[(x.round() as usize).min(o.len() - 1)])
            }
        }
    }

    /// `n` evenly spaced values over the bounds (all options of a choice; at most the
    /// integers in range).
    pub fn levels(&self, n: usize) -> Vec<f64> {
        let (lo, hi) = self.bounds();
        let n = match self.kind {
            ParamKind::Real { .. } => n.max(1),
            _ => n.max(1).min((hi - lo) as usize + 1),
        };
        if !self.continuous() {
            return (0..=(hi as usize)).map(|i| i as f64).collect();
        }
        let mut v: Vec<f64> = (0..n)
            .map(|i| {
                if n == 1 {
                    (lo + hi) / 2.0
                } else {
                    self.snap(lo + (hi - lo) * i as f64 / (n - 1) as f64)
                }
            })
            .collect();
        v.dedup();
        v
    }
}

/// The role a family's deviator plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A validator (its honest play: `honest-validator`).
    Validator,
    /// A miner (its honest play: `honest-miner`).
    Miner,
    /// A delegator (a `speculator` group; its honest play: passive staking, the
    /// `buy_and_hold` strategy).
    Delegator,
    /// A subnet's owner (not a population group: its honest play is the scenario's owner
    /// without own miners or extra hyperparameter changes).
    Owner,
}

impl Role {
    /// The honest behaviour of the role (the owner's is not a population behaviour).
    pub fn honest_kind(self) -> &'static str {
        match self {
            Role::Validator => "honest-validator",
            Role::Miner => "honest-miner",
            Role::Delegator => "speculator",
            Role::Owner => "subnet-owner",
        }
    }

    /// The role's name in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Role::Validator => "validator",
            Role::Miner => "miner",
            Role::Delegator => "delegator",
            Role::Owner => "subnet owner",
        }
    }
}

/// A family of deviations: a bounded parameter space and how a point of it becomes a scenario.
pub trait Family: Sync {
    /// Its name on the command line.
    fn name(&self) -> &'static str;
    /// One sentence: what the deviator does.
    fn about(&self) -> &'static str;
    /// The role its deviator plays.
    fn role(&self) -> Role;
    /// The parameter space.
    fn params(&self) -> Vec<Param>;
    /// The index of the parameter charted on the x axis.
    fn main_param(&self) -> usize {
        0
    }
    /// The deviating scenario at `x` (`honest = false`), or its honest counterpart with the
    /// same capital (`honest = true`).
    ///
    /// # Errors
    /// A message naming what in the base scenario does not fit the family.
    fn build(&self, ctx: &Context, x: &[f64], honest: bool) -> Result<Node, String>;
    /// The deviator's profit in a run, TAO: by default the summed profit of the groups
    /// [`DEVIATOR`] and [`DEVIATOR_MINERS`]. (Runs are remembered by their tree, and only the
    /// owner family, whose trees never hold a `deviator` group, measures otherwise.)
    fn profit(&self, ctx: &Context, out: &crate::run::Outcome) -> f64 {
        let _ = ctx;
        exploit::deviator_profit(out)[0]
    }
}

/// The base scenario and its deviator, as families need them.
#[derive(Clone, Debug)]
pub struct Context {
    /// The base tree (after `--set`).
    pub tree: Node,
    /// The base scenario, validated.
    pub scenario: Scenario,
    /// The file name, for messages.
    pub file: String,
    /// Index of the deviator's group in `population` (the owner family: 0, unused).
    pub index: usize,
    /// The deviator's role.
    pub role: Role,
    /// Index of the deviator's subnet in `subnets` (its group's, or the owner's).
    pub subnet: usize,
}

impl Context {
    /// The context for deviator group `group` (or, with `None`, the first group playing
    /// `role`'s honest behaviour); for [`Role::Owner`], `group` names a subnet (`None`: the
    /// first).
    ///
    /// # Errors
    /// A message naming the group that does not exist (and the groups that do).
    pub fn new(
        tree: &Node,
        scenario: &Scenario,
        file: &str,
        group: Option<&str>,
        role: Role,
    ) -> Result<Context, String> {
        if population(tree).is_none_or(|p| p.len() != scenario.population.len()) {
            return Err(format!("{file}: population: expected a list of groups"));
        }
        if role == Role::Owner {
            let subnet = match group {
                Some(g) => scenario.subnets.iter().position(|s| s.name == g).ok_or_else(|| {
                    let names: Vec<&str> = scenario.subnets.iter().map(|s| s.name.as_str()).collect();
                    format!(
                        "{file}: --deviator: the owner family's deviator is a subnet's owner, and there is no subnet `{g}` (subnets: {})",
                        names.join(", ")
                    )
                })?,
                None => 0,
            };
            return Ok(Context {
                tree: tree.clone(),
                scenario: scenario.clone(),
                file: file.into(),
                index: 0,
                role,
                subnet,
            });
        }
        let index = match group {
            Some(g) => scenario
                .population
                .iter()
                .position(|p| p.name == g)
                .ok_or_else(|| {
                    let names: Vec<&str> =
                        scenario.population.iter().map(|p| p.name.as_str()).collect();
                    format!(
                        "{file}: --deviator: population has no group `{g}` (groups: {})",
                        names.join(", ")
                    )
                })?,
            None => scenario
                .population
                .iter()
                .position(|p| p.kind == role.honest_kind())
                .ok_or_else(|| {
                    format!(
                        "{file}: population: no `{}` group to deviate from; name one with --deviator",
                        role.honest_kind()
                    )
                })?,
        };
        let kind = &scenario.population[index].kind;
        let plays = if kind.contains("validator") || kind == "weight-copier" {
            Some(Role::Validator)
        } else if kind.contains("miner") {
            Some(Role::Miner)
        } else if kind == "speculator" {
            Some(Role::Delegator)
        } else {
            None
        };
        if plays != Some(role) {
            return Err(format!(
                "{file}: population[{index}] (group `{}`): a `{kind}` group cannot deviate as a {}; name a {} group with --deviator",
                scenario.population[index].name,
                role.noun(),
                role.noun(),
            ));
        }
        Ok(Context {
            tree: tree.clone(),
            scenario: scenario.clone(),
            file: file.into(),
            index,
            role,
            subnet: scenario.population[index].subnet,
        })
    }

    /// Who deviates, for reports: the group's name, or `SUBNET/owner`.
    pub fn deviator_name(&self) -> String {
        match self.role {
            Role::Owner => format!("{}/owner", self.scenario.subnets[self.subnet].name),
            _ => self.group().name.clone(),
        }
    }

    /// The deviator's group.
    pub fn group(&self) -> &crate::scenario::Group {
        &self.scenario.population[self.index]
    }

    /// The deviator group's item in the tree.
    pub fn item(&self) -> &Node {
        &population(&self.tree).expect("checked in new")[self.index]
    }

    /// The tree with one agent taken out of the deviator's group and `deviator` (built by
    /// `edit` from a copy of the group's item without its behaviour) inserted after it, and
    /// `extra` items appended after that.
    pub fn split(&self, deviator: Node, extra: Vec<Node>) -> Node {
        let mut tree = self.tree.clone();
        let count = self.group().count;
        let items = population_mut(&mut tree).expect("checked in new");
        let at = if count > 1 {
            set(&mut items[self.index], "count", int(i128::from(count - 1)));
            self.index + 1
        } else {
            items.remove(self.index);
            self.index
        };
        let mut insert = vec![deviator];
        insert.extend(extra);
        for (k, item) in insert.into_iter().enumerate() {
            items.insert(at + k, item);
        }
        tree
    }

    /// A copy of the deviator group's item as one agent named `name`, without its behaviour
    /// (`kind`, `preset`, `params`, `cartel`, `hotkeys`, dynamics), keeping subnet, balance,
    /// stakes and registration.
    pub fn agent_item(&self, name: &str, kind: &str) -> Node {
        let mut item = self.item().clone();
        if let Value::Map(entries) = &mut item.value {
            entries.retain(|(k, _)| {
                !matches!(
                    k.key_text().as_str(),
                    "kind" | "preset" | "params" | "cartel" | "hotkeys" | "entry" | "exit"
                )
            });
        }
        set(&mut item, "group", text(name));
        set(&mut item, "count", int(1));
        set(&mut item, "kind", text(kind));
        item
    }

    /// The params the honest counterpart of `role` plays with: the deviator group's own if it
    /// plays honest, otherwise the first honest group's of the role on any subnet, otherwise
    /// none.
    pub fn honest_params(&self, role: Role) -> Node {
        let items = population(&self.tree).expect("checked in new");
        let own = self.group().kind == role.honest_kind();
        let index = if own {
            Some(self.index)
        } else {
            self.scenario
                .population
                .iter()
                .position(|p| p.kind == role.honest_kind())
        };
        index
            .and_then(|i| get(&items[i], "params").cloned())
            .unwrap_or_else(|| Node::detached(Value::Map(Vec::new())))
    }

    /// Σ stake (TAO) of the validator groups other than one deviating agent.
    pub fn other_validator_stake(&self) -> f64 {
        self.other_validators_sum(|g| g.stake)
    }

    /// The same in genesis stake (alpha), for scenarios whose validators hold their stake
    /// from genesis (the shipped scenarios in the mainnet world) rather than buying it.
    pub fn other_validator_genesis_stake(&self) -> f64 {
        self.other_validators_sum(|g| g.genesis_stake)
    }

    /// Σ over the weight-setting groups' agents, the deviating agent left out, of a per-agent
    /// amount in rao, in whole units.
    fn other_validators_sum(&self, amount: impl Fn(&crate::scenario::Group) -> u64) -> f64 {
        let mut s = 0.0;
        for (i, g) in self.scenario.population.iter().enumerate() {
            if crate::population::sets_weights(&g.kind) {
                let n = if i == self.index {
                    g.count.saturating_sub(1)
                } else {
                    g.count
                };
                s += f64::from(n) * amount(g) as f64 / 1e9;
            }
        }
        s
    }

    /// The days the scenario runs.
    pub fn days(&self) -> f64 {
        self.scenario.blocks as f64 / 7200.0
    }
}

/// The scenario of `tree`, validated.
///
/// # Errors
/// Every problem, as `yumalab validate` reports them.
pub fn validate(
    tree: &Node,
    file: &str,
    read: crate::scenario::ReadFile<'_>,
) -> Result<Scenario, Problems> {
    Scenario::from_tree_with(tree, file, read)
}

/// The `population` list of a tree.
pub fn population(tree: &Node) -> Option<&Vec<Node>> {
    match &get(tree, "population")?.value {
        Value::Seq(items) => Some(items),
        _ => None,
    }
}

fn population_mut(tree: &mut Node) -> Option<&mut Vec<Node>> {
    let Value::Map(entries) = &mut tree.value else {
        return None;
    };
    let (_, v) = entries
        .iter_mut()
        .find(|(k, _)| k.key_text() == "population")?;
    match &mut v.value {
        Value::Seq(items) => Some(items),
        _ => None,
    }
}

/// A mapping's value at `key`.
pub fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.key_text() == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Sets `key` of a mapping (appending it if missing; a non-mapping becomes one).
pub fn set(node: &mut Node, key: &str, value: Node) {
    if !matches!(node.value, Value::Map(_)) {
        node.value = Value::Map(Vec::new());
    }
    let Value::Map(entries) = &mut node.value else {
        unreachable!()
    };
    match entries.iter_mut().find(|(k, _)| k.key_text() == key) {
        Some((_, v)) => *v = value,
        None => entries.push((Node::detached(Value::Str(key.into())), value)),
    }
}

/// A mapping's value at `key`, mutable.
pub fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.key_text() == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Removes `key` from a mapping.
pub fn remove(node: &mut Node, key: &str) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(k, _)| k.key_text() != key);
    }
}

/// An integer node.
pub fn int(i: i128) -> Node {
    Node::detached(Value::Int(i))
}

/// A float node.
pub fn float(x: f64) -> Node {
    Node::detached(Value::Float(x))
}

/// A string node.
pub fn text(s: &str) -> Node {
    Node::detached(Value::Str(s.into()))
}

/// A boolean node.
pub fn boolean(b: bool) -> Node {
    Node::detached(Value::Bool(b))
}

/// A mapping node from `(key, value)` pairs.
pub fn map(entries: Vec<(&str, Node)>) -> Node {
    Node::detached(Value::Map(
        entries.into_iter().map(|(k, v)| (text(k), v)).collect(),
    ))
}

/// A tree as canonical JSON text (the cache key of a run: two trees that say the same run the
/// same).
pub fn key(tree: &Node) -> String {
    tree.to_json().to_string()
}
