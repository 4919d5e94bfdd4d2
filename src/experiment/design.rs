//! Points of a design: each a list of (path, value), plus the unit-cube coordinates the
//! sampled designs drew them from (what the sensitivity estimators and SALib's X use).
//!
//! Streams derive from the master seed and the design's name, so points never depend on
//! scheduling. `grid` and `random` expand exactly as before this module existed.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yumalab_agents::{derive_seed, stable_id};

use super::sobol::Sobol;
use super::spec::{Design, Param};
use crate::yaml::Node;

/// The points of a design.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Points {
    /// Each point's swept paths and values, in column order.
    pub values: Vec<Vec<(String, Node)>>,
    /// For sampled designs, each point's coordinates in [0, 1]^d (empty otherwise).
    pub unit: Vec<Vec<f64>>,
}

fn rng(master: u64, name: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(derive_seed(master, stable_id(name)))
}

fn at(params: &[Param], u: &[f64]) -> Vec<(String, Node)> {
    params
        .iter()
        .zip(u)
        .map(|(p, &x)| (p.path.clone(), p.dist.value(x)))
        .collect()
}

/// Expands a design into its points.
pub fn points(master: u64, design: &Design) -> Points {
    match design {
        Design::Grid(axes) => {
            let mut pts: Vec<Vec<(String, Node)>> = vec![Vec::new()];
            for a in axes {
                pts = pts
                    .into_iter()
                    .flat_map(|p| {
                        a.values.iter().map(move |v| {
                            let mut q = p.clone();
                            q.push((a.path.clone(), v.clone()));
                            q
                        })
                    })
                    .collect();
            }
            Points {
                values: pts,
                unit: Vec::new(),
            }
        }
        Design::Zip(axes) | Design::Table { columns: axes } => {
            let n = axes.iter().map(|a| a.values.len()).min().unwrap_or(0);
            Points {
                values: (0..n)
                    .map(|k| {
                        axes.iter()
                            .map(|a| (a.path.clone(), a.values[k].clone()))
                            .collect()
                    })
                    .collect(),
                unit: Vec::new(),
            }
        }
        Design::Random { samples, params } => {
            // One draw per parameter per point, in order (the stream of the original sweeps).
            let mut r = rng(master, "sweep/random");
            let unit: Vec<Vec<f64>> = (0..*samples)
                .map(|_| params.iter().map(|_| r.random::<f64>()).collect())
                .collect();
            sampled(params, unit)
        }
        Design::Lhs { samples, params } => {
            let n = *samples as usize;
            let mut r = rng(master, "sweep/lhs");
            let columns: Vec<Vec<f64>> = params
                .iter()
                .map(|_| {
                    let mut strata: Vec<usize> = (0..n).collect();
                    strata.shuffle(&mut r);
                    strata
                        .into_iter()
                        .map(|s| (s as f64 + r.random::<f64>()) / n as f64)
                        .collect()
                })
                .collect();
            let unit: Vec<Vec<f64>> = (0..n)
                .map(|k| columns.iter().map(|c| c[k]).collect())
                .collect();
            sampled(params, unit)
        }
        Design::Sobol {
            base_samples,
            second_order,
            params,
        } => sampled(
            params,
            saltelli(
                derive_seed(master, stable_id("sweep/sobol")),
                *base_samples as usize,
                params.len(),
                *second_order,
            ),
        ),
        Design::Morris {
            trajectories,
            levels,
            params,
        } => {
            let mut r = rng(master, "sweep/morris");
            let unit = morris(
                &mut r,
                *trajectories as usize,
                *levels as usize,
                params.len(),
            );
            sampled(params, unit)
        }
    }
}

fn sampled(params: &[Param], unit: Vec<Vec<f64>>) -> Points {
    Points {
        values: unit.iter().map(|u| at(params, u)).collect(),
        unit,
    }
}

