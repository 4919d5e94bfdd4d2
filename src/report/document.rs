//! The report of a run or a sweep: `report.md` and a self-contained `index.html` (charts
//! inlined as SVG), plus the summary files and the charts they show.
//!
//! A run directory ends up with: the run's tables (`neurons`, `subnets`, `network`,
//! `agents`), `summary.parquet` (one row, every metric), `summary.json` (the same, readable
//! and diffable), `windows.parquet` (the metrics per 360-block window), `charts/*.png|svg`,
//! `report.md` and `index.html`. Everything here is derived from the tables and their
//! metadata, which is what lets `yumalab report DIR` rebuild it.
//!
//! The document is built once as a list of [`Block`]s and rendered to Markdown and HTML, so
//! both say the same thing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use super::analysis::{Results, Side, WindowRow};
use super::charts::{Bars, Figure, LineChart, Lorenz, Series, render};
use super::read::SummaryTable;
use super::replay::{ReportError, write_atomically};

/// What a report says about where its numbers come from: the tables' metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance(pub BTreeMap<String, String>);

impl Provenance {
    /// A metadata value, or `""`.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    /// From `(key, value)` pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Provenance {
        Provenance(pairs.iter().cloned().collect())
    }

    /// The command line that reproduces the run (or sweep) into `dir`.
    pub fn reproduce(&self, command: &str, dir: &Path) -> String {
        let mut line = format!(
            "yumalab {command} {}",
            shell_word(self.get("scenario.file"))
        );
        for o in self.get("scenario.overrides").split('\u{1f}') {
            if !o.is_empty() {
                let _ = write!(line, " --set {}", shell_word(o));
            }
        }
        let _ = write!(line, " -o {}", shell_word(&dir.display().to_string()));
        line
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,[]".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Metadata recorded in every table of a run: version, scenario (name, file, description,
/// hash, seed, regime, overrides, value unit, full text) and the metric conventions.
pub fn run_metadata(
    scenario: &crate::scenario::Scenario,
    file: &str,
    text: &str,
    overrides: &[(String, String)],
    seed: u64,
) -> Vec<(String, String)> {
    let units: Vec<&str> = scenario
        .subnets
        .iter()
        .map(|s| s.value_unit.as_str())
        .collect();
    let mut unit = units.first().copied().unwrap_or("units").to_owned();
    if units.iter().any(|u| *u != unit) {
        unit = "value units (mixed across subnets)".into();
    }
    if unit.is_empty() {
        unit = "units".into();
    }
    [
        ("yumalab.version", env!("CARGO_PKG_VERSION").to_owned()),
        ("scenario.name", scenario.name.clone()),
        ("scenario.file", file.to_owned()),
        (
            "scenario.description",
            scenario.description.trim().to_owned(),
        ),
        (
            "scenario.hash",
            format!("{:016x}", crate::units::stable_id(text)),
        ),
        ("scenario.seed", seed.to_string()),
        ("scenario.regime", scenario.regime.name().to_owned()),
        ("scenario.world", scenario.network.name()),
        (
            "scenario.overrides",
            overrides
                .iter()
                .map(|(p, v)| format!("{p}={v}"))
                .collect::<Vec<_>>()
                .join("\u{1f}"),
        ),
        ("scenario.blocks", scenario.blocks.to_string()),
        ("scenario.value_unit", unit),
        ("scenario.yaml", text.to_owned()),
        (
            "metrics.conventions",
            crate::metrics::CONVENTIONS.to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(world_metadata(scenario))
    .chain(super::units::Units::of(scenario, seed).metadata())
    .chain(scenario.outputs.metadata())
    .collect()
}

/// `world `W`, ` for the report's reproduce line (nothing for tables written before worlds);
/// in a snapshot world also where it starts and which subnets are the scenario's.
fn world_text(p: &Provenance) -> String {
    match (p.get("scenario.world"), p.get("scenario.genesis_block")) {
        ("", _) => String::new(),
        (w, "") => format!("world `{w}`, "),
        (w, block) => format!(
            "world `{w}` from block {block} (the scenario's subnets: netuid {}; the others are background subnets, left out of the analysis), ",
            p.get("scenario.netuids").replace(',', ", ")
        ),
    }
}

/// In a snapshot world: `scenario.genesis_block` and `scenario.netuids` (the scenario's own
/// subnets, comma-separated), which `yumalab report` needs to analyse the tables as the run
/// did ([`crate::report::analysis::Analysis::in_world`]).
fn world_metadata(scenario: &crate::scenario::Scenario) -> Vec<(String, String)> {
    if scenario.network.snapshot().is_none() {
        return Vec::new();
    }
    let netuids: Vec<String> = scenario
        .subnets
        .iter()
        .map(|s| s.netuid.0.to_string())
        .collect();
    vec![
        (
            "scenario.genesis_block".into(),
            scenario.network.genesis_block().to_string(),
        ),
        ("scenario.netuids".into(), netuids.join(",")),
    ]
}

/// A piece of the document.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A heading of level 1..3.
    Heading(u8, String),
    /// A paragraph; `**bold**` and `` `code` `` are the only inline marks.
    Text(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table: header and rows (cells use the same inline marks).
    Table(Vec<String>, Vec<Vec<String>>),
    /// A chart: stem under `charts/`, title, caption saying where its numbers come from.
    Chart(String, String, String),
    /// Preformatted text.
    Code(String),
}

/// Renders `blocks` as Markdown.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(out, "{} {t}\n", "#".repeat(usize::from(*level)));
            }
            Block::Text(t) => {
                let _ = writeln!(out, "{t}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(head, rows) => {
                let _ = writeln!(out, "| {} |", head.join(" | "));
                let _ = writeln!(
                    out,
                    "|{}|",
                    head.iter().map(|_| "---").collect::<Vec<_>>().join("|")
                );
                for r in rows {
                    let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out.push('\n');
            }
            Block::Chart(stem, title, caption) => {
                let _ = writeln!(
                    out,
                    "![{title}](charts/{stem}.png)\n\n*{caption}* ([SVG](charts/{stem}.svg))\n"
                );
            }
            Block::Code(t) => {
                let _ = writeln!(out, "```\n{}\n```\n", t.trim_end());
            }
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `**bold**` and `` `code` `` to HTML, the rest escaped.
fn inline(s: &str) -> String {
    let mut out = String::new();
    let mut bold = false;
    let mut code = false;
    let mut chars = s.chars().peekable();
    let mut buf = String::new();
    while let Some(c) = chars.next() {
        if c == '`' {
            out.push_str(&escape(&std::mem::take(&mut buf)));
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
        } else if c == '*' && !code && chars.peek() == Some(&'*') {
            chars.next();
            out.push_str(&escape(&std::mem::take(&mut buf)));
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
        } else {
            buf.push(c);
        }
    }
    out.push_str(&escape(&buf));
    if code {
        out.push_str("</code>");
    }
    if bold {
        out.push_str("</strong>");
    }
    out
}

const CSS: &str = "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}\
th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:right}\
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\
code{background:#f3f3f3;padding:0 0.2em;border-radius:3px}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:0.85em}\
figure{margin:1.5em 0}figcaption{font-size:0.9em;color:#555}\
figure svg{max-width:100%;height:auto}";

/// Renders `blocks` as one self-contained HTML page; charts are inlined from
/// `chart_dir/STEM.svg` (a chart that cannot be read is shown as a note).
pub fn html(title: &str, blocks: &[Block], chart_dir: &Path) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", inline(t));
            }
            Block::Text(t) => {
                let _ = writeln!(out, "<p>{}</p>", inline(t));
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(out, "<li>{}</li>", inline(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(head, rows) => {
                out.push_str("<table>\n<tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", inline(h));
                }
                out.push_str("</tr>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td>{}</td>", inline(c));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Chart(stem, title, caption) => {
                let svg = fs::read_to_string(chart_dir.join(format!("{stem}.svg")))
                    .map(|s| match s.find("<svg") {
                        Some(i) => s[i..].to_owned(),
                        None => s,
                    })
                    .unwrap_or_else(|_| {
                        format!(
                            "<p><em>chart `{}` could not be drawn</em></p>",
                            escape(stem)
                        )
                    });
                let _ = writeln!(
                    out,
                    "<figure>\n{svg}\n<figcaption><strong>{}</strong>. {}</figcaption>\n</figure>",
                    escape(title),
                    inline(caption)
                );
            }
            Block::Code(t) => {
                let _ = writeln!(out, "<pre>{}</pre>", escape(t.trim_end()));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A number for people: 4 significant digits, thousands plain, NaN as `–`, ∞ as `∞`.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        return "–".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if x.fract() == 0.0 && a < 1e15 {
        format!("{x:.0}")
    } else if !(1e-3..1e6).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else {
        let digits = 3 - a.log10().floor() as i32;
        format!("{x:.*}", digits.clamp(0, 6) as usize)
    }
}

/// A share as a percentage.
pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2} %", 100.0 * x)
    } else {
        num(x)
    }
}

fn write_text(path: &Path, text: &str) -> Result<(), ReportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    fs::write(&tmp, text).map_err(|source| ReportError::Io {
        path: tmp.clone(),
        source,
    })?;
    fs::rename(&tmp, path).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}

/// `summary.json`: the metrics as one JSON object, in summary order, non-finite values as
/// strings (`"NaN"`, `"inf"`), so a baseline diff reads line by line.
pub fn summary_json(p: &Provenance, metrics: &[(String, f64)]) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"scenario\": {},\n  \"seed\": {},\n  \"yumalab\": {},\n  \"metrics\": {{",
        serde_json::Value::from(p.get("scenario.name")),
        serde_json::Value::from(p.get("scenario.seed")),
        serde_json::Value::from(p.get("yumalab.version")),
    );
    for (k, (name, v)) in metrics.iter().enumerate() {
        let value = if v.is_finite() {
            serde_json::Value::from(*v).to_string()
        } else {
            format!("\"{v}\"")
        };
        let comma = if k + 1 < metrics.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "    {}: {value}{comma}",
            serde_json::Value::from(name.as_str())
        );
    }
    out.push_str("  }\n}\n");
    out
}

