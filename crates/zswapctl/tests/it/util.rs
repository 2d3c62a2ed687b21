//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// `zswapctl` with `args`, run against `root` when given.
pub(crate) fn zswapctl(root: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::cargo_bin("zswapctl").unwrap();
    cmd.env_remove("ZSWAP_ROOT");
    if let Some(r) = root {
        cmd.arg("--root").arg(r);
    }
    cmd.args(args).output().unwrap()
}

/// Parses stdout as JSON, failing with stderr shown.
pub(crate) fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Reads a file of the tree, trimmed.
pub(crate) fn read_trim(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap().trim().to_owned()
}
