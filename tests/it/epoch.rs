//! Behaviour of one Yuma epoch (spec `chain-model.md` §3): properties over random subnets,
//! and one hand-computed case per spec rule.
//!
//! The random subnets come from [`net`]: 2..=40 uids, the first `v` with a permit, stakes
//! with zeros and ties, sparse u16 weight rows (explicit zeros, self-weights, the odd stale
//! row on a uid without a permit), stored bonds, random activity / registration / commit
//! blocks, both bonds variants, liquid alpha on and off, and κ, β, bonds moving average and
//! K drawn within the chain's bounds (spec §4).
//!
//! Only what the spec guarantees is asserted. Where the chain's `I32F32` truncation makes an
//! exact statement false (the emission lower bound, comparisons between two different stake
//! vectors) the tolerance is derived at the assertion.

use proptest::prelude::*;
use proptest::sample::Index;
use yumalab::yuma::bonds;
use yumalab::yuma::mechanism::combine;
use yumalab::yuma::{
    EpochInput, EpochOutput, EpochPath, Isa, LiquidAlpha, LiquidAlphaConsensus, SparseRow,
    Workspace, YumaParams, run_epoch, run_epoch_into,
};

/// 10⁹ rao, the emission of the hand-made cases.
const E: u64 = 1_000_000_000;

/// 2³², the scale of the chain's `I32F32`.
const I32F32: f64 = 4_294_967_296.0;

/// A subnet's state as one epoch reads it, owned, plus its parameters.
#[derive(Clone, Debug)]
struct Net {
    block: u64,
    tempo: u64,
    activity_cutoff: u64,
    last_mechanism_step_block: u64,
    stake: Vec<f64>,
    stake_threshold: u64,
    last_update: Vec<u64>,
    registered_at: Vec<u64>,
    permits: Vec<bool>,
    owner: Option<u16>,
    weights: Vec<SparseRow>,
    bonds: Vec<SparseRow>,
    first_commit_block: Vec<Option<u64>>,
    previous_consensus: Vec<u16>,
    emission: u64,
    params: YumaParams,
}

impl Net {
    /// A hand-made subnet at block 1000 with tempo 360 and activity cutoff 5000: everyone
    /// registered at block 0 and last updated at block 900 (so every uid is active, no weight
    /// is outdated and no column is recently registered), no owner, no bonds, E = 10⁹,
    /// default parameters (Yuma3, κ = 32767, β = 1, BMA 900 000, K = 64, liquid alpha off).
    fn new(stake: &[f64], permits: &[bool], weights: Vec<SparseRow>) -> Net {
        let n = stake.len();
        assert_eq!(permits.len(), n);
        Net {
            block: 1000,
            tempo: 360,
            activity_cutoff: 5000,
            last_mechanism_step_block: 0,
            stake: stake.to_vec(),
            stake_threshold: 0,
            last_update: vec![900; n],
            registered_at: vec![0; n],
            permits: permits.to_vec(),
            owner: None,
            weights,
            bonds: Vec::new(),
            first_commit_block: Vec::new(),
            previous_consensus: Vec::new(),
            emission: E,
            params: YumaParams::default(),
        }
    }

    fn n(&self) -> usize {
        self.stake.len()
    }

    fn input(&self) -> EpochInput<'_> {
        EpochInput {
            block: self.block,
            tempo: self.tempo,
            activity_cutoff: self.activity_cutoff,
            last_mechanism_step_block: self.last_mechanism_step_block,
            stake: &self.stake,
            stake_threshold: self.stake_threshold,
            last_update: &self.last_update,
            registered_at: &self.registered_at,
            permits: &self.permits,
            owner: self.owner,
            weights: &self.weights,
            bonds: &self.bonds,
            first_commit_block: &self.first_commit_block,
            previous_consensus: &self.previous_consensus,
            emission: self.emission,
        }
    }

    fn run(&self) -> EpochOutput {
        run_epoch(&self.input(), &self.params).expect("well-shaped input")
    }

    /// The permit used in this epoch: last epoch's, with the owner's forced (§3.4).
    fn permit_used(&self, i: usize) -> bool {
        self.permits[i] || self.owner == Some(i as u16)
    }

    fn weight_row(&self, i: usize) -> &[(u16, u16)] {
        self.weights.get(i).map_or(&[], |r| r.as_slice())
    }

    fn bond_row(&self, i: usize) -> &[(u16, u16)] {
        self.bonds.get(i).map_or(&[], |r| r.as_slice())
    }

    fn is_yuma2(&self) -> bool {
        self.params.bonds.name() == "yuma2"
    }
}

/// A stored bond value, 0 if absent.
fn bond(out: &EpochOutput, i: usize, j: u16) -> u16 {
    out.bonds[i].iter().find(|e| e.0 == j).map_or(0, |e| e.1)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            close(*g, *w, tol),
            "{what}[{k}] = {g}, expected {w} (±{tol}); all: {got:?}"
        );
    }
}

/// The spec's new-permit rule (§3.4) on the normalised stake `S`: start from `S_i ≠ 0`; if
/// `n ≥ K`, stable-sort uids ascending by `S` and remove the first `n − K`; the owner keeps one.
fn expected_permits(stake: &[f64], k: usize, owner: Option<u16>) -> Vec<bool> {
    let n = stake.len();
    let mut permits: Vec<bool> = stake.iter().map(|s| *s != 0.0).collect();
    if n >= k {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| stake[*a].partial_cmp(&stake[*b]).expect("finite stake"));
        for &i in &order[..n - k] {
            permits[i] = false;
        }
    }
    if let Some(o) = owner {
        permits[usize::from(o)] = true;
    }
    permits
}

/// An upper bound on what flooring loses over `entries` amounts that should sum to `e`.
///
/// Each amount is `⌊f·e⌋` where `f` is a share truncated to `I32F32` (spec §3.10, §3.14).
/// Truncation loses < 2⁻³² of a share, i.e. < e/2³² rao; the floor loses < 1 rao; the f64
/// division before the truncation may be off by one ulp (≤ 2⁻⁵³·e). So each entry loses
/// < 1 + e/2³² + e/2⁵³ < 3 + ⌊e/2³²⌋ + ⌊e/2⁵²⌋ rao. For e ≤ 2³² this is the "one rao per
/// entry, plus one" bound; for large e the `I32F32` grid dominates (the chain's own 10-way
/// split of 10¹⁸ rao leaves ~2.3·10⁸ rao unpaid).
fn floor_slack(entries: usize, e: u64) -> u128 {
    entries as u128 * (3 + u128::from(e >> 32) + u128::from(e >> 52))
}

// ---------------------------------------------------------------------------------------
// Random subnets.
// ---------------------------------------------------------------------------------------

fn raw_stake() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => Just(0.0),
        // Few distinct values, so ties are common.
        2 => (1u32..=4).prop_map(|k| f64::from(k) * 1e9),
        5 => (1u64..=10_000_000_000_000).prop_map(|x| x as f64),
        // Small and fractional (α + w_τ·τ need not be whole), around the stake threshold.
        1 => 0.0f64..1e6,
    ]
}

fn weight_value() -> BoxedStrategy<u16> {
    prop_oneof![1 => Just(0u16), 1 => Just(u16::MAX), 4 => any::<u16>()].boxed()
}

