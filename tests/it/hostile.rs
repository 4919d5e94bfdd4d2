//! Hostile scenarios, built from the schema: a valid scenario (amounts up to the supply) with
//! up to three hostile changes: a field replaced by a hostile value (huge, negative,
//! non-finite, of the wrong type) or removed, a list emptied or one item repeated; sometimes a
//! `--set` overrides an amount. Whatever comes out:
//! - nothing panics;
//! - the scenario is refused with problems that each name a field path, or it is accepted
//!   with every amount within the 21 000 000 supply per token (alone, times its count, and
//!   summed) and then runs a few hundred blocks without an error, conserving every rao
//!   (checked after every block in debug builds, and at the end).
//!
//! Cases: 256 by default (about a second); `PROPTEST_CASES=20000 cargo test --test it hostile`
//! for a campaign. About a fifth of the cases are accepted and run.
//! Also: one test per amount of item 1 of issue 10 with its exact message.

use proptest::prelude::*;
use yumalab::scenario::Scenario;

use crate::fuzz::targets::check_bounded;

/// A YAML value, written in flow style.
#[derive(Clone, Debug)]
enum V {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<V>),
    Map(Vec<(String, V)>),
}

impl V {
    fn yaml(&self) -> String {
        match self {
            V::Null => "null".into(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(x) if x.is_nan() => ".nan".into(),
            V::Float(x) if x.is_infinite() => if *x > 0.0 { ".inf" } else { "-.inf" }.into(),
            V::Float(x) => format!("{x:?}"),
            V::Str(s) => serde_json::to_string(s).expect("a string"),
            V::Seq(items) => format!(
                "[{}]",
                items.iter().map(V::yaml).collect::<Vec<_>>().join(", ")
            ),
            V::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.yaml()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Values no field accepts as they are, or only at its edge.
fn hostile() -> impl Strategy<Value = V> {
    prop_oneof![
        Just(V::Int(-1)),
        Just(V::Int(0)),
        Just(V::Int(i128::from(u64::MAX) + 1)),
        Just(V::Int(1 << 63)),
        Just(V::Int(21_000_001)),
        Just(V::Float(1e300)),
        Just(V::Float(-1e-300)),
        Just(V::Float(f64::NAN)),
        Just(V::Float(f64::INFINITY)),
        Just(V::Float(f64::NEG_INFINITY)),
        Just(V::Null),
        Just(V::Bool(true)),
        Just(V::Str("x".into())),
        Just(V::Seq(vec![])),
        Just(V::Map(vec![])),
        (0u64..u64::MAX).prop_map(|x| V::Int(i128::from(x))),
        any::<f64>().prop_map(V::Float),
    ]
}

fn tao(lo: f64, hi: f64) -> impl Strategy<Value = V> {
    prop_oneof![
        30 => (lo..hi).prop_map(V::Float),
        3 => (lo as i128..hi as i128 + 1).prop_map(V::Int),
        1 => Just(V::Int(21_000_000)),
    ]
}

fn map(fields: Vec<(&str, V)>) -> V {
    V::Map(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A valid subnet named `sn{k}`.
fn subnet(k: usize) -> impl Strategy<Value = V> {
    (
        1i128..400,
        tao(1.0, 2e4),
        1e-3..10.0,
        0.0..1.0,
        32i128..256,
        tao(0.0, 1e6),
        0.0..=1.0,
    )
        .prop_map(
            move |(tempo, pool_tao, price, burn, max_uids, owner, kappa)| {
                map(vec![
                    ("name", V::Str(format!("sn{k}"))),
                    ("tempo", V::Int(tempo)),
                    (
                        "pool",
                        map(vec![("tao", pool_tao), ("price", V::Float(price))]),
                    ),
                    ("burn", V::Float(burn)),
                    ("max_uids", V::Int(max_uids)),
                    ("owner", map(vec![("balance", owner)])),
                    ("yuma", map(vec![("kappa", V::Float(kappa))])),
                ])
            },
        )
}

const PRESETS: &[&str] = &[
    "honest-miner/strong",
    "honest-miner/weak",
    "honest-validator/careful",
    "weight-copier/consensus",
    "lazy-validator/stale",
    "speculator/holder",
    "speculator/momentum",
];

/// A valid group named `g{k}` on subnet `sn0`.
fn group(k: usize) -> impl Strategy<Value = V> {
    (
        prop::sample::select(PRESETS),
        0i128..6,
        tao(2e3, 1e5),
        (0.0..1e3).prop_map(V::Float),
        (0.0..1e3).prop_map(V::Float),
        tao(0.0, 1e5),
        0.0..10.0,
    )
        .prop_map(
            move |(preset, count, balance, stake, root_stake, genesis, cost)| {
                let mut g = vec![
                    ("group", V::Str(format!("g{k}"))),
                    ("preset", V::Str(preset.into())),
                    ("subnet", V::Str("sn0".into())),
                    ("count", V::Int(count)),
                    ("balance", balance),
                    ("stake", stake),
                    ("root_stake", root_stake),
                    ("genesis_stake", genesis),
                ];
                if !preset.starts_with("speculator") {
                    g.push(("params", map(vec![("cost_per_tempo", V::Float(cost))])));
                }
                map(g)
            },
        )
}

/// A valid scenario (amounts up to the supply, so some sums go beyond it).
fn valid() -> impl Strategy<Value = V> {
    (
        0i128..1000,
        1i128..300,
        tao(0.0, 1.5e7),
        0.0..1.0,
        (1usize..3).prop_flat_map(|n| (0..n).map(subnet).collect::<Vec<_>>()),
        (0usize..5).prop_flat_map(|n| (0..n).map(group).collect::<Vec<_>>()),
    )
        .prop_map(|(seed, blocks, issuance, tao_weight, subnets, groups)| {
            map(vec![
                ("name", V::Str("h".into())),
                ("description", V::Str("hostile".into())),
                ("seed", V::Int(seed)),
                ("duration", map(vec![("blocks", V::Int(blocks))])),
                (
                    "chain",
                    map(vec![
                        ("issuance", issuance),
                        ("tao_weight", V::Float(tao_weight)),
                    ]),
                ),
                ("subnets", V::Seq(subnets)),
                ("population", V::Seq(groups)),
            ])
        })
}

/// How many nodes the tree has (a mutation picks one by its index, depth first).
fn count(v: &V) -> usize {
    1 + match v {
        V::Seq(items) => items.iter().map(count).sum(),
        V::Map(entries) => entries.iter().map(|(_, x)| count(x)).sum(),
        _ => 0,
    }
}

/// One hostile change at node `target` (depth first, the root is 0): replaced by `value`,
/// removed from its mapping, or (a list) emptied or one item repeated `times` times.
fn mutate(v: &mut V, target: &mut usize, how: u8, value: &V, times: usize) -> bool {
    if *target == 0 {
        match (how, &mut *v) {
            (0, V::Seq(items)) => items.clear(),
            (1, V::Seq(items)) if !items.is_empty() => *items = vec![items[0].clone(); times],
            _ => *v = value.clone(),
        }
        return true;
    }
    *target -= 1;
    match v {
        V::Seq(items) => items
            .iter_mut()
            .any(|x| mutate(x, target, how, value, times)),
        V::Map(entries) => {
            for k in 0..entries.len() {
                if *target == 0 && how == 2 {
                    entries.remove(k);
                    return true;
                }
                if mutate(&mut entries[k].1, target, how, value, times) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// A scenario's text and its `--set` overrides: a valid scenario with up to four hostile
/// changes (none in about a quarter of the cases), and sometimes a hostile `--set`.
fn scenario() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    (
        valid(),
        prop_oneof![
            1 => Just(Vec::new()),
            3 => prop::collection::vec((any::<usize>(), 0u8..4, hostile(), 2usize..60), 1..4),
        ],
        prop::option::weighted(0.15, (0usize..4, hostile())),
    )
        .prop_map(|(mut doc, changes, set)| {
            for (at, how, value, times) in changes {
                // Any node but the document itself (a document that is not a mapping is
                // refused at 1:1, with no field to name).
                let mut target = 1 + at % (count(&doc) - 1);
                mutate(&mut doc, &mut target, how, &value, times);
            }
            let text = match &doc {
                V::Map(entries) => entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}\n", v.yaml()))
                    .collect(),
                other => format!("{}\n", other.yaml()),
            };
            let overrides = set
                .map(|(k, v)| {
                    let path = ["balance", "stake", "genesis_stake", "count"][k];
                    vec![(format!("population[0].{path}"), v.yaml())]
                })
                .unwrap_or_default();
            (text, overrides)
        })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn hostile_scenarios_are_refused_with_paths_or_run_and_conserve(
        (text, overrides) in scenario()
    ) {
        match Scenario::parse(&text, "p.yaml", &overrides) {
            Err(problems) => {
                prop_assert!(!problems.0.is_empty());
                for p in &problems.0 {
                    prop_assert!(!p.path.is_empty(), "no path: {p}\nin:\n{text}");
                    prop_assert!(!p.message.is_empty(), "no message: {p:?}");
                }
            }
            Ok(s) => {
                check_bounded(&s);
                let agents: u64 = s.population.iter().map(|g| u64::from(g.count)).sum();
                if agents <= 64 {
                    let mut s = s;
                    s.blocks = s.blocks.min(300);
                    let out = yumalab::run::simulate(&s, s.seed);
                    prop_assert!(out.is_ok(), "{:?}\nin:\n{text}", out.err());
                    let out = out.expect("ok");
                    prop_assert!(out.simulation.chain().check_conservation().is_ok());
                    prop_assert!(out.simulation.chain().check_supply().is_ok());
                }
            }
        }
    }
}

fn problems(text: &str, set: &[(&str, &str)]) -> Vec<String> {
    let set: Vec<(String, String)> = set
        .iter()
        .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
        .collect();
    Scenario::parse(text, "s.yaml", &set)
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = "name: s\ndescription: d\nduration: {blocks: 100}\n";

#[test]
fn every_amount_is_bounded_by_the_supply_with_its_place_value_and_bound() {
    let text = format!(
        "{HEAD}chain: {{stake_threshold: 1e30}}
subnets:
  - {{name: a, pool: {{tao: 21000001, price: 1}}, owner: {{balance: 9223372036854775808}}}}
  - {{name: b, pool: {{tao: 1000, price: 1e-12}}}}
population:
  - {{group: g, preset: honest-miner/strong, subnet: a, balance: 18446744073709551616, stake: -1, root_stake: .inf, genesis_stake: .nan}}
  - {{group: h, preset: honest-miner/strong, subnet: a, params: {{cost_per_tempo: 1e12}}}}
network: isolated\n"
    );
    let got = problems(&text, &[]);
    let want = [
        "s.yaml:4:26: `chain.stake_threshold`: must be TAO in [0, 21 000 000] (the whole supply), got `1e30`",
        "s.yaml:6:27: `subnets[0].pool.tao`: must be TAO in (0, 21 000 000] (the whole supply), got `21000001`",
        "s.yaml:6:65: `subnets[0].owner.balance`: must be TAO in [0, 21 000 000] (the whole supply), got `9223372036854775808`",
        "s.yaml:7:21: `subnets[1].pool`: `tao` / `price` = 1000 / 0.000000000001 = 1000000000000000 alpha in the pool, more than the 21 000 000 alpha supply of a subnet",
        "s.yaml:9:65: `population[0].balance`: must be TAO in [0, 21 000 000] (the whole supply), got `1.8446744073709552e19`",
        "s.yaml:9:94: `population[0].stake`: must be TAO in [0, 21 000 000] (the whole supply), got `-1`",
        "s.yaml:9:110: `population[0].root_stake`: must be TAO in [0, 21 000 000] (the whole supply), got `inf`",
        "s.yaml:9:131: `population[0].genesis_stake`: must be alpha in [0, 21 000 000] (the whole supply), got `NaN`",
        "s.yaml:10:81: `population[1].params.cost_per_tempo`: must be TAO in [0, 21 000 000] (the whole supply), got `1000000000000`",
    ];
    assert_eq!(got, want);
}

#[test]
fn counts_multiply_amounts_and_the_world_sums_to_the_supply() {
    let text = format!(
        "{HEAD}chain: {{issuance: 1000000}}
subnets: [{{name: a, pool: {{tao: 1000, price: 0.01}}}}]
population:
  - {{group: g, preset: honest-miner/strong, subnet: a, count: 100, balance: 300000}}
  - {{group: h, preset: honest-miner/strong, subnet: a, count: 10, genesis_stake: 2100000}}
network: isolated\n"
    );
    let got = problems(&text, &[]);
    let want = [
        "s.yaml:7:77: `population[0].balance`: 100 agents × `300000` TAO = 30000000 TAO brings the TAO at genesis to 31001000 TAO (chain.issuance 1000000, subnet pools 1000, owner balances 0, agent balances 30000000), more than the 21 000 000 TAO supply",
        "s.yaml:8:82: `population[1].genesis_stake`: 10 agents × `2100000` alpha = 21000000 alpha brings subnet `a` to 21100000 alpha at genesis (100000 in its pool, 21000000 of genesis stake): at the 21 000 000 alpha supply it could never emit",
    ];
    assert_eq!(got, want);
    // Exactly the supply, summed, is accepted.
    let ok = text
        .replace("count: 100, balance: 300000", "count: 100, balance: 199990")
        .replace(
            "count: 10, genesis_stake: 2100000",
            "count: 10, genesis_stake: 2000000",
        );
    let s = Scenario::parse(&ok, "s.yaml", &[]).unwrap();
    check_bounded(&s);
}

#[test]
fn set_values_are_bounded_like_the_file() {
    let text = format!(
        "{HEAD}subnets: [{{name: a}}]
population: [{{group: g, preset: honest-miner/strong, subnet: a, balance: 10}}]
network: isolated\n"
    );
    let got = problems(&text, &[("population[g].balance", "1e20")]);
    assert_eq!(
        got,
        [
            "s.yaml: `population[0].balance`: must be TAO in [0, 21 000 000] (the whole supply), got `1e20` (a `--set` value)"
        ]
    );
    let got = problems(
        &text,
        &[
            ("population[g].count", "100000"),
            ("population[g].balance", "1000"),
            ("population[g].register", "false"),
        ],
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("s.yaml: `population[0].balance`: 100000 agents × `1000` TAO = 100000000 TAO brings the TAO at genesis"),
        "{got:?}"
    );
}

#[test]
fn a_population_too_large_to_hold_is_refused() {
    let text = format!(
        "{HEAD}subnets: [{{name: a}}]
population: [{{group: g, preset: honest-miner/strong, subnet: a, count: 100000, hotkeys: 4096, register: false}}]
network: isolated\n"
    );
    assert_eq!(
        problems(&text, &[]),
        [
            "s.yaml:5:13: `population`: the scenario creates 409600001 hotkeys (agents × hotkeys per agent, owners included), more than 1000000"
        ]
    );
}

/// Issue 10: a group balance of 2^63 or 2^64 TAO used to run and die at its last block with
/// "conservation broken".
#[test]
fn regression_issue_10_huge_balances_are_refused_before_the_run() {
    for balance in ["9223372036854775808", "18446744073709551616"] {
        let text = format!(
            "{HEAD}subnets: [{{name: a}}]
population: [{{group: g, preset: honest-miner/strong, subnet: a, balance: {balance}}}]
network: isolated\n"
        );
        let got = problems(&text, &[]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].contains("`population[0].balance`: must be TAO in [0, 21 000 000]"),
            "{got:?}"
        );
    }
}

/// Found by the scenario fuzz target: `days: 1e-320` is > 0 but rounds to 0 blocks, and the
/// run then failed to build ("no end block") as an internal error.
#[test]
fn regression_fuzz_days_that_round_to_no_block_are_refused() {
    let text = "name: s\ndescription: d\nduration: {days: 1e-320}\nsubnets: [{name: a}]\nnetwork: isolated\n";
    assert_eq!(
        problems(text, &[]),
        [
            "s.yaml:3:18: `duration.days`: must be a number of days in (0, 36500] that is at least one block (1/7200 day), got `1e-320`"
        ]
    );
    let s = Scenario::parse(&text.replace("1e-320", "0.0001"), "s.yaml", &[]).unwrap();
    assert_eq!(s.blocks, 1);
}

/// The engine refuses genesis money beyond a supply, naming what overflowed, and never wraps.
#[test]
fn the_builder_refuses_genesis_money_beyond_the_supply() {
    use yumalab::chain::params::{ChainParams, Regime, SubnetParams};
    use yumalab::engine::{BuildError, SimulationBuilder};
    const TAO: u64 = 1_000_000_000;
    let mut b = SimulationBuilder::new(ChainParams::for_regime(Regime::Y2026_06));
    b.coldkey("a", 15_000_000 * TAO);
    b.coldkey("b", 7_000_000 * TAO);
    b.end_at(10);
    let err = b.build().err().expect("refused");
    assert_eq!(
        err.to_string(),
        "genesis money beyond the supply: TotalIssuance with the genesis balance of coldkey `b` \
         would be 22000000000000000 rao, more than the supply of 21000000000000000 rao \
         (21 000 000 tokens)"
    );
    // Amounts a u64 cannot add: saturated, never wrapped, and refused.
    let mut b = SimulationBuilder::new(ChainParams::for_regime(Regime::Y2026_06));
    let a = b.coldkey("a", u64::MAX);
    b.coldkey("b", u64::MAX);
    assert_eq!(b.chain().total_issuance, u64::MAX);
    let h = b.hotkey("h", a);
    let n = b.subnet(SubnetParams::default(), a, h, TAO, TAO, Some(1));
    b.stake_at_genesis(a, h, n, u64::MAX).unwrap();
    b.stake_at_genesis(a, h, n, u64::MAX).unwrap();
    assert_eq!(b.chain().subnets[&n].alpha_out, u64::MAX);
    b.end_at(10);
    assert!(matches!(b.build(), Err(BuildError::Supply(_))));
    // Alpha alone: a genesis stake that takes a subnet past its supply.
    let mut b = SimulationBuilder::new(ChainParams::for_regime(Regime::Y2026_06));
    let a = b.coldkey("a", 0);
    let h = b.hotkey("h", a);
    let n = b.subnet(SubnetParams::default(), a, h, TAO, 1_000 * TAO, Some(1));
    b.stake_at_genesis(a, h, n, 21_000_000 * TAO).unwrap();
    b.end_at(10);
    let err = b.build().err().expect("refused");
    assert!(
        err.to_string().contains(
            "subnet 1 alpha issuance with a genesis stake would be 21001000000000000 rao"
        ),
        "{err}"
    );
}
