//! Snapshots and `yumalab coinbase` (issue 11, item 3).
//!
//! A snapshot is read exactly (amounts to the rao from their decimal text) or refused with every
//! problem at once; the chain built from it holds the snapshot's state and conserves before and
//! after stepping; one block on a hand-made snapshot matches numbers computed by hand (0.5 TAO
//! block emission, rank-mode gate, emission-disabled masking, reservoirs, a 0.4 pool weight);
//! the shipped mainnet snapshot reproduces the chain's observed shares and spends or recycles
//! every rao of each block's emission; the command's JSON has the documented shape, its output
//! is the same bytes every time, and bad input exits 1 with nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, yumalab};
use serde_json::Value as Json;
use yumalab::chain::pool::HALF_WEIGHT;
use yumalab::chain::state::CoinbaseRecord;
use yumalab::replay::Format;
use yumalab::units::NetUid;
use yumalab::world::snapshot::{GATE, GLOBALS, SUBNET, TOP};
use yumalab::world::{self, Holder, Snapshot};

const RAO: u64 = 1_000_000_000;

/// Three emitting subnets (one disabled), one not started, at block 719: the next block, 720,
/// is a multiple of 360, so the gate bar (stored 0.5) is recomputed.
const HAND: &str = "\
block: 719
regime: 2026-10
globals:
  total_issuance: 11000000        # ≥ 10.5 M: one halving, E_block = 0.5 TAO
  root_tao: 1000000
  tao_weight: 0.18
  owner_cut: 0.18
  moving_alpha: 0.0003
  gate: {bar: 0.5, rank: 2, exponent: 3, quantile: 0.75}
  subnet_limit: 8
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
     protocol_alpha: 0, moving_price: 0.01, miner_burned: 0, emission_enabled: false,
     tempo: 360, registered_at: 100, first_emission_block: 200}
  - {netuid: 7, tao_reserve: 1000, alpha_reserve: 100000, alpha_outstanding: 0,
     protocol_alpha: 0, moving_price: 0, miner_burned: 0, emission_enabled: false,
     tempo: 360, registered_at: 700, first_emission_block: null}
";

fn hand() -> Snapshot {
    Snapshot::parse(HAND, "hand.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn mainnet_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/snapshots/mainnet-2026-08.yaml")
}

fn mainnet() -> Snapshot {
    let path = mainnet_path();
    let text = fs::read_to_string(&path).unwrap();
    Snapshot::parse(&text, "mainnet-2026-08.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(text: &str, format: Format) -> Vec<String> {
    match Snapshot::parse(text, "bad.yaml", format) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string().lines().map(str::to_owned).collect(),
    }
}

fn scratch(test: &str) -> PathBuf {
    common::scratch_in("snapshot", test)
}

// ------------------------------------------------------------------------------ reading

#[test]
fn amounts_are_read_exactly_to_the_rao() {
    let s = hand();
    assert_eq!(s.block, 719);
    assert_eq!(s.globals.total_issuance, 11_000_000 * RAO);
    assert_eq!(s.globals.lock_cost, 500 * RAO);
    let sn2 = &s.subnets[1];
    assert_eq!(sn2.netuid, NetUid(2));
    assert_eq!(sn2.tao_reservoir, RAO);
    assert_eq!(sn2.alpha_reservoir, 10 * RAO);
    assert_eq!(sn2.tao_weight_in_pool, 400_000_000_000_000_000);
    assert_eq!(s.subnets[0].tao_weight_in_pool, HALF_WEIGHT);
    assert_eq!(s.subnets[3].first_emission_block, None);
    // 17 significant digits: beyond f64 (whose nearest value is ...177321376 ± 1 rao).
    let m = mainnet();
    assert_eq!(m.globals.total_issuance, 11_206_919_340_788_886);
    assert_eq!(m.globals.root_tao, 5_445_703_100_864_541);
    assert_eq!(m.subnets[0].alpha_reserve, 3_109_624_925_626_961);
    assert_eq!(m.subnets.len(), 128);
    // More than nine decimals: nearest rao, ties to even.
    let text = HAND.replace("lock_cost: 500", "lock_cost: 500.0000000025");
    let s = Snapshot::parse(&text, "t.yaml", Format::Yaml).unwrap();
    assert_eq!(s.globals.lock_cost, 500 * RAO + 2);
}

