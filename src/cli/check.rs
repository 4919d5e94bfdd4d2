//! `yumalab check DIR --baseline BASE`: compare a run's or sweep's summary metrics with a
//! committed baseline under tolerances.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use yumalab::report::check::{Rule, compare, parse_rule, parse_rules};
use yumalab::report::read::summary;

use super::Failure;

/// Arguments of `yumalab check`.
#[derive(Debug, Args)]
#[command(
    after_help = "Tolerances: the first matching rule wins; --tolerance rules first, \
then BASE/tolerances (one PATTERN=TOLERANCE per line, # comments), then the defaults: \
counts (run.*, *.holders, *.agents, *nakamoto*) exact; fractions (*share*, *gini*, *hhi*, \
*theil*, *entropy*, *advantage, *rate, *yield, *roi) abs 1e-6; amounts rel 1e-6.\n\
Exit status: 0 every metric within tolerance, 1 something moved beyond it (or a summary is \
missing or unreadable)."
)]
pub struct CheckArgs {
    /// The output directory of `yumalab run` or `yumalab sweep`.
    pub dir: PathBuf,
    /// The baseline: a directory holding a summary.parquet (e.g. reports/baselines/NAME).
    #[arg(long, value_name = "BASE")]
    pub baseline: PathBuf,
    /// A tolerance rule, `PATTERN=abs:X`, `PATTERN=rel:X` or `PATTERN=exact` (`*` globs;
    /// repeatable), e.g. `--tolerance 'group.*.emission_share=abs:0.01'`.
    #[arg(long = "tolerance", value_name = "RULE", value_parser = parse_rule)]
    pub tolerance: Vec<Rule>,
    /// Instead of checking, copy DIR's summary.parquet and summary.json into BASE (make or
    /// update the baseline; commit it deliberately).
    #[arg(long)]
    pub bless: bool,
}

/// Runs `yumalab check`.
///
/// # Errors
/// [`Failure::User`] when the check fails or a summary cannot be read.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    if args.bless {
        fs::create_dir_all(&args.baseline).map_err(|e| {
            Failure::User(anyhow!("{}: cannot create: {e}", args.baseline.display()))
        })?;
        for f in ["summary.parquet", "summary.json"] {
            let from = args.dir.join(f);
            if from.is_file() {
                fs::copy(&from, args.baseline.join(f))
                    .map_err(|e| Failure::User(anyhow!("{}: cannot copy: {e}", from.display())))?;
            }
        }
        println!(
            "blessed {} as {}",
            args.dir.display(),
            args.baseline.display()
        );
        return Ok(());
    }
    let current = summary(&args.dir).map_err(|e| Failure::User(e.into()))?;
    let baseline = summary(&args.baseline).map_err(|e| Failure::User(e.into()))?;
    let mut rules = args.tolerance.clone();
    let file = args.baseline.join("tolerances");
    if file.is_file() {
        let text = fs::read_to_string(&file)
            .map_err(|e| Failure::User(anyhow!("{}: cannot read: {e}", file.display())))?;
        rules.extend(
            parse_rules(&text, &file.display().to_string())
                .map_err(|e| Failure::User(anyhow!(e.join("\n"))))?,
        );
    }
    let c = compare(&current, &baseline, &rules);
    print!("{}", c.render());
    if c.passed() {
        Ok(())
    } else {
        Err(Failure::User(anyhow!(
            "{} differs from the baseline {}",
            args.dir.display(),
            args.baseline.display()
        )))
    }
}
