//! One Yuma epoch for a full subnet.
//!
//! Workload: 256 uids, the first 64 holding validator permits with distinct stakes, every
//! validator setting dense weights on all 256 uids (u16, pseudo-random, fixed seed), bonds
//! warmed by ten earlier epochs so the bond matrix is dense. Timed: one `run_epoch_into` with a
//! reused workspace (what the engine does every tempo); setup is outside the timed part.
//!
//! Variants: `yuma2` (classic bonds), `yuma3`, and `yuma3` with liquid alpha; and `wta`, the
//! winner-takes-all subnet: the same stakes, but each validator submits three weights (the
//! common winner, uid 200, at 65 535 and two pseudo-random miners), the sparse case (it takes
//! the epoch's sparse path, `yumalab::yuma::sparse`).
//!
//! And the κ median alone: `median_256cols_x64`, [`MedianBuf::quantile`] on 256 separate f64
//! columns of 64 scores (the per-column API), and `median_256x64_quantiles`, the epoch's
//! [`MedianBuf::quantiles`] on a 64 × 256 matrix of raw weights.
//!
//! Run: `cargo bench --bench epoch` (criterion prints the median per variant).
//!
//! `EPOCH_TIMES=<name>:<count>` times single iterations and prints the minimum, 10th
//! percentile and median: on a machine shared with other work, the low percentiles are the
//! stable figures.
//!
//! Instruction counts (repeatable on a shared machine, where wall-clock medians are not):
//! `EPOCH_PROFILE=<name>:<count>` runs `count` timed iterations of one benchmark (`<name>` as
//! criterion names it, e.g. `epoch_256x64_yuma3`) inside [`profile_loop`] and exits, so
//! `valgrind --tool=callgrind --toggle-collect='*profile_loop*' <bench binary>` counts exactly
//! those iterations.
//!
//! [`MedianBuf::quantile`]: yumalab::yuma::median::MedianBuf::quantile
//! [`MedianBuf::quantiles`]: yumalab::yuma::median::MedianBuf::quantiles

use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use yumalab::yuma::{
    EpochInput, EpochOutput, LiquidAlpha, SparseRow, Workspace, YumaParams, bonds, run_epoch_into,
};

const N: usize = 256;
const VALIDATORS: usize = 64;

/// A fixed pseudo-random stream (SplitMix64), so the workload is the same on every machine.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Subnet {
    stake: Vec<f64>,
    last_update: Vec<u64>,
    registered_at: Vec<u64>,
    permits: Vec<bool>,
    weights: Vec<SparseRow>,
    bonds: Vec<SparseRow>,
}

