//! Extrinsics: how an [`Action`] changes the chain (spec §3.6, §7, §8).
//!
//! Each action is checked completely before anything changes, so a refused action leaves the
//! state exactly as it was and reports why ([`Refusal`]). Swap fees go to the block authors
//! (a ledger bucket: the simulator has no block production).

use std::fmt;

use yumalab_agents::Action;
use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use super::collateral;
use super::params::{RootRegistration, SubnetRegistration};
use super::pool::{PoolKind, Swap, new_subnet_pool};
use super::registration::{PruneCandidate, neuron_to_prune};
use super::state::{Chain, Commit, Neuron};

/// `DefaultMinStake`: the smallest stake or unstake, in TAO rao equivalent (0.002 TAO).
pub const MIN_STAKE: u64 = 2_000_000;
/// Unrevealed commits one hotkey may have queued.
pub const MAX_UNREVEALED_COMMITS: usize = 10;
/// The largest delegate take, u16 proportion (18 %).
pub const MAX_TAKE: u16 = 11_796;

/// Why the chain refused an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// No such subnet.
    UnknownSubnet(NetUid),
    /// No such coldkey or hotkey.
    UnknownAccount,
    /// The coldkey does not own the hotkey.
    NotOwner,
    /// The hotkey is not registered on the subnet.
    NotRegistered,
    /// The hotkey is already registered on the subnet.
    AlreadyRegistered,
    /// Not enough free TAO.
    InsufficientBalance {
        /// Needed.
        needed: u64,
        /// Held.
        available: u64,
    },
    /// Not enough stake.
    InsufficientStake {
        /// Needed.
        needed: u64,
        /// Held.
        available: u64,
    },
    /// Below `DefaultMinStake`.
    BelowMinimum(u64),
    /// Weights set too soon after the last set.
    RateLimited {
        /// Blocks until allowed.
        wait: u64,
    },
    /// `SetWeights` on a commit-reveal subnet, or `CommitWeights` on one without.
    WrongWeightsCall,
    /// A weight names a uid that does not exist, or a uid twice.
    BadWeights(String),
    /// The subnet is full and every uid is immune.
    NoPrunableUid,
    /// The pool refused the swap.
    Swap(String),
    /// A take above the maximum.
    TakeTooHigh(u16),
    /// The legacy rule's per-block or per-interval registration cap is reached.
    RegistrationsFull,
    /// Subnet registrations are rate limited.
    NetworkRateLimited {
        /// Blocks until allowed.
        wait: u64,
    },
    /// The subnet limit is reached.
    SubnetLimit(u16),
    /// Only the subnet owner may do this.
    NotSubnetOwner,
    /// The subnet is already emitting.
    AlreadyStarted,
    /// Too many unrevealed commits queued.
    TooManyCommits,
    /// A hyperparameter value outside what owners may set.
    BadHyperparameter(String),
    /// A basket claim under a regime without baskets (before 2026-10).
    NoBaskets,
    /// A basket trade outside its bounds (§13.6.10).
    BasketTrade(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownSubnet(n) => write!(f, "subnet {} does not exist", n.0),
            Refusal::UnknownAccount => write!(f, "unknown coldkey or hotkey"),
            Refusal::NotOwner => write!(f, "the coldkey does not own the hotkey"),
            Refusal::NotRegistered => write!(f, "the hotkey is not registered on the subnet"),
            Refusal::AlreadyRegistered => {
                write!(f, "the hotkey is already registered on the subnet")
            }
            Refusal::InsufficientBalance { needed, available } => {
                write!(f, "needs {needed} rao of free TAO, has {available}")
            }
            Refusal::InsufficientStake { needed, available } => {
                write!(f, "needs {needed} rao of stake, has {available}")
            }
            Refusal::BelowMinimum(a) => {
                write!(f, "{a} rao is below the minimum stake of {MIN_STAKE}")
            }
            Refusal::RateLimited { wait } => {
                write!(f, "weights rate limit: wait {wait} more blocks")
            }
            Refusal::WrongWeightsCall => write!(
                f,
                "set weights directly only without commit-reveal, commit only with it"
            ),
            Refusal::BadWeights(why) => write!(f, "bad weights: {why}"),
            Refusal::NoPrunableUid => write!(f, "the subnet is full and no uid can be replaced"),
            Refusal::Swap(why) => write!(f, "swap refused: {why}"),
            Refusal::TakeTooHigh(t) => write!(f, "take {t} is above the maximum {MAX_TAKE}"),
            Refusal::RegistrationsFull => {
                write!(f, "registration cap for this block or interval reached")
            }
            Refusal::NetworkRateLimited { wait } => {
                write!(f, "subnet registration rate limit: wait {wait} more blocks")
            }
            Refusal::SubnetLimit(l) => write!(f, "the subnet limit of {l} is reached"),
            Refusal::NotSubnetOwner => write!(f, "only the subnet owner may do this"),
            Refusal::AlreadyStarted => write!(f, "the subnet already emits"),
            Refusal::BadHyperparameter(why) => write!(f, "{why}"),
            Refusal::BasketTrade(why) => write!(f, "basket trade refused: {why}"),
            Refusal::NoBaskets => write!(
                f,
                "root dividends are not kept in baskets under this regime (claims exist since 2026-10)"
            ),
            Refusal::TooManyCommits => write!(
                f,
                "{MAX_UNREVEALED_COMMITS} unrevealed commits are already queued"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Max-upscales a submitted row as the chain stores it: `round(w·65535/max)`.
pub fn max_upscale(weights: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let max = weights.iter().map(|w| w.1).max().unwrap_or(0);
    if max == 0 || max == u16::MAX {
        return weights.to_vec();
    }
    weights
        .iter()
        .map(|&(j, w)| (j, round_quotient(f64::from(w) * 65535.0 / f64::from(max))))
        .collect()
}

/// `q.round() as u16` for `q = fl(w·65535 / max)`, `0 ≤ w ≤ max < 65535`, without the libm call
/// `f64::round` is on baseline x86-64 (a fifth of `set_weights`). The same value: the exact
/// quotient `w·65535/max` (numerator exact in f64) is either a half-integer, which `q` then is
/// exactly (so `q + 0.5` is the exact integer above, as `round` gives), or at least
/// `1/(2·max) > 7.6e-6` from every half-integer, while `q` and `q + 0.5` are each within half an
/// ulp below 65536 (`3.6e-12`) of their exact values, so both land on the same side.
fn round_quotient(q: f64) -> u16 {
    (q + 0.5) as u16
}

/// Root's `MaxAllowedUids` (64).
pub const ROOT_MAX_UIDS: usize = 64;

impl Chain {
    fn coldkey_ok(&self, c: ColdkeyId) -> Result<(), Refusal> {
        if (c.0 as usize) < self.coldkeys.len() {
            Ok(())
        } else {
            Err(Refusal::UnknownAccount)
        }
    }

    pub(crate) fn owns(&self, c: ColdkeyId, h: HotkeyId) -> Result<(), Refusal> {
        self.coldkey_ok(c)?;
        match self.hotkeys.get(h.0 as usize) {
            None => Err(Refusal::UnknownAccount),
            Some(hk) if hk.owner != c => Err(Refusal::NotOwner),
            Some(_) => Ok(()),
        }
    }

    fn hotkey_ok(&self, h: HotkeyId) -> Result<(), Refusal> {
        if (h.0 as usize) < self.hotkeys.len() {
            Ok(())
        } else {
            Err(Refusal::UnknownAccount)
        }
    }

    /// Applies one action at the current block. Under a regime with transaction fees
    /// (§13.7) the signer's coldkey pays the extrinsic's fee, which is recycled
    /// (`TotalIssuance` falls); a refused action pays nothing (on chain a dispatch error
    /// still pays: a documented simplification).
    ///
    /// # Errors
    /// A [`Refusal`]; the state is then unchanged.
    pub fn apply(&mut self, action: &Action) -> Result<(), Refusal> {
        let Some((payer, fee)) = self.tx_fee(action).filter(|&(_, fee)| fee > 0) else {
            return self.dispatch(action);
        };
        self.coldkey_ok(payer)?;
        let available = self.coldkeys[payer.0 as usize].balance;
        if available < fee {
            return Err(Refusal::InsufficientBalance {
                needed: fee,
                available,
            });
        }
        // The fee is withdrawn before dispatch (so the call sees the balance net of it) and
        // given back if the call is refused.
        self.coldkeys[payer.0 as usize].balance -= fee;
        match self.dispatch(action) {
            Ok(()) => {
                self.recycle_fee(fee);
                Ok(())
            }
            Err(e) => {
                self.coldkeys[payer.0 as usize].balance += fee;
                Err(e)
            }
        }
    }

    /// §13.7: a transaction fee leaves circulation: recycled, so `TotalIssuance` falls.
    fn recycle_fee(&mut self, fee: u64) {
        self.ledger.tao.recycled += fee;
        self.total_issuance -= fee;
    }

    /// Who pays which transaction fee for `action` (§13.7), if the regime charges fees.
    /// Weights, commits, neuron registrations and serving are fee-free (`Pays::No` on chain,
    /// or not an extrinsic).
    pub fn tx_fee(&self, action: &Action) -> Option<(ColdkeyId, u64)> {
        let fees = self.params.tx_fees?;
        match action {
            Action::AddStake { coldkey, .. } | Action::RemoveStake { coldkey, .. } => {
                Some((*coldkey, fees.stake))
            }
            Action::MoveStake { coldkey, .. } | Action::SwapBasket { coldkey, .. } => {
                Some((*coldkey, fees.move_stake))
            }
            Action::ClaimRoot { coldkey, .. } => Some((*coldkey, fees.claim)),
            Action::RegisterSubnet { coldkey, .. }
            | Action::RootRegister { coldkey, .. }
            | Action::StartCall { coldkey, .. }
            | Action::SetTake { coldkey, .. }
            | Action::SetHyperparameter { coldkey, .. } => Some((*coldkey, fees.other)),
            Action::Register { .. }
            | Action::SetWeights { .. }
            | Action::CommitWeights { .. }
            | Action::Serve { .. }
            | Action::CommitMetadata { .. } => None,
        }
    }

    /// Under [`RootRegistration::OnFirstStake`] (before 2026-10), gives `hotkey` a root UID
    /// when it first holds root stake, while root has fewer than [`ROOT_MAX_UIDS`] (§13.5): a
    /// simplification of `root_register` (no burn, no eviction). Since 2026-10 seats are
    /// bought ([`Action::RootRegister`], §13.6.12).
    fn register_on_root(&mut self, hotkey: HotkeyId) {
        if self.params.root_registration == RootRegistration::OnFirstStake
            && self.root.registered.len() < ROOT_MAX_UIDS
            && self.root.registered.insert(hotkey)
        {
            self.root.seat_blocks.insert(hotkey, self.block);
        }
    }

    /// Dispatches one action, fee aside.
    fn dispatch(&mut self, action: &Action) -> Result<(), Refusal> {
        match action {
            Action::Register {
                coldkey,
                hotkey,
                netuid,
            } => self.register(*coldkey, *hotkey, *netuid),
            Action::SetWeights {
                hotkey,
                netuid,
                weights,
            } => self.set_weights(*hotkey, *netuid, weights, false),
            Action::CommitWeights {
                hotkey,
                netuid,
                weights,
            } => self.set_weights(*hotkey, *netuid, weights, true),
            Action::AddStake {
                coldkey,
                hotkey,
                netuid,
                tao,
                limit_price,
            } => self
                .add_stake(*coldkey, *hotkey, *netuid, tao.0, *limit_price)
                .map(|_| ()),
            Action::RemoveStake {
                coldkey,
                hotkey,
                netuid,
                alpha,
                limit_price,
            } => self
                .remove_stake(*coldkey, *hotkey, *netuid, alpha.0, *limit_price)
                .map(|_| ()),
            Action::MoveStake {
                coldkey,
                from_hotkey,
                from_netuid,
                to_hotkey,
                to_netuid,
                alpha,
            } => self.move_stake(
                *coldkey,
                *from_hotkey,
                *from_netuid,
                *to_hotkey,
                *to_netuid,
                alpha.0,
            ),
            Action::RegisterSubnet { coldkey, hotkey } => {
                self.register_subnet(*coldkey, *hotkey).map(|_| ())
            }
            Action::StartCall { coldkey, netuid } => {
                let block = self.block;
                let s = self
                    .subnets
                    .get_mut(netuid)
                    .ok_or(Refusal::UnknownSubnet(*netuid))?;
                if s.owner_coldkey != *coldkey {
                    return Err(Refusal::NotSubnetOwner);
                }
                if s.first_emission_block.is_some() {
                    return Err(Refusal::AlreadyStarted);
                }
                // Emission starts next block; the moving price starts at 0 as on chain.
                s.first_emission_block = Some(block + 1);
                Ok(())
            }
            Action::Serve {
                hotkey,
                netuid,
                quality,
                copy_of,
            } => {
                let block = self.block;
                let s = self
                    .subnets
                    .get_mut(netuid)
                    .ok_or(Refusal::UnknownSubnet(*netuid))?;
                let uid = s.uid_of(*hotkey).ok_or(Refusal::NotRegistered)?;
                s.served[usize::from(uid)] = Some(yumalab_agents::Served {
                    block: yumalab_agents::units::Block(block),
                    quality: yumalab_agents::Qualities::from_slice(quality),
                    copy_of: *copy_of,
                });
                Ok(())
            }
            Action::SetHyperparameter {
                coldkey,
                netuid,
                hyperparameter,
            } => self.set_hyperparameter(*coldkey, *netuid, hyperparameter),
            Action::CommitMetadata { hotkey, netuid } => {
                self.hotkey_ok(*hotkey)?;
                let s = self
                    .subnets
                    .get_mut(netuid)
                    .ok_or(Refusal::UnknownSubnet(*netuid))?;
                let uid = s.uid_of(*hotkey).ok_or(Refusal::NotRegistered)?;
                // `do_reset_bonds`: the uid's column leaves every stored bond row.
                if s.params.bonds_reset {
                    for row in &mut s.bonds {
                        row.retain(|e| e.0 != uid);
                    }
                }
                Ok(())
            }
            Action::RootRegister { coldkey, hotkey } => self.root_register(*coldkey, *hotkey),
            Action::SwapBasket {
                coldkey,
                hotkey,
                from,
                to,
                amount,
            } => self.swap_basket(*coldkey, *hotkey, *from, *to, amount.0),
            Action::ClaimRoot { coldkey, hotkey } => {
                self.coldkey_ok(*coldkey)?;
                if !self.uses_baskets() {
                    return Err(Refusal::NoBaskets);
                }
                match hotkey {
                    Some(h) => {
                        self.hotkey_ok(*h)?;
                        self.claim_root_with_hotkey(*coldkey, *h);
                    }
                    None => {
                        self.claim_root(*coldkey);
                    }
                }
                Ok(())
            }
            Action::SetTake {
                coldkey,
                hotkey,
                take,
            } => {
                self.owns(*coldkey, *hotkey)?;
                if *take > MAX_TAKE {
                    return Err(Refusal::TakeTooHigh(*take));
                }
                self.hotkeys[hotkey.0 as usize].take = *take;
                Ok(())
            }
        }
    }

    /// An owner's hyperparameter change, within the bounds owners may set (spec §4).
    fn set_hyperparameter(
        &mut self,
        coldkey: ColdkeyId,
        netuid: NetUid,
        h: &yumalab_agents::Hyperparameter,
    ) -> Result<(), Refusal> {
        use yumalab_agents::Hyperparameter as H;
        let s = self
            .subnets
            .get_mut(&netuid)
            .ok_or(Refusal::UnknownSubnet(netuid))?;
        if s.owner_coldkey != coldkey {
            return Err(Refusal::NotSubnetOwner);
        }
        let bad = |why: String| Err(Refusal::BadHyperparameter(why));
        match *h {
            H::Tempo(t) if !(360..=50_400).contains(&t) => {
                return bad(format!("tempo must be in [360, 50400], got {t}"));
            }
            H::BondsMovingAverage(x) if x > 975_000 => {
                return bad(format!(
                    "bonds moving average must be at most 975000, got {x}"
                ));
            }
            H::LiquidAlpha(Some((lo, hi))) if lo < 1638 || lo > hi => {
                return bad(format!(
                    "alpha values need 1638 <= low <= high, got ({lo}, {hi})"
                ));
            }
            H::RevealPeriodEpochs(r) if !(1..=100).contains(&r) => {
                return bad(format!("reveal period must be in [1, 100], got {r}"));
            }
            H::MaxValidators(0) => return bad("max validators must be at least 1".into()),
            _ => {}
        }
        let p = &mut s.params;
        match *h {
            H::Tempo(t) => {
                // set_tempo resets the cycle.
                p.tempo = t;
                s.clock.last_epoch_block = self.block;
            }
            H::BondsMovingAverage(x) => p.yuma.bonds_moving_average = x,
            H::BondsPenalty(x) => p.yuma.bonds_penalty = x,
            H::LiquidAlpha(v) => {
                p.yuma.liquid_alpha = v.map(|(lo, hi)| crate::yuma::LiquidAlpha {
                    alpha_low: lo,
                    alpha_high: hi,
                    ..crate::yuma::LiquidAlpha::default()
                });
            }
            H::CommitReveal(on) => p.yuma.commit_reveal = on,
            H::RevealPeriodEpochs(r) => p.reveal_period_epochs = r,
            H::ImmunityPeriod(x) => p.immunity_period = x,
            H::MaxValidators(k) => p.yuma.max_allowed_validators = k,
            H::Yuma3(on) => {
                p.yuma.bonds = crate::yuma::bonds::variant(if on { "yuma3" } else { "yuma2" })
                    .expect("built in")
            }
        }
        Ok(())
    }

    /// Subnet registration (§8.3, §6.5): pay the lock cost into a new pool priced at the median
    /// spot price of the existing subnets. Returns the new netuid; at the limit since 2026-10
    /// the registration is queued (§13.12) and `NetUid(0)` is returned.
    fn register_subnet(&mut self, coldkey: ColdkeyId, hotkey: HotkeyId) -> Result<NetUid, Refusal> {
        self.owns(coldkey, hotkey)?;
        let b = self.block;
        let full = self.network_full();
        if full && self.params.subnet_registration == SubnetRegistration::RefuseAtLimit {
            return Err(Refusal::SubnetLimit(self.params.subnet_limit));
        }
        let registered_before = self.network_last_lock_block != 0;
        let since = b - self.network_last_lock_block;
        if registered_before && since < self.params.network_rate_limit {
            return Err(Refusal::NetworkRateLimited {
                wait: self.params.network_rate_limit - since,
            });
        }
        let lock = self.network_lock_cost();
        let available = self.coldkeys[coldkey.0 as usize].balance;
        if lock > available {
            return Err(Refusal::InsufficientBalance {
                needed: lock,
                available,
            });
        }
        if full {
            // §13.12: prune now, settle later from the queue.
            self.queue_subnet_registration(coldkey, hotkey, lock)?;
            self.network_last_lock = lock;
            self.network_last_lock_block = b;
            return Ok(NetUid(0));
        }
        let median = self.median_subnet_price();
        // The lock is at least the minimum, so the pool's TAO is exactly the lock paid.
        let pool = new_subnet_pool(self.pool_kind(), lock, self.params.network_min_lock, median);
        self.coldkeys[coldkey.0 as usize].balance -= lock;
        self.network_last_lock = lock;
        self.network_last_lock_block = b;
        Ok(self.create_subnet(
            super::params::SubnetParams::default(),
            coldkey,
            hotkey,
            pool,
            None,
        ))
    }

    /// Burned registration (§8.1): pay the burn into the pool for alpha, which is recycled;
    /// take a free uid or replace the pruning candidate.
    fn register(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
    ) -> Result<(), Refusal> {
        self.owns(coldkey, hotkey)?;
        let b = self.block;
        let fee = self.params.swap_fee;
        let available = self.coldkeys[coldkey.0 as usize].balance;
        let s = self
            .subnets
            .get(&netuid)
            .ok_or(Refusal::UnknownSubnet(netuid))?;
        if s.uid_of(hotkey).is_some() {
            return Err(Refusal::AlreadyRegistered);
        }
        if !s.burn.can_register() {
            return Err(Refusal::RegistrationsFull);
        }
        let burn = s.burn.burn();
        if burn > available {
            return Err(Refusal::InsufficientBalance {
                needed: burn,
                available,
            });
        }
        let replace = if s.n() >= usize::from(s.params.max_uids) {
            let owner_immortal: Vec<bool> = s
                .neurons
                .iter()
                .map(|nr| nr.hotkey == s.owner_hotkey)
                .collect();
            let candidates: Vec<PruneCandidate> = s
                .neurons
                .iter()
                .enumerate()
                .map(|(u, nr)| PruneCandidate {
                    uid: u as u16,
                    emission: nr.emission,
                    registered_at: nr.registered_at,
                })
                .collect();
            let k = neuron_to_prune(
                &candidates,
                b,
                s.params.immunity_period,
                s.params.min_non_immune_uids,
                &owner_immortal,
            )
            .ok_or(Refusal::NoPrunableUid)?;
            Some(candidates[k].uid)
        } else {
            None
        };
        let s = self.subnets.get_mut(&netuid).expect("checked");
        // §13.8: with a lock share, part of the price buys locked alpha (one swap, fill-or-kill
        // within 5 % of spot when new collateral is bought).
        let lock_share = s.params.collateral_lock_share;
        let charge = (lock_share > 0).then(|| {
            collateral::registration_charge(
                burn,
                lock_share,
                s.locked(hotkey, coldkey),
                s.moving_price,
            )
        });
        let paid = charge.map_or(burn, |c| c.charge);
        let limit = charge
            .filter(|c| c.topup > 0)
            .map(|_| s.pool.price() * 1.05);
        let swap = if paid > 0 {
            let q = s
                .pool
                .quote_buy(paid, fee, limit)
                .map_err(|e| Refusal::Swap(e.to_string()))?;
            if q.refund > 0 {
                return Err(Refusal::Swap(format!(
                    "collateral top-up does not fill within 5 % of spot ({} rao of {} would be refunded)",
                    q.refund, paid
                )));
            }
            Some(
                s.pool
                    .buy_alpha(paid, fee, limit)
                    .map_err(|e| Refusal::Swap(e.to_string()))?,
            )
        } else {
            None
        };
        // Committed: nothing below can fail.
        self.coldkeys[coldkey.0 as usize].balance -= paid;
        let fee_to_author = s.pool.kind == PoolKind::Balancer;
        if let Some(Swap {
            fee: f,
            amount_in,
            amount_out,
            ..
        }) = swap
        {
            // Balancer: the fee goes to the block author; constant product: it stayed in the pool.
            let f = if fee_to_author { f } else { 0 };
            s.flow.record_user_flow((amount_in - f) as i64);
            self.ledger.tao.author_fees += f;
            let locked =
                charge.map_or(0, |c| collateral::lock_alpha(amount_out, c.topup, c.charge));
            if locked > 0 {
                s.alpha_out += locked;
                s.stakes.entry(hotkey).or_default().deposit(coldkey, locked);
                let k = s.params.collateral_drain_ratio;
                let position = s
                    .collateral
                    .entry((hotkey, coldkey))
                    .or_insert_with(|| collateral::Collateral::new(k));
                position.locked += locked;
                position.drain_ratio = k;
            }
            self.ledger.alpha.entry(netuid).or_default().recycled += amount_out - locked;
        }
        s.burn.on_register();
        s.registrations_this_block += 1;
        let neuron = Neuron {
            hotkey,
            registered_at: b,
            last_update: b,
            last_set_weights: 0,
            ..Neuron::default()
        };
        match replace {
            None => {
                let uid = s.neurons.len() as u16;
                s.note_uid(None, hotkey, uid);
                s.neurons.push(neuron);
                s.weights.push(Vec::new());
                s.bonds.push(Vec::new());
                s.served.push(None);
            }
            Some(uid) => {
                let u = usize::from(uid);
                let replaced = s.neurons[u].hotkey;
                s.note_uid(Some(replaced), hotkey, uid);
                s.neurons[u] = neuron;
                s.weights[u].clear();
                s.bonds[u].clear();
                s.served[u] = None;
                for row in &mut s.weights {
                    for e in row.iter_mut().filter(|e| e.0 == uid) {
                        e.1 = 0;
                    }
                }
                s.commits.retain(|c| c.uid != uid);
            }
        }
        Ok(())
    }

    fn set_weights(
        &mut self,
        hotkey: HotkeyId,
        netuid: NetUid,
        weights: &[(u16, u16)],
        commit: bool,
    ) -> Result<(), Refusal> {
        self.hotkey_ok(hotkey)?;
        let b = self.block;
        let threshold = self.params.stake_threshold;
        let tao_weight = self.params.tao_weight;
        let root_stake = self.root.hotkey_stake(hotkey);
        let s = self
            .subnets
            .get_mut(&netuid)
            .ok_or(Refusal::UnknownSubnet(netuid))?;
        let uid = s.uid_of(hotkey).ok_or(Refusal::NotRegistered)?;
        if commit != s.params.yuma.commit_reveal {
            return Err(Refusal::WrongWeightsCall);
        }
        let stake = s.hotkey_alpha(hotkey) as f64 + tao_weight * root_stake as f64;
        if stake < threshold as f64 {
            return Err(Refusal::InsufficientStake {
                needed: threshold,
                available: stake as u64,
            });
        }
        let n = s.n();
        let missing = |j: usize| {
            Err(Refusal::BadWeights(format!(
                "uid {j} does not exist (the subnet has {n})"
            )))
        };
        // The SDK submits ascending uids (spec §3.15): then no uid repeats, and the first
        // missing one is the first at or past `n`.
        let ascending = weights.windows(2).all(|p| p[0].0 < p[1].0);
        if ascending {
            if let Some(&(j, _)) = weights.get(weights.partition_point(|e| usize::from(e.0) < n)) {
                return missing(usize::from(j));
            }
        } else {
            let mut seen = vec![false; n];
            for &(j, _) in weights {
                let j = usize::from(j);
                if j >= n {
                    return missing(j);
                }
                if std::mem::replace(&mut seen[j], true) {
                    return Err(Refusal::BadWeights(format!("uid {j} appears twice")));
                }
            }
        }
        // Commits queue (each reveals in turn); the chain caps unrevealed commits per hotkey.
        if commit && s.commits.iter().filter(|c| c.uid == uid).count() >= MAX_UNREVEALED_COMMITS {
            return Err(Refusal::TooManyCommits);
        }
        let nr = &mut s.neurons[usize::from(uid)];
        if !commit {
            let since = b - nr.last_set_weights;
            if nr.last_set_weights != 0 && since < s.params.weights_rate_limit {
                return Err(Refusal::RateLimited {
                    wait: s.params.weights_rate_limit - since,
                });
            }
            nr.last_set_weights = b;
        }
        nr.last_update = b;
        let mut row = max_upscale(weights);
        if !ascending {
            row.sort_unstable_by_key(|e| e.0); // stored ascending, as the SDK submits them
        }
        if commit {
            let commit_epoch = s.clock.epoch_index;
            s.commits.push(Commit {
                uid,
                hotkey,
                weights: row,
                commit_block: b,
                commit_epoch,
            });
        } else {
            s.weights[usize::from(uid)] = row;
        }
        Ok(())
    }

    /// Stakes `tao` to `hotkey` on `netuid`; returns the alpha (or root TAO) credited.
    fn add_stake(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        tao: u64,
        limit: Option<f64>,
    ) -> Result<u64, Refusal> {
        self.coldkey_ok(coldkey)?;
        self.hotkey_ok(hotkey)?;
        if tao < MIN_STAKE {
            return Err(Refusal::BelowMinimum(tao));
        }
        let available = self.coldkeys[coldkey.0 as usize].balance;
        if tao > available {
            return Err(Refusal::InsufficientBalance {
                needed: tao,
                available,
            });
        }
        if netuid.0 == 0 {
            self.before_root_stake_change(hotkey);
            self.coldkeys[coldkey.0 as usize].balance -= tao;
            self.root.pool_entry(hotkey).deposit(coldkey, tao);
            self.after_root_stake_change(hotkey, coldkey, i128::from(tao));
            self.register_on_root(hotkey);
            return Ok(tao);
        }
        let fee = self.params.swap_fee;
        let s = self
            .subnets
            .get_mut(&netuid)
            .ok_or(Refusal::UnknownSubnet(netuid))?;
        let swap = s
            .pool
            .buy_alpha(tao, fee, limit)
            .map_err(|e| Refusal::Swap(e.to_string()))?;
        let spent = swap.amount_in;
        // Balancer: the fee goes to the block author; constant product: it stayed in the pool.
        let fee = if s.pool.kind == PoolKind::Balancer {
            swap.fee
        } else {
            0
        };
        s.flow.record_user_flow((spent - fee) as i64);
        self.coldkeys[coldkey.0 as usize].balance -= spent;
        self.ledger.tao.author_fees += fee;
        s.alpha_out += swap.amount_out;
        s.stakes
            .entry(hotkey)
            .or_default()
            .deposit(coldkey, swap.amount_out);
        Ok(swap.amount_out)
    }

    /// Unstakes `alpha`; returns the TAO credited to the coldkey.
    fn remove_stake(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        netuid: NetUid,
        alpha: u64,
        limit: Option<f64>,
    ) -> Result<u64, Refusal> {
        self.coldkey_ok(coldkey)?;
        self.hotkey_ok(hotkey)?;
        if netuid.0 == 0 {
            let available = self
                .root
                .pool(hotkey)
                .ok_or(Refusal::InsufficientStake {
                    needed: alpha,
                    available: 0,
                })?
                .stake_of(coldkey);
            if alpha > available {
                return Err(Refusal::InsufficientStake {
                    needed: alpha,
                    available,
                });
            }
            self.before_root_stake_change(hotkey);
            self.root
                .pool_mut(hotkey)
                .expect("has root stake")
                .withdraw(coldkey, alpha)
                .expect("checked");
            self.after_root_stake_change(hotkey, coldkey, -i128::from(alpha));
            self.coldkeys[coldkey.0 as usize].balance += alpha;
            return Ok(alpha);
        }
        let fee = self.params.swap_fee;
        let s = self
            .subnets
            .get_mut(&netuid)
            .ok_or(Refusal::UnknownSubnet(netuid))?;
        // Stake locked as registration collateral cannot leave (§13.8).
        let held = s.stakes.get(&hotkey).map_or(0, |p| p.stake_of(coldkey));
        let available = held.saturating_sub(s.locked(hotkey, coldkey));
        if alpha > available {
            return Err(Refusal::InsufficientStake {
                needed: alpha,
                available,
            });
        }
        let quote = s
            .pool
            .quote_sell(alpha, fee, limit)
            .map_err(|e| Refusal::Swap(e.to_string()))?;
        if quote.amount_out < MIN_STAKE && alpha < available {
            return Err(Refusal::BelowMinimum(quote.amount_out));
        }
        // Committed.
        let swap = s
            .pool
            .sell_alpha(alpha, fee, limit)
            .map_err(|e| Refusal::Swap(e.to_string()))?;
        let sold = swap.amount_in;
        s.stakes
            .get_mut(&hotkey)
            .expect("has stake")
            .withdraw(coldkey, sold)
            .expect("checked");
        s.alpha_out -= sold;
        // The alpha fee is sold fee-free through the same pool; the TAO goes to the author.
        let mut author = 0;
        if swap.fee > 0 && s.pool.kind == PoolKind::Balancer {
            match s.pool.sell_alpha(swap.fee, 0, None) {
                Ok(fee_swap) => author = fee_swap.amount_out,
                // Too small to swap: the fee alpha stays in the pool reserve, paid to nobody.
                Err(_) => s.pool.alpha += swap.fee,
            }
        }
        self.ledger.tao.author_fees += author;
        // TAO outflow counts what the staker received and the fee's TAO (§5.3).
        s.flow
            .record_user_flow(-((swap.amount_out + author) as i64));
        self.coldkeys[coldkey.0 as usize].balance += swap.amount_out;
        Ok(swap.amount_out)
    }

    fn move_stake(
        &mut self,
        coldkey: ColdkeyId,
        from_h: HotkeyId,
        from_n: NetUid,
        to_h: HotkeyId,
        to_n: NetUid,
        alpha: u64,
    ) -> Result<(), Refusal> {
        if from_n == to_n {
            self.coldkey_ok(coldkey)?;
            self.hotkey_ok(from_h)?;
            self.hotkey_ok(to_h)?;
            if from_n.0 == 0 {
                // Both hotkeys' funds see the change (§13.6.3 (b), §13.6.5).
                let available = self
                    .root
                    .pool(from_h)
                    .ok_or(Refusal::InsufficientStake {
                        needed: alpha,
                        available: 0,
                    })?
                    .stake_of(coldkey);
                if alpha > available {
                    return Err(Refusal::InsufficientStake {
                        needed: alpha,
                        available,
                    });
                }
                self.before_root_stake_change(from_h);
                self.before_root_stake_change(to_h);
                self.root
                    .pool_mut(from_h)
                    .expect("has root stake")
                    .withdraw(coldkey, alpha)
                    .expect("checked");
                self.root.pool_entry(to_h).deposit(coldkey, alpha);
                self.after_root_stake_change(from_h, coldkey, -i128::from(alpha));
                self.after_root_stake_change(to_h, coldkey, i128::from(alpha));
                self.register_on_root(to_h);
                return Ok(());
            }
            let s = self
                .subnets
                .get_mut(&from_n)
                .ok_or(Refusal::UnknownSubnet(from_n))?;
            // Stake locked as registration collateral cannot move (§13.8).
            let locked = s.locked(from_h, coldkey);
            if locked > 0 {
                let held = s.stakes.get(&from_h).map_or(0, |p| p.stake_of(coldkey));
                if alpha > held.saturating_sub(locked) {
                    return Err(Refusal::InsufficientStake {
                        needed: alpha,
                        available: held.saturating_sub(locked),
                    });
                }
            }
            let stakes = &mut s.stakes;
            let pool = stakes.get_mut(&from_h).ok_or(Refusal::InsufficientStake {
                needed: alpha,
                available: 0,
            })?;
            pool.withdraw(coldkey, alpha)
                .map_err(|e| Refusal::InsufficientStake {
                    needed: e.requested,
                    available: e.available,
                })?;
            stakes.entry(to_h).or_default().deposit(coldkey, alpha);
            return Ok(());
        }
        if !self.subnets.contains_key(&to_n) && to_n.0 != 0 {
            return Err(Refusal::UnknownSubnet(to_n));
        }
        let tao = self.remove_stake(coldkey, from_h, from_n, alpha, None)?;
        if tao < MIN_STAKE {
            return Ok(()); // too little to restake: it stays as free TAO
        }
        // Restaking can only fail on the pool's guards; the TAO then stays free.
        let _ = self.add_stake(coldkey, to_h, to_n, tao, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `round_quotient` is `f64::round` on every quotient `max_upscale` forms: every `w` for
    /// each `max` up to 2 000 and for the largest ones, where half-integers come closest.
    #[test]
    fn round_quotient_is_round_on_every_upscale() {
        let maxes = (1..=2_000u16).chain(65_400..u16::MAX);
        let mut checked = 0u64;
        for max in maxes {
            for w in 0..=max {
                let q = f64::from(w) * 65535.0 / f64::from(max);
                assert_eq!(round_quotient(q), q.round() as u16, "w {w}, max {max}");
                checked += 1;
            }
        }
        assert!(checked > 10_000_000);
        // Halves round away from zero, as `f64::round` does: 1·65535/2 = 32767.5.
        assert_eq!(max_upscale(&[(0, 1), (1, 2)]), vec![(0, 32768), (1, 65535)]);
    }
}
