//! The κ stake-weighted median of one column (spec §3.7).
//!
//! For scores `x_i` with stakes `s_i > 0` summing to `Σs`, and `m = Σs − κ`, the result is the
//! unique score `v` with `S(<v) ≤ m < Σs − S(>v)`: the largest score that at least κ of the
//! stake rates at or above. Because κ is slightly below ½, a 50/50 split yields the higher
//! score. The chain finds it by quickselect with the middle element of the current partition as
//! pivot; this is the same selection done in place on a caller-owned buffer, so it allocates
//! nothing.

/// One validator's vote in a column: its score and its (positive) stake.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vote {
    /// The weight the validator gives the column.
    pub score: f64,
    /// The validator's normalised active stake.
    pub stake: f64,
}

/// The κ-quantile of `votes` (reordered in place). `stake_sum` is Σ stake over `votes`, and
/// `minority` is `stake_sum − κ`. Returns 0 for no votes.
pub fn weighted_median(votes: &mut [Vote], minority: f64, stake_sum: f64) -> f64 {
    let mut lo_bound = 0.0_f64; // stake strictly below the current partition
    let mut hi_bound = stake_sum; // stake at or below the top of the current partition
    let mut part: &mut [Vote] = votes;
    loop {
        let n = part.len();
        if n == 0 {
            return 0.0;
        }
        if n == 1 {
            return part[0].score;
        }
        let pivot = part[n / 2].score;
        // Three-way partition: [< pivot | == pivot | > pivot].
        let (mut lt, mut i, mut gt) = (0usize, 0usize, n);
        let (mut lo_stake, mut hi_stake) = (0.0_f64, 0.0_f64);
        while i < gt {
            let v = part[i];
            if v.score < pivot {
                lo_stake += v.stake;
                part.swap(lt, i);
                lt += 1;
                i += 1;
            } else if v.score > pivot {
                hi_stake += v.stake;
                gt -= 1;
                part.swap(i, gt);
            } else {
                i += 1;
            }
        }
        let below = lo_bound + lo_stake;
        let at_or_below = hi_bound - hi_stake;
        if below <= minority && minority < at_or_below {
            return pivot;
        } else if minority < below && lt > 0 {
            hi_bound = below;
            part = &mut part[..lt];
        } else if at_or_below <= minority && gt < n {
            lo_bound = at_or_below;
            part = &mut part[gt..];
        } else {
            return pivot;
        }
    }
}

/// Convenience over plain slices: the κ-quantile of `scores` under `stakes`, ignoring entries
/// with non-positive stake and normalising the rest, as the chain's
/// `weighted_median_col_sparse` does. Allocates; the epoch uses [`weighted_median`].
pub fn kappa_median(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
    let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    let mut votes: Vec<Vote> = stakes
        .iter()
        .zip(scores)
        .filter(|(s, _)| **s > 0.0)
        .map(|(s, x)| Vote {
            score: *x,
            stake: s / total,
        })
        .collect();
    let sum: f64 = votes.iter().map(|v| v.stake).sum();
    weighted_median(&mut votes, sum - kappa, sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, by brute force: the largest score whose at-or-above mass is ≥ κ.
    fn reference(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
        let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
        let mut best = 0.0_f64;
        let mut found = false;
        for (s, &x) in stakes.iter().zip(scores) {
            if *s <= 0.0 {
                continue;
            }
            let mass: f64 = stakes
                .iter()
                .zip(scores)
                .filter(|(t, y)| **t > 0.0 && **y >= x)
                .map(|(t, _)| t / total)
                .sum();
            if mass >= kappa - 1e-12 && (!found || x > best) {
                best = x;
                found = true;
            }
        }
        best
    }

    #[test]
    fn half_split_takes_the_higher_score_because_kappa_is_below_half() {
        let kappa = 32767.0 / 65535.0;
        assert_eq!(kappa_median(&[0.5, 0.5], &[0.2, 0.8], kappa), 0.8);
    }

    #[test]
    fn no_stake_gives_zero() {
        assert_eq!(kappa_median(&[0.0, 0.0], &[0.2, 0.8], 0.5), 0.0);
        assert_eq!(kappa_median(&[], &[], 0.5), 0.0);
    }

    proptest! {
        #[test]
        fn matches_the_definition(
            pairs in prop::collection::vec((0u32..100, 0u32..6), 1..40),
            kappa_milli in 10u32..990,
        ) {
            // Few distinct scores so ties are common; stakes on a coarse grid so sums are exact
            // enough that the brute-force definition has no rounding ambiguity.
            let stakes: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
            let scores: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 5.0).collect();
            let kappa = f64::from(kappa_milli) / 1000.0 + 1e-7;
            prop_assert_eq!(kappa_median(&stakes, &scores, kappa), reference(&stakes, &scores, kappa));
        }
    }
}
