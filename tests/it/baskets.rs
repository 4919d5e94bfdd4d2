//! Root Reborn baskets (spec §13.6) against the `r13_basket_*` vectors of
//! `tests/data/chain-vectors-2026-10.yaml`, and the funds' invariants under random actions.
//!
//! Vectors: `r13_basket_take_and_queue`, `r13_basket_flush_threshold`,
//! `r13_basket_first_deposit`, `r13_basket_second_deposit`, `r13_basket_claim`,
//! `r13_basket_escrow_attribution`, `r13_basket_drained_revival`,
//! `r13_basket_watermark_rebase`, `r13_basket_claim_dust_rule`, `r13_basket_flush_drain_order`
//! and `r13_basket_root_eviction`.

use proptest::prelude::*;
use serde_json::Value;

use crate::vectors::vector_2026_10 as vector;
use yumalab::chain::basket::{
    self, ESCROW, dust_row, flushable, owed, rate_increment, rebase, shares_for_value,
    stakers_value, take_and_queue,
};
use yumalab::chain::params::{BasketParams, ChainParams, Regime, SubnetParams};
use yumalab::chain::state::Chain;
use yumalab::units::{ColdkeyId, HotkeyId, NetUid, Rao};
use yumalab_agents::Action;

const TAO: u64 = 1_000_000_000;

fn u(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as u64))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn within(found: u64, expected: u64, tol: u64, what: &str) {
    assert!(
        found.abs_diff(expected) <= tol,
        "{what}: {found} vs {expected} (tolerance ±{tol})"
    );
}

fn rate_f64(bits: u128) -> f64 {
    bits as f64 / 4_294_967_296.0
}

#[test]
fn r13_basket_take_and_queue() {
    let v = vector("r13_basket_take_and_queue");
    let (take, queued) = take_and_queue(
        u(&v["inputs"]["root_pay_rao"]),
        u(&v["inputs"]["delegate_take_u16"]) as u16,
    );
    within(take, u(&v["expect"]["take_staked_to_owner_rao"]), 1, "take");
    within(queued, u(&v["expect"]["queued_rao"]), 1, "queued");
    // The chain's two floors lose the fractional rao (it stays in SubnetAlphaOut).
    assert_eq!(take + queued, u(&v["inputs"]["root_pay_rao"]) - 1);
}

#[test]
fn r13_basket_flush_threshold() {
    let v = vector("r13_basket_flush_threshold");
    for case in v["cases"].as_array().expect("cases") {
        let want = case["expect"].as_str() == Some("flushed");
        assert_eq!(
            flushable(
                f(&case["spot_price"]),
                u(&case["queued_alpha_rao"]),
                u(&case["threshold_rao"])
            ),
            want,
            "{case}"
        );
    }
}

/// The vectors' world: one subnet whose pool is at weights 0.5/0.5 (no emission: the subnet
/// never starts), a validator hotkey on root, and two root stakers.
struct World {
    chain: Chain,
    netuid: NetUid,
    h: HotkeyId,
    c1: ColdkeyId,
    c2: ColdkeyId,
}

fn world(tao_reserve: u64, alpha_reserve: u64, c1_root: u64, c2_root: u64) -> World {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let netuid = chain.add_subnet_genesis(
        SubnetParams::default(),
        owner,
        owner_hk,
        tao_reserve,
        alpha_reserve,
        None,
    );
    let fee = chain.params.tx_fees.expect("2026-10 fees").stake;
    let v = chain.add_coldkey("validator", 0);
    let h = chain.add_hotkey("validator-hk", v);
    let c1 = chain.add_coldkey("c1", c1_root + fee);
    let c2 = chain.add_coldkey("c2", c2_root + fee);
    if c1_root + c2_root > 0 {
        // A validator on root (a genesis seat; since 2026-10 seats are otherwise bought).
        assert!(chain.root_register_at_genesis(h));
    }
    for (c, amount) in [(c1, c1_root), (c2, c2_root)] {
        if amount > 0 {
            chain
                .apply(&Action::AddStake {
                    coldkey: c,
                    hotkey: h,
                    netuid: NetUid(0),
                    tao: Rao(amount),
                    limit_price: None,
                })
                .expect("root stake");
        }
    }
    let spot = chain.subnets[&netuid].pool.price();
    chain
        .subnets
        .get_mut(&netuid)
        .expect("subnet")
        .fast_moving_price = spot;
    World {
        chain,
        netuid,
        h,
        c1,
        c2,
    }
}

