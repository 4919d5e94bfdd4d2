//! Background markets: the rest of the network trades the background subnets' alpha, so their
//! prices move as the 2025 price paths moved.
//!
//! **This is a rule of the world, not of the chain**: it stands for the live network's
//! stakers and traders, which a snapshot does not describe. It acts on background subnets
//! ([`crate::world::background`]) and on those of a scenario's adopted subnets that ask for it
//! (`market: moving`, [`list`]); the scenario's other subnets move only by its agents and the
//! chain's flows.
//!
//! On an adopted subnet the market is the rest of that subnet's holders trading: the `network`
//! party sells from an **inventory** of alpha carved out of the snapshot holders' stake at
//! genesis (the smaller of their stake and half the pool's alpha reserve,
//! [`crate::world::adopt`]; enough for the market's own sales to take the price to 44 % of
//! where it started on a pool of quote weight ½) and buys with its TAO. The inventory is staked
//! on the unregistered `network` hotkey, so it earns nothing: the adopted subnet's validators
//! are nominated that much less. A sale the inventory cannot cover is cut to what is left (and
//! skipped when nothing is).
//!
//! # The model
//! At the last block of every [`MARKET_INTERVAL`] blocks of the chain's numbering (blocks `b`
//! with `b + 1` a multiple of 360, after the world's genesis: a *market step*; 20 a day) the
//! aggregate party **`network`** (the holder of the snapshot's stake, [`crate::world`]) trades
//! each background subnet's pool so that its spot price moves by a log-return drawn from the
//! subnet's return process. Day `k` (blocks `genesis + 7200·k + 1 ..= genesis + 7200·(k+1)`)
//! has a daily log-return `D_k` following an AR(1) process, spread over the day's `n = 20`
//! steps as a Brownian bridge:
//!
//! ```text
//! D_k      = μ + ρ·(D_{k−1} − μ) + σ·√(1 − ρ²)·ε_k,      D_{−1} = μ + σ·ε_{−1}   (stationary start)
//! r_{k,j}  = D_k / n + (σ/√n)·(z_{k,j} − z̄_k),            j = 0 … n−1,   Σ_j r_{k,j} = D_k
//! ```
//!
//! with ε, z independent standard normals (Box–Muller on a `ChaCha8Rng`), so the daily
//! close-to-close log-returns have mean `μ`, standard deviation `σ` and lag-1 autocorrelation
//! `ρ`, and within a day the price diffuses with the same volatility (the data's 10-block
//! volatility is close to its daily one: median 1.14 both, annualised).
//!
//! At a step the target price is `P·e^r`, `P` the pool's spot price at that moment (so the
//! chain's own flows between steps — injection at constant price, chain buys — add to the
//! path: the realised drift is `μ` plus the chain's buying pressure). The trade is the chain's
//! own extrinsic ([`Action::AddStake`] for `r > 0`, [`Action::RemoveStake`] for `r < 0`) with
//! the target as its **price limit**: the pool's swap takes exactly the integer input that
//! brings the price to the target and refunds the rest, so the size is computed by the chain's
//! swap functions (fees, transaction fees and conservation as for any staker). The amount
//! offered is the closed-form size on a weighted pool (quote weight `w`, `R = e^r`): TAO
//! `T·(R^{1−w} − 1)` for a buy, alpha `A·(R^{−w} − 1)` for a sell, with 5 % and a fee's worth
//! of headroom, bounded by what `network` owns: its free TAO and its stake on the subnet. The
//! market party's TAO is the snapshot's TAO held outside the simulation (total issuance less
//! root stake, pools and reservoirs: about 3.7 M TAO for mainnet-2026-08), given to it as a
//! genesis balance by [`install`]; it cannot buy with TAO that does not exist. A trade the chain
//! refuses (below the minimum stake, a swap guard) is skipped and counted.
//!
//! Why every 360 blocks: it is the tempo of 125 of the 128 mainnet subnets (one trade per
//! epoch), the moving price (`SubnetMovingAlpha` 0.0003 a block, slowed by the halving of
//! §13.2) sees a path that is smooth at its own time scale, and 128 swaps per 360 blocks cost
//! about one swap every 3 blocks.
//!
//! # The fit
//! `μ` = the subnet's **shrunk drift** (below), `σ = daily_vol_annualised/√365`,
//! `ρ = daily_ac1` (clamped to [−0.9, 0.9]) of the subnet's row in [`DYNAMICS_FILE`] (122
//! subnets, 2025-06-01 …
//! 2025-10-29; its provenance is in `data/calibration/README.md`). A subnet without a row
//! takes the whole row (μ, σ, ρ together) of a subnet drawn uniformly from the table by a
//! `ChaCha8Rng` seeded from `derive_seed(stable_id("market/fill"), netuid)`: deterministic from
//! its netuid, the same in every run. Medians over the table: σ = 1.14/√365 = 6.0 % a day,
//! μ = −0.28 % a day (the rows' means, before shrinking), ρ = 0.03.
//!
//! The drift is not the row's `daily_mean_log_return` as it stands: a mean of `n` daily
//! returns of volatility `σ` has a sampling error `σ/√n` (0.7 % a day on average over the table,
//! 1.6 % for a subnet observed 34 days), and the spread of the table's means (standard
//! deviation 0.76 % a day) is almost all of it: after the sampling variance is taken out, the
//! subnets' true drifts differ by `τ ≈ 0.19 %` a day. Taken literally, the extreme rows would
//! compound to a price ×1 000 a year (netuid 110, +1.9 % a day over its first 34 days) or ÷1 500
//! (−2.0 % a day). So each drift is shrunk to the table's mean `m` by its precision
//! (empirical Bayes, the James–Stein estimator with a normal prior fitted to the table):
//!
//! ```text
//! s²_i = σ_i² / n_i,   τ² = max(0, Var(μ_i) − mean(s²_i)),   μ̂_i = m + τ²/(τ² + s²_i) · (μ_i − m)
//! ```
//!
//! (`n_i = daily_n_returns`, `m` and `Var` unweighted over the table). For mainnet-2026-08 the
//! shrunk drifts span −0.70 % … −0.04 % a day around `m = −0.14 %`: a subnet's 2025 path
//! still moves its drift, by as much as its data can tell. [`Dynamics::mean_log_return`] keeps
//! the row's value; [`Dynamics::drift`] is what the process uses.
//!
//! Seeds: subnet `n`'s process draws from `ChaCha8Rng::seed_from_u64(derive_seed(run seed,
//! stable_id("market/n")))`, so adding a subnet or an agent changes no other stream.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rand::{RngExt as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yumalab_agents::Action;
use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};
use yumalab_agents::{derive_seed, stable_id};

