//! Concentration of non-negative holdings (stake, emission, incentive): Gini, Nakamoto,
//! HHI, Shannon and Rényi entropy, Theil, top-k shares (spec `metrics.md`).
//!
//! Every function takes the holdings of one epoch (or one window, see [`windowed`]) as a
//! slice, one entry per holder, at whatever entity level the caller chose ([`collapse`]
//! turns uid-level values into coldkey- or operator-level ones). Zeros count as holders
//! wherever the formula has an `n` in it; [`Concentration::of_nonzero`] drops them first.
//!
//! Each function works on a sorted copy of its input and sums in that order, so the result
//! depends only on the multiset of values: permuting the uids never changes a bit of it.
//!
//! Non-finite values, and negative values everywhere but [`gini`], are refused with a panic:
//! holdings come from the simulator, so such a value is a bug upstream, not an input to
//! repair.

use std::collections::BTreeMap;

/// Majority threshold for [`nakamoto`]: the "51 % attack" framing (a coalition reaching half).
pub const NAKAMOTO_MAJORITY: f64 = 0.5;

/// BFT liveness threshold for [`nakamoto`]: one third (`1.0 / 3.0`). The literature writes
/// "33 %"; this crate uses exactly one third, so three equal holders give 1, not 2.
pub const NAKAMOTO_BFT: f64 = 1.0 / 3.0;

/// Panics unless every holding is finite and non-negative.
fn check_holdings(xs: &[f64]) {
    for (i, &x) in xs.iter().enumerate() {
        assert!(
            x.is_finite() && x >= 0.0,
            "invalid `holdings[{i}]`: must be finite and >= 0, got `{x}`"
        );
    }
}

/// Holdings sorted in descending order, with their total summed in that order.
///
/// Summing largest first keeps the cumulative sums of [`nakamoto`] and [`top_k_share`]
/// bit-identical to prefixes of `total`, so the `k` that covers every non-zero holder reaches
/// exactly the total.
struct Sorted {
    desc: Vec<f64>,
    total: f64,
}

impl Sorted {
    /// Checks and sorts `xs`.
    fn new(xs: &[f64]) -> Sorted {
        check_holdings(xs);
        let mut desc = xs.to_vec();
        desc.sort_by(|a, b| b.total_cmp(a));
        let total = desc.iter().sum();
        Sorted { desc, total }
    }

    fn n(&self) -> usize {
        self.desc.len()
    }

    /// Non-zero shares, largest first (empty when the total is zero).
    fn shares(&self) -> impl Iterator<Item = f64> + '_ {
        let total = self.total;
        self.desc
            .iter()
            .filter(|&&x| x > 0.0)
            .map(move |&x| x / total)
    }

    fn gini(&self) -> f64 {
        gini_of_ascending(self.desc.iter().rev().copied(), self.n(), self.total)
    }

    fn nakamoto(&self, threshold: f64) -> usize {
        assert!(
            threshold > 0.0 && threshold <= 1.0,
            "invalid nakamoto `threshold`: must be in (0, 1], got `{threshold}`"
        );
        if self.total <= 0.0 {
            return 0;
        }
        let target = threshold * self.total;
        let mut cumulative = 0.0;
        for (k, &x) in self.desc.iter().enumerate() {
            cumulative += x;
            if cumulative >= target {
                return k + 1;
            }
        }
        // Unreachable for threshold <= 1: the full sum is `total` bit for bit.
        self.n()
    }

    fn hhi(&self) -> f64 {
        self.shares().map(|s| s * s).sum()
    }

    fn renyi(&self, alpha: f64, base: f64) -> f64 {
        assert!(
            alpha >= 0.0,
            "invalid renyi `alpha`: must be >= 0 (use f64::INFINITY for min-entropy), got `{alpha}`"
        );
        assert!(
            base.is_finite() && base > 0.0 && base != 1.0,
            "invalid entropy `base`: must be finite, > 0 and != 1, got `{base}`"
        );
        if self.total <= 0.0 {
            return 0.0;
        }
        let ln_base = base.ln();
        let nats = if alpha == 1.0 {
            -self.shares().map(|s| s * s.ln()).sum::<f64>()
        } else if alpha == 0.0 {
            (self.shares().count() as f64).ln()
        } else if alpha == f64::INFINITY {
            -self.shares().next().map_or(0.0, f64::ln)
        } else {
            self.shares().map(|s| s.powf(alpha)).sum::<f64>().ln() / (1.0 - alpha)
        };
        // `-0.0` (one holder) reads badly in reports.
        (nats / ln_base) + 0.0
    }

    fn normalized_entropy(&self, alpha: f64) -> f64 {
        let h = self.renyi(alpha, std::f64::consts::E);
        if self.n() <= 1 || self.total <= 0.0 {
            return 0.0;
        }
        h / (self.n() as f64).ln()
    }

    fn theil(&self) -> f64 {
        if self.n() == 0 || self.total <= 0.0 {
            return 0.0;
        }
        let n = self.n() as f64;
        let mean = self.total / n;
        let sum: f64 = self
            .desc
            .iter()
            .filter(|&&x| x > 0.0)
            .map(|&x| {
                let r = x / mean;
                r * r.ln()
            })
            .sum();
        sum / n
    }

    fn top_k_share(&self, k: usize) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        self.desc.iter().take(k).sum::<f64>() / self.total
    }
}

