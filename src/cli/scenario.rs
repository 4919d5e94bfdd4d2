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
use yumalab::report::tables::{Rows, RunTables, TablesObserver};
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
}

pub(crate) fn parse_set(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(p, v)| (p.trim().to_owned(), v.trim().to_owned()))
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| format!("expected PATH=VALUE, got `{s}`"))
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
            Err(Failure::User(e)) | Err(Failure::Internal(e)) => {
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
/// # Errors
/// [`Failure::User`] for a bad scenario or an unwritable output directory,
/// [`Failure::Internal`] if it does not build or run.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let scenario = load(&args.file, &args.set)?;
    let text = fs::read_to_string(&args.file).unwrap_or_default();
    let file = args.file.display().to_string();
    let metadata = run_metadata(&scenario, &file, &text, &args.set, scenario.seed);
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
    let tables = std::rc::Rc::new(std::cell::RefCell::new(None));
    let shared = tables.clone();
    let out_dir = dir.clone();
    let table_metadata = metadata.clone();
    let outcome = yumalab::run::simulate_with(&scenario, scenario.seed, |members| {
        let t = RunTables::create(
            &out_dir,
            Rows::for_scenario(members, &scenario),
            &table_metadata,
        )
        .map_err(|e| e.to_string())?;
        *shared.borrow_mut() = Some(t);
        Ok(vec![
            Box::new(TablesObserver(shared)) as Box<dyn yumalab::engine::Observer>
        ])
    })
    .map_err(|e| Failure::Internal(anyhow!("{e}")))?;
    let finished = tables
        .borrow_mut()
        .take()
        .ok_or_else(|| Failure::Internal(anyhow!("the tables were never created")))?;
    finished
        .finish(&outcome.simulation, &outcome.members)
        .map_err(|e| Failure::User(e.into()))?;
    let results = &outcome.results;
    let provenance = Provenance::from_pairs(&metadata);
    let warnings = write_run(&dir, results, &provenance).map_err(|e| Failure::User(e.into()))?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let out = io::stdout();
    let mut out = out.lock();
    print_summary(&mut out, &scenario, &outcome.groups, outcome.epochs)
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
