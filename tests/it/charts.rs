//! `report::charts::render`: every figure kind is drawn as a PNG of the right size and an
//! SVG with real text, byte-identically on every run, without panicking on degenerate data,
//! and without leaving partial files.

use std::path::{Path, PathBuf};

use yumalab::metrics::gini;
use yumalab::report::charts::{Bars, Figure, Heatmap, LineChart, Lorenz, Series, render};

/// A fresh directory for one test.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("charts-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `(width, height)` from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is not IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// The contents of the SVG's `<text>` elements, in order (entities left escaped).
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let (_, rest) = t.split_once('>')?;
            let (content, _) = rest.split_once("</text>")?;
            Some(content.trim().to_owned())
        })
        .collect()
}

fn wave(n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let x = i as f64;
            (x, f(x))
        })
        .collect()
}

fn line() -> LineChart {
    let points = wave(5000, |x| {
        1000.0 + 300.0 * (x / 400.0).sin() + (x * 7.1).sin() * 40.0
    });
    let band = points
        .iter()
        .map(|&(x, y)| (x, y - 80.0, y + 120.0))
        .collect();
    LineChart {
        title: "Stake & emission over 30 days".into(),
        x_label: "block".into(),
        y_label: "stake (TAO)".into(),
        series: vec![
            Series {
                name: "honest validators".into(),
                points,
                band,
            },
            Series {
                name: "weight-copier".into(),
                points: wave(5000, |x| 600.0 + x * 0.05),
                band: Vec::new(),
            },
        ],
        y_range: None,
        markers: false,
        hlines: vec![("target 1200".into(), 1200.0)],
    }
}

fn sweep_panel(title: &str, scale: f64) -> LineChart {
    LineChart {
        title: title.into(),
        x_label: "bond penalty β".into(),
        y_label: "share of emission".into(),
        series: vec![
            Series {
                name: "copier".into(),
                points: (0..=10)
                    .map(|i| (f64::from(i) / 10.0, scale * (1.0 - f64::from(i) / 12.0)))
                    .collect(),
                band: (0..=10)
                    .map(|i| {
                        let y = scale * (1.0 - f64::from(i) / 12.0);
                        (f64::from(i) / 10.0, y * 0.9, y * 1.1)
                    })
                    .collect(),
            },
            Series {
                name: "honest".into(),
                points: (0..=10)
                    .map(|i| (f64::from(i) / 10.0, scale * f64::from(i) / 15.0))
                    .collect(),
                band: Vec::new(),
            },
        ],
        y_range: Some((0.0, scale)),
        markers: true,
        hlines: Vec::new(),
    }
}

/// A figure of the gallery: its file stem, its PNG size, and texts its SVG must show.
struct Sample {
    stem: &'static str,
    figure: Figure,
    size: (u32, u32),
    texts: Vec<&'static str>,
}

fn sample(
    stem: &'static str,
    figure: Figure,
    size: (u32, u32),
    texts: Vec<&'static str>,
) -> Sample {
    Sample {
        stem,
        figure,
        size,
        texts,
    }
}

fn gallery() -> Vec<Sample> {
    let holdings_even = vec![10.0; 50];
    let holdings_skewed: Vec<f64> = (1..=200).map(|i| f64::from(i).powi(3)).collect();
    vec![
        sample(
            "line",
            Figure::Line(line()),
            (1000, 600),
            vec![
                "Stake &amp; emission over 30 days",
                "honest validators",
                "weight-copier",
                "target 1200",
                "stake (TAO)",
                "block",
            ],
        ),
        sample(
            "panels",
            Figure::Panels {
                title: "Sweep over the bond penalty".into(),
                panels: vec![
                    sweep_panel("Yuma 2", 1.0),
                    sweep_panel("Yuma 3", 0.5),
                    sweep_panel("Yuma 3, liquid alpha", 0.25),
                ],
            },
            (1000, 48 + 3 * 320),
            vec![
                "Sweep over the bond penalty",
                "Yuma 3, liquid alpha",
                "copier",
                "honest",
            ],
        ),
        sample(
            "lorenz",
            Figure::Lorenz(Lorenz {
                title: "Concentration of stake".into(),
                curves: vec![
                    ("even".into(), holdings_even),
                    ("skewed".into(), holdings_skewed),
                    ("nothing yet".into(), vec![0.0; 10]),
                ],
            }),
            (1000, 600),
            vec![
                "Concentration of stake",
                "even (Gini 0.00)",
                "nothing yet (Gini 0.00)",
                "line of equality",
            ],
        ),
        sample(
            "bars",
            Figure::Bars(Bars {
                title: "Mean daily return by strategy".into(),
                y_label: "return (TAO/day)".into(),
                categories: vec![
                    "honest".into(),
                    "weight-copier".into(),
                    "cartel-member-with-long-name".into(),
                    "self-dealer".into(),
                    "lazy".into(),
                ],
                bars: vec![
                    ("Yuma 2".into(), vec![1.2, 0.9, 1.6, -0.3, 0.1]),
                    ("Yuma 3".into(), vec![1.25, 0.4, 0.7, -0.5, 0.12]),
                ],
            }),
            (1000, 600),
            vec![
                "Mean daily return by strategy",
                "Yuma 2",
                "Yuma 3",
                "weight-copier",
                "return (TAO/day)",
            ],
        ),
        sample(
            "heatmap",
            Figure::Heatmap(Heatmap {
                title: "Copier advantage".into(),
                x_label: "bond penalty β".into(),
                y_label: "copy delay (epochs)".into(),
                z_label: "copier / honest return".into(),
                xs: (0..12).map(|i| f64::from(i) / 11.0).collect(),
                ys: (1..=8).map(f64::from).collect(),
                z: (1..=8)
                    .map(|r| {
                        (0..12)
                            .map(|c| {
                                if r == 3 && c == 7 {
                                    f64::NAN
                                } else {
                                    1.4 - f64::from(c) / 11.0 * 0.8 - f64::from(r) * 0.06
                                }
                            })
                            .collect()
                    })
                    .collect(),
                contour: Some(1.0),
            }),
            (1000, 600),
            vec![
                "Copier advantage",
                "copier / honest return",
                "contour: copier / honest return = 1",
            ],
        ),
    ]
}

