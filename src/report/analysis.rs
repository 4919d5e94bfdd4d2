//! The three questions of a run, answered from its rows: **reward concentration** (who gets
//! the emission), **inflation versus value** (what the issuance buys) and **gaming
//! resistance** (whether a strategy is paid more than it contributes).
//!
//! [`Analysis`] consumes the rows of a run's tables (neurons, subnets, network, agents) in
//! table order, either live from an observer or read back from the Parquet files
//! (`yumalab report DIR`); both paths feed it the same values in the same order, so they give
//! the same numbers bit for bit. [`Analysis::finish`] returns [`Results`]: one summary row
//! (every metric, by name), a time series per 360-block window, and what the charts need.
//!
//! Definitions (also in `reports/README.md`):
//! - **Emission** of a hotkey: the alpha paid to it (miner incentive, validator dividends
//!   including takes, root dividends), valued in TAO at the paying epoch's spot price. The
//!   owner cut is reported on its own (`inflation.owner_cut_tao`), not per hotkey.
//! - **Value produced** (`value` column): per epoch, each miner's mean true quality × the
//!   subnet's `value_per_quality`, counted only for original work (a copy adds nothing).
//!   It is in the scenario's `value_unit`s, not TAO.
//! - **Contribution** of a group, within its side: miners' share of the value produced;
//!   validators' share of the validator stake (Yuma stake weight summed over epochs, i.e.
//!   what a stake-proportional payout would give). `advantage` = the group's share of its
//!   side's emission (incentive for miners, dividends for validators) ÷ its contribution
//!   share: 1 is paid for what it brings, above 1 is paid more.
//! - **Relative dividend rate** `G` of a validator (metrics.md, weight-copying paper): its
//!   dividends per unit of mean stake over the median rate of the honest validators of its
//!   subnet, over the whole run. A group's `G` is the mean of its members'.
//! - **Cartel advantage**: the colluding groups of a subnet together, their share of the
//!   subnet's emission ÷ their fair share (stake share × the dividend part of the emission +
//!   value share × the incentive part).
//! - **Holdings and capital** (the agents' rows, [`crate::report::summary::all_holdings`]):
//!   free TAO, each coldkey's alpha on each subnet valued at what it would realise if that
//!   coldkey alone unstaked it into the pool (fee and slippage included, the pool unchanged),
//!   root stake 1:1; at the end of the run (`holdings`) and at genesis (`genesis`, the capital
//!   APY and ROI are on) alike. A group paid nothing by epochs (speculators, root stakers)
//!   earns what its holdings gained.
//! - **Break-even**: days until the emission earned, net of running costs, pays back what the
//!   agent sank (registration burns, swap fees, price moves): `genesis + emission − costs −
//!   holdings` over the net income per day; `+∞` if it never does, 0 if nothing was sunk.
//! - **Yields**: stakers' nominal yield = dividends (TAO value) ÷ the mean TAO value of the
//!   stake, annualised; inflation = TAO issued ÷ issuance at the start, annualised; real yield
//!   = (1 + nominal) / (1 + inflation) − 1.
//!
//! Concentration metrics follow [`crate::metrics`] (see [`crate::metrics::CONVENTIONS`]):
//! `uid` level is per (subnet, hotkey); `operator` level collapses to the coldkey's name.
//! Zero holders are dropped, except in `gini_with_zeros`/`theil_with_zeros`.

use std::collections::BTreeMap;

use super::units::Units;
use crate::metrics::{
    Concentration, break_even_tempos, effective_number, emission_vs_contribution, gini,
    relative_dividend_rate,
};

/// Blocks per window of the time series (one tempo at the default 360).
pub const WINDOW_BLOCKS: u64 = 360;
/// Windows in the rolling window (7 days of 12-second blocks).
pub const ROLLING_WINDOWS: usize = 140;
/// Blocks per day.
pub const BLOCKS_PER_DAY: f64 = 7200.0;

/// One uid at one epoch (a row of `neurons.parquet`).
#[derive(Clone, Copy, Debug)]
pub struct NeuronRow<'a> {
    /// Block of the epoch.
    pub block: u64,
    /// Subnet.
    pub netuid: u16,
    /// Uid.
    pub uid: u16,
    /// Hotkey name.
    pub hotkey: &'a str,
    /// Its coldkey's name.
    pub operator: &'a str,
    /// Scenario group (`owner` for the subnet owner, empty if none).
    pub group: &'a str,
    /// Behaviour.
    pub kind: &'a str,
    /// Yuma stake weight (rao).
    pub stake: f64,
    /// Validator permit.
    pub permit: bool,
    /// Alpha paid as miner incentive (rao).
    pub incentive_alpha: u64,
    /// Alpha paid as validator dividends (rao).
    pub dividend_alpha: u64,
    /// Alpha paid as root dividends (rao).
    pub root_dividend_alpha: u64,
    /// The part of the dividends that went to the hotkey's nominators (rao).
    pub nominators_alpha: u64,
    /// The part of `nominators_alpha` that is root dividends, for the hotkey's root
    /// nominators (rao).
    pub root_nominators_alpha: u64,
    /// The hotkey's stake held by its nominators (rao).
    pub nominated_alpha: u64,
    /// Spot price at the epoch (TAO per alpha).
    pub price: f64,
    /// Value produced this epoch (value units; 0 for copies and non-miners).
    pub value: f64,
}

/// One subnet at one epoch (a row of `subnets.parquet`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubnetRow {
    /// Block of the epoch.
    pub block: u64,
    /// Subnet.
    pub netuid: u16,
    /// Spot price (TAO per alpha).
    pub price: f64,
    /// EMA price.
    pub moving_price: f64,
    /// TAO in the pool (rao).
    pub tao_reserve: u64,
    /// Alpha in the pool (rao).
    pub alpha_reserve: u64,
    /// TAO injected into the pool since the previous epoch (rao).
    pub tao_in: u64,
    /// TAO of chain buys since the previous epoch (rao).
    pub excess_tao: u64,
    /// Alpha injected into the pool since the previous epoch (rao).
    pub alpha_in: u64,
    /// Alpha emitted to participants since the previous epoch (rao).
    pub alpha_emitted: u64,
    /// Alpha distributed by this epoch (rao).
    pub emission: u64,
    /// Owner cut (alpha rao).
    pub owner_cut: u64,
    /// The subnet's share of the block emission.
    pub share: f64,
    /// That share before the emission gate (§13.2; equal to `share` without a gate).
    pub share_before_gate: f64,
}

/// The network every 360 blocks (a row of `network.parquet`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetworkRow {
    /// Block.
    pub block: u64,
    /// Total TAO issuance (rao).
    pub total_issuance: u64,
    /// TAO minted since genesis (rao, cumulative).
    pub tao_minted: u64,
    /// TAO recycled since genesis (rao, cumulative).
    pub tao_recycled: u64,
    /// The emission gate's bar (§13.2) at this block (0 without a gate).
    pub gate_bar: f64,
}