/// The `windows` table (`windows.parquet`): one row per 360-block window.
///
/// # Errors
/// [`ReportError::Arrow`] if the columns disagree (a bug).
pub fn windows_table(windows: &[WindowRow]) -> Result<RecordBatch, ReportError> {
    let f = |name: &str, get: fn(&WindowRow) -> f64| -> (Field, ArrayRef) {
        (
            Field::new(name, DataType::Float64, false),
            Arc::new(Float64Array::from_iter_values(windows.iter().map(get))),
        )
    };
    let mut fields = vec![Field::new("block", DataType::UInt64, false)];
    let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from_iter_values(
        windows.iter().map(|w| w.block),
    ))];
    for (field, col) in [
        f("emission_tao", |w| w.emission_tao),
        f("value", |w| w.value),
        f("tao_issued", |w| w.tao_issued),
        f("emission_tao_cum", |w| w.emission_tao_cum),
        f("value_cum", |w| w.value_cum),
        f("gini_uid", |w| w.gini_uid),
        f("gini_operator", |w| w.gini_operator),
        f("nakamoto_operator", |w| w.nakamoto_operator),
        f("top1_operator", |w| w.top1_operator),
        f("hhi_operator", |w| w.hhi_operator),
        f("gini_operator_7d", |w| w.gini_operator_7d),
        f("stake_gini_operator", |w| w.stake_gini_operator),
    ] {
        fields.push(field);
        columns.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(ReportError::Arrow)
}

fn days(block: u64) -> f64 {
    block as f64 / super::analysis::BLOCKS_PER_DAY
}

fn line(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: Vec<Series>,
    y_range: Option<(f64, f64)>,
) -> LineChart {
    LineChart {
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series,
        y_range,
        markers: false,
        hlines: Vec::new(),
    }
}

fn series(name: &str, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.into(),
        points: points.into_iter().filter(|p| p.1.is_finite()).collect(),
        band: Vec::new(),
    }
}

/// A chart of a report: `(stem, figure, title, caption)`.
pub type Chart = (String, Figure, String, String);

