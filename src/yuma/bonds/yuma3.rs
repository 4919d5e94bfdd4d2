//! Yuma3 bonds, the chain's path when `Yuma3On` is true (the default for new subnets; spec
//! §3.9b).
//!
//! Bonds are absolute values in `[0, 1]`, an EMA of the bond weights themselves. With liquid
//! alpha on, each `(validator, miner)` entry gets its own EMA rate from a sigmoid of how far the
//! weight sits above consensus (when buying) or below the bond (when selling), and, as in the
//! chain's sparse code, a bond whose column is absent from the validator's weight row is
//! dropped to zero rather than decayed. Dividends are `D_i = A_i · Σ_j B̄_ij I_j` with `B̄` the
//! column-normalised bonds.
//!
//! Convention: the EMA rate (`a`, or `α_ij` with liquid alpha) is the weight on the **new**
//! bond weight, as on the chain: `B¹ = α·W^b + (1 − α)·B⁰`.

use super::{BondsCtx, BondsModel, BondsScratch, SparseBondsCtx};
use crate::yuma::fixed::{from_u16_proportion, u16_proportion};
use crate::yuma::params::LiquidAlpha;
use crate::yuma::simd::{self, Kernel};

/// The Yuma3 bonds model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Yuma3;

/// The liquid-alpha EMA rate of one entry (the chain's `alpha_sigmoid`), for weight `w`,
/// previous bond `b` and consensus `c`, with `alpha_low`/`alpha_high` as fractions.
#[inline]
pub fn liquid_alpha_rate(w: f64, b: f64, c: f64, lo: f64, hi: f64, steepness: f64) -> f64 {
    rate_of_diff(liquid_diff(w, b, c), lo, hi, steepness)
}

/// How far the weight sits above consensus (buying) or below the bond (selling), in [0, 1].
#[inline(always)]
fn liquid_diff(w: f64, b: f64, c: f64) -> f64 {
    if w >= b {
        (w - c).clamp(0.0, 1.0)
    } else {
        (b - w).clamp(0.0, 1.0)
    }
}

/// The sigmoid rate for a given [`liquid_diff`].
#[inline]
fn rate_of_diff(diff: f64, lo: f64, hi: f64, steepness: f64) -> f64 {
    let z = (-(steepness / 100.0) * (diff - 0.5)).clamp(-20.0, 20.0);
    let sigmoid = 1.0 / (1.0 + z.exp());
    // max/min rather than clamp: clamp panics if a caller passes lo > hi.
    (lo + sigmoid * (hi - lo)).max(lo).min(hi)
}

