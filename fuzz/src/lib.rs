//! The bodies of yumalab's fuzz targets, shared by `cargo fuzz` (fuzz_targets/, libFuzzer,
//! nightly) and the stable-Rust harness in tests/it/fuzz.rs, which includes this file.
//!
//! Each target takes arbitrary bytes and panics only if yumalab breaks a promise:
//! - a refused input yields at least one problem, and every problem names a line or a field
//!   path and says what is wrong (printing it shows no raw control character);
//! - an accepted scenario keeps every amount within the 21 000 000 supply per token, alone,
//!   multiplied by its group's count, and summed over what exists at genesis;
//! - an accepted scenario (if small) builds and runs [`BLOCKS`] blocks without an error, with
//!   conservation to the rao (checked after every block in debug and fuzz builds);
//! - an accepted replay runs, and every number it produces is finite.

use yumalab::chain::emission::TOTAL_SUPPLY;
use yumalab::replay::{Format, Problem, Replay};
use yumalab::scenario::{Problems, Scenario, parse_override};

/// What one execution did (for the stable harness's counts; libFuzzer ignores it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Not UTF-8: not read.
    Skipped,
    /// Refused, every problem properly named.
    Refused,
    /// Accepted, within bounds, but too large to run here.
    Accepted,
    /// Accepted and run (a scenario for [`BLOCKS`] blocks, a replay to its end).
    Ran,
}

/// Blocks an accepted scenario is run for.
pub const BLOCKS: u64 = 120;

/// The scenario `--set` values are applied to.
pub const SET_BASE: &str = include_str!("../../scenarios/weight-copying.yaml");

/// Target `scenario`: the bytes as a scenario file.
pub fn scenario(data: &[u8]) -> Verdict {
    match std::str::from_utf8(data) {
        Ok(text) => check_scenario(text, "fuzz.yaml", &[]),
        Err(_) => Verdict::Skipped,
    }
}

/// Target `set`: each line of the bytes (at most 8) is a `--set PATH=VALUE` argument, applied
/// to [`SET_BASE`].
pub fn set(data: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(data) else {
        return Verdict::Skipped;
    };
    let mut overrides = Vec::new();
    for line in text.lines().take(8) {
        match parse_override(line) {
            Ok(o) => overrides.push(o),
            Err(e) => assert!(!e.is_empty(), "an empty --set error for {line:?}"),
        }
    }
    check_scenario(SET_BASE, "weight-copying.yaml", &overrides)
}

/// Target `replay`: the bytes as a replay file, read both as JSON and as YAML (the verdict
/// is the furthest either got).
pub fn replay(data: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(data) else {
        return Verdict::Skipped;
    };
    let mut verdict = Verdict::Refused;
    for format in [Format::Json, Format::Yaml] {
        match Replay::parse(text, "fuzz", format) {
            Ok(r) => {
                let n = r.validators().len() + r.miners().len();
                if n.saturating_mul(n).saturating_mul(r.epoch_count()) > 4_000_000 {
                    verdict = verdict.max(Verdict::Accepted);
                    continue; // valid, but too slow to run here
                }
                verdict = Verdict::Ran;
                let result = r
                    .run()
                    .unwrap_or_else(|e| panic!("a validated replay failed to run: {e}"));
                assert_eq!(result.epochs.len(), r.epoch_count());
                for e in &result.epochs {
                    for v in [
                        &e.stake,
                        &e.consensus,
                        &e.incentive,
                        &e.dividends,
                        &e.validator_trust,
                    ] {
                        assert!(
                            v.iter().all(|x| x.is_finite()),
                            "a non-finite output: {v:?}"
                        );
                    }
                }
            }
            Err(e) => {
                assert!(!e.problems.is_empty(), "refused without a problem");
                for p in &e.problems {
                    match p {
                        Problem::Syntax { message, .. } => assert!(!message.is_empty()),
                        Problem::Invalid { path, message, .. } => {
                            assert!(!path.is_empty(), "a problem without a path: {p}");
                            assert!(!message.is_empty(), "a problem without a message: {p}");
                        }
                    }
                }
                let shown = e.to_string();
                assert!(
                    !shown.chars().any(|c| c.is_control() && c != '\n'),
                    "a raw control character in {shown:?}"
                );
            }
        }
    }
    verdict
}