/// `Σ_i (2i − n − 1)·x_i / (n·Σx)` over `n` values given in ascending order (i from 1).
fn gini_of_ascending(asc: impl Iterator<Item = f64>, n: usize, total: f64) -> f64 {
    if n == 0 || total <= 0.0 {
        return 0.0;
    }
    let nf = n as f64;
    let numerator: f64 = asc
        .enumerate()
        .map(|(i, x)| (2.0 * (i + 1) as f64 - nf - 1.0) * x)
        .sum();
    numerator / (nf * total)
}

/// Gini coefficient: `G = Σ_i (2i − n − 1)·x_i / (n·Σx)` on the ascending-sorted `x`
/// (i from 1), equivalently the mean absolute difference over twice the mean.
///
/// Reading: 0 when everyone holds the same, `(n − 1)/n` when one holder has everything.
/// Zeros are included as given (each one raises `G`; see [`Concentration::of_nonzero`]).
/// If any value is negative, every value is first shifted up by the minimum, as the BTL
/// suite (after oliviaguest/gini) does, so `[11, 2, −1]` is read as `[12, 3, 0]`.
/// Returns 0 for an empty slice or a zero total.
///
/// # Panics
///
/// If a value is not finite.
pub fn gini(xs: &[f64]) -> f64 {
    for (i, &x) in xs.iter().enumerate() {
        assert!(
            x.is_finite(),
            "invalid `holdings[{i}]`: must be finite, got `{x}`"
        );
    }
    let mut asc = xs.to_vec();
    asc.sort_by(f64::total_cmp);
    if let Some(&min) = asc.first()
        && min < 0.0
    {
        for x in &mut asc {
            *x -= min;
        }
    }
    // Ascending summation, matching the order of the numerator.
    let total = asc.iter().sum();
    gini_of_ascending(asc.iter().copied(), asc.len(), total)
}

/// Nakamoto coefficient (τ-decentralization index): the smallest `k` such that the `k`
/// largest holders together hold at least `threshold` of the total.
///
/// Threshold rule: holders are added largest first and counting **stops as soon as the
/// cumulative share is ≥ `threshold`** (the BTL implementation), so `{1, 2, 3}` at 0.5 gives
/// 1: the top holder has exactly half. The prose definition "more than 50 %" would give 2.
/// The comparison is `cumulative ≥ threshold · total` on the holdings themselves, exact for
/// integer-valued holdings (rao) below 2⁵³ and a threshold of 0.5.
///
/// Reading: an integer ≥ 1, higher is more decentralized. Use [`NAKAMOTO_MAJORITY`] (0.5) or
/// [`NAKAMOTO_BFT`] (one third). Zeros never change the result. Returns 0 when there is
/// nothing to control (empty slice or zero total).
///
/// # Panics
///
/// If `threshold` is not in `(0, 1]`, or a holding is negative or not finite.
pub fn nakamoto(xs: &[f64], threshold: f64) -> usize {
    Sorted::new(xs).nakamoto(threshold)
}

