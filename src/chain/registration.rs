//! Neuron registration price, pruning order and subnet lock cost (spec `chain-model.md` §8).
//!
//! - [`BurnState`]: today's burn price (on `main` since 2026-04-22): a per-block exponential
//!   decay with half-life `h` and a multiplicative bump after each registration, both in the
//!   chain's integer fixed point (Q32 for the decay, `U64F64` for the multiplier), so results
//!   are exact to the rao.
//! - [`LegacyBurnState`]: the interval rule before 2026-04-22 (target registrations per
//!   `AdjustmentInterval`, per-block and per-interval caps), for historical simulation.
//! - [`neuron_to_prune`]: which uid a registration replaces when the subnet is full.
//! - [`lock_cost`]: the TAO locked to register a subnet.
//!
//! Every function here is pure integer arithmetic; no floats are involved.

/// `1.0` in Q32.
pub const ONE_Q32: u64 = 1 << 32;

/// `0.5` in Q32.
pub const HALF_Q32: u64 = 1 << 31;

/// Default `BurnHalfLife` (blocks).
pub const DEFAULT_BURN_HALF_LIFE: u32 = 360;

/// `1.0` as `U64F64` bits.
pub const ONE_U64F64: u128 = 1 << 64;

/// Default `BurnIncreaseMult`, `U64F64::from_num(1.26)`, as `U64F64` bits.
///
/// The f64 nearest 1.26 is a multiple of 2⁻⁵², so it converts to `U64F64` exactly:
/// `1.26000000000000000888… × 2⁶⁴ = 23 242 897 532 874 035 200`.
pub const DEFAULT_BURN_INCREASE_MULT: u128 = 23_242_897_532_874_035_200;

/// `⌊value·factor / 2³²⌋`, saturating at `u64::MAX` (the chain's `mul_by_q32`).
pub fn mul_by_q32(value: u64, factor_q32: u64) -> u64 {
    let product = u128::from(value) * u128::from(factor_q32);
    u64::try_from(product >> 32).unwrap_or(u64::MAX)
}

/// `base^exp` in Q32 by square-and-multiply, flooring after every multiply (the chain's
/// `pow_q32`). The order of multiplies matters for the floors; this is the chain's order
/// (result × factor on each set bit, from the low bit up; factor squared between bits).
pub fn pow_q32(base_q32: u64, exp: u32) -> u64 {
    let mut result = ONE_Q32;
    let mut factor = base_q32;
    let mut power = exp;
    while power > 0 {
        if power & 1 == 1 {
            result = mul_by_q32(result, factor);
        }
        power >>= 1;
        if power > 0 {
            factor = mul_by_q32(factor, factor);
        }
    }
    result
}

