//! Scenarios that start from a chain snapshot (issue 11 item 3, issue 12 item 1 "Worlds").
//!
//! A scenario in a snapshot world builds at the snapshot's block with the snapshot's subnets
//! in the background, runs and conserves; `adopt` by netuid and by quantile picks the subnet the
//! documented rule names and takes over its state; a new subnet at the subnet limit prunes the
//! subnet the chain's rule names and is seeded as the chain seeds one; every bad input is
//! refused at once with its path (the snapshot's own problems with the snapshot file's
//! positions) and `yumalab run` writes nothing; runs are the same bytes twice; the background
//! subnets' shares in the first block are `yumalab coinbase`'s; a background subnet's epoch
//! pays its buckets to the aggregate holders and keeps `MinerBurned`; `yumalab report` analyses
//! a world run's tables as the run did.

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::common::{self, yumalab};
use yumalab::chain::block::EpochRecord;
use yumalab::chain::pool::new_subnet_pool;
use yumalab::replay::Format;
use yumalab::scenario::{Network, Scenario};
use yumalab::units::NetUid;
use yumalab::world::{self, Holder, Snapshot};

/// Every epoch of a run.
struct Epochs(Rc<RefCell<Vec<EpochRecord>>>);

impl yumalab::engine::Observer for Epochs {
    fn on_epoch(&mut self, _chain: &yumalab::chain::state::Chain, record: &EpochRecord) {
        self.0.borrow_mut().push(record.clone());
    }
}

fn mainnet() -> &'static Snapshot {
    world::named("mainnet-2026-08").expect("named world").1
}

fn disk(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| e.to_string())
}

fn parse(text: &str, file: &str) -> Result<Scenario, Vec<String>> {
    Scenario::parse_with(text, file, &[], &disk)
        .map_err(|e| e.0.iter().map(ToString::to_string).collect())
}

fn scenario(text: &str) -> Scenario {
    parse(text, "world.yaml").unwrap_or_else(|e| panic!("{}", e.join("\n")))
}

fn scratch(test: &str) -> PathBuf {
    common::scratch_in("world", test)
}

/// A small subnet population: validators with genesis alpha, miners, one buyer.
const POPULATION: &str = "\
population:
  - {group: validators, kind: honest-validator, subnet: mine, count: 3, balance: 5, genesis_stake: 20000, params: {noise: 0.05}}
  - {group: miners, kind: honest-miner, subnet: mine, count: 6, balance: 5, params: {quality: [{model: static, quality: 0.5}]}}
  - {group: buyers, kind: speculator, subnet: mine, count: 1, balance: 101, params: {strategy: buy_and_hold, budget: 100}}
";

fn with_adopt(adopt: &str) -> String {
    format!(
        "name: w\ndescription: a subnet in the mainnet world\nnetwork: mainnet-2026-08\nduration: {{blocks: 400}}\n\
         subnets:\n  - {{name: mine, adopt: {adopt}, yuma: {{commit_reveal: false}}}}\n{POPULATION}"
    )
}

// ---------------------------------------------------------------------------- build and run

#[test]
fn a_snapshot_world_scenario_builds_runs_and_conserves() {
    // Long enough for the subnet's first epoch (its phase: 64 blocks before the snapshot's
    // block) and the buyer's turn after it.
    let s = scenario(&with_adopt("64").replace("{blocks: 400}", "{blocks: 800}"));
    let m = mainnet();
    assert_eq!(s.network.name(), "mainnet-2026-08");
    assert_eq!(s.network.genesis_block(), m.block);
    assert_eq!(s.subnets[0].netuid, NetUid(64));
    let (b, members) = s.build(s.seed).unwrap();
    let mut sim = b.build().unwrap();
    assert_eq!(sim.chain().block, m.block);
    assert_eq!(sim.chain().subnets.len(), 128);
    assert_eq!(
        sim.chain().total_issuance,
        m.globals.total_issuance + 5 * 9 * 1_000_000_000 + 101_000_000_000
    );
    sim.chain().check_conservation().unwrap();
    sim.run();
    assert_eq!(sim.chain().block, m.block + 800);
    sim.chain().check_conservation().unwrap();
    // The scenario's neurons run Yuma on netuid 64; the buyer bought in.
    let sn = &sim.chain().subnets[&NetUid(64)];
    assert_eq!(
        sn.n(),
        1 + 3 + 6 + 1,
        "owner, validators, miners, the buyer's hotkey"
    );
    assert!(sn.background.is_none());
    let buyer = members.iter().find(|m| m.group == "buyers").unwrap();
    assert!(sim.chain().coldkeys[buyer.identity.coldkey.0 as usize].balance < 2_000_000_000);
    // Every other subnet is in the background.
    assert!(
        sim.chain()
            .subnets
            .values()
            .filter(|s| s.netuid != NetUid(64))
            .all(|s| s.background.is_some())
    );

    // The same through a snapshot file, with a new registration and an adoption together.
    let dir = scratch("file");
    let snapshot = dir.join("snap.yaml");
    fs::write(&snapshot, SMALL).unwrap();
    let file = dir.join("s.yaml");
    let text = format!(
        "name: w\ndescription: a small world\nnetwork: {{snapshot: snap.yaml}}\nduration: {{blocks: 300}}\n\
         subnets:\n  - {{name: mine, yuma: {{commit_reveal: false}}}}\n  - {{name: old, adopt: 2}}\n{POPULATION}"
    );
    fs::write(&file, &text).unwrap();
    let s = parse(&text, &file.display().to_string()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(&s.network, Network::Snapshot(w) if w.file == snapshot.display().to_string()));
    assert_eq!(s.network.name(), "snapshot snap.yaml");
    // Netuids 1, 2, 5 exist and the limit is 4: the new subnet takes netuid 3.
    assert_eq!(
        (s.subnets[0].netuid, s.subnets[1].netuid),
        (NetUid(3), NetUid(2))
    );
    assert_eq!(s.subnets[0].pruned, None);
    let (b, _) = s.build(s.seed).unwrap();
    let mut sim = b.build().unwrap();
    sim.run();
    sim.chain().check_conservation().unwrap();
    assert_eq!(sim.chain().block, 800 + 300);
}