/// The charts of a run.
pub fn run_figures(r: &Results, p: &Provenance) -> Vec<Chart> {
    let w = &r.windows;
    let pts = |f: fn(&WindowRow) -> f64| -> Vec<(f64, f64)> {
        w.iter().map(|x| (days(x.block), f(x))).collect()
    };
    let unit = p.get("scenario.value_unit");
    let unit = if unit.is_empty() { "units" } else { unit };
    let mut out = Vec::new();
    out.push((
        "concentration".to_owned(),
        Figure::Panels {
            title: "Reward concentration over time".into(),
            panels: vec![
                line(
                    "Gini of emission per 360-block window (non-zero holders)",
                    "day",
                    "Gini (0 equal … 1 one holder)",
                    vec![
                        series("operators (coldkeys)", pts(|x| x.gini_operator)),
                        series("uids (hotkeys)", pts(|x| x.gini_uid)),
                        series("operators, rolling 7 days", pts(|x| x.gini_operator_7d)),
                        series("stake, operators", pts(|x| x.stake_gini_operator)),
                    ],
                    Some((0.0, 1.0)),
                ),
                line(
                    "Largest operator's share of each window's emission",
                    "day",
                    "share of emission",
                    vec![series("top operator", pts(|x| x.top1_operator))],
                    Some((0.0, 1.0)),
                ),
            ],
        },
        "Concentration over time".to_owned(),
        "From `neurons.parquet`: emission (incentive + dividends + root dividends, in TAO at \
         the epoch's price) summed per 360-block window, per hotkey and per operator; stake is \
         the Yuma stake weight at the window's end. Also in `windows.parquet`."
            .to_owned(),
    ));
    out.push((
        "lorenz".to_owned(),
        Figure::Lorenz(Lorenz {
            title: "Who got the emission: Lorenz curves over the whole run".into(),
            curves: vec![
                (
                    "emission by operator".into(),
                    r.emission_by_operator.clone(),
                ),
                ("emission by uid".into(), r.emission_by_uid.clone()),
                (
                    "final stake by operator".into(),
                    r.stake_by_operator.clone(),
                ),
            ],
        }),
        "Lorenz curves".to_owned(),
        "From `neurons.parquet`: each holder's emission summed over the run (TAO), and each \
         operator's stake at its subnet's last epoch. The further below the diagonal, the more \
         concentrated."
            .to_owned(),
    ));
    out.push((
        "inflation".to_owned(),
        Figure::Panels {
            title: "Inflation against value".into(),
            panels: vec![
                line(
                    "What was issued and paid (cumulative)",
                    "day",
                    "TAO",
                    vec![
                        series("TAO issued", pts(|x| x.tao_issued)),
                        series("emission paid, TAO value", pts(|x| x.emission_tao_cum)),
                    ],
                    None,
                ),
                line(
                    "What miners' real work produced (cumulative)",
                    "day",
                    unit,
                    vec![series("value produced", pts(|x| x.value_cum))],
                    None,
                ),
                line(
                    "Emission paid per unit of value (cumulative)",
                    "day",
                    &format!("TAO per {unit}"),
                    vec![series(
                        "TAO per unit",
                        w.iter()
                            .filter(|x| x.value_cum > 0.0)
                            .map(|x| (days(x.block), x.emission_tao_cum / x.value_cum))
                            .collect(),
                    )],
                    None,
                ),
            ],
        },
        "Inflation against value".to_owned(),
        format!(
            "From `network.parquet` (TAO minted) and `neurons.parquet` (emission paid in TAO at \
             the epoch's price; value = each original miner's mean true quality × the subnet's \
             `value_per_quality`, in {unit}; copies count 0)."
        ),
    ));
    let groups: Vec<&(String, String, Side)> = r
        .groups
        .iter()
        .filter(|g| g.2 != Side::Other && shown(r, &g.0))
        .collect();
    out.push((
        "strategies".to_owned(),
        Figure::Bars(Bars {
            title: "Paid against contributed, per group".into(),
            y_label: "share within its side".into(),
            categories: groups
                .iter()
                .map(|g| format!("{} ({})", g.0, g.1))
                .collect(),
            bars: vec![
                (
                    "share of its side's emission".into(),
                    groups
                        .iter()
                        .map(|g| {
                            r.get(&format!("group.{}.side_emission_share", g.0))
                                .unwrap_or(f64::NAN)
                        })
                        .collect(),
                ),
                (
                    "share of contribution".into(),
                    groups
                        .iter()
                        .map(|g| {
                            r.get(&format!("group.{}.contribution_share", g.0))
                                .unwrap_or(f64::NAN)
                        })
                        .collect(),
                ),
            ],
        }),
        "Emission against contribution".to_owned(),
        "Miners: share of all miner incentive against share of the value produced. Validators: \
         share of all dividends against share of validator stake. A group paid above its \
         contribution games the mechanism (or is simply better, for honest groups)."
            .to_owned(),
    ));
    let mut netuids: Vec<u16> = r.subnets.iter().map(|s| s.netuid).collect();
    netuids.sort_unstable();
    netuids.dedup();
    let per_subnet = |f: fn(&super::analysis::SubnetRow) -> f64| -> Vec<Series> {
        netuids
            .iter()
            .map(|&n| {
                series(
                    &format!("subnet {n}"),
                    r.subnets
                        .iter()
                        .filter(|s| s.netuid == n)
                        .map(|s| (days(s.block), f(s)))
                        .collect(),
                )
            })
            .collect()
    };
    out.push((
        "subnets".to_owned(),
        Figure::Panels {
            title: "Subnet pools".into(),
            panels: vec![
                line(
                    "Spot price",
                    "day",
                    "TAO per alpha",
                    per_subnet(|s| s.price),
                    None,
                ),
                line(
                    "TAO reserve",
                    "day",
                    "TAO",
                    per_subnet(|s| s.tao_reserve as f64 / 1e9),
                    None,
                ),
                line(
                    "Alpha reserve",
                    "day",
                    "alpha",
                    per_subnet(|s| s.alpha_reserve as f64 / 1e9),
                    None,
                ),
            ],
        },
        "Subnet prices and reserves".to_owned(),
        "From `subnets.parquet`, one point per epoch.".to_owned(),
    ));
    if !r.tao_usd.is_empty() {
        let mut chart = line(
            "TAO's price in USD (the scenario's `tao_usd`)",
            "day",
            "USD per TAO",
            vec![series("USD per TAO", r.tao_usd.clone())],
            None,
        );
        chart.markers = r.tao_usd.len() <= 60;
        out.push((
            "tao-usd".to_owned(),
            Figure::Line(chart),
            "TAO in USD".to_owned(),
            "The price path the analysis converts with: a constant, the scenario's points, or \
             its random walk drawn for this run's seed (recorded in the tables' metadata)."
                .to_owned(),
        ));
    }
    out.extend(network_figures(r, &netuids));
    out
}

/// The network panels of a world run (none when isolated): each own subnet's share against
/// the gate bar, its price against the network median, where its TAO came from; the Lorenz
/// curve of the subnets' shares and the effective number of paid subnets.
fn network_figures(r: &Results, netuids: &[u16]) -> Vec<Chart> {
    if r.network.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let bar: Vec<(f64, f64)> = r.gate_bars.iter().map(|&(b, x)| (days(b), x)).collect();
    let mut shares = Vec::new();
    let mut prices = Vec::new();
    let mut sources = Vec::new();
    for &n in netuids {
        let rows: Vec<&super::analysis::SubnetRow> =
            r.subnets.iter().filter(|s| s.netuid == n).collect();
        shares.push(series(
            &format!("SN{n} share"),
            rows.iter().map(|s| (days(s.block), s.share)).collect(),
        ));
        shares.push(series(
            &format!("SN{n} share before the gate"),
            rows.iter()
                .map(|s| (days(s.block), s.share_before_gate))
                .collect(),
        ));
        prices.push(series(
            &format!("SN{n} spot"),
            rows.iter().map(|s| (days(s.block), s.price)).collect(),
        ));
        prices.push(series(
            &format!("SN{n} moving"),
            rows.iter()
                .map(|s| (days(s.block), s.moving_price))
                .collect(),
        ));
        let (mut inj, mut buy) = (0u64, 0u64);
        let mut a = Vec::new();
        let mut b = Vec::new();
        for s in &rows {
            inj += s.tao_in;
            buy += s.excess_tao;
            a.push((days(s.block), inj as f64 / 1e9));
            b.push((days(s.block), buy as f64 / 1e9));
        }
        sources.push(series(&format!("SN{n} injected into the pool"), a));
        sources.push(series(&format!("SN{n} chain buys"), b));
    }
    shares.push(series("gate bar", bar));
    let w = &r.network;
    prices.push(series(
        "network median spot",
        w.iter().map(|x| (days(x.block), x.median_price)).collect(),
    ));
    prices.push(series(
        "network median moving",
        w.iter()
            .map(|x| (days(x.block), x.median_moving_price))
            .collect(),
    ));
    out.push((
        "network".to_owned(),
        Figure::Panels {
            title: "The subnet in its network".into(),
            panels: vec![
                line(
                    "Share of the block emission against the gate's bar",
                    "day",
                    "share of the block emission",
                    shares,
                    None,
                ),
                line(
                    "Price against the network's median",
                    "day",
                    "TAO per alpha",
                    prices,
                    None,
                ),
                line(
                    "Where its TAO came from (cumulative)",
                    "day",
                    "TAO",
                    sources,
                    None,
                ),
            ],
        },
        "The subnet in its network".to_owned(),
        "From `subnets.parquet` (the scenario's subnets: share, share before the gate, spot and \
         moving price, `tao_in` injected and `excess_tao` spent on chain buys, per epoch) and \
         `network.parquet` (`gate_bar`, every 360 blocks); the network's median is over every \
         subnet's latest epoch in each 360-block window."
            .to_owned(),
    ));
    out.push((
        "network-lorenz".to_owned(),
        Figure::Lorenz(Lorenz {
            title: "Subnets' shares of the block emission: Lorenz curve over the run".into(),
            curves: vec![(
                "mean share per subnet".into(),
                r.subnet_shares.iter().map(|s| s.1).collect(),
            )],
        }),
        "Network: Lorenz curve of subnet emission shares".to_owned(),
        "From `subnets.parquet`: each subnet's share of the block emission, averaged over its \
         epochs (background subnets included). `network.share_gini` is its Gini."
            .to_owned(),
    ));
    out.push((
        "network-paid".to_owned(),
        Figure::Panels {
            title: "How many subnets are paid".into(),
            panels: vec![
                line(
                    "Effective number of paid subnets, 1 / Σ s²",
                    "day",
                    "subnets",
                    vec![
                        series(
                            "effective number",
                            w.iter()
                                .map(|x| (days(x.block), x.effective_paid))
                                .collect(),
                        ),
                        series(
                            "subnets with a share > 0",
                            w.iter().map(|x| (days(x.block), x.paid)).collect(),
                        ),
                    ],
                    None,
                ),
                line(
                    "Top 10 subnets' share of the block emission",
                    "day",
                    "share",
                    vec![series(
                        "top 10",
                        w.iter().map(|x| (days(x.block), x.top10)).collect(),
                    )],
                    Some((0.0, 1.0)),
                ),
            ],
        },
        "Network: paid subnets".to_owned(),
        "Per 360-block window, from every subnet's latest share in `subnets.parquet`: \
         `network.effective_paid_subnets`, `network.paid_subnets` and `network.top10_share` \
         are their means."
            .to_owned(),
    ));
    out
}

