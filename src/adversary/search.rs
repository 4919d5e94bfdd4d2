//! The search for the best deviation under noise, within a budget of runs.
//!
//! 1. **Racing** (successive halving): a candidate set (a grid over the parameter space when it
//!    fits, otherwise a Halton sample) is evaluated on `r` replicates; the better half (by mean
//!    gain) survives and gets twice the replicates, until one is left or the racing share of
//!    the budget (60 % of what is not reserved) is spent.
//! 2. **Nelder–Mead** on the continuous and integer coordinates, started at the racing
//!    winner with its choices fixed, in coordinates scaled to `[0, 1]` and clamped to the
//!    bounds, every point on the same `r` replicates (common random numbers make the surface
//!    smooth in the parameters), until the budget left for it is spent or the simplex is small.
//! 3. **Profile**: the main parameter over five levels, the others at the best point found
//!    (a profile point that does better becomes the best).
//! 4. **Confirmation**: the best point on `r` fresh replicates, so that its reported gain and
//!    interval are not biased upwards by having been selected as the best of many.
//!
//! Everything is a function of the objective's answers: the same objective and budget give
//! the same points in the same order, however the objective spreads its runs over threads.

use std::collections::BTreeMap;

use super::Param;
use super::stats::{Estimate, estimate, mean};

/// A noisy objective: the gain at a point on a replicate.
pub trait Objective {
    /// How many runs evaluating `batch` would take (exactly; runs already made are free).
    fn cost(&self, batch: &[(Vec<f64>, u32)]) -> usize;
    /// The gain of each `(point, replicate)`, in order.
    ///
    /// # Errors
    /// A message if a run fails.
    fn evaluate(&mut self, batch: &[(Vec<f64>, u32)]) -> Result<Vec<f64>, String>;
}

/// Which step evaluated a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Racing over the candidate set.
    Race,
    /// Nelder–Mead.
    Local,
    /// The main parameter's profile at the best point.
    Profile,
    /// The best point on fresh replicates.
    Confirm,
}

impl Phase {
    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Race => "race",
            Phase::Local => "local",
            Phase::Profile => "profile",
            Phase::Confirm => "confirm",
        }
    }
}

/// An evaluated point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The parameters (snapped to their types).
    pub x: Vec<f64>,
    /// The step that first evaluated it.
    pub phase: Phase,
    /// Its gains, replicate by replicate from the first.
    pub gains: Vec<f64>,
}

impl Point {
    /// Mean gain and its interval.
    pub fn estimate(&self) -> Estimate {
        estimate(&self.gains)
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// Every point evaluated (race, local and profile), in the order first evaluated.
    pub points: Vec<Point>,
    /// Index in `points` of the best (highest mean gain among those with at least `r`
    /// replicates, profile points included).
    pub best: usize,
    /// The best point re-evaluated on fresh replicates (none if the budget did not allow).
    pub confirm: Option<Point>,
    /// Runs spent.
    pub runs: usize,
}

/// Settings of a search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Runs it may spend (the objective's cost).
    pub budget: usize,
    /// Replicates per estimate (at least 2).
    pub replicates: u32,
    /// Levels of the main parameter's profile (0 for none).
    pub profile: usize,
    /// Index of the main parameter.
    pub main: usize,
}

/// The first replicate index of the confirmation (fresh seeds, far from the search's).
pub const CONFIRM_REPLICATE: u32 = 1_000_000;

/// The smallest budget a search with `replicates` can do anything useful with: two candidates
/// raced and the winner confirmed, each run paired with its honest counterpart.
pub fn min_budget(replicates: u32) -> usize {
    6 * replicates as usize
}

fn key(x: &[f64]) -> String {
    format!("{x:?}")
}

struct Book {
    points: Vec<Point>,
    index: BTreeMap<String, usize>,
    runs: usize,
}

impl Book {
    fn snap(params: &[Param], x: &[f64]) -> Vec<f64> {
        params.iter().zip(x).map(|(p, v)| p.snap(*v)).collect()
    }

