//! Study A: the stake-retention map of the subtensor consensus document (spec
//! `published-results.md` §1, check (A)).
//!
//! The chain's test `map_consensus_guarantees` (`pallets/subtensor/src/tests/consensus.rs`)
//! builds a "split graph" of 512 uids (64 validators, 448 servers) divided into an honest
//! (major) and a cabal (minor) side, runs one epoch, and prints the honest side's share of
//! emission for every `(S_H, W_H, W_C)` on a grid; `scripts/map_consensus.py` contours it. This
//! module rebuilds that experiment on yumalab's own epoch ([`crate::yuma::run_epoch_into`],
//! classic bonds):
//!
//! - [`Layout`] and [`Draws`]: the generator's node counts and its Gaussian draws, seeded from
//!   stable ids ([`replicate_seed`]);
//! - [`split_graph`] / [`Draws::write_weights`]: stakes and weight rows as the chain's test sets
//!   them;
//! - [`Evaluator`]: one epoch, reduced to the honest [`Shares`] of dividends and incentive;
//! - [`compute_maps`]: whole `(W_H, W_C)` grids over replicates, in parallel, in a fixed order;
//! - [`required_utility`]: the threshold extractor (smallest honest utility that retains
//!   stake against the cabal's worst case);
//! - [`study`]: the checks and figures.

use std::ops::Range;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use yumalab_agents::{derive_seed, stable_id};

use super::{Check, Size, Status, Study};
use crate::report::charts::{Figure, Heatmap, LineChart, Series};
use crate::yuma::bonds::yuma2::Yuma2;
use crate::yuma::fixed::floor_u16;
use crate::yuma::{EpochInput, EpochOutput, SparseRow, Workspace, YumaParams, run_epoch_into};

/// Number of uids in the split graph (`network_n` in the chain's test).
pub const NETWORK_N: usize = 512;
/// Number of validators (`validators_n`); they are uids `0..VALIDATORS_N`.
pub const VALIDATORS_N: usize = 64;
/// Number of servers; they are uids `VALIDATORS_N..NETWORK_N`.
pub const SERVERS_N: usize = NETWORK_N - VALIDATORS_N;
/// Standard deviation of the validator stake draws, `N(1, 0.3²)` before clipping.
pub const STAKE_SIGMA: f64 = 0.3;
/// Total stake the chain's test spreads over the validators, in rao (21 M TAO).
pub const TOTAL_STAKE_RAO: f64 = 21e15;
/// The honest stakes `S_H` of the chain's grid.
pub const STAKES: [f64; 11] = [0.51, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];
/// The honest stake at which the document reads its thresholds.
pub const CHECK_STAKE: f64 = 0.6;

/// How the 512 uids split into honest and cabal validators and servers.
///
/// Uids are laid out blockwise (the chain test's `interleave = 0`): validators first, honest
/// before cabal, then servers, honest before cabal. Each side's node count is proportional to
/// its stake, `⌊S·count⌋`, kept within `[1, count − 1]` so both sides have at least one
/// validator and one server (the test's `non_extreme_fixed_ratio`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Honest validators: uids `0..honest_validators`.
    pub honest_validators: usize,
    /// Honest servers: uids `VALIDATORS_N..VALIDATORS_N + honest_servers`.
    pub honest_servers: usize,
}

impl Layout {
    /// The layout for honest stake `s_h`.
    pub fn for_stake(s_h: f64) -> Layout {
        Layout {
            honest_validators: non_extreme(s_h, VALIDATORS_N),
            honest_servers: non_extreme(s_h, SERVERS_N),
        }
    }

    /// Number of cabal validators.
    pub fn cabal_validators(&self) -> usize {
        VALIDATORS_N - self.honest_validators
    }

    /// Number of cabal servers.
    pub fn cabal_servers(&self) -> usize {
        SERVERS_N - self.honest_servers
    }

    /// The uids of the honest servers.
    pub fn honest_server_uids(&self) -> Range<usize> {
        VALIDATORS_N..VALIDATORS_N + self.honest_servers
    }

    /// Whether `uid` is on the honest side.
    pub fn is_honest(&self, uid: usize) -> bool {
        uid < self.honest_validators || self.honest_server_uids().contains(&uid)
    }
}

/// `⌊ratio·total⌋` clamped to `[1, total − 1]`.
fn non_extreme(ratio: f64, total: usize) -> usize {
    let k = (ratio * total as f64).floor().max(0.0) as usize;
    k.clamp(1, total - 1)
}

/// The seed of replicate `replicate` at honest stake `s_h`.
///
/// It depends on `S_H` and the replicate only, not on `(W_H, W_C)`, `σ_W` or `β`: every cell
/// of a replicate's map sees the same standard-normal draws, only rescaled (common random
/// numbers). The chain's test does the same with its single fixed seed
/// (`StdRng::seed_from_u64(0)` in every cell); here replicates differ by their stable id.
pub fn replicate_seed(s_h: f64, replicate: usize) -> u64 {
    derive_seed(
        stable_id("validation/A/retention"),
        stable_id(&format!("s_h={s_h:.4}/replicate={replicate}")),
    )
}

/// Fills `out` with standard normal draws (Box–Muller, both outputs of each pair).
fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f64]) {
    for pair in out.chunks_mut(2) {
        // u1 in (0, 1], so the logarithm is finite.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        pair[0] = r * c;
        if let Some(second) = pair.get_mut(1) {
            *second = r * s;
        }
    }
}

/// The standard-normal draws of one split graph: everything random in it.
///
/// Stake draws are per validator; weight draws per (validator, server), the validator's row
/// holding the honest servers first, as the chain's test draws them. A cell's stakes and
/// weights are these draws scaled by `σ` around 1, clipped at 0 and normalised per side or
/// quadrant, so one `Draws` serves every `(W_H, W_C, σ_W)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Draws {
    /// The honest stake the draws were made for.
    pub s_h: f64,
    /// The node layout for `s_h`.
    pub layout: Layout,
    /// One draw per validator uid.
    pub stake_z: Vec<f64>,
    /// `VALIDATORS_N × SERVERS_N`, row-major: validator `v`, server uid `VALIDATORS_N + k`.
    pub weight_z: Vec<f64>,
}

impl Draws {
    /// Samples the draws for honest stake `s_h` from `seed` (ChaCha8).
    pub fn sample(s_h: f64, seed: u64) -> Draws {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut stake_z = vec![0.0; VALIDATORS_N];
        let mut weight_z = vec![0.0; VALIDATORS_N * SERVERS_N];
        fill_normal(&mut rng, &mut stake_z);
        for row in weight_z.chunks_exact_mut(SERVERS_N) {
            fill_normal(&mut rng, row);
        }
        Draws {
            s_h,
            layout: Layout::for_stake(s_h),
            stake_z,
            weight_z,
        }
    }

    /// Stake per uid in rao: validator draws `max(1 + 0.3·z, 0)`, normalised within each side
    /// and scaled to `S_H` (honest) or `1 − S_H` (cabal) of [`TOTAL_STAKE_RAO`], floored as
    /// the test's `u64`; servers hold none.
    pub fn stake_rao(&self) -> Vec<f64> {
        let mut stake = vec![0.0; NETWORK_N];
        let hv = self.layout.honest_validators;
        for (side, ratio) in [(0..hv, self.s_h), (hv..VALIDATORS_N, 1.0 - self.s_h)] {
            let x: Vec<f64> = self.stake_z[side.clone()]
                .iter()
                .map(|z| (1.0 + STAKE_SIGMA * z).max(0.0))
                .collect();
            let sum: f64 = x.iter().sum();
            if sum > 0.0 {
                for (s, x) in stake[side].iter_mut().zip(&x) {
                    *s = (ratio * x / sum * TOTAL_STAKE_RAO).floor();
                }
            }
        }
        stake
    }

