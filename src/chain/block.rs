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
//! Root dividends use a simple claim model: each hotkey's root dividend (after its take) is
//! claimed at once, as alpha staked on the subnet (`RootClaimType = Keep`), by the hotkey's
//! root stakers pro rata to their root shares. There is no claim threshold and no sale.

use yumalab_agents::units::{HotkeyId, NetUid};

use super::emission::block_emission;
use super::params::{EpochSchedule, InjectionCapRule, ShareRule};
use super::shares;
use super::shares::EMA_PRICE_HALVING_BLOCKS;
use super::state::{Chain, Subnet};
use crate::yuma::{EpochInput, run_epoch_into};

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
}

impl Chain {
    /// Steps one block. Epoch records of the epochs that ran are pushed to `epochs`.
    pub fn step_block(&mut self, epochs: &mut Vec<EpochRecord>) {
        self.block += 1;
        let b = self.block;
        // 1. Registration prices.
        for s in self.subnets.values_mut() {
            s.burn.on_block(b);
            s.registrations_this_block = 0;
        }
        // The flow EMAs fold in the previous block's flows (extrinsics and chain buys).
        for s in self.subnets.values_mut() {
            s.flow.end_block();
        }
        // 2. Block emission, minted as a credit.
        let e_block = block_emission(self.total_issuance);
        self.ledger.tao.minted += e_block;
        self.total_issuance += e_block;
        // 3. Reveal committed weights.
        for s in self.subnets.values_mut() {
            reveal_commits(s);
        }
        // 4. Coinbase, then the epochs that are due.
        let credit = self.coinbase(e_block);
        self.ledger.tao.recycled += credit;
        self.total_issuance -= credit;
        self.drain_epochs(epochs);
        // 5. Price EMAs of eligible subnets.
        let alpha = self.params.subnet_moving_alpha;
        for s in self.subnets.values_mut() {
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
        }
        #[cfg(debug_assertions)]
        if let Err(e) = self.check_conservation() {
            panic!("{e}");
        }
    }

