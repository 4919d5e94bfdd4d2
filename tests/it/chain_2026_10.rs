//! The 2026-10 regime's coinbase rules (spec §13.2–§13.5, §13.7, §13.11) against the vectors of
//! `tests/data/chain-vectors-2026-10.yaml`, at their stated tolerances, plus whole-chain
//! invariants under the new regime.
//!
//! Vectors checked here: every `r13_gate_*` and `r13_shares_ignore_root_prop` (the share
//! pipeline and gate kernel), the `r13_reservoir_*` and `r13_issuance_*` vectors but
//! `r13_reservoir_dissolve` (yumalab never dissolves a subnet), `r13_chain_buy_failure_refund`,
//! `r13_dividend_split_root_uid`, `r13_root_pool_recycled_no_root_earner`,
//! `r13_tx_fee_recycle` and `r13_bsls_cap`; and, at the end, the epoch rules (§13.9–§13.11):
//! every `r13_null_*`, `r13_epoch_cap_null`, `r13_la_consensus_mode_select` and
//! `r13_la_sigmoid_previous_vs_current`.

use serde_json::Value;

use crate::vectors::vector_2026_10 as vector;
use yumalab::chain::block::{
    adjust_protocol_liquidity, blocks_since_last_step, inject_chain_buy_first,
};
use yumalab::chain::emission::block_emission;
use yumalab::chain::params::{
    ChainParams, DividendSplit, GateParams, Regime, SafetyNet, SubnetParams,
};
use yumalab::chain::pool::{MINIMUM_RESERVE, PERQUINTILL, Pool, PoolKind};
use yumalab::chain::shares::{
    self, Injection, PriceShareInput, PriceShareRule, apply_emission_gate, dividend_split,
    emission_gate_bar, gate_factor, gated_price_shares, root_proportion,
};
use yumalab::chain::state::{Chain, SubnetCoinbase};
use yumalab::engine::SimulationBuilder;
use yumalab::units::{NetUid, Rao};
use yumalab_agents::Action;

const TAO: u64 = 1_000_000_000;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as u64))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("list").iter().map(f).collect()
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

fn inputs(prices: &[f64], burned: &[f64], enabled: &[bool]) -> Vec<PriceShareInput> {
    prices
        .iter()
        .enumerate()
        .map(|(i, &p)| PriceShareInput {
            moving_price: p,
            miner_burned: burned.get(i).copied().unwrap_or(0.0),
            root_prop: 0.0,
            emission_enabled: enabled.get(i).copied().unwrap_or(true),
        })
        .collect()
}

fn gate_of(v: &Value) -> GateParams {
    GateParams {
        rank: v.get("rank").map_or(32, |x| u(x) as u16),
        quantile: v.get("q").map_or(0.61, f),
        exponent: v.get("h").map_or(3.0, f),
    }
}

/// Runs one `share_pipeline` vector: (bar, shares).
fn pipeline(inp: &Value, bar: &mut f64) -> (Vec<f64>, Vec<f64>) {
    let prices = floats(&inp["moving_price"]);
    let burned = inp.get("miner_burned").map(floats).unwrap_or_default();
    let enabled: Vec<bool> = inp
        .get("emission_enabled")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|b| b.as_bool().expect("bool")).collect())
        .unwrap_or_default();
    let block = inp.get("block").map_or(0, u);
    gated_price_shares(
        &inputs(&prices, &burned, &enabled),
        PriceShareRule::MinerBurn,
        &gate_of(inp),
        bar,
        block,
    )
}

#[test]
fn r13_gate_quantile_1_to_2() {
    let v = vector("r13_gate_quantile_1_to_2");
    let mut bar = 0.0;
    let (_, s) = pipeline(&v["inputs"], &mut bar);
    close(bar, f(&v["expect"]["bar"]), 1e-9, "bar");
    for (a, b) in s.iter().zip(floats(&v["expect"]["shares"])) {
        close(*a, b, 1e-6, "share");
    }
    close(s.iter().sum(), 1.0, 1e-9, "sum");
}

#[test]
fn r13_gate_single_subnet() {
    let v = vector("r13_gate_single_subnet");
    for rank in [0, 32] {
        let mut inp = v["inputs"].clone();
        inp["rank"] = rank.into();
        let mut bar = 0.0;
        let (_, s) = pipeline(&inp, &mut bar);
        close(bar, 1.0, 1e-9, "bar");
        close(s[0], 1.0, 1e-9, "share");
    }
}

#[test]
fn r13_gate_empty_set() {
    let v = vector("r13_gate_empty_set");
    let mut bar = f(&v["inputs"]["bar_before"]);
    let (_, s) = pipeline(&v["inputs"], &mut bar);
    assert!(s.is_empty());
    assert_eq!(bar, f(&v["expect"]["bar_after"]));
}

fn cadence(id: &str) {
    let v = vector(id);
    let mut bar = 0.0;
    for step in v["steps"].as_array().expect("steps") {
        let mut inp = v["inputs"].clone();
        inp["block"] = step["block"].clone();
        inp["moving_price"] = step["moving_price"].clone();
        let (_, s) = pipeline(&inp, &mut bar);
        close(bar, f(&step["expect_bar"]), 1e-9, "bar");
        if let Some(e) = step.get("expect_shares") {
            for (a, b) in s.iter().zip(floats(e)) {
                close(*a, b, 1e-6, "share");
            }
        }
    }
}

#[test]
fn r13_gate_bar_cadence_quantile() {
    cadence("r13_gate_bar_cadence_quantile");
}

#[test]
fn r13_gate_bar_cadence_rank() {
    cadence("r13_gate_bar_cadence_rank");
}

#[test]
fn r13_gate_underflow_restore() {
    let v = vector("r13_gate_underflow_restore");
    let mut w = vec![1.0 / 256.0; 256];
    apply_emission_gate(&mut w, f(&v["inputs"]["bar"]), f(&v["inputs"]["h"]));
    for x in &w {
        close(*x, 1.0 / 256.0, 1e-9, "share");
    }
    close(w.iter().sum(), 1.0, 1e-9, "sum");
    // A stale bar far above every share with a huge exponent: every g is the 2⁻³¹ floor, so
    // the shares stay as they were (nothing is stranded).
    let mut w = vec![0.5, 0.3, 0.2];
    apply_emission_gate(&mut w, 1e6, 64.0);
    close(w.iter().sum(), 1.0, 1e-12, "sum after saturation");
}

#[test]
fn r13_shares_ignore_root_prop() {
    let v = vector("r13_shares_ignore_root_prop");
    let mut inp = inputs(&floats(&v["inputs"]["moving_price"]), &[0.0, 0.0], &[]);
    for (i, rp) in floats(&v["inputs"]["root_prop_storage"])
        .into_iter()
        .enumerate()
    {
        inp[i].root_prop = rp;
    }
    let mut bar = 0.0;
    let (_, s) = gated_price_shares(
        &inp,
        PriceShareRule::MinerBurn,
        &GateParams::default(),
        &mut bar,
        0,
    );
    for (a, b) in s.iter().zip(floats(&v["expect"]["shares"])) {
        close(*a, b, 1e-9, "share");
    }
}