use super::World;
use crate::chain::pool::{PERQUINTILL, PoolKind};
use crate::chain::state::Chain;

/// Blocks between market steps.
pub const MARKET_INTERVAL: u64 = 360;
/// Blocks in a day (12-second blocks).
pub const BLOCKS_PER_DAY: u64 = 7200;
/// Market steps in a day.
pub const STEPS_PER_DAY: usize = (BLOCKS_PER_DAY / MARKET_INTERVAL) as usize;
/// Bound on |ρ|: an AR(1) closer to a unit root would not be stationary over a run.
pub const MAX_AC1: f64 = 0.9;

/// The calibration table, as the repository holds it.
pub const DYNAMICS_FILE: &str = "data/calibration/prices-2025/dynamics.csv";
const DYNAMICS_TEXT: &str = include_str!("../../data/calibration/prices-2025/dynamics.csv");

/// One subnet's daily log-return statistics (a row of [`DYNAMICS_FILE`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dynamics {
    /// `daily_vol_annualised`: standard deviation of daily log-returns × √365.
    pub vol_annualised: f64,
    /// `daily_mean_log_return`: mean daily log-return.
    pub mean_log_return: f64,
    /// `daily_n_returns`: how many daily returns the mean and volatility are of.
    pub n_returns: f64,
    /// The drift the return process uses: `mean_log_return` shrunk to the table's mean by its
    /// precision (module docs: The fit).
    pub drift: f64,
    /// `daily_ac1`: lag-1 autocorrelation of daily log-returns.
    pub ac1: f64,
}