    /// The coinbase (§5.3–§5.6). Returns the unspent credit (to be recycled).
    fn coinbase(&mut self, e_block: u64) -> u64 {
        let b = self.block;
        let eligible: Vec<NetUid> = self
            .subnets
            .values()
            .filter(|s| s.first_emission_block.is_some_and(|f| f <= b))
            .map(|s| s.netuid)
            .collect();
        if eligible.is_empty() {
            return e_block;
        }
        let root_total = self.root.total();
        let tao_weight = self.params.tao_weight;
        let inputs: Vec<shares::PriceShareInput> = eligible
            .iter()
            .map(|n| {
                let s = &self.subnets[n];
                shares::PriceShareInput {
                    moving_price: s.moving_price,
                    miner_burned: s.miner_burned,
                    root_prop: shares::root_proportion(tao_weight, root_total, s.alpha_issuance()),
                    emission_enabled: s.emission_enabled,
                }
            })
            .collect();
        let share = match self.params.share_rule {
            ShareRule::PriceEma => {
                shares::price_ema_shares(&inputs, shares::PriceShareRule::MinerBurn)
            }
            ShareRule::EarlyPriceEma => {
                shares::price_ema_shares(&inputs, shares::PriceShareRule::Dtao2025)
            }
            ShareRule::NetFlow => {
                let states: Vec<shares::FlowState> =
                    eligible.iter().map(|n| self.subnets[n].flow).collect();
                shares::flow_shares(&states, true, 0.0, 1.0)
            }
        };
        let tao_shares = shares::tao_to_rao_shares(e_block, &share);
        let root_sell =
            shares::root_sell_flag(&inputs.iter().map(|i| i.moving_price).collect::<Vec<_>>());
        let cap = match self.params.injection_cap {
            InjectionCapRule::RootProportion => shares::InjectionCap::RootProportion,
            InjectionCapRule::AlphaOutOrBlockEmission => {
                shares::InjectionCap::AlphaOutOrBlockEmission {
                    block_emission: e_block,
                }
            }
        };
        let owner_cut = self.params.owner_cut;
        let mut credit = e_block;
        for ((netuid, t_i), s_i) in eligible.iter().zip(tao_shares).zip(share) {
            let s = self.subnets.get_mut(netuid).expect("eligible subnet");
            let ledger = self.ledger.alpha.entry(*netuid).or_default();
            s.share = s_i;
            let a_out = block_emission(s.alpha_issuance());
            let rho = shares::root_proportion(tao_weight, root_total, s.alpha_issuance());
            let inj = shares::injection(t_i, s.pool.price(), a_out, rho, cap);
            // §5.5, in the chain's order: the pool weights move as if (tao_in, alpha_in) were
            // added; the excess buys alpha against the *old* reserves with those weights; then
            // the reserves grow. A refused reweight injects nothing and leaves the TAO in the
            // credit (recycled).
            let injected =
                (inj.tao_in > 0 || inj.alpha_in > 0) && s.pool.reweight(inj.tao_in, inj.alpha_in);
            // Chain buy with the excess: no fee, no limit; the alpha is held by the protocol.
            let bought = if inj.excess > 0 {
                s.pool.buy_alpha(inj.excess, 0, None).ok()
            } else {
                None
            };
            if let Some(swap) = bought {
                credit -= swap.amount_in;
                s.flow.record_protocol_flow(swap.amount_in as i64);
                s.alpha_out += swap.amount_out;
                s.protocol_alpha += swap.amount_out;
                s.excess_tao_since_epoch += swap.amount_in;
            }
            if injected {
                s.pool.tao += inj.tao_in;
                s.pool.alpha += inj.alpha_in;
                credit -= inj.tao_in;
                ledger.minted += inj.alpha_in;
                s.flow.record_protocol_flow(inj.tao_in as i64);
                s.tao_in_since_epoch += inj.tao_in;
                s.alpha_in_since_epoch += inj.alpha_in;
            }
            // §5.6: mint alpha_out and split it into the pending buckets.
            s.alpha_out += a_out;
            ledger.minted += a_out;
            s.alpha_emitted_since_epoch += a_out;
            let rho_now = shares::root_proportion(tao_weight, root_total, s.alpha_issuance());
            let split = shares::split_alpha_out(
                a_out,
                owner_cut,
                s.params.owner_cut_enabled,
                rho_now,
                root_sell,
            );
            s.pending.owner += split.owner;
            s.pending.server += split.server;
            s.pending.validator += split.validator;
            s.pending.root += split.root;
            let recycled = split.recycled + split.dust;
            s.alpha_out -= recycled;
            ledger.recycled += recycled;
        }
        credit
    }

    /// Runs the epochs that are due this block (§2), in netuid order.
    fn drain_epochs(&mut self, records: &mut Vec<EpochRecord>) {
        let b = self.block;
        let schedule = self.params.schedule;
        let max_per_block = self.params.max_epochs_per_block as usize;
        // One pass advances every clock and picks the subnets whose epoch runs now (usually
        // none, so nothing is allocated); the epochs then run in netuid order.
        let mut due = Vec::new();
        for (netuid, s) in self.subnets.iter_mut() {
            s.clock.blocks_since_last_step += 1;
            let tempo = s.params.tempo;
            let is_due = tempo != 0
                && match schedule {
                    EpochSchedule::Stateful => {
                        (s.clock.pending_epoch_at > 0 && b >= s.clock.pending_epoch_at)
                            || s.clock.blocks_since_last_step > MAX_TEMPO
                            || b - s.clock.last_epoch_block >= tempo
                    }
                    EpochSchedule::Modulo => {
                        (b + u64::from(netuid.0) + 1).is_multiple_of(tempo + 1)
                    }
                };
            if !is_due {
                continue;
            }
            if schedule == EpochSchedule::Stateful && due.len() >= max_per_block {
                s.clock.pending_epoch_at = b + 1;
                continue;
            }
            s.clock.blocks_since_last_step = 0;
            s.clock.last_epoch_block = b;
            s.clock.pending_epoch_at = 0;
            s.clock.epoch_index += 1;
            due.push(*netuid);
        }
        for netuid in due {
            let record = self.run_subnet_epoch(netuid);
            records.push(record);
            self.subnets
                .get_mut(&netuid)
                .expect("subnet")
                .clock
                .last_mechanism_step_block = b;
        }
    }