    /// The per-quadrant weight profile for noise `sigma_w` (the `σ_W/μ` of the document):
    /// `p = max(1 + σ_W·z, 0)` normalised to sum 1 over each (validator, server side)
    /// quadrant. A quadrant whose draws all clip to 0 stays 0, as the chain's normalisation
    /// leaves a zero vector.
    pub fn profile(&self, sigma_w: f64, out: &mut Profile) {
        let hs = self.layout.honest_servers;
        out.p.clear();
        out.p.resize(VALIDATORS_N * SERVERS_N, 0.0);
        out.max.clear();
        out.max.resize(VALIDATORS_N, [0.0; 2]);
        for ((z, p), mx) in self
            .weight_z
            .chunks_exact(SERVERS_N)
            .zip(out.p.chunks_exact_mut(SERVERS_N))
            .zip(out.max.iter_mut())
        {
            for (q, range) in [0..hs, hs..SERVERS_N].into_iter().enumerate() {
                let (z, p) = (&z[range.clone()], &mut p[range]);
                let mut sum = 0.0;
                for (p, z) in p.iter_mut().zip(z) {
                    *p = (1.0 + sigma_w * z).max(0.0);
                    sum += *p;
                }
                let mut m: f64 = 0.0;
                if sum > 0.0 {
                    for p in p.iter_mut() {
                        *p /= sum;
                        m = m.max(*p);
                    }
                }
                mx[q] = m;
            }
        }
    }

    /// Writes the validators' weight rows for honest utility `w_h` and cabal self-weight
    /// `w_c` into `rows` (resized to `VALIDATORS_N` rows, allocations kept).
    ///
    /// As in the chain's test: an honest validator puts `W_H` on the honest servers and
    /// `1 − W_H` on the cabal's, a cabal validator `1 − W_C` and `W_C`, each quadrant spread
    /// by the [`Profile`]; each entry is submitted as `⌊65535·w⌋` over all 448 servers
    /// (zeros included) and stored max-upscaled, `round(u·65535/max u)`, as `set_weights`
    /// stores a row.
    pub fn write_weights(&self, profile: &Profile, w_h: f64, w_c: f64, rows: &mut Vec<SparseRow>) {
        let hs = self.layout.honest_servers;
        rows.resize_with(VALIDATORS_N, Vec::new);
        for (v, ((row, p), mx)) in rows
            .iter_mut()
            .zip(profile.p.chunks_exact(SERVERS_N))
            .zip(&profile.max)
            .enumerate()
        {
            let (q_h, q_c) = if v < self.layout.honest_validators {
                (w_h, 1.0 - w_h)
            } else {
                (1.0 - w_c, w_c)
            };
            let (f_h, f_c) = (65535.0 * q_h, 65535.0 * q_c);
            // The largest submitted value, for the upscale (⌊·⌋ is monotone).
            let max = floor_u16(f_h * mx[0]).max(floor_u16(f_c * mx[1]));
            let up = if max == 0 || max == u16::MAX {
                1.0
            } else {
                65535.0 / f64::from(max)
            };
            if row.len() != SERVERS_N {
                row.clear();
                row.extend((0..SERVERS_N).map(|k| ((VALIDATORS_N + k) as u16, 0)));
            }
            // Submitted u = ⌊f·p⌋, stored round(u·up) (halves up, as the chain's rounding of
            // a positive value; `up = 1` leaves u unchanged). Plain loops that vectorise.
            let (row_h, row_c) = row.split_at_mut(hs);
            let (p_h, p_c) = p.split_at(hs);
            for (row, p, f) in [(row_h, p_h, f_h), (row_c, p_c, f_c)] {
                for (e, &p) in row.iter_mut().zip(p) {
                    let u = f64::from(floor_u16(f * p));
                    e.1 = floor_u16(u * up + 0.5);
                }
            }
        }
    }
}

/// Per-quadrant normalised weight noise of one [`Draws`] at one `σ_W` (see
/// [`Draws::profile`]); a reusable buffer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// `VALIDATORS_N × SERVERS_N`, row-major; each row sums to 1 over the honest servers and
    /// 1 over the cabal servers.
    pub p: Vec<f64>,
    /// Per validator, the largest entry over honest and over cabal servers.
    pub max: Vec<[f64; 2]>,
}

/// One cell of the experiment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Honest stake `S_H`.
    pub s_h: f64,
    /// Honest self-weight (utility) `W_H`.
    pub w_h: f64,
    /// Cabal self-weight `W_C`.
    pub w_c: f64,
    /// Weight noise `σ_W` as a multiple of the mean weight.
    pub sigma_w: f64,
}

/// A split graph as the epoch reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitGraph {
    /// The node layout.
    pub layout: Layout,
    /// Stake per uid, rao.
    pub stake: Vec<f64>,
    /// Stored weight rows of the validators (uids `0..VALIDATORS_N`).
    pub weights: Vec<SparseRow>,
}

/// Builds the split graph of `cell` from `seed` (allocating; [`compute_maps`] reuses
/// buffers instead).
pub fn split_graph(cell: Cell, seed: u64) -> SplitGraph {
    let draws = Draws::sample(cell.s_h, seed);
    let mut profile = Profile::default();
    draws.profile(cell.sigma_w, &mut profile);
    let mut weights = Vec::new();
    draws.write_weights(&profile, cell.w_h, cell.w_c, &mut weights);
    SplitGraph {
        layout: draws.layout,
        stake: draws.stake_rao(),
        weights,
    }
}

/// The honest side's shares of one epoch's normalised dividends and incentive.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Shares {
    /// `D_H = Σ_{i∈H} D_i / Σ_i D_i`.
    pub dividends: f64,
    /// `I_H = Σ_{j∈H} I_j / Σ_j I_j`.
    pub incentive: f64,
}

impl Shares {
    /// The honest emission share `E_H = ξ·D_H + (1 − ξ)·I_H`.
    pub fn emission(&self, xi: f64) -> f64 {
        xi * self.dividends + (1.0 - xi) * self.incentive
    }
}

/// The epoch settings of the chain's test, with bonds penalty `beta`.
///
/// Classic ("Yuma 2") bonds, κ = 32 767 (0.5), `MaxAllowedValidators` = 64, bonds moving
/// average 900 000 (irrelevant: one epoch from empty bonds gives `B = ΔB`), liquid alpha and
/// commit-reveal off. β is converted as the test converts its command-line argument,
/// `⌊β·65534⌋` (so β = 1 is 65 534/65 535).
pub fn epoch_params(beta: f64) -> YumaParams {
    YumaParams {
        bonds: &Yuma2,
        kappa: 32_767,
        bonds_penalty: (beta.clamp(0.0, 1.0) * 65534.0) as u16,
        bonds_moving_average: 900_000,
        max_allowed_validators: VALIDATORS_N as u16,
        liquid_alpha: None,
        commit_reveal: false,
        liquid_alpha_consensus: crate::yuma::LiquidAlphaConsensus::Current,
    }
}

/// Runs split-graph epochs with reusable buffers (one per thread).
#[derive(Debug)]
pub struct Evaluator {
    ws: Workspace,
    out: EpochOutput,
    last_update: Vec<u64>,
    registered_at: Vec<u64>,
    permits: Vec<bool>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Evaluator {
            ws: Workspace::default(),
            out: EpochOutput::default(),
            // Everyone set weights at block 1, after registering at block 0; the epoch runs
            // at block 1 (the test's `run_to_block(1)`): all active, no column masked.
            last_update: vec![1; NETWORK_N],
            registered_at: vec![0; NETWORK_N],
            permits: vec![false; NETWORK_N],
        }
    }
}

