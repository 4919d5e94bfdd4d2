//! `yumalab game` without the I/O: a role's population (one group of `N` agents) split among
//! strategies; every split (a point of the simplex grid with `N` agents) is run on the same
//! replicate seeds; per-agent payoffs per strategy; then
//!
//! - **equilibria of the finite game**: a split is stable when no agent gains by switching
//!   strategy alone (its *regret*, the most an agent could gain by switching, is ≤ 0);
//! - **replicator dynamics** and **fictitious play** on the continuous simplex, from the
//!   centre and from near each vertex, payoffs read at the nearest split.
//!
//! Strategies: validators `honest`, `copier` (weight copier of the consensus), `mix` (weight
//! copier of the stake-weighted mean of the other validators' visible rows), `lazy`
//! (evaluates every 10 tempos), `stale`, `uniform`; miners `honest`, `copier` (copying miner,
//! one tempo late), `sybil` (four uids, marked copies); delegators (a `speculator` group)
//! `honest` (stake once behind the start subnet's top validator and hold: `buy_and_hold`),
//! `momentum` (lookback 3 tempos, margin 0.02) and `yield` (yield chasing, margin 0.02), each
//! keeping the group's `budget` and `trade_every_tempos`, as the `delegator` family's
//! deviator does.
//!
//! Subnet owners have no game: a game splits a population of several agents of one role
//! among strategies, and a subnet has one owner. [`strategies`] says so;
//! `yumalab exploit --families owner` searches the owner's deviations instead.

use std::collections::BTreeMap;

use super::exploit::{Runner, replicate_seed};
use super::stats::mean;
use super::{Context, Node, Role, int, map, set, text};
use crate::scenario::Scenario;

/// A strategy of the game.
#[derive(Clone, Debug, PartialEq)]
pub struct Strategy {
    /// Its name.
    pub name: String,
    /// Its behaviour.
    pub kind: &'static str,
    /// Its params (`None`: the honest params of the role).
    pub params: Option<Node>,
    /// Hotkeys per agent.
    pub hotkeys: u32,
}

/// The strategies each role offers, in the order help texts list them (owners: none, see
/// the module docs).
pub fn known(role: Role) -> &'static [&'static str] {
    match role {
        Role::Validator => &["honest", "copier", "mix", "lazy", "stale", "uniform"],
        Role::Miner => &["honest", "copier", "sybil"],
        Role::Delegator => &["honest", "momentum", "yield"],
        Role::Owner => &[],
    }
}

/// The role a game of `names` is played by when none is named: the first of validator,
/// miner, delegator offering every one of them (validator if none does, whose error then
/// lists its strategies).
pub fn role_of(names: &[String]) -> Role {
    [Role::Validator, Role::Miner, Role::Delegator]
        .into_iter()
        .find(|&r| names.iter().all(|n| known(r).contains(&n.as_str())))
        .unwrap_or(Role::Validator)
}

