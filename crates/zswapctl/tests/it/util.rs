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

/// `zswapctl` with `args` against `root`, as a command to adjust before running.
pub(crate) fn zswapctl_cmd(root: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("zswapctl"));
    cmd.env_remove("ZSWAP_ROOT")
        .arg("--root")
        .arg(root)
        .args(args);
    cmd
}

/// `zswapctl` with `args` (against `root` when given) run as user and group 65534 (nobody)
/// through `setpriv`: for the tests of what an unprivileged user is told (they need root).
pub(crate) fn zswapctl_as_nobody(root: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(assert_cmd::cargo::cargo_bin("zswapctl"))
        .env_remove("ZSWAP_ROOT");
    if let Some(r) = root {
        cmd.arg("--root").arg(r);
    }
    cmd.args(args).output().unwrap()
}

/// Every zswap parameter file of a tree with its value (trimmed; the tool writes no
/// trailing newline, sysfs prints one): compare before and after to see
/// that nothing changed.
pub(crate) fn params_of(root: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(root.join("sys/module/zswap/parameters"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read_to_string(e.path()).unwrap().trim().to_owned(),
            )
        })
        .collect()
}

/// stdout and stderr as text, with the exit code.
pub(crate) fn texts(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `zswapctl check --json` below `root` with `extra` arguments: its exit code and report.
pub(crate) fn check_json(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["check", "--json"];
    args.extend_from_slice(extra);
    let out = zswapctl(Some(root), &args);
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

/// The finding with `code` in a `check --json` report.
pub(crate) fn finding<'a>(j: &'a serde_json::Value, code: &str) -> Option<&'a serde_json::Value> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
}
