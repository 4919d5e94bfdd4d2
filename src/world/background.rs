//! Background subnets: the rest of the network around a scenario's subnets, at almost no cost.
//!
//! A background subnet ([`Subnet::background`]) keeps everything the chain does for it every
//! block — its TAO share (with the gate), injection, chain buys, the alpha-out split into the
//! pending buckets, the epoch schedule and the price EMAs — but it has no neurons to run Yuma
//! Consensus on. At each of its epochs the pending buckets are paid straight to one aggregate
//! holder per role, as stake on the subnet:
//!
//! | bucket | paid to |
//! |---|---|
//! | `PendingServerEmission` (miner incentive) | `miners`, less the `MinerBurned` fraction, which is burned (held by nobody, as the chain burns an owner's own incentive) |
//! | `PendingValidatorEmission` | `validators` |
//! | `PendingRootAlphaDivs` | `root` (the root stakers' aggregate, kept as alpha) |
//! | `PendingOwnerCut` | the subnet's owner hotkey |
//!
//! **This is a rule of the world, not of the chain**: it stands for the live subnet's own
//! neurons, which the snapshot does not describe. Its consequences: `MinerBurned` stays at the
//! snapshot's value (no epoch sets it), so the subnet's share of emission keeps its weighting;
//! nothing is recycled for lack of recipients; root dividends do not go through Root Reborn
//! baskets (§13.6) but stay as alpha with the root aggregate. Alpha is conserved to the rao:
//! every rao of the buckets is staked or burned.
//!
//! # Stepping
//! What the chain does for a subnet every block costs far more than its epoch when there are
//! 127 of them, so a world steps its background once every [`BACKGROUND_INTERVAL`] blocks
//! (intervals of the chain's block numbers: the gate bar is recomputed at their first block,
//! §13.2.2, and the background markets trade at their last, [`crate::world::market`]), while
//! the scenario's own subnets are stepped every block as the chain does. Within an interval:
//! - the background is **frozen** as it was at the interval's first block: each eligible
//!   background subnet's weight before the gate (moving price × (1 − `MinerBurned`), §5.3), its
//!   share before the gate and its gated share `w·G(w)` under the bar (§13.2.1);
//! - every block, the scenario's subnets get their exact shares against that background: share
//!   before the gate `v_i / (Σ_bg v + Σ_own v)`, gated as the chain gates, normalised with the
//!   frozen background's gated sum; their injection, alpha-out split, epochs and EMAs run as the
//!   chain runs them. The background's share of the block's TAO emission is minted and held
//!   ([`BackgroundClock::tao`], counted by the conservation check);
//! - at the end of the interval's last block (the **step**, before the market trades), each
//!   background subnet receives its part of the held TAO (split by the frozen gated shares; the
//!   rounding rao recycled), injected at once; `blocks × A_out` alpha is minted and split into
//!   its buckets; its moving price advances over the interval's blocks at the average of its
//!   spot prices before and after that injection ([`advance_moving_price`]: the chain's update,
//!   truncation to the 2⁻³² grid included, a run of equal steps at a time), its fast price and
//!   flow EMAs in closed form; then the epochs that fell due in the interval pay its buckets
//!   (once, for a subnet whose tempo is shorter than the interval).
//!
//! Its error is that of holding the background's prices for an interval: under the snapshot's
//! `SubnetMovingAlpha` an EMA covers a few percent of its gap to the spot price in 360 blocks, so
//! an adopted subnet's TAO emission stays within 0.5 % of stepping every subnet every block, and
//! the background's emission shares within 0.2 points (tests/it/calibration.rs, which also checks
//! the first day's shares and the 30-day volatility against the calibration). Not stepped at all:
//! a background subnet's registration price (nobody registers there).

use yumalab_agents::units::NetUid;

use crate::chain::block::{EpochRecord, EpochTotals, FAST_PRICE_RATE, book_alpha, coinbase_subnet};
use crate::chain::emission::block_emission;
use crate::chain::ledger::AlphaLedger;
use crate::chain::params::{EpochSchedule, RootDividends};
use crate::chain::shares::{self, EMA_PRICE_HALVING_BLOCKS};
use crate::chain::state::{BackgroundHolders, Chain, Subnet};

