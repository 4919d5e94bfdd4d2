//! `yumalab report DIR`: rebuild a run's (or sweep's) summary, charts and report from its
//! tables alone.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use clap::Args;
use yumalab::report::document::{Provenance, write_run, write_sweep};
use yumalab::report::read::{analysis_from_tables, summary};

use super::Failure;

/// Arguments of `yumalab report`.
#[derive(Debug, Args)]
#[command(
    after_help = "A run directory (with neurons.parquet) gets its summary, windows, charts,\n\
report.md and index.html rebuilt from the tables; a sweep directory (summary.parquet or\n\
summary-shard-*.parquet) gets its charts, report.md and index.html.\n\
Exit status: 0 success, 1 missing or unreadable tables."
)]
pub struct ReportArgs {
    /// The output directory of `yumalab run` or `yumalab sweep`.
    pub dir: PathBuf,
}

/// Runs `yumalab report`.
///
/// # Errors
/// [`Failure::User`] if the tables are missing or unreadable, or the report cannot be written.
pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    let warnings = if dir.join("neurons.parquet").is_file() {
        let (analysis, metadata) =
            analysis_from_tables(dir).map_err(|e| Failure::User(e.into()))?;
        let results = analysis.finish();
        write_run(dir, &results, &Provenance(metadata)).map_err(|e| Failure::User(e.into()))?
    } else {
        let table = summary(dir).map_err(|e| Failure::User(e.into()))?;
        write_sweep(dir, &table).map_err(|e| Failure::User(e.into()))?
    };
    for w in warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "wrote {} and {}",
        dir.join("report.md").display(),
        dir.join("index.html").display()
    );
    Ok(())
}
