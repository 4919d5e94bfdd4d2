//! `yumalab check`: a run's or sweep's summary against a baseline summary, metric by metric,
//! under tolerances.
//!
//! Rows are matched by `run`. Every numeric column of the baseline is compared; a column the
//! baseline has and the current summary lacks is a failure, a new column is listed but
//! passes (adding a metric does not change a result). NaN equals NaN and ∞ equals ∞.
//!
//! Default tolerances, by metric name (the first matching rule wins; `--tolerance` rules and
//! the baseline's `tolerances` file come before the defaults):
//!
//! | pattern | tolerance | why |
//! |---|---|---|
//! | `run.*`, `*.holders`, `*.agents`, `*nakamoto*` | exact | counts |
//! | `*share*`, `*gini*`, `*hhi*`, `*theil*`, `*entropy*`, `*advantage`, `*rate`, `*yield`, `*roi` | abs 1e-6 | fractions and ratios |
//! | everything else (TAO amounts, value, days) | rel 1e-6 | amounts |
//!
//! A run is deterministic on every machine, so the defaults catch any real change while
//! tolerating last-digit float formatting; widen them per metric where a scenario is meant to
//! be compared across model changes.

use std::fmt::Write as _;

use super::document::num;
use super::read::SummaryTable;

/// How far a value may move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// `|current − baseline| ≤ x`.
    Abs(f64),
    /// `|current − baseline| ≤ x · |baseline|`.
    Rel(f64),
}

impl Tolerance {
    /// Whether `current` is within the tolerance of `baseline`.
    pub fn accepts(self, baseline: f64, current: f64) -> bool {
        if baseline.is_nan() || current.is_nan() {
            return baseline.is_nan() && current.is_nan();
        }
        if baseline.is_infinite() || current.is_infinite() {
            return baseline == current;
        }
        let d = (current - baseline).abs();
        match self {
            Tolerance::Abs(x) => d <= x,
            Tolerance::Rel(x) => d <= x * baseline.abs(),
        }
    }

    fn show(self) -> String {
        match self {
            Tolerance::Abs(0.0) => "exact".into(),
            Tolerance::Abs(x) => format!("abs {x}"),
            Tolerance::Rel(x) => format!("rel {x}"),
        }
    }
}

/// A tolerance rule: a glob over metric names (`*` matches any run of characters).
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The pattern.
    pub pattern: String,
    /// The tolerance.
    pub tolerance: Tolerance,
}

/// Parses `PATTERN=abs:X`, `PATTERN=rel:X`, `PATTERN=exact` or `PATTERN=X` (absolute).
///
/// # Errors
/// A message saying what was expected.
pub fn parse_rule(s: &str) -> Result<Rule, String> {
    let (pattern, t) = s
        .split_once('=')
        .ok_or_else(|| format!("expected PATTERN=TOLERANCE (e.g. `*gini=abs:0.01`), got `{s}`"))?;
    let (pattern, t) = (pattern.trim(), t.trim());
    if pattern.is_empty() {
        return Err(format!("empty pattern in `{s}`"));
    }
    let number = |x: &str| {
        x.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("`{s}`: expected a number >= 0, got `{x}`"))
    };
    let tolerance = if t == "exact" {
        Tolerance::Abs(0.0)
    } else if let Some(x) = t.strip_prefix("abs:") {
        Tolerance::Abs(number(x)?)
    } else if let Some(x) = t.strip_prefix("rel:") {
        Tolerance::Rel(number(x)?)
    } else {
        Tolerance::Abs(number(t)?)
    };
    Ok(Rule {
        pattern: pattern.to_owned(),
        tolerance,
    })
}

/// Parses a tolerances file: one rule per line, `#` comments and blank lines ignored.
///
/// # Errors
/// Every bad line, as `file:line: message`.
pub fn parse_rules(text: &str, file: &str) -> Result<Vec<Rule>, Vec<String>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match parse_rule(line) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(format!("{file}:{}: {e}", i + 1)),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Whether `name` matches the glob `pattern` (`*` only).
pub fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The default rules (see the module docs).
pub fn default_rules() -> Vec<Rule> {
    let r = |p: &str, t| Rule {
        pattern: p.to_owned(),
        tolerance: t,
    };
    let mut rules = Vec::new();
    for p in ["run.*", "*.holders", "*.agents", "*nakamoto*"] {
        rules.push(r(p, Tolerance::Abs(0.0)));
    }
    for p in [
        "*share*",
        "*gini*",
        "*hhi*",
        "*theil*",
        "*entropy*",
        "*advantage",
        "*rate",
        "*yield",
        "*roi",
    ] {
        rules.push(r(p, Tolerance::Abs(1e-6)));
    }
    rules.push(r("*", Tolerance::Rel(1e-6)));
    rules
}

