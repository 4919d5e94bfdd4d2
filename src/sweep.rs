//! Sweeps: a scenario's `sweep:` section expanded into runs, each a set of path overrides and a
//! seed; sharding for array jobs.
//!
//! Order and seeds are fixed by the file, never by scheduling: grid points in file order (the
//! first path varies slowest), random points drawn from a stream derived from the master
//! seed, and replicate `r` of every point gets the seed `derive_seed(master,
//! stable_id("replicate/r"))`. The same replicate seed across points (common random numbers)
//! makes differences between points reflect the parameters, not the draws.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yumalab_agents::{derive_seed, stable_id};

use crate::scenario::{Problems, Scenario, Sweep, set_path};
use crate::yaml::{Node, Value};

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// Position in the whole sweep (0-based), stable across shards.
    pub index: usize,
    /// Which point of the grid or sample.
    pub point: usize,
    /// Which replicate of the point.
    pub replicate: u32,
    /// The run's master seed.
    pub seed: u64,
    /// The swept paths and their values at this point.
    pub values: Vec<(String, Node)>,
}

/// Expands a sweep into its runs.
pub fn expand(master_seed: u64, sweep: &Sweep) -> Vec<RunSpec> {
    let mut points: Vec<Vec<(String, Node)>> = vec![Vec::new()];
    if !sweep.grid.is_empty() {
        for (path, values) in &sweep.grid {
            points = points
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push((path.clone(), v.clone()));
                        q
                    })
                })
                .collect();
        }
    } else {
        let mut rng =
            ChaCha8Rng::seed_from_u64(derive_seed(master_seed, stable_id("sweep/random")));
        points = (0..sweep.samples)
            .map(|_| {
                sweep
                    .random
                    .iter()
                    .map(|(path, lo, hi)| {
                        let u: f64 = rng.random();
                        (
                            path.clone(),
                            Node::detached(Value::Float(lo + u * (hi - lo))),
                        )
                    })
                    .collect()
            })
            .collect();
    }
    let mut runs = Vec::new();
    for (point, values) in points.into_iter().enumerate() {
        for replicate in 0..sweep.replicates {
            runs.push(RunSpec {
                index: runs.len(),
                point,
                replicate,
                seed: derive_seed(master_seed, stable_id(&format!("replicate/{replicate}"))),
                values: values.clone(),
            });
        }
    }
    runs
}

/// The runs of shard `i` of `n` (runs whose index is `i` modulo `n`).
pub fn shard(runs: Vec<RunSpec>, i: usize, n: usize) -> Vec<RunSpec> {
    runs.into_iter()
        .filter(|r| n > 0 && r.index % n == i)
        .collect()
}

/// The scenario of one run: the base tree with the run's values set, validated.
///
/// # Errors
/// Every problem, naming the sweep path where a value is invalid.
pub fn scenario_for(base: &Node, file: &str, run: &RunSpec) -> Result<Scenario, Problems> {
    scenario_for_with(base, file, run, &crate::scenario::no_files)
}

/// [`scenario_for`], reading the files the scenario names (a snapshot) with `read`.
///
/// # Errors
/// As [`scenario_for`].
pub fn scenario_for_with(
    base: &Node,
    file: &str,
    run: &RunSpec,
    read: crate::scenario::ReadFile<'_>,
) -> Result<Scenario, Problems> {
    let mut tree = base.clone();
    let mut problems = Vec::new();
    for (path, value) in &run.values {
        if let Err(message) = set_path(&mut tree, path, value.clone()) {
            problems.push(crate::scenario::Problem {
                file: file.into(),
                line: 0,
                column: 0,
                path: format!("sweep: {path}"),
                message,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Scenario::from_tree_with(&tree, file, read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i128) -> Node {
        Node::detached(Value::Int(i))
    }

    #[test]
    fn grid_is_a_cartesian_product_in_file_order_with_replicates_inside() {
        let sweep = Sweep {
            replicates: 2,
            grid: vec![
                ("a".into(), vec![int(1), int(2)]),
                ("b".into(), vec![int(10), int(20), int(30)]),
            ],
            samples: 0,
            random: vec![],
        };
        let runs = expand(7, &sweep);
        assert_eq!(runs.len(), 12);
        assert_eq!(
            runs[0].values,
            vec![("a".into(), int(1)), ("b".into(), int(10))]
        );
        assert_eq!(
            runs[2].values,
            vec![("a".into(), int(1)), ("b".into(), int(20))]
        );
        assert_eq!(runs[6].values[0], ("a".into(), int(2)));
        // Replicate r has the same seed at every point; replicates differ.
        assert_eq!(runs[0].seed, runs[2].seed);
        assert_ne!(runs[0].seed, runs[1].seed);
    }

    #[test]
    fn shards_partition_the_runs() {
        let sweep = Sweep {
            replicates: 5,
            grid: vec![("a".into(), vec![int(1), int(2), int(3)])],
            samples: 0,
            random: vec![],
        };
        let all = expand(1, &sweep);
        let mut seen: Vec<usize> = (0..4)
            .flat_map(|i| shard(all.clone(), i, 4))
            .map(|r| r.index)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..15).collect::<Vec<_>>());
    }

    #[test]
    fn random_points_are_reproducible_and_in_range() {
        let sweep = Sweep {
            replicates: 1,
            grid: vec![],
            samples: 20,
            random: vec![("x".into(), 0.2, 0.4)],
        };
        let a = expand(3, &sweep);
        assert_eq!(a, expand(3, &sweep));
        assert!(
            a.iter().all(
                |r| matches!(r.values[0].1.value, Value::Float(x) if (0.2..=0.4).contains(&x))
            )
        );
    }
}