/// The per-block decay factor `f` for half-life `h`, in Q32: the largest `f ∈ [0, 2³²)` with
/// [`pow_q32`]`(f, h) ≤ ½`. `h = 0` means no decay (`f = 1.0`).
///
/// Found by bisection (32 steps of `pow_q32`, about `2·log₂ h` multiplies each), as the chain
/// does; [`BurnState`] caches it. `pow_q32` is monotone in its base (every floored multiply is),
/// so bisection finds the largest such `f`. For `h = 360`: 4 286 705 684.
pub fn decay_factor_q32(half_life: u32) -> u64 {
    if half_life == 0 {
        return ONE_Q32;
    }
    let (mut lo, mut hi) = (0u64, ONE_Q32);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if pow_q32(mid, half_life) > HALF_Q32 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

/// `⌊value·mult⌋` with `mult` in `U64F64` bits, saturating at `u64::MAX` (the chain's
/// `U64F64::saturating_from_num(value).saturating_mul(mult).saturating_to_num::<u64>()`).
pub fn mul_u64f64(value: u64, mult: u128) -> u64 {
    match u128::from(value).checked_mul(mult) {
        Some(p) => u64::try_from(p >> 64).unwrap_or(u64::MAX),
        // The product is ≥ 2¹²⁸, so value·mult ≥ 2⁶⁴.
        None => u64::MAX,
    }
}

/// A non-negative f64 as `U64F64` bits, truncating below 2⁻⁶⁴ (saturating; NaN → 0).
///
/// `substrate_fixed`'s `from_num` rounds to nearest instead, which differs only for values
/// with bits below 2⁻⁶⁴: every f64 in `[2⁻¹², 2⁶⁴)` converts exactly either way.
pub fn u64f64_from_f64(x: f64) -> u128 {
    (x * 18_446_744_073_709_551_616.0) as u128
}

/// The chain's clamp: raise to `min` first, then lower to `max` (so `max` wins if `min > max`;
/// `u64::clamp` would panic there).
fn clamp_burn(x: u64, min: u64, max: u64) -> u64 {
    x.max(min).min(max)
}

/// Today's neuron burn price for one subnet (§8.1): decays every block, bumps on every
/// registration, stays within `[min, max]`.
///
/// ```
/// use yumalab::chain::registration::{BurnState, DEFAULT_BURN_INCREASE_MULT};
/// let mut b = BurnState::new(1_000_000_000, 500_000, 100_000_000_000, 360, DEFAULT_BURN_INCREASE_MULT);
/// b.on_register();
/// assert_eq!(b.burn, 1_260_000_000);
/// b.on_block();
/// assert_eq!(b.burn, 1_257_576_318);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurnState {
    /// Current burn `B` (rao): the price of the next registration.
    pub burn: u64,
    /// `MinBurn` (rao).
    pub min: u64,
    /// `MaxBurn` (rao).
    pub max: u64,
    /// `BurnIncreaseMult` `m` as `U64F64` bits (see [`DEFAULT_BURN_INCREASE_MULT`]). Values
    /// below 1.0 act as 1.0.
    pub increase_mult: u128,
    half_life: u32,
    decay_q32: u64,
}

impl BurnState {
    /// A burn state; computes and caches the decay factor for `half_life`.
    pub fn new(burn: u64, min: u64, max: u64, half_life: u32, increase_mult: u128) -> BurnState {
        BurnState {
            burn,
            min,
            max,
            increase_mult,
            half_life,
            decay_q32: decay_factor_q32(half_life),
        }
    }

    /// `BurnHalfLife` `h` (blocks); 0 disables the decay.
    pub fn half_life(&self) -> u32 {
        self.half_life
    }

    /// Changes `h` and recomputes the cached decay factor.
    pub fn set_half_life(&mut self, half_life: u32) {
        self.half_life = half_life;
        self.decay_q32 = decay_factor_q32(half_life);
    }

    /// The cached per-block factor `f` in Q32 ([`decay_factor_q32`] of the half-life).
    pub fn decay_q32(&self) -> u64 {
        self.decay_q32
    }

    /// One block's decay: `B ← clamp(⌊B·f/2³²⌋, min, max)`.
    ///
    /// The chain skips the decay (but still clamps) in blocks 0 and 1; use
    /// [`BurnState::on_block_at`] to get that.
    pub fn on_block(&mut self) {
        self.burn = clamp_burn(mul_by_q32(self.burn, self.decay_q32), self.min, self.max);
    }

    /// [`BurnState::on_block`] at block height `block`, as the chain's `on_initialize` runs it:
    /// the decay applies only for `block > 1`; the clamp always applies.
    pub fn on_block_at(&mut self, block: u64) {
        if block > 1 {
            self.on_block();
        } else {
            self.burn = clamp_burn(self.burn, self.min, self.max);
        }
    }

    /// A successful registration (which paid the current `burn`):
    /// `B ← clamp(⌊B·max(m, 1)⌋, min, max)`, immediately, so a second registration in the same
    /// block pays more.
    pub fn on_register(&mut self) {
        let mult = self.increase_mult.max(ONE_U64F64);
        self.burn = clamp_burn(mul_u64f64(self.burn, mult), self.min, self.max);
    }
}

