//! Who earned what, per group, for the table `yumalab run` prints: earnings from the run's
//! [`Results`] (the analysis), costs and profit from the agents at the end.
//!
//! Profit of an agent = the TAO value of everything it holds at the end ([`all_holdings`]:
//! free TAO, plus its alpha on each subnet valued at what it would realise if the agent alone
//! unstaked it into the final pool, root stake 1:1) − what it held at genesis, valued the
//! same way in the genesis pools ([`Member::genesis`]) − its off-chain costs (evaluation,
//! serving; and its group's `costs` in USD and TAO per day, converted by the analysis).
//! Registration burns and swap fees are already out of its balance; stake bought at block 1
//! is capital as the TAO it cost (in the genesis balance), so the fee and slippage of buying
//! it, and of selling it at the end, are part of the profit. Emission earned is the alpha paid
//! to the agent's hotkeys (miner incentive, validator dividends with takes, root dividends),
//! valued at the price of the epoch that paid it.

use std::collections::BTreeMap;

use yumalab_agents::units::ColdkeyId;

use crate::chain::basket::realizable_at_fee;
use crate::chain::state::Chain;
use crate::engine::Simulation;
use crate::population::Member;
use crate::report::analysis::Results;

/// One group's results.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    /// The group.
    pub group: String,
    /// Its behaviour.
    pub kind: String,
    /// Agents in it.
    pub agents: usize,
    /// Emission earned (TAO value), all agents together, in TAO.
    pub earned: f64,
    /// Share of all emission earned by agents.
    pub earned_share: f64,
    /// Off-chain costs, in TAO.
    pub costs: f64,
    /// Σ profit, in TAO.
    pub profit: f64,
    /// Profit per agent, in TAO.
    pub profit_per_agent: f64,
    /// Profit / genesis balance.
    pub roi: f64,
}

/// The TAO value of everything each coldkey holds now, indexed by coldkey: free TAO; on each
/// subnet, the coldkey's alpha (all its hotkeys' stakes there together) valued at what it
/// realises if the coldkey alone unstaked it now ([`realizable_at_fee`]: the pool's curve,
/// chunked as the chain chunks, at the chain's swap fee, the pool left unchanged), not at the
/// spot price — a large position moves the price it sells at, and a price its own buying
/// pushed up is not what it is worth; root stake 1:1; then unclaimed root dividends in
/// validators' baskets at today's marks (§13.6). Each holder sells alone against the current
/// pool (positions are not summed across holders, nor sold one after another), so the values
/// of several holders of one subnet do not add up to what they would realise together. One
/// pass over the stakes for every coldkey at once (a scan per member cost 10⁹ lookups in a
/// network of 32 768 members). Holders that are not coldkeys of the chain (the protocol's
/// sentinel) are skipped.
pub fn all_holdings(chain: &Chain) -> Vec<f64> {
    let mut v: Vec<f64> = chain.coldkeys.iter().map(|c| c.balance as f64).collect();
    let fee = chain.params.swap_fee;
    for s in chain.subnets.values() {
        let mut alpha: BTreeMap<ColdkeyId, u64> = BTreeMap::new();
        for pool in s.stakes.values() {
            for c in pool.holders() {
                let a = pool.stake_of(c);
                if a > 0 && (c.0 as usize) < v.len() {
                    let x = alpha.entry(c).or_default();
                    *x = x.saturating_add(a);
                }
            }
        }
        for (c, a) in alpha {
            v[c.0 as usize] += realizable_at_fee(&s.pool, a, fee).tao as f64;
        }
    }
    for pool in chain.root.stakes().values() {
        for c in pool.holders() {
            if let Some(x) = v.get_mut(c.0 as usize) {
                *x += pool.stake_of(c) as f64;
            }
        }
    }
    // Only a coldkey with root stake behind a fund's hotkey, or a watermark in the fund, can be
    // owed by it (`owed(ρ, 0, 0) = 0`).
    let mut owed: std::collections::BTreeSet<ColdkeyId> = std::collections::BTreeSet::new();
    for (h, fund) in &chain.baskets.funds {
        owed.extend(fund.claimed.keys().copied());
        if let Some(p) = chain.root.pool(*h) {
            owed.extend(p.holders());
        }
    }
    for c in owed {
        if let Some(x) = v.get_mut(c.0 as usize) {
            *x += chain.basket_claimable_value(c) as f64;
        }
    }
    v
}

/// Per-group results at the end of a run, in population order: emission from `results`
/// (`group.G.emission_tao`, `group.G.emission_share`), costs and profit from the agents.
pub fn summarize(sim: &Simulation, members: &[Member], results: &Results) -> Vec<GroupSummary> {
    let held = all_holdings(sim.chain());
    let mut out: Vec<GroupSummary> = Vec::new();
    for m in members {
        let cost = sim.agents()[m.agent].cost() as f64;
        let start = m.genesis as f64;
        let profit = held[m.identity.coldkey.0 as usize] - start - cost;
        let row = match out.iter_mut().find(|r| r.group == m.group) {
            Some(r) => r,
            None => {
                let get = |metric: &str| {
                    results
                        .get(&format!("group.{}.{metric}", m.group))
                        .filter(|x| x.is_finite())
                        .unwrap_or(0.0)
                };
                out.push(GroupSummary {
                    group: m.group.clone(),
                    kind: m.kind.clone(),
                    agents: 0,
                    earned: get("emission_tao"),
                    earned_share: get("emission_share"),
                    costs: 0.0,
                    profit: 0.0,
                    profit_per_agent: 0.0,
                    roi: 0.0,
                });
                out.last_mut().expect("pushed")
            }
        };
        row.agents += 1;
        row.costs += cost / 1e9;
        row.profit += profit / 1e9;
        row.roi += start / 1e9; // summed genesis, divided below
    }
    for r in &mut out {
        // The group's own `costs` (USD and TAO per day), which the analysis charges.
        let total = results
            .get(&format!("group.{}.costs_tao", r.group))
            .filter(|x| x.is_finite())
            .unwrap_or(r.costs);
        let extra = total - r.costs;
        if extra > 0.0 {
            r.costs = total;
            r.profit -= extra;
        }
        r.profit_per_agent = r.profit / r.agents.max(1) as f64;
        r.roi = if r.roi > 0.0 { r.profit / r.roi } else { 0.0 };
    }
    out
}