#[test]
fn every_problem_is_reported_at_once_with_its_position() {
    let text = "\
block: 100
regime: 2026-11
globals:
  total_issuance: 21000001
  root_tao: -5
  tao_weight: 0.18
  owner_cut: 1.5
  moving_alpha: 0.0003
  gate: {bar: 0.1, rank: 70000, exponent: 0, quantile: 1.5}
  subnet_limit: 128
  lock_cost: 1
  extra: 1
subnets:
  - {netuid: 0, tao_reserve: 1, alpha_reserve: 1, alpha_outstanding: 1, protocol_alpha: 0,
     moving_price: 0.1, miner_burned: 0, emission_enabled: true, tempo: 360, registered_at: 1,
     first_emission_block: 2}
  - {netuid: 3, tao_reserve: lots, alpha_reserve: 1, alpha_outstanding: 1, protocol_alpha: 2,
     moving_price: 0.1, miner_burned: 0, emission_enabled: yes please, tempo: 360,
     registered_at: 101, first_emission_block: 2}
  - {netuid: 3, tao_reserve: 1, alpha_reserve: 20000000, alpha_outstanding: 1000001,
     protocol_alpha: 0, moving_price: 0.1, miner_burned: 0, emission_enabled: true, tempo: 360,
     registered_at: 1, first_emission_block: 2}
  - {netuid: 3, tao_reserve: 1, alpha_reserve: 1, alpha_outstanding: 1, protocol_alpha: 0,
     moving_price: 0.1, miner_burned: 0, emission_enabled: true, tempo: 0, registered_at: 1,
     first_emission_block: 2, tao_weight_in_pool: 0.995}
";
    let got = problems(text, Format::Yaml);
    let expected = [
        "bad.yaml:2:9: `regime`: must be one of `2026-10`, `2026-06`, `2025-11-flow`, `2025-02-dtao`, got `2026-11` (did you mean `2026-10`?)",
        "bad.yaml:4:19: `globals.total_issuance`: must be TAO in [0, 21 000 000] (the supply), got `21000001`",
        "bad.yaml:5:13: `globals.root_tao`: must be TAO in [0, 21 000 000] (a finite decimal number), got `-5`",
        "bad.yaml:7:14: `globals.owner_cut`: must be a fraction in [0, 1], got `1.5`",
        "bad.yaml:9:26: `globals.gate.rank`: must be a whole number in 0..=65535, got `70000`",
        "bad.yaml:9:43: `globals.gate.exponent`: must be a number in (0, 64], got `0`",
        "bad.yaml:9:56: `globals.gate.quantile`: must be a fraction in (0, 1], got `1.5`",
        "bad.yaml:12:3: `globals.extra`: unknown field; expected one of `total_issuance`,",
        "bad.yaml:14:14: `subnets[0].netuid`: must be a subnet in 1..=65535, got `0` (root: write its stake as `globals.root_tao`)",
        "bad.yaml:17:30: `subnets[1].tao_reserve`: must be TAO in [0, 21 000 000] (a finite decimal number), got `lots`",
        "bad.yaml:17:92: `subnets[1].protocol_alpha`: must be at most `alpha_outstanding` (1 alpha), got `2`",
        "bad.yaml:18:60: `subnets[1].emission_enabled`: must be true or false, got `yes please`",
        "bad.yaml:19:21: `subnets[1].registered_at`: must be a whole number in 0..=100, got `101`",
        "bad.yaml:20:14: `subnets[2].netuid`: netuid 3 is given twice (first on line 17); each subnet once",
        "bad.yaml:20:5: `subnets[2]`: alpha issuance (alpha_reserve + alpha_outstanding + alpha_reservoir) must be at most 21 000 000 alpha, got 21000001",
        "bad.yaml:23:14: `subnets[3].netuid`: netuid 3 is given twice (first on line 17); each subnet once",
        "bad.yaml:24:73: `subnets[3].tempo`: must be a whole number in 1..=50400, got `0`",
        "bad.yaml:25:51: `subnets[3].tao_weight_in_pool`: must be a weight in [0.01, 0.99], got `0.995`",
    ];
    for want in expected {
        assert!(
            got.iter().any(|g| g.starts_with(want)),
            "missing {want:?} in\n{}",
            got.join("\n")
        );
    }
    assert_eq!(got.len(), expected.len(), "{}", got.join("\n"));
}