/// The tolerance of `metric` under `rules` (first match), else relative 1e-6.
pub fn tolerance_of(rules: &[Rule], metric: &str) -> Tolerance {
    rules
        .iter()
        .find(|r| glob(&r.pattern, metric))
        .map_or(Tolerance::Rel(1e-6), |r| r.tolerance)
}

/// One compared value.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The run (row) it belongs to.
    pub run: String,
    /// The metric.
    pub metric: String,
    /// Baseline value (NaN if the baseline lacks it).
    pub baseline: f64,
    /// Current value (NaN if the current summary lacks it).
    pub current: f64,
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// Within tolerance.
    pub ok: bool,
    /// Why it failed beyond the numbers (missing column or row), if it did.
    pub note: String,
}

/// The outcome of a comparison.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Values compared.
    pub compared: usize,
    /// The values that moved at all, or are missing, in baseline order.
    pub moved: Vec<Difference>,
    /// Columns the current summary has and the baseline does not.
    pub new_columns: Vec<String>,
    /// Problems that fail the check outright (row count, missing runs).
    pub problems: Vec<String>,
    /// Notes that do not fail it (scenario hash or version differ).
    pub notes: Vec<String>,
}

impl Comparison {
    /// Whether everything is within tolerance.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.moved.iter().all(|d| d.ok)
    }

    /// A readable report: what moved, as a table, then a verdict line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        for p in &self.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        if !self.moved.is_empty() {
            let w = self
                .moved
                .iter()
                .map(|d| d.metric.len())
                .max()
                .unwrap_or(6)
                .max(6);
            let _ = writeln!(
                out,
                "{:<4} {:<5} {:<w$} {:>14} {:>14} {:>12} {:>12}  note",
                "", "run", "metric", "baseline", "current", "change", "tolerance"
            );
            for d in &self.moved {
                let change = if d.baseline.is_finite() && d.current.is_finite() {
                    num(d.current - d.baseline)
                } else {
                    "–".into()
                };
                let _ = writeln!(
                    out,
                    "{:<4} {:<5} {:<w$} {:>14} {:>14} {:>12} {:>12}  {}",
                    if d.ok { "ok" } else { "FAIL" },
                    d.run,
                    d.metric,
                    num(d.baseline),
                    num(d.current),
                    change,
                    d.tolerance.show(),
                    d.note
                );
            }
        }
        if !self.new_columns.is_empty() {
            let _ = writeln!(
                out,
                "new metrics (not in the baseline, not checked): {}",
                self.new_columns.join(", ")
            );
        }
        let failed = self.moved.iter().filter(|d| !d.ok).count();
        let _ = writeln!(
            out,
            "{}: {} values compared, {} moved, {} outside tolerance{}",
            if self.passed() { "PASS" } else { "FAIL" },
            self.compared,
            self.moved.len(),
            failed,
            if self.problems.is_empty() {
                String::new()
            } else {
                format!(", {} problems", self.problems.len())
            }
        );
        out
    }
}

