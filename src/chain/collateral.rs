//! Miner registration collateral (spec §13.8; live since spec 435–437, off by default).
//!
//! With `CollateralLockShare` p > 0 a subnet registration burns only (1 − p) of its price; the
//! rest buys alpha that is staked to the registering (hotkey, coldkey) and **locked**. The lock
//! is released as the position earns (k × what it earns, `CollateralDrainRatio`), can be held
//! up to a floor the miner sets (by capturing the owner's emission), survives deregistration,
//! and is credited (at the moving price) against the next registration of the same pair. Stake
//! cannot be unstaked or moved below the lock. With p = 0 the mechanism is inert and §8.1
//! applies exactly.

use super::registration::u64f64_from_f64;

/// The largest `CollateralLockShare` (u16 proportion, ≈ 95 %).
pub const MAX_LOCK_SHARE: u16 = 62_258;
/// The largest `CollateralDrainRatio` k.
pub const MAX_DRAIN_RATIO: f64 = 10.0;

/// One (netuid, hotkey, coldkey) position (`MinerCollateral`), alpha rao.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Collateral {
    /// Alpha locked.
    pub locked: u64,
    /// k, snapshotted at registration.
    pub drain_ratio: f64,
    /// A floor set by the miner: below it, emission is captured into the lock.
    pub min_locked: u64,
    /// Lifetime emission.
    pub earned: u64,
}

/// What a registration at burn price B costs under collateral (§13.8 steps 1–3), TAO rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegistrationCharge {
    /// ⌊B·p⌋.
    pub requirement: u64,
    /// B − requirement: burned as in §8.1 (`RAORecycledForRegistration`).
    pub burned_share: u64,
    /// max(0, requirement − ⌊locked·p̄_EMA⌋): new collateral to buy.
    pub topup: u64,
    /// burned_share + topup: paid with one swap.
    pub charge: u64,
}

/// The charge of a registration at burn `burn` with lock share `lock_share` (u16 proportion),
/// crediting `standing_locked` alpha of this pair's existing lock at the moving price
/// (§13.8 steps 1–3).
pub fn registration_charge(
    burn: u64,
    lock_share: u16,
    standing_locked: u64,
    moving_price: f64,
) -> RegistrationCharge {
    let p = f64::from(lock_share) / 65535.0;
    let requirement = (burn as f64 * p).floor() as u64;
    let burned_share = burn - requirement;
    let credit = (standing_locked as f64 * moving_price).floor() as u64;
    let topup = requirement.saturating_sub(credit);
    RegistrationCharge {
        requirement,
        burned_share,
        topup,
        charge: burned_share + topup,
    }
}

/// The alpha of the registration swap that is locked, ⌊a·topup/charge⌋ (§13.8 step 4); the
/// rest is recycled.
pub fn lock_alpha(alpha_out: u64, topup: u64, charge: u64) -> u64 {
    if charge == 0 {
        return 0;
    }
    (u128::from(alpha_out) * u128::from(topup) / u128::from(charge)) as u64
}

/// What one settlement did (§13.8, "Settlement at each epoch payout"), alpha rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    /// Captured into the lock (the owner's part of the emission, up to the floor).
    pub captured: u64,
    /// Paid to the owner freely (capturable − captured).
    pub liquid: u64,
    /// Released from the lock.
    pub released: u64,
}

impl Collateral {
    /// A new lock with drain ratio `k`.
    pub fn new(k: f64) -> Collateral {
        Collateral {
            drain_ratio: k,
            ..Collateral::default()
        }
    }

    /// Settles `emission` earned by the position, of which `capturable` is the owner's own
    /// (miner incentive: all; validator dividends and root dividends: the take only).
    pub fn settle(&mut self, emission: u64, capturable: u64) -> Settled {
        self.earned = self.earned.saturating_add(emission);
        if self.locked < self.min_locked {
            let captured = capturable.min(self.min_locked - self.locked);
            self.locked += captured;
            Settled {
                captured,
                liquid: capturable - captured,
                released: 0,
            }
        } else {
            let drain =
                super::registration::mul_u64f64(emission, u64f64_from_f64(self.drain_ratio));
            let released = drain.min(self.locked - self.min_locked);
            self.locked -= released;
            Settled {
                captured: 0,
                liquid: capturable,
                released,
            }
        }
    }

    /// Whether the row is deleted (§13.8: locked = 0 and min_locked = 0).
    pub fn is_empty(&self) -> bool {
        self.locked == 0 && self.min_locked == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_collateral_is_credited_at_the_moving_price() {
        let c = registration_charge(1_000_000_000, 32_768, 4_000_000_000, 0.1);
        assert_eq!(c.requirement, 500_007_629);
        // 4 alpha at 0.1 = 0.4 TAO credited.
        assert_eq!(c.topup, 100_007_629);
        assert_eq!(c.charge, c.burned_share + c.topup);
        let none = registration_charge(1_000_000_000, 0, 0, 0.1);
        assert_eq!(
            (none.requirement, none.topup, none.charge),
            (0, 0, 1_000_000_000)
        );
    }
}
