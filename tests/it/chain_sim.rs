//! The simulated chain end to end: a network of several subnets with accounts, stake and
//! validators, stepped block by block through the engine.

use proptest::prelude::*;
use yumalab::chain::block::EpochRecord;
use yumalab::chain::params::{ChainParams, Regime, SubnetParams};
use yumalab::chain::state::Chain;
use yumalab::engine::{Observer, Simulation, SimulationBuilder};
use yumalab::units::{ColdkeyId, HotkeyId, NetUid, Rao};
use yumalab_agents::behaviours::fixed_weights::FixedWeights;
use yumalab_agents::{Action, Agent, ChainView};

const TAO: u64 = 1_000_000_000;

/// Records every epoch (for determinism and cadence checks).
#[derive(Default)]
struct Recorder {
    epochs: std::rc::Rc<std::cell::RefCell<Vec<EpochRecord>>>,
}

impl Observer for Recorder {
    fn on_epoch(&mut self, _chain: &Chain, record: &EpochRecord) {
        self.epochs.borrow_mut().push(record.clone());
    }
}

struct Network {
    sim: Simulation,
    epochs: std::rc::Rc<std::cell::RefCell<Vec<EpochRecord>>>,
    subnets: Vec<NetUid>,
}

/// `subnets` subnets, each with `validators` validators (staked, setting fixed weights every
/// tempo) and `miners` miners, registered at block 1; tempo 100 to keep tests short.
fn network(
    regime: Regime,
    subnets: usize,
    validators: usize,
    miners: usize,
    end: u64,
    commit_reveal: bool,
) -> Network {
    let mut b = SimulationBuilder::new(ChainParams::for_regime(regime));
    let mut netuids = Vec::new();
    for k in 0..subnets {
        let owner = b.coldkey(format!("owner{k}"), 10 * TAO);
        let owner_hk = b.hotkey(format!("owner{k}-hk"), owner);
        let mut params = SubnetParams {
            tempo: 100,
            ..SubnetParams::default()
        };
        params.yuma.commit_reveal = commit_reveal;
        params.yuma.max_allowed_validators = validators as u16;
        // Pools of 1000 TAO against alpha at prices 0.02, 0.03, ...
        let price = 0.02 + 0.01 * k as f64;
        netuids.push(b.subnet(
            params,
            owner,
            owner_hk,
            1000 * TAO,
            (1000.0 * TAO as f64 / price) as u64,
            Some(1),
        ));
    }
    for &netuid in &netuids {
        // Scheduled actions run in order: validators take uids 1..=v, miners the next ones.
        let miner_uids: Vec<u16> = (0..miners).map(|m| (1 + validators + m) as u16).collect();
        for v in 0..validators {
            let c = b.coldkey(format!("sn{}-val{v}", netuid.0), 2000 * TAO);
            let h = b.hotkey(format!("sn{}-val{v}-hk", netuid.0), c);
            b.at(
                1,
                Action::Register {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                },
            );
            b.at(
                1,
                Action::AddStake {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                    tao: Rao((100 + 50 * v as u64) * TAO),
                    limit_price: None,
                },
            );
            b.at(
                1,
                Action::AddStake {
                    coldkey: c,
                    hotkey: h,
                    netuid: NetUid(0),
                    tao: Rao(100 * TAO),
                    limit_price: None,
                },
            );
            let weights: Vec<(u16, u16)> = miner_uids
                .iter()
                .enumerate()
                .map(|(i, &u)| (u, 1000 + 500 * i as u16))
                .collect();
            b.agent(Box::new(FixedWeights::new(
                h,
                netuid,
                weights,
                2 + v as u64,
            )));
        }
        for m in 0..miners {
            // Each registration raises the burn by 1.26× (§8.1): give miners enough to pay it.
            let c = b.coldkey(format!("sn{}-miner{m}", netuid.0), 100 * TAO);
            let h = b.hotkey(format!("sn{}-miner{m}-hk", netuid.0), c);
            b.at(
                1,
                Action::Register {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                },
            );
        }
    }
    let epochs = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    b.observer(Box::new(Recorder {
        epochs: epochs.clone(),
    }));
    b.end_at(end);
    Network {
        sim: b.build().expect("valid network"),
        epochs,
        subnets: netuids,
    }
}

