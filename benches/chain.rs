//! The simulated chain, block by block.
//!
//! Workloads (30 days = 216 000 blocks at 12 s):
//! - `chain_1x256_30d`: one subnet of 256 uids (64 validators with fixed honest weights on
//!   192 miners, commit-reveal off), 30 days;
//! - `chain_64x256_30d`: 64 such subnets, 30 days;
//! - `chain_1x256_30d_2026_06`: the first workload under the `2026-06` rules (no emission
//!   gate, no baskets, no fees), to measure what the 2026-10 rules cost per block;
//! - `chain_1x256_30d_mainnet`: the first workload's subnet inside the `mainnet-2026-08` world
//!   (its snapshot's rules, 2026-10), in place of SN128, with the other 127 subnets in the
//!   background and their markets moving (issue 12: at most 1.3× `chain_1x256_30d`);
//! - `chain_128x256_1d` and `chain_128x256_1d_2threads`: 128 such subnets for one day, the
//!   agents on one and on two threads ([`Simulation::set_threads`]): multiply by 365 for a
//!   year;
//! - `chain_128x256_1y` and `chain_128x256_1y_2threads`: the year itself (issue 13's target is
//!   60 s), only with `YUMALAB_BENCH_YEAR=1` set: eleven runs of minutes each.
//!
//! Every validator also stakes 100 TAO on root behind its own hotkey, which holds a root seat,
//! so root dividends flow (under 2026-10: into baskets, flushed one hotkey per block).
//!
//! Each is run a few times (criterion's minimum sample count is 10; use
//! `--sample-size 10`), building the network outside the timed part.
//!
//! Run: `cargo bench --bench chain -- --sample-size 10` (the 64-subnet case takes minutes);
//! the year: `YUMALAB_BENCH_YEAR=1 cargo bench --bench chain -- chain_128x256_1y`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use yumalab::chain::params::{ChainParams, Regime, SubnetParams};
use yumalab::engine::{Simulation, SimulationBuilder};
use yumalab::units::{NetUid, Rao};
use yumalab::world::{self, Holder};
use yumalab_agents::Action;
use yumalab_agents::behaviours::fixed_weights::FixedWeights;

const TAO: u64 = 1_000_000_000;
const DAYS_30: u64 = 216_000;
const DAY: u64 = 7_200;
const YEAR: u64 = 365 * DAY;

/// `subnets` full subnets of 256 uids: the owner, 63 staked validators, 192 miners.
pub fn network(subnets: usize, blocks: u64) -> Simulation {
    network_with(ChainParams::default(), subnets, blocks)
}

/// [`network`] under the given chain rules.
pub fn network_with(params: ChainParams, subnets: usize, blocks: u64) -> Simulation {
    populate(SimulationBuilder::new(params), subnets, blocks)
}

/// One full subnet of [`network`] inside the `mainnet-2026-08` world: the snapshot's SN128 is
/// left out and the workload's subnet takes its netuid; the other 127 are background subnets
/// with moving markets; `blocks` count from the snapshot's block.
pub fn mainnet_network(blocks: u64) -> Simulation {
    let (_, snapshot) = world::named("mainnet-2026-08").expect("shipped world");
    let mut w = world::build_with(
        snapshot,
        snapshot.chain_params(),
        Holder::Background,
        &[NetUid(128)],
    )
    .expect("world builds");
    world::market::install(&mut w, 1);
    populate(SimulationBuilder::from_chain(w.chain), 1, blocks)
}

