//! Miner registration collateral (spec §13.8) against the `r13_collateral_*` vectors of
//! `tests/data/chain-vectors-2026-10.yaml`, and its guards through the whole chain.

use serde_json::Value;

use crate::vectors::vector_2026_10 as vector;
use yumalab::chain::collateral::{Collateral, lock_alpha, registration_charge};
use yumalab::chain::params::{ChainParams, Regime, SubnetParams};
use yumalab::chain::state::Chain;
use yumalab::units::{NetUid, Rao};
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

/// A subnet with the vector's pool and lock share, its burn at the vector's price, and a
/// miner with 10 TAO.
fn subnet(
    v: &Value,
) -> (
    Chain,
    NetUid,
    yumalab::units::ColdkeyId,
    yumalab::units::HotkeyId,
) {
    let i = &v["inputs"];
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let params = SubnetParams {
        collateral_lock_share: u(&i["collateral_lock_share_u16"]) as u16,
        burn: u(&i["burn_price_rao"]),
        ..SubnetParams::default()
    };
    let netuid = chain.add_subnet_genesis(
        params,
        owner,
        owner_hk,
        u(&i["pool"]["tao_reserve_rao"]),
        u(&i["pool"]["alpha_reserve_rao"]),
        None,
    );
    chain.params.swap_fee = u(&i["fee_rate_u16"]) as u16;
    let miner = chain.add_coldkey("miner", 10 * TAO);
    let miner_hk = chain.add_hotkey("miner-hk", miner);
    (chain, netuid, miner, miner_hk)
}

#[test]
fn r13_collateral_registration_split() {
    let v = vector("r13_collateral_registration_split");
    let e = &v["expect"];
    let i = &v["inputs"];
    let c = registration_charge(
        u(&i["burn_price_rao"]),
        u(&i["collateral_lock_share_u16"]) as u16,
        u(&i["standing_locked_alpha"]),
        0.1,
    );
    within(
        c.requirement,
        u(&e["requirement_tao_rao"]),
        1,
        "requirement",
    );
    within(
        c.burned_share,
        u(&e["burned_share_tao_rao"]),
        1,
        "burned share",
    );
    within(c.topup, u(&e["topup_tao_rao"]), 1, "top-up");
    // Through the chain: one swap, the lock staked, the rest recycled.
    let (mut chain, netuid, miner, miner_hk) = subnet(&v);
    let fees_before = chain.ledger.tao.author_fees;
    let recycled_before = chain.ledger.alpha[&netuid].recycled;
    let balance = chain.coldkeys[miner.0 as usize].balance;
    chain
        .apply(&Action::Register {
            coldkey: miner,
            hotkey: miner_hk,
            netuid,
        })
        .expect("registered");
    assert_eq!(
        balance - chain.coldkeys[miner.0 as usize].balance,
        c.charge,
        "pays the burned share and the top-up"
    );
    within(
        chain.ledger.tao.author_fees - fees_before,
        u(&e["swap_fee_rao"]),
        1,
        "swap fee",
    );
    let s = &chain.subnets[&netuid];
    within(
        s.locked(miner_hk, miner),
        u(&e["lock_alpha_rao"]),
        1,
        "lock",
    );
    within(
        s.stakes[&miner_hk].stake_of(miner),
        u(&e["lock_alpha_rao"]),
        1,
        "staked",
    );
    within(
        chain.ledger.alpha[&netuid].recycled - recycled_before,
        u(&e["burn_alpha_rao"]),
        1,
        "burned alpha",
    );
    within(
        s.locked(miner_hk, miner) + chain.ledger.alpha[&netuid].recycled - recycled_before,
        u(&e["alpha_out_rao"]),
        1,
        "alpha out",
    );
    chain.check_conservation().expect("conserved");
    // The lock cannot be unstaked.
    assert!(
        chain
            .apply(&Action::RemoveStake {
                coldkey: miner,
                hotkey: miner_hk,
                netuid,
                alpha: Rao(1_000_000),
                limit_price: None,
            })
            .is_err(),
        "locked stake stays"
    );
}

#[test]
fn r13_collateral_floor_capture_release() {
    let v = vector("r13_collateral_floor_capture_release");
    let alpha = |x: &Value| (f(x) * 1e9).round() as u64;
    for case in v["cases"].as_array().expect("cases") {
        let mut c = Collateral {
            locked: alpha(&case["locked"]),
            min_locked: alpha(&case["min_locked"]),
            ..Collateral::new(1.0)
        };
        let incentive = alpha(&case["incentive"]);
        let s = c.settle(incentive, incentive);
        let e = &case["expect"];
        assert_eq!(s.captured, alpha(&e["captured"]), "{case}");
        assert_eq!(s.liquid, alpha(&e["liquid"]), "{case}");
        assert_eq!(c.locked, alpha(&e["locked_after"]), "{case}");
        if e.get("row_deleted").is_some() {
            assert!(c.is_empty());
        }
        assert_eq!(c.earned, incentive);
    }
}

#[test]
fn r13_collateral_doc_example() {
    let v = vector("r13_collateral_doc_example");
    let i = &v["inputs"];
    // A price of 10 alpha with a lock share of 0.9: 9 locked, 1 recycled.
    let price = (f(&i["price_alpha"]) * 1e9) as u64;
    let lock_share = (f(&i["lock_share"]) * 65535.0).round() as u16;
    let c = registration_charge(price, lock_share, 0, 1.0);
    let locked = lock_alpha(price, c.topup, c.charge);
    within(locked, 9_000_000_000, 200_000, "locked");
    within(price - locked, 1_000_000_000, 200_000, "recycled");
    // Releasing the whole lock takes 9/k of lifetime emission.
    let k = 0.5;
    let mut pos = Collateral {
        locked,
        ..Collateral::new(k)
    };
    let mut earned = 0u64;
    while !pos.is_empty() {
        pos.settle(TAO / 10, TAO / 10);
        earned += TAO / 10;
    }
    within(
        earned,
        (locked as f64 / k) as u64,
        TAO / 10,
        "9/k of emission",
    );
}

#[test]
fn no_lock_share_means_the_old_registration() {
    let mut chain = Chain::new(ChainParams::for_regime(Regime::Y2026_10));
    let owner = chain.add_coldkey("owner", 0);
    let owner_hk = chain.add_hotkey("owner-hk", owner);
    let netuid = chain.add_subnet_genesis(
        SubnetParams::default(),
        owner,
        owner_hk,
        1_000 * TAO,
        10_000 * TAO,
        None,
    );
    let miner = chain.add_coldkey("miner", 10 * TAO);
    let miner_hk = chain.add_hotkey("miner-hk", miner);
    chain
        .apply(&Action::Register {
            coldkey: miner,
            hotkey: miner_hk,
            netuid,
        })
        .expect("registered");
    assert_eq!(chain.coldkeys[miner.0 as usize].balance, 9 * TAO);
    assert!(chain.subnets[&netuid].collateral.is_empty());
    chain.check_conservation().expect("conserved");
}
