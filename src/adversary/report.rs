//! What `exploit` and `game` report, as data: the table of every evaluated point, the
//! document's blocks and the charts. The CLI writes them.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};

use super::exploit::FamilyResult;
use crate::report::charts::{Figure, LineChart, Series};
use crate::report::document::Block;

/// One family's result at one setting of a mechanism sweep (`""` without a sweep).
pub type Row<'a> = (&'a str, &'a FamilyResult);

/// The `exploit.parquet` table: one row per evaluated point (and one per confirmation).
///
/// # Errors
/// An Arrow error (a bug).
pub fn table(rows: &[Row<'_>]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut setting = Vec::new();
    let mut family = Vec::new();
    let mut phase = Vec::new();
    let mut params = Vec::new();
    let mut main = Vec::new();
    let mut main_value = Vec::new();
    let mut reps = Vec::new();
    let mut mean = Vec::new();
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut per_day = Vec::new();
    for (s, r) in rows {
        let confirm = r.found.confirm.iter();
        for p in r.found.points.iter().chain(confirm) {
            let e = p.estimate();
            setting.push((*s).to_owned());
            family.push(r.family.clone());
            phase.push(p.phase.name().to_owned());
            params.push(r.params_json(&p.x));
            main.push(r.params[r.main].name.to_owned());
            main_value.push(p.x[r.main]);
            reps.push(e.n as u32);
            mean.push(e.mean);
            low.push(e.low);
            high.push(e.high);
            per_day.push(e.mean / r.days);
        }
    }
    let schema = Schema::new(vec![
        Field::new("setting", DataType::Utf8, false),
        Field::new("family", DataType::Utf8, false),
        Field::new("phase", DataType::Utf8, false),
        Field::new("params", DataType::Utf8, false),
        Field::new("main_param", DataType::Utf8, false),
        Field::new("main_value", DataType::Float64, false),
        Field::new("replicates", DataType::UInt32, false),
        Field::new("mean_gain_tao", DataType::Float64, false),
        Field::new("ci_low_tao", DataType::Float64, false),
        Field::new("ci_high_tao", DataType::Float64, false),
        Field::new("gain_tao_per_day", DataType::Float64, false),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(setting)),
        Arc::new(StringArray::from(family)),
        Arc::new(StringArray::from(phase)),
        Arc::new(StringArray::from(params)),
        Arc::new(StringArray::from(main)),
        Arc::new(Float64Array::from(main_value)),
        Arc::new(UInt32Array::from(reps)),
        Arc::new(Float64Array::from(mean)),
        Arc::new(Float64Array::from(low)),
        Arc::new(Float64Array::from(high)),
        Arc::new(Float64Array::from(per_day)),
    ];
    RecordBatch::try_new(Arc::new(schema), cols)
}

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".into()
    }
}

/// The chart of gain against the family's main parameter: the profile at the best point
/// (with its 95 % band), or the best evaluated point per value when there is no profile.
pub fn gain_chart(r: &FamilyResult) -> Figure {
    let p = &r.params[r.main];
    let mut profile: Vec<_> = r
        .found
        .points
        .iter()
        .filter(|q| {
            q.x.iter()
                .enumerate()
                .all(|(i, v)| i == r.main || *v == r.found.points[r.found.best].x[i])
        })
        .collect();
    if profile.len() < 2 {
        profile = r.found.points.iter().collect();
    }
    profile.sort_by(|a, b| a.x[r.main].total_cmp(&b.x[r.main]));
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut band = Vec::new();
    for q in profile {
        let e = q.estimate();
        let x = q.x[r.main];
        let y = e.mean / r.days;
        match points.last_mut() {
            Some(last) if last.0 == x => {
                if y > last.1 {
                    *last = (x, y);
                    band.pop();
                    band.push((x, e.low / r.days, e.high / r.days));
                }
            }
            _ => {
                points.push((x, y));
                band.push((x, e.low / r.days, e.high / r.days));
            }
        }
    }
    band.retain(|b| b.1.is_finite() && b.2.is_finite());
    if band.len() != points.len() {
        band.clear();
    }
    let x_label = match &p.kind {
        super::ParamKind::Choice(o) => format!("{} ({})", p.name, o.join(" = 0, 1, ...")),
        _ => format!("{} ({})", p.name, p.doc),
    };
    Figure::Line(LineChart {
        title: format!("{}: gain over honest play", r.family),
        x_label,
        y_label: "gain (TAO/day)".into(),
        series: vec![Series {
            name: "gain, 95 % CI".into(),
            points,
            band,
        }],
        y_range: None,
        markers: true,
        hlines: vec![("honest play".into(), 0.0)],
    })
}

/// The chart stem of a family's gain chart.
pub fn chart_stem(setting: &str, family: &str) -> String {
    let s: String = setting
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if s.is_empty() {
        format!("gain-{family}")
    } else {
        format!("gain-{family}-{s}")
    }
}

/// The report of one exploit (one setting).
pub fn family_blocks(setting: &str, results: &[FamilyResult]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut rows = Vec::new();
    for r in results {
        let g = r.gain();
        let x = &r.found.points[r.found.best].x;
        // No percentage of a loss or of nothing (`–`).
        let pct = |v: f64| r.share_of_honest(v).unwrap_or_else(|| "–".into());
        rows.push(vec![
            format!("`{}`", r.family),
            format!("`{}`", r.deviator),
            format!("`{}`", r.params_json(x)),
            f3(g.mean / r.days),
            format!("{} .. {}", f3(g.low / r.days), f3(g.high / r.days)),
            pct(g.mean),
            f3(r.honest.mean / r.days),
            format!("{} ({} runs)", g.n, r.found.runs),
        ]);
    }
    out.push(Block::Table(
        vec![
            "family".into(),
            "deviator".into(),
            "best deviation".into(),
            "gain (TAO/day)".into(),
            "95 % CI (TAO/day)".into(),
            "% of honest return".into(),
            "honest return (TAO/day)".into(),
            "replicates".into(),
        ],
        rows,
    ));
    out.push(Block::Heading(3, "Verdicts".into()));
    out.push(Block::List(
        results.iter().map(FamilyResult::verdict).collect(),
    ));
    for r in results {
        out.push(Block::Chart(
            chart_stem(setting, &r.family),
            format!("{}: gain against {}", r.family, r.params[r.main].name),
            format!(
                "{}. Gain = the deviator's profit minus its honest counterpart's on the same seeds, per day; the profile varies `{}` at the best point, the band is the 95 % CI over replicates.",
                r.about, r.params[r.main].name
            ),
        ));
    }
    out
}

/// The exploitability of a setting: the largest mean gain per day over its families (at
/// least 0: honest play is then a best response).
pub fn exploitability(results: &[FamilyResult]) -> f64 {
    results
        .iter()
        .map(|r| r.gain().mean / r.days)
        .fold(0.0, f64::max)
}
