//! Classic bonds ("Yuma 2"), the chain's path when `Yuma3On` is false (spec §3.9a).
//!
//! Bonds are relative: each column is normalised before and after an EMA with the stake-weighted
//! bond weights, dividends are `D = B¹ I`, and the stored value is each column scaled to its
//! maximum (65 535). Liquid alpha has no effect here, as on the chain.

use super::{BondsCtx, BondsModel, BondsScratch, col_normalize};

/// The classic bonds model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Yuma2;

impl BondsModel for Yuma2 {
    fn name(&self) -> &'static str {
        "yuma2"
    }

    fn step(
        &self,
        ctx: &BondsCtx<'_>,
        bonds: &mut [f64],
        scratch: &mut BondsScratch,
        stored: &mut [u16],
        dividends: &mut [f64],
    ) {
        let n = ctx.n;
        let a = ctx.params.ema_alpha();
        // 1. B⁰ as raw u16 numbers, column-normalised.
        col_normalize(bonds, n, &mut scratch.col);
        // 2. ΔB = W^b · A (row-wise), column-normalised.
        let delta = &mut scratch.mat;
        for ((drow, wrow), &uid) in delta
            .chunks_exact_mut(n)
            .zip(ctx.wb.chunks_exact(n))
            .zip(ctx.rows)
        {
            let s = ctx.active_stake[usize::from(uid)];
            for (d, w) in drow.iter_mut().zip(wrow) {
                *d = w * s;
            }
        }
        col_normalize(delta, n, &mut scratch.col);
        // 3-4. B¹ = a·ΔB + (1−a)·B⁰, column-normalised.
        for (b, d) in bonds.iter_mut().zip(delta.iter()) {
            *b = a * d + (1.0 - a) * *b;
        }
        col_normalize(bonds, n, &mut scratch.col);
        // 5. D = B¹ I.
        for (div, brow) in dividends.iter_mut().zip(bonds.chunks_exact(n)) {
            *div = brow.iter().zip(ctx.incentive).map(|(b, i)| b * i).sum();
        }
        // 6. Store: each column scaled to its maximum, then ⌊65535·x⌋.
        let colmax = &mut scratch.col;
        colmax[..n].fill(0.0);
        for brow in bonds.chunks_exact(n) {
            for (m, b) in colmax.iter_mut().zip(brow) {
                *m = m.max(*b);
            }
        }
        for (srow, brow) in stored.chunks_exact_mut(n).zip(bonds.chunks_exact(n)) {
            for ((s, b), m) in srow.iter_mut().zip(brow).zip(colmax.iter()) {
                *s = if *m > 0.0 {
                    crate::yuma::fixed::u16_proportion(b / m)
                } else {
                    0
                };
            }
        }
    }
}