/// The answers in words, one per question.
pub fn answers(r: &Results, unit: &str) -> Vec<String> {
    let g = |n: &str| r.get(n).unwrap_or(f64::NAN);
    let mut out = vec![real_units_answer(r)];
    out.extend([
        format!(
            "**Reward concentration.** The largest operator took {} of the emission and the \
             top 10 took {}; {} operator(s) together hold a majority (Nakamoto 50 %), {} a third; \
             Gini {} over {} operators (uid level: Gini {} over {} hotkeys).",
            pct(g("emission.operator.top1_share")),
            pct(g("emission.operator.top10_share")),
            num(g("emission.operator.nakamoto_50")),
            num(g("emission.operator.nakamoto_33")),
            num(g("emission.operator.gini")),
            num(g("emission.operator.holders")),
            num(g("emission.uid.gini")),
            num(g("emission.uid.holders")),
        ),
        format!(
            "**Inflation versus value.** {} TAO were issued ({} a year on the {} TAO in \
             existence at the start) and {} TAO of emission (at pool prices) was paid out for {} \
             {unit} of real work: {} TAO per unit. Stakers' nominal yield {} a year, real yield \
             {} after inflation.",
            num(g("inflation.tao_issued")),
            pct(g("inflation.annual_rate")),
            num(g("inflation.start_issuance_tao")),
            num(g("inflation.emission_tao")),
            num(g("inflation.value_produced")),
            num(g("inflation.tao_per_value")),
            pct(g("staking.nominal_yield")),
            pct(g("staking.real_yield")),
        ),
    ]);
    // The honest validators' APY, pooled over their groups (net TAO a day × 365 over their
    // capital): what a weight copier or lazy validator's own APY is compared with.
    let (net, capital) = r
        .groups
        .iter()
        .filter(|(_, kind, _)| kind == "honest-validator")
        .map(|(name, _, _)| {
            (
                g(&format!("group.{name}.net_tao_per_day")),
                g(&format!("group.{name}.capital_tao")),
            )
        })
        .filter(|(n, c)| n.is_finite() && c.is_finite())
        .fold((0.0, 0.0), |(a, b), (n, c)| (a + n, b + c));
    let honest_apy = if capital > 0.0 {
        net * 365.0 / capital
    } else {
        f64::NAN
    };
    let mut gaming = Vec::new();
    for (name, kind, side) in &r.groups {
        let p = |m: &str| g(&format!("group.{name}.{m}"));
        if !shown(r, name) || *side == Side::Other {
            continue;
        }
        let adv = p("advantage");
        let honest = kind.starts_with("honest-") || kind == "subnet-owner";
        let verdict = |x: f64| {
            if x.is_nan() {
                "no verdict".to_owned()
            } else if x > 1.0 {
                "**pays**".to_owned()
            } else {
                "does not pay".to_owned()
            }
        };
        if kind == "weight-copier" || kind == "lazy-validator" {
            let rate = p("relative_dividend_rate");
            // Dividends per stake leave out what the deviation saves: the evaluation's costs.
            let apy = p("apy");
            let net = if apy.is_finite() && honest_apy.is_finite() {
                format!(
                    " Net of costs its APY is {} against the honest validators' {}: {}.",
                    pct(apy),
                    pct(honest_apy),
                    if apy > honest_apy {
                        "**it pays** once the evaluation it skips is counted"
                    } else {
                        "it does not pay even with the evaluation it skips"
                    }
                )
            } else {
                String::new()
            };
            gaming.push(format!(
                "`{name}` ({kind}): relative dividend rate G = {} against the median honest \
                 validator: {} in dividends per stake (G > 1 copying beats validating; \
                 0.82 < G ≤ 1 it loses delegators but beats nominating at an 18 % take); profit \
                 {} TAO per agent.{net}",
                num(rate),
                verdict(rate),
                num(p("profit_per_agent_tao"))
            ));
        } else if !honest {
            gaming.push(format!(
                "`{name}` ({kind}): paid {} of its side's emission for {} of the contribution \
                 (advantage {}): {}; profit {} TAO per agent, break-even {} days.",
                pct(p("side_emission_share")),
                pct(p("contribution_share")),
                num(adv),
                verdict(adv),
                num(p("profit_per_agent_tao")),
                num(p("break_even_days"))
            ));
        }
    }
    for (name, v) in &r.summary {
        if let Some(c) = name.strip_prefix("cartel.")
            && let Some(sn) = c.strip_suffix(".advantage")
        {
            gaming.push(format!(
                "The cartel on {sn} took {} of the subnet's emission against a fair {} \
                 (advantage {}): collusion {}.",
                pct(g(&format!("cartel.{sn}.emission_share"))),
                pct(g(&format!("cartel.{sn}.fair_share"))),
                num(*v),
                if *v > 1.0 { "**pays**" } else { "does not pay" }
            ));
        }
    }
    if gaming.is_empty() {
        gaming.push("no group plays a gaming strategy in this scenario.".into());
    }
    out.push(format!("**Gaming resistance.** {}", gaming.join(" ")));
    out
}

/// USD for people: `$1 150`, `$3.20`, `–` when not priced.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return num(x);
    }
    let sign = if x < 0.0 { "−" } else { "" };
    let a = x.abs();
    if a >= 1000.0 {
        let digits = format!("{a:.0}");
        let mut grouped = String::new();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k).is_multiple_of(3) {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${a:.2}")
    }
}

