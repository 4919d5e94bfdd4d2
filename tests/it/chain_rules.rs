//! Chain rules: emission, registration, shares: conformance vectors and invariants.
//!
//! Conformance: the vectors `block_emission_halving`, `registration_burn_dynamics`,
//! `moving_price_ema`, `flow_share_pow_normalize` and the four `coinbase_*` vectors in
//! `tests/data/chain-vectors.yaml`, at their stated tolerances. The coinbase vectors come from
//! whole-block chain tests; here each checks the pieces it asserts (shares → `T_i` → `alpha_in`
//! at the spot price; owner cut; root proportion and the server/validator/root split; `tao_in`
//! totals), run through [`yumalab::chain`]'s pure rule functions.
//!
//! Properties: block emission is non-increasing and halves at each threshold; the burn price
//! stays in `[min, max]`, decays monotonically and never falls on registration; the alpha_out
//! split conserves every rao; shares are non-negative and sum to 1 or 0; an injection splits
//! `T_i` exactly into `tao_in + excess` and respects its cap.

use proptest::prelude::*;
use serde_json::Value;

use crate::vectors::vector;
use yumalab::chain::emission::{
    LAST_HALVING, TOTAL_SUPPLY, block_emission, halving_table, halving_threshold,
};
use yumalab::chain::registration::{BurnState, ONE_U64F64};
use yumalab::chain::shares::{
    FlowState, InjectionCap, PriceShareInput, PriceShareRule, flow_shares, injection,
    pow_normalize, price_ema_shares, root_proportion, root_sell_flag, split_alpha_out,
    tao_to_rao_shares, update_moving_price,
};

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// An integer that the YAML may write as `u64max` or in float notation (`3.0e9`).
fn amount(v: &Value) -> u64 {
    if v == "u64max" {
        return u64::MAX;
    }
    v.as_u64().unwrap_or_else(|| {
        let x = f(v);
        assert!(x >= 0.0 && x.fract() == 0.0, "not a whole amount: {v}");
        x as u64
    })
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("list").iter().map(f).collect()
}

/// The vector's `subnets` map in netuid order: (netuid, fields).
fn subnets(v: &Value) -> Vec<(u16, Value)> {
    let mut out: Vec<(u16, Value)> = v
        .as_object()
        .expect("subnets map")
        .iter()
        .map(|(k, s)| (k.parse().expect("netuid key"), s.clone()))
        .collect();
    out.sort_by_key(|(k, _)| *k);
    out
}

fn by_netuid(v: &Value, netuid: u16) -> u64 {
    u(&v[netuid.to_string()])
}

fn enabled(moving_price: f64) -> PriceShareInput {
    PriceShareInput {
        moving_price,
        miner_burned: 0.0,
        root_prop: 1.0,
        emission_enabled: true,
    }
}

// ------------------------------------------------------------------------ conformance

#[test]
fn block_emission_halving() {
    let v = vector("block_emission_halving");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 7);
    for case in cases {
        let (issuance, expect) = (u(&case[0]), u(&case[1]));
        assert_eq!(block_emission(issuance), expect, "issuance {issuance}");
    }
}

#[test]
fn registration_burn_dynamics() {
    let v = vector("registration_burn_dynamics");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    for (n, case) in cases.iter().enumerate() {
        let mult = u128::from(u(&case["mult"])) * ONE_U64F64;
        let half_life = u32::try_from(u(&case["half_life"])).expect("half_life");
        let mut burn = BurnState::new(
            u(&case["burn"]),
            amount(&case["min"]),
            amount(&case["max"]),
            half_life,
            mult,
        );
        let events = case["events"].as_array().expect("events");
        let expect = case["expect"].as_array().expect("expect");
        assert_eq!(events.len(), expect.len());
        for (i, (event, want)) in events.iter().zip(expect).enumerate() {
            match event.as_str().expect("event name") {
                "register" => burn.on_register(),
                // Both spellings mean one block's decay (the tests run at blocks > 1).
                "block" | "next_block" => burn.on_block(),
                other => panic!("unknown event {other}"),
            }
            assert_eq!(burn.burn, u(want), "case {n}, event {i} ({event})");
        }
    }
}

#[test]
fn registration_default_decay_factor() {
    // The vector's note: half_life 360 gives f = 4 286 705 684 / 2³².
    let b = BurnState::new(0, 0, 0, 360, ONE_U64F64);
    assert_eq!(b.decay_q32(), 4_286_705_684);
}

