//! One block of the chain, in the chain's order (spec §1):
//!
//! 1. registration prices decay, per-block registration counters reset;
//! 2. the block emission is computed from `TotalIssuance` and minted as a credit;
//! 3. committed weights whose reveal epoch has come are revealed;
//! 4. the coinbase: TAO shares, injection and chain buys, the alpha-out split into pending
//!    buckets, then the epochs that are due (drain pending, run Yuma, pay out);
//! 5. price EMAs are updated.
//!
//! Extrinsics (agents' actions) run after this, in [`super::extrinsics`].
//!
//! Root dividends: since 2026-10 (Root Reborn, §13.6) each hotkey's root dividend (after its
//! take) is queued for its fund and flushed into it one hotkey per block ([`super::basket`]).
//! Older regimes use a simple claim model: the dividend is claimed at once, as alpha staked on
//! the subnet (`RootClaimType = Keep`), by the hotkey's root stakers pro rata to their root
//! shares, with no claim threshold and no sale.

use std::collections::BTreeMap;

use yumalab_agents::units::{HotkeyId, NetUid};

use super::emission::block_emission;
use super::ledger::AlphaLedger;
use super::params::{
    ChainParams, EpochSchedule, InjectionCapRule, InjectionOrder, RootDividends, SafetyNet,
    ShareRule,
};
use super::pool::Pool;
use super::shares;
use super::shares::EMA_PRICE_HALVING_BLOCKS;
use super::state::{Chain, EpochClock, Subnet, SubnetCoinbase};
use crate::team::Team;
use crate::yuma::fixed::u16_proportion;
use crate::yuma::null::{NullBudgets, null_epoch_into};
use crate::yuma::{EpochInput, EpochOutput, LiquidAlphaConsensus, Workspace, run_epoch_into};

// The 2026-10 epoch rules (§13.9–§13.11).
use super::params::{EpochCapRule, EpochConsensus, LiquidAlphaConsensusRule};

/// `MAX_TEMPO`: an epoch is forced after this many blocks without one.
const MAX_TEMPO: u64 = 50_400;

/// What one epoch of one subnet produced, for observers.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    /// The block it ran at.
    pub block: u64,
    /// The subnet.
    pub netuid: NetUid,
    /// `SubnetEpochIndex` after this epoch.
    pub epoch_index: u64,
    /// Alpha distributed by the epoch (server + validator + root pending), rao.
    pub emission: u64,
    /// Owner cut paid at this epoch, alpha rao.
    pub owner_cut: u64,
    /// Alpha burned (miner incentive of the owner's hotkeys).
    pub burned: u64,
    /// Alpha recycled as distribution dust or for lack of recipients.
    pub recycled: u64,
    /// Spot price after the epoch, TAO per alpha.
    pub price: f64,
    /// Moving price.
    pub moving_price: f64,
    /// Pool reserves.
    pub tao_reserve: u64,
    /// Alpha reserve.
    pub alpha_reserve: u64,
    /// `SubnetAlphaOut`.
    pub alpha_out: u64,
    /// TAO injected since the previous epoch.
    pub tao_in: u64,
    /// Alpha injected since the previous epoch.
    pub alpha_in: u64,
    /// Alpha emitted (alpha_out minted) since the previous epoch.
    pub alpha_emitted: u64,
    /// TAO spent on chain buys since the previous epoch.
    pub excess_tao: u64,
    /// The subnet's TAO share in the last block.
    pub share: f64,
    /// That share before the emission gate (§13.2; equal to `share` without a gate).
    pub share_before_gate: f64,
    /// Per uid.
    pub neurons: Vec<NeuronRecord>,
}

/// One uid in an [`EpochRecord`].
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronRecord {
    /// The uid.
    pub uid: u16,
    /// Its hotkey.
    pub hotkey: HotkeyId,
    /// Stake weight input to Yuma (alpha + w_τ·root), rao.
    pub stake: f64,
    /// New permit.
    pub permit: bool,
    /// Consensus.
    pub consensus: f64,
    /// Incentive.
    pub incentive: f64,
    /// Dividends.
    pub dividends: f64,
    /// Validator trust.
    pub validator_trust: f64,
    /// Miner incentive paid (or burned), alpha rao.
    pub incentive_alpha: u64,
    /// Validator alpha dividend paid (incl. take), alpha rao.
    pub dividend_alpha: u64,
    /// Root dividend paid (take + claims), alpha rao.
    pub root_dividend_alpha: u64,
    /// The part of `dividend_alpha + root_dividend_alpha` that went to coldkeys other than
    /// the hotkey's owner (its nominators, after the take), alpha rao; 0 when the owner is
    /// the hotkey's only staker.
    pub nominators_alpha: u64,
    /// The hotkey's alpha stake held by other coldkeys than its owner at the epoch, before
    /// the payment, alpha rao.
    pub nominated_alpha: u64,
}

impl Chain {
    /// Steps one block. Epoch records of the epochs that ran are pushed to `epochs`.
    ///
    /// In a world with background subnets ([`Chain::background_clock`]) only the scenario's own
    /// subnets are stepped every block; the background is stepped every
    /// [`crate::world::background::BACKGROUND_INTERVAL`] blocks (that module's docs).
    pub fn step_block(&mut self, epochs: &mut Vec<EpochRecord>) {
        self.step_block_on(epochs, None);
    }

    /// [`Chain::step_block`], computing the epochs due together in this block side by side on
    /// `team`'s threads (the same outputs as one after the other: [`compute_epoch`]).
    pub(crate) fn step_block_on(&mut self, epochs: &mut Vec<EpochRecord>, team: Option<&Team>) {
        let mut bg = self.background_clock.take();
        let mut fg = bg.as_mut().map(|c| c.take_stepped());
        self.step_block_with(bg.as_deref_mut(), fg.as_mut(), epochs, team);
        if let (Some(c), Some(fg)) = (bg.as_mut(), fg) {
            c.put_stepped(fg);
        }
        self.background_clock = bg;
        #[cfg(debug_assertions)]
        if let Err(e) = self.check_conservation() {
            panic!("{e}");
        }
    }