#[test]
fn a_network_runs_for_many_tempos_and_conserves_every_rao() {
    let mut net = network(Regime::Y2026_06, 3, 4, 6, 3000, false);
    net.sim.run();
    let chain = net.sim.chain();
    chain.check_conservation().expect("conservation");
    assert_eq!(chain.block, 3000);
    // Every subnet ran an epoch every tempo (100 blocks).
    for &netuid in &net.subnets {
        let n = net
            .epochs
            .borrow()
            .iter()
            .filter(|e| e.netuid == netuid)
            .count();
        assert!((29..=30).contains(&n), "subnet {} ran {n} epochs", netuid.0);
    }
    // Issuance grew by ~1 TAO per block, minus recycling.
    assert!(
        chain.ledger.tao.minted == 3000 * TAO,
        "minted {}",
        chain.ledger.tao.minted
    );
}

#[test]
fn epochs_pay_miners_and_validators_and_the_owner_its_cut() {
    let mut net = network(Regime::Y2026_06, 1, 4, 6, 1000, false);
    net.sim.run();
    let epochs = net.epochs.borrow();
    let last = epochs.last().expect("epochs ran");
    let to_miners: u64 = last.neurons.iter().map(|n| n.incentive_alpha).sum();
    let to_validators: u64 = last
        .neurons
        .iter()
        .map(|n| n.dividend_alpha + n.root_dividend_alpha)
        .sum();
    let total = last.emission + last.owner_cut;
    // spec §5.6: owner 18 %, miners 41 %, validators (alpha + root) 41 % of alpha_out.
    let share = |x: u64| x as f64 / total as f64;
    assert!(
        (share(last.owner_cut) - 0.18).abs() < 0.005,
        "owner {}",
        share(last.owner_cut)
    );
    assert!(
        (share(to_miners) - 0.41).abs() < 0.01,
        "miners {}",
        share(to_miners)
    );
    assert!(
        share(to_validators) > 0.38,
        "validators {}",
        share(to_validators)
    );
    // Miners with more weight earn more (weights rise with the miner index).
    let miner_pay: Vec<u64> = last
        .neurons
        .iter()
        .filter(|n| n.incentive_alpha > 0)
        .map(|n| n.incentive_alpha)
        .collect();
    assert_eq!(miner_pay.len(), 6);
    assert!(miner_pay.windows(2).all(|w| w[0] < w[1]), "{miner_pay:?}");
}

#[test]
fn the_same_network_twice_gives_identical_records() {
    let run = || {
        let mut net = network(Regime::Y2026_06, 2, 3, 4, 800, true);
        net.sim.run();
        net.epochs.take()
    };
    assert_eq!(run(), run());
}

#[test]
fn older_regimes_run_and_conserve() {
    for regime in [Regime::Y2025_11Flow, Regime::Y2025_02Dtao] {
        let mut net = network(regime, 2, 3, 4, 1200, false);
        net.sim.run();
        net.sim.chain().check_conservation().expect("conservation");
        assert!(!net.epochs.borrow().is_empty(), "{regime:?}: no epochs");
    }
}

#[test]
fn committed_weights_stay_hidden_until_revealed() {
    let mut net = network(Regime::Y2026_06, 1, 2, 3, 2000, true);
    let netuid = net.subnets[0];
    // Validators act at blocks 2 and 3 of each tempo; nothing is visible before a reveal.
    net.sim.run_until(10);
    let chain = net.sim.chain();
    assert!(
        chain
            .visible_weights(netuid, 1)
            .is_some_and(<[_]>::is_empty),
        "committed weights visible before the reveal"
    );
    assert!(!chain.subnets[&netuid].commits.is_empty());
    net.sim.run_until(400);
    let chain = net.sim.chain();
    assert!(
        chain
            .visible_weights(netuid, 1)
            .is_some_and(|w| !w.is_empty()),
        "weights never revealed"
    );
}

#[test]
fn registration_replaces_the_lowest_emission_uid_when_full() {
    let mut b = SimulationBuilder::new(ChainParams::default());
    let owner = b.coldkey("owner", 10 * TAO);
    let owner_hk = b.hotkey("owner-hk", owner);
    let params = SubnetParams {
        tempo: 50,
        max_uids: 4,
        immunity_period: 10,
        min_non_immune_uids: 0,
        ..SubnetParams::default()
    };
    let netuid = b.subnet(params, owner, owner_hk, 1000 * TAO, 50_000 * TAO, Some(1));
    let mut hks = Vec::new();
    for k in 0..4 {
        let c = b.coldkey(format!("c{k}"), 100 * TAO);
        let h = b.hotkey(format!("h{k}"), c);
        hks.push((c, h));
    }
    for (k, (c, h)) in hks.iter().enumerate().take(3) {
        b.at(
            1 + k as u64,
            Action::Register {
                coldkey: *c,
                hotkey: *h,
                netuid,
            },
        );
    }
    // The subnet is now full (owner + 3). The fourth registers after immunity has passed.
    b.at(
        200,
        Action::Register {
            coldkey: hks[3].0,
            hotkey: hks[3].1,
            netuid,
        },
    );
    b.end_at(201);
    let mut sim = b.build().unwrap();
    sim.run();
    let s = &sim.chain().subnets[&netuid];
    assert_eq!(s.n(), 4);
    assert_eq!(
        s.uid_of(hks[3].1),
        Some(1),
        "the oldest zero-emission non-owner uid is replaced"
    );
    assert_eq!(s.uid_of(owner_hk), Some(0), "the owner is immortal");
    sim.chain().check_conservation().unwrap();
}