impl Chain {
    /// The epoch of a background subnet: pays its pending buckets to `holders` (module docs).
    pub(crate) fn background_epoch(
        &mut self,
        netuid: NetUid,
        holders: BackgroundHolders,
    ) -> EpochRecord {
        let s = self.subnets.get_mut(&netuid).expect("subnet");
        let pending = std::mem::take(&mut s.pending);
        // ⌊server · MinerBurned⌋ is burned; the fraction is in [0, 1], so burned ≤ server.
        let burned = ((pending.server as f64 * s.miner_burned.clamp(0.0, 1.0)).floor() as u64)
            .min(pending.server);
        let (owner_coldkey, owner_hotkey) = (s.owner_coldkey, s.owner_hotkey);
        for ((coldkey, hotkey), amount) in [
            (holders.miners, pending.server - burned),
            (holders.validators, pending.validator),
            (holders.root, pending.root),
            ((owner_coldkey, owner_hotkey), pending.owner),
        ] {
            if amount > 0 {
                s.stakes.entry(hotkey).or_default().deposit(coldkey, amount);
            }
        }
        s.alpha_burned += burned;
        self.ledger.alpha.entry(netuid).or_default().burned += burned;
        self.epoch_record(
            netuid,
            EpochTotals {
                emission: pending.server + pending.validator + pending.root,
                owner_cut: pending.owner,
                burned,
                recycled: 0,
            },
            Vec::new(),
        )
    }
}

// ------------------------------------------------------------------ the background's clock

/// How often a world's background subnets are stepped: at every block that is a multiple of
/// this, the gate bar's own interval (§13.2.2), so the bar and the frozen shares change
/// together.
pub const BACKGROUND_INTERVAL: u64 = shares::EMISSION_BAR_UPDATE_INTERVAL;

/// One background subnet as the per-block coinbase sees it between two background steps.
#[derive(Clone, Copy, Debug)]
struct Frozen {
    netuid: NetUid,
    /// Its weight before the gate: the moving price times the share rule's factors (§5.3).
    v: f64,
    /// Its moving price `p̄`.
    mp: f64,
    /// Its share before the gate at the refresh.
    before: f64,
    /// Whether its emission is enabled.
    enabled: bool,
    /// Its gated share numerator `before·G(before)` (§13.2.1), 0 if its emission is disabled.
    gated: f64,
    /// Its share of the block emission at the refresh.
    share: f64,
}

/// The background's clock ([`Chain::background_clock`]): the frozen view of the background
/// subnets that every block's coinbase uses, and the TAO they accrued since their last step.
/// See the module docs ("Stepping").
#[derive(Clone, Debug, Default)]
pub struct BackgroundClock {
    /// The subnets stepped every block (the scenario's own), in netuid order.
    fg: Vec<NetUid>,
    /// The eligible background subnets at the last refresh, in netuid order.
    frozen: Vec<Frozen>,
    /// `Σ v` over `frozen`.
    v_sum: f64,
    /// `Σ p̄` over `frozen`.
    mp_sum: f64,
    /// `Σ gated` over `frozen`.
    gated_sum: f64,
    /// The root-sell flag at the last refresh (§5.10).
    root_sell: bool,
    /// TAO (rao) the background's shares were given since its last step: minted, held here,
    /// injected at the next step (counted by [`Chain::check_conservation`]).
    pub(crate) tao: u64,
    /// Blocks accrued since the last step, the first of them, and their block emissions' sum.
    blocks: u64,
    first_block: u64,
    emitted: u64,
    /// The [`Chain::subnet_generation`] the lists were built at (`u64::MAX`: never).
    generation: u64,
    /// Scratch: the per-subnet alpha ledger entries of one coinbase.
    booked: Vec<AlphaLedger>,
    /// Scratch: the scenario subnets' terms of one block, in `fg`'s order.
    fg_terms: Vec<OwnTerms>,
    /// Scratch: background subnets whose epochs are due at a step.
    due: Vec<(NetUid, BackgroundHolders, u64)>,
}

/// A scenario subnet's terms of one block, as its share needs them.
#[derive(Clone, Copy, Debug)]
struct OwnTerms {
    /// Its weight before the gate ([`price_weight`]).
    v: f64,
    /// Its moving price.
    mp: f64,
    /// Its root proportion.
    rho: f64,
    /// Whether it is eligible (emitting since its first emission block).
    eligible: bool,
    /// Whether it is eligible and its emission is enabled.
    enabled: bool,
}