/// Four subnets at block 800, limit 5 (one free slot).
const SMALL: &str = "\
block: 800
regime: 2026-10
globals:
  total_issuance: 11000000
  root_tao: 1000000
  tao_weight: 0.18
  owner_cut: 0.18
  moving_alpha: 0.0003
  gate: {bar: 0.1, rank: 2, exponent: 3, quantile: 0.75}
  subnet_limit: 4
  lock_cost: 500
subnets:
  - {netuid: 1, tao_reserve: 40000, alpha_reserve: 1000000, alpha_outstanding: 2000000,
     protocol_alpha: 100000, moving_price: 0.04, miner_burned: 0, emission_enabled: true,
     tempo: 360, registered_at: 10, first_emission_block: 20}
  - {netuid: 2, tao_reserve: 20000, alpha_reserve: 1500000, alpha_outstanding: 500000,
     protocol_alpha: 0, moving_price: 0.02, miner_burned: 0.5, emission_enabled: true,
     tempo: 100, registered_at: 10, first_emission_block: 20,
     tao_reservoir: 1, alpha_reservoir: 10, tao_weight_in_pool: 0.4}
  - {netuid: 5, tao_reserve: 5000, alpha_reserve: 500000, alpha_outstanding: 100000,
     protocol_alpha: 0, moving_price: 0.01, miner_burned: 0, emission_enabled: true,
     tempo: 360, registered_at: 100, first_emission_block: 200}
";

// ------------------------------------------------------------------------------------- adopt

/// The quantile rule, written again: emitting subnets by (TAO reserve, netuid), rank
/// round(q·(n − 1)).
fn expected_quantile(s: &Snapshot, q: f64) -> NetUid {
    let mut v: Vec<(u64, u16)> = s
        .subnets
        .iter()
        .filter(|x| x.emission_enabled && x.first_emission_block.is_some_and(|f| f <= s.block))
        .map(|x| (x.tao_reserve, x.netuid.0))
        .collect();
    v.sort_unstable();
    NetUid(v[(q * (v.len() - 1) as f64).round() as usize].1)
}

