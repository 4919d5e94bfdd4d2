//! Real units: what a TAO is worth in US dollars (`tao_usd`), what a group's agents spend per
//! day off chain in USD and TAO (`costs`), and what a unit of a subnet's work is worth in USD
//! (`value_usd`). None of it reaches the engine: the chain never sees a dollar. The analysis
//! ([`crate::report::analysis`]) converts with the price path resolved here.
//!
//! A `tao_usd` is one of
//! - a constant: `tao_usd: 450`;
//! - a path: `tao_usd: [{day: 0, price: 450}, {day: 30, price: 520}]`, piecewise linear
//!   between points and flat before the first and after the last; or
//!   `{path: [...], interpolation: step}` to hold each price until the next point;
//! - a geometric random walk `{start: 450, drift: 0.2, volatility: 0.8}` with annualised drift
//!   μ and volatility σ: one log-return a day, `N((μ − σ²/2)/365, σ²/365)`, so that
//!   `E[S_t] = S_0·e^{μt}` (t in years); the days in between are linear. The draws come from a
//!   ChaCha8 stream seeded with `derive_seed(run seed, stable_id("units/tao_usd"))`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::reader::{Reader, join};
use crate::yaml::{Node, Value};

/// The largest TAO price accepted, USD (a bound against typos, far above any real price).
pub const MAX_PRICE: f64 = 1e9;

/// TAO's price in USD, as the scenario gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum TaoUsd {
    /// One price for the whole run.
    Constant(f64),
    /// Points `(day, price)`, days strictly increasing; `step`: each price holds until the next
    /// point (else linear in between).
    Path {
        /// The points.
        points: Vec<(f64, f64)>,
        /// Step (true) or linear (false) interpolation.
        step: bool,
    },
    /// A geometric random walk with annualised drift and volatility.
    Walk {
        /// Price at day 0, USD.
        start: f64,
        /// Annualised drift μ (0.2 = +20 % a year in expectation).
        drift: f64,
        /// Annualised volatility σ (0.8 = 80 %).
        volatility: f64,
    },
}

/// A resolved price path: what the analysis reads (and what the tables' metadata records, so
/// `yumalab report` converts exactly as the run did).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricePath {
    /// `(day, USD per TAO)`, days strictly increasing, at least one point.
    pub points: Vec<(f64, f64)>,
    /// Hold each price until the next point (else linear in between).
    pub step: bool,
}

impl PricePath {
    /// The price on `day` (flat outside the points).
    pub fn at(&self, day: f64) -> f64 {
        let p = &self.points;
        let Some(&(d0, first)) = p.first() else {
            return f64::NAN;
        };
        if day <= d0 {
            return first;
        }
        // The last point at or before `day`.
        let k = p.partition_point(|&(d, _)| d <= day) - 1;
        let (da, a) = p[k];
        match p.get(k + 1) {
            None => a,
            Some(_) if self.step => a,
            Some(&(db, b)) => a + (b - a) * (day - da) / (db - da),
        }
    }
}

impl TaoUsd {
    /// The path over `days` days of a run with seed `seed` (only a walk draws).
    pub fn resolve(&self, seed: u64, days: f64) -> PricePath {
        match self {
            TaoUsd::Constant(p) => PricePath {
                points: vec![(0.0, *p)],
                step: true,
            },
            TaoUsd::Path { points, step } => PricePath {
                points: points.clone(),
                step: *step,
            },
            TaoUsd::Walk {
                start,
                drift,
                volatility,
            } => {
                let mut rng = ChaCha8Rng::seed_from_u64(yumalab_agents::derive_seed(
                    seed,
                    yumalab_agents::stable_id("units/tao_usd"),
                ));
                let n = days.max(0.0).ceil().max(1.0) as u64;
                let mu = (drift - volatility * volatility / 2.0) / 365.0;
                let sd = volatility / 365f64.sqrt();
                let mut price = *start;
                let mut points = vec![(0.0, price)];
                for d in 1..=n {
                    price *= (mu + sd * normal(&mut rng)).exp();
                    points.push((d as f64, price));
                }
                PricePath {
                    points,
                    step: false,
                }
            }
        }
    }
}

