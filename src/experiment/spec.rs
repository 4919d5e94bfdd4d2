//! The `sweep:` section of a scenario: a design (grid, zip, random, lhs, sobol, morris, table),
//! its parameters with their distributions, and the replicate seeds; read and checked with
//! every problem located (file:line:column, field path, value, what was expected).

use std::path::Path;

use crate::scenario::ReadFile;
use crate::scenario::reader::{Problem, Reader, join};
use crate::stats::normal_quantile;
use crate::yaml::{Node, Value, parse_scalar};

/// Most parameters of a `sobol` design: its Sobol sequence has 2 × parameters dimensions and
/// the generator ships Joe–Kuo direction numbers for 32 (see [`super::sobol`]).
pub const MAX_SOBOL_PARAMETERS: usize = super::sobol::MAX_DIMENSIONS / 2;

/// What a sweep varies and how often each point runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Runs per point (the length of `seeds` when given).
    pub replicates: u32,
    /// Explicit replicate seeds (`seeds: [...]`); `None`: derived from the master seed.
    pub seeds: Option<Vec<u64>>,
    /// How points are chosen.
    pub design: Design,
}

/// A swept path with its values listed (`grid`, `zip`).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The scenario path.
    pub path: String,
    /// Where the path is written.
    pub at: Location,
    /// The values.
    pub values: Vec<Node>,
}

/// A place in a file, for problems found after parsing (a swept path that leads nowhere).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file (the scenario, or a table's CSV file).
    pub file: String,
    /// 1-based line (0: unknown).
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// A sampled parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The scenario path.
    pub path: String,
    /// Where the path is written.
    pub at: Location,
    /// Its distribution.
    pub dist: Dist,
}

/// How a parameter's value follows from a coordinate `u` in (0, 1) ([`Dist::value`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Log-uniform on `[min, max]`, `min > 0`.
    LogUniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, clipped to `[min, max]`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// The whole numbers `min..=max`, equally likely.
    Integer {
        /// Smallest.
        min: i128,
        /// Largest.
        max: i128,
    },
    /// One of these values, equally likely.
    Choice(Vec<Node>),
}

/// The design of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum Design {
    /// Every combination, the first path varying slowest.
    Grid(Vec<Axis>),
    /// The k-th values of every list together (lists of equal length).
    Zip(Vec<Axis>),
    /// Independent draws.
    Random {
        /// Points.
        samples: u32,
        /// Parameters.
        params: Vec<Param>,
    },
    /// A Latin hypercube.
    Lhs {
        /// Points.
        samples: u32,
        /// Parameters.
        params: Vec<Param>,
    },
    /// Saltelli's scheme on a scrambled Sobol sequence.
    Sobol {
        /// N: base samples (points = N × (d + 2), or N × (2d + 2) with second order).
        base_samples: u32,
        /// Also the second-order indices.
        second_order: bool,
        /// Parameters.
        params: Vec<Param>,
    },
    /// Morris's elementary effects: `trajectories` walks of d + 1 points on a `levels` grid.
    Morris {
        /// Trajectories.
        trajectories: u32,
        /// Levels of the grid (even).
        levels: u32,
        /// Parameters.
        params: Vec<Param>,
    },
    /// Points listed in a table (a CSV file or an inline list of mappings).
    Table {
        /// The columns: scenario paths.
        columns: Vec<Axis>,
    },
}