/// Shares before the gate over the frozen background and the scenario's eligible subnets
/// (§5.3): a subnet's weight over the total weight, or its moving price over theirs when
/// every weight is 0 (every subnet fully burned).
#[derive(Clone, Copy, Debug)]
struct Before {
    by_price: bool,
    total: f64,
}

impl Before {
    /// The normalisation for `bg`'s frozen sums and its scenario subnets' terms; and `Σ p̄` of
    /// those subnets.
    fn of(bg: &BackgroundClock) -> (Before, f64) {
        let (v_fg, mp_fg) = bg
            .fg_terms
            .iter()
            .filter(|t| t.eligible)
            .fold((0.0, 0.0), |a, t| (a.0 + t.v, a.1 + t.mp));
        let by_price = bg.v_sum + v_fg <= 0.0;
        let total = if by_price {
            bg.mp_sum + mp_fg
        } else {
            bg.v_sum + v_fg
        };
        (Before { by_price, total }, mp_fg)
    }

    /// The share before the gate of a subnet with weight `v` and moving price `mp`.
    fn share(self, v: f64, mp: f64) -> f64 {
        if self.total > 0.0 {
            (if self.by_price { mp } else { v }) / self.total
        } else {
            0.0
        }
    }

    /// Σ of the gated shares (bar `bar`, exponent `h`) of the enabled scenario subnets
    /// `terms`.
    fn gated_total(self, terms: &[OwnTerms], bar: f64, h: f64) -> f64 {
        terms
            .iter()
            .filter(|t| t.enabled)
            .map(|t| gated(self.share(t.v, t.mp), bar, h))
            .sum()
    }
}

impl BackgroundClock {
    /// A clock that builds its lists at the first block.
    pub fn new() -> BackgroundClock {
        BackgroundClock {
            generation: u64::MAX,
            ..BackgroundClock::default()
        }
    }

    /// The subnets stepped every block, taken out for the block (put back with
    /// [`BackgroundClock::put_stepped`]).
    pub(crate) fn take_stepped(&mut self) -> Vec<NetUid> {
        std::mem::take(&mut self.fg)
    }

    /// The frozen background: each eligible background subnet's netuid, share before the gate
    /// and share of the block emission, as of the interval's first block.
    pub fn frozen_shares(&self) -> impl Iterator<Item = (NetUid, f64, f64)> + '_ {
        self.frozen.iter().map(|f| (f.netuid, f.before, f.share))
    }

    /// Puts back what [`BackgroundClock::take_stepped`] took.
    pub(crate) fn put_stepped(&mut self, fg: Vec<NetUid>) {
        self.fg = fg;
    }
}

/// A subnet's weight before the gate under the price rule (§5.3 steps 1–2; the normalisation
/// by `Σ p̄` cancels in the shares).
fn price_weight(rule: shares::PriceShareRule, mp: f64, burned: f64, root_prop: f64) -> f64 {
    let keep = 1.0 - burned.clamp(0.0, 1.0);
    match rule {
        shares::PriceShareRule::Dtao2025 => mp,
        shares::PriceShareRule::MinerBurn => mp * keep,
        shares::PriceShareRule::RootPropMinerBurn => root_prop * mp * keep,
    }
}

/// `g = w·G(w)` for a share `w` before the gate (§13.2.1 step 4); `w` if there is no bar.
fn gated(w: f64, bar: f64, exponent: f64) -> f64 {
    if bar > 0.0 && w > 0.0 {
        w * shares::gate_factor(w, bar, exponent)
    } else {
        w
    }
}

impl Chain {
    /// Rebuilds the list of subnets stepped every block if subnets were added or removed;
    /// returns whether it did.
    pub(crate) fn background_lists(&self, bg: &mut BackgroundClock, fg: &mut Vec<NetUid>) -> bool {
        if bg.generation == self.subnet_generation {
            return false;
        }
        fg.clear();
        fg.extend(
            self.subnets
                .values()
                .filter(|s| s.background.is_none())
                .map(|s| s.netuid),
        );
        bg.generation = self.subnet_generation;
        true
    }

