//! Where the chain's fixed point shows through, emulated cheaply on top of f64.
//!
//! The chain computes the epoch in `I32F32` (32 fractional bits) and converts to integers by
//! truncation (spec §0, §3.14). yumalab computes in f64 and truncates to the `I32F32` grid at
//! the points where the difference reaches a stored or paid value: normalised stake, active
//! stake, incentive, dividends and the emission factors. Emission amounts are then the exact
//! `I96F32` product `⌊e·E⌋` done in integers. That reproduces, for example, the 99 999 999 rao
//! of a 10-way fallback split (vector `epoch_fallback_no_permits_fixed_point`).
//!
//! What is *not* emulated: the truncation of every intermediate multiply and divide. Stored
//! classic bonds can therefore differ from the chain by one u16 step after repeated epochs
//! (vector `epoch_classic_bonds_sequence`, row 2: chain 49150, yumalab 49151).

/// 2³², the scale of the `I32F32` fractional part.
pub const I32F32_SCALE: f64 = 4_294_967_296.0;

/// Truncates a non-negative value to the `I32F32` grid (towards zero, as `substrate_fixed`
/// does). Negative values are truncated towards zero too.
///
/// Built from adds and comparisons, so that a loop of them vectorises (a cast to an integer
/// does not, without AVX-512, and `f64::trunc` is a libm call without SSE4.1). Multiplying by
/// 2⁻³² is exact, so it equals the division. The result is always `+0.0` for `|x·2³²| < 1`,
/// as a truncating cast gives.
#[inline(always)]
pub fn to_i32f32(x: f64) -> f64 {
    const ROUND: f64 = 4_503_599_627_370_496.0; // 2⁵²: at and above it every f64 is whole
    let scaled = x * I32F32_SCALE;
    let a = scaled.abs();
    // ⌊a⌋ for a < 2⁵²: round to nearest through 2⁵², then step down if that rounded up.
    let nearest = (a + ROUND) - ROUND;
    let below = if nearest > a { nearest - 1.0 } else { nearest };
    let whole = if a < ROUND { below } else { a }; // also NaN and infinities
    // Towards zero for negative values, without a −0.0.
    let truncated = if scaled < 0.0 { 0.0 - whole } else { whole };
    truncated * (1.0 / I32F32_SCALE)
}

/// A fraction in `[0, 1]` as the chain stores a "u16 proportion": `⌊65535·x⌋`, saturating
/// (negative and NaN give 0).
#[inline(always)]
pub fn u16_proportion(x: f64) -> u16 {
    floor_u16(x * 65535.0)
}

/// `⌊t⌋` clamped to `[0, 65535]` (NaN gives 0): the same as `t as u16`, but built from
/// comparisons and adds that vectorise (an `as` cast's saturation checks keep a loop of them
/// scalar, several instructions per value).
#[inline(always)]
pub fn floor_u16(t: f64) -> u16 {
    const ROUND: f64 = 4_503_599_627_370_496.0; // 2⁵²: t + 2⁵² has no fractional bits
    let t = if t > 0.0 { t } else { 0.0 }; // also NaN → 0
    let t = if t < 65535.0 { t } else { 65535.0 };
    let shifted = t + ROUND; // 2⁵² + round(t): the integer sits in the low mantissa bits
    let nearest = shifted - ROUND; // exact
    // Rounded up? Then step back by one (exact at this magnitude).
    (shifted - if nearest > t { 1.0 } else { 0.0 }).to_bits() as u16
}

/// A stored u16 proportion read back as a fraction `u/65535`.
#[inline(always)]
pub fn from_u16_proportion(u: u16) -> f64 {
    f64::from(u) / 65535.0
}

/// `⌊e·amount⌋` where `e` is first truncated to `I32F32`, computed exactly in integers as the
/// chain's `I96F32` product is. `e` is clamped to `[0, 1]`.
#[inline(always)]
pub fn share_of(e: f64, amount: u64) -> u64 {
    let e = e.clamp(0.0, 1.0);
    // Exact: e·2³² ≤ 2³², and `as u64` truncates (`f64::trunc` is a libm call without
    // SSE4.1, and a cast straight to u128 a runtime-library call).
    let bits = u128::from((e * I32F32_SCALE) as u64);
    ((bits * u128::from(amount)) >> 32) as u64
}