fn bond_value() -> BoxedStrategy<u16> {
    prop_oneof![1 => Just(u16::MAX), 4 => 1u16..=u16::MAX].boxed()
}

/// A sparse row over `n` columns: ascending, no duplicate column (as the SDK submits them).
/// One entry in 20 names a uid ≥ n (a stale entry after the subnet shrank), which the epoch
/// must ignore.
fn sparse_row(n: usize, value: BoxedStrategy<u16>) -> impl Strategy<Value = SparseRow> {
    let n = n as u16;
    let column = prop_oneof![19 => 0..n, 1 => n..n + 3];
    prop::collection::vec((column, value), 0..=usize::from(n)).prop_map(|mut row| {
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        row
    })
}

fn params() -> impl Strategy<Value = YumaParams> {
    (
        prop_oneof![Just("yuma2"), Just("yuma3")],
        prop_oneof![Just(32_767u16), 1u16..=u16::MAX],
        prop_oneof![Just(u16::MAX), Just(0u16), any::<u16>()],
        prop_oneof![Just(900_000u64), 0u64..=975_000],
        1u16..=48,
        prop::option::of((
            1638u16..=u16::MAX,
            1638u16..=u16::MAX,
            prop_oneof![Just(1000i16), 1i16..=5000],
        )),
        any::<bool>(),
    )
        .prop_map(
            |(name, kappa, bonds_penalty, bonds_moving_average, k, liquid, commit_reveal)| {
                YumaParams {
                    bonds: bonds::variant(name).expect("known variant"),
                    kappa,
                    bonds_penalty,
                    bonds_moving_average,
                    max_allowed_validators: k,
                    liquid_alpha: liquid.map(|(a, b, steepness)| LiquidAlpha {
                        alpha_low: a.min(b),
                        alpha_high: a.max(b),
                        steepness,
                    }),
                    commit_reveal,
                    ..YumaParams::default()
                }
            },
        )
}

/// Per-uid raw draws: last-update (fresh?, raw), registration (recent?, raw), commit block,
/// whether a uid without a permit carries stale rows, stake, weight row, bond row.
type UidDraw = (
    (bool, u64),
    (bool, u64),
    Option<u64>,
    bool,
    f64,
    SparseRow,
    SparseRow,
);

fn build(
    v: usize,
    (tempo, activity_cutoff, extra, has_step, step_raw): (u64, u64, u64, bool, u64),
    uids: Vec<UidDraw>,
    (owner, stake_threshold, emission): (Option<u16>, u64, u64),
    params: YumaParams,
) -> Net {
    let n = uids.len();
    let block = activity_cutoff + tempo + extra + 1;
    let mut net = Net {
        block,
        tempo,
        activity_cutoff,
        last_mechanism_step_block: if has_step {
            1 + step_raw % (block - 1)
        } else {
            0
        },
        stake: Vec::with_capacity(n),
        stake_threshold,
        last_update: Vec::with_capacity(n),
        registered_at: Vec::with_capacity(n),
        permits: Vec::with_capacity(n),
        owner,
        weights: Vec::with_capacity(n),
        bonds: Vec::with_capacity(n),
        first_commit_block: Vec::with_capacity(n),
        previous_consensus: Vec::new(),
        emission,
        params,
    };
    for (i, ((fresh, lu), (recent, rb), commit, stale_rows, stake, weights, bonds)) in
        uids.into_iter().enumerate()
    {
        // Fresh: updated within the activity cutoff; otherwise any block so far.
        net.last_update.push(if fresh {
            block - lu % (activity_cutoff + 1)
        } else {
            lu % (block + 1)
        });
        // Recent: registered within the last tempo (dropped bonds when no step block is set).
        net.registered_at.push(if recent {
            block - rb % (tempo + 1)
        } else {
            rb % (block + 1)
        });
        net.first_commit_block.push(commit.map(|c| c % (block + 1)));
        net.stake.push(stake);
        net.permits.push(i < v);
        let keep = i < v || stale_rows;
        net.weights.push(if keep { weights } else { Vec::new() });
        net.bonds.push(if keep { bonds } else { Vec::new() });
    }
    net
}

/// A random subnet (see the module docs).
fn net() -> impl Strategy<Value = Net> {
    net_with(2..=40, usize::MAX, |n, value| sparse_row(n, value).boxed())
}

/// How a random subnet's weight and bond rows are drawn, for `n` uids.
type RowStrategy = fn(usize, BoxedStrategy<u16>) -> BoxedStrategy<SparseRow>;

/// A random subnet of `sizes` uids, at most `max_validators` of them with a permit, whose
/// rows are drawn by `row`.
fn net_with(
    sizes: std::ops::RangeInclusive<usize>,
    max_validators: usize,
    row: RowStrategy,
) -> impl Strategy<Value = Net> {
    sizes
        .prop_flat_map(move |n| {
            let uid = (
                (prop::bool::weighted(0.75), any::<u64>()),
                (prop::bool::weighted(0.15), any::<u64>()),
                prop::option::weighted(0.5, any::<u64>()),
                prop::bool::weighted(0.15),
                raw_stake(),
                row(n, weight_value()),
                row(n, bond_value()),
            );
            (
                1..=n.min(max_validators),
                (
                    1u64..=720,
                    1u64..=10_000,
                    0u64..=20_000,
                    prop::bool::weighted(0.3),
                    any::<u64>(),
                ),
                prop::collection::vec(uid, n),
                (
                    prop::option::of(0..n as u16),
                    prop_oneof![3 => Just(0u64), 1 => 0u64..=5_000_000_000],
                    prop_oneof![1 => Just(0u64), 4 => 1u64..=1_000_000_000_000, 1 => any::<u64>()],
                ),
                params(),
            )
        })
        .prop_map(|(v, blocks, uids, misc, params)| build(v, blocks, uids, misc, params))
}

