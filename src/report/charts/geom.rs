//! Pure geometry behind the charts: axis ranges, nice ticks and their labels, decimation of
//! long series, and clipping to the plot rectangle. Nothing here draws; everything is
//! deterministic and total (no input makes it panic).

/// Most points drawn per series; longer series are decimated (see [`polyline_runs`]).
pub(super) const MAX_POINTS: usize = 2000;

/// Largest magnitude kept for a range end, so that `hi - lo` stays finite.
const RANGE_LIMIT: f64 = 1e300;

/// Pixel coordinates further out than this are saturated before clipping (only points
/// millions of plot widths away are affected).
const PIXEL_LIMIT: f64 = 1e12;

/// `(min, max)` of the finite values, or `None` if there are none.
pub(super) fn finite_bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A drawable range from `lo..hi`: ordered, finite, and wide enough to carry ticks. A
/// non-finite end gives `0..1`; an empty or vanishing range is widened around its centre.
pub(super) fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let (lo, hi) = (
        lo.clamp(-RANGE_LIMIT, RANGE_LIMIT),
        hi.clamp(-RANGE_LIMIT, RANGE_LIMIT),
    );
    let mag = lo.abs().max(hi.abs());
    let span = hi - lo;
    if span > mag * 1e-9 && span > 1e-200 {
        return (lo, hi);
    }
    let mid = lo / 2.0 + hi / 2.0;
    let half = if mag > 1e-200 { mag * 0.05 } else { 1.0 };
    (mid - half, mid + half)
}

/// `lo..hi` widened by `frac` of its span on each side.
pub(super) fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let pad = (hi - lo) * frac;
    sane_range(lo - pad, hi + pad)
}

/// Tick positions on an axis, with the step they were chosen with.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Ticks {
    /// Tick values, ascending, inside the range.
    pub values: Vec<f64>,
    /// Distance between ticks (1, 2 or 5 times a power of ten).
    pub step: f64,
}

/// Ticks at multiples of a nice step (1, 2 or 5 × 10^k, the one nearest to `span / target`)
/// over `lo..hi` (a range from [`sane_range`]): about `target` intervals.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let span = hi - lo;
    let raw = span / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return Ticks {
            values: vec![lo, hi],
            step: if span.is_finite() && span > 0.0 {
                span
            } else {
                1.0
            },
        };
    }
    let base = 10f64.powf(raw.log10().floor());
    let m = raw / base;
    // The nice multiplier nearest to `m` on a log scale (thresholds √2, √10, √50).
    let step = base
        * if m < std::f64::consts::SQRT_2 {
            1.0
        } else if m < 10f64.sqrt() {
            2.0
        } else if m < 50f64.sqrt() {
            5.0
        } else {
            10.0
        };
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    let count = last - first + 1.0;
    if !(count.is_finite() && (1.0..=100.0).contains(&count)) {
        return Ticks {
            values: vec![lo, hi],
            step: span,
        };
    }
    let slack = span * 1e-9;
    let values = (0..count as usize)
        .map(|i| (first + i as f64) * step)
        .map(|v| if v == 0.0 { 0.0 } else { v })
        .filter(|v| *v >= lo - slack && *v <= hi + slack)
        .collect();
    Ticks { values, step }
}

/// How the labels of one axis are written: every label with the same unit and decimals.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum TickFormat {
    /// `value / divisor` with `decimals` decimals, followed by `suffix` (`k`, `M`, …).
    Fixed {
        /// Divides every value (1, 1e3, 1e6, …).
        divisor: f64,
        /// Written after the number.
        suffix: &'static str,
        /// Decimals after the point.
        decimals: usize,
    },
    /// Scientific notation with `mantissa` decimals.
    Scientific {
        /// Decimals of the mantissa.
        mantissa: usize,
    },
}

/// Decimals needed to tell apart multiples of `step`.
fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    (-(step.log10() + 1e-9).floor()).clamp(0.0, 12.0) as usize
}