/// Normalises `v` in place to sum 1 and truncates each entry to `I32F32`, like the chain's
/// `inplace_normalize`. A vector that sums to zero is left unchanged.
#[inline(always)]
pub fn normalize_i32f32(v: &mut [f64]) {
    let sum: f64 = v.iter().sum();
    if sum != 0.0 {
        for x in v.iter_mut() {
            *x = to_i32f32(*x / sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenth_truncates_like_the_chain() {
        // spec §3.14 prints 0.0999999999767, which is not on the I32F32 grid (resolution
        // 2.3e-10); the truncation of 1/10 is 429496729/2^32 = 0.09999999986. Both floor to the
        // 99 999 999 rao the chain pays.
        let t = to_i32f32(0.1);
        assert_eq!(t, 429_496_729.0 / I32F32_SCALE);
        assert_eq!(share_of(t, 1_000_000_000), 99_999_999);
    }

    /// The chain's truncation, as it was first written here (a cast for the usual range).
    fn to_i32f32_by_cast(x: f64) -> f64 {
        let scaled = x * I32F32_SCALE;
        if scaled.abs() < 9.0e18 {
            (scaled as i64) as f64 * (1.0 / I32F32_SCALE)
        } else {
            scaled.trunc() / I32F32_SCALE
        }
    }

    #[test]
    fn to_i32f32_matches_the_cast_bit_for_bit() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut special = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1e-10,
            -1e-10,
            2.3e-10,
            2.4e-10,
            1.0 / 3.0,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            2.0f64.powi(20),
            2.0f64.powi(21),
            2.0f64.powi(31),
            2.0f64.powi(32),
            9.0e18 / 4_294_967_296.0,
        ];
        // Every whole and half step of the I32F32 grid near 0, 1 and 2²⁰, and their neighbours.
        for base in [0.0, 1.0, 1_048_576.0] {
            for k in -2000..2000 {
                let x = base + f64::from(k) / (2.0 * I32F32_SCALE);
                special.extend([x, x.next_up(), x.next_down(), -x]);
            }
        }
        for &x in &special {
            assert_eq!(
                to_i32f32(x).to_bits(),
                to_i32f32_by_cast(x).to_bits(),
                "{x:e}"
            );
        }
        for _ in 0..1_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            let want = to_i32f32_by_cast(x);
            let got = to_i32f32(x);
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{x:e}"
            );
            // Also in the usual range, [0, 4).
            let x = (state >> 11) as f64 / (1u64 << 51) as f64;
            assert_eq!(
                to_i32f32(x).to_bits(),
                to_i32f32_by_cast(x).to_bits(),
                "{x:e}"
            );
        }
    }

    #[test]
    fn u16_proportion_floors_and_saturates() {
        assert_eq!(u16_proportion(0.5), 32767);
        assert_eq!(u16_proportion(1.0), 65535);
        assert_eq!(u16_proportion(2.0), 65535);
        assert_eq!(u16_proportion(-1.0), 0);
        assert_eq!(u16_proportion(f64::NAN), 0);
        assert_eq!(u16_proportion(0.1), 6553);
        assert_eq!(u16_proportion(0.3), 19660);
        for t in [
            0.0, 0.49, 0.5, 0.51, 1.0, 1.5, 2.5, 65534.5, 65534.99, 65535.0, 7e9, -0.5,
        ] {
            assert_eq!(floor_u16(t), t as u16, "{t}");
        }
        // Every quarter step, and just either side of every integer.
        for k in 0..=(4 * 65536) {
            let t = f64::from(k) / 4.0;
            for t in [t, t.next_down(), t.next_up()] {
                assert_eq!(floor_u16(t), t as u16, "{t}");
            }
        }
        assert_eq!(floor_u16(f64::NAN), 0);
        assert_eq!(floor_u16(f64::INFINITY), 65535);
    }

    #[test]
    fn share_of_is_exact_for_large_amounts() {
        assert_eq!(share_of(1.0, u64::MAX), u64::MAX);
        assert_eq!(
            share_of(0.5, 1_000_000_000_000_000_001),
            500_000_000_000_000_000
        );
        assert_eq!(share_of(0.0, 123), 0);
    }
}