impl World {
    /// Queues `alpha` for the validator's fund, as an epoch payout would (§13.6.2): the alpha
    /// is minted as outstanding alpha nobody owns yet.
    fn queue(&mut self, alpha: u64) {
        let s = self.chain.subnets.get_mut(&self.netuid).expect("subnet");
        s.alpha_out += alpha;
        self.chain
            .ledger
            .alpha
            .entry(self.netuid)
            .or_default()
            .minted += alpha;
        self.chain.baskets.enqueue(self.h, self.netuid, alpha);
    }

    fn fund(&self) -> &basket::Fund {
        &self.chain.baskets.funds[&self.h]
    }
}

/// The state after `r13_basket_first_deposit` and `r13_basket_second_deposit`.
fn deposited(deposits: usize) -> World {
    let v = vector("r13_basket_first_deposit");
    let i = &v["inputs"];
    let mut w = world(
        u(&i["pool"]["tao_reserve_rao"]),
        u(&i["pool"]["alpha_reserve_rao"]),
        u(&i["claimants_root_stake_rao"]["c1"]),
        u(&i["claimants_root_stake_rao"]["c2"]),
    );
    for _ in 0..deposits {
        w.queue(u(&i["credit_alpha_rao"]));
        w.chain.flush_basket(w.h);
        w.chain.check_conservation().expect("conserved");
    }
    w
}

#[test]
fn r13_basket_first_deposit() {
    let v = vector("r13_basket_first_deposit");
    let e = &v["expect"];
    let w = deposited(1);
    assert!(w.chain.baskets.pending.is_empty(), "the credit was flushed");
    within(w.fund().shares, u(&e["shares_minted"]), 2, "shares");
    within(w.fund().deposited_tao, u(&e["value_added_rao"]), 2, "value");
    within(w.chain.basket_nav(w.h), u(&e["nav_rao"]), 2, "NAV");
    assert!((rate_f64(w.fund().rate) - f(&e["basket_rate"])).abs() < 1e-9);
    within(
        w.chain.basket_owed(w.h, w.c1),
        u(&e["owed_shares"]["c1"]),
        200,
        "owed c1",
    );
    within(
        w.chain.basket_owed(w.h, w.c2),
        u(&e["owed_shares"]["c2"]),
        200,
        "owed c2",
    );
    // The credit became escrow stake on the validator: held alpha, no swap.
    assert_eq!(
        w.chain.basket_row(w.h, w.netuid),
        u(&v["inputs"]["credit_alpha_rao"])
    );
}

#[test]
fn r13_basket_second_deposit() {
    let v = vector("r13_basket_second_deposit");
    let e = &v["expect"];
    let before = deposited(1);
    let w = deposited(2);
    within(
        before.chain.basket_nav(before.h),
        u(&e["nav_before_rao"]),
        2,
        "NAV before",
    );
    within(
        w.fund().deposited_tao - before.fund().deposited_tao,
        u(&e["value_added_rao"]),
        2,
        "value added",
    );
    within(
        w.fund().shares - before.fund().shares,
        u(&e["shares_minted"]),
        2,
        "shares minted",
    );
    within(w.fund().shares, u(&e["basket_shares_after"]), 2, "P");
    assert!((rate_f64(w.fund().rate) - f(&e["basket_rate_after"])).abs() < 1e-9);
    assert_eq!(
        w.chain.basket_row(w.h, w.netuid),
        u(&e["holding_alpha_rao"])
    );
    within(
        w.chain.basket_nav(w.h),
        u(&e["nav_after_rao"]),
        2,
        "NAV after",
    );
}