// ---------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// 1. Conservation (§3.10): the epoch never pays more than E, and loses only what
    /// flooring and the `I32F32` truncation of the shares lose.
    #[test]
    fn emission_is_conserved(net in net()) {
        let out = net.run();
        let n = net.n();
        let e = u128::from(net.emission);
        let paid: u128 = out
            .server_emission
            .iter()
            .chain(&out.validator_emission)
            .map(|x| u128::from(*x))
            .sum();
        let combined: u128 = out.emission.iter().map(|x| u128::from(*x)).sum();
        prop_assert!(paid <= e, "paid {paid} > E {e}");
        prop_assert!(combined <= e, "Emission sums to {combined} > E {e}");
        // With no stake at all the fallback has nobody to pay (§3.10: e^val = S = 0).
        if out.stake.iter().any(|s| *s > 0.0) {
            prop_assert!(paid + floor_slack(2 * n, net.emission) >= e, "paid {paid} of E {e}");
            prop_assert!(combined + floor_slack(n, net.emission) >= e, "Emission {combined} of E {e}");
        }
        // e^comb = e^srv + e^val per uid (§3.10), up to three floors and three truncations:
        // the shares differ by < 2·(e/2³² + ulp), the floors add < 2 rao.
        let per_uid = 4 + 2 * u128::from(net.emission >> 32) + 2 * u128::from(net.emission >> 52);
        for k in 0..n {
            let split = u128::from(out.server_emission[k]) + u128::from(out.validator_emission[k]);
            let comb = u128::from(out.emission[k]);
            prop_assert!(split.abs_diff(comb) <= per_uid, "uid {k}: {split} vs Emission {comb}");
        }
    }

    /// 2. Shares (§3.7-§3.10): incentive and dividends are distributions (or all zero);
    /// every fraction lies in [0, 1]; nobody ranks on a column without consensus.
    #[test]
    fn shares_are_distributions(net in net()) {
        let out = net.run();
        for (name, v) in [
            ("incentive", &out.incentive),
            ("dividends", &out.dividends),
            ("stake", &out.stake),
            ("active_stake", &out.active_stake),
        ] {
            let sum: f64 = v.iter().sum();
            prop_assert!(sum == 0.0 || close(sum, 1.0, 1e-6), "{name} sums to {sum}");
            prop_assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{name} out of [0,1]: {v:?}");
        }
        prop_assert!(out.consensus.iter().all(|x| (0.0..=1.0).contains(x)), "consensus {:?}", out.consensus);
        // VT_i = Σ_j min(W_ij, c_j) with W row-normalised: in [0, 1].
        prop_assert!(
            out.validator_trust.iter().all(|x| *x >= 0.0 && *x <= 1.0 + 1e-9),
            "validator trust {:?}", out.validator_trust
        );
        for j in 0..net.n() {
            // R_j = Σ_i A_i·min(W_ij, c_j) is 0 when c_j = 0.
            prop_assert!(out.incentive[j] == 0.0 || out.consensus[j] > 0.0, "uid {j} has incentive without consensus");
            // A_i > 0 needs an active uid with a permit in use (§3.5).
            if out.active_stake[j] > 0.0 {
                prop_assert!(out.active[j] && net.permit_used(j), "uid {j} has active stake");
            }
            // Yuma3: D_i = t_i·A_i (§3.9b step 3).
            if !net.is_yuma2() && out.dividends[j] > 0.0 {
                prop_assert!(out.active_stake[j] > 0.0, "yuma3 dividend without active stake at uid {j}");
            }
        }
    }

    /// 3. Output shape and stored bonds (§3.2, §3.9, §3.11).
    #[test]
    fn outputs_have_the_stored_shape(net in net()) {
        let out = net.run();
        let n = net.n();
        for (name, len) in [
            ("stake", out.stake.len()),
            ("active", out.active.len()),
            ("active_stake", out.active_stake.len()),
            ("consensus", out.consensus.len()),
            ("incentive", out.incentive.len()),
            ("dividends", out.dividends.len()),
            ("validator_trust", out.validator_trust.len()),
            ("permits", out.permits.len()),
            ("server_emission", out.server_emission.len()),
            ("validator_emission", out.validator_emission.len()),
            ("emission", out.emission.len()),
            ("bonds", out.bonds.len()),
        ] {
            prop_assert_eq!(len, n, "{}", name);
        }
        // §3.2: columns registered at or after last_tempo lose their old bonds.
        let last_tempo = if net.last_mechanism_step_block != 0 {
            net.last_mechanism_step_block + 1
        } else {
            net.block.saturating_sub(net.tempo)
        };
        for i in 0..n {
            // §3.2: inactive ⟺ LU_i + cutoff < b (strict).
            let active = net.last_update[i] + net.activity_cutoff >= net.block;
            prop_assert_eq!(out.active[i], active, "active[{}]", i);
        }
        for (i, row) in out.bonds.iter().enumerate() {
            if !out.permits[i] {
                prop_assert!(row.is_empty(), "uid {i} has no new permit but stores bonds {row:?}");
            }
            prop_assert!(row.windows(2).all(|w| w[0].0 < w[1].0), "row {i} not ascending: {row:?}");
            for &(j, value) in row {
                let ju = usize::from(j);
                prop_assert!(ju < n, "row {i}: column {j} ≥ n = {n}");
                prop_assert!(value != 0, "row {i}: stored zero at column {j}");
                if net.registered_at[ju] >= last_tempo {
                    // The old bond was dropped, so the new one can only come from this epoch's
                    // bond weight W^b_ij ≤ W_ij, which must survive every mask of §3.6 (and,
                    // on the classic path, be multiplied by A_i > 0).
                    let lu = net.last_update[i];
                    let rb = net.registered_at[ju];
                    let masked_by_commit = net.params.commit_reveal
                        && net.first_commit_block.get(i).copied().flatten().is_some_and(|cb| cb < rb);
                    let own_weight = net.weight_row(i).iter().any(|e| e.0 == j && e.1 > 0);
                    prop_assert!(
                        net.permit_used(i)
                            && own_weight
                            && (ju != i || net.owner == Some(j))
                            && lu > rb
                            && !masked_by_commit,
                        "row {i} keeps bond {value} on recently registered column {j} (rb {rb}, last_tempo {last_tempo}) without a new weight"
                    );
                    if net.is_yuma2() {
                        prop_assert!(out.active_stake[i] > 0.0, "classic bond on a new column from A_{i} = 0");
                    }
                }
            }
        }
        // §3.9a step 6: classic bonds are column-max-upscaled. Checkable when every row of
        // the bond matrix is stored (the column maximum may sit in a row that is not).
        if net.is_yuma2() {
            let all_rows_stored = (0..n)
                .filter(|&i| net.permit_used(i) || !net.bond_row(i).is_empty())
                .all(|i| out.permits[i]);
            if all_rows_stored {
                for j in 0..n as u16 {
                    let col: Vec<u16> = (0..n).map(|i| bond(&out, i, j)).collect();
                    if col.iter().any(|v| *v != 0) {
                        prop_assert!(col.contains(&u16::MAX), "column {j} not max-upscaled: {col:?}");
                    }
                }
            }
        }
    }

    /// 4. Permits (§3.3, §3.4): S is the normalised thresholded stake; P_new is exactly the
    /// top-K non-zero stakes with ties lost by the lower uid, plus the owner.
    #[test]
    fn permits_are_top_k_plus_owner(net in net()) {
        let out = net.run();
        let n = net.n();
        let k = usize::from(net.params.max_allowed_validators);
        let threshold = net.stake_threshold as f64;
        let kept: Vec<f64> = (0..n)
            .map(|i| {
                let raw = net.stake[i];
                if net.owner != Some(i as u16) && raw.floor() < threshold { 0.0 } else { raw }
            })
            .collect();
        let total: f64 = kept.iter().sum();
        for i in 0..n {
            let want = if total > 0.0 { kept[i] / total } else { 0.0 };
            prop_assert!(close(out.stake[i], want, 1e-9), "S[{i}] = {}, expected {want}", out.stake[i]);
            // Zero exactly when there is no stake or the share is below the I32F32 grid step.
            let share = if total > 0.0 { kept[i] / total } else { 0.0 };
            if share == 0.0 {
                prop_assert_eq!(out.stake[i], 0.0);
            } else if share >= 1.000_001 / I32F32 {
                prop_assert!(out.stake[i] > 0.0, "S[{i}] = 0 for share {share}");
            } else if out.stake[i] == 0.0 {
                prop_assert!(share < 1.000_001 / I32F32, "S[{i}] = 0 for share {share}");
            }
            for j in 0..n {
                if kept[i] < kept[j] {
                    prop_assert!(out.stake[i] <= out.stake[j], "S not monotone at {i}, {j}");
                }
            }
        }
        let want = expected_permits(&out.stake, k, net.owner);
        prop_assert_eq!(&out.permits, &want);
        let count = out.permits.iter().filter(|p| **p).count();
        prop_assert!(count <= k + usize::from(net.owner.is_some()), "{count} permits with K = {k}");
        if let Some(o) = net.owner {
            prop_assert!(out.permits[usize::from(o)]);
        }
        // With distinct non-zero stakes: exactly the K largest.
        let mut distinct: Vec<f64> = out.stake.iter().copied().filter(|s| *s > 0.0).collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let nonzero = out.stake.iter().filter(|s| **s > 0.0).count();
        if net.owner.is_none() && distinct.len() == nonzero {
            let cut = if nonzero > k { distinct[nonzero - k] } else { f64::MIN_POSITIVE };
            for i in 0..n {
                prop_assert_eq!(out.permits[i], out.stake[i] >= cut && out.stake[i] > 0.0, "uid {}", i);
            }
        }
    }

    /// 5. Determinism and workspace reuse: a reused `Workspace`/`EpochOutput`, also after an
    /// input of another size, gives exactly what a fresh `run_epoch` gives.
    #[test]
    fn workspace_reuse_is_invisible(a in net(), b in net()) {
        let fresh_a = a.run();
        let fresh_b = b.run();
        let mut ws = Workspace::default();
        let mut out = EpochOutput::default();
        run_epoch_into(&a.input(), &a.params, &mut ws, &mut out).unwrap();
        prop_assert_eq!(&out, &fresh_a);
        run_epoch_into(&a.input(), &a.params, &mut ws, &mut out).unwrap();
        prop_assert_eq!(&out, &fresh_a);
        run_epoch_into(&b.input(), &b.params, &mut ws, &mut out).unwrap();
        prop_assert_eq!(&out, &fresh_b);
        run_epoch_into(&a.input(), &a.params, &mut ws, &mut out).unwrap();
        prop_assert_eq!(&out, &fresh_a);
        prop_assert_eq!(&a.run(), &fresh_a);
    }

    /// 7. Inactive validators (§3.2, §3.5): A_x = 0, so x contributes nothing to consensus,
    /// ranks or (classic) bond deltas, and gets no Yuma3 dividend; it keeps its permit if its
    /// stake is in the top K.
    ///
    /// Compared with the same subnet where x has no stake. To make the spec's equality exact
    /// rather than approximate, x's stake is moved to a uid `u` without a permit instead of
    /// being deleted: the stake total, and so every other uid's S and A, stay bit-identical.
    /// (Deleting it changes the total, and the `I32F32` truncation of S then moves A by up
    /// to 2⁻³²/S_i relative, which for a validator holding 10⁻⁸ of the stake is ~10⁻²; the
    /// κ median can flip on that.) Stakes are rounded to whole rao and the stake threshold is
    /// 0 so that the sums are exact and the move cannot cross the threshold.
    ///
    /// Not compared, because the spec does not make them equal: S and P_new (stake moved),
    /// stored bond rows of uids whose new permit differs, and the emission fallback to S.
    /// Classic dividends are compared but not asserted zero: D = B¹I is not weighted by A, so
    /// an inactive validator with old bonds still earns (§3.9a step 5).
    #[test]
    fn inactive_validators_count_as_zero_stake(mut net in net(), pick in any::<Index>(), lu in any::<u64>()) {
        net.stake_threshold = 0;
        for s in &mut net.stake {
            *s = s.round();
        }
        let n = net.n();
        let v = net.permits.iter().filter(|p| **p).count();
        let x = pick.index(v);
        net.last_update[x] = lu % (net.block - net.activity_cutoff); // LU + cutoff < block
        let out = net.run();
        prop_assert!(!out.active[x]);
        prop_assert_eq!(out.active_stake[x], 0.0);
        if !net.is_yuma2() || net.bond_row(x).is_empty() {
            prop_assert_eq!(out.dividends[x], 0.0, "inactive validator {} earns dividends", x);
            if out.active_stake.iter().any(|a| *a > 0.0) {
                prop_assert_eq!(out.validator_emission[x], 0);
            }
        }
        // Keeps its permit when in the top K (§3.5 "Inactive validators keep their permit").
        let want = expected_permits(&out.stake, usize::from(net.params.max_allowed_validators), net.owner);
        prop_assert_eq!(out.permits[x], want[x]);

        let Some(u) = (0..n).find(|&i| !net.permit_used(i)) else {
            return Ok(()); // every uid holds a permit: nowhere to park the stake
        };
        let mut zero = net.clone();
        zero.stake[u] += zero.stake[x];
        zero.stake[x] = 0.0;
        let z = zero.run();
        prop_assert_eq!(&out.active_stake, &z.active_stake);
        prop_assert_eq!(&out.consensus, &z.consensus);
        prop_assert_eq!(&out.incentive, &z.incentive);
        prop_assert_eq!(&out.dividends, &z.dividends);
        prop_assert_eq!(&out.validator_trust, &z.validator_trust);
        for i in 0..n {
            if out.permits[i] && z.permits[i] {
                prop_assert_eq!(&out.bonds[i], &z.bonds[i], "stored bonds of uid {}", i);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Instruction sets: every machine gets the same bytes.
// ---------------------------------------------------------------------------------------

/// A row of every shape the epoch's row handling tells apart, over `n` columns: a random
/// ascending subset (as [`sparse_row`]), a full row in uid order, a full row with a few
/// entries left out (stored bonds), a winner-takes-all handful, and an unsorted row with
/// repeated and out-of-range columns (the last value of a repeated column counts).
fn any_row(n: usize, value: BoxedStrategy<u16>) -> BoxedStrategy<SparseRow> {
    let full =
        prop::collection::vec(value.clone(), n).prop_map(|vs| (0..).zip(vs).collect::<SparseRow>());
    let gappy =
        (full.clone(), prop::collection::vec(any::<Index>(), 1..6)).prop_map(|(row, gaps)| {
            let drop: Vec<usize> = gaps.iter().map(|g| g.index(row.len())).collect();
            row.into_iter()
                .enumerate()
                .filter(|(k, _)| !drop.contains(k))
                .map(|(_, e)| e)
                .collect::<SparseRow>()
        });
    let columns = n as u16;
    let handful = prop::collection::vec((0..columns, value.clone()), 1..=4).prop_map(|mut row| {
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        row
    });
    let unsorted = prop::collection::vec((0..columns + 3, value.clone()), 0..=n + 3);
    prop_oneof![
        2 => sparse_row(n, value).boxed(),
        3 => full.boxed(),
        3 => gappy.boxed(),
        1 => handful.boxed(),
        1 => unsorted.boxed(),
    ]
    .boxed()
}

/// The outputs, floats as their bit patterns: equal exactly when every byte is.
fn output_bits(out: &EpochOutput) -> Vec<Vec<u64>> {
    let floats = [
        &out.stake,
        &out.active_stake,
        &out.consensus,
        &out.incentive,
        &out.dividends,
        &out.validator_trust,
    ];
    let mut all: Vec<Vec<u64>> = floats
        .iter()
        .map(|v| v.iter().map(|x| x.to_bits()).collect())
        .collect();
    all.extend([&out.server_emission, &out.validator_emission, &out.emission].map(|v| v.clone()));
    all.push(
        out.active
            .iter()
            .chain(&out.permits)
            .map(|b| u64::from(*b))
            .collect(),
    );
    for row in &out.bonds {
        all.push(
            row.iter()
                .map(|&(j, v)| u64::from(j) << 16 | u64::from(v))
                .collect(),
        );
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every instruction set this CPU has (`yumalab::yuma::simd`) gives the portable path's
    /// output bit for bit: random subnets of up to 300 uids and 96 validators, every row shape
    /// of [`any_row`], both bonds models, liquid alpha with every consensus mode, three epochs
    /// in a row on reused workspaces (bonds fed back, so later epochs read dense stored bonds).
    ///
    /// The vectorised code exists only in optimised builds: run with `--release` to test it
    /// (a debug build compares unvectorised code with itself).
    #[test]
    fn simd_and_portable_epochs_are_bit_identical(
        mut net in net_with(2..=300, 96, any_row),
        mode in prop::sample::select(vec![
            LiquidAlphaConsensus::Current,
            LiquidAlphaConsensus::Previous,
            LiquidAlphaConsensus::Max,
            LiquidAlphaConsensus::Auto,
        ]),
        previous in prop::collection::vec(any::<u16>(), 0..=300),
    ) {
        net.params.liquid_alpha_consensus = mode;
        net.previous_consensus = previous;
        net.previous_consensus.truncate(net.n());
        let isas = Isa::available();
        let mut spaces: Vec<(Workspace, EpochOutput)> = isas
            .iter()
            .map(|&isa| (Workspace::with_isa(isa), EpochOutput::default()))
            .collect();
        for _ in 0..3 {
            for (ws, out) in &mut spaces {
                run_epoch_into(&net.input(), &net.params, ws, out).unwrap();
            }
            let want = output_bits(&spaces[0].1);
            for (isa, (_, out)) in isas.iter().zip(&spaces).skip(1) {
                prop_assert!(output_bits(out) == want, "{} differs from portable", isa.name());
            }
            net.bonds.clone_from(&spaces[0].1.bonds);
            net.previous_consensus = EpochOutput::to_u16(&spaces[0].1.consensus);
            net.block += net.tempo;
        }
    }
}

/// Rows as winner-takes-all validators and sparse subnets have them: mostly a handful of
/// entries or none, some sparse, now and then a full or an unsorted row (so the automatic
/// choice goes both ways).
fn sparse_heavy_row(n: usize, value: BoxedStrategy<u16>) -> BoxedStrategy<SparseRow> {
    let columns = n as u16;
    let handful = prop::collection::vec((0..columns, value.clone()), 0..=4).prop_map(|mut row| {
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        row
    });
    let unsorted = prop::collection::vec((0..columns + 3, value.clone()), 0..=8);
    prop_oneof![
        6 => handful.boxed(),
        2 => Just(SparseRow::new()).boxed(),
        1 => unsorted.boxed(),
        1 => any_row(n, value),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The sparse path (`yumalab::yuma::sparse`) gives the dense path's output bit for bit:
    /// random subnets of up to 300 uids and 96 validators with mostly a handful of weights per
    /// row (and empty, unsorted and full rows), zero and tied stakes, explicit zero weights,
    /// empty columns, every κ, β and bonds moving average; Yuma3 without liquid alpha (the
    /// variant with a sparse step), forced sparse, automatic and dense, on every instruction
    /// set, three epochs in a row (bonds fed back).
    #[test]
    fn sparse_and_dense_epochs_are_bit_identical(
        mut net in net_with(2..=300, 96, sparse_heavy_row),
    ) {
        net.params.bonds = bonds::variant("yuma3").unwrap();
        net.params.liquid_alpha = None;
        let mut spaces: Vec<(String, Workspace, EpochOutput)> = Vec::new();
        for isa in Isa::available() {
            for path in [EpochPath::Dense, EpochPath::Sparse, EpochPath::Auto] {
                let ws = Workspace::with_isa(isa).with_path(path);
                spaces.push((format!("{} {path:?}", isa.name()), ws, EpochOutput::default()));
            }
        }
        for _ in 0..3 {
            for (_, ws, out) in &mut spaces {
                run_epoch_into(&net.input(), &net.params, ws, out).unwrap();
            }
            let want = output_bits(&spaces[0].2);
            for (name, _, out) in spaces.iter().skip(1) {
                prop_assert!(output_bits(out) == want, "{} differs from dense", name);
            }
            net.bonds.clone_from(&spaces[0].2.bonds);
            net.block += net.tempo;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Permits, deterministic.
// ---------------------------------------------------------------------------------------

#[test]
fn permit_ties_are_lost_by_the_lower_uid() {
    // Stakes [5, 5, 5, 1, 0], K = 2. Sorted ascending by (S, uid): 4 (0), 3 (1), 0, 1, 2 (5
    // each); the first n − K = 3 lose: uids 4, 3, 0. New permits: uids 1 and 2.
    let mut net = Net::new(&[5e9, 5e9, 5e9, 1e9, 0.0], &[false; 5], Vec::new());
    net.params.max_allowed_validators = 2;
    assert_eq!(net.run().permits, [false, true, true, false, false]);
    // K = 4: drop one (uid 4, zero stake anyway): every staked uid keeps its permit.
    net.params.max_allowed_validators = 4;
    assert_eq!(net.run().permits, [true, true, true, true, false]);
    // n < K: nothing is removed, but zero stake never gets a permit.
    net.params.max_allowed_validators = 64;
    assert_eq!(net.run().permits, [true, true, true, true, false]);
    // The owner always gets one, even with zero stake and K already used up.
    net.params.max_allowed_validators = 2;
    net.owner = Some(4);
    assert_eq!(net.run().permits, [false, true, true, false, true]);
}

// ---------------------------------------------------------------------------------------
// Spec rules, one hand-computed case each.
// ---------------------------------------------------------------------------------------

/// (a) §3.6 step 2: the diagonal is removed, except the owner's.
#[test]
fn self_weight_is_removed_except_for_the_owner() {
    // uid 0 is the only validator (A = [1, 0, 0]) and weights itself and miner 2 equally.
    // Not the owner: W_0 = [0, 0, 1] → c = I = [0, 0, 1], VT_0 = 1.
    let net = Net::new(
        &[1e9, 0.0, 0.0],
        &[true, false, false],
        vec![vec![(0, 65535), (2, 65535)]],
    );
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 1.0]);
    assert_eq!(out.incentive, [0.0, 0.0, 1.0]);
    assert_eq!(out.validator_trust[0], 1.0);
    // Owner: the self-weight stays, W_0 = [½, 0, ½] → c = I = [½, 0, ½]. The owner's permit
    // is forced (§3.4), so this holds even with no permit from last epoch.
    let mut owned = net.clone();
    owned.owner = Some(0);
    owned.permits = vec![false; 3];
    let out = owned.run();
    assert_eq!(out.consensus, [0.5, 0.0, 0.5]);
    assert_eq!(out.incentive, [0.5, 0.0, 0.5]);
    assert_eq!(out.validator_trust[0], 1.0);
}

/// Two equal validators (uids 0, 1; A = [½, ½]), two miners (uids 2, 3). Validator 0 weights
/// miner 2 only, validator 1 weights miner 3 only.
fn two_validators_two_miners() -> Net {
    Net::new(
        &[1e9, 1e9, 0.0, 0.0],
        &[true, true, false, false],
        vec![vec![(2, 65535)], vec![(3, 65535)]],
    )
}

/// (b) §3.6 step 3: a validator that last updated at or before a miner's registration block
/// contributes nothing to that miner.
#[test]
fn outdated_weights_are_removed() {
    // Miner 2 registered at block 500. Validator 0 last updated at 501 (after): both weights
    // count; each column is a 50/50 split between 0 and 1, κ < ½ takes the higher score, so
    // c = [0, 0, 1, 1] and I = [0, 0, ½, ½].
    let mut net = two_validators_two_miners();
    net.registered_at[2] = 500;
    net.last_update[0] = 501;
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(out.incentive, [0.0, 0.0, 0.5, 0.5]);
    // Validator 0 last updated at 500 = RB_2: its weight on 2 is outdated and its row empty.
    // c_2 = 0, I = [0, 0, 0, 1], VT_0 = 0 (still active: 500 + 5000 ≥ 1000).
    net.last_update[0] = 500;
    let out = net.run();
    assert!(out.active[0]);
    assert_eq!(out.consensus, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(out.incentive, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(out.validator_trust[0], 0.0);
    assert_eq!(out.validator_trust[1], 1.0);
}

/// (c) §3.6 step 4: with commit-reveal on, weights committed before a miner registered are
/// dropped; with it off they count.
#[test]
fn commit_reveal_masks_weights_committed_before_registration() {
    // Miner 2 registered at block 500; validator 0's oldest active commit is at block 400.
    let mut net = two_validators_two_miners();
    net.registered_at[2] = 500;
    net.first_commit_block = vec![Some(400), None, None, None];
    // Commit-reveal off: the commit block is ignored; I = [0, 0, ½, ½] as in (b).
    net.params.commit_reveal = false;
    assert_eq!(net.run().incentive, [0.0, 0.0, 0.5, 0.5]);
    // On: cb_0 = 400 < RB_2 = 500, so (0, 2) is dropped: I = [0, 0, 0, 1].
    net.params.commit_reveal = true;
    let out = net.run();
    assert_eq!(out.incentive, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(out.validator_trust[0], 0.0);
    // The comparison is strict: a commit at the registration block itself is kept.
    net.first_commit_block[0] = Some(500);
    assert_eq!(net.run().incentive, [0.0, 0.0, 0.5, 0.5]);
    // No active commit (cb = ∞) keeps everything.
    net.first_commit_block[0] = None;
    assert_eq!(net.run().incentive, [0.0, 0.0, 0.5, 0.5]);
}

/// (d) §3.3: a non-owner whose floored raw stake is below `StakeThreshold` counts as zero
/// stake; the owner is exempt.
#[test]
fn stake_threshold_zeroes_small_stakes_except_the_owners() {
    // Threshold 1000 rao, raw stakes [500, 999.9, 1000, 1500, 0], owner uid 0.
    // uid 0: owner, exempt → 500. uid 1: ⌊999.9⌋ = 999 < 1000 → 0. uid 2: 1000, kept.
    // S = [500, 0, 1000, 1500, 0]/3000 = [1/6, 0, 1/3, 1/2, 0] (truncated to I32F32).
    let mut net = Net::new(
        &[500.0, 999.9, 1000.0, 1500.0, 0.0],
        &[false; 5],
        Vec::new(),
    );
    net.stake_threshold = 1000;
    net.owner = Some(0);
    let out = net.run();
    assert_all_close(
        &out.stake,
        &[1.0 / 6.0, 0.0, 1.0 / 3.0, 0.5, 0.0],
        1e-9,
        "S with owner",
    );
    assert_eq!(out.stake[1], 0.0);
    assert_eq!(out.permits, [true, false, true, true, false]);
    // Without an owner uid 0 is below the threshold too: S = [0, 0, 0.4, 0.6, 0].
    net.owner = None;
    let out = net.run();
    assert_all_close(
        &out.stake,
        &[0.0, 0.0, 0.4, 0.6, 0.0],
        1e-9,
        "S without owner",
    );
    assert_eq!(out.stake[0], 0.0);
    assert_eq!(out.permits, [false, false, true, true, false]);
}

/// (e) §3.7: κ = 32767/65535 < ½, so a 50/50 stake split between two scores yields the
/// higher one.
#[test]
fn kappa_median_takes_the_higher_score_on_an_even_split() {
    // Validator 0: [½ on 2, ½ on 3]; validator 1: [1 on 2]. A = [½, ½].
    // Column 2: scores {½, 1} 50/50 → c_2 = 1. Column 3: {½, 0} 50/50 → c_3 = ½.
    // Clipped: v0 [½, ½], v1 [1, 0]; R = [½·½ + ½·1, ½·½] = [¾, ¼] → I = [¾, ¼].
    let weights = vec![vec![(2, 65535), (3, 65535)], vec![(2, 65535)]];
    let mut net = Net::new(&[1e9, 1e9, 0.0, 0.0], &[true, true, false, false], weights);
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 1.0, 0.5]);
    assert_eq!(out.incentive, [0.0, 0.0, 0.75, 0.25]);
    // 60/40 with the higher score in the minority: mass at ≥ 1 is 0.4 < κ, so c_2 = ½.
    net.stake = vec![6e9, 4e9, 0.0, 0.0];
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 0.5, 0.5]);
    // κ = 65535/65535 = 1: all the voting stake must rate the column at or above c, so c is
    // the lowest score. Back at 50/50 the κ-mass test lands exactly on the boundary
    // (m = ΣÂ − κ = 0 = S(<½)), which the tie rule S(<v) ≤ m < S(≤v) resolves to ½.
    net.stake = vec![1e9, 1e9, 0.0, 0.0];
    net.params.kappa = u16::MAX;
    assert_eq!(net.run().consensus, [0.0, 0.0, 0.5, 0.0]);
}

/// §3.7 at the exact boundary: c_j = max{v : Σ_{W_ij ≥ v} Â_i ≥ κ}, so stake of exactly κ
/// at the higher score is enough.
#[test]
fn kappa_mass_exactly_at_kappa_supports_the_score() {
    // κ = 32767/65535 in I32F32 is K/2³² with K = ⌊32767·2³²/65535⌋ = 2147450879.
    // Raw stakes [K, 2³² − K] sum to 2³², so S = A = Â = [κ, 1 − κ] exactly on the grid and
    // m = ΣÂ − κ = 1 − κ = Â_1.
    // uid 0 puts 1 on miner 2; uid 1 puts ½ on miners 2 and 3.
    // Column 2: mass at ≥ 1 is Â_0 = κ ≥ κ → c_2 = 1. Column 3: ½ has 1 − κ ≥ κ → c_3 = ½.
    const K: f64 = 2_147_450_879.0;
    const TOTAL: f64 = 4_294_967_296.0;
    let weights = vec![vec![(2, 65535)], vec![(2, 65535), (3, 65535)]];
    let mut net = Net::new(
        &[K, TOTAL - K, 0.0, 0.0],
        &[true, true, false, false],
        weights,
    );
    let out = net.run();
    assert_eq!(out.active_stake[..2], [K / TOTAL, (TOTAL - K) / TOTAL]);
    assert_eq!(out.consensus, [0.0, 0.0, 1.0, 0.5]);
    // One rao less at the higher score: mass (K − 1)/2³² < κ → c_2 = ½.
    net.stake = vec![K - 1.0, TOTAL - K + 1.0, 0.0, 0.0];
    assert_eq!(net.run().consensus, [0.0, 0.0, 0.5, 0.5]);
}

/// (f) §3.8: weight above consensus is clipped: it lowers the validator's trust and does not
/// raise the miner's incentive.
#[test]
fn clipping_caps_overweight_at_consensus() {
    // A = [½, ¼, ¼]; miners 3, 4. v0 and v1: [½, ½]; v2: [1 on 3] (over-weights miner 3).
    // Column 3: scores ½ (¾ of stake), 1 (¼) → mass at ≥ 1 is ¼ < κ → c_3 = ½.
    // Column 4: ½ (¾), 0 (¼) → c_4 = ½.
    // Clipped v2 = [½, 0] → VT = [1, 1, ½].
    // R_3 = ½·½ + ¼·½ + ¼·½ = ½, R_4 = ½·½ + ¼·½ = ⅜ → I = [4/7, 3/7].
    // Unclipped, v2 would add ¼·1 instead of ¼·½ to R_3: I_3 would be 0.625/1 = 0.625.
    let weights = vec![
        vec![(3, 65535), (4, 65535)],
        vec![(3, 65535), (4, 65535)],
        vec![(3, 65535)],
    ];
    let net = Net::new(
        &[2e9, 1e9, 1e9, 0.0, 0.0],
        &[true, true, true, false, false],
        weights,
    );
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 0.0, 0.5, 0.5]);
    assert_all_close(
        &out.validator_trust,
        &[1.0, 1.0, 0.5, 0.0, 0.0],
        1e-12,
        "VT",
    );
    assert!(out.validator_trust[2] < 1.0);
    assert_all_close(
        &out.incentive,
        &[0.0, 0.0, 0.0, 4.0 / 7.0, 3.0 / 7.0],
        1e-9,
        "I",
    );
}

/// (g) §3.10: with no weights at all, miners get nothing and validators are paid by active
/// stake, or by stake when nobody has active stake.
#[test]
fn no_weights_fall_back_to_active_stake_then_stake() {
    // Stakes [3, 1, 0], permits [T, T, F], cutoff 10 at block 1000: uid 0 active (995 + 10 ≥
    // 1000), uid 1 inactive (0 + 10 < 1000). A = [1, 0, 0] → validator emission [10⁹, 0, 0].
    let mut net = Net::new(&[3e9, 1e9, 0.0], &[true, true, false], Vec::new());
    net.activity_cutoff = 10;
    net.last_update = vec![995, 0, 0];
    let out = net.run();
    assert_eq!(out.incentive, [0.0; 3]);
    assert_eq!(out.dividends, [0.0; 3]);
    assert_eq!(out.server_emission, [0; 3]);
    assert_eq!(out.validator_emission, [E, 0, 0]);
    assert_eq!(out.emission, [E, 0, 0]);
    // The cutoff is strict: 990 + 10 = 1000 is not < 1000, so uid 0 is still active.
    net.last_update[0] = 990;
    assert_eq!(net.run().validator_emission, [E, 0, 0]);
    // Everyone inactive: A = 0, fall back to S = [¾, ¼, 0] → [7.5·10⁸, 2.5·10⁸, 0].
    net.last_update = vec![0; 3];
    let out = net.run();
    assert_eq!(out.active_stake, [0.0; 3]);
    assert_eq!(out.server_emission, [0; 3]);
    assert_eq!(out.validator_emission, [750_000_000, 250_000_000, 0]);
    assert_eq!(out.emission, [750_000_000, 250_000_000, 0]);
}

/// (h) §3.9b, Yuma3 with liquid alpha and β = 1: sparse EMA semantics. A bond on a column
/// the new weight row omits is dropped to 0; an explicit zero entry decays it; an entry above
/// a zero consensus is dropped.
#[test]
fn yuma3_liquid_alpha_drops_omitted_columns_and_decays_explicit_zeros() {
    // Validators 0, 1, 2 with A = [¼, ¼, ½]; miners X = 3, Y = 4, Z = 5.
    //   v0: [Y, Z] = [½, ½]          omits X            stored bonds X, Y, Z = 30000
    //   v1: [X: 0 (explicit), Y: 1]                     stored bonds X, Y = 30000
    //   v2: [X, Y] = [½, ½]
    // c_X: scores 0, 0, ½ → mass at ≥ ½ is ½ ≥ κ → ½ (> 0, so v1's zero is meaningful).
    // c_Y: ½, 1, ½ → mass at ≥ 1 is ¼ < κ → ½.   c_Z: ½ (¼ of stake), 0, 0 → 0.
    // v0 on X: absent from W^b → 0. v0 on Z: W = ½ > c_Z = 0 → dropped → 0.
    // v1 on X: W^b = 0 < B⁰ = 30000/65535 ≈ 0.45777 ("selling"): d = 0.45777,
    //   σ = 1/(1 + exp(−10·(d − ½))) ≈ 0.39597, α = 0.70001 + σ·0.2 ≈ 0.77920 (default
    //   alpha values 45875, 58982), B¹ = (1 − α)·B⁰ ≈ 0.101075 → ⌊65535·B¹⌋ = 6623.
    let weights = vec![
        vec![(4, 65535), (5, 65535)],
        vec![(3, 0), (4, 65535)],
        vec![(3, 65535), (4, 65535)],
    ];
    let mut net = Net::new(
        &[25e9, 25e9, 50e9, 0.0, 0.0, 0.0],
        &[true, true, true, false, false, false],
        weights,
    );
    net.bonds = vec![
        vec![(3, 30000), (4, 30000), (5, 30000)],
        vec![(3, 30000), (4, 30000)],
    ];
    net.params.liquid_alpha = Some(LiquidAlpha::default());
    assert_eq!(net.params.bonds_penalty, u16::MAX);
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 0.0, 0.5, 0.5, 0.0]);
    assert!(out.permits[..3].iter().all(|p| *p));
    assert_eq!(bond(&out, 0, 3), 0, "omitted column: dropped, not decayed");
    assert_eq!(bond(&out, 0, 5), 0, "entry above zero consensus: dropped");
    assert!(bond(&out, 0, 4) > 0);
    let decayed = bond(&out, 1, 3);
    assert!(
        decayed > 0 && decayed < 30000,
        "explicit zero decays: {decayed}"
    );
    assert!(
        decayed.abs_diff(6623) <= 1,
        "explicit zero: {decayed}, derived 6623"
    );
    // Liquid alpha off: one EMA over the union of entries, a = 0.1: the omitted column and
    // the zero-consensus column decay instead, 0.9·30000 = 27000 (±1 for the I32F32 a).
    net.params.liquid_alpha = None;
    let out = net.run();
    for (i, j) in [(0, 3), (0, 5), (1, 3)] {
        assert!(
            bond(&out, i, j).abs_diff(27000) <= 1,
            "liquid off, bond ({i}, {j}) = {}",
            bond(&out, i, j)
        );
    }
}

/// (i) §3.9a step 6: classic stored bonds are max-upscaled per column.
#[test]
fn yuma2_stored_bonds_are_max_upscaled() {
    // A = [½, ¼, ¼]; miners X = 3, Y = 4. v0: [X: 1], v1: [X: ½, Y: ½], v2: [Y: 1].
    // c_X: 1 (½), ½ (¼), 0 (¼) → 1. c_Y: 0, ½, 1 → mass at ≥ 1 is ¼ < κ → ½.
    // W^b = clipped: v0 [1, 0], v1 [½, ½], v2 [0, ½].
    // ΔB = W^b·A: col X [½, ⅛, 0] → [0.8, 0.2, 0]; col Y [0, ⅛, ⅛] → [0, ½, ½].
    // No old bonds: B¹ = colnorm(a·ΔB) = ΔB. Stored: X [65535, ⌊65535/4⌋ = 16383, 0],
    // Y [0, 65535, 65535].
    // I: R = [½·1 + ¼·½, ¼·½ + ¼·½] = [⅝, ¼] → [5/7, 2/7]. D = B¹I = [4/7, 2/7, 1/7].
    let weights = vec![
        vec![(3, 65535)],
        vec![(3, 65535), (4, 65535)],
        vec![(4, 65535)],
    ];
    let mut net = Net::new(
        &[2e9, 1e9, 1e9, 0.0, 0.0],
        &[true, true, true, false, false],
        weights,
    );
    net.params.bonds = bonds::variant("yuma2").unwrap();
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 0.0, 0.0, 1.0, 0.5]);
    let want: Vec<SparseRow> = vec![
        vec![(3, 65535)],
        vec![(3, 16383), (4, 65535)],
        vec![(4, 65535)],
        vec![],
        vec![],
    ];
    assert_eq!(out.bonds, want);
    assert_all_close(
        &out.incentive,
        &[0.0, 0.0, 0.0, 5.0 / 7.0, 2.0 / 7.0],
        1e-9,
        "I",
    );
    assert_all_close(
        &out.dividends,
        &[4.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0, 0.0, 0.0],
        1e-9,
        "D",
    );
}

