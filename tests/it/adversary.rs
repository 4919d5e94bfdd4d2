//! The adversary (`yumalab exploit` / `yumalab game`): the search finds a planted optimum
//! through noise, the gain estimator's interval covers, commit-reveal makes copying pay
//! less, results do not depend on the number of threads, and bad input is named.

use crate::common::yumalab;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yumalab::adversary::exploit::{
    Bound, FamilyObjective, Options, Runner, bounded_params, exploit_family, replicate_seed,
};
use yumalab::adversary::families::{all, by_name};
use yumalab::adversary::game::{Game, nearest, splits};
use yumalab::adversary::search::{Objective, Settings, min_budget, search};
use yumalab::adversary::stats::estimate;
use yumalab::adversary::{Context, Param, Role};
use yumalab::scenario::{Scenario, no_files, set_path};
use yumalab::yaml::{Node, Value, parse_tree};

/// A normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    let u: f64 = rng.random();
    let v: f64 = rng.random();
    mean + sd * (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A noisy objective with a known optimum: `x0 = 0.37`, `x1 = 12`, choice `b`.
struct Planted {
    calls: usize,
}

fn planted_params() -> Vec<Param> {
    vec![
        Param::real("x", 0.0, 1.0, "a real"),
        Param::int("k", 0, 30, "an integer"),
        Param::choice("c", &["a", "b"], "a choice"),
    ]
}

impl Objective for Planted {
    fn cost(&self, batch: &[(Vec<f64>, u32)]) -> usize {
        batch.len()
    }
    fn evaluate(&mut self, batch: &[(Vec<f64>, u32)]) -> Result<Vec<f64>, String> {
        self.calls += batch.len();
        Ok(batch
            .iter()
            .map(|(x, r)| {
                // Noise depends on the replicate only (common random numbers) plus a little on
                // the point, deterministically.
                let mut rng = ChaCha8Rng::seed_from_u64(u64::from(*r) * 7919 + 1);
                let common = normal(&mut rng, 0.0, 1.0);
                let bits = (x[0] * 1e6) as u64 ^ ((x[1] as u64) << 32) ^ (x[2] as u64) << 40;
                let mut rng2 = ChaCha8Rng::seed_from_u64(bits ^ u64::from(*r));
                let own = normal(&mut rng2, 0.0, 0.05);
                10.0 - 40.0 * (x[0] - 0.37).powi(2) - 0.02 * (x[1] - 12.0).powi(2)
                    + if x[2] == 1.0 { 1.0 } else { 0.0 }
                    + common
                    + own
            })
            .collect())
    }
}

#[test]
fn the_search_finds_a_planted_optimum_through_noise_within_its_budget() {
    let mut obj = Planted { calls: 0 };
    let settings = Settings {
        budget: 300,
        replicates: 3,
        profile: 5,
        main: 0,
    };
    let found = search(&planted_params(), &mut obj, settings).unwrap();
    let best = &found.points[found.best].x;
    assert!((best[0] - 0.37).abs() < 0.08, "x = {}", best[0]);
    assert!((best[1] - 12.0).abs() <= 3.0, "k = {}", best[1]);
    assert_eq!(best[2], 1.0, "choice b is better by 1");
    assert!(
        found.runs <= 300 && obj.calls == found.runs,
        "{} runs",
        found.runs
    );
    assert!(found.confirm.is_some());
    // The same objective and budget give the same search.
    let again = search(&planted_params(), &mut Planted { calls: 0 }, settings).unwrap();
    assert_eq!(found, again);
}

#[test]
fn the_gain_interval_covers_the_true_gain_95_percent_of_the_time() {
    // Paired gains with noise N(1.5, 2²), five replicates, 4000 trials.
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let trials = 4000;
    let mut covered = 0;
    for _ in 0..trials {
        let xs: Vec<f64> = (0..5).map(|_| normal(&mut rng, 1.5, 2.0)).collect();
        let e = estimate(&xs);
        if e.low <= 1.5 && 1.5 <= e.high {
            covered += 1;
        }
    }
    let rate = f64::from(covered) / f64::from(trials);
    assert!((0.935..=0.965).contains(&rate), "coverage {rate}");
    // One replicate gives no interval.
    assert!(estimate(&[1.0]).high.is_infinite());
}

#[test]
fn a_budget_below_the_replicates_needed_is_refused() {
    let e = search(
        &planted_params(),
        &mut Planted { calls: 0 },
        Settings {
            budget: min_budget(3) - 1,
            replicates: 3,
            profile: 0,
            main: 0,
        },
    )
    .unwrap_err();
    assert!(e.contains("--budget 17"), "{e}");
}

fn small(commit_reveal: bool, days: f64) -> (Node, Scenario) {
    let text = format!(
        "name: adv\ndescription: a small subnet for the adversary tests\nseed: 4\nnetwork: isolated\nduration: {{days: {days}}}\nsubnets:\n  - name: sn1\n    pool: {{tao: 5000, price: 0.02}}\n    yuma: {{version: yuma3, commit_reveal: {commit_reveal}, reveal_period_epochs: 3}}\n    burn: 0.1\npopulation:\n  - {{group: honest, kind: honest-validator, subnet: sn1, count: 4, balance: 1100, stake: 1000, params: {{noise: 0.1, cost_per_tempo: 0.05}}}}\n  - {{group: miners, kind: honest-miner, subnet: sn1, count: 6, balance: 20, params: {{quality: [{{model: random_walk, start: 0.5, step: 0.08}}]}}}}\n"
    );
    let tree = parse_tree(&text).unwrap();
    let s = Scenario::from_tree(&tree, "adv.yaml").unwrap_or_else(|e| panic!("{e}"));
    (tree, s)
}

fn mean_gain(commit_reveal: bool) -> f64 {
    let (tree, s) = small(commit_reveal, 2.0);
    let family = by_name("weight-copying").unwrap();
    let ctx = Context::new(&tree, &s, "adv.yaml", None, Role::Validator).unwrap();
    let mut runner = Runner::new(2).unwrap();
    let mut obj = FamilyObjective {
        ctx: &ctx,
        family,
        runner: &mut runner,
        read: &no_files,
    };
    let batch: Vec<(Vec<f64>, u32)> = (0..3).map(|r| (vec![0.0, 0.9, 0.0, 0.0], r)).collect();
    let g = obj.evaluate(&batch).unwrap();
    g.iter().sum::<f64>() / g.len() as f64
}

#[test]
fn copying_the_consensus_gains_more_without_commit_reveal_than_with_it() {
    let open = mean_gain(false);
    let hidden = mean_gain(true);
    assert!(open > hidden, "without {open}, with {hidden}");
}

#[test]
fn every_family_builds_a_valid_deviation_and_its_honest_counterpart() {
    for f in all() {
        let (tree, s) = if f.role() == Role::Delegator {
            delegators(0.1)
        } else {
            small(false, 0.1)
        };
        let ctx = Context::new(&tree, &s, "adv.yaml", None, f.role()).unwrap();
        let params = f.params();
        for corner in [0.0, 0.5, 1.0] {
            let x: Vec<f64> = params
                .iter()
                .map(|p| {
                    let (lo, hi) = p.bounds();
                    p.snap(lo + corner * (hi - lo))
                })
                .collect();
            for honest in [false, true] {
                let t = f.build(&ctx, &x, honest).unwrap();
                let d = Scenario::from_tree(&t, "adv.yaml")
                    .unwrap_or_else(|e| panic!("{} at {x:?}: {e}", f.name()));
                if f.role() == Role::Owner {
                    // The owner deviates: its miners (and change) or none.
                    let want = if honest { 0 } else { x[0] as u32 };
                    assert_eq!(d.subnets[0].owner_miners, want, "{x:?}");
                    assert_eq!(
                        d.subnets[0].owner_changes.len(),
                        usize::from(!honest && x[2] != 0.0)
                    );
                    assert!(!d.population.iter().any(|g| g.name == "deviator"));
                    continue;
                }
                let dev = d.population.iter().find(|g| g.name == "deviator").unwrap();
                if f.role() == Role::Delegator {
                    assert_eq!(dev.kind, "speculator");
                    let strategy = dev.params["strategy"].as_str().unwrap();
                    assert_eq!(strategy == "buy_and_hold", honest, "{x:?}");
                    continue;
                }
                let want = if honest {
                    f.role().honest_kind()
                } else {
                    dev.kind.as_str()
                };
                assert_eq!(dev.kind, want);
                if !honest {
                    assert_ne!(dev.kind, f.role().honest_kind(), "{}", f.name());
                }
            }
        }
    }
}

/// Two small subnets with validators and miners, and four passive delegators (100 TAO each
/// behind sn1's top validator).
fn delegators(days: f64) -> (Node, Scenario) {
    let mut text = String::from(
        "name: adv-delegators\ndescription: two small subnets and delegators\nseed: 6\nnetwork: isolated\n",
    );
    text.push_str(&format!("duration: {{days: {days}}}\nsubnets:\n"));
    for (sn, tao) in [("sn1", 3000), ("sn2", 6000)] {
        text.push_str(&format!(
            "  - {{name: {sn}, pool: {{tao: {tao}, price: 0.02}}, yuma: {{version: yuma3, commit_reveal: false}}, burn: 0.1}}\n"
        ));
    }
    text.push_str("population:\n");
    for (sn, stake) in [("sn1", 800), ("sn2", 300)] {
        text.push_str(&format!(
            "  - {{group: {sn}-validators, kind: honest-validator, subnet: {sn}, count: 3, balance: {b}, stake: {stake}, params: {{noise: 0.1}}}}\n  - {{group: {sn}-miners, kind: honest-miner, subnet: {sn}, count: 5, balance: 20, params: {{quality: [{{model: random_walk, start: 0.5, step: 0.08}}]}}}}\n",
            b = stake + 10
        ));
    }
    text.push_str("  - {group: holders, kind: speculator, subnet: sn1, count: 4, balance: 101, params: {strategy: buy_and_hold, budget: 100}}\n");
    let tree = parse_tree(&text).unwrap();
    let s = Scenario::from_tree(&tree, "adv.yaml").unwrap_or_else(|e| panic!("{e}"));
    (tree, s)
}

/// The gains of `family` at `x` on replicates `0..n`.
fn gains_at(tree: &Node, s: &Scenario, family: &str, x: Vec<f64>, n: u32) -> Vec<f64> {
    let family = by_name(family).unwrap();
    let ctx = Context::new(tree, s, "adv.yaml", None, family.role()).unwrap();
    let mut runner = Runner::new(2).unwrap();
    let mut obj = FamilyObjective {
        ctx: &ctx,
        family,
        runner: &mut runner,
        read: &no_files,
    };
    let batch: Vec<(Vec<f64>, u32)> = (0..n).map(|r| (x.clone(), r)).collect();
    obj.evaluate(&batch).unwrap()
}

#[test]
fn a_delegator_whose_threshold_no_trade_clears_gains_exactly_nothing() {
    let (tree, s) = delegators(1.0);
    // A margin of 100 % (momentum: a doubling over two tempos; yield chasing: twice the
    // dividends per unit stake) is never cleared here: exactly the passive staker's profit.
    for strategy in [0.0, 1.0] {
        let g = gains_at(&tree, &s, "delegator", vec![strategy, 1.0, 2.0, 1.0], 2);
        assert_eq!(g, vec![0.0, 0.0], "strategy {strategy}");
    }
    // Yield chasing without a margin leaves sn1 (800 TAO per validator) for sn2's
    // validators (300 TAO) and pays two swaps through small pools each way: a loss, about
    // proportional to the capital it trades.
    let all = gains_at(&tree, &s, "delegator", vec![1.0, 0.0, 2.0, 1.0], 2);
    let half = gains_at(&tree, &s, "delegator", vec![1.0, 0.0, 2.0, 0.5], 2);
    for (a, h) in all.iter().zip(&half) {
        assert!(*a < 0.0 && *h < 0.0, "{all:?} {half:?}");
        assert!((1.5..2.5).contains(&(a / h)), "{all:?} {half:?}");
    }
}

#[test]
fn the_owner_gains_nothing_from_doing_nothing_and_loses_the_burns_of_miners_it_runs() {
    let (tree, s) = small(false, 0.5);
    let g = gains_at(&tree, &s, "owner", vec![0.0, 0.5, 0.0, 0.5], 2);
    assert_eq!(g, vec![0.0, 0.0]);
    // Eight miners of quality 0: their registrations are paid, their incentive burned.
    let g = gains_at(&tree, &s, "owner", vec![8.0, 0.0, 0.0, 0.5], 2);
    assert!(g.iter().all(|x| *x < 0.0), "{g:?}");
}

fn exploit_table(jobs: usize) -> (Vec<f64>, String) {
    let (tree, s) = small(false, 0.3);
    let mut runner = Runner::new(jobs).unwrap();
    let options = Options {
        budget: 30,
        replicates: 2,
        deviator: Some("miners".into()),
        bounds: vec![],
    };
    let r = exploit_family(
        &tree,
        &s,
        "adv.yaml",
        by_name("copying-miners").unwrap(),
        &options,
        &mut runner,
        &no_files,
    )
    .unwrap();
    let gains: Vec<f64> = r
        .found
        .points
        .iter()
        .flat_map(|p| p.gains.clone())
        .collect();
    (gains, r.verdict())
}

#[test]
fn exploit_results_do_not_depend_on_the_number_of_threads() {
    let one = exploit_table(1);
    let two = exploit_table(2);
    assert!(!one.0.is_empty());
    assert_eq!(
        one.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        two.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(one.1, two.1);
}

#[test]
fn bad_input_is_named() {
    let e = by_name("bribery").err().unwrap();
    assert!(
        e.contains("unknown family `bribery`") && e.contains("cartel"),
        "{e}"
    );
    let (tree, s) = small(false, 0.1);
    let e = Context::new(&tree, &s, "adv.yaml", Some("whales"), Role::Validator).unwrap_err();
    assert!(
        e.contains("adv.yaml") && e.contains("`whales`") && e.contains("honest, miners"),
        "{e}"
    );
    let e = Context::new(&tree, &s, "adv.yaml", Some("honest"), Role::Miner).unwrap_err();
    assert!(
        e.contains("population[0]") && e.contains("cannot deviate as a miner"),
        "{e}"
    );
    let cartel = by_name("cartel").unwrap();
    let bound = |param: &str, lo: f64, hi: f64| Bound {
        family: "cartel".into(),
        param: param.into(),
        lo,
        hi,
    };
    let e = bounded_params(cartel, &[bound("stake_share", 0.5, 0.2)]).unwrap_err();
    assert!(
        e.contains("cartel.stake_share") && e.contains("empty"),
        "{e}"
    );
    let e = bounded_params(cartel, &[bound("miners", 2.2, 2.8)]).unwrap_err();
    assert!(e.contains("no integer"), "{e}");
    let e = bounded_params(cartel, &[bound("bribe", 0.0, 1.0)]).unwrap_err();
    assert!(e.contains("no parameter `bribe`"), "{e}");
    let ok = bounded_params(cartel, &[bound("stake_share", 0.1, 0.2)]).unwrap();
    assert_eq!(ok[0].bounds(), (0.1, 0.2));
    // The new families' deviators: a delegator needs a `speculator` group, an owner a
    // subnet; their bounds are checked like the others'.
    let e = Context::new(&tree, &s, "adv.yaml", None, Role::Delegator).unwrap_err();
    assert!(e.contains("no `speculator` group"), "{e}");
    let e = Context::new(&tree, &s, "adv.yaml", Some("miners"), Role::Delegator).unwrap_err();
    assert!(e.contains("cannot deviate as a delegator"), "{e}");
    let e = Context::new(&tree, &s, "adv.yaml", Some("sn9"), Role::Owner).unwrap_err();
    assert!(
        e.contains("no subnet `sn9`") && e.contains("subnets: sn1"),
        "{e}"
    );
    let owner = Context::new(&tree, &s, "adv.yaml", None, Role::Owner).unwrap();
    assert_eq!(owner.deviator_name(), "sn1/owner");
    for (family, param) in [("delegator", "threshold"), ("owner", "at")] {
        let b = Bound {
            family: family.into(),
            param: param.into(),
            lo: 0.5,
            hi: 0.2,
        };
        let e = bounded_params(by_name(family).unwrap(), &[b]).unwrap_err();
        assert!(
            e.contains(&format!("{family}.{param}")) && e.contains("empty"),
            "{e}"
        );
    }
    let e = by_name("whale").err().unwrap();
    assert!(e.contains("delegator") && e.contains("owner"), "{e}");
    // Seeds are the sweep's.
    assert_eq!(replicate_seed(4, 0), replicate_seed(4, 0));
    assert_ne!(replicate_seed(4, 0), replicate_seed(4, 1));
}

#[test]
fn a_game_where_honest_dominates_has_all_honest_as_its_only_stable_split() {
    let names = vec!["honest".to_owned(), "copier".to_owned(), "lazy".to_owned()];
    let sp = splits(4, 3);
    assert_eq!(sp.len(), 15);
    // Honest earns 10, copier 6 + 0.5 per honest agent (it copies them), lazy 5.
    let payoff = sp
        .iter()
        .map(|s| {
            vec![
                if s[0] > 0 { 10.0 } else { f64::NAN },
                if s[1] > 0 {
                    6.0 + 0.5 * f64::from(s[0])
                } else {
                    f64::NAN
                },
                if s[2] > 0 { 5.0 } else { f64::NAN },
            ]
        })
        .collect();
    let game = Game {
        names,
        n: 4,
        splits: sp.clone(),
        payoff,
        replicates: 1,
        days: 1.0,
    };
    let eq = game.equilibria();
    assert_eq!(eq.len(), 1);
    assert_eq!(sp[eq[0]], vec![4, 0, 0]);
    for x0 in game.starts() {
        let r = game.replicator(&x0);
        assert_eq!(nearest(&r, 4), vec![4, 0, 0], "from {x0:?}: {r:?}");
        let f = game.fictitious_play(&x0);
        assert!(f[0] > 0.9, "from {x0:?}: {f:?}");
    }
    assert_eq!(nearest(&[0.5, 0.25, 0.25], 4), vec![2, 1, 1]);
    assert_eq!(nearest(&[0.34, 0.33, 0.33], 4).iter().sum::<u32>(), 4);
}

#[test]
fn the_exploit_section_and_sweep_values_set_like_set() {
    // The shipped examples validate once their `exploit:` section is taken out.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/exploit");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let mut tree = parse_tree(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let section = yumalab::adversary::get(&tree, "exploit").cloned().unwrap();
        yumalab::adversary::remove(&mut tree, "exploit");
        let s =
            Scenario::from_tree(&tree, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.description.trim_end().contains('?'), "{}", p.display());
        let Value::Map(sweep) = &yumalab::adversary::get(&section, "sweep").unwrap().value else {
            panic!("{}: exploit.sweep", p.display())
        };
        let (path, values) = &sweep[0];
        let Value::Seq(values) = &values.value else {
            panic!()
        };
        for v in values {
            let mut t = tree.clone();
            set_path(&mut t, &path.key_text(), v.clone()).unwrap();
            Scenario::from_tree(&t, "x").unwrap_or_else(|e| panic!("{e}"));
        }
        for f in yumalab::adversary::get(&section, "families").map_or(vec![], |n| match &n.value {
            Value::Seq(items) => items.iter().map(Node::key_text).collect(),
            _ => vec![],
        }) {
            by_name(&f).unwrap();
        }
        n += 1;
    }
    assert!(n >= 4);
}

#[test]
fn the_commands_write_their_outputs_and_refuse_bad_input_with_exit_1() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("scenarios/exploit/copying-commit-reveal.yaml");
    let file = file.to_str().unwrap();
    let out = std::env::temp_dir().join(format!("yumalab-adv-cli-{}", std::process::id()));
    let dir = out.to_str().unwrap();
    let o = yumalab(&[
        "exploit",
        file,
        "--budget",
        "12",
        "--replicates",
        "2",
        "--jobs",
        "2",
        "--set",
        "duration={blocks: 600}",
        "-o",
        dir,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("weight-copying") && stdout.contains("Recommended"),
        "{stdout}"
    );
    for f in [
        "exploit.parquet",
        "report.md",
        "index.html",
        "charts/gain-weight-copying-subnets-0--yuma-commit-reveal-false.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("Exploitability across the setting"),
        "{report}"
    );
    let o = yumalab(&[
        "game",
        file,
        "--strategies",
        "honest,copier,uniform",
        "--replicates",
        "1",
        "--set",
        "duration={blocks: 400}",
        "--set",
        "population[honest].count=3",
        "-o",
        dir,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("game.parquet").exists() && out.join("charts/simplex.svg").exists());
    for (args, want) in [
        (
            vec!["exploit", file, "--families", "bribery"],
            "unknown family `bribery`",
        ),
        (
            vec!["exploit", file, "--deviator", "whales"],
            "no group `whales`",
        ),
        (
            vec!["exploit", file, "--deviator", "miners"],
            "cannot deviate as a validator",
        ),
        (
            vec!["exploit", file, "--budget", "3"],
            "--budget 3 is smaller",
        ),
        (
            vec![
                "exploit",
                file,
                "--bound",
                "weight-copying.stake_share=0.8..0.2",
            ],
            "empty",
        ),
        (
            vec!["game", file, "--strategies", "honest,bribe"],
            "unknown validator strategy",
        ),
        (
            vec!["game", file, "--strategies", "honest,momentum"],
            "no `speculator` group",
        ),
        (
            vec![
                "game",
                file,
                "--strategies",
                "honest,miners",
                "--role",
                "owner",
            ],
            "a subnet has one owner",
        ),
    ] {
        let o = yumalab(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn delegator_table(jobs: usize) -> (Vec<f64>, String) {
    let (tree, s) = delegators(0.3);
    let mut runner = Runner::new(jobs).unwrap();
    let options = Options {
        budget: 24,
        replicates: 2,
        deviator: None,
        bounds: vec![],
    };
    let r = exploit_family(
        &tree,
        &s,
        "adv.yaml",
        by_name("delegator").unwrap(),
        &options,
        &mut runner,
        &no_files,
    )
    .unwrap();
    assert_eq!(r.deviator, "holders");
    let gains = r
        .found
        .points
        .iter()
        .flat_map(|p| p.gains.clone())
        .collect();
    (gains, r.verdict())
}

#[test]
fn the_delegator_search_does_not_depend_on_the_number_of_threads() {
    let one = delegator_table(1);
    let two = delegator_table(2);
    assert!(one.0.len() >= 4 && one.0.iter().all(|g| g.is_finite()));
    assert_eq!(
        one.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        two.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert!(one.1.contains("delegator"), "{}", one.1);
    assert_eq!(one.1, two.1);
}

#[test]
fn a_copier_of_a_validator_gains_more_right_before_the_epoch_than_right_after_it() {
    // Without commit-reveal a validator's row is public as soon as it is set (at its phase
    // within the tempo): right before the epoch the copier submits this tempo's row, right
    // after it last tempo's.
    let (tree, s) = small(false, 2.0);
    let early = gains_at(&tree, &s, "weight-copying", vec![1.0, 0.9, 1.0, 0.0], 3);
    let late = gains_at(&tree, &s, "weight-copying", vec![1.0, 0.9, 1.0, 0.99], 3);
    let mean = |g: &[f64]| g.iter().sum::<f64>() / g.len() as f64;
    assert!(mean(&late) > mean(&early), "late {late:?}, early {early:?}");
    // The consensus is only refreshed by the epoch: when within the tempo it is copied
    // does not matter.
    let a = gains_at(&tree, &s, "weight-copying", vec![0.0, 0.9, 1.0, 0.0], 2);
    let b = gains_at(&tree, &s, "weight-copying", vec![0.0, 0.9, 1.0, 0.99], 2);
    assert_eq!(a, b);
}

#[test]
fn each_role_offers_its_strategies_and_owners_have_no_game() {
    use yumalab::adversary::game::{known, role_of, strategies};
    let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        known(Role::Validator),
        ["honest", "copier", "mix", "lazy", "stale", "uniform"]
    );
    assert_eq!(known(Role::Miner), ["honest", "copier", "sybil"]);
    assert_eq!(known(Role::Delegator), ["honest", "momentum", "yield"]);
    assert!(known(Role::Owner).is_empty());
    // Without --role: the first role offering every named strategy.
    assert_eq!(
        role_of(&names(&["honest", "copier", "lazy"])),
        Role::Validator
    );
    assert_eq!(role_of(&names(&["honest", "sybil"])), Role::Miner);
    assert_eq!(
        role_of(&names(&["honest", "momentum", "yield"])),
        Role::Delegator
    );
    assert_eq!(role_of(&names(&["honest", "bribe"])), Role::Validator);
    let d = strategies(Role::Delegator, &names(&["honest", "momentum", "yield"])).unwrap();
    assert!(d.iter().all(|s| s.kind == "speculator"), "{d:?}");
    let v = strategies(Role::Validator, &names(&["honest", "mix"])).unwrap();
    assert_eq!(v[1].kind, "weight-copier");
    let e = strategies(Role::Delegator, &names(&["honest", "sybil"])).unwrap_err();
    assert!(
        e.contains("unknown delegator strategy `sybil`") && e.contains("honest, momentum, yield"),
        "{e}"
    );
    let e = strategies(Role::Owner, &names(&["honest", "miners"])).unwrap_err();
    assert!(
        e.contains("one owner") && e.contains("--families owner"),
        "{e}"
    );
}

fn delegator_game(jobs: usize) -> Game {
    use yumalab::adversary::game::{estimate, strategies};
    let (tree, s) = delegators(0.5);
    let ctx = Context::new(&tree, &s, "adv.yaml", None, Role::Delegator).unwrap();
    let names = vec!["honest".to_owned(), "yield".to_owned()];
    let st = strategies(Role::Delegator, &names).unwrap();
    let mut runner = Runner::new(jobs).unwrap();
    estimate(&ctx, &st, 2, &mut runner, &no_files).unwrap()
}

#[test]
fn a_delegator_game_of_holding_against_yield_chasing() {
    let game = delegator_game(2);
    // Four holders, two strategies: five splits, a payoff where (and only where) a
    // strategy is played.
    assert_eq!(game.n, 4);
    assert_eq!(
        game.splits,
        vec![vec![4, 0], vec![3, 1], vec![2, 2], vec![1, 3], vec![0, 4]]
    );
    for (sp, p) in game.splits.iter().zip(&game.payoff) {
        assert_eq!(p.len(), 2);
        for k in 0..2 {
            assert_eq!(p[k].is_finite(), sp[k] > 0, "{sp:?}: {p:?}");
        }
    }
    // A yield chaser leaves sn1 (800 TAO per validator) for sn2's validators (300 TAO): its
    // two swaps through small pools cost more than the higher yield returns in half a day
    // (holding ≈ 63–72 TAO per agent, chasing ≈ 54–58), so holding beats chasing wherever
    // both are played, and all-honest is the only stable split.
    for (sp, p) in game.splits.iter().zip(&game.payoff) {
        if sp[0] > 0 && sp[1] > 0 {
            assert!(p[0] > p[1], "{sp:?}: {p:?}");
        }
    }
    let eq: Vec<&Vec<u32>> = game.equilibria().iter().map(|&i| &game.splits[i]).collect();
    assert_eq!(eq, vec![&vec![4, 0]]);
    for x0 in game.starts() {
        assert_eq!(nearest(&game.replicator(&x0), 4), vec![4, 0], "from {x0:?}");
    }
    // The same seeds give the same table whatever the threads.
    let again = delegator_game(1);
    let bits = |g: &Game| {
        g.payoff
            .iter()
            .flatten()
            .map(|x| x.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&game), bits(&again));
}

#[test]
fn the_weight_copying_family_copies_the_consensus_a_validator_or_the_stake_weighted_mix() {
    let family = by_name("weight-copying").unwrap();
    let params = family.params();
    let names: Vec<&str> = params.iter().map(|p| p.name).collect();
    assert_eq!(names, ["source", "stake_share", "timing", "delay"]);
    assert_eq!(
        params[0].kind,
        yumalab::adversary::ParamKind::Choice(vec!["consensus", "validator", "stake_weighted"])
    );
    let (tree, s) = small(false, 0.1);
    let ctx = Context::new(&tree, &s, "adv.yaml", None, Role::Validator).unwrap();
    for (source, want) in [
        (0.0, serde_json::json!({"source": "consensus"})),
        // The owner's hotkey is uid 0; the first other validator is uid 1.
        (1.0, serde_json::json!({"source": "validator", "uid": 1})),
        (2.0, serde_json::json!({"source": "stake_weighted"})),
    ] {
        let t = family.build(&ctx, &[source, 0.5, 0.0, 0.0], false).unwrap();
        let d = Scenario::from_tree(&t, "adv.yaml").unwrap_or_else(|e| panic!("{e}"));
        let dev = d.population.iter().find(|g| g.name == "deviator").unwrap();
        assert_eq!(dev.kind, "weight-copier");
        assert_eq!(dev.params, want);
    }
    // The scenario file names a bad source with its place, path, value and the choices.
    let text = "name: bad\ndescription: x\nseed: 1\nnetwork: isolated\nduration: {days: 1}\nsubnets:\n  - {name: sn1, pool: {tao: 5000, price: 0.02}, burn: 0.1}\npopulation:\n  - {group: h, kind: honest-validator, subnet: sn1, count: 2, balance: 1100, stake: 1000}\n  - {group: c, kind: weight-copier, subnet: sn1, balance: 100, params: {source: stake-weighted}}\n  - {group: d, kind: weight-copier, subnet: sn1, balance: 100, params: {source: stake_weighted, uid: 2}}\n";
    let e = Scenario::from_tree(&parse_tree(text).unwrap(), "bad.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.yaml:10:")
            && e.contains("`population[1].params`: unknown variant `stake-weighted`, expected one of `consensus`, `validator`, `stake_weighted`")
            && e.contains("bad.yaml:11:")
            && e.contains("`population[2].params`: `uid` is only used with `source: validator`"),
        "{e}"
    );
}

#[test]
fn a_gain_is_no_percentage_of_an_honest_return_that_is_a_loss() {
    use yumalab::adversary::exploit::FamilyResult;
    use yumalab::adversary::search::{Found, Phase, Point};
    let family = by_name("copying-miners").unwrap();
    let result = |honest: Vec<f64>| FamilyResult {
        family: family.name().into(),
        about: family.about().into(),
        deviator: "others".into(),
        params: family.params(),
        main: 0,
        found: Found {
            points: vec![Point {
                x: vec![1.0, 4.0],
                phase: Phase::Race,
                gains: vec![20.0, 21.0, 22.0],
            }],
            best: 0,
            confirm: None,
            runs: 6,
        },
        honest: estimate(&honest),
        days: 2.0,
    };
    // Honest play earns 4 TAO over 2 days: the gain of 21 TAO is 525 % of it.
    let earns = result(vec![3.0, 4.0, 5.0]);
    assert_eq!(earns.share_of_honest(21.0).as_deref(), Some("525.0 %"));
    let v = earns.verdict();
    assert!(
        v.contains("gains 10.500 TAO/day (525.0 % ± ") && v.contains("of the honest return"),
        "{v}"
    );
    // Honest play earns next to nothing (0.01 TAO over 2 days, under a tenth of the gain): no
    // percentage (it would be 210 000 %), the honest return is stated instead.
    let tiny = result(vec![0.01, 0.01, 0.01]);
    assert_eq!(tiny.share_of_honest(21.0), None);
    assert_eq!(tiny.share_of_honest(0.1).as_deref(), Some("1000.0 %"));
    let v = tiny.verdict();
    assert!(
        v.contains(
            "gains 10.500 TAO/day (the same capital earns only 0.005 TAO/day playing honest"
        ) && !v.contains("of the honest return"),
        "{v}"
    );
    // Honest play loses 0.6 TAO over 2 days: no percentage, the loss is stated instead.
    let loses = result(vec![-0.5, -0.6, -0.7]);
    assert_eq!(loses.share_of_honest(21.0), None);
    let v = loses.verdict();
    assert!(
        v.contains(
            "gains 10.500 TAO/day (the same capital loses 0.300 TAO/day playing honest; 95 % CI"
        ) && !v.contains("of the honest return"),
        "{v}"
    );
}