#[test]
fn r13_gate_rank_1_to_2() {
    let v = vector("r13_gate_rank_1_to_2");
    let mut bar = 0.0;
    let (_, s) = pipeline(&v["inputs"], &mut bar);
    close(bar, f(&v["expect"]["bar"]), 1e-9, "bar");
    for (a, b) in s.iter().zip(floats(&v["expect"]["shares"])) {
        close(*a, b, 1e-6, "share");
    }
}

#[test]
fn r13_gate_rank_n2() {
    let v = vector("r13_gate_rank_N2");
    let mut w = floats(&v["inputs"]["shares_w"]);
    let bar = emission_gate_bar(&w, u(&v["inputs"]["rank"]) as u16, 0.61);
    close(bar, f(&v["expect"]["bar"]), 1e-12, "bar");
    apply_emission_gate(&mut w, bar, f(&v["inputs"]["h"]));
    for (a, b) in w.iter().zip(floats(&v["expect"]["shares"])) {
        close(*a, b, 1e-6, "share");
    }
}

#[test]
fn r13_gate_pipeline_burn_disabled() {
    let v = vector("r13_gate_pipeline_burn_disabled");
    let inp = &v["inputs"];
    let mut bar = 0.0;
    let (before, s) = pipeline(inp, &mut bar);
    let mid = &v["intermediate"];
    for (a, b) in before.iter().zip(floats(&mid["burn_weighted"])) {
        close(*a, b, 1e-9, "burn-weighted share");
    }
    close(
        bar,
        f(&mid["bar"]),
        1e-9,
        "bar (over all subnets, the disabled one included)",
    );
    for (a, b) in s.iter().zip(floats(&v["expect"]["shares"])) {
        close(*a, b, 1e-6, "share");
    }
    let rao = shares::tao_to_rao_shares(u(&inp["block_emission_rao"]), &s);
    for (a, b) in rao
        .iter()
        .zip(v["expect"]["tao_share_rao"].as_array().expect("list"))
    {
        assert!(a.abs_diff(u(b)) <= 2, "T_i {a} vs {b}");
    }
    // The note: quantile mode q = 0.75 on the same w.
    let q = emission_gate_bar(&before, 0, 0.75);
    close(q, 0.2222222222, 1e-9, "quantile bar");
    let mut g = before.clone();
    apply_emission_gate(&mut g, q, 3.0);
    for (a, b) in g.iter().zip([0.8388952819, 0.0161104718, 0.1449942463]) {
        close(*a, b, 1e-6, "quantile gated share");
    }
}

#[test]
fn r13_gate_saturation_stale_bar() {
    let v = vector("r13_gate_saturation_stale_bar");
    let inp = &v["inputs"];
    let w = floats(&inp["shares_w"]);
    let (theta, h) = (f(&inp["bar"]), f(&inp["h"]));
    let gate = floats(&v["expect"]["gate"]);
    close(gate_factor(w[0], theta, h), gate[0], 1e-6, "gate[0]");
    let g1 = gate_factor(w[1], theta, h);
    assert!((g1 / gate[1] - 1.0).abs() < 1e-6, "gate[1] {g1}");
    // Stale: bar 0.5 is kept at block 721 (not a multiple of 360, bar already set).
    let mut bar = theta;
    let (_, s) = gated_price_shares(
        &inputs(&[0.9999, 0.0001], &[0.0, 0.0], &[]),
        PriceShareRule::MinerBurn,
        &GateParams::default(),
        &mut bar,
        u(&inp["block"]),
    );
    assert_eq!(bar, theta);
    let expect = floats(&v["expect"]["shares"]);
    assert!((s[1] / expect[1] - 1.0).abs() < 1e-3, "share[1] {}", s[1]);
    close(s[0], expect[0], 1e-12, "share[0]");
}

// ---------------------------------------------------------------- reservoirs (§13.3)

fn weight(x: f64) -> u64 {
    (x * PERQUINTILL as f64).round() as u64
}

fn kernel(inp: &Value) -> (Pool, (u64, u64), (u64, u64)) {
    let mut pool = Pool::new(
        PoolKind::Balancer,
        u(&inp["tao_reserve"]),
        u(&inp["alpha_reserve"]),
    );
    pool.w_quote = weight(f(&inp["w_quote"]));
    let tr = inp.get("tao_reservoir").map_or(0, u);
    let ar = inp.get("alpha_reservoir").map_or(0, u);
    let (tp, ap) = (tr + u(&inp["tao_delta"]), ar + u(&inp["alpha_delta"]));
    let act = adjust_protocol_liquidity(&mut pool, tp, ap);
    (pool, act, (tp - act.0, ap - act.1))
}

fn check_kernel(e: &Value, pool: &Pool, act: (u64, u64), left: (u64, u64)) {
    assert_eq!(act.0, u(&e["price_active_tao"]), "price-active TAO");
    assert_eq!(act.1, u(&e["price_active_alpha"]), "price-active alpha");
    assert_eq!(left.0, u(&e["tao_reservoir"]), "TAO reservoir");
    assert_eq!(left.1, u(&e["alpha_reservoir"]), "alpha reservoir");
    if let Some(w) = e.get("w_quote_after") {
        close(
            pool.w_quote as f64 / PERQUINTILL as f64,
            f(w),
            1e-9,
            "w_quote",
        );
    }
}

#[test]
fn r13_reservoir_tao_parked() {
    let v = vector("r13_reservoir_tao_parked");
    let (pool, act, left) = kernel(&v["inputs"]);
    check_kernel(&v["expect"], &pool, act, left);
}

#[test]
fn r13_reservoir_alpha_parked() {
    let v = vector("r13_reservoir_alpha_parked");
    let (pool, act, left) = kernel(&v["inputs"]);
    check_kernel(&v["expect"], &pool, act, left);
}

#[test]
fn r13_reservoir_activate() {
    let v = vector("r13_reservoir_activate");
    let (pool, act, left) = kernel(&v["inputs"]);
    check_kernel(&v["expect"], &pool, act, left);
}

#[test]
fn r13_reservoir_retry() {
    let v = vector("r13_reservoir_retry");
    let steps = v["steps"].as_array().expect("steps");
    // Step 1 on the kernel; step 2 carries the parked TAO into the retry.
    let (pool, act, left) = kernel(&steps[0]["inputs"]);
    check_kernel(&steps[0]["expect"], &pool, act, left);
    let mut inp = steps[1]["inputs"].clone();
    inp["tao_reservoir"] = left.0.into();
    inp["alpha_reservoir"] = left.1.into();
    let (pool, act, left) = kernel(&inp);
    check_kernel(&steps[1]["expect"], &pool, act, left);
}

/// A chain with one subnet whose pool and reservoirs are set as a vector says.
fn one_subnet(tao: u64, alpha: u64) -> (Chain, NetUid) {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let c = chain.add_coldkey("owner", 0);
    let h = chain.add_hotkey("owner-hk", c);
    let n = chain.add_subnet_genesis(SubnetParams::default(), c, h, tao, alpha, Some(1));
    (chain, n)
}