#[test]
fn r13_basket_claim() {
    let v = vector("r13_basket_claim");
    let e = &v["expect"];
    let mut w = deposited(2);
    let root_before = w.chain.root.total();
    // The vector derives owed in real numbers; the chain's I96F32 rate quantises ρ by 2⁻³²
    // per deposit, so c1 is owed 167 shares fewer (within the first deposit's ±200). The
    // claim's mechanics are checked at the vector's owed, by setting c1's watermark so that
    // gross − m is exactly that.
    let owed_chain = w.chain.basket_owed(w.h, w.c1);
    within(owed_chain, u(&e["owed_shares"]), 200, "owed (I96F32)");
    let stake = w.chain.root.stakes()[&w.h].stake_of(w.c1);
    let gross = basket::rate_times(w.fund().rate, stake) as i128;
    let m0 = gross - i128::from(u(&e["owed_shares"]));
    w.chain
        .baskets
        .funds
        .get_mut(&w.h)
        .expect("fund")
        .claimed
        .insert(w.c1, m0);
    let owed_before = w.chain.basket_owed(w.h, w.c1);
    assert_eq!(owed_before, u(&e["owed_shares"]));
    let c = w.chain.claim_root_with_hotkey(w.c1, w.h);
    w.chain.check_conservation().expect("conserved");
    assert_eq!(c.shares, owed_before);
    within(c.tao, u(&e["claimant_tao_rao"]), 3, "claimant TAO");
    within(
        c.retained,
        u(&e["retained_to_root_slot_rao"]),
        3,
        "retained",
    );
    within(
        c.tao + c.retained,
        u(&e["sale_tao_rao"]),
        3,
        "sale TAO (claimant + retained)",
    );
    let root = &w.chain.root.stakes()[&w.h];
    within(
        root.stake_of(w.c1),
        u(&e["c1_root_stake_after_rao"]),
        3,
        "c1 root stake",
    );
    // ⌊ρ·total⌋ carries the I96F32 quantisation of ρ (as the owed amounts do): ±200.
    let m = w.fund().watermark(w.c1) - m0;
    assert!(
        (m - i128::from(u(&e["c1_watermark_after"]))).abs() <= 200,
        "watermark moved by {m}"
    );
    // ⌊ρ(S+T)⌋ − ⌊ρS⌋ − ⌊ρT⌋ can be 1: the floors may leave one share owed.
    within(
        w.chain.basket_owed(w.h, w.c1),
        u(&e["c1_owed_after"]),
        1,
        "c1 owed after",
    );
    within(w.fund().shares, u(&e["basket_shares_after"]), 3, "P after");
    within(
        w.chain.basket_row(w.h, w.netuid),
        u(&e["fund_after"]["subnet_alpha_rao"]),
        3,
        "fund alpha row",
    );
    within(
        w.chain.basket_root_slot(w.h),
        u(&e["fund_after"]["root_slot_tao_rao"]),
        3,
        "fund root slot",
    );
    within(
        w.chain.basket_nav(w.h),
        u(&e["nav_after_rao"]),
        3,
        "NAV after",
    );
    let pool = &w.chain.subnets[&w.netuid].pool;
    within(
        pool.tao,
        u(&e["pool_after"]["tao_reserve_rao"]),
        3,
        "pool TAO",
    );
    within(
        pool.alpha,
        u(&e["pool_after"]["alpha_reserve_rao"]),
        3,
        "pool alpha",
    );
    within(
        w.chain.basket_owed(w.h, w.c2),
        u(&e["c2_owed_shares"]),
        200,
        "c2 owed",
    );
    within(
        w.chain.root.total() - root_before,
        u(&e["root_subnet_tao_increase_rao"]),
        3,
        "SubnetTAO[0] increase",
    );
    let nav_per_share = w.chain.basket_nav(w.h) as f64 / w.fund().shares as f64;
    assert!((nav_per_share - 1.0).abs() < 1e-9, "N/P = {nav_per_share}");
}

#[test]
fn r13_basket_escrow_attribution() {
    let v = vector("r13_basket_escrow_attribution");
    let (i, e) = (&v["inputs"], &v["expect"]);
    let sv = stakers_value(
        u(&i["value_added"]),
        u(&i["claimant_root_stake"]),
        u(&i["escrow_root_slot"]),
    );
    assert_eq!(sv, u(&e["stakers_value"]));
    // The vector's units are illustrative reals; the chain floors the shares.
    let shares = shares_for_value(sv, u(&i["nav_before"]), u(&i["shares_outstanding"]));
    assert_eq!(shares, f(&e["shares_minted"]).floor() as u64);
    let real_increment = f(&e["shares_minted"]) / f(&i["claimant_root_stake"]);
    assert!((real_increment - f(&e["rate_increment"])).abs() < 1e-9);
    let nav_after = f(&i["nav_before"]) + f(&i["value_added"]);
    let per_share = nav_after / (f(&i["shares_outstanding"]) + f(&e["shares_minted"]));
    assert!((per_share - f(&e["nav_per_share_after"])).abs() < 1e-9);
    // In I96F32 the increment of the floored shares.
    let inc = rate_increment(shares, u(&i["claimant_root_stake"]));
    assert!((rate_f64(inc) - shares as f64 / 900.0).abs() < 1e-9);
}

