//! `yumalab run -o DIR`: the run's tables are complete, consistent with the run, carry their
//! metadata, and leave no partial files.

use std::path::Path;
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};

fn rows_and_metadata(path: &Path) -> (i64, Vec<String>) {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    let keys = meta
        .key_value_metadata()
        .map(|kv| kv.iter().map(|k| k.key.clone()).collect())
        .unwrap_or_default();
    (meta.num_rows(), keys)
}

#[test]
fn a_run_writes_its_tables_with_metadata_and_no_partial_files() {
    let dir = std::env::temp_dir().join(format!("yumalab-tables-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/cartel-40.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args(["run", scenario, "--set", "duration={blocks: 3600}", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for f in [
        "agents.parquet",
        "network.parquet",
        "neurons.parquet",
        "subnets.parquet",
        "summary.parquet",
        "summary.json",
        "windows.parquet",
        "report.md",
        "index.html",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} missing from {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.ends_with(".partial")),
        "partial files left: {names:?}"
    );
    // 10 epochs (tempo 360 over 3600 blocks) of every subnet of the mainnet world: 129 rows
    // an epoch, the scenario's subnet (owner + 5 + 5 + 4 + 12 uids) and the background ones.
    let (subnet_rows, keys) = rows_and_metadata(&dir.join("subnets.parquet"));
    assert_eq!(subnet_rows, 1290);
    for k in [
        "yumalab.version",
        "scenario.name",
        "scenario.hash",
        "scenario.seed",
        "scenario.regime",
        "metrics.conventions",
    ] {
        assert!(
            keys.iter().any(|x| x == k),
            "missing metadata {k}: {keys:?}"
        );
    }
    assert_eq!(rows_and_metadata(&dir.join("neurons.parquet")).0, 10 * 27);
    assert_eq!(rows_and_metadata(&dir.join("agents.parquet")).0, 26);
    // Every 360th block, and the last one (the world's blocks are not multiples of 360).
    assert_eq!(rows_and_metadata(&dir.join("network.parquet")).0, 11);
    assert_eq!(rows_and_metadata(&dir.join("summary.parquet")).0, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
