//! The fuzz targets of `fuzz/` (the scenario reader, the replay reader, `--set` parsing) on
//! stable Rust: each shipped file is fed as it is, then mutated by a seeded stream (bytes
//! flipped, inserted, deleted, duplicated; numbers replaced by huge, negative, non-finite or
//! wrongly typed values; lines removed or repeated), and the target's promises are checked
//! (`fuzz/src/lib.rs`). Deterministic: the same budget gives the same inputs.
//!
//! Budget: `YUMALAB_FUZZ_EXECS` executions per target (default 300; CI runs more). A crash
//! writes its input to `target/tmp/fuzz-crash-TARGET-N` and fails the test. Coverage-guided
//! campaigns: `cargo fuzz` (README, "Fuzzing").

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[path = "../../fuzz/src/lib.rs"]
pub(crate) mod targets;

use targets::Verdict;

/// Values a mutation writes in place of a number (or any token).
const HOSTILE: &[&str] = &[
    "-1",
    "0",
    "1e400",
    "-1e400",
    "1e308",
    "18446744073709551616",
    "9223372036854775808",
    "21000001",
    "21000000",
    "1e-320",
    ".nan",
    ".inf",
    "-.inf",
    "null",
    "~",
    "[]",
    "{}",
    "\"x\"",
    "true",
    "NaN",
    "4294967296",
    "65536",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files(dirs: &[&str], exts: &[&str]) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| fs::read_dir(root().join(d)).expect("seed directory"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| fs::read(p).expect("seed")).collect()
}

fn budget() -> usize {
    std::env::var("YUMALAB_FUZZ_EXECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// One mutation of `input`.
fn mutate(input: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = rng.random_range(1..=4);
    for _ in 0..rounds {
        let len = out.len();
        match rng.random_range(0..9) {
            // Replace a number (a run of digits, signs, dots, exponents) with a hostile value.
            0..=2 => {
                let starts: Vec<usize> = (0..len)
                    .filter(|&i| {
                        out[i].is_ascii_digit() && (i == 0 || !out[i - 1].is_ascii_alphanumeric())
                    })
                    .collect();
                if let Some(&s) = starts.get(rng.random_range(0..starts.len().max(1))) {
                    let mut e = s;
                    while e < len && (out[e].is_ascii_digit() || b".eE+-".contains(&out[e])) {
                        e += 1;
                    }
                    let v = HOSTILE[rng.random_range(0..HOSTILE.len())];
                    out.splice(s..e, v.bytes());
                }
            }
            // Delete a line (a key removed).
            3 => {
                let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
                if lines.len() > 1 {
                    let k = rng.random_range(0..lines.len());
                    let kept: Vec<&[u8]> = lines
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != k)
                        .map(|(_, l)| *l)
                        .collect();
                    out = kept.join(&b'\n');
                }
            }
            // Repeat a line many times (lists repeated).
            4 => {
                let lines: Vec<Vec<u8>> = out.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let k = rng.random_range(0..lines.len());
                let times = rng.random_range(2..200);
                let mut all = Vec::new();
                for (i, l) in lines.iter().enumerate() {
                    let n = if i == k { times } else { 1 };
                    for _ in 0..n {
                        all.push(l.clone());
                    }
                }
                out = all.join(&b'\n');
            }
            // Empty a flow list.
            5 => {
                if let Some(s) = (0..len)
                    .filter(|&i| out[i] == b'[')
                    .nth(rng.random_range(0..8))
                    && let Some(e) = (s..len).find(|&i| out[i] == b']')
                {
                    out.drain(s + 1..e);
                }
            }
            // Bytes: flip, insert, delete.
            6 if len > 0 => {
                let i = rng.random_range(0..len);
                out[i] ^= 1 << rng.random_range(0..8);
            }
            7 => {
                let i = rng.random_range(0..=len);
                let b = b"-.:[]{},#&*!|>'\"\n 0e9"[rng.random_range(0..21)];
                out.insert(i, b);
            }
            _ if len > 1 => {
                let i = rng.random_range(0..len);
                let n = rng.random_range(1..=(len - i).min(64));
                out.drain(i..i + n);
            }
            _ => {}
        }
    }
    out
}

/// Feeds `target` the seeds, then mutations of them, `budget()` executions in all; returns
/// how many ran (each either accepted with every promise kept, or refused properly).
fn campaign(name: &str, seeds: &[Vec<u8>], target: fn(&[u8]) -> Verdict) -> usize {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0000 + name.len() as u64);
    let total = budget().max(seeds.len());
    let mut verdicts = [0usize; 4];
    for n in 0..total {
        let input = if n < seeds.len() {
            seeds[n].clone()
        } else {
            mutate(&seeds[rng.random_range(0..seeds.len())], &mut rng)
        };
        let verdict = catch_unwind(AssertUnwindSafe(|| target(&input)));
        if let Ok(v) = verdict {
            verdicts[v as usize] += 1;
        } else {
            let path =
                Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-crash-{name}-{n}"));
            let _ = fs::write(&path, &input);
            panic!(
                "{name}: execution {n} broke a promise; its input is in {}",
                path.display()
            );
        }
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "fuzz {name}: {total} executions ran clean ({} refused with named problems, {} accepted and run, {} accepted but too large to run, {} not UTF-8)",
            verdicts[Verdict::Refused as usize],
            verdicts[Verdict::Ran as usize],
            verdicts[Verdict::Accepted as usize],
            verdicts[Verdict::Skipped as usize],
        );
    }
    total
}

#[test]
fn fuzz_scenario_reader() {
    let seeds = files(&["scenarios", "scenarios/validation"], &["yaml"]);
    assert!(campaign("scenario", &seeds, targets::scenario) >= seeds.len());
}

#[test]
fn fuzz_replay_reader() {
    let seeds = files(&["scenarios/replay"], &["yaml", "json"]);
    assert!(campaign("replay", &seeds, targets::replay) >= seeds.len());
}

#[test]
fn fuzz_set_parsing() {
    let seeds = files(&["fuzz/seeds/set"], &["txt"]);
    assert!(campaign("set", &seeds, targets::set) >= seeds.len());
}