/// (j) §3.9b step 4: Yuma3 stored bonds are absolute, ⌊65535·B¹⌋, not max-upscaled.
#[test]
fn yuma3_stored_bonds_are_absolute() {
    // One validator (A = 1) with full weight on miner 1, so c_1 = 1 and W^b = 1. No old
    // bonds, liquid alpha off, BMA 900 000: a = 1 − 0.9 in I32F32 = ⌊0.1·2³²⌋/2³² =
    // 429496729/2³² = 0.0999999998603, B¹ = a·1 = 0.0999999998603,
    // ⌊65535·B¹⌋ = ⌊6553.49999⌋ = 6553 (f64 0.1 would give the same 6553).
    let mut net = Net::new(&[1e9, 0.0], &[true, false], vec![vec![(1, 65535)]]);
    let out = net.run();
    assert_eq!(out.consensus, [0.0, 1.0]);
    assert_eq!(out.bonds, [vec![(1, 6553)], vec![]]);
    // Next epoch, from the stored value: B⁰ = 6553/65535, B¹ = a + (1 − a)·B⁰ = 0.1899931333,
    // ⌊65535·B¹⌋ = ⌊12451.19999⌋ = 12451. It keeps growing towards 65535.
    net.bonds = out.bonds.clone();
    assert_eq!(net.run().bonds, [vec![(1, 12451)], vec![]]);
    // The classic model stores the same single bond as its column maximum, 65535.
    net.bonds = Vec::new();
    net.params.bonds = bonds::variant("yuma2").unwrap();
    assert_eq!(net.run().bonds, [vec![(1, 65535)], vec![]]);
}