#[test]
fn cross_field_problems_name_the_totals() {
    // Root stake and reserves beyond total issuance; more subnets than the limit.
    let text = HAND
        .replace("total_issuance: 11000000", "total_issuance: 1066000.5")
        .replace("subnet_limit: 8", "subnet_limit: 3");
    let got = problems(&text, Format::Yaml);
    assert_eq!(
        got,
        [
            "bad.yaml:4:19: `globals.total_issuance`: must hold the modelled TAO: root_tao + Σ tao_reserve + Σ tao_reservoir = 1066001 TAO, got `1066000.5`",
            "bad.yaml:13:3: `subnets`: has 4 subnets, more than `globals.subnet_limit` (3)",
        ]
    );
    // A constant-product regime has no pool weights.
    let text = HAND.replace("regime: 2026-10", "regime: 2025-11-flow");
    assert_eq!(
        problems(&text, Format::Yaml),
        [
            "bad.yaml:19:65: `subnets[1].tao_weight_in_pool`: must be 0.5 under regime `2025-11-flow` (a constant-product pool has no weights), got `0.4`"
        ]
    );
    // Non-finite numbers reach the validator, which names the field.
    let text = HAND.replace("tao_reserve: 5000,", "tao_reserve: .inf,");
    assert_eq!(
        problems(&text, Format::Yaml),
        [
            "bad.yaml:20:30: `subnets[2].tao_reserve`: must be TAO in [0, 21 000 000] (a finite decimal number), got `.inf`"
        ]
    );
}

#[test]
fn json_snapshots_read_like_yaml_and_syntax_errors_have_a_position() {
    let yaml = hand();
    let json = r#"{"block": 719, "regime": "2026-10",
 "globals": {"total_issuance": 11000000, "root_tao": 1000000, "tao_weight": 0.18,
   "owner_cut": 0.18, "moving_alpha": 0.0003,
   "gate": {"bar": 0.5, "rank": 2, "exponent": 3, "quantile": 0.75},
   "subnet_limit": 8, "lock_cost": 500},
 "subnets": [
  {"netuid": 1, "tao_reserve": 40000, "alpha_reserve": 1000000, "alpha_outstanding": 2000000,
   "protocol_alpha": 100000, "moving_price": 0.04, "miner_burned": 0, "emission_enabled": true,
   "tempo": 360, "registered_at": 10, "first_emission_block": 20},
  {"netuid": 2, "tao_reserve": 20000, "alpha_reserve": 1500000, "alpha_outstanding": 500000,
   "protocol_alpha": 0, "moving_price": 0.02, "miner_burned": 0.5, "emission_enabled": true,
   "tempo": 100, "registered_at": 10, "first_emission_block": 20,
   "tao_reservoir": 1, "alpha_reservoir": 10, "tao_weight_in_pool": 0.4},
  {"netuid": 5, "tao_reserve": 5000, "alpha_reserve": 500000, "alpha_outstanding": 100000,
   "protocol_alpha": 0, "moving_price": 0.01, "miner_burned": 0, "emission_enabled": false,
   "tempo": 360, "registered_at": 100, "first_emission_block": 200},
  {"netuid": 7, "tao_reserve": 1000, "alpha_reserve": 100000, "alpha_outstanding": 0,
   "protocol_alpha": 0, "moving_price": 0, "miner_burned": 0, "emission_enabled": false,
   "tempo": 360, "registered_at": 700, "first_emission_block": null}]}"#;
    let from_json =
        Snapshot::parse(json, "hand.json", Format::Json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_json, yaml);
    let broken = json.replace("\"tempo\": 100,", "\"tempo\": 100");
    let got = problems(&broken, Format::Json);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got, ["bad.yaml:12:17: expected `,` or `}`"]);
    let wrong = json.replace("\"bar\": 0.5", "\"bar\": -0.5");
    let got = problems(&wrong, Format::Json);
    assert_eq!(
        got,
        ["bad.yaml:4:20: `globals.gate.bar`: must be a share in [0, 1], got `-0.5`"]
    );
}

// ------------------------------------------------------------------------------ building

