//! Long-run invariants (issue 10): `run_checked` checks conservation and the supply after
//! every block, in release builds too, and stops at the first block that breaks them.

use std::sync::atomic::AtomicBool;

use yumalab::engine::Halt;
use yumalab::scenario::Scenario;

fn scenario(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    Scenario::parse(
        &text,
        &path,
        &[("duration".into(), "{blocks: 1500}".into())],
    )
    .expect("valid")
}

#[test]
fn a_multi_subnet_run_holds_to_the_rao_at_every_block() {
    // Eight subnets under 2026-10: gate, reservoirs, baskets, fees and speculators' trades.
    let s = scenario("dtao-speculation");
    let out = yumalab::run::simulate_checked(&s, s.seed, &AtomicBool::new(false), true, |_| {
        Ok(Vec::new())
    })
    .expect("conserved at every block");
    assert_eq!(
        out.simulation.chain().block,
        s.network.genesis_block() + 1500
    );
}

#[test]
fn a_block_beyond_the_supply_stops_the_checked_run() {
    let s = scenario("weight-copying");
    let t0 = s.network.genesis_block();
    let (builder, _) = s.build(s.seed).expect("builds");
    let mut sim = builder.build().expect("valid");
    sim.run_until(t0 + 10);
    // Booked (so conservation holds) but beyond the 21 M supply: only the supply check sees it.
    let chain = sim.chain_mut();
    let extra = 21_000_000_000_000_000;
    chain.coldkeys[0].balance += extra;
    chain.ledger.tao.genesis += extra;
    chain.total_issuance += extra;
    match sim.run_checked(&AtomicBool::new(false), true) {
        Err(Halt::Broken(e)) => {
            assert_eq!(e.block, t0 + 11, "stopped at the first block after");
            assert!(e.what.contains("TotalIssuance"), "{}", e.what);
        }
        other => panic!("expected a broken run, got {other:?}"),
    }
}