    /// The batch that brings each point to `reps` replicates.
    fn batch(&self, xs: &[Vec<f64>], reps: u32) -> Vec<(Vec<f64>, u32)> {
        let mut out = Vec::new();
        let mut seen = BTreeMap::new();
        for x in xs {
            if seen.insert(key(x), ()).is_some() {
                continue;
            }
            let have = self
                .index
                .get(&key(x))
                .map_or(0, |&i| self.points[i].gains.len() as u32);
            for r in have..reps {
                out.push((x.clone(), r));
            }
        }
        out
    }

    /// Evaluates `xs` up to `reps` replicates if it fits in `limit` runs in all; `false` if not.
    fn run(
        &mut self,
        obj: &mut dyn Objective,
        xs: &[Vec<f64>],
        reps: u32,
        phase: Phase,
        limit: usize,
    ) -> Result<bool, String> {
        let batch = self.batch(xs, reps);
        let cost = obj.cost(&batch);
        if self.runs + cost > limit {
            return Ok(false);
        }
        let gains = obj.evaluate(&batch)?;
        self.runs += cost;
        for ((x, _), g) in batch.into_iter().zip(gains) {
            let k = key(&x);
            let i = match self.index.get(&k) {
                Some(&i) => i,
                None => {
                    self.points.push(Point {
                        x,
                        phase,
                        gains: Vec::new(),
                    });
                    self.index.insert(k, self.points.len() - 1);
                    self.points.len() - 1
                }
            };
            self.points[i].gains.push(g);
        }
        Ok(true)
    }

    fn mean_of(&self, x: &[f64], reps: u32) -> f64 {
        let p = &self.points[self.index[&key(x)]];
        mean(&p.gains[..reps as usize])
    }
}

/// The candidate set: the largest grid with at most `n` points (at least two levels per
/// continuous coordinate, every option of a choice), or `n` Halton points if even the
/// two-level grid is larger.
pub fn candidates(params: &[Param], n: usize) -> Vec<Vec<f64>> {
    for levels in (2..=6).rev() {
        let axes: Vec<Vec<f64>> = params.iter().map(|p| p.levels(levels)).collect();
        let size: usize = axes.iter().map(Vec::len).product();
        if size <= n {
            let mut grid: Vec<Vec<f64>> = vec![Vec::new()];
            for axis in &axes {
                grid = grid
                    .into_iter()
                    .flat_map(|g| {
                        axis.iter().map(move |v| {
                            let mut h = g.clone();
                            h.push(*v);
                            h
                        })
                    })
                    .collect();
            }
            return grid;
        }
    }
    const PRIMES: [u64; 8] = [2, 3, 5, 7, 11, 13, 17, 19];
    (1..=n as u64)
        .map(|i| {
            params
                .iter()
                .enumerate()
                .map(|(d, p)| {
                    let u = halton(i, PRIMES[d % PRIMES.len()]);
                    let (lo, hi) = p.bounds();
                    if p.continuous() {
                        p.snap(lo + u * (hi - lo))
                    } else {
                        (u * (hi + 1.0)).floor().min(hi)
                    }
                })
                .collect()
        })
        .collect()
}

fn halton(mut i: u64, base: u64) -> f64 {
    let mut f = 1.0;
    let mut r = 0.0;
    while i > 0 {
        f /= base as f64;
        r += f * (i % base) as f64;
        i /= base;
    }
    r
}