/// Compares `current` with `baseline` under `rules` (then the defaults).
pub fn compare(current: &SummaryTable, baseline: &SummaryTable, rules: &[Rule]) -> Comparison {
    let mut rules = rules.to_vec();
    rules.extend(default_rules());
    let mut c = Comparison::default();
    for key in ["scenario.hash", "scenario.overrides", "yumalab.version"] {
        let (b, n) = (baseline.metadata.get(key), current.metadata.get(key));
        if b != n {
            let show = |v: Option<&String>| {
                v.map_or("(none)".to_owned(), |s| {
                    format!("`{}`", s.replace('\u{1f}', " "))
                })
            };
            let msg = format!("{key} differs: baseline {}, current {}", show(b), show(n));
            if key == "scenario.overrides" {
                c.problems.push(format!(
                    "{msg}; the baseline was made with other `--set` values, so the runs are \
                     not comparable"
                ));
            } else {
                c.notes.push(msg);
            }
        }
    }
    let runs = |t: &SummaryTable| -> Vec<String> {
        t.key("run")
            .map(<[String]>::to_vec)
            .unwrap_or_else(|| (0..t.rows()).map(|i| i.to_string()).collect())
    };
    let (base_runs, cur_runs) = (runs(baseline), runs(current));
    if base_runs.len() != cur_runs.len() {
        c.problems.push(format!(
            "the baseline has {} runs, the current summary {}",
            base_runs.len(),
            cur_runs.len()
        ));
    }
    for (name, bcol) in &baseline.numbers {
        let tol = tolerance_of(&rules, name);
        let ccol = current.column(name);
        for (bi, run) in base_runs.iter().enumerate() {
            let Some(ci) = cur_runs.iter().position(|r| r == run) else {
                if !c
                    .problems
                    .iter()
                    .any(|p| p.contains(&format!("run {run} ")))
                {
                    c.problems.push(format!(
                        "run {run} is in the baseline but not in the current summary"
                    ));
                }
                continue;
            };
            let b = bcol[bi];
            c.compared += 1;
            match ccol {
                None => c.moved.push(Difference {
                    run: run.clone(),
                    metric: name.clone(),
                    baseline: b,
                    current: f64::NAN,
                    tolerance: tol,
                    ok: false,
                    note: "missing from the current summary".into(),
                }),
                Some(col) => {
                    let v = col[ci];
                    let same = v.to_bits() == b.to_bits() || (v.is_nan() && b.is_nan());
                    if !same {
                        c.moved.push(Difference {
                            run: run.clone(),
                            metric: name.clone(),
                            baseline: b,
                            current: v,
                            tolerance: tol,
                            ok: tol.accepts(b, v),
                            note: String::new(),
                        });
                    }
                }
            }
        }
    }
    for (name, _) in &current.numbers {
        if baseline.column(name).is_none() {
            c.new_columns.push(name.clone());
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[(&str, f64)]) -> SummaryTable {
        SummaryTable {
            keys: vec![("run".into(), vec!["0".into()])],
            numbers: values
                .iter()
                .map(|(n, v)| ((*n).to_owned(), vec![*v]))
                .collect(),
            metadata: Default::default(),
        }
    }

    #[test]
    fn glob_matches() {
        assert!(glob("*gini*", "emission.uid.gini_with_zeros"));
        assert!(glob("run.*", "run.blocks"));
        assert!(!glob("run.*", "group.run.x"));
        assert!(glob("group.*.roi", "group.copier.roi"));
        assert!(!glob("group.*.roi", "group.copier.roi2"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "abc") && glob("a*b*c", "aXbYc") && !glob("a*b*c", "acb"));
    }

    #[test]
    fn unchanged_passes_and_changed_fails() {
        let base = table(&[("emission.uid.gini", 0.5), ("inflation.tao_issued", 100.0)]);
        let same = compare(&base, &base, &[]);
        assert!(same.passed());
        assert_eq!(same.compared, 2);
        assert!(same.moved.is_empty());
        let moved = table(&[("emission.uid.gini", 0.51), ("inflation.tao_issued", 100.0)]);
        let c = compare(&moved, &base, &[]);
        assert!(!c.passed());
        assert_eq!(c.moved.len(), 1);
        assert!(c.render().contains("FAIL"));
        // A wider rule lets it through.
        let c = compare(&moved, &base, &[parse_rule("*gini=abs:0.02").unwrap()]);
        assert!(c.passed(), "{}", c.render());
        // Tiny relative moves of amounts pass by default.
        let tiny = table(&[
            ("emission.uid.gini", 0.5),
            ("inflation.tao_issued", 100.00000001),
        ]);
        assert!(compare(&tiny, &base, &[]).passed());
    }

    #[test]
    fn missing_metric_fails_new_metric_passes() {
        let base = table(&[("a.gini", 0.5), ("b.gini", 0.5)]);
        let cur = table(&[("a.gini", 0.5), ("c.gini", 0.1)]);
        let c = compare(&cur, &base, &[]);
        assert!(!c.passed());
        assert_eq!(c.new_columns, vec!["c.gini".to_owned()]);
        assert!(c.render().contains("missing from the current summary"));
    }

    #[test]
    fn nan_and_infinity_compare_equal_to_themselves() {
        let base = table(&[("x.advantage", f64::INFINITY), ("y.rate", f64::NAN)]);
        assert!(compare(&base, &base, &[]).passed());
        let cur = table(&[("x.advantage", 3.0), ("y.rate", f64::NAN)]);
        assert!(!compare(&cur, &base, &[]).passed());
    }

    #[test]
    fn counts_are_exact() {
        let base = table(&[("emission.operator.nakamoto_50", 3.0)]);
        let cur = table(&[("emission.operator.nakamoto_50", 4.0)]);
        assert!(!compare(&cur, &base, &[]).passed());
    }

    #[test]
    fn rules_parse_and_report_every_bad_line() {
        assert_eq!(
            parse_rule("*gini = rel:0.1").unwrap().tolerance,
            Tolerance::Rel(0.1)
        );
        assert_eq!(
            parse_rule("x=exact").unwrap().tolerance,
            Tolerance::Abs(0.0)
        );
        assert!(parse_rule("nonsense").is_err());
        assert!(parse_rule("x=abs:-1").is_err());
        let e = parse_rules("# comment\n*gini=0.1\nbad\nx=rel:y\n", "tolerances").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("tolerances:3:"));
        assert!(e[1].starts_with("tolerances:4:"));
    }

    #[test]
    fn different_overrides_are_not_comparable() {
        let mut base = table(&[("a.gini", 0.5)]);
        base.metadata.insert(
            "scenario.overrides".into(),
            "duration={blocks: 3000}".into(),
        );
        let cur = table(&[("a.gini", 0.5)]);
        let c = compare(&cur, &base, &[]);
        assert!(!c.passed());
        assert!(c.render().contains("not comparable"));
    }
}
