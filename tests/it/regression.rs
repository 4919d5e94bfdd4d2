//! One test per fixed bug, named after it.

use yumalab::chain::params::{ChainParams, SubnetParams};
use yumalab::engine::SimulationBuilder;
use yumalab::units::Rao;
use yumalab_agents::Action;
use yumalab_agents::behaviours::fixed_weights::FixedWeights;

const TAO: u64 = 1_000_000_000;

/// A new commit used to replace the validator's unrevealed one, so with a reveal period
/// longer than the commit interval nothing was ever revealed and miners earned nothing.
#[test]
fn commits_queue_until_revealed_instead_of_replacing_each_other() {
    let mut b = SimulationBuilder::new(ChainParams::default());
    let owner = b.coldkey("owner", 0);
    let owner_hk = b.hotkey("owner-hk", owner);
    let mut params = SubnetParams {
        tempo: 50,
        reveal_period_epochs: 3,
        ..SubnetParams::default()
    };
    params.yuma.commit_reveal = true;
    let netuid = b.subnet(params, owner, owner_hk, 1000 * TAO, 50_000 * TAO, Some(1));
    let v = b.coldkey("v", 500 * TAO);
    let vh = b.hotkey("v-hk", v);
    let m = b.coldkey("m", 10 * TAO);
    let mh = b.hotkey("m-hk", m);
    b.at(
        1,
        Action::Register {
            coldkey: v,
            hotkey: vh,
            netuid,
        },
    );
    b.at(
        1,
        Action::Register {
            coldkey: m,
            hotkey: mh,
            netuid,
        },
    );
    b.at(
        1,
        Action::AddStake {
            coldkey: v,
            hotkey: vh,
            netuid,
            tao: Rao(100 * TAO),
            limit_price: None,
        },
    );
    // Commits every tempo, while each commit takes three epochs to reveal.
    b.agent(Box::new(FixedWeights::new(vh, netuid, vec![(2, 65535)], 2)));
    b.end_at(600);
    let mut sim = b.build().unwrap();
    sim.run();
    let s = &sim.chain().subnets[&netuid];
    assert!(
        s.hotkey_alpha(mh) > 0,
        "the miner was never paid: no commit was revealed"
    );
    assert!(s.commits.len() <= 4, "commits pile up: {}", s.commits.len());
}