/// The strategies of `role` named in `names`.
///
/// # Errors
/// A message naming an unknown strategy (and the known ones), fewer than two, or the owner
/// role (which has no population to split).
pub fn strategies(role: Role, names: &[String]) -> Result<Vec<Strategy>, String> {
    if role == Role::Owner {
        return Err("--role owner: a game splits a population of several agents of one role among strategies, and a subnet has one owner; search the owner's deviations with `yumalab exploit --families owner --deviator SUBNET`".into());
    }
    let known = known(role);
    let mut out = Vec::new();
    for n in names {
        // One hotkey each unless said otherwise.
        let one = |kind: &'static str, params: Option<Node>| Strategy {
            name: n.clone(),
            kind,
            params,
            hotkeys: 1,
        };
        let s = match (role, n.as_str()) {
            (_, "honest") => one(role.honest_kind(), None),
            (Role::Validator, "copier") => one(
                "weight-copier",
                Some(map(vec![("source", text("consensus"))])),
            ),
            (Role::Validator, "mix") => one(
                "weight-copier",
                Some(map(vec![("source", text("stake_weighted"))])),
            ),
            (Role::Delegator, "momentum") => one(
                "speculator",
                Some(map(vec![
                    ("strategy", text("momentum")),
                    ("lookback_tempos", int(3)),
                    ("threshold", super::float(0.02)),
                ])),
            ),
            (Role::Delegator, "yield") => one(
                "speculator",
                Some(map(vec![
                    ("strategy", text("yield_chasing")),
                    ("threshold", super::float(0.02)),
                ])),
            ),
            (Role::Validator, "lazy" | "stale" | "uniform") => one("lazy-validator", None),
            (Role::Miner, "copier") => {
                one("copying-miner", Some(map(vec![("lag_tempos", int(1))])))
            }
            (Role::Miner, "sybil") => Strategy {
                hotkeys: 4,
                ..one("sybil-miner", None)
            },
            _ => {
                return Err(format!(
                    "--strategies: unknown {} strategy `{n}` (strategies: {})",
                    role.noun(),
                    known.join(", ")
                ));
            }
        };
        if out.iter().any(|o: &Strategy| o.name == s.name) {
            return Err(format!("--strategies: `{n}` is named twice"));
        }
        out.push(s);
    }
    if out.len() < 2 {
        return Err("--strategies: a game needs at least two strategies".into());
    }
    Ok(out)
}

