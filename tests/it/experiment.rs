//! The experiment layer through the binary (issue 14): designs, failure isolation, resume,
//! merge and their determinism (byte for byte), precise refusals, the dry run.

use crate::common::{self, yumalab};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A short Sobol study: 3 parameters, 4 base samples (20 points), 2 replicates: 40 runs of
/// 600 blocks. The copier's stake reaches past its balance in part of the range, so some
/// points do not validate and their runs fail.
const SOBOL: &str = "\
name: exp-test
description: a short sobol study
seed: 5
network: isolated
duration: {blocks: 600}
subnets:
  - name: sn1
    pool: {tao: 5000, price: 0.02}
    yuma: {version: yuma3, commit_reveal: true, reveal_period_epochs: 1}
population:
  - {group: honest, kind: honest-validator, subnet: sn1, count: 3, balance: 1100, stake: 1000, params: {noise: 0.1}}
  - {group: copier, kind: weight-copier, subnet: sn1, count: 1, balance: 1100, stake: 1000, params: {source: consensus}}
  - {group: miners, kind: honest-miner, subnet: sn1, count: 4, balance: 20, params: {quality: [{model: static, quality: 0.5}]}}
sweep:
  design: sobol
  base_samples: 4
  replicates: 2
  parameters:
    subnets[0].yuma.kappa: {min: 0.3, max: 0.7}
    population[copier].stake: {distribution: log-uniform, min: 100, max: 1000}
    population[honest].params.noise: {min: 0.0, max: 0.3}
";

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("experiment", name)
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The byte-compared outputs of a whole sweep.
const TABLES: &[&str] = &[
    "summary.parquet",
    "sensitivity.parquet",
    "salib/problem.json",
    "salib/X.txt",
    "salib/Y.txt",
];

fn same(a: &Path, b: &Path, what: &str) {
    for t in TABLES {
        let x = fs::read(a.join(t)).unwrap_or_else(|e| panic!("{}: {e}", a.join(t).display()));
        let y = fs::read(b.join(t)).unwrap_or_else(|e| panic!("{}: {e}", b.join(t).display()));
        assert!(x == y, "{what}: {t} differs");
    }
}

