//! One Yuma epoch for one subnet mechanism (spec §3), as a pure function.
//!
//! [`run_epoch`] reads an [`EpochInput`] (stakes, weights, stored bonds, registration and
//! activity blocks, last epoch's permits) and the subnet's [`YumaParams`], and writes an
//! [`EpochOutput`]: consensus, incentive, dividends, validator trust, new permits, new stored
//! bonds, and the emission amounts in rao. It does no I/O and keeps no state: the caller owns
//! the chain state and stores what it needs for the next epoch.
//!
//! The computation follows the chain's sparse production path (`epoch_mechanism`) step by step.
//! Matrices are held dense over the rows that can carry weights or bonds (validators with a
//! permit, or with stored bonds), which for a full subnet is 64 × 256. All buffers live in a
//! [`Workspace`], so calling [`run_epoch_into`] repeatedly allocates nothing after the first
//! call.
//!
//! Layout and passes (chosen for speed; see the benches): matrices are **row-major**, as the
//! input and output rows are, and every per-column quantity (ranks, bond column sums) is
//! accumulated across rows with one accumulator per column, in loops that vectorise. The raw
//! u16 weights are filled row by row (runs of consecutive uids are plain copies), masked, and
//! summed in integers. The κ median is the one step that needs columns: it reads the u16
//! matrix a group of eight columns at a time, a short run per row, and scales each score to W
//! on the fly (no transposed copy; see [`super::median`]). Clipping, trust and ranks then take
//! one pass over the rows, the bonds model a few more, and the output rows are read straight
//! from the row-major stored bonds.
//!
//! Numerics: f64 throughout, truncated to the chain's `I32F32` grid on the normalised vectors
//! and the emission factors (see [`super::fixed`]), with emission amounts computed exactly in
//! integers. The κ median compares stake masses as exact `I32F32` integers. Sums use a fixed
//! order set by the code (see [`super::kernels`]), so results do not depend on the machine.

use std::fmt;

use super::bonds::{BondsCtx, BondsScratch};
use super::fixed::{I32F32_SCALE, normalize_i32f32, share_of, to_i32f32, u16_proportion};
use super::kernels;
use super::median::MedianBuf;
use super::params::{LiquidAlphaConsensus, YumaParams, liquid_alpha_consensus};
use super::simd::{self, Isa, Kernel};
use super::sparse::{EpochPath, SparseBuf, SparseCtx};

/// A sparse row as the chain stores it: `(uid, value)` pairs, in submission order.
pub type SparseRow = Vec<(u16, u16)>;

/// What one epoch reads. Vectors are indexed by uid and have length `n = stake.len()`;
/// `weights`, `bonds` and `first_commit_block` may be shorter (missing rows are empty).
#[derive(Clone, Copy, Debug)]
pub struct EpochInput<'a> {
    /// The current block `b`.
    pub block: u64,
    /// The subnet's tempo (blocks between epochs).
    pub tempo: u64,
    /// The activity cutoff in blocks (`⌊ActivityCutoffFactorMilli·tempo/1000⌋`, at least 1).
    pub activity_cutoff: u64,
    /// `LastMechansimStepBlock` (0 if the subnet never ran an epoch).
    pub last_mechanism_step_block: u64,
    /// Raw stake weight per uid, `α_i + w_τ·τ_i`, in rao (spec §3.3, before the threshold).
    pub stake: &'a [f64],
    /// `StakeThreshold` in rao: stake below it counts as zero (the owner is exempt).
    pub stake_threshold: u64,
    /// `LastUpdate`: the last block at which each uid set or committed weights.
    pub last_update: &'a [u64],
    /// `BlockAtRegistration` per uid.
    pub registered_at: &'a [u64],
    /// `ValidatorPermit` written by the previous epoch.
    pub permits: &'a [bool],
    /// The owner's uid, if the owner hotkey is registered on the subnet.
    pub owner: Option<u16>,
    /// Stored weight rows (max-upscaled u16 values).
    pub weights: &'a [SparseRow],
    /// Stored bond rows (u16).
    pub bonds: &'a [SparseRow],
    /// With commit-reveal on: the smallest commit block among each uid's unexpired commits
    /// (`None`: no active commit). Ignored when commit-reveal is off.
    pub first_commit_block: &'a [Option<u64>],
    /// `Consensus` stored by the previous epoch, as u16 proportions (`⌊65535·c⌋`). Read only by
    /// the liquid-alpha sigmoid when [`YumaParams::liquid_alpha_consensus`] resolves to
    /// `Previous` or `Max` (spec §13.10); may be shorter than `n` (see
    /// [`super::liquid_alpha_consensus`]), and is usually empty otherwise.
    pub previous_consensus: &'a [u16],
    /// The alpha to distribute, `E`, in rao.
    pub emission: u64,
}

