//! Classic bonds ("Yuma 2"), the chain's path when `Yuma3On` is false (spec §3.9a).
//!
//! Bonds are relative: `B¹ = colnorm(a·colnorm(W^b·A) + (1−a)·colnorm(B⁰))`, dividends are
//! `D = B¹ I`, and the stored value is each column scaled to its maximum (65 535). Liquid alpha
//! has no effect here, as on the chain.
//!
//! Every step is local to one column, so the update runs column by column with the column in
//! L1: the column sums of `B⁰` and `W^b·A` give the two normalisation factors, then `B¹` with
//! its sum and maximum, then the column's share of every dividend and its stored values.

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
        scratch: &mut BondsScratch,
        stored: &mut [u16],
        dividends: &mut [f64],
    ) {
        let (m, n) = (ctx.m, ctx.n);
        let a = ctx.params.ema_alpha();
        let stake = &ctx.active_stake[..m];
        let b1 = &mut scratch.col[..m];
        dividends[..m].fill(0.0);
        let cols = ctx.b0.chunks_exact(m).zip(ctx.wb.chunks_exact(m));
        for (j, (b0, wb)) in cols.enumerate() {
            // B⁰ as numbers (its scale cancels in the normalisation), and Σ B⁰.
            for (b, &o) in b1.iter_mut().zip(b0) {
                *b = f64::from(o);
            }
            let sum_b0 = kernels::sum(b1);
            let sum_delta = kernels::dot(wb, stake);
            let f_old = if sum_b0 != 0.0 {
                (1.0 - a) / sum_b0
            } else {
                0.0
            };
            let f_new = if sum_delta != 0.0 { a / sum_delta } else { 0.0 };
            // B¹ (before its own normalisation), then its sum and maximum.
            for ((b, w), s) in b1.iter_mut().zip(wb).zip(stake) {
                *b = f_old * *b + f_new * (w * s);
            }
            let sum = kernels::sum(b1);
            let g = if sum != 0.0 {
                ctx.incentive[j] / sum
            } else {
                0.0
            };
            let max = kernels::max_nonneg(b1);
            // D_r += B¹_rj/ΣB¹_j · I_j.
            for (d, b) in dividends.iter_mut().zip(b1.iter()) {
                *d += b * g;
            }
            // Stored ⌊65535·B¹/max⌋, with one multiply instead of a division per entry (a
            // division costs several multiplies); the maximum itself is pinned to exactly
            // 65535, which the rounded factor could miss by one step.
            let up = if max > 0.0 { 65535.0 / max } else { 0.0 };
            for (st, &b) in stored[j..].iter_mut().step_by(n).zip(b1.iter()) {
                *st = if b == max && max > 0.0 {
                    u16::MAX
                } else {
                    (b * up) as u16
                };
            }
        }
    }
}