#[test]
fn r13_basket_drained_revival() {
    let v = vector("r13_basket_drained_revival");
    for case in v["cases"].as_array().expect("cases") {
        assert_eq!(
            shares_for_value(
                u(&case["stakers_value"]),
                u(&case["nav_before"]),
                u(&case["shares_outstanding"])
            ),
            u(&case["expect_shares"]),
            "{case}"
        );
    }
}

/// The vector is exact in real numbers. The chain's rate is I96F32, where 0.2 is not
/// representable, and its floors then move an owed amount by one share; so the vector is
/// checked to ±1 with ρ = 0.2 in I96F32, and exactly with ρ = 0.25 (representable).
#[test]
fn r13_basket_watermark_rebase() {
    let v = vector("r13_basket_watermark_rebase");
    let rate = (f(&v["inputs"]["basket_rate"]) * 4_294_967_296.0).round() as u128;
    let mut m = i128::from(u(&v["inputs"]["watermark_start"]) as i64 as i32);
    let mut stake = u(&v["inputs"]["root_stake_start"]);
    for step in v["steps"].as_array().expect("steps") {
        let new_stake = u(&step["root_stake"]);
        m += rebase(rate, i128::from(new_stake) - i128::from(stake));
        stake = new_stake;
        let want_m = step["watermark"].as_i64().expect("watermark");
        assert!((m - i128::from(want_m)).abs() <= 1, "{step}: m = {m}");
        within(owed(rate, stake, m), u(&step["owed"]), 1, "owed");
    }
    // Exactly representable: owed never moves across stake changes.
    let quarter = 1u128 << 30;
    let (mut m, mut stake) = (0i128, 100u64);
    assert_eq!(owed(quarter, stake, m), 25);
    for new_stake in [150u64, 30, 31, 0, 1000] {
        m += rebase(quarter, i128::from(new_stake) - i128::from(stake));
        stake = new_stake;
        let o = owed(quarter, stake, m);
        assert!((25..=26).contains(&o), "owed {o} at stake {stake}");
    }
}

#[test]
fn r13_basket_claim_dust_rule() {
    let v = vector("r13_basket_claim_dust_rule");
    let d = &v["defaults"];
    let params = BasketParams {
        row_dust_cap: u(&d["row_cap_rao"]),
        row_dust_bps: u(&d["row_bps"]),
        slice_dust: u(&d["slice_floor_rao"]),
        forfeit_cap: u(&d["forfeit_cap_rao"]),
        ..BasketParams::default()
    };
    assert_eq!(params, BasketParams::default(), "the vector's defaults");
    for case in v["cases"].as_array().expect("cases") {
        let p = 100_000_000_000u64;
        let owed = (f(&case["owed_over_P"]) * p as f64).round() as u64;
        let (slice, dust) = dust_row(
            u(&case["anchored_row_rao"]),
            u(&case["anchored_nav_rao"]),
            owed,
            p,
            &params,
        );
        assert_eq!(slice, u(&case["expect_slice_rao"]), "{case}");
        assert_eq!(dust, case["expect_dust"].as_bool().expect("bool"), "{case}");
    }
}

#[test]
fn r13_basket_flush_drain_order() {
    let v = vector("r13_basket_flush_drain_order");
    let mut params = ChainParams::for_regime(Regime::Y2026_10);
    params.basket.claimable_threshold = u(&v["inputs"]["root_claimable_threshold"]);
    params.tao_weight = f(&v["inputs"]["tao_weight"]);
    let mut chain = Chain::new(params);
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let netuid = chain.add_subnet_genesis(
        SubnetParams::default(),
        owner,
        owner_hk,
        1_000 * TAO,
        1_000 * TAO,
        None,
    );
    let fee = chain.params.tx_fees.expect("fees").stake;
    let staker = chain.add_coldkey("staker", 20 * TAO + 2 * fee);
    let hot_a = chain.add_hotkey("hot_a", owner);
    let hot_b = chain.add_hotkey("hot_b", owner);
    let queued = u(&v["inputs"]["queued"]["hot_a"]);
    for h in [hot_a, hot_b] {
        assert!(chain.root_register_at_genesis(h));
        chain
            .apply(&Action::AddStake {
                coldkey: staker,
                hotkey: h,
                netuid: NetUid(0),
                tao: Rao(10 * TAO),
                limit_price: None,
            })
            .expect("root stake");
        let s = chain.subnets.get_mut(&netuid).expect("subnet");
        s.alpha_out += queued;
        chain.ledger.alpha.entry(netuid).or_default().minted += queued;
        chain.baskets.enqueue(h, netuid, queued);
    }
    let swaps_before = chain.subnets[&netuid].pool.clone();
    let shares = |c: &Chain, h| c.baskets.funds.get(&h).map_or(0, |f| f.shares);
    let mut epochs = Vec::new();
    chain.step_block(&mut epochs);
    assert!(shares(&chain, hot_a) > 0, "the first hotkey flushed");
    assert_eq!(shares(&chain, hot_b), 0, "one hotkey per block");
    assert_eq!(chain.baskets.cursor, Some(hot_a));
    assert_eq!(chain.subnets[&netuid].pool, swaps_before, "no swap");
    chain.step_block(&mut epochs);
    assert!(shares(&chain, hot_b) > 0, "the second hotkey flushed next");
    assert!(chain.baskets.pending.is_empty());
    chain.check_conservation().expect("conserved");
}