#[test]
fn the_built_chain_holds_the_snapshot_and_conserves() {
    let s = hand();
    let w = world::build(&s, Holder::Validator).unwrap();
    let c = &w.chain;
    c.check_conservation().unwrap();
    assert_eq!(c.block, 719);
    assert_eq!(c.total_issuance, 11_000_000 * RAO);
    // Modelled: root 1 000 000 + reserves 66 000 + the 1 TAO reservoir.
    assert_eq!(c.ledger.tao.external, (11_000_000 - 1_066_001) * RAO);
    assert_eq!(c.root.total(), 1_000_000 * RAO);
    assert!(c.root.is_registered(w.network_hotkey));
    assert_eq!(c.gate_bar, 0.5);
    assert_eq!(c.params.tao_weight, 0.18);
    assert_eq!(c.params.owner_cut, 11_796);
    assert_eq!(c.params.subnet_moving_alpha, 0.0003);
    assert_eq!(c.params.subnet_limit, 8);
    let gate = c.params.gate.unwrap();
    assert_eq!((gate.rank, gate.exponent, gate.quantile), (2, 3.0, 0.75));
    assert_eq!(c.network_last_lock, 500 * RAO);
    assert_eq!(c.network_last_lock_block, 700);
    assert_eq!(
        c.subnets.keys().map(|n| n.0).collect::<Vec<_>>(),
        [1, 2, 5, 7]
    );
    let sn1 = &c.subnets[&NetUid(1)];
    assert_eq!(
        (sn1.pool.tao, sn1.pool.alpha, sn1.pool.w_quote),
        (40_000 * RAO, 1_000_000 * RAO, HALF_WEIGHT)
    );
    assert_eq!(sn1.alpha_out, 2_000_000 * RAO);
    assert_eq!(sn1.protocol_alpha, 100_000 * RAO);
    assert_eq!(sn1.hotkey_alpha(w.network_hotkey), 1_900_000 * RAO);
    assert_eq!(sn1.alpha_issuance(), 3_000_000 * RAO);
    assert_eq!(sn1.registered_at, 10);
    assert_eq!(sn1.first_emission_block, Some(20));
    assert_eq!(sn1.params.tempo, 360);
    assert_eq!(sn1.uid_of(w.network_hotkey), Some(1));
    let sn2 = &c.subnets[&NetUid(2)];
    assert!(
        (sn2.pool.price() - 0.02).abs() < 1e-15,
        "{}",
        sn2.pool.price()
    );
    assert_eq!((sn2.tao_reservoir, sn2.alpha_reservoir), (RAO, 10 * RAO));
    assert_eq!(sn2.alpha_issuance(), 2_000_010 * RAO);
    assert_eq!(sn2.miner_burned, 0.5);
    assert!(!c.subnets[&NetUid(5)].emission_enabled);
    // Passive: the same holdings, no neuron.
    let p = world::build(&s, Holder::Passive).unwrap();
    p.chain.check_conservation().unwrap();
    assert_eq!(p.chain.subnets[&NetUid(1)].uid_of(p.network_hotkey), None);
    assert_eq!(
        p.chain.subnets[&NetUid(1)].hotkey_alpha(p.network_hotkey),
        1_900_000 * RAO
    );
}

#[test]
fn stepping_past_every_epoch_conserves_and_holds_miner_burned() {
    for holder in [Holder::Validator, Holder::Passive] {
        let mut w = world::build(&hand(), holder).unwrap();
        let records = world::coinbase(&mut w, 400).unwrap();
        assert_eq!(records.len(), 400);
        assert_eq!(w.chain.block, 1119);
        // Every subnet's epoch ran at least once; MinerBurned stays the snapshot's.
        assert!(w.chain.subnets.values().all(|s| s.clock.epoch_index >= 1));
        assert_eq!(w.chain.subnets[&NetUid(2)].miner_burned, 0.5);
        w.chain.check_conservation().unwrap();
    }
}

// ------------------------------------------------------------------------------ one block

