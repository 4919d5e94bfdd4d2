//! The epoch's sparse path: consensus, clipping, ranks, trust and bonds over the entries that
//! carry a weight or a bond, for subnets where validators submit a handful of weights
//! (winner-takes-all) and the dense `m × n` passes would mostly multiply zeros.
//!
//! [`super::epoch`] fills the raw u16 weights and stored bonds densely (cheap: u16 rows, a
//! zeroing and a copy) and, when the bonds model has a sparse step
//! ([`super::bonds::BondsModel::supports_sparse`]: Yuma3 without liquid alpha) and the rows'
//! submitted weight and bond entries (an upper bound on the non-zero cells) number at most a
//! quarter of the cells ([`EpochPath::Auto`]), runs the steps below instead of the dense ones.
//! Their cost follows the number of entries, plus one vectorised u16 pass over the rows to
//! find them (a bit mask per 16 cells).
//!
//! **Same bits as the dense path.** A missing entry has `W = 0` and `B⁰ = 0`, and in every
//! dense step such a cell contributes an exact `+0.0`: its clipped weight `min(0, c) = 0`, its
//! rank term `A·0`, its bond `a·0 + (1 − a)·0`, its dividend term `0·g`. Adding `+0.0` to a
//! sum that starts at `+0.0` changes nothing, so skipping those cells, while every present
//! entry takes the dense step's operations in the dense step's order (column sums over rows
//! ascending, row sums through [`super::kernels::sum_sparse`] and
//! [`super::kernels::dot_sparse`], which keep the dense kernels' accumulators), gives the
//! same bits. The κ median is defined by exact integer masses, so
//! [`MedianBuf::quantiles_sparse`] finds the dense routine's value. The property test
//! `sparse_and_dense_epochs_are_bit_identical` (`tests/it/epoch.rs`) checks whole epochs.

use super::bonds::{BondsModel, BondsScratch, SparseBondsCtx};
use super::epoch::SparseRow;
use super::kernels;
use super::median::MedianBuf;
use super::params::YumaParams;

/// Which matrix path an epoch takes (every choice gives the same bytes; see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EpochPath {
    /// Sparse when the bonds model has a sparse step and the rows' submitted weight and bond
    /// entries number at most a quarter of the cells; dense otherwise.
    #[default]
    Auto,
    /// Always the dense passes.
    Dense,
    /// Sparse whenever the bonds model has a sparse step (tests use this to compare the
    /// paths on dense subnets too).
    Sparse,
}

impl EpochPath {
    /// The largest number of non-zero cells out of `cells` for which this path goes sparse.
    pub(super) fn limit(self, cells: usize) -> Option<usize> {
        match self {
            EpochPath::Auto => Some(cells / 4),
            EpochPath::Dense => None,
            EpochPath::Sparse => Some(cells),
        }
    }
}

/// The entries of one epoch's matrices, row by row (CSR), and the weights by column (CSC).
#[derive(Clone, Debug, Default)]
pub(super) struct SparseBuf {
    /// Row `r`'s entries are `start[r]..start[r + 1]`.
    start: Vec<u32>,
    /// Column of each entry (ascending within a row).
    cols: Vec<u16>,
    /// Raw u16 weight of each entry (0: a bond only).
    raw: Vec<u16>,
    /// Stored bond (u16) of each entry (0: a weight only).
    b0: Vec<u16>,
    /// `W^b` of each entry.
    wb: Vec<f64>,
    /// The u16 bond to store at each entry.
    stored: Vec<u16>,
    /// Column `j`'s weights are `col_start[j]..col_start[j + 1]` of `col_rows`/`col_raw`.
    col_start: Vec<u32>,
    col_rows: Vec<u32>,
    col_raw: Vec<u16>,
    /// Each column's next free slot while the columns are filled.
    cursor: Vec<u32>,
}