/// `r13_basket_root_eviction`, case 2: a hotkey without a root UID (here: never registered;
/// on chain: evicted) has its sub-threshold credit recycled. Case 1 (deposit before the
/// membership drops) needs root eviction, which yumalab does not model: root registration
/// is free and root never evicts (`register_on_root`).
#[test]
fn r13_basket_root_eviction() {
    let v = vector("r13_basket_root_eviction");
    let case = &v["cases"][1];
    let mut w = world(1_000 * TAO, 1_000 * TAO, 0, 0);
    w.chain.params.basket.claimable_threshold = u(&case["threshold"]);
    let queued = u(&case["queued_alpha"]);
    w.queue(queued);
    let out_before = w.chain.subnets[&w.netuid].alpha_out;
    assert!(!w.chain.root.is_registered(w.h));
    w.chain.flush_basket(w.h);
    assert_eq!(w.chain.subnets[&w.netuid].alpha_out, out_before - queued);
    assert!(w.chain.baskets.pending.is_empty(), "row removed");
    assert!(!w.chain.baskets.funds.contains_key(&w.h), "no shares");
    w.chain.check_conservation().expect("conserved");
}

/// A credit below the threshold waits and merges with later credits; a staker arriving
/// after an epoch cannot capture what was queued before (the eager flush).
#[test]
fn queued_credits_merge_and_arrivals_do_not_capture_them() {
    let mut w = world(10_000 * TAO, 100_000 * TAO, 1_000 * TAO, 0);
    w.queue(1_000); // 100 rao of TAO at 0.1: below 0.0005 TAO
    w.chain.flush_basket(w.h);
    assert_eq!(w.chain.baskets.pending[&w.h][&w.netuid], 1_000);
    w.queue(100 * TAO);
    // c2 stakes now: the eager flush deposits c1's dividends first.
    let fee = w.chain.params.tx_fees.expect("fees").stake;
    w.chain.coldkeys[w.c2.0 as usize].balance += 1_000 * TAO + fee;
    w.chain.ledger.tao.genesis += 1_000 * TAO + fee;
    w.chain.total_issuance += 1_000 * TAO + fee;
    w.chain
        .apply(&Action::AddStake {
            coldkey: w.c2,
            hotkey: w.h,
            netuid: NetUid(0),
            tao: Rao(1_000 * TAO),
            limit_price: None,
        })
        .expect("stake");
    assert!(w.chain.baskets.pending.is_empty());
    assert_eq!(w.chain.basket_row(w.h, w.netuid), 100 * TAO + 1_000);
    assert_eq!(
        w.chain.basket_owed(w.h, w.c2),
        0,
        "the newcomer is owed nothing"
    );
    assert!(w.chain.basket_owed(w.h, w.c1) > 0);
    w.chain.check_conservation().expect("conserved");
}

/// A staker who leaves keeps what it was owed (negative watermark), and can still claim it.
#[test]
fn leaving_stakers_keep_what_they_are_owed() {
    let mut w = deposited(1);
    let owed_before = w.chain.basket_owed(w.h, w.c2);
    let stake = w.chain.root.stakes()[&w.h].stake_of(w.c2);
    let fees = w.chain.params.tx_fees.expect("fees");
    w.chain.coldkeys[w.c2.0 as usize].balance += fees.stake + fees.claim;
    w.chain.ledger.tao.genesis += fees.stake + fees.claim;
    w.chain.total_issuance += fees.stake + fees.claim;
    w.chain
        .apply(&Action::RemoveStake {
            coldkey: w.c2,
            hotkey: w.h,
            netuid: NetUid(0),
            alpha: Rao(stake),
            limit_price: None,
        })
        .expect("unstake");
    assert!(w.fund().watermark(w.c2) < 0);
    within(
        w.chain.basket_owed(w.h, w.c2),
        owed_before,
        1,
        "owed after leaving",
    );
    let free_before = w.chain.coldkeys[w.c2.0 as usize].balance;
    let fee = fees.claim;
    w.chain
        .apply(&Action::ClaimRoot {
            coldkey: w.c2,
            hotkey: None,
        })
        .expect("claim");
    assert_eq!(w.chain.coldkeys[w.c2.0 as usize].balance, free_before - fee);
    assert!(
        w.chain.root.stakes()[&w.h].stake_of(w.c2) > 0,
        "paid as root stake"
    );
    assert_eq!(w.chain.basket_owed(w.h, w.c2), 0);
    w.chain.check_conservation().expect("conserved");
}

