//! Subnet registration at the subnet limit: pruning, dissolution and the registration queue
//! (spec §8.3, §13.3.4, §13.12).
//!
//! Since 2026-10, a subnet registration that finds the network full (non-root subnets plus
//! subnets still being cleaned up ≥ `SubnetLimit`):
//! 1. dissolves the prune target at once — the non-immune subnet (older than
//!    `NetworkImmunityPeriod`) with the lowest `SubnetMovingPrice`, ties to the earliest
//!    registered — and queues its cleanup;
//! 2. appends the registration to the queue with its lock and the median subnet price fixed
//!    now; the lock is paid now into an escrow (spec 473), refunded if settlement fails;
//! 3. at the end of later blocks (`on_idle`), once the cleanup is done and a slot is free,
//!    settles **one** queued registration, first in first out: the pool is seeded with the
//!    lock paid and ⌊lock / median⌋ alpha.
//!
//! Dissolution (§13.3.4): both reservoirs are folded into the reserves; the pool's TAO is
//! shared by the subnet's stakers pro rata to their alpha against a denominator that also
//! counts the protocol-owned alpha (the pool's alpha reserve with the reservoir, and the
//! chain-bought protocol alpha); the protocol's part and the rounding are recycled. Basket
//! rows (escrow stake) are paid into their fund's root slot; queued basket credits, pending
//! emission and collateral locks on the subnet vanish with it. The spec is silent on a lock
//! refund to the owner: none is paid.

use yumalab_agents::units::{ColdkeyId, HotkeyId, NetUid};

use super::basket::ESCROW;
use super::extrinsics::Refusal;
use super::pool::new_subnet_pool;
use super::state::Chain;

/// A subnet registration waiting for a free slot (`NetworkRegistrationQueue`, §13.12).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueuedSubnet {
    /// Who pays and will own the subnet.
    pub coldkey: ColdkeyId,
    /// The owner hotkey (reserved at queue time).
    pub hotkey: HotkeyId,
    /// The lock paid at queue time, held in escrow until settlement, rao.
    pub lock: u64,
    /// The median subnet price at queue time (seeds the pool).
    pub median_price: Option<f64>,
    /// The block it was queued.
    pub queued_at: u64,
}

/// What dissolving a subnet paid and recycled, rao of TAO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dissolved {
    /// TAO paid to stakers (free balances) and to fund root slots.
    pub paid: u64,
    /// TAO recycled (the protocol's part of the pot, and rounding).
    pub recycled: u64,
}

impl Chain {
    /// The median spot price of the subnets with a positive price (the new pool's seed, §6.5).
    pub fn median_subnet_price(&self) -> Option<f64> {
        let mut prices: Vec<f64> = self
            .subnets
            .values()
            .map(|s| s.pool.price())
            .filter(|p| *p > 0.0)
            .collect();
        prices.sort_by(f64::total_cmp);
        match prices.len() {
            0 => None,
            n if n % 2 == 1 => Some(prices[n / 2]),
            n => Some((prices[n / 2 - 1] + prices[n / 2]) / 2.0),
        }
    }

    /// The lock a subnet registration costs now (§8.3).
    pub fn network_lock_cost(&self) -> u64 {
        let registered_before = self.network_last_lock_block != 0;
        super::registration::lock_cost(
            self.params.network_min_lock,
            self.network_last_lock,
            registered_before,
            self.block - self.network_last_lock_block,
            super::emission::block_emission(self.total_issuance),
        )
    }

    /// Whether a new subnet would exceed the limit: subnets + subnets being cleaned up.
    pub fn network_full(&self) -> bool {
        self.subnets.len() + self.dissolving.len() >= usize::from(self.params.subnet_limit)
    }

    /// The subnet a full network prunes (§8.3): among subnets registered at least
    /// `network_immunity` blocks ago, the lowest moving price; ties to the earliest registered,
    /// then the lower netuid.
    pub fn subnet_to_prune(&self) -> Option<NetUid> {
        let b = self.block;
        let immunity = self.params.network_immunity;
        self.subnets
            .values()
            .filter(|s| s.registered_at.saturating_add(immunity) <= b)
            .min_by(|x, y| {
                x.moving_price
                    .total_cmp(&y.moving_price)
                    .then(x.registered_at.cmp(&y.registered_at))
                    .then(x.netuid.cmp(&y.netuid))
            })
            .map(|s| s.netuid)
    }