#[test]
fn r13_reservoir_failed_materialization() {
    let v = vector("r13_reservoir_failed_materialization");
    let inp = &v["inputs"];
    let (mut chain, n) = one_subnet(u(&inp["subnet_tao"]), u(&inp["alpha_in_reserve"]));
    let s = chain.subnets.get_mut(&n).expect("subnet");
    s.tao_reservoir = u(&inp["tao_reservoir"]);
    let inj = Injection {
        tao_in: u(&inp["tao_in"]),
        alpha_in: u(&inp["alpha_in"]),
        excess: u(&inp["excess"]),
        capped: false,
    };
    let mut credit = u(&inp["credit"]);
    let mut minted = 0;
    let mut row = SubnetCoinbase::default();
    inject_chain_buy_first(s, &inj, &mut credit, &mut minted, &mut row);
    let e = &v["expect"];
    assert_eq!(s.pool.tao, u(&e["subnet_tao_after"]));
    assert_eq!(row.tao_in, u(&e["subnet_tao_in_emission"]));
    assert_eq!(s.flow.pending_protocol(), u(&e["protocol_flow"]) as i64);
    assert_eq!(s.tao_reservoir, u(&e["tao_reservoir_after"]));
    assert_eq!(credit, 0);
    // The whole alpha_in was minted (here all price-active).
    assert_eq!(minted, inj.alpha_in);
}

#[test]
fn r13_issuance_includes_reservoir() {
    let v = vector("r13_issuance_includes_reservoir");
    let inp = &v["inputs"];
    let (mut chain, n) = one_subnet(TAO, u(&inp["subnet_alpha_in"]));
    let s = chain.subnets.get_mut(&n).expect("subnet");
    s.alpha_out = u(&inp["subnet_alpha_out"]);
    s.alpha_reservoir = u(&inp["alpha_reservoir"]);
    assert_eq!(s.alpha_issuance(), u(&v["expect"]["alpha_issuance"]));
}

#[test]
fn r13_issuance_reservoir_root_prop() {
    let v = vector("r13_issuance_reservoir_root_prop");
    let inp = &v["inputs"];
    let (mut chain, n) = one_subnet(TAO, u(&inp["alpha_in"]));
    let s = chain.subnets.get_mut(&n).expect("subnet");
    s.alpha_out = u(&inp["alpha_out"]);
    s.alpha_reservoir = u(&inp["alpha_reservoir"]);
    let root = u(&inp["root_subnet_tao_rao"]);
    let w = f(&inp["tao_weight"]);
    close(
        root_proportion(w, root, s.alpha_issuance()),
        f(&v["expect"]["root_proportion"]),
        1e-9,
        "root proportion",
    );
    close(
        root_proportion(w, root, s.pool.alpha + s.alpha_out),
        f(&v["expect"]["root_proportion_if_reservoir_ignored"]),
        1e-9,
        "root proportion without the reservoir",
    );
}

#[test]
fn r13_issuance_reservoir_halving() {
    let v = vector("r13_issuance_reservoir_halving");
    for case in v["cases"].as_array().expect("cases") {
        let (mut chain, n) = one_subnet(TAO, u(&case["alpha_in_plus_out"]));
        let s = chain.subnets.get_mut(&n).expect("subnet");
        s.alpha_reservoir = u(&case["alpha_reservoir"]);
        assert_eq!(
            block_emission(s.alpha_issuance()),
            u(&case["expect_alpha_out_rao"])
        );
    }
}

// ---------------------------------------------------------------- failed chain buy (§13.4)

#[test]
fn r13_chain_buy_failure_refund() {
    let v = vector("r13_chain_buy_failure_refund");
    let inp = &v["inputs"];
    let (mut chain, n) = one_subnet(u(&inp["subnet_tao"]), MINIMUM_RESERVE - 1);
    let excess = u(&inp["excess_tao"]);
    let s = chain.subnets.get_mut(&n).expect("subnet");
    let before = s.pool.clone();
    let inj = Injection {
        tao_in: 0,
        alpha_in: 0,
        excess,
        capped: false,
    };
    let mut credit = u(&inp["credit_minted"]);
    let mut minted = 0;
    let mut row = SubnetCoinbase::default();
    inject_chain_buy_first(s, &inj, &mut credit, &mut minted, &mut row);
    // SubnetTAO unchanged, SubnetExcessTao = 0, and the whole excess is back in the credit
    // (so it is recycled: issuance is as before the credit was minted).
    assert_eq!(s.pool, before);
    assert_eq!(row.excess_tao, 0);
    assert_eq!(s.protocol_alpha, 0);
    assert_eq!(credit, excess);
}

// ---------------------------------------------------------------- dividend split (§13.5)

/// (alpha_pay, root_pay) per hotkey, as §13.5 shares the pending pools.
fn pays(v: &Value, rule: DividendSplit) -> Vec<(String, f64, f64)> {
    let inp = &v["inputs"];
    let w = inp.get("tao_weight").map_or(0.18, f);
    let hk = inp["hotkeys"].as_object().expect("hotkeys");
    let split: Vec<(String, f64, f64)> = hk
        .iter()
        .map(|(name, h)| {
            let (a, r) = dividend_split(
                f(&h["dividend"]),
                u(&h["alpha_stake"]),
                u(&h["root_stake"]),
                w,
                h["root_uid"].as_bool().expect("bool"),
                rule,
            );
            (name.clone(), a, r)
        })
        .collect();
    let sa: f64 = split.iter().map(|x| x.1).sum();
    let sr: f64 = split.iter().map(|x| x.2).sum();
    let pv = inp.get("pending_validator_rao").map_or(0.0, f);
    let pr = f(&inp["pending_root_rao"]);
    split
        .into_iter()
        .map(|(n, a, r)| {
            (
                n,
                if sa > 0.0 { pv * a / sa } else { 0.0 },
                if sr > 0.0 { pr * r / sr } else { 0.0 },
            )
        })
        .collect()
}

#[test]
fn r13_dividend_split_root_uid() {
    let v = vector("r13_dividend_split_root_uid");
    for (rule, column) in [
        (DividendSplit::RootRegistered, "spec_442_plus"),
        (DividendSplit::AnyRootStake, "before_441"),
    ] {
        let e = &v["expect"][column];
        for (name, a, r) in pays(&v, rule) {
            close(
                a,
                f(&e["alpha_pay"][&name]),
                0.01,
                &format!("{column} alpha_pay {name}"),
            );
            close(
                r,
                f(&e["root_pay"][&name]),
                0.01,
                &format!("{column} root_pay {name}"),
            );
        }
    }
}

#[test]
fn r13_root_pool_recycled_no_root_earner() {
    let v = vector("r13_root_pool_recycled_no_root_earner");
    let p = pays(&v, DividendSplit::RootRegistered);
    assert!(p.iter().all(|x| x.2 == 0.0));
    assert_eq!(
        u(&v["inputs"]["subnet_alpha_out_before"]) - u(&v["inputs"]["pending_root_rao"]),
        u(&v["expect"]["subnet_alpha_out_after"])
    );
}

// ---------------------------------------------------------------- fees (§13.7), BSLS (§13.11)

#[test]
fn r13_tx_fee_recycle() {
    let v = vector("r13_tx_fee_recycle");
    let fee = u(&v["inputs"]["extrinsic_fee_rao"]);
    let params = ChainParams::for_regime(Regime::Y2026_10);
    assert_eq!(params.tx_fees.expect("fees").stake, fee);
    let mut b = SimulationBuilder::new(params);
    let owner = b.coldkey("owner", 0);
    let oh = b.hotkey("owner-hk", owner);
    let staker = b.coldkey("staker", 100 * TAO);
    let n = b.subnet(
        SubnetParams::default(),
        owner,
        oh,
        1000 * TAO,
        1000 * TAO,
        None,
    );
    b.at(
        1,
        Action::AddStake {
            coldkey: staker,
            hotkey: oh,
            netuid: n,
            tao: Rao(10 * TAO),
            limit_price: None,
        },
    );
    b.end_at(2);
    let mut sim = b.build().expect("builds");
    // No subnet emits (start_block none), so the whole block emission is recycled and
    // issuance only moves by the fee.
    let issuance0 = sim.chain().total_issuance;
    sim.run();
    let chain = sim.chain();
    assert_eq!(chain.total_issuance, issuance0 - fee);
    assert!(
        chain.ledger.tao.author_fees > 0,
        "the swap fee still goes to the author"
    );
    chain.check_conservation().expect("conserved");
}