    /// [`Chain::step_block`]; `bg` and `fg` are the background's clock and the subnets stepped
    /// every block when a world has one (`None`: every subnet every block).
    fn step_block_with(
        &mut self,
        mut bg: Option<&mut crate::world::background::BackgroundClock>,
        mut fg: Option<&mut Vec<NetUid>>,
        epochs: &mut Vec<EpochRecord>,
        team: Option<&Team>,
    ) {
        self.block += 1;
        let b = self.block;
        let relisted = match (bg.as_deref_mut(), fg.as_deref_mut()) {
            (Some(c), Some(list)) => self.background_lists(c, list),
            _ => false,
        };
        let fg: Option<&[NetUid]> = fg.map(|l| l.as_slice());
        // 1. Registration prices. The flow EMAs fold in the previous block's flows (extrinsics
        // and chain buys). One pass over the subnets (root's step touches none of them).
        self.root_on_block(b);
        for_stepped(&mut self.subnets, fg, |s| {
            s.burn.on_block(b);
            s.registrations_this_block = 0;
            s.flow.end_block();
        });
        // 2. Block emission, minted as a credit.
        let e_block = block_emission(self.total_issuance);
        self.ledger.tao.minted += e_block;
        self.total_issuance += e_block;
        // 3. Reveal committed weights (since 2026-10 not on subnets whose epoch is deferred
        // this block, §13.1 step 3).
        // The epoch plan of this block: neither the reveals nor the coinbase move a clock, so
        // it is the plan `drain_epochs` runs.
        let plan = self.epoch_plan(fg);
        let deferred: &[NetUid] = match self.params.epoch_cap {
            EpochCapRule::PerBlock => &[],
            EpochCapRule::NullAware => &plan.1,
        };
        for_stepped(&mut self.subnets, fg, |s| {
            if !deferred.contains(&s.netuid) {
                reveal_commits(s);
            }
        });
        // 4. Coinbase, then the epochs that are due.
        let credit = match (bg.as_deref_mut(), fg) {
            (Some(c), Some(list)) => self.coinbase_with_background(e_block, c, list, relisted),
            _ => self.coinbase(e_block),
        };
        self.ledger.tao.recycled += credit;
        self.total_issuance -= credit;
        self.drain_epochs(epochs, plan, fg, team);
        // 5. Price EMAs of eligible subnets; the fast EMA of every subnet (§13.6.7).
        let alpha = self.params.subnet_moving_alpha;
        let baskets = self.params.root_dividends == RootDividends::Baskets;
        for_stepped(&mut self.subnets, fg, |s| {
            if baskets {
                s.fast_moving_price = update_fast_price(s.fast_moving_price, s.pool.price());
            }
            if let Some(first) = s.first_emission_block.filter(|f| *f <= b) {
                s.moving_price = shares::update_moving_price(
                    s.moving_price,
                    s.pool.price(),
                    alpha,
                    b,
                    first,
                    EMA_PRICE_HALVING_BLOCKS,
                );
            }
        });
        // 9. One queued basket hotkey is flushed (§13.1 step 9, §13.6.3).
        if baskets {
            self.flush_next_basket();
        }
        // on_idle: dissolved subnets' cleanup, and one queued subnet registration (§13.12).
        if !self.dissolving.is_empty() || !self.registration_queue.is_empty() {
            self.on_idle();
        }
        // A world's background is stepped at the end of the last block of each interval.
        if let Some(c) = bg
            && (b + 1).is_multiple_of(crate::world::background::BACKGROUND_INTERVAL)
        {
            self.background_step(c, epochs);
        }
        // The world's background markets trade after the chain's step, as extrinsics do.
        if self.market.is_some() {
            self.market_step();
        }
    }

    /// The coinbase (§5.3–§5.6, §13.1 step 4). Returns the unspent credit (to be recycled).
    /// What it did is left in [`Chain::last_coinbase`].
    ///
    /// Cost: with a world's 127 background subnets this runs for every subnet every block, so
    /// it walks the subnet map in netuid order (no per-subnet map lookups) and computes each
    /// subnet's root proportion once (it cannot change between the shares and the subnet's
    /// own injection: only the subnet's own reserves enter it).
    fn coinbase(&mut self, e_block: u64) -> u64 {
        let b = self.block;
        let mut record = std::mem::take(&mut self.last_coinbase);
        record.block = b;
        record.block_emission = e_block;
        record.subnets.clear();
        let is_eligible = |s: &Subnet| s.first_emission_block.is_some_and(|f| f <= b);
        let root_total = self.root.total();
        let tao_weight = self.params.tao_weight;
        let inputs: Vec<shares::PriceShareInput> = self
            .subnets
            .values()
            .filter(|s| is_eligible(s))
            .map(|s| shares::PriceShareInput {
                moving_price: s.moving_price,
                miner_burned: s.miner_burned,
                root_prop: shares::root_proportion(tao_weight, root_total, s.alpha_issuance()),
                emission_enabled: s.emission_enabled,
            })
            .collect();
        if inputs.is_empty() {
            record.gate_bar = self.gate_bar;
            record.recycled = e_block;
            self.last_coinbase = record;
            return e_block;
        }
        let (before_gate, share) = match (self.price_rule(), self.params.gate) {
            (Some(rule), Some(gate)) => {
                shares::gated_price_shares(&inputs, rule, &gate, &mut self.gate_bar, b)
            }
            (Some(rule), None) => {
                let s = shares::price_ema_shares(&inputs, rule);
                (s.clone(), s)
            }
            (None, _) => {
                let states: Vec<shares::FlowState> = self
                    .subnets
                    .values()
                    .filter(|s| is_eligible(s))
                    .map(|s| s.flow)
                    .collect();
                let s = shares::flow_shares(&states, true, 0.0, 1.0);
                (s.clone(), s)
            }
        };
        record.gate_bar = self.gate_bar;
        let tao_shares = shares::tao_to_rao_shares(e_block, &share);
        let root_sell =
            shares::root_sell_flag(&inputs.iter().map(|i| i.moving_price).collect::<Vec<_>>());
        let terms = self.coinbase_terms(e_block, root_total, root_sell);
        let mut credit = e_block;
        record.subnets.reserve(inputs.len());
        // Alpha minted and recycled per eligible subnet, booked in the ledger after the loop.
        let mut booked: Vec<AlphaLedger> = Vec::with_capacity(inputs.len());
        let eligible = self.subnets.values_mut().filter(|s| is_eligible(s));
        for (i, (s, t_i)) in eligible.zip(tao_shares).enumerate() {
            s.share = share[i];
            let a_out = block_emission(s.alpha_issuance());
            // The same value as `shares::root_proportion` gives now: the subnets before this
            // one in the loop do not enter it.
            let rho = inputs[i].root_prop;
            let (row, ledger) =
                coinbase_subnet(s, &terms, t_i, a_out, rho, before_gate[i], &mut credit);
            record.subnets.push(row);
            booked.push(ledger);
        }
        book_alpha(&mut self.ledger.alpha, &record.subnets, &booked);
        record.recycled = credit;
        self.last_coinbase = record;
        credit
    }

