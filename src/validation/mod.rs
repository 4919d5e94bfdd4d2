//! The validation suite: published results on Yuma Consensus, reproduced (spec
//! `published-results.md`). Each study returns a [`Study`]: its setup, one [`Check`] per
//! published number (published value, ours, tolerance, pass or fail) and its figures.
//! `yumalab validate-suite` runs them all and writes `docs/validation.md`.

use crate::report::charts::Figure;

pub mod copying;
pub mod yc3;

/// Whether a check reproduced its published value.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Within tolerance.
    Pass,
    /// Outside tolerance.
    Fail,
    /// Not attempted or not reproducible here; the reason.
    NotReproduced(String),
}

/// One published number against ours.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What is compared, in words.
    pub result: String,
    /// The published value, as printed.
    pub published: String,
    /// Ours.
    pub ours: String,
    /// The tolerance, in words (`±0.02`, `exact`, `1e-3 per entry`).
    pub tolerance: String,
    /// Pass, fail or not reproduced.
    pub status: Status,
}

/// How much work a study does: `Quick` for `cargo test`, `Full` for the published precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Small grids and few seeds: seconds in a debug build.
    Quick,
    /// The published grid sizes and seed counts.
    Full,
}

/// One reproduced study.
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    /// Short id: `A`..`E`.
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// The source, as cited in `published-results.md`.
    pub source: String,
    /// Setup, conventions and how to read the results (Markdown).
    pub setup: String,
    /// The checks.
    pub checks: Vec<Check>,
    /// Figures: `(file stem, figure)`, drawn under `docs/validation/`.
    pub figures: Vec<(String, Figure)>,
}

/// Runs every study at `size`, in order A..E.
pub fn run_all(size: Size) -> Vec<Study> {
    vec![yc3::study(size), copying::study(size)]
}