impl SparseBuf {
    /// Collects the cells of the `m × n` matrices where `raw_w` or `b0` is non-zero (about
    /// `entries` of them: room is reserved for that many), and the weights by column.
    #[inline(always)]
    pub(super) fn collect(
        &mut self,
        raw_w: &[u16],
        b0: &[u16],
        m: usize,
        n: usize,
        entries: usize,
    ) {
        const BLOCK: usize = 16;
        self.start.clear();
        self.cols.clear();
        self.raw.clear();
        self.b0.clear();
        self.cols.reserve(entries);
        self.raw.reserve(entries);
        self.b0.reserve(entries);
        self.start.push(0);
        for r in 0..m {
            let (w, b) = (&raw_w[r * n..][..n], &b0[r * n..][..n]);
            let mut push = |t: usize| {
                self.cols.push(t as u16); // n ≤ 65536: exact
                self.raw.push(w[t]);
                self.b0.push(b[t]);
            };
            let blocks = w.chunks_exact(BLOCK).zip(b.chunks_exact(BLOCK));
            for (k, (wk, bk)) in blocks.enumerate() {
                // The block's non-zero cells as a bit mask (compares that vectorise), then
                // one step per set bit: a block of zeros costs the mask alone.
                let mut mask = 0u32;
                for t in 0..BLOCK {
                    mask |= u32::from((wk[t] | bk[t]) != 0) << t;
                }
                while mask != 0 {
                    push(k * BLOCK + mask.trailing_zeros() as usize);
                    mask &= mask - 1;
                }
            }
            for t in n / BLOCK * BLOCK..n {
                if (w[t] | b[t]) != 0 {
                    push(t);
                }
            }
            self.start.push(self.cols.len() as u32);
        }
        // The weights by column, rows ascending within a column (a counting sort).
        self.col_start.clear();
        self.col_start.resize(n + 1, 0);
        for (&j, &v) in self.cols.iter().zip(&self.raw) {
            self.col_start[usize::from(j) + 1] += u32::from(v != 0);
        }
        for j in 0..n {
            self.col_start[j + 1] += self.col_start[j];
        }
        let weights = self.col_start[n] as usize;
        self.col_rows.clear();
        self.col_rows.resize(weights, 0);
        self.col_raw.clear();
        self.col_raw.resize(weights, 0);
        let cursor = &mut self.cursor;
        cursor.clear();
        cursor.extend_from_slice(&self.col_start[..n]);
        for r in 0..m {
            let (s, e) = (self.start[r] as usize, self.start[r + 1] as usize);
            for (&j, &v) in self.cols[s..e].iter().zip(&self.raw[s..e]) {
                if v != 0 {
                    let at = &mut cursor[usize::from(j)];
                    self.col_rows[*at as usize] = r as u32;
                    self.col_raw[*at as usize] = v;
                    *at += 1;
                }
            }
        }
    }

    /// §3.7 The κ median of every column ([`MedianBuf::quantiles_sparse`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn consensus(
        &self,
        median: &mut MedianBuf,
        scale: &[f64],
        stakes: &[i64],
        minority: i64,
        total: i64,
        consensus: &mut [f64],
    ) {
        median.quantiles_sparse(
            &self.col_start,
            &self.col_rows,
            &self.col_raw,
            scale,
            stakes,
            minority,
            total,
            consensus,
        );
    }

    /// §3.8 Clipping, validator trust (`trust[r]`, per row), ranks (added into `rank`) and
    /// `W^b`, the dense loop's operations on the entries.
    #[inline(always)]
    pub(super) fn clip(
        &mut self,
        scale: &[f64],
        active_stake: &[f64],
        consensus: &[f64],
        beta: f64,
        rank: &mut [f64],
        mut trust: impl FnMut(usize, f64),
    ) {
        self.wb.clear();
        self.wb.resize(self.cols.len(), 0.0);
        for (r, (&k, &a)) in scale.iter().zip(active_stake).enumerate() {
            let (s, e) = (self.start[r] as usize, self.start[r + 1] as usize);
            let entries = self.cols[s..e].iter().zip(&self.raw[s..e]);
            for ((&j, &v), b) in entries.zip(&mut self.wb[s..e]) {
                let j = usize::from(j);
                if v == 0 {
                    // A bond only: W = 0, so Ŵ = W^b = +0 and the rank term is +0.
                    continue;
                }
                let x = f64::from(v) * k;
                let c = consensus[j];
                *b = if x < c { x } else { c };
                rank[j] += a * *b;
            }
            let row = self.cols[s..e].iter().zip(&self.wb[s..e]);
            trust(
                r,
                kernels::sum_sparse(row.map(|(&j, &b)| (usize::from(j), b))),
            );
            if beta < 1.0 {
                let entries = self.raw[s..e].iter().zip(&mut self.wb[s..e]);
                for (&v, b) in entries {
                    let x = f64::from(v) * k;
                    *b = x + beta * (*b - x);
                }
            }
        }
    }

    /// §3.9 The bonds model's sparse step: `dividends` per row, and the bonds to store.
    #[inline(always)]
    pub(super) fn bonds(
        &mut self,
        model: &dyn BondsModel,
        ctx: SparseCtx<'_>,
        scratch: &mut BondsScratch,
        dividends: &mut [f64],
    ) {
        self.stored.clear();
        self.stored.resize(self.cols.len(), 0);
        let ctx = SparseBondsCtx {
            n: ctx.n,
            start: &self.start,
            cols: &self.cols,
            wb: &self.wb,
            b0: &self.b0,
            active_stake: ctx.active_stake,
            incentive: ctx.incentive,
            params: ctx.params,
        };
        model.step_sparse(&ctx, scratch, &mut self.stored, dividends);
    }

    /// Row `r`'s bonds to store: the non-zero entries, ascending uid.
    #[inline(always)]
    pub(super) fn stored_row(&self, r: usize, row: &mut SparseRow) {
        let (s, e) = (self.start[r] as usize, self.start[r + 1] as usize);
        row.clear();
        let entries = self.cols[s..e].iter().zip(&self.stored[s..e]);
        row.extend(entries.filter(|e| *e.1 != 0).map(|(&j, &v)| (j, v)));
    }
}

/// What [`SparseBuf::bonds`] passes on besides the entries.
pub(super) struct SparseCtx<'a> {
    pub(super) n: usize,
    pub(super) active_stake: &'a [f64],
    pub(super) incentive: &'a [f64],
    pub(super) params: &'a YumaParams,
}