#[test]
fn one_block_by_hand() {
    let mut w = world::build(&hand(), Holder::Validator).unwrap();
    let r = world::coinbase(&mut w, 1).unwrap().remove(0);
    assert_eq!(r.block, 720);
    // 11 M TAO issued ≥ 10.5 M: one halving.
    assert_eq!(r.block_emission, 500_000_000);
    // Price shares π = (0.04, 0.02, 0.01)/0.07 = (4, 2, 1)/7; miner burn 0.5 on SN2:
    // ω = (4, 1, 1)/7, w = (2/3, 1/6, 1/6). Block 720 is a multiple of 360, so the bar is
    // recomputed over all three (the disabled SN5 too): rank 2 → θ = 1/6.
    assert!((r.gate_bar - 1.0 / 6.0).abs() < 1e-15, "{}", r.gate_bar);
    let nets: Vec<u16> = r.subnets.iter().map(|s| s.netuid.0).collect();
    assert_eq!(nets, [1, 2, 5], "SN7 has not started");
    let [s1, s2, s5] = [&r.subnets[0], &r.subnets[1], &r.subnets[2]];
    for (s, w) in [(s1, 2.0 / 3.0), (s2, 1.0 / 6.0), (s5, 1.0 / 6.0)] {
        assert!((s.share_before_gate - w).abs() < 1e-15, "{s:?}");
    }
    // Gate: G(2/3) = 1/(1 + (1/4)³) = 64/65, G(1/6) = 1/2, so g = (128/195, 1/12, 1/12);
    // masking SN5 then renormalises SN1 and SN2: s = (512, 65)/577.
    assert!((s1.share - 512.0 / 577.0).abs() < 1e-15, "{s1:?}");
    assert!((s2.share - 65.0 / 577.0).abs() < 1e-15, "{s2:?}");
    assert_eq!(s5.share, 0.0);
    // T = ⌊E·s⌋: 443 674 176.78 and 56 325 823.22; the rao left over is recycled.
    assert_eq!(s1.tao_emission, 443_674_176);
    assert_eq!(s2.tao_emission, 56_325_823);
    assert_eq!(s5.tao_emission, 0);
    assert_eq!(r.recycled, 1);
    // Every subnet mints 1 alpha outside the pool (issuance < 10.5 M alpha).
    assert!(r.subnets.iter().all(|s| s.alpha_out == RAO));

    // SN1: ρ = 0.18·1e6/(0.18·1e6 + 3e6) = 3/53. Raw α_in = T/0.04 ≫ the cap ρ·A_out =
    // 56 603 773.58 rao, so α_in = 56 603 773 and t_in = ⌊cap·0.04⌋ = 2 264 150; the excess
    // 441 410 026 buys first, fee-free on the 0.5/0.5 pool: ⌊x·Δ/(y + Δ)⌋ with x = 1e15,
    // y = 4e13, Δ = 441 410 026 → 11 035 128 874 rao of alpha.
    assert!((s1.root_prop - 3.0 / 53.0).abs() < 1e-15);
    assert_eq!(s1.alpha_in, 56_603_773);
    assert_eq!(s1.tao_in, 2_264_150);
    assert_eq!(s1.excess_tao, 441_410_026);
    assert_eq!(s1.alpha_bought, 11_035_128_874);
    assert_eq!((s1.tao_reservoir, s1.alpha_reservoir), (0, 0));

    // SN2: price (0.6/0.4)·(2e4/1.5e6) = 0.02; alpha issuance 2 000 010 (the 10-alpha reservoir
    // counts), ρ = 1.8e5/(1.8e5 + 2 000 010) = 0.0825684285851900, cap 82 568 428.59 rao:
    // α_in = 82 568 428, t_in = ⌊cap·0.02⌋ = 1 651 368, excess 54 674 455. The buy on the
    // 0.4-weighted pool gives x·(1 − (y/(y + Δ))^{0.4/0.6}) = 2 733 716 522.3 rao (±1 rao:
    // the pool's f64 power). The reservoirs (1 TAO, 10 alpha) join this block's injection, which
    // fits the weight bounds, so they empty and the price-active TAO is 1 TAO + t_in.
    assert!(
        (s2.root_prop - 0.082_568_428_585_19).abs() < 1e-12,
        "{s2:?}"
    );
    assert_eq!(s2.alpha_in, 82_568_428);
    assert_eq!(s2.excess_tao, 54_674_455);
    assert!(s2.alpha_bought.abs_diff(2_733_716_522) <= 1, "{s2:?}");
    assert_eq!(s2.tao_in, RAO + 1_651_368);
    assert_eq!((s2.tao_reservoir, s2.alpha_reservoir), (0, 0));

    // SN5 is disabled: no TAO, no injection, but it mints its alpha_out; ρ = 0.18/(0.18 + 0.6).
    assert_eq!((s5.tao_in, s5.excess_tao, s5.alpha_in), (0, 0, 0));
    assert!((s5.root_prop - 3.0 / 13.0).abs() < 1e-15);

    // The block's emission is spent or recycled to the rao, and the chain conserves.
    let spent: u64 = r.subnets.iter().map(|s| s.tao_in + s.excess_tao).sum();
    assert_eq!(
        spent + r.recycled,
        r.block_emission + RAO,
        "1 TAO left SN2's reservoir"
    );
    w.chain.check_conservation().unwrap();
}