#[test]
fn every_kind_is_drawn_as_png_and_svg() {
    let dir = out_dir("kinds");
    for Sample {
        stem,
        figure,
        size,
        texts,
    } in gallery()
    {
        let [png, svg] = render(&figure, &dir, stem).unwrap();
        assert_eq!(png, dir.join(format!("{stem}.png")));
        assert_eq!(svg, dir.join(format!("{stem}.svg")));
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(png_size(&bytes), size, "{stem}");
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{stem}");
        assert!(
            text.contains(&format!("width=\"{}\" height=\"{}\"", size.0, size.1)),
            "{stem}"
        );
        assert!(
            text.contains("font-family=\"sans-serif\""),
            "{stem}: text is not text"
        );
        let found = svg_texts(&text);
        for t in texts {
            assert!(
                found.iter().any(|f| f == t),
                "{stem}: `{t}` missing from {found:?}"
            );
        }
    }
}

#[test]
fn the_same_figure_gives_the_same_bytes() {
    let (a, b) = (out_dir("same-a"), out_dir("same-b"));
    for Sample { stem, figure, .. } in gallery() {
        let first = render(&figure, &a, stem).unwrap();
        let second = render(&figure, &b, stem).unwrap();
        for (x, y) in first.iter().zip(&second) {
            assert_eq!(
                std::fs::read(x).unwrap(),
                std::fs::read(y).unwrap(),
                "{}",
                x.display()
            );
        }
        // And again over the existing files, in the same directory.
        let again = render(&figure, &a, stem).unwrap();
        assert_eq!(
            std::fs::read(&again[0]).unwrap(),
            std::fs::read(&second[0]).unwrap()
        );
    }
}