#[test]
fn jobs_shards_merge_and_resume_give_identical_bytes() {
    let dir = scratch("determinism");
    let file = dir.join("study.yaml");
    fs::write(&file, SOBOL).unwrap();
    let f = s(&file);
    let whole = dir.join("j1");
    ok(&yumalab(&["sweep", f, "--jobs", "1", "-o", s(&whole)]));
    let j2 = dir.join("j2");
    ok(&yumalab(&["sweep", f, "--jobs", "2", "-o", s(&j2)]));
    same(&whole, &j2, "--jobs 1 vs --jobs 2");
    // The X matrix has one row per point: 4 × (3 + 2).
    let x = fs::read_to_string(whole.join("salib/X.txt")).unwrap();
    assert_eq!(x.lines().count(), 20);
    let problem: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(whole.join("salib/problem.json")).unwrap())
            .unwrap();
    assert_eq!(problem["num_vars"], 3);
    assert_eq!(problem["bounds"][0], serde_json::json!([0.3, 0.7]));

    // Two shards in their own directories, merged.
    let (a, b) = (dir.join("s0"), dir.join("s1"));
    ok(&yumalab(&["sweep", f, "--shard", "0/2", "-o", s(&a)]));
    ok(&yumalab(&["sweep", f, "--shard", "1/2", "-o", s(&b)]));
    let merged = dir.join("merged");
    ok(&yumalab(&["merge", s(&a), s(&b), "-o", s(&merged)]));
    same(&whole, &merged, "shards merged vs whole");

    // A killed sweep: the log holds some runs and a line cut short; the outputs are gone.
    let killed = dir.join("killed");
    ok(&yumalab(&["sweep", f, "-o", s(&killed)]));
    let log = fs::read_to_string(killed.join("runs.jsonl")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let cut = format!("{}\n{}", lines[..15].join("\n"), &lines[15][..20]);
    fs::write(killed.join("runs.jsonl"), cut).unwrap();
    for t in TABLES {
        let _ = fs::remove_file(killed.join(t));
    }
    let out = yumalab(&["sweep", f, "--resume", s(&killed)]);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(25 run now, 15 resumed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    same(&whole, &killed, "resumed vs uninterrupted");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(killed.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 40);
    assert_eq!(manifest["shards"][0]["complete"], true);

    // A shard missing: merge refuses, naming what is missing; a shard twice: duplicated.
    let out = yumalab(&["merge", s(&a), "-o", s(&dir.join("m2"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("20 of 40 runs are missing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = yumalab(&["merge", s(&a), s(&b), s(&a), "-o", s(&dir.join("m3"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("runs are duplicated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A resume directory from another scenario is refused.
    let other = dir.join("other.yaml");
    fs::write(&other, SOBOL.replace("seed: 5", "seed: 6")).unwrap();
    let out = yumalab(&["sweep", s(&other), "--resume", s(&whole)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "manifest.json: `scenario_hash`: the directory holds a sweep of another scenario"
        ),
        "{err}"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_run_is_a_row_and_the_others_go_on() {
    let dir = scratch("failures");
    let file = dir.join("study.yaml");
    // Stakes up to 3000 against a balance of 1100: the points above 1100 do not validate.
    fs::write(
        &file,
        SOBOL.replace("min: 100, max: 1000", "min: 100, max: 3000"),
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = yumalab(&["sweep", s(&file), "--jobs", "2", "-o", s(&out_dir)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let table = yumalab::report::read::summary(&out_dir).unwrap();
    let status = table.key("status").unwrap();
    let failed = status.iter().filter(|s| *s == "failed").count();
    assert!(failed > 0 && failed < 40, "{failed} failed");
    assert!(
        err.contains(&format!("{failed} of 40 runs failed")),
        "{err}"
    );
    let messages = table.key("message").unwrap();
    for (st, m) in status.iter().zip(messages) {
        assert_eq!(
            st == "failed",
            m.contains("must not exceed `balance`"),
            "{st}: {m}"
        );
    }
    let report = fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(report.contains(&format!("**{failed} of 40 runs failed**")));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_morris_design_reports_mu_star_and_a_dry_run_estimates_time() {
    let dir = scratch("morris");
    let file = dir.join("study.yaml");
    let text = SOBOL.replace(
        "  design: sobol\n  base_samples: 4\n  replicates: 2\n",
        "  design: morris\n  trajectories: 3\n  levels: 4\n  seeds: [1, 2]\n",
    );
    fs::write(&file, text).unwrap();
    let out = yumalab(&["sweep", s(&file), "--dry-run", "--jobs", "2"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("design: morris, 3 trajectories × 4 rows, 4 levels"),
        "{text}"
    );
    assert!(
        text.contains("points: 12, replicates: 2, runs: 24"),
        "{text}"
    );
    assert!(text.contains("estimated wall time with 2 jobs"), "{text}");
    let out_dir = dir.join("out");
    ok(&yumalab(&["sweep", s(&file), "-o", s(&out_dir)]));
    let report = fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(report.contains("| parameter | μ* | μ | σ |"), "{report}");
    assert!(out_dir.join("sensitivity.parquet").is_file());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_designs_are_refused_with_their_place_and_what_was_expected() {
    let dir = scratch("refusals");
    let cases: &[(&str, &str, &str)] = &[
        (
            "    subnets[0].yuma.kappa: {min: 0.3, max: 0.7}\n",
            "    subnets[0].yuma.kappa: {distribution: normal, mean: 0.5, sd: 0.1}\n",
            ":19:28: `sweep.parameters.subnets[0].yuma.kappa.min`: design `sobol` needs bounds: a normal parameter needs `min` and `max`",
        ),
        (
            "{min: 0.0, max: 0.3}",
            "{min: 0.3, max: 0.3}",
            ":21:38: `sweep.parameters.population[honest].params.noise`: `min` (0.3) must be less than `max` (0.3)",
        ),
        (
            "  replicates: 2\n",
            "  seeds: [1, 2.5]\n",
            ":17:14: `sweep.seeds[1]`: must be a whole number >= 0, got `2.5`",
        ),
        (
            "  base_samples: 4\n",
            "  base_samples: 4\n  trajectories: 3\n",
            ":17:17: `sweep.trajectories`: does not apply to design `sobol` (it belongs to `morris`)",
        ),
    ];
    for (k, (from, to, expect)) in cases.iter().enumerate() {
        let file = dir.join(format!("case{k}.yaml"));
        assert!(SOBOL.contains(from), "case {k}");
        fs::write(&file, SOBOL.replace(from, to)).unwrap();
        let out = yumalab(&["sweep", s(&file), "--dry-run"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {k}: {err}");
        assert!(
            err.contains(&format!("{}{expect}", file.display())),
            "case {k}: {err}"
        );
    }
    // A table whose column is not a scenario path: refused at the CSV header cell.
    let csv = dir.join("points.csv");
    fs::write(
        &csv,
        "subnets[0].yuma.kappa,subnets[0].yuma.kapa\n0.4,0.5\n0.6,0.5\n",
    )
    .unwrap();
    let file = dir.join("table.yaml");
    let head = SOBOL.split("sweep:").next().unwrap();
    fs::write(&file, format!("{head}sweep:\n  table: points.csv\n")).unwrap();
    let out = yumalab(&["sweep", s(&file), "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:1:23: `subnets[0].yuma.kapa`", csv.display())),
        "{err}"
    );
    assert!(
        err.contains("swept path `subnets[0].yuma.kapa`, value `0.5`"),
        "{err}"
    );
    // The same table inline, with a good path, runs as a two-point design.
    fs::write(
        &file,
        format!(
            "{head}sweep:\n  table:\n    - subnets[0].yuma.kappa: 0.4\n    - subnets[0].yuma.kappa: 0.6\n"
        ),
    )
    .unwrap();
    let out = yumalab(&["sweep", s(&file), "--dry-run"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("points: 2, replicates: 1, runs: 2"));
    let _ = fs::remove_dir_all(&dir);
}
