//! `yumalab sweep FILE`: run every point × replicate of a scenario's `sweep:` section in
//! parallel and write one summary row per run; for `sobol` and `morris` designs also the
//! sensitivity indices and SALib exports.
//!
//! A run that fails is kept as a row with `status = failed` and its message; the others go on
//! and the exit status is 3. Each finished run is appended to `runs.jsonl` (or
//! `runs-shard-I-of-N.jsonl`) as it finishes, and `manifest.json` records the sweep, so a killed
//! sweep finishes with `--resume DIR` and shards join with `yumalab merge`. On SIGINT /
//! SIGTERM the runs under way stop; no summary or report is written; the rows of the completed
//! runs go to `DIR/incomplete/` and `error.txt` says what did not run
//! ([`super::outputs`], [`super::signals`]).
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::anyhow;
use clap::Args;
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use yumalab::experiment::design;
use yumalab::experiment::manifest::{
    Manifest, RunRecord, ShardState, Timings, log_name, parse_log, scenario_hash,
};
use yumalab::experiment::spec::{Design, Dist};
use yumalab::report::document::{Block, run_metadata, sweep_metrics, write_sweep_with};
use yumalab::report::sweep::{
    RunResult, sensitivity, sensitivity_blocks, write, write_salib, write_sensitivity,
    write_sweep_summary,
};
use yumalab::run::RunError;
use yumalab::scenario::{Problems, Scenario, Sweep, set_path};
use yumalab::sweep::{RunSpec, check_points, expand, replicate_seed, scenario_for_with, shard};
use yumalab::units::{derive_seed, stable_id};
use yumalab::yaml::{Node, parse_scalar, parse_tree};

use super::scenario::parse_set;
use super::{Failure, outputs};

/// Arguments of `yumalab sweep`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 every run succeeded, 1 bad scenario, sweep or resume directory, \
2 internal error, 3 the sweep finished but some runs failed (their rows have status = failed), \
128+N stopped by signal N (resume with --resume DIR).\n\
Output: DIR/summary.parquet, or DIR/summary-shard-I-of-N.parquet with --shard; read all\n\
partitions as one table with polars.read_parquet(\"DIR/summary*.parquet\"), or join them\n\
with `yumalab merge`. DIR/manifest.json and DIR/runs*.jsonl record progress."
)]
pub struct SweepArgs {
    /// The scenario file (with a `sweep:` section).
    pub file: PathBuf,
    /// Override a scalar before expanding the sweep (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// Runs in parallel [default: the number of cores].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only shard I of N (runs whose index is I modulo N), for array jobs.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Output directory [default: the --resume directory, else reports/runs/NAME-sweep].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the design, the number of points and runs, and a wall-time estimate from one
    /// pilot run; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Skip the runs already finished in DIR (a sweep of the same scenario and overrides).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("expected I/N, got `{s}`"))?;
    let (i, n): (usize, usize) = (
        i.parse().map_err(|_| format!("bad shard index `{i}`"))?,
        n.parse().map_err(|_| format!("bad shard count `{n}`"))?,
    );
    if n == 0 || i >= n {
        return Err(format!("need 0 <= I < N, got {i}/{n}"));
    }
    Ok((i, n))
}

/// A sweep read and checked: everything needed to run it or to merge its shards.
pub(crate) struct Prepared {
    name: String,
    text: String,
    sets: Vec<(String, String)>,
    tree: Node,
    base: Scenario,
    sweep: Sweep,
    runs: Vec<RunSpec>,
    hash: String,
}