/// The interval-based burn rule used on `main` before 2026-04-22 (§8.1 "Legacy rule"),
/// assuming every registration is a burn registration (no proof of work).
///
/// Call [`LegacyBurnState::on_block`] at the start of every block, before that block's
/// registrations; check [`LegacyBurnState::can_register`] before each registration and call
/// [`LegacyBurnState::on_register`] after it. The price itself does not move on registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyBurnState {
    /// Current burn `B` (rao).
    pub burn: u64,
    /// `MinBurn` (rao).
    pub min: u64,
    /// `MaxBurn` (rao).
    pub max: u64,
    /// `TargetRegistrationsPerInterval` `T` (runtime default 2). At most `3·T` registrations
    /// are allowed per interval.
    pub target_per_interval: u16,
    /// `MaxRegistrationsPerBlock` (runtime default 1).
    pub max_per_block: u16,
    /// `AdjustmentInterval` (blocks; default 100).
    pub adjustment_interval: u16,
    /// `AdjustmentAlpha` as a u64 proportion (`a = raw/(2⁶⁴−1)`; runtime default 0).
    pub adjustment_alpha: u64,
    /// Registrations so far in this block.
    pub registrations_this_block: u16,
    /// Registrations so far in this interval (`r`).
    pub registrations_this_interval: u16,
    /// Block of the last adjustment.
    pub last_adjustment_block: u64,
}

impl LegacyBurnState {
    /// A legacy state with the runtime defaults (target 2, 1 per block, interval 100, alpha 0)
    /// and empty counters.
    pub fn new(burn: u64, min: u64, max: u64) -> LegacyBurnState {
        LegacyBurnState {
            burn,
            min,
            max,
            target_per_interval: 2,
            max_per_block: 1,
            adjustment_interval: 100,
            adjustment_alpha: 0,
            registrations_this_block: 0,
            registrations_this_interval: 0,
            last_adjustment_block: 0,
        }
    }

    /// Whether one more registration is allowed now: fewer than `max_per_block` this block and
    /// fewer than `3·T` this interval.
    pub fn can_register(&self) -> bool {
        self.registrations_this_block < self.max_per_block
            && self.registrations_this_interval < self.target_per_interval.saturating_mul(3)
    }

    /// Counts one registration (the price does not change until the next adjustment).
    pub fn on_register(&mut self) {
        self.registrations_this_block = self.registrations_this_block.saturating_add(1);
        self.registrations_this_interval = self.registrations_this_interval.saturating_add(1);
    }

    /// Start of block `block`: if `block − last_adjustment_block ≥ AdjustmentInterval`, adjust
    /// the burn and reset the interval counter; always reset the block counter.
    ///
    /// The adjustment, with `r` registrations in the interval and target `T` (all burn
    /// registrations), follows the chain's six-case branch:
    /// - `r > T`: `B ← clamp(a·B + (1 − a)·B·(r + T)/(2T), min, max)`, so `B` rises;
    /// - `r = 0`: the same formula, which with `a = 0` halves `B`;
    /// - `0 < r ≤ T`: `B` unchanged (the chain moved only the PoW difficulty).
    ///
    /// The chain computes in `U110F18` (18 fractional bits); this is emulated exactly:
    /// `a` is truncated to 2⁻¹⁸, each product is truncated to 2⁻¹⁸, and the result is floored.
    pub fn on_block(&mut self, block: u64) {
        if block.saturating_sub(self.last_adjustment_block) >= u64::from(self.adjustment_interval) {
            let r = self.registrations_this_interval;
            let t = self.target_per_interval;
            if r > t || r == 0 {
                self.burn = legacy_upgraded_burn(
                    self.burn,
                    r,
                    t,
                    self.adjustment_alpha,
                    self.min,
                    self.max,
                );
            }
            self.last_adjustment_block = block;
            self.registrations_this_interval = 0;
        }
        self.registrations_this_block = 0;
    }
}

