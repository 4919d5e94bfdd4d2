//! `yumalab replay FILE`: read a replay file, run it, print the result and optionally write
//! it as Parquet. The replay itself is [`yumalab::replay`]; the output formats are
//! [`yumalab::report::replay`].
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use yumalab::replay::{Format, Replay};
use yumalab::report::replay as report;

use super::{Failure, outputs};

/// Arguments of `yumalab replay`.
#[derive(Debug, Args)]
#[command(after_help = "Exit status: 0 success, 1 bad input or unreadable file, 2 internal error.")]
pub struct ReplayArgs {
    /// The replay file: JSON if its name ends in `.json`, YAML otherwise.
    pub file: PathBuf,
    /// What to print on stdout [default: text, or nothing when -o is given].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write `epochs.parquet` and `bonds.parquet` into DIR (created if needed).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How `yumalab replay` prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A readable table per epoch.
    Text,
    /// `{"epochs": [...]}` on one line.
    Json,
}

/// Runs `yumalab replay`.
///
/// # Errors
/// [`Failure::User`] for an unreadable or invalid file or an unwritable output directory,
/// [`Failure::Internal`] for anything else.
pub fn run(args: &ReplayArgs) -> Result<(), Failure> {
    let name = args.file.display().to_string();
    let text = fs::read_to_string(&args.file)
        .map_err(|e| Failure::User(anyhow!("{name}: cannot read the file: {e}")))?;
    let replay = Replay::parse(&text, &name, Format::from_path(&args.file))
        .map_err(|e| Failure::User(e.into()))?;
    let result = replay.run().map_err(|e| {
        let failure = Failure::Internal(anyhow!("{name}: replaying: {e}"));
        if let Some(dir) = &args.out {
            outputs::fail(dir, outputs::REPLAY, &failure);
        }
        failure
    })?;

    if let Some(dir) = &args.out {
        // Earlier outputs go first, and a failure leaves only `error.txt` (super::outputs).
        if dir.is_dir() {
            outputs::clear(dir, outputs::REPLAY)?;
        }
        let written = outputs::guarded(dir, outputs::REPLAY, || {
            report::write_parquet(&result, dir).map_err(|e| match e {
                report::ReportError::Io { .. } => Failure::User(e.into()),
                _ => Failure::Internal(e.into()),
            })
        })?;
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "wrote {} ({} epochs)",
            names.join(", "),
            result.epochs.len()
        );
    }

    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, None) => OutputFormat::Text,
        (None, Some(_)) => return Ok(()),
    };
    let mut stdout = BufWriter::new(io::stdout().lock());
    let printed = match format {
        OutputFormat::Text => report::write_text(&result, &mut stdout),
        OutputFormat::Json => report::write_json(&result, &mut stdout),
    }
    .and_then(|()| stdout.flush());
    match printed {
        // A closed pipe (`| head`) means the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::User(anyhow!("writing to stdout: {e}"))),
        Ok(()) => Ok(()),
    }
}