    /// The price rule of the regime's shares (§5.3), `None` under the net-flow rule (§5.11).
    pub(crate) fn price_rule(&self) -> Option<shares::PriceShareRule> {
        match self.params.share_rule {
            ShareRule::PriceEma => Some(shares::PriceShareRule::MinerBurn),
            ShareRule::EarlyPriceEma => Some(shares::PriceShareRule::Dtao2025),
            ShareRule::NetFlow => None,
        }
    }

    /// The emission gate's stored bar and exponent (§13.2), `(0, 1)` without a gate.
    pub(crate) fn gate_terms(&self) -> (f64, f64) {
        match self.params.gate {
            Some(g) => (self.gate_bar, g.exponent),
            None => (0.0, 1.0),
        }
    }

    /// The block-wide terms of a coinbase: the regime's injection cap (for
    /// `AlphaOutOrBlockEmission`, with `block_emission` the TAO emitted over the blocks it
    /// covers), owner cut and injection order, `TaoWeight`, root's total stake and the
    /// root-sell flag.
    pub(crate) fn coinbase_terms(
        &self,
        block_emission: u64,
        root_total: u64,
        root_sell: bool,
    ) -> CoinbaseTerms {
        let cap = match self.params.injection_cap {
            InjectionCapRule::RootProportion => shares::InjectionCap::RootProportion,
            InjectionCapRule::AlphaOutOrBlockEmission => {
                shares::InjectionCap::AlphaOutOrBlockEmission { block_emission }
            }
        };
        CoinbaseTerms {
            cap,
            owner_cut: self.params.owner_cut,
            order: self.params.injection_order,
            tao_weight: self.params.tao_weight,
            root_total,
            root_sell,
        }
    }

    /// Which subnets' epochs are due this block, in netuid order, split into those that run and
    /// those deferred by the per-block cap ([`epoch_cap`]). Reads the clocks as
    /// [`Chain::drain_epochs`] will find them (after this block's `BlocksSinceLastStep` step);
    /// changes nothing.
    fn epoch_plan(&self, fg: Option<&[NetUid]>) -> (Vec<NetUid>, Vec<NetUid>) {
        let is_due = |s: &&Subnet| self.epoch_due(s, self.clock_step(s).1);
        let pair = |s: &Subnet| (s.netuid, s.params.epoch_consensus);
        let due: Vec<(NetUid, EpochConsensus)> = match fg {
            None => self.subnets.values().filter(is_due).map(pair).collect(),
            Some(fg) => fg
                .iter()
                .filter_map(|n| self.subnets.get(n))
                .filter(is_due)
                .map(pair)
                .collect(),
        };
        let cap = match self.params.schedule {
            EpochSchedule::Stateful => epoch_cap(
                self.params.epoch_cap,
                self.params.max_epochs_per_block,
                &due,
            ),
            EpochSchedule::Modulo => usize::MAX,
        };
        let run = due.iter().take(cap).map(|d| d.0).collect();
        let deferred = due.iter().skip(cap).map(|d| d.0).collect();
        (run, deferred)
    }

    /// A subnet's `BlocksSinceLastStep` after this block's step, and whether the safety net
    /// fires.
    fn clock_step(&self, s: &Subnet) -> (u64, bool) {
        blocks_since_last_step(
            self.params.safety_net,
            s.clock.blocks_since_last_step,
            s.params.tempo,
        )
    }

    /// Whether a subnet's epoch is due this block (§2.1, §2.2).
    fn epoch_due(&self, s: &Subnet, net_fires: bool) -> bool {
        let (b, tempo) = (self.block, s.params.tempo);
        tempo != 0
            && match self.params.schedule {
                EpochSchedule::Stateful => {
                    (s.clock.pending_epoch_at > 0 && b >= s.clock.pending_epoch_at)
                        || net_fires
                        || b - s.clock.last_epoch_block >= tempo
                }
                EpochSchedule::Modulo => (b + u64::from(s.netuid.0) + 1).is_multiple_of(tempo + 1),
            }
    }

    /// Runs the epochs that are due this block (§2), in netuid order. `plan` is this block's
    /// [`Chain::epoch_plan`].
    fn drain_epochs(
        &mut self,
        records: &mut Vec<EpochRecord>,
        plan: (Vec<NetUid>, Vec<NetUid>),
        fg: Option<&[NetUid]>,
        team: Option<&Team>,
    ) {
        let b = self.block;
        // Every clock advances; the plan (usually empty, so nothing is allocated) says which
        // due epochs run now and which the per-block cap defers.
        let (run, deferred) = plan;
        let net = self.params.safety_net;
        for_stepped(&mut self.subnets, fg, |s| {
            s.clock.blocks_since_last_step =
                blocks_since_last_step(net, s.clock.blocks_since_last_step, s.params.tempo).0;
        });
        for netuid in &deferred {
            self.subnets
                .get_mut(netuid)
                .expect("subnet")
                .clock
                .pending_epoch_at = b + 1;
        }
        for netuid in &run {
            let c = &mut self.subnets.get_mut(netuid).expect("subnet").clock;
            c.blocks_since_last_step = 0;
            c.last_epoch_block = b;
            c.pending_epoch_at = 0;
            c.epoch_index += 1;
        }
        // Each epoch is computed from its own subnet, root's stakes and the parameters (which
        // no payout changes), then paid, in netuid order. Several epochs of full subnets with
        // a team are computed side by side first, one scratch each; otherwise one at a time
        // in the first scratch.
        let side_by_side = team
            .filter(|_| run.len() > 1 && run.iter().all(|n| self.subnets[n].background.is_none()));
        let mut scratch = std::mem::take(&mut self.epoch_scratch);
        let width = if side_by_side.is_some() { run.len() } else { 1 };
        if scratch.len() < width {
            scratch.resize_with(width, EpochScratch::default);
        }
        if let Some(team) = side_by_side {
            let (subnets, root, params) = (&self.subnets, &self.root, &self.params);
            let mut jobs: Vec<_> = run.iter().zip(scratch.iter_mut()).collect();
            team.for_each(&mut jobs, &|(netuid, sc)| {
                compute_epoch(&subnets[*netuid], root, params, b, sc);
            });
        }
        for (k, &netuid) in run.iter().enumerate() {
            // A world's background subnet has no neurons to run Yuma on (`crate::world`).
            let record = if let Some(holders) = self.subnets[&netuid].background {
                self.background_epoch(netuid, holders)
            } else {
                let sc = if side_by_side.is_some() {
                    &scratch[k]
                } else {
                    compute_epoch(
                        &self.subnets[&netuid],
                        &self.root,
                        &self.params,
                        b,
                        &mut scratch[0],
                    );
                    &scratch[0]
                };
                self.pay_epoch(netuid, &sc.out, &sc.stake)
            };
            records.push(record);
            let s = self.subnets.get_mut(&netuid).expect("subnet");
            record_epoch_step(&mut s.clock, b, s.params.epoch_consensus);
        }
        self.epoch_scratch = scratch;
    }