impl Design {
    /// The design's name as written in `design:`.
    pub fn name(&self) -> &'static str {
        match self {
            Design::Grid(_) => "grid",
            Design::Zip(_) => "zip",
            Design::Random { .. } => "random",
            Design::Lhs { .. } => "lhs",
            Design::Sobol { .. } => "sobol",
            Design::Morris { .. } => "morris",
            Design::Table { .. } => "table",
        }
    }

    /// The sampled parameters (empty for designs that list values).
    pub fn params(&self) -> &[Param] {
        match self {
            Design::Random { params, .. }
            | Design::Lhs { params, .. }
            | Design::Sobol { params, .. }
            | Design::Morris { params, .. } => params,
            _ => &[],
        }
    }

    /// Every swept path with where it is written, in column order.
    pub fn paths(&self) -> Vec<(String, Location)> {
        match self {
            Design::Grid(a) | Design::Zip(a) | Design::Table { columns: a } => {
                a.iter().map(|x| (x.path.clone(), x.at.clone())).collect()
            }
            _ => self
                .params()
                .iter()
                .map(|p| (p.path.clone(), p.at.clone()))
                .collect(),
        }
    }
}

impl Dist {
    /// The value at coordinate `u` in [0, 1] (the inverse CDF).
    pub fn value(&self, u: f64) -> Node {
        let u = u.clamp(0.0, 1.0);
        Node::detached(match self {
            Dist::Uniform { min, max } => Value::Float(min + u * (max - min)),
            Dist::LogUniform { min, max } => Value::Float(
                (min.ln() + u * (max.ln() - min.ln()))
                    .exp()
                    .clamp(*min, *max),
            ),
            Dist::Normal { mean, sd, min, max } => {
                Value::Float((mean + sd * normal_quantile(u)).clamp(*min, *max))
            }
            Dist::Integer { min, max } => {
                let n = (max - min + 1) as f64;
                Value::Int((min + (u * n).floor() as i128).min(*max))
            }
            Dist::Choice(options) => {
                let k = ((u * options.len() as f64).floor() as usize).min(options.len() - 1);
                return options[k].clone();
            }
        })
    }

    /// Bounds for SALib's problem definition (a choice: its index range).
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Dist::Uniform { min, max }
            | Dist::LogUniform { min, max }
            | Dist::Normal { min, max, .. } => (*min, *max),
            Dist::Integer { min, max } => (*min as f64, *max as f64),
            Dist::Choice(o) => (0.0, (o.len().max(1) - 1) as f64),
        }
    }

    /// The distribution's name as written.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Uniform { .. } => "uniform",
            Dist::LogUniform { .. } => "log-uniform",
            Dist::Normal { .. } => "normal",
            Dist::Integer { .. } => "integer",
            Dist::Choice(_) => "choice",
        }
    }
}

const DESIGNS: &[&str] = &["grid", "zip", "random", "lhs", "sobol", "morris", "table"];
const FIELDS: &[&str] = &[
    "design",
    "replicates",
    "seeds",
    "grid",
    "zip",
    "random",
    "samples",
    "parameters",
    "base_samples",
    "second_order",
    "trajectories",
    "levels",
    "table",
];