impl Dynamics {
    /// σ: the daily standard deviation.
    pub fn sigma(&self) -> f64 {
        self.vol_annualised / 365f64.sqrt()
    }

    /// ρ: the lag-1 autocorrelation, clamped to ±[`MAX_AC1`].
    pub fn rho(&self) -> f64 {
        self.ac1.clamp(-MAX_AC1, MAX_AC1)
    }
}

/// Where a subnet's [`Dynamics`] come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Its own row of the table.
    Fitted,
    /// The row of another subnet, drawn for it (it has no row).
    Drawn(NetUid),
}

/// The table, parsed once: netuid → dynamics, ascending.
///
/// # Panics
/// If the shipped table is malformed (a build defect; the tests read it).
pub fn table() -> &'static BTreeMap<NetUid, Dynamics> {
    static TABLE: OnceLock<BTreeMap<NetUid, Dynamics>> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_table(DYNAMICS_TEXT)
            .unwrap_or_else(|e| panic!("shipped calibration {DYNAMICS_FILE} is invalid: {e}"))
    })
}

/// Parses a `dynamics.csv` text (header names the columns).
///
/// # Errors
/// A message naming the line and column that does not read.
pub fn parse_table(text: &str) -> Result<BTreeMap<NetUid, Dynamics>, String> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or("empty table")?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or(format!("line 1: no column `{name}`"))
    };
    let (ci, cv, cm, cn, ca) = (
        col("netuid")?,
        col("daily_vol_annualised")?,
        col("daily_mean_log_return")?,
        col("daily_n_returns")?,
        col("daily_ac1")?,
    );
    let mut out = BTreeMap::new();
    for (k, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        let cell = |c: usize, name: &str| -> Result<f64, String> {
            let v: f64 = cells
                .get(c)
                .and_then(|s| s.trim().parse().ok())
                .ok_or(format!("line {}: `{name}` is not a number", k + 1))?;
            v.is_finite()
                .then_some(v)
                .ok_or(format!("line {}: `{name}` is not finite", k + 1))
        };
        let netuid = cell(ci, "netuid")?;
        let d = Dynamics {
            vol_annualised: cell(cv, "daily_vol_annualised")?,
            mean_log_return: cell(cm, "daily_mean_log_return")?,
            n_returns: cell(cn, "daily_n_returns")?,
            drift: 0.0,
            ac1: cell(ca, "daily_ac1")?,
        };
        if !(netuid >= 1.0 && netuid <= f64::from(u16::MAX) && netuid.fract() == 0.0) {
            return Err(format!("line {}: bad netuid {netuid}", k + 1));
        }
        if d.vol_annualised < 0.0 || d.ac1.abs() > 1.0 || d.n_returns < 2.0 {
            return Err(format!(
                "line {}: volatility < 0, |ac1| > 1 or fewer than 2 returns",
                k + 1
            ));
        }
        out.insert(NetUid(netuid as u16), d);
    }
    if out.is_empty() {
        return Err("no rows".into());
    }
    let (m, tau2) = drift_prior(&out);
    for d in out.values_mut() {
        let s2 = d.sigma() * d.sigma() / d.n_returns;
        let weight = if tau2 + s2 > 0.0 {
            tau2 / (tau2 + s2)
        } else {
            1.0
        };
        d.drift = m + weight * (d.mean_log_return - m);
    }
    Ok(out)
}

