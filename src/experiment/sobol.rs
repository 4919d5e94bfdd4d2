//! Sobol low-discrepancy points (Joe & Kuo's direction numbers, `new-joe-kuo-6.21201`, first
//! 32 dimensions), scrambled deterministically: a random linear matrix scramble (lower
//! triangular over GF(2), unit diagonal) of every dimension's direction numbers plus a
//! digital shift, both drawn from a stream derived from the sweep's master seed
//! (Matoušek 1998; Owen 2003). Points are generated in Gray-code order, 32 bits each.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Dimensions with shipped direction numbers.
pub const MAX_DIMENSIONS: usize = 32;

/// `(s, a, m_1..m_s)` for dimensions 2..=32 (Joe & Kuo, `new-joe-kuo-6.21201`); dimension 1
/// is the van der Corput sequence.
const JOE_KUO: [(u32, u32, &[u32]); MAX_DIMENSIONS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
];

const BITS: usize = 32;

/// The 32 direction numbers `v_1..v_32` of dimension `dim` (0-based), as 32-bit fractions.
fn directions(dim: usize) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    if dim == 0 {
        for (i, x) in v.iter_mut().enumerate() {
            *x = 1 << (BITS - 1 - i);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for i in 0..s.min(BITS) {
        v[i] = m[i] << (BITS - 1 - i);
    }
    for i in s..BITS {
        let mut x = v[i - s] ^ (v[i - s] >> s);
        for k in 1..s {
            if (a >> (s - 1 - k)) & 1 == 1 {
                x ^= v[i - k];
            }
        }
        v[i] = x;
    }
    v
}

/// A scrambled Sobol sequence.
pub struct Sobol {
    v: Vec<[u32; BITS]>,
    x: Vec<u32>,
    n: u64,
}

impl Sobol {
    /// `dims` dimensions (at most [`MAX_DIMENSIONS`]), scrambled with `seed`; `None` if too many.
    pub fn new(dims: usize, seed: u64) -> Option<Sobol> {
        if dims > MAX_DIMENSIONS {
            return None;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut v = Vec::with_capacity(dims);
        let mut x = Vec::with_capacity(dims);
        for d in 0..dims {
            let raw = directions(d);
            // Row k of the lower-triangular matrix: output digit k (bit 31 - k) is the parity
            // of input digits 0..=k masked by the row; the diagonal is 1.
            let rows: Vec<u32> = (0..BITS)
                .map(|k| {
                    let above: u32 = if k == 0 {
                        0
                    } else {
                        rng.random::<u32>() & !(u32::MAX >> k)
                    };
                    above | (1 << (BITS - 1 - k))
                })
                .collect();
            let scramble = |y: u32| -> u32 {
                rows.iter().enumerate().fold(0u32, |out, (k, row)| {
                    out | (((row & y).count_ones() & 1) << (BITS - 1 - k))
                })
            };
            let mut sv = [0u32; BITS];
            for (i, dv) in raw.iter().enumerate() {
                sv[i] = scramble(*dv);
            }
            v.push(sv);
            x.push(rng.random::<u32>());
        }
        Some(Sobol { v, x, n: 0 })
    }

    /// The next point, each coordinate in (0, 1).
    pub fn next_point(&mut self) -> Vec<f64> {
        let out: Vec<f64> = self
            .x
            .iter()
            .map(|&x| (f64::from(x) + 0.5) / 4_294_967_296.0)
            .collect();
        // Gray code: flip the direction number of the lowest zero bit of n.
        let c = (!self.n).trailing_zeros() as usize;
        if c < BITS {
            for (x, v) in self.x.iter_mut().zip(&self.v) {
                *x ^= v[c];
            }
        }
        self.n += 1;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscrambled_directions_give_the_textbook_points() {
        // Dimension 2 (s = 1, m = 1): v_i = 2^-i + 2^-(i+1)...; its first points in Gray-code
        // order from 0 are 0, 1/2, 1/4, 3/4 (as for dimension 1).
        let d = directions(1);
        let mut x = 0u32;
        let mut pts = vec![x];
        for n in 0u32..3 {
            x ^= d[(!n).trailing_zeros() as usize];
            pts.push(x);
        }
        let f: Vec<f64> = pts
            .iter()
            .map(|&p| f64::from(p) / 4_294_967_296.0)
            .collect();
        assert_eq!(f, vec![0.0, 0.5, 0.25, 0.75]);
    }

    #[test]
    fn every_elementary_interval_holds_one_point() {
        // A (t, m, s)-net property kept by the scramble: 2^k points of one dimension fall one
        // in each interval [j / 2^k, (j + 1) / 2^k).
        let mut s = Sobol::new(8, 42).unwrap();
        let pts: Vec<Vec<f64>> = (0..64).map(|_| s.next_point()).collect();
        for d in 0..8 {
            let mut seen = [false; 64];
            for p in &pts {
                seen[(p[d] * 64.0) as usize] = true;
            }
            assert!(seen.iter().all(|x| *x), "dimension {d}");
        }
        // The first two dimensions form a (0, 2)-sequence: 64 points, one per 8 x 8 cell.
        for (a, b) in [(0, 1)] {
            let mut seen = [[false; 8]; 8];
            for p in &pts {
                seen[(p[a] * 8.0) as usize][(p[b] * 8.0) as usize] = true;
            }
            assert!(seen.iter().flatten().all(|x| *x), "dims {a} {b}");
        }
        assert!(Sobol::new(33, 1).is_none());
    }
}