impl Evaluator {
    /// One epoch of the graph (`stake` per uid, the validators' stored `weights`) with
    /// `params`; returns the honest shares.
    ///
    /// Permits are those the test's first epoch hands out: the top 64 by stake, i.e. every
    /// validator with non-zero stake. Servers' self-weights are left out: the epoch masks
    /// them anyway (no permit, and the diagonal).
    pub fn shares(
        &mut self,
        layout: &Layout,
        stake: &[f64],
        weights: &[SparseRow],
        params: &YumaParams,
    ) -> Shares {
        for (p, s) in self.permits.iter_mut().zip(stake) {
            *p = *s > 0.0;
        }
        let input = EpochInput {
            block: 1,
            tempo: 360,
            activity_cutoff: 5000,
            last_mechanism_step_block: 0,
            stake,
            stake_threshold: 0,
            last_update: &self.last_update,
            registered_at: &self.registered_at,
            permits: &self.permits,
            owner: None,
            weights,
            bonds: &[],
            first_commit_block: &[],
            previous_consensus: &[],
            emission: 1_000_000_000,
        };
        // The inputs are built with matching lengths: a shape error is a bug here.
        run_epoch_into(&input, params, &mut self.ws, &mut self.out)
            .expect("split-graph inputs have consistent lengths");
        let share = |v: &[f64], honest: Range<usize>| {
            let total: f64 = v.iter().sum();
            if total > 0.0 {
                v[honest].iter().sum::<f64>() / total
            } else {
                0.0
            }
        };
        Shares {
            dividends: share(&self.out.dividends, 0..layout.honest_validators),
            incentive: share(&self.out.incentive, layout.honest_server_uids()),
        }
    }

    /// The last epoch's output (for tests and diagnostics).
    pub fn output(&self) -> &EpochOutput {
        &self.out
    }
}

/// One retention map to compute: honest stake, weight noise and bonds penalty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapSpec {
    /// Honest stake `S_H`.
    pub s_h: f64,
    /// Weight noise `σ_W/μ`.
    pub sigma_w: f64,
    /// Bonds penalty β.
    pub beta: f64,
}

/// The smallest honest utility that retains stake, and the cabal self-weight that forces it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// Required honest utility `W_H`.
    pub w_h: f64,
    /// The cabal's worst-case self-weight `W_C` (the row that needs the most `W_H`).
    pub worst_w_c: f64,
}

/// The `(W_H, W_C)` points a map is computed on.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Honest utility values, ascending.
    pub w_h: Vec<f64>,
    /// Cabal self-weight values, ascending.
    pub w_c: Vec<f64>,
}

impl Grid {
    /// `points` evenly spaced values on `[0, 1]` for both axes (the chain's grid is 51).
    pub fn square(points: usize) -> Grid {
        Grid {
            w_h: linspace(0.0, 1.0, points),
            w_c: linspace(0.0, 1.0, points),
        }
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.w_h.len() * self.w_c.len()
    }
}

/// `points` evenly spaced values from `lo` to `hi` (both included; at least two points).
pub fn linspace(lo: f64, hi: f64, points: usize) -> Vec<f64> {
    let d = (points.max(2) - 1) as f64;
    (0..points.max(2))
        .map(|k| lo + (hi - lo) * k as f64 / d)
        .collect()
}

/// `(W_H, W_C)` grids of honest shares, one per replicate.
#[derive(Clone, Debug, PartialEq)]
pub struct RetentionMap {
    /// What was computed.
    pub spec: MapSpec,
    /// Where.
    pub grid: Grid,
    /// Number of replicates.
    pub replicates: usize,
    /// `shares[(r·|W_H| + a)·|W_C| + b]`: replicate `r`, `W_H = grid.w_h[a]`,
    /// `W_C = grid.w_c[b]`.
    pub shares: Vec<Shares>,
}

impl RetentionMap {
    /// The honest emission share of replicate `r` at `(grid.w_h[a], grid.w_c[b])`.
    pub fn emission(&self, r: usize, a: usize, b: usize, xi: f64) -> f64 {
        let (na, nb) = (self.grid.w_h.len(), self.grid.w_c.len());
        self.shares[(r * na + a) * nb + b].emission(xi)
    }

    /// Mean over replicates of `E_H`, as `mean[a·|W_C| + b]`.
    pub fn mean_emission(&self, xi: f64) -> Vec<f64> {
        let cells = self.grid.cells();
        let mut mean = vec![0.0; cells];
        for rep in self.shares.chunks_exact(cells) {
            for (m, s) in mean.iter_mut().zip(rep) {
                *m += s.emission(xi);
            }
        }
        let k = self.replicates.max(1) as f64;
        for m in &mut mean {
            *m /= k;
        }
        mean
    }

    /// The required honest utility on the replicate-mean map (the aggregation the checks
    /// use).
    pub fn threshold(&self, xi: f64) -> Option<Threshold> {
        let mean = self.mean_emission(xi);
        let nb = self.grid.w_c.len();
        required_utility(&self.grid, self.spec.s_h, |a, b| mean[a * nb + b])
    }

    /// The required honest utility on each replicate's own map (one sample, as the chain's
    /// single-seed test sees it); `None`: not retained for some `W_C` even at the largest
    /// `W_H`.
    pub fn replicate_thresholds(&self, xi: f64) -> Vec<Option<f64>> {
        (0..self.replicates)
            .map(|r| {
                required_utility(&self.grid, self.spec.s_h, |a, b| self.emission(r, a, b, xi))
                    .map(|t| t.w_h)
            })
            .collect()
    }

    /// The replicate-mean `E_H` over `(W_H, W_C)` with the `E_H = S_H` contour outlined: one
    /// of the document's per-stake contour plots (x: honest self-weight, y: cabal
    /// self-weight).
    pub fn heatmap(&self, xi: f64, title: String) -> Heatmap {
        let mean = self.mean_emission(xi);
        let nb = self.grid.w_c.len();
        Heatmap {
            title,
            x_label: "honest self-weight (utility) W_H".into(),
            y_label: "cabal self-weight W_C".into(),
            z_label: "honest emission share E_H".into(),
            xs: self.grid.w_h.clone(),
            ys: self.grid.w_c.clone(),
            z: (0..nb)
                .map(|b| (0..self.grid.w_h.len()).map(|a| mean[a * nb + b]).collect())
                .collect(),
            contour: Some(self.spec.s_h),
        }
    }
}

/// The threshold extractor: the smallest honest utility `W_H` that retains stake
/// (`E_H ≥ S_H`) whatever self-weight `W_C` the cabal picks.
///
/// `e_h(a, b)` is `E_H` at `W_H = grid.w_h[a]`, `W_C = grid.w_c[b]`. For each `W_C` row the
/// requirement is the start of the last run of retaining cells, with `E_H` interpolated
/// linearly between grid points as a contour plot does (a row that dips below `S_H` after
/// first reaching it counts from where it recovers); the answer is the largest requirement
/// over the rows, i.e. the rightmost point of the `E_H = S_H` contour, and the row where it
/// is reached is the cabal's worst case. A row that retains everywhere requires the smallest
/// `W_H` of the grid. `None` if some row does not retain even at the largest `W_H`.
pub fn required_utility(
    grid: &Grid,
    s_h: f64,
    e_h: impl Fn(usize, usize) -> f64,
) -> Option<Threshold> {
    let (xs, na) = (&grid.w_h, grid.w_h.len());
    let mut worst: Option<Threshold> = None;
    for (b, &w_c) in grid.w_c.iter().enumerate() {
        let w = match (0..na).rev().find(|&a| e_h(a, b) < s_h) {
            None => xs[0],
            Some(a) if a + 1 == na => return None,
            Some(a) => {
                let (lo, hi) = (e_h(a, b), e_h(a + 1, b));
                xs[a] + (s_h - lo) / (hi - lo) * (xs[a + 1] - xs[a])
            }
        };
        if worst.is_none_or(|t| w > t.w_h) {
            worst = Some(Threshold {
                w_h: w,
                worst_w_c: w_c,
            });
        }
    }
    worst
}