impl TickFormat {
    /// The format for ticks `step` apart on `lo..hi`: plain decimals for ordinary
    /// magnitudes, `k`/`M`/`G`/`T` suffixes from 10 000 up (when the step is coarse enough),
    /// scientific notation for magnitudes of 10¹⁵ and more or below 10⁻⁴.
    pub(super) fn for_axis(lo: f64, hi: f64, step: f64) -> Self {
        let mag = lo.abs().max(hi.abs());
        if !(mag.is_finite()) || mag >= 1e15 || (mag > 0.0 && mag < 1e-4) {
            let exp_mag = mag.log10().floor();
            let exp_step = if step > 0.0 {
                step.log10().floor()
            } else {
                exp_mag
            };
            let mantissa = (exp_mag - exp_step).clamp(0.0, 6.0);
            return Self::Scientific {
                mantissa: if mantissa.is_finite() {
                    mantissa as usize
                } else {
                    0
                },
            };
        }
        for (divisor, suffix) in [(1e12f64, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
            if mag >= divisor.max(1e4) && step >= divisor / 100.0 {
                return Self::Fixed {
                    divisor,
                    suffix,
                    decimals: decimals_for(step / divisor),
                };
            }
        }
        Self::Fixed {
            divisor: 1.0,
            suffix: "",
            decimals: decimals_for(step),
        }
    }

    /// `v` written in this format (`-0` is written `0`).
    pub(super) fn format(&self, v: f64) -> String {
        let s = match *self {
            // With a unit suffix, zero is written plainly ("0", not "0.0k").
            Self::Fixed { suffix, .. } if v == 0.0 && !suffix.is_empty() => "0".to_owned(),
            Self::Fixed {
                divisor,
                suffix,
                decimals,
            } => format!("{:.*}{suffix}", decimals, v / divisor),
            Self::Scientific { mantissa } => {
                if v == 0.0 {
                    "0".to_owned()
                } else {
                    format!("{v:.mantissa$e}")
                }
            }
        };
        strip_negative_zero(s)
    }
}

/// `-0.00k` → `0.00k`: a minus sign in front of nothing but zeros is dropped.
fn strip_negative_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| !c.is_ascii_digit() || c == '0') => rest.to_owned(),
        _ => s,
    }
}

/// `v` with about `sig` significant digits, trailing zeros trimmed, `k`/`M`/`G` from 10 000
/// up and scientific notation for very large or very small magnitudes; `NaN`, `inf` as such.
pub(super) fn format_sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_owned();
    }
    let sig = sig.max(1);
    let mag = v.abs();
    if !(1e-4..1e15).contains(&mag) {
        let s = format!("{v:.*e}", sig - 1);
        // Trim zeros of the mantissa: 1.50e-5 → 1.5e-5.
        return match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        };
    }
    let (divisor, suffix) = [
        (1e12, 1e12, "T"),
        (1e9, 1e9, "G"),
        (1e6, 1e6, "M"),
        (1e4, 1e3, "k"),
    ]
    .into_iter()
    .find(|(from, _, _)| mag >= *from)
    .map_or((1.0, ""), |(_, d, s)| (d, s));
    let scaled = v / divisor;
    let digits = scaled.abs().log10().floor() as i64 + 1;
    let decimals = (sig as i64 - digits).clamp(0, 12) as usize;
    let mut s = format!("{scaled:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    strip_negative_zero(s) + suffix
}

/// The finite runs of a polyline (split at non-finite points), decimated when together they
/// hold more than [`MAX_POINTS`] points: each run is cut into buckets of consecutive points
/// and every bucket keeps its lowest and highest point (by y, first occurrence, in their
/// original order), plus each run's first and last point. This keeps spikes visible and is
/// deterministic.
pub(super) fn polyline_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let runs: Vec<&[(f64, f64)]> = points
        .split(|(x, y)| !(x.is_finite() && y.is_finite()))
        .filter(|r| !r.is_empty())
        .collect();
    let total: usize = runs.iter().map(|r| r.len()).sum();
    if total <= MAX_POINTS {
        return runs.into_iter().map(<[_]>::to_vec).collect();
    }
    let bucket = total.div_ceil(MAX_POINTS / 2 - runs.len().min(MAX_POINTS / 4));
    runs.into_iter()
        .map(|run| decimate_run(run, bucket.max(2)))
        .collect()
}

