//! The validation suite: published results on Yuma Consensus, reproduced (spec
//! `published-results.md`). Each study returns a [`Study`]: its setup, one [`Check`] per
//! published number (published value, ours, tolerance, pass or fail) and its figures.
//! `yumalab validate-suite` runs them all and writes `docs/validation.md` ([`markdown`]).
//!
//! Studies, in order ([`STUDIES`]):
//! - (A) [`retention`]: the stake-retention map of subtensor's consensus document;
//! - (B) [`yc3`]: the chain's seven Yuma3 tests as scripted scenarios through the engine;
//! - (C) [`liquid_alpha`]: the liquid-alpha toy of *Amplifying the Weight-copying Penalty*;
//! - (D) [`whitepaper`]: the 2020 whitepaper's cabal-decay toy;
//! - (E) [`copying`]: weight copying against commit-reveal on a synthetic subnet;
//! - (F) [`discovery`]: liquid alpha v1 (the 2024 paper's rule) against a delayed copier on a
//!   subnet with discovery events, in the papers' own model (a research variant).

pub mod copying;
pub mod discovery;
pub mod liquid_alpha;
pub mod retention;
pub mod whitepaper;
pub mod yc3;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::charts::Figure;

/// Whether a check reproduced its published value.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Within tolerance.
    Pass,
    /// Outside tolerance.
    Fail,
    /// Not attempted or not reproducible here; the reason.
    NotReproduced(String),
    /// The published number was measured on a different mechanism or different data than the
    /// one run here, so ours cannot confirm or refute it; the reason.
    NotComparable(String),
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
    /// Pass, fail, not reproduced or not comparable.
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
    /// Short id: `A`..`F`.
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

/// Runs one study.
pub type StudyFn = fn(Size) -> Study;

/// Every study, in order A..F: its id and the function that runs it.
pub static STUDIES: &[(&str, StudyFn)] = &[
    ("A", retention::study),
    ("B", yc3::study),
    ("C", liquid_alpha::study),
    ("D", whitepaper::study),
    ("E", copying::study),
    ("F", discovery::study),
];

/// The ids in [`STUDIES`], in order.
pub fn study_ids() -> Vec<&'static str> {
    STUDIES.iter().map(|(id, _)| *id).collect()
}

/// Runs every study at `size`, in order A..F.
pub fn run_all(size: Size) -> Vec<Study> {
    STUDIES.iter().map(|(_, run)| run(size)).collect()
}

/// Runs the studies whose ids are in `only` (case-insensitive, surrounding blanks ignored), in
/// order A..F.
///
/// # Errors
/// The ids of `only` that name no study.
pub fn run_selected(size: Size, only: &[String]) -> Result<Vec<Study>, Vec<String>> {
    let named = |s: &str| only.iter().any(|id| s.eq_ignore_ascii_case(id.trim()));
    let unknown: Vec<String> = only
        .iter()
        .filter(|id| {
            !STUDIES
                .iter()
                .any(|(s, _)| s.eq_ignore_ascii_case(id.trim()))
        })
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(STUDIES
        .iter()
        .filter(|(s, _)| named(s))
        .map(|(_, run)| run(size))
        .collect())
}

impl Status {
    /// The word for tables: `pass`, `FAIL`, `not reproduced` or `not comparable`.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotReproduced(_) => "not reproduced",
            Status::NotComparable(_) => "not comparable",
        }
    }

    /// The reason a check was not reproduced or is not comparable; `None` for pass and fail.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Status::NotReproduced(why) | Status::NotComparable(why) => Some(why),
            Status::Pass | Status::Fail => None,
        }
    }
}

/// Counts of check outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Checks within tolerance.
    pub pass: usize,
    /// Checks outside tolerance.
    pub fail: usize,
    /// Checks not reproduced.
    pub not_reproduced: usize,
    /// Checks whose published number is not comparable with ours.
    pub not_comparable: usize,
}

impl Tally {
    /// Counts the checks of `studies`.
    pub fn of(studies: &[Study]) -> Tally {
        let mut t = Tally::default();
        for c in studies.iter().flat_map(|s| &s.checks) {
            match c.status {
                Status::Pass => t.pass += 1,
                Status::Fail => t.fail += 1,
                Status::NotReproduced(_) => t.not_reproduced += 1,
                Status::NotComparable(_) => t.not_comparable += 1,
            }
        }
        t
    }
}

/// What became of a figure when it was drawn, for [`markdown`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drawn {
    /// Both files were written (`DIR/validation/STEM.png` and `.svg`).
    Ok,
    /// It could not be drawn: why.
    Failed(String),
}

