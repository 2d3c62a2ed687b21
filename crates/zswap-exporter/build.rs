//! Build facts for `zswap_exporter_build_info`, as Prometheus exporters label theirs: the git
//! commit (`revision`) and the compiler (`rustversion`, Go exporters' `goversion`). A build
//! outside a git checkout (a release tarball) says `unknown` instead of failing.
#![allow(clippy::disallowed_methods)] // a build script reads the environment cargo gives it

use std::process::Command;

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let git = |args: &[&str]| output(Command::new("git").arg("-C").arg(&dir).args(args));
    let revision = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    // a new commit or checkout moves HEAD or its log: build again then
    for p in ["HEAD", "logs/HEAD"] {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", p]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GIT_DIR");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    // "rustc 1.91.0 (f8297e351 2025-10-28)" → "1.91.0"
    let rustversion = output(Command::new(rustc).arg("--version"))
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=ZSWAP_EXPORTER_REVISION={revision}");
    println!("cargo:rustc-env=ZSWAP_EXPORTER_RUSTVERSION={rustversion}");
}