/// Herfindahl–Hirschman index on the 0..1 scale: `Σ s_i²` with `s_i = x_i / Σx`.
///
/// Reading: `1/n` when `n` holders are equal, 1 for a single holder; the inverse `1/HHI` is
/// the "effective number" of holders. Zeros add nothing. Returns 0 for an empty slice or a
/// zero total. See [`hhi_10000`] for the antitrust scale.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn hhi(xs: &[f64]) -> f64 {
    Sorted::new(xs).hhi()
}

/// Effective number of holders `1 / Σ s_i²` = `1 / hhi` (shares normalised to sum 1): `n`
/// for `n` equal holders, 1 for a single one; used for the effective number of paid subnets.
/// Zeros add nothing. Returns 0 for an empty slice or a zero total.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn effective_number(xs: &[f64]) -> f64 {
    let h = hhi(xs);
    if h > 0.0 { 1.0 / h } else { 0.0 }
}

/// Herfindahl–Hirschman index on the 0..10 000 scale (shares in percent, squared):
/// `10 000 · Σ s_i²`.
///
/// Reading (US DoJ bands): below 1500 competitive, 1500–2500 moderately concentrated,
/// above 2500 highly concentrated; 10 000 for a single holder.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn hhi_10000(xs: &[f64]) -> f64 {
    10_000.0 * hhi(xs)
}

/// Shannon entropy `H = −Σ s_i · log_base(s_i)` of the shares, over non-zero shares
/// (`0 · log 0 = 0`): bits when `base` is 2, nats when it is `e`.
///
/// Reading: 0 for a single holder, `log_base(n)` for `n` equal holders; higher is more
/// decentralized. Zeros change nothing. Returns 0 for an empty slice or a zero total.
///
/// # Panics
///
/// If `base` is not finite, not positive or 1, or a holding is negative or not finite.
pub fn entropy(xs: &[f64], base: f64) -> f64 {
    renyi_entropy(xs, 1.0, base)
}

/// Rényi entropy of order `alpha`: `H_α = log_base(Σ s_i^α) / (1 − α)` over non-zero shares.
///
/// - `alpha = 0`: Hartley entropy, `log_base` of the number of non-zero holders (the support;
///   the BTL code raises zero shares to the power 0 too and so counts zero holders);
/// - `alpha = 1`: Shannon entropy (the limit), as [`entropy`];
/// - `alpha = 2`: collision entropy, `−log_base Σ s_i²` (`−log_base` of [`hhi`]);
/// - `alpha = f64::INFINITY`: min-entropy, `−log_base max s_i` (the BTL code spells this
///   `alpha = −1`).
///
/// Reading: non-increasing in `alpha`; every order gives `log_base n` for `n` equal holders
/// and 0 for one. Returns 0 for an empty slice or a zero total.
///
/// # Panics
///
/// If `alpha` is negative or NaN, if `base` is not finite, not positive or 1, or if a holding
/// is negative or not finite.
pub fn renyi_entropy(xs: &[f64], alpha: f64, base: f64) -> f64 {
    Sorted::new(xs).renyi(alpha, base)
}

/// Normalized Rényi entropy of order `alpha`: `H_α / log n` with `n = xs.len()` (zeros
/// count as holders, as in the BTL "entropy percentage"); independent of the base.
///
/// Reading: 1 when all `n` holders are equal, 0 when one holds everything. Returns 0 when
/// `n ≤ 1` or the total is zero.
///
/// # Panics
///
/// As [`renyi_entropy`].
pub fn normalized_entropy(xs: &[f64], alpha: f64) -> f64 {
    Sorted::new(xs).normalized_entropy(alpha)
}