/// The chain's `upgraded_burn` in `U110F18`, emulated exactly in integers (Q18).
fn legacy_upgraded_burn(burn: u64, r: u16, t: u16, alpha_raw: u64, min: u64, max: u64) -> u64 {
    const F: u32 = 18;
    let one = 1u128 << F;
    let b = u128::from(burn);
    // B·(r + T) / (2T): exact product, division truncated to 2⁻¹⁸; 0 if 2T = 0 (safe_div).
    let num = b * u128::from(r.saturating_add(t));
    let den = u128::from(t.saturating_add(t));
    let updated = (num << F).checked_div(den).unwrap_or(0);
    // a = raw/(2⁶⁴ − 1) truncated to 2⁻¹⁸.
    let a = (u128::from(alpha_raw) << F) / u128::from(u64::MAX);
    // a·B + (1 − a)·updated, each product truncated to 2⁻¹⁸.
    let next = a * b + (((one - a) * updated) >> F);
    if next >= u128::from(max) << F {
        max
    } else if next <= u128::from(min) << F {
        min
    } else {
        // Below max, so it fits.
        (next >> F) as u64
    }
}

/// One uid on a full subnet, as the pruning rule sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneCandidate {
    /// The uid.
    pub uid: u16,
    /// Its `Emission` from the last epoch (rao of alpha).
    pub emission: u64,
    /// `BlockAtRegistration`.
    pub registered_at: u64,
}

/// Which uid a new registration replaces on a full subnet (§8.2); the index into
/// `candidates`, or `None` if there is no eligible uid.
///
/// - Candidates with `owner_immortal[i]` (the owner hotkey and the owner's earliest hotkeys, up
///   to `ImmuneOwnerUidsLimit`) are never chosen. A missing entry counts as `false`.
/// - A uid is immune iff `block − registered_at < immunity_period` (saturating, so a
///   registration "in the future" is immune).
/// - Order: lowest emission, then older registration, then lower uid.
/// - The best non-immune uid is chosen only if there are more than `min_non_immune`
///   (`MinNonImmuneUids`, default 10) non-immune, non-immortal uids. Otherwise the best immune
///   uid is chosen, and if there is none the result is `None` even when non-immune uids exist
///   (the chain's `get_neuron_to_prune` does exactly this).
pub fn neuron_to_prune(
    candidates: &[PruneCandidate],
    block: u64,
    immunity_period: u64,
    min_non_immune: u16,
    owner_immortal: &[bool],
) -> Option<usize> {
    let key = |i: usize| {
        let c = candidates[i];
        (c.emission, c.registered_at, c.uid)
    };
    let mut best_free: Option<usize> = None;
    let mut best_immune: Option<usize> = None;
    let mut free_count: usize = 0;
    for (i, c) in candidates.iter().enumerate() {
        if owner_immortal.get(i).copied().unwrap_or(false) {
            continue;
        }
        let immune = block.saturating_sub(c.registered_at) < immunity_period;
        let slot = if immune {
            &mut best_immune
        } else {
            free_count += 1;
            &mut best_free
        };
        if slot.is_none_or(|b| key(i) < key(b)) {
            *slot = Some(i);
        }
    }
    if free_count > usize::from(min_non_immune) && best_free.is_some() {
        return best_free;
    }
    best_immune
}

/// `NetworkLockReductionInterval` default: 14 days of 7200 blocks.
pub const NETWORK_LOCK_REDUCTION_INTERVAL: u64 = 14 * 7200;

/// The lock-reduction interval scaled by the current block emission:
/// `⌊interval · E_block / 10⁹⌋`.
///
/// The chain computes `E_block / 10⁹` in `I64F64` (truncated to 2⁻⁶⁴), multiplies (truncated)
/// and floors; emulated exactly here. At `E_block = 10⁹` this is `interval`; after the first
/// halving, half of it.
pub fn lock_reduction_interval(interval: u64, block_emission: u64) -> u64 {
    let halving = (u128::from(block_emission) << 64) / 1_000_000_000;
    let scaled = (u128::from(interval) * halving) >> 64;
    u64::try_from(scaled).unwrap_or(u64::MAX)
}