/// What the page says about how it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// The command that regenerates the page.
    pub command: String,
    /// The yumalab version.
    pub version: String,
    /// The figures' directory relative to the page (`validation`).
    pub figure_dir: String,
}

/// A figure's title.
fn figure_title(figure: &Figure) -> &str {
    match figure {
        Figure::Line(c) => &c.title,
        Figure::Panels { title, .. } => title,
        Figure::Lorenz(l) => &l.title,
        Figure::ErrorBars(b, _) => &b.title,
        Figure::Bars(b) => &b.title,
        Figure::Heatmap(h) => &h.title,
    }
}

/// Text made safe for one Markdown table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Text made safe for a link's alt text.
fn alt(text: &str) -> String {
    cell(text).replace(['[', ']'], "")
}

/// A status for the summary table: the word, and for a check with a reason, where to read it
/// (the reasons are long; each study's own table gives them in full).
fn summary_status(study: &str, status: &Status) -> String {
    match status.reason() {
        Some(_) => format!("{} (why: see {})", status.word(), cell(study)),
        None => status.word().to_owned(),
    }
}

/// Writes the validation page: title, how to regenerate it, a summary table of every check,
/// then one section per study with its source, setup, checks and figures. `drawn` says, by
/// file stem, which figures were drawn; a stem missing from it is reported as not drawn.
/// The output depends only on the arguments (no dates), so regenerating an unchanged suite
/// gives the same bytes.
pub fn markdown(studies: &[Study], drawn: &BTreeMap<String, Drawn>, page: &PageInfo) -> String {
    let mut md = String::new();
    let t = Tally::of(studies);
    // `write!` into a String cannot fail.
    let _ = writeln!(md, "# Validation: published results, reproduced\n");
    let _ = writeln!(
        md,
        "Generated by yumalab {} with:\n\n```sh\n{}\n```\n",
        page.version, page.command
    );
    let _ = writeln!(
        md,
        "{} checks in {} studies: {} pass, {} fail, {} not reproduced, {} not comparable. A \
         check *passes* when our value is within the stated tolerance of the published one; \
         *not reproduced* means the published number could not be recovered here; *not \
         comparable* means it was measured on a different mechanism or different data than \
         ours, so ours can neither confirm nor refute it. Each of the last two gives its reason \
         in its study's table, and neither fails the suite.\n",
        t.pass + t.fail + t.not_reproduced + t.not_comparable,
        studies.len(),
        t.pass,
        t.fail,
        t.not_reproduced,
        t.not_comparable
    );
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(
        md,
        "| Study | Result | Source | Published | Ours | Tolerance | Status |\n\
         |---|---|---|---|---|---|---|"
    );
    for s in studies {
        for c in &s.checks {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(s.id),
                cell(&c.result),
                cell(&s.source),
                cell(&c.published),
                cell(&c.ours),
                cell(&c.tolerance),
                summary_status(s.id, &c.status)
            );
        }
    }
    for s in studies {
        let _ = writeln!(md, "\n## {}. {}\n", s.id, s.title.trim());
        let _ = writeln!(md, "**Source.** {}\n", s.source.trim());
        let _ = writeln!(md, "{}\n", s.setup.trim());
        let _ = writeln!(
            md,
            "| Result | Published | Ours | Tolerance | Status |\n|---|---|---|---|---|"
        );
        for c in &s.checks {
            let status = match c.status.reason() {
                Some(why) => format!("{}: {}", c.status.word(), cell(why)),
                None => c.status.word().to_owned(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(&c.result),
                cell(&c.published),
                cell(&c.ours),
                cell(&c.tolerance),
                status
            );
        }
        for (stem, figure) in &s.figures {
            let title = alt(figure_title(figure));
            let base = format!("{}/{stem}", page.figure_dir);
            match drawn.get(stem) {
                Some(Drawn::Ok) => {
                    let _ = writeln!(md, "\n![{title}]({base}.png)\n\n[SVG]({base}.svg)");
                }
                Some(Drawn::Failed(why)) => {
                    let _ = writeln!(
                        md,
                        "\n> Figure *{title}* (`{base}.png`) could not be drawn: {}",
                        cell(why)
                    );
                }
                None => {
                    let _ = writeln!(md, "\n> Figure *{title}* (`{base}.png`) was not drawn.");
                }
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{Bars, LineChart};

    fn check(result: &str, status: Status) -> Check {
        Check {
            result: result.into(),
            published: "0.5".into(),
            ours: "0.49".into(),
            tolerance: "±0.02".into(),
            status,
        }
    }

    fn studies() -> Vec<Study> {
        vec![
            Study {
                id: "X",
                title: "First".into(),
                source: "Someone (2024) | a pipe".into(),
                setup: "Line one.\n\nLine two.".into(),
                checks: vec![
                    check("a passes", Status::Pass),
                    check("b fails", Status::Fail),
                    check("c is out of reach", Status::NotReproduced("no data".into())),
                    check(
                        "e is another setting",
                        Status::NotComparable("other data".into()),
                    ),
                ],
                figures: vec![
                    (
                        "x-line".into(),
                        Figure::Line(LineChart {
                            title: "A [line]".into(),
                            ..LineChart::default()
                        }),
                    ),
                    (
                        "x-bars".into(),
                        Figure::Bars(Bars {
                            title: "Some bars".into(),
                            ..Bars::default()
                        }),
                    ),
                    (
                        "x-missing".into(),
                        Figure::Bars(Bars {
                            title: "Never drawn".into(),
                            ..Bars::default()
                        }),
                    ),
                ],
            },
            Study {
                id: "Y",
                title: "Second".into(),
                source: "Another".into(),
                setup: "Setup.".into(),
                checks: vec![check("d multi\nline", Status::Pass)],
                figures: Vec::new(),
            },
        ]
    }

    fn page() -> String {
        let mut drawn = BTreeMap::new();
        drawn.insert("x-line".to_owned(), Drawn::Ok);
        drawn.insert("x-bars".to_owned(), Drawn::Failed("no font".into()));
        let info = PageInfo {
            command: "yumalab validate-suite -o docs".into(),
            version: "9.9.9".into(),
            figure_dir: "validation".into(),
        };
        markdown(&studies(), &drawn, &info)
    }

    #[test]
    fn the_summary_has_one_row_per_check_with_its_status_word() {
        let md = page();
        let summary: Vec<&str> = md
            .split("## Summary")
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Study"))
            .collect();
        assert_eq!(summary.len(), 5, "{summary:#?}");
        assert!(summary[0].starts_with(
            "| X | a passes | Someone (2024) \\| a pipe | 0.5 | 0.49 | ±0.02 | pass |"
        ));
        assert!(summary[1].ends_with("| FAIL |"));
        // A status with a reason points to the study's table, where the reason is given.
        assert!(summary[2].ends_with("| not reproduced (why: see X) |"));
        assert!(summary[3].ends_with("| not comparable (why: see X) |"));
        // A line break inside a cell is folded, so the row stays one table row.
        assert!(summary[4].starts_with("| Y | d multi line |"));
        assert!(
            md.contains(
                "5 checks in 2 studies: 2 pass, 1 fail, 1 not reproduced, 1 not comparable"
            )
        );
    }

    #[test]
    fn each_study_has_a_section_with_its_checks_reasons_and_figures() {
        let md = page();
        assert!(md.starts_with("# Validation"));
        assert!(md.contains("yumalab 9.9.9"));
        assert!(md.contains("```sh\nyumalab validate-suite -o docs\n```"));
        let x = md.split("\n## X. First\n").nth(1).unwrap();
        let x = x.split("\n## Y.").next().unwrap();
        assert!(x.contains("**Source.** Someone (2024) | a pipe"));
        assert!(x.contains("Line one.\n\nLine two."));
        assert!(x.contains("| c is out of reach | 0.5 | 0.49 | ±0.02 | not reproduced: no data |"));
        assert!(x.contains(
            "| e is another setting | 0.5 | 0.49 | ±0.02 | not comparable: other data |"
        ));
        assert!(x.contains("| b fails | 0.5 | 0.49 | ±0.02 | FAIL |"));
        // Drawn: the PNG inline and a link to the SVG; brackets dropped from the alt text.
        assert!(x.contains("![A line](validation/x-line.png)"));
        assert!(x.contains("[SVG](validation/x-line.svg)"));
        // Failed and missing figures are noted, not linked.
        assert!(x.contains("*Some bars* (`validation/x-bars.png`) could not be drawn: no font"));
        assert!(x.contains("*Never drawn* (`validation/x-missing.png`) was not drawn"));
        assert!(!x.contains("](validation/x-bars.png)"));
        assert!(md.contains("\n## Y. Second\n"));
    }

    #[test]
    fn studies_run_in_order_and_can_be_selected_by_id() {
        let ids = study_ids();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "STUDIES must stay in order A..F");
        let only = run_selected(Size::Quick, &[" d".to_owned()]).unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].id, "D");
        assert_eq!(
            run_selected(Size::Quick, &["D".into(), "Z".into()]).unwrap_err(),
            vec!["Z".to_owned()]
        );
        let t = Tally::of(&only);
        assert_eq!(
            (t.pass, t.fail, t.not_reproduced, t.not_comparable),
            (8, 0, 0, 0)
        );
    }
}