/// §3.2: columns registered at or after `last_tempo` lose their old bonds; older ones keep
/// (and decay) them.
#[test]
fn recently_registered_columns_lose_old_bonds() {
    // One validator (uid 0) weighting only miner 1; miners 2 and 3 carry an old Yuma3 bond of
    // 30000 from uid 0 and get no weight, so without the drop they decay to
    // ⌊65535·0.9·30000/65535⌋ = 27000 (a = 0.1, liquid alpha off).
    let mut net = Net::new(
        &[1e9, 0.0, 0.0, 0.0],
        &[true, false, false, false],
        vec![vec![(1, 65535)]],
    );
    net.bonds = vec![vec![(2, 30000), (3, 30000)]];
    let decayed = |out: &EpochOutput, j: u16| {
        let b = bond(out, 0, j);
        assert!(
            b.abs_diff(27000) <= 1,
            "bond on {j} = {b}, expected 27000 ± 1"
        );
    };
    // LastMechansimStepBlock = 0: last_tempo = b − tempo = 1000 − 360 = 640.
    // Miner 2 registered at 640 (≥ 640): dropped. Miner 3 at 639: kept.
    net.registered_at = vec![0, 0, 640, 639];
    let out = net.run();
    assert_eq!(bond(&out, 0, 2), 0);
    decayed(&out, 3);
    // LastMechansimStepBlock = 700: last_tempo = 701. Registered at 701: dropped; 700: kept.
    net.last_mechanism_step_block = 700;
    net.registered_at = vec![0, 0, 701, 700];
    let out = net.run();
    assert_eq!(bond(&out, 0, 2), 0);
    decayed(&out, 3);
}

