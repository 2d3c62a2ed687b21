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
    /// Why the binaries lack the eBPF probe, when they do (scenarios that load it fail).
    pub(crate) probe_gap: Option<String>,
}

/// Builds the binaries with `cargo build --release --target x86_64-unknown-linux-musl`: all in
/// one cargo call first (shared dependencies compile in parallel), and, if that fails, one by
/// one, so a failure is pinned on its binary and scenarios that do not need it still run.
pub(crate) fn build(
    workspace: &Path,
    target_dir: &Path,
    cargo: &str,
    wanted: &BTreeSet<GuestBin>,
) -> Built {
    let mut built = Built::default();
    let all: Vec<GuestBin> = wanted.iter().copied().collect();
    if cargo_build(workspace, target_dir, cargo, &all).is_ok() {
        for b in &all {
            match artifact(target_dir, b) {
                Ok(p) => {
                    built.bins.insert(b.bin, p);
                }
                Err(e) => {
                    built.failed.insert(b.bin, format!("{e:#}"));
                }
            }
        }
        return built;
    }
    for b in &all {
        match cargo_build(workspace, target_dir, cargo, std::slice::from_ref(b))
            .and_then(|()| artifact(target_dir, b))
        {
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

/// The `cargo build` arguments for `bins`.
fn build_args(bins: &[GuestBin]) -> Vec<&'static str> {
    let mut a = vec!["build", "--quiet", "--release", "--target", MUSL_TARGET];
    for b in bins {
        a.extend(["-p", b.package, "--bin", b.bin]);
    }
    a
}

fn cargo_build(workspace: &Path, target_dir: &Path, cargo: &str, bins: &[GuestBin]) -> Result<()> {
    let names: Vec<&str> = bins.iter().map(|b| b.bin).collect();
    #[allow(clippy::print_stderr)] // xtask progress
    {
        eprintln!("vmtest: building {} for {MUSL_TARGET}", names.join(", "));
    }
    let out = Command::new(cargo)
        .current_dir(workspace)
        .args(build_args(bins))
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
        bail!("building '{}' for musl failed: {first}", names.join(", "));
    }
    Ok(())
}

fn artifact(target_dir: &Path, b: &GuestBin) -> Result<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cargo_call_names_every_package_and_binary() {
        let bins = [
            GuestBin {
                package: "zswapctl",
                bin: "zswapctl",
            },
            GuestBin {
                package: "zswap-workload",
                bin: "zswap-workload",
            },
        ];
        assert_eq!(
            build_args(&bins).join(" "),
            "build --quiet --release --target x86_64-unknown-linux-musl \
             -p zswapctl --bin zswapctl -p zswap-workload --bin zswap-workload"
        );
    }
}
