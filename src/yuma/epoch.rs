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
//! summed in integers. The κ median is the one step that needs columns: the u16 matrix is
//! transposed once in 4 × 4 blocks and each column scaled to W on the fly. Clipping, trust and
//! ranks then take one pass over the rows, the bonds model a few more, and the output rows are
//! read straight from the row-major stored bonds.
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
    rows: Vec<u16>,
    permit_used: Vec<bool>,
    row_active_stake: Vec<f64>,
    row_scale: Vec<f64>,
    voter_stake: Vec<i64>,
    /// Raw u16 weights after the masks (32 KiB for 64 × 256: stays in L1 for the gathers).
    raw_w: Vec<u16>,
    w_present: Vec<bool>,
    /// `raw_w` column-major (`j·m + r`), for the median.
    raw_t: Vec<u16>,
    /// One column of W, for the median.
    col: Vec<f64>,
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
    // of a row), then row sums in integers.
    resize_fill(&mut ws.raw_w, cells, 0);
    if needs_presence {
        resize_fill(&mut ws.w_present, cells, false);
    }
    let max_registered = input.registered_at.iter().copied().max().unwrap_or(0);
    for (r, &uid) in ws.rows.iter().enumerate() {
        let i = usize::from(uid);
        if !ws.permit_used[i] {
            continue;
        }
        let raw = &mut ws.raw_w[r * n..][..n];
        let mut present = needs_presence.then(|| &mut ws.w_present[r * n..][..n]);
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
    ws.row_scale.clear();
    ws.row_scale
        .extend(ws.raw_w.chunks_exact(n.max(1)).take(m).map(|row| {
            let sum: u32 = row.iter().map(|&v| u32::from(v)).sum();
            if sum > 0 { 1.0 / f64::from(sum) } else { 1.0 }
        }));

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
    // The median is the one step that needs columns: transpose the raw u16 weights once
    // (16 values per block move through four u64 words), then scale each column to W.
    if stake_sum > 0 {
        resize_only(&mut ws.raw_t, cells, 0);
        transpose_u16(&ws.raw_w, m, n, &mut ws.raw_t);
        resize_only(&mut ws.col, m, 0.0);
        for (c, raw) in out.consensus.iter_mut().zip(ws.raw_t.chunks_exact(m)) {
            for ((x, &v), &k) in ws.col.iter_mut().zip(raw).zip(&ws.row_scale) {
                *x = f64::from(v) * k;
            }
            *c = ws
                .median
                .quantile(&ws.col, &ws.voter_stake, minority, stake_sum);
        }
    }

    // §3.8 Clipping Ŵ = min(W, c), validator trust, ranks (accumulated row by row into the
    // incentive vector) and bond weights W^b = W + β(Ŵ − W), one row at a time.
    let beta = params.bonds_penalty_f64();
    resize_only(&mut ws.wb, cells, 0.0);
    if needs_presence {
        resize_fill(&mut ws.wb_present, cells, false);
    }
    let consensus = &out.consensus[..n];
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
            if beta >= 1.0 {
                // Entries above a zero consensus are dropped, not zeroed.
                let cols = raw.iter().zip(present).zip(consensus);
                for (((&v, &p), &c), bp) in cols.zip(wbp) {
                    let x = f64::from(v) * k;
                    *bp = p & !((x > c) & (c <= 0.0));
                }
            } else if beta <= 0.0 {
                wbp.copy_from_slice(present);
            } else {
                for (bp, &b) in wbp.iter_mut().zip(wb.iter()) {
                    *bp = b > 0.0;
                }
            }
        }
    }
    normalize_i32f32(&mut out.incentive);

    // §3.9 Bonds: last epoch's stored bonds, minus columns registered since the last epoch.
    let last_tempo = if input.last_mechanism_step_block != 0 {
        input.last_mechanism_step_block + 1
    } else {
        input.block.saturating_sub(input.tempo)
    };
    resize_fill(&mut ws.b0, cells, 0);
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
    Ok(())
}

/// `P_new`: start from `S_i ≠ 0`; when `n ≥ K`, drop the `n − K` smallest by `(S, uid)`
/// (ties: the lower uid loses first); the owner always keeps a permit.
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

/// Writes the sparse `row` into the zeroed dense row `dst` (`dst[j] = v` for every entry with
/// `j < dst.len()`, a repeated column keeping its last value) and marks the entries in
/// `present` when given.
fn fill_row(row: &[(u16, u16)], dst: &mut [u16], present: Option<&mut [bool]>) {
    let n = dst.len();
    // Rows are mostly runs of consecutive uids: a full row (what validators usually submit),
    // or stored bonds with a few zeros left out. A full row in uid order is a plain copy of the
    // values: copy while checking the uids (one pass that vectorises, in u16 lanes, eight to a
    // register: n ≤ 65536, so `k as u16` is exact), and undo the copy if the check fails.
    if row.len() == n {
        let mut gaps = 0;
        for (k, (d, &(j, v))) in dst.iter_mut().zip(row).enumerate() {
            gaps |= j ^ k as u16;
            *d = v;
        }
        if gaps == 0 {
            if let Some(present) = present {
                present.fill(true);
            }
            return;
        }
        dst.fill(0);
    }
    // Otherwise, eight entries that are a run are copied at once; anything else is written
    // entry by entry, in order.
    const RUN: usize = 8;
    let chunks = row.chunks_exact(RUN);
    let rest = chunks.remainder();
    let set = |dst: &mut [u16], entries: &[(u16, u16)]| {
        for &(j, v) in entries {
            if let Some(d) = dst.get_mut(usize::from(j)) {
                *d = v;
            }
        }
    };
    for chunk in chunks {
        let j0 = usize::from(chunk[0].0);
        let gaps = chunk.iter().enumerate().fold(0, |acc, (t, &(j, _))| {
            acc | (j ^ chunk[0].0.wrapping_add(t as u16))
        });
        match dst.get_mut(j0..j0 + RUN) {
            Some(run) if gaps == 0 => {
                for (d, &(_, v)) in run.iter_mut().zip(chunk) {
                    *d = v;
                }
            }
            _ => set(dst, chunk),
        }
    }
    set(dst, rest);
    if let Some(present) = present {
        for &(j, _) in row {
            if let Some(p) = present.get_mut(usize::from(j)) {
                *p = true;
            }
        }
    }
}

