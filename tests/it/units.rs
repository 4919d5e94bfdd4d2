//! Real units (issue 12 items 2 and 4): `tao_usd` as a constant, points or a seeded random
//! walk; group `costs` in USD and TAO per day; per-group TAO/day, USD/day, APY and share of
//! the network's emission; validators' genesis stakes following SN1's distribution or a fitted
//! law; the network panels of a world run (and their absence in an isolated one); bad input
//! refused all at once with positions; `yumalab report` rebuilds a priced run byte for byte.

use std::fs;
use std::path::PathBuf;

use crate::common::{self, yumalab};
use yumalab::scenario::{Costs, Scenario, StakeDistribution, TaoUsd};

fn parse(text: &str) -> Result<Scenario, Vec<String>> {
    Scenario::parse(text, "u.yaml", &[]).map_err(|e| e.0.iter().map(ToString::to_string).collect())
}

fn scenario(text: &str) -> Scenario {
    parse(text).unwrap_or_else(|e| panic!("{}", e.join("\n")))
}

fn scratch(test: &str) -> PathBuf {
    common::scratch_in("units", test)
}

/// An isolated subnet, one day, with `extra` top-level lines and `validators` / `miners`
/// group extras.
fn isolated(extra: &str, validators: &str, miners: &str) -> String {
    format!(
        "name: u\ndescription: units\nseed: 3\nduration: {{days: 1}}\n{extra}\
         subnets:\n  - {{name: sn, yuma: {{commit_reveal: false}}}}\n\
         population:\n\
         \x20 - {{group: validators, kind: honest-validator, subnet: sn, count: 3, balance: 10, genesis_stake: 3000{validators}}}\n\
         \x20 - {{group: miners, kind: honest-miner, subnet: sn, count: 4, balance: 2{miners}, params: {{quality: [{{model: static, quality: 0.5}}]}}}}\n\
         network: isolated\n"
    )
}

fn get(r: &yumalab::report::analysis::Results, name: &str) -> f64 {
    r.get(name)
        .unwrap_or_else(|| panic!("no metric `{name}` in {:?}", r.summary))
}

// ------------------------------------------------------------------------------ parsing

#[test]
fn tao_usd_reads_as_a_constant_points_a_step_path_or_a_walk() {
    let s = scenario(&isolated("tao_usd: 450\n", "", ""));
    assert_eq!(s.tao_usd, Some(TaoUsd::Constant(450.0)));
    let s = scenario(&isolated(
        "tao_usd: [{day: 0, price: 400}, {day: 0.5, price: 500}]\n",
        "",
        "",
    ));
    assert_eq!(
        s.tao_usd,
        Some(TaoUsd::Path {
            points: vec![(0.0, 400.0), (0.5, 500.0)],
            step: false
        })
    );
    let s = scenario(&isolated(
        "tao_usd: {path: [{day: 0, price: 400}, {day: 1, price: 500}], interpolation: step}\n",
        "",
        "",
    ));
    assert!(matches!(s.tao_usd, Some(TaoUsd::Path { step: true, .. })));
    let s = scenario(&isolated(
        "tao_usd: {start: 450, drift: 0.1, volatility: 0.7}\n",
        "",
        "",
    ));
    assert_eq!(
        s.tao_usd,
        Some(TaoUsd::Walk {
            start: 450.0,
            drift: 0.1,
            volatility: 0.7
        })
    );
    let s = scenario(&isolated(
        "tao_usd: 450\n",
        ", costs: {usd_per_day: 20, tao_per_day: 0.1}",
        "",
    ));
    assert_eq!(
        s.group("validators").unwrap().costs,
        Costs {
            usd_per_day: 20.0,
            tao_per_day: 0.1
        }
    );
    assert!(s.group("miners").unwrap().costs.is_zero());
}