/// The prior the drifts are shrunk to (module docs: The fit): the table's mean drift `m` and
/// the variance `τ²` of the true drifts, `max(0, Var(μ) − mean(σ²/n))`.
pub fn drift_prior(table: &BTreeMap<NetUid, Dynamics>) -> (f64, f64) {
    let n = table.len() as f64;
    let m = table.values().map(|d| d.mean_log_return).sum::<f64>() / n;
    let var = table
        .values()
        .map(|d| (d.mean_log_return - m).powi(2))
        .sum::<f64>()
        / n;
    let noise = table
        .values()
        .map(|d| d.sigma() * d.sigma() / d.n_returns)
        .sum::<f64>()
        / n;
    (m, (var - noise).max(0.0))
}

/// A subnet's dynamics: its own row, or (no row) the row of a subnet drawn deterministically
/// from its netuid (module docs: The fit).
pub fn dynamics_for(netuid: NetUid) -> (Dynamics, Source) {
    let t = table();
    if let Some(d) = t.get(&netuid) {
        return (*d, Source::Fitted);
    }
    let mut rng =
        ChaCha8Rng::seed_from_u64(derive_seed(stable_id("market/fill"), u64::from(netuid.0)));
    let k = rng.random_range(0..t.len());
    let (donor, d) = t.iter().nth(k).expect("k < len");
    (*d, Source::Drawn(*donor))
}

/// Two independent standard normals (Box–Muller).
fn normal_pair(rng: &mut ChaCha8Rng) -> (f64, f64) {
    // u1 in (0, 1], so the logarithm is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
    (r * c, r * s)
}

/// One subnet's log-return process (module docs: The model).
#[derive(Clone, Debug)]
pub struct ReturnProcess {
    mu: f64,
    sigma: f64,
    rho: f64,
    rng: ChaCha8Rng,
    /// The last daily return drawn, `D_{k}`.
    last_daily: f64,
    /// The current day's step returns.
    plan: [f64; STEPS_PER_DAY],
    /// The next step of the plan (`STEPS_PER_DAY`: a new day is due).
    next: usize,
}

impl ReturnProcess {
    /// A process with `dynamics`, drawing from `seed`; starts stationary (`D_{−1}`).
    pub fn new(dynamics: Dynamics, seed: u64) -> ReturnProcess {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mu, sigma, rho) = (dynamics.drift, dynamics.sigma(), dynamics.rho());
        let (e, _) = normal_pair(&mut rng);
        ReturnProcess {
            mu,
            sigma,
            rho,
            rng,
            last_daily: mu + sigma * e,
            plan: [0.0; STEPS_PER_DAY],
            next: STEPS_PER_DAY,
        }
    }

    /// Draws the next day: its daily return `D_k` (returned) and its step returns.
    fn next_day(&mut self) -> f64 {
        let (e, _) = normal_pair(&mut self.rng);
        let d = self.mu
            + self.rho * (self.last_daily - self.mu)
            + self.sigma * (1.0 - self.rho * self.rho).sqrt() * e;
        self.last_daily = d;
        let n = STEPS_PER_DAY as f64;
        for pair in self.plan.chunks_mut(2) {
            let (a, b) = normal_pair(&mut self.rng);
            pair[0] = a;
            if let Some(x) = pair.get_mut(1) {
                *x = b;
            }
        }
        let mean = self.plan.iter().sum::<f64>() / n;
        let scale = self.sigma / n.sqrt();
        for z in &mut self.plan {
            *z = d / n + scale * (*z - mean);
        }
        self.next = 0;
        d
    }

    /// The next step's log-return (a new day every [`STEPS_PER_DAY`] steps).
    pub fn next_step(&mut self) -> f64 {
        if self.next == STEPS_PER_DAY {
            self.next_day();
        }
        let r = self.plan[self.next];
        self.next += 1;
        r
    }

    /// The daily log-returns of the next `days` days, as the market will apply them (for
    /// statistics of the model itself; consumes the process).
    pub fn daily_returns(mut self, days: usize) -> Vec<f64> {
        (0..days)
            .map(|_| {
                let d: f64 = (0..STEPS_PER_DAY).map(|_| self.next_step()).sum();
                d
            })
            .collect()
    }
}

