//! `yumalab sweep FILE`: run every point × replicate of a scenario's `sweep:` section in
//! parallel and write one summary row per run.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use yumalab::report::document::{run_metadata, write_sweep};
use yumalab::report::sweep::{RunResult, write};
use yumalab::scenario::{Problems, Scenario, set_path};
use yumalab::sweep::{expand, scenario_for_with, shard};
use yumalab::yaml::{Node, parse_scalar, parse_tree};

use super::Failure;
use super::scenario::parse_set;

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
/// [`Failure::User`] for a bad scenario or sweep, [`Failure::Internal`] for a failed run.
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::Internal(e.into()))?;
    let bar = ProgressBar::new(runs.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Each run owns its state and streams; results are collected in run order, so the output
    // does not depend on the number of jobs.
    let results: Result<Vec<RunResult>, String> = pool.install(|| {
        runs.par_iter()
            .progress_with(bar)
            .map(|spec| {
                let scenario = scenario_for_with(&tree, &name, spec, &super::read_file)
                    .map_err(|e| e.to_string())?;
                let results = yumalab::run::simulate(&scenario, spec.seed)?.results;
                Ok(RunResult {
                    spec: spec.clone(),
                    metrics: results.summary,
                })
            })
            .collect()
    });
    let results = results.map_err(|e| Failure::Internal(anyhow!("{e}")))?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(format!("{}-sweep", base.name)));
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
    let path = write(&results, &metadata, args.shard, &dir).map_err(|e| Failure::User(e.into()))?;
    if args.shard.is_none() {
        let table = yumalab::report::read::summary(&dir).map_err(|e| Failure::User(e.into()))?;
        for w in write_sweep(&dir, &table).map_err(|e| Failure::User(e.into()))? {
            eprintln!("warning: {w}");
        }
    }
    println!(
        "{} of {total} runs ({} jobs) -> {}",
        results.len(),
        jobs,
        path.display()
    );
    Ok(())
}
