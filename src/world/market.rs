//! Background markets: the rest of the network trades the background subnets' alpha, so their
//! prices move as the 2025 price paths moved.
//!
//! **This is a rule of the world, not of the chain**: it stands for the live network's
//! stakers and traders, which a snapshot does not describe. It acts only on background subnets
//! ([`crate::world::background`]); a scenario's own subnets move only by its agents and the
//! chain's flows.
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
//! `μ = daily_mean_log_return`, `σ = daily_vol_annualised/√365`, `ρ = daily_ac1` (clamped to
//! [−0.9, 0.9]) of the subnet's row in [`DYNAMICS_FILE`] (122 subnets, 2025-06-01 …
//! 2025-10-29; its provenance is in `data/calibration/README.md`). A subnet without a row
//! takes the whole row (μ, σ, ρ together) of a subnet drawn uniformly from the table by a
//! `ChaCha8Rng` seeded from `derive_seed(stable_id("market/fill"), netuid)`: deterministic from
//! its netuid, the same in every run. Medians over the table: σ = 1.14/√365 = 6.0 % a day,
//! μ = −0.28 % a day, ρ = 0.03.
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
    let (ci, cv, cm, ca) = (
        col("netuid")?,
        col("daily_vol_annualised")?,
        col("daily_mean_log_return")?,
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
            ac1: cell(ca, "daily_ac1")?,
        };
        if !(netuid >= 1.0 && netuid <= f64::from(u16::MAX) && netuid.fract() == 0.0) {
            return Err(format!("line {}: bad netuid {netuid}", k + 1));
        }
        if d.vol_annualised < 0.0 || d.ac1.abs() > 1.0 {
            return Err(format!("line {}: volatility < 0 or |ac1| > 1", k + 1));
        }
        out.insert(NetUid(netuid as u16), d);
    }
    if out.is_empty() {
        return Err("no rows".into());
    }
    Ok(out)
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
        let (mu, sigma, rho) = (dynamics.mean_log_return, dynamics.sigma(), dynamics.rho());
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
    /// One per background subnet, ascending by netuid.
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
        .map(|s| {
            let (dynamics, source) = dynamics_for(s.netuid);
            SubnetMarket {
                netuid: s.netuid,
                dynamics,
                source,
                process: ReturnProcess::new(dynamics, subnet_seed(seed, s.netuid)),
                tao_in: 0,
                tao_out: 0,
                trades: 0,
                skipped: 0,
            }
        })
        .collect();
    chain.market = Some(Box::new(Market {
        coldkey: world.network_coldkey,
        hotkey: world.network_hotkey,
        genesis_block: chain.block,
        subnets,
    }));
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
                match self.market_trade(coldkey, hotkey, m.netuid, r) {
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
    /// `None` if no trade was done.
    fn market_trade(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        r: f64,
    ) -> Option<(u64, u64)> {
        // A pruned background subnet's netuid may be reused by a scenario's own subnet.
        let s = self
            .subnets
            .get(&netuid)
            .filter(|s| s.background.is_some())?;
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