#[test]
fn r13_bsls_cap() {
    let v = vector("r13_bsls_cap");
    let inp = &v["inputs"];
    let tempo = u(&inp["tempo"]);
    let mut bsls = u(&inp["start_bsls"]);
    let mut seq = Vec::new();
    let mut first_net = None;
    for i in 0..u(&inp["blocks"]) {
        let (next, fires) = blocks_since_last_step(SafetyNet::TempoCapped, bsls, tempo);
        bsls = next;
        seq.push(next);
        if fires && first_net.is_none() {
            first_net = Some(i);
        }
    }
    let expect: Vec<u64> = v["expect"]["bsls_sequence"]
        .as_array()
        .expect("list")
        .iter()
        .map(u)
        .collect();
    assert_eq!(seq, expect);
    assert_eq!(
        first_net,
        Some(u(&v["expect"]["safety_net_due_from_index"]))
    );
    // Before 2026-10 nothing is capped and the net waits for 50 400 blocks.
    assert_eq!(
        blocks_since_last_step(SafetyNet::MaxTempo, 361, 360),
        (362, false)
    );
}

// ================================================================ §13.9–§13.11: the epoch
//
// Vectors: every `r13_null_*`, `r13_epoch_cap_null`, `r13_la_consensus_mode_select` and
// `r13_la_sigmoid_previous_vs_current`.

use yumalab::chain::block::{EpochRecord, bond_cutoff_step, epoch_cap, record_epoch_step};
use yumalab::chain::params::{
    EpochCapRule, EpochConsensus, LiquidAlphaConsensusRule, Regime as ChainRegime,
};
use yumalab::chain::state::{Commit, EpochClock, Pending};
use yumalab::yuma::bonds::yuma3::liquid_alpha_rate;
use yumalab::yuma::mechanism::{combine, split_emission};
use yumalab::yuma::null::{NullBudgets, apportion, null_epoch};
use yumalab::yuma::{
    EpochInput, EpochOutput, LiquidAlpha, LiquidAlphaConsensus, SparseRow, YumaParams,
    liquid_alpha_consensus, run_epoch,
};

/// The tolerance of a vector: a number, or 0 for `exact`.
fn tolerance(v: &Value) -> u64 {
    v.get("tolerance").and_then(Value::as_u64).unwrap_or(0)
}

/// The setup of the `null_epoch` vectors (tests/null_consensus.rs): four uids registered at
/// block 1; uids 0 and 1 hold the vector's stake and a permit and set their weights at block
/// 2; uids 2 and 3 are miners. The epoch runs at block 100 (everyone active), or at 10 000
/// when the vector makes both validators inactive (cutoff 5000).
struct NullNet {
    stake: Vec<f64>,
    last_update: Vec<u64>,
    registered_at: Vec<u64>,
    permits: Vec<bool>,
    weights: Vec<SparseRow>,
    bonds: Vec<SparseRow>,
    block: u64,
}

impl NullNet {
    fn of(inp: &Value) -> NullNet {
        let mut stake = vec![0.0; 4];
        for (k, s) in inp["stake"].as_array().expect("stake").iter().enumerate() {
            stake[k] = f(s);
        }
        let mut weights = vec![Vec::new(); 4];
        if let Some(rows) = inp.get("weights").and_then(Value::as_object) {
            for (uid, row) in rows {
                let i: usize = uid.parse().expect("uid");
                weights[i] = row
                    .as_array()
                    .expect("row")
                    .iter()
                    .map(|e| (u(&e[0]) as u16, u(&e[1]) as u16))
                    .collect();
            }
        }
        let mut net = NullNet {
            stake,
            last_update: vec![2, 2, 1, 1],
            registered_at: vec![1; 4],
            permits: vec![true, true, false, false],
            weights,
            // A stored bond the Null epoch must leave alone.
            bonds: vec![vec![(2, 1234)], vec![(3, 4321)], vec![], vec![]],
            block: 100,
        };
        if inp.get("both_validators_inactive") == Some(&Value::Bool(true)) {
            net.block = 10_000;
        }
        if let Some(rb) = inp.get("block_at_registration_uid2") {
            net.registered_at[2] = u(rb);
        }
        if let Some(lu) = inp.get("last_update_uid0") {
            net.last_update[0] = u(lu);
        }
        net
    }

    fn input(&self, emission: u64) -> EpochInput<'_> {
        EpochInput {
            block: self.block,
            tempo: 360,
            activity_cutoff: 5000,
            last_mechanism_step_block: 0,
            stake: &self.stake,
            stake_threshold: 0,
            last_update: &self.last_update,
            registered_at: &self.registered_at,
            permits: &self.permits,
            owner: None,
            weights: &self.weights,
            bonds: &self.bonds,
            first_commit_block: &[],
            previous_consensus: &[],
            emission,
        }
    }

    fn run(&self, budgets: NullBudgets) -> EpochOutput {
        let out = null_epoch(&self.input(0), budgets).expect("well-shaped");
        // §13.9 step 6: bonds and permits are never touched.
        assert_eq!(out.bonds, self.bonds);
        assert_eq!(out.permits, self.permits);
        out
    }
}

/// Checks `expect` (`server_emission`, `validator_emission` as uid maps, or the `*_each_uid`
/// forms) against `out` at `tol` rao.
fn check_null(out: &EpochOutput, expect: &Value, tol: u64) {
    for (key, got) in [
        ("server_emission", &out.server_emission),
        ("validator_emission", &out.validator_emission),
    ] {
        if let Some(map) = expect.get(key).and_then(Value::as_object) {
            for (uid, want) in map {
                let i: usize = uid.parse().expect("uid");
                assert!(
                    got[i].abs_diff(u(want)) <= tol,
                    "{key}[{i}]: {} vs {want}",
                    got[i]
                );
            }
        }
        if let Some(each) = expect.get(format!("{key}_each_uid")) {
            for (i, g) in got.iter().enumerate() {
                assert!(g.abs_diff(u(each)) <= tol, "{key}[{i}]: {g} vs {each}");
            }
        }
    }
    for k in 0..out.emission.len() {
        assert_eq!(
            out.emission[k],
            out.server_emission[k] + out.validator_emission[k]
        );
    }
}

fn null_vector(id: &str) {
    let v = vector(id);
    let net = NullNet::of(&v["inputs"]);
    let out = net.run(NullBudgets::standalone(u(&v["inputs"]["budget"])));
    check_null(&out, &v["expect"], tolerance(&v));
}

#[test]
fn r13_null_winner_and_stake_dividends() {
    null_vector("r13_null_winner_and_stake_dividends");
    // Activity is ignored: both validators are inactive at block 10 000 and still paid.
    let net = NullNet::of(&vector("r13_null_winner_and_stake_dividends")["inputs"]);
    let out = net.run(NullBudgets::standalone(1_000_000));
    assert_eq!(out.active[..2], [false, false]);
}