/// The TAO (rao) to lock to register a subnet now (§8.3):
/// `max(min_lock, last_lock·mult − ⌊last_lock / interval⌋·blocks_since_last)`,
/// with `mult = 2` if a subnet was registered before (the chain tests `NetworkLastLockBlock ≠
/// 0`) and 1 otherwise, and `interval = `[`lock_reduction_interval`]`(14·7200, block_emission)`.
///
/// Integer rounding, as on the chain: the per-block reduction `⌊last_lock / interval⌋` is
/// floored *before* multiplying by the elapsed blocks (so the reduction can reach 0 slightly
/// later than `interval` blocks); the product and the subtraction saturate. If the interval is
/// 0 (block emission below 10⁹ / 100 800 rao, e.g. after the supply cap), the chain's
/// `safe_div` gives no reduction at all.
pub fn lock_cost(
    min_lock: u64,
    last_lock: u64,
    registered_before: bool,
    blocks_since_last: u64,
    block_emission: u64,
) -> u64 {
    let interval = lock_reduction_interval(NETWORK_LOCK_REDUCTION_INTERVAL, block_emission);
    let mult = if registered_before { 2 } else { 1 };
    let per_block = last_lock.checked_div(interval).unwrap_or(0);
    let cost = last_lock
        .saturating_mul(mult)
        .saturating_sub(per_block.saturating_mul(blocks_since_last));
    cost.max(min_lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_factor_default_half_life() {
        assert_eq!(decay_factor_q32(360), 4_286_705_684);
        assert_eq!(decay_factor_q32(1), HALF_Q32);
        assert_eq!(decay_factor_q32(0), ONE_Q32);
        // Largest: one more step overshoots ½.
        for h in [2, 7, 360, 1000, 36_100] {
            let f = decay_factor_q32(h);
            assert!(pow_q32(f, h) <= HALF_Q32, "h {h}");
            assert!(pow_q32(f + 1, h) > HALF_Q32, "h {h}");
        }
    }

    #[test]
    fn default_mult_is_1_26() {
        assert_eq!(u64f64_from_f64(1.26), DEFAULT_BURN_INCREASE_MULT);
        assert_eq!(
            mul_u64f64(1_000_000_000, DEFAULT_BURN_INCREASE_MULT),
            1_260_000_000
        );
        assert_eq!(mul_u64f64(u64::MAX, DEFAULT_BURN_INCREASE_MULT), u64::MAX);
        assert_eq!(mul_u64f64(7, ONE_U64F64), 7);
    }

    #[test]
    fn mult_below_one_acts_as_one() {
        let mut b = BurnState::new(1000, 0, u64::MAX, 0, ONE_U64F64 / 2);
        b.on_register();
        assert_eq!(b.burn, 1000);
        b.on_block();
        assert_eq!(b.burn, 1000, "half-life 0 means no decay");
    }

    #[test]
    fn no_decay_in_blocks_0_and_1_but_clamped() {
        let mut b = BurnState::new(50, 100, 1000, 1, 2 * ONE_U64F64);
        b.on_block_at(1);
        assert_eq!(b.burn, 100);
        b.burn = 1000;
        b.on_block_at(1);
        assert_eq!(b.burn, 1000);
        b.on_block_at(2);
        assert_eq!(b.burn, 500);
    }

    #[test]
    fn min_above_max_resolves_to_max() {
        let mut b = BurnState::new(10, 200, 100, 360, ONE_U64F64);
        b.on_block();
        assert_eq!(b.burn, 100);
    }

    #[test]
    fn legacy_branches() {
        // r > T: rises by (r + T)/(2T) = 6/4.
        let mut s = LegacyBurnState::new(1000, 0, u64::MAX);
        s.registrations_this_interval = 4;
        s.on_block(100);
        assert_eq!(s.burn, 1500);
        assert_eq!(s.registrations_this_interval, 0);
        assert_eq!(s.last_adjustment_block, 100);
        // r = 0: halves.
        s.on_block(200);
        assert_eq!(s.burn, 750);
        // 0 < r ≤ T: unchanged.
        s.registrations_this_interval = 2;
        s.on_block(300);
        assert_eq!(s.burn, 750);
        // Not yet due: nothing but the block counter.
        s.registrations_this_interval = 5;
        s.registrations_this_block = 1;
        s.on_block(399);
        assert_eq!((s.burn, s.registrations_this_interval), (750, 5));
        assert_eq!(s.registrations_this_block, 0);
        // Clamp at min.
        let mut s = LegacyBurnState::new(3, 2, 10);
        s.on_block(100);
        assert_eq!(s.burn, 2);
    }

    #[test]
    fn legacy_alpha_mixes_old_and_new() {
        // a = ½ exactly (2⁶³ / (2⁶⁴ − 1) truncates to 2¹⁷ / 2¹⁸).
        let mut s = LegacyBurnState::new(1000, 0, u64::MAX);
        s.adjustment_alpha = 1 << 63;
        s.on_block(100);
        assert_eq!(s.burn, 750); // ½·1000 + ½·500
    }

    #[test]
    fn legacy_caps() {
        let mut s = LegacyBurnState::new(1000, 0, u64::MAX);
        assert!(s.can_register());
        s.on_register();
        assert!(!s.can_register(), "one per block");
        for _ in 0..5 {
            s.on_block(1);
            s.on_register();
        }
        assert_eq!(s.registrations_this_interval, 6);
        s.on_block(2);
        assert!(!s.can_register(), "3·T per interval");
    }

    fn cand(uid: u16, emission: u64, registered_at: u64) -> PruneCandidate {
        PruneCandidate {
            uid,
            emission,
            registered_at,
        }
    }

    #[test]
    fn prune_order() {
        let c = [
            cand(0, 5, 10),
            cand(1, 3, 20),
            cand(2, 3, 15),
            cand(3, 3, 15),
            cand(4, 0, 990),
        ];
        // uid 4 is immune (1000 − 990 < 100); among the rest: emission 3, then block 15, then uid 2.
        assert_eq!(neuron_to_prune(&c, 1000, 100, 0, &[]), Some(2));
        // Immortal uid 2 is skipped.
        let imm = [false, false, true, false, false];
        assert_eq!(neuron_to_prune(&c, 1000, 100, 0, &imm), Some(3));
        // Too few non-immune uids (4, not more than 4): the best immune one.
        assert_eq!(neuron_to_prune(&c, 1000, 100, 4, &[]), Some(4));
        assert_eq!(neuron_to_prune(&c, 1000, 100, 3, &[]), Some(2));
        // No immune uid to fall back to.
        assert_eq!(neuron_to_prune(&c[..4], 1000, 100, 10, &[]), None);
        assert_eq!(neuron_to_prune(&[], 1000, 100, 0, &[]), None);
        // Everyone immune.
        assert_eq!(neuron_to_prune(&c, 0, 100, 0, &[]), Some(4));
    }

    #[test]
    fn lock_interval_scales_with_emission() {
        assert_eq!(lock_reduction_interval(100_800, 1_000_000_000), 100_800);
        assert_eq!(lock_reduction_interval(100_800, 500_000_000), 50_400);
        assert_eq!(lock_reduction_interval(100_800, 0), 0);
        // 10⁹/3 / 10⁹ truncated: ⌊100 800 · 0.333…⌋ = 33 599 (not 33 600).
        assert_eq!(lock_reduction_interval(100_800, 333_333_333), 33_599);
    }

    #[test]
    fn lock_cost_cases() {
        const TAO: u64 = 1_000_000_000;
        // First registration: last_lock·1.
        assert_eq!(lock_cost(1000 * TAO, 2500 * TAO, false, 0, TAO), 2500 * TAO);
        // Doubles right after a registration, decays linearly over 100 800 blocks.
        assert_eq!(lock_cost(1000 * TAO, 2500 * TAO, true, 0, TAO), 5000 * TAO);
        let per_block = 2500 * TAO / 100_800;
        assert_eq!(
            lock_cost(1000 * TAO, 2500 * TAO, true, 50_400, TAO),
            5000 * TAO - per_block * 50_400
        );
        // Floors at min_lock.
        assert_eq!(
            lock_cost(1000 * TAO, 2500 * TAO, true, 1_000_000, TAO),
            1000 * TAO
        );
        // After a halving the reduction is twice as fast: back to last_lock after 50 400
        // blocks, up to the floor of the per-block reduction.
        assert_eq!(
            lock_cost(0, 2500 * TAO, true, 50_400, TAO / 2),
            2_500_000_030_400
        );
        // No emission: no reduction.
        assert_eq!(lock_cost(0, 2500 * TAO, true, 1_000_000, 0), 5000 * TAO);
    }
}