// ------------------------------------------------------------------------------ mainnet

/// The chain's observed shares at 8,791,247 (calibration README, top 10, 6 decimals).
const OBSERVED_TOP10: [(u16, f64); 10] = [
    (64, 0.124988),
    (51, 0.100628),
    (107, 0.083781),
    (120, 0.082271),
    (4, 0.079745),
    (44, 0.055987),
    (53, 0.046662),
    (8, 0.041620),
    (97, 0.037089),
    (3, 0.036363),
];

fn check_block_sums(records: &[CoinbaseRecord]) {
    for r in records {
        let emitted: u64 = r.subnets.iter().map(|s| s.tao_emission).sum();
        assert_eq!(
            emitted + r.recycled,
            r.block_emission,
            "block {}: Σ tao_emission + recycled must be the block emission",
            r.block
        );
        for s in &r.subnets {
            // No reservoirs on the mainnet pools: T = tao_in + excess exactly.
            assert_eq!(
                s.tao_in + s.excess_tao,
                s.tao_emission,
                "block {} {s:?}",
                r.block
            );
        }
    }
}

#[test]
fn the_mainnet_snapshot_reproduces_the_chain_and_spends_every_rao_for_360_blocks() {
    let mut w = world::build(&mainnet(), Holder::Validator).unwrap();
    let records = world::coinbase(&mut w, 360).unwrap();
    assert_eq!(records.len(), 360);
    assert_eq!(records[0].block, 8_791_254);
    assert_eq!(records[359].block, 8_791_613);
    check_block_sums(&records);
    let first = &records[0];
    assert_eq!(first.block_emission, 500_000_000);
    // 127 subnets emit (SN86 has not started); 75 are paid.
    assert_eq!(first.subnets.len(), 127);
    assert_eq!(
        first.subnets.iter().filter(|s| s.tao_emission > 0).count(),
        75
    );
    // Shares against the chain's observed emission: the gate, bar and masking as the chain
    // runs them (the calibration's own share model is within 2.2e-6).
    for (netuid, observed) in OBSERVED_TOP10 {
        let s = first.subnets.iter().find(|s| s.netuid.0 == netuid).unwrap();
        assert!(
            (s.share - observed).abs() < 3e-6,
            "SN{netuid}: share {} against the chain's {observed}",
            s.share
        );
    }
    // Block 8 791 560 is a multiple of 360: the bar is recomputed there and only there.
    let bars: Vec<f64> = records.iter().map(|r| r.gate_bar).collect();
    assert!(bars[..306].iter().all(|&b| b == 0.008232527922764766));
    assert_eq!(records[306].block, 8_791_560);
    assert_ne!(bars[306], bars[305]);
    assert!(bars[306..].iter().all(|&b| b == bars[306]));
    w.chain.check_conservation().unwrap();
}

// ------------------------------------------------------------------------------ the command