/// Computes every map of `specs` on `grid` with `replicates` replicates each.
///
/// Work is split into units of one `(map, replicate, W_H)` column of `W_C` cells, run in
/// parallel with per-thread buffers and collected in unit order: each cell depends only on
/// its own inputs and seed, so the result is the same for any number of threads.
pub fn compute_maps(specs: &[MapSpec], grid: &Grid, replicates: usize) -> Vec<RetentionMap> {
    // Draws per distinct S_H and replicate, shared by every map at that S_H.
    let mut stakes: Vec<f64> = Vec::new();
    for s in specs {
        if !stakes.contains(&s.s_h) {
            stakes.push(s.s_h);
        }
    }
    let draws: Vec<(Draws, Vec<f64>)> = (0..stakes.len() * replicates)
        .into_par_iter()
        .map(|k| {
            let (s_h, r) = (stakes[k / replicates], k % replicates);
            let d = Draws::sample(s_h, replicate_seed(s_h, r));
            let stake = d.stake_rao();
            (d, stake)
        })
        .collect();
    let draws_of = |spec: &MapSpec, r: usize| {
        let s = stakes.iter().position(|x| *x == spec.s_h).unwrap_or(0);
        &draws[s * replicates + r]
    };
    struct Buffers {
        eval: Evaluator,
        profile: Profile,
        rows: Vec<SparseRow>,
    }
    let na = grid.w_h.len();
    let units = specs.len() * replicates * na;
    let columns: Vec<Vec<Shares>> = (0..units)
        .into_par_iter()
        .map_init(
            || Buffers {
                eval: Evaluator::default(),
                profile: Profile::default(),
                rows: Vec::new(),
            },
            |buf, unit| {
                let (m, rest) = (unit / (replicates * na), unit % (replicates * na));
                let (r, a) = (rest / na, rest % na);
                let spec = &specs[m];
                let (d, stake) = draws_of(spec, r);
                let params = epoch_params(spec.beta);
                d.profile(spec.sigma_w, &mut buf.profile);
                grid.w_c
                    .iter()
                    .map(|&w_c| {
                        d.write_weights(&buf.profile, grid.w_h[a], w_c, &mut buf.rows);
                        buf.eval.shares(&d.layout, stake, &buf.rows, &params)
                    })
                    .collect()
            },
        )
        .collect();
    let per_map = replicates * na;
    specs
        .iter()
        .enumerate()
        .map(|(m, spec)| RetentionMap {
            spec: *spec,
            grid: grid.clone(),
            replicates,
            shares: columns[m * per_map..(m + 1) * per_map]
                .iter()
                .flatten()
                .copied()
                .collect(),
        })
        .collect()
}

/// Honest shares of single cells, one per `(cell, replicate)`, in that order (`β` for all).
pub fn cell_shares(cells: &[Cell], beta: f64, replicates: usize) -> Vec<Vec<Shares>> {
    let params = epoch_params(beta);
    let flat: Vec<Shares> = (0..cells.len() * replicates)
        .into_par_iter()
        .map_init(Evaluator::default, |eval, k| {
            let (cell, r) = (&cells[k / replicates], k % replicates);
            let g = split_graph(*cell, replicate_seed(cell.s_h, r));
            eval.shares(&g.layout, &g.stake, &g.weights, &params)
        })
        .collect();
    flat.chunks(replicates.max(1)).map(<[_]>::to_vec).collect()
}

/// The regression tuples `(S_H, W_H, W_C, σ_W)` of the commented-out test
/// `test_consensus_guarantees` in the chain's `consensus.rs`, each asserted to retain stake.
/// The first five marked `true` are check (A)'s; the others are reported in the setup.
pub const REGRESSION_TUPLES: [((f64, f64, f64, f64), bool); 14] = [
    ((0.51, 1.0, 1.0, 0.001), true),
    ((0.51, 0.03, 0.0, 0.001), false),
    ((0.51, 0.51, 0.49, 0.001), false),
    ((0.51, 0.51, 1.0, 0.001), false),
    ((0.51, 0.61, 0.8, 0.1), false),
    ((0.6, 0.67, 0.65, 0.2), true),
    ((0.6, 0.74, 0.77, 0.4), true),
    ((0.6, 0.76, 0.8, 0.4), false),
    ((0.6, 0.76, 1.0, 0.4), false),
    ((0.6, 0.92, 1.0, 0.4), false),
    ((0.6, 0.94, 1.0, 0.4), false),
    ((0.65, 0.78, 0.85, 0.6), true),
    ((0.7, 0.81, 0.85, 0.8), false),
    ((0.7, 0.83, 0.85, 1.0), true),
];

/// How much a size computes.
struct Plan {
    /// Grid of the S_H = 0.6 maps behind the threshold checks.
    grid: Grid,
    /// Replicates of those maps.
    replicates: usize,
    /// Honest stakes of the retention-line chart besides 0.6 (β = 1, every σ_W).
    line_stakes: Vec<f64>,
    /// Replicates of the line maps.
    line_replicates: usize,
    /// Seeds per regression tuple.
    tuple_replicates: usize,
    /// Tolerance on the thresholds.
    tolerance: f64,
}

impl Plan {
    fn new(size: Size) -> Plan {
        match size {
            Size::Full => Plan {
                grid: Grid::square(51),
                replicates: 16,
                line_stakes: STAKES
                    .iter()
                    .copied()
                    .filter(|s| *s != CHECK_STAKE)
                    .collect(),
                line_replicates: 4,
                tuple_replicates: 16,
                tolerance: 0.02,
            },
            Size::Quick => Plan {
                // W_H in steps of 0.05 over the half where the thresholds lie, W_C in 0.1.
                grid: Grid {
                    w_h: linspace(0.5, 1.0, 11),
                    w_c: linspace(0.0, 1.0, 11),
                },
                replicates: 1,
                line_stakes: vec![0.7],
                line_replicates: 1,
                tuple_replicates: 2,
                tolerance: 0.03,
            },
        }
    }
}

/// Weight-noise settings of the σ_W checks, as multiples of the mean weight.
const SIGMAS: [(f64, &str); 3] = [(0.0, "0.60"), (0.2, "0.67"), (0.4, "0.73")];
/// Bonds penalties of the β checks (σ_W = 0.4μ).
const BETAS: [(f64, &str); 3] = [(0.0, "0.78"), (0.5, "0.76"), (1.0, "0.73")];
/// Validator emission ratios of the ξ checks (σ_W = 0.4μ, β = 1).
const XIS: [(f64, &str); 3] = [(0.0, "0.82"), (0.25, "0.78"), (0.5, "0.73")];
/// The chain's emission split: half to validators.
const CHAIN_XI: f64 = 0.5;