fn subnet() -> Subnet {
    let mut s = 42;
    let stake = (0..N)
        .map(|i| {
            if i < VALIDATORS {
                1e12 + (next(&mut s) % 1_000_000_000_000) as f64
            } else {
                0.0
            }
        })
        .collect();
    let weights = (0..N)
        .map(|i| {
            if i < VALIDATORS {
                (0..N as u16)
                    .map(|j| (j, (next(&mut s) % 65_536) as u16))
                    .collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    Subnet {
        stake,
        last_update: vec![1000; N],
        registered_at: vec![0; N],
        permits: (0..N).map(|i| i < VALIDATORS).collect(),
        weights,
        bonds: vec![Vec::new(); N],
    }
}

/// [`subnet`] with winner-takes-all weight rows: three entries per validator.
fn subnet_wta() -> Subnet {
    let mut s = subnet();
    let mut state = 99;
    for row in s.weights.iter_mut().take(VALIDATORS) {
        let a = (VALIDATORS as u64 + next(&mut state) % (N - VALIDATORS) as u64) as u16;
        let b = (VALIDATORS as u64 + next(&mut state) % (N - VALIDATORS) as u64) as u16;
        let mut entries = vec![(200, 65_535), (a, 1 + (next(&mut state) % 20_000) as u16)];
        entries.push((b, 1 + (next(&mut state) % 20_000) as u16));
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.0);
        *row = entries;
    }
    s
}

fn input(s: &Subnet) -> EpochInput<'_> {
    EpochInput {
        block: 1080,
        tempo: 360,
        activity_cutoff: 5000,
        last_mechanism_step_block: 720,
        stake: &s.stake,
        stake_threshold: 0,
        last_update: &s.last_update,
        registered_at: &s.registered_at,
        permits: &s.permits,
        owner: None,
        weights: &s.weights,
        bonds: &s.bonds,
        first_commit_block: &[],
        previous_consensus: &[],
        emission: 360_000_000_000,
    }
}

/// A warm subnet (bonds from ten earlier epochs) and a closure running one epoch on it.
fn warm_epoch(mut s: Subnet, params: YumaParams) -> impl FnMut() {
    let mut ws = Workspace::default();
    let mut out = EpochOutput::default();
    for _ in 0..10 {
        run_epoch_into(&input(&s), &params, &mut ws, &mut out).unwrap();
        s.bonds.clone_from(&out.bonds);
    }
    move || {
        run_epoch_into(black_box(&input(&s)), &params, &mut ws, &mut out).unwrap();
        black_box(&out);
    }
}

/// Every epoch benchmark: name, subnet and parameters.
fn epoch_cases() -> Vec<(&'static str, Subnet, YumaParams)> {
    let base = YumaParams {
        max_allowed_validators: VALIDATORS as u16,
        ..YumaParams::default()
    };
    let yuma2 = YumaParams {
        bonds: bonds::variant("yuma2").unwrap(),
        ..base
    };
    let yuma3 = YumaParams {
        bonds: bonds::variant("yuma3").unwrap(),
        ..base
    };
    let liquid = YumaParams {
        liquid_alpha: Some(LiquidAlpha::default()),
        ..base
    };
    vec![
        ("epoch_256x64_yuma2", subnet(), yuma2),
        ("epoch_256x64_yuma3", subnet(), yuma3),
        ("epoch_256x64_yuma3_liquid", subnet(), liquid),
        ("epoch_256x64_yuma3_wta", subnet_wta(), yuma3),
    ]
}

fn epoch(c: &mut Criterion) {
    for (name, s, params) in epoch_cases() {
        let mut run = warm_epoch(s, params);
        c.bench_function(name, |b| b.iter(&mut run));
    }
}

criterion_group!(benches, epoch);

/// The κ median alone: 256 columns of 64 distinct pseudo-random scores, equal stakes (in the
/// `I32F32` raw units the epoch passes).
fn median_case() -> impl FnMut() {
    let mut s = 7;
    let stakes: Vec<i64> = vec![1 << 26; 64]; // 1/64 each
    let total: i64 = stakes.iter().sum();
    let cols: Vec<Vec<f64>> = (0..256)
        .map(|_| {
            (0..64)
                .map(|_| (next(&mut s) % 65_536) as f64 / 65_536.0)
                .collect()
        })
        .collect();
    let mut buf = yumalab::yuma::median::MedianBuf::default();
    let kappa = 2_147_450_879; // ⌊32767·2³²/65535⌋
    move || {
        let mut acc = 0.0;
        for col in &cols {
            acc += buf.quantile(black_box(col), &stakes, total - kappa, total);
        }
        black_box(acc);
    }
}

/// The κ median as the epoch runs it, [`MedianBuf::quantiles`] on the 64 × 256 matrix of
/// raw u16 weights (dense, pseudo-random) with each row's scale `1/Σ` and equal stakes.
fn median_matrix_case() -> impl FnMut() {
    let mut s = 11;
    let raw: Vec<u16> = (0..VALIDATORS * N)
        .map(|_| (next(&mut s) % 65_536) as u16)
        .collect();
    let scale: Vec<f64> = raw
        .chunks_exact(N)
        .map(|row| 1.0 / row.iter().map(|&v| f64::from(v)).sum::<f64>())
        .collect();
    let stakes: Vec<i64> = vec![1 << 26; VALIDATORS];
    let total: i64 = stakes.iter().sum();
    let kappa = 2_147_450_879; // ⌊32767·2³²/65535⌋
    let mut buf = yumalab::yuma::median::MedianBuf::default();
    let mut out = vec![0.0; N];
    move || {
        buf.quantiles(
            black_box(&raw),
            &scale,
            &stakes,
            total - kappa,
            total,
            &mut out,
        );
        black_box(&out);
    }
}

fn median(c: &mut Criterion) {
    let mut run = median_case();
    c.bench_function("median_256cols_x64", |b| b.iter(&mut run));
    let mut run = median_matrix_case();
    c.bench_function("median_256x64_quantiles", |b| b.iter(&mut run));
}

criterion_group!(median_benches, median);

/// The benchmark named `name`, ready to run.
fn case(name: &str) -> Box<dyn FnMut()> {
    match name {
        "median_256cols_x64" => Box::new(median_case()),
        "median_256x64_quantiles" => Box::new(median_matrix_case()),
        _ => {
            let (_, s, params) = epoch_cases()
                .into_iter()
                .find(|c| c.0 == name)
                .unwrap_or_else(|| panic!("no benchmark named {name}"));
            Box::new(warm_epoch(s, params))
        }
    }
}

/// Runs `run` `count` times (the function callgrind's `--toggle-collect` names).
#[inline(never)]
fn profile_loop(run: &mut dyn FnMut(), count: u64) {
    for _ in 0..count {
        run();
    }
}

/// `EPOCH_PROFILE=<name>:<count>`: see the module docs.
fn profile(spec: &str) {
    let (name, count) = spec.split_once(':').unwrap_or((spec, "100"));
    let count: u64 = count.parse().expect("EPOCH_PROFILE=<name>:<count>");
    profile_loop(&mut *case(name), count);
}

/// `EPOCH_TIMES=<name>:<count>`: times `count` single iterations of one benchmark and prints
/// the minimum, 10th percentile and median in µs. On a machine shared with other work the low
/// percentiles are the stable figures (an iteration that nobody interrupted).
#[allow(clippy::print_stdout)] // the benchmark's report, like criterion's
fn times(spec: &str) {
    let (name, count) = spec.split_once(':').unwrap_or((spec, "20000"));
    let count: usize = count.parse().expect("EPOCH_TIMES=<name>:<count>");
    let mut run = case(name);
    let mut t: Vec<f64> = (0..count)
        .map(|_| {
            let start = std::time::Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    let at = |q: f64| t[((t.len() - 1) as f64 * q) as usize];
    println!(
        "{name}: min {:.1} µs, p10 {:.1} µs, median {:.1} µs",
        at(0.0),
        at(0.1),
        at(0.5)
    );
}

fn main() {
    if let Ok(spec) = std::env::var("EPOCH_PROFILE") {
        profile(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("EPOCH_TIMES") {
        times(&spec);
        return;
    }
    benches();
    median_benches();
    Criterion::default().configure_from_args().final_summary();
}