#[test]
fn bad_units_are_refused_all_at_once_with_positions() {
    let text = "name: u\ndescription: units\nduration: {days: 1}\n\
        tao_usd: [{day: 0, price: 400}, {day: 5, price: 0}, {day: 3, price: 300}]\n\
        subnets:\n  - {name: sn, value_usd: 2}\n\
        population:\n\
        \x20 - {group: v, kind: honest-validator, subnet: sn, count: 65, genesis_stake: 10, stake_distribution: sn1-2025-11, costs: {usd_per_day: -1}}\n\
        \x20 - {group: w, kind: honest-validator, subnet: sn, stake_distribution: {law: pareto, sigma: 2}}\n\
        \x20 - {group: m, kind: honest-miner, subnet: sn, costs: {tao_per_day: -0.5, gpu: 3}}\nnetwork: isolated\n";
    let e = parse(text).unwrap_err();
    let has = |needle: &str| {
        assert!(
            e.iter().any(|p| p.contains(needle)),
            "no problem with `{needle}` in:\n{}",
            e.join("\n")
        );
    };
    has("u.yaml:4:49: `tao_usd[1].price`: must be a price in USD per TAO in (0, 1e9], got `0`");
    has(
        "u.yaml:4:59: `tao_usd[2].day`: days must increase strictly: must be greater than the previous point's day 5, got `3`",
    );
    has("`population[0].costs.usd_per_day`: must be USD per agent per day in [0, 1e9], got `-1`");
    has(
        "`population[0].stake_distribution`: preset `sn1-2025-11` has 64 stakes, the group has 65 agents",
    );
    has("`population[1].stake_distribution.sigma`: is not a parameter of the `pareto` law");
    has(
        "`population[1].stake_distribution`: splits the group's genesis stake, but `genesis_stake` is 0",
    );
    has(
        "`population[2].costs.tao_per_day`: must be TAO per agent per day in [0, 21 000 000], got `-0.5`",
    );
    has("`population[2].costs.gpu`: unknown field");
    has("u.yaml:6:27: `subnets[0].value_usd`: `2` needs `tao_usd`");
    // Every problem reported once, with a line and column.
    assert!(e.iter().all(|p| p.starts_with("u.yaml:")), "{e:?}");

    // A walk with a negative volatility and a non-positive start.
    let e = parse(&isolated(
        "tao_usd: {start: -3, drift: 0.1, volatility: -0.2}\n",
        "",
        "",
    ))
    .unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.contains("`tao_usd.start`: must be a price"))
    );
    assert!(
        e.iter().any(
            |p| p.contains("`tao_usd.volatility`: must be an annualised volatility in [0, 10]")
        ),
        "{e:?}"
    );
    // USD without a price: refused where the USD amount is written.
    let e = parse(&isolated("", ", costs: {usd_per_day: 20}", "")).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("`population[0].costs.usd_per_day`: `20` USD a day needs `tao_usd`"),
        "{e:?}"
    );
    assert!(e[0].starts_with("u.yaml:8:"), "{e:?}");
    let e = parse(&isolated("tao_usd: [3]\n", "", "")).unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.contains("`tao_usd[0]`: expected a mapping"))
    );
    let e = parse(&isolated("tao_usd: []\n", "", "")).unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.contains("at least one `{day, price}` point"))
    );
}

