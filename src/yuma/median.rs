//! The κ stake-weighted median of one column (spec §3.7).
//!
//! For scores `x_i` with stakes `s_i > 0` summing to `Σs`, and `m = Σs − κ`, the result is the
//! unique score `v` with `S(<v) ≤ m < Σs − S(>v)`: the largest score that at least κ of the
//! stake rates at or above. Because κ is slightly below ½, a 50/50 split yields the higher
//! score.
//!
//! The chain finds it by quickselect (`weighted_median` in `math.rs`): the pivot is the middle
//! element of the current partition, and the partitions keep the original row order. This is
//! the same selection, pivot for pivot, written without data-dependent branches: each level
//! sums the stake below and above the pivot in one pass and then compacts the side it keeps
//! into a second buffer, stably. It works on caller-owned buffers and allocates nothing.

/// Buffers for [`MedianBuf::select`]: two structure-of-arrays halves used in turn.
#[derive(Clone, Debug, Default)]
pub struct MedianBuf {
    scores: [Vec<f64>; 2],
    stakes: [Vec<f64>; 2],
}

impl MedianBuf {
    /// Loads the votes of one column: `scores[k]` with stake `stakes[k] > 0`.
    pub fn load(&mut self, scores: impl Iterator<Item = f64>, stakes: &[f64]) {
        self.scores[0].clear();
        self.scores[0].extend(scores);
        self.stakes[0].clear();
        self.stakes[0].extend_from_slice(stakes);
        let len = self.scores[0].len();
        for b in 0..2 {
            self.scores[b].resize(len, 0.0);
            self.stakes[b].resize(len, 0.0);
        }
    }

    /// The κ-quantile of the loaded votes, with `stake_sum` = Σ stake and
    /// `minority = stake_sum − κ`. Returns 0 for no votes. Consumes the loaded votes.
    pub fn select(&mut self, minority: f64, stake_sum: f64) -> f64 {
        let mut len = self.scores[0].len();
        let mut cur = 0;
        let mut lo_bound = 0.0_f64; // stake strictly below the current partition
        let mut hi_bound = stake_sum; // stake at or below the top of the current partition
        loop {
            if len == 0 {
                return 0.0;
            }
            let (src_x, src_s) = (&self.scores[cur][..len], &self.stakes[cur][..len]);
            if len == 1 {
                return src_x[0];
            }
            let pivot = src_x[len / 2];
            // Four independent accumulators per sum: the adds do not wait on each other.
            let (mut lo4, mut hi4) = ([0.0_f64; 4], [0.0_f64; 4]);
            let (mut n_lo, mut n_hi) = (0usize, 0usize);
            let (cx, cs) = (src_x.chunks_exact(4), src_s.chunks_exact(4));
            let (rx, rs) = (cx.remainder(), cs.remainder());
            for (x4, s4) in cx.zip(cs) {
                for t in 0..4 {
                    let (below, above) = (x4[t] < pivot, x4[t] > pivot);
                    lo4[t] += masked(s4[t], below);
                    hi4[t] += masked(s4[t], above);
                    n_lo += usize::from(below);
                    n_hi += usize::from(above);
                }
            }
            for (t, (&x, &s)) in rx.iter().zip(rs).enumerate() {
                let (below, above) = (x < pivot, x > pivot);
                lo4[t] += masked(s, below);
                hi4[t] += masked(s, above);
                n_lo += usize::from(below);
                n_hi += usize::from(above);
            }
            let lo = (lo4[0] + lo4[1]) + (lo4[2] + lo4[3]);
            let hi = (hi4[0] + hi4[1]) + (hi4[2] + hi4[3]);
            let below = lo_bound + lo;
            let at_or_below = hi_bound - hi;
            let keep_lower = if below <= minority && minority < at_or_below {
                return pivot;
            } else if minority < below && n_lo > 0 {
                hi_bound = below;
                true
            } else if at_or_below <= minority && n_hi > 0 {
                lo_bound = at_or_below;
                false
            } else {
                return pivot;
            };
            // Stable branchless compaction of the kept side into the other buffer.
            let next = 1 - cur;
            let (a, b) = self.scores.split_at_mut(1);
            let (sx, dx) = if cur == 0 {
                (&a[0], &mut b[0])
            } else {
                (&b[0], &mut a[0])
            };
            let (a, b) = self.stakes.split_at_mut(1);
            let (ss, ds) = if cur == 0 {
                (&a[0], &mut b[0])
            } else {
                (&b[0], &mut a[0])
            };
            // Keep x < pivot (lower) or x > pivot (upper): both as `sign·x < sign·pivot`.
            let sign = if keep_lower { 1.0 } else { -1.0 };
            let limit = sign * pivot;
            let mut k = 0;
            for (&x, &s) in sx[..len].iter().zip(&ss[..len]) {
                dx[k] = x;
                ds[k] = s;
                k += usize::from(sign * x < limit);
            }
            len = k;
            cur = next;
        }
    }
}

/// `x` if `keep`, else 0, without a branch (the compiler turns `if` selects into jumps, which
/// mispredict on unsorted scores).
#[inline(always)]
fn masked(x: f64, keep: bool) -> f64 {
    f64::from_bits(x.to_bits() & 0u64.wrapping_sub(u64::from(keep)))
}

/// The κ-quantile of `scores` under `stakes`, ignoring entries with non-positive stake and
/// normalising the rest, as the chain's `weighted_median_col_sparse` does. Allocates; the
/// epoch reuses a [`MedianBuf`].
pub fn kappa_median(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
    let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    let voting: Vec<(f64, f64)> = stakes
        .iter()
        .zip(scores)
        .filter(|(s, _)| **s > 0.0)
        .map(|(s, x)| (*x, s / total))
        .collect();
    let stakes: Vec<f64> = voting.iter().map(|v| v.1).collect();
    let sum: f64 = stakes.iter().sum();
    let mut buf = MedianBuf::default();
    buf.load(voting.iter().map(|v| v.0), &stakes);
    buf.select(sum - kappa, sum)
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
            // Few distinct scores so ties are common; the κ offset keeps the brute-force
            // definition clear of rounding ambiguity at the boundary.
            let stakes: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
            let scores: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 5.0).collect();
            let kappa = f64::from(kappa_milli) / 1000.0 + 1e-7;
            prop_assert_eq!(kappa_median(&stakes, &scores, kappa), reference(&stakes, &scores, kappa));
        }
    }
}