/// `row` = the non-zero entries of `values` as `(uid, value)`, ascending. Allocation-free once
/// `row` has grown to the row length.
fn sparse_row(values: &[u16], row: &mut SparseRow) {
    // Zeros are rare in a full subnet, so work in blocks of 16 written straight into the
    // pre-sized row: a block without a zero (checked by a fold that vectorises) is a plain map
    // that vectorises too; the others are compacted without branches (write every entry,
    // advance past the non-zero ones).
    const BLOCK: usize = 16;
    row.clear();
    row.resize(values.len(), (0, 0));
    let mut k = 0;
    for (c, block) in values.chunks(BLOCK).enumerate() {
        let entries = block
            .iter()
            .enumerate()
            .map(|(t, &v)| ((c * BLOCK + t) as u16, v));
        if block.iter().fold(false, |zero, &v| zero | (v == 0)) {
            for e in entries {
                row[k] = e;
                k += usize::from(e.1 != 0);
            }
        } else {
            for (slot, e) in row[k..k + block.len()].iter_mut().zip(entries) {
                *slot = e;
            }
            k += block.len();
        }
    }
    row.truncate(k);
}

/// `dst[j·m + r] = src[r·n + j]`: the column-major copy of the row-major `m × n` matrix
/// `src`. Works on 4 × 4 blocks held in four u64 words, one per row, transposed with shifts and
/// masks, so every load and store moves four values (a value-by-value transpose is bound by
/// one store per value, each to a different cache line).
fn transpose_u16(src: &[u16], m: usize, n: usize, dst: &mut [u16]) {
    const M16: u64 = 0x0000_FFFF_0000_FFFF;
    const M32: u64 = 0x0000_0000_FFFF_FFFF;
    let (m4, n4) = (m & !3, n & !3);
    for r in (0..m4).step_by(4) {
        let rows = &src[r * n..][..4 * n];
        for j in (0..n4).step_by(4) {
            let word = |k: usize| {
                let s = &rows[k * n + j..][..4];
                u64::from(s[0])
                    | u64::from(s[1]) << 16
                    | u64::from(s[2]) << 32
                    | u64::from(s[3]) << 48
            };
            // Lane l of word k is (r + k, j + l); swap 16-bit lanes within 2 × 2 blocks, then
            // 32-bit halves: lane l of word k becomes (r + l, j + k).
            let (mut a, mut b, mut c, mut d) = (word(0), word(1), word(2), word(3));
            let t = ((a >> 16) ^ b) & M16;
            b ^= t;
            a ^= t << 16;
            let t = ((c >> 16) ^ d) & M16;
            d ^= t;
            c ^= t << 16;
            let t = ((a >> 32) ^ c) & M32;
            c ^= t;
            a ^= t << 32;
            let t = ((b >> 32) ^ d) & M32;
            d ^= t;
            b ^= t << 32;
            for (k, x) in [a, b, c, d].into_iter().enumerate() {
                let o = &mut dst[(j + k) * m + r..][..4];
                o[0] = x as u16;
                o[1] = (x >> 16) as u16;
                o[2] = (x >> 32) as u16;
                o[3] = (x >> 48) as u16;
            }
        }
    }
    // The last rows and columns when m or n is not a multiple of 4.
    for r in 0..m {
        let from = if r < m4 { n4 } else { 0 };
        for j in from..n {
            dst[j * m + r] = src[r * n + j];
        }
    }
}

/// Sets the length of a buffer that the caller overwrites in full (filling half a megabyte
/// per epoch would cost several microseconds).
fn resize_only<T: Clone>(v: &mut Vec<T>, len: usize, x: T) {
    v.resize(len, x);
}

fn resize_fill<T: Clone>(v: &mut Vec<T>, len: usize, x: T) {
    v.clear();
    v.resize(len, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_u16_matches_the_definition_for_every_shape() {
        for m in 0..10 {
            for n in 0..10 {
                let src: Vec<u16> = (0..m * n).map(|k| (k * 7 + 1) as u16).collect();
                let mut dst = vec![0; m * n];
                transpose_u16(&src, m, n, &mut dst);
                for r in 0..m {
                    for j in 0..n {
                        assert_eq!(dst[j * m + r], src[r * n + j], "{m}×{n} ({r}, {j})");
                    }
                }
            }
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