impl BondsModel for Yuma3 {
    fn name(&self) -> &'static str {
        "yuma3"
    }

    fn needs_presence(&self, params: &crate::yuma::YumaParams) -> bool {
        params.liquid_alpha.is_some()
    }

    fn supports_sparse(&self, params: &crate::yuma::YumaParams) -> bool {
        params.liquid_alpha.is_none()
    }

    fn step_sparse(
        &self,
        ctx: &SparseBondsCtx<'_>,
        scratch: &mut BondsScratch,
        stored: &mut [u16],
        dividends: &mut [f64],
    ) {
        step_sparse(ctx, scratch, stored, dividends);
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
    let liquid = ctx
        .params
        .liquid_alpha
        .filter(|_| ctx.consensus[..n].iter().any(|c| *c != 0.0));
    let a = ctx.params.ema_alpha();
    let keep = (1.0 - a) / 65535.0; // B⁰ arrives as raw u16 numbers
    let [sum, g, rate, _] = &mut scratch.cols;
    let b1 = &mut scratch.b1;
    // Pass 1, row by row: B¹, its column sums, and the stored values (the absolute bonds,
    // not max-upscaled).
    sum.fill(0.0);
    let rows = ctx.b0.chunks_exact(n).zip(ctx.wb.chunks_exact(n));
    for (r, ((b0, wb), (b1, st))) in rows
        .zip(b1.chunks_exact_mut(n).zip(stored.chunks_exact_mut(n)))
        .enumerate()
    {
        if let Some(la) = liquid {
            // A multiply by the reciprocal rather than a division per entry (a division
            // costs several multiplies; the last bit does not matter here).
            for (x, &o) in b1.iter_mut().zip(b0) {
                *x = f64::from(o) * (1.0 / 65535.0);
            }
            let present = &ctx.wb_present[r * n..][..n];
            ema_liquid(la, ctx.liquid_consensus, wb, present, b1, rate);
            for ((s, &x), v) in sum.iter_mut().zip(b1.iter()).zip(st.iter_mut()) {
                *s += x;
                *v = u16_proportion(x);
            }
        } else {
            // One fused loop: B¹ = a·W^b + (1 − a)·B⁰, its sum, its stored value.
            let cols = b1.iter_mut().zip(wb).zip(b0).zip(sum.iter_mut());
            for ((((x, &w), &o), s), v) in cols.zip(st.iter_mut()) {
                *x = a * w + keep * f64::from(o);
                *s += *x;
                *v = u16_proportion(*x);
            }
        }
    }
    // Pass 2: dividends use column-normalised bonds: t_r = Σ_j B¹_rj/ΣB¹_j · I_j, then
    // D_r = t_r·A_r.
    for ((g, s), i) in g.iter_mut().zip(sum.iter()).zip(ctx.incentive) {
        *g = if *s != 0.0 { i / s } else { 0.0 };
    }
    for ((d, b1), a) in dividends
        .iter_mut()
        .zip(b1.chunks_exact(n))
        .zip(ctx.active_stake)
    {
        *d = crate::yuma::kernels::dot(b1, g) * a;
    }
}

/// [`step`] without liquid alpha on the entries of `ctx` only. Every missing entry has
/// `W^b = B⁰ = 0`, so the dense step gives it `B¹ = a·0 + (1 − a)·0 = +0`, adds that zero to
/// its column sum, stores nothing and adds `0·g` to its row's dividend; the entries present
/// take the dense step's operations, and sums the same order (rows ascending for a column
/// sum, [`crate::yuma::kernels::dot_sparse`] for a row), so the bits are the same.
fn step_sparse(
    ctx: &SparseBondsCtx<'_>,
    scratch: &mut BondsScratch,
    stored: &mut [u16],
    dividends: &mut [f64],
) {
    let n = ctx.n;
    let a = ctx.params.ema_alpha();
    let keep = (1.0 - a) / 65535.0;
    let [sum, g, _, _] = &mut scratch.cols;
    let entries = ctx.cols.len();
    let b1 = &mut scratch.b1[..entries];
    sum[..n].fill(0.0);
    for ((((x, &w), &o), &j), v) in b1
        .iter_mut()
        .zip(ctx.wb)
        .zip(ctx.b0)
        .zip(ctx.cols)
        .zip(stored.iter_mut())
    {
        *x = a * w + keep * f64::from(o);
        sum[usize::from(j)] += *x;
        *v = u16_proportion(*x);
    }
    for ((g, s), i) in g.iter_mut().zip(sum.iter()).zip(ctx.incentive) {
        *g = if *s != 0.0 { i / s } else { 0.0 };
    }
    for (r, (d, a)) in dividends.iter_mut().zip(ctx.active_stake).enumerate() {
        let (s, e) = (ctx.start[r] as usize, ctx.start[r + 1] as usize);
        let row = ctx.cols[s..e].iter().zip(&b1[s..e]);
        *d = crate::yuma::kernels::dot_sparse(row.map(|(&j, &x)| (usize::from(j), x)), g) * a;
    }
}

