//! Small numeric kernels for the epoch's row loops.
//!
//! A plain `iter().sum()` over f64 is one serial chain of adds, so it runs at the add's
//! latency (about four cycles per element). These keep sixteen independent accumulators
//! (eight SSE2 registers), enough to cover that latency over a 256-entry row, so the adds
//! overlap. The summation order is fixed by the code, so results are deterministic; they can
//! differ from a serial sum in the last bits, which is well inside the chain's own fixed-point
//! error.

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

/// Σ xs.
#[inline]
pub fn sum(xs: &[f64]) -> f64 {
    let mut acc = [0.0_f64; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..LANES {
            acc[t] += c[t];
        }
    }
    for (t, x) in rest.iter().enumerate() {
        acc[t] += x;
    }
    fold(acc)
}

/// Σ a_k·b_k.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0_f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for t in 0..LANES {
            acc[t] += x[t] * y[t];
        }
    }
    for (t, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[t] += x * y;
    }
    fold(acc)
}

/// max(xs) for non-negative values (0 for an empty slice). The maximum does not depend on
/// the order, so this one needs no care about it.
#[inline]
pub fn max_nonneg(xs: &[f64]) -> f64 {
    let mut acc = [0.0_f64; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..LANES {
            // A comparison, not `f64::max` (no NaNs here; its NaN rule costs instructions).
            acc[t] = if c[t] > acc[t] { c[t] } else { acc[t] };
        }
    }
    for (t, x) in rest.iter().enumerate() {
        acc[t] = if *x > acc[t] { *x } else { acc[t] };
    }
    acc.iter().fold(0.0, |m, x| if *x > m { *x } else { m })
}

#[cfg(test)]
mod tests {
    use super::*;

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
