//! Sweeps through the binary: the same scenario gives byte-identical output with one job or
//! several, and shards read back as the whole table.

use std::path::Path;
use std::process::Command;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/weight-copying-commit-reveal.yaml"
);

fn sweep(out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args(["sweep", SCENARIO, "--set", "duration={blocks: 1500}", "-o"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run yumalab");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn read(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn one_job_and_two_jobs_give_identical_bytes_and_shards_give_the_same_rows() {
    let dir = std::env::temp_dir().join(format!("yumalab-sweep-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    sweep(&dir.join("j1"), &["--jobs", "1"]);
    sweep(&dir.join("j2"), &["--jobs", "2"]);
    let a = std::fs::read(dir.join("j1/summary.parquet")).unwrap();
    let b = std::fs::read(dir.join("j2/summary.parquet")).unwrap();
    assert_eq!(a, b, "--jobs changed the output");
    sweep(&dir.join("sh"), &["--shard", "0/3"]);
    sweep(&dir.join("sh"), &["--shard", "1/3"]);
    sweep(&dir.join("sh"), &["--shard", "2/3"]);
    let whole = read(&dir.join("j1/summary.parquet"));
    let whole = arrow_select::concat::concat_batches(&whole[0].schema(), &whole).unwrap();
    assert_eq!(whole.num_rows(), 12);
    let mut rows = 0;
    for i in 0..3 {
        for batch in read(&dir.join(format!("sh/summary-shard-{i}-of-3.parquet"))) {
            rows += batch.num_rows();
            // Each shard row equals the whole table's row with the same run index.
            let runs = batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow_array::UInt32Array>()
                .unwrap();
            for (r, run) in runs.values().iter().enumerate() {
                let expect = whole.slice(*run as usize, 1);
                let got = batch.slice(r, 1);
                assert_eq!(got, expect, "shard {i} run {run}");
            }
        }
    }
    assert_eq!(rows, 12);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_sweep_value_is_reported_before_anything_runs() {
    let out = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args([
            "sweep",
            SCENARIO,
            "--set",
            "sweep.grid={\"subnets[0].yuma.kappa\": [0.5, 7]}",
            "-o",
            "/nonexistent/never-written",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`subnets[0].yuma.kappa`: must be a fraction in [0, 1], got `7`"),
        "{err}"
    );
}
