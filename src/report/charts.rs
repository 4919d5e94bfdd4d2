//! Charts as data: what a figure shows, independent of how it is drawn. Reports and the
//! validation suite build [`Figure`]s; [`render`] draws each as a PNG and an SVG with
//! plotters (embedded font, byte-stable output).

mod draw;
mod geom;

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};
use plotters::style::FontStyle;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
    /// Grouped bars with error bars: `(low, high)` per set and category (NaN: none).
    ErrorBars(Bars, Vec<Vec<(f64, f64)>>),
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

/// DejaVu Sans (see `assets/fonts/LICENSE-DejaVu.txt`), embedded so that charts look the
/// same on every machine and need no system fonts.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers [`FONT`] as plotters' `sans-serif`, once per process.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font (DejaVu Sans) cannot be read".to_owned())
        })
        .clone()
}

/// Draws `figure` as `dir/stem.png` and `dir/stem.svg`; returns both paths (PNG first).
///
/// Figures are 1000 × 600 px ([`Figure::Panels`]: 1000 wide, 48 px for the title plus
/// 320 px per panel, at least one panel's height and at most 64 panels), in the DejaVu Sans font embedded in the library,
/// and byte-identical for the same figure on any machine. Series of more than 2000 points
/// are decimated (each bucket of consecutive points keeps its lowest and highest point);
/// NaN and infinite values are skipped (they break a line); data outside a fixed
/// [`LineChart::y_range`] is clipped.
///
/// `dir` is created if missing. Each file is drawn into a hidden temporary file in `dir`
/// (`.stem.partial.png`, `.stem.partial.svg`) and renamed into place, so an interrupted run
/// never leaves a file that looks complete.
///
/// # Errors
/// [`ChartError`] if `stem` is not a plain file name, if the figure cannot be drawn (a
/// heatmap whose coordinates are not finite and strictly ascending, or whose `z` does not
/// have one row per y of one value per x; more than 64 panels) or if a file cannot be
/// written.
pub fn render(figure: &Figure, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ChartError> {
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let fail = |path: &Path, message: String| ChartError {
        path: path.to_path_buf(),
        message,
    };
    if stem.is_empty() || stem == "." || stem == ".." || stem.contains(['/', '\\']) {
        return Err(fail(
            &png,
            format!("`{stem}` is not a plain file name (no directories)"),
        ));
    }
    register_font().map_err(|m| fail(&png, m))?;
    draw::validate(figure).map_err(|m| fail(&png, m))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| fail(dir, format!("cannot create the output directory: {e}")))?;
    let tmp_png = dir.join(format!(".{stem}.partial.png"));
    let tmp_svg = dir.join(format!(".{stem}.partial.svg"));
    let result = write_both(figure, [&png, &svg], [&tmp_png, &tmp_svg]);
    if result.is_err() {
        // Best effort: the error being reported matters more than a leftover temp file.
        let _ = std::fs::remove_file(&tmp_png);
        let _ = std::fs::remove_file(&tmp_svg);
    }
    result.map(|()| [png, svg])
}

/// Draws both temporary files, then renames them into place (PNG first).
fn write_both(
    figure: &Figure,
    [png, svg]: [&Path; 2],
    [tmp_png, tmp_svg]: [&Path; 2],
) -> Result<(), ChartError> {
    let size = draw::size(figure);
    let fail = |path: &Path, message: String| ChartError {
        path: path.to_path_buf(),
        message,
    };
    // SVG: drawn into memory, written by us.
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw::figure(&root, figure).map_err(|e| fail(svg, e.to_string()))?;
        root.present().map_err(|e| fail(svg, e.to_string()))?;
    }
    std::fs::write(tmp_svg, text.as_bytes())
        .map_err(|e| fail(svg, format!("cannot write {}: {e}", tmp_svg.display())))?;
    // PNG: plotters encodes into the temporary file (the `.png` extension picks the encoder).
    {
        let root = BitMapBackend::new(tmp_png, size).into_drawing_area();
        draw::figure(&root, figure).map_err(|e| fail(png, e.to_string()))?;
        root.present().map_err(|e| fail(png, e.to_string()))?;
    }
    std::fs::rename(tmp_png, png).map_err(|e| {
        fail(
            png,
            format!("cannot rename {} into place: {e}", tmp_png.display()),
        )
    })?;
    std::fs::rename(tmp_svg, svg).map_err(|e| {
        fail(
            svg,
            format!("cannot rename {} into place: {e}", tmp_svg.display()),
        )
    })?;
    Ok(())
}