#[test]
fn claims_are_refused_before_2026_10() {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_06));
    let c = chain.add_coldkey("c", 0);
    assert!(
        chain
            .apply(&Action::ClaimRoot {
                coldkey: c,
                hotkey: None,
            })
            .is_err()
    );
}

/// Random deposits, stake changes and claims: the ledger conserves every rao, a claim never
/// pays more than the fund is worth, and Σ owed never exceeds P by more than one share per
/// stake change (the truncation the chain's floors allow).
#[derive(Clone, Debug)]
enum Op {
    Deposit(u64),
    Stake(bool, u64),
    Unstake(bool, u64),
    Claim(bool),
    Trade(bool, u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u64..5_000).prop_map(|a| Op::Deposit(a * TAO / 10)),
        (any::<bool>(), 1u64..500).prop_map(|(c, t)| Op::Stake(c, t * TAO)),
        (any::<bool>(), 1u64..100).prop_map(|(c, pct)| Op::Unstake(c, pct)),
        any::<bool>().prop_map(Op::Claim),
        (any::<bool>(), 1u64..2_000).prop_map(|(b, t)| Op::Trade(b, t * TAO)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn funds_conserve_and_never_overpay(ops in prop::collection::vec(op(), 1..40)) {
        let mut w = world(10_000 * TAO, 100_000 * TAO, 600 * TAO, 400 * TAO);
        let trader = w.chain.add_coldkey("trader", 0);
        let stakes_changed = std::cell::Cell::new(0u64);
        let fund_cap = |ch: &Chain, h| ch.baskets.funds.get(&h).map_or(0, |f| f.shares);
        for op in ops {
            match op {
                Op::Deposit(a) => {
                    w.queue(a);
                    w.chain.flush_basket(w.h);
                }
                Op::Stake(first, t) => {
                    let c = if first { w.c1 } else { w.c2 };
                    let fee = w.chain.params.tx_fees.expect("fees").stake;
                    w.chain.coldkeys[c.0 as usize].balance += t + fee;
                    w.chain.ledger.tao.genesis += t + fee;
                    w.chain.total_issuance += t + fee;
                    let _ = w.chain.apply(&Action::AddStake { coldkey: c, hotkey: w.h, netuid: NetUid(0), tao: Rao(t), limit_price: None });
                    stakes_changed.set(stakes_changed.get() + 1);
                }
                Op::Unstake(first, pct) => {
                    let c = if first { w.c1 } else { w.c2 };
                    let held = w.chain.root.stakes()[&w.h].stake_of(c);
                    let fee = w.chain.params.tx_fees.expect("fees").stake;
                    w.chain.coldkeys[c.0 as usize].balance += fee;
                    w.chain.ledger.tao.genesis += fee;
                    w.chain.total_issuance += fee;
                    let _ = w.chain.apply(&Action::RemoveStake { coldkey: c, hotkey: w.h, netuid: NetUid(0), alpha: Rao(held * pct / 100), limit_price: None });
                    stakes_changed.set(stakes_changed.get() + 1);
                }
                Op::Claim(first) => {
                    let c = if first { w.c1 } else { w.c2 };
                    let nav = w.chain.basket_nav(w.h);
                    let slot = w.chain.basket_root_slot(w.h);
                    let got = w.chain.claim_root_with_hotkey(c, w.h);
                    // The claimant gets at most the fund's value before the claim (sale
                    // proceeds up to its entitlement, root cash up to the slot).
                    prop_assert!(got.tao <= nav.max(slot) + 1, "claim {} > NAV {}", got.tao, nav);
                }
                Op::Trade(buy, t) => {
                    // Someone else moves the pool's price.
                    let s = w.chain.subnets.get_mut(&w.netuid).expect("subnet");
                    if buy {
                        if let Ok(sw) = s.pool.buy_alpha(t, 0, None) {
                            w.chain.ledger.tao.genesis += sw.amount_in;
                            w.chain.total_issuance += sw.amount_in;
                            s.alpha_out += sw.amount_out;
                            s.stakes.entry(w.h).or_default().deposit(trader, sw.amount_out);
                        }
                    } else {
                        let held = s.stakes.get(&w.h).map_or(0, |p| p.stake_of(trader));
                        if held > 0 && let Ok(sw) = s.pool.sell_alpha(held, 0, None) {
                            s.stakes.get_mut(&w.h).expect("pool").withdraw(trader, sw.amount_in).expect("held");
                            s.alpha_out -= sw.amount_in;
                            w.chain.coldkeys[trader.0 as usize].balance += sw.amount_out;
                        }
                    }
                }
            }
            w.chain.check_conservation().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let owed_sum = w.chain.basket_owed(w.h, w.c1) + w.chain.basket_owed(w.h, w.c2);
            prop_assert!(owed_sum <= fund_cap(&w.chain, w.h) + 2 * stakes_changed.get() + 2,
                "Σ owed {} > P {}", owed_sum, fund_cap(&w.chain, w.h));
            prop_assert!(w.chain.subnets[&w.netuid].stakes.get(&w.h).is_none_or(|p| p.stake_of(ESCROW) <= p.value()));
        }
    }
}

/// A chain with 64 root seats taken at genesis, seat k holding k+1 TAO of root stake, at a
/// block past the immunity period, and a newcomer with money.
fn full_root() -> (Chain, Vec<HotkeyId>, ColdkeyId, HotkeyId) {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let fee = chain.params.tx_fees.expect("fees").stake;
    let mut seats = Vec::new();
    for k in 0..64u64 {
        let c = chain.add_coldkey(format!("v{k}"), (k + 1) * TAO + fee);
        let h = chain.add_hotkey(format!("v{k}-hk"), c);
        assert!(chain.root_register_at_genesis(h));
        chain
            .apply(&Action::AddStake {
                coldkey: c,
                hotkey: h,
                netuid: NetUid(0),
                tao: Rao((k + 1) * TAO),
                limit_price: None,
            })
            .expect("root stake");
        seats.push(h);
    }
    let newcomer = chain.add_coldkey("newcomer", 100 * TAO);
    let new_hk = chain.add_hotkey("newcomer-hk", newcomer);
    (chain, seats, newcomer, new_hk)
}

fn step(chain: &mut Chain, blocks: u64) {
    let mut epochs = Vec::new();
    for _ in 0..blocks {
        chain.step_block(&mut epochs);
    }
}

#[test]
fn root_seats_are_bought_and_a_full_root_evicts_its_smallest_old_member() {
    use yumalab::chain::root::{ROOT_IMMUNITY, ROOT_MIN_BURN};
    let (mut chain, seats, newcomer, new_hk) = full_root();
    // Staking on root does not give a seat under 2026-10.
    assert!(!chain.root.is_registered(new_hk));
    let register = Action::RootRegister {
        coldkey: newcomer,
        hotkey: new_hk,
    };
    // Every seat is immune at first.
    step(&mut chain, 1);
    assert!(chain.apply(&register).is_err(), "every member immune");
    step(&mut chain, ROOT_IMMUNITY);
    let issuance = chain.total_issuance;
    let fee = chain.params.tx_fees.expect("fees").other;
    assert_eq!(chain.root_burn(), ROOT_MIN_BURN);
    chain.apply(&register).expect("a seat");
    assert!(chain.root.is_registered(new_hk));
    assert!(
        !chain.root.is_registered(seats[0]),
        "the smallest stake left"
    );
    assert_eq!(chain.root.registered.len(), 64);
    // The burn and the fee are recycled.
    assert_eq!(chain.total_issuance, issuance - ROOT_MIN_BURN - fee);
    // The price rose ×1.26; one registration per block.
    assert!(chain.root_burn() > ROOT_MIN_BURN * 5 / 4);
    let other = chain.add_coldkey("other", 0);
    chain.coldkeys[other.0 as usize].balance = 0;
    let other_hk = chain.add_hotkey("other-hk", newcomer);
    assert!(
        chain
            .apply(&Action::RootRegister {
                coldkey: newcomer,
                hotkey: other_hk,
            })
            .is_err(),
        "one root registration per block"
    );
    chain.check_conservation().expect("conserved");
}

/// `r13_basket_root_eviction`, case 1: the evicted hotkey's flushable credit is deposited
/// into its fund before its seat goes; `SubnetAlphaOut` is unchanged and the row removed.
#[test]
fn r13_basket_root_eviction_deposits_before_the_seat_goes() {
    let v = vector("r13_basket_root_eviction");
    let case = &v["cases"][0];
    let (mut chain, seats, newcomer, new_hk) = full_root();
    chain.params.basket.claimable_threshold = u(&case["threshold"]);
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let netuid = chain.add_subnet_genesis(
        SubnetParams::default(),
        owner,
        owner_hk,
        1_000 * TAO,
        1_000 * TAO,
        None,
    );
    let queued = u(&case["queued_alpha"]);
    let s = chain.subnets.get_mut(&netuid).expect("subnet");
    s.alpha_out += queued;
    chain.ledger.alpha.entry(netuid).or_default().minted += queued;
    chain.baskets.enqueue(seats[0], netuid, queued);
    chain.block = yumalab::chain::root::ROOT_IMMUNITY + 1;
    let out_before = chain.subnets[&netuid].alpha_out;
    chain
        .apply(&Action::RootRegister {
            coldkey: newcomer,
            hotkey: new_hk,
        })
        .expect("a seat");
    assert!(!chain.root.is_registered(seats[0]));
    assert!(chain.baskets.funds[&seats[0]].shares > 0, "deposited first");
    assert_eq!(chain.subnets[&netuid].alpha_out, out_before);
    assert!(chain.baskets.pending.is_empty(), "row removed");
    assert_eq!(chain.basket_row(seats[0], netuid), queued);
    chain.check_conservation().expect("conserved");
}

/// `swap_basket` (§13.6.10): the owner moves part of the fund between rows within the bounds;
/// shares, rate and watermarks do not move; trades beyond a bound are refused whole.
#[test]
fn validators_trade_their_basket_within_the_bounds() {
    let mut w = deposited(2);
    let spot = w.chain.subnets[&w.netuid].pool.price();
    w.chain
        .subnets
        .get_mut(&w.netuid)
        .expect("subnet")
        .moving_price = spot;
    let owner = w.chain.owner_of(w.h);
    let fee = w.chain.params.tx_fees.expect("fees").move_stake;
    w.chain.coldkeys[owner.0 as usize].balance += 10 * fee;
    w.chain.ledger.tao.genesis += 10 * fee;
    w.chain.total_issuance += 10 * fee;
    let before = w.fund().clone();
    let row = w.chain.basket_row(w.h, w.netuid);
    let swap = |amount: u64, from: NetUid, to: NetUid| Action::SwapBasket {
        coldkey: owner,
        hotkey: w.h,
        from,
        to,
        amount: Rao(amount),
    };
    // 100 alpha ≈ 9.9 TAO into the root slot: within 10 % of a ≈ 196 TAO NAV.
    w.chain
        .apply(&swap(100 * TAO, w.netuid, NetUid(0)))
        .expect("within bounds");
    assert_eq!(w.chain.basket_row(w.h, w.netuid), row - 100 * TAO);
    let slot = w.chain.basket_root_slot(w.h);
    assert!(slot > 9 * TAO && slot < 10 * TAO, "slot {slot}");
    assert_eq!(
        (w.fund().shares, w.fund().rate, &w.fund().claimed),
        (before.shares, before.rate, &before.claimed),
        "only the composition changes"
    );
    w.chain.check_conservation().expect("conserved");
    // Beyond the day's turnover (≈ 19.6 TAO, 9.9 used): refused, nothing changes.
    let state = w.chain.basket_row(w.h, w.netuid);
    assert!(
        w.chain
            .apply(&swap(150 * TAO, w.netuid, NetUid(0)))
            .is_err()
    );
    assert_eq!(w.chain.basket_row(w.h, w.netuid), state);
    // Below the 0.5 TAO minimum leg.
    assert!(w.chain.apply(&swap(TAO, w.netuid, NetUid(0))).is_err());
    // Only the validator's owner.
    assert!(
        w.chain
            .apply(&Action::SwapBasket {
                coldkey: w.c1,
                hotkey: w.h,
                from: w.netuid,
                to: NetUid(0),
                amount: Rao(10 * TAO),
            })
            .is_err()
    );
    // A day later the bucket has refilled.
    w.chain.block += 7_200;
    w.chain
        .apply(&swap(150 * TAO, w.netuid, NetUid(0)))
        .expect("refilled");
    w.chain.check_conservation().expect("conserved");
}