/// One standard-normal draw (Box–Muller, the first of the pair).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // u1 in (0, 1], so the logarithm is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// What each agent of a group spends per day off chain, besides its behaviour's own
/// `cost_per_tempo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// USD per agent per day (GPU rent, servers), converted to TAO at each day's `tao_usd`.
    pub usd_per_day: f64,
    /// TAO per agent per day.
    pub tao_per_day: f64,
}

impl Costs {
    /// Whether there is anything to pay.
    pub fn is_zero(&self) -> bool {
        self.usd_per_day == 0.0 && self.tao_per_day == 0.0
    }
}

/// Fields of a `tao_usd` walk.
pub(crate) const WALK: &[&str] = &["start", "drift", "volatility"];
/// Fields of a `tao_usd` path mapping.
pub(crate) const PATH: &[&str] = &["path", "interpolation"];
/// Fields of a group's `costs`.
pub(crate) const COSTS: &[&str] = &["usd_per_day", "tao_per_day"];

fn price_ok(x: f64) -> bool {
    x > 0.0 && x <= MAX_PRICE
}

const PRICE: &str = "a price in USD per TAO in (0, 1e9]";

/// Reads `tao_usd` (see the module docs); every problem is recorded.
pub(crate) fn read_tao_usd(r: &mut Reader<'_>, n: &Node, path: &str) -> Option<TaoUsd> {
    match &n.value {
        Value::Int(_) | Value::Float(_) => r.number(n, path, price_ok, PRICE).map(TaoUsd::Constant),
        Value::Seq(_) => read_path(r, n, path).map(|points| TaoUsd::Path {
            points,
            step: false,
        }),
        Value::Map(entries) => {
            let is_path = entries.iter().any(|(k, _)| k.key_text() == "path");
            if is_path {
                let f = r.map(n, path, PATH)?;
                let step = match f.get("interpolation") {
                    None => false,
                    Some(i) => {
                        r.choice(i, &join(path, "interpolation"), &["linear", "step"])? == "step"
                    }
                };
                let points = r
                    .required(&f, "path")
                    .and_then(|p| read_path(r, p, &join(path, "path")))?;
                Some(TaoUsd::Path { points, step })
            } else {
                let f = r.map(n, path, WALK)?;
                let start = r
                    .required(&f, "start")
                    .and_then(|x| r.number(x, &join(path, "start"), price_ok, PRICE));
                let drift = r.number_or(
                    &f,
                    "drift",
                    0.0,
                    |x| (-10.0..=10.0).contains(&x),
                    "an annualised drift in [-10, 10] (0.2 = +20 % a year)",
                );
                let volatility = r.number_or(
                    &f,
                    "volatility",
                    0.0,
                    |x| (0.0..=10.0).contains(&x),
                    "an annualised volatility in [0, 10] (0.8 = 80 % a year)",
                );
                Some(TaoUsd::Walk {
                    start: start?,
                    drift,
                    volatility,
                })
            }
        }
        _ => {
            r.problem(
                n,
                path,
                format!(
                    "must be a price in USD (`450`), a list of `{{day, price}}` points or a random walk `{{start, drift, volatility}}`, got `{}`",
                    n.show()
                ),
            );
            None
        }
    }
}