/// Searches `params` for the point of highest mean gain within `settings.budget` runs.
///
/// # Errors
/// A message if the budget is below [`min_budget`] or the objective fails.
pub fn search(
    params: &[Param],
    obj: &mut dyn Objective,
    settings: Settings,
) -> Result<Found, String> {
    let r = settings.replicates.max(2);
    if settings.budget < min_budget(r) {
        return Err(format!(
            "--budget {} is smaller than the {} runs a search with {r} replicates needs",
            settings.budget,
            min_budget(r)
        ));
    }
    let mut book = Book {
        points: Vec::new(),
        index: BTreeMap::new(),
        runs: 0,
    };
    let reserve_confirm = 2 * r as usize;
    let profile = if settings.budget >= 30 * r as usize {
        settings.profile
    } else {
        0
    };
    let reserve_profile = profile * r as usize * 2;
    let avail = settings.budget - reserve_confirm - reserve_profile;
    let race_limit = avail * 3 / 5;

    // 1. Racing. The candidate set shrinks until its first round fits.
    let mut n = (race_limit / r as usize).clamp(2, 64);
    let mut survivors = loop {
        let c: Vec<Vec<f64>> = candidates(params, n)
            .into_iter()
            .map(|x| Book::snap(params, &x))
            .collect();
        let mut dedup: Vec<Vec<f64>> = Vec::new();
        for x in c {
            if !dedup.iter().any(|y| key(y) == key(&x)) {
                dedup.push(x);
            }
        }
        // The smallest candidate set may use everything but the confirmation.
        let limit = if n <= 2 { avail } else { race_limit };
        if book.run(obj, &dedup, r, Phase::Race, limit)? {
            break dedup;
        }
        if n <= 2 {
            return Err(format!(
                "--budget {} does not cover the first racing round",
                settings.budget
            ));
        }
        n = n * 2 / 3;
    };
    let mut reps = r;
    while survivors.len() > 1 {
        let mut ranked: Vec<(f64, usize)> = survivors
            .iter()
            .enumerate()
            .map(|(i, x)| (book.mean_of(x, reps), i))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let keep = survivors.len().div_ceil(2);
        survivors = ranked[..keep]
            .iter()
            .map(|&(_, i)| survivors[i].clone())
            .collect();
        if survivors.len() == 1 || !book.run(obj, &survivors, reps * 2, Phase::Race, race_limit)? {
            break;
        }
        reps *= 2;
    }
    let start = survivors[0].clone();

    // 2. Nelder–Mead on the continuous coordinates.
    let local_limit = settings.budget - reserve_confirm - reserve_profile;
    let dims: Vec<usize> = (0..params.len())
        .filter(|&d| params[d].continuous() && params[d].bounds().1 > params[d].bounds().0)
        .collect();
    if !dims.is_empty() {
        nelder_mead(params, &dims, &start, obj, &mut book, r, local_limit)?;
    }

    let best = best_index(&book, r);

    // 3. Profile of the main parameter (its points may beat the best so far).
    if profile > 0 {
        let p = &params[settings.main];
        let xs: Vec<Vec<f64>> = p
            .levels(profile)
            .into_iter()
            .map(|v| {
                let mut x = book.points[best].x.clone();
                x[settings.main] = v;
                Book::snap(params, &x)
            })
            .collect();
        book.run(
            obj,
            &xs,
            r,
            Phase::Profile,
            settings.budget - reserve_confirm,
        )?;
    }

    // 4. Confirmation on fresh replicates.
    let best = best_index(&book, r);
    let x = book.points[best].x.clone();
    let batch: Vec<(Vec<f64>, u32)> = (0..r).map(|i| (x.clone(), CONFIRM_REPLICATE + i)).collect();
    let cost = obj.cost(&batch);
    let confirm = if book.runs + cost <= settings.budget {
        let gains = obj.evaluate(&batch)?;
        book.runs += cost;
        Some(Point {
            x,
            phase: Phase::Confirm,
            gains,
        })
    } else {
        None
    };
    Ok(Found {
        best,
        confirm,
        runs: book.runs,
        points: book.points,
    })
}

fn best_index(book: &Book, r: u32) -> usize {
    let mut best = 0;
    let mut best_mean = f64::NEG_INFINITY;
    for (i, p) in book.points.iter().enumerate() {
        if p.gains.len() >= r as usize {
            let m = mean(&p.gains);
            if m > best_mean {
                best_mean = m;
                best = i;
            }
        }
    }
    best
}