#[test]
fn adopt_by_netuid_and_by_quantile_picks_the_right_subnet() {
    let m = mainnet();
    let emitting = m
        .subnets
        .iter()
        .filter(|x| x.emission_enabled && x.first_emission_block.is_some())
        .count();
    assert_eq!(emitting, 85);
    for (written, q) in [
        ("median", 0.5),
        ("p25", 0.25),
        ("p75", 0.75),
        ("p0", 0.0),
        ("p100", 1.0),
    ] {
        let s = scenario(&with_adopt(written));
        let want = expected_quantile(m, q);
        assert_eq!(s.subnets[0].netuid, want, "{written}");
        assert_eq!(s.subnets[0].adopt, Some((want, written.to_owned())));
    }
    // The median's reserve is the calibration README's p50 neighbourhood (7 110 TAO over all
    // 128; the emitting ones are richer).
    let median = expected_quantile(m, 0.5);
    let state = m.subnets.iter().find(|x| x.netuid == median).unwrap();
    assert!(
        (5_000..20_000).contains(&(state.tao_reserve / 1_000_000_000)),
        "{}",
        state.tao_reserve
    );

    // Adopting takes over the state; with `stakers: passive` the outstanding alpha stays
    // staked by a passive holder, less the agents' genesis stakes, which are part of it (so
    // alpha outstanding is the snapshot's).
    let s = scenario(&with_adopt("64").replace("adopt: 64,", "adopt: 64, stakers: passive,"));
    let state = m.subnets.iter().find(|x| x.netuid == NetUid(64)).unwrap();
    assert_eq!(s.subnets[0].pool_tao, state.tao_reserve);
    let (b, _) = s.build(s.seed).unwrap();
    let chain = b.chain();
    let sn = &chain.subnets[&NetUid(64)];
    assert_eq!(
        (sn.pool.tao, sn.pool.alpha),
        (state.tao_reserve, state.alpha_reserve)
    );
    assert_eq!(sn.alpha_out, state.alpha_outstanding);
    assert_eq!(sn.moving_price, state.moving_price);
    assert_eq!(sn.miner_burned, state.miner_burned);
    assert_eq!(sn.registered_at, state.registered_at);
    assert_eq!(sn.first_emission_block, state.first_emission_block);
    let stakers = chain
        .coldkeys
        .iter()
        .position(|c| c.name == "sn64-stakers")
        .unwrap();
    let hotkey = chain
        .hotkeys
        .iter()
        .position(|h| h.name == "sn64-stakers")
        .unwrap();
    assert_eq!(
        sn.stakes[&yumalab::units::HotkeyId(hotkey as u32)]
            .stake_of(yumalab::units::ColdkeyId(stakers as u32)),
        state.alpha_outstanding - state.protocol_alpha - 3 * 20_000_000_000_000
    );
    assert!(
        sn.uid_of(yumalab::units::HotkeyId(hotkey as u32)).is_none(),
        "the stakers are not registered"
    );
    assert_eq!(chain.hotkeys[sn.owner_hotkey.0 as usize].name, "mine/owner");

    // Ties in TAO reserve rank the lower netuid first: netuids 2 and 5 hold 20 000 TAO each.
    let tied = SMALL.replace("tao_reserve: 5000", "tao_reserve: 20000");
    let snap = Snapshot::parse(&tied, "tied.yaml", Format::Yaml).unwrap();
    assert_eq!(
        yumalab::scenario::network::quantile_subnet(&snap, 0.5),
        Some(NetUid(5))
    );
    assert_eq!(
        yumalab::scenario::network::quantile_subnet(&snap, 0.0),
        Some(NetUid(2))
    );
    assert_eq!(
        yumalab::scenario::network::quantile_subnet(&snap, 1.0),
        Some(NetUid(1))
    );
}

#[test]
fn a_new_subnet_at_the_limit_prunes_as_the_chain_does_and_is_seeded_as_the_chain_seeds_one() {
    let m = mainnet();
    let text = with_adopt("64").replace("adopt: 64, ", "");
    let s = scenario(&text);
    // The chain's rule, written again: the non-immune subnet with the lowest moving price,
    // ties to the earliest registered, then the lower netuid.
    let params = s.chain.clone();
    let target = m
        .subnets
        .iter()
        .filter(|x| x.registered_at + params.network_immunity <= m.block)
        .min_by(|a, b| {
            a.moving_price
                .total_cmp(&b.moving_price)
                .then(a.registered_at.cmp(&b.registered_at))
                .then(a.netuid.cmp(&b.netuid))
        })
        .unwrap()
        .netuid;
    assert_eq!(s.subnets[0].pruned, Some(target));
    assert_eq!(
        s.subnets[0].netuid, target,
        "the pruned netuid is reused at once"
    );
    let w = world::build_with(m, params.clone(), Holder::Background, &[]).unwrap();
    let lock = w.chain.network_lock_cost();
    let median = w.chain.median_subnet_price();
    assert_eq!(s.subnets[0].lock, lock);
    let (b, _) = s.build(s.seed).unwrap();
    let chain = b.chain();
    let sn = &chain.subnets[&target];
    let pool = new_subnet_pool(chain.pool_kind(), lock, params.network_min_lock, median);
    assert_eq!((sn.pool.tao, sn.pool.alpha), (pool.tao, pool.alpha));
    assert_eq!(sn.moving_price, 0.0);
    assert_eq!(sn.registered_at, m.block);
    assert_eq!(sn.first_emission_block, Some(m.block + 1));
    assert!(
        chain.dissolving.is_empty(),
        "the cleanup delay is skipped at genesis"
    );
    assert_eq!(chain.network_last_lock, lock);
    assert_eq!(chain.subnets.len(), 128);
    chain.check_conservation().unwrap();
    // The pruned subnet's holders were paid out in TAO (the aggregate `network` coldkey).
    assert!(chain.coldkeys[0].balance > 0);
}

