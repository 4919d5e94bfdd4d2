//! The κ stake-weighted median of one column (spec §3.7).
//!
//! For scores `x_i` with stakes `s_i > 0` summing to `Σs`, and `m = Σs − κ`, the result is the
//! unique score `v` with `S(<v) ≤ m < Σs − S(>v)`: the largest score that at least κ of the
//! stake rates at or above. Because κ is slightly below ½, a 50/50 split yields the higher
//! score. Any routine that finds that `v` exactly gives the chain's answer; two are here.
//!
//! - [`MedianBuf::quantile`], the epoch's: stakes are exact integers (`I32F32` raw units, as
//!   the chain sums them), so every mass comparison is exact whatever the summation order.
//!   One pass spreads the column over [`BUCKETS`] equal-width value buckets between its
//!   minimum and maximum and adds each bucket's stake (the bucket numbers are computed in a
//!   loop that vectorises; the stake is added by a scalar scatter, about five instructions per
//!   score, the dominant cost); a scan of the bucket masses finds the bucket that holds `v`;
//!   its members are found eight at a time in a byte copy of the bucket numbers (SWAR), and
//!   only those few scores (about 2 for 64 spread-out scores) are compared pairwise. The
//!   bucket of a score is a monotone function of it, so equal scores share a bucket and every
//!   score in a lower bucket is strictly smaller: the bucket masses are exact `S(<·)`
//!   boundaries. A crowded bucket (clustered scores) falls back to quickselect on its members,
//!   so the cost degrades to quickselect's, never the result.
//! - Quickselect, as the chain writes it (`weighted_median` in `math.rs`: the pivot is the
//!   middle element of the current partition, partitions keep the row order), for
//!   [`kappa_median`], which takes arbitrary f64 stakes and so keeps today's f64 sums, and as
//!   the fallback above. Each level sums the stake below and above the pivot in one pass and
//!   then compacts the side it keeps into a second buffer, stably and without data-dependent
//!   branches.
//!
//! Both work on caller-owned buffers and allocate nothing once the buffers have grown.

use std::ops::{Add, Sub};

/// Number of value buckets per column in [`MedianBuf::quantile`]. 32 keeps the target bucket
/// at about two scores for 64 spread-out scores while the bucket scan stays short.
pub const BUCKETS: usize = 32;

/// A target bucket with more members than this is finished by quickselect instead of the
/// pairwise comparison (whose cost grows with the square of the size).
const PAIRWISE_MAX: usize = 12;

/// A stake mass: `i64` in `I32F32` raw units (exact) or `f64` (for [`kappa_median`]).
trait Mass: Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Default {
    /// `self` if `keep`, else zero, without a branch (the compiler turns `if` selects into
    /// jumps, which mispredict on unsorted scores).
    fn masked(self, keep: bool) -> Self;
}

impl Mass for f64 {
    #[inline(always)]
    fn masked(self, keep: bool) -> f64 {
        f64::from_bits(self.to_bits() & 0u64.wrapping_sub(u64::from(keep)))
    }
}

impl Mass for i64 {
    #[inline(always)]
    fn masked(self, keep: bool) -> i64 {
        self & 0i64.wrapping_sub(i64::from(keep))
    }
}

/// Two structure-of-arrays halves used in turn by quickselect.
#[derive(Clone, Debug, Default)]
struct Halves<M> {
    x: [Vec<f64>; 2],
    s: [Vec<M>; 2],
}

impl<M: Mass> Halves<M> {
    /// Makes both halves hold at least `len` entries.
    fn reserve(&mut self, len: usize) {
        for b in 0..2 {
            if self.x[b].len() < len {
                self.x[b].resize(len, 0.0);
                self.s[b].resize(len, M::default());
            }
        }
    }