#[test]
fn r13_null_tie_first_uid() {
    null_vector("r13_null_tie_first_uid");
}

#[test]
fn r13_null_empty_winner_row() {
    null_vector("r13_null_empty_winner_row");
}

#[test]
fn r13_null_winner_raw_stake() {
    null_vector("r13_null_winner_raw_stake");
}

#[test]
fn r13_null_stale_row_fallback() {
    null_vector("r13_null_stale_row_fallback");
    // The same row with uid 0's weights set after uid 2 registered pays uid 2 alone.
    let mut net = NullNet::of(&vector("r13_null_stale_row_fallback")["inputs"]);
    net.last_update[0] = 3;
    let out = net.run(NullBudgets::standalone(1_000_000));
    assert_eq!(out.server_emission, [0, 0, 500_000, 0]);
}

#[test]
fn r13_null_no_stake() {
    null_vector("r13_null_no_stake");
}

#[test]
fn r13_null_budget_parity() {
    let v = vector("r13_null_budget_parity");
    let net = NullNet::of(&v["inputs"]);
    for case in v["cases"].as_array().expect("cases") {
        let out = net.run(NullBudgets::standalone(u(&case["budget"])));
        assert_eq!(
            out.server_emission.iter().sum::<u64>(),
            u(&case["miners"]),
            "{case}"
        );
        assert_eq!(
            out.validator_emission.iter().sum::<u64>(),
            u(&case["validators"]),
            "{case}"
        );
        check_null(&out, &Value::Null, 0);
    }
    // The stored row is used raw (no upscale): 65534 and 1 out of 65535.
    let out = net.run(NullBudgets::standalone(131_071));
    assert_eq!(out.server_emission[2..], [65_535, 1]);
}

#[test]
fn r13_null_no_validator_distribute() {
    // The coinbase path through the engine: a Null subnet whose four uids have no stake and
    // no permit, pending buckets as the vector sets them, no owner cut.
    let v = vector("r13_null_no_validator_distribute");
    let inp = &v["inputs"];
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let params = SubnetParams {
        tempo: 10,
        epoch_consensus: EpochConsensus::Null,
        ..SubnetParams::default()
    };
    // No emission (no first emission block): only the pending buckets set below are paid.
    let n = chain.add_subnet_genesis(params, owner, owner_hk, 1000 * TAO, 1000 * TAO, None);
    let mut hotkeys = Vec::new();
    for k in 0..4 {
        let c = chain.add_coldkey(format!("c{k}"), 0);
        hotkeys.push(chain.add_hotkey(format!("h{k}"), c));
    }
    for h in &hotkeys[1..] {
        chain.register_at_genesis(*h, n).expect("registers");
    }
    let pending = Pending {
        server: u(&inp["pending_server"]),
        validator: u(&inp["pending_validator"]),
        root: u(&inp["pending_root"]),
        owner: u(&inp["owner_cut"]),
    };
    let s = chain.subnets.get_mut(&n).expect("subnet");
    // The vector's four uids do not include the owner's hotkey (whose incentive would be
    // burned): give uid 0 to a fourth miner.
    s.neurons[0].hotkey = hotkeys[0];
    assert_eq!(s.n(), 4);
    s.pending = pending;
    s.alpha_out += u(&inp["subnet_alpha_out_before"]);
    chain.ledger.alpha.entry(n).or_default().minted += u(&inp["subnet_alpha_out_before"]);
    let mut records: Vec<EpochRecord> = Vec::new();
    while records.is_empty() {
        chain.step_block(&mut records);
    }
    let s = &chain.subnets[&n];
    let e = &v["expect"];
    assert_eq!(s.staked_alpha(), u(&e["stake_increase_total"]));
    assert_eq!(s.alpha_out, u(&e["subnet_alpha_out_after"]));
    assert_eq!(
        s.neurons.iter().map(|nr| nr.emission).sum::<u64>(),
        u(&e["emission_sum"])
    );
    assert_eq!(records[0].recycled, pending.root);
    chain.check_conservation().expect("conserved");
}

#[test]
fn r13_null_mechanism_budgets() {
    // Each mechanism apportions its part exactly, so no split across mechanisms multiplies a
    // rounding remainder: the totals are the budgets.
    let v = vector("r13_null_mechanism_budgets");
    let inp = &v["inputs"];
    let mechanisms = u(&inp["mechanisms"]) as usize;
    let net = NullNet::of(&serde_json::json!({
        "stake": inp["stake"].clone(),
        "weights": {"0": [[2, 3], [3, 1]]},
    }));
    let run = |b: NullBudgets| {
        let (m, va, r) = (
            split_emission(b.miner, mechanisms, None),
            split_emission(b.validator, mechanisms, None),
            split_emission(b.root, mechanisms, None),
        );
        let outs: Vec<(u64, EpochOutput)> = (0..mechanisms)
            .map(|k| {
                let part = NullBudgets::coinbase(m[k], va[k], r[k]);
                (m[k] + va[k] + r[k], net.run(part))
            })
            .collect();
        let parts: Vec<(u64, &EpochOutput)> = outs.iter().map(|(e, o)| (*e, o)).collect();
        let c = combine(&parts);
        (
            c.server_emission.iter().sum::<u64>(),
            c.validator_emission.iter().sum::<u64>(),
        )
    };
    for case in v["cases"].as_array().expect("cases") {
        let b = NullBudgets::coinbase(
            u(&case["miner_budget"]),
            u(&inp["validator_budget"]),
            u(&inp["root_budget"]),
        );
        assert_eq!(
            run(b),
            (u(&case["expect_miners"]), u(&case["expect_validators"])),
            "{case}"
        );
    }
    // `epoch_with_mechanisms(1002)`: E split over the mechanisms, each halved.
    let (mut miners, mut validators) = (0, 0);
    for e in split_emission(1002, mechanisms, None) {
        let (m, va) = run(NullBudgets::standalone(e));
        miners += m;
        validators += va;
    }
    assert_eq!((miners, validators), (501, 501));
}

#[test]
fn r13_null_apportion_conservation() {
    let v = vector("r13_null_apportion_conservation");
    let mut shares = vec![65_535u64; 2500];
    shares[0] = 1;
    shares[100] = 0;
    let total: u128 = shares.iter().map(|&s| u128::from(s)).sum();
    let mut out = vec![0u64; shares.len()];
    let mut again = vec![0u64; shares.len()];
    for budget in v["inputs"]["budgets"].as_array().expect("budgets") {
        let budget = budget.as_u64().expect("u64 budget");
        apportion(budget, &shares, &mut out);
        assert_eq!(
            out.iter().map(|&x| u128::from(x)).sum::<u128>(),
            u128::from(budget),
            "budget {budget}"
        );
        assert_eq!(out[100], 0);
        for (o, &s) in out.iter().zip(&shares) {
            let floor = (u128::from(budget) * u128::from(s) / total) as u64;
            assert!(
                *o == floor || *o == floor + 1,
                "budget {budget}: {o} vs {floor}"
            );
        }
        apportion(budget, &shares, &mut again);
        assert_eq!(out, again, "deterministic");
    }
}

