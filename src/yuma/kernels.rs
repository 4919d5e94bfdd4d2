//! Small numeric kernels for the epoch's row loops.
//!
//! A plain `iter().sum()` over f64 is one serial chain of adds, so it runs at the add's
//! latency (about four cycles per element). These keep sixteen independent accumulators
//! (eight SSE2 or four AVX2 registers), enough to cover that latency over a 256-entry row, so
//! the adds overlap. The summation order is fixed by the code (element `k` goes to accumulator
//! `k mod 16`, which are then folded pairwise), so results are deterministic and the same for
//! every instruction set (see [`super::simd`]); they can differ from a serial sum in the last
//! bits, which is well inside the chain's own fixed-point error.
//!
//! They are `#[inline(always)]`: the epoch's [`super::simd::Kernel`]s inline them, so they are
//! compiled for each instruction set the epoch runs with.

/// Number of independent accumulators.
const LANES: usize = 16;

/// Folds the accumulators pairwise (a fixed order).
#[inline(always)]
fn fold(mut acc: [f64; LANES]) -> f64 {
    let mut width = LANES / 2;
    while width > 0 {
        for t in 0..width {
            acc[t] += acc[t + width];
        }
        width /= 2;
    }
    acc[0]
}

/// The last `xs.len() < LANES` values, padded with zeros to a whole chunk.
///
/// Adding the padding's `+0.0` (or `0·0`) to an accumulator changes nothing: accumulators
/// start at `+0.0` and so are never `−0.0` (round-to-nearest gives `+0.0` for every exact
/// cancellation). Treating the tail as one more whole chunk keeps every loop a whole-chunk
/// loop, which the compiler maps onto whole vector registers (a per-element tail would make
/// it split the accumulators across registers).
#[inline(always)]
fn padded(xs: &[f64]) -> [f64; LANES] {
    let mut c = [0.0; LANES];
    c[..xs.len()].copy_from_slice(xs);
    c
}

/// Σ xs.
#[inline(always)]
pub fn sum(xs: &[f64]) -> f64 {
    #[inline(always)]
    fn add(acc: &mut [f64; LANES], c: &[f64]) {
        for t in 0..LANES {
            acc[t] += c[t];
        }
    }
    let mut acc = [0.0_f64; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = padded(chunks.remainder());
    for c in chunks {
        add(&mut acc, c);
    }
    add(&mut acc, &rest);
    fold(acc)
}

/// Σ a_k·b_k over the common length.
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    #[inline(always)]
    fn add(acc: &mut [f64; LANES], x: &[f64], y: &[f64]) {
        for t in 0..LANES {
            acc[t] += x[t] * y[t];
        }
    }
    let mut acc = [0.0_f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (padded(ca.remainder()), padded(cb.remainder()));
    for (x, y) in ca.zip(cb) {
        add(&mut acc, x, y);
    }
    add(&mut acc, &ra, &rb);
    fold(acc)
}

/// [`sum`] of a row given by its entries `(k, x_k)`, `k` ascending, every other entry being
/// `+0.0`: the same accumulators in the same order (a missing `+0.0` changes no accumulator,
/// see [`padded`]), so the same bits at a cost that follows the number of entries.
#[inline(always)]
pub fn sum_sparse(entries: impl Iterator<Item = (usize, f64)>) -> f64 {
    let mut acc = [0.0_f64; LANES];
    for (k, x) in entries {
        acc[k % LANES] += x;
    }
    fold(acc)
}

/// [`dot`] of a row given by its entries `(k, a_k)`, `k` ascending and below `b.len()`, with a
/// dense `b`, every other `a_k` being `+0.0` and `b` finite: the same bits as `dot` on the
/// dense row (a missing `0·b_k` is a zero added to an accumulator that is never `−0.0`).
#[inline(always)]
pub fn dot_sparse(entries: impl Iterator<Item = (usize, f64)>, b: &[f64]) -> f64 {
    let mut acc = [0.0_f64; LANES];
    for (k, x) in entries {
        acc[k % LANES] += x * b[k];
    }
    fold(acc)
}

/// max(xs) for non-negative values (0 for an empty slice). The maximum does not depend on
/// the order, so this one needs no care about it.
#[inline(always)]
pub fn max_nonneg(xs: &[f64]) -> f64 {
    #[inline(always)]
    fn max(acc: &mut [f64; LANES], c: &[f64]) {
        for t in 0..LANES {
            // A comparison, not `f64::max` (no NaNs here; its NaN rule costs instructions).
            acc[t] = if c[t] > acc[t] { c[t] } else { acc[t] };
        }
    }
    let mut acc = [0.0_f64; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = padded(chunks.remainder());
    for c in chunks {
        max(&mut acc, c);
    }
    max(&mut acc, &rest);
    acc.iter().fold(0.0, |m, x| if *x > m { *x } else { m })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yuma::simd::{self, Isa, Kernel};
    use proptest::prelude::*;

    /// Σ, Σ·, max of one input, as one kernel (compiled per instruction set).
    struct All<'a>(&'a [f64], &'a [f64]);

    impl Kernel for All<'_> {
        type Output = [u64; 3];
        #[inline(always)]
        fn run(self) -> [u64; 3] {
            [sum(self.0), dot(self.0, self.1), max_nonneg(self.0)].map(f64::to_bits)
        }
    }

    proptest! {
        /// Every instruction set gives the portable bits, at every length (tails included).
        #[test]
        fn kernels_give_the_same_bits_on_every_instruction_set(
            a in prop::collection::vec(0.0f64..1e6, 0..100),
            b in prop::collection::vec(0.0f64..1.0, 0..100),
        ) {
            let want = simd::dispatch(Isa::Portable, All(&a, &b));
            for isa in Isa::available() {
                prop_assert_eq!(simd::dispatch(isa, All(&a, &b)), want, "{}", isa.name());
            }
        }

        /// The sparse forms give the dense forms' bits on rows with many zeros.
        #[test]
        fn sparse_kernels_match_the_dense_bits(
            a in prop::collection::vec(prop_oneof![3 => Just(0.0f64), 1 => 0.0f64..1e6], 0..100),
            b in prop::collection::vec(0.0f64..1e3, 100),
        ) {
            let entries = || a.iter().copied().enumerate().filter(|e| e.1 != 0.0);
            prop_assert_eq!(sum_sparse(entries()).to_bits(), sum(&a).to_bits());
            prop_assert_eq!(dot_sparse(entries(), &b).to_bits(), dot(&a, &b).to_bits());
        }
    }

    #[test]
    fn kernels_agree_with_the_plain_definitions() {
        // Small integers: every order of summation is exact.
        for len in 0..40 {
            let a: Vec<f64> = (0..len).map(|k| f64::from(k) * 0.5 + 1.0).collect();
            let b: Vec<f64> = (0..len).map(|k| f64::from(len - k)).collect();
            assert_eq!(sum(&a), a.iter().sum::<f64>());
            assert_eq!(
                dot(&a, &b),
                a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>()
            );
            assert_eq!(max_nonneg(&a), a.iter().copied().fold(0.0, f64::max));
        }
    }
}