fn find(maps: &[RetentionMap], s_h: f64, sigma_w: f64, beta: f64) -> &RetentionMap {
    maps.iter()
        .find(|m| m.spec == MapSpec { s_h, sigma_w, beta })
        .expect("the plan computes every map the checks read")
}

/// One threshold check against its published value.
fn threshold_check(
    result: String,
    published: &str,
    map: &RetentionMap,
    xi: f64,
    tolerance: f64,
) -> Check {
    let want: f64 = published.parse().unwrap_or(f64::NAN);
    let per_seed: Vec<Option<f64>> = map.replicate_thresholds(xi);
    let seeds = if map.replicates > 1 {
        let known: Vec<f64> = per_seed.iter().flatten().copied().collect();
        let lo = known.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let missing = per_seed.len() - known.len();
        let mut s = format!("; single seeds {lo:.3}–{hi:.3}");
        if missing > 0 {
            s.push_str(&format!(", {missing} not retainable"));
        }
        s
    } else {
        String::new()
    };
    let (ours, status) = match map.threshold(xi) {
        Some(t) => (
            format!("{:.3} (worst W_C = {:.2}{seeds})", t.w_h, t.worst_w_c),
            if (t.w_h - want).abs() <= tolerance + 1e-12 {
                Status::Pass
            } else {
                Status::Fail
            },
        ),
        None => (format!("not retained even at W_H = 1{seeds}"), Status::Fail),
    };
    Check {
        result,
        published: published.into(),
        ours,
        tolerance: format!("±{tolerance:.2}"),
        status,
    }
}

/// Study A at `size`: the retention thresholds of `docs/consensus.md` and the regression
/// tuples of `consensus.rs`, reproduced on yumalab's epoch.
pub fn study(size: Size) -> Study {
    let plan = Plan::new(size);
    // The S_H = 0.6 maps behind the checks: every σ_W at β = 1, and the other β at 0.4.
    let mut specs: Vec<MapSpec> = SIGMAS
        .iter()
        .map(|&(sigma_w, _)| MapSpec {
            s_h: CHECK_STAKE,
            sigma_w,
            beta: 1.0,
        })
        .collect();
    specs.extend(
        BETAS
            .iter()
            .filter(|b| b.0 != 1.0)
            .map(|&(beta, _)| MapSpec {
                s_h: CHECK_STAKE,
                sigma_w: 0.4,
                beta,
            }),
    );
    let mut maps = compute_maps(&specs, &plan.grid, plan.replicates);
    // The retention lines: the other stakes at β = 1 for every σ_W.
    let line_specs: Vec<MapSpec> = plan
        .line_stakes
        .iter()
        .flat_map(|&s_h| {
            SIGMAS.iter().map(move |&(sigma_w, _)| MapSpec {
                s_h,
                sigma_w,
                beta: 1.0,
            })
        })
        .collect();
    let line_maps = compute_maps(&line_specs, &plan.grid, plan.line_replicates);

    let tol = plan.tolerance;
    let mut checks = Vec::new();
    for &(sigma_w, published) in &SIGMAS {
        checks.push(threshold_check(
            format!("Honest utility to keep S_H = 0.6 at σ_W = {sigma_w}μ (β = 1, ξ = 0.5)"),
            published,
            find(&maps, CHECK_STAKE, sigma_w, 1.0),
            CHAIN_XI,
            tol,
        ));
    }
    for &(beta, published) in &BETAS {
        checks.push(threshold_check(
            format!("Honest utility to keep S_H = 0.6 at β = {beta} (σ_W = 0.4μ, ξ = 0.5)"),
            published,
            find(&maps, CHECK_STAKE, 0.4, beta),
            CHAIN_XI,
            tol,
        ));
    }
    for &(xi, published) in &XIS {
        checks.push(threshold_check(
            format!("Honest utility to keep S_H = 0.6 at ξ = {xi} (σ_W = 0.4μ, β = 1)"),
            published,
            find(&maps, CHECK_STAKE, 0.4, 1.0),
            xi,
            tol,
        ));
    }
    checks.push(threshold_check(
        "Honest utility to keep S_H = 0.7 (\"W_H > 0.75\"; σ_W = 0.4μ, β = 1, ξ = 0.5 assumed)"
            .into(),
        "0.75",
        find(&line_maps, 0.7, 0.4, 1.0),
        CHAIN_XI,
        tol,
    ));

    // Regression tuples.
    let cells: Vec<Cell> = REGRESSION_TUPLES
        .iter()
        .map(|&((s_h, w_h, w_c, sigma_w), _)| Cell {
            s_h,
            w_h,
            w_c,
            sigma_w,
        })
        .collect();
    let tuple_shares = cell_shares(&cells, 1.0, plan.tuple_replicates);
    let mut tuple_rows = String::new();
    for ((&((s_h, w_h, w_c, sigma_w), checked), shares), cell) in
        REGRESSION_TUPLES.iter().zip(&tuple_shares).zip(&cells)
    {
        let e: Vec<f64> = shares.iter().map(|s| s.emission(CHAIN_XI)).collect();
        let mean = e.iter().sum::<f64>() / e.len().max(1) as f64;
        let min = e.iter().copied().fold(f64::INFINITY, f64::min);
        let retained = e.iter().filter(|x| **x >= cell.s_h).count();
        tuple_rows.push_str(&format!(
            "| ({s_h}, {w_h}, {w_c}, {sigma_w}) | {mean:.4} | {min:.4} | {retained}/{} |{}\n",
            e.len(),
            if checked { " check |" } else { " |" }
        ));
        if checked {
            checks.push(Check {
                result: format!(
                    "Regression tuple (S_H, W_H, W_C, σ_W) = ({s_h}, {w_h}, {w_c}, {sigma_w}) retains stake (β = 1, ξ = 0.5)"
                ),
                published: format!("E_H ≥ {s_h}"),
                ours: format!(
                    "E_H = {mean:.4} (mean of {} seeds; lowest {min:.4}; {retained}/{} seeds retain)",
                    e.len(),
                    e.len()
                ),
                tolerance: "E_H ≥ S_H on the seed mean".into(),
                status: if mean >= s_h {
                    Status::Pass
                } else {
                    Status::Fail
                },
            });
        }
    }

    // Figures: one E_H map per setting, then the retention lines.
    let mut figures = Vec::new();
    for &(sigma_w, _) in &SIGMAS {
        let m = find(&maps, CHECK_STAKE, sigma_w, 1.0);
        figures.push((
            format!("retention-sigma{:02}", (sigma_w * 100.0).round() as u32),
            Figure::Heatmap(m.heatmap(
                CHAIN_XI,
                format!("Honest emission E_H at S_H = 0.6, σ_W = {sigma_w}μ, β = 1, ξ = 0.5"),
            )),
        ));
    }
    for &(beta, _) in BETAS.iter().filter(|b| b.0 != 1.0) {
        let m = find(&maps, CHECK_STAKE, 0.4, beta);
        figures.push((
            format!("retention-beta{:02}", (beta * 100.0).round() as u32),
            Figure::Heatmap(m.heatmap(
                CHAIN_XI,
                format!("Honest emission E_H at S_H = 0.6, σ_W = 0.4μ, β = {beta}, ξ = 0.5"),
            )),
        ));
    }
    for &(xi, _) in XIS.iter().filter(|x| x.0 != CHAIN_XI) {
        let m = find(&maps, CHECK_STAKE, 0.4, 1.0);
        figures.push((
            format!("retention-xi{:02}", (xi * 100.0).round() as u32),
            Figure::Heatmap(m.heatmap(
                xi,
                format!("Honest emission E_H at S_H = 0.6, σ_W = 0.4μ, β = 1, ξ = {xi}"),
            )),
        ));
    }
    maps.extend(line_maps);
    figures.push((
        "retention-lines".into(),
        Figure::Line(retention_lines(&maps)),
    ));

    Study {
        id: "A",
        title: "Yuma retention map (subtensor consensus document)".into(),
        source: SOURCE.into(),
        setup: setup(&plan, &tuple_rows, &notes(&maps)),
        checks,
        figures,
    }
}