    /// Pays out the epoch [`compute_epoch`] computed for `netuid` (`out`, from the stake
    /// inputs `stake`): drains the pending alpha, stores the epoch's outputs on the neurons and
    /// pays everyone (§5.7, §5.8).
    fn pay_epoch(&mut self, netuid: NetUid, out: &EpochOutput, stake: &[f64]) -> EpochRecord {
        let tao_weight = self.params.tao_weight;
        let split_rule = self.params.dividend_split;
        let s = self.subnets.get_mut(&netuid).expect("subnet");
        let pending = std::mem::take(&mut s.pending);
        let e = pending.server + pending.validator + pending.root;
        let n = s.n();
        for (i, nr) in s.neurons.iter_mut().enumerate() {
            nr.permit = out.permits[i];
            nr.consensus = out.consensus[i];
            nr.incentive = out.incentive[i];
            nr.dividends = out.dividends[i];
            nr.validator_trust = out.validator_trust[i];
            nr.stake_weight = out.stake[i];
            nr.stake = stake[i];
            nr.emission = out.emission[i];
            nr.active = out.active[i];
        }
        s.bonds.clone_from(&out.bonds);

        // §5.8 Pay out.
        let mut records: Vec<NeuronRecord> = (0..n)
            .map(|i| NeuronRecord {
                uid: i as u16,
                hotkey: s.neurons[i].hotkey,
                stake: stake[i],
                permit: out.permits[i],
                consensus: out.consensus[i],
                incentive: out.incentive[i],
                dividends: out.dividends[i],
                validator_trust: out.validator_trust[i],
                incentive_alpha: 0,
                dividend_alpha: 0,
                root_dividend_alpha: 0,
                nominators_alpha: 0,
                nominated_alpha: 0,
            })
            .collect();
        let mut paid = 0u64;
        let mut burned = 0u64;
        // Miner incentive; the owner's own hotkeys' share is burned.
        let total_incentive: u64 = out.server_emission.iter().sum();
        for (i, &amount) in out.server_emission.iter().enumerate() {
            if amount == 0 {
                continue;
            }
            let h = s.neurons[i].hotkey;
            let owner = self.hotkeys[h.0 as usize].owner;
            if h == s.owner_hotkey || owner == s.owner_coldkey {
                burned += amount;
            } else {
                s.stakes.entry(h).or_default().deposit(owner, amount);
                // §13.8: miner incentive is the owner's own, all capturable.
                s.settle_collateral(h, owner, amount, amount);
            }
            paid += amount;
            records[i].incentive_alpha = amount;
        }
        s.miner_burned = if total_incentive > 0 {
            burned as f64 / total_incentive as f64
        } else {
            0.0
        };
        s.alpha_burned += burned;
        // Validators: alpha vs root split of each dividend by the hotkey's own stakes.
        // The epoch splits E by I/(ΣI+ΣD); when ΣD falls a hair short of 1 in fixed point,
        // the miners' floors can add up to a few rao more than pending.server. The chain pays
        // them with saturating arithmetic (minting the difference); here the excess comes
        // out of the validators' pool, then the root pool, so every rao stays accounted for.
        let excess = if total_incentive == 0 {
            0
        } else {
            total_incentive.saturating_sub(pending.server)
        };
        let validator_pool = if total_incentive == 0 {
            pending.validator + pending.server
        } else {
            pending.validator.saturating_sub(excess)
        };
        let root_pool = pending
            .root
            .saturating_sub(excess.saturating_sub(pending.validator));
        let mut alpha_div = vec![0.0_f64; n];
        let mut root_div = vec![0.0_f64; n];
        for (i, &d) in out.validator_emission.iter().enumerate() {
            if d == 0 {
                continue;
            }
            let h = s.neurons[i].hotkey;
            (alpha_div[i], root_div[i]) = shares::dividend_split(
                d as f64,
                s.hotkey_alpha(h),
                self.root.hotkey_stake(h),
                tao_weight,
                self.root.is_registered(h),
                split_rule,
            );
        }
        let baskets = self.params.root_dividends == RootDividends::Baskets;
        let mut floor_lost = 0u64;
        let sum_alpha: f64 = alpha_div.iter().sum();
        let sum_root: f64 = root_div.iter().sum();
        for i in 0..n {
            let h = s.neurons[i].hotkey;
            let owner = self.hotkeys[h.0 as usize].owner;
            let take = f64::from(self.hotkeys[h.0 as usize].take) / 65535.0;
            if let Some(pool) = s.stakes.get(&h) {
                records[i].nominated_alpha = pool.value() - pool.stake_of(owner);
            }
            if alpha_div[i] > 0.0 && sum_alpha > 0.0 {
                let pay = (validator_pool as f64 * alpha_div[i] / sum_alpha).floor() as u64;
                let take_amount = (pay as f64 * take).floor() as u64;
                let pool = s.stakes.entry(h).or_default();
                let before = pool.stake_of(owner);
                pool.deposit(owner, take_amount);
                if pool.has_holders() {
                    pool.pay(pay - take_amount);
                } else {
                    pool.deposit(owner, pay - take_amount);
                }
                let owned = pool.stake_of(owner).saturating_sub(before).min(pay);
                records[i].nominators_alpha += pay - owned;
                paid += pay;
                records[i].dividend_alpha = pay;
                s.settle_collateral(h, owner, pay, take_amount);
            }
            if root_div[i] > 0.0 && sum_root > 0.0 && baskets {
                // §13.6.2: the take is staked to the owner; the rest is queued for the
                // hotkey's fund (no swap, no mint: it is already in SubnetAlphaOut).
                let pay = (root_pool as f64 * root_div[i] / sum_root).floor() as u64;
                let (take_amount, queued) =
                    super::basket::take_and_queue(pay, self.hotkeys[h.0 as usize].take);
                s.stakes.entry(h).or_default().deposit(owner, take_amount);
                s.settle_collateral(h, owner, pay, take_amount);
                self.baskets.enqueue(h, netuid, queued);
                // The queue is the hotkey's root stakers'; the owner's part is its fraction.
                let own = self.root.pool(h).map_or(0.0, |p| p.fraction_of(owner));
                records[i].nominators_alpha += queued - (queued as f64 * own).floor() as u64;
                // The rao the two floors can lose stays in SubnetAlphaOut, owned by nobody.
                let lost = pay - take_amount - queued;
                s.alpha_burned += lost;
                floor_lost += lost;
                paid += pay;
                records[i].root_dividend_alpha = take_amount + queued;
            } else if root_div[i] > 0.0 && sum_root > 0.0 {
                let pay = (root_pool as f64 * root_div[i] / sum_root).floor() as u64;
                let take_amount = (pay as f64 * take).floor() as u64;
                s.stakes.entry(h).or_default().deposit(owner, take_amount);
                let rest = pay - take_amount;
                // Claimed at once as alpha (Keep), pro rata to root shares.
                let mut given = 0u64;
                if let Some(root_pool) = self.root.pool(h) {
                    for c in root_pool.holders() {
                        let amount = (rest as f64 * root_pool.fraction_of(c)).floor() as u64;
                        s.stakes.entry(h).or_default().deposit(c, amount);
                        given += amount;
                        if c != owner {
                            records[i].nominators_alpha += amount;
                        }
                    }
                }
                paid += take_amount + given;
                records[i].root_dividend_alpha = take_amount + given;
            }
        }
        // Owner cut, staked to the owner's hotkey.
        s.stakes
            .entry(s.owner_hotkey)
            .or_default()
            .deposit(s.owner_coldkey, pending.owner);
        // Whatever the floors and the missing recipients left is recycled.
        let recycled = e - paid;
        s.alpha_out -= recycled;
        let ledger = self.ledger.alpha.entry(netuid).or_default();
        ledger.recycled += recycled;
        ledger.burned += burned + floor_lost;

        self.epoch_record(
            netuid,
            EpochTotals {
                emission: e,
                owner_cut: pending.owner,
                burned,
                recycled,
            },
            records,
        )
    }