/// Adds `subnets` full subnets to `b` (block numbers count from `b`'s chain block) and builds.
fn populate(mut b: SimulationBuilder, subnets: usize, blocks: u64) -> Simulation {
    let t0 = b.chain().block;
    for k in 0..subnets {
        let owner = b.coldkey(format!("owner{k}"), 10 * TAO);
        let owner_hk = b.hotkey(format!("owner{k}-hk"), owner);
        let mut params = SubnetParams::default();
        params.yuma.commit_reveal = false;
        // Free registration: the workload is 255 registrations in block 1, which the 1.26×
        // bump per registration would otherwise price out.
        params.burn = 0;
        params.min_burn = 0;
        let price = 0.005 + 0.001 * k as f64;
        let netuid: NetUid = b.subnet(
            params,
            owner,
            owner_hk,
            10_000 * TAO,
            (10_000.0 * TAO as f64 / price) as u64,
            Some(t0 + 1),
        );
        let validators: Vec<_> = (0..63)
            .map(|v| {
                let c = b.coldkey(format!("sn{k}-v{v}"), 1_000 * TAO);
                (c, b.hotkey(format!("sn{k}-v{v}-hk"), c))
            })
            .collect();
        for &(c, h) in &validators {
            b.at(
                t0 + 1,
                Action::Register {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                },
            );
            b.at(
                t0 + 1,
                Action::AddStake {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                    tao: Rao(500 * TAO),
                    limit_price: None,
                },
            );
            b.root_register_at_genesis(h);
            b.at(
                t0 + 1,
                Action::AddStake {
                    coldkey: c,
                    hotkey: h,
                    netuid: NetUid(0),
                    tao: Rao(100 * TAO),
                    limit_price: None,
                },
            );
        }
        for m in 0..192 {
            let c = b.coldkey(format!("sn{k}-m{m}"), TAO);
            let h = b.hotkey(format!("sn{k}-m{m}-hk"), c);
            b.at(
                t0 + 1,
                Action::Register {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                },
            );
        }
        for (v, &(_, h)) in validators.iter().enumerate() {
            let weights = (64..256u16)
                .map(|u| (u, 1 + ((u as usize * 7919 + v * 104_729) % 65_535) as u16))
                .collect();
            b.agent(Box::new(FixedWeights::new(
                h,
                netuid,
                weights,
                (v % 50) as u64 + 2,
            )));
        }
    }
    b.end_at(t0 + blocks);
    let mut sim = b.build().expect("valid network");
    // The workload must be what it claims: full subnets, every validator staked and voting.
    sim.run_until(t0 + 60);
    for s in sim
        .chain()
        .subnets
        .values()
        .filter(|s| s.background.is_none())
    {
        assert_eq!(s.n(), 256, "subnet {} has {} uids", s.netuid.0, s.n());
        let voting = s.weights.iter().filter(|w| !w.is_empty()).count();
        assert_eq!(
            voting, 63,
            "subnet {}: {voting} validators set weights",
            s.netuid.0
        );
    }
    sim
}

fn chain(c: &mut Criterion) {
    let mut g = c.benchmark_group("chain");
    g.sample_size(10);
    g.bench_function("chain_1x256_30d", |bench| {
        bench.iter_batched(
            || network(1, DAYS_30),
            |mut sim| sim.run(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("chain_1x256_30d_2026_06", |bench| {
        bench.iter_batched(
            || network_with(ChainParams::for_regime(Regime::Y2026_06), 1, DAYS_30),
            |mut sim| sim.run(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("chain_1x256_30d_mainnet", |bench| {
        bench.iter_batched(
            || mainnet_network(DAYS_30),
            |mut sim| sim.run(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("chain_64x256_30d", |bench| {
        bench.iter_batched(
            || network(64, DAYS_30),
            |mut sim| sim.run(),
            BatchSize::PerIteration,
        )
    });
    whole_network(&mut g, "1d", DAY);
    // The year itself: about 11 runs of minutes each (a warm-up and criterion's minimum of
    // ten samples), so only when asked for.
    if std::env::var_os("YUMALAB_BENCH_YEAR").is_some() {
        whole_network(&mut g, "1y", YEAR);
    }
    g.finish();
}

/// `chain_128x256_{span}` on one thread and `_2threads` on two: 128 full subnets for `blocks`.
fn whole_network(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    span: &str,
    blocks: u64,
) {
    for threads in [1, 2] {
        let name = if threads == 1 {
            format!("chain_128x256_{span}")
        } else {
            format!("chain_128x256_{span}_{threads}threads")
        };
        g.bench_function(name, |bench| {
            bench.iter_batched(
                || {
                    let mut sim = network(128, blocks);
                    sim.set_threads(threads).expect("threads start");
                    sim
                },
                |mut sim| sim.run(),
                BatchSize::PerIteration,
            )
        });
    }
}

criterion_group!(benches, chain);
criterion_main!(benches);