/// `stakers: delegate` (the default): the holders' stake, less the genesis stakes, is
/// nominated to the validators in proportion to their genesis stakes, to the rao; the
/// validators then pay their nominators the dividends after their take, and the analysis
/// counts only the owners' part as the validators' income.
#[test]
fn an_adopted_subnets_holders_nominate_its_validators_and_share_their_dividends() {
    let text = with_adopt("64").replace(
        "count: 3, balance: 5, genesis_stake: 20000,",
        "count: 3, balance: 5, genesis_stake: 20000, stake_distribution: {law: pareto, alpha: 1.5},",
    );
    let s = scenario(&text);
    let state = mainnet()
        .subnets
        .iter()
        .find(|x| x.netuid == NetUid(64))
        .unwrap();
    let (b, members) = s.build(s.seed).unwrap();
    let chain = b.chain();
    let sn = &chain.subnets[&NetUid(64)];
    let stakers = chain
        .coldkeys
        .iter()
        .position(|c| c.name == "sn64-stakers")
        .map(|i| yumalab::units::ColdkeyId(i as u32))
        .unwrap();
    let held = state.alpha_outstanding - state.protocol_alpha;
    let carved = 3 * 20_000_000_000_000u64;
    let validators: Vec<_> = members.iter().filter(|m| m.group == "validators").collect();
    let own: Vec<u64> = validators
        .iter()
        .map(|m| sn.stakes[&m.identity.hotkeys[0]].stake_of(m.identity.coldkey))
        .collect();
    assert_eq!(own.iter().sum::<u64>(), carved);
    assert!(
        own[0] > own[2],
        "the Pareto split gives agent 0 the most: {own:?}"
    );
    let nominated: Vec<u64> = validators
        .iter()
        .map(|m| sn.stakes[&m.identity.hotkeys[0]].stake_of(stakers))
        .collect();
    // Everything the holders kept, to the rao, in proportion to the own stakes.
    assert_eq!(nominated.iter().sum::<u64>(), held - carved);
    for (n, o) in nominated.iter().zip(&own) {
        let want = (held - carved) as f64 * *o as f64 / carved as f64;
        assert!((*n as f64 - want).abs() <= 2.0, "{n} vs {want}");
    }
    // Nobody else holds stake on the subnet but the buyers (none yet) and the owner.
    let total: u64 = sn.stakes.values().map(|p| p.value()).sum();
    assert_eq!(total, held);
    // The world's root stake, to the rao, from the `network` coldkey to the same validators in
    // the same proportions, each with a root UID; root's total is unchanged.
    let network = chain
        .coldkeys
        .iter()
        .position(|c| c.name == "network")
        .map(|i| yumalab::units::ColdkeyId(i as u32))
        .unwrap();
    let root_tao = mainnet().globals.root_tao;
    let on_root: Vec<u64> = validators
        .iter()
        .map(|m| {
            let h = m.identity.hotkeys[0];
            assert!(chain.root.is_registered(h));
            chain.root.stakes()[&h].stake_of(network)
        })
        .collect();
    assert_eq!(on_root.iter().sum::<u64>(), root_tao);
    assert_eq!(chain.root.total(), root_tao);
    for (r, o) in on_root.iter().zip(&own) {
        let want = root_tao as f64 * *o as f64 / carved as f64;
        assert!((*r as f64 - want).abs() <= 3.0, "{r} vs {want}");
    }
    // Three tempos in process: the root share of each epoch is paid to the validators (their
    // take as alpha, the rest queued for their baskets, the world's), not recycled.
    let (mut b, _) = s.build(s.seed).unwrap();
    let epochs: Rc<RefCell<Vec<EpochRecord>>> = Rc::default();
    b.observer(Box::new(Epochs(epochs.clone())));
    b.end_at(s.network.genesis_block() + 3 * 360);
    b.build().unwrap().run();
    let epochs = epochs.borrow();
    let ours: Vec<&EpochRecord> = epochs.iter().filter(|e| e.netuid == NetUid(64)).collect();
    assert!(ours.len() >= 2, "{} epochs", ours.len());
    for e in &ours {
        let sum = |f: fn(&yumalab::chain::block::NeuronRecord) -> u64| -> u64 {
            e.neurons.iter().map(f).sum()
        };
        let root = sum(|n| n.root_dividend_alpha);
        let paid = sum(|n| n.incentive_alpha) + sum(|n| n.dividend_alpha) + root;
        // Only the floors are lost (recycled, to 10⁻⁶; it was the whole root share, about
        // 7 %, when no validator was on root); the root share is paid.
        let tiny = 1e-6 * e.emission as f64;
        assert!(
            (e.recycled as f64) < tiny,
            "recycled {} of {}",
            e.recycled,
            e.emission
        );
        assert!(((e.emission - paid) as f64) < e.burned as f64 + tiny);
        assert!(
            root as f64 > 0.03 * e.emission as f64,
            "root {root} of {}",
            e.emission
        );
        // Each validator's root dividend: its take, the rest to its root nominators.
        for n in e.neurons.iter().filter(|n| n.root_dividend_alpha > 0) {
            assert!(n.nominators_alpha >= n.root_dividend_alpha * 8 / 10);
        }
    }

    // A day: the validators pay their nominators; their income is the owners' part.
    let dir = scratch("nominate");
    let file = dir.join("s.yaml");
    fs::write(&file, text.replace("{blocks: 400}", "{days: 1}")).unwrap();
    let out_dir = dir.join("out");
    common::run_ok(&file, &out_dir);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out_dir.join("summary.json")).unwrap()).unwrap();
    let m = summary.get("metrics").unwrap_or(&summary);
    let get = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("no {k}"));
    let paid = get("group.validators.emission_tao");
    let own_income = get("group.validators.tao_per_day") * get("run.days");
    let to_nominators = get("subnet.sn64.nominators_tao_per_day") * get("run.days");
    let to_root = get("subnet.sn64.root_nominators_tao_per_day") * get("run.days");
    assert!(to_nominators > 0.0 && own_income > 0.0 && to_root > 0.0);
    // What the validators were paid (root dividends included) is their own income, their
    // alpha nominators' and their root nominators' (the world's root stake), to 10⁻⁶.
    assert!(
        (paid - own_income - to_nominators - to_root).abs() < 1e-6 * paid,
        "{paid} = {own_income} + {to_nominators} + {to_root}"
    );
    // The take is 18 %: the owners keep more than the take and less than all of it.
    assert!(own_income > 0.18 * paid && own_income < paid);
    let apy = get("subnet.sn64.nominator_apy");
    assert!(apy > 0.0 && apy < 5.0, "nominator APY {apy}");
}