    /// The record of `netuid`'s epoch at this block: `totals`, the subnet's state after the
    /// epoch, and the flows since its last epoch, which restart at 0 (taken from the subnet).
    pub(crate) fn epoch_record(
        &mut self,
        netuid: NetUid,
        totals: EpochTotals,
        neurons: Vec<NeuronRecord>,
    ) -> EpochRecord {
        let share_before_gate = self
            .last_coinbase
            .subnets
            .iter()
            .find(|c| c.netuid == netuid)
            .map(|c| c.share_before_gate);
        let b = self.block;
        let s = self.subnets.get_mut(&netuid).expect("subnet");
        EpochRecord {
            block: b,
            netuid,
            epoch_index: s.clock.epoch_index,
            emission: totals.emission,
            owner_cut: totals.owner_cut,
            burned: totals.burned,
            recycled: totals.recycled,
            price: s.pool.price(),
            moving_price: s.moving_price,
            tao_reserve: s.pool.tao,
            alpha_reserve: s.pool.alpha,
            alpha_out: s.alpha_out,
            tao_in: std::mem::take(&mut s.tao_in_since_epoch),
            alpha_in: std::mem::take(&mut s.alpha_in_since_epoch),
            alpha_emitted: std::mem::take(&mut s.alpha_emitted_since_epoch),
            excess_tao: std::mem::take(&mut s.excess_tao_since_epoch),
            share: s.share,
            share_before_gate: share_before_gate.unwrap_or(s.share),
            neurons,
        }
    }
}

/// Computes subnet `s`'s epoch at block `b` from its state (§5.7) into `scratch`: the stake
/// inputs (own alpha plus `TaoWeight` × root stake) and the Yuma (or Null) epoch's outputs.
/// Reads the subnet, root's stakes and the chain's parameters only, so the epochs due in one
/// block can be computed side by side before any is paid ([`Chain::pay_epoch`] pays them, in
/// netuid order): no payout changes another subnet's inputs.
fn compute_epoch(
    s: &Subnet,
    root: &super::state::Root,
    params: &ChainParams,
    b: u64,
    scratch: &mut EpochScratch,
) {
    let EpochScratch {
        workspace,
        out,
        stake,
        by_hotkey,
        last_update,
        registered_at,
        permits,
        previous_consensus,
        first_commit,
    } = scratch;
    let tao_weight = params.tao_weight;
    let pending = s.pending;
    let e = pending.server + pending.validator + pending.root;
    let n = s.n();
    // Inputs: stake weight from own alpha and root stake (no childkeys yet).
    stake_inputs(s, root, tao_weight, by_hotkey, stake);
    refill(last_update, s.neurons.iter().map(|nr| nr.last_update));
    refill(registered_at, s.neurons.iter().map(|nr| nr.registered_at));
    refill(permits, s.neurons.iter().map(|nr| nr.permit));
    // `Consensus` as stored by the last epoch (u16), for §13.10 and the Null epoch.
    refill(
        previous_consensus,
        s.neurons.iter().map(|nr| u16_proportion(nr.consensus)),
    );
    // Before 2026-06-25 (modulo schedule) the activity cutoff was an absolute block count
    // and "recently registered" used `current_block − tempo` (spec §2.2).
    let (cutoff, last_step) = match params.schedule {
        EpochSchedule::Stateful => (s.params.activity_cutoff(), bond_cutoff_step(&s.clock)),
        EpochSchedule::Modulo => (s.params.legacy_activity_cutoff, 0),
    };
    let epoch_now = s.clock.epoch_index;
    let reveal = s.params.reveal_period_epochs;
    refill(first_commit, std::iter::repeat_n(None, n));
    for c in s
        .commits
        .iter()
        .filter(|c| epoch_now <= c.commit_epoch + reveal)
    {
        if let Some(slot) = first_commit.get_mut(usize::from(c.uid)) {
            *slot = Some(slot.map_or(c.commit_block, |x: u64| x.min(c.commit_block)));
        }
    }
    let input = EpochInput {
        block: b,
        tempo: s.params.tempo,
        activity_cutoff: cutoff,
        last_mechanism_step_block: last_step,
        stake: stake.as_slice(),
        stake_threshold: params.stake_threshold,
        last_update,
        registered_at,
        permits,
        owner: s.uid_of(s.owner_hotkey),
        weights: &s.weights,
        bonds: &s.bonds,
        first_commit_block: first_commit,
        previous_consensus,
        emission: e,
    };
    let ran = match s.params.epoch_consensus {
        EpochConsensus::Yuma => {
            // §13.10: the subnet's Liquid Alpha consensus mode, from 2026-10 only.
            let mut yuma = s.params.yuma;
            if params.liquid_alpha_consensus == LiquidAlphaConsensusRule::Current {
                yuma.liquid_alpha_consensus = LiquidAlphaConsensus::Current;
            }
            run_epoch_into(&input, &yuma, workspace, out)
        }
        EpochConsensus::Null => {
            let budgets = NullBudgets::coinbase(pending.server, pending.validator, pending.root);
            null_epoch_into(&input, budgets, out)
        }
    };
    ran.expect("epoch inputs are built from consistent state");
}