/// Theil T index: `T = (1/n)·Σ (x_i/μ)·ln(x_i/μ)` with `μ = Σx / n`, which equals
/// `ln n − H` with `H` the Shannon entropy in nats.
///
/// Zeros contribute 0 to the sum (`0 · ln 0 = 0`) but count in `n`, so adding zero holders
/// raises `T` by `ln(n'/n)`. Reading: 0 when all holders are equal, `ln n` when one holds
/// everything. Returns 0 for an empty slice or a zero total.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn theil(xs: &[f64]) -> f64 {
    Sorted::new(xs).theil()
}

/// Share of the total held by the `k` largest holders (the concentration ratio `CR_k`).
///
/// Reading: in `[0, 1]`; `k = 0` gives 0 and any `k` covering every non-zero holder gives
/// exactly 1. Returns 0 for a zero total.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn top_k_share(xs: &[f64], k: usize) -> f64 {
    Sorted::new(xs).top_k_share(k)
}

/// Largest single share, `max s_i` (the "max power ratio"); `top_k_share(xs, 1)`.
///
/// # Panics
///
/// If a holding is negative or not finite.
pub fn max_share(xs: &[f64]) -> f64 {
    top_k_share(xs, 1)
}

/// Whether zero holders were kept when a [`Concentration`] was computed (metrics.md pitfall 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZeroHolders {
    /// Every entry counted, zeros included ([`Concentration::of`]).
    Included,
    /// Zero entries dropped first ([`Concentration::of_nonzero`]).
    Dropped,
}

/// Every concentration metric of one vector of holdings, computed from one sorted copy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Concentration {
    /// Whether zero holders were counted.
    pub zeros: ZeroHolders,
    /// Number of holders counted (`n`).
    pub holders: usize,
    /// Sum of the holdings.
    pub total: f64,
    /// [`gini`].
    pub gini: f64,
    /// [`nakamoto`] at [`NAKAMOTO_MAJORITY`] (0.5).
    pub nakamoto_50: usize,
    /// [`nakamoto`] at [`NAKAMOTO_BFT`] (one third).
    pub nakamoto_33: usize,
    /// [`hhi`], on the 0..1 scale.
    pub hhi: f64,
    /// [`theil`], in nats.
    pub theil: f64,
    /// Shannon [`entropy`] in bits.
    pub entropy_bits: f64,
    /// Shannon [`normalized_entropy`] (`H / log n`).
    pub normalized_entropy: f64,
    /// Min-entropy in bits ([`renyi_entropy`] at `alpha = ∞`): `−log₂` of the top share.
    pub min_entropy_bits: f64,
    /// Share of the largest holder ([`max_share`]).
    pub top1_share: f64,
    /// Share of the 10 largest holders ([`top_k_share`] with `k = 10`).
    pub top10_share: f64,
}

impl Concentration {
    /// All metrics of `xs`, zeros included as given.
    ///
    /// # Panics
    ///
    /// If a holding is negative or not finite.
    pub fn of(xs: &[f64]) -> Concentration {
        Concentration::of_sorted(&Sorted::new(xs), ZeroHolders::Included)
    }

    /// All metrics of the non-zero entries of `xs` (metrics.md pitfall 2: zero-stake uids
    /// raise Gini sharply, e.g. 0.976 over all 256 uids of a subnet vs 0.963 over the 167
    /// non-zero ones).
    ///
    /// # Panics
    ///
    /// If a holding is negative or not finite.
    pub fn of_nonzero(xs: &[f64]) -> Concentration {
        let mut sorted = Sorted::new(xs);
        // Descending order: the zeros are the tail.
        let nonzero = sorted.desc.iter().take_while(|&&x| x > 0.0).count();
        sorted.desc.truncate(nonzero);
        Concentration::of_sorted(&sorted, ZeroHolders::Dropped)
    }

