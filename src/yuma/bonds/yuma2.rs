//! Classic bonds ("Yuma 2"), the chain's path when `Yuma3On` is false (spec §3.9a).
//!
//! Bonds are relative: `B¹ = colnorm(a·colnorm(W^b·A) + (1−a)·colnorm(B⁰))`, dividends are
//! `D = B¹ I`, and the stored value is each column scaled to its maximum (65 535). Liquid alpha
//! has no effect here, as on the chain.
//!
//! The column normalisations are folded into per-column factors, so the update is three passes
//! over the (row-major) matrices, each accumulating per-column vectors across rows: the column
//! sums of `B⁰` and `W^b·A`; `B¹` with its column sums and maxima; dividends and the stored
//! values.

use super::{BondsCtx, BondsModel, BondsScratch};
use crate::yuma::fixed::floor_u16;
use crate::yuma::kernels;
use crate::yuma::simd::{self, Kernel};

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
        simd::dispatch(
            ctx.isa,
            Step {
                ctx,
                scratch,
                stored,
                dividends,
            },
        );
    }
}

/// [`step`] as a [`Kernel`].
struct Step<'a, 'c> {
    ctx: &'a BondsCtx<'c>,
    scratch: &'a mut BondsScratch,
    stored: &'a mut [u16],
    dividends: &'a mut [f64],
}

impl Kernel for Step<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        step(self.ctx, self.scratch, self.stored, self.dividends);
    }
}

/// [`BondsModel::step`], compiled for each instruction set (see [`simd::dispatch`]).
#[inline(always)]
fn step(ctx: &BondsCtx<'_>, scratch: &mut BondsScratch, stored: &mut [u16], dividends: &mut [f64]) {
    let n = ctx.n;
    let a = ctx.params.ema_alpha();
    let rows = || {
        ctx.b0
            .chunks_exact(n)
            .zip(ctx.wb.chunks_exact(n))
            .zip(ctx.active_stake)
    };
    let [f_old, f_new, sum, max] = &mut scratch.cols;
    let b1 = &mut scratch.b1;
    // Pass 1: Σ B⁰ (in u32: exact as m·65535 < 2³², and four to a register) and Σ W^b·A per column
    // (one accumulator per column, across rows), turned into the two normalisation
    // factors.
    let sum_b0 = &mut scratch.counts;
    sum_b0.clear();
    sum_b0.resize(n, 0);
    f_new.fill(0.0);
    for ((b0, wb), &s) in rows() {
        for ((o, &b), (d, &w)) in sum_b0.iter_mut().zip(b0).zip(f_new.iter_mut().zip(wb)) {
            *o += u32::from(b);
            *d += w * s;
        }
    }
    for ((fo, &o), d) in f_old.iter_mut().zip(sum_b0.iter()).zip(f_new.iter_mut()) {
        *fo = if o != 0 {
            (1.0 - a) / f64::from(o)
        } else {
            0.0
        };
        *d = if *d != 0.0 { a / *d } else { 0.0 };
    }
    // Pass 2: B¹ (before its own normalisation), with its column sums and maxima.
    sum.fill(0.0);
    max.fill(0.0);
    for (((b0, wb), &s), b1) in rows().zip(b1.chunks_exact_mut(n)) {
        let cols = b1
            .iter_mut()
            .zip(b0)
            .zip(wb)
            .zip(f_old.iter())
            .zip(f_new.iter());
        for (((((x, &b), &w), &fo), &fd), (sm, mx)) in cols.zip(sum.iter_mut().zip(max.iter_mut()))
        {
            *x = fo * f64::from(b) + fd * (w * s);
            *sm += *x;
            // A comparison, not `f64::max` (no NaNs here; its NaN rule costs instructions).
            *mx = if *x > *mx { *x } else { *mx };
        }
    }
    // Per column: the dividend factor g_j = I_j / ΣB¹_j (into `f_old`) and the upscaling
    // factor 65535 / max_j (into `f_new`). Stored ⌊65535·B¹/max⌋ then takes one multiply
    // per entry instead of a division (which costs several); the maximum itself is pinned
    // to exactly 65535, which the rounded factor could miss by one step (`max` becomes
    // −1 in an all-zero column, so nothing there is pinned).
    for ((((g, up), s), mx), i) in f_old
        .iter_mut()
        .zip(f_new.iter_mut())
        .zip(sum.iter())
        .zip(max.iter_mut())
        .zip(ctx.incentive)
    {
        *g = if *s != 0.0 { i / s } else { 0.0 };
        *up = if *mx > 0.0 { 65535.0 / *mx } else { 0.0 };
        if *mx <= 0.0 {
            *mx = -1.0;
        }
    }
    // Pass 3: D_r = Σ_j B¹_rj·g_j, and the stored values (one loop that vectorises).
    for ((b1, st), d) in b1
        .chunks_exact(n)
        .zip(stored.chunks_exact_mut(n))
        .zip(dividends.iter_mut())
    {
        *d = kernels::dot(b1, f_old);
        for (((s, &x), &up), &pin) in st.iter_mut().zip(b1).zip(f_new.iter()).zip(max.iter()) {
            *s = floor_u16(if x == pin { 65535.0 } else { x * up });
        }
    }
}
