//! `yumalab validate FILE...` and `yumalab run FILE`: check scenario files, and run one.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;
use yumalab::report::document::{Provenance, answers, run_metadata, write_run};
use yumalab::report::summary::GroupSummary;
use yumalab::report::tables::{Rows, RunTables, TablesObserver, lock_tables as lock};
use yumalab::run::RunError;
use yumalab::scenario::Scenario;

use super::Failure;

/// Arguments of `yumalab validate`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 every file is valid, 1 some file has problems (all are listed)."
)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Override a scalar before validating: `--set subnets[0].tempo=100` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
}

/// Arguments of `yumalab run`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 success, 1 bad scenario or unreadable file, 2 internal error."
)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Override a scalar: `--set population[copiers].count=5` (repeatable). A `[name]` index
    /// picks the list item with that `name` or `group`.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// Where to write the tables, summary, charts and report [default: reports/runs/NAME].
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Check conservation (every rao of TAO and alpha accounted for) and the supply after
    /// every block, in release builds too (debug builds always do); stops at the first
    /// block that breaks them.
    #[arg(long)]
    pub check_every_block: bool,
    /// Threads a block's work runs on: the agents due in it, the observers' rows of its
    /// epochs, and the epochs due together; with more than one, the tables are encoded on
    /// threads of their own (the outputs are the same bytes for every count; worth it for
    /// large networks: `benches/network-year.yaml`).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,
}

pub(crate) fn parse_set(s: &str) -> Result<(String, String), String> {
    yumalab::scenario::parse_override(s)
}

pub(crate) fn load(path: &Path, set: &[(String, String)]) -> Result<Scenario, Failure> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path)
        .map_err(|e| Failure::User(anyhow!("{name}: cannot read the file: {e}")))?;
    Scenario::parse_with(&text, &name, set, &super::read_file).map_err(|e| Failure::User(e.into()))
}

/// Runs `yumalab validate`: every file is checked; all problems of all files are printed.
///
/// # Errors
/// [`Failure::User`] if any file has a problem.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut bad = 0;
    for file in &args.files {
        match load(file, &args.set) {
            Ok(s) => println!(
                "ok: {} ({}, {} blocks, {} subnets, {} groups, world {})",
                file.display(),
                s.name,
                s.blocks,
                s.subnets.len(),
                s.population.len(),
                s.network.name()
            ),
            Err(
                Failure::User(e)
                | Failure::Internal(e)
                | Failure::RunsFailed(e)
                | Failure::Interrupted { error: e, .. },
            ) => {
                bad += 1;
                for line in format!("{e:#}").lines() {
                    eprintln!("error: {line}");
                }
            }
        }
    }
    if bad > 0 {
        return Err(Failure::User(anyhow!(
            "{bad} of {} files have problems",
            args.files.len()
        )));
    }
    Ok(())
}