/// Every split of `n` agents among `k` strategies, in lexicographic order (first strategy
/// descending).
pub fn splits(n: u32, k: usize) -> Vec<Vec<u32>> {
    if k == 1 {
        return vec![vec![n]];
    }
    let mut out = Vec::new();
    for first in (0..=n).rev() {
        for mut rest in splits(n - first, k - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

/// The tree where the deviator group's agents play `split`.
///
/// # Errors
/// A message if a strategy cannot be built from the scenario.
pub fn tree_for(ctx: &Context, strategies: &[Strategy], split: &[u32]) -> Result<Node, String> {
    let delegators = ctx.role == Role::Delegator;
    let honest = if delegators {
        delegator_params(ctx, &map(vec![("strategy", text("buy_and_hold"))]))
    } else {
        ctx.honest_params(if ctx.group().kind.contains("miner") {
            Role::Miner
        } else {
            Role::Validator
        })
    };
    let mut items = Vec::new();
    for (s, &n) in strategies.iter().zip(split) {
        if n == 0 {
            continue;
        }
        let mut item = ctx.agent_item(&format!("game-{}", s.name), s.kind);
        set(&mut item, "count", int(i128::from(n)));
        let mut params = match &s.params {
            Some(p) if delegators => delegator_params(ctx, p),
            Some(p) => p.clone(),
            None => honest.clone(),
        };
        match s.name.as_str() {
            "lazy" => {
                set(&mut params, "mode", text("every_n"));
                set(&mut params, "n", int(10));
            }
            "stale" => set(&mut params, "mode", text("stale")),
            "uniform" => set(&mut params, "mode", text("uniform")),
            _ => {}
        }
        if s.hotkeys > 1 {
            set(&mut item, "hotkeys", int(i128::from(s.hotkeys)));
            let b = ctx.group().balance as f64 / 1e9 + 2.0 * f64::from(s.hotkeys);
            set(&mut item, "balance", super::float(b));
            super::remove(&mut params, "copy_detection");
        }
        set(&mut item, "params", params);
        items.push(item);
    }
    let mut tree = ctx.tree.clone();
    let pop = match &mut tree.value {
        crate::yaml::Value::Map(e) => e.iter_mut().find(|(k, _)| k.key_text() == "population"),
        _ => None,
    };
    let Some((_, pop)) = pop else {
        return Err(format!("{}: population: missing", ctx.file));
    };
    let crate::yaml::Value::Seq(list) = &mut pop.value else {
        return Err(format!("{}: population: expected a list", ctx.file));
    };
    list.remove(ctx.index);
    for (k, item) in items.into_iter().enumerate() {
        list.insert(ctx.index + k, item);
    }
    Ok(tree)
}

/// A delegator strategy's params: the group's own `budget` and `trade_every_tempos` (the
/// capital and pace it plays with), the strategy's rule from `rule`.
fn delegator_params(ctx: &Context, rule: &Node) -> Node {
    let own = super::get(ctx.item(), "params");
    let mut params = rule.clone();
    for key in ["budget", "trade_every_tempos"] {
        if let Some(v) = own.and_then(|p| super::get(p, key)) {
            set(&mut params, key, v.clone());
        }
    }
    params
}

/// Per-agent profit of each strategy's group in a run (NaN for a strategy nobody plays).
pub fn measure(names: &[String]) -> impl Fn(&crate::run::Outcome) -> Vec<f64> + Sync + '_ {
    move |out| {
        names
            .iter()
            .map(|n| {
                out.groups
                    .iter()
                    .find(|g| g.group == format!("game-{n}"))
                    .map_or(f64::NAN, |g| g.profit_per_agent)
            })
            .collect()
    }
}

/// The estimated game.
#[derive(Clone, Debug)]
pub struct Game {
    /// Strategy names.
    pub names: Vec<String>,
    /// Agents in the population.
    pub n: u32,
    /// Every split.
    pub splits: Vec<Vec<u32>>,
    /// `payoff[i][s]`: mean per-agent profit (TAO) of strategy `s` at split `i` (NaN if
    /// nobody plays it).
    pub payoff: Vec<Vec<f64>>,
    /// Replicates per split.
    pub replicates: u32,
    /// Days the scenario runs.
    pub days: f64,
}

/// Runs every split on `replicates` seeds and estimates the payoffs.
///
/// # Errors
/// A message naming a split that does not validate or a failed run.
pub fn estimate(
    ctx: &Context,
    strategies: &[Strategy],
    replicates: u32,
    runner: &mut Runner,
    read: crate::scenario::ReadFile<'_>,
) -> Result<Game, String> {
    let names: Vec<String> = strategies.iter().map(|s| s.name.clone()).collect();
    let n = ctx.group().count;
    let splits = splits(n, strategies.len());
    let mut jobs = Vec::new();
    let mut keys = Vec::new();
    for sp in &splits {
        let t = tree_for(ctx, strategies, sp)?;
        keys.push(super::key(&t));
        for r in 0..replicates {
            jobs.push((t.clone(), r));
        }
    }
    {
        let m = measure(&names);
        runner.run(&jobs, &ctx.file, read, &m)?;
    }
    let payoff = keys
        .iter()
        .map(|k| {
            (0..names.len())
                .map(|s| {
                    let xs: Vec<f64> = (0..replicates)
                        .filter_map(|r| runner.values(k, r).map(|v| v[s]))
                        .filter(|x| x.is_finite())
                        .collect();
                    mean(&xs)
                })
                .collect()
        })
        .collect();
    Ok(Game {
        names,
        n,
        splits,
        payoff,
        replicates,
        days: ctx.days(),
    })
}

impl Game {
    fn index(&self) -> BTreeMap<Vec<u32>, usize> {
        self.splits
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect()
    }

    /// The most an agent gains (TAO) by switching strategy alone at split `i` (−∞ if nobody
    /// can switch).
    pub fn regret(&self, i: usize) -> f64 {
        let idx = self.index();
        let sp = &self.splits[i];
        let mut worst = f64::NEG_INFINITY;
        for s in 0..sp.len() {
            if sp[s] == 0 {
                continue;
            }
            for t in 0..sp.len() {
                if t == s {
                    continue;
                }
                let mut q = sp.clone();
                q[s] -= 1;
                q[t] += 1;
                let j = idx[&q];
                worst = worst.max(self.payoff[j][t] - self.payoff[i][s]);
            }
        }
        worst
    }

    /// The splits no agent gains by leaving (regret ≤ 0).
    pub fn equilibria(&self) -> Vec<usize> {
        (0..self.splits.len())
            .filter(|&i| self.regret(i) <= 0.0)
            .collect()
    }

    /// The payoff of each strategy at the split nearest `x` (a strategy nobody plays there:
    /// its payoff when one agent of the most played strategy switches to it).
    pub fn payoff_at(&self, x: &[f64]) -> Vec<f64> {
        let sp = nearest(x, self.n);
        let idx = self.index();
        let i = idx[&sp];
        (0..sp.len())
            .map(|s| {
                if sp[s] > 0 {
                    self.payoff[i][s]
                } else {
                    let top = (0..sp.len())
                        .max_by_key(|&t| (sp[t], usize::MAX - t))
                        .unwrap_or(0);
                    let mut q = sp.clone();
                    q[top] -= 1;
                    q[s] += 1;
                    self.payoff[idx[&q]][s]
                }
            })
            .collect()
    }

    /// Starting mixes: the centre, then near each vertex.
    pub fn starts(&self) -> Vec<Vec<f64>> {
        let k = self.names.len();
        let mut out = vec![vec![1.0 / k as f64; k]];
        for v in 0..k {
            out.push(
                (0..k)
                    .map(|s| if s == v { 0.8 } else { 0.2 / (k - 1) as f64 })
                    .collect(),
            );
        }
        out
    }

    /// Discrete-time replicator dynamics from `x0` (2000 steps).
    pub fn replicator(&self, x0: &[f64]) -> Vec<f64> {
        let scale = self
            .payoff
            .iter()
            .flatten()
            .filter(|x| x.is_finite())
            .fold(0.0_f64, |m, x| m.max(x.abs()))
            .max(1e-12);
        let mut x = x0.to_vec();
        for _ in 0..2000 {
            let u = self.payoff_at(&x);
            let avg: f64 = x.iter().zip(&u).map(|(a, b)| a * b).sum();
            for (xs, us) in x.iter_mut().zip(&u) {
                *xs *= 1.0 + 0.5 * (us - avg) / scale;
                *xs = xs.max(0.0);
            }
            let sum: f64 = x.iter().sum();
            for xs in &mut x {
                *xs /= sum;
            }
        }
        x
    }

    /// Fictitious play from belief `x0` (2000 steps, best response to the split nearest the
    /// belief).
    pub fn fictitious_play(&self, x0: &[f64]) -> Vec<f64> {
        let mut b = x0.to_vec();
        for t in 1..=2000 {
            let u = self.payoff_at(&b);
            let br = (0..u.len())
                .max_by(|&a, &c| u[a].total_cmp(&u[c]).then(c.cmp(&a)))
                .unwrap_or(0);
            for (s, bs) in b.iter_mut().enumerate() {
                let e = if s == br { 1.0 } else { 0.0 };
                *bs += (e - *bs) / (t as f64 + 1.0);
            }
        }
        b
    }
}

/// The split of `n` agents nearest the mix `x` (largest remainders, ties to the first).
pub fn nearest(x: &[f64], n: u32) -> Vec<u32> {
    let sum: f64 = x.iter().sum::<f64>().max(1e-300);
    let raw: Vec<f64> = x.iter().map(|v| v / sum * f64::from(n)).collect();
    let mut sp: Vec<u32> = raw.iter().map(|v| v.floor() as u32).collect();
    let mut left = n - sp.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| {
        (raw[b] - raw[b].floor())
            .total_cmp(&(raw[a] - raw[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in &order {
        if left == 0 {
            break;
        }
        sp[i] += 1;
        left -= 1;
    }
    sp
}

/// Unused: keeps the seed derivation of games the same as exploit's.
pub fn seed(scenario: &Scenario, r: u32) -> u64 {
    replicate_seed(scenario.seed, r)
}