/// The chain's `mat_ema_alpha_sparse` on one column-major matrix of `m` rows:
/// `B¹ = min(1, (1−α)·B⁰ + max(0, α·W))` on entries present in `W`, with `α` from
/// `alpha(column, w, b_old)`; entries absent from `W` become 0 (they are dropped, not
/// decayed). `bonds` holds `B⁰` as fractions on entry and `B¹` on exit.
pub fn ema_alpha_sparse(
    m: usize,
    w: &[f64],
    present: &[bool],
    bonds: &mut [f64],
    mut alpha: impl FnMut(usize, f64, f64) -> f64,
) {
    let cols = bonds
        .chunks_exact_mut(m)
        .zip(w.chunks_exact(m))
        .zip(present.chunks_exact(m));
    for (j, ((bcol, wcol), pcol)) in cols.enumerate() {
        for ((b, &w), &present) in bcol.iter_mut().zip(wcol).zip(pcol) {
            if !present {
                *b = 0.0;
                continue;
            }
            let old = *b;
            if old == 0.0 && w == 0.0 {
                continue; // every rate gives 0; skip the sigmoid
            }
            let a = alpha(j, w, old);
            *b = ((1.0 - a) * old + (a * w).max(0.0)).min(1.0);
        }
    }
}

/// Liquid-alpha EMA on one row, with the consensus `c` of each column (`c*` of §13.10): per-entry
/// rates from [`liquid_alpha_rate`], then [`ema_alpha_sparse`]'s update (same values), written
/// as three plain loops so that the first and last vectorise. `b` holds `B⁰` as fractions on
/// entry and `B¹` on exit; `rate` is scratch of the row's length. Columns beyond `c` (a
/// previous consensus shorter than the row) get no rate, and their bonds become 0, as the
/// chain's sparse EMA drops entries it has no rate for.
#[inline(always)]
fn ema_liquid(
    la: LiquidAlpha,
    c: &[f64],
    wb: &[f64],
    present: &[bool],
    b: &mut [f64],
    rate: &mut [f64],
) {
    let lo = crate::yuma::fixed::to_i32f32(from_u16_proportion(la.alpha_low));
    let hi = crate::yuma::fixed::to_i32f32(from_u16_proportion(la.alpha_high));
    let steep = f64::from(la.steepness);
    let mut any = false;
    for (((d, &w), &old), &cj) in rate.iter_mut().zip(wb).zip(b.iter()).zip(c) {
        *d = liquid_diff(w, old, cj);
        any |= *d != 0.0;
    }
    // With β = 1 the bond weights never exceed consensus, so a buying entry's diff is 0: that
    // rate is computed once instead of one `exp` per entry (same inputs, same value). A row
    // where every diff is 0 (a settled row) is then one fill that vectorises; the others
    // take the `exp` entry by entry.
    let at_zero = rate_of_diff(0.0, lo, hi, steep);
    if any {
        for r in rate.iter_mut() {
            *r = if *r == 0.0 {
                at_zero
            } else {
                rate_of_diff(*r, lo, hi, steep)
            };
        }
    } else {
        rate.fill(at_zero);
    }
    // `ema_alpha_sparse` skips entries with old = w = 0, whose update is 0 anyway.
    for (((x, &w), &p), &a) in b.iter_mut().zip(wb).zip(present).zip(rate.iter()) {
        let v = ((1.0 - a) * *x + (a * w).max(0.0)).min(1.0);
        *x = if p { v } else { 0.0 };
    }
    if c.len() < b.len() {
        b[c.len()..].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_point_matches_the_first_yuma3_bond() {
        // vector liquid_alpha_sigmoid_point: c = w = 1, b = 0, (0.1, 0.3) stored as u16.
        let lo = 6553.0 / 65535.0;
        let hi = 19660.0 / 65535.0;
        let a = liquid_alpha_rate(1.0, 0.0, 1.0, lo, hi, 1000.0);
        assert!((a - 0.10134).abs() < 1e-5, "{a}");
    }

    #[test]
    fn selling_far_below_the_bond_uses_the_high_rate() {
        // d = 1: z = -10·0.5 = -5, σ = 1/(1+e^-5) = 0.99331, α = 0.1 + 0.2·σ = 0.29866.
        let a = liquid_alpha_rate(0.0, 1.0, 0.0, 0.1, 0.3, 1000.0);
        assert!((a - 0.298_66).abs() < 1e-5, "{a}");
    }
}
