//! Helpers shared by the command-line tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `sparsewave` binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sparsewave")
}

/// The `--json` report of `sparsewave ARGS` run in `dir`, which must succeed.
pub fn json_of(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