/// "Real units" in words: per group TAO/day, USD/day, APY, break-even; the subnets' share of
/// the network's emission; TAO's price.
fn real_units_answer(r: &Results) -> String {
    let g = |n: &str| r.get(n).unwrap_or(f64::NAN);
    let priced = g("units.tao_usd_start").is_finite();
    let mut parts = Vec::new();
    for (name, kind, _) in &r.groups {
        let p = |m: &str| g(&format!("group.{name}.{m}"));
        if !shown(r, name) || p("agents").is_nan() {
            continue;
        }
        let usd_day = if priced {
            format!(" ({}/day)", usd(p("usd_per_day")))
        } else {
            String::new()
        };
        let costs = p("costs_tao");
        let net = if costs > 0.0 {
            format!(", {} TAO/day after costs", num(p("net_tao_per_day")))
        } else {
            String::new()
        };
        // A loss faster than the whole capital a year is no yield a staker compares: say
        // what was lost over the run instead of a rate below −100 %.
        let apy = p("apy");
        let apy = if apy < -1.0 {
            format!(
                "APY – (it lost {} of its capital over the {} days)",
                pct(-p("roi")),
                num(g("run.days"))
            )
        } else {
            format!("APY {}", pct(apy))
        };
        parts.push(format!(
            "`{name}` ({kind}, {} agents) earn {} TAO/day{usd_day}{net}, {apy} on {} TAO of capital, break-even {} days",
            num(p("agents")),
            num(p("tao_per_day")),
            num(p("capital_tao")),
            num(p("break_even_days")),
        ));
    }
    let mut text = format!("**In real units.** {}.", parts.join("; "));
    for (name, v) in &r.summary {
        if let Some(sn) = name
            .strip_prefix("subnet.")
            .and_then(|x| x.strip_suffix(".network_share"))
        {
            let above = g(&format!("subnet.{sn}.above_bar_fraction"));
            let gate = if above.is_finite() {
                format!(
                    " (the emission gate's bar averaged {}; its share before the gate was at or above the bar in {} of its epochs)",
                    pct(g("network.gate_bar_mean")),
                    pct(above)
                )
            } else {
                String::new()
            };
            let _ = write!(
                text,
                " {sn} received {} of the TAO the network issued{gate}.",
                pct(*v)
            );
            let nominators = g(&format!("subnet.{sn}.nominators_tao_per_day"));
            if nominators > 0.0 {
                let _ = write!(
                    text,
                    " Its validators' nominators (the stake delegated to them) earn {} TAO/day, APY {} in alpha: what staking to a validator of this subnet yields, as taostats shows it.",
                    num(nominators),
                    pct(g(&format!("subnet.{sn}.nominator_apy"))),
                );
            }
        }
    }
    if priced {
        let _ = write!(
            text,
            " TAO at {} at the start, {} at the end ({} on average); the emission paid was worth {}.",
            usd(g("units.tao_usd_start")),
            usd(g("units.tao_usd_end")),
            usd(g("units.tao_usd_mean")),
            usd(g("inflation.emission_usd")),
        );
        let value_usd = g("inflation.value_produced_usd");
        if value_usd.is_finite() {
            let _ = write!(
                text,
                " Miners' work was worth {} ({} value units at the subnets' `value_usd`): {} of emission per dollar of value.",
                usd(value_usd),
                num(g("inflation.value_produced")),
                num(g("inflation.emission_usd_per_value_usd")),
            );
        }
    } else {
        text.push_str(" (No `tao_usd` in the scenario: amounts in TAO only.)");
    }
    text
}

/// Per group, in real units: the table at the top of the report.
fn units_table(r: &Results) -> Block {
    let priced = r.get("units.tao_usd_start").is_some_and(f64::is_finite);
    let mut head = vec!["group", "kind", "agents", "TAO/day"];
    if priced {
        head.push("USD/day");
    }
    head.extend(["costs (TAO)", "net TAO/day"]);
    if priced {
        head.push("net USD/day");
    }
    head.extend([
        "capital (TAO)",
        "APY",
        "break-even (days)",
        "share of network emission",
    ]);
    let rows = r
        .groups
        .iter()
        .filter(|g| shown(r, &g.0))
        .map(|(name, kind, _)| {
            let p = |m: &str| r.get(&format!("group.{name}.{m}")).unwrap_or(f64::NAN);
            let mut row = vec![
                format!("`{name}`"),
                kind.clone(),
                num(p("agents")),
                num(p("tao_per_day")),
            ];
            if priced {
                row.push(usd(p("usd_per_day")));
            }
            row.extend([num(p("costs_tao")), num(p("net_tao_per_day"))]);
            if priced {
                row.push(usd(p("net_usd_per_day")));
            }
            row.extend([
                num(p("capital_tao")),
                pct(p("apy")),
                num(p("break_even_days")),
                pct(p("network_share")),
            ]);
            row
        })
        .collect();
    Block::Table(head.iter().map(|s| (*s).to_owned()).collect(), rows)
}

/// What a world run says about the network around the scenario's subnets.
fn network_table(r: &Results) -> Block {
    let keys = [
        (
            "network.effective_paid_subnets",
            "Effective number of paid subnets, 1/Σs² (mean over windows)",
        ),
        ("network.paid_subnets", "Paid subnets (mean over windows)"),
        ("network.top10_share", "Top 10 subnets' share of emission"),
        ("network.share_gini", "Gini of the subnets' mean shares"),
        ("network.gate_bar_mean", "Emission gate's bar (mean)"),
        (
            "network.median_price_end",
            "Median subnet price at the end (TAO)",
        ),
    ];
    let mut rows: Vec<Vec<String>> = keys
        .iter()
        .filter_map(|(k, label)| {
            let v = r.get(k)?;
            let shown = if k.ends_with("share") || k.contains("bar") {
                pct(v)
            } else {
                num(v)
            };
            Some(vec![(*label).to_owned(), shown, format!("`{k}`")])
        })
        .collect();
    for (name, v) in &r.summary {
        let Some(rest) = name.strip_prefix("subnet.") else {
            continue;
        };
        let Some((sn, metric)) = rest.split_once('.') else {
            continue;
        };
        let label = match metric {
            "network_share" => "share of the TAO issued",
            "share_mean" => "share of the block emission (mean)",
            "share_before_gate_mean" => "share before the gate (mean)",
            "above_bar_fraction" => "epochs at or above the gate's bar",
            "injected_fraction" => "TAO injected ÷ TAO received",
            "tao_injected" => "TAO injected into its pool",
            "tao_chain_buy" => "TAO spent on chain buys of its alpha",
            "price_vs_median_end" => "its price ÷ the network's median at the end",
            _ => continue,
        };
        let shown = if metric.contains("share") || metric.ends_with("fraction") {
            pct(*v)
        } else {
            num(*v)
        };
        rows.push(vec![format!("{sn}: {label}"), shown, format!("`{name}`")]);
    }
    Block::Table(vec!["metric".into(), "value".into(), "column".into()], rows)
}

/// Whether a group belongs in the report's tables: it has agents, or it earned something
/// (the subnet owner's uid, which is not an agent, only when it did).
fn shown(r: &Results, group: &str) -> bool {
    let get = |m: &str| r.get(&format!("group.{group}.{m}")).unwrap_or(f64::NAN);
    get("agents") > 0.0 || get("emission_share") > 0.0
}

fn group_table(r: &Results) -> Block {
    let head = [
        "group",
        "kind",
        "agents",
        "emission share",
        "side share",
        "contribution",
        "advantage",
        "G",
        "profit/agent (TAO)",
        "ROI",
        "break-even (days)",
    ];
    let rows = r
        .groups
        .iter()
        .filter(|g| shown(r, &g.0))
        .map(|(name, kind, _)| {
            let p = |m: &str| r.get(&format!("group.{name}.{m}")).unwrap_or(f64::NAN);
            vec![
                format!("`{name}`"),
                kind.clone(),
                num(p("agents")),
                pct(p("emission_share")),
                pct(p("side_emission_share")),
                pct(p("contribution_share")),
                num(p("advantage")),
                num(p("relative_dividend_rate")),
                num(p("profit_per_agent_tao")),
                pct(p("roi")),
                num(p("break_even_days")),
            ]
        })
        .collect();
    Block::Table(head.iter().map(|s| (*s).to_owned()).collect(), rows)
}

