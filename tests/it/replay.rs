//! `yumalab replay`: end-to-end through the binary.
//!
//! Every shipped replay file runs (text and JSON); the chain's Yuma3 scenarios reproduce the
//! chain's dividends; Parquet output has both tables; bad input exits 1 with a message that
//! names the field and the offending value, never a panic.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::common;
use crate::vectors::vectors;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn yumalab(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args(args)
        .output()
        .expect("run yumalab");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn replay_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replay")
}

/// Every shipped replay file, sorted.
fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(replay_dir())
        .expect("scenarios/replay")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    files.sort();
    files
}

/// A scratch directory for one test, emptied first.
fn scratch(test: &str) -> PathBuf {
    common::scratch_in("replay", test)
}

fn json_output(path: &Path) -> Value {
    let run = yumalab(&["replay", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}: {}", path.display(), run.stderr);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{}: --format json is not JSON: {e}", path.display()))
}

#[test]
fn every_shipped_example_runs_as_text_and_json() {
    let files = shipped();
    assert!(
        files.len() >= 9,
        "expected the shipped examples, got {files:?}"
    );
    assert!(files.iter().any(|p| p.extension().unwrap() == "json"));
    for path in &files {
        let p = path.to_str().unwrap();
        let text = yumalab(&["replay", p]);
        assert_eq!(text.code, Some(0), "{p}: {}", text.stderr);
        assert!(text.stdout.starts_with("epoch 0\n"), "{p}: {}", text.stdout);

        let json = json_output(path);
        let epochs = json["epochs"].as_array().expect("epochs");
        assert!(!epochs.is_empty(), "{p}");
        for (k, e) in epochs.iter().enumerate() {
            assert_eq!(e["epoch"], k, "{p}");
            let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
            let mut want = [
                "bonds",
                "consensus",
                "dividends",
                "epoch",
                "incentive",
                "validator_trust",
            ];
            want.sort_unstable();
            assert_eq!(keys, want, "{p}");
            let miners = e["consensus"].as_array().unwrap().len();
            let validators = e["dividends"].as_array().unwrap().len();
            assert_eq!(e["incentive"].as_array().unwrap().len(), miners, "{p}");
            assert_eq!(
                e["validator_trust"].as_array().unwrap().len(),
                validators,
                "{p}"
            );
            let bonds = e["bonds"].as_array().unwrap();
            assert_eq!(bonds.len(), validators, "{p}");
            assert!(
                bonds.iter().all(|r| r.as_array().unwrap().len() == miners),
                "{p}"
            );
        }
    }
}

#[test]
fn yuma3_examples_match_the_chain_dividends() {
    let vectors = vectors();
    let mut checked = 0;
    for path in shipped() {
        let id = path.file_stem().unwrap().to_str().unwrap();
        if !id.starts_with("yuma3_") || path.extension().unwrap() != "yaml" {
            continue;
        }
        let Some(vector) = vectors.iter().find(|v| v["id"] == id) else {
            continue; // a hand-made yuma3 example, not a chain vector
        };
        let got = json_output(&path);
        let got = got["epochs"].as_array().unwrap();
        // A list (one entry per epoch) or a map from listed epochs (yuma3_bonds_reset).
        let want: Vec<(usize, &Value)> = match &vector["expect_dividends"] {
            Value::Array(rows) => rows.iter().enumerate().collect(),
            Value::Object(rows) => rows
                .iter()
                .map(|(k, v)| (k.parse().expect("epoch index"), v))
                .collect(),
            other => panic!("{id}: expect_dividends is {other}"),
        };
        if vector["weights_per_epoch"].is_array() {
            assert_eq!(got.len(), want.len(), "{id}: epoch count");
        }
        for (k, row) in want {
            let got_row = got[k]["dividends"].as_array().unwrap();
            let want_row = row.as_array().unwrap();
            // The vector lists every uid; the replay's dividends are per validator.
            assert!(
                want_row[got_row.len()..]
                    .iter()
                    .all(|d| d.as_f64() == Some(0.0))
            );
            for (i, (g, w)) in got_row.iter().zip(want_row).enumerate() {
                let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
                assert!(
                    (g - w).abs() <= 1e-3,
                    "{id}: epoch {k}, validator {i}: dividends {g}, chain {w}"
                );
            }
            checked += 1;
        }
    }
    // 6 vectors × 6 epochs, plus the 7 listed epochs of yuma3_bonds_reset.
    assert_eq!(checked, 6 * 6 + 7, "checked rows");
}