/// Nelder–Mead maximising the mean gain over replicates `0..r`, on coordinates `dims` scaled to
/// `[0, 1]`, the other coordinates fixed at `start`. Stops when the next evaluation would pass
/// `limit` runs, after 200 iterations, or when the simplex is smaller than 1e-3.
fn nelder_mead(
    params: &[Param],
    dims: &[usize],
    start: &[f64],
    obj: &mut dyn Objective,
    book: &mut Book,
    r: u32,
    limit: usize,
) -> Result<(), String> {
    let d = dims.len();
    let to_x = |u: &[f64]| -> Vec<f64> {
        let mut x = start.to_vec();
        for (k, &i) in dims.iter().enumerate() {
            let (lo, hi) = params[i].bounds();
            x[i] = lo + u[k].clamp(0.0, 1.0) * (hi - lo);
        }
        Book::snap(params, &x)
    };
    let u0: Vec<f64> = dims
        .iter()
        .map(|&i| {
            let (lo, hi) = params[i].bounds();
            (start[i] - lo) / (hi - lo)
        })
        .collect();
    let mut simplex: Vec<Vec<f64>> = vec![u0.clone()];
    for k in 0..d {
        let mut u = u0.clone();
        u[k] = if u[k] + 0.25 <= 1.0 {
            u[k] + 0.25
        } else {
            u[k] - 0.25
        };
        simplex.push(u);
    }
    let xs: Vec<Vec<f64>> = simplex.iter().map(|u| to_x(u)).collect();
    if !book.run(obj, &xs, r, Phase::Local, limit)? {
        return Ok(());
    }
    let mut f: Vec<f64> = xs.iter().map(|x| -book.mean_of(x, r)).collect();
    // Evaluates one point (minimising −gain); `None` when out of budget.
    let eval =
        |u: &[f64], book: &mut Book, obj: &mut dyn Objective| -> Result<Option<f64>, String> {
            let x = to_x(u);
            if !book.run(obj, std::slice::from_ref(&x), r, Phase::Local, limit)? {
                return Ok(None);
            }
            Ok(Some(-book.mean_of(&x, r)))
        };
    for _ in 0..200 {
        let mut order: Vec<usize> = (0..=d).collect();
        order.sort_by(|&a, &b| f[a].total_cmp(&f[b]).then(a.cmp(&b)));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        f = order.iter().map(|&i| f[i]).collect();
        let size = simplex[1..]
            .iter()
            .map(|u| {
                u.iter()
                    .zip(&simplex[0])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if size < 1e-3 {
            break;
        }
        let centroid: Vec<f64> = (0..d)
            .map(|k| simplex[..d].iter().map(|u| u[k]).sum::<f64>() / d as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..d)
                .map(|k| (centroid[k] + t * (centroid[k] - simplex[d][k])).clamp(0.0, 1.0))
                .collect()
        };
        let ur = along(1.0);
        let Some(fr) = eval(&ur, book, obj)? else {
            break;
        };
        if fr < f[0] {
            let ue = along(2.0);
            let Some(fe) = eval(&ue, book, obj)? else {
                break;
            };
            if fe < fr {
                simplex[d] = ue;
                f[d] = fe;
            } else {
                simplex[d] = ur;
                f[d] = fr;
            }
        } else if fr < f[d - 1] {
            simplex[d] = ur;
            f[d] = fr;
        } else {
            let uc = if fr < f[d] { along(0.5) } else { along(-0.5) };
            let Some(fc) = eval(&uc, book, obj)? else {
                break;
            };
            if fc < f[d].min(fr) {
                simplex[d] = uc;
                f[d] = fc;
            } else {
                // Shrink towards the best vertex.
                let mut shrunk = vec![simplex[0].clone()];
                for u in &simplex[1..] {
                    shrunk.push(
                        u.iter()
                            .zip(&simplex[0])
                            .map(|(a, b)| b + 0.5 * (a - b))
                            .collect(),
                    );
                }
                let xs: Vec<Vec<f64>> = shrunk.iter().map(|u| to_x(u)).collect();
                if !book.run(obj, &xs, r, Phase::Local, limit)? {
                    break;
                }
                f = xs.iter().map(|x| -book.mean_of(x, r)).collect();
                simplex = shrunk;
            }
        }
    }
    Ok(())
}
