//! Classic bonds ("Yuma 2"), the chain's path when `Yuma3On` is false (spec §3.9a).
//!
//! Bonds are relative: `B¹ = colnorm(a·colnorm(W^b·A) + (1−a)·colnorm(B⁰))`, dividends are
//! `D = B¹ I`, and the stored value is each column scaled to its maximum (65 535). Liquid alpha
//! has no effect here, as on the chain.
//!
//! The column normalisations are folded into per-column factors, so the update is three passes
//! over the matrix: column sums of `B⁰` and `W^b·A`; `B¹` with its column sums and maxima;
//! dividends and the stored values.

use super::{BondsCtx, BondsModel, BondsScratch};
use crate::yuma::kernels;

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
        let m = ctx.m;
        let a = ctx.params.ema_alpha();
        let stake = &ctx.active_stake[..m];
        let cols = bonds.chunks_exact_mut(m).zip(ctx.wb.chunks_exact(m));
        for (j, (b0, wb)) in cols.enumerate() {
            // Pass 1: Σ B⁰ and Σ W^b·A of this column.
            let sum_b0 = kernels::sum(b0);
            let sum_delta = kernels::dot(wb, stake);
            let f_old = if sum_b0 != 0.0 {
                (1.0 - a) / sum_b0
            } else {
                0.0
            };
            let f_new = if sum_delta != 0.0 { a / sum_delta } else { 0.0 };
            // Pass 2: B¹ (before its own normalisation), then its sum and maximum.
            for ((b, w), s) in b0.iter_mut().zip(wb).zip(stake) {
                *b = f_old * *b + f_new * (w * s);
            }
            let sum = kernels::sum(b0);
            scratch.col[j] = if sum != 0.0 {
                ctx.incentive[j] / sum
            } else {
                0.0
            };
            scratch.col2[j] = kernels::max_nonneg(b0);
        }
        // Pass 3: D_r = Σ_j B¹_rj/ΣB¹_j · I_j, and stored = ⌊65535·B¹/max B¹_j⌋.
        dividends[..m].fill(0.0);
        for (j, (b1, st)) in bonds
            .chunks_exact(m)
            .zip(stored.chunks_exact_mut(m))
            .enumerate()
        {
            let (g, max) = (scratch.col[j], scratch.col2[j]);
            for ((d, b), s) in dividends.iter_mut().zip(b1).zip(st.iter_mut()) {
                *d += b * g;
                // Divide, not multiply by 1/max: the column maximum must map to exactly 65535.
                *s = if max > 0.0 {
                    crate::yuma::fixed::u16_proportion(b / max)
                } else {
                    0
                };
            }
        }
    }
}