    /// Quickselect over `x[0][..len]`, `s[0][..len]` (consumed). `lo_bound` is the stake
    /// strictly below these entries and `hi_bound` the stake at or below the largest of them;
    /// for a whole column, 0 and Σs. Returns 0 for no entries.
    fn select(&mut self, mut len: usize, minority: M, mut lo_bound: M, mut hi_bound: M) -> f64 {
        let mut cur = 0;
        loop {
            if len == 0 {
                return 0.0;
            }
            let (src_x, src_s) = (&self.x[cur][..len], &self.s[cur][..len]);
            if len == 1 {
                return src_x[0];
            }
            let pivot = src_x[len / 2];
            // Four independent accumulators per sum: the adds do not wait on each other.
            let (mut lo4, mut hi4) = ([M::default(); 4], [M::default(); 4]);
            let (mut n_lo, mut n_hi) = (0usize, 0usize);
            let (cx, cs) = (src_x.chunks_exact(4), src_s.chunks_exact(4));
            let (rx, rs) = (cx.remainder(), cs.remainder());
            for (x4, s4) in cx.zip(cs) {
                for t in 0..4 {
                    let (below, above) = (x4[t] < pivot, x4[t] > pivot);
                    lo4[t] = lo4[t] + s4[t].masked(below);
                    hi4[t] = hi4[t] + s4[t].masked(above);
                    n_lo += usize::from(below);
                    n_hi += usize::from(above);
                }
            }
            for (t, (&x, &s)) in rx.iter().zip(rs).enumerate() {
                let (below, above) = (x < pivot, x > pivot);
                lo4[t] = lo4[t] + s.masked(below);
                hi4[t] = hi4[t] + s.masked(above);
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
            let [x0, x1] = &mut self.x;
            let [s0, s1] = &mut self.s;
            let (sx, dx, ss, ds) = if cur == 0 {
                (&*x0, x1, &*s0, s1)
            } else {
                (&*x1, x0, &*s1, s0)
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
            cur = 1 - cur;
        }
    }
}

/// Reusable buffers for [`MedianBuf::quantile`].
#[derive(Clone, Debug, Default)]
pub struct MedianBuf {
    /// Bucket of each score, in the low bits.
    bucket: Vec<u64>,
    /// Bucket of each score as a byte, padded to whole u64 words.
    bytes: Vec<u8>,
    /// The members of the target bucket.
    next: Vec<u32>,
    /// Quickselect buffers for a crowded target bucket or a degenerate column.
    halves: Halves<i64>,
}

impl MedianBuf {
    /// The κ-quantile of one column: `scores[k]` with stake `stakes[k] ≥ 0` in `I32F32` raw
    /// units (`stake·2³²`), `total = Σ stakes` and `minority = total − κ·2³²`. Entries with
    /// zero stake may be present; they never decide the result. Returns 0 when no entry has
    /// stake. Degenerate κ as the chain's quickselect resolves it: `minority < 0` gives the
    /// smallest voting score, `minority ≥ total` the largest.
    ///
    /// # Panics
    /// If `stakes` is shorter than `scores`.
    pub fn quantile(&mut self, scores: &[f64], stakes: &[i64], minority: i64, total: i64) -> f64 {
        let len = scores.len();
        let stakes = &stakes[..len];
        if total <= 0 || minority < 0 || minority >= total {
            return self.quickselect_all(scores, stakes, minority, total);
        }
        let (lo, hi) = min_max(scores);
        if lo == hi {
            return lo;
        }
        // Bucket k ≈ round(t), t = (x − lo)·(B−1)/(hi − lo) ∈ [0, B−1]. Each step (subtract,
        // multiply by a positive factor, min, round) is monotone non-decreasing in x, so the
        // bucket order never contradicts the score order. Rounding uses the 2⁵² trick (adding
        // 2⁵² leaves round(t) in the low mantissa bits), which vectorises, where `as` casts
        // would add saturation checks; the bucket stays in a u64 so nothing is narrowed. The
        // `min` is written as a comparison: `f64::min`'s NaN rule costs extra instructions.
        let top = (BUCKETS - 1) as f64;
        let scale = top / (hi - lo);
        if !scale.is_finite() {
            return self.quickselect_all(scores, stakes, minority, total);
        }
        const ROUND: f64 = 4_503_599_627_370_496.0; // 2⁵²
        self.bucket.clear();
        self.bucket.extend(scores.iter().map(|&x| {
            let t = (x - lo) * scale;
            (if t < top { t } else { top } + ROUND).to_bits()
        }));
        // Stake per bucket, and each score's bucket as a byte (padded to whole u64 words with
        // a value no bucket has) for the member search below.
        let mut mass = [0i64; BUCKETS];
        self.bytes.clear();
        self.bytes.resize(len.div_ceil(8) * 8, u8::MAX);
        for ((&b, &s), byte) in self.bucket.iter().zip(stakes).zip(self.bytes.iter_mut()) {
            let b = (b as usize) % BUCKETS;
            mass[b] += s;
            *byte = b as u8;
        }
        // The target bucket: the first whose inclusive stake prefix exceeds the minority.
        // `below` is then S(< every score in it). Exists because minority < total.
        let mut below = 0i64;
        let mut b = 0;
        while b < BUCKETS - 1 && below + mass[b] <= minority {
            below += mass[b];
            b += 1;
        }
        // Its members: the bytes equal to b, eight at a time (SWAR: a zero byte of
        // word ^ b·0x0101… gets its top bit set, exactly, by the add-and-mask below).
        const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        let pattern = (b as u64) * 0x0101_0101_0101_0101;
        self.next.clear();
        for (w, word) in self.bytes.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(word.try_into().unwrap_or([u8::MAX; 8])) ^ pattern;
            let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
            while hits != 0 {
                self.next.push((w * 8) as u32 + hits.trailing_zeros() / 8);
                hits &= hits - 1;
            }
        }
        let count = self.next.len();
        if count <= PAIRWISE_MAX {
            // Pairwise: v with below + S_b(<v) ≤ minority < below + S_b(≤v) is unique.
            let mut members = [(0.0_f64, 0_i64); PAIRWISE_MAX];
            for (m, &k) in members.iter_mut().zip(&self.next) {
                *m = (scores[k as usize], stakes[k as usize]);
            }
            let members = &members[..count];
            for &(v, _) in members {
                let (mut lt, mut le) = (below, below);
                for &(u, s) in members {
                    lt += s.masked(u < v);
                    le += s.masked(u <= v);
                }
                if lt <= minority && minority < le {
                    return v;
                }
            }
        }
        // A crowded bucket: quickselect over its members, bounded by the bucket's masses.
        self.halves.reserve(len);
        let n = count;
        for (t, &k) in self.next.iter().enumerate() {
            self.halves.x[0][t] = scores[k as usize];
            self.halves.s[0][t] = stakes[k as usize];
        }
        self.halves.select(n, minority, below, below + mass[b])
    }

    /// Quickselect over the entries with positive stake (degenerate and fallback cases).
    fn quickselect_all(
        &mut self,
        scores: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
    ) -> f64 {
        self.halves.reserve(scores.len());
        let mut n = 0;
        for (&x, &s) in scores.iter().zip(stakes) {
            if s > 0 {
                self.halves.x[0][n] = x;
                self.halves.s[0][n] = s;
                n += 1;
            }
        }
        self.halves.select(n, minority, 0, total)
    }
}

/// (min, max) of a non-empty slice without NaNs, eight accumulators each (four SSE2 registers:
/// the min/max latency, not throughput, would bound fewer). Comparisons rather than
/// `f64::min`/`max`, whose NaN rule doubles the instruction count.
fn min_max(xs: &[f64]) -> (f64, f64) {
    #[inline(always)]
    fn min(a: f64, b: f64) -> f64 {
        if a < b { a } else { b }
    }
    #[inline(always)]
    fn max(a: f64, b: f64) -> f64 {
        if a > b { a } else { b }
    }
    let (mut lo, mut hi) = ([xs[0]; 8], [xs[0]; 8]);
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..8 {
            lo[t] = min(lo[t], c[t]);
            hi[t] = max(hi[t], c[t]);
        }
    }
    for (t, x) in rest.iter().enumerate() {
        lo[t] = min(lo[t], *x);
        hi[t] = max(hi[t], *x);
    }
    let lo = lo.iter().fold(lo[0], |a, b| min(a, *b));
    let hi = hi.iter().fold(hi[0], |a, b| max(a, *b));
    (lo, hi)
}

