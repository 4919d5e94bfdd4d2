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
        "dim_neurons.parquet",
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
    // Over 3600 blocks: the scenario's subnet (owner + 5 + 5 + 4 + 12 uids) has 10 epochs; the
    // 127 background subnets' epochs are paid at the background's 10 steps (the last block of
    // each 360-block interval, `world::background`), at most once a step: 1204 epochs, as an
    // epoch due after the interval's end waits for the next step (the first step, 306 blocks
    // after genesis, pays those whose first epoch came before it).
    let (subnet_rows, keys) = rows_and_metadata(&dir.join("subnets.parquet"));
    assert_eq!(subnet_rows, 1214);
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
    assert_eq!(rows_and_metadata(&dir.join("dim_neurons.parquet")).0, 27);
    assert_eq!(rows_and_metadata(&dir.join("agents.parquet")).0, 26);
    // Every 360th block, and the last one (the world's blocks are not multiples of 360).
    assert_eq!(rows_and_metadata(&dir.join("network.parquet")).0, 11);
    assert_eq!(rows_and_metadata(&dir.join("summary.parquet")).0, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt16Type, UInt32Type, UInt64Type};
use yumalab::chain::block::EpochRecord;
use yumalab::chain::state::Chain;
use yumalab::engine::Observer;
use yumalab::report::read::{for_each_batch, neuron_names};
use yumalab::report::tables::{Rows, RunTables, TablesObserver};
use yumalab::run::simulate_or_stop;
use yumalab::scenario::Scenario;

use crate::common::{scratch_in, yumalab};

/// (block, netuid, uid, hotkey, operator, group, kind): what a row of the old
/// `neurons.parquet` carried.
type Named = (u64, u16, u16, String, String, String, String);

/// Records each neuron row's names as the old format wrote them.
struct Names(Rows, Rc<RefCell<Vec<Named>>>);

impl Observer for Names {
    fn on_epoch(&mut self, chain: &Chain, r: &EpochRecord) {
        let mut out = self.1.borrow_mut();
        self.0.neurons(chain, r, |n, _| {
            out.push((
                n.block,
                n.netuid,
                n.uid,
                n.hotkey.to_owned(),
                n.operator.to_owned(),
                n.group.to_owned(),
                n.kind.to_owned(),
            ));
        });
    }
}

fn scenario(name: &str, set: &[(&str, &str)]) -> Scenario {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let set: Vec<(String, String)> = set
        .iter()
        .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
        .collect();
    Scenario::parse(&text, &path, &set).unwrap()
}

/// Runs `s` writing its tables into `dir`; returns the names the old format had per row.
fn run_with_names(s: &Scenario, dir: &Path) -> Vec<Named> {
    let tables = std::sync::Arc::new(std::sync::Mutex::new(None));
    let shared = tables.clone();
    let names = Rc::new(RefCell::new(Vec::new()));
    let seen = names.clone();
    let stop = AtomicBool::new(false);
    let out = simulate_or_stop(s, s.seed, &stop, |members| {
        let rows = Rows::for_scenario(members, s);
        let t = RunTables::create(dir, rows.clone(), &[]).map_err(|e| e.to_string())?;
        *shared.lock().unwrap() = Some(t);
        Ok(vec![
            Box::new(TablesObserver(shared)) as Box<dyn Observer>,
            Box::new(Names(rows, seen)),
        ])
    })
    .unwrap();
    let t = tables.lock().unwrap().take().unwrap();
    t.finish(&out.simulation, &out.members).unwrap();
    names.take()
}

