//! Helpers shared by the integration tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An empty scratch directory `area/test` under the target's temporary directory (emptied if a
/// previous run left it).
pub fn scratch_in(area: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(area).join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs the `yumalab` binary with `args`, capturing its output.
pub fn yumalab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yumalab"))
        .args(args)
        .output()
        .expect("run yumalab")
}

/// `yumalab run FILE -o OUT`, which must succeed (its stderr otherwise).
pub fn run_ok(file: &Path, out: &Path) -> Output {
    let out = yumalab(&["run", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
