//! An output directory never looks complete unless it is: before a command writes into it, the
//! outputs it writes (and any left by an earlier run) are removed; if it then fails or is
//! interrupted, what it had written is removed again and `error.txt` says why. A directory
//! with an `index.html` (a run, a sweep) or with `epochs.parquet` and `bonds.parquet` (a
//! replay) is therefore the complete output of the last command that wrote there.
//!
//! Only files by the names a command writes are touched (and `.NAME.partial` temporaries,
//! and `charts/*.png|svg`), never directories: a directory given with `-o` may hold other
//! things.

use std::fs;
use std::io;
use std::path::Path;

use super::Failure;

/// What `yumalab run` writes, besides `charts/`.
pub const RUN: &[&str] = &[
    "neurons.parquet",
    "dim_neurons.parquet",
    "subnets.parquet",
    "network.parquet",
    "agents.parquet",
    "summary.parquet",
    "summary.json",
    "windows.parquet",
    "report.md",
    "index.html",
];

/// What `yumalab replay -o` writes.
pub const REPLAY: &[&str] = &["epochs.parquet", "bonds.parquet"];

/// The file that says why a command failed.
pub const ERROR: &str = "error.txt";

/// The subdirectory where a sweep that did not finish keeps its completed runs.
pub const INCOMPLETE: &str = "incomplete";

/// What a sweep writes: its summary (`summary.parquet`, or one shard's), report and charts.
pub fn sweep(shard: Option<(usize, usize)>) -> Vec<String> {
    let summary = match shard {
        Some((i, n)) => format!("summary-shard-{i}-of-{n}.parquet"),
        None => "summary.parquet".into(),
    };
    vec![summary, "report.md".into(), "index.html".into()]
}

/// Removes `files`, their `.NAME.partial` temporaries, every other `.*.partial` file,
/// `charts/*.png|svg` (and `charts/` if that empties it), `incomplete/` and `error.txt` from
/// `dir`. Missing files are fine.
///
/// # Errors
/// [`Failure::User`] if a file that exists cannot be removed.
pub fn clear<S: AsRef<str>>(dir: &Path, files: &[S]) -> Result<(), Failure> {
    let remove = |path: &Path| match fs::remove_file(path) {
        // A directory by one of our names is not ours: writing there will fail and say so.
        Err(_) if path.symlink_metadata().is_ok_and(|m| m.is_dir()) => Ok(()),
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Failure::User(anyhow::anyhow!(
            "{}: cannot remove an earlier output: {e}",
            path.display()
        ))),
        _ => Ok(()),
    };
    for f in files {
        let f = f.as_ref();
        remove(&dir.join(f))?;
        remove(&dir.join(format!(".{f}.partial")))?;
    }
    remove(&dir.join(ERROR))?;
    for path in partial_files(dir) {
        remove(&path)?;
    }
    let charts = dir.join("charts");
    if let Ok(entries) = fs::read_dir(&charts) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "png" || x == "svg") {
                remove(&p)?;
            }
        }
        // Only if empty: anything else there is not ours.
        let _ = fs::remove_dir(&charts);
    }
    let incomplete = dir.join(INCOMPLETE);
    if let Ok(entries) = fs::read_dir(&incomplete) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x == "parquet" || x == "partial")
            {
                remove(&p)?;
            }
        }
        let _ = fs::remove_dir(&incomplete);
    }
    Ok(())
}

/// The `.*.partial` files directly in `dir`, sorted.
pub fn partial_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.') && n.ends_with(".partial"))
        })
        .collect();
    found.sort();
    found
}

/// After `failure`: removes what the command writes into `dir` (as [`clear`]) and writes
/// `error.txt` with the command line and why it failed. Best effort: the failure being
/// reported is the one that matters, so problems here are not reported.
pub fn fail<S: AsRef<str>>(dir: &Path, files: &[S], failure: &Failure) {
    if !dir.is_dir() {
        return;
    }
    let _ = clear(dir, files);
    let e = failure.error();
    let command: Vec<String> = std::env::args().collect();
    let text = format!(
        "yumalab failed; the outputs it had started writing here were removed.\n\n\
         command: {}\n\n{e:#}\n",
        command.join(" ")
    );
    let _ = fs::write(dir.join(ERROR), text);
}

/// Runs `body`; if it fails, [`fail`]s `dir`.
///
/// # Errors
/// The failure of `body`.
pub fn guarded<T, S: AsRef<str>>(
    dir: &Path,
    files: &[S],
    body: impl FnOnce() -> Result<T, Failure>,
) -> Result<T, Failure> {
    let result = body();
    if let Err(f) = &result {
        fail(dir, files, f);
    }
    result
}