/// Reads `text` with `overrides`; checks the problems, or the accepted scenario.
pub fn check_scenario(text: &str, file: &str, overrides: &[(String, String)]) -> Verdict {
    match Scenario::parse(text, file, overrides) {
        Err(problems) => {
            check_problems(&problems);
            Verdict::Refused
        }
        Ok(s) => {
            check_bounded(&s);
            if run_briefly(&s) {
                Verdict::Ran
            } else {
                Verdict::Accepted
            }
        }
    }
}

/// Every problem says where (a line or a field path) and what.
pub fn check_problems(problems: &Problems) {
    assert!(!problems.0.is_empty(), "refused without a problem");
    for p in &problems.0 {
        assert!(!p.message.is_empty(), "a problem without a message: {p:?}");
        assert!(
            p.line > 0 || !p.path.is_empty(),
            "a problem with neither a line nor a path: {p:?}"
        );
        let _ = p.to_string();
    }
}

/// Every amount of an accepted scenario is within the supply of its token.
pub fn check_bounded(s: &Scenario) {
    let supply = u128::from(TOTAL_SUPPLY);
    let mut tao = u128::from(s.external_issuance);
    for sn in &s.subnets {
        tao += u128::from(sn.pool_tao) + u128::from(sn.owner_balance);
        let pool_alpha = (sn.pool_tao as f64 / sn.pool_price).round();
        assert!(
            pool_alpha <= TOTAL_SUPPLY as f64,
            "subnet `{}` accepted with {pool_alpha} rao of pool alpha",
            sn.name
        );
    }
    for (k, sn) in s.subnets.iter().enumerate() {
        let genesis: u128 = s
            .population
            .iter()
            .filter(|g| g.subnet == k)
            .map(|g| u128::from(g.count) * u128::from(g.genesis_stake))
            .sum();
        let pool_alpha = (sn.pool_tao as f64 / sn.pool_price).round() as u128;
        assert!(
            genesis == 0 || genesis + pool_alpha < supply,
            "subnet `{}` accepted with {genesis} rao of genesis stake",
            sn.name
        );
    }
    for g in &s.population {
        for (what, amount) in [
            ("balance", g.balance),
            ("stake", g.stake),
            ("root_stake", g.root_stake),
            ("genesis_stake", g.genesis_stake),
        ] {
            assert!(
                u128::from(amount) <= supply,
                "group `{}` accepted with {what} {amount}",
                g.name
            );
        }
        assert!(g.stake + g.root_stake <= g.balance, "group `{}`", g.name);
        tao += u128::from(g.count) * u128::from(g.balance);
    }
    assert!(tao <= supply, "accepted with {tao} rao of TAO at genesis");
}

/// Runs a small accepted scenario for [`BLOCKS`] blocks: it must build, run and conserve.
/// Returns whether it was small enough to run.
pub fn run_briefly(s: &Scenario) -> bool {
    let agents: u64 = s.population.iter().map(|g| u64::from(g.count)).sum();
    let hotkeys: u64 = s
        .population
        .iter()
        .map(|g| u64::from(g.count) * u64::from(g.hotkeys))
        .sum();
    if agents > 64 || hotkeys > 512 || s.subnets.len() > 8 {
        return false;
    }
    let mut s = s.clone();
    s.blocks = s.blocks.min(BLOCKS);
    if let Err(e) = yumalab::run::simulate(&s, s.seed) {
        panic!("an accepted scenario failed to run: {e}");
    }
    true
}