    /// The coinbase of a world with background subnets (module docs, "Stepping"): at a step,
    /// the background's accrued blocks first; then the scenario's subnets `fg` exactly, against
    /// the frozen background. Returns the unspent credit (to be recycled).
    pub(crate) fn coinbase_with_background(
        &mut self,
        e_block: u64,
        bg: &mut BackgroundClock,
        fg: &[NetUid],
        relisted: bool,
    ) -> u64 {
        let b = self.block;
        let rule = self.price_rule().expect("a price rule");
        let mut record = std::mem::take(&mut self.last_coinbase);
        record.block = b;
        record.block_emission = e_block;
        record.subnets.clear();
        let mut credit = e_block;
        // The scenario subnets' terms this block.
        let tao_weight = self.params.tao_weight;
        let root_total = self.root.total();
        bg.fg_terms.clear();
        for n in fg {
            let s = &self.subnets[n];
            let eligible = s.first_emission_block.is_some_and(|f| f <= b);
            let rho = shares::root_proportion(tao_weight, root_total, s.alpha_issuance());
            bg.fg_terms.push(OwnTerms {
                v: price_weight(rule, s.moving_price, s.miner_burned, rho),
                mp: s.moving_price,
                rho,
                eligible,
                enabled: eligible && s.emission_enabled,
            });
        }
        if b.is_multiple_of(BACKGROUND_INTERVAL)
            || relisted
            || bg.blocks == 0 && bg.frozen.is_empty()
        {
            self.background_refresh(bg, rule);
        }
        let (before, mp_fg) = Before::of(bg);
        let (bar, h) = self.gate_terms();
        let gated_fg = before.gated_total(&bg.fg_terms, bar, h);
        let total = bg.gated_sum + gated_fg;
        let share = |g: f64| if total > 0.0 { g / total } else { 0.0 };
        let root_sell = shares::root_sell_flag(&[bg.mp_sum, mp_fg]);
        let terms = self.coinbase_terms(e_block, root_total, root_sell);
        let mut left = e_block;
        bg.booked.clear();
        for (n, t) in fg.iter().zip(&bg.fg_terms) {
            if !t.eligible {
                continue;
            }
            let w = before.share(t.v, t.mp);
            let s_i = if t.enabled {
                share(gated(w, bar, h))
            } else {
                0.0
            };
            let t_i = ((e_block as f64 * s_i) as u64).min(left);
            left -= t_i;
            let s = self.subnets.get_mut(n).expect("subnet");
            s.share = s_i;
            let a_out = block_emission(s.alpha_issuance());
            let (row, ledger) = coinbase_subnet(s, &terms, t_i, a_out, t.rho, w, &mut credit);
            record.subnets.push(row);
            bg.booked.push(ledger);
        }
        // A few rows: looked up directly rather than walking the ledger.
        for (row, add) in record.subnets.iter().zip(&bg.booked) {
            let l = self.ledger.alpha.entry(row.netuid).or_default();
            l.minted += add.minted;
            l.recycled += add.recycled;
        }
        // The background's part of this block, held until its next step.
        let t_bg = ((e_block as f64 * share(bg.gated_sum)) as u64).min(left);
        credit -= t_bg;
        if bg.blocks == 0 {
            bg.first_block = b;
        }
        bg.tao += t_bg;
        bg.blocks += 1;
        bg.emitted = bg.emitted.saturating_add(e_block);
        record.gate_bar = self.gate_bar;
        record.recycled = credit;
        self.last_coinbase = record;
        credit
    }