/// What one epoch produced. Vectors are indexed by uid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochOutput {
    /// Normalised stake `S` (after the threshold), truncated to `I32F32`.
    pub stake: Vec<f64>,
    /// Whether each uid counted as active.
    pub active: Vec<bool>,
    /// Normalised active stake `A`.
    pub active_stake: Vec<f64>,
    /// Consensus weight `c_j` of each uid as a miner.
    pub consensus: Vec<f64>,
    /// Incentive `I_j` (sums to 1 unless no miner has rank).
    pub incentive: Vec<f64>,
    /// Dividends `D_i` (sums to 1 unless no validator has bonds on ranked miners).
    pub dividends: Vec<f64>,
    /// Validator trust `VT_i = Σ_j min(W_ij, c_j)`.
    pub validator_trust: Vec<f64>,
    /// Validator permits for the next epoch (`P_new`).
    pub permits: Vec<bool>,
    /// Miner (server) emission in rao.
    pub server_emission: Vec<u64>,
    /// Validator emission in rao.
    pub validator_emission: Vec<u64>,
    /// `Emission`: the combined share in rao, used for pruning.
    pub emission: Vec<u64>,
    /// Bond rows to store (ascending uid; only non-zero entries; empty for uids without a
    /// new permit).
    pub bonds: Vec<SparseRow>,
}

impl EpochOutput {
    /// A vector of fractions as the chain stores it, `⌊65535·x⌋`.
    pub fn to_u16(v: &[f64]) -> Vec<u16> {
        v.iter().map(|x| u16_proportion(*x)).collect()
    }

    pub(super) fn reset(&mut self, n: usize) {
        fn fill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
            v.clear();
            v.resize(n, x);
        }
        fill(&mut self.stake, n, 0.0);
        fill(&mut self.active, n, false);
        fill(&mut self.active_stake, n, 0.0);
        fill(&mut self.consensus, n, 0.0);
        fill(&mut self.incentive, n, 0.0);
        fill(&mut self.dividends, n, 0.0);
        fill(&mut self.validator_trust, n, 0.0);
        fill(&mut self.permits, n, false);
        fill(&mut self.server_emission, n, 0);
        fill(&mut self.validator_emission, n, 0);
        fill(&mut self.emission, n, 0);
        // Keep each row's allocation.
        self.bonds.truncate(n);
        for row in &mut self.bonds {
            row.clear();
        }
        self.bonds.resize_with(n, Vec::new);
    }
}

/// An [`EpochInput`] whose vectors disagree in length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochShapeError {
    /// The field that disagrees.
    pub field: &'static str,
    /// Its length.
    pub len: usize,
    /// The expected length (`stake.len()`, or at most that).
    pub expected: usize,
}

impl fmt::Display for EpochShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "epoch input `{}` has length {}, expected {} (the number of uids)",
            self.field, self.len, self.expected
        )
    }
}

impl std::error::Error for EpochShapeError {}

/// Reusable buffers for [`run_epoch_into`].
///
/// Matrices are dense and **row-major**: `m` rows (the validators that can carry weights or
/// bonds) of `n` columns (uids), entry `(r, j)` at `r·n + j`. Rows are what the input and the
/// output hold, and per-column quantities (ranks, bond column sums) accumulate across rows in
/// loops that vectorise; only the κ median gathers columns.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The instruction set the epoch runs with ([`Isa::detect`] by default).
    isa: Isa,
    rows: Vec<u16>,
    permit_used: Vec<bool>,
    row_active_stake: Vec<f64>,
    row_scale: Vec<f64>,
    voter_stake: Vec<i64>,
    /// Raw u16 weights after the masks (32 KiB for 64 × 256: stays in L1 for the gathers).
    raw_w: Vec<u16>,
    w_present: Vec<bool>,
    wb: Vec<f64>,
    wb_present: Vec<bool>,
    /// Stored bonds (u16).
    b0: Vec<u16>,
    /// New stored bonds (u16).
    stored: Vec<u16>,
    row_dividends: Vec<f64>,
    median: MedianBuf,
    /// `c*`, the consensus the liquid-alpha sigmoid reads (§13.10).
    liquid_consensus: Vec<f64>,
    order: Vec<u32>,
    scratch: BondsScratch,
    /// Which matrix path the epochs take ([`EpochPath::Auto`] by default).
    path: EpochPath,
    /// The entries, when the sparse path runs.
    sparse: SparseBuf,
}

