//! Sweeps: a scenario's `sweep:` section expanded into runs, each a set of path overrides and a
//! seed; sharding for array jobs.
//!
//! Order and seeds are fixed by the file, never by scheduling: grid points in file order (the
//! first path varies slowest), random points drawn from a stream derived from the master
//! seed, and replicate `r` of every point gets the seed `derive_seed(master,
//! stable_id("replicate/r"))`. The same replicate seed across points (common random numbers)
//! makes differences between points reflect the parameters, not the draws.

use yumalab_agents::{derive_seed, stable_id};

use crate::experiment::spec::Location;
use crate::scenario::{Problems, Scenario, Sweep, set_path};
use crate::yaml::Node;

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

/// The seed of replicate `r`: `seeds[r]` when the sweep lists seeds, else derived from the
/// master seed (the same at every point: common random numbers).
pub fn replicate_seed(master_seed: u64, sweep: &Sweep, r: u32) -> u64 {
    match &sweep.seeds {
        Some(s) => s[r as usize],
        None => derive_seed(master_seed, stable_id(&format!("replicate/{r}"))),
    }
}

/// Expands a sweep into its runs: the design's points ([`crate::experiment::design`]), each
/// with every replicate (run index = point × replicates + replicate).
pub fn expand(master_seed: u64, sweep: &Sweep) -> Vec<RunSpec> {
    let points = crate::experiment::design::points(master_seed, &sweep.design).values;
    let mut runs = Vec::new();
    for (point, values) in points.into_iter().enumerate() {
        for replicate in 0..sweep.replicates {
            runs.push(RunSpec {
                index: runs.len(),
                point,
                replicate,
                seed: replicate_seed(master_seed, sweep, replicate),
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

/// Checks every point of a sweep (replicate 0 of each) against the scenario: all problems,
/// deduplicated; a problem with a swept path is reported where the sweep names that path
/// (the `sweep:` entry, or the table file's header cell), with the value the point set.
pub fn check_points(
    base: &Node,
    file: &str,
    sweep: &Sweep,
    runs: &[RunSpec],
    read: crate::scenario::ReadFile<'_>,
) -> Vec<crate::scenario::Problem> {
    let places = sweep.design.paths();
    let mut out: Vec<crate::scenario::Problem> = Vec::new();
    for r in runs.iter().filter(|r| r.replicate == 0) {
        let Err(Problems(found)) = scenario_for_with(base, file, r, read) else {
            continue;
        };
        for mut p in found {
            let swept = places.iter().find(|(path, _)| {
                p.path == *path
                    || p.path.starts_with(&format!("{path}."))
                    || p.path == format!("sweep: {path}")
            });
            if let Some((path, Location { file, line, column })) = swept {
                let value = r
                    .values
                    .iter()
                    .find(|(q, _)| q == path)
                    .map(|(_, v)| v.show())
                    .unwrap_or_default();
                p.file.clone_from(file);
                p.line = *line;
                p.column = *column;
                p.message = format!("{} (swept path `{path}`, value `{value}`)", p.message);
                if p.path == format!("sweep: {path}") {
                    p.path.clone_from(path);
                }
            }
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::spec::{Axis, Design, Dist, Param};
    use crate::yaml::Value;

    fn int(i: i128) -> Node {
        Node::detached(Value::Int(i))
    }

    fn axis(path: &str, values: Vec<Node>) -> Axis {
        Axis {
            path: path.into(),
            at: Location::default(),
            values,
        }
    }

    fn sweep(replicates: u32, design: Design) -> Sweep {
        Sweep {
            replicates,
            seeds: None,
            design,
        }
    }

    #[test]
    fn grid_is_a_cartesian_product_in_file_order_with_replicates_inside() {
        let sweep = sweep(
            2,
            Design::Grid(vec![
                axis("a", vec![int(1), int(2)]),
                axis("b", vec![int(10), int(20), int(30)]),
            ]),
        );
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
        let sweep = sweep(
            5,
            Design::Grid(vec![axis("a", vec![int(1), int(2), int(3)])]),
        );
        let all = expand(1, &sweep);
        let mut seen: Vec<usize> = (0..4)
            .flat_map(|i| shard(all.clone(), i, 4))
            .map(|r| r.index)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..15).collect::<Vec<_>>());
    }

    #[test]
    fn random_points_are_reproducible_in_range_and_unchanged() {
        let sweep = sweep(
            1,
            Design::Random {
                samples: 20,
                params: vec![Param {
                    path: "x".into(),
                    at: Location::default(),
                    dist: Dist::Uniform { min: 0.2, max: 0.4 },
                }],
            },
        );
        let a = expand(3, &sweep);
        assert_eq!(a, expand(3, &sweep));
        assert!(
            a.iter().all(
                |r| matches!(r.values[0].1.value, Value::Float(x) if (0.2..=0.4).contains(&x))
            )
        );
        // The stream of the sweeps shipped before the experiment layer: ChaCha8 from
        // derive_seed(master, "sweep/random"), one draw per parameter per point.
        use rand::{RngExt, SeedableRng};
        let mut rng =
            rand_chacha::ChaCha8Rng::seed_from_u64(derive_seed(3, stable_id("sweep/random")));
        for r in &a {
            let u: f64 = rng.random();
            assert_eq!(r.values[0].1.value, Value::Float(0.2 + u * (0.4 - 0.2)));
        }
    }

    #[test]
    fn explicit_seeds_set_the_replicates() {
        let mut s = sweep(3, Design::Zip(vec![axis("a", vec![int(1), int(2)])]));
        s.seeds = Some(vec![11, 12, 13]);
        let runs = expand(1, &s);
        assert_eq!(
            runs.iter().map(|r| r.seed).collect::<Vec<_>>(),
            vec![11, 12, 13, 11, 12, 13]
        );
    }
}