    /// Freezes the background's view (module docs, "Stepping"): each eligible background
    /// subnet's weight and moving price; the gate bar when it is due (§13.2.2, over every
    /// eligible subnet's share before the gate, the scenario's included); each background
    /// subnet's gated share under that bar.
    fn background_refresh(&mut self, bg: &mut BackgroundClock, rule: shares::PriceShareRule) {
        let b = self.block;
        let tao_weight = self.params.tao_weight;
        let root_total = self.root.total();
        bg.frozen.clear();
        for s in self.subnets.values() {
            if s.background.is_none() || s.first_emission_block.is_none_or(|f| f > b) {
                continue;
            }
            let rho = shares::root_proportion(tao_weight, root_total, s.alpha_issuance());
            bg.frozen.push(Frozen {
                netuid: s.netuid,
                v: price_weight(rule, s.moving_price, s.miner_burned, rho),
                mp: s.moving_price,
                before: 0.0,
                enabled: s.emission_enabled,
                gated: 0.0,
                share: 0.0,
            });
        }
        bg.v_sum = bg.frozen.iter().map(|f| f.v).sum();
        bg.mp_sum = bg.frozen.iter().map(|f| f.mp).sum();
        let (before, mp_fg) = Before::of(bg);
        for f in &mut bg.frozen {
            f.before = before.share(f.v, f.mp);
        }
        if let Some(gate) = self.params.gate
            && (self.gate_bar == 0.0 || b.is_multiple_of(shares::EMISSION_BAR_UPDATE_INTERVAL))
        {
            let all: Vec<f64> = bg
                .frozen
                .iter()
                .map(|f| f.before)
                .chain(
                    bg.fg_terms
                        .iter()
                        .filter(|t| t.eligible)
                        .map(|t| before.share(t.v, t.mp)),
                )
                .collect();
            let theta = shares::emission_gate_bar(&all, gate.rank, gate.quantile);
            if theta > 0.0 {
                self.gate_bar = theta;
            }
        }
        let (bar, h) = self.gate_terms();
        for f in &mut bg.frozen {
            f.gated = if f.enabled {
                gated(f.before, bar, h)
            } else {
                0.0
            };
        }
        bg.gated_sum = bg.frozen.iter().map(|f| f.gated).sum();
        let gated_fg = before.gated_total(&bg.fg_terms, bar, h);
        let total = bg.gated_sum + gated_fg;
        for f in &mut bg.frozen {
            f.share = if total > 0.0 { f.gated / total } else { 0.0 };
        }
        bg.root_sell = shares::root_sell_flag(&[bg.mp_sum, mp_fg]);
    }

    /// The background's step (module docs, "Stepping"), at the end of the last block of an
    /// interval: for each background subnet frozen at the interval's start, its part of the
    /// held TAO (split by the frozen gated shares) injected, `blocks × A_out` minted and split,
    /// its price EMAs and flow EMAs advanced over the interval's blocks; then the epochs that
    /// fell due. What is not injected is recycled. The coinbase rows are added to
    /// [`Chain::last_coinbase`].
    pub(crate) fn background_step(
        &mut self,
        bg: &mut BackgroundClock,
        records: &mut Vec<EpochRecord>,
    ) {
        let tao = std::mem::take(&mut bg.tao);
        let blocks = std::mem::take(&mut bg.blocks);
        let emitted = std::mem::take(&mut bg.emitted);
        let first = bg.first_block;
        if blocks == 0 {
            return;
        }
        let mut credit = tao;
        let terms = self.coinbase_terms(emitted, self.root.total(), bg.root_sell);
        let moving_alpha = self.params.subnet_moving_alpha;
        let baskets = self.params.root_dividends == RootDividends::Baskets;
        let mut left = tao;
        bg.booked.clear();
        let mut record = std::mem::take(&mut self.last_coinbase);
        let first_row = record.subnets.len();
        for f in &bg.frozen {
            let Some(s) = self
                .subnets
                .get_mut(&f.netuid)
                .filter(|s| s.background.is_some())
            else {
                continue;
            };
            let t_j = if bg.gated_sum > 0.0 {
                ((tao as f64 * (f.gated / bg.gated_sum)) as u64).min(left)
            } else {
                0
            };
            left -= t_j;
            s.share = f.share;
            let a_out = block_emission(s.alpha_issuance()).saturating_mul(blocks);
            let rho =
                shares::root_proportion(terms.tao_weight, terms.root_total, s.alpha_issuance());
            let before = s.pool.price();
            let (row, ledger) = coinbase_subnet(s, &terms, t_j, a_out, rho, f.before, &mut credit);
            record.subnets.push(row);
            bg.booked.push(ledger);
            // On the chain the interval's injections raise the price block by block: the EMAs
            // see the average of the prices before and after.
            let spot = 0.5 * (before + s.pool.price());
            advance_prices(s, spot, first, blocks, moving_alpha, baskets);
        }
        book_alpha(
            &mut self.ledger.alpha,
            &record.subnets[first_row..],
            &bg.booked,
        );
        record.recycled += credit;
        self.last_coinbase = record;
        self.ledger.tao.recycled += credit;
        self.total_issuance -= credit;
        self.background_epochs(bg, records);
    }