    /// Drains a subnet's pending alpha, runs its epoch and pays everyone (§5.7, §5.8).
    fn run_subnet_epoch(&mut self, netuid: NetUid) -> EpochRecord {
        let b = self.block;
        let tao_weight = self.params.tao_weight;
        let threshold = self.params.stake_threshold;
        let s = self.subnets.get_mut(&netuid).expect("subnet");
        let pending = std::mem::take(&mut s.pending);
        let e = pending.server + pending.validator + pending.root;
        let n = s.n();
        // Inputs: stake weight from own alpha and root stake (no childkeys yet).
        let stake: Vec<f64> = s
            .neurons
            .iter()
            .map(|nr| {
                s.hotkey_alpha(nr.hotkey) as f64
                    + tao_weight * self.root.hotkey_stake(nr.hotkey) as f64
            })
            .collect();
        let last_update: Vec<u64> = s.neurons.iter().map(|nr| nr.last_update).collect();
        let registered_at: Vec<u64> = s.neurons.iter().map(|nr| nr.registered_at).collect();
        let permits: Vec<bool> = s.neurons.iter().map(|nr| nr.permit).collect();
        // Before 2026-06-25 (modulo schedule) the activity cutoff was an absolute block count
        // and "recently registered" used `current_block − tempo` (spec §2.2).
        let (cutoff, last_step) = match self.params.schedule {
            EpochSchedule::Stateful => (
                s.params.activity_cutoff(),
                s.clock.last_mechanism_step_block,
            ),
            EpochSchedule::Modulo => (s.params.legacy_activity_cutoff, 0),
        };
        let epoch_now = s.clock.epoch_index;
        let reveal = s.params.reveal_period_epochs;
        let mut first_commit = vec![None; n];
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
            stake: &stake,
            stake_threshold: threshold,
            last_update: &last_update,
            registered_at: &registered_at,
            permits: &permits,
            owner: s.uid_of(s.owner_hotkey),
            weights: &s.weights,
            bonds: &s.bonds,
            first_commit_block: &first_commit,
            emission: e,
        };
        run_epoch_into(
            &input,
            &s.params.yuma,
            &mut self.workspace,
            &mut self.epoch_out,
        )
        .expect("epoch inputs are built from consistent state");
        let out = &self.epoch_out;
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
            let a = s.hotkey_alpha(h) as f64;
            let r = tao_weight * self.root.hotkey_stake(h) as f64;
            let rp = if a + r > 0.0 { r / (a + r) } else { 0.0 };
            root_div[i] = d as f64 * rp;
            alpha_div[i] = d as f64 - root_div[i];
        }
        let sum_alpha: f64 = alpha_div.iter().sum();
        let sum_root: f64 = root_div.iter().sum();
        for i in 0..n {
            let h = s.neurons[i].hotkey;
            let owner = self.hotkeys[h.0 as usize].owner;
            let take = f64::from(self.hotkeys[h.0 as usize].take) / 65535.0;
            if alpha_div[i] > 0.0 && sum_alpha > 0.0 {
                let pay = (validator_pool as f64 * alpha_div[i] / sum_alpha).floor() as u64;
                let take_amount = (pay as f64 * take).floor() as u64;
                let pool = s.stakes.entry(h).or_default();
                pool.deposit(owner, take_amount);
                if pool.has_holders() {
                    pool.pay(pay - take_amount);
                } else {
                    pool.deposit(owner, pay - take_amount);
                }
                paid += pay;
                records[i].dividend_alpha = pay;
            }
            if root_div[i] > 0.0 && sum_root > 0.0 {
                let pay = (root_pool as f64 * root_div[i] / sum_root).floor() as u64;
                let take_amount = (pay as f64 * take).floor() as u64;
                s.stakes.entry(h).or_default().deposit(owner, take_amount);
                let rest = pay - take_amount;
                // Claimed at once as alpha (Keep), pro rata to root shares.
                let mut given = 0u64;
                if let Some(root_pool) = self.root.stakes.get(&h) {
                    for c in root_pool.holders() {
                        let amount = (rest as f64 * root_pool.fraction_of(c)).floor() as u64;
                        s.stakes.entry(h).or_default().deposit(c, amount);
                        given += amount;
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
        ledger.burned += burned;

        EpochRecord {
            block: b,
            netuid,
            epoch_index: s.clock.epoch_index,
            emission: e,
            owner_cut: pending.owner,
            burned,
            recycled,
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
            neurons: records,
        }
    }
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