/// The source, as cited in `published-results.md` §1.
const SOURCE: &str = "opentensor/subtensor `docs/consensus.md` (Monte Carlo simulations, \
consensus guarantees), test `pallets/subtensor/src/tests/consensus.rs::map_consensus_guarantees` \
with its generator `split_graph` and the commented-out `test_consensus_guarantees`, plot script \
`scripts/map_consensus.py`; framing from F. Luus, J. Steeves, A. Shaabana, Y. Hu, S. T. Liu, \
*Stake-Based Consensus for Utility Scoring* (Opentensor, c. 2022–23)";

/// Required honest utility against honest stake, one line per σ_W (β = 1, ξ = 0.5), with the
/// single-seed range as a band: the document's compound "retention lines" plot, turned into
/// thresholds.
fn retention_lines(maps: &[RetentionMap]) -> LineChart {
    let series = SIGMAS
        .iter()
        .map(|&(sigma_w, _)| {
            let mut line: Vec<&RetentionMap> = maps
                .iter()
                .filter(|m| m.spec.sigma_w == sigma_w && m.spec.beta == 1.0)
                .collect();
            line.sort_by(|a, b| a.spec.s_h.total_cmp(&b.spec.s_h));
            let mut points = Vec::new();
            let mut band = Vec::new();
            for m in line {
                let Some(t) = m.threshold(CHAIN_XI) else {
                    continue;
                };
                points.push((m.spec.s_h, t.w_h));
                let seeds: Vec<f64> = m
                    .replicate_thresholds(CHAIN_XI)
                    .into_iter()
                    .map(|t| t.unwrap_or(1.0))
                    .collect();
                if seeds.len() > 1 {
                    let lo = seeds.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = seeds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    band.push((m.spec.s_h, lo, hi));
                }
            }
            Series {
                name: format!("σ_W = {sigma_w}μ"),
                points,
                band,
            }
        })
        .collect();
    LineChart {
        title: "Honest utility needed to retain honest stake (β = 1, ξ = 0.5, worst-case W_C)"
            .into(),
        x_label: "honest stake S_H".into(),
        y_label: "required honest utility W_H".into(),
        series,
        y_range: Some((0.5, 1.0)),
        markers: true,
        hlines: Vec::new(),
    }
}

/// What the thresholds say beyond the checks, in words.
fn notes(maps: &[RetentionMap]) -> String {
    let t = |sigma_w: f64, beta: f64, xi: f64| {
        find(maps, CHECK_STAKE, sigma_w, beta)
            .threshold(xi)
            .map_or(f64::NAN, |t| t.w_h)
    };
    let base = t(0.4, 1.0, CHAIN_XI);
    let offsets: Vec<String> = BETAS
        .iter()
        .map(|&(beta, published)| {
            let want: f64 = published.parse().unwrap_or(f64::NAN);
            format!("{:+.3} at β = {beta}", t(0.4, beta, CHAIN_XI) - want)
        })
        .collect();
    format!(
        "**Reading the numbers.** At σ_W = 0.4μ, β = 1 the honest side needs W_H ≥ {base:.3} to \
keep 60 % of the stake, so a 40 % cabal gains stake once it produces more than {attack:.0} % of \
the utility: the document's \"40 % stake + 30 % utility\" attack (the earlier Luus et al. note \
says 25 %). Without weight noise the threshold is exactly S_H (here 0.60): with identical rows \
per side, the cabal's best reply W_C = 1 − W_H gives E_H = ξ·S_H + (1 − ξ)·W_H at ξ = 0.5. Our \
thresholds differ from the published ones by {offsets}; the single-seed ranges are a few \
thousandths wide, so one fixed seed like the chain's does not explain a 0.01 offset, which is \
at the reading precision of the document's plots (grid lines every 0.05).",
        attack = 100.0 * (1.0 - base),
        offsets = offsets.join(", "),
    )
}