/// The seed of subnet `netuid`'s process in a run with `seed`.
pub fn subnet_seed(seed: u64, netuid: NetUid) -> u64 {
    derive_seed(seed, stable_id(&format!("market/{}", netuid.0)))
}

/// One background subnet's market.
#[derive(Clone, Debug)]
pub struct SubnetMarket {
    /// The subnet.
    pub netuid: NetUid,
    /// Its dynamics.
    pub dynamics: Dynamics,
    /// Where they come from.
    pub source: Source,
    /// Its return process.
    pub process: ReturnProcess,
    /// TAO the market paid into the pool (buys, fees included), rao.
    pub tao_in: u64,
    /// TAO the market received from the pool (sells), rao.
    pub tao_out: u64,
    /// Trades done.
    pub trades: u64,
    /// Trades skipped: refused by the chain, or nothing to trade with.
    pub skipped: u64,
    /// One of the scenario's adopted subnets listed with `market: moving` ([`list`]), not a
    /// background subnet.
    pub adopted: bool,
}

impl SubnetMarket {
    fn new(netuid: NetUid, seed: u64, adopted: bool) -> SubnetMarket {
        let (dynamics, source) = dynamics_for(netuid);
        SubnetMarket {
            netuid,
            dynamics,
            source,
            process: ReturnProcess::new(dynamics, subnet_seed(seed, netuid)),
            tao_in: 0,
            tao_out: 0,
            trades: 0,
            skipped: 0,
            adopted,
        }
    }
}

/// The background markets of a chain ([`Chain::market`]).
#[derive(Clone, Debug)]
pub struct Market {
    /// The trading party's coldkey (`network`).
    pub coldkey: ColdkeyId,
    /// Its hotkey, on which it holds its stake.
    pub hotkey: HotkeyId,
    /// The block market steps count from (the world's genesis block).
    pub genesis_block: u64,
    /// The run's seed (each subnet's process seed derives from it and its netuid).
    pub seed: u64,
    /// One per background subnet and per listed adopted subnet ([`list`]), ascending by
    /// netuid.
    pub subnets: Vec<SubnetMarket>,
}

/// Installs moving markets on every background subnet of `world`, for a run with `seed`
/// (module docs). The TAO the snapshot held outside the simulation becomes the `network`
/// party's free balance (genesis TAO; `TotalIssuance` is unchanged). Call once, at genesis.
pub fn install(world: &mut World, seed: u64) {
    let chain = &mut world.chain;
    let external = std::mem::take(&mut chain.ledger.tao.external);
    chain.ledger.tao.genesis += external;
    chain.coldkeys[world.network_coldkey.0 as usize].balance += external;
    let subnets = chain
        .subnets
        .values()
        .filter(|s| s.background.is_some())
        .map(|s| SubnetMarket::new(s.netuid, seed, false))
        .collect();
    chain.market = Some(Box::new(Market {
        coldkey: world.network_coldkey,
        hotkey: world.network_hotkey,
        genesis_block: chain.block,
        seed,
        subnets,
    }));
}

/// Lists one of the scenario's adopted subnets on the market (`market: moving`): from the
/// next market step the `network` party trades it as a background subnet's, with the
/// dynamics of the adopted netuid's row ([`dynamics_for`]) and a process seeded as a
/// background subnet's would be. It sells the alpha it holds there on its hotkey (its
/// inventory, given by [`crate::world::adopt`] out of the snapshot holders' stake) and buys
/// with its TAO. Returns `false` (nothing changed) if the chain has no market (a world whose
/// markets are frozen), the subnet does not exist or is listed already.
pub fn list(chain: &mut Chain, netuid: NetUid) -> bool {
    if !chain.subnets.contains_key(&netuid) {
        return false;
    }
    let Some(market) = chain.market.as_mut() else {
        return false;
    };
    match market.subnets.binary_search_by_key(&netuid, |m| m.netuid) {
        Ok(_) => false,
        Err(at) => {
            let m = SubnetMarket::new(netuid, market.seed, true);
            market.subnets.insert(at, m);
            true
        }
    }
}

