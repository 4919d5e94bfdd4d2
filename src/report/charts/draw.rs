//! Drawing [`Figure`]s with plotters. Every function is generic over the plotters
//! [`DrawingBackend`], so the PNG (bitmap) and the SVG share one code path and one layout.
//!
//! The layout is computed here in pixels (plot rectangle, ticks, legend) rather than with
//! plotters' chart builder, so that ticks are chosen and written by [`geom`], data outside
//! the axes is clipped, and no input value (NaN, ±inf, huge magnitudes) reaches a plotters
//! code path that asserts.

use super::geom::{self, Rect, TickFormat};
use super::{Bars, Figure, Heatmap, LineChart, Lorenz};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The drawing surface.
pub(super) type Area<DB> = DrawingArea<DB, Shift>;
/// A drawing result carrying the backend's error.
pub(super) type DrawResult<T, DB> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Figure width, px.
pub(super) const WIDTH: u32 = 1000;
/// Figure height, px (all kinds but panels).
pub(super) const HEIGHT: u32 = 600;
/// Height of one panel of [`Figure::Panels`], px.
pub(super) const PANEL_HEIGHT: u32 = 320;
/// Height of the band holding the overall title of [`Figure::Panels`], px.
pub(super) const PANELS_TITLE: u32 = 48;
/// Most panels drawn in one figure.
pub(super) const MAX_PANELS: usize = 64;

const TITLE_SIZE: f64 = 24.0;
const PANEL_TITLE_SIZE: f64 = 18.0;
const LABEL_SIZE: f64 = 16.0;
const TICK_SIZE: f64 = 14.0;
const LEGEND_SIZE: f64 = 14.0;
const VALUE_SIZE: f64 = 12.0;

const INK: RGBColor = RGBColor(33, 33, 33);
const AXIS: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(228, 228, 228);
const MUTED: RGBColor = RGBColor(130, 130, 130);

/// Tableau 10 (matplotlib's `tab10`), in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The pixel size of `figure`.
pub(super) fn size(figure: &Figure) -> (u32, u32) {
    match figure {
        Figure::Panels { panels, .. } => {
            let n = panels.len().clamp(1, MAX_PANELS) as u32;
            (WIDTH, PANELS_TITLE + PANEL_HEIGHT * n)
        }
        _ => (WIDTH, HEIGHT),
    }
}

/// Draws `figure` on `root` (of [`size`]).
pub(super) fn figure<DB: DrawingBackend>(root: &Area<DB>, figure: &Figure) -> DrawResult<(), DB> {
    root.fill(&WHITE)?;
    let (w, h) = size(figure);
    let all = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: f64::from(w),
        y1: f64::from(h),
    };
    match figure {
        Figure::Line(chart) => line_chart(root, all, chart, TITLE_SIZE),
        Figure::Panels { title, panels } => {
            title_text(root, title, all, TITLE_SIZE)?;
            if panels.is_empty() {
                let rest = Rect {
                    y0: f64::from(PANELS_TITLE),
                    ..all
                };
                return note(root, &rest, "no panels");
            }
            for (i, panel) in panels.iter().take(MAX_PANELS).enumerate() {
                let y0 = f64::from(PANELS_TITLE + PANEL_HEIGHT * i as u32);
                let bounds = Rect {
                    x0: 0.0,
                    y0,
                    x1: all.x1,
                    y1: y0 + f64::from(PANEL_HEIGHT),
                };
                line_chart(root, bounds, panel, PANEL_TITLE_SIZE)?;
            }
            Ok(())
        }
        Figure::Lorenz(lorenz) => lorenz_chart(root, all, lorenz),
        Figure::Bars(bars) => bar_chart(root, all, bars, &[]),
        Figure::ErrorBars(bars, errors) => bar_chart(root, all, bars, errors),
        Figure::Heatmap(heatmap) => heatmap_chart(root, all, heatmap),
    }
}