#[test]
fn moving_price_ema() {
    let v = vector("moving_price_ema");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    for (n, case) in cases.iter().enumerate() {
        let mut ema = f(&case["start_ema"]);
        for _ in 0..u(&case["updates"]) {
            ema = update_moving_price(
                ema,
                f(&case["spot_price"]),
                f(&case["moving_alpha"]),
                u(&case["block"]),
                u(&case["first_emission_block"]),
                201_600,
            );
        }
        if let Some(bound) = case["expect_lt"].as_f64() {
            assert!(ema < bound, "case {n}: {ema} ≥ {bound}");
        } else {
            let (want, tol) = (f(&case["expect"]), f(&case["tol"]));
            assert!(
                (ema - want).abs() <= tol,
                "case {n}: {ema} vs {want} ± {tol}"
            );
        }
    }
}

#[test]
fn flow_share_pow_normalize() {
    let v = vector("flow_share_pow_normalize");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 2);
    for (n, case) in cases.iter().enumerate() {
        let z = floats(&case["z"]);
        let got = pow_normalize(&z, f(&case["p"]));
        let want = floats(&case["expect"]);
        for (g, w) in got.iter().zip(&want) {
            let ok = match &case["tol"] {
                Value::String(s) => {
                    assert_eq!(s, "1% relative");
                    (g - w).abs() <= 0.01 * w.abs()
                }
                tol => (g - w).abs() <= f(tol),
            };
            assert!(ok, "case {n}: {got:?} vs {want:?}");
        }
        // The same numbers through the flow rule: net flows z with no protocol flow.
        let states: Vec<FlowState> = z.iter().map(|&x| FlowState::with_emas(x, 0.0)).collect();
        assert_eq!(flow_shares(&states, true, 0.0, f(&case["p"])), got);
    }
}

#[test]
fn coinbase_price_shares_alpha_in() {
    let v = vector("coinbase_price_shares_alpha_in");
    let inputs = &v["inputs"];
    let e = u(&inputs["block_emission_rao"]);
    let nets = subnets(&inputs["subnets"]);
    let shares = price_ema_shares(
        &nets
            .iter()
            .map(|(_, s)| enabled(f(&s["moving_price"])))
            .collect::<Vec<_>>(),
        PriceShareRule::MinerBurn,
    );
    let t = tao_to_rao_shares(e, &shares);
    for ((netuid, s), &t_i) in nets.iter().zip(&t) {
        let (tao, alpha) = (u(&s["tao_reserve"]), u(&s["alpha_reserve"]));
        let spot = tao as f64 / alpha as f64;
        // "Huge root stake, TaoWeight = 1": ρ ≈ 1, so ρ·A_out does not bind.
        let rho = root_proportion(1.0, 1_000_000_000_000_000, alpha);
        let inj = injection(
            t_i,
            spot,
            block_emission(alpha),
            rho,
            InjectionCap::RootProportion,
        );
        assert!(!inj.capped);
        assert_eq!(inj.tao_in, by_netuid(&v["expect"]["tao_in_rao"], *netuid));
        assert_eq!(
            alpha + inj.alpha_in,
            by_netuid(&v["expect"]["alpha_reserve_after"], *netuid),
            "netuid {netuid}"
        );
    }
}

#[test]
fn coinbase_price_shares_tao_in() {
    let v = vector("coinbase_price_shares_tao_in");
    let inputs = &v["inputs"];
    let e = u(&inputs["block_emission_rao"]);
    let tol = u(&v["tolerance"]);
    let nets = subnets(&inputs["subnets"]);
    let shares = price_ema_shares(
        &nets
            .iter()
            .map(|(_, s)| enabled(f(&s["moving_price"])))
            .collect::<Vec<_>>(),
        PriceShareRule::MinerBurn,
    );
    let t = tao_to_rao_shares(e, &shares);
    // The reserve grows by T_i whatever the cap: tao_in directly, excess through the chain
    // buy. Check with the cap binding fully (ρ = 0) and not at all (ρ = 1).
    for rho in [0.0, 1.0] {
        let mut minted = 0;
        for ((netuid, s), &t_i) in nets.iter().zip(&t) {
            let (tao, alpha) = (u(&s["tao_reserve"]), u(&s["alpha_reserve"]));
            let spot = tao as f64 / alpha as f64;
            let inj = injection(
                t_i,
                spot,
                block_emission(alpha),
                rho,
                InjectionCap::RootProportion,
            );
            let after = tao + inj.tao_in + inj.excess;
            let want = by_netuid(&v["expect"]["tao_reserve_after"], *netuid);
            assert!(
                after.abs_diff(want) <= tol,
                "ρ {rho}, netuid {netuid}: {after} vs {want}"
            );
            minted += inj.tao_in + inj.excess;
        }
        let want = u(&v["expect"]["total_issuance_increase"]);
        assert!(
            minted.abs_diff(want) <= tol,
            "ρ {rho}: minted {minted} vs {want}"
        );
    }
}