impl Workspace {
    /// An empty workspace whose epochs run with `isa` (every [`Isa`] gives the same bytes;
    /// tests use this to compare them). [`Workspace::default`] uses [`Isa::detect`].
    pub fn with_isa(isa: Isa) -> Workspace {
        Workspace {
            isa,
            median: MedianBuf::with_isa(isa),
            ..Workspace::default()
        }
    }

    /// This workspace with its epochs taking `path` (every path gives the same bytes; tests
    /// use this to compare them).
    pub fn with_path(mut self, path: EpochPath) -> Workspace {
        self.path = path;
        self
    }

    /// The instruction set this workspace's epochs run with.
    pub fn isa(&self) -> Isa {
        self.isa
    }
}

/// Runs one epoch, allocating its own workspace and output. See [`run_epoch_into`].
///
/// # Errors
/// [`EpochShapeError`] if the input's vectors disagree in length.
pub fn run_epoch(
    input: &EpochInput<'_>,
    params: &YumaParams,
) -> Result<EpochOutput, EpochShapeError> {
    let mut out = EpochOutput::default();
    run_epoch_into(input, params, &mut Workspace::default(), &mut out)?;
    Ok(out)
}

pub(super) fn check_shape(input: &EpochInput<'_>) -> Result<usize, EpochShapeError> {
    let n = input.stake.len();
    let exact = [
        ("last_update", input.last_update.len()),
        ("registered_at", input.registered_at.len()),
        ("permits", input.permits.len()),
    ];
    for (field, len) in exact {
        if len != n {
            return Err(EpochShapeError {
                field,
                len,
                expected: n,
            });
        }
    }
    let at_most = [
        ("weights", input.weights.len()),
        ("bonds", input.bonds.len()),
        ("first_commit_block", input.first_commit_block.len()),
        ("previous_consensus", input.previous_consensus.len()),
    ];
    for (field, len) in at_most {
        if len > n {
            return Err(EpochShapeError {
                field,
                len,
                expected: n,
            });
        }
    }
    if n > usize::from(u16::MAX) + 1 {
        return Err(EpochShapeError {
            field: "stake",
            len: n,
            expected: usize::from(u16::MAX) + 1,
        });
    }
    Ok(n)
}

/// Runs one epoch into `out`, reusing `ws`.
///
/// # Errors
/// [`EpochShapeError`] if the input's vectors disagree in length; `out` is then unspecified.
pub fn run_epoch_into(
    input: &EpochInput<'_>,
    params: &YumaParams,
    ws: &mut Workspace,
    out: &mut EpochOutput,
) -> Result<(), EpochShapeError> {
    let n = check_shape(input)?;
    let isa = ws.isa;
    simd::dispatch(
        isa,
        Epoch {
            input,
            params,
            n,
            ws,
            out,
        },
    );
    Ok(())
}

/// [`epoch`] as a [`Kernel`].
struct Epoch<'a, 'i> {
    input: &'a EpochInput<'i>,
    params: &'a YumaParams,
    n: usize,
    ws: &'a mut Workspace,
    out: &'a mut EpochOutput,
}

impl Kernel for Epoch<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        epoch(self.input, self.params, self.n, self.ws, self.out);
    }
}

