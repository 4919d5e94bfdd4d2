//! `yumalab run --threads N`: the agents due in a block act on N threads, and every table is
//! the same bytes as on one thread (issue 13). `_st` runs on one thread, `_mt` on several.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Three subnets with honest, copying and lazy validators and honest, copying and sybil
/// miners, so that many agents of different subnets are due in the same blocks; and owner
/// changes in some epoch blocks.
const SCENARIO: &str = r#"
name: threads
description: Agents of three subnets due in the same blocks.
seed: 13
duration: {blocks: 1500}
subnets:
  - name: a
    pool: {tao: 10000, price: 0.01}
    yuma: {version: yuma3, commit_reveal: false}
    burn: 0
    # Scheduled actions in blocks where epochs run: observers then watch epochs before the
    # agents act instead of beside them (the engine's other path).
    owner: {balance: 1, changes: [{block: 358, commit_reveal: false}, {block: 359, commit_reveal: false}, {block: 360, commit_reveal: false}, {block: 721, commit_reveal: false}]}
  - {name: b, pool: {tao: 5000, price: 0.02}, yuma: {version: yuma2, commit_reveal: true}, burn: 0}
  - {name: c, pool: {tao: 8000, price: 0.005}, yuma: {version: yuma3, commit_reveal: false, liquid_alpha: {alpha_low: 0.1, alpha_high: 0.3, steepness: 1000}}, burn: 0}
population:
  - {group: a-validators, kind: honest-validator, subnet: a, count: 6, balance: 1100, stake: 1000}
  - {group: a-copiers, kind: weight-copier, subnet: a, count: 2, balance: 1100, stake: 1000, params: {source: consensus}}
  - {group: a-miners, kind: honest-miner, subnet: a, count: 30, balance: 10, params: {quality: [{model: random_walk, start: 0.5, step: 0.05}]}}
  - {group: a-copying, kind: copying-miner, subnet: a, count: 5, balance: 10}
  - {group: b-validators, kind: honest-validator, subnet: b, count: 5, balance: 1100, stake: 1000}
  - {group: b-lazy, kind: lazy-validator, subnet: b, count: 2, balance: 1100, stake: 1000, params: {mode: every_n, n: 2}}
  - {group: b-miners, kind: honest-miner, subnet: b, count: 25, balance: 10, params: {quality: [{model: random_walk, start: 0.4, step: 0.05}]}}
  - {group: c-validators, kind: honest-validator, subnet: c, count: 4, balance: 1100, stake: 1000}
  - {group: c-miners, kind: honest-miner, subnet: c, count: 20, balance: 10, params: {quality: [{model: random_walk, start: 0.6, step: 0.05}]}}
  - {group: c-sybil, kind: sybil-miner, subnet: c, count: 1, hotkeys: 4, balance: 10, params: {quality: [{model: static, quality: 0.5}]}}
network: isolated
"#;

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("threads", name)
}

/// Runs the scenario on `threads` threads; every table and the summary, by file name.
fn run(dir: &Path, threads: usize) -> BTreeMap<String, Vec<u8>> {
    let file = dir.join("threads.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out_dir = dir.join(format!("out-{threads}"));
    let out = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args(["run", "--threads", &threads.to_string(), "-o"])
        .arg(&out_dir)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(&out_dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".parquet") || name == "summary.json" {
            files.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    assert!(files.contains_key("neurons.parquet"), "{files:?}");
    assert!(files.contains_key("summary.json"), "{files:?}");
    files
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (name, bytes) in a {
        assert!(bytes == &b[name], "{what}: {name} differs");
    }
}

#[test]
fn tables_repeat_byte_for_byte_st() {
    let dir = scratch("st");
    let first = run(&dir, 1);
    let second = run(&dir, 1);
    assert_same(&first, &second, "two runs on 1 thread");
    // The run did something: validators scored miners, so the summary names emission.
    let summary = String::from_utf8(first["summary.json"].clone()).unwrap();
    assert!(summary.contains("a-miners"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tables_match_one_thread_byte_for_byte_mt() {
    let dir = scratch("mt");
    let one = run(&dir, 1);
    for threads in [2, 3] {
        assert_same(
            &one,
            &run(&dir, threads),
            &format!("{threads} threads vs 1"),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