/// What one epoch is computed in, kept by the chain for its capacity: the Yuma workspace,
/// the epoch's outputs and its per-uid inputs ([`compute_epoch`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct EpochScratch {
    workspace: Workspace,
    out: EpochOutput,
    stake: Vec<f64>,
    /// The neurons' hotkeys in order, with their uids ([`stake_inputs`]).
    by_hotkey: Vec<(HotkeyId, u32)>,
    last_update: Vec<u64>,
    registered_at: Vec<u64>,
    permits: Vec<bool>,
    previous_consensus: Vec<u16>,
    first_commit: Vec<Option<u64>>,
}

/// Replaces `v`'s contents with `items`, keeping its capacity.
fn refill<T>(v: &mut Vec<T>, items: impl Iterator<Item = T>) {
    v.clear();
    v.extend(items);
}

/// Each uid's stake weight, `TotalHotkeyAlpha + TaoWeight × root stake` (§5.7), into `stake`.
///
/// The neurons' hotkeys are sorted (`by_hotkey`, usually already in order) and walked beside
/// the subnet's pools and root's pools in that range, in hotkey order: a map lookup per uid
/// in each (two thousand root pools in the network-year workload) cost about 30 µs an
/// epoch in cache misses, a third of the Yuma epoch itself. The same values as those lookups.
fn stake_inputs(
    s: &Subnet,
    root: &super::state::Root,
    tao_weight: f64,
    by_hotkey: &mut Vec<(HotkeyId, u32)>,
    stake: &mut Vec<f64>,
) {
    refill(
        by_hotkey,
        (0u32..).zip(&s.neurons).map(|(i, nr)| (nr.hotkey, i)),
    );
    by_hotkey.sort_unstable();
    stake.clear();
    stake.resize(s.n(), 0.0);
    let (Some(&(lo, _)), Some(&(hi, _))) = (by_hotkey.first(), by_hotkey.last()) else {
        return;
    };
    let mut alpha = s.stakes.range(lo..=hi).peekable();
    let mut on_root = root.stakes().range(lo..=hi).peekable();
    for &(h, i) in by_hotkey.iter() {
        while alpha.next_if(|(k, _)| **k < h).is_some() {}
        while on_root.next_if(|(k, _)| **k < h).is_some() {}
        let value = |p: Option<&(&HotkeyId, &super::stake::SharePool)>| {
            p.filter(|(k, _)| **k == h)
                .map_or(0, |(_, pool)| pool.value())
        };
        stake[i as usize] = value(alpha.peek()) as f64 + tao_weight * value(on_root.peek()) as f64;
    }
}

/// The amounts of one epoch that an [`EpochRecord`] reports (rao of alpha).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EpochTotals {
    /// Alpha paid as incentive, dividends and root dividends.
    pub emission: u64,
    /// The owner's cut.
    pub owner_cut: u64,
    /// Alpha burned.
    pub burned: u64,
    /// Alpha recycled.
    pub recycled: u64,
}

/// The block-wide terms of one coinbase that every subnet's part uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CoinbaseTerms {
    /// The injection cap (§5.4).
    pub cap: shares::InjectionCap,
    /// The owner cut (u16 proportion).
    pub owner_cut: u16,
    /// The injection order (§5.5, §13.3.1).
    pub order: InjectionOrder,
    /// `TaoWeight`.
    pub tao_weight: f64,
    /// Root's total TAO stake (rao).
    pub root_total: u64,
    /// The root-sell flag (§5.10).
    pub root_sell: bool,
}

/// One subnet's part of the coinbase (§5.4–§5.6): its TAO emission `t_i` is injected (or buys
/// alpha) from `credit`, then `a_out` alpha is minted and split into the pending buckets.
/// `rho` is its root proportion before the injection. Returns its coinbase row and the alpha
/// minted and recycled (for the ledger). `s.share` is the caller's to set.
pub(crate) fn coinbase_subnet(
    s: &mut Subnet,
    terms: &CoinbaseTerms,
    t_i: u64,
    a_out: u64,
    rho: f64,
    share_before_gate: f64,
    credit: &mut u64,
) -> (SubnetCoinbase, AlphaLedger) {
    let mut ledger = AlphaLedger::default();
    let inj = shares::injection(t_i, s.pool.price(), a_out, rho, terms.cap);
    let mut row = SubnetCoinbase {
        netuid: s.netuid,
        share_before_gate,
        share: s.share,
        tao_emission: t_i,
        alpha_out: a_out,
        root_prop: rho,
        ..SubnetCoinbase::default()
    };
    match terms.order {
        InjectionOrder::ReweightFirst => {
            inject_reweight_first(s, &inj, credit, &mut ledger.minted, &mut row);
        }
        InjectionOrder::ChainBuyFirst => {
            inject_chain_buy_first(s, &inj, credit, &mut ledger.minted, &mut row);
        }
    }
    // §5.6: mint alpha_out and split it into the pending buckets.
    s.alpha_out += a_out;
    ledger.minted += a_out;
    s.alpha_emitted_since_epoch += a_out;
    let rho_now = shares::root_proportion(terms.tao_weight, terms.root_total, s.alpha_issuance());
    let split = shares::split_alpha_out(
        a_out,
        terms.owner_cut,
        s.params.owner_cut_enabled,
        rho_now,
        terms.root_sell,
    );
    s.pending.owner += split.owner;
    s.pending.server += split.server;
    s.pending.validator += split.validator;
    s.pending.root += split.root;
    let recycled = split.recycled + split.dust;
    s.alpha_out -= recycled;
    ledger.recycled += recycled;
    row.tao_reservoir = s.tao_reservoir;
    row.alpha_reservoir = s.alpha_reservoir;
    (row, ledger)
}