// ------------------------------------------------------------------------------- bad input

/// `market: moving` on an adopted subnet: the `network` party holds the documented inventory
/// there (half the pool's alpha reserve, out of the holders' stake, so the outstanding alpha
/// is the snapshot's), trades it at every market step, the price moves as the netuid's process
/// says (over 5 days the same as a background subnet's would: the run with `still` moves by
/// the chain's flows alone) and the ledger conserves. `still` (the default) leaves it out.
#[test]
fn an_adopted_subnet_with_a_moving_market_is_traded_along_its_process() {
    let text = with_adopt("64")
        .replace("{blocks: 400}", "{days: 5}")
        .replace("adopt: 64,", "adopt: 64, market: moving,");
    let run = |text: &str| {
        let s = scenario(text);
        let (b, _) = s.build(s.seed).unwrap();
        let mut sim = b.build().unwrap();
        let genesis = sim.chain().clone();
        sim.run();
        sim.chain().check_conservation().unwrap();
        (genesis, sim.chain().clone())
    };
    let (g, end) = run(&text);
    let state = mainnet()
        .subnets
        .iter()
        .find(|s| s.netuid == NetUid(64))
        .unwrap();
    let market = g.market.as_ref().unwrap();
    let listed: Vec<_> = market.subnets.iter().filter(|m| m.adopted).collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].netuid, NetUid(64));
    assert!(market.subnets.windows(2).all(|w| w[0].netuid < w[1].netuid));
    let network = market.hotkey;
    let inventory = g.subnets[&NetUid(64)].stakes[&network].stake_of(market.coldkey);
    assert_eq!(
        inventory,
        world::market_inventory(state.alpha_reserve, u64::MAX)
    );
    assert_eq!(g.subnets[&NetUid(64)].alpha_out, state.alpha_outstanding);
    // Traded at every step (20 a day), none skipped.
    let m = end.market.as_ref().unwrap();
    let traded = m.subnets.iter().find(|m| m.netuid == NetUid(64)).unwrap();
    assert_eq!(traded.trades + traded.skipped, 5 * 20);
    assert!(traded.skipped == 0 && traded.tao_in > 0 && traded.tao_out > 0);
    // Its price path is the process's on top of what the chain and agents do: against the
    // same run with `still`, the log-ratio of the end prices is the process's 5-day return
    // to 2 %.
    let (_, still) = run(&with_adopt("64").replace("{blocks: 400}", "{days: 5}"));
    assert!(
        still
            .market
            .as_ref()
            .unwrap()
            .subnets
            .iter()
            .all(|m| !m.adopted)
    );
    let r: f64 = yumalab::world::market::ReturnProcess::new(
        traded.dynamics,
        yumalab::world::market::subnet_seed(scenario(&text).seed, NetUid(64)),
    )
    .daily_returns(5)
    .iter()
    .sum();
    let p = |c: &yumalab::chain::state::Chain| c.subnets[&NetUid(64)].pool.price();
    let realised = (p(&end) / p(&still)).ln();
    assert!(
        (realised - r).abs() < 0.02,
        "realised {realised} against the process's {r}"
    );
}