/// The κ-quantile of `scores` under `stakes`, ignoring entries with non-positive stake and
/// normalising the rest, as the chain's `weighted_median_col_sparse` does. Works in f64 by
/// quickselect and allocates; the epoch uses [`MedianBuf::quantile`].
pub fn kappa_median(stakes: &[f64], scores: &[f64], kappa: f64) -> f64 {
    let total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    let mut h = Halves::<f64>::default();
    for (s, x) in stakes.iter().zip(scores) {
        if *s > 0.0 {
            h.x[0].push(*x);
            h.s[0].push(s / total);
        }
    }
    let len = h.x[0].len();
    let sum: f64 = h.s[0].iter().sum();
    h.reserve(len);
    h.select(len, sum - kappa, 0.0, sum)
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

    /// The integer definition: the largest score whose at-or-above stake is ≥ total −
    /// minority; for minority < 0 the smallest and for minority ≥ total the largest voting
    /// score (0 without votes).
    fn reference_int(stakes: &[i64], scores: &[f64], minority: i64) -> f64 {
        let total: i64 = stakes.iter().sum();
        let voting = || scores.iter().zip(stakes).filter(|(_, s)| **s > 0);
        if total == 0 {
            return 0.0;
        }
        if minority < 0 {
            return voting().map(|(x, _)| *x).fold(f64::INFINITY, f64::min);
        }
        if minority >= total {
            return voting().map(|(x, _)| *x).fold(f64::NEG_INFINITY, f64::max);
        }
        voting()
            .map(|(x, _)| *x)
            .filter(|&v| {
                let above: i64 = voting().filter(|(y, _)| **y >= v).map(|(_, s)| *s).sum();
                above >= total - minority
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }

    #[test]
    fn half_split_takes_the_higher_score_because_kappa_is_below_half() {
        let kappa = 32767.0 / 65535.0;
        assert_eq!(kappa_median(&[0.5, 0.5], &[0.2, 0.8], kappa), 0.8);
        let k = (crate::yuma::fixed::to_i32f32(kappa) * 4_294_967_296.0) as i64;
        let mut buf = MedianBuf::default();
        let half = 1i64 << 31;
        let total = 2 * half;
        assert_eq!(
            buf.quantile(&[0.2, 0.8], &[half, half], total - k, total),
            0.8
        );
    }

    #[test]
    fn no_stake_gives_zero() {
        assert_eq!(kappa_median(&[0.0, 0.0], &[0.2, 0.8], 0.5), 0.0);
        assert_eq!(kappa_median(&[], &[], 0.5), 0.0);
        let mut buf = MedianBuf::default();
        assert_eq!(buf.quantile(&[0.2, 0.8], &[0, 0], -5, 0), 0.0);
        assert_eq!(buf.quantile(&[], &[], -5, 0), 0.0);
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

        /// The bucketed quantile on integer stakes, exactly, including zero-stake entries,
        /// clustered and tied scores (crowded buckets) and degenerate κ.
        #[test]
        fn bucketed_quantile_matches_the_definition(
            pairs in prop::collection::vec((0i64..1000, 0u32..40, any::<bool>()), 1..150),
            spread in prop::sample::select(vec![1.0, 1e-3, 1e-9]),
            minority_frac in -0.1f64..1.1,
        ) {
            let stakes: Vec<i64> = pairs.iter().map(|p| p.0 * 1_000_003).collect();
            // Half the entries cluster near 0.5 unless `spread` is 1: buckets get crowded.
            let scores: Vec<f64> = pairs
                .iter()
                .map(|p| if p.2 { 0.5 + f64::from(p.1) * spread } else { f64::from(p.1) / 40.0 })
                .collect();
            let total: i64 = stakes.iter().sum();
            let minority = (total as f64 * minority_frac) as i64;
            let mut buf = MedianBuf::default();
            prop_assert_eq!(
                buf.quantile(&scores, &stakes, minority, total),
                reference_int(&stakes, &scores, minority)
            );
        }
    }
}