/// `last_tempo` of §3.2 with the §13.11 step block: `L + 1`, or `b − tempo` when `L` is 0.
fn bond_cutoff(clock: &EpochClock, block: u64, tempo: u64) -> u64 {
    match bond_cutoff_step(clock) {
        0 => block - tempo,
        l => l + 1,
    }
}

#[test]
fn r13_null_bond_cutoff() {
    let v = vector("r13_null_bond_cutoff");
    let steps = v["steps"].as_array().expect("steps");
    let cutoff =
        |step: &Value, clock: &EpochClock| bond_cutoff(clock, u(&step["block"]), u(&step["tempo"]));
    let mut seq = Vec::new();
    // Yuma with only `LastMechansimStepBlock` set (written before `LastYumaStepBlock` existed).
    let mut clock = EpochClock {
        last_mechanism_step_block: u(&steps[0]["last_mechanism_step_block"]),
        ..EpochClock::default()
    };
    seq.push(cutoff(&steps[0], &clock));
    // Switch to Null; a Null epoch runs at block 100.
    record_epoch_step(&mut clock, u(&steps[1]["block"]), EpochConsensus::Null);
    assert_eq!(
        clock.last_mechanism_step_block,
        u(&steps[1]["last_mechanism_step_block"])
    );
    seq.push(cutoff(&steps[1], &clock));
    // Back to Yuma: the Yuma epoch at block 101 still reads the cutoff of the last Yuma step.
    seq.push(cutoff(&steps[2], &clock));
    record_epoch_step(&mut clock, u(&steps[2]["block"]), EpochConsensus::Yuma);
    assert_eq!(
        clock.last_yuma_step_block,
        u(&steps[3]["last_yuma_step_block"])
    );
    seq.push(cutoff(&steps[3], &clock));
    let expect: Vec<u64> = steps.iter().map(|s| u(&s["expect_cutoff"])).collect();
    assert_eq!(seq, expect);
    // With no step recorded at all, the cutoff is b − tempo.
    assert_eq!(bond_cutoff(&EpochClock::default(), 20, 5), 15);
}

#[test]
fn r13_null_bond_cutoff_in_the_engine() {
    // A subnet runs Yuma, then Null, then Yuma: `LastYumaStepBlock` only moves on Yuma epochs.
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let params = SubnetParams {
        tempo: 5,
        ..SubnetParams::default()
    };
    let n = chain.add_subnet_genesis(params, owner, owner_hk, 1000 * TAO, 1000 * TAO, Some(1));
    let mut records = Vec::new();
    let mut steps = Vec::new();
    for (until, consensus) in [
        (5, EpochConsensus::Yuma),
        (15, EpochConsensus::Null),
        (20, EpochConsensus::Yuma),
    ] {
        chain
            .subnets
            .get_mut(&n)
            .expect("subnet")
            .params
            .epoch_consensus = consensus;
        while chain.block < until {
            chain.step_block(&mut records);
            let c = chain.subnets[&n].clock;
            steps.push((
                chain.block,
                c.last_mechanism_step_block,
                c.last_yuma_step_block,
            ));
        }
    }
    let at = |b: u64| steps.iter().find(|s| s.0 == b).map(|s| (s.1, s.2));
    assert_eq!(at(5), Some((5, 5)));
    assert_eq!(at(10), Some((10, 5)));
    assert_eq!(at(15), Some((15, 5)));
    assert_eq!(at(20), Some((20, 20)));
    chain.check_conservation().expect("conserved");
}

/// Three subnets (netuids 1, 2, 3) whose epochs all fall due at block 10; the first runs
/// `first` consensus. Subnet 2 has a commit whose reveal falls in block 10. Returns the netuids
/// whose epochs ran at block 10, at block 11, and subnet 2's stored weights for uid 0 after
/// block 10 (the commit is revealed by block 11 in every case).
fn three_due(rule: EpochCapRule, first: EpochConsensus) -> (Vec<u16>, Vec<u16>, SparseRow) {
    let mut params = ChainParams::for_regime(Regime::Y2026_10);
    params.epoch_cap = rule;
    assert_eq!(params.max_epochs_per_block, 2);
    let mut chain = Chain::new(params);
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let mut netuids = Vec::new();
    for k in 0..3 {
        let p = SubnetParams {
            tempo: 10,
            epoch_consensus: if k == 0 { first } else { EpochConsensus::Yuma },
            ..SubnetParams::default()
        };
        netuids.push(chain.add_subnet_genesis(p, owner, owner_hk, 1000 * TAO, 1000 * TAO, Some(1)));
    }
    assert_eq!(netuids, [NetUid(1), NetUid(2), NetUid(3)]);
    let mut records = Vec::new();
    while chain.block < 9 {
        chain.step_block(&mut records);
    }
    assert!(records.is_empty());
    // Weights committed in the last epoch (index 0 → revealed once the index is 1).
    let s2 = chain.subnets.get_mut(&NetUid(2)).expect("subnet");
    s2.clock.epoch_index = 1;
    s2.commits.push(Commit {
        uid: 0,
        hotkey: owner_hk,
        weights: vec![(0, 65535)],
        commit_block: 9,
        commit_epoch: 0,
    });
    let ran = |records: &[EpochRecord]| records.iter().map(|r| r.netuid.0).collect::<Vec<_>>();
    chain.step_block(&mut records);
    let at_10 = ran(&records);
    let weights = chain.subnets[&NetUid(2)].weights[0].clone();
    records.clear();
    chain.step_block(&mut records);
    assert_eq!(chain.subnets[&NetUid(2)].weights[0], vec![(0, 65535)]);
    (at_10, ran(&records), weights)
}

#[test]
fn r13_epoch_cap_null() {
    let v = vector("r13_epoch_cap_null");
    let inp = &v["inputs"];
    let due: Vec<(NetUid, EpochConsensus)> = inp["due_this_block"]
        .as_object()
        .expect("due")
        .iter()
        .map(|(k, c)| {
            // YAML reads the vector's `Null` as null.
            let consensus = match c {
                Value::Null => EpochConsensus::Null,
                Value::String(x) if x == "Null" => EpochConsensus::Null,
                _ => EpochConsensus::Yuma,
            };
            (NetUid(k.parse().expect("netuid")), consensus)
        })
        .collect();
    let max = u(&inp["max_epochs_per_block"]) as u32;
    let cap = epoch_cap(EpochCapRule::NullAware, max, &due);
    let runs: Vec<u64> = due[..cap].iter().map(|d| u64::from(d.0.0)).collect();
    let deferred: Vec<u64> = due[cap..].iter().map(|d| u64::from(d.0.0)).collect();
    let e = &v["expect"];
    let list = |x: &Value| {
        x.as_array()
            .expect("list")
            .iter()
            .map(u)
            .collect::<Vec<_>>()
    };
    assert_eq!(runs, list(&e["runs"]));
    assert_eq!(deferred, list(&e["deferred_to_next_block"]));
    // The note: with no Null subnet due the cap stays 2.
    let yuma_only: Vec<_> = due.iter().map(|d| (d.0, EpochConsensus::Yuma)).collect();
    assert_eq!(epoch_cap(EpochCapRule::NullAware, max, &yuma_only), 2);
    assert_eq!(epoch_cap(EpochCapRule::PerBlock, max, &due), 2);

    // In the engine: subnet 1 runs Null, so only it runs at block 10; 2 and 3 run at 11, and
    // subnet 2's commit is not revealed in the block its epoch is deferred.
    let (at_10, at_11, w) = three_due(EpochCapRule::NullAware, EpochConsensus::Null);
    assert_eq!((at_10, at_11), (vec![1], vec![2, 3]));
    assert!(w.is_empty(), "revealed in a deferred block: {w:?}");
    // Without a Null subnet the cap stays 2 (subnet 2 runs and its commit is revealed).
    let (at_10, at_11, w) = three_due(EpochCapRule::NullAware, EpochConsensus::Yuma);
    assert_eq!((at_10, at_11), (vec![1, 2], vec![3]));
    assert_eq!(w, vec![(0, 65535)]);
    // Before 2026-10 a Null subnet does not lower the cap, and reveals ignore deferral.
    let (at_10, at_11, _) = three_due(EpochCapRule::PerBlock, EpochConsensus::Null);
    assert_eq!((at_10, at_11), (vec![1, 2], vec![3]));
}