#[test]
fn the_cli_refuses_usd_costs_without_a_price_and_writes_nothing() {
    let dir = scratch("cli-refuses");
    let file = dir.join("bad.yaml");
    fs::write(&file, isolated("", "", ", costs: {usd_per_day: 30}")).unwrap();
    let out_dir = dir.join("out");
    let out = yumalab(&[
        "run",
        file.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`population[1].costs.usd_per_day`"), "{err}");
    assert!(!out_dir.join("summary.json").exists());
}

// ------------------------------------------------------------------------------ stakes

#[test]
fn genesis_stakes_follow_sn1_and_keep_the_group_total() {
    let s = scenario(&isolated("", ", stake_distribution: sn1-2025-11", ""));
    let g = s.group("validators").unwrap();
    assert_eq!(
        g.stake_distribution,
        StakeDistribution::Preset("sn1-2025-11")
    );
    assert_eq!(g.genesis_stakes.iter().sum::<u64>(), 3 * g.genesis_stake);
    // SN1's three largest: 645 173, 347 176, 171 449 (alpha-equivalent).
    let top = [
        645_173.460_056_565,
        347_176.493_912_055,
        171_448.593_695_552,
    ];
    let sum: f64 = top.iter().sum();
    for (k, &x) in g.genesis_stakes.iter().enumerate() {
        let want = 3.0 * 3000.0 * top[k] / sum;
        assert!((x as f64 / 1e9 - want).abs() < 1e-6, "{k}: {x} vs {want}");
    }
    // The simulation holds exactly those stakes at genesis.
    let (b, members) = s.build(3).unwrap();
    let sim = b.build().unwrap();
    let chain = sim.chain();
    let sn = chain.subnets.values().next().unwrap();
    for (m, want) in members
        .iter()
        .filter(|m| m.group == "validators")
        .zip(&g.genesis_stakes)
    {
        let held: u64 = sn
            .stakes
            .values()
            .map(|p| p.stake_of(m.identity.coldkey))
            .sum();
        assert_eq!(held, *want);
    }
    // The fitted laws: ordered, exact totals, and equal when asked.
    for law in ["{law: lognormal}", "{law: pareto, alpha: 1.2}", "equal"] {
        let s = scenario(&isolated("", &format!(", stake_distribution: {law}"), ""));
        let g = s.group("validators").unwrap();
        assert_eq!(g.genesis_stakes.iter().sum::<u64>(), 3 * g.genesis_stake);
        assert!(g.genesis_stakes.windows(2).all(|w| w[0] >= w[1]));
        if law == "equal" {
            assert!(g.genesis_stakes.iter().all(|&x| x == g.genesis_stake));
        } else {
            assert!(g.genesis_stakes[0] > g.genesis_stakes[2]);
        }
    }
}

// ------------------------------------------------------------------------------ analysis

#[test]
fn a_priced_run_reports_tao_and_usd_per_day_costs_and_apy() {
    let price = 400.0;
    let base = scenario(&isolated(&format!("tao_usd: {price}\n"), "", ""));
    let costly = scenario(&isolated(
        &format!("tao_usd: {price}\n"),
        ", costs: {usd_per_day: 40, tao_per_day: 0.05}",
        "",
    ));
    let a = yumalab::run::simulate(&base, base.seed).unwrap().results;
    let b = yumalab::run::simulate(&costly, costly.seed)
        .unwrap()
        .results;
    let days = get(&a, "run.days");
    assert!((days - 1.0).abs() < 1e-12);
    // The engine does not see USD: the chain's results are the same bytes.
    assert_eq!(
        get(&a, "group.validators.emission_tao"),
        get(&b, "group.validators.emission_tao")
    );
    let tao_day = get(&a, "group.validators.tao_per_day");
    assert!(tao_day > 0.0);
    assert_eq!(tao_day, get(&a, "group.validators.emission_tao") / days);
    assert!((get(&a, "group.validators.usd_per_day") / (tao_day * price) - 1.0).abs() < 1e-12);
    // Costs: 3 agents × (40 USD / 400 + 0.05 TAO) × 1 day = 0.45 TAO, out of profit.
    let costs = get(&b, "group.validators.costs_tao");
    assert!((costs - 0.45).abs() < 1e-9, "{costs}");
    assert!((get(&b, "group.validators.costs_usd") - 180.0).abs() < 1e-6);
    let dp = get(&a, "group.validators.profit_tao") - get(&b, "group.validators.profit_tao");
    assert!((dp - 0.45).abs() < 1e-9, "{dp}");
    // APY: net TAO a day × 365 over the capital (genesis TAO + genesis stake at its price).
    let capital = get(&b, "group.validators.capital_tao");
    assert!(capital > 30.0);
    let apy = get(&b, "group.validators.apy");
    assert!((apy - (tao_day - 0.45) * 365.0 / capital).abs() < 1e-9);
    // Isolated, the subnet takes (nearly) all the TAO issued.
    assert!(get(&a, "subnet.sn1.network_share") > 0.9);
    assert_eq!(get(&a, "units.tao_usd_mean"), price);
    // Isolated: no network panels, no network metrics.
    assert!(a.network.is_empty() && a.subnet_shares.is_empty());
    assert!(a.get("network.effective_paid_subnets").is_none());
    // Unpriced: TAO only, USD as NaN.
    let plain = scenario(&isolated("", "", ""));
    let c = yumalab::run::simulate(&plain, plain.seed).unwrap().results;
    assert!(get(&c, "group.validators.usd_per_day").is_nan());
    assert_eq!(get(&c, "group.validators.tao_per_day"), tao_day);
}

#[test]
fn a_random_walk_price_is_drawn_from_the_run_seed() {
    let s = scenario(&isolated(
        "tao_usd: {start: 450, drift: 0, volatility: 1.5}\n",
        "",
        "",
    ));
    let a = yumalab::report::units::Units::of(&s, 1);
    assert_eq!(a, yumalab::report::units::Units::of(&s, 1));
    assert_ne!(a, yumalab::report::units::Units::of(&s, 2));
    let path = a.tao_usd.unwrap();
    assert_eq!(path.points.first(), Some(&(0.0, 450.0)));
    assert_eq!(path.points.len(), 2);
}

#[test]
fn a_world_run_shows_the_subnet_in_its_network_and_report_rebuilds_it() {
    let dir = scratch("world");
    let file = dir.join("w.yaml");
    fs::write(
        &file,
        "name: w\ndescription: a priced subnet in the mainnet world\nnetwork: mainnet-2026-08\n\
         seed: 5\nduration: {blocks: 3600}\n\
         tao_usd: {start: 450, drift: 0.2, volatility: 0.8}\n\
         subnets:\n  - {name: mine, adopt: 81, value_usd: 0.5, yuma: {commit_reveal: false}}\n\
         population:\n\
         \x20 - {group: validators, kind: honest-validator, subnet: mine, count: 4, balance: 5, genesis_stake: 20000, stake_distribution: sn1-2025-11, costs: {usd_per_day: 25}, params: {noise: 0.05}}\n\
         \x20 - {group: miners, kind: honest-miner, subnet: mine, count: 6, balance: 5, costs: {usd_per_day: 40}, params: {quality: [{model: static, quality: 0.5}]}}\n",
    )
    .unwrap();
    let out_dir = dir.join("run");
    let out = common::run_ok(&file, &out_dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("In real units. validators (honest-validator, 4 agents) earn"),
        "{stdout}"
    );
    let summary = fs::read_to_string(out_dir.join("summary.json")).unwrap();
    let metric = |name: &str| -> f64 {
        let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
        v["metrics"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no `{name}` in {summary}"))
    };
    // The snapshot's network: 75 of 128 subnets paid, top 10 near 69 %, and an effective
    // number of paid subnets between 10 and 30 (1 / Σ s²). (Means over the 10 windows of 360
    // blocks: the first sees only the background subnets whose first epoch was paid in it, at
    // the background's first step, `world::background`.)
    let paid = metric("network.paid_subnets");
    assert!((70.0..=80.0).contains(&paid), "{paid}");
    let top10 = metric("network.top10_share");
    assert!((top10 - 0.69).abs() < 0.03, "{top10}");
    let eff = metric("network.effective_paid_subnets");
    assert!((10.0..30.0).contains(&eff), "{eff}");
    assert!(metric("network.gate_bar_mean") > 0.0);
    assert!(metric("network.median_price_end") > 0.0);
    let inj = metric("subnet.sn81.tao_injected");
    let buy = metric("subnet.sn81.tao_chain_buy");
    assert!((metric("subnet.sn81.tao_emission") - inj - buy).abs() < 1e-9);
    assert!(metric("subnet.sn81.price_vs_median_end") > 0.0);
    // Inflation against the real issued supply: the snapshot's 11.2 M TAO.
    let start = metric("inflation.start_issuance_tao");
    // The snapshot's issuance plus the scenario's 50 TAO of genesis balances.
    assert!((start - 11_206_969.34).abs() < 0.01, "{start}");
    assert!(metric("group.validators.usd_per_day") > 0.0);
    assert!(metric("inflation.value_produced_usd") > 0.0);
    let report = fs::read_to_string(out_dir.join("report.md")).unwrap();
    for needle in [
        "## In real units",
        "| group | kind | agents | TAO/day | USD/day |",
        "## The network",
        "charts/network.png",
        "charts/network-lorenz.png",
        "charts/network-paid.png",
        "charts/tao-usd.png",
        "Effective number of paid subnets",
    ] {
        assert!(report.contains(needle), "report.md lacks `{needle}`");
    }
    for chart in ["network", "network-lorenz", "network-paid", "tao-usd"] {
        assert!(
            out_dir.join(format!("charts/{chart}.svg")).exists(),
            "{chart}"
        );
    }
    // `yumalab report` converts with the recorded path (the random walk is not drawn again):
    // the same bytes, charts included.
    let files = [
        "summary.json",
        "report.md",
        "index.html",
        "charts/network.svg",
        "charts/tao-usd.svg",
    ];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| fs::read(out_dir.join(f)).unwrap())
        .collect();
    for f in files {
        fs::remove_file(out_dir.join(f)).unwrap();
    }
    let out = yumalab(&["report", out_dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (f, b) in files.iter().zip(before) {
        assert_eq!(fs::read(out_dir.join(f)).unwrap(), b, "{f}");
    }
}

#[test]
fn an_isolated_report_says_why_there_are_no_network_panels() {
    let dir = scratch("isolated");
    let file = dir.join("i.yaml");
    fs::write(&file, isolated("tao_usd: 300\n", "", "")).unwrap();
    let out_dir = dir.join("run");
    common::run_ok(&file, &out_dir);
    let report = fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(report.contains("Isolated world: the scenario's subnets are the whole network"));
    assert!(!report.contains("charts/network.png"));
    assert!(!out_dir.join("charts/network.svg").exists());
}

// ------------------------------------------------------------------------------ valuation

/// Holdings are valued at what they realise if sold through the pool, not at spot (issue 12):
/// a member's genesis capital is its free TAO plus its genesis stake as its coldkey alone
/// would realise it unstaking into the genesis pool (the chain's chunked sell at the swap
/// fee, the pool unchanged); a large position is worth visibly less than at spot, a tiny one
/// almost exactly spot less the fee; the end of the run is valued the same way.
#[test]
fn holdings_and_genesis_capital_are_valued_at_what_selling_realises() {
    use yumalab::chain::basket::{realizable, realizable_at_fee};
    use yumalab::report::summary::all_holdings;
    // Validators hold 3 000 alpha each; one holds a tenth of the pool's alpha reserve.
    let s = scenario(&isolated(
        "",
        ", stake_distribution: {law: pareto, alpha: 1.5}",
        "",
    ));
    let (b, members) = s.build(3).unwrap();
    let chain = b.chain();
    let (_, sn) = chain.subnets.iter().next().unwrap();
    let pool = sn.pool.clone();
    let fee = chain.params.swap_fee;
    assert!(fee > 0);
    let held = all_holdings(chain);
    let mut discounts = Vec::new();
    for m in members.iter().filter(|m| m.group == "validators") {
        let alpha: u64 = sn
            .stakes
            .values()
            .map(|p| p.stake_of(m.identity.coldkey))
            .sum();
        let q = realizable_at_fee(&pool, alpha, fee);
        assert_eq!(m.genesis, 10_000_000_000 + q.tao);
        assert_eq!(held[m.identity.coldkey.0 as usize], m.genesis as f64);
        // Less than fee-free, less than spot, and the pool is unchanged.
        assert!(q.tao < realizable(&pool, alpha).tao);
        let spot = alpha as f64 * pool.price();
        assert!((q.tao as f64) < spot);
        discounts.push((alpha, 1.0 - q.tao as f64 / spot));
    }
    assert_eq!(sn.pool, pool);
    // Concave: the largest position loses the largest fraction; every one loses at least the
    // fee (33/65535).
    discounts.sort_by_key(|d| d.0);
    assert!(
        discounts.windows(2).all(|w| w[0].1 < w[1].1),
        "{discounts:?}"
    );
    assert!(discounts[0].1 > 33.0 / 65535.0 * 0.99, "{discounts:?}");
    // Miners hold only TAO: valued 1:1.
    for m in members.iter().filter(|m| m.group == "miners") {
        assert_eq!(m.genesis, 2_000_000_000);
    }
}
