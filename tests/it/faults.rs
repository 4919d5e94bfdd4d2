//! Failures leave nothing that looks complete (issue 10, item 3): a run, replay or sweep that
//! fails, or is stopped by SIGINT / SIGTERM, removes its partial files and leaves at most an
//! `error.txt` saying why; a stopped sweep keeps its completed runs apart.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::common::{self, yumalab};
use yumalab::chain::state::Chain;
use yumalab::engine::Observer;
use yumalab::report::tables::{Rows, RunTables, TablesObserver};
use yumalab::run::{RunError, simulate_or_stop};
use yumalab::scenario::Scenario;

fn scratch(test: &str) -> PathBuf {
    common::scratch_in("faults", test)
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"))
}

/// The names in `dir`, sorted (directories with a trailing `/`).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    names.sort();
    names
}

/// Stops the run at `block` by setting the flag the run loop reads.
struct StopAt(u64, Arc<AtomicBool>);

impl Observer for StopAt {
    fn on_block(&mut self, chain: &Chain) {
        if chain.block >= self.0 {
            self.1.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_run_stopped_mid_way_leaves_no_partial_table() {
    let dir = scratch("stopped");
    let text = fs::read_to_string(scenario_path("weight-copying")).unwrap();
    let s = Scenario::parse(&text, "weight-copying.yaml", &[]).unwrap();
    // The scenario runs in the mainnet world: blocks count from the snapshot's.
    let t0 = s.network.genesis_block();
    let stop = Arc::new(AtomicBool::new(false));
    let tables = std::sync::Arc::new(std::sync::Mutex::new(None));
    let shared = tables.clone();
    let observer_stop = stop.clone();
    let out = simulate_or_stop(&s, s.seed, &stop, |members| {
        let t = RunTables::create(&dir, Rows::for_scenario(members, &s), &[])
            .map_err(|e| e.to_string())?;
        *shared.lock().unwrap() = Some(t);
        Ok(vec![
            Box::new(TablesObserver(shared)) as Box<dyn Observer>,
            Box::new(StopAt(t0 + 1000, observer_stop)),
        ])
    });
    match out {
        Err(RunError::Stopped(s)) => {
            assert_eq!(s.block, t0 + 1000);
            assert_eq!(s.end, t0 + 7 * 7200);
        }
        other => panic!("want a stopped run, got {:?}", other.err()),
    }
    // The tables were being written...
    assert!(listing(&dir).iter().any(|n| n.ends_with(".partial")));
    // ...and go with the run.
    drop(tables.lock().unwrap().take());
    assert_eq!(listing(&dir), Vec::<String>::new());
}

#[test]
fn a_run_that_fails_at_its_end_leaves_only_error_txt() {
    let dir = scratch("fails-at-end");
    // A directory where the report goes: everything else is written, then that fails.
    fs::create_dir_all(dir.join("report.md/mine")).unwrap();
    let out = yumalab(&[
        "run",
        &scenario_path("weight-copying"),
        "--set",
        "duration={blocks: 400}",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(listing(&dir), ["error.txt", "report.md/"], "{stderr}");
    let why = fs::read_to_string(dir.join("error.txt")).unwrap();
    assert!(why.contains("report.md"), "{why}");
    assert!(why.contains("command: "), "{why}");
}

#[test]
fn a_run_whose_tables_cannot_be_created_leaves_only_error_txt() {
    let dir = scratch("no-tables");
    fs::create_dir_all(dir.join(".agents.parquet.partial")).unwrap();
    let out = yumalab(&[
        "run",
        &scenario_path("weight-copying"),
        "--set",
        "duration={blocks: 400}",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The output directory is the user's to fix: exit 1, not "a bug".
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        listing(&dir),
        [".agents.parquet.partial/", "error.txt"],
        "{stderr}"
    );
}

#[test]
fn a_new_run_first_removes_an_earlier_report() {
    let dir = scratch("earlier");
    for f in [
        "index.html",
        "report.md",
        "neurons.parquet",
        ".subnets.parquet.partial",
    ] {
        fs::write(dir.join(f), "old").unwrap();
    }
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    fs::create_dir_all(dir.join("report.md.d")).unwrap();
    // The scenario is refused before anything runs: the directory is left as it was.
    let bad = yumalab(&[
        "run",
        &scenario_path("weight-copying"),
        "--set",
        "population[copier].balance=1e30",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(dir.join("index.html").exists());
    // A run that fails at its end (see above) removes the earlier outputs too.
    fs::create_dir_all(dir.join("summary.json/x")).unwrap();
    let out = yumalab(&[
        "run",
        &scenario_path("weight-copying"),
        "--set",
        "duration={blocks: 400}",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        listing(&dir),
        ["error.txt", "notes.txt", "report.md.d/", "summary.json/"]
    );
}

#[test]
fn a_replay_that_fails_leaves_only_error_txt() {
    let dir = scratch("replay");
    fs::create_dir_all(dir.join("bonds.parquet/x")).unwrap();
    let file = format!(
        "{}/scenarios/replay/yuma3_stable_miner.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = yumalab(&["replay", &file, "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    // epochs.parquet was written first, and removed when bonds.parquet failed.
    assert_eq!(listing(&dir), ["bonds.parquet/", "error.txt"]);
}

/// Waits for `child` to exit, at most `limit`; returns its status and how long it took.
fn wait_for(
    child: &mut std::process::Child,
    limit: Duration,
) -> (std::process::ExitStatus, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status, start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -{name} {pid}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_run_within_a_second_leaving_only_error_txt() {
    let dir = scratch("sigterm");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args([
            "run",
            &scenario_path("weight-copying"),
            "--set",
            "duration={days: 3650}",
            "-o",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Running: its tables are being written.
    let start = Instant::now();
    while !dir.join(".neurons.parquet.partial").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "never started");
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before the signal"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), "TERM");
    let (status, took) = wait_for(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(
        took < Duration::from_secs(1),
        "took {took:?} to stop: {stderr}"
    );
    assert_eq!(listing(&dir), ["error.txt"], "{stderr}");
    let why = fs::read_to_string(dir.join("error.txt")).unwrap();
    assert!(why.contains("interrupted by SIGTERM after block"), "{why}");
    assert!(
        stderr.contains("interrupted by SIGTERM after block"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn sigint_stops_a_sweep_which_keeps_its_completed_runs_apart() {
    let dir = scratch("sweep");
    let file = dir.join("sweep.yaml");
    // Point 0 is short and point 1 very long; one job runs them in order.
    fs::write(
        &file,
        "name: s\ndescription: d\nduration: {blocks: 50}\nsubnets: [{name: a}]\n\
         population: [{group: m, preset: honest-miner/strong, subnet: a, count: 2}]\n\
         sweep: {grid: {duration.blocks: [50, 100000000]}}\nnetwork: isolated\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--jobs",
            "1",
            "-o",
            dir.join("out").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while !dir.join("out").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Long enough for the 50-block run; the other one takes hours.
    std::thread::sleep(Duration::from_millis(1500));
    signal(child.id(), "INT");
    let (status, took) = wait_for(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(1), "took {took:?}: {stderr}");
    let out = dir.join("out");
    let why = fs::read_to_string(out.join("error.txt")).unwrap();
    assert!(
        why.contains("interrupted by SIGINT during the sweep"),
        "{why}"
    );
    if why.contains("1 of 2 runs completed") {
        // The run log and manifest stay, for --resume.
        assert_eq!(
            listing(&out),
            ["error.txt", "incomplete/", "manifest.json", "runs.jsonl"],
            "{why}"
        );
        let kept = yumalab::report::read::summary(&out.join("incomplete")).unwrap();
        assert_eq!(kept.rows(), 1);
        assert_eq!(
            kept.metadata.get("sweep.complete").map(String::as_str),
            Some("false")
        );
    } else {
        // A very slow machine: the short run had not finished either.
        assert!(why.contains("0 of 2 runs completed"), "{why}");
        assert_eq!(
            listing(&out),
            ["error.txt", "manifest.json", "runs.jsonl"],
            "{why}"
        );
    }
}