/// Checks what drawing cannot make sensible: heatmap coordinates and shape.
pub(super) fn validate(figure: &Figure) -> Result<(), String> {
    if let Figure::Heatmap(h) = figure {
        if geom::cell_edges(&h.xs).is_none() {
            return Err("heatmap xs must be finite and strictly ascending".into());
        }
        if geom::cell_edges(&h.ys).is_none() {
            return Err("heatmap ys must be finite and strictly ascending".into());
        }
        if h.z.len() != h.ys.len() || h.z.iter().any(|row| row.len() != h.xs.len()) {
            return Err(format!(
                "heatmap z must have one row per y ({}) of one value per x ({}); got {} rows of {:?} values",
                h.ys.len(),
                h.xs.len(),
                h.z.len(),
                h.z.iter().map(Vec::len).collect::<Vec<_>>()
            ));
        }
    }
    if let Figure::Panels { panels, .. } = figure
        && panels.len() > MAX_PANELS
    {
        return Err(format!(
            "{} panels, at most {MAX_PANELS} fit in one figure",
            panels.len()
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Text

fn text_style(size: f64, color: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    ("sans-serif", size)
        .into_font()
        .color(color)
        .pos(Pos::new(h, v))
}

fn text_width<DB: DrawingBackend>(area: &Area<DB>, text: &str, size: f64) -> DrawResult<f64, DB> {
    if text.is_empty() {
        return Ok(0.0);
    }
    let style = text_style(size, &INK, HPos::Left, VPos::Top);
    Ok(f64::from(area.estimate_text_size(text, &style)?.0))
}

/// `text`, shortened with `…` until it is at most `max_w` px wide.
fn fit_text<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    size: f64,
    max_w: f64,
) -> DrawResult<String, DB> {
    if text_width(area, text, size)? <= max_w {
        return Ok(text.to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().chain(['…'].iter()).collect();
        if text_width(area, &candidate, size)? <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(chars[..lo].iter().chain(['…'].iter()).collect())
}

fn px(p: (f64, f64)) -> (i32, i32) {
    // `as` saturates; callers pass clipped or on-canvas coordinates.
    (p.0.round() as i32, p.1.round() as i32)
}

fn put_text<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle<'_>,
    at: (f64, f64),
) -> DrawResult<(), DB> {
    if text.is_empty() {
        return Ok(());
    }
    area.draw_text(text, style, px(at))
}

/// The title centred at the top of `bounds`; returns the height it takes.
fn title_text<DB: DrawingBackend>(
    area: &Area<DB>,
    title: &str,
    bounds: Rect,
    size: f64,
) -> DrawResult<f64, DB> {
    if title.is_empty() {
        return Ok(8.0);
    }
    let text = fit_text(area, title, size, bounds.x1 - bounds.x0 - 20.0)?;
    let style = text_style(size, &INK, HPos::Center, VPos::Top);
    put_text(
        area,
        &text,
        &style,
        ((bounds.x0 + bounds.x1) / 2.0, bounds.y0 + 10.0),
    )?;
    Ok(size + 16.0)
}

/// A grey note in the middle of `r` (e.g. "no data").
fn note<DB: DrawingBackend>(area: &Area<DB>, r: &Rect, text: &str) -> DrawResult<(), DB> {
    let style = text_style(LABEL_SIZE, &MUTED, HPos::Center, VPos::Center);
    put_text(
        area,
        text,
        &style,
        ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0),
    )
}

// ---------------------------------------------------------------------------------------------
// Axes

/// How an axis places its ticks.
enum TickMode {
    /// Nice round values (1, 2, 5 × 10^k).
    Nice,
    /// At these values (e.g. heatmap cell centres), if their labels fit; nice otherwise.
    At(Vec<f64>),
    /// No ticks (bars label their categories themselves).
    None,
}

struct AxisSpec<'a> {
    lo: f64,
    hi: f64,
    label: &'a str,
    ticks: TickMode,
}

/// One laid-out axis: its range and labelled ticks.
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    fn nice(lo: f64, hi: f64, target: usize) -> Self {
        let t = geom::nice_ticks(lo, hi, target);
        let f = TickFormat::for_axis(lo, hi, t.step);
        Self {
            lo,
            hi,
            ticks: t.values.iter().map(|&v| (v, f.format(v))).collect(),
        }
    }

    /// Whether every value is written exactly by [`geom::format_sig`] with 4 digits (round
    /// coordinates such as 0.1, 0.25, 64), so ticks at them read well.
    fn round_values(values: &[f64]) -> bool {
        values.iter().all(|&v| {
            geom::format_sig(v, 4)
                .parse::<f64>()
                .is_ok_and(|w| (w - v).abs() <= v.abs() * 1e-9)
        })
    }

    fn at(lo: f64, hi: f64, values: &[f64]) -> Self {
        Self {
            lo,
            hi,
            ticks: values
                .iter()
                .filter(|v| **v >= lo && **v <= hi)
                .map(|&v| (v, geom::format_sig(v, 4)))
                .collect(),
        }
    }

    /// Fraction of the axis at `v` (without overflowing for values far outside the range).
    fn frac(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        let d = v - self.lo;
        if d.is_finite() {
            d / span
        } else {
            v / span - self.lo / span
        }
    }
}

/// A plot rectangle with its two axes.
struct Frame {
    plot: Rect,
    x: Axis,
    y: Axis,
}

impl Frame {
    fn px_x(&self, x: f64) -> f64 {
        self.plot.x0 + self.x.frac(x) * (self.plot.x1 - self.plot.x0)
    }

    fn px_y(&self, y: f64) -> f64 {
        self.plot.y1 - self.y.frac(y) * (self.plot.y1 - self.plot.y0)
    }

    fn px(&self, p: (f64, f64)) -> (f64, f64) {
        (self.px_x(p.0), self.px_y(p.1))
    }
}

/// Space under the plot for x tick labels and the x label.
fn bottom_space(x: &AxisSpec<'_>) -> f64 {
    let ticks = if matches!(x.ticks, TickMode::None) {
        0.0
    } else {
        TICK_SIZE + 12.0
    };
    let label = if x.label.is_empty() {
        0.0
    } else {
        LABEL_SIZE + 12.0
    };
    ticks + label + 6.0
}

/// Lays out a plot inside `bounds` (which includes room for tick labels and axis labels).
/// `bottom_extra` reserves more room under the plot (for category labels), `right_extra`
/// right of it (for a colour bar).
fn layout<DB: DrawingBackend>(
    area: &Area<DB>,
    bounds: Rect,
    x: &AxisSpec<'_>,
    y: &AxisSpec<'_>,
    bottom_extra: f64,
    right_extra: f64,
) -> DrawResult<Frame, DB> {
    let top = bounds.y0 + 10.0;
    let bottom = (bounds.y1 - bottom_space(x) - bottom_extra).max(top + 40.0);
    let height = bottom - top;

    let y_axis = match &y.ticks {
        TickMode::At(vals)
            if vals.len() >= 2
                && height / (y.hi - y.lo) * min_gap(vals) >= TICK_SIZE + 6.0
                && vals.len() <= 25
                && Axis::round_values(vals) =>
        {
            Axis::at(y.lo, y.hi, vals)
        }
        TickMode::At(vals) if vals.len() == 1 => Axis::at(y.lo, y.hi, vals),
        TickMode::None => Axis {
            lo: y.lo,
            hi: y.hi,
            ticks: Vec::new(),
        },
        _ => Axis::nice(y.lo, y.hi, ((height / 45.0) as usize).clamp(2, 8)),
    };
    let mut y_w: f64 = 0.0;
    for (_, label) in &y_axis.ticks {
        y_w = y_w.max(text_width(area, label, TICK_SIZE)?);
    }
    let left = bounds.x0 + if y.label.is_empty() { 8.0 } else { 34.0 } + y_w + 12.0;
    let mut right = (bounds.x1 - 30.0 - right_extra).max(left + 40.0);

    let x_axis = x_axis_fitting(area, x, right - left)?;
    // Leave room for half of the last tick label (it is centred on its tick).
    if let Some((v, label)) = x_axis.ticks.last() {
        let half = text_width(area, label, TICK_SIZE)? / 2.0;
        let at = left + x_axis.frac(*v) * (right - left);
        let overhang = at + half + 6.0 - (bounds.x1 - right_extra);
        if overhang > 0.0 {
            right = (right - overhang).max(left + 40.0);
        }
    }
    Ok(Frame {
        plot: Rect {
            x0: left,
            y0: top,
            x1: right,
            y1: bottom,
        },
        x: x_axis,
        y: y_axis,
    })
}

fn min_gap(vals: &[f64]) -> f64 {
    vals.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(f64::INFINITY, f64::min)
}

/// X ticks whose labels do not overlap across `width` px.
fn x_axis_fitting<DB: DrawingBackend>(
    area: &Area<DB>,
    x: &AxisSpec<'_>,
    width: f64,
) -> DrawResult<Axis, DB> {
    let fits = |axis: &Axis| -> DrawResult<bool, DB> {
        let mut widest: f64 = 0.0;
        for (_, label) in &axis.ticks {
            widest = widest.max(text_width(area, label, TICK_SIZE)?);
        }
        let n = axis.ticks.len();
        if n < 2 {
            return Ok(true);
        }
        let gap = width / (x.hi - x.lo)
            * axis
                .ticks
                .windows(2)
                .map(|w| w[1].0 - w[0].0)
                .fold(f64::INFINITY, f64::min);
        Ok(gap >= widest + 12.0)
    };
    match &x.ticks {
        TickMode::None => {
            return Ok(Axis {
                lo: x.lo,
                hi: x.hi,
                ticks: Vec::new(),
            });
        }
        TickMode::At(vals) if vals.len() <= 25 && Axis::round_values(vals) => {
            let axis = Axis::at(x.lo, x.hi, vals);
            if fits(&axis)? {
                return Ok(axis);
            }
        }
        _ => {}
    }
    let mut target = ((width / 100.0) as usize).clamp(2, 10);
    loop {
        let axis = Axis::nice(x.lo, x.hi, target);
        if target <= 1 || fits(&axis)? {
            return Ok(axis);
        }
        target -= 1;
    }
}

/// Grid lines at the ticks.
fn draw_grid<DB: DrawingBackend>(area: &Area<DB>, f: &Frame) -> DrawResult<(), DB> {
    let style = GRID.stroke_width(1);
    for (v, _) in &f.x.ticks {
        let x = f.px_x(*v);
        area.draw(&PathElement::new(
            vec![px((x, f.plot.y0)), px((x, f.plot.y1))],
            style,
        ))?;
    }
    for (v, _) in &f.y.ticks {
        let y = f.px_y(*v);
        area.draw(&PathElement::new(
            vec![px((f.plot.x0, y)), px((f.plot.x1, y))],
            style,
        ))?;
    }
    Ok(())
}

/// The plot's box, tick marks, tick labels and axis labels.
fn draw_axes<DB: DrawingBackend>(
    area: &Area<DB>,
    f: &Frame,
    x_label: &str,
    y_label: &str,
    bounds: &Rect,
) -> DrawResult<(), DB> {
    let p = &f.plot;
    area.draw(&PathElement::new(
        vec![
            px((p.x0, p.y0)),
            px((p.x1, p.y0)),
            px((p.x1, p.y1)),
            px((p.x0, p.y1)),
            px((p.x0, p.y0)),
        ],
        AXIS.stroke_width(1),
    ))?;
    let tick_style = text_style(TICK_SIZE, &INK, HPos::Center, VPos::Top);
    for (v, label) in &f.x.ticks {
        let x = f.px_x(*v);
        area.draw(&PathElement::new(
            vec![px((x, p.y1)), px((x, p.y1 + 5.0))],
            AXIS.stroke_width(1),
        ))?;
        // Never let a label run off the canvas.
        let half = text_width(area, label, TICK_SIZE)? / 2.0;
        let x = x.clamp(
            bounds.x0 + half + 2.0,
            (bounds.x1 - half - 2.0).max(bounds.x0),
        );
        put_text(area, label, &tick_style, (x, p.y1 + 8.0))?;
    }
    let tick_style = text_style(TICK_SIZE, &INK, HPos::Right, VPos::Center);
    for (v, label) in &f.y.ticks {
        let y = f.px_y(*v);
        area.draw(&PathElement::new(
            vec![px((p.x0 - 5.0, y)), px((p.x0, y))],
            AXIS.stroke_width(1),
        ))?;
        put_text(area, label, &tick_style, (p.x0 - 8.0, y))?;
    }
    if !x_label.is_empty() {
        let text = fit_text(area, x_label, LABEL_SIZE, bounds.x1 - bounds.x0 - 20.0)?;
        let style = text_style(LABEL_SIZE, &INK, HPos::Center, VPos::Top);
        let below = if f.x.ticks.is_empty() {
            8.0
        } else {
            TICK_SIZE + 16.0
        };
        put_text(area, &text, &style, ((p.x0 + p.x1) / 2.0, p.y1 + below))?;
    }
    if !y_label.is_empty() {
        let text = fit_text(area, y_label, LABEL_SIZE, p.y1 - p.y0 + 20.0)?;
        let style = text_style(LABEL_SIZE, &INK, HPos::Center, VPos::Center)
            .transform(FontTransform::Rotate270);
        put_text(area, &text, &style, (bounds.x0 + 16.0, (p.y0 + p.y1) / 2.0))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Primitives

fn polyline<DB: DrawingBackend>(
    area: &Area<DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> DrawResult<(), DB> {
    area.draw(&PathElement::new(
        points.iter().map(|&p| px(p)).collect::<Vec<_>>(),
        style,
    ))
}

/// A dashed segment `a`–`b` (8 px on, 5 px off), clipped to `clip`.
fn dashed<DB: DrawingBackend>(
    area: &Area<DB>,
    a: (f64, f64),
    b: (f64, f64),
    style: ShapeStyle,
    clip: &Rect,
    occ: &mut Occupancy,
) -> DrawResult<(), DB> {
    let Some((a, b)) = geom::clip_segment(a, b, clip) else {
        return Ok(());
    };
    occ.segment(a, b);
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    if len <= 0.0 {
        return Ok(());
    }
    let (on, off) = (8.0, 5.0);
    let at = |d: f64| (a.0 + (b.0 - a.0) * d / len, a.1 + (b.1 - a.1) * d / len);
    let mut d = 0.0;
    while d < len {
        polyline(area, &[at(d), at((d + on).min(len))], style)?;
        d += on + off;
    }
    Ok(())
}

fn marker<DB: DrawingBackend>(
    area: &Area<DB>,
    at: (f64, f64),
    color: RGBColor,
) -> DrawResult<(), DB> {
    area.draw(&Circle::new(px(at), 4, color.filled()))
}

/// Cells of the plot that data covers, so the legend goes where it hides least.
struct Occupancy {
    plot: Rect,
    cols: usize,
    rows: usize,
    cells: Vec<bool>,
}

const OCC_CELL: f64 = 8.0;

impl Occupancy {
    fn new(plot: Rect) -> Self {
        let cols = ((plot.x1 - plot.x0) / OCC_CELL).ceil().max(1.0) as usize;
        let rows = ((plot.y1 - plot.y0) / OCC_CELL).ceil().max(1.0) as usize;
        Self {
            plot,
            cols,
            rows,
            cells: vec![false; cols * rows],
        }
    }

    fn cell(&self, p: (f64, f64)) -> Option<(usize, usize)> {
        let c = (p.0 - self.plot.x0) / OCC_CELL;
        let r = (p.1 - self.plot.y0) / OCC_CELL;
        (c >= 0.0 && r >= 0.0 && (c as usize) < self.cols && (r as usize) < self.rows)
            .then_some((c as usize, r as usize))
    }

    fn point(&mut self, p: (f64, f64)) {
        if let Some((c, r)) = self.cell(p) {
            self.cells[r * self.cols + c] = true;
        }
    }

    /// Marks a segment already clipped to the plot.
    fn segment(&mut self, a: (f64, f64), b: (f64, f64)) {
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let steps = (len / (OCC_CELL / 2.0)).ceil().clamp(1.0, 10_000.0) as usize;
        for k in 0..=steps {
            let t = k as f64 / steps as f64;
            self.point((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
        }
    }

    fn rect(&mut self, r: &Rect) {
        let mut y = r.y0;
        while y <= r.y1 {
            let mut x = r.x0;
            while x <= r.x1 {
                self.point((x, y));
                x += OCC_CELL / 2.0;
            }
            y += OCC_CELL / 2.0;
        }
    }

    fn count(&self, r: &Rect) -> usize {
        let mut n = 0;
        for row in 0..self.rows {
            for col in 0..self.cols {
                let (x, y) = (
                    self.plot.x0 + (col as f64 + 0.5) * OCC_CELL,
                    self.plot.y0 + (row as f64 + 0.5) * OCC_CELL,
                );
                if self.cells[row * self.cols + col]
                    && x >= r.x0 - OCC_CELL / 2.0
                    && x <= r.x1 + OCC_CELL / 2.0
                    && y >= r.y0 - OCC_CELL / 2.0
                    && y <= r.y1 + OCC_CELL / 2.0
                {
                    n += 1;
                }
            }
        }
        n
    }
}

// ---------------------------------------------------------------------------------------------
// Legend

enum Swatch {
    Line(RGBColor),
    LineMarker(RGBColor),
    Dashed(RGBColor),
    Block(RGBColor),
}

struct Entry {
    label: String,
    swatch: Swatch,
}

const LEGEND_ROW: f64 = 21.0;
const LEGEND_PAD: f64 = 8.0;
const SWATCH_W: f64 = 26.0;

/// The legend in the corner of the plot (top right, top left, bottom right, bottom left:
/// the first that covers the fewest data cells), in a translucent white box.
fn draw_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    plot: &Rect,
    entries: &[Entry],
    occ: &Occupancy,
) -> DrawResult<(), DB> {
    if entries.is_empty() {
        return Ok(());
    }
    let max_rows = (((plot.y1 - plot.y0 - 2.0 * LEGEND_PAD - 12.0) / LEGEND_ROW) as usize).max(1);
    let shown = if entries.len() > max_rows {
        max_rows - 1
    } else {
        entries.len()
    };
    let more = entries.len() - shown;
    let max_text = ((plot.x1 - plot.x0) * 0.6 - SWATCH_W - 3.0 * LEGEND_PAD).max(40.0);
    let mut labels = Vec::with_capacity(shown + 1);
    for e in &entries[..shown] {
        labels.push(fit_text(area, &e.label, LEGEND_SIZE, max_text)?);
    }
    if more > 0 {
        labels.push(format!("… and {more} more"));
    }
    let mut text_w: f64 = 0.0;
    for l in &labels {
        text_w = text_w.max(text_width(area, l, LEGEND_SIZE)?);
    }
    let w = LEGEND_PAD * 2.0 + SWATCH_W + 6.0 + text_w;
    let h = LEGEND_PAD * 2.0 + LEGEND_ROW * labels.len() as f64;
    let inset = 10.0;
    let corners = [
        (plot.x1 - inset - w, plot.y0 + inset),
        (plot.x0 + inset, plot.y0 + inset),
        (plot.x1 - inset - w, plot.y1 - inset - h),
        (plot.x0 + inset, plot.y1 - inset - h),
    ];
    let mut best = corners[0];
    let mut best_count = usize::MAX;
    for &(x, y) in &corners {
        let n = occ.count(&Rect {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        });
        if n < best_count {
            best = (x, y);
            best_count = n;
        }
    }
    let (x0, y0) = best;
    area.draw(&Rectangle::new(
        [px((x0, y0)), px((x0 + w, y0 + h))],
        WHITE.mix(0.85).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [px((x0, y0)), px((x0 + w, y0 + h))],
        GRID.stroke_width(1),
    ))?;
    let style = text_style(LEGEND_SIZE, &INK, HPos::Left, VPos::Center);
    for (i, label) in labels.iter().enumerate() {
        let cy = y0 + LEGEND_PAD + LEGEND_ROW * (i as f64 + 0.5);
        let (sx0, sx1) = (x0 + LEGEND_PAD, x0 + LEGEND_PAD + SWATCH_W);
        if let Some(e) = entries.get(i).filter(|_| i < shown) {
            match e.swatch {
                Swatch::Line(c) => polyline(area, &[(sx0, cy), (sx1, cy)], c.stroke_width(2))?,
                Swatch::LineMarker(c) => {
                    polyline(area, &[(sx0, cy), (sx1, cy)], c.stroke_width(2))?;
                    marker(area, ((sx0 + sx1) / 2.0, cy), c)?;
                }
                Swatch::Dashed(c) => {
                    polyline(area, &[(sx0, cy), (sx0 + 10.0, cy)], c.stroke_width(2))?;
                    polyline(area, &[(sx0 + 16.0, cy), (sx1, cy)], c.stroke_width(2))?;
                }
                Swatch::Block(c) => area.draw(&Rectangle::new(
                    [px((sx0 + 4.0, cy - 6.0)), px((sx1 - 4.0, cy + 6.0))],
                    c.filled(),
                ))?,
            }
        }
        put_text(area, label, &style, (sx1 + 6.0, cy))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Line charts

fn line_chart<DB: DrawingBackend>(
    area: &Area<DB>,
    bounds: Rect,
    chart: &LineChart,
    title_size: f64,
) -> DrawResult<(), DB> {
    let title_h = title_text(area, &chart.title, bounds, title_size)?;
    let body = Rect {
        y0: bounds.y0 + title_h,
        ..bounds
    };

    let runs: Vec<Vec<Vec<(f64, f64)>>> = chart
        .series
        .iter()
        .map(|s| geom::polyline_runs(&s.points))
        .collect();
    let bands: Vec<Vec<Vec<(f64, f64, f64)>>> = chart
        .series
        .iter()
        .map(|s| geom::band_runs(&s.band))
        .collect();
    let xs = runs
        .iter()
        .flatten()
        .flatten()
        .map(|p| p.0)
        .chain(bands.iter().flatten().flatten().map(|b| b.0));
    let has_data = runs.iter().flatten().any(|r| !r.is_empty())
        || bands.iter().flatten().any(|r| !r.is_empty());
    let (x_lo, x_hi) = match geom::finite_bounds(xs) {
        Some((lo, hi)) if chart.markers || lo == hi => geom::padded(lo, hi, 0.03),
        Some((lo, hi)) => geom::sane_range(lo, hi),
        None => (0.0, 1.0),
    };
    let (y_lo, y_hi) = match chart.y_range {
        Some((a, b)) if a.is_finite() && b.is_finite() => geom::sane_range(a, b),
        _ => {
            let ys = runs
                .iter()
                .flatten()
                .flatten()
                .map(|p| p.1)
                .chain(bands.iter().flatten().flatten().flat_map(|b| [b.1, b.2]))
                .chain(chart.hlines.iter().map(|h| h.1));
            match geom::finite_bounds(ys) {
                Some((lo, hi)) => fit_y(lo, hi),
                None => (0.0, 1.0),
            }
        }
    };
    let frame = layout(
        area,
        body,
        &AxisSpec {
            lo: x_lo,
            hi: x_hi,
            label: &chart.x_label,
            ticks: TickMode::Nice,
        },
        &AxisSpec {
            lo: y_lo,
            hi: y_hi,
            label: &chart.y_label,
            ticks: TickMode::Nice,
        },
        0.0,
        0.0,
    )?;
    draw_grid(area, &frame)?;
    let plot = frame.plot;
    let mut occ = Occupancy::new(plot);

    for (i, series_bands) in bands.iter().enumerate() {
        let color = palette(i);
        for run in series_bands {
            if let [(x, lo, hi)] = run.as_slice() {
                if let Some((a, b)) =
                    geom::clip_segment(frame.px((*x, *lo)), frame.px((*x, *hi)), &plot)
                {
                    polyline(area, &[a, b], color.mix(0.35).stroke_width(3))?;
                }
                continue;
            }
            let poly: Vec<(f64, f64)> = run
                .iter()
                .map(|b| frame.px((b.0, b.2)))
                .chain(run.iter().rev().map(|b| frame.px((b.0, b.1))))
                .collect();
            let clipped = geom::clip_polygon(&poly, &plot);
            if clipped.len() >= 3 {
                for w in clipped.windows(2) {
                    occ.segment(w[0], w[1]);
                }
                area.draw(&Polygon::new(
                    clipped.iter().map(|&p| px(p)).collect::<Vec<_>>(),
                    color.mix(0.2).filled(),
                ))?;
            }
        }
    }
    let n_series = chart.series.len();
    let mut hline_entries = Vec::new();
    for (j, (label, y)) in chart.hlines.iter().enumerate() {
        let color = palette(n_series + j);
        if y.is_finite() {
            let py = frame.px_y(*y);
            dashed(
                area,
                (plot.x0, py),
                (plot.x1, py),
                color.stroke_width(2),
                &plot,
                &mut occ,
            )?;
        }
        if !label.is_empty() {
            hline_entries.push(Entry {
                label: label.clone(),
                swatch: Swatch::Dashed(color),
            });
        }
    }
    for (i, series_runs) in runs.iter().enumerate() {
        let color = palette(i);
        for run in series_runs {
            let pts: Vec<(f64, f64)> = run.iter().map(|&p| frame.px(p)).collect();
            for piece in geom::clip_polyline(&pts, &plot) {
                for w in piece.windows(2) {
                    occ.segment(w[0], w[1]);
                }
                polyline(area, &piece, color.stroke_width(2))?;
            }
            // A lone point has no line: give it a marker so it shows.
            if chart.markers || pts.len() == 1 {
                for &p in pts.iter().filter(|p| plot.contains(**p)) {
                    occ.point(p);
                    marker(area, p, color)?;
                }
            }
        }
    }
    draw_axes(area, &frame, &chart.x_label, &chart.y_label, &bounds)?;
    if !has_data {
        note(area, &plot, "no data")?;
    }
    let mut entries: Vec<Entry> = Vec::new();
    if chart.series.iter().any(|s| !s.name.is_empty()) {
        for (i, s) in chart.series.iter().enumerate() {
            if !s.name.is_empty() {
                let c = palette(i);
                entries.push(Entry {
                    label: s.name.clone(),
                    swatch: if chart.markers {
                        Swatch::LineMarker(c)
                    } else {
                        Swatch::Line(c)
                    },
                });
            }
        }
    }
    entries.extend(hline_entries);
    draw_legend(area, &plot, &entries, &occ)
}

/// The y range fitting `lo..hi`: 0 included when every value is positive, 5 % headroom.
fn fit_y(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = geom::sane_range(if lo > 0.0 { 0.0 } else { lo }, hi);
    let pad = (hi - lo) * 0.05;
    geom::sane_range(if lo == 0.0 { 0.0 } else { lo - pad }, hi + pad)
}

// ---------------------------------------------------------------------------------------------
// Lorenz curves

/// A Lorenz curve (poorest first, from `(0, 0)`) and the Gini coefficient of `holdings`.
/// Non-finite holdings are dropped; values are scaled by the largest magnitude (which
/// changes neither) and, as in [`crate::metrics::gini`], shifted up by the minimum when it
/// is negative. `None` for the curve when the total is zero.
fn lorenz_points(holdings: &[f64]) -> (Option<Vec<(f64, f64)>>, f64) {
    let finite: Vec<f64> = holdings.iter().copied().filter(|v| v.is_finite()).collect();
    let scale = finite.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut vals: Vec<f64> = if scale > 0.0 {
        finite.iter().map(|v| v / scale).collect()
    } else {
        finite
    };
    vals.sort_by(f64::total_cmp);
    if let Some(&min) = vals.first()
        && min < 0.0
    {
        for v in &mut vals {
            *v -= min;
        }
    }
    let gini = crate::metrics::gini(&vals);
    let total: f64 = vals.iter().sum();
    if vals.is_empty() || total <= 0.0 || !total.is_finite() {
        return (None, gini);
    }
    let n = vals.len() as f64;
    let mut cum = 0.0;
    let mut pts = Vec::with_capacity(vals.len() + 1);
    pts.push((0.0, 0.0));
    for (i, v) in vals.iter().enumerate() {
        cum += v;
        pts.push(((i + 1) as f64 / n, (cum / total).min(1.0)));
    }
    (Some(pts), gini)
}

fn lorenz_chart<DB: DrawingBackend>(
    area: &Area<DB>,
    bounds: Rect,
    lorenz: &Lorenz,
) -> DrawResult<(), DB> {
    let title_h = title_text(area, &lorenz.title, bounds, TITLE_SIZE)?;
    let body = Rect {
        y0: bounds.y0 + title_h,
        ..bounds
    };
    let x_label = "cumulative share of holders (poorest first)";
    let y_label = "cumulative share of holdings";
    let frame = layout(
        area,
        body,
        &AxisSpec {
            lo: -0.01,
            hi: 1.01,
            label: x_label,
            ticks: TickMode::Nice,
        },
        &AxisSpec {
            lo: -0.02,
            hi: 1.02,
            label: y_label,
            ticks: TickMode::Nice,
        },
        0.0,
        0.0,
    )?;
    draw_grid(area, &frame)?;
    let plot = frame.plot;
    let mut occ = Occupancy::new(plot);
    dashed(
        area,
        frame.px((0.0, 0.0)),
        frame.px((1.0, 1.0)),
        MUTED.stroke_width(1),
        &plot,
        &mut occ,
    )?;
    let mut entries = vec![Entry {
        label: "line of equality".into(),
        swatch: Swatch::Dashed(MUTED),
    }];
    for (i, (name, holdings)) in lorenz.curves.iter().enumerate() {
        let color = palette(i);
        let (curve, gini) = lorenz_points(holdings);
        if let Some(curve) = curve {
            for run in geom::polyline_runs(&curve) {
                let pts: Vec<(f64, f64)> = run.iter().map(|&p| frame.px(p)).collect();
                for piece in geom::clip_polyline(&pts, &plot) {
                    for w in piece.windows(2) {
                        occ.segment(w[0], w[1]);
                    }
                    polyline(area, &piece, color.stroke_width(2))?;
                }
            }
        }
        let gini = if gini.is_finite() {
            format!("Gini {gini:.2}")
        } else {
            "Gini n/a".to_owned()
        };
        entries.push(Entry {
            label: if name.is_empty() {
                gini
            } else {
                format!("{name} ({gini})")
            },
            swatch: Swatch::Line(color),
        });
    }
    draw_axes(area, &frame, x_label, y_label, &bounds)?;
    draw_legend(area, &plot, &entries, &occ)
}

// ---------------------------------------------------------------------------------------------
// Bars

/// How category labels are written under their groups.
enum CategoryLabels {
    /// One line each.
    Flat,
    /// Wrapped at `-`, `_`, `/` or spaces into lines.
    Wrapped(Vec<Vec<String>>),
    /// Rotated to read bottom to top, shortened to fit.
    Vertical(f64),
}

/// `label` broken after `-`, `_`, `/` or at spaces into lines at most `max_w` px wide;
/// `None` if a piece is wider than that.
fn wrap_label<DB: DrawingBackend>(
    area: &Area<DB>,
    label: &str,
    max_w: f64,
) -> DrawResult<Option<Vec<String>>, DB> {
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in label.chars() {
        if c == ' ' {
            pieces.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
        if matches!(c, '-' | '_' | '/') {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    pieces.push(cur);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
        let joined = if line.is_empty() || line.ends_with(['-', '_', '/']) {
            format!("{line}{piece}")
        } else {
            format!("{line} {piece}")
        };
        if text_width(area, &joined, TICK_SIZE)? <= max_w {
            line = joined;
        } else {
            if text_width(area, &piece, TICK_SIZE)? > max_w {
                return Ok(None);
            }
            if !line.is_empty() {
                lines.push(std::mem::replace(&mut line, piece));
            } else {
                line = piece;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(Some(lines))
}

fn bar_chart<DB: DrawingBackend>(
    area: &Area<DB>,
    bounds: Rect,
    bars: &Bars,
    errors: &[Vec<(f64, f64)>],
) -> DrawResult<(), DB> {
    let title_h = title_text(area, &bars.title, bounds, TITLE_SIZE)?;
    let body = Rect {
        y0: bounds.y0 + title_h,
        ..bounds
    };
    let n = bars.categories.len();
    let m = bars.bars.len();
    let value =
        |set: usize, cat: usize| bars.bars[set].1.get(cat).copied().filter(|v| v.is_finite());
    let whisker = |set: usize, cat: usize| {
        errors
            .get(set)
            .and_then(|e| e.get(cat))
            .copied()
            .filter(|(lo, hi)| lo.is_finite() && hi.is_finite())
    };
    let ends = (0..m).flat_map(|s| (0..n).filter_map(move |c| whisker(s, c)));
    let values = (0..m)
        .flat_map(|s| (0..n).filter_map(move |c| value(s, c)))
        .chain(ends.flat_map(|(lo, hi)| [lo, hi]));
    let (y_lo, y_hi) = match geom::finite_bounds(values) {
        Some((lo, hi)) => {
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let pad = (hi - lo) * 0.08;
            // Headroom above the tallest bar for the legend box, so it never hides a bar.
            let top = if bars.bars.iter().any(|b| !b.0.is_empty()) {
                (hi - lo) * (0.08 + (24.0 + 24.0 * m as f64) / 440.0)
            } else {
                pad
            };
            geom::sane_range(
                if lo < 0.0 { lo - pad } else { lo },
                if hi > 0.0 { hi + top } else { hi },
            )
        }
        None => (0.0, 1.0),
    };
    let x = AxisSpec {
        lo: 0.0,
        hi: n.max(1) as f64,
        label: "",
        ticks: TickMode::None,
    };
    let y = AxisSpec {
        lo: y_lo,
        hi: y_hi,
        label: &bars.y_label,
        ticks: TickMode::Nice,
    };
    // First pass for the plot width, which decides how the category labels fit.
    let probe = layout(area, body, &x, &y, 0.0, 0.0)?;
    let slot = (probe.plot.x1 - probe.plot.x0) / n.max(1) as f64;
    let room = (slot - 8.0).max(10.0);
    let mut widest: f64 = 0.0;
    for c in &bars.categories {
        widest = widest.max(text_width(area, c, TICK_SIZE)?);
    }
    let line_h = TICK_SIZE + 4.0;
    let mut labels = CategoryLabels::Flat;
    if widest > room {
        let mut wrapped = Vec::with_capacity(n);
        for c in &bars.categories {
            match wrap_label(area, c, room)? {
                Some(lines) if lines.len() <= 3 => wrapped.push(lines),
                _ => {
                    wrapped.clear();
                    break;
                }
            }
        }
        labels = if wrapped.len() == n {
            CategoryLabels::Wrapped(wrapped)
        } else {
            CategoryLabels::Vertical(widest.min(180.0))
        };
    }
    let label_h = match &labels {
        CategoryLabels::Flat => line_h,
        CategoryLabels::Wrapped(w) => line_h * w.iter().map(Vec::len).max().unwrap_or(1) as f64,
        CategoryLabels::Vertical(w) => *w,
    } + 12.0;
    let frame = layout(area, body, &x, &y, label_h, 0.0)?;
    draw_grid(area, &frame)?;
    let plot = frame.plot;
    let mut occ = Occupancy::new(plot);

    if n == 0 || m == 0 {
        note(area, &plot, "no data")?;
    }
    let slot = (plot.x1 - plot.x0) / n.max(1) as f64;
    let group = slot * 0.8;
    let bar_w = group / m.max(1) as f64;
    let zero = frame.px_y(0.0).clamp(plot.y0, plot.y1);
    let value_labels = n * m <= 60;
    let value_style_above = text_style(VALUE_SIZE, &INK, HPos::Center, VPos::Bottom);
    let value_style_below = text_style(VALUE_SIZE, &INK, HPos::Center, VPos::Top);
    for set in 0..m {
        let color = palette(set);
        for cat in 0..n {
            let Some(v) = value(set, cat) else { continue };
            let x0 = plot.x0 + slot * cat as f64 + slot * 0.1 + bar_w * set as f64;
            let x1 = x0 + bar_w;
            let (bx0, bx1) = if bar_w > 5.0 {
                (x0 + 1.0, x1 - 1.0)
            } else {
                (x0, x1)
            };
            let top = frame.px_y(v).clamp(plot.y0, plot.y1);
            let r = Rect {
                x0: bx0,
                y0: top.min(zero),
                x1: bx1,
                y1: top.max(zero),
            };
            occ.rect(&r);
            area.draw(&Rectangle::new(
                [px((r.x0, r.y0)), px((r.x1, r.y1))],
                color.filled(),
            ))?;
            if let Some((lo, hi)) = whisker(set, cat) {
                let cx = (x0 + x1) / 2.0;
                let (ylo, yhi) = (
                    frame.px_y(lo).clamp(plot.y0, plot.y1),
                    frame.px_y(hi).clamp(plot.y0, plot.y1),
                );
                let cap = (bar_w * 0.25).clamp(2.0, 8.0);
                polyline(area, &[(cx, ylo), (cx, yhi)], INK.stroke_width(1))?;
                polyline(
                    area,
                    &[(cx - cap, ylo), (cx + cap, ylo)],
                    INK.stroke_width(1),
                )?;
                polyline(
                    area,
                    &[(cx - cap, yhi), (cx + cap, yhi)],
                    INK.stroke_width(1),
                )?;
                continue;
            }
            if value_labels {
                let text = geom::format_sig(v, 3);
                if text_width(area, &text, VALUE_SIZE)? <= bar_w + slot * 0.2 / m as f64 {
                    let cx = (x0 + x1) / 2.0;
                    let (at, style) = if v >= 0.0 {
                        ((cx, top - 3.0), &value_style_above)
                    } else {
                        ((cx, top + 3.0), &value_style_below)
                    };
                    if at.1 - VALUE_SIZE >= plot.y0 && at.1 + VALUE_SIZE <= plot.y1 {
                        occ.rect(&Rect {
                            x0: cx - 10.0,
                            y0: at.1 - 12.0,
                            x1: cx + 10.0,
                            y1: at.1 + 12.0,
                        });
                        put_text(area, &text, style, at)?;
                    }
                }
            }
        }
    }
    if y_lo < 0.0 && y_hi > 0.0 {
        polyline(
            area,
            &[(plot.x0, zero), (plot.x1, zero)],
            AXIS.stroke_width(1),
        )?;
    }
    draw_axes(area, &frame, "", &bars.y_label, &bounds)?;
    // Category labels, centred under their groups.
    let style = text_style(TICK_SIZE, &INK, HPos::Center, VPos::Top);
    // Too many categories for one label each: label every `every`-th.
    let every = if matches!(labels, CategoryLabels::Vertical(_)) {
        ((TICK_SIZE + 2.0) / slot).ceil().max(1.0) as usize
    } else {
        1
    };
    for (cat, name) in bars.categories.iter().enumerate().step_by(every) {
        let cx = plot.x0 + slot * (cat as f64 + 0.5);
        let y0 = plot.y1 + 8.0;
        match &labels {
            CategoryLabels::Flat => put_text(area, name, &style, (cx, y0))?,
            CategoryLabels::Wrapped(all) => {
                for (k, line) in all[cat].iter().enumerate() {
                    put_text(area, line, &style, (cx, y0 + line_h * k as f64))?;
                }
            }
            CategoryLabels::Vertical(w) => {
                let text = fit_text(area, name, TICK_SIZE, *w)?;
                let vstyle = text_style(TICK_SIZE, &INK, HPos::Right, VPos::Center)
                    .transform(FontTransform::Rotate270);
                put_text(area, &text, &vstyle, (cx, y0))?;
            }
        }
    }
    let entries: Vec<Entry> = if bars.bars.iter().any(|b| !b.0.is_empty()) {
        bars.bars
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.0.is_empty())
            .map(|(i, b)| Entry {
                label: b.0.clone(),
                swatch: Swatch::Block(palette(i)),
            })
            .collect()
    } else {
        Vec::new()
    };
    draw_legend(area, &plot, &entries, &occ)
}

// ---------------------------------------------------------------------------------------------
// Heatmaps

const COLORBAR_SPACE: f64 = 120.0;
const CONTOUR: RGBColor = RGBColor(255, 255, 255);

fn heatmap_chart<DB: DrawingBackend>(
    area: &Area<DB>,
    bounds: Rect,
    h: &Heatmap,
) -> DrawResult<(), DB> {
    let title_h = title_text(area, &h.title, bounds, TITLE_SIZE)?;
    // A contour legend sits between the title and the plot.
    let contour = h.contour.filter(|l| l.is_finite());
    let contour_h = if contour.is_some() { 22.0 } else { 0.0 };
    let body = Rect {
        y0: bounds.y0 + title_h + contour_h,
        ..bounds
    };
    // `validate` has checked the coordinates; fall back to nothing rather than panic.
    let x_edges = geom::cell_edges(&h.xs).unwrap_or_default();
    let y_edges = geom::cell_edges(&h.ys).unwrap_or_default();
    let (cols, rows) = (
        x_edges.len().saturating_sub(1),
        y_edges.len().saturating_sub(1),
    );
    let cell = |r: usize, c: usize| {
        h.z.get(r)
            .and_then(|row| row.get(c))
            .copied()
            .filter(|v| v.is_finite())
    };
    let (x_lo, x_hi) = match (x_edges.first(), x_edges.last()) {
        (Some(&a), Some(&b)) => geom::sane_range(a, b),
        _ => (0.0, 1.0),
    };
    let (y_lo, y_hi) = match (y_edges.first(), y_edges.last()) {
        (Some(&a), Some(&b)) => geom::sane_range(a, b),
        _ => (0.0, 1.0),
    };
    let z_bounds =
        geom::finite_bounds((0..rows).flat_map(|r| (0..cols).filter_map(move |c| cell(r, c))));
    let (z_lo, z_hi) = z_bounds.map_or((0.0, 1.0), |(a, b)| geom::sane_range(a, b));
    let frame = layout(
        area,
        body,
        &AxisSpec {
            lo: x_lo,
            hi: x_hi,
            label: &h.x_label,
            ticks: TickMode::At(h.xs.clone()),
        },
        &AxisSpec {
            lo: y_lo,
            hi: y_hi,
            label: &h.y_label,
            ticks: TickMode::At(h.ys.clone()),
        },
        0.0,
        COLORBAR_SPACE,
    )?;
    let plot = frame.plot;
    let xp: Vec<f64> = x_edges.iter().map(|&x| frame.px_x(x).round()).collect();
    let yp: Vec<f64> = y_edges.iter().map(|&y| frame.px_y(y).round()).collect();
    let color_of = |z: f64| {
        let (r, g, b) = geom::viridis((z - z_lo) / (z_hi - z_lo));
        RGBColor(r, g, b)
    };
    for r in 0..rows {
        for c in 0..cols {
            if let Some(z) = cell(r, c) {
                area.draw(&Rectangle::new(
                    [px((xp[c], yp[r + 1])), px((xp[c + 1], yp[r]))],
                    color_of(z).filled(),
                ))?;
            }
        }
    }
    if let Some(level) = contour {
        let style = CONTOUR.stroke_width(3);
        let above = |z: f64| z >= level;
        for r in 0..rows {
            for c in 0..cols {
                let Some(z) = cell(r, c) else { continue };
                if let Some(right) = cell(r, c + 1)
                    && above(z) != above(right)
                {
                    polyline(area, &[(xp[c + 1], yp[r]), (xp[c + 1], yp[r + 1])], style)?;
                }
                if let Some(up) = cell(r + 1, c)
                    && above(z) != above(up)
                {
                    polyline(area, &[(xp[c], yp[r + 1]), (xp[c + 1], yp[r + 1])], style)?;
                }
            }
        }
    }
    draw_axes(area, &frame, &h.x_label, &h.y_label, &bounds)?;
    if rows == 0 || cols == 0 {
        note(area, &plot, "no data")?;
    } else if z_bounds.is_none() {
        note(area, &plot, "no finite values")?;
    }
    if let Some(level) = contour {
        let name = if h.z_label.is_empty() {
            "level"
        } else {
            &h.z_label
        };
        let text = format!("contour: {name} = {}", geom::format_sig(level, 4));
        let text = fit_text(area, &text, LEGEND_SIZE, plot.x1 - plot.x0 - 40.0)?;
        let cy = plot.y0 - 10.0 - contour_h / 2.0;
        // Swatch at the right end of the plot, text right-aligned against it, so the two
        // stay together whatever font an SVG viewer substitutes.
        let sx0 = plot.x1 - SWATCH_W;
        // A white line on a dark swatch, as it looks on the map.
        area.draw(&Rectangle::new(
            [px((sx0 - 2.0, cy - 7.0)), px((plot.x1 + 2.0, cy + 7.0))],
            color_of(z_lo).filled(),
        ))?;
        polyline(area, &[(sx0, cy), (plot.x1, cy)], CONTOUR.stroke_width(3))?;
        let style = text_style(LEGEND_SIZE, &INK, HPos::Right, VPos::Center);
        put_text(area, &text, &style, (sx0 - 8.0, cy))?;
    }
    colorbar(area, &plot, &bounds, z_lo, z_hi, &h.z_label)
}

/// The colour bar right of the plot, with ticks and the z label.
fn colorbar<DB: DrawingBackend>(
    area: &Area<DB>,
    plot: &Rect,
    bounds: &Rect,
    z_lo: f64,
    z_hi: f64,
    z_label: &str,
) -> DrawResult<(), DB> {
    let (x0, x1) = (plot.x1 + 18.0, plot.x1 + 36.0);
    let (y0, y1) = (plot.y0, plot.y1);
    let steps = 128;
    for k in 0..steps {
        let t0 = k as f64 / steps as f64;
        let t1 = (k + 1) as f64 / steps as f64;
        let (r, g, b) = geom::viridis((t0 + t1) / 2.0);
        area.draw(&Rectangle::new(
            [px((x0, y1 - (y1 - y0) * t1)), px((x1, y1 - (y1 - y0) * t0))],
            RGBColor(r, g, b).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [px((x0, y0)), px((x1, y1))],
        AXIS.stroke_width(1),
    ))?;
    let target = (((y1 - y0) / 55.0) as usize).clamp(2, 8);
    let axis = Axis::nice(z_lo, z_hi, target);
    let style = text_style(TICK_SIZE, &INK, HPos::Left, VPos::Center);
    let mut widest: f64 = 0.0;
    for (v, label) in &axis.ticks {
        let y = y1 - axis.frac(*v) * (y1 - y0);
        polyline(area, &[(x1, y), (x1 + 4.0, y)], AXIS.stroke_width(1))?;
        put_text(area, label, &style, (x1 + 7.0, y))?;
        widest = widest.max(text_width(area, label, TICK_SIZE)?);
    }
    if !z_label.is_empty() {
        let text = fit_text(area, z_label, LABEL_SIZE, y1 - y0 + 20.0)?;
        let style = text_style(LABEL_SIZE, &INK, HPos::Center, VPos::Center)
            .transform(FontTransform::Rotate270);
        let x = (x1 + 7.0 + widest + 16.0).min(bounds.x1 - 12.0);
        put_text(area, &text, &style, (x, (y0 + y1) / 2.0))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lorenz_points_and_gini() {
        let (pts, g) = lorenz_points(&[3.0, 1.0, 0.0, f64::NAN]);
        let pts = pts.expect("a curve");
        assert_eq!(
            pts,
            vec![(0.0, 0.0), (1.0 / 3.0, 0.0), (2.0 / 3.0, 0.25), (1.0, 1.0)]
        );
        assert!((g - crate::metrics::gini(&[3.0, 1.0, 0.0])).abs() < 1e-12);
        let (none, g) = lorenz_points(&[0.0, 0.0]);
        assert!(none.is_none());
        assert_eq!(g, 0.0);
        assert!(lorenz_points(&[]).0.is_none());
        // Huge values do not overflow the total.
        let (pts, g) = lorenz_points(&[f64::MAX, f64::MAX]);
        assert_eq!(pts.expect("a curve").last(), Some(&(1.0, 1.0)));
        assert_eq!(g, 0.0);
    }

    #[test]
    fn y_fit_includes_zero_for_positive_data() {
        assert_eq!(fit_y(2.0, 4.0), (0.0, 4.2));
        let (lo, hi) = fit_y(-1.0, 1.0);
        assert!(lo < -1.0 && hi > 1.0);
        assert_eq!(fit_y(5.0, 5.0), (0.0, 5.25));
    }
}