#[test]
fn halving_halves_the_block_emission() {
    let mut b = SimulationBuilder::new(ChainParams::default());
    // Genesis issuance just below the first halving (10.5 M TAO).
    let whale = b.coldkey("whale", 10_500_000 * TAO - 5 * TAO);
    let hk = b.hotkey("whale-hk", whale);
    b.subnet(SubnetParams::default(), whale, hk, 0, 0, None);
    b.end_at(10);
    let mut sim = b.build().unwrap();
    sim.run();
    let chain = sim.chain();
    // No subnet emits, so everything minted is recycled and issuance stays below the
    // threshold: every block mints 1 TAO and recycles it.
    assert_eq!(chain.ledger.tao.minted, 10 * TAO);
    assert_eq!(chain.ledger.tao.recycled, 10 * TAO);
    assert_eq!(
        yumalab::chain::emission::block_emission(chain.total_issuance + 5 * TAO),
        TAO / 2
    );
}

/// An agent that does random things (deterministically, from its own stream).
struct Chaos {
    coldkey: ColdkeyId,
    hotkeys: Vec<HotkeyId>,
    netuids: Vec<NetUid>,
    state: u64,
}

impl Chaos {
    fn next(&mut self) -> u64 {
        self.state = yumalab::units::derive_seed(self.state, 1);
        self.state
    }
}

impl Agent for Chaos {
    fn act(&mut self, view: &dyn ChainView, actions: &mut Vec<Action>) {
        let (nh, nn) = (self.hotkeys.len() as u64, self.netuids.len() as u64);
        let (kh, kn) = ((self.next() % nh) as usize, (self.next() % nn) as usize);
        let (h, netuid) = (self.hotkeys[kh], self.netuids[kn]);
        let c = self.coldkey;
        let amount = self.next() % (20 * TAO);
        let action = match self.next() % 6 {
            0 => Action::Register {
                coldkey: c,
                hotkey: h,
                netuid,
            },
            1 => Action::AddStake {
                coldkey: c,
                hotkey: h,
                netuid,
                tao: Rao(amount),
                limit_price: None,
            },
            2 => {
                let held = view.stake(c, h, netuid).0;
                Action::RemoveStake {
                    coldkey: c,
                    hotkey: h,
                    netuid,
                    alpha: Rao(amount.min(held)),
                    limit_price: None,
                }
            }
            3 => {
                let kt = (self.next() % nn) as usize;
                let to = self.netuids[kt];
                let held = view.stake(c, h, netuid).0;
                Action::MoveStake {
                    coldkey: c,
                    from_hotkey: h,
                    from_netuid: netuid,
                    to_hotkey: h,
                    to_netuid: to,
                    alpha: Rao(held / 2),
                }
            }
            4 => {
                let weights = vec![(0, 1), (1, (amount % 65_536) as u16)];
                if view.subnet(netuid).is_some_and(|s| s.commit_reveal) {
                    Action::CommitWeights {
                        hotkey: h,
                        netuid,
                        weights,
                    }
                } else {
                    Action::SetWeights {
                        hotkey: h,
                        netuid,
                        weights,
                    }
                }
            }
            _ => Action::AddStake {
                coldkey: c,
                hotkey: h,
                netuid: NetUid(0),
                tao: Rao(amount),
                limit_price: Some(0.5),
            },
        };
        actions.push(action);
    }

    fn next_block(&self, now: u64) -> u64 {
        now + 1 + self.state % 7
    }
}

/// Counts applied actions by kind (0 register, 1 add, 2 remove, 3 move, 4 weights).
struct Outcomes(std::rc::Rc<std::cell::RefCell<[u32; 5]>>);