    fn of_sorted(s: &Sorted, zeros: ZeroHolders) -> Concentration {
        Concentration {
            zeros,
            holders: s.n(),
            total: s.total,
            gini: s.gini(),
            nakamoto_50: s.nakamoto(NAKAMOTO_MAJORITY),
            nakamoto_33: s.nakamoto(NAKAMOTO_BFT),
            hhi: s.hhi(),
            theil: s.theil(),
            entropy_bits: s.renyi(1.0, 2.0),
            normalized_entropy: s.normalized_entropy(1.0),
            min_entropy_bits: s.renyi(f64::INFINITY, 2.0),
            top1_share: s.top_k_share(1),
            top10_share: s.top_k_share(10),
        }
    }
}

/// Sums values per key and returns the sums in ascending key order (a `BTreeMap`, so the
/// order is deterministic whatever the input order).
///
/// Use it to collapse uid-level holdings to the entity that controls them, e.g. pairs
/// `(coldkey, stake)` → one stake per coldkey (metrics.md pitfall 3: one coldkey running many
/// hotkeys makes uid-level metrics understate concentration). The total is preserved up to
/// float rounding; values for one key are added in input order.
pub fn collapse<K: Ord>(values: &[(K, f64)]) -> Vec<f64> {
    let mut by_key: BTreeMap<&K, f64> = BTreeMap::new();
    for (key, value) in values {
        *by_key.entry(key).or_insert(0.0) += value;
    }
    by_key.into_values().collect()
}