#[test]
fn reveals_ignore_deferral_before_2026_10() {
    // Subnet 2 is deferred only if the cap is 1; with the old cap rule and max 1, its commit is
    // still revealed in the deferred block (the engine's behaviour before 2026-10).
    let mut params = ChainParams::for_regime(ChainRegime::Y2026_06);
    params.max_epochs_per_block = 1;
    let mut chain = Chain::new(params);
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    for _ in 0..2 {
        let p = SubnetParams {
            tempo: 10,
            ..SubnetParams::default()
        };
        chain.add_subnet_genesis(p, owner, owner_hk, 1000 * TAO, 1000 * TAO, Some(1));
    }
    let mut records = Vec::new();
    while chain.block < 9 {
        chain.step_block(&mut records);
    }
    let s2 = chain.subnets.get_mut(&NetUid(2)).expect("subnet");
    s2.clock.epoch_index = 1;
    s2.commits.push(Commit {
        uid: 0,
        hotkey: owner_hk,
        weights: vec![(0, 65535)],
        commit_block: 9,
        commit_epoch: 0,
    });
    chain.step_block(&mut records);
    assert_eq!(records.iter().map(|r| r.netuid.0).collect::<Vec<_>>(), [1]);
    assert_eq!(chain.subnets[&NetUid(2)].weights[0], vec![(0, 65535)]);
}

#[test]
fn a_null_subnet_pays_the_winners_row_and_stake_and_keeps_its_bonds() {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let params = SubnetParams {
        tempo: 10,
        epoch_consensus: EpochConsensus::Null,
        ..SubnetParams::default()
    };
    let n = chain.add_subnet_genesis(params, owner, owner_hk, 1000 * TAO, 1000 * TAO, Some(1));
    let mut hk = Vec::new();
    for k in 0..4 {
        let c = chain.add_coldkey(format!("c{k}"), 0);
        let h = chain.add_hotkey(format!("h{k}"), c);
        chain.register_at_genesis(h, n).expect("registers");
        hk.push((c, h));
    }
    // uids 1 and 2 validate with 300 and 100 alpha; uids 3 and 4 mine.
    chain.stake_at_genesis(hk[0].0, hk[0].1, n, 300 * TAO);
    chain.stake_at_genesis(hk[1].0, hk[1].1, n, 100 * TAO);
    let s = chain.subnets.get_mut(&n).expect("subnet");
    s.weights[1] = vec![(3, 3), (4, 1)];
    s.weights[2] = vec![(4, 65535)];
    for uid in [1, 2] {
        s.neurons[uid].last_update = 1;
    }
    s.bonds[1] = vec![(3, 777)];
    let mut records = Vec::new();
    while records.is_empty() {
        chain.step_block(&mut records);
    }
    let r = &records[0];
    let incentive: Vec<u64> = r.neurons.iter().map(|x| x.incentive_alpha).collect();
    // Miners 3:1 by the winner's raw row (uid 2's row is not used).
    assert!(
        incentive[3] > 0 && incentive[3].abs_diff(3 * incentive[4]) <= 3,
        "{incentive:?}"
    );
    assert_eq!(incentive[..3], [0, 0, 0]);
    // Validators 3:1 by stake.
    let div: Vec<u64> = r.neurons.iter().map(|x| x.dividend_alpha).collect();
    assert!(div[1] > 0 && div[1].abs_diff(3 * div[2]) <= 3, "{div:?}");
    assert_eq!(chain.subnets[&n].bonds[1], vec![(3, 777)]);
    chain.check_conservation().expect("conserved");
}

// ---------------------------------------------------------------- Liquid Alpha mode (§13.10)

#[test]
fn r13_la_consensus_mode_select() {
    let v = vector("r13_la_consensus_mode_select");
    let previous: Vec<u16> = [0.1, 0.2, 0.3, 0.4]
        .iter()
        .map(|x: &f64| (x * 65535.0).floor() as u16)
        .collect();
    let base = floats(&v["inputs"]["current_consensus"]);
    let mut c = Vec::new();
    for case in v["cases"].as_array().expect("cases") {
        let mode = match case["mode"].as_str().expect("mode") {
            "Current" => LiquidAlphaConsensus::Current,
            "Previous" => LiquidAlphaConsensus::Previous,
            "Auto" => LiquidAlphaConsensus::Auto,
            _ => LiquidAlphaConsensus::Max,
        };
        let bp = case
            .get("bonds_penalty_u16")
            .map_or(65_535, |x| u(x) as u16);
        let current = case.get("current_consensus").map_or(base.clone(), floats);
        liquid_alpha_consensus(mode, bp, &current, &previous, &mut c);
        let expect = floats(&case["expect"]);
        assert_eq!(c.len(), expect.len(), "{case}");
        let tol = if mode == LiquidAlphaConsensus::Current {
            0.0
        } else {
            1e-3
        };
        for (a, b) in c.iter().zip(&expect) {
            close(*a, *b, tol, &format!("{case}"));
        }
    }
    // Previous after uid growth: the columns beyond the stored vector get no value.
    liquid_alpha_consensus(
        LiquidAlphaConsensus::Previous,
        65_535,
        &[0.2; 6],
        &previous,
        &mut c,
    );
    assert_eq!(c.len(), 4);
}