impl Observer for Outcomes {
    fn on_action(
        &mut self,
        _block: u64,
        _agent: Option<usize>,
        action: &Action,
        result: &Result<(), yumalab::chain::extrinsics::Refusal>,
    ) {
        if result.is_ok() {
            let k = match action {
                Action::Register { .. } => 0,
                Action::AddStake { .. } => 1,
                Action::RemoveStake { .. } => 2,
                Action::MoveStake { .. } => 3,
                _ => 4,
            };
            self.0.borrow_mut()[k] += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn random_actions_never_break_conservation(seed in any::<u64>(), regime in 0usize..3) {
        let mut b = SimulationBuilder::new(ChainParams::for_regime(Regime::ALL[regime].0));
        let mut netuids = vec![NetUid(0)];
        for k in 0..2 {
            let owner = b.coldkey(format!("o{k}"), 10 * TAO);
            let hk = b.hotkey(format!("o{k}-hk"), owner);
            let params = SubnetParams { tempo: 30, max_uids: 6, immunity_period: 20, ..SubnetParams::default() };
            netuids.push(b.subnet(params, owner, hk, 500 * TAO, 10_000 * TAO, Some(1)));
        }
        for a in 0..4u64 {
            let c = b.coldkey(format!("a{a}"), 300 * TAO);
            let hotkeys = (0..3).map(|k| b.hotkey(format!("a{a}-{k}"), c)).collect();
            b.agent(Box::new(Chaos { coldkey: c, hotkeys, netuids: netuids.clone(), state: yumalab::units::derive_seed(seed, a) }));
        }
        let outcomes = std::rc::Rc::new(std::cell::RefCell::new([0u32; 5]));
        b.observer(Box::new(Outcomes(outcomes.clone())));
        b.end_at(400);
        let mut sim = b.build().unwrap();
        // Debug builds check conservation after every block; check here too, for release.
        for _ in 0..4 {
            sim.run_until(sim.chain().block + 100);
            prop_assert_eq!(sim.chain().check_conservation(), Ok(()));
        }
        // The run must have exercised every kind of action, not just refusals.
        let done = *outcomes.borrow();
        prop_assert!(done.iter().all(|k| *k > 0), "applied per kind (register, add, remove, move, weights): {:?}", done);
    }
}

/// Records refusals.
struct Refusals(std::rc::Rc<std::cell::RefCell<Vec<String>>>);

impl Observer for Refusals {
    fn on_action(
        &mut self,
        block: u64,
        _agent: Option<usize>,
        _action: &Action,
        result: &Result<(), yumalab::chain::extrinsics::Refusal>,
    ) {
        if let Err(e) = result {
            self.0.borrow_mut().push(format!("block {block}: {e}"));
        }
    }
}

#[test]
fn a_registered_subnet_starts_at_the_median_price_and_pays_the_lock() {
    let mut b = SimulationBuilder::new(ChainParams::default());
    for (k, price) in [0.02, 0.03, 0.05].into_iter().enumerate() {
        let c = b.coldkey(format!("o{k}"), 0);
        let h = b.hotkey(format!("o{k}-hk"), c);
        b.subnet(
            SubnetParams::default(),
            c,
            h,
            1000 * TAO,
            (1000.0 * TAO as f64 / price) as u64,
            Some(1),
        );
    }
    let founder = b.coldkey("founder", 6000 * TAO);
    let fh = b.hotkey("founder-hk", founder);
    b.at(
        10,
        Action::RegisterSubnet {
            coldkey: founder,
            hotkey: fh,
        },
    );
    b.at(
        11,
        Action::RegisterSubnet {
            coldkey: founder,
            hotkey: fh,
        },
    ); // rate limited
    b.at(
        12,
        Action::StartCall {
            coldkey: founder,
            netuid: NetUid(4),
        },
    );
    let refusals = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    b.observer(Box::new(Refusals(refusals.clone())));
    b.end_at(50);
    let mut sim = b.build().unwrap();
    sim.run_until(10);
    let chain = sim.chain();
    let s = &chain.subnets[&NetUid(4)];
    // The first registration: lock = 2500 TAO − ⌊2500 TAO / 100 800⌋ · 10 blocks (spec §8.3).
    let lock = 2_500 * TAO - (2_500 * TAO / 100_800) * 10;
    assert_eq!(s.pool.tao, lock);
    // The registration's transaction fee is recycled (§13.7); the refused one paid nothing.
    let fee = ChainParams::default()
        .tx_fees
        .expect("2026-10 charges fees")
        .other;
    assert_eq!(
        chain.coldkeys[founder.0 as usize].balance,
        6000 * TAO - lock - fee
    );
    // It starts at the median spot price of the others (0.03, up to rounding of x₀).
    assert!((s.pool.price() - chain.subnets[&NetUid(2)].pool.price()).abs() < 1e-9);
    assert_eq!(s.first_emission_block, None);
    sim.run();
    assert_eq!(
        sim.chain().subnets[&NetUid(4)].first_emission_block,
        Some(13)
    );
    let refused = refusals.borrow();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("rate limit"), "{refused:?}");
    sim.chain().check_conservation().unwrap();
}

#[test]
fn served_work_is_visible_to_agents_and_refused_for_strangers() {
    let mut b = SimulationBuilder::new(ChainParams::default());
    let owner = b.coldkey("owner", 0);
    let owner_hk = b.hotkey("owner-hk", owner);
    let netuid = b.subnet(
        SubnetParams::default(),
        owner,
        owner_hk,
        1000 * TAO,
        50_000 * TAO,
        Some(1),
    );
    let c = b.coldkey("miner", 10 * TAO);
    let h = b.hotkey("miner-hk", c);
    let stranger = b.hotkey("stranger-hk", c);
    b.at(
        1,
        Action::Register {
            coldkey: c,
            hotkey: h,
            netuid,
        },
    );
    b.at(
        2,
        Action::Serve {
            hotkey: h,
            netuid,
            quality: vec![0.7, 0.4],
            copy_of: None,
        },
    );
    b.at(
        2,
        Action::Serve {
            hotkey: stranger,
            netuid,
            quality: vec![1.0],
            copy_of: None,
        },
    );
    let refusals = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    b.observer(Box::new(Refusals(refusals.clone())));
    b.end_at(3);
    let mut sim = b.build().unwrap();
    sim.run();
    let served = sim.chain().served(netuid, 1).expect("served work");
    assert_eq!(served.quality.as_slice(), [0.7, 0.4]);
    assert_eq!(served.block.0, 2);
    assert!(sim.chain().served(netuid, 0).is_none());
    assert_eq!(refusals.borrow().len(), 1, "{:?}", refusals.borrow());
}

#[test]
fn only_the_owner_sets_hyperparameters_and_only_within_bounds() {
    use yumalab_agents::Hyperparameter as H;
    let mut b = SimulationBuilder::new(ChainParams::default());
    // Each hyperparameter call pays a transaction fee (§13.7).
    let owner = b.coldkey("owner", TAO);
    let owner_hk = b.hotkey("owner-hk", owner);
    let stranger = b.coldkey("stranger", TAO);
    let netuid = b.subnet(
        SubnetParams::default(),
        owner,
        owner_hk,
        1000 * TAO,
        50_000 * TAO,
        Some(1),
    );
    b.at(
        2,
        Action::SetHyperparameter {
            coldkey: stranger,
            netuid,
            hyperparameter: H::CommitReveal(false),
        },
    );
    b.at(
        2,
        Action::SetHyperparameter {
            coldkey: owner,
            netuid,
            hyperparameter: H::BondsMovingAverage(990_000),
        },
    );
    b.at(
        2,
        Action::SetHyperparameter {
            coldkey: owner,
            netuid,
            hyperparameter: H::Tempo(100),
        },
    );
    b.at(
        3,
        Action::SetHyperparameter {
            coldkey: owner,
            netuid,
            hyperparameter: H::BondsMovingAverage(975_000),
        },
    );
    b.at(
        3,
        Action::SetHyperparameter {
            coldkey: owner,
            netuid,
            hyperparameter: H::LiquidAlpha(Some((6553, 19660))),
        },
    );
    let refusals = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    b.observer(Box::new(Refusals(refusals.clone())));
    b.end_at(4);
    let mut sim = b.build().unwrap();
    sim.run();
    let refused = refusals.borrow();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused[0].contains("only the subnet owner"), "{refused:?}");
    assert!(refused[1].contains("at most 975000"), "{refused:?}");
    assert!(
        refused[2].contains("tempo must be in [360, 50400]"),
        "{refused:?}"
    );
    let p = &sim.chain().subnets[&netuid].params;
    assert_eq!(p.yuma.bonds_moving_average, 975_000);
    assert!(p.yuma.commit_reveal);
    assert_eq!(
        p.yuma.liquid_alpha.map(|l| (l.alpha_low, l.alpha_high)),
        Some((6553, 19660))
    );
}