/// Rolling windows over a series of per-epoch holdings: entry `t` is the element-wise sum of
/// epochs `t .. t + window`, for every full window (`series.len() − window + 1` of them, none
/// if the series is shorter than the window).
///
/// Feed each window to the metrics above for window-level values (metrics.md pitfall 5:
/// window size changes measured decentralization, so record it). Index `j` must name the
/// same holder in every epoch (collapse uids to a stable entity key first if uids are
/// replaced); a shorter epoch counts as zeros for its missing tail, and each window is as
/// long as its longest epoch. Every window is summed afresh in epoch order, so it is the same
/// bits whatever windows came before it.
///
/// # Panics
///
/// If `window` is 0.
pub fn windowed(series: &[Vec<f64>], window: usize) -> Vec<Vec<f64>> {
    assert!(window > 0, "invalid `window`: must be > 0, got `0`");
    series
        .windows(window)
        .map(|epochs| {
            let len = epochs.iter().map(Vec::len).max().unwrap_or(0);
            let mut sum = vec![0.0; len];
            for epoch in epochs {
                for (acc, x) in sum.iter_mut().zip(epoch) {
                    *acc += x;
                }
            }
            sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn effective_number_is_one_over_the_sum_of_squared_shares() {
        assert_eq!(effective_number(&[]), 0.0);
        assert_eq!(effective_number(&[0.0, 0.0]), 0.0);
        assert!(close(effective_number(&[2.0, 2.0, 2.0, 2.0]), 4.0));
        assert!(close(effective_number(&[1.0, 0.0, 0.0]), 1.0));
        // Shares 0.5, 0.25, 0.25: 1 / (0.25 + 0.0625 + 0.0625).
        assert!(close(effective_number(&[2.0, 1.0, 1.0]), 1.0 / 0.375));
    }

    #[test]
    fn gini_table() {
        let cases: &[(&[f64], f64)] = &[
            (&[], 0.0),
            (&[0.0, 0.0], 0.0),
            (&[7.0], 0.0),
            (&[5.0, 5.0, 5.0, 5.0], 0.0),
            (&[0.0, 0.0, 0.0, 1.0], 0.75),
            (&[1.0, 2.0, 3.0, 4.0, 5.0], 4.0 / 15.0),
            (&[1.0, 1.0, 3.0, 0.0, 0.0], 0.56),
            // [11, 2, −1] is read as [12, 3, 0].
            (&[11.0, 2.0, -1.0], 8.0 / 15.0),
            (&[-3.0, -3.0], 0.0),
        ];
        for &(xs, want) in cases {
            assert!(
                close(gini(xs), want),
                "gini({xs:?}) = {}, want {want}",
                gini(xs)
            );
        }
    }

    #[test]
    fn nakamoto_table() {
        let cases: &[(&[f64], f64, usize)] = &[
            (&[], 0.5, 0),
            (&[0.0, 0.0], 0.5, 0),
            (&[1.0, 2.0, 3.0], 0.5, 1), // exactly half: ≥ stops here
            (&[1.0, 2.0, 3.0, 1.0, 1.0, 1.0], 0.5, 2),
            (&[1.0, 1.0, 1.0], NAKAMOTO_BFT, 1),
            (&[1.0, 1.0, 1.0], 0.5, 2),
            (&[1.0, 1.0, 1.0, 0.0], 1.0, 3), // zeros never needed
            (&[10.0, 0.0, 0.0], 1.0, 1),
        ];
        for &(xs, t, want) in cases {
            assert_eq!(nakamoto(xs, t), want, "nakamoto({xs:?}, {t})");
        }
    }

    #[test]
    #[should_panic(expected = "invalid nakamoto `threshold`")]
    fn nakamoto_refuses_a_threshold_above_one() {
        nakamoto(&[1.0], 1.5);
    }

    #[test]
    #[should_panic(expected = "invalid `holdings[1]`: must be finite and >= 0, got `-1`")]
    fn negative_holdings_are_refused() {
        hhi(&[1.0, -1.0]);
    }

    #[test]
    #[should_panic(expected = "invalid `holdings[0]`: must be finite, got `NaN`")]
    fn gini_refuses_nan() {
        gini(&[f64::NAN]);
    }

    #[test]
    fn hhi_and_top_k() {
        assert!(close(hhi(&[1.0; 4]), 0.25));
        assert!(close(hhi_10000(&[50.0, 50.0]), 5000.0));
        assert_eq!(hhi(&[]), 0.0);
        assert_eq!(hhi(&[0.0]), 0.0);
        assert_eq!(hhi(&[0.0, 3.0]), 1.0);
        let xs = [1.0, 4.0, 2.0, 3.0];
        assert_eq!(top_k_share(&xs, 0), 0.0);
        assert!(close(top_k_share(&xs, 2), 0.7));
        assert_eq!(top_k_share(&xs, 4), 1.0);
        assert_eq!(top_k_share(&xs, 99), 1.0);
        assert!(close(max_share(&xs), 0.4));
        assert_eq!(top_k_share(&[0.1, 0.2, 0.3, 0.0], 3), 1.0);
    }

    #[test]
    fn entropy_orders() {
        let equal = [2.0; 8];
        for alpha in [0.0, 0.5, 1.0, 2.0, 3.0, f64::INFINITY] {
            assert!(
                close(renyi_entropy(&equal, alpha, 2.0), 3.0),
                "alpha {alpha}"
            );
            assert!(
                close(normalized_entropy(&equal, alpha), 1.0),
                "alpha {alpha}"
            );
            assert_eq!(renyi_entropy(&[5.0, 0.0], alpha, 2.0), 0.0);
            assert!(renyi_entropy(&[5.0, 0.0], alpha, 2.0).is_sign_positive());
            assert_eq!(renyi_entropy(&[], alpha, 2.0), 0.0);
        }
        assert!(close(entropy(&equal, std::f64::consts::E), 8f64.ln()));
        // Hartley counts the support, not the zeros.
        assert!(close(renyi_entropy(&[1.0, 1.0, 0.0, 0.0], 0.0, 2.0), 1.0));
        // Collision entropy is −log HHI.
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0];
        assert!(close(renyi_entropy(&xs, 2.0, 2.0), -hhi(&xs).log2()));
        assert_eq!(normalized_entropy(&[4.0], 1.0), 0.0);
    }

    #[test]
    #[should_panic(expected = "invalid renyi `alpha`")]
    fn renyi_refuses_negative_alpha() {
        renyi_entropy(&[1.0, 2.0], -1.0, 2.0);
    }

    #[test]
    #[should_panic(expected = "invalid entropy `base`")]
    fn entropy_refuses_base_one() {
        entropy(&[1.0, 2.0], 1.0);
    }

    #[test]
    fn theil_table() {
        assert_eq!(theil(&[]), 0.0);
        assert_eq!(theil(&[0.0, 0.0]), 0.0);
        assert_eq!(theil(&[3.0, 3.0, 3.0]), 0.0);
        assert!(close(theil(&[0.0, 0.0, 0.0, 9.0]), 4f64.ln()));
        // Zeros count in n: appending zeros raises T by ln(n'/n).
        let xs = [1.0, 2.0, 3.0];
        let padded = [1.0, 2.0, 3.0, 0.0, 0.0, 0.0];
        assert!(close(theil(&padded) - theil(&xs), 2f64.ln()));
        assert!(close(
            theil(&xs),
            3f64.ln() - entropy(&xs, std::f64::consts::E)
        ));
    }

    #[test]
    fn concentration_matches_the_functions() {
        let xs = [
            368.0, 156.0, 20.0, 0.0, 7.0, 10.0, 49.0, 0.0, 22.0, 1.0, 3.0, 2.0,
        ];
        let c = Concentration::of(&xs);
        assert_eq!(c.zeros, ZeroHolders::Included);
        assert_eq!(c.holders, 12);
        assert_eq!(c.gini, gini(&xs));
        assert_eq!(c.nakamoto_50, nakamoto(&xs, 0.5));
        assert_eq!(c.nakamoto_33, nakamoto(&xs, NAKAMOTO_BFT));
        assert_eq!(c.hhi, hhi(&xs));
        assert_eq!(c.theil, theil(&xs));
        assert_eq!(c.entropy_bits, entropy(&xs, 2.0));
        assert_eq!(c.normalized_entropy, normalized_entropy(&xs, 1.0));
        assert_eq!(c.min_entropy_bits, renyi_entropy(&xs, f64::INFINITY, 2.0));
        assert_eq!(c.top1_share, max_share(&xs));
        assert_eq!(c.top10_share, top_k_share(&xs, 10));

        let nz: Vec<f64> = xs.iter().copied().filter(|&x| x > 0.0).collect();
        let d = Concentration::of_nonzero(&xs);
        assert_eq!(d.zeros, ZeroHolders::Dropped);
        assert_eq!(d.holders, 10);
        assert_eq!(d.gini, gini(&nz));
        assert_eq!(d.theil, theil(&nz));
        assert!(d.gini < c.gini);
        assert_eq!(d.hhi, c.hhi);
        assert_eq!(d.nakamoto_50, c.nakamoto_50);
    }

    #[test]
    fn collapse_sums_per_key_in_key_order() {
        let v = [("b", 1.0), ("a", 2.0), ("b", 3.0), ("c", 0.5)];
        assert_eq!(collapse(&v), vec![2.0, 4.0, 0.5]);
        assert!(collapse::<u16>(&[]).is_empty());
    }

    #[test]
    fn windowed_sums_consecutive_epochs() {
        let series = vec![vec![1.0, 0.0], vec![2.0, 1.0], vec![3.0, 1.0, 5.0]];
        assert_eq!(windowed(&series, 1), series);
        assert_eq!(
            windowed(&series, 2),
            vec![vec![3.0, 1.0], vec![5.0, 2.0, 5.0]]
        );
        assert_eq!(windowed(&series, 3), vec![vec![6.0, 2.0, 5.0]]);
        assert!(windowed(&series, 4).is_empty());
    }

    #[test]
    #[should_panic(expected = "invalid `window`")]
    fn windowed_refuses_zero() {
        windowed(&[vec![1.0]], 0);
    }
}