    /// Dissolves a subnet (§8.3, §13.3.4): settles its pool among its stakers and removes it;
    /// its netuid is not reused until its cleanup is done.
    pub fn dissolve_subnet(&mut self, netuid: NetUid) -> Option<Dissolved> {
        let mut s = self.subnets.remove(&netuid)?;
        self.subnet_generation += 1;
        // Fold the reservoirs: reservoir alpha becomes protocol-owned pool alpha.
        let pot = s.pool.tao + s.tao_reservoir;
        let protocol =
            u128::from(s.pool.alpha) + u128::from(s.alpha_reservoir) + u128::from(s.protocol_alpha);
        let staked: u128 = s.stakes.values().map(|p| u128::from(p.value())).sum();
        let denominator = staked + protocol;
        let mut paid = 0u64;
        for (&hotkey, pool) in &s.stakes {
            for coldkey in pool.holders() {
                let alpha = u128::from(pool.stake_of(coldkey));
                let Some(tao) = (u128::from(pot) * alpha).checked_div(denominator) else {
                    continue;
                };
                let tao = tao as u64;
                if tao == 0 {
                    continue;
                }
                paid += tao;
                if coldkey == ESCROW {
                    // A fund's row is converted into its root slot.
                    self.root.pool_entry(hotkey).deposit(ESCROW, tao);
                } else {
                    self.coldkeys[coldkey.0 as usize].balance += tao;
                }
            }
        }
        let recycled = pot - paid;
        self.ledger.tao.recycled += recycled;
        self.total_issuance -= recycled;
        // Queued basket credits of the subnet vanish with its alpha.
        for rows in self.baskets.pending.values_mut() {
            rows.remove(&netuid);
        }
        self.baskets.pending.retain(|_, rows| !rows.is_empty());
        s.stakes.clear();
        self.dissolving
            .push((netuid, self.block + self.params.dissolve_cleanup_blocks));
        self.ledger.alpha.remove(&netuid);
        Some(Dissolved { paid, recycled })
    }

    /// A subnet registration at the limit since 2026-10 (§13.12): dissolves the prune target,
    /// takes the lock into escrow and queues the registration.
    ///
    /// # Errors
    /// [`Refusal::SubnetLimit`] if no subnet can be pruned (every one immune); the caller has
    /// checked the owner, the rate limit and the balance.
    pub(crate) fn queue_subnet_registration(
        &mut self,
        coldkey: ColdkeyId,
        hotkey: HotkeyId,
        lock: u64,
    ) -> Result<(), Refusal> {
        let target = self
            .subnet_to_prune()
            .ok_or(Refusal::SubnetLimit(self.params.subnet_limit))?;
        let median_price = self.median_subnet_price();
        self.dissolve_subnet(target);
        self.coldkeys[coldkey.0 as usize].balance -= lock;
        self.registration_queue.push(QueuedSubnet {
            coldkey,
            hotkey,
            lock,
            median_price,
            queued_at: self.block,
        });
        Ok(())
    }

    /// `on_idle` (§13.1, §13.12): finishes cleanups that are due, then settles at most one
    /// queued registration if a slot is free.
    pub(crate) fn on_idle(&mut self) {
        let b = self.block;
        self.dissolving.retain(|&(_, done)| done > b);
        if self.registration_queue.is_empty() || self.network_full() {
            return;
        }
        let q = self.registration_queue.remove(0);
        let pool = new_subnet_pool(
            self.pool_kind(),
            q.lock,
            self.params.network_min_lock.min(q.lock),
            q.median_price,
        );
        self.create_subnet(
            super::params::SubnetParams::default(),
            q.coldkey,
            q.hotkey,
            pool,
            None,
        );
    }

    /// TAO held in escrow by queued subnet registrations, rao.
    pub fn queued_locks(&self) -> u64 {
        self.registration_queue.iter().map(|q| q.lock).sum()
    }
}