#[test]
fn coinbase_alpha_out_split_with_root() {
    let v = vector("coinbase_alpha_out_split_with_root");
    let inputs = &v["inputs"];
    let tol = u(&v["tolerance"]);
    let rho = root_proportion(
        f(&inputs["tao_weight"]),
        amount(&inputs["root_subnet_tao_rao"]),
        amount(&inputs["subnet_alpha_issuance_rao_after_mint"]),
    );
    assert!(
        (rho - f(&v["expect"]["root_proportion"])).abs() < 1e-12,
        "ρ {rho}"
    );
    let root_sell = root_sell_flag(&[f(&inputs["moving_price"])]);
    assert!(root_sell);
    let owner_cut = yumalab::yuma::fixed::u16_proportion(f(&inputs["owner_cut"]));
    let split = split_alpha_out(
        u(&inputs["alpha_out_per_block_rao"]),
        owner_cut,
        true,
        rho,
        root_sell,
    );
    let checks = [
        (split.server, "pending_server_rao"),
        (split.validator, "pending_validator_rao"),
        (split.root, "pending_root_alpha_rao"),
    ];
    for (got, key) in checks {
        let want = u(&v["expect"][key]);
        assert!(got.abs_diff(want) <= tol, "{key}: {got} vs {want}");
    }
    assert_eq!(split.owner, 0);
    assert_eq!(split.total(), u(&inputs["alpha_out_per_block_rao"]));
}

#[test]
fn coinbase_owner_cut() {
    let v = vector("coinbase_owner_cut");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 2);
    // The chain test runs one block at the default alpha emission, 1 α.
    let alpha_out = block_emission(0);
    for case in cases {
        let cut = u16::try_from(u(&case["subnet_owner_cut_u16"])).expect("u16");
        for (rho, sell) in [(0.0, true), (0.5, false), (1.0, true)] {
            let split = split_alpha_out(alpha_out, cut, true, rho, sell);
            assert_eq!(
                split.owner,
                u(&case["expect_pending_owner_cut_rao"]),
                "cut {cut}"
            );
            assert_eq!(split.total(), alpha_out);
        }
        // OwnerCutEnabled = false: no cut whatever the rate.
        assert_eq!(split_alpha_out(alpha_out, cut, false, 0.0, true).owner, 0);
    }
}

#[test]
fn halving_table_matches_block_emission() {
    let table = halving_table();
    assert_eq!(table.len(), LAST_HALVING as usize);
    assert_eq!(table[0].threshold, 10_500_000_000_000_000);
    for row in table {
        assert_eq!(block_emission(row.threshold), row.emission);
        assert_eq!(block_emission(row.threshold - 1) / 2, row.emission);
    }
}

// ------------------------------------------------------------------------ properties

/// A cap together with a `T_i` it can meet on the chain: `T_i = ⌊E·s⌋ ≤ E_block` for the caps
/// that read `E_block`; any `T_i` for the root-proportion cap.
fn cap_and_t() -> impl Strategy<Value = (InjectionCap, u64)> {
    let share = prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64];
    prop_oneof![
        (prop_oneof![0u64..=2_000_000_000, 0u64..=1_000_000_000_000_000])
            .prop_map(|t| (InjectionCap::RootProportion, t)),
        (0u64..=2_000_000_000, share.clone()).prop_map(|(e, s)| (
            InjectionCap::AlphaOutOrBlockEmission { block_emission: e },
            (e as f64 * s) as u64
        )),
        (0u64..=2_000_000_000, share).prop_map(|(e, s)| (
            InjectionCap::Subsidy { block_emission: e },
            (e as f64 * s) as u64
        )),
    ]
}

fn price_rule() -> impl Strategy<Value = PriceShareRule> {
    prop_oneof![
        Just(PriceShareRule::Dtao2025),
        Just(PriceShareRule::MinerBurn),
        Just(PriceShareRule::RootPropMinerBurn),
    ]
}

fn price_input() -> impl Strategy<Value = PriceShareInput> {
    (
        prop_oneof![Just(0.0), 0.0..2.0f64],
        prop_oneof![Just(0.0), Just(1.0), 0.0..1.5f64],
        prop_oneof![Just(0.0), 0.0..=1.0f64],
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(moving_price, miner_burned, root_prop, emission_enabled)| PriceShareInput {
                moving_price,
                miner_burned,
                root_prop,
                emission_enabled,
            },
        )
}