/// Reads the `sweep:` section at `n`; `file` is the scenario file (a table's CSV file is read
/// relative to it with `read`).
pub fn read(
    r: &mut Reader<'_>,
    n: &Node,
    path: &str,
    file: &str,
    read: ReadFile<'_>,
) -> Option<Sweep> {
    let f = r.map(n, path, FIELDS)?;
    let at = |node: &Node| Location {
        file: file.to_owned(),
        line: node.line,
        column: node.column,
    };
    // The design: written, or implied by the one listing key present.
    let listed: Vec<&str> = ["grid", "zip", "random", "table"]
        .into_iter()
        .filter(|k| f.get(k).is_some())
        .collect();
    let design = match f.get("design") {
        Some(d) => r.choice(d, &join(path, "design"), DESIGNS)?,
        None => match listed.as_slice() {
            [one] => one,
            [] => {
                r.problem(
                    n,
                    path,
                    "must vary something: give `design` (one of `grid`, `zip`, `random`, `lhs`, \
                     `sobol`, `morris`, `table`) with its fields, or `grid`, `zip`, `random` or \
                     `table`",
                );
                return None;
            }
            _ => {
                r.problem(
                    n,
                    path,
                    format!(
                        "give one design: found {}",
                        listed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                return None;
            }
        },
    };
    // Fields that belong to another design.
    let owner = |k: &str| -> &[&str] {
        match k {
            "grid" => &["grid"],
            "zip" => &["zip"],
            "random" => &["random"],
            "samples" => &["random", "lhs"],
            "parameters" => &["random", "lhs", "sobol", "morris"],
            "base_samples" | "second_order" => &["sobol"],
            "trajectories" | "levels" => &["morris"],
            "table" => &["table"],
            _ => &["grid", "zip", "random", "lhs", "sobol", "morris", "table"],
        }
    };
    for k in FIELDS {
        if let Some(node) = f.get(k)
            && !owner(k).contains(&design)
        {
            r.problem(
                node,
                &join(path, k),
                format!(
                    "does not apply to design `{design}` (it belongs to {})",
                    owner(k)
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    // Replicates or explicit seeds.
    let mut seeds = None;
    if let Some(s) = f.get("seeds") {
        if f.get("replicates").is_some() {
            r.problem(
                s,
                &join(path, "seeds"),
                "give either `replicates` or `seeds`, not both (`seeds` sets the replicates)",
            );
        }
        let items = r.seq(s, &join(path, "seeds"));
        if items.is_empty() && matches!(s.value, Value::Seq(_)) {
            r.problem(s, &join(path, "seeds"), "must list at least one seed");
        }
        let mut list = Vec::new();
        for (k, item) in items.iter().enumerate() {
            if let Some(x) = r.integer(item, &format!("{path}.seeds[{k}]"), 0, u64::MAX) {
                list.push(x);
            }
        }
        seeds = Some(list);
    }
    let replicates = match &seeds {
        Some(s) => s.len().max(1) as u32,
        None => r.integer_or(&f, "replicates", 1, 1, 100_000) as u32,
    };
    let design = match design {
        "grid" | "zip" => {
            let key = design;
            let axes = axes(r, &f, path, key, &at);
            if key == "zip" {
                let lens: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
                if lens.windows(2).any(|w| w[0] != w[1]) {
                    r.problem(
                        f.get("zip").unwrap_or(n),
                        &join(path, "zip"),
                        format!(
                            "lists varied together must have the same length, got lengths {}",
                            lens.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                Design::Zip(axes)
            } else {
                Design::Grid(axes)
            }
        }
        "random" | "lhs" => {
            let params = params(r, &f, path, design, &at);
            let samples = match f.get("samples") {
                Some(s) => r
                    .integer(s, &join(path, "samples"), 1, 1_000_000)
                    .unwrap_or(1) as u32,
                None => {
                    r.problem(
                        n,
                        &join(path, "samples"),
                        format!("design `{design}` needs `samples` >= 1"),
                    );
                    1
                }
            };
            if design == "random" {
                Design::Random { samples, params }
            } else {
                Design::Lhs { samples, params }
            }
        }
        "sobol" => {
            let params = params(r, &f, path, design, &at);
            if params.len() > MAX_SOBOL_PARAMETERS {
                r.problem(
                    f.get("parameters").unwrap_or(n),
                    &join(path, "parameters"),
                    format!(
                        "a sobol design takes at most {MAX_SOBOL_PARAMETERS} parameters, got {}",
                        params.len()
                    ),
                );
            }
            let base_samples = match f.get("base_samples") {
                Some(s) => r
                    .integer(s, &join(path, "base_samples"), 2, 65_536)
                    .unwrap_or(2) as u32,
                None => {
                    r.problem(
                        n,
                        &join(path, "base_samples"),
                        "design `sobol` needs `base_samples` >= 2 (a power of two is best)",
                    );
                    2
                }
            };
            let second_order = r.bool_or(&f, "second_order", false);
            Design::Sobol {
                base_samples,
                second_order,
                params,
            }
        }
        "morris" => {
            let params = params(r, &f, path, design, &at);
            let trajectories = match f.get("trajectories") {
                Some(s) => r
                    .integer(s, &join(path, "trajectories"), 2, 100_000)
                    .unwrap_or(2) as u32,
                None => {
                    r.problem(
                        n,
                        &join(path, "trajectories"),
                        "design `morris` needs `trajectories` >= 2",
                    );
                    2
                }
            };
            let levels = r.integer_or(&f, "levels", 4, 2, 1000) as u32;
            if levels % 2 == 1
                && let Some(l) = f.get("levels")
            {
                r.problem(
                    l,
                    &join(path, "levels"),
                    format!("must be an even number of levels, got `{levels}`"),
                );
            }
            Design::Morris {
                trajectories,
                levels,
                params,
            }
        }
        _ => {
            let Some(t) = f.get("table") else {
                r.problem(n, &join(path, "table"), "design `table` needs `table`: a CSV file or a list of mappings from paths to values");
                return None;
            };
            let columns = table(r, t, &join(path, "table"), file, read)?;
            Design::Table { columns }
        }
    };
    Some(Sweep {
        replicates,
        seeds,
        design,
    })
}

fn axes(
    r: &mut Reader<'_>,
    f: &crate::scenario::reader::Fields<'_>,
    path: &str,
    key: &str,
    at: &dyn Fn(&Node) -> Location,
) -> Vec<Axis> {
    let mut out = Vec::new();
    let Some(g) = f.get(key) else {
        r.problem(
            f.node,
            &join(path, key),
            format!("design `{key}` needs `{key}`: paths mapped to lists of values"),
        );
        return out;
    };
    let Value::Map(entries) = &g.value else {
        r.problem(g, &join(path, key), "must map paths to lists of values");
        return out;
    };
    if entries.is_empty() {
        r.problem(g, &join(path, key), "must vary at least one path");
    }
    for (k, v) in entries {
        let p = k.key_text();
        let values = r.seq(v, &format!("{path}.{key}.{p}")).to_vec();
        if values.is_empty() && matches!(v.value, Value::Seq(_)) {
            r.problem(
                v,
                &format!("{path}.{key}.{p}"),
                "must list at least one value",
            );
        }
        out.push(Axis {
            path: p,
            at: at(k),
            values,
        });
    }
    out
}

fn params(
    r: &mut Reader<'_>,
    f: &crate::scenario::reader::Fields<'_>,
    path: &str,
    design: &str,
    at: &dyn Fn(&Node) -> Location,
) -> Vec<Param> {
    let key = if design == "random" && f.get("random").is_some() {
        "random"
    } else {
        "parameters"
    };
    let mut out = Vec::new();
    let Some(g) = f.get(key) else {
        r.problem(
            f.node,
            &join(path, "parameters"),
            format!("design `{design}` needs `parameters`: paths mapped to distributions ({{min, max}}, with `distribution:` uniform, log-uniform, normal or integer, or {{choice: [...]}})"),
        );
        return out;
    };
    let Value::Map(entries) = &g.value else {
        r.problem(g, &join(path, key), "must map paths to distributions");
        return out;
    };
    if entries.is_empty() {
        r.problem(g, &join(path, key), "must vary at least one path");
    }
    for (k, v) in entries {
        let p = format!("{path}.{key}.{}", k.key_text());
        if let Some(dist) = dist(r, v, &p, design) {
            out.push(Param {
                path: k.key_text(),
                at: at(k),
                dist,
            });
        }
    }
    out
}

fn dist(r: &mut Reader<'_>, v: &Node, p: &str, design: &str) -> Option<Dist> {
    let f = r.map(
        v,
        p,
        &["distribution", "min", "max", "mean", "sd", "choice"],
    )?;
    if let Some(c) = f.get("choice") {
        for k in ["distribution", "min", "max", "mean", "sd"] {
            if let Some(x) = f.get(k) {
                r.problem(x, &join(p, k), "does not apply to a `choice` list");
            }
        }
        let options = r.seq(c, &join(p, "choice")).to_vec();
        if options.is_empty() {
            if matches!(c.value, Value::Seq(_)) {
                r.problem(c, &join(p, "choice"), "must list at least one value");
            }
            return None;
        }
        return Some(Dist::Choice(options));
    }
    let kind = match f.get("distribution") {
        Some(d) => r.choice(
            d,
            &join(p, "distribution"),
            &["uniform", "log-uniform", "normal", "integer"],
        )?,
        None => "uniform",
    };
    let bound = |r: &mut Reader<'_>, name: &str| -> Option<f64> {
        match f.get(name) {
            Some(x) => r.number(x, &join(p, name), |_| true, "a number"),
            None => {
                r.problem(
                    v,
                    &join(p, name),
                    format!(
                        "design `{design}` needs bounds: a {kind} parameter needs `min` and `max`"
                    ),
                );
                None
            }
        }
    };
    for k in ["mean", "sd"] {
        if kind != "normal"
            && let Some(x) = f.get(k)
        {
            r.problem(
                x,
                &join(p, k),
                format!("applies only to `distribution: normal`, not {kind}"),
            );
        }
    }
    let (lo, hi) = (bound(r, "min"), bound(r, "max"));
    let (lo, hi) = (lo?, hi?);
    if lo >= hi {
        r.problem(v, p, format!("`min` ({lo}) must be less than `max` ({hi})"));
        return None;
    }
    match kind {
        "uniform" => Some(Dist::Uniform { min: lo, max: hi }),
        "log-uniform" => {
            if lo <= 0.0 {
                r.problem(
                    f.get("min").unwrap_or(v),
                    &join(p, "min"),
                    format!("a log-uniform `min` must be > 0, got `{lo}`"),
                );
                return None;
            }
            Some(Dist::LogUniform { min: lo, max: hi })
        }
        "integer" => {
            let whole = |x: f64| x.fract() == 0.0 && x.abs() < 1e15;
            for (name, x) in [("min", lo), ("max", hi)] {
                if !whole(x) {
                    r.problem(
                        f.get(name).unwrap_or(v),
                        &join(p, name),
                        format!("an integer parameter needs whole-number bounds, got `{x}`"),
                    );
                    return None;
                }
            }
            Some(Dist::Integer {
                min: lo as i128,
                max: hi as i128,
            })
        }
        _ => {
            let mean = match f.get("mean") {
                Some(x) => r.number(x, &join(p, "mean"), |_| true, "a number")?,
                None => {
                    r.problem(
                        v,
                        &join(p, "mean"),
                        "a normal parameter needs `mean` and `sd`",
                    );
                    return None;
                }
            };
            let sd = match f.get("sd") {
                Some(x) => r.number(x, &join(p, "sd"), |s| s > 0.0, "a standard deviation > 0")?,
                None => {
                    r.problem(
                        v,
                        &join(p, "sd"),
                        "a normal parameter needs `mean` and `sd`",
                    );
                    return None;
                }
            };
            Some(Dist::Normal {
                mean,
                sd,
                min: lo,
                max: hi,
            })
        }
    }
}

/// A table: an inline list of mappings, or a CSV file (first line: the paths).
fn table(
    r: &mut Reader<'_>,
    t: &Node,
    p: &str,
    file: &str,
    read: ReadFile<'_>,
) -> Option<Vec<Axis>> {
    let here = |node: &Node| Location {
        file: file.to_owned(),
        line: node.line,
        column: node.column,
    };
    match &t.value {
        Value::Seq(rows) => {
            let mut columns: Vec<Axis> = Vec::new();
            if rows.is_empty() {
                r.problem(t, p, "must list at least one point");
                return None;
            }
            for (k, row) in rows.iter().enumerate() {
                let Value::Map(entries) = &row.value else {
                    r.problem(
                        row,
                        &format!("{p}[{k}]"),
                        format!("must map paths to values, got `{}`", row.show()),
                    );
                    continue;
                };
                if k == 0 {
                    for (key, _) in entries {
                        columns.push(Axis {
                            path: key.key_text(),
                            at: here(key),
                            values: Vec::new(),
                        });
                    }
                }
                let keys: Vec<String> = entries.iter().map(|(key, _)| key.key_text()).collect();
                let expected: Vec<String> = columns.iter().map(|c| c.path.clone()).collect();
                if keys != expected {
                    r.problem(
                        row,
                        &format!("{p}[{k}]"),
                        format!("every point must set the same paths in the same order as the first ({}), got ({})", expected.join(", "), keys.join(", ")),
                    );
                    continue;
                }
                for (c, (_, v)) in columns.iter_mut().zip(entries) {
                    c.values.push(v.clone());
                }
            }
            Some(columns)
        }
        Value::Str(name) => {
            let path = Path::new(file).parent().unwrap_or(Path::new("")).join(name);
            let shown = path.display().to_string();
            let text = match read(&path) {
                Ok(t) => t,
                Err(e) => {
                    r.problem(t, p, format!("cannot read the table file `{shown}` (relative to the scenario file): {e}"));
                    return None;
                }
            };
            let mut problem = |line: usize, column: usize, message: String| {
                r.problems.push(Problem {
                    file: shown.clone(),
                    line: line as u64,
                    column: column as u64,
                    path: p.to_owned(),
                    message,
                });
            };
            let mut columns: Vec<Axis> = Vec::new();
            let mut rows = 0;
            for (k, line) in text.lines().enumerate() {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let cells = split_csv(line);
                if columns.is_empty() {
                    for (col, cell) in &cells {
                        let name = cell.trim().to_owned();
                        if name.is_empty() {
                            problem(
                                k + 1,
                                *col,
                                "a column has no name: the first line must name scenario paths"
                                    .into(),
                            );
                        }
                        if columns.iter().any(|c| c.path == name) {
                            problem(k + 1, *col, format!("the column `{name}` appears twice"));
                        }
                        columns.push(Axis {
                            path: name,
                            at: Location {
                                file: shown.clone(),
                                line: (k + 1) as u64,
                                column: *col as u64,
                            },
                            values: Vec::new(),
                        });
                    }
                    continue;
                }
                if cells.len() != columns.len() {
                    problem(
                        k + 1,
                        1,
                        format!(
                            "expected {} values (one per column), got {}",
                            columns.len(),
                            cells.len()
                        ),
                    );
                    continue;
                }
                rows += 1;
                for (c, (col, cell)) in columns.iter_mut().zip(&cells) {
                    let mut node = Node::detached(parse_scalar(cell.trim()));
                    node.line = (k + 1) as u64;
                    node.column = *col as u64;
                    c.values.push(node);
                }
            }
            if rows == 0 {
                problem(1, 1, "the table has no points: a header line of scenario paths, then one line per point".into());
                return None;
            }
            Some(columns)
        }
        _ => {
            r.problem(
                t,
                p,
                format!(
                    "must be a CSV file name or a list of mappings from paths to values, got `{}`",
                    t.show()
                ),
            );
            None
        }
    }
}

/// Splits a CSV line at commas outside double quotes; each cell with its 1-based column.
fn split_csv(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut start = 1;
    let mut quoted = false;
    for (i, ch) in line.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push((start, std::mem::take(&mut cell)));
                start = i + 2;
            }
            _ => cell.push(ch),
        }
    }
    out.push((start, cell));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_keep_their_columns() {
        assert_eq!(
            split_csv("a,\"b,c\",d"),
            vec![(1, "a".into()), (3, "b,c".into()), (9, "d".into())]
        );
    }
}