fn setup(plan: &Plan, tuple_rows: &str, notes: &str) -> String {
    let grid = format!(
        "W_H on {} points in [{}, {}], W_C on {} points in [{}, {}]",
        plan.grid.w_h.len(),
        plan.grid.w_h[0],
        plan.grid.w_h[plan.grid.w_h.len() - 1],
        plan.grid.w_c.len(),
        plan.grid.w_c[0],
        plan.grid.w_c[plan.grid.w_c.len() - 1],
    );
    format!(
        "**Model.** The chain's `split_graph` generator and one epoch, as in the ignored test \
`map_consensus_guarantees`. 512 uids: 64 validators (uids 0–63) and 448 servers (uids 64–511), \
laid out blockwise (`interleave = 0`). The honest side gets ⌊S_H·64⌋ validators and ⌊S_H·448⌋ \
servers (kept within [1, n−1]), honest uids first. Validator stake: `max(1 + 0.3·z, 0)` per \
validator, normalised within each side to S_H and 1 − S_H (servers hold none). Weights: an \
honest validator puts W_H on the honest servers and 1 − W_H on the cabal's, a cabal validator \
1 − W_C and W_C; within each quadrant the split is `max(1 + σ_W·z, 0)` normalised, so σ_W is \
the weight noise as a multiple of the mean weight μ. Rows are submitted as ⌊65535·w⌋ over all \
448 servers and stored max-upscaled, as `set_weights` does. Entries are small integers (a cabal-quadrant entry at W = 0.1 is \
⌊65535·0.1/180⌋ = 36), so flooring moves a quadrant's share by up to about 1 %, as in the \
chain's test.\n\n\
**Epoch.** yumalab's `run_epoch_into`, classic (Yuma 2) bonds, κ = 0.5 (32 767), 64 validator \
permits (every staked validator), everyone active, no prior bonds, so the single epoch's \
bonds are ΔB_ij = S_i·W̃_ij / Σ_k S_k·W̃_kj with W̃ = (1−β)·W + β·clip(W) (β = 1: bonds on the \
consensus-clipped weights, full penalty; β = 0: bonds on the raw weights). β enters as the \
test converts it, ⌊β·65534⌋. The EMA rate is irrelevant for one epoch from empty bonds; the \
document argues retention extends to many epochs by additivity.\n\n\
**Emission.** E_H = ξ·D_H + (1 − ξ)·I_H, with D_H and I_H the honest shares of the epoch's \
normalised dividends and incentive. The chain's epoch splits emission 50/50 (server and \
validator emission are I and D over ΣI + ΣD = 2), so the test's \"major emission\" ratio is \
ξ = 0.5; all σ_W, β and tuple checks use ξ = 0.5, the ξ checks recombine the σ_W = 0.4μ, \
β = 1 map.\n\n\
**Threshold and worst case.** The document reads \"honest utility needed to keep 60 % stake\" \
off the E_H = S_H contour of a map over (x = W_H, y = W_C); we take its rightmost point: for \
each W_C row the smallest W_H from which E_H ≥ S_H holds (E_H interpolated linearly between \
grid points, as the contour is), then the maximum over rows. That row is the cabal's \
worst-case W_C, reported with each number.\n\n\
**Seeds and aggregation.** The chain's test seeds `StdRng` with 0 in *every* cell: its maps are \
one realisation, with the same draws in every cell (only rescaled). We keep that structure \
(common random numbers: a replicate's seed depends on S_H and the replicate only, from stable \
ids, ChaCha8, Box–Muller in f64) and average E_H per cell over replicates before extracting \
the threshold (the document's objective is an expectation over the draws). The range of the \
thresholds of single replicates is shown too: it is what one fixed seed, like the chain's, \
could give. The draws themselves cannot match the chain's (a different generator, and the \
chain's Box–Muller runs in I32F32 on u16 uniforms).\n\n\
**This run.** {grid}; {r} replicate(s) for the S_H = 0.6 maps, {lr} for the other stakes of \
the retention lines (S_H = {ls:?}); {tr} seeds per regression tuple. Tolerance ±{tol:.2} (the \
published numbers were read off contour plots).\n\n\
**Regression tuples.** The commented-out `test_consensus_guarantees` asserts E_H ≥ S_H for 14 \
tuples (its call predates the bonds penalty, i.e. β = 1; it used random interleaving, which \
does not change the epoch's result). The five named by check (A) are checks; all are listed:\n\n\
| (S_H, W_H, W_C, σ_W) | mean E_H | lowest E_H | seeds retaining | |\n\
|---|---|---|---|---|\n\
{tuple_rows}\n\
{notes}\n\n\
**Figures.** `retention-*`: mean E_H over (W_H, W_C) at S_H = 0.6 for each setting, with the \
E_H = S_H contour (the document's per-stake contour plot); `retention-lines`: the required \
W_H against S_H per σ_W, with the single-seed range (the document's compound retention-line \
plot as thresholds).",
        r = plan.replicates,
        lr = plan.line_replicates,
        ls = plan.line_stakes,
        tr = plan.tuple_replicates,
        tol = plan.tolerance,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s_h: f64, w_h: f64, w_c: f64, sigma_w: f64) -> Cell {
        Cell {
            s_h,
            w_h,
            w_c,
            sigma_w,
        }
    }

    /// How far a quadrant's share of a row can move from its target: every entry is submitted
    /// as `⌊65535·w⌋` and loses less than one unit (of a row summing to 65535), so a quadrant
    /// of up to 448 entries loses less than 448/65535 ≈ 0.7 %. The chain's test rounds the
    /// same way.
    const QUANTUM: f64 = SERVERS_N as f64 / 65535.0;

    /// `Σ` of a validator's stored row over a range of server uids.
    fn row_sum(row: &SparseRow, uids: Range<usize>) -> f64 {
        row.iter()
            .filter(|(j, _)| uids.contains(&usize::from(*j)))
            .map(|(_, w)| f64::from(*w))
            .sum()
    }

    #[test]
    fn node_counts_are_proportional_to_stake_and_never_empty() {
        let l = Layout::for_stake(0.6);
        assert_eq!((l.honest_validators, l.honest_servers), (38, 268));
        assert_eq!((l.cabal_validators(), l.cabal_servers()), (26, 180));
        assert_eq!(Layout::for_stake(0.75).honest_validators, 48);
        for s_h in STAKES {
            let l = Layout::for_stake(s_h);
            assert_eq!(l.honest_validators, (s_h * 64.0).floor() as usize, "{s_h}");
            assert_eq!(l.honest_servers, (s_h * 448.0).floor() as usize, "{s_h}");
        }
        // Extremes keep one node of each kind on both sides.
        let l = Layout::for_stake(0.999);
        assert_eq!((l.cabal_validators(), l.cabal_servers()), (1, 1));
        let l = Layout::for_stake(0.001);
        assert_eq!((l.honest_validators, l.honest_servers), (1, 1));
        let l = Layout::for_stake(0.6);
        assert!(l.is_honest(0) && l.is_honest(37) && !l.is_honest(38) && !l.is_honest(63));
        assert!(l.is_honest(64) && l.is_honest(331) && !l.is_honest(332) && !l.is_honest(511));
    }

    #[test]
    fn stakes_are_normalised_per_side_and_servers_hold_none() {
        for s_h in [0.51, 0.6, 0.9] {
            let g = split_graph(cell(s_h, 0.7, 0.5, 0.4), 7);
            let hv = g.layout.honest_validators;
            let honest: f64 = g.stake[..hv].iter().sum();
            let cabal: f64 = g.stake[hv..VALIDATORS_N].iter().sum();
            assert!((honest / TOTAL_STAKE_RAO - s_h).abs() < 1e-12, "{s_h}");
            assert!(
                (cabal / TOTAL_STAKE_RAO - (1.0 - s_h)).abs() < 1e-12,
                "{s_h}"
            );
            assert!(g.stake[VALIDATORS_N..].iter().all(|s| *s == 0.0));
            assert!(g.stake[..VALIDATORS_N].iter().all(|s| *s >= 0.0));
            // The stake draws do vary (σ = 0.3).
            let (lo, hi) = g.stake[..hv]
                .iter()
                .fold((f64::INFINITY, 0.0_f64), |(l, h), s| (l.min(*s), h.max(*s)));
            assert!(hi > 1.3 * lo);
        }
    }

    #[test]
    fn weight_rows_cover_every_server_and_split_by_quadrant() {
        let (w_h, w_c) = (0.7, 0.85);
        let g = split_graph(cell(0.6, w_h, w_c, 0.4), 3);
        let l = g.layout;
        let cabal = l.honest_server_uids().end..NETWORK_N;
        assert_eq!(g.weights.len(), VALIDATORS_N);
        for (v, row) in g.weights.iter().enumerate() {
            let uids: Vec<usize> = row.iter().map(|(j, _)| usize::from(*j)).collect();
            assert_eq!(uids, (VALIDATORS_N..NETWORK_N).collect::<Vec<_>>());
            // Stored max-upscaled: the largest entry is 65535.
            assert_eq!(row.iter().map(|e| e.1).max(), Some(u16::MAX));
            // Normalised, the row puts W_H (honest) or 1 − W_C (cabal) on honest servers.
            let total = row_sum(row, VALIDATORS_N..NETWORK_N);
            let on_honest = row_sum(row, l.honest_server_uids()) / total;
            let on_cabal = row_sum(row, cabal.clone()) / total;
            let want = if v < l.honest_validators {
                w_h
            } else {
                1.0 - w_c
            };
            assert!(
                (on_honest - want).abs() < QUANTUM,
                "row {v}: {on_honest} vs {want}"
            );
            assert!((on_honest + on_cabal - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn without_weight_noise_each_side_submits_one_row() {
        let g = split_graph(cell(0.6, 0.7, 0.5, 0.0), 5);
        let hv = g.layout.honest_validators;
        assert!(g.weights[..hv].iter().all(|r| *r == g.weights[0]));
        assert!(g.weights[hv..].iter().all(|r| *r == g.weights[hv]));
        assert_ne!(g.weights[0], g.weights[hv]);
    }

    #[test]
    fn the_generator_is_a_function_of_its_seed() {
        let c = cell(0.65, 0.78, 0.85, 0.6);
        assert_eq!(split_graph(c, 11), split_graph(c, 11));
        assert_ne!(split_graph(c, 11), split_graph(c, 12));
        // Seeds come from stable ids: per stake and replicate, not per cell.
        assert_eq!(replicate_seed(0.6, 3), replicate_seed(0.6, 3));
        assert_ne!(replicate_seed(0.6, 3), replicate_seed(0.6, 4));
        assert_ne!(replicate_seed(0.6, 3), replicate_seed(0.65, 3));
    }

    /// `E_H = ξ·D_H + (1 − ξ)·I_H` at ξ = 0.5 is the chain test's "major emission" ratio of the
    /// combined emission paid in rao.
    #[test]
    fn half_split_matches_the_epochs_emission() {
        let g = split_graph(cell(0.6, 0.74, 0.77, 0.4), 1);
        let mut eval = Evaluator::default();
        let sh = eval.shares(&g.layout, &g.stake, &g.weights, &epoch_params(1.0));
        let e = &eval.output().emission;
        let total: u64 = e.iter().sum();
        let honest: u64 = (0..NETWORK_N)
            .filter(|&u| g.layout.is_honest(u))
            .map(|u| e[u])
            .sum();
        let ratio = honest as f64 / total as f64;
        assert!((sh.emission(0.5) - ratio).abs() < 1e-6, "{sh:?} vs {ratio}");
    }

    /// Without weight noise every validator of a side submits the same row, so the epoch has
    /// a closed form (β = 1): at W_C = 1 − W_H, `E_H = ξ·S_H + (1 − ξ)·W_H`; at W_C = 1,
    /// `I_H = S_H·W_H / (S_H·W_H + 1 − W_H)` (up to the u16 quantisation of the rows).
    #[test]
    fn noiseless_epoch_matches_the_closed_form() {
        let s = 0.6;
        let mut eval = Evaluator::default();
        let params = epoch_params(1.0);
        for w_h in [0.55, 0.7, 0.9] {
            let g = split_graph(cell(s, w_h, 1.0 - w_h, 0.0), 2);
            let sh = eval.shares(&g.layout, &g.stake, &g.weights, &params);
            for xi in [0.0, 0.5] {
                let want = xi * s + (1.0 - xi) * w_h;
                assert!(
                    (sh.emission(xi) - want).abs() < QUANTUM,
                    "{w_h} {xi}: {sh:?}"
                );
            }
            let g = split_graph(cell(s, w_h, 1.0, 0.0), 2);
            let sh = eval.shares(&g.layout, &g.stake, &g.weights, &params);
            let want = s * w_h / (s * w_h + 1.0 - w_h);
            assert!(
                (sh.incentive - want).abs() < QUANTUM,
                "{w_h}: {sh:?} vs {want}"
            );
        }
    }

    #[test]
    fn the_extractor_finds_a_known_threshold() {
        // E_H = W_H − g(W_C), g peaking at 0.2 at W_C = 0.3: S_H = 0.6 needs W_H ≥ 0.6 + g,
        // at most 0.8, at W_C = 0.3.
        let grid = Grid::square(51);
        let g = |w_c: f64| 0.2 - 2.0 * (w_c - 0.3) * (w_c - 0.3);
        let e = |a: usize, b: usize| grid.w_h[a] - g(grid.w_c[b]);
        let t = required_utility(&grid, 0.6, e).unwrap();
        assert!((t.w_h - 0.8).abs() < 1e-9, "{t:?}");
        assert!((t.worst_w_c - 0.3).abs() < 1e-12);
        // Off-grid crossings are interpolated linearly: E_H = W_H + 0.013 crosses at 0.587.
        let t = required_utility(&grid, 0.6, |a, _| grid.w_h[a] + 0.013).unwrap();
        assert!((t.w_h - 0.587).abs() < 1e-9, "{t:?}");
        // A row that retains everywhere needs the grid's smallest W_H.
        let t = required_utility(&grid, 0.6, |_, _| 0.9).unwrap();
        assert_eq!(t.w_h, 0.0);
        // A dip below S_H after a first crossing: the requirement starts where E_H recovers,
        // between 0.78 (E_H = 0.5) and 0.80 (E_H = 0.8).
        let dip = |a: usize, _: usize| {
            let x = grid.w_h[a];
            if (0.7..0.79).contains(&x) { 0.5 } else { x }
        };
        let t = required_utility(&grid, 0.6, dip).unwrap();
        assert!((t.w_h - (0.78 + 0.02 / 3.0)).abs() < 1e-9, "{t:?}");
        // A row that never retains: no threshold.
        let never = |a: usize, b: usize| if b == 7 { 0.3 } else { grid.w_h[a] };
        assert_eq!(required_utility(&grid, 0.6, never), None);
    }

    #[test]
    fn honest_emission_grows_with_honest_utility() {
        let mut eval = Evaluator::default();
        let params = epoch_params(1.0);
        for w_c in [0.2, 0.8, 1.0] {
            let mut last = 0.0;
            for k in 0..=5 {
                let w_h = 0.5 + 0.1 * f64::from(k);
                let g = split_graph(cell(0.6, w_h, w_c, 0.4), replicate_seed(0.6, 0));
                let e = eval
                    .shares(&g.layout, &g.stake, &g.weights, &params)
                    .emission(0.5);
                assert!(e > last, "W_C = {w_c}, W_H = {w_h}: {e} after {last}");
                last = e;
            }
        }
    }

    #[test]
    fn regression_tuples_retain_stake() {
        let cells: Vec<Cell> = REGRESSION_TUPLES
            .iter()
            .filter(|t| t.1)
            .map(|&((s_h, w_h, w_c, sigma_w), _)| cell(s_h, w_h, w_c, sigma_w))
            .collect();
        for (c, shares) in cells.iter().zip(cell_shares(&cells, 1.0, 2)) {
            let mean = shares.iter().map(|s| s.emission(0.5)).sum::<f64>() / 2.0;
            assert!(mean >= c.s_h, "{c:?}: E_H = {mean}");
        }
    }

    #[test]
    fn maps_do_not_depend_on_the_thread_count() {
        let grid = Grid {
            w_h: vec![0.6, 0.8],
            w_c: vec![0.5, 1.0],
        };
        let specs = [
            MapSpec {
                s_h: 0.6,
                sigma_w: 0.4,
                beta: 0.5,
            },
            MapSpec {
                s_h: 0.7,
                sigma_w: 0.2,
                beta: 1.0,
            },
        ];
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| compute_maps(&specs, &grid, 2))
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one[0].shares.len(), 2 * 4);
        // Each cell is the standalone generator and epoch at that cell's seed.
        let g = split_graph(cell(0.7, 0.8, 0.5, 0.2), replicate_seed(0.7, 1));
        let want = Evaluator::default().shares(&g.layout, &g.stake, &g.weights, &epoch_params(1.0));
        assert_eq!(one[1].shares[(2 + 1) * 2], want);
    }

    #[test]
    fn quick_study_passes_its_checks() {
        let s = study(Size::Quick);
        assert_eq!(s.id, "A");
        assert_eq!(s.checks.len(), 15);
        for c in &s.checks {
            assert_eq!(c.status, Status::Pass, "{c:?}");
        }
        assert!(s.figures.iter().any(|(_, f)| matches!(f, Figure::Line(_))));
        let heatmaps = s
            .figures
            .iter()
            .filter(|(_, f)| matches!(f, Figure::Heatmap(h) if h.contour == Some(0.6)))
            .count();
        assert_eq!(heatmaps, 7);
    }

    #[test]
    #[ignore = "full-size study, release build: cargo test --release --lib validation::retention::tests::full_study -- --ignored --nocapture"]
    #[allow(clippy::print_stderr)]
    fn full_study() {
        let t = std::time::Instant::now();
        let s = study(Size::Full);
        let el = t.elapsed();
        for c in &s.checks {
            eprintln!(
                "{} | {} | {} | {} | {:?}",
                c.result, c.published, c.ours, c.tolerance, c.status
            );
        }
        eprintln!("{}", s.setup);
        eprintln!("wall time {el:?}");
    }
}