fn key_numbers(r: &Results) -> Block {
    let keys = [
        ("emission.operator.gini", "Gini of emission, operators"),
        ("emission.uid.gini", "Gini of emission, uids"),
        (
            "emission.uid.gini_with_zeros",
            "Gini of emission, uids incl. zero earners",
        ),
        (
            "emission.operator.nakamoto_50",
            "Nakamoto coefficient (50 %), operators",
        ),
        (
            "emission.operator.nakamoto_33",
            "Nakamoto coefficient (1/3), operators",
        ),
        ("emission.operator.hhi", "HHI of emission, operators (0..1)"),
        (
            "emission.operator.theil",
            "Theil index of emission, operators (nats)",
        ),
        (
            "emission.operator.entropy_bits",
            "Shannon entropy of emission, operators (bits)",
        ),
        (
            "emission.operator.top1_share",
            "Top operator's share of emission",
        ),
        (
            "emission.operator.top10_share",
            "Top 10 operators' share of emission",
        ),
        (
            "emission.operator.gini_7d_last",
            "Gini of emission, operators, last 7 days",
        ),
        ("stake.operator.gini", "Gini of final stake, operators"),
        (
            "stake.operator.nakamoto_50",
            "Nakamoto coefficient of stake, operators",
        ),
        ("incentive.uid.gini", "Gini of miner incentive, uids"),
        ("inflation.tao_issued", "TAO issued"),
        ("inflation.alpha_issued", "Alpha issued (all subnets)"),
        ("inflation.emission_tao", "Emission paid, TAO value"),
        ("inflation.owner_cut_tao", "Owner cut, TAO value"),
        ("inflation.value_produced", "Value produced"),
        (
            "inflation.tao_per_value",
            "Emission per unit of value (TAO)",
        ),
        ("inflation.annual_rate", "TAO inflation, annualised"),
        (
            "staking.nominal_yield",
            "Stakers' nominal yield, annualised",
        ),
        ("staking.real_yield", "Stakers' real yield, annualised"),
    ];
    Block::Table(
        vec!["metric".into(), "value".into(), "column".into()],
        keys.iter()
            .filter_map(|(k, label)| {
                let v = r.get(k)?;
                let shown = if k.ends_with("share") || k.contains("yield") || k.ends_with("rate") {
                    pct(v)
                } else {
                    num(v)
                };
                Some(vec![(*label).to_owned(), shown, format!("`{k}`")])
            })
            .collect(),
    )
}

/// The blocks of a run's report (charts referenced by stem).
pub fn run_document(r: &Results, p: &Provenance, dir: &Path, figures: &[Chart]) -> Vec<Block> {
    let unit = p.get("scenario.value_unit");
    let unit = if unit.is_empty() { "units" } else { unit };
    let mut b = vec![
        Block::Heading(1, format!("yumalab report: {}", p.get("scenario.name"))),
        Block::Text(p.get("scenario.description").replace('\n', " ")),
        Block::Text(format!(
            "Reproduce with `{}` (yumalab {}, seed {}, regime `{}`, {}scenario hash `{}`). \
             {} blocks ({} days), {} epochs.",
            p.reproduce("run", dir),
            p.get("yumalab.version"),
            p.get("scenario.seed"),
            p.get("scenario.regime"),
            world_text(p),
            p.get("scenario.hash"),
            num(r.get("run.blocks").unwrap_or(f64::NAN)),
            num(r.get("run.days").unwrap_or(f64::NAN)),
            num(r.get("run.epochs").unwrap_or(f64::NAN)),
        )),
        Block::Heading(2, "In real units".into()),
        Block::Text(
            "Per group, over the run: TAO/day = emission earned by the group's own keys (alpha \
             at the paying epoch's price) per day, a validator's dividends less what its \
             nominators receive (take and their share of the rest, §9); USD/day at TAO's price that day (`tao_usd`); costs = off-chain \
             costs (behaviours' and the group's `costs`, USD converted at each day's price); \
             capital = what the group held at genesis (free TAO + genesis stake at the genesis \
             price); APY = net TAO/day × 365 ÷ capital, simple (not compounded), as taostats \
             annualises (none for miners, whose capital is their rented hardware); break-even = days until income net of costs pays back what was sunk \
             (registration burns, fees, price moves); share of network emission = its emission \
             ÷ all TAO issued."
                .into(),
        ),
        units_table(r),
        Block::Heading(2, "Answers".into()),
        Block::List(answers(r, unit)),
        Block::Heading(2, "Groups".into()),
        Block::Text(
            "Emission share: of all emission paid to hotkeys. Side share: of the miners' \
             incentive (miners) or of the dividends (validators). Contribution: share of the \
             value produced (miners) or of validator stake (validators). Advantage = side \
             share ÷ contribution (1 = paid for what it brings). G: relative dividend rate \
             against the median honest validator. Profit = holdings at final prices − genesis \
             − off-chain costs."
                .into(),
        ),
        group_table(r),
        Block::Heading(2, "Key numbers".into()),
        key_numbers(r),
        Block::Text(
            "Every metric is in `summary.parquet` / `summary.json` under the column shown; \
             definitions in `reports/README.md`."
                .into(),
        ),
    ];
    b.push(Block::Heading(2, "The network".into()));
    if r.network.is_empty() {
        b.push(Block::Text(
            "Isolated world: the scenario's subnets are the whole network, so there is no gate \
             bar, network median or subnet ranking to show; run it in `network: mainnet-2026-08` \
             for the network panels."
                .into(),
        ));
    } else {
        b.push(network_table(r));
        for (stem, _, title, caption) in figures.iter().filter(|f| f.0.starts_with("network")) {
            b.push(Block::Chart(stem.clone(), title.clone(), caption.clone()));
        }
    }
    b.push(Block::Heading(2, "Charts".into()));
    for (stem, _, title, caption) in figures.iter().filter(|f| !f.0.starts_with("network")) {
        b.push(Block::Chart(stem.clone(), title.clone(), caption.clone()));
    }
    b.push(Block::Heading(2, "Parameters".into()));
    let overrides: Vec<String> = p
        .get("scenario.overrides")
        .split('\u{1f}')
        .filter(|o| !o.is_empty())
        .map(|o| format!("`--set {o}`"))
        .collect();
    if !overrides.is_empty() {
        b.push(Block::Text(format!("Overrides: {}.", overrides.join(", "))));
    }
    b.push(Block::Text(format!(
        "Scenario file `{}`:",
        p.get("scenario.file")
    )));
    b.push(Block::Code(p.get("scenario.yaml").to_owned()));
    b.push(Block::Heading(2, "Files".into()));
    b.push(Block::List(vec![
        "`neurons.parquet`: one row per uid per epoch (names by `neuron` id in \
         `dim_neurons.parquet`); `subnets.parquet`: one row per subnet per epoch; \
         `network.parquet`: every 360 blocks; `agents.parquet`: one row per agent."
            .into(),
        "`summary.parquet` and `summary.json`: every metric of this report (one row); \
         `windows.parquet`: the metrics per 360-block window."
            .into(),
        format!(
            "Conventions: {}.",
            p.get("metrics.conventions").replace('\n', " ")
        ),
    ]));
    b
}

