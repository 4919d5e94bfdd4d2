//! The command line: clap types, one file per command, and how failures become exit codes.
//!
//! Exit codes: 0 success, 1 user error (bad arguments, a file that cannot be read, invalid
//! input, an output directory that cannot be written), 2 internal error (a bug), 128 + N
//! interrupted by signal N (130 SIGINT, 143 SIGTERM; see [`signals`]).
//!
//! A command that fails or is interrupted after it started writing into its output directory
//! leaves nothing there that looks complete, only an `error.txt` ([`outputs`]).
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod coinbase;
pub mod exploit;
pub mod game;
pub mod outputs;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod signals;
pub mod sweep;
pub mod validate_suite;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// yumalab: deterministic economic simulator for Bittensor-style networks.
#[derive(Debug, Parser)]
#[command(name = "yumalab", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print who earned what.
    Run(scenario::RunArgs),
    /// Run every point of a scenario's sweep in parallel; one summary row per run.
    Sweep(sweep::SweepArgs),
    /// Join the shard directories of one sweep into one table, sensitivity analysis and report.
    Merge(sweep::MergeArgs),
    /// Print a JSON Schema of scenario files (or, with --snapshot, of snapshot files).
    Schema(SchemaArgs),
    /// Check scenario files without running them; report every problem.
    Validate(scenario::ValidateArgs),
    /// Replay a sequence of (stakes, weights) epochs through the Yuma epoch.
    Replay(replay::ReplayArgs),
    /// Step a chain built from a snapshot and print each block's coinbase, per subnet.
    Coinbase(coinbase::CoinbaseArgs),
    /// Rebuild a run's or sweep's summary, charts and report from its tables.
    Report(report::ReportArgs),
    /// Compare a run's or sweep's summary with a baseline; exit 1 if a metric moved.
    Check(check::CheckArgs),
    /// Search families of deviations for the most profitable one (exploitability).
    Exploit(exploit::ExploitArgs),
    /// Estimate the game among a role's strategies: stable mixes, replicator dynamics.
    Game(game::GameArgs),
    /// Reproduce published results (docs/validation.md) and check them.
    ValidateSuite(validate_suite::ValidateSuiteArgs),
}

/// Arguments of `yumalab schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The schema of snapshot files (`yumalab coinbase`) instead of scenario files.
    #[arg(long)]
    pub snapshot: bool,
}

/// Why a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// The user can fix it: bad input, a missing file, an unwritable output directory.
    User(anyhow::Error),
    /// A bug in yumalab.
    Internal(anyhow::Error),
    /// Stopped by a signal (SIGINT, SIGTERM) before it finished.
    Interrupted {
        /// The signal's number.
        signal: i32,
        /// What was stopped, and where.
        error: anyhow::Error,
    },
    /// A sweep finished, but some of its runs failed (exit status 3).
    RunsFailed(anyhow::Error),
}

impl Failure {
    /// The error being reported.
    pub fn error(&self) -> &anyhow::Error {
        match self {
            Failure::User(e)
            | Failure::Internal(e)
            | Failure::RunsFailed(e)
            | Failure::Interrupted { error: e, .. } => e,
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::User(_) => ExitCode::from(1),
            Failure::Internal(_) => ExitCode::from(2),
            Failure::RunsFailed(_) => ExitCode::from(3),
            Failure::Interrupted { signal, .. } => {
                ExitCode::from(u8::try_from(128 + signal).unwrap_or(130))
            }
        }
    }
}

/// Runs the parsed command.
///
/// # Errors
/// [`Failure`], already classified as the user's or yumalab's.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Replay(args) => replay::run(&args),
        Command::Run(args) => scenario::run(&args),
        Command::Validate(args) => scenario::validate(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Merge(args) => sweep::merge(&args),
        Command::Report(args) => report::run(&args),
        Command::Check(args) => check::run(&args),
        Command::ValidateSuite(args) => validate_suite::run(&args),
        Command::Coinbase(args) => coinbase::run(&args),
        Command::Exploit(args) => exploit::run(&args),
        Command::Game(args) => game::run(&args),
        Command::Schema(args) => {
            let schema = if args.snapshot {
                yumalab::world::snapshot::json_schema()
            } else {
                yumalab::scenario::schema::json_schema()
            };
            let text =
                serde_json::to_string_pretty(&schema).map_err(|e| Failure::Internal(e.into()))?;
            println!("{text}");
            Ok(())
        }
    }
}

/// Prints a failure on stderr, one `error: ` line per line of its message, and returns the
/// exit code.
pub fn report(failure: Failure) -> ExitCode {
    let code = failure.exit_code();
    let e = failure.error();
    let internal = matches!(failure, Failure::Internal(_));
    for line in format!("{e:#}").lines() {
        eprintln!("error: {line}");
    }
    if internal {
        eprintln!(
            "error: this is a bug in yumalab; please report it with the input that caused it"
        );
    }
    code
}

/// Prints a command-line parse error (or `--help`/`--version`) and returns the exit code:
/// 0 for help and version, 1 for a usage error.
pub fn usage(err: clap::Error) -> ExitCode {
    // Printing can only fail if stderr/stdout is gone; there is nobody left to tell.
    let _ = err.print();
    if err.use_stderr() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a file a scenario names (a snapshot): the disk reader handed to the scenario parser
/// ([`yumalab::scenario::ReadFile`]).
pub(crate) fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}