/// One agent at the end (a row of `agents.parquet`).
#[derive(Clone, Copy, Debug)]
pub struct AgentRow<'a> {
    /// Scenario group.
    pub group: &'a str,
    /// Behaviour.
    pub kind: &'a str,
    /// Genesis balance (TAO).
    pub genesis_tao: f64,
    /// Holdings at the end (TAO).
    pub holdings_tao: f64,
    /// Off-chain costs (TAO).
    pub costs_tao: f64,
    /// Profit (TAO).
    pub profit_tao: f64,
}

/// Which side of the market a behaviour is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Produces work, paid incentive.
    Miner,
    /// Sets weights, paid dividends.
    Validator,
    /// Neither (delegators, speculators).
    Other,
}

/// The side of `kind`.
pub fn side_of(kind: &str) -> Side {
    if kind.ends_with("-miner") || kind == "subnet-owner" {
        Side::Miner
    } else if kind.ends_with("-validator") || kind == "weight-copier" {
        Side::Validator
    } else {
        Side::Other
    }
}

#[derive(Clone, Debug, Default)]
struct Holder {
    netuid: u16,
    /// Its hotkey's name (with `netuid`, what identifies it).
    hotkey: String,
    operator: usize,
    group: usize,
    emission: f64,
    incentive: f64,
    dividends: f64,
    stake_sum: f64,
    epochs: u64,
    value: f64,
    last_stake: f64,
    last_block: u64,
    emission_usd: f64,
    /// The part of `emission` that went to the hotkey's nominators, TAO (and USD).
    nominators: f64,
    nominators_usd: f64,
}

#[derive(Clone, Debug, Default)]
struct GroupAcc {
    kind: String,
    agents: usize,
    genesis: f64,
    holdings: f64,
    costs: f64,
    profit: f64,
    seen_in_agents: bool,
    /// The group's `costs` (per agent per day, [`Units::costs`]) over the run, in TAO; part
    /// of `costs` and taken from `profit`.
    extra_costs: f64,
    /// The USD part of them, in USD.
    extra_usd: f64,
}

/// Per-window concentration and flows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WindowRow {
    /// Last block of the window.
    pub block: u64,
    /// Emission paid in the window (TAO).
    pub emission_tao: f64,
    /// Value produced in the window (value units).
    pub value: f64,
    /// Cumulative TAO issued since the start (TAO).
    pub tao_issued: f64,
    /// Cumulative emission paid (TAO value).
    pub emission_tao_cum: f64,
    /// Cumulative value produced.
    pub value_cum: f64,
    /// Gini of the window's emission, uid level.
    pub gini_uid: f64,
    /// Gini of the window's emission, operator level.
    pub gini_operator: f64,
    /// Nakamoto (50 %) of the window's emission, operator level.
    pub nakamoto_operator: f64,
    /// Top operator's share of the window's emission.
    pub top1_operator: f64,
    /// HHI of the window's emission, operator level.
    pub hhi_operator: f64,
    /// Gini of the emission over the last 7 days, operator level.
    pub gini_operator_7d: f64,
    /// Gini of the stake at the end of the window, operator level.
    pub stake_gini_operator: f64,
}

/// The whole network in one 360-block window of a world run (each subnet at its latest epoch).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetWindow {
    /// Last block of the window (from the world's genesis).
    pub block: u64,
    /// Median spot price over the subnets with a price (TAO per alpha).
    pub median_price: f64,
    /// Median moving price over the same subnets.
    pub median_moving_price: f64,
    /// Effective number of paid subnets, 1 / Σ s² of the shares (normalised to sum 1).
    pub effective_paid: f64,
    /// Subnets with a share above 0.
    pub paid: f64,
    /// The 10 largest shares together.
    pub top10: f64,
}

/// What the charts and the report need besides the summary row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    /// Every metric, by name, in a fixed order.
    pub summary: Vec<(String, f64)>,
    /// One row per 360-block window.
    pub windows: Vec<WindowRow>,
    /// Cumulative emission per uid (TAO), for the Lorenz curve.
    pub emission_by_uid: Vec<f64>,
    /// Cumulative emission per operator (TAO).
    pub emission_by_operator: Vec<f64>,
    /// Final stake per operator (rao).
    pub stake_by_operator: Vec<f64>,
    /// In a world: the whole network per 360-block window (empty when isolated).
    pub network: Vec<NetWindow>,
    /// In a world: every subnet's mean share of the block emission over the run, by netuid.
    pub subnet_shares: Vec<(u16, f64)>,
    /// In a world: the emission gate's bar per network row `(block, bar)`.
    pub gate_bars: Vec<(u64, f64)>,
    /// TAO's USD price per day of the run `(day, price)`, if the scenario prices it.
    pub tao_usd: Vec<(f64, f64)>,
    /// Groups in the order first seen (neuron rows, then agent rows): (group, kind, side).
    pub groups: Vec<(String, String, Side)>,
    /// Subnet rows, in table order.
    pub subnets: Vec<SubnetRow>,
}

impl Results {
    /// The value of metric `name`, if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.summary.iter().find(|(n, _)| n == name).map(|p| p.1)
    }
}

/// Accumulates a run's rows; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    keys: BTreeMap<u16, BTreeMap<String, usize>>,
    /// A cache of `keys` by position: `by_uid[netuid][uid]` is 1 + the holder that uid's last
    /// row had (0: none yet), confirmed by its hotkey's name before it is used.
    by_uid: Vec<Vec<usize>>,
    holders: Vec<Holder>,
    operators: BTreeMap<String, usize>,
    operator_names: Vec<String>,
    group_index: BTreeMap<String, usize>,
    groups: Vec<(String, GroupAcc)>,
    window: u64,
    window_emission: Vec<f64>,
    window_value: f64,
    rolling: std::collections::VecDeque<Vec<f64>>,
    windows: BTreeMap<u64, WindowRow>,
    subnets: Vec<SubnetRow>,
    network: Vec<NetworkRow>,
    stake_value: BTreeMap<u16, (f64, u64)>,
    last_epoch_block: BTreeMap<u16, u64>,
    /// The genesis block: rows' blocks are counted from it (0 unless the run starts from a
    /// snapshot).
    start: u64,
    /// The subnets analysed (`None`: all): a world's background subnets are left out.
    only: Option<std::collections::BTreeSet<u16>>,
    /// Real units: USD price, group costs, value prices.
    units: Units,
    /// In a world: every subnet's latest (share, spot price, moving price).
    net_latest: BTreeMap<u16, (f64, f64, f64)>,
    /// The window `net_latest` is in.
    net_window: u64,
    /// Closed network windows.
    net_windows: Vec<NetWindow>,
    /// In a world: every subnet's (Σ share, epochs).
    net_share_sum: BTreeMap<u16, (f64, u64)>,
    /// Per analysed subnet, the nominators': TAO received, alpha received, and Σ over epochs
    /// of the alpha they had staked (per epoch block: the number of epochs).
    nominated: BTreeMap<u16, Nominated>,
}

/// What a subnet's nominators (stakers on validators they do not own) received: on their
/// alpha stake (`tao`, `alpha`), and on the root stake nominated to its validators
/// (`root_tao`).
#[derive(Clone, Debug, Default)]
struct Nominated {
    tao: f64,
    alpha: f64,
    root_tao: f64,
    stake_sum: f64,
    epochs: std::collections::BTreeSet<u64>,
}

