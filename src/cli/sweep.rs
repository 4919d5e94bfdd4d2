//! `yumalab sweep FILE`: run every point × replicate of a scenario's `sweep:` section in
//! parallel and write one summary row per run.
//!
//! A sweep that does not finish (a run fails: no new run starts; SIGINT / SIGTERM: the runs
//! under way stop too) writes no summary and no report; the rows of its completed runs go to
//! `DIR/incomplete/`, and `error.txt` says which runs failed or did not run
//! ([`super::outputs`], [`super::signals`]).
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;
use clap::Args;
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use yumalab::report::document::{run_metadata, write_sweep};
use yumalab::report::sweep::{RunResult, write};
use yumalab::run::RunError;
use yumalab::scenario::{Problems, Scenario, set_path};
use yumalab::sweep::{RunSpec, expand, scenario_for_with, shard};
use yumalab::yaml::{Node, parse_scalar, parse_tree};

use super::scenario::parse_set;
use super::{Failure, outputs};

/// Arguments of `yumalab sweep`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 success, 1 bad scenario or sweep, 2 internal error.\n\
Output: DIR/summary.parquet, or DIR/summary-shard-I-of-N.parquet with --shard; read all\n\
partitions as one table with polars.read_parquet(\"DIR/*.parquet\")."
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
    /// Output directory [default: reports/runs/NAME-sweep].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
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

/// Runs `yumalab sweep`.
///
/// # Errors
/// [`Failure::User`] for a bad scenario or sweep, [`Failure::Internal`] for a failed run,
/// [`Failure::Interrupted`] on a signal.
pub fn run(args: &SweepArgs) -> Result<(), Failure> {
    let name = args.file.display().to_string();
    let text = fs::read_to_string(&args.file)
        .map_err(|e| Failure::User(anyhow!("{name}: cannot read the file: {e}")))?;
    let mut tree: Node = parse_tree(&text).map_err(|e| Failure::User(anyhow!("{name}:{e}")))?;
    for (path, value) in &args.set {
        set_path(&mut tree, path, Node::detached(parse_scalar(value)))
            .map_err(|e| Failure::User(anyhow!("{name}: --set {path}: {e}")))?;
    }
    let base = Scenario::from_tree_with(&tree, &name, &super::read_file)
        .map_err(|e| Failure::User(e.into()))?;
    let sweep = base
        .sweep
        .clone()
        .ok_or_else(|| Failure::User(anyhow!("{name}: has no `sweep:` section")))?;
    let runs = expand(base.seed, &sweep);
    // Every point is validated before anything runs, and all problems are reported.
    let mut problems = Vec::new();
    for r in runs.iter().filter(|r| r.replicate == 0) {
        if let Err(Problems(p)) = scenario_for_with(&tree, &name, r, &super::read_file) {
            problems.extend(p);
        }
    }
    if !problems.is_empty() {
        problems.dedup();
        return Err(Failure::User(Problems(problems).into()));
    }
    let total = runs.len();
    let runs = match args.shard {
        Some((i, n)) => shard(runs, i, n),
        None => runs,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(format!("{}-sweep", base.name)));
    let interrupt = super::signals::install()?;
    fs::create_dir_all(&dir).map_err(|e| {
        Failure::User(anyhow!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let files = outputs::sweep(args.shard);
    outputs::clear(&dir, &files)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::Internal(e.into()))?;
    let bar = ProgressBar::new(runs.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Once a run fails, no new run starts (runs under way finish and are kept); a signal
    // also stops the runs under way.
    let failed = AtomicBool::new(false);
    // Each run owns its state and streams; results are collected in run order, so the output
    // does not depend on the number of jobs.
    let outcomes: Vec<Outcome> = pool.install(|| {
        runs.par_iter()
            .progress_with(bar)
            .map(|spec| {
                if failed.load(Ordering::Relaxed) || interrupt.flag().load(Ordering::Relaxed) {
                    return Outcome::Skipped;
                }
                let result = scenario_for_with(&tree, &name, spec, &super::read_file)
                    .map_err(|e| RunError::Failed(e.to_string()))
                    .and_then(|scenario| {
                        yumalab::run::simulate_or_stop(
                            &scenario,
                            spec.seed,
                            interrupt.flag(),
                            |_| Ok(Vec::new()),
                        )
                    });
                match result {
                    Ok(outcome) => Outcome::Done(RunResult {
                        spec: spec.clone(),
                        metrics: outcome.results.summary,
                    }),
                    Err(RunError::Stopped(_)) => Outcome::Skipped,
                    Err(RunError::Failed(e)) => {
                        failed.store(true, Ordering::Relaxed);
                        Outcome::Failed(e)
                    }
                }
            })
            .collect()
    });
    let mut metadata = run_metadata(&base, &name, &text, &args.set, base.seed);
    metadata.push((
        "sweep.paths".into(),
        runs.first()
            .map(|r| {
                r.values
                    .iter()
                    .map(|v| v.0.clone())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .unwrap_or_default(),
    ));
    // A signal that came after the last run finished stops nothing.
    if !outcomes.iter().all(|o| matches!(o, Outcome::Done(_))) {
        return Err(incomplete(
            &dir, &files, &runs, outcomes, &metadata, args.shard, interrupt,
        ));
    }
    let results: Vec<RunResult> = outcomes
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Done(r) => Some(r),
            _ => None,
        })
        .collect();
    let path = outputs::guarded(&dir, &files, || {
        let path =
            write(&results, &metadata, args.shard, &dir).map_err(|e| Failure::User(e.into()))?;
        if args.shard.is_none() {
            let table =
                yumalab::report::read::summary(&dir).map_err(|e| Failure::User(e.into()))?;
            for w in write_sweep(&dir, &table).map_err(|e| Failure::User(e.into()))? {
                eprintln!("warning: {w}");
            }
        }
        Ok(path)
    })?;
    println!(
        "{} of {total} runs ({} jobs) -> {}",
        results.len(),
        jobs,
        path.display()
    );
    Ok(())
}

/// What became of one run of a sweep.
enum Outcome {
    /// It finished.
    Done(RunResult),
    /// It failed, with this message.
    Failed(String),
    /// It was not started, or was stopped by a signal.
    Skipped,
}

/// A sweep that did not finish: the runs that completed are written to
/// `incomplete/summary.parquet` (away from the summary a reader globs), nothing that looks
/// complete is left, and `error.txt` says which runs failed or did not run.
fn incomplete(
    dir: &Path,
    files: &[String],
    runs: &[RunSpec],
    outcomes: Vec<Outcome>,
    metadata: &[(String, String)],
    shard: Option<(usize, usize)>,
    interrupt: &super::signals::Interrupt,
) -> Failure {
    let mut done = Vec::new();
    let mut failures = Vec::new();
    let mut not_run = 0;
    for (spec, outcome) in runs.iter().zip(outcomes) {
        match outcome {
            Outcome::Done(r) => done.push(r),
            Outcome::Failed(e) => failures.push(format!(
                "run {} (point {}, replicate {}, seed {}): {e}",
                spec.index, spec.point, spec.replicate, spec.seed
            )),
            Outcome::Skipped => not_run += 1,
        }
    }
    let mut message = format!(
        "the sweep did not finish: {} of {} runs completed, {} failed, {not_run} did not run",
        done.len(),
        runs.len(),
        failures.len()
    );
    for f in &failures {
        message.push_str(&format!("\n{f}"));
    }
    // Nothing of the sweep's own outputs stays; the completed runs go where no glob of the
    // summaries finds them.
    let _ = outputs::clear(dir, files);
    if !done.is_empty() {
        let mut meta = metadata.to_vec();
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
    let (Failure::User(e) | Failure::Internal(e) | Failure::Interrupted { error: e, .. }) =
        &failure;
    let _ = fs::write(
        dir.join(outputs::ERROR),
        format!(
            "yumalab sweep failed.\n\ncommand: {}\n\n{e:#}\n",
            std::env::args().collect::<Vec<_>>().join(" ")
        ),
    );
    failure
}