/// The epoch itself, for an input of `n` uids whose shape has been checked; compiled for each
/// [`Isa`] (see [`simd::dispatch`]).
#[inline(always)]
fn epoch(
    input: &EpochInput<'_>,
    params: &YumaParams,
    n: usize,
    ws: &mut Workspace,
    out: &mut EpochOutput,
) {
    out.reset(n);
    let owner = input.owner.map(usize::from).filter(|o| *o < n);
    let empty: &[(u16, u16)] = &[];
    let weights_of = |i: usize| input.weights.get(i).map_or(empty, |r| r.as_slice());
    let bonds_of = |i: usize| input.bonds.get(i).map_or(empty, |r| r.as_slice());

    // §3.3 Stake: threshold (owner exempt), normalise, truncate to I32F32.
    let threshold = input.stake_threshold as f64;
    for (i, (s, raw)) in out.stake.iter_mut().zip(input.stake).enumerate() {
        let raw = if raw.is_finite() { raw.max(0.0) } else { 0.0 };
        *s = if Some(i) != owner && raw.floor() < threshold {
            0.0
        } else {
            raw
        };
    }
    normalize_i32f32(&mut out.stake);

    // §3.4 Permits used now (P_old, owner forced) and new permits (top-K non-zero stake).
    ws.permit_used.clear();
    ws.permit_used.extend_from_slice(input.permits);
    if let Some(o) = owner {
        ws.permit_used[o] = true;
    }
    new_permits(
        &out.stake,
        usize::from(params.max_allowed_validators),
        owner,
        &mut ws.order,
        &mut out.permits,
    );

    // §3.2, §3.5 Activity and active stake.
    for i in 0..n {
        let active = input.last_update[i].saturating_add(input.activity_cutoff) >= input.block;
        out.active[i] = active;
        out.active_stake[i] = if active && ws.permit_used[i] {
            out.stake[i]
        } else {
            0.0
        };
    }
    normalize_i32f32(&mut out.active_stake);

    // Matrix rows: validators with a permit, plus any uid with stored bonds.
    ws.rows.clear();
    ws.rows.extend(
        (0..n)
            .filter(|&i| ws.permit_used[i] || !bonds_of(i).is_empty())
            .map(|i| i as u16),
    );
    let m = ws.rows.len();
    let cells = m * n;
    let needs_presence = params.bonds.needs_presence(params);

    // §3.6 Weight preprocessing: the raw u16 weights, then the masks (each drops whole columns
    // of a row), then row sums in integers. Every row is written in full (no zeroing pass).
    resize_only(&mut ws.raw_w, cells, 0);
    if needs_presence {
        resize_only(&mut ws.w_present, cells, false);
    }
    let max_registered = input.registered_at.iter().copied().max().unwrap_or(0);
    for (r, &uid) in ws.rows.iter().enumerate() {
        let i = usize::from(uid);
        let raw = &mut ws.raw_w[r * n..][..n];
        let mut present = needs_presence.then(|| &mut ws.w_present[r * n..][..n]);
        if !ws.permit_used[i] {
            raw.fill(0);
            if let Some(p) = present {
                p.fill(false);
            }
            continue;
        }
        fill_row(weights_of(i), raw, present.as_deref_mut());
        // Column j is dropped when `LastUpdate ≤ BlockAtRegistration[j]`, or with commit-reveal
        // when the first commit predates the registration: both are `rb_j ≥ cutoff`.
        let lu = input.last_update[i];
        let commit = if params.commit_reveal {
            input.first_commit_block.get(i).copied().flatten()
        } else {
            None
        };
        let cutoff = commit
            .and_then(|cb| cb.checked_add(1))
            .map_or(lu, |c| c.min(lu));
        let mut drop_column = |j: usize| {
            raw[j] = 0;
            if let Some(p) = present.as_deref_mut() {
                p[j] = false;
            }
        };
        if Some(i) != owner {
            drop_column(i);
        }
        if cutoff <= max_registered {
            for (j, &rb) in input.registered_at.iter().enumerate() {
                if rb >= cutoff {
                    drop_column(j);
                }
            }
        }
    }
    // Row sums as exact integers (n·65535 < 2³²).
    resize_only(&mut ws.row_scale, m, 0.0);
    for (k, row) in ws.row_scale.iter_mut().zip(ws.raw_w.chunks_exact(n.max(1))) {
        let sum: u32 = row.iter().map(|&v| u32::from(v)).sum();
        *k = if sum > 0 { 1.0 / f64::from(sum) } else { 1.0 };
    }

    // §3.9 Bonds (read here: the sparse path below needs them): last epoch's stored bonds, minus columns registered since the last epoch.
    let last_tempo = if input.last_mechanism_step_block != 0 {
        input.last_mechanism_step_block + 1
    } else {
        input.block.saturating_sub(input.tempo)
    };
    resize_only(&mut ws.b0, cells, 0);
    let any_recent = input.registered_at.iter().any(|&rb| last_tempo <= rb);
    for (r, &uid) in ws.rows.iter().enumerate() {
        let b0 = &mut ws.b0[r * n..][..n];
        fill_row(bonds_of(usize::from(uid)), b0, None);
        if any_recent {
            for (b, &rb) in b0.iter_mut().zip(input.registered_at) {
                if last_tempo <= rb {
                    *b = 0;
                }
            }
        }
    }

    // §3.7 Consensus: κ stake-weighted median per column over validators with active stake.
    ws.row_active_stake.clear();
    ws.row_active_stake
        .extend(ws.rows.iter().map(|&u| out.active_stake[usize::from(u)]));
    let voting_total: f64 = ws.row_active_stake.iter().filter(|s| **s > 0.0).sum();
    // Voting stakes as exact `I32F32` raw integers (zero for rows that do not vote), so the
    // median's mass comparisons are exact in any summation order.
    ws.voter_stake.clear();
    ws.voter_stake.extend(ws.row_active_stake.iter().map(|&s| {
        if s > 0.0 {
            (to_i32f32(s / voting_total) * I32F32_SCALE) as i64
        } else {
            0
        }
    }));
    let stake_sum: i64 = ws.voter_stake.iter().sum();
    let minority = stake_sum - (params.kappa_f64() * I32F32_SCALE) as i64;
    // The sparse path (see `super::sparse`): when few cells carry a weight or a bond.
    let beta = params.bonds_penalty_f64();
    // The submitted entries bound the non-zero cells (a few instructions per row; the choice
    // changes the cost, never the result).
    let submitted: usize = ws
        .rows
        .iter()
        .map(|&u| weights_of(usize::from(u)).len() + bonds_of(usize::from(u)).len())
        .sum();
    let sparse = m > 0
        && stake_sum > 0
        && params.bonds.supports_sparse(params)
        && ws.path.limit(cells).is_some_and(|limit| submitted <= limit);
    if sparse {
        let sp = &mut ws.sparse;
        sp.collect(&ws.raw_w, &ws.b0, m, n, submitted.min(cells));
        sp.consensus(
            &mut ws.median,
            &ws.row_scale,
            &ws.voter_stake,
            minority,
            stake_sum,
            &mut out.consensus,
        );
        let (rows, trust) = (&ws.rows, &mut out.validator_trust);
        sp.clip(
            &ws.row_scale,
            &ws.row_active_stake,
            &out.consensus,
            beta,
            &mut out.incentive,
            |r, t| trust[usize::from(rows[r])] = t,
        );
        normalize_i32f32(&mut out.incentive);
        resize_only(&mut ws.row_dividends, m, 0.0);
        ws.scratch.prepare(m, n);
        let ctx = SparseCtx {
            n,
            active_stake: &ws.row_active_stake,
            incentive: &out.incentive,
            params,
        };
        sp.bonds(params.bonds, ctx, &mut ws.scratch, &mut ws.row_dividends);
        for (r, &uid) in ws.rows.iter().enumerate() {
            let i = usize::from(uid);
            out.dividends[i] = ws.row_dividends[r];
            if out.permits[i] {
                sp.stored_row(r, &mut out.bonds[i]);
            }
        }
        normalize_i32f32(&mut out.dividends);
        split_emission(input.emission, out);
        return;
    }

    // The median of every column of W (scaled from the raw u16 weights on the fly), a group
    // of columns at a time, straight from the row-major matrix.
    if stake_sum > 0 {
        ws.median.quantiles(
            &ws.raw_w,
            &ws.row_scale,
            &ws.voter_stake,
            minority,
            stake_sum,
            &mut out.consensus,
        );
    }

    // §3.8 Clipping Ŵ = min(W, c), validator trust, ranks (accumulated row by row into the
    // incentive vector) and bond weights W^b = W + β(Ŵ − W), one row at a time.
    resize_only(&mut ws.wb, cells, 0.0);
    if needs_presence {
        resize_only(&mut ws.wb_present, cells, false);
    }
    let consensus = &out.consensus[..n];
    // Only a zero consensus makes W^b's entries differ from W's (β = 1, below).
    let zero_consensus = needs_presence && consensus.iter().any(|&c| c <= 0.0);
    for r in 0..m {
        let (raw, wb) = (&ws.raw_w[r * n..][..n], &mut ws.wb[r * n..][..n]);
        let (k, a) = (ws.row_scale[r], ws.row_active_stake[r]);
        // W^b first holds the clipped weights Ŵ.
        for (((b, &v), &c), rank) in wb
            .iter_mut()
            .zip(raw)
            .zip(consensus)
            .zip(out.incentive.iter_mut())
        {
            let x = f64::from(v) * k;
            // A comparison, not `f64::min` (no NaNs here; its NaN rule costs instructions).
            *b = if x < c { x } else { c };
            *rank += a * *b;
        }
        out.validator_trust[usize::from(ws.rows[r])] = kernels::sum(wb);
        if beta < 1.0 {
            for (b, &v) in wb.iter_mut().zip(raw) {
                let x = f64::from(v) * k;
                *b = x + beta * (*b - x);
            }
        }
        if needs_presence {
            let present = &ws.w_present[r * n..][..n];
            let wbp = &mut ws.wb_present[r * n..][..n];
            // One plain loop per case (non-short-circuit `&`, so each vectorises).
            if beta >= 1.0 && zero_consensus {
                // Entries above a zero consensus are dropped, not zeroed.
                let cols = raw.iter().zip(present).zip(consensus);
                for (((&v, &p), &c), bp) in cols.zip(wbp) {
                    let x = f64::from(v) * k;
                    *bp = p & !((x > c) & (c <= 0.0));
                }
            } else if beta <= 0.0 || beta >= 1.0 {
                // W^b = W (β = 0), or no entry sits above a zero consensus.
                wbp.copy_from_slice(present);
            } else {
                for (bp, &b) in wbp.iter_mut().zip(wb.iter()) {
                    *bp = b > 0.0;
                }
            }
        }
    }
    normalize_i32f32(&mut out.incentive);

    resize_only(&mut ws.stored, cells, 0);
    resize_only(&mut ws.row_dividends, m, 0.0);
    // §13.10 The consensus the liquid-alpha sigmoid reads (this epoch's unless the mode says
    // otherwise; the gate below still tests this epoch's).
    let liquid_consensus = if params.liquid_alpha.is_some()
        && params.liquid_alpha_consensus.resolve(params.bonds_penalty)
            != LiquidAlphaConsensus::Current
    {
        liquid_alpha_consensus(
            params.liquid_alpha_consensus,
            params.bonds_penalty,
            &out.consensus,
            input.previous_consensus,
            &mut ws.liquid_consensus,
        );
        &ws.liquid_consensus[..]
    } else {
        &out.consensus[..]
    };
    let ctx = BondsCtx {
        isa: ws.isa,
        n,
        m,
        rows: &ws.rows,
        wb: &ws.wb,
        wb_present: &ws.wb_present,
        b0: &ws.b0,
        active_stake: &ws.row_active_stake,
        incentive: &out.incentive,
        consensus: &out.consensus,
        liquid_consensus,
        params,
    };
    if m > 0 {
        ws.scratch.prepare(m, n);
        params
            .bonds
            .step(&ctx, &mut ws.scratch, &mut ws.stored, &mut ws.row_dividends);
    }
    for (r, &uid) in ws.rows.iter().enumerate() {
        let i = usize::from(uid);
        out.dividends[i] = ws.row_dividends[r];
        if out.permits[i] {
            sparse_row(&ws.stored[r * n..][..n], &mut out.bonds[i]);
        }
    }
    normalize_i32f32(&mut out.dividends);

    // §3.10 Emission split and its fallbacks.
    split_emission(input.emission, out);
}

