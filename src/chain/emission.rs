//! Block emission and its halvings (spec `chain-model.md` §5.1).
//!
//! One function, [`block_emission`], gives both the TAO minted per block (on `TotalIssuance`)
//! and each subnet's alpha minted per block (on `SubnetAlphaIn + SubnetAlphaOut`):
//!
//! ```text
//! E(I) = ⌊10⁹ / 2^k⌋ rao,   k = ⌊log₂(1 / (1 − I / S))⌋,   S = 21·10¹⁵ rao;   E(I) = 0 if I ≥ S
//! ```
//!
//! # Exact integer thresholds instead of the chain's fixed-point log₂
//!
//! `k ≥ j` ⇔ `1 − I/S ≤ 2^−j` ⇔ `I ≥ S − S/2^j`, and since `I` is an integer this is
//! `I ≥ S − ⌊S/2^j⌋` (the `j`-th [`halving_threshold`]). yumalab finds `k` by comparing `I`
//! with those integers, so the halvings happen at exactly 10.5 M, 15.75 M, 18.375 M … TAO
//! issued.
//!
//! The chain instead computes `I/S` in `I96F32` (the quotient truncated to 2⁻³²), then
//! `1/(1 − q)` and a fixed-point `log₂`, and floors. At the first thresholds (`j ≤ 15`, where
//! `S/2^j` is an integer) the quotient is an exact short binary fraction, so both should agree
//! there; the vector `block_emission_halving` (derived from the formula, not from a chain test)
//! checks 10.5 M, 15.75 M and 18.375 M TAO. Elsewhere the truncated quotient is at most 2⁻³²
//! low, so the chain can halve *later* than the exact threshold, by up to `S·2⁻³² ≈ 4.9·10⁶`
//! rao of issuance, plus whatever error its `log₂` has near a power of two. Not emulated.
//!
//! The final division is exact on both sides: the chain's `1/2^k` is exact in `I96F32` for
//! `k ≤ 32`, and `⌊10⁹·2⁻ᵏ⌋` is 0 from `k = 30` on.

/// Total supply `S`: 21 M TAO, in rao.
pub const TOTAL_SUPPLY: u64 = 21_000_000_000_000_000;

/// Emission per block before the first halving: 1 TAO (or 1 alpha), in rao.
pub const DEFAULT_BLOCK_EMISSION: u64 = 1_000_000_000;

/// The number of halvings after which [`block_emission`] is 0 (`⌊10⁹/2³⁰⌋ = 0`).
pub const LAST_HALVING: u32 = 30;

/// The issuance (rao) at which the `j`-th halving takes effect: `S − ⌊S/2^j⌋`.
///
/// `halving_threshold(0) = 0`; `halving_threshold(1) = 10.5·10¹⁵`; for `j ≥ 55`, `⌊S/2^j⌋ = 0`
/// and the threshold is `S` itself.
pub fn halving_threshold(j: u32) -> u64 {
    TOTAL_SUPPLY - TOTAL_SUPPLY.checked_shr(j).unwrap_or(0)
}

/// The number of halvings `k` that have happened at issuance `issuance` (rao).
///
/// Exact: the largest `j` with `issuance ≥ halving_threshold(j)`. For `issuance ≥ S` there is
/// no finite answer; this returns 64 (and [`block_emission`] returns 0).
pub fn halvings(issuance: u64) -> u32 {
    if issuance >= TOTAL_SUPPLY {
        return 64;
    }
    // Thresholds grow with j and reach S at j = 55, which `issuance < S` never passes.
    let mut k = 0;
    while issuance >= halving_threshold(k + 1) {
        k += 1;
    }
    k
}

/// Rao minted per block at issuance `issuance` (rao): `⌊10⁹ / 2^k⌋`, 0 once `issuance ≥ S`.
///
/// Used for TAO on `TotalIssuance` and, per subnet, for alpha on the subnet's alpha issuance.
/// Non-increasing in `issuance`; see the module docs for the threshold arithmetic.
pub fn block_emission(issuance: u64) -> u64 {
    DEFAULT_BLOCK_EMISSION
        .checked_shr(halvings(issuance))
        .unwrap_or(0)
}

/// One row of the halving table, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Halving {
    /// Halving number `k` (1 for the first halving).
    pub k: u32,
    /// Issuance (rao) from which this halving applies: [`halving_threshold`]`(k)`.
    pub threshold: u64,
    /// Emission per block (rao) from `threshold` on, until the next halving.
    pub emission: u64,
}

/// The halving table: halvings 1 to [`LAST_HALVING`], the last of which brings the emission
/// to 0.
pub fn halving_table() -> Vec<Halving> {
    (1..=LAST_HALVING)
        .map(|k| Halving {
            k,
            threshold: halving_threshold(k),
            emission: DEFAULT_BLOCK_EMISSION >> k,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_the_familiar_ones() {
        assert_eq!(halving_threshold(0), 0);
        assert_eq!(halving_threshold(1), 10_500_000_000_000_000);
        assert_eq!(halving_threshold(2), 15_750_000_000_000_000);
        assert_eq!(halving_threshold(3), 18_375_000_000_000_000);
        assert_eq!(halving_threshold(55), TOTAL_SUPPLY);
        assert_eq!(halving_threshold(64), TOTAL_SUPPLY);
    }

    #[test]
    fn emission_table() {
        let cases = [
            (0, 1_000_000_000),
            (10_499_999_999_999_999, 1_000_000_000),
            (10_500_000_000_000_000, 500_000_000),
            (15_749_999_999_999_999, 500_000_000),
            (15_750_000_000_000_000, 250_000_000),
            (18_375_000_000_000_000, 125_000_000),
            (20_000_000_000_000_000, 62_500_000),
            (TOTAL_SUPPLY - 1, 0),
            (TOTAL_SUPPLY, 0),
            (u64::MAX, 0),
        ];
        for (issuance, expect) in cases {
            assert_eq!(block_emission(issuance), expect, "issuance {issuance}");
        }
    }

    #[test]
    fn threshold_is_exact_where_s_over_2j_is_fractional() {
        // S/2^16 = 320 434 570 312.5: the threshold is S − 320 434 570 312.
        let t = halving_threshold(16);
        assert_eq!(t, TOTAL_SUPPLY - 320_434_570_312);
        assert_eq!(halvings(t), 16);
        assert_eq!(halvings(t - 1), 15);
        // Exact check of the definition: k ≥ 16 ⇔ 2^16·(S − I) ≤ S.
        let ok = |i: u64| (u128::from(TOTAL_SUPPLY - i) << 16) <= u128::from(TOTAL_SUPPLY);
        assert!(ok(t) && !ok(t - 1));
    }

    #[test]
    fn table_has_thirty_rows_ending_at_zero() {
        let table = halving_table();
        assert_eq!(table.len(), 30);
        assert_eq!(table[0].emission, 500_000_000);
        assert_eq!(table[29].emission, 0);
        assert_eq!(table[28].emission, 1);
        for row in &table {
            assert_eq!(block_emission(row.threshold), row.emission);
        }
    }
}