    /// The epochs of background subnets that fell due since the last step, after a step:
    /// each pays its pending buckets once ([`Chain::background_epoch`]), however many of its
    /// tempos passed; its epoch count and phase advance as if each had run.
    fn background_epochs(&mut self, bg: &mut BackgroundClock, records: &mut Vec<EpochRecord>) {
        let b = self.block;
        let stateful = self.params.schedule == EpochSchedule::Stateful;
        bg.due.clear();
        for s in self.subnets.values() {
            let (Some(holders), tempo) = (s.background, s.params.tempo) else {
                continue;
            };
            if tempo == 0 {
                continue;
            }
            let n = if stateful {
                b.saturating_sub(s.clock.last_epoch_block) / tempo
            } else {
                // Modulo schedule: blocks k in (b − interval, b] with (k + netuid + 1) a
                // multiple of tempo + 1.
                let m = tempo + 1;
                let off = u64::from(s.netuid.0) + 1;
                (b + off) / m - (b.saturating_sub(BACKGROUND_INTERVAL) + off) / m
            };
            if n > 0 {
                bg.due.push((s.netuid, holders, n));
            }
        }
        for &(netuid, holders, n) in &bg.due {
            let s = self.subnets.get_mut(&netuid).expect("subnet");
            let tempo = s.params.tempo;
            let c = &mut s.clock;
            if stateful {
                c.last_epoch_block += n * tempo;
            } else {
                c.last_epoch_block = b;
            }
            c.blocks_since_last_step = b - c.last_epoch_block;
            c.pending_epoch_at = 0;
            c.epoch_index += n;
            let record = self.background_epoch(netuid, holders);
            records.push(record);
        }
    }
}

/// Advances a background subnet's price EMAs over `blocks` blocks from `first` at the spot
/// price `spot` (module docs, "Stepping"); the flow EMAs fold their pending flows once and decay
/// over the rest.
fn advance_prices(
    s: &mut Subnet,
    spot: f64,
    first: u64,
    blocks: u64,
    moving_alpha: f64,
    baskets: bool,
) {
    if blocks == 0 {
        return;
    }
    if baskets {
        let fast = if s.fast_moving_price <= 0.0 {
            spot
        } else {
            s.fast_moving_price
        };
        let n = i32::try_from(blocks).unwrap_or(i32::MAX);
        s.fast_moving_price = spot + (fast - spot) * (1.0 - FAST_PRICE_RATE).powi(n);
    }
    if let Some(fe) = s.first_emission_block {
        let last = first + blocks - 1;
        if fe <= last {
            // The blocks of the interval at or after the first emission block.
            let from = first.max(fe);
            s.moving_price = advance_moving_price(
                s.moving_price,
                spot,
                moving_alpha,
                from,
                last - from + 1,
                fe,
            );
        }
    }
    s.flow.end_block();
    s.flow.decay(blocks - 1);
}