fn decimate_run(run: &[(f64, f64)], bucket: usize) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(2 * run.len() / bucket + 4);
    let mut push = |p: (f64, f64)| {
        if out.last() != Some(&p) {
            out.push(p);
        }
    };
    if let Some(&first) = run.first() {
        push(first);
    }
    for chunk in run.chunks(bucket) {
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in chunk.iter().enumerate() {
            if p.1 < chunk[lo].1 {
                lo = i;
            }
            if p.1 > chunk[hi].1 {
                hi = i;
            }
        }
        push(chunk[lo.min(hi)]);
        push(chunk[lo.max(hi)]);
    }
    if let Some(&last) = run.last() {
        push(last);
    }
    out
}

/// The finite runs of a band `(x, low, high)`, decimated like [`polyline_runs`]: each bucket
/// becomes its first and last x with the bucket's lowest low and highest high, so the
/// decimated band covers the original one.
pub(super) fn band_runs(band: &[(f64, f64, f64)]) -> Vec<Vec<(f64, f64, f64)>> {
    let runs: Vec<&[(f64, f64, f64)]> = band
        .split(|(x, l, h)| !(x.is_finite() && l.is_finite() && h.is_finite()))
        .filter(|r| !r.is_empty())
        .collect();
    let total: usize = runs.iter().map(|r| r.len()).sum();
    if total <= MAX_POINTS {
        return runs.into_iter().map(<[_]>::to_vec).collect();
    }
    let bucket = total
        .div_ceil(MAX_POINTS / 2 - runs.len().min(MAX_POINTS / 4))
        .max(2);
    runs.into_iter()
        .map(|run| {
            let mut out = Vec::with_capacity(2 * run.len() / bucket + 2);
            for chunk in run.chunks(bucket) {
                let low = chunk.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
                let high = chunk.iter().map(|b| b.2).fold(f64::NEG_INFINITY, f64::max);
                out.push((chunk[0].0, low, high));
                if chunk.len() > 1 {
                    out.push((chunk[chunk.len() - 1].0, low, high));
                }
            }
            out
        })
        .collect()
}

/// An axis-aligned rectangle in pixel space, `x0 < x1`, `y0 < y1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Whether `p` lies inside or on the border.
    pub(super) fn contains(&self, p: (f64, f64)) -> bool {
        p.0 >= self.x0 && p.0 <= self.x1 && p.1 >= self.y0 && p.1 <= self.y1
    }
}

/// `p` with each coordinate saturated to ±[`PIXEL_LIMIT`] (NaN → 0).
fn saturate(p: (f64, f64)) -> (f64, f64) {
    let s = |v: f64| {
        if v.is_nan() {
            0.0
        } else {
            v.clamp(-PIXEL_LIMIT, PIXEL_LIMIT)
        }
    };
    (s(p.0), s(p.1))
}

/// The part of segment `a`–`b` inside `r` (Liang–Barsky), or `None`. Unclipped ends are
/// returned exactly, so consecutive clipped segments of a polyline join.
pub(super) fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    r: &Rect,
) -> Option<((f64, f64), (f64, f64))> {
    let (a, b) = (saturate(a), saturate(b));
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    let start = if t0 == 0.0 { a } else { at(t0) };
    let end = if t1 == 1.0 { b } else { at(t1) };
    Some((start, end))
}

/// The pieces of a polyline inside `r`, each a polyline of two or more points.
pub(super) fn clip_polyline(points: &[(f64, f64)], r: &Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], r) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() > 1 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() > 1 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

