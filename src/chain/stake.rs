//! Stake share pools (spec §7, §9): one per (hotkey, subnet).
//!
//! A pool holds a value (the hotkey's total alpha on the subnet, or its TAO on root) and
//! shares held by coldkeys. Paying "to the hotkey" raises the value, so every holder gains pro
//! rata; paying "to (hotkey, coldkey)" mints new shares at the current share price.
//!
//! Everything is integer. A coldkey's stake is `⌊shares·value/total_shares⌋`, so the stakes
//! of all holders can sum to less than the value by a few rao of rounding dust. The dust stays
//! in the pool (it is counted, so conservation holds to the rao) and goes to the next
//! depositor if every share is withdrawn.

use std::collections::BTreeMap;

use yumalab_agents::units::ColdkeyId;

/// One (hotkey, subnet) share pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharePool {
    value: u64,
    total_shares: u128,
    shares: BTreeMap<ColdkeyId, u128>,
}

/// Why a withdrawal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsufficientStake {
    /// What was asked.
    pub requested: u64,
    /// What the coldkey holds.
    pub available: u64,
}

impl SharePool {
    /// The pool's total value (rao): `TotalHotkeyAlpha`.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Whether any coldkey holds shares.
    pub fn has_holders(&self) -> bool {
        self.total_shares > 0
    }

    /// The holders, ascending by coldkey.
    pub fn holders(&self) -> impl Iterator<Item = ColdkeyId> + '_ {
        self.shares.keys().copied()
    }

    /// A coldkey's stake: `⌊shares·value/total_shares⌋`.
    pub fn stake_of(&self, coldkey: ColdkeyId) -> u64 {
        match self.shares.get(&coldkey) {
            Some(&s) if self.total_shares > 0 => {
                (s.saturating_mul(u128::from(self.value)) / self.total_shares) as u64
            }
            _ => 0,
        }
    }

    /// A coldkey's fraction of the shares.
    pub fn fraction_of(&self, coldkey: ColdkeyId) -> f64 {
        match self.shares.get(&coldkey) {
            Some(&s) if self.total_shares > 0 => s as f64 / self.total_shares as f64,
            _ => 0.0,
        }
    }

    /// Adds `amount` for `coldkey`, minting shares at the current price.
    pub fn deposit(&mut self, coldkey: ColdkeyId, amount: u64) {
        if amount == 0 {
            return;
        }
        let new = if self.total_shares == 0 || self.value == 0 {
            if self.value == 0 {
                // Shares of a pool worth nothing are worth nothing: start afresh.
                self.shares.clear();
                self.total_shares = 0;
            }
            u128::from(amount)
        } else {
            u128::from(amount).saturating_mul(self.total_shares) / u128::from(self.value)
        };
        // Saturating, never wrapping: a pool's value is part of a token's supply, which
        // `Chain::check_supply` bounds far below `u64::MAX`; if that were ever broken, the
        // conservation check reports the difference.
        self.value = self.value.saturating_add(amount);
        self.total_shares = self.total_shares.saturating_add(new);
        let held = self.shares.entry(coldkey).or_insert(0);
        *held = held.saturating_add(new);
    }

    /// Raises the value by `amount`: every holder gains pro rata.
    ///
    /// The caller must make sure someone holds shares (otherwise the amount is owned by
    /// nobody until the next deposit); [`SharePool::has_holders`] tells.
    pub fn pay(&mut self, amount: u64) {
        // Saturating, never wrapping (see `deposit`).
        self.value = self.value.saturating_add(amount);
    }

    /// Removes `amount` of `coldkey`'s stake, burning the shares it was worth (rounded up, so
    /// the remaining holders never lose).
    ///
    /// # Errors
    /// [`InsufficientStake`] if the coldkey holds less than `amount`; nothing changes.
    pub fn withdraw(&mut self, coldkey: ColdkeyId, amount: u64) -> Result<(), InsufficientStake> {
        let available = self.stake_of(coldkey);
        if amount > available {
            return Err(InsufficientStake {
                requested: amount,
                available,
            });
        }
        if amount == 0 {
            return Ok(());
        }
        let held = self.shares[&coldkey];
        let burn = if amount == available {
            held
        } else {
            let num = u128::from(amount).saturating_mul(self.total_shares);
            num.div_ceil(u128::from(self.value)).min(held)
        };
        self.value -= amount;
        self.total_shares -= burn;
        if burn == held {
            self.shares.remove(&coldkey);
        } else {
            *self.shares.get_mut(&coldkey).expect("held") -= burn;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: ColdkeyId = ColdkeyId(0);
    const B: ColdkeyId = ColdkeyId(1);

    #[test]
    fn paying_the_hotkey_raises_every_holder_pro_rata() {
        let mut p = SharePool::default();
        p.deposit(A, 300);
        p.deposit(B, 100);
        p.pay(400);
        assert_eq!(p.stake_of(A), 600);
        assert_eq!(p.stake_of(B), 200);
        // A new deposit buys at the new price and does not dilute earlier holders.
        p.deposit(B, 200);
        assert_eq!(p.stake_of(A), 600);
        assert_eq!(p.stake_of(B), 400);
    }

    #[test]
    fn withdrawing_more_than_held_is_refused_and_changes_nothing() {
        let mut p = SharePool::default();
        p.deposit(A, 10);
        let before = p.clone();
        assert_eq!(
            p.withdraw(A, 11),
            Err(InsufficientStake {
                requested: 11,
                available: 10
            })
        );
        assert_eq!(p, before);
        assert_eq!(
            p.withdraw(B, 1),
            Err(InsufficientStake {
                requested: 1,
                available: 0
            })
        );
    }

    #[test]
    fn amounts_beyond_a_u64_saturate_and_never_wrap() {
        let mut p = SharePool::default();
        p.deposit(A, u64::MAX);
        p.deposit(B, u64::MAX);
        p.pay(u64::MAX);
        assert_eq!(p.value(), u64::MAX);
        assert!(p.stake_of(A) <= p.value());
    }

    proptest! {
        #[test]
        fn stakes_never_exceed_the_value_and_withdrawals_never_hurt_others(
            ops in prop::collection::vec((0u8..3, 0u32..3, 1u64..1_000_000_000), 1..60)
        ) {
            let mut p = SharePool::default();
            for (op, who, amount) in ops {
                let c = ColdkeyId(who);
                let others: Vec<(ColdkeyId, u64)> = (0..3).map(ColdkeyId).filter(|k| *k != c).map(|k| (k, p.stake_of(k))).collect();
                match op {
                    0 => p.deposit(c, amount),
                    1 => { if p.has_holders() { p.pay(amount) } },
                    _ => { let a = p.stake_of(c).min(amount); p.withdraw(c, a).unwrap(); }
                }
                let total: u64 = (0..3).map(|k| p.stake_of(ColdkeyId(k))).sum();
                prop_assert!(total <= p.value());
                if op != 1 {
                    for (k, before) in others {
                        // Rounding may cost another holder at most one rao per operation.
                        prop_assert!(p.stake_of(k) + 1 >= before, "{:?} lost stake", k);
                    }
                }
            }
        }
    }
}