/// Writes everything derived from a run's analysis into `dir`: `summary.parquet`,
/// `summary.json`, `windows.parquet`, `charts/`, `report.md`, `index.html` (the last two
/// last, so a report that exists is complete). Chart failures are returned as warnings.
///
/// # Errors
/// [`ReportError`] if a file cannot be written.
pub fn write_run(dir: &Path, r: &Results, p: &Provenance) -> Result<Vec<String>, ReportError> {
    let meta: Vec<(String, String)> = p.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let spec = crate::sweep::RunSpec {
        index: 0,
        point: 0,
        replicate: 0,
        seed: p.get("scenario.seed").parse().unwrap_or(0),
        values: Vec::new(),
    };
    super::sweep::write(
        &[super::sweep::RunResult {
            spec,
            metrics: r.summary.clone(),
        }],
        &meta,
        None,
        dir,
    )?;
    write_text(&dir.join("summary.json"), &summary_json(p, &r.summary))?;
    let kv: Vec<(&str, String)> = meta.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    write_atomically(
        &windows_table(&r.windows)?,
        &dir.join("windows.parquet"),
        &dir.join(".windows.parquet.partial"),
        &kv,
    )?;
    let charts = dir.join("charts");
    let mut warnings = Vec::new();
    let figures = run_figures(r, p);
    for (stem, figure, _, _) in &figures {
        if let Err(e) = render(figure, &charts, stem) {
            warnings.push(e.to_string());
        }
    }
    let blocks = run_document(r, p, dir, &figures);
    write_text(&dir.join("report.md"), &markdown(&blocks))?;
    let title = format!("yumalab report: {}", p.get("scenario.name"));
    write_text(&dir.join("index.html"), &html(&title, &blocks, &charts))?;
    Ok(warnings)
}

/// Headline metrics of a sweep, in the order charted: group shares, rates and profits of
/// non-honest groups and the owners, cartel advantage, concentration, inflation.
pub fn sweep_metrics(t: &SummaryTable) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, _) in &t.numbers {
        let label = if let Some(rest) = name.strip_prefix("group.") {
            match rest.rsplit_once('.') {
                Some((g, "emission_share")) => format!("{g}: share of all emission"),
                Some((g, "relative_dividend_rate")) => format!("{g}: relative dividend rate G"),
                Some((g, "profit_per_agent_tao")) => format!("{g}: profit per agent (TAO)"),
                Some((g, "advantage")) => format!("{g}: paid ÷ contributed"),
                _ => continue,
            }
        } else if name.starts_with("cartel.") && name.ends_with(".advantage") {
            format!("{}: paid ÷ fair share", name.trim_end_matches(".advantage"))
        } else {
            match name.as_str() {
                "emission.operator.gini" => "Gini of emission, operators".into(),
                "emission.operator.nakamoto_50" => "Nakamoto (50 %) of emission, operators".into(),
                "inflation.tao_per_value" => "emission per unit of value (TAO)".into(),
                _ => continue,
            }
        };
        // Groups without agents (the owner's uid) and metrics that never move are not
        // charted: they answer nothing about the swept parameters.
        if let Some(rest) = name.strip_prefix("group.")
            && let Some((g, _)) = rest.rsplit_once('.')
            && t.column(&format!("group.{g}.agents"))
                .is_some_and(|a| a.iter().all(|x| x.is_nan() || *x <= 0.0))
        {
            continue;
        }
        let values: Vec<f64> = t
            .column(name)
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        if values.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        out.push((name.clone(), label));
    }
    out
}

/// The charts of a sweep: each headline metric against the first numeric swept parameter
/// (mean over replicates, band min..max), one series per value of a second parameter; a
/// heatmap of the mean for two-parameter grids.
pub fn sweep_figures(t: &SummaryTable) -> Vec<Chart> {
    use super::charts::Heatmap;
    let swept: Vec<String> = t
        .metadata
        .get("sweep.paths")
        .map(|s| {
            s.split('\u{1f}')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let numeric: Vec<&String> = swept.iter().filter(|p| t.column(p).is_some()).collect();
    let mut out = Vec::new();
    let Some(x_path) = numeric.first() else {
        return out;
    };
    let xs = t.column(x_path).unwrap_or(&[]);
    let second: Option<(&String, Vec<String>)> = swept.iter().find(|p| p != x_path).map(|p| {
        let vals: Vec<String> = match t.column(p) {
            Some(c) => c.iter().map(|v| num(*v)).collect(),
            None => t.key(p).map(<[String]>::to_vec).unwrap_or_default(),
        };
        (p, vals)
    });
    for (k, (metric, label)) in sweep_metrics(t).into_iter().enumerate() {
        let Some(ys) = t.column(&metric) else {
            continue;
        };
        let mut by_series: BTreeMap<String, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
        for i in 0..t.rows() {
            let s = second
                .as_ref()
                .map_or(String::new(), |(p, v)| format!("{p} = {}", v[i]));
            if xs[i].is_finite() && ys[i].is_finite() {
                by_series
                    .entry(s)
                    .or_default()
                    .entry(xs[i].to_bits())
                    .or_default()
                    .push(ys[i]);
            }
        }
        let mut series = Vec::new();
        for (name, points) in &by_series {
            let mut pts: Vec<(f64, Vec<f64>)> = points
                .iter()
                .map(|(x, v)| (f64::from_bits(*x), v.clone()))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            series.push(Series {
                name: if name.is_empty() {
                    "mean of replicates".into()
                } else {
                    name.clone()
                },
                points: pts
                    .iter()
                    .map(|(x, v)| (*x, v.iter().sum::<f64>() / v.len() as f64))
                    .collect(),
                band: pts
                    .iter()
                    .map(|(x, v)| {
                        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        (*x, lo, hi)
                    })
                    .collect(),
            });
        }
        let ratio = metric.ends_with("relative_dividend_rate") || metric.ends_with("advantage");
        // Ratios are read against 1: fit the axis to the data and 1, not to 0.
        let y_range = ratio.then(|| {
            let (lo, hi) = series
                .iter()
                .flat_map(|s| s.band.iter())
                .fold((1.0f64, 1.0f64), |(lo, hi), b| (lo.min(b.1), hi.max(b.2)));
            let pad = ((hi - lo) * 0.1).max(1e-3);
            (lo - pad, hi + pad)
        });
        let mut chart = line(&label, x_path, &label, series, y_range);
        chart.markers = true;
        if ratio {
            chart.hlines.push(("1 (break-even)".into(), 1.0));
        }
        let stem = format!("sweep-{k:02}");
        out.push((
            stem.clone(),
            Figure::Line(chart),
            label.clone(),
            format!(
                "`{metric}` from `summary.parquet` against `{x_path}`: mean over replicates, \
                 band from the lowest to the highest replicate."
            ),
        ));
        if let Some((y_path, _)) = &second
            && let Some(yc) = t.column(y_path)
        {
            let mut xv: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
            xv.sort_by(f64::total_cmp);
            xv.dedup();
            let mut yv: Vec<f64> = yc.iter().copied().filter(|x| x.is_finite()).collect();
            yv.sort_by(f64::total_cmp);
            yv.dedup();
            let mut z = vec![vec![(0.0, 0usize); xv.len()]; yv.len()];
            for i in 0..t.rows() {
                let (Ok(cx), Ok(cy)) = (
                    xv.binary_search_by(|v| v.total_cmp(&xs[i])),
                    yv.binary_search_by(|v| v.total_cmp(&yc[i])),
                ) else {
                    continue;
                };
                if ys[i].is_finite() {
                    z[cy][cx].0 += ys[i];
                    z[cy][cx].1 += 1;
                }
            }
            out.push((
                format!("{stem}-grid"),
                Figure::Heatmap(Heatmap {
                    title: label.clone(),
                    x_label: (*x_path).clone(),
                    y_label: (*y_path).clone(),
                    z_label: label.clone(),
                    xs: xv,
                    ys: yv,
                    z: z.iter()
                        .map(|r| {
                            r.iter()
                                .map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN })
                                .collect()
                        })
                        .collect(),
                    contour: (metric.ends_with("relative_dividend_rate")
                        || metric.ends_with("advantage"))
                    .then_some(1.0),
                }),
                format!("{label} over the grid"),
                format!("Mean of `{metric}` over replicates at each grid point."),
            ));
        }
    }
    out
}