/// `P_new`: start from `S_i ≠ 0`; when `n ≥ K`, drop the `n − K` smallest by `(S, uid)`
/// (ties: the lower uid loses first); the owner always keeps a permit.
#[inline(always)]
fn new_permits(
    stake: &[f64],
    k: usize,
    owner: Option<usize>,
    order: &mut Vec<u32>,
    permits: &mut [bool],
) {
    let n = stake.len();
    for (p, s) in permits.iter_mut().zip(stake) {
        *p = *s != 0.0;
    }
    if n >= k && n > 0 {
        let drop = n - k;
        if drop > 0 {
            order.clear();
            order.extend(0..n as u32);
            let key = |i: &u32| (stake[*i as usize], *i);
            order.select_nth_unstable_by(drop - 1, |a, b| {
                key(a)
                    .partial_cmp(&key(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            for &i in &order[..drop] {
                permits[i as usize] = false;
            }
        }
    }
    if let Some(o) = owner {
        permits[o] = true;
    }
}

#[inline(always)]
fn split_emission(e: u64, out: &mut EpochOutput) {
    let n = out.stake.len();
    let sum_i: f64 = out.incentive.iter().sum();
    let sum_d: f64 = out.dividends.iter().sum();
    let total = to_i32f32(sum_i + sum_d);
    if total > 0.0 {
        let share = |x: f64| {
            // 0/total is 0, so most uids (miners without dividends, validators without rank)
            // need one of the three divisions, not three: the results are the same.
            if x == 0.0 {
                0
            } else {
                share_of(to_i32f32(x / total), e)
            }
        };
        for k in 0..n {
            let (i, d) = (out.incentive[k], out.dividends[k]);
            out.server_emission[k] = share(i);
            out.validator_emission[k] = share(d);
            out.emission[k] = if d == 0.0 {
                out.server_emission[k]
            } else if i == 0.0 {
                out.validator_emission[k]
            } else {
                share(i + d)
            };
        }
    } else {
        let fallback = if out.active_stake.iter().sum::<f64>() > 0.0 {
            &out.active_stake
        } else {
            &out.stake
        };
        for (k, f) in fallback.iter().enumerate() {
            out.server_emission[k] = 0;
            out.validator_emission[k] = share_of(*f, e);
            out.emission[k] = share_of(*f, e);
        }
    }
}

/// Writes the sparse `row` into the dense row `dst`: `dst[j] = v` for every entry with
/// `j < dst.len()` (a repeated column keeping its last value), 0 elsewhere; and, when given,
/// `present[j]` = whether column `j` has an entry.
///
/// Rows are mostly runs of consecutive uids in ascending order: a full row (what validators
/// usually submit), stored bonds with a few zeros left out, or a handful of entries (a
/// winner-takes-all validator). After zeroing the row, each run is found by binary search
/// (exact for ascending rows) and copied in one loop that vectorises, while the same loop
/// checks every uid. A row that is not ascending fails a check or overlaps an earlier run,
/// and is then written entry by entry, in order. The cost follows the number of runs and
/// entries, plus the zeroing.
#[inline(always)]
fn fill_row(row: &[(u16, u16)], dst: &mut [u16], mut present: Option<&mut [bool]>) {
    let n = dst.len();
    dst.fill(0);
    if let Some(p) = present.as_deref_mut() {
        p.fill(false);
    }
    // dst[..written] is final; `e` is the first entry not yet written.
    let (mut written, mut e) = (0, 0);
    let ascending = loop {
        let Some(&(j0, _)) = row.get(e) else {
            break true;
        };
        let j0 = usize::from(j0);
        if j0 >= n {
            // Past the last column: ignored (in an ascending row, the last few entries).
            e += 1;
            continue;
        }
        if j0 < written {
            break false;
        }
        let len = run_len(&row[e..]).min(n - j0);
        if copy_run(&row[e..e + len], j0 as u32, &mut dst[j0..j0 + len]) != 0 {
            break false;
        }
        if let Some(p) = present.as_deref_mut() {
            p[j0..j0 + len].fill(true);
        }
        written = j0 + len;
        e += len;
    };
    if ascending {
        return;
    }
    dst.fill(0);
    for &(j, v) in row {
        if let Some(d) = dst.get_mut(usize::from(j)) {
            *d = v;
        }
    }
    if let Some(p) = present {
        p.fill(false);
        for &(j, _) in row {
            if let Some(p) = p.get_mut(usize::from(j)) {
                *p = true;
            }
        }
    }
}

/// The length of the run of consecutive uids that starts `entries` (non-empty), by binary
/// search: exact when the uids ascend strictly, a guess (at least 1) otherwise, which
/// [`copy_run`] then rejects. The first probe is the last entry, so a run that reaches the
/// end of the row (a full row, the last run of any row) takes one step.
#[inline(always)]
fn run_len(entries: &[(u16, u16)]) -> usize {
    let j0 = usize::from(entries[0].0);
    let len = entries.len();
    if usize::from(entries[len - 1].0) == j0 + len - 1 {
        return len;
    }
    let (mut lo, mut hi) = (1, len - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if usize::from(entries[mid].0) == j0 + mid {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Copies the values of `entries` into `dst` (of the same length); returns 0 exactly when
/// their uids are `j0, j0 + 1, …`. One pass that vectorises (u32 arithmetic: no wrap).
#[inline(always)]
fn copy_run(entries: &[(u16, u16)], j0: u32, dst: &mut [u16]) -> u32 {
    let mut bad = 0;
    for (t, (d, &(j, v))) in dst.iter_mut().zip(entries).enumerate() {
        bad |= u32::from(j) ^ (j0 + t as u32);
        *d = v;
    }
    bad
}

/// `row` = the non-zero entries of `values` as `(uid, value)`, ascending. Allocation-free once
/// `row` has grown to the row length.
///
/// Zeros are rare in a full subnet: blocks of 16 values are checked for a zero (one compare
/// and mask per block) and only a block with one is scanned value by value; each run of
/// non-zero values between two zeros is written in one loop that vectorises. A block of
/// zeros (most of a sparse row) is skipped whole.
#[inline(always)]
fn sparse_row(values: &[u16], row: &mut SparseRow) {
    const BLOCK: usize = 16;
    let n = values.len();
    row.clear();
    row.resize(n, (0, 0));
    // values[start..] is not written yet; `k` entries of `row` are.
    let (mut start, mut k) = (0, 0);
    let run = |row: &mut SparseRow, from: usize, to: usize, k: &mut usize| {
        let mut uid = from as u16; // n ≤ 65536: exact
        for (slot, &v) in row[*k..*k + (to - from)].iter_mut().zip(&values[from..to]) {
            *slot = (uid, v);
            uid = uid.wrapping_add(1);
        }
        *k += to - from;
    };
    let mut b = 0;
    while b < n {
        while b + BLOCK <= n
            && !values[b..b + BLOCK]
                .iter()
                .fold(false, |z, &v| z | (v == 0))
        {
            b += BLOCK;
        }
        let stop = (b + BLOCK).min(n);
        if stop - b == BLOCK && values[b..stop].iter().fold(true, |z, &v| z & (v == 0)) {
            // A block of zeros (most of a sparse row): skipped whole.
            if start < b {
                run(row, start, b, &mut k);
            }
            start = stop;
        } else {
            for (t, &v) in (b..stop).zip(&values[b..stop]) {
                if v == 0 {
                    run(row, start, t, &mut k);
                    start = t + 1;
                }
            }
        }
        b = stop;
    }
    run(row, start, n, &mut k);
    row.truncate(k);
}

/// Sets the length of a buffer that the caller overwrites in full (filling half a megabyte
/// per epoch would cost several microseconds).
fn resize_only<T: Clone>(v: &mut Vec<T>, len: usize, x: T) {
    v.resize(len, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// The definition of [`fill_row`]: entries in order, later ones overwriting.
    fn fill_reference(row: &[(u16, u16)], n: usize) -> (Vec<u16>, Vec<bool>) {
        let (mut dst, mut present) = (vec![0; n], vec![false; n]);
        for &(j, v) in row {
            if usize::from(j) < n {
                dst[usize::from(j)] = v;
                present[usize::from(j)] = true;
            }
        }
        (dst, present)
    }

    proptest! {
        /// Runs, gaps, unsorted rows, repeated and out-of-range columns, stale contents.
        #[test]
        fn fill_row_matches_the_definition(
            n in 0usize..80,
            kind in 0u8..4,
            entries in prop::collection::vec((0u16..90, any::<u16>()), 0..100),
            gaps in prop::collection::vec(0usize..80, 0..5),
        ) {
            let row: Vec<(u16, u16)> = match kind {
                // Ascending with gaps (a stored bond row).
                0 => (0..n as u16).filter(|j| !gaps.contains(&usize::from(*j))).map(|j| (j, j ^ 0x5a5a)).collect(),
                // A full row, stale columns past the end.
                1 => (0..n as u16 + 3).map(|j| (j, j.wrapping_mul(7))).collect(),
                // Ascending subset.
                2 => {
                    let mut e = entries.clone();
                    e.sort_by_key(|e| e.0);
                    e.dedup_by_key(|e| e.0);
                    e
                }
                // Anything, in any order.
                _ => entries.clone(),
            };
            let (want, want_present) = fill_reference(&row, n);
            let mut dst = vec![7; n];
            let mut present = vec![true; n];
            fill_row(&row, &mut dst, Some(&mut present));
            prop_assert_eq!(&dst, &want);
            prop_assert_eq!(&present, &want_present);
            let mut dst = vec![9; n];
            fill_row(&row, &mut dst, None);
            prop_assert_eq!(&dst, &want);
        }

        /// Zeros anywhere (none, isolated, whole blocks), every length.
        #[test]
        fn sparse_row_matches_the_definition(
            values in prop::collection::vec(prop_oneof![3 => Just(0u16), 5 => 1u16.., 1 => any::<u16>()], 0..100),
            dense in any::<bool>(),
        ) {
            let values: Vec<u16> = if dense { values.iter().map(|v| v | 1).collect() } else { values };
            let want: SparseRow = (0..).zip(values.iter().copied()).filter(|e| e.1 != 0).collect();
            let mut row = vec![(1, 1); 3];
            sparse_row(&values, &mut row);
            prop_assert_eq!(row, want);
        }
    }

    #[test]
    fn sparse_row_keeps_non_zero_entries_in_order() {
        let values: Vec<u16> = (0..50)
            .map(|k| if k % 7 == 3 { 0 } else { k + 1 })
            .collect();
        let mut row = vec![(9, 9)];
        sparse_row(&values, &mut row);
        let want: SparseRow = (0..50u16)
            .filter(|k| k % 7 != 3)
            .map(|k| (k, k + 1))
            .collect();
        assert_eq!(row, want);
    }
}