#[test]
fn threads_drawing_at_once_give_the_same_bytes() {
    let base = out_dir("threads");
    let figure = &gallery()[1].figure;
    let files: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let dir = base.join(i.to_string());
                s.spawn(move || {
                    let [png, svg] = render(figure, &dir, "panels").unwrap();
                    [std::fs::read(png).unwrap(), std::fs::read(svg).unwrap()].concat()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(files.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn the_lorenz_legend_gives_the_gini_coefficient() {
    let dir = out_dir("gini");
    let skewed = vec![0.0, 0.0, 1.0, 2.0, 10.0, 30.0];
    let g = gini(&skewed);
    let figure = Figure::Lorenz(Lorenz {
        title: "Gini".into(),
        curves: vec![("stake".into(), skewed), (String::new(), vec![5.0, 5.0])],
    });
    let [_, svg] = render(&figure, &dir, "gini").unwrap();
    let found = svg_texts(&std::fs::read_to_string(svg).unwrap());
    let expected = format!("stake (Gini {g:.2})");
    assert_eq!(expected, "stake (Gini 0.70)");
    assert!(
        found.contains(&expected),
        "{expected} missing from {found:?}"
    );
    assert!(
        found.iter().any(|t| t == "Gini 0.00"),
        "an unnamed curve shows its Gini alone"
    );
}

fn degenerate() -> Vec<(&'static str, Figure)> {
    let chart = |series: Vec<Series>| LineChart {
        title: "degenerate".into(),
        series,
        ..LineChart::default()
    };
    let one = |points: Vec<(f64, f64)>| Series {
        name: "s".into(),
        points,
        band: Vec::new(),
    };
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    vec![
        ("no-series", Figure::Line(LineChart::default())),
        ("empty-series", Figure::Line(chart(vec![one(Vec::new())]))),
        (
            "one-point",
            Figure::Line(chart(vec![one(vec![(3.0, 7.0)])])),
        ),
        (
            "all-nan",
            Figure::Line(chart(vec![one(vec![(nan, nan), (1.0, nan), (nan, 2.0)])])),
        ),
        (
            "all-equal",
            Figure::Line(chart(vec![one(vec![(1.0, 5.0), (2.0, 5.0), (3.0, 5.0)])])),
        ),
        (
            "all-zero",
            Figure::Line(chart(vec![one(vec![(0.0, 0.0), (0.0, 0.0)])])),
        ),
        (
            "infinite",
            Figure::Line(chart(vec![one(vec![
                (0.0, 1.0),
                (1.0, inf),
                (2.0, -inf),
                (3.0, 2.0),
            ])])),
        ),
        (
            "huge",
            Figure::Line(chart(vec![one(vec![
                (-f64::MAX, f64::MAX),
                (f64::MAX, -f64::MAX),
                (0.0, 1e-300),
            ])])),
        ),
        (
            "tiny",
            Figure::Line(chart(vec![one(vec![(0.0, 1e-310), (1e-310, 2e-310)])])),
        ),
        (
            "bad-range",
            Figure::Line(LineChart {
                y_range: Some((nan, 1.0)),
                hlines: vec![
                    ("nan".into(), nan),
                    ("far".into(), 1e12),
                    (String::new(), 0.5),
                ],
                ..chart(vec![one(vec![(0.0, 1.0), (1.0, 2.0)])])
            }),
        ),
        (
            "clipped",
            Figure::Line(LineChart {
                y_range: Some((1.0, 0.0)),
                markers: true,
                ..chart(vec![Series {
                    name: String::new(),
                    points: vec![(0.0, -5.0), (1.0, 0.5), (2.0, 5.0), (3.0, 0.2)],
                    band: vec![
                        (0.0, -9.0, 9.0),
                        (1.0, nan, 1.0),
                        (2.0, 0.1, 0.3),
                        (3.0, 0.0, 0.4),
                    ],
                }])
            }),
        ),
        (
            "no-panels",
            Figure::Panels {
                title: "none".into(),
                panels: Vec::new(),
            },
        ),
        (
            "empty-panels",
            Figure::Panels {
                title: String::new(),
                panels: vec![LineChart::default(); 2],
            },
        ),
        ("lorenz-empty", Figure::Lorenz(Lorenz::default())),
        (
            "lorenz-odd",
            Figure::Lorenz(Lorenz {
                title: "odd".into(),
                curves: vec![
                    ("empty".into(), Vec::new()),
                    ("zero".into(), vec![0.0; 5]),
                    ("nan".into(), vec![nan, inf, 1.0]),
                    ("negative".into(), vec![-3.0, 1.0, 2.0]),
                    ("one".into(), vec![7.0]),
                    ("huge".into(), vec![f64::MAX, f64::MAX, 0.0]),
                ],
            }),
        ),
        ("bars-empty", Figure::Bars(Bars::default())),
        (
            "bars-no-sets",
            Figure::Bars(Bars {
                categories: vec!["a".into(), "b".into()],
                ..Bars::default()
            }),
        ),
        (
            "bars-odd",
            Figure::Bars(Bars {
                title: "odd".into(),
                y_label: String::new(),
                categories: vec!["a".into(), "b".into(), "c".into()],
                bars: vec![
                    ("short".into(), vec![1.0]),
                    ("nan".into(), vec![nan, inf, -inf, 4.0]),
                    ("zero".into(), vec![0.0, 0.0, 0.0]),
                ],
            }),
        ),
        (
            "bars-many",
            Figure::Bars(Bars {
                title: "many".into(),
                y_label: "x".into(),
                categories: (0..200)
                    .map(|i| format!("a-rather-long-category-name-{i}"))
                    .collect(),
                bars: (0..15)
                    .map(|s| (format!("set {s}"), vec![1.0; 200]))
                    .collect(),
            }),
        ),
        ("heatmap-empty", Figure::Heatmap(Heatmap::default())),
        (
            "heatmap-cols-no-rows",
            Figure::Heatmap(Heatmap {
                xs: vec![1.0, 2.0],
                ..Heatmap::default()
            }),
        ),
        (
            "heatmap-all-nan",
            Figure::Heatmap(Heatmap {
                xs: vec![0.0, 1.0],
                ys: vec![0.0],
                z: vec![vec![nan, inf]],
                contour: Some(0.0),
                ..Heatmap::default()
            }),
        ),
        (
            "heatmap-one-cell",
            Figure::Heatmap(Heatmap {
                xs: vec![5.0],
                ys: vec![-2.0],
                z: vec![vec![3.0]],
                contour: Some(nan),
                ..Heatmap::default()
            }),
        ),
        (
            "heatmap-equal",
            Figure::Heatmap(Heatmap {
                xs: vec![0.0, 1e9],
                ys: vec![1e-9, 2e-9],
                z: vec![vec![2.0, 2.0], vec![2.0, 2.0]],
                contour: Some(2.0),
                ..Heatmap::default()
            }),
        ),
    ]
}

#[test]
fn degenerate_figures_are_drawn_without_panicking() {
    let dir = out_dir("degenerate");
    for (stem, figure) in degenerate() {
        let [png, svg] = render(&figure, &dir, stem).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let expected = match &figure {
            Figure::Panels { panels, .. } => (1000, 48 + 320 * panels.len().max(1) as u32),
            _ => (1000, 600),
        };
        assert_eq!(png_size(&std::fs::read(png).unwrap()), expected, "{stem}");
        assert!(
            std::fs::read_to_string(svg).unwrap().ends_with("</svg>\n"),
            "{stem}"
        );
    }
}

#[test]
fn empty_data_says_so() {
    let dir = out_dir("no-data");
    let [_, svg] = render(&Figure::Line(LineChart::default()), &dir, "empty").unwrap();
    let found = svg_texts(&std::fs::read_to_string(svg).unwrap());
    assert!(found.iter().any(|t| t == "no data"), "{found:?}");
}

#[test]
fn long_series_are_decimated() {
    let dir = out_dir("decimated");
    let chart = |n: usize| {
        Figure::Line(LineChart {
            series: vec![Series {
                name: "noise".into(),
                points: wave(n, |x| (x * 12.9898).sin() * 43_758.545),
                band: Vec::new(),
            }],
            ..LineChart::default()
        })
    };
    let [_, small] = render(&chart(2000), &dir, "small").unwrap();
    let [_, large] = render(&chart(200_000), &dir, "large").unwrap();
    let (small, large) = (
        std::fs::metadata(small).unwrap().len(),
        std::fs::metadata(large).unwrap().len(),
    );
    // 100 times the points, at most a few times the drawing.
    assert!(
        large < 3 * small,
        "{large} bytes for 200 000 points vs {small} for 2000"
    );
}

#[test]
fn output_is_atomic_and_leaves_no_partial_files() {
    let dir = out_dir("atomic").join("nested/deeper");
    let figure = &gallery()[0].figure;
    render(figure, &dir, "fig").unwrap();
    render(figure, &dir, "fig").unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fig.png", "fig.svg"]);
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let dir = out_dir("errors");
    let heatmap = |xs: Vec<f64>, z: Vec<Vec<f64>>| {
        Figure::Heatmap(Heatmap {
            xs,
            ys: vec![0.0],
            z,
            ..Heatmap::default()
        })
    };
    let cases = [
        (
            "descending",
            heatmap(vec![2.0, 1.0], vec![vec![1.0, 2.0]]),
            "strictly ascending",
        ),
        (
            "nan-x",
            heatmap(vec![0.0, f64::NAN], vec![vec![1.0, 2.0]]),
            "strictly ascending",
        ),
        (
            "short-row",
            heatmap(vec![0.0, 1.0], vec![vec![1.0]]),
            "one value per x",
        ),
        (
            "no-rows",
            heatmap(vec![0.0, 1.0], Vec::new()),
            "one row per y",
        ),
    ];
    for (stem, figure, why) in cases {
        let err = render(&figure, &dir, stem).unwrap_err();
        assert_eq!(err.path, dir.join(format!("{stem}.png")));
        assert!(err.message.contains(why), "{stem}: {}", err.message);
    }
    for stem in ["", "..", "a/b", "a\\b"] {
        assert!(
            render(&Figure::Line(LineChart::default()), &dir, stem).is_err(),
            "{stem:?}"
        );
    }
    let written: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.count())
        .into_iter()
        .collect();
    assert!(
        written.is_empty() || written == [0],
        "files were written: {written:?}"
    );
}

#[test]
fn an_unwritable_directory_is_an_error() {
    let dir = out_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A file where the directory should be.
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = render(&Figure::Line(LineChart::default()), &file, "fig").unwrap_err();
    assert!(err.to_string().contains("cannot"), "{err}");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1);
}

/// Writes the gallery and the degenerate figures to /tmp/charts-sample for a look.
#[test]
#[ignore = "writes /tmp/charts-sample for a person to look at"]
fn sample_gallery() {
    let dir = Path::new("/tmp/charts-sample");
    for Sample { stem, figure, .. } in gallery() {
        render(&figure, dir, stem).unwrap();
    }
    for (stem, figure) in degenerate() {
        render(&figure, &dir.join("degenerate"), stem).unwrap();
    }
}
