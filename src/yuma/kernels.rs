//! Small numeric kernels for the epoch's column loops.
//!
//! A plain `iter().sum()` over f64 is one serial chain of adds, so it runs at the add's
//! latency (about four cycles per element). These keep four independent accumulators, which
//! lets the adds overlap. The summation order is fixed, so results are deterministic; they can
//! differ from a serial sum in the last bits, which is well inside the chain's own fixed-point
//! error.

/// Σ xs, four accumulators.
#[inline]
pub fn sum(xs: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..4 {
            acc[t] += c[t];
        }
    }
    for (t, x) in rest.iter().enumerate() {
        acc[t] += x;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Σ a_k·b_k, four accumulators.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for t in 0..4 {
            acc[t] += x[t] * y[t];
        }
    }
    for (t, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[t] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// max(xs) for non-negative values (0 for an empty slice), four accumulators.
#[inline]
pub fn max_nonneg(xs: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..4 {
            acc[t] = acc[t].max(c[t]);
        }
    }
    for (t, x) in rest.iter().enumerate() {
        acc[t] = acc[t].max(*x);
    }
    acc[0].max(acc[1]).max(acc[2].max(acc[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_the_plain_definitions() {
        for len in 0..13 {
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