/// Runs `yumalab run`: builds the scenario, steps it to the end while writing its tables,
/// then writes the summary, charts and report, and prints who earned what.
///
/// The output directory never looks complete unless the run is ([`super::outputs`]): earlier
/// outputs are removed first, and a run that fails or is stopped by SIGINT / SIGTERM
/// ([`super::signals`]) leaves only an `error.txt`.
///
/// # Errors
/// [`Failure::User`] for a bad scenario or an unwritable output directory,
/// [`Failure::Internal`] if it does not build or run, [`Failure::Interrupted`] on a signal.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let scenario = load(&args.file, &args.set)?;
    if let Some(why) = scenario.needs_python(&args.file.display().to_string()) {
        return Err(Failure::User(anyhow!(why)));
    }
    let interrupt = super::signals::install()?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(&scenario.name));
    fs::create_dir_all(&dir).map_err(|e| {
        Failure::User(anyhow!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    super::outputs::clear(&dir, super::outputs::RUN)?;
    super::outputs::guarded(&dir, super::outputs::RUN, || {
        run_into(args, &scenario, &dir, interrupt)
    })
}

/// [`run`] once the output directory is ready.
fn run_into(
    args: &RunArgs,
    scenario: &Scenario,
    dir: &Path,
    interrupt: &super::signals::Interrupt,
) -> Result<(), Failure> {
    let text = fs::read_to_string(&args.file).unwrap_or_default();
    let file = args.file.display().to_string();
    let metadata = run_metadata(scenario, &file, &text, &args.set, scenario.seed);
    let tables = std::sync::Arc::new(std::sync::Mutex::new(None));
    let shared = tables.clone();
    let out_dir = dir.to_owned();
    let table_metadata = metadata.clone();
    // The output directory refusing the tables is the user's to fix, not a bug.
    let create_error = std::cell::RefCell::new(None);
    let outcome = yumalab::run::simulate_threaded(
        scenario,
        scenario.seed,
        interrupt.flag(),
        args.check_every_block,
        usize::from(args.threads),
        |members| {
            let mut t = RunTables::create(
                &out_dir,
                Rows::for_scenario(members, scenario),
                &table_metadata,
            )
            .map_err(|e| {
                let text = e.to_string();
                *create_error.borrow_mut() = Some(e);
                text
            })?;
            // Given more than one thread, the tables' encoding leaves the simulation's.
            if args.threads > 1 {
                t.encode_in_background();
            }
            *lock(&shared) = Some(t);
            Ok(vec![
                Box::new(TablesObserver(shared)) as Box<dyn yumalab::engine::Observer + Send>
            ])
        },
    );
    // Unfinished tables remove their partial files when dropped.
    let outcome = outcome.map_err(|e| {
        drop(lock(&tables).take());
        match e {
            RunError::Stopped(s) => interrupt
                .failure(&format!("after block {} of {}", s.block, s.end))
                .unwrap_or_else(|| Failure::Internal(anyhow!("the run stopped early: {s}"))),
            RunError::Failed(e) => match create_error.take() {
                Some(io) => Failure::User(io.into()),
                None => Failure::Internal(anyhow!("{e}")),
            },
        }
    })?;
    let stopped = |what: &str| match interrupt.failure(what) {
        Some(f) => Err(f),
        None => Ok(()),
    };
    let finished = lock(&tables)
        .take()
        .ok_or_else(|| Failure::Internal(anyhow!("the tables were never created")))?;
    stopped("at the end of the run")?;
    finished
        .finish(&outcome.simulation, &outcome.members)
        .map_err(|e| Failure::User(e.into()))?;
    stopped("while writing the tables")?;
    let results = &outcome.results;
    let provenance = Provenance::from_pairs(&metadata);
    let warnings = write_run(dir, results, &provenance).map_err(|e| Failure::User(e.into()))?;
    // From here on the outputs are complete: a signal no longer undoes them.
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let out = io::stdout();
    let mut out = out.lock();
    print_summary(&mut out, scenario, &outcome.groups, outcome.epochs)
        .and_then(|()| {
            writeln!(out)?;
            let unit = provenance.get("scenario.value_unit");
            for a in answers(results, unit) {
                writeln!(out, "{}", a.replace("**", "").replace('`', ""))?;
                writeln!(out)?;
            }
            writeln!(
                out,
                "tables, charts and report in {}/ (open {})",
                dir.display(),
                dir.join("index.html").display()
            )
        })
        .map_err(|e| Failure::Internal(e.into()))?;
    Ok(())
}

fn print_summary(
    out: &mut impl Write,
    s: &Scenario,
    rows: &[GroupSummary],
    epochs: u64,
) -> io::Result<()> {
    writeln!(out, "{}: {}", s.name, s.description.trim())?;
    writeln!(
        out,
        "seed {}, regime {}, world {}, {} blocks ({:.1} days), {epochs} epochs",
        s.seed,
        s.regime.name(),
        s.network.name(),
        s.blocks,
        s.blocks as f64 / 7200.0
    )?;
    for sn in s.subnets.iter().filter(|_| s.network.snapshot().is_some()) {
        let how = match (&sn.adopt, sn.pruned) {
            (Some((_, written)), _) => format!("adopts the snapshot's subnet (`adopt: {written}`)"),
            (None, Some(p)) => format!(
                "registered at genesis (lock {:.3} TAO), pruning netuid {}",
                sn.lock as f64 / 1e9,
                p.0
            ),
            (None, None) => format!(
                "registered at genesis (lock {:.3} TAO)",
                sn.lock as f64 / 1e9
            ),
        };
        writeln!(out, "subnet `{}` is netuid {}: {how}", sn.name, sn.netuid.0)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<24} {:<20} {:>6} {:>14} {:>8} {:>12} {:>14} {:>14} {:>8}",
        "group",
        "kind",
        "agents",
        "earned (TAO)",
        "share",
        "costs (TAO)",
        "profit (TAO)",
        "per agent",
        "ROI"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<24} {:<20} {:>6} {:>14.3} {:>7.2}% {:>12.3} {:>14.3} {:>14.3} {:>7.2}%",
            r.group,
            r.kind,
            r.agents,
            r.earned,
            100.0 * r.earned_share,
            r.costs,
            r.profit,
            r.profit_per_agent,
            100.0 * r.roi
        )?;
    }
    Ok(())
}
