//! `yumalab validate-suite`: run the validation studies, draw their figures and write
//! `DIR/validation.md`. The studies and the page's text live in the library
//! ([`yumalab::validation`]); this file only does the I/O.
// The binary's front end is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;
use yumalab::report::charts::render;
use yumalab::validation::{self, Drawn, PageInfo, Size, Status, Tally};

use super::Failure;

/// Arguments of `yumalab validate-suite`.
#[derive(Debug, Args)]
#[command(
    after_help = "Writes DIR/validation.md and the figures under DIR/validation/.\n\
Exit status: 0 no check failed (\"not reproduced\" and \"not comparable\" do not fail), 1 some\n\
check failed or the output cannot be written, 2 internal error."
)]
pub struct ValidateSuiteArgs {
    /// Small grids and few seeds (seconds); the default is the published sizes.
    #[arg(long)]
    pub quick: bool,
    /// Output directory.
    #[arg(short = 'o', long = "out", value_name = "DIR", default_value = "docs")]
    pub out: PathBuf,
    /// Run only these studies, by id (`--only A,C`).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub only: Vec<String>,
}

/// The command line that regenerates the page with these arguments.
fn command_line(args: &ValidateSuiteArgs) -> String {
    let mut cmd = String::from("yumalab validate-suite");
    if args.quick {
        cmd.push_str(" --quick");
    }
    if !args.only.is_empty() {
        cmd.push_str(" --only ");
        cmd.push_str(&args.only.join(","));
    }
    cmd.push_str(" -o ");
    cmd.push_str(&args.out.display().to_string());
    cmd
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, then a rename.
fn write_atomic(path: &Path, text: &str) -> Result<(), Failure> {
    let name = path
        .file_name()
        .map_or_else(|| "page".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.partial"));
    fs::write(&tmp, text)
        .map_err(|e| Failure::User(anyhow!("{}: cannot write: {e}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Failure::User(anyhow!("{}: cannot write: {e}", path.display()))
    })
}

/// Runs `yumalab validate-suite`.
///
/// # Errors
/// [`Failure::User`] for an unknown study id, an output directory that cannot be written, or a
/// check that failed (after the page is written).
pub fn run(args: &ValidateSuiteArgs) -> Result<(), Failure> {
    let size = if args.quick { Size::Quick } else { Size::Full };
    let studies = if args.only.is_empty() {
        validation::run_all(size)
    } else {
        validation::run_selected(size, &args.only).map_err(|unknown| {
            Failure::User(anyhow!(
                "--only: no study {}; the studies are {}",
                unknown.join(", "),
                validation::study_ids().join(", ")
            ))
        })?
    };

    let fig_dir = args.out.join("validation");
    fs::create_dir_all(&fig_dir)
        .map_err(|e| Failure::User(anyhow!("{}: cannot create: {e}", fig_dir.display())))?;
    let mut drawn = BTreeMap::new();
    for s in &studies {
        for (stem, figure) in &s.figures {
            let outcome = match render(figure, &fig_dir, stem) {
                Ok(_) => Drawn::Ok,
                Err(e) => {
                    eprintln!("warning: study {}: figure {stem}: {e}", s.id);
                    Drawn::Failed(e.message)
                }
            };
            drawn.insert(stem.clone(), outcome);
        }
    }

    let page = PageInfo {
        command: command_line(args),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        figure_dir: "validation".into(),
    };
    let path = args.out.join("validation.md");
    write_atomic(&path, &validation::markdown(&studies, &drawn, &page))?;

    for s in &studies {
        let t = Tally::of(std::slice::from_ref(s));
        println!(
            "{}  {}: {} pass, {} fail, {} not reproduced, {} not comparable",
            s.id, s.title, t.pass, t.fail, t.not_reproduced, t.not_comparable
        );
        for c in &s.checks {
            if c.status != Status::Pass {
                println!(
                    "     {}: {} (published {}, ours {})",
                    c.status.word(),
                    c.result,
                    c.published,
                    c.ours
                );
            }
        }
    }
    let failed_figures = drawn.values().filter(|d| **d != Drawn::Ok).count();
    let t = Tally::of(&studies);
    println!(
        "wrote {} ({} figures, {} not drawn): {} pass, {} fail, {} not reproduced, {} not \
         comparable",
        path.display(),
        drawn.len(),
        failed_figures,
        t.pass,
        t.fail,
        t.not_reproduced,
        t.not_comparable
    );
    if t.fail > 0 {
        return Err(Failure::User(anyhow!(
            "{} check{} failed (see {})",
            t.fail,
            if t.fail == 1 { "" } else { "s" },
            path.display()
        )));
    }
    Ok(())
}