fn intern(map: &mut BTreeMap<String, usize>, names: &mut Vec<String>, name: &str) -> usize {
    if let Some(&i) = map.get(name) {
        return i;
    }
    let i = names.len();
    map.insert(name.to_owned(), i);
    names.push(name.to_owned());
    i
}

fn window_of(block: u64) -> u64 {
    block.div_ceil(WINDOW_BLOCKS)
}

fn nonneg(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

impl Analysis {
    /// A new, empty analysis.
    pub fn new() -> Analysis {
        Analysis::default()
    }

    /// An analysis of a run in a world ([`crate::world`]): blocks count from `start` (the
    /// world's genesis block), and only the rows of `netuids` (the scenario's own subnets)
    /// are analysed; the background subnets' rows stay in the tables.
    pub fn in_world(start: u64, netuids: impl IntoIterator<Item = u16>) -> Analysis {
        Analysis {
            start,
            only: Some(netuids.into_iter().collect()),
            ..Analysis::default()
        }
    }

    /// The same analysis, converting with `units` (USD price, group costs, value prices).
    pub fn with_units(self, units: Units) -> Analysis {
        Analysis { units, ..self }
    }

    /// Whether rows of `netuid` are analysed.
    fn analysed(&self, netuid: u16) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&netuid))
    }

    fn group(&mut self, name: &str, kind: &str) -> usize {
        if let Some(&i) = self.group_index.get(name) {
            return i;
        }
        let i = self.groups.len();
        self.group_index.insert(name.to_owned(), i);
        self.groups.push((
            name.to_owned(),
            GroupAcc {
                kind: kind.to_owned(),
                ..GroupAcc::default()
            },
        ));
        i
    }

    /// One row of `neurons.parquet`. Rows come in block order.
    pub fn neuron(&mut self, r: &NeuronRow<'_>) {
        if !self.analysed(r.netuid) {
            return;
        }
        let r = &NeuronRow {
            block: r.block.saturating_sub(self.start),
            ..*r
        };
        let w = window_of(r.block);
        if w != self.window {
            self.close_window();
            self.window = w;
        }
        // Looked up by uid, confirmed by name; else by borrowed name: no allocation per row
        // once a hotkey is known.
        let (n, uid) = (usize::from(r.netuid), usize::from(r.uid));
        let cached = self
            .by_uid
            .get(n)
            .and_then(|v| v.get(uid))
            .and_then(|&h| h.checked_sub(1))
            .filter(|&h| self.holders[h].hotkey == r.hotkey);
        let known = cached.or_else(|| {
            self.keys
                .get(&r.netuid)
                .and_then(|m| m.get(r.hotkey))
                .copied()
        });
        let h = match known {
            Some(h) => h,
            None => {
                let operator = intern(&mut self.operators, &mut self.operator_names, r.operator);
                let group = self.group(r.group, r.kind);
                let h = self.holders.len();
                self.keys
                    .entry(r.netuid)
                    .or_default()
                    .insert(r.hotkey.to_owned(), h);
                self.holders.push(Holder {
                    netuid: r.netuid,
                    hotkey: r.hotkey.to_owned(),
                    operator,
                    group,
                    ..Holder::default()
                });
                h
            }
        };
        if cached.is_none() {
            if self.by_uid.len() <= n {
                self.by_uid.resize_with(n + 1, Vec::new);
            }
            let row = &mut self.by_uid[n];
            if row.len() <= uid {
                row.resize(uid + 1, 0);
            }
            row[uid] = h + 1;
        }
        let price = nonneg(r.price);
        let incentive = r.incentive_alpha as f64 * price / 1e9;
        let dividends = (r.dividend_alpha + r.root_dividend_alpha) as f64 * price / 1e9;
        let stake = nonneg(r.stake);
        let value = nonneg(r.value);
        let usd = self.units.price(r.block as f64 / BLOCKS_PER_DAY);
        let holder = &mut self.holders[h];
        holder.emission += incentive + dividends;
        holder.emission_usd += (incentive + dividends) * usd;
        if r.nominators_alpha > 0 || r.nominated_alpha > 0 {
            let nominators = r.nominators_alpha as f64 * price / 1e9;
            holder.nominators += nominators;
            holder.nominators_usd += nominators * usd;
            let n = self.nominated.entry(r.netuid).or_default();
            let root = r.root_nominators_alpha.min(r.nominators_alpha);
            let on_alpha = (r.nominators_alpha - root) as f64;
            n.tao += on_alpha * price / 1e9;
            n.root_tao += root as f64 * price / 1e9;
            n.alpha += on_alpha;
            n.stake_sum += r.nominated_alpha as f64;
            n.epochs.insert(r.block);
        }
        holder.incentive += incentive;
        holder.dividends += dividends;
        holder.stake_sum += stake;
        holder.epochs += 1;
        holder.value += value;
        holder.last_stake = stake;
        holder.last_block = r.block;
        if self.window_emission.len() < self.holders.len() {
            self.window_emission.resize(self.holders.len(), 0.0);
        }
        self.window_emission[h] += incentive + dividends;
        self.window_value += value;
        let sv = self.stake_value.entry(r.netuid).or_default();
        sv.0 += stake * price / 1e9;
        self.last_epoch_block.insert(r.netuid, r.block);
    }

    /// One row of `subnets.parquet`.
    pub fn subnet(&mut self, r: &SubnetRow) {
        if self.only.is_some() {
            self.network_subnet(r);
        }
        if !self.analysed(r.netuid) {
            return;
        }
        self.stake_value.entry(r.netuid).or_default().1 += 1;
        self.subnets.push(SubnetRow {
            block: r.block.saturating_sub(self.start),
            ..*r
        });
    }

    /// In a world, every subnet's row feeds the network panels.
    fn network_subnet(&mut self, r: &SubnetRow) {
        let w = window_of(r.block.saturating_sub(self.start));
        if w != self.net_window {
            self.close_net_window();
            self.net_window = w;
        }
        self.net_latest.insert(
            r.netuid,
            (nonneg(r.share), nonneg(r.price), nonneg(r.moving_price)),
        );
        let e = self.net_share_sum.entry(r.netuid).or_default();
        e.0 += nonneg(r.share);
        e.1 += 1;
    }

    fn close_net_window(&mut self) {
        if self.net_latest.is_empty() {
            return;
        }
        let shares: Vec<f64> = self.net_latest.values().map(|v| v.0).collect();
        let total: f64 = shares.iter().sum();
        let mut sorted = shares.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let median_of = |f: fn(&(f64, f64, f64)) -> f64| {
            let mut p: Vec<f64> = self
                .net_latest
                .values()
                .map(f)
                .filter(|x| *x > 0.0)
                .collect();
            p.sort_by(f64::total_cmp);
            median_sorted(&p)
        };
        self.net_windows.push(NetWindow {
            block: self.net_window * WINDOW_BLOCKS,
            median_price: median_of(|v| v.1),
            median_moving_price: median_of(|v| v.2),
            effective_paid: effective_number(&shares),
            paid: shares.iter().filter(|&&x| x > 0.0).count() as f64,
            top10: ratio(sorted.iter().take(10).sum(), total),
        });
    }

    /// One row of `network.parquet`.
    pub fn network(&mut self, r: &NetworkRow) {
        self.network.push(NetworkRow {
            block: r.block.saturating_sub(self.start),
            ..*r
        });
    }

    /// One row of `agents.parquet` (rows in population order).
    pub fn agent(&mut self, r: &AgentRow<'_>) {
        let g = self.group(r.group, r.kind);
        let acc = &mut self.groups[g].1;
        acc.agents += 1;
        acc.genesis += r.genesis_tao;
        acc.holdings += r.holdings_tao;
        acc.costs += r.costs_tao;
        acc.profit += r.profit_tao;
        acc.seen_in_agents = true;
    }

    fn operator_sums(&self, per_holder: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.operator_names.len()];
        for (h, x) in self.holders.iter().zip(per_holder) {
            out[h.operator] += x;
        }
        out
    }

    fn stake_snapshot(&self) -> Vec<f64> {
        self.holders
            .iter()
            .map(|h| {
                if self.last_epoch_block.get(&h.netuid) == Some(&h.last_block) {
                    h.last_stake
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn close_window(&mut self) {
        if self.window == 0 && self.window_emission.iter().all(|&x| x == 0.0) {
            self.window_value = 0.0;
            return;
        }
        let mut emission = std::mem::take(&mut self.window_emission);
        emission.resize(self.holders.len(), 0.0);
        let by_operator = self.operator_sums(&emission);
        let uid = Concentration::of_nonzero(&emission);
        let op = Concentration::of_nonzero(&by_operator);
        self.rolling.push_back(by_operator);
        if self.rolling.len() > ROLLING_WINDOWS {
            self.rolling.pop_front();
        }
        let mut rolled = vec![0.0; self.operator_names.len()];
        for w in &self.rolling {
            for (r, x) in rolled.iter_mut().zip(w) {
                *r += x;
            }
        }
        let stake = self.operator_sums(&self.stake_snapshot());
        let row = WindowRow {
            block: self.window * WINDOW_BLOCKS,
            emission_tao: uid.total,
            value: self.window_value,
            gini_uid: nan_if_empty(&uid, uid.gini),
            gini_operator: nan_if_empty(&op, op.gini),
            nakamoto_operator: nan_if_empty(&op, op.nakamoto_50 as f64),
            top1_operator: nan_if_empty(&op, op.top1_share),
            hhi_operator: nan_if_empty(&op, op.hhi),
            gini_operator_7d: gini_nonzero(&rolled),
            stake_gini_operator: gini_nonzero(&stake),
            ..WindowRow::default()
        };
        self.windows.insert(self.window, row);
        self.window_emission = vec![0.0; self.holders.len()];
        self.window_value = 0.0;
    }

    /// Every metric, the windows and the chart inputs.
    pub fn finish(mut self) -> Results {
        self.close_window();
        self.close_net_window();
        let mut m = Metrics::default();
        let blocks = self
            .network
            .last()
            .map(|n| n.block)
            .into_iter()
            .chain(self.subnets.last().map(|s| s.block))
            .max()
            .unwrap_or(0);
        let days = blocks as f64 / BLOCKS_PER_DAY;
        m.put("run.blocks", blocks as f64);
        m.put("run.days", days);
        m.put("run.epochs", self.subnets.len() as f64);

        // Concentration.
        let emission: Vec<f64> = self.holders.iter().map(|h| h.emission).collect();
        let incentive: Vec<f64> = self.holders.iter().map(|h| h.incentive).collect();
        let stake = self.stake_snapshot();
        let emission_op = self.operator_sums(&emission);
        let incentive_op = self.operator_sums(&incentive);
        let stake_op = self.operator_sums(&stake);
        for (subject, uid, op) in [
            ("emission", &emission, &emission_op),
            ("incentive", &incentive, &incentive_op),
            ("stake", &stake, &stake_op),
        ] {
            for (level, xs) in [("uid", uid), ("operator", op)] {
                m.concentration(&format!("{subject}.{level}"), xs);
            }
        }
        let windows: Vec<WindowRow> = self.time_series();
        let finite_mean = |f: fn(&WindowRow) -> f64| {
            let v: Vec<f64> = windows.iter().map(f).filter(|x| x.is_finite()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        m.put(
            "emission.operator.gini_window_mean",
            finite_mean(|w| w.gini_operator),
        );
        m.put(
            "emission.operator.gini_7d_last",
            windows.last().map_or(f64::NAN, |w| w.gini_operator_7d),
        );

        // Inflation versus value.
        let first = self.network.first().copied().unwrap_or_default();
        let last = self.network.last().copied().unwrap_or_default();
        let start_issuance =
            (first.total_issuance + first.tao_recycled).saturating_sub(first.tao_minted) as f64;
        let tao_issued = last.tao_minted as f64 / 1e9;
        let alpha_issued: f64 = self
            .subnets
            .iter()
            .map(|s| (s.alpha_in + s.alpha_emitted) as f64)
            .sum::<f64>()
            / 1e9;
        let owner_cut: f64 = self
            .subnets
            .iter()
            .map(|s| s.owner_cut as f64 * nonneg(s.price))
            .sum::<f64>()
            / 1e9;
        let emission_tao: f64 = emission.iter().sum();
        let dividends_tao: f64 = self.holders.iter().map(|h| h.dividends).sum();
        let value: f64 = self.holders.iter().map(|h| h.value).sum();
        m.put("inflation.start_issuance_tao", start_issuance / 1e9);
        m.put("inflation.tao_issued", tao_issued);
        m.put("inflation.tao_recycled", last.tao_recycled as f64 / 1e9);
        m.put("inflation.alpha_issued", alpha_issued);
        m.put("inflation.emission_tao", emission_tao);
        m.put("inflation.owner_cut_tao", owner_cut);
        m.put("inflation.value_produced", value);
        m.put("inflation.tao_per_value", ratio(emission_tao, value));
        let years = days / 365.0;
        let inflation = if start_issuance > 0.0 && years > 0.0 {
            (tao_issued * 1e9 / start_issuance) / years
        } else {
            f64::NAN
        };
        m.put("inflation.annual_rate", inflation);
        let stake_value: f64 = self
            .stake_value
            .values()
            .map(|&(sum, epochs)| if epochs > 0 { sum / epochs as f64 } else { 0.0 })
            .sum();
        let nominal = if stake_value > 0.0 && years > 0.0 {
            dividends_tao / stake_value / years
        } else {
            f64::NAN
        };
        m.put("staking.nominal_yield", nominal);
        m.put(
            "staking.real_yield",
            (1.0 + nominal) / (1.0 + inflation) - 1.0,
        );

        // The groups' own `costs` (USD and TAO per agent per day), charged for the whole run:
        // they count as off-chain costs in profit, ROI and break-even.
        let tao_per_usd = self.units.tao_per_usd_days(days);
        for (name, acc) in &mut self.groups {
            let Some(c) = self.units.costs.get(name) else {
                continue;
            };
            let agents = acc.agents as f64;
            let usd = if c.usd_per_day > 0.0 && tao_per_usd.is_finite() {
                agents * c.usd_per_day * tao_per_usd
            } else {
                0.0
            };
            acc.extra_usd = agents * c.usd_per_day * days;
            acc.extra_costs = agents * c.tao_per_day * days + usd;
            acc.costs += acc.extra_costs;
            acc.profit -= acc.extra_costs;
        }

        // Gaming: per group.
        let n_groups = self.groups.len();
        let mut g_emission = vec![0.0; n_groups];
        let mut g_incentive = vec![0.0; n_groups];
        let mut g_dividends = vec![0.0; n_groups];
        let mut g_value = vec![0.0; n_groups];
        let mut g_stake = vec![0.0; n_groups];
        for h in &self.holders {
            g_emission[h.group] += h.emission;
            g_incentive[h.group] += h.incentive;
            g_dividends[h.group] += h.dividends;
            g_value[h.group] += h.value;
            g_stake[h.group] += h.stake_sum;
        }
        let sides: Vec<Side> = self.groups.iter().map(|(_, g)| side_of(&g.kind)).collect();
        let total_incentive: f64 = incentive.iter().sum();
        let total_val_stake: f64 = (0..n_groups)
            .filter(|&g| sides[g] == Side::Validator)
            .map(|g| g_stake[g])
            .sum();
        let rates = self.dividend_rates();
        for (g, (name, acc)) in self.groups.iter().enumerate() {
            if !acc.seen_in_agents && name.is_empty() {
                continue;
            }
            let p = format!("group.{name}");
            m.put(&format!("{p}.agents"), acc.agents as f64);
            m.put(&format!("{p}.emission_tao"), g_emission[g]);
            m.put(
                &format!("{p}.emission_share"),
                ratio(g_emission[g], emission_tao),
            );
            let (side_share, contribution) = match sides[g] {
                Side::Miner => (
                    ratio(g_incentive[g], total_incentive),
                    ratio(g_value[g], value),
                ),
                Side::Validator => (
                    ratio(g_dividends[g], dividends_tao),
                    ratio(g_stake[g], total_val_stake),
                ),
                Side::Other => (f64::NAN, f64::NAN),
            };
            m.put(&format!("{p}.side_emission_share"), side_share);
            m.put(&format!("{p}.contribution_share"), contribution);
            m.put(
                &format!("{p}.advantage"),
                advantage(side_share, contribution),
            );
            if sides[g] == Side::Validator {
                let gs: Vec<f64> = self
                    .holders
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.group == g)
                    .filter_map(|(i, _)| rates.get(&i).copied())
                    .filter(|x| x.is_finite())
                    .collect();
                let mean = if gs.is_empty() {
                    f64::NAN
                } else {
                    gs.iter().sum::<f64>() / gs.len() as f64
                };
                m.put(&format!("{p}.relative_dividend_rate"), mean);
            }
            if acc.seen_in_agents {
                m.put(&format!("{p}.profit_tao"), acc.profit);
                m.put(
                    &format!("{p}.profit_per_agent_tao"),
                    acc.profit / acc.agents.max(1) as f64,
                );
                m.put(&format!("{p}.roi"), ratio(acc.profit, acc.genesis));
                let sunk = acc.genesis + g_emission[g] - acc.costs - acc.holdings;
                let break_even = if sunk <= 1e-9 {
                    0.0
                } else if days > 0.0 {
                    // Days play the part of tempos: cost and income per day.
                    break_even_tempos(acc.costs / days, g_emission[g] / days, sunk)
                        .unwrap_or(f64::INFINITY)
                } else {
                    f64::INFINITY
                };
                m.put(&format!("{p}.break_even_days"), break_even);
            }
        }
        self.cartels(&mut m, &sides);
        if self.only.is_some() {
            self.world_subnets(&mut m, days);
        }
        self.real_units(&mut m, days, tao_issued);
        let (network, subnet_shares, gate_bars) = if self.only.is_some() {
            self.network_metrics(&mut m);
            (
                std::mem::take(&mut self.net_windows),
                self.net_share_sum
                    .iter()
                    .map(|(&n, &(sum, k))| (n, ratio(sum, k as f64)))
                    .collect(),
                self.network.iter().map(|n| (n.block, n.gate_bar)).collect(),
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let tao_usd = match &self.units.tao_usd {
            Some(_) => {
                let n = days.ceil().max(1.0) as usize;
                (0..=n)
                    .map(|d| {
                        let d = (d as f64).min(days.max(0.0));
                        (d, self.units.price(d))
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        Results {
            network,
            subnet_shares,
            gate_bars,
            tao_usd,
            summary: m.0,
            windows,
            emission_by_uid: emission,
            emission_by_operator: emission_op,
            stake_by_operator: stake_op,
            groups: self
                .groups
                .iter()
                .filter(|(n, a)| a.seen_in_agents || !n.is_empty())
                .map(|(n, a)| (n.clone(), a.kind.clone(), side_of(&a.kind)))
                .collect(),
            subnets: self.subnets,
        }
    }

    /// The answers in real units, for every run: per group TAO and USD per day, costs, APY
    /// on capital and the share of the network's emission; per subnet its share of the TAO
    /// issued; USD totals when the scenario prices TAO (and value units).
    fn real_units(&self, m: &mut Metrics, days: f64, tao_issued: f64) {
        let priced = self.units.tao_usd.is_some();
        let mean_price = self.units.mean_price(days);
        let per_day = |x: f64| if days > 0.0 { x / days } else { f64::NAN };
        let usd = |x: f64| if priced { x } else { f64::NAN };
        let n_groups = self.groups.len();
        let mut g_emission = vec![0.0; n_groups];
        let mut g_usd = vec![0.0; n_groups];
        let mut g_netuid: Vec<Option<u16>> = vec![None; n_groups];
        // What reached the group's own coldkeys: its hotkeys' emission less the nominators'.
        for h in &self.holders {
            g_emission[h.group] += h.emission - h.nominators;
            g_usd[h.group] += h.emission_usd - h.nominators_usd;
            g_netuid[h.group].get_or_insert(h.netuid);
        }
        // The owner's cut (staked to the owner's hotkey outside the epoch's neuron rows) is the
        // owner's income: to the group of the subnet's owner hotkey.
        let mut owner_group: BTreeMap<u16, usize> = BTreeMap::new();
        for h in &self.holders {
            if self.groups[h.group].1.kind == "subnet-owner" {
                owner_group.entry(h.netuid).or_insert(h.group);
            }
        }
        for s in &self.subnets {
            if let Some(&g) = owner_group.get(&s.netuid) {
                let tao = s.owner_cut as f64 * nonneg(s.price) / 1e9;
                g_emission[g] += tao;
                g_usd[g] += tao * self.units.price(s.block as f64 / BLOCKS_PER_DAY);
            }
        }
        // Groups paid nothing by epochs (speculators, root stakers) earn through the stake
        // they hold: their income is what their holdings gained, price moves included.
        for (g, (_, acc)) in self.groups.iter().enumerate() {
            if acc.seen_in_agents && g_emission[g] == 0.0 && side_of(&acc.kind) == Side::Other {
                g_emission[g] = acc.profit + acc.costs;
                g_usd[g] = g_emission[g] * mean_price;
            }
        }
        // Each subnet's TAO received (injected + chain buys) against all TAO issued.
        let mut received: BTreeMap<u16, u64> = BTreeMap::new();
        for s in &self.subnets {
            *received.entry(s.netuid).or_default() += s.tao_in + s.excess_tao;
        }
        let subnet_share = |n: u16| {
            ratio(
                received.get(&n).copied().unwrap_or(0) as f64 / 1e9,
                tao_issued,
            )
        };
        for (g, (name, acc)) in self.groups.iter().enumerate() {
            if !acc.seen_in_agents && name.is_empty() {
                continue;
            }
            let p = format!("group.{name}");
            m.put(&format!("{p}.tao_per_day"), per_day(g_emission[g]));
            m.put(&format!("{p}.usd_per_day"), usd(per_day(g_usd[g])));
            if acc.seen_in_agents {
                // Costs in USD: the USD-denominated ones as given, the TAO ones (behaviour
                // costs and `tao_per_day`) at the run's mean price.
                let tao_costs = acc.costs - (acc.extra_costs - self.tao_part(name, acc, days));
                let costs_usd = acc.extra_usd + tao_costs * mean_price;
                m.put(&format!("{p}.costs_tao"), acc.costs);
                m.put(&format!("{p}.costs_usd"), usd(costs_usd));
                let net = per_day(g_emission[g] - acc.costs);
                m.put(&format!("{p}.net_tao_per_day"), net);
                m.put(
                    &format!("{p}.net_usd_per_day"),
                    usd(per_day(g_usd[g] - costs_usd)),
                );
                m.put(&format!("{p}.capital_tao"), acc.genesis);
                // A miner's capital is its hardware (rented: `costs`), not the TAO it keeps
                // for burns: no APY, its net TAO/USD per day and break-even answer instead.
                let apy = if side_of(&acc.kind) == Side::Miner {
                    f64::NAN
                } else {
                    ratio(net * 365.0, acc.genesis)
                };
                m.put(&format!("{p}.apy"), apy);
            }
            m.put(
                &format!("{p}.network_share"),
                ratio(g_emission[g], tao_issued),
            );
            m.put(
                &format!("{p}.subnet_network_share"),
                g_netuid[g].map_or(f64::NAN, subnet_share),
            );
        }
        let mut netuids: Vec<u16> = received.keys().copied().collect();
        if let Some(only) = &self.only {
            netuids = only.iter().copied().collect();
        }
        for n in netuids {
            m.put(&format!("subnet.sn{n}.network_share"), subnet_share(n));
        }
        let emission_usd: f64 = self.holders.iter().map(|h| h.emission_usd).sum();
        m.put("inflation.emission_usd", usd(emission_usd));
        m.put("inflation.tao_issued_usd", usd(tao_issued * mean_price));
        let value_usd: f64 = self
            .holders
            .iter()
            .map(|h| h.value * self.units.value_usd.get(&h.netuid).copied().unwrap_or(0.0))
            .sum();
        let value_priced = priced && !self.units.value_usd.is_empty();
        let v = |x: f64| if value_priced { x } else { f64::NAN };
        m.put("inflation.value_produced_usd", v(value_usd));
        m.put(
            "inflation.emission_usd_per_value_usd",
            v(ratio(emission_usd, value_usd)),
        );
        m.put("units.tao_usd_start", usd(self.units.price(0.0)));
        m.put("units.tao_usd_end", usd(self.units.price(days)));
        m.put("units.tao_usd_mean", usd(mean_price));
    }

    /// The TAO-denominated part (`tao_per_day`) of a group's own costs over the run.
    fn tao_part(&self, name: &str, acc: &GroupAcc, days: f64) -> f64 {
        self.units
            .costs
            .get(name)
            .map_or(0.0, |c| acc.agents as f64 * c.tao_per_day * days)
    }

    /// In a world: the network around the scenario's subnets. `network.*`: the effective
    /// number of paid subnets (1 / Σ s², mean over windows), paid subnets and the top-10
    /// share (means over windows), the Gini of the subnets' mean shares, the median price at
    /// the end, the gate bar's mean. Per own subnet: TAO injected and bought by the chain,
    /// the injected fraction, its share before the gate, how often it was at or above the
    /// bar, and its price against the network's median at the end.
    fn network_metrics(&self, m: &mut Metrics) {
        let w = &self.net_windows;
        let mean = |f: fn(&NetWindow) -> f64| {
            let v: Vec<f64> = w.iter().map(f).filter(|x| x.is_finite()).collect();
            ratio(v.iter().sum(), v.len() as f64)
        };
        m.put("network.effective_paid_subnets", mean(|x| x.effective_paid));
        m.put("network.paid_subnets", mean(|x| x.paid));
        m.put("network.top10_share", mean(|x| x.top10));
        let shares: Vec<f64> = self
            .net_share_sum
            .values()
            .map(|&(s, k)| nonneg(ratio(s, k as f64)))
            .collect();
        m.put(
            "network.share_gini",
            if shares.iter().any(|&x| x > 0.0) {
                gini(&shares)
            } else {
                f64::NAN
            },
        );
        m.put(
            "network.effective_paid_subnets_run",
            effective_number(&shares),
        );
        let median_end = w.last().map_or(f64::NAN, |x| x.median_price);
        m.put("network.median_price_end", median_end);
        let bars: Vec<f64> = self.network.iter().map(|n| n.gate_bar).collect();
        m.put(
            "network.gate_bar_mean",
            ratio(bars.iter().sum(), bars.len() as f64),
        );
        let bar_at = |block: u64| {
            self.network
                .iter()
                .take_while(|n| n.block <= block)
                .last()
                .or(self.network.first())
                .map_or(f64::NAN, |n| n.gate_bar)
        };
        for &netuid in self.only.iter().flatten() {
            let rows: Vec<&SubnetRow> =
                self.subnets.iter().filter(|s| s.netuid == netuid).collect();
            let p = format!("subnet.sn{netuid}");
            let injected: u64 = rows.iter().map(|s| s.tao_in).sum();
            let bought: u64 = rows.iter().map(|s| s.excess_tao).sum();
            m.put(&format!("{p}.tao_injected"), injected as f64 / 1e9);
            m.put(&format!("{p}.tao_chain_buy"), bought as f64 / 1e9);
            m.put(
                &format!("{p}.injected_fraction"),
                ratio(injected as f64, (injected + bought) as f64),
            );
            let n = rows.len() as f64;
            m.put(
                &format!("{p}.share_before_gate_mean"),
                ratio(rows.iter().map(|s| s.share_before_gate).sum(), n),
            );
            let above = rows
                .iter()
                .filter(|s| {
                    let bar = bar_at(s.block);
                    bar.is_finite() && s.share_before_gate >= bar
                })
                .count() as f64;
            m.put(&format!("{p}.above_bar_fraction"), ratio(above, n));
            m.put(
                &format!("{p}.price_vs_median_end"),
                rows.last().map_or(f64::NAN, |s| ratio(s.price, median_end)),
            );
        }
    }

    /// Relative dividend rate of every validator hotkey (by holder index) against the
    /// median honest validator of its subnet.
    fn dividend_rates(&self) -> BTreeMap<usize, f64> {
        let kind = |h: &Holder| self.groups[h.group].1.kind.as_str();
        let mean_stake = |h: &Holder| h.stake_sum / h.epochs.max(1) as f64;
        let mut out = BTreeMap::new();
        let (mut dividends, mut stakes) = (Vec::new(), Vec::new());
        for (i, h) in self.holders.iter().enumerate() {
            if side_of(kind(h)) != Side::Validator {
                continue;
            }
            // This validator last, after the other honest validators of its subnet:
            // `relative_dividend_rate` takes the median over everyone but `who`.
            dividends.clear();
            stakes.clear();
            for (k, o) in self.holders.iter().enumerate() {
                if k != i && o.netuid == h.netuid && kind(o) == "honest-validator" {
                    dividends.push(o.dividends);
                    stakes.push(mean_stake(o));
                }
            }
            dividends.push(h.dividends);
            stakes.push(mean_stake(h));
            out.insert(
                i,
                relative_dividend_rate(&dividends, &stakes, stakes.len() - 1),
            );
        }
        out
    }

    /// In a world, each of the scenario's subnets in its network (by netuid, ascending):
    /// `subnet.snN.tao_emission` (TAO it received: injected `tao_in` plus chain buys, summed
    /// over its epochs), `share_mean` (its share of the block emission, mean over its epochs),
    /// `price_end` and `moving_price_end` (at its last epoch).
    fn world_subnets(&self, m: &mut Metrics, days: f64) {
        let mut by: BTreeMap<u16, (u64, f64, u64, f64, f64)> = BTreeMap::new();
        for s in &self.subnets {
            let e = by.entry(s.netuid).or_default();
            e.0 += s.tao_in + s.excess_tao;
            e.1 += s.share;
            e.2 += 1;
            e.3 = s.price;
            e.4 = s.moving_price;
        }
        for netuid in self.only.iter().flatten() {
            let (tao, share, epochs, price, moving) = by.get(netuid).copied().unwrap_or_default();
            let p = format!("subnet.sn{netuid}");
            m.put(&format!("{p}.tao_emission"), tao as f64 / 1e9);
            m.put(&format!("{p}.share_mean"), ratio(share, epochs as f64));
            m.put(
                &format!("{p}.price_end"),
                if epochs > 0 { price } else { f64::NAN },
            );
            m.put(
                &format!("{p}.moving_price_end"),
                if epochs > 0 { moving } else { f64::NAN },
            );
            // The nominators' yield in alpha, the APY a delegator compares with taostats.
            let n = self.nominated.get(netuid).cloned().unwrap_or_default();
            let mean_stake = ratio(n.stake_sum, n.epochs.len() as f64);
            let per_day = |x: f64| if days > 0.0 { x / days } else { f64::NAN };
            m.put(&format!("{p}.nominators_tao_per_day"), per_day(n.tao));
            m.put(
                &format!("{p}.root_nominators_tao_per_day"),
                per_day(n.root_tao),
            );
            m.put(
                &format!("{p}.nominator_apy"),
                ratio(per_day(n.alpha) * 365.0, mean_stake),
            );
        }
    }

    fn cartels(&self, m: &mut Metrics, sides: &[Side]) {
        let colluding = |g: usize| self.groups[g].1.kind.starts_with("colluding-");
        let netuids: std::collections::BTreeSet<u16> = self
            .holders
            .iter()
            .filter(|h| colluding(h.group))
            .map(|h| h.netuid)
            .collect();
        for netuid in netuids {
            let on: Vec<&Holder> = self.holders.iter().filter(|h| h.netuid == netuid).collect();
            let sum = |f: &dyn Fn(&Holder) -> f64, only_cartel: bool, side: Side| -> f64 {
                on.iter()
                    .filter(|h| !only_cartel || colluding(h.group))
                    .filter(|h| side == Side::Other || sides[h.group] == side)
                    .map(|h| f(h))
                    .sum()
            };
            let emission = sum(&|h| h.emission, false, Side::Other);
            let cartel_emission = sum(&|h| h.emission, true, Side::Other);
            let incentive = sum(&|h| h.incentive, false, Side::Other);
            let dividends = sum(&|h| h.dividends, false, Side::Other);
            let stake_share = ratio(
                sum(&|h| h.stake_sum, true, Side::Validator),
                sum(&|h| h.stake_sum, false, Side::Validator),
            );
            let value_share = ratio(
                sum(&|h| h.value, true, Side::Miner),
                sum(&|h| h.value, false, Side::Miner),
            );
            let fair = (nonneg(stake_share) * dividends + nonneg(value_share) * incentive)
                / (dividends + incentive).max(f64::MIN_POSITIVE);
            let share = ratio(cartel_emission, emission);
            let p = format!("cartel.sn{netuid}");
            m.put(&format!("{p}.emission_share"), share);
            m.put(&format!("{p}.fair_share"), fair);
            m.put(&format!("{p}.advantage"), advantage(share, fair));
        }
    }

    fn time_series(&self) -> Vec<WindowRow> {
        let issued_at = |block: u64| -> f64 {
            self.network
                .iter()
                .take_while(|n| n.block <= block)
                .last()
                .map_or(0.0, |n| n.tao_minted as f64 / 1e9)
        };
        let mut out: Vec<WindowRow> = Vec::new();
        let mut emission_cum = 0.0;
        let mut value_cum = 0.0;
        let mut keys: std::collections::BTreeSet<u64> = self.windows.keys().copied().collect();
        keys.extend(
            self.network
                .iter()
                .map(|n| window_of(n.block))
                .filter(|&w| w > 0),
        );
        for w in keys {
            let mut row = self.windows.get(&w).cloned().unwrap_or_else(|| WindowRow {
                block: w * WINDOW_BLOCKS,
                gini_uid: f64::NAN,
                gini_operator: f64::NAN,
                nakamoto_operator: f64::NAN,
                top1_operator: f64::NAN,
                hhi_operator: f64::NAN,
                gini_operator_7d: f64::NAN,
                stake_gini_operator: f64::NAN,
                ..WindowRow::default()
            });
            emission_cum += row.emission_tao;
            value_cum += row.value;
            row.emission_tao_cum = emission_cum;
            row.value_cum = value_cum;
            row.tao_issued = issued_at(row.block);
            out.push(row);
        }
        out
    }
}

/// The median of sorted values (NaN for none).
fn median_sorted(v: &[f64]) -> f64 {
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn nan_if_empty(c: &Concentration, x: f64) -> f64 {
    if c.holders == 0 { f64::NAN } else { x }
}

fn gini_nonzero(xs: &[f64]) -> f64 {
    let nz: Vec<f64> = xs.iter().copied().filter(|&x| x > 0.0).collect();
    if nz.is_empty() { f64::NAN } else { gini(&nz) }
}

/// `a / b`, NaN when `b` is 0 (nothing to compare with).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Paid share over contributed share ([`emission_vs_contribution`]): NaN when the paid share
/// is undefined; an undefined contribution (nobody on the side contributed) counts as 0.
fn advantage(share: f64, contribution: f64) -> f64 {
    if !share.is_finite() {
        return f64::NAN;
    }
    let contribution = if contribution.is_nan() {
        0.0
    } else {
        contribution
    };
    let a = emission_vs_contribution(share, contribution);
    // One NaN bit pattern (0/0 is a negative NaN on x86), so tables stay byte-stable.
    if a.is_nan() { f64::NAN } else { a }
}

#[derive(Default)]
struct Metrics(Vec<(String, f64)>);

impl Metrics {
    fn put(&mut self, name: &str, value: f64) {
        self.0.push((name.to_owned(), value));
    }

    fn concentration(&mut self, prefix: &str, xs: &[f64]) {
        let xs: Vec<f64> = xs.iter().map(|&x| nonneg(x)).collect();
        let c = Concentration::of_nonzero(&xs);
        let all = Concentration::of(&xs);
        let e = |x: f64| if c.holders == 0 { f64::NAN } else { x };
        self.put(&format!("{prefix}.holders"), c.holders as f64);
        self.put(&format!("{prefix}.gini"), e(c.gini));
        self.put(&format!("{prefix}.gini_with_zeros"), e(all.gini));
        self.put(&format!("{prefix}.nakamoto_50"), e(c.nakamoto_50 as f64));
        self.put(&format!("{prefix}.nakamoto_33"), e(c.nakamoto_33 as f64));
        self.put(&format!("{prefix}.hhi"), e(c.hhi));
        self.put(&format!("{prefix}.theil"), e(c.theil));
        self.put(&format!("{prefix}.theil_with_zeros"), e(all.theil));
        self.put(&format!("{prefix}.entropy_bits"), e(c.entropy_bits));
        self.put(&format!("{prefix}.top1_share"), e(c.top1_share));
        self.put(&format!("{prefix}.top10_share"), e(c.top10_share));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        block: u64,
        hotkey: &'a str,
        operator: &'a str,
        group: &'a str,
        kind: &'a str,
    ) -> NeuronRow<'a> {
        NeuronRow {
            block,
            netuid: 1,
            uid: 0,
            hotkey,
            operator,
            group,
            kind,
            stake: 0.0,
            permit: false,
            incentive_alpha: 0,
            dividend_alpha: 0,
            root_dividend_alpha: 0,
            nominators_alpha: 0,
            root_nominators_alpha: 0,
            nominated_alpha: 0,
            price: 1.0,
            value: 0.0,
        }
    }

    /// Two miners of one operator and one of another; two honest validators and a copier.
    fn sample() -> Results {
        let mut a = Analysis::new();
        a.network(&NetworkRow {
            block: 0,
            total_issuance: 1_000_000_000_000,
            tao_minted: 0,
            tao_recycled: 0,
            gate_bar: 0.0,
        });
        for epoch in 1..=3u64 {
            let b = epoch * 360;
            let mut m1 = row(b, "m1", "alice", "miners", "honest-miner");
            m1.incentive_alpha = 3_000_000_000;
            m1.value = 3.0;
            let mut m2 = row(b, "m2", "alice", "miners", "honest-miner");
            m2.incentive_alpha = 1_000_000_000;
            m2.value = 1.0;
            let mut m3 = row(b, "m3", "bob", "copiers", "copying-miner");
            m3.incentive_alpha = 1_000_000_000;
            let mut v1 = row(b, "v1", "carol", "honest", "honest-validator");
            v1.stake = 100.0;
            v1.dividend_alpha = 1_000_000_000;
            let mut v2 = row(b, "v2", "dave", "honest", "honest-validator");
            v2.stake = 100.0;
            v2.dividend_alpha = 1_000_000_000;
            let mut v3 = row(b, "v3", "erin", "copier", "weight-copier");
            v3.stake = 100.0;
            v3.dividend_alpha = 1_500_000_000;
            for r in [m1, m2, m3, v1, v2, v3] {
                a.neuron(&r);
            }
            a.subnet(&SubnetRow {
                block: b,
                netuid: 1,
                price: 1.0,
                ..SubnetRow::default()
            });
            a.network(&NetworkRow {
                block: b,
                total_issuance: 1_000_000_000_000 + b * 1_000_000_000,
                tao_minted: b * 1_000_000_000,
                tao_recycled: 0,
                gate_bar: 0.0,
            });
        }
        for (g, k) in [
            ("miners", "honest-miner"),
            ("miners", "honest-miner"),
            ("copiers", "copying-miner"),
            ("honest", "honest-validator"),
            ("honest", "honest-validator"),
            ("copier", "weight-copier"),
        ] {
            a.agent(&AgentRow {
                group: g,
                kind: k,
                genesis_tao: 10.0,
                holdings_tao: 12.0,
                costs_tao: 1.0,
                profit_tao: 1.0,
            });
        }
        a.finish()
    }

    #[test]
    fn emission_shares_and_advantage() {
        let r = sample();
        // Per epoch: incentive 5, dividends 3.5; total 8.5 over 3 epochs.
        assert!((r.get("inflation.emission_tao").unwrap() - 25.5).abs() < 1e-9);
        assert!((r.get("group.miners.emission_share").unwrap() - 12.0 / 25.5).abs() < 1e-12);
        // Miners: 4/5 of incentive for all the value; copiers: 1/5 of incentive for none.
        assert!((r.get("group.miners.advantage").unwrap() - 0.8).abs() < 1e-12);
        assert!(r.get("group.copiers.advantage").unwrap().is_infinite());
        assert_eq!(r.get("group.copiers.contribution_share"), Some(0.0));
        // Validators: equal stake; the copier took 1.5/3.5 of dividends for 1/3 of stake.
        let adv = r.get("group.copier.advantage").unwrap();
        assert!((adv - (1.5 / 3.5) / (1.0 / 3.0)).abs() < 1e-12);
        assert!((r.get("group.copier.relative_dividend_rate").unwrap() - 1.5).abs() < 1e-12);
        assert!((r.get("group.honest.relative_dividend_rate").unwrap() - 1.0).abs() < 1e-12);
        assert!((r.get("inflation.tao_per_value").unwrap() - 25.5 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn concentration_at_two_levels() {
        let r = sample();
        // Uid level: six holders; operator level: alice holds both miners.
        assert_eq!(r.get("emission.uid.holders"), Some(6.0));
        assert_eq!(r.get("emission.operator.holders"), Some(5.0));
        let top = r.get("emission.operator.top1_share").unwrap();
        assert!((top - 12.0 / 25.5).abs() < 1e-12);
        assert_eq!(r.emission_by_operator.len(), 5);
        // A window per epoch; cumulative series end at the totals.
        assert_eq!(r.windows.len(), 3);
        let last = r.windows.last().unwrap();
        assert!((last.emission_tao_cum - 25.5).abs() < 1e-9);
        assert!((last.tao_issued - 1080.0).abs() < 1e-9);
        assert!(last.gini_operator > 0.0 && last.gini_operator < 1.0);
    }

    #[test]
    fn break_even_and_profit() {
        let r = sample();
        assert_eq!(r.get("group.miners.profit_tao"), Some(2.0));
        assert_eq!(r.get("group.miners.roi"), Some(0.1));
        // Miners: genesis 20 + emission 12 − costs 2 − holdings 24 = 6 sunk, earning
        // (12 − 2) / 0.15 days.
        let days = 1080.0 / BLOCKS_PER_DAY;
        let be = r.get("group.miners.break_even_days").unwrap();
        assert!((be - 6.0 / (10.0 / days)).abs() < 1e-9);
    }

    #[test]
    fn empty_run_gives_nan_not_panic() {
        let r = Analysis::new().finish();
        assert!(r.get("emission.uid.gini").unwrap().is_nan());
        assert!(r.windows.is_empty());
    }
}