/// Saltelli's cross-sampling in SALib's row order: for each base sample j, the rows A_j,
/// AB_j^(1..d) (A with column i from B), [BA_j^(1..d)], B_j; A and B are the first and last d
/// coordinates of a 2d-dimensional scrambled Sobol point.
pub fn saltelli(seed: u64, n: usize, d: usize, second_order: bool) -> Vec<Vec<f64>> {
    let mut seq = Sobol::new(2 * d, seed).expect("at most 16 parameters (checked when read)");
    let mut out = Vec::with_capacity(n * (2 * d + 2));
    for _ in 0..n {
        let p = seq.next_point();
        let (a, b) = p.split_at(d);
        out.push(a.to_vec());
        for i in 0..d {
            let mut row = a.to_vec();
            row[i] = b[i];
            out.push(row);
        }
        if second_order {
            for i in 0..d {
                let mut row = b.to_vec();
                row[i] = a[i];
                out.push(row);
            }
        }
        out.push(b.to_vec());
    }
    out
}

/// Rows of one Saltelli block: d + 2, or 2d + 2 with second order.
pub fn saltelli_block(d: usize, second_order: bool) -> usize {
    if second_order { 2 * d + 2 } else { d + 2 }
}

/// `r` Morris trajectories of d + 1 points on the grid {0, 1/(p-1), ..., 1}, step
/// Δ = p / (2 (p - 1)): from a random base point each parameter moves once, in a random order,
/// up or down by Δ.
pub fn morris(rng: &mut ChaCha8Rng, r: usize, p: usize, d: usize) -> Vec<Vec<f64>> {
    let p = p.max(2);
    let delta = p as f64 / (2.0 * (p - 1) as f64);
    // Base levels whose +Δ is still on the grid: 0 ..= p/2 - 1.
    let base_levels = (p / 2).max(1);
    let mut out = Vec::with_capacity(r * (d + 1));
    for _ in 0..r {
        let base: Vec<f64> = (0..d)
            .map(|_| rng.random_range(0..base_levels) as f64 / (p - 1) as f64)
            .collect();
        let up: Vec<bool> = (0..d).map(|_| rng.random::<bool>()).collect();
        let mut order: Vec<usize> = (0..d).collect();
        order.shuffle(rng);
        let mut x: Vec<f64> = (0..d)
            .map(|i| {
                if up[i] {
                    base[i]
                } else {
                    (base[i] + delta).min(1.0)
                }
            })
            .collect();
        out.push(x.clone());
        for i in order {
            x[i] = if up[i] {
                (base[i] + delta).min(1.0)
            } else {
                base[i]
            };
            out.push(x.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_has_one_point_per_stratum() {
        let params: Vec<Param> = (0..3)
            .map(|k| Param {
                path: format!("p{k}"),
                at: Default::default(),
                dist: super::super::spec::Dist::Uniform { min: 0.0, max: 1.0 },
            })
            .collect();
        let pts = points(
            9,
            &Design::Lhs {
                samples: 10,
                params,
            },
        );
        for d in 0..3 {
            let mut strata: Vec<usize> = pts.unit.iter().map(|u| (u[d] * 10.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn morris_trajectories_move_one_parameter_by_delta_per_step() {
        let mut r = ChaCha8Rng::seed_from_u64(5);
        let rows = morris(&mut r, 6, 4, 3);
        assert_eq!(rows.len(), 6 * 4);
        for t in rows.chunks(4) {
            let mut moved = Vec::new();
            for w in t.windows(2) {
                let diff: Vec<usize> = (0..3).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(diff.len(), 1);
                assert!(((w[1][diff[0]] - w[0][diff[0]]).abs() - 4.0 / 6.0).abs() < 1e-12);
                moved.push(diff[0]);
            }
            moved.sort_unstable();
            assert_eq!(moved, vec![0, 1, 2]);
            assert!(t.iter().flatten().all(|x| (0.0..=1.0).contains(x)));
        }
    }

    #[test]
    fn saltelli_rows_cross_a_and_b() {
        let rows = saltelli(1, 4, 3, true);
        assert_eq!(rows.len(), 4 * 8);
        for b in rows.chunks(8) {
            let (a, bb) = (&b[0], &b[7]);
            for i in 0..3 {
                for k in 0..3 {
                    assert_eq!(b[1 + i][k], if k == i { bb[k] } else { a[k] });
                    assert_eq!(b[4 + i][k], if k == i { a[k] } else { bb[k] });
                }
            }
        }
    }
}
