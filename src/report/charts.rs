//! Charts as data: what a figure shows, independent of how it is drawn. Reports and the
//! validation suite build [`Figure`]s; [`render`] draws each as a PNG and an SVG with
//! plotters (embedded font, byte-stable output).

use std::path::{Path, PathBuf};

/// One line of a [`LineChart`], with an optional spread band (e.g. min..max over replicates).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// `(x, y)` points, drawn in order.
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: a shaded band around the line; empty for none.
    pub band: Vec<(f64, f64, f64)>,
}

/// Lines over a shared x axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// Title, drawn above the plot.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Fixed y range; `None` fits the data (and includes 0 when all values are positive).
    pub y_range: Option<(f64, f64)>,
    /// Draw a marker at every point (for sweeps with few points).
    pub markers: bool,
    /// Horizontal reference lines: `(label, y)`, dashed.
    pub hlines: Vec<(String, f64)>,
}

/// Lorenz curves of holdings, with the line of equality.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lorenz {
    /// Title.
    pub title: String,
    /// `(legend, holdings)`: one curve each; the holdings need not be sorted.
    pub curves: Vec<(String, Vec<f64>)>,
}

/// Grouped bars: for each category, one bar per named set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bars {
    /// Title.
    pub title: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// Categories along x (e.g. strategies).
    pub categories: Vec<String>,
    /// `(legend, one value per category)`.
    pub bars: Vec<(String, Vec<f64>)>,
}

/// A grid of values, colored, with an optional contour level outlined.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Color scale label.
    pub z_label: String,
    /// Column coordinates (ascending).
    pub xs: Vec<f64>,
    /// Row coordinates (ascending).
    pub ys: Vec<f64>,
    /// `z[row][column]`; NaN cells are left blank.
    pub z: Vec<Vec<f64>>,
    /// Outline the cells where z crosses this level.
    pub contour: Option<f64>,
}

/// A figure to draw.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// One line chart.
    Line(LineChart),
    /// Line charts stacked vertically under one title, sharing nothing but the width.
    Panels {
        /// Title over all panels.
        title: String,
        /// The panels, top to bottom.
        panels: Vec<LineChart>,
    },
    /// Lorenz curves.
    Lorenz(Lorenz),
    /// Grouped bars.
    Bars(Bars),
    /// A heatmap.
    Heatmap(Heatmap),
}

/// Why a chart could not be drawn.
#[derive(Debug)]
pub struct ChartError {
    /// The file being written.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: cannot draw the chart: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for ChartError {}

/// Draws `figure` as `dir/stem.png` and `dir/stem.svg`; returns both paths (PNG first).
///
/// # Errors
/// [`ChartError`] if a file cannot be written.
pub fn render(figure: &Figure, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ChartError> {
    let _ = figure;
    Err(ChartError {
        path: dir.join(stem),
        message: "charts are not drawn yet".into(),
    })
}