#[test]
fn bad_world_inputs_are_refused_with_their_paths() {
    let problems = |text: &str| parse(text, "bad.yaml").expect_err("accepted");
    // An unknown world.
    let p = problems(&with_adopt("64").replace("mainnet-2026-08", "mainnet-2099"));
    assert!(
        p[0].starts_with("bad.yaml:3:10: `network`: must be one of `isolated`, `mainnet-2026-08`"),
        "{p:?}"
    );
    // Every adopt problem at once: root, a missing netuid, the same netuid twice, `pool` and
    // `start_block` beside `adopt`, `chain.issuance`, and genesis money beyond the supply.
    let text = "\
name: w
description: bad adoptions
network: mainnet-2026-08
chain: {issuance: 5}
duration: {blocks: 10}
subnets:
  - {name: a, adopt: 0}
  - {name: b, adopt: 129}
  - {name: c, adopt: 64}
  - {name: d, adopt: 64, pool: {tao: 10, price: 0.1}, start_block: 5}
  - {name: e, adopt: p101}
  - {name: f, pool: {tao: 10, price: 0.1}}
population:
  - {group: whale, kind: speculator, subnet: c, balance: 10000000, params: {strategy: buy_and_hold, budget: 1}}
";
    let p = problems(text);
    let expect = [
        "bad.yaml:3:10: `network`: the snapshot's total_issuance (11206919.340788886 TAO) plus the scenario's genesis TAO (10000000 TAO of balances, 0 TAO of new subnets' locks) is 21206919.340788886 TAO; expected at most the supply, 21 000 000 TAO",
        "bad.yaml:4:19: `chain.issuance`: cannot be given in a snapshot world",
        "bad.yaml:7:22: `subnets[0].adopt`: netuid 0 is root, which cannot be adopted",
        "bad.yaml:8:22: `subnets[1].adopt`: the snapshot `scenarios/snapshots/mainnet-2026-08.yaml` has no netuid 129; expected one of 1..=128",
        "bad.yaml:10:22: `subnets[3].adopt`: netuid 64 is adopted twice (also by subnets[2] `c`)",
        "bad.yaml:10:32: `subnets[3].pool`: cannot be given with `adopt`",
        "bad.yaml:10:68: `subnets[3].start_block`: cannot be given with `adopt`",
        "bad.yaml:11:22: `subnets[4].adopt`: must be a netuid of the snapshot, `median` or `pNN` (a percentile, 0..=100), got `p101`",
        "bad.yaml:12:21: `subnets[5].pool`: cannot be given in a snapshot world",
    ];
    for e in expect {
        assert!(p.iter().any(|x| x.starts_with(e)), "missing {e}\nin {p:#?}");
    }
    assert_eq!(p.len(), expect.len(), "{p:#?}");
    // Beyond the supply (checked once the subnets join): 11.2 M + 10 M TAO.
    let text = with_adopt("64").replace("balance: 101,", "balance: 10000000,");
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("bad.yaml:3:10: `network`: the snapshot's total_issuance (11206919.340788886 TAO) plus the scenario's genesis TAO (10000045 TAO of balances, 0 TAO of new subnets' locks) is 21206964.340788886 TAO; expected at most the supply"), "{p:?}");
    // On an adopted subnet the genesis stakes are part of the holders' stake (SN64's holders
    // own about 3.3 M alpha): 3 × 2 M is too much.
    let p = problems(&with_adopt("64").replace("genesis_stake: 20000", "genesis_stake: 2000000"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("`population[0].genesis_stake`: the genesis stakes on subnet `mine` add up to 6000000 alpha here, more than the")
            && p[0].contains("alpha the holders of netuid 64 own in the snapshot"),
        "{p:?}"
    );
    // `adopt` (and `stakers`) need a world; `stakers` needs `adopt`.
    let p = problems(
        &with_adopt("64")
            .replace("network: mainnet-2026-08", "network: isolated")
            .replace("adopt: 64,", "adopt: 64, stakers: passive,"),
    );
    assert_eq!(
        p,
        [
            "bad.yaml:6:25: `subnets[0].adopt`: needs a snapshot world to adopt from: give `network: mainnet-2026-08` or `network: {snapshot: FILE}`",
            "bad.yaml:6:38: `subnets[0].stakers`: needs a snapshot world to adopt from: give `network: mainnet-2026-08` or `network: {snapshot: FILE}`"
        ]
    );
    let p = problems(&with_adopt("64").replace("adopt: 64,", "stakers: delegate,"));
    assert!(
        p.iter()
            .any(|x| x.contains("`subnets[0].stakers`: applies to an adopted subnet only")),
        "{p:?}"
    );
    // `market` likewise, and it cannot move in a world whose markets are frozen.
    let p = problems(&with_adopt("64").replace("adopt: 64,", "market: moving,"));
    assert!(
        p.iter()
            .any(|x| x.contains("`subnets[0].market`: applies to an adopted subnet only")),
        "{p:?}"
    );
    let p = problems(
        &with_adopt("64")
            .replace(
                "network: mainnet-2026-08",
                "network: {world: mainnet-2026-08, markets: frozen}",
            )
            .replace("adopt: 64,", "adopt: 64, market: moving,"),
    );
    assert_eq!(
        p,
        [
            "bad.yaml:6:37: `subnets[0].market`: cannot be `moving` in a world whose markets are frozen (`network.markets: frozen`): drop one of the two"
        ]
    );
    let p = problems(&with_adopt("64").replace("adopt: 64,", "adopt: 64, market: fast,"));
    assert!(
        p.len() == 1 && p[0].contains("`subnets[0].market`: must be one of `still`, `moving`"),
        "{p:?}"
    );

    // A snapshot file: missing, then invalid (its problems with its own positions).
    let dir = scratch("bad");
    let file = dir.join("s.yaml");
    let text = with_adopt("2").replace("mainnet-2026-08", "{snapshot: snap.yaml}");
    let name = file.display().to_string();
    let p = parse(&text, &name).expect_err("accepted");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with(&format!(
            "{name}:3:21: `network.snapshot`: cannot read the snapshot file `{}`",
            dir.join("snap.yaml").display()
        )),
        "{p:?}"
    );
    fs::write(
        dir.join("snap.yaml"),
        SMALL
            .replace("regime: 2026-10", "regime: 2026-11")
            .replace("moving_price: 0.02", "moving_price: -1"),
    )
    .unwrap();
    let p = parse(&text, &name).expect_err("accepted");
    let snap = dir.join("snap.yaml").display().to_string();
    assert!(
        p[0].starts_with(&format!(
            "{name}:3:21: `network.snapshot`: the snapshot file `{snap}` is invalid (2 problem(s)"
        )),
        "{p:?}"
    );
    assert!(
        p[1].starts_with(&format!("{snap}:2:9: `regime`: must be one of")),
        "{p:?}"
    );
    assert!(
        p[2].starts_with(&format!("{snap}:17:")) && p[2].contains("`subnets[1].moving_price`"),
        "{p:?}"
    );
    assert_eq!(p.len(), 3);

    // `yumalab run` exits 1 and writes nothing.
    let out = dir.join("out");
    fs::write(&file, with_adopt("0")).unwrap();
    let o = yumalab(&["run", &name, "-o", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`subnets[0].adopt`: netuid 0 is root"));
    assert!(!out.exists());
}

// ------------------------------------------------------------------ determinism, coinbase

#[test]
fn a_world_run_is_the_same_bytes_twice_and_its_report_rebuilds_from_the_tables() {
    let dir = scratch("twice");
    let file = dir.join("s.yaml");
    fs::write(&file, with_adopt("median")).unwrap();
    let (f, a, b) = (file.display().to_string(), dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let o = yumalab(&["run", &f, "-o", &out.display().to_string()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for t in ["neurons", "subnets", "network", "agents", "summary"] {
        let name = format!("{t}.parquet");
        assert_eq!(
            fs::read(a.join(&name)).unwrap(),
            fs::read(b.join(&name)).unwrap(),
            "{name}"
        );
    }
    let summary = fs::read_to_string(a.join("summary.json")).unwrap();
    assert_eq!(summary, fs::read_to_string(b.join("summary.json")).unwrap());
    // The analysis covers the scenario's subnet only, from the genesis block.
    let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let median = expected_quantile(mainnet(), 0.5).0;
    let json = &json["metrics"];
    assert_eq!(json["run.blocks"], 400.0);
    assert!(
        json[format!("subnet.sn{median}.tao_emission")]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let report = fs::read_to_string(a.join("report.md")).unwrap();
    assert!(
        report.contains(&format!(
            "world `mainnet-2026-08` from block 8791253 (the scenario's subnets: netuid {median}"
        )),
        "{report}"
    );
    // `yumalab report` reads the world from the tables' metadata: the same summary.
    let o = yumalab(&["report", &a.display().to_string()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read_to_string(a.join("summary.json")).unwrap(), summary);
}

#[test]
fn background_shares_over_the_first_block_equal_yumalab_coinbase() {
    let m = mainnet();
    let mut w = world::build(m, Holder::Validator).unwrap();
    let expected = world::coinbase(&mut w, 1).unwrap().remove(0);
    // Adopting a netuid keeps every subnet's state, so every share is the same.
    let s = scenario(&with_adopt("81"));
    let (b, _) = s.build(s.seed).unwrap();
    let mut sim = b.build().unwrap();
    sim.step();
    // The background's shares are frozen at this block for its interval (`world::background`,
    // "Stepping"): each equals the coinbase's to 1e-12 (the same terms summed in another
    // order); the adopted subnet is paid this block as the coinbase pays it.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-12);
    let got = &sim.chain().last_coinbase;
    assert_eq!(got.block, expected.block);
    assert!(close(got.gate_bar, expected.gate_bar));
    let frozen: Vec<(NetUid, f64, f64)> = sim
        .chain()
        .background_clock
        .as_ref()
        .unwrap()
        .frozen_shares()
        .collect();
    assert_eq!(frozen.len() + 1, expected.subnets.len());
    assert_eq!(got.subnets.len(), 1);
    for e in &expected.subnets {
        let (share, before) = match frozen.iter().find(|f| f.0 == e.netuid) {
            Some(f) => (f.2, f.1),
            None => {
                let g = &got.subnets[0];
                assert_eq!(g.netuid, NetUid(81));
                // 1 rao of rounding either way.
                assert!(g.tao_emission.abs_diff(e.tao_emission) <= 1);
                (g.share, g.share_before_gate)
            }
        };
        assert!(
            close(share, e.share),
            "netuid {}: {share} against {}",
            e.netuid.0,
            e.share
        );
        assert!(close(before, e.share_before_gate), "netuid {}", e.netuid.0);
    }
    // A registration prunes one subnet (the lowest moving price among those past the network
    // immunity of 864 000 blocks: SN70, which earns nothing, its emission being disabled) and
    // adds one with no moving price yet. SN70's weight still counted in the gate's bar (the
    // 32nd largest share before the gate), so the bar moves a little: every other subnet's share
    // is unchanged to 1 %.
    let s = scenario(&with_adopt("81").replace("adopt: 81, ", ""));
    let pruned = s.subnets[0].pruned.unwrap();
    assert_eq!(pruned, NetUid(70));
    let gone = expected
        .subnets
        .iter()
        .find(|e| e.netuid == pruned)
        .unwrap();
    assert_eq!((gone.share, gone.tao_emission), (0.0, 0));
    let (b, _) = s.build(s.seed).unwrap();
    let mut sim = b.build().unwrap();
    sim.step();
    let chain = sim.chain();
    let shares: Vec<(NetUid, f64)> = chain
        .background_clock
        .as_ref()
        .unwrap()
        .frozen_shares()
        .map(|f| (f.0, f.2))
        .chain(
            chain
                .last_coinbase
                .subnets
                .iter()
                .map(|g| (g.netuid, g.share)),
        )
        .collect();
    assert_eq!(shares.len(), 127, "126 background subnets and the new one");
    for (netuid, share) in shares {
        let e = expected.subnets.iter().find(|e| e.netuid == netuid);
        match e {
            Some(e) if netuid != pruned => {
                assert!(
                    (share - e.share).abs() <= 0.01 * e.share,
                    "netuid {}: {} against {}",
                    netuid.0,
                    share,
                    e.share
                )
            }
            _ => assert_eq!(share, 0.0),
        }
    }
}

#[test]
fn a_background_epoch_pays_the_aggregate_holders_and_keeps_miner_burned() {
    // 800 blocks: the background's epochs are paid at its steps (the last block of each
    // 360-block interval), SN6's first at the second step.
    let s = scenario(&with_adopt("64").replace("{blocks: 400}", "{blocks: 800}"));
    let (b, _) = s.build(s.seed).unwrap();
    let mut sim = b.build().unwrap();
    let chain = sim.chain();
    let holders = chain.subnets[&NetUid(1)].background.unwrap();
    let burned_before: Vec<(NetUid, f64)> = chain
        .subnets
        .values()
        .map(|s| (s.netuid, s.miner_burned))
        .collect();
    sim.run();
    let chain = sim.chain();
    for (netuid, burned) in burned_before.iter().filter(|(n, _)| n.0 != 64) {
        let s = &chain.subnets[netuid];
        assert_eq!(s.miner_burned, *burned, "netuid {}", netuid.0);
        assert_eq!(s.n(), 1, "only the owner");
    }
    // SN6 burns all its miner incentive (MinerBurned 1); SN3 none.
    let stake = |n: u16, who: (yumalab::units::ColdkeyId, yumalab::units::HotkeyId)| {
        chain.subnets[&NetUid(n)]
            .stakes
            .get(&who.1)
            .map_or(0, |p| p.stake_of(who.0))
    };
    assert_eq!(stake(6, holders.miners), 0);
    assert!(chain.subnets[&NetUid(6)].alpha_burned > 0);
    assert!(stake(3, holders.miners) > 0);
    assert_eq!(chain.subnets[&NetUid(3)].alpha_burned, 0);
    assert!(stake(3, holders.validators) > 0);
    assert!(stake(3, holders.root) > 0);
    chain.check_conservation().unwrap();
}
