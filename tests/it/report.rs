//! Reports through the binary: `yumalab report DIR` rebuilds exactly what the run wrote,
//! `yumalab check` passes an unchanged result and catches a changed one, and a sweep gets a
//! report of its own.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::yumalab;
use yumalab::report::read::summary;

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yumalab-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const SHORT: &str = "duration={blocks: 3000}";

#[test]
fn report_rebuilds_the_run_outputs_byte_for_byte_from_the_tables() {
    let dir = tmp("rebuild");
    ok(&yumalab(&[
        "run",
        &scenario("weight-copying.yaml"),
        "--set",
        SHORT,
        "-o",
        s(&dir),
    ]));
    let files = [
        "summary.parquet",
        "summary.json",
        "windows.parquet",
        "report.md",
        "index.html",
        "charts/concentration.png",
        "charts/concentration.svg",
        "charts/lorenz.png",
        "charts/inflation.svg",
        "charts/strategies.png",
        "charts/subnets.svg",
    ];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    for f in files {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    ok(&yumalab(&["report", s(&dir)]));
    for (f, b) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(dir.join(f)).unwrap(), b, "{f} differs");
    }
    // The report answers the three questions and says how to reproduce it.
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for needle in [
        "Reward concentration",
        "Inflation versus value",
        "Gaming resistance",
        "relative dividend rate G",
        "yumalab run ",
        "--set 'duration={blocks: 3000}'",
        "seed 2",
    ] {
        assert!(md.contains(needle), "report.md lacks `{needle}`:\n{md}");
    }
    // The copier's verdict net of costs follows its APY against the honest validators' (one
    // group here, so theirs is the group's).
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let apy = |g: &str| {
        summary["metrics"][format!("group.{g}.apy")]
            .as_f64()
            .unwrap()
    };
    let pays = apy("copier") > apy("honest");
    let verdict = if pays {
        "**it pays** once the evaluation it skips is counted"
    } else {
        "it does not pay even with the evaluation it skips"
    };
    assert!(
        md.contains("Net of costs its APY is") && md.contains(verdict),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(
        !html.contains("src=\"http"),
        "the page must be self-contained"
    );
    // Every chart is inlined as SVG, with its caption: five about the subnet, four network
    // panels (the scenario runs in the mainnet world).
    assert_eq!(html.matches("<figure>").count(), 9, "{html}");
    assert_eq!(html.matches("<svg").count(), 9);
    assert!(!html.contains("could not be drawn"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_summary_agrees_with_the_tables() {
    let dir = tmp("agree");
    ok(&yumalab(&[
        "run",
        &scenario("cartel-40.yaml"),
        "--set",
        SHORT,
        "-o",
        s(&dir),
    ]));
    let t = summary(&dir).unwrap();
    assert_eq!(t.rows(), 1);
    let get = |n: &str| t.column(n).unwrap_or_else(|| panic!("no {n}"))[0];
    // Group shares of emission add up to 1 over the groups that earn.
    let total: f64 = t
        .numbers
        .iter()
        .filter(|(n, _)| n.starts_with("group.") && n.ends_with(".emission_share"))
        .map(|(_, v)| if v[0].is_finite() { v[0] } else { 0.0 })
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "shares sum to {total}");
    assert!(get("emission.operator.gini") >= 0.0 && get("emission.operator.gini") < 1.0);
    assert!(get("emission.operator.holders") <= get("emission.uid.holders"));
    assert!(get("emission.operator.nakamoto_50") >= 1.0);
    // The cartel is measured.
    // (cartel-40 adopts the median subnet of the mainnet world, netuid 22.)
    assert!(get("cartel.sn22.advantage").is_finite());
    assert!(get("inflation.tao_issued") > 0.0);
    assert_eq!(get("run.blocks"), 3000.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_passes_an_unchanged_result_and_catches_a_changed_one() {
    let base = tmp("base");
    let same = tmp("same");
    let changed = tmp("changed");
    let file = scenario("weight-copying.yaml");
    ok(&yumalab(&["run", &file, "--set", SHORT, "-o", s(&base)]));
    ok(&yumalab(&["run", &file, "--set", SHORT, "-o", s(&same)]));
    let out = yumalab(&["check", s(&same), "--baseline", s(&base)]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));
    // The same scenario with the copier's evaluation noise changed in the file itself.
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("noise: 0.1", "noise: 0.3", 1);
    assert_ne!(
        text, edited,
        "the scenario should have an honest noise to change"
    );
    std::fs::create_dir_all(&changed).unwrap();
    let edited_file = changed.join("edited.yaml");
    std::fs::write(&edited_file, edited).unwrap();
    ok(&yumalab(&[
        "run",
        s(&edited_file),
        "--set",
        SHORT,
        "-o",
        s(&changed.join("out")),
    ]));
    let out = yumalab(&["check", s(&changed.join("out")), "--baseline", s(&base)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL") && text.contains("scenario.hash differs"),
        "{text}"
    );
    // A wide enough tolerance on everything lets it pass.
    let out = yumalab(&[
        "check",
        s(&changed.join("out")),
        "--baseline",
        s(&base),
        "--tolerance",
        "*=rel:1e9",
    ]);
    ok(&out);
    // A run made with other overrides is not comparable.
    let other = tmp("other");
    ok(&yumalab(&[
        "run",
        &file,
        "--set",
        "duration={blocks: 2000}",
        "-o",
        s(&other),
    ]));
    let out = yumalab(&["check", s(&other), "--baseline", s(&base)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not comparable"));
    // Bless copies the summary into the baseline.
    let blessed = tmp("blessed");
    ok(&yumalab(&[
        "check",
        s(&same),
        "--baseline",
        s(&blessed),
        "--bless",
    ]));
    ok(&yumalab(&["check", s(&same), "--baseline", s(&blessed)]));
    for d in [base, same, changed, other, blessed] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn check_and_report_refuse_a_directory_without_tables() {
    let empty = tmp("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = yumalab(&["check", s(&empty), "--baseline", s(&empty)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no summary.parquet"));
    let out = yumalab(&["report", s(&empty)]);
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn a_sweep_has_every_metric_per_run_and_a_report() {
    let dir = tmp("sweep");
    ok(&yumalab(&[
        "sweep",
        &scenario("weight-copying-commit-reveal.yaml"),
        "--set",
        "duration={blocks: 1500}",
        "--set",
        "sweep.replicates=1",
        "-o",
        s(&dir),
    ]));
    let t = summary(&dir).unwrap();
    assert_eq!(t.rows(), 4);
    let rp = t.column("subnets[0].yuma.reveal_period_epochs").unwrap();
    assert_eq!(rp, &[1.0, 2.0, 4.0, 8.0]);
    assert!(t.column("group.copier.relative_dividend_rate").is_some());
    assert!(t.column("emission.operator.gini").is_some());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("yumalab sweep"), "{md}");
    assert!(md.contains("copier: relative dividend rate G"), "{md}");
    // A sweep checks against itself.
    ok(&yumalab(&["check", s(&dir), "--baseline", s(&dir)]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_two_parameter_grid_gets_lines_per_value_and_heatmaps() {
    let dir = tmp("grid");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(scenario("weight-copying-commit-reveal.yaml")).unwrap();
    let grid = text.replace("  replicates: 3", "  replicates: 1").replace(
        "    subnets[0].yuma.reveal_period_epochs: [1, 2, 4, 8]",
        "    subnets[0].yuma.reveal_period_epochs: [1, 4]\n    subnets[0].tempo: [180, 360]",
    );
    assert_ne!(grid, text);
    let file = dir.join("grid.yaml");
    std::fs::write(&file, grid).unwrap();
    let out = dir.join("out");
    ok(&yumalab(&[
        "sweep",
        s(&file),
        "--set",
        "duration={blocks: 1500}",
        "-o",
        s(&out),
    ]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("copier: relative dividend rate G over the grid"),
        "{md}"
    );
    let grids = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("-grid.png")
        })
        .count();
    assert!(grids >= 3, "{grids} heatmaps");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("subnets[0].tempo = 180"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A full-length run of the Pareto scenario once paid miners a few rao more than the epoch's
/// server share (ΣD a hair below 1 in fixed point) and underflowed the recycled amount; the
/// debug build of this test would panic on it.
#[test]
fn every_rao_of_a_pareto_run_is_accounted_for() {
    use yumalab::report::read::for_each_batch;
    let dir = tmp("pareto");
    ok(&yumalab(&[
        "run",
        &scenario("copying-miners-pareto.yaml"),
        "-o",
        s(&dir),
    ]));
    let mut max_recycled = 0u64;
    for_each_batch(&dir.join("subnets.parquet"), |b| {
        use arrow_array::cast::AsArray;
        use arrow_array::types::UInt16Type;
        use arrow_array::types::UInt64Type;
        let c = b
            .column_by_name("recycled")
            .unwrap()
            .as_primitive::<UInt64Type>();
        // The scenario's own subnet (the median of the mainnet world); background subnets
        // have no Yuma.
        let netuid = b
            .column_by_name("netuid")
            .unwrap()
            .as_primitive::<UInt16Type>();
        for (r, n) in c.values().iter().zip(netuid.values()) {
            if *n == 22 {
                max_recycled = max_recycled.max(*r);
            }
        }
        Ok(())
    })
    .unwrap();
    // Recycled alpha per epoch is at most the epoch's emission (360 alpha: floor dust, and in
    // the mainnet world the root part nobody on the subnet can take), never a wrapped-around
    // u64.
    assert!(max_recycled <= 360_000_000_000, "recycled {max_recycled}");
    let _ = std::fs::remove_dir_all(&dir);
}