impl Chain {
    /// A market step, if one is due at this block (module docs); called at the end of every
    /// block, after the chain's own step, as an extrinsic would be.
    pub(crate) fn market_step(&mut self) {
        let Some(mut market) = self.market.take() else {
            return;
        };
        // At the last block of every interval of the chain's block numbers, right after the
        // background's step (`crate::world::background`), so its prices hold for the interval.
        if self.block > market.genesis_block && (self.block + 1).is_multiple_of(MARKET_INTERVAL) {
            let (coldkey, hotkey) = (market.coldkey, market.hotkey);
            for m in &mut market.subnets {
                let r = m.process.next_step();
                match self.market_trade(coldkey, hotkey, m.netuid, m.adopted, r) {
                    Some((paid, received)) => {
                        m.trades += 1;
                        m.tao_in += paid;
                        m.tao_out += received;
                    }
                    None => m.skipped += 1,
                }
            }
        }
        self.market = Some(market);
    }

    /// Moves `netuid`'s spot price by the log-return `r` with one stake or unstake of
    /// `coldkey`/`hotkey` limited at the target price. Returns (TAO paid, TAO received), or
    /// `None` if no trade was done. `adopted`: the subnet was listed as a scenario's own
    /// ([`list`]); otherwise it must still be a background subnet.
    fn market_trade(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        adopted: bool,
        r: f64,
    ) -> Option<(u64, u64)> {
        // A pruned background subnet's netuid may be reused by a scenario's own subnet.
        let s = self
            .subnets
            .get(&netuid)
            .filter(|s| s.background.is_some() != adopted)?;
        let pool = &s.pool;
        let price = pool.price();
        if r == 0.0 || !r.is_finite() || price <= 0.0 || pool.kind == PoolKind::Stable {
            return None;
        }
        let w = match pool.kind {
            PoolKind::Balancer => pool.w_quote as f64 / PERQUINTILL as f64,
            _ => 0.5,
        };
        let target = price * r.exp();
        let fee = f64::from(self.params.swap_fee) / 65535.0;
        let headroom = 1.05 * (1.0 + 2.0 * fee);
        let balance_before = self.coldkeys[coldkey.0 as usize].balance;
        let action = if r > 0.0 {
            let tx = self.params.tx_fees.map_or(0, |f| f.stake);
            let need = pool.tao as f64 * ((r * (1.0 - w)).exp() - 1.0) * headroom;
            let tao = (need.ceil() as u64).min(balance_before.saturating_sub(tx));
            Action::AddStake {
                coldkey,
                hotkey,
                netuid,
                tao: yumalab_agents::Rao(tao),
                limit_price: Some(target),
            }
        } else {
            let need = pool.alpha as f64 * ((-r * w).exp() - 1.0) * headroom;
            let held = s.stakes.get(&hotkey).map_or(0, |p| p.stake_of(coldkey));
            let alpha = (need.ceil() as u64).min(held.saturating_sub(s.locked(hotkey, coldkey)));
            Action::RemoveStake {
                coldkey,
                hotkey,
                netuid,
                alpha: yumalab_agents::Rao(alpha),
                limit_price: Some(target),
            }
        };
        self.apply(&action).ok()?;
        let after = self.coldkeys[coldkey.0 as usize].balance;
        Some((
            balance_before.saturating_sub(after),
            after.saturating_sub(balance_before),
        ))
    }
}