/// Reads a sweep from its text and overrides; every point is checked before anything runs.
pub(crate) fn prepare(
    name: &str,
    text: &str,
    sets: &[(String, String)],
) -> Result<Prepared, Failure> {
    let mut tree: Node = parse_tree(text).map_err(|e| Failure::User(anyhow!("{name}:{e}")))?;
    for (path, value) in sets {
        set_path(&mut tree, path, Node::detached(parse_scalar(value)))
            .map_err(|e| Failure::User(anyhow!("{name}: --set {path}: {e}")))?;
    }
    let base = Scenario::from_tree_with(&tree, name, &super::read_file)
        .map_err(|e| Failure::User(e.into()))?;
    if let Some(why) = base.needs_python(name) {
        return Err(Failure::User(anyhow!(
            why.replace("python -m yumalab run", "python -m yumalab sweep")
        )));
    }
    let sweep = base
        .sweep
        .clone()
        .ok_or_else(|| Failure::User(anyhow!("{name}: has no `sweep:` section")))?;
    let runs = expand(base.seed, &sweep);
    // Listed values (grid, zip, table) must all be valid. In a sampled design a point whose
    // combination of values does not validate becomes a failed run (its row says why), unless
    // no point validates.
    let sampled = !sweep.design.params().is_empty();
    if sampled {
        let mut problems = Vec::new();
        let mut bad = 0;
        let firsts: Vec<&RunSpec> = runs.iter().filter(|r| r.replicate == 0).collect();
        for r in &firsts {
            let p = check_points(
                &tree,
                name,
                &sweep,
                std::slice::from_ref(*r),
                &super::read_file,
            );
            if !p.is_empty() {
                bad += 1;
                for q in p {
                    if !problems.contains(&q) {
                        problems.push(q);
                    }
                }
            }
        }
        if bad == firsts.len() && bad > 0 {
            return Err(Failure::User(Problems(problems).into()));
        }
        if bad > 0 {
            eprintln!(
                "warning: {bad} of {} points do not validate; their runs will fail (status = \
                 failed), e.g.: {}",
                firsts.len(),
                problems[0]
            );
        }
    } else {
        let problems = check_points(&tree, name, &sweep, &runs, &super::read_file);
        if !problems.is_empty() {
            return Err(Failure::User(Problems(problems).into()));
        }
    }
    Ok(Prepared {
        name: name.to_owned(),
        text: text.to_owned(),
        sets: sets.to_vec(),
        tree,
        hash: scenario_hash(text, sets),
        base,
        sweep,
        runs,
    })
}

impl Prepared {
    fn points(&self) -> usize {
        self.runs.last().map_or(0, |r| r.point + 1)
    }

    fn seeds(&self) -> Vec<u64> {
        (0..self.sweep.replicates)
            .map(|r| replicate_seed(self.base.seed, &self.sweep, r))
            .collect()
    }

    fn metadata(&self) -> Vec<(String, String)> {
        let mut metadata = run_metadata(
            &self.base,
            &self.name,
            &self.text,
            &self.sets,
            self.base.seed,
        );
        metadata.push((
            "sweep.paths".into(),
            self.runs
                .first()
                .map(|r| {
                    r.values
                        .iter()
                        .map(|v| v.0.clone())
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                })
                .unwrap_or_default(),
        ));
        metadata.push(("sweep.design".into(), self.sweep.design.name().into()));
        metadata
    }

    fn manifest(
        &self,
        shard: Option<(usize, usize)>,
        shards: Vec<ShardState>,
        timings: Timings,
    ) -> Manifest {
        Manifest {
            format: 1,
            yumalab_version: env!("CARGO_PKG_VERSION").into(),
            scenario_file: self.name.clone(),
            scenario_hash: self.hash.clone(),
            scenario_text: self.text.clone(),
            overrides: self.sets.clone(),
            design: self.sweep.design.name().into(),
            master_seed: self.base.seed,
            seeds: self.seeds(),
            points: self.points(),
            runs: self.runs.len(),
            shard,
            shards,
            timings,
        }
    }