/// `neurons.parquet` read back and joined with `dim_neurons.parquet` on the `neuron` id.
fn read_joined(dir: &Path) -> Vec<Named> {
    let dim = neuron_names(&dir.join("dim_neurons.parquet")).unwrap();
    let mut out = Vec::new();
    for_each_batch(&dir.join("neurons.parquet"), |b| {
        let col = |n: &str| b.column_by_name(n).unwrap();
        let block = col("block").as_primitive::<UInt64Type>();
        let netuid = col("netuid").as_primitive::<UInt16Type>();
        let uid = col("uid").as_primitive::<UInt16Type>();
        let id = col("neuron").as_primitive::<UInt32Type>();
        for i in 0..b.num_rows() {
            let d = &dim[id.value(i) as usize];
            assert_eq!((d.netuid, d.uid), (netuid.value(i), uid.value(i)));
            assert!(d.first_block <= block.value(i));
            out.push((
                block.value(i),
                netuid.value(i),
                uid.value(i),
                d.hotkey.clone(),
                d.operator.clone(),
                d.group.clone(),
                d.kind.clone(),
            ));
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn names_come_back_through_the_dimension_table_across_uid_reuse() {
    let dir = scratch_in("tables", "round-trip");
    // Newcomers join a subnet of 20 uids that starts full: each registration prunes a uid,
    // which a new hotkey takes (uid 6 holds three hotkeys in turn).
    let s = scenario(
        "miner-entry-exit",
        &[
            ("duration", "{days: 3}"),
            ("subnets[0].max_uids", "20"),
            ("subnets[0].immunity_period", "360"),
        ],
    );
    let old = run_with_names(&s, &dir);
    let new = read_joined(&dir);
    assert!(!old.is_empty());
    assert_eq!(
        new, old,
        "names through the join differ from the old format's"
    );
    // Some uid held two hotkeys (so two ids), and every id is one (netuid, uid, hotkey).
    let dim = neuron_names(&dir.join("dim_neurons.parquet")).unwrap();
    let mut per_uid = std::collections::BTreeMap::<(u16, u16), usize>::new();
    for d in &dim {
        *per_uid.entry((d.netuid, d.uid)).or_default() += 1;
    }
    assert!(
        per_uid.values().any(|&k| k > 1),
        "no uid was reused in the run: the test does not exercise reuse"
    );
    let mut keys: Vec<_> = dim.iter().map(|d| (d.netuid, d.uid, &d.hotkey)).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), dim.len());
}

fn run_cli(dir: &Path, name: &str, sets: &[&str]) {
    let scenario = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut args = vec!["run", scenario.as_str()];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.extend(["-o", dir.to_str().unwrap()]);
    let out = yumalab(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outputs_every_day_and_never_thin_the_tables_but_not_the_summary() {
    let full = scratch_in("tables", "outputs-full");
    let thin = scratch_in("tables", "outputs-thin");
    // cartel-40: one subnet, 27 uids, tempo 360 (20 epochs a day); 3 days.
    run_cli(&full, "cartel-40", &["duration={days: 3}"]);
    run_cli(
        &thin,
        "cartel-40",
        &[
            "duration={days: 3}",
            "outputs={neurons: {every: day}, subnets: {every: never}}",
        ],
    );
    // One row per neuron per day: the subnet's first epoch of each of the 3 days.
    let (rows, keys) = rows_and_metadata(&thin.join("neurons.parquet"));
    assert_eq!(rows, 3 * 27);
    assert!(keys.iter().any(|k| k == "outputs.neurons"), "{keys:?}");
    // cartel-40 runs in the mainnet world: its days count from the snapshot's block.
    let t0 = yumalab::world::named("mainnet-2026-08").unwrap().1.block;
    let days: Vec<u64> = read_joined(&thin)
        .iter()
        .map(|r| (r.0 - t0 - 1) / 7200)
        .collect();
    for d in 0..3 {
        assert_eq!(days.iter().filter(|&&x| x == d).count(), 27, "day {d}");
    }
    // The sampled rows are the full table's rows of those epochs, byte for byte in names.
    let all = read_joined(&full);
    assert_eq!(all.len(), 60 * 27);
    let firsts: Vec<u64> = (0..3)
        .map(|d| {
            all.iter()
                .map(|r| r.0)
                .find(|b| (b - t0 - 1) / 7200 == d)
                .unwrap()
        })
        .collect();
    let kept: Vec<Named> = all.into_iter().filter(|r| firsts.contains(&r.0)).collect();
    assert_eq!(read_joined(&thin), kept);
    // never: the file is there, with its columns, and no rows.
    assert_eq!(rows_and_metadata(&thin.join("subnets.parquet")).0, 0);
    // (every subnet of the world: the scenario's 2 subnets 60 epochs each; the background's
    // are paid at its steps, once a step at most: 59 or 60 for each of the 125 with a tempo up
    // to 360, 15 and 12 for the two with tempos 1440 and 1800)
    let subnet_rows = rows_and_metadata(&full.join("subnets.parquet")).0;
    assert!(
        (2 * 60 + 27 + 59 * 125..=2 * 60 + 27 + 60 * 125).contains(&subnet_rows),
        "{subnet_rows}"
    );
    // The summary sees every epoch either way.
    assert_eq!(
        std::fs::read(full.join("summary.json")).unwrap(),
        std::fs::read(thin.join("summary.json")).unwrap()
    );
    // `yumalab report` rebuilds from complete tables and refuses thinned ones, saying why.
    assert!(
        yumalab(&["report", full.to_str().unwrap()])
            .status
            .success()
    );
    let out = yumalab(&["report", thin.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("thinned")
            && err.contains("neurons every day")
            && err.contains("subnets every never"),
        "{err}"
    );
}

#[test]
fn outputs_subnets_keeps_only_the_named_subnets() {
    let dir = scratch_in("tables", "outputs-subnets");
    let s = scenario(
        "dtao-speculation",
        &[
            ("duration", "{blocks: 1440}"),
            (
                "outputs",
                "{neurons: {subnets: [sn3, sn1]}, subnets: {subnets: [sn3], every: day}}",
            ),
        ],
    );
    let wanted: Vec<u16> = ["sn1", "sn3"]
        .iter()
        .map(|n| s.subnets.iter().find(|x| x.name == *n).unwrap().netuid.0)
        .collect();
    let old = run_with_names(&s, &dir);
    let new = read_joined(&dir);
    assert!(!new.is_empty());
    assert!(new.iter().all(|r| wanted.contains(&r.1)));
    let kept: Vec<Named> = old.into_iter().filter(|r| wanted.contains(&r.1)).collect();
    assert_eq!(new, kept);
    // subnets: sn3 only, its first epoch of the (single) day.
    assert_eq!(rows_and_metadata(&dir.join("subnets.parquet")).0, 1);
}

#[test]
fn bad_outputs_are_refused_with_their_place() {
    let text = "name: t\ndescription: d\nduration: {blocks: 100}\nsubnets:\n  - name: sn1\n  - name: sn2\noutputs:\n  neurons: {every: weekly, subnets: [sn1, sn9, sn1]}\n  subnets: {subnets: []}\n  network: {every: day}\n";
    let problems = Scenario::parse(text, "s.yaml", &[]).unwrap_err().0;
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let has = |needle: &str| {
        assert!(
            shown.iter().any(|p| p.contains(needle)),
            "no problem with `{needle}` in {shown:#?}"
        )
    };
    has(
        "s.yaml:8:20: `outputs.neurons.every`: must be one of `epoch`, `day`, `never`, got `weekly`",
    );
    has("weekly");
    has("`epoch`");
    has(
        "s.yaml:8:43: `outputs.neurons.subnets[1]`: no subnet named `sn9`; expected one of the scenario's subnets: `sn1`, `sn2`",
    );
    has("s.yaml:8:48: `outputs.neurons.subnets[2]`: subnet `sn1` is listed twice");
    has("s.yaml:9:22: `outputs.subnets.subnets`: must name at least one subnet");
    has("s.yaml:10:3: `outputs.network`: unknown field");
    assert_eq!(problems.len(), 5, "{shown:#?}");
    // `--set` values are checked the same way.
    let bad = Scenario::parse(
        "name: t\ndescription: d\nduration: {blocks: 100}\nsubnets: [{name: sn1}]\n",
        "s.yaml",
        &[("outputs.neurons.every".into(), "hourly".into())],
    )
    .unwrap_err();
    assert!(bad.to_string().contains("`outputs.neurons.every`"), "{bad}");
    assert!(bad.to_string().contains("hourly"), "{bad}");
}