// ---------------------------------------------------------------------------------------
// Mechanisms.
// ---------------------------------------------------------------------------------------

/// §3.12: amounts are summed, fractions weighted by each mechanism's emission, booleans
/// OR-ed; with no emission at all the fractions are averaged evenly.
#[test]
fn mechanism_combine_sums_weights_and_ors() {
    let a = EpochOutput {
        stake: vec![0.5, 0.5],
        server_emission: vec![10, 0],
        validator_emission: vec![0, 20],
        emission: vec![10, 20],
        incentive: vec![1.0, 0.0],
        dividends: vec![0.0, 1.0],
        consensus: vec![0.5, 0.0],
        validator_trust: vec![0.0, 1.0],
        permits: vec![true, false],
        active: vec![false, true],
        ..EpochOutput::default()
    };
    let b = EpochOutput {
        stake: vec![0.5, 0.5],
        server_emission: vec![0, 5],
        validator_emission: vec![7, 0],
        emission: vec![7, 5],
        incentive: vec![0.0, 1.0],
        dividends: vec![1.0, 0.0],
        consensus: vec![0.0, 1.0],
        validator_trust: vec![1.0, 0.0],
        permits: vec![false, false],
        active: vec![false, false],
        ..EpochOutput::default()
    };
    // Mechanism emissions 3 and 1: weights ¾ and ¼.
    let c = combine(&[(3, &a), (1, &b)]);
    assert_eq!(c.server_emission, [10, 5]);
    assert_eq!(c.validator_emission, [7, 20]);
    assert_eq!(c.emission, [17, 25]);
    assert_eq!(c.incentive, [0.75, 0.25]);
    assert_eq!(c.dividends, [0.25, 0.75]);
    assert_eq!(c.consensus, [0.375, 0.25]);
    assert_eq!(c.validator_trust, [0.25, 0.75]);
    assert_eq!(c.permits, [true, false]);
    assert_eq!(c.active, [false, true]);
    // No emission anywhere: even weights.
    let c = combine(&[(0, &a), (0, &b)]);
    assert_eq!(c.incentive, [0.5, 0.5]);
    assert_eq!(c.consensus, [0.25, 0.5]);
    assert_eq!(c.server_emission, [10, 5]);
}