fn assert_shares(s: &[f64]) -> Result<(), TestCaseError> {
    prop_assert!(s.iter().all(|&x| x >= 0.0 && x.is_finite()), "{s:?}");
    let sum: f64 = s.iter().sum();
    prop_assert!(sum == 0.0 || (sum - 1.0).abs() < 1e-12, "sum {sum}: {s:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn emission_is_non_increasing(a in 0u64..=TOTAL_SUPPLY + 1000, b in 0u64..=TOTAL_SUPPLY + 1000) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(block_emission(lo) >= block_emission(hi));
    }

    #[test]
    fn emission_halves_at_each_threshold(k in 1u32..=LAST_HALVING, frac in 0.0..1.0f64) {
        let t = halving_threshold(k);
        prop_assert_eq!(block_emission(t), block_emission(t - 1) / 2);
        // Constant between thresholds.
        let next = halving_threshold(k + 1);
        let i = t + ((next - t) as f64 * frac) as u64;
        prop_assert_eq!(block_emission(i.min(next - 1)), block_emission(t));
    }

    #[test]
    fn burn_stays_in_bounds_and_decays(
        start in 0u64..=1_000_000_000_000,
        lo in 0u64..=1_000_000_000,
        span in 0u64..=100_000_000_000,
        half_life in 0u32..=2_000,
        mult in 1.0..3.0f64,
        events in prop::collection::vec(prop::bool::weighted(0.2), 1..50),
    ) {
        let (min, max) = (lo, lo + span);
        let mut b = BurnState::new(start, min, max, half_life, (mult * 18_446_744_073_709_551_616.0) as u128);
        for register in events {
            let before = b.burn;
            let in_bounds = (min..=max).contains(&before);
            if register {
                b.on_register();
                if in_bounds {
                    prop_assert!(b.burn >= before);
                }
            } else {
                b.on_block();
                if in_bounds {
                    prop_assert!(b.burn <= before, "decay raised {before} to {}", b.burn);
                }
            }
            prop_assert!((min..=max).contains(&b.burn), "{} outside [{min}, {max}]", b.burn);
        }
    }

    #[test]
    fn alpha_split_conserves_every_rao(
        alpha_out in prop_oneof![0u64..=2_000_000_000, any::<u64>()],
        cut in any::<u16>(),
        cut_enabled in any::<bool>(),
        rho in prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64],
        sell in any::<bool>(),
    ) {
        let s = split_alpha_out(alpha_out, cut, cut_enabled, rho, sell);
        prop_assert_eq!(s.total(), alpha_out);
        prop_assert!(s.dust <= 3, "{s:?}");
        let unused_root_bucket = if sell { s.recycled } else { s.root };
        prop_assert_eq!(unused_root_bucket, 0);
        prop_assert!(s.server >= s.validator, "{s:?}");
    }

    #[test]
    fn price_shares_are_a_distribution(
        subnets in prop::collection::vec(price_input(), 0..12),
        rule in price_rule(),
    ) {
        let s = price_ema_shares(&subnets, rule);
        prop_assert_eq!(s.len(), subnets.len());
        assert_shares(&s)?;
        for (x, sub) in s.iter().zip(&subnets) {
            prop_assert!(sub.emission_enabled || *x == 0.0);
        }
        let t = tao_to_rao_shares(1_000_000_000, &s);
        prop_assert!(t.iter().sum::<u64>() <= 1_000_000_000);
    }

    #[test]
    fn flow_shares_are_a_distribution(
        emas in prop::collection::vec((-1e9..1e9f64, -1e9..1e9f64), 0..12),
        net in any::<bool>(),
        cutoff in prop_oneof![Just(0.0), -1e9..1e9f64],
        p in prop_oneof![Just(1.0), 0.0..4.0f64],
    ) {
        let states: Vec<FlowState> = emas.iter().map(|&(u, q)| FlowState::with_emas(u, q)).collect();
        assert_shares(&flow_shares(&states, net, cutoff, p))?;
    }

    #[test]
    fn injection_splits_t_exactly_and_respects_cap(
        (cap, t_i) in cap_and_t(),
        price in prop_oneof![Just(0.0), 1e-9..1e3f64],
        alpha_out in 0u64..=1_000_000_000,
        rho in prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64],
    ) {
        let inj = injection(t_i, price, alpha_out, rho, cap);
        prop_assert_eq!(inj.tao_in + inj.excess, t_i);
        prop_assert!(inj.alpha_in <= cap.max_alpha_in(alpha_out, rho), "{inj:?} over {cap:?}");
    }
}
