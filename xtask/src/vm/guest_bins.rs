//! Building the scenarios' binaries as static musl executables, so they run in an initramfs
//! that has no C library.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::prereq::MUSL_TARGET;
use super::scenario::GuestBin;

/// Where a build left each binary, and why the others failed.
#[derive(Debug, Default)]
pub(crate) struct Built {
    pub(crate) bins: BTreeMap<&'static str, PathBuf>,
    pub(crate) failed: BTreeMap<&'static str, String>,
}

/// Builds each distinct binary with `cargo build --release --target x86_64-unknown-linux-musl`.
/// A failed build is recorded rather than returned, so scenarios that do not need that binary
/// still run.
pub(crate) fn build(
    workspace: &Path,
    target_dir: &Path,
    cargo: &str,
    wanted: &BTreeSet<GuestBin>,
) -> Built {
    let mut built = Built::default();
    for b in wanted {
        match build_one(workspace, target_dir, cargo, b) {
            Ok(p) => {
                built.bins.insert(b.bin, p);
            }
            Err(e) => {
                built.failed.insert(b.bin, format!("{e:#}"));
            }
        }
    }
    built
}

fn build_one(workspace: &Path, target_dir: &Path, cargo: &str, b: &GuestBin) -> Result<PathBuf> {
    #[allow(clippy::print_stderr)] // xtask progress
    {
        eprintln!("vmtest: building {} for {MUSL_TARGET}", b.bin);
    }
    let out = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            MUSL_TARGET,
            "-p",
            b.package,
            "--bin",
            b.bin,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .with_context(|| format!("running '{cargo} build'"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("see cargo output");
        bail!("building '{}' for musl failed: {first}", b.bin);
    }
    let path = target_dir.join(MUSL_TARGET).join("release").join(b.bin);
    if !path.is_file() {
        bail!(
            "cargo built '{}' but '{}' is missing",
            b.bin,
            path.display()
        );
    }
    Ok(path)
}