/// Writes a sweep's `charts/`, `report.md` and `index.html` into `dir` from its summary
/// table. Chart failures are returned as warnings.
///
/// # Errors
/// [`ReportError`] if a file cannot be written.
pub fn write_sweep(dir: &Path, t: &SummaryTable) -> Result<Vec<String>, ReportError> {
    write_sweep_with(dir, t, Vec::new())
}

/// [`write_sweep`] with `extra` blocks (failures, sensitivity: [`super::sweep`]) after the
/// table of means.
///
/// # Errors
/// As [`write_sweep`].
pub fn write_sweep_with(
    dir: &Path,
    t: &SummaryTable,
    extra: Vec<Block>,
) -> Result<Vec<String>, ReportError> {
    let p = Provenance(t.metadata.clone());
    let swept = p
        .get("sweep.paths")
        .split('\u{1f}')
        .filter(|x| !x.is_empty())
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>();
    let mut blocks = vec![
        Block::Heading(1, format!("yumalab sweep: {}", p.get("scenario.name"))),
        Block::Text(p.get("scenario.description").replace('\n', " ")),
        Block::Text(format!(
            "Reproduce with `{}` (yumalab {}, master seed {}, regime `{}`, {}scenario hash `{}`). \
             {} runs; swept: {}.",
            p.reproduce("sweep", dir),
            p.get("yumalab.version"),
            p.get("scenario.seed"),
            p.get("scenario.regime"),
            world_text(&p),
            p.get("scenario.hash"),
            t.rows(),
            if swept.is_empty() {
                "nothing".into()
            } else {
                swept.join(", ")
            },
        )),
    ];
    // Mean of each headline metric per point.
    let metrics = sweep_metrics(t);
    let points = t.key("point").map(<[String]>::to_vec).unwrap_or_default();
    let mut order: Vec<String> = Vec::new();
    for pt in &points {
        if !order.contains(pt) {
            order.push(pt.clone());
        }
    }
    let swept_paths: Vec<String> = p
        .get("sweep.paths")
        .split('\u{1f}')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect();
    let groups: Vec<Vec<usize>> = order
        .iter()
        .map(|pt| (0..points.len()).filter(|&i| &points[i] == pt).collect())
        .collect();
    // One column per point (rows = metrics), the swept values first.
    let mut head = vec!["".to_owned()];
    head.extend(order.iter().map(|pt| format!("point {pt}")));
    let mut rows = Vec::new();
    for s in &swept_paths {
        let mut row = vec![format!("`{s}`")];
        for idx in &groups {
            row.push(match (t.column(s), t.key(s)) {
                (Some(c), _) => num(c[idx[0]]),
                (None, Some(k)) => k[idx[0]].clone(),
                _ => "–".into(),
            });
        }
        rows.push(row);
    }
    for (m, label) in &metrics {
        let c = t.column(m).unwrap_or(&[]);
        let mut row = vec![label.clone()];
        for idx in &groups {
            let v: Vec<f64> = idx
                .iter()
                .filter_map(|&i| c.get(i).copied())
                .filter(|x| x.is_finite())
                .collect();
            row.push(if v.is_empty() {
                "–".into()
            } else {
                super::sweep::mean_ci_text(&v)
            });
        }
        rows.push(row);
    }
    blocks.push(Block::Heading(2, "Mean over replicates, per point".into()));
    blocks.push(Block::Text(
        "Mean ± half-width of its 95 % t interval over the point's replicates (no interval \
         with one replicate; failed runs left out)."
            .into(),
    ));
    // Many points (a sampled design): one row per point instead.
    let (head, rows) = if order.len() > 12 {
        super::sweep::transpose(head, rows)
    } else {
        (head, rows)
    };
    blocks.push(Block::Table(head, rows));
    blocks.extend(extra);
    // A sampled design's points do not line up along one parameter: its charts are the
    // sensitivity section's.
    let figures = if matches!(p.get("sweep.design"), "lhs" | "sobol" | "morris") {
        Vec::new()
    } else {
        sweep_figures(t)
    };
    let charts = dir.join("charts");
    let mut warnings = Vec::new();
    if !figures.is_empty() {
        blocks.push(Block::Heading(2, "Charts".into()));
    }
    for (stem, figure, title, caption) in figures {
        if let Err(e) = render(&figure, &charts, &stem) {
            warnings.push(e.to_string());
        }
        blocks.push(Block::Chart(stem, title, caption));
    }
    blocks.push(Block::Heading(2, "Parameters".into()));
    blocks.push(Block::Code(p.get("scenario.yaml").to_owned()));
    blocks.push(Block::Text(
        "Every run's metrics are in `summary.parquet` (one row per run; with shards, \
         `summary-shard-*.parquet`); definitions in `reports/README.md`."
            .into(),
    ));
    write_text(&dir.join("report.md"), &markdown(&blocks))?;
    let title = format!("yumalab sweep: {}", p.get("scenario.name"));
    write_text(&dir.join("index.html"), &html(&title, &blocks, &charts))?;
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::analysis::Side;

    fn results(metrics: &[(&str, f64)], groups: &[(&str, &str)]) -> Results {
        Results {
            summary: metrics.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect(),
            groups: groups
                .iter()
                .map(|(g, k)| ((*g).to_owned(), (*k).to_owned(), Side::Other))
                .collect(),
            ..Results::default()
        }
    }

    /// An APY is stated as a rate while it is at least −100 %; a loss faster than that is
    /// stated as what was lost over the run (−45 % in 14 days is not "−1 185 % a year").
    #[test]
    fn a_loss_beyond_the_capital_a_year_is_stated_as_the_loss_over_the_run() {
        let group = |name: &str, apy: f64, roi: f64| {
            [
                (format!("group.{name}.agents"), 4.0),
                (format!("group.{name}.tao_per_day"), -1.0),
                (format!("group.{name}.apy"), apy),
                (format!("group.{name}.roi"), roi),
                (format!("group.{name}.capital_tao"), 240.0),
                (format!("group.{name}.break_even_days"), f64::INFINITY),
            ]
        };
        let mut metrics: Vec<(String, f64)> = vec![("run.days".into(), 14.0)];
        metrics.extend(group("momentum", -11.857, -0.4547));
        metrics.extend(group("holders", -0.5, -0.02));
        let metrics: Vec<(&str, f64)> = metrics.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let r = results(
            &metrics,
            &[("momentum", "speculator"), ("holders", "speculator")],
        );
        let text = real_units_answer(&r);
        assert!(
            text.contains("APY – (it lost 45.47 % of its capital over the 14 days) on 240 TAO"),
            "{text}"
        );
        assert!(text.contains("APY -50.00 % on 240 TAO"), "{text}");
        assert!(!text.contains("-1185"), "{text}");
    }
}