#[test]
fn coinbase_json_has_the_documented_shape() {
    let out = yumalab(&[
        "coinbase",
        mainnet_path().to_str().unwrap(),
        "--blocks",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let j: Json = serde_json::from_str(&text).unwrap();
    let top: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(top, ["blocks"]);
    let blocks = j["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["block"], 8_791_254);
    assert_eq!(blocks[0]["block_emission"], 500_000_000);
    assert!(blocks[0]["gate_bar"].is_f64());
    // Required fields first, in the documented order (then extras).
    assert!(
        text.starts_with(r#"{"blocks":[{"block":8791254,"block_emission":500000000,"gate_bar":0.008232527922764766,"subnets":[{"netuid":1,"share":"#),
        "{}",
        &text[..200]
    );
    let required = [
        "netuid",
        "share",
        "tao_emission",
        "tao_in",
        "excess_tao",
        "alpha_in",
        "alpha_out",
        "root_prop",
    ];
    // Each subnet object, as printed, names the required fields first and in order.
    let objects: Vec<&str> = text.split("{\"netuid\":").skip(1).collect();
    assert_eq!(objects.len(), 2 * 127);
    for o in objects {
        let o = &o[..o.find('}').unwrap()];
        let keys: Vec<&str> = o
            .split(',')
            .filter_map(|kv| kv.split_once(':').map(|(k, _)| k.trim_matches('"')))
            .collect();
        assert_eq!(keys[..required.len() - 1], required[1..], "{o}");
    }
    for b in blocks {
        for s in b["subnets"].as_array().unwrap() {
            for k in required {
                assert!(!s[k].is_null(), "{k} missing: {s}");
            }
            for k in [
                "tao_emission",
                "tao_in",
                "excess_tao",
                "alpha_in",
                "alpha_out",
            ] {
                assert!(s[k].is_u64(), "{k} must be integer rao: {s}");
            }
        }
    }
}

#[test]
fn coinbase_output_is_the_same_bytes_every_time() {
    let dir = scratch("determinism");
    let path = mainnet_path();
    let run = |out: &Path| {
        let o = yumalab(&[
            "coinbase",
            path.to_str().unwrap(),
            "--blocks",
            "20",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (o.stdout, fs::read(out.join("coinbase.parquet")).unwrap())
    };
    let (json_a, parquet_a) = run(&dir.join("a"));
    let (json_b, parquet_b) = run(&dir.join("b"));
    assert_eq!(json_a, json_b);
    assert_eq!(parquet_a, parquet_b);
    let text = |_: ()| yumalab(&["coinbase", path.to_str().unwrap(), "--blocks", "3"]).stdout;
    assert_eq!(text(()), text(()));
    // The Parquet table has one row per block and emitting subnet.
    let file = fs::File::open(dir.join("a/coinbase.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 20 * 127);
}

#[test]
fn text_output_lists_the_largest_share_first() {
    let out = yumalab(&["coinbase", mainnet_path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("block 8791254: emission 0.500000000 TAO, gate bar 0.008232528"),
        "{}",
        lines[0]
    );
    let firsts: Vec<&str> = lines[2..7]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(firsts, ["64", "51", "107", "120", "4"]);
    assert_eq!(lines.len(), 2 + 127);
}

#[test]
fn a_bad_snapshot_exits_1_and_writes_nothing() {
    let dir = scratch("bad");
    let file = dir.join("bad.yaml");
    fs::write(
        &file,
        HAND.replace("exponent: 3", "exponent: -1")
            .replace("netuid: 5", "netuid: 2"),
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = yumalab(&[
        "coinbase",
        file.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("`globals.gate.exponent`: must be a number in (0, 64], got `-1`"),
        "{stderr}"
    );
    assert!(stderr.contains("netuid 2 is given twice"), "{stderr}");
    assert!(!stderr.contains("panic"), "{stderr}");
    assert!(!out_dir.exists());
    let missing = yumalab(&["coinbase", dir.join("nope.yaml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn the_snapshot_schema_has_exactly_the_reader_fields() {
    let out = yumalab(&["schema", "--snapshot"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: Json = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |v: &Json| -> Vec<String> {
        let mut k: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let sorted = |names: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&schema), sorted(TOP));
    let globals = &schema["properties"]["globals"];
    assert_eq!(keys(globals), sorted(GLOBALS));
    assert_eq!(
        keys(&globals["properties"]["gate"]["oneOf"][1]),
        sorted(GATE)
    );
    assert_eq!(
        keys(&schema["properties"]["subnets"]["items"]),
        sorted(SUBNET)
    );
    // Only the three optional subnet fields are optional.
    let required = schema["properties"]["subnets"]["items"]["required"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(required, SUBNET.len() - 3);
    // The scenario schema is still the default.
    let scenario: Json = serde_json::from_slice(&yumalab(&["schema"]).stdout).unwrap();
    assert!(scenario["properties"]["population"].is_object());
}

// ------------------------------------------------------------------------------ any snapshot

mod any_snapshot {
    use proptest::prelude::*;
    use yumalab::world::snapshot::rao_text;

    use super::*;

    /// One subnet: (tao, alpha_in, alpha_out, protocol share, reservoirs, weight, price, burn,
    /// enabled, started), amounts in rao.
    type Sub = (u64, u64, u64, f64, (u64, u64), u64, f64, f64, bool, bool);

    fn sub() -> impl Strategy<Value = Sub> {
        (
            prop_oneof![0..=10u64, 1_000_000..=10_000 * RAO, 1..=2_000_000 * RAO],
            prop_oneof![0..=10u64, 1_000_000..=10_000 * RAO, 1..=8_000_000 * RAO],
            0..=8_000_000 * RAO,
            0.0..=1.0f64,
            (0..=10 * RAO, 0..=10 * RAO),
            10_000_000_000_000_000..=990_000_000_000_000_000u64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            any::<bool>(),
            any::<bool>(),
        )
    }

    fn text(subs: &[Sub], root: u64, extra: u64, rank: u16) -> String {
        let modelled: u64 = root + subs.iter().map(|s| s.0 + s.4.0).sum::<u64>();
        let mut t = format!(
            "block: 1079\nregime: 2026-10\nglobals:\n  total_issuance: {}\n  root_tao: {}\n  \
             tao_weight: 0.18\n  owner_cut: 0.18\n  moving_alpha: 0.0003\n  \
             gate: {{bar: 0, rank: {rank}, exponent: 3, quantile: 0.61}}\n  subnet_limit: 128\n  \
             lock_cost: 100\nsubnets:{}\n",
            rao_text(u128::from(modelled + extra)),
            rao_text(u128::from(root)),
            if subs.is_empty() { " []" } else { "" }
        );
        for (i, s) in subs.iter().enumerate() {
            let protocol = (s.2 as f64 * s.3) as u64;
            t.push_str(&format!(
                "  - {{netuid: {}, tao_reserve: {}, alpha_reserve: {}, alpha_outstanding: {}, \
                 protocol_alpha: {}, moving_price: {}, miner_burned: {}, emission_enabled: {}, \
                 tempo: {}, registered_at: 5, first_emission_block: {}, tao_reservoir: {}, \
                 alpha_reservoir: {}, tao_weight_in_pool: 0.{:018}}}\n",
                3 * i + 1,
                rao_text(u128::from(s.0)),
                rao_text(u128::from(s.1)),
                rao_text(u128::from(s.2)),
                rao_text(u128::from(protocol)),
                s.6,
                s.7,
                s.8,
                [1, 99, 360][i % 3],
                if s.9 { "10" } else { "null" },
                rao_text(u128::from(s.4.0)),
                rao_text(u128::from(s.4.1)),
                s.5,
            ));
        }
        t
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any valid snapshot reads back exactly, builds, and steps across a bar update and
        /// through epochs with every rao accounted for; no block pays out more than it mints.
        #[test]
        fn any_valid_snapshot_builds_and_conserves(
            subs in prop::collection::vec(sub(), 0..5),
            root in 0..=6_000_000 * RAO,
            extra in 0..=1_000_000 * RAO,
            rank in 0u16..4,
        ) {
            let t = text(&subs, root, extra, rank);
            let s = Snapshot::parse(&t, "any.yaml", Format::Yaml)
                .unwrap_or_else(|e| panic!("{e}\n{t}"));
            for (got, want) in s.subnets.iter().zip(&subs) {
                prop_assert_eq!(
                    (got.tao_reserve, got.alpha_reserve, got.alpha_outstanding, got.tao_weight_in_pool),
                    (want.0, want.1, want.2, want.5)
                );
            }
            for holder in [Holder::Validator, Holder::Passive] {
                let mut w = world::build(&s, holder).unwrap();
                let records = world::coinbase(&mut w, 3).unwrap();
                for r in &records {
                    let t: u64 = r.subnets.iter().map(|s| s.tao_emission).sum();
                    prop_assert!(t <= r.block_emission && r.recycled <= r.block_emission);
                }
            }
        }
    }
}