/// The moving-price EMA (§5.10, [`shares::update_moving_price`]) over blocks `from ..
/// from + n` at a constant spot price, with the chain's truncation; `first_emission` is the
/// subnet's first emission block (`a = moving_alpha·b/(b + EMAPriceHalvingBlocks)`, `b` counted
/// from it).
///
/// In units of the 2⁻³² grid the EMA `E` is an integer and `P = min(spot, 1)·2³²`; each block
/// `E ← E + ⌊a·(P − E)⌋`. Where `a·(P − E)` moves by four units or more over a run, the
/// truncations average ½ a block and the gap `G = P − E` follows `G ← (1 − a)·G + ½` in
/// closed form. Elsewhere the step `m = ⌊a·(P − E)⌋` stays the same for runs of blocks, so the
/// blocks are taken a run at a time: as long as `a·(P − E)` stays in `[m, m + 1)`, with the
/// weight `a` of the run's first block, over which `a` (it grows with `b`) changes by at most
/// 0.025 %. Below the
/// price within `1/a` grid units (`m = 0`; at `a = 3·10⁻⁶` about 8·10⁻⁵) the EMA does not move;
/// above it, it falls by at least one unit a block.
pub(crate) fn advance_moving_price(
    ema: f64,
    spot: f64,
    moving_alpha: f64,
    from: u64,
    n: u64,
    first_emission: u64,
) -> f64 {
    const Q: f64 = shares::MOVING_PRICE_GRID;
    let p = spot.clamp(0.0, 1.0) * Q;
    let mut e = (ema * Q).floor();
    let (mut block, end) = (from, from.saturating_add(n));
    while block < end {
        let b = block.saturating_sub(first_emission.saturating_sub(1)) as f64;
        let a = shares::moving_price_weight(
            moving_alpha,
            block,
            first_emission,
            EMA_PRICE_HALVING_BLOCKS,
        );
        let x = a * (p - e);
        let m = x.floor();
        // `a` grows by a fraction H/(b·(b + H)) a block: a run changes it by at most 0.025 %.
        let h = EMA_PRICE_HALVING_BLOCKS as f64;
        let longest = (2.5e-4 * b * (b + h) / h).clamp(1.0, 1e9) as u64;
        let left = (end - block).min(longest);
        if m == 0.0 || !m.is_finite() {
            block += left;
            continue;
        }
        if a * m.abs() * left as f64 >= 4.0 {
            // x moves by a·|m| a block, four grid units or more over the run, so the fractional
            // parts the floors drop go round [0, 1) four times or more and average ½:
            // G ← (1 − a)·G + ½ a block, in closed form over the run (checked against the
            // block-by-block update).
            let d = (1.0 - a).powi(i32::try_from(left).unwrap_or(i32::MAX));
            let g = d * (p - e) + 0.5 * (1.0 - d) / a;
            e = (p - g).round();
            block += left;
            continue;
        }
        // Blocks k ≥ 0 with ⌊x − k·a·m⌋ = m.
        let run = if m > 0.0 {
            ((x - m) / (a * m)).floor() + 1.0
        } else {
            ((m + 1.0 - x) / (a * -m)).ceil()
        };
        let k = if run >= left as f64 {
            left
        } else {
            (run as u64).max(1)
        };
        e += m * k as f64;
        block += k;
    }
    if e.is_finite() { e.max(0.0) / Q } else { ema }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The closed form against the chain's update run block by block (same EMA weight), over
    /// random prices, gaps, interval lengths, EMA weights (the chain's default and the
    /// snapshot's) and subnet ages: within 16 grid units (2⁻³² each) plus 0.5 % of its move (the
    /// weight changes by up to 0.025 % within a run, which can move a step that sits near an
    /// integer), whether the EMA is far below, far above, or stuck within `1/a` of the price.
    #[test]
    fn the_moving_price_run_by_run_follows_the_block_by_block_update() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let q = shares::MOVING_PRICE_GRID;
        for case in 0..2_000 {
            let spot: f64 = 10f64.powf(rng.random_range(-4.0..0.2));
            let gap: f64 = match case % 3 {
                0 => rng.random_range(-0.5..0.5),
                1 => rng.random_range(-1e-4..1e-4) / spot,
                _ => rng.random_range(-0.02..0.02),
            };
            let ema = ((spot.min(1.0) * (1.0 + gap)).max(0.0) * q).floor() / q;
            let n = rng.random_range(1..=400u64);
            // The chain's default weight, and the snapshot's (100 times larger).
            let alpha = if case % 2 == 0 {
                shares::DEFAULT_SUBNET_MOVING_ALPHA
            } else {
                shares::DEFAULT_SUBNET_MOVING_ALPHA * 100.0
            };
            // a = moving_alpha·b/(b + H) with b from a few hundred blocks to b ≫ H.
            let block0 = 9_000_000u64;
            let first = block0 - 10f64.powf(rng.random_range(2.5..6.5)) as u64;
            let mut exact = ema;
            for k in 0..n {
                exact = shares::update_moving_price(
                    exact,
                    spot,
                    alpha,
                    block0 + k,
                    first,
                    EMA_PRICE_HALVING_BLOCKS,
                );
            }
            let closed = advance_moving_price(ema, spot, alpha, block0, n, first);
            let tol = 16.0 / q + 5e-3 * (exact - ema).abs();
            assert!(
                (closed - exact).abs() <= tol,
                "case {case}: spot {spot}, ema {ema}, n {n}: {closed} against {exact} (moved {})",
                exact - ema
            );
        }
    }
}