/// A list of `{day, price}` points, days strictly increasing from 0.
fn read_path(r: &mut Reader<'_>, n: &Node, path: &str) -> Option<Vec<(f64, f64)>> {
    let items = r.seq(n, path);
    if items.is_empty() {
        if matches!(n.value, Value::Seq(_)) {
            r.problem(n, path, "must list at least one `{day, price}` point");
        }
        return None;
    }
    let mut points = Vec::new();
    let mut ok = true;
    let mut last: Option<f64> = None;
    for (k, item) in items.iter().enumerate() {
        let p = format!("{path}[{k}]");
        let Some(f) = r.map(item, &p, &["day", "price"]) else {
            ok = false;
            continue;
        };
        let day = r.required(&f, "day").and_then(|d| {
            r.number(
                d,
                &join(&p, "day"),
                |x| (0.0..=36_500.0).contains(&x),
                "a day in [0, 36 500] (days from the start of the run)",
            )
        });
        let price = r
            .required(&f, "price")
            .and_then(|x| r.number(x, &join(&p, "price"), price_ok, PRICE));
        if let (Some(day), Some(prev), Some(d)) = (day, last, f.get("day"))
            && day <= prev
        {
            r.problem(
                d,
                &join(&p, "day"),
                format!(
                    "days must increase strictly: must be greater than the previous point's day {prev}, got `{}`",
                    d.show()
                ),
            );
            ok = false;
        }
        match (day, price) {
            (Some(d), Some(x)) => {
                last = Some(d);
                points.push((d, x));
            }
            (d, _) => {
                last = d.or(last);
                ok = false;
            }
        }
    }
    ok.then_some(points)
}

/// Reads a group's `costs: {usd_per_day, tao_per_day}` (per agent, each >= 0).
pub(crate) fn read_costs(r: &mut Reader<'_>, n: &Node, path: &str) -> Option<Costs> {
    let f = r.map(n, path, COSTS)?;
    let usd_per_day = r.number_or(
        &f,
        "usd_per_day",
        0.0,
        |x| (0.0..=1e9).contains(&x),
        "USD per agent per day in [0, 1e9]",
    );
    let tao_per_day = r.number_or(
        &f,
        "tao_per_day",
        0.0,
        |x| (0.0..=super::reader::SUPPLY).contains(&x),
        "TAO per agent per day in [0, 21 000 000]",
    );
    Some(Costs {
        usd_per_day,
        tao_per_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_step_paths() {
        let p = PricePath {
            points: vec![(0.0, 100.0), (10.0, 200.0)],
            step: false,
        };
        assert_eq!(p.at(-1.0), 100.0);
        assert_eq!(p.at(5.0), 150.0);
        assert_eq!(p.at(10.0), 200.0);
        assert_eq!(p.at(20.0), 200.0);
        let s = PricePath { step: true, ..p };
        assert_eq!(s.at(9.99), 100.0);
        assert_eq!(s.at(10.0), 200.0);
    }

    #[test]
    fn a_walk_is_deterministic_and_seeded() {
        let w = TaoUsd::Walk {
            start: 400.0,
            drift: 0.0,
            volatility: 0.8,
        };
        let a = w.resolve(7, 30.0);
        assert_eq!(a, w.resolve(7, 30.0));
        assert_ne!(a, w.resolve(8, 30.0));
        assert_eq!(a.points.len(), 31);
        assert_eq!(a.points[0], (0.0, 400.0));
        assert!(a.points.iter().all(|&(_, p)| p > 0.0));
        // Zero volatility, zero drift: a flat line.
        let flat = TaoUsd::Walk {
            start: 400.0,
            drift: 0.0,
            volatility: 0.0,
        }
        .resolve(7, 3.5);
        assert!(flat.points.iter().all(|&(_, p)| p == 400.0));
        assert_eq!(flat.points.len(), 5);
    }

    #[test]
    fn a_walk_has_the_stated_volatility() {
        // 20 years of daily steps: the sample volatility of daily log-returns, annualised,
        // within 3 % of σ; the mean log-return within 3 standard errors of (μ − σ²/2)/365.
        let (mu, sigma) = (0.3, 0.9);
        let p = TaoUsd::Walk {
            start: 1.0,
            drift: mu,
            volatility: sigma,
        }
        .resolve(1, 7300.0);
        let r: Vec<f64> = p
            .points
            .windows(2)
            .map(|w| (w[1].1 / w[0].1).ln())
            .collect();
        let n = r.len() as f64;
        let mean = r.iter().sum::<f64>() / n;
        let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let vol = (var * 365.0).sqrt();
        assert!((vol / sigma - 1.0).abs() < 0.03, "{vol}");
        let expected = (mu - sigma * sigma / 2.0) / 365.0;
        assert!((mean - expected).abs() < 3.0 * var.sqrt() / n.sqrt());
    }
}