#[test]
fn parquet_output_has_both_tables() {
    let dir = scratch("parquet");
    let out = dir.join("out");
    let path = replay_dir().join("yuma3_kappa_moves_first.yaml");
    let run = yumalab(&[
        "replay",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "-o without --format prints nothing: {}",
        run.stdout
    );
    assert!(run.stderr.contains("epochs.parquet"), "{}", run.stderr);

    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["bonds.parquet", "epochs.parquet"],
        "no temporary files left"
    );

    let read = |name: &str| {
        let file = fs::File::open(out.join(name)).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(Result::unwrap).collect();
        let schema = batches[0].schema();
        let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        (columns, rows)
    };
    let (columns, rows) = read("epochs.parquet");
    assert_eq!(
        columns,
        [
            "epoch",
            "role",
            "name",
            "uid",
            "stake",
            "consensus",
            "incentive",
            "dividends",
            "validator_trust"
        ]
    );
    assert_eq!(rows, 6 * 5, "6 epochs × 5 neurons");
    let (columns, rows) = read("bonds.parquet");
    assert_eq!(columns, ["epoch", "validator", "miner", "bond", "bond_u16"]);
    assert_eq!(rows, 6 * 3 * 2, "6 epochs × 3 validators × 2 miners");

    // With --format as well, stdout carries the table too.
    let run = yumalab(&[
        "replay",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str::<Value>(&run.stdout).expect("json on stdout");
}

/// Writes `text` to a scratch file and runs `yumalab replay` on it; asserts exit 1 and no
/// panic, and returns stderr.
fn refused(test: &str, file_name: &str, text: &str) -> String {
    let path = scratch(test).join(file_name);
    fs::write(&path, text).unwrap();
    let run = yumalab(&["replay", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{test}: stderr {}", run.stderr);
    assert!(run.stdout.is_empty(), "{test}: stdout {}", run.stdout);
    assert!(!run.stderr.contains("panicked"), "{test}: {}", run.stderr);
    assert!(run.stderr.contains(file_name), "{test}: {}", run.stderr);
    run.stderr
}

#[test]
fn every_problem_in_a_bad_file_is_reported() {
    let text = r#"{
      "yuma": {"version": "yuma4", "kappa": 2, "bonds_penalty": -1,
               "liquid_alpha": {"alpha_low": 0.1, "alpha_high": 0.3, "steepness": 70000}},
      "validators": ["A", "B", "C"],
      "miners": ["M1", "A"],
      "epochs": [
        {"stakes": [0.8, 0.1], "weights": [[1, 0], [1, 0], [1, 0]]},
        {"stakes": [1, -5, 1], "weights": [[1, 0], [1], [1, 0, 3]]},
        {"weights": [[1, 0], [1, 0]]}
      ],
      "bond_resets": [{"epoch": 3, "miner": "M7"}]
    }"#;
    let stderr = refused("many", "bad.json", text);
    let want = [
        "bad.json:2:27: `yuma.version`: must be one of `yuma2`, `yuma3`, got `yuma4`",
        "bad.json:2:45: `yuma.kappa`: must be a fraction in [0, 1], got `2`",
        "bad.json:2:65: `yuma.bonds_penalty`: must be a fraction in [0, 1], got `-1`",
        "bad.json:3:83: `yuma.liquid_alpha.steepness`: must be an integer in -32768..=32767, got `70000`",
        "bad.json:5:24: `miners[1]`: must be unique, got `A` again (first at `validators[0]`)",
        "bad.json:7:20: `epochs[0].stakes`: must have 3 entries (one per validator), got 2",
        "bad.json:8:24: `epochs[1].stakes[1]`: must be a finite number >= 0, got `-5`",
        "bad.json:8:52: `epochs[1].weights[1]`: must have 2 entries (one per miner), got 1",
        "bad.json:8:57: `epochs[1].weights[2]`: must have 2 entries (one per miner), got 3",
        "bad.json:9:21: `epochs[2].weights`: must have 3 rows (one per validator), got 2",
        "bad.json:11:33: `bond_resets[0].epoch`: must be an epoch index in 0..3, got `3`",
        "bad.json:11:45: `bond_resets[0].miner`: must name one of the miners, got `M7`",
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), want.len(), "{stderr}");
    for (line, want) in lines.iter().zip(want) {
        assert!(line.ends_with(want), "got {line:?}, want {want:?}");
    }
}

#[test]
fn bad_inputs_name_the_field_and_the_value() {
    const HEAD: &str = "validators: [A, B]\nminers: [M1, M2]\n";
    // (name, file name, text, what stderr must contain)
    let cases: &[(&str, &str, String, &[&str])] = &[
        (
            "ragged",
            "r.yaml",
            format!("{HEAD}epochs:\n  - stakes: [1, 1]\n    weights: [[1, 0], [1]]\n"),
            &["`epochs[0].weights[1]`", "got 1"],
        ),
        (
            "negative_weight",
            "n.yaml",
            format!("{HEAD}epochs:\n  - stakes: [1, 1]\n    weights: [[1, 0], [-0.5, 1]]\n"),
            &["`epochs[0].weights[1][0]`", "got `-0.5`"],
        ),
        (
            "non_finite",
            "nf.yaml",
            format!("{HEAD}epochs:\n  - stakes: [.nan, .inf]\n"),
            &[
                "`epochs[0].stakes[0]`",
                "got `NaN`",
                "`epochs[0].stakes[1]`",
                "got `inf`",
            ],
        ),
        (
            "fraction",
            "f.yaml",
            format!("yuma: {{bonds_moving_average: 1.2}}\n{HEAD}epochs: [{{stakes: [1, 1]}}]\n"),
            &["`yuma.bonds_moving_average`", "[0, 1]", "got `1.2`"],
        ),
        (
            "alpha_order",
            "a.yaml",
            format!(
                "yuma: {{liquid_alpha: {{alpha_low: 0.5, alpha_high: 0.2}}}}\n{HEAD}epochs: [{{stakes: [1, 1]}}]\n"
            ),
            &["`yuma.liquid_alpha.alpha_high`", "at least `alpha_low`"],
        ),
        (
            "duplicate",
            "d.yaml",
            "validators: [A, A]\nminers: [M]\nepochs: [{stakes: [1, 1]}]\n".to_owned(),
            &["`validators[1]`", "got `A` again"],
        ),
        (
            "unknown_version",
            "v.yaml",
            format!("yuma: {{version: yuma1}}\n{HEAD}epochs: [{{stakes: [1, 1]}}]\n"),
            &["`yuma.version`", "`yuma2`, `yuma3`", "got `yuma1`"],
        ),
        (
            "reset_unknown_miner",
            "u.yaml",
            format!("{HEAD}epochs: [{{stakes: [1, 1]}}]\nbond_resets: [{{epoch: 0, miner: M9}}]\n"),
            &["`bond_resets[0].miner`", "got `M9`"],
        ),
        (
            "reset_epoch_out_of_range",
            "e.yaml",
            format!(
                "{HEAD}epochs: [{{stakes: [1, 1]}}]\nbond_resets: [{{epoch: -1, miner: M1}}]\n"
            ),
            &["`bond_resets[0].epoch`", "0..1", "got `-1`"],
        ),
        (
            "first_epoch_without_stakes",
            "s.yaml",
            format!("{HEAD}epochs: [{{weights: null}}]\n"),
            &["`epochs[0].stakes`", "first epoch"],
        ),
        (
            "unknown_field_yaml",
            "k.yaml",
            format!("{HEAD}epochs:\n  - stakes: [1, 1]\n    wieghts: [[1, 0], [1, 0]]\n"),
            &[
                "k.yaml:5:5:",
                "`epochs[0].wieghts`",
                "unknown field `wieghts`",
            ],
        ),
        (
            "unknown_field_json",
            "k.json",
            r#"{"validators": ["A"], "miners": ["M"],
 "epochs": [{"stakes": [1]}], "seed": 3}"#
                .to_owned(),
            &["k.json:2:", "unknown field `seed`"],
        ),
        (
            "wrong_type",
            "t.yaml",
            format!("{HEAD}epochs:\n  - stakes: [1, lots]\n"),
            &["t.yaml:4:", "`epochs[0].stakes[1]`"],
        ),
        (
            "unknown_zero_weights",
            "z.yaml",
            format!("{HEAD}zero_weights: sometimes\nepochs: [{{stakes: [1, 1]}}]\n"),
            &[
                "z.yaml:3:",
                "`zero_weights`",
                "sometimes",
                "omitted, submitted",
            ],
        ),
        (
            "json_syntax",
            "j.json",
            r#"{"validators": ["A"], "miners": ["M"], "epochs": [{"stakes": [1]}"#.to_owned(),
            &["j.json:1:"],
        ),
        (
            "yaml_syntax",
            "y.yaml",
            format!("{HEAD}epochs:\n  - stakes: [1, 1\n"),
            &["y.yaml:"],
        ),
        ("empty", "empty.yaml", String::new(), &["empty.yaml:"]),
    ];
    for (test, file, text, needles) in cases {
        let stderr = refused(test, file, text);
        for needle in *needles {
            assert!(
                stderr.contains(needle),
                "{test}: want {needle:?} in\n{stderr}"
            );
        }
    }
}

#[test]
fn a_missing_file_is_a_user_error() {
    let path = scratch("missing").join("nope.yaml");
    let run = yumalab(&["replay", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("nope.yaml"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    assert_eq!(yumalab(&["replay"]).code, Some(1));
    assert_eq!(
        yumalab(&["replay", "x.yaml", "--format", "xml"]).code,
        Some(1)
    );
    assert_eq!(yumalab(&["frobnicate"]).code, Some(1));
    let help = yumalab(&["replay", "--help"]);
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("--format"), "{}", help.stdout);
}

#[test]
fn an_unwritable_output_directory_is_a_user_error() {
    let dir = scratch("unwritable");
    let blocker = dir.join("file");
    fs::write(&blocker, "not a directory").unwrap();
    let path = replay_dir().join("yuma3_omitted_zeros.json");
    let out = blocker.join("out");
    let run = yumalab(&[
        "replay",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("out"), "{}", run.stderr);
}