/// `poly` clipped to `r` (Sutherland–Hodgman); empty when nothing is inside.
pub(super) fn clip_polygon(poly: &[(f64, f64)], r: &Rect) -> Vec<(f64, f64)> {
    type Edge = fn(&Rect, (f64, f64)) -> bool;
    let edges: [(Edge, u8); 4] = [
        (|r, p| p.0 >= r.x0, 0),
        (|r, p| p.0 <= r.x1, 1),
        (|r, p| p.1 >= r.y0, 2),
        (|r, p| p.1 <= r.y1, 3),
    ];
    let mut cur: Vec<(f64, f64)> = poly.iter().map(|&p| saturate(p)).collect();
    for (inside, which) in edges {
        if cur.is_empty() {
            break;
        }
        let input = std::mem::take(&mut cur);
        let cross = |a: (f64, f64), b: (f64, f64)| {
            let t = match which {
                0 => (r.x0 - a.0) / (b.0 - a.0),
                1 => (r.x1 - a.0) / (b.0 - a.0),
                2 => (r.y0 - a.1) / (b.1 - a.1),
                _ => (r.y1 - a.1) / (b.1 - a.1),
            };
            (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        };
        let mut prev = input[input.len() - 1];
        for &p in &input {
            match (inside(r, p), inside(r, prev)) {
                (true, true) => cur.push(p),
                (true, false) => {
                    cur.push(cross(prev, p));
                    cur.push(p);
                }
                (false, true) => cur.push(cross(prev, p)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    cur
}

/// Cell edges for cells centred on ascending `centres`: midpoints between neighbours, and
/// half the neighbouring spacing beyond the ends (a single centre `c` spans `c ± 0.5`, or
/// `c ± |c|/10` for large `|c|`). `None` unless the centres are finite and strictly
/// ascending.
pub(super) fn cell_edges(centres: &[f64]) -> Option<Vec<f64>> {
    if centres.iter().any(|c| !c.is_finite()) || centres.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let n = centres.len();
    let edges = match n {
        0 => Vec::new(),
        1 => {
            let c = centres[0];
            let half = (c.abs() / 10.0).max(0.5);
            vec![c - half, c + half]
        }
        _ => {
            let mut e = Vec::with_capacity(n + 1);
            e.push(centres[0] - (centres[1] - centres[0]) / 2.0);
            e.extend(centres.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0));
            e.push(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2.0);
            e
        }
    };
    (edges.iter().all(|e| e.is_finite()) && edges.windows(2).all(|w| w[0] < w[1])).then_some(edges)
}

/// Viridis at 0, 0.1, …, 1 (matplotlib's perceptually uniform colour map).
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// The viridis colour at `t` in `0..=1` (clamped; NaN reads as 0), linearly interpolated.
pub(super) fn viridis(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64, target: usize) -> Vec<String> {
        let t = nice_ticks(lo, hi, target);
        let f = TickFormat::for_axis(lo, hi, t.step);
        t.values.iter().map(|&v| f.format(v)).collect()
    }

    #[test]
    fn ticks_are_nice_and_cleanly_written() {
        assert_eq!(
            labels(0.0, 1.0, 5),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert_eq!(
            labels(0.1, 0.7, 6),
            ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]
        );
        assert_eq!(labels(-3.0, 7.0, 5), ["-2", "0", "2", "4", "6"]);
        assert_eq!(
            labels(0.0, 250_000.0, 5),
            ["0", "50k", "100k", "150k", "200k", "250k"]
        );
        assert_eq!(labels(0.0, 3.0e6, 3), ["0", "1M", "2M", "3M"]);
        assert_eq!(labels(0.0, 3.0e-5, 3), ["0", "1e-5", "2e-5", "3e-5"]);
        assert_eq!(labels(0.0, 2.0e16, 2), ["0", "1e16", "2e16"]);
        // A fine step on a large magnitude keeps plain numbers rather than "10.0002k".
        assert_eq!(
            labels(10_000.0, 10_001.0, 2),
            ["10000.0", "10000.5", "10001.0"]
        );
        assert_eq!(labels(-1.0, 0.0, 2), ["-1.0", "-0.5", "0.0"]);
    }

    #[test]
    fn negative_zero_is_written_as_zero() {
        let f = TickFormat::for_axis(-1.0, 1.0, 0.5);
        assert_eq!(f.format(-0.0), "0.0");
        assert_eq!(f.format(-1e-12), "0.0");
        assert_eq!(format_sig(-1e-20, 3), "-1e-20");
    }

    #[test]
    fn degenerate_ranges_are_widened() {
        assert_eq!(sane_range(0.0, 0.0), (-1.0, 1.0));
        assert_eq!(sane_range(5.0, 5.0), (4.75, 5.25));
        assert_eq!(sane_range(f64::NAN, 1.0), (0.0, 1.0));
        assert_eq!(sane_range(3.0, 1.0), (1.0, 3.0));
        let (lo, hi) = sane_range(-f64::MAX, f64::MAX);
        assert!((hi - lo).is_finite());
        let t = nice_ticks(lo, hi, 5);
        assert!(!t.values.is_empty() && t.values.len() <= 101);
    }

    #[test]
    fn format_sig_is_compact() {
        assert_eq!(format_sig(0.42371, 3), "0.424");
        assert_eq!(format_sig(2.0, 3), "2");
        assert_eq!(format_sig(1234.6, 3), "1235");
        assert_eq!(format_sig(12_345.0, 3), "12.3k");
        assert_eq!(format_sig(-2_500_000.0, 3), "-2.5M");
        assert_eq!(format_sig(1.5e-5, 3), "1.5e-5");
        assert_eq!(format_sig(f64::NAN, 3), "NaN");
    }

    #[test]
    fn decimation_keeps_extremes_and_ends() {
        let pts: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    f64::from(i),
                    if i == 4321 { 99.0 } else { f64::from(i % 7) },
                )
            })
            .collect();
        let runs = polyline_runs(&pts);
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert!(run.len() <= MAX_POINTS + 2, "{}", run.len());
        assert_eq!(run.first(), pts.first());
        assert_eq!(run.last(), pts.last());
        assert!(run.contains(&(4321.0, 99.0)));
        assert!(run.windows(2).all(|w| w[0].0 < w[1].0));
        // Short series pass unchanged, split at non-finite points.
        let short = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0), (3.0, 4.0)];
        assert_eq!(
            polyline_runs(&short),
            vec![vec![(0.0, 1.0)], vec![(2.0, 3.0), (3.0, 4.0)]]
        );
    }

    #[test]
    fn decimated_band_covers_the_band() {
        let band: Vec<(f64, f64, f64)> = (0..5000)
            .map(|i| (f64::from(i), -f64::from(i % 11), f64::from(i % 13)))
            .collect();
        let runs = band_runs(&band);
        assert_eq!(runs.len(), 1);
        assert!(runs[0].len() <= MAX_POINTS);
        assert_eq!(runs[0].iter().map(|b| b.1).fold(0.0, f64::min), -10.0);
        assert_eq!(runs[0].iter().map(|b| b.2).fold(0.0, f64::max), 12.0);
    }

    #[test]
    fn clipping() {
        let r = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        assert_eq!(
            clip_segment((-5.0, 5.0), (15.0, 5.0), &r),
            Some(((0.0, 5.0), (10.0, 5.0)))
        );
        assert_eq!(clip_segment((-5.0, -5.0), (-1.0, 20.0), &r), None);
        assert_eq!(
            clip_segment((1.0, 1.0), (f64::INFINITY, 1.0), &r),
            Some(((1.0, 1.0), (10.0, 1.0)))
        );
        let pieces = clip_polyline(&[(1.0, 1.0), (5.0, 20.0), (9.0, 1.0), (9.0, 2.0)], &r);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1].last(), Some(&(9.0, 2.0)));
        let tri = clip_polygon(&[(-10.0, 5.0), (20.0, 5.0), (5.0, 20.0)], &r);
        assert!(tri.iter().all(|&p| r.contains(p)), "{tri:?}");
        assert!(clip_polygon(&[(20.0, 20.0), (30.0, 20.0), (25.0, 30.0)], &r).is_empty());
    }

    #[test]
    fn cells_are_centred() {
        assert_eq!(cell_edges(&[1.0, 2.0, 4.0]), Some(vec![0.5, 1.5, 3.0, 5.0]));
        assert_eq!(cell_edges(&[0.0]), Some(vec![-0.5, 0.5]));
        assert_eq!(cell_edges(&[]), Some(vec![]));
        assert_eq!(cell_edges(&[2.0, 1.0]), None);
        assert_eq!(cell_edges(&[0.0, f64::NAN]), None);
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), (0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), (0xfd, 0xe7, 0x25));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
    }
}