#[test]
fn r13_la_sigmoid_previous_vs_current() {
    let v = vector("r13_la_sigmoid_previous_vs_current");
    let inp = &v["inputs"];
    let (w, b) = (f(&inp["weight"]), f(&inp["bond"]));
    let (lo, hi, s) = (
        f(&inp["alpha_low"]),
        f(&inp["alpha_high"]),
        f(&inp["steepness"]),
    );
    let e = &v["expect"];
    close(
        liquid_alpha_rate(w, b, f(&inp["consensus_previous"]), lo, hi, s),
        f(&e["alpha_with_previous"]),
        1e-6,
        "rate with the previous consensus",
    );
    close(
        liquid_alpha_rate(w, b, f(&inp["consensus_current"]), lo, hi, s),
        f(&e["alpha_with_current"]),
        1e-6,
        "rate with the current consensus",
    );

    // Through the epoch: one validator weighting two miners 0.6 / 0.4 (so its consensus is
    // its own weights) with a stored bond of 0.1 on each; the previous consensus says 0.2.
    let weights = vec![vec![(1, 65535), (2, 43690)], vec![], vec![]];
    let bond = (0.1f64 * 65535.0).floor() as u16;
    let bonds = vec![vec![(1, bond), (2, bond)], vec![], vec![]];
    let previous = [0u16, (0.2f64 * 65535.0).floor() as u16, 0];
    let input = EpochInput {
        block: 1000,
        tempo: 360,
        activity_cutoff: 5000,
        last_mechanism_step_block: 640,
        stake: &[1e9, 0.0, 0.0],
        stake_threshold: 0,
        last_update: &[900, 0, 0],
        registered_at: &[0, 0, 0],
        permits: &[true, false, false],
        owner: None,
        weights: &weights,
        bonds: &bonds,
        first_commit_block: &[],
        previous_consensus: &previous,
        emission: 1_000_000_000,
    };
    let params = |mode, bonds_penalty| YumaParams {
        bonds_penalty,
        liquid_alpha: Some(LiquidAlpha::default()),
        liquid_alpha_consensus: mode,
        ..YumaParams::default()
    };
    let bond_of = |p: YumaParams| run_epoch(&input, &p).expect("well-shaped").bonds[0][0].1;
    let (lo, hi) = (45_875.0 / 65535.0, 58_982.0 / 65535.0);
    let w1 = 65535.0 / (65535.0 + 43690.0);
    let b0 = f64::from(bond) / 65535.0;
    let expect = |c: f64| {
        let a = liquid_alpha_rate(w1, b0, c, lo, hi, 1000.0);
        ((1.0 - a) * b0 + a * w1) * 65535.0
    };
    // β = 1: W^b = Ŵ = W (consensus = the only validator's weights). Current: d = 0.
    let current = bond_of(params(LiquidAlphaConsensus::Current, 65_535));
    close(f64::from(current), expect(w1), 1.0, "current");
    // Previous and Auto (β = 1 → previous): d = 0.6 − 0.2.
    let previous_bond = bond_of(params(LiquidAlphaConsensus::Previous, 65_535));
    close(f64::from(previous_bond), expect(0.2), 1.0, "previous");
    assert_eq!(
        bond_of(params(LiquidAlphaConsensus::Auto, 65_535)),
        previous_bond
    );
    assert!(previous_bond > current);
    // Auto with β < 1 is Current.
    assert_eq!(
        bond_of(params(LiquidAlphaConsensus::Auto, 32_767)),
        bond_of(params(LiquidAlphaConsensus::Current, 32_767))
    );
}

/// One subnet with liquid alpha, one validator weighting one miner, run for four tempos under
/// `chain`; returns the validator's stored bond on the miner.
fn la_bond(chain_params: ChainParams, mode: LiquidAlphaConsensus) -> u16 {
    let mut chain = Chain::new(chain_params);
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let mut params = SubnetParams {
        tempo: 10,
        ..SubnetParams::default()
    }
    .with_liquid_alpha();
    params.yuma.commit_reveal = false;
    params.yuma.liquid_alpha_consensus = mode;
    let n = chain.add_subnet_genesis(params, owner, owner_hk, 1000 * TAO, 1000 * TAO, Some(1));
    let vc = chain.add_coldkey("v", 0);
    let vh = chain.add_hotkey("v-hk", vc);
    let mc = chain.add_coldkey("m", 0);
    let mh = chain.add_hotkey("m-hk", mc);
    chain.register_at_genesis(vh, n).expect("registers");
    chain.register_at_genesis(mh, n).expect("registers");
    chain.stake_at_genesis(vc, vh, n, 100 * TAO);
    let mut records = Vec::new();
    while chain.block < 40 {
        let s = chain.subnets.get_mut(&n).expect("subnet");
        s.weights[1] = vec![(2, 65535)];
        s.neurons[1].last_update = chain.block;
        chain.step_block(&mut records);
    }
    chain.subnets[&n].bonds[1].first().map_or(0, |e| e.1)
}

#[test]
fn the_liquid_alpha_consensus_mode_only_acts_from_2026_10() {
    let y10 = || ChainParams::for_regime(Regime::Y2026_10);
    let y06 = || ChainParams::for_regime(ChainRegime::Y2026_06);
    assert_eq!(
        y10().liquid_alpha_consensus,
        LiquidAlphaConsensusRule::SubnetMode
    );
    assert_eq!(
        y06().liquid_alpha_consensus,
        LiquidAlphaConsensusRule::Current
    );
    // A new subnet's mode is Auto (β = 1, so previous).
    assert_eq!(
        SubnetParams::default().yuma.liquid_alpha_consensus,
        LiquidAlphaConsensus::Auto
    );
    let auto = la_bond(y10(), LiquidAlphaConsensus::Auto);
    let current = la_bond(y10(), LiquidAlphaConsensus::Current);
    assert!(auto > 0 && current > 0);
    assert_ne!(auto, current, "the previous consensus moves the rate");
    // With the rule off (the chain before 2026-10) the subnet's mode is ignored.
    let mut off = y10();
    off.liquid_alpha_consensus = LiquidAlphaConsensusRule::Current;
    assert_eq!(la_bond(off, LiquidAlphaConsensus::Auto), current);
    assert_eq!(
        la_bond(y06(), LiquidAlphaConsensus::Previous),
        la_bond(y06(), LiquidAlphaConsensus::Current)
    );
}

// ---------------------------------------------------------------- scenario files

#[test]
fn scenario_files_set_the_epoch_rules() {
    use yumalab::scenario::Scenario;
    let good = "\
name: null-subnet
description: a Null subnet and a liquid-alpha subnet
regime: 2026-10
duration: {blocks: 100}
chain: {epoch_cap: per_block}
subnets:
  - name: a
    consensus: null
  - name: b
    yuma: {liquid_alpha: {alpha_low: 0.1, alpha_high: 0.3}, liquid_alpha_consensus: previous}
network: isolated\n";
    let s = Scenario::parse(good, "good.yaml", &[]).expect("valid");
    assert_eq!(s.chain.epoch_cap, EpochCapRule::PerBlock);
    assert_eq!(
        s.chain.liquid_alpha_consensus,
        LiquidAlphaConsensusRule::SubnetMode
    );
    assert_eq!(s.subnets[0].params.epoch_consensus, EpochConsensus::Null);
    assert_eq!(s.subnets[1].params.epoch_consensus, EpochConsensus::Yuma);
    assert_eq!(
        s.subnets[1].params.yuma.liquid_alpha_consensus,
        LiquidAlphaConsensus::Previous
    );
    assert_eq!(
        s.subnets[0].params.yuma.liquid_alpha_consensus,
        LiquidAlphaConsensus::Auto
    );

    let bad = "\
name: bad
description: wrong values
regime: 2026-06
duration: {blocks: 100}
chain: {epoch_cap: sometimes}
subnets:
  - name: a
    consensus: nil
    yuma: {liquid_alpha_consensus: previous}
network: isolated\n";
    let err = Scenario::parse(bad, "bad.yaml", &[])
        .unwrap_err()
        .to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "bad.yaml:5:20: `chain.epoch_cap`: must be one of `null_aware`, `per_block`, got `sometimes`",
            "bad.yaml:8:16: `subnets[0].consensus`: must be one of `yuma`, `null`, got `nil` (did you mean `null`?)",
            "bad.yaml:9:36: `subnets[0].yuma.liquid_alpha_consensus`: has no effect under regime `2026-06`: the Liquid Alpha consensus mode exists from 2026-10 (§13.10); set `chain.liquid_alpha_consensus: subnet_mode` to use it",
        ],
        "{err}"
    );
}
