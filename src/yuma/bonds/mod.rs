//! Bonds and dividends: the one step where the Yuma variants differ.
//!
//! Everything before it (stake, permits, masks, consensus, clipping, incentive) and after it
//! (the emission split) is shared by every variant and lives in [`super::epoch`]. A variant
//! is a [`BondsModel`]: it turns last epoch's stored bonds and this epoch's bond weights into
//! new stored bonds and a dividend per validator.
//!
//! Adding a variant is one new file with a type implementing [`BondsModel`], plus its line in
//! [`VARIANTS`] so that scenarios and `yumalab replay` can name it.

pub mod yuma2;
pub mod yuma3;

use std::fmt;

use super::params::YumaParams;

/// What a bonds model reads. Matrices are dense and **row-major**: `m` rows (validators that
/// held a permit last epoch or have stored bonds) of `n` columns (uids), entry `(r, j)` at
/// index `r·n + j`. Per-column sums are best accumulated across rows with one accumulator per
/// column: those loops vectorise.
#[derive(Clone, Copy, Debug)]
pub struct BondsCtx<'a> {
    /// The instruction set to run with (see [`crate::yuma::simd::dispatch`]).
    pub isa: crate::yuma::Isa,
    /// Number of uids (columns).
    pub n: usize,
    /// Number of validator rows.
    pub m: usize,
    /// The uid of each row, ascending.
    pub rows: &'a [u16],
    /// Bond weights `W^b = W + β(Ŵ − W)` (spec §3.8).
    pub wb: &'a [f64],
    /// Whether `W^b[r, j]` is an entry of the chain's sparse row (an explicit zero counts).
    /// Filled only when [`BondsModel::needs_presence`] says so; otherwise unspecified.
    pub wb_present: &'a [bool],
    /// Last epoch's stored bonds `B⁰` as raw u16 (0 where absent, and 0 in columns registered
    /// since the last epoch).
    pub b0: &'a [u16],
    /// Active stake `A` of each row, normalised over all uids.
    pub active_stake: &'a [f64],
    /// Incentive `I`, per uid (column), normalised.
    pub incentive: &'a [f64],
    /// Consensus `c`, per uid (column).
    pub consensus: &'a [f64],
    /// `c*`, the consensus the liquid-alpha sigmoid measures weights against (spec §13.10):
    /// `consensus` itself unless [`YumaParams::liquid_alpha_consensus`] says otherwise. May be
    /// shorter than `n`: columns beyond it get no liquid-alpha rate (their bonds are dropped).
    pub liquid_consensus: &'a [f64],
    /// The subnet's parameters.
    pub params: &'a YumaParams,
}

/// What a bonds model's sparse step reads ([`BondsModel::step_sparse`]): the entries of the
/// `m × n` matrices where `W` or `B⁰` is non-zero, row by row (rows as in [`BondsCtx`]),
/// columns ascending within a row. Every other entry has `W^b = 0` and `B⁰ = 0`.
#[derive(Clone, Copy, Debug)]
pub struct SparseBondsCtx<'a> {
    /// Number of uids (columns).
    pub n: usize,
    /// Row `r`'s entries are `start[r]..start[r + 1]` (`m + 1` offsets).
    pub start: &'a [u32],
    /// The column of each entry.
    pub cols: &'a [u16],
    /// `W^b` at each entry (0 where `W` has none).
    pub wb: &'a [f64],
    /// `B⁰` at each entry as raw u16 (0 where there is none).
    pub b0: &'a [u16],
    /// Active stake `A` of each row, normalised over all uids.
    pub active_stake: &'a [f64],
    /// Incentive `I`, per uid (column), normalised.
    pub incentive: &'a [f64],
    /// The subnet's parameters.
    pub params: &'a YumaParams,
}

/// Buffers a bonds model may use, owned by the epoch workspace so nothing allocates per epoch.
/// Sized by [`BondsScratch::prepare`] before every step; contents unspecified on entry.
#[derive(Clone, Debug, Default)]
pub struct BondsScratch {
    /// `m·n`, row-major: room for the new bonds `B¹`.
    pub b1: Vec<f64>,
    /// Length `n`: four per-column vectors.
    pub cols: [Vec<f64>; 4],
    /// Per-column integer sums (sized by the model; m·65535 < 2³² for m ≤ 65536).
    pub counts: Vec<u32>,
}

impl BondsScratch {
    /// Sizes the buffers for `m` rows and `n` columns.
    pub fn prepare(&mut self, m: usize, n: usize) {
        self.b1.resize(m * n, 0.0);
        for c in &mut self.cols {
            c.resize(n, 0.0);
        }
    }
}

/// A way of computing bonds and dividends.
pub trait BondsModel: Send + Sync + fmt::Debug {
    /// The name scenarios and replay files use (`yuma2`, `yuma3`).
    fn name(&self) -> &'static str;

    /// Whether [`BondsCtx::wb_present`] must be filled (the sparse-entry semantics matter).
    fn needs_presence(&self, _params: &YumaParams) -> bool {
        false
    }

    /// Whether [`BondsModel::step_sparse`] computes this model's update for `params`.
    fn supports_sparse(&self, _params: &YumaParams) -> bool {
        false
    }

    /// [`BondsModel::step`] on the non-zero entries only, with the same bits: `stored[e]` the
    /// u16 to store at entry `e` of `ctx` (0 means none), `dividends` as for `step`. Called only
    /// when [`BondsModel::supports_sparse`] says so; the default does nothing.
    fn step_sparse(
        &self,
        _ctx: &SparseBondsCtx<'_>,
        _scratch: &mut BondsScratch,
        _stored: &mut [u16],
        _dividends: &mut [f64],
    ) {
    }

    /// One bond update.
    ///
    /// - `stored`: on exit the u16 value to store for every `(row, column)`; 0 means no entry.
    /// - `dividends`: on exit the *unnormalised* dividend of every row.
    fn step(
        &self,
        ctx: &BondsCtx<'_>,
        scratch: &mut BondsScratch,
        stored: &mut [u16],
        dividends: &mut [f64],
    );
}

/// Every bonds model yumalab knows, by name.
pub static VARIANTS: &[&dyn BondsModel] = &[&yuma2::Yuma2, &yuma3::Yuma3];

/// Looks a bonds model up by name.
pub fn variant(name: &str) -> Option<&'static dyn BondsModel> {
    VARIANTS.iter().copied().find(|m| m.name() == name)
}

/// The names in [`VARIANTS`], for error messages.
pub fn variant_names() -> Vec<&'static str> {
    VARIANTS.iter().map(|m| m.name()).collect()
}