/// Adds each eligible subnet's coinbase alpha (`booked[i]`, minted and recycled, for
/// `rows[i].netuid`; `rows` ascending by netuid) to its ledger, walking the ledger once in
/// step with the rows instead of looking every subnet up.
pub(crate) fn book_alpha(
    ledger: &mut BTreeMap<NetUid, AlphaLedger>,
    rows: &[SubnetCoinbase],
    booked: &[AlphaLedger],
) {
    let mut missing = Vec::new();
    let mut entries = ledger.iter_mut().peekable();
    for (row, add) in rows.iter().zip(booked) {
        while entries.next_if(|(k, _)| **k < row.netuid).is_some() {}
        match entries.next_if(|(k, _)| **k == row.netuid) {
            Some((_, l)) => {
                l.minted += add.minted;
                l.recycled += add.recycled;
            }
            None => missing.push((row.netuid, *add)),
        }
    }
    for (netuid, add) in missing {
        let l = ledger.entry(netuid).or_default();
        l.minted += add.minted;
        l.recycled += add.recycled;
    }
}

/// A subnet's injection before 2026-10 (§5.5): the pool weights move as if (tao_in,
/// alpha_in) were added; the excess buys alpha against the *old* reserves with those weights;
/// then the reserves grow. A refused reweight injects nothing and leaves the TAO in the credit
/// (recycled). A failed chain buy leaves its TAO in the credit too (recycled; spec 425 left it
/// untracked in the subnet account, which differs only in issuance).
pub fn inject_reweight_first(
    s: &mut Subnet,
    inj: &shares::Injection,
    credit: &mut u64,
    minted: &mut u64,
    row: &mut SubnetCoinbase,
) {
    let injected =
        (inj.tao_in > 0 || inj.alpha_in > 0) && s.pool.reweight(inj.tao_in, inj.alpha_in);
    // Chain buy with the excess: no fee, no limit; the alpha is held by the protocol.
    if inj.excess > 0
        && let Ok(swap) = s.pool.buy_alpha(inj.excess, 0, None)
    {
        chain_bought(s, swap.amount_in, swap.amount_out, credit, row);
    }
    if injected {
        s.pool.tao += inj.tao_in;
        s.pool.alpha += inj.alpha_in;
        *credit -= inj.tao_in;
        *minted += inj.alpha_in;
        s.flow.record_protocol_flow(inj.tao_in as i64);
        s.tao_in_since_epoch += inj.tao_in;
        s.alpha_in_since_epoch += inj.alpha_in;
        row.tao_in = inj.tao_in;
        row.alpha_in = inj.alpha_in;
    }
}

/// Books a successful chain buy: TAO from the credit into the pool, alpha to the protocol.
fn chain_bought(s: &mut Subnet, tao: u64, alpha: u64, credit: &mut u64, row: &mut SubnetCoinbase) {
    *credit -= tao;
    s.flow.record_protocol_flow(tao as i64);
    s.alpha_out += alpha;
    s.protocol_alpha += alpha;
    s.excess_tao_since_epoch += tao;
    row.excess_tao = tao;
    row.alpha_bought = alpha;
}

/// A subnet's injection since 2026-10 (§13.3.1, §13.4), in the chain's new order:
///
/// 1. **chain buy first**, fee-free with no limit, with the current weights and reserves; a
///    failed buy returns its TAO to the credit (§13.4: recycled, never issued);
/// 2. **materialise** `tao_in` from the credit (0 if the credit cannot cover it);
/// 3. the **reservoir-aware weight update** (`adjust_protocol_liquidity`): with
///    τ = TAO reservoir + materialised tao_in and α = alpha reservoir + alpha_in, try
///    (τ, α), (0, α), (τ, 0) in that order; the first whose new quote weight stays in
///    [0.01, 0.99] is price-active and the rest is parked; if none fits both stay parked;
/// 4. **activation**: the whole alpha_in is minted (the parked part as the alpha reservoir,
///    which counts in alpha issuance, §13.3.3); the price-active amounts enter the reserves.
pub fn inject_chain_buy_first(
    s: &mut Subnet,
    inj: &shares::Injection,
    credit: &mut u64,
    minted: &mut u64,
    row: &mut SubnetCoinbase,
) {
    if inj.excess > 0
        && *credit >= inj.excess
        && let Ok(swap) = s.pool.buy_alpha(inj.excess, 0, None)
    {
        chain_bought(s, swap.amount_in, swap.amount_out, credit, row);
    }
    let materialised = if *credit >= inj.tao_in { inj.tao_in } else { 0 };
    *credit -= materialised;
    let tao_pend = s.tao_reservoir.saturating_add(materialised);
    let alpha_pend = s.alpha_reservoir.saturating_add(inj.alpha_in);
    let (tao_act, alpha_act) = adjust_protocol_liquidity(&mut s.pool, tao_pend, alpha_pend);
    s.tao_reservoir = tao_pend - tao_act;
    s.alpha_reservoir = alpha_pend - alpha_act;
    *minted += inj.alpha_in;
    s.pool.alpha += alpha_act;
    s.pool.tao += tao_act;
    if tao_act > 0 {
        s.flow.record_protocol_flow(tao_act as i64);
    }
    s.tao_in_since_epoch += tao_act;
    s.alpha_in_since_epoch += alpha_act;
    row.tao_in = tao_act;
    row.alpha_in = inj.alpha_in;
}

/// `adjust_protocol_liquidity` (§13.3.1 step 4): moves the pool weights for the first of the
/// candidate additions (τ, α), (0, α), (τ, 0) that keeps the quote weight within bounds and
/// returns it as the price-active pair; (0, 0) if none fits (weights unchanged). The reserves
/// are not changed here.
pub fn adjust_protocol_liquidity(pool: &mut Pool, tao: u64, alpha: u64) -> (u64, u64) {
    if tao == 0 && alpha == 0 {
        return (0, 0);
    }
    for (t, a) in [(tao, alpha), (0, alpha), (tao, 0)] {
        if (t > 0 || a > 0)
            && pool.tao.checked_add(t).is_some()
            && pool.alpha.checked_add(a).is_some()
            && pool.reweight(t, a)
        {
            return (t, a);
        }
    }
    (0, 0)
}