    /// Runs one run; a failure (or a panic) is its message.
    fn run_one(
        &self,
        spec: &RunSpec,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Vec<(String, f64)>, RunError> {
        let go = || {
            scenario_for_with(&self.tree, &self.name, spec, &super::read_file)
                .map_err(|e| RunError::Failed(e.to_string()))
                .and_then(|scenario| {
                    yumalab::run::simulate_or_stop(&scenario, spec.seed, stop, |_| Ok(Vec::new()))
                })
                .map(|o| o.results.summary)
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(go)) {
            Ok(r) => r,
            Err(p) => {
                let why = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(RunError::Failed(format!("the run panicked (a bug): {why}")))
            }
        }
    }
}

fn describe(p: &Prepared) -> String {
    let mut out = format!("design: {}", p.sweep.design.name());
    match &p.sweep.design {
        Design::Grid(a) | Design::Zip(a) | Design::Table { columns: a } => {
            for x in a {
                out.push_str(&format!("\n  {} ({} values)", x.path, x.values.len()));
            }
        }
        d => {
            match d {
                Design::Random { samples, .. } | Design::Lhs { samples, .. } => {
                    out.push_str(&format!(", {samples} samples"));
                }
                Design::Sobol {
                    base_samples,
                    second_order,
                    params,
                } => out.push_str(&format!(
                    ", {base_samples} base samples × {} rows (second order: {})",
                    yumalab::experiment::design::saltelli_block(params.len(), *second_order),
                    if *second_order { "yes" } else { "no" }
                )),
                Design::Morris {
                    trajectories,
                    levels,
                    params,
                } => out.push_str(&format!(
                    ", {trajectories} trajectories × {} rows, {levels} levels",
                    params.len() + 1
                )),
                _ => {}
            }
            for x in d.params() {
                let what = match &x.dist {
                    Dist::Uniform { min, max } => format!("uniform [{min}, {max}]"),
                    Dist::LogUniform { min, max } => format!("log-uniform [{min}, {max}]"),
                    Dist::Normal { mean, sd, min, max } => {
                        format!("normal({mean}, {sd}) clipped to [{min}, {max}]")
                    }
                    Dist::Integer { min, max } => format!("integer {min}..={max}"),
                    Dist::Choice(o) => format!("choice of {}", o.len()),
                };
                out.push_str(&format!("\n  {}: {what}", x.path));
            }
        }
    }
    out
}

/// Runs `yumalab sweep`.
///
/// # Errors
/// [`Failure::User`] for a bad scenario, sweep or resume directory, [`Failure::RunsFailed`]
/// when some runs failed, [`Failure::Interrupted`] on a signal.
pub fn run(args: &SweepArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let name = args.file.display().to_string();
    let text = fs::read_to_string(&args.file)
        .map_err(|e| Failure::User(anyhow!("{name}: cannot read the file: {e}")))?;
    let prepared = prepare(&name, &text, &args.set)?;
    let design_seconds = started.elapsed().as_secs_f64();
    let p = &prepared;
    let total = p.runs.len();
    let mine = match args.shard {
        Some((i, n)) => shard(p.runs.clone(), i, n),
        None => p.runs.clone(),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    if args.dry_run {
        return dry_run(p, &mine, jobs, args.shard);
    }
    let dir = args
        .out
        .clone()
        .or_else(|| args.resume.clone())
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(format!("{}-sweep", p.base.name)));
    // Runs already finished in the resumed directory (this shard's only).
    let mut kept: BTreeMap<usize, RunRecord> = BTreeMap::new();
    if let Some(from) = &args.resume {
        let wanted: std::collections::BTreeSet<usize> = mine.iter().map(|r| r.index).collect();
        kept = resume_records(from, p)?
            .into_iter()
            .filter(|(k, _)| wanted.contains(k))
            .collect();
    }
    let interrupt = super::signals::install()?;
    fs::create_dir_all(&dir).map_err(|e| {
        Failure::User(anyhow!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let files = sweep_files(args.shard);
    outputs::clear(&dir, &files)?;
    // The run log starts with the kept records, then gets one line per run as it finishes.
    let log_path = dir.join(log_name(args.shard));
    let mut log = fs::File::create(&log_path)
        .map_err(|e| Failure::User(anyhow!("{}: cannot write: {e}", log_path.display())))?;
    for r in kept.values() {
        writeln!(
            log,
            "{}",
            serde_json::to_string(r).map_err(|e| Failure::Internal(e.into()))?
        )
        .map_err(|e| Failure::User(anyhow!("{}: cannot write: {e}", log_path.display())))?;
    }
    let shard_key = args
        .shard
        .map_or("whole".into(), |(i, n)| format!("{i}/{n}"));
    let state = |finished: usize, failed: usize| ShardState {
        shard: shard_key.clone(),
        runs: mine.len(),
        finished,
        failed,
        complete: finished == mine.len(),
    };
    let kept_failed = kept.values().filter(|r| r.status != "ok").count();
    write_manifest(
        &dir,
        p,
        args.shard,
        state(kept.len(), kept_failed),
        Timings::default(),
    )?;
    let todo: Vec<&RunSpec> = mine
        .iter()
        .filter(|r| !kept.contains_key(&r.index))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::Internal(e.into()))?;
    let bar = ProgressBar::new(todo.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let log = Mutex::new(log);
    let run_seconds = Mutex::new(0.0f64);
    // Each run owns its state and streams; results are kept by run index, so the output does
    // not depend on the number of jobs or the order runs finish in.
    let outcomes: Vec<Option<RunRecord>> = pool.install(|| {
        todo.par_iter()
            .progress_with(bar)
            .map(|spec| {
                if interrupt.flag().load(Ordering::Relaxed) {
                    return None;
                }
                let t = Instant::now();
                let record = match p.run_one(spec, interrupt.flag()) {
                    Ok(metrics) => RunRecord {
                        hash: p.hash.clone(),
                        run: spec.index,
                        status: "ok".into(),
                        message: None,
                        metrics: metrics.into_iter().map(|(n, v)| (n, v.to_bits())).collect(),
                    },
                    Err(RunError::Stopped(_)) => return None,
                    Err(RunError::Failed(e)) => RunRecord {
                        hash: p.hash.clone(),
                        run: spec.index,
                        status: "failed".into(),
                        message: Some(e),
                        metrics: Vec::new(),
                    },
                };
                if let Ok(mut s) = run_seconds.lock() {
                    *s += t.elapsed().as_secs_f64();
                }
                if let (Ok(mut f), Ok(line)) = (log.lock(), serde_json::to_string(&record)) {
                    // A record that cannot be logged only costs a rerun on resume.
                    let _ = writeln!(f, "{line}").and_then(|()| f.flush());
                }
                Some(record)
            })
            .collect()
    });
    let run_seconds = run_seconds.into_inner().unwrap_or(0.0);
    let ran = outcomes.iter().flatten().count();
    let mut records = kept;
    let resumed = records.len();
    for r in outcomes.into_iter().flatten() {
        records.insert(r.run, r);
    }
    let failed = records.values().filter(|r| r.status != "ok").count();
    let mut timings = Timings {
        wall_seconds: started.elapsed().as_secs_f64(),
        design_seconds,
        runs_run: ran,
        runs_resumed: resumed,
        run_seconds,
        analysis_seconds: 0.0,
    };
    if records.len() < mine.len() {
        write_manifest(&dir, p, args.shard, state(records.len(), failed), timings)?;
        return Err(incomplete(
            &dir, &files, p, &mine, &records, args.shard, interrupt,
        ));
    }
    let analysis = Instant::now();
    let path = outputs::guarded(&dir, &files, || {
        finish(&dir, p, &mine, &records, args.shard)
    })?;
    timings.analysis_seconds = analysis.elapsed().as_secs_f64();
    timings.wall_seconds = started.elapsed().as_secs_f64();
    write_manifest(
        &dir,
        p,
        args.shard,
        state(records.len(), failed),
        timings.clone(),
    )?;
    println!(
        "{} of {total} runs ({} run now, {} resumed, {jobs} jobs; design {:.3} s, analysis {:.3} s of {:.1} s) -> {}",
        mine.len(),
        ran,
        resumed,
        timings.design_seconds,
        timings.analysis_seconds,
        timings.wall_seconds,
        path.display()
    );
    failures_result(&records, &mine)
}

fn failures_result(records: &BTreeMap<usize, RunRecord>, mine: &[RunSpec]) -> Result<(), Failure> {
    let failed: Vec<&RunRecord> = records.values().filter(|r| r.status != "ok").collect();
    if failed.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "{} of {} runs failed (rows with status = failed in the summary; the report lists them)",
        failed.len(),
        mine.len()
    );
    for r in failed.iter().take(10) {
        message.push_str(&format!(
            "\nrun {}: {}",
            r.run,
            r.message.as_deref().unwrap_or("")
        ));
    }
    Err(Failure::RunsFailed(anyhow!("{message}")))
}

/// What a sweep writes into its directory (and clears first).
fn sweep_files(shard: Option<(usize, usize)>) -> Vec<String> {
    let mut files = outputs::sweep(shard);
    files.push(log_name(shard));
    if shard.is_none() {
        for f in [
            "sensitivity.parquet",
            "salib/problem.json",
            "salib/X.txt",
            "salib/Y.txt",
        ] {
            files.push(f.into());
        }
    }
    files
}

fn write_manifest(
    dir: &Path,
    p: &Prepared,
    shard: Option<(usize, usize)>,
    state: ShardState,
    timings: Timings,
) -> Result<(), Failure> {
    let path = dir.join("manifest.json");
    // Shards writing into one directory keep each other's states.
    let mut shards: Vec<ShardState> = fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
        .filter(|m| m.scenario_hash == p.hash && shard.is_some() && m.shard.is_some())
        .map(|m| m.shards)
        .unwrap_or_default();
    shards.retain(|s| s.shard != state.shard);
    shards.push(state);
    shards.sort_by(|a, b| a.shard.cmp(&b.shard));
    let m = p.manifest(shard, shards, timings);
    let text = serde_json::to_string_pretty(&m).map_err(|e| Failure::Internal(e.into()))? + "\n";
    let tmp = dir.join(".manifest.json.partial");
    fs::write(&tmp, text)
        .and_then(|()| fs::rename(&tmp, &path))
        .map_err(|e| Failure::User(anyhow!("{}: cannot write: {e}", path.display())))
}

/// The finished runs recorded in a sweep directory, after checking that it holds a sweep of
/// the same scenario.
fn resume_records(from: &Path, p: &Prepared) -> Result<BTreeMap<usize, RunRecord>, Failure> {
    let mpath = from.join("manifest.json");
    let shown = mpath.display();
    let text = fs::read_to_string(&mpath).map_err(|e| {
        Failure::User(anyhow!(
            "{shown}: cannot read ({e}): --resume needs the directory of an earlier `yumalab sweep`"
        ))
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        Failure::User(anyhow!(
            "{shown}:{}:{}: not a sweep manifest: {e}",
            e.line(),
            e.column()
        ))
    })?;
    if m.scenario_hash != p.hash {
        return Err(Failure::User(anyhow!(
            "{shown}: `scenario_hash`: the directory holds a sweep of another scenario: `{}` \
             (`{}`{}), expected `{}` (`{}`{}); resume only with the same scenario file and --set \
             overrides",
            m.scenario_hash,
            m.scenario_file,
            overrides_text(&m.overrides),
            p.hash,
            p.name,
            overrides_text(&p.sets),
        )));
    }
    if m.runs != p.runs.len() {
        return Err(Failure::User(anyhow!(
            "{shown}: `runs`: {} runs, expected {} (the same scenario must expand the same)",
            m.runs,
            p.runs.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (file, records) in logs(from)? {
        for r in records {
            if r.hash != p.hash {
                return Err(Failure::User(anyhow!(
                    "{file}: run {}: `hash` `{}` is another scenario's, expected `{}`",
                    r.run,
                    r.hash,
                    p.hash
                )));
            }
            if r.run < p.runs.len() {
                out.entry(r.run).or_insert(r);
            }
        }
    }
    Ok(out)
}

fn overrides_text(sets: &[(String, String)]) -> String {
    if sets.is_empty() {
        String::new()
    } else {
        format!(
            " with --set {}",
            sets.iter()
                .map(|(a, b)| format!("{a}={b}"))
                .collect::<Vec<_>>()
                .join(" --set ")
        )
    }
}

/// Every run log in `dir` (`runs.jsonl`, `runs-shard-*.jsonl`), by file name.
fn logs(dir: &Path) -> Result<Vec<(String, Vec<RunRecord>)>, Failure> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Failure::User(anyhow!("{}: cannot read the directory: {e}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("runs") && n.ends_with(".jsonl"))
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let shown = path.display().to_string();
        let text = fs::read_to_string(&path)
            .map_err(|e| Failure::User(anyhow!("{shown}: cannot read: {e}")))?;
        let records = parse_log(&text).map_err(|e| Failure::User(anyhow!("{shown}:{e}")))?;
        out.push((shown, records));
    }
    Ok(out)
}

/// Writes the summary of `mine` from `records` (one per run), and for the whole sweep the
/// sensitivity indices, SALib exports and the report.
fn finish(
    dir: &Path,
    p: &Prepared,
    mine: &[RunSpec],
    records: &BTreeMap<usize, RunRecord>,
    shard: Option<(usize, usize)>,
) -> Result<PathBuf, Failure> {
    let user = |e: yumalab::report::replay::ReportError| Failure::User(e.into());
    let mut results = Vec::with_capacity(mine.len());
    let mut failures = Vec::with_capacity(mine.len());
    for spec in mine {
        let r = &records[&spec.index];
        results.push(RunResult {
            spec: spec.clone(),
            metrics: r.values(),
        });
        failures.push((r.status != "ok").then(|| r.message.clone().unwrap_or_default()));
    }
    let metadata = p.metadata();
    let path = write_sweep_summary(&results, &failures, &metadata, shard, dir).map_err(user)?;
    if shard.is_some() {
        return Ok(path);
    }
    let table = yumalab::report::read::summary(dir).map_err(|e| Failure::User(e.into()))?;
    let metrics = sweep_metrics(&table);
    let mut extra = Vec::new();
    let failed: Vec<(&RunSpec, &str)> = mine
        .iter()
        .zip(&failures)
        .filter_map(|(s, f)| f.as_deref().map(|m| (s, m)))
        .collect();
    if !failed.is_empty() {
        extra.push(Block::Heading(2, "Failed runs".into()));
        extra.push(Block::Text(format!(
            "**{} of {} runs failed**; their rows in `summary.parquet` have `status` = \
             `failed` and the message in `message`; the means above leave them out.",
            failed.len(),
            mine.len()
        )));
        extra.push(Block::List(
            failed
                .iter()
                .take(20)
                .map(|(s, m)| {
                    format!(
                        "run {} (point {}, replicate {}, seed {}): {}",
                        s.index,
                        s.point,
                        s.replicate,
                        s.seed,
                        m.replace('\n', " ")
                    )
                })
                .collect(),
        ));
    }
    let design = &p.sweep.design;
    let unit = design::points(p.base.seed, design).unit;
    let all = sensitivity(
        design,
        &unit,
        &results,
        &metrics,
        derive_seed(p.base.seed, stable_id("sensitivity/bootstrap")),
    );
    if matches!(design, Design::Sobol { .. } | Design::Morris { .. }) {
        write_sensitivity(&all, &metadata, dir).map_err(user)?;
    }
    write_salib(design, &unit, &results, &metrics, dir).map_err(user)?;
    let (blocks, warnings) = sensitivity_blocks(&all, dir);
    extra.extend(blocks);
    for w in warnings
        .into_iter()
        .chain(write_sweep_with(dir, &table, extra).map_err(user)?)
    {
        eprintln!("warning: {w}");
    }
    Ok(path)
}

fn dry_run(
    p: &Prepared,
    mine: &[RunSpec],
    jobs: usize,
    shard: Option<(usize, usize)>,
) -> Result<(), Failure> {
    println!("{}", describe(p));
    println!(
        "points: {}, replicates: {}, runs: {}{}",
        p.points(),
        p.sweep.replicates,
        p.runs.len(),
        shard.map_or(String::new(), |(i, n)| format!(
            " (shard {i}/{n}: {} runs)",
            mine.len()
        ))
    );
    let Some(first) = mine.first() else {
        println!("nothing to run");
        return Ok(());
    };
    let t = Instant::now();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let pilot = p.run_one(first, &stop);
    let secs = t.elapsed().as_secs_f64();
    match pilot {
        Ok(_) => {
            let waves = mine.len().div_ceil(jobs);
            let est = secs * waves as f64;
            println!(
                "pilot run {} (point {}): {secs:.2} s; estimated wall time with {jobs} jobs: {} \
                 ({} runs, assuming every run takes as long as the pilot)",
                first.index,
                first.point,
                human(est),
                mine.len()
            );
        }
        Err(e) => println!("pilot run {} failed: {e:?}", first.index),
    }
    Ok(())
}

fn human(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.0} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// A sweep that did not finish (a signal): the runs that completed are written to
/// `incomplete/summary.parquet` (away from the summary a reader globs), nothing that looks
/// complete is left, and `error.txt` says which runs did not run. The run log and manifest
/// stay for `--resume`.
fn incomplete(
    dir: &Path,
    files: &[String],
    p: &Prepared,
    mine: &[RunSpec],
    records: &BTreeMap<usize, RunRecord>,
    shard: Option<(usize, usize)>,
    interrupt: &super::signals::Interrupt,
) -> Failure {
    let done: Vec<RunResult> = mine
        .iter()
        .filter_map(|s| {
            records
                .get(&s.index)
                .filter(|r| r.status == "ok")
                .map(|r| RunResult {
                    spec: s.clone(),
                    metrics: r.values(),
                })
        })
        .collect();
    let failed = records.values().filter(|r| r.status != "ok").count();
    let mut message = format!(
        "the sweep did not finish: {} of {} runs completed, {failed} failed, {} did not run; \
         finish it with `--resume {}`",
        done.len(),
        mine.len(),
        mine.len() - records.len(),
        dir.display()
    );
    // Nothing of the sweep's own outputs stays but the log (for --resume); the completed
    // runs go where no glob of the summaries finds them.
    let keep = log_name(shard);
    let others: Vec<String> = files.iter().filter(|f| **f != keep).cloned().collect();
    let _ = outputs::clear(dir, &others);
    if !done.is_empty() {
        let mut meta = p.metadata();
        meta.push(("sweep.complete".into(), "false".into()));
        match write(&done, &meta, shard, &dir.join(outputs::INCOMPLETE)) {
            Ok(path) => message.push_str(&format!(
                "\nthe completed runs' rows are in {}; no summary or report was written",
                path.display()
            )),
            Err(e) => message.push_str(&format!("\nthe completed runs could not be kept: {e}")),
        }
    }
    let failure = match interrupt.failure("during the sweep") {
        Some(Failure::Interrupted { signal, error }) => Failure::Interrupted {
            signal,
            error: anyhow!("{error}; {message}"),
        },
        _ => Failure::Internal(anyhow!("{message}")),
    };
    let e = failure.error();
    let _ = fs::write(
        dir.join(outputs::ERROR),
        format!(
            "yumalab sweep failed.\n\ncommand: {}\n\n{e:#}\n",
            std::env::args().collect::<Vec<_>>().join(" ")
        ),
    );
    failure
}

/// Arguments of `yumalab merge`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 merged (every run succeeded), 1 a directory is missing, from \
another scenario, or runs are missing or duplicated, 3 merged but some runs had failed."
)]
pub struct MergeArgs {
    /// Sweep directories (shards) of one scenario.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory for the joined table, sensitivity and report.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `yumalab merge`: joins the run logs of shard directories into one sweep's outputs,
/// as the whole sweep run at once would have written them.
///
/// # Errors
/// [`Failure::User`] when a directory is not a sweep of the same scenario, or a run is
/// missing or duplicated; [`Failure::RunsFailed`] when some runs had failed.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut records: BTreeMap<usize, (String, RunRecord)> = BTreeMap::new();
    let mut duplicated = Vec::new();
    for dir in &args.dirs {
        let mpath = dir.join("manifest.json");
        let text = fs::read_to_string(&mpath).map_err(|e| {
            Failure::User(anyhow!(
                "{}: cannot read ({e}): not a sweep directory",
                mpath.display()
            ))
        })?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            Failure::User(anyhow!(
                "{}:{}:{}: not a sweep manifest: {e}",
                mpath.display(),
                e.line(),
                e.column()
            ))
        })?;
        if let Some((d0, m0)) = &first
            && (m0.scenario_hash != m.scenario_hash || m0.runs != m.runs)
        {
            return Err(Failure::User(anyhow!(
                "{}: `scenario_hash`: `{}` ({} runs), but {} holds `{}` ({} runs): shards of \
                 different sweeps do not merge",
                mpath.display(),
                m.scenario_hash,
                m.runs,
                d0.display(),
                m0.scenario_hash,
                m0.runs
            )));
        }
        for (file, recs) in logs(dir)? {
            for r in recs {
                if r.hash != m.scenario_hash {
                    return Err(Failure::User(anyhow!(
                        "{file}: run {}: `hash` `{}` is another scenario's, expected `{}`",
                        r.run,
                        r.hash,
                        m.scenario_hash
                    )));
                }
                if let Some((other, _)) = records.get(&r.run) {
                    duplicated.push(format!("run {} is in {other} and {file}", r.run));
                } else {
                    records.insert(r.run, (file.clone(), r));
                }
            }
        }
        if first.is_none() {
            first = Some((dir.clone(), m));
        }
    }
    let Some((_, m)) = first else {
        return Err(Failure::User(anyhow!("no directories to merge")));
    };
    if !duplicated.is_empty() {
        return Err(Failure::User(anyhow!(
            "{} runs are duplicated:\n{}",
            duplicated.len(),
            duplicated.join("\n")
        )));
    }
    let missing: Vec<usize> = (0..m.runs).filter(|k| !records.contains_key(k)).collect();
    if !missing.is_empty() {
        return Err(Failure::User(anyhow!(
            "{} of {} runs are missing (first: {}): finish their shards (--resume) first",
            missing.len(),
            m.runs,
            missing
                .iter()
                .take(10)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let extra: Vec<usize> = records.keys().filter(|k| **k >= m.runs).copied().collect();
    if !extra.is_empty() {
        return Err(Failure::User(anyhow!(
            "runs {extra:?} are beyond the sweep's {} runs",
            m.runs
        )));
    }
    let p = prepare(&m.scenario_file, &m.scenario_text, &m.overrides)?;
    if p.hash != m.scenario_hash || p.runs.len() != m.runs {
        return Err(Failure::Internal(anyhow!(
            "the manifest's scenario expands to {} runs with hash {}, not {} with {}",
            p.runs.len(),
            p.hash,
            m.runs,
            m.scenario_hash
        )));
    }
    let records: BTreeMap<usize, RunRecord> =
        records.into_iter().map(|(k, (_, r))| (k, r)).collect();
    let dir = &args.out;
    fs::create_dir_all(dir).map_err(|e| {
        Failure::User(anyhow!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let files = sweep_files(None);
    outputs::clear(dir, &files)?;
    // The merged directory holds the whole log, so it can itself be resumed or merged.
    let log_path = dir.join(log_name(None));
    let mut log = String::new();
    for r in records.values() {
        log.push_str(&serde_json::to_string(r).map_err(|e| Failure::Internal(e.into()))?);
        log.push('\n');
    }
    fs::write(&log_path, log)
        .map_err(|e| Failure::User(anyhow!("{}: cannot write: {e}", log_path.display())))?;
    let analysis = Instant::now();
    let path = outputs::guarded(dir, &files, || finish(dir, &p, &p.runs, &records, None))?;
    let failed = records.values().filter(|r| r.status != "ok").count();
    let timings = Timings {
        wall_seconds: started.elapsed().as_secs_f64(),
        design_seconds: 0.0,
        runs_run: 0,
        runs_resumed: records.len(),
        run_seconds: 0.0,
        analysis_seconds: analysis.elapsed().as_secs_f64(),
    };
    let state = ShardState {
        shard: "whole".into(),
        runs: p.runs.len(),
        finished: records.len(),
        failed,
        complete: true,
    };
    write_manifest(dir, &p, None, state, timings)?;
    println!(
        "merged {} runs from {} directories -> {}",
        records.len(),
        args.dirs.len(),
        path.display()
    );
    failures_result(&records, &p.runs)
}
