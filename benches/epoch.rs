//! One Yuma epoch for a full subnet.
//!
//! Workload: 256 uids, the first 64 holding validator permits with distinct stakes, every
//! validator setting dense weights on all 256 uids (u16, pseudo-random, fixed seed), bonds
//! warmed by ten earlier epochs so the bond matrix is dense. Timed: one `run_epoch_into` with a
//! reused workspace (what the engine does every tempo); setup is outside the timed part.
//!
//! Variants: `yuma2` (classic bonds), `yuma3`, and `yuma3` with liquid alpha.
//!
//! Run: `cargo bench --bench epoch` (criterion prints the median per variant).

use criterion::{Criterion, criterion_group, criterion_main};
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

fn bench_variant(c: &mut Criterion, name: &str, params: YumaParams) {
    let mut s = subnet();
    let mut ws = Workspace::default();
    let mut out = EpochOutput::default();
    for _ in 0..10 {
        run_epoch_into(&input(&s), &params, &mut ws, &mut out).unwrap();
        s.bonds.clone_from(&out.bonds);
    }
    c.bench_function(&format!("epoch_256x64_{name}"), |b| {
        b.iter(|| {
            run_epoch_into(black_box(&input(&s)), &params, &mut ws, &mut out).unwrap();
            black_box(&out);
        })
    });
}

fn epoch(c: &mut Criterion) {
    let base = YumaParams {
        max_allowed_validators: VALIDATORS as u16,
        ..YumaParams::default()
    };
    bench_variant(
        c,
        "yuma2",
        YumaParams {
            bonds: bonds::variant("yuma2").unwrap(),
            ..base
        },
    );
    bench_variant(
        c,
        "yuma3",
        YumaParams {
            bonds: bonds::variant("yuma3").unwrap(),
            ..base
        },
    );
    bench_variant(
        c,
        "yuma3_liquid",
        YumaParams {
            liquid_alpha: Some(LiquidAlpha::default()),
            ..base
        },
    );
}

criterion_group!(benches, epoch);

/// The κ median alone: 256 columns of 64 distinct pseudo-random scores, equal stakes (in the
/// `I32F32` raw units the epoch passes).
fn median(c: &mut Criterion) {
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
    c.bench_function("median_256cols_x64", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for col in &cols {
                acc += buf.quantile(black_box(col), &stakes, total - kappa, total);
            }
            black_box(acc)
        })
    });
}

criterion_group!(median_benches, median);
criterion_main!(benches, median_benches);