/// `SubnetFastMovingPrice` (§13.6.7): one block of an EMA of the unclamped spot price with
/// a 600-block half-life, p ← p + (1 − 2^(−1/600))·(spot − p); seeded at spot. The chain's
/// exact discretisation is UNSURE in the spec; this is its stated form.
pub fn update_fast_price(fast: f64, spot: f64) -> f64 {
    if fast <= 0.0 {
        spot
    } else {
        fast + FAST_PRICE_RATE * (spot - fast)
    }
}

/// The fast price EMA's weight per block, 1 − 2^(−1/600) (§13.6.7).
pub(crate) const FAST_PRICE_RATE: f64 = 0.001_154_578_261_969_852;

/// Calls `f` on the subnets stepped every block: all of them (`fg` is `None`), or those
/// listed, in netuid order.
fn for_stepped(
    subnets: &mut BTreeMap<NetUid, Subnet>,
    fg: Option<&[NetUid]>,
    mut f: impl FnMut(&mut Subnet),
) {
    match fg {
        None => subnets.values_mut().for_each(f),
        Some(fg) => {
            for n in fg {
                if let Some(s) = subnets.get_mut(n) {
                    f(s);
                }
            }
        }
    }
}

/// One block of `BlocksSinceLastStep` and whether the scheduler's safety net fires (§2.1,
/// §13.11): before 2026-10 BSLS grows without bound and the net fires when BSLS > `MAX_TEMPO`;
/// since 2026-10 BSLS saturates at tempo + 1 and the net fires while BSLS > tempo.
pub fn blocks_since_last_step(net: SafetyNet, bsls: u64, tempo: u64) -> (u64, bool) {
    match net {
        SafetyNet::MaxTempo => {
            let next = bsls.saturating_add(1);
            (next, next > MAX_TEMPO)
        }
        SafetyNet::TempoCapped => {
            let next = bsls.saturating_add(1).min(tempo.saturating_add(1));
            (next, next > tempo)
        }
    }
}

/// How many of the epochs due this block may run (§2.1, §13.11): `max_epochs_per_block`, or
/// under [`EpochCapRule::NullAware`] at most min(`max_epochs_per_block`, 1) when any subnet
/// due this block runs the Null epoch. `due` is in netuid order; the first `cap` run and the
/// others are deferred one block.
pub fn epoch_cap(
    rule: EpochCapRule,
    max_epochs_per_block: u32,
    due: &[(NetUid, EpochConsensus)],
) -> usize {
    let max = max_epochs_per_block as usize;
    match rule {
        EpochCapRule::NullAware if due.iter().any(|d| d.1 == EpochConsensus::Null) => max.min(1),
        _ => max,
    }
}

/// `L`, the step block of the "recently registered" bond cutoff (§3.2, §13.11): the epoch
/// drops bonds in columns registered at or after `L + 1` (or after `b − tempo` when `L` is 0).
/// `L` is `LastYumaStepBlock` if set, else `LastMechansimStepBlock`. Before 2026-10 only the
/// latter existed; with Yuma epochs only the two are equal, so this is the old rule too.
pub fn bond_cutoff_step(clock: &EpochClock) -> u64 {
    if clock.last_yuma_step_block != 0 {
        clock.last_yuma_step_block
    } else {
        clock.last_mechanism_step_block
    }
}

/// The clock after an epoch ran at block `b` (§2.1, §13.11): `LastMechansimStepBlock = b`;
/// a Yuma epoch also sets `LastYumaStepBlock = b` (when b > 0). A Null epoch leaves it, and the
/// first Null epoch without one snapshots the previous `LastMechansimStepBlock` into it (the
/// chain snapshots it when the subnet switches to Null; no epoch runs between the switch and
/// the first Null epoch, so the value is the same). Null epochs thus never move the cutoff.
pub fn record_epoch_step(clock: &mut EpochClock, b: u64, consensus: EpochConsensus) {
    match consensus {
        EpochConsensus::Yuma if b > 0 => clock.last_yuma_step_block = b,
        EpochConsensus::Yuma => {}
        EpochConsensus::Null => {
            if clock.last_yuma_step_block == 0 {
                clock.last_yuma_step_block = clock.last_mechanism_step_block;
            }
        }
    }
    clock.last_mechanism_step_block = b;
}

/// Reveals the commits whose reveal epoch has come (§3.6): they become the stored weights.
fn reveal_commits(s: &mut Subnet) {
    let epoch = s.clock.epoch_index;
    let reveal = s.params.reveal_period_epochs;
    let mut k = 0;
    while k < s.commits.len() {
        if s.commits[k].commit_epoch + reveal <= epoch {
            let c = s.commits.remove(k);
            if let Some(slot) = s
                .neurons
                .get(usize::from(c.uid))
                .filter(|nr| nr.hotkey == c.hotkey)
                .map(|_| usize::from(c.uid))
            {
                s.weights[slot] = c.weights;
            }
        } else {
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(netuid: u16) -> SubnetCoinbase {
        SubnetCoinbase {
            netuid: NetUid(netuid),
            ..SubnetCoinbase::default()
        }
    }

    fn add(minted: u64, recycled: u64) -> AlphaLedger {
        AlphaLedger {
            minted,
            recycled,
            burned: 0,
        }
    }

    #[test]
    fn book_alpha_adds_to_existing_entries_and_creates_missing_ones() {
        let mut ledger = BTreeMap::new();
        ledger.insert(NetUid(0), add(1, 0));
        ledger.insert(NetUid(2), add(10, 20));
        ledger.insert(NetUid(5), add(7, 7));
        ledger.insert(NetUid(9), add(3, 4));
        // Netuid 1 and 12 have no entry yet; 0 and 5 are not in the rows.
        let rows = [row(1), row(2), row(9), row(12)];
        let booked = [add(1, 2), add(3, 4), add(5, 6), add(7, 8)];
        book_alpha(&mut ledger, &rows, &booked);
        let got: Vec<(u16, u64, u64)> = ledger
            .iter()
            .map(|(k, l)| (k.0, l.minted, l.recycled))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 1, 0),
                (1, 1, 2),
                (2, 13, 24),
                (5, 7, 7),
                (9, 8, 10),
                (12, 7, 8)
            ]
        );
    }
}
