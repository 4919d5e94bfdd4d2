//! `yumalab coinbase SNAPSHOT`: build the chain a snapshot describes, step it N blocks with no
//! agents, and print each block's coinbase. The snapshot and the chain built from it are
//! [`yumalab::world`]; the output formats are [`yumalab::report::coinbase`].
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use yumalab::replay::Format;
use yumalab::report::coinbase as report;
use yumalab::world::{self, Holder, Snapshot};

use super::Failure;

/// Arguments of `yumalab coinbase`.
#[derive(Debug, Args)]
#[command(after_help = "Exit status: 0 success, 1 bad input or unreadable file, 2 internal error.")]
pub struct CoinbaseArgs {
    /// The snapshot file: JSON if its name ends in `.json`, YAML otherwise.
    pub snapshot: PathBuf,
    /// How many blocks to step after the snapshot's block.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub blocks: u64,
    /// What to print on stdout [default: text, or nothing when -o is given].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write `coinbase.parquet` into DIR (created if needed).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How `yumalab coinbase` prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A readable table per block, largest share first.
    Text,
    /// `{"blocks": [...]}` on one line.
    Json,
}

/// Runs `yumalab coinbase`.
///
/// # Errors
/// [`Failure::User`] for an unreadable or invalid snapshot or an unwritable output directory,
/// [`Failure::Internal`] for anything else.
pub fn run(args: &CoinbaseArgs) -> Result<(), Failure> {
    let name = args.snapshot.display().to_string();
    let text = fs::read_to_string(&args.snapshot)
        .map_err(|e| Failure::User(anyhow!("{name}: cannot read the file: {e}")))?;
    let snapshot = Snapshot::parse(&text, &name, Format::from_path(&args.snapshot))
        .map_err(|e| Failure::User(e.into()))?;
    let mut world = world::build(&snapshot, Holder::Validator)
        .map_err(|e| Failure::Internal(anyhow!("{name}: building the chain: {e}")))?;
    let records = world::coinbase(&mut world, args.blocks)
        .map_err(|e| Failure::Internal(anyhow!("{name}: {e}")))?;

    if let Some(dir) = &args.out {
        let written = report::write_parquet(&records, dir).map_err(|e| match e {
            yumalab::report::replay::ReportError::Io { .. } => Failure::User(e.into()),
            _ => Failure::Internal(e.into()),
        })?;
        eprintln!("wrote {} ({} blocks)", written.display(), records.len());
    }

    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, None) => OutputFormat::Text,
        (None, Some(_)) => return Ok(()),
    };
    let mut stdout = BufWriter::new(io::stdout().lock());
    let printed = match format {
        OutputFormat::Text => report::write_text(&records, &mut stdout),
        OutputFormat::Json => report::write_json(&records, &mut stdout),
    }
    .and_then(|()| stdout.flush());
    match printed {
        // A closed pipe (`| head`) means the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::User(anyhow!("writing to stdout: {e}"))),
        Ok(()) => Ok(()),
    }
}
